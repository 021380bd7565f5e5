/* test_hub.c - the durable hub end to end: real PostgreSQL, real silta-hub
 * process, real CURVE sockets. Each test brings up its own deployment with
 * ops/silta-local in a fresh SILTA_HOME and tears it down.
 *
 * Acceptance of issue 2: load through 4 publishers and 2 consumers with
 * nothing lost or stored twice; kill -9 of the hub mid-flow; a consumer that
 * dies with deliveries in flight; REJECT -> dead letter -> replay; a malformed
 * packet is NACKed while the hub keeps serving; duplicates stored once.
 */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zmq.h>

#include "fixture.h"
#include "harness.h"
#include "silta_client.h"
#include "silta_db.h"
#include "silta_env.h"
#include "silta_keys.h"
#include "silta_time.h"
#include "silta_uuid.h"

static char *s_home;

/* Runs after every test, passed or failed: nothing is left running. */
static void s_fini(void)
{
    harness_home_destroy(&s_home);
}
TestSuite(hub, .fini = s_fini);

static void s_up(void)
{
    s_home = fixture_up();
}

static void s_down(void)
{
    harness_home_destroy(&s_home);
}

static void s_envelope(silta_envelope_t *e, char *id, const char *type, const char *client)
{
    silta__envelope__init(e);
    silta_uuid_v7(id);
    e->event_id = id;
    e->type = (char *)type;
    e->client_key = (char *)client;
    e->occurred_at = silta_now_ms();
    e->payload.data = (uint8_t *)"{}";
    e->payload.len = 2;
}

/* Subscribe and wait until the hub has recorded the queue. */
static void s_subscribe(silta_client_t *c, const char *consumer, const char *type, uint32_t credit)
{
    const char *types[1] = {type};
    silta_err_t err;
    cr_assert_eq(silta_client_subscribe(c, consumer, types, 1, credit, &err), 0, "%s", err.msg);
    /* The queue is durable once a row exists for it. */
    int64_t end = silta_mono_ms() + 10000;
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM hub.consumer WHERE name = '%s'", consumer);
    silta_client_event_t ev;
    while (silta_mono_ms() < end && fixture_count(sql) == 0)
        silta_client_poll(c, 50, &ev);
    cr_assert_eq(fixture_count(sql), 1, "consumer %s was not recorded", consumer);
}

/* Parse "key=value" from silta-bench's last line. */
static long s_field(const char *out, const char *key)
{
    const char *line = strstr(out, "events=");
    cr_assert_not_null(line, "no figures line in:\n%s", out);
    char pat[64];
    snprintf(pat, sizeof pat, " %s=", key);
    const char *p = strcmp(key, "events") == 0 ? line + 7 : strstr(line, pat);
    cr_assert_not_null(p, "no %s in %s", key, line);
    if (p != line + 7)
        p += strlen(pat);
    return atol(p);
}

static void s_bench(harness_result_t *r, const char *const *args)
{
    char bench[4096];
    harness_bin_path(bench, sizeof bench, "silta-bench");
    char *argv[32];
    int n = 0;
    argv[n++] = bench;
    for (; args[n - 1] && n < 31; n++)
        argv[n] = (char *)args[n - 1];
    argv[n] = NULL;
    harness_run(r, 600000, argv);
}

Test(hub, load_four_publishers_two_consumers_nothing_lost, .timeout = 900)
{
    s_up();
    harness_result_t r;
    const char *args[] = {"--events", "100000", "--publishers", "4", "--consumers", "2",
                          "--clients", "1000", "--size", "200", NULL};
    s_bench(&r, args);
    cr_assert_eq(r.status, 0, "bench failed:\n%s\n%s", r.out, r.err);
    cr_assert_eq(s_field(r.out, "confirmed"), 100000);
    cr_assert_eq(s_field(r.out, "lost"), 0);
    cr_assert_eq(s_field(r.out, "unique"), 200000, "each event once to each of 2 consumers");
    harness_result_free(&r);
    cr_assert_eq(fixture_count("SELECT count(*) FROM hub.journal"), 100000, "stored once each");
    cr_assert_eq(fixture_count("SELECT count(DISTINCT event_id) FROM hub.journal"), 100000);
    s_down();
}

