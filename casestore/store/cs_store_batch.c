/*  cs_store_batch.c - many events in one transaction, and the incremental
 *  deadline sweep: the county-scale paths of the store (issue 12).
 *
 *  A batch (cs_store_apply_batch):
 *
 *      decode + check every event (no I/O)   --bad--> item SILTA_EINVAL (REJECT)
 *      BEGIN
 *        duplicates: one SELECT of the batch's event_ids in the inbox
 *        fast: the new events' client rows and inbox rows one statement each
 *              (unnest), then each event's fact, queued in pipeline mode and
 *              read back at once --any error--> ROLLBACK, BEGIN, slow:
 *        slow: per event SAVEPOINT; inbox row, client row, fact; RELEASE
 *              (an SQL error: ROLLBACK TO SAVEPOINT, that event alone not applied)
 *        histories of the batch's clients: one SELECT per list for all of them
 *        rules -> alerts, plan -> versions of all the batch's clients at once,
 *              each after all its events (cs_sync.c: a SELECT per table, the
 *              writes one statement per table, queued in pipeline mode)
 *        next_check of every client: one upsert of client_check (013)
 *      COMMIT                                 only then does the caller ACK
 *
 *  Invariants: an event's inbox row commits with its effect or not at all (a
 *  crash before COMMIT redelivers the whole batch, and the inbox row makes a
 *  redelivery a duplicate after it); the rules and the plan of a client run
 *  once per batch, on its history with every event of the batch in it; an
 *  error in the evaluation rolls the whole batch back (the caller then applies
 *  the events one by one, so one bad client cannot hold up the others).
 *
 *  The sweep (cs_store_sweep) takes at most `max` clients whose next_check has
 *  come (or was never set), oldest first, skipping those whose client row
 *  another transaction holds, in one transaction with a SAVEPOINT
 *  per client; a client whose evaluation fails is logged and looked at again
 *  tomorrow. The main loop calls it between delivery batches, so it never holds
 *  up application for more than one chunk.
 *
 *  Not here: one event or action at a time (cs_store.c), facts (cs_apply.c).
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cs_apply.h"
#include "cs_arr.h"
#include "cs_keys.h"
#include "cs_store_int.h"
#include "silta_db.h"
#include "silta_log.h"
#include "silta_time.h"
#include "silta_uuid.h"

/* self->hists holds at least n histories. */
static int s_hists(cs_store_t *self, size_t n, silta_err_t *err)
{
    if (n <= self->hists_cap)
        return 0;
    cs_history_t *h = realloc(self->hists, n * sizeof *h);
    if (!h)
        return silta_err_set(err, SILTA_ERR, "out of memory");
    self->hists = h;
    self->hists_cap = n;
    return 0;
}

static int s_lost(cs_store_t *self, int rc)
{
    return rc != 0 && PQstatus(self->db) != CONNECTION_OK ? SILTA_EAGAIN : rc;
}

/* One client of a batch: its key and the hetu of its latest event (wiped
 * after the batch). */
typedef struct {
    const char *ck;
    char hetu[SILTA_HETU_LEN + 1];
} s_client_t;

/* Evaluate the nc clients (histories loaded into self->hists) set-based
 * and write their next_check. */
static int s_evaluate_all(cs_store_t *self, s_client_t *cl, size_t nc, cs_day_t today,
                          size_t *changed, silta_err_t *err)
{
    const char **cks = malloc(nc * sizeof *cks);
    cs_day_t *wakes = malloc(nc * sizeof *wakes);
    cs_sync_client_t *sc = malloc(nc * sizeof *sc);
    if (!cks || !wakes || !sc) {
        free(cks);
        free(wakes);
        free(sc);
        return silta_err_set(err, SILTA_ERR, "out of memory");
    }
    for (size_t c = 0; c < nc; c++) {
        cks[c] = cl[c].ck;
        sc[c] = (cs_sync_client_t){cl[c].ck, cl[c].hetu, &self->hists[c]};
    }
    /* The writes are queued, not waited for: a round trip per SELECT instead
     * of per statement (cs_apply.h). */
    int rc = cs_pipeline_begin(self->db, err);
    if (rc == 0)
        rc = cs_sync_clients(self, sc, nc, today, changed, wakes, err);
    if (rc == 0)
        rc = cs_store__next_check(self, cks, wakes, nc, err);
    int prc = cs_pipeline_end(self->db, err);
    if (rc == 0)
        rc = prc;
    free(cks);
    free(wakes);
    free(sc);
    return rc;
}

