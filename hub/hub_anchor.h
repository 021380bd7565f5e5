/*  hub_anchor.h - the hub signs checkpoints of its disclosure log's chain head
 *  and appends them to a file outside the database (lib/silta_checkpoint.h).
 *
 *  While disclosures are written, a checkpoint at least every interval (one
 *  minute by default), and one at shutdown; none while the head has not
 *  moved. At start the newest checkpoint in the file is compared with the
 *  table: a row it names that is gone or changed (newest rows deleted, the
 *  table truncated or rewritten while the hub was down) is logged as an error
 *  and counted; the hub keeps serving (availability), and `siltactl audit
 *  verify` fails until an administrator has looked.
 *
 *  Owns: the signing key (in memory), the last checkpointed head, the timer.
 *  Uses the journal's connection for the two reads (hub_journal.h).
 */
#ifndef HUB_ANCHOR_H
#define HUB_ANCHOR_H

#include <stdint.h>

#include "hub_journal.h"
#include "silta_err.h"

typedef struct hub_anchor_s hub_anchor_t;

/* key_path: the Ed25519 secret key (made, with key_path.pub, when missing);
 * file: the checkpoint file (appended); interval_ms > 0. NULL on error (err). */
hub_anchor_t *hub_anchor_open(const char *key_path, const char *file, int64_t interval_ms,
                              silta_err_t *err);
void hub_anchor_close(hub_anchor_t **self_p);

/* Compare the file's newest checkpoint with the table. 0 when it still holds
 * (or there is none), SILTA_EINVAL (logged) when not, another code when the
 * database could not be read. */
int hub_anchor_check(hub_anchor_t *self, hub_journal_t *journal);

/* Write a checkpoint when the head moved and the interval has passed since the
 * last one (now_ms monotonic), or whenever the head moved with force = 1. */
void hub_anchor_tick(hub_anchor_t *self, hub_journal_t *journal, int64_t now_ms, int force);

/* Checkpoints written, and mismatches found at start (for /metrics). */
uint64_t hub_anchor_written(const hub_anchor_t *self);
uint64_t hub_anchor_mismatches(const hub_anchor_t *self);

#endif
