/*  silta_db.c - libpq connection, error translation and numbered migrations. */
#include "silta_db.h"
#include "silta_log.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int s_conn_code(PGconn *conn)
{
    return PQstatus(conn) == CONNECTION_OK ? SILTA_ERR : SILTA_EAGAIN;
}

/* libpq messages end with a newline; keep the log line on one line. */
static const char *s_msg(PGconn *conn, char *buf, size_t len)
{
    snprintf(buf, len, "%s", PQerrorMessage(conn));
    for (char *p = buf; *p; p++)
        if (*p == '\n')
            *p = (p[1] ? ' ' : '\0');
    return buf;
}

PGconn *silta_db_connect(const char *url, silta_err_t *err)
{
    /* A server that accepts the connection and then never answers must not
     * hang a program (the hub could not even stop on SIGTERM): give the
     * connection attempt a limit unless the URL sets its own. */
    const char *keys[] = {"dbname", "connect_timeout", NULL};
    const char *vals[] = {url, "10", NULL};
    PGconn *conn = strstr(url, "connect_timeout") ? PQconnectdb(url)
                                                  : PQconnectdbParams(keys, vals, 1);
    if (!conn) {
        silta_err_set(err, SILTA_EAGAIN, "could not connect to database: out of memory");
        return NULL;
    }
    if (PQstatus(conn) != CONNECTION_OK) {
        char buf[400];
        silta_err_set(err, SILTA_EAGAIN, "could not connect to database: %s",
                      s_msg(conn, buf, sizeof buf));
        PQfinish(conn);
        return NULL;
    }
    /* Notices (e.g. "relation already exists, skipping") are not errors. */
    PGresult *r = PQexec(conn, "SET client_min_messages = warning");
    PQclear(r);
    return conn;
}

void silta_db_close(PGconn **conn)
{
    if (conn && *conn) {
        PQfinish(*conn);
        *conn = NULL;
    }
}

int silta_db_check(PGconn *conn, PGresult *res, silta_err_t *err)
{
    ExecStatusType st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
    if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK || st == PGRES_COPY_IN)
        return SILTA_OK;
    char buf[400];
    int code = s_conn_code(conn);
    silta_err_set(err, code, "database: %s",
                  res ? PQresultErrorMessage(res) : s_msg(conn, buf, sizeof buf));
    if (err)
        for (char *p = err->msg; *p; p++)
            if (*p == '\n')
                *p = ' ';
    PQclear(res);
    return code;
}

int silta_db_exec(PGconn *conn, const char *sql, silta_err_t *err)
{
    PGresult *res = PQexec(conn, sql);
    int rc = silta_db_check(conn, res, err);
    if (rc == 0)
        PQclear(res);
    return rc;
}

PGresult *silta_db_query(PGconn *conn, const char *sql, int nparams, const char *const *params,
                         silta_err_t *err)
{
    PGresult *res = PQexecParams(conn, sql, nparams, NULL, params, NULL, NULL, 0);
    if (silta_db_check(conn, res, err) != 0)
        return NULL;
    return res;
}

static int s_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static char *s_read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = n >= 0 ? malloc((size_t)n + 1) : NULL;
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    if (buf)
        buf[n] = '\0';
    fclose(f);
    return buf;
}

