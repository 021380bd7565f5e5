/*  siltactl.h - shared parts of siltactl, the operator's command line.
 *
 *  One command per file (ctl_<command>.c), each with one entry point
 *  `int ctl_<command>(int argc, char **argv)` where argv[0] is the command's
 *  name and the return value is the process exit code. ctl_db.c connects to
 *  $SILTA_PG_URL and turns queries into JSON; ctl_out.c prints aligned tables
 *  and formats values for people. siltactl works on the hub's database
 *  directly (the hub snapshots its in-memory state there about once a second);
 *  it never talks to the hub's socket and never prints an event's payload.
 */
#ifndef SILTACTL_H
#define SILTACTL_H

#include <libpq-fe.h>
#include <stddef.h>
#include <stdio.h>

/* Exit codes. */
#define CTL_OK 0
#define CTL_FAIL 1  /* the command could not do its job: message on stderr */
#define CTL_USAGE 2 /* bad arguments: usage on stderr */

/* A hub snapshot (hub.instance.updated_at) older than this is stale. */
#define CTL_STALE_SECONDS 5

int ctl_keygen(int argc, char **argv);
int ctl_status(int argc, char **argv);
int ctl_dlq(int argc, char **argv);
int ctl_trace(int argc, char **argv);
int ctl_audit(int argc, char **argv);
int ctl_consumers(int argc, char **argv);

/* Parse the options of a read-only command: [--json] [--help]. Returns -1 with
 * *json set when the command should run (optind then indexes its operands),
 * or the exit code to return at once (usage printed). */
int ctl_json_opts(int argc, char **argv, const char *command, int *json);

/* SQL expressions over a consumer row `c` (hub.consumer): its pending events and
 * the age in seconds of the oldest, from the hub's checkpointed state (correct
 * with the hub down; at most one checkpoint, 50 ms, behind). Pending = journal
 * rows of its types above its cursor's mark-delete position, less the ranges
 * acknowledged above it (hub/migrations/004_cursor.sql), plus its explicit
 * delivery rows (pre-cursor rows, replayed dead letters). */
#define CTL_SQL_CURSOR_OPEN(j)                                                                     \
    "FROM hub.journal " j ", hub.cursor cur WHERE cur.consumer_id = c.id AND " j                 \
    ".seq > cur.mark_delete AND " j ".type = ANY(c.types) AND NOT EXISTS (SELECT 1 FROM "          \
    "generate_subscripts(cur.acked, 1) i WHERE i % 2 = 1 AND " j                                 \
    ".seq BETWEEN cur.acked[i] AND cur.acked[i + 1])"
#define CTL_SQL_PENDING                                                                            \
    "((SELECT count(*) " CTL_SQL_CURSOR_OPEN("j") ") + (SELECT count(*) FROM hub.delivery d "     \
    "WHERE d.consumer_id = c.id))"
#define CTL_SQL_OLDEST_AGE_S                                                                       \
    "(SELECT extract(epoch FROM now() - min(t.recorded_at))::float8 FROM ((SELECT j.recorded_at " \
    CTL_SQL_CURSOR_OPEN("j") " ORDER BY j.seq LIMIT 1) UNION ALL (SELECT j2.recorded_at FROM "     \
    "hub.delivery d JOIN hub.journal j2 ON j2.seq = d.seq WHERE d.consumer_id = c.id ORDER BY "    \
    "d.seq LIMIT 1)) t)"

/* Read a hetu from a prompt (terminal, echo off) or one line of standard input
 * into out (len bytes; trailing newline and spaces dropped; wipe it after use).
 * Returns 0, or CTL_FAIL when nothing was read. Never from argv (ctl_hetu.c). */
int ctl_read_hetu(char *out, size_t len);

/* What a command says when it is given a hetu as an argument. */
#define CTL_HETU_NOT_IN_ARGV                                                                       \
    "a personal identity code is read from a prompt or standard input, never from the command "    \
    "line (it would show in ps and in shell history): siltactl COMMAND ... < file"

/* "siltactl: <message>" on stderr; returns CTL_FAIL. */
int ctl_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Usage of one command (NULL: every command) on out; returns CTL_USAGE when out
 * is stderr, CTL_OK otherwise. */
int ctl_usage(FILE *out, const char *command);

/* ---- ctl_db.c ----------------------------------------------------------- */

/* Connect to $SILTA_PG_URL (main has loaded the env file) and check that the
 * hub's schema exists. Returns the connection (caller silta_db_close()s it) or
 * NULL after printing why. */
PGconn *ctl_connect(void);

/* Run a parameterised query. Returns the result (caller PQclear()s it) or NULL
 * after printing the database's message. */
PGresult *ctl_query(PGconn *conn, const char *sql, int nparams, const char *const *params);

typedef enum { CTL_JSON_ARRAY, CTL_JSON_OBJECT } ctl_json_mode_t;

/* Run sql (one SELECT, no trailing semicolon) and return its rows as JSON text
 * made by PostgreSQL: an array of objects (CTL_JSON_ARRAY, "[]" when empty),
 * or the first row as an object (CTL_JSON_OBJECT, "null" when empty). The
 * caller frees the string; NULL after printing the error. */
char *ctl_query_json(PGconn *conn, const char *sql, int nparams, const char *const *params,
                     ctl_json_mode_t mode);

/* Borrowed text of a cell, or NULL for SQL NULL. */
const char *ctl_cell(const PGresult *res, int row, int col);

/* ---- ctl_out.c ---------------------------------------------------------- */

typedef struct ctl_table ctl_table_t;

/* A table with ncols columns and these headers (copied). NULL on out of memory. */
ctl_table_t *ctl_table_new(int ncols, const char *const *headers);

/* Right-align column col (numbers). */
void ctl_table_align_right(ctl_table_t *self, int col);

/* Append a row of ncols cells (copied; NULL prints as "-"; control characters
 * print as '?'). Returns 0, or -1 on out of memory. */
int ctl_table_add(ctl_table_t *self, const char *const *cells);

/* Print the header and rows, columns padded to their widest cell. */
void ctl_table_print(const ctl_table_t *self, FILE *out);

void ctl_table_destroy(ctl_table_t **self_p);

/* Formatters for people: each writes into buf and returns it; "-" for NULL. */
/* A PostgreSQL timestamptz (session time zone UTC) as "2026-11-23 17:41:18". */
const char *ctl_fmt_time(const char *pg, char *buf, size_t len);
/* Seconds (a float in text) as "850ms", "4.2s", "5m12s", "2h03m", "3d04h". */
const char *ctl_fmt_age(const char *seconds, char *buf, size_t len);
/* A PostgreSQL boolean ("t"/"f") as "yes"/"no". Returns a static string. */
const char *ctl_fmt_bool(const char *pg);
/* At most max display characters of s, "..." marking a cut. */
const char *ctl_fmt_cut(const char *s, size_t max, char *buf, size_t len);

#endif
