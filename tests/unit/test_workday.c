/* test_workday.c - silta_workday: Easter, the holiday table, working-day arithmetic.
 *
 * Expected dates were worked out by hand from a wall calendar (the comments
 * show the steps) and cross-checked with an independent implementation
 * (Python datetime + dateutil.easter) for the per-year totals. */
#include <criterion/criterion.h>
#include <string.h>

#include "silta_workday.h"

static silta_workday_date_t D(int y, int m, int d)
{
    silta_workday_date_t date = {y, m, d};
    return date;
}

#define ASSERT_DATE(got, y, m, d)                                                                  \
    do {                                                                                           \
        silta_workday_date_t g_ = (got);                                                           \
        cr_assert(g_.year == (y) && g_.month == (m) && g_.day == (d),                              \
                  "got %04d-%02d-%02d, expected %04d-%02d-%02d", g_.year, g_.month, g_.day, (y),   \
                  (m), (d));                                                                       \
    } while (0)

static silta_workday_date_t s_add(silta_workday_date_t d, int n)
{
    silta_workday_date_t out = {0, 0, 0};
    silta_err_t err = {0};
    cr_assert_eq(silta_workday_add(d, n, &out, &err), 0, "%s", err.msg);
    return out;
}

static long s_count(silta_workday_date_t a, silta_workday_date_t b)
{
    long n = -999;
    silta_err_t err = {0};
    cr_assert_eq(silta_workday_count(a, b, &n, &err), 0, "%s", err.msg);
    return n;
}

Test(workday, easter_sundays)
{
    static const int known[][3] = {
        {2019, 4, 21}, {2020, 4, 12}, {2021, 4, 4},  {2022, 4, 17}, {2023, 4, 9},
        {2024, 3, 31}, {2025, 4, 20}, {2026, 4, 5},  {2027, 3, 28}, {2030, 4, 21},
        {2038, 4, 25}, {2000, 4, 23}, {2008, 3, 23}, {1992, 4, 19}, {2100, 3, 28},
    };
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) {
        ASSERT_DATE(silta_workday_easter(known[i][0]), known[i][0], known[i][1], known[i][2]);
        silta_workday_date_t e = silta_workday_easter(known[i][0]);
        cr_assert_eq(silta_workday_weekday(e), 7, "Easter %d is a Sunday", known[i][0]);
        cr_assert_str_eq(silta_workday_holiday(e), "Easter Sunday");
    }
}

Test(workday, easter_is_always_a_sunday_between_22_march_and_25_april)
{
    for (int y = SILTA_WORKDAY_MIN_YEAR; y <= SILTA_WORKDAY_MAX_YEAR; y++) {
        silta_workday_date_t e = silta_workday_easter(y);
        cr_assert_eq(silta_workday_weekday(e), 7, "%d", y);
        long day = silta_workday_to_days(e);
        cr_assert(day >= silta_workday_to_days(D(y, 3, 22)) &&
                      day <= silta_workday_to_days(D(y, 4, 25)),
                  "%d", y);
    }
}

Test(workday, easter_dependent_holidays)
{
    /* 2026: Easter 5.4 -> Good Friday 3.4, Easter Monday 6.4, Ascension 5.4+39 = 14.5 (Thu). */
    cr_assert_str_eq(silta_workday_holiday(D(2026, 4, 3)), "Good Friday");
    cr_assert_str_eq(silta_workday_holiday(D(2026, 4, 6)), "Easter Monday");
    cr_assert_str_eq(silta_workday_holiday(D(2026, 5, 14)), "Ascension Day");
    cr_assert_eq(silta_workday_weekday(D(2026, 5, 14)), 4);
    cr_assert_not(silta_workday_is_working(D(2026, 4, 3)));
    cr_assert_not(silta_workday_is_working(D(2026, 4, 6)));
    cr_assert_not(silta_workday_is_working(D(2026, 5, 14)));
    cr_assert(silta_workday_is_working(D(2026, 4, 2)));
    cr_assert(silta_workday_is_working(D(2026, 4, 7)));
    cr_assert(silta_workday_is_working(D(2026, 5, 13)));
    cr_assert(silta_workday_is_working(D(2026, 5, 15)));
    /* 2025: Easter 20.4 -> 18.4, 21.4, Ascension 29.5. */
    cr_assert_str_eq(silta_workday_holiday(D(2025, 4, 18)), "Good Friday");
    cr_assert_str_eq(silta_workday_holiday(D(2025, 4, 21)), "Easter Monday");
    cr_assert_str_eq(silta_workday_holiday(D(2025, 5, 29)), "Ascension Day");
    /* 2024: Easter 31.3 -> Good Friday 29.3, Easter Monday 1.4 (the next month). */
    cr_assert_str_eq(silta_workday_holiday(D(2024, 3, 29)), "Good Friday");
    cr_assert_str_eq(silta_workday_holiday(D(2024, 4, 1)), "Easter Monday");
    cr_assert_str_eq(silta_workday_holiday(D(2024, 5, 9)), "Ascension Day");
    cr_assert_str_eq(silta_workday_holiday(D(2024, 5, 19)), "Whit Sunday");
    /* 2038: the latest Easter, 25.4 -> Ascension 3.6. */
    cr_assert_str_eq(silta_workday_holiday(D(2038, 6, 3)), "Ascension Day");
}

