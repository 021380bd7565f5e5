/*  hub_router_int.h - the hub's state, shared by the modules of its loop.
 *
 *  INTERNAL: included only by hub_router.c, hub_publish.c, hub_deliver.c and
 *  hub_state.c, which together are silta-hub's single-threaded loop (see
 *  hub_router.h for its shape). Nothing here is an API: the public one is
 *  hub_router.h. This header does not start, lock or free anything itself.
 *
 *  Who owns what (one thread, so nothing is locked):
 *
 *    hub_router_t            a local of hub_router_run (hub_router.c); filled by
 *                            hub_state_open, everything in it freed by
 *                            hub_state_close (hub_state.c).
 *    sessions[], by_rid      hub_router.c: opened on a peer's first HELLO,
 *                            marked gone (hub_router_session_gone) by a
 *                            BYE, a heartbeat timeout or an unreachable
 *                            peer, freed only by hub_router_reap at the
 *                            loop's top level (never inside a handler). The
 *                            sessions array owns them; sessions_by_rid only
 *                            indexes them.
 *    consumers[]             hub_deliver.c: added at start (hub_state.c) or
 *                            by a SUBSCRIBE, freed at close. A consumer and a
 *                            session point at each other (c->session,
 *                            s->consumer) without owning.
 *    batch[], rows[]         hub_publish.c: the ring batch (nbatch entries
 *                            from batch_head, batch_cap slots) owns each
 *                            PUBLISH's packet, packed envelope and source
 *                            until hub_publish_commit answers it; rows[] and
 *                            envs[] are the commit's scratch, parallel to
 *                            batch (envs[] hands the decoded envelopes over
 *                            to the consumers' events).
 *    events (hub_event_t)    ref-counted, held by the consumer queues
 *                            (hub_queue.h).
 *    acks[]                  hub_deliver.c: finished deliveries waiting for
 *                            the next checkpoint (a turn that writes anyway,
 *                            or SILTA_HUB_ACK_FLUSH_MS passed).
 *    c->cursor, c->queue     hub_deliver.c: the consumer's journal position
 *                            (durable, in batches) and the window of it
 *                            held in memory.
 *    out[], disclosures[]    hub_deliver.c: one dispatch round. The
 *                            disclosures borrow strings from the events and
 *                            consumers; valid until hub_deliver_send_dispatched
 *                            ends the round.
 *    policy, consent,        hub_state.c opens and closes them; the loop
 *    contract, journal,      reads and writes them.
 *    ctx, router, auth, http
 *
 *  Invariants:
 *
 *    * sessions[i]->index == i, and sessions_by_rid maps every session's rid
 *      to it; reaping a session swaps the last one into its hole.
 *    * ngone == the number of sessions with gone != NULL; a gone session is
 *      sent nothing and takes no packet (the next packet from its rid opens
 *      a new session only after the reap).
 *    * s->consumer == c exactly when c->session == s; detaching a consumer
 *      releases what it had in flight (hub_deliver_consumer_detach).
 *    * s->standby_for == c only while s is alive and another session holds c;
 *      when c's session is freed, the newest standby of c (if any) gets c
 *      (hub_deliver_consumer_attach): one live instance of a consumer never
 *      ends up connected but fed nothing.
 *    * nbatch <= batch_cap; a commit takes at most min(batch_max,
 *      publish_budget) of them, oldest first; batch_opened_ms is when the
 *      oldest held one arrived.
 *    * 0 < publish_budget <= batch_max: a turn of the loop (read, commit,
 *      dispatch, send) takes at most publish_budget PUBLISHes, so a consumer
 *      the hub is behind on gets a dispatch round per that many publishes.
 *    * A CONFIRM is sent only after the batch's journal rows committed.
 *    * A DELIVER is sent only after its disclosure row is written; last_hash is
 *      the hash of the last disclosure row written (the chain's head).
 *    * A turn writes at most one statement (hub_journal_write): its batch of
 *      PUBLISHes with its checkpoint (outcomes, cursors, the round's
 *      disclosure rows): one commit, so one WAL flush, per turn.
 *    * nout == 0 outside hub_deliver_dispatch_all .. hub_deliver_send_dispatched
 *      (the round is built, then written with the turn, then sent).
 *    * Per-client order: at most one delivery in flight per (consumer,
 *      client_key) (hub_queue.h).
 *    * Every seq c's queue holds is pending in c->cursor or an explicit row;
 *      a seq above the cursor's read position is in no queue. What the
 *      cursor calls finished is written (hub.cursor) no later than the
 *      outcome rows of the same deliveries: one statement carries both.
 *    * journal_head >= every consumer's read position.
 *
 *  A delivery, from the journal to its end (which function moves it):
 *
 *                    hub_publish_commit / hub_state_open (reload) /
 *                    hub_state_on_replay (siltactl dlq replay)
 *                                  |
 *                                  v
 *        +------------------> [queued] ---- withheld (no route, no consent):
 *        |                         |         outcome "withheld"  (dispatch)
 *        |   hub_deliver_dispatch_all (within the consumer's credit)
 *        |                         v
 *        |                   [in flight] -- session gone (here or once sent):
 *        |                         |         released, queued again (consumer_detach)
 *        |   the turn's write (disclosure row, with the turn's batch),
 *        |   then hub_deliver_send_dispatched: DELIVER
 *        |                         v
 *        +-- ack timeout ----- [sent] ----- ACK: outcome "acked", written with
 *            (tick, backoff)       |         the next turn's write (or at stop,
 *                                  |         hub_deliver_flush_acks)
 *                                  |
 *                  REJECT (hub_deliver_on_ack) or max attempts (tick):
 *                  hub.dead_letter
 */
