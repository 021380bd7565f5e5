/*  silta_date.h - dates as the agencies write them, normalised to the one form
 *  Silta carries: YYYY-MM-DD.
 *
 *  XML Schema xs:date is "YYYY-MM-DD" optionally followed by a timezone: "Z",
 *  "+hh:mm" or "-hh:mm" (XSD 1.1 part 2, 3.3.9). An xs:date with a zone names
 *  a calendar day *as observed in that zone*; Silta keeps that calendar day as
 *  written and drops the zone, so <date>2025-03-13-05:00</date> is 2025-03-13.
 *  (Converting to Helsinki time would move a whole-day value across midnight
 *  for some zones, and no agency means "the day before" when it writes a
 *  zone; the zone is a serialisation detail of its system.) Every date field
 *  of a batch record goes through silta_date_from_xsd (silta_batch.c), so the
 *  payload never holds a zone and the case store's YYYY-MM-DD check holds.
 *
 *  Not here: dateTime values (FHIR), time zones, calendars of working days
 *  (silta_workday).
 */
#ifndef SILTA_DATE_H
#define SILTA_DATE_H

#include "silta_err.h"

#define SILTA_DATE_LEN 10 /* YYYY-MM-DD */

/* Normalise an xs:date (no surrounding spaces; years 0001-9999 only) to
 * YYYY-MM-DD in out. Refuses what is not an xs:date and impossible days
 * (2025-02-30, 2023-02-29) with a reason fit for a rejection report (it never
 * quotes the value). Returns 0 (out written) or SILTA_EINVAL (out untouched). */
int silta_date_from_xsd(const char *in, char out[SILTA_DATE_LEN + 1], silta_err_t *err);

/* 1 when y-m-d is a day of the proleptic Gregorian calendar (years 1-9999), else 0. */
int silta_date_valid(int y, int m, int d);

/* The number of days of month m (1-12) of year y (Gregorian leap years). */
int silta_date_days_in_month(int y, int m);

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian; negative before 1970):
 * H. Hinnant's days_from_civil. Any y; m 1-12; d 1-31. */
long long silta_date_days_from_civil(int y, int m, int d);

/* The inverse: y-m-d of a day number from 1970-01-01 (H. Hinnant's civil_from_days). */
void silta_date_civil_from_days(long long z, int *y, int *m, int *d);

#endif
