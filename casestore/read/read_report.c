/*  read_report.c - the report's queries and its small-cell suppression
 *  (read_report.h says what each table counts and why).
 *
 *  Each table kind is one CTE x(area, row, month, client_key, days) followed
 *  by the same GROUPING SETS tail, so every kind comes back in one shape:
 *  (area, row, month, clients, median_days, g) with g = 0 a cell, 1 a row's
 *  total over the months, 2 a month's total over the rows, 3 the area's
 *  total. Totals are distinct clients (a client in two cells counts once),
 *  which is what a reader wants and what silta_suppress assumes is safe.
 *
 *  Not here: rendering, access checks, suppression's algorithm
 *  (lib/silta_suppress.c).
 */
#include "read_report.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "silta_db.h"
#include "silta_suppress.h"

/* The shared tail: cells, row totals, month totals and the area's total. */
#define S_TAIL                                                                                     \
    " SELECT area, row, month, count(DISTINCT client_key) AS clients,"                             \
    "        percentile_disc(0.5) WITHIN GROUP (ORDER BY days)"                                    \
    "          FILTER (WHERE days IS NOT NULL) AS median_days,"                                    \
    "        GROUPING(row) * 2 + GROUPING(month) AS g"                                             \
    "   FROM x GROUP BY GROUPING SETS ((area, row, month), (area, row), (area, month), (area))"    \
    "  ORDER BY 1, 2 NULLS LAST, 3 NULLS LAST"

/* The area of a row whose responsible is col (w: its caseworker row): the
 * worker's team, a team queue ("team:<name>") as it is, none (NULL) as
 * if_none, and anything else '-' - never a worker's own id, which a worker
 * without a caseworker row would otherwise show. */
#define S_AREA(col, if_none)                                                                     \
    "coalesce(w.team, CASE WHEN " col " LIKE 'team:%' THEN " col " WHEN " col " IS NULL THEN "   \
    if_none " END, '-')"

/* Gaps found by rule; days: alert to the act that closed it. */
static const char S_SQL_GAPS[] =
    "WITH x AS (SELECT " S_AREA("a.responsible_worker", "'-'") " AS area, a.rule AS row,"
    "       to_char(a.opened_on, 'YYYY-MM') AS month, a.client_key,"
    "       a.closed_on - a.opened_on AS days"
    "  FROM casestore.alert a LEFT JOIN casestore.caseworker w"
    "    ON w.worker_id = a.responsible_worker"
    " WHERE a.opened_on >= to_date($1, 'YYYY-MM'))" S_TAIL;

/* Decisions past their statutory deadline, by the deciding agency: rule 1
 * (Kela) and rule 2 on a forwarded application (the county's social work),
 * both laki toimeentulotuesta 14 a §. days: the alert to the decision. */
static const char S_SQL_LATE[] =
    "WITH x AS (SELECT " S_AREA("a.responsible_worker", "'-'") " AS area,"
    "       a.responsible_agency AS row, to_char(a.opened_on, 'YYYY-MM') AS month,"
    "       a.client_key, a.closed_on - a.opened_on AS days"
    "  FROM casestore.alert a LEFT JOIN casestore.caseworker w"
    "    ON w.worker_id = a.responsible_worker"
    " WHERE a.opened_on >= to_date($1, 'YYYY-MM')"
    "   AND (a.rule = 'basic_assistance_decision_late'"
    "        OR (a.rule = 'notice_not_handled' AND EXISTS (SELECT 1 FROM casestore.notice n"
    "            WHERE n.client_key = a.client_key AND a.occurrence = 'notice:' || n.event_id"
    "              AND n.kind = 'forwarded_application'))))" S_TAIL;

/* Health referrals by the month written: in time, late (rule 7's alert), or
 * waiting; days: written to acknowledged. */
static const char S_SQL_REFERRALS[] =
    "WITH x AS (SELECT "
    S_AREA("c.responsible_worker", "(SELECT value FROM casestore.rule_param WHERE key = 'TEAM_QUEUE')")
    " AS area,"
    "       CASE WHEN EXISTS (SELECT 1 FROM casestore.alert a WHERE a.client_key ="
    "              r.client_key AND a.rule = 'referral_not_acknowledged'"
    "              AND a.occurrence = 'referral:' || r.referral_id) THEN 'late'"
    "            WHEN r.acknowledged IS NOT NULL THEN 'in_time' ELSE 'waiting' END AS row,"
    "       to_char(r.authored, 'YYYY-MM') AS month, r.client_key,"
    "       r.acknowledged - r.authored AS days"
    "  FROM casestore.referral r JOIN casestore.client c ON c.client_key = r.client_key"
    "  LEFT JOIN casestore.caseworker w ON w.worker_id = c.responsible_worker"
    " WHERE r.authored >= to_date($1, 'YYYY-MM'))" S_TAIL;

