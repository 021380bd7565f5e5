/*  hub_router.c - the hub's single-threaded loop over ROUTER + PostgreSQL.
 *
 *  See hub_router.h for the shape of the loop and docs/protocol.md for what
 *  each packet means. Memory per packet is released at the end of its handling
 *  (a PUBLISH keeps its packet until its batch is confirmed).
 */
#include "hub_router.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

#include "hub_auth.h"
#include "hub_consent.h"
#include "hub_contract.h"
#include "hub_http.h"
#include "hub_journal.h"
#include "hub_metrics.h"
#include "hub_policy.h"
#include "events.pb-c.h"
#include "silta_audit.h"
#include "silta_codec.h"
#include "silta_keys.h"
#include "silta_log.h"
#include "silta_map.h"
#include "silta_time.h"
#include "silta_uuid.h"

#define S_MAX_RID 256
#define S_TICK_MS 50
#define S_MAX_TYPES 64
#define S_MAX_CREDIT 100000u

typedef struct s_consumer s_consumer_t;

typedef struct {
    uint8_t rid[S_MAX_RID];
    size_t rid_len;
    char rid_hex[2 * S_MAX_RID + 1];
    char *identity;
    char *name;
    char address[64];
    int64_t last_seen_ms;  /* monotonic */
    int64_t last_sent_ms;  /* monotonic */
    int64_t connected_wall_ms;
    int heartbeat_ms;
    s_consumer_t *consumer;
    size_t index;          /* in hub->sessions */
} s_session_t;

struct s_consumer {
    int id;
    char *name;
    char owner[SILTA_MAX_TYPE_LEN + 1]; /* identity that owns the queue */
    char **types;
    size_t ntypes;
    hub_queue_t *queue;
    s_session_t *session;
    uint32_t credit;
};

typedef struct {
    silta_packet_t *packet; /* owns the envelope */
    uint8_t rid[S_MAX_RID];
    size_t rid_len;
    uint8_t *packed;        /* the envelope as journalled (source, recorded_at set) */
    size_t packed_len;
    char *source;           /* the publisher's authenticated identity */
    int64_t received_us;    /* monotonic, for the confirm latency */
} s_pending_t;

/* A delivery whose disclosure row is being written; sent after the write. */
typedef struct {
    s_consumer_t *consumer;
    uint64_t seq;
} s_outgoing_t;

typedef struct {
    const hub_router_config_t *config;
    hub_policy_t *policy;
    hub_consent_t *consent;
    hub_contract_t *contract;
    char last_hash[SILTA_AUDIT_HASH_LEN + 1];
    s_outgoing_t *out;
    hub_journal_disclosure_t *disclosures;
    size_t nout, cap_out;
    void *ctx;
    void *router;
    hub_auth_t *auth;
    hub_journal_t *journal;
    char instance[SILTA_UUID_STRLEN + 1];
    int64_t started_wall_ms;

    silta_map_t *sessions_by_rid;
    s_session_t **sessions;
    size_t nsessions, cap_sessions;

    s_consumer_t **consumers;
    size_t nconsumers, cap_consumers;

    s_pending_t *batch;
    size_t nbatch;
    int64_t batch_opened_ms;
    hub_journal_row_t *rows;

    hub_journal_ack_t *acks;
    size_t nacks, cap_acks;
    int64_t last_ack_flush_ms;
    int64_t last_snapshot_ms;
    int64_t last_tick_ms;
    int64_t db_retry_ms;

    hub_metrics_t m;       /* counters for /metrics and the log */
    hub_http_t *http;      /* /metrics, /healthz, status page; NULL when not configured */
    int64_t last_warn_ms;
    int warn_burst;
} s_hub_t;

/* ------------------------------------------------------------------------ */
/* sending                                                                   */

static void s_session_drop(s_hub_t *hub, s_session_t *s, const char *why);
static int s_warn_ok(s_hub_t *hub);

static int s_send(s_hub_t *hub, s_session_t *s, const uint8_t *rid, size_t rid_len,
                  silta_packet_t *p)
{
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
            s_session_drop(hub, s, "peer unreachable");
        else if (errno == EAGAIN && s_warn_ok(hub))
            silta_warn("peer queue full; packet dropped", "peer=%s", s ? s->rid_hex : "unknown");
        return -1;
    }
    if (s)
        s->last_sent_ms = silta_mono_ms();
    return 0;
}

/* Rate-limited warning for input that peers control (malformed packets):
 * at most 10 lines a second, so a hostile peer cannot flood the log. */
static int s_warn_ok(s_hub_t *hub)
{
    int64_t now = silta_mono_ms();
    if (now - hub->last_warn_ms >= 1000) {
        hub->last_warn_ms = now;
        hub->warn_burst = 0;
    }
    return hub->warn_burst++ < 10;
}

static void s_nack(s_hub_t *hub, s_session_t *s, const uint8_t *rid, size_t rid_len, uint64_t seq,
                   uint32_t code, const char *reason)
{
    Silta__Nack nack = SILTA__NACK__INIT;
    nack.seq = seq;
    nack.code = code;
    nack.reason = (char *)reason;
    silta_packet_t p = SILTA__PACKET__INIT;
    p.cmd_case = SILTA__PACKET__CMD_NACK;
    p.nack = &nack;
    hub->m.nacked++;
    s_send(hub, s, rid, rid_len, &p);
}

static void s_bye(s_hub_t *hub, const uint8_t *rid, size_t rid_len, const char *reason)
{
    Silta__Bye bye = SILTA__BYE__INIT;
    bye.reason = (char *)reason;
    silta_packet_t p = SILTA__PACKET__INIT;
    p.cmd_case = SILTA__PACKET__CMD_BYE;
    p.bye = &bye;
    s_send(hub, NULL, rid, rid_len, &p);
}

/* ------------------------------------------------------------------------ */
/* consumers                                                                 */

static int s_consumer_wants(const s_consumer_t *c, const char *type)
{
    for (size_t i = 0; i < c->ntypes; i++)
        if (strcmp(c->types[i], type) == 0)
            return 1;
    return 0;
}

static void s_consumer_set_types(s_consumer_t *c, char *const *types, size_t ntypes)
{
    for (size_t i = 0; i < c->ntypes; i++)
        free(c->types[i]);
    free(c->types);
    c->types = calloc(ntypes ? ntypes : 1, sizeof *c->types);
    c->ntypes = 0;
    for (size_t i = 0; c->types && i < ntypes; i++)
        if ((c->types[c->ntypes] = strdup(types[i])))
            c->ntypes++;
}

