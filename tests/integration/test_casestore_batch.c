/* test_casestore_batch.c - cs_store_apply_batch driven directly against the
 * harness's PostgreSQL: what one batch does with its events no longer depends
 * on how the hub's deliveries happen to arrive (test_casestore.c covers the
 * process end to end: ACKs on the wire, dead letters, kill -9).
 *
 * An item's rc is what silta-casestore answers the hub (cs_store.h: 0 ACK,
 * SILTA_EINVAL REJECT, other: no answer, redelivered), so a batch's items are
 * the ACKs and REJECTs it sends.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../casestore/cs_tools.h"
#include "../../casestore/store/cs_store.h"
#include "events.pb-c.h"
#include "fixture.h"
#include "harness.h"
#include "silta_codec.h"
#include "silta_hetu.h"
#include "silta_time.h"
#include "silta_uuid.h"

enum { S_GOOD = 20, S_N = S_GOOD + 1, S_BAD = 7 };

static char *s_home;
static cs_params_t s_params;
static cs_seal_t *s_seal;
static silta_clientkey_t *s_ck;
static cs_store_t *s_store;

/* One delivered event and the buffers it points into. */
typedef struct {
    silta_envelope_t ev;
    char id[SILTA_UUID_STRLEN + 1];
    char key[SILTA_CLIENTKEY_LEN + 1];
    uint8_t *payload;
} s_event_t;

static void s_fini(void)
{
    cs_store_destroy(&s_store);
    cs_seal_destroy(&s_seal);
    silta_clientkey_destroy(&s_ck);
    harness_home_destroy(&s_home);
}

TestSuite(casestore_batch, .fini = s_fini);

static void s_open(void)
{
    s_home = fixture_up();
    silta_err_t err;
    char conf[4096];
    snprintf(conf, sizeof conf, "%s/config/rules.conf", harness_src());
    cr_assert_eq(cs_params_load(conf, &s_params, &err), 0, "%s", err.msg);
    s_store = cs_open_store(&s_params, &s_seal, &s_ck, &err);
    cr_assert_not_null(s_store, "%s", err.msg);
}

/* Client i's hetu and (into e->key) its client_key. */
static void s_client(s_event_t *e, int i, char hetu[SILTA_HETU_LEN + 1])
{
    silta_err_t err;
    cr_assert_eq(silta_hetu_make(1950 + i, 1 + i % 12, 1 + i % 28, 900 + i, hetu, &err), 0, "%s",
                 err.msg);
    fixture_client_key(hetu, e->key);
}

/* e's envelope of type around payload[len] (e owns it now), for e->key. */
static void s_wrap(s_event_t *e, const char *type, uint8_t *payload, size_t len)
{
    cr_assert_not_null(payload);
    silta__envelope__init(&e->ev);
    silta_uuid_v7(e->id);
    e->payload = payload;
    e->ev.event_id = e->id;
    e->ev.type = (char *)type;
    e->ev.source = "kela";
    e->ev.client_key = e->key;
    e->ev.occurred_at = silta_now_ms();
    e->ev.payload.data = payload;
    e->ev.payload.len = len;
}

/* Client i's kela.notice.v1 (immigrant_2m: a plan item). */
static void s_notice(s_event_t *e, int i)
{
    char hetu[SILTA_HETU_LEN + 1], ref[32];
    s_client(e, i, hetu);
    snprintf(ref, sizeof ref, "B-%d", i);
    Silta__KelaNotice n = SILTA__KELA_NOTICE__INIT;
    n.hetu = hetu;
    n.kind = "immigrant_2m";
    n.kela_reference = ref;
    n.date = "2026-05-19";
    size_t len = silta__kela_notice__get_packed_size(&n);
    uint8_t *buf = malloc(len + 1);
    if (buf)
        silta__kela_notice__pack(&n, buf);
    s_wrap(e, "kela.notice.v1", buf, len);
}