/* The facts of the decoded items (rc 0), each under its own savepoint: an SQL
 * error rolls back that event alone (its rc says why). Returns 0, or an error
 * code when the connection is gone. */
static int s_facts_slow(cs_store_t *self, cs_batch_item_t *items, const cs_event_t *ev,
                        char (*birth)[11], size_t n, cs_day_t today, silta_err_t *err)
{
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        if (items[i].rc != 0)
            continue;
        items[i].duplicate = 0;
        rc = silta_db_exec(self->db, "SAVEPOINT ev", err);
        int r = rc == 0 ? cs_store__fact(self, items[i].ev, &ev[i], birth[i], today,
                                         &items[i].duplicate, &items[i].err)
                        : 0;
        if (rc == 0 && r != 0 && PQstatus(self->db) != CONNECTION_OK)
            rc = SILTA_EAGAIN;
        if (rc != 0)
            break;
        items[i].rc = r;
        rc = silta_db_exec(self->db, r == 0 ? "RELEASE SAVEPOINT ev" : "ROLLBACK TO SAVEPOINT ev",
                           err);
    }
    return rc;
}

/* The facts of the new events (cs_apply_facts: set-based where it can). */
static int s_facts_apply(cs_store_t *self, const cs_batch_item_t *items, const cs_event_t *ev,
                         char (*days)[11], size_t n, silta_err_t *err)
{
    cs_event_t *es = malloc((n ? n : 1) * sizeof *es);
    const char **ids = malloc((n ? n : 1) * sizeof *ids);
    const char **cks = malloc((n ? n : 1) * sizeof *cks);
    const char **ds = malloc((n ? n : 1) * sizeof *ds);
    int rc = es && ids && cks && ds ? 0 : silta_err_set(err, SILTA_ERR, "out of memory");
    size_t m = 0;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        if (items[i].rc != 0 || items[i].duplicate)
            continue;
        es[m] = ev[i]; /* borrowed: freed with ev */
        ids[m] = items[i].ev->event_id;
        cks[m] = items[i].ev->client_key;
        ds[m++] = days[i];
    }
    if (rc == 0)
        rc = cs_apply_facts(self->db, es, ids, cks, ds, m, self->params->team_queue, err);
    free(es);
    free(ids);
    free(cks);
    free(ds);
    return rc;
}

/* The new events' client rows (one per client, its first event's hetu
 * sealed) and inbox rows as one statement each, then each event's fact:
 * all queued in pipeline mode (the client rows first: the facts refer to
 * them). Returns 0 or an error code. */
