/* test_health_fhir.c - silta-health's FHIR R4 REST endpoint end to end, against
 * the real hub and case store: what a sender is told "201" reaches the case
 * store and is never dead-lettered (authoredOn with an offset, a create
 * without id, a transaction with urn:uuid: fullUrls, Bundle references in
 * every form), JSON and XML by Content-Type / Accept / _format, the npm FHIR
 * client (fhir-kit-client) through metadata, create, transaction and the
 * read-back of social work's acknowledgement Task, and an endpoint that 100
 * idle connections cannot stall. */
#include <criterion/criterion.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "events.pb-c.h"
#include "fixture.h"
#include "harness.h"
#include "silta_client.h"
#include "silta_env.h"
#include "silta_time.h"
#include "silta_uuid.h"

static char *s_home;

static void s_fini(void)
{
    harness_home_destroy(&s_home);
}
TestSuite(health_fhir, .fini = s_fini);

/* Hub, case store and silta-health. */
static void s_up(void)
{
    s_home = fixture_up();
    const char *progs[] = {"silta-casestore", "silta-health"};
    for (int i = 0; i < 2; i++) {
        harness_result_t r;
        harness_local(&r, "restart", progs[i], NULL);
        cr_assert_eq(r.status, 0, "%s did not start:\n%s\n%s", progs[i], r.out, r.err);
        harness_result_free(&r);
    }
    silta_err_t err;
    cr_assert_eq(silta_env_load(&err), 0);
}

static int s_port(void)
{
    int port = harness_url_port(getenv("SILTA_HEALTH_URL"));
    cr_assert_gt(port, 0);
    return port;
}

static int s_connect(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {0};
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)s_port());
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    cr_assert_eq(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    return fd;
}

/* One HTTP/1.1 request; the whole answer (headers and body) in *reply
 * (caller frees). headers: extra header lines, each ending in \r\n. Returns
 * the status, or 0 when nothing came back within timeout_ms. */
static int s_http(const char *method, const char *path, const char *headers, const char *body,
                  char **reply, int timeout_ms)
{
    return harness_http_request(s_port(), method, path, headers, body, body ? strlen(body) : 0,
                                reply, timeout_ms);
}

#define S_JSON "Content-Type: application/fhir+json\r\n"
#define S_XML "Content-Type: application/fhir+xml\r\n"

static char *s_fixture(const char *name)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/tests/fixtures/fhir/%s", harness_src(), name);
    char *text = harness_read_file(path);
    cr_assert_not_null(text, "%s", path);
    return text;
}

/* The id in "Location: .../ServiceRequest/{id}/_history/1" of a reply. */
static void s_location_id(const char *reply, char *id, size_t len)
{
    const char *l = strstr(reply, "Location: ");
    cr_assert_not_null(l, "no Location: %s", reply);
    const char *s = strstr(l, "/ServiceRequest/");
    const char *h = s ? strstr(s, "/_history/") : NULL;
    cr_assert(s && h && h < strchr(l, '\r'), "%s", reply);
    snprintf(id, len, "%.*s", (int)(h - s - 16), s + 16);
}

typedef struct {
    char sql[512];
    long want;
} s_count_t;

static bool s_count_is(void *arg)
{
    s_count_t *c = arg;
    return fixture_count(c->sql) == c->want;
}

/* The case store holds a referral with this id and authored date. */
static void s_wait_referral(const char *id, const char *authored)
{
    s_count_t c;
    snprintf(c.sql, sizeof c.sql,
             "SELECT count(*) FROM casestore.referral WHERE referral_id = '%s'%s%s%s", id,
             authored ? " AND authored = '" : "", authored ? authored : "", authored ? "'" : "");
    c.want = 1;
    cr_assert_eq(harness_poll(60000, s_count_is, &c), 0, "never in the case store: %s", c.sql);
}

static void s_no_dead_letters(void)
{
    cr_assert_eq(fixture_count("SELECT count(*) FROM hub.dead_letter"), 0,
                 "a dead letter: the case store dropped what silta-health confirmed");
}

