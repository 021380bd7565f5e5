/*  silta_workday.c - Finnish public holidays and working-day arithmetic.
 *
 *  Internally a date is a day number (days since 1970-01-01, proleptic
 *  Gregorian, H. Hinnant's civil-date algorithms), so stepping and comparing
 *  is integer arithmetic; the struct is only the interface.
 *
 *  The holiday table below is the law, not a policy choice:
 *    - Laki säädettyjen määräaikain laskemisesta 150/1930, 5 § (as amended
 *      211/1938, 358/1966): a deadline falling on a public holiday
 *      (pyhäpäivä), Independence Day, May Day, Christmas Eve, Midsummer Eve or
 *      a Saturday moves to the next working day (arkipäivä);
 *    - the church holidays (kirkolliset juhlapäivät) of the Church Act
 *      (kirkkolaki), with Epiphany and Ascension Day back on their own days
 *      since 1992 and Midsummer Day / All Saints' Day on Saturdays;
 *    - Independence Day: laki 388/1937; May Day: a statutory day off.
 *  Saturdays are never working days here (150/1930 moves a deadline off an
 *  "arkilauantai" too). Some statutes count "arkipäivät" Monday-Saturday
 *  (sickness allowance, annual leave): a rule that cites one of those needs
 *  its own count, not this one.
 */
#include "silta_workday.h"

#include "silta_date.h"

#include <stdio.h>

typedef enum {
    S_FIXED,     /* month.day every year */
    S_EASTER,    /* Easter Sunday + offset days */
    S_WEEKDAY_IN /* the given ISO weekday within the 7 days from month.day */
} s_rule_t;

static const struct {
    s_rule_t rule;
    int month, day; /* S_FIXED, S_WEEKDAY_IN */
    int param;      /* S_EASTER: offset; S_WEEKDAY_IN: ISO weekday */
    const char *en;
    const char *fi;
} s_holidays[] = {
    {S_FIXED, 1, 1, 0, "New Year's Day", "Uudenvuodenpäivä"},
    {S_FIXED, 1, 6, 0, "Epiphany", "Loppiainen"},
    {S_EASTER, 0, 0, -2, "Good Friday", "Pitkäperjantai"},
    {S_EASTER, 0, 0, 0, "Easter Sunday", "Pääsiäispäivä"},
    {S_EASTER, 0, 0, 1, "Easter Monday", "2. pääsiäispäivä"},
    {S_FIXED, 5, 1, 0, "May Day", "Vappu"},
    {S_EASTER, 0, 0, 39, "Ascension Day", "Helatorstai"},
    {S_EASTER, 0, 0, 49, "Whit Sunday", "Helluntaipäivä"},
    {S_WEEKDAY_IN, 6, 19, 5, "Midsummer Eve", "Juhannusaatto"},  /* Friday 19-25 June */
    {S_WEEKDAY_IN, 6, 20, 6, "Midsummer Day", "Juhannuspäivä"},  /* Saturday 20-26 June */
    {S_WEEKDAY_IN, 10, 31, 6, "All Saints' Day", "Pyhäinpäivä"}, /* Saturday 31.10-6.11 */
    {S_FIXED, 12, 6, 0, "Independence Day", "Itsenäisyyspäivä"},
    {S_FIXED, 12, 24, 0, "Christmas Eve", "Jouluaatto"},
    {S_FIXED, 12, 25, 0, "Christmas Day", "Joulupäivä"},
    {S_FIXED, 12, 26, 0, "St Stephen's Day", "Tapaninpäivä"},
};

#define S_NHOLIDAYS ((int)(sizeof s_holidays / sizeof s_holidays[0]))

int silta_workday_date_valid(silta_workday_date_t d)
{
    return d.year >= SILTA_WORKDAY_MIN_YEAR && d.year <= SILTA_WORKDAY_MAX_YEAR && d.month >= 1 &&
           d.month <= 12 && d.day >= 1 && d.day <= silta_date_days_in_month(d.year, d.month);
}

long silta_workday_to_days(silta_workday_date_t d)
{
    return (long)silta_date_days_from_civil(d.year, d.month, d.day);
}

silta_workday_date_t silta_workday_from_days(long z)
{
    silta_workday_date_t d;
    silta_date_civil_from_days(z, &d.year, &d.month, &d.day);
    return d;
}

/* ISO weekday of a day number; 1970-01-01 was a Thursday (4). */
static int s_weekday(long days)
{
    return (int)(((days % 7) + 7 + 3) % 7) + 1;
}

int silta_workday_weekday(silta_workday_date_t d)
{
    if (!silta_workday_date_valid(d))
        return 0;
    return s_weekday(silta_workday_to_days(d));
}

