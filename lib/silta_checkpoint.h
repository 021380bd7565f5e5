/*  silta_checkpoint.h - signed checkpoints of the disclosure log's hash chain,
 *  kept outside the database (after X-Road's signed, time-stamped message log).
 *
 *  The chain (silta_audit.h) shows an edited or removed row only to someone
 *  who trusts the rows after it; a database insider can delete a row and
 *  recompute every later hash, or cut the newest rows off. So the hub signs
 *  the head of the chain - the newest row's id and hash - with an Ed25519 key
 *  that lives in a file, not in PostgreSQL, and appends each checkpoint as one
 *  line to a file outside the database (and to its log). `siltactl audit
 *  verify` checks every signature and that each checkpointed (id, hash) is
 *  still in the table: a rewrite, a deletion, a truncation or the loss of the
 *  newest rows before the last checkpoint all show.
 *
 *  Line format (one checkpoint, ASCII, ends in '\n'):
 *      checkpoint v1 at_ms=<unix ms> last_id=<id> last_hash=<64 hex> sig=<128 hex>
 *  sig = Ed25519 over "silta-disclosure-checkpoint v1 <at_ms> <last_id> <last_hash>".
 *
 *  Key files: the secret key is 64 raw bytes (0600, made by
 *  silta_checkpoint_key_load with make = 1); the public key NAME.pub next to it
 *  is 64 hex characters and a newline.
 *
 *  Not defended: an insider who holds the secret key file too, and rows written
 *  after the newest checkpoint (at most one interval of them). Keep the
 *  checkpoint file on storage the database's administrators cannot rewrite
 *  (another host's log, chattr +a).
 */
#ifndef SILTA_CHECKPOINT_H
#define SILTA_CHECKPOINT_H

#include <stddef.h>
#include <stdint.h>

#include "silta_audit.h"
#include "silta_err.h"

#define SILTA_CHECKPOINT_SK_LEN 64
#define SILTA_CHECKPOINT_PK_LEN 32
#define SILTA_CHECKPOINT_LINE_MAX 384

typedef struct {
    int64_t at_ms;
    int64_t last_id;                            /* 0: the log was empty */
    char last_hash[SILTA_AUDIT_HASH_LEN + 1];   /* SILTA_AUDIT_GENESIS when empty */
    unsigned char sig[64];
} silta_checkpoint_t;

/* Load the secret key from path (and its public key from path + ".pub"); with
 * make = 1 a missing pair is created (0600 / 0644). Returns 0, or SILTA_ERR
 * with the file named in err. */
int silta_checkpoint_key_load(const char *path, int make, unsigned char sk[SILTA_CHECKPOINT_SK_LEN],
                              silta_err_t *err);

/* Load a public key file (64 hex characters). Returns 0 or SILTA_EINVAL / SILTA_ERR. */
int silta_checkpoint_pub_load(const char *path, unsigned char pk[SILTA_CHECKPOINT_PK_LEN],
                              silta_err_t *err);

/* Sign cp (its at_ms, last_id, last_hash) into cp->sig and write its line to
 * line (SILTA_CHECKPOINT_LINE_MAX bytes). */
void silta_checkpoint_sign(silta_checkpoint_t *cp, const unsigned char sk[SILTA_CHECKPOINT_SK_LEN],
                           char line[SILTA_CHECKPOINT_LINE_MAX]);

/* Parse one line into cp. Returns 0, or SILTA_EINVAL naming what is wrong. */
int silta_checkpoint_parse(const char *line, silta_checkpoint_t *cp, silta_err_t *err);

/* 1 when cp's signature holds under pk, else 0. */
int silta_checkpoint_verify(const silta_checkpoint_t *cp,
                            const unsigned char pk[SILTA_CHECKPOINT_PK_LEN]);

/* Append line to the checkpoint file at path (created 0640), then fsync it.
 * Returns 0 or SILTA_ERR. */
int silta_checkpoint_append(const char *path, const char *line, silta_err_t *err);

#endif
