/*  hub_journal.h - the hub's durable state in PostgreSQL (schema "hub").
 *
 *  The only hub module that speaks SQL (hub_journal.c: connection, journal
 *  appends, consumers, consents, status; hub_journal_delivery.c: journal
 *  pages, cursor checkpoints with the delivery log and disclosure rows,
 *  explicit deliveries, dead letters). The journal is append-only; a batch of
 *  published events becomes ONE statement, committed whole or not at all:
 *  that is what makes "CONFIRM only after commit" cheap (group commit). What
 *  each consumer has finished is its cursor (hub_cursor.h), checkpointed in
 *  batches. Tables and their meaning: hub/migrations/001_journal.sql, 004_cursor.sql.
 *
 *  Return codes: 0, SILTA_EAGAIN when the database is unreachable (the caller
 *  NACKs UNAVAILABLE / retries later), SILTA_ERR when a statement failed.
 */
#ifndef HUB_JOURNAL_H
#define HUB_JOURNAL_H

#include <stddef.h>
#include <stdint.h>

#include "silta_err.h"

typedef struct hub_journal_t hub_journal_t;

/* Connect as url's role, migrate as admin_url's (silta_db_migrate_owned; NULL: url), LISTEN
 * for replays. */
hub_journal_t *hub_journal_open(const char *url, const char *admin_url, const char *migrations_dir,
                                silta_err_t *err);
void hub_journal_close(hub_journal_t **self_p);

/* The connection's socket, for the hub's poll loop (-1 when disconnected). */
int hub_journal_fd(const hub_journal_t *self);

/* One event of a batch. seq and is_new are filled by append. */
typedef struct {
    const char *event_id;
    const char *type;
    const char *source;
    const char *client_key;
    int64_t occurred_at_ms;
    const uint8_t *envelope;  /* packed Envelope as journalled */
    size_t envelope_len;
    uint64_t seq;             /* out: journal seq (0 when not new) */
    int is_new;               /* out: 0 when event_id was already journalled */
} hub_journal_row_t;


/* Create or update the durable queue `name`; its id goes to *id_out. A new
 * queue's cursor starts at the journal's end: events published from now on. */
int hub_journal_upsert_consumer(hub_journal_t *self, const char *name, const char *const *types,
                                size_t ntypes, int *id_out, silta_err_t *err);

/* A consumer's durable cursor: every seq <= mark_delete is finished, and so
 * are the inclusive ranges acked[2i]..acked[2i+1] (npairs of them). */
typedef struct {
    int consumer_id;
    uint64_t mark_delete;
    const uint64_t *acked;
    size_t npairs;
} hub_journal_cursor_t;

/* Every consumer with its cursor (borrowed for the call). */
typedef void (*hub_journal_consumer_fn)(int id, const char *name, char **types, size_t ntypes,
                                        const hub_journal_cursor_t *cursor, void *arg);
int hub_journal_load_consumers(hub_journal_t *self, hub_journal_consumer_fn fn, void *arg,
                               silta_err_t *err);

/* The highest journal seq (0 when empty) into *seq_out. */
int hub_journal_head(hub_journal_t *self, uint64_t *seq_out, silta_err_t *err);

/* A page of the journal for one consumer: fn for each event with after < seq
 * <= upto whose type is in types, ascending, at most limit of them; the number
 * of rows goes to *nrows (fewer than limit: everything up to upto was read).
 * `envelope` is borrowed for the duration of the call. */
typedef void (*hub_journal_page_fn)(uint64_t seq, const uint8_t *envelope, size_t len, void *arg);
int hub_journal_page(hub_journal_t *self, char *const *types, size_t ntypes, uint64_t after,
                     uint64_t upto, size_t limit, hub_journal_page_fn fn, void *arg,
                     size_t *nrows, silta_err_t *err);

/* How many journal rows with seq > after have a type in types, into *n (the
 * size of a consumer's backlog at start; a count, so it costs a scan). */
int hub_journal_count(hub_journal_t *self, char *const *types, size_t ntypes, uint64_t after,
                      uint64_t *n, silta_err_t *err);

/* Explicit deliveries (hub.delivery: rows from before the cursors, and dead
 * letters replayed by siltactl), in journal order; only_consumer_id /
 * only_seq 0 mean all. `envelope` is borrowed for the duration of the call. */
typedef void (*hub_journal_pending_fn)(int consumer_id, uint64_t seq, uint32_t attempts,
                                       const uint8_t *envelope, size_t len, void *arg);
int hub_journal_load_pending(hub_journal_t *self, int only_consumer_id, uint64_t only_seq,
                             hub_journal_pending_fn fn, void *arg, silta_err_t *err);

/* A finished delivery, recorded in batches. */
typedef struct {
    int consumer_id;
    uint64_t seq;
    uint32_t attempt;
    int64_t delivered_at_ms;
    int64_t outcome_at_ms;
    const char *outcome;  /* "acked" or "withheld" (static strings) */
    const char *detail;   /* NULL, or why it was withheld (static or policy-owned) */
    int explicit_row;     /* 1: a hub.delivery row, deleted with this write */
} hub_journal_ack_t;

/* Move one delivery to the dead-letter queue (outcome 'rejected' or 'dead'). */
int hub_journal_dead_letter(hub_journal_t *self, const hub_journal_ack_t *d, const char *outcome,
                            const char *reason, silta_err_t *err);