#ifndef HUB_ROUTER_INT_H
#define HUB_ROUTER_INT_H

#include <stddef.h>
#include <stdint.h>
#include <zmq.h>

#include "hub_auth.h"
#include "hub_consent.h"
#include "hub_contract.h"
#include "hub_cursor.h"
#include "hub_http.h"
#include "hub_anchor.h"
#include "hub_journal.h"
#include "hub_metrics.h"
#include "hub_policy.h"
#include "hub_queue.h"
#include "hub_router.h"
#include "events.pb-c.h"
#include "silta_audit.h"
#include "silta_codec.h"
#include "silta_map.h"
#include "silta_uuid.h"

#define HUB_ROUTER_MAX_RID 256
#define HUB_ROUTER_MAX_CREDIT 100000u
typedef struct hub_router_consumer hub_router_consumer_t;

typedef struct {
    uint8_t rid[HUB_ROUTER_MAX_RID];
    size_t rid_len;
    char rid_hex[2 * HUB_ROUTER_MAX_RID + 1];
    char *identity;
    char *name;
    char address[64];
    int64_t last_seen_ms;  /* monotonic */
    int64_t last_sent_ms;  /* monotonic */
    int64_t connected_wall_ms;
    int heartbeat_ms;
    hub_router_consumer_t *consumer;
    size_t index;          /* in hub->sessions */
    const char *gone;      /* why it is to be dropped (a static string), or NULL */
    /* A session whose consumer was taken over by a newer session of the same
     * queue waits as its standby: it gets the queue back when the newer one
     * goes (credit: what the hub counted at the takeover plus the CREDITs it
     * sent since). NULL when it is no standby. */
    hub_router_consumer_t *standby_for;
    uint32_t standby_credit;
} hub_router_session_t;

struct hub_router_consumer {
    int id;
    char *name;
    char owner[SILTA_MAX_TYPE_LEN + 1]; /* identity that owns the queue */
    char **types;
    size_t ntypes;
    hub_queue_t *queue;          /* the events in memory: a window of the backlog */
    hub_cursor_t *cursor;        /* what is read and finished: checkpointed */
    silta_map_t *explicit_rows;  /* seq -> 1: held items that are hub.delivery rows */
    size_t unloaded;             /* events waiting in the journal, not read yet
                                  * (counted at start: a gauge, not a guarantee) */
    hub_router_session_t *session;
    uint32_t credit;
};

typedef struct {
    silta_packet_t *packet; /* owns the envelope */
    uint8_t rid[HUB_ROUTER_MAX_RID];
    size_t rid_len;
    uint8_t *packed;        /* the envelope as journalled (source, recorded_at set) */
    size_t packed_len;
    char *source;           /* the publisher's authenticated identity */
    int64_t recorded_at;    /* wall ms, as journalled in the envelope */
    int64_t received_us;    /* monotonic, for the confirm latency */
} hub_router_pending_t;

/* A checkpoint on its way (hub_deliver_checkpoint_begin .. _end): what it
 * writes, and what it allocated for that. */
typedef struct {
    hub_journal_checkpoint_t ck;             /* acks and rows borrow hub->acks, hub->disclosures */
    hub_journal_cursor_t *cursors;           /* owned, with each one's acked array */
    char (*basis)[SILTA_MAX_TYPE_LEN + 16];  /* owned: "consent:<purpose>", one per row */
    char head[SILTA_AUDIT_HASH_LEN + 1];     /* the chain's head once the rows are written */
} hub_deliver_checkpoint_t;

