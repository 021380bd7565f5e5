/*  ctl_report.c - `siltactl report [--since YYYY-MM] [--json|--csv]`: knowledge
 *  for decision-makers (issue 15, item 3; structural social work).
 *
 *  Anonymised aggregates of the case store, per area (the responsible
 *  worker's team, or the team queue) and month:
 *    * gaps found: clients with an alert of each rule, opened that month, and
 *      the median days from the alert to the act that closed it;
 *    * caseload: workers, their clients in active work, and how many workers
 *      are over the guideline (CASELOAD_GUIDELINE of config/rules.conf).
 *  Every count is of distinct clients; a count from 1 to 4 is hidden, and so
 *  is a complement in its row and column (lib/silta_suppress.h), so that no
 *  total gives one away; a median over a hidden cell is hidden with it. No
 *  client key, hetu or name appears in any output, and no worker either.
 */
#include "siltactl.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "silta_suppress.h"

#define S_MIN_CELL 5
#define S_MAX_MONTHS 36

/* Clients per (area, rule, month) with the GROUPING SETS totals: g = 0 a cell,
 * 1 a rule's total over the months, 2 a month's total over the rules, 3 the
 * area's total. */
static const char *const S_SQL_GAPS =
    "SELECT coalesce(w.team, a.responsible_worker) AS area, a.rule,"
    "       to_char(a.opened_on, 'YYYY-MM') AS month, count(DISTINCT a.client_key) AS clients,"
    "       percentile_disc(0.5) WITHIN GROUP (ORDER BY a.closed_on - a.opened_on)"
    "         FILTER (WHERE a.closed_on IS NOT NULL) AS median_days,"
    "       (GROUPING(a.rule) * 2 + GROUPING(to_char(a.opened_on, 'YYYY-MM'))) AS g"
    "  FROM casestore.alert a LEFT JOIN casestore.caseworker w ON w.worker_id ="
    "       a.responsible_worker"
    " WHERE a.opened_on >= to_date($1, 'YYYY-MM')"
    " GROUP BY GROUPING SETS ((1, a.rule, to_char(a.opened_on, 'YYYY-MM')), (1, a.rule),"
    "       (1, to_char(a.opened_on, 'YYYY-MM')), (1))"
    " ORDER BY 1, 2 NULLS LAST, 3 NULLS LAST";

static const char *const S_SQL_CASELOAD =
    "SELECT coalesce(w.team, '-') AS area, count(*) AS workers, sum(x.clients) AS clients,"
    "       count(*) FILTER (WHERE x.clients > (SELECT value::int FROM casestore.rule_param"
    "         WHERE key = 'CASELOAD_GUIDELINE')) AS over_guideline,"
    "       (SELECT value FROM casestore.rule_param WHERE key = 'CASELOAD_GUIDELINE') AS guideline"
    "  FROM (SELECT responsible_worker, count(*) AS clients FROM casestore.client"
    "         WHERE responsible_worker IS NOT NULL GROUP BY 1) x"
    "  JOIN casestore.caseworker w ON w.worker_id = x.responsible_worker"
    " GROUP BY 1 ORDER BY 1";

enum { S_TEXT, S_JSON, S_CSV };

/* One area's table: rules x months (+ totals), as silta_suppress wants it. */
typedef struct {
    char area[128];
    char (*rules)[64];
    size_t nr;
    char months[S_MAX_MONTHS][8];
    size_t nc;
    long *v;          /* (nr+1)*(nc+1) */
    long *median;     /* same shape; -1 none */
    unsigned char *h; /* hidden */
} s_area_t;

static size_t s_index(char (*names)[64], size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(names[i], name) == 0)
            return i;
    return n;
}

