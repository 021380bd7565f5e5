/*  cs_apply_plan.c - social.client_plan.v1 into the client plan's tables
 *  (migrations/010_client_plan.sql); see cs_apply_plan.h.
 *
 *  One statement, like every fact of cs_apply.c: the goals and actions go in
 *  as one JSON parameter ({"goals": [...], "actions": [...]}, built with
 *  jansson) that the SQL unpacks with jsonb_to_recordset. Each event carries
 *  the whole plan, so the current goals and actions are the rows whose
 *  event_id is the plan's; older ones stay for the scores over time.
 *
 *  Not here: the transaction (cs_store.c), validation (the contract in
 *  lib/silta_contract.c checked the payload), reading it back (read/read_plan.c).
 */
#include "cs_apply_plan.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NUL(s) ((s) && *(s) ? (s) : NULL)

const char cs_apply_plan_sql[] =
    "WITH j AS (SELECT $10::jsonb AS doc), "
    "p AS (INSERT INTO casestore.client_plan(client_key, plan_id, started, reviewed, "
    "  review_date, responsible_worker, assessment_id, worker, event_id) "
    "  VALUES ($1, $2, $4::date, CASE WHEN $3 = 'review' THEN $4::date END, $5::date, $6, $7, "
    "  $8, $9::uuid) "
    "  ON CONFLICT (client_key) DO UPDATE SET plan_id = EXCLUDED.plan_id, "
    "  started = CASE WHEN $3 = 'start' THEN EXCLUDED.started "
    "    ELSE casestore.client_plan.started END, "
    "  reviewed = CASE WHEN $3 = 'start' THEN NULL "
    "    ELSE greatest(casestore.client_plan.reviewed, EXCLUDED.reviewed) END, "
    "  review_date = EXCLUDED.review_date, responsible_worker = EXCLUDED.responsible_worker, "
    "  assessment_id = coalesce(EXCLUDED.assessment_id, casestore.client_plan.assessment_id), "
    "  worker = EXCLUDED.worker, event_id = EXCLUDED.event_id), "
    "g AS (INSERT INTO casestore.client_plan_goal(client_key, goal_id, ord, text, event_id) "
    "  SELECT $1, x.goal_id, x.ord, x.text, $9::uuid FROM j, jsonb_to_recordset(j.doc->'goals') "
    "  AS x(goal_id text, ord int, text text, gas text) "
    "  ON CONFLICT (client_key, goal_id) DO UPDATE SET ord = EXCLUDED.ord, "
    "  text = EXCLUDED.text, event_id = EXCLUDED.event_id), "
    "a AS (INSERT INTO casestore.client_plan_action(client_key, action_id, ord, agency, title, "
    "  responsible, due_date, goal_id, event_id) "
    "  SELECT $1, x.action_id, x.ord, x.agency, x.title, nullif(x.responsible, ''), "
    "  nullif(x.due_date, '')::date, nullif(x.goal_id, ''), $9::uuid "
    "  FROM j, jsonb_to_recordset(j.doc->'actions') AS x(action_id text, ord int, agency text, "
    "  title text, responsible text, due_date text, goal_id text) "
    "  ON CONFLICT (client_key, action_id) DO UPDATE SET ord = EXCLUDED.ord, "
    "  agency = EXCLUDED.agency, title = EXCLUDED.title, responsible = EXCLUDED.responsible, "
    "  due_date = EXCLUDED.due_date, goal_id = EXCLUDED.goal_id, event_id = EXCLUDED.event_id), "
    "s AS (INSERT INTO casestore.client_plan_score(client_key, goal_id, day, kind, gas, event_id) "
    "  SELECT $1, x.goal_id, $4::date, $3, x.gas::smallint, $9::uuid "
    "  FROM j, jsonb_to_recordset(j.doc->'goals') AS x(goal_id text, gas text) "
    "  WHERE x.gas <> '' "
    "  ON CONFLICT (client_key, goal_id, day) DO UPDATE SET kind = EXCLUDED.kind, "
    "  gas = EXCLUDED.gas, event_id = EXCLUDED.event_id) "
    "INSERT INTO casestore.client_plan_measure(client_key, day, name, value, event_id) "
    "SELECT $1, $4::date, $11::text, $12::numeric, $9::uuid WHERE $11::text IS NOT NULL AND "
    "$12::numeric IS NOT NULL "
    "ON CONFLICT (client_key, day, name) DO UPDATE SET value = EXCLUDED.value, "
    "event_id = EXCLUDED.event_id";

static const char *s_s(const char *v)
{
    return v ? v : "";
}

/* {"goals": [{goal_id, ord, text, gas}], "actions": [{action_id, ord, agency, ...}]}
 * as a malloc'd string, or NULL when out of memory. */
static char *s_doc(const Silta__ClientPlan *m)
{
    json_t *doc = json_object(), *goals = json_array(), *actions = json_array();
    char *out = NULL;
    if (!doc || !goals || !actions)
        goto done;
    for (size_t i = 0; i < m->n_goals; i++) {
        const Silta__ClientPlanGoal *g = m->goals[i];
        if (json_array_append_new(goals, json_pack("{s:s, s:i, s:s, s:s}", "goal_id",
                                                   s_s(g->goal_id), "ord", (int)i, "text",
                                                   s_s(g->text), "gas", s_s(g->gas))) != 0)
            goto done;
    }
    for (size_t i = 0; i < m->n_actions; i++) {
        const Silta__ClientPlanAction *a = m->actions[i];
        if (json_array_append_new(
                actions, json_pack("{s:s, s:i, s:s, s:s, s:s, s:s, s:s}", "action_id",
                                   s_s(a->action_id), "ord", (int)i, "agency", s_s(a->agency),
                                   "title", s_s(a->title), "responsible", s_s(a->responsible),
                                   "due_date", s_s(a->due_date), "goal_id", s_s(a->goal_id))) != 0)
            goto done;
    }
    if (json_object_set(doc, "goals", goals) == 0 && json_object_set(doc, "actions", actions) == 0)
        out = json_dumps(doc, JSON_COMPACT);
done:
    json_decref(goals);
    json_decref(actions);
    json_decref(doc);
    return out;
}

int cs_apply_plan_params(const Silta__ClientPlan *m, const char *ck, const char *day,
                         const char *event_id, const char **p, char **owned, silta_err_t *err)
{
    char *doc = s_doc(m);
    if (!doc)
        return silta_err_set(err, SILTA_ERR, "out of memory");
    *owned = doc;
    p[0] = ck;
    p[1] = m->plan_id;
    p[2] = m->kind;
    p[3] = NUL(m->date) ? m->date : day;
    p[4] = NUL(m->review_date);
    p[5] = m->responsible_worker;
    p[6] = NUL(m->assessment_id);
    p[7] = NUL(m->worker);
    p[8] = event_id;
    p[9] = doc;
    p[10] = NUL(m->measure_name);
    p[11] = NUL(m->measure_value);
    return 12;
}

void cs_apply_plan_summary(const cs_event_t *e, char *out, size_t len)
{
    const Silta__ClientPlan *m = (const Silta__ClientPlan *)e->msg;
    snprintf(out, len, "client plan %s, %zu goals, %zu actions", m->kind, m->n_goals, m->n_actions);
}
