/* test_hetu.c - silta_hetu: the DVV format, strict parsing, reasons without the hetu. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "silta_hetu.h"

/* Parse s expecting failure; check the reason mentions `want` and never
 * repeats the input or its date part. */
static void s_reject(const char *s, const char *want)
{
    silta_hetu_t h;
    memset(&h, 0x5a, sizeof h);
    silta_hetu_t before = h;
    silta_err_t err = {0};
    int rc = silta_hetu_parse(s, &h, &err);
    cr_assert_eq(rc, SILTA_EINVAL, "'%s' should be rejected", s ? s : "(null)");
    cr_assert_eq(err.code, SILTA_EINVAL);
    cr_assert(strstr(err.msg, want) != NULL, "'%s': reason '%s' should say '%s'", s ? s : "(null)",
              err.msg, want);
    cr_assert(memcmp(&h, &before, sizeof h) == 0, "out must be untouched on failure");
    cr_assert_not(silta_hetu_valid(s));
    if (s && strlen(s) >= 6) {
        char date[7];
        memcpy(date, s, 6);
        date[6] = '\0';
        cr_assert(strstr(err.msg, s) == NULL, "reason echoes the hetu: %s", err.msg);
        cr_assert(strstr(err.msg, date) == NULL, "reason echoes the date part: %s", err.msg);
    }
}

static silta_hetu_t s_accept(const char *s)
{
    silta_hetu_t h;
    silta_err_t err = {0};
    int rc = silta_hetu_parse(s, &h, &err);
    cr_assert_eq(rc, 0, "'%s' should be valid: %s", s, err.msg);
    cr_assert(silta_hetu_valid(s));
    cr_assert_str_eq(h.canonical, s);
    return h;
}

Test(hetu, synthetic_examples_parse)
{
    silta_hetu_t h = s_accept("010185-901E");
    cr_assert_eq(h.year, 1985);
    cr_assert_eq(h.month, 1);
    cr_assert_eq(h.day, 1);
    cr_assert_eq(h.century_sign, '-');
    cr_assert_eq(h.individual, 901);
    cr_assert_eq(h.sex, SILTA_HETU_MALE);
    cr_assert(h.temporary);

    h = s_accept("150372-902S");
    cr_assert_eq(h.year, 1972);
    cr_assert_eq(h.month, 3);
    cr_assert_eq(h.day, 15);
    cr_assert_eq(h.sex, SILTA_HETU_FEMALE);
    cr_assert(h.temporary);

    h = s_accept("070904A904Y");
    cr_assert_eq(h.year, 2004);
    cr_assert_eq(h.month, 9);
    cr_assert_eq(h.day, 7);
    cr_assert_eq(h.century_sign, 'A');
    cr_assert_eq(h.sex, SILTA_HETU_FEMALE);

    h = s_accept("311264Y905C");
    cr_assert_eq(h.year, 1964);
    cr_assert_eq(h.month, 12);
    cr_assert_eq(h.day, 31);
    cr_assert_eq(h.century_sign, 'Y');
    cr_assert_eq(h.individual, 905);
    cr_assert_eq(h.sex, SILTA_HETU_MALE);
}

Test(hetu, parse_with_null_out_only_validates)
{
    cr_assert_eq(silta_hetu_parse("010185-901E", NULL, NULL), 0);
    cr_assert_eq(silta_hetu_parse("010185-901F", NULL, NULL), SILTA_EINVAL);
}

Test(hetu, wrong_check_character_names_the_expected_one)
{
    s_reject("010190-999X", "check character is X, expected W");
    s_accept("010190-999W");
    /* letters never used as check characters are still "wrong, expected W" */
    s_reject("010190-999G", "check character is G, expected W");
    s_reject("010185-901F", "check character is F, expected E");
}

Test(hetu, every_other_check_character_is_refused)
{
    const char *alphabet = "0123456789ABCDEFHJKLMNPRSTUVWXY";
    const char *valid[] = {"010185-901E", "150372-902S", "070904A904Y", "311264Y905C"};
    for (size_t v = 0; v < 4; v++) {
        int accepted = 0;
        for (const char *q = alphabet; *q; q++) {
            char s[12];
            memcpy(s, valid[v], 12);
            s[10] = *q;
            if (silta_hetu_valid(s))
                accepted++;
        }
        cr_assert_eq(accepted, 1, "%s: exactly one check character must pass", valid[v]);
    }
}

