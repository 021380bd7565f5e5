/*  rmq_bench.c - rmq-bench: silta-bench's run against RabbitMQ, on librabbitmq,
 *  for `make bench`'s side-by-side comparison (bench/README.md).
 *
 *    rmq-bench [options] HOST:PORT     guest/guest, vhost /
 *
 *  The same guarantee as Silta's: a fanout exchange `silta-cmp` (durable) to
 *  durable queues cmp-1..cmp-C, one per consumer; persistent messages
 *  (delivery_mode 2) published under publisher confirms (confirm.select), each
 *  publisher keeping at most --window unconfirmed; consumers with prefetch
 *  --credit and a manual basic.ack per delivery, as silta-bench ACKs each one.
 *  The harness (bench/cmp/cmp_bench.c) forks the processes, checks that every
 *  confirmed message reached every consumer and prints the figures.
 *
 *  Publisher window, per channel (delivery tags are the publish sequence 1, 2, ...):
 *
 *    acked ──────────── next
 *      │ sent, waiting │  slot[seq % window]: send time, confirmed flag
 *    ack/nack (single or multiple) marks slots; acked moves over marked slots
 *
 *  Built by `make bench` only (CI has no librabbitmq). It does not start or
 *  stop the broker: bench/run does.
 */
#include <amqp.h>
#include <amqp_tcp_socket.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmp_bench.h"

#define S_EXCHANGE "silta-cmp"
#define S_CHANNEL 1
#define S_MAX_QUEUES 16 /* the harness allows --consumers up to 16 */

/* Print what went wrong with a synchronous AMQP call; 0 when it did not. */
static int s_check(amqp_rpc_reply_t r, const char *what)
{
    if (r.reply_type == AMQP_RESPONSE_NORMAL)
        return 0;
    if (r.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION)
        fprintf(stderr, "rmq-bench: %s: %s\n", what, amqp_error_string2(r.library_error));
    else if (r.reply.id == AMQP_CONNECTION_CLOSE_METHOD) {
        const amqp_connection_close_t *m = r.reply.decoded;
        fprintf(stderr, "rmq-bench: %s: connection closed: %u %.*s\n", what, m->reply_code,
                (int)m->reply_text.len, (const char *)m->reply_text.bytes);
    } else if (r.reply.id == AMQP_CHANNEL_CLOSE_METHOD) {
        const amqp_channel_close_t *m = r.reply.decoded;
        fprintf(stderr, "rmq-bench: %s: channel closed: %u %.*s\n", what, m->reply_code,
                (int)m->reply_text.len, (const char *)m->reply_text.bytes);
    } else
        fprintf(stderr, "rmq-bench: %s: unexpected reply 0x%08x\n", what, r.reply.id);
    return -1;
}

/* Open a connection with channel S_CHANNEL to HOST:PORT; NULL (said why) on failure. */
static amqp_connection_state_t s_connect(const cmp_opts_t *o)
{
    char host[256];
    snprintf(host, sizeof host, "%s", o->target);
    char *colon = strrchr(host, ':');
    int port = colon ? atoi(colon + 1) : 0;
    if (!colon || port <= 0 || port > 65535) {
        fprintf(stderr, "rmq-bench: want HOST:PORT, not '%s'\n", o->target);
        return NULL;
    }
    *colon = '\0';
    amqp_connection_state_t conn = amqp_new_connection();
    amqp_socket_t *sock = conn ? amqp_tcp_socket_new(conn) : NULL;
    struct timeval tv = {.tv_sec = 10, .tv_usec = 0};
    int st = sock ? amqp_socket_open_noblock(sock, host, port, &tv) : AMQP_STATUS_NO_MEMORY;
    if (st != AMQP_STATUS_OK) {
        fprintf(stderr, "rmq-bench: could not connect to %s: %s\n", o->target,
                amqp_error_string2(st));
        if (conn)
            amqp_destroy_connection(conn);
        return NULL;
    }
    if (s_check(amqp_login(conn, "/", 0, 131072, 0, AMQP_SASL_METHOD_PLAIN, "guest", "guest"),
                "login") != 0 ||
        (amqp_channel_open(conn, S_CHANNEL), s_check(amqp_get_rpc_reply(conn), "channel")) != 0) {
        amqp_destroy_connection(conn);
        return NULL;
    }
    return conn;
}

static void s_close(amqp_connection_state_t conn)
{
    amqp_channel_close(conn, S_CHANNEL, AMQP_REPLY_SUCCESS);
    amqp_connection_close(conn, AMQP_REPLY_SUCCESS);
    amqp_destroy_connection(conn);
}

static void s_queue_name(char *buf, size_t len, int index)
{
    snprintf(buf, len, "cmp-%d", index + 1);
}

/* An empty topology: the exchange and every cmp-N queue of an earlier run go
 * (a queue left bound would take copies nobody reads), then the exchange and
 * this run's queues are declared and bound afresh. */
