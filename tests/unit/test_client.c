/* test_client.c - silta_client against a fake hub that speaks SILTA/1 byte by byte.
 *
 * The fake is a ROUTER socket with CURVE server keys on tcp://127.0.0.1:* in the
 * test's own process; without a ZAP handler libzmq admits any CURVE client. The
 * test drives both sides from one thread: every wait polls the client and the
 * fake with short timeouts until the expected thing shows up or a deadline
 * passes. Nothing sleeps.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zmq.h>

#include "silta_client.h"
#include "silta_codec.h"
#include "silta_keys.h"
#include "silta_time.h"
#include "silta_uuid.h"

#define WAIT_MS 5000

typedef struct {
    silta_client_event_kind_t kind;
    uint64_t seq;
    uint64_t delivery_id;
    uint32_t code;
} seen_t;

typedef struct {
    char dir[64];
    char hub_pub[128];
    char client_key[128];
    void *ctx;
    void *router;
    char endpoint[256];
    uint8_t rid[256]; /* routing id of the client's current connection */
    size_t rid_len;
    silta_client_t *client;
    seen_t seen[64]; /* client events noticed while waiting on the fake */
    size_t nseen;
} fake_t;

static fake_t F;

static void s_fake_start(int heartbeat_ms, size_t max_unconfirmed)
{
    memset(&F, 0, sizeof F);
    strcpy(F.dir, "/tmp/silta-test-client-XXXXXX");
    cr_assert_not_null(mkdtemp(F.dir));
    silta_err_t err;
    cr_assert_eq(silta_keys_generate(F.dir, "hub", &err), 0, "%s", err.msg);
    cr_assert_eq(silta_keys_generate(F.dir, "peer", &err), 0, "%s", err.msg);
    snprintf(F.hub_pub, sizeof F.hub_pub, "%s/hub.pub", F.dir);
    snprintf(F.client_key, sizeof F.client_key, "%s/peer.key", F.dir);
    char hub_key[128];
    snprintf(hub_key, sizeof hub_key, "%s/hub.key", F.dir);
    silta_keypair_t kp;
    cr_assert_eq(silta_keys_load(hub_key, &kp, &err), 0, "%s", err.msg);

    F.ctx = zmq_ctx_new();
    F.router = zmq_socket(F.ctx, ZMQ_ROUTER);
    int one = 1, zero = 0, hwm = 100000;
    cr_assert_eq(zmq_setsockopt(F.router, ZMQ_SNDHWM, &hwm, sizeof hwm), 0);
    cr_assert_eq(zmq_setsockopt(F.router, ZMQ_RCVHWM, &hwm, sizeof hwm), 0);
    cr_assert_eq(zmq_setsockopt(F.router, ZMQ_CURVE_SERVER, &one, sizeof one), 0);
    cr_assert_eq(zmq_setsockopt(F.router, ZMQ_CURVE_SECRETKEY, kp.secret_z85, 40), 0);
    cr_assert_eq(zmq_setsockopt(F.router, ZMQ_LINGER, &zero, sizeof zero), 0);
    cr_assert_eq(zmq_bind(F.router, "tcp://127.0.0.1:*"), 0);
    size_t len = sizeof F.endpoint;
    cr_assert_eq(zmq_getsockopt(F.router, ZMQ_LAST_ENDPOINT, F.endpoint, &len), 0);

    silta_client_opts_t o = {0};
    o.endpoint = F.endpoint;
    o.hub_public_key = F.hub_pub;
    o.client_key = F.client_key;
    o.name = "test-client";
    o.heartbeat_ms = heartbeat_ms;
    o.max_unconfirmed = max_unconfirmed;
    F.client = silta_client_new(&o, &err);
    cr_assert_not_null(F.client, "%s", err.msg);
}

static void s_fake_stop(void)
{
    silta_client_destroy(&F.client);
    if (F.router)
        zmq_close(F.router);
    if (F.ctx)
        zmq_ctx_term(F.ctx);
    char path[256];
    const char *files[] = {"hub.key", "hub.pub", "peer.key", "peer.pub"};
    for (size_t i = 0; i < 4; i++) {
        snprintf(path, sizeof path, "%s/%s", F.dir, files[i]);
        unlink(path);
    }
    rmdir(F.dir);
}

