/*  cs_apply.c - one event's effect on the casestore tables: its fact row and
 *  its timeline line. See cs_apply.h; the schema is migrations/001_casestore.sql.
 *
 *  Table-driven: s_kinds has one row per event kind (cs_event.h) with
 *
 *      the SQL of its fact     one statement, $1..$n
 *      fill()                  the n parameters from the payload (no I/O)
 *      summary()               the timeline line (casestore.inbox.summary)
 *      worker()                the acting worker of a social.* event, or none
 *
 *  so cs_apply_fact is a lookup: worker -> responsible worker (when the
 *  client has none yet), then the one statement. A new kind is a new row.
 *
 *  Facts are kept as the latest state per natural key (a benefit by benefit +
 *  Kela reference, a referral by its id) except employment plan items, which
 *  get a new version row per event. Empty payload strings become SQL NULL.
 *  Shapes (required fields, dates, enumerations) are the contract's, checked
 *  in cs_event_decode: nothing here validates a payload.
 *
 *  Not here: the transaction (cs_store.c), the history read back for the
 *  rules (cs_apply_history.c).
 */
#include "cs_apply.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cs_apply_plan.h"
#include "cs_arr.h"
#include "cs_keys.h"
#include "silta_db.h"

#define NUL(s) ((s) && *(s) ? (s) : NULL)
#define S_MAX_PARAMS 12

/* In a fill function: copy the parameter array v into p and return how many
 * there are (the count follows the array: no second number to keep in step). */
#define S_RETURN_PARAMS(p, v)                                                                      \
    do {                                                                                           \
        _Static_assert(sizeof(v) / sizeof((v)[0]) <= S_MAX_PARAMS, "too many parameters");         \
        memcpy((p), (v), sizeof(v));                                                               \
        return (int)(sizeof(v) / sizeof((v)[0]));                                                  \
    } while (0)

/* ---------------------------------------------------------------- statements
 *
 *  Outside pipeline mode a statement is one round trip. Inside it
 *  (cs_pipeline_begin .. cs_pipeline_end, a batch's evaluation), cs_exec only
 *  queues its statement; cs_q queues its own, syncs and reads every pending
 *  result in order, so a SELECT sees every write queued before it (one
 *  connection executes in order). A queued statement's error surfaces at the
 *  next cs_q or at cs_pipeline_end: the caller must then roll the whole
 *  transaction back (which the batch does).
 *
 *      normal --cs_pipeline_begin--> pipeline --cs_pipeline_end--> normal
 */

static int s_lost_code(PGconn *db)
{
    return PQstatus(db) != CONNECTION_OK ? SILTA_EAGAIN : SILTA_ERR;
}

/* Sync and read every pending result up to the sync. *last (may be NULL)
 * gets the result of the last statement, or, with all, all[0..nall) the
 * results in order; an error anywhere fails it all (nothing kept). */
static int s_drain(PGconn *db, PGresult **last, PGresult **all, size_t nall, silta_err_t *err)
{
    size_t k = 0;
    int rc = PQpipelineSync(db) == 1 ? 0 : silta_err_set(err, s_lost_code(db), "database: %s",
                                                          PQerrorMessage(db));
    PGresult *keep = NULL;
    for (int nulls = 0; rc == 0 && nulls < 1000000;) {
        PGresult *r = PQgetResult(db);
        if (!r) {
            if (PQstatus(db) != CONNECTION_OK)
                rc = silta_err_set(err, SILTA_EAGAIN, "database: connection lost");
            nulls++;
            continue;
        }
        ExecStatusType st = PQresultStatus(r);
        if (st == PGRES_PIPELINE_SYNC) {
            PQclear(r);
            break;
        }
        if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) {
            if (all && k < nall) {
                all[k++] = r;
                continue;
            }
            PQclear(keep);
            keep = r;
            continue;
        }
        if (st != PGRES_PIPELINE_ABORTED || (err && err->code == 0))
            silta_db_check(db, r, err); /* fills err and clears r */
        else
            PQclear(r);
        rc = err && err->code ? err->code : SILTA_ERR;
        /* Read on to the sync: the connection must be left clean. Bounded,
         * and over when the connection is gone: a server that died in the
         * middle (pg_ctl stop -m immediate) sends no sync, and waiting for it
         * hung the case store (found by make test-fault). */
        for (int xnulls = 0; xnulls < 1000000;) {
            PGresult *x = PQgetResult(db);
            if (!x) {
                if (PQstatus(db) != CONNECTION_OK)
                    break;
                xnulls++;
                continue;
            }
            int sync = PQresultStatus(x) == PGRES_PIPELINE_SYNC;
            PQclear(x);
            if (sync)
                break;
        }
    }
    if (rc == 0 && last)
        *last = keep;
    else
        PQclear(keep);
    if (rc == 0 && all && k < nall)
        rc = silta_err_set(err, SILTA_ERR, "database: %zu results for %zu queries", k, nall);
    for (size_t i = 0; rc != 0 && all && i < k; i++) {
        PQclear(all[i]);
        all[i] = NULL;
    }
    return rc;
}

