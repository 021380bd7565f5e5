/*  silta_contract.c - the payload contracts of proto/events.proto as tables.
 *
 *  One table row per event type: its message and one rule per field (see
 *  silta_contract.h for what each kind means). silta_contract_check walks the
 *  message's descriptor, finds each field's rule by name and checks the value;
 *  a string field without a rule is still checked as free text of S_FREE_MAX
 *  bytes, so a field added to events.proto is never unchecked. Nothing here
 *  allocates except silta_contract_decode (protobuf-c's unpack).
 *
 *  Not here: the date normalisation of the edges, the client_key.
 */
#include "silta_contract.h"

#include "silta_date.h"

#include <stdio.h>
#include <string.h>

#include "events.pb-c.h"
#include "silta_hetu.h"
#include "silta_uuid.h"

/* Byte limits. Agency schemas count characters (kela text 4000, employment text
 * 2000); a Finnish character is at most 2 bytes, so these keep every valid
 * record, and still bound what a row in the case store may hold. */
#define S_ID_MAX 256u    /* ids, references, codes */
#define S_NAME_MAX 512u  /* people, organisations, agencies, purposes */
#define S_TITLE_MAX 4096u
#define S_FREE_MAX 16384u
#define S_ENUM_MAX 64u

#define S_REQ SILTA_CONTRACT_REQUIRED
#define F_TEXT(n, max, fl) {n, SILTA_CONTRACT_TEXT, fl, max, 0, NULL, 0, NULL, 0}
#define F_LIST(n, max, count) {n, SILTA_CONTRACT_TEXT, 0, max, 0, NULL, count, NULL, 0}
#define F_ENUML(n, vals, count) {n, SILTA_CONTRACT_ENUM, 0, S_ENUM_MAX, 0, vals, count, NULL, 0}
#define F_DEC(n) {n, SILTA_CONTRACT_DECIMAL, 0, 16, 0, NULL, 0, NULL, 0}
#define F_FREE(n, max) {n, SILTA_CONTRACT_FREE, 0, max, 0, NULL, 0, NULL, 0}
#define F_DATE(n, fl) {n, SILTA_CONTRACT_DATE, fl, 10, 0, NULL, 0, NULL, 0}
#define F_HETU {"hetu", SILTA_CONTRACT_HETU, S_REQ, SILTA_HETU_LEN, 0, NULL, 0, NULL, 0}
#define F_ENUM(n, vals, fl) {n, SILTA_CONTRACT_ENUM, fl, S_ENUM_MAX, 0, vals, 0, NULL, 0}
#define F_UUID(n, fl) {n, SILTA_CONTRACT_UUID, fl, SILTA_UUID_STRLEN, 0, NULL, 0, NULL, 0}
#define F_UINT(n, lo, hi) {n, SILTA_CONTRACT_UINT, 0, hi, lo, NULL, 0, NULL, 0}
#define F_USET(n, vals) {n, SILTA_CONTRACT_UINT, 0, 0, 0, vals, 0, NULL, 0}
#define F_BOOL(n) {n, SILTA_CONTRACT_BOOL, 0, 0, 0, NULL, 0, NULL, 0}
#define F_ITEMS(n, tab, count)                                                                    \
    {n, SILTA_CONTRACT_ITEMS, 0, count, 0, NULL, 0, tab, sizeof tab / sizeof tab[0]}
#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* ------------------------------------------------------------ value lists */

/* Kela's eTotu notice kinds (kela-batch.xsd), with "kehotus" (since 1.2.2026, HE
 * 116/2025): Kela's instruction to the client, one month before a 50 % cut. */
static const char *const s_notice_kinds[] = {
    "forwarded_application", "basic_amount_reduction", "under25_basic_assistance_4m",
    "long_term_unemployed_over25", "immigrant_2m", "meeting_request", "need_for_social_work",
    "kehotus", NULL};
/* 0 = no reduction; 20 and 40 per cent (toimeentulotukilaki 10 §), 50 from 2026. */
static const char *const s_reduction[] = {"0", "20", "40", "50", NULL};
/* Why the basic amount is reduced (10 § as amended from 1.2.2026, HE 116/2025;
 * config/schemas/kela-batch.xsd, reductionReason). */
