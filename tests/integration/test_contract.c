/* test_contract.c - the payload contract at the edges, end to end: real
 * PostgreSQL, real silta-hub (and silta-kela), ops/silta-local in a fresh home.
 *
 * Issue 9: a PUBLISH whose payload fails its type's contract is NACKed
 * INVALID_PAYLOAD with the field in the reason and nothing is journalled; so is
 * a client_key that is not the keyed hash of the payload's hetu; the client
 * library turns that NACK into SILTA_EINVAL; a Kela batch record the contract
 * refuses is named in the report and never published.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "events.pb-c.h"
#include "fixture.h"
#include "harness.h"
#include "silta_client.h"
#include "silta_clientkey.h"
#include "silta_hetu.h"
#include "silta_time.h"
#include "silta_uuid.h"
#include "silta_workday.h"

#define HETU "010185-901E"
#define OTHER_HETU "150372-902S"

static char *s_home;

static void s_fini(void)
{
    harness_home_destroy(&s_home);
}
TestSuite(contract, .fini = s_fini);

static const char *s_key(const char *hetu, char out[SILTA_CLIENTKEY_LEN + 1])
{
    return fixture_client_key(hetu, out);
}

typedef struct {
    silta_client_event_kind_t kind;
    uint32_t code;
    char reason[512];
} s_answer_t;

/* Publish one event and wait for its CONFIRM or NACK. */
static s_answer_t s_publish(silta_client_t *c, const char *type, const char *client_key,
                            const ProtobufCMessage *msg, const uint8_t *raw, size_t rawlen)
{
    static uint8_t buf[65536];
    silta_envelope_t e;
    silta__envelope__init(&e);
    char id[SILTA_UUID_STRLEN + 1];
    silta_uuid_v7(id);
    e.event_id = id;
    e.type = (char *)type;
    e.client_key = (char *)client_key;
    e.occurred_at = silta_now_ms();
    e.payload.data = msg ? buf : (uint8_t *)raw;
    e.payload.len = msg ? protobuf_c_message_pack(msg, buf) : rawlen;
    uint64_t seq = 0;
    silta_err_t err;
    cr_assert_eq(silta_client_publish(c, &e, &seq, &err), 0, "%s", err.msg);
    s_answer_t a = {SILTA_CLIENT_NONE, 0, ""};
    silta_client_event_t ev;
    int64_t end = silta_mono_ms() + 20000;
    while (silta_mono_ms() < end && a.kind == SILTA_CLIENT_NONE) {
        cr_assert_eq(silta_client_poll(c, 100, &ev), 0);
        if ((ev.kind == SILTA_CLIENT_CONFIRM || ev.kind == SILTA_CLIENT_NACK) && ev.seq == seq) {
            a.kind = ev.kind;
            a.code = ev.code;
            snprintf(a.reason, sizeof a.reason, "%s", ev.reason ? ev.reason : "");
        }
    }
    cr_assert_neq(a.kind, SILTA_CLIENT_NONE, "no answer to the publish of %s", type);
    return a;
}

/* NACK INVALID_PAYLOAD whose reason starts with "field: ", mapped to SILTA_EINVAL. */
static void s_expect_nack(s_answer_t a, const char *field)
{
    cr_assert_eq(a.kind, SILTA_CLIENT_NACK, "accepted; expected a refusal naming %s", field);
    cr_assert_eq(a.code, SILTA__ERROR_CODE__INVALID_PAYLOAD, "code %u: %s", a.code, a.reason);
    char want[96];
    snprintf(want, sizeof want, "%s: ", field);
    cr_assert(strncmp(a.reason, want, strlen(want)) == 0, "reason '%s' should name %s",
              a.reason, field);
    cr_assert(strstr(a.reason, HETU) == NULL, "the reason echoes the hetu");
    silta_err_t err;
    cr_assert_eq(silta_client_nack_error(a.code, a.reason, &err), SILTA_EINVAL);
    cr_assert_str_eq(err.msg, a.reason);
}

