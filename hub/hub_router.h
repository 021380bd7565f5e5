/*  hub_router.h - silta-hub's event loop: sessions, publish, delivery.
 *
 *  One thread owns the ROUTER socket, the database connection and every queue;
 *  nothing is shared, so nothing is locked (the ZAP thread only reads its own
 *  key map; the HTTP server's threads only hand requests over: hub_http.h).
 *  The loop:
 *
 *    poll(router, HTTP hand-over fd, database socket, timeout)
 *      -> read every waiting packet: HELLO / SUBSCRIBE / CREDIT / ACK / ...
 *         handled at once; PUBLISH validated and held (the socket is read
 *         empty each turn, so ACKs never wait behind PUBLISHes)
 *      -> this turn's budget reached, or the router drained and the batch
 *         window passed: one INSERT for the oldest held, then CONFIRMs; new
 *         events go straight to consumers that are caught up
 *      -> refill each attached consumer's window from the journal (its cursor)
 *      -> one dispatch round within each consumer's credit: the checkpoint
 *         (outcomes, cursors, disclosure rows) in one statement, then DELIVERs;
 *         what it sent sets the next turn's publish budget
 *      -> every tick: heartbeats, dead peers, ack timeouts, checkpoint, status
 *      -> (when asked) /metrics, /healthz, status page rendered for hub_http
 *
 *  Least privilege (hub_policy): an identity publishes only the types the
 *  policy gives it and attaches only to its own queues for types it may read.
 *  Before a delivery leaves, its legal basis is checked (a consent-based route
 *  needs a valid consent, hub_consent) and the disclosure is written to the
 *  hash-chained disclosure log; only then is the DELIVER sent.
 */
#ifndef HUB_ROUTER_H
#define HUB_ROUTER_H

#include <signal.h>
#include <stddef.h>

#include "hub_queue.h"
#include "silta_err.h"

typedef struct {
    const char *bind;             /* tcp://127.0.0.1:5555 */
    const char *pg_url;           /* the hub's role: owns nothing (grants.sql) */
    const char *pg_admin_url;     /* the schema's owner, for migrations; NULL: pg_url */
    const char *migrations_dir;
    const char *secret_key_path;  /* hub's CURVE keypair (.key) */
    const char *authorized_dir;   /* NAME.pub files of the peers allowed in */
    const char *policy_path;      /* config/policy.xml */
    const char *policy_xsd;       /* config/schemas/policy.xsd */
    const char *metrics_bind;     /* 127.0.0.1:PORT for /metrics, /healthz, /; NULL: none */
    const char *audit_key_path;   /* Ed25519 key of the disclosure checkpoints; NULL: none */
    const char *audit_file;       /* the checkpoint file outside the database */
    int64_t audit_interval_ms;    /* at most this long between checkpoints (60000) */
    size_t max_packet;            /* bytes */
    int heartbeat_ms;
    int batch_max;                /* events per commit */
    int batch_wait_ms;            /* how long an open batch waits for more */
    int ack_flush_ms;             /* acks are written at least this often */
    hub_queue_config_t queue;
    struct hub_lease_t *lease;    /* held while serving (hub_lease.h); NULL: no lease */
} hub_router_config_t;

/* Run until *stop becomes non-zero (set from a signal handler), then flush:
 * commit and confirm the open batch, write pending acks, close. Returns 0 on
 * a clean stop, or an error code with err filled when it cannot start. */
int hub_router_run(const hub_router_config_t *config, volatile sig_atomic_t *stop,
                   silta_err_t *err);

#endif
