/*  cmp_bench.c - the comparison programs' shared harness: options, the
 *  processes, the loss check and the figures (cmp_bench.h says what it is for).
 *
 *  Run, in the parent:
 *
 *    setup ─► fork C consumers ─► all ready? ─► fork P publishers ─► all exited
 *      ─► expected = Σ confirmed, publishing_done = 1 ─► consumers exit ─► figures
 *
 *  Invariants: the shared mapping is written by one child per slot (its own
 *  pub[] or con[]), confirmed_bits by the publishers (atomic OR, each id once),
 *  and publishing_done/expected by the parent only, after every publisher has
 *  exited. A consumer's lost count is final only when it set `checked`.
 *
 *  It does not talk to a server; the drivers do (bench/amqp/rmq_bench.c,
 *  bench/cmp/pg_ceiling.c).
 */
#include "cmp_bench.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "silta_cli.h"

volatile sig_atomic_t cmp_interrupted = 0;

static void s_on_signal(int sig)
{
    (void)sig;
    cmp_interrupted = 1;
}

int64_t cmp_real_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int64_t cmp_mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void cmp_pub_range(const cmp_opts_t *o, int index, uint64_t *first, uint64_t *count)
{
    uint64_t n = (uint64_t)o->events, p = (uint64_t)o->publishers, i = (uint64_t)index;
    uint64_t base = n / p, extra = n % p;
    *first = i * base + (i < extra ? i : extra);
    *count = base + (i < extra ? 1 : 0);
}

void cmp_payload_stamp(uint8_t *buf, uint64_t id)
{
    int64_t now = cmp_real_us();
    memcpy(buf, &now, sizeof now);
    memcpy(buf + 8, &id, sizeof id);
}

void cmp_pub_confirmed(cmp_shared_t *sh, int index, uint64_t id, int64_t sent_us)
{
    cmp_pub_result_t *r = &sh->pub[index];
    int64_t now = cmp_real_us();
    __atomic_fetch_or(&sh->confirmed_bits[id / 8], (uint8_t)(1u << (id % 8)), __ATOMIC_RELAXED);
    silta_bench_hist_add(&r->confirm_latency, now - sent_us);
    __atomic_store_n(&r->confirmed, r->confirmed + 1, __ATOMIC_RELAXED);
    r->end_us = now;
}

int cmp_seen_init(const cmp_opts_t *o, cmp_seen_t *s)
{
    s->bits = calloc((size_t)o->events / 8 + 1, 1);
    s->last_progress_ms = (uint64_t)cmp_mono_ms();
    return s->bits ? 0 : -1;
}

void cmp_seen_free(cmp_seen_t *s)
{
    free(s->bits);
    s->bits = NULL;
}

int cmp_con_received(const cmp_opts_t *o, cmp_shared_t *sh, int index, cmp_seen_t *s,
                     const uint8_t *payload, size_t len)
{
    if (len < CMP_PAYLOAD_MIN)
        return -1;
    int64_t sent_us;
    uint64_t id;
    memcpy(&sent_us, payload, sizeof sent_us);
    memcpy(&id, payload + 8, sizeof id);
    if (id >= (uint64_t)o->events)
        return -1;
    cmp_con_result_t *r = &sh->con[index];
    silta_bench_hist_add(&r->latency, cmp_real_us() - sent_us);
    __atomic_store_n(&r->delivered, r->delivered + 1, __ATOMIC_RELAXED);
    uint8_t bit = (uint8_t)(1u << (id % 8));
    if (s->bits[id / 8] & bit)
        r->duplicates++;
    else {
        s->bits[id / 8] |= bit;
        __atomic_store_n(&r->unique, r->unique + 1, __ATOMIC_RELAXED);
    }
    s->last_progress_ms = (uint64_t)cmp_mono_ms();
    return 0;
}

void cmp_con_acked(cmp_shared_t *sh, int index)
{
    sh->con[index].last_ack_us = cmp_real_us();
}