static const char *const s_reduction_reason[] = {
    "primary_benefit_not_applied", "not_registered_jobseeker", "labour_policy_sanction",
    "integration_plan", NULL};
static const char *const s_benefit_status[] = {"received", "pending", "granted", "rejected",
                                               "reduced", "ended", "suspended", NULL};
static const char *const s_outcome[] = {"entitled", "not_entitled", "waiting_period", NULL};
static const char *const s_item_status[] = {"open", "done", "cancelled", NULL};
static const char *const s_registration[] = {"registered", "deregistered", NULL};
static const char *const s_priority[] = {"routine", "urgent", "asap", "stat", NULL};
static const char *const s_rstatus_values[] = {"received", "accepted", "in-progress",
                                                "completed", "rejected", NULL};
static const char *const s_consent_status[] = {"given", "revoked", NULL};
static const char *const s_severity[] = {"info", "warning", "urgent", NULL};
static const char *const s_alert_status[] = {"open", "closed", NULL};

/* ------------------------------------------------------------ field tables */

static const silta_contract_field_t s_kela_notice[] = {
    F_HETU,
    F_TEXT("phone", 32, 0),
    F_TEXT("kela_reference", S_ID_MAX, 0),
    F_ENUM("kind", s_notice_kinds, S_REQ),
    F_FREE("free_text", S_FREE_MAX),
    F_LIST("attachments", S_ID_MAX, 50),
    F_DATE("date", 0),
    F_USET("reduction_percent", s_reduction),
    F_ENUM("reduction_reason", s_reduction_reason, 0),
};

static const silta_contract_field_t s_kela_benefit[] = {
    F_HETU,
    F_TEXT("kela_reference", S_ID_MAX, 0),
    F_TEXT("benefit", S_ENUM_MAX, S_REQ), /* open list: perustoimeentulotuki, elake, ... */
    F_ENUM("status", s_benefit_status, S_REQ),
    F_DATE("period_start", 0),
    F_DATE("period_end", 0),
    F_TEXT("reason_code", S_ID_MAX, 0),
    F_UINT("sickness_days_used", 0, 300), /* the 300-working-day maximum */
    F_DATE("complete_date", 0),
    F_BOOL("urgent"),
};

static const silta_contract_field_t s_emp_statement[] = {
    F_HETU,
    F_TEXT("statement_id", S_ID_MAX, S_REQ),
    F_ENUM("outcome", s_outcome, S_REQ),
    F_UINT("waiting_days", 0, 365),
    F_DATE("waiting_from", 0),
    F_FREE("reason", S_FREE_MAX),
    F_DATE("date", 0),
};

static const silta_contract_field_t s_emp_plan[] = {
    F_HETU,
    F_TEXT("plan_id", S_ID_MAX, 0),
    F_TEXT("item_id", S_ID_MAX, S_REQ),
    F_FREE("title", S_TITLE_MAX),
    F_DATE("due_date", 0),
    F_DATE("start_date", 0),
    F_ENUM("status", s_item_status, 0),
    F_FREE("responsible", S_TITLE_MAX),
};

static const silta_contract_field_t s_emp_registration[] = {
    F_HETU,
    F_ENUM("status", s_registration, S_REQ),
    F_DATE("date", 0),
    F_DATE("unemployed_since", 0),
};

static const silta_contract_field_t s_referral[] = {
    F_HETU,
    F_TEXT("referral_id", S_ID_MAX, S_REQ),
    F_ENUM("priority", s_priority, 0),
    F_TEXT("requester_org", S_NAME_MAX, 0),
    F_TEXT("requester", S_NAME_MAX, 0),
    F_FREE("reason", S_FREE_MAX),
    F_DATE("authored", 0),
    F_BOOL("consent"),
};

static const silta_contract_field_t s_incapacity[] = {
    F_HETU,
    F_DATE("period_start", S_REQ),
    F_DATE("period_end", S_REQ),
    F_TEXT("diagnosis_group", S_ID_MAX, 0),
};

static const silta_contract_field_t s_referral_status[] = {
    F_HETU,
    F_TEXT("referral_id", S_ID_MAX, S_REQ),
    F_ENUM("status", s_rstatus_values, S_REQ),
    F_TEXT("worker", S_NAME_MAX, 0),
    F_FREE("note", S_FREE_MAX),
};

