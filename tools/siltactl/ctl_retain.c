/*  ctl_retain.c - `siltactl journal retain [--dry-run] [--json]`: keep the
 *  journal and its delivery log small by dropping whole partitions, never by
 *  DELETE.
 *
 *  The partitions and their catalogue are hub/migrations/005_partitions.sql;
 *  hub.delivery_log has the same partitions (006_delivery_log_partitions.sql):
 *  delivery_log_p<k> is created and dropped with journal_p<k>.
 *  One run, as the schemas' owner (SILTA_PG_ADMIN_URL: the hub's own role may
 *  not create or drop tables), under a lock on the catalogue so two runs never
 *  interleave:
 *
 *    1. cut: when the open partition has been open JOURNAL_PARTITION_DAYS,
 *       create the next one (seqs [hi, hi + 2^40)) of the journal and of the
 *       delivery log and close this one in the
 *       catalogue; commit; then move the sequence to the new partition's first
 *       seq (setval is not transactional, so it comes after the commit; a run
 *       that died in between is finished by the next: step 1 always moves a
 *       sequence that is still below the open partition).
 *    2. drop, each closed partition in its own transaction, oldest first, only
 *       when nothing needs it:
 *         - it closed more than JOURNAL_KEEP_DAYS ago (config/retention.conf);
 *         - every consumer's cursor has finished its newest seq (mark_delete at
 *           or above it: acked, withheld or dead-lettered), and no consumer is
 *           without a cursor;
 *         - no dead letter (hub.dead_letter: `dlq replay` needs the event) and
 *           no explicit delivery (hub.delivery: a replay under way) refers to a
 *           seq in it.
 *       A drop deletes the partition's ids from hub.journal_id (the dedupe,
 *       through its primary key), detaches and drops the journal's and the
 *       delivery log's table, and records in the catalogue the events
 *       (dropped_rows), the delivery records (dropped_log_rows) and the bytes
 *       of both tables (dropped_bytes). The locks go journal, then delivery
 *       log: the hub's turn takes them in that order. hub.disclosure is never
 *       touched.
 *    3. after an upgrade only: drop the delivery log partitions of journal
 *       partitions that were dropped before 006 (s_sweep).
 *
 *  --dry-run decides the same and changes nothing. Exit 0 when the run did
 *  what it decided, 1 on a failure (what was done before it stays done).
 */
#include "siltactl.h"

#include <getopt.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "silta_db.h"

#define S_SPAN_BITS 40 /* a partition's seq span: 2^40, never filled */

typedef struct {
    char name[32];
    long long lo, hi;
    char closed_at[64];
    const char *action; /* "open", "kept", "dropped", "would drop" */
    char why[512];
    long long rows, bytes; /* bytes: the journal's and the delivery log's partitions */
    long long log_rows;    /* the delivery log partition's rows */
} s_part_t;

static int s_exec(PGconn *conn, const char *sql)
{
    silta_err_t err = {0};
    if (silta_db_exec(conn, sql, &err) != 0)
        return ctl_fail("%s", err.msg);
    return CTL_OK;
}

static void s_rollback(PGconn *conn)
{
    PGresult *res = PQexec(conn, "ROLLBACK");
    PQclear(res);
}

/* Step 1. cut[0] is set to a description when a partition was (or would be)
 * cut. */
