/*  hub_router.c - the hub's single-threaded loop over ROUTER + PostgreSQL.
 *
 *  Runs the loop (hub_router_run), holds the sessions (HELLO, heartbeats,
 *  BYE), reads and routes every packet, and sends with never-blocking sends.
 *  It does not batch or journal events (hub_publish.c), schedule deliveries or
 *  record acks (hub_deliver.c), or load the journal at start or render the
 *  operator pages (hub_state.c). The state they share, with its owners and
 *  invariants, is in hub_router_int.h; the loop's shape in hub_router.h and
 *  what each packet means in docs/protocol.md. Memory per packet is released
 *  at the end of its handling (a PUBLISH keeps its packet until its batch is
 *  confirmed).
 */
#include "hub_router_int.h"

#include "hub_lease.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "silta_log.h"
#include "silta_notify.h"
#include "silta_time.h"

#define S_TICK_MS 50
#define S_HOLD_BATCHES 16 /* PUBLISHes held: this many batches */

/* ------------------------------------------------------------------------ */
/* sending                                                                   */

int hub_router_send(hub_router_t *hub, hub_router_session_t *s, const uint8_t *rid, size_t rid_len,
                    silta_packet_t *p)
{
    if (s && s->gone)
        return -1;
    if (s) {
        rid = s->rid;
        rid_len = s->rid_len;
    }
    /* Never block: a peer that does not read its socket cannot stall the hub.
     * It loses this packet instead: a DELIVER stays in flight and is resent
     * after the ack timeout; a lost CONFIRM leaves the event unconfirmed at the
     * publisher, which publishes it again after its next reconnect and gets a
     * duplicate CONFIRM. */
    if (silta_codec_sendf(hub->router, rid, rid_len, p, ZMQ_DONTWAIT) != 0) {
        if (s && errno == EHOSTUNREACH)
            hub_router_session_gone(hub, s, "peer unreachable");
        else if (errno == EAGAIN && hub_router_warn_ok(hub))
            silta_warn("peer queue full; packet dropped", "peer=%s", s ? s->rid_hex : "unknown");
        return -1;
    }
    if (s)
        s->last_sent_ms = silta_mono_ms();
    return 0;
}

/* Rate-limited warning for input that peers control (malformed packets):
 * at most 10 lines a second, so a hostile peer cannot flood the log. */
int hub_router_warn_ok(hub_router_t *hub)
{
    int64_t now = silta_mono_ms();
    if (now - hub->last_warn_ms >= 1000) {
        hub->last_warn_ms = now;
        hub->warn_burst = 0;
    }
    return hub->warn_burst++ < 10;
}

void hub_router_nack(hub_router_t *hub, hub_router_session_t *s, const uint8_t *rid, size_t rid_len,
                     uint64_t seq, uint32_t code, const char *reason)
{
    Silta__Nack nack = SILTA__NACK__INIT;
    nack.seq = seq;
    nack.code = code;
    nack.reason = (char *)reason;
    silta_packet_t p = SILTA__PACKET__INIT;
    p.cmd_case = SILTA__PACKET__CMD_NACK;
    p.nack = &nack;
    hub->m.nacked++;
    hub_router_send(hub, s, rid, rid_len, &p);
}

static void s_bye(hub_router_t *hub, const uint8_t *rid, size_t rid_len, const char *reason)
{
    Silta__Bye bye = SILTA__BYE__INIT;
    bye.reason = (char *)reason;
    silta_packet_t p = SILTA__PACKET__INIT;
    p.cmd_case = SILTA__PACKET__CMD_BYE;
    p.bye = &bye;
    hub_router_send(hub, NULL, rid, rid_len, &p);
}

/* ------------------------------------------------------------------------ */
/* sessions                                                                  */

void hub_router_session_gone(hub_router_t *hub, hub_router_session_t *s, const char *why)
{
    if (s->gone)
        return;
    s->gone = why;
    hub->ngone++;
}

