/* test_health_map.c - silta-health's FHIR mapping through its headers:
 * dateTime -> Helsinki date, partial dates, one mapping for JSON and XML,
 * Bundle reference rules, stable referral ids. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "health_map.h"
#include "health_res.h"
#include "health_time.h"
#include "silta_xml.h"

static void s_init(void)
{
    silta_xml_init();
    silta_err_t err;
    cr_assert_eq(health_time_init(&err), 0, "%s", err.msg);
}
TestSuite(health_map, .init = s_init);

static void s_date(const char *in, const char *want)
{
    char out[11];
    silta_err_t err = {0};
    cr_assert_eq(health_time_local_date(in, "authoredOn", out, &err), 0, "%s: %s", in, err.msg);
    cr_assert_str_eq(out, want, "%s", in);
}

static void s_refused(const char *in, const char *says)
{
    char out[11];
    silta_err_t err = {0};
    cr_assert_eq(health_time_local_date(in, "authoredOn", out, &err), SILTA_EINVAL, "%s", in);
    cr_assert(strstr(err.msg, says) != NULL, "%s: %s", in, err.msg);
}

Test(health_map, date_times_become_the_local_date_in_helsinki)
{
    s_date("2025-03-14", "2025-03-14");
    s_date("2025-03-14T23:30:00+02:00", "2025-03-14");
    s_date("2025-03-14T23:30:00Z", "2025-03-15");          /* 01:30 in Helsinki */
    s_date("2025-03-14T21:59:59.999Z", "2025-03-14");      /* 23:59:59 EET */
    s_date("2025-03-14T22:00:00.000Z", "2025-03-15");
    s_date("2025-07-14T21:00:00Z", "2025-07-15");          /* summer: +03:00 */
    s_date("2025-07-14T20:59:59Z", "2025-07-14");
    s_date("2025-03-14T08:00:00-05:00", "2025-03-14");     /* 15:00 in Helsinki */
    s_date("2025-03-14T20:00:00-05:00", "2025-03-15");
    s_date("2025-12-31T22:00:00Z", "2026-01-01");
    s_date("2024-02-29T12:00:00+01:00", "2024-02-29");
}

Test(health_map, partial_and_invalid_dates_are_refused)
{
    s_refused("2025", "must be a full date");
    s_refused("2025-03", "must be a full date");
    s_refused("2025-02-30", "not a valid date");
    s_refused("2025-13-01", "not a valid date");
    s_refused("2025-03-14T10:00:00", "no time zone");
    s_refused("2025-03-14T25:00:00Z", "no valid time");
    s_refused("14.3.2025", "not a FHIR date");
}

static const char *s_xml_sr =
    "<ServiceRequest xmlns=\"http://hl7.org/fhir\">"
    "<identifier><system value=\"urn:oid:1.2.246.10.99\"/><value value=\"L-1\"/></identifier>"
    "<status value=\"active\"/><intent value=\"order\"/><priority value=\"urgent\"/>"
    "<subject><identifier><system value=\"urn:oid:1.2.246.21\"/>"
    "<value value=\"010185-901E\"/></identifier></subject>"
    "<authoredOn value=\"2025-03-14T23:30:00Z\"/>"
    "<requester><reference value=\"Organization/hus\"/><display value=\"HUS\"/></requester>"
    "<reasonCode><text value=\"asunnottomuuden uhka\"/></reasonCode>"
    "<extension url=\"urn:silta:consent\"><valueBoolean value=\"true\"/></extension>"
    "</ServiceRequest>";

static const char *s_json_sr =
    "{\"resourceType\":\"ServiceRequest\","
    "\"identifier\":[{\"system\":\"urn:oid:1.2.246.10.99\",\"value\":\"L-1\"}],"
    "\"status\":\"active\",\"intent\":\"order\",\"priority\":\"urgent\","
    "\"subject\":{\"identifier\":{\"system\":\"urn:oid:1.2.246.21\",\"value\":\"010185-901E\"}},"
    "\"authoredOn\":\"2025-03-14T23:30:00Z\","
    "\"requester\":{\"reference\":\"Organization/hus\",\"display\":\"HUS\"},"
    "\"reasonCode\":[{\"text\":\"asunnottomuuden uhka\"}],"
    "\"extension\":[{\"url\":\"urn:silta:consent\",\"valueBoolean\":true}]}";

