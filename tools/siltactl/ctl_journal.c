/*  ctl_journal.c - `siltactl journal status|retain`: the journal's partitions.
 *
 *  status  every partition of hub.journal from its catalogue (hub.journal_part,
 *          hub/migrations/005_partitions.sql): seq range, time span, estimated
 *          rows, size on disk (with its delivery log partition, 006); dropped
 *          ones with what they held. Read-only, the
 *          hub's own role.
 *  retain  ctl_retain.c: cut the open partition when its period is over, drop
 *          the closed ones nobody needs any more.
 *
 *  This file also reads config/retention.conf (ctl_retention_conf). It never
 *  prints an event or a client_key.
 */
#include "siltactl.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "silta_db.h"
#include "silta_paths.h"

/* The catalogue, one row per partition, oldest first. rows: PostgreSQL's
 * estimate (pg_class.reltuples; NULL until the partition was analysed) for a
 * live partition, the count at the drop for a dropped one; log_rows the same
 * for its delivery log partition (006); bytes: the journal's and the delivery
 * log's partition together. */
#define S_SQL_PARTS                                                                                \
    "SELECT p.name, p.lo AS first_seq, p.hi - 1 AS last_seq, p.opened_at, p.closed_at,"           \
    "       p.dropped_at,"                                                                         \
    "       CASE WHEN p.dropped_at IS NOT NULL THEN 'dropped'"                                     \
    "            WHEN p.closed_at IS NULL THEN 'open' ELSE 'closed' END AS state,"                 \
    "       CASE WHEN p.dropped_at IS NOT NULL THEN p.dropped_rows"                                \
    "            WHEN c.reltuples >= 0 THEN c.reltuples::bigint END AS rows,"                      \
    "       CASE WHEN p.dropped_at IS NOT NULL THEN p.dropped_bytes"                               \
    "            ELSE pg_total_relation_size(c.oid)"                                               \
    "                 + coalesce(pg_total_relation_size(d.oid), 0) END AS bytes,"                  \
    "       CASE WHEN p.dropped_at IS NOT NULL THEN p.dropped_log_rows"                            \
    "            WHEN d.reltuples >= 0 THEN d.reltuples::bigint END AS log_rows"                   \
    "  FROM hub.journal_part p LEFT JOIN pg_class c ON c.oid = to_regclass('hub.' || p.name)"     \
    "  LEFT JOIN pg_class d ON d.oid = to_regclass('hub.delivery_log_p' || (p.lo >> 40))"         \
    " ORDER BY p.lo"

int ctl_retain(int argc, char **argv); /* ctl_retain.c */

/* One "KEY=value" line's number into *out when key matches; -1 on a bad value. */
static int s_number(const char *value, int lo, int hi, int *out)
{
    char *end = NULL;
    errno = 0;
    long v = strtol(value, &end, 10);
    if (errno || end == value || *end || v < lo || v > hi)
        return -1;
    *out = (int)v;
    return 0;
}

int ctl_retention_conf(ctl_retention_t *conf, char *path, size_t pathlen)
{
    silta_path("SILTA_RETENTION_CONF", SILTA_PATH_CONF, "retention.conf", path, pathlen);
    FILE *f = fopen(path, "r");
    if (!f)
        return ctl_fail("could not open the retention config %s: %s", path, strerror(errno));
    conf->partition_days = conf->keep_days = 0;
    char line[512];
    int lineno = 0, rc = CTL_OK;
    while (rc == CTL_OK && fgets(line, sizeof line, f)) {
        lineno++;
        char *p = line;
        while (isspace((unsigned char)*p))
            p++;
        size_t n = strcspn(p, "#\r\n");
        while (n && isspace((unsigned char)p[n - 1]))
            n--;
        p[n] = '\0';
        if (!*p)
            continue;
        char *eq = strchr(p, '=');
        if (!eq) {
            rc = ctl_fail("%s:%d: not KEY=value", path, lineno);
            break;
        }
        *eq = '\0';
        if (strcmp(p, "JOURNAL_PARTITION_DAYS") == 0) {
            if (s_number(eq + 1, 1, 366, &conf->partition_days) != 0)
                rc = ctl_fail("%s:%d: JOURNAL_PARTITION_DAYS must be 1..366 days", path, lineno);
        } else if (strcmp(p, "JOURNAL_KEEP_DAYS") == 0) {
            if (s_number(eq + 1, 1, 36500, &conf->keep_days) != 0)
                rc = ctl_fail("%s:%d: JOURNAL_KEEP_DAYS must be 1..36500 days", path, lineno);
        } else {
            rc = ctl_fail("%s:%d: unknown key '%.64s'", path, lineno, p);
        }
    }
    fclose(f);
    if (rc == CTL_OK && (!conf->partition_days || !conf->keep_days))
        rc = ctl_fail("%s: JOURNAL_PARTITION_DAYS and JOURNAL_KEEP_DAYS are both required", path);
    return rc;
}

