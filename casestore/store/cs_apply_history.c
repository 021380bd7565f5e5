/*  cs_apply_history.c - read a client's history back for the rules
 *  (cs_apply_load_history, cs_apply.h) inside the store's transaction.
 *
 *  Table-driven like the facts (cs_apply.c): s_reads has one row per list of
 *  the history (cs_history.h) with its SELECT ($1 = a text[] of client_keys,
 *  at most CS_HIST_MAX rows per client, newest first, client_key the last
 *  column) and the function that copies one result row into the history. A
 *  new list is a new row. SQL NULL reads as "" / CS_NODAY. Many clients are
 *  read in one statement per list (a batch of events, a sweep chunk): ten
 *  round trips for the lot, not ten per client.
 *
 *  Not here: writing facts (cs_apply.c), interpreting them (rules/).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cs_apply.h"
#include "cs_arr.h"
#include "cs_keys.h"

static cs_day_t s_day(const PGresult *r, int row, int col)
{
    cs_day_t d = CS_NODAY;
    if (!PQgetisnull(r, row, col))
        cs_day_parse(PQgetvalue(r, row, col), &d);
    return d;
}

/* The value, cut to fit as snprintf would (without its cost: every string
 * of every history goes through here). */
static void s_str(char *dst, size_t len, const PGresult *r, int row, int col)
{
    size_t n = PQgetisnull(r, row, col) ? 0 : (size_t)PQgetlength(r, row, col);
    if (n >= len)
        n = len - 1;
    memcpy(dst, PQgetvalue(r, row, col), n);
    dst[n] = '\0';
}
#define S_STR(dst, r, row, col) s_str(dst, sizeof dst, r, row, col)

/* Copy result row i into h. */
typedef void (*s_row_fn)(cs_history_t *h, const PGresult *r, int i);

typedef struct {
    const char *sql;
    s_row_fn row;
    int single; /* one row per client (the client, its registration): row 0 only */
} s_read_t;

static void s_client(cs_history_t *h, const PGresult *r, int i)
{
    h->birth = s_day(r, i, 0);
    S_STR(h->worker, r, i, 1);
}

static void s_benefit(cs_history_t *h, const PGresult *r, int i)
{
    cs_benefit_t *b = &h->benefits[h->nbenefits++];
    S_STR(b->benefit, r, i, 0);
    S_STR(b->ref, r, i, 1);
    S_STR(b->status, r, i, 2);
    b->start = s_day(r, i, 3);
    b->end = s_day(r, i, 4);
    b->complete = s_day(r, i, 5);
    b->as_of = s_day(r, i, 6);
    b->urgent = strcmp(PQgetvalue(r, i, 7), "t") == 0;
    b->sickness_days_used = atoi(PQgetvalue(r, i, 8));
    S_STR(b->reason_code, r, i, 9);
    S_STR(b->cause, r, i, 10);
}

static void s_notice(cs_history_t *h, const PGresult *r, int i)
{
    cs_notice_t *x = &h->notices[h->nnotices++];
    S_STR(x->id, r, i, 0);
    S_STR(x->kind, r, i, 1);
    S_STR(x->ref, r, i, 2);
    x->date = s_day(r, i, 3);
    x->reduction_percent = atoi(PQgetvalue(r, i, 4));
    x->handled = s_day(r, i, 5);
    S_STR(x->reduction_reason, r, i, 6);
    x->assessed = s_day(r, i, 7);
}

static void s_statement(cs_history_t *h, const PGresult *r, int i)
{
    cs_statement_t *s = &h->statements[h->nstatements++];
    S_STR(s->id, r, i, 0);
    S_STR(s->outcome, r, i, 1);
    s->waiting_days = atoi(PQgetvalue(r, i, 2));
    s->waiting_from = s_day(r, i, 3);
    s->date = s_day(r, i, 4);
    S_STR(s->cause, r, i, 5);
}

