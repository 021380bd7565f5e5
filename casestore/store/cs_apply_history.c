/*  cs_apply_history.c - read a client's history back for the rules
 *  (cs_apply_load_history, cs_apply.h) inside the store's transaction.
 *
 *  Table-driven like the facts (cs_apply.c): s_reads has one row per list of
 *  the history (cs_history.h) with its SELECT ($1 = client_key, at most
 *  CS_HIST_MAX rows, newest first) and the function that copies one result
 *  row into the history. A new list is a new row. SQL NULL reads as "" /
 *  CS_NODAY.
 *
 *  Not here: writing facts (cs_apply.c), interpreting them (rules/).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cs_apply.h"

static cs_day_t s_day(const PGresult *r, int row, int col)
{
    cs_day_t d = CS_NODAY;
    if (!PQgetisnull(r, row, col))
        cs_day_parse(PQgetvalue(r, row, col), &d);
    return d;
}

static void s_str(char *dst, size_t len, const PGresult *r, int row, int col)
{
    snprintf(dst, len, "%s", PQgetisnull(r, row, col) ? "" : PQgetvalue(r, row, col));
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

static const s_read_t s_reads[] = {
    {"SELECT birth_date, responsible_worker FROM casestore.client WHERE client_key = $1", s_client,
     1},
    {"SELECT benefit, kela_reference, status, period_start, period_end, complete_date, "
     "as_of, urgent, sickness_days_used, reason_code, event_id FROM casestore.benefit "
     "WHERE client_key = $1 ORDER BY as_of DESC, benefit, kela_reference LIMIT 24",
     s_benefit, 0},
    {"SELECT event_id, kind, kela_reference, notice_date, reduction_percent, "
     "handled_date, reduction_reason, (SELECT min(a.started) FROM casestore.assessment a "
     "WHERE a.client_key = n.client_key AND a.notice_event_id = n.event_id) "
     "FROM casestore.notice n WHERE client_key = $1 "
     "ORDER BY notice_date DESC, event_id LIMIT 24",
     s_notice, 0},
    {"SELECT statement_id, outcome, waiting_days, waiting_from, statement_date, event_id "
     "FROM casestore.statement WHERE client_key = $1 "
     "ORDER BY statement_date DESC, statement_id LIMIT 24",
     s_statement, 0},
    /* the latest version of each employment plan item */
    {"SELECT item_id, plan_id, title, status, start_date, due_date, event_id FROM "
     "(SELECT DISTINCT ON (item_id) * FROM casestore.emp_plan_item WHERE client_key = $1 "
     " ORDER BY item_id, version DESC) t ORDER BY due_date DESC NULLS LAST, item_id "
     "LIMIT 24",
     s_empitem, 0},
    {"SELECT status, status_date, unemployed_since FROM casestore.registration "
     "WHERE client_key = $1",
     s_registration, 1},
    {"SELECT referral_id, priority, authored, acknowledged, started, event_id FROM "
     "casestore.referral WHERE client_key = $1 ORDER BY authored DESC, referral_id "
     "LIMIT 24",
     s_referral, 0},
    {"SELECT period_start, period_end, event_id FROM casestore.incapacity WHERE "
     "client_key = $1 ORDER BY period_start DESC LIMIT 24",
     s_incapacity, 0},
    {"SELECT kela_reference, statement_date FROM casestore.social_statement WHERE "
     "client_key = $1 ORDER BY statement_date DESC LIMIT 24",
     s_socstatement, 0},
    /* hand-made items, open ones first (a history keeps 24) */
    {"SELECT item_id, owner_agency, responsible, title, status, due_date FROM "
     "casestore.plan_manual WHERE client_key = $1 ORDER BY status = 'open' DESC, "
     "due_date, item_id LIMIT 24",
     s_manitem, 0},
};

int cs_apply_load_history(PGconn *db, const char *ck, cs_history_t *h, silta_err_t *err)
{
    cs_history_reset(h);
    snprintf(h->client_key, sizeof h->client_key, "%s", ck);
    const char *p[1] = {ck};
    for (size_t k = 0; k < sizeof s_reads / sizeof s_reads[0]; k++) {
        PGresult *r = cs_q(db, s_reads[k].sql, 1, p, err);
        if (!r)
            return err->code ? err->code : SILTA_ERR;
        int n = PQntuples(r);
        if (n > CS_HIST_MAX)
            n = CS_HIST_MAX;
        if (s_reads[k].single && n > 1)
            n = 1;
        for (int i = 0; i < n; i++)
            s_reads[k].row(h, r, i);
        PQclear(r);
    }
    return 0;
}
