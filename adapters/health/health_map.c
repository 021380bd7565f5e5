/*  health_map.c - ServiceRequest -> HealthReferral (contract: health_map.h).
 *
 *  Reads only through health_res's accessors, so a JSON and an XML referral
 *  take exactly the same path. Mapping: referral_id (health_map.h), priority
 *  (routine | urgent | asap | stat; default routine), requester <-
 *  requester.display, requester_org <- requester.reference when it is an
 *  Organization/..., reason <- R4 reasonCode / reasonReference.display, R5
 *  reason.concept / reason.reference.display, else the request's code (R4
 *  code, R5 code.concept), authored <- authoredOn as the Helsinki date
 *  (health_time.h), consent <- extension urn:silta:consent valueBoolean.
 */
#include "health_map.h"

#include "health_res.h"
#include "health_time.h"
#include "silta_hetu.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void health_referral_clear(health_referral_t *r)
{
    if (r->msg)
        silta__health_referral__free_unpacked(r->msg, NULL);
    json_decref(r->resource);
    memset(r, 0, sizeof *r);
}

/* ------------------------------------------------------------------ references */

static int s_absolute(const char *r)
{
    return strncmp(r, "urn:", 4) == 0 || strstr(r, "://") != NULL;
}

/* Split ".../_history/N" off ref: base and version ("" when none). */
static void s_split_version(const char *ref, char *base, size_t bsz, char *ver, size_t vsz)
{
    const char *h = strstr(ref, "/_history/");
    snprintf(base, bsz, "%.*s", h ? (int)(h - ref) : (int)strlen(ref), ref);
    snprintf(ver, vsz, "%s", h ? h + 10 : "");
}

/* The root of a RESTful fullUrl ("http://x/fhir" of "http://x/fhir/Patient/p3"). */
static int s_restful_root(const char *full, char *root, size_t sz)
{
    if (!full || !strstr(full, "://"))
        return 0;
    const char *id = strrchr(full, '/');
    const char *type = id;
    while (type && type > full && type[-1] != '/')
        type--;
    if (!id || !type || type == full || type[0] < 'A' || type[0] > 'Z' || !id[1])
        return 0;
    snprintf(root, sz, "%.*s", (int)(type - 1 - full), full);
    return 1;
}

/* 1 when res is "Type/id". */
static int s_is(const json_t *res, const char *type_id)
{
    const char *t = health_res_type(res), *id = health_res_str(res, "id");
    size_t tl = strlen(t);
    return id && tl && strncmp(type_id, t, tl) == 0 && type_id[tl] == '/' &&
           strcmp(type_id + tl + 1, id) == 0;
}

/* The resource ref names, by FHIR's rules for references inside a Bundle
 * (R4 Bundle "Resolving references in Bundles"): "#id" is a contained
 * resource of sr; a version is stripped before matching fullUrl and then
 * checked against meta.versionId; an absolute reference (urn:uuid:, http..)
 * matches a fullUrl; a relative Type/id is made absolute with the root of the
 * entry's own RESTful fullUrl. When the entry's fullUrl is not RESTful
 * (urn:uuid:), Type/id matches an entry whose resource has that type and id
 * and whose fullUrl is not a RESTful URL elsewhere. NULL with why when none. */
static const json_t *s_resolve(const json_t *bundle, const char *full_url, const json_t *sr,
                               const char *ref, char *why, size_t wsz)
{
    if (ref[0] == '#') {
        for (size_t i = 0; i < health_res_count(sr, "contained"); i++) {
            const json_t *c = health_res_at(sr, "contained", i);
            const char *id = health_res_str(c, "id");
            if (id && strcmp(id, ref + 1) == 0)
                return c;
        }
        snprintf(why, wsz, "no contained resource %.80s", ref);
        return NULL;
    }
    char base[512], ver[80], root[512], target[1100] = "";
    s_split_version(ref, base, sizeof base, ver, sizeof ver);
    int absolute = s_absolute(base);
    if (absolute)
        snprintf(target, sizeof target, "%s", base);
    else if (s_restful_root(full_url, root, sizeof root))
        snprintf(target, sizeof target, "%s/%s", root, base);
    for (size_t i = 0; bundle && i < health_res_count(bundle, "entry"); i++) {
        const json_t *e = health_res_at(bundle, "entry", i);
        const json_t *res = health_res_get(e, "resource");
        const char *fu = health_res_str(e, "fullUrl");
        int hit = target[0] && fu && strcmp(fu, target) == 0;
        if (!hit && !absolute && res && s_is(res, base))
            hit = !fu || !strstr(fu, "://") || !target[0];
        if (!hit || !res)
            continue;
        const char *have = health_res_str(res, "meta/versionId");
        if (ver[0] && have && strcmp(have, ver) != 0) {
            snprintf(why, wsz, "%.80s names version %.20s, but the Bundle holds version %.20s",
                     ref, ver, have);
            return NULL;
        }
        return res;
    }
    snprintf(why, wsz, "no entry of the Bundle has that fullUrl");
    return NULL;
}