/* kill -9 the running hub and start a new one (ops/silta-local restart). */
static void s_kill_9_and_restart_hub(void)
{
    char pidfile[4096];
    snprintf(pidfile, sizeof pidfile, "%s/run/silta-hub.pid", s_home);
    pid_t hub = harness_pid_file(pidfile);
    cr_assert(hub > 0);
    cr_assert_eq(kill(hub, SIGKILL), 0);
    harness_result_t r;
    harness_local(&r, "restart", "silta-hub", NULL);
    cr_assert_eq(r.status, 0, "restart failed:\n%s\n%s", r.out, r.err);
    harness_result_free(&r);
    cr_assert_neq(harness_pid_file(pidfile), hub, "a new hub process");
}

static bool s_journal_has_some(void *arg)
{
    (void)arg;
    return fixture_count("SELECT count(*) FROM hub.journal") >= 5000;
}

Test(hub, kill_9_mid_flow_loses_nothing_confirmed, .timeout = 900)
{
    s_up();
    /* Publish and consume at once in a child; kill the hub under it. */
    char bench[4096], ledger[4096];
    harness_bin_path(bench, sizeof bench, "silta-bench");
    snprintf(ledger, sizeof ledger, "%s/bench/ledger", s_home);
    char out_path[4096];
    snprintf(out_path, sizeof out_path, "%s/bench.out", s_home);
    pid_t pid = fork();
    cr_assert(pid >= 0);
    if (pid == 0) {
        FILE *f = freopen(out_path, "w", stdout);
        (void)f;
        execl(bench, bench, "--events", "40000", "--publishers", "4", "--consumers", "2",
              "--clients", "300", "--timeout", "300", (char *)NULL);
        _exit(127);
    }
    cr_assert_eq(harness_poll(120000, s_journal_has_some, NULL), 0, "publishing did not start");
    s_kill_9_and_restart_hub();

    int status = 0;
    cr_assert_eq(waitpid(pid, &status, 0), pid);
    char *out = harness_read_file(out_path);
    cr_assert_not_null(out);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "bench failed:\n%s", out);
    cr_assert_eq(s_field(out, "confirmed"), 40000);
    cr_assert_eq(s_field(out, "lost"), 0, "a confirmed event was never delivered:\n%s", out);
    cr_assert_eq(s_field(out, "unique"), 80000);
    /* duplicates are allowed (redeliveries after the crash) and counted by the bench */
    free(out);
    cr_assert_eq(fixture_count("SELECT count(*) FROM hub.journal"), 40000,
                 "the journal holds each event once");
    s_down();
}

Test(hub, consumer_that_dies_gets_its_in_flight_again, .timeout = 120)
{
    s_up();
    silta_client_t *pub = fixture_client(s_home, "test");
    silta_client_t *con = fixture_client(s_home, "casestore");
    s_subscribe(con, "casestore-dying", "test.event.v1", 5);
    char ids[10][37];
    for (int i = 0; i < 10; i++) {
        silta_envelope_t e;
        char client[32];
        snprintf(client, sizeof client, "client-%d", i);
        s_envelope(&e, ids[i], "test.event.v1", client);
        cr_assert_eq(silta_client_publish(pub, &e, NULL, NULL), 0);
    }
    cr_assert_eq(silta_client_flush(pub, 10000, NULL, NULL), 0);
    /* Take the 5 deliveries the credit allows, ack none, and die. */
    uint64_t held[5];
    silta_client_event_t ev;
    for (int i = 0; i < 5; i++) {
        cr_assert_eq(fixture_wait(con, SILTA_CLIENT_DELIVER, 10000, &ev), 0, "delivery %d", i);
        cr_assert_eq(ev.attempt, 1);
        held[i] = ev.delivery_id;
    }
    silta_client_destroy(&con);

    con = fixture_client(s_home, "casestore");
    s_subscribe(con, "casestore-dying", "test.event.v1", 100);
    int again = 0, total = 0;
    while (total < 10 && fixture_wait(con, SILTA_CLIENT_DELIVER, 10000, &ev) == 0) {
        total++;
        for (int i = 0; i < 5; i++)
            if (ev.delivery_id == held[i]) {
                again++;
                cr_assert_eq(ev.attempt, 2, "a redelivery counts its attempt");
            }
        silta_client_ack(con, ev.delivery_id);
    }
    cr_assert_eq(again, 5, "every delivery in flight at death comes again");
    cr_assert_eq(total, 10);
    silta_client_destroy(&con);
    silta_client_destroy(&pub);
    s_down();
}