static int s_facts_queue(cs_store_t *self, cs_batch_item_t *items, const cs_event_t *ev,
                         char (*birth)[11], size_t n, cs_day_t today, silta_err_t *err)
{
    /* A known client's row is locked, not written (ON CONFLICT DO UPDATE ... WHERE
     * false locks the row it does not update: the batch holds its clients from
     * here to COMMIT as before); cs_store__next_check writes it once, with
     * updated_at, after the rules (it was two row versions a batch). */
    cs_arr_t cl[3] = {CS_ARR_INIT, CS_ARR_INIT, CS_ARR_INIT};
    cs_arr_t ib[5] = {CS_ARR_INIT, CS_ARR_INIT, CS_ARR_INIT, CS_ARR_INIT, CS_ARR_INIT};
    char (*days)[11] = malloc((n ? n : 1) * sizeof *days);
    cs_keys_t seen; /* clients whose row is queued */
    int krc = cs_keys_init(&seen, n);
    int rc = days && krc == 0 ? 0 : silta_err_set(err, SILTA_ERR, "out of memory");
    for (size_t i = 0; rc == 0 && i < n; i++) {
        if (items[i].rc != 0 || items[i].duplicate)
            continue;
        const silta_envelope_t *e = items[i].ev;
        char summary[256], occurred[32];
        cs_store__inbox_values(e, &ev[i], today, days[i], summary, occurred);
        const char *row[5] = {e->event_id, e->type, e->client_key, summary, occurred};
        for (size_t k = 0; k < 5; k++)
            cs_arr_add(&ib[k], row[k]);
        int fresh = 0;
        if (cs_keys_put(&seen, e->client_key, &fresh) < 0)
            rc = silta_err_set(err, SILTA_ERR, "out of memory");
        if (!fresh)
            continue; /* the client's row is queued already */
        char *sealed = cs_seal_hex(self->seal, ev[i].hetu);
        if (!sealed)
            rc = silta_err_set(err, SILTA_ERR, "could not seal a hetu");
        cs_arr_add(&cl[0], e->client_key);
        cs_arr_add(&cl[1], sealed);
        cs_arr_add(&cl[2], birth[i]);
        free(sealed);
    }
    const char *pc[3] = {cs_arr_lit(&cl[0]), cs_arr_lit(&cl[1]), cs_arr_lit(&cl[2])};
    const char *pi[5] = {cs_arr_lit(&ib[0]), cs_arr_lit(&ib[1]), cs_arr_lit(&ib[2]),
                         cs_arr_lit(&ib[3]), cs_arr_lit(&ib[4])};
    if (rc == 0 && !(pc[0] && pc[1] && pc[2] && pi[0] && pi[1] && pi[2] && pi[3] && pi[4]))
        rc = silta_err_set(err, SILTA_ERR, "out of memory");
    if (rc == 0 && cl[0].n > 0)
        rc = cs_exec(self->db,
                     "INSERT INTO casestore.client(client_key, hetu_sealed, birth_date) SELECT "
                     "k, h::bytea, b::date FROM unnest($1::text[], $2::text[], $3::text[]) AS "
                     "u(k, h, b) ON CONFLICT (client_key) DO UPDATE SET updated_at = now() "
                     "WHERE false",
                     3, pc, err);
    if (rc == 0 && ib[0].n > 0)
        rc = cs_exec(self->db,
                     "INSERT INTO casestore.inbox(event_id, type, client_key, summary, "
                     "occurred_at) SELECT e, t, c, s, CASE WHEN o > 0 THEN to_timestamp(o) END "
                     "FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::bigint[]) "
                     "WITH ORDINALITY AS u(e, t, c, s, o, n) ORDER BY n",
                     5, pi, err);
    if (rc == 0)
        rc = s_facts_apply(self, items, ev, days, n, err);
    sodium_memzero(cl[1].buf, cl[1].cap);
    for (size_t k = 0; k < 3; k++)
        cs_arr_free(&cl[k]);
    for (size_t k = 0; k < 5; k++)
        cs_arr_free(&ib[k]);
    cs_keys_free(&seen);
    free(days);
    return rc;
}

/* The facts of the decoded items in three round trips: the duplicates
 * found with one SELECT, then s_facts_queue in pipeline mode, read back at
 * once. Returns 0, or nonzero when anything failed: then the transaction
 * must be rolled back (and s_facts_slow tells which event). */
static int s_facts_fast(cs_store_t *self, cs_batch_item_t *items, const cs_event_t *ev,
                        char (*birth)[11], size_t n, cs_day_t today)
{
    silta_err_t err = {0};
    cs_arr_t ids = CS_ARR_INIT;
    for (size_t i = 0; i < n; i++)
        if (items[i].rc == 0)
            cs_arr_addn(&ids, items[i].ev->event_id,
                        strnlen(items[i].ev->event_id, SILTA_UUID_STRLEN));
    const char *p[1] = {cs_arr_lit(&ids)};
    PGresult *r = p[0] ? cs_q(self->db,
                              "SELECT event_id::text FROM casestore.inbox WHERE event_id = "
                              "ANY($1::uuid[])",
                              1, p, &err)
                       : NULL;
    cs_arr_free(&ids);
    if (!r)
        return SILTA_ERR;
    for (size_t i = 0; i < n; i++) {
        items[i].duplicate = 0;
        for (int j = 0; items[i].rc == 0 && j < PQntuples(r) && !items[i].duplicate; j++)
            items[i].duplicate = strcasecmp(PQgetvalue(r, j, 0), items[i].ev->event_id) == 0;
    }
    PQclear(r);
    int rc = cs_pipeline_begin(self->db, &err);
    if (rc == 0)
        rc = s_facts_queue(self, items, ev, birth, n, today, &err);
    int prc = cs_pipeline_end(self->db, &err);
    return rc ? rc : prc;
}

