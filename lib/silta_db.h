/*  silta_db.h - libpq helpers: connect, run, migrate.
 *
 *  Owns the PGconn/PGresult lifetimes that pass through it: a function that
 *  returns a PGresult says so, and the caller PQclear()s it. Errors from libpq
 *  become a silta_err_t here, with SILTA_EAGAIN when the connection is gone (a
 *  caller may reconnect and retry) and SILTA_ERR for a statement PostgreSQL
 *  refused.
 */
#ifndef SILTA_DB_H
#define SILTA_DB_H

#include <libpq-fe.h>

#include "silta_err.h"

/* Connect to url (a libpq URI or key=value string). Returns the connection or
 * NULL with err filled (SILTA_EAGAIN: the server is not reachable). */
PGconn *silta_db_connect(const char *url, silta_err_t *err);

/* Close and set *conn to NULL; harmless on NULL. */
void silta_db_close(PGconn **conn);

/* Run sql (no parameters; may hold several statements). */
int silta_db_exec(PGconn *conn, const char *sql, silta_err_t *err);

/* Run a parameterised statement (text parameters). Returns the result (caller
 * PQclear()s it) when it succeeded, NULL with err filled otherwise. */
PGresult *silta_db_query(PGconn *conn, const char *sql, int nparams, const char *const *params,
                         silta_err_t *err);

/* Check a result status; on failure fill err, PQclear the result and return the
 * code. On success the result is left for the caller. */
int silta_db_check(PGconn *conn, PGresult *res, silta_err_t *err);

/* Apply the numbered migrations in dir (NNN_name.sql, in name order) that the
 * table <schema>.schema_migrations does not list yet, each in its own
 * transaction, under an advisory lock so two processes starting together do
 * not race. */
int silta_db_migrate(PGconn *conn, const char *schema, const char *dir, silta_err_t *err);

/* Least privilege: the schema's owner migrates it, the program works as a role
 * that owns nothing. Connect to admin_url (the owner, SILTA_PG_ADMIN_URL), apply
 * dir's migrations (silta_db_migrate), then run dir/grants.sql with every
 * "{app}" replaced by the quoted name of app's role (PQuser), and disconnect;
 * grants.sql is idempotent (GRANT/REVOKE) and runs at every start, so a table a
 * migration added is covered too. admin_url NULL or naming app's own role: the
 * migrations run on app and no grants are made (one role owns and works).
 * Returns 0 or an error code with the step named in err. */
int silta_db_migrate_owned(PGconn *app, const char *admin_url, const char *schema, const char *dir,
                           silta_err_t *err);

#endif
