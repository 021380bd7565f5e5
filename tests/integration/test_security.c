/* test_security.c - issues 3 and 11 against the real hub: least privilege, consent,
 * hostile packets, personal data out of logs (the disclosure log: test_audit.c).
 * Each test brings up its own deployment in a fresh SILTA_HOME.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <regex.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zmq.h>

#include "events.pb-c.h"
#include "fixture.h"
#include "harness.h"
#include "silta_client.h"
#include "silta_audit.h"
#include "silta_clientkey.h"
#include "silta_db.h"
#include "silta_env.h"
#include "silta_hetu.h"
#include "silta_keys.h"
#include "silta_time.h"
#include "silta_uuid.h"

static char *s_home;

/* Runs after every test, passed or failed: nothing is left running. */
static void s_fini(void)
{
    harness_home_destroy(&s_home);
}
TestSuite(security, .fini = s_fini);

static void s_up(void)
{
    s_home = fixture_up();
}

static const char *s_client_key(const char *hetu, char out[SILTA_CLIENTKEY_LEN + 1])
{
    return fixture_client_key(hetu, out);
}

Test(security, agency_may_publish_only_its_own_types, .timeout = 120)
{
    s_up();
    silta_client_t *kela = fixture_client(s_home, "kela");
    char id[37];
    uint32_t code = 0;
    cr_assert_eq(fixture_publish_one(kela, "health.referral.v1", "ck-test", (const uint8_t *)"x", 1, id,
                           &code),
                 SILTA_CLIENT_NACK, "kela may not publish a health referral");
    cr_assert_eq(code, SILTA__ERROR_CODE__FORBIDDEN);
    Silta__KelaNotice n = SILTA__KELA_NOTICE__INIT;
    n.hetu = "010185-901E";
    n.kind = "need_for_social_work";
    uint8_t buf[256];
    size_t len = silta__kela_notice__pack(&n, buf);
    char key[SILTA_CLIENTKEY_LEN + 1];
    cr_assert_eq(fixture_publish_one(kela, "kela.notice.v1", s_client_key(n.hetu, key), buf, len, id, &code),
                 SILTA_CLIENT_CONFIRM, "its own type is accepted");
    /* the journal's source is the authenticated identity, not anything sent */
    cr_assert_eq(fixture_count("SELECT count(*) FROM hub.journal WHERE source = 'kela'"), 1);
    cr_assert_eq(fixture_count("SELECT count(*) FROM hub.journal"), 1);
    silta_client_destroy(&kela);

    silta_client_t *cs = fixture_client(s_home, "casestore");
    cr_assert_eq(fixture_subscribe(cs, "bench-stolen", "bench.event.v1", &code), SILTA_CLIENT_NACK,
                 "a queue of another identity");
    cr_assert_eq(code, SILTA__ERROR_CODE__FORBIDDEN);
    silta_client_destroy(&cs);
    cs = fixture_client(s_home, "casestore");
    cr_assert_eq(fixture_subscribe(cs, "casestore-bench", "bench.event.v1", &code), SILTA_CLIENT_NACK,
                 "a type the policy does not route to casestore");
    cr_assert_eq(code, SILTA__ERROR_CODE__FORBIDDEN);
    silta_client_destroy(&cs);
    harness_home_destroy(&s_home);
}

static void s_consent(silta_client_t *cs, const char *client_key, const char *status)
{
    Silta__Consent c = SILTA__CONSENT__INIT;
    c.hetu = "010185-901E";
    c.consent_id = "consent-1";
    c.status = (char *)status;
    c.purpose = "testing";
    char *recipients[1] = {"casestore"};
    c.recipients = recipients;
    c.n_recipients = 1;
    uint8_t buf[512];
    size_t n = silta__consent__pack(&c, buf);
    char id[37];
    cr_assert_eq(fixture_publish_one(cs, "social.consent.v1", client_key, buf, n, id, NULL),
                 SILTA_CLIENT_CONFIRM);
}