/* A delivery whose disclosure row is being written; sent after the write. */
typedef struct {
    hub_router_consumer_t *consumer;
    uint64_t seq;
} hub_router_outgoing_t;

typedef struct {
    const hub_router_config_t *config;
    hub_policy_t *policy;
    hub_consent_t *consent;
    hub_contract_t *contract;
    char last_hash[SILTA_AUDIT_HASH_LEN + 1];
    hub_router_outgoing_t *out;
    hub_journal_disclosure_t *disclosures;
    size_t nout, cap_out;
    void *ctx;
    void *router;
    hub_auth_t *auth;
    hub_journal_t *journal;
    hub_anchor_t *anchor; /* signed checkpoints of the disclosure chain, or NULL */
    char instance[SILTA_UUID_STRLEN + 1];
    int64_t started_wall_ms;

    silta_map_t *sessions_by_rid;
    hub_router_session_t **sessions;
    size_t nsessions, cap_sessions;
    size_t ngone; /* sessions marked gone, not yet reaped */
    int64_t db_warned_ms; /* last "database unavailable" line (monotonic) */
    int closing;  /* the hub is stopping: no standby is promoted */

    hub_router_consumer_t **consumers;
    size_t nconsumers, cap_consumers;

    hub_router_pending_t *batch; /* a ring: nbatch held from batch_head */
    size_t nbatch, batch_head, batch_cap;
    size_t publish_budget; /* PUBLISHes a turn may take: hub_deliver_dispatch_all */
    int64_t batch_opened_ms;
    hub_journal_row_t *rows;
    silta_envelope_t **envs;  /* the commit's scratch, parallel to rows */
    int64_t last_commit_ms;  /* monotonic: the last batch's write */
    int dispatch_due;        /* a round is owed (a commit queued events an attached
                              * consumer can take, or a turn deferred its round): the
                              * loop sends it with the next batch, at the latest when
                              * the batch window after the last commit ends */

    uint64_t journal_head; /* the highest journal seq committed (this hub is its only writer) */
    hub_journal_ack_t *acks;
    size_t nacks, cap_acks;
    int64_t last_ack_flush_ms;
    int64_t last_snapshot_ms;
    int64_t last_tick_ms;
    int64_t db_retry_ms;

    hub_metrics_t m;       /* counters for /metrics and the log */
    hub_http_t *http;      /* /metrics, /healthz, status page; NULL when not configured */
    int64_t last_warn_ms;
    int warn_burst;
} hub_router_t;

/* hub_router.c: sending and sessions ------------------------------------- */

/* Send p to session s, or (s NULL) to the peer rid. Never blocks: a full peer
 * loses the packet; an unreachable one has its session marked gone (reaped by
 * hub_router_reap, so s stays valid for the caller). A gone session is sent
 * nothing. 0 sent, -1 not. */
int hub_router_send(hub_router_t *hub, hub_router_session_t *s, const uint8_t *rid, size_t rid_len,
                    silta_packet_t *p);
/* 1 while a peer-caused warning may be logged (at most 10 a second). */
int hub_router_warn_ok(hub_router_t *hub);
void hub_router_nack(hub_router_t *hub, hub_router_session_t *s, const uint8_t *rid, size_t rid_len,
                     uint64_t seq, uint32_t code, const char *reason);
/* Mark s to be dropped (why: a static string); the loop frees it in
 * hub_router_reap, between packets, so no handler sees it freed. */
void hub_router_session_gone(hub_router_t *hub, hub_router_session_t *s, const char *why);
/* Detach the consumers of the sessions marked gone and free them. Called only
 * from the loop's top level (hub_router.c, hub_state_close). */
void hub_router_reap(hub_router_t *hub);
/* Free every session (the hub is stopping). */
void hub_router_close_sessions(hub_router_t *hub);

/* hub_publish.c: the batch, group commit, consents ------------------------ */

/* Validate a PUBLISH and add it to the open batch (taking *pp, set NULL), or
 * NACK it (leaving *pp). Commits when the batch is full. */
void hub_publish_on_publish(hub_router_t *hub, hub_router_session_t *s, silta_packet_t **pp);
/* Commit the oldest held PUBLISHes (at most min(batch_max, publish_budget))
 * with the checkpoint dc (NULL: none) in one statement, end dc
 * (hub_deliver_checkpoint_end), answer each publisher, queue the new events. */
void hub_publish_commit(hub_router_t *hub, hub_deliver_checkpoint_t *dc);
/* 1 when a consent (social.consent.v1) is among the held PUBLISHes: its
 * batch commits before a round is built, so no DELIVER sent after its CONFIRM
 * rests on the consent state before it. */