static Silta__KelaNotice s_notice(void)
{
    Silta__KelaNotice n = SILTA__KELA_NOTICE__INIT;
    n.hetu = HETU;
    n.kind = "basic_amount_reduction";
    n.reduction_percent = 20;
    n.date = "2025-03-13";
    return n;
}

Test(contract, hub_nacks_a_payload_that_fails_its_contract_and_journals_nothing, .timeout = 180)
{
    s_home = fixture_up();
    silta_client_t *kela = fixture_client(s_home, "kela");
    char key[SILTA_CLIENTKEY_LEN + 1];
    s_key(HETU, key);

    Silta__KelaNotice n = s_notice();
    n.date = "2025-03-13Z";
    s_expect_nack(s_publish(kela, "kela.notice.v1", key, &n.base, NULL, 0), "date");
    n = s_notice();
    n.date = "2025-02-30";
    s_expect_nack(s_publish(kela, "kela.notice.v1", key, &n.base, NULL, 0), "date");
    n = s_notice();
    n.kind = "lottery_win";
    s_expect_nack(s_publish(kela, "kela.notice.v1", key, &n.base, NULL, 0), "kind");
    n = s_notice();
    n.free_text = "caf\xe9"; /* Latin-1, not UTF-8: PostgreSQL would refuse it for ever */
    s_expect_nack(s_publish(kela, "kela.notice.v1", key, &n.base, NULL, 0), "free_text");
    n = s_notice();
    n.reduction_percent = 30;
    s_expect_nack(s_publish(kela, "kela.notice.v1", key, &n.base, NULL, 0), "reduction_percent");
    n = s_notice();
    n.hetu = "010185-901X";
    s_expect_nack(s_publish(kela, "kela.notice.v1", key, &n.base, NULL, 0), "hetu");
    s_expect_nack(s_publish(kela, "kela.notice.v1", key, NULL,
                            (const uint8_t *)"\xff\xff\xff garbage", 12),
                  "payload");
    Silta__KelaBenefit b = SILTA__KELA_BENEFIT__INIT;
    b.hetu = HETU;
    b.benefit = "tyomarkkinatuki";
    b.status = "granted";
    b.period_start = "2025-03-01";
    b.period_end = "2025-02-01";
    s_expect_nack(s_publish(kela, "kela.decision.v1", key, &b.base, NULL, 0), "period_end");
    silta_client_destroy(&kela);

    silta_client_t *health = fixture_client(s_home, "health");
    Silta__HealthReferral r = SILTA__HEALTH_REFERRAL__INIT;
    r.hetu = HETU;
    r.authored = "2025-03-14T23:30:00+02:00";
    r.referral_id = "sr-1";
    s_expect_nack(s_publish(health, "health.referral.v1", key, &r.base, NULL, 0), "authored");
    r.authored = "2025-03-14";
    r.referral_id = "";
    s_expect_nack(s_publish(health, "health.referral.v1", key, &r.base, NULL, 0), "referral_id");
    cr_assert_eq(fixture_count("SELECT count(*) FROM hub.journal"), 0, "nothing journalled");

    /* The same session goes on: a valid referral is confirmed and journalled once. */
    r.referral_id = "sr-1";
    s_answer_t a = s_publish(health, "health.referral.v1", key, &r.base, NULL, 0);
    cr_assert_eq(a.kind, SILTA_CLIENT_CONFIRM, "refused: %s", a.reason);
    cr_assert_eq(fixture_count("SELECT count(*) FROM hub.journal"), 1);
    silta_client_destroy(&health);
}

