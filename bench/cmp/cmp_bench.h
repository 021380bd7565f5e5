/*  cmp_bench.h - the harness that `make bench`'s comparison programs share:
 *  rmq-bench (bench/amqp/, RabbitMQ) and pg-ceiling (bench/cmp/, PostgreSQL
 *  alone). One program = one cmp_driver_t (set up the topology, run a
 *  publisher, run a consumer); the harness parses the options, forks the
 *  processes, keeps the shared results, checks for loss and prints the figures.
 *
 *  The guarantee measured is silta-bench's: an event counts as confirmed once
 *  the system has stored it durably and told the publisher; a consumer counts
 *  it once it has acknowledged it. Every confirmed event must reach every
 *  consumer (lost=0).
 *
 *  Payload (o->size bytes, at least CMP_PAYLOAD_MIN): bytes 0..7 the send time
 *  (CLOCK_REALTIME, microseconds, host order), bytes 8..15 the event id
 *  (0..events-1), the rest filler.
 *
 *  Not part of libsilta; it does not talk to any system itself.
 */
#ifndef CMP_BENCH_H
#define CMP_BENCH_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "silta_bench.h" /* the latency histogram (silta_bench_hist.c) */

#define CMP_PAYLOAD_MIN 16

typedef struct {
    long events;      /* in all, shared among the publishers */
    long size;        /* payload bytes */
    int publishers;   /* processes, one connection each */
    int consumers;    /* queues, one consumer process each; every event reaches each */
    long window;      /* per publisher: unconfirmed events at most (batch size for pg-ceiling) */
    long credit;      /* per consumer: unacknowledged deliveries at most (prefetch, batch) */
    long timeout_s;   /* give up after this many seconds without progress */
    const char *target; /* the program's server: AMQP host:port, or a libpq conninfo */
} cmp_opts_t;

typedef struct {
    uint64_t published; /* progress counters, written by the child */
    uint64_t confirmed;
    uint64_t nacked;
    int64_t start_us; /* realtime: first publish */
    int64_t end_us;   /* realtime: last confirm */
    int done;         /* ran to its end */
    silta_bench_hist_t confirm_latency;
} cmp_pub_result_t;

typedef struct {
    uint64_t delivered;
    uint64_t unique;
    uint64_t duplicates;
    uint64_t lost; /* confirmed ids this consumer never received; meaningful when checked */
    int64_t last_ack_us; /* realtime: last acknowledgement */
    int ready;   /* subscribed: publishers may start */
    int checked; /* finished its loss check */
    silta_bench_hist_t latency; /* publish -> deliver */
} cmp_con_result_t;

typedef struct {
    int publishing_done; /* set by the parent once every publisher exited */
    uint64_t expected;   /* confirmed events in all, valid once publishing_done */
    cmp_pub_result_t *pub;
    cmp_con_result_t *con;
    uint8_t *confirmed_bits; /* one bit per event id, set when confirmed */
} cmp_shared_t;

/* A consumer's private record of the ids it has received. */
typedef struct {
    uint8_t *bits;
    uint64_t last_progress_ms;
} cmp_seen_t;

typedef struct {
    const char *name;   /* program name, for messages: "rmq-bench" */
    const char *system; /* for the result line: "rabbitmq", "ceiling" */
    /* Parent, before any fork: create (or reset to empty) the topology. 0 / -1. */
    int (*setup)(const cmp_opts_t *o);
    /* Child: publisher `index`; publishes cmp_pub_range's ids. Returns the exit status. */
    int (*pub_run)(const cmp_opts_t *o, int index, cmp_shared_t *sh);
    /* Child: consumer `index` (queue index+1); runs until cmp_con_finished. Exit status. */
    int (*con_run)(const cmp_opts_t *o, int index, cmp_shared_t *sh);
} cmp_driver_t;

/* Set by SIGINT/SIGTERM; every loop checks it. */
extern volatile sig_atomic_t cmp_interrupted;

/* Parse argv, run the driver, print the figures. The last line of stdout:
 *   cmp system=S topology=PxC events=N confirmed=N lost=N duplicates=N seconds=S rate=E/s
 *       confirm_p50_ms= confirm_p99_ms= deliver_p50_ms= deliver_p99_ms=
 * (one line). Returns the process exit status: 0 when every event was confirmed and
 * nothing was lost, 1 otherwise, 2 for bad options. */
int cmp_main(int argc, char **argv, const cmp_driver_t *d);

/* CLOCK_REALTIME / CLOCK_MONOTONIC in microseconds / milliseconds. */
int64_t cmp_real_us(void);
int64_t cmp_mono_ms(void);

/* The ids publisher `index` publishes: [*first, *first + *count). */
void cmp_pub_range(const cmp_opts_t *o, int index, uint64_t *first, uint64_t *count);
/* Write the send time (now) and id into buf (o->size bytes, filler already there). */
void cmp_payload_stamp(uint8_t *buf, uint64_t id);
/* Publisher: `id`, sent at sent_us, was confirmed now. */
void cmp_pub_confirmed(cmp_shared_t *sh, int index, uint64_t id, int64_t sent_us);

/* Consumer: start/stop its record of ids (0 / -1 out of memory). */
int cmp_seen_init(const cmp_opts_t *o, cmp_seen_t *s);
void cmp_seen_free(cmp_seen_t *s);
/* Consumer: a payload arrived. Bad payloads (too short, id out of range) are
 * counted as nothing and return -1; otherwise 0. */
int cmp_con_received(const cmp_opts_t *o, cmp_shared_t *sh, int index, cmp_seen_t *s,
                     const uint8_t *payload, size_t len);
/* Consumer: acknowledgements up to now are done (end-to-end time). */
void cmp_con_acked(cmp_shared_t *sh, int index);
/* Consumer: 1 when publishing is over and every confirmed id has arrived (the
 * loss check passed), -1 when it should give up (timeout without progress or
 * interrupted; lost is then set), 0 to go on. */
int cmp_con_finished(const cmp_opts_t *o, cmp_shared_t *sh, int index, cmp_seen_t *s);

#endif