static const char *const s_assessment_status[] = {"started", "completed", NULL};

/* The support needs of sosiaalihuoltolaki 1301/2014 11 § (verify the list against
 * Finlex), as the need areas a completed assessment found. */
static const char *const s_need_areas[] = {
    "care_and_livelihood",      /* 1) välttämätön huolenpito ja toimeentulo */
    "housing",                  /* 2) asuminen */
    "financial",                /* 3) taloudellinen tuki */
    "inclusion",                /* 4) syrjäytymisen ehkäisy, osallisuus */
    "violence",                 /* 5) lähisuhde- ja perheväkivalta, kaltoinkohtelu */
    "crisis",                   /* 6) äkilliset kriisitilanteet */
    "child_development",        /* 7) lapsen ja nuoren kehitys ja hyvinvointi */
    "mental_health_substances", /* 8) mielenterveys, päihteet, sairaus, vamma, ikääntyminen */
    "functional_capacity",      /* 9) fyysinen, psyykkinen, sosiaalinen, kognitiivinen */
    "caring_for_relative",      /* 10) läheisen huolenpito */
    NULL};

static const silta_contract_field_t s_assessment[] = {
    F_HETU,
    F_TEXT("assessment_id", S_ID_MAX, S_REQ),
    F_ENUM("status", s_assessment_status, S_REQ),
    F_DATE("date", 0),
    F_TEXT("referral_id", S_ID_MAX, 0),
    F_UUID("notice_event_id", 0),
    F_TEXT("worker", S_NAME_MAX, 0),
    F_ENUML("need_areas", s_need_areas, 10),
};

/* The client plan (sosiaalihuoltolaki 39 §): GAS, goal attainment scaling, -2..+2. */
static const char *const s_cplan_kinds[] = {"start", "review", NULL};
static const char *const s_gas[] = {"-2", "-1", "0", "1", "2", NULL};
static const char *const s_agencies[] = {"social", "kela", "employment", "health", NULL};

static const silta_contract_field_t s_cplan_goal[] = {
    F_TEXT("goal_id", S_ID_MAX, S_REQ),
    F_FREE("text", S_TITLE_MAX),
    F_ENUM("gas", s_gas, 0),
};

static const silta_contract_field_t s_cplan_action[] = {
    F_TEXT("action_id", S_ID_MAX, S_REQ),
    F_ENUM("agency", s_agencies, S_REQ),
    F_FREE("title", S_TITLE_MAX),
    F_TEXT("responsible", S_NAME_MAX, 0),
    F_DATE("due_date", 0),
    F_TEXT("goal_id", S_ID_MAX, 0),
};

static const silta_contract_field_t s_client_plan[] = {
    F_HETU,
    F_TEXT("plan_id", S_ID_MAX, S_REQ),
    F_ENUM("kind", s_cplan_kinds, S_REQ),
    F_DATE("date", 0),
    F_DATE("review_date", 0),
    F_TEXT("responsible_worker", S_NAME_MAX, S_REQ), /* omatyöntekijä, SHL 42 § */
    F_ITEMS("goals", s_cplan_goal, 20),
    F_ITEMS("actions", s_cplan_action, 50),
    F_TEXT("measure_name", S_NAME_MAX, 0),
    F_DEC("measure_value"),
    F_TEXT("assessment_id", S_ID_MAX, 0),
    F_TEXT("worker", S_NAME_MAX, 0),
};

static const silta_contract_field_t s_notice_handled[] = {
    F_HETU,
    F_UUID("notice_event_id", S_REQ),
    F_TEXT("worker", S_NAME_MAX, 0),
    F_FREE("outcome", S_FREE_MAX),
};

static const silta_contract_field_t s_consent[] = {
    F_HETU,
    F_TEXT("consent_id", S_ID_MAX, S_REQ),
    F_ENUM("status", s_consent_status, S_REQ),
    F_TEXT("purpose", S_NAME_MAX, S_REQ), /* the hub's consent check needs it */
    F_LIST("recipients", S_ENUM_MAX, 32),
    F_DATE("expires", 0),
};

