/*  web_server.c - the caseworker inbox's HTTP server: libmicrohttpd on one
 *  internal polling thread, loopback only, form bodies up to WEB_BODY_MAX.
 *
 *  Per request: collect the body (POST), pick out the two cookies, hand a
 *  web_req_t to web_route() and send its web_resp_t with the security
 *  headers every page gets. The web thread owns web_ctx_t (web.h); the only
 *  thing it shares with the main loop is the atomic outbox_dirty flag.
 *
 *  Not here: page content (web_pages.c), sessions (web_auth.c), actions
 *  (web_actions.c), routing (web_routes.c).
 */
#include "web_server.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cs_store.h"
#include "silta_db.h"
#include "silta_env.h"
#include "silta_log.h"
#include "web.h"
#include "web_auth.h"

#define WEB_BODY_MAX 16384

struct web_server_s {
    struct MHD_Daemon *mhd;
    web_ctx_t ctx;
};

typedef struct {
    silta_buf_t body;
    int too_large;
} s_conn_t;

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

/* ---------------------------------------------------------------- MHD glue */

static void s_header(struct MHD_Response *r, const char *k, const char *v)
{
    MHD_add_response_header(r, k, v);
}

static enum MHD_Result s_send(struct MHD_Connection *conn, web_resp_t *resp)
{
    if (resp->body.failed)
        resp->status = MHD_HTTP_INTERNAL_SERVER_ERROR;
    struct MHD_Response *r = MHD_create_response_from_buffer(
        resp->body.failed ? 0 : resp->body.len, resp->body.failed ? (void *)"" : resp->body.data,
        MHD_RESPMEM_MUST_COPY);
    if (!r)
        return MHD_NO;
    s_header(r, "Content-Type", "text/html; charset=utf-8");
    s_header(r, "Cache-Control", "no-store");
    s_header(r, "X-Content-Type-Options", "nosniff");
    s_header(r, "X-Frame-Options", "DENY");
    s_header(r, "Referrer-Policy", "no-referrer");
    s_header(r, "Content-Security-Policy",
             "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
             "frame-ancestors 'none'; base-uri 'none'");
    if (resp->location[0])
        s_header(r, "Location", resp->location);
    for (int i = 0; i < 2; i++)
        if (resp->cookie[i][0])
            s_header(r, "Set-Cookie", resp->cookie[i]);
    enum MHD_Result ret = MHD_queue_response(conn, (unsigned)resp->status, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result s_handler(void *cls, struct MHD_Connection *conn, const char *url,
                                 const char *method, const char *version, const char *upload,
                                 size_t *upload_size, void **con_cls)
{
    (void)version;
    web_ctx_t *ctx = cls;
    s_conn_t *c = *con_cls;
    if (!c) {
        c = calloc(1, sizeof *c);
        if (!c)
            return MHD_NO;
        silta_buf_init(&c->body);
        *con_cls = c;
        return MHD_YES;
    }
    if (*upload_size > 0) {
        if (c->body.len + *upload_size > WEB_BODY_MAX)
            c->too_large = 1;
        else
            silta_buf_append(&c->body, upload, *upload_size);
        *upload_size = 0;
        return MHD_YES;
    }
    char path[512];
    snprintf(path, sizeof path, "%s", url ? url : "/");
    web_req_t req = {0};
    req.method = method;
    req.path = path;
    req.query = "";
    req.body = c->body.data ? c->body.data : "";
    req.body_len = c->body.len;
    req.too_large = c->too_large || c->body.failed;
    req.session_cookie = MHD_lookup_connection_value(conn, MHD_COOKIE_KIND, WEB_SESSION_COOKIE);
    req.login_cookie = MHD_lookup_connection_value(conn, MHD_COOKIE_KIND, WEB_LOGIN_COOKIE);
    /* MHD splits the query off url; rebuild the one key the pages use. */
    const char *msg = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "ok");
    char query[128] = "";
    if (msg) {
        snprintf(query, sizeof query, "ok=%.100s", msg);
        for (char *q = query + 3; *q; q++)
            if (!((*q >= 'a' && *q <= 'z') || *q == '_'))
                *q = '_'; /* a flash key, never free text */
        req.query = query;
    }
    web_resp_t resp;
    memset(&resp, 0, sizeof resp);
    silta_buf_init(&resp.body);
    web_route(ctx, &req, &resp);
    enum MHD_Result ret = s_send(conn, &resp);
    silta_buf_free(&resp.body);
    return ret;
}

static void s_done(void *cls, struct MHD_Connection *conn, void **con_cls,
                   enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)conn;
    (void)toe;
    s_conn_t *c = *con_cls;
    if (c) {
        silta_buf_free(&c->body);
        free(c);
        *con_cls = NULL;
    }
}

