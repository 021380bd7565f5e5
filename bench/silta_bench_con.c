/*  silta_bench_con.c - silta-bench's consumer process and loss check: drain
 *  queue bench-<i>, ACK everything, and count what of the ledger never arrived.
 *
 *  Also declares the queues for --publish-only. It does not publish and does
 *  not print the figures; its results go to shared memory.
 */
#include "silta_bench.h"
#include "silta_log.h"
#include "silta_map.h"
#include "silta_time.h"
#include "silta_uuid.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define S_SYNC_MS 5000 /* how long to wait for the hub to record a SUBSCRIBE */

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
int silta_bench_con_declare_queues(const silta_bench_opts_t *o)
{
    for (int i = 1; i <= o->consumers; i++) {
        char queue[64];
        snprintf(queue, sizeof queue, "bench-%d", i);
        silta_client_t *c = silta_bench_client(o, "silta-bench-declare");
        if (!c)
            return -1;
        const char *types[] = {SILTA_BENCH_TYPE};
        silta_client_subscribe(c, queue, types, 1, 0, NULL);
        s_sync_t sync = {0, 0};
        int64_t give_up = silta_mono_ms() + o->timeout_s * 1000;
        while (sync.state != 2 && silta_mono_ms() < give_up && !silta_bench_interrupted) {
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

int silta_bench_con_run(const silta_bench_opts_t *o, int index, silta_bench_shared_t *sh)
{
    silta_bench_con_result_t *r = &sh->con[index];
    char queue[32], name[64];
    snprintf(queue, sizeof queue, "bench-%d", index + 1);
    snprintf(name, sizeof name, "silta-bench-%s", queue);
    s_con_t c = {silta_map_new(), NULL, 0};
    silta_client_t *client = c.seen ? silta_bench_client(o, name) : NULL;
    int rc = 1;
    if (!client)
        goto done;
    const char *types[] = {SILTA_BENCH_TYPE};
    silta_err_t err;
    if (silta_client_subscribe(client, queue, types, 1, (uint32_t)o->credit, &err) != 0) {
        silta_error("could not subscribe", "consumer=%s reason=\"%s\"", queue, err.msg);
        goto done;
    }
    pid_t parent = getppid();
    s_sync_t sync = {0, 0};
    int64_t ready_deadline = silta_mono_ms() + o->timeout_s * 1000;
    r->start_us = silta_bench_real_us();
    for (;;) {
        if (silta_bench_interrupted || getppid() != parent)
            goto done;
        int64_t now = silta_mono_ms();
        if (!c.ledger && __atomic_load_n(&sh->ledger_ready, __ATOMIC_ACQUIRE)) {
            if (s_ledger_load(o->ledger, &c, &err) != 0) {
                silta_error("could not read the ledger", "reason=\"%s\"", err.msg);
                goto done;
            }
            silta_bench_store(&r->ledger_n, silta_map_size(c.ledger));
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
            r->start_us = silta_bench_real_us();
            __atomic_store_n(&r->ready, 1, __ATOMIC_RELEASE);
        }
        if (ev.kind != SILTA_CLIENT_DELIVER)
            continue;
        int64_t now_us = silta_bench_real_us();
        silta_client_ack(client, ev.delivery_id);
        silta_bench_store(&r->delivered, r->delivered + 1);
        if (!__atomic_load_n(&sh->ledger_ready, __ATOMIC_ACQUIRE))
            r->delivered_publishing++;
        r->last_us = now_us;
        const silta_envelope_t *e = ev.event;
        if (e->payload.len >= 8 && strcmp(e->type, SILTA_BENCH_TYPE) == 0) {
            int64_t sent_us;
            memcpy(&sent_us, e->payload.data, sizeof sent_us);
            silta_bench_hist_add(&r->latency, now_us - sent_us);
        }
        size_t idlen = strlen(e->event_id);
        if (silta_map_get(c.seen, e->event_id, idlen)) {
            silta_bench_store(&r->duplicates, r->duplicates + 1);
            continue;
        }
        if (silta_map_put(c.seen, e->event_id, idlen, (void *)1) != 0) {
            silta_error("out of memory", "consumer=%s", queue);
            goto done;
        }
        silta_bench_store(&r->unique, r->unique + 1);
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
