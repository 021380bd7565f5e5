/*  client_auth.h - the client's sessions on their own page: open one after
 *  the identity provider said who the client is, find it from the cookie,
 *  check the CSRF token, end it; and the access-log row of a client's action.
 *
 *  Session (local policy; OWASP Session Management Cheat Sheet): cookie
 *  CLIENT_SESSION_COOKIE = 32 random bytes as hex, HttpOnly, SameSite=Strict,
 *  Secure behind TLS; the table keeps only its BLAKE2b-256 hash; 15 min idle,
 *  1 h at most (a client reads a page and leaves; shorter than a caseworker's
 *  30 min / 12 h). Separate from the inbox's sessions: another cookie name,
 *  another table, another CSRF token.
 *
 *  Not here: who the client is (client_idp.h), HTML.
 */
#ifndef CLIENT_AUTH_H
#define CLIENT_AUTH_H

#include <libpq-fe.h>

#include "client.h"
#include "silta_err.h"

/* A new session for client_key in lang into *out. Returns 0 or SILTA_ERR. */
int client_auth_open(PGconn *db, const char *client_key, web_lang_t lang, client_session_t *out,
                     silta_err_t *err);

/* The live session of a cookie value into *out (and extend its expiry).
 * Returns 0, or -1 (none, expired, or a database error). */
int client_auth_session(PGconn *db, const char *cookie, client_session_t *out);

/* Change the session's language. Returns 0 or -1. */
int client_auth_set_lang(PGconn *db, const client_session_t *s, web_lang_t lang);

/* End the session. */
void client_auth_end(PGconn *db, const client_session_t *s);

/* 1 when given equals the session's CSRF token (constant time), else 0. */
int client_auth_csrf_ok(const client_session_t *s, const char *given);

/* One access-log row (casestore.inbox_access) with actor CLIENT_ACTOR:
 * client_key NULL before sign-in; object: a purpose, "throttled", a refusal
 * reason, or NULL; outcome ok | denied | refused | failed. */
void client_auth_log(PGconn *db, const char *client_key, const char *action, const char *object,
                     const char *outcome);

#endif