int cs_store_apply_batch(cs_store_t *self, cs_batch_item_t *items, size_t n, cs_day_t today,
                         silta_err_t *err)
{
    cs_event_t *ev = calloc(n ? n : 1, sizeof *ev);
    s_client_t *cl = calloc(n ? n : 1, sizeof *cl);
    char (*birth)[11] = calloc(n ? n : 1, sizeof *birth);
    if (!ev || !cl || !birth) {
        free(ev);
        free(cl);
        free(birth);
        return silta_err_set(err, SILTA_ERR, "out of memory");
    }
    int rc = 0;
    size_t ngood = 0, nc = 0;
    int64_t t[5] = {silta_mono_us(), 0, 0, 0, 0}; /* phases, for the debug line */
    int64_t decoded = 0;                          /* facts_us includes decode_us */
    self->derive_us = 0;                          /* rules_us includes derive_us */
    for (size_t i = 0; rc == 0 && i < n; i++) {
        items[i].duplicate = 0;
        items[i].err.code = 0;
        items[i].err.msg[0] = '\0';
        items[i].rc = cs_store__decode(self, items[i].ev, &ev[i], birth[i], &items[i].err);
        ngood += items[i].rc == 0;
    }
    decoded = silta_mono_us();
    if (rc == 0 && ngood > 0)
        rc = silta_db_exec(self->db, "BEGIN", err);
    if (rc == 0 && ngood > 0 && s_facts_fast(self, items, ev, birth, n, today) != 0) {
        /* An error among the queued facts: again, each under its savepoint. */
        cs_store__rollback(self);
        rc = silta_db_exec(self->db, "BEGIN", err);
        if (rc == 0)
            rc = s_facts_slow(self, items, ev, birth, n, today, err);
    }
    cs_keys_t clients = CS_KEYS_INIT; /* the batch's clients, numbered as cl */
    if (rc == 0 && cs_keys_init(&clients, n) != 0)
        rc = silta_err_set(err, SILTA_ERR, "out of memory");
    for (size_t i = 0; rc == 0 && i < n; i++) {
        if (items[i].rc != 0 || items[i].duplicate)
            continue;
        long c = cs_keys_put(&clients, items[i].ev->client_key, NULL);
        if (c < 0)
            rc = silta_err_set(err, SILTA_ERR, "out of memory");
        else {
            cl[c].ck = items[i].ev->client_key;
            snprintf(cl[c].hetu, sizeof cl[c].hetu, "%s", ev[i].hetu);
        }
    }
    nc = clients.n;
    cs_keys_free(&clients);
    t[1] = silta_mono_us();
    if (rc == 0 && nc > 0)
        rc = s_hists(self, nc, err);
    if (rc == 0 && nc > 0) {
        const char **cks = malloc(nc * sizeof *cks);
        for (size_t c = 0; cks && c < nc; c++)
            cks[c] = cl[c].ck;
        rc = cks ? cs_apply_load_histories(self->db, cks, nc, self->hists, err)
                 : silta_err_set(err, SILTA_ERR, "out of memory");
        free(cks);
    }
    size_t changed = 0;
    t[2] = silta_mono_us();
    if (rc == 0 && nc > 0)
        rc = s_evaluate_all(self, cl, nc, today, &changed, err);
    t[3] = silta_mono_us();
    if (rc == 0 && ngood > 0)
        rc = silta_db_exec(self->db, "COMMIT", err);
    else if (ngood > 0)
        cs_store__rollback(self);
    t[4] = silta_mono_us();
    silta_debug("batch phases",
                "events=%zu clients=%zu facts_us=%lld histories_us=%lld rules_us=%lld "
                "commit_us=%lld decode_us=%lld derive_us=%lld",
                n, nc, (long long)(t[1] - t[0]), (long long)(t[2] - t[1]),
                (long long)(t[3] - t[2]), (long long)(t[4] - t[3]), (long long)(decoded - t[0]),
                (long long)self->derive_us);
    for (size_t i = 0; i < n; i++)
        cs_event_free(&ev[i]);
    sodium_memzero(cl, n * sizeof *cl);
    free(ev);
    free(cl);
    free(birth);
    return s_lost(self, rc);
}

/* ---------------------------------------------------------------- sweep */

