/* test_retention.c - the journal partitioned by time and its retention (issue 14,
 * item 5): hub/migrations/005_partitions.sql, the hub's write through
 * hub.journal_id, `siltactl journal status|retain`. Real PostgreSQL, a real
 * silta-hub and siltactl, each test in its own SILTA_HOME.
 *
 *   - an upgrade: a journal of today's schema (001-004) with rows in it becomes
 *     partition 0; rows, ids and the dedupe survive; so do its delivery log's
 *     records (006);
 *   - an upgrade from 005 with partitions already cut and one dropped: each
 *     delivery record goes to its range's partition, nothing is lost, and
 *     retain drops the records of the partition dropped before 006;
 *   - with the hub running: a cut moves new events to the next partition and a
 *     re-sent event_id is still a duplicate across the boundary; an old,
 *     finished partition is dropped with its delivery log partition (its
 *     disclosure rows stay), the new delivery log partition takes the
 *     records and `siltactl trace` shows them;
 *   - the decision: old+finished is dropped; a dead letter, an unfinished
 *     consumer, the retention period each keep a partition; --dry-run drops
 *     nothing; the answers of siltactl (text, JSON, exit codes).
 */
#include <criterion/criterion.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fixture.h"
#include "harness.h"
#include "silta_client.h"
#include "silta_db.h"
#include "silta_time.h"
#include "silta_uuid.h"

#define S_SPAN 1099511627776L /* 2^40: one partition's seqs */

/* 1 when hub.journal is a partitioned table (from the catalogue: no grant needed). */
#define S_IS_PARTITIONED                                                                           \
    "SELECT count(*) FROM pg_partitioned_table p JOIN pg_class c ON c.oid = p.partrelid "          \
    "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'hub' AND c.relname = "       \
    "'journal'"
/* The same for the delivery log (006). */
#define S_LOG_IS_PARTITIONED                                                                       \
    "SELECT count(*) FROM pg_partitioned_table WHERE partrelid = to_regclass('hub.delivery_log')"
/* The delivery log's rows in partition k, through the parent (the hub's role
 * has no grant on a partition created after its start). */
#define S_LOG_IN(k)                                                                                \
    "SELECT count(*) FROM hub.delivery_log WHERE tableoid = 'hub.delivery_log_p" k "'::regclass"
/* 1 when the table hub.<name> exists. */
#define S_EXISTS(name)                                                                             \
    "SELECT count(*) FROM pg_class WHERE oid = coalesce(to_regclass('hub." name "'), 0)"

static char *s_home;

static void s_fini(void)
{
    harness_home_destroy(&s_home);
}
TestSuite(retention, .fini = s_fini);

/* siltactl journal ARGS...; returns the exit code, output in *r (free it). */
static int s_journal(harness_result_t *r, const char *a, const char *b, const char *c)
{
    return harness_ctl(r, "journal", a, b, c, NULL);
}

/* Age the open partition so that the next `retain` cuts it. */
static void s_age_open(void)
{
    fixture_exec_admin("UPDATE hub.journal_part SET opened_at = now() - interval '2 days' "
                       "WHERE closed_at IS NULL");
}

static void s_retain_ok(harness_result_t *r, const char *flag)
{
    s_journal(r, "retain", flag, NULL);
    cr_assert_eq(r->status, 0, "retain failed (%d):\n%s\n%s", r->status, r->out, r->err);
}

/* A test.event.v1 envelope of client with the given id (a new one when id is
 * empty). */
static void s_envelope(silta_envelope_t *e, char id[37], const char *client)
{
    silta__envelope__init(e);
    if (!id[0])
        silta_uuid_v7(id);
    e->event_id = id;
    e->type = "test.event.v1";
    e->client_key = (char *)client;
    e->occurred_at = silta_now_ms();
    e->payload.data = (uint8_t *)"{}";
    e->payload.len = 2;
}

