/* test_casestore_contract.c - property tests of lib/silta_contract over every type:
 * generated payloads (fixed seed, many iterations) pass; each mutation of one
 * field (bad date, zone suffix, invalid UTF-8, control character, missing
 * required field, value outside its enumeration or range, bad hetu, oversize
 * string, too many elements, truncated bytes) is refused with that field named.
 *
 * The invariant of issue 9: whatever the contract accepts, the case store's
 * decode path takes too (cs_event_decode), every date field is one PostgreSQL's
 * `date` reads (cs_day_parse), every string converts as UTF-8 (iconv, an
 * independent decoder) and the fields cs_apply once required are all there.
 * Linked with the case store's objects (Makefile rule test_casestore_%).
 */
#include <criterion/criterion.h>
#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../casestore/store/cs_event.h"
#include "../../casestore/rules/cs_history.h"
#include "silta_contract.h"
#include "silta_hetu.h"
#include "silta_uuid.h"

#define S_ITERATIONS 1000
#define S_MAXSTR 64

/* ------------------------------------------------------------ randomness */

static uint64_t s_seed = 0x5117a2026ULL;

static uint32_t s_rand(uint32_t n) /* 0..n-1, xorshift64 */
{
    s_seed ^= s_seed << 13;
    s_seed ^= s_seed >> 7;
    s_seed ^= s_seed << 17;
    return n ? (uint32_t)(s_seed % n) : 0;
}

/* Every allocation of one generated message, freed together. */
static void *s_mem[8192];
static size_t s_nmem;

static void *s_alloc(size_t n)
{
    cr_assert_lt(s_nmem, sizeof s_mem / sizeof s_mem[0]);
    void *p = calloc(1, n ? n : 1);
    cr_assert_not_null(p);
    return s_mem[s_nmem++] = p;
}

static char *s_strdup(const char *s)
{
    return strcpy(s_alloc(strlen(s) + 1), s);
}

static void s_free_all(void)
{
    while (s_nmem)
        free(s_mem[--s_nmem]);
}

/* ------------------------------------------------------------ valid values */

static const char *const s_pieces[] = {"a", "Z", "0", "9", " ", "-", "_", ".", "/", ":", "ä",
                                       "Ö", "å", "€", "𝄞", "(", "'", "\"", "<", "&"};

static char *s_text(uint32_t max, int free_text)
{
    uint32_t want = 1 + s_rand(S_MAXSTR);
    if (s_rand(20) == 0)
        want = max; /* at the limit */
    if (want > max)
        want = max;
    char *s = s_alloc(want + 1);
    size_t len = 0;
    while (len < want) {
        const char *p = s_pieces[s_rand(sizeof s_pieces / sizeof s_pieces[0])];
        if (free_text && s_rand(10) == 0)
            p = s_rand(2) ? "\n" : "\t";
        if (len + strlen(p) > want)
            p = "a";
        memcpy(s + len, p, strlen(p));
        len += strlen(p);
    }
    s[len] = '\0';
    return s;
}

static char *s_date(void)
{
    static const int mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int y = 1900 + (int)s_rand(300), m = 1 + (int)s_rand(12);
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    int d = 1 + (int)s_rand((uint32_t)(mdays[m - 1] + (m == 2 && leap)));
    char buf[48];
    snprintf(buf, sizeof buf, "%04d-%02d-%02d", y, m, d);
    return s_strdup(buf);
}

static char *s_hetu(void)
{
    char h[SILTA_HETU_LEN + 1];
    cr_assert_eq(silta_hetu_make(1900 + (int)s_rand(200), 1 + (int)s_rand(12),
                                 1 + (int)s_rand(28), 900 + (int)s_rand(100), h, NULL),
                 0);
    return s_strdup(h);
}

static void *s_field_at(ProtobufCMessage *m, const ProtobufCFieldDescriptor *fd)
{
    return (char *)m + fd->offset;
}

