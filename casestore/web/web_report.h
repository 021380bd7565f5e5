/*  web_report.h - the team lead's page (GET /report): the report for
 *  decision-makers (issue 15, item 3) as tables and server-side SVG charts,
 *  in the user's language from the catalogue.
 *
 *  Renders what read_report_load returns (../read/read_report.h): gaps found
 *  by rule per month (a grouped bar chart and a table per area, with the
 *  median days from alert to action), late decisions by agency, health
 *  referrals acknowledged in time, and the caseload per worker against the
 *  guideline (a bar chart with the guideline as a line). A hidden value is
 *  shown as "<5", never as its number, in tables and charts alike; the page
 *  carries no client key, hetu, name or worker.
 *
 *  Not here: who may see it (web_routes.c: the team-lead role, 012), SQL.
 */
#ifndef WEB_REPORT_H
#define WEB_REPORT_H

#include "../read/read_report.h"
#include "silta_buf.h"
#include "web.h"

/* The whole page into b. */
void web_page_report(const read_report_t *r, const web_session_t *s, silta_buf_t *b);

#endif
