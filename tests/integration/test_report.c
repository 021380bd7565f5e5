/* test_report.c - `siltactl report` (issue 15, item 3): anonymised aggregates
 * for decision-makers. Over a population where one cell has 3 clients, that
 * cell is hidden, and so is its complement, so that no row or column total
 * gives it away; no output (text, JSON, CSV) holds a client key or a hetu.
 */
#include <criterion/criterion.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"
#include "harness.h"

static char *s_home;

static void s_fini(void)
{
    harness_home_destroy(&s_home);
}
TestSuite(report, .fini = s_fini);

/* n clients of team queue `area` with an alert of `rule` opened on `day`. */
static void s_alerts(const char *area, const char *rule, const char *day, int n, int *next)
{
    for (int i = 0; i < n; i++, (*next)++) {
        char sql[1024];
        snprintf(sql, sizeof sql,
                 "INSERT INTO casestore.client (client_key, hetu_sealed) VALUES "
                 "('ck-report-%04d', '\\x00') ON CONFLICT DO NOTHING;"
                 "INSERT INTO casestore.alert (alert_id, client_key, rule, occurrence, severity, "
                 "responsible_agency, responsible_worker, explanation, status, opened_on, "
                 "closed_on) VALUES (gen_random_uuid(), 'ck-report-%04d', '%s', 'o', 'high', "
                 "'social', '%s', 'x', 'closed', '%s', '%s'::date + 2)",
                 *next, *next, rule, area, day, day);
        fixture_exec_admin(sql);
    }
}

/* The JSON cell of (rule, month) in the report: its text up to '}'. */
static char *s_cell(const char *json, const char *rule, const char *month)
{
    char key[200];
    snprintf(key, sizeof key, "\"rule\": \"%s\", \"month\": \"%s\"", rule, month);
    const char *p = strstr(json, key);
    cr_assert_not_null(p, "no cell %s %s in:\n%s", rule, month, json);
    const char *e = strchr(p, '}');
    return strndup(p, (size_t)(e - p));
}

static int s_hidden(const char *json, const char *rule, const char *month)
{
    char *c = s_cell(json, rule, month);
    int h = strstr(c, "\"suppressed\": true") != NULL;
    free(c);
    return h;
}

Test(report, a_three_client_cell_and_its_complement_are_hidden, .timeout = 240)
{
    s_home = fixture_up();
    fixture_deploy(1); /* the case store's schema */
    int next = 0;
    s_alerts("team:north", "notice_not_handled", "2026-04-10", 3, &next);
    s_alerts("team:north", "notice_not_handled", "2026-05-10", 10, &next);
    s_alerts("team:north", "basic_decision_late", "2026-04-12", 8, &next);
    s_alerts("team:north", "basic_decision_late", "2026-05-12", 12, &next);

    harness_result_t r;
    harness_ctl(&r, "report", "--since", "2026-01", "--json", NULL);
    cr_assert_eq(r.status, 0, "%s%s", r.out, r.err);
    const char *j = r.out;
    cr_assert(s_hidden(j, "notice_not_handled", "2026-04"), "the 3-client cell is hidden");
    /* Its row and column each need a second hidden value. */
    int row = s_hidden(j, "notice_not_handled", "2026-05") + s_hidden(j, "notice_not_handled", "total");
    int col = s_hidden(j, "basic_decision_late", "2026-04") + s_hidden(j, "all rules", "2026-04");
    cr_assert_geq(row, 1, "a complement in the 3-client cell's row");
    cr_assert_geq(col, 1, "a complement in the 3-client cell's column");
    char *big = s_cell(j, "basic_decision_late", "total");
    cr_assert(strstr(big, "\"clients\": 20"), "a large total is shown: %s", big);
    cr_assert(strstr(big, "\"median_days_to_action\": 2"), "%s", big);
    free(big);
    big = s_cell(j, "all rules", "total");
    cr_assert(strstr(big, "\"clients\": 33"), "the area's total is shown: %s", big);
    free(big);

    /* No client key or hetu in any output. */
    regex_t hetu;
    cr_assert_eq(regcomp(&hetu, "[0-9]{6}[-+A-FU-Y][0-9]{3}[0-9A-Y]", REG_EXTENDED), 0);
    const char *formats[3] = {"--json", "--csv", NULL};
    for (int f = 0; f < 3; f++) {
        harness_result_t o;
        harness_ctl(&o, "report", "--since", "2026-01", formats[f], NULL);
        cr_assert_eq(o.status, 0, "%s", o.err);
        cr_assert_null(strstr(o.out, "ck-report"), "a client key in the report:\n%s", o.out);
        cr_assert_neq(regexec(&hetu, o.out, 0, NULL, 0), 0, "a hetu in the report");
        harness_result_free(&o);
    }
    regfree(&hetu);
    harness_result_free(&r);

    harness_ctl(&r, "report", "--since", "2026-13", NULL);
    cr_assert_eq(r.status, 1);
    cr_assert(strstr(r.err, "YYYY-MM"), "%s", r.err);
    harness_result_free(&r);
}