/* Confirmed ids this consumer has not seen. */
static uint64_t s_missing(const cmp_opts_t *o, const cmp_shared_t *sh, const cmp_seen_t *s)
{
    uint64_t lost = 0;
    for (size_t i = 0; i < (size_t)o->events / 8 + 1; i++) {
        uint8_t want = __atomic_load_n(&sh->confirmed_bits[i], __ATOMIC_RELAXED);
        lost += (uint64_t)__builtin_popcount((unsigned)(want & (uint8_t)~s->bits[i]));
    }
    return lost;
}

int cmp_con_finished(const cmp_opts_t *o, cmp_shared_t *sh, int index, cmp_seen_t *s)
{
    cmp_con_result_t *r = &sh->con[index];
    int done = __atomic_load_n(&sh->publishing_done, __ATOMIC_ACQUIRE);
    if (done && r->unique >= sh->expected) {
        r->lost = s_missing(o, sh, s);
        if (r->lost == 0) {
            r->checked = 1;
            return 1;
        }
    }
    /* While publishers run, silence is theirs to explain; afterwards it is ours. */
    if (!done)
        s->last_progress_ms = (uint64_t)cmp_mono_ms();
    if (cmp_interrupted ||
        (uint64_t)cmp_mono_ms() - s->last_progress_ms > (uint64_t)o->timeout_s * 1000) {
        r->lost = s_missing(o, sh, s);
        r->checked = done;
        fprintf(stderr, "cmp: consumer %d gives up: lost=%" PRIu64 "\n", index + 1, r->lost);
        return -1;
    }
    return 0;
}

/* ------------------------------------------------------------------------ */
/* parent                                                                    */

static void s_usage(const char *name, FILE *f)
{
    fprintf(f,
            "usage: %s [options] TARGET\n"
            "  --events N       events in all (default 50000)\n"
            "  --size BYTES     payload size, at least %d (default 512)\n"
            "  --publishers P   publisher processes (default 1)\n"
            "  --consumers C    consumers, each receives every event (default 1)\n"
            "  --window N       per publisher, unconfirmed events at most (default 100)\n"
            "  --credit N       per consumer, unacknowledged deliveries at most (default 1000)\n"
            "  --timeout S      give up after S seconds without progress (default 60)\n"
            "The last line of stdout: cmp system= topology=PxC events= confirmed= lost= "
            "duplicates= seconds= rate=/s confirm_p50_ms= confirm_p99_ms= deliver_p50_ms= "
            "deliver_p99_ms=\n",
            name, CMP_PAYLOAD_MIN);
}

static int s_num(const char *name, const char *arg, const char *flag, long min, long max,
                 long *out)
{
    char *end;
    errno = 0;
    long v = strtol(arg, &end, 10);
    if (errno || *end || end == arg || v < min || v > max) {
        fprintf(stderr, "%s: %s wants a number from %ld to %ld, not '%s'\n", name, flag, min, max,
                arg);
        return -1;
    }
    *out = v;
    return 0;
}

static int s_parse(const char *name, int argc, char **argv, cmp_opts_t *o)
{
    static const struct option longs[] = {
        {"events", required_argument, 0, 'n'},   {"size", required_argument, 0, 's'},
        {"publishers", required_argument, 0, 'p'}, {"consumers", required_argument, 0, 'c'},
        {"window", required_argument, 0, 'w'},   {"credit", required_argument, 0, 'r'},
        {"timeout", required_argument, 0, 't'},  {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0}};
    *o = (cmp_opts_t){.events = 50000, .size = 512, .publishers = 1, .consumers = 1,
                      .window = 100, .credit = 1000, .timeout_s = 60};
    int opt;
    long v = 0;
    while ((opt = getopt_long(argc, argv, "h", longs, NULL)) != -1) {
        int bad = 0;
        switch (opt) {
        case 'n':
            bad = s_num(name, optarg, "--events", 1, 100000000L, &o->events);
            break;
        case 's':
            bad = s_num(name, optarg, "--size", CMP_PAYLOAD_MIN, 16L << 20, &o->size);
            break;
        case 'p':
            bad = s_num(name, optarg, "--publishers", 1, 64, &v);
            o->publishers = (int)v;
            break;
        case 'c':
            bad = s_num(name, optarg, "--consumers", 1, 16, &v);
            o->consumers = (int)v;
            break;
        case 'w':
            bad = s_num(name, optarg, "--window", 1, 65535, &o->window);
            break;
        case 'r':
            bad = s_num(name, optarg, "--credit", 1, 65535, &o->credit);
            break;
        case 't':
            bad = s_num(name, optarg, "--timeout", 1, 86400, &o->timeout_s);
            break;
        case 'h':
            s_usage(name, stdout);
            exit(0);
        default:
            s_usage(name, stderr);
            return -1;
        }
        if (bad)
            return -1;
    }
    if (optind + 1 != argc) {
        fprintf(stderr, "%s: want one TARGET after the options\n", name);
        s_usage(name, stderr);
        return -1;
    }
    o->target = argv[optind];
    return 0;
}

