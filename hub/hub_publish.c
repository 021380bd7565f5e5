/*  hub_publish.c - PUBLISH: validation, the open batch, its group commit.
 *
 *  A PUBLISH is checked (envelope, policy, contract) and joins the batch; the
 *  batch is journalled in one statement, the turn's checkpoint with it (a
 *  consent's state in the same transaction), then each publisher gets its
 *  CONFIRM or NACK and the new events are handed to the consumers
 *  (hub_deliver_on_committed). It does not
 *  decide when a batch closes (the loop, hub_router.c) nor send deliveries
 *  (hub_deliver.c). Shared state: hub_router_int.h.
 */
#include "hub_router_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "silta_log.h"
#include "silta_time.h"

/* The i-th oldest held PUBLISH (i < nbatch). */
#define S_AT(hub, i) (&(hub)->batch[((hub)->batch_head + (i)) % (hub)->batch_cap])

/* ------------------------------------------------------------------------ */
/* publishing: the batch                                                     */

void hub_publish_free_entry(hub_router_pending_t *e)
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

static int s_save_consent(hub_router_t *hub, const silta_envelope_t *e, uint64_t seq,
                          silta_err_t *err)
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

static void s_apply_consent(hub_router_t *hub, const silta_envelope_t *e)
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

/* The PUBLISH's envelope as journalled, taken from its packet (so the
 * consumers' events need not decode the packed copy again): the source is the
 * authenticated identity, recorded_at the hub's. The entry's row must not be
 * read afterwards (its strings were the envelope's). */
static silta_envelope_t *s_take_envelope(hub_router_pending_t *b)
{
    silta_envelope_t *e = b->packet->publish->event;
    const ProtobufCFieldDescriptor *f =
        protobuf_c_message_descriptor_get_field_by_name(&silta__envelope__descriptor, "source");
    if (!e || !b->source || !f)
        return NULL;
    b->packet->publish->event = NULL;
    if (e->source != f->default_value) /* unpacked with protobuf-c's default allocator */
        free(e->source);
    e->source = b->source; /* the envelope owns it now */
    b->source = NULL;
    e->recorded_at = b->recorded_at;
    return e;
}

/* Commit the oldest held PUBLISHes, at most this turn's budget, with the
 * turn's checkpoint: answer each publisher, queue the new events. */
