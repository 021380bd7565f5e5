/* test_ops.c - ops/silta-local and siltactl against a real PostgreSQL and hub.
 *
 * Each test brings up its own deployment in a fresh SILTA_HOME (private
 * PostgreSQL cluster, keys, env file, silta-hub) and takes it down again in
 * .fini, so a failed assertion leaves nothing running.
 */
#include <criterion/criterion.h>
#include <libpq-fe.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"
#include "silta_codec.h"
#include "silta_uuid.h"

/* Room for a folder of PATH_MAX and a file name under it. */
#define S_PATH (PATH_MAX + 64)

static char *s_home;

static void s_setup(void)
{
    s_home = harness_home_new();
    cr_assert_not_null(s_home, "could not make a temporary SILTA_HOME");
}

static void s_teardown(void)
{
    harness_home_destroy(&s_home);
}

static void s_up(void)
{
    harness_result_t r;
    harness_local(&r, "up", "--no-adapters", NULL);
    cr_assert_eq(r.status, 0, "silta-local up failed (%d):\n%s\n%s", r.status, r.out, r.err);
    harness_result_free(&r);
}

static pid_t s_hub_pid(void)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/run/silta-hub.pid", s_home);
    return harness_pid_file(path);
}

static int s_pg_port(void)
{
    char *url = harness_env_get(s_home, "SILTA_PG_URL");
    int port = harness_url_port(url);
    free(url);
    return port;
}

static bool s_port_closed(void *arg)
{
    return !harness_port_open(*(int *)arg);
}

/* ------------------------------------------------------------------ lifecycle */

