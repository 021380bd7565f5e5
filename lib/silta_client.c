/*  silta_client.c - the peer side of SILTA/1 (docs/protocol.md): session,
 *  heartbeats, reconnect with backoff, publish with confirm, subscribe, credit.
 *
 *  It does not decide what to publish or what a delivery means; it does not
 *  de-duplicate deliveries (consumers do that by event_id). It never blocks
 *  outside silta_client_poll().
 *
 *  The confirm window (publish, CONFIRM, re-sends) is in silta_client_publish.c;
 *  the state both files share is in silta_client_int.h.
 *
 *  Session state machine (protocol.md "Peer"):
 *
 *             s_open(): new socket, connect, send HELLO
 *    [CLOSED] ----------------------------------------> [HELLO_SENT]
 *       ^   ^                                               |  HELLO from hub:
 *       |   |   3 intervals without a HELLO                 |  s_session_opened()
 *       |   +-----------------------------------------------+
 *       |                                                   v
 *       |   BYE, NACK(NO_SESSION) or 3 intervals silent  [READY] <--+ HELLO with a new
 *       +------------------- s_close() -------------------+  +-----+ instance: opened again
 *
 *  s_close() drops the socket (linger 0) and schedules s_open() after a backoff
 *  of 100 ms that doubles up to 5 s and resets when a session opens.
 *  s_session_opened() repeats every remembered SUBSCRIBE (with its original
 *  credit, plus one CREDIT for what was granted since) and re-sends every
 *  unconfirmed PUBLISH, in seq order, as the very bytes first sent (same seq,
 *  same event_id). That one path covers the first session too: what was
 *  published before it opened simply waits in the window.
 *
 *  Invariants:
 *    - Nothing but HELLO goes out before the hub's HELLO (the hub would answer
 *      NACK(NO_SESSION) and BYE).
 *    - Every seq in [head, next_seq) either holds its packed PUBLISH (unsettled)
 *      or is settled (NULL); count is the number unsettled. Settling the lowest
 *      advances head, so publish and settle are O(1) amortised.
 *    - A CONFIRM or NACK for a seq that is not unsettled is dropped: after a
 *      re-send both the old and the new answer may arrive, the caller hears one.
 *    - NACK(UNAVAILABLE) of a publish is not final: the publish goes again
 *      after the retry delay. The caller hears SILTA_CLIENT_UNAVAILABLE once,
 *      for the first such NACK after a CONFIRM (unavailable set until the
 *      next CONFIRM).
 */
#include "silta_client_int.h"
#include "silta_env.h"
#include "silta_log.h"
#include "silta_time.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#define S_BACKOFF_MIN_MS 100
#define S_BACKOFF_MAX_MS 5000
#define S_RETRY_MAX_MS 5000
#define S_DEAD_INTERVALS 3
#define S_HWM 100000
#define S_CLOSE_LINGER_MS 1000 /* destroy: time for the last ACKs and BYE to leave */

/* ---------------------------------------------------------------------------
 * Sending */

int silta_client_send_bytes(silta_client_t *self, const void *buf, size_t len)
{
    if (!self->sock)
        return -1;
    if (zmq_send(self->sock, buf, len, ZMQ_DONTWAIT) < 0)
        return -1;
    self->last_send_ms = silta_mono_ms();
    return 0;
}

int silta_client_send(silta_client_t *self, silta_packet_t *p)
{
    size_t len;
    uint8_t *buf = silta_codec_pack(p, &len);
    if (!buf)
        return -1;
    int rc = silta_client_send_bytes(self, buf, len);
    free(buf);
    return rc;
}

static int s_send_subscribe(silta_client_t *self, const silta_client_sub_t *sub)
{
    silta_packet_t p = SILTA__PACKET__INIT;
    Silta__Subscribe s = SILTA__SUBSCRIBE__INIT;
    s.consumer = sub->consumer;
    s.types = sub->types;
    s.n_types = sub->ntypes;
    s.credit = sub->credit;
    p.cmd_case = SILTA__PACKET__CMD_SUBSCRIBE;
    p.subscribe = &s;
    return silta_client_send(self, &p);
}