/* The newest live standby of c gets it (c has no session now). */
static void s_promote_standby(hub_router_t *hub, hub_router_consumer_t *c)
{
    hub_router_session_t *best = NULL;
    for (size_t i = 0; i < hub->nsessions; i++) {
        hub_router_session_t *s = hub->sessions[i];
        if (s->standby_for == c && !s->gone &&
            (!best || s->connected_wall_ms > best->connected_wall_ms))
            best = s;
    }
    if (!best)
        return;
    silta_info("standby takes the consumer back", "consumer=%s peer=%s credit=%u", c->name,
               best->rid_hex, best->standby_credit);
    hub_deliver_consumer_attach(c, best, best->standby_credit);
}

/* Free s (marked gone or not): detach its consumer, unindex it, and hand the
 * consumer to its standby if it has one. */
static void s_session_free(hub_router_t *hub, hub_router_session_t *s)
{
    silta_info("peer gone", "identity=%s peer=%s reason=\"%s\"", s->identity, s->rid_hex,
               s->gone ? s->gone : "hub stopping");
    hub_router_consumer_t *c = s->consumer;
    if (c)
        hub_deliver_consumer_detach(c);
    silta_map_remove(hub->sessions_by_rid, s->rid, s->rid_len);
    size_t i = s->index;
    hub->sessions[i] = hub->sessions[--hub->nsessions];
    hub->sessions[i]->index = i;
    free(s->identity);
    free(s->name);
    free(s);
    if (c && !hub->closing)
        s_promote_standby(hub, c);
}

void hub_router_reap(hub_router_t *hub)
{
    /* Walk backwards: freeing swaps the last session into the hole. */
    for (size_t i = hub->nsessions; hub->ngone > 0 && i-- > 0;) {
        hub_router_session_t *s = hub->sessions[i];
        if (s->gone) {
            hub->ngone--;
            s_session_free(hub, s);
        }
    }
}

void hub_router_close_sessions(hub_router_t *hub)
{
    hub->closing = 1;
    while (hub->nsessions)
        s_session_free(hub, hub->sessions[hub->nsessions - 1]);
    hub->ngone = 0;
}

static hub_router_session_t *s_session_open(hub_router_t *hub, const uint8_t *rid, size_t rid_len,
                                            const char *identity, const char *address)
{
    if (hub->nsessions == hub->cap_sessions) {
        size_t cap = hub->cap_sessions ? hub->cap_sessions * 2 : 16;
        hub_router_session_t **more = realloc(hub->sessions, cap * sizeof *more);
        if (!more)
            return NULL;
        hub->sessions = more;
        hub->cap_sessions = cap;
    }
    hub_router_session_t *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    memcpy(s->rid, rid, rid_len);
    s->rid_len = rid_len;
    for (size_t i = 0; i < rid_len; i++)
        snprintf(s->rid_hex + 2 * i, 3, "%02x", rid[i]);
    s->identity = strdup(identity && *identity ? identity : "anonymous");
    s->name = strdup("");
    snprintf(s->address, sizeof s->address, "%s", address ? address : "");
    s->last_seen_ms = s->last_sent_ms = silta_mono_ms();
    s->connected_wall_ms = silta_now_ms();
    s->heartbeat_ms = hub->config->heartbeat_ms;
    if (!s->identity || !s->name || silta_map_put(hub->sessions_by_rid, rid, rid_len, s) != 0) {
        free(s->identity);
        free(s->name);
        free(s);
        return NULL;
    }
    s->index = hub->nsessions;
    hub->sessions[hub->nsessions++] = s;
    return s;
}

/* ------------------------------------------------------------------------ */
/* hello                                                                     */

