/*  silta_bench_pub.c - silta-bench's publisher process: its share of the
 *  events, published with confirms; every CONFIRMed event_id goes to the ledger.
 *
 *  It does not check delivery (silta_bench_con.c does) and does not print the
 *  figures (silta_bench_report.c does); its results go to shared memory.
 */
#include "silta_bench.h"
#include "silta_log.h"
#include "silta_time.h"
#include "silta_uuid.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct {
    const silta_bench_opts_t *o;
    silta_bench_pub_result_t *r;
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
    int64_t now = silta_bench_real_us();
    p->r->end_us = now;
    p->last_progress_ms = silta_mono_ms();
    if (ev->kind == SILTA_CLIENT_NACK) {
        silta_bench_store(&p->r->nacked, p->r->nacked + 1);
        silta_warn("event refused", "event_id=%s code=%u reason=\"%s\"", p->ids[ev->seq - 1],
                   ev->code, ev->reason ? ev->reason : "");
        return;
    }
    silta_bench_hist_add(&p->r->confirm_latency, now - p->sent_us[ev->seq - 1]);
    if (p->buf_len + SILTA_UUID_STRLEN + 1 > sizeof p->buf)
        s_ledger_flush(p);
    memcpy(p->buf + p->buf_len, p->ids[ev->seq - 1], SILTA_UUID_STRLEN);
    p->buf[p->buf_len + SILTA_UUID_STRLEN] = '\n';
    p->buf_len += SILTA_UUID_STRLEN + 1;
    silta_bench_store(&p->r->confirmed, p->r->confirmed + 1);
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

int silta_bench_pub_run(const silta_bench_opts_t *o, int index, silta_bench_pub_result_t *r)
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
    p.c = silta_bench_client(o, name);
    if (!p.c)
        goto done;
    memset(payload, 'x', (size_t)o->size);

    silta_envelope_t e;
    silta__envelope__init(&e);
    char client_key[64], id[SILTA_UUID_STRLEN + 1];
    e.type = SILTA_BENCH_TYPE;
    e.client_key = client_key;
    e.event_id = id;
    e.payload_type = "application/octet-stream";
    e.payload.data = payload;
    e.payload.len = (size_t)o->size;

    r->start_us = silta_bench_real_us();
    p.last_progress_ms = silta_mono_ms();
    uint64_t sent = 0;
    while (sent < p.n || silta_client_unconfirmed(p.c) > 0) {
        if (silta_bench_interrupted)
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
        /* --rate: event `sent` of this publisher is due at start + sent * P / R
         * seconds; wait for it in poll (which takes the confirms meanwhile),
         * a millisecond at least, so a paced publisher does not spin. */
        if (o->rate > 0) {
            int64_t due_us = r->start_us +
                             (int64_t)((double)sent * (double)o->publishers * 1e6 / (double)o->rate);
            int64_t wait_us = due_us - silta_bench_real_us();
            if (wait_us > 0) {
                if (s_pub_poll(&p, (int)((wait_us + 999) / 1000)) != 0)
                    goto done;
                continue;
            }
        }
        /* Spread the events over K clients, the same way in every publisher. */
        uint64_t global = sent * (uint64_t)o->publishers + (uint64_t)index;
        snprintf(client_key, sizeof client_key, "bench-client-%" PRIu64,
                 global % (uint64_t)o->clients + 1);
        silta_uuid_v7(id);
        int64_t now_us = silta_bench_real_us();
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
        silta_bench_store(&r->published, sent);
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
