/* test_siltactl.c - siltactl as scripts and health checks use it (issue 14, item 3).
 *
 * --version and every sub-command's --help answer without a deployment; a
 * wrong argument says what was wrong (exit 2); `status` exits 3 once the hub
 * is down; `status` and `consumers` print one JSON shape per queue and text
 * that fits 100 columns; `dlq purge --all` asks on a terminal or needs --yes;
 * `plan` on an unknown client key says so. Real siltactl, real deployments.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fixture.h"
#include "harness.h"
#include "silta_cli.h"

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

/* siltactl with up to five arguments (NULL-terminated early). */
static int s_ctl5(harness_result_t *r, const char *const a[5])
{
    char path[PATH_MAX];
    harness_bin_path(path, sizeof path, "siltactl");
    return harness_runl(r, HARNESS_CMD_TIMEOUT_MS, path, a[0], a[1], a[2], a[3], a[4], NULL);
}

/* Every line of text at most 100 columns (UTF-8 continuation bytes take none). */
static size_t s_widest_line(const char *text)
{
    size_t widest = 0, w = 0;
    for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
        if (*p == '\n') {
            w = 0;
            continue;
        }
        if ((*p & 0xC0) != 0x80 && ++w > widest)
            widest = w;
    }
    return widest;
}

/* ------------------------------------------------------- without a deployment */

Test(siltactl, version_and_help_of_every_command, .init = s_setup, .fini = s_teardown,
     .timeout = 60)
{
    harness_result_t r;
    harness_ctl(&r, "--version", NULL);
    cr_assert_eq(r.status, 0, "--version: exit %d %s", r.status, r.err);
    cr_assert_str_eq(r.out, "siltactl " SILTA_VERSION "\n");
    harness_result_free(&r);

    /* {arguments..., the usage line that must be printed} */
    static const char *const help[][6] = {
        {"status", "--help", NULL, NULL, NULL, "status [--json]"},
        {"consumers", "--help", NULL, NULL, NULL, "consumers [--json]"},
        {"dlq", "--help", NULL, NULL, NULL, "dlq list"},
        {"dlq", "list", "--help", NULL, NULL, "dlq list"},
        {"dlq", "replay", "-h", NULL, NULL, "dlq replay"},
        {"dlq", "purge", "--all", "--help", NULL, "dlq purge"},
        {"trace", "--help", NULL, NULL, NULL, "trace EVENT_ID"},
        {"audit", "--help", NULL, NULL, NULL, "audit verify"},
        {"audit", "verify", "--help", NULL, NULL, "audit verify"},
        {"audit", "client", "--help", NULL, NULL, "audit client"},
        {"plan", "--help", NULL, NULL, NULL, "plan [CLIENT_KEY]"},
        {"plan", "--team", "--help", NULL, NULL, "plan --team"},
        {"keygen", "--help", NULL, NULL, NULL, "keygen NAME"},
    };
    for (size_t i = 0; i < sizeof help / sizeof help[0]; i++) {
        s_ctl5(&r, help[i]);
        cr_assert_eq(r.status, 0, "siltactl %s %s %s --help: exit %d\n%s", help[i][0], help[i][1],
                     help[i][2] ? help[i][2] : "", r.status, r.err);
        cr_assert(strstr(r.out, "usage:") && strstr(r.out, help[i][5]),
                  "siltactl %s %s: no '%s' in\n%s", help[i][0], help[i][1], help[i][5], r.out);
        if (strcmp(help[i][0], "keygen") != 0)
            cr_assert_null(strstr(r.out, "keygen NAME"), "%s --help prints only its own:\n%s",
                           help[i][0], r.out);
        harness_result_free(&r);
    }
}