/* Fill t from the result rows [from, to) of one area; 0, or -1 out of memory. */
static int s_area_load(s_area_t *t, const PGresult *r, int from, int to)
{
    memset(t, 0, sizeof *t);
    snprintf(t->area, sizeof t->area, "%s", PQgetvalue(r, from, 0));
    t->rules = calloc((size_t)(to - from) + 1, sizeof *t->rules);
    if (!t->rules)
        return -1;
    for (int i = from; i < to; i++) {
        int g = atoi(PQgetvalue(r, i, 5));
        if (g == 0 && s_index(t->rules, t->nr, PQgetvalue(r, i, 1)) == t->nr)
            snprintf(t->rules[t->nr++], 64, "%s", PQgetvalue(r, i, 1));
        if ((g == 0 || g == 2) && t->nc < S_MAX_MONTHS) {
            size_t k = 0;
            while (k < t->nc && strcmp(t->months[k], PQgetvalue(r, i, 2)) != 0)
                k++;
            if (k == t->nc)
                snprintf(t->months[t->nc++], 8, "%s", PQgetvalue(r, i, 2));
        }
    }
    /* Months in order (the SQL orders cells by rule first). */
    for (size_t a = 0; a + 1 < t->nc; a++)
        for (size_t b = a + 1; b < t->nc; b++)
            if (strcmp(t->months[b], t->months[a]) < 0) {
                char tmp[8];
                memcpy(tmp, t->months[a], 8);
                memcpy(t->months[a], t->months[b], 8);
                memcpy(t->months[b], tmp, 8);
            }
    size_t n = (t->nr + 1) * (t->nc + 1);
    t->v = calloc(n, sizeof *t->v);
    t->median = malloc(n * sizeof *t->median);
    t->h = calloc(n, 1);
    if (!t->v || !t->median || !t->h)
        return -1;
    for (size_t i = 0; i < n; i++)
        t->median[i] = -1;
    for (int i = from; i < to; i++) {
        int g = atoi(PQgetvalue(r, i, 5));
        size_t row = g & 2 ? t->nr : s_index(t->rules, t->nr, PQgetvalue(r, i, 1));
        size_t col = t->nc;
        if (!(g & 1))
            for (col = 0; col < t->nc && strcmp(t->months[col], PQgetvalue(r, i, 2)) != 0; col++)
                ;
        if (row > t->nr || col > t->nc || (!(g & 1) && col == t->nc))
            continue;
        size_t at = row * (t->nc + 1) + col;
        t->v[at] = atol(PQgetvalue(r, i, 3));
        if (!PQgetisnull(r, i, 4))
            t->median[at] = atol(PQgetvalue(r, i, 4));
    }
    silta_suppress(t->v, t->nr, t->nc, S_MIN_CELL, t->h);
    return 0;
}

static void s_area_free(s_area_t *t)
{
    free(t->rules);
    free(t->v);
    free(t->median);
    free(t->h);
}

static const char *s_row_name(const s_area_t *t, size_t row)
{
    return row < t->nr ? t->rules[row] : "all rules";
}

/* Text and CSV print at once; JSON cells join the gaps array (jansson). */
static void s_print_area(const s_area_t *t, int fmt, json_t *gaps)
{
    size_t cols = t->nc + 1;
    if (fmt == S_TEXT) {
        printf("\nArea %s: clients with a gap found, by rule and month (median days to action)\n",
               t->area);
        printf("%-28s", "rule");
        for (size_t c = 0; c < t->nc; c++)
            printf(" %12s", t->months[c]);
        printf(" %12s\n", "total");
    }
    for (size_t r = 0; r <= t->nr; r++) {
        if (fmt == S_TEXT)
            printf("%-28.28s", s_row_name(t, r));
        for (size_t c = 0; c < cols; c++) {
            size_t at = r * cols + c;
            const char *month = c < t->nc ? t->months[c] : "total";
            char cell[32];
            if (t->h[at])
                snprintf(cell, sizeof cell, "<%d", S_MIN_CELL);
            else if (t->median[at] >= 0)
                snprintf(cell, sizeof cell, "%ld (%ld d)", t->v[at], t->median[at]);
            else
                snprintf(cell, sizeof cell, "%ld", t->v[at]);
            if (fmt == S_TEXT) {
                printf(" %12s", cell);
            } else if (fmt == S_CSV) {
                printf("gaps,%s,%s,%s,", t->area, s_row_name(t, r), month);
                if (t->h[at])
                    printf(",,suppressed\n");
                else if (t->median[at] >= 0)
                    printf("%ld,%ld,\n", t->v[at], t->median[at]);
                else
                    printf("%ld,,\n", t->v[at]);
            } else {
                json_t *o = json_object();
                json_object_set_new(o, "area", json_string(t->area));
                json_object_set_new(o, "rule", json_string(s_row_name(t, r)));
                json_object_set_new(o, "month", json_string(month));
                json_object_set_new(o, "clients", t->h[at] ? json_null() : json_integer(t->v[at]));
                json_object_set_new(o, "median_days_to_action",
                                    t->h[at] || t->median[at] < 0 ? json_null()
                                                                  : json_integer(t->median[at]));
                json_object_set_new(o, "suppressed", json_boolean(t->h[at]));
                json_array_append_new(gaps, o);
            }
        }
        if (fmt == S_TEXT)
            printf("\n");
    }
}