static void s_on_hello(hub_router_t *hub, hub_router_session_t *s, const Silta__Hello *hello)
{
    if (hello->version != SILTA_PROTOCOL_VERSION) {
        hub_router_nack(hub, s, NULL, 0, 0, SILTA__ERROR_CODE__VERSION,
                        "unsupported protocol version");
        return;
    }
    /* A second HELLO on a session restarts it: the peer lost its state. */
    if (s->consumer)
        hub_deliver_consumer_detach(s->consumer);
    s->standby_for = NULL;
    free(s->name);
    s->name = strndup(hello->name ? hello->name : "", 64);
    if (hello->heartbeat_ms >= 100 && hello->heartbeat_ms <= 60000)
        s->heartbeat_ms = (int)hello->heartbeat_ms;
    Silta__Hello h = SILTA__HELLO__INIT;
    h.version = SILTA_PROTOCOL_VERSION;
    h.name = "silta-hub";
    h.heartbeat_ms = (uint32_t)hub->config->heartbeat_ms;
    h.instance = hub->instance;
    silta_packet_t p = SILTA__PACKET__INIT;
    p.cmd_case = SILTA__PACKET__CMD_HELLO;
    p.hello = &h;
    hub_router_send(hub, s, NULL, 0, &p);
    silta_info("peer connected", "identity=%s name=%s peer=%s address=%s", s->identity,
               s->name ? s->name : "", s->rid_hex, s->address);
}

/* ------------------------------------------------------------------------ */
/* receiving                                                                 */

static void s_handle(hub_router_t *hub, const uint8_t *rid, size_t rid_len, zmq_msg_t *msg,
                     int extra)
{
    uint32_t code = 0;
    silta_err_t err;
    hub_router_session_t *s = silta_map_get(hub->sessions_by_rid, rid, rid_len);
    silta_packet_t *p = NULL;
    if (extra) {
        code = SILTA__ERROR_CODE__MALFORMED;
        snprintf(err.msg, sizeof err.msg, "a packet is exactly one frame");
    } else {
        p = silta_codec_decode(zmq_msg_data(msg), zmq_msg_size(msg), hub->config->max_packet,
                               &code, &err);
    }
    if (!p) {
        if (hub_router_warn_ok(hub))
            silta_warn("packet refused", "peer=%s reason=\"%s\"", s ? s->identity : "unknown",
                       err.msg);
        hub_router_nack(hub, s, rid, rid_len, 0, code, err.msg);
        return;
    }
    if (!s) {
        if (p->cmd_case != SILTA__PACKET__CMD_HELLO) {
            hub_router_nack(hub, NULL, rid, rid_len, 0, SILTA__ERROR_CODE__NO_SESSION,
                            "hello first");
            s_bye(hub, rid, rid_len, "no session");
            silta_codec_free(&p);
            return;
        }
        const char *user = zmq_msg_gets(msg, "User-Id");
        const char *addr = zmq_msg_gets(msg, "Peer-Address");
        s = s_session_open(hub, rid, rid_len, user, addr);
        if (!s) {
            silta_codec_free(&p);
            return;
        }
    }
    s->last_seen_ms = silta_mono_ms();
    switch (p->cmd_case) {
    case SILTA__PACKET__CMD_HELLO:
        s_on_hello(hub, s, p->hello);
        break;
    case SILTA__PACKET__CMD_PUBLISH:
        hub_publish_on_publish(hub, s, &p);
        break;
    case SILTA__PACKET__CMD_SUBSCRIBE:
        hub_deliver_on_subscribe(hub, s, p->subscribe);
        break;
    case SILTA__PACKET__CMD_CREDIT: {
        uint32_t *credit = s->consumer ? &s->consumer->credit
                           : s->standby_for ? &s->standby_credit
                                            : NULL;
        if (credit) {
            uint64_t c = (uint64_t)*credit + p->credit->credit;
            *credit = c > HUB_ROUTER_MAX_CREDIT ? HUB_ROUTER_MAX_CREDIT : (uint32_t)c;
        }
        break;
    }
    case SILTA__PACKET__CMD_ACK:
        hub_deliver_on_ack(hub, s, p->ack->delivery_id, NULL);
        break;
    case SILTA__PACKET__CMD_REJECT:
        hub_deliver_on_ack(hub, s, p->reject->delivery_id,
                           p->reject->reason && *p->reject->reason ? p->reject->reason
                                                                   : "rejected");
        break;
    case SILTA__PACKET__CMD_HEARTBEAT:
        break;
    case SILTA__PACKET__CMD_BYE:
        hub_router_session_gone(hub, s, "bye");
        break;
    default:
        hub_router_nack(hub, s, NULL, 0, 0, SILTA__ERROR_CODE__MALFORMED,
                        "command not accepted from a peer");
        break;
    }
    silta_codec_free(&p);
}