static int s_cut(PGconn *conn, const ctl_retention_t *conf, int dry, char *cut, size_t cutlen)
{
    cut[0] = '\0';
    if (s_exec(conn, "BEGIN; LOCK TABLE hub.journal_part IN SHARE ROW EXCLUSIVE MODE") != 0)
        return CTL_FAIL;
    char days[16];
    snprintf(days, sizeof days, "%d", conf->partition_days);
    const char *p[1] = {days};
    PGresult *res = ctl_query(conn,
                              "SELECT name, lo, hi, opened_at <= now() - make_interval(days => "
                              "$1::int) FROM hub.journal_part WHERE closed_at IS NULL "
                              "ORDER BY lo DESC LIMIT 1",
                              1, p);
    if (!res || PQntuples(res) != 1) {
        PQclear(res);
        s_rollback(conn);
        return ctl_fail("the journal's catalogue has no open partition");
    }
    long long lo = strtoll(PQgetvalue(res, 0, 1), NULL, 10);
    long long hi = strtoll(PQgetvalue(res, 0, 2), NULL, 10);
    int due = strcmp(PQgetvalue(res, 0, 3), "t") == 0;
    char open[32];
    snprintf(open, sizeof open, "%s", PQgetvalue(res, 0, 0));
    PQclear(res);
    if (due) {
        long long k = hi >> S_SPAN_BITS;
        snprintf(cut, cutlen, "%s closed, journal_p%lld opened at seq %lld", open, k, hi);
        if (!dry) {
            char sql[1024];
            snprintf(sql, sizeof sql,
                     "CREATE TABLE hub.journal_p%lld PARTITION OF hub.journal "
                     "FOR VALUES FROM (%lld) TO (%lld); "
                     "CREATE TABLE hub.delivery_log_p%lld PARTITION OF hub.delivery_log "
                     "FOR VALUES FROM (%lld) TO (%lld); "
                     "UPDATE hub.journal_part SET closed_at = now() WHERE lo = %lld; "
                     "INSERT INTO hub.journal_part (name, lo, hi, opened_at) "
                     "VALUES ('journal_p%lld', %lld, %lld, now())",
                     k, hi, hi + (1LL << S_SPAN_BITS), k, hi, hi + (1LL << S_SPAN_BITS), lo, k, hi,
                     hi + (1LL << S_SPAN_BITS));
            if (s_exec(conn, sql) != 0) {
                s_rollback(conn);
                return CTL_FAIL;
            }
            lo = hi;
        }
    }
    if (s_exec(conn, "COMMIT") != 0)
        return CTL_FAIL;
    if (dry)
        return CTL_OK;
    /* New rows go to the open partition: the sequence never goes back. */
    char first[24];
    snprintf(first, sizeof first, "%lld", lo);
    const char *q[1] = {first};
    res = ctl_query(conn,
                    "SELECT setval('hub.journal_seq_seq', $1::bigint, false) "
                    "WHERE (SELECT last_value FROM hub.journal_seq_seq) < $1::bigint",
                    1, q);
    PQclear(res);
    return res ? CTL_OK : CTL_FAIL;
}

/* Append ", "-separated text to x->why. */
static void s_why(s_part_t *x, const char *text)
{
    size_t n = strlen(x->why);
    snprintf(x->why + n, sizeof x->why - n, "%s%s", n ? "; " : "", text);
}

/* Step 2 for one closed partition: decide under the lock, drop when nothing
 * needs it. */
