/*  silta_bench.c - silta-bench: load generator and loss checker on libsilta.
 *
 *  P publisher processes each publish their share of N events (type
 *  bench.event.v1, client_key bench-client-<k> over K clients) with confirms;
 *  C consumer processes each drain queue bench-<i>, ACK everything, and check
 *  that every CONFIRMed event_id reached them. The confirmed ids go to a ledger
 *  file (one per line), so publishing and consuming can also run as separate
 *  invocations around a hub restart (--publish-only, then --consume-only).
 *
 *  Processes, not threads: each silta_client_t is single-threaded, and fork()
 *  keeps the clients and their ZeroMQ contexts apart. The parent creates no
 *  ZeroMQ context while children run; results and progress counters live in a
 *  shared anonymous mapping.
 *
 *  Latency is publish-to-delivery: the publisher writes its CLOCK_REALTIME
 *  send time (microseconds) into the first 8 bytes of the payload, so the
 *  figure is only as good as the clock agreement of the machines involved.
 *
 *  It does not measure the hub's internals (see /metrics) and it does not
 *  clean queues: events left over from an earlier run are delivered, counted
 *  as unique, and ACKed.
 *
 *  This file: options, the children (fork, wait, kill) and main; the
 *  publisher, the consumer and the figures are in silta_bench_pub.c,
 *  silta_bench_con.c and silta_bench_report.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "silta_bench.h"
#include "silta_cli.h"
#include "silta_env.h"
#include "silta_log.h"
#include "silta_time.h"

volatile sig_atomic_t silta_bench_interrupted = 0;

static void s_on_signal(int sig)
{
    (void)sig;
    silta_bench_interrupted = 1;
}

int64_t silta_bench_real_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Shared counters are written by one child and read by the parent. */
void silta_bench_store(uint64_t *p, uint64_t v)
{
    __atomic_store_n(p, v, __ATOMIC_RELAXED);
}

uint64_t silta_bench_load(const uint64_t *p)
{
    return __atomic_load_n(p, __ATOMIC_RELAXED);
}

silta_client_t *silta_bench_client(const silta_bench_opts_t *o, const char *name)
{
    silta_client_opts_t co;
    memset(&co, 0, sizeof co);
    co.client_key = o->key[0] ? o->key : NULL;
    co.name = name;
    co.max_unconfirmed = (size_t)o->window;
    silta_err_t err;
    silta_client_t *c = silta_client_new(&co, &err);
    if (!c)
        silta_error("could not start a client", "reason=\"%s\"", err.msg);
    return c;
}

/* ------------------------------------------------------------------------ */
/* parent                                                                    */

static void s_usage(FILE *f)
{
    fprintf(
        f,
        "usage: silta-bench [options]\n"
        "  --events N        events to publish (default 100000)\n"
        "  --size BYTES      payload size (default 256; the first 8 carry the send time)\n"
        "  --publishers P    publisher processes, one client each (default 4)\n"
        "  --clients K       distinct client_keys bench-client-1..K (default 1000)\n"
        "  --consumers C     consumer queues bench-1..bench-C (default 1)\n"
        "  --credit N        each consumer's window of unacknowledged deliveries (default 1000)\n"
        "  --window N        each publisher's window of unconfirmed events (default 10000)\n"
        "  --rate R          publish R events/s in all (paced per millisecond; default 0:\n"
        "                    as fast as the window allows), e.g. latency at a set load\n"
        "  --publish-only    declare the queues, publish, append confirmed ids to the ledger\n"
        "  --consume-only    consume until every ledger id reached every consumer\n"
        "  --timeout S       give up after S seconds without progress (default 120)\n"
        "  --ledger PATH     default $SILTA_HOME/bench/ledger\n"
        "  --key PATH        client key (default $SILTA_KEYS_DIR/bench.key, else "
        "$SILTA_CLIENT_KEY)\n"
        "The last line of stdout is the summary:\n"
        "  events= confirmed= delivered= unique= lost= duplicates= rate=/s p50_ms= p99_ms=\n"
        "Exit 0 when nothing was lost (and, when publishing, every event was confirmed).\n");
}

static int s_num(const char *arg, const char *flag, long min, long max, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(arg, &end, 10);
    if (errno || *end || end == arg || v < min || v > max) {
        fprintf(stderr, "silta-bench: %s wants a number from %ld to %ld, not '%s'\n", flag, min,
                max, arg);
        return -1;
    }
    *out = v;
    return 0;
}

