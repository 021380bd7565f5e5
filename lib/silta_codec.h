/*  silta_codec.h - SILTA/1 packets to and from ZeroMQ frames.
 *
 *  The only module that calls protobuf-c pack/unpack: a decoded packet is owned
 *  by the caller and freed with silta_codec_free(). Decoding checks size limits
 *  and the protocol version before anyone looks at a field, so a hostile frame
 *  becomes an error with a reason, never a crash.
 */
#ifndef SILTA_CODEC_H
#define SILTA_CODEC_H

#include <stddef.h>
#include <stdint.h>

#include "silta.pb-c.h"
#include "silta_err.h"

#define SILTA_PROTOCOL_VERSION 1
#define SILTA_MAX_PACKET_DEFAULT (1024 * 1024) /* bytes, one packet */
#define SILTA_MAX_TYPE_LEN 128
#define SILTA_MAX_KEY_LEN 128
#define SILTA_MAX_ID_LEN 128

typedef Silta__Packet silta_packet_t;
typedef Silta__Envelope silta_envelope_t;

/* Decode one frame. Returns the packet (caller frees) or NULL with err filled:
 * code SILTA_EINVAL and err->msg the reason; *nack_code (if not NULL) gets the
 * SILTA__ERROR_CODE__* to answer with. */
silta_packet_t *silta_codec_decode(const void *data, size_t len, size_t max_len, uint32_t *nack_code,
                                   silta_err_t *err);

/* Free a decoded packet and set *p to NULL; harmless on NULL. */
void silta_codec_free(silta_packet_t **p);

/* Pack a packet (version is set here) into a fresh buffer. Returns the buffer
 * (caller frees with free()) and its size in *len, or NULL on out of memory. */
uint8_t *silta_codec_pack(silta_packet_t *p, size_t *len);

/* Send p on a ZeroMQ socket as one frame, after an optional routing-id frame
 * (ROUTER side; pass NULL/0 from a DEALER). Returns 0 or -1 (errno from zmq). */
int silta_codec_send(void *socket, const void *routing_id, size_t routing_id_len,
                     silta_packet_t *p);

/* The same with zmq_send flags (ZMQ_DONTWAIT: -1 with errno EAGAIN instead of
 * blocking when the peer's queue is full - what a ROUTER must do, so that one
 * slow or hostile peer cannot stall everyone). */
int silta_codec_sendf(void *socket, const void *routing_id, size_t routing_id_len,
                      silta_packet_t *p, int flags);

/* Validate what a publisher sent: event_id is a canonical UUID, type and
 * client_key are present, short and of safe characters (a client_key that looks
 * like a hetu is refused: personal data must not reach logs or indexes).
 * Returns 0, or SILTA_EINVAL with the reason. */
int silta_codec_check_envelope(const silta_envelope_t *e, size_t max_payload, silta_err_t *err);

/* Deep-copy an envelope into one packed buffer (for keeping it after the packet
 * is freed): returns malloc'd protobuf bytes of the envelope, length in *len. */
uint8_t *silta_codec_pack_envelope(const silta_envelope_t *e, size_t *len);
silta_envelope_t *silta_codec_unpack_envelope(const uint8_t *data, size_t len);
void silta_codec_free_envelope(silta_envelope_t **e);

#endif