static void s_note(const silta_client_event_t *ev)
{
    if (ev->kind == SILTA_CLIENT_NONE || F.nseen == sizeof F.seen / sizeof F.seen[0])
        return;
    seen_t *s = &F.seen[F.nseen++];
    s->kind = ev->kind;
    s->seq = ev->seq;
    s->delivery_id = ev->delivery_id;
    s->code = ev->code;
}

/* Receive one packet on the fake (routing id + one frame) within timeout_ms,
 * driving the client meanwhile. Heartbeats are skipped unless asked for.
 * Returns the decoded packet (caller frees) or NULL on timeout. */
static silta_packet_t *s_hub_recv(int timeout_ms, int want_heartbeats)
{
    int64_t deadline = silta_mono_ms() + timeout_ms;
    while (silta_mono_ms() < deadline) {
        silta_client_event_t ev;
        cr_assert_eq(silta_client_poll(F.client, 0, &ev), 0);
        s_note(&ev);
        zmq_pollitem_t item = {F.router, 0, ZMQ_POLLIN, 0};
        if (zmq_poll(&item, 1, 5) <= 0)
            continue;
        uint8_t rid[256];
        int n = zmq_recv(F.router, rid, sizeof rid, 0);
        cr_assert(n > 0);
        zmq_msg_t msg;
        zmq_msg_init(&msg);
        cr_assert(zmq_msg_recv(&msg, F.router, 0) >= 0);
        cr_assert_not(zmq_msg_more(&msg), "the client sends one frame per packet");
        silta_err_t err;
        silta_packet_t *p = silta_codec_decode(zmq_msg_data(&msg), zmq_msg_size(&msg),
                                               SILTA_MAX_PACKET_DEFAULT, NULL, &err);
        zmq_msg_close(&msg);
        cr_assert_not_null(p, "client sent a bad packet: %s", err.msg);
        memcpy(F.rid, rid, (size_t)n);
        F.rid_len = (size_t)n;
        if (p->cmd_case == SILTA__PACKET__CMD_HEARTBEAT && !want_heartbeats) {
            silta_codec_free(&p);
            continue;
        }
        return p;
    }
    return NULL;
}

static silta_packet_t *s_hub_expect(Silta__Packet__CmdCase want)
{
    silta_packet_t *p = s_hub_recv(WAIT_MS, want == SILTA__PACKET__CMD_HEARTBEAT);
    cr_assert_not_null(p, "fake hub: no packet %d within %d ms", want, WAIT_MS);
    cr_assert_eq(p->cmd_case, want, "fake hub: expected command %d, got %d", want, p->cmd_case);
    return p;
}

/* Nothing but heartbeats arrives at the fake within ms. */
static void s_hub_expect_quiet(int ms)
{
    silta_packet_t *p = s_hub_recv(ms, 0);
    cr_assert_null(p, "fake hub: unexpected command %d", p ? (int)p->cmd_case : 0);
}

static void s_hub_send(silta_packet_t *p)
{
    cr_assert_eq(silta_codec_send(F.router, F.rid, F.rid_len, p), 0);
}

static void s_hub_send_raw(const void *data, size_t len, int more)
{
    cr_assert(zmq_send(F.router, F.rid, F.rid_len, ZMQ_SNDMORE) >= 0);
    cr_assert(zmq_send(F.router, data, len, more ? ZMQ_SNDMORE : 0) >= 0);
}

static void s_hub_hello(const char *instance)
{
    silta_packet_t p = SILTA__PACKET__INIT;
    Silta__Hello h = SILTA__HELLO__INIT;
    h.version = 1;
    h.name = "fake-hub";
    h.heartbeat_ms = 1000;
    h.instance = (char *)instance;
    p.cmd_case = SILTA__PACKET__CMD_HELLO;
    p.hello = &h;
    s_hub_send(&p);
}

static void s_hub_confirm(uint64_t seq, const char *event_id)
{
    silta_packet_t p = SILTA__PACKET__INIT;
    Silta__Confirm c = SILTA__CONFIRM__INIT;
    c.seq = seq;
    c.event_id = (char *)event_id;
    p.cmd_case = SILTA__PACKET__CMD_CONFIRM;
    p.confirm = &c;
    s_hub_send(&p);
}

static void s_hub_nack(uint64_t seq, uint32_t code, const char *reason)
{
    silta_packet_t p = SILTA__PACKET__INIT;
    Silta__Nack n = SILTA__NACK__INIT;
    n.seq = seq;
    n.code = code;
    n.reason = (char *)reason;
    p.cmd_case = SILTA__PACKET__CMD_NACK;
    p.nack = &n;
    s_hub_send(&p);
}