static s_consumer_t *s_consumer_by_id(s_hub_t *hub, int id)
{
    for (size_t i = 0; i < hub->nconsumers; i++)
        if (hub->consumers[i]->id == id)
            return hub->consumers[i];
    return NULL;
}

static s_consumer_t *s_consumer_by_name(s_hub_t *hub, const char *name)
{
    for (size_t i = 0; i < hub->nconsumers; i++)
        if (strcmp(hub->consumers[i]->name, name) == 0)
            return hub->consumers[i];
    return NULL;
}

static s_consumer_t *s_consumer_add(s_hub_t *hub, int id, const char *name, char *const *types,
                                    size_t ntypes)
{
    if (hub->nconsumers == hub->cap_consumers) {
        size_t cap = hub->cap_consumers ? hub->cap_consumers * 2 : 8;
        s_consumer_t **more = realloc(hub->consumers, cap * sizeof *more);
        if (!more)
            return NULL;
        hub->consumers = more;
        hub->cap_consumers = cap;
    }
    s_consumer_t *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->id = id;
    c->name = strdup(name);
    hub_policy_queue_owner(name, c->owner, sizeof c->owner);
    c->queue = hub_queue_new(&hub->config->queue);
    if (!c->name || !c->queue) {
        free(c->name);
        hub_queue_destroy(&c->queue);
        free(c);
        return NULL;
    }
    s_consumer_set_types(c, types, ntypes);
    hub->consumers[hub->nconsumers++] = c;
    return c;
}

static void s_consumer_free(s_consumer_t *c)
{
    for (size_t i = 0; i < c->ntypes; i++)
        free(c->types[i]);
    free(c->types);
    free(c->name);
    hub_queue_destroy(&c->queue);
    free(c);
}

/* Detach the consumer from its session; what was in flight may go again. */
static void s_consumer_detach(s_consumer_t *c)
{
    if (c->session)
        c->session->consumer = NULL;
    c->session = NULL;
    c->credit = 0;
    size_t n = hub_queue_release(c->queue, silta_mono_ms());
    if (n)
        silta_info("deliveries released", "consumer=%s count=%zu", c->name, n);
}

static void s_record_outcome(s_hub_t *hub, const hub_journal_ack_t *a);

/* Today's date (UTC) as YYYY-MM-DD, for consent expiry. */
static void s_today(char out[11])
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 11, "%Y-%m-%d", &tm);
}

/* Decide what may go to c now: each delivery is checked against the policy and,
 * for a consent-based route, the client's consent. A delivery that may not go
 * is withheld (finished, logged with the reason); one that may is queued in
 * hub->out with its disclosure row, to be sent once the rows are written. */
static void s_dispatch(s_hub_t *hub, s_consumer_t *c)
{
    char today[11];
    s_today(today);
    while (c->session && hub_queue_in_flight(c->queue) < c->credit) {
        uint32_t attempt = 0;
        int64_t wall = silta_now_ms();
        const hub_event_t *ev = hub_queue_next(c->queue, silta_mono_ms(), wall, &attempt);
        if (!ev)
            return;
        const silta_envelope_t *env = ev->env;
        const hub_policy_delivery_t *rule = hub_policy_delivery(hub->policy, env->type, c->owner);
        const char *consent_id = NULL, *withheld = NULL;
        if (!rule)
            withheld = "no route to this recipient in the policy";
        else if (rule->consent_purpose &&
                 !(consent_id = hub_consent_find(hub->consent, env->client_key, c->owner,
                                                 rule->consent_purpose, today)))
            withheld = "no valid consent for this recipient and purpose";
        if (withheld) {
            /* Log first: retiring the item may free the event. */
            silta_info("delivery withheld", "consumer=%s event_id=%s client_key=%s reason=\"%s\"",
                       c->name, env->event_id, env->client_key, withheld);
            hub_queue_info_t info;
            if (hub_queue_ack(c->queue, ev->seq, silta_mono_ms(), &info) == 0) {
                hub_journal_ack_t a = {c->id,          info.seq,   info.attempts, 0,
                                       silta_now_ms(), "withheld", withheld};
                s_record_outcome(hub, &a);
                hub->m.withheld++;
            }
            continue;
        }
        if (hub->nout == hub->cap_out) {
            size_t cap = hub->cap_out ? hub->cap_out * 2 : 1024;
            s_outgoing_t *o = realloc(hub->out, cap * sizeof *o);
            hub_journal_disclosure_t *d = realloc(hub->disclosures, cap * sizeof *d);
            if (o)
                hub->out = o;
            if (d)
                hub->disclosures = d;
            if (!o || !d)
                return; /* stays in flight; the ack timeout sends it again */
            hub->cap_out = cap;
        }
        hub->out[hub->nout] = (s_outgoing_t){c, ev->seq};
        hub_journal_disclosure_t *d = &hub->disclosures[hub->nout];
        *d = (hub_journal_disclosure_t){.at_ms = wall,
                                        .recipient = c->owner,
                                        .client_key = env->client_key,
                                        .event_id = env->event_id,
                                        .type = env->type,
                                        .legal_basis = rule->statute ? rule->statute
                                                                     : rule->consent_purpose,
                                        .consent_ref = consent_id ? consent_id : "",
                                        .xroad_id = env->xroad_id ? env->xroad_id : ""};
        hub->nout++;
    }
}

static void s_dispatch_all(s_hub_t *hub)
{
    for (size_t i = 0; i < hub->nconsumers; i++)
        s_dispatch(hub, hub->consumers[i]);
}

/* Write the disclosure rows of everything dispatched, then send it. If the rows
 * cannot be written nothing is sent: the deliveries stay in flight and go
 * again after the ack timeout. */
