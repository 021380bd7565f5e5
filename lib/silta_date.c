/*  silta_date.c - xs:date to YYYY-MM-DD (contract and the zone choice: silta_date.h). */
#include "silta_date.h"

#include <string.h>

static int s_digits(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 0;
}

int silta_date_days_in_month(int y, int m)
{
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : days[m - 1];
}

int silta_date_valid(int y, int m, int d)
{
    if (y < 1 || y > 9999 || m < 1 || m > 12 || d < 1)
        return 0;
    return d <= silta_date_days_in_month(y, m);
}

long long silta_date_days_from_civil(int y, int m, int d)
{
    y -= m <= 2;
    long long era = (y >= 0 ? y : y - 399) / 400;
    long long yoe = y - era * 400;
    long long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    long long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

void silta_date_civil_from_days(long long z, int *y, int *m, int *d)
{
    z += 719468;
    long long era = (z >= 0 ? z : z - 146096) / 146097;
    long long doe = z - era * 146097;
    long long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    long long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    long long mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yoe + era * 400 + (*m <= 2));
}

/* The zone after the day: "", "Z", or +hh:mm / -hh:mm with hh:mm <= 14:00. */
static int s_zone_ok(const char *z)
{
    if (*z == '\0' || strcmp(z, "Z") == 0)
        return 1;
    int hh, mm;
    if ((z[0] != '+' && z[0] != '-') || strlen(z) != 6 || z[3] != ':' ||
        s_digits(z + 1, 2, &hh) != 0 || s_digits(z + 4, 2, &mm) != 0)
        return 0;
    return mm <= 59 && (hh < 14 || (hh == 14 && mm == 0));
}

int silta_date_from_xsd(const char *in, char out[SILTA_DATE_LEN + 1], silta_err_t *err)
{
    int y, m, d;
    if (!in || strlen(in) < SILTA_DATE_LEN || s_digits(in, 4, &y) != 0 || in[4] != '-' ||
        s_digits(in + 5, 2, &m) != 0 || in[7] != '-' || s_digits(in + 8, 2, &d) != 0 ||
        !s_zone_ok(in + SILTA_DATE_LEN))
        return silta_err_set(err, SILTA_EINVAL,
                             "not a date: expected YYYY-MM-DD, optionally with a zone "
                             "(Z, +hh:mm or -hh:mm)");
    if (!silta_date_valid(y, m, d))
        return silta_err_set(err, SILTA_EINVAL,
                             "not a date: no such day in the calendar (month %02d has no day %02d "
                             "in %04d)",
                             m, d, y);
    memcpy(out, in, SILTA_DATE_LEN);
    out[SILTA_DATE_LEN] = '\0';
    return 0;
}
