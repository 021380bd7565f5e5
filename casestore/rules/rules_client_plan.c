/*  rules_client_plan.c - the client plan's rule: its review by the agreed date.
 *
 *   12 client_plan_review_due          the client plan (social.client_plan.v1) is
 *                                      reviewed by its review date (sosiaalihuoltolaki
 *                                      1301/2014 39 §: the plan is drawn up and kept up
 *                                      to date; the review date is agreed in the plan)
 *
 *  The finding appears the day after the deadline (the review date, moved to the
 *  next working day when it falls on a weekend or holiday, plus
 *  CLIENT_PLAN_REVIEW_GRACE_WD working days) and disappears when a review is
 *  recorded on or after the review date, or when a new plan version agrees a
 *  later review date (a new occurrence: the old one closes).
 *
 *  Not here: I/O, alerts (store/), parameters' values (config/rules.conf).
 */
#include <stdio.h>
#include <string.h>

#include "cs_rules.h"

/* 12. The client plan's review is overdue. h->cplan.review is the agreed
 *     review date (YYYY-MM-DD in the event); due is that day moved to a working
 *     day plus CLIENT_PLAN_REVIEW_GRACE_WD working days. */
int cs_rule_client_plan_review_due(const cs_rule_t *self, const cs_history_t *h,
                                   const cs_params_t *p, cs_day_t today, cs_findings_t *out)
{
    const cs_cplan_t *c = &h->cplan;
    if (!c->plan_id[0] || c->review == CS_NODAY)
        return 0;
    if (c->reviewed != CS_NODAY && c->reviewed >= c->review)
        return 0;
    cs_day_t due = cs_wd_add(c->review, p->client_plan_review_grace_wd);
    cs_wake(out, due == CS_NODAY ? CS_NODAY : due + 1); /* passed the day after due */
    if (due == CS_NODAY || today <= due)
        return 0;
    char occ[96], r[11], d[11];
    snprintf(occ, sizeof occ, "cplan:%s:%s", c->plan_id, cs_day_format(c->review, r));
    if (cs_finding_add(out, self, occ, due, c->cause,
                       "The client plan was to be reviewed on %s (due %s) and no review has "
                       "been recorded. Review the plan with the client and the agencies and "
                       "record the goal-attainment scores.",
                       r, cs_day_format(due, d)) == 0)
        cs_finding_text(out, "r12", "dd", c->review, due);
    return 0;
}
