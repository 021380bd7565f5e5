/* test_report.c - the report for decision-makers (issue 15, item 3):
 * `siltactl report` and the team lead's page (/report) of the inbox, both
 * rendering casestore/read/read_report.c, over a real PostgreSQL.
 *
 * a_three_client_cell_...: over a population where one cell has 3 clients,
 * that cell is hidden, and so is its complement, so that no row or column
 * total gives it away; no output (text, JSON, CSV) holds a client key or a
 * hetu. Then tests/browser/report.mjs (headless Chromium) checks the same on
 * the page for a team lead (Finnish and Swedish), with its SVG charts, and
 * that a caseworker without the role gets 403; the access log has both.
 *
 * the_new_aggregates_...: late decisions by agency, referrals acknowledged
 * in time and the caseload against the guideline, counted right on a small
 * known population.
 *
 * the_demo_scenario_...: `make demo`'s scenario (tests/fixtures/scenario/
 * demo.txt through ops/scenario, the real adapters and hub) gives a client
 * plan with GAS scores of two days, a plan whose review is overdue (rule 12)
 * and a report with a visible cell next to hidden ones; a scenario line with
 * a bad item key (goals.N.SUB) is refused with its reason and stores nothing.
 */
#include <criterion/criterion.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fixture.h"
#include "harness.h"

static char *s_home;

static void s_fini(void)
{
    harness_home_destroy(&s_home);
}
TestSuite(report, .fini = s_fini);

/* n clients of team queue `area` with an alert of `rule` opened on `day`,
 * closed `days` later; the alert is `agency`'s, its occurrence `occ` + the
 * client's number. */
static void s_alerts_of(const char *area, const char *rule, const char *agency, const char *occ,
                        const char *day, int days, int n, int *next)
{
    for (int i = 0; i < n; i++, (*next)++) {
        char sql[1200];
        snprintf(sql, sizeof sql,
                 "INSERT INTO casestore.client (client_key, hetu_sealed) VALUES "
                 "('ck-report-%04d', '\\x00') ON CONFLICT DO NOTHING;"
                 "INSERT INTO casestore.alert (alert_id, client_key, rule, occurrence, severity, "
                 "responsible_agency, responsible_worker, explanation, status, opened_on, "
                 "closed_on) VALUES (gen_random_uuid(), 'ck-report-%04d', '%s', '%s%04d', 'high', "
                 "'%s', '%s', 'x', 'closed', '%s', '%s'::date + %d)",
                 *next, *next, rule, occ, *next, agency, area, day, day, days);
        fixture_exec_admin(sql);
    }
}

static void s_alerts(const char *area, const char *rule, const char *day, int n, int *next)
{
    s_alerts_of(area, rule, "social", "o", day, 2, n, next);
}

/* The JSON cell of (row, month) in the report's table: its text up to '}'. */
static char *s_cell_of(const char *json, const char *table, const char *key, const char *row,
                       const char *month)
{
    char at[64], k[200];
    snprintf(at, sizeof at, "\"%s\": [", table);
    const char *t = strstr(json, at);
    cr_assert_not_null(t, "no table %s in:\n%s", table, json);
    snprintf(k, sizeof k, "\"%s\": \"%s\", \"month\": \"%s\"", key, row, month);
    const char *p = strstr(t, k);
    const char *end = strstr(t, "]");
    cr_assert(p && p < end, "no cell %s %s %s in:\n%s", table, row, month, json);
    const char *e = strchr(p, '}');
    return strndup(p, (size_t)(e - p));
}

static char *s_cell(const char *json, const char *rule, const char *month)
{
    return s_cell_of(json, "gaps", "rule", rule, month);
}

static int s_hidden(const char *json, const char *rule, const char *month)
{
    char *c = s_cell(json, rule, month);
    int h = strstr(c, "\"suppressed\": true") != NULL;
    free(c);
    return h;
}

/* The cell's text holds want (e.g. "\"clients\": 6"). */
static void s_expect(const char *json, const char *table, const char *key, const char *row,
                     const char *month, const char *want)
{
    char *c = s_cell_of(json, table, key, row, month);
    cr_expect(strstr(c, want), "%s %s %s: want %s in %s", table, row, month, want, c);
    free(c);
}