/* A payload that is no KelaNotice, as if journalled before contracts. */
static void s_garbage(s_event_t *e)
{
    snprintf(e->key, sizeof e->key, "ck_00000000000000000000000000000000");
    s_wrap(e, "kela.notice.v1", (uint8_t *)strdup("\xff\xff\xff garbage"), 12);
}

/* Client i's kela.application.v1 / kela.decision.v1 of benefit B-i (type
 * and status as given; a period's start and end "" when not known). */
static void s_benefit_full(s_event_t *e, int i, const char *type, const char *status,
                           const char *start, const char *end, const char *complete)
{
    char hetu[SILTA_HETU_LEN + 1], ref[32];
    s_client(e, i, hetu);
    snprintf(ref, sizeof ref, "B-%d", i);
    Silta__KelaBenefit b = SILTA__KELA_BENEFIT__INIT;
    b.hetu = hetu;
    b.kela_reference = ref;
    b.benefit = "perustoimeentulotuki";
    b.status = (char *)status;
    b.period_start = (char *)start;
    b.period_end = (char *)end;
    b.complete_date = (char *)complete;
    size_t len = silta__kela_benefit__get_packed_size(&b);
    uint8_t *buf = malloc(len + 1);
    if (buf)
        silta__kela_benefit__pack(&b, buf);
    s_wrap(e, type, buf, len);
}

static void s_benefit(s_event_t *e, int i, const char *type, const char *status,
                      const char *start, const char *end)
{
    s_benefit_full(e, i, type, status, start, end, "");
}

static void s_batch_n(s_event_t *evs, cs_batch_item_t *items, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        memset(&items[i], 0, sizeof items[i]);
        items[i].ev = &evs[i].ev;
    }
    cs_day_t today;
    cr_assert_eq(cs_day_parse("2026-05-20", &today), 0);
    silta_err_t err = {0};
    cr_assert_eq(cs_store_apply_batch(s_store, items, n, today, &err), 0,
                 "the batch committed: %s", err.msg);
}

static void s_batch(s_event_t *evs, cs_batch_item_t *items)
{
    s_batch_n(evs, items, S_N);
}

Test(casestore_batch, batch_with_one_bad_event_applies_and_acks_the_others, .timeout = 240)
{
    s_open();
    s_event_t evs[S_N];
    for (int i = 0, g = 0; i < S_N; i++) {
        if (i == S_BAD)
            s_garbage(&evs[i]);
        else
            s_notice(&evs[i], g++);
    }
    cs_batch_item_t items[S_N];
    s_batch(evs, items);
    for (int i = 0; i < S_N; i++) {
        if (i == S_BAD) {
            cr_assert_eq(items[i].rc, SILTA_EINVAL, "the bad event is REJECTed");
            cr_assert(strstr(items[i].err.msg, "does not decode"), "%s", items[i].err.msg);
        } else {
            cr_assert_eq(items[i].rc, 0, "event %d is ACKed: %s", i, items[i].err.msg);
            cr_assert_eq(items[i].duplicate, 0, "event %d is new", i);
        }
    }
    /* ... and the good ones applied in that same transaction, with their effect */
    cr_assert_eq(fixture_count("SELECT count(*) FROM casestore.inbox"), S_GOOD);
    cr_assert_eq(fixture_count("SELECT count(*) FROM casestore.notice"), S_GOOD);
    cr_assert_eq(fixture_count("SELECT count(*) FROM casestore.plan"), S_GOOD, "a plan each");
    cr_assert_eq(fixture_count("SELECT count(*) FROM casestore.outbox WHERE type = "
                               "'social.plan.v1'"),
                 S_GOOD, "each plan queued for the hub");
    long alerts = fixture_count("SELECT count(*) FROM casestore.alert");
    cr_assert_eq(fixture_count("SELECT count(*) FROM casestore.outbox WHERE type = "
                               "'hub.gap_alert.v1'"),
                 alerts, "each alert opened queued for the hub");
    cr_assert_eq(fixture_count("SELECT count(*) FROM casestore.client c LEFT JOIN "
                               "casestore.client_check k USING (client_key) WHERE "
                               "k.next_check IS NULL"),
                 0, "every client's next check set");

    /* Redelivered as a whole (a crash before the ACKs): nothing twice. */
    s_batch(evs, items);
    for (int i = 0; i < S_N; i++)
        if (i != S_BAD)
            cr_assert(items[i].rc == 0 && items[i].duplicate == 1, "event %d: a duplicate", i);
    cr_assert_eq(items[S_BAD].rc, SILTA_EINVAL);
    cr_assert_eq(fixture_count("SELECT count(*) FROM casestore.inbox"), S_GOOD);
    cr_assert_eq(fixture_count("SELECT count(*) FROM casestore.outbox"), S_GOOD + alerts);
    for (int i = 0; i < S_N; i++)
        free(evs[i].payload);
}