static void s_send_dispatched(s_hub_t *hub)
{
    if (hub->nout == 0)
        return;
    /* Chain: each row's hash covers the previous row's hash and its fields.
     * The consent-based basis is recorded as "consent:<purpose>". */
    char prev[SILTA_AUDIT_HASH_LEN + 1];
    memcpy(prev, hub->last_hash, sizeof prev);
    char (*consent_basis)[SILTA_MAX_TYPE_LEN + 16] = calloc(hub->nout, sizeof *consent_basis);
    for (size_t i = 0; i < hub->nout; i++) {
        hub_journal_disclosure_t *d = &hub->disclosures[i];
        if (d->consent_ref[0] && consent_basis) {
            snprintf(consent_basis[i], sizeof consent_basis[i], "consent:%s", d->legal_basis);
            d->legal_basis = consent_basis[i];
        }
        silta_audit_row_t row = {d->at_ms,       d->recipient,   d->client_key, d->event_id,
                                 d->type,        d->legal_basis, d->consent_ref, d->xroad_id};
        memcpy(d->prev_hash, prev, sizeof prev);
        silta_audit_hash(prev, &row, d->hash);
        memcpy(prev, d->hash, sizeof prev);
    }
    silta_err_t err;
    int rc = consent_basis ? hub_journal_disclose(hub->journal, hub->disclosures, hub->nout, &err)
                           : silta_err_set(&err, SILTA_ERR, "out of memory");
    free(consent_basis);
    if (rc != 0) {
        silta_error("could not write the disclosure log; deliveries held", "count=%zu reason=\"%s\"",
                    hub->nout, err.msg);
        hub->nout = 0;
        return;
    }
    memcpy(hub->last_hash, prev, sizeof prev);
    hub->m.disclosures += hub->nout;
    for (size_t i = 0; i < hub->nout; i++) {
        s_consumer_t *c = hub->out[i].consumer;
        uint32_t attempt = 0;
        const hub_event_t *ev = c->session ? hub_queue_in_flight_event(c->queue, hub->out[i].seq,
                                                                       &attempt)
                                           : NULL;
        if (!ev)
            continue; /* the session went away meanwhile; the delivery was released */
        Silta__Deliver dl = SILTA__DELIVER__INIT;
        dl.delivery_id = ev->seq;
        dl.consumer = c->name;
        dl.attempt = attempt;
        dl.event = ev->env;
        silta_packet_t p = SILTA__PACKET__INIT;
        p.cmd_case = SILTA__PACKET__CMD_DELIVER;
        p.deliver = &dl;
        if (attempt > 1)
            silta_info("redelivery", "consumer=%s event_id=%s client_key=%s attempt=%u", c->name,
                       ev->env->event_id, ev->env->client_key, attempt);
        /* A failed send leaves the item in flight: the session is being dropped
         * (which releases it) or the ack timeout will. */
        if (s_send(hub, c->session, NULL, 0, &p) == 0)
            hub->m.delivered++;
    }
    hub->nout = 0;
}

/* ------------------------------------------------------------------------ */
/* sessions                                                                  */

static void s_session_drop(s_hub_t *hub, s_session_t *s, const char *why)
{
    silta_info("peer gone", "identity=%s peer=%s reason=\"%s\"", s->identity, s->rid_hex, why);
    if (s->consumer)
        s_consumer_detach(s->consumer);
    silta_map_remove(hub->sessions_by_rid, s->rid, s->rid_len);
    size_t i = s->index;
    hub->sessions[i] = hub->sessions[--hub->nsessions];
    hub->sessions[i]->index = i;
    free(s->identity);
    free(s->name);
    free(s);
}