Test(workday, midsummer_eve_is_the_friday_between_19_and_25_june)
{
    cr_assert_str_eq(silta_workday_holiday(D(2024, 6, 21)), "Midsummer Eve");
    cr_assert_str_eq(silta_workday_holiday(D(2025, 6, 20)), "Midsummer Eve");
    cr_assert_str_eq(silta_workday_holiday(D(2026, 6, 19)), "Midsummer Eve"); /* earliest */
    cr_assert_str_eq(silta_workday_holiday(D(2027, 6, 25)), "Midsummer Eve"); /* latest */
    cr_assert_str_eq(silta_workday_holiday(D(2026, 6, 20)), "Midsummer Day");
    cr_assert_str_eq(silta_workday_holiday(D(2027, 6, 26)), "Midsummer Day");
    cr_assert_str_eq(silta_workday_holiday_fi(D(2025, 6, 20)), "Juhannusaatto");
    /* 2027: 19.6 is a Saturday, so Friday 18.6 is an ordinary working day. */
    cr_assert_eq(silta_workday_weekday(D(2027, 6, 18)), 5);
    cr_assert(silta_workday_is_working(D(2027, 6, 18)));
    cr_assert_null(silta_workday_holiday(D(2027, 6, 18)));
    cr_assert(silta_workday_is_working(D(2024, 6, 20)));
    cr_assert_not(silta_workday_is_working(D(2024, 6, 21)));
    /* exactly one Midsummer Eve, on a Friday, every year */
    for (int y = SILTA_WORKDAY_MIN_YEAR; y <= SILTA_WORKDAY_MAX_YEAR; y++) {
        int found = 0;
        for (int d = 1; d <= 30; d++) {
            const char *name = silta_workday_holiday(D(y, 6, d));
            if (name && strcmp(name, "Midsummer Eve") == 0) {
                found++;
                cr_assert(d >= 19 && d <= 25 && silta_workday_weekday(D(y, 6, d)) == 5);
            }
        }
        cr_assert_eq(found, 1, "%d", y);
    }
}

Test(workday, fixed_holidays)
{
    static const struct {
        int m, d;
        const char *en, *fi;
    } fixed[] = {
        {1, 1, "New Year's Day", "Uudenvuodenpäivä"},
        {1, 6, "Epiphany", "Loppiainen"},
        {5, 1, "May Day", "Vappu"},
        {12, 6, "Independence Day", "Itsenäisyyspäivä"},
        {12, 24, "Christmas Eve", "Jouluaatto"},
        {12, 25, "Christmas Day", "Joulupäivä"},
        {12, 26, "St Stephen's Day", "Tapaninpäivä"},
    };
    for (int y = 2019; y <= 2040; y++)
        for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++) {
            silta_workday_date_t d = D(y, fixed[i].m, fixed[i].d);
            cr_assert_str_eq(silta_workday_holiday(d), fixed[i].en);
            cr_assert_str_eq(silta_workday_holiday_fi(d), fixed[i].fi);
            cr_assert_not(silta_workday_is_working(d));
        }
    /* All Saints' Day: Saturday 31.10-6.11 (2026: 31.10; 2025: 1.11). */
    cr_assert_str_eq(silta_workday_holiday(D(2026, 10, 31)), "All Saints' Day");
    cr_assert_str_eq(silta_workday_holiday(D(2025, 11, 1)), "All Saints' Day");
    cr_assert_null(silta_workday_holiday(D(2025, 10, 31)));
}