silta_workday_date_t silta_workday_easter(int year)
{
    /* Anonymous Gregorian algorithm (Meeus/Jones/Butcher). */
    int a = year % 19, b = year / 100, c = year % 100;
    int d = b / 4, e = b % 4, f = (b + 8) / 25, g = (b - f + 1) / 3;
    int h = (19 * a + b - d - g + 15) % 30;
    int i = c / 4, k = c % 4;
    int l = (32 + 2 * e + 2 * i - h - k) % 7;
    int m = (a + 11 * h + 22 * l) / 451;
    silta_workday_date_t easter = {year, (h + l - 7 * m + 114) / 31,
                                   (h + l - 7 * m + 114) % 31 + 1};
    return easter;
}

/* Index into s_holidays of the holiday on d (day number days), or -1. The
 * first match in table order (May Day before Ascension Day when they fall
 * together, as in 2008). Easter is worked out only for March to June, where
 * its holidays fall (Good Friday from 20 March, Whit Sunday until 13 June):
 * the working-day loops ask this for every day they step over. */
static int s_holiday_index(silta_workday_date_t d, long days)
{
    long easter = -1;
    for (int i = 0; i < S_NHOLIDAYS; i++) {
        switch (s_holidays[i].rule) {
        case S_FIXED:
            if (d.month == s_holidays[i].month && d.day == s_holidays[i].day)
                return i;
            break;
        case S_EASTER:
            if (d.month < 3 || d.month > 6)
                break;
            if (easter < 0)
                easter = silta_workday_to_days(silta_workday_easter(d.year));
            if (days == easter + s_holidays[i].param)
                return i;
            break;
        case S_WEEKDAY_IN: {
            /* the 7 days from month.day stay within that month or the next */
            if (d.month != s_holidays[i].month && d.month != s_holidays[i].month + 1)
                break;
            silta_workday_date_t first = {d.year, s_holidays[i].month, s_holidays[i].day};
            long from = silta_workday_to_days(first);
            if (days >= from && days < from + 7 && s_weekday(days) == s_holidays[i].param)
                return i;
            break;
        }
        }
    }
    return -1;
}

/* The day numbers of year's holidays that fall on Monday-Friday, each day
 * once (out has room for S_NHOLIDAYS). Returns how many. */
static int s_weekday_holidays(int year, long out[])
{
    long easter = silta_workday_to_days(silta_workday_easter(year));
    int n = 0;
    for (int i = 0; i < S_NHOLIDAYS; i++) {
        long h = 0;
        switch (s_holidays[i].rule) {
        case S_FIXED:
            h = silta_workday_to_days(
                (silta_workday_date_t){year, s_holidays[i].month, s_holidays[i].day});
            break;
        case S_EASTER:
            h = easter + s_holidays[i].param;
            break;
        case S_WEEKDAY_IN:
            h = silta_workday_to_days(
                (silta_workday_date_t){year, s_holidays[i].month, s_holidays[i].day});
            h += ((s_holidays[i].param - s_weekday(h)) % 7 + 7) % 7;
            break;
        }
        int seen = s_weekday(h) > 5;
        for (int k = 0; k < n && !seen; k++)
            seen = out[k] == h;
        if (!seen)
            out[n++] = h;
    }
    return n;
}

/* Monday-Friday days among day numbers 0..days (days >= 0; day 0 was a
 * Thursday). */
static long s_weekdays_upto(long days)
{
    long from_monday = days + 3; /* day -3 was a Monday */
    long weeks = from_monday / 7, rest = from_monday % 7 + 1;
    return weeks * 5 + (rest > 5 ? 5 : rest) - 3; /* minus Monday-Wednesday before day 0 */
}

const char *silta_workday_holiday(silta_workday_date_t d)
{
    if (!silta_workday_date_valid(d))
        return NULL;
    int i = s_holiday_index(d, silta_workday_to_days(d));
    return i < 0 ? NULL : s_holidays[i].en;
}

const char *silta_workday_holiday_fi(silta_workday_date_t d)
{
    if (!silta_workday_date_valid(d))
        return NULL;
    int i = s_holiday_index(d, silta_workday_to_days(d));
    return i < 0 ? NULL : s_holidays[i].fi;
}

/* d must be valid; days its day number. */
static int s_working(silta_workday_date_t d, long days)
{
    return s_weekday(days) <= 5 && s_holiday_index(d, days) < 0;
}

int silta_workday_is_working(silta_workday_date_t d)
{
    if (!silta_workday_date_valid(d))
        return 0;
    return s_working(d, silta_workday_to_days(d));
}

static int s_require_valid(silta_workday_date_t d, silta_err_t *err)
{
    if (silta_workday_date_valid(d))
        return SILTA_OK;
    return silta_err_set(err, SILTA_EINVAL, "date %04d-%02d-%02d is not a valid date in %d-%d",
                         d.year, d.month, d.day, SILTA_WORKDAY_MIN_YEAR, SILTA_WORKDAY_MAX_YEAR);
}

static const silta_workday_date_t s_last = {SILTA_WORKDAY_MAX_YEAR, 12, 31};

