/*  client_auth.c - the client's sessions (client_auth.h): the only SQL on
 *  casestore.client_session. State: a row lives from sign-in until sign-out
 *  or expiry; expires_at slides by S_IDLE on every request, never past
 *  created_at + S_MAX; expired rows are deleted at the next sign-in.
 */
#include "client_auth.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "../web/web_auth.h"
#include "silta_db.h"

#define S_IDLE "15 minutes"
#define S_MAX "1 hour"

int client_auth_open(PGconn *db, const char *client_key, web_lang_t lang, client_session_t *out,
                     silta_err_t *err)
{
    memset(out, 0, sizeof *out);
    snprintf(out->client_key, sizeof out->client_key, "%s", client_key);
    out->lang = lang;
    web_auth_token(out->token, 32);
    web_auth_token(out->csrf, 32);
    char th[WEB_TOKEN_HASH_LEN];
    web_auth_token_hash(out->token, th);
    const char *q[4] = {th, client_key, out->csrf, web_lang_code(lang)};
    silta_db_exec(db, "DELETE FROM casestore.client_session WHERE expires_at < now()", NULL);
    PGresult *r = silta_db_query(db,
                                 "INSERT INTO casestore.client_session(token_hash, client_key, "
                                 "csrf, lang, expires_at) VALUES ($1::bytea, $2, $3, $4, "
                                 "now() + interval '" S_IDLE "')",
                                 4, q, err);
    if (!r) {
        sodium_memzero(out, sizeof *out);
        return SILTA_ERR;
    }
    PQclear(r);
    return 0;
}

int client_auth_session(PGconn *db, const char *cookie, client_session_t *out)
{
    if (!cookie || strlen(cookie) != WEB_TOKEN_HEX)
        return -1;
    char th[WEB_TOKEN_HASH_LEN];
    web_auth_token_hash(cookie, th);
    const char *p[1] = {th};
    PGresult *r = silta_db_query(
        db,
        "UPDATE casestore.client_session SET expires_at = least(now() + interval '" S_IDLE
        "', created_at + interval '" S_MAX "') WHERE token_hash = $1::bytea AND "
        "expires_at > now() RETURNING client_key, csrf, lang",
        1, p, NULL);
    if (!r)
        return -1;
    int rc = -1;
    if (PQntuples(r) == 1) {
        memset(out, 0, sizeof *out);
        snprintf(out->client_key, sizeof out->client_key, "%s", PQgetvalue(r, 0, 0));
        snprintf(out->csrf, sizeof out->csrf, "%s", PQgetvalue(r, 0, 1));
        snprintf(out->token, sizeof out->token, "%s", cookie);
        out->lang = web_lang_of(PQgetvalue(r, 0, 2));
        rc = 0;
    }
    PQclear(r);
    return rc;
}

int client_auth_set_lang(PGconn *db, const client_session_t *s, web_lang_t lang)
{
    char th[WEB_TOKEN_HASH_LEN];
    web_auth_token_hash(s->token, th);
    const char *p[2] = {th, web_lang_code(lang)};
    PGresult *r = silta_db_query(
        db, "UPDATE casestore.client_session SET lang = $2 WHERE token_hash = $1::bytea", 2, p,
        NULL);
    int rc = r ? 0 : -1;
    PQclear(r);
    return rc;
}

void client_auth_end(PGconn *db, const client_session_t *s)
{
    char th[WEB_TOKEN_HASH_LEN];
    web_auth_token_hash(s->token, th);
    const char *p[1] = {th};
    PQclear(silta_db_query(db, "DELETE FROM casestore.client_session WHERE token_hash = $1::bytea",
                           1, p, NULL));
}

int client_auth_csrf_ok(const client_session_t *s, const char *given)
{
    return web_auth_token_eq(s->csrf, given);
}

void client_auth_log(PGconn *db, const char *client_key, const char *action, const char *object,
                     const char *outcome)
{
    web_auth_log(db, CLIENT_ACTOR, action, client_key, object, outcome);
}