static void s_empitem(cs_history_t *h, const PGresult *r, int i)
{
    cs_empitem_t *e = &h->empitems[h->nempitems++];
    S_STR(e->item_id, r, i, 0);
    S_STR(e->plan_id, r, i, 1);
    S_STR(e->title, r, i, 2);
    S_STR(e->status, r, i, 3);
    e->start = s_day(r, i, 4);
    e->due = s_day(r, i, 5);
    S_STR(e->cause, r, i, 6);
}

static void s_registration(cs_history_t *h, const PGresult *r, int i)
{
    S_STR(h->reg_status, r, i, 0);
    h->reg_date = s_day(r, i, 1);
    h->unemployed_since = s_day(r, i, 2);
}

static void s_referral(cs_history_t *h, const PGresult *r, int i)
{
    cs_referral_t *x = &h->referrals[h->nreferrals++];
    S_STR(x->id, r, i, 0);
    S_STR(x->priority, r, i, 1);
    x->authored = s_day(r, i, 2);
    x->acknowledged = s_day(r, i, 3);
    x->started = s_day(r, i, 4);
    S_STR(x->cause, r, i, 5);
}

static void s_incapacity(cs_history_t *h, const PGresult *r, int i)
{
    cs_incapacity_t *x = &h->incapacity[h->nincapacity++];
    x->start = s_day(r, i, 0);
    x->end = s_day(r, i, 1);
    S_STR(x->cause, r, i, 2);
}

static void s_socstatement(cs_history_t *h, const PGresult *r, int i)
{
    cs_socstatement_t *x = &h->socstatements[h->nsocstatements++];
    S_STR(x->ref, r, i, 0);
    x->date = s_day(r, i, 1);
}

static void s_manitem(cs_history_t *h, const PGresult *r, int i)
{
    cs_manitem_t *x = &h->manitems[h->nmanitems++];
    S_STR(x->item_id, r, i, 0);
    S_STR(x->owner, r, i, 1);
    S_STR(x->responsible, r, i, 2);
    S_STR(x->title, r, i, 3);
    S_STR(x->status, r, i, 4);
    x->due = s_day(r, i, 5);
}

static void s_cplan(cs_history_t *h, const PGresult *r, int i)
{
    S_STR(h->cplan.plan_id, r, i, 0);
    h->cplan.review = s_day(r, i, 1);
    h->cplan.reviewed = s_day(r, i, 2);
    S_STR(h->cplan.cause, r, i, 3);
}

/* Every SELECT reads the clients of $1 (a text[] of client_keys) and ends
 * with client_key as its last column; the lists keep CS_HIST_MAX rows per
 * client, newest first (row_number over the list's order), grouped by client. */
#define S_TOP(cols, from, order)                                                                   \
    "SELECT " cols ", client_key FROM (SELECT *, row_number() OVER (PARTITION BY client_key "     \
    "ORDER BY " order ") AS rn FROM " from " WHERE client_key = ANY($1::text[])) t WHERE rn <= "  \
    "24 ORDER BY client_key, rn"

