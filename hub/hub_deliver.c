/*  hub_deliver.c - consumers: subscriptions, the paged backlog, dispatch,
 *  DELIVER, ACK/REJECT, checkpoints.
 *
 *  Holds the durable consumer queues, attaches them to sessions (SUBSCRIBE),
 *  keeps a window of each attached consumer's backlog in memory (paged from
 *  the journal by its cursor, or handed over at commit when it is caught up),
 *  decides within each consumer's credit what may go (policy route, consent),
 *  sets the turn's publish budget, prepares the checkpoint (outcomes, changed
 *  cursors, the round's chained disclosure rows) that the turn's one statement
 *  writes with its batch (hub_journal_write) before the DELIVERs go, and moves
 *  rejected deliveries to the dead letters. It does not
 *  schedule per-client order or backoff (hub_queue.c), keep the cursor's
 *  arithmetic (hub_cursor.c), run the ack-timeout timer (the loop's tick,
 *  hub_router.c) nor load the consumers at start (hub_state.c). Shared state
 *  and its invariants: hub_router_int.h.
 *
 *  A consumer's backlog, by where its events are:
 *
 *     journal (seq > read_pos) --s_page / hub_deliver_on_committed--> queue
 *        (window: held < s_window)                                      |
 *     cursor finished <--s_finish (ack, withheld, dead)-- in flight <---+
 *        |                                                  dispatch
 *        +--checkpoint_begin .. _end--> hub.cursor (with hub.delivery_log,
 *           hub.disclosure and the turn's hub.journal rows: one statement)
 */
#include "hub_router_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "silta_log.h"
#include "silta_time.h"

#define S_MAX_TYPES 64

/* ------------------------------------------------------------------------ */
/* consumers                                                                 */

int hub_deliver_consumer_wants(const hub_router_consumer_t *c, const char *type)
{
    for (size_t i = 0; i < c->ntypes; i++)
        if (strcmp(c->types[i], type) == 0)
            return 1;
    return 0;
}

static void s_consumer_set_types(hub_router_consumer_t *c, char *const *types, size_t ntypes)
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

hub_router_consumer_t *hub_deliver_consumer_by_id(hub_router_t *hub, int id)
{
    for (size_t i = 0; i < hub->nconsumers; i++)
        if (hub->consumers[i]->id == id)
            return hub->consumers[i];
    return NULL;
}

static hub_router_consumer_t *s_consumer_by_name(hub_router_t *hub, const char *name)
{
    for (size_t i = 0; i < hub->nconsumers; i++)
        if (strcmp(hub->consumers[i]->name, name) == 0)
            return hub->consumers[i];
    return NULL;
}

hub_router_consumer_t *hub_deliver_consumer_add(hub_router_t *hub, int id, const char *name,
                                                char *const *types, size_t ntypes,
                                                const hub_journal_cursor_t *cur)
{
    if (hub->nconsumers == hub->cap_consumers) {
        size_t cap = hub->cap_consumers ? hub->cap_consumers * 2 : 8;
        hub_router_consumer_t **more = realloc(hub->consumers, cap * sizeof *more);
        if (!more)
            return NULL;
        hub->consumers = more;
        hub->cap_consumers = cap;
    }
    hub_router_consumer_t *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->id = id;
    c->name = strdup(name);
    hub_policy_queue_owner(name, c->owner, sizeof c->owner);
    c->queue = hub_queue_new(&hub->config->queue);
    c->cursor = cur ? hub_cursor_new(cur->mark_delete, cur->acked, cur->npairs)
                    : hub_cursor_new(hub->journal_head, NULL, 0);
    c->explicit_rows = silta_map_new();
    if (!c->name || !c->queue || !c->cursor || !c->explicit_rows) {
        free(c->name);
        hub_queue_destroy(&c->queue);
        hub_cursor_destroy(&c->cursor);
        silta_map_destroy(&c->explicit_rows, NULL);
        free(c);
        return NULL;
    }
    s_consumer_set_types(c, types, ntypes);
    hub->consumers[hub->nconsumers++] = c;
    return c;
}

void hub_deliver_consumer_free(hub_router_consumer_t *c)
{
    for (size_t i = 0; i < c->ntypes; i++)
        free(c->types[i]);
    free(c->types);
    free(c->name);
    hub_queue_destroy(&c->queue);
    hub_cursor_destroy(&c->cursor);
    silta_map_destroy(&c->explicit_rows, NULL);
    free(c);
}