static const silta_contract_field_t *s_rule(const silta_contract_field_t *rules, size_t n,
                                            const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(rules[i].name, name) == 0)
            return &rules[i];
    cr_assert_fail("field %s has no rule", name);
    return NULL;
}

static ProtobufCMessage *s_gen(const ProtobufCMessageDescriptor *d,
                               const silta_contract_field_t *rules, size_t nrules);

static char *s_value(const silta_contract_field_t *f)
{
    int req = (f->flags & SILTA_CONTRACT_REQUIRED) || f->kind == SILTA_CONTRACT_HETU;
    if (!req && s_rand(4) == 0)
        return s_strdup("");
    switch (f->kind) {
    case SILTA_CONTRACT_HETU:
        return s_hetu();
    case SILTA_CONTRACT_DATE:
        return s_date();
    case SILTA_CONTRACT_ENUM: {
        size_t n = 0;
        while (f->values[n])
            n++;
        return s_strdup(f->values[s_rand((uint32_t)n)]);
    }
    case SILTA_CONTRACT_UUID: {
        char id[SILTA_UUID_STRLEN + 1];
        silta_uuid_v7(id);
        return s_strdup(id);
    }
    case SILTA_CONTRACT_DECIMAL: {
        char num[16];
        snprintf(num, sizeof num, "%s%u.%u", s_rand(2) ? "-" : "", s_rand(1000), s_rand(10));
        return s_strdup(num);
    }
    default:
        return s_text(f->max, f->kind == SILTA_CONTRACT_FREE);
    }
}

static ProtobufCMessage *s_gen(const ProtobufCMessageDescriptor *d,
                               const silta_contract_field_t *rules, size_t nrules)
{
    ProtobufCMessage *m = s_alloc(d->sizeof_message);
    protobuf_c_message_init(d, m);
    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *fd = &d->fields[i];
        const silta_contract_field_t *f = s_rule(rules, nrules, fd->name);
        void *at = s_field_at(m, fd);
        if (fd->label == PROTOBUF_C_LABEL_REPEATED) {
            uint32_t max = f->kind == SILTA_CONTRACT_ITEMS ? f->max : f->max_count;
            size_t n = s_rand(max < 4 ? max + 1 : 4);
            void **arr = s_alloc(sizeof(void *) * (n ? n : 1));
            for (size_t k = 0; k < n; k++)
                arr[k] = fd->type == PROTOBUF_C_TYPE_MESSAGE
                             ? (void *)s_gen(fd->descriptor, f->items, f->nitems)
                             : f->kind == SILTA_CONTRACT_ENUM ? (void *)s_value(f)
                                                              : (void *)s_text(f->max, 0);
            *(size_t *)((char *)m + fd->quantifier_offset) = n;
            *(void ***)at = arr;
        } else if (fd->type == PROTOBUF_C_TYPE_STRING) {
            *(char **)at = s_value(f);
        } else if (fd->type == PROTOBUF_C_TYPE_UINT32) {
            uint32_t v;
            if (f->values) {
                size_t n = 0;
                while (f->values[n])
                    n++;
                v = (uint32_t)strtoul(f->values[s_rand((uint32_t)n)], NULL, 10);
            } else {
                v = f->min + s_rand(f->max - f->min == UINT32_MAX ? UINT32_MAX
                                                                  : f->max - f->min + 1);
            }
            *(uint32_t *)at = v;
        } else if (fd->type == PROTOBUF_C_TYPE_BOOL) {
            *(protobuf_c_boolean *)at = (protobuf_c_boolean)s_rand(2);
        }
    }
    /* A period's end is not before its start. */
    const ProtobufCFieldDescriptor *a = protobuf_c_message_descriptor_get_field_by_name(
                                       d, "period_start"),
                                   *b = protobuf_c_message_descriptor_get_field_by_name(
                                       d, "period_end");
    if (a && b) {
        char **pa = s_field_at(m, a), **pb = s_field_at(m, b);
        if (**pa && **pb && strcmp(*pa, *pb) > 0) {
            char *t = *pa;
            *pa = *pb;
            *pb = t;
        }
    }
    return m;
}

