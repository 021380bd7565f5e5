/*  ctl_report.c - `siltactl report [--since YYYY-MM] [--json|--csv]`: knowledge
 *  for decision-makers (issue 15, item 3; structural social work).
 *
 *  Prints what the case store's read model computes
 *  (casestore/read/read_report.h, the one owner of the report's SQL, shared
 *  with the inbox's team-lead page): per area and month, clients with a gap
 *  found by each rule and the median days from the alert to the act that
 *  closed it; late decisions by agency; health referrals acknowledged in time;
 *  and the caseload against CASELOAD_GUIDELINE. Every count is of distinct
 *  clients; a hidden value (under 5, or its complement) prints as "<5"
 *  (text), an empty field with "suppressed" (CSV) or null with
 *  "suppressed": true (JSON), never as its number. No client key, hetu or
 *  name appears in any output, and no worker either.
 */
#include "siltactl.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "../../casestore/read/read_report.h"

enum { S_TEXT, S_JSON, S_CSV };

/* Per kind: the CSV/JSON table name, the JSON key of a row, the total row's
 * name, the text heading. */
static const struct {
    const char *table, *row_key, *total, *heading;
} S_KIND[READ_REPORT_NKINDS] = {
    {"gaps", "rule", "all rules",
     "clients with a gap found, by rule and month (median days to action)"},
    {"late_decisions", "agency", "all agencies",
     "late decisions by agency and month (median days from the alert to the decision)"},
    {"referrals", "acknowledged", "all referrals",
     "health referrals by acknowledgement and month (median days to acknowledge)"},
};

static const char *s_row_name(const read_report_table_t *t, size_t row)
{
    return row < t->nr ? read_report_row(t, row) : S_KIND[t->kind].total;
}

/* Text and CSV print at once; JSON cells join the table's array (jansson). */
static void s_print_table(const read_report_table_t *t, int fmt, json_t *arr)
{
    size_t cols = t->nc + 1;
    if (fmt == S_TEXT) {
        printf("\nArea %s: %s\n", t->area, S_KIND[t->kind].heading);
        printf("%-30s", S_KIND[t->kind].row_key);
        for (size_t c = 0; c < t->nc; c++)
            printf(" %12s", t->months[c]);
        printf(" %12s\n", "total");
    }
    for (size_t r = 0; r <= t->nr; r++) {
        if (fmt == S_TEXT)
            printf("%-30.30s", s_row_name(t, r));
        for (size_t c = 0; c < cols; c++) {
            size_t at = r * cols + c;
            const char *month = c < t->nc ? t->months[c] : "total";
            int hide = t->hidden[at];
            char cell[40];
            if (hide)
                snprintf(cell, sizeof cell, "<%d", READ_REPORT_MIN_CELL);
            else if (t->median[at] >= 0)
                snprintf(cell, sizeof cell, "%ld (%ld d)", t->v[at], t->median[at]);
            else
                snprintf(cell, sizeof cell, "%ld", t->v[at]);
            if (fmt == S_TEXT) {
                printf(" %12s", cell);
            } else if (fmt == S_CSV) {
                printf("%s,%s,%s,%s,", S_KIND[t->kind].table, t->area, s_row_name(t, r), month);
                if (hide)
                    printf(",,suppressed\n");
                else if (t->median[at] >= 0)
                    printf("%ld,%ld,\n", t->v[at], t->median[at]);
                else
                    printf("%ld,,\n", t->v[at]);
            } else {
                json_t *o = json_object();
                json_object_set_new(o, "area", json_string(t->area));
                json_object_set_new(o, S_KIND[t->kind].row_key, json_string(s_row_name(t, r)));
                json_object_set_new(o, "month", json_string(month));
                json_object_set_new(o, "clients", hide ? json_null() : json_integer(t->v[at]));
                json_object_set_new(o, "median_days_to_action",
                                    hide || t->median[at] < 0 ? json_null()
                                                              : json_integer(t->median[at]));
                json_object_set_new(o, "suppressed", json_boolean(hide));
                json_array_append_new(arr, o);
            }
        }
        if (fmt == S_TEXT)
            printf("\n");
    }
}

static void s_print_caseload(const read_report_t *rep, int fmt, json_t *arr)
{
    if (fmt == S_TEXT) {
        if (rep->guideline >= 0)
            printf("\nCaseload (guideline %ld clients a worker)\n", rep->guideline);
        else
            printf("\nCaseload (no guideline set)\n");
        printf("%-30s %8s %10s %14s\n", "area", "workers", "clients", "over guideline");
    }
    for (size_t i = 0; i < rep->ncaseload; i++) {
        const read_report_caseload_t *c = &rep->caseload[i];
        char clients[24], over[24];
        snprintf(clients, sizeof clients, "%ld", c->clients);
        snprintf(over, sizeof over, "%ld", c->over_guideline);
        if (fmt == S_TEXT) {
            printf("%-30.30s %8ld %10s %14s\n", c->area, c->workers, c->hidden ? "<5" : clients,
                   c->hidden ? "<5" : over);
        } else if (fmt == S_CSV) {
            printf("caseload,%s,workers=%ld,,%s,,%s\n", c->area, c->workers,
                   c->hidden ? "" : clients, c->hidden ? "suppressed" : "");
        } else {
            json_t *o = json_object();
            json_object_set_new(o, "area", json_string(c->area));
            json_object_set_new(o, "workers", json_integer(c->workers));
            json_object_set_new(o, "clients", c->hidden ? json_null() : json_integer(c->clients));
            json_object_set_new(o, "over_guideline",
                                c->hidden ? json_null() : json_integer(c->over_guideline));
            json_object_set_new(o, "suppressed", json_boolean(c->hidden));
            json_array_append_new(arr, o);
        }
    }
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
        if (c == 's' && read_report_month_ok(optarg))
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
        char today[16];
        localtime_r(&now, &tm);
        strftime(today, sizeof today, "%Y-%m-%d", &tm);
        read_report_default_since(today, since);
    }
    PGconn *conn = ctl_connect();
    if (!conn)
        return CTL_FAIL;
    read_report_t rep;
    silta_err_t err;
    if (read_report_load(conn, since, &rep, &err) != 0) {
        int rc = ctl_fail("could not read the case store: %s", err.msg);
        read_report_free(&rep);
        PQfinish(conn);
        return rc;
    }
    PQfinish(conn);
    if (fmt == S_TEXT)
        printf("Silta report from %s: counts of distinct clients; under %d shown as <%d, and as\n"
               "many more hidden as it takes that no total gives one away.\n",
               since, READ_REPORT_MIN_CELL, READ_REPORT_MIN_CELL);
    else if (fmt == S_CSV)
        printf("table,area,row,month,clients,median_days_to_action,note\n");
    json_t *root = json_object(), *caseload = json_array(), *arr[READ_REPORT_NKINDS];
    json_object_set_new(root, "since", json_string(since));
    json_object_set_new(root, "min_cell", json_integer(READ_REPORT_MIN_CELL));
    for (int k = 0; k < READ_REPORT_NKINDS; k++) {
        arr[k] = json_array();
        json_object_set_new(root, S_KIND[k].table, arr[k]);
    }
    json_object_set_new(root, "caseload", caseload);
    for (size_t i = 0; i < rep.ntables; i++)
        s_print_table(&rep.tables[i], fmt, arr[rep.tables[i].kind]);
    s_print_caseload(&rep, fmt, caseload);
    if (fmt == S_JSON) {
        json_dumpf(root, stdout, JSON_PRESERVE_ORDER);
        printf("\n");
    }
    json_decref(root);
    read_report_free(&rep);
    return CTL_OK;
}
