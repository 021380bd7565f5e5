/*  ctl_consumers.c - `siltactl consumers [--json]`: every durable queue, what it
 *  subscribes to, whether a session is attached, its backlog and dead letters.
 *  Its JSON rows are the ones `status` prints under "consumers" (CTL_SQL_QUEUES).
 */
#include "siltactl.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "silta_db.h"

static const char *const S_SQL = CTL_SQL_QUEUES;

int ctl_consumers(int argc, char **argv)
{
    int json = 0;
    int rc = ctl_json_opts(argc, argv, "consumers", &json);
    if (rc >= 0)
        return rc;
    if (optind != argc)
        return ctl_bad("consumers", "unexpected argument '%.64s'", argv[optind]);
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
            /* since (its first SUBSCRIBE) only with --wide: the types need the room */
            const char *head[] = {"consumer", "types",  "attached",    "pending",
                                  "in flight", "credit", "dead letters", "since"};
            ctl_table_t *t = ctl_table_new(ctl_out_wide() ? 8 : 7, head);
            for (int c = 3; t && c <= 6; c++)
                ctl_table_align_right(t, c);
            for (int r = 0; t && r < PQntuples(res); r++) {
                char since[64], types[512];
                const char *cells[8] = {ctl_cell(res, r, 0),
                                        ctl_fmt_types(ctl_cell(res, r, 1), types, sizeof types),
                                        ctl_fmt_bool(ctl_cell(res, r, 2)),
                                        ctl_cell(res, r, 4),
                                        ctl_cell(res, r, 6),
                                        ctl_cell(res, r, 7),
                                        ctl_cell(res, r, 9),
                                        ctl_fmt_time(ctl_cell(res, r, 10), since, sizeof since)};
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