int cs_pipeline_begin(PGconn *db, silta_err_t *err)
{
    if (PQenterPipelineMode(db) != 1)
        return silta_err_set(err, s_lost_code(db), "database: %s", PQerrorMessage(db));
    return 0;
}

int cs_pipeline_end(PGconn *db, silta_err_t *err)
{
    if (PQpipelineStatus(db) == PQ_PIPELINE_OFF)
        return 0;
    silta_err_t e = {0};
    int rc = s_drain(db, NULL, NULL, 0, &e);
    if (PQexitPipelineMode(db) != 1 && rc == 0)
        rc = silta_err_set(&e, s_lost_code(db), "database: %s", PQerrorMessage(db));
    if (rc != 0 && err && err->code == 0)
        *err = e;
    return rc;
}

static int s_send(PGconn *db, const char *sql, int n, const char *const *params, silta_err_t *err)
{
    if (PQsendQueryParams(db, sql, n, NULL, params, NULL, NULL, 0) != 1)
        return silta_err_set(err, s_lost_code(db), "database: %s", PQerrorMessage(db));
    return 0;
}

PGresult *cs_q(PGconn *db, const char *sql, int n, const char *const *params, silta_err_t *err)
{
    if (PQpipelineStatus(db) != PQ_PIPELINE_OFF) {
        PGresult *res = NULL;
        if (s_send(db, sql, n, params, err) != 0 || s_drain(db, &res, NULL, 0, err) != 0)
            return NULL;
        return res;
    }
    PGresult *res = silta_db_query(db, sql, n, params, err);
    if (!res && PQstatus(db) != CONNECTION_OK && err)
        err->code = SILTA_EAGAIN;
    return res;
}

int cs_q_all(PGconn *db, const char *const *sqls, size_t nq, int n, const char *const *params,
             PGresult **out, silta_err_t *err)
{
    int rc = 0;
    if (PQpipelineStatus(db) != PQ_PIPELINE_OFF) {
        /* results of earlier queued statements come first: one at a time */
        for (size_t i = 0; rc == 0 && i < nq; i++)
            if (!(out[i] = cs_q(db, sqls[i], n, params, err)))
                rc = err && err->code ? err->code : SILTA_ERR;
        for (size_t i = 0; rc != 0 && i < nq; i++) {
            PQclear(out[i]);
            out[i] = NULL;
        }
        return rc;
    }
    for (size_t i = 0; i < nq; i++)
        out[i] = NULL;
    rc = cs_pipeline_begin(db, err);
    for (size_t i = 0; rc == 0 && i < nq; i++)
        rc = s_send(db, sqls[i], n, params, err);
    if (rc == 0)
        rc = s_drain(db, NULL, out, nq, err);
    if (PQpipelineStatus(db) != PQ_PIPELINE_OFF && PQexitPipelineMode(db) != 1 && rc == 0)
        rc = silta_err_set(err, s_lost_code(db), "database: %s", PQerrorMessage(db));
    if (rc != 0) {
        /* a send that failed half-way leaves results to read before the exit */
        cs_pipeline_end(db, NULL);
        for (size_t i = 0; i < nq; i++) {
            PQclear(out[i]);
            out[i] = NULL;
        }
    }
    return rc;
}

int cs_exec(PGconn *db, const char *sql, int n, const char *const *params, silta_err_t *err)
{
    if (PQpipelineStatus(db) != PQ_PIPELINE_OFF)
        return s_send(db, sql, n, params, err);
    PGresult *res = cs_q(db, sql, n, params, err);
    if (!res)
        return err && err->code ? err->code : SILTA_ERR;
    PQclear(res);
    return 0;
}

/* ---------------------------------------------------------------- the table */

/* What a fill function gets: the envelope's ids, the event's day (for a
 * payload without a date) and the team queue (notices nobody is assigned). */
typedef struct {
    const char *event_id, *ck, *day, *team;
} s_in_t;

