/*  cs_store.h - the case store's database: apply an event once, run the rules,
 *  keep alerts and the coordinated plan, and an outbox of what to publish.
 *
 *  One apply = one PostgreSQL transaction:
 *
 *      BEGIN
 *        inbox row (event_id unique)  --conflict-->  ROLLBACK, "duplicate"
 *        client row, the fact (cs_apply.c)
 *        history -> rules -> alerts opened / closed   -> outbox hub.gap_alert.v1
 *        history -> plan  -> changed items versioned  -> outbox social.plan.v1
 *      COMMIT
 *
 *  A batch of events goes in one such transaction (cs_store_apply_batch:
 *  set-based, one statement per table; a SAVEPOINT per event only when that
 *  fails; the rules once per client). The sweep runs the same
 *  evaluation, without an event, for the clients whose next_check has come
 *  (the day their rules' result can next change). Outbox rows are published by the caller and marked when the
 *  hub confirms them; their event_ids are derived from content, so a row
 *  published twice is stored once by the hub.
 *
 *  Owns its PGconn. Not thread-safe.
 *
 *  Not here: what a rule decides (rules/), what a page shows (read/, web/).
 */
#ifndef CS_STORE_H
#define CS_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "../rules/cs_history.h"
#include "../rules/cs_rules.h"
#include "cs_alert.h"
#include "cs_seal.h"
#include "silta_clientkey.h"
#include "silta_codec.h"
#include "silta_err.h"
#include "silta_hetu.h"

typedef struct cs_store_s cs_store_t;

/* Connect as url's role, apply casestore/migrations as admin_url's (the owner;
 * NULL: url's; silta_db_migrate_owned), record the parameters in force.
 * params, seal and ck are borrowed and must outlive the store; ck may be NULL
 * (then the payload hetu is not checked against the envelope's client_key). */
cs_store_t *cs_store_open(const char *url, const char *admin_url, const char *migrations_dir,
                          const cs_params_t *params,
                          const cs_seal_t *seal, const silta_clientkey_t *ck, silta_err_t *err);
void cs_store_destroy(cs_store_t **self_p);

/* Apply one delivered event as of `today`. *duplicate = 1 when its event_id
 * was applied before (nothing changed). Returns 0 (ACK), SILTA_EINVAL (REJECT
 * with err's reason), SILTA_EAGAIN (database gone: neither; reconnect) or
 * SILTA_ERR (neither; the hub redelivers). */
int cs_store_apply(cs_store_t *self, const silta_envelope_t *ev, cs_day_t today, int *duplicate,
                   silta_err_t *err);

/* A caseworker's action (a social.* event made in this process): applied like
 * cs_store_apply and, in the same transaction, queued in the outbox for the
 * main loop to publish. Same return codes; a duplicate event_id changes
 * nothing and queues nothing. */
int cs_store_act(cs_store_t *self, const silta_envelope_t *ev, cs_day_t today, int *duplicate,
                 silta_err_t *err);

/* Make worker the client's responsible worker (and of its unhandled
 * notices), then re-run the rules and the plan (plan items name the
 * responsible worker: a changed plan goes to the outbox). Returns 0,
 * SILTA_EINVAL (no such client), SILTA_EAGAIN or SILTA_ERR. */
int cs_store_assign(cs_store_t *self, const char *client_key, const char *worker, cs_day_t today,
                    silta_err_t *err);

/* A caseworker adds a plan item by hand (item: item_id "manual:<uuid>",
 * owner, responsible, title, due; status ignored) or completes one, then the
 * rules and the plan are re-run in the same transaction: the item gets a new
 * version row, the plan a new version, and social.plan.v1 goes to the
 * outbox. by = the acting username. *duplicate = 1 when nothing changed (the
 * item exists already / is not open). Returns 0, SILTA_EAGAIN or SILTA_ERR. */
int cs_store_plan_add(cs_store_t *self, const char *client_key, const cs_manitem_t *item,
                      const char *by, cs_day_t today, int *duplicate, silta_err_t *err);
int cs_store_plan_done(cs_store_t *self, const char *client_key, const char *item_id,
                       const char *by, cs_day_t today, int *duplicate, silta_err_t *err);

