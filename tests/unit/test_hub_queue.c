/* test_hub_queue.c - the delivery scheduler: per-client order, credit-free
 * logic, ack, release, backoff and dead letters. No I/O: times are given. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hub_queue.h"

static const hub_queue_config_t CFG = {
    .ack_timeout_ms = 1000, .backoff_base_ms = 100, .backoff_max_ms = 400, .max_attempts = 3};

static hub_event_t *s_event(uint64_t seq, const char *client)
{
    silta_envelope_t *env = malloc(sizeof *env);
    silta__envelope__init(env);
    env->client_key = strdup(client);
    env->event_id = strdup("0190f5c2-7b3a-7c4d-8e5f-0123456789ab");
    env->type = strdup("test.event.v1");
    return hub_event_new(seq, env);
}

static void s_push(hub_queue_t *q, uint64_t seq, const char *client)
{
    hub_event_t *ev = s_event(seq, client);
    cr_assert_eq(hub_queue_push(q, ev, 0), 0);
    hub_event_unref(&ev);
}

static uint64_t s_next(hub_queue_t *q, int64_t now)
{
    const hub_event_t *ev = hub_queue_next(q, now, now, NULL);
    return ev ? ev->seq : 0;
}

Test(hub_queue, one_in_flight_per_client_in_order)
{
    hub_queue_t *q = hub_queue_new(&CFG);
    s_push(q, 1, "a");
    s_push(q, 2, "a");
    s_push(q, 3, "b");
    s_push(q, 4, "a");
    cr_assert_eq(s_next(q, 0), 1);
    cr_assert_eq(s_next(q, 0), 3, "client a is busy, so b goes next");
    cr_assert_eq(s_next(q, 0), 0, "both clients busy: nothing may go");
    cr_assert_eq(hub_queue_in_flight(q), 2);
    hub_queue_info_t info;
    cr_assert_eq(hub_queue_ack(q, 1, 0, &info), 0);
    cr_assert_eq(info.seq, 1);
    cr_assert_eq(info.attempts, 1);
    cr_assert_eq(s_next(q, 0), 2, "a's next event in journal order");
    cr_assert_eq(hub_queue_ack(q, 2, 0, NULL), 0);
    cr_assert_eq(s_next(q, 0), 4);
    cr_assert_eq(hub_queue_held(q), 2);
    hub_queue_destroy(&q);
    cr_assert_null(q);
}

Test(hub_queue, duplicate_push_is_ignored)
{
    hub_queue_t *q = hub_queue_new(&CFG);
    s_push(q, 7, "a");
    hub_event_t *ev = s_event(7, "a");
    cr_assert_eq(hub_queue_push(q, ev, 0), 1);
    hub_event_unref(&ev);
    cr_assert_eq(hub_queue_held(q), 1);
    hub_queue_destroy(&q);
}

Test(hub_queue, ack_of_unknown_or_non_head_is_refused)
{
    hub_queue_t *q = hub_queue_new(&CFG);
    s_push(q, 1, "a");
    s_push(q, 2, "a");
    cr_assert_eq(hub_queue_ack(q, 99, 0, NULL), -1);
    cr_assert_eq(hub_queue_ack(q, 2, 0, NULL), -1, "2 is behind 1 in client a's lane");
    /* An ACK that crossed a restart retires a queued head. */
    cr_assert_eq(hub_queue_ack(q, 1, 0, NULL), 0);
    cr_assert_eq(hub_queue_held(q), 1);
    hub_queue_destroy(&q);
}

Test(hub_queue, release_sends_again_at_once)
{
    hub_queue_t *q = hub_queue_new(&CFG);
    s_push(q, 1, "a");
    s_push(q, 2, "b");
    cr_assert_eq(s_next(q, 10), 1);
    cr_assert_eq(s_next(q, 10), 2);
    cr_assert_eq(hub_queue_release(q, 20), 2);
    cr_assert_eq(hub_queue_in_flight(q), 0);
    uint32_t attempt = 0;
    const hub_event_t *ev = hub_queue_next(q, 20, 20, &attempt);
    cr_assert_not_null(ev);
    cr_assert_eq(attempt, 2, "the second attempt of the released item");
    hub_queue_destroy(&q);
}