/* Scratch a fill function may use for its parameters; freed after the
 * statement. */
typedef struct {
    char num[16]; /* a number as text */
    char *owned;  /* malloc'd (the consent's recipients array) */
} s_scratch_t;

/* Fill p with the statement's parameters. Returns their number, or a
 * negative error code with err set. */
typedef int (*s_fill_fn)(const cs_event_t *e, const s_in_t *in, const char **p, s_scratch_t *x,
                         silta_err_t *err);
typedef void (*s_summary_fn)(const cs_event_t *e, char *out, size_t len);
typedef const char *(*s_worker_fn)(const cs_event_t *e);

typedef struct {
    const char *sql;
    s_fill_fn fill;
    s_summary_fn summary;
    s_worker_fn worker; /* NULL: the event names no worker */
    const char *set_sql; /* NULL, or sql for many events: $k the array of parameter k */
} s_kind_t;

/* kela.notice.v1: one row per notice (its event_id), assigned to the client's
 * worker or the team queue. */
static const char s_notice_sql[] =
    "INSERT INTO casestore.notice(event_id, client_key, kind, kela_reference, "
    "notice_date, reduction_percent, assigned_to, reduction_reason) VALUES ($1, $2, $3, "
    "$4, $5, $6, coalesce((SELECT responsible_worker FROM casestore.client WHERE "
    "client_key = $2), $7), $8) ON CONFLICT DO NOTHING";

/* The same for many notices at once: the parameters as arrays (s_kind_t.set_sql). */
static const char s_notice_set_sql[] =
    "INSERT INTO casestore.notice(event_id, client_key, kind, kela_reference, "
    "notice_date, reduction_percent, assigned_to, reduction_reason) SELECT e, c, k, r, d, p, "
    "coalesce((SELECT responsible_worker FROM casestore.client WHERE client_key = u.c), t), "
    "rr FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::date[], $6::int[], "
    "$7::text[], $8::text[]) AS u(e, c, k, r, d, p, t, rr) ON CONFLICT DO NOTHING";

static int s_notice(const cs_event_t *e, const s_in_t *in, const char **p, s_scratch_t *x,
                    silta_err_t *err)
{
    (void)err;
    const Silta__KelaNotice *m = (const Silta__KelaNotice *)e->msg;
    snprintf(x->num, sizeof x->num, "%u", m->reduction_percent);
    const char *v[8] = {in->event_id, in->ck, m->kind, NUL(m->kela_reference),
                        NUL(m->date) ? m->date : in->day, x->num, in->team,
                        NUL(m->reduction_reason)};
    S_RETURN_PARAMS(p, v);
}

static void s_notice_summary(const cs_event_t *e, char *out, size_t len)
{
    const Silta__KelaNotice *m = (const Silta__KelaNotice *)e->msg;
    snprintf(out, len, "kela notice %s %s", m->kind, m->date);
}

/* kela.application.v1 and kela.decision.v1: the latest state of a benefit
 * (benefit + Kela reference); dates a later event leaves out are kept. */
#define S_BENEFIT_INTO                                                                     \
    "INSERT INTO casestore.benefit AS b (client_key, benefit, kela_reference, status, "      \
    "period_start, period_end, complete_date, urgent, reason_code, sickness_days_used, "     \
    "as_of, event_id) "
#define S_BENEFIT_MERGE                                                                    \
    " ON CONFLICT (client_key, benefit, kela_reference) DO UPDATE SET "                       \
    "status = EXCLUDED.status, period_start = coalesce(EXCLUDED.period_start, "              \
    "b.period_start), period_end = coalesce(EXCLUDED.period_end, b.period_end), "            \
    "complete_date = coalesce(EXCLUDED.complete_date, b.complete_date), "                    \
    "urgent = EXCLUDED.urgent OR b.urgent, reason_code = coalesce(EXCLUDED.reason_code, "    \
    "b.reason_code), sickness_days_used = greatest(EXCLUDED.sickness_days_used, "            \
    "b.sickness_days_used), as_of = EXCLUDED.as_of, event_id = EXCLUDED.event_id"
static const char s_benefit_sql[] =
    S_BENEFIT_INTO "VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12)" S_BENEFIT_MERGE;
/* many at once: at most one event per benefit row (the caller's rule) */
static const char s_benefit_set_sql[] =
    S_BENEFIT_INTO "SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], "
                   "$5::date[], $6::date[], $7::date[], $8::bool[], $9::text[], $10::int[], "
                   "$11::date[], $12::uuid[])" S_BENEFIT_MERGE;