/* Read up to max packets without blocking, while the PUBLISHes held fit.
 * Returns how many were read. */
static int s_drain(hub_router_t *hub, int max)
{
    int n = 0;
    while (n < max && hub->nbatch < hub->batch_cap) {
        zmq_msg_t rid, msg;
        zmq_msg_init(&rid);
        if (zmq_msg_recv(&rid, hub->router, ZMQ_DONTWAIT) < 0) {
            zmq_msg_close(&rid);
            break;
        }
        zmq_msg_init(&msg);
        int extra = 0;
        if (!zmq_msg_more(&rid) || zmq_msg_recv(&msg, hub->router, 0) < 0) {
            zmq_msg_close(&rid);
            zmq_msg_close(&msg);
            continue;
        }
        while (zmq_msg_more(&msg)) { /* more frames than a packet has: drop them */
            zmq_msg_t junk;
            zmq_msg_init(&junk);
            zmq_msg_recv(&junk, hub->router, 0);
            int more = zmq_msg_more(&junk);
            zmq_msg_close(&junk);
            extra = 1;
            if (!more)
                break;
        }
        if (zmq_msg_size(&rid) <= HUB_ROUTER_MAX_RID)
            s_handle(hub, zmq_msg_data(&rid), zmq_msg_size(&rid), &msg, extra);
        hub_router_reap(hub);
        zmq_msg_close(&rid);
        zmq_msg_close(&msg);
        n++;
    }
    return n;
}

/* ------------------------------------------------------------------------ */
/* timers and the loop                                                       */

static void s_tick(hub_router_t *hub)
{
    int64_t now = silta_mono_ms();
    hub->last_tick_ms = now;
    if (hub->anchor)
        hub_anchor_tick(hub->anchor, hub->journal, now, 0);
    /* Liveness: silent for 3 heartbeats = gone; idle for 1 = send a heartbeat.
     * Walk backwards: dropping swaps the last session into the hole. */
    for (size_t i = hub->nsessions; i-- > 0;) {
        hub_router_session_t *s = hub->sessions[i];
        if (s->gone)
            continue;
        if (now - s->last_seen_ms > 3 * (int64_t)s->heartbeat_ms) {
            hub_router_session_gone(hub, s, "heartbeat timeout");
            continue;
        }
        if (now - s->last_sent_ms >= s->heartbeat_ms) {
            Silta__Heartbeat hb = SILTA__HEARTBEAT__INIT;
            silta_packet_t p = SILTA__PACKET__INIT;
            p.cmd_case = SILTA__PACKET__CMD_HEARTBEAT;
            p.heartbeat = &hb;
            hub_router_send(hub, s, NULL, 0, &p);
        }
    }
    /* Ack timeouts and dead letters - not while the database is away: a
     * dead letter could not be written, and an ack that came meanwhile could
     * not be recorded either. */
    int db_up = hub_journal_fd(hub->journal) >= 0;
    for (size_t i = 0; db_up && i < hub->nconsumers; i++) {
        hub_router_consumer_t *c = hub->consumers[i];
        hub_queue_info_t dead[64];
        size_t nd = hub_queue_expire(c->queue, now, dead, 64);
        for (size_t k = 0; k < nd; k++) {
            hub->m.dead++;
            silta_warn("delivery dead-lettered", "consumer=%s seq=%llu attempts=%u", c->name,
                       (unsigned long long)dead[k].seq, dead[k].attempts);
            hub_deliver_dead(hub, c, &dead[k], "dead", "max attempts");
        }
    }
    if (now - hub->last_snapshot_ms >= 1000) {
        hub_state_snapshot(hub);
        silta_debug("stats",
                    "published=%llu confirmed=%llu duplicates=%llu nacked=%llu "
                    "delivered=%llu acked=%llu dead=%llu",
                    (unsigned long long)hub->m.published, (unsigned long long)hub->m.confirmed,
                    (unsigned long long)hub->m.duplicates, (unsigned long long)hub->m.nacked,
                    (unsigned long long)hub->m.delivered, (unsigned long long)hub->m.acked,
                    (unsigned long long)hub->m.dead);
    }
    if (hub_journal_fd(hub->journal) < 0 && now >= hub->db_retry_ms) {
        silta_err_t err;
        if (hub_journal_reconnect(hub->journal, &err) != 0) {
            if (now - hub->db_warned_ms >= 10000) { /* once per 10 s of outage */
                silta_warn("database unavailable", "reason=\"%s\"", err.msg);
                hub->db_warned_ms = now;
            }
            hub->db_retry_ms = now + HUB_JOURNAL_RECONNECT_MS;
        }
    }
    hub_router_reap(hub);
}