int silta_db_migrate(PGconn *conn, const char *schema, const char *dir, silta_err_t *err)
{
    DIR *d = opendir(dir);
    if (!d)
        return silta_err_set(err, SILTA_ERR, "could not open migrations folder %s: %s", dir,
                             strerror(errno));
    char *names[512] = {0};
    size_t n = 0;
    struct dirent *de;
    while ((de = readdir(d)) && n < 512) {
        size_t len = strlen(de->d_name);
        /* NNN_name.sql only: grants.sql beside them is not a migration */
        if (len > 4 && strcmp(de->d_name + len - 4, ".sql") == 0 && de->d_name[0] >= '0' &&
            de->d_name[0] <= '9')
            names[n++] = strdup(de->d_name);
    }
    closedir(d);
    qsort(names, n, sizeof names[0], s_cmp);

    char sql[1024];
    int rc = SILTA_OK;
    /* The lock key is fixed: migrations of every schema serialise, which costs
     * nothing at start-up and rules out two processes creating one schema. */
    snprintf(sql, sizeof sql,
             "SELECT pg_advisory_lock(5151); CREATE SCHEMA IF NOT EXISTS %s; "
             "CREATE TABLE IF NOT EXISTS %s.schema_migrations (name text PRIMARY KEY, "
             "applied_at timestamptz NOT NULL DEFAULT now())",
             schema, schema);
    rc = silta_db_exec(conn, sql, err);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        snprintf(sql, sizeof sql, "SELECT 1 FROM %s.schema_migrations WHERE name = $1", schema);
        const char *params[1] = {names[i]};
        PGresult *res = silta_db_query(conn, sql, 1, params, err);
        if (!res) {
            rc = SILTA_ERR;
            break;
        }
        int done = PQntuples(res) > 0;
        PQclear(res);
        if (done)
            continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        char *body = s_read_file(path);
        if (!body) {
            rc = silta_err_set(err, SILTA_ERR, "could not read migration %s", path);
            break;
        }
        rc = silta_db_exec(conn, "BEGIN", err);
        if (rc == 0)
            rc = silta_db_exec(conn, body, err);
        free(body);
        if (rc == 0) {
            snprintf(sql, sizeof sql, "INSERT INTO %s.schema_migrations(name) VALUES ($1)",
                     schema);
            res = silta_db_query(conn, sql, 1, params, err);
            rc = res ? 0 : SILTA_ERR;
            PQclear(res);
        }
        if (rc == 0)
            rc = silta_db_exec(conn, "COMMIT", err);
        if (rc != 0) {
            char keep[sizeof err->msg];
            snprintf(keep, sizeof keep, "%s", err ? err->msg : "");
            PGresult *r = PQexec(conn, "ROLLBACK");
            PQclear(r);
            silta_err_set(err, rc, "migration %s failed: %s", names[i], keep);
            break;
        }
        silta_info("migration applied", "schema=%s name=%s", schema, names[i]);
    }
    PGresult *r = PQexec(conn, "SELECT pg_advisory_unlock(5151)");
    PQclear(r);
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    return rc;
}

/* text with every "{app}" replaced by ident; caller frees. */
static char *s_subst(const char *text, const char *ident)
{
    size_t n = 0, il = strlen(ident);
    for (const char *p = strstr(text, "{app}"); p; p = strstr(p + 5, "{app}"))
        n++;
    char *out = malloc(strlen(text) + n * il + 1), *o = out;
    if (!out)
        return NULL;
    for (const char *p = text;;) {
        const char *q = strstr(p, "{app}");
        size_t k = q ? (size_t)(q - p) : strlen(p);
        memcpy(o, p, k);
        o += k;
        if (!q)
            break;
        memcpy(o, ident, il);
        o += il;
        p = q + 5;
    }
    *o = '\0';
    return out;
}

int silta_db_migrate_owned(PGconn *app, const char *admin_url, const char *schema, const char *dir,
                           silta_err_t *err)
{
    if (!admin_url || !*admin_url)
        return silta_db_migrate(app, schema, dir, err);
    PGconn *admin = silta_db_connect(admin_url, err);
    if (!admin)
        return SILTA_ERR;
    int rc = SILTA_OK;
    if (strcmp(PQuser(admin), PQuser(app)) == 0) {
        rc = silta_db_migrate(admin, schema, dir, err);
        silta_db_close(&admin);
        return rc;
    }
    rc = silta_db_migrate(admin, schema, dir, err);
    char path[4096];
    snprintf(path, sizeof path, "%s/grants.sql", dir);
    char *body = rc == 0 ? s_read_file(path) : NULL;
    if (rc == 0 && !body)
        rc = silta_err_set(err, SILTA_ERR, "could not read %s (the %s role's privileges)", path,
                           schema);
    char *ident = body ? PQescapeIdentifier(admin, PQuser(app), strlen(PQuser(app))) : NULL;
    char *sql = ident ? s_subst(body, ident) : NULL;
    if (rc == 0 && !sql)
        rc = silta_err_set(err, SILTA_ERR, "out of memory");
    silta_err_t gerr = {0};
    if (rc == 0 && silta_db_exec(admin, sql, &gerr) != 0)
        rc = silta_err_set(err, SILTA_ERR, "%s failed: %s", path, gerr.msg);
    if (rc == 0)
        silta_info("privileges granted", "schema=%s role=%s", schema, PQuser(app));
    free(sql);
    PQfreemem(ident);
    free(body);
    silta_db_close(&admin);
    return rc;
}
