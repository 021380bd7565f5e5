/*  silta_workday.h - the Finnish working-day calendar for deadlines.
 *
 *  A working day is Monday-Friday except the public holidays that can fall on
 *  a weekday: New Year's Day, Epiphany, Good Friday, Easter Monday, May Day,
 *  Ascension Day, Midsummer Eve, Independence Day, Christmas Eve, Christmas
 *  Day and St Stephen's Day. The list is fixed by law (see silta_workday.c for
 *  the sources), so it is data in the code, not in config/: what is
 *  configurable is how many working days a rule allows, not what a working day is.
 *
 *  Dates are plain calendar dates (no time zone): the caller decides which
 *  day "now" is in Europe/Helsinki. Supported years are
 *  SILTA_WORKDAY_MIN_YEAR..SILTA_WORKDAY_MAX_YEAR: the holiday set is the one
 *  in force since 1992 (Epiphany and Ascension Day were moved to Saturdays in
 *  1973-1991), and the upper bound keeps every computation far from overflow.
 *
 *  Not here: Kela's "arkipäivä" for per-day benefits (Monday-Saturday, used for
 *  the sickness-allowance maximum) - that is a different calendar.
 */
#ifndef SILTA_WORKDAY_H
#define SILTA_WORKDAY_H

#include "silta_err.h"

#define SILTA_WORKDAY_MIN_YEAR 1992
#define SILTA_WORKDAY_MAX_YEAR 2199

typedef struct {
    int year;
    int month; /* 1-12 */
    int day;   /* 1-31 */
} silta_workday_date_t;

/* 1 when d is a real calendar date within the supported years, else 0. */
int silta_workday_date_valid(silta_workday_date_t d);

/* Parse "YYYY-MM-DD" (exactly 10 characters). Returns 0 or SILTA_EINVAL. */
int silta_workday_date_parse(const char *s, silta_workday_date_t *out, silta_err_t *err);

/* Write d as "YYYY-MM-DD" into out (11 bytes). */
void silta_workday_date_format(silta_workday_date_t d, char out[11]);

/* Days since 1970-01-01 (negative before) and back; for storing and for
 * comparing dates. to_days of an invalid date is unspecified. */
long silta_workday_to_days(silta_workday_date_t d);
silta_workday_date_t silta_workday_from_days(long days);

/* ISO weekday, 1 = Monday .. 7 = Sunday; 0 for an invalid date. */
int silta_workday_weekday(silta_workday_date_t d);

/* Easter Sunday of year (Gregorian; anonymous algorithm). */
silta_workday_date_t silta_workday_easter(int year);

/* English name of the public holiday on d ("Independence Day"), or NULL when d
 * is no holiday. Also names the holidays that always fall on a weekend (Easter
 * Sunday, Whit Sunday, Midsummer Day, All Saints' Day). Static strings. */
const char *silta_workday_holiday(silta_workday_date_t d);

/* The same in Finnish ("Itsenäisyyspäivä", UTF-8), or NULL. */
const char *silta_workday_holiday_fi(silta_workday_date_t d);

/* 1 when d is a working day; 0 when it is a weekend day, a holiday, or not a
 * valid date in the supported years (check with silta_workday_date_valid, or
 * use the verbs below, when the date comes from outside). */
int silta_workday_is_working(silta_workday_date_t d);

/* *out = d when d is a working day, else the first working day after it (the
 * law's "a deadline on a holiday moves to the next working day").
 * Returns 0, or SILTA_EINVAL for an invalid date or a result past the
 * supported years; *out is written only on success. */
int silta_workday_next(silta_workday_date_t d, silta_workday_date_t *out, silta_err_t *err);

/* *out = the n-th working day after d (d itself is not counted, whether or not
 * it is a working day); n = 0 gives silta_workday_next(d). n < 0 is refused.
 * Returns 0 or SILTA_EINVAL; *out is written only on success. */
int silta_workday_add(silta_workday_date_t d, int n, silta_workday_date_t *out, silta_err_t *err);

/* *out = the number of working days w with from < w <= to, so that
 * count(d, add(d, n)) == n for n >= 1; negative (minus the count of to < w <=
 * from) when to is before from; 0 when equal. Returns 0 or SILTA_EINVAL. */
int silta_workday_count(silta_workday_date_t from, silta_workday_date_t to, long *out,
                        silta_err_t *err);

#endif