Test(siltactl, wrong_arguments_say_what_was_wrong, .init = s_setup, .fini = s_teardown,
     .timeout = 60)
{
    /* {arguments..., what stderr must name} */
    static const char *const bad[][6] = {
        {"status", "extra", NULL, NULL, NULL, "unexpected argument 'extra'"},
        {"status", "--bogus", NULL, NULL, NULL, "unknown option '--bogus'"},
        {"consumers", "-x", NULL, NULL, NULL, "unknown option '-x'"},
        {"frobnicate", NULL, NULL, NULL, NULL, "unknown command 'frobnicate'"},
        {"dlq", "frob", NULL, NULL, NULL, "unknown subcommand 'frob'"},
        {"dlq", "list", "--consumer", NULL, NULL, "'--consumer' needs a value"},
        {"dlq", "replay", NULL, NULL, NULL, "needs a dead-letter ID or --all"},
        {"dlq", "replay", "7", "--all", NULL, "not both"},
        {"dlq", "replay", "x7", NULL, NULL, "bad dead-letter id 'x7'"},
        {"dlq", "list", "--all", NULL, NULL, "list does not take --all"},
        {"trace", NULL, NULL, NULL, NULL, "no EVENT_ID"},
        {"audit", "verify", "--since", "2026-01-01", NULL, "verify does not take --since"},
        {"audit", "client", "--since", NULL, NULL, "'--since' needs a value"},
        {"audit", "shred", NULL, NULL, NULL, "unknown subcommand 'shred'"},
        {"plan", "--everyone", NULL, NULL, NULL, "unknown option '--everyone'"},
        {"keygen", NULL, NULL, NULL, NULL, "no NAME"},
        {"keygen", "a", "b", NULL, NULL, "unexpected 'b'"},
    };
    harness_result_t r;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        s_ctl5(&r, bad[i]);
        cr_assert_eq(r.status, 2, "siltactl %s %s: exit %d", bad[i][0], bad[i][1] ? bad[i][1] : "",
                     r.status);
        cr_assert(strstr(r.err, bad[i][5]) && strstr(r.err, "usage:"),
                  "siltactl %s %s: stderr lacks \"%s\":\n%s", bad[i][0], bad[i][1] ? bad[i][1] : "",
                  bad[i][5], r.err);
        harness_result_free(&r);
    }
}

/* Checked before anything is read or connected: no database needed. */
Test(siltactl, bad_since_date_names_the_form, .init = s_setup, .fini = s_teardown, .timeout = 60)
{
    static const char *const dates[] = {"2026-13-45", "2026-02-30", "26-01-01",
                                        "2026-1-1",   "yesterday",  "2026-01-01x"};
    harness_result_t r;
    for (size_t i = 0; i < sizeof dates / sizeof dates[0]; i++) {
        harness_ctl_input(&r, "010101-123N\n", "audit", "client", "--since", dates[i], NULL);
        cr_assert_eq(r.status, 2, "--since %s: exit %d %s", dates[i], r.status, r.err);
        cr_assert(strstr(r.err, "YYYY-MM-DD") && strstr(r.err, dates[i]), "--since %s:\n%s",
                  dates[i], r.err);
        cr_assert_null(strstr(r.err, "ERROR"), "a database message: %s", r.err);
        harness_result_free(&r);
    }
}

Test(siltactl, purge_all_without_a_terminal_needs_yes, .init = s_setup, .fini = s_teardown,
     .timeout = 60)
{
    harness_result_t r;
    harness_ctl(&r, "dlq", "purge", "--all", NULL);
    cr_assert_eq(r.status, 2, "exit %d %s", r.status, r.err);
    cr_assert(strstr(r.err, "add --yes"), "%s", r.err);
    harness_result_free(&r);
    harness_ctl(&r, "dlq", "purge", "--all", "--consumer", "kela", NULL);
    cr_assert_eq(r.status, 2, "exit %d %s", r.status, r.err);
    cr_assert(strstr(r.err, "add --yes") && strstr(r.err, "kela"), "%s", r.err);
    harness_result_free(&r);
}

