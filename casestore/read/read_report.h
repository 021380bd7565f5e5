/*  read_report.h - the report for decision-makers (issue 15, item 3;
 *  structural social work): anonymised aggregates of the case store per area
 *  and month, with small-cell suppression applied. The one owner of the
 *  report's SQL: `siltactl report` (tools/siltactl/ctl_report.c, which links
 *  this file) and the inbox's team-lead page (web/web_report.c) both render
 *  what read_report_load returns.
 *
 *  Tables, one per (kind, area), each rows x months of distinct clients:
 *    READ_REPORT_GAPS       rows: rules. Clients with an alert of the rule
 *                           opened that month; median days from the alert to
 *                           the act that closed it (time from alert to action).
 *    READ_REPORT_LATE       rows: agencies. Late decisions: clients with a
 *                           decision past its statutory deadline, by the
 *                           agency that decides: Kela's basic-assistance
 *                           decision (rule 1, laki toimeentulotuesta 1412/1997
 *                           14 a §, 7 working days) and the wellbeing services
 *                           county's decision on an application Kela forwarded
 *                           (rule 2 on a forwarded_application notice, 14 a §,
 *                           7 working days); median days from the alert to
 *                           the decision.
 *    READ_REPORT_REFERRALS  rows: "in_time", "late", "waiting". Health
 *                           referrals (sosiaalihuoltolaki 1301/2014 35 §) by
 *                           the month they were written: acknowledged with no
 *                           alert of rule 7 (REFERRAL_ACK_WD, local policy),
 *                           late (rule 7 raised its alert), or neither yet;
 *                           median days from the referral to its
 *                           acknowledgement.
 *  and the caseload per area: workers, their clients, and how many workers
 *  are over CASELOAD_GUIDELINE (config/rules.conf).
 *
 *  Area: the team of the alert's (the client's) responsible worker, or the
 *  team queue ("team:<name>") when nobody is responsible.
 *
 *  Suppression (lib/silta_suppress.h): a count from 1 to
 *  READ_REPORT_MIN_CELL-1 is hidden, and so is a complement in its row and
 *  column, so that no total gives one away; a median of a hidden cell is
 *  hidden with it. A hidden value is still in v[] (the renderers must look at
 *  hidden[] first: they show a mark, never the number). No client key, hetu,
 *  name or worker leaves this module: the SQL groups them away.
 *
 *  Ownership: read_report_load fills a caller-owned read_report_t;
 *  read_report_free releases everything in it (harmless twice).
 *  Not here: rendering (web/web_report.c, ctl_report.c), access checks.
 */
#ifndef READ_REPORT_H
#define READ_REPORT_H

#include <libpq-fe.h>
#include <stddef.h>

#include "silta_err.h"

#define READ_REPORT_MIN_CELL 5 /* THL / Statistics Finland practice: no cell under 5 */
#define READ_REPORT_MAX_MONTHS 36
#define READ_REPORT_NAME 64

typedef enum {
    READ_REPORT_GAPS = 0,
    READ_REPORT_LATE = 1,
    READ_REPORT_REFERRALS = 2,
    READ_REPORT_NKINDS = 3
} read_report_kind_t;

typedef struct {
    read_report_kind_t kind;
    char area[READ_REPORT_NAME];
    size_t nr, nc;                          /* inner rows x months */
    char (*rows)[READ_REPORT_NAME];         /* nr row codes: rule, agency, referral state */
    char months[READ_REPORT_MAX_MONTHS][8]; /* nc months "YYYY-MM", ascending */
    /* (nr+1) x (nc+1), row-major: row totals in column nc, column totals in
     * row nr, the area's total at [nr][nc]. */
    long *v;               /* distinct clients */
    long *median;          /* median days, -1 none */
    unsigned char *hidden; /* 1: show a mark, never v or median */
} read_report_table_t;

typedef struct {
    char area[READ_REPORT_NAME];
    long workers;        /* workers with clients (not a count of people served) */
    long clients;        /* clients with a responsible worker in the area */
    long over_guideline; /* workers with more clients than the guideline */
    int hidden;          /* clients 1..MIN_CELL-1: clients and over_guideline hidden */
} read_report_caseload_t;

typedef struct {
    char since[8];               /* "YYYY-MM": the first month */
    long guideline;              /* CASELOAD_GUIDELINE, or -1 when not set */
    read_report_table_t *tables; /* by kind, then area */
    size_t ntables;
    read_report_caseload_t *caseload;
    size_t ncaseload;
} read_report_t;

/* 1 when s is a month "YYYY-MM" (month 01-12), else 0. */
int read_report_month_ok(const char *s);

/* The month 11 months before today's ("YYYY-MM-DD"): the default first month
 * (a year of months). out: 8 bytes. */
void read_report_default_since(const char *today, char out[8]);

/* Everything from month since ("YYYY-MM", checked by the caller with
 * read_report_month_ok) into *out. Returns 0, SILTA_EAGAIN (the database did
 * not answer: err says why), or SILTA_ERR (out of memory); on failure *out is
 * empty (free it anyway). */
int read_report_load(PGconn *db, const char *since, read_report_t *out, silta_err_t *err);

/* Free what read_report_load filled in; harmless twice. */
void read_report_free(read_report_t *r);

/* The code of a table's row r (r == nr: the total row, ""). */
const char *read_report_row(const read_report_table_t *t, size_t r);

#endif