int hub_publish_holds_consent(const hub_router_t *hub);
/* Commit everything held, whatever the budget. */
void hub_publish_flush(hub_router_t *hub);
void hub_publish_free_entry(hub_router_pending_t *e);

/* hub_deliver.c: consumers, dispatch, acks, dead letters ------------------ */

int hub_deliver_consumer_wants(const hub_router_consumer_t *c, const char *type);
hub_router_consumer_t *hub_deliver_consumer_by_id(hub_router_t *hub, int id);
/* NULL on out of memory; the hub then holds no such consumer. */
/* A consumer at its durable cursor (NULL: a new queue, at the journal's end). */
hub_router_consumer_t *hub_deliver_consumer_add(hub_router_t *hub, int id, const char *name,
                                                char *const *types, size_t ntypes,
                                                const hub_journal_cursor_t *cursor);
void hub_deliver_consumer_free(hub_router_consumer_t *c);
void hub_deliver_consumer_detach(hub_router_consumer_t *c);
/* Make s the session of c with credit (any old session of c detached first). */
void hub_deliver_consumer_attach(hub_router_consumer_t *c, hub_router_session_t *s,
                                 uint32_t credit);
/* Dispatch within every attached consumer's credit, then set
 * hub->publish_budget for the next turn (fairness: see hub_deliver.c). */
void hub_deliver_dispatch_all(hub_router_t *hub);
/* The turn's checkpoint: the round's disclosure rows (chained), and, with
 * with_acks or rows, the waiting outcomes and changed cursors. 1: dc holds
 * something to write (then end it with hub_deliver_checkpoint_end, directly or
 * through hub_publish_commit / hub_deliver_checkpoint_write); 0: nothing to
 * write, nothing to end. */
int hub_deliver_checkpoint_begin(hub_router_t *hub, hub_deliver_checkpoint_t *dc, int with_acks);
/* After dc's write returned rc: free dc; on success forget the outcomes, clean
 * the cursors, move the chain's head; on failure hold the round's deliveries. */
void hub_deliver_checkpoint_end(hub_router_t *hub, hub_deliver_checkpoint_t *dc, int rc);
/* Write dc alone (a turn with no PUBLISH to commit), then end it. */
void hub_deliver_checkpoint_write(hub_router_t *hub, hub_deliver_checkpoint_t *dc);
/* Send the round's DELIVERs (their disclosure rows are written, or the round
 * was dropped: nout 0). */
void hub_deliver_send_dispatched(hub_router_t *hub);
void hub_deliver_on_subscribe(hub_router_t *hub, hub_router_session_t *s,
                              const Silta__Subscribe *sub);
/* ACK (reject_reason NULL) or REJECT delivery id of s's consumer. */
void hub_deliver_on_ack(hub_router_t *hub, hub_router_session_t *s, uint64_t id,
                        const char *reject_reason);
/* Write the waiting outcomes, the changed cursors and the round's rows now
 * (one statement), then send the round. */
void hub_deliver_flush_acks(hub_router_t *hub);
/* Move a delivery that left c's queue to the dead letters (outcome "rejected"
 * or "dead"); its cursor moves on. */
void hub_deliver_dead(hub_router_t *hub, hub_router_consumer_t *c, const hub_queue_info_t *info,
                      const char *outcome, const char *reason);
/* Refill the attached consumers' windows from the journal (one page each). */
void hub_deliver_page_all(hub_router_t *hub);
/* A batch committed (rows as hub_journal_write left them): consumers that
 * have read everything before it take its events straight into memory; the
 * others read them later. Advances journal_head. envs (NULL: none) are the
 * new rows' envelopes as journalled, already decoded (envs[i] NULL: decode
 * rows[i].envelope); it takes them all (sets each NULL). */
void hub_deliver_on_committed(hub_router_t *hub, const hub_journal_row_t *rows,
                              silta_envelope_t **envs, size_t n);

/* hub_state.c: start-up, status, operators, shutdown ---------------------- */

/* Load the keys, policy, journal (consents, consumers, pending deliveries),
 * bind the router and the HTTP server. 0, or an error code with err filled;
 * either way hub_state_close frees what was opened. */
int hub_state_open(hub_router_t *hub, silta_err_t *err);
void hub_state_close(hub_router_t *hub);
void hub_state_snapshot(hub_router_t *hub);
/* hub_journal_poll_notifications callback: a dead letter was replayed. */
void hub_state_on_replay(int consumer_id, uint64_t seq, void *arg);

#endif
