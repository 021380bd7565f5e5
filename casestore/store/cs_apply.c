/*  cs_apply.c - one event's effect on the casestore tables, and the history
 *  the rules read back. See cs_apply.h; the schema is migrations/001_casestore.sql.
 *
 *  Facts are kept as the latest state per natural key (a benefit by benefit +
 *  Kela reference, a referral by its id) except employment plan items, which
 *  get a new version row per event. Empty payload strings become SQL NULL.
 *  Shapes (required fields, dates, enumerations) are the contract's, checked
 *  in cs_event_decode: nothing here validates a payload.
 */
#include "cs_apply.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "silta_db.h"

#define NUL(s) ((s) && *(s) ? (s) : NULL)

PGresult *cs_q(PGconn *db, const char *sql, int n, const char *const *params, silta_err_t *err)
{
    PGresult *res = silta_db_query(db, sql, n, params, err);
    if (!res && PQstatus(db) != CONNECTION_OK && err)
        err->code = SILTA_EAGAIN;
    return res;
}

int cs_exec(PGconn *db, const char *sql, int n, const char *const *params, silta_err_t *err)
{
    PGresult *res = cs_q(db, sql, n, params, err);
    if (!res)
        return err && err->code ? err->code : SILTA_ERR;
    PQclear(res);
    return 0;
}

static int s_worker(PGconn *db, const char *worker, const char *client_key, const char *team,
                    silta_err_t *err)
{
    if (!NUL(worker))
        return 0;
    const char *p[3] = {worker, client_key, team};
    return cs_exec(db,
                  "WITH w AS (INSERT INTO casestore.caseworker(worker_id) VALUES ($1) "
                  "           ON CONFLICT DO NOTHING), "
                  "     c AS (UPDATE casestore.client SET responsible_worker = $1, "
                  "           updated_at = now() WHERE client_key = $2 "
                  "           AND responsible_worker IS NULL RETURNING 1) "
                  "UPDATE casestore.notice SET assigned_to = $1 WHERE client_key = $2 "
                  "  AND handled_date IS NULL AND assigned_to = $3 AND EXISTS (SELECT 1 FROM c)",
                  3, p, err);
}

void cs_apply_summary(const cs_event_t *e, char *out, size_t len)
{
    switch (e->kind) {
    case CS_EV_NOTICE: {
        const Silta__KelaNotice *m = (const Silta__KelaNotice *)e->msg;
        snprintf(out, len, "kela notice %s %s", m->kind, m->date);
        break;
    }
    case CS_EV_APPLICATION:
    case CS_EV_DECISION: {
        const Silta__KelaBenefit *m = (const Silta__KelaBenefit *)e->msg;
        snprintf(out, len, "kela %s %s %s %s..%s%s", e->kind == CS_EV_DECISION ? "decision" :
                 "application", m->benefit, m->status, m->period_start, m->period_end,
                 m->urgent ? " urgent" : "");
        break;
    }
    case CS_EV_STATEMENT: {
        const Silta__EmploymentStatement *m = (const Silta__EmploymentStatement *)e->msg;
        snprintf(out, len, "labour-policy statement %s %s", m->outcome, m->date);
        break;
    }
    case CS_EV_EMP_PLAN: {
        const Silta__EmploymentPlanItem *m = (const Silta__EmploymentPlanItem *)e->msg;
        snprintf(out, len, "employment plan item %s %s due %s", m->item_id, m->status, m->due_date);
        break;
    }
    case CS_EV_REGISTRATION: {
        const Silta__EmploymentRegistration *m = (const Silta__EmploymentRegistration *)e->msg;
        snprintf(out, len, "jobseeker %s %s", m->status, m->date);
        break;
    }
    case CS_EV_REFERRAL: {
        const Silta__HealthReferral *m = (const Silta__HealthReferral *)e->msg;
        snprintf(out, len, "health referral %s %s", m->priority, m->authored);
        break;
    }
    case CS_EV_INCAPACITY: {
        const Silta__HealthIncapacity *m = (const Silta__HealthIncapacity *)e->msg;
        snprintf(out, len, "work incapacity %s..%s", m->period_start, m->period_end);
        break;
    }
    case CS_EV_CONSENT: {
        const Silta__Consent *m = (const Silta__Consent *)e->msg;
        snprintf(out, len, "consent %s", m->status);
        break;
    }
    case CS_EV_NOTICE_HANDLED:
        snprintf(out, len, "kela notice handled");
        break;
    case CS_EV_REFERRAL_STATUS: {
        const Silta__ReferralStatus *m = (const Silta__ReferralStatus *)e->msg;
        snprintf(out, len, "referral status %s", m->status);
        break;
    }
    case CS_EV_SOCIAL_STATEMENT:
        snprintf(out, len, "social-work statement to kela");
        break;
    default:
        snprintf(out, len, "event");
    }
}