Test(hetu, century_sign_is_part_of_the_identity)
{
    silta_hetu_t a = s_accept("100190-999P");
    silta_hetu_t b = s_accept("100190Y999P");
    cr_assert_eq(a.year, 1990);
    cr_assert_eq(b.year, 1990);
    cr_assert_str_neq(a.canonical, b.canonical);
    for (const char *sign = "-YXWVU"; *sign; sign++) {
        char s[12] = "100190-999P";
        s[6] = *sign;
        cr_assert_eq(s_accept(s).year, 1990, "sign %c", *sign);
    }
    for (const char *sign = "ABCDEF"; *sign; sign++) {
        char s[12] = "100105A999?";
        s[6] = *sign;
        s[10] = silta_hetu_check_char(100105999L);
        cr_assert_eq(s_accept(s).year, 2005, "sign %c", *sign);
    }
    char s[12] = "100190+999P";
    cr_assert_eq(s_accept(s).year, 1890);
}

Test(hetu, wrong_length)
{
    s_reject("010185-901", "has length 10, expected 11");
    s_reject("010185-901EE", "has length 12, expected 11");
    s_reject("010185-901E ", "has length 12 (surrounding whitespace)");
    s_reject(" 010185-901E", "(surrounding whitespace)");
    s_reject("010185-901E\n", "(surrounding whitespace)");
    s_reject("", "empty");
    s_reject("0", "has length 1, expected 11");
    char big[200];
    memset(big, '1', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    s_reject(big, "longer than 64 characters");
}

Test(hetu, null_is_bad_input_not_a_crash)
{
    silta_err_t err = {0};
    cr_assert_eq(silta_hetu_parse(NULL, NULL, &err), SILTA_EINVAL);
    cr_assert_str_eq(err.msg, "no personal identity code given");
    cr_assert_not(silta_hetu_valid(NULL));
}

Test(hetu, lowercase_is_refused)
{
    s_reject("070904a904Y", "century sign must be uppercase");
    s_reject("311264y905C", "century sign must be uppercase");
    s_reject("010185-901e", "check character must be uppercase");
}

Test(hetu, unknown_century_sign)
{
    s_reject("010185G901E", "century sign 'G' is not one of + - Y X W V U A B C D E F");
    s_reject("010185*901E", "century sign '*' is not one of");
    s_reject("0101851901E", "century sign '1' is not one of");
    s_reject("010185 901E", "century sign ' ' is not one of");
    s_reject("010185\001901E", "century sign (character 7) is not a printable character");
}

Test(hetu, non_digits)
{
    s_reject("01O185-901E", "date part (characters 1-6) has a non-digit at character 3");
    s_reject("x10185-901E", "non-digit at character 1");
    s_reject("01018 -901E", "non-digit at character 6");
    s_reject("010185-9O1E", "individual number (characters 8-10) has a non-digit at character 9");
    s_reject("010185-90 E", "non-digit at character 10");
    s_reject("010185-901!", "check character (character 11) is not a digit or letter");
}

Test(hetu, impossible_dates)
{
    s_reject("310285-901E", "day 31 does not exist in month 02");
    s_reject("310485-901E", "day 31 does not exist in month 04");
    s_reject("000185-901E", "day 00 does not exist");
    s_reject("320185-901E", "day 32 does not exist");
    s_reject("011385-901E", "month 13 does not exist");
    s_reject("010085-901E", "month 00 does not exist");
}

Test(hetu, leap_years_follow_the_century)
{
    /* 2001 is not a leap year; 2000 is (divisible by 400); 1900 and 1800 are not. */
    s_reject("290201A900J", "29 February in a year that is not a leap year");
    silta_hetu_t h = s_accept("290200A900B");
    cr_assert_eq(h.year, 2000);
    cr_assert_eq(h.month, 2);
    cr_assert_eq(h.day, 29);
    s_reject("290200-900B", "29 February in a year that is not a leap year");
    s_reject("290200+900B", "not a leap year");
    char s[12];
    cr_assert_eq(silta_hetu_make(1904, 2, 29, 950, s, NULL), 0);
    cr_assert_eq(s_accept(s).day, 29);
}

Test(hetu, individual_numbers_000_and_001_are_never_issued)
{
    char s[12] = "010185-000?";
    s[10] = silta_hetu_check_char(10185000L);
    s_reject(s, "individual number 000 is never issued");
    memcpy(s, "010185-001?", 12);
    s[10] = silta_hetu_check_char(10185001L);
    s_reject(s, "individual number 001 is never issued");
}

Test(hetu, every_individual_number_sex_and_temporary_flag)
{
    for (int zzz = 2; zzz <= 999; zzz++) {
        char s[12];
        silta_err_t err = {0};
        cr_assert_eq(silta_hetu_make(1985, 1, 1, zzz, s, &err), 0, "%s", err.msg);
        silta_hetu_t h = s_accept(s);
        cr_assert_eq(h.individual, zzz);
        cr_assert_eq(h.sex, zzz % 2 ? SILTA_HETU_MALE : SILTA_HETU_FEMALE, "zzz %d", zzz);
        cr_assert_eq(h.temporary, zzz >= 900, "zzz %d", zzz);
    }
}

Test(hetu, make_builds_the_examples)
{
    char s[12];
    cr_assert_eq(silta_hetu_make(1985, 1, 1, 901, s, NULL), 0);
    cr_assert_str_eq(s, "010185-901E");
    cr_assert_eq(silta_hetu_make(1972, 3, 15, 902, s, NULL), 0);
    cr_assert_str_eq(s, "150372-902S");
    cr_assert_eq(silta_hetu_make(2004, 9, 7, 904, s, NULL), 0);
    cr_assert_str_eq(s, "070904A904Y");
    cr_assert_eq(silta_hetu_make(1890, 1, 10, 999, s, NULL), 0);
    cr_assert_str_eq(s, "100190+999P");

    silta_err_t err = {0};
    cr_assert_eq(silta_hetu_make(2001, 2, 29, 900, s, &err), SILTA_EINVAL);
    cr_assert_eq(silta_hetu_make(2100, 1, 1, 900, s, &err), SILTA_EINVAL);
    cr_assert(strstr(err.msg, "no century sign") != NULL, "%s", err.msg);
    cr_assert_eq(silta_hetu_make(1985, 1, 1, 1, s, &err), SILTA_EINVAL);
    cr_assert_eq(silta_hetu_make(1985, 1, 1, 1000, s, &err), SILTA_EINVAL);
}

Test(hetu, check_char_range)
{
    cr_assert_eq(silta_hetu_check_char(10190999L), 'W');
    cr_assert_eq(silta_hetu_check_char(0), '0');
    cr_assert_eq(silta_hetu_check_char(30), 'Y');
    cr_assert_eq(silta_hetu_check_char(-1), 0);
    cr_assert_eq(silta_hetu_check_char(1000000000L), 0);
}

/* ------------------------------------------------ birth date in the future (issue 10) */

/* Parse s (valid) and check it against today (YYYYMMDD). */
static int s_not_future(const char *s, long today, silta_err_t *err)
{
    silta_hetu_t h = s_accept(s);
    return silta_hetu_check_not_future(&h, today, err);
}

Test(hetu, born_tomorrow_is_refused_today_is_accepted)
{
    silta_err_t err = {0};
    /* 011226A950N: born 1.12.2026; 301126A951L: born 30.11.2026. */
    cr_assert_eq(s_not_future("011226A950N", 20261130, &err), SILTA_EINVAL);
    cr_assert_str_eq(err.msg, "birth date is in the future");
    cr_assert(strstr(err.msg, "011226") == NULL && strstr(err.msg, "2026") == NULL,
              "the reason never quotes the date: %s", err.msg);
    cr_assert_eq(s_not_future("301126A951L", 20261130, &err), 0, "born today: %s", err.msg);
    cr_assert_eq(s_not_future("011226A950N", 20261201, &err), 0, "born today: %s", err.msg);
    cr_assert_eq(s_not_future("011226A950N", 20270101, &err), 0);
    /* The same digits with '-' are 1.12.1926: long past. */
    cr_assert_eq(s_not_future("011226-952R", 20261130, &err), 0, "%s", err.msg);
    /* A year ahead, a century ahead within the signs (2099). */
    cr_assert_eq(s_not_future("011226A950N", 20251201, &err), SILTA_EINVAL);
    cr_assert_eq(s_not_future("010199F953R", 20261130, &err), SILTA_EINVAL);
}

Test(hetu, every_2000s_century_sign_is_checked_against_today)
{
    for (const char *sign = "ABCDEF"; *sign; sign++) {
        char tomorrow[12] = "011226A950N", today[12] = "301126A951L";
        tomorrow[6] = *sign;
        today[6] = *sign;
        silta_err_t err = {0};
        cr_assert_eq(s_not_future(tomorrow, 20261130, &err), SILTA_EINVAL, "sign %c", *sign);
        cr_assert_str_eq(err.msg, "birth date is in the future");
        cr_assert_eq(s_not_future(today, 20261130, &err), 0, "sign %c: %s", *sign, err.msg);
    }
    /* 1900s signs: the same digits are a hundred years ago. */
    for (const char *sign = "-YXWVU"; *sign; sign++) {
        char s[12] = "011226-952R";
        s[6] = *sign;
        cr_assert_eq(s_not_future(s, 20261130, NULL), 0, "sign %c", *sign);
    }
}

Test(hetu, not_future_refuses_bad_arguments)
{
    silta_hetu_t h = s_accept("301126A951L");
    silta_err_t err = {0};
    cr_assert_eq(silta_hetu_check_not_future(NULL, 20261130, &err), SILTA_EINVAL);
    cr_assert_eq(silta_hetu_check_not_future(&h, 20261331, &err), SILTA_EINVAL);
    cr_assert_eq(silta_hetu_check_not_future(&h, 20260230, &err), SILTA_EINVAL);
    cr_assert_eq(silta_hetu_check_not_future(&h, -1, &err), SILTA_EINVAL);
    cr_assert_str_eq(err.msg, "today is not a date (YYYYMMDD)");
}

Test(hetu, today_is_the_day_in_helsinki)
{
    static const struct {
        long long sec;
        long ymd;
    } cases[] = {
        {1796077800LL, 20261201}, /* 2026-11-30 22:30Z = 00:30 EET on 1.12 */
        {1796075999LL, 20261130}, /* 21:59:59Z = 23:59:59 EET */
        {1782853200LL, 20260701}, /* 2026-06-30 21:00Z = 00:00 EEST */
        {1782853199LL, 20260630},
        {1774733400LL, 20260328}, /* 28.3. 21:30Z, still winter time: 23:30 */
        {1774819800LL, 20260330}, /* 29.3. 21:30Z, summer time since 01:00Z: 00:30 */
        {1792877400LL, 20261025}, /* 24.10. 21:30Z, summer time: 00:30 on 25.10 */
        {1792963800LL, 20261025}, /* 25.10. 21:30Z, winter again: 23:30 */
        {-3600LL, 19700101},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        cr_assert_eq(silta_hetu_today_ymd(cases[i].sec * 1000), cases[i].ymd, "case %zu: %ld", i,
                     silta_hetu_today_ymd(cases[i].sec * 1000));
}

/* Every hour 2020-2031 against the system's Europe/Helsinki zone, when the
 * zone file is installed (tzdata). */
Test(hetu, today_agrees_with_the_tz_database)
{
    FILE *zf = fopen("/usr/share/zoneinfo/Europe/Helsinki", "rb");
    if (!zf)
        cr_skip_test("no tzdata");
    fclose(zf);
    setenv("TZ", "Europe/Helsinki", 1);
    tzset();
    for (time_t t = 1577836800; t < 1956528000; t += 1800) {
        struct tm tm;
        cr_assert_not_null(localtime_r(&t, &tm));
        long want = (long)(tm.tm_year + 1900) * 10000 + (tm.tm_mon + 1) * 100 + tm.tm_mday;
        long got = silta_hetu_today_ymd((long long)t * 1000);
        if (got != want)
            cr_assert_fail("t=%lld: %ld, the zone says %ld", (long long)t, got, want);
    }
}
