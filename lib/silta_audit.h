/*  silta_audit.h - the hash chain of the disclosure log.
 *
 *  Each disclosure row carries hash = SHA-256(prev_hash, fields), hex. The hub
 *  computes it when it writes a row, `siltactl audit verify` when it checks the
 *  chain; both call this one function so the two can never disagree. Fields are
 *  length-prefixed, so no choice of values can make two rows hash alike.
 */
#ifndef SILTA_AUDIT_H
#define SILTA_AUDIT_H

#include <stdint.h>

#define SILTA_AUDIT_HASH_LEN 64
#define SILTA_AUDIT_GENESIS "0000000000000000000000000000000000000000000000000000000000000000"

typedef struct {
    int64_t at_ms;
    const char *recipient;
    const char *client_key;
    const char *event_id;
    const char *type;
    const char *legal_basis;
    const char *consent_ref; /* "" when none */
    const char *xroad_id;    /* "" when none */
} silta_audit_row_t;

/* out = hex SHA-256 over prev_hash and the row (SILTA_AUDIT_HASH_LEN + 1 bytes). */
void silta_audit_hash(const char *prev_hash, const silta_audit_row_t *row,
                      char out[SILTA_AUDIT_HASH_LEN + 1]);

#endif