Test(health_fhir, authored_on_with_an_offset_is_the_local_date_in_helsinki, .timeout = 300)
{
    s_up();
    char *xml = s_fixture("silta-r4-identifier.xml"), *reply, id[80];
    /* 23:30 at +02:00 is 23:30 in Helsinki: the 14th */
    char *p = strstr(xml, "<authoredOn value=\"2025-03-14\"/>");
    cr_assert_not_null(p);
    char doc[8192];
    snprintf(doc, sizeof doc, "%.*s<authoredOn value=\"2025-03-14T23:30:00+02:00\"/>%s",
             (int)(p - xml), xml, p + strlen("<authoredOn value=\"2025-03-14\"/>"));
    cr_assert_eq(s_http("POST", "/fhir/ServiceRequest", S_XML, doc, &reply, 30000), 201, "%s",
                 reply);
    s_location_id(reply, id, sizeof id);
    free(reply);
    s_wait_referral(id, "2025-03-14");
    /* 23:30 UTC is 01:30 the next day in Helsinki */
    const char *json = "{\"resourceType\":\"ServiceRequest\",\"id\":\"sr-utc-1\",\"status\":"
                       "\"active\",\"intent\":\"order\",\"subject\":{\"identifier\":{\"system\":"
                       "\"urn:oid:1.2.246.21\",\"value\":\"150372-902S\"}},"
                       "\"authoredOn\":\"2025-03-14T23:30:00Z\"}";
    cr_assert_eq(s_http("POST", "/fhir/ServiceRequest", S_JSON, json, &reply, 30000), 201, "%s",
                 reply);
    free(reply);
    s_wait_referral("sr-utc-1", "2025-03-15");
    /* a partial date names no day: refused, not guessed */
    const char *partial = "{\"resourceType\":\"ServiceRequest\",\"status\":\"active\",\"intent\":"
                          "\"order\",\"subject\":{\"identifier\":{\"system\":"
                          "\"urn:oid:1.2.246.21\",\"value\":\"150372-902S\"}},"
                          "\"authoredOn\":\"2025-03\"}";
    cr_assert_eq(s_http("POST", "/fhir/ServiceRequest", S_JSON, partial, &reply, 30000), 422,
                 "%s", reply);
    cr_assert(strstr(reply, "authoredOn must be a full date") != NULL, "%s", reply);
    cr_assert(strstr(reply, "\"resourceType\":\"OperationOutcome\"") != NULL, "%s", reply);
    free(reply);
    free(xml);
    s_no_dead_letters();
    harness_home_destroy(&s_home);
}

/* The R4 fixture without its <id> line. */
static char *s_without_id(void)
{
    char *xml = s_fixture("silta-r4-identifier.xml");
    char *p = strstr(xml, "<id value=\"sr-r4-0001\"/>");
    cr_assert_not_null(p);
    memmove(p, p + strlen("<id value=\"sr-r4-0001\"/>"),
            strlen(p + strlen("<id value=\"sr-r4-0001\"/>")) + 1);
    return xml;
}

