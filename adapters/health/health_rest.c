/*  health_rest.c - the FHIR REST endpoint: server, content negotiation,
 *  routing and the reads (contract: health_rest.h; creates and transactions
 *  are health_tx.c).
 *
 *  Status codes: 200 read / search / metadata / batch, 201 created, 400 not
 *  well-formed or not the resource this endpoint takes, 404 no such endpoint
 *  or resource, 405 method, 406 a _format this server does not write, 413
 *  too large (silta_http), 415 a Content-Type that is neither JSON nor XML,
 *  422 a referral that cannot be used (patient cannot be identified, invalid
 *  hetu or date) or that the hub refused, 503 the hub did not confirm in
 *  time (send again: the same referral gets the same id).
 *
 *  XML on the server threads: libxml2 (built with threads) keeps its error
 *  handlers per thread and silta_xml_parse_memory installs its own for each
 *  parse; the external-entity loader is process-wide and installed by
 *  silta_xml_init() before these threads exist. health_rest_start makes the
 *  generic error handler of new threads silent too, so nothing of a document
 *  reaches the log.
 */
#include "health_rest_int.h"

#include "health_map.h"
#include "health_out.h"
#include "silta_log.h"

#include <libxml/globals.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define S_CT_JSON "application/fhir+json; charset=utf-8"
#define S_CT_XML "application/fhir+xml; charset=utf-8"

/* ------------------------------------------------------------------ formats */

/* The format a media type names: 0 JSON, 1 XML, -1 neither. Parameters
 * (;charset=...) are ignored. */
static int s_media(const char *t, size_t n)
{
    while (n && (*t == ' ' || *t == '\t'))
        t++, n--;
    size_t len = 0;
    while (len < n && t[len] != ';' && t[len] != ' ')
        len++;
    static const char *const json[] = {"application/fhir+json", "application/json",
                                       "application/json+fhir", "text/json", "json", NULL};
    static const char *const xml[] = {"application/fhir+xml", "application/xml",
                                      "application/xml+fhir", "text/xml", "xml", NULL};
    for (int i = 0; json[i]; i++)
        if (strlen(json[i]) == len && strncasecmp(t, json[i], len) == 0)
            return HEALTH_FMT_JSON;
    for (int i = 0; xml[i]; i++)
        if (strlen(xml[i]) == len && strncasecmp(t, xml[i], len) == 0)
            return HEALTH_FMT_XML;
    return -1;
}

/* The body's format: Content-Type, or (none given) the first character. */
static int s_body_format(const silta_http_req_t *req)
{
    const char *ct = silta_http_header(req, "Content-Type");
    if (ct && *ct)
        return s_media(ct, strlen(ct));
    const char *p = req->body;
    while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
        p++;
    return *p == '{' ? HEALTH_FMT_JSON : *p == '<' ? HEALTH_FMT_XML : -1;
}

/* The answer's format: _format, else the first JSON or XML type in Accept
 * (ranked by q), else dflt. -1 for a _format this server cannot write. */
static int s_out_format(const silta_http_req_t *req, int dflt)
{
    const char *f = silta_http_arg(req, "_format");
    if (f && *f)
        return s_media(f, strlen(f));
    const char *acc = silta_http_header(req, "Accept");
    int best = -1;
    double best_q = 0.0;
    while (acc && *acc) {
        const char *end = strchr(acc, ',');
        size_t n = end ? (size_t)(end - acc) : strlen(acc);
        int fmt = s_media(acc, n);
        double q = 1.0;
        const char *qp = strstr(acc, "q=");
        if (qp && qp < acc + n)
            q = strtod(qp + 2, NULL);
        if (fmt >= 0 && q > best_q) {
            best = fmt;
            best_q = q;
        }
        acc = end ? end + 1 : NULL;
    }
    return best >= 0 ? best : dflt;
}

/* ------------------------------------------------------------------ answers */