static int s_send_credit(silta_client_t *self, uint32_t credit)
{
    silta_packet_t p = SILTA__PACKET__INIT;
    Silta__Credit c = SILTA__CREDIT__INIT;
    c.credit = credit;
    p.cmd_case = SILTA__PACKET__CMD_CREDIT;
    p.credit = &c;
    return silta_client_send(self, &p);
}

static int s_send_heartbeat(silta_client_t *self)
{
    silta_packet_t p = SILTA__PACKET__INIT;
    Silta__Heartbeat h = SILTA__HEARTBEAT__INIT;
    p.cmd_case = SILTA__PACKET__CMD_HEARTBEAT;
    p.heartbeat = &h;
    return silta_client_send(self, &p);
}

static int s_send_bye(silta_client_t *self, const char *reason)
{
    silta_packet_t p = SILTA__PACKET__INIT;
    Silta__Bye b = SILTA__BYE__INIT;
    b.reason = (char *)reason;
    p.cmd_case = SILTA__PACKET__CMD_BYE;
    p.bye = &b;
    return silta_client_send(self, &p);
}

/* ---------------------------------------------------------------------------
 * Session */

static int s_dead_ms(const silta_client_t *self)
{
    int hb =
        self->heartbeat_ms > self->hub_heartbeat_ms ? self->heartbeat_ms : self->hub_heartbeat_ms;
    return S_DEAD_INTERVALS * hb;
}

/* New socket, connect, HELLO. On failure the client stays CLOSED and the next
 * attempt is scheduled; err (may be NULL) gets the reason. */
static int s_open(silta_client_t *self, silta_err_t *err)
{
    void *sock = zmq_socket(self->ctx, ZMQ_DEALER);
    if (!sock)
        return silta_err_set(err, SILTA_ERR, "could not create a socket: %s", zmq_strerror(errno));
    int zero = 0, hwm = S_HWM;
    int64_t maxmsg64 = (int64_t)(2 * self->max_packet);
    int rc = 0;
    rc |= zmq_setsockopt(sock, ZMQ_LINGER, &zero, sizeof zero);
    rc |= zmq_setsockopt(sock, ZMQ_SNDHWM, &hwm, sizeof hwm);
    rc |= zmq_setsockopt(sock, ZMQ_RCVHWM, &hwm, sizeof hwm);
    /* A DELIVER is the publisher's envelope plus headers: allow twice the
     * packet limit, and let libzmq drop a peer that sends more. */
    rc |= zmq_setsockopt(sock, ZMQ_MAXMSGSIZE, &maxmsg64, sizeof maxmsg64);
    rc |= zmq_setsockopt(sock, ZMQ_CURVE_SERVERKEY, self->hub_key.public_z85, SILTA_KEY_Z85_LEN);
    rc |= zmq_setsockopt(sock, ZMQ_CURVE_PUBLICKEY, self->my_key.public_z85, SILTA_KEY_Z85_LEN);
    rc |= zmq_setsockopt(sock, ZMQ_CURVE_SECRETKEY, self->my_key.secret_z85, SILTA_KEY_Z85_LEN);
    if (rc != 0 || zmq_connect(sock, self->endpoint) != 0) {
        int e = errno;
        zmq_close(sock);
        return silta_err_set(err, SILTA_ERR, "could not connect to %s: %s", self->endpoint,
                             zmq_strerror(e));
    }
    self->sock = sock;
    self->state = SILTA_CLIENT_STATE_HELLO_SENT;
    self->hub_heartbeat_ms = 0;
    self->last_recv_ms = silta_mono_ms(); /* the HELLO answer is due within dead_ms */

    silta_packet_t p = SILTA__PACKET__INIT;
    Silta__Hello h = SILTA__HELLO__INIT;
    h.version = SILTA_PROTOCOL_VERSION;
    h.name = self->name;
    h.heartbeat_ms = (uint32_t)self->heartbeat_ms;
    p.cmd_case = SILTA__PACKET__CMD_HELLO;
    p.hello = &h;
    /* Without a connection yet, libzmq queues this HELLO until one is made. */
    silta_client_send(self, &p);
    return SILTA_OK;
}