static int s_benefit(const cs_event_t *e, const s_in_t *in, const char **p, s_scratch_t *x,
                     silta_err_t *err)
{
    (void)err;
    const Silta__KelaBenefit *m = (const Silta__KelaBenefit *)e->msg;
    snprintf(x->num, sizeof x->num, "%u", m->sickness_days_used);
    const char *v[12] = {in->ck, m->benefit, m->kela_reference ? m->kela_reference : "",
                         m->status, NUL(m->period_start), NUL(m->period_end),
                         NUL(m->complete_date), m->urgent ? "t" : "f", NUL(m->reason_code),
                         x->num, in->day, in->event_id};
    S_RETURN_PARAMS(p, v);
}

static void s_benefit_summary(const cs_event_t *e, char *out, size_t len)
{
    const Silta__KelaBenefit *m = (const Silta__KelaBenefit *)e->msg;
    snprintf(out, len, "kela %s %s %s %s..%s%s",
             e->kind == CS_EV_DECISION ? "decision" : "application", m->benefit, m->status,
             m->period_start, m->period_end, m->urgent ? " urgent" : "");
}

/* employment.statement.v1: the latest of each statement_id. */
static const char s_statement_sql[] =
    "INSERT INTO casestore.statement(client_key, statement_id, outcome, "
    "waiting_days, waiting_from, statement_date, event_id) VALUES "
    "($1,$2,$3,$4,$5,$6,$7) ON CONFLICT (client_key, statement_id) DO UPDATE "
    "SET outcome = EXCLUDED.outcome, waiting_days = EXCLUDED.waiting_days, "
    "waiting_from = EXCLUDED.waiting_from, statement_date = "
    "EXCLUDED.statement_date, event_id = EXCLUDED.event_id";

static int s_statement(const cs_event_t *e, const s_in_t *in, const char **p, s_scratch_t *x,
                       silta_err_t *err)
{
    (void)err;
    const Silta__EmploymentStatement *m = (const Silta__EmploymentStatement *)e->msg;
    snprintf(x->num, sizeof x->num, "%u", m->waiting_days);
    const char *v[7] = {in->ck, m->statement_id, m->outcome, x->num, NUL(m->waiting_from),
                        NUL(m->date) ? m->date : in->day, in->event_id};
    S_RETURN_PARAMS(p, v);
}

static void s_statement_summary(const cs_event_t *e, char *out, size_t len)
{
    const Silta__EmploymentStatement *m = (const Silta__EmploymentStatement *)e->msg;
    snprintf(out, len, "labour-policy statement %s %s", m->outcome, m->date);
}

/* employment.plan.v1: a new version row of the item per event. */
static const char s_emp_plan_sql[] =
    "INSERT INTO casestore.emp_plan_item(client_key, item_id, version, plan_id, "
    "title, start_date, due_date, status, responsible, event_id) SELECT $1, $2, "
    "coalesce(max(version), 0) + 1, $3, $4, $5, $6, $7, $8, $9 FROM "
    "casestore.emp_plan_item WHERE client_key = $1 AND item_id = $2";

static int s_emp_plan(const cs_event_t *e, const s_in_t *in, const char **p, s_scratch_t *x,
                      silta_err_t *err)
{
    (void)x;
    (void)err;
    const Silta__EmploymentPlanItem *m = (const Silta__EmploymentPlanItem *)e->msg;
    const char *v[9] = {in->ck, m->item_id, m->plan_id ? m->plan_id : "", m->title ? m->title : "",
                        NUL(m->start_date), NUL(m->due_date),
                        NUL(m->status) ? m->status : "open", NUL(m->responsible), in->event_id};
    S_RETURN_PARAMS(p, v);
}

static void s_emp_plan_summary(const cs_event_t *e, char *out, size_t len)
{
    const Silta__EmploymentPlanItem *m = (const Silta__EmploymentPlanItem *)e->msg;
    snprintf(out, len, "employment plan item %s %s due %s", m->item_id, m->status, m->due_date);
}

/* employment.registration.v1: one row per client, the latest. */
static const char s_registration_sql[] =
    "INSERT INTO casestore.registration VALUES ($1,$2,$3,$4,$5) ON CONFLICT "
    "(client_key) DO UPDATE SET status = EXCLUDED.status, status_date = "
    "EXCLUDED.status_date, unemployed_since = EXCLUDED.unemployed_since, "
    "event_id = EXCLUDED.event_id";

