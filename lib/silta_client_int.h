/*  silta_client_int.h - internal to libsilta: the state of a silta_client_t,
 *  shared by silta_client.c (session) and silta_client_publish.c (confirm window).
 *
 *  Not a public header: nothing outside lib/silta_client*.c includes it, and it
 *  is not part of the API in silta_client.h. It does no work of its own. The
 *  session state machine and the invariants these fields keep are drawn in
 *  silta_client.c's header.
 */
#ifndef SILTA_CLIENT_INT_H
#define SILTA_CLIENT_INT_H

#include "silta_client.h"
#include "silta_keys.h"

#include <stddef.h>
#include <stdint.h>

#define SILTA_CLIENT_RETRY_MIN_MS 100 /* first re-send after NACK(UNAVAILABLE) */
#define SILTA_CLIENT_INSTANCE_MAX 128

typedef enum {
    SILTA_CLIENT_STATE_CLOSED,
    SILTA_CLIENT_STATE_HELLO_SENT,
    SILTA_CLIENT_STATE_READY
} silta_client_state_t;

typedef struct {
    uint8_t *buf; /* packed PUBLISH packet; NULL once settled */
    size_t len;
} silta_client_slot_t;

typedef struct {
    char *consumer;
    char **types;
    size_t ntypes;
    uint32_t credit;
    int attached; /* the hub echoed this SUBSCRIBE in the current session */
} silta_client_sub_t;

struct silta_client_t {
    void *ctx;
    void *sock; /* NULL while CLOSED */
    silta_client_state_t state;
    char *endpoint;   /* the one connected or tried now: a copy of one of endpoints */
    char *endpoints;  /* the list as given, "tcp://a:1,tcp://b:2" (a hub and its standbys) */
    size_t nendpoints, cur_endpoint;
    char *name;
    silta_keypair_t hub_key;
    silta_keypair_t my_key;
    int heartbeat_ms;
    int hub_heartbeat_ms; /* from the hub's HELLO; 0 before */
    size_t max_unconfirmed;
    size_t max_packet;

    char instance[SILTA_CLIENT_INSTANCE_MAX + 1]; /* hub instance of the last session */
    int have_instance;
    int announced; /* CONNECTED was reported and DISCONNECTED not yet */

    int64_t last_recv_ms;
    int64_t last_send_ms;
    int64_t reconnect_at_ms;
    int backoff_ms;

    /* the confirm window, a ring indexed by seq */
    silta_client_slot_t *slots;
    uint64_t cap; /* power of two */
    uint64_t head;
    uint64_t next_seq;
    size_t count;

    /* seqs to send again after NACK(UNAVAILABLE) or a full send queue */
    uint64_t *retry;
    size_t nretry, retry_cap;
    int64_t retry_at_ms; /* 0: nothing scheduled */
    int retry_delay_ms;
    int unavailable; /* a NACK(UNAVAILABLE) was told (SILTA_CLIENT_UNAVAILABLE), no CONFIRM since */

    silta_client_sub_t *subs;
    size_t nsubs;
    uint32_t extra_credit;     /* CREDIT granted beyond the SUBSCRIBEs */
    int64_t resubscribe_at_ms; /* after NACK(0, UNAVAILABLE); 0: not scheduled */

    silta_packet_t *last; /* what the last poll handed out; freed by the next */
    size_t garbage;       /* undecodable frames since the last warning */
    int64_t garbage_logged_ms;
};

/* silta_client.c: the socket (0, or -1 when closed or the send queue is full). */
int silta_client_send_bytes(silta_client_t *self, const void *buf, size_t len);
int silta_client_send(silta_client_t *self, silta_packet_t *p);

/* silta_client_publish.c: the confirm window, a ring indexed by seq. */
int silta_client_publish_grow(silta_client_t *self);
silta_client_slot_t *silta_client_publish_slot(const silta_client_t *self, uint64_t seq);
void silta_client_publish_settle(silta_client_t *self, silta_client_slot_t *slot);
void silta_client_publish_retry_later(silta_client_t *self, uint64_t seq);
void silta_client_publish_send(silta_client_t *self, uint64_t seq, const silta_client_slot_t *slot);
int silta_client_publish_on_confirm(silta_client_t *self, const Silta__Confirm *c,
                                    silta_client_event_t *ev);

#endif