/* Make the i-th endpoint of the list the current one (the list is
 * comma-separated, spaces around an entry ignored). */
static void s_pick_endpoint(silta_client_t *self, size_t i)
{
    const char *p = self->endpoints;
    for (size_t k = 0; k < i && p; k++) {
        p = strchr(p, ',');
        p = p ? p + 1 : NULL;
    }
    if (!p)
        return;
    while (*p == ' ')
        p++;
    size_t n = strcspn(p, ",");
    while (n > 0 && p[n - 1] == ' ')
        n--;
    char *e = strndup(p, n);
    if (!e)
        return; /* out of memory: stay with the one we have */
    free(self->endpoint);
    free(self->endpoints);
    self->endpoint = e;
    self->cur_endpoint = i;
}

/* Drop the socket and schedule the next attempt. Returns 1 when the caller
 * should report DISCONNECTED (a session had been announced). */
static int s_close(silta_client_t *self, const char *why)
{
    int was_ready = self->state == SILTA_CLIENT_STATE_READY;
    if (self->sock) {
        zmq_close(self->sock);
        self->sock = NULL;
    }
    self->state = SILTA_CLIENT_STATE_CLOSED;
    self->nretry = 0; /* the next session re-sends everything anyway */
    self->retry_at_ms = 0;
    self->resubscribe_at_ms = 0;
    int64_t now = silta_mono_ms();
    self->reconnect_at_ms = now + self->backoff_ms;
    if (was_ready)
        silta_warn("hub session closed", "endpoint=%s reason=\"%s\" unconfirmed=%zu retry_ms=%d",
                   self->endpoint, why, self->count, self->backoff_ms);
    else
        silta_debug("hub not answering", "endpoint=%s reason=\"%s\" retry_ms=%d", self->endpoint,
                    why, self->backoff_ms);
    self->backoff_ms *= 2;
    /* A hub and its standbys: the next attempt goes to the next endpoint, so
     * a client follows the hub that holds the lease (docs/operations.md). */
    if (self->nendpoints > 1)
        s_pick_endpoint(self, (self->cur_endpoint + 1) % self->nendpoints);
    if (self->backoff_ms > S_BACKOFF_MAX_MS)
        self->backoff_ms = S_BACKOFF_MAX_MS;
    int report = self->announced;
    self->announced = 0;
    return report;
}

/* The hub answered HELLO (first session, reconnect, or a restarted hub): repeat
 * the subscriptions and every unconfirmed PUBLISH. */
static void s_session_opened(silta_client_t *self)
{
    self->state = SILTA_CLIENT_STATE_READY;
    self->backoff_ms = S_BACKOFF_MIN_MS;
    self->nretry = 0;
    self->retry_at_ms = 0;
    self->resubscribe_at_ms = 0;
    for (size_t i = 0; i < self->nsubs; i++) {
        self->subs[i].attached = 0;
        s_send_subscribe(self, &self->subs[i]);
    }
    if (self->extra_credit)
        s_send_credit(self, self->extra_credit);
    size_t resent = 0;
    for (uint64_t s = self->head; s < self->next_seq; s++) {
        silta_client_slot_t *slot = &self->slots[s & (self->cap - 1)];
        if (slot->buf) {
            silta_client_publish_send(self, s, slot);
            resent++;
        }
    }
    silta_info("hub session open", "endpoint=%s instance=%s subscriptions=%zu resent=%zu",
               self->endpoint, self->instance, self->nsubs, resent);
    self->announced = 1;
}

static void s_note_garbage(silta_client_t *self, const char *why)
{
    self->garbage++;
    int64_t now = silta_mono_ms();
    /* A confused hub could send a flood; one line a second is enough to see it. */
    if (now - self->garbage_logged_ms >= 1000) {
        silta_warn("dropped a frame from the hub", "reason=\"%s\" dropped=%zu", why, self->garbage);
        self->garbage = 0;
        self->garbage_logged_ms = now;
    }
}

