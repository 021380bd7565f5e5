/*  cs_store_int.h - internal to casestore/store: the store's struct and the
 *  steps of a transaction that cs_store.c (one event, one action) and
 *  cs_store_batch.c (a batch of events, the sweep) both use.
 *
 *  Nothing here begins or commits; every step runs inside the caller's
 *  transaction and returns 0, SILTA_EINVAL, SILTA_EAGAIN or SILTA_ERR with err set.
 *
 *  Not here: the public API (cs_store.h).
 */
#ifndef CS_STORE_INT_H
#define CS_STORE_INT_H

#include <libpq-fe.h>

#include "cs_event.h"
#include "cs_store.h"
#include "../rules/cs_plan.h"
#include "events.pb-c.h"
#include "silta_uuid.h"

struct cs_store_s {
    PGconn *db;
    char *url;
    const cs_params_t *params;
    const cs_seal_t *seal;
    const silta_clientkey_t *ck;
    cs_history_t hist;          /* scratch, reused per evaluation */
    cs_findings_t findings;     /* scratch */
    cs_plan_item_t plan[CS_PLAN_MAX];
    cs_history_t *hists;        /* scratch of a batch / sweep chunk: nhists loaded at once */
    size_t hists_cap;
    int64_t derive_us;          /* rules + plan in C, summed by cs_sync_clients (debug) */
};

/* err's code, else SILTA_ERR. */
int cs_store__code(const silta_err_t *err);

/* ROLLBACK when the connection is still there. */
void cs_store__rollback(cs_store_t *self);

/* Decode ev through its contract and check its client_key against the
 * payload's hetu (no I/O). Fills *e (cs_event_free it) and birth
 * (YYYY-MM-DD). Returns 0 or SILTA_EINVAL (err says why; nothing to free). */
int cs_store__decode(cs_store_t *self, const silta_envelope_t *ev, cs_event_t *e,
                     char birth[11], silta_err_t *err);

/* What the inbox row and the fact of ev need besides the payload: day = the
 * event's date (YYYY-MM-DD; today when it has none), summary = its timeline
 * line, occurred = occurred_at in seconds since the epoch (decimal). */
void cs_store__inbox_values(const silta_envelope_t *ev, const cs_event_t *e, cs_day_t today,
                            char day[11], char summary[256], char occurred[32]);

/* The inbox row (*duplicate = 1 when event_id is there already: nothing
 * else is written), the client row with the sealed hetu, the fact: one
 * event, each statement awaited (cs_store_batch.c has the set-based form). */
int cs_store__fact(cs_store_t *self, const silta_envelope_t *ev, const cs_event_t *e,
                   const char *birth, cs_day_t today, int *duplicate, silta_err_t *err);

/* With self->hist loaded for ck: cs_sync_clients for that one client; *wake = the first day after today the findings can
 * change (cs_rules.h; CS_NODAY = only a new fact changes them). */
int cs_store__evaluate_loaded(cs_store_t *self, const char *ck, const char *hetu,
                              cs_day_t today, size_t *changed, cs_day_t *wake, silta_err_t *err);

/* A client to evaluate: its key, the hetu for the published payloads, its
 * loaded history (all borrowed). */
typedef struct {
    const char *ck;
    const char *hetu;
    const cs_history_t *hist;
} cs_sync_client_t;

/* Rules -> alerts and plan -> versions for the n clients cl (distinct keys),
 * set-based (cs_sync.c): one SELECT of their alerts, one of their plan items,
 * one statement per table written (queued in pipeline mode). wakes[i] = the
 * first day after today clients[i]'s findings can change (CS_NODAY: only a
 * new fact changes them); *changed += alerts opened and closed. Returns 0 or
 * an error code (then roll the transaction back). */
int cs_sync_clients(cs_store_t *self, const cs_sync_client_t *cl, size_t n, cs_day_t today,
                    size_t *changed, cs_day_t *wakes, silta_err_t *err);

/* *ga = the hub.gap_alert.v1 of an alert (strings borrowed) and id = its
 * outbox event id (from alert_id and status). */
void cs_sync_gap_alert(Silta__GapAlert *ga, char id[SILTA_UUID_STRLEN + 1], const char *hetu,
                       const char *alert_id, const char *status, const char *rule,
                       const char *severity, const char *due, const char *agency,
                       const char *worker, const char *explanation);

/* casestore.client_check (migration 013): next_check = wakes[i] and
 * checked_at = now() for cks[i], the row inserted for a new client (n rows,
 * one upsert; CS_NODAY is stored as 9999-12-31). */
int cs_store__next_check(cs_store_t *self, const char *const *cks, const cs_day_t *wakes,
                         size_t n, silta_err_t *err);

/* client_key's sealed hetu opened into out. */
int cs_store_hetu(cs_store_t *self, const char *client_key, char out[SILTA_HETU_LEN + 1],
                  silta_err_t *err);

#endif
