/*  cs_apply_plan.h - the fact of social.client_plan.v1 (the client plan,
 *  sosiaalihuoltolaki 1301/2014 39 §): one SQL statement and its parameters,
 *  used by cs_apply.c's table of kinds. Internal to silta-casestore.
 *
 *  Not here: the transaction (cs_store.c), reading the plan back for pages
 *  (read/read_plan.c), the rule on its review date (rules/rules_client_plan.c).
 */
#ifndef CS_APPLY_PLAN_H
#define CS_APPLY_PLAN_H

#include <stddef.h>

#include "cs_event.h"
#include "events.pb-c.h"
#include "silta_err.h"

/* The statement: the plan row (a "start" resets the latest review, a "review"
 * sets it), the goals and actions as they now stand (their event_id = the
 * plan's), a GAS score per scored goal on the event's day, and the measure's
 * total when one is named. Replaying the event writes the same rows. */
extern const char cs_apply_plan_sql[];

/* p[0..11] = the statement's parameters for m, of client ck, with day (the
 * event's date, YYYY-MM-DD) where m has none and event_id the envelope's. The
 * goals and actions travel as one JSON parameter (jansson), malloc'd into
 * *owned (the caller frees it after the statement). m passed its contract.
 * Returns 12, or SILTA_ERR (out of memory) with err set. */
int cs_apply_plan_params(const Silta__ClientPlan *m, const char *ck, const char *day,
                         const char *event_id, const char **p, char **owned, silta_err_t *err);

/* The timeline line of e (a social.client_plan.v1): "client plan start" /
 * "client plan review" and the number of goals; never a goal's text. */
void cs_apply_plan_summary(const cs_event_t *e, char *out, size_t len);

#endif