static const s_read_t s_reads[] = {
    {"SELECT birth_date, responsible_worker, client_key FROM casestore.client WHERE client_key "
     "= ANY($1::text[])",
     s_client, 1},
    {S_TOP("benefit, kela_reference, status, period_start, period_end, complete_date, as_of, "
           "urgent, sickness_days_used, reason_code, event_id",
           "casestore.benefit", "as_of DESC, benefit, kela_reference"),
     s_benefit, 0},
    /* with the day an assessment started for the notice (rule 10) */
    {S_TOP("event_id, kind, kela_reference, notice_date, reduction_percent, handled_date, "
           "reduction_reason, assessed",
           "(SELECT n.*, (SELECT min(a.started) FROM casestore.assessment a WHERE a.client_key "
           "= n.client_key AND a.notice_event_id = n.event_id) AS assessed FROM casestore.notice "
           "n WHERE n.client_key = ANY($1::text[])) v",
           "notice_date DESC, event_id"),
     s_notice, 0},
    {S_TOP("statement_id, outcome, waiting_days, waiting_from, statement_date, event_id",
           "casestore.statement", "statement_date DESC, statement_id"),
     s_statement, 0},
    /* the latest version of each employment plan item */
    {S_TOP("item_id, plan_id, title, status, start_date, due_date, event_id",
           "(SELECT DISTINCT ON (client_key, item_id) * FROM casestore.emp_plan_item WHERE "
           "client_key = ANY($1::text[]) ORDER BY client_key, item_id, version DESC) v",
           "due_date DESC NULLS LAST, item_id"),
     s_empitem, 0},
    {"SELECT status, status_date, unemployed_since, client_key FROM casestore.registration "
     "WHERE client_key = ANY($1::text[])",
     s_registration, 1},
    {S_TOP("referral_id, priority, authored, acknowledged, started, event_id",
           "casestore.referral", "authored DESC, referral_id"),
     s_referral, 0},
    {S_TOP("period_start, period_end, event_id", "casestore.incapacity", "period_start DESC"),
     s_incapacity, 0},
    {S_TOP("kela_reference, statement_date", "casestore.social_statement",
           "statement_date DESC"),
     s_socstatement, 0},
    /* hand-made items, open ones first (a history keeps 24) */
    {S_TOP("item_id, owner_agency, responsible, title, status, due_date",
           "casestore.plan_manual", "status = 'open' DESC, due_date, item_id"),
     s_manitem, 0},
    /* the client plan: its next review (rule 12) */
    {"SELECT plan_id, review_date, reviewed, event_id, client_key FROM casestore.client_plan "
     "WHERE client_key = ANY($1::text[])",
     s_cplan, 1},
};

int cs_apply_load_histories(PGconn *db, const char *const *cks, size_t n, cs_history_t *hs,
                            silta_err_t *err)
{
    for (size_t c = 0; c < n; c++) {
        cs_history_reset(&hs[c]);
        snprintf(hs[c].client_key, sizeof hs[c].client_key, "%s", cks[c]);
    }
    if (n == 0)
        return 0;
    cs_arr_t keys = CS_ARR_INIT;
    for (size_t c = 0; c < n; c++)
        cs_arr_add(&keys, cks[c]);
    const char *p[1] = {cs_arr_lit(&keys)};
    if (!p[0]) {
        cs_arr_free(&keys);
        return silta_err_set(err, SILTA_ERR, "out of memory");
    }
    enum { NREADS = sizeof s_reads / sizeof s_reads[0] };
    const char *sqls[NREADS];
    PGresult *res[NREADS];
    for (size_t k = 0; k < NREADS; k++)
        sqls[k] = s_reads[k].sql;
    cs_keys_t idx; /* client_key -> its history */
    int rc = cs_keys_init(&idx, n) == 0 ? 0 : silta_err_set(err, SILTA_ERR, "out of memory");
    for (size_t c = 0; rc == 0 && c < n; c++)
        cs_keys_put(&idx, hs[c].client_key, NULL);
    if (rc == 0)
        rc = cs_q_all(db, sqls, NREADS, 1, p, res, err);
    for (size_t k = 0; rc == 0 && k < NREADS; k++) {
        PGresult *r = res[k];
        int last = PQnfields(r) - 1, taken = 0;
        cs_history_t *h = NULL;
        for (int i = 0; i < PQntuples(r); i++) {
            const char *ck = PQgetvalue(r, i, last);
            if (!h || strcmp(h->client_key, ck) != 0) {
                /* rows come grouped by client: look it up when it changes */
                long c = cs_keys_find(&idx, ck);
                h = c >= 0 ? &hs[c] : NULL;
                taken = 0;
                if (!h)
                    continue;
            }
            if (taken >= (s_reads[k].single ? 1 : CS_HIST_MAX))
                continue;
            s_reads[k].row(h, r, i);
            taken++;
        }
        PQclear(r);
    }
    cs_keys_free(&idx);
    cs_arr_free(&keys);
    return rc;
}

int cs_apply_load_history(PGconn *db, const char *ck, cs_history_t *h, silta_err_t *err)
{
    const char *cks[1] = {ck};
    return cs_apply_load_histories(db, cks, 1, h, err);
}
