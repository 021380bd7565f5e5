/*  silta_http.h - the one HTTP server module of Silta, on libmicrohttpd.
 *
 *  Used by the hub (/metrics, /healthz, status page), silta-health (FHIR REST)
 *  and silta-casestore (the caseworker inbox). The server runs on its own
 *  threads (libmicrohttpd, one thread per connection), so an idle or slow
 *  client never stalls the program's main loop; it enforces a connection
 *  limit (total and per IP), an idle timeout and a body limit, and answers
 *  413 / 503 itself when they are exceeded.
 *
 *  Threading contract: the handler runs on a server thread, several at once.
 *  It must not touch state owned by the program's main loop; a program whose
 *  answer needs the main loop hands the request over (silta_http_call below)
 *  and blocks its server thread until the main loop answers or a timeout.
 *
 *  Ownership: the request and everything it points to is borrowed for the
 *  duration of the handler call. The response body is malloc'd by the handler
 *  (silta_http_resp_body / _printf) and freed by the server.
 */
#ifndef SILTA_HTTP_H
#define SILTA_HTTP_H

#include <stddef.h>

#include "silta_err.h"

typedef struct silta_http_t silta_http_t;

typedef struct {
    const char *method;  /* "GET", "POST", ... */
    const char *path;    /* the URL path without the query: "/fhir/metadata" */
    const char *body;    /* the request body (len bytes, NUL-terminated after len); "" when none */
    size_t len;
    const char *peer;    /* the client's address, "127.0.0.1" */
    void *conn;          /* opaque: for silta_http_header / _arg / _cookie */
} silta_http_req_t;

#define SILTA_HTTP_MAX_HEADERS 8

typedef struct {
    int status;               /* 200, 201, 404, ... ; 0 -> 500 */
    const char *content_type; /* static string; NULL -> "text/plain; charset=utf-8" */
    char *body;               /* malloc'd; freed by the server; NULL -> empty body */
    size_t len;
    int nheaders;             /* extra headers, copies owned by the response */
    char *header_name[SILTA_HTTP_MAX_HEADERS];
    char *header_value[SILTA_HTTP_MAX_HEADERS];
} silta_http_resp_t;

/* A request header (case-insensitive name), a query argument (decoded), or a
 * cookie of the request; NULL when absent. Borrowed for the handler call. */
const char *silta_http_header(const silta_http_req_t *req, const char *name);
const char *silta_http_arg(const silta_http_req_t *req, const char *name);
const char *silta_http_cookie(const silta_http_req_t *req, const char *name);

/* Set the body to a copy of data[len] (0, or SILTA_ERR on out of memory). */
int silta_http_resp_body(silta_http_resp_t *resp, int status, const char *content_type,
                         const char *data, size_t len);
/* Take ownership of a malloc'd body. */
void silta_http_resp_take(silta_http_resp_t *resp, int status, const char *content_type,
                          char *body, size_t len);
/* Add a response header (copied). 0, or SILTA_ERR when full / out of memory. */
int silta_http_resp_header(silta_http_resp_t *resp, const char *name, const char *value);

/* Fill resp for req. Runs on a server thread. */
typedef void (*silta_http_handler_fn)(void *arg, const silta_http_req_t *req,
                                      silta_http_resp_t *resp);

typedef struct {
    const char *name;          /* for log lines: "metrics", "fhir", "inbox" */
    const char *bind;          /* "127.0.0.1:PORT" (PORT 0: any free port); IPv4 */
    size_t max_body;           /* larger bodies -> 413 without calling the handler */
    unsigned max_connections;  /* 0 -> 256; over it new connections are refused */
    unsigned per_ip;           /* 0 -> max_connections */
    unsigned timeout_s;        /* idle connection timeout; 0 -> 10 */
} silta_http_opts_t;

/* Start serving. Returns the server or NULL with err (SILTA_EINVAL for a bad
 * bind address, SILTA_ERR when the port cannot be bound). */
silta_http_t *silta_http_start(const silta_http_opts_t *opts, silta_http_handler_fn fn,
                               void *arg, silta_err_t *err);
/* Stop: no new connections, waits for running handlers. Harmless twice. */
void silta_http_stop(silta_http_t **self_p);
/* The port actually bound. */
int silta_http_port(const silta_http_t *self);

/* ------------------------------------------------------------------------
 * Handing a request to the main loop (silta_http_call).
 *
 *   server thread                          main loop
 *   silta_http_call_submit(q, fn-data) --> silta_http_calls_fd(q) readable
 *     blocks (timeout_ms)                  silta_http_calls_take(q) -> call
 *                                          ... fills call->resp ...
 *     returns 0 <------------------------- silta_http_call_done(q, call)
 *   or SILTA_ETIMEDOUT: a call the main loop has not taken yet is withdrawn;
 *   one it has taken is waited for until done() (so req stays valid).
 * ------------------------------------------------------------------------ */
typedef struct silta_http_calls_t silta_http_calls_t;

typedef struct {
    const silta_http_req_t *req; /* valid until done() */
    silta_http_resp_t *resp;     /* fill, then done() */
    void *user;                  /* what the submitter passed */
} silta_http_call_t;

silta_http_calls_t *silta_http_calls_new(silta_err_t *err);
/* Free the queue; call it after silta_http_stop (no submitter may be waiting). */
void silta_http_calls_destroy(silta_http_calls_t **self_p);
/* An fd that is readable while calls wait (for poll / zmq_poll). */
int silta_http_calls_fd(const silta_http_calls_t *self);
/* From a server thread: queue the request and wait up to timeout_ms for the
 * main loop to take it. Returns 0 (resp filled), or SILTA_ETIMEDOUT (not
 * taken in time; withdrawn, resp untouched). */
int silta_http_call_submit(silta_http_calls_t *self, const silta_http_req_t *req,
                           silta_http_resp_t *resp, void *user, int timeout_ms);
/* From the main loop: the next waiting call, or NULL. */
silta_http_call_t *silta_http_calls_take(silta_http_calls_t *self);
/* From the main loop: the call is answered (or abandoned); wakes its thread. */
void silta_http_call_done(silta_http_calls_t *self, silta_http_call_t *call);
/* From the main loop, when it stops answering (before silta_http_stop): waiting
 * calls are withdrawn at once and later submits return SILTA_ETIMEDOUT without
 * waiting, so stopping the server does not wait out every timeout. */
void silta_http_calls_close(silta_http_calls_t *self);

#endif