/* Detach the consumer from its session; what was in flight may go again. */
void hub_deliver_consumer_detach(hub_router_consumer_t *c)
{
    if (c->session)
        c->session->consumer = NULL;
    c->session = NULL;
    c->credit = 0;
    size_t n = hub_queue_release(c->queue, silta_mono_ms());
    if (n)
        silta_info("deliveries released", "consumer=%s count=%zu", c->name, n);
}

void hub_deliver_consumer_attach(hub_router_consumer_t *c, hub_router_session_t *s,
                                 uint32_t credit)
{
    if (s->consumer && s->consumer != c)
        hub_deliver_consumer_detach(s->consumer);
    if (c->session && c->session != s)
        hub_deliver_consumer_detach(c);
    s->standby_for = NULL;
    c->session = s;
    s->consumer = c;
    c->credit = credit > HUB_ROUTER_MAX_CREDIT ? HUB_ROUTER_MAX_CREDIT : credit;
}

static void s_record_outcome(hub_router_t *hub, hub_router_consumer_t *c, hub_journal_ack_t *a);

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
static size_t s_dispatch(hub_router_t *hub, hub_router_consumer_t *c)
{
    char today[11];
    s_today(today);
    size_t sent = 0;
    while (c->session && hub_queue_in_flight(c->queue) < c->credit) {
        uint32_t attempt = 0;
        int64_t wall = silta_now_ms();
        const hub_event_t *ev = hub_queue_next(c->queue, silta_mono_ms(), wall, &attempt);
        if (!ev)
            return sent;
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
                                       silta_now_ms(), "withheld", withheld, 0};
                s_record_outcome(hub, c, &a);
                hub->m.withheld++;
            }
            continue;
        }
        if (hub->nout == hub->cap_out) {
            size_t cap = hub->cap_out ? hub->cap_out * 2 : 1024;
            hub_router_outgoing_t *o = realloc(hub->out, cap * sizeof *o);
            hub_journal_disclosure_t *d = realloc(hub->disclosures, cap * sizeof *d);
            if (o)
                hub->out = o;
            if (d)
                hub->disclosures = d;
            if (!o || !d)
                return sent; /* stays in flight; the ack timeout sends it again */
            hub->cap_out = cap;
        }
        hub->out[hub->nout] = (hub_router_outgoing_t){c, ev->seq};
        hub_journal_disclosure_t *d = &hub->disclosures[hub->nout];
        *d = (hub_journal_disclosure_t){.at_ms = wall,
                                        .recipient = c->owner,
                                        .client_key = env->client_key,
                                        .event_id = env->event_id,
                                        .type = env->type,
                                        .legal_basis =
                                            rule->statute ? rule->statute : rule->consent_purpose,
                                        .consent_ref = consent_id ? consent_id : "",
                                        .xroad_id = env->xroad_id ? env->xroad_id : ""};
        hub->nout++;
        sent++;
    }
    return sent;
}

/* ------------------------------------------------------------------------ */
/* the backlog: paged from the journal                                       */

/* What a consumer holds in memory: up to a window of events (four rounds of
 * its credit, within bounds), refilled from the journal when half of it is
 * gone. Everything else waits in the journal, so the hub's memory does not
 * grow with the backlog. The cursor remembers at most S_SPAN_MAX seqs from the
 * oldest unfinished one: a delivery stuck in backoff stops paging there until
 * it is finished or dead-lettered. */
#define S_WINDOW_MIN 4096
#define S_WINDOW_MAX 32768
#define S_SPAN_MAX 65536

static size_t s_window(const hub_router_consumer_t *c)
{
    size_t w = (size_t)c->credit * 4;
    return w < S_WINDOW_MIN ? S_WINDOW_MIN : w > S_WINDOW_MAX ? S_WINDOW_MAX : w;
}

/* Read seq for c: 1 read (pushed when it is pending; ev may be NULL for a row
 * that does not decode, which is then finished), 0 out of memory (nothing read).
 * Every row read leaves c->unloaded, which counted it. */