static void s_hub_bye(const char *reason)
{
    silta_packet_t p = SILTA__PACKET__INIT;
    Silta__Bye b = SILTA__BYE__INIT;
    b.reason = (char *)reason;
    p.cmd_case = SILTA__PACKET__CMD_BYE;
    p.bye = &b;
    s_hub_send(&p);
}

/* Poll the client until an event of kind arrives (earlier ones are noted).
 * The event's borrowed fields stay valid until the next poll. */
static void s_client_expect(silta_client_event_kind_t kind, silta_client_event_t *ev)
{
    for (size_t i = 0; i < F.nseen; i++)
        if (F.seen[i].kind == kind && kind != SILTA_CLIENT_DELIVER) {
            /* seen while the fake was waiting: hand over the scalars */
            memset(ev, 0, sizeof *ev);
            ev->kind = kind;
            ev->seq = F.seen[i].seq;
            ev->delivery_id = F.seen[i].delivery_id;
            ev->code = F.seen[i].code;
            memmove(&F.seen[i], &F.seen[i + 1], (F.nseen - i - 1) * sizeof F.seen[0]);
            F.nseen--;
            return;
        }
    int64_t deadline = silta_mono_ms() + WAIT_MS;
    while (silta_mono_ms() < deadline) {
        cr_assert_eq(silta_client_poll(F.client, 20, ev), 0);
        if (ev->kind == kind)
            return;
        s_note(ev);
    }
    cr_assert_fail("client: no event %d within %d ms", kind, WAIT_MS);
}

/* HELLO from the client, answered: a session is open. */
static void s_open_session(const char *instance)
{
    silta_packet_t *p = s_hub_expect(SILTA__PACKET__CMD_HELLO);
    silta_codec_free(&p);
    s_hub_hello(instance);
    silta_client_event_t ev;
    s_client_expect(SILTA_CLIENT_CONNECTED, &ev);
    cr_assert(silta_client_connected(F.client));
}

static void s_make_event(silta_envelope_t *e, char id[37], const char *client_key)
{
    static const uint8_t payload[] = "not a real payload";
    silta__envelope__init(e);
    silta_uuid_v7(id);
    e->event_id = id;
    e->type = "test.event.v1";
    e->client_key = (char *)client_key;
    e->occurred_at = silta_now_ms();
    e->payload.data = (uint8_t *)payload;
    e->payload.len = sizeof payload - 1;
}

static uint64_t s_publish(char id[37])
{
    silta_envelope_t e;
    s_make_event(&e, id, "ck-test-1");
    uint64_t seq = 0;
    silta_err_t err;
    cr_assert_eq(silta_client_publish(F.client, &e, &seq, &err), 0, "%s", err.msg);
    cr_assert_gt(seq, 0);
    return seq;
}

static void s_fake_default(void)
{
    s_fake_start(1000, 0);
}

TestSuite(client, .init = s_fake_default, .fini = s_fake_stop, .timeout = 30);

Test(client, hello_is_the_first_packet)
{
    /* Published before the session opens: it must wait behind the HELLO. */
    char id[37];
    uint64_t seq = s_publish(id);
    silta_packet_t *p = s_hub_recv(WAIT_MS, 1);
    cr_assert_not_null(p);
    cr_assert_eq(p->cmd_case, SILTA__PACKET__CMD_HELLO, "first packet was %d", p->cmd_case);
    cr_assert_eq(p->version, 1);
    cr_assert_eq(p->hello->version, 1);
    cr_assert_str_eq(p->hello->name, "test-client");
    cr_assert_eq(p->hello->heartbeat_ms, 1000);
    silta_codec_free(&p);
    cr_assert_not(silta_client_connected(F.client));
    s_hub_expect_quiet(300); /* nothing else before the hub's HELLO */

    s_hub_hello("instance-a");
    silta_client_event_t ev;
    s_client_expect(SILTA_CLIENT_CONNECTED, &ev);
    p = s_hub_expect(SILTA__PACKET__CMD_PUBLISH);
    cr_assert_eq(p->publish->seq, seq);
    cr_assert_str_eq(p->publish->event->event_id, id);
    silta_codec_free(&p);
}