static int s_registration(const cs_event_t *e, const s_in_t *in, const char **p, s_scratch_t *x,
                          silta_err_t *err)
{
    (void)x;
    (void)err;
    const Silta__EmploymentRegistration *m = (const Silta__EmploymentRegistration *)e->msg;
    const char *v[5] = {in->ck, m->status, NUL(m->date) ? m->date : in->day,
                        NUL(m->unemployed_since), in->event_id};
    S_RETURN_PARAMS(p, v);
}

static void s_registration_summary(const cs_event_t *e, char *out, size_t len)
{
    const Silta__EmploymentRegistration *m = (const Silta__EmploymentRegistration *)e->msg;
    snprintf(out, len, "jobseeker %s %s", m->status, m->date);
}

/* health.referral.v1: the latest of each referral_id (status and
 * acknowledgement are social work's: social.referral_status). */
static const char s_referral_sql[] =
    "INSERT INTO casestore.referral(client_key, referral_id, priority, "
    "requester_org, authored, consent, event_id) VALUES ($1,$2,$3,$4,$5,$6,$7) "
    "ON CONFLICT (client_key, referral_id) DO UPDATE SET priority = "
    "EXCLUDED.priority, authored = EXCLUDED.authored, consent = "
    "EXCLUDED.consent";

static int s_referral(const cs_event_t *e, const s_in_t *in, const char **p, s_scratch_t *x,
                      silta_err_t *err)
{
    (void)x;
    (void)err;
    const Silta__HealthReferral *m = (const Silta__HealthReferral *)e->msg;
    const char *v[7] = {in->ck, m->referral_id, NUL(m->priority) ? m->priority : "routine",
                        NUL(m->requester_org), NUL(m->authored) ? m->authored : in->day,
                        m->consent ? "t" : "f", in->event_id};
    S_RETURN_PARAMS(p, v);
}

static void s_referral_summary(const cs_event_t *e, char *out, size_t len)
{
    const Silta__HealthReferral *m = (const Silta__HealthReferral *)e->msg;
    snprintf(out, len, "health referral %s %s", m->priority, m->authored);
}

/* health.incapacity.v1: one row per period start. */
static const char s_incapacity_sql[] =
    "INSERT INTO casestore.incapacity VALUES ($1,$2,$3,$4,$5) ON CONFLICT "
    "(client_key, period_start) DO UPDATE SET period_end = EXCLUDED.period_end, "
    "diagnosis_group = EXCLUDED.diagnosis_group, event_id = EXCLUDED.event_id";

static int s_incapacity(const cs_event_t *e, const s_in_t *in, const char **p, s_scratch_t *x,
                        silta_err_t *err)
{
    (void)x;
    (void)err;
    const Silta__HealthIncapacity *m = (const Silta__HealthIncapacity *)e->msg;
    const char *v[5] = {in->ck, m->period_start, m->period_end, NUL(m->diagnosis_group),
                        in->event_id};
    S_RETURN_PARAMS(p, v);
}

static void s_incapacity_summary(const cs_event_t *e, char *out, size_t len)
{
    const Silta__HealthIncapacity *m = (const Silta__HealthIncapacity *)e->msg;
    snprintf(out, len, "work incapacity %s..%s", m->period_start, m->period_end);
}

/* social.consent.v1: the latest of each consent_id. */
static const char s_consent_sql[] =
    "INSERT INTO casestore.consent VALUES ($1,$2,$3,$4,$5,$6,$7) ON CONFLICT "
    "(client_key, consent_id) DO UPDATE SET status = EXCLUDED.status, purpose "
    "= EXCLUDED.purpose, recipients = EXCLUDED.recipients, expires = "
    "EXCLUDED.expires, event_id = EXCLUDED.event_id";

static int s_consent(const cs_event_t *e, const s_in_t *in, const char **p, s_scratch_t *x,
                     silta_err_t *err)
{
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
    x->owned = arr;
    const char *v[7] = {in->ck, m->consent_id, m->status, NUL(m->purpose), arr,
                        NUL(m->expires), in->event_id};
    S_RETURN_PARAMS(p, v);
}

static void s_consent_summary(const cs_event_t *e, char *out, size_t len)
{
    const Silta__Consent *m = (const Silta__Consent *)e->msg;
    snprintf(out, len, "consent %s", m->status);
}