static health_referral_t s_map(const char *doc, health_fmt_t fmt)
{
    silta_err_t err = {0};
    json_t *res = health_res_parse(doc, strlen(doc), fmt, 1 << 20, &err);
    cr_assert_not_null(res, "%s", err.msg);
    health_referral_t r;
    cr_assert_eq(health_map_document(res, NULL, &r, &err), 0, "%s", err.msg);
    json_decref(res);
    return r;
}

Test(health_map, json_and_xml_map_to_the_same_referral)
{
    health_referral_t x = s_map(s_xml_sr, HEALTH_FMT_XML), j = s_map(s_json_sr, HEALTH_FMT_JSON);
    cr_assert_str_eq(x.msg->hetu, "010185-901E");
    cr_assert_str_eq(x.msg->authored, "2025-03-15");
    cr_assert_str_eq(x.msg->priority, "urgent");
    cr_assert_str_eq(x.msg->requester_org, "Organization/hus");
    cr_assert_str_eq(x.msg->reason, "asunnottomuuden uhka");
    cr_assert(x.msg->consent);
    /* the id comes from the identifier: 32 hex digits, the same for both */
    cr_assert_eq(strlen(x.msg->referral_id), 32);
    uint8_t a[1024], b[1024];
    size_t la = protobuf_c_message_pack(&x.msg->base, a), lb = protobuf_c_message_pack(&j.msg->base, b);
    cr_assert_eq(la, lb);
    cr_assert_eq(memcmp(a, b, la), 0, "JSON and XML gave different referrals");
    /* both write back the same resource */
    size_t l1, l2;
    char *d1 = health_res_dump(x.resource, HEALTH_FMT_JSON, &l1);
    char *d2 = health_res_dump(j.resource, HEALTH_FMT_JSON, &l2);
    cr_assert_str_eq(d1, d2);
    free(d1);
    free(d2);
    health_referral_clear(&x);
    health_referral_clear(&j);
}

Test(health_map, a_create_without_id_or_identifier_gets_a_content_uuid)
{
    const char *doc = "{\"resourceType\":\"ServiceRequest\",\"subject\":{\"identifier\":"
                      "{\"system\":\"urn:oid:1.2.246.21\",\"value\":\"150372-902S\"}},"
                      "\"authoredOn\":\"2025-03-14\"}";
    health_referral_t a = s_map(doc, HEALTH_FMT_JSON), b = s_map(doc, HEALTH_FMT_JSON);
    cr_assert_eq(strlen(a.msg->referral_id), 36);
    cr_assert_str_eq(a.msg->referral_id, b.msg->referral_id);
    cr_assert_str_eq(json_string_value(json_object_get(a.resource, "id")), a.msg->referral_id);
    health_referral_clear(&a);
    health_referral_clear(&b);
}

/* A Bundle whose ServiceRequest refers to its Patient by `ref`; the Patient's
 * fullUrl is patient_url, the request's sr_url. */