Test(client, confirm_settles_the_publish)
{
    s_open_session("instance-a");
    char id[37];
    uint64_t seq = s_publish(id);
    cr_assert_eq(silta_client_unconfirmed(F.client), 1);
    silta_packet_t *p = s_hub_expect(SILTA__PACKET__CMD_PUBLISH);
    cr_assert_eq(p->publish->seq, seq);
    cr_assert_str_eq(p->publish->event->event_id, id);
    cr_assert_str_eq(p->publish->event->type, "test.event.v1");
    cr_assert_str_eq(p->publish->event->client_key, "ck-test-1");
    silta_codec_free(&p);

    s_hub_confirm(seq, id);
    silta_client_event_t ev;
    s_client_expect(SILTA_CLIENT_CONFIRM, &ev);
    cr_assert_eq(ev.seq, seq);
    cr_assert_str_eq(ev.event_id, id);
    cr_assert_not(ev.duplicate);
    cr_assert_eq(silta_client_unconfirmed(F.client), 0);

    /* A second CONFIRM of the same seq (after a re-send) is not reported twice. */
    s_hub_confirm(seq, id);
    int64_t deadline = silta_mono_ms() + 300;
    while (silta_mono_ms() < deadline) {
        cr_assert_eq(silta_client_poll(F.client, 20, &ev), 0);
        cr_assert_neq(ev.kind, SILTA_CLIENT_CONFIRM);
    }
}

Test(client, new_hub_instance_resends_unconfirmed)
{
    s_open_session("instance-a");
    const char *types[] = {"test.event.v1"};
    cr_assert_eq(silta_client_subscribe(F.client, "queue-a", types, 1, 7, NULL), 0);
    silta_packet_t *p = s_hub_expect(SILTA__PACKET__CMD_SUBSCRIBE);
    silta_codec_free(&p);
    cr_assert_eq(silta_client_credit(F.client, 3), 0);
    p = s_hub_expect(SILTA__PACKET__CMD_CREDIT);
    silta_codec_free(&p);

    char id1[37], id2[37];
    uint64_t seq1 = s_publish(id1);
    uint64_t seq2 = s_publish(id2);
    p = s_hub_expect(SILTA__PACKET__CMD_PUBLISH);
    silta_codec_free(&p);
    p = s_hub_expect(SILTA__PACKET__CMD_PUBLISH);
    silta_codec_free(&p);
    s_hub_confirm(seq1, id1);
    silta_client_event_t ev;
    s_client_expect(SILTA_CLIENT_CONFIRM, &ev);
    cr_assert_eq(silta_client_unconfirmed(F.client), 1);

    /* The hub restarted: subscriptions and the one unconfirmed event again. */
    s_hub_hello("instance-b");
    s_client_expect(SILTA_CLIENT_CONNECTED, &ev);
    p = s_hub_expect(SILTA__PACKET__CMD_SUBSCRIBE);
    cr_assert_str_eq(p->subscribe->consumer, "queue-a");
    cr_assert_eq(p->subscribe->n_types, 1);
    cr_assert_str_eq(p->subscribe->types[0], "test.event.v1");
    cr_assert_eq(p->subscribe->credit, 7);
    silta_codec_free(&p);
    p = s_hub_expect(SILTA__PACKET__CMD_CREDIT);
    cr_assert_eq(p->credit->credit, 3, "the window granted since is restored");
    silta_codec_free(&p);
    p = s_hub_expect(SILTA__PACKET__CMD_PUBLISH);
    cr_assert_eq(p->publish->seq, seq2);
    cr_assert_str_eq(p->publish->event->event_id, id2);
    silta_codec_free(&p);
    s_hub_expect_quiet(300); /* the confirmed one is not sent again */

    /* The same instance again is not a restart. */
    s_hub_hello("instance-b");
    s_hub_expect_quiet(300);
}

