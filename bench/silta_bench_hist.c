/*  silta_bench_hist.c - silta-bench's latency histogram (microseconds in,
 *  quantiles in milliseconds out).
 *
 *  It does not measure anything itself and holds no state beyond the
 *  histogram the caller passes in (fixed size, so it lives in shared memory).
 */
#include "silta_bench.h"

#include <stddef.h>

void silta_bench_hist_add(silta_bench_hist_t *h, int64_t us)
{
    uint64_t v = us < 0 ? 0 : (uint64_t)us;
    size_t i;
    if (v < 64)
        i = (size_t)v;
    else {
        int msb = 63 - __builtin_clzll(v);
        int shift = msb - 5;
        i = 64 + (size_t)(shift - 1) * 32 + (size_t)((v >> shift) - 32);
    }
    if (i >= SILTA_BENCH_HIST_BUCKETS)
        i = SILTA_BENCH_HIST_BUCKETS - 1;
    h->n[i]++;
    h->total++;
}

void silta_bench_hist_merge(silta_bench_hist_t *into, const silta_bench_hist_t *h)
{
    for (size_t i = 0; i < SILTA_BENCH_HIST_BUCKETS; i++)
        into->n[i] += h->n[i];
    into->total += h->total;
}

/* The q-quantile in milliseconds (bucket midpoint); 0 when empty. */
double silta_bench_hist_ms(const silta_bench_hist_t *h, double q)
{
    if (h->total == 0)
        return 0;
    uint64_t rank = (uint64_t)(q * (double)h->total + 0.999999);
    if (rank < 1)
        rank = 1;
    uint64_t seen = 0;
    for (size_t i = 0; i < SILTA_BENCH_HIST_BUCKETS; i++) {
        seen += h->n[i];
        if (seen >= rank) {
            if (i < 64)
                return (double)i / 1000.0;
            int shift = (int)((i - 64) / 32) + 1;
            uint64_t lo = ((i - 64) % 32 + 32) << shift;
            return ((double)lo + (double)(1ULL << shift) / 2) / 1000.0;
        }
    }
    return 0;
}
