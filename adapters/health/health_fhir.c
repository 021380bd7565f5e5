/*  health_fhir.c - FHIR XML <-> health events (contract: health_fhir.h).
 *
 *  Reading uses the DOM of silta_xml_parse_memory (referrals are small and the
 *  document limit bounds them); the XML policy (no DTD, no entities, no
 *  network) is silta_xml's. Writing uses xmlTextWriter, which escapes.
 */
#include "health_fhir.h"

#include "silta_hetu.h"
#include "silta_xml.h"

#include <libxml/xmlwriter.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int s_is(xmlNodePtr n, const char *name)
{
    return n && n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, name) == 0 && n->ns &&
           strcmp((const char *)n->ns->href, HEALTH_FHIR_NS) == 0;
}

/* The value attribute of the child path a/b/c (each the first of its name). */
static char *s_value(xmlNodePtr n, const char *path)
{
    char buf[128];
    snprintf(buf, sizeof buf, "%s", path);
    char *save = NULL;
    for (char *part = strtok_r(buf, "/", &save); part && n; part = strtok_r(NULL, "/", &save))
        n = silta_xml_child(n, part);
    if (!n)
        return NULL;
    xmlChar *v = xmlGetProp(n, (const xmlChar *)"value");
    char *out = v ? strdup((const char *)v) : NULL;
    xmlFree(v);
    return out;
}

/* The hetu among node's <identifier> children, or NULL. */
static char *s_hetu_identifier(xmlNodePtr node)
{
    for (xmlNodePtr c = node ? node->children : NULL; c; c = c->next) {
        if (!s_is(c, "identifier"))
            continue;
        char *sys = s_value(c, "system");
        int match = sys && strcmp(sys, HEALTH_HETU_SYSTEM) == 0;
        free(sys);
        if (match)
            return s_value(c, "value");
    }
    return NULL;
}

/* The Patient the reference names: a Bundle entry (fullUrl or Patient/id) or
 * a contained resource (#id). */
static xmlNodePtr s_find_patient(xmlNodePtr bundle, xmlNodePtr sr, const char *ref)
{
    if (ref[0] == '#') {
        for (xmlNodePtr c = sr->children; c; c = c->next) {
            xmlNodePtr p = s_is(c, "contained") ? silta_xml_child(c, "Patient") : NULL;
            char *id = p ? s_value(p, "id") : NULL;
            int hit = id && strcmp(id, ref + 1) == 0;
            free(id);
            if (hit)
                return p;
        }
        return NULL;
    }
    for (xmlNodePtr e = bundle ? bundle->children : NULL; e; e = e->next) {
        if (!s_is(e, "entry"))
            continue;
        xmlNodePtr res = silta_xml_child(e, "resource");
        xmlNodePtr p = res ? silta_xml_child(res, "Patient") : NULL;
        if (!p)
            continue;
        char *full = s_value(e, "fullUrl"), *id = s_value(p, "id");
        char local[200] = "";
        if (id)
            snprintf(local, sizeof local, "Patient/%s", id);
        size_t rl = strlen(ref), ll = strlen(local);
        int hit = (full && strcmp(full, ref) == 0) || (id && strcmp(local, ref) == 0) ||
                  (id && rl > ll && strcmp(ref + rl - ll, local) == 0 && ref[rl - ll - 1] == '/');
        free(full);
        free(id);
        if (hit)
            return p;
    }
    return NULL;
}