/* ---------------------------------------------------------------------------
 * Receiving: returns 1 when ev was filled, 0 when the frame needs no report. */

static int s_on_hello(silta_client_t *self, const Silta__Hello *h, silta_client_event_t *ev)
{
    const char *inst = h->instance ? h->instance : "";
    int changed = !self->have_instance || strcmp(self->instance, inst) != 0;
    if (self->state == SILTA_CLIENT_STATE_READY && !changed)
        return 0; /* a repeated HELLO from the same hub changes nothing */
    if (self->have_instance && changed)
        silta_warn("hub restarted", "endpoint=%s old_instance=%s instance=%.128s", self->endpoint,
                   self->instance, inst);
    snprintf(self->instance, sizeof self->instance, "%s", inst);
    self->have_instance = 1;
    self->hub_heartbeat_ms = h->heartbeat_ms > 60000 ? 60000 : (int)h->heartbeat_ms;
    s_session_opened(self);
    ev->kind = SILTA_CLIENT_CONNECTED;
    return 1;
}

static int s_on_nack(silta_client_t *self, const Silta__Nack *n, silta_client_event_t *ev)
{
    if (n->code == SILTA__ERROR_CODE__NO_SESSION) {
        if (!s_close(self, "hub does not know this session"))
            return 0;
        ev->kind = SILTA_CLIENT_DISCONNECTED;
        ev->reason = n->reason;
        return 1;
    }
    if (n->seq != 0) {
        silta_client_slot_t *slot = silta_client_publish_slot(self, n->seq);
        if (!slot)
            return 0;
        if (n->code == SILTA__ERROR_CODE__UNAVAILABLE) {
            /* The journal is down: the same bytes go again after a backoff,
             * and the caller hears only the final CONFIRM or NACK. */
            int fresh = !self->retry_at_ms;
            silta_client_publish_retry_later(self, n->seq);
            if (fresh) {
                /* Each round that meets a down journal waits longer; a CONFIRM
                 * shows it is back and resets the delay. */
                self->retry_delay_ms *= 2;
                if (self->retry_delay_ms > S_RETRY_MAX_MS)
                    self->retry_delay_ms = S_RETRY_MAX_MS;
            }
            if (self->unavailable)
                return 0;
            /* Told once per outage, so the caller can say so (and hold off). */
            self->unavailable = 1;
            ev->kind = SILTA_CLIENT_UNAVAILABLE;
            ev->seq = n->seq;
            ev->code = n->code;
            ev->reason = n->reason;
            return 1;
        }
        silta_client_publish_settle(self, slot);
    } else if (n->code == SILTA__ERROR_CODE__UNAVAILABLE && self->nsubs > 0 &&
               !self->resubscribe_at_ms) {
        /* Without a seq this is about a SUBSCRIBE the hub could not record:
         * repeat the subscriptions not yet attached (repeating one is harmless). */
        self->resubscribe_at_ms = silta_mono_ms() + self->retry_delay_ms;
    }
    ev->kind = SILTA_CLIENT_NACK;
    ev->seq = n->seq;
    ev->code = n->code;
    ev->reason = n->reason;
    return 1;
}

static int s_on_deliver(silta_client_t *self, const Silta__Deliver *d, silta_client_event_t *ev)
{
    if (!d->event) {
        /* Nothing a consumer could act on; dead-letter it so an operator sees it
         * instead of it bouncing between timeouts. */
        s_note_garbage(self, "deliver carries no event");
        if (self->state == SILTA_CLIENT_STATE_READY)
            silta_client_reject(self, d->delivery_id, "deliver carries no event");
        return 0;
    }
    ev->kind = SILTA_CLIENT_DELIVER;
    ev->delivery_id = d->delivery_id;
    ev->attempt = d->attempt;
    ev->consumer = d->consumer;
    ev->event = d->event;
    ev->event_id = d->event->event_id;
    return 1;
}

