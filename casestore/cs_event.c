/*  cs_event.c - event type table and payload decoding for the case store.
 *  Date fields are checked here once, so the store can pass them to SQL as is. */
#include "cs_event.h"

#include <string.h>

#include "cs_history.h"
#include "silta_hetu.h"

typedef struct {
    const char *type;
    cs_event_kind_t kind;
    const ProtobufCMessageDescriptor *desc;
} s_type_t;

static const s_type_t s_types[CS_EV_NTYPES] = {
    {"kela.notice.v1", CS_EV_NOTICE, &silta__kela_notice__descriptor},
    {"kela.application.v1", CS_EV_APPLICATION, &silta__kela_benefit__descriptor},
    {"kela.decision.v1", CS_EV_DECISION, &silta__kela_benefit__descriptor},
    {"employment.statement.v1", CS_EV_STATEMENT, &silta__employment_statement__descriptor},
    {"employment.plan.v1", CS_EV_EMP_PLAN, &silta__employment_plan_item__descriptor},
    {"employment.registration.v1", CS_EV_REGISTRATION, &silta__employment_registration__descriptor},
    {"health.referral.v1", CS_EV_REFERRAL, &silta__health_referral__descriptor},
    {"health.incapacity.v1", CS_EV_INCAPACITY, &silta__health_incapacity__descriptor},
    {"social.consent.v1", CS_EV_CONSENT, &silta__consent__descriptor},
    {"social.notice_handled.v1", CS_EV_NOTICE_HANDLED, &silta__notice_handled__descriptor},
    {"social.referral_status.v1", CS_EV_REFERRAL_STATUS, &silta__referral_status__descriptor},
    {"social.statement.v1", CS_EV_SOCIAL_STATEMENT, &silta__social_statement__descriptor},
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
    const s_type_t *t = s_find(type);
    return t ? t->desc : NULL;
}

/* Every string field whose name says it is a date must be "" or YYYY-MM-DD. */
static int s_check_dates(const ProtobufCMessage *m, silta_err_t *err)
{
    const ProtobufCMessageDescriptor *d = m->descriptor;
    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &d->fields[i];
        if (f->type != PROTOBUF_C_TYPE_STRING || f->label == PROTOBUF_C_LABEL_REPEATED)
            continue;
        const char *name = f->name;
        size_t len = strlen(name);
        int is_date = strcmp(name, "date") == 0 || strcmp(name, "authored") == 0 ||
                      strcmp(name, "expires") == 0 || strcmp(name, "unemployed_since") == 0 ||
                      strcmp(name, "waiting_from") == 0 ||
                      (len > 5 && strcmp(name + len - 5, "_date") == 0) ||
                      (len > 6 && strcmp(name + len - 6, "_start") == 0) ||
                      (len > 4 && strcmp(name + len - 4, "_end") == 0);
        if (!is_date)
            continue;
        const char *v = *(const char *const *)(const void *)((const char *)m + f->offset);
        cs_day_t day;
        if (cs_day_parse(v, &day) != 0)
            return silta_err_set(err, SILTA_EINVAL, "payload field %s is not a date (YYYY-MM-DD)",
                                 name);
    }
    return 0;
}

int cs_event_decode(const silta_envelope_t *ev, cs_event_t *out, silta_err_t *err)
{
    const s_type_t *t = s_find(ev->type);
    if (!t)
        return silta_err_set(err, SILTA_EINVAL, "event type %.64s is not applied by the case store",
                             ev->type ? ev->type : "");
    ProtobufCMessage *m = protobuf_c_message_unpack(t->desc, NULL, ev->payload.len, ev->payload.data);
    if (!m)
        return silta_err_set(err, SILTA_EINVAL, "payload does not decode as %s", t->desc->name);
    /* Every payload has `hetu` as field 1. */
    const ProtobufCFieldDescriptor *hf = protobuf_c_message_descriptor_get_field_by_name(t->desc,
                                                                                           "hetu");
    const char *hetu = hf ? *(const char *const *)(const void *)((const char *)m + hf->offset) : NULL;
    silta_err_t herr;
    if (!hetu || silta_hetu_parse(hetu, NULL, &herr) != 0) {
        protobuf_c_message_free_unpacked(m, NULL);
        return silta_err_set(err, SILTA_EINVAL, "payload hetu is invalid: %s",
                             hetu ? herr.msg : "missing");
    }
    if (s_check_dates(m, err) != 0) {
        protobuf_c_message_free_unpacked(m, NULL);
        return SILTA_EINVAL;
    }
    out->kind = t->kind;
    out->msg = m;
    out->hetu = hetu;
    return 0;
}

void cs_event_free(cs_event_t *e)
{
    if (e && e->msg) {
        protobuf_c_message_free_unpacked(e->msg, NULL);
        e->msg = NULL;
        e->hetu = NULL;
    }
}