/* The Kela facts of a batch go as one statement per table, but a benefit's
 * application and decision in the same batch still merge as one after the
 * other: the decision's status, the application's start, the decision's end. */
Test(casestore_batch, application_and_decision_in_one_batch_merge_in_order, .timeout = 240)
{
    s_open();
    s_event_t evs[4];
    s_benefit(&evs[0], 1, "kela.application.v1", "received", "2026-05-01", "");
    s_benefit(&evs[1], 2, "kela.application.v1", "received", "2026-05-02", "");
    s_benefit(&evs[2], 1, "kela.decision.v1", "granted", "", "2026-07-31");
    s_notice(&evs[3], 1);
    cs_batch_item_t items[4];
    s_batch_n(evs, items, 4);
    for (int i = 0; i < 4; i++)
        cr_assert_eq(items[i].rc, 0, "event %d: %s", i, items[i].err.msg);
    char *b1 = fixture_value("SELECT status || ' ' || coalesce(period_start::text, '-') || ' ' || "
                             "coalesce(period_end::text, '-') FROM casestore.benefit WHERE "
                             "kela_reference = 'B-1'");
    cr_assert_str_eq(b1, "granted 2026-05-01 2026-07-31");
    free(b1);
    char *b2 = fixture_value("SELECT status || ' ' || period_start FROM casestore.benefit WHERE "
                             "kela_reference = 'B-2'");
    cr_assert_str_eq(b2, "received 2026-05-02");
    free(b2);
    char *ev = fixture_value("SELECT event_id::text FROM casestore.benefit WHERE "
                             "kela_reference = 'B-1'");
    cr_assert_str_eq(ev, evs[2].id, "the decision was applied last");
    free(ev);
    cr_assert_eq(fixture_count("SELECT count(*) FROM casestore.notice WHERE assigned_to IS NOT "
                               "NULL AND client_key = (SELECT client_key FROM casestore.benefit "
                               "WHERE kela_reference = 'B-1')"),
                 1, "the notice, assigned to the team queue");
    cr_assert_eq(fixture_count("SELECT count(*) FROM casestore.inbox"), 4);
    for (int i = 0; i < 4; i++)
        free(evs[i].payload);
}

/* The set-based sync across clients: a batch opens an alert and a plan item
 * for each of three clients (basic assistance complete on 1.4., no decision by
 * 20.5.); the next batch, with decisions for two of them, closes those two
 * alerts (condition cleared) and versions their plans; the third is left as
 * it was. */