int cs_store_sweep(cs_store_t *self, cs_day_t today, size_t max, size_t *nclients,
                   size_t *nchanged, silta_err_t *err)
{
    *nclients = 0;
    *nchanged = 0;
    char t[11], lim[24];
    snprintf(lim, sizeof lim, "%zu", max ? max : (size_t)1000);
    const char *p[2] = {cs_day_format(today, t), lim};
    int rc = silta_db_exec(self->db, "BEGIN", err);
    PGresult *due = rc == 0 ? cs_q(self->db,
                                   "SELECT k.client_key FROM casestore.client_check k JOIN "
                                   "casestore.client c ON c.client_key = k.client_key WHERE "
                                   "k.next_check IS NULL OR k.next_check <= $1::date ORDER BY "
                                   "k.next_check NULLS FIRST LIMIT $2::int FOR UPDATE SKIP "
                                   "LOCKED",
                                   2, p, err)
                            : NULL;
    if (rc == 0 && !due)
        rc = cs_store__code(err);
    size_t n = due ? (size_t)PQntuples(due) : 0;
    const char **cks = malloc((n ? n : 1) * sizeof *cks);
    cs_day_t *wakes = malloc((n ? n : 1) * sizeof *wakes);
    if (!cks || !wakes) {
        n = 0;
        if (rc == 0)
            rc = silta_err_set(err, SILTA_ERR, "out of memory");
    }
    for (size_t i = 0; rc == 0 && i < n; i++)
        cks[i] = PQgetvalue(due, (int)i, 0);
    if (rc == 0 && n > 0)
        rc = s_hists(self, n, err);
    if (rc == 0 && n > 0)
        rc = cs_apply_load_histories(self->db, cks, n, self->hists, err);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        char hetu[SILTA_HETU_LEN + 1];
        cs_day_t *wake = &wakes[i];
        silta_err_t cerr = {0};
        *wake = today + 1;
        rc = silta_db_exec(self->db, "SAVEPOINT cl", err);
        int r = rc == 0 ? cs_store_hetu(self, cks[i], hetu, &cerr) : 0;
        if (rc == 0 && r == 0) {
            memcpy(&self->hist, &self->hists[i], sizeof self->hist);
            r = cs_store__evaluate_loaded(self, cks[i], hetu, today, nchanged, wake, &cerr);
        }
        sodium_memzero(hetu, sizeof hetu);
        if (rc == 0 && r != 0 && PQstatus(self->db) != CONNECTION_OK)
            rc = SILTA_EAGAIN;
        if (rc != 0)
            break;
        if (r != 0) {
            silta_warn("client not evaluated", "client_key=%s reason=\"%s\"", cks[i], cerr.msg);
            rc = silta_db_exec(self->db, "ROLLBACK TO SAVEPOINT cl", err);
            *wake = today + 1; /* looked at again tomorrow, not every chunk */
        } else {
            rc = silta_db_exec(self->db, "RELEASE SAVEPOINT cl", err);
        }
        (*nclients)++;
    }
    if (rc == 0)
        rc = cs_store__next_check(self, cks, wakes, n, err);
    if (rc == 0)
        rc = silta_db_exec(self->db, "COMMIT", err);
    else
        cs_store__rollback(self);
    free(cks);
    free(wakes);
    PQclear(due);
    if (rc != 0)
        *nclients = 0;
    return s_lost(self, rc);
}

/* ---------------------------------------------------------------- confirms */

int cs_store_confirmed_many(cs_store_t *self, const char *const *event_ids, size_t n,
                            silta_err_t *err)
{
    if (n == 0)
        return 0;
    cs_arr_t ids = CS_ARR_INIT;
    for (size_t i = 0; i < n; i++)
        cs_arr_addn(&ids, event_ids[i], strnlen(event_ids[i], SILTA_UUID_STRLEN));
    const char *p[1] = {cs_arr_lit(&ids)};
    int rc = !p[0] ? silta_err_set(err, SILTA_ERR, "out of memory")
                   : cs_exec(self->db,
                             "DELETE FROM casestore.outbox_pending p USING casestore.outbox "
                             "o WHERE p.id = o.id AND o.event_id = ANY($1::uuid[])",
                             1, p, err);
    cs_arr_free(&ids);
    return rc;
}