static char s_sql[512];
static bool s_logged(void *arg)
{
    (void)arg;
    return fixture_count(s_sql) > 0;
}

/* Wait until the hub has finished the delivery of event id for casestore with
 * `outcome` in its delivery log. */
static void s_wait_outcome(const char *id, const char *outcome)
{
    snprintf(s_sql, sizeof s_sql,
             "SELECT count(*) FROM hub.delivery_log l JOIN hub.journal j ON j.seq = l.seq "
             "WHERE j.event_id = '%s' AND l.outcome = '%s'",
             id, outcome);
    cr_assert_eq(harness_poll(10000, s_logged, NULL), 0, "event %s never %s", id, outcome);
}

Test(security, consent_based_route_withholds_delivers_and_withholds_again, .timeout = 120)
{
    s_up();
    char key[SILTA_CLIENTKEY_LEN + 1];
    s_client_key("010185-901E", key);
    silta_client_t *cs = fixture_client(s_home, "casestore");
    cr_assert_eq(fixture_subscribe(cs, "casestore-sensitive", "test.sensitive.v1", NULL),
                 SILTA_CLIENT_CONFIRM);
    silta_client_t *t = fixture_client(s_home, "test");
    silta_client_event_t ev;

    char id1[37], id2[37], id3[37];
    fixture_publish_one(t, "test.sensitive.v1", key, (const uint8_t *)"1", 1, id1, NULL);
    s_wait_outcome(id1, "withheld");
    harness_result_t r;
    harness_ctl(&r, "trace", id1, NULL);
    cr_assert(strstr(r.out, "withheld"), "trace shows the withheld delivery:\n%s", r.out);
    harness_result_free(&r);

    s_consent(cs, key, "given");
    fixture_publish_one(t, "test.sensitive.v1", key, (const uint8_t *)"2", 1, id2, NULL);
    cr_assert_eq(fixture_wait(cs, SILTA_CLIENT_DELIVER, 10000, &ev), 0, "delivered with consent");
    cr_assert_str_eq(ev.event->event_id, id2, "the withheld event is not sent later");
    silta_client_ack(cs, ev.delivery_id);

    s_consent(cs, key, "revoked");
    fixture_publish_one(t, "test.sensitive.v1", key, (const uint8_t *)"3", 1, id3, NULL);
    s_wait_outcome(id3, "withheld");
    cr_assert_neq(fixture_wait(cs, SILTA_CLIENT_DELIVER, 500, &ev), 0, "nothing after revocation");

    /* The disclosure log holds exactly the one consented delivery, with its basis. */
    cr_assert_eq(fixture_count("SELECT count(*) FROM hub.disclosure WHERE type = 'test.sensitive.v1'"),
                 1);
    cr_assert_eq(fixture_count("SELECT count(*) FROM hub.disclosure WHERE legal_basis = "
                         "'consent:testing' AND consent_ref = 'consent-1'"),
                 1);
    harness_ctl_input(&r, "010185-901E\n", "audit", "client", NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(strstr(r.out, "consent:testing") && strstr(r.out, id2),
              "the client's disclosure report names the delivery:\n%s", r.out);
    cr_assert(!strstr(r.out, "010185-901E"), "the report never prints the hetu");
    harness_result_free(&r);
    /* never from argv: it would show in ps and in shell history */
    const char *argv_forms[][3] = {{"audit", "client", "010185-901E"},
                                   {"plan", "010185-901E", "--json"}};
    for (int i = 0; i < 2; i++) {
        harness_ctl(&r, argv_forms[i][0], argv_forms[i][1], argv_forms[i][2], NULL);
        cr_assert_neq(r.status, 0, "%s with a hetu in argv is refused", argv_forms[i][0]);
        cr_assert(strstr(r.err, "standard input"), "the refusal says how: %s", r.err);
        cr_assert(!strstr(r.err, "010185") && !strstr(r.out, "010185"), "%s", r.err);
        harness_result_free(&r);
    }
    silta_client_destroy(&t);
    silta_client_destroy(&cs);
    harness_home_destroy(&s_home);
}

/* Issue 10: work incapacity is health data. It reaches the case store only on
 * the client's consent for purpose work-incapacity naming casestore (policy.xml;
 * asiakastietolaki 703/2023), not under a repealed act: withheld before the
 * consent, delivered after it, with the consent as the disclosure's basis. */
Test(security, work_incapacity_reaches_social_work_only_on_consent, .timeout = 120)
{
    s_up();
    const char *hetu = "010185-901E";
    char key[SILTA_CLIENTKEY_LEN + 1];
    s_client_key(hetu, key);
    silta_client_t *cs = fixture_client(s_home, "casestore");
    cr_assert_eq(fixture_subscribe(cs, "casestore-incapacity", "health.incapacity.v1", NULL),
                 SILTA_CLIENT_CONFIRM);
    silta_client_t *health = fixture_client(s_home, "health");
    Silta__HealthIncapacity inc = SILTA__HEALTH_INCAPACITY__INIT;
    inc.hetu = (char *)hetu;
    inc.period_start = "2026-05-13";
    inc.period_end = "2026-06-05";
    inc.diagnosis_group = "F";
    uint8_t buf[256];
    size_t len = silta__health_incapacity__pack(&inc, buf);
    char id1[37], id2[37];
    cr_assert_eq(fixture_publish_one(health, "health.incapacity.v1", key, buf, len, id1, NULL),
                 SILTA_CLIENT_CONFIRM);
    s_wait_outcome(id1, "withheld");

    Silta__Consent c = SILTA__CONSENT__INIT;
    c.hetu = (char *)hetu;
    c.consent_id = "consent-incapacity-1";
    c.status = "given";
    c.purpose = "work-incapacity";
    char *recipients[1] = {"casestore"};
    c.recipients = recipients;
    c.n_recipients = 1;
    uint8_t cbuf[512];
    size_t clen = silta__consent__pack(&c, cbuf);
    char cid[37];
    cr_assert_eq(fixture_publish_one(cs, "social.consent.v1", key, cbuf, clen, cid, NULL),
                 SILTA_CLIENT_CONFIRM);

    inc.period_end = "2026-06-12"; /* a new certificate: another event */
    len = silta__health_incapacity__pack(&inc, buf);
    cr_assert_eq(fixture_publish_one(health, "health.incapacity.v1", key, buf, len, id2, NULL),
                 SILTA_CLIENT_CONFIRM);
    silta_client_event_t ev;
    cr_assert_eq(fixture_wait(cs, SILTA_CLIENT_DELIVER, 10000, &ev), 0, "delivered on consent");
    cr_assert_str_eq(ev.event->event_id, id2, "the withheld event is not sent later");
    silta_client_ack(cs, ev.delivery_id);
    cr_assert_eq(fixture_count("SELECT count(*) FROM hub.disclosure WHERE type = "
                               "'health.incapacity.v1' AND recipient = 'casestore' AND "
                               "legal_basis = 'consent:work-incapacity' AND "
                               "consent_ref = 'consent-incapacity-1'"),
                 1);
    silta_client_destroy(&health);
    silta_client_destroy(&cs);
    harness_home_destroy(&s_home);
}

/* A raw CURVE DEALER speaking bytes: for hostile traffic. */
static void *s_raw(void *ctx, const char *identity)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/keys/%s.key", s_home, identity);
    silta_keypair_t me, hub;
    silta_err_t err;
    cr_assert_eq(silta_keys_load(path, &me, &err), 0, "%s", err.msg);
    cr_assert_eq(silta_keys_load(getenv("SILTA_HUB_PUBLIC_KEY"), &hub, &err), 0, "%s", err.msg);
    void *s = zmq_socket(ctx, ZMQ_DEALER);
    int linger = 0, hwm = 0;
    zmq_setsockopt(s, ZMQ_LINGER, &linger, sizeof linger);
    zmq_setsockopt(s, ZMQ_SNDHWM, &hwm, sizeof hwm);
    zmq_setsockopt(s, ZMQ_CURVE_SERVERKEY, hub.public_z85, 40);
    zmq_setsockopt(s, ZMQ_CURVE_PUBLICKEY, me.public_z85, 40);
    zmq_setsockopt(s, ZMQ_CURVE_SECRETKEY, me.secret_z85, 40);
    cr_assert_eq(zmq_connect(s, getenv("SILTA_HUB_ENDPOINT")), 0);
    return s;
}

