/*  silta_hetu.c - henkilötunnus validation (DVV format, strict, no allocation).
 *
 *  Checks run left to right in the order a person would fix them: length,
 *  character classes, date, individual number, and the check character last,
 *  so "check character is X, expected W" is only said of a code that is
 *  otherwise well formed (the expected character means nothing otherwise).
 */
#include "silta_hetu.h"

#include "silta_date.h"

#include <stdio.h>
#include <string.h>

/* DVV: the 31 check characters; G I O Q Z are left out as easy to misread. */
static const char s_check_chars[] = "0123456789ABCDEFHJKLMNPRSTUVWXY";

/* Century sign -> first year of the century. The multiple 1900s/2000s signs
 * exist since 2023 (DVV) because the temporary number space ran out. */
static const struct {
    char sign;
    int century;
} s_signs[] = {
    {'+', 1800}, {'-', 1900}, {'Y', 1900}, {'X', 1900}, {'W', 1900}, {'V', 1900}, {'U', 1900},
    {'A', 2000}, {'B', 2000}, {'C', 2000}, {'D', 2000}, {'E', 2000}, {'F', 2000},
};

static int s_is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static int s_is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static int s_century(char sign)
{
    for (size_t i = 0; i < sizeof s_signs / sizeof s_signs[0]; i++)
        if (s_signs[i].sign == sign)
            return s_signs[i].century;
    return 0;
}

/* Value of n decimal digits at s (all checked to be digits by the caller). */
static int s_num(const char *s, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++)
        v = v * 10 + (s[i] - '0');
    return v;
}

char silta_hetu_check_char(long n)
{
    if (n < 0 || n > 999999999L)
        return 0;
    return s_check_chars[n % 31];
}

/* Year-free date check; reasons name day/month only, never the birth year. */
static int s_check_date(int year, int month, int day, silta_err_t *err)
{
    if (month < 1 || month > 12)
        return silta_err_set(err, SILTA_EINVAL, "date part: month %02d does not exist", month);
    if (day < 1 || day > 31)
        return silta_err_set(err, SILTA_EINVAL, "date part: day %02d does not exist", day);
    if (day > silta_date_days_in_month(year, month)) {
        if (month == 2 && day == 29)
            return silta_err_set(err, SILTA_EINVAL,
                                 "date part: 29 February in a year that is not a leap year");
        return silta_err_set(err, SILTA_EINVAL, "date part: day %02d does not exist in month %02d",
                             day, month);
    }
    return SILTA_OK;
}

int silta_hetu_parse(const char *s, silta_hetu_t *out, silta_err_t *err)
{
    if (!s)
        return silta_err_set(err, SILTA_EINVAL, "no personal identity code given");

    /* Bounded: the input may be an arbitrary field from a file or a message. */
    size_t len = strnlen(s, 65);
    if (len != SILTA_HETU_LEN) {
        if (len == 0)
            return silta_err_set(err, SILTA_EINVAL, "personal identity code is empty");
        /* The usual cause of a wrong length in a file: say so. */
        const char *ws =
            (s_is_space(s[0]) || s_is_space(s[len - 1])) ? " (surrounding whitespace)" : "";
        if (len > 64)
            return silta_err_set(err, SILTA_EINVAL,
                                 "personal identity code is longer than 64 characters, expected %d",
                                 SILTA_HETU_LEN);
        return silta_err_set(err, SILTA_EINVAL,
                             "personal identity code has length %zu%s, expected %d", len, ws,
                             SILTA_HETU_LEN);
    }

    for (int i = 0; i < 6; i++)
        if (!s_is_digit(s[i]))
            return silta_err_set(err, SILTA_EINVAL,
                                 "date part (characters 1-6) has a non-digit at character %d",
                                 i + 1);

    char sign = s[6];
    int century = s_century(sign);
    if (!century) {
        if (sign >= 'a' && sign <= 'z' && s_century((char)(sign - 'a' + 'A')))
            return silta_err_set(err, SILTA_EINVAL, "century sign must be uppercase");
        if (sign >= ' ' && sign < 0x7f)
            return silta_err_set(err, SILTA_EINVAL,
                                 "century sign '%c' is not one of + - Y X W V U A B C D E F", sign);
        return silta_err_set(err, SILTA_EINVAL,
                             "century sign (character 7) is not a printable character");
    }

    for (int i = 7; i < 10; i++)
        if (!s_is_digit(s[i]))
            return silta_err_set(err, SILTA_EINVAL,
                                 "individual number (characters 8-10) has a non-digit at "
                                 "character %d",
                                 i + 1);

    char q = s[10];
    if (q >= 'a' && q <= 'z')
        return silta_err_set(err, SILTA_EINVAL, "check character must be uppercase");
    if (!s_is_digit(q) && !(q >= 'A' && q <= 'Z'))
        return silta_err_set(err, SILTA_EINVAL,
                             "check character (character 11) is not a digit or letter");

    int day = s_num(s, 2), month = s_num(s + 2, 2), year = century + s_num(s + 4, 2);
    int rc = s_check_date(year, month, day, err);
    if (rc != 0)
        return rc;

    int individual = s_num(s + 7, 3);
    if (individual < 2)
        return silta_err_set(err, SILTA_EINVAL,
                             "individual number %03d is never issued (002-999 are)", individual);

    char expected = silta_hetu_check_char((long)s_num(s, 6) * 1000 + individual);
    if (q != expected)
        return silta_err_set(err, SILTA_EINVAL, "check character is %c, expected %c", q, expected);

    if (out) {
        memcpy(out->canonical, s, SILTA_HETU_LEN);
        out->canonical[SILTA_HETU_LEN] = '\0';
        out->year = year;
        out->month = month;
        out->day = day;
        out->century_sign = sign;
        out->individual = individual;
        out->sex = (individual % 2) ? SILTA_HETU_MALE : SILTA_HETU_FEMALE;
        out->temporary = individual >= 900;
    }
    return SILTA_OK;
}

