/*  hub_http.c - glue from silta_http's server threads to the hub's loop.
 *
 *  Server thread: anything but GET/HEAD is answered 405 right there; a GET is
 *  submitted to the calls queue and waits up to HUB_HTTP_WAIT_MS. The loop
 *  (hub_http_serve) takes it, runs the router's handler, hands the rendered
 *  buffer over as the response body. See hub_http.h for why.
 *
 *  A loop that does not take the call in time is stalled (a database that
 *  does not answer, a slow disk): the server thread then answers by itself -
 *  /healthz 503 saying how long the loop has been still, /metrics the last
 *  exposition the loop rendered with silta_hub_loop_stalled_seconds set.
 *
 *  Shared between the threads, under mu: last_metrics (owned copy of the
 *  loop's latest /metrics body, without the stall gauge); last_turn_ms is an
 *  atomic the loop stores each turn (hub_http_turn).
 */
#include "hub_http.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "silta_http.h"
#include "silta_time.h"

struct hub_http_t {
    silta_http_t *server;
    silta_http_calls_t *calls;
    hub_http_handler_fn fn;
    void *arg;
    pthread_mutex_t mu;
    char *last_metrics; /* under mu */
    size_t last_len;    /* under mu */
    _Atomic int64_t last_turn_ms; /* monotonic */
};

#define S_STALL_HELP                                                                             \
    "# HELP silta_hub_loop_stalled_seconds How long the hub's loop has not turned (0 while "  \
    "it serves; the rest of a stalled scrape is the last one the loop rendered).\n"           \
    "# TYPE silta_hub_loop_stalled_seconds gauge\n"

/* The loop did not take the request: answer from this thread. */
static void s_stalled(hub_http_t *self, const silta_http_req_t *req, silta_http_resp_t *resp)
{
    double still = (double)(silta_mono_ms() - atomic_load(&self->last_turn_ms)) / 1000.0;
    if (strcmp(req->path, "/metrics") == 0) {
        silta_buf_t b;
        silta_buf_init(&b);
        pthread_mutex_lock(&self->mu);
        if (self->last_metrics)
            silta_buf_append(&b, self->last_metrics, self->last_len);
        pthread_mutex_unlock(&self->mu);
        silta_buf_printf(&b, S_STALL_HELP "silta_hub_loop_stalled_seconds %.1f\n", still);
        if (b.failed) {
            silta_buf_free(&b);
            silta_http_resp_body(resp, 503, NULL, "out of memory\n", 14);
        } else {
            silta_http_resp_take(resp, 200, "text/plain; version=0.0.4; charset=utf-8", b.data,
                                 b.len);
        }
        return;
    }
    char msg[160];
    int n = snprintf(msg, sizeof msg,
                     "hub loop stalled for %.1f s (waiting on the database or the disk)\n", still);
    silta_http_resp_body(resp, 503, NULL, msg, (size_t)n);
}

/* On a server thread. */
static void s_on_request(void *arg, const silta_http_req_t *req, silta_http_resp_t *resp)
{
    hub_http_t *self = arg;
    silta_http_resp_header(resp, "Cache-Control", "no-store");
    if (strcmp(req->method, "GET") != 0 && strcmp(req->method, "HEAD") != 0) {
        silta_http_resp_header(resp, "Allow", "GET, HEAD");
        silta_http_resp_body(resp, 405, NULL, "only GET\n", 9);
        return;
    }
    if (silta_http_call_submit(self->calls, req, resp, NULL, HUB_HTTP_WAIT_MS) != 0)
        s_stalled(self, req, resp);
}

hub_http_t *hub_http_listen(const char *addr, hub_http_handler_fn fn, void *arg, silta_err_t *err)
{
    hub_http_t *self = calloc(1, sizeof *self);
    if (!self) {
        silta_err_set(err, SILTA_ERR, "out of memory");
        return NULL;
    }
    self->fn = fn;
    self->arg = arg;
    pthread_mutex_init(&self->mu, NULL);
    atomic_store(&self->last_turn_ms, silta_mono_ms());
    silta_http_opts_t opts = {.name = "metrics", .bind = addr, .max_body = 0};
    if (!(self->calls = silta_http_calls_new(err)) ||
        !(self->server = silta_http_start(&opts, s_on_request, self, err))) {
        hub_http_close(&self);
        return NULL;
    }
    return self;
}

void hub_http_close(hub_http_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    hub_http_t *self = *self_p;
    if (self->calls)
        silta_http_calls_close(self->calls);
    silta_http_stop(&self->server);
    silta_http_calls_destroy(&self->calls);
    pthread_mutex_destroy(&self->mu);
    free(self->last_metrics);
    free(self);
    *self_p = NULL;
}

int hub_http_fd(const hub_http_t *self)
{
    return silta_http_calls_fd(self->calls);
}

int hub_http_port(const hub_http_t *self)
{
    return silta_http_port(self->server);
}

void hub_http_turn(hub_http_t *self)
{
    atomic_store(&self->last_turn_ms, silta_mono_ms());
}

/* Keep a copy of a rendered /metrics body for stalled scrapes, then add the
 * stall gauge (0: the loop rendered it) to the body. */
static void s_keep_metrics(hub_http_t *self, silta_buf_t *body)
{
    char *copy = malloc(body->len ? body->len : 1);
    if (copy) {
        memcpy(copy, body->data, body->len);
        pthread_mutex_lock(&self->mu);
        free(self->last_metrics);
        self->last_metrics = copy;
        self->last_len = body->len;
        pthread_mutex_unlock(&self->mu);
    }
    silta_buf_puts(body, S_STALL_HELP "silta_hub_loop_stalled_seconds 0\n");
}

void hub_http_serve(hub_http_t *self)
{
    silta_http_call_t *call;
    for (int i = 0; i < HUB_HTTP_PER_TURN && (call = silta_http_calls_take(self->calls)); i++) {
        silta_buf_t body;
        silta_buf_init(&body);
        const char *type = "text/plain; charset=utf-8";
        int status = self->fn(call->req->path, &body, &type, self->arg);
        if (status == 200 && !body.failed && strcmp(call->req->path, "/metrics") == 0)
            s_keep_metrics(self, &body);
        if (body.failed) {
            silta_buf_free(&body);
            silta_http_resp_body(call->resp, 503, NULL, "out of memory\n", 14);
        } else {
            silta_http_resp_take(call->resp, status, type, body.data, body.len); /* owns data */
        }
        silta_http_call_done(self->calls, call);
    }
}
