/*  cs_event.c - event type table and payload decoding for the case store.
 *  The payload's shape (hetu, dates, required fields, enumerations) is the
 *  contract of lib/silta_contract, checked here once, so the store can pass the
 *  values to SQL as they are.
 *
 *  Not here: SQL, rules.
 */
#include "cs_event.h"

#include <string.h>

#include "silta_contract.h"

typedef struct {
    const char *type;
    cs_event_kind_t kind;
} s_type_t;

static const s_type_t s_types[CS_EV_NTYPES] = {
    {"kela.notice.v1", CS_EV_NOTICE},
    {"kela.application.v1", CS_EV_APPLICATION},
    {"kela.decision.v1", CS_EV_DECISION},
    {"employment.statement.v1", CS_EV_STATEMENT},
    {"employment.plan.v1", CS_EV_EMP_PLAN},
    {"employment.registration.v1", CS_EV_REGISTRATION},
    {"health.referral.v1", CS_EV_REFERRAL},
    {"health.incapacity.v1", CS_EV_INCAPACITY},
    {"social.consent.v1", CS_EV_CONSENT},
    {"social.notice_handled.v1", CS_EV_NOTICE_HANDLED},
    {"social.referral_status.v1", CS_EV_REFERRAL_STATUS},
    {"social.statement.v1", CS_EV_SOCIAL_STATEMENT},
    {"social.assessment.v1", CS_EV_ASSESSMENT},
    {"social.client_plan.v1", CS_EV_CLIENT_PLAN},
};

const char *const *cs_event_types(size_t *n)
{
    static const char *names[CS_EV_NTYPES];
    size_t k = 0;
    for (size_t i = 0; i < CS_EV_NTYPES; i++)
        if (strncmp(s_types[i].type, "social.", 7) != 0)
            names[k++] = s_types[i].type;
    *n = k;
    return names;
}

static const s_type_t *s_find(const char *type)
{
    for (size_t i = 0; type && i < CS_EV_NTYPES; i++)
        if (strcmp(s_types[i].type, type) == 0)
            return &s_types[i];
    return NULL;
}

const ProtobufCMessageDescriptor *cs_event_descriptor(const char *type)
{
    return s_find(type) ? silta_contract_descriptor(type) : NULL;
}

int cs_event_decode(const silta_envelope_t *ev, cs_event_t *out, silta_err_t *err)
{
    const s_type_t *t = s_find(ev->type);
    if (!t)
        return silta_err_set(err, SILTA_EINVAL, "event type %.64s is not applied by the case store",
                             ev->type ? ev->type : "");
    /* The hub ran the same contract before it confirmed: a failure here is an
     * event journalled before the contract existed, or a bug. */
    silta_err_t cerr;
    ProtobufCMessage *m = silta_contract_decode(ev->type, ev->payload.data, ev->payload.len, &cerr);
    if (!m)
        return silta_err_set(err, SILTA_EINVAL, "contract: %.480s", cerr.msg);
    out->kind = t->kind;
    out->msg = m;
    out->hetu = silta_contract_hetu(m);
    return 0;
}

void cs_event_free(cs_event_t *e)
{
    if (e && e->msg) {
        silta_contract_free(e->msg);
        e->msg = NULL;
        e->hetu = NULL;
    }
}