/* ------------------------------------------------------------------ the patient */

/* The hetu among obj's identifiers, or NULL (borrowed). */
static const char *s_hetu_identifier(const json_t *obj)
{
    for (size_t i = 0; i < health_res_count(obj, "identifier"); i++) {
        const json_t *id = health_res_at(obj, "identifier", i);
        const char *sys = health_res_str(id, "system");
        if (sys && strcmp(sys, HEALTH_HETU_SYSTEM) == 0)
            return health_res_str(id, "value");
    }
    /* Reference.identifier is a single Identifier */
    return NULL;
}

static const char *s_hetu(const json_t *bundle, const char *full_url, const json_t *sr,
                          silta_err_t *err)
{
    const json_t *subject = health_res_get(sr, "subject");
    if (!subject) {
        silta_err_set(err, SILTA_EINVAL, "patient cannot be identified: the ServiceRequest has no "
                                         "subject");
        return NULL;
    }
    const char *hetu = s_hetu_identifier(subject);
    if (hetu)
        return hetu;
    const char *ref = health_res_str(subject, "reference");
    if (!ref) {
        silta_err_set(err, SILTA_EINVAL,
                      "patient cannot be identified: subject has neither an identifier with "
                      "system " HEALTH_HETU_SYSTEM " (henkilötunnus) nor a reference to a Patient");
        return NULL;
    }
    char why[300] = "";
    const json_t *p = s_resolve(bundle, full_url, sr, ref, why, sizeof why);
    if (p && strcmp(health_res_type(p), "Patient") != 0) {
        silta_err_set(err, SILTA_EINVAL, "patient cannot be identified: subject refers to %.80s, "
                                         "which is a %.40s, not a Patient", ref,
                      health_res_type(p));
        return NULL;
    }
    if (p) {
        hetu = s_hetu_identifier(p);
        if (!hetu)
            silta_err_set(err, SILTA_EINVAL,
                          "patient cannot be identified: the Patient %.80s has no identifier "
                          "with system " HEALTH_HETU_SYSTEM " (henkilötunnus)", ref);
        return hetu;
    }
    if (bundle)
        silta_err_set(err, SILTA_EINVAL,
                      "patient cannot be identified: subject refers to %.80s, which carries no "
                      "identifier with system " HEALTH_HETU_SYSTEM " (henkilötunnus) and cannot "
                      "be resolved in this Bundle (%s)", ref, why);
    else
        silta_err_set(err, SILTA_EINVAL,
                      "patient cannot be identified: subject refers to %.80s, which carries no "
                      "identifier with system " HEALTH_HETU_SYSTEM " (henkilötunnus) and is not "
                      "a Patient in a Bundle with the request; send the hetu as "
                      "subject.identifier or the Patient in a Bundle", ref);
    return NULL;
}

/* ------------------------------------------------------------------ fields */

/* Text of a CodeableConcept: its text, else the first coding's display. */
static const char *s_concept_text(const json_t *cc)
{
    const char *t = cc ? health_res_str(cc, "text") : NULL;
    return t ? t : cc ? health_res_str(cc, "coding/display") : NULL;
}

static const char *s_reason(const json_t *sr)
{
    const char *t = s_concept_text(health_res_get(sr, "reasonCode"));
    const json_t *r = health_res_get(sr, "reason");
    if (!t && r)
        t = s_concept_text(health_res_get(r, "concept"));
    if (!t && r)
        t = health_res_str(r, "reference/display");
    if (!t)
        t = health_res_str(sr, "reasonReference/display");
    if (!t) {
        const json_t *code = health_res_get(sr, "code");
        const json_t *concept = health_res_get(code, "concept");
        t = s_concept_text(concept ? concept : code);
    }
    return t;
}

