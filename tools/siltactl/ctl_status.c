/*  ctl_status.c - `siltactl status [--json]`: the hub, the journal, queues, peers.
 *
 *  Reads the hub's once-a-second snapshot (hub.instance, hub.consumer_status,
 *  hub.peer) and counts the durable queues (the cursors over hub.journal with
 *  hub.delivery's explicit rows: CTL_SQL_PENDING; hub.dead_letter).
 *  A snapshot older than CTL_STALE_SECONDS (or none) means the hub is not
 *  running (or stuck): it is reported as stale, "connected" below it is
 *  history, a line on stderr says so and the exit code is CTL_DOWN (3), text
 *  or JSON, so that a script or a health check can rely on the exit code.
 *  The consumer rows are CTL_SQL_QUEUES, the shape `consumers` prints too.
 *  The journal's row count is PostgreSQL's estimate (pg_class.reltuples, summed
 *  over the partitions that were analysed: a partition just opened by
 *  `journal retain` counts 0 until autovacuum analyses it) so a large journal
 *  costs nothing; only a never-analysed one is counted, up to a million rows.
 */
#include "siltactl.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "silta_db.h"

#define S_STR(x) #x
#define S_XSTR(x) S_STR(x)
#define S_STALE_INTERVAL "interval '" S_XSTR(CTL_STALE_SECONDS) " seconds'"

static const char *const S_SQL_HUB =
    "SELECT instance, pid, started_at, updated_at,"
    "       extract(epoch FROM now() - updated_at)::float8 AS updated_age_s,"
    "       now() - updated_at > " S_STALE_INTERVAL " AS stale"
    "  FROM hub.instance";

/* The journal's leaf partitions, or the table itself when it is not partitioned
 * (pg_partition_tree is empty for a plain table). */
static const char *const S_SQL_JOURNAL =
    "WITH tree AS (SELECT relid, isleaf FROM pg_partition_tree('hub.journal')),"
    "     parts AS (SELECT relid FROM tree WHERE isleaf"
    "               UNION ALL"
    "               SELECT 'hub.journal'::regclass WHERE NOT EXISTS (SELECT 1 FROM tree)),"
    "     est AS (SELECT sum(greatest(c.reltuples, 0))::bigint AS n,"
    "                    bool_and(c.reltuples < 0) AS unknown"
    "               FROM parts p JOIN pg_class c ON c.oid = p.relid),"
    "     top AS (SELECT max(seq) AS max_seq FROM hub.journal),"
    "     small AS (SELECT count(*) AS n FROM (SELECT 1 FROM hub.journal LIMIT 1000001) x)"
    "SELECT CASE WHEN NOT est.unknown THEN est.n"
    "            WHEN (SELECT n FROM small) <= 1000000 THEN (SELECT n FROM small)"
    "       END AS rows,"
    "       est.unknown AND (SELECT n FROM small) <= 1000000 AS rows_exact,"
    "       top.max_seq,"
    "       (SELECT sum(pg_total_relation_size(relid))::bigint FROM parts) AS bytes"
    "  FROM est, top";

static const char *const S_SQL_CONSUMERS = CTL_SQL_QUEUES;

static const char *const S_SQL_PEERS =
    "SELECT identity, name, consumer, address, connected_at, last_seen,"
    "       extract(epoch FROM now() - last_seen)::float8 AS last_seen_age_s"
    "  FROM hub.peer ORDER BY identity, name, routing_id";