Test(client, bye_reconnects_with_a_new_hello)
{
    s_open_session("instance-a");
    uint8_t old_rid[256];
    size_t old_len = F.rid_len;
    memcpy(old_rid, F.rid, old_len);
    const char *types[] = {"test.event.v1"};
    cr_assert_eq(silta_client_subscribe(F.client, "queue-a", types, 1, 10, NULL), 0);
    silta_packet_t *p = s_hub_expect(SILTA__PACKET__CMD_SUBSCRIBE);
    silta_codec_free(&p);
    char id[37];
    uint64_t seq = s_publish(id);
    p = s_hub_expect(SILTA__PACKET__CMD_PUBLISH);
    silta_codec_free(&p);

    /* silta-hub echoes a SUBSCRIBE once the queue is recorded. */
    cr_assert_not(silta_client_attached(F.client, "queue-a"));
    silta_packet_t echo = SILTA__PACKET__INIT;
    Silta__Subscribe sub = SILTA__SUBSCRIBE__INIT;
    sub.consumer = "queue-a";
    echo.cmd_case = SILTA__PACKET__CMD_SUBSCRIBE;
    echo.subscribe = &sub;
    s_hub_send(&echo);
    int64_t deadline = silta_mono_ms() + WAIT_MS;
    silta_client_event_t ev;
    while (!silta_client_attached(F.client, "queue-a") && silta_mono_ms() < deadline)
        cr_assert_eq(silta_client_poll(F.client, 20, &ev), 0);
    cr_assert(silta_client_attached(F.client, "queue-a"));
    cr_assert_not(silta_client_attached(F.client, "queue-b"));

    s_hub_bye("hub shutting down");
    s_client_expect(SILTA_CLIENT_DISCONNECTED, &ev);
    cr_assert_not(silta_client_connected(F.client));
    cr_assert_not(silta_client_attached(F.client, "queue-a"));
    cr_assert_eq(silta_client_ack(F.client, 5), SILTA_EAGAIN, "no ACK outside a session");

    /* A new connection (new routing id) that starts with HELLO. */
    p = s_hub_expect(SILTA__PACKET__CMD_HELLO);
    silta_codec_free(&p);
    cr_assert(F.rid_len != old_len || memcmp(F.rid, old_rid, old_len) != 0);
    s_hub_hello("instance-a");
    s_client_expect(SILTA_CLIENT_CONNECTED, &ev);
    p = s_hub_expect(SILTA__PACKET__CMD_SUBSCRIBE);
    cr_assert_str_eq(p->subscribe->consumer, "queue-a");
    cr_assert_eq(p->subscribe->credit, 10);
    silta_codec_free(&p);
    p = s_hub_expect(SILTA__PACKET__CMD_PUBLISH);
    cr_assert_eq(p->publish->seq, seq);
    cr_assert_str_eq(p->publish->event->event_id, id);
    silta_codec_free(&p);
}

Test(client, nack_no_session_reconnects)
{
    s_open_session("instance-a");
    s_hub_nack(0, SILTA__ERROR_CODE__NO_SESSION, "hello first");
    silta_client_event_t ev;
    s_client_expect(SILTA_CLIENT_DISCONNECTED, &ev);
    silta_packet_t *p = s_hub_expect(SILTA__PACKET__CMD_HELLO);
    silta_codec_free(&p);
}

Test(client, deliver_is_surfaced_and_acked)
{
    s_open_session("instance-a");
    const char *types[] = {"test.event.v1", "other.event.v1"};
    cr_assert_eq(silta_client_subscribe(F.client, "queue-a", types, 2, 5, NULL), 0);
    silta_packet_t *p = s_hub_expect(SILTA__PACKET__CMD_SUBSCRIBE);
    cr_assert_str_eq(p->subscribe->consumer, "queue-a");
    cr_assert_eq(p->subscribe->n_types, 2);
    cr_assert_str_eq(p->subscribe->types[1], "other.event.v1");
    cr_assert_eq(p->subscribe->credit, 5);
    silta_codec_free(&p);

    char id[37];
    silta_envelope_t e;
    s_make_event(&e, id, "ck-deliver");
    e.source = "kela";
    e.recorded_at = 1234;
    silta_packet_t out = SILTA__PACKET__INIT;
    Silta__Deliver d = SILTA__DELIVER__INIT;
    d.delivery_id = 42;
    d.consumer = "queue-a";
    d.attempt = 2;
    d.event = &e;
    out.cmd_case = SILTA__PACKET__CMD_DELIVER;
    out.deliver = &d;
    s_hub_send(&out);

    silta_client_event_t ev;
    s_client_expect(SILTA_CLIENT_DELIVER, &ev);
    cr_assert_eq(ev.delivery_id, 42);
    cr_assert_eq(ev.attempt, 2);
    cr_assert_str_eq(ev.consumer, "queue-a");
    cr_assert_not_null(ev.event);
    cr_assert_str_eq(ev.event_id, id);
    cr_assert_str_eq(ev.event->event_id, id);
    cr_assert_str_eq(ev.event->type, "test.event.v1");
    cr_assert_str_eq(ev.event->client_key, "ck-deliver");
    cr_assert_str_eq(ev.event->source, "kela");
    cr_assert_eq(ev.event->recorded_at, 1234);
    cr_assert_eq(ev.event->payload.len, e.payload.len);
    cr_assert_arr_eq(ev.event->payload.data, e.payload.data, e.payload.len);

    cr_assert_eq(silta_client_ack(F.client, ev.delivery_id), 0);
    p = s_hub_expect(SILTA__PACKET__CMD_ACK);
    cr_assert_eq(p->ack->delivery_id, 42);
    silta_codec_free(&p);

    cr_assert_eq(silta_client_reject(F.client, 43, "cannot map"), 0);
    p = s_hub_expect(SILTA__PACKET__CMD_REJECT);
    cr_assert_eq(p->reject->delivery_id, 43);
    cr_assert_str_eq(p->reject->reason, "cannot map");
    silta_codec_free(&p);
}

