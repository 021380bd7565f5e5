/*  ctl_plan.c - `siltactl plan [CLIENT_KEY] [--json]` (without a client key: the hetu
 *  from a prompt or standard input, never argv) and `siltactl plan --team [--json]`:
 *  a client's coordinated plan, timeline and open alerts; the team's caseload.
 *
 *  Reads the case store's schema (casestore) directly, as the other commands
 *  read the hub's. The hetu is turned into its client_key with the
 *  deployment's secret ($SILTA_CLIENT_KEY_SECRET) and never printed; the
 *  timeline shows the summaries the case store keeps (kinds, statuses, dates),
 *  never a payload.
 */
#include "siltactl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "silta_clientkey.h"
#include "silta_db.h"

/* $1 = client_key */
static const char *const S_SQL_CLIENT =
    "SELECT c.client_key, coalesce(c.responsible_worker, (SELECT value FROM "
    "casestore.rule_param WHERE key = 'TEAM_QUEUE')) AS responsible, "
    "coalesce(p.version, 0) AS plan_version,"
    " to_char(c.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI') AS since"
    "  FROM casestore.client c LEFT JOIN casestore.plan p USING (client_key)"
    " WHERE c.client_key = $1";

static const char *const S_SQL_PLAN =
    "SELECT item_id, owner_agency AS owner, responsible, title, due_date::text AS due,"
    "       status, version, cause_event_id::text AS cause_event_id"
    "  FROM casestore.plan_current WHERE client_key = $1"
    " ORDER BY status = 'open' DESC, due_date NULLS LAST, item_id";

static const char *const S_SQL_TIMELINE =
    "SELECT to_char(applied_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') AS at, type AS what,"
    "       summary AS detail FROM casestore.inbox WHERE client_key = $1"
    " UNION ALL SELECT to_char(opened_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS'),"
    "       'alert opened', rule FROM casestore.alert WHERE client_key = $1"
    " UNION ALL SELECT to_char(closed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS'),"
    "       'alert closed', rule FROM casestore.alert WHERE client_key = $1"
    "       AND closed_at IS NOT NULL"
    " ORDER BY 1, 2";

static const char *const S_SQL_ALERTS =
    "SELECT rule, severity, due_date::text AS due, responsible_agency AS agency,"
    "       responsible_worker AS worker, explanation, opened_on::text AS opened_on, alert_id"
    "  FROM casestore.alert WHERE client_key = $1 AND status = 'open'"
    " ORDER BY due_date NULLS LAST, rule";

static const char *const S_SQL_TEAM =
    "SELECT worker, active_clients, guideline, over_guideline FROM casestore.team_caseload"
    " ORDER BY active_clients DESC, worker";
static const char *const S_SQL_TEAM_TEXT =
    "SELECT worker, active_clients, guideline,"
    "       CASE WHEN over_guideline THEN 'yes' ELSE 'no' END FROM casestore.team_caseload"
    " ORDER BY active_clients DESC, worker";

static int s_print(PGconn *conn, const char *title, const char *sql, const char *ck, int ncols,
                   const char *const *head)
{
    const char *params[1] = {ck};
    PGresult *res = ctl_query(conn, sql, ck ? 1 : 0, ck ? params : NULL);
    if (!res)
        return CTL_FAIL;
    printf("%s\n", title);
    if (PQntuples(res) == 0) {
        printf("  none\n\n");
        PQclear(res);
        return CTL_OK;
    }
    ctl_table_t *t = ctl_table_new(ncols, head);
    if (t)
        ctl_table_records(t); /* a plan's titles and dates are read, never cut */
    for (int r = 0; t && r < PQntuples(res); r++) {
        const char *cells[8];
        for (int c = 0; c < ncols && c < 8; c++)
            cells[c] = ctl_cell(res, r, c);
        ctl_table_add(t, cells);
    }
    if (t)
        ctl_table_print(t, stdout);
    ctl_table_destroy(&t);
    printf("\n");
    PQclear(res);
    return CTL_OK;
}

static int s_team(PGconn *conn, int json)
{
    if (json) {
        char *j = ctl_query_json(conn, S_SQL_TEAM, 0, NULL, CTL_JSON_ARRAY);
        if (!j)
            return CTL_FAIL;
        printf("{\"team\":%s}\n", j);
        free(j);
        return CTL_OK;
    }
    static const char *const head[] = {"WORKER", "ACTIVE CLIENTS", "GUIDELINE", "OVER"};
    return s_print(conn, "caseload (clients in active work per responsible worker)",
                   S_SQL_TEAM_TEXT, NULL, 4, head);
}

