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

#include "silta_client.h"
#include "silta_env.h"
#include "silta_log.h"
#include "silta_map.h"
#include "silta_time.h"
#include "silta_uuid.h"

#define S_TYPE "bench.event.v1"
#define S_HIST_BUCKETS 1280
#define S_SYNC_MS 5000 /* how long to wait for the hub to record a SUBSCRIBE */

typedef enum { S_BOTH, S_PUBLISH_ONLY, S_CONSUME_ONLY } s_mode_t;

typedef struct {
    long events;
    long size;
    int publishers;
    long clients;
    int consumers;
    long credit;
    long window;
    s_mode_t mode;
    long timeout_s;
    char ledger[4096];
    char key[4096];
} s_opts_t;

/* Latency histogram in microseconds: exact below 64, then 32 buckets per power
 * of two (about 3 % wide). Fixed size, so consumers' figures just add up. */
typedef struct {
    uint64_t n[S_HIST_BUCKETS];
    uint64_t total;
} s_hist_t;

typedef struct {
    uint64_t published; /* progress, updated as it goes */
    uint64_t confirmed;
    uint64_t nacked;
    int64_t start_us; /* realtime: first publish */
    int64_t end_us;   /* realtime: last CONFIRM or NACK */
    int done;
    s_hist_t confirm_latency;
} s_pub_result_t;

typedef struct {
    uint64_t delivered; /* progress, updated as it goes */
    uint64_t unique;
    uint64_t duplicates;
    uint64_t lost;
    uint64_t ledger_n;
    int checked; /* reached the end of its run: lost is meaningful */
    int ready;   /* the queue is recorded at the hub */
    int done;
    int64_t start_us; /* realtime: subscribed */
    int64_t last_us;  /* realtime: last delivery */
    s_hist_t latency;
} s_con_result_t;

typedef struct {
    int ledger_ready; /* set by the parent: publishing is over, read the ledger */
    int64_t ledger_ready_ms;
    s_pub_result_t *pub;
    s_con_result_t *con;
} s_shared_t;

static volatile sig_atomic_t s_interrupted = 0;

static void s_on_signal(int sig)
{
    (void)sig;
    s_interrupted = 1;
}

static int64_t s_real_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Shared counters are written by one child and read by the parent. */
static void s_store(uint64_t *p, uint64_t v)
{
    __atomic_store_n(p, v, __ATOMIC_RELAXED);
}

static uint64_t s_load(const uint64_t *p)
{
    return __atomic_load_n(p, __ATOMIC_RELAXED);
}

/* ------------------------------------------------------------------------ */
/* histogram                                                                 */

static void s_hist_add(s_hist_t *h, int64_t us)
{
    uint64_t v = us < 0 ? 0 : (uint64_t)us;
    size_t i;
    if (v < 64)
        i = (size_t)v;
    else {
        int msb = 63 - __builtin_clzll(v);
        int shift = msb - 5;
        i = 64 + (size_t)(shift - 1) * 32 + (size_t)((v >> shift) - 32);
    }
    if (i >= S_HIST_BUCKETS)
        i = S_HIST_BUCKETS - 1;
    h->n[i]++;
    h->total++;
}

static void s_hist_merge(s_hist_t *into, const s_hist_t *h)
{
    for (size_t i = 0; i < S_HIST_BUCKETS; i++)
        into->n[i] += h->n[i];
    into->total += h->total;
}

/* The q-quantile in milliseconds (bucket midpoint); 0 when empty. */
static double s_hist_ms(const s_hist_t *h, double q)
{
    if (h->total == 0)
        return 0;
    uint64_t rank = (uint64_t)(q * (double)h->total + 0.999999);
    if (rank < 1)
        rank = 1;
    uint64_t seen = 0;
    for (size_t i = 0; i < S_HIST_BUCKETS; i++) {
        seen += h->n[i];
        if (seen >= rank) {
            if (i < 64)
                return (double)i / 1000.0;
            int shift = (int)((i - 64) / 32) + 1;
            uint64_t lo = ((i - 64) % 32 + 32) << shift;
            return ((double)lo + (double)(1ULL << shift) / 2) / 1000.0;
        }
    }
    return 0;
}

