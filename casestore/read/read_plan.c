/*  read_plan.c - the queries of the client plan (see read_plan.h).
 *
 *  Not here: HTML and labels (web/web_plan.c), the access check.
 */
#include "read_plan.h"

#include <stdlib.h>
#include <string.h>

#include "silta_db.h"

/* The rows of sql ($1 = ck) with room for them in *v (size each): the
 * result, or NULL (database error, out of memory). */
static PGresult *s_rows(PGconn *db, const char *sql, const char *ck, void **v, size_t size)
{
    const char *p[1] = {ck};
    PGresult *r = silta_db_query(db, sql, 1, p, NULL);
    if (!r)
        return NULL;
    *v = calloc(PQntuples(r) ? (size_t)PQntuples(r) : 1, size);
    if (!*v) {
        PQclear(r);
        return NULL;
    }
    return r;
}

#define S_COL(i, c) read_pool_col(&out->pool, r, i, c, 0)

static int s_head(PGconn *db, const char *ck, read_plan_t *out)
{
    const char *p[1] = {ck};
    PGresult *r = silta_db_query(db,
                                 "SELECT plan_id, started::text, reviewed::text, "
                                 "review_date::text, responsible_worker, assessment_id "
                                 "FROM casestore.client_plan WHERE client_key = $1",
                                 1, p, NULL);
    if (!r)
        return -1;
    out->has_plan = PQntuples(r) == 1;
    const char **f[6] = {&out->plan_id,
                         &out->started,
                         &out->reviewed,
                         &out->review_date,
                         &out->responsible_worker,
                         &out->assessment_id};
    for (int c = 0; c < 6; c++)
        *f[c] = out->has_plan ? S_COL(0, c) : "";
    PQclear(r);
    return 0;
}

static int s_goals(PGconn *db, const char *ck, read_plan_t *out)
{
    PGresult *r = s_rows(db,
                         "SELECT g.goal_id, g.text FROM casestore.client_plan_goal g JOIN "
                         "casestore.client_plan p ON p.client_key = g.client_key AND "
                         "p.event_id = g.event_id WHERE g.client_key = $1 ORDER BY g.ord",
                         ck, (void **)&out->goals, sizeof *out->goals);
    if (!r)
        return -1;
    for (int i = 0; i < PQntuples(r); i++)
        out->goals[out->ngoals++] = (read_cplan_goal_t){S_COL(i, 0), S_COL(i, 1)};
    PQclear(r);
    return 0;
}

static int s_actions(PGconn *db, const char *ck, read_plan_t *out)
{
    PGresult *r = s_rows(db,
                         "SELECT a.action_id, a.agency, a.title, coalesce(a.responsible, ''), "
                         "coalesce(a.due_date::text, ''), coalesce(a.goal_id, '') FROM "
                         "casestore.client_plan_action a JOIN casestore.client_plan p ON "
                         "p.client_key = a.client_key AND p.event_id = a.event_id WHERE "
                         "a.client_key = $1 ORDER BY a.ord",
                         ck, (void **)&out->actions, sizeof *out->actions);
    if (!r)
        return -1;
    for (int i = 0; i < PQntuples(r); i++)
        out->actions[out->nactions++] = (read_cplan_action_t){
            S_COL(i, 0), S_COL(i, 1), S_COL(i, 2), S_COL(i, 3), S_COL(i, 4), S_COL(i, 5)};
    PQclear(r);
    return 0;
}

static int s_scores(PGconn *db, const char *ck, read_plan_t *out)
{
    PGresult *r = s_rows(db,
                         "SELECT goal_id, day::text, kind, gas FROM casestore.client_plan_score "
                         "WHERE client_key = $1 ORDER BY day, goal_id",
                         ck, (void **)&out->scores, sizeof *out->scores);
    if (!r)
        return -1;
    for (int i = 0; i < PQntuples(r); i++)
        out->scores[out->nscores++] =
            (read_cplan_score_t){S_COL(i, 0), S_COL(i, 1), S_COL(i, 2), atoi(PQgetvalue(r, i, 3))};
    PQclear(r);
    return 0;
}

static int s_measures(PGconn *db, const char *ck, read_plan_t *out)
{
    PGresult *r = s_rows(db,
                         "SELECT day::text, name, value::text FROM casestore.client_plan_measure "
                         "WHERE client_key = $1 ORDER BY day, name",
                         ck, (void **)&out->measures, sizeof *out->measures);
    if (!r)
        return -1;
    for (int i = 0; i < PQntuples(r); i++)
        out->measures[out->nmeasures++] =
            (read_cplan_measure_t){S_COL(i, 0), S_COL(i, 1), S_COL(i, 2)};
    PQclear(r);
    return 0;
}

static int s_assessments(PGconn *db, const char *ck, read_plan_t *out)
{
    PGresult *r = s_rows(db,
                         "SELECT assessment_id, coalesce(started::text, ''), "
                         "coalesce(completed::text, ''), "
                         "coalesce(array_to_string(need_areas, ','), '') FROM "
                         "casestore.assessment WHERE client_key = $1 "
                         "ORDER BY started DESC NULLS LAST, assessment_id",
                         ck, (void **)&out->assessments, sizeof *out->assessments);
    if (!r)
        return -1;
    for (int i = 0; i < PQntuples(r); i++)
        out->assessments[out->nassessments++] =
            (read_assessment_t){S_COL(i, 0), S_COL(i, 1), S_COL(i, 2), S_COL(i, 3)};
    PQclear(r);
    return 0;
}

int read_plan_load(PGconn *db, const char *ck, read_plan_t *out)
{
    memset(out, 0, sizeof *out);
    int rc = s_head(db, ck, out);
    if (rc == 0)
        rc = s_goals(db, ck, out);
    if (rc == 0)
        rc = s_actions(db, ck, out);
    if (rc == 0)
        rc = s_scores(db, ck, out);
    if (rc == 0)
        rc = s_measures(db, ck, out);
    if (rc == 0)
        rc = s_assessments(db, ck, out);
    return rc == 0 && out->pool.failed ? -1 : rc;
}

void read_plan_free(read_plan_t *p)
{
    if (!p)
        return;
    free(p->goals);
    free(p->actions);
    free(p->scores);
    free(p->measures);
    free(p->assessments);
    read_pool_free(&p->pool);
    memset(p, 0, sizeof *p);
}
