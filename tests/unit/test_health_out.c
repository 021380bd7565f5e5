/* test_health_out.c - what silta-health writes: the searchset Bundle obeys
 * FHIR JSON's rule that an array is never empty (no matches: no "entry"). */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "health_out.h"
#include "health_res.h"
#include "silta_xml.h"

static void s_init(void)
{
    silta_xml_init();
}
TestSuite(health_out, .init = s_init);

Test(health_out, an_empty_searchset_has_no_entry_array)
{
    json_t *none = json_array();
    json_t *b = health_out_searchset("http://127.0.0.1:1/fhir", none);
    cr_assert_not_null(b);
    cr_assert_null(json_object_get(b, "entry"), "an empty entry array");
    cr_assert_eq(json_integer_value(json_object_get(b, "total")), 0);
    size_t len = 0;
    char *text = health_res_dump(b, HEALTH_FMT_JSON, &len);
    cr_assert_not_null(text);
    cr_assert(strstr(text, "\"entry\"") == NULL, "%s", text);
    cr_assert(strstr(text, "[]") == NULL, "FHIR JSON has no empty arrays: %s", text);
    cr_assert(strstr(text, "\"type\":\"searchset\"") != NULL, "%s", text);
    free(text);
    json_decref(b);
    json_decref(none);
}

Test(health_out, a_searchset_with_matches_lists_each_as_an_entry)
{
    json_t *found = json_pack("[{s:s,s:s}]", "resourceType", "Task", "id", "t1");
    json_t *b = health_out_searchset("http://127.0.0.1:1/fhir", found);
    cr_assert_not_null(b);
    json_t *entries = json_object_get(b, "entry");
    cr_assert_eq(json_array_size(entries), 1);
    cr_assert_str_eq(health_res_str(json_array_get(entries, 0), "fullUrl"),
                     "http://127.0.0.1:1/fhir/Task/t1");
    cr_assert_eq(json_integer_value(json_object_get(b, "total")), 1);
    json_decref(b);
    json_decref(found);
}