/* ------------------------------------------------------------ the invariant */

static uint8_t s_buf[1 << 20];

static int s_decode(const char *type, const ProtobufCMessage *m, size_t cut, silta_err_t *err)
{
    size_t n = protobuf_c_message_get_packed_size(m);
    uint8_t *buf = malloc(n ? n : 1);
    cr_assert_not_null(buf);
    protobuf_c_message_pack(m, buf);
    ProtobufCMessage *d = silta_contract_decode(type, buf, n - (cut < n ? cut : n), err);
    free(buf);
    silta_contract_free(d);
    return d ? 0 : SILTA_EINVAL;
}
static int s_utf8(const char *s)
{
    iconv_t cd = iconv_open("UTF-32LE", "UTF-8");
    cr_assert_neq(cd, (iconv_t)-1);
    char out[4 * 20000];
    char *in = (char *)s, *o = out;
    size_t il = strlen(s), ol = sizeof out;
    size_t r = iconv(cd, &in, &il, &o, &ol);
    iconv_close(cd);
    return r != (size_t)-1 && il == 0;
}

/* The fields cs_apply.c checked itself before the contract took them over. */
static const char *const s_casestore_needs[][3] = {
    {"kela.notice.v1", "kind", NULL},
    {"kela.application.v1", "benefit", "status"},
    {"kela.decision.v1", "benefit", "status"},
    {"employment.statement.v1", "statement_id", "outcome"},
    {"employment.plan.v1", "item_id", NULL},
    {"employment.registration.v1", "status", NULL},
    {"health.referral.v1", "referral_id", NULL},
    {"health.incapacity.v1", "period_start", "period_end"},
    {"social.consent.v1", "consent_id", "status"},
    {"social.notice_handled.v1", "notice_event_id", NULL},
    {"social.referral_status.v1", "referral_id", "status"},
    {"social.statement.v1", "kela_reference", NULL},
    {"social.assessment.v1", "assessment_id", "status"},
};

/* m was accepted: the case store must take it as well. */
static void s_casestore_takes(const char *type, const ProtobufCMessage *m)
{
    cr_assert_lt(protobuf_c_message_get_packed_size(m), sizeof s_buf);
    size_t n = protobuf_c_message_pack(m, s_buf);
    silta_envelope_t ev = SILTA__ENVELOPE__INIT;
    ev.type = (char *)type;
    ev.payload.data = s_buf;
    ev.payload.len = n;
    if (cs_event_descriptor(type)) {
        cs_event_t e = {0};
        silta_err_t err = {0};
        cr_assert_eq(cs_event_decode(&ev, &e, &err), 0, "%s: contract took it, case store: %s",
                     type, err.msg);
        cr_assert(silta_hetu_valid(e.hetu));
        cs_event_free(&e);
    }
    size_t nf;
    const silta_contract_field_t *rules = silta_contract_fields(type, &nf);
    for (size_t i = 0; i < nf; i++) {
        const ProtobufCFieldDescriptor *fd =
            protobuf_c_message_descriptor_get_field_by_name(m->descriptor, rules[i].name);
        if (fd->type != PROTOBUF_C_TYPE_STRING || fd->label == PROTOBUF_C_LABEL_REPEATED)
            continue;
        const char *v = *(char *const *)((const char *)m + fd->offset);
        cr_assert(s_utf8(v), "%s.%s is not UTF-8 for iconv", type, rules[i].name);
        for (const char *p = v; *p; p++)
            cr_assert((unsigned char)*p >= 0x20 || *p == '\n' || *p == '\t');
        cs_day_t day;
        if (rules[i].kind == SILTA_CONTRACT_DATE)
            cr_assert_eq(cs_day_parse(v, &day), 0, "%s.%s: not a date for the store", type,
                         rules[i].name);
    }
    for (size_t i = 0; i < sizeof s_casestore_needs / sizeof s_casestore_needs[0]; i++) {
        if (strcmp(s_casestore_needs[i][0], type) != 0)
            continue;
        for (int k = 1; k < 3 && s_casestore_needs[i][k]; k++) {
            const ProtobufCFieldDescriptor *fd = protobuf_c_message_descriptor_get_field_by_name(
                m->descriptor, s_casestore_needs[i][k]);
            cr_assert(**(char *const *)((const char *)m + fd->offset), "%s.%s empty but accepted",
                      type, s_casestore_needs[i][k]);
        }
    }
}