Test(workday, ordinary_days)
{
    cr_assert(silta_workday_is_working(D(2026, 12, 3))); /* Thursday */
    cr_assert_null(silta_workday_holiday(D(2026, 12, 3)));
    cr_assert_not(silta_workday_is_working(D(2026, 12, 5))); /* Saturday */
    cr_assert_null(silta_workday_holiday(D(2026, 12, 5)));
    cr_assert_eq(silta_workday_weekday(D(2026, 12, 3)), 4);
    cr_assert_eq(silta_workday_weekday(D(1970, 1, 1)), 0); /* outside the supported years */
    cr_assert_eq(silta_workday_weekday(D(2000, 1, 1)), 6);
    cr_assert(silta_workday_is_working(D(2024, 12, 31))); /* New Year's Eve is a working day */
}

Test(workday, working_days_per_year)
{
    /* 2026: 1.1 is a Thursday, 365 days -> 52 weeks + a Thursday = 261 weekdays;
     * weekday holidays 1.1 Thu, 6.1 Tue, 3.4, 6.4, 1.5 Fri, 14.5, 19.6, 24.12 Thu,
     * 25.12 Fri = 9 (6.12 is a Sunday, 26.12 a Saturday) -> 252.
     * 2024: leap, 1.1 Monday -> 262 weekdays; 1.1, 29.3, 1.4, 1.5, 9.5, 21.6,
     * 6.12, 24-26.12 = 10 -> 252. The others from the independent check. */
    static const int expected[][2] = {
        {1992, 253}, {2000, 251}, {2019, 251}, {2020, 253}, {2021, 253},
        {2022, 253}, {2023, 251}, {2024, 252}, {2025, 251}, {2026, 252},
        {2027, 253}, {2030, 251}, {2038, 253}, {2100, 253}, {2199, 251},
    };
    for (size_t i = 0; i < sizeof expected / sizeof expected[0]; i++) {
        int y = expected[i][0];
        long n = -1;
        silta_err_t err = {0};
        /* from 1.1 inclusive: count is (from, to], so step back through the day before
         * unless that is outside the supported years */
        if (y > SILTA_WORKDAY_MIN_YEAR) {
            n = s_count(D(y - 1, 12, 31), D(y, 12, 31));
        } else {
            cr_assert_eq(silta_workday_count(D(y, 1, 1), D(y, 12, 31), &n, &err), 0);
            n += silta_workday_is_working(D(y, 1, 1));
        }
        cr_assert_eq(n, expected[i][1], "%d: %ld working days", y, n);
    }
    /* the whole supported range, from the independent implementation */
    long all = s_count(D(1992, 1, 1), D(2199, 12, 31)) + silta_workday_is_working(D(1992, 1, 1));
    cr_assert_eq(all, 52397);
}

Test(workday, add_across_independence_day_and_christmas)
{
    /* Thu 3.12.2026 + 7: Fri 4 (1), [Sat 5, Sun 6 = Independence Day], Mon 7 (2), Tue 8 (3),
     * Wed 9 (4), Thu 10 (5), Fri 11 (6), Mon 14 (7). */
    ASSERT_DATE(s_add(D(2026, 12, 3), 7), 2026, 12, 14);
    /* Mon 21.12.2026 + 3: Tue 22 (1), Wed 23 (2), [Thu 24, Fri 25, Sat 26, Sun 27], Mon 28 (3). */
    ASSERT_DATE(s_add(D(2026, 12, 21), 3), 2026, 12, 28);
    ASSERT_DATE(s_add(D(2026, 12, 23), 1), 2026, 12, 28);
    /* Wed 23.12.2026 + 5: 28, 29, 30, 31 (4), [Fri 1.1.2027], Mon 4.1 (5). */
    ASSERT_DATE(s_add(D(2026, 12, 23), 5), 2027, 1, 4);
    /* ... + 7: Tue 5.1 (6), [Wed 6.1 Epiphany], Thu 7.1 (7). */
    ASSERT_DATE(s_add(D(2026, 12, 23), 7), 2027, 1, 7);
    /* 2024: Independence Day is a Friday: Thu 5.12 + 1 = Mon 9.12. */
    ASSERT_DATE(s_add(D(2024, 12, 5), 1), 2024, 12, 9);
    /* 2024: Christmas Tue-Thu: Mon 23.12 + 1 = Fri 27.12. */
    ASSERT_DATE(s_add(D(2024, 12, 23), 1), 2024, 12, 27);
}

