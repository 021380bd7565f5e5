/*  hub_queue.h - one consumer's pending deliveries, in memory.
 *
 *  It holds the window of a consumer's backlog that is in memory (the durable
 *  state is the consumer's cursor, hub_cursor.h, over the journal); this module
 *  is the scheduler and does no I/O. It decides which event goes
 *  out next under two rules from docs/protocol.md:
 *
 *    * per-client order: at most one delivery per client_key is in flight, and
 *      a client's events go out in the order they were pushed (journal order);
 *    * redelivery: an in-flight item not acknowledged by its due time goes back
 *      with a backoff that doubles per attempt; at max attempts it is dead;
 *    * poison isolation: items in flight at two session losses of their
 *      consumer are suspects and go out one at a time until each is settled,
 *      so a consumer that crashes on one event meets it alone, and it is dead
 *      after max attempts crashes (not only by ack timeouts).
 *
 *  Structure: a lane per client_key holds that client's items as a FIFO. A lane
 *  is in exactly one of: the ready list (its head may be sent now), the waiting
 *  list (its head waits for a backoff), or neither (busy: its head is in
 *  flight; or empty, and then it is freed).
 *
 *     push --> [lane FIFO] --next()--> in flight --ack()--> gone (caller logs it)
 *                  ^                       |
 *                  +---- expire()/release()+--> dead (attempts >= max)
 */
#ifndef HUB_QUEUE_H
#define HUB_QUEUE_H

#include <stddef.h>
#include <stdint.h>

#include "silta_codec.h"

/* One journalled event, shared (ref-counted) by every queue that holds it. */
typedef struct {
    uint64_t seq;
    int refs;
    silta_envelope_t *env; /* owned */
} hub_event_t;

/* Takes ownership of env; refs starts at 1. NULL on out of memory (env freed). */
hub_event_t *hub_event_new(uint64_t seq, silta_envelope_t *env);
void hub_event_ref(hub_event_t *ev);
/* Drop one reference; frees at zero; sets *ev_p NULL. */
void hub_event_unref(hub_event_t **ev_p);

typedef struct {
    int64_t ack_timeout_ms;   /* in flight longer than this: redeliver */
    int64_t backoff_base_ms;  /* first redelivery delay; doubles per attempt */
    int64_t backoff_max_ms;
    uint32_t max_attempts;    /* at this many attempts a delivery is dead */
} hub_queue_config_t;

/* What the caller needs to log an item that left the queue. */
typedef struct {
    uint64_t seq;
    uint32_t attempts;
    int64_t sent_wall_ms;     /* wall clock of the last send, 0 if never sent */
} hub_queue_info_t;

typedef struct hub_queue_t hub_queue_t;

hub_queue_t *hub_queue_new(const hub_queue_config_t *config);
void hub_queue_destroy(hub_queue_t **self_p);

/* Add ev for delivery (takes a reference). attempts: deliveries already made
 * (0 for a new event). Returns 0; 1 when seq is already held (nothing changes);
 * -1 on out of memory. */
int hub_queue_push(hub_queue_t *self, hub_event_t *ev, uint32_t attempts);

/* The next item to send at now_ms, marked in flight (attempts + 1, due at
 * now + ack timeout), or NULL when nothing may go out. The event is borrowed. */
const hub_event_t *hub_queue_next(hub_queue_t *self, int64_t now_ms, int64_t wall_ms,
                                  uint32_t *attempt_out);

/* Retire seq after an ACK. Allowed for an item in flight, or for a queued item
 * at the head of its lane (an ACK that crossed a hub restart). Returns 0 with
 * *info filled, or -1 when seq is not held or not at the head. */
int hub_queue_ack(hub_queue_t *self, uint64_t seq, int64_t now_ms, hub_queue_info_t *info);

/* Remove an in-flight seq for the dead-letter queue (REJECT). Same contract
 * as ack. */
int hub_queue_reject(hub_queue_t *self, uint64_t seq, int64_t now_ms, hub_queue_info_t *info);

/* The session went away (a consumer that crashes on an event takes its
 * session with it): every in-flight item may go again at once; one that was
 * in flight at an earlier loss too becomes a suspect, and while any suspect is
 * held items go one at a time, so a poison event is found alone. An item that
 * has used its max attempts stays in flight, due now, for the next expire()
 * to dead-letter. Returns how many were released. */
size_t hub_queue_release(hub_queue_t *self, int64_t now_ms);

/* Held items still suspect (0 when deliveries run at full concurrency). */
size_t hub_queue_suspects(const hub_queue_t *self);

/* An in-flight seq that was never sent (its disclosure row could not be
 * written) goes back to its lane, due at due_ms, its attempt not counted.
 * Returns 0, or -1 when seq is not in flight. */
int hub_queue_unsend(hub_queue_t *self, uint64_t seq, int64_t now_ms, int64_t due_ms);

/* Items in flight past their due time go back with backoff; those that reached
 * max attempts are removed and written to dead[] (up to max_dead; the rest stay
 * in flight until the next call). Returns the number written to dead[]. */
size_t hub_queue_expire(hub_queue_t *self, int64_t now_ms, hub_queue_info_t *dead,
                        size_t max_dead);

/* The event of seq when it is in flight (its attempt in *attempt_out), else
 * NULL. Borrowed. */
const hub_event_t *hub_queue_in_flight_event(const hub_queue_t *self, uint64_t seq,
                                             uint32_t *attempt_out);

/* recorded_at (unix ms) of the oldest event held, or 0 when empty. */
int64_t hub_queue_oldest_recorded_ms(const hub_queue_t *self);

size_t hub_queue_held(const hub_queue_t *self);      /* queued + in flight */
size_t hub_queue_in_flight(const hub_queue_t *self);
/* 1 when seq is held (queued or in flight). */
int hub_queue_holds(const hub_queue_t *self, uint64_t seq);

#endif
