/*  health_time.h - FHIR date, dateTime and instant values to the calendar
 *  date in Finland (Europe/Helsinki), the one form the case store takes.
 *
 *  A referral written at 2025-03-14T23:30:00Z was written on 2025-03-15 in
 *  Helsinki; the deadline for acknowledging it counts from that local day.
 *  The conversion uses the tz database: health_time_init() sets the process
 *  time zone to Europe/Helsinki once, before any thread starts, and checks
 *  that the zone is really there (glibc silently falls back to UTC when the
 *  zone file is missing); afterwards localtime_r is thread-safe.
 */
#ifndef HEALTH_TIME_H
#define HEALTH_TIME_H

#include "silta_err.h"

#define HEALTH_TIME_ZONE "Europe/Helsinki"

/* Set TZ to Europe/Helsinki and check the tz database knows it (summer time
 * +03:00, winter +02:00). Call once, before threads. 0 or SILTA_ERR. */
int health_time_init(silta_err_t *err);

/* The local date (YYYY-MM-DD) of a FHIR date / dateTime / instant into out.
 * `field` names the element in the reason. A full date is taken as it is
 * (FHIR: a date carries no zone); a dateTime with a time must have a zone
 * (FHIR requires it) and is converted to Helsinki time. A partial date
 * ("2025", "2025-03") is refused: see health_time.c for why. Returns 0, or
 * SILTA_EINVAL with a reason for a person. */
int health_time_local_date(const char *value, const char *field, char out[11], silta_err_t *err);

#endif