static int s_setup(const cmp_opts_t *o)
{
    amqp_connection_state_t conn = s_connect(o);
    if (!conn)
        return -1;
    int rc = 0;
    char q[32];
    for (int i = 0; i < S_MAX_QUEUES && rc == 0; i++) {
        s_queue_name(q, sizeof q, i);
        amqp_queue_delete(conn, S_CHANNEL, amqp_cstring_bytes(q), 0, 0);
        rc = s_check(amqp_get_rpc_reply(conn), "queue.delete");
    }
    if (rc == 0) {
        amqp_exchange_delete(conn, S_CHANNEL, amqp_cstring_bytes(S_EXCHANGE), 0);
        rc = s_check(amqp_get_rpc_reply(conn), "exchange.delete");
    }
    if (rc == 0) {
        amqp_exchange_declare(conn, S_CHANNEL, amqp_cstring_bytes(S_EXCHANGE),
                              amqp_cstring_bytes("fanout"), 0, 1, 0, 0, amqp_empty_table);
        rc = s_check(amqp_get_rpc_reply(conn), "exchange.declare");
    }
    for (int i = 0; i < o->consumers && rc == 0; i++) {
        s_queue_name(q, sizeof q, i);
        amqp_queue_declare(conn, S_CHANNEL, amqp_cstring_bytes(q), 0, 1, 0, 0, amqp_empty_table);
        rc = s_check(amqp_get_rpc_reply(conn), "queue.declare");
        if (rc == 0) {
            amqp_queue_bind(conn, S_CHANNEL, amqp_cstring_bytes(q), amqp_cstring_bytes(S_EXCHANGE),
                            amqp_empty_bytes, amqp_empty_table);
            rc = s_check(amqp_get_rpc_reply(conn), "queue.bind");
        }
    }
    s_close(conn);
    return rc;
}

/* ------------------------------------------------------------------------ */
/* publisher                                                                 */

typedef struct {
    int64_t *sent_us; /* [window] by seq % window */
    uint8_t *done;    /* [window] 1 once acked or nacked */
    uint64_t window;
    uint64_t first_id;
    uint64_t next; /* delivery tags 1..next-1 are sent */
    uint64_t acked; /* tags 1..acked are acked or nacked */
} s_window_t;

static void s_mark(cmp_shared_t *sh, int index, s_window_t *w, uint64_t tag, int ok)
{
    if (tag <= w->acked || tag >= w->next)
        return; /* not outstanding: already handled, or the broker's error */
    uint64_t slot = tag % w->window;
    if (w->done[slot])
        return;
    w->done[slot] = 1;
    if (ok)
        cmp_pub_confirmed(sh, index, w->first_id + tag - 1, w->sent_us[slot]);
    else
        sh->pub[index].nacked++;
}

/* Read one frame if there is one within timeout_ms; -1 on a connection error. */
static int s_read_confirms(amqp_connection_state_t conn, cmp_shared_t *sh, int index,
                           s_window_t *w, int timeout_ms)
{
    amqp_frame_t f;
    struct timeval tv = {.tv_sec = timeout_ms / 1000, .tv_usec = (timeout_ms % 1000) * 1000};
    int st = amqp_simple_wait_frame_noblock(conn, &f, &tv);
    if (st == AMQP_STATUS_TIMEOUT)
        return 0;
    if (st != AMQP_STATUS_OK) {
        fprintf(stderr, "rmq-bench: publisher %d: %s\n", index + 1, amqp_error_string2(st));
        return -1;
    }
    if (f.frame_type != AMQP_FRAME_METHOD)
        return 0;
    uint64_t tag;
    int multiple, ok;
    if (f.payload.method.id == AMQP_BASIC_ACK_METHOD) {
        const amqp_basic_ack_t *a = f.payload.method.decoded;
        tag = a->delivery_tag, multiple = a->multiple, ok = 1;
    } else if (f.payload.method.id == AMQP_BASIC_NACK_METHOD) {
        const amqp_basic_nack_t *n = f.payload.method.decoded;
        tag = n->delivery_tag, multiple = n->multiple, ok = 0;
    } else {
        fprintf(stderr, "rmq-bench: publisher %d: unexpected method 0x%08x\n", index + 1,
                f.payload.method.id);
        return -1;
    }
    if (multiple)
        for (uint64_t t = w->acked + 1; t <= tag && t < w->next; t++)
            s_mark(sh, index, w, t, ok);
    else
        s_mark(sh, index, w, tag, ok);
    while (w->acked + 1 < w->next && w->done[(w->acked + 1) % w->window]) {
        w->acked++;
        w->done[w->acked % w->window] = 0;
    }
    amqp_maybe_release_buffers(conn);
    return 0;
}