/* Bytes for people: "812 B", "14.2 kB", "3.1 MB", "2.4 GB". */
static const char *s_fmt_bytes(const char *v, char *buf, size_t len)
{
    if (!v)
        return "-";
    double b = strtod(v, NULL);
    const char *unit[] = {"B", "kB", "MB", "GB", "TB"};
    int u = 0;
    while (b >= 1000.0 && u < 4) {
        b /= 1000.0;
        u++;
    }
    snprintf(buf, len, u ? "%.1f %s" : "%.0f %s", b, unit[u]);
    return buf;
}

int ctl_journal_partitioned(PGconn *conn)
{
    PGresult *has = ctl_query(conn, "SELECT to_regclass('hub.journal_part') IS NOT NULL", 0, NULL);
    int partitioned = has && strcmp(PQgetvalue(has, 0, 0), "t") == 0;
    PQclear(has);
    if (has && !partitioned)
        ctl_fail("the journal is not partitioned yet (silta-hub applies migration 005 when it "
                 "starts)");
    if (!partitioned)
        return CTL_FAIL;
    /* 006: the delivery log's partitions; retain creates and drops them. */
    has = ctl_query(conn,
                    "SELECT EXISTS (SELECT 1 FROM pg_partitioned_table "
                    "WHERE partrelid = to_regclass('hub.delivery_log'))",
                    0, NULL);
    partitioned = has && strcmp(PQgetvalue(has, 0, 0), "t") == 0;
    PQclear(has);
    if (has && !partitioned)
        ctl_fail("the delivery log is not partitioned yet (silta-hub applies migration 006 when "
                 "it starts)");
    return partitioned ? CTL_OK : CTL_FAIL;
}

static int s_status(int argc, char **argv)
{
    int json = 0;
    int rc = ctl_json_opts(argc, argv, "journal", &json);
    if (rc >= 0)
        return rc;
    if (optind != argc)
        return ctl_bad("journal", "unexpected argument '%.64s'", argv[optind]);
    PGconn *conn = ctl_connect();
    if (!conn)
        return CTL_FAIL;
    if (ctl_journal_partitioned(conn) != CTL_OK) {
        silta_db_close(&conn);
        return CTL_FAIL;
    }
    rc = CTL_OK;
    if (json) {
        char *out = ctl_query_json(conn, S_SQL_PARTS, 0, NULL, CTL_JSON_ARRAY);
        if (out)
            printf("%s\n", out);
        else
            rc = CTL_FAIL;
        free(out);
    } else {
        PGresult *res = ctl_query(conn, S_SQL_PARTS, 0, NULL);
        const char *head[] = {"partition", "first seq", "opened", "closed", "state", "rows", "size"};
        ctl_table_t *t = res ? ctl_table_new(7, head) : NULL;
        for (int c = 0; t && c < 7; c++)
            ctl_table_keep(t, c);
        if (t) {
            ctl_table_align_right(t, 1);
            ctl_table_align_right(t, 5);
            ctl_table_align_right(t, 6);
        }
        for (int r = 0; t && r < PQntuples(res); r++) {
            char opened[64], closed[64], size[32];
            const char *cells[7] = {ctl_cell(res, r, 0),
                                    ctl_cell(res, r, 1),
                                    ctl_fmt_time(ctl_cell(res, r, 3), opened, sizeof opened),
                                    ctl_fmt_time(ctl_cell(res, r, 4), closed, sizeof closed),
                                    ctl_cell(res, r, 6),
                                    ctl_cell(res, r, 7),
                                    s_fmt_bytes(ctl_cell(res, r, 8), size, sizeof size)};
            ctl_table_add(t, cells);
        }
        if (t)
            ctl_table_print(t, stdout);
        else
            rc = CTL_FAIL;
        ctl_table_destroy(&t);
        PQclear(res);
    }
    silta_db_close(&conn);
    return rc;
}

int ctl_journal(int argc, char **argv)
{
    if (argc < 2)
        return ctl_bad("journal", "status or retain?");
    if (strcmp(argv[1], "status") == 0)
        return s_status(argc - 1, argv + 1);
    if (strcmp(argv[1], "retain") == 0)
        return ctl_retain(argc - 1, argv + 1);
    return ctl_bad("journal", "unknown sub-command '%.64s'", argv[1]);
}