static int s_dispatch(silta_client_t *self, silta_packet_t *p, silta_client_event_t *ev)
{
    switch (p->cmd_case) {
    case SILTA__PACKET__CMD_HELLO:
        return s_on_hello(self, p->hello, ev);
    case SILTA__PACKET__CMD_CONFIRM:
        return silta_client_publish_on_confirm(self, p->confirm, ev);
    case SILTA__PACKET__CMD_NACK:
        return s_on_nack(self, p->nack, ev);
    case SILTA__PACKET__CMD_DELIVER:
        return s_on_deliver(self, p->deliver, ev);
    case SILTA__PACKET__CMD_HEARTBEAT:
        return 0;
    case SILTA__PACKET__CMD_SUBSCRIBE:
        /* silta-hub echoes a SUBSCRIBE once the queue is recorded. */
        for (size_t i = 0; i < self->nsubs; i++)
            if (p->subscribe->consumer &&
                strcmp(self->subs[i].consumer, p->subscribe->consumer) == 0)
                self->subs[i].attached = 1;
        return 0;
    case SILTA__PACKET__CMD_BYE:
        if (!s_close(self, p->bye->reason && *p->bye->reason ? p->bye->reason : "bye from hub"))
            return 0;
        ev->kind = SILTA_CLIENT_DISCONNECTED;
        ev->reason = p->bye->reason;
        return 1;
    default:
        s_note_garbage(self, "a command only a peer sends");
        return 0;
    }
}

/* Read one frame if there is one. Returns 1 (ev filled), 0 (consumed, nothing
 * to report) or -1 (nothing waiting). */
static int s_recv(silta_client_t *self, silta_client_event_t *ev)
{
    if (!self->sock)
        return -1;
    zmq_msg_t msg;
    zmq_msg_init(&msg);
    if (zmq_msg_recv(&msg, self->sock, ZMQ_DONTWAIT) < 0) {
        zmq_msg_close(&msg);
        return -1;
    }
    self->last_recv_ms = silta_mono_ms();
    int more = zmq_msg_more(&msg);
    if (more) {
        /* SILTA/1 is one frame per packet: a multipart message is not ours. */
        zmq_msg_close(&msg);
        while (more) {
            zmq_msg_init(&msg);
            if (zmq_msg_recv(&msg, self->sock, ZMQ_DONTWAIT) < 0) {
                zmq_msg_close(&msg);
                break;
            }
            more = zmq_msg_more(&msg);
            zmq_msg_close(&msg);
        }
        s_note_garbage(self, "multipart message");
        return 0;
    }
    silta_err_t err;
    silta_packet_t *p = silta_codec_decode(zmq_msg_data(&msg), zmq_msg_size(&msg),
                                           2 * self->max_packet, NULL, &err);
    zmq_msg_close(&msg);
    if (!p) {
        s_note_garbage(self, err.msg);
        return 0;
    }
    int rc = s_dispatch(self, p, ev);
    if (rc == 1)
        self->last = p; /* ev borrows from it until the next poll */
    else
        silta_codec_free(&p);
    return rc;
}

/* ---------------------------------------------------------------------------
 * Timers: reconnect, liveness, heartbeat, re-sends. Returns 1 when ev was
 * filled (DISCONNECTED). */