static void s_add_user(const char *name, const char *pass, const char *extra)
{
    char bin[4096], cmd[8192];
    snprintf(cmd, sizeof cmd, "printf '%%s\\n' '%s' | '%s' --add-user %s aikuissosiaalityo %s",
             pass, harness_bin_path(bin, sizeof bin, "silta-casestore"), name, extra);
    harness_result_t r;
    harness_runl(&r, 60000, "/bin/sh", "-c", cmd, NULL);
    cr_assert_eq(r.status, 0, "--add-user %s failed:\n%s\n%s", name, r.out, r.err);
    harness_result_free(&r);
}

Test(report, a_three_client_cell_and_its_complement_are_hidden, .timeout = 400)
{
    s_home = fixture_up();
    fixture_deploy(1); /* the case store's schema, and its inbox */
    int next = 0;
    s_alerts("team:north", "notice_not_handled", "2026-04-10", 3, &next);
    s_alerts("team:north", "notice_not_handled", "2026-05-10", 10, &next);
    s_alerts("team:north", "sickness_allowance_running_out", "2026-04-12", 8, &next);
    s_alerts("team:north", "sickness_allowance_running_out", "2026-05-12", 12, &next);
    /* A caseload for the page's second chart: one worker over the guideline. */
    fixture_exec_admin("INSERT INTO casestore.caseworker (worker_id, team) VALUES "
                       "('w-report-1', 'north'), ('w-report-2', 'north');"
                       "UPDATE casestore.client SET responsible_worker = CASE WHEN client_key < "
                       "'ck-report-0025' THEN 'w-report-1' ELSE 'w-report-2' END");

    harness_result_t r;
    harness_ctl(&r, "report", "--since", "2026-01", "--json", NULL);
    cr_assert_eq(r.status, 0, "%s%s", r.out, r.err);
    const char *j = r.out;
    cr_assert(s_hidden(j, "notice_not_handled", "2026-04"), "the 3-client cell is hidden");
    /* Its row and column each need a second hidden value. */
    int row =
        s_hidden(j, "notice_not_handled", "2026-05") + s_hidden(j, "notice_not_handled", "total");
    int col = s_hidden(j, "sickness_allowance_running_out", "2026-04") +
              s_hidden(j, "all rules", "2026-04");
    cr_assert_geq(row, 1, "a complement in the 3-client cell's row");
    cr_assert_geq(col, 1, "a complement in the 3-client cell's column");
    char *big = s_cell(j, "sickness_allowance_running_out", "total");
    cr_assert(strstr(big, "\"clients\": 20"), "a large total is shown: %s", big);
    cr_assert(strstr(big, "\"median_days_to_action\": 2"), "%s", big);
    free(big);
    big = s_cell(j, "all rules", "total");
    cr_assert(strstr(big, "\"clients\": 33"), "the area's total is shown: %s", big);
    free(big);

    /* A worker the case store has no caseworker row for: its alert counts in
     * area "-", never under the worker's id (checked here with "w-report"). */
    s_alerts("w-report-orphan", "notice_not_handled", "2026-04-10", 1, &next);

    /* No client key or hetu in any output; a hidden cell is never a number. */
    regex_t hetu;
    cr_assert_eq(regcomp(&hetu, "[0-9]{6}[-+A-FU-Y][0-9]{3}[0-9A-Y]", REG_EXTENDED), 0);
    const char *formats[3] = {"--json", "--csv", NULL};
    for (int f = 0; f < 3; f++) {
        harness_result_t o;
        harness_ctl(&o, "report", "--since", "2026-01", formats[f], NULL);
        cr_assert_eq(o.status, 0, "%s", o.err);
        cr_assert_null(strstr(o.out, "ck-report"), "a client key in the report:\n%s", o.out);
        cr_assert_null(strstr(o.out, "w-report"), "a worker in the report:\n%s", o.out);
        cr_assert_neq(regexec(&hetu, o.out, 0, NULL, 0), 0, "a hetu in the report");
        harness_result_free(&o);
    }
    regfree(&hetu);
    harness_result_t o;
    harness_ctl(&o, "report", "--since", "2026-01", "--json", NULL);
    cr_assert(strstr(o.out, "\"area\": \"-\""), "the orphan worker's alert is in area -: %s", o.out);
    harness_result_free(&o);
    fixture_exec_admin("DELETE FROM casestore.alert WHERE responsible_worker = 'w-report-orphan'");
    harness_ctl(&o, "report", "--since", "2026-01", "--csv", NULL);
    cr_assert(strstr(o.out, "gaps,team:north,notice_not_handled,2026-04,,,suppressed\n"), "%s",
              o.out);
    harness_result_free(&o);
    harness_ctl(&o, "report", "--since", "2026-01", NULL);
    const char *line = strstr(o.out, "notice_not_handled");
    cr_assert_not_null(line, "%s", o.out);
    cr_assert(strncmp(line + 30, "           <5", 13) == 0, "text: %.80s", line);
    harness_result_free(&o);
    harness_result_free(&r);

    harness_ctl(&r, "report", "--since", "2026-13", NULL);
    cr_assert_eq(r.status, 1);
    cr_assert(strstr(r.err, "YYYY-MM"), "%s", r.err);
    harness_result_free(&r);

    /* The page: a team lead in Finnish and in Swedish, a caseworker without the role. */
    char script[4096], mods[4096], shots[4096];
    snprintf(script, sizeof script, "%s/tests/browser/report.mjs", harness_src());
    snprintf(mods, sizeof mods, "%s/tests/browser/node_modules/playwright-core", harness_src());
    snprintf(shots, sizeof shots, "%s/build/test-artifacts", harness_src());
    struct stat st;
    cr_assert_eq(stat(mods, &st), 0, "playwright-core missing: run ops/install-deps.sh");
    cr_assert_eq(stat("/usr/bin/chromium", &st), 0, "chromium missing: run ops/install-deps.sh");
    s_add_user("johtaja", "tiiminvetajan-salasana", "--role teamlead");
    s_add_user("ledare", "teamledarens-losenord", "--lang sv --role teamlead");
    s_add_user("tyontekija", "tyontekijan-salasana", "");
    char *inbox_url = harness_env_get(s_home, "SILTA_INBOX_URL");
    cr_assert_not_null(inbox_url, "no SILTA_INBOX_URL in the env file");
    setenv("INBOX_URL", inbox_url, 1);
    free(inbox_url);
    setenv("LEAD", "johtaja", 1);
    setenv("LEAD_PASS", "tiiminvetajan-salasana", 1);
    setenv("LEAD_SV", "ledare", 1);
    setenv("LEAD_SV_PASS", "teamledarens-losenord", 1);
    setenv("WORKER", "tyontekija", 1);
    setenv("WORKER_PASS", "tyontekijan-salasana", 1);
    setenv("SCREENSHOT_DIR", shots, 1);
    setenv("SINCE", "2026-01", 1);
    setenv("CLIENT_KEY_PREFIX", "ck-report", 1);
    setenv("HIDDEN_RULE_LABEL", "Kelan ilmoitus käsittelemättä", 1);
    setenv("OTHER_RULE_LABEL", "Sairauspäiväraha päättymässä", 1);
    setenv("HIDDEN_MONTH", "4/2026", 1);
    setenv("OTHER_MONTH", "5/2026", 1);
    setenv("GRAND_TOTAL", "33", 1);
    harness_runl(&r, 180000, "/usr/bin/env", "node", script, NULL);
    cr_assert_eq(r.status, 0, "report.mjs failed (%d):\n%s\n%s", r.status, r.out, r.err);
    cr_assert(strstr(r.out, "\"ok\":true") != NULL, "%s", r.out);
    harness_result_free(&r);

    cr_assert_geq(fixture_count("SELECT count(*) FROM casestore.inbox_access WHERE username = "
                                "'johtaja' AND action = 'view_report' AND outcome = 'ok'"),
                  1, "the team lead's view is not in the access log");
    cr_assert_eq(fixture_count("SELECT count(*) FROM casestore.inbox_access WHERE username = "
                               "'johtaja' AND action = 'view_report' AND outcome = 'refused'"),
                 1, "the bad month is not in the access log");
    cr_assert_eq(fixture_count("SELECT count(*) FROM casestore.inbox_access WHERE username = "
                               "'tyontekija' AND action = 'view_report' AND outcome = 'denied'"),
                 1, "the caseworker's 403 is not in the access log");
}

