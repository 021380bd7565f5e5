/*  cs_event.h - decode a delivered event's typed payload (proto/events.proto).
 *
 *  The only place in casestore/ that unpacks payloads, through the type's
 *  contract (lib/silta_contract.h: hetu, dates, required fields, enumerations,
 *  UTF-8, lengths). The hub checks the same contract before it confirms, so a
 *  payload that fails here is an event journalled before the contract, or a
 *  bug: the caller REJECTs the delivery with err's reason ("contract: FIELD:
 *  reason", never a value). The decoded message is owned by the cs_event_t and
 *  freed with cs_event_free().
 *
 *  Not here: SQL (cs_apply.c), what an event means for the plan (rules/).
 */
#ifndef CS_EVENT_H
#define CS_EVENT_H

#include <protobuf-c/protobuf-c.h>

#include "events.pb-c.h"
#include "silta_codec.h"
#include "silta_err.h"

typedef enum {
    CS_EV_NOTICE,
    CS_EV_APPLICATION,
    CS_EV_DECISION,
    CS_EV_STATEMENT,
    CS_EV_EMP_PLAN,
    CS_EV_REGISTRATION,
    CS_EV_REFERRAL,
    CS_EV_INCAPACITY,
    CS_EV_CONSENT,
    CS_EV_NOTICE_HANDLED,
    CS_EV_REFERRAL_STATUS,
    CS_EV_SOCIAL_STATEMENT,
    CS_EV_ASSESSMENT,
    CS_EV_CLIENT_PLAN,
    CS_EV_NTYPES
} cs_event_kind_t;

typedef struct {
    cs_event_kind_t kind;
    ProtobufCMessage *msg; /* the typed payload: cast by kind */
    const char *hetu;      /* borrowed from msg; validated by the contract */
} cs_event_t;

/* The event types the case store subscribes to: the agencies' types (static
 * strings). social.* events originate here (a caseworker's action is applied
 * to the store and then published), so they are decoded but not subscribed:
 * config/policy.xml delivers them to other agencies only. */
const char *const *cs_event_types(size_t *n);

/* The payload descriptor of a type ("kela.notice.v1"), or NULL. */
const ProtobufCMessageDescriptor *cs_event_descriptor(const char *type);

/* Decode ev's payload. Returns 0, or SILTA_EINVAL with the reason. */
int cs_event_decode(const silta_envelope_t *ev, cs_event_t *out, silta_err_t *err);

/* Free the payload; harmless twice. */
void cs_event_free(cs_event_t *e);

#endif