Test(client, garbage_from_the_hub_is_dropped)
{
    s_open_session("instance-a");
    char id[37];
    uint64_t seq = s_publish(id);
    silta_packet_t *p = s_hub_expect(SILTA__PACKET__CMD_PUBLISH);
    silta_codec_free(&p);

    /* random bytes, an empty frame, a truncated CONFIRM, a packet of version 2,
     * a packet without a command, a multipart message, a peer-only command */
    uint8_t junk[300];
    for (size_t i = 0; i < sizeof junk; i++)
        junk[i] = (uint8_t)(i * 131 + 7);
    s_hub_send_raw(junk, sizeof junk, 0);
    s_hub_send_raw("", 0, 0);
    silta_packet_t c = SILTA__PACKET__INIT;
    Silta__Confirm conf = SILTA__CONFIRM__INIT;
    conf.seq = seq;
    conf.event_id = id;
    c.cmd_case = SILTA__PACKET__CMD_CONFIRM;
    c.confirm = &conf;
    size_t len;
    uint8_t *buf = silta_codec_pack(&c, &len);
    s_hub_send_raw(buf, len - 5, 0);
    c.version = 2;
    len = silta__packet__pack(&c, buf);
    s_hub_send_raw(buf, len, 0);
    free(buf);
    silta_packet_t empty = SILTA__PACKET__INIT;
    buf = silta_codec_pack(&empty, &len);
    s_hub_send_raw(buf, len, 0);
    free(buf);
    s_hub_send_raw("part one", 8, 1);
    cr_assert(zmq_send(F.router, "part two", 8, 0) >= 0);
    silta_packet_t pub = SILTA__PACKET__INIT;
    Silta__Publish pp = SILTA__PUBLISH__INIT;
    pp.seq = 99;
    pub.cmd_case = SILTA__PACKET__CMD_PUBLISH;
    pub.publish = &pp;
    s_hub_send(&pub);
    /* a DELIVER without an event is rejected, not surfaced */
    silta_packet_t dp = SILTA__PACKET__INIT;
    Silta__Deliver d = SILTA__DELIVER__INIT;
    d.delivery_id = 77;
    dp.cmd_case = SILTA__PACKET__CMD_DELIVER;
    dp.deliver = &d;
    s_hub_send(&dp);
    p = s_hub_expect(SILTA__PACKET__CMD_REJECT);
    cr_assert_eq(p->reject->delivery_id, 77);
    silta_codec_free(&p);

    /* Still in the session, still waiting for the one event, still working. */
    cr_assert(silta_client_connected(F.client));
    cr_assert_eq(silta_client_unconfirmed(F.client), 1);
    cr_assert_eq(F.nseen, 0, "garbage surfaced as event %d", F.seen[0].kind);
    s_hub_confirm(seq, id);
    silta_client_event_t ev;
    s_client_expect(SILTA_CLIENT_CONFIRM, &ev);
    cr_assert_eq(ev.seq, seq);
    cr_assert_eq(silta_client_unconfirmed(F.client), 0);
}

