/*  ctl_dlq.c - `siltactl dlq list|replay|purge`: the dead-letter queue.
 *
 *  list    dead letters with the event's journal columns (never its payload).
 *  replay  one statement, so one transaction, per call: delete the chosen
 *          hub.dead_letter rows, queue each again in hub.delivery with
 *          attempts 0 (ON CONFLICT DO NOTHING: a delivery that is already
 *          pending stays as it is), log outcome 'replayed' in hub.delivery_log
 *          and pg_notify('silta_replay', '<consumer_id>:<seq>') per row. The
 *          notifications are sent at COMMIT, so the running hub (LISTENing on
 *          silta_replay) only hears of rows that are really back in the queue.
 *  purge   the same delete, logged as 'purged', without a new delivery. With
 *          --all it asks y/N first when standard input is a terminal; without
 *          a terminal it needs --yes (exit 2 otherwise), so a script says so.
 */
#include "siltactl.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "silta_db.h"

static const char *const S_SQL_LIST =
    "SELECT x.id, c.name AS consumer, j.event_id, j.type, j.client_key, x.attempts, x.reason,"
    "       x.dead_at, x.seq"
    "  FROM hub.dead_letter x JOIN hub.consumer c ON c.id = x.consumer_id"
    "  LEFT JOIN hub.journal j ON j.seq = x.seq"
    " WHERE ($1::text IS NULL OR c.name = $1)"
    " ORDER BY x.id";

/* $1 id (NULL: all), $2 consumer name (NULL: any). */
static const char *const S_SQL_REPLAY =
    "WITH gone AS ("
    "    DELETE FROM hub.dead_letter x USING hub.consumer c"
    "     WHERE c.id = x.consumer_id"
    "       AND ($1::bigint IS NULL OR x.id = $1::bigint)"
    "       AND ($2::text IS NULL OR c.name = $2::text)"
    "    RETURNING x.id, x.consumer_id, x.seq, x.attempts),"
    " queued AS ("
    "    INSERT INTO hub.delivery (consumer_id, seq, attempts)"
    "    SELECT consumer_id, seq, 0 FROM gone"
    "    ON CONFLICT DO NOTHING),"
    " logged AS ("
    "    INSERT INTO hub.delivery_log (consumer_id, seq, attempt, outcome, detail)"
    "    SELECT consumer_id, seq, attempts, 'replayed', 'siltactl dlq replay' FROM gone)"
    "SELECT g.id, c.name, g.seq, j.event_id,"
    "       pg_notify('silta_replay', g.consumer_id::text || ':' || g.seq::text)"
    "  FROM gone g JOIN hub.consumer c ON c.id = g.consumer_id"
    "  LEFT JOIN hub.journal j ON j.seq = g.seq"
    " ORDER BY g.id";

/* $1 id (NULL: all), $2 consumer name (NULL: any). Purge gives up on the
 * delivery for good: the row goes, the log keeps that an operator purged it. */
static const char *const S_SQL_PURGE =
    "WITH gone AS ("
    "    DELETE FROM hub.dead_letter x USING hub.consumer c"
    "     WHERE c.id = x.consumer_id"
    "       AND ($1::bigint IS NULL OR x.id = $1::bigint)"
    "       AND ($2::text IS NULL OR c.name = $2::text)"
    "    RETURNING x.id, x.consumer_id, x.seq, x.attempts),"
    " logged AS ("
    "    INSERT INTO hub.delivery_log (consumer_id, seq, attempt, outcome, detail)"
    "    SELECT consumer_id, seq, attempts, 'purged', 'siltactl dlq purge' FROM gone)"
    "SELECT g.id, c.name, g.seq, j.event_id"
    "  FROM gone g JOIN hub.consumer c ON c.id = g.consumer_id"
    "  LEFT JOIN hub.journal j ON j.seq = g.seq"
    " ORDER BY g.id";

typedef struct {
    int json;
    int all;
    int yes;
    const char *consumer;
} s_opts_t;

/* Parse the options every dlq subcommand shares (argv[0] is the subcommand;
 * allow_act: replay and purge, which take --all and --yes but not --json).
 * Returns 0, or -1 with *rc the exit code after usage. */
