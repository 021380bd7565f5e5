/*  cs_history.c - dates for the case store: parse, format, working days, age.
 *  The calendar itself is lib/silta_workday.c; this is the thin cs_day_t face.
 *
 *  Not here: filling a history from the database (store/cs_apply_history.c).
 */
#include "cs_history.h"

#include <stdio.h>
#include <string.h>

#include "silta_workday.h"

void cs_history_reset(cs_history_t *h)
{
    memset(h, 0, sizeof *h);
    h->birth = CS_NODAY;
    h->reg_date = CS_NODAY;
    h->unemployed_since = CS_NODAY;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
 * days_from_civil): birth dates reach back before the working-day calendar's
 * first year, so parsing and formatting do not go through it. */
static long s_from_civil(int y, int m, int d)
{
    y -= m <= 2;
    long era = (y >= 0 ? y : y - 399) / 400;
    long yoe = y - era * 400;
    long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void s_to_civil(long z, int *y, int *m, int *d)
{
    z += 719468;
    long era = (z >= 0 ? z : z - 146096) / 146097;
    long doe = z - era * 146097;
    long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    long mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yoe + era * 400 + (*m <= 2));
}

int cs_day_parse(const char *s, cs_day_t *out)
{
    if (!s || !*s) {
        *out = CS_NODAY;
        return 0;
    }
    int y, m, d;
    char tail;
    if (strlen(s) != 10 || s[4] != '-' || s[7] != '-' ||
        sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3 || y < 1800 || y > 2199 || m < 1 ||
        m > 12 || d < 1 || d > 31)
        return -1;
    long days = s_from_civil(y, m, d);
    int y2, m2, d2;
    s_to_civil(days, &y2, &m2, &d2);
    if (m2 != m || d2 != d) /* 31.4., 29.2. of a common year */
        return -1;
    *out = days;
    return 0;
}

const char *cs_day_format(cs_day_t d, char out[11])
{
    if (d == CS_NODAY) {
        out[0] = '\0';
        return out;
    }
    int y, m, dd;
    s_to_civil(d, &y, &m, &dd);
    char buf[40];
    snprintf(buf, sizeof buf, "%04d-%02d-%02d", y, m, dd);
    memcpy(out, buf, 10);
    out[10] = '\0';
    return out;
}

cs_day_t cs_month_before_end(cs_day_t d)
{
    if (d == CS_NODAY)
        return CS_NODAY;
    int y, m, dd;
    s_to_civil(d, &y, &m, &dd);
    return d - dd; /* the first of d's month, minus one day */
}

cs_day_t cs_wd_add(cs_day_t d, int n)
{
    if (d == CS_NODAY)
        return CS_NODAY;
    silta_workday_date_t r;
    if (silta_workday_add(silta_workday_from_days(d), n, &r, NULL) != 0)
        return CS_NODAY;
    return silta_workday_to_days(r);
}

int cs_age_on(cs_day_t birth, cs_day_t d)
{
    if (birth == CS_NODAY || d == CS_NODAY)
        return -1;
    int by, bm, bd, ty, tm, td;
    s_to_civil(birth, &by, &bm, &bd);
    s_to_civil(d, &ty, &tm, &td);
    int age = ty - by;
    if (tm < bm || (tm == bm && td < bd))
        age--;
    return age;
}

static int s_is_arkipaiva(cs_day_t d)
{
    silta_workday_date_t x = silta_workday_from_days(d);
    if (!silta_workday_date_valid(x))
        return -1;
    int wd = silta_workday_weekday(x);
    /* Saturday counts; a holiday on Saturday does not. */
    return wd != 7 && (wd == 6 ? silta_workday_holiday(x) == NULL : silta_workday_is_working(x));
}

int cs_arkipaiva_count(cs_day_t a, cs_day_t b)
{
    int n = 0;
    if (a == CS_NODAY || b == CS_NODAY)
        return 0;
    for (cs_day_t d = a + 1; d <= b; d++)
        n += s_is_arkipaiva(d) == 1;
    return n;
}

cs_day_t cs_arkipaiva_add(cs_day_t d, int n)
{
    if (d == CS_NODAY)
        return CS_NODAY;
    while (n > 0) {
        d++;
        silta_workday_date_t x = silta_workday_from_days(d);
        if (!silta_workday_date_valid(x))
            return CS_NODAY;
        int wd = silta_workday_weekday(x);
        /* Saturday counts; a holiday on Saturday does not. */
        if (wd != 7 && (wd == 6 ? silta_workday_holiday(x) == NULL : silta_workday_is_working(x)))
            n--;
    }
    return d;
}
