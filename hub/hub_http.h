/*  hub_http.h - a very small HTTP/1.0 server for the hub's operator endpoints
 *  (/metrics, /healthz, /), polled from the hub's own loop.
 *
 *  Loopback only, GET only, one request per connection, answered in full
 *  before the next is read: enough for Prometheus and a person with a browser,
 *  and no thread touches the hub's state. A client that does not send its
 *  request within 200 ms is dropped, so a stuck scraper cannot stall the hub.
 */
#ifndef HUB_HTTP_H
#define HUB_HTTP_H

#include "silta_buf.h"
#include "silta_err.h"

typedef struct hub_http_t hub_http_t;

/* Fill body for path; set *content_type (static string). Returns the HTTP
 * status (200, 404, 503, ...). */
typedef int (*hub_http_handler_fn)(const char *path, silta_buf_t *body, const char **content_type,
                                   void *arg);

/* Listen on "127.0.0.1:PORT" (or "HOST:PORT"). NULL with err filled on failure. */
hub_http_t *hub_http_listen(const char *addr, hub_http_handler_fn fn, void *arg, silta_err_t *err);
void hub_http_close(hub_http_t **self_p);

/* The listening socket, for poll. */
int hub_http_fd(const hub_http_t *self);

/* Accept and answer the connections waiting now (call when fd is readable). */
void hub_http_serve(hub_http_t *self);

#endif
