/*  silta_clientkey.h - the client_key: a keyed pseudonym of a hetu.
 *
 *  Everything that routes, orders or logs by client uses the client_key, never
 *  the hetu:
 *
 *      client_key = "ck_" + lowercase hex of the first 16 bytes of
 *                   HMAC-SHA256(secret, the 11-character validated hetu)
 *
 *  Why keyed: the hetu space is tiny - some 110,000 birth dates (1800-2099)
 *  times 998 individual numbers times a few century signs, under 10^9 codes,
 *  and the check character adds nothing - so a plain SHA-256 of every possible
 *  hetu is tabulated in minutes on a laptop, and an unkeyed hash in a log is
 *  as good as the hetu. Without the secret the HMAC can be neither inverted
 *  nor tabulated. 128 bits keep accidental collisions out of reach.
 *
 *  The secret is a file of at least 32 random bytes whose bytes are the HMAC
 *  key, mode 0600, at $SILTA_CLIENT_KEY_SECRET (normally
 *  $SILTA_HOME/keys/clientkey.secret). Every Silta process of a deployment
 *  must use the same file, for ever: a new secret gives every client a new
 *  client_key, which breaks per-client ordering and the history in the logs.
 *  Back it up with the database, not next to it.
 *
 *  The century sign is part of the input on purpose: 100190-999P and
 *  100190Y999P are different people and get different client_keys.
 */
#ifndef SILTA_CLIENTKEY_H
#define SILTA_CLIENTKEY_H

#include "silta_err.h"

#define SILTA_CLIENTKEY_LEN 35          /* "ck_" + 32 hex characters */
#define SILTA_CLIENTKEY_SECRET_MIN 32   /* bytes */
#define SILTA_CLIENTKEY_SECRET_MAX 1024 /* bytes; a larger file is a mistake */

typedef struct silta_clientkey_s silta_clientkey_t;

/* Write a new secret of 32 random bytes to path, mode 0600, creating the
 * parent folder (0700) when missing. Refuses to overwrite an existing file:
 * replacing the secret renames every client. Returns 0 or a negative code. */
int silta_clientkey_generate(const char *path, silta_err_t *err);

/* Load the secret from path, or from $SILTA_CLIENT_KEY_SECRET when path is
 * NULL. Refuses a file shorter than SILTA_CLIENTKEY_SECRET_MIN bytes, longer
 * than SILTA_CLIENTKEY_SECRET_MAX, or readable by group or others.
 * Returns a new object (free with silta_clientkey_destroy) or NULL with err set. */
silta_clientkey_t *silta_clientkey_new(const char *path, silta_err_t *err);

/* The deployment's secret, found the one way every program finds it:
 * $SILTA_CLIENT_KEY_SECRET, else $SILTA_KEYS_DIR/clientkey.secret, else
 * $SILTA_HOME/keys/clientkey.secret. With create set, a missing file is
 * generated first (the first program of a deployment to start makes it; one
 * that loses the race loads the winner's). Returns a new object or NULL with
 * err set, as silta_clientkey_new. */
silta_clientkey_t *silta_clientkey_open(int create, silta_err_t *err);

/* Wipe the secret, free, and set *self_p to NULL; harmless on NULL. */
void silta_clientkey_destroy(silta_clientkey_t **self_p);

/* The client_key of hetu into out (SILTA_CLIENTKEY_LEN + 1 bytes). The hetu
 * must be valid (silta_hetu_parse): anything else is refused with
 * SILTA_EINVAL and the hetu module's reason, and out is left untouched.
 * Thread-safe: self is only read. */
int silta_clientkey_of(const silta_clientkey_t *self, const char *hetu,
                       char out[SILTA_CLIENTKEY_LEN + 1], silta_err_t *err);

/* 1 when s has the form of a client_key ("ck_" + 32 lowercase hex), else 0. */
int silta_clientkey_valid(const char *s);

#endif