Test(ops, up_status_down, .init = s_setup, .fini = s_teardown, .timeout = 300)
{
    s_up();

    /* The env contract: every key, absolute paths, loopback endpoints. */
    static const char *const keys[] = {
        "SILTA_HOME",           "SILTA_HUB_ENDPOINT",   "SILTA_HUB_BIND",        "SILTA_PG_URL",
        "SILTA_HUB_PUBLIC_KEY", "SILTA_HUB_SECRET_KEY", "SILTA_AUTHORIZED_KEYS", "SILTA_KEYS_DIR",
        "SILTA_CLIENT_KEY",     "SILTA_LOG_DIR",        "SILTA_RUN_DIR"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        char *v = harness_env_get(s_home, keys[i]);
        cr_assert_not_null(v, "env file lacks %s", keys[i]);
        cr_assert(strstr(v, "://") || v[0] == '/', "%s is not absolute: %s", keys[i], v);
        free(v);
    }
    char *home = harness_env_get(s_home, "SILTA_HOME");
    char real[PATH_MAX];
    cr_assert_not_null(realpath(s_home, real));
    cr_assert_str_eq(home, real);
    free(home);
    char *endpoint = harness_env_get(s_home, "SILTA_HUB_ENDPOINT");
    char *bind = harness_env_get(s_home, "SILTA_HUB_BIND");
    char *pg_url = harness_env_get(s_home, "SILTA_PG_URL");
    cr_assert_str_eq(endpoint, bind);
    cr_assert(strncmp(endpoint, "tcp://127.0.0.1:", 16) == 0, "%s", endpoint);
    /* the programs' role owns nothing; the owner's URL is only for migrations */
    cr_assert(strncmp(pg_url, "postgresql://silta_app@127.0.0.1:", 33) == 0, "%s", pg_url);
    char *admin_url = harness_env_get(s_home, "SILTA_PG_ADMIN_URL");
    cr_assert(admin_url && strncmp(admin_url, "postgresql://silta@127.0.0.1:", 29) == 0, "%s",
              admin_url ? admin_url : "(no SILTA_PG_ADMIN_URL)");
    free(admin_url);
    int hub_port = harness_url_port(endpoint), pg_port = s_pg_port();
    cr_assert_gt(hub_port, 0);
    cr_assert_gt(pg_port, 0);
    cr_assert_neq(hub_port, pg_port);
    cr_assert(harness_port_open(pg_port), "postgresql is not listening on %d", pg_port);
    cr_assert(harness_port_open(hub_port), "the hub is not listening on %d", hub_port);

    /* Keys: the hub's pair, client pairs, and only client keys authorized. */
    char path[S_PATH];
    snprintf(path, sizeof path, "%s/keys/authorized/kela.pub", real);
    cr_assert(harness_file_contains(path, "public="), "%s missing", path);
    snprintf(path, sizeof path, "%s/keys/authorized/hub.pub", real);
    cr_assert_neq(access(path, F_OK), 0, "the hub's own key must not be authorized");

    pid_t hub = s_hub_pid();
    cr_assert_gt(hub, 0, "no silta-hub.pid");
    cr_assert(harness_pid_alive(hub), "silta-hub (pid %d) is not running", (int)hub);
    char pm_path[S_PATH];
    snprintf(pm_path, sizeof pm_path, "%s/pg/data/postmaster.pid", real);
    pid_t postmaster = harness_pid_file(pm_path);
    /* postmaster.pid has more lines than the pid: read the first one. */
    if (postmaster < 0) {
        char *text = harness_read_file(pm_path);
        postmaster = text ? (pid_t)atol(text) : -1;
        free(text);
    }
    cr_assert(harness_pid_alive(postmaster), "postmaster (pid %d) not running", (int)postmaster);

    /* A second up is idempotent: same processes, same ports. */
    s_up();
    cr_assert_eq(s_hub_pid(), hub, "up started a second hub");
    char *endpoint2 = harness_env_get(s_home, "SILTA_HUB_ENDPOINT");
    char *pg_url2 = harness_env_get(s_home, "SILTA_PG_URL");
    cr_assert_str_eq(endpoint2, endpoint);
    cr_assert_str_eq(pg_url2, pg_url);
    free(endpoint2);
    free(pg_url2);

    harness_result_t r;
    harness_local(&r, "status", NULL);
    cr_assert_eq(r.status, 0, "silta-local status: %s%s", r.out, r.err);
    cr_assert(strstr(r.out, "silta-hub") && strstr(r.out, "postgresql"), "%s", r.out);
    harness_result_free(&r);

    harness_ctl(&r, "status", NULL);
    cr_assert_eq(r.status, 0, "siltactl status: %s", r.err);
    char pidtext[32];
    snprintf(pidtext, sizeof pidtext, "pid %d", (int)hub);
    cr_assert(strstr(r.out, "hub") && strstr(r.out, pidtext), "status does not name the hub:\n%s",
              r.out);
    cr_assert_null(strstr(r.out, "stale"), "a running hub shows as stale:\n%s", r.out);
    harness_result_free(&r);

    harness_ctl(&r, "status", "--json", NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(strncmp(r.out, "{\"hub\":{", 8) == 0, "%s", r.out);
    harness_result_free(&r);

    /* trace: unknown and malformed ids are errors with a message. */
    harness_ctl(&r, "trace", "01900000-0000-7000-8000-000000000000", NULL);
    cr_assert_eq(r.status, 1, "trace of an unknown id: %d %s", r.status, r.out);
    cr_assert(strstr(r.err, "no event"), "%s", r.err);
    harness_result_free(&r);
    harness_ctl(&r, "trace", "not-a-uuid", NULL);
    cr_assert_eq(r.status, 1);
    cr_assert(strstr(r.err, "malformed"), "%s", r.err);
    harness_result_free(&r);

    /* dlq on an empty queue. */
    harness_ctl(&r, "dlq", "list", NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(strstr(r.out, "no dead letters"), "%s", r.out);
    harness_result_free(&r);
    harness_ctl(&r, "dlq", "replay", "424242", NULL);
    cr_assert_eq(r.status, 1);
    cr_assert(strstr(r.err, "no dead letter"), "%s", r.err);
    harness_result_free(&r);

    /* down leaves nothing running. */
    harness_local(&r, "down", NULL);
    cr_assert_eq(r.status, 0, "silta-local down: %s%s", r.out, r.err);
    harness_result_free(&r);
    cr_assert_not(harness_pid_alive(hub), "silta-hub (pid %d) survived down", (int)hub);
    cr_assert_not(harness_pid_alive(postmaster), "postmaster (pid %d) survived down",
                  (int)postmaster);
    cr_assert_eq(harness_poll(5000, s_port_closed, &pg_port), 0, "port %d still open", pg_port);
    cr_assert_not(harness_port_open(hub_port), "hub port %d still open", hub_port);
    snprintf(path, sizeof path, "%s/run/silta-hub.pid", real);
    cr_assert_neq(access(path, F_OK), 0, "down left %s", path);

    /* After a clean down nothing is expected: every program stopped, none
     * "expected", and the exit status for "not running" (ops/README.md). */
    harness_local(&r, "status", NULL);
    cr_assert_eq(r.status, 3, "status after a clean down: exit %d\n%s%s", r.status, r.out,
                 r.err);
    cr_assert(strstr(r.out, "expected") == NULL, "status after down expects something:\n%s",
              r.out);
    cr_assert(strstr(r.out, "postgresql") && strstr(r.out, "not running"), "%s", r.out);
    cr_assert(strstr(r.out, "silta-hub") && strstr(r.out, "not started"), "%s", r.out);
    cr_assert(strstr(r.out, " up ") == NULL, "%s", r.out);
    harness_result_free(&r);
    free(endpoint);
    free(bind);
    free(pg_url);
}

/* ------------------------------------------------------------------ dlq, trace, restart */

static PGconn *s_db(void)
{
    char *url = harness_env_get(s_home, "SILTA_PG_URL");
    cr_assert_not_null(url);
    PGconn *conn = PQconnectdb(url);
    free(url);
    cr_assert_eq(PQstatus(conn), CONNECTION_OK, "%s", PQerrorMessage(conn));
    return conn;
}

static PGresult *s_sql(PGconn *conn, const char *sql, int n, const char *const *params)
{
    PGresult *res = PQexecParams(conn, sql, n, NULL, params, NULL, NULL, 0);
    ExecStatusType st = PQresultStatus(res);
    cr_assert(st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK, "%s: %s", sql, PQerrorMessage(conn));
    return res;
}

static char *s_sql_value(PGconn *conn, const char *sql, int n, const char *const *params)
{
    PGresult *res = s_sql(conn, sql, n, params);
    char *v = PQntuples(res) > 0 ? strdup(PQgetvalue(res, 0, 0)) : NULL;
    PQclear(res);
    return v;
}

typedef struct {
    PGconn *conn;
    char payload[128];
} s_listen_t;

static bool s_notified(void *arg)
{
    s_listen_t *l = arg;
    PQconsumeInput(l->conn);
    PGnotify *n = PQnotifies(l->conn);
    if (!n)
        return false;
    snprintf(l->payload, sizeof l->payload, "%s", n->extra);
    PQfreemem(n);
    return true;
}

/* A dead letter as the hub leaves it: a journal row with a real envelope, a
 * consumer and a dead_letter row. Returns the dead letter's id. */
static char *s_seed_dead_letter(PGconn *conn, const char *event_id, char **consumer_id, char **seq)
{
    silta_envelope_t env = SILTA__ENVELOPE__INIT;
    env.event_id = (char *)event_id;
    env.type = "kela.notice.v1";
    env.source = "kela";
    env.client_key = "ck-test-1";
    env.occurred_at = 1700000000000;
    size_t len = 0;
    uint8_t *packed = silta_codec_pack_envelope(&env, &len);
    cr_assert_not_null(packed);

    PGresult *res = s_sql(conn,
                          "INSERT INTO hub.consumer (name, types) VALUES ('ops-test', "
                          "'{kela.notice.v1}') RETURNING id",
                          0, NULL);
    *consumer_id = strdup(PQgetvalue(res, 0, 0));
    PQclear(res);

    const char *values[] = {event_id, (const char *)packed};
    int lengths[] = {0, (int)len};
    int formats[] = {0, 1};
    res = PQexecParams(conn,
                       "INSERT INTO hub.journal (event_id, type, source, client_key, occurred_at,"
                       " envelope) VALUES ($1::uuid, 'kela.notice.v1', 'kela', 'ck-test-1',"
                       " to_timestamp(1700000000), $2::bytea) RETURNING seq",
                       2, NULL, values, lengths, formats, 0);
    cr_assert_eq(PQresultStatus(res), PGRES_TUPLES_OK, "%s", PQerrorMessage(conn));
    *seq = strdup(PQgetvalue(res, 0, 0));
    PQclear(res);
    free(packed);

    const char *params[] = {*consumer_id, *seq};
    return s_sql_value(conn,
                       "INSERT INTO hub.dead_letter (consumer_id, seq, attempts, reason)"
                       " VALUES ($1::int, $2::bigint, 10, 'max attempts') RETURNING id",
                       2, params);
}

Test(ops, dlq_replay_and_trace, .init = s_setup, .fini = s_teardown, .timeout = 300)
{
    s_up();
    PGconn *conn = s_db();
    char event_id[SILTA_UUID_STRLEN + 1];
    silta_uuid_v7(event_id);
    char *consumer_id, *seq;
    char *dead_id = s_seed_dead_letter(conn, event_id, &consumer_id, &seq);

    /* The hub learns the consumer at start: restart it, as after a crash. */
    pid_t before = s_hub_pid();
    harness_result_t r;
    harness_local(&r, "restart", "silta-hub", NULL);
    cr_assert_eq(r.status, 0, "restart: %s%s", r.out, r.err);
    harness_result_free(&r);
    pid_t after = s_hub_pid();
    cr_assert_neq(after, before);
    cr_assert(harness_pid_alive(after));
    cr_assert_not(harness_pid_alive(before));

    harness_ctl(&r, "dlq", "list", NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(strstr(r.out, "ops-test") && strstr(r.out, event_id) && strstr(r.out, "max attempts"),
              "%s", r.out);
    harness_result_free(&r);
    harness_ctl(&r, "dlq", "list", "--consumer", "ops-test", "--json", NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(r.out[0] == '[' && strstr(r.out, "\"reason\":\"max attempts\""), "%s", r.out);
    harness_result_free(&r);
    harness_ctl(&r, "dlq", "list", "--consumer", "nobody", NULL);
    cr_assert_eq(r.status, 1);
    cr_assert(strstr(r.err, "no consumer"), "%s", r.err);
    harness_result_free(&r);

    harness_ctl(&r, "status", NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(strstr(r.out, "ops-test"), "status lacks the consumer:\n%s", r.out);
    harness_result_free(&r);

    /* Replay: the row moves back to hub.delivery and the hub is told. */
    PQclear(s_sql(conn, "LISTEN silta_replay", 0, NULL));
    harness_ctl(&r, "dlq", "replay", dead_id, NULL);
    cr_assert_eq(r.status, 0, "replay: %s", r.err);
    cr_assert(strstr(r.out, "replayed 1 dead letter"), "%s", r.out);
    harness_result_free(&r);
    s_listen_t l = {conn, ""};
    cr_assert_eq(harness_poll(5000, s_notified, &l), 0, "no notification on silta_replay");
    char want[64];
    snprintf(want, sizeof want, "%s:%s", consumer_id, seq);
    cr_assert_str_eq(l.payload, want);

    const char *params[] = {consumer_id, seq};
    char *v = s_sql_value(conn, "SELECT count(*) FROM hub.dead_letter", 0, NULL);
    cr_assert_str_eq(v, "0");
    free(v);
    v = s_sql_value(conn,
                    "SELECT count(*) FROM hub.delivery_log WHERE consumer_id = $1::int"
                    " AND seq = $2::bigint AND outcome = 'replayed'",
                    2, params);
    cr_assert_str_eq(v, "1");
    free(v);
    v = s_sql_value(
        conn, "SELECT attempts FROM hub.delivery WHERE consumer_id = $1::int AND seq = $2::bigint",
        2, params);
    cr_assert_not_null(v, "the replayed delivery is not queued");
    free(v);

    /* The same id again: gone. --all with nothing left: zero, success. */
    harness_ctl(&r, "dlq", "replay", dead_id, NULL);
    cr_assert_eq(r.status, 1);
    harness_result_free(&r);
    harness_ctl(&r, "dlq", "replay", "--all", NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(strstr(r.out, "replayed 0"), "%s", r.out);
    harness_result_free(&r);

    /* trace tells the story, without the payload. */
    harness_ctl(&r, "trace", event_id, NULL);
    cr_assert_eq(r.status, 0, "trace: %s", r.err);
    cr_assert(strstr(r.out, "kela.notice.v1") && strstr(r.out, "replayed") &&
                  strstr(r.out, "ops-test") && strstr(r.out, "ck-test-1"),
              "%s", r.out);
    harness_result_free(&r);
    harness_ctl(&r, "trace", event_id, "--json", NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(strncmp(r.out, "{\"event\":{", 10) == 0 && strstr(r.out, "\"outcome\":\"replayed\""),
              "%s", r.out);
    cr_assert_null(strstr(r.out, "envelope"), "trace must not show the envelope");
    harness_result_free(&r);

    PQfinish(conn);
    free(dead_id);
    free(consumer_id);
    free(seq);
}

/* ------------------------------------------------------------------ no database */

Test(ops, keygen_without_database, .init = s_setup, .fini = s_teardown, .timeout = 60)
{
    char dir[PATH_MAX], key[S_PATH], pub[S_PATH];
    snprintf(dir, sizeof dir, "%s/some/keys", s_home);
    snprintf(key, sizeof key, "%s/alice.key", dir);
    snprintf(pub, sizeof pub, "%s/alice.pub", dir);

    harness_result_t r;
    harness_ctl(&r, "keygen", "alice", "--dir", dir, NULL);
    cr_assert_eq(r.status, 0, "keygen: %s", r.err);
    harness_result_free(&r);
    struct stat st;
    cr_assert_eq(stat(key, &st), 0);
    cr_assert_eq(st.st_mode & 0777, 0600, "mode %o", (unsigned)(st.st_mode & 0777));
    cr_assert(harness_file_contains(key, "secret="));
    cr_assert(harness_file_contains(pub, "public="));
    cr_assert_not(harness_file_contains(pub, "secret="), "the .pub holds the secret");

    char *before = harness_read_file(key);
    harness_ctl(&r, "keygen", "alice", "--dir", dir, NULL);
    cr_assert_eq(r.status, 1, "keygen overwrote a key");
    cr_assert(strstr(r.err, "already exists"), "%s", r.err);
    harness_result_free(&r);
    char *now = harness_read_file(key);
    cr_assert_str_eq(now, before);
    free(before);
    free(now);

    harness_ctl(&r, "keygen", "../evil", "--dir", dir, NULL);
    cr_assert_eq(r.status, 1);
    harness_result_free(&r);

    /* Default folder: $SILTA_HOME/keys. */
    harness_ctl(&r, "keygen", "bob", NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    harness_result_free(&r);
    snprintf(key, sizeof key, "%s/keys/bob.key", s_home);
    cr_assert_eq(access(key, F_OK), 0, "%s missing", key);
}

Test(ops, usage_and_missing_deployment, .init = s_setup, .fini = s_teardown, .timeout = 60)
{
    harness_result_t r;
    static const char *const bad[][4] = {
        {NULL},
        {"bogus"},
        {"trace"},
        {"dlq"},
        {"dlq", "replay"},
        {"dlq", "replay", "1", "--all"},
        {"status", "extra"},
        {"keygen"},
    };
    char path[PATH_MAX];
    harness_bin_path(path, sizeof path, "siltactl");
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        harness_runl(&r, HARNESS_CMD_TIMEOUT_MS, path, bad[i][0], bad[i][1], bad[i][2], bad[i][3],
                     NULL);
        cr_assert_eq(r.status, 2, "siltactl %s %s: exit %d", bad[i][0] ? bad[i][0] : "",
                     bad[i][1] ? bad[i][1] : "", r.status);
        cr_assert(strstr(r.err, "usage"), "%s", r.err);
        harness_result_free(&r);
    }

    /* No env file: a clear error, exit 1. */
    harness_ctl(&r, "status", NULL);
    cr_assert_eq(r.status, 1);
    cr_assert(strstr(r.err, "SILTA_PG_URL"), "%s", r.err);
    harness_result_free(&r);

    harness_local(&r, "bogus", NULL);
    cr_assert_eq(r.status, 2);
    harness_result_free(&r);
    harness_local(&r, "restart", "silta-hub", NULL);
    cr_assert_eq(r.status, 1, "restart without a deployment: %s", r.out);
    harness_result_free(&r);
    harness_local(&r, "status", NULL);
    cr_assert_eq(r.status, 3, "status without a deployment: nothing running (exit %d)\n%s",
                 r.status, r.out);
    cr_assert(strstr(r.out, "expected") == NULL, "%s", r.out);
    harness_result_free(&r);
}

/* A database that accepts the connection and then never answers (a hung
 * server, a half-open network path) must not hang an operator's command:
 * siltactl gives up with a message well within its connect timeout. */
Test(ops, silent_database_times_out, .timeout = 120)
{
    int lfd = socket(AF_INET, SOCK_STREAM, 0);
    cr_assert(lfd >= 0);
    struct sockaddr_in sa = {.sin_family = AF_INET};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    cr_assert_eq(bind(lfd, (struct sockaddr *)&sa, sizeof sa), 0);
    cr_assert_eq(listen(lfd, 4), 0);
    socklen_t len = sizeof sa;
    cr_assert_eq(getsockname(lfd, (struct sockaddr *)&sa, &len), 0);
    char url[128];
    snprintf(url, sizeof url, "postgresql://silta@127.0.0.1:%d/silta", ntohs(sa.sin_port));
    setenv("SILTA_PG_URL", url, 1);
    setenv("SILTA_ENV_FILE", "/dev/null", 1);
    harness_result_t r;
    /* The listener's backlog accepts the TCP connection; nobody ever speaks. */
    harness_ctl(&r, "status", NULL);
    cr_assert_not(r.timed_out, "siltactl hung on a silent database");
    cr_assert_eq(r.status, 1, "a clear failure, not a hang: %s", r.err);
    cr_assert(strstr(r.err, "could not connect") || strstr(r.err, "timeout"),
              "says why: %s", r.err);
    harness_result_free(&r);
    close(lfd);
}