static int s_consider(PGconn *conn, const ctl_retention_t *conf, int dry, s_part_t *x)
{
    if (s_exec(conn, "BEGIN; LOCK TABLE hub.journal_part IN SHARE ROW EXCLUSIVE MODE") != 0)
        return CTL_FAIL;
    /* The journal partition's delivery log partition (006): the same k. */
    long long k = x->lo >> S_SPAN_BITS;
    char sql[2048];
    snprintf(sql, sizeof sql,
             "WITH m AS (SELECT max(seq) AS top, count(*) AS n FROM hub.%s) "
             "SELECT p.closed_at > now() - make_interval(days => %d), "
             "       to_char(p.closed_at + make_interval(days => %d), 'YYYY-MM-DD HH24:MI'), "
             "       (SELECT string_agg(c.name, ',' ORDER BY c.name) FROM hub.consumer c "
             "          LEFT JOIN hub.cursor k ON k.consumer_id = c.id "
             "         WHERE m.top IS NOT NULL AND (k.mark_delete IS NULL OR k.mark_delete < m.top)), "
             "       (SELECT count(*) FROM hub.dead_letter WHERE seq >= p.lo AND seq < p.hi), "
             "       (SELECT count(*) FROM hub.delivery WHERE seq >= p.lo AND seq < p.hi), "
             "       m.n, pg_total_relation_size('hub.%s') "
             "            + pg_total_relation_size('hub.delivery_log_p%lld'), "
             "       (SELECT count(*) FROM hub.delivery_log_p%lld) "
             "  FROM hub.journal_part p, m WHERE p.lo = %lld AND p.dropped_at IS NULL",
             x->name, conf->keep_days, conf->keep_days, x->name, k, k, x->lo);
    PGresult *res = ctl_query(conn, sql, 0, NULL);
    if (!res || PQntuples(res) != 1) {
        PQclear(res);
        s_rollback(conn);
        return res ? CTL_OK : CTL_FAIL; /* dropped meanwhile: nothing to do */
    }
    char text[256];
    if (strcmp(PQgetvalue(res, 0, 0), "t") == 0) {
        snprintf(text, sizeof text, "in the retention period (until %s)", PQgetvalue(res, 0, 1));
        s_why(x, text);
    }
    if (!PQgetisnull(res, 0, 2)) {
        snprintf(text, sizeof text, "not finished by consumer %.200s", PQgetvalue(res, 0, 2));
        s_why(x, text);
    }
    if (strcmp(PQgetvalue(res, 0, 3), "0") != 0) {
        snprintf(text, sizeof text, "%s dead letters refer to it", PQgetvalue(res, 0, 3));
        s_why(x, text);
    }
    if (strcmp(PQgetvalue(res, 0, 4), "0") != 0) {
        snprintf(text, sizeof text, "%s replayed deliveries pending", PQgetvalue(res, 0, 4));
        s_why(x, text);
    }
    x->rows = strtoll(PQgetvalue(res, 0, 5), NULL, 10);
    x->bytes = strtoll(PQgetvalue(res, 0, 6), NULL, 10);
    x->log_rows = strtoll(PQgetvalue(res, 0, 7), NULL, 10);
    PQclear(res);
    if (x->why[0] || dry) {
        x->action = x->why[0] ? "kept" : "would drop";
        if (!x->why[0])
            s_why(x, "old, finished by every consumer, no dead letter");
        s_rollback(conn);
        return CTL_OK;
    }
    snprintf(sql, sizeof sql,
             "DELETE FROM hub.journal_id i USING hub.%s j WHERE i.event_id = j.event_id; "
             "ALTER TABLE hub.journal DETACH PARTITION hub.%s; DROP TABLE hub.%s; "
             "ALTER TABLE hub.delivery_log DETACH PARTITION hub.delivery_log_p%lld; "
             "DROP TABLE hub.delivery_log_p%lld; "
             "UPDATE hub.journal_part SET dropped_at = now(), dropped_rows = %lld, "
             "dropped_bytes = %lld, dropped_log_rows = %lld WHERE lo = %lld; COMMIT",
             x->name, x->name, x->name, k, k, x->rows, x->bytes, x->log_rows, x->lo);
    if (s_exec(conn, sql) != 0) {
        s_rollback(conn);
        return CTL_FAIL;
    }
    x->action = "dropped";
    s_why(x, "old, finished by every consumer, no dead letter");
    return CTL_OK;
}

/* Step 3, after an upgrade only: a delivery log partition whose journal
 * partition was dropped before migration 006 (006 kept those records in their
 * range's partition). Its records have no event left to trace: detach, drop,
 * and add rows and bytes to the catalogue row. *n: how many (would) go. */
