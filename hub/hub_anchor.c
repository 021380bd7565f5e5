/*  hub_anchor.c - signed checkpoints of the disclosure chain. See hub_anchor.h.
 *
 *  State: last_id/last_hash = the head in the newest checkpoint written or
 *  found in the file (0/genesis: none); next_ms = when the next one may be
 *  written. Invariant: a checkpoint line is appended (and fsynced) before
 *  last_id moves, so the file never claims less than was signed.
 */
#include "hub_anchor.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "silta_checkpoint.h"
#include "silta_log.h"
#include "silta_time.h"

struct hub_anchor_s {
    unsigned char sk[SILTA_CHECKPOINT_SK_LEN];
    char file[4096];
    int64_t interval_ms, next_ms;
    int64_t last_id;
    char last_hash[SILTA_AUDIT_HASH_LEN + 1];
    int have_last;
    uint64_t written, mismatches;
};

/* The newest checkpoint line of the file into cp: 1 found, 0 none. */
static int s_newest(const char *file, silta_checkpoint_t *cp)
{
    FILE *f = fopen(file, "r");
    if (!f)
        return 0;
    long from = 0;
    if (fseek(f, 0, SEEK_END) == 0) {
        long size = ftell(f);
        from = size > 4096 ? size - 4096 : 0;
    }
    fseek(f, from, SEEK_SET);
    char line[SILTA_CHECKPOINT_LINE_MAX * 2], last[SILTA_CHECKPOINT_LINE_MAX * 2] = "";
    while (fgets(line, sizeof line, f))
        if (strncmp(line, "checkpoint ", 11) == 0)
            snprintf(last, sizeof last, "%s", line);
    fclose(f);
    return last[0] && silta_checkpoint_parse(last, cp, NULL) == 0;
}

hub_anchor_t *hub_anchor_open(const char *key_path, const char *file, int64_t interval_ms,
                              silta_err_t *err)
{
    hub_anchor_t *self = calloc(1, sizeof *self);
    if (!self) {
        silta_err_set(err, SILTA_ERR, "out of memory");
        return NULL;
    }
    if (silta_checkpoint_key_load(key_path, 1, self->sk, err) != 0) {
        free(self);
        return NULL;
    }
    snprintf(self->file, sizeof self->file, "%s", file);
    self->interval_ms = interval_ms > 0 ? interval_ms : 60000;
    snprintf(self->last_hash, sizeof self->last_hash, "%s", SILTA_AUDIT_GENESIS);
    silta_checkpoint_t cp;
    if (s_newest(file, &cp)) {
        self->last_id = cp.last_id;
        snprintf(self->last_hash, sizeof self->last_hash, "%s", cp.last_hash);
        self->have_last = 1;
    }
    return self;
}

void hub_anchor_close(hub_anchor_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    sodium_memzero((*self_p)->sk, sizeof (*self_p)->sk);
    free(*self_p);
    *self_p = NULL;
}

int hub_anchor_check(hub_anchor_t *self, hub_journal_t *journal)
{
    if (!self->have_last || self->last_id == 0)
        return SILTA_OK;
    char hash[SILTA_AUDIT_HASH_LEN + 1];
    int found = 0;
    silta_err_t err;
    int rc = hub_journal_disclosure_at(journal, self->last_id, hash, &found, &err);
    if (rc != 0)
        return rc;
    if (found && strcmp(hash, self->last_hash) == 0)
        return SILTA_OK;
    self->mismatches++;
    silta_error("disclosure log does not match its last checkpoint",
                "last_id=%lld reason=\"%s\" hint=\"run siltactl audit verify\"",
                (long long)self->last_id,
                found ? "the checkpointed row was changed" : "the checkpointed row is gone");
    return SILTA_EINVAL;
}

void hub_anchor_tick(hub_anchor_t *self, hub_journal_t *journal, int64_t now_ms, int force)
{
    if (!force && now_ms < self->next_ms)
        return;
    silta_checkpoint_t cp;
    memset(&cp, 0, sizeof cp);
    silta_err_t err;
    if (hub_journal_disclosure_head(journal, &cp.last_id, cp.last_hash, &err) != 0) {
        silta_warn("could not read the disclosure head", "reason=\"%s\"", err.msg);
        return;
    }
    self->next_ms = now_ms + self->interval_ms;
    int same_id = cp.last_id == self->last_id;
    if (same_id && strcmp(cp.last_hash, self->last_hash) == 0)
        return; /* nothing disclosed since the last checkpoint */
    if (self->have_last && (cp.last_id < self->last_id || same_id)) {
        /* The head went back or changed under us: never sign that. */
        self->mismatches++;
        silta_error("disclosure log does not match its last checkpoint",
                    "last_id=%lld head_id=%lld reason=\"%s\" hint=\"run siltactl audit verify\"",
                    (long long)self->last_id, (long long)cp.last_id,
                    same_id ? "the checkpointed row was changed" : "rows were removed");
        return;
    }
    cp.at_ms = silta_now_ms();
    char line[SILTA_CHECKPOINT_LINE_MAX];
    silta_checkpoint_sign(&cp, self->sk, line);
    if (silta_checkpoint_append(self->file, line, &err) != 0) {
        silta_error("could not write a disclosure checkpoint", "reason=\"%s\"", err.msg);
        return;
    }
    self->last_id = cp.last_id;
    snprintf(self->last_hash, sizeof self->last_hash, "%s", cp.last_hash);
    self->have_last = 1;
    self->written++;
    line[strcspn(line, "\n")] = '\0';
    silta_info("disclosure checkpoint", "%s", line);
}

uint64_t hub_anchor_written(const hub_anchor_t *self)
{
    return self ? self->written : 0;
}

uint64_t hub_anchor_mismatches(const hub_anchor_t *self)
{
    return self ? self->mismatches : 0;
}