static char *s_hetu(xmlNodePtr bundle, xmlNodePtr sr, silta_err_t *err)
{
    xmlNodePtr subject = silta_xml_child(sr, "subject");
    if (!subject) {
        silta_err_set(err, SILTA_EINVAL, "patient cannot be identified: the ServiceRequest has no "
                                         "subject");
        return NULL;
    }
    char *hetu = s_hetu_identifier(subject);
    if (hetu)
        return hetu;
    char *ref = s_value(subject, "reference");
    if (!ref) {
        silta_err_set(err, SILTA_EINVAL,
                      "patient cannot be identified: subject has neither an identifier with "
                      "system " HEALTH_HETU_SYSTEM " (henkilötunnus) nor a reference to a Patient");
        return NULL;
    }
    xmlNodePtr patient = s_find_patient(bundle, sr, ref);
    if (patient) {
        hetu = s_hetu_identifier(patient);
        if (!hetu)
            silta_err_set(err, SILTA_EINVAL,
                          "patient cannot be identified: the Patient %.80s has no identifier "
                          "with system " HEALTH_HETU_SYSTEM " (henkilötunnus)", ref);
    } else {
        silta_err_set(err, SILTA_EINVAL,
                      "patient cannot be identified: subject refers to %.80s, which carries no "
                      "identifier with system " HEALTH_HETU_SYSTEM " (henkilötunnus) and is not "
                      "a Patient %s; send the hetu as subject.identifier or the Patient in a "
                      "Bundle", ref, bundle ? "in this Bundle" : "in a Bundle with the request");
    }
    free(ref);
    return hetu;
}

/* Text of a CodeableConcept: its text, else the first coding's display. */
static char *s_concept_text(xmlNodePtr cc)
{
    if (!cc)
        return NULL;
    char *t = s_value(cc, "text");
    return t ? t : s_value(cc, "coding/display");
}

/* R4 reasonCode / reasonReference, R5 reason (CodeableReference), else the
 * request's code (R4 CodeableConcept, R5 code.concept). */
static char *s_reason(xmlNodePtr sr)
{
    char *t = s_concept_text(silta_xml_child(sr, "reasonCode"));
    if (!t) {
        xmlNodePtr r = silta_xml_child(sr, "reason");
        t = r ? s_concept_text(silta_xml_child(r, "concept")) : NULL;
        if (!t && r)
            t = s_value(r, "reference/display");
    }
    if (!t)
        t = s_value(sr, "reasonReference/display");
    if (!t) {
        xmlNodePtr code = silta_xml_child(sr, "code");
        xmlNodePtr concept = code ? silta_xml_child(code, "concept") : NULL;
        t = s_concept_text(concept ? concept : code);
    }
    return t;
}

static xmlNodePtr s_bundle_request(xmlNodePtr bundle, silta_err_t *err)
{
    xmlNodePtr found = NULL;
    int n = 0;
    for (xmlNodePtr e = bundle->children; e; e = e->next) {
        xmlNodePtr res = s_is(e, "entry") ? silta_xml_child(e, "resource") : NULL;
        xmlNodePtr sr = res ? silta_xml_child(res, "ServiceRequest") : NULL;
        if (sr && s_is(sr, "ServiceRequest")) {
            found = sr;
            n++;
        }
    }
    if (n == 0)
        silta_err_set(err, SILTA_EINVAL, "the Bundle holds no ServiceRequest");
    else if (n > 1)
        silta_err_set(err, SILTA_EINVAL, "the Bundle holds %d ServiceRequests; send one referral "
                                         "per Bundle", n);
    return n == 1 ? found : NULL;
}