/* ------------------------------------------------------------ mutations */

static const char *const s_bad_dates[] = {
    "2025-02-30", "2025-03-13Z", "2025-03-13+02:00", "2025-03-14T23:30:00+02:00",
    "2025-03", "2023-02-29", "1899-12-31", "2200-01-01", "2025-13-01", "13.03.2025"};
static const char *const s_bad_bytes[] = {"\xc3", "a\xffz", "\xc0\x80", "\xed\xa0\x80",
                                          "\xf4\x90\x80\x80", "a\x01z", "a\x7fz", "a\xc2\x85z"};

/* Set the string field of m to v and expect a refusal naming `name`. */
static void s_expect_refused(const char *type, ProtobufCMessage *top, char **slot, const char *v,
                             const char *name, const char *hetu)
{
    char *old = *slot;
    *slot = (char *)v;
    silta_err_t err = {0};
    cr_assert_eq(s_decode(type, top, 0, &err), SILTA_EINVAL, "%s: %s accepted a bad value", type,
                 name);
    char want[96];
    snprintf(want, sizeof want, "%s: ", name);
    cr_assert(strncmp(err.msg, want, strlen(want)) == 0, "%s: '%s' should name %s", type,
              err.msg, name);
    cr_assert(!hetu || strstr(err.msg, hetu) == NULL, "reason echoes the hetu");
    cr_assert(strlen(v) < 4 || strstr(err.msg, v) == NULL, "reason echoes the value");
    *slot = old;
}

static void s_mutate_strings(const char *type, ProtobufCMessage *top, ProtobufCMessage *m,
                             const silta_contract_field_t *f, char **slot, const char *name,
                             const char *hetu)
{
    (void)m;
    static char big[20000];
    memset(big, 'a', sizeof big - 1);
    for (size_t i = 0; i < sizeof s_bad_bytes / sizeof s_bad_bytes[0]; i++)
        s_expect_refused(type, top, slot, s_bad_bytes[i], name, hetu);
    if (f->kind != SILTA_CONTRACT_FREE)
        s_expect_refused(type, top, slot, "a\nb", name, hetu);
    if ((f->flags & SILTA_CONTRACT_REQUIRED) || f->kind == SILTA_CONTRACT_HETU)
        s_expect_refused(type, top, slot, "", name, hetu);
    if (f->kind == SILTA_CONTRACT_DATE)
        for (size_t i = 0; i < sizeof s_bad_dates / sizeof s_bad_dates[0]; i++)
            s_expect_refused(type, top, slot, s_bad_dates[i], name, hetu);
    if (f->kind == SILTA_CONTRACT_ENUM) {
        s_expect_refused(type, top, slot, "bogus", name, hetu);
        char up[64];
        snprintf(up, sizeof up, "%s", f->values[0]);
        up[0] = (char)(up[0] - 32);
        s_expect_refused(type, top, slot, up, name, hetu);
    }
    if (f->kind == SILTA_CONTRACT_HETU) {
        char h[SILTA_HETU_LEN + 1];
        snprintf(h, sizeof h, "%s", *slot);
        h[10] = h[10] == 'A' ? 'B' : 'A'; /* wrong check character (or an invalid one) */
        s_expect_refused(type, top, slot, h, name, hetu);
    }
    if (f->kind == SILTA_CONTRACT_UUID)
        s_expect_refused(type, top, slot, "not-an-event-id", name, hetu);
    if (f->kind == SILTA_CONTRACT_DECIMAL) {
        s_expect_refused(type, top, slot, "12,5", name, hetu);
        s_expect_refused(type, top, slot, "1.", name, hetu);
        s_expect_refused(type, top, slot, "12345678901234567", name, hetu);
    }
    if (f->kind == SILTA_CONTRACT_TEXT || f->kind == SILTA_CONTRACT_FREE) {
        big[f->max + 1] = '\0';
        s_expect_refused(type, top, slot, big, name, hetu);
        big[f->max + 1] = 'a';
    }
}

