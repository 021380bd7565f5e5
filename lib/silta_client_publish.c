/*  silta_client_publish.c - publish with confirm: the client's confirm window.
 *
 *  Keeps every PUBLISH packed, by seq, until its CONFIRM or final NACK; sends it
 *  again after NACK(UNAVAILABLE) or a full send queue; waits for the window to
 *  drain (flush); turns a NACK code into a silta_err_t.
 *
 *  It does not own the socket or the session: sending goes through
 *  silta_client.c, which re-sends the whole window when a session opens and
 *  keeps the invariants drawn in its header.
 */
#include "silta_client_int.h"
#include "silta_time.h"

#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------------------
 * The confirm window */

int silta_client_publish_grow(silta_client_t *self)
{
    uint64_t ncap = self->cap ? self->cap * 2 : 1024;
    silta_client_slot_t *n = calloc(ncap, sizeof *n);
    if (!n)
        return -1;
    for (uint64_t s = self->head; s < self->next_seq; s++)
        n[s & (ncap - 1)] = self->slots[s & (self->cap - 1)];
    free(self->slots);
    self->slots = n;
    self->cap = ncap;
    return 0;
}

silta_client_slot_t *silta_client_publish_slot(const silta_client_t *self, uint64_t seq)
{
    if (seq < self->head || seq >= self->next_seq)
        return NULL;
    silta_client_slot_t *slot = &self->slots[seq & (self->cap - 1)];
    return slot->buf ? slot : NULL;
}

/* Settle seq: free its copy and move head past every settled seq. */
void silta_client_publish_settle(silta_client_t *self, silta_client_slot_t *slot)
{
    free(slot->buf);
    slot->buf = NULL;
    slot->len = 0;
    self->count--;
    while (self->head < self->next_seq && !self->slots[self->head & (self->cap - 1)].buf)
        self->head++;
}

void silta_client_publish_retry_later(silta_client_t *self, uint64_t seq)
{
    if (self->nretry == self->retry_cap) {
        size_t ncap = self->retry_cap ? self->retry_cap * 2 : 64;
        uint64_t *n = realloc(self->retry, ncap * sizeof *n);
        if (!n)
            return; /* the event waits for the next session's re-send */
        self->retry = n;
        self->retry_cap = ncap;
    }
    self->retry[self->nretry++] = seq;
    if (!self->retry_at_ms)
        self->retry_at_ms = silta_mono_ms() + self->retry_delay_ms;
}

/* Send one unsettled PUBLISH; a full send queue schedules it again later. */
void silta_client_publish_send(silta_client_t *self, uint64_t seq, const silta_client_slot_t *slot)
{
    if (silta_client_send_bytes(self, slot->buf, slot->len) != 0 && self->sock)
        silta_client_publish_retry_later(self, seq);
}

int silta_client_publish_on_confirm(silta_client_t *self, const Silta__Confirm *c,
                                    silta_client_event_t *ev)
{
    silta_client_slot_t *slot = silta_client_publish_slot(self, c->seq);
    if (!slot)
        return 0;
    silta_client_publish_settle(self, slot);
    self->retry_delay_ms = SILTA_CLIENT_RETRY_MIN_MS;
    self->unavailable = 0;
    ev->kind = SILTA_CLIENT_CONFIRM;
    ev->seq = c->seq;
    ev->event_id = c->event_id;
    ev->duplicate = c->duplicate ? 1 : 0;
    return 1;
}

int silta_client_nack_error(uint32_t code, const char *reason, silta_err_t *err)
{
    const char *r = reason ? reason : "";
    switch (code) {
    case SILTA__ERROR_CODE__INVALID_PAYLOAD:
        return silta_err_set(err, SILTA_EINVAL, "%.500s", r);
    case SILTA__ERROR_CODE__UNAVAILABLE:
        return silta_err_set(err, SILTA_EAGAIN, "hub unavailable: %.400s", r);
    case SILTA__ERROR_CODE__MALFORMED:
    case SILTA__ERROR_CODE__VERSION:
    case SILTA__ERROR_CODE__TOO_LARGE:
    case SILTA__ERROR_CODE__INVALID:
    case SILTA__ERROR_CODE__FORBIDDEN:
        return silta_err_set(err, SILTA_EINVAL, "refused by the hub: %.400s", r);
    default:
        return silta_err_set(err, SILTA_ERR, "refused by the hub (code %u): %.400s", (unsigned)code,
                             r);
    }
}

int silta_client_publish(silta_client_t *self, const silta_envelope_t *ev, uint64_t *seq_out,
                         silta_err_t *err)
{
    if (!ev || !ev->type || !ev->client_key)
        return silta_err_set(err, SILTA_EINVAL, "publish needs an event with type and client_key");
    if (self->count >= self->max_unconfirmed)
        return silta_err_set(err, SILTA_EAGAIN, "%zu events wait for confirmation", self->count);
    int rc = silta_codec_check_envelope(ev, self->max_packet, err);
    if (rc != 0)
        return rc;
    if (self->next_seq - self->head == self->cap && silta_client_publish_grow(self) != 0)
        return silta_err_set(err, SILTA_EAGAIN, "out of memory for the confirm window");

    silta_packet_t p = SILTA__PACKET__INIT;
    Silta__Publish pub = SILTA__PUBLISH__INIT;
    pub.seq = self->next_seq;
    pub.event = (silta_envelope_t *)ev; /* packing only reads it */
    p.cmd_case = SILTA__PACKET__CMD_PUBLISH;
    p.publish = &pub;
    size_t len;
    uint8_t *buf = silta_codec_pack(&p, &len);
    if (!buf)
        return silta_err_set(err, SILTA_EAGAIN, "out of memory packing the event");
    if (len > self->max_packet) {
        free(buf);
        return silta_err_set(err, SILTA_EINVAL,
                             "event of %zu bytes is over the packet limit of %zu", len,
                             self->max_packet);
    }
    uint64_t seq = self->next_seq++;
    silta_client_slot_t *slot = &self->slots[seq & (self->cap - 1)];
    slot->buf = buf;
    slot->len = len;
    self->count++;
    /* Not READY: it waits in the window; the session's opening sends it. */
    if (self->state == SILTA_CLIENT_STATE_READY)
        silta_client_publish_send(self, seq, slot);
    if (seq_out)
        *seq_out = seq;
    return SILTA_OK;
}

size_t silta_client_unconfirmed(const silta_client_t *self)
{
    return self->count;
}

int silta_client_flush(silta_client_t *self, int timeout_ms,
                       void (*on_event)(const silta_client_event_t *ev, void *arg), void *arg)
{
    int64_t deadline = silta_mono_ms() + (timeout_ms < 0 ? 0 : timeout_ms);
    while (self->count > 0) {
        int64_t left = deadline - silta_mono_ms();
        if (left <= 0)
            return SILTA_ETIMEDOUT;
        silta_client_event_t ev;
        if (silta_client_poll(self, (int)left, &ev) != 0)
            return SILTA_ERR;
        if (ev.kind != SILTA_CLIENT_NONE && on_event)
            on_event(&ev, arg);
    }
    return SILTA_OK;
}