Silta__HealthReferral *health_fhir_referral(xmlDocPtr doc, const char *expect, silta_err_t *err)
{
    xmlNodePtr root = xmlDocGetRootElement(doc);
    if (!root || !root->ns || strcmp((const char *)root->ns->href, HEALTH_FHIR_NS) != 0) {
        silta_err_set(err, SILTA_EINVAL, "not a FHIR resource: the root element must be in "
                                         "namespace " HEALTH_FHIR_NS);
        return NULL;
    }
    const char *kind = (const char *)root->name;
    if (strcmp(kind, "ServiceRequest") != 0 && strcmp(kind, "Bundle") != 0) {
        silta_err_set(err, SILTA_EINVAL, "unsupported resource type %.40s: send a ServiceRequest, "
                                         "or a Bundle with a ServiceRequest and its Patient", kind);
        return NULL;
    }
    if (expect && strcmp(kind, expect) != 0) {
        silta_err_set(err, SILTA_EINVAL, "this endpoint takes a %s, not a %.40s", expect, kind);
        return NULL;
    }
    xmlNodePtr bundle = strcmp(kind, "Bundle") == 0 ? root : NULL;
    xmlNodePtr sr = bundle ? s_bundle_request(bundle, err) : root;
    if (!sr)
        return NULL;
    char *hetu = s_hetu(bundle, sr, err);
    if (!hetu)
        return NULL;
    silta_err_t herr;
    if (silta_hetu_parse(hetu, NULL, &herr) != 0) {
        free(hetu);
        silta_err_set(err, SILTA_EINVAL, "patient identifier (system " HEALTH_HETU_SYSTEM ") is "
                                         "not a valid henkilötunnus: %s", herr.msg);
        return NULL;
    }
    char *priority = s_value(sr, "priority");
    if (priority && strcmp(priority, "routine") != 0 && strcmp(priority, "urgent") != 0 &&
        strcmp(priority, "asap") != 0 && strcmp(priority, "stat") != 0) {
        free(hetu);
        free(priority);
        silta_err_set(err, SILTA_EINVAL, "priority must be routine, urgent, asap or stat");
        return NULL;
    }
    Silta__HealthReferral *m = malloc(sizeof *m);
    if (!m) {
        free(hetu);
        free(priority);
        silta_err_set(err, SILTA_ERR, "out of memory");
        return NULL;
    }
    silta__health_referral__init(m);
    m->hetu = hetu;
    m->priority = priority ? priority : strdup("routine");
    char *v;
    if ((v = s_value(sr, "id")))
        m->referral_id = v;
    if ((v = s_value(sr, "requester/display")))
        m->requester = v;
    if ((v = s_value(sr, "requester/reference")) && strncmp(v, "Organization/", 13) != 0) {
        free(v);
        v = NULL;
    }
    if (v)
        m->requester_org = v;
    if ((v = s_reason(sr)))
        m->reason = v;
    if ((v = s_value(sr, "authoredOn")))
        m->authored = v;
    /* Contact with the client's consent: FHIR has no core element for it; Silta
     * reads extension url="urn:silta:consent" valueBoolean="true". */
    for (xmlNodePtr c = sr->children; c; c = c->next) {
        if (!s_is(c, "extension"))
            continue;
        xmlChar *url = xmlGetProp(c, (const xmlChar *)"url");
        char *b = url && strcmp((const char *)url, "urn:silta:consent") == 0
                      ? s_value(c, "valueBoolean") : NULL;
        m->consent = b && strcmp(b, "true") == 0;
        free(b);
        xmlFree(url);
    }
    return m;
}

Silta__HealthReferral *health_fhir_referral_bytes(const char *data, size_t len, size_t max_doc,
                                                  const char *expect, silta_err_t *err)
{
    silta_xml_limits_t lim = {max_doc, max_doc};
    xmlDocPtr doc = silta_xml_parse_memory(data, len, &lim, err);
    if (!doc)
        return NULL;
    Silta__HealthReferral *m = health_fhir_referral(doc, expect, err);
    xmlFreeDoc(doc);
    return m;
}

/* ------------------------------------------------------------------ writing */

static void s_el(xmlTextWriterPtr w, const char *name, const char *value)
{
    if (!value || !*value)
        return;
    xmlTextWriterStartElement(w, (const xmlChar *)name);
    xmlTextWriterWriteAttribute(w, (const xmlChar *)"value", (const xmlChar *)value);
    xmlTextWriterEndElement(w);
}

static char *s_finish(xmlTextWriterPtr w, xmlBufferPtr buf, size_t *len)
{
    xmlTextWriterEndDocument(w);
    xmlFreeTextWriter(w);
    *len = (size_t)xmlBufferLength(buf);
    char *out = malloc(*len + 1);
    if (out)
        memcpy(out, xmlBufferContent(buf), *len + 1);
    xmlBufferFree(buf);
    return out;
}

