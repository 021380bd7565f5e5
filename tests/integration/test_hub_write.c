/* test_hub_write.c - the hub's one write per turn (hub/hub_journal_write.c):
 * real PostgreSQL, a real silta-hub, each test in its own SILTA_HOME.
 *
 * A turn's batch of PUBLISHes and the checkpoint of its dispatch round
 * (disclosure rows, delivery log, cursors) are one statement, so they commit
 * in one transaction: the rows share their xmin. Before, they were two
 * statements, two transactions, and no disclosure row ever shared a journal
 * row's xmin. The write's parameters are binary arrays: payload bytes and
 * duplicates inside one batch must come through as they did with text.
 */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"
#include "harness.h"
#include "silta_client.h"
#include "silta_time.h"
#include "silta_uuid.h"

static char *s_home;

static void s_fini(void)
{
    harness_home_destroy(&s_home);
}
TestSuite(hub_write, .fini = s_fini);

/* Restart the hub (ops/silta-local restart); with kill_9, kill it first. */
static void s_restart_hub(int kill_9)
{
    if (kill_9) {
        char pidfile[4096];
        snprintf(pidfile, sizeof pidfile, "%s/run/silta-hub.pid", s_home);
        pid_t hub = harness_pid_file(pidfile);
        cr_assert(hub > 0);
        cr_assert_eq(kill(hub, SIGKILL), 0);
    }
    harness_result_t r;
    harness_local(&r, "restart", "silta-hub", NULL);
    cr_assert_eq(r.status, 0, "restart failed:\n%s\n%s", r.out, r.err);
    harness_result_free(&r);
}

/* A consumer of test.event.v1 on queue, subscribed without waiting for the
 * answer: fixture_subscribe passes over a DELIVER that comes with it, and
 * here a backlog is waiting. */
static silta_client_t *s_consumer(const char *queue)
{
    silta_client_t *con = fixture_client(s_home, "casestore");
    const char *types[1] = {"test.event.v1"};
    silta_err_t err;
    cr_assert_eq(silta_client_subscribe(con, queue, types, 1, 10, &err), 0, "%s", err.msg);
    return con;
}

/* A fresh deployment with a casestore consumer attached to queue. */
static silta_client_t *s_up_attached(const char *queue)
{
    s_home = fixture_up();
    silta_client_t *con = fixture_client(s_home, "casestore");
    cr_assert_eq(fixture_subscribe(con, queue, "test.event.v1", NULL), SILTA_CLIENT_CONFIRM);
    return con;
}

/* A test.event.v1 envelope of client, id written. */
static void s_envelope(silta_envelope_t *e, char id[37], const char *client, const uint8_t *payload,
                       size_t len)
{
    silta__envelope__init(e);
    silta_uuid_v7(id);
    e->event_id = id;
    e->type = "test.event.v1";
    e->client_key = (char *)client;
    e->occurred_at = silta_now_ms();
    e->payload.data = (uint8_t *)payload;
    e->payload.len = len;
}

/* One publisher and one consumer running together (silta-bench): while
 * publishers are busy, a dispatch round is written with the next batch. */
Test(hub_write, a_dispatch_round_commits_with_the_next_batch, .timeout = 300)
{
    s_home = fixture_up();
    char bench[4096];
    harness_bin_path(bench, sizeof bench, "silta-bench");
    harness_result_t r;
    char *const argv[] = {bench,         "--events", "3000", "--publishers", "1", "--consumers",
                          "1",           "--window", "100",  "--size",       "200", NULL};
    harness_run(&r, 240000, argv);
    cr_assert_eq(r.status, 0, "bench failed:\n%s\n%s", r.out, r.err);
    harness_result_free(&r);
    cr_assert_eq(fixture_count("SELECT count(*) FROM hub.disclosure"), 3000,
                 "every delivery has its disclosure row");
    long shared = fixture_count("SELECT count(*) FROM hub.disclosure d WHERE d.xmin::text IN "
                                "(SELECT DISTINCT j.xmin::text FROM hub.journal j)");
    cr_assert_gt(shared, 0,
                 "no disclosure row was committed in the transaction of a journal batch");
    harness_home_destroy(&s_home);
}

