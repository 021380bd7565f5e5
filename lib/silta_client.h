/*  silta_client.h - the client side of SILTA/1: what every adapter, the bench,
 *  siltactl and the tests use to talk to silta-hub.
 *
 *  One silta_client_t owns one DEALER socket (CURVE client) and everything the
 *  protocol asks of a peer: HELLO, heartbeats, reconnect with backoff, confirm
 *  tracking, re-publishing unconfirmed events after a reconnect (same event_id,
 *  same seq), re-subscribing, credit. It is single-threaded: call it from one
 *  thread, and drive it with silta_client_poll().
 *
 *  Ownership: an envelope passed to publish is copied; the caller keeps its own.
 *  A silta_client_event_t filled by poll borrows from the client until the next
 *  poll call (copy what you keep).
 */
#ifndef SILTA_CLIENT_H
#define SILTA_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "silta_codec.h"
#include "silta_err.h"

typedef struct silta_client_t silta_client_t;

typedef struct {
    /* tcp://127.0.0.1:5555, or a comma-separated list - a hub and its standbys:
     * after each lost session or unanswered HELLO the next one is tried, so the
     * client follows whichever hub holds the lease. Default $SILTA_HUB_ENDPOINT. */
    const char *endpoint;
    const char *hub_public_key;  /* path of the hub's .pub; default $SILTA_HUB_PUBLIC_KEY */
    const char *client_key;      /* path of this peer's .key; default $SILTA_CLIENT_KEY */
    const char *name;            /* self-description for the hub's logs ("silta-bench") */
    int heartbeat_ms;            /* default $SILTA_HEARTBEAT_MS or 1000 */
    size_t max_unconfirmed;      /* publish returns SILTA_EAGAIN above this; default 10000 */
} silta_client_opts_t;

typedef enum {
    SILTA_CLIENT_NONE = 0,   /* poll timed out */
    SILTA_CLIENT_CONFIRM,    /* seq, event_id, duplicate */
    SILTA_CLIENT_NACK,       /* seq, code, reason (seq 0: not about a publish) */
    SILTA_CLIENT_DELIVER,    /* delivery_id, attempt, consumer, event */
    SILTA_CLIENT_CONNECTED,  /* a session (re)opened: HELLO answered by the hub */
    SILTA_CLIENT_DISCONNECTED, /* the hub went silent or said BYE; reconnecting */
    /* The hub cannot store publishes now (its journal, PostgreSQL, is down):
     * seq, code (UNAVAILABLE), reason. Told once per outage; the publishes
     * wait in the window and go again after a delay that doubles to 5 s. The
     * next CONFIRM shows the hub stores them again. */
    SILTA_CLIENT_UNAVAILABLE
} silta_client_event_kind_t;

typedef struct {
    silta_client_event_kind_t kind;
    uint64_t seq;
    const char *event_id;
    int duplicate;
    uint32_t code;
    const char *reason;
    uint64_t delivery_id;
    uint32_t attempt;
    const char *consumer;
    const silta_envelope_t *event; /* DELIVER only */
} silta_client_event_t;

/* Create and connect (asynchronously: the session opens during poll). Unset
 * options come from the environment (call silta_env_load() first). Returns
 * NULL with err filled when keys cannot be read or the socket not made. */
silta_client_t *silta_client_new(const silta_client_opts_t *opts, silta_err_t *err);

/* Send BYE, close the socket, free everything; sets *self_p NULL. Unconfirmed
 * events are dropped: call silta_client_flush() first to wait for them. */
void silta_client_destroy(silta_client_t **self_p);

/* Publish a copy of ev (event_id must be set: silta_uuid_v7() for a new event,
 * a content id for a re-readable input). The seq it got is written to *seq_out.
 * Returns 0, SILTA_EAGAIN when max_unconfirmed are already waiting (poll, then
 * try again), or SILTA_EINVAL when the envelope would be refused anyway.
 * Without a session the event waits and goes out when one opens. Every seq
 * ends in exactly one CONFIRM or NACK event from poll; NACK(UNAVAILABLE) is
 * handled inside (the same bytes are sent again after a backoff). */
int silta_client_publish(silta_client_t *self, const silta_envelope_t *ev, uint64_t *seq_out,
                         silta_err_t *err);

/* Attach to durable queue `consumer` for `types` with an initial credit. The
 * subscription is remembered and repeated after every reconnect. */
int silta_client_subscribe(silta_client_t *self, const char *consumer, const char *const *types,
                           size_t ntypes, uint32_t credit, silta_err_t *err);

/* Grant more credit (the window of unacknowledged deliveries grows). Granted
 * credit is remembered: after a reconnect the hub gets every SUBSCRIBE with its
 * original credit and one CREDIT with the sum granted since, the same window. */
int silta_client_credit(silta_client_t *self, uint32_t credit);

/* Acknowledge / reject a delivery. Returns 0, or SILTA_EAGAIN when no session
 * is open (nothing is sent before the hub's HELLO; the hub puts what the dead
 * session held back in the queue and delivers it again). */
int silta_client_ack(silta_client_t *self, uint64_t delivery_id);
int silta_client_reject(silta_client_t *self, uint64_t delivery_id, const char *reason);

/* Wait up to timeout_ms for the next thing that happened and describe it in
 * *ev. Heartbeats, reconnects and re-sends happen inside. Returns 0 with
 * ev->kind set (SILTA_CLIENT_NONE on timeout), or -1 when the client cannot go
 * on (interrupted by a signal: errno EINTR). */
int silta_client_poll(silta_client_t *self, int timeout_ms, silta_client_event_t *ev);

/* A NACK's code and reason as a libsilta error, into err: UNAVAILABLE is
 * SILTA_EAGAIN; INVALID_PAYLOAD is SILTA_EINVAL with the hub's reason as it is
 * ("FIELD: reason"); the other refusals of a publish (MALFORMED, VERSION,
 * TOO_LARGE, INVALID, FORBIDDEN) SILTA_EINVAL; anything else SILTA_ERR.
 * Returns the code. */
int silta_client_nack_error(uint32_t code, const char *reason, silta_err_t *err);

/* Number of published events not yet confirmed or nacked. */
size_t silta_client_unconfirmed(const silta_client_t *self);

/* Poll until every published event is confirmed or nacked, or timeout_ms
 * passes. Events seen meanwhile are handed to on_event (may be NULL: then
 * deliveries seen here are neither acked nor lost: the hub redelivers them).
 * Returns 0, or SILTA_ETIMEDOUT. */
int silta_client_flush(silta_client_t *self, int timeout_ms,
                       void (*on_event)(const silta_client_event_t *ev, void *arg), void *arg);

/* 1 while a session with the hub is open. */
int silta_client_connected(const silta_client_t *self);

/* 1 once the hub has answered this session's SUBSCRIBE to `consumer` by
 * echoing it (the queue is recorded and durable from then on); 0 before, after
 * a disconnect until the repeated SUBSCRIBE is echoed again, and for a
 * consumer never subscribed. A refused SUBSCRIBE comes as a NACK with seq 0. */
int silta_client_attached(const silta_client_t *self, const char *consumer);

#endif
