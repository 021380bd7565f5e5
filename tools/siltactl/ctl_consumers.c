/*  ctl_consumers.c - `siltactl consumers [--json]`: every durable queue, what it
 *  subscribes to, whether a session is attached, its backlog and dead letters.
 */
#include "siltactl.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "silta_db.h"

static const char *const S_SQL =
    "SELECT c.name, array_to_string(c.types, ' ') AS types,"
    "       coalesce(s.connected, false) AS connected,"
    "       " CTL_SQL_PENDING " AS pending,"
    "       coalesce(s.in_flight, 0) AS in_flight, coalesce(s.credit, 0) AS credit,"
    "       (SELECT count(*) FROM hub.dead_letter x WHERE x.consumer_id = c.id) AS dead_letters,"
    "       c.created_at"
    "  FROM hub.consumer c LEFT JOIN hub.consumer_status s ON s.consumer_id = c.id"
    " ORDER BY c.name";

int ctl_consumers(int argc, char **argv)
{
    int json = 0;
    int rc = ctl_json_opts(argc, argv, "consumers", &json);
    if (rc >= 0)
        return rc;
    if (optind != argc)
        return ctl_usage(stderr, "consumers");
    PGconn *conn = ctl_connect();
    if (!conn)
        return CTL_FAIL;
    rc = CTL_OK;
    if (json) {
        char *out = ctl_query_json(conn, S_SQL, 0, NULL, CTL_JSON_ARRAY);
        if (out)
            printf("%s\n", out);
        else
            rc = CTL_FAIL;
        free(out);
    } else {
        PGresult *res = ctl_query(conn, S_SQL, 0, NULL);
        if (!res) {
            rc = CTL_FAIL;
        } else {
            const char *head[] = {"consumer", "types",  "attached",    "pending",
                                  "in flight", "credit", "dead letters", "since"};
            ctl_table_t *t = ctl_table_new(8, head);
            for (int c = 3; t && c <= 6; c++)
                ctl_table_align_right(t, c);
            for (int r = 0; t && r < PQntuples(res); r++) {
                char since[64];
                const char *cells[8] = {PQgetvalue(res, r, 0), PQgetvalue(res, r, 1),
                                        ctl_fmt_bool(PQgetvalue(res, r, 2)),
                                        PQgetvalue(res, r, 3), PQgetvalue(res, r, 4),
                                        PQgetvalue(res, r, 5), PQgetvalue(res, r, 6),
                                        ctl_fmt_time(PQgetvalue(res, r, 7), since, sizeof since)};
                ctl_table_add(t, cells);
            }
            if (t && PQntuples(res))
                ctl_table_print(t, stdout);
            else
                printf("no consumer queues yet\n");
            ctl_table_destroy(&t);
            PQclear(res);
        }
    }
    silta_db_close(&conn);
    return rc;
}