void health_rest_answer(health_ctx_t *c, int status, json_t *res)
{
    size_t len = 0;
    char *body = res ? health_res_dump(res, c->out_fmt, &len) : NULL;
    json_decref(res);
    silta_http_resp_take(c->resp, status, c->out_fmt == HEALTH_FMT_XML ? S_CT_XML : S_CT_JSON,
                         body, len);
}

void health_rest_error(health_ctx_t *c, int status, const char *code, const char *fmt, ...)
{
    char text[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    health_rest_answer(c, status, health_out_outcome("error", code, text));
}

health_return_t health_rest_prefer(const health_ctx_t *c)
{
    const char *p = silta_http_header(c->req, "Prefer");
    if (p && strstr(p, "return=minimal"))
        return HEALTH_RETURN_MINIMAL;
    if (p && strstr(p, "return=representation"))
        return HEALTH_RETURN_REPRESENTATION;
    return HEALTH_RETURN_OUTCOME;
}

/* ------------------------------------------------------------------ reads */

static void s_read(health_ctx_t *c, const char *type, const char *rest)
{
    char id[80] = "", ver[40] = "";
    const char *h = strstr(rest, "/_history/");
    snprintf(id, sizeof id, "%.*s", h ? (int)(h - rest) : (int)strlen(rest), rest);
    if (h)
        snprintf(ver, sizeof ver, "%s", h + 10);
    c->route = h ? "vread" : "read";
    json_t *res = health_res_id_valid(id) ? health_store_get(c->self->store, type, id) : NULL;
    if (!res) {
        health_rest_error(c, 404, "not-found", "no %s with this id", type);
        return;
    }
    const char *have = health_res_str(res, "meta/versionId");
    if (ver[0] && (!have || strcmp(have, ver) != 0)) {
        json_decref(res);
        health_rest_error(c, 404, "not-found", "only the current version of a %s is kept", type);
        return;
    }
    if (have) {
        char etag[64];
        snprintf(etag, sizeof etag, "W/\"%s\"", have);
        silta_http_resp_header(c->resp, "ETag", etag);
    }
    health_rest_answer(c, 200, res);
}

typedef struct {
    char ref[200];      /* ServiceRequest/{id}, or "" */
    char system[256];   /* based-on:identifier system (may be ""), or */
    char value[256];    /* its value ("" : not searched by identifier) */
    char task_sys[256]; /* identifier= (the Task's own) */
    char task_val[256];
} s_search_t;

/* "system|value" or "value" into sys / val. */
static void s_token(const char *t, char *sys, char *val, size_t sz)
{
    const char *bar = strchr(t, '|');
    snprintf(sys, sz, "%.*s", bar ? (int)(bar - t) : 0, t);
    snprintf(val, sz, "%s", bar ? bar + 1 : t);
}

static int s_ident_match(const json_t *ident, const char *sys, const char *val)
{
    const char *s = health_res_str(ident, "system"), *v = health_res_str(ident, "value");
    return v && strcmp(v, val) == 0 && (!sys[0] || (s && strcmp(s, sys) == 0));
}

static int s_task_match(const json_t *task, void *arg)
{
    const s_search_t *q = arg;
    int ok = 1;
    if (q->ref[0] || q->value[0]) {
        int any = 0;
        for (size_t i = 0; i < health_res_count(task, "basedOn"); i++) {
            const json_t *b = health_res_at(task, "basedOn", i);
            const char *r = health_res_str(b, "reference");
            if (q->ref[0] && r && strcmp(r, q->ref) == 0)
                any = 1;
            const json_t *ident = health_res_get(b, "identifier");
            if (q->value[0] && ident && s_ident_match(ident, q->system, q->value))
                any = 1;
        }
        ok = any;
    }
    if (ok && q->task_val[0]) {
        int any = 0;
        for (size_t i = 0; i < health_res_count(task, "identifier"); i++)
            any |= s_ident_match(health_res_at(task, "identifier", i), q->task_sys, q->task_val);
        ok = any;
    }
    return ok;
}

static void s_search_tasks(health_ctx_t *c)
{
    c->route = "search";
    s_search_t q;
    memset(&q, 0, sizeof q);
    const char *b = silta_http_arg(c->req, "based-on");
    if (b && *b) {
        /* ServiceRequest/{id}, an absolute URL ending so, or a bare id */
        const char *p = strstr(b, "ServiceRequest/");
        snprintf(q.ref, sizeof q.ref, "ServiceRequest/%.150s", p ? p + 15 : b);
        char *h = strstr(q.ref, "/_history/");
        if (h)
            *h = '\0';
    }
    const char *bi = silta_http_arg(c->req, "based-on:identifier");
    if (bi && *bi)
        s_token(bi, q.system, q.value, sizeof q.value);
    const char *ti = silta_http_arg(c->req, "identifier");
    if (ti && *ti)
        s_token(ti, q.task_sys, q.task_val, sizeof q.task_val);
    json_t *found = health_store_find(c->self->store, "Task", s_task_match, &q);
    health_rest_answer(c, 200, health_out_searchset(c->base, found));
    json_decref(found);
}

/* ------------------------------------------------------------------ routing */

static void s_post(health_ctx_t *c, const char *what)
{
    int fmt = s_body_format(c->req);
    if (fmt < 0) {
        health_rest_error(c, 415, "not-supported",
                          "send FHIR JSON (Content-Type: application/fhir+json) or FHIR XML "
                          "(application/fhir+xml)");
        return;
    }
    c->in_fmt = (health_fmt_t)fmt;
    int out = s_out_format(c->req, fmt);
    c->out_fmt = out < 0 ? c->in_fmt : (health_fmt_t)out;
    if (out < 0) {
        health_rest_error(c, 406, "not-supported", "_format must be json or xml");
        return;
    }
    silta_err_t err = {0};
    json_t *doc = health_res_parse(c->req->body, c->req->len, c->in_fmt, c->self->max_doc, &err);
    if (!doc) {
        health_rest_error(c, 400, "structure", "%s", err.msg);
        return;
    }
    const char *type = json_string_value(json_object_get(doc, "type"));
    int tx = strcmp(health_res_type(doc), "Bundle") == 0 && type &&
             (strcmp(type, "transaction") == 0 || strcmp(type, "batch") == 0);
    if (strcmp(what, "root") == 0 && !tx) {
        json_decref(doc);
        health_rest_error(c, 400, "invalid", "POST %s takes a Bundle of type transaction or batch",
                          "/fhir");
    } else if (tx && strcmp(what, "ServiceRequest") != 0) {
        c->route = type[0] == 't' ? "transaction" : "batch";
        health_tx_bundle(c, doc);
    } else {
        c->route = "create";
        health_tx_create(c, doc, what);
    }
}

static void s_route(health_ctx_t *c)
{
    const char *path = c->req->path, *m = c->req->method;
    int get = strcmp(m, "GET") == 0 || strcmp(m, "HEAD") == 0, post = strcmp(m, "POST") == 0;
    if (strncmp(path, "/fhir", 5) != 0 || (path[5] != '\0' && path[5] != '/')) {
        health_rest_error(c, 404, "not-found", "no such endpoint; the FHIR base is /fhir");
        return;
    }
    const char *p = path[5] ? path + 6 : "";
    if (p[0] == '\0') {
        c->route = "root";
        if (post)
            s_post(c, "root");
        else
            health_rest_error(c, 405, "not-supported", "POST a transaction or batch Bundle here");
    } else if (strcmp(p, "metadata") == 0) {
        c->route = "metadata";
        if (get)
            health_rest_answer(c, 200, health_out_capability(c->base));
        else
            health_rest_error(c, 405, "not-supported", "GET /fhir/metadata");
    } else if (strcmp(p, "ServiceRequest") == 0 || strcmp(p, "Bundle") == 0) {
        c->route = "create";
        if (post)
            s_post(c, p);
        else
            health_rest_error(c, 405, "not-supported", "POST a %s here", p);
    } else if (strncmp(p, "ServiceRequest/", 15) == 0 || strncmp(p, "Task/", 5) == 0) {
        int sr = p[0] == 'S';
        c->route = "read";
        if (get)
            s_read(c, sr ? "ServiceRequest" : "Task", p + (sr ? 15 : 5));
        else
            health_rest_error(c, 405, "not-supported", "only GET (read) is supported here");
    } else if (strcmp(p, "Task") == 0) {
        c->route = "search";
        if (get)
            s_search_tasks(c);
        else
            health_rest_error(c, 405, "not-supported", "GET /fhir/Task?based-on=... searches");
    } else {
        c->route = "unknown";
        health_rest_error(c, 404, "not-supported",
                          "no such endpoint: see GET /fhir/metadata for what this server does");
    }
}

static void s_handle(void *arg, const silta_http_req_t *req, silta_http_resp_t *resp)
{
    health_ctx_t c;
    memset(&c, 0, sizeof c);
    c.self = arg;
    c.req = req;
    c.resp = resp;
    c.route = "-";
    int out = s_out_format(req, HEALTH_FMT_JSON);
    c.out_fmt = out < 0 ? HEALTH_FMT_JSON : (health_fmt_t)out;
    const char *host = silta_http_header(req, "Host");
    if (host && strlen(host) < 200 && !strpbrk(host, " /\\\"<>"))
        snprintf(c.base, sizeof c.base, "http://%s/fhir", host);
    else
        snprintf(c.base, sizeof c.base, "http://127.0.0.1:%d/fhir",
                 silta_http_port(c.self->http));
    if (out < 0 && strcmp(req->method, "POST") != 0)
        health_rest_error(&c, 406, "not-supported", "_format must be json or xml");
    else
        s_route(&c);
    /* The route, never the path: a path may carry anything, even a hetu. */
    silta_info("http request", "method=%.8s route=%s status=%d", req->method, c.route,
               resp->status);
    int status = resp->status ? resp->status : 500;
    silta_metrics_add(c.self->metrics, HEALTH_REST_ANSWERS,
                      status >= 500 ? "5xx" : status >= 400 ? "4xx" : status >= 300 ? "3xx" : "2xx",
                      1);
}

/* ------------------------------------------------------------------ lifecycle */

static void s_xml_silent(void *ctx, const char *msg, ...)
{
    (void)ctx;
    (void)msg;
}

health_rest_t *health_rest_start(const health_rest_opts_t *opts, silta_err_t *err)
{
    health_rest_t *self = calloc(1, sizeof *self);
    if (!self) {
        silta_err_set(err, SILTA_ERR, "out of memory");
        return NULL;
    }
    self->store = opts->store;
    self->publish = opts->publish;
    self->publish_arg = opts->publish_arg;
    self->max_doc = opts->max_doc;
    self->metrics = opts->metrics;
    xmlThrDefSetGenericErrorFunc(NULL, s_xml_silent); /* for the server threads */
    self->calls = silta_http_calls_new(err);
    char bind[40];
    snprintf(bind, sizeof bind, "127.0.0.1:%d", opts->port);
    silta_http_opts_t ho = {0};
    ho.name = "fhir";
    ho.bind = bind;
    ho.max_body = opts->max_doc;
    ho.max_connections = 512;
    ho.timeout_s = 10;
    self->http = self->calls ? silta_http_start(&ho, s_handle, self, err) : NULL;
    if (!self->http) {
        silta_http_calls_destroy(&self->calls);
        free(self);
        return NULL;
    }
    return self;
}

void health_rest_stop(health_rest_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    health_rest_t *self = *self_p;
    silta_http_calls_close(self->calls);
    silta_http_stop(&self->http);
    silta_http_calls_destroy(&self->calls);
    free(self);
    *self_p = NULL;
}

int health_rest_port(const health_rest_t *self)
{
    return silta_http_port(self->http);
}

void health_rest_serve(health_rest_t *self)
{
    health_tx_serve(self);
}
