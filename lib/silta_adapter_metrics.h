/*  silta_adapter_metrics.h - the metrics every adapter exports (through
 *  silta_adapter.c; served when SILTA_<NAME>_METRICS_BIND is set).
 *
 *    silta_adapter_records_read_total            records of inbox files settled
 *                                                (published + rejected)
 *    silta_adapter_records_published_total       records the hub confirmed (journalled;
 *                                                duplicates of a re-read file included)
 *    silta_adapter_records_rejected_total{reason} invalid: refused by the adapter;
 *                                                refused: refused by the hub (NACK)
 *    silta_adapter_files_total{result}           done / rejected (moved to that folder)
 *    silta_adapter_inbox_oldest_age_seconds      age (mtime) of the oldest file waiting
 *                                                in the inbox; 0 when empty
 *    silta_adapter_hub_connected                 1 while the hub session is up
 *
 *  A file left in the inbox by a stop is counted again when read again.
 */
#ifndef SILTA_ADAPTER_METRICS_H
#define SILTA_ADAPTER_METRICS_H

#include "silta_metrics.h"
#include "silta_spool.h"

#define SILTA_AM_READ "silta_adapter_records_read_total"
#define SILTA_AM_PUBLISHED "silta_adapter_records_published_total"
#define SILTA_AM_REJECTED "silta_adapter_records_rejected_total"
#define SILTA_AM_FILES "silta_adapter_files_total"
#define SILTA_AM_OLDEST "silta_adapter_inbox_oldest_age_seconds"
#define SILTA_AM_CONNECTED "silta_adapter_hub_connected"

/* A registry with the families above declared, or NULL on out of memory. */
silta_metrics_t *silta_adapter_metrics_new(void);

/* Set silta_adapter_inbox_oldest_age_seconds from the inbox's files (the ones
 * silta_spool_next would read), now_s in Unix seconds. An unreadable inbox
 * leaves the gauge as it was. */
void silta_adapter_metrics_inbox(silta_metrics_t *m, const silta_spool_t *sp, double now_s);

#endif
