/*  web_auth.c - accounts, sessions, CSRF, authorization and the access log
 *  of the caseworker inbox. See web_auth.h for the rules; the SQL objects are
 *  in migrations/002_inbox.sql. Log lines name the username, never a password.
 *
 *  Not here: pages, client data (read/); the only SQL of web/ is here, on the inbox's own
 *  tables (accounts, sessions, access log).
 */
#include "web_auth.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "silta_db.h"
#include "silta_log.h"

#define S_IDLE "30 minutes"
#define S_MAX "12 hours"

static int s_name_ok(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n < 1 || n > 40)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '.' ||
              s[i] == '_' || s[i] == '-'))
            return 0;
    return 1;
}

void web_auth_token(char *out, size_t n)
{
    unsigned char buf[64];
    if (n > sizeof buf)
        n = sizeof buf;
    randombytes_buf(buf, n);
    sodium_bin2hex(out, n * 2 + 1, buf, n);
    sodium_memzero(buf, sizeof buf);
}

void web_auth_token_hash(const char *token, char out[WEB_TOKEN_HASH_LEN])
{
    unsigned char h[32];
    crypto_generichash(h, sizeof h, (const unsigned char *)token, strlen(token), NULL, 0);
    out[0] = '\\';
    out[1] = 'x';
    sodium_bin2hex(out + 2, 65, h, sizeof h);
}