/* A caseworker closes an open alert of client_key with an outcome (c: see
 * cs_alert.h) in one transaction: the alert closed with outcome, date, note
 * and who, and hub.gap_alert.v1 "closed" to the outbox. The alert stays
 * closed for its occurrence while the rule still finds it. *duplicate = 1
 * when it was closed already (nothing changed). Returns 0, SILTA_EINVAL (no
 * such alert, an outcome not of its rule, a missing or bad date: err says
 * which), SILTA_EAGAIN or SILTA_ERR. */
int cs_store_alert_close(cs_store_t *self, const char *client_key, const cs_alert_close_t *c,
                         cs_day_t today, int *duplicate, silta_err_t *err);

/* Open client_key's sealed hetu into out, to put it into a payload (never to
 * log it; sodium_memzero it after use). Returns 0, or SILTA_ERR (no such
 * client, or the seal does not open). */
int cs_store_hetu(cs_store_t *self, const char *client_key, char out[SILTA_HETU_LEN + 1],
                  silta_err_t *err);

/* The incremental deadline sweep (cs_store_batch.c): run the rules as of
 * today for at most max clients (0: 1000) whose client_check.next_check <=
 * today or is unset, in one transaction; each evaluation writes the client's next
 * next_check. *nclients = clients evaluated (0 when nothing is due),
 * *nchanged = alerts opened + closed. Call it until *nclients < max to
 * catch up. Returns 0 or an error code (nothing committed). */
int cs_store_sweep(cs_store_t *self, cs_day_t today, size_t max, size_t *nclients,
                   size_t *nchanged, silta_err_t *err);

/* One delivered event of a batch: ev borrowed; rc, duplicate and err are
 * written by cs_store_apply_batch. */
typedef struct {
    const silta_envelope_t *ev;
    int rc;        /* 0 applied (or a duplicate): ACK; SILTA_EINVAL: REJECT with err;
                      other: not applied (no ACK, the hub redelivers) */
    int duplicate; /* the event_id was applied before: nothing changed */
    silta_err_t err;
} cs_batch_item_t;

/* Apply n delivered events in ONE transaction (cs_store_batch.c): the facts
 * set-based (a SAVEPOINT per event when that fails), the rules and the plan
 * once per client after all its events (cs_sync.c), one COMMIT. Returns 0 when committed: then items[i].rc says ACK /
 * REJECT / neither per event. Any other return: nothing was committed
 * (SILTA_EAGAIN: the connection is gone, reconnect); items whose rc is
 * SILTA_EINVAL were refused before the database and may still be REJECTed;
 * apply the others again (cs_store_apply one by one isolates a bad one). */
int cs_store_apply_batch(cs_store_t *self, cs_batch_item_t *items, size_t n, cs_day_t today,
                         silta_err_t *err);

/* Hand unconfirmed outbox rows (those in casestore.outbox_pending, migration
 * 013) with id > *after to fn (in id order) and
 * advance *after. fn returns 0 to go on, nonzero to stop (the row is seen
 * again next time). */
typedef int (*cs_outbox_fn)(const char *event_id, const char *type, const char *client_key,
                            const uint8_t *payload, size_t len, void *arg);
int cs_store_outbox(cs_store_t *self, int64_t *after, cs_outbox_fn fn, void *arg,
                    silta_err_t *err);

/* The hub confirmed event_id: its outbox_pending row is deleted (the outbox
 * row itself is not rewritten). An unknown or confirmed id changes nothing. */
int cs_store_confirmed(cs_store_t *self, const char *event_id, silta_err_t *err);

/* The hub confirmed these n event_ids (UUID text): one DELETE of their
 * outbox_pending rows for all.
 * An id that is no UUID fails the statement (SILTA_ERR, nothing marked). */
int cs_store_confirmed_many(cs_store_t *self, const char *const *event_ids, size_t n,
                            silta_err_t *err);

/* The open alerts per rule and, of them, the overdue ones (due_date before
 * today): fn(rule, open, overdue, arg) once per rule that has any. One
 * grouped query over the open alerts. Returns 0, or SILTA_EAGAIN (database
 * gone) / SILTA_ERR with err. */
typedef void (*cs_alert_count_fn)(const char *rule, long open, long overdue, void *arg);
int cs_store_alert_counts(cs_store_t *self, cs_day_t today, cs_alert_count_fn fn, void *arg,
                          silta_err_t *err);

/* Reconnect after SILTA_EAGAIN. Returns 0 or SILTA_EAGAIN. */
int cs_store_reconnect(cs_store_t *self, silta_err_t *err);

#endif