Test(report, the_new_aggregates_are_counted_right_on_a_known_population, .timeout = 240)
{
    s_home = fixture_up();
    fixture_deploy(1);
    int next = 0;
    /* Late decisions: 6 of Kela's (rule 1) closed 3 days after the alert; 5 of
     * the county's on a forwarded application (rule 2), closed after 4; 4 rule
     * 2 alerts on another kind of notice, which are no decision. */
    s_alerts_of("team:north", "basic_assistance_decision_late", "kela", "ba:", "2026-04-08", 3, 6,
                &next);
    int first = next;
    s_alerts_of("team:north", "notice_not_handled", "social",
                "notice:00000000-0000-0000-0000-00000000", "2026-04-09", 4, 5, &next);
    s_alerts_of("team:north", "notice_not_handled", "social",
                "notice:00000000-0000-0000-0000-00000000", "2026-04-09", 4, 4, &next);
    for (int i = first; i < next; i++) {
        char sql[600];
        snprintf(sql, sizeof sql,
                 "INSERT INTO casestore.notice (event_id, client_key, kind, notice_date, "
                 "assigned_to) VALUES ('00000000-0000-0000-0000-00000000%04d', 'ck-report-%04d', "
                 "'%s', '2026-03-30', 'team:north')",
                 i, i, i < first + 5 ? "forwarded_application" : "need_for_social_work");
        fixture_exec_admin(sql);
    }
    /* Referrals (no responsible worker: the team queue's area): 5 acknowledged
     * the next day; 6 acknowledged a week later, after rule 7's alert; 7
     * written in May and not acknowledged yet, no alert. */
    for (int i = 0; i < 18; i++, next++) {
        const char *authored = i < 5 ? "2026-04-01" : i < 11 ? "2026-04-03" : "2026-05-04";
        const char *ack = i < 5 ? "'2026-04-02'" : i < 11 ? "'2026-04-10'" : "NULL";
        char sql[1400];
        snprintf(sql, sizeof sql,
                 "INSERT INTO casestore.client (client_key, hetu_sealed) VALUES "
                 "('ck-report-%04d', '\\x00');"
                 "INSERT INTO casestore.referral (client_key, referral_id, priority, authored, "
                 "acknowledged, status, event_id) VALUES ('ck-report-%04d', 'sr-%04d', 'routine', "
                 "'%s', %s, 'sent', gen_random_uuid())",
                 next, next, next, authored, ack);
        fixture_exec_admin(sql);
        if (i >= 5 && i < 11) {
            snprintf(sql, sizeof sql,
                     "INSERT INTO casestore.alert (alert_id, client_key, rule, occurrence, "
                     "severity, responsible_agency, responsible_worker, explanation, status, "
                     "opened_on, closed_on) VALUES (gen_random_uuid(), 'ck-report-%04d', "
                     "'referral_not_acknowledged', 'referral:sr-%04d', 'warning', 'social', "
                     "'team:aikuissosiaalityo', 'x', 'closed', '2026-04-09', '2026-04-10')",
                     next, next);
            fixture_exec_admin(sql);
        }
    }
    /* Caseload (guideline 35): in team east one worker with 40 clients and one
     * with 6; in team west one worker with 3 (hidden). */
    fixture_exec_admin(
        "INSERT INTO casestore.caseworker (worker_id, team) VALUES ('w-e1', 'east'), "
        "('w-e2', 'east'), ('w-w1', 'west');"
        "INSERT INTO casestore.client (client_key, hetu_sealed, responsible_worker) "
        "SELECT 'ck-load-' || g, '\\x00', CASE WHEN g <= 40 THEN 'w-e1' WHEN g <= 46 THEN "
        "'w-e2' ELSE 'w-w1' END FROM generate_series(1, 49) g");

    /* A role that is none is refused, and says which roles there are. */
    harness_result_t r;
    char bin[4096], cmd[8192];
    snprintf(cmd, sizeof cmd,
             "printf '%%s\\n' 'salasana-kymmenen' | '%s' --add-user pomo aikuissosiaalityo "
             "--role boss",
             harness_bin_path(bin, sizeof bin, "silta-casestore"));
    harness_runl(&r, 60000, "/bin/sh", "-c", cmd, NULL);
    cr_assert_eq(r.status, 1, "--role boss: %s%s", r.out, r.err);
    cr_assert(strstr(r.err, "role must be caseworker or teamlead"), "%s", r.err);
    harness_result_free(&r);
    cr_assert_eq(fixture_count("SELECT count(*) FROM casestore.inbox_user WHERE username = 'pomo'"),
                 0);

    harness_ctl(&r, "report", "--since", "2026-01", "--json", NULL);
    cr_assert_eq(r.status, 0, "%s%s", r.out, r.err);
    const char *j = r.out;
    s_expect(j, "late_decisions", "agency", "kela", "2026-04", "\"clients\": 6");
    s_expect(j, "late_decisions", "agency", "kela", "2026-04", "\"median_days_to_action\": 3");
    s_expect(j, "late_decisions", "agency", "social", "2026-04", "\"clients\": 5");
    s_expect(j, "late_decisions", "agency", "social", "2026-04", "\"median_days_to_action\": 4");
    s_expect(j, "late_decisions", "agency", "all agencies", "total", "\"clients\": 11");
    s_expect(j, "referrals", "acknowledged", "in_time", "2026-04", "\"clients\": 5");
    s_expect(j, "referrals", "acknowledged", "in_time", "2026-04", "\"median_days_to_action\": 1");
    s_expect(j, "referrals", "acknowledged", "late", "2026-04", "\"clients\": 6");
    s_expect(j, "referrals", "acknowledged", "late", "2026-04", "\"median_days_to_action\": 7");
    s_expect(j, "referrals", "acknowledged", "waiting", "2026-05", "\"clients\": 7");
    s_expect(j, "referrals", "acknowledged", "all referrals", "total", "\"clients\": 18");
    /* The team queue's area, as the gaps name it. */
    cr_expect(strstr(j, "\"area\": \"team:aikuissosiaalityo\", \"acknowledged\": \"in_time\""),
              "referrals' area:\n%s", j);
    /* Gaps still count the 4 alerts of other notices: 9 clients of rule 2. */
    s_expect(j, "gaps", "rule", "notice_not_handled", "2026-04", "\"clients\": 9");
    cr_expect(strstr(j, "{\"area\": \"east\", \"workers\": 2, \"clients\": 46, "
                        "\"over_guideline\": 1, \"suppressed\": false}"),
              "caseload east:\n%s", j);
    cr_expect(strstr(j, "{\"area\": \"west\", \"workers\": 1, \"clients\": null, "
                        "\"over_guideline\": null, \"suppressed\": true}"),
              "caseload west:\n%s", j);
    harness_result_free(&r);
}