static int s_consent(const json_t *sr)
{
    int consent = 0;
    for (size_t i = 0; i < health_res_count(sr, "extension"); i++) {
        const json_t *x = health_res_at(sr, "extension", i);
        const char *url = health_res_str(x, "url"), *b = health_res_str(x, "valueBoolean");
        if (url && strcmp(url, "urn:silta:consent") == 0)
            consent = b && strcmp(b, "true") == 0;
    }
    return consent;
}

/* The business identifier: the first with system and value that is not a hetu. */
static json_t *s_business_identifier(const json_t *sr)
{
    for (size_t i = 0; i < health_res_count(sr, "identifier"); i++) {
        json_t *id = health_res_at(sr, "identifier", i);
        const char *sys = health_res_str(id, "system"), *val = health_res_str(id, "value");
        if (sys && val && *sys && *val && strcmp(sys, HEALTH_HETU_SYSTEM) != 0)
            return id;
    }
    return NULL;
}

static void s_hex(const unsigned char *b, size_t n, char *out)
{
    static const char hx[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = hx[b[i] >> 4];
        out[2 * i + 1] = hx[b[i] & 15];
    }
    out[2 * n] = '\0';
}

/* health_map.h (2): BLAKE2b-128 of "system|value" in hex. */
static void s_id_from_identifier(const json_t *ident, char out[65])
{
    const char *sys = health_res_str(ident, "system"), *val = health_res_str(ident, "value");
    unsigned char h[16];
    crypto_generichash_state st;
    crypto_generichash_init(&st, NULL, 0, sizeof h);
    crypto_generichash_update(&st, (const unsigned char *)sys, strlen(sys));
    crypto_generichash_update(&st, (const unsigned char *)"|", 1);
    crypto_generichash_update(&st, (const unsigned char *)val, strlen(val));
    crypto_generichash_final(&st, h, sizeof h);
    s_hex(h, sizeof h, out);
}

/* health_map.h (4): a UUID (version 8 layout) from BLAKE2b-128 of the packed
 * referral (referral_id still empty). */
static int s_id_from_content(const Silta__HealthReferral *m, char out[65])
{
    size_t n = protobuf_c_message_get_packed_size(&m->base);
    uint8_t *buf = malloc(n + 1);
    if (!buf)
        return SILTA_ERR;
    protobuf_c_message_pack(&m->base, buf);
    unsigned char h[16];
    crypto_generichash(h, sizeof h, buf, n, (const unsigned char *)"silta-health/sr", 15);
    free(buf);
    h[6] = (unsigned char)(0x80 | (h[6] & 0x0f));
    h[8] = (unsigned char)(0x80 | (h[8] & 0x3f));
    char hex[33];
    s_hex(h, sizeof h, hex);
    snprintf(out, 65, "%.8s-%.4s-%.4s-%.4s-%.12s", hex, hex + 8, hex + 12, hex + 16, hex + 20);
    return 0;
}

static char *s_dup(const char *s)
{
    return s ? strdup(s) : NULL;
}