static const silta_contract_field_t s_plan_item[] = {
    F_TEXT("item_id", S_ID_MAX, S_REQ),
    F_TEXT("owner_agency", S_ENUM_MAX, 0),
    F_TEXT("responsible", S_NAME_MAX, 0),
    F_FREE("title", S_TITLE_MAX),
    F_DATE("due_date", 0),
    F_ENUM("status", s_item_status, 0),
    F_TEXT("cause_event_id", S_ID_MAX, 0),
};

static const silta_contract_field_t s_plan[] = {
    F_HETU,
    F_UINT("version", 0, UINT32_MAX),
    F_ITEMS("items", s_plan_item, 1000),
};

static const silta_contract_field_t s_statement[] = {
    F_HETU,
    F_TEXT("kela_reference", S_ID_MAX, S_REQ),
    F_FREE("text", S_FREE_MAX),
    F_TEXT("worker", S_NAME_MAX, 0),
    F_DATE("date", 0),
};

static const silta_contract_field_t s_gap_alert[] = {
    F_HETU,
    F_TEXT("rule", S_ID_MAX, S_REQ),
    F_ENUM("severity", s_severity, 0),
    F_DATE("due_date", 0),
    F_TEXT("responsible_agency", S_NAME_MAX, 0),
    F_TEXT("responsible_worker", S_NAME_MAX, 0),
    F_FREE("explanation", S_FREE_MAX),
    F_ENUM("status", s_alert_status, S_REQ),
    F_TEXT("alert_id", S_ID_MAX, S_REQ),
};

typedef struct {
    const char *type;
    const ProtobufCMessageDescriptor *desc;
    const silta_contract_field_t *fields;
    size_t nfields;
    const char *start, *end; /* start <= end when both are given */
} s_contract_t;

#define C(t, d, f) {t, &d, f, NELEM(f), NULL, NULL}
#define C_PERIOD(t, d, f, a, b) {t, &d, f, NELEM(f), a, b}

static const s_contract_t s_contracts[] = {
    C("kela.notice.v1", silta__kela_notice__descriptor, s_kela_notice),
    C_PERIOD("kela.application.v1", silta__kela_benefit__descriptor, s_kela_benefit,
             "period_start", "period_end"),
    C_PERIOD("kela.decision.v1", silta__kela_benefit__descriptor, s_kela_benefit,
             "period_start", "period_end"),
    C("employment.statement.v1", silta__employment_statement__descriptor, s_emp_statement),
    C("employment.plan.v1", silta__employment_plan_item__descriptor, s_emp_plan),
    C("employment.registration.v1", silta__employment_registration__descriptor,
      s_emp_registration),
    C("health.referral.v1", silta__health_referral__descriptor, s_referral),
    C_PERIOD("health.incapacity.v1", silta__health_incapacity__descriptor, s_incapacity,
             "period_start", "period_end"),
    C("social.consent.v1", silta__consent__descriptor, s_consent),
    C("social.notice_handled.v1", silta__notice_handled__descriptor, s_notice_handled),
    C("social.referral_status.v1", silta__referral_status__descriptor, s_referral_status),
    C("social.assessment.v1", silta__social_assessment__descriptor, s_assessment),
    C("social.statement.v1", silta__social_statement__descriptor, s_statement),
    C("social.plan.v1", silta__coordinated_plan__descriptor, s_plan),
    C("social.client_plan.v1", silta__client_plan__descriptor, s_client_plan),
    C("hub.gap_alert.v1", silta__gap_alert__descriptor, s_gap_alert),
};

static const s_contract_t *s_find(const char *type)
{
    for (size_t i = 0; type && i < NELEM(s_contracts); i++)
        if (strcmp(s_contracts[i].type, type) == 0)
            return &s_contracts[i];
    return NULL;
}

/* ------------------------------------------------------------ values */

int silta_contract_date_valid(const char *s)
{
    if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
        return 0;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
            return 0;
    int y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
    int m = (s[5] - '0') * 10 + (s[6] - '0');
    int d = (s[8] - '0') * 10 + (s[9] - '0');
    return y >= SILTA_CONTRACT_YEAR_MIN && y <= SILTA_CONTRACT_YEAR_MAX && silta_date_valid(y, m, d);
}