Test(client, nack_settles_or_retries)
{
    s_open_session("instance-a");
    char id1[37], id2[37];
    uint64_t seq1 = s_publish(id1);
    uint64_t seq2 = s_publish(id2);
    silta_packet_t *p = s_hub_expect(SILTA__PACKET__CMD_PUBLISH);
    silta_codec_free(&p);
    p = s_hub_expect(SILTA__PACKET__CMD_PUBLISH);
    silta_codec_free(&p);

    /* FORBIDDEN is final: reported, settled. */
    s_hub_nack(seq1, SILTA__ERROR_CODE__FORBIDDEN, "not yours");
    silta_client_event_t ev;
    s_client_expect(SILTA_CLIENT_NACK, &ev);
    cr_assert_eq(ev.seq, seq1);
    cr_assert_eq(ev.code, SILTA__ERROR_CODE__FORBIDDEN);
    cr_assert_str_eq(ev.reason, "not yours");
    cr_assert_eq(silta_client_unconfirmed(F.client), 1);

    /* UNAVAILABLE is transient: the same bytes come again, nothing reported. */
    s_hub_nack(seq2, SILTA__ERROR_CODE__UNAVAILABLE, "journal down");
    p = s_hub_expect(SILTA__PACKET__CMD_PUBLISH);
    cr_assert_eq(p->publish->seq, seq2);
    cr_assert_str_eq(p->publish->event->event_id, id2);
    silta_codec_free(&p);
    for (size_t i = 0; i < F.nseen; i++)
        cr_assert_neq(F.seen[i].kind, SILTA_CLIENT_NACK);
    cr_assert_eq(silta_client_unconfirmed(F.client), 1);
    s_hub_confirm(seq2, id2);
    s_client_expect(SILTA_CLIENT_CONFIRM, &ev);
    cr_assert_eq(ev.seq, seq2);
    cr_assert_eq(silta_client_unconfirmed(F.client), 0);

    /* A NACK without a seq (a refused SUBSCRIBE, an unknown ACK) is reported. */
    s_hub_nack(0, SILTA__ERROR_CODE__UNKNOWN, "no such delivery");
    s_client_expect(SILTA_CLIENT_NACK, &ev);
    cr_assert_eq(ev.seq, 0);
    cr_assert_eq(ev.code, SILTA__ERROR_CODE__UNKNOWN);

    /* A SUBSCRIBE the hub could not record (UNAVAILABLE, no seq) is repeated,
     * with the credit granted since. */
    const char *types[] = {"test.event.v1"};
    cr_assert_eq(silta_client_subscribe(F.client, "queue-a", types, 1, 4, NULL), 0);
    p = s_hub_expect(SILTA__PACKET__CMD_SUBSCRIBE);
    silta_codec_free(&p);
    cr_assert_eq(silta_client_credit(F.client, 2), 0);
    p = s_hub_expect(SILTA__PACKET__CMD_CREDIT);
    silta_codec_free(&p);
    s_hub_nack(0, SILTA__ERROR_CODE__UNAVAILABLE, "could not record the subscription");
    s_client_expect(SILTA_CLIENT_NACK, &ev);
    cr_assert_eq(ev.code, SILTA__ERROR_CODE__UNAVAILABLE);
    p = s_hub_expect(SILTA__PACKET__CMD_SUBSCRIBE);
    cr_assert_str_eq(p->subscribe->consumer, "queue-a");
    cr_assert_eq(p->subscribe->credit, 4);
    silta_codec_free(&p);
    p = s_hub_expect(SILTA__PACKET__CMD_CREDIT);
    cr_assert_eq(p->credit->credit, 2);
    silta_codec_free(&p);
}

Test(client, refuses_bad_envelopes_and_overflow)
{
    silta_client_destroy(&F.client);
    silta_client_opts_t o = {0};
    o.endpoint = F.endpoint;
    o.hub_public_key = F.hub_pub;
    o.client_key = F.client_key;
    o.max_unconfirmed = 2;
    silta_err_t err;
    F.client = silta_client_new(&o, &err);
    cr_assert_not_null(F.client, "%s", err.msg);

    char id[37];
    silta_envelope_t e;
    s_make_event(&e, id, "020202-020P"); /* a hetu-shaped client_key */
    uint64_t seq = 0;
    cr_assert_eq(silta_client_publish(F.client, &e, &seq, &err), SILTA_EINVAL);
    e.client_key = "ck-1";
    e.event_id = "not-a-uuid";
    cr_assert_eq(silta_client_publish(F.client, &e, &seq, &err), SILTA_EINVAL);
    e.event_id = id;
    e.type = NULL;
    cr_assert_eq(silta_client_publish(F.client, &e, &seq, &err), SILTA_EINVAL);
    e.type = "test.event.v1";
    cr_assert_eq(silta_client_unconfirmed(F.client), 0);

    cr_assert_eq(silta_client_publish(F.client, &e, &seq, &err), 0);
    cr_assert_eq(seq, 1);
    cr_assert_eq(silta_client_publish(F.client, &e, &seq, &err), 0);
    cr_assert_eq(seq, 2);
    cr_assert_eq(silta_client_publish(F.client, &e, &seq, &err), SILTA_EAGAIN);
    cr_assert_eq(seq, 2, "a refused publish uses no seq");
    cr_assert_eq(silta_client_unconfirmed(F.client), 2);

    silta_client_opts_t bad = o;
    bad.client_key = F.hub_pub; /* a .pub has no secret */
    cr_assert_null(silta_client_new(&bad, &err));
    bad.client_key = "/nonexistent/peer.key";
    cr_assert_null(silta_client_new(&bad, &err));
    bad = o;
    bad.endpoint = "nonsense://endpoint";
    cr_assert_null(silta_client_new(&bad, &err));
}