static int s_caseload(PGconn *conn, int fmt, json_t *caseload)
{
    PGresult *r = PQexec(conn, S_SQL_CASELOAD);
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        PQclear(r);
        return ctl_fail("could not read the caseload: %s", PQerrorMessage(conn));
    }
    if (fmt == S_TEXT)
        printf("\nCaseload (guideline %s clients a worker)\n%-28s %8s %10s %14s\n",
               PQntuples(r) ? PQgetvalue(r, 0, 4) : "-", "area", "workers", "clients",
               "over guideline");
    for (int i = 0; i < PQntuples(r); i++) {
        long clients = atol(PQgetvalue(r, i, 2));
        int hide = clients > 0 && clients < S_MIN_CELL;
        const char *area = PQgetvalue(r, i, 0);
        if (fmt == S_TEXT) {
            printf("%-28.28s %8s %10s %14s\n", area, PQgetvalue(r, i, 1),
                   hide ? "<5" : PQgetvalue(r, i, 2), hide ? "<5" : PQgetvalue(r, i, 3));
        } else if (fmt == S_CSV) {
            printf("caseload,%s,workers=%s,,%s,,%s\n", area, PQgetvalue(r, i, 1),
                   hide ? "" : PQgetvalue(r, i, 2), hide ? "suppressed" : "");
        } else {
            json_t *o = json_object();
            json_object_set_new(o, "area", json_string(area));
            json_object_set_new(o, "workers", json_integer(atol(PQgetvalue(r, i, 1))));
            json_object_set_new(o, "clients", hide ? json_null() : json_integer(clients));
            json_object_set_new(o, "over_guideline",
                                hide ? json_null() : json_integer(atol(PQgetvalue(r, i, 3))));
            json_object_set_new(o, "suppressed", json_boolean(hide));
            json_array_append_new(caseload, o);
        }
    }
    PQclear(r);
    return CTL_OK;
}

int ctl_report(int argc, char **argv)
{
    static const struct option opts[] = {{"since", required_argument, NULL, 's'},
                                         {"json", no_argument, NULL, 'j'},
                                         {"csv", no_argument, NULL, 'c'},
                                         {"help", no_argument, NULL, 'h'},
                                         {0, 0, 0, 0}};
    char since[8] = "";
    int fmt = S_TEXT, c;
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "s:jch", opts, NULL)) != -1) {
        if (c == 's' && strlen(optarg) == 7 && optarg[4] == '-' &&
            strspn(optarg, "0123456789-") == 7 && atoi(optarg + 5) >= 1 && atoi(optarg + 5) <= 12)
            snprintf(since, sizeof since, "%s", optarg);
        else if (c == 's')
            return ctl_fail("--since takes a month as YYYY-MM, not '%.32s'", optarg);
        else if (c == 'j')
            fmt = S_JSON;
        else if (c == 'c')
            fmt = S_CSV;
        else if (c == 'h')
            return ctl_usage(stdout, "report");
        else
            return ctl_usage(stderr, "report");
    }
    if (optind != argc)
        return ctl_usage(stderr, "report");
    if (!since[0]) { /* the last 12 months */
        time_t now = time(NULL);
        struct tm tm;
        localtime_r(&now, &tm);
        tm.tm_mon -= 11;
        tm.tm_mday = 1;
        mktime(&tm);
        strftime(since, sizeof since, "%Y-%m", &tm);
    }
    PGconn *conn = ctl_connect();
    if (!conn)
        return CTL_FAIL;
    const char *p[1] = {since};
    PGresult *r = PQexecParams(conn, S_SQL_GAPS, 1, NULL, p, NULL, NULL, 0);
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        PQclear(r);
        int rc = ctl_fail("could not read the case store: %s", PQerrorMessage(conn));
        PQfinish(conn);
        return rc;
    }
    if (fmt == S_TEXT)
        printf("Silta report from %s: counts of distinct clients; under %d shown as <%d, and as\n"
               "many more hidden as it takes that no total gives one away.\n",
               since, S_MIN_CELL, S_MIN_CELL);
    else if (fmt == S_CSV)
        printf("table,area,row,month,clients,median_days_to_action,note\n");
    json_t *root = json_object(), *gaps = json_array(), *caseload = json_array();
    json_object_set_new(root, "since", json_string(since));
    json_object_set_new(root, "min_cell", json_integer(S_MIN_CELL));
    json_object_set(root, "gaps", gaps);
    json_object_set(root, "caseload", caseload);
    int rc = CTL_OK;
    for (int from = 0; rc == CTL_OK && from < PQntuples(r);) {
        int to = from + 1;
        while (to < PQntuples(r) && strcmp(PQgetvalue(r, to, 0), PQgetvalue(r, from, 0)) == 0)
            to++;
        s_area_t t;
        if (s_area_load(&t, r, from, to) != 0)
            rc = ctl_fail("out of memory");
        else
            s_print_area(&t, fmt, gaps);
        s_area_free(&t);
        from = to;
    }
    PQclear(r);
    if (rc == CTL_OK)
        rc = s_caseload(conn, fmt, caseload);
    if (rc == CTL_OK && fmt == S_JSON) {
        json_dumpf(root, stdout, JSON_PRESERVE_ORDER);
        printf("\n");
    }
    json_decref(gaps);
    json_decref(caseload);
    json_decref(root);
    PQfinish(conn);
    return rc;
}