static int s_json(PGconn *conn, int *stale)
{
    const char *sql[] = {S_SQL_HUB, S_SQL_JOURNAL, S_SQL_CONSUMERS, S_SQL_PEERS};
    const ctl_json_mode_t mode[] = {CTL_JSON_OBJECT, CTL_JSON_OBJECT, CTL_JSON_ARRAY,
                                    CTL_JSON_ARRAY};
    char *part[4] = {0};
    int rc = CTL_OK;
    for (int i = 0; i < 4 && rc == CTL_OK; i++)
        if (!(part[i] = ctl_query_json(conn, sql[i], 0, NULL, mode[i])))
            rc = CTL_FAIL;
    if (rc == CTL_OK) {
        printf("{\"hub\":%s,\"journal\":%s,\"consumers\":%s,\"peers\":%s}\n", part[0], part[1],
               part[2], part[3]);
        /* "null": no hub row, so no hub; else its "stale" */
        json_t *hub = json_loads(part[0], JSON_DECODE_ANY, NULL);
        *stale = !json_is_object(hub) || !json_is_false(json_object_get(hub, "stale"));
        json_decref(hub);
    }
    for (int i = 0; i < 4; i++)
        free(part[i]);
    return rc;
}

/* 1234567 -> "1,234,567" */
static const char *s_grouped(const char *digits, char *buf, size_t len)
{
    if (!digits) {
        snprintf(buf, len, "-");
        return buf;
    }
    size_t n = strlen(digits), o = 0;
    for (size_t i = 0; i < n && o + 2 < len; i++) {
        buf[o++] = digits[i];
        if (digits[i] != '-' && (n - i - 1) % 3 == 0 && i + 1 < n)
            buf[o++] = ',';
    }
    buf[o] = '\0';
    return buf;
}

static const char *s_bytes(const char *text, char *buf, size_t len)
{
    double b = text ? strtod(text, NULL) : 0;
    const char *unit[] = {"B", "kB", "MB", "GB", "TB"};
    int u = 0;
    while (b >= 1024 && u < 4) {
        b /= 1024;
        u++;
    }
    snprintf(buf, len, u ? "%.1f %s" : "%.0f %s", b, unit[u]);
    return buf;
}

static int s_print_hub(PGconn *conn, int *stale)
{
    PGresult *res = ctl_query(conn, S_SQL_HUB, 0, NULL);
    if (!res)
        return CTL_FAIL;
    char t1[32], t2[32];
    if (PQntuples(res) == 0) {
        printf("hub       never started (no row in hub.instance)\n");
        *stale = 1;
    } else {
        *stale = strcmp(PQgetvalue(res, 0, 5), "t") == 0;
        printf("hub       pid %s, started %s, updated %s ago\n", PQgetvalue(res, 0, 1),
               ctl_fmt_time(ctl_cell(res, 0, 2), t1, sizeof t1),
               ctl_fmt_age(ctl_cell(res, 0, 4), t2, sizeof t2));
        if (ctl_out_wide())
            printf("          instance %s\n", PQgetvalue(res, 0, 0));
        if (*stale)
            printf("          STALE: the hub is not running or not updating\n");
    }
    PQclear(res);
    return CTL_OK;
}

static int s_print_journal(PGconn *conn)
{
    PGresult *res = ctl_query(conn, S_SQL_JOURNAL, 0, NULL);
    if (!res)
        return CTL_FAIL;
    char rows[40], top[40], size[40];
    const char *exact = ctl_cell(res, 0, 1);
    printf("journal   %s rows%s, max seq %s, %s\n",
           s_grouped(ctl_cell(res, 0, 0), rows, sizeof rows),
           !ctl_cell(res, 0, 0)       ? " (not counted: large and not yet analysed)"
           : exact && exact[0] == 't' ? ""
                                      : " (estimate)",
           s_grouped(ctl_cell(res, 0, 2), top, sizeof top),
           s_bytes(ctl_cell(res, 0, 3), size, sizeof size));
    PQclear(res);
    return CTL_OK;
}