static void s_mhd_log(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    char line[256];
    vsnprintf(line, sizeof line, fmt, ap);
    line[strcspn(line, "\r\n\"")] = '\0';
    silta_warn("inbox http", "reason=\"%s\"", line);
}

/* ---------------------------------------------------------------- lifecycle */

static int s_bind_addr(const char *bind, struct sockaddr_in *sa, silta_err_t *err)
{
    char host[64];
    const char *colon = strrchr(bind, ':');
    if (!colon || (size_t)(colon - bind) >= sizeof host)
        return silta_err_set(err, SILTA_EINVAL, "SILTA_INBOX_BIND is not HOST:PORT");
    memcpy(host, bind, (size_t)(colon - bind));
    host[colon - bind] = '\0';
    char *end;
    long port = strtol(colon + 1, &end, 10);
    memset(sa, 0, sizeof *sa);
    sa->sin_family = AF_INET;
    if (*end || port < 1 || port > 65535 || inet_pton(AF_INET, host, &sa->sin_addr) != 1)
        return silta_err_set(err, SILTA_EINVAL, "SILTA_INBOX_BIND is not an IPv4 HOST:PORT");
    if ((ntohl(sa->sin_addr.s_addr) >> 24) != 127)
        return silta_err_set(err, SILTA_EINVAL, "SILTA_INBOX_BIND must be a loopback address "
                                                "(no TLS here; use a reverse proxy)");
    sa->sin_port = htons((uint16_t)port);
    return 0;
}

web_server_t *web_server_start(const cs_params_t *params, const cs_seal_t *seal,
                               const silta_clientkey_t *ck, silta_err_t *err)
{
    const char *bind = silta_env_get("SILTA_INBOX_BIND", NULL);
    if (!bind || !*bind) {
        silta_err_set(err, 0, "SILTA_INBOX_BIND is not set");
        return NULL;
    }
    struct sockaddr_in sa;
    if (s_bind_addr(bind, &sa, err) != 0)
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
    self->ctx.params = params;
    atomic_init(&self->ctx.outbox_dirty, 0);
    self->ctx.db = silta_db_connect(url, err);
    if (self->ctx.db)
        self->ctx.store = cs_store_open(url,
                                        silta_env_get("SILTA_CASESTORE_MIGRATIONS",
                                                      SILTA_SRC_DIR "/casestore/migrations"),
                                        params, seal, ck, err);
    if (self->ctx.store &&
        silta_db_exec(self->ctx.db, "SET application_name = 'silta-casestore inbox'", err) == 0)
        self->mhd = MHD_start_daemon(
            MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO | MHD_USE_ERROR_LOG, 0, NULL, NULL,
            s_handler, &self->ctx, MHD_OPTION_EXTERNAL_LOGGER, s_mhd_log, NULL,
            MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa, MHD_OPTION_NOTIFY_COMPLETED, s_done,
            NULL, MHD_OPTION_CONNECTION_LIMIT, 64u, MHD_OPTION_CONNECTION_TIMEOUT, 15u,
            MHD_OPTION_END);
    if (!self->mhd) {
        if (self->ctx.store)
            silta_err_set(err, SILTA_ERR, "could not listen on %s", bind);
        web_server_stop(&self);
        return NULL;
    }
    silta_info("inbox listening", "bind=%s", bind);
    return self;
}

void web_server_stop(web_server_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    web_server_t *self = *self_p;
    if (self->mhd)
        MHD_stop_daemon(self->mhd); /* joins the web thread */
    cs_store_destroy(&self->ctx.store);
    silta_db_close(&self->ctx.db);
    free(self);
    *self_p = NULL;
}

int web_server_outbox_dirty(web_server_t *self)
{
    return self ? atomic_exchange(&self->ctx.outbox_dirty, 0) : 0;
}

int web_server_add_user(const char *name, const char *team)
{
    char pw[256];
    if (!fgets(pw, sizeof pw, stdin)) {
        fprintf(stderr, "silta-casestore: --add-user reads the password from stdin\n");
        return 1;
    }
    pw[strcspn(pw, "\r\n")] = '\0';
    silta_err_t err;
    const char *url = silta_env_require("SILTA_PG_URL", &err);
    PGconn *db = url ? silta_db_connect(url, &err) : NULL;
    int rc = db ? silta_db_migrate(db, "casestore",
                                   silta_env_get("SILTA_CASESTORE_MIGRATIONS",
                                                 SILTA_SRC_DIR "/casestore/migrations"),
                                   &err)
                : -1;
    if (rc == 0)
        rc = web_auth_add_user(db, name, team, pw, &err);
    sodium_memzero(pw, sizeof pw);
    silta_db_close(&db);
    if (rc != 0) {
        fprintf(stderr, "silta-casestore: %s\n", err.msg);
        return 1;
    }
    printf("user %s (team %s) saved\n", name, team);
    return 0;
}
