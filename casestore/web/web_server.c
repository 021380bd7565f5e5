/*  web_server.c - the caseworker inbox's HTTP server on silta_http (its
 *  threads, connection limit, idle timeout), loopback only, form bodies up to
 *  WEB_BODY_MAX (silta_http answers 413 beyond, before the body is read).
 *
 *  Per request: pick out the two cookies, hand a web_req_t to web_route() and
 *  send its web_resp_t with the security headers every page gets. web_ctx_t
 *  (web.h) is used by one server thread at a time, under self->lock; the only
 *  thing it shares with the main loop is the atomic outbox_dirty flag.
 *
 *  Not here: page content (web_pages.c), sessions (web_auth.c), actions
 *  (web_actions.c), routing (web_routes.c).
 */
#include "web_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../client/client.h"
#include "../store/cs_store.h"
#include "silta_db.h"
#include "silta_env.h"
#include "silta_http.h"
#include "silta_log.h"
#include "silta_paths.h"
#include "web.h"
#include "web_auth.h"

#define WEB_BODY_MAX 16384

/* Over WEB_BODY_MAX silta_http answers 413 itself; the connection limit is per
 * process (all caseworkers come through one reverse proxy: one address). */
#define WEB_MAX_CONNECTIONS 256u
#define WEB_IDLE_TIMEOUT_S 15u

struct web_server_s {
    silta_http_t *http;
    silta_http_t *client_http; /* the client's own page, or NULL (SILTA_CLIENT_BIND unset) */
    pthread_mutex_t lock; /* one request at a time uses ctx */
    int lock_ok;
    web_ctx_t ctx;
};

/* ---------------------------------------------------------------- forms */