static size_t s_drain(void *s)
{
    size_t n = 0;
    char buf[4096];
    while (zmq_recv(s, buf, sizeof buf, ZMQ_DONTWAIT) >= 0)
        n++;
    return n;
}

Test(security, hundred_thousand_hostile_packets_leave_the_hub_serving, .timeout = 600)
{
    s_up();
    void *ctx = zmq_ctx_new();
    void *raw = s_raw(ctx, "test");
    /* A valid PUBLISH to mutate: truncations and flipped bytes of real packets
     * reach deeper into the decoder than random bytes alone. */
    Silta__Envelope e = SILTA__ENVELOPE__INIT;
    char id[37];
    silta_uuid_v7(id);
    e.event_id = id;
    e.type = "test.event.v1";
    e.client_key = "ck-fuzz";
    Silta__Publish pub = SILTA__PUBLISH__INIT;
    pub.seq = 1;
    pub.event = &e;
    silta_packet_t p = SILTA__PACKET__INIT;
    p.cmd_case = SILTA__PACKET__CMD_PUBLISH;
    p.publish = &pub;
    size_t vlen;
    uint8_t *valid = silta_codec_pack(&p, &vlen);
    cr_assert_not_null(valid);

    uint8_t buf[2048];
    size_t answered = 0;
    uint64_t rnd = 0x9e3779b97f4a7c15ULL ^ (uint64_t)silta_now_ms();
    for (int i = 0; i < 100000; i++) {
        rnd ^= rnd << 13;
        rnd ^= rnd >> 7;
        rnd ^= rnd << 17;
        size_t len;
        switch (i % 4) {
        case 0: /* random bytes */
            len = 1 + rnd % 200;
            getrandom(buf, len, 0);
            break;
        case 1: /* truncated valid packet */
            len = rnd % vlen;
            memcpy(buf, valid, len);
            break;
        case 2: /* valid packet with a few flipped bytes */
            len = vlen;
            memcpy(buf, valid, len);
            for (int k = 0; k < 3; k++)
                buf[(rnd >> (8 * k)) % len] ^= (uint8_t)(rnd >> (8 * k + 3));
            break;
        default: /* a valid packet grown with random trailing bytes */
            len = vlen + rnd % 64;
            memcpy(buf, valid, vlen);
            getrandom(buf + vlen, len - vlen, 0);
            break;
        }
        cr_assert(zmq_send(raw, buf, len, 0) >= 0);
        if (i % 512 == 0)
            answered += s_drain(raw);
    }
    free(valid);

    /* The hub still serves a well-behaved client... */
    silta_client_t *t = fixture_client(s_home, "test");
    char id2[37];
    cr_assert_eq(fixture_publish_one(t, "test.event.v1", "ck-after", (const uint8_t *)"ok", 2, id2, NULL),
                 SILTA_CLIENT_CONFIRM, "a good client is confirmed after the flood");
    silta_client_destroy(&t);
    /* ...the process never died, and the hostile peer got answers, not silence. */
    char pidfile[4096];
    snprintf(pidfile, sizeof pidfile, "%s/run/silta-hub.pid", s_home);
    cr_assert(harness_pid_alive(harness_pid_file(pidfile)), "the hub survived");
    answered += s_drain(raw);
    cr_assert_gt(answered, 0, "hostile packets are answered (NACK)");
    zmq_close(raw);
    zmq_ctx_term(ctx);
    harness_home_destroy(&s_home);
}

