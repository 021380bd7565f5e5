/*  harness.c - integration-test helpers: temp SILTA_HOME, run with timeout, poll. */
#include "harness.h"

#include <dirent.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <libpq-fe.h>

extern char **environ;

#define S_MAX_ARGS 32

static char s_src[PATH_MAX];
static char s_bin[PATH_MAX];

const char *harness_src(void)
{
    if (!s_src[0]) {
        const char *v = getenv("SILTA_SRC");
        char cwd[PATH_MAX];
        int n = snprintf(s_src, sizeof s_src, "%s",
                         v && *v                   ? v
                         : getcwd(cwd, sizeof cwd) ? cwd
                                                   : ".");
        if (n < 0 || (size_t)n >= sizeof s_src)
            snprintf(s_src, sizeof s_src, ".");
    }
    return s_src;
}

const char *harness_bin(void)
{
    if (!s_bin[0]) {
        const char *v = getenv("SILTA_BIN");
        char cwd[PATH_MAX];
        int n = v && *v                   ? snprintf(s_bin, sizeof s_bin, "%s", v)
                : getcwd(cwd, sizeof cwd) ? snprintf(s_bin, sizeof s_bin, "%s/build/bin", cwd)
                                          : -1;
        if (n < 0 || (size_t)n >= sizeof s_bin)
            snprintf(s_bin, sizeof s_bin, "build/bin");
    }
    return s_bin;
}

const char *harness_bin_path(char *buf, size_t len, const char *name)
{
    int n = snprintf(buf, len, "%s/%s", harness_bin(), name);
    if (n < 0 || (size_t)n >= len)
        buf[0] = '\0';
    return buf;
}

static long long s_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void s_sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

int harness_poll(int timeout_ms, bool (*cond)(void *arg), void *arg)
{
    long long deadline = s_now_ms() + timeout_ms;
    int pause = 2;
    for (;;) {
        if (cond(arg))
            return 0;
        if (s_now_ms() >= deadline)
            return -1;
        s_sleep_ms(pause);
        if (pause < 100)
            pause *= 2;
    }
}

/* ---------------------------------------------------------------- SILTA_HOME */

char *harness_home_new(void)
{
    /* Keep it short: PostgreSQL's socket path lives under it (max 107 bytes). */
    char tmpl[] = "/tmp/silta-test-XXXXXX";
    if (!mkdtemp(tmpl))
        return NULL;
    /* Unset what would point a program at another deployment: collect first,
     * since unsetenv changes environ. */
    char *names[256];
    size_t n = 0;
    for (char **e = environ; *e && n < 256; e++) {
        if (strncmp(*e, "SILTA_", 6) != 0)
            continue;
        const char *eq = strchr(*e, '=');
        if (!eq)
            continue;
        names[n] = strndup(*e, (size_t)(eq - *e));
        if (names[n])
            n++;
    }
    for (size_t i = 0; i < n; i++) {
        if (strcmp(names[i], "SILTA_BIN") != 0 && strcmp(names[i], "SILTA_SRC") != 0 &&
            strcmp(names[i], "SILTA_LOG_LEVEL") != 0)
            unsetenv(names[i]);
        free(names[i]);
    }
    harness_src();
    harness_bin();
    setenv("SILTA_HOME", tmpl, 1);
    /* A test deployment: ops/silta-local admits the `test` and `bench` keys. */
    setenv("SILTA_DEPLOYMENT", "test", 1);
    return strdup(tmpl);
}

static int s_rm(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    remove(path);
    return 0;
}

/* Programs started under `make check` are ASan/UBSan builds whose reports go
 * to their log files, not to the test's output: copy any report line to
 * stderr, where tools/run-tests finds it and fails the run. */
static void s_report_sanitizers(const char *home)
{
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s/log", home);
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.')
            continue;
        char path[PATH_MAX + 256];
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        FILE *f = fopen(path, "r");
        if (!f)
            continue;
        char line[1024];
        int shown = 0;
        while (fgets(line, sizeof line, f) && shown < 40)
            if (shown || strstr(line, "ERROR: AddressSanitizer") ||
                strstr(line, "ERROR: LeakSanitizer") || strstr(line, "runtime error:")) {
                fprintf(stderr, "%s: %s", de->d_name, line);
                shown++;
            }
        fclose(f);
    }
    closedir(d);
}

/* Dead letters the running test put there on purpose (harness_expect_dead_letters);
 * Criterion runs each test in a process of its own, so this is per test. */
static long s_expected_dead = 0;

void harness_expect_dead_letters(long n)
{
    s_expected_dead = n;
}