/* ------------------------------------------------------- against a deployment */

static bool s_status_down(void *arg)
{
    harness_result_t *r = arg;
    harness_result_free(r);
    harness_ctl(r, "status", NULL);
    return r->status != 0;
}

/* The names of the members of JSON object o, sorted, one string. */
static void s_keys(json_t *o, char *out, size_t len)
{
    const char *names[64];
    size_t n = 0;
    const char *k;
    json_t *v;
    json_object_foreach(o, k, v)
    {
        if (n < 64)
            names[n++] = k;
    }
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0 && strcmp(names[j - 1], names[j]) > 0; j--) {
            const char *t = names[j];
            names[j] = names[j - 1];
            names[j - 1] = t;
        }
    out[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        strncat(out, names[i], len - strlen(out) - 1);
        strncat(out, " ", len - strlen(out) - 1);
    }
}

Test(siltactl, status_shapes_width_and_exit_code, .fini = s_teardown, .timeout = 300)
{
    s_home = fixture_up();
    /* a queue with a long name, so the table has something to fit */
    silta_client_t *c = fixture_client(s_home, "casestore");
    const char *queue = "casestore-a-rather-long-queue-name.as-operators-choose";
    cr_assert_eq(fixture_subscribe(c, queue, "test.event.v1", NULL), SILTA_CLIENT_CONFIRM);

    harness_result_t r, j;
    harness_ctl(&r, "status", NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_leq(s_widest_line(r.out), 100, "status is wider than 100 columns:\n%s", r.out);
    cr_assert_null(strstr(r.out, queue), "the long name is not cut:\n%s", r.out);
    harness_result_free(&r);
    harness_ctl(&r, "status", "--wide", NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(strstr(r.out, queue) && strstr(r.out, "instance "), "--wide shows all:\n%s", r.out);
    harness_result_free(&r);
    harness_ctl(&r, "consumers", NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_leq(s_widest_line(r.out), 100, "consumers is wider than 100 columns:\n%s", r.out);
    harness_result_free(&r);

    /* One shape per queue: the same names for the same facts in both. */
    harness_ctl(&r, "status", "--json", NULL);
    harness_ctl(&j, "consumers", "--json", NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_eq(j.status, 0, "%s", j.err);
    json_t *st = json_loads(r.out, 0, NULL), *co = json_loads(j.out, 0, NULL);
    cr_assert(json_is_object(st) && json_is_array(co), "%s\n%s", r.out, j.out);
    json_t *q1 = json_array_get(json_object_get(st, "consumers"), 0), *q2 = json_array_get(co, 0);
    cr_assert(json_is_object(q1) && json_is_object(q2), "%s\n%s", r.out, j.out);
    char k1[1024], k2[1024];
    s_keys(q1, k1, sizeof k1);
    s_keys(q2, k2, sizeof k2);
    cr_assert_str_eq(k1, k2, "status and consumers differ in shape");
    static const char *const fields[] = {"name",   "types",     "attached",     "pending",
                                         "queued", "in_flight", "oldest_age_s", "dead_letters",
                                         "credit", "connected"};
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
        cr_assert_not_null(json_object_get(q2, fields[i]), "no \"%s\" in %s", fields[i], j.out);
    cr_assert_str_eq(json_string_value(json_object_get(q1, "name")), queue);
    cr_assert(json_is_array(json_object_get(q2, "types")), "%s", j.out);
    /* (the client is not polled here, so whether it is still attached is not asked) */
    cr_assert(json_is_boolean(json_object_get(q1, "attached")), "%s", r.out);
    cr_assert(json_is_integer(json_object_get(q2, "pending")), "%s", j.out);
    json_decref(st);
    json_decref(co);
    harness_result_free(&r);
    harness_result_free(&j);
    silta_client_destroy(&c);

    /* Stop the hub: status says so and exits 3, in text and JSON. */
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/run/silta-hub.pid", s_home);
    pid_t hub = harness_pid_file(path);
    cr_assert_gt(hub, 0, "no hub pid file");
    cr_assert_eq(kill(hub, SIGKILL), 0);
    harness_ctl(&r, "status", NULL);
    cr_assert_eq(harness_poll(60000, s_status_down, &r), 0,
                 "status still exits 0 a minute after the hub was killed:\n%s", r.out);
    cr_assert_eq(r.status, 3, "exit %d: %s", r.status, r.err);
    cr_assert(strstr(r.err, "hub is down"), "%s", r.err);
    cr_assert(strstr(r.out, "STALE"), "%s", r.out);
    harness_result_free(&r);
    harness_ctl(&r, "status", "--json", NULL);
    cr_assert_eq(r.status, 3, "status --json: exit %d: %s", r.status, r.err);
    json_t *down = json_loads(r.out, 0, NULL);
    cr_assert(json_is_true(json_object_get(json_object_get(down, "hub"), "stale")), "%s", r.out);
    json_decref(down);
    harness_result_free(&r);

    /* Nothing to purge, but --yes is enough without a terminal. */
    harness_ctl(&r, "dlq", "purge", "--all", "--yes", NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(strstr(r.out, "purged 0 dead letters"), "%s", r.out);
    harness_result_free(&r);
}

/* Run `siltactl dlq purge --all` on a pseudo-terminal, answer, return its exit
 * code; its output (prompt included) into out. */
static int s_purge_on_tty(const char *answer, char *out, size_t len)
{
    char path[PATH_MAX];
    harness_bin_path(path, sizeof path, "siltactl");
    int master;
    pid_t pid = forkpty(&master, NULL, NULL, NULL);
    cr_assert_neq(pid, -1, "forkpty: %s", strerror(errno));
    if (pid == 0) {
        execl(path, path, "dlq", "purge", "--all", (char *)NULL);
        _exit(127);
    }
    size_t n = 0;
    int answered = 0;
    time_t deadline = time(NULL) + 30;
    out[0] = '\0';
    while (time(NULL) < deadline) {
        struct pollfd p = {.fd = master, .events = POLLIN};
        if (poll(&p, 1, 200) <= 0)
            continue;
        ssize_t got = read(master, out + n, len - n - 1);
        if (got <= 0)
            break; /* EIO: the child closed the terminal */
        n += (size_t)got;
        out[n] = '\0';
        if (!answered && strstr(out, "[y/N]")) {
            cr_assert_eq(write(master, answer, strlen(answer)), (ssize_t)strlen(answer));
            answered = 1;
        }
    }
    int status = -1;
    cr_assert_eq(waitpid(pid, &status, 0), pid);
    close(master);
    cr_assert(answered, "no y/N question on the terminal:\n%s", out);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

Test(siltactl, plan_unknown_key_and_purge_asks_on_a_terminal, .init = s_setup, .fini = s_teardown,
     .timeout = 300)
{
    fixture_deploy(1);
    harness_result_t r;
    harness_ctl(&r, "plan", "ck_0123456789abcdef0123456789abcdef", NULL);
    cr_assert_eq(r.status, 1, "exit %d\n%s%s", r.status, r.out, r.err);
    cr_assert(strstr(r.err, "no client with that key"), "%s", r.err);
    cr_assert_null(strstr(r.out, "coordinated plan"), "an empty plan:\n%s", r.out);
    harness_result_free(&r);

    /* Nothing to purge here: the question is what is tested. */
    char out[4096];
    cr_assert_eq(s_purge_on_tty("n\n", out, sizeof out), 1, "declined:\n%s", out);
    cr_assert(strstr(out, "nothing purged"), "%s", out);
    cr_assert_eq(s_purge_on_tty("y\n", out, sizeof out), 0, "confirmed:\n%s", out);
    cr_assert(strstr(out, "purged 0 dead letters"), "%s", out);
}