/* ------------------------------------------------------------------------ */
/* clients                                                                   */

static silta_client_t *s_client(const s_opts_t *o, const char *name)
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

/* Has the hub recorded our SUBSCRIBE to queue? silta-hub echoes the SUBSCRIBE;
 * behind it we also send ACK(0), which any hub answers NACK(UNKNOWN) after
 * handling what came before. Either answer means the queue exists. */
typedef struct {
    int state; /* 0 waiting for the session, 1 probe sent, 2 attached */
    int64_t deadline_ms;
} s_sync_t;

static void s_sync_step(silta_client_t *c, const char *queue, s_sync_t *sync,
                        const silta_client_event_t *ev)
{
    if (sync->state == 2)
        return;
    if (ev->kind == SILTA_CLIENT_CONNECTED) {
        silta_client_ack(c, 0);
        sync->state = 1;
        sync->deadline_ms = silta_mono_ms() + S_SYNC_MS;
    } else if (ev->kind == SILTA_CLIENT_DISCONNECTED)
        sync->state = 0;
    else if (ev->kind == SILTA_CLIENT_NACK && ev->seq == 0 && sync->state == 1) {
        if (ev->code == SILTA__ERROR_CODE__UNKNOWN)
            sync->state = 2;
        else
            silta_error("subscribe refused", "consumer=%s code=%u reason=\"%s\"", queue, ev->code,
                        ev->reason ? ev->reason : "");
    }
    if (silta_client_attached(c, queue))
        sync->state = 2;
    if (sync->state == 1 && silta_mono_ms() > sync->deadline_ms) {
        silta_warn("no answer to the subscribe probe; going on", "consumer=%s", queue);
        sync->state = 2;
    }
}

/* --publish-only: make sure the queues exist so events wait for consumers. */
static int s_declare_queues(const s_opts_t *o)
{
    for (int i = 1; i <= o->consumers; i++) {
        char queue[64];
        snprintf(queue, sizeof queue, "bench-%d", i);
        silta_client_t *c = s_client(o, "silta-bench-declare");
        if (!c)
            return -1;
        const char *types[] = {S_TYPE};
        silta_client_subscribe(c, queue, types, 1, 0, NULL);
        s_sync_t sync = {0, 0};
        int64_t give_up = silta_mono_ms() + o->timeout_s * 1000;
        while (sync.state != 2 && silta_mono_ms() < give_up && !s_interrupted) {
            silta_client_event_t ev;
            if (silta_client_poll(c, 100, &ev) != 0)
                break;
            s_sync_step(c, queue, &sync, &ev);
        }
        silta_client_destroy(&c);
        if (sync.state != 2) {
            silta_error("could not declare the consumer queue", "consumer=%s", queue);
            return -1;
        }
    }
    return 0;
}

/* ------------------------------------------------------------------------ */
/* publisher                                                                 */

typedef struct {
    const s_opts_t *o;
    s_pub_result_t *r;
    silta_client_t *c;
    char (*ids)[SILTA_UUID_STRLEN + 1]; /* by seq - 1 */
    int64_t *sent_us;                   /* by seq - 1 */
    uint64_t n;                         /* this publisher's share */
    int ledger_fd;
    char buf[65536]; /* whole ledger lines, written with one write() each */
    size_t buf_len;
    int64_t last_progress_ms;
} s_pub_t;

static int s_ledger_flush(s_pub_t *p)
{
    /* One write() of whole lines on an O_APPEND file: publishers' lines do not
     * interleave. */
    if (p->buf_len && write(p->ledger_fd, p->buf, p->buf_len) != (ssize_t)p->buf_len) {
        silta_error("could not write the ledger", "reason=\"%s\"", strerror(errno));
        return -1;
    }
    p->buf_len = 0;
    return 0;
}

