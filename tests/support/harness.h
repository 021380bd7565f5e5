/*  harness.h - helpers for integration tests: a temporary SILTA_HOME, running
 *  programs with a timeout, reading the env file, polling instead of sleeping.
 *
 *  Linked into every test binary (the Makefile links each .c in tests/support). Nothing here
 * asserts: each function reports through its return value and the test decides.
 *
 *  A typical test:
 *
 *      char *home = harness_home_new();          // fresh SILTA_HOME, exported
 *      harness_result_t r;
 *      harness_local(&r, "up", "--no-adapters"); // ops/silta-local up
 *      cr_assert_eq(r.status, 0, "%s", r.err);
 *      harness_result_free(&r);
 *      ...
 *      harness_home_destroy(&home);              // silta-local down, rm -rf
 *
 *  Programs come from $SILTA_BIN (default <cwd>/build/bin), the repository from
 *  $SILTA_SRC (default the cwd); `make test` sets both.
 */
#ifndef HARNESS_H
#define HARNESS_H

#include <stdbool.h>
#include <sys/types.h>

/* Generous limits for a loaded CI machine; the commands finish far sooner. */
#define HARNESS_UP_TIMEOUT_MS 120000 /* silta-local up: initdb, start, migrate */
#define HARNESS_CMD_TIMEOUT_MS 30000 /* one siltactl call and the like */

typedef struct {
    int status; /* exit code; 128 + signal when killed; -1 when it could not run or timed out */
    bool timed_out;
    char *out; /* everything written on stdout (never NULL after harness_run) */
    char *err; /* everything written on stderr (never NULL after harness_run) */
} harness_result_t;

/* The repository ($SILTA_SRC or the cwd) and the programs' folder ($SILTA_BIN or
 * <cwd>/build/bin). Borrowed, valid for the whole process. */
const char *harness_src(void);
const char *harness_bin(void);

/* Path of program `name` in harness_bin() into buf; returns buf. */
const char *harness_bin_path(char *buf, size_t len, const char *name);

/* Make a fresh temporary folder, export it as SILTA_HOME, and unset every other
 * SILTA_* variable that would point a program elsewhere (all but SILTA_BIN,
 * SILTA_SRC and SILTA_LOG_LEVEL). Returns the path (caller frees with
 * harness_home_destroy) or NULL. */
char *harness_home_new(void);

/* `ops/silta-local down` for that home (when it has anything), then remove the
 * folder, free the string and set *home_p to NULL. Leaves the folder in place
 * when SILTA_KEEP_HOME is set (to read the logs). */
void harness_home_destroy(char **home_p);

/* The number of dead letters this test leaves on purpose (default 0).
 * harness_home_destroy reports any more, with their consumer and reason, as
 * "harness: unexpected dead letters", which fails tools/run-tests. */
void harness_expect_dead_letters(long n);

/* Run argv (argv[0] a path; NULL-terminated) with stdin from /dev/null and
 * stdout/stderr captured, killing it (SIGKILL to its process group) after
 * timeout_ms. Fills *res; returns res->status. Output goes through temporary
 * files, so a daemon the command leaves running cannot keep the call waiting. */
int harness_run(harness_result_t *res, int timeout_ms, char *const argv[]);

/* harness_run with input (NUL-terminated) on the command's standard input. */
int harness_run_input(harness_result_t *res, int timeout_ms, char *const argv[],
                      const char *input);

/* harness_run on a NULL-terminated argument list. */
int harness_runl(harness_result_t *res, int timeout_ms, const char *path, ...)
    __attribute__((sentinel));

/* ops/silta-local with its arguments (NULL-terminated), with the up
 * timeout. */
int harness_local(harness_result_t *res, const char *cmd, ...) __attribute__((sentinel));

/* build/bin/siltactl with its arguments (NULL-terminated). */
int harness_ctl(harness_result_t *res, const char *cmd, ...) __attribute__((sentinel));

/* harness_ctl with input on siltactl's standard input (a hetu never goes in argv). */
int harness_ctl_input(harness_result_t *res, const char *input, const char *cmd, ...)
    __attribute__((sentinel));

void harness_result_free(harness_result_t *res);

/* The value of KEY in $home/env (home NULL: $SILTA_HOME), caller frees; NULL when
 * the file or the key is missing. */
char *harness_env_get(const char *home, const char *key);

/* Call cond(arg) until it returns true or timeout_ms passes, starting at a few
 * ms between calls and backing off to 100 ms. Returns 0 when cond held, -1 on
 * timeout. */
int harness_poll(int timeout_ms, bool (*cond)(void *arg), void *arg);

/* The pid in a pid file, or -1. */
pid_t harness_pid_file(const char *path);

/* True when pid names a process that has not exited (a zombie counts as gone). */
bool harness_pid_alive(pid_t pid);

/* True when something accepts TCP connections on 127.0.0.1:port. */
bool harness_port_open(int port);

/* The port of an endpoint or URL such as tcp://127.0.0.1:5555 or
 * postgresql://silta@127.0.0.1:5433/silta; -1 when there is none. */
int harness_url_port(const char *url);

/* Whole contents of a file (caller frees) or NULL. */
char *harness_read_file(const char *path);

/* True when the file exists and contains needle. */
bool harness_file_contains(const char *path, const char *needle);

/* One HTTP/1.1 request (Connection: close) to 127.0.0.1:port. headers: extra
 * header lines, each ending in "\r\n" (may be NULL). Content-Length is len;
 * the body's len bytes follow, or nothing when body is NULL (a client that
 * announces a body it never sends). The whole answer, status line and headers included, goes to *reply
 * (caller frees; never NULL). Returns the status, 0 when no answer came within
 * timeout_ms, or -1 when it could not connect or send. */
int harness_http_request(int port, const char *method, const char *path, const char *headers,
                         const char *body, size_t len, char **reply, int timeout_ms);

/* harness_http_request by URL, http://127.0.0.1:PORT/path (loopback only):
 * method "GET" or "POST" (body may be NULL; content_type for POST). Returns the
 * status code with the response body in *body (caller frees; headers dropped),
 * or -1 when it could not connect or timed out (timeout_ms). */
int harness_http(const char *method, const char *url, const char *content_type, const char *body,
                 char **response, int timeout_ms);

#endif