/* Strict UTF-8 as PostgreSQL's pg_utf8_islegal reads it (RFC 3629: no overlong
 * form, no surrogate, nothing above U+10FFFF) and no control character but \n
 * and \t where multiline is set. Hand-written because libxml2's xmlGetUTF8Char, the
 * decoder already linked, accepts overlong forms and surrogates, which PostgreSQL
 * then refuses. Returns NULL or the reason. */
static const char *s_utf8(const char *str, int multiline)
{
    const unsigned char *s = (const unsigned char *)str;
    while (*s) {
        unsigned c = *s, n, cp;
        if (c < 0x80) {
            if ((c < 0x20 && !(multiline && (c == '\n' || c == '\t'))) || c == 0x7f)
                return "control character";
            s++;
            continue;
        }
        if (c >= 0xc2 && c <= 0xdf) {
            n = 1;
            cp = c & 0x1f;
        } else if (c >= 0xe0 && c <= 0xef) {
            n = 2;
            cp = c & 0x0f;
        } else if (c >= 0xf0 && c <= 0xf4) {
            n = 3;
            cp = c & 0x07;
        } else {
            return "not valid UTF-8";
        }
        for (unsigned i = 1; i <= n; i++) {
            if ((s[i] & 0xc0) != 0x80)
                return "not valid UTF-8";
            cp = (cp << 6) | (s[i] & 0x3f);
        }
        if ((n == 2 && cp < 0x800) || (n == 3 && (cp < 0x10000 || cp > 0x10ffff)) ||
            (cp >= 0xd800 && cp <= 0xdfff))
            return "not valid UTF-8";
        if (cp >= 0x80 && cp <= 0x9f)
            return "control character";
        s += n + 1;
    }
    return NULL;
}

static int s_in(const char *v, const char *const *values)
{
    for (size_t i = 0; values && values[i]; i++)
        if (strcmp(values[i], v) == 0)
            return 1;
    return 0;
}

int silta_contract_decimal_valid(const char *v)
{
    const char *c = v + (*v == '-');
    size_t digits = strspn(c, "0123456789");
    if (digits == 0)
        return 0;
    c += digits;
    if (*c == '.') {
        size_t frac = strspn(c + 1, "0123456789");
        if (frac == 0)
            return 0;
        c += 1 + frac;
    }
    return *c == '\0';
}

/* One string value against its rule. Returns NULL or the reason. */
static const char *s_string(const silta_contract_field_t *f, const char *v, char *why,
                            size_t whylen)
{
    if (!v)
        v = "";
    if (!*v)
        return (f->flags & S_REQ) || f->kind == SILTA_CONTRACT_HETU ? "required" : NULL;
    /* A date or a hetu has one length: its own parser says what is wrong. */
    if (f->kind != SILTA_CONTRACT_DATE && f->kind != SILTA_CONTRACT_HETU && strlen(v) > f->max) {
        snprintf(why, whylen, "longer than %u bytes", (unsigned)f->max);
        return why;
    }
    const char *bad = s_utf8(v, f->kind == SILTA_CONTRACT_FREE);
    if (bad)
        return bad;
    silta_err_t herr;
    switch (f->kind) {
    case SILTA_CONTRACT_DATE:
        return silta_contract_date_valid(v) ? NULL : "not a date (YYYY-MM-DD, 1900..2199)";
    case SILTA_CONTRACT_HETU:
        if (silta_hetu_parse(v, NULL, &herr) == 0)
            return NULL;
        snprintf(why, whylen, "%.80s", herr.msg); /* names the part, never the code */
        return why;
    case SILTA_CONTRACT_ENUM:
        return s_in(v, f->values) ? NULL : "not one of the allowed values";
    case SILTA_CONTRACT_UUID:
        return silta_uuid_valid(v) ? NULL : "not an event id";
    case SILTA_CONTRACT_DECIMAL:
        return silta_contract_decimal_valid(v) ? NULL : "not a decimal number";
    default:
        return NULL;
    }
}

static const char *s_uint(const silta_contract_field_t *f, uint32_t v, char *why, size_t whylen)
{
    if (f->values) {
        char num[16];
        snprintf(num, sizeof num, "%u", (unsigned)v);
        return s_in(num, f->values) ? NULL : "not one of the allowed values";
    }
    if (v < f->min || v > f->max) {
        snprintf(why, whylen, "out of range %u..%u", (unsigned)f->min, (unsigned)f->max);
        return why;
    }
    return NULL;
}

