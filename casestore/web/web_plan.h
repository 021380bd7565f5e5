/*  web_plan.h - the service-need assessment's completion and the client plan
 *  (asiakassuunnitelma) on the client page: the forms, their checks and
 *  events, and the plan's view with the goal-attainment scores over time.
 *
 *  Sosiaalihuoltolaki 1301/2014: 36 § (the assessment, its need areas from
 *  the support needs of 11 §), 39 § (the client plan, its review), 42 § (the
 *  named responsible worker, omatyöntekijä, shown to every agency that
 *  receives the plan: it travels in social.client_plan.v1).
 *
 *  Verbs (POST /client/<client_key>/<verb>; web_routes.c has checked the
 *  session, the CSRF token and access to the client, and writes the access
 *  log line with the action and detail given back here):
 *
 *      assess_done    assessment need_<area>=1 ...  -> social.assessment.v1 completed
 *      cplan          omatyontekija review goal1..3 [gas1..3] [actN_*] [measure_*]
 *                                                    -> social.client_plan.v1 start
 *      cplan_review   omatyontekija review gas1..N [measure_*]
 *                                                    -> social.client_plan.v1 review
 *
 *  Not here: SQL (read/read_plan.c, store/cs_apply_plan.c), the routes' checks.
 */
#ifndef WEB_PLAN_H
#define WEB_PLAN_H

#include <stddef.h>

#include "../read/read_plan.h"
#include "silta_buf.h"
#include "silta_err.h"
#include "web.h"

/* 1 when verb is one of this module's. */
int web_plan_is_verb(const char *verb);

/* Run verb for client ck from the form req->body. *action gets the access
 * log's action name, *ok the flash key; detail (len bytes) a code for the
 * log (an assessment or plan id, never free text). Returns as web_actions.h
 * says: 0, 1 (already done), WEB_ACT_NOT_FOUND, SILTA_EINVAL with a Finnish
 * msgid in err (the page translates it), SILTA_EAGAIN / SILTA_ERR. */
int web_plan_action(web_ctx_t *ctx, const web_session_t *s, const web_req_t *req, const char *ck,
                    const char *verb, const char **action, const char **ok, char *detail,
                    size_t len, silta_err_t *err);

/* The section of the client page: assessments (complete one with its need
 * areas), the plan (omatyöntekijä, goals with their GAS scores by day as a
 * table and an inline SVG, agency actions, measures) and its forms. p may be
 * NULL (nothing read): the section is left out. */
void web_plan_render(silta_buf_t *b, const web_session_t *s, const char *ck, const char *today,
                     const char *worker, const read_plan_t *p);

#endif