/* Publishers are busy: PUBLISHes are held, or a batch committed within the
 * batch window. */
static int s_publishing(const hub_router_t *hub, int64_t now)
{
    return hub->nbatch || now - hub->last_commit_ms < hub->config->batch_wait_ms;
}

/* The turn's one write: the PUBLISHes to commit (when commit) and the
 * checkpoint (the round's disclosure rows; the outcomes and cursors when the
 * turn writes anyway or SILTA_HUB_ACK_FLUSH_MS passed) in ONE statement, so
 * one commit; then the CONFIRMs, then the round's DELIVERs. */
static void s_write_turn(hub_router_t *hub, int commit)
{
    int acks_due = silta_mono_ms() - hub->last_ack_flush_ms >= hub->config->ack_flush_ms;
    hub_deliver_checkpoint_t dc;
    int ck = hub_deliver_checkpoint_begin(hub, &dc, commit || acks_due);
    if (commit)
        hub_publish_commit(hub, ck ? &dc : NULL);
    else if (ck)
        hub_deliver_checkpoint_write(hub, &dc);
    hub_deliver_send_dispatched(hub);
    hub_router_reap(hub);
}

int hub_router_run(const hub_router_config_t *config, volatile sig_atomic_t *stop,
                   silta_err_t *err)
{
    hub_router_t hub;
    memset(&hub, 0, sizeof hub);
    hub.config = config;
    silta_uuid_v7(hub.instance);
    hub.started_wall_ms = silta_now_ms();
    hub.sessions_by_rid = silta_map_new();
    /* Held PUBLISHes: enough for several publishers' windows, so the socket
     * is read empty each turn (see s_drain's caller). */
    hub.batch_cap = (size_t)config->batch_max * S_HOLD_BATCHES;
    hub.batch = calloc(hub.batch_cap, sizeof *hub.batch);
    hub.rows = calloc((size_t)config->batch_max, sizeof *hub.rows);
    hub.envs = calloc((size_t)config->batch_max, sizeof *hub.envs);
    hub.publish_budget = (size_t)config->batch_max;
    if (!hub.sessions_by_rid || !hub.batch || !hub.rows || !hub.envs) {
        hub_state_close(&hub);
        return silta_err_set(err, SILTA_ERR, "out of memory");
    }
    int rc = hub_state_open(&hub, err);
    if (rc != 0) {
        hub_state_close(&hub);
        return rc;
    }
    hub_state_snapshot(&hub);
    silta_info("hub ready", "bind=%s instance=%s authorized_keys=%d policy_routes=%d metrics=%s",
               config->bind, hub.instance, hub_auth_count(hub.auth), hub_policy_routes(hub.policy),
               config->metrics_bind ? config->metrics_bind : "off");
    silta_notify_ready("silta-hub");

    while (!*stop) {
        silta_notify_watchdog();
        int64_t now = silta_mono_ms();
        long timeout = S_TICK_MS - (now - hub.last_tick_ms);
        if (hub.nbatch) {
            long left = config->batch_wait_ms - (now - hub.batch_opened_ms);
            if (left < timeout)
                timeout = left;
        }
        /* A round is owed: it goes with the batch held (whose window bounds the
         * wait above), else when the window after the last commit ends (at
         * once when that has passed). Never 0 while a batch is held: that
         * would spin until the batch commits. */
        if (hub.dispatch_due && !hub.nbatch) {
            long left = config->batch_wait_ms - (now - hub.last_commit_ms);
            if (left < timeout)
                timeout = left;
        }
        if (timeout < 0)
            timeout = 0;
        zmq_pollitem_t items[3] = {{hub.router, 0, ZMQ_POLLIN, 0},
                                   {NULL, hub.http ? hub_http_fd(hub.http) : -1, ZMQ_POLLIN, 0},
                                   {NULL, hub_journal_fd(hub.journal), ZMQ_POLLIN, 0}};
        int nitems = items[2].fd >= 0 ? 3 : 2;
        if (!hub.http) /* poll skips nothing: give it a harmless copy of the router */
            items[1] = (zmq_pollitem_t){hub.router, 0, 0, 0};
        if (zmq_poll(items, nitems, timeout) < 0 && errno != EINTR)
            break;
        if (hub.http)
            hub_http_turn(hub.http);
        if (hub.http && (items[1].revents & ZMQ_POLLIN))
            hub_http_serve(hub.http);
        /* Read the socket empty (up to what may be held): ZeroMQ hands out one
         * packet per peer in turn, so reading only as many as one commit takes
         * would leave a consumer's ACKs behind every publisher's PUBLISHes, and
         * a consumer gets no more DELIVERs a turn than it ACKed. */
        int got = s_drain(&hub, (int)hub.batch_cap + 10000);
        if (nitems == 3 && (items[2].revents & ZMQ_POLLIN))
            hub_journal_poll_notifications(hub.journal, hub_state_on_replay, &hub);
        if (silta_mono_ms() - hub.last_tick_ms >= S_TICK_MS)
            s_tick(&hub);
        /* Natural group commit: while one batch commits, the next one fills. A
         * batch is written when it reached this turn's budget, or the socket is
         * drained and its window passed. */
        now = silta_mono_ms();
        int commit = hub.nbatch && (hub.nbatch >= hub.publish_budget || got == 0 ||
                                    now - hub.batch_opened_ms >= config->batch_wait_ms);
        /* The round goes first: its disclosure rows are written with this
         * turn's batch, and it sets the batch's budget (fairness). While
         * publishers are busy a round waits for the next batch (at most
         * SILTA_HUB_BATCH_WAIT_MS), so one commit carries both. A batch with
         * a consent commits on its own first: the round is then decided on
         * the consent state its CONFIRM announces. */
        int consent = commit && hub_publish_holds_consent(&hub);
        if (consent) {
            hub_publish_commit(&hub, NULL);
            commit = 0;
        }
        if (commit || consent || !s_publishing(&hub, now)) {
            hub_deliver_page_all(&hub);
            hub_deliver_dispatch_all(&hub);
        } else {
            hub.dispatch_due = 1; /* owed: poll wakes for it by the batch window's end */
        }
        s_write_turn(&hub, commit);
        silta_err_t lerr;
        if (config->lease && hub_lease_check(config->lease, &lerr) != 0) {
            /* Fenced: another hub serves now. Stop at once - no flush, no
             * checkpoint: what this hub holds is the other one's to deliver. */
            silta_error("lease lost; this hub stops serving", "reason=\"%s\"", lerr.msg);
            hub_state_close(&hub);
            return silta_err_set(err, SILTA_ERR, "%s", lerr.msg);
        }
    }

    /* Clean stop: what has arrived is committed and confirmed, acks written. */
    silta_info("hub stopping", "reason=signal");
    silta_notify_stopping();
    hub.publish_budget = (size_t)config->batch_max;
    for (int left = 1000000, got = 1; left > 0 && got > 0; left -= got) {
        got = s_drain(&hub, left);
        hub_publish_flush(&hub);
    }
    hub_deliver_flush_acks(&hub);
    hub_state_snapshot(&hub);
    if (hub.anchor)
        hub_anchor_tick(hub.anchor, hub.journal, silta_mono_ms(), 1);
    silta_info("hub stopped", "published=%llu confirmed=%llu delivered=%llu acked=%llu",
               (unsigned long long)hub.m.published, (unsigned long long)hub.m.confirmed,
               (unsigned long long)hub.m.delivered, (unsigned long long)hub.m.acked);
    hub_state_close(&hub);
    return SILTA_OK;
}