typedef struct {
    pid_t pids[96];
    int n;
    int failed;
} s_children_t;

static void s_spawn(s_children_t *ch, int (*fn)(const cmp_opts_t *, int, cmp_shared_t *),
                    const cmp_opts_t *o, int index, cmp_shared_t *sh)
{
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid == 0)
        exit(fn(o, index, sh)); /* exit(), not _exit(): LSan checks the child too */
    if (pid < 0) {
        fprintf(stderr, "cmp: could not fork: %s\n", strerror(errno));
        ch->failed++;
        return;
    }
    ch->pids[ch->n++] = pid;
}

/* Wait until the children in [from, ch->n) exited, or until() says so.
 * -1 when interrupted (the children are then killed by the caller). */
static int s_wait(const cmp_opts_t *o, cmp_shared_t *sh, s_children_t *ch, int from,
                  int (*until)(const cmp_opts_t *, const cmp_shared_t *))
{
    for (;;) {
        int alive = 0;
        for (int i = from; i < ch->n; i++) {
            int status;
            if (ch->pids[i] <= 0)
                continue;
            pid_t r = waitpid(ch->pids[i], &status, WNOHANG);
            if (r == 0) {
                alive++;
                continue;
            }
            if (!(WIFEXITED(status) && WEXITSTATUS(status) == 0))
                ch->failed++;
            ch->pids[i] = 0;
        }
        if (!alive || (until && until(o, sh)))
            return 0;
        if (cmp_interrupted)
            return -1;
        poll(NULL, 0, 20);
    }
}

static int s_consumers_ready(const cmp_opts_t *o, const cmp_shared_t *sh)
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

/* The figures; returns 1 when clean (everything confirmed, nothing lost). */
static int s_report(const cmp_driver_t *d, const cmp_opts_t *o, const cmp_shared_t *sh)
{
    static silta_bench_hist_t clat, lat; /* 10 KiB each */
    memset(&clat, 0, sizeof clat);
    memset(&lat, 0, sizeof lat);
    uint64_t confirmed = 0, nacked = 0, lost = 0, dups = 0, delivered = 0;
    int64_t start = INT64_MAX, pub_end = 0, end = 0;
    for (int i = 0; i < o->publishers; i++) {
        const cmp_pub_result_t *r = &sh->pub[i];
        confirmed += r->confirmed;
        nacked += r->nacked;
        if (r->start_us && r->start_us < start)
            start = r->start_us;
        if (r->end_us > pub_end)
            pub_end = r->end_us;
        silta_bench_hist_merge(&clat, &r->confirm_latency);
    }
    for (int i = 0; i < o->consumers; i++) {
        const cmp_con_result_t *r = &sh->con[i];
        delivered += r->delivered;
        dups += r->duplicates;
        lost += r->checked ? r->lost : confirmed; /* no check, no proof */
        if (r->last_ack_us > end)
            end = r->last_ack_us;
        silta_bench_hist_merge(&lat, &r->latency);
        printf("consumer %d: delivered=%" PRIu64 " unique=%" PRIu64 " duplicates=%" PRIu64
               " lost=%" PRIu64 "\n",
               i + 1, r->delivered, r->unique, r->duplicates, r->lost);
    }
    if (pub_end > end)
        end = pub_end; /* end to end: everything confirmed and acknowledged */
    double pub_s = pub_end > start ? (double)(pub_end - start) / 1e6 : 0;
    double s = end > start ? (double)(end - start) / 1e6 : 0;
    printf("publish: confirmed=%" PRIu64 " nacked=%" PRIu64 " seconds=%.2f rate=%.0f/s\n",
           confirmed, nacked, pub_s, pub_s > 0 ? (double)confirmed / pub_s : 0);
    printf("cmp system=%s topology=%dx%d events=%ld confirmed=%" PRIu64 " delivered=%" PRIu64
           " lost=%" PRIu64 " duplicates=%" PRIu64 " seconds=%.2f rate=%.0f/s "
           "confirm_p50_ms=%.2f confirm_p99_ms=%.2f deliver_p50_ms=%.2f deliver_p99_ms=%.2f\n",
           d->system, o->publishers, o->consumers, o->events, confirmed, delivered, lost, dups, s,
           s > 0 ? (double)confirmed / s : 0, silta_bench_hist_ms(&clat, 0.50),
           silta_bench_hist_ms(&clat, 0.99), silta_bench_hist_ms(&lat, 0.50),
           silta_bench_hist_ms(&lat, 0.99));
    fflush(stdout);
    return confirmed == (uint64_t)o->events && lost == 0;
}