static bool s_confirmed(silta_client_t *c, int *answers, uint64_t seqs[3], int dup[3])
{
    silta_client_event_t ev;
    if (fixture_wait(c, SILTA_CLIENT_CONFIRM, 10000, &ev) != 0)
        return false;
    for (int i = 0; i < 3; i++)
        if (ev.seq == seqs[i])
            dup[i] = ev.duplicate;
    (*answers)++;
    return true;
}

/* Every byte value of a payload survives the journal (read back by a
 * restarted hub, so from the bytea column, not from memory), and of two
 * PUBLISHes of one event_id sent back to back only the first is new. */
Test(hub_write, payload_bytes_and_duplicates_in_one_batch_survive_the_binary_write,
     .timeout = 180)
{
    silta_client_t *con = s_up_attached("casestore-bytes");
    silta_client_destroy(&con);

    uint8_t bytes[256];
    for (int i = 0; i < 256; i++)
        bytes[i] = (uint8_t)i;
    silta_client_t *pub = fixture_client(s_home, "test");
    char ida[37], idb[37];
    silta_envelope_t ea, eb;
    s_envelope(&ea, ida, "client-bytes", bytes, sizeof bytes);
    s_envelope(&eb, idb, "client-bytes", bytes, sizeof bytes);
    const silta_envelope_t *es[3] = {&ea, &ea, &eb}; /* the first id twice, back to back */
    uint64_t seqs[3] = {0, 0, 0};
    int dup[3] = {-1, -1, -1};
    for (int i = 0; i < 3; i++) {
        silta_err_t err;
        cr_assert_eq(silta_client_publish(pub, es[i], &seqs[i], &err), 0, "%s", err.msg);
    }
    int answers = 0;
    while (answers < 3 && s_confirmed(pub, &answers, seqs, dup))
        ;
    cr_assert_eq(answers, 3, "every publish confirmed");
    cr_assert_eq(dup[0], 0, "the first publish of the id is new");
    cr_assert_eq(dup[1], 1, "the second publish of the id is a duplicate");
    cr_assert_eq(dup[2], 0, "another id is new");
    cr_assert_eq(fixture_count("SELECT count(*) FROM hub.journal"), 2);
    silta_client_destroy(&pub);

    s_restart_hub(0);
    con = s_consumer("casestore-bytes");
    int got = 0, got_a = 0;
    silta_client_event_t ev;
    while (got < 2 && fixture_wait(con, SILTA_CLIENT_DELIVER, 10000, &ev) == 0) {
        got++;
        got_a += strcmp(ev.event->event_id, ida) == 0;
        cr_assert_eq(ev.event->payload.len, sizeof bytes);
        cr_assert_eq(memcmp(ev.event->payload.data, bytes, sizeof bytes), 0,
                     "the payload came back byte for byte");
        cr_assert_str_eq(ev.event->source, "test", "journalled with the hub's source");
        silta_client_ack(con, ev.delivery_id);
    }
    cr_assert_eq(got, 2, "deliveries: %d (of them the first id: %d)", got, got_a);
    cr_assert_eq(got_a, 1, "the duplicate was not delivered");
    cr_assert_neq(fixture_wait(con, SILTA_CLIENT_DELIVER, 1500, &ev), 0, "nothing more");
    silta_client_destroy(&con);
    harness_home_destroy(&s_home);
}

/* An event a caught-up consumer takes straight from the commit (the
 * PUBLISH's decoded envelope, handed over) carries what was journalled: the
 * authenticated source, never the publisher's claim, and the hub's
 * recorded_at. */