int silta_hetu_check_not_future(const silta_hetu_t *h, long today_ymd, silta_err_t *err)
{
    if (!h)
        return silta_err_set(err, SILTA_EINVAL, "no personal identity code given");
    int ty = (int)(today_ymd / 10000);
    int tm = (int)(today_ymd / 100 % 100);
    int td = (int)(today_ymd % 100);
    if (today_ymd < 0 || tm < 1 || tm > 12 || td < 1 || td > silta_date_days_in_month(ty, tm))
        return silta_err_set(err, SILTA_EINVAL, "today is not a date (YYYYMMDD)");
    long birth = (long)h->year * 10000 + h->month * 100 + h->day;
    if (birth > today_ymd)
        return silta_err_set(err, SILTA_EINVAL, "birth date is in the future");
    return SILTA_OK;
}

/* Unix seconds of 01:00 UTC on the last Sunday of month m of year y. */
static long long s_last_sunday_0100(int y, int m)
{
    long long last = silta_date_days_from_civil(y, m, silta_date_days_in_month(y, m));
    long long wd = ((last + 4) % 7 + 7) % 7; /* 1970-01-01 was a Thursday; 0 = Sunday */
    return (last - wd) * 86400 + 3600;
}

/* y-m-d of a day count since 1970-01-01 (H. Hinnant's civil_from_days). */
static void s_civil(long long days, int *y, int *m, int *d)
{
    long long z = days + 719468, era = (z >= 0 ? z : z - 146096) / 146097;
    long long doe = z - era * 146097;
    long long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    long long doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yoe + era * 400) + (*m <= 2);
}

static long long s_floor_div(long long a, long long b)
{
    return a / b - (a % b < 0);
}

long silta_hetu_today_ymd(long long now_ms)
{
    long long t = s_floor_div(now_ms, 1000);
    int y, m, d;
    s_civil(s_floor_div(t, 86400), &y, &m, &d);
    int summer = t >= s_last_sunday_0100(y, 3) && t < s_last_sunday_0100(y, 10);
    s_civil(s_floor_div(t + (summer ? 3 : 2) * 3600, 86400), &y, &m, &d);
    return (long)y * 10000 + m * 100 + d;
}

int silta_hetu_valid(const char *s)
{
    return silta_hetu_parse(s, NULL, NULL) == SILTA_OK;
}

int silta_hetu_make(int year, int month, int day, int individual, char out[SILTA_HETU_LEN + 1],
                    silta_err_t *err)
{
    char sign = year >= 2000 ? 'A' : year >= 1900 ? '-' : '+';
    if (year < 1800 || year > 2099)
        return silta_err_set(err, SILTA_EINVAL, "year %d has no century sign (1800-2099)", year);
    int rc = s_check_date(year, month, day, err);
    if (rc != 0)
        return rc;
    if (individual < 2 || individual > 999)
        return silta_err_set(err, SILTA_EINVAL, "individual number %d is not 2-999", individual);
    long n = ((long)day * 10000 + month * 100 + year % 100) * 1000 + individual;
    snprintf(out, SILTA_HETU_LEN + 1, "%02d%02d%02d%c%03d%c", day, month, year % 100, sign,
             individual, silta_hetu_check_char(n));
    return SILTA_OK;
}
