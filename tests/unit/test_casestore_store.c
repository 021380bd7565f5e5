/* test_casestore_store.c - the store's helpers that the batch path leans on:
 * cs_arr (array literals for the set-based statements) and cs_day parse /
 * format (every date of a history and a plan), written by hand for speed
 * (issue 12): they must say what snprintf / sscanf said; cs_keys (a batch's
 * clients found by key in constant time). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "../../casestore/rules/cs_history.h"
#include "../../casestore/store/cs_arr.h"
#include "../../casestore/store/cs_keys.h"

Test(cs_arr, quotes_and_backslashes_escaped_in_runs)
{
    cs_arr_t a = CS_ARR_INIT;
    cr_assert_str_eq(cs_arr_lit(&a), "{}");
    cs_arr_add(&a, "plain");
    cs_arr_add(&a, NULL);
    cs_arr_add(&a, "");
    cs_arr_add(&a, "a\"b\\c");
    cs_arr_add(&a, "\"\"\\\\");
    cs_arr_add(&a, "tail\"");
    cs_arr_addn(&a, "cut\"here", 4); /* the first 4 bytes: cut" */
    cr_assert_str_eq(cs_arr_lit(&a),
                     "{\"plain\",NULL,\"\",\"a\\\"b\\\\c\",\"\\\"\\\"\\\\\\\\\",\"tail\\\"\","
                     "\"cut\\\"\"}");
    cr_assert_eq(a.n, 7);
    cs_arr_free(&a);
    cs_arr_free(&a); /* harmless */
    cr_assert_str_eq(cs_arr_lit(&a), "{}");
}

Test(cs_arr, a_long_element_grows_the_buffer)
{
    char big[5000];
    memset(big, 'f', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    big[100] = '"';
    cs_arr_t a = CS_ARR_INIT;
    for (int i = 0; i < 50; i++)
        cs_arr_add(&a, big);
    const char *lit = cs_arr_lit(&a);
    cr_assert_not_null(lit);
    /* braces, 49 commas, per element two quotes, the text and one escape */
    cr_assert_eq(strlen(lit), 2 + 49 + 50 * (2 + sizeof big - 1 + 1));
    cs_arr_free(&a);
}

Test(cs_day, format_and_parse_as_snprintf_and_sscanf_did)
{
    char out[11], want[40];
    cs_day_t d0 = 0, d1 = 0;
    cr_assert_eq(cs_day_parse("1800-01-01", &d0), 0);
    cr_assert_eq(cs_day_parse("2199-12-31", &d1), 0);
    for (cs_day_t d = d0; d <= d1; d += d1 - d < 37 && d < d1 ? d1 - d : 37) {
        int y, m, dd;
        cs_day_format(d, out);
        cr_assert_eq(sscanf(out, "%4d-%2d-%2d", &y, &m, &dd), 3);
        snprintf(want, sizeof want, "%04d-%02d-%02d", y, m, dd);
        cr_assert_str_eq(out, want);
        cs_day_t back = CS_NODAY;
        cr_assert_eq(cs_day_parse(out, &back), 0, "%s", out);
        cr_assert_eq(back, d, "%s", out);
    }
    cr_assert_str_eq(cs_day_format(CS_NODAY, out), "");
    cs_day_t d = 0;
    cr_assert_eq(cs_day_parse("", &d), 0);
    cr_assert_eq(d, CS_NODAY);
    cr_assert_eq(cs_day_parse(NULL, &d), 0);
    cr_assert_eq(d, CS_NODAY);
    static const char *bad[] = {"2026-02-29", "2026-04-31", "2026-13-01", "2026-00-10",
                                "2026-01-00", "1799-12-31", "2200-01-01", "2026-1-011",
                                "2026/01/01", "2026-01-01 ", "+026-01-01", " 2026-01-0",
                                "20a6-01-01", "2026-01-0x", "2026-01-01T00"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        cr_assert_eq(cs_day_parse(bad[i], &d), -1, "%s", bad[i]);
    cr_assert_eq(cs_day_parse("2024-02-29", &d), 0);
    cr_assert_str_eq(cs_day_format(d, out), "2024-02-29");
}

Test(cs_keys, numbers_keys_in_first_seen_order_and_finds_them_again)
{
    enum { N = 600 };
    static char keys[N][40];
    cs_keys_t k;
    cr_assert_eq(cs_keys_init(&k, N), 0);
    for (int i = 0; i < N; i++)
        snprintf(keys[i], sizeof keys[i], "ck_%032x", (unsigned)(i * 2654435761u));
    for (int round = 0; round < 2; round++) {
        for (int i = 0; i < N; i++) {
            int fresh = -1;
            cr_assert_eq(cs_keys_put(&k, keys[i], &fresh), i);
            cr_assert_eq(fresh, round == 0, "key %d round %d", i, round);
        }
    }
    cr_assert_eq(k.n, N);
    char copy[40];
    for (int i = 0; i < N; i++) {
        memcpy(copy, keys[i], sizeof copy); /* by content, not by pointer */
        cr_assert_eq(cs_keys_find(&k, copy), i);
    }
    cr_assert_eq(cs_keys_find(&k, "ck_not_there"), -1);
    cr_assert_eq(cs_keys_put(&k, "ck_one_too_many", NULL), -1); /* full */
    cr_assert_eq(k.n, N);
    cs_keys_free(&k);
    cs_keys_free(&k); /* harmless */
    cr_assert_eq(cs_keys_find(&k, keys[0]), -1);
    cr_assert_eq(cs_keys_put(&k, keys[0], NULL), -1);
}
