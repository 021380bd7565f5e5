/* test_adapters_health.c - silta-health end to end against the real hub:
 * FHIR referrals over HTTP and from the inbox, the public HL7 examples each
 * accepted or refused with a reason a person understands, hostile XML and
 * oversized bodies refused, referral status written back as a FHIR Task. */
#include <criterion/criterion.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "events.pb-c.h"
#include "fixture.h"
#include "harness.h"
#include "silta_client.h"
#include "silta_clientkey.h"
#include "silta_db.h"
#include "silta_env.h"
#include "silta_time.h"
#include "silta_uuid.h"

static char *s_home;

/* Runs after every test, passed or failed: nothing is left running. */
static void s_fini(void)
{
    harness_home_destroy(&s_home);
}
TestSuite(health, .fini = s_fini);

static void s_up(void)
{
    s_home = fixture_up();
    harness_result_t r;
    harness_local(&r, "restart", "silta-health", NULL);
    cr_assert_eq(r.status, 0, "silta-health did not start:\n%s\n%s", r.out, r.err);
    harness_result_free(&r);
    silta_err_t err;
    cr_assert_eq(silta_env_load(&err), 0);
}

static char *s_slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "%s", path);
    char *buf = malloc(1 << 22);
    *len = fread(buf, 1, (1 << 22) - 1, f);
    buf[*len] = '\0';
    fclose(f);
    return buf;
}

/* POST body (FHIR XML) to $SILTA_HEALTH_URL + path; returns the status, the
 * reply in *reply (caller frees). body NULL: only the headers, announcing len
 * bytes (for the size limit). */
static int s_post(const char *path, const char *body, size_t len, const char *extra_header,
                  char **reply)
{
    int port = harness_url_port(getenv("SILTA_HEALTH_URL"));
    cr_assert_gt(port, 0);
    char headers[512];
    snprintf(headers, sizeof headers, "Content-Type: application/fhir+xml\r\n%s",
             extra_header ? extra_header : "");
    return harness_http_request(port, "POST", path, headers, body, len, reply, 30000);
}

static int s_post_file(const char *fixture, const char *endpoint, char **reply)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/tests/fixtures/fhir/%s", harness_src(), fixture);
    size_t len;
    char *body = s_slurp(path, &len);
    int st = s_post(endpoint, body, len, NULL, reply);
    free(body);
    return st;
}

Test(health, public_hl7_examples_are_refused_because_the_patient_is_unknown, .timeout = 300)
{
    s_up();
    const char *files[] = {"servicerequest-example.xml", "servicerequest-example-pt.xml",
                           "servicerequest-example2.xml"};
    for (int i = 0; i < 3; i++) {
        char *reply;
        int st = s_post_file(files[i], "/fhir/ServiceRequest", &reply);
        cr_assert_eq(st, 422, "%s: %s", files[i], reply);
        cr_assert(strstr(reply, "<OperationOutcome xmlns=\"http://hl7.org/fhir\">") != NULL);
        cr_assert(strstr(reply, "patient cannot be identified: subject refers to Patient/example")
                      != NULL, "%s: %s", files[i], reply);
        free(reply);
    }
    cr_assert_eq(fixture_count("SELECT count(*) FROM hub.journal"), 0);
    harness_home_destroy(&s_home);
}