#define S_LEENA "120791-9107" /* demo.txt: the client plan with a review */
#define S_EERO "030366-911S"  /* demo.txt: the plan whose review is overdue */

Test(report, the_demo_scenario_shows_a_plan_with_scores_and_a_visible_cell, .timeout = 400)
{
    s_home = harness_home_new();
    cr_assert_not_null(s_home);
    fixture_deploy(1); /* the adapters too: ops/scenario drops the agencies' files */
    char script[4096], sql[1024], ck[SILTA_CLIENTKEY_LEN + 1];
    snprintf(script, sizeof script, "%s/ops/scenario", harness_src());
    harness_result_t r;
    harness_runl(&r, 300000, script, NULL);
    cr_assert_eq(r.status, 0, "ops/scenario failed (%d):\n%s\n%s", r.status, r.out, r.err);
    harness_result_free(&r);

    /* Leena: the assessment's need areas, the plan with its goals, actions and
     * omatyöntekijä, and the scores of the start and of the review. */
    fixture_client_key(S_LEENA, ck);
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM casestore.assessment WHERE client_key = '%s' AND completed "
             "IS NOT NULL AND need_areas = '{housing,financial,inclusion}'",
             ck);
    cr_assert_eq(fixture_count(sql), 1, "Leena's completed assessment");
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM casestore.client_plan WHERE client_key = '%s' AND "
             "responsible_worker = 'Liisa Laine' AND reviewed IS NOT NULL AND review_date > "
             "reviewed",
             ck);
    cr_assert_eq(fixture_count(sql), 1, "Leena's reviewed plan");
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM casestore.client_plan_goal g JOIN casestore.client_plan p "
             "USING (client_key) WHERE client_key = '%s' AND g.event_id = p.event_id",
             ck);
    cr_assert_eq(fixture_count(sql), 3, "the plan's goals");
    snprintf(sql, sizeof sql,
             "SELECT count(DISTINCT agency) FROM casestore.client_plan_action WHERE "
             "client_key = '%s' AND responsible IS NOT NULL",
             ck);
    cr_assert_eq(fixture_count(sql), 3, "an action of social work, Kela and employment");
    snprintf(sql, sizeof sql,
             "SELECT sum(gas) FILTER (WHERE kind = 'start') * 100 + sum(gas) FILTER (WHERE "
             "kind = 'review') FROM casestore.client_plan_score WHERE client_key = '%s'",
             ck);
    cr_assert_eq(fixture_count(sql), -5 * 100 + 0, "scores: start -2-1-2, review +1+0-1");
    snprintf(sql, sizeof sql,
             "SELECT count(DISTINCT day) FROM casestore.client_plan_measure WHERE client_key = "
             "'%s' AND name = '3X10D'",
             ck);
    cr_assert_eq(fixture_count(sql), 2, "the measure at the start and at the review");

    /* Eero: the review date passed a month ago, nobody reviewed: rule 12. */
    fixture_client_key(S_EERO, ck);
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM casestore.alert WHERE client_key = '%s' AND rule = "
             "'client_plan_review_due' AND status = 'open'",
             ck);
    cr_assert_eq(fixture_count(sql), 1, "rule 12 open for Eero");

    /* The report: a rule's cell of the generated population is shown, small ones hidden. */
    harness_ctl(&r, "report", "--json", NULL);
    cr_assert_eq(r.status, 0, "%s%s", r.out, r.err);
    char *shown = s_cell(r.out, "notice_not_handled", "total");
    cr_assert(strstr(shown, "\"suppressed\": false"), "a visible cell: %s", shown);
    const char *n = strstr(shown, "\"clients\": ");
    cr_assert(n && atoi(n + 11) >= 5, "at least 5 clients: %s", shown);
    free(shown);
    cr_assert(s_hidden(r.out, "client_plan_review_due", "total") ||
                  s_hidden(r.out, "referral_not_acknowledged", "total"),
              "hidden cells next to it:\n%s", r.out);
    cr_assert_null(strstr(r.out, "ck_"), "a client key in the report");
    harness_result_free(&r);

    /* Bad item keys: each line refused with its reason, nothing stored. */
    char path[4096], bin[4096];
    fixture_scenario_file(
        s_home, "bad-items",
        "social.client_plan.v1 010190-930N plan_id=P-930 kind=start responsible_worker=x "
        "goals.2.goal_id=g2\n"
        "social.client_plan.v1 010190-930N plan_id=P-930 kind=start responsible_worker=x "
        "goals.1.colour=red\n"
        "social.client_plan.v1 010190-930N plan_id=P-930 kind=start responsible_worker=x "
        "goals.one.text=y\n"
        "social.client_plan.v1 010190-930N plan_id=P-930 kind=start responsible_worker=x "
        "plan_id.1.text=y\n",
        path, sizeof path);
    harness_runl(&r, 120000, harness_bin_path(bin, sizeof bin, "silta-casestore"), "--publish",
                 path, NULL);
    cr_assert_eq(r.status, 1, "%s%s", r.out, r.err);
    for (int line = 1; line <= 4; line++) {
        char want[64];
        snprintf(want, sizeof want, "bad-items.txt:%d: no item field", line);
        cr_expect(strstr(r.err, want), "line %d's reason in:\n%s", line, r.err);
    }
    cr_assert(strstr(r.out, "published=0 "), "%s", r.out);
    harness_result_free(&r);
    fixture_client_key("010190-930N", ck);
    snprintf(sql, sizeof sql, "SELECT count(*) FROM casestore.client_plan WHERE client_key = '%s'",
             ck);
    cr_assert_eq(fixture_count(sql), 0, "nothing stored from the bad lines");
}