static int s_bundle(const char *patient_url, const char *sr_url, const char *ref,
                    silta_err_t *err)
{
    char doc[2048];
    snprintf(doc, sizeof doc,
             "{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":["
             "{\"fullUrl\":\"%s\",\"resource\":{\"resourceType\":\"Patient\",\"id\":\"p3\","
             "\"meta\":{\"versionId\":\"1\"},\"identifier\":[{\"system\":\"urn:oid:1.2.246.21\","
             "\"value\":\"070904A904Y\"}]},\"request\":{\"method\":\"POST\",\"url\":\"Patient\"}},"
             "{\"fullUrl\":\"%s\",\"resource\":{\"resourceType\":\"ServiceRequest\","
             "\"subject\":{\"reference\":\"%s\"}},"
             "\"request\":{\"method\":\"POST\",\"url\":\"ServiceRequest\"}}]}",
             patient_url, sr_url, ref);
    json_t *b = health_res_parse(doc, strlen(doc), HEALTH_FMT_JSON, 1 << 20, err);
    cr_assert_not_null(b, "%s", err->msg);
    health_referral_t r;
    int rc = health_map_document(b, NULL, &r, err);
    if (rc == 0) {
        cr_assert_str_eq(r.msg->hetu, "070904A904Y");
        health_referral_clear(&r);
    }
    json_decref(b);
    return rc;
}

Test(health_map, bundle_references_resolve_by_fhir_rules)
{
    silta_err_t err = {0};
    const char *pu = "urn:uuid:6f1d2c1e-0000-4000-8000-0000000000a1";
    const char *su = "urn:uuid:6f1d2c1e-0000-4000-8000-0000000000a2";
    cr_assert_eq(s_bundle(pu, su, pu, &err), 0, "urn:uuid: %s", err.msg);
    const char *rp = "http://example.org/fhir/Patient/p3";
    const char *rs = "http://example.org/fhir/ServiceRequest/s1";
    cr_assert_eq(s_bundle(rp, rs, rp, &err), 0, "absolute: %s", err.msg);
    cr_assert_eq(s_bundle(rp, rs, "Patient/p3", &err), 0, "relative: %s", err.msg);
    cr_assert_eq(s_bundle(rp, rs, "Patient/p3/_history/1", &err), 0, "versioned: %s", err.msg);
    cr_assert_eq(s_bundle(rp, rs, "http://example.org/fhir/Patient/p3/_history/1", &err), 0,
                 "absolute versioned: %s", err.msg);
    cr_assert_eq(s_bundle(pu, su, "Patient/p3", &err), 0, "relative, urn entries: %s", err.msg);
    /* a version the Bundle does not hold, another server's Patient, nothing */
    cr_assert_eq(s_bundle(rp, rs, "Patient/p3/_history/2", &err), SILTA_EINVAL);
    cr_assert(strstr(err.msg, "version") != NULL, "%s", err.msg);
    cr_assert_eq(s_bundle(rp, "http://other.org/fhir/ServiceRequest/s1", "Patient/p3", &err),
                 SILTA_EINVAL);
    cr_assert_eq(s_bundle(pu, su, "urn:uuid:6f1d2c1e-0000-4000-8000-0000000000ff", &err),
                 SILTA_EINVAL);
    cr_assert(strstr(err.msg, "patient cannot be identified") != NULL, "%s", err.msg);
}

Test(health_map, xml_and_json_round_trip_keeps_the_fhir_shape)
{
    silta_err_t err = {0};
    json_t *x = health_res_parse(s_xml_sr, strlen(s_xml_sr), HEALTH_FMT_XML, 1 << 20, &err);
    cr_assert_not_null(x);
    size_t len;
    char *xml = health_res_dump(x, HEALTH_FMT_XML, &len);
    cr_assert(strstr(xml, "<ServiceRequest xmlns=\"http://hl7.org/fhir\">") != NULL, "%s", xml);
    cr_assert(strstr(xml, "<extension url=\"urn:silta:consent\">") != NULL, "%s", xml);
    cr_assert(strstr(xml, "<valueBoolean value=\"true\"/>") != NULL, "%s", xml);
    json_t *again = health_res_parse(xml, len, HEALTH_FMT_XML, 1 << 20, &err);
    cr_assert(json_equal(x, again));
    free(xml);
    json_decref(x);
    json_decref(again);
    const char *bad = "{\"resourceType\":\"ServiceRequest\",\"id\":\"a\",\"id\":\"b\"}";
    cr_assert_null(health_res_parse(bad, strlen(bad), HEALTH_FMT_JSON, 1 << 20, &err));
    const char *hetu = "{\"resourceType\":\"ServiceRequest\",\"x\":010185-901E}";
    cr_assert_null(health_res_parse(hetu, strlen(hetu), HEALTH_FMT_JSON, 1 << 20, &err));
    cr_assert(strstr(err.msg, "not well-formed JSON") && !strstr(err.msg, "010185"), "%s",
              err.msg);
    cr_assert_null(health_res_parse("[1]", 3, HEALTH_FMT_JSON, 1 << 20, &err));
    cr_assert(strstr(err.msg, "resourceType") != NULL, "%s", err.msg);
}