Test(casestore_batch, next_batch_closes_and_versions_only_its_clients, .timeout = 240)
{
    s_open();
    s_event_t a[3], d[2];
    for (int i = 0; i < 3; i++)
        s_benefit_full(&a[i], i, "kela.application.v1", "received", "", "", "2026-04-01");
    cs_batch_item_t items[3];
    s_batch_n(a, items, 3);
    long opened = fixture_count("SELECT count(*) FROM casestore.alert WHERE status = 'open'");
    cr_assert_eq(opened, 3, "a late decision alert each");
    cr_assert_eq(fixture_count("SELECT count(*) FROM casestore.plan WHERE version = 1"), 3);
    for (int i = 0; i < 2; i++)
        s_benefit_full(&d[i], i, "kela.decision.v1", "granted", "2026-05-01", "2026-05-31", "");
    fixture_exec("UPDATE casestore.client SET updated_at = '2000-01-01'");
    fixture_exec("UPDATE casestore.client_check SET checked_at = '2000-01-01'");
    s_batch_n(d, items, 2);
    /* a known client's row is locked by the batch, not written; its narrow
     * client_check row is written once, after the rules (migration 013): only
     * the batch's two clients */
    cr_assert_eq(fixture_count("SELECT count(*) FROM casestore.client_check WHERE checked_at > "
                               "'2000-01-01' AND next_check IS NOT NULL"),
                 2, "the batch's clients evaluated");
    cr_assert_eq(fixture_count("SELECT count(*) FROM casestore.client WHERE updated_at > "
                               "'2000-01-01'"),
                 0, "no client row rewritten by the evaluation");
    cr_assert_eq(fixture_count("SELECT count(*) FROM casestore.alert WHERE status = 'closed' "
                               "AND outcome IS NULL AND closed_by IS NULL AND closed_on = "
                               "'2026-05-20'"),
                 2, "closed: the condition cleared");
    cr_assert_eq(fixture_count("SELECT count(*) FROM casestore.alert WHERE status = 'open'"), 1);
    cr_assert_eq(fixture_count("SELECT count(*) FROM casestore.plan WHERE version = 2"), 2);
    cr_assert_eq(fixture_count("SELECT count(*) FROM casestore.plan WHERE version = 1"), 1);
    cr_assert_eq(fixture_count("SELECT count(*) FROM casestore.plan_item WHERE version = 2 AND "
                               "plan_version = 2 AND status = 'done'"),
                 2, "the basic-assistance item done, as its second version");
    cr_assert_eq(fixture_count("SELECT count(*) FROM casestore.outbox WHERE type = "
                               "'hub.gap_alert.v1'"),
                 5, "three opened, two closed");
    cr_assert_eq(fixture_count("SELECT count(*) FROM casestore.outbox WHERE type = "
                               "'social.plan.v1'"),
                 5, "three first plans, two second versions");
    for (int i = 0; i < 3; i++)
        free(a[i].payload);
    for (int i = 0; i < 2; i++)
        free(d[i].payload);
}

/* The database connection gone before a batch (PostgreSQL restarted, the
 * backend killed): the batch says "transient" (SILTA_EAGAIN: no ACK, the hub
 * redelivers), writes nothing, and after a reconnect the same batch applies
 * whole. Before, the batch's client table was freed without being set up on
 * this path (make test-fault's pg-immediate round hung after it). */
Test(casestore_batch, batch_after_the_connection_died_is_transient_then_applies, .timeout = 240)
{
    s_open();
    enum { N = 6 };
    s_event_t evs[N];
    for (int i = 0; i < N; i++)
        s_notice(&evs[i], 40 + i);
    fixture_exec_admin("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE "
                       "datname = current_database() AND pid <> pg_backend_pid() AND "
                       "backend_type = 'client backend'");
    cs_batch_item_t items[N];
    for (int i = 0; i < N; i++) {
        memset(&items[i], 0, sizeof items[i]);
        items[i].ev = &evs[i].ev;
    }
    cs_day_t today;
    cr_assert_eq(cs_day_parse("2026-05-20", &today), 0);
    silta_err_t err = {0};
    cr_assert_eq(cs_store_apply_batch(s_store, items, N, today, &err), SILTA_EAGAIN,
                 "transient: %s", err.msg);
    cr_assert_eq(fixture_count("SELECT count(*) FROM casestore.inbox"), 0, "nothing written");
    cr_assert_eq(cs_store_reconnect(s_store, &err), 0, "%s", err.msg);
    s_batch_n(evs, items, N);
    for (int i = 0; i < N; i++)
        cr_assert(items[i].rc == 0 && !items[i].duplicate, "event %d applied", i);
    cr_assert_eq(fixture_count("SELECT count(*) FROM casestore.inbox"), N);
    for (int i = 0; i < N; i++)
        free(evs[i].payload);
}