/* Workers and their clients per area against the guideline. */
static const char S_SQL_CASELOAD[] =
    "SELECT coalesce(w.team, '-') AS area, count(*) AS workers, sum(x.clients) AS clients,"
    "       count(*) FILTER (WHERE x.clients > (SELECT value::int FROM casestore.rule_param"
    "         WHERE key = 'CASELOAD_GUIDELINE')) AS over_guideline"
    "  FROM (SELECT responsible_worker, count(*) AS clients FROM casestore.client"
    "         WHERE responsible_worker IS NOT NULL GROUP BY 1) x"
    "  JOIN casestore.caseworker w ON w.worker_id = x.responsible_worker"
    " GROUP BY 1 ORDER BY 1";

static const char S_SQL_GUIDELINE[] =
    "SELECT value FROM casestore.rule_param WHERE key = 'CASELOAD_GUIDELINE'";

int read_report_month_ok(const char *s)
{
    if (!s || strlen(s) != 7 || s[4] != '-' || strspn(s, "0123456789") != 4 ||
        strspn(s + 5, "0123456789") != 2)
        return 0;
    int m = atoi(s + 5);
    return m >= 1 && m <= 12;
}

void read_report_default_since(const char *today, char out[8])
{
    int y = atoi(today), m = strlen(today) >= 7 ? atoi(today + 5) : 1;
    if (y < 1 || y > 9999 || m < 1 || m > 12) { /* not a date: from the first month there is */
        y = 1;
        m = 12;
    }
    unsigned idx = (unsigned)y * 12u + (unsigned)(m - 1) - 11u;
    snprintf(out, 8, "%04u-%02u", (idx / 12u) % 10000u, idx % 12u + 1u);
}

const char *read_report_row(const read_report_table_t *t, size_t r)
{
    return r < t->nr ? t->rows[r] : "";
}

static size_t s_find(char (*names)[READ_REPORT_NAME], size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(names[i], name) == 0)
            return i;
    return n;
}

static int s_cmp_month(const void *a, const void *b)
{
    return strcmp((const char *)a, (const char *)b);
}

/* Fill t from the result rows [from, to) of one area; 0, or -1 out of memory. */
static int s_table_load(read_report_table_t *t, read_report_kind_t kind, const PGresult *r,
                        int from, int to)
{
    memset(t, 0, sizeof *t);
    t->kind = kind;
    snprintf(t->area, sizeof t->area, "%s", PQgetvalue(r, from, 0));
    t->rows = calloc((size_t)(to - from) + 1, sizeof *t->rows);
    if (!t->rows)
        return -1;
    for (int i = from; i < to; i++) {
        int g = atoi(PQgetvalue(r, i, 5));
        const char *row = PQgetvalue(r, i, 1), *month = PQgetvalue(r, i, 2);
        if (g == 0 && s_find(t->rows, t->nr, row) == t->nr)
            snprintf(t->rows[t->nr++], READ_REPORT_NAME, "%s", row);
        if (g == 0 && t->nc < READ_REPORT_MAX_MONTHS) {
            size_t k = 0;
            while (k < t->nc && strcmp(t->months[k], month) != 0)
                k++;
            if (k == t->nc)
                snprintf(t->months[t->nc++], 8, "%s", month);
        }
    }
    /* The SQL orders cells by row first: put the months in order. */
    qsort(t->months, t->nc, sizeof t->months[0], s_cmp_month);
    size_t n = (t->nr + 1) * (t->nc + 1);
    t->v = calloc(n, sizeof *t->v);
    t->median = malloc(n * sizeof *t->median);
    t->hidden = calloc(n, 1);
    if (!t->v || !t->median || !t->hidden)
        return -1;
    for (size_t i = 0; i < n; i++)
        t->median[i] = -1;
    for (int i = from; i < to; i++) {
        int g = atoi(PQgetvalue(r, i, 5));
        size_t row = g & 2 ? t->nr : s_find(t->rows, t->nr, PQgetvalue(r, i, 1));
        size_t col = t->nc;
        if (!(g & 1))
            for (col = 0; col < t->nc && strcmp(t->months[col], PQgetvalue(r, i, 2)) != 0; col++)
                ;
        /* a cell past READ_REPORT_MAX_MONTHS: its month has no column */
        if (row > t->nr || (!(g & 1) && col == t->nc))
            continue;
        size_t at = row * (t->nc + 1) + col;
        t->v[at] = atol(PQgetvalue(r, i, 3));
        if (!PQgetisnull(r, i, 4))
            t->median[at] = atol(PQgetvalue(r, i, 4));
    }
    silta_suppress(t->v, t->nr, t->nc, READ_REPORT_MIN_CELL, t->hidden);
    return 0;
}