static void s_pub_event(s_pub_t *p, const silta_client_event_t *ev)
{
    if (ev->kind != SILTA_CLIENT_CONFIRM && ev->kind != SILTA_CLIENT_NACK)
        return;
    if (ev->seq == 0 || ev->seq > p->n) {
        if (ev->kind == SILTA_CLIENT_NACK)
            silta_warn("hub refused a packet", "code=%u reason=\"%s\"", ev->code,
                       ev->reason ? ev->reason : "");
        return;
    }
    int64_t now = s_real_us();
    p->r->end_us = now;
    p->last_progress_ms = silta_mono_ms();
    if (ev->kind == SILTA_CLIENT_NACK) {
        s_store(&p->r->nacked, p->r->nacked + 1);
        silta_warn("event refused", "event_id=%s code=%u reason=\"%s\"", p->ids[ev->seq - 1],
                   ev->code, ev->reason ? ev->reason : "");
        return;
    }
    s_hist_add(&p->r->confirm_latency, now - p->sent_us[ev->seq - 1]);
    if (p->buf_len + SILTA_UUID_STRLEN + 1 > sizeof p->buf)
        s_ledger_flush(p);
    memcpy(p->buf + p->buf_len, p->ids[ev->seq - 1], SILTA_UUID_STRLEN);
    p->buf[p->buf_len + SILTA_UUID_STRLEN] = '\n';
    p->buf_len += SILTA_UUID_STRLEN + 1;
    s_store(&p->r->confirmed, p->r->confirmed + 1);
}

/* Returns 0, or -1 when interrupted. */
static int s_pub_poll(s_pub_t *p, int timeout_ms)
{
    silta_client_event_t ev;
    do {
        if (silta_client_poll(p->c, timeout_ms, &ev) != 0)
            return -1;
        s_pub_event(p, &ev);
        timeout_ms = 0; /* then drain what is already there */
    } while (ev.kind != SILTA_CLIENT_NONE);
    return 0;
}