Test(workday, add_across_easter_may_day_and_midsummer)
{
    /* Thu 2.4.2026 + 1: [Good Friday 3, Sat, Easter Sunday, Easter Monday 6] -> Tue 7.4. */
    ASSERT_DATE(s_add(D(2026, 4, 2), 1), 2026, 4, 7);
    ASSERT_DATE(s_add(D(2025, 4, 17), 1), 2025, 4, 22);
    /* Thu 28.3.2024 + 2: [29.3 - 1.4] Tue 2.4 (1), Wed 3.4 (2). */
    ASSERT_DATE(s_add(D(2024, 3, 28), 2), 2024, 4, 3);
    /* Tue 30.4.2024 + 3: [Wed 1.5 May Day] Thu 2 (1), Fri 3 (2), Mon 6 (3). */
    ASSERT_DATE(s_add(D(2024, 4, 30), 3), 2024, 5, 6);
    /* Wed 28.5.2025 + 1: [Thu 29.5 Ascension] Fri 30.5. */
    ASSERT_DATE(s_add(D(2025, 5, 28), 1), 2025, 5, 30);
    /* Thu 18.6.2026 + 1: [Fri 19.6 Midsummer Eve] Mon 22.6. */
    ASSERT_DATE(s_add(D(2026, 6, 18), 1), 2026, 6, 22);
    ASSERT_DATE(s_add(D(2027, 6, 24), 1), 2027, 6, 28);
}

Test(workday, add_zero_and_next)
{
    ASSERT_DATE(s_add(D(2027, 6, 18), 0), 2027, 6, 18); /* a working day stays */
    ASSERT_DATE(s_add(D(2026, 12, 26), 0), 2026, 12, 28);
    silta_workday_date_t out;
    cr_assert_eq(silta_workday_next(D(2026, 12, 24), &out, NULL), 0);
    ASSERT_DATE(out, 2026, 12, 28);
    cr_assert_eq(silta_workday_next(D(2026, 12, 3), &out, NULL), 0);
    ASSERT_DATE(out, 2026, 12, 3);
    /* from a non-working day, +1 is the first working day after it */
    ASSERT_DATE(s_add(D(2026, 12, 5), 1), 2026, 12, 7);
    ASSERT_DATE(s_add(D(2026, 12, 5), 2), 2026, 12, 8);
}

Test(workday, count_between)
{
    cr_assert_eq(s_count(D(2026, 12, 3), D(2026, 12, 14)), 7);
    cr_assert_eq(s_count(D(2026, 12, 14), D(2026, 12, 3)), -7);
    cr_assert_eq(s_count(D(2026, 12, 3), D(2026, 12, 3)), 0);
    cr_assert_eq(s_count(D(2026, 12, 23), D(2026, 12, 27)), 0); /* 24-27 all off */
    cr_assert_eq(s_count(D(2026, 12, 23), D(2027, 1, 7)), 7);
}

Test(workday, add_and_count_agree_everywhere)
{
    /* every day of 2019-2032, several n: add lands on a working day and count undoes it */
    static const int ns[] = {0, 1, 2, 5, 7, 14, 30};
    for (long day = silta_workday_to_days(D(2019, 1, 1));
         day <= silta_workday_to_days(D(2032, 12, 31)); day++) {
        silta_workday_date_t d = silta_workday_from_days(day);
        silta_workday_date_t nx = s_add(d, 0);
        cr_assert(silta_workday_is_working(nx));
        cr_assert_eq(silta_workday_is_working(d), silta_workday_to_days(nx) == day);
        for (size_t i = 1; i < sizeof ns / sizeof ns[0]; i++) {
            silta_workday_date_t r = s_add(d, ns[i]);
            cr_assert(silta_workday_is_working(r));
            cr_assert_eq(s_count(d, r), ns[i]);
            /* and it is the first such day: the day before has one fewer */
            silta_workday_date_t before = silta_workday_from_days(silta_workday_to_days(r) - 1);
            cr_assert_eq(s_count(d, before), ns[i] - 1);
        }
    }
}