/* social.notice_handled.v1: the notice handled (once). */
static const char s_notice_handled_sql[] =
    "UPDATE casestore.notice SET handled_date = $3, handled_by = $4, "
    "handled_event = $5 WHERE event_id = $1 AND client_key = $2 "
    "AND handled_date IS NULL";

static int s_notice_handled(const cs_event_t *e, const s_in_t *in, const char **p, s_scratch_t *x,
                            silta_err_t *err)
{
    (void)x;
    (void)err;
    const Silta__NoticeHandled *m = (const Silta__NoticeHandled *)e->msg;
    const char *v[5] = {m->notice_event_id, in->ck, in->day, NUL(m->worker), in->event_id};
    S_RETURN_PARAMS(p, v);
}

static void s_notice_handled_summary(const cs_event_t *e, char *out, size_t len)
{
    (void)e;
    snprintf(out, len, "kela notice handled");
}

static const char *s_notice_handled_worker(const cs_event_t *e)
{
    return ((const Silta__NoticeHandled *)e->msg)->worker;
}

/* social.referral_status.v1: the first status acknowledges the referral.
 * Accepting it does not start the service-need assessment: social.assessment.v1
 * does (SHL 36 §). */
static const char s_referral_status_sql[] =
    "UPDATE casestore.referral SET status = $3, acknowledged = "
    "coalesce(acknowledged, $4::date) WHERE client_key = $1 AND referral_id = $2";

static int s_referral_status(const cs_event_t *e, const s_in_t *in, const char **p,
                             s_scratch_t *x, silta_err_t *err)
{
    (void)x;
    (void)err;
    const Silta__ReferralStatus *m = (const Silta__ReferralStatus *)e->msg;
    const char *v[4] = {in->ck, m->referral_id, m->status, in->day};
    S_RETURN_PARAMS(p, v);
}

static void s_referral_status_summary(const cs_event_t *e, char *out, size_t len)
{
    const Silta__ReferralStatus *m = (const Silta__ReferralStatus *)e->msg;
    snprintf(out, len, "referral status %s", m->status);
}

static const char *s_referral_status_worker(const cs_event_t *e)
{
    return ((const Silta__ReferralStatus *)e->msg)->worker;
}

/* social.statement.v1: social work's statement to Kela, one per reference. */
static const char s_social_statement_sql[] =
    "INSERT INTO casestore.social_statement VALUES ($1,$2,$3,$4,$5) ON CONFLICT "
    "(client_key, kela_reference) DO UPDATE SET statement_date = "
    "EXCLUDED.statement_date, worker = EXCLUDED.worker, event_id = "
    "EXCLUDED.event_id";

static int s_social_statement(const cs_event_t *e, const s_in_t *in, const char **p,
                              s_scratch_t *x, silta_err_t *err)
{
    (void)x;
    (void)err;
    const Silta__SocialStatement *m = (const Silta__SocialStatement *)e->msg;
    const char *v[5] = {in->ck, m->kela_reference, NUL(m->date) ? m->date : in->day,
                        NUL(m->worker), in->event_id};
    S_RETURN_PARAMS(p, v);
}

static void s_social_statement_summary(const cs_event_t *e, char *out, size_t len)
{
    (void)e;
    snprintf(out, len, "social-work statement to kela");
}

static const char *s_social_statement_worker(const cs_event_t *e)
{
    return ((const Silta__SocialStatement *)e->msg)->worker;
}

/* social.assessment.v1: the assessment's row (started kept from the first
 * event, completed set by a "completed" one), and the referral it answers
 * marked started (rule 10 closes). One statement: the referral update in a CTE. */
static const char s_assessment_sql[] =
    "WITH r AS (UPDATE casestore.referral SET started = coalesce(started, $4::date) "
    "WHERE client_key = $1 AND referral_id = $5) "
    "INSERT INTO casestore.assessment(client_key, assessment_id, started, completed, "
    "referral_id, notice_event_id, worker, event_id, need_areas) VALUES ($1, $2, $4::date, "
    "CASE WHEN $3 = 'completed' THEN $4::date END, $5, $6::uuid, $7, $8, $9::text[]) "
    "ON CONFLICT (client_key, assessment_id) DO UPDATE SET "
    "started = coalesce(casestore.assessment.started, EXCLUDED.started), "
    "completed = coalesce(EXCLUDED.completed, casestore.assessment.completed), "
    "need_areas = coalesce(EXCLUDED.need_areas, casestore.assessment.need_areas), "
    "referral_id = coalesce(EXCLUDED.referral_id, casestore.assessment.referral_id), "
    "notice_event_id = coalesce(EXCLUDED.notice_event_id, "
    "casestore.assessment.notice_event_id), worker = EXCLUDED.worker, "
    "event_id = EXCLUDED.event_id";