/* Before the deployment goes down: a dead letter that the test did not ask for
 * is a bug (an edge said "accepted" for what a consumer then refused, or a
 * consumer failed). Print it where tools/run-tests finds it and fails the run. */
static void s_report_dead_letters(const char *home)
{
    char *url = harness_env_get(home, "SILTA_PG_URL");
    if (!url)
        return;
    PGconn *db = PQconnectdb(url);
    free(url);
    if (PQstatus(db) == CONNECTION_OK) {
        PGresult *r = PQexec(db, "SELECT c.name, d.reason FROM hub.dead_letter d "
                                 "JOIN hub.consumer c ON c.id = d.consumer_id ORDER BY d.id");
        if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) > s_expected_dead) {
            fprintf(stderr, "harness: unexpected dead letters: %d (the test expected %ld)\n",
                    PQntuples(r), s_expected_dead);
            for (int i = 0; i < PQntuples(r) && i < 20; i++)
                fprintf(stderr, "harness:   consumer=%s reason=\"%s\"\n", PQgetvalue(r, i, 0),
                        PQgetvalue(r, i, 1));
        }
        PQclear(r);
    }
    PQfinish(db);
}

void harness_home_destroy(char **home_p)
{
    if (!home_p || !*home_p)
        return;
    char *home = *home_p;
    char pg[PATH_MAX], run[PATH_MAX];
    snprintf(pg, sizeof pg, "%s/pg", home);
    snprintf(run, sizeof run, "%s/run", home);
    struct stat st;
    if (stat(pg, &st) == 0 || stat(run, &st) == 0) {
        s_report_dead_letters(home);
        setenv("SILTA_HOME", home, 1);
        harness_result_t r;
        harness_local(&r, "down", (char *)NULL);
        if (r.status != 0)
            fprintf(stderr, "harness: silta-local down failed (%d): %s\n", r.status, r.err);
        harness_result_free(&r);
    }
    s_report_sanitizers(home);
    if (getenv("SILTA_KEEP_HOME"))
        fprintf(stderr, "harness: keeping %s\n", home);
    else
        nftw(home, s_rm, 16, FTW_DEPTH | FTW_PHYS);
    free(home);
    *home_p = NULL;
}

/* ---------------------------------------------------------------- running */

static char *s_slurp_fd(int fd)
{
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap);
    if (!buf)
        return NULL;
    lseek(fd, 0, SEEK_SET);
    for (;;) {
        if (len + 1 >= cap) {
            char *grown = realloc(buf, cap *= 2);
            if (!grown) {
                free(buf);
                return NULL;
            }
            buf = grown;
        }
        ssize_t n = read(fd, buf + len, cap - len - 1);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        len += (size_t)n;
    }
    buf[len] = '\0';
    return buf;
}

static int s_tmpfile(void)
{
    char tmpl[] = "/tmp/silta-harness-XXXXXX";
    int fd = mkstemp(tmpl);
    if (fd >= 0)
        unlink(tmpl);
    return fd;
}

int harness_run(harness_result_t *res, int timeout_ms, char *const argv[])
{
    return harness_run_input(res, timeout_ms, argv, NULL);
}

