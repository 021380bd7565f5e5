/*  read_client.c - the queries of the client page (see read_client.h).
 *
 *  Not here: HTML and labels (web/web_client.c), the access check.
 */
#include "read_client.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "read_plan.h"
#include "silta_db.h"

static PGresult *s_query(PGconn *db, const char *sql, const char *p0)
{
    const char *p[1] = {p0};
    return silta_db_query(db, sql, 1, p, NULL);
}

/* Room for the rows of r (at least one element, so calloc never gets 0). */
static void *s_alloc(const PGresult *r, size_t size)
{
    return calloc(PQntuples(r) ? (size_t)PQntuples(r) : 1, size);
}

/* r = the rows of sql ($1 = p0) and list.v room for them, or return -1. */
#define S_ROWS(r, db, sql, p0, list)                                                               \
    do {                                                                                           \
        (r) = s_query(db, sql, p0);                                                                \
        if (!(r) || !((list).v = s_alloc(r, sizeof *(list).v))) {                                  \
            PQclear(r);                                                                            \
            return -1;                                                                             \
        }                                                                                          \
    } while (0)

/* The client row, the masked hetu and the workers of the viewer's team. */
static int s_head(PGconn *db, cs_store_t *store, const char *team, const char *ck, read_client_t *c)
{
    PGresult *r = s_query(db,
                          "SELECT coalesce(c.responsible_worker, ''), coalesce(w.team, ''), "
                          "(SELECT value FROM casestore.rule_param WHERE key = 'TEAM_QUEUE') "
                          "FROM casestore.client c LEFT JOIN casestore.caseworker w ON "
                          "w.worker_id = c.responsible_worker WHERE c.client_key = $1",
                          ck);
    if (!r)
        return -1;
    if (PQntuples(r) != 1) {
        PQclear(r);
        return 1;
    }
    c->worker = read_pool_col(&c->pool, r, 0, 0, 0);
    c->worker_team = read_pool_col(&c->pool, r, 0, 1, 0);
    c->team_queue = read_pool_col(&c->pool, r, 0, 2, 0);
    PQclear(r);

    read_hetu_masked(store, ck, c->hetu_masked);

    S_ROWS(r, db,
           "SELECT username FROM casestore.inbox_user WHERE team = $1 AND active "
           "ORDER BY username",
           team, c->team_users);
    for (int i = 0; i < PQntuples(r); i++)
        c->team_users.v[c->team_users.n++] = read_pool_col(&c->pool, r, i, 0, 0);
    PQclear(r);
    return 0;
}

static int s_alerts(PGconn *db, const char *ck, read_client_t *c)
{
    PGresult *r;
    S_ROWS(r, db,
           "SELECT rule, severity, due_date::text, explanation, "
           "responsible_agency, alert_id::text, coalesce(text_id, ''), "
           "array_to_string(text_args, E'\\x1f') FROM casestore.alert WHERE client_key = $1 AND "
           "status = 'open' ORDER BY due_date NULLS LAST, id",
           ck, c->alerts);
    for (int i = 0; i < PQntuples(r); i++) {
        read_alert_t *a = &c->alerts.v[c->alerts.n++];
        a->rule = read_pool_col(&c->pool, r, i, 0, 0);
        a->severity = read_pool_col(&c->pool, r, i, 1, 0);
        a->due = read_pool_col(&c->pool, r, i, 2, 1);
        a->explanation = read_pool_col(&c->pool, r, i, 3, 0);
        a->agency = read_pool_col(&c->pool, r, i, 4, 0);
        a->alert_id = read_pool_col(&c->pool, r, i, 5, 0);
        a->text_id = read_pool_col(&c->pool, r, i, 6, 0);
        a->text_args = read_pool_col(&c->pool, r, i, 7, 0);
    }
    PQclear(r);
    return 0;
}

static int s_referrals(PGconn *db, const char *ck, read_client_t *c)
{
    PGresult *r;
    S_ROWS(r, db,
           "SELECT referral_id, priority, coalesce(requester_org, ''), "
           "authored::text, status, acknowledged IS NULL, started IS NOT NULL "
           "FROM casestore.referral "
           "WHERE client_key = $1 ORDER BY authored DESC, referral_id",
           ck, c->referrals);
    for (int i = 0; i < PQntuples(r); i++) {
        read_referral_t *x = &c->referrals.v[c->referrals.n++];
        x->id = read_pool_col(&c->pool, r, i, 0, 0);
        x->priority = read_pool_col(&c->pool, r, i, 1, 0);
        x->requester = read_pool_col(&c->pool, r, i, 2, 0);
        x->authored = read_pool_col(&c->pool, r, i, 3, 0);
        x->status = read_pool_col(&c->pool, r, i, 4, 0);
        x->open = strcmp(PQgetvalue(r, i, 5), "t") == 0;
        x->started = strcmp(PQgetvalue(r, i, 6), "t") == 0;
    }
    PQclear(r);
    return 0;
}

