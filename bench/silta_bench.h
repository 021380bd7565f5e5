/*  silta_bench.h - internal to silta-bench: its options, the results the
 *  children share with the parent, and the functions its files call across.
 *
 *  Not part of libsilta and not installed; it does no work of its own. What the
 *  bench does, and why processes, is in silta_bench.c's header.
 */
#ifndef SILTA_BENCH_H
#define SILTA_BENCH_H

#include <signal.h>
#include <stdint.h>
#include <stdio.h>

#include "silta_client.h"

#define SILTA_BENCH_TYPE "bench.event.v1"
#define SILTA_BENCH_HIST_BUCKETS 1280

typedef enum {
    SILTA_BENCH_BOTH,
    SILTA_BENCH_PUBLISH_ONLY,
    SILTA_BENCH_CONSUME_ONLY
} silta_bench_mode_t;

typedef struct {
    long events;
    long size;
    int publishers;
    long clients;
    int consumers;
    long credit;
    long window;
    long rate;             /* events/s over all publishers; 0: as fast as the window allows */
    silta_bench_mode_t mode;
    long timeout_s;
    char ledger[4096];
    char key[4096];
} silta_bench_opts_t;

/* Latency histogram in microseconds: exact below 64, then 32 buckets per power
 * of two (about 3 % wide). Fixed size, so consumers' figures just add up. */
typedef struct {
    uint64_t n[SILTA_BENCH_HIST_BUCKETS];
    uint64_t total;
} silta_bench_hist_t;

typedef struct {
    uint64_t published; /* progress, updated as it goes */
    uint64_t confirmed;
    uint64_t nacked;
    int64_t start_us; /* realtime: first publish */
    int64_t end_us;   /* realtime: last CONFIRM or NACK */
    int done;
    silta_bench_hist_t confirm_latency;
} silta_bench_pub_result_t;

typedef struct {
    uint64_t delivered; /* progress, updated as it goes */
    uint64_t unique;
    uint64_t duplicates;
    uint64_t lost;
    uint64_t ledger_n;
    uint64_t delivered_publishing; /* deliveries before the publishers were done */
    int checked; /* reached the end of its run: lost is meaningful */
    int ready;   /* the queue is recorded at the hub */
    int done;
    int64_t start_us; /* realtime: subscribed */
    int64_t last_us;  /* realtime: last delivery */
    silta_bench_hist_t latency;
} silta_bench_con_result_t;

typedef struct {
    int ledger_ready; /* set by the parent: publishing is over, read the ledger */
    int64_t ledger_ready_ms;
    silta_bench_pub_result_t *pub;
    silta_bench_con_result_t *con;
} silta_bench_shared_t;

/* silta_bench.c: set by SIGINT/SIGTERM; every loop checks it. */
extern volatile sig_atomic_t silta_bench_interrupted;
/* CLOCK_REALTIME in microseconds. */
int64_t silta_bench_real_us(void);
/* Shared counters are written by one child and read by the parent. */
void silta_bench_store(uint64_t *p, uint64_t v);
uint64_t silta_bench_load(const uint64_t *p);
/* A client with the bench's key and window; NULL (logged) on failure. */
silta_client_t *silta_bench_client(const silta_bench_opts_t *o, const char *name);

/* silta_bench_hist.c */
void silta_bench_hist_add(silta_bench_hist_t *h, int64_t us);
void silta_bench_hist_merge(silta_bench_hist_t *into, const silta_bench_hist_t *h);
double silta_bench_hist_ms(const silta_bench_hist_t *h, double q);

/* silta_bench_pub.c: one publisher process; returns its exit status. */
int silta_bench_pub_run(const silta_bench_opts_t *o, int index, silta_bench_pub_result_t *r);

/* silta_bench_con.c: one consumer process (exit status); --publish-only's queues (0/-1). */
int silta_bench_con_run(const silta_bench_opts_t *o, int index, silta_bench_shared_t *sh);
int silta_bench_con_declare_queues(const silta_bench_opts_t *o);

/* silta_bench_report.c */
void silta_bench_report_progress(const silta_bench_opts_t *o, const silta_bench_shared_t *sh);
int silta_bench_report_print(const silta_bench_opts_t *o, const silta_bench_shared_t *sh,
                             int *failed);

#endif
