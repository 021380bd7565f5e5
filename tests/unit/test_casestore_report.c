/*  test_casestore_report.c - the report's month helpers (read/read_report.h)
 *  and the team lead's page (web/web_report.h) over a hand-made report: a
 *  hidden value is "<5" in the table and in the chart, never its number;
 *  the page has SVG charts and its texts in Finnish or Swedish.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "../../casestore/read/read_report.h"
#include "../../casestore/web/web_i18n.h"
#include "../../casestore/web/web_report.h"

Test(report, a_month_is_yyyy_mm)
{
    cr_assert(read_report_month_ok("2026-01"));
    cr_assert(read_report_month_ok("2026-12"));
    const char *bad[] = {"2026-13", "2026-00", "2026-1",  "2026-011", "20a6-01",
                         "2026/01", "",        "2026-1a", "+026-01"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        cr_assert_not(read_report_month_ok(bad[i]), "'%s' passed", bad[i]);
    cr_assert_not(read_report_month_ok(NULL));
}

Test(report, the_default_is_the_last_twelve_months)
{
    char since[8];
    read_report_default_since("2026-12-01", since);
    cr_assert_str_eq(since, "2026-01");
    read_report_default_since("2026-03-15", since);
    cr_assert_str_eq(since, "2025-04");
    read_report_default_since("2027-11-30", since);
    cr_assert_str_eq(since, "2026-12");
    read_report_default_since("not a day", since);
    cr_assert(read_report_month_ok(since), "%s", since);
}

/* One area, rules x 2 months: notice_not_handled 3 and 10 (hidden: 3 and a
 * complement), sickness_allowance_running_out 8 and 12; a caseload of two
 * areas, one of them with 3 clients. */
static char s_rows[2][READ_REPORT_NAME] = {"notice_not_handled", "sickness_allowance_running_out"};
static long s_v[9] = {3, 10, 13, 8, 12, 20, 11, 22, 33};
static long s_median[9] = {2, 2, 2, 2, 2, 2, 2, 2, 2};
static unsigned char s_hidden[9] = {1, 1, 0, 1, 1, 0, 0, 0, 0};

static void s_report(read_report_t *r, read_report_table_t *t, read_report_caseload_t *c)
{
    memset(r, 0, sizeof *r);
    memset(t, 0, sizeof *t);
    snprintf(r->since, sizeof r->since, "2026-01");
    r->guideline = 35;
    t->kind = READ_REPORT_GAPS;
    snprintf(t->area, sizeof t->area, "team:north");
    t->nr = 2;
    t->nc = 2;
    t->rows = s_rows;
    snprintf(t->months[0], 8, "2026-04");
    snprintf(t->months[1], 8, "2026-05");
    t->v = s_v;
    t->median = s_median;
    t->hidden = s_hidden;
    r->tables = t;
    r->ntables = 1;
    memset(c, 0, 2 * sizeof *c);
    snprintf(c[0].area, sizeof c[0].area, "north");
    c[0].workers = 2;
    c[0].clients = 77;
    c[0].over_guideline = 1;
    snprintf(c[1].area, sizeof c[1].area, "south");
    c[1].workers = 1;
    c[1].clients = 3;
    c[1].over_guideline = 0;
    c[1].hidden = 1;
    r->caseload = c;
    r->ncaseload = 2;
}

Test(report, a_hidden_value_is_a_mark_never_its_number)
{
    silta_err_t err;
    web_i18n_init(&err); /* without the locales the page stays Finnish: still a test */
    read_report_t r;
    read_report_table_t t;
    read_report_caseload_t c[2];
    s_report(&r, &t, c);
    web_session_t s = {.username = "johtaja", .team = "north", .lang = WEB_LANG_FI, .teamlead = 1};
    silta_buf_t b;
    silta_buf_init(&b);
    web_page_report(&r, &s, &b);
    const char *h = b.data;
    cr_assert(strstr(h, "<svg class=\"chart\""), "no chart");
    cr_assert_null(strstr(h, "<script"), "a script on the page");
    /* Four hidden cells in the table, the south area's two in the caseload. */
    size_t marks = 0;
    for (const char *p = h; (p = strstr(p, "<td class=\"hidden\"")) != NULL; p++) {
        const char *e = strstr(p, "</td>");
        cr_assert_not_null(e);
        cr_assert(e - p > 5 && strncmp(e - 5, "&lt;5", 5) == 0, "a hidden cell: %.80s", p);
        marks++;
    }
    cr_assert_eq(marks, 6, "hidden cells: %zu", marks);
    /* The hidden numbers, nowhere: not as a cell, not as a bar's title. */
    cr_assert_null(strstr(h, "<td>3 "), "the 3 in a cell");
    cr_assert_null(strstr(h, "<td>10 "), "the complement in a cell");
    cr_assert_null(strstr(h, ": 3</title>"), "the 3 in the chart");
    cr_assert_null(strstr(h, ": 10</title>"), "the complement in the chart");
    cr_assert_null(strstr(h, "<td>3</td>"), "the south area's 3 clients");
    /* What is shown: the totals, the rule by name, the bigger area's ratio. */
    cr_assert(strstr(h, "<td>33 "), "the area's total");
    cr_assert(strstr(h, "Kelan ilmoitus käsittelemättä"), "the rule by name");
    cr_assert_null(strstr(h, "notice_not_handled"), "a rule's code on the page");
    cr_assert(strstr(h, ": 38.5</title>"), "north's clients per worker");
    cr_assert(strstr(h, "class=\"guideline\""), "no guideline");
    cr_assert_null(strstr(h, "team:north"), "the queue's code on the page");
    silta_buf_free(&b);
}

Test(report, the_page_is_swedish_for_a_swedish_speaker)
{
    silta_err_t err;
    if (web_i18n_init(&err) != 0)
        cr_skip_test("no sv_FI locale: %s", err.msg);
    read_report_t r;
    read_report_table_t t;
    read_report_caseload_t c[2];
    s_report(&r, &t, c);
    web_session_t s = {.username = "ledare", .team = "north", .lang = WEB_LANG_SV, .teamlead = 1};
    silta_buf_t b;
    silta_buf_init(&b);
    web_page_report(&r, &s, &b);
    cr_assert(strstr(b.data, "<html lang=\"sv\""));
    cr_assert(strstr(b.data, "Rapport för beslutsfattare"), "no Swedish heading");
    cr_assert(strstr(b.data, "Teamets kö north"), "the queue in Swedish");
    cr_assert_null(strstr(b.data, "Havaitut aukot"), "Finnish on the Swedish page");
    silta_buf_free(&b);
}
