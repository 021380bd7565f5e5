/*  ctl_trace.c - `siltactl trace EVENT_ID [--json]`: one event's whole story.
 *
 *  The journal row (never the payload), every finished delivery attempt from
 *  hub.delivery_log, what is still pending (a consumer's cursor has not
 *  finished it, or an explicit hub.delivery row) and what sits in
 *  hub.dead_letter - everything keyed by the event's journal seq.
 */
#include "siltactl.h"

#include <ctype.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "silta_db.h"
#include "silta_uuid.h"

/* Through the dedupe table's index (hub.journal_id, migration 005), which has
 * every id the hub journalled; an id it lacks (a row written into the journal
 * by hand, or a dropped one) is looked for in the journal itself, a scan. */
static const char *const S_SQL_EVENT =
    "(SELECT event_id, seq, type, source, client_key, occurred_at, recorded_at"
    "   FROM hub.journal WHERE event_id = $1::uuid"
    "    AND seq = (SELECT seq FROM hub.journal_id WHERE event_id = $1::uuid))"
    " UNION ALL "
    "(SELECT event_id, seq, type, source, client_key, occurred_at, recorded_at"
    "   FROM hub.journal WHERE event_id = $1::uuid"
    "    AND NOT EXISTS (SELECT 1 FROM hub.journal_id WHERE event_id = $1::uuid))"
    " LIMIT 1";

/* $1 = seq */
static const char *const S_SQL_LOG =
    "SELECT coalesce(c.name, '#' || l.consumer_id) AS consumer, l.attempt, l.delivered_at,"
    "       l.outcome, l.outcome_at, l.detail"
    "  FROM hub.delivery_log l LEFT JOIN hub.consumer c ON c.id = l.consumer_id"
    " WHERE l.seq = $1::bigint ORDER BY l.outcome_at, c.name";

/* Pending: an explicit delivery row, or a consumer of the type whose cursor has
 * not finished the seq (attempts of those live in the hub's memory: none shown). */
static const char *const S_SQL_PENDING =
    "SELECT c.name AS consumer, d.attempts"
    "  FROM hub.delivery d JOIN hub.consumer c ON c.id = d.consumer_id"
    " WHERE d.seq = $1::bigint"
    " UNION ALL "
    "SELECT c.name, NULL::int FROM hub.consumer c"
    " WHERE EXISTS (SELECT 1 " CTL_SQL_CURSOR_OPEN("j") " AND j.seq = $1::bigint)"
    " ORDER BY 1";

static const char *const S_SQL_DEAD =
    "SELECT x.id, c.name AS consumer, x.attempts, x.reason, x.dead_at"
    "  FROM hub.dead_letter x JOIN hub.consumer c ON c.id = x.consumer_id"
    " WHERE x.seq = $1::bigint ORDER BY x.id";

static int s_json(PGconn *conn, const char *event_id, const char *seq)
{
    const char *ev_params[] = {event_id};
    const char *seq_params[] = {seq};
    char *part[4] = {
        ctl_query_json(conn, S_SQL_EVENT, 1, ev_params, CTL_JSON_OBJECT),
        ctl_query_json(conn, S_SQL_LOG, 1, seq_params, CTL_JSON_ARRAY),
        ctl_query_json(conn, S_SQL_PENDING, 1, seq_params, CTL_JSON_ARRAY),
        ctl_query_json(conn, S_SQL_DEAD, 1, seq_params, CTL_JSON_ARRAY),
    };
    int rc = part[0] && part[1] && part[2] && part[3] ? CTL_OK : CTL_FAIL;
    if (rc == CTL_OK)
        printf("{\"event\":%s,\"deliveries\":%s,\"pending\":%s,\"dead_letters\":%s}\n", part[0],
               part[1], part[2], part[3]);
    for (int i = 0; i < 4; i++)
        free(part[i]);
    return rc;
}

/* Print a result as a table, or `none` when it is empty. fmt[c]: 't' time, 'r' cut reason,
 * 'n' right-aligned number, '-' as is. */