static int s_parse(int argc, char **argv, s_opts_t *o, int allow_act, int *rc)
{
    static const struct option opts[] = {{"json", no_argument, NULL, 'j'},
                                         {"all", no_argument, NULL, 'a'},
                                         {"yes", no_argument, NULL, 'y'},
                                         {"consumer", required_argument, NULL, 'c'},
                                         {"help", no_argument, NULL, 'h'},
                                         {0}};
    int c;
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":jayc:h", opts, NULL)) != -1) {
        if (c == 'j' && !allow_act)
            o->json = 1;
        else if (c == 'a' && allow_act)
            o->all = 1;
        else if (c == 'y' && allow_act)
            o->yes = 1;
        else if (c == 'c')
            o->consumer = optarg;
        else {
            if (c == 'h')
                *rc = ctl_usage(stdout, "dlq");
            else if (c == 'j' || c == 'a' || c == 'y')
                *rc = ctl_bad("dlq", "%s does not take %s", argv[0], argv[optind - 1]);
            else
                *rc = ctl_bad_option(c, argv, "dlq");
            return -1;
        }
    }
    return 0;
}

/* 0 when name is NULL or a known consumer; else prints and returns CTL_FAIL. */
static int s_check_consumer(PGconn *conn, const char *name)
{
    if (!name)
        return CTL_OK;
    const char *params[] = {name};
    PGresult *res = ctl_query(conn, "SELECT 1 FROM hub.consumer WHERE name = $1", 1, params);
    if (!res)
        return CTL_FAIL;
    int found = PQntuples(res) > 0;
    PQclear(res);
    return found ? CTL_OK : ctl_fail("no consumer named '%.64s'", name);
}

static int s_list(int argc, char **argv)
{
    s_opts_t o = {0};
    int rc = CTL_OK;
    if (s_parse(argc, argv, &o, 0, &rc) != 0)
        return rc;
    if (optind != argc)
        return ctl_bad("dlq", "unexpected argument '%.64s'", argv[optind]);
    PGconn *conn = ctl_connect();
    if (!conn)
        return CTL_FAIL;
    rc = s_check_consumer(conn, o.consumer);
    const char *params[] = {o.consumer};
    if (rc == CTL_OK && o.json) {
        char *json = ctl_query_json(conn, S_SQL_LIST, 1, params, CTL_JSON_ARRAY);
        if (json)
            printf("%s\n", json);
        else
            rc = CTL_FAIL;
        free(json);
    } else if (rc == CTL_OK) {
        PGresult *res = ctl_query(conn, S_SQL_LIST, 1, params);
        /* type, client key and time only with --wide (`trace EVENT_ID` shows them
         * too): the event id (kept whole, for `trace`) and the reason need the
         * 100 columns */
        static const char *const head[] = {"ID",     "CONSUMER", "EVENT ID",   "ATTEMPTS",
                                           "REASON", "TYPE",     "CLIENT KEY", "DEAD AT"};
        ctl_table_t *t = res ? ctl_table_new(ctl_out_wide() ? 8 : 5, head) : NULL;
        rc = !res ? CTL_FAIL : t ? CTL_OK : ctl_fail("out of memory");
        if (t) {
            ctl_table_align_right(t, 0);
            ctl_table_keep(t, 2);
            ctl_table_align_right(t, 3);
        }
        for (int r = 0; rc == CTL_OK && r < PQntuples(res); r++) {
            char reason[256], at[32];
            const char *cells[] = {ctl_cell(res, r, 0),
                                   ctl_cell(res, r, 1),
                                   ctl_cell(res, r, 2),
                                   ctl_cell(res, r, 5),
                                   ctl_fmt_cut(ctl_cell(res, r, 6), 60, reason, sizeof reason),
                                   ctl_cell(res, r, 3),
                                   ctl_cell(res, r, 4),
                                   ctl_fmt_time(ctl_cell(res, r, 7), at, sizeof at)};
            if (ctl_table_add(t, cells) != 0)
                rc = ctl_fail("out of memory");
        }
        if (rc == CTL_OK) {
            if (PQntuples(res) == 0)
                printf("no dead letters%s%s\n", o.consumer ? " for " : "",
                       o.consumer ? o.consumer : "");
            else
                ctl_table_print(t, stdout);
        }
        ctl_table_destroy(&t);
        PQclear(res);
    }
    silta_db_close(&conn);
    return rc;
}

/* A dead-letter id: digits only, > 0. */
static int s_parse_id(const char *s, char *out, size_t len)
{
    if (!s || !*s || strlen(s) > 18)
        return -1;
    for (const char *p = s; *p; p++)
        if (*p < '0' || *p > '9')
            return -1;
    errno = 0;
    long long id = strtoll(s, NULL, 10);
    if (errno || id <= 0)
        return -1;
    snprintf(out, len, "%lld", id);
    return 0;
}