int web_auth_add_user(PGconn *db, const char *name, const char *team, const char *lang,
                      const char *role, const char *password, silta_err_t *err)
{
    if (lang && strcmp(lang, "fi") != 0 && strcmp(lang, "sv") != 0)
        return silta_err_set(err, SILTA_EINVAL, "language must be fi or sv");
    if (role && strcmp(role, "caseworker") != 0 && strcmp(role, "teamlead") != 0)
        return silta_err_set(err, SILTA_EINVAL, "role must be caseworker or teamlead");
    if (!s_name_ok(name) || strlen(name) < 2)
        return silta_err_set(err, SILTA_EINVAL, "username must be 2-40 of a-z 0-9 . _ -");
    if (!s_name_ok(team))
        return silta_err_set(err, SILTA_EINVAL, "team must be 1-40 of a-z 0-9 . _ -");
    size_t plen = strlen(password);
    if (plen < 10 || plen > 200)
        return silta_err_set(err, SILTA_EINVAL, "password must be 10-200 bytes");
    char hash[crypto_pwhash_STRBYTES];
    if (sodium_init() < 0 ||
        crypto_pwhash_str(hash, password, plen, crypto_pwhash_OPSLIMIT_INTERACTIVE,
                          crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
        return silta_err_set(err, SILTA_ERR, "could not hash the password (out of memory)");
    /* No language given: a new account reads Finnish, an existing one keeps its own. */
    const char *p[5] = {name, team, hash, lang, role};
    PGresult *r = silta_db_query(
        db,
        "WITH u AS (INSERT INTO casestore.inbox_user(username, team, password_hash, lang, role) "
        "VALUES ($1, $2, $3, coalesce($4::text, 'fi'), coalesce($5::text, 'caseworker')) "
        "ON CONFLICT (username) DO UPDATE SET "
        "team = EXCLUDED.team, password_hash = EXCLUDED.password_hash, active = true, "
        "lang = coalesce($4::text, casestore.inbox_user.lang), "
        "role = coalesce($5::text, casestore.inbox_user.role) RETURNING 1) "
        "INSERT INTO casestore.caseworker(worker_id, team) VALUES ($1, $2) "
        "ON CONFLICT (worker_id) DO UPDATE SET team = EXCLUDED.team",
        5, p, err);
    sodium_memzero(hash, sizeof hash);
    if (!r)
        return SILTA_ERR;
    PQclear(r);
    silta_info("inbox user saved", "username=%s team=%s lang=%s role=%s", name, team,
               lang ? lang : "(unchanged)", role ? role : "(unchanged)");
    return 0;
}

int web_auth_login(PGconn *db, const char *user, const char *password, web_session_t *out,
                   silta_err_t *err)
{
    /* A hash to verify against when the user is unknown, so the answer takes
     * as long either way (made once, on the web thread only). */
    static char dummy[crypto_pwhash_STRBYTES];
    const char *p[1] = {user};
    PGresult *r = silta_db_query(db,
                                 "SELECT password_hash, team, lang, role FROM casestore.inbox_user "
                                 "WHERE username = $1 AND active",
                                 1, p, err);
    if (!r)
        return SILTA_ERR;
    int found = PQntuples(r) == 1;
    char hash[crypto_pwhash_STRBYTES] = "", team[48] = "";
    web_lang_t lang = WEB_LANG_FI;
    int teamlead = 0;
    if (found) {
        snprintf(hash, sizeof hash, "%s", PQgetvalue(r, 0, 0));
        snprintf(team, sizeof team, "%s", PQgetvalue(r, 0, 1));
        lang = web_lang_of(PQgetvalue(r, 0, 2));
        teamlead = strcmp(PQgetvalue(r, 0, 3), "teamlead") == 0;
    }
    PQclear(r);
    if (!found && !dummy[0] &&
        crypto_pwhash_str(dummy, "not a password", 14, crypto_pwhash_OPSLIMIT_INTERACTIVE,
                          crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
        return silta_err_set(err, SILTA_ERR, "could not hash (out of memory)");
    int ok = crypto_pwhash_str_verify(found ? hash : dummy, password, strlen(password)) == 0;
    if (!found || !ok)
        return silta_err_set(err, SILTA_EINVAL, "wrong username or password");

    memset(out, 0, sizeof *out);
    snprintf(out->username, sizeof out->username, "%s", user);
    snprintf(out->team, sizeof out->team, "%s", team);
    out->lang = lang;
    out->teamlead = teamlead;
    web_auth_token(out->token, 32);
    web_auth_token(out->csrf, 32);
    char th[WEB_TOKEN_HASH_LEN];
    web_auth_token_hash(out->token, th);
    const char *q[3] = {th, user, out->csrf};
    silta_db_exec(db, "DELETE FROM casestore.inbox_session WHERE expires_at < now()", NULL);
    r = silta_db_query(db,
                       "INSERT INTO casestore.inbox_session(token_hash, username, csrf, "
                       "expires_at) VALUES ($1::bytea, $2, $3, now() + interval '" S_IDLE "')",
                       3, q, err);
    if (!r)
        return SILTA_ERR;
    PQclear(r);
    return 0;
}

int web_auth_session(PGconn *db, const char *cookie, web_session_t *out)
{
    if (!cookie || strlen(cookie) != WEB_TOKEN_HEX)
        return -1;
    char th[WEB_TOKEN_HASH_LEN];
    web_auth_token_hash(cookie, th);
    const char *p[1] = {th};
    PGresult *r = silta_db_query(
        db,
        "UPDATE casestore.inbox_session s SET expires_at = least(now() + interval '" S_IDLE
        "', s.created_at + interval '" S_MAX "') FROM casestore.inbox_user u "
        "WHERE s.token_hash = $1::bytea AND s.expires_at > now() AND u.username = s.username "
        "AND u.active RETURNING s.username, u.team, s.csrf, u.lang, u.role",
        1, p, NULL);
    if (!r)
        return -1;
    int rc = -1;
    if (PQntuples(r) == 1) {
        memset(out, 0, sizeof *out);
        snprintf(out->username, sizeof out->username, "%s", PQgetvalue(r, 0, 0));
        snprintf(out->team, sizeof out->team, "%s", PQgetvalue(r, 0, 1));
        snprintf(out->csrf, sizeof out->csrf, "%s", PQgetvalue(r, 0, 2));
        snprintf(out->token, sizeof out->token, "%s", cookie);
        out->lang = web_lang_of(PQgetvalue(r, 0, 3));
        out->teamlead = strcmp(PQgetvalue(r, 0, 4), "teamlead") == 0;
        rc = 0;
    }
    PQclear(r);
    return rc;
}

void web_auth_logout(PGconn *db, const web_session_t *s)
{
    char th[WEB_TOKEN_HASH_LEN];
    web_auth_token_hash(s->token, th);
    const char *p[1] = {th};
    PQclear(silta_db_query(db, "DELETE FROM casestore.inbox_session WHERE token_hash = $1::bytea",
                           1, p, NULL));
}

int web_auth_token_eq(const char *have, const char *given)
{
    size_t n = strlen(have);
    return given && n == WEB_TOKEN_HEX && strlen(given) == n &&
           sodium_memcmp(have, given, n) == 0;
}

int web_auth_csrf_ok(const web_session_t *s, const char *given)
{
    return web_auth_token_eq(s->csrf, given);
}

int web_auth_can_see(PGconn *db, const char *user, const char *client_key)
{
    const char *p[2] = {user, client_key};
    PGresult *r = silta_db_query(db, "SELECT casestore.inbox_can_see($1, $2)", 2, p, NULL);
    if (!r)
        return -1;
    int rc = PQntuples(r) == 1 && strcmp(PQgetvalue(r, 0, 0), "t") == 0;
    PQclear(r);
    return rc;
}

void web_auth_log(PGconn *db, const char *user, const char *action, const char *client_key,
                  const char *object, const char *outcome)
{
    const char *p[5] = {user, action, client_key, object, outcome};
    silta_err_t err;
    PGresult *r = silta_db_query(db,
                                 "INSERT INTO casestore.inbox_access(username, action, "
                                 "client_key, object_id, outcome) VALUES ($1,$2,$3,$4,$5)",
                                 5, p, &err);
    if (!r)
        silta_warn("could not write the access log", "action=%s reason=\"%s\"", action,
                   err.msg);
    PQclear(r);
}
