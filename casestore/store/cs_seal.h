/*  cs_seal.h - seal the hetu for storage (libsodium secretbox).
 *
 *  The case store keeps each client's hetu only sealed: a random nonce and
 *  crypto_secretbox_easy under a 32-byte key in a file outside the database
 *  ($SILTA_CASESTORE_SEAL_KEY, default $SILTA_KEYS_DIR/casestore.seal, 0600,
 *  created on first start). Lookups never need it: they go by client_key. The
 *  store opens a sealed hetu only to put it into a payload it publishes.
 *
 *  Not here: SQL (the store writes the sealed bytes), key rotation.
 */
#ifndef CS_SEAL_H
#define CS_SEAL_H

#include <stddef.h>
#include <stdint.h>

#include "silta_err.h"

typedef struct cs_seal_s cs_seal_t;

/* Load the key at path (creating it, 0600, when missing and create is 1).
 * Returns the object (cs_seal_destroy) or NULL with err. */
cs_seal_t *cs_seal_new(const char *path, int create, silta_err_t *err);
void cs_seal_destroy(cs_seal_t **self_p);

/* Seal text into a malloc'd "\\x<hex>" string (a bytea literal for a text
 * parameter). NULL on out of memory. */
char *cs_seal_hex(const cs_seal_t *self, const char *text);

/* Open a sealed value (raw bytes) into out (NUL-terminated). Returns 0 or -1. */
int cs_seal_open(const cs_seal_t *self, const uint8_t *data, size_t len, char *out, size_t outlen);

#endif