static int s_tick(silta_client_t *self, int64_t now, silta_client_event_t *ev)
{
    if (self->state == SILTA_CLIENT_STATE_CLOSED) {
        if (now >= self->reconnect_at_ms && s_open(self, NULL) != 0) {
            self->reconnect_at_ms = now + self->backoff_ms;
            self->backoff_ms =
                self->backoff_ms * 2 > S_BACKOFF_MAX_MS ? S_BACKOFF_MAX_MS : self->backoff_ms * 2;
        }
        return 0;
    }
    if (now - self->last_recv_ms >= s_dead_ms(self)) {
        if (s_close(self,
                    self->state == SILTA_CLIENT_STATE_READY ? "hub silent" : "no hello from hub")) {
            ev->kind = SILTA_CLIENT_DISCONNECTED;
            ev->reason = "hub silent";
            return 1;
        }
        return 0;
    }
    if (self->state != SILTA_CLIENT_STATE_READY)
        return 0;
    if (self->retry_at_ms && now >= self->retry_at_ms) {
        /* Take the list first: a send that fails again re-schedules itself. */
        uint64_t *list = self->retry;
        size_t n = self->nretry;
        self->retry = NULL;
        self->nretry = self->retry_cap = 0;
        self->retry_at_ms = 0;
        for (size_t i = 0; i < n; i++) {
            silta_client_slot_t *slot = silta_client_publish_slot(self, list[i]);
            if (slot)
                silta_client_publish_send(self, list[i], slot);
        }
        free(list);
    }
    if (self->resubscribe_at_ms && now >= self->resubscribe_at_ms) {
        self->resubscribe_at_ms = 0;
        for (size_t i = 0; i < self->nsubs; i++)
            if (!self->subs[i].attached)
                s_send_subscribe(self, &self->subs[i]);
        if (self->extra_credit) /* a SUBSCRIBE resets the hub's window */
            s_send_credit(self, self->extra_credit);
    }
    if (now - self->last_send_ms >= self->heartbeat_ms)
        s_send_heartbeat(self);
    return 0;
}

/* Milliseconds until the next timer is due (never negative). */
static int64_t s_next_timer(const silta_client_t *self, int64_t now)
{
    int64_t due;
    if (self->state == SILTA_CLIENT_STATE_CLOSED)
        due = self->reconnect_at_ms;
    else {
        due = self->last_recv_ms + s_dead_ms(self);
        if (self->state == SILTA_CLIENT_STATE_READY) {
            int64_t hb = self->last_send_ms + self->heartbeat_ms;
            if (hb < due)
                due = hb;
            if (self->retry_at_ms && self->retry_at_ms < due)
                due = self->retry_at_ms;
            if (self->resubscribe_at_ms && self->resubscribe_at_ms < due)
                due = self->resubscribe_at_ms;
        }
    }
    return due > now ? due - now : 0;
}

/* ---------------------------------------------------------------------------
 * Public API */

static char *s_strdup(const char *s)
{
    return strdup(s ? s : "");
}

silta_client_t *silta_client_new(const silta_client_opts_t *opts, silta_err_t *err)
{
    silta_client_opts_t none;
    memset(&none, 0, sizeof none);
    if (!opts)
        opts = &none;
    const char *endpoint =
        opts->endpoint ? opts->endpoint : silta_env_require("SILTA_HUB_ENDPOINT", err);
    if (!endpoint)
        return NULL;
    const char *hub_pub = opts->hub_public_key ? opts->hub_public_key
                                               : silta_env_require("SILTA_HUB_PUBLIC_KEY", err);
    if (!hub_pub)
        return NULL;
    const char *my_key =
        opts->client_key ? opts->client_key : silta_env_require("SILTA_CLIENT_KEY", err);
    if (!my_key)
        return NULL;

    silta_client_t *self = calloc(1, sizeof *self);
    if (!self) {
        silta_err_set(err, SILTA_ERR, "out of memory");
        return NULL;
    }
    if (silta_keys_load(hub_pub, &self->hub_key, err) != 0 ||
        silta_keys_load(my_key, &self->my_key, err) != 0)
        goto fail;
    if (!self->my_key.secret_z85[0]) {
        silta_err_set(err, SILTA_EINVAL, "key file %s has no secret= line (a .pub was given?)",
                      my_key);
        goto fail;
    }
    self->endpoints = s_strdup(endpoint);
    self->nendpoints = 1;
    for (const char *c = endpoint; *c; c++)
        self->nendpoints += *c == ',';
    if (self->endpoints)
        s_pick_endpoint(self, 0);
    self->name = s_strdup(opts->name ? opts->name : program_invocation_short_name);
    long hb = strtol(silta_env_get("SILTA_HEARTBEAT_MS", "1000"), NULL, 10);
    self->heartbeat_ms = opts->heartbeat_ms > 0    ? opts->heartbeat_ms
                         : hb >= 10 && hb <= 60000 ? (int)hb
                                                   : 1000;
    self->max_unconfirmed = opts->max_unconfirmed ? opts->max_unconfirmed : 10000;
    long maxp = strtol(silta_env_get("SILTA_MAX_PACKET", "0"), NULL, 10);
    self->max_packet = maxp > 0 ? (size_t)maxp : SILTA_MAX_PACKET_DEFAULT;
    self->backoff_ms = S_BACKOFF_MIN_MS;
    self->retry_delay_ms = SILTA_CLIENT_RETRY_MIN_MS;
    self->head = self->next_seq = 1; /* seq 0 means "no seq" in a NACK */
    self->ctx = zmq_ctx_new();
    if (!self->endpoint || !self->name || !self->ctx || silta_client_publish_grow(self) != 0) {
        silta_err_set(err, SILTA_ERR, "could not set up the client: %s",
                      self->ctx ? "out of memory" : zmq_strerror(errno));
        goto fail;
    }
    if (s_open(self, err) != 0)
        goto fail;
    return self;
fail:
    silta_client_destroy(&self);
    return NULL;
}