void hub_publish_commit(hub_router_t *hub, hub_deliver_checkpoint_t *dc)
{
    if (hub->nbatch == 0) {
        if (dc)
            hub_deliver_checkpoint_write(hub, dc);
        return;
    }
    size_t n = hub->nbatch;
    if (n > hub->publish_budget)
        n = hub->publish_budget;
    if (n > (size_t)hub->config->batch_max)
        n = (size_t)hub->config->batch_max;
    int64_t t0 = silta_mono_us();
    for (size_t i = 0; i < n; i++) {
        const silta_envelope_t *e = S_AT(hub, i)->packet->publish->event;
        hub_journal_row_t *r = &hub->rows[i];
        r->event_id = e->event_id;
        r->type = e->type;
        r->source = S_AT(hub, i)->source;
        r->client_key = e->client_key;
        r->occurred_at_ms = e->occurred_at;
        r->envelope = S_AT(hub, i)->packed;
        r->envelope_len = S_AT(hub, i)->packed_len;
    }
    /* A consent changes who may receive what: its state is saved in the same
     * transaction as the journal row, so the two never disagree. */
    int has_consent = 0;
    for (size_t i = 0; i < n; i++)
        has_consent |= strcmp(hub->rows[i].type, S_CONSENT_TYPE) == 0;
    silta_err_t err;
    int rc = has_consent ? hub_journal_begin(hub->journal, &err) : 0;
    if (rc == 0)
        rc = hub_journal_write(hub->journal, hub->rows, n, dc ? &dc->ck : NULL, &err);
    for (size_t i = 0; rc == 0 && has_consent && i < n; i++)
        if (hub->rows[i].is_new && strcmp(hub->rows[i].type, S_CONSENT_TYPE) == 0)
            rc = s_save_consent(hub, S_AT(hub, i)->packet->publish->event, hub->rows[i].seq,
                                &err);
    if (has_consent) {
        if (rc == 0)
            rc = hub_journal_commit(hub->journal, &err);
        if (rc != 0)
            hub_journal_rollback(hub->journal);
    }
    for (size_t i = 0; rc == 0 && has_consent && i < n; i++)
        if (hub->rows[i].is_new && strcmp(hub->rows[i].type, S_CONSENT_TYPE) == 0)
            s_apply_consent(hub, S_AT(hub, i)->packet->publish->event);
    if (dc)
        hub_deliver_checkpoint_end(hub, dc, rc);
    hub->last_commit_ms = silta_mono_ms();
    int64_t took_us = silta_mono_us() - t0;
    hub_metrics_db(&hub->m, (double)took_us / 1e6);
    if (rc != 0) {
        silta_error("journal append failed", "events=%zu reason=\"%s\"", n, err.msg);
        for (size_t i = 0; i < n; i++) {
            hub_router_pending_t *b = S_AT(hub, i);
            hub_router_session_t *s = silta_map_get(hub->sessions_by_rid, b->rid, b->rid_len);
            if (s)
                hub_router_nack(hub, s, NULL, 0, b->packet->publish->seq,
                                SILTA__ERROR_CODE__UNAVAILABLE,
                                "journal unavailable; publish again");
        }
    } else {
        for (size_t i = 0; i < n; i++) {
            hub_router_pending_t *b = S_AT(hub, i);
            hub_journal_row_t *r = &hub->rows[i];
            hub_router_session_t *s = silta_map_get(hub->sessions_by_rid, b->rid, b->rid_len);
            if (s) {
                Silta__Confirm c = SILTA__CONFIRM__INIT;
                c.seq = b->packet->publish->seq;
                c.event_id = (char *)r->event_id;
                c.duplicate = !r->is_new;
                silta_packet_t p = SILTA__PACKET__INIT;
                p.cmd_case = SILTA__PACKET__CMD_CONFIRM;
                p.confirm = &c;
                hub_router_send(hub, s, NULL, 0, &p);
                hub_metrics_confirm(&hub->m, (double)(silta_mono_us() - b->received_us) / 1e6);
            }
            hub->m.confirmed++;
            if (!r->is_new)
                hub->m.duplicates++;
        }
        for (size_t i = 0; i < n; i++)
            hub->envs[i] = hub->rows[i].is_new ? s_take_envelope(S_AT(hub, i)) : NULL;
        hub_deliver_on_committed(hub, hub->rows, hub->envs, n);
        silta_debug("batch committed", "events=%zu took_us=%lld", n, (long long)took_us);
    }
    for (size_t i = 0; i < n; i++)
        hub_publish_free_entry(S_AT(hub, i));
    hub->batch_head = (hub->batch_head + n) % hub->batch_cap;
    hub->nbatch -= n;
    if (hub->nbatch)
        hub->batch_opened_ms = S_AT(hub, 0)->received_us / 1000;
    if (rc == SILTA_EAGAIN)
        hub_journal_reconnect(hub->journal, &err);
}

int hub_publish_holds_consent(const hub_router_t *hub)
{
    for (size_t i = 0; i < hub->nbatch; i++)
        if (strcmp(S_AT(hub, i)->packet->publish->event->type, S_CONSENT_TYPE) == 0)
            return 1;
    return 0;
}

void hub_publish_flush(hub_router_t *hub)
{
    size_t budget = hub->publish_budget;
    hub->publish_budget = (size_t)hub->config->batch_max;
    while (hub->nbatch)
        hub_publish_commit(hub, NULL);
    hub->publish_budget = budget;
}

/* NACK a PUBLISH with a rate-limited warning (reasons name fields, never values). */
static void s_refuse(hub_router_t *hub, hub_router_session_t *s, const silta_envelope_t *e,
                     uint64_t seq, uint32_t code, const char *why)
{
    if (hub_router_warn_ok(hub))
        silta_warn("publish refused", "identity=%s type=%s seq=%llu code=%u reason=\"%s\"",
                   s->identity, e && e->type ? e->type : "-", (unsigned long long)seq,
                   (unsigned)code, why);
    hub_router_nack(hub, s, NULL, 0, seq, code, why);
}

void hub_publish_on_publish(hub_router_t *hub, hub_router_session_t *s, silta_packet_t **pp)
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
    if (hub->nbatch == hub->batch_cap) /* the loop stops reading first; belt and braces */
        hub_publish_commit(hub, NULL);
    hub_router_pending_t *b = S_AT(hub, hub->nbatch);
    b->packed = silta_codec_pack_envelope(&copy, &b->packed_len);
    b->source = strdup(s->identity);
    if (!b->packed || !b->source) {
        hub_publish_free_entry(b);
        hub_router_nack(hub, s, NULL, 0, pub->seq, SILTA__ERROR_CODE__UNAVAILABLE,
                        "hub out of memory");
        return;
    }
    memcpy(b->rid, s->rid, s->rid_len);
    b->rid_len = s->rid_len;
    b->packet = p;
    b->recorded_at = copy.recorded_at;
    b->received_us = silta_mono_us();
    *pp = NULL; /* the batch owns it now */
    if (hub->nbatch++ == 0)
        hub->batch_opened_ms = silta_mono_ms();
    hub->m.published++;
}