static xmlTextWriterPtr s_start(const char *root, xmlBufferPtr *buf)
{
    *buf = xmlBufferCreate();
    xmlTextWriterPtr w = *buf ? xmlNewTextWriterMemory(*buf, 0) : NULL;
    if (!w) {
        if (*buf)
            xmlBufferFree(*buf);
        return NULL;
    }
    xmlTextWriterSetIndent(w, 1);
    xmlTextWriterSetIndentString(w, (const xmlChar *)"  ");
    xmlTextWriterStartDocument(w, "1.0", "UTF-8", NULL);
    xmlTextWriterStartElementNS(w, NULL, (const xmlChar *)root, (const xmlChar *)HEALTH_FHIR_NS);
    return w;
}

char *health_fhir_outcome(const char *severity, const char *code, const char *text, size_t *len)
{
    xmlBufferPtr buf;
    xmlTextWriterPtr w = s_start("OperationOutcome", &buf);
    if (!w)
        return NULL;
    xmlTextWriterStartElement(w, (const xmlChar *)"issue");
    s_el(w, "severity", severity);
    s_el(w, "code", code);
    s_el(w, "diagnostics", text);
    xmlTextWriterEndElement(w);
    return s_finish(w, buf, len);
}

int health_fhir_task(const Silta__ReferralStatus *st, const char *event_id, long long recorded_ms,
                     char **out, size_t *len, silta_err_t *err)
{
    static const char *ok[] = {"received", "accepted", "in-progress", "completed", "rejected",
                               NULL};
    int known = 0;
    for (int i = 0; ok[i]; i++)
        known |= st->status && strcmp(st->status, ok[i]) == 0;
    if (!known)
        return silta_err_set(err, SILTA_EINVAL, "referral status must be received, accepted, "
                                                "in-progress, completed or rejected");
    if (!st->hetu || !silta_hetu_valid(st->hetu))
        return silta_err_set(err, SILTA_EINVAL, "referral status has no valid identity code");
    if (!st->referral_id || !*st->referral_id)
        return silta_err_set(err, SILTA_EINVAL, "referral status names no referral");
    xmlBufferPtr buf;
    xmlTextWriterPtr w = s_start("Task", &buf);
    if (!w)
        return silta_err_set(err, SILTA_ERR, "out of memory");
    char ref[300], when[40];
    s_el(w, "id", event_id);
    xmlTextWriterStartElement(w, (const xmlChar *)"identifier");
    s_el(w, "system", "urn:silta:event-id");
    s_el(w, "value", event_id);
    xmlTextWriterEndElement(w);
    snprintf(ref, sizeof ref, "ServiceRequest/%.200s", st->referral_id);
    xmlTextWriterStartElement(w, (const xmlChar *)"basedOn");
    s_el(w, "reference", ref);
    xmlTextWriterEndElement(w);
    s_el(w, "status", st->status);
    s_el(w, "intent", "order");
    xmlTextWriterStartElement(w, (const xmlChar *)"focus");
    s_el(w, "reference", ref);
    xmlTextWriterEndElement(w);
    xmlTextWriterStartElement(w, (const xmlChar *)"for");
    xmlTextWriterStartElement(w, (const xmlChar *)"identifier");
    s_el(w, "system", HEALTH_HETU_SYSTEM);
    s_el(w, "value", st->hetu);
    xmlTextWriterEndElement(w);
    xmlTextWriterEndElement(w);
    time_t t = (time_t)(recorded_ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
    s_el(w, "lastModified", when);
    if (st->worker && *st->worker) {
        xmlTextWriterStartElement(w, (const xmlChar *)"owner");
        s_el(w, "display", st->worker);
        xmlTextWriterEndElement(w);
    }
    if (st->note && *st->note) {
        xmlTextWriterStartElement(w, (const xmlChar *)"note");
        s_el(w, "text", st->note);
        xmlTextWriterEndElement(w);
    }
    *out = s_finish(w, buf, len);
    return *out ? 0 : silta_err_set(err, SILTA_ERR, "out of memory");
}