/* Publish (id empty: a new one) and wait for the CONFIRM; its duplicate flag. */
static int s_publish(silta_client_t *pub, char id[37], const char *client)
{
    silta_envelope_t e;
    s_envelope(&e, id, client);
    cr_assert_eq(silta_client_publish(pub, &e, NULL, NULL), 0);
    silta_client_event_t ev;
    cr_assert_eq(fixture_wait(pub, SILTA_CLIENT_CONFIRM, 10000, &ev), 0, "no CONFIRM");
    return ev.duplicate;
}

static long s_seq_of(const char *id)
{
    char sql[160];
    snprintf(sql, sizeof sql,
             "SELECT coalesce(max(seq), -1) FROM hub.journal WHERE event_id = '%s'", id);
    return fixture_count(sql);
}

static long s_want_mark;
static bool s_cursor_past(void *arg)
{
    (void)arg;
    return fixture_count("SELECT coalesce(min(mark_delete), 0) FROM hub.cursor") >= s_want_mark;
}

/* A count query that must reach 1. */
static char s_log_sql[256];
static bool s_log_has(void *arg)
{
    (void)arg;
    return fixture_count(s_log_sql) >= 1;
}

/* Take one DELIVER on con and ACK it; its event_id must be id. */
static void s_take(silta_client_t *con, const char *id)
{
    silta_client_event_t ev;
    cr_assert_eq(fixture_wait(con, SILTA_CLIENT_DELIVER, 10000, &ev), 0, "no DELIVER");
    cr_assert_str_eq(ev.event->event_id, id);
    silta_client_ack(con, ev.delivery_id);
}

/* ------------------------------------------------------------------------ */