int harness_run_input(harness_result_t *res, int timeout_ms, char *const argv[],
                      const char *input)
{
    memset(res, 0, sizeof *res);
    res->status = -1;
    int out = s_tmpfile(), err = s_tmpfile();
    int in_fd = -1, in_ok = 1;
    if (input) {
        in_fd = s_tmpfile();
        size_t n = strlen(input);
        in_ok = in_fd >= 0 && write(in_fd, input, n) == (ssize_t)n && lseek(in_fd, 0, SEEK_SET) == 0;
    }
    pid_t pid = -1;
    if (out >= 0 && err >= 0 && in_ok) {
        fflush(NULL);
        pid = fork();
    }
    if (pid == 0) {
        setpgid(0, 0);
        int in = input ? in_fd : open("/dev/null", O_RDONLY);
        if (in < 0 || dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(err, 2) < 0)
            _exit(127);
        /* The test runner's own pipes must not reach a daemon the command starts. */
        for (int fd = 3; fd < 1024; fd++)
            close(fd);
        execv(argv[0], argv);
        fprintf(stderr, "harness: could not run %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    if (pid > 0) {
        long long deadline = s_now_ms() + timeout_ms;
        int pause = 1, wstatus = 0;
        for (;;) {
            pid_t w = waitpid(pid, &wstatus, WNOHANG);
            if (w == pid)
                break;
            if (w < 0 && errno != EINTR) {
                wstatus = -1;
                break;
            }
            if (s_now_ms() >= deadline) {
                res->timed_out = true;
                kill(-pid, SIGKILL);
                kill(pid, SIGKILL);
                waitpid(pid, &wstatus, 0);
                break;
            }
            s_sleep_ms(pause);
            if (pause < 50)
                pause *= 2;
        }
        if (res->timed_out || wstatus == -1)
            res->status = -1;
        else if (WIFEXITED(wstatus))
            res->status = WEXITSTATUS(wstatus);
        else if (WIFSIGNALED(wstatus))
            res->status = 128 + WTERMSIG(wstatus);
    }
    res->out = out >= 0 ? s_slurp_fd(out) : NULL;
    res->err = err >= 0 ? s_slurp_fd(err) : NULL;
    if (!res->out)
        res->out = strdup("");
    if (!res->err)
        res->err = strdup(pid < 0 ? "harness: could not start the command" : "");
    if (res->timed_out) {
        char *e = NULL;
        if (asprintf(&e, "%s\nharness: %s timed out after %d ms", res->err ? res->err : "", argv[0],
                     timeout_ms) >= 0) {
            free(res->err);
            res->err = e;
        }
    }
    if (out >= 0)
        close(out);
    if (err >= 0)
        close(err);
    if (in_fd >= 0)
        close(in_fd);
    return res->status;
}

/* Fill argv[0..] with path and the NULL-terminated arguments from `first` on.
 * A macro, so va_start/va_end stay in the variadic function itself. */
#define S_ARGV(argv, path, first)                                                                  \
    do {                                                                                           \
        int n_ = 0;                                                                                \
        (argv)[n_++] = (char *)(path);                                                             \
        va_list ap_;                                                                               \
        va_start(ap_, first);                                                                      \
        for (const char *a_ = (first); a_ && n_ < S_MAX_ARGS; a_ = va_arg(ap_, const char *))      \
            (argv)[n_++] = (char *)a_;                                                             \
        va_end(ap_);                                                                               \
        (argv)[n_] = NULL;                                                                         \
    } while (0)

int harness_runl(harness_result_t *res, int timeout_ms, const char *path, ...)
{
    /* The first argument after path is read from the list like the rest. */
    char *argv[S_MAX_ARGS + 1];
    int n = 0;
    argv[n++] = (char *)path;
    va_list ap;
    va_start(ap, path);
    for (const char *a = va_arg(ap, const char *); a && n < S_MAX_ARGS;
         a = va_arg(ap, const char *))
        argv[n++] = (char *)a;
    va_end(ap);
    argv[n] = NULL;
    return harness_run(res, timeout_ms, argv);
}

int harness_local(harness_result_t *res, const char *cmd, ...)
{
    char path[PATH_MAX + 32];
    snprintf(path, sizeof path, "%s/ops/silta-local", harness_src());
    char *argv[S_MAX_ARGS + 1];
    S_ARGV(argv, path, cmd);
    return harness_run(res, HARNESS_UP_TIMEOUT_MS, argv);
}

int harness_ctl(harness_result_t *res, const char *cmd, ...)
{
    char path[PATH_MAX];
    harness_bin_path(path, sizeof path, "siltactl");
    char *argv[S_MAX_ARGS + 1];
    S_ARGV(argv, path, cmd);
    return harness_run(res, HARNESS_CMD_TIMEOUT_MS, argv);
}

int harness_ctl_input(harness_result_t *res, const char *input, const char *cmd, ...)
{
    char path[PATH_MAX];
    harness_bin_path(path, sizeof path, "siltactl");
    char *argv[S_MAX_ARGS + 1];
    S_ARGV(argv, path, cmd);
    return harness_run_input(res, HARNESS_CMD_TIMEOUT_MS, argv, input);
}

void harness_result_free(harness_result_t *res)
{
    if (!res)
        return;
    free(res->out);
    free(res->err);
    res->out = res->err = NULL;
}

/* ---------------------------------------------------------------- files */

char *harness_read_file(const char *path)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return NULL;
    char *text = s_slurp_fd(fd);
    close(fd);
    return text;
}

bool harness_file_contains(const char *path, const char *needle)
{
    char *text = harness_read_file(path);
    bool found = text && strstr(text, needle);
    free(text);
    return found;
}