/* Step forward from day number days until n working days (n >= 1) have passed,
 * or the first working day on/after days when n == 0. */
static long s_count_days(long a, long b);

static int s_advance(long days, int n, long *out, silta_err_t *err)
{
    long last = silta_workday_to_days(s_last);
    if (n > 7) {
        /* Skip the weeks that surely hold fewer than n working days (5 a week
         * at most) by arithmetic, then walk the rest: rule 5 adds a year of
         * working days to each benefit's end. The day found is the same: the
         * first on which the count from the start reaches n. */
        long skip = days + (long)(n / 5 - 1) * 7;
        if (skip > last)
            skip = last;
        n -= (int)s_count_days(days, skip);
        days = skip;
    }
    if (n > 0)
        days++;
    for (;; days++) {
        if (days > last)
            return silta_err_set(err, SILTA_EINVAL, "working day falls after %d-12-31",
                                 SILTA_WORKDAY_MAX_YEAR);
        if (s_working(silta_workday_from_days(days), days) && --n <= 0)
            break;
    }
    *out = days;
    return SILTA_OK;
}

int silta_workday_next(silta_workday_date_t d, silta_workday_date_t *out, silta_err_t *err)
{
    return silta_workday_add(d, 0, out, err);
}

int silta_workday_add(silta_workday_date_t d, int n, silta_workday_date_t *out, silta_err_t *err)
{
    int rc = s_require_valid(d, err);
    if (rc != 0)
        return rc;
    if (n < 0)
        return silta_err_set(err, SILTA_EINVAL, "cannot add a negative number (%d) of working days",
                             n);
    long days = 0; /* s_advance sets it on success; gcc cannot see that */
    rc = s_advance(silta_workday_to_days(d), n, &days, err);
    if (rc != 0)
        return rc;
    *out = silta_workday_from_days(days);
    return SILTA_OK;
}

int silta_workday_count(silta_workday_date_t from, silta_workday_date_t to, long *out,
                        silta_err_t *err)
{
    int rc = s_require_valid(from, err);
    if (rc == 0)
        rc = s_require_valid(to, err);
    if (rc != 0)
        return rc;
    long a = silta_workday_to_days(from), b = silta_workday_to_days(to);
    long sign = 1;
    if (b < a) {
        long t = a;
        a = b;
        b = t;
        sign = -1;
    }
    *out = sign * s_count_days(a, b);
    return SILTA_OK;
}

/* Working days w with a < w <= b (a <= b, day numbers in the calendar's
 * years): Monday-Friday days less the holidays among them, a year of
 * arithmetic instead of a walk of the calendar (rule 5 counts from today to
 * each benefit's end for every client; test_workday checks it against the
 * walk). */
static long s_count_days(long a, long b)
{
    long count = s_weekdays_upto(b) - s_weekdays_upto(a);
    long hol[S_NHOLIDAYS];
    int last_year = silta_workday_from_days(b).year;
    for (int y = silta_workday_from_days(a + 1).year; a < b && y <= last_year; y++) {
        int nh = s_weekday_holidays(y, hol);
        for (int k = 0; k < nh; k++)
            count -= hol[k] > a && hol[k] <= b;
    }
    return count;
}

int silta_workday_date_parse(const char *s, silta_workday_date_t *out, silta_err_t *err)
{
    if (!s)
        return silta_err_set(err, SILTA_EINVAL, "no date given");
    int v[8], k = 0;
    for (int i = 0; i < 10; i++) {
        if (i == 4 || i == 7) {
            if (s[i] != '-')
                return silta_err_set(err, SILTA_EINVAL, "date is not YYYY-MM-DD");
        } else if (s[i] >= '0' && s[i] <= '9') {
            v[k++] = s[i] - '0';
        } else {
            return silta_err_set(err, SILTA_EINVAL, "date is not YYYY-MM-DD");
        }
    }
    if (s[10] != '\0')
        return silta_err_set(err, SILTA_EINVAL, "date is not YYYY-MM-DD");
    silta_workday_date_t d = {v[0] * 1000 + v[1] * 100 + v[2] * 10 + v[3], v[4] * 10 + v[5],
                              v[6] * 10 + v[7]};
    int rc = s_require_valid(d, err);
    if (rc != 0)
        return rc;
    *out = d;
    return SILTA_OK;
}

void silta_workday_date_format(silta_workday_date_t d, char out[11])
{
    /* Clamp so a garbage date cannot overflow out; valid dates are unchanged. */
    int y = d.year < 0 ? 0 : d.year > 9999 ? 9999 : d.year;
    int m = d.month < 0 ? 0 : d.month > 99 ? 99 : d.month;
    int dd = d.day < 0 ? 0 : d.day > 99 ? 99 : d.day;
    snprintf(out, 11, "%04d-%02d-%02d", y, m, dd);
}