static int s_assessment(const cs_event_t *e, const s_in_t *in, const char **p, s_scratch_t *x,
                        silta_err_t *err)
{
    const Silta__SocialAssessment *m = (const Silta__SocialAssessment *)e->msg;
    char *areas = NULL; /* the need areas as a text[] literal; NULL when none */
    if (m->n_need_areas > 0) {
        cs_arr_t a = CS_ARR_INIT;
        for (size_t i = 0; i < m->n_need_areas; i++)
            cs_arr_add(&a, m->need_areas[i]);
        const char *lit = cs_arr_lit(&a);
        areas = lit ? strdup(lit) : NULL;
        cs_arr_free(&a);
        if (!areas)
            return silta_err_set(err, SILTA_ERR, "out of memory");
    }
    x->owned = areas;
    const char *v[9] = {in->ck,
                        m->assessment_id,
                        m->status,
                        NUL(m->date) ? m->date : in->day,
                        NUL(m->referral_id),
                        NUL(m->notice_event_id),
                        NUL(m->worker),
                        in->event_id,
                        areas};
    S_RETURN_PARAMS(p, v);
}

static void s_assessment_summary(const cs_event_t *e, char *out, size_t len)
{
    const Silta__SocialAssessment *m = (const Silta__SocialAssessment *)e->msg;
    snprintf(out, len, "service-need assessment %s", m->status);
}

static const char *s_assessment_worker(const cs_event_t *e)
{
    return ((const Silta__SocialAssessment *)e->msg)->worker;
}

/* social.client_plan.v1: the statement and its parameters are cs_apply_plan.c's. */
static int s_client_plan(const cs_event_t *e, const s_in_t *in, const char **p, s_scratch_t *x,
                         silta_err_t *err)
{
    return cs_apply_plan_params((const Silta__ClientPlan *)e->msg, in->ck, in->day,
                                in->event_id, p, &x->owned, err);
}

static const char *s_client_plan_worker(const cs_event_t *e)
{
    return ((const Silta__ClientPlan *)e->msg)->worker;
}

static const s_kind_t s_kinds[CS_EV_NTYPES] = {
    [CS_EV_NOTICE] = {s_notice_sql, s_notice, s_notice_summary, NULL, s_notice_set_sql},
    [CS_EV_APPLICATION] = {s_benefit_sql, s_benefit, s_benefit_summary, NULL, s_benefit_set_sql},
    [CS_EV_DECISION] = {s_benefit_sql, s_benefit, s_benefit_summary, NULL, s_benefit_set_sql},
    [CS_EV_STATEMENT] = {s_statement_sql, s_statement, s_statement_summary, NULL, NULL},
    [CS_EV_EMP_PLAN] = {s_emp_plan_sql, s_emp_plan, s_emp_plan_summary, NULL, NULL},
    [CS_EV_REGISTRATION] = {s_registration_sql, s_registration, s_registration_summary,
                            NULL, NULL},
    [CS_EV_REFERRAL] = {s_referral_sql, s_referral, s_referral_summary, NULL, NULL},
    [CS_EV_INCAPACITY] = {s_incapacity_sql, s_incapacity, s_incapacity_summary, NULL, NULL},
    [CS_EV_CONSENT] = {s_consent_sql, s_consent, s_consent_summary, NULL, NULL},
    [CS_EV_NOTICE_HANDLED] = {s_notice_handled_sql, s_notice_handled,
                              s_notice_handled_summary, s_notice_handled_worker, NULL},
    [CS_EV_REFERRAL_STATUS] = {s_referral_status_sql, s_referral_status,
                               s_referral_status_summary, s_referral_status_worker, NULL},
    [CS_EV_SOCIAL_STATEMENT] = {s_social_statement_sql, s_social_statement,
                                s_social_statement_summary, s_social_statement_worker, NULL},
    [CS_EV_ASSESSMENT] = {s_assessment_sql, s_assessment, s_assessment_summary,
                          s_assessment_worker, NULL},
    [CS_EV_CLIENT_PLAN] = {cs_apply_plan_sql, s_client_plan, cs_apply_plan_summary,
                           s_client_plan_worker, NULL},
};

static const s_kind_t *s_kind(const cs_event_t *e)
{
    if ((unsigned)e->kind >= CS_EV_NTYPES || !s_kinds[e->kind].sql)
        return NULL;
    return &s_kinds[e->kind];
}