/* The count is arithmetic (weekdays less the year's weekday holidays): it must
 * agree with walking the calendar day by day, is_working on each, over spans
 * that start and end on every weekday, cross years and the ends of the range,
 * and include the years May Day and Ascension Day fall together (2008, 2160). */
static long s_walk(long a, long b)
{
    long n = 0;
    for (long d = (a < b ? a : b) + 1; d <= (a < b ? b : a); d++)
        n += silta_workday_is_working(silta_workday_from_days(d));
    return a <= b ? n : -n;
}

Test(workday, count_agrees_with_a_walk_of_the_calendar)
{
    static const long spans[] = {0, 1, 2, 3, 6, 7, 8, 13, 29, 31, 60, 200, 366, 400, 800};
    static const silta_workday_date_t starts[] = {
        {1992, 1, 1}, {2007, 12, 20}, {2008, 3, 18}, {2008, 4, 28}, {2019, 6, 17},
        {2026, 10, 28}, {2026, 12, 1}, {2026, 12, 23}, {2027, 3, 24}, {2160, 4, 25},
        {2198, 12, 24}};
    for (size_t i = 0; i < sizeof starts / sizeof starts[0]; i++) {
        for (long shift = 0; shift < 7; shift++) {
            long a = silta_workday_to_days(starts[i]) + shift;
            for (size_t k = 0; k < sizeof spans / sizeof spans[0]; k++) {
                long b = a + spans[k];
                if (b > silta_workday_to_days(D(2199, 12, 31)))
                    continue;
                silta_workday_date_t da = silta_workday_from_days(a);
                silta_workday_date_t db = silta_workday_from_days(b);
                cr_assert_eq(s_count(da, db), s_walk(a, b), "%04d-%02d-%02d + %ld", da.year,
                             da.month, da.day, spans[k]);
                cr_assert_eq(s_count(db, da), s_walk(b, a));
            }
        }
    }
    /* May Day 2008 was Ascension Day too: one day off, not two */
    cr_assert_eq(s_count(D(2008, 4, 30), D(2008, 5, 2)), 1);
}

/* Adding many working days skips whole weeks by arithmetic: it must land where
 * a walk of the calendar lands, from every day of a span across Easter,
 * midsummer and the turn of the year, and refuse past 2199 as the walk did. */
static long s_walk_add(long d, int n)
{
    if (n > 0)
        d++;
    for (;; d++)
        if (silta_workday_is_working(silta_workday_from_days(d)) && --n <= 0)
            return d;
}

Test(workday, add_of_many_days_agrees_with_a_walk)
{
    static const int ns[] = {8, 9, 10, 11, 12, 23, 100, 281, 600};
    for (long day = silta_workday_to_days(D(2026, 11, 1));
         day <= silta_workday_to_days(D(2027, 7, 15)); day += 3) {
        for (size_t i = 0; i < sizeof ns / sizeof ns[0]; i++) {
            silta_workday_date_t r = s_add(silta_workday_from_days(day), ns[i]);
            cr_assert_eq(silta_workday_to_days(r), s_walk_add(day, ns[i]), "day %ld + %d", day,
                         ns[i]);
        }
    }
    silta_workday_date_t out;
    silta_err_t err = {0};
    cr_assert_eq(silta_workday_add(D(2199, 6, 1), 281, &out, &err), SILTA_EINVAL);
    cr_assert_eq(silta_workday_add(D(2199, 12, 20), 9, &out, &err), SILTA_EINVAL);
    long d = silta_workday_to_days(D(2199, 11, 1));
    cr_assert_eq(silta_workday_to_days(s_add(D(2199, 11, 1), 30)), s_walk_add(d, 30));
}