static const silta_contract_field_t *s_rule(const silta_contract_field_t *fields, size_t n,
                                            const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(fields[i].name, name) == 0)
            return &fields[i];
    return NULL;
}

static const void *s_at(const ProtobufCMessage *m, const ProtobufCFieldDescriptor *fd)
{
    return (const char *)m + fd->offset;
}

static int s_message(const ProtobufCMessage *m, const silta_contract_field_t *fields,
                     size_t nfields, const char *prefix, const char **field, silta_err_t *err);

/* One field of m. Returns 0 or SILTA_EINVAL with "PREFIXNAME: reason". */
static int s_field(const ProtobufCMessage *m, const ProtobufCFieldDescriptor *fd,
                   const silta_contract_field_t *f, const char *prefix, silta_err_t *err)
{
    static const silta_contract_field_t fallback = F_FREE("", S_FREE_MAX);
    char why[96];
    const char *bad = NULL;
    size_t count = 1;
    if (fd->label == PROTOBUF_C_LABEL_REPEATED) {
        count = *(const size_t *)((const char *)m + fd->quantifier_offset);
        uint32_t max = f ? (f->kind == SILTA_CONTRACT_ITEMS ? f->max : f->max_count) : 100;
        if (count > max) {
            snprintf(why, sizeof why, "more than %u elements", (unsigned)max);
            return silta_err_set(err, SILTA_EINVAL, "%s%s: %s", prefix, fd->name, why);
        }
    }
    if (!f)
        f = &fallback;
    for (size_t i = 0; i < count && !bad; i++) {
        const void *p = s_at(m, fd);
        if (fd->label == PROTOBUF_C_LABEL_REPEATED) /* an array of char * or message * */
            p = &(*(void *const *const *)p)[i];
        switch (fd->type) {
        case PROTOBUF_C_TYPE_STRING:
            bad = s_string(f, *(const char *const *)p, why, sizeof why);
            if (bad && fd->label == PROTOBUF_C_LABEL_REPEATED)
                return silta_err_set(err, SILTA_EINVAL, "%s%s[%zu]: %s", prefix, fd->name, i,
                                     bad);
            break;
        case PROTOBUF_C_TYPE_UINT32:
            if (f->kind == SILTA_CONTRACT_UINT)
                bad = s_uint(f, *(const uint32_t *)p, why, sizeof why);
            break;
        case PROTOBUF_C_TYPE_MESSAGE: {
            const ProtobufCMessage *sub = *(const ProtobufCMessage *const *)p;
            char sp[64];
            snprintf(sp, sizeof sp, "%s%s[%zu].", prefix, fd->name, i);
            if (sub && f->items && s_message(sub, f->items, f->nitems, sp, NULL, err) != 0)
                return SILTA_EINVAL;
            break;
        }
        default:
            break;
        }
    }
    if (bad)
        return silta_err_set(err, SILTA_EINVAL, "%s%s: %s", prefix, fd->name, bad);
    return 0;
}

/* Every field of m's descriptor, in field order, against its rule; the name of
 * the field that fails goes to *field (a static string) when field is set. */
static int s_message(const ProtobufCMessage *m, const silta_contract_field_t *fields,
                     size_t nfields, const char *prefix, const char **field, silta_err_t *err)
{
    const ProtobufCMessageDescriptor *d = m->descriptor;
    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *fd = &d->fields[i];
        if (s_field(m, fd, s_rule(fields, nfields, fd->name), prefix, err) != 0) {
            if (field)
                *field = fd->name;
            return SILTA_EINVAL;
        }
    }
    return 0;
}

static const char *s_str(const ProtobufCMessage *m, const char *name)
{
    const ProtobufCFieldDescriptor *fd =
        protobuf_c_message_descriptor_get_field_by_name(m->descriptor, name);
    if (!fd || fd->type != PROTOBUF_C_TYPE_STRING || fd->label == PROTOBUF_C_LABEL_REPEATED)
        return NULL;
    return *(const char *const *)s_at(m, fd);
}

/* ------------------------------------------------------------ interface */