static int s_print_consumers(PGconn *conn, int stale)
{
    PGresult *res = ctl_query(conn, S_SQL_CONSUMERS, 0, NULL);
    if (!res)
        return CTL_FAIL;
    static const char *const head[] = {"CONSUMER",  "TYPES",  "QUEUED", "IN FLIGHT",
                                       "CONNECTED", "CREDIT", "OLDEST", "DEAD"};
    ctl_table_t *t = ctl_table_new(8, head);
    int rc = t ? CTL_OK : ctl_fail("out of memory");
    for (int c = 2; t && c < 8; c++)
        if (c != 4)
            ctl_table_align_right(t, c);
    for (int r = 0; rc == CTL_OK && r < PQntuples(res); r++) {
        char types[512], age[32];
        const char *connected = ctl_fmt_bool(ctl_cell(res, r, 3));
        if (stale && ctl_cell(res, r, 11))
            connected = "stale";
        const char *cells[] = {ctl_cell(res, r, 0),
                               ctl_fmt_types(ctl_cell(res, r, 1), types, sizeof types),
                               ctl_cell(res, r, 5),
                               ctl_cell(res, r, 6),
                               connected,
                               ctl_cell(res, r, 7),
                               ctl_fmt_age(ctl_cell(res, r, 8), age, sizeof age),
                               ctl_cell(res, r, 9)};
        if (ctl_table_add(t, cells) != 0)
            rc = ctl_fail("out of memory");
    }
    if (rc == CTL_OK) {
        printf("\n");
        if (PQntuples(res) == 0)
            printf("no consumers yet (a queue is created by its first SUBSCRIBE)\n");
        else
            ctl_table_print(t, stdout);
    }
    ctl_table_destroy(&t);
    PQclear(res);
    return rc;
}

static int s_print_peers(PGconn *conn, int stale)
{
    PGresult *res = ctl_query(conn, S_SQL_PEERS, 0, NULL);
    if (!res)
        return CTL_FAIL;
    static const char *const head[] = {"PEER",    "NAME",         "CONSUMER",
                                       "ADDRESS", "CONNECTED AT", "LAST SEEN"};
    ctl_table_t *t = ctl_table_new(6, head);
    if (t)
        ctl_table_keep(t, 4);
    int rc = t ? CTL_OK : ctl_fail("out of memory");
    for (int r = 0; rc == CTL_OK && r < PQntuples(res); r++) {
        char at[32], seen[48], age[32];
        snprintf(seen, sizeof seen, "%s ago", ctl_fmt_age(ctl_cell(res, r, 6), age, sizeof age));
        const char *cells[] = {ctl_cell(res, r, 0),
                               ctl_cell(res, r, 1),
                               ctl_cell(res, r, 2),
                               ctl_cell(res, r, 3),
                               ctl_fmt_time(ctl_cell(res, r, 4), at, sizeof at),
                               seen};
        if (ctl_table_add(t, cells) != 0)
            rc = ctl_fail("out of memory");
    }
    if (rc == CTL_OK) {
        printf("\n");
        if (PQntuples(res) == 0)
            printf("no peers connected\n");
        else {
            if (stale)
                printf("peers as last recorded by a hub that is not updating:\n");
            ctl_table_print(t, stdout);
        }
    }
    ctl_table_destroy(&t);
    PQclear(res);
    return rc;
}

int ctl_status(int argc, char **argv)
{
    int json = 0;
    int rc = ctl_json_opts(argc, argv, "status", &json);
    if (rc >= 0)
        return rc;
    if (optind != argc)
        return ctl_bad("status", "unexpected argument '%.64s'", argv[optind]);

    PGconn *conn = ctl_connect();
    if (!conn)
        return CTL_FAIL;
    int stale = 0;
    if (json)
        rc = s_json(conn, &stale);
    else {
        rc = s_print_hub(conn, &stale);
        if (rc == CTL_OK)
            rc = s_print_journal(conn);
        if (rc == CTL_OK)
            rc = s_print_consumers(conn, stale);
        if (rc == CTL_OK)
            rc = s_print_peers(conn, stale);
    }
    silta_db_close(&conn);
    if (rc == CTL_OK && stale) {
        fprintf(stderr, "siltactl: the hub is down or stuck: its status is missing or older than "
                        "%d s\n",
                CTL_STALE_SECONDS);
        rc = CTL_DOWN;
    }
    return rc;
}