static int s_notices(PGconn *db, const char *ck, read_client_t *c)
{
    PGresult *r;
    S_ROWS(r, db,
           "SELECT n.event_id::text, n.kind, coalesce(n.kela_reference, ''), "
           "n.notice_date::text, coalesce(n.handled_date::text, ''), "
           "coalesce(n.handled_by, ''), coalesce(s.statement_date::text, ''), "
           "EXISTS (SELECT 1 FROM casestore.assessment a WHERE a.client_key = n.client_key "
           "AND a.notice_event_id = n.event_id AND a.started IS NOT NULL) "
           "FROM casestore.notice n LEFT JOIN casestore.social_statement s ON "
           "s.client_key = n.client_key AND s.kela_reference = n.kela_reference "
           "WHERE n.client_key = $1 ORDER BY n.notice_date DESC, n.event_id",
           ck, c->notices);
    for (int i = 0; i < PQntuples(r); i++) {
        read_notice_t *x = &c->notices.v[c->notices.n++];
        x->event_id = read_pool_col(&c->pool, r, i, 0, 0);
        x->kind = read_pool_col(&c->pool, r, i, 1, 0);
        x->ref = read_pool_col(&c->pool, r, i, 2, 0);
        x->date = read_pool_col(&c->pool, r, i, 3, 0);
        x->handled = read_pool_col(&c->pool, r, i, 4, 0);
        x->handled_by = read_pool_col(&c->pool, r, i, 5, 0);
        x->statement = read_pool_col(&c->pool, r, i, 6, 0);
        x->assessed = strcmp(PQgetvalue(r, i, 7), "t") == 0;
    }
    PQclear(r);
    return 0;
}

static int s_plan(PGconn *db, const char *ck, read_client_t *c)
{
    PGresult *r;
    S_ROWS(r, db,
           "SELECT title, owner_agency, responsible, due_date::text, status, "
           "item_id FROM casestore.plan_current WHERE client_key = $1 ORDER BY "
           "status <> 'open', due_date NULLS LAST, item_id",
           ck, c->plan);
    for (int i = 0; i < PQntuples(r); i++) {
        read_plan_item_t *x = &c->plan.v[c->plan.n++];
        x->title = read_pool_col(&c->pool, r, i, 0, 0);
        x->owner = read_pool_col(&c->pool, r, i, 1, 0);
        x->responsible = read_pool_col(&c->pool, r, i, 2, 0);
        x->due = read_pool_col(&c->pool, r, i, 3, 1);
        x->status = read_pool_col(&c->pool, r, i, 4, 0);
        x->item_id = read_pool_col(&c->pool, r, i, 5, 0);
    }
    PQclear(r);
    return 0;
}

static int s_timeline(PGconn *db, const char *ck, read_client_t *c)
{
    PGresult *r;
    S_ROWS(r, db,
           "SELECT to_char(t, 'FMDD.FMMM.YYYY HH24:MI'), type, summary, code, odate, who "
           "FROM (SELECT coalesce(occurred_at, applied_at) AS t, applied_at AS a, type, "
           "summary, coalesce((SELECT n.kind FROM casestore.notice n "
           "WHERE n.event_id = i.event_id), (SELECT b.benefit FROM casestore.benefit b "
           "WHERE b.event_id = i.event_id LIMIT 1), '') AS code, '' AS odate, '' AS who "
           "FROM casestore.inbox i WHERE client_key = $1 "
           "UNION ALL SELECT closed_at, closed_at, 'alert.outcome', rule, outcome, "
           "coalesce(outcome_date::text, ''), coalesce(closed_by, '') FROM casestore.alert "
           "WHERE client_key = $1 AND status = 'closed' AND outcome IS NOT NULL) x "
           "ORDER BY t DESC, a DESC LIMIT 200",
           ck, c->timeline);
    for (int i = 0; i < PQntuples(r); i++) {
        read_event_t *x = &c->timeline.v[c->timeline.n++];
        x->when = read_pool_col(&c->pool, r, i, 0, 0);
        x->type = read_pool_col(&c->pool, r, i, 1, 0);
        x->summary = read_pool_col(&c->pool, r, i, 2, 0);
        x->code = read_pool_col(&c->pool, r, i, 3, 0);
        x->outcome_date = read_pool_col(&c->pool, r, i, 4, 0);
        x->by = read_pool_col(&c->pool, r, i, 5, 0);
    }
    PQclear(r);
    return 0;
}

int read_client_load(PGconn *db, cs_store_t *store, const char *team, const char *ck,
                     read_client_t *out)
{
    memset(out, 0, sizeof *out);
    int rc = s_head(db, store, team, ck, out);
    if (rc == 0)
        rc = s_alerts(db, ck, out);
    if (rc == 0)
        rc = s_referrals(db, ck, out);
    if (rc == 0)
        rc = s_notices(db, ck, out);
    if (rc == 0)
        rc = s_plan(db, ck, out);
    if (rc == 0)
        rc = s_timeline(db, ck, out);
    if (rc == 0)
        rc = (out->cplan = malloc(sizeof *out->cplan)) ? read_plan_load(db, ck, out->cplan) : -1;
    return rc == 0 && out->pool.failed ? -1 : rc;
}

void read_client_free(read_client_t *c)
{
    if (!c)
        return;
    free(c->team_users.v);
    free(c->alerts.v);
    free(c->referrals.v);
    free(c->notices.v);
    free(c->plan.v);
    free(c->timeline.v);
    read_plan_free(c->cplan);
    free(c->cplan);
    read_pool_free(&c->pool);
    memset(c, 0, sizeof *c);
}
