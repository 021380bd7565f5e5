/* test_date.c - silta_date: xs:date with and without a zone to YYYY-MM-DD. */
#include <criterion/criterion.h>
#include <string.h>

#include "silta_date.h"

Test(date, xsd_dates_with_a_zone_keep_their_calendar_day)
{
    const char *in[] = {"2025-03-13",       "2025-03-13Z",      "2025-03-13+02:00",
                        "2025-03-13-05:00", "2025-03-13+14:00", "2025-03-13-14:00",
                        "2024-02-29",       "2000-02-29Z"};
    const char *want[] = {"2025-03-13", "2025-03-13", "2025-03-13", "2025-03-13",
                          "2025-03-13", "2025-03-13", "2024-02-29", "2000-02-29"};
    for (size_t i = 0; i < sizeof in / sizeof in[0]; i++) {
        char out[SILTA_DATE_LEN + 1] = "";
        silta_err_t err = {0};
        cr_assert_eq(silta_date_from_xsd(in[i], out, &err), 0, "%s: %s", in[i], err.msg);
        cr_assert_str_eq(out, want[i], "%s", in[i]);
    }
}

Test(date, impossible_or_malformed_dates_are_refused_with_a_reason)
{
    const char *bad[] = {"2025-02-30",       "2023-02-29",      "1900-02-29",
                         "2025-04-31",       "2025-13-01",      "2025-00-10",
                         "2025-01-00",       "0000-01-01",      "2025-3-13",
                         "2025-03-13 ",      "2025-03-13+2:00", "2025-03-13+15:00",
                         "2025-03-13+02:60", "2025-03-13z",     "2025-03-13T00:00:00",
                         "-2025-03-13",      "12025-03-13",     "",
                         "20250313"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char out[SILTA_DATE_LEN + 1] = "untouched";
        silta_err_t err = {0};
        cr_assert_eq(silta_date_from_xsd(bad[i], out, &err), SILTA_EINVAL, "%s", bad[i]);
        cr_assert(strstr(err.msg, "not a date") != NULL, "%s: %s", bad[i], err.msg);
        cr_assert_str_eq(out, "untouched", "%s", bad[i]);
    }
    silta_err_t err = {0};
    char out[SILTA_DATE_LEN + 1];
    silta_date_from_xsd("2025-02-30", out, &err);
    cr_assert(strstr(err.msg, "no such day") != NULL, "%s", err.msg);
    cr_assert(strstr(err.msg, "2025-02-30") == NULL, "the value is not quoted: %s", err.msg);
}
