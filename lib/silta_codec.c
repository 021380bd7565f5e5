/*  silta_codec.c - protobuf-c pack/unpack for SILTA/1, with limits. */
#include "silta_codec.h"

#include "silta_redact.h"
#include "silta_uuid.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

silta_packet_t *silta_codec_decode(const void *data, size_t len, size_t max_len, uint32_t *nack_code,
                                   silta_err_t *err)
{
    uint32_t dummy;
    if (!nack_code)
        nack_code = &dummy;
    if (len > max_len) {
        *nack_code = SILTA__ERROR_CODE__TOO_LARGE;
        silta_err_set(err, SILTA_EINVAL, "packet of %zu bytes is over the limit of %zu", len,
                      max_len);
        return NULL;
    }
    silta_packet_t *p = silta__packet__unpack(NULL, len, data);
    if (!p) {
        *nack_code = SILTA__ERROR_CODE__MALFORMED;
        silta_err_set(err, SILTA_EINVAL, "malformed packet: not a SILTA/1 protobuf Packet");
        return NULL;
    }
    if (p->version != SILTA_PROTOCOL_VERSION) {
        *nack_code = SILTA__ERROR_CODE__VERSION;
        silta_err_set(err, SILTA_EINVAL, "unsupported protocol version %u (this side speaks %d)",
                      p->version, SILTA_PROTOCOL_VERSION);
        silta__packet__free_unpacked(p, NULL);
        return NULL;
    }
    if (p->cmd_case == SILTA__PACKET__CMD__NOT_SET) {
        *nack_code = SILTA__ERROR_CODE__MALFORMED;
        silta_err_set(err, SILTA_EINVAL, "packet carries no command");
        silta__packet__free_unpacked(p, NULL);
        return NULL;
    }
    return p;
}

void silta_codec_free(silta_packet_t **p)
{
    if (p && *p) {
        silta__packet__free_unpacked(*p, NULL);
        *p = NULL;
    }
}

uint8_t *silta_codec_pack(silta_packet_t *p, size_t *len)
{
    p->version = SILTA_PROTOCOL_VERSION;
    size_t n = silta__packet__get_packed_size(p);
    uint8_t *buf = malloc(n ? n : 1);
    if (!buf)
        return NULL;
    *len = silta__packet__pack(p, buf);
    return buf;
}

static void s_free_buf(void *data, void *hint)
{
    (void)hint;
    free(data);
}

int silta_codec_send(void *socket, const void *routing_id, size_t routing_id_len,
                     silta_packet_t *p)
{
    return silta_codec_sendf(socket, routing_id, routing_id_len, p, 0);
}

int silta_codec_sendf(void *socket, const void *routing_id, size_t routing_id_len,
                      silta_packet_t *p, int flags)
{
    size_t len;
    uint8_t *buf = silta_codec_pack(p, &len);
    if (!buf) {
        errno = ENOMEM;
        return -1;
    }
    if (routing_id && zmq_send(socket, routing_id, routing_id_len, ZMQ_SNDMORE | flags) < 0) {
        free(buf);
        return -1;
    }
    zmq_msg_t msg;
    zmq_msg_init_data(&msg, buf, len, s_free_buf, NULL);
    if (zmq_msg_send(&msg, socket, flags) < 0) {
        zmq_msg_close(&msg);
        return -1;
    }
    return 0;
}

static int s_safe_token(const char *s, size_t max, int allow_upper)
{
    size_t n = strlen(s);
    if (n == 0 || n > max)
        return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!(islower(c) || isdigit(c) || c == '.' || c == '_' || c == '-' ||
              (allow_upper && isupper(c))))
            return 0;
    }
    return 1;
}

/* DDMMYY + century sign + ZZZ + check: the shape of a hetu, check not verified. */
static int s_looks_like_hetu(const char *s)
{
    if (strlen(s) != 11)
        return 0;
    for (int i = 0; i < 6; i++)
        if (!isdigit((unsigned char)s[i]))
            return 0;
    return strchr("+-YXWVUABCDEF", s[6]) != NULL;
}

int silta_codec_check_envelope(const silta_envelope_t *e, size_t max_payload, silta_err_t *err)
{
    if (!e)
        return silta_err_set(err, SILTA_EINVAL, "publish carries no event");
    if (!silta_uuid_valid(e->event_id))
        return silta_err_set(err, SILTA_EINVAL, "event_id is not a canonical uuid");
    if (!s_safe_token(e->type, SILTA_MAX_TYPE_LEN, 0))
        return silta_err_set(err, SILTA_EINVAL,
                             "type must be 1-%d characters of a-z 0-9 . _ -", SILTA_MAX_TYPE_LEN);
    if (!s_safe_token(e->client_key, SILTA_MAX_KEY_LEN, 1))
        return silta_err_set(err, SILTA_EINVAL,
                             "client_key must be 1-%d characters of A-Z a-z 0-9 . _ -",
                             SILTA_MAX_KEY_LEN);
    if (s_looks_like_hetu(e->client_key) || silta_redact_has_hetu(e->client_key))
        return silta_err_set(err, SILTA_EINVAL, "client_key looks like or contains a personal "
                                                "identity code; send its keyed hash");
    const char *ids[] = {e->correlation_id, e->causation_id, e->legal_basis, e->consent_ref,
                         e->xroad_id, e->xroad_user, e->payload_type};
    for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++)
        if (ids[i] && strlen(ids[i]) > SILTA_MAX_ID_LEN)
            return silta_err_set(err, SILTA_EINVAL, "an envelope header is over %d characters",
                                 SILTA_MAX_ID_LEN);
    if (e->payload.len > max_payload)
        return silta_err_set(err, SILTA_EINVAL, "payload of %zu bytes is over the limit of %zu",
                             e->payload.len, max_payload);
    return SILTA_OK;
}

uint8_t *silta_codec_pack_envelope(const silta_envelope_t *e, size_t *len)
{
    size_t n = silta__envelope__get_packed_size(e);
    uint8_t *buf = malloc(n ? n : 1);
    if (!buf)
        return NULL;
    *len = silta__envelope__pack(e, buf);
    return buf;
}

silta_envelope_t *silta_codec_unpack_envelope(const uint8_t *data, size_t len)
{
    return silta__envelope__unpack(NULL, len, data);
}

void silta_codec_free_envelope(silta_envelope_t **e)
{
    if (e && *e) {
        silta__envelope__free_unpacked(*e, NULL);
        *e = NULL;
    }
}