static s_session_t *s_session_open(s_hub_t *hub, const uint8_t *rid, size_t rid_len,
                                   const char *identity, const char *address)
{
    if (hub->nsessions == hub->cap_sessions) {
        size_t cap = hub->cap_sessions ? hub->cap_sessions * 2 : 16;
        s_session_t **more = realloc(hub->sessions, cap * sizeof *more);
        if (!more)
            return NULL;
        hub->sessions = more;
        hub->cap_sessions = cap;
    }
    s_session_t *s = calloc(1, sizeof *s);
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
/* publishing: the batch                                                     */

static void s_batch_free_entry(s_pending_t *e)
{
    silta_codec_free(&e->packet);
    free(e->packed);
    e->packed = NULL;
    free(e->source);
    e->source = NULL;
}

#define S_CONSENT_TYPE "social.consent.v1"

static Silta__Consent *s_consent_payload(const silta_envelope_t *e)
{
    return silta__consent__unpack(NULL, e->payload.len, e->payload.data); /* contract-checked */
}

static int s_save_consent(s_hub_t *hub, const silta_envelope_t *e, uint64_t seq, silta_err_t *err)
{
    Silta__Consent *c = s_consent_payload(e);
    if (!c)
        return SILTA_OK; /* refused at publish; cannot happen for a journalled one */
    int rc = hub_journal_save_consent(hub->journal, e->client_key, c->consent_id, c->status,
                                      c->purpose, c->recipients, c->n_recipients, c->expires,
                                      seq, err);
    silta__consent__free_unpacked(c, NULL);
    return rc;
}

static void s_apply_consent(s_hub_t *hub, const silta_envelope_t *e)
{
    Silta__Consent *c = s_consent_payload(e);
    if (!c)
        return;
    hub_consent_set(hub->consent, e->client_key, c->consent_id, c->status, c->purpose,
                    c->recipients, c->n_recipients, c->expires);
    silta_info("consent recorded", "client_key=%s consent=%s status=%s purpose=%s", e->client_key,
               c->consent_id, c->status, c->purpose);
    silta__consent__free_unpacked(c, NULL);
}

/* Commit the open batch, answer each publisher, queue the new events. */
static void s_commit(s_hub_t *hub)
{
    if (hub->nbatch == 0)
        return;
    size_t n = hub->nbatch;
    int64_t t0 = silta_mono_us();
    for (size_t i = 0; i < n; i++) {
        const silta_envelope_t *e = hub->batch[i].packet->publish->event;
        hub_journal_row_t *r = &hub->rows[i];
        r->event_id = e->event_id;
        r->type = e->type;
        r->source = hub->batch[i].source;
        r->client_key = e->client_key;
        r->occurred_at_ms = e->occurred_at;
        r->envelope = hub->batch[i].packed;
        r->envelope_len = hub->batch[i].packed_len;
    }
    /* A consent changes who may receive what: its state is saved in the same
     * transaction as the journal row, so the two never disagree. */
    int has_consent = 0;
    for (size_t i = 0; i < n; i++)
        has_consent |= strcmp(hub->rows[i].type, S_CONSENT_TYPE) == 0;
    silta_err_t err;
    int rc = has_consent ? hub_journal_begin(hub->journal, &err) : 0;
    if (rc == 0)
        rc = hub_journal_append(hub->journal, hub->rows, n, &err);
    for (size_t i = 0; rc == 0 && has_consent && i < n; i++)
        if (hub->rows[i].is_new && strcmp(hub->rows[i].type, S_CONSENT_TYPE) == 0)
            rc = s_save_consent(hub, hub->batch[i].packet->publish->event, hub->rows[i].seq,
                                &err);
    if (has_consent) {
        if (rc == 0)
            rc = hub_journal_commit(hub->journal, &err);
        if (rc != 0)
            hub_journal_rollback(hub->journal);
    }
    for (size_t i = 0; rc == 0 && has_consent && i < n; i++)
        if (hub->rows[i].is_new && strcmp(hub->rows[i].type, S_CONSENT_TYPE) == 0)
            s_apply_consent(hub, hub->batch[i].packet->publish->event);
    int64_t took_us = silta_mono_us() - t0;
    hub_metrics_db(&hub->m, (double)took_us / 1e6);
    if (rc != 0) {
        silta_error("journal append failed", "events=%zu reason=\"%s\"", n, err.msg);
        for (size_t i = 0; i < n; i++) {
            s_pending_t *b = &hub->batch[i];
            s_session_t *s = silta_map_get(hub->sessions_by_rid, b->rid, b->rid_len);
            if (s)
                s_nack(hub, s, NULL, 0, b->packet->publish->seq, SILTA__ERROR_CODE__UNAVAILABLE,
                       "journal unavailable; publish again");
        }
    } else {
        for (size_t i = 0; i < n; i++) {
            s_pending_t *b = &hub->batch[i];
            hub_journal_row_t *r = &hub->rows[i];
            s_session_t *s = silta_map_get(hub->sessions_by_rid, b->rid, b->rid_len);
            if (s) {
                Silta__Confirm c = SILTA__CONFIRM__INIT;
                c.seq = b->packet->publish->seq;
                c.event_id = (char *)r->event_id;
                c.duplicate = !r->is_new;
                silta_packet_t p = SILTA__PACKET__INIT;
                p.cmd_case = SILTA__PACKET__CMD_CONFIRM;
                p.confirm = &c;
                s_send(hub, s, NULL, 0, &p);
                hub_metrics_confirm(&hub->m, (double)(silta_mono_us() - b->received_us) / 1e6);
            }
            hub->m.confirmed++;
            if (!r->is_new) {
                hub->m.duplicates++;
                continue;
            }
            silta_envelope_t *env = silta_codec_unpack_envelope(b->packed, b->packed_len);
            hub_event_t *ev = env ? hub_event_new(r->seq, env) : NULL;
            for (size_t k = 0; ev && k < hub->nconsumers; k++)
                if (s_consumer_wants(hub->consumers[k], env->type))
                    hub_queue_push(hub->consumers[k]->queue, ev, 0);
            hub_event_unref(&ev);
        }
        silta_debug("batch committed", "events=%zu took_us=%lld", n, (long long)took_us);
    }
    for (size_t i = 0; i < n; i++)
        s_batch_free_entry(&hub->batch[i]);
    hub->nbatch = 0;
    if (rc == SILTA_EAGAIN)
        hub_journal_reconnect(hub->journal, &err);
}

/* NACK a PUBLISH with a rate-limited warning (reasons name fields, never values). */
static void s_refuse(s_hub_t *hub, s_session_t *s, const silta_envelope_t *e, uint64_t seq,
                     uint32_t code, const char *why)
{
    if (s_warn_ok(hub))
        silta_warn("publish refused", "identity=%s type=%s seq=%llu code=%u reason=\"%s\"",
                   s->identity, e && e->type ? e->type : "-", (unsigned long long)seq,
                   (unsigned)code, why);
    s_nack(hub, s, NULL, 0, seq, code, why);
}

static void s_on_publish(s_hub_t *hub, s_session_t *s, silta_packet_t **pp)
{
    silta_packet_t *p = *pp;
    const Silta__Publish *pub = p->publish;
    silta_err_t err;
    if (!pub || silta_codec_check_envelope(pub->event, hub->config->max_packet, &err) != 0) {
        s_refuse(hub, s, NULL, pub ? pub->seq : 0, SILTA__ERROR_CODE__INVALID,
                 pub ? err.msg : "publish carries no event");
        return;
    }
    if (!hub_policy_may_publish(hub->policy, s->identity, pub->event->type)) {
        snprintf(err.msg, sizeof err.msg, "%s may not publish %.200s", s->identity,
                 pub->event->type);
        s_refuse(hub, s, pub->event, pub->seq, SILTA__ERROR_CODE__FORBIDDEN, err.msg);
        return;
    }
    /* The payload's contract (for a consent: consent_id, purpose, status) and client_key. */
    if (hub_contract_check(hub->contract, pub->event, &err) != 0) {
        s_refuse(hub, s, pub->event, pub->seq, SILTA__ERROR_CODE__INVALID_PAYLOAD, err.msg);
        return;
    }
    /* What is journalled: the publisher's envelope with the hub's source (the
     * authenticated identity, never the sender's claim) and recorded_at. */
    silta_envelope_t copy = *pub->event;
    copy.source = s->identity;
    copy.recorded_at = silta_now_ms();
    s_pending_t *b = &hub->batch[hub->nbatch];
    b->packed = silta_codec_pack_envelope(&copy, &b->packed_len);
    b->source = strdup(s->identity);
    if (!b->packed || !b->source) {
        s_batch_free_entry(b);
        s_nack(hub, s, NULL, 0, pub->seq, SILTA__ERROR_CODE__UNAVAILABLE, "hub out of memory");
        return;
    }
    memcpy(b->rid, s->rid, s->rid_len);
    b->rid_len = s->rid_len;
    b->packet = p;
    b->received_us = silta_mono_us();
    *pp = NULL; /* the batch owns it now */
    if (hub->nbatch++ == 0)
        hub->batch_opened_ms = silta_mono_ms();
    hub->m.published++;
    if (hub->nbatch >= (size_t)hub->config->batch_max)
        s_commit(hub);
}

/* ------------------------------------------------------------------------ */
/* other commands                                                            */

static int s_safe_token(const char *s, size_t max)
{
    size_t n = s ? strlen(s) : 0;
    if (n == 0 || n > max)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
              c == '-'))
            return 0;
    }
    return 1;
}

static void s_on_hello(s_hub_t *hub, s_session_t *s, const Silta__Hello *hello)
{
    if (hello->version != SILTA_PROTOCOL_VERSION) {
        s_nack(hub, s, NULL, 0, 0, SILTA__ERROR_CODE__VERSION, "unsupported protocol version");
        return;
    }
    /* A second HELLO on a session restarts it: the peer lost its state. */
    if (s->consumer)
        s_consumer_detach(s->consumer);
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
    s_send(hub, s, NULL, 0, &p);
    silta_info("peer connected", "identity=%s name=%s peer=%s address=%s", s->identity,
               s->name ? s->name : "", s->rid_hex, s->address);
}