char *harness_env_get(const char *home, const char *key)
{
    char path[PATH_MAX];
    if (!home)
        home = getenv("SILTA_HOME");
    if (!home)
        return NULL;
    snprintf(path, sizeof path, "%s/env", home);
    char *text = harness_read_file(path);
    if (!text)
        return NULL;
    char *value = NULL;
    size_t klen = strlen(key);
    for (char *line = strtok(text, "\n"); line && !value; line = strtok(NULL, "\n")) {
        if (strncmp(line, "export ", 7) == 0)
            line += 7;
        if (strncmp(line, key, klen) != 0 || line[klen] != '=')
            continue;
        char *v = line + klen + 1;
        size_t n = strlen(v);
        if (n >= 2 && (v[0] == '"' || v[0] == '\'') && v[n - 1] == v[0]) {
            v[n - 1] = '\0';
            v++;
        }
        value = strdup(v);
    }
    free(text);
    return value;
}

/* ---------------------------------------------------------------- processes */

pid_t harness_pid_file(const char *path)
{
    char *text = harness_read_file(path);
    if (!text)
        return -1;
    char *end;
    long pid = strtol(text, &end, 10);
    bool ok = end != text && (*end == '\0' || *end == '\n') && pid > 0;
    free(text);
    return ok ? (pid_t)pid : -1;
}

bool harness_pid_alive(pid_t pid)
{
    if (pid <= 0 || (kill(pid, 0) != 0 && errno != EPERM))
        return false;
    /* An exited process nobody reaped yet is a zombie: dead for our purposes. */
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    char *stat = harness_read_file(path);
    if (!stat)
        return false;
    const char *close_paren = strrchr(stat, ')');
    bool alive =
        close_paren && close_paren[1] == ' ' && close_paren[2] != 'Z' && close_paren[2] != 'X';
    free(stat);
    return alive;
}

bool harness_port_open(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return false;
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bool open_ = connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0;
    close(fd);
    return open_;
}

int harness_url_port(const char *url)
{
    if (!url)
        return -1;
    const char *host = strstr(url, "://");
    host = host ? host + 3 : url;
    const char *end = host + strcspn(host, "/?");
    const char *colon = NULL;
    for (const char *p = host; p < end; p++)
        if (*p == ':')
            colon = p;
    if (!colon || colon + 1 == end)
        return -1;
    int port = 0;
    for (const char *p = colon + 1; p < end; p++) {
        if (*p < '0' || *p > '9')
            return -1;
        port = port * 10 + (*p - '0');
        if (port > 65535)
            return -1;
    }
    return port;
}

int harness_http_request(int port, const char *method, const char *path, const char *headers,
                         const char *body, size_t len, char **reply, int timeout_ms)
{
    *reply = strdup("");
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    char head[4096];
    int n = snprintf(head, sizeof head,
                     "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n%s"
                     "Content-Length: %zu\r\n\r\n",
                     method, path, headers ? headers : "", len);
    if (n < 0 || (size_t)n >= sizeof head || send(fd, head, (size_t)n, MSG_NOSIGNAL) != n ||
        (body && len && send(fd, body, len, MSG_NOSIGNAL) != (ssize_t)len)) {
        close(fd);
        return -1;
    }
    size_t cap = 65536, have = 0;
    char *buf = malloc(cap);
    struct timeval t0;
    gettimeofday(&t0, NULL);
    for (;;) {
        if (have + 4096 > cap) {
            char *more = realloc(buf, cap *= 2);
            if (!more)
                break;
            buf = more;
        }
        struct timeval now;
        gettimeofday(&now, NULL);
        long waited = (now.tv_sec - t0.tv_sec) * 1000L + (now.tv_usec - t0.tv_usec) / 1000;
        struct pollfd p = {fd, POLLIN, 0};
        if (waited >= timeout_ms || poll(&p, 1, (int)(timeout_ms - waited)) <= 0)
            break;
        ssize_t r = recv(fd, buf + have, cap - have - 1, 0);
        if (r <= 0)
            break;
        have += (size_t)r;
    }
    close(fd);
    buf[have] = '\0';
    int status = 0;
    sscanf(buf, "HTTP/1.1 %d", &status);
    free(*reply);
    *reply = buf;
    return status;
}

int harness_http(const char *method, const char *url, const char *content_type, const char *body,
                 char **response, int timeout_ms)
{
    *response = NULL;
    int port = harness_url_port(url);
    const char *path = strstr(url, "://");
    path = path ? strchr(path + 3, '/') : NULL;
    if (port <= 0 || !path)
        return -1;
    char headers[256], *buf;
    snprintf(headers, sizeof headers, "Content-Type: %s\r\n",
             content_type ? content_type : "text/plain");
    int status = harness_http_request(port, method, path, headers, body, body ? strlen(body) : 0,
                                      &buf, timeout_ms);
    if (status <= 0) {
        free(buf);
        return -1;
    }
    char *sep = strstr(buf, "\r\n\r\n");
    *response = strdup(sep ? sep + 4 : "");
    free(buf);
    return status;
}