Test(hub_queue, timeout_backs_off_then_dead_letters)
{
    hub_queue_t *q = hub_queue_new(&CFG);
    s_push(q, 1, "a");
    hub_queue_info_t dead[4];
    cr_assert_eq(s_next(q, 0), 1);                       /* attempt 1, due 1000 */
    cr_assert_eq(hub_queue_expire(q, 999, dead, 4), 0);
    cr_assert_eq(hub_queue_in_flight(q), 1, "not due yet");
    cr_assert_eq(hub_queue_expire(q, 1000, dead, 4), 0); /* back, not before 1100 */
    cr_assert_eq(hub_queue_in_flight(q), 0);
    cr_assert_eq(s_next(q, 1099), 0, "backoff of 100 ms not over");
    cr_assert_eq(s_next(q, 1100), 1);                    /* attempt 2, due 2100 */
    cr_assert_eq(hub_queue_expire(q, 2100, dead, 4), 0); /* backoff doubles: 200 */
    cr_assert_eq(s_next(q, 2299), 0);
    cr_assert_eq(s_next(q, 2300), 1);                    /* attempt 3 = max */
    cr_assert_eq(hub_queue_expire(q, 3300, dead, 4), 1);
    cr_assert_eq(dead[0].seq, 1);
    cr_assert_eq(dead[0].attempts, 3);
    cr_assert_eq(hub_queue_held(q), 0);
    hub_queue_destroy(&q);
}

Test(hub_queue, waiting_lane_wakes_while_others_stay_busy)
{
    hub_queue_t *q = hub_queue_new(&CFG);
    for (uint64_t i = 1; i <= 100; i++) {
        char key[16];
        snprintf(key, sizeof key, "c%llu", (unsigned long long)(i % 10));
        s_push(q, i, key);
    }
    cr_assert_eq(s_next(q, 0), 1);
    cr_assert_eq(hub_queue_expire(q, 1000, (hub_queue_info_t[1]){{0}}, 1), 0);
    /* Client c1 waits for its backoff while the others keep the ready list
     * full; once the backoff passes, c1 must get its turn. */
    int seen = 0;
    for (int round = 0; round < 200 && !seen; round++) {
        const hub_event_t *ev = hub_queue_next(q, 1200, 1200, NULL);
        if (!ev)
            break;
        if (ev->seq == 1)
            seen = 1;
        else
            hub_queue_ack(q, ev->seq, 1200, NULL);
    }
    cr_assert(seen, "the backed-off client was starved");
    hub_queue_destroy(&q);
}

/* Issue 13, found 3: a consumer that crashes on one event (its session lost
 * with that event in flight). The events delivered with it are not resent on
 * every crash: after the second loss they go one at a time, so the poison
 * meets the consumer alone and is dead after max attempts crashes - without
 * waiting for an ack timeout. (Before: every crash resent all of them, and
 * only ack timeouts counted toward the dead letter.) */