/* Every mutation of every field of m (top is the message packed). */
static void s_mutate(const char *type, ProtobufCMessage *top, ProtobufCMessage *m,
                     const silta_contract_field_t *rules, size_t nrules, const char *prefix,
                     const char *hetu)
{
    const ProtobufCMessageDescriptor *d = m->descriptor;
    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *fd = &d->fields[i];
        const silta_contract_field_t *f = s_rule(rules, nrules, fd->name);
        void *at = s_field_at(m, fd);
        char name[96];
        silta_err_t err;
        if (fd->label == PROTOBUF_C_LABEL_REPEATED) {
            size_t *n = (size_t *)((char *)m + fd->quantifier_offset);
            void **arr = *(void ***)at;
            if (*n > 0 && fd->type == PROTOBUF_C_TYPE_STRING) {
                snprintf(name, sizeof name, "%s%s[0]", prefix, fd->name);
                s_mutate_strings(type, top, m, f, (char **)&arr[0], name, hetu);
            } else if (*n > 0) {
                snprintf(name, sizeof name, "%s%s[0].", prefix, fd->name);
                s_mutate(type, top, arr[0], f->items, f->nitems, name, hetu);
            }
            /* One element too many. */
            uint32_t max = f->kind == SILTA_CONTRACT_ITEMS ? f->max : f->max_count;
            size_t old = *n;
            void **more = calloc(max + 1, sizeof(void *));
            void *one = fd->type == PROTOBUF_C_TYPE_STRING
                            ? (void *)(f->kind == SILTA_CONTRACT_ENUM ? f->values[0] : "x")
                            : (void *)s_gen(fd->descriptor, f->items, f->nitems);
            for (size_t k = 0; k <= max; k++)
                more[k] = one;
            *(void ***)at = more;
            *n = max + 1;
            cr_assert_eq(s_decode(type, top, 0, &err), SILTA_EINVAL, "%s: too many %s", type,
                         fd->name);
            *(void ***)at = arr;
            *n = old;
            free(more);
            continue;
        }
        snprintf(name, sizeof name, "%s%s", prefix, fd->name);
        if (fd->type == PROTOBUF_C_TYPE_STRING) {
            s_mutate_strings(type, top, m, f, (char **)at, name, hetu);
        } else if (fd->type == PROTOBUF_C_TYPE_UINT32 && f->kind == SILTA_CONTRACT_UINT &&
                   (f->values || f->max < UINT32_MAX)) {
            uint32_t old = *(uint32_t *)at;
            *(uint32_t *)at = f->values ? 30 : f->max + 1;
            cr_assert_eq(s_decode(type, top, 0, &err), SILTA_EINVAL, "%s: %s out of range", type,
                         name);
            cr_assert(strncmp(err.msg, name, strlen(name)) == 0, "%s", err.msg);
            *(uint32_t *)at = old;
        }
    }
}

/* ------------------------------------------------------------ tests */