Test(health, routable_referrals_are_accepted_in_r4_r5_and_bundle_form, .timeout = 300)
{
    s_up();
    struct {
        const char *file, *endpoint;
        int status;
        const char *says;
    } cases[] = {
        {"silta-r4-identifier.xml", "/fhir/ServiceRequest", 201, "referral accepted as event"},
        {"silta-r5-concept.xml", "/fhir/ServiceRequest", 201, "referral accepted as event"},
        {"silta-bundle-patient.xml", "/fhir/Bundle", 201, "referral accepted as event"},
        {"silta-bad-check.xml", "/fhir/ServiceRequest", 422, "not a valid henkilötunnus: check character"},
        {"silta-bundle-no-hetu.xml", "/fhir/Bundle", 422, "patient cannot be identified: the Patient"},
        {"silta-bundle-patient.xml", "/fhir/ServiceRequest", 422, "this endpoint takes a ServiceRequest"},
        {"silta-r4-identifier.xml", "/fhir/Bundle", 422, "this endpoint takes a Bundle"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *reply;
        int st = s_post_file(cases[i].file, cases[i].endpoint, &reply);
        cr_assert_eq(st, cases[i].status, "%s -> %s: %s", cases[i].file, cases[i].endpoint, reply);
        cr_assert(strstr(reply, cases[i].says) != NULL, "%s: %s", cases[i].file, reply);
        free(reply);
    }
    cr_assert_eq(fixture_count("SELECT count(*) FROM hub.journal WHERE type = 'health.referral.v1' "
                         "AND source = 'health'"), 3);
    /* Posting the same referral again: confirmed as a duplicate, stored once. */
    char *reply;
    cr_assert_eq(s_post_file("silta-r4-identifier.xml", "/fhir/ServiceRequest", &reply), 201);
    cr_assert(strstr(reply, "already received") != NULL, "%s", reply);
    free(reply);
    cr_assert_eq(fixture_count("SELECT count(*) FROM hub.journal"), 3);
    char log[4096];
    snprintf(log, sizeof log, "%s/log/silta-health.log", s_home);
    cr_assert(!harness_file_contains(log, "010185-901E"), "a hetu in the log");
    harness_home_destroy(&s_home);
}

Test(health, hostile_or_oversized_requests_are_refused, .timeout = 300)
{
    s_up();
    char *reply;
    const char *xxe = "<?xml version=\"1.0\"?><!DOCTYPE ServiceRequest [<!ENTITY x SYSTEM "
                      "\"file:///etc/passwd\">]><ServiceRequest xmlns=\"http://hl7.org/fhir\">"
                      "<id value=\"&x;\"/></ServiceRequest>";
    cr_assert_eq(s_post("/fhir/ServiceRequest", xxe, strlen(xxe), NULL, &reply), 400, "%s", reply);
    cr_assert(strstr(reply, "DOCTYPE") != NULL && strstr(reply, "root:") == NULL, "%s", reply);
    free(reply);
    char path[4096];
    snprintf(path, sizeof path, "%s/tests/fixtures/xml/billion-laughs.xml", harness_src());
    size_t len;
    char *bomb = s_slurp(path, &len);
    cr_assert_eq(s_post("/fhir/ServiceRequest", bomb, len, NULL, &reply), 400, "%s", reply);
    free(bomb);
    free(reply);
    /* 2 MiB announced against the 1 MiB limit: refused before the body is read. */
    cr_assert_eq(s_post("/fhir/Bundle", NULL, 2u << 20, NULL, &reply), 413, "%s", reply);
    cr_assert(strstr(reply, "too large") != NULL, "%s", reply);
    free(reply);
    cr_assert_eq(s_post("/fhir/Patient", "<a/>", 4, NULL, &reply), 404, "%s", reply);
    free(reply);
    /* Not valid chunked encoding: refused by the HTTP layer, never mapped. */
    int st = s_post("/fhir/ServiceRequest", "x", 1, "Transfer-Encoding: chunked\r\n", &reply);
    cr_assert(st == 400 || st == 411, "%d %s", st, reply);
    free(reply);
    cr_assert_eq(s_post("/fhir/ServiceRequest", "not xml", 7, NULL, &reply), 400, "%s", reply);
    free(reply);
    cr_assert_eq(fixture_count("SELECT count(*) FROM hub.journal"), 0);
    harness_home_destroy(&s_home);
}

typedef struct {
    char path[4096];
} s_path_t;

static bool s_exists(void *arg)
{
    return access(((s_path_t *)arg)->path, F_OK) == 0;
}

static void s_wait(const char *folder, const char *name)
{
    s_path_t p;
    snprintf(p.path, sizeof p.path, "%s/spool/health/%s/%s", s_home, folder, name);
    cr_assert_eq(harness_poll(60000, s_exists, &p), 0, "%s never appeared", p.path);
}

Test(health, inbox_files_xml_or_json_are_accepted_or_rejected_with_a_report, .timeout = 300)
{
    s_up();
    char *inbox = harness_env_get(NULL, "SILTA_HEALTH_INBOX");
    cr_assert_not_null(inbox);
    const char *files[] = {"servicerequest-example.xml", "servicerequest-example-pt.xml",
                           "servicerequest-example2.xml", "silta-r4-identifier.xml",
                           "silta-bundle-patient.xml", "silta-bad-check.xml",
                           "silta-r4-identifier-noid.json"};
    int ok[] = {0, 0, 0, 1, 1, 0, 1};
    for (int i = 0; i < 7; i++) {
        char cmd[12288];
        snprintf(cmd, sizeof cmd, "cp '%s/tests/fixtures/fhir/%s' '%s/%s.tmp' && mv '%s/%s.tmp' '%s/%s'",
                 harness_src(), files[i], inbox, files[i], inbox, files[i], inbox, files[i]);
        cr_assert_eq(system(cmd), 0);
    }
    for (int i = 0; i < 7; i++) {
        s_wait(ok[i] ? "done" : "rejected", files[i]);
        if (!ok[i]) {
            char rep[4096];
            snprintf(rep, sizeof rep, "%s/spool/health/rejected/%s.report", s_home, files[i]);
            cr_assert(harness_file_contains(rep, i < 3 ? "patient cannot be identified"
                                                       : "check character"), "%s", rep);
        }
    }
    cr_assert_eq(fixture_count("SELECT count(*) FROM hub.journal WHERE source = 'health'"), 3);
    free(inbox);
    harness_home_destroy(&s_home);
}

Test(health, referral_status_is_written_back_as_a_fhir_task, .timeout = 300)
{
    s_up();
    char key[4096];
    snprintf(key, sizeof key, "%s/keys/casestore.key", s_home);
    silta_client_opts_t opts = {0};
    opts.client_key = key;
    opts.name = "test-casestore";
    silta_err_t err;
    silta_client_t *c = silta_client_new(&opts, &err);
    cr_assert_not_null(c, "%s", err.msg);
    Silta__ReferralStatus st = SILTA__REFERRAL_STATUS__INIT;
    st.hetu = "070904A904Y";
    st.referral_id = "sr-r5-0002";
    st.status = "accepted";
    st.worker = "sosiaalityöntekijä";
    st.note = "Yhteydenotto sovittu";
    uint8_t buf[1024];
    silta_envelope_t e;
    silta__envelope__init(&e);
    char id[SILTA_UUID_STRLEN + 1];
    silta_uuid_v7(id);
    e.event_id = id;
    e.type = "social.referral_status.v1";
    char ckey[SILTA_CLIENTKEY_LEN + 1];
    silta_clientkey_t *secret = silta_clientkey_new(NULL, &err);
    cr_assert_not_null(secret, "%s", err.msg);
    cr_assert_eq(silta_clientkey_of(secret, st.hetu, ckey, &err), 0, "%s", err.msg);
    silta_clientkey_destroy(&secret);
    e.client_key = ckey;
    e.payload.data = buf;
    e.payload.len = protobuf_c_message_pack(&st.base, buf);
    uint64_t seq;
    cr_assert_eq(silta_client_publish(c, &e, &seq, &err), 0, "%s", err.msg);
    cr_assert_eq(silta_client_flush(c, 30000, NULL, NULL), 0);
    silta_client_destroy(&c);
    char name[128];
    snprintf(name, sizeof name, "task-%s.xml", id);
    s_wait("outbox", name);
    char path[4096];
    snprintf(path, sizeof path, "%s/spool/health/outbox/%s", s_home, name);
    cr_assert(harness_file_contains(path, "<Task xmlns=\"http://hl7.org/fhir\">"));
    cr_assert(harness_file_contains(path, "<status value=\"accepted\"/>"));
    cr_assert(harness_file_contains(path, "<reference value=\"ServiceRequest/sr-r5-0002\"/>"));
    cr_assert(harness_file_contains(path, "<value value=\"070904A904Y\"/>"));
    harness_home_destroy(&s_home);
}