/* ---------------------------------------------------------------- apply */

/* The worker who acted becomes the client's responsible worker when the
 * client has none, and takes over its unhandled notices from the team queue. */
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
    const s_kind_t *k = s_kind(e);
    if (k)
        k->summary(e, out, len);
    else
        snprintf(out, len, "event");
}

int cs_apply_fact(PGconn *db, const cs_event_t *e, const char *event_id, const char *ck,
                  const char *day, const char *team, silta_err_t *err)
{
    const s_kind_t *k = s_kind(e);
    if (!k)
        return silta_err_set(err, SILTA_EINVAL, "event kind not applied");
    if (k->worker && s_worker(db, k->worker(e), ck, team, err) != 0)
        return err->code ? err->code : SILTA_ERR;
    const s_in_t in = {event_id, ck, day, team};
    const char *p[S_MAX_PARAMS] = {0};
    s_scratch_t x = {.owned = NULL};
    int n = k->fill(e, &in, p, &x, err);
    int rc = n < 0 ? n : cs_exec(db, k->sql, n, p, err);
    free(x.owned);
    return rc;
}

/* Queue the set statement of the events in group (the first event of each
 * client whose kind has set_sql == sql; taken[i] marks them). */
static int s_fact_set(PGconn *db, const char *sql, const cs_event_t *es,
                      const char *const *event_ids, const char *const *cks,
                      const char *const *days, size_t n, const char *team, char *taken,
                      silta_err_t *err)
{
    cs_arr_t arr[S_MAX_PARAMS];
    for (size_t k = 0; k < S_MAX_PARAMS; k++)
        arr[k] = (cs_arr_t)CS_ARR_INIT;
    cs_keys_t in_set; /* clients with an event in this statement */
    int np = 0, rc = cs_keys_init(&in_set, n) == 0 ? 0
                                                   : silta_err_set(err, SILTA_ERR, "out of memory");
    for (size_t i = 0; rc == 0 && i < n; i++) {
        const s_kind_t *k = s_kind(&es[i]);
        if (taken[i] || !k || k->set_sql != sql)
            continue;
        int fresh = 0; /* a client's later events of this table go one by one, after */
        if (cs_keys_put(&in_set, cks[i], &fresh) < 0)
            rc = silta_err_set(err, SILTA_ERR, "out of memory");
        if (!fresh)
            continue;
        const s_in_t in = {event_ids[i], cks[i], days[i], team};
        const char *p[S_MAX_PARAMS] = {0};
        s_scratch_t x = {.owned = NULL};
        np = k->fill(&es[i], &in, p, &x, err);
        for (int q = 0; q < np; q++)
            cs_arr_add(&arr[q], p[q]);
        free(x.owned);
        rc = np < 0 ? np : 0;
        taken[i] = 1;
    }
    const char *lit[S_MAX_PARAMS] = {0};
    for (int q = 0; rc == 0 && q < np; q++)
        if (!(lit[q] = cs_arr_lit(&arr[q])))
            rc = silta_err_set(err, SILTA_ERR, "out of memory");
    if (rc == 0 && np > 0)
        rc = cs_exec(db, sql, np, lit, err);
    for (size_t k = 0; k < S_MAX_PARAMS; k++)
        cs_arr_free(&arr[k]);
    cs_keys_free(&in_set);
    return rc;
}

int cs_apply_facts(PGconn *db, const cs_event_t *es, const char *const *event_ids,
                   const char *const *cks, const char *const *days, size_t n, const char *team,
                   silta_err_t *err)
{
    char *taken = calloc(n ? n : 1, 1);
    if (!taken)
        return silta_err_set(err, SILTA_ERR, "out of memory");
    int rc = 0, worker = 0;
    for (size_t i = 0; i < n; i++)
        worker |= s_kind(&es[i]) && s_kind(&es[i])->worker;
    /* a worker's event changes what a notice is assigned to: then in order */
    for (size_t i = 0; rc == 0 && !worker && i < n; i++) {
        const s_kind_t *k = s_kind(&es[i]);
        if (!taken[i] && k && k->set_sql)
            rc = s_fact_set(db, k->set_sql, es, event_ids, cks, days, n, team, taken, err);
    }
    for (size_t i = 0; rc == 0 && i < n; i++)
        if (!taken[i])
            rc = cs_apply_fact(db, &es[i], event_ids[i], cks[i], days[i], team, err);
    free(taken);
    return rc;
}