static int s_read(hub_router_consumer_t *c, uint64_t seq, hub_event_t *ev, int undecodable)
{
    int held = hub_queue_holds(c->queue, seq); /* an explicit row: pending in the cursor too */
    if (!held && !ev && !undecodable)
        return 0;
    int r = hub_cursor_read(c->cursor, seq);
    if (r < 0)
        return 0;
    if (c->unloaded)
        c->unloaded--;
    if (r == 1 || held)
        return 1;
    if (!ev) {
        silta_error("journal row does not decode; skipped", "consumer=%s seq=%llu", c->name,
                    (unsigned long long)seq);
        hub_cursor_finish(c->cursor, seq);
        return 1;
    }
    /* Out of memory here leaves seq pending in the cursor but not queued: it
     * is delivered after the next restart. */
    hub_queue_push(c->queue, ev, 0);
    return 1;
}

typedef struct {
    hub_router_consumer_t *c;
    int failed;
} s_page_t;

static void s_on_page_row(uint64_t seq, const uint8_t *envelope, size_t len, void *arg)
{
    s_page_t *pg = arg;
    if (pg->failed)
        return;
    silta_envelope_t *env = silta_codec_unpack_envelope(envelope, len);
    hub_event_t *ev = env ? hub_event_new(seq, env) : NULL;
    if (!s_read(pg->c, seq, ev, env == NULL))
        pg->failed = 1;
    hub_event_unref(&ev);
}

static void s_page(hub_router_t *hub, hub_router_consumer_t *c)
{
    size_t held = hub_queue_held(c->queue), window = s_window(c);
    uint64_t from = hub_cursor_read_pos(c->cursor);
    if (!c->session || from >= hub->journal_head || held >= window / 2 ||
        hub_cursor_span(c->cursor) >= S_SPAN_MAX)
        return;
    size_t limit = window - held, n = 0;
    s_page_t pg = {c, 0};
    silta_err_t err;
    if (hub_journal_page(hub->journal, c->types, c->ntypes, from, hub->journal_head, limit,
                         s_on_page_row, &pg, &n, &err) != 0) {
        if (hub_router_warn_ok(hub))
            silta_warn("could not read the journal", "consumer=%s reason=\"%s\"", c->name,
                       err.msg);
        return;
    }
    if (!pg.failed && n < limit)
        hub_cursor_read_to(c->cursor, hub->journal_head);
}

void hub_deliver_page_all(hub_router_t *hub)
{
    for (size_t i = 0; i < hub->nconsumers; i++)
        s_page(hub, hub->consumers[i]);
}

/* Free the envelopes nobody took. */
static void s_drop_envs(silta_envelope_t **envs, size_t n)
{
    for (size_t i = 0; envs && i < n; i++)
        silta_codec_free_envelope(&envs[i]);
}

void hub_deliver_on_committed(hub_router_t *hub, const hub_journal_row_t *rows,
                              silta_envelope_t **envs, size_t n)
{
    uint64_t before = hub->journal_head, head = before;
    for (size_t i = 0; i < n; i++)
        if (rows[i].is_new && rows[i].seq > head)
            head = rows[i].seq;
    if (head == before) {
        s_drop_envs(envs, n);
        return;
    }
    hub_event_t **evs = calloc(n, sizeof *evs); /* decoded once, shared by the consumers */
    for (size_t k = 0; k < hub->nconsumers; k++) {
        hub_router_consumer_t *c = hub->consumers[k];
        size_t want = 0;
        for (size_t i = 0; i < n; i++)
            want += rows[i].is_new && hub_deliver_consumer_wants(c, rows[i].type);
        /* Straight to memory only when the consumer is attached, has read
         * everything before this batch and has room; else paged later. */
        int caught_up = hub_cursor_read_pos(c->cursor) >= before;
        if (!caught_up)
            c->unloaded += want;
        if (!caught_up || !evs)
            continue;
        if (want && (!c->session || hub_queue_held(c->queue) + want > s_window(c) ||
                     hub_cursor_span(c->cursor) + want > S_SPAN_MAX)) {
            c->unloaded += want;
            continue;
        }
        int ok = 1;
        for (size_t i = 0; ok && i < n; i++) {
            if (!rows[i].is_new || !hub_deliver_consumer_wants(c, rows[i].type))
                continue;
            int undecodable = 0;
            if (!evs[i]) {
                silta_envelope_t *env = envs && envs[i] ? envs[i]
                                                        : silta_codec_unpack_envelope(
                                                              rows[i].envelope, rows[i].envelope_len);
                if (envs)
                    envs[i] = NULL; /* the event owns it (or it was freed with the event) */
                undecodable = env == NULL;
                evs[i] = env ? hub_event_new(rows[i].seq, env) : NULL;
            }
            c->unloaded++; /* s_read counts it as loaded */
            ok = s_read(c, rows[i].seq, evs[i], undecodable);
        }
        if (ok)
            hub_cursor_read_to(c->cursor, head);
        if (want && c->credit)
            hub->dispatch_due = 1;
    }
    for (size_t i = 0; evs && i < n; i++)
        hub_event_unref(&evs[i]);
    free(evs);
    s_drop_envs(envs, n);
    hub->journal_head = head;
}