void silta_client_destroy(silta_client_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    silta_client_t *self = *self_p;
    if (self->sock) {
        if (self->state == SILTA_CLIENT_STATE_READY) {
            /* Let the last ACKs and the BYE leave: unsent ACKs would only make
             * the hub redeliver. Bounded, so a dead hub cannot hold us. */
            s_send_bye(self, "client closing");
            int linger = S_CLOSE_LINGER_MS;
            zmq_setsockopt(self->sock, ZMQ_LINGER, &linger, sizeof linger);
        }
        zmq_close(self->sock);
    }
    if (self->ctx)
        zmq_ctx_term(self->ctx);
    if (self->slots)
        for (uint64_t s = self->head; s < self->next_seq; s++)
            free(self->slots[s & (self->cap - 1)].buf);
    free(self->slots);
    free(self->retry);
    for (size_t i = 0; i < self->nsubs; i++) {
        for (size_t t = 0; t < self->subs[i].ntypes; t++)
            free(self->subs[i].types[t]);
        free(self->subs[i].types);
        free(self->subs[i].consumer);
    }
    free(self->subs);
    silta_codec_free(&self->last);
    free(self->endpoint);
    free(self->name);
    free(self);
    *self_p = NULL;
}

int silta_client_subscribe(silta_client_t *self, const char *consumer, const char *const *types,
                           size_t ntypes, uint32_t credit, silta_err_t *err)
{
    if (!consumer || !*consumer || (ntypes && !types))
        return silta_err_set(err, SILTA_EINVAL, "subscribe needs a consumer name");
    silta_client_sub_t sub = {0};
    sub.consumer = strdup(consumer);
    sub.types = calloc(ntypes ? ntypes : 1, sizeof *sub.types);
    sub.ntypes = ntypes;
    sub.credit = credit;
    int ok = sub.consumer && sub.types;
    for (size_t i = 0; ok && i < ntypes; i++)
        ok = (sub.types[i] = s_strdup(types[i])) != NULL;
    size_t at = self->nsubs;
    for (size_t i = 0; i < self->nsubs; i++)
        if (strcmp(self->subs[i].consumer, consumer) == 0)
            at = i;
    if (ok && at == self->nsubs) {
        silta_client_sub_t *n = realloc(self->subs, (self->nsubs + 1) * sizeof *n);
        if (n)
            self->subs = n;
        ok = n != NULL;
    }
    if (!ok) {
        for (size_t i = 0; sub.types && i < ntypes; i++)
            free(sub.types[i]);
        free(sub.types);
        free(sub.consumer);
        return silta_err_set(err, SILTA_ERR, "out of memory");
    }
    if (at < self->nsubs) {
        /* A later SUBSCRIBE to the same queue replaces the earlier one. */
        for (size_t t = 0; t < self->subs[at].ntypes; t++)
            free(self->subs[at].types[t]);
        free(self->subs[at].types);
        free(self->subs[at].consumer);
    } else
        self->nsubs++;
    self->subs[at] = sub;
    if (self->state == SILTA_CLIENT_STATE_READY && s_send_subscribe(self, &self->subs[at]) != 0)
        silta_warn("subscribe not sent now; repeated on the next session", "consumer=%s", consumer);
    return SILTA_OK;
}

