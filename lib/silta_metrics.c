/*  silta_metrics.c - a program's counters and gauges and its /metrics endpoint.
 *
 *  Invariants: families and series only grow (declared at start, never
 *  removed); every access to values holds `lock`; the HTTP thread only reads
 *  (render), the program's threads only add/set. A family's series are
 *  contiguous in `series`, in declaration order, which is the render order.
 */
#include "silta_metrics.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "silta_env.h"
#include "silta_http.h"

#define S_FAMILIES 32
#define S_SERIES 128

typedef struct {
    const char *name, *help, *label;
    silta_metric_type_t type;
    size_t first, count; /* its series */
} s_family_t;

typedef struct {
    const char *value; /* label value; NULL without label */
    double v;
} s_series_t;

struct silta_metrics_t {
    pthread_mutex_t lock;
    s_family_t fam[S_FAMILIES];
    size_t nfam;
    s_series_t series[S_SERIES];
    size_t nseries;
    silta_http_t *http;
};

silta_metrics_t *silta_metrics_new(void)
{
    silta_metrics_t *self = calloc(1, sizeof *self);
    if (self)
        pthread_mutex_init(&self->lock, NULL);
    return self;
}

void silta_metrics_destroy(silta_metrics_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    silta_metrics_t *self = *self_p;
    silta_http_stop(&self->http); /* waits for a running scrape */
    pthread_mutex_destroy(&self->lock);
    free(self);
    *self_p = NULL;
}

static s_family_t *s_family(silta_metrics_t *self, const char *name)
{
    for (size_t i = 0; i < self->nfam; i++)
        if (strcmp(self->fam[i].name, name) == 0)
            return &self->fam[i];
    return NULL;
}

int silta_metrics_declare(silta_metrics_t *self, const char *name, const char *help,
                          silta_metric_type_t type, const char *label,
                          const char *const *values)
{
    size_t n = 1;
    if (label) {
        n = 0;
        while (values && values[n])
            n++;
    }
    int rc = SILTA_EINVAL;
    pthread_mutex_lock(&self->lock);
    if (n > 0 && !s_family(self, name) && self->nfam < S_FAMILIES &&
        self->nseries + n <= S_SERIES) {
        s_family_t *f = &self->fam[self->nfam++];
        *f = (s_family_t){name, help, label, type, self->nseries, n};
        for (size_t i = 0; i < n; i++)
            self->series[self->nseries++] = (s_series_t){label ? values[i] : NULL, 0};
        rc = 0;
    }
    pthread_mutex_unlock(&self->lock);
    return rc;
}

/* The series of (name, value), or NULL. Holds lock. */
static s_series_t *s_series(silta_metrics_t *self, const char *name, const char *value)
{
    s_family_t *f = s_family(self, name);
    if (!f)
        return NULL;
    for (size_t i = f->first; i < f->first + f->count; i++) {
        const char *v = self->series[i].value;
        if ((!v && !value) || (v && value && strcmp(v, value) == 0))
            return &self->series[i];
    }
    return NULL;
}

static int s_update(silta_metrics_t *self, const char *name, const char *value, double x,
                    int add)
{
    if (!self)
        return SILTA_EINVAL;
    pthread_mutex_lock(&self->lock);
    s_series_t *s = s_series(self, name, value);
    if (s)
        s->v = add ? s->v + x : x;
    pthread_mutex_unlock(&self->lock);
    return s ? 0 : SILTA_EINVAL;
}

int silta_metrics_add(silta_metrics_t *self, const char *name, const char *value, double delta)
{
    return delta < 0 ? SILTA_EINVAL : s_update(self, name, value, delta, 1);
}

int silta_metrics_set(silta_metrics_t *self, const char *name, const char *value, double v)
{
    return s_update(self, name, value, v, 0);
}

