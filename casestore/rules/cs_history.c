/*  cs_history.c - dates for the case store: parse, format, working days, age.
 *  The calendar itself is lib/silta_workday.c; this is the thin cs_day_t face.
 *
 *  Not here: filling a history from the database (store/cs_apply_history.c).
 */
#include "cs_history.h"

#include <stdio.h>
#include <stddef.h>
#include <string.h>

#include "silta_date.h"
#include "silta_workday.h"

void cs_history_reset(cs_history_t *h)
{
    /* The header and the counts only: a batch resets one 34 KB history per
     * client, and nothing reads a list past its count. */
    memset(h, 0, offsetof(cs_history_t, benefits));
    h->birth = CS_NODAY;
    h->reg_date = CS_NODAY;
    h->unemployed_since = CS_NODAY;
    h->cplan.review = CS_NODAY;
    h->cplan.reviewed = CS_NODAY;
}

/* Day numbers and dates go through lib/silta_date (proleptic Gregorian), not
 * silta_workday: birth dates reach back before the working-day calendar's
 * first year. */

int cs_day_parse(const char *s, cs_day_t *out)
{
    if (!s || !*s) {
        *out = CS_NODAY;
        return 0;
    }
    /* by hand, not sscanf: the histories of a batch parse every date they read */
    if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
        return -1;
    int v[8], k = 0;
    for (int i = 0; i < 10; i++) {
        if (i == 4 || i == 7)
            continue;
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v[k++] = s[i] - '0';
    }
    int y = v[0] * 1000 + v[1] * 100 + v[2] * 10 + v[3], m = v[4] * 10 + v[5],
        d = v[6] * 10 + v[7];
    if (y < 1800 || y > 2199 || m < 1 || m > 12 || d < 1 || d > 31)
        return -1;
    long days = (long)silta_date_days_from_civil(y, m, d);
    int y2, m2, d2;
    silta_date_civil_from_days(days, &y2, &m2, &d2);
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
    silta_date_civil_from_days(d, &y, &m, &dd);
    if (y < 0 || y > 9999) { /* not a day anyone stores: as snprintf would, bounded */
        char buf[40];
        snprintf(buf, sizeof buf, "%04d-%02d-%02d", y, m, dd);
        memcpy(out, buf, 10);
        out[10] = '\0';
        return out;
    }
    /* by hand, not snprintf: every date of every plan item and alert goes through here */
    const int v[8] = {y / 1000, y / 100 % 10, y / 10 % 10, y % 10, m / 10, m % 10, dd / 10,
                      dd % 10};
    for (int i = 0, k = 0; i < 10; i++)
        out[i] = i == 4 || i == 7 ? '-' : (char)('0' + v[k++]);
    out[10] = '\0';
    return out;
}

cs_day_t cs_month_before_end(cs_day_t d)
{
    if (d == CS_NODAY)
        return CS_NODAY;
    int y, m, dd;
    silta_date_civil_from_days(d, &y, &m, &dd);
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
    silta_date_civil_from_days(birth, &by, &bm, &bd);
    silta_date_civil_from_days(d, &ty, &tm, &td);
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