/* Fairness between publishers and consumers. A turn of the loop reads the
 * socket, commits one batch of PUBLISHes and sends one dispatch round; a
 * consumer gets no more in a round than the credit its ACKs gave back. Left
 * alone, a turn committed up to batch_max (5000) events while a consumer with
 * credit 1000 got at most 1000, so its backlog grew for as long as publishers
 * were busy (measured 4 -> 1: confirms 9,100/s, deliveries 1,000/s). So while
 * an attached consumer has events waiting, the next turn commits no more
 * PUBLISHes than the round sent it (at least S_MIN_BUDGET): confirms slow to
 * the rate deliveries go, the backpressure a saturating publisher should
 * feel. The floor keeps a consumer that is slow by itself from holding
 * publishers to a trickle (a turn of S_MIN_BUDGET commits in a few ms). */
#define S_MIN_BUDGET 256

void hub_deliver_dispatch_all(hub_router_t *hub)
{
    size_t budget = (size_t)hub->config->batch_max;
    hub->dispatch_due = 0;
    /* Without the database no disclosure row can be written, so nothing may
     * go out; dispatching anyway would count attempts for deliveries never
     * sent (issue 13, found 2). */
    if (hub_journal_fd(hub->journal) < 0) {
        hub->publish_budget = budget;
        return;
    }
    for (size_t i = 0; i < hub->nconsumers; i++) {
        hub_router_consumer_t *c = hub->consumers[i];
        size_t sent = s_dispatch(hub, c);
        int waiting = hub_queue_held(c->queue) > hub_queue_in_flight(c->queue) ||
                      hub_cursor_read_pos(c->cursor) < hub->journal_head;
        if (c->session && c->credit && waiting) {
            size_t want = sent < S_MIN_BUDGET ? S_MIN_BUDGET : sent;
            if (want < budget)
                budget = want;
        }
    }
    hub->publish_budget = budget;
}

/* ------------------------------------------------------------------------ */
/* checkpoints: one per turn, in the statement of the turn's journal append  */

/* What the round dispatched (hub->out) gets its disclosure rows, chained from
 * hub->last_hash into dc->head; the waiting outcomes and the changed cursors
 * come along when with_acks or when there are rows (a dispatch round always
 * carried them). 1 when dc->ck holds something to write, 0 when not (dc then
 * holds nothing to free). Out of memory: the round's deliveries stay in
 * flight (sent again after the ack timeout), the outcomes wait, 0. */