Test(health_fhir, a_create_without_id_gets_a_stable_id_in_location, .timeout = 300)
{
    s_up();
    char *xml = s_without_id(), *reply, id[80], id2[80];
    cr_assert_eq(s_http("POST", "/fhir/ServiceRequest", S_XML, xml, &reply, 30000), 201, "%s",
                 reply);
    s_location_id(reply, id, sizeof id);
    cr_assert(strstr(reply, "ETag: W/\"1\"") != NULL, "%s", reply);
    free(reply);
    /* the same referral again: the same id, confirmed as already received */
    cr_assert_eq(s_http("POST", "/fhir/ServiceRequest", S_XML, xml, &reply, 30000), 201, "%s",
                 reply);
    s_location_id(reply, id2, sizeof id2);
    cr_assert_str_eq(id, id2);
    cr_assert(strstr(reply, "already received") != NULL, "%s", reply);
    free(reply);
    s_wait_referral(id, "2025-03-14");
    /* JSON, with a business identifier: the id derives from it */
    const char *json = "{\"resourceType\":\"ServiceRequest\",\"identifier\":[{\"system\":"
                       "\"urn:oid:1.2.246.10.1234567\",\"value\":\"L-77\"}],\"status\":\"active\","
                       "\"intent\":\"order\",\"subject\":{\"identifier\":{\"system\":"
                       "\"urn:oid:1.2.246.21\",\"value\":\"070904A904Y\"}}}";
    cr_assert_eq(s_http("POST", "/fhir/ServiceRequest", S_JSON "Prefer: return=representation\r\n",
                        json, &reply, 30000), 201, "%s", reply);
    s_location_id(reply, id2, sizeof id2);
    char want[120];
    snprintf(want, sizeof want, "\"id\":\"%s\"", id2);
    cr_assert(strstr(reply, want) != NULL, "representation without its id: %s", reply);
    free(reply);
    s_wait_referral(id2, NULL);
    /* read back what was accepted, in XML by _format */
    char path[200];
    snprintf(path, sizeof path, "/fhir/ServiceRequest/%s?_format=xml", id2);
    cr_assert_eq(s_http("GET", path, NULL, NULL, &reply, 30000), 200, "%s", reply);
    cr_assert(strstr(reply, "<value value=\"L-77\"/>") != NULL, "%s", reply);
    free(reply);
    cr_assert_eq(s_http("GET", "/fhir/ServiceRequest/nosuch", NULL, NULL, &reply, 30000), 404);
    free(reply);
    free(xml);
    s_no_dead_letters();
    harness_home_destroy(&s_home);
}

