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
#define CTL_USAGE 2 /* bad arguments: what was wrong and the usage on stderr */
#define CTL_DOWN 3  /* status: the hub is not running or its snapshot is stale */

/* A hub snapshot (hub.instance.updated_at, written about once a second) older
 * than this is stale: the hub is down or stuck. */
#define CTL_STALE_SECONDS 10

int ctl_keygen(int argc, char **argv);
int ctl_status(int argc, char **argv);
int ctl_dlq(int argc, char **argv);
int ctl_trace(int argc, char **argv);
int ctl_audit(int argc, char **argv);
int ctl_consumers(int argc, char **argv);
int ctl_journal(int argc, char **argv); /* ctl_journal.c: status | retain (ctl_retain.c) */

/* config/retention.conf (ctl_journal.c): the journal's partition period and how
 * long a closed partition is kept, in days; local policy (the file says why). */
typedef struct {
    int partition_days; /* 1..366 */
    int keep_days;      /* 1..36500 */
} ctl_retention_t;

/* Read $SILTA_RETENTION_CONF, else $SILTA_CONF_DIR/retention.conf (its path into
 * path[pathlen]). CTL_OK, or CTL_FAIL after saying which line was wrong. */
int ctl_retention_conf(ctl_retention_t *conf, char *path, size_t pathlen);

/* CTL_OK when the journal is partitioned (migration 005), else CTL_FAIL after
 * saying so (ctl_journal.c). */
int ctl_journal_partitioned(PGconn *conn);

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

/* Every durable queue, one row each in the one shape `status` and `consumers`
 * share (their JSON; ops/README.md documents it), ordered by name. Columns:
 *   0 name          text      the queue (hub.consumer.name)
 *   1 types         text[]    the event types it subscribes to
 *   2 attached      boolean   a session is attached (as last snapshotted)
 *   3 connected     boolean   = attached (the name `status` always had)
 *   4 pending       bigint    events waiting for it (CTL_SQL_PENDING)
 *   5 queued        bigint    = pending (the name `status` always had)
 *   6 in_flight     integer   sent, not yet acknowledged (0 when detached)
 *   7 credit        integer   more it may be sent now (0 when detached)
 *   8 oldest_age_s  float8    seconds the oldest pending event waits; NULL: none
 *   9 dead_letters  bigint    its rows in hub.dead_letter
 *  10 created_at    timestamptz  its first SUBSCRIBE
 *  11 status_updated_at timestamptz  the hub's last snapshot of it; NULL: never */
#define CTL_SQL_QUEUES                                                                             \
    "SELECT name, types, attached, attached AS connected, pending, pending AS queued, in_flight,"  \
    "       credit, oldest_age_s, dead_letters, created_at, status_updated_at FROM ("              \
    " SELECT c.name, c.types, coalesce(s.connected, false) AS attached,"                          \
    "        " CTL_SQL_PENDING " AS pending,"                                                      \
    "        coalesce(s.in_flight, 0) AS in_flight, coalesce(s.credit, 0) AS credit,"              \
    "        " CTL_SQL_OLDEST_AGE_S " AS oldest_age_s,"                                            \
    "        (SELECT count(*) FROM hub.dead_letter x WHERE x.consumer_id = c.id) AS dead_letters," \
    "        c.created_at, s.updated_at AS status_updated_at"                                      \
    "   FROM hub.consumer c LEFT JOIN hub.consumer_status s ON s.consumer_id = c.id) q"            \
    " ORDER BY name"

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

/* A bad argument: "siltactl: COMMAND: <message>" and the command's usage (NULL:
 * every command's) on stderr; returns CTL_USAGE. */
int ctl_bad(const char *command, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* What getopt_long (optstring starting with ':', opterr 0) refused: c is the
 * '?' or ':' it returned, argv the vector it parsed. Says which option was
 * unknown or lacked its value (ctl_bad); returns CTL_USAGE. */
int ctl_bad_option(int c, char **argv, const char *command);

/* ---- ctl_db.c ----------------------------------------------------------- */

/* Connect to $SILTA_PG_URL (main has loaded the env file) and check that the
 * hub's schema exists. Returns the connection (caller silta_db_close()s it) or
 * NULL after printing why. */
PGconn *ctl_connect(void);

/* The same with the schemas' owner ($SILTA_PG_ADMIN_URL): only for what the
 * hub's role may not do (`journal retain` creates and drops partitions). */
PGconn *ctl_connect_owner(void);

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

/* A table with ncols (1..64) columns and these headers (copied). NULL on out of
 * memory or a bad ncols. */
ctl_table_t *ctl_table_new(int ncols, const char *const *headers);

/* Right-align column col (numbers; never cut to fit). */
void ctl_table_align_right(ctl_table_t *self, int col);

/* Never cut column col to fit (identifiers an operator copies, timestamps). */
void ctl_table_keep(ctl_table_t *self, int col);

/* When the table is wider than CTL_OUT_COLUMNS (and not --wide), print each
 * row as a record, one "HEADER  value" line per column, instead of cutting
 * cells: for tables whose every cell is the answer (a disclosure report). */
void ctl_table_records(ctl_table_t *self);

/* Append a row of ncols cells (copied; NULL prints as "-"; control characters
 * print as '?'). Returns 0, or -1 on out of memory. */
int ctl_table_add(ctl_table_t *self, const char *const *cells);

/* Print the header and rows, columns padded to their widest cell. Unless
 * --wide was given (ctl_out_set_wide), the widest left-aligned columns are cut
 * ("..." marking a cut) until a row fits CTL_OUT_COLUMNS. */
void ctl_table_print(const ctl_table_t *self, FILE *out);

/* Text lines are fitted to this many columns unless --wide. */
#define CTL_OUT_COLUMNS 100

/* Set once by main before a command runs: 1 = print cells whole (--wide). */
void ctl_out_set_wide(int wide);
/* 1 when --wide was given. */
int ctl_out_wide(void);

void ctl_table_destroy(ctl_table_t **self_p);

/* Formatters for people: each writes into buf and returns it; "-" for NULL. */
/* A PostgreSQL timestamptz (session time zone UTC) as "2026-11-23 17:41:18". */
const char *ctl_fmt_time(const char *pg, char *buf, size_t len);
/* Seconds (a float in text) as "850ms", "4.2s", "5m12s", "2h03m", "3d04h". */
const char *ctl_fmt_age(const char *seconds, char *buf, size_t len);
/* A PostgreSQL text[] ("{a,b}") as "a,b"; "-" for NULL. */
const char *ctl_fmt_types(const char *arr, char *buf, size_t len);
/* A PostgreSQL boolean ("t"/"f") as "yes"/"no". Returns a static string. */
const char *ctl_fmt_bool(const char *pg);
/* At most max display characters of s, "..." marking a cut. */
const char *ctl_fmt_cut(const char *s, size_t max, char *buf, size_t len);

#endif