int hub_deliver_checkpoint_begin(hub_router_t *hub, hub_deliver_checkpoint_t *dc, int with_acks)
{
    memset(dc, 0, sizeof *dc);
    memcpy(dc->head, hub->last_hash, sizeof dc->head);
    if (hub->nout && !(dc->basis = calloc(hub->nout, sizeof *dc->basis))) {
        silta_error("could not write the disclosure log; deliveries held",
                    "count=%zu reason=\"out of memory\"", hub->nout);
        hub->nout = 0;
    }
    /* Chain: each row's hash covers the previous row's hash and its fields.
     * The consent-based basis is recorded as "consent:<purpose>". */
    for (size_t i = 0; i < hub->nout; i++) {
        hub_journal_disclosure_t *d = &hub->disclosures[i];
        if (d->consent_ref[0]) {
            snprintf(dc->basis[i], sizeof dc->basis[i], "consent:%s", d->legal_basis);
            d->legal_basis = dc->basis[i];
        }
        silta_audit_row_t row = {d->at_ms,       d->recipient,   d->client_key, d->event_id,
                                 d->type,        d->legal_basis, d->consent_ref, d->xroad_id};
        memcpy(d->prev_hash, dc->head, sizeof dc->head);
        silta_audit_hash(dc->head, &row, d->hash);
        memcpy(dc->head, d->hash, sizeof dc->head);
    }
    dc->ck.rows = hub->disclosures;
    dc->ck.nrows = hub->nout;
    if (!with_acks && hub->nout == 0) {
        hub_deliver_checkpoint_end(hub, dc, SILTA_OK); /* frees basis; nothing written */
        return 0;
    }
    dc->ck.acks = hub->acks;
    dc->ck.nacks = hub->nacks;
    dc->cursors = calloc(hub->nconsumers + 1, sizeof *dc->cursors);
    int oom = dc->cursors == NULL;
    for (size_t i = 0; !oom && i < hub->nconsumers; i++) {
        hub_router_consumer_t *c = hub->consumers[i];
        uint64_t *acked = NULL;
        long npairs = hub_cursor_dirty(c->cursor) ? hub_cursor_acked(c->cursor, &acked) : 0;
        oom = npairs < 0;
        if (hub_cursor_dirty(c->cursor) && !oom)
            dc->cursors[dc->ck.ncursors++] = (hub_journal_cursor_t){
                c->id, hub_cursor_mark_delete(c->cursor), acked, (size_t)npairs};
    }
    dc->ck.cursors = dc->cursors;
    if (oom) { /* nothing is checkpointed this turn; the outcomes wait */
        hub_deliver_checkpoint_end(hub, dc, SILTA_ERR);
        return 0;
    }
    if (dc->ck.nacks || dc->ck.ncursors || dc->ck.nrows)
        return 1;
    hub_deliver_checkpoint_end(hub, dc, SILTA_OK);
    return 0;
}

/* The checkpoint's write returned rc (nothing ran on the loop in between:
 * what begin took is what was written). On success the outcomes are gone, the
 * cursors clean and the chain's head moves; on failure everything stays for
 * the next turn and the round's deliveries are held (in flight: sent again
 * after the ack timeout). Frees what begin allocated. */
void hub_deliver_checkpoint_end(hub_router_t *hub, hub_deliver_checkpoint_t *dc, int rc)
{
    for (size_t i = 0; i < dc->ck.ncursors; i++) {
        hub_router_consumer_t *c = hub_deliver_consumer_by_id(hub, dc->cursors[i].consumer_id);
        if (rc == SILTA_OK && c)
            hub_cursor_clean(c->cursor);
        free((void *)dc->cursors[i].acked);
    }
    free(dc->cursors);
    free(dc->basis);
    if (rc != SILTA_OK) {
        /* Not sent, so not an attempt: back to their lanes, due again after
         * a reconnect's interval (issue 13, found 2). */
        int64_t now = silta_mono_ms();
        for (size_t i = 0; i < hub->nout; i++)
            hub_queue_unsend(hub->out[i].consumer->queue, hub->out[i].seq, now,
                             now + HUB_JOURNAL_RECONNECT_MS);
        if (hub->nout && hub_router_warn_ok(hub))
            silta_error("could not write the disclosure log; deliveries wait", "count=%zu",
                        hub->nout);
        hub->nout = 0;
    } else if (dc->ck.nacks || dc->ck.ncursors || dc->ck.nrows) {
        memcpy(hub->last_hash, dc->head, sizeof dc->head);
        hub->m.disclosures += dc->ck.nrows;
        hub->nacks = 0; /* outcomes arrive only between turns: these were all of them */
        hub->last_ack_flush_ms = silta_mono_ms();
    }
    memset(dc, 0, sizeof *dc);
}

/* The checkpoint alone, when the turn commits no PUBLISH. */
void hub_deliver_checkpoint_write(hub_router_t *hub, hub_deliver_checkpoint_t *dc)
{
    silta_err_t err;
    int rc = hub_journal_write(hub->journal, NULL, 0, &dc->ck, &err);
    if (rc != SILTA_OK) {
        if (hub_router_warn_ok(hub)) /* at most 10 lines a second in an outage */
            silta_error("could not write the checkpoint", "acks=%zu deliveries=%zu reason=\"%s\"",
                        dc->ck.nacks, dc->ck.nrows, err.msg);
        if (rc == SILTA_EAGAIN)
            hub_journal_reconnect(hub->journal, &err);
    }
    hub_deliver_checkpoint_end(hub, dc, rc);
}