Test(retention, upgrade_of_a_journal_with_data, .timeout = 180)
{
    s_home = fixture_up();
    harness_result_t r;
    harness_local(&r, "stop", "silta-hub", NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    harness_result_free(&r);

    /* Today's schema (001-004) with data, as an existing deployment has it. */
    char dir[PATH_MAX], cmd[3 * PATH_MAX];
    snprintf(dir, sizeof dir, "%s/old-migrations", s_home);
    snprintf(cmd, sizeof cmd, "mkdir -p %s && cp %s/hub/migrations/00[1-4]_*.sql %s", dir,
             harness_src(), dir);
    cr_assert_eq(system(cmd), 0);
    fixture_exec_admin("DROP SCHEMA hub CASCADE");
    silta_err_t err;
    PGconn *db = silta_db_connect(getenv("SILTA_PG_ADMIN_URL"), &err);
    cr_assert_not_null(db, "%s", err.msg);
    cr_assert_eq(silta_db_migrate(db, "hub", dir, &err), 0, "%s", err.msg);
    silta_db_close(&db);
    fixture_exec_admin(
        "INSERT INTO hub.journal (event_id, type, source, client_key, envelope) VALUES "
        "('01900000-0000-7000-8000-000000000001', 'test.event.v1', 'test', 'c1', '\\x00'), "
        "('01900000-0000-7000-8000-000000000002', 'test.event.v1', 'test', 'c1', '\\x00'), "
        "('01900000-0000-7000-8000-000000000003', 'test.event.v1', 'test', 'c2', '\\x00'); "
        "INSERT INTO hub.delivery_log (consumer_id, seq, attempt, outcome) "
        "SELECT 1, seq, 1, 'acked' FROM hub.journal");
    cr_assert_eq(fixture_count(S_IS_PARTITIONED), 0, "the old schema is not partitioned");

    harness_local(&r, "restart", "silta-hub", NULL);
    cr_assert_eq(r.status, 0, "the hub did not start on the old schema:\n%s\n%s", r.out, r.err);
    harness_result_free(&r);

    cr_assert_eq(fixture_count(S_IS_PARTITIONED), 1, "partitioned after the upgrade");
    cr_assert_eq(fixture_count("SELECT count(*) FROM hub.journal"), 3, "every row kept");
    cr_assert_eq(fixture_count("SELECT count(*) FROM hub.journal_p0"), 3, "in partition 0");
    cr_assert_eq(fixture_count("SELECT count(*) FROM hub.journal j JOIN hub.journal_id i "
                               "USING (event_id, seq)"),
                 3, "every id in the dedupe table");
    cr_assert_eq(fixture_count("SELECT count(*) FROM hub.journal_part WHERE closed_at IS NULL"), 1);
    cr_assert_eq(fixture_count(S_LOG_IS_PARTITIONED), 1, "the delivery log is partitioned too");
    cr_assert_eq(
        fixture_count("SELECT count(*) FROM hub.delivery_log l JOIN hub.journal j USING (seq) "
                      "WHERE l.tableoid = 'hub.delivery_log_p0'::regclass "
                      "AND l.outcome = 'acked'"),
        3, "every delivery record kept, in partition 0");

    /* An old id re-sent: a duplicate; a new one journalled after the old rows. */
    silta_client_t *pub = fixture_client(s_home, "test");
    char old[37] = "01900000-0000-7000-8000-000000000002", fresh[37] = "";
    cr_assert_eq(s_publish(pub, old, "c1"), 1, "an id from before the upgrade is a duplicate");
    cr_assert_eq(s_publish(pub, fresh, "c1"), 0);
    cr_assert_eq(fixture_count("SELECT count(*) FROM hub.journal"), 4);
    cr_assert_gt(s_seq_of(fresh), 3);
    silta_client_destroy(&pub);

    /* The hub's role may read the catalogue but not change it. */
    PGconn *app = silta_db_connect(getenv("SILTA_PG_URL"), &err);
    cr_assert_not_null(app);
    cr_assert_neq(silta_db_exec(app, "DELETE FROM hub.journal_part", &err), 0,
                  "the hub's role must not write the catalogue");
    silta_db_close(&app);
}

/* A deployment on 005 whose journal was already cut twice and whose partition 0
 * was dropped, with delivery records of every partition: 006 keeps each record
 * in its range's partition, and the next retain drops those of partition 0. */
Test(retention, upgrade_of_a_cut_journal_keeps_its_delivery_log, .timeout = 180)
{
    s_home = fixture_up();
    harness_result_t r;
    harness_local(&r, "stop", "silta-hub", NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    harness_result_free(&r);

    char dir[PATH_MAX], cmd[3 * PATH_MAX];
    snprintf(dir, sizeof dir, "%s/old-migrations", s_home);
    snprintf(cmd, sizeof cmd, "mkdir -p %s && cp %s/hub/migrations/00[1-5]_*.sql %s", dir,
             harness_src(), dir);
    cr_assert_eq(system(cmd), 0);
    fixture_exec_admin("DROP SCHEMA hub CASCADE");
    silta_err_t err;
    PGconn *db = silta_db_connect(getenv("SILTA_PG_ADMIN_URL"), &err);
    cr_assert_not_null(db, "%s", err.msg);
    cr_assert_eq(silta_db_migrate(db, "hub", dir, &err), 0, "%s", err.msg);
    silta_db_close(&db);
    char sql[4096];
    snprintf(sql, sizeof sql,
             "CREATE TABLE hub.journal_p1 PARTITION OF hub.journal FOR VALUES FROM (%ld) TO (%ld); "
             "CREATE TABLE hub.journal_p2 PARTITION OF hub.journal FOR VALUES FROM (%ld) TO (%ld); "
             "UPDATE hub.journal_part SET closed_at = now() - interval '50 days'; "
             "INSERT INTO hub.journal_part (name, lo, hi, opened_at, closed_at) VALUES "
             "('journal_p1', %ld, %ld, now() - interval '50 days', now() - interval '1 day'), "
             "('journal_p2', %ld, %ld, now() - interval '1 day', NULL); "
             "INSERT INTO hub.journal (seq, event_id, type, source, client_key, envelope) "
             "SELECT %ld * k + 5, gen_random_uuid(), 'test.event.v1', 'test', 'c', '\\x00' "
             "FROM generate_series(0, 2) k; "
             "INSERT INTO hub.delivery_log (consumer_id, seq, attempt, outcome) "
             "SELECT c, seq, 1, 'acked' FROM hub.journal, generate_series(1, 2) c; "
             "ALTER TABLE hub.journal DETACH PARTITION hub.journal_p0; DROP TABLE hub.journal_p0; "
             "UPDATE hub.journal_part SET dropped_at = now(), dropped_rows = 1, "
             "dropped_bytes = 8192 WHERE lo = 0; "
             "SELECT setval('hub.journal_seq_seq', %ld)",
             S_SPAN, 2 * S_SPAN, 2 * S_SPAN, 3 * S_SPAN, S_SPAN, 2 * S_SPAN, 2 * S_SPAN, 3 * S_SPAN,
             S_SPAN, 2 * S_SPAN + 5);
    fixture_exec_admin(sql);

    harness_local(&r, "restart", "silta-hub", NULL);
    cr_assert_eq(r.status, 0, "the hub did not start on the 005 schema:\n%s\n%s", r.out, r.err);
    harness_result_free(&r);
    cr_assert_eq(fixture_count(S_LOG_IS_PARTITIONED), 1);
    cr_assert_eq(fixture_count("SELECT count(*) FROM hub.delivery_log"), 6, "no record lost");
    const char *per[3] = {S_LOG_IN("0") " AND seq = 5", S_LOG_IN("1") " AND seq = 1099511627781",
                          S_LOG_IN("2") " AND seq = 2199023255557"};
    for (int k = 0; k < 3; k++)
        cr_assert_eq(fixture_count(per[k]), 2, "partition %d has its range's records", k);

    /* partition 0's events are gone: a dry run says it would drop their records, */
    s_retain_ok(&r, "--dry-run");
    cr_assert(strstr(r.out, "delivery log: 1 partition(s) of events dropped before migration 006 "
                            "would be dropped"),
              "%s", r.out);
    harness_result_free(&r);
    cr_assert_eq(fixture_count(S_EXISTS("delivery_log_p0")), 1, "a dry run drops nothing");
    /* retain drops them and says so */
    s_retain_ok(&r, "--json");
    json_error_t jerr;
    json_t *root = json_loads(r.out, 0, &jerr);
    cr_assert_not_null(root, "not JSON: %s\n%s", jerr.text, r.out);
    cr_assert_eq(json_integer_value(json_object_get(root, "stale_log_partitions")), 1, "%s", r.out);
    json_decref(root);
    harness_result_free(&r);
    cr_assert_eq(fixture_count(S_EXISTS("delivery_log_p0")), 0);
    cr_assert_eq(fixture_count("SELECT count(*) FROM hub.journal_part WHERE lo = 0 "
                               "AND dropped_log_rows = 2 AND dropped_bytes > 8192"),
                 1, "the catalogue row adds the records dropped");
    cr_assert_eq(fixture_count("SELECT count(*) FROM hub.delivery_log"), 4,
                 "the records of kept events stay");
    s_retain_ok(&r, "--json");
    cr_assert(strstr(r.out, "\"stale_log_partitions\": 0"), "once only:\n%s", r.out);
    harness_result_free(&r);
}

Test(retention, cut_dedupe_across_the_boundary_and_drop, .timeout = 180)
{
    s_home = fixture_up();
    silta_client_t *con = fixture_client(s_home, "casestore");
    cr_assert_eq(fixture_subscribe(con, "casestore-ret", "test.event.v1", NULL),
                 SILTA_CLIENT_CONFIRM);
    silta_client_t *pub = fixture_client(s_home, "test");
    char a[37] = "", b[37] = "";
    cr_assert_eq(s_publish(pub, a, "client-a"), 0);
    s_take(con, a);
    cr_assert_lt(s_seq_of(a), S_SPAN, "the first event is in partition 0");

    /* The cut: partition 1 opens, new events land there. */
    harness_result_t r;
    s_age_open();
    s_retain_ok(&r, NULL);
    cr_assert(strstr(r.out, "journal_p0 closed, journal_p1 opened"), "%s", r.out);
    cr_assert(strstr(r.out, "in the retention period"), "p0 is young:\n%s", r.out);
    harness_result_free(&r);
    cr_assert_eq(fixture_count(S_EXISTS("delivery_log_p1")), 1,
                 "the cut opens the delivery log's partition too");
    cr_assert_eq(s_publish(pub, a, "client-a"), 1, "a re-sent id is a duplicate across the cut");
    cr_assert_eq(fixture_count("SELECT count(*) FROM hub.journal"), 1);
    cr_assert_eq(s_publish(pub, b, "client-b"), 0);
    cr_assert_geq(s_seq_of(b), S_SPAN, "after the cut, events go to partition 1");
    s_take(con, b);
    s_want_mark = s_seq_of(b);
    cr_assert_eq(harness_poll(10000, s_cursor_past, NULL), 0, "the cursor passed b");
    snprintf(s_log_sql, sizeof s_log_sql, S_LOG_IN("0") " AND seq = %ld AND outcome = 'acked'",
             s_seq_of(a));
    cr_assert_eq(harness_poll(10000, s_log_has, NULL), 0, "a's ack is in delivery_log_p0");
    snprintf(s_log_sql, sizeof s_log_sql, S_LOG_IN("1") " AND seq = %ld AND outcome = 'acked'",
             s_seq_of(b));
    cr_assert_eq(harness_poll(10000, s_log_has, NULL), 0, "b's ack is in delivery_log_p1");

    /* p0 closed long ago and finished: dropped; its disclosure rows stay. */
    long disclosed = fixture_count("SELECT count(*) FROM hub.disclosure");
    cr_assert_geq(disclosed, 2);
    fixture_exec_admin("UPDATE hub.journal_part SET closed_at = now() - interval '40 days' "
                       "WHERE name = 'journal_p0'");
    s_retain_ok(&r, "--json");
    json_error_t jerr;
    json_t *root = json_loads(r.out, 0, &jerr);
    cr_assert_not_null(root, "not JSON: %s\n%s", jerr.text, r.out);
    json_t *p0 = json_array_get(json_object_get(root, "partitions"), 0);
    cr_assert_str_eq(json_string_value(json_object_get(p0, "name")), "journal_p0");
    cr_assert_str_eq(json_string_value(json_object_get(p0, "action")), "dropped", "%s", r.out);
    cr_assert_eq(json_integer_value(json_object_get(p0, "rows")), 1);
    cr_assert_eq(json_integer_value(json_object_get(p0, "log_rows")), 1, "a's ack: %s", r.out);
    json_decref(root);
    harness_result_free(&r);
    cr_assert_eq(fixture_count("SELECT count(*) FROM pg_class WHERE oid = "
                               "coalesce(to_regclass('hub.journal_p0'), 0)"),
                 0, "the table is gone");
    cr_assert_eq(fixture_count(S_EXISTS("delivery_log_p0")), 0, "and its delivery log's");
    cr_assert_eq(fixture_count("SELECT count(*) FROM hub.journal_part WHERE name = 'journal_p0' "
                               "AND dropped_log_rows = 1 AND dropped_bytes > 0"),
                 1, "the catalogue records the delivery records dropped");
    cr_assert_eq(fixture_count(S_LOG_IN("1")),
                 fixture_count("SELECT count(*) FROM hub.delivery_log"),
                 "the new partition has every record left");
    harness_ctl(&r, "trace", b, NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(strstr(r.out, "acked") && strstr(r.out, "casestore-ret"),
              "trace of a new event shows its delivery:\n%s", r.out);
    harness_result_free(&r);
    cr_assert_eq(fixture_count("SELECT count(*) FROM hub.journal"), 1, "b is still there");
    char sql[160];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM hub.journal_id WHERE event_id = '%s'", a);
    cr_assert_eq(fixture_count(sql), 0, "its ids left the dedupe table");
    cr_assert_eq(fixture_count("SELECT count(*) FROM hub.disclosure"), disclosed,
                 "the disclosure log is never dropped");

    /* trace on a dropped event says where it went */
    s_journal(&r, "status", NULL, NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(strstr(r.out, "journal_p0") && strstr(r.out, "dropped"), "%s", r.out);
    harness_result_free(&r);
    harness_ctl(&r, "trace", a, NULL);
    cr_assert_eq(r.status, 1);
    cr_assert(strstr(r.err, "retention"), "%s", r.err);
    harness_result_free(&r);
    silta_client_destroy(&pub);
    silta_client_destroy(&con);
}

Test(retention, keeps_what_is_still_needed, .timeout = 180)
{
    s_home = fixture_up();
    harness_result_t r;
    for (int i = 0; i < 4; i++) { /* partitions 0-3 closed, 4 open */
        s_age_open();
        s_retain_ok(&r, NULL);
        harness_result_free(&r);
    }
    cr_assert_eq(fixture_count("SELECT count(*) FROM hub.journal_part"), 5);
    cr_assert_geq(fixture_count("SELECT last_value FROM hub.journal_seq_seq"), 4 * S_SPAN,
                  "the sequence is in the open partition");
    /* One event in each of p0-p3; a consumer finished up to p1; a dead letter in p1. */
    char sql[1024];
    snprintf(sql, sizeof sql,
             "INSERT INTO hub.journal (seq, event_id, type, source, client_key, envelope) "
             "SELECT %ld * k + 10, gen_random_uuid(), 'test.event.v1', 'test', 'c', '\\x00' "
             "FROM generate_series(0, 3) k; "
             "INSERT INTO hub.consumer (name, types) VALUES ('casestore-t', '{test.event.v1}'); "
             "INSERT INTO hub.cursor (consumer_id, mark_delete) SELECT id, %ld FROM hub.consumer "
             "WHERE name = 'casestore-t'; "
             "INSERT INTO hub.dead_letter (consumer_id, seq, attempts, reason) SELECT id, %ld, 1, "
             "'test' FROM hub.consumer WHERE name = 'casestore-t'; "
             "UPDATE hub.journal_part SET closed_at = now() - interval '40 days' "
             "WHERE name IN ('journal_p0', 'journal_p1', 'journal_p2')",
             S_SPAN, S_SPAN + 20, S_SPAN + 10);
    fixture_exec_admin(sql);
    harness_expect_dead_letters(1);

    s_retain_ok(&r, "--dry-run");
    cr_assert(strstr(r.out, "dry run"), "%s", r.out);
    cr_assert(strstr(r.out, "would drop"), "%s", r.out);
    harness_result_free(&r);
    cr_assert_eq(fixture_count("SELECT count(*) FROM hub.journal"), 4, "a dry run drops nothing");
    cr_assert_eq(fixture_count("SELECT count(*) FROM hub.journal_part WHERE dropped_at IS NOT "
                               "NULL OR closed_at IS NULL AND name <> 'journal_p4'"),
                 0, "and cuts nothing");

    s_retain_ok(&r, "--json");
    json_error_t jerr;
    json_t *root = json_loads(r.out, 0, &jerr);
    cr_assert_not_null(root, "not JSON: %s\n%s", jerr.text, r.out);
    json_t *parts = json_object_get(root, "partitions");
    cr_assert_eq(json_array_size(parts), 5, "%s", r.out);
    const char *want[5][2] = {{"dropped", "finished by every consumer"},
                              {"kept", "1 dead letters"},
                              {"kept", "not finished by consumer casestore-t"},
                              {"kept", "in the retention period"},
                              {"open", ""}};
    for (size_t i = 0; i < 5; i++) {
        json_t *p = json_array_get(parts, i);
        const char *action = json_string_value(json_object_get(p, "action"));
        const char *why = json_string_value(json_object_get(p, "why"));
        cr_assert_str_eq(action, want[i][0], "partition %zu: %s", i, r.out);
        cr_assert(strstr(why, want[i][1]), "partition %zu: %s", i, why);
    }
    json_decref(root);
    harness_result_free(&r);
    cr_assert_eq(fixture_count("SELECT count(*) FROM hub.journal"), 3, "only p0's row went");
    cr_assert_eq(fixture_count("SELECT dropped_rows FROM hub.journal_part WHERE name = "
                               "'journal_p0' AND dropped_at IS NOT NULL"),
                 1);

    /* the JSON of status: one object per partition, the dropped one with its record */
    s_journal(&r, "status", "--json", NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    root = json_loads(r.out, 0, &jerr);
    cr_assert_not_null(root, "%s", r.out);
    cr_assert_eq(json_array_size(root), 5);
    cr_assert_str_eq(json_string_value(json_object_get(json_array_get(root, 0), "state")),
                     "dropped");
    json_decref(root);
    harness_result_free(&r);
}

Test(retention, siltactl_answers, .timeout = 120)
{
    s_home = fixture_up();
    harness_result_t r;
    cr_assert_eq(s_journal(&r, NULL, NULL, NULL), 2, "no sub-command");
    harness_result_free(&r);
    cr_assert_eq(s_journal(&r, "bogus", NULL, NULL), 2);
    cr_assert(strstr(r.err, "unknown sub-command 'bogus'"), "%s", r.err);
    harness_result_free(&r);
    cr_assert_eq(s_journal(&r, "retain", "--bogus", NULL), 2);
    harness_result_free(&r);
    cr_assert_eq(s_journal(&r, "retain", "--help", NULL), 0);
    cr_assert(strstr(r.out, "--dry-run"), "%s", r.out);
    harness_result_free(&r);

    /* a bad retention config: which line, exit 1, nothing done */
    char conf[PATH_MAX];
    snprintf(conf, sizeof conf, "%s/retention.conf", s_home);
    FILE *f = fopen(conf, "w");
    cr_assert_not_null(f);
    fputs("JOURNAL_PARTITION_DAYS=1\nJOURNAL_KEEP_DAYS=0\n", f);
    fclose(f);
    setenv("SILTA_RETENTION_CONF", conf, 1);
    cr_assert_eq(s_journal(&r, "retain", NULL, NULL), 1);
    cr_assert(strstr(r.err, ":2: JOURNAL_KEEP_DAYS must be"), "%s", r.err);
    harness_result_free(&r);
    unsetenv("SILTA_RETENTION_CONF");

    /* text that fits 100 columns */
    cr_assert_eq(s_journal(&r, "retain", "--dry-run", NULL), 0, "%s", r.err);
    for (char *line = r.out; line && *line;) {
        char *nl = strchr(line, '\n');
        size_t len = nl ? (size_t)(nl - line) : strlen(line);
        cr_assert_leq(len, 100, "too wide: %.*s", (int)len, line);
        line = nl ? nl + 1 : NULL;
    }
    harness_result_free(&r);
}

static bool s_journal_gauges(void *arg)
{
    char **body = arg;
    free(*body);
    *body = NULL;
    if (harness_http("GET", getenv("SILTA_METRICS_URL"), NULL, NULL, body, 5000) != 200)
        return false;
    return strstr(*body, "\nsilta_hub_journal_partitions 1\n") != NULL;
}

/* The journal's size in the hub's metrics, in a form promtool accepts. */
Test(retention, the_journal_size_is_in_the_metrics, .timeout = 120)
{
    s_home = fixture_up();
    char *body = NULL;
    cr_assert_eq(harness_poll(10000, s_journal_gauges, &body), 0, "no journal gauges:\n%s",
                 body ? body : "(no answer)");
    const char *b = strstr(body, "\nsilta_hub_journal_bytes ");
    cr_assert_not_null(b, "%s", body);
    cr_assert_gt(atol(b + strlen("\nsilta_hub_journal_bytes ")), 0, "an empty journal has pages");
    char path[PATH_MAX], promtool[PATH_MAX], cmd[3 * PATH_MAX];
    snprintf(path, sizeof path, "%s/metrics.txt", s_home);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs(body, f);
    fclose(f);
    free(body);
    const char *env = getenv("SILTA_PROMTOOL");
    snprintf(promtool, sizeof promtool, "%s", env ? env : "");
    if (!env)
        snprintf(promtool, sizeof promtool, "%s/build/tools/promtool", harness_src());
    cr_assert(access(promtool, X_OK) == 0,
              "no promtool at %s: run ops/install-deps.sh --promtool (or set SILTA_PROMTOOL)",
              promtool);
    snprintf(cmd, sizeof cmd, "'%s' check metrics < '%s' >/dev/null 2>&1", promtool, path);
    cr_assert_eq(system(cmd), 0, "promtool check metrics refused the hub's scrape");
}