static int s_publisher(const s_opts_t *o, int index, s_pub_result_t *r)
{
    s_pub_t p;
    memset(&p, 0, sizeof p);
    p.o = o;
    p.r = r;
    p.n = (uint64_t)(o->events / o->publishers + (index < o->events % o->publishers ? 1 : 0));
    p.ids = calloc(p.n ? p.n : 1, sizeof *p.ids);
    p.sent_us = calloc(p.n ? p.n : 1, sizeof *p.sent_us);
    uint8_t *payload = calloc(1, (size_t)o->size + 8);
    p.ledger_fd = open(o->ledger, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    int rc = 1;
    if (!p.ids || !p.sent_us || !payload) {
        silta_error("out of memory", "events=%" PRIu64, p.n);
        goto done;
    }
    if (p.ledger_fd < 0) {
        silta_error("could not open the ledger", "path=%s reason=\"%s\"", o->ledger,
                    strerror(errno));
        goto done;
    }
    char name[64];
    snprintf(name, sizeof name, "silta-bench-pub-%d", index + 1);
    p.c = s_client(o, name);
    if (!p.c)
        goto done;
    memset(payload, 'x', (size_t)o->size);

    silta_envelope_t e;
    silta__envelope__init(&e);
    char client_key[64], id[SILTA_UUID_STRLEN + 1];
    e.type = S_TYPE;
    e.client_key = client_key;
    e.event_id = id;
    e.payload_type = "application/octet-stream";
    e.payload.data = payload;
    e.payload.len = (size_t)o->size;

    r->start_us = s_real_us();
    p.last_progress_ms = silta_mono_ms();
    uint64_t sent = 0;
    while (sent < p.n || silta_client_unconfirmed(p.c) > 0) {
        if (s_interrupted)
            goto done;
        if (silta_mono_ms() - p.last_progress_ms > o->timeout_s * 1000) {
            silta_error("publishing made no progress; giving up", "timeout_s=%ld unconfirmed=%zu",
                        o->timeout_s, silta_client_unconfirmed(p.c));
            break;
        }
        if (sent == p.n) {
            if (s_pub_poll(&p, 100) != 0)
                goto done;
            continue;
        }
        /* Spread the events over K clients, the same way in every publisher. */
        uint64_t global = sent * (uint64_t)o->publishers + (uint64_t)index;
        snprintf(client_key, sizeof client_key, "bench-client-%" PRIu64,
                 global % (uint64_t)o->clients + 1);
        silta_uuid_v7(id);
        int64_t now_us = s_real_us();
        if (o->size >= 8)
            memcpy(payload, &now_us, sizeof now_us);
        e.occurred_at = now_us / 1000;
        uint64_t seq = 0;
        silta_err_t err;
        int prc = silta_client_publish(p.c, &e, &seq, &err);
        if (prc == SILTA_EAGAIN) {
            if (s_pub_poll(&p, 100) != 0)
                goto done;
            continue;
        }
        if (prc != 0) {
            silta_error("could not publish", "reason=\"%s\"", err.msg);
            goto done;
        }
        if (seq == 0 || seq > p.n) {
            silta_error("unexpected seq from the client", "seq=%" PRIu64, seq);
            goto done;
        }
        memcpy(p.ids[seq - 1], id, sizeof id);
        p.sent_us[seq - 1] = now_us;
        sent++;
        s_store(&r->published, sent);
        if (sent % 64 == 0 && s_pub_poll(&p, 0) != 0)
            goto done;
    }
    rc = s_ledger_flush(&p) == 0 ? 0 : 1;
done:
    if (p.ledger_fd >= 0) {
        if (rc != 0)
            s_ledger_flush(&p); /* what was confirmed stays confirmed */
        close(p.ledger_fd);
    }
    silta_client_destroy(&p.c);
    free(p.ids);
    free(p.sent_us);
    free(payload);
    r->done = 1;
    return rc;
}

/* ------------------------------------------------------------------------ */
/* consumer                                                                  */

typedef struct {
    silta_map_t *seen;   /* every event_id delivered */
    silta_map_t *ledger; /* the confirmed ids, once known */
    uint64_t ledger_seen;
} s_con_t;

static int s_ledger_load(const char *path, s_con_t *c, silta_err_t *err)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return silta_err_set(err, SILTA_ERR, "could not open the ledger %s: %s", path,
                             strerror(errno));
    c->ledger = silta_map_new();
    char line[128];
    int rc = c->ledger ? SILTA_OK : silta_err_set(err, SILTA_ERR, "out of memory");
    while (rc == 0 && fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = '\0';
        if (!silta_uuid_valid(line))
            continue;
        if (silta_map_get(c->ledger, line, SILTA_UUID_STRLEN))
            continue; /* listed twice */
        if (silta_map_put(c->ledger, line, SILTA_UUID_STRLEN, (void *)1) != 0)
            rc = silta_err_set(err, SILTA_ERR, "out of memory");
        else if (silta_map_get(c->seen, line, SILTA_UUID_STRLEN))
            c->ledger_seen++; /* delivered before the ledger was known */
    }
    fclose(f);
    return rc;
}