Test(hub_write, an_event_handed_over_at_commit_is_the_journalled_one, .timeout = 120)
{
    silta_client_t *con = s_up_attached("casestore-handover");
    silta_client_t *pub = fixture_client(s_home, "test");
    char id[37];
    silta_envelope_t e;
    s_envelope(&e, id, "client-handover", (const uint8_t *)"{}", 2);
    e.source = "someone-else";
    int64_t before = silta_now_ms();
    cr_assert_eq(silta_client_publish(pub, &e, NULL, NULL), 0);
    silta_client_event_t ev;
    cr_assert_eq(fixture_wait(pub, SILTA_CLIENT_CONFIRM, 10000, &ev), 0);
    cr_assert_eq(fixture_wait(con, SILTA_CLIENT_DELIVER, 10000, &ev), 0);
    cr_assert_str_eq(ev.event->event_id, id);
    cr_assert_str_eq(ev.event->source, "test", "the authenticated identity, not the claim");
    cr_assert_geq(ev.event->recorded_at, before - 1000, "the hub's recorded_at");
    char sql[160];
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM hub.journal WHERE event_id = '%s' AND source = 'test'", id);
    cr_assert_eq(fixture_count(sql), 1);
    silta_client_ack(con, ev.delivery_id);
    silta_client_destroy(&pub);
    silta_client_destroy(&con);
    harness_home_destroy(&s_home);
}

static char s_want_acked[128];
static bool s_cursor_is(void *arg)
{
    (void)arg;
    char sql[256];
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM hub.cursor k JOIN hub.consumer c ON c.id = k.consumer_id "
             "WHERE c.name = 'casestore-ranges' AND k.acked = %s",
             s_want_acked);
    return fixture_count(sql) == 1;
}

/* The cursor's finished ranges travel as one flat binary array sliced per
 * consumer: two deliveries acknowledged above one left open are written as
 * exactly their range, and a hub killed with -9 sends only the open one again. */
Test(hub_write, acknowledged_ranges_above_an_open_delivery_are_checkpointed_exactly,
     .timeout = 180)
{
    silta_client_t *con = s_up_attached("casestore-ranges");
    silta_client_t *pub = fixture_client(s_home, "test");
    char ids[3][37];
    for (int i = 0; i < 3; i++) {
        char client[32];
        snprintf(client, sizeof client, "client-range-%d", i);
        cr_assert_eq(fixture_publish_one(pub, "test.event.v1", client, (const uint8_t *)"{}", 2,
                                         ids[i], NULL),
                     SILTA_CLIENT_CONFIRM);
    }
    silta_client_event_t ev;
    uint64_t open_id = 0;
    for (int i = 0; i < 3; i++) {
        cr_assert_eq(fixture_wait(con, SILTA_CLIENT_DELIVER, 10000, &ev), 0, "delivery %d", i);
        if (strcmp(ev.event->event_id, ids[0]) == 0)
            open_id = ev.delivery_id; /* left unacknowledged */
        else
            silta_client_ack(con, ev.delivery_id);
    }
    cr_assert_neq(open_id, 0);
    long lo = fixture_count("SELECT min(seq) FROM hub.journal WHERE seq > (SELECT min(seq) "
                            "FROM hub.journal)");
    long hi = fixture_count("SELECT max(seq) FROM hub.journal");
    snprintf(s_want_acked, sizeof s_want_acked, "'{%ld,%ld}'::bigint[]", lo, hi);
    cr_assert_eq(harness_poll(10000, s_cursor_is, NULL), 0, "cursor acked is not %s",
                 s_want_acked);
    silta_client_destroy(&con);

    s_restart_hub(1);
    con = s_consumer("casestore-ranges");
    cr_assert_eq(fixture_wait(con, SILTA_CLIENT_DELIVER, 10000, &ev), 0);
    cr_assert_str_eq(ev.event->event_id, ids[0], "the open delivery comes again");
    silta_client_ack(con, ev.delivery_id);
    cr_assert_neq(fixture_wait(con, SILTA_CLIENT_DELIVER, 1500, &ev), 0,
                  "the acknowledged ones do not");
    silta_client_destroy(&con);
    silta_client_destroy(&pub);
    harness_home_destroy(&s_home);
}
