/*  silta_contract.h - one contract per event type: the payload shape every consumer takes.
 *
 *  An agency is told "accepted" only for what every consumer will take, so each typed
 *  payload of proto/events.proto has one validator here, run by the adapter before it
 *  publishes, by the hub before it confirms (NACK INVALID_PAYLOAD) and by the case store
 *  when it reads a delivery. The same table serves all three.
 *
 *  Shapes (docs/contracts.md lists every field of every type):
 *    - the payload decodes as the type's message (silta_contract_descriptor);
 *    - `hetu` is a valid Finnish identity code (silta_hetu);
 *    - every string is valid UTF-8 as PostgreSQL reads it (no overlong forms, no
 *      surrogates, nothing above U+10FFFF), has no control character (free-text fields
 *      may hold \n and \t) and is at most the field's byte length;
 *    - a date field is "" or a real calendar date YYYY-MM-DD, years 1900..2199 (no zone,
 *      no time: values are normalised where they enter, never here);
 *    - required fields are non-empty; enumerations hold one of their listed values;
 *      numbers are within their range; a start date is not after its end date;
 *    - repeated fields have at most their maximum count; each plan item is checked
 *      against the item table the same way.
 *  A field absent from a proto3 message reads as "" or 0: that is "not given".
 *
 *  Errors: SILTA_EINVAL with err->msg "FIELD: reason" (nested: "items[2].status: ...").
 *  The reason names the field, never its value: no hetu or name ever reaches a message
 *  or a log line through here.
 *
 *  Not here: routing, consent, the client_key (silta_clientkey), and normalisation of
 *  what an agency sends (xs:date with a zone, FHIR dateTime): that happens at the edge,
 *  before a message is built.
 *
 *  Source of the tables: the comments in proto/events.proto, config/schemas/ (the XSDs), and
 *  what the adapters and the case store produce.
 */
#ifndef SILTA_CONTRACT_H
#define SILTA_CONTRACT_H

#include <protobuf-c/protobuf-c.h>
#include <stddef.h>
#include <stdint.h>

#include "silta_err.h"

#define SILTA_CONTRACT_YEAR_MIN 1900
#define SILTA_CONTRACT_YEAR_MAX 2199

typedef enum {
    SILTA_CONTRACT_TEXT,  /* one line: no control characters */
    SILTA_CONTRACT_FREE,  /* free text: \n and \t allowed, no other control character */
    SILTA_CONTRACT_DATE,  /* "" or YYYY-MM-DD */
    SILTA_CONTRACT_HETU,  /* a valid hetu (always required) */
    SILTA_CONTRACT_ENUM,  /* one of values */
    SILTA_CONTRACT_UUID,  /* an event id (silta_uuid_valid) */
    SILTA_CONTRACT_UINT,  /* min..max, or one of values (decimal) when values is set */
    SILTA_CONTRACT_BOOL,  /* anything */
    SILTA_CONTRACT_ITEMS, /* repeated message: each element against `items` */
    SILTA_CONTRACT_DECIMAL /* "" or a decimal number: -?[0-9]+(.[0-9]+)?, at most max bytes */
} silta_contract_kind_t;

#define SILTA_CONTRACT_REQUIRED 1u

/* One field's rule. Read-only; exposed so tests and docs can walk the table. */
typedef struct silta_contract_field_s {
    const char *name;                           /* the proto field name */
    silta_contract_kind_t kind;
    unsigned flags;                             /* SILTA_CONTRACT_REQUIRED */
    uint32_t max;      /* TEXT/FREE/ENUM: bytes; UINT: largest value; ITEMS: element count */
    uint32_t min;      /* UINT: smallest value */
    const char *const *values;                  /* ENUM / UINT set: NULL-terminated */
    uint32_t max_count;                         /* repeated strings: element count */
    const struct silta_contract_field_s *items; /* ITEMS: the element's fields */
    size_t nitems;
} silta_contract_field_t;

/* The payload message of type ("kela.notice.v1"), or NULL when the type has no
 * contract (bench.*, test.*, a type not in events.proto). */
const ProtobufCMessageDescriptor *silta_contract_descriptor(const char *type);

/* Check m (a message of the type's descriptor) against the contract of type.
 * Returns 0, or SILTA_EINVAL with "FIELD: reason" in err. A type without a
 * contract, or m of another message, is SILTA_EINVAL too. */
int silta_contract_check(const char *type, const ProtobufCMessage *m, silta_err_t *err);

/* The same, and on failure *field (when field is not NULL) names the failing
 * top-level field ("kind", "items", "payload" when m is not the type's message),
 * a static string a caller may keep, e.g. for a rejection report line. */
int silta_contract_check_field(const char *type, const ProtobufCMessage *m, const char **field,
                               silta_err_t *err);

/* The check where data enters Silta (an adapter before it publishes, the hub
 * before it confirms a PUBLISH): silta_contract_check_field, and the payload's
 * hetu must not be born after today_ymd (YYYYMMDD, the Helsinki day:
 * silta_hetu_today_ymd) - "hetu: birth date is in the future", *field "hetu".
 * Only at entry: what is already journalled is never refused on replay, so
 * silta_contract_decode (the consumers' check) does not look at today. */
int silta_contract_check_inbound(const char *type, const ProtobufCMessage *m, long today_ymd,
                                 const char **field, silta_err_t *err);

/* Only the birth-date part of that, for a message already checked (the hub's
 * silta_contract_decode result): 0, or SILTA_EINVAL "hetu: birth date is in
 * the future". A message without a valid hetu passes (the contract says why). */
int silta_contract_check_born(const ProtobufCMessage *m, long today_ymd, silta_err_t *err);

/* Unpack len bytes as type's message and check it. Returns the message (free
 * with silta_contract_free) or NULL with SILTA_EINVAL and "FIELD: reason" in err
 * ("payload: ..." when it does not decode). */
ProtobufCMessage *silta_contract_decode(const char *type, const uint8_t *data, size_t len,
                                        silta_err_t *err);

/* Free a message returned by silta_contract_decode; harmless on NULL. */
void silta_contract_free(ProtobufCMessage *m);

/* The message's `hetu` (borrowed from m), or NULL when it has none. */
const char *silta_contract_hetu(const ProtobufCMessage *m);

/* 1 when s is a real calendar date YYYY-MM-DD within the years above, else 0. */
int silta_contract_date_valid(const char *s);

/* 1 when s is a decimal number as SILTA_CONTRACT_DECIMAL takes it:
 * -?[0-9]+(.[0-9]+)? ("27", "3.5", "-1"; not "3,5", "1.", ".5"), any length. */
int silta_contract_decimal_valid(const char *s);

/* The types with a contract (static strings), n set to their count. */
const char *const *silta_contract_types(size_t *n);

/* The field rules of type (n set to their count), or NULL. */
const silta_contract_field_t *silta_contract_fields(const char *type, size_t *n);

#endif