/* 1 when a line of a file in dir satisfies match(line, arg); "file: line" in hit. */
static int s_grep_logs(const char *dir, int (*match)(const char *line, void *arg), void *arg,
                       char *hit, size_t len)
{
    DIR *d = opendir(dir);
    cr_assert_not_null(d, "%s", dir);
    struct dirent *de;
    int found = 0;
    while (!found && (de = readdir(d))) {
        if (de->d_name[0] == '.')
            continue;
        char path[8192];
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        FILE *f = fopen(path, "r");
        if (!f)
            continue;
        char line[8192];
        while (!found && fgets(line, sizeof line, f))
            if (match(line, arg)) {
                snprintf(hit, len, "%s: %s", de->d_name, line);
                found = 1;
            }
        fclose(f);
    }
    closedir(d);
    return found;
}

static int s_match_regex(const char *line, void *re)
{
    return regexec(re, line, 0, NULL, 0) == 0;
}

/* Any log line with something shaped like a hetu fails the test. */
static int s_scan_logs(const char *dir, char *hit, size_t len)
{
    regex_t re;
    /* DDMMYY, century sign, ZZZ, check character - standing alone, so that the
     * hex groups of a UUID can never match by chance. */
    cr_assert_eq(regcomp(&re,
                         "(^|[^0-9A-Za-z])[0-3][0-9][01][0-9][0-9][0-9][-+A-FU-Y][0-9][0-9][0-9]"
                         "[0-9A-Y]([^0-9A-Za-z]|$)",
                         REG_EXTENDED | REG_NOSUB),
                 0);
    int found = s_grep_logs(dir, s_match_regex, &re, hit, len);
    regfree(&re);
    return found;
}