int health_map_referral(const json_t *bundle, const char *full_url, const json_t *sr,
                        const char *put_id, health_referral_t *out, silta_err_t *err)
{
    memset(out, 0, sizeof *out);
    const char *hetu = s_hetu(bundle, full_url, sr, err);
    if (!hetu)
        return SILTA_EINVAL;
    silta_err_t herr;
    if (silta_hetu_parse(hetu, NULL, &herr) != 0)
        return silta_err_set(err, SILTA_EINVAL, "patient identifier (system " HEALTH_HETU_SYSTEM
                                                ") is not a valid henkilötunnus: %s", herr.msg);
    const char *priority = health_res_str(sr, "priority");
    if (priority && strcmp(priority, "routine") != 0 && strcmp(priority, "urgent") != 0 &&
        strcmp(priority, "asap") != 0 && strcmp(priority, "stat") != 0)
        return silta_err_set(err, SILTA_EINVAL, "priority must be routine, urgent, asap or stat");
    char authored[11] = "";
    const char *when = health_res_str(sr, "authoredOn");
    if (when && health_time_local_date(when, "authoredOn", authored, err) != 0)
        return SILTA_EINVAL;
    const char *own = health_res_str(sr, "id");
    if (put_id && !health_res_id_valid(put_id))
        return silta_err_set(err, SILTA_EINVAL, "the id in the request URL is not a FHIR id");
    if (!put_id && own && !health_res_id_valid(own))
        return silta_err_set(err, SILTA_EINVAL, "ServiceRequest.id is not a FHIR id "
                                                "([A-Za-z0-9-.], at most 64)");

    Silta__HealthReferral *m = malloc(sizeof *m);
    if (!m)
        return silta_err_set(err, SILTA_ERR, "out of memory");
    silta__health_referral__init(m);
    out->msg = m;
    m->hetu = strdup(hetu);
    m->priority = strdup(priority ? priority : "routine");
    const char *v;
    if ((v = health_res_str(sr, "requester/display")))
        m->requester = strdup(v);
    if ((v = health_res_str(sr, "requester/reference")) && strncmp(v, "Organization/", 13) == 0)
        m->requester_org = strdup(v);
    if ((v = s_reason(sr)))
        m->reason = strdup(v);
    if (authored[0])
        m->authored = strdup(authored);
    m->consent = s_consent(sr);

    char id[65] = "";
    json_t *ident = s_business_identifier(sr);
    if (put_id)
        snprintf(id, sizeof id, "%s", put_id);
    else if (ident)
        s_id_from_identifier(ident, id);
    else if (own)
        snprintf(id, sizeof id, "%s", own);
    else if (s_id_from_content(m, id) != 0) {
        health_referral_clear(out);
        return silta_err_set(err, SILTA_ERR, "out of memory");
    }
    m->referral_id = s_dup(id);

    /* The resource as accepted: its id, and the patient by identifier (a
     * urn:uuid: or Bundle-relative reference means nothing outside the Bundle). */
    out->resource = health_res_with_id(sr, id, NULL);
    json_t *subject = json_pack("{s:{s:s,s:s}}", "identifier", "system", HEALTH_HETU_SYSTEM,
                                "value", hetu);
    if (!out->resource || !subject || !m->hetu || !m->priority || !m->referral_id) {
        json_decref(subject);
        health_referral_clear(out);
        return silta_err_set(err, SILTA_ERR, "out of memory");
    }
    json_object_set_new(out->resource, "subject", subject);
    out->identifier = s_business_identifier(out->resource);
    return 0;
}

int health_map_document(const json_t *doc, const char *expect, health_referral_t *out,
                        silta_err_t *err)
{
    const char *kind = health_res_type(doc);
    if (strcmp(kind, "ServiceRequest") != 0 && strcmp(kind, "Bundle") != 0)
        return silta_err_set(err, SILTA_EINVAL, "unsupported resource type %.40s: send a "
                                                "ServiceRequest, or a Bundle with a ServiceRequest "
                                                "and its Patient", kind);
    if (expect && strcmp(kind, expect) != 0)
        return silta_err_set(err, SILTA_EINVAL, "this endpoint takes a %s, not a %.40s", expect,
                             kind);
    if (strcmp(kind, "ServiceRequest") == 0)
        return health_map_referral(NULL, NULL, doc, NULL, out, err);
    const json_t *sr = NULL;
    const char *full = NULL;
    int n = 0;
    for (size_t i = 0; i < health_res_count(doc, "entry"); i++) {
        const json_t *e = health_res_at(doc, "entry", i);
        const json_t *res = health_res_get(e, "resource");
        if (res && strcmp(health_res_type(res), "ServiceRequest") == 0) {
            sr = res;
            full = health_res_str(e, "fullUrl");
            n++;
        }
    }
    if (n == 0)
        return silta_err_set(err, SILTA_EINVAL, "the Bundle holds no ServiceRequest");
    if (n > 1)
        return silta_err_set(err, SILTA_EINVAL, "the Bundle holds %d ServiceRequests; send one "
                                                "referral per Bundle, or a transaction to POST "
                                                "/fhir", n);
    return health_map_referral(doc, full, sr, NULL, out, err);
}