/* Tests that start the fake with options of their own. */
TestSuite(client_opts, .fini = s_fake_stop, .timeout = 60);

Test(client_opts, heartbeats_when_idle_and_reconnects_when_the_hub_is_silent)
{
    s_fake_start(100, 0);
    s_open_session("instance-a");
    silta_packet_t *p = s_hub_expect(SILTA__PACKET__CMD_HEARTBEAT);
    silta_codec_free(&p);
    /* The fake answers nothing now: within 3 intervals of the hub's 1 s
     * heartbeat the client gives up on the session and says HELLO anew. */
    silta_client_event_t ev;
    s_client_expect(SILTA_CLIENT_DISCONNECTED, &ev);
    p = s_hub_expect(SILTA__PACKET__CMD_HELLO);
    silta_codec_free(&p);
}

Test(client_opts, thousands_outstanding_confirmed_out_of_order)
{
    enum { N = 20000 };
    s_fake_start(1000, N);
    s_open_session("instance-a");
    static char ids[N][37];
    static uint64_t seqs[N];
    for (int i = 0; i < N; i++)
        seqs[i] = s_publish(ids[i]);
    cr_assert_eq(silta_client_unconfirmed(F.client), N);
    for (int i = 0; i < N; i++) {
        silta_packet_t *p = s_hub_recv(WAIT_MS, 0);
        cr_assert_not_null(p, "publish %d of %d did not arrive", i, N);
        cr_assert_eq(p->cmd_case, SILTA__PACKET__CMD_PUBLISH);
        cr_assert_eq(p->publish->seq, seqs[i], "in seq order");
        silta_codec_free(&p);
    }
    /* Confirm the odd ones backwards, then the even ones forwards: the window's
     * head stays stuck at the first seq while thousands settle above it. */
    for (int i = N - 1; i >= 0; i -= 2)
        s_hub_confirm(seqs[i], ids[i]);
    for (int i = 0; i < N; i += 2)
        s_hub_confirm(seqs[i], ids[i]);
    int confirms = 0;
    int64_t deadline = silta_mono_ms() + 30000;
    while (confirms < N && silta_mono_ms() < deadline) {
        silta_client_event_t ev;
        cr_assert_eq(silta_client_poll(F.client, 50, &ev), 0);
        if (ev.kind == SILTA_CLIENT_CONFIRM)
            confirms++;
        cr_assert_eq(silta_client_unconfirmed(F.client), (size_t)(N - confirms));
    }
    cr_assert_eq(confirms, N);
    cr_assert_eq(silta_client_flush(F.client, 100, NULL, NULL), 0);
}

Test(client, nack_codes_map_to_error_codes)
{
    silta_err_t err;
    cr_assert_eq(silta_client_nack_error(SILTA__ERROR_CODE__INVALID_PAYLOAD,
                                         "date: not a date (YYYY-MM-DD, 1900..2199)", &err),
                 SILTA_EINVAL);
    cr_assert_str_eq(err.msg, "date: not a date (YYYY-MM-DD, 1900..2199)", "the field first");
    cr_assert_eq(silta_client_nack_error(SILTA__ERROR_CODE__FORBIDDEN, "kela may not", &err),
                 SILTA_EINVAL);
    cr_assert_eq(silta_client_nack_error(SILTA__ERROR_CODE__INVALID, NULL, &err), SILTA_EINVAL);
    cr_assert_eq(silta_client_nack_error(SILTA__ERROR_CODE__UNAVAILABLE, "journal", &err),
                 SILTA_EAGAIN);
    cr_assert_eq(silta_client_nack_error(99, "?", &err), SILTA_ERR);
}
