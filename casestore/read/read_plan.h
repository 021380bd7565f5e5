/*  read_plan.h - the client plan (asiakassuunnitelma, SHL 39 §) as data for
 *  the client page and the plan's inbox actions: the plan row with its
 *  omatyöntekijä (SHL 42 §) and next review, the current goals and agency
 *  actions, every GAS score and measure by day (the change over time), and
 *  the client's service-need assessments with the need areas found.
 *
 *  Values are the database's codes and dates (YYYY-MM-DD); the page
 *  (web/web_plan.c) labels and escapes them. Tables: migrations/010_client_plan.sql.
 *
 *  Not here: HTML, writes (store/cs_apply_plan.c), the access check.
 */
#ifndef READ_PLAN_H
#define READ_PLAN_H

#include "read.h"

typedef struct {
    const char *goal_id, *text;
} read_cplan_goal_t;

typedef struct {
    const char *action_id, *agency, *title, *responsible, *due, *goal_id; /* "" when none */
} read_cplan_action_t;

typedef struct {
    const char *goal_id, *day, *kind; /* kind: start | review */
    int gas;                          /* -2..2 */
} read_cplan_score_t;

typedef struct {
    const char *day, *name, *value;
} read_cplan_measure_t;

typedef struct {
    const char *assessment_id, *started, *completed; /* "" when not (yet) */
    const char *need_areas;                          /* codes joined by ',' ("" none) */
} read_assessment_t;

typedef struct read_plan_s {
    int has_plan; /* 0: no client plan yet (the fields below are "") */
    const char *plan_id, *started, *reviewed, *review_date, *responsible_worker, *assessment_id;
    size_t ngoals, nactions, nscores, nmeasures, nassessments;
    read_cplan_goal_t *goals;       /* current, in the plan's order */
    read_cplan_action_t *actions;   /* current, in the plan's order */
    read_cplan_score_t *scores;     /* all, by day then goal */
    read_cplan_measure_t *measures; /* all, by day then name */
    read_assessment_t *assessments; /* newest first */
    read_pool_t pool;
} read_plan_t;

/* Load client ck's plan into *out (read_plan_free after, also on failure).
 * Returns 0 (also when the client has no plan: has_plan 0), or -1 on a
 * database error or out of memory. */
int read_plan_load(PGconn *db, const char *ck, read_plan_t *out);
void read_plan_free(read_plan_t *p);

#endif