int silta_client_credit(silta_client_t *self, uint32_t credit)
{
    if (credit == 0)
        return SILTA_OK;
    /* Remembered so the next session gets the same window back. */
    self->extra_credit =
        credit > UINT32_MAX - self->extra_credit ? UINT32_MAX : self->extra_credit + credit;
    if (self->state == SILTA_CLIENT_STATE_READY && s_send_credit(self, credit) != 0)
        return SILTA_EAGAIN;
    return SILTA_OK;
}

int silta_client_ack(silta_client_t *self, uint64_t delivery_id)
{
    if (self->state != SILTA_CLIENT_STATE_READY)
        return SILTA_EAGAIN; /* the hub redelivers it on the next session */
    silta_packet_t p = SILTA__PACKET__INIT;
    Silta__Ack a = SILTA__ACK__INIT;
    a.delivery_id = delivery_id;
    p.cmd_case = SILTA__PACKET__CMD_ACK;
    p.ack = &a;
    return silta_client_send(self, &p) == 0 ? SILTA_OK : SILTA_EAGAIN;
}

int silta_client_reject(silta_client_t *self, uint64_t delivery_id, const char *reason)
{
    if (self->state != SILTA_CLIENT_STATE_READY)
        return SILTA_EAGAIN;
    silta_packet_t p = SILTA__PACKET__INIT;
    Silta__Reject r = SILTA__REJECT__INIT;
    r.delivery_id = delivery_id;
    r.reason = (char *)(reason ? reason : "");
    p.cmd_case = SILTA__PACKET__CMD_REJECT;
    p.reject = &r;
    return silta_client_send(self, &p) == 0 ? SILTA_OK : SILTA_EAGAIN;
}

int silta_client_poll(silta_client_t *self, int timeout_ms, silta_client_event_t *ev)
{
    silta_codec_free(&self->last);
    memset(ev, 0, sizeof *ev);
    ev->kind = SILTA_CLIENT_NONE;
    int64_t deadline = timeout_ms < 0 ? INT64_MAX : silta_mono_ms() + timeout_ms;
    for (;;) {
        int64_t now = silta_mono_ms();
        if (s_tick(self, now, ev))
            return 0;
        int rc = s_recv(self, ev);
        if (rc == 1)
            return 0;
        now = silta_mono_ms();
        if (now >= deadline)
            return 0;
        if (rc == 0)
            continue; /* drain what is waiting before sleeping */
        int64_t wait = s_next_timer(self, now);
        if (deadline - now < wait)
            wait = deadline - now;
        if (wait > 60000)
            wait = 60000;
        int n;
        if (self->sock) {
            zmq_pollitem_t item = {self->sock, 0, ZMQ_POLLIN, 0};
            n = zmq_poll(&item, 1, (long)wait);
        } else
            n = poll(NULL, 0, (int)wait);
        if (n < 0 && errno == EINTR)
            return -1;
    }
}

int silta_client_connected(const silta_client_t *self)
{
    return self->state == SILTA_CLIENT_STATE_READY;
}

int silta_client_attached(const silta_client_t *self, const char *consumer)
{
    if (self->state != SILTA_CLIENT_STATE_READY)
        return 0;
    for (size_t i = 0; i < self->nsubs; i++)
        if (strcmp(self->subs[i].consumer, consumer) == 0)
            return self->subs[i].attached;
    return 0;
}