/* Read pending notifications (channel silta_replay, payload "consumer_id:seq")
 * and call fn for each. */
typedef void (*hub_journal_notify_fn)(int consumer_id, uint64_t seq, void *arg);
int hub_journal_poll_notifications(hub_journal_t *self, hub_journal_notify_fn fn, void *arg);

/* Status snapshot for siltactl. */
typedef struct {
    int consumer_id;
    int connected;
    int in_flight;
    int credit;
} hub_journal_consumer_status_t;

typedef struct {
    const char *routing_id; /* hex */
    const char *identity;
    const char *name;
    const char *address;
    const char *consumer;  /* may be NULL */
    int64_t connected_at_ms;
    int64_t last_seen_ms;
} hub_journal_peer_t;

int hub_journal_snapshot(hub_journal_t *self, const char *instance, int64_t started_ms,
                         const hub_journal_consumer_status_t *cs, size_t ncs,
                         const hub_journal_peer_t *peers, size_t npeers, silta_err_t *err);

/* The journal's size for the metrics: its live partitions (leaves of
 * hub.journal; 1 for a journal not partitioned yet) and their bytes on disk
 * (tables, indexes, TOAST: pg_total_relation_size). Reads the catalogue and
 * stats the files, no table: cheap, but the caller still asks only once a
 * minute (hub_state.c). SILTA_OK or an error in err. */
int hub_journal_size(hub_journal_t *self, int64_t *partitions, int64_t *bytes, silta_err_t *err);

/* One disclosure: a delivery of client data leaving the hub. */
typedef struct {
    int64_t at_ms;
    const char *recipient;
    const char *client_key;
    const char *event_id;
    const char *type;
    const char *legal_basis;
    const char *consent_ref;
    const char *xroad_id;
    char hash[65];
    char prev_hash[65];
} hub_journal_disclosure_t;

/* What a delivery checkpoint carries; any part may be empty (n 0). Borrowed
 * for the call. */
typedef struct {
    const hub_journal_ack_t *acks;          /* finished deliveries: logged, explicit rows deleted */
    size_t nacks;
    const hub_journal_cursor_t *cursors;    /* the changed cursors, saved */
    size_t ncursors;
    const hub_journal_disclosure_t *rows;   /* disclosure rows, hashes chained by the caller */
    size_t nrows;
} hub_journal_checkpoint_t;

/* A turn's write, ONE statement (one round trip, one commit unless inside
 * hub_journal_begin): the journal rows rows[0..n) in batch order (duplicates
 * of journalled event_ids skipped; seq and is_new filled) and the checkpoint
 * ck (NULL: none). Committed whole or not at all. Consumers read the journal
 * rows through their cursors (hub_journal_page). SILTA_ERR also when an
 * event_id is not a UUID (the hub checks them before). */
int hub_journal_write(hub_journal_t *self, hub_journal_row_t *rows, size_t n,
                      const hub_journal_checkpoint_t *ck, silta_err_t *err);

/* The hash of the last disclosure row (SILTA_AUDIT_GENESIS when none). */
int hub_journal_last_disclosure_hash(hub_journal_t *self, char out[65], silta_err_t *err);

/* The newest disclosure row: its id (0 when the log is empty) and hash
 * (SILTA_AUDIT_GENESIS then). For the signed checkpoints (hub_anchor.c). */
int hub_journal_disclosure_head(hub_journal_t *self, int64_t *id, char hash[65], silta_err_t *err);

/* The hash of disclosure row id into hash; *found = 0 when there is no such row. */
int hub_journal_disclosure_at(hub_journal_t *self, int64_t id, char hash[65], int *found,
                              silta_err_t *err);

/* Record the latest state of a consent. */
int hub_journal_save_consent(hub_journal_t *self, const char *client_key, const char *consent_id,
                             const char *status, const char *purpose, char *const *recipients,
                             size_t nrecipients, const char *expires, uint64_t seq,
                             silta_err_t *err);

typedef void (*hub_journal_consent_fn)(const char *client_key, const char *consent_id,
                                       const char *status, const char *purpose,
                                       char **recipients, size_t nrecipients, const char *expires,
                                       void *arg);
int hub_journal_load_consents(hub_journal_t *self, hub_journal_consent_fn fn, void *arg,
                              silta_err_t *err);

/* Dead letters per consumer: fn(consumer_id, count) for each. */
int hub_journal_dead_letter_counts(hub_journal_t *self, void (*fn)(int consumer_id, long n, void *arg),
                                   void *arg, silta_err_t *err);

/* Transaction brackets for a batch that must commit with its side effects. */
int hub_journal_begin(hub_journal_t *self, silta_err_t *err);
int hub_journal_commit(hub_journal_t *self, silta_err_t *err);
void hub_journal_rollback(hub_journal_t *self);

/* Reconnect after the connection was lost (re-LISTENs). 0 when connected;
 * SILTA_EAGAIN when not (at most one attempt per HUB_JOURNAL_RECONNECT_MS,
 * however often it is called). */
#define HUB_JOURNAL_RECONNECT_MS 250
int hub_journal_reconnect(hub_journal_t *self, silta_err_t *err);

#endif
