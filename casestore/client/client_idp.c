/*  client_idp.c - the one-time sign-in code: issue (from the inbox) and
 *  verify (on the client's page), the only identity provider today
 *  (client_idp.h says what it stands in for and the code's states).
 *
 *  Not here: throttling (the caller, web_throttle), sessions (client_auth.c).
 */
#include "client_idp.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "silta_db.h"

#define S_STR2(x) #x
#define S_STR(x) S_STR2(x)
#define S_TTL S_STR(CLIENT_CODE_TTL_MIN) " minutes"

/* No 0/O, 1/I: a code is read aloud and typed from paper. 32 letters. */
static const char s_alphabet[] = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";

/* "\\x" + hex of BLAKE2b-256(code): the bytea literal the table keys on. */
static void s_hash(const char code[CLIENT_CODE_LEN + 1], char out[2 + 64 + 1])
{
    unsigned char h[32];
    crypto_generichash(h, sizeof h, (const unsigned char *)code, CLIENT_CODE_LEN, NULL, 0);
    out[0] = '\\';
    out[1] = 'x';
    sodium_bin2hex(out + 2, 65, h, sizeof h);
}

int client_code_normalize(const char *typed, char out[CLIENT_CODE_LEN + 1])
{
    size_t n = 0;
    for (const char *p = typed; p && *p; p++) {
        char c = *p;
        if (c == ' ' || c == '-')
            continue;
        if (c >= 'a' && c <= 'z')
            c = (char)(c - 'a' + 'A');
        if (n == CLIENT_CODE_LEN || !strchr(s_alphabet, c) || c == '\0')
            return -1;
        out[n++] = c;
    }
    out[n] = '\0';
    return n == CLIENT_CODE_LEN ? 0 : -1;
}

int client_code_issue(PGconn *db, const char *client_key, const char *issued_by,
                      char shown[CLIENT_CODE_SHOWN], char expires[6], silta_err_t *err)
{
    char code[CLIENT_CODE_LEN + 1], h[2 + 64 + 1];
    for (size_t i = 0; i < CLIENT_CODE_LEN; i++)
        code[i] = s_alphabet[randombytes_uniform(sizeof s_alphabet - 1)];
    code[CLIENT_CODE_LEN] = '\0';
    s_hash(code, h);
    const char *p[3] = {h, client_key, issued_by};
    /* One statement: the client's unused codes end, the new one is stored. */
    PGresult *r = silta_db_query(
        db,
        "WITH old AS (UPDATE casestore.client_code SET expires_at = least(expires_at, now()) "
        "WHERE client_key = $2 AND used_at IS NULL AND expires_at > now()) "
        "INSERT INTO casestore.client_code(code_hash, client_key, issued_by, expires_at) "
        "SELECT $1::bytea, c.client_key, $3, now() + interval '" S_TTL "' "
        "FROM casestore.client c WHERE c.client_key = $2 "
        "RETURNING to_char(expires_at, 'HH24:MI')",
        3, p, err);
    if (!r) {
        sodium_memzero(code, sizeof code);
        return SILTA_ERR;
    }
    int rc = PQntuples(r) == 1 ? 0 : silta_err_set(err, SILTA_EINVAL, "no such client");
    if (rc == 0) {
        snprintf(expires, 6, "%s", PQgetvalue(r, 0, 0));
        snprintf(shown, CLIENT_CODE_SHOWN, "%.4s-%.4s-%.4s", code, code + 4, code + 8);
    }
    PQclear(r);
    sodium_memzero(code, sizeof code);
    return rc;
}

/* client_idp_t.verify of the code provider: accept and use up the code in one
 * statement (two concurrent sign-ins with one code: one wins), then, when
 * refused, say why for the access log. */
static int s_verify(void *self, const char *credential, char client_key[SILTA_CLIENTKEY_LEN + 1],
                    silta_err_t *err)
{
    PGconn *db = self;
    char code[CLIENT_CODE_LEN + 1], h[2 + 64 + 1];
    if (client_code_normalize(credential, code) != 0)
        return silta_err_set(err, SILTA_EINVAL, "malformed");
    s_hash(code, h);
    sodium_memzero(code, sizeof code);
    const char *p[1] = {h};
    PGresult *r = silta_db_query(db,
                                 "UPDATE casestore.client_code SET used_at = now() "
                                 "WHERE code_hash = $1::bytea AND used_at IS NULL "
                                 "AND expires_at > now() RETURNING client_key",
                                 1, p, err);
    if (!r)
        return SILTA_ERR;
    if (PQntuples(r) == 1) {
        snprintf(client_key, SILTA_CLIENTKEY_LEN + 1, "%s", PQgetvalue(r, 0, 0));
        PQclear(r);
        return 0;
    }
    PQclear(r);
    r = silta_db_query(db,
                       "SELECT CASE WHEN used_at IS NOT NULL THEN 'used' ELSE 'expired' END "
                       "FROM casestore.client_code WHERE code_hash = $1::bytea",
                       1, p, err);
    if (!r)
        return SILTA_ERR;
    silta_err_set(err, SILTA_EINVAL, "%s", PQntuples(r) == 1 ? PQgetvalue(r, 0, 0) : "unknown");
    PQclear(r);
    return SILTA_EINVAL;
}

client_idp_t client_idp_code(PGconn *db)
{
    client_idp_t idp = {.name = "code", .verify = s_verify, .self = db};
    return idp;
}