static int s_consumer(const s_opts_t *o, int index, s_shared_t *sh)
{
    s_con_result_t *r = &sh->con[index];
    char queue[32], name[64];
    snprintf(queue, sizeof queue, "bench-%d", index + 1);
    snprintf(name, sizeof name, "silta-bench-%s", queue);
    s_con_t c = {silta_map_new(), NULL, 0};
    silta_client_t *client = c.seen ? s_client(o, name) : NULL;
    int rc = 1;
    if (!client)
        goto done;
    const char *types[] = {S_TYPE};
    silta_err_t err;
    if (silta_client_subscribe(client, queue, types, 1, (uint32_t)o->credit, &err) != 0) {
        silta_error("could not subscribe", "consumer=%s reason=\"%s\"", queue, err.msg);
        goto done;
    }
    pid_t parent = getppid();
    s_sync_t sync = {0, 0};
    int64_t ready_deadline = silta_mono_ms() + o->timeout_s * 1000;
    r->start_us = s_real_us();
    for (;;) {
        if (s_interrupted || getppid() != parent)
            goto done;
        int64_t now = silta_mono_ms();
        if (!c.ledger && __atomic_load_n(&sh->ledger_ready, __ATOMIC_ACQUIRE)) {
            if (s_ledger_load(o->ledger, &c, &err) != 0) {
                silta_error("could not read the ledger", "reason=\"%s\"", err.msg);
                goto done;
            }
            s_store(&r->ledger_n, silta_map_size(c.ledger));
        }
        if (c.ledger && c.ledger_seen == silta_map_size(c.ledger))
            break; /* every confirmed event arrived */
        if (c.ledger && now - sh->ledger_ready_ms > o->timeout_s * 1000) {
            silta_warn("consume timeout", "consumer=%s missing=%" PRIu64, queue,
                       (uint64_t)silta_map_size(c.ledger) - c.ledger_seen);
            break;
        }
        if (!r->ready && now > ready_deadline) {
            silta_error("the hub did not take the subscription", "consumer=%s", queue);
            goto done;
        }
        silta_client_event_t ev;
        if (silta_client_poll(client, 100, &ev) != 0)
            goto done;
        s_sync_step(client, queue, &sync, &ev);
        if (sync.state == 2 && !r->ready) {
            r->start_us = s_real_us();
            __atomic_store_n(&r->ready, 1, __ATOMIC_RELEASE);
        }
        if (ev.kind != SILTA_CLIENT_DELIVER)
            continue;
        int64_t now_us = s_real_us();
        silta_client_ack(client, ev.delivery_id);
        s_store(&r->delivered, r->delivered + 1);
        r->last_us = now_us;
        const silta_envelope_t *e = ev.event;
        if (e->payload.len >= 8 && strcmp(e->type, S_TYPE) == 0) {
            int64_t sent_us;
            memcpy(&sent_us, e->payload.data, sizeof sent_us);
            s_hist_add(&r->latency, now_us - sent_us);
        }
        size_t idlen = strlen(e->event_id);
        if (silta_map_get(c.seen, e->event_id, idlen)) {
            s_store(&r->duplicates, r->duplicates + 1);
            continue;
        }
        if (silta_map_put(c.seen, e->event_id, idlen, (void *)1) != 0) {
            silta_error("out of memory", "consumer=%s", queue);
            goto done;
        }
        s_store(&r->unique, r->unique + 1);
        if (c.ledger && silta_map_get(c.ledger, e->event_id, idlen))
            c.ledger_seen++;
    }
    r->lost = silta_map_size(c.ledger) - c.ledger_seen;
    r->checked = 1;
    rc = 0;
done:
    silta_client_destroy(&client); /* lingers briefly so the last ACKs leave */
    silta_map_destroy(&c.seen, NULL);
    silta_map_destroy(&c.ledger, NULL);
    __atomic_store_n(&r->done, 1, __ATOMIC_RELEASE);
    return rc;
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

static int s_parse(int argc, char **argv, s_opts_t *o)
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
    o->mode = publish_only ? S_PUBLISH_ONLY : consume_only ? S_CONSUME_ONLY : S_BOTH;
    if (o->mode == S_CONSUME_ONLY && o->consumers < 1) {
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
static void s_pick_key(s_opts_t *o)
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

static pid_t s_spawn(s_children_t *ch, int (*fn)(const s_opts_t *, int, void *), const s_opts_t *o,
                     int index, void *arg)
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

static int s_run_publisher(const s_opts_t *o, int index, void *arg)
{
    s_shared_t *sh = arg;
    return s_publisher(o, index, &sh->pub[index]);
}

static int s_run_consumer(const s_opts_t *o, int index, void *arg)
{
    return s_consumer(o, index, arg);
}

static void s_progress(const s_opts_t *o, const s_shared_t *sh)
{
    uint64_t pub = 0, conf = 0, del = 0;
    for (int i = 0; i < o->publishers; i++) {
        pub += s_load(&sh->pub[i].published);
        conf += s_load(&sh->pub[i].confirmed);
    }
    for (int i = 0; i < o->consumers; i++)
        del += s_load(&sh->con[i].delivered);
    if (o->mode == S_CONSUME_ONLY)
        fprintf(stderr, "silta-bench: delivered=%" PRIu64 "\n", del);
    else
        fprintf(stderr,
                "silta-bench: published=%" PRIu64 " confirmed=%" PRIu64 " delivered=%" PRIu64 "\n",
                pub, conf, del);
}

/* Wait for the children in [from, ch->n) to exit, printing progress once a
 * second; stop waiting early when until() says so. Returns -1 on interrupt. */
static int s_wait(const s_opts_t *o, s_shared_t *sh, s_children_t *ch, int from,
                  int (*until)(const s_opts_t *, const s_shared_t *))
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
        if (s_interrupted)
            return -1;
        if (silta_mono_ms() >= next_progress) {
            s_progress(o, sh);
            next_progress += 1000;
        }
        poll(NULL, 0, 50);
    }
}