static int s_parse(int argc, char **argv, silta_bench_opts_t *o)
{
    static const struct option longs[] = {{"events", required_argument, 0, 'n'},
                                          {"size", required_argument, 0, 's'},
                                          {"publishers", required_argument, 0, 'p'},
                                          {"clients", required_argument, 0, 'k'},
                                          {"consumers", required_argument, 0, 'c'},
                                          {"credit", required_argument, 0, 'r'},
                                          {"publish-only", no_argument, 0, 'P'},
                                          {"consume-only", no_argument, 0, 'C'},
                                          {"timeout", required_argument, 0, 't'},
                                          {"ledger", required_argument, 0, 'l'},
                                          {"key", required_argument, 0, 'K'},
                                          {"window", required_argument, 0, 'w'},
                                          {"rate", required_argument, 0, 'R'},
                                          {"help", no_argument, 0, 'h'},
                                          {0, 0, 0, 0}};
    memset(o, 0, sizeof *o);
    o->events = 100000;
    o->size = 256;
    o->publishers = 4;
    o->clients = 1000;
    o->consumers = 1;
    o->credit = 1000;
    o->window = 10000;
    o->timeout_s = 120;
    int publish_only = 0, consume_only = 0, opt;
    long v;
    while ((opt = getopt_long(argc, argv, "h", longs, NULL)) != -1) {
        switch (opt) {
        case 'n':
            if (s_num(optarg, "--events", 0, 1000000000L, &o->events))
                return -1;
            break;
        case 's':
            if (s_num(optarg, "--size", 0, 64L << 20, &o->size))
                return -1;
            break;
        case 'p':
            if (s_num(optarg, "--publishers", 1, 256, &v))
                return -1;
            o->publishers = (int)v;
            break;
        case 'k':
            if (s_num(optarg, "--clients", 1, 1000000000L, &o->clients))
                return -1;
            break;
        case 'c':
            if (s_num(optarg, "--consumers", 0, 256, &v))
                return -1;
            o->consumers = (int)v;
            break;
        case 'r':
            if (s_num(optarg, "--credit", 1, 1000000L, &o->credit))
                return -1;
            break;
        case 'w':
            if (s_num(optarg, "--window", 1, 1000000L, &o->window))
                return -1;
            break;
        case 'R':
            if (s_num(optarg, "--rate", 0, 100000000L, &o->rate))
                return -1;
            break;
        case 'P':
            publish_only = 1;
            break;
        case 'C':
            consume_only = 1;
            break;
        case 't':
            if (s_num(optarg, "--timeout", 1, 86400, &o->timeout_s))
                return -1;
            break;
        case 'l':
            snprintf(o->ledger, sizeof o->ledger, "%s", optarg);
            break;
        case 'K':
            snprintf(o->key, sizeof o->key, "%s", optarg);
            break;
        case 'h':
            s_usage(stdout);
            exit(0);
        default:
            s_usage(stderr);
            return -1;
        }
    }
    if (optind < argc || (publish_only && consume_only)) {
        fprintf(stderr, "silta-bench: %s\n",
                optind < argc ? "unexpected argument"
                              : "--publish-only or --consume-only, not both");
        return -1;
    }
    o->mode = publish_only   ? SILTA_BENCH_PUBLISH_ONLY
              : consume_only ? SILTA_BENCH_CONSUME_ONLY
                             : SILTA_BENCH_BOTH;
    if (o->mode == SILTA_BENCH_CONSUME_ONLY && o->consumers < 1) {
        fprintf(stderr, "silta-bench: --consume-only needs at least one consumer\n");
        return -1;
    }
    return 0;
}

static int s_mkdir_parent(const char *path)
{
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", path);
    for (char *s = dir + 1; *s; s++)
        if (*s == '/') {
            *s = '\0';
            if (mkdir(dir, 0755) != 0 && errno != EEXIST)
                return -1;
            *s = '/';
        }
    return 0;
}

/* Fill o->key from the environment when --key was not given. */
static void s_pick_key(silta_bench_opts_t *o)
{
    if (o->key[0])
        return;
    const char *dir = silta_env_get("SILTA_KEYS_DIR", NULL);
    if (dir) {
        snprintf(o->key, sizeof o->key, "%s/bench.key", dir);
        if (access(o->key, R_OK) == 0)
            return;
    }
    o->key[0] = '\0'; /* silta_client_new falls back to $SILTA_CLIENT_KEY */
}

