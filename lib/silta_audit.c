/*  silta_audit.c - SHA-256 (libsodium) over a length-prefixed disclosure row. */
#include "silta_audit.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

static void s_field(crypto_hash_sha256_state *st, const char *s)
{
    char len[24];
    if (!s)
        s = "";
    int n = snprintf(len, sizeof len, "%zu:", strlen(s));
    crypto_hash_sha256_update(st, (const unsigned char *)len, (unsigned long long)n);
    crypto_hash_sha256_update(st, (const unsigned char *)s, strlen(s));
}

void silta_audit_hash(const char *prev_hash, const silta_audit_row_t *row,
                      char out[SILTA_AUDIT_HASH_LEN + 1])
{
    crypto_hash_sha256_state st;
    crypto_hash_sha256_init(&st);
    char at[24];
    snprintf(at, sizeof at, "%lld", (long long)row->at_ms);
    s_field(&st, prev_hash);
    s_field(&st, at);
    s_field(&st, row->recipient);
    s_field(&st, row->client_key);
    s_field(&st, row->event_id);
    s_field(&st, row->type);
    s_field(&st, row->legal_basis);
    s_field(&st, row->consent_ref);
    s_field(&st, row->xroad_id);
    unsigned char digest[crypto_hash_sha256_BYTES];
    crypto_hash_sha256_final(&st, digest);
    sodium_bin2hex(out, SILTA_AUDIT_HASH_LEN + 1, digest, sizeof digest);
}