static int s_consumers_ready(const s_opts_t *o, const s_shared_t *sh)
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

static size_t s_count_lines(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    size_t n = 0;
    char line[128];
    while (fgets(line, sizeof line, f))
        if (strlen(line) >= SILTA_UUID_STRLEN)
            n++;
    fclose(f);
    return n;
}

int main(int argc, char **argv)
{
    silta_log_init("silta-bench");
    s_opts_t o;
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
    if (o.mode == S_BOTH) {
        snprintf(tmpdir, sizeof tmpdir, "/tmp/silta-bench-XXXXXX");
        if (!mkdtemp(tmpdir)) {
            silta_error("could not create a temporary folder", "reason=\"%s\"", strerror(errno));
            return 2;
        }
        snprintf(o.ledger, sizeof o.ledger, "%s/ledger", tmpdir);
    } else if (!o.ledger[0])
        snprintf(o.ledger, sizeof o.ledger, "%s/bench/ledger", silta_env_home());
    if (o.mode != S_CONSUME_ONLY) {
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
    if (o.mode == S_CONSUME_ONLY)
        o.publishers = 0;

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = s_on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);

    size_t shared_len = sizeof(s_shared_t) + (size_t)o.publishers * sizeof(s_pub_result_t) +
                        (size_t)o.consumers * sizeof(s_con_result_t);
    s_shared_t *sh =
        mmap(NULL, shared_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (sh == MAP_FAILED) {
        silta_error("could not map shared memory", "reason=\"%s\"", strerror(errno));
        return 2;
    }
    sh->pub = (s_pub_result_t *)(sh + 1);
    sh->con = (s_con_result_t *)(sh->pub + o.publishers);
    s_children_t ch = {calloc((size_t)(o.publishers + o.consumers + 1), sizeof(pid_t)), 0, 0};
    if (!ch.pids)
        return 2;

    int rc = 0;
    fprintf(stderr,
            "silta-bench: mode=%s events=%ld size=%ld publishers=%d consumers=%d "
            "clients=%ld credit=%ld window=%ld ledger=%s\n",
            o.mode == S_BOTH           ? "publish+consume"
            : o.mode == S_PUBLISH_ONLY ? "publish-only"
                                       : "consume-only",
            o.events, o.size, o.publishers, o.consumers, o.clients, o.credit, o.window, o.ledger);

    if (o.mode == S_PUBLISH_ONLY && s_declare_queues(&o) != 0)
        rc = -1;
    if (rc == 0 && o.mode != S_PUBLISH_ONLY) {
        if (o.mode == S_CONSUME_ONLY) {
            sh->ledger_ready_ms = silta_mono_ms();
            __atomic_store_n(&sh->ledger_ready, 1, __ATOMIC_RELEASE);
        }
        for (int i = 0; i < o.consumers; i++)
            s_spawn(&ch, s_run_consumer, &o, i, sh);
        if (o.mode == S_BOTH) {
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
    if (rc == 0 && o.mode != S_CONSUME_ONLY) {
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

    /* figures */
    uint64_t confirmed = 0, nacked = 0, delivered = 0, unique = 0, dups = 0, lost = 0;
    int64_t pub_start = INT64_MAX, pub_end = 0, con_start = INT64_MAX, con_end = 0;
    s_hist_t lat_buf, clat_buf; /* 10 KiB each: fine on the stack */
    memset(&lat_buf, 0, sizeof lat_buf);
    memset(&clat_buf, 0, sizeof clat_buf);
    s_hist_t *lat = &lat_buf, *clat = &clat_buf;
    for (int i = 0; i < o.publishers; i++) {
        s_pub_result_t *r = &sh->pub[i];
        confirmed += r->confirmed;
        nacked += r->nacked;
        if (r->start_us && r->start_us < pub_start)
            pub_start = r->start_us;
        if (r->end_us > pub_end)
            pub_end = r->end_us;
        s_hist_merge(clat, &r->confirm_latency);
        if (!r->done)
            ch.failed++;
    }
    /* What every consumer should have received: the confirmed ids. */
    uint64_t expected = o.mode == S_CONSUME_ONLY ? s_count_lines(o.ledger) : confirmed;
    int consumers_run = o.mode == S_PUBLISH_ONLY ? 0 : o.consumers;
    for (int i = 0; i < consumers_run; i++) {
        s_con_result_t *r = &sh->con[i];
        delivered += r->delivered;
        unique += r->unique;
        dups += r->duplicates;
        if (r->checked)
            expected = r->ledger_n;
        /* a consumer that failed before its check proved nothing: count it all lost */
        lost += r->checked ? r->lost : expected;
        if (r->start_us && r->start_us < con_start)
            con_start = r->start_us;
        if (r->last_us > con_end)
            con_end = r->last_us;
        s_hist_merge(lat, &r->latency);
        printf("consumer bench-%d: delivered=%" PRIu64 " unique=%" PRIu64 " duplicates=%" PRIu64
               " lost=%" PRIu64 "\n",
               i + 1, r->delivered, r->unique, r->duplicates, r->lost);
    }
    uint64_t events = (uint64_t)o.events;
    if (o.mode == S_CONSUME_ONLY)
        events = confirmed = expected;
    double rate = 0;
    if (o.mode == S_CONSUME_ONLY) {
        if (con_end > con_start)
            rate = (double)delivered * 1e6 / (double)(con_end - con_start);
    } else if (pub_end > pub_start)
        rate = (double)confirmed * 1e6 / (double)(pub_end - pub_start);
    if (o.mode != S_CONSUME_ONLY)
        printf("publish: confirmed=%" PRIu64 " nacked=%" PRIu64 " confirm_p50_ms=%.2f "
               "confirm_p99_ms=%.2f seconds=%.2f\n",
               confirmed, nacked, s_hist_ms(clat, 0.50), s_hist_ms(clat, 0.99),
               pub_end > pub_start ? (double)(pub_end - pub_start) / 1e6 : 0.0);
    if (o.mode == S_PUBLISH_ONLY)
        printf("ledger: %s (%zu ids)\n", o.ledger, s_count_lines(o.ledger));
    printf("events=%" PRIu64 " confirmed=%" PRIu64 " delivered=%" PRIu64 " unique=%" PRIu64
           " lost=%" PRIu64 " duplicates=%" PRIu64 " rate=%.0f/s p50_ms=%.2f p99_ms=%.2f\n",
           events, confirmed, delivered, unique, lost, dups, rate, s_hist_ms(lat, 0.50),
           s_hist_ms(lat, 0.99));
    fflush(stdout);

    int ok = rc == 0 && ch.failed == 0 && lost == 0 &&
             (o.mode == S_CONSUME_ONLY || confirmed == (uint64_t)o.events);
    if (o.mode == S_CONSUME_ONLY && ok) {
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