typedef struct {
    pid_t *pids;
    int n;
    int failed;
} s_children_t;

static pid_t s_spawn(s_children_t *ch, int (*fn)(const silta_bench_opts_t *, int, void *),
                     const silta_bench_opts_t *o, int index, void *arg)
{
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid == 0)
        exit(fn(o, index, arg)); /* exit(), not _exit(): LSan checks the child too */
    if (pid < 0) {
        silta_error("could not fork", "reason=\"%s\"", strerror(errno));
        ch->failed++;
        return -1;
    }
    ch->pids[ch->n++] = pid;
    return pid;
}

static int s_run_publisher(const silta_bench_opts_t *o, int index, void *arg)
{
    silta_bench_shared_t *sh = arg;
    return silta_bench_pub_run(o, index, &sh->pub[index]);
}

static int s_run_consumer(const silta_bench_opts_t *o, int index, void *arg)
{
    return silta_bench_con_run(o, index, arg);
}

/* Wait for the children in [from, ch->n) to exit, printing progress once a
 * second; stop waiting early when until() says so. Returns -1 on interrupt. */
static int s_wait(const silta_bench_opts_t *o, silta_bench_shared_t *sh, s_children_t *ch, int from,
                  int (*until)(const silta_bench_opts_t *, const silta_bench_shared_t *))
{
    int64_t next_progress = silta_mono_ms() + 1000;
    for (;;) {
        int alive = 0;
        for (int i = from; i < ch->n; i++) {
            if (ch->pids[i] <= 0)
                continue;
            int status;
            pid_t r = waitpid(ch->pids[i], &status, WNOHANG);
            if (r == 0) {
                alive++;
                continue;
            }
            if (r == ch->pids[i] && !(WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
                silta_error("a bench process failed", "pid=%d status=%d", (int)r, status);
                ch->failed++;
            }
            ch->pids[i] = 0;
        }
        if (!alive || (until && until(o, sh)))
            return 0;
        if (silta_bench_interrupted)
            return -1;
        if (silta_mono_ms() >= next_progress) {
            silta_bench_report_progress(o, sh);
            next_progress += 1000;
        }
        poll(NULL, 0, 50);
    }
}

static int s_consumers_ready(const silta_bench_opts_t *o, const silta_bench_shared_t *sh)
{
    for (int i = 0; i < o->consumers; i++)
        if (!__atomic_load_n(&sh->con[i].ready, __ATOMIC_ACQUIRE))
            return 0;
    return 1;
}

static void s_kill_all(s_children_t *ch)
{
    for (int i = 0; i < ch->n; i++)
        if (ch->pids[i] > 0)
            kill(ch->pids[i], SIGTERM);
    for (int i = 0; i < ch->n; i++)
        if (ch->pids[i] > 0)
            waitpid(ch->pids[i], NULL, 0);
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "--version") == 0) {
        printf("silta-bench %s\n", SILTA_VERSION);
        return 0;
    }
    silta_log_init("silta-bench");
    silta_bench_opts_t o;
    if (s_parse(argc, argv, &o) != 0)
        return 2;
    silta_err_t err;
    if (silta_env_load(&err) != 0) {
        silta_error("could not read env", "reason=\"%s\"", err.msg);
        return 2;
    }
    s_pick_key(&o);

    /* The default mode keeps its ledger to itself: adding its ids to the shared
     * ledger would make a later --consume-only wait for events already consumed. */
    char tmpdir[64] = "";
    if (o.mode == SILTA_BENCH_BOTH) {
        snprintf(tmpdir, sizeof tmpdir, "/tmp/silta-bench-XXXXXX");
        if (!mkdtemp(tmpdir)) {
            silta_error("could not create a temporary folder", "reason=\"%s\"", strerror(errno));
            return 2;
        }
        snprintf(o.ledger, sizeof o.ledger, "%s/ledger", tmpdir);
    } else if (!o.ledger[0])
        snprintf(o.ledger, sizeof o.ledger, "%s/bench/ledger", silta_env_home());
    if (o.mode != SILTA_BENCH_CONSUME_ONLY) {
        int fd = s_mkdir_parent(o.ledger) == 0
                     ? open(o.ledger, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644)
                     : -1;
        if (fd < 0) {
            silta_error("could not create the ledger", "path=%s reason=\"%s\"", o.ledger,
                        strerror(errno));
            return 2;
        }
        close(fd);
    } else if (access(o.ledger, R_OK) != 0) {
        silta_error("no ledger to check against",
                    "path=%s reason=\"%s\" hint=\"run "
                    "--publish-only first\"",
                    o.ledger, strerror(errno));
        return 2;
    }
    if (o.mode == SILTA_BENCH_CONSUME_ONLY)
        o.publishers = 0;

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = s_on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);

    size_t shared_len = sizeof(silta_bench_shared_t) +
                        (size_t)o.publishers * sizeof(silta_bench_pub_result_t) +
                        (size_t)o.consumers * sizeof(silta_bench_con_result_t);
    silta_bench_shared_t *sh =
        mmap(NULL, shared_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (sh == MAP_FAILED) {
        silta_error("could not map shared memory", "reason=\"%s\"", strerror(errno));
        return 2;
    }
    sh->pub = (silta_bench_pub_result_t *)(sh + 1);
    sh->con = (silta_bench_con_result_t *)(sh->pub + o.publishers);
    s_children_t ch = {calloc((size_t)(o.publishers + o.consumers + 1), sizeof(pid_t)), 0, 0};
    if (!ch.pids)
        return 2;

    int rc = 0;
    fprintf(stderr,
            "silta-bench: mode=%s events=%ld size=%ld publishers=%d consumers=%d "
            "clients=%ld credit=%ld window=%ld rate=%ld ledger=%s\n",
            o.mode == SILTA_BENCH_BOTH           ? "publish+consume"
            : o.mode == SILTA_BENCH_PUBLISH_ONLY ? "publish-only"
                                                 : "consume-only",
            o.events, o.size, o.publishers, o.consumers, o.clients, o.credit, o.window, o.rate,
            o.ledger);

    if (o.mode == SILTA_BENCH_PUBLISH_ONLY && silta_bench_con_declare_queues(&o) != 0)
        rc = -1;
    if (rc == 0 && o.mode != SILTA_BENCH_PUBLISH_ONLY) {
        if (o.mode == SILTA_BENCH_CONSUME_ONLY) {
            sh->ledger_ready_ms = silta_mono_ms();
            __atomic_store_n(&sh->ledger_ready, 1, __ATOMIC_RELEASE);
        }
        for (int i = 0; i < o.consumers; i++)
            s_spawn(&ch, s_run_consumer, &o, i, sh);
        if (o.mode == SILTA_BENCH_BOTH) {
            /* Publish only into queues that exist, or early events miss them. */
            if (s_wait(&o, sh, &ch, 0, s_consumers_ready) != 0)
                rc = -1;
            else if (!s_consumers_ready(&o, sh)) {
                silta_error("consumers did not start", "hint=\"is the hub running?\"");
                rc = -1;
            }
        }
    }
    int pub_from = ch.n;
    if (rc == 0 && o.mode != SILTA_BENCH_CONSUME_ONLY) {
        for (int i = 0; i < o.publishers; i++)
            s_spawn(&ch, s_run_publisher, &o, i, sh);
        if (s_wait(&o, sh, &ch, pub_from, NULL) != 0)
            rc = -1;
    }
    if (rc == 0) {
        sh->ledger_ready_ms = silta_mono_ms();
        __atomic_store_n(&sh->ledger_ready, 1, __ATOMIC_RELEASE);
        if (s_wait(&o, sh, &ch, 0, NULL) != 0)
            rc = -1;
    }
    if (rc != 0)
        s_kill_all(&ch);

    int clean = silta_bench_report_print(&o, sh, &ch.failed);
    int ok = rc == 0 && ch.failed == 0 && clean;
    if (o.mode == SILTA_BENCH_CONSUME_ONLY && ok) {
        /* Checked: start the next publish round from an empty ledger. */
        char done[4200];
        snprintf(done, sizeof done, "%s.done", o.ledger);
        if (rename(o.ledger, done) == 0)
            fprintf(stderr, "silta-bench: every ledger id arrived; ledger moved to %s\n", done);
    }
    if (tmpdir[0]) {
        unlink(o.ledger);
        rmdir(tmpdir);
    }
    free(ch.pids);
    munmap(sh, shared_len);
    return ok ? 0 : 1;
}
