/*  health_http.h - a deliberately small HTTP/1.1 server for silta-health's
 *  FHIR endpoints, on a loopback port, driven from the adapter loop.
 *
 *  One request per connection (Connection: close), handled to the end before
 *  the next is accepted: a body needs Content-Length (no chunked encoding),
 *  headers are limited to 16 KiB and the body to max_body bytes; a client has
 *  5 s to send its request. Enough for agency systems posting referrals one
 *  by one on the same machine or through a reverse proxy; not a general web
 *  server (no TLS, no keep-alive, no concurrency).
 */
#ifndef HEALTH_HTTP_H
#define HEALTH_HTTP_H

#include <stddef.h>

#include "silta_err.h"

typedef struct health_http_t health_http_t;

typedef struct {
    int status;   /* 201, 400, ... */
    char *body;   /* malloc'd; freed by the server */
    size_t len;
} health_http_reply_t;

/* Handle one complete request. method and path are NUL-terminated; body may
 * contain anything (len bytes). Fill *reply. */
typedef void (*health_http_handler_t)(void *arg, const char *method, const char *path,
                                      const char *content_type, const char *body, size_t len,
                                      health_http_reply_t *reply);

/* Listen on 127.0.0.1:port (0: any free port). Returns NULL with err. */
health_http_t *health_http_new(int port, size_t max_body, health_http_handler_t handler,
                               void *arg, silta_err_t *err);
void health_http_destroy(health_http_t **self_p);

/* The port actually bound. */
int health_http_port(const health_http_t *self);

/* Accept and serve the connections waiting now (never blocks when none is
 * waiting). Returns the number served. */
int health_http_serve(health_http_t *self);

#endif