int cmp_main(int argc, char **argv, const cmp_driver_t *d)
{
    cmp_opts_t o;
    if (argc > 1 && strcmp(argv[1], "--version") == 0) {
        printf("%s %s\n", d->name, SILTA_VERSION);
        return 0;
    }
    if (s_parse(d->name, argc, argv, &o) != 0)
        return 2;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = s_on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);

    size_t bits_len = (size_t)o.events / 8 + 1;
    size_t len = sizeof(cmp_shared_t) + (size_t)o.publishers * sizeof(cmp_pub_result_t) +
                 (size_t)o.consumers * sizeof(cmp_con_result_t) + bits_len;
    cmp_shared_t *sh = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (sh == MAP_FAILED) {
        fprintf(stderr, "%s: could not map shared memory: %s\n", d->name, strerror(errno));
        return 2;
    }
    sh->pub = (cmp_pub_result_t *)(sh + 1);
    sh->con = (cmp_con_result_t *)(sh->pub + o.publishers);
    sh->confirmed_bits = (uint8_t *)(sh->con + o.consumers);

    fprintf(stderr, "%s: events=%ld size=%ld publishers=%d consumers=%d window=%ld credit=%ld\n",
            d->name, o.events, o.size, o.publishers, o.consumers, o.window, o.credit);
    if (d->setup(&o) != 0) {
        munmap(sh, len);
        return 1;
    }
    s_children_t ch = {.n = 0, .failed = 0};
    int rc = 0;
    for (int i = 0; i < o.consumers; i++)
        s_spawn(&ch, d->con_run, &o, i, sh);
    /* Publish only into queues that have their consumer, or early events miss them. */
    if (s_wait(&o, sh, &ch, 0, s_consumers_ready) != 0 || !s_consumers_ready(&o, sh)) {
        fprintf(stderr, "%s: consumers did not start\n", d->name);
        rc = -1;
    }
    int pub_from = ch.n;
    if (rc == 0) {
        for (int i = 0; i < o.publishers; i++)
            s_spawn(&ch, d->pub_run, &o, i, sh);
        if (s_wait(&o, sh, &ch, pub_from, NULL) != 0)
            rc = -1;
    }
    if (rc == 0) {
        uint64_t confirmed = 0;
        for (int i = 0; i < o.publishers; i++)
            confirmed += sh->pub[i].confirmed;
        sh->expected = confirmed;
        __atomic_store_n(&sh->publishing_done, 1, __ATOMIC_RELEASE);
        if (s_wait(&o, sh, &ch, 0, NULL) != 0)
            rc = -1;
    }
    if (rc != 0)
        s_kill_all(&ch);
    int clean = s_report(d, &o, sh);
    munmap(sh, len);
    return rc == 0 && ch.failed == 0 && clean ? 0 : 1;
}
