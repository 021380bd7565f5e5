/*  health_time.c - FHIR date/dateTime/instant -> local date in Helsinki
 *  (contract: health_time.h).
 *
 *  Partial dates. FHIR's dateTime allows "2025" and "2025-03" (a year, a
 *  month). The case store needs the day the referral was written: the
 *  deadline for acknowledging it (rule 7, working days) counts from that day.
 *  Taking the first day of the period would start the count up to 30 days
 *  early, raising "referral not acknowledged" alerts that are not true, and
 *  taking the last day would hide a late acknowledgement; FHIR gives no rule
 *  for narrowing a partial date. So a partial date is refused (422 with the
 *  reason), and the sender, who knows the day, sends it. A missing authoredOn
 *  stays allowed: the case store then counts from the day it arrived, which
 *  is true, not guessed.
 */
#include "health_time.h"

#include "silta_date.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int health_time_init(silta_err_t *err)
{
    /* Once at start, before the HTTP threads: setenv/tzset are not
     * thread-safe, localtime_r afterwards is. Log lines use UTC (gmtime_r),
     * so nothing else in the process changes. */
    if (setenv("TZ", HEALTH_TIME_ZONE, 1) != 0)
        return silta_err_set(err, SILTA_ERR, "could not set the time zone");
    tzset();
    /* 2025-07-01T00:00Z is summer (+03:00), 2025-01-01T00:00Z winter (+02:00). */
    time_t summer = 1751328000, winter = 1735689600;
    struct tm a, b;
    if (!localtime_r(&summer, &a) || !localtime_r(&winter, &b) || a.tm_gmtoff != 3 * 3600 ||
        b.tm_gmtoff != 2 * 3600)
        return silta_err_set(err, SILTA_ERR, "the tz database has no " HEALTH_TIME_ZONE
                                             " (install tzdata)");
    return 0;
}

/* n digits at s, or -1. */
static int s_num(const char *s, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

/* YYYY-MM-DD of a year 1..9999 into out. */
static void s_format(int y, int m, int d, char out[11])
{
    char buf[48];
    snprintf(buf, sizeof buf, "%04d-%02d-%02d", y, m, d);
    memcpy(out, buf, 10);
    out[10] = '\0';
}

int health_time_local_date(const char *v, const char *field, char out[11], silta_err_t *err)
{
    size_t n = v ? strlen(v) : 0;
    int y = n >= 4 ? s_num(v, 4) : -1;
    if (y < 1)
        return silta_err_set(err, SILTA_EINVAL, "%s is not a FHIR date or dateTime "
                                                "(YYYY-MM-DD or YYYY-MM-DDThh:mm:ss+zz:zz)", field);
    if (n == 4 || (n == 7 && v[4] == '-' && s_num(v + 5, 2) >= 1 && s_num(v + 5, 2) <= 12))
        return silta_err_set(err, SILTA_EINVAL,
                             "%s must be a full date: a year or a year and month does not say "
                             "which day the referral was written, and the acknowledgement "
                             "deadline counts from that day", field);
    int mo = n >= 10 && v[4] == '-' && v[7] == '-' ? s_num(v + 5, 2) : -1;
    int d = mo >= 1 && mo <= 12 ? s_num(v + 8, 2) : -1;
    if (d < 1 || d > silta_date_days_in_month(y, mo) || (n > 10 && v[10] != 'T'))
        return silta_err_set(err, SILTA_EINVAL, "%s is not a valid date (YYYY-MM-DD)", field);
    if (n == 10) {
        s_format(y, mo, d, out);
        return 0;
    }
    /* YYYY-MM-DDThh:mm:ss[.fff](Z|+hh:mm|-hh:mm) */
    const char *t = v + 11;
    int hh = n >= 19 && t[2] == ':' && t[5] == ':' ? s_num(t, 2) : -1;
    int mi = hh >= 0 ? s_num(t + 3, 2) : -1, ss = hh >= 0 ? s_num(t + 6, 2) : -1;
    if (hh < 0 || hh > 23 || mi < 0 || mi > 59 || ss < 0 || ss > 60)
        return silta_err_set(err, SILTA_EINVAL, "%s has no valid time (hh:mm:ss)", field);
    const char *z = t + 8;
    if (*z == '.') {
        z++;
        const char *f = z;
        while (*z >= '0' && *z <= '9')
            z++;
        if (z == f)
            return silta_err_set(err, SILTA_EINVAL, "%s has an empty fraction of a second", field);
    }
    long off = 0;
    if (strcmp(z, "Z") == 0) {
        off = 0;
    } else if ((z[0] == '+' || z[0] == '-') && strlen(z) == 6 && z[3] == ':' &&
               s_num(z + 1, 2) >= 0 && s_num(z + 4, 2) >= 0 && s_num(z + 1, 2) <= 14 &&
               s_num(z + 4, 2) <= 59) {
        off = (long)(s_num(z + 1, 2) * 3600 + s_num(z + 4, 2) * 60) * (z[0] == '-' ? -1 : 1);
    } else {
        return silta_err_set(err, SILTA_EINVAL,
                             "%s has a time but no time zone (FHIR requires one: Z or +hh:mm)",
                             field);
    }
    long long secs = silta_date_days_from_civil(y, mo, d) * 86400LL + hh * 3600 + mi * 60 + ss - off;
    time_t when = (time_t)secs;
    struct tm tm;
    if (!localtime_r(&when, &tm) || tm.tm_year + 1900 < 1 || tm.tm_year + 1900 > 9999)
        return silta_err_set(err, SILTA_EINVAL, "%s is out of range", field);
    s_format(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, out);
    return 0;
}
