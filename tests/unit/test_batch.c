/* test_batch.c - silta_batch: the date fields found in the XSDs, and mapping a
 * record with zoned dates to its message. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "events.pb-c.h"
#include "silta_batch.h"

static const silta_batch_kind_t s_kela[] = {
    {"notice", "kela.notice.v1", &silta__kela_notice__descriptor},
    {"application", "kela.application.v1", &silta__kela_benefit__descriptor},
    {"decision", "kela.decision.v1", &silta__kela_benefit__descriptor},
};

static const silta_batch_kind_t s_employment[] = {
    {"statement", "employment.statement.v1", &silta__employment_statement__descriptor},
    {"plan_item", "employment.plan.v1", &silta__employment_plan_item__descriptor},
    {"registration", "employment.registration.v1", &silta__employment_registration__descriptor},
};

Test(batch, every_xs_date_element_of_the_schemas_is_a_date_field)
{
    silta_batch_format_t fmt;
    silta_err_t err = {0};
    cr_assert_eq(silta_batch_format_init(&fmt, "kela-batch", "urn:silta:kela:1", s_kela, 3,
                                         "kela-batch.xsd", &err),
                 0, "%s", err.msg);
    cr_assert_str_eq(silta_batch_date_fields(&fmt, "notice"), "|date|");
    cr_assert_str_eq(silta_batch_date_fields(&fmt, "application"),
                     "|period_start|period_end|complete_date|");
    cr_assert_str_eq(silta_batch_date_fields(&fmt, "decision"),
                     "|period_start|period_end|complete_date|");
    cr_assert_null(silta_batch_date_fields(&fmt, "kela-statement"));
    silta_batch_format_fini(&fmt);
    cr_assert_eq(silta_batch_format_init(&fmt, "employment-batch", "urn:silta:employment:1",
                                         s_employment, 3, "employment-batch.xsd", &err),
                 0, "%s", err.msg);
    cr_assert_str_eq(silta_batch_date_fields(&fmt, "statement"), "|waiting_from|date|");
    cr_assert_str_eq(silta_batch_date_fields(&fmt, "plan_item"), "|due_date|start_date|");
    cr_assert_str_eq(silta_batch_date_fields(&fmt, "registration"), "|date|unemployed_since|");
    silta_batch_format_fini(&fmt);
    silta_batch_format_fini(&fmt); /* harmless twice */
}

static xmlDocPtr s_doc(const char *xml)
{
    silta_err_t err = {0};
    xmlDocPtr doc = silta_xml_parse_memory(xml, strlen(xml), NULL, &err);
    cr_assert_not_null(doc, "%s", err.msg);
    return doc;
}

/* SILTA_XML_MAX_RECORD above the reader's cap is the cap: the record limit the
 * batch reports is the one the reader applies. */
Test(batch, record_limit_is_capped_like_the_reader)
{
    setenv("SILTA_XML_MAX_RECORD", "1000000000", 1);
    silta_batch_format_t fmt;
    silta_err_t err = {0};
    cr_assert_eq(silta_batch_format_init(&fmt, "kela-batch", "urn:silta:kela:1", s_kela, 3,
                                         "kela-batch.xsd", &err),
                 0, "%s", err.msg);
    cr_assert_eq(fmt.limits.max_record, SILTA_XML_MAX_RECORD_CAP);
    silta_batch_format_fini(&fmt);
    unsetenv("SILTA_XML_MAX_RECORD");
}

Test(batch, map_normalises_dates_and_refuses_impossible_ones)
{
    xmlDocPtr doc = s_doc("<application xmlns='urn:silta:kela:1'><hetu>010185-901E</hetu>"
                          "<period_start>2025-03-13+02:00</period_start>"
                          "<period_end> 2025-03-31Z </period_end>"
                          "<complete_date>2025-03-13-05:00</complete_date></application>");
    char field[64] = "-";
    silta_err_t err = {0};
    ProtobufCMessage *m =
        silta_batch_map(xmlDocGetRootElement(doc), &silta__kela_benefit__descriptor,
                        "|period_start|period_end|complete_date|", field, sizeof field, &err);
    cr_assert_not_null(m, "%s: %s", field, err.msg);
    Silta__KelaBenefit *b = (Silta__KelaBenefit *)m;
    cr_assert_str_eq(b->period_start, "2025-03-13");
    cr_assert_str_eq(b->period_end, "2025-03-31");
    cr_assert_str_eq(b->complete_date, "2025-03-13");
    protobuf_c_message_free_unpacked(m, NULL);
    xmlFreeDoc(doc);

    doc = s_doc("<notice xmlns='urn:silta:kela:1'><hetu>010185-901E</hetu>"
                "<date>2025-02-30Z</date></notice>");
    m = silta_batch_map(xmlDocGetRootElement(doc), &silta__kela_notice__descriptor, "|date|", field,
                        sizeof field, &err);
    cr_assert_null(m);
    cr_assert_str_eq(field, "date");
    cr_assert(strstr(err.msg, "no such day") != NULL, "%s", err.msg);
    xmlFreeDoc(doc);
}