static int s_sweep(PGconn *conn, int dry, int *n)
{
    *n = 0;
    PGresult *res = ctl_query(conn,
                              "SELECT lo >> 40 FROM hub.journal_part WHERE dropped_at IS NOT NULL "
                              "AND to_regclass('hub.delivery_log_p' || (lo >> 40)) IS NOT NULL "
                              "ORDER BY lo",
                              0, NULL);
    if (!res)
        return CTL_FAIL;
    int rc = CTL_OK;
    for (int r = 0; rc == CTL_OK && r < PQntuples(res); r++) {
        long long k = strtoll(PQgetvalue(res, r, 0), NULL, 10);
        (*n)++;
        if (dry)
            continue;
        char sql[1024];
        snprintf(sql, sizeof sql,
                 "BEGIN; LOCK TABLE hub.journal_part IN SHARE ROW EXCLUSIVE MODE; "
                 "UPDATE hub.journal_part SET "
                 "dropped_log_rows = coalesce(dropped_log_rows, 0) + "
                 "(SELECT count(*) FROM hub.delivery_log_p%lld), "
                 "dropped_bytes = coalesce(dropped_bytes, 0) + "
                 "pg_total_relation_size('hub.delivery_log_p%lld') WHERE lo = %lld; "
                 "ALTER TABLE hub.delivery_log DETACH PARTITION hub.delivery_log_p%lld; "
                 "DROP TABLE hub.delivery_log_p%lld; COMMIT",
                 k, k, k << S_SPAN_BITS, k, k);
        rc = s_exec(conn, sql);
        if (rc != CTL_OK)
            s_rollback(conn);
    }
    PQclear(res);
    return rc;
}

/* The partitions, oldest first: the open one and every closed one not dropped. */
static s_part_t *s_list(PGconn *conn, size_t *n)
{
    *n = 0;
    PGresult *res = ctl_query(conn,
                              "SELECT name, lo, hi, closed_at FROM hub.journal_part "
                              "WHERE dropped_at IS NULL ORDER BY lo",
                              0, NULL);
    if (!res)
        return NULL;
    int nt = PQntuples(res);
    s_part_t *xs = calloc((size_t)nt + 1, sizeof *xs);
    for (int r = 0; xs && r < nt; r++) {
        s_part_t *x = &xs[*n];
        x->lo = strtoll(PQgetvalue(res, r, 1), NULL, 10);
        x->hi = strtoll(PQgetvalue(res, r, 2), NULL, 10);
        /* The name is the catalogue's; it is put into SQL only if it is the one
         * its range gives (journal_p<lo / 2^40>). */
        snprintf(x->name, sizeof x->name, "journal_p%lld", x->lo >> S_SPAN_BITS);
        if (strcmp(x->name, PQgetvalue(res, r, 0)) != 0)
            continue;
        snprintf(x->closed_at, sizeof x->closed_at, "%s", PQgetvalue(res, r, 3));
        x->action = PQgetisnull(res, r, 3) ? "open" : NULL;
        (*n)++;
    }
    PQclear(res);
    if (!xs)
        ctl_fail("out of memory");
    return xs;
}

