/* test_uuid.c - silta_uuid: v7 layout, content ids, validation. */
#include <criterion/criterion.h>
#include <stdlib.h>
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
    cr_assert_eq(a[14], '8', "version nibble: %s", a);
    cr_assert(strchr("89ab", a[19]) != NULL, "variant bits: %s", a);
}

/* Known answers: BLAKE2b-128 of namespace "\0" data, version 8, variant 10
 * (computed independently: Python hashlib.blake2b(digest_size=16)). */
Test(uuid, content_id_is_blake2b_known_answer)
{
    char a[37];
    silta_uuid_from_content("kela", "record-1", 8, a);
    cr_assert_str_eq(a, "8c57af53-9b2c-8bdd-99b1-ba5bf970da41");
    silta_uuid_from_content("", "", 0, a);
    cr_assert_str_eq(a, "7025e075-d5e2-86cd-a3cc-051a31f07660");
}

static int s_cmp(const void *a, const void *b)
{
    return strcmp(a, b);
}

/* The namespace and the data are separated: ("ab", "c") is not ("a", "bc");
 * and 200,000 near-identical inputs (what a batch file gives: the same
 * namespace, payloads differing in one counter) give 200,000 ids. */
Test(uuid, content_ids_are_distinct)
{
    char a[37], b[37];
    silta_uuid_from_content("ab", "c", 1, a);
    silta_uuid_from_content("a", "bc", 2, b);
    cr_assert_str_neq(a, b);
    enum { N = 200000 };
    char(*ids)[37] = malloc(sizeof(*ids) * N);
    cr_assert_not_null(ids);
    for (int i = 0; i < N; i++) {
        unsigned char rec[16] = {0};
        memcpy(rec, &i, sizeof i);
        silta_uuid_from_content("kela/night.xml", rec, sizeof rec, ids[i]);
    }
    qsort(ids, N, sizeof *ids, s_cmp);
    for (int i = 1; i < N; i++)
        cr_assert_str_neq(ids[i - 1], ids[i], "a collision at %d", i);
    free(ids);
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