Test(contract, hub_nacks_a_client_key_that_is_not_the_payload_hetus, .timeout = 180)
{
    s_home = fixture_up();
    silta_client_t *kela = fixture_client(s_home, "kela");
    char other[SILTA_CLIENTKEY_LEN + 1], key[SILTA_CLIENTKEY_LEN + 1];
    s_key(OTHER_HETU, other);
    Silta__KelaNotice n = s_notice();
    s_answer_t a = s_publish(kela, "kela.notice.v1", other, &n.base, NULL, 0);
    s_expect_nack(a, "client_key");
    cr_assert_str_eq(a.reason, "client_key: does not match the payload's hetu");
    s_expect_nack(s_publish(kela, "kela.notice.v1", "ck_00000000000000000000000000000001",
                            &n.base, NULL, 0),
                  "client_key");
    cr_assert_eq(fixture_count("SELECT count(*) FROM hub.journal"), 0);
    a = s_publish(kela, "kela.notice.v1", s_key(HETU, key), &n.base, NULL, 0);
    cr_assert_eq(a.kind, SILTA_CLIENT_CONFIRM, "refused: %s", a.reason);
    /* Types without a contract are not the hub's to read. */
    silta_client_t *t = fixture_client(s_home, "test");
    a = s_publish(t, "test.event.v1", "ck-any", NULL, (const uint8_t *)"x", 1);
    cr_assert_eq(a.kind, SILTA_CLIENT_CONFIRM, "refused: %s", a.reason);
    silta_client_destroy(&t);
    silta_client_destroy(&kela);
}

typedef struct {
    char path[4096];
} s_path_t;

static bool s_exists(void *arg)
{
    return access(((s_path_t *)arg)->path, F_OK) == 0;
}

Test(contract, kela_record_the_contract_refuses_is_reported_and_not_published, .timeout = 300)
{
    s_home = fixture_up();
    harness_result_t r;
    harness_local(&r, "restart", "silta-kela", NULL);
    cr_assert_eq(r.status, 0, "silta-kela did not start:\n%s\n%s", r.out, r.err);
    harness_result_free(&r);
    /* Valid against kela-batch.xsd, every one; records 2 and 3 break the contract. */
    const char *xml =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        "<kela-batch xmlns=\"urn:silta:kela:1\">\n"
        "  <notice><hetu>010185-901E</hetu><kind>need_for_social_work</kind>"
        "<date>2025-03-13</date></notice>\n"
        "  <notice><hetu>150372-902S</hetu><kind>basic_amount_reduction</kind>"
        "<date>2025-03-13</date><reduction_percent>30</reduction_percent></notice>\n"
        "  <decision><hetu>311264Y905C</hetu><kela_reference>TM-1</kela_reference>"
        "<benefit>tyomarkkinatuki</benefit><status>granted</status>"
        "<period_start>2025-03-01</period_start><period_end>2025-02-01</period_end>"
        "</decision>\n"
        "</kela-batch>\n";
    char *inbox = harness_env_get(NULL, "SILTA_KELA_INBOX");
    cr_assert_not_null(inbox);
    char tmp[4096], dst[4096];
    snprintf(tmp, sizeof tmp, "%s/contract.xml.tmp", inbox);
    snprintf(dst, sizeof dst, "%s/contract.xml", inbox);
    free(inbox);
    FILE *f = fopen(tmp, "w");
    cr_assert_not_null(f);
    fputs(xml, f);
    fclose(f);
    cr_assert_eq(rename(tmp, dst), 0);
    s_path_t p;
    snprintf(p.path, sizeof p.path, "%s/spool/kela/done/contract.xml.report", s_home);
    cr_assert_eq(harness_poll(60000, s_exists, &p), 0, "%s never appeared", p.path);
    char *rep = harness_read_file(p.path);
    cr_assert_not_null(rep);
    cr_assert(strstr(rep, "record=2 field=reduction_percent reason=\"reduction_percent: ") != NULL,
              "%s", rep);
    cr_assert(strstr(rep, "record=3 field=period_end reason=\"period_end: ") != NULL, "%s", rep);
    cr_assert(strstr(rep, "published=1") != NULL, "%s", rep);
    free(rep);
    cr_assert_eq(fixture_count("SELECT count(*) FROM hub.journal"), 1);
}

/* An adapter with another deployment's client-key secret (here: the file was
 * replaced after the hub loaded it): the hub refuses every record, and the
 * report names client_key. */