double silta_metrics_get(silta_metrics_t *self, const char *name, const char *value)
{
    pthread_mutex_lock(&self->lock);
    s_series_t *s = s_series(self, name, value);
    double v = s ? s->v : -1;
    pthread_mutex_unlock(&self->lock);
    return v;
}

void silta_metrics_render(silta_metrics_t *self, silta_buf_t *out)
{
    pthread_mutex_lock(&self->lock);
    for (size_t i = 0; i < self->nfam; i++) {
        const s_family_t *f = &self->fam[i];
        silta_buf_printf(out, "# HELP %s %s\n# TYPE %s %s\n", f->name, f->help, f->name,
                         f->type == SILTA_METRIC_COUNTER ? "counter" : "gauge");
        for (size_t j = f->first; j < f->first + f->count; j++) {
            const s_series_t *s = &self->series[j];
            if (s->value)
                silta_buf_printf(out, "%s{%s=\"%s\"} %.15g\n", f->name, f->label, s->value, s->v);
            else
                silta_buf_printf(out, "%s %.15g\n", f->name, s->v);
        }
    }
    pthread_mutex_unlock(&self->lock);
}

int silta_metrics_bind_check(const char *key, const char *bind, silta_err_t *err)
{
    const char *colon = strrchr(bind, ':');
    size_t n = colon ? (size_t)(colon - bind) : strlen(bind);
    char host[64] = "";
    if (n < sizeof host) {
        memcpy(host, bind, n);
        host[n] = '\0';
    }
    int loopback = strncmp(host, "127.", 4) == 0 || strcmp(host, "[::1]") == 0 ||
                   strcmp(host, "::1") == 0 || strcmp(host, "localhost") == 0;
    if (loopback || strcmp(silta_env_get("SILTA_METRICS_ALLOW_REMOTE", "0"), "1") == 0)
        return 0;
    return silta_err_set(err, SILTA_EINVAL,
                         "%s: not a loopback address; metrics show what flows through Silta: "
                         "bind 127.0.0.1 behind an authenticating TLS proxy, or set "
                         "SILTA_METRICS_ALLOW_REMOTE=1",
                         key);
}

static void s_handle(void *arg, const silta_http_req_t *req, silta_http_resp_t *resp)
{
    silta_metrics_t *self = arg;
    if (strcmp(req->method, "GET") != 0) {
        silta_http_resp_body(resp, 405, NULL, "method not allowed\n", 19);
        return;
    }
    if (strcmp(req->path, "/healthz") == 0) {
        silta_http_resp_body(resp, 200, NULL, "ok\n", 3);
        return;
    }
    if (strcmp(req->path, "/metrics") != 0) {
        silta_http_resp_body(resp, 404, NULL, "not found\n", 10);
        return;
    }
    silta_buf_t b;
    silta_buf_init(&b);
    silta_metrics_render(self, &b);
    if (b.failed) {
        silta_buf_free(&b);
        silta_http_resp_body(resp, 500, NULL, "out of memory\n", 14);
        return;
    }
    /* the body passes to the server, which frees it */
    silta_http_resp_take(resp, 200, "text/plain; version=0.0.4; charset=utf-8", b.data, b.len);
}

int silta_metrics_serve_env(silta_metrics_t *self, const char *key, silta_err_t *err)
{
    const char *bind = silta_env_get(key, NULL);
    if (!bind || !*bind)
        return 0;
    if (self->http)
        return silta_err_set(err, SILTA_EINVAL, "%s: already serving", key);
    if (silta_metrics_bind_check(key, bind, err) != 0)
        return SILTA_EINVAL;
    silta_http_opts_t o = {.name = "metrics", .bind = bind, .max_body = 0,
                           .max_connections = 16, .timeout_s = 10};
    self->http = silta_http_start(&o, s_handle, self, err);
    return self->http ? 0 : (err ? err->code : SILTA_ERR);
}

int silta_metrics_port(const silta_metrics_t *self)
{
    return self && self->http ? silta_http_port(self->http) : 0;
}
