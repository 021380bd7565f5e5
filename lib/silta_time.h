/*  silta_time.h - clocks in milliseconds. */
#ifndef SILTA_TIME_H
#define SILTA_TIME_H

#include <stdint.h>
#include <time.h>

/* Wall clock, unix milliseconds (timestamps that leave the process). */
static inline int64_t silta_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Monotonic clock, milliseconds (timeouts, intervals). */
static inline int64_t silta_mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Monotonic clock, microseconds (latency figures). */
static inline int64_t silta_mono_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Sleep ms milliseconds (a signal may cut it short: callers re-check their
 * stop flag). For waits outside a poll loop only. */
static inline void silta_sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

#endif
