/*  client_idp.h - who is signing in to the client's own page: an identity
 *  provider behind a small table of functions, and the one there is today.
 *
 *  Strong electronic identification (Suomi.fi-tunnistus; laki vahvasta
 *  sähköisestä tunnistamisesta 617/2009) is outside this project. A one-time
 *  code a caseworker issues from the inbox stands in for it: the caseworker
 *  has met the client, so the code carries the caseworker's identification.
 *  A real provider fills another client_idp_t (verify: its assertion in,
 *  client_key out) and nothing else changes.
 *
 *  The code (local policy; OWASP Authentication Cheat Sheet): 12 characters
 *  of a 32-letter alphabet without look-alikes (60 bits) from libsodium's
 *  random, shown once as XXXX-XXXX-XXXX, stored only as its BLAKE2b-256 hash,
 *  valid CLIENT_CODE_TTL_MIN minutes, used at most once (the statement that
 *  accepts it marks it used), and a new code ends the client's unused ones.
 *  Failed attempts are throttled per address by the caller (web_throttle).
 *
 *  States of a code row (casestore.client_code):
 *
 *      issued --verify--> used          (used_at set; never accepted again)
 *        |  `--now > expires_at--> expired
 *        `--another code issued--> expired (expires_at = now)
 */
#ifndef CLIENT_IDP_H
#define CLIENT_IDP_H

#include <libpq-fe.h>

#include "silta_clientkey.h"
#include "silta_err.h"

#define CLIENT_CODE_LEN 12      /* characters, without the dashes */
#define CLIENT_CODE_SHOWN 15    /* XXXX-XXXX-XXXX + NUL */
#define CLIENT_CODE_TTL_MIN 15  /* local policy: long enough to sign in at the desk */

typedef struct {
    const char *name; /* "code" | an identity provider's name: goes to logs */
    /* credential (as typed, untrusted) -> the client_key it identifies.
     * Returns 0, SILTA_EINVAL (refused: why into err as a short English
     * reason for the log: "unknown" | "used" | "expired" | "malformed"), or
     * SILTA_ERR / SILTA_EAGAIN (database). */
    int (*verify)(void *self, const char *credential, char client_key[SILTA_CLIENTKEY_LEN + 1],
                  silta_err_t *err);
    void *self;
} client_idp_t;

/* The one-time code provider on db (borrowed; must outlive the table). */
client_idp_t client_idp_code(PGconn *db);

/* Issue a code for client_key (an existing client) by the caseworker
 * issued_by: ends the client's unused codes, stores the new one's hash.
 * shown: the code as XXXX-XXXX-XXXX (show it once, never log it);
 * expires: "HH:MM" local time. Returns 0, SILTA_EINVAL (no such client) or
 * SILTA_ERR. */
int client_code_issue(PGconn *db, const char *client_key, const char *issued_by,
                      char shown[CLIENT_CODE_SHOWN], char expires[6], silta_err_t *err);

/* A code as typed (spaces, dashes, lowercase allowed) into its
 * CLIENT_CODE_LEN canonical letters; -1 when it cannot be a code. */
int client_code_normalize(const char *typed, char out[CLIENT_CODE_LEN + 1]);

#endif