static void s_print(const ctl_retention_t *conf, const char *conf_path, int dry, const char *cut,
                    int swept, const s_part_t *xs, size_t n, int json)
{
    if (json) {
        json_t *root = json_object(), *parts = json_array();
        json_object_set_new(root, "dry_run", json_boolean(dry));
        json_object_set_new(root, "config", json_string(conf_path));
        json_object_set_new(root, "partition_days", json_integer(conf->partition_days));
        json_object_set_new(root, "keep_days", json_integer(conf->keep_days));
        json_object_set_new(root, "cut", cut[0] ? json_string(cut) : json_null());
        json_object_set_new(root, "stale_log_partitions", json_integer(swept));
        for (size_t i = 0; i < n; i++) {
            json_t *o = json_object();
            json_object_set_new(o, "name", json_string(xs[i].name));
            json_object_set_new(o, "first_seq", json_integer(xs[i].lo));
            json_object_set_new(o, "action", json_string(xs[i].action ? xs[i].action : "kept"));
            json_object_set_new(o, "why", json_string(xs[i].why));
            json_object_set_new(o, "rows", xs[i].action && strcmp(xs[i].action, "open") == 0
                                               ? json_null()
                                               : json_integer(xs[i].rows));
            json_object_set_new(o, "bytes", xs[i].action && strcmp(xs[i].action, "open") == 0
                                                ? json_null()
                                                : json_integer(xs[i].bytes));
            json_object_set_new(o, "log_rows", xs[i].action && strcmp(xs[i].action, "open") == 0
                                                   ? json_null()
                                                   : json_integer(xs[i].log_rows));
            json_array_append_new(parts, o);
        }
        json_object_set_new(root, "partitions", parts);
        json_dumpf(root, stdout, JSON_PRESERVE_ORDER);
        putchar('\n');
        json_decref(root);
        return;
    }
    printf("journal retention%s: partitions of %d days, kept %d days after closing\n",
           dry ? " (dry run: nothing changed)" : "", conf->partition_days, conf->keep_days);
    char cut_path[CTL_OUT_COLUMNS - 7];
    printf("config: %s\n", ctl_fmt_cut(conf_path, sizeof cut_path - 1, cut_path, sizeof cut_path));
    printf("cut: %s\n", cut[0] ? cut : "none (the open partition's period is not over)");
    if (swept)
        printf("delivery log: %d partition(s) of events dropped before migration 006 %s\n", swept,
               dry ? "would be dropped" : "dropped");
    const char *head[] = {"partition", "action", "rows", "why"};
    ctl_table_t *t = ctl_table_new(4, head);
    if (!t)
        return;
    ctl_table_keep(t, 0);
    ctl_table_align_right(t, 2);
    for (size_t i = 0; i < n; i++) {
        char rows[24];
        snprintf(rows, sizeof rows, "%lld", xs[i].rows);
        int open = xs[i].action && strcmp(xs[i].action, "open") == 0;
        const char *cells[4] = {xs[i].name, xs[i].action ? xs[i].action : "kept",
                                open ? NULL : rows, open ? "takes new events" : xs[i].why};
        ctl_table_add(t, cells);
    }
    ctl_table_print(t, stdout);
    ctl_table_destroy(&t);
}

int ctl_retain(int argc, char **argv)
{
    static const struct option opts[] = {{"json", no_argument, NULL, 'j'},
                                         {"dry-run", no_argument, NULL, 'n'},
                                         {"help", no_argument, NULL, 'h'},
                                         {0, 0, 0, 0}};
    int c, json = 0, dry = 0;
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":jnh", opts, NULL)) != -1) {
        if (c == 'j')
            json = 1;
        else if (c == 'n')
            dry = 1;
        else if (c == 'h')
            return ctl_usage(stdout, "journal");
        else
            return ctl_bad_option(c, argv, "journal");
    }
    if (optind != argc)
        return ctl_bad("journal", "unexpected argument '%.64s'", argv[optind]);
    ctl_retention_t conf;
    char conf_path[1024];
    if (ctl_retention_conf(&conf, conf_path, sizeof conf_path) != CTL_OK)
        return CTL_FAIL;
    PGconn *conn = ctl_connect_owner();
    if (!conn)
        return CTL_FAIL;
    if (ctl_journal_partitioned(conn) != CTL_OK) {
        silta_db_close(&conn);
        return CTL_FAIL;
    }
    char cut[256];
    int rc = s_cut(conn, &conf, dry, cut, sizeof cut);
    size_t n = 0;
    s_part_t *xs = rc == CTL_OK ? s_list(conn, &n) : NULL;
    if (rc == CTL_OK && !xs)
        rc = CTL_FAIL;
    for (size_t i = 0; rc == CTL_OK && i < n; i++)
        if (!xs[i].action)
            rc = s_consider(conn, &conf, dry, &xs[i]);
    int swept = 0;
    if (rc == CTL_OK)
        rc = s_sweep(conn, dry, &swept);
    if (xs)
        s_print(&conf, conf_path, dry, cut, swept, xs, n, json);
    free(xs);
    silta_db_close(&conn);
    return rc;
}
