/*  hub_metrics.h - the hub's numbers for operators, as Prometheus text.
 *
 *  Counters are bumped by the router as things happen; gauges (queues, peers)
 *  are read from the router's state when a scrape asks, through the callbacks
 *  below, so nothing is computed unless someone looks.
 */
#ifndef HUB_METRICS_H
#define HUB_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "silta_buf.h"

#define HUB_METRICS_BUCKETS 13

typedef struct {
    uint64_t published, confirmed, duplicates, nacked, delivered, acked, rejected, dead,
        withheld, disclosures;
    /* confirm latency: PUBLISH received -> CONFIRM sent */
    uint64_t confirm_buckets[HUB_METRICS_BUCKETS]; /* cumulative at render */
    uint64_t confirm_count;
    double confirm_sum_s;
    /* database round trip of each journal append */
    uint64_t db_count;
    double db_sum_s;
    double db_last_s;
    /* the journal's size (hub_journal_size), measured at most once a minute
     * by the status snapshot; journal_sized_ms 0: not measured yet (the
     * gauges are left out then) */
    int64_t journal_partitions, journal_bytes;
    int64_t journal_sized_ms; /* monotonic */
} hub_metrics_t;

/* Record one confirm latency / one database round trip, in seconds. */
void hub_metrics_confirm(hub_metrics_t *m, double seconds);
void hub_metrics_db(hub_metrics_t *m, double seconds);

/* One consumer's gauges at scrape time. */
typedef struct {
    const char *name;
    int connected;
    size_t queued;       /* held, not in flight */
    size_t in_flight;
    uint32_t credit;
    double oldest_age_s; /* 0 when empty */
    long dead_letters;
} hub_metrics_consumer_t;

typedef struct {
    const char *identity;
    int sessions;
} hub_metrics_peer_t;

/* Render everything as Prometheus text exposition format into out. */
void hub_metrics_render(const hub_metrics_t *m, const hub_metrics_consumer_t *consumers,
                        size_t nconsumers, const hub_metrics_peer_t *peers, size_t npeers,
                        int database_up, silta_buf_t *out);

/* A small human status page (HTML) with the same numbers. */
void hub_metrics_render_html(const hub_metrics_t *m, const hub_metrics_consumer_t *consumers,
                             size_t nconsumers, const hub_metrics_peer_t *peers, size_t npeers,
                             int database_up, const char *instance, silta_buf_t *out);

#endif
