/*  hub_http.h - the hub's operator endpoints (/metrics, /healthz, status page)
 *  on silta_http, answered by the hub's own loop.
 *
 *  The HTTP server runs on silta_http's threads (one per connection, with its
 *  limits and idle timeout), so an idle or slow client costs a sleeping thread
 *  and never a turn of the hub's loop. What a page shows is the hub's state,
 *  which only the loop may read: each GET is handed to the loop through a
 *  silta_http_calls_t queue, whose fd the loop polls next to the ROUTER socket.
 *
 *  Why a hand-over and not a snapshot the loop publishes under a mutex: the
 *  numbers are exactly as fresh as the scrape (no render every tick when
 *  nobody looks, no stale page), the handler keeps reading the hub's structs
 *  in place, and /healthz then also tells whether the loop itself is turning
 *  (a stuck loop answers 503 after HUB_HTTP_WAIT_MS, where a snapshot would
 *  keep saying "ok"; and /metrics then still answers, from the last rendering,
 *  with the stall's length). The cost to the loop is the rendering of requests that
 *  really arrived, at most HUB_HTTP_PER_TURN per turn of the loop.
 *
 *  Not here: what the pages say (hub_metrics.c, and the router's callback).
 */
#ifndef HUB_HTTP_H
#define HUB_HTTP_H

#include "silta_buf.h"
#include "silta_err.h"

/* How long a request waits for the loop before it is answered 503. */
#define HUB_HTTP_WAIT_MS 2000
/* Requests answered per hub_http_serve call (per turn of the loop). */
#define HUB_HTTP_PER_TURN 8

typedef struct hub_http_t hub_http_t;

/* Fill body for path; set *content_type (static string). Returns the HTTP
 * status (200, 404, 503, ...). Runs on the hub's loop (from hub_http_serve). */
typedef int (*hub_http_handler_fn)(const char *path, silta_buf_t *body, const char **content_type,
                                   void *arg);

/* Listen on "IPV4:PORT" (server threads start here). NULL with err filled on failure. */
hub_http_t *hub_http_listen(const char *addr, hub_http_handler_fn fn, void *arg, silta_err_t *err);
/* Stop the server (waiting requests are answered 503 at once); *self_p = NULL. */
void hub_http_close(hub_http_t **self_p);

/* Readable while requests wait for the loop: poll it. */
int hub_http_fd(const hub_http_t *self);

/* From the loop, each turn: the loop is turning (a request the loop does not
 * take within HUB_HTTP_WAIT_MS is answered by the server thread: /healthz 503
 * "hub loop stalled for N s", /metrics the last rendering with
 * silta_hub_loop_stalled_seconds N). */
void hub_http_turn(hub_http_t *self);

/* From the loop: answer the requests waiting now (up to HUB_HTTP_PER_TURN). */
void hub_http_serve(hub_http_t *self);

/* The port bound (for SILTA_METRICS_BIND=...:0). */
int hub_http_port(const hub_http_t *self);

#endif