static int s_pub_run(const cmp_opts_t *o, int index, cmp_shared_t *sh)
{
    uint64_t count;
    s_window_t w = {.window = (uint64_t)o->window, .next = 1, .acked = 0};
    cmp_pub_range(o, index, &w.first_id, &count);
    w.sent_us = calloc(w.window, sizeof *w.sent_us);
    w.done = calloc(w.window, 1);
    uint8_t *buf = malloc((size_t)o->size);
    amqp_connection_state_t conn = NULL;
    int rc = 1;
    if (!w.sent_us || !w.done || !buf)
        goto out;
    memset(buf, 'x', (size_t)o->size);
    conn = s_connect(o);
    if (!conn)
        goto out;
    amqp_confirm_select(conn, S_CHANNEL);
    if (s_check(amqp_get_rpc_reply(conn), "confirm.select") != 0)
        goto out;
    amqp_basic_properties_t props = {._flags = AMQP_BASIC_DELIVERY_MODE_FLAG,
                                     .delivery_mode = AMQP_DELIVERY_PERSISTENT};
    amqp_bytes_t body = {.len = (size_t)o->size, .bytes = buf};
    struct pollfd pfd = {.fd = amqp_get_sockfd(conn), .events = POLLIN};
    int64_t last_progress = cmp_mono_ms();
    sh->pub[index].start_us = cmp_real_us();
    while (w.acked < count && !cmp_interrupted) {
        uint64_t before = w.acked;
        if (w.next <= count && w.next - 1 - w.acked < w.window) {
            cmp_payload_stamp(buf, w.first_id + w.next - 1);
            w.sent_us[w.next % w.window] = cmp_real_us();
            int st = amqp_basic_publish(conn, S_CHANNEL, amqp_cstring_bytes(S_EXCHANGE),
                                        amqp_empty_bytes, 0, 0, &props, body);
            if (st != AMQP_STATUS_OK) {
                fprintf(stderr, "rmq-bench: publish: %s\n", amqp_error_string2(st));
                goto out;
            }
            w.next++;
            __atomic_store_n(&sh->pub[index].published, w.next - 1, __ATOMIC_RELAXED);
            /* Confirms already here are read now, so their latency is not inflated. */
            if (!amqp_frames_enqueued(conn) && !amqp_data_in_buffer(conn) &&
                poll(&pfd, 1, 0) <= 0)
                continue;
            if (s_read_confirms(conn, sh, index, &w, 0) != 0)
                goto out;
        } else if (s_read_confirms(conn, sh, index, &w, 200) != 0)
            goto out;
        if (w.acked != before)
            last_progress = cmp_mono_ms();
        else if (cmp_mono_ms() - last_progress > o->timeout_s * 1000) {
            fprintf(stderr, "rmq-bench: publisher %d: no confirm for %lds\n", index + 1,
                    o->timeout_s);
            goto out;
        }
    }
    rc = w.acked == count ? 0 : 1;
    sh->pub[index].done = rc == 0;
out:
    if (conn)
        s_close(conn);
    free(buf);
    free(w.done);
    free(w.sent_us);
    return rc;
}

/* ------------------------------------------------------------------------ */
/* consumer                                                                  */

static int s_con_run(const cmp_opts_t *o, int index, cmp_shared_t *sh)
{
    cmp_seen_t seen;
    if (cmp_seen_init(o, &seen) != 0)
        return 1;
    amqp_connection_state_t conn = s_connect(o);
    int rc = 1;
    char q[32];
    s_queue_name(q, sizeof q, index);
    if (!conn)
        goto out;
    amqp_basic_qos(conn, S_CHANNEL, 0, (uint16_t)o->credit, 0);
    if (s_check(amqp_get_rpc_reply(conn), "basic.qos") != 0)
        goto out;
    amqp_basic_consume(conn, S_CHANNEL, amqp_cstring_bytes(q), amqp_empty_bytes, 0, 0, 0,
                       amqp_empty_table);
    if (s_check(amqp_get_rpc_reply(conn), "basic.consume") != 0)
        goto out;
    __atomic_store_n(&sh->con[index].ready, 1, __ATOMIC_RELEASE);
    int fin = 0;
    while (fin == 0) {
        amqp_envelope_t env;
        struct timeval tv = {.tv_sec = 0, .tv_usec = 100000};
        amqp_maybe_release_buffers(conn);
        amqp_rpc_reply_t r = amqp_consume_message(conn, &env, &tv, 0);
        if (r.reply_type == AMQP_RESPONSE_NORMAL) {
            if (cmp_con_received(o, sh, index, &seen, env.message.body.bytes,
                                 env.message.body.len) != 0)
                fprintf(stderr, "rmq-bench: consumer %d: a message not of this bench\n",
                        index + 1);
            int st = amqp_basic_ack(conn, S_CHANNEL, env.delivery_tag, 0);
            amqp_destroy_envelope(&env);
            if (st != AMQP_STATUS_OK) {
                fprintf(stderr, "rmq-bench: ack: %s\n", amqp_error_string2(st));
                goto out;
            }
            cmp_con_acked(sh, index);
        } else if (!(r.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION &&
                     r.library_error == AMQP_STATUS_TIMEOUT)) {
            s_check(r, "consume");
            goto out;
        }
        fin = cmp_con_finished(o, sh, index, &seen);
    }
    rc = fin == 1 ? 0 : 1;
out:
    if (conn)
        s_close(conn);
    cmp_seen_free(&seen);
    return rc;
}

int main(int argc, char **argv)
{
    static const cmp_driver_t driver = {.name = "rmq-bench",
                                        .system = "rabbitmq",
                                        .setup = s_setup,
                                        .pub_run = s_pub_run,
                                        .con_run = s_con_run};
    return cmp_main(argc, argv, &driver);
}
