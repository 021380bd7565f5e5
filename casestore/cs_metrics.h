/*  cs_metrics.h - the case store's own metrics (served when
 *  SILTA_CASESTORE_METRICS_BIND is set; lib/silta_metrics.h).
 *
 *    silta_casestore_events_applied_total       deliveries applied and ACKed (duplicates not)
 *    silta_casestore_events_rejected_total      deliveries REJECTed as unusable
 *    silta_casestore_apply_lag_seconds          last batch: the largest time from the hub's
 *                                               recorded_at (else the event's occurred_at)
 *                                               to its commit here
 *    silta_casestore_alerts_open{rule}          open alerts per rule
 *    silta_casestore_alerts_overdue{rule}       of them, due before the rules' today
 *    silta_casestore_inbox_logins_total{result} ok / failed / throttled
 *    silta_casestore_hub_connected              1 while the hub session is up
 *
 *  The alert gauges come from one grouped query on the main loop, at most every
 *  CS_METRICS_ALERTS_MS; a scrape never touches the database.
 */
#ifndef CS_METRICS_H
#define CS_METRICS_H

#include "rules/cs_history.h"
#include "silta_metrics.h"
#include "store/cs_store.h"

#define CS_METRICS_APPLIED "silta_casestore_events_applied_total"
#define CS_METRICS_REJECTED "silta_casestore_events_rejected_total"
#define CS_METRICS_LAG "silta_casestore_apply_lag_seconds"
#define CS_METRICS_OPEN "silta_casestore_alerts_open"
#define CS_METRICS_OVERDUE "silta_casestore_alerts_overdue"
#define CS_METRICS_LOGINS "silta_casestore_inbox_logins_total"
#define CS_METRICS_CONNECTED "silta_casestore_hub_connected"
#define CS_METRICS_ALERTS_MS 30000

/* A registry with the families above (one alert series per rule of
 * cs_rules_all), or NULL on out of memory. */
silta_metrics_t *cs_metrics_new(void);

/* Refresh the alert gauges from the store (rules without open alerts go to
 * 0). On a database error the gauges keep their values (returns its code). */
int cs_metrics_alerts(silta_metrics_t *m, cs_store_t *store, cs_day_t today, silta_err_t *err);

#endif