/* Send what the round dispatched: its disclosure rows are written (the
 * checkpoint that carried them succeeded, or it set nout to 0). */
void hub_deliver_send_dispatched(hub_router_t *hub)
{
    for (size_t i = 0; i < hub->nout; i++) {
        hub_router_consumer_t *c = hub->out[i].consumer;
        uint32_t attempt = 0;
        const hub_event_t *ev =
            c->session ? hub_queue_in_flight_event(c->queue, hub->out[i].seq, &attempt) : NULL;
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
        if (hub_router_send(hub, c->session, NULL, 0, &p) == 0)
            hub->m.delivered++;
    }
    hub->nout = 0;
}

/* ------------------------------------------------------------------------ */
/* subscriptions, acks                                                       */

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

void hub_deliver_on_subscribe(hub_router_t *hub, hub_router_session_t *s,
                              const Silta__Subscribe *sub)
{
    if (!s_safe_token(sub->consumer, SILTA_MAX_TYPE_LEN) || sub->n_types == 0 ||
        sub->n_types > S_MAX_TYPES) {
        hub_router_nack(hub, s, NULL, 0, 0, SILTA__ERROR_CODE__INVALID,
                        "subscribe needs a consumer name (a-z 0-9 . _ -) and 1-64 types");
        return;
    }
    for (size_t i = 0; i < sub->n_types; i++)
        if (!s_safe_token(sub->types[i], SILTA_MAX_TYPE_LEN)) {
            hub_router_nack(hub, s, NULL, 0, 0, SILTA__ERROR_CODE__INVALID,
                            "event types are a-z 0-9 . _ - only");
            return;
        }
    char owner[SILTA_MAX_TYPE_LEN + 1];
    hub_policy_queue_owner(sub->consumer, owner, sizeof owner);
    if (strcmp(owner, s->identity) != 0) {
        char reason[300];
        snprintf(reason, sizeof reason, "queue %s belongs to %s, not %s", sub->consumer, owner,
                 s->identity);
        hub_router_nack(hub, s, NULL, 0, 0, SILTA__ERROR_CODE__FORBIDDEN, reason);
        silta_warn("subscribe forbidden", "identity=%s consumer=%s", s->identity, sub->consumer);
        return;
    }
    for (size_t i = 0; i < sub->n_types; i++)
        if (!hub_policy_delivery(hub->policy, sub->types[i], s->identity)) {
            char reason[300];
            snprintf(reason, sizeof reason, "%s may not read %s", s->identity, sub->types[i]);
            hub_router_nack(hub, s, NULL, 0, 0, SILTA__ERROR_CODE__FORBIDDEN, reason);
            silta_warn("subscribe forbidden", "identity=%s type=%s", s->identity, sub->types[i]);
            return;
        }
    /* Publishes already batched were sent before this SUBSCRIBE: commit them
     * first, so "events published from now on" means exactly that. */
    hub_publish_flush(hub);
    int id = 0;
    silta_err_t err;
    if (hub_journal_upsert_consumer(hub->journal, sub->consumer, (const char *const *)sub->types,
                                    sub->n_types, &id, &err) != 0) {
        silta_error("could not record consumer", "consumer=%s reason=\"%s\"", sub->consumer,
                    err.msg);
        hub_router_nack(hub, s, NULL, 0, 0, SILTA__ERROR_CODE__UNAVAILABLE,
                        "could not record the subscription; subscribe again");
        return;
    }
    hub_router_consumer_t *c = s_consumer_by_name(hub, sub->consumer);
    if (!c)
        c = hub_deliver_consumer_add(hub, id, sub->consumer, sub->types, sub->n_types, NULL);
    else
        s_consumer_set_types(c, sub->types, sub->n_types);
    if (!c) {
        hub_router_nack(hub, s, NULL, 0, 0, SILTA__ERROR_CODE__UNAVAILABLE, "hub out of memory");
        return;
    }
    if (c->session && c->session != s) {
        /* The older session waits as standby: it gets the queue back when
         * this one goes, so a duplicated instance cannot leave the first one
         * connected but fed nothing. */
        hub_router_session_t *old = c->session;
        silta_info("consumer taken over; the older session waits as standby",
                   "consumer=%s old_peer=%s new_peer=%s", c->name, old->rid_hex, s->rid_hex);
        old->standby_credit = c->credit;
        hub_deliver_consumer_detach(c);
        old->standby_for = c;
    }
    hub_deliver_consumer_attach(c, s, sub->credit);
    /* The answer is the SUBSCRIBE echoed: the queue is durable from here on. */
    Silta__Subscribe echo = *sub;
    silta_packet_t p = SILTA__PACKET__INIT;
    p.cmd_case = SILTA__PACKET__CMD_SUBSCRIBE;
    p.subscribe = &echo;
    hub_router_send(hub, s, NULL, 0, &p);
    silta_info("consumer attached", "consumer=%s identity=%s credit=%u queued=%zu", c->name,
               s->identity, c->credit, hub_queue_held(c->queue));
}