static int s_table(PGresult *res, const char *title, const char *const *head, const char *fmt)
{
    int ncols = PQnfields(res);
    printf("\n%s\n", title);
    if (PQntuples(res) == 0) {
        printf("  none\n");
        return CTL_OK;
    }
    ctl_table_t *t = ctl_table_new(ncols, head);
    if (!t)
        return ctl_fail("out of memory");
    for (int c = 0; c < ncols; c++)
        if (fmt[c] == 'n')
            ctl_table_align_right(t, c);
        else if (fmt[c] == 't')
            ctl_table_keep(t, c);
    int rc = CTL_OK;
    for (int r = 0; rc == CTL_OK && r < PQntuples(res); r++) {
        char buf[8][256];
        const char *cells[8];
        for (int c = 0; c < ncols && c < 8; c++) {
            const char *v = ctl_cell(res, r, c);
            cells[c] = fmt[c] == 't'   ? ctl_fmt_time(v, buf[c], sizeof buf[c])
                       : fmt[c] == 'r' ? ctl_fmt_cut(v, 60, buf[c], sizeof buf[c])
                                       : v;
        }
        if (ctl_table_add(t, cells) != 0)
            rc = ctl_fail("out of memory");
    }
    if (rc == CTL_OK)
        ctl_table_print(t, stdout);
    ctl_table_destroy(&t);
    return rc;
}

static int s_text(PGconn *conn, PGresult *ev, const char *seq)
{
    static const char *const label[] = {"event",      "seq",         "type",       "source",
                                        "client_key", "occurred_at", "recorded_at"};
    for (int c = 0; c < 7; c++) {
        char buf[64];
        const char *v = ctl_cell(ev, 0, c);
        if (c >= 5)
            v = ctl_fmt_time(v, buf, sizeof buf);
        printf("%-12s %s\n", label[c], v ? v : "-");
    }
    const char *params[] = {seq};
    static const char *const log_head[] = {"CONSUMER", "ATTEMPT", "DELIVERED AT",
                                           "OUTCOME",  "AT",      "DETAIL"};
    static const char *const pending_head[] = {"CONSUMER", "ATTEMPTS"};
    static const char *const dead_head[] = {"ID", "CONSUMER", "ATTEMPTS", "REASON", "DEAD AT"};
    struct {
        const char *sql, *title, *fmt;
        const char *const *head;
    } part[] = {
        {S_SQL_LOG, "deliveries (finished attempts)", "-nt-tr", log_head},
        {S_SQL_PENDING, "pending (waiting for an ack)", "-n", pending_head},
        {S_SQL_DEAD, "dead letters", "n-nrt", dead_head},
    };
    int rc = CTL_OK;
    for (size_t i = 0; rc == CTL_OK && i < sizeof part / sizeof part[0]; i++) {
        PGresult *res = ctl_query(conn, part[i].sql, 1, params);
        rc = res ? s_table(res, part[i].title, part[i].head, part[i].fmt) : CTL_FAIL;
        PQclear(res);
    }
    return rc;
}

int ctl_trace(int argc, char **argv)
{
    int json = 0;
    int rc = ctl_json_opts(argc, argv, "trace", &json);
    if (rc >= 0)
        return rc;
    if (optind == argc)
        return ctl_bad("trace", "no EVENT_ID given");
    if (optind != argc - 1)
        return ctl_bad("trace", "one EVENT_ID only; unexpected '%.64s'", argv[optind + 1]);

    char id[SILTA_UUID_STRLEN + 1];
    const char *arg = argv[optind];
    size_t n = strlen(arg);
    for (size_t i = 0; i < n && i < SILTA_UUID_STRLEN; i++)
        id[i] = (char)tolower((unsigned char)arg[i]);
    id[n < SILTA_UUID_STRLEN ? n : SILTA_UUID_STRLEN] = '\0';
    if (n != SILTA_UUID_STRLEN || !silta_uuid_valid(id))
        return ctl_fail("malformed event id '%.64s' (expected a uuid such as "
                        "0190f5c2-7b3a-7c4d-8e5f-0123456789ab)",
                        arg);

    PGconn *conn = ctl_connect();
    if (!conn)
        return CTL_FAIL;
    const char *params[] = {id};
    PGresult *ev = ctl_query(conn, S_SQL_EVENT, 1, params);
    rc = ev ? CTL_OK : CTL_FAIL;
    if (rc == CTL_OK && PQntuples(ev) == 0)
        rc = ctl_fail("no event %s in the journal (never published, or dropped by journal "
                      "retention: `siltactl journal status`; its disclosures stay in the "
                      "disclosure log)",
                      id);
    if (rc == CTL_OK) {
        char seq[32];
        snprintf(seq, sizeof seq, "%s", PQgetvalue(ev, 0, 1));
        rc = json ? s_json(conn, id, seq) : s_text(conn, ev, seq);
    }
    PQclear(ev);
    silta_db_close(&conn);
    return rc;
}