static bool s_acks_checkpointed(void *arg)
{
    (void)arg;
    return fixture_count("SELECT count(*) FROM hub.delivery_log WHERE outcome = 'acked'") == 30 &&
           fixture_count("SELECT count(*) FROM hub.cursor k JOIN hub.consumer c ON "
                         "c.id = k.consumer_id WHERE c.name = 'casestore-cursor' AND "
                         "(k.mark_delete > 0 OR cardinality(k.acked) > 0)") == 1;
}

/* The cursor (hub.cursor: mark-delete + acknowledged ranges) is what a hub
 * killed with -9 resumes from: every confirmed, unacknowledged event comes
 * again, and none that was acknowledged (and checkpointed) does. */
Test(hub, kill_9_with_unacked_deliveries_resumes_from_the_cursor, .timeout = 180)
{
    s_up();
    silta_client_t *pub = fixture_client(s_home, "test");
    silta_client_t *con = fixture_client(s_home, "casestore");
    s_subscribe(con, "casestore-cursor", "test.event.v1", 100);
    enum { N = 60 };
    char ids[N][37];
    for (int i = 0; i < N; i++) {
        silta_envelope_t e;
        char client[32];
        snprintf(client, sizeof client, "client-%d", i); /* one lane each: all may fly */
        s_envelope(&e, ids[i], "test.event.v1", client);
        cr_assert_eq(silta_client_publish(pub, &e, NULL, NULL), 0);
    }
    cr_assert_eq(silta_client_flush(pub, 10000, NULL, NULL), 0);
    /* Take all 60; acknowledge every other one. */
    int acked[N] = {0}, got = 0;
    silta_client_event_t ev;
    while (got < N && fixture_wait(con, SILTA_CLIENT_DELIVER, 10000, &ev) == 0) {
        int k = 0;
        while (k < N && strcmp(ids[k], ev.event->event_id) != 0)
            k++;
        cr_assert_lt(k, N, "an event that was not published");
        if (got++ % 2 == 0) {
            acked[k] = 1;
            silta_client_ack(con, ev.delivery_id);
        }
    }
    cr_assert_eq(got, N);
    /* Pump the client so its ACKs leave, until the hub has checkpointed them. */
    int64_t end = silta_mono_ms() + 20000;
    while (!s_acks_checkpointed(NULL) && silta_mono_ms() < end)
        silta_client_poll(con, 50, &ev);
    cr_assert(s_acks_checkpointed(NULL), "the 30 acks and the cursor were written");
    cr_assert_eq(fixture_count("SELECT count(*) FROM hub.delivery"), 0,
                 "no row per delivery: the cursor is the delivery state");
    silta_client_destroy(&con);

    s_kill_9_and_restart_hub();

    /* Nothing is in memory yet, but the queue-depth gauge counts what waits in
     * the journal (an upper bound: finished ranges above the mark-delete too). */
    char *body = NULL;
    cr_assert_eq(harness_http("GET", getenv("SILTA_METRICS_URL"), NULL, NULL, &body, 5000), 200);
    const char *series = "silta_queue_depth{consumer=\"casestore-cursor\"} ";
    const char *at = strstr(body, series);
    cr_assert_not_null(at, "no queue-depth gauge for the queue");
    long depth = atol(at + strlen(series));
    cr_assert(depth >= N / 2 && depth <= N, "queue depth %ld after the restart", depth);
    free(body);
    /* The operator's view counts from the cursor exactly: 30 pending, not the
     * (empty) hub.delivery. */
    harness_result_t r;
    harness_ctl(&r, "consumers", "--json", NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    const char *row = strstr(r.out, "\"casestore-cursor\"");
    cr_assert_not_null(row, "%s", r.out);
    cr_assert(strstr(row, "\"pending\":30,") || strstr(row, "\"pending\":\"30\""),
              "siltactl consumers counts the cursor's pending events:\n%s", r.out);
    harness_result_free(&r);
    int unacked = 0;
    while (acked[unacked])
        unacked++;
    harness_ctl(&r, "trace", ids[unacked], "--json", NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    const char *pend = strstr(r.out, "\"pending\":[");
    cr_assert(pend && strstr(pend, "casestore-cursor"),
              "trace names the consumer it waits for:\n%s", r.out);
    harness_result_free(&r);
    harness_ctl(&r, "status", "--json", NULL);
    row = strstr(r.out, "\"casestore-cursor\"");
    cr_assert(row && (strstr(row, "\"queued\":30,") || strstr(row, "\"queued\":\"30\"")),
              "siltactl status counts them too:\n%s", r.out);
    harness_result_free(&r);

    con = fixture_client(s_home, "casestore");
    s_subscribe(con, "casestore-cursor", "test.event.v1", 100);
    int again[N] = {0}, n_again = 0;
    while (n_again < N / 2 && fixture_wait(con, SILTA_CLIENT_DELIVER, 10000, &ev) == 0) {
        int k = 0;
        while (k < N && strcmp(ids[k], ev.event->event_id) != 0)
            k++;
        cr_assert_lt(k, N);
        cr_assert_not(acked[k], "acknowledged before the kill, delivered again: %s", ids[k]);
        cr_assert_not(again[k], "delivered twice after the restart: %s", ids[k]);
        again[k] = 1;
        n_again++;
        silta_client_ack(con, ev.delivery_id);
    }
    cr_assert_eq(n_again, N / 2, "every unacknowledged event comes again");
    /* Nothing more is owed: an extra delivery within a second is a bug. */
    cr_assert_neq(fixture_wait(con, SILTA_CLIENT_DELIVER, 1000, &ev), 0,
                  "a delivery beyond the unacknowledged ones");
    silta_client_destroy(&con);
    silta_client_destroy(&pub);
    s_down();
}

Test(hub, reject_goes_to_dead_letters_and_replay_delivers_again, .timeout = 120)
{
    s_up();
    silta_client_t *pub = fixture_client(s_home, "test");
    silta_client_t *con = fixture_client(s_home, "casestore");
    s_subscribe(con, "casestore-picky", "test.event.v1", 10);
    char id[37];
    silta_envelope_t e;
    s_envelope(&e, id, "test.event.v1", "client-dlq");
    cr_assert_eq(silta_client_publish(pub, &e, NULL, NULL), 0);
    cr_assert_eq(silta_client_flush(pub, 10000, NULL, NULL), 0);
    silta_client_event_t ev;
    cr_assert_eq(fixture_wait(con, SILTA_CLIENT_DELIVER, 10000, &ev), 0);
    cr_assert_str_eq(ev.event->event_id, id);
    cr_assert_eq(silta_client_reject(con, ev.delivery_id, "payload not understood"), 0);

    harness_result_t r;
    int64_t end = silta_mono_ms() + 10000;
    do {
        silta_client_poll(con, 50, &ev);
        harness_ctl(&r, "dlq", "list", NULL);
        if (strstr(r.out, id))
            break;
        harness_result_free(&r);
    } while (silta_mono_ms() < end);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(strstr(r.out, id), "dead letter listed:\n%s", r.out);
    cr_assert(strstr(r.out, "payload not understood"), "with its reason:\n%s", r.out);
    harness_result_free(&r);
    cr_assert_eq(fixture_count("SELECT count(*) FROM hub.dead_letter"), 1);

    harness_ctl(&r, "dlq", "replay", "--all", NULL);
    cr_assert_eq(r.status, 0, "replay: %s", r.err);
    harness_result_free(&r);
    cr_assert_eq(fixture_wait(con, SILTA_CLIENT_DELIVER, 10000, &ev), 0, "replayed event delivered");
    cr_assert_str_eq(ev.event->event_id, id);
    silta_client_ack(con, ev.delivery_id);
    cr_assert_eq(fixture_count("SELECT count(*) FROM hub.dead_letter"), 0);

    harness_ctl(&r, "trace", id, NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(strstr(r.out, "rejected"), "trace shows the rejection:\n%s", r.out);
    cr_assert(strstr(r.out, "replayed"), "trace shows the replay:\n%s", r.out);
    harness_result_free(&r);
    silta_client_destroy(&con);
    silta_client_destroy(&pub);
    s_down();
}

Test(hub, duplicate_event_id_is_confirmed_and_stored_once, .timeout = 120)
{
    s_up();
    silta_client_t *con = fixture_client(s_home, "casestore");
    s_subscribe(con, "casestore-dedup", "test.event.v1", 10);
    silta_client_t *pub = fixture_client(s_home, "test");
    char id[37];
    silta_envelope_t e;
    s_envelope(&e, id, "test.event.v1", "client-dup");
    cr_assert_eq(silta_client_publish(pub, &e, NULL, NULL), 0);
    silta_client_event_t ev;
    cr_assert_eq(fixture_wait(pub, SILTA_CLIENT_CONFIRM, 10000, &ev), 0);
    cr_assert_eq(ev.duplicate, 0);
    cr_assert_eq(silta_client_publish(pub, &e, NULL, NULL), 0);
    cr_assert_eq(fixture_wait(pub, SILTA_CLIENT_CONFIRM, 10000, &ev), 0);
    cr_assert_eq(ev.duplicate, 1, "the second publish is confirmed as a duplicate");
    cr_assert_eq(fixture_count("SELECT count(*) FROM hub.journal"), 1);
    cr_assert_eq(fixture_wait(con, SILTA_CLIENT_DELIVER, 10000, &ev), 0);
    silta_client_ack(con, ev.delivery_id);
    cr_assert_neq(fixture_wait(con, SILTA_CLIENT_DELIVER, 1500, &ev), 0, "delivered only once");
    silta_client_destroy(&pub);
    silta_client_destroy(&con);
    s_down();
}

Test(hub, malformed_packet_is_nacked_and_hub_keeps_serving, .timeout = 120)
{
    s_up();
    void *ctx = zmq_ctx_new();
    char key[4096];
    snprintf(key, sizeof key, "%s/keys/test.key", s_home);
    void *raw = fixture_raw(ctx, key);
    fixture_raw_hello(raw);
    silta_packet_t *p = fixture_raw_recv(raw, SILTA__PACKET__CMD_HELLO, 10000);
    cr_assert_not_null(p, "hub answers HELLO");
    silta_codec_free(&p);

    const char garbage[] = "\xff\xff\xff\xff garbage, not protobuf";
    cr_assert(zmq_send(raw, garbage, sizeof garbage, 0) > 0);
    p = fixture_raw_recv(raw, SILTA__PACKET__CMD_NACK, 10000);
    cr_assert_not_null(p, "garbage is NACKed");
    cr_assert_eq(p->nack->code, SILTA__ERROR_CODE__MALFORMED);
    silta_codec_free(&p);

    /* a publish with a hetu-shaped client_key is refused with INVALID */
    Silta__Envelope e = SILTA__ENVELOPE__INIT;
    char id[37];
    silta_uuid_v7(id);
    e.event_id = id;
    e.type = "test.event.v1";
    e.client_key = "010185-901E";
    Silta__Publish pub = SILTA__PUBLISH__INIT;
    pub.seq = 7;
    pub.event = &e;
    silta_packet_t pp = SILTA__PACKET__INIT;
    pp.cmd_case = SILTA__PACKET__CMD_PUBLISH;
    pp.publish = &pub;
    cr_assert_eq(silta_codec_send(raw, NULL, 0, &pp), 0);
    p = fixture_raw_recv(raw, SILTA__PACKET__CMD_NACK, 10000);
    cr_assert_not_null(p);
    cr_assert_eq(p->nack->seq, 7);
    cr_assert_eq(p->nack->code, SILTA__ERROR_CODE__INVALID);
    silta_codec_free(&p);

    /* the same session still publishes, and another client is served */
    e.client_key = "client-ok";
    cr_assert_eq(silta_codec_send(raw, NULL, 0, &pp), 0);
    p = fixture_raw_recv(raw, SILTA__PACKET__CMD_CONFIRM, 10000);
    cr_assert_not_null(p, "a good publish after garbage is confirmed");
    cr_assert_eq(p->confirm->seq, 7);
    silta_codec_free(&p);
    silta_client_t *c = fixture_client(s_home, "test");
    silta_envelope_t e2;
    char id2[37];
    s_envelope(&e2, id2, "test.event.v1", "client-2");
    cr_assert_eq(silta_client_publish(c, &e2, NULL, NULL), 0);
    cr_assert_eq(silta_client_flush(c, 10000, NULL, NULL), 0);
    silta_client_destroy(&c);
    zmq_close(raw);
    zmq_ctx_term(ctx);
    s_down();
}

static char s_log[4096];
static bool s_refused(void *arg)
{
    (void)arg;
    return harness_file_contains(s_log, "peer refused");
}

Test(hub, unknown_key_is_refused, .timeout = 120)
{
    s_up();
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/stranger", s_home);
    silta_err_t err;
    cr_assert_eq(silta_keys_generate(dir, "stranger", &err), 0, "%s", err.msg);
    void *ctx = zmq_ctx_new();
    char key[8192];
    snprintf(key, sizeof key, "%s/stranger.key", dir);
    void *raw = fixture_raw(ctx, key);
    fixture_raw_hello(raw);
    /* First wait for the refusal to be logged (the handshake was judged), then
     * check that no session answer came. */
    snprintf(s_log, sizeof s_log, "%s/log/silta-hub.log", s_home);
    cr_assert_eq(harness_poll(10000, s_refused, NULL), 0, "the refusal is logged");
    silta_packet_t *p = fixture_raw_recv(raw, SILTA__PACKET__CMD_HELLO, 1000);
    cr_assert_null(p, "a key that is not authorized gets no session");
    zmq_close(raw);
    zmq_ctx_term(ctx);
    s_down();
}

Test(hub, bench_queue_is_durable_across_a_hub_restart, .timeout = 600)
{
    s_up();
    harness_result_t r;
    const char *pub[] = {"--publish-only", "--events", "5000", "--consumers", "2", NULL};
    s_bench(&r, pub);
    cr_assert_eq(r.status, 0, "publish-only failed:\n%s\n%s", r.out, r.err);
    cr_assert_eq(s_field(r.out, "confirmed"), 5000);
    harness_result_free(&r);

    /* The consumers were away the whole time; the hub restarts in between. */
    harness_local(&r, "restart", "silta-hub", NULL);
    cr_assert_eq(r.status, 0, "restart failed:\n%s\n%s", r.out, r.err);
    harness_result_free(&r);

    const char *con[] = {"--consume-only", "--consumers", "2", "--timeout", "120", NULL};
    s_bench(&r, con);
    cr_assert_eq(r.status, 0, "consume-only failed:\n%s\n%s", r.out, r.err);
    cr_assert_eq(s_field(r.out, "lost"), 0, "every confirmed event waited for its consumer");
    cr_assert_eq(s_field(r.out, "unique"), 10000, "5000 events to each of 2 queues");
    harness_result_free(&r);
    s_down();
}