static int s_hex(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

int web_form_get(const char *form, const char *key, char *out, size_t len)
{
    size_t klen = strlen(key);
    for (const char *p = form; p && *p;) {
        const char *amp = strchr(p, '&');
        const char *end = amp ? amp : p + strlen(p);
        if ((size_t)(end - p) > klen && strncmp(p, key, klen) == 0 && p[klen] == '=') {
            size_t w = 0;
            for (const char *s = p + klen + 1; s < end; s++) {
                char c = *s;
                if (c == '+') {
                    c = ' ';
                } else if (c == '%') {
                    int hi = s + 2 < end ? s_hex(s[1]) : -1, lo = hi >= 0 ? s_hex(s[2]) : -1;
                    if (lo < 0)
                        return -2;
                    c = (char)(hi * 16 + lo);
                    s += 2;
                }
                if (c == '\0' || w + 1 >= len)
                    return -2;
                out[w++] = c;
            }
            out[w] = '\0';
            return 0;
        }
        if (!amp && (size_t)(end - p) == klen && strncmp(p, key, klen) == 0) {
            out[0] = '\0'; /* "key" without '=' */
            return 0;
        }
        p = amp ? amp + 1 : NULL;
    }
    return -1;
}

/* ---------------------------------------------------------------- silta_http glue */

static void s_send(silta_http_resp_t *out, web_resp_t *resp)
{
    if (resp->body.failed) {
        silta_http_resp_body(out, 500, "text/plain; charset=utf-8", "out of memory\n", 14);
    } else {
        silta_http_resp_take(out, resp->status, "text/html; charset=utf-8", resp->body.data,
                             resp->body.len); /* out owns the page now */
        silta_buf_init(&resp->body);
    }
    /* 5 + Location + 2 cookies: SILTA_HTTP_MAX_HEADERS (8) exactly */
    silta_http_resp_header(out, "Cache-Control", "no-store");
    silta_http_resp_header(out, "X-Content-Type-Options", "nosniff");
    silta_http_resp_header(out, "X-Frame-Options", "DENY");
    silta_http_resp_header(out, "Referrer-Policy", "no-referrer");
    silta_http_resp_header(out, "Content-Security-Policy",
                           "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
                           "frame-ancestors 'none'; base-uri 'none'");
    if (resp->location[0])
        silta_http_resp_header(out, "Location", resp->location);
    for (int i = 0; i < 2; i++)
        if (resp->cookie[i][0])
            silta_http_resp_header(out, "Set-Cookie", resp->cookie[i]);
}

/* Appends "key=value" (with '&' when query is not empty) to query[160] at n,
 * value cut to max bytes and every byte outside allowed made '_': a flash
 * key, a language or a month, never free text. Returns the new length. */
static size_t s_query_add(char query[160], size_t n, const char *key, const char *value,
                          int max, const char *allowed)
{
    if (!value || n >= 159)
        return n;
    size_t at = n + (size_t)snprintf(query + n, 160 - n, "%s%s=", n ? "&" : "", key);
    if (at >= 159)
        return 159;
    int w = snprintf(query + at, 160 - at, "%.*s", max, value);
    size_t end = at + (w > 0 ? (size_t)w : 0);
    if (end > 159)
        end = 159;
    for (size_t i = at; i < end; i++)
        if (!strchr(allowed, query[i]))
            query[i] = '_';
    return end;
}

/* A silta_http request as the routes see it: req points into hreq and the
 * caller's buffers (path, addr, query). The query is split off the path by
 * silta_http; only the keys the pages use are rebuilt: "ok" (a flash key),
 * for the client's page "lang", for the inbox's /report "since". */
static void s_req(const silta_http_req_t *hreq, const char *session_cookie,
                  const char *form_cookie, int with_lang, web_req_t *req, char path[512],
                  char addr[64], char query[160])
{
    snprintf(path, 512, "%s", hreq->path);
    req->method = hreq->method;
    req->path = path;
    req->query = "";
    req->body = hreq->body;
    req->body_len = hreq->len;
    req->session_cookie = silta_http_cookie(hreq, session_cookie);
    req->login_cookie = silta_http_cookie(hreq, form_cookie);
    /* The inbox binds loopback only, so its one peer is the TLS proxy in front
     * of it (or the demo's browser): the proxy's own X-Forwarded-For hop, the
     * last one, is the client. */
    const char *xff = silta_http_header(hreq, "X-Forwarded-For");
    const char *last = xff ? strrchr(xff, ',') : NULL;
    snprintf(addr, 64, "%s", xff ? (last ? last + 1 : xff) : hreq->peer ? hreq->peer : "");
    char *a = addr;
    while (*a == ' ')
        a++;
    req->addr = a;
    const char *lang = with_lang ? silta_http_arg(hreq, "lang") : NULL;
    size_t n = 0;
    query[0] = '\0';
    n = s_query_add(query, n, "ok", silta_http_arg(hreq, "ok"), 100, "abcdefghijklmnopqrstuvwxyz_");
    if (lang && strlen(lang) == 2)
        n = s_query_add(query, n, "lang", lang, 2, "abcdefghijklmnopqrstuvwxyz");
    if (!with_lang) /* /report's first month */
        s_query_add(query, n, "since", silta_http_arg(hreq, "since"), 16, "0123456789-");
    req->query = query;
}

/* On a server thread. web_ctx_t is one set of connections for one thread at a
 * time: pages are made one after another, as on the single MHD thread before;
 * an idle connection holds no lock. */
static void s_handler(void *arg, const silta_http_req_t *hreq, silta_http_resp_t *out)
{
    web_server_t *self = arg;
    char path[512], addr[64], query[160];
    web_req_t req = {0};
    s_req(hreq, WEB_SESSION_COOKIE, WEB_LOGIN_COOKIE, 0, &req, path, addr, query);
    web_resp_t resp;
    memset(&resp, 0, sizeof resp);
    silta_buf_init(&resp.body);
    pthread_mutex_lock(&self->lock);
    web_route(&self->ctx, &req, &resp);
    pthread_mutex_unlock(&self->lock);
    s_send(out, &resp);
    silta_buf_free(&resp.body);
}

/* The client's own page (../client/): the same context and lock, its own
 * cookies. */
static void s_client_handler(void *arg, const silta_http_req_t *hreq, silta_http_resp_t *out)
{
    web_server_t *self = arg;
    char path[512], addr[64], query[160];
    web_req_t req = {0};
    s_req(hreq, CLIENT_SESSION_COOKIE, CLIENT_SIGNIN_COOKIE, 1, &req, path, addr, query);
    web_resp_t resp;
    memset(&resp, 0, sizeof resp);
    silta_buf_init(&resp.body);
    pthread_mutex_lock(&self->lock);
    client_route(&self->ctx, &req, &resp);
    pthread_mutex_unlock(&self->lock);
    s_send(out, &resp);
    silta_buf_free(&resp.body);
}

/* ---------------------------------------------------------------- lifecycle */

/* The inbox speaks plain HTTP: only a loopback address (a reverse proxy does TLS). */
static int s_bind_ok(const char *name, const char *bind, silta_err_t *err)
{
    char host[64];
    const char *colon = strrchr(bind, ':');
    if (!colon || (size_t)(colon - bind) >= sizeof host)
        return silta_err_set(err, SILTA_EINVAL, "%s is not HOST:PORT", name);
    memcpy(host, bind, (size_t)(colon - bind));
    host[colon - bind] = '\0';
    char *end;
    long port = strtol(colon + 1, &end, 10);
    struct in_addr a;
    if (*end || port < 1 || port > 65535 || inet_pton(AF_INET, host, &a) != 1)
        return silta_err_set(err, SILTA_EINVAL, "%s is not an IPv4 HOST:PORT", name);
    if ((ntohl(a.s_addr) >> 24) != 127)
        return silta_err_set(err, SILTA_EINVAL,
                             "%s must be a loopback address (no TLS here; use a reverse proxy)",
                             name);
    return 0;
}

web_server_t *web_server_start(const cs_params_t *params, const cs_seal_t *seal,
                               const silta_clientkey_t *ck, silta_metrics_t *metrics,
                               silta_err_t *err)
{
    const char *bind = silta_env_get("SILTA_INBOX_BIND", NULL);
    if (!bind || !*bind) {
        silta_err_set(err, 0, "SILTA_INBOX_BIND is not set");
        return NULL;
    }
    const char *client_bind = silta_env_get("SILTA_CLIENT_BIND", NULL);
    if (s_bind_ok("SILTA_INBOX_BIND", bind, err) != 0 ||
        (client_bind && *client_bind && s_bind_ok("SILTA_CLIENT_BIND", client_bind, err) != 0))
        return NULL;
    const char *url = silta_env_require("SILTA_PG_URL", err);
    if (!url)
        return NULL;
    web_server_t *self = calloc(1, sizeof *self);
    if (!self) {
        silta_err_set(err, SILTA_ERR, "out of memory");
        return NULL;
    }
    snprintf(self->ctx.pg_url, sizeof self->ctx.pg_url, "%s", url);
    /* Cookies are Secure unless the inbox is reached as plain http on loopback
     * (the demo): behind the TLS proxy SILTA_INBOX_URL is https://. */
    const char *public_url = silta_env_get("SILTA_INBOX_URL", "");
    self->ctx.cookie_secure = !(strncmp(public_url, "http://127.", 11) == 0 ||
                                strncmp(public_url, "http://localhost", 16) == 0);
    const char *client_url = silta_env_get("SILTA_CLIENT_URL", "");
    self->ctx.client_cookie_secure = !(strncmp(client_url, "http://127.", 11) == 0 ||
                                       strncmp(client_url, "http://localhost", 16) == 0);
    /* Without the catalogue or the locales the pages stay Finnish (the
     * msgids): worth a warning, not a refusal to serve. */
    silta_err_t lerr;
    if (web_i18n_init(&lerr) != 0)
        silta_warn("inbox texts only in Finnish", "reason=\"%s\"", lerr.msg);
    self->ctx.params = params;
    self->ctx.ck = ck;
    self->ctx.metrics = metrics;
    atomic_init(&self->ctx.outbox_dirty, 0);
    self->ctx.db = silta_db_connect(url, err);
    char mig[4096];
    if (self->ctx.db)
        self->ctx.store = cs_store_open(url, silta_env_get("SILTA_PG_ADMIN_URL", NULL),
                                        silta_path("SILTA_CASESTORE_MIGRATIONS", SILTA_PATH_DATA,
                                                   "migrations/casestore", mig, sizeof mig),
                                        params, seal, ck, err);
    int locked = self->ctx.store && pthread_mutex_init(&self->lock, NULL) == 0;
    self->lock_ok = locked;
    silta_http_opts_t opts = {.name = "inbox",
                              .bind = bind,
                              .max_body = WEB_BODY_MAX,
                              .max_connections = WEB_MAX_CONNECTIONS,
                              .timeout_s = WEB_IDLE_TIMEOUT_S};
    if (locked &&
        silta_db_exec(self->ctx.db, "SET application_name = 'silta-casestore inbox'", err) == 0)
        self->http = silta_http_start(&opts, s_handler, self, err);
    if (self->http && client_bind && *client_bind) {
        silta_http_opts_t copts = opts;
        copts.name = "client";
        copts.bind = client_bind;
        self->client_http = silta_http_start(&copts, s_client_handler, self, err);
        if (!self->client_http)
            silta_http_stop(&self->http);
    }
    if (!self->http) {
        if (self->ctx.store && !locked)
            silta_err_set(err, SILTA_ERR, "could not create the inbox lock");
        web_server_stop(&self);
        return NULL;
    }
    silta_info("inbox listening", "bind=%s", bind);
    if (self->client_http)
        silta_info("client page listening", "bind=%s", client_bind);
    return self;
}

void web_server_stop(web_server_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    web_server_t *self = *self_p;
    silta_http_stop(&self->client_http); /* waits for the pages being made */
    silta_http_stop(&self->http);
    if (self->lock_ok)
        pthread_mutex_destroy(&self->lock);
    cs_store_destroy(&self->ctx.store);
    silta_db_close(&self->ctx.db);
    free(self);
    *self_p = NULL;
}

int web_server_outbox_dirty(web_server_t *self)
{
    return self ? atomic_exchange(&self->ctx.outbox_dirty, 0) : 0;
}

int web_server_add_user(const char *name, const char *team, const char *lang, const char *role)
{
    char pw[256];
    if (!fgets(pw, sizeof pw, stdin)) {
        fprintf(stderr, "silta-casestore: --add-user reads the password from stdin\n");
        return 1;
    }
    pw[strcspn(pw, "\r\n")] = '\0';
    silta_err_t err;
    char mig[4096];
    const char *url = silta_env_require("SILTA_PG_URL", &err);
    PGconn *db = url ? silta_db_connect(url, &err) : NULL;
    int rc = db ? silta_db_migrate_owned(db, silta_env_get("SILTA_PG_ADMIN_URL", NULL), "casestore",
                                         silta_path("SILTA_CASESTORE_MIGRATIONS", SILTA_PATH_DATA,
                                                    "migrations/casestore", mig, sizeof mig),
                                         &err)
                : -1;
    if (rc == 0)
        rc = web_auth_add_user(db, name, team, lang, role, pw, &err);
    sodium_memzero(pw, sizeof pw);
    silta_db_close(&db);
    if (rc != 0) {
        fprintf(stderr, "silta-casestore: %s\n", err.msg);
        return 1;
    }
    printf("user %s (team %s%s%s%s%s) saved\n", name, team, lang ? ", language " : "",
           lang ? lang : "", role ? ", role " : "", role ? role : "");
    return 0;
}