Test(security, no_hetu_in_any_log_after_a_full_flow, .timeout = 180)
{
    s_up();
    const char *hetus[] = {"010185-901E", "150372-902S", "070904A904Y", "311264Y905C"};
    silta_client_t *cs = fixture_client(s_home, "casestore");
    cr_assert_eq(fixture_subscribe(cs, "casestore", "kela.notice.v1", NULL), SILTA_CLIENT_CONFIRM);
    silta_client_t *kela = fixture_client(s_home, "kela");
    silta_client_event_t ev;
    for (int i = 0; i < 4; i++) {
        char key[SILTA_CLIENTKEY_LEN + 1], id[37];
        s_client_key(hetus[i], key);
        Silta__KelaNotice n = SILTA__KELA_NOTICE__INIT;
        n.hetu = (char *)hetus[i];
        n.kind = "need_for_social_work";
        n.free_text = "asiakas pyytää tapaamista";
        uint8_t buf[512];
        size_t len = silta__kela_notice__pack(&n, buf);
        cr_assert_eq(fixture_publish_one(kela, "kela.notice.v1", key, buf, len, id, NULL),
                     SILTA_CLIENT_CONFIRM);
        cr_assert_eq(fixture_wait(cs, SILTA_CLIENT_DELIVER, 10000, &ev), 0);
        cr_assert_str_eq(ev.event->event_id, id);
        /* the first delivery is rejected: a dead letter with its reason logged */
        if (i == 0)
            silta_client_reject(cs, ev.delivery_id, "test rejection");
        else
            silta_client_ack(cs, ev.delivery_id);
    }
    /* Hostile inputs that carry a hetu where it does not belong are refused,
     * and the refusal must not echo it: the client library refuses a hetu as
     * client_key before it is sent (test_hub checks the hub's own NACK). */
    silta_envelope_t bad;
    silta__envelope__init(&bad);
    char id[37];
    silta_uuid_v7(id);
    bad.event_id = id;
    bad.type = "kela.notice.v1";
    bad.client_key = "010185-901E";
    silta_err_t err;
    cr_assert_eq(silta_client_publish(kela, &bad, NULL, &err), SILTA_EINVAL);
    cr_assert(!strstr(err.msg, "010185"), "the reason does not echo the hetu: %s", err.msg);
    harness_result_t r;
    harness_ctl_input(&r, "010190-999X\n", "audit", "client", NULL);
    cr_assert_eq(r.status, 1, "a hetu with a wrong check character is refused");
    harness_result_free(&r);
    harness_ctl(&r, "dlq", "list", NULL);
    harness_result_free(&r);
    silta_client_destroy(&kela);
    silta_client_destroy(&cs);

    /* stop everything so every log is complete, then read them all */
    harness_local(&r, "down", NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    harness_result_free(&r);
    char dir[4096], hit[9000];
    /* the scan itself must be able to see a hetu (a test that cannot fail is no test) */
    snprintf(dir, sizeof dir, "%s/scan-check", s_home);
    mkdir(dir, 0700);
    char probe[8192];
    snprintf(probe, sizeof probe, "%s/probe.log", dir);
    FILE *f = fopen(probe, "w");
    cr_assert_not_null(f);
    fputs("2026-11-23T17:41:18.123Z x info msg=\"oops\" hetu=311264Y905C\n", f);
    fclose(f);
    cr_assert(s_scan_logs(dir, hit, sizeof hit), "the scan finds a planted hetu");
    snprintf(dir, sizeof dir, "%s/log", s_home);
    cr_assert_not(s_scan_logs(dir, hit, sizeof hit), "a log line carries a hetu: %s", hit);
    harness_home_destroy(&s_home);
}

static char s_hub_log[4096];
static bool s_refusal_logged(void *arg)
{
    (void)arg;
    return harness_file_contains(s_hub_log, "peer refused");
}

Test(security, revoked_key_gets_no_new_session, .timeout = 120)
{
    s_up();
    silta_client_t *t = fixture_client(s_home, "test");
    char id[37];
    cr_assert_eq(fixture_publish_one(t, "test.event.v1", "ck-rev", (const uint8_t *)"x", 1, id, NULL),
                 SILTA_CLIENT_CONFIRM, "authorized before revocation");
    silta_client_destroy(&t);

    char pub[4096];
    snprintf(pub, sizeof pub, "%s/keys/authorized/test.pub", s_home);
    cr_assert_eq(unlink(pub), 0, "revoke: remove the public key");
    snprintf(s_hub_log, sizeof s_hub_log, "%s/log/silta-hub.log", s_home);
    t = fixture_client(s_home, "test");
    cr_assert_eq(harness_poll(15000, s_refusal_logged, NULL), 0, "the revoked key is refused");
    silta_client_event_t ev;
    cr_assert_neq(fixture_wait(t, SILTA_CLIENT_CONNECTED, 1000, &ev), 0, "and gets no session");
    silta_client_destroy(&t);
    harness_home_destroy(&s_home);
}

/* ---- hetus through side channels (issue 11, item 3) ---------------------- */

static char s_wait_path[4096];
static bool s_path_exists(void *arg)
{
    (void)arg;
    return access(s_wait_path, F_OK) == 0;
}

static int s_match_text(const char *line, void *needle)
{
    return strcasestr(line, needle) != NULL;
}

/* 1 when any file in dir contains needle (case-insensitive); the line in hit. */
static int s_logs_contain(const char *dir, const char *needle, char *hit, size_t len)
{
    return s_grep_logs(dir, s_match_text, (void *)needle, hit, len);
}

/* A hetu planted in every channel where one reached a log before: a spool file's
 * name, a value an XSD error quotes (with an apostrophe in it), the health HTTP
 * path and query, a peer's HELLO name; none of them may reach any log, and a
 * newline in a file name must not forge a log line. */
Test(security, no_hetu_in_any_log_through_side_channels, .timeout = 240)
{
    s_home = harness_home_new();
    cr_assert_not_null(s_home);
    harness_result_t r;
    fixture_deploy(1);
    silta_err_t err;

    char probe[5][SILTA_HETU_LEN + 1];
    for (int i = 0; i < 5; i++)
        cr_assert_eq(silta_hetu_make(1961 + i, 5, 17, 921 + i, probe[i], &err), 0, "%s", err.msg);

    /* 1, 2: a Kela batch named after a hetu, whose record quotes another one with an
     * apostrophe in the value (the XSD error quotes the value) */
    char *inbox = harness_env_get(NULL, "SILTA_KELA_INBOX");
    cr_assert_not_null(inbox);
    char name[256], tmp[4096], dst[4096];
    snprintf(name, sizeof name, "kela-%s.xml", probe[0]);
    snprintf(tmp, sizeof tmp, "%s/%s.tmp", inbox, name);
    snprintf(dst, sizeof dst, "%s/%s", inbox, name);
    FILE *f = fopen(tmp, "w");
    cr_assert_not_null(f);
    fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<kela-batch xmlns=\"urn:silta:kela:1\">\n"
               "<notice><hetu>O'%s</hetu><kind>need_for_social_work</kind>"
               "<date>2026-03-13</date></notice>\n</kela-batch>\n",
            probe[1]);
    fclose(f);
    cr_assert_eq(rename(tmp, dst), 0);
    /* and a file whose name carries a newline and a forged log line */
    snprintf(dst, sizeof dst, "%s/x\n2026-11-23T17:41:18.123Z silta-kela info msg=\"forged\".xml",
             inbox);
    f = fopen(dst, "w");
    cr_assert_not_null(f);
    fputs("not xml", f);
    fclose(f);
    snprintf(s_wait_path, sizeof s_wait_path, "%s/spool/kela/rejected/%s.report", s_home, name);
    free(inbox);

    /* 3: the health HTTP path and query */
    char *base = harness_env_get(NULL, "SILTA_HEALTH_URL");
    cr_assert_not_null(base);
    char url[1024];
    char *body = NULL;
    snprintf(url, sizeof url, "%s/fhir/Patient/%s?identifier=%s", base, probe[2], probe[3]);
    int status = harness_http("GET", url, NULL, NULL, &body, 10000);
    cr_assert(status >= 400, "an unknown endpoint is refused (%d)", status);
    cr_assert(!body || !strstr(body, probe[2]), "the answer does not echo the hetu: %s", body);
    free(body);
    free(base);

    /* 4: a peer that calls itself by a hetu in its HELLO */
    char key[4096], peer[64];
    snprintf(key, sizeof key, "%s/keys/test.key", s_home);
    snprintf(peer, sizeof peer, "peer-%s", probe[4]);
    silta_client_opts_t opts = {0};
    opts.client_key = key;
    opts.name = peer;
    silta_client_t *c = silta_client_new(&opts, &err);
    cr_assert_not_null(c, "%s", err.msg);
    char id[37];
    cr_assert_eq(fixture_publish_one(c, "test.event.v1", "ck-side", (const uint8_t *)"x", 1, id, NULL),
                 SILTA_CLIENT_CONFIRM);
    silta_client_destroy(&c);

    cr_assert_eq(harness_poll(60000, s_path_exists, NULL), 0, "the Kela file was never reported");

    harness_local(&r, "down", NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    harness_result_free(&r);
    char dir[4096], hit[9000];
    snprintf(dir, sizeof dir, "%s/log", s_home);
    /* the channels are real: each reached a log, masked */
    cr_assert(s_logs_contain(dir, "peer-[hetu]", hit, sizeof hit),
              "the HELLO name reached the hub's log, masked");
    cr_assert(s_logs_contain(dir, "kela-[hetu].xml", hit, sizeof hit),
              "the file name reached silta-kela's log, masked");
    char *rep = harness_read_file(s_wait_path);
    cr_assert_not_null(rep);
    cr_assert(!strstr(rep, probe[1]) && !strstr(rep, probe[0]), "the report quotes a hetu: %s", rep);
    free(rep);
    for (int i = 0; i < 5; i++) {
        char part[8]; /* the birth date and century sign already identify nearly */
        memcpy(part, probe[i], 7);
        part[7] = '\0';
        cr_assert_not(s_logs_contain(dir, part, hit, sizeof hit), "probe %d in a log: %s", i, hit);
    }
    cr_assert_not(s_logs_contain(dir, "msg=\"forged\"", hit, sizeof hit) &&
                      strncmp(strchr(hit, ' ') + 1, "2026-11-23T17:41:18.123Z", 24) == 0,
                  "a file name forged a log line: %s", hit);
}

/* Issue 11, item 5: the synthetic `test` and `bench` identities open the hub only in
 * a deployment made for them (SILTA_DEPLOYMENT=test|bench); by default they are not
 * admitted, even though their key files exist, and an earlier admission is revoked. */
Test(security, test_and_bench_keys_are_not_admitted_by_default, .timeout = 120)
{
    s_home = harness_home_new();
    cr_assert_not_null(s_home);
    unsetenv("SILTA_DEPLOYMENT");
    harness_result_t r;
    fixture_deploy(0);
    const char *names[] = {"test", "bench"};
    for (int i = 0; i < 2; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/keys/%s.key", s_home, names[i]);
        cr_assert_eq(access(path, F_OK), 0, "the %s keypair exists", names[i]);
        snprintf(path, sizeof path, "%s/keys/authorized/%s.pub", s_home, names[i]);
        cr_assert_neq(access(path, F_OK), 0, "%s is not admitted", names[i]);
    }
    snprintf(s_hub_log, sizeof s_hub_log, "%s/log/silta-hub.log", s_home);
    silta_client_t *t = fixture_client(s_home, "test");
    cr_assert_eq(harness_poll(15000, s_refusal_logged, NULL), 0, "the test key is refused");
    silta_client_event_t ev;
    cr_assert_neq(fixture_wait(t, SILTA_CLIENT_CONNECTED, 1000, &ev), 0, "and gets no session");
    silta_client_destroy(&t);
    /* a test deployment admits it */
    setenv("SILTA_DEPLOYMENT", "test", 1);
    harness_local(&r, "up", "--no-adapters", NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    harness_result_free(&r);
    char pub[4096];
    snprintf(pub, sizeof pub, "%s/keys/authorized/test.pub", s_home);
    cr_assert_eq(access(pub, F_OK), 0, "a test deployment admits the test key");
}

/* Issue 11, item 5: the metrics and status page bind to loopback unless the operator
 * explicitly allows otherwise. */
Test(security, metrics_bind_refuses_a_non_loopback_address, .timeout = 120)
{
    s_up();
    char hub[4096];
    harness_bin_path(hub, sizeof hub, "silta-hub");
    setenv("SILTA_METRICS_BIND", "0.0.0.0:1", 1);
    harness_result_t r;
    harness_runl(&r, 10000, hub, NULL);
    unsetenv("SILTA_METRICS_BIND");
    cr_assert_eq(r.status, 1, "refused at start: %s", r.err);
    cr_assert(strstr(r.err, "SILTA_METRICS_BIND") && strstr(r.err, "loopback"), "%s", r.err);
    cr_assert(strstr(r.err, "SILTA_METRICS_ALLOW_REMOTE"), "the message says how: %s", r.err);
    harness_result_free(&r);
}