/* The unconfirmed outbox rows cs_store_outbox hands out: their event ids. */
typedef struct {
    char ids[16][SILTA_UUID_STRLEN + 1];
    size_t n;
} s_outbox_t;

static int s_outbox_row(const char *event_id, const char *type, const char *client_key,
                        const uint8_t *payload, size_t len, void *arg)
{
    (void)type;
    (void)client_key;
    (void)payload;
    (void)len;
    s_outbox_t *o = arg;
    if (o->n < 16)
        snprintf(o->ids[o->n++], sizeof o->ids[0], "%s", event_id);
    return 0;
}

static size_t s_unconfirmed(s_outbox_t *o)
{
    memset(o, 0, sizeof *o);
    int64_t after = 0;
    silta_err_t err = {0};
    cr_assert_eq(cs_store_outbox(s_store, &after, s_outbox_row, o, &err), 0, "%s", err.msg);
    return o->n;
}

/* A CONFIRM deletes the outbox row's outbox_pending row (migration 013): the
 * outbox row itself is not rewritten (same xmin and ctid), it is no longer
 * handed out, and a second CONFIRM of it changes nothing. */
Test(casestore_batch, confirm_marks_without_rewriting_the_outbox_row, .timeout = 240)
{
    s_open();
    enum { N = 3 };
    s_event_t evs[N];
    for (int i = 0; i < N; i++)
        s_benefit_full(&evs[i], 60 + i, "kela.application.v1", "received", "", "",
                       "2026-04-01"); /* a late decision alert and a plan each */
    cs_batch_item_t items[N];
    s_batch_n(evs, items, N);
    long rows = fixture_count("SELECT count(*) FROM casestore.outbox");
    cr_assert(rows >= 3 && rows <= 16, "outbox rows written: %ld", rows);
    cr_assert_eq(fixture_count("SELECT count(*) FROM casestore.outbox_pending"), rows,
                 "every new outbox row is pending");
    s_outbox_t o;
    cr_assert_eq(s_unconfirmed(&o), (size_t)rows);
    const char *snap_sql = "SELECT string_agg(xmin::text || ctid::text, ',' ORDER BY id) FROM "
                           "casestore.outbox";
    char *before = fixture_value(snap_sql);

    char first[3][SILTA_UUID_STRLEN + 1]; /* o is filled again below */
    for (int i = 0; i < 3; i++)
        memcpy(first[i], o.ids[i % rows], sizeof first[i]);
    const char *ids[2] = {first[0], first[1]};
    silta_err_t err = {0};
    cr_assert_eq(cs_store_confirmed_many(s_store, ids, 2, &err), 0, "%s", err.msg);
    cr_assert_eq(cs_store_confirmed(s_store, first[2], &err), 0, "%s", err.msg);
    size_t confirmed = 3;
    cr_assert_eq(fixture_count("SELECT count(*) FROM casestore.outbox_pending"),
                 rows - (long)confirmed, "the confirmed rows are no longer pending");
    cr_assert_eq(fixture_count("SELECT count(*) FROM casestore.outbox"), rows,
                 "no outbox row deleted");
    char *after = fixture_value(snap_sql);
    cr_assert_str_eq(after, before, "no outbox row rewritten by the confirms");
    cr_assert_eq(s_unconfirmed(&o), (size_t)rows - confirmed, "confirmed rows not handed out");

    /* the same CONFIRMs again (a redelivered CONFIRM): nothing changes */
    cr_assert_eq(cs_store_confirmed_many(s_store, ids, 2, &err), 0, "%s", err.msg);
    cr_assert_eq(fixture_count("SELECT count(*) FROM casestore.outbox_pending"),
                 rows - (long)confirmed);
    free(before);
    free(after);
    for (int i = 0; i < N; i++)
        free(evs[i].payload);
}
