/*  web_auth.h - the inbox's accounts, sessions, CSRF tokens, authorization
 *  and access log (tables in migrations/002_inbox.sql).
 *
 *  * Passwords: libsodium crypto_pwhash_str (Argon2id, interactive limits);
 *    only the hash is stored; a password is never logged.
 *  * Sessions: 32 random bytes as hex in an HttpOnly; SameSite=Strict; Path=/
 *    cookie; the database keeps only its BLAKE2b hash, the user, a CSRF token
 *    and the expiry (30 min idle, 12 h at most).
 *  * CSRF: every form carries the session's token; every POST is checked
 *    (constant-time). The login form uses a double-submit cookie instead.
 *  * Who sees what: casestore.inbox_can_see(user, client_key) in SQL, used by
 *    the lists and checked before every client page and action.
 *  * Access log: casestore.inbox_access, one row per view or action.
 *
 *  All functions take the web thread's PGconn; none keeps state.
 *
 *  Not here: pages, client data (read/).
 */
#ifndef WEB_AUTH_H
#define WEB_AUTH_H

#include <libpq-fe.h>

#include "silta_err.h"
#include "web.h"

#define WEB_SESSION_COOKIE "silta_session"
#define WEB_LOGIN_COOKIE "silta_login"

/* Create or update an account. name: [a-z0-9._-]{2,40}; team the same;
 * lang "fi" | "sv", or NULL (a new account: fi; an existing one keeps its
 * language); role "caseworker" | "teamlead", or NULL (likewise: a new account
 * is a caseworker; 012_team_lead.sql); password 10-200 bytes. The caseworker row gets the team too (the
 * team rule of inbox_can_see reads it). Returns 0 or SILTA_EINVAL / SILTA_ERR. */
int web_auth_add_user(PGconn *db, const char *name, const char *team, const char *lang,
                      const char *role, const char *password, silta_err_t *err);

/* Check the password and open a session into *out. Returns 0, SILTA_EINVAL
 * (unknown user, inactive or wrong password: the caller says only "wrong
 * username or password") or SILTA_ERR. */
int web_auth_login(PGconn *db, const char *user, const char *password, web_session_t *out,
                   silta_err_t *err);

/* The live session of a cookie value into *out (and extend its expiry).
 * Returns 0, or -1 (none, expired, inactive user or database error). */
int web_auth_session(PGconn *db, const char *cookie, web_session_t *out);

/* End the session. */
void web_auth_logout(PGconn *db, const web_session_t *s);

/* 1 when given equals the session's CSRF token (constant time), else 0. */
int web_auth_csrf_ok(const web_session_t *s, const char *given);

/* 1 when user may see client_key, 0 when not (or no such client), -1 on a
 * database error. */
int web_auth_can_see(PGconn *db, const char *user, const char *client_key);

/* One access-log row. user/client_key/object may be NULL; outcome: ok |
 * denied | refused | failed. Failures to write are logged, not fatal. */
void web_auth_log(PGconn *db, const char *user, const char *action, const char *client_key,
                  const char *object, const char *outcome);

/* n random bytes as hex into out (2n + 1 bytes). */
void web_auth_token(char *out, size_t n);

/* "\\x<hex>" of BLAKE2b-256(token), a bytea literal: what a session table keeps
 * instead of the token (the inbox's and the client page's, ../client/). */
#define WEB_TOKEN_HASH_LEN (2 + 64 + 1)
void web_auth_token_hash(const char *token, char out[WEB_TOKEN_HASH_LEN]);

/* 1 when given equals have, a WEB_TOKEN_HEX-long token (a CSRF token), in
 * constant time; 0 otherwise (given NULL or of another length). */
int web_auth_token_eq(const char *have, const char *given);

#endif