static int s_client_json(PGconn *conn, const char *ck)
{
    const char *p[1] = {ck};
    char *part[4] = {ctl_query_json(conn, S_SQL_CLIENT, 1, p, CTL_JSON_OBJECT),
                     ctl_query_json(conn, S_SQL_PLAN, 1, p, CTL_JSON_ARRAY),
                     ctl_query_json(conn, S_SQL_TIMELINE, 1, p, CTL_JSON_ARRAY),
                     ctl_query_json(conn, S_SQL_ALERTS, 1, p, CTL_JSON_ARRAY)};
    int rc = part[0] && part[1] && part[2] && part[3] ? CTL_OK : CTL_FAIL;
    if (rc == CTL_OK)
        printf("{\"client\":%s,\"plan\":%s,\"timeline\":%s,\"open_alerts\":%s}\n", part[0],
               part[1], part[2], part[3]);
    for (int i = 0; i < 4; i++)
        free(part[i]);
    return rc;
}

static int s_client_text(PGconn *conn, const char *ck)
{
    static const char *const h_client[] = {"CLIENT_KEY", "RESPONSIBLE", "PLAN VERSION", "SINCE (UTC)"};
    static const char *const h_plan[] = {"ITEM", "OWNER", "RESPONSIBLE", "TITLE",
                                         "DUE", "STATUS", "VERSION"};
    static const char *const h_time[] = {"AT (UTC)", "WHAT", "DETAIL"};
    static const char *const h_alert[] = {"RULE", "SEVERITY", "DUE", "AGENCY", "WORKER"};
    if (s_print(conn, "client", S_SQL_CLIENT, ck, 4, h_client) ||
        s_print(conn, "coordinated plan", S_SQL_PLAN, ck, 7, h_plan) ||
        s_print(conn, "timeline", S_SQL_TIMELINE, ck, 3, h_time) ||
        s_print(conn, "open alerts", S_SQL_ALERTS, ck, 5, h_alert))
        return CTL_FAIL;
    /* The sentence each caseworker reads, in full. */
    const char *p[1] = {ck};
    PGresult *res = ctl_query(conn, S_SQL_ALERTS, 1, p);
    if (!res)
        return CTL_FAIL;
    for (int r = 0; r < PQntuples(res); r++)
        printf("  [%s, due %s] %s\n", ctl_cell(res, r, 0), ctl_cell(res, r, 2),
               ctl_cell(res, r, 5));
    PQclear(res);
    return CTL_OK;
}

int ctl_plan(int argc, char **argv)
{
    const char *who = NULL;
    int json = 0, team = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0)
            json = 1;
        else if (strcmp(argv[i], "--team") == 0)
            team = 1;
        else if (!who && argv[i][0] != '-')
            who = argv[i];
        else if (argv[i][0] == '-')
            return ctl_bad("plan", "unknown option '%.64s'", argv[i]);
        else
            return ctl_bad("plan", "one CLIENT_KEY only; unexpected '%.64s'", argv[i]);
    }
    char ck[SILTA_CLIENTKEY_LEN + 1] = "";
    if (who && silta_clientkey_valid(who)) {
        snprintf(ck, sizeof ck, "%s", who);
    } else if (who) {
        return ctl_fail("%s", CTL_HETU_NOT_IN_ARGV);
    } else if (!team) {
        char hetu[64];
        if (ctl_read_hetu(hetu, sizeof hetu) != 0)
            return ctl_fail("no client key given and no personal identity code on standard input");
        silta_err_t err = {0};
        silta_clientkey_t *key = silta_clientkey_new(NULL, &err);
        int rc = key ? silta_clientkey_of(key, hetu, ck, &err) : SILTA_ERR;
        silta_clientkey_destroy(&key);
        sodium_memzero(hetu, sizeof hetu);
        if (rc != 0)
            return ctl_fail("%s", err.msg); /* names the wrong part, never the code */
    }
    PGconn *conn = ctl_connect();
    if (!conn)
        return CTL_FAIL;
    int rc;
    PGresult *res = ctl_query(conn, "SELECT to_regclass('casestore.client') IS NOT NULL", 0, NULL);
    int ok = res && strcmp(PQgetvalue(res, 0, 0), "t") == 0;
    PQclear(res);
    if (!ok) {
        rc = ctl_fail("the database has no casestore schema (silta-casestore creates it when it "
                      "first starts)");
    } else if (team) {
        rc = s_team(conn, json);
    } else {
        const char *p[1] = {ck};
        res = ctl_query(conn, "SELECT 1 FROM casestore.client WHERE client_key = $1", 1, p);
        if (res && PQntuples(res) == 0)
            rc = ctl_fail("no client with that key in the case store");
        else if (!res)
            rc = CTL_FAIL;
        else
            rc = json ? s_client_json(conn, ck) : s_client_text(conn, ck);
        PQclear(res);
    }
    silta_db_close(&conn);
    return rc;
}
