/*  web.h - the caseworker inbox's shared types (casestore/web/).
 *
 *  The inbox runs inside silta-casestore on silta_http's server threads
 *  (web_server.c), one request at a time holding web_ctx_t: its own PGconn
 *  for reads, sessions and the access log, and its own
 *  cs_store_t (another PGconn) for caseworker actions. It never touches the
 *  main loop's store or hub client; an action's event reaches the hub through
 *  the outbox table, and outbox_dirty tells the main loop to rescan it.
 *
 *      browser --HTTP--> web_server (silta_http) --> web_routes
 *                                         |-- web_auth    accounts, sessions, CSRF, access log
 *                                         |-- ../read/    the data of a page (no SQL in pages)
 *                                         |-- web_pages   HTML of the inbox and the client page
 *                                         `-- web_actions social.* events via cs_store_act
 *
 *  Not here: TLS (bind loopback; put a reverse proxy in front), JavaScript,
 *  SQL on client data (../read/, ../store/).
 */
#ifndef WEB_H
#define WEB_H

#include <libpq-fe.h>
#include <stdatomic.h>

#include "../rules/cs_rules.h"
#include "../store/cs_store.h"
#include "silta_buf.h"
#include "silta_clientkey.h"
#include "silta_metrics.h"
#include "web_i18n.h"

typedef struct {
    PGconn *db;                /* the inbox's connection: reads, sessions, log */
    cs_store_t *store;         /* the inbox's store: actions (its own PGconn) */
    const cs_params_t *params; /* borrowed, read-only */
    const silta_clientkey_t *ck; /* borrowed: the client_key of a hetu searched for */
    silta_metrics_t *metrics;    /* borrowed, may be NULL: logins (cs_metrics.h) */
    char pg_url[1024];
    atomic_int outbox_dirty; /* set after an action committed an outbox row */
    int cookie_secure;       /* Secure on cookies: the inbox is reached over TLS
                                (SILTA_INBOX_URL https://, or not on loopback) */
    int client_cookie_secure; /* the same for the client's own page (SILTA_CLIENT_URL) */
} web_ctx_t;

#define WEB_TOKEN_HEX 64 /* 32 random bytes as hex: session and CSRF tokens */

typedef struct {
    char username[48];
    char team[48];
    char csrf[WEB_TOKEN_HEX + 1];
    char token[WEB_TOKEN_HEX + 1]; /* the cookie's value (to log out) */
    web_lang_t lang;               /* the language the user reads (inbox_user.lang) */
    int teamlead;                  /* inbox_user.role = 'teamlead' (012): may open /report */
} web_session_t;

/* One response, filled by a route and sent by web_server.c. */
typedef struct {
    int status;
    silta_buf_t body;       /* text/html; charset=utf-8 */
    char location[512];     /* a 303 redirect's target, or "" */
    char cookie[2][256];    /* Set-Cookie values, or "" */
} web_resp_t;

/* One request as the routes see it. body is the raw form (NUL-terminated). */
typedef struct {
    const char *method; /* "GET" | "POST" | ... */
    const char *path;   /* without the query string */
    const char *query;  /* raw query string or "" */
    const char *body;
    size_t body_len;
    const char *session_cookie; /* borrowed from silta_http, or NULL */
    const char *addr;           /* the client's address: the last X-Forwarded-For hop
                                   the proxy in front wrote, else the TCP peer */
    const char *login_cookie;
} web_req_t;

/* web_routes.c: answer req into resp (status 200/303/4xx/5xx). */
void web_route(web_ctx_t *ctx, const web_req_t *req, web_resp_t *resp);

/* Form / query decoding: the value of key in an application/x-www-form-
 * urlencoded string into out (percent- and '+'-decoded, NUL-terminated).
 * Returns 0, -1 when missing, -2 when too long for out or not valid. */
int web_form_get(const char *form, const char *key, char *out, size_t len);

#endif