int cs_apply_fact(PGconn *db, const cs_event_t *e, const char *event_id, const char *ck,
                  const char *day, const char *team, silta_err_t *err)
{
    char num[2][16];
    switch (e->kind) {
    case CS_EV_NOTICE: {
        const Silta__KelaNotice *m = (const Silta__KelaNotice *)e->msg;
        snprintf(num[0], sizeof num[0], "%u", m->reduction_percent);
        const char *p[7] = {event_id, ck, m->kind, NUL(m->kela_reference),
                            NUL(m->date) ? m->date : day, num[0], team};
        return cs_exec(db,
                      "INSERT INTO casestore.notice(event_id, client_key, kind, kela_reference, "
                      "notice_date, reduction_percent, assigned_to) VALUES ($1, $2, $3, $4, $5, "
                      "$6, coalesce((SELECT responsible_worker FROM casestore.client WHERE "
                      "client_key = $2), $7)) ON CONFLICT DO NOTHING",
                      7, p, err);
    }
    case CS_EV_APPLICATION:
    case CS_EV_DECISION: {
        const Silta__KelaBenefit *m = (const Silta__KelaBenefit *)e->msg;
        snprintf(num[0], sizeof num[0], "%u", m->sickness_days_used);
        const char *p[12] = {ck, m->benefit, m->kela_reference ? m->kela_reference : "",
                             m->status, NUL(m->period_start), NUL(m->period_end),
                             NUL(m->complete_date), m->urgent ? "t" : "f", NUL(m->reason_code),
                             num[0], day, event_id};
        return cs_exec(
            db,
            "INSERT INTO casestore.benefit AS b (client_key, benefit, kela_reference, status, "
            "period_start, period_end, complete_date, urgent, reason_code, sickness_days_used, "
            "as_of, event_id) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12) "
            "ON CONFLICT (client_key, benefit, kela_reference) DO UPDATE SET "
            "status = EXCLUDED.status, period_start = coalesce(EXCLUDED.period_start, "
            "b.period_start), period_end = coalesce(EXCLUDED.period_end, b.period_end), "
            "complete_date = coalesce(EXCLUDED.complete_date, b.complete_date), "
            "urgent = EXCLUDED.urgent OR b.urgent, reason_code = coalesce(EXCLUDED.reason_code, "
            "b.reason_code), sickness_days_used = greatest(EXCLUDED.sickness_days_used, "
            "b.sickness_days_used), as_of = EXCLUDED.as_of, event_id = EXCLUDED.event_id",
            12, p, err);
    }
    case CS_EV_STATEMENT: {
        const Silta__EmploymentStatement *m = (const Silta__EmploymentStatement *)e->msg;
        snprintf(num[0], sizeof num[0], "%u", m->waiting_days);
        const char *p[7] = {ck, m->statement_id, m->outcome, num[0], NUL(m->waiting_from),
                            NUL(m->date) ? m->date : day, event_id};
        return cs_exec(db,
                      "INSERT INTO casestore.statement(client_key, statement_id, outcome, "
                      "waiting_days, waiting_from, statement_date, event_id) VALUES "
                      "($1,$2,$3,$4,$5,$6,$7) ON CONFLICT (client_key, statement_id) DO UPDATE "
                      "SET outcome = EXCLUDED.outcome, waiting_days = EXCLUDED.waiting_days, "
                      "waiting_from = EXCLUDED.waiting_from, statement_date = "
                      "EXCLUDED.statement_date, event_id = EXCLUDED.event_id",
                      7, p, err);
    }
    case CS_EV_EMP_PLAN: {
        const Silta__EmploymentPlanItem *m = (const Silta__EmploymentPlanItem *)e->msg;
        const char *p[9] = {ck, m->item_id, m->plan_id ? m->plan_id : "", m->title ? m->title : "",
                            NUL(m->start_date), NUL(m->due_date),
                            NUL(m->status) ? m->status : "open", NUL(m->responsible), event_id};
        return cs_exec(db,
                      "INSERT INTO casestore.emp_plan_item(client_key, item_id, version, plan_id, "
                      "title, start_date, due_date, status, responsible, event_id) SELECT $1, $2, "
                      "coalesce(max(version), 0) + 1, $3, $4, $5, $6, $7, $8, $9 FROM "
                      "casestore.emp_plan_item WHERE client_key = $1 AND item_id = $2",
                      9, p, err);
    }
    case CS_EV_REGISTRATION: {
        const Silta__EmploymentRegistration *m = (const Silta__EmploymentRegistration *)e->msg;
        const char *p[5] = {ck, m->status, NUL(m->date) ? m->date : day, NUL(m->unemployed_since),
                            event_id};
        return cs_exec(db,
                      "INSERT INTO casestore.registration VALUES ($1,$2,$3,$4,$5) ON CONFLICT "
                      "(client_key) DO UPDATE SET status = EXCLUDED.status, status_date = "
                      "EXCLUDED.status_date, unemployed_since = EXCLUDED.unemployed_since, "
                      "event_id = EXCLUDED.event_id",
                      5, p, err);
    }
    case CS_EV_REFERRAL: {
        const Silta__HealthReferral *m = (const Silta__HealthReferral *)e->msg;
        const char *p[7] = {ck, m->referral_id, NUL(m->priority) ? m->priority : "routine",
                            NUL(m->requester_org), NUL(m->authored) ? m->authored : day,
                            m->consent ? "t" : "f", event_id};
        return cs_exec(db,
                      "INSERT INTO casestore.referral(client_key, referral_id, priority, "
                      "requester_org, authored, consent, event_id) VALUES ($1,$2,$3,$4,$5,$6,$7) "
                      "ON CONFLICT (client_key, referral_id) DO UPDATE SET priority = "
                      "EXCLUDED.priority, authored = EXCLUDED.authored, consent = "
                      "EXCLUDED.consent",
                      7, p, err);
    }
    case CS_EV_INCAPACITY: {
        const Silta__HealthIncapacity *m = (const Silta__HealthIncapacity *)e->msg;
        const char *p[5] = {ck, m->period_start, m->period_end, NUL(m->diagnosis_group), event_id};
        return cs_exec(db,
                      "INSERT INTO casestore.incapacity VALUES ($1,$2,$3,$4,$5) ON CONFLICT "
                      "(client_key, period_start) DO UPDATE SET period_end = EXCLUDED.period_end, "
                      "diagnosis_group = EXCLUDED.diagnosis_group, event_id = EXCLUDED.event_id",
                      5, p, err);
    }
    case CS_EV_CONSENT: {
        const Silta__Consent *m = (const Silta__Consent *)e->msg;
        /* recipients as a text[] literal: each element quoted and escaped. */
        size_t cap = 3;
        for (size_t i = 0; i < m->n_recipients; i++)
            cap += strlen(m->recipients[i]) * 2 + 3;
        char *arr = malloc(cap), *w = arr;
        if (!arr)
            return silta_err_set(err, SILTA_ERR, "out of memory");
        *w++ = '{';
        for (size_t i = 0; i < m->n_recipients; i++) {
            if (i)
                *w++ = ',';
            *w++ = '"';
            for (const char *s = m->recipients[i]; *s; s++) {
                if (*s == '"' || *s == '\\')
                    *w++ = '\\';
                *w++ = *s;
            }
            *w++ = '"';
        }
        *w++ = '}';
        *w = '\0';
        const char *p[7] = {ck, m->consent_id, m->status, NUL(m->purpose), arr,
                            NUL(m->expires), event_id};
        int rc = cs_exec(db,
                        "INSERT INTO casestore.consent VALUES ($1,$2,$3,$4,$5,$6,$7) ON CONFLICT "
                        "(client_key, consent_id) DO UPDATE SET status = EXCLUDED.status, purpose "
                        "= EXCLUDED.purpose, recipients = EXCLUDED.recipients, expires = "
                        "EXCLUDED.expires, event_id = EXCLUDED.event_id",
                        7, p, err);
        free(arr);
        return rc;
    }
    case CS_EV_NOTICE_HANDLED: {
        const Silta__NoticeHandled *m = (const Silta__NoticeHandled *)e->msg;
        if (s_worker(db, m->worker, ck, team, err) != 0)
            return err->code ? err->code : SILTA_ERR;
        const char *p[5] = {m->notice_event_id, ck, day, NUL(m->worker), event_id};
        return cs_exec(db,
                      "UPDATE casestore.notice SET handled_date = $3, handled_by = $4, "
                      "handled_event = $5 WHERE event_id = $1 AND client_key = $2 "
                      "AND handled_date IS NULL",
                      5, p, err);
    }
    case CS_EV_REFERRAL_STATUS: {
        const Silta__ReferralStatus *m = (const Silta__ReferralStatus *)e->msg;
        if (s_worker(db, m->worker, ck, team, err) != 0)
            return err->code ? err->code : SILTA_ERR;
        const char *p[4] = {ck, m->referral_id, m->status, day};
        return cs_exec(db,
                      "UPDATE casestore.referral SET status = $3, acknowledged = "
                      "coalesce(acknowledged, $4::date), started = CASE WHEN $3 IN ('accepted', "
                      "'in-progress', 'completed') THEN coalesce(started, $4::date) ELSE started "
                      "END WHERE client_key = $1 AND referral_id = $2",
                      4, p, err);
    }
    case CS_EV_SOCIAL_STATEMENT: {
        const Silta__SocialStatement *m = (const Silta__SocialStatement *)e->msg;
        if (s_worker(db, m->worker, ck, team, err) != 0)
            return err->code ? err->code : SILTA_ERR;
        const char *p[5] = {ck, m->kela_reference, NUL(m->date) ? m->date : day, NUL(m->worker),
                            event_id};
        return cs_exec(db,
                      "INSERT INTO casestore.social_statement VALUES ($1,$2,$3,$4,$5) ON CONFLICT "
                      "(client_key, kela_reference) DO UPDATE SET statement_date = "
                      "EXCLUDED.statement_date, worker = EXCLUDED.worker, event_id = "
                      "EXCLUDED.event_id",
                      5, p, err);
    }
    default:
        return silta_err_set(err, SILTA_EINVAL, "event kind not applied");
    }
}

