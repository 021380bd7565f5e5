/*  hub_http.c - glue from silta_http's server threads to the hub's loop.
 *
 *  Server thread: anything but GET/HEAD is answered 405 right there; a GET is
 *  submitted to the calls queue and waits up to HUB_HTTP_WAIT_MS. The loop
 *  (hub_http_serve) takes it, runs the router's handler, hands the rendered
 *  buffer over as the response body. See hub_http.h for why.
 */
#include "hub_http.h"

#include <stdlib.h>
#include <string.h>

#include "silta_http.h"

struct hub_http_t {
    silta_http_t *server;
    silta_http_calls_t *calls;
    hub_http_handler_fn fn;
    void *arg;
};

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
        silta_http_resp_body(resp, 503, NULL, "hub busy\n", 9);
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

void hub_http_serve(hub_http_t *self)
{
    silta_http_call_t *call;
    for (int i = 0; i < HUB_HTTP_PER_TURN && (call = silta_http_calls_take(self->calls)); i++) {
        silta_buf_t body;
        silta_buf_init(&body);
        const char *type = "text/plain; charset=utf-8";
        int status = self->fn(call->req->path, &body, &type, self->arg);
        if (body.failed) {
            silta_buf_free(&body);
            silta_http_resp_body(call->resp, 503, NULL, "out of memory\n", 14);
        } else {
            silta_http_resp_take(call->resp, status, type, body.data, body.len); /* owns data */
        }
        silta_http_call_done(self->calls, call);
    }
}