void hub_deliver_on_ack(hub_router_t *hub, hub_router_session_t *s, uint64_t id,
                        const char *reject_reason)
{
    hub_router_consumer_t *c = s->consumer;
    hub_queue_info_t info;
    int64_t now = silta_mono_ms();
    int rc = c ? (reject_reason ? hub_queue_reject(c->queue, id, now, &info)
                                : hub_queue_ack(c->queue, id, now, &info))
               : -1;
    if (rc != 0) {
        char reason[96];
        snprintf(reason, sizeof reason, "no delivery %llu held for this session",
                 (unsigned long long)id);
        hub_router_nack(hub, s, NULL, 0, 0, SILTA__ERROR_CODE__UNKNOWN, reason);
        return;
    }
    if (reject_reason) {
        hub->m.rejected++;
        silta_info("delivery rejected", "consumer=%s seq=%llu attempt=%u", c->name,
                   (unsigned long long)info.seq, info.attempts);
        hub_deliver_dead(hub, c, &info, "rejected", reject_reason);
    } else {
        hub_journal_ack_t a = {c->id, info.seq, info.attempts, info.sent_wall_ms, silta_now_ms(),
                               "acked", NULL, 0};
        s_record_outcome(hub, c, &a);
        hub->m.acked++;
    }
}

/* The delivery is finished for c: its cursor moves; an explicit row (see
 * hub_journal.h) is deleted with the outcome's write. */
static int s_finish(hub_router_consumer_t *c, uint64_t seq)
{
    int explicit_row = silta_map_u64_get(c->explicit_rows, seq) != NULL;
    if (explicit_row)
        silta_map_u64_remove(c->explicit_rows, seq);
    /* Out of memory here only costs a redelivery after a restart. */
    hub_cursor_finish(c->cursor, seq);
    return explicit_row;
}

void hub_deliver_dead(hub_router_t *hub, hub_router_consumer_t *c, const hub_queue_info_t *info,
                      const char *outcome, const char *reason)
{
    hub_journal_ack_t a = {c->id, info->seq, info->attempts, info->sent_wall_ms, silta_now_ms(),
                           NULL, NULL, 0};
    silta_err_t err;
    /* Finished in the cursor only once its dead letter is written: otherwise
     * it stays pending there, and is delivered again after a restart rather
     * than lost (issue 13, found 2). */
    if (hub_journal_dead_letter(hub->journal, &a, outcome, reason, &err) != 0)
        silta_error("could not dead-letter; the delivery stays pending",
                    "consumer=%s seq=%llu reason=\"%s\"", c->name,
                    (unsigned long long)info->seq, err.msg);
    else
        s_finish(c, info->seq);
}

/* Queue a finished delivery for the next batched write. */
static void s_record_outcome(hub_router_t *hub, hub_router_consumer_t *c, hub_journal_ack_t *a)
{
    a->explicit_row = s_finish(c, a->seq);
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

void hub_deliver_flush_acks(hub_router_t *hub)
{
    hub_deliver_checkpoint_t dc;
    if (hub_deliver_checkpoint_begin(hub, &dc, 1))
        hub_deliver_checkpoint_write(hub, &dc);
    hub_deliver_send_dispatched(hub);
}