/* Ask on the terminal (standard input) before purging every dead letter (of
 * consumer, NULL: of all). CTL_OK on "y" or "yes"; anything else, CTL_FAIL
 * after saying nothing was purged. */
static int s_confirm(PGconn *conn, const char *consumer)
{
    const char *params[] = {consumer};
    PGresult *res = ctl_query(conn,
                              "SELECT count(*) FROM hub.dead_letter x JOIN hub.consumer c ON "
                              "c.id = x.consumer_id WHERE $1::text IS NULL OR c.name = $1",
                              1, params);
    if (!res)
        return CTL_FAIL;
    fprintf(stderr, "purge all %s dead letters%s%.64s for good? [y/N] ", PQgetvalue(res, 0, 0),
            consumer ? " of consumer " : "", consumer ? consumer : "");
    fflush(stderr);
    PQclear(res);
    char line[16] = "";
    if (!fgets(line, sizeof line, stdin))
        line[0] = '\0';
    line[strcspn(line, "\r\n")] = '\0';
    if (strcmp(line, "y") == 0 || strcmp(line, "Y") == 0 || strcasecmp(line, "yes") == 0)
        return CTL_OK;
    return ctl_fail("not confirmed: nothing purged");
}

/* replay (purge 0) or purge (purge 1) one dead letter or --all. */
static int s_act(int argc, char **argv, int purge)
{
    const char *verb = purge ? "purged" : "replayed";
    s_opts_t o = {0};
    int rc = CTL_OK;
    if (s_parse(argc, argv, &o, 1, &rc) != 0)
        return rc;
    int nargs = argc - optind;
    if (o.all && nargs != 0)
        return ctl_bad("dlq", "either an ID or --all, not both");
    if (!o.all && nargs == 0)
        return ctl_bad("dlq", "%s needs a dead-letter ID or --all", argv[0]);
    if (!o.all && nargs != 1)
        return ctl_bad("dlq", "one ID only; unexpected '%.64s'", argv[optind + 1]);
    char id[24] = "";
    if (!o.all && s_parse_id(argv[optind], id, sizeof id) != 0)
        return ctl_bad("dlq", "bad dead-letter id '%.64s' (a number from `siltactl dlq list`)",
                       argv[optind]);
    int ask = purge && o.all && !o.yes;
    if (ask && !isatty(STDIN_FILENO)) {
        fprintf(stderr, "siltactl: dlq purge --all gives up on every dead letter%s%.64s for good;"
                        " with no terminal to ask, add --yes\n",
                o.consumer ? " of consumer " : "", o.consumer ? o.consumer : "");
        return CTL_USAGE;
    }

    PGconn *conn = ctl_connect();
    if (!conn)
        return CTL_FAIL;
    rc = s_check_consumer(conn, o.consumer);
    if (rc == CTL_OK && ask)
        rc = s_confirm(conn, o.consumer);
    PGresult *res = NULL;
    if (rc == CTL_OK) {
        const char *params[] = {o.all ? NULL : id, o.consumer};
        res = ctl_query(conn, purge ? S_SQL_PURGE : S_SQL_REPLAY, 2, params);
        if (!res)
            rc = CTL_FAIL;
    }
    if (rc == CTL_OK && !o.all && PQntuples(res) == 0)
        rc = ctl_fail("no dead letter with id %s%s%.64s", id, o.consumer ? " for consumer " : "",
                      o.consumer ? o.consumer : "");
    else if (rc == CTL_OK) {
        for (int r = 0; r < PQntuples(res); r++) {
            const char *ev = ctl_cell(res, r, 3);
            printf("%s dead letter %s: consumer %s, seq %s, event %s\n", verb,
                   PQgetvalue(res, r, 0), PQgetvalue(res, r, 1), PQgetvalue(res, r, 2),
                   ev ? ev : "-");
        }
        printf("%s %d dead letter%s\n", verb, PQntuples(res), PQntuples(res) == 1 ? "" : "s");
    }
    PQclear(res);
    silta_db_close(&conn);
    return rc;
}

int ctl_dlq(int argc, char **argv)
{
    if (argc < 2)
        return ctl_bad("dlq", "no subcommand (list, replay or purge)");
    if (strcmp(argv[1], "list") == 0)
        return s_list(argc - 1, argv + 1);
    if (strcmp(argv[1], "replay") == 0)
        return s_act(argc - 1, argv + 1, 0);
    if (strcmp(argv[1], "purge") == 0)
        return s_act(argc - 1, argv + 1, 1);
    return ctl_bad("dlq", "unknown subcommand '%.64s' (list, replay or purge)", argv[1]);
}