Test(casestore_contract, every_field_of_every_type_has_a_rule)
{
    size_t n;
    const char *const *types = silta_contract_types(&n);
    for (size_t t = 0; t < n; t++) {
        size_t nf;
        const silta_contract_field_t *rules = silta_contract_fields(types[t], &nf);
        const ProtobufCMessageDescriptor *d = silta_contract_descriptor(types[t]);
        cr_assert_eq(nf, d->n_fields, "%s: %zu rules for %u fields", types[t], nf, d->n_fields);
        for (unsigned i = 0; i < d->n_fields; i++)
            s_rule(rules, nf, d->fields[i].name);
    }
    /* The case store decodes exactly the types it applies, all with a contract. */
    const char *cs[] = {"kela.notice.v1", "social.statement.v1", "health.referral.v1"};
    for (size_t i = 0; i < 3; i++)
        cr_assert_eq(cs_event_descriptor(cs[i]), silta_contract_descriptor(cs[i]));
}

Test(casestore_contract, generated_payloads_pass_and_the_case_store_takes_them, .timeout = 120)
{
    size_t n;
    const char *const *types = silta_contract_types(&n);
    for (int it = 0; it < S_ITERATIONS; it++) {
        for (size_t t = 0; t < n; t++) {
            size_t nf;
            const silta_contract_field_t *rules = silta_contract_fields(types[t], &nf);
            ProtobufCMessage *m = s_gen(silta_contract_descriptor(types[t]), rules, nf);
            silta_err_t err = {0};
            cr_assert_eq(s_decode(types[t], m, 0, &err), 0, "%s (iteration %d) refused: %s",
                         types[t], it, err.msg);
            s_casestore_takes(types[t], m);
            s_free_all();
        }
    }
}

Test(casestore_contract, every_mutation_is_refused_with_its_field_named, .timeout = 300)
{
    size_t n;
    const char *const *types = silta_contract_types(&n);
    for (int it = 0; it < S_ITERATIONS / 5; it++) {
        for (size_t t = 0; t < n; t++) {
            size_t nf;
            const silta_contract_field_t *rules = silta_contract_fields(types[t], &nf);
            ProtobufCMessage *m = s_gen(silta_contract_descriptor(types[t]), rules, nf);
            const char *hetu = silta_contract_hetu(m);
            s_mutate(types[t], m, m, rules, nf, "", hetu);
            silta_err_t err = {0};
            cr_assert_eq(s_decode(types[t], m, 0, &err), 0, "mutations were not undone: %s",
                         err.msg);
            /* One byte short: the last field is incomplete, so it never decodes. */
            cr_assert_eq(s_decode(types[t], m, 1, &err), SILTA_EINVAL);
            cr_assert(strncmp(err.msg, "payload: ", 9) == 0, "%s", err.msg);
            s_free_all();
        }
    }
}

Test(casestore_contract, random_bytes_accepted_only_if_the_case_store_takes_them, .timeout = 120)
{
    size_t n;
    const char *const *types = silta_contract_types(&n);
    size_t taken = 0;
    for (int it = 0; it < S_ITERATIONS * 10; it++) {
        const char *type = types[s_rand((uint32_t)n)];
        size_t nf;
        const silta_contract_field_t *rules = silta_contract_fields(type, &nf);
        ProtobufCMessage *m = s_gen(silta_contract_descriptor(type), rules, nf);
        cr_assert_lt(protobuf_c_message_get_packed_size(m), sizeof s_buf);
        size_t len = protobuf_c_message_pack(m, s_buf);
        for (int k = 0; k < 3 && len; k++) /* flip a few bytes */
            s_buf[s_rand((uint32_t)len)] ^= (uint8_t)(1u << s_rand(8));
        silta_err_t err;
        ProtobufCMessage *d = silta_contract_decode(type, s_buf, len - s_rand(2), &err);
        if (d) {
            taken++;
            s_casestore_takes(type, d);
            silta_contract_free(d);
        }
        s_free_all();
    }
    cr_assert_gt(taken, 0, "no flipped payload passed: the invariant was never exercised");
}