static const char *s_tx_json =
    "{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":["
    "{\"fullUrl\":\"urn:uuid:0c3f7d52-0000-4000-8000-000000000001\",\"resource\":{"
    "\"resourceType\":\"Patient\",\"identifier\":[{\"system\":\"urn:oid:1.2.246.21\","
    "\"value\":\"311264Y905C\"}]},\"request\":{\"method\":\"POST\",\"url\":\"Patient\"}},"
    "{\"fullUrl\":\"urn:uuid:0c3f7d52-0000-4000-8000-000000000002\",\"resource\":{"
    "\"resourceType\":\"ServiceRequest\",\"status\":\"active\",\"intent\":\"order\","
    "\"subject\":{\"reference\":\"urn:uuid:0c3f7d52-0000-4000-8000-000000000001\"},"
    "\"authoredOn\":\"2025-03-14T08:00:00+02:00\"},"
    "\"request\":{\"method\":\"POST\",\"url\":\"ServiceRequest\"}}]}";

/* A batch whose three ServiceRequests name the Patient relatively, absolutely
 * and by version; the fourth names a version the Bundle does not hold. */
static const char *s_batch_json =
    "{\"resourceType\":\"Bundle\",\"type\":\"batch\",\"entry\":["
    "{\"fullUrl\":\"http://his.example.fi/fhir/Patient/p3\",\"resource\":{"
    "\"resourceType\":\"Patient\",\"id\":\"p3\",\"meta\":{\"versionId\":\"1\"},"
    "\"identifier\":[{\"system\":\"urn:oid:1.2.246.21\",\"value\":\"010185-901E\"}]},"
    "\"request\":{\"method\":\"PUT\",\"url\":\"Patient/p3\"}},"
    "{\"fullUrl\":\"http://his.example.fi/fhir/ServiceRequest/b1\",\"resource\":{"
    "\"resourceType\":\"ServiceRequest\",\"subject\":{\"reference\":\"Patient/p3\"},"
    "\"reasonCode\":[{\"text\":\"relative\"}]},\"request\":{\"method\":\"PUT\",\"url\":"
    "\"ServiceRequest/b1\"}},"
    "{\"fullUrl\":\"http://his.example.fi/fhir/ServiceRequest/b2\",\"resource\":{"
    "\"resourceType\":\"ServiceRequest\",\"subject\":{\"reference\":"
    "\"http://his.example.fi/fhir/Patient/p3\"},\"reasonCode\":[{\"text\":\"absolute\"}]},"
    "\"request\":{\"method\":\"PUT\",\"url\":\"ServiceRequest/b2\"}},"
    "{\"fullUrl\":\"http://his.example.fi/fhir/ServiceRequest/b3\",\"resource\":{"
    "\"resourceType\":\"ServiceRequest\",\"subject\":{\"reference\":"
    "\"Patient/p3/_history/1\"},\"reasonCode\":[{\"text\":\"versioned\"}]},"
    "\"request\":{\"method\":\"PUT\",\"url\":\"ServiceRequest/b3\"}},"
    "{\"fullUrl\":\"http://his.example.fi/fhir/ServiceRequest/b4\",\"resource\":{"
    "\"resourceType\":\"ServiceRequest\",\"subject\":{\"reference\":"
    "\"Patient/p3/_history/7\"}},\"request\":{\"method\":\"PUT\",\"url\":"
    "\"ServiceRequest/b4\"}}]}";

Test(health_fhir, transaction_and_batch_bundles_resolve_references_by_fhir_rules, .timeout = 300)
{
    s_up();
    char *reply;
    cr_assert_eq(s_http("POST", "/fhir", S_JSON, s_tx_json, &reply, 30000), 200, "%s", reply);
    cr_assert(strstr(reply, "\"type\":\"transaction-response\"") != NULL, "%s", reply);
    cr_assert(strstr(reply, "\"status\":\"201 Created\"") != NULL, "%s", reply);
    const char *loc = strstr(reply, "\"location\":\"ServiceRequest/");
    cr_assert_not_null(loc, "%s", reply);
    char id[80];
    loc += strlen("\"location\":\"ServiceRequest/");
    snprintf(id, sizeof id, "%.*s", (int)(strstr(loc, "/_history") - loc), loc);
    free(reply);
    s_wait_referral(id, "2025-03-14");
    /* a transaction in XML, to /fhir/Bundle, the request with neither id nor identifier */
    const char *doc =
        "<Bundle xmlns=\"http://hl7.org/fhir\"><type value=\"transaction\"/>"
        "<entry><fullUrl value=\"urn:uuid:0c3f7d52-0000-4000-8000-0000000000b1\"/>"
        "<resource><Patient><identifier><system value=\"urn:oid:1.2.246.21\"/>"
        "<value value=\"311264Y905C\"/></identifier></Patient></resource>"
        "<request><method value=\"POST\"/><url value=\"Patient\"/></request></entry>"
        "<entry><fullUrl value=\"urn:uuid:0c3f7d52-0000-4000-8000-0000000000b2\"/>"
        "<resource><ServiceRequest><status value=\"active\"/><intent value=\"order\"/>"
        "<subject><reference value=\"urn:uuid:0c3f7d52-0000-4000-8000-0000000000b1\"/>"
        "</subject><authoredOn value=\"2025-03-14T22:15:00Z\"/></ServiceRequest></resource>"
        "<request><method value=\"POST\"/><url value=\"ServiceRequest\"/></request></entry>"
        "</Bundle>";
    cr_assert_eq(s_http("POST", "/fhir/Bundle", S_XML, doc, &reply, 30000), 200, "%s", reply);
    cr_assert(strstr(reply, "<type value=\"transaction-response\"/>") != NULL, "%s", reply);
    loc = strstr(reply, "<location value=\"ServiceRequest/");
    cr_assert_not_null(loc, "%s", reply);
    loc += strlen("<location value=\"ServiceRequest/");
    snprintf(id, sizeof id, "%.*s", (int)(strstr(loc, "/_history") - loc), loc);
    free(reply);
    s_wait_referral(id, "2025-03-15");
    /* batch: each entry on its own */
    cr_assert_eq(s_http("POST", "/fhir", S_JSON, s_batch_json, &reply, 30000), 200, "%s", reply);
    cr_assert(strstr(reply, "\"type\":\"batch-response\"") != NULL, "%s", reply);
    for (int i = 1; i <= 3; i++) {
        char want[80];
        snprintf(want, sizeof want, "\"location\":\"ServiceRequest/b%d/_history/1\"", i);
        cr_assert(strstr(reply, want) != NULL, "%s: %s", want, reply);
    }
    cr_assert(strstr(reply, "names version 7, but the Bundle holds version 1") != NULL, "%s",
              reply);
    free(reply);
    for (int i = 1; i <= 3; i++) {
        char rid[16];
        snprintf(rid, sizeof rid, "b%d", i);
        s_wait_referral(rid, NULL);
    }
    /* a transaction with one bad entry publishes nothing */
    long before = fixture_count("SELECT count(*) FROM hub.journal");
    char bad[8192];
    snprintf(bad, sizeof bad, "%s", s_batch_json);
    char *bt = strstr(bad, "\"type\":\"batch\"");
    cr_assert_not_null(bt);
    char tx[8192];
    snprintf(tx, sizeof tx, "%.*s\"type\":\"transaction\"%s", (int)(bt - bad), bad,
             bt + strlen("\"type\":\"batch\""));
    cr_assert_eq(s_http("POST", "/fhir", S_JSON, tx, &reply, 30000), 422, "%s", reply);
    cr_assert(strstr(reply, "entry 5") != NULL, "%s", reply);
    free(reply);
    cr_assert_eq(fixture_count("SELECT count(*) FROM hub.journal"), before);
    s_no_dead_letters();
    harness_home_destroy(&s_home);
}

/* The payload contract (lib/silta_contract.c) runs before anything is
 * published: what it refuses is a 422 naming the field, never a 201. */
Test(health_fhir, a_referral_the_contract_refuses_is_422_naming_the_field, .timeout = 300)
{
    s_up();
    char display[700], json[1200], *reply;
    memset(display, 'a', 600);
    display[600] = '\0';
    snprintf(json, sizeof json,
             "{\"resourceType\":\"ServiceRequest\",\"id\":\"sr-long\",\"status\":\"active\","
             "\"intent\":\"order\",\"requester\":{\"display\":\"%s\"},\"subject\":{"
             "\"identifier\":{\"system\":\"urn:oid:1.2.246.21\",\"value\":\"010185-901E\"}}}",
             display);
    cr_assert_eq(s_http("POST", "/fhir/ServiceRequest", S_JSON, json, &reply, 30000), 422, "%s",
                 reply);
    cr_assert(strstr(reply, "requester") && strstr(reply, "OperationOutcome"), "%s", reply);
    free(reply);
    cr_assert_eq(fixture_count("SELECT count(*) FROM hub.journal WHERE type = "
                               "'health.referral.v1'"),
                 0, "a refused referral reached the journal");
    s_no_dead_letters();
    harness_home_destroy(&s_home);
}

Test(health_fhir, content_type_accept_and_format_choose_json_or_xml, .timeout = 300)
{
    s_up();
    char *reply;
    cr_assert_eq(s_http("GET", "/fhir/metadata", NULL, NULL, &reply, 30000), 200, "%s", reply);
    cr_assert(strstr(reply, "Content-Type: application/fhir+json") != NULL, "%s", reply);
    cr_assert(strstr(reply, "\"fhirVersion\":\"4.0.1\"") != NULL, "%s", reply);
    free(reply);
    cr_assert_eq(s_http("GET", "/fhir/metadata", "Accept: application/fhir+xml\r\n", NULL, &reply,
                        30000), 200);
    cr_assert(strstr(reply, "<CapabilityStatement xmlns=\"http://hl7.org/fhir\">") != NULL, "%s",
              reply);
    free(reply);
    cr_assert_eq(s_http("GET", "/fhir/metadata?_format=application/fhir%2Bxml",
                        "Accept: application/json\r\n", NULL, &reply, 30000), 200);
    cr_assert(strstr(reply, "<fhirVersion value=\"4.0.1\"/>") != NULL, "%s", reply);
    free(reply);
    cr_assert_eq(s_http("GET", "/fhir/metadata?_format=html", NULL, NULL, &reply, 30000), 406);
    free(reply);
    /* a JSON body answered in XML because Accept says so */
    const char *json = "{\"resourceType\":\"ServiceRequest\",\"subject\":{\"reference\":"
                       "\"Patient/example\"}}";
    cr_assert_eq(s_http("POST", "/fhir/ServiceRequest",
                        S_JSON "Accept: application/fhir+xml;q=0.9, text/html;q=1\r\n", json,
                        &reply, 30000), 422, "%s", reply);
    cr_assert(strstr(reply, "<OperationOutcome xmlns=\"http://hl7.org/fhir\">") != NULL, "%s",
              reply);
    cr_assert(strstr(reply, "patient cannot be identified") != NULL, "%s", reply);
    free(reply);
    cr_assert_eq(s_http("POST", "/fhir/ServiceRequest", "Content-Type: text/plain\r\n", "x",
                        &reply, 30000), 415, "%s", reply);
    free(reply);
    cr_assert_eq(s_http("POST", "/fhir/ServiceRequest", S_JSON, "{\"resourceType\":", &reply,
                        30000), 400, "%s", reply);
    cr_assert(strstr(reply, "not well-formed JSON") != NULL, "%s", reply);
    free(reply);
    cr_assert_eq(s_http("POST", "/fhir", S_JSON, "{\"resourceType\":\"Patient\"}", &reply,
                        30000), 400, "%s", reply);
    free(reply);
    /* Prefer: return=minimal -> an empty body */
    const char *ok = "{\"resourceType\":\"ServiceRequest\",\"id\":\"sr-min-1\",\"subject\":"
                     "{\"identifier\":{\"system\":\"urn:oid:1.2.246.21\",\"value\":"
                     "\"010185-901E\"}}}";
    cr_assert_eq(s_http("POST", "/fhir/ServiceRequest", S_JSON "Prefer: return=minimal\r\n", ok,
                        &reply, 30000), 201, "%s", reply);
    cr_assert(strstr(reply, "Content-Length: 0\r\n") != NULL, "%s", reply);
    cr_assert(strstr(reply, "/fhir/ServiceRequest/sr-min-1/_history/1") != NULL, "%s", reply);
    free(reply);
    s_no_dead_letters();
    harness_home_destroy(&s_home);
}

/* ------------------------------------------------------------------ npm client */

static void s_acknowledge(const char *referral_id, const char *hetu, char *event_id)
{
    silta_client_t *c = fixture_client(s_home, "casestore");
    Silta__ReferralStatus st = SILTA__REFERRAL_STATUS__INIT;
    st.hetu = (char *)hetu;
    st.referral_id = (char *)referral_id;
    st.status = "accepted";
    st.worker = "sosiaalityöntekijä";
    uint8_t buf[1024];
    silta_envelope_t e;
    silta__envelope__init(&e);
    silta_uuid_v7(event_id);
    e.event_id = event_id;
    e.type = "social.referral_status.v1";
    char ck[SILTA_CLIENTKEY_LEN + 1];
    e.client_key = (char *)fixture_client_key(hetu, ck);
    e.payload.data = buf;
    e.payload.len = protobuf_c_message_pack(&st.base, buf);
    uint64_t seq;
    silta_err_t err;
    cr_assert_eq(silta_client_publish(c, &e, &seq, &err), 0, "%s", err.msg);
    cr_assert_eq(silta_client_flush(c, 30000, NULL, NULL), 0);
    silta_client_destroy(&c);
}

typedef struct {
    char path[4096];
} s_path_t;

static bool s_exists(void *arg)
{
    return access(((s_path_t *)arg)->path, F_OK) == 0;
}

static void s_client_round(const char *mode, const char *hetu, const char *tag)
{
    char script[4096], node[] = "/usr/bin/node";
    snprintf(script, sizeof script, "%s/tests/fhir/client.mjs", harness_src());
    char base[200];
    snprintf(base, sizeof base, "%s/fhir", getenv("SILTA_HEALTH_URL"));
    harness_result_t r;
    harness_runl(&r, 60000, node, script, "submit", base, mode, hetu, tag, NULL);
    cr_assert_eq(r.status, 0, "fhir-kit-client (%s) failed (ops/install-deps.sh installs it):\n%s",
                 mode, r.err);
    char id[80] = "";
    cr_assert_eq(sscanf(r.out, "id=%79s", id), 1, "%s", r.out);
    harness_result_free(&r);
    char event_id[SILTA_UUID_STRLEN + 1], ident[64];
    s_acknowledge(id, hetu, event_id);
    s_path_t p;
    snprintf(p.path, sizeof p.path, "%s/spool/health/fhir/Task/%s.json", s_home, event_id);
    cr_assert_eq(harness_poll(60000, s_exists, &p), 0, "no Task %s", p.path);
    snprintf(ident, sizeof ident, "lahete-%s", tag);
    harness_runl(&r, 60000, node, script, "readback", base, mode, id, ident, NULL);
    cr_assert_eq(r.status, 0, "fhir-kit-client (%s) read-back failed:\n%s", mode, r.err);
    harness_result_free(&r);
}

Test(health_fhir, fhir_kit_client_in_json_and_xml, .timeout = 300)
{
    s_up();
    s_client_round("json", "010185-901E", "json-1");
    s_client_round("xml", "150372-902S", "xml-1");
    s_no_dead_letters();
    char log[4096];
    snprintf(log, sizeof log, "%s/log/silta-health.log", s_home);
    cr_assert(!harness_file_contains(log, "010185-901E"), "a hetu in the log");
    harness_home_destroy(&s_home);
}

/* ------------------------------------------------------------------ idle clients */

Test(health_fhir, idle_connections_stall_neither_the_endpoint_nor_the_hub_session,
     .timeout = 300)
{
    s_up();
    enum { IDLE = 100 };
    int idle[IDLE];
    for (int i = 0; i < IDLE; i++) {
        idle[i] = s_connect();
        if (i % 2)
            cr_assert_eq(send(idle[i], "POST /fhir/Servi", 16, MSG_NOSIGNAL), 16); /* half a line */
    }
    /* Keep asking for longer than three hub heartbeats (the hub's "silent"
     * limit): every answer within a second, and the session stays up. */
    int64_t until = silta_mono_ms() + 4000;
    int n = 0;
    while (silta_mono_ms() < until || n < 3) {
        char body[512], *reply;
        snprintf(body, sizeof body,
                 "{\"resourceType\":\"ServiceRequest\",\"id\":\"sr-idle-%d\",\"subject\":"
                 "{\"identifier\":{\"system\":\"urn:oid:1.2.246.21\",\"value\":"
                 "\"010185-901E\"}}}", n);
        int64_t t0 = silta_mono_ms();
        int st = s_http("POST", "/fhir/ServiceRequest", S_JSON, body, &reply, 5000);
        int64_t ms = silta_mono_ms() - t0;
        cr_assert_eq(st, 201, "request %d with %d idle connections: %s", n, IDLE, reply);
        cr_assert_lt(ms, 1000, "request %d took %lld ms", n, (long long)ms);
        free(reply);
        n++;
    }
    for (int i = 0; i < IDLE; i++)
        close(idle[i]);
    char log[4096];
    snprintf(log, sizeof log, "%s/log/silta-health.log", s_home);
    cr_assert(!harness_file_contains(log, "hub connection lost"), "the hub session dropped");
    cr_assert_eq(fixture_count("SELECT count(*) FROM hub.journal WHERE source = 'health'"), n);
    harness_home_destroy(&s_home);
}

/* ------------------------------------------------------------------ inbox files */

/* The referral id of a business identifier as adapters/health/README.md
 * documents it: hex of BLAKE2b-128 over "system|value". */
static void s_id_of_identifier(const char *sys, const char *val, char out[33])
{
    char in[256];
    int n = snprintf(in, sizeof in, "%s|%s", sys, val);
    unsigned char h[16];
    cr_assert_eq(crypto_generichash(h, sizeof h, (const unsigned char *)in, (size_t)n, NULL, 0),
                 0);
    for (int i = 0; i < 16; i++)
        snprintf(out + 2 * i, 3, "%02x", h[i]);
}

/* A referral that came as a file is read back like one that came over REST,
 * and social work's Task names it by its business identifier too. */
Test(health_fhir, a_referral_from_an_inbox_file_reads_back_and_its_task_names_the_identifier,
     .timeout = 300)
{
    s_up();
    const char *sys = "urn:oid:1.2.246.10.1234567.10.1", *val = "L-FILE-0042";
    const char *anchor = "<id value=\"sr-r4-0001\"/>";
    char *xml = s_fixture("silta-r4-identifier.xml");
    char *p = strstr(xml, anchor);
    cr_assert_not_null(p);
    char doc[8192], id[33];
    snprintf(doc, sizeof doc,
             "%.*s<identifier><system value=\"%s\"/><value value=\"%s\"/></identifier>%s",
             (int)(p - xml + strlen(anchor)), xml, sys, val, p + strlen(anchor));
    free(xml);
    s_id_of_identifier(sys, val, id);
    char *inbox = harness_env_get(NULL, "SILTA_HEALTH_INBOX");
    cr_assert_not_null(inbox);
    char tmp[4096], path[4096];
    snprintf(tmp, sizeof tmp, "%s/referral-file.xml.tmp", inbox);
    snprintf(path, sizeof path, "%s/referral-file.xml", inbox);
    FILE *f = fopen(tmp, "w");
    cr_assert_not_null(f, "%s", tmp);
    fputs(doc, f);
    cr_assert_eq(fclose(f), 0);
    cr_assert_eq(rename(tmp, path), 0);
    free(inbox);
    s_path_t done;
    snprintf(done.path, sizeof done.path, "%s/spool/health/done/referral-file.xml", s_home);
    cr_assert_eq(harness_poll(60000, s_exists, &done), 0, "never in done/: %s", done.path);
    s_wait_referral(id, "2025-03-14");
    /* read back: the file's referral as accepted, version 1 */
    char url[400], *reply;
    snprintf(url, sizeof url, "/fhir/ServiceRequest/%s", id);
    cr_assert_eq(s_http("GET", url, NULL, NULL, &reply, 30000), 200, "%s", reply);
    cr_assert(strstr(reply, val) != NULL, "%s", reply);
    cr_assert(strstr(reply, "\"versionId\":\"1\"") != NULL, "%s", reply);
    free(reply);
    /* no answer yet: an empty searchset, without an empty "entry" array */
    snprintf(url, sizeof url, "/fhir/Task?based-on:identifier=%s%%7C%s", sys, val);
    cr_assert_eq(s_http("GET", url, NULL, NULL, &reply, 30000), 200, "%s", reply);
    cr_assert(strstr(reply, "\"total\":0") != NULL, "%s", reply);
    cr_assert(strstr(reply, "\"entry\"") == NULL, "an empty entry array: %s", reply);
    free(reply);
    /* social work acknowledges: the Task is found by the business identifier */
    char event_id[SILTA_UUID_STRLEN + 1];
    s_acknowledge(id, "010185-901E", event_id);
    s_path_t task;
    snprintf(task.path, sizeof task.path, "%s/spool/health/fhir/Task/%s.json", s_home, event_id);
    cr_assert_eq(harness_poll(60000, s_exists, &task), 0, "no Task %s", task.path);
    cr_assert_eq(s_http("GET", url, NULL, NULL, &reply, 30000), 200, "%s", reply);
    cr_assert(strstr(reply, "\"total\":1") != NULL, "%s", reply);
    cr_assert(strstr(reply, event_id) != NULL, "%s", reply);
    free(reply);
    s_no_dead_letters();
    harness_home_destroy(&s_home);
}