/* ---------------------------------------------------------------- history */

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

static PGresult *s_rows(PGconn *db, const char *sql, const char *ck, int *n, silta_err_t *err)
{
    const char *p[1] = {ck};
    PGresult *r = cs_q(db, sql, 1, p, err);
    if (r) {
        *n = PQntuples(r);
        if (*n > CS_HIST_MAX)
            *n = CS_HIST_MAX;
    }
    return r;
}

int cs_apply_load_history(PGconn *db, const char *ck, cs_history_t *h, silta_err_t *err)
{
    cs_history_reset(h);
    snprintf(h->client_key, sizeof h->client_key, "%s", ck);
    int n = 0;
    PGresult *r = s_rows(db,
                         "SELECT birth_date, responsible_worker FROM casestore.client WHERE "
                         "client_key = $1",
                         ck, &n, err);
    if (!r)
        return err->code ? err->code : SILTA_ERR;
    if (n > 0) {
        h->birth = s_day(r, 0, 0);
        S_STR(h->worker, r, 0, 1);
    }
    PQclear(r);

    r = s_rows(db,
               "SELECT benefit, kela_reference, status, period_start, period_end, complete_date, "
               "as_of, urgent, sickness_days_used, reason_code, event_id FROM casestore.benefit "
               "WHERE client_key = $1 ORDER BY as_of DESC, benefit, kela_reference LIMIT 24",
               ck, &n, err);
    if (!r)
        return err->code ? err->code : SILTA_ERR;
    for (int i = 0; i < n; i++) {
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
    PQclear(r);

    r = s_rows(db,
               "SELECT event_id, kind, kela_reference, notice_date, reduction_percent, "
               "handled_date FROM casestore.notice WHERE client_key = $1 "
               "ORDER BY notice_date DESC, event_id LIMIT 24",
               ck, &n, err);
    if (!r)
        return err->code ? err->code : SILTA_ERR;
    for (int i = 0; i < n; i++) {
        cs_notice_t *x = &h->notices[h->nnotices++];
        S_STR(x->id, r, i, 0);
        S_STR(x->kind, r, i, 1);
        S_STR(x->ref, r, i, 2);
        x->date = s_day(r, i, 3);
        x->reduction_percent = atoi(PQgetvalue(r, i, 4));
        x->handled = s_day(r, i, 5);
    }
    PQclear(r);

    r = s_rows(db,
               "SELECT statement_id, outcome, waiting_days, waiting_from, statement_date, event_id "
               "FROM casestore.statement WHERE client_key = $1 "
               "ORDER BY statement_date DESC, statement_id LIMIT 24",
               ck, &n, err);
    if (!r)
        return err->code ? err->code : SILTA_ERR;
    for (int i = 0; i < n; i++) {
        cs_statement_t *s = &h->statements[h->nstatements++];
        S_STR(s->id, r, i, 0);
        S_STR(s->outcome, r, i, 1);
        s->waiting_days = atoi(PQgetvalue(r, i, 2));
        s->waiting_from = s_day(r, i, 3);
        s->date = s_day(r, i, 4);
        S_STR(s->cause, r, i, 5);
    }
    PQclear(r);

    r = s_rows(db,
               "SELECT item_id, plan_id, title, status, start_date, due_date, event_id FROM "
               "(SELECT DISTINCT ON (item_id) * FROM casestore.emp_plan_item WHERE client_key = $1 "
               " ORDER BY item_id, version DESC) t ORDER BY due_date DESC NULLS LAST, item_id "
               "LIMIT 24",
               ck, &n, err);
    if (!r)
        return err->code ? err->code : SILTA_ERR;
    for (int i = 0; i < n; i++) {
        cs_empitem_t *e = &h->empitems[h->nempitems++];
        S_STR(e->item_id, r, i, 0);
        S_STR(e->plan_id, r, i, 1);
        S_STR(e->title, r, i, 2);
        S_STR(e->status, r, i, 3);
        e->start = s_day(r, i, 4);
        e->due = s_day(r, i, 5);
        S_STR(e->cause, r, i, 6);
    }
    PQclear(r);

    r = s_rows(db,
               "SELECT status, status_date, unemployed_since FROM casestore.registration "
               "WHERE client_key = $1",
               ck, &n, err);
    if (!r)
        return err->code ? err->code : SILTA_ERR;
    if (n > 0) {
        S_STR(h->reg_status, r, 0, 0);
        h->reg_date = s_day(r, 0, 1);
        h->unemployed_since = s_day(r, 0, 2);
    }
    PQclear(r);

    r = s_rows(db,
               "SELECT referral_id, priority, authored, acknowledged, started, event_id FROM "
               "casestore.referral WHERE client_key = $1 ORDER BY authored DESC, referral_id "
               "LIMIT 24",
               ck, &n, err);
    if (!r)
        return err->code ? err->code : SILTA_ERR;
    for (int i = 0; i < n; i++) {
        cs_referral_t *x = &h->referrals[h->nreferrals++];
        S_STR(x->id, r, i, 0);
        S_STR(x->priority, r, i, 1);
        x->authored = s_day(r, i, 2);
        x->acknowledged = s_day(r, i, 3);
        x->started = s_day(r, i, 4);
        S_STR(x->cause, r, i, 5);
    }
    PQclear(r);

    r = s_rows(db,
               "SELECT period_start, period_end, event_id FROM casestore.incapacity WHERE "
               "client_key = $1 ORDER BY period_start DESC LIMIT 24",
               ck, &n, err);
    if (!r)
        return err->code ? err->code : SILTA_ERR;
    for (int i = 0; i < n; i++) {
        cs_incapacity_t *x = &h->incapacity[h->nincapacity++];
        x->start = s_day(r, i, 0);
        x->end = s_day(r, i, 1);
        S_STR(x->cause, r, i, 2);
    }
    PQclear(r);

    r = s_rows(db,
               "SELECT kela_reference, statement_date FROM casestore.social_statement WHERE "
               "client_key = $1 ORDER BY statement_date DESC LIMIT 24",
               ck, &n, err);
    if (!r)
        return err->code ? err->code : SILTA_ERR;
    for (int i = 0; i < n; i++) {
        cs_socstatement_t *x = &h->socstatements[h->nsocstatements++];
        S_STR(x->ref, r, i, 0);
        x->date = s_day(r, i, 1);
    }
    PQclear(r);

    r = s_rows(db,
               "SELECT item_id, owner_agency, responsible, title, status, due_date FROM "
               "casestore.plan_manual WHERE client_key = $1 ORDER BY status = 'open' DESC, "
               "due_date, item_id LIMIT 24",
               ck, &n, err);
    if (!r)
        return err->code ? err->code : SILTA_ERR;
    for (int i = 0; i < n; i++) {
        cs_manitem_t *x = &h->manitems[h->nmanitems++];
        S_STR(x->item_id, r, i, 0);
        S_STR(x->owner, r, i, 1);
        S_STR(x->responsible, r, i, 2);
        S_STR(x->title, r, i, 3);
        S_STR(x->status, r, i, 4);
        x->due = s_day(r, i, 5);
    }
    PQclear(r);
    return 0;
}