const ProtobufCMessageDescriptor *silta_contract_descriptor(const char *type)
{
    const s_contract_t *c = s_find(type);
    return c ? c->desc : NULL;
}

int silta_contract_check_field(const char *type, const ProtobufCMessage *m, const char **field,
                               silta_err_t *err)
{
    const char *dummy;
    if (!field)
        field = &dummy;
    *field = "payload";
    const s_contract_t *c = s_find(type);
    if (!c) {
        *field = "type";
        return silta_err_set(err, SILTA_EINVAL, "type: no contract for this event type");
    }
    if (!m || m->descriptor != c->desc)
        return silta_err_set(err, SILTA_EINVAL, "payload: not a %s", c->desc->name);
    if (s_message(m, c->fields, c->nfields, "", field, err) != 0)
        return SILTA_EINVAL;
    if (c->start) {
        const char *a = s_str(m, c->start), *b = s_str(m, c->end);
        /* Both are valid dates or "" here: YYYY-MM-DD compares as text. */
        if (a && b && *a && *b && strcmp(a, b) > 0) {
            *field = c->end;
            return silta_err_set(err, SILTA_EINVAL, "%s: before %s", c->end, c->start);
        }
    }
    return 0;
}

int silta_contract_check_born(const ProtobufCMessage *m, long today_ymd, silta_err_t *err)
{
    silta_hetu_t h;
    const char *hetu = m ? s_str(m, "hetu") : NULL;
    if (!hetu || silta_hetu_parse(hetu, &h, NULL) != 0)
        return 0;
    silta_err_t herr;
    if (silta_hetu_check_not_future(&h, today_ymd, &herr) != 0)
        return silta_err_set(err, SILTA_EINVAL, "hetu: %s", herr.msg);
    return 0;
}

int silta_contract_check_inbound(const char *type, const ProtobufCMessage *m, long today_ymd,
                                 const char **field, silta_err_t *err)
{
    if (silta_contract_check_field(type, m, field, err) != 0)
        return SILTA_EINVAL;
    if (silta_contract_check_born(m, today_ymd, err) != 0) {
        if (field)
            *field = "hetu";
        return SILTA_EINVAL;
    }
    return 0;
}

int silta_contract_check(const char *type, const ProtobufCMessage *m, silta_err_t *err)
{
    return silta_contract_check_field(type, m, NULL, err);
}

ProtobufCMessage *silta_contract_decode(const char *type, const uint8_t *data, size_t len,
                                        silta_err_t *err)
{
    const s_contract_t *c = s_find(type);
    if (!c) {
        silta_err_set(err, SILTA_EINVAL, "type: no contract for this event type");
        return NULL;
    }
    ProtobufCMessage *m = protobuf_c_message_unpack(c->desc, NULL, len, data);
    if (!m) {
        silta_err_set(err, SILTA_EINVAL, "payload: does not decode as %s", c->desc->name);
        return NULL;
    }
    if (silta_contract_check(type, m, err) != 0) {
        protobuf_c_message_free_unpacked(m, NULL);
        return NULL;
    }
    return m;
}

void silta_contract_free(ProtobufCMessage *m)
{
    if (m)
        protobuf_c_message_free_unpacked(m, NULL);
}

const char *silta_contract_hetu(const ProtobufCMessage *m)
{
    return m ? s_str(m, "hetu") : NULL;
}

const char *const *silta_contract_types(size_t *n)
{
    static const char *const names[] = {
        "kela.notice.v1",           "kela.application.v1",       "kela.decision.v1",
        "employment.statement.v1",  "employment.plan.v1",        "employment.registration.v1",
        "health.referral.v1",       "health.incapacity.v1",      "social.consent.v1",
        "social.notice_handled.v1", "social.referral_status.v1", "social.statement.v1",
        "social.plan.v1",           "social.client_plan.v1",     "hub.gap_alert.v1",
        "social.assessment.v1"};
    _Static_assert(NELEM(names) == NELEM(s_contracts), "one name per contract");
    *n = NELEM(names);
    return names;
}

const silta_contract_field_t *silta_contract_fields(const char *type, size_t *n)
{
    const s_contract_t *c = s_find(type);
    *n = c ? c->nfields : 0;
    return c ? c->fields : NULL;
}
