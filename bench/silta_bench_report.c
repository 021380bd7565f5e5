/*  silta_bench_report.c - silta-bench's figures: progress once a second on
 *  stderr, and at the end the per-consumer lines, the publish line and the
 *  summary line (the last line of stdout, a contract: bench/README.md).
 *
 *  It does not run or wait for the children; it only reads their results.
 */
#include "silta_bench.h"
#include "silta_uuid.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

void silta_bench_report_progress(const silta_bench_opts_t *o, const silta_bench_shared_t *sh)
{
    uint64_t pub = 0, conf = 0, del = 0;
    for (int i = 0; i < o->publishers; i++) {
        pub += silta_bench_load(&sh->pub[i].published);
        conf += silta_bench_load(&sh->pub[i].confirmed);
    }
    for (int i = 0; i < o->consumers; i++)
        del += silta_bench_load(&sh->con[i].delivered);
    if (o->mode == SILTA_BENCH_CONSUME_ONLY)
        fprintf(stderr, "silta-bench: delivered=%" PRIu64 "\n", del);
    else
        fprintf(stderr,
                "silta-bench: published=%" PRIu64 " confirmed=%" PRIu64 " delivered=%" PRIu64 "\n",
                pub, conf, del);
}

static size_t s_count_lines(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    size_t n = 0;
    char line[128];
    while (fgets(line, sizeof line, f))
        if (strlen(line) >= SILTA_UUID_STRLEN)
            n++;
    fclose(f);
    return n;
}

/* Print the figures from the children's results. Publishers that did not
 * finish are added to *failed. Returns 1 when nothing was lost and, when
 * publishing, every event was confirmed; 0 otherwise. */
int silta_bench_report_print(const silta_bench_opts_t *o, const silta_bench_shared_t *sh,
                             int *failed)
{
    uint64_t confirmed = 0, nacked = 0, delivered = 0, unique = 0, dups = 0, lost = 0;
    uint64_t delivered_pub = 0;
    int64_t pub_start = INT64_MAX, pub_end = 0, con_start = INT64_MAX, con_end = 0;
    silta_bench_hist_t lat_buf, clat_buf; /* 10 KiB each: fine on the stack */
    memset(&lat_buf, 0, sizeof lat_buf);
    memset(&clat_buf, 0, sizeof clat_buf);
    silta_bench_hist_t *lat = &lat_buf, *clat = &clat_buf;
    for (int i = 0; i < o->publishers; i++) {
        silta_bench_pub_result_t *r = &sh->pub[i];
        confirmed += r->confirmed;
        nacked += r->nacked;
        if (r->start_us && r->start_us < pub_start)
            pub_start = r->start_us;
        if (r->end_us > pub_end)
            pub_end = r->end_us;
        silta_bench_hist_merge(clat, &r->confirm_latency);
        if (!r->done)
            (*failed)++;
    }
    /* What every consumer should have received: the confirmed ids. */
    uint64_t expected = o->mode == SILTA_BENCH_CONSUME_ONLY ? s_count_lines(o->ledger) : confirmed;
    int consumers_run = o->mode == SILTA_BENCH_PUBLISH_ONLY ? 0 : o->consumers;
    for (int i = 0; i < consumers_run; i++) {
        silta_bench_con_result_t *r = &sh->con[i];
        delivered += r->delivered;
        delivered_pub += r->delivered_publishing;
        unique += r->unique;
        dups += r->duplicates;
        if (r->checked)
            expected = r->ledger_n;
        /* a consumer that failed before its check proved nothing: count it all lost */
        lost += r->checked ? r->lost : expected;
        if (r->start_us && r->start_us < con_start)
            con_start = r->start_us;
        if (r->last_us > con_end)
            con_end = r->last_us;
        silta_bench_hist_merge(lat, &r->latency);
        printf("consumer bench-%d: delivered=%" PRIu64 " unique=%" PRIu64 " duplicates=%" PRIu64
               " lost=%" PRIu64 "\n",
               i + 1, r->delivered, r->unique, r->duplicates, r->lost);
    }
    uint64_t events = (uint64_t)o->events;
    if (o->mode == SILTA_BENCH_CONSUME_ONLY)
        events = confirmed = expected;
    double rate = 0;
    if (o->mode == SILTA_BENCH_CONSUME_ONLY) {
        if (con_end > con_start)
            rate = (double)delivered * 1e6 / (double)(con_end - con_start);
    } else if (pub_end > pub_start)
        rate = (double)confirmed * 1e6 / (double)(pub_end - pub_start);
    /* First publish to the last CONFIRM or delivery, whichever is later (each delivery is
     * ACKed as it arrives): the end-to-end figure bench/run compares with RabbitMQ's. */
    int64_t e2e_end = con_end > pub_end ? con_end : pub_end;
    if (o->mode == SILTA_BENCH_BOTH && e2e_end > pub_start && pub_start != INT64_MAX)
        printf("end_to_end: seconds=%.2f rate=%.0f/s\n", (double)(e2e_end - pub_start) / 1e6,
               (double)confirmed * 1e6 / (double)(e2e_end - pub_start));
    if (o->mode != SILTA_BENCH_CONSUME_ONLY)
        printf("publish: confirmed=%" PRIu64 " nacked=%" PRIu64 " confirm_p50_ms=%.2f "
               "confirm_p99_ms=%.2f seconds=%.2f\n",
               confirmed, nacked, silta_bench_hist_ms(clat, 0.50), silta_bench_hist_ms(clat, 0.99),
               pub_end > pub_start ? (double)(pub_end - pub_start) / 1e6 : 0.0);
    /* While publishers run: are deliveries keeping up with confirms? (summed
     * over consumers, so C consumers keeping up show C times the confirm rate) */
    if (o->mode == SILTA_BENCH_BOTH && pub_end > pub_start) {
        double secs = (double)(pub_end - pub_start) / 1e6;
        printf("while publishing: confirm_rate=%.0f/s deliver_rate=%.0f/s deliver/confirm=%.2f\n",
               (double)confirmed / secs, (double)delivered_pub / secs,
               confirmed ? (double)delivered_pub / (double)confirmed / consumers_run : 0.0);
    }
    if (o->mode == SILTA_BENCH_PUBLISH_ONLY)
        printf("ledger: %s (%zu ids)\n", o->ledger, s_count_lines(o->ledger));
    printf("events=%" PRIu64 " confirmed=%" PRIu64 " delivered=%" PRIu64 " unique=%" PRIu64
           " lost=%" PRIu64 " duplicates=%" PRIu64 " rate=%.0f/s p50_ms=%.2f p99_ms=%.2f\n",
           events, confirmed, delivered, unique, lost, dups, rate, silta_bench_hist_ms(lat, 0.50),
           silta_bench_hist_ms(lat, 0.99));
    fflush(stdout);
    return lost == 0 && (o->mode == SILTA_BENCH_CONSUME_ONLY || confirmed == (uint64_t)o->events);
}