static void s_on_subscribe(s_hub_t *hub, s_session_t *s, const Silta__Subscribe *sub)
{
    if (!s_safe_token(sub->consumer, SILTA_MAX_TYPE_LEN) || sub->n_types == 0 ||
        sub->n_types > S_MAX_TYPES) {
        s_nack(hub, s, NULL, 0, 0, SILTA__ERROR_CODE__INVALID,
               "subscribe needs a consumer name (a-z 0-9 . _ -) and 1-64 types");
        return;
    }
    for (size_t i = 0; i < sub->n_types; i++)
        if (!s_safe_token(sub->types[i], SILTA_MAX_TYPE_LEN)) {
            s_nack(hub, s, NULL, 0, 0, SILTA__ERROR_CODE__INVALID,
                   "event types are a-z 0-9 . _ - only");
            return;
        }
    char owner[SILTA_MAX_TYPE_LEN + 1];
    hub_policy_queue_owner(sub->consumer, owner, sizeof owner);
    if (strcmp(owner, s->identity) != 0) {
        char reason[300];
        snprintf(reason, sizeof reason, "queue %s belongs to %s, not %s", sub->consumer, owner,
                 s->identity);
        s_nack(hub, s, NULL, 0, 0, SILTA__ERROR_CODE__FORBIDDEN, reason);
        silta_warn("subscribe forbidden", "identity=%s consumer=%s", s->identity, sub->consumer);
        return;
    }
    for (size_t i = 0; i < sub->n_types; i++)
        if (!hub_policy_delivery(hub->policy, sub->types[i], s->identity)) {
            char reason[300];
            snprintf(reason, sizeof reason, "%s may not read %s", s->identity, sub->types[i]);
            s_nack(hub, s, NULL, 0, 0, SILTA__ERROR_CODE__FORBIDDEN, reason);
            silta_warn("subscribe forbidden", "identity=%s type=%s", s->identity, sub->types[i]);
            return;
        }
    /* Publishes already batched were sent before this SUBSCRIBE: commit them
     * first, so "events published from now on" means exactly that. */
    s_commit(hub);
    int id = 0;
    silta_err_t err;
    if (hub_journal_upsert_consumer(hub->journal, sub->consumer, (const char *const *)sub->types,
                                    sub->n_types, &id, &err) != 0) {
        silta_error("could not record consumer", "consumer=%s reason=\"%s\"", sub->consumer,
                    err.msg);
        s_nack(hub, s, NULL, 0, 0, SILTA__ERROR_CODE__UNAVAILABLE,
               "could not record the subscription; subscribe again");
        return;
    }
    s_consumer_t *c = s_consumer_by_name(hub, sub->consumer);
    if (!c)
        c = s_consumer_add(hub, id, sub->consumer, sub->types, sub->n_types);
    else
        s_consumer_set_types(c, sub->types, sub->n_types);
    if (!c) {
        s_nack(hub, s, NULL, 0, 0, SILTA__ERROR_CODE__UNAVAILABLE, "hub out of memory");
        return;
    }
    if (s->consumer && s->consumer != c)
        s_consumer_detach(s->consumer);
    if (c->session && c->session != s) {
        silta_info("consumer taken over", "consumer=%s old_peer=%s new_peer=%s", c->name,
                   c->session->rid_hex, s->rid_hex);
        s_consumer_detach(c);
    }
    c->session = s;
    s->consumer = c;
    c->credit = sub->credit > S_MAX_CREDIT ? S_MAX_CREDIT : sub->credit;
    /* The answer is the SUBSCRIBE echoed: the queue is durable from here on. */
    Silta__Subscribe echo = *sub;
    silta_packet_t p = SILTA__PACKET__INIT;
    p.cmd_case = SILTA__PACKET__CMD_SUBSCRIBE;
    p.subscribe = &echo;
    s_send(hub, s, NULL, 0, &p);
    silta_info("consumer attached", "consumer=%s identity=%s credit=%u queued=%zu", c->name,
               s->identity, c->credit, hub_queue_held(c->queue));
}

static void s_on_ack(s_hub_t *hub, s_session_t *s, uint64_t id, const char *reject_reason)
{
    s_consumer_t *c = s->consumer;
    hub_queue_info_t info;
    int64_t now = silta_mono_ms();
    int rc = c ? (reject_reason ? hub_queue_reject(c->queue, id, now, &info)
                                : hub_queue_ack(c->queue, id, now, &info))
               : -1;
    if (rc != 0) {
        char reason[96];
        snprintf(reason, sizeof reason, "no delivery %llu held for this session",
                 (unsigned long long)id);
        s_nack(hub, s, NULL, 0, 0, SILTA__ERROR_CODE__UNKNOWN, reason);
        return;
    }
    hub_journal_ack_t a = {c->id, info.seq, info.attempts, info.sent_wall_ms, silta_now_ms(),
                           NULL, NULL};
    if (reject_reason) {
        silta_err_t err;
        hub->m.rejected++;
        silta_info("delivery rejected", "consumer=%s seq=%llu attempt=%u", c->name,
                   (unsigned long long)info.seq, info.attempts);
        if (hub_journal_dead_letter(hub->journal, &a, "rejected", reject_reason, &err) != 0)
            silta_error("could not dead-letter", "consumer=%s seq=%llu reason=\"%s\"", c->name,
                        (unsigned long long)info.seq, err.msg);
    } else {
        a.outcome = "acked";
        s_record_outcome(hub, &a);
        hub->m.acked++;
    }
}

/* Queue a finished delivery for the next batched write. */
static void s_record_outcome(s_hub_t *hub, const hub_journal_ack_t *a)
{
    if (hub->nacks == hub->cap_acks) {
        size_t cap = hub->cap_acks ? hub->cap_acks * 2 : 1024;
        hub_journal_ack_t *more = realloc(hub->acks, cap * sizeof *more);
        if (more) {
            hub->acks = more;
            hub->cap_acks = cap;
        }
    }
    /* Out of memory here only loses the log row: the delivery is then
     * redelivered after a restart, which consumers tolerate. */
    if (hub->nacks < hub->cap_acks)
        hub->acks[hub->nacks++] = *a;
}

static void s_flush_acks(s_hub_t *hub)
{
    if (hub->nacks == 0)
        return;
    silta_err_t err;
    if (hub_journal_ack(hub->journal, hub->acks, hub->nacks, &err) != 0) {
        silta_error("could not record acks", "count=%zu reason=\"%s\"", hub->nacks, err.msg);
        hub_journal_reconnect(hub->journal, &err);
        return; /* kept: written with the next flush */
    }
    hub->nacks = 0;
    hub->last_ack_flush_ms = silta_mono_ms();
}

/* ------------------------------------------------------------------------ */
/* receiving                                                                 */