Test(hub_queue, a_poison_event_is_found_alone_and_dead_after_max_crashes)
{
    hub_queue_t *q = hub_queue_new(&CFG); /* max_attempts 3 */
    for (uint64_t s = 1; s <= 5; s++) {
        char client[8];
        snprintf(client, sizeof client, "c%llu", (unsigned long long)s);
        s_push(q, s, client);
    }
    const uint64_t poison = 3;
    unsigned sends[6] = {0};
    hub_queue_info_t dead[4];
    int64_t now = 0;
    size_t ndead = 0;
    /* The consumer takes everything it may, and crashes when it meets the
     * poison; its replacement connects at once (now + 1). */
    for (int round = 0; round < 20 && hub_queue_held(q) > 0; round++) {
        uint64_t got[5];
        size_t n = 0;
        uint64_t s;
        while (n < 5 && (s = s_next(q, now)) != 0) {
            sends[s]++;
            got[n++] = s;
        }
        int crashed = 0;
        for (size_t i = 0; i < n; i++)
            crashed |= got[i] == poison;
        if (crashed) {
            hub_queue_release(q, now);
        } else {
            for (size_t i = 0; i < n; i++)
                cr_assert_eq(hub_queue_ack(q, got[i], now, NULL), 0);
        }
        ndead += hub_queue_expire(q, now, dead + ndead, 4 - ndead);
        now += 1;
    }
    cr_assert_eq(ndead, 1, "the poison is dead-lettered");
    cr_assert_eq(dead[0].seq, poison);
    cr_assert_eq(dead[0].attempts, 3);
    cr_assert_eq(sends[poison], 3, "one delivery per attempt");
    for (uint64_t s = 1; s <= 5; s++)
        if (s != poison)
            cr_assert_leq(sends[s], 3, "event %llu was sent %u times with the poison",
                          (unsigned long long)s, sends[s]);
    cr_assert_eq(hub_queue_held(q), 0);
    cr_assert_eq(hub_queue_suspects(q), 0, "every suspect settled");
    hub_queue_destroy(&q);
}

/* After the suspects are settled, deliveries run at full concurrency again. */
Test(hub_queue, suspects_settled_restore_concurrency)
{
    hub_queue_t *q = hub_queue_new(&CFG);
    s_push(q, 1, "a");
    s_push(q, 2, "b");
    cr_assert_eq(s_next(q, 0), 1);
    hub_queue_release(q, 0); /* a crash with 1 in flight: an ordinary restart */
    cr_assert_eq(hub_queue_suspects(q), 0);
    uint64_t x = s_next(q, 0), y = s_next(q, 0);
    cr_assert_eq(x + y, 3, "both in flight: full speed after one loss (%llu, %llu)",
                 (unsigned long long)x, (unsigned long long)y);
    cr_assert_eq(hub_queue_ack(q, 2, 0, NULL), 0);
    hub_queue_release(q, 0); /* 1 in flight at a second loss: a suspect */
    cr_assert_eq(hub_queue_suspects(q), 1);
    s_push(q, 2, "b");
    uint64_t first = s_next(q, 1);
    cr_assert(first == 1 || first == 2, "one at a time...");
    cr_assert_eq(s_next(q, 1), 0, "...while a suspect is held");
    cr_assert_eq(hub_queue_ack(q, first, 1, NULL), 0);
    cr_assert_eq(s_next(q, 1), 3 - first);
    cr_assert_eq(hub_queue_ack(q, 3 - first, 1, NULL), 0);
    cr_assert_eq(hub_queue_suspects(q), 0);
    s_push(q, 3, "c");
    s_push(q, 4, "d");
    cr_assert_eq(s_next(q, 2), 3);
    cr_assert_eq(s_next(q, 2), 4, "two in flight again");
    hub_queue_destroy(&q);
}

/* Issue 13, found 2: a delivery whose disclosure row could not be written was
 * never sent: it goes back unsent, its attempt not counted. */
Test(hub_queue, an_unsent_delivery_goes_back_without_an_attempt)
{
    hub_queue_t *q = hub_queue_new(&CFG);
    s_push(q, 1, "a");
    for (int i = 0; i < 10; i++) { /* ten failed writes in a row: max_attempts is 3 */
        cr_assert_eq(s_next(q, i * 100), 1);
        cr_assert_eq(hub_queue_unsend(q, 1, i * 100, i * 100 + 50), 0);
        cr_assert_eq(s_next(q, i * 100 + 49), 0, "not before its due time");
    }
    uint32_t attempt = 0;
    cr_assert_not_null(hub_queue_next(q, 2000, 2000, &attempt));
    cr_assert_eq(attempt, 1, "the first real send is attempt 1");
    hub_queue_info_t dead[2];
    cr_assert_eq(hub_queue_expire(q, 2000 + 999, dead, 2), 0, "nothing dead");
    cr_assert_eq(hub_queue_unsend(q, 99, 0, 0), -1);
    hub_queue_destroy(&q);
}
