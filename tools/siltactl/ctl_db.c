/*  ctl_db.c - siltactl's database side: connect, query, rows as JSON.
 *
 *  JSON is produced by PostgreSQL (json_agg / row_to_json), so escaping,
 *  numbers, booleans, arrays and timestamps come out right without a JSON
 *  writer here. The session runs in UTC so text output matches the log lines.
 */
#include "siltactl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "silta_db.h"
#include "silta_env.h"

/* Connect to the URL in the environment key `key`. */
static PGconn *s_connect(const char *key)
{
    silta_err_t err = {0};
    const char *url = silta_env_require(key, &err);
    if (!url) {
        ctl_fail("%s", err.msg);
        return NULL;
    }
    /* A server that is down answers at once; one that is unreachable must not hang us. */
    setenv("PGCONNECT_TIMEOUT", "5", 0);
    PGconn *conn = silta_db_connect(url, &err);
    if (!conn) {
        ctl_fail("%s", err.msg);
        return NULL;
    }
    if (silta_db_exec(conn, "SET TimeZone = 'UTC'; SET application_name = 'siltactl'", &err) != 0) {
        ctl_fail("%s", err.msg);
        silta_db_close(&conn);
        return NULL;
    }
    PGresult *res = ctl_query(conn, "SELECT to_regclass('hub.journal') IS NOT NULL", 0, NULL);
    int ok = res && strcmp(PQgetvalue(res, 0, 0), "t") == 0;
    if (res && !ok)
        ctl_fail("the database has no hub schema yet (silta-hub creates it when it first starts)");
    PQclear(res);
    if (!ok)
        silta_db_close(&conn);
    return conn;
}

PGresult *ctl_query(PGconn *conn, const char *sql, int nparams, const char *const *params)
{
    silta_err_t err = {0};
    PGresult *res = silta_db_query(conn, sql, nparams, params, &err);
    if (!res)
        ctl_fail("%s", err.msg);
    return res;
}

char *ctl_query_json(PGconn *conn, const char *sql, int nparams, const char *const *params,
                     ctl_json_mode_t mode)
{
    char *wrapped = NULL;
    int n =
        mode == CTL_JSON_ARRAY
            ? asprintf(&wrapped, "SELECT coalesce(json_agg(t), '[]'::json)::text FROM (%s) t", sql)
            : asprintf(&wrapped, "SELECT row_to_json(t)::text FROM (%s) t LIMIT 1", sql);
    if (n < 0) {
        ctl_fail("out of memory");
        return NULL;
    }
    PGresult *res = ctl_query(conn, wrapped, nparams, params);
    free(wrapped);
    if (!res)
        return NULL;
    char *json =
        strdup(PQntuples(res) > 0 && !PQgetisnull(res, 0, 0) ? PQgetvalue(res, 0, 0) : "null");
    PQclear(res);
    if (!json)
        ctl_fail("out of memory");
    return json;
}

PGconn *ctl_connect(void)
{
    return s_connect("SILTA_PG_URL");
}

PGconn *ctl_connect_owner(void)
{
    return s_connect("SILTA_PG_ADMIN_URL");
}

const char *ctl_cell(const PGresult *res, int row, int col)
{
    return PQgetisnull(res, row, col) ? NULL : PQgetvalue(res, row, col);
}
