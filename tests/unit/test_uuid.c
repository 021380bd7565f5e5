/* test_uuid.c - silta_uuid: v7 layout, content ids, validation. */
#include <criterion/criterion.h>
#include <string.h>

#include "silta_uuid.h"

Test(uuid, v7_is_canonical_and_versioned)
{
    char a[37], b[37];
    silta_uuid_v7(a);
    silta_uuid_v7(b);
    cr_assert(silta_uuid_valid(a));
    cr_assert_eq(a[14], '7', "version nibble: %s", a);
    cr_assert(strchr("89ab", a[19]) != NULL, "variant bits: %s", a);
    cr_assert_str_neq(a, b);
    /* time-ordered: the 48-bit millisecond prefix never goes backwards */
    cr_assert(strncmp(a, b, 13) <= 0);
}

Test(uuid, content_id_is_stable_and_distinct)
{
    char a[37], b[37], c[37];
    silta_uuid_from_content("kela", "record-1", 8, a);
    silta_uuid_from_content("kela", "record-1", 8, b);
    silta_uuid_from_content("kela", "record-2", 8, c);
    cr_assert_str_eq(a, b);
    cr_assert_str_neq(a, c);
    cr_assert(silta_uuid_valid(a));
}

Test(uuid, validation_refuses_malformed)
{
    cr_assert(silta_uuid_valid("0190f5c2-7b3a-7c4d-8e5f-0123456789ab"));
    cr_assert_not(silta_uuid_valid(""));
    cr_assert_not(silta_uuid_valid(NULL));
    cr_assert_not(silta_uuid_valid("0190f5c2-7b3a-7c4d-8e5f-0123456789a"));
    cr_assert_not(silta_uuid_valid("0190f5c2x7b3a-7c4d-8e5f-0123456789ab"));
    cr_assert_not(silta_uuid_valid("0190f5c2-7b3a-7c4d-8e5f-0123456789ag"));
    cr_assert_not(silta_uuid_valid("0190F5C2-7B3A-7C4D-8E5F-0123456789AB"), "uppercase is not canonical");
}