Test(contract, adapter_with_another_secret_gets_each_record_refused_by_name, .timeout = 300)
{
    s_home = fixture_up();
    char *secret = harness_env_get(NULL, "SILTA_CLIENT_KEY_SECRET");
    cr_assert_not_null(secret);
    cr_assert_eq(unlink(secret), 0);
    silta_err_t err;
    cr_assert_eq(silta_clientkey_generate(secret, &err), 0, "%s", err.msg);
    free(secret);
    harness_result_t r;
    harness_local(&r, "restart", "silta-kela", NULL);
    cr_assert_eq(r.status, 0, "silta-kela did not start:\n%s\n%s", r.out, r.err);
    harness_result_free(&r);
    char *inbox = harness_env_get(NULL, "SILTA_KELA_INBOX");
    cr_assert_not_null(inbox);
    char tmp[4096], dst[4096];
    snprintf(tmp, sizeof tmp, "%s/other.xml.tmp", inbox);
    snprintf(dst, sizeof dst, "%s/other.xml", inbox);
    free(inbox);
    FILE *f = fopen(tmp, "w");
    cr_assert_not_null(f);
    fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
          "<kela-batch xmlns=\"urn:silta:kela:1\"><notice><hetu>010185-901E</hetu>"
          "<kind>need_for_social_work</kind><date>2025-03-13</date></notice></kela-batch>\n",
          f);
    fclose(f);
    cr_assert_eq(rename(tmp, dst), 0);
    s_path_t p;
    snprintf(p.path, sizeof p.path, "%s/spool/kela/rejected/other.xml.report", s_home);
    cr_assert_eq(harness_poll(60000, s_exists, &p), 0, "%s never appeared", p.path);
    char *rep = harness_read_file(p.path);
    cr_assert_not_null(rep);
    cr_assert(strstr(rep, "record=1 field=client_key reason=\"refused by the hub (code 9): "
                          "client_key: does not match the payload's hetu\"") != NULL,
              "%s", rep);
    free(rep);
    cr_assert_eq(fixture_count("SELECT count(*) FROM hub.journal"), 0);
}

/* Issue 10: a hetu born after today (Helsinki) is refused at the hub's PUBLISH,
 * "hetu: birth date is in the future", and nothing is journalled; born today
 * is accepted. Individual numbers 900-999, check characters computed. */
Test(contract, hub_nacks_a_hetu_born_after_today, .timeout = 180)
{
    s_home = fixture_up();
    silta_client_t *kela = fixture_client(s_home, "kela");
    long today = silta_hetu_today_ymd(silta_now_ms());
    silta_workday_date_t d = {(int)(today / 10000), (int)(today / 100 % 100), (int)(today % 100)};
    silta_workday_date_t t = silta_workday_from_days(silta_workday_to_days(d) + 1);
    char born_today[SILTA_HETU_LEN + 1], born_tomorrow[SILTA_HETU_LEN + 1];
    char key[SILTA_CLIENTKEY_LEN + 1];
    cr_assert_eq(silta_hetu_make(d.year, d.month, d.day, 951, born_today, NULL), 0);
    cr_assert_eq(silta_hetu_make(t.year, t.month, t.day, 950, born_tomorrow, NULL), 0);

    const char *future[] = {born_tomorrow, "010199F953R" /* 1.1.2099 */};
    for (int i = 0; i < 2; i++) {
        Silta__KelaNotice n = s_notice();
        n.hetu = (char *)future[i];
        s_answer_t a = s_publish(kela, "kela.notice.v1", s_key(future[i], key), &n.base, NULL, 0);
        /* Midnight in Helsinki between the two clocks: tomorrow became today. */
        if (i == 0 && silta_hetu_today_ymd(silta_now_ms()) != today)
            continue;
        s_expect_nack(a, "hetu");
        cr_assert_str_eq(a.reason, "hetu: birth date is in the future");
        cr_assert(strstr(a.reason, future[i]) == NULL, "the reason echoes the hetu");
    }
    cr_assert_eq(fixture_count("SELECT count(*) FROM hub.journal"), 0, "nothing journalled");

    Silta__KelaNotice n = s_notice();
    n.hetu = born_today;
    s_answer_t a = s_publish(kela, "kela.notice.v1", s_key(born_today, key), &n.base, NULL, 0);
    cr_assert_eq(a.kind, SILTA_CLIENT_CONFIRM, "born today refused: %s", a.reason);
    cr_assert_eq(fixture_count("SELECT count(*) FROM hub.journal"), 1);
    silta_client_destroy(&kela);
}