static void s_handle(s_hub_t *hub, const uint8_t *rid, size_t rid_len, zmq_msg_t *msg, int extra)
{
    uint32_t code = 0;
    silta_err_t err;
    s_session_t *s = silta_map_get(hub->sessions_by_rid, rid, rid_len);
    silta_packet_t *p = NULL;
    if (extra) {
        code = SILTA__ERROR_CODE__MALFORMED;
        snprintf(err.msg, sizeof err.msg, "a packet is exactly one frame");
    } else {
        p = silta_codec_decode(zmq_msg_data(msg), zmq_msg_size(msg), hub->config->max_packet,
                               &code, &err);
    }
    if (!p) {
        if (s_warn_ok(hub))
            silta_warn("packet refused", "peer=%s reason=\"%s\"",
                       s ? s->identity : "unknown", err.msg);
        s_nack(hub, s, rid, rid_len, 0, code, err.msg);
        return;
    }
    if (!s) {
        if (p->cmd_case != SILTA__PACKET__CMD_HELLO) {
            s_nack(hub, NULL, rid, rid_len, 0, SILTA__ERROR_CODE__NO_SESSION, "hello first");
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
        s_on_publish(hub, s, &p);
        break;
    case SILTA__PACKET__CMD_SUBSCRIBE:
        s_on_subscribe(hub, s, p->subscribe);
        break;
    case SILTA__PACKET__CMD_CREDIT:
        if (s->consumer) {
            uint64_t c = (uint64_t)s->consumer->credit + p->credit->credit;
            s->consumer->credit = c > S_MAX_CREDIT ? S_MAX_CREDIT : (uint32_t)c;
        }
        break;
    case SILTA__PACKET__CMD_ACK:
        s_on_ack(hub, s, p->ack->delivery_id, NULL);
        break;
    case SILTA__PACKET__CMD_REJECT:
        s_on_ack(hub, s, p->reject->delivery_id,
                 p->reject->reason && *p->reject->reason ? p->reject->reason : "rejected");
        break;
    case SILTA__PACKET__CMD_HEARTBEAT:
        break;
    case SILTA__PACKET__CMD_BYE:
        silta_codec_free(&p);
        s_session_drop(hub, s, "bye");
        return;
    default:
        s_nack(hub, s, NULL, 0, 0, SILTA__ERROR_CODE__MALFORMED,
               "command not accepted from a peer");
        break;
    }
    silta_codec_free(&p);
}

/* Read up to max packets without blocking. Returns how many were read. */
static int s_drain(s_hub_t *hub, int max)
{
    int n = 0;
    while (n < max) {
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
        if (zmq_msg_size(&rid) <= S_MAX_RID)
            s_handle(hub, zmq_msg_data(&rid), zmq_msg_size(&rid), &msg, extra);
        zmq_msg_close(&rid);
        zmq_msg_close(&msg);
        n++;
        if (hub->nbatch >= (size_t)hub->config->batch_max)
            s_commit(hub);
    }
    return n;
}

/* ------------------------------------------------------------------------ */
/* start-up, timers, shutdown                                                */

static void s_on_consumer_row(int id, const char *name, char **types, size_t ntypes, void *arg)
{
    s_consumer_add(arg, id, name, types, ntypes);
}

typedef struct {
    s_hub_t *hub;
    silta_map_t *events; /* seq -> hub_event_t (one copy shared by consumers) */
    size_t rows;
} s_load_t;

static void s_on_pending_row(int consumer_id, uint64_t seq, uint32_t attempts,
                             const uint8_t *envelope, size_t len, void *arg)
{
    s_load_t *l = arg;
    s_consumer_t *c = s_consumer_by_id(l->hub, consumer_id);
    if (!c)
        return;
    hub_event_t *ev = l->events ? silta_map_u64_get(l->events, seq) : NULL;
    if (!ev) {
        silta_envelope_t *env = silta_codec_unpack_envelope(envelope, len);
        if (!env) {
            silta_error("journal row does not decode", "seq=%llu", (unsigned long long)seq);
            return;
        }
        ev = hub_event_new(seq, env);
        if (!ev)
            return;
        if (l->events)
            silta_map_u64_put(l->events, seq, ev);
        else {
            hub_queue_push(c->queue, ev, attempts);
            hub_event_unref(&ev);
            l->rows++;
            return;
        }
    }
    hub_queue_push(c->queue, ev, attempts);
    l->rows++;
}

static void s_unref_event(void *p)
{
    hub_event_t *ev = p;
    hub_event_unref(&ev);
}

static void s_on_replay(int consumer_id, uint64_t seq, void *arg)
{
    s_hub_t *hub = arg;
    s_consumer_t *c = s_consumer_by_id(hub, consumer_id);
    if (!c || hub_queue_holds(c->queue, seq))
        return;
    s_load_t l = {hub, NULL, 0};
    silta_err_t err;
    if (hub_journal_load_pending(hub->journal, consumer_id, seq, s_on_pending_row, &l, &err) != 0)
        silta_error("could not load replayed delivery", "consumer=%s seq=%llu reason=\"%s\"",
                    c->name, (unsigned long long)seq, err.msg);
    else if (l.rows)
        silta_info("delivery replayed", "consumer=%s seq=%llu", c->name, (unsigned long long)seq);
}

static void s_snapshot(s_hub_t *hub)
{
    hub_journal_consumer_status_t *cs = calloc(hub->nconsumers + 1, sizeof *cs);
    hub_journal_peer_t *peers = calloc(hub->nsessions + 1, sizeof *peers);
    if (cs && peers) {
        for (size_t i = 0; i < hub->nconsumers; i++) {
            s_consumer_t *c = hub->consumers[i];
            cs[i] = (hub_journal_consumer_status_t){c->id, c->session != NULL,
                                                     (int)hub_queue_in_flight(c->queue),
                                                     (int)c->credit};
        }
        int64_t now_mono = silta_mono_ms(), now_wall = silta_now_ms();
        for (size_t i = 0; i < hub->nsessions; i++) {
            s_session_t *s = hub->sessions[i];
            peers[i] = (hub_journal_peer_t){s->rid_hex,
                                            s->identity,
                                            s->name ? s->name : "",
                                            s->address,
                                            s->consumer ? s->consumer->name : NULL,
                                            s->connected_wall_ms,
                                            now_wall - (now_mono - s->last_seen_ms)};
        }
        silta_err_t err;
        if (hub_journal_snapshot(hub->journal, hub->instance, hub->started_wall_ms, cs,
                                 hub->nconsumers, peers, hub->nsessions, &err) != 0)
            silta_warn("could not write status", "reason=\"%s\"", err.msg);
    }
    free(cs);
    free(peers);
    hub->last_snapshot_ms = silta_mono_ms();
}

static void s_tick(s_hub_t *hub)
{
    int64_t now = silta_mono_ms();
    hub->last_tick_ms = now;
    /* Liveness: silent for 3 heartbeats = gone; idle for 1 = send a heartbeat.
     * Walk backwards: dropping swaps the last session into the hole. */
    for (size_t i = hub->nsessions; i-- > 0;) {
        s_session_t *s = hub->sessions[i];
        if (now - s->last_seen_ms > 3 * (int64_t)s->heartbeat_ms) {
            s_session_drop(hub, s, "heartbeat timeout");
            continue;
        }
        if (now - s->last_sent_ms >= s->heartbeat_ms) {
            Silta__Heartbeat hb = SILTA__HEARTBEAT__INIT;
            silta_packet_t p = SILTA__PACKET__INIT;
            p.cmd_case = SILTA__PACKET__CMD_HEARTBEAT;
            p.heartbeat = &hb;
            s_send(hub, s, NULL, 0, &p);
        }
    }
    /* Ack timeouts and dead letters. */
    for (size_t i = 0; i < hub->nconsumers; i++) {
        s_consumer_t *c = hub->consumers[i];
        hub_queue_info_t dead[64];
        size_t nd = hub_queue_expire(c->queue, now, dead, 64);
        for (size_t k = 0; k < nd; k++) {
            hub_journal_ack_t a = {c->id,          dead[k].seq, dead[k].attempts,
                                   dead[k].sent_wall_ms, silta_now_ms(), NULL, NULL};
            silta_err_t err;
            hub->m.dead++;
            silta_warn("delivery dead-lettered", "consumer=%s seq=%llu attempts=%u", c->name,
                       (unsigned long long)dead[k].seq, dead[k].attempts);
            if (hub_journal_dead_letter(hub->journal, &a, "dead", "max attempts", &err) != 0)
                silta_error("could not dead-letter", "consumer=%s reason=\"%s\"", c->name,
                            err.msg);
        }
    }
    if (now - hub->last_ack_flush_ms >= hub->config->ack_flush_ms)
        s_flush_acks(hub);
    if (now - hub->last_snapshot_ms >= 1000) {
        s_snapshot(hub);
        silta_debug("stats", "published=%llu confirmed=%llu duplicates=%llu nacked=%llu "
                    "delivered=%llu acked=%llu dead=%llu",
                    (unsigned long long)hub->m.published, (unsigned long long)hub->m.confirmed,
                    (unsigned long long)hub->m.duplicates, (unsigned long long)hub->m.nacked,
                    (unsigned long long)hub->m.delivered, (unsigned long long)hub->m.acked,
                    (unsigned long long)hub->m.dead);
    }
    if (hub_journal_fd(hub->journal) < 0 && now >= hub->db_retry_ms) {
        silta_err_t err;
        if (hub_journal_reconnect(hub->journal, &err) != 0) {
            silta_warn("database unavailable", "reason=\"%s\"", err.msg);
            hub->db_retry_ms = now + 1000;
        }
    }
    s_dispatch_all(hub);
    s_send_dispatched(hub);
}

/* ------------------------------------------------------------------------ */
/* operators: /metrics, /healthz, status page                                */

static void s_on_dead_count(int consumer_id, long n, void *arg)
{
    hub_metrics_consumer_t *mc = ((hub_metrics_consumer_t **)arg)[0];
    s_hub_t *hub = ((s_hub_t **)arg)[1];
    for (size_t i = 0; i < hub->nconsumers; i++)
        if (hub->consumers[i]->id == consumer_id)
            mc[i].dead_letters = n;
}

static int s_on_http(const char *path, silta_buf_t *body, const char **type, void *arg)
{
    s_hub_t *hub = arg;
    int db_up = hub_journal_fd(hub->journal) >= 0;
    if (strcmp(path, "/healthz") == 0) {
        silta_buf_puts(body, db_up ? "ok\n" : "database unavailable\n");
        return db_up ? 200 : 503;
    }
    int metrics = strcmp(path, "/metrics") == 0;
    if (!metrics && strcmp(path, "/") != 0) {
        silta_buf_puts(body, "not found\n");
        return 404;
    }
    hub_metrics_consumer_t *mc = calloc(hub->nconsumers + 1, sizeof *mc);
    hub_metrics_peer_t *mp = calloc(hub->nsessions + 1, sizeof *mp);
    size_t np = 0;
    if (!mc || !mp) {
        free(mc);
        free(mp);
        silta_buf_puts(body, "out of memory\n");
        return 503;
    }
    int64_t now = silta_now_ms();
    for (size_t i = 0; i < hub->nconsumers; i++) {
        s_consumer_t *c = hub->consumers[i];
        int64_t oldest = hub_queue_oldest_recorded_ms(c->queue);
        size_t held = hub_queue_held(c->queue), fl = hub_queue_in_flight(c->queue);
        mc[i] = (hub_metrics_consumer_t){c->name, c->session != NULL, held - fl, fl, c->credit,
                                         oldest ? (double)(now - oldest) / 1000.0 : 0.0, 0};
    }
    void *ctx[2] = {mc, hub};
    silta_err_t err;
    if (db_up)
        hub_journal_dead_letter_counts(hub->journal, s_on_dead_count, ctx, &err);
    for (size_t i = 0; i < hub->nsessions; i++) {
        size_t k = 0;
        while (k < np && strcmp(mp[k].identity, hub->sessions[i]->identity) != 0)
            k++;
        if (k == np)
            mp[np++] = (hub_metrics_peer_t){hub->sessions[i]->identity, 0};
        mp[k].sessions++;
    }
    if (metrics) {
        *type = "text/plain; version=0.0.4; charset=utf-8";
        hub_metrics_render(&hub->m, mc, hub->nconsumers, mp, np, db_up, body);
    } else {
        *type = "text/html; charset=utf-8";
        hub_metrics_render_html(&hub->m, mc, hub->nconsumers, mp, np, db_up, hub->instance, body);
    }
    free(mc);
    free(mp);
    return 200;
}

static void s_on_consent_row(const char *client_key, const char *consent_id, const char *status,
                             const char *purpose, char **recipients, size_t nrecipients,
                             const char *expires, void *arg)
{
    s_hub_t *hub = arg;
    hub_consent_set(hub->consent, client_key, consent_id, status, purpose, recipients, nrecipients,
                    expires);
}

static int s_open(s_hub_t *hub, silta_err_t *err)
{
    const hub_router_config_t *cfg = hub->config;
    silta_keypair_t kp;
    int rc = silta_keys_load(cfg->secret_key_path, &kp, err);
    if (rc != 0)
        return rc;
    if (!kp.secret_z85[0])
        return silta_err_set(err, SILTA_EINVAL, "%s holds no secret key", cfg->secret_key_path);
    hub->policy = hub_policy_load(cfg->policy_path, cfg->policy_xsd, err);
    if (!hub->policy)
        return SILTA_EINVAL;
    hub->consent = hub_consent_new();
    if (!(hub->contract = hub_contract_new()))
        return silta_err_set(err, SILTA_ERR, "out of memory");
    hub->journal = hub_journal_open(cfg->pg_url, cfg->migrations_dir, err);
    if (!hub->journal || !hub->consent)
        return err ? err->code : SILTA_ERR;
    if ((rc = hub_journal_load_consents(hub->journal, s_on_consent_row, hub, err)) != 0 ||
        (rc = hub_journal_last_disclosure_hash(hub->journal, hub->last_hash, err)) != 0)
        return rc;
    if ((rc = hub_journal_load_consumers(hub->journal, s_on_consumer_row, hub, err)) != 0)
        return rc;
    s_load_t l = {hub, silta_map_new(), 0};
    rc = hub_journal_load_pending(hub->journal, 0, 0, s_on_pending_row, &l, err);
    silta_map_destroy(&l.events, s_unref_event);
    if (rc != 0)
        return rc;
    silta_info("journal loaded", "consumers=%zu pending_deliveries=%zu", hub->nconsumers, l.rows);

    hub->ctx = zmq_ctx_new();
    hub->auth = hub_auth_start(hub->ctx, cfg->authorized_dir, err);
    if (!hub->auth)
        return SILTA_ERR;
    hub->router = zmq_socket(hub->ctx, ZMQ_ROUTER);
    int one = 1, linger = 2000, hwm = 1000000;
    int64_t maxmsg = (int64_t)cfg->max_packet + 4096; /* larger: disconnected by libzmq */
    zmq_setsockopt(hub->router, ZMQ_CURVE_SERVER, &one, sizeof one);
    zmq_setsockopt(hub->router, ZMQ_CURVE_SECRETKEY, kp.secret_z85, SILTA_KEY_Z85_LEN);
    zmq_setsockopt(hub->router, ZMQ_ZAP_DOMAIN, "silta", 5);
    zmq_setsockopt(hub->router, ZMQ_ROUTER_MANDATORY, &one, sizeof one);
    zmq_setsockopt(hub->router, ZMQ_LINGER, &linger, sizeof linger);
    zmq_setsockopt(hub->router, ZMQ_SNDHWM, &hwm, sizeof hwm);
    zmq_setsockopt(hub->router, ZMQ_RCVHWM, &hwm, sizeof hwm);
    zmq_setsockopt(hub->router, ZMQ_MAXMSGSIZE, &maxmsg, sizeof maxmsg);
    if (zmq_bind(hub->router, cfg->bind) != 0)
        return silta_err_set(err, SILTA_ERR, "could not bind %s: %s", cfg->bind,
                             zmq_strerror(errno));
    if (cfg->metrics_bind && !(hub->http = hub_http_listen(cfg->metrics_bind, s_on_http, hub, err)))
        return SILTA_ERR;
    return SILTA_OK;
}

static void s_close(s_hub_t *hub)
{
    while (hub->nsessions)
        s_session_drop(hub, hub->sessions[hub->nsessions - 1], "hub stopping");
    if (hub->router)
        zmq_close(hub->router);
    if (hub->ctx)
        zmq_ctx_shutdown(hub->ctx);
    hub_auth_stop(&hub->auth);
    if (hub->ctx)
        zmq_ctx_term(hub->ctx);
    for (size_t i = 0; i < hub->nbatch; i++)
        s_batch_free_entry(&hub->batch[i]);
    for (size_t i = 0; i < hub->nconsumers; i++)
        s_consumer_free(hub->consumers[i]);
    free(hub->consumers);
    free(hub->sessions);
    silta_map_destroy(&hub->sessions_by_rid, NULL);
    free(hub->batch);
    free(hub->rows);
    free(hub->acks);
    free(hub->out);
    free(hub->disclosures);
    hub_http_close(&hub->http);
    hub_policy_destroy(&hub->policy);
    hub_consent_destroy(&hub->consent);
    hub_contract_destroy(&hub->contract);
    hub_journal_close(&hub->journal);
}

int hub_router_run(const hub_router_config_t *config, volatile sig_atomic_t *stop,
                   silta_err_t *err)
{
    s_hub_t hub;
    memset(&hub, 0, sizeof hub);
    hub.config = config;
    silta_uuid_v7(hub.instance);
    hub.started_wall_ms = silta_now_ms();
    hub.sessions_by_rid = silta_map_new();
    hub.batch = calloc((size_t)config->batch_max, sizeof *hub.batch);
    hub.rows = calloc((size_t)config->batch_max, sizeof *hub.rows);
    if (!hub.sessions_by_rid || !hub.batch || !hub.rows) {
        s_close(&hub);
        return silta_err_set(err, SILTA_ERR, "out of memory");
    }
    int rc = s_open(&hub, err);
    if (rc != 0) {
        s_close(&hub);
        return rc;
    }
    s_snapshot(&hub);
    silta_info("hub ready", "bind=%s instance=%s authorized_keys=%d policy_routes=%d metrics=%s",
               config->bind, hub.instance, hub_auth_count(hub.auth),
               hub_policy_routes(hub.policy), config->metrics_bind ? config->metrics_bind : "off");

    while (!*stop) {
        int64_t now = silta_mono_ms();
        long timeout = S_TICK_MS - (now - hub.last_tick_ms);
        if (hub.nbatch) {
            long left = config->batch_wait_ms - (now - hub.batch_opened_ms);
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
        if (hub.http && (items[1].revents & ZMQ_POLLIN))
            hub_http_serve(hub.http);
        int got = s_drain(&hub, 10000);
        /* Natural group commit: while one batch commits, the next one fills. A
         * batch is written when the socket is drained and its window passed. */
        if (hub.nbatch && (got == 0 || silta_mono_ms() - hub.batch_opened_ms >=
                                           config->batch_wait_ms))
            s_commit(&hub);
        if (nitems == 3 && (items[2].revents & ZMQ_POLLIN))
            hub_journal_poll_notifications(hub.journal, s_on_replay, &hub);
        s_dispatch_all(&hub);
        s_send_dispatched(&hub);
        if (silta_mono_ms() - hub.last_tick_ms >= S_TICK_MS)
            s_tick(&hub);
    }

    /* Clean stop: what has arrived is committed and confirmed, acks written. */
    silta_info("hub stopping", "reason=signal");
    s_drain(&hub, 1000000);
    s_commit(&hub);
    s_flush_acks(&hub);
    s_snapshot(&hub);
    silta_info("hub stopped", "published=%llu confirmed=%llu delivered=%llu acked=%llu",
               (unsigned long long)hub.m.published, (unsigned long long)hub.m.confirmed,
               (unsigned long long)hub.m.delivered, (unsigned long long)hub.m.acked);
    s_close(&hub);
    return SILTA_OK;
}