static void s_table_free(read_report_table_t *t)
{
    free(t->rows);
    free(t->v);
    free(t->median);
    free(t->hidden);
    memset(t, 0, sizeof *t);
}

/* Append the tables of one kind (one per area) to out. */
static int s_kind_load(PGconn *db, read_report_kind_t kind, const char *sql, const char *since,
                       read_report_t *out, silta_err_t *err)
{
    const char *p[1] = {since};
    PGresult *r = silta_db_query(db, sql, 1, p, err);
    if (!r)
        return SILTA_EAGAIN;
    int rc = 0;
    for (int from = 0; rc == 0 && from < PQntuples(r);) {
        int to = from + 1;
        while (to < PQntuples(r) && strcmp(PQgetvalue(r, to, 0), PQgetvalue(r, from, 0)) == 0)
            to++;
        read_report_table_t *grown = realloc(out->tables, (out->ntables + 1) * sizeof *out->tables);
        if (!grown) {
            rc = silta_err_set(err, SILTA_ERR, "out of memory");
            break;
        }
        out->tables = grown;
        read_report_table_t *t = &out->tables[out->ntables++];
        if (s_table_load(t, kind, r, from, to) != 0)
            rc = silta_err_set(err, SILTA_ERR, "out of memory");
        from = to;
    }
    PQclear(r);
    return rc;
}

static int s_caseload_load(PGconn *db, read_report_t *out, silta_err_t *err)
{
    PGresult *r = silta_db_query(db, S_SQL_GUIDELINE, 0, NULL, err);
    if (!r)
        return SILTA_EAGAIN;
    out->guideline = PQntuples(r) == 1 ? atol(PQgetvalue(r, 0, 0)) : -1;
    PQclear(r);
    r = silta_db_query(db, S_SQL_CASELOAD, 0, NULL, err);
    if (!r)
        return SILTA_EAGAIN;
    int n = PQntuples(r);
    out->caseload = n ? calloc((size_t)n, sizeof *out->caseload) : NULL;
    if (n && !out->caseload) {
        PQclear(r);
        return silta_err_set(err, SILTA_ERR, "out of memory");
    }
    for (int i = 0; i < n; i++) {
        read_report_caseload_t *c = &out->caseload[out->ncaseload++];
        snprintf(c->area, sizeof c->area, "%s", PQgetvalue(r, i, 0));
        c->workers = atol(PQgetvalue(r, i, 1));
        c->clients = atol(PQgetvalue(r, i, 2));
        c->over_guideline = atol(PQgetvalue(r, i, 3));
        c->hidden = c->clients > 0 && c->clients < READ_REPORT_MIN_CELL;
    }
    PQclear(r);
    return 0;
}

int read_report_load(PGconn *db, const char *since, read_report_t *out, silta_err_t *err)
{
    static const char *const sql[READ_REPORT_NKINDS] = {S_SQL_GAPS, S_SQL_LATE, S_SQL_REFERRALS};
    memset(out, 0, sizeof *out);
    snprintf(out->since, sizeof out->since, "%s", since);
    out->guideline = -1;
    int rc = 0;
    for (int k = 0; rc == 0 && k < READ_REPORT_NKINDS; k++)
        rc = s_kind_load(db, (read_report_kind_t)k, sql[k], since, out, err);
    if (rc == 0)
        rc = s_caseload_load(db, out, err);
    if (rc != 0)
        read_report_free(out);
    return rc;
}

void read_report_free(read_report_t *r)
{
    for (size_t i = 0; i < r->ntables; i++)
        s_table_free(&r->tables[i]);
    free(r->tables);
    free(r->caseload);
    r->tables = NULL;
    r->caseload = NULL;
    r->ntables = r->ncaseload = 0;
}