Test(workday, day_numbers_round_trip)
{
    cr_assert_eq(silta_workday_to_days(D(1970, 1, 1)), 0);
    cr_assert_eq(silta_workday_to_days(D(2000, 3, 1)), 11017);
    long prev = silta_workday_to_days(D(SILTA_WORKDAY_MIN_YEAR, 1, 1)) - 1;
    for (int y = SILTA_WORKDAY_MIN_YEAR; y <= SILTA_WORKDAY_MAX_YEAR; y++)
        for (int m = 1; m <= 12; m++)
            for (int d = 1; d <= 31; d++) {
                silta_workday_date_t date = D(y, m, d);
                if (!silta_workday_date_valid(date))
                    continue;
                long n = silta_workday_to_days(date);
                cr_assert_eq(n, prev + 1, "%04d-%02d-%02d", y, m, d);
                ASSERT_DATE(silta_workday_from_days(n), y, m, d);
                prev = n;
            }
}

Test(workday, invalid_dates_are_refused)
{
    silta_workday_date_t out = D(1, 2, 3);
    silta_err_t err = {0};
    cr_assert_not(silta_workday_date_valid(D(2026, 2, 29)));
    cr_assert(silta_workday_date_valid(D(2024, 2, 29)));
    cr_assert_not(silta_workday_date_valid(D(2100, 2, 29)));
    cr_assert(silta_workday_date_valid(D(2000, 2, 29)));
    cr_assert_not(silta_workday_date_valid(D(1991, 12, 31)));
    cr_assert_not(silta_workday_date_valid(D(2200, 1, 1)));
    cr_assert_not(silta_workday_date_valid(D(2026, 4, 31)));
    cr_assert_not(silta_workday_date_valid(D(2026, 0, 1)));
    cr_assert_not(silta_workday_date_valid(D(2026, 13, 1)));
    cr_assert_not(silta_workday_is_working(D(2026, 2, 30)));
    cr_assert_null(silta_workday_holiday(D(2026, 12, 32)));

    cr_assert_eq(silta_workday_add(D(2026, 2, 29), 1, &out, &err), SILTA_EINVAL);
    cr_assert(strstr(err.msg, "2026-02-29 is not a valid date") != NULL, "%s", err.msg);
    cr_assert_eq(silta_workday_add(D(2026, 1, 5), -1, &out, &err), SILTA_EINVAL);
    cr_assert_eq(silta_workday_next(D(1991, 6, 1), &out, &err), SILTA_EINVAL);
    long n = 42;
    cr_assert_eq(silta_workday_count(D(2026, 1, 1), D(2026, 1, 32), &n, &err), SILTA_EINVAL);
    cr_assert_eq(n, 42);
    /* a result past the supported years is an error, not a wrap-around */
    cr_assert_eq(silta_workday_add(D(2199, 12, 30), 5, &out, &err), SILTA_EINVAL);
    cr_assert(strstr(err.msg, "after 2199-12-31") != NULL, "%s", err.msg);
    cr_assert_eq(silta_workday_add(D(2026, 1, 1), 2147483647, &out, &err), SILTA_EINVAL);
    ASSERT_DATE(out, 1, 2, 3); /* untouched */
}

Test(workday, parse_and_format)
{
    silta_workday_date_t d;
    silta_err_t err = {0};
    cr_assert_eq(silta_workday_date_parse("2026-12-03", &d, &err), 0, "%s", err.msg);
    ASSERT_DATE(d, 2026, 12, 3);
    char buf[11];
    silta_workday_date_format(d, buf);
    cr_assert_str_eq(buf, "2026-12-03");
    const char *bad[] = {"2026-12-3",  "2026-12-033", "2026/12/03", "2026-13-01",
                         "2026-02-29", "20261203",    "",           "x026-12-03",
                         "1991-12-31", "2026-12-03 "};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        cr_assert_eq(silta_workday_date_parse(bad[i], &d, &err), SILTA_EINVAL, "'%s'", bad[i]);
    cr_assert_eq(silta_workday_date_parse(NULL, &d, &err), SILTA_EINVAL);
    ASSERT_DATE(d, 2026, 12, 3);
}
