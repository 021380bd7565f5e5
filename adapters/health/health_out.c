/*  health_out.c - FHIR resources that silta-health writes (contract:
 *  health_out.h). Keys are added in FHIR's element order, so the XML form
 *  (health_res_dump) follows the schema's order too.
 */
#include "health_out.h"

#include "health_res.h"
#include "silta_hetu.h"

#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

static void s_instant(long long ms, char out[32])
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

void health_out_now(char out[32])
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    s_instant((long long)tv.tv_sec * 1000, out);
}

json_t *health_out_outcome(const char *severity, const char *code, const char *text)
{
    return json_pack("{s:s,s:[{s:s,s:s,s:s}]}", "resourceType", "OperationOutcome", "issue",
                     "severity", severity, "code", code, "diagnostics", text ? text : "");
}

json_t *health_out_capability(const char *base)
{
    char now[32];
    health_out_now(now);
    return json_pack(
        "{s:s, s:s, s:s, s:s, s:s, s:s,"
        " s:{s:s},"
        " s:{s:s, s:s},"
        " s:s, s:[s,s,s,s],"
        " s:[{s:s, s:s,"
        "     s:[{s:s, s:[{s:s},{s:s}], s:s},"
        "        {s:s, s:[{s:s},{s:s}],"
        "         s:[{s:s, s:s, s:s}, {s:s, s:s, s:s}]}],"
        "     s:[{s:s},{s:s}]}]}",
        "resourceType", "CapabilityStatement", "status", "active", "date", now, "publisher",
        "Silta", "kind", "instance", "description",
        "silta-health: health-care referrals (ServiceRequest) to social services, and their "
        "acknowledgement by social work (Task)",
        "software", "name", "silta-health",
        "implementation", "description", "Silta FHIR endpoint", "url", base,
        "fhirVersion", "4.0.1", "format", "json", "xml", "application/fhir+json",
        "application/fhir+xml",
        "rest", "mode", "server", "documentation",
        "A ServiceRequest must identify the patient by henkilötunnus (identifier system "
        "urn:oid:1.2.246.21), in subject.identifier or in a Patient of the same Bundle. "
        "201 is answered only after the hub has journalled the referral.",
        "resource", "type", "ServiceRequest", "interaction", "code", "create", "code", "read",
        "versioning", "versioned",
        "type", "Task", "interaction", "code", "read", "code", "search-type",
        "searchParam", "name", "based-on", "type", "reference", "documentation",
        "ServiceRequest/{id}, {id}, or :identifier=system|value of the referral",
        "name", "identifier", "type", "token", "documentation",
        "the Task's identifier (urn:silta:event-id)",
        "interaction", "code", "transaction", "code", "batch");
}

int health_out_task(const Silta__ReferralStatus *st, const char *event_id, long long recorded_ms,
                    const json_t *sr_identifier, json_t **out, silta_err_t *err)
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
    char ref[300], when[32];
    snprintf(ref, sizeof ref, "ServiceRequest/%.200s", st->referral_id);
    s_instant(recorded_ms, when);
    json_t *based = json_pack("{s:s}", "reference", ref);
    if (based && sr_identifier)
        json_object_set(based, "identifier", (json_t *)sr_identifier);
    json_t *t = json_pack("{s:s,s:s,s:[{s:s,s:s}],s:[o],s:s,s:s,s:{s:s},s:{s:{s:s,s:s}},s:s}",
                          "resourceType", "Task", "id", event_id, "identifier", "system",
                          "urn:silta:event-id", "value", event_id, "basedOn", based, "status",
                          st->status, "intent", "order", "focus", "reference", ref, "for",
                          "identifier", "system", HEALTH_HETU_SYSTEM, "value", st->hetu,
                          "lastModified", when);
    if (!t)
        return silta_err_set(err, SILTA_ERR, "out of memory");
    if (st->worker && *st->worker)
        json_object_set_new(t, "owner", json_pack("{s:s}", "display", st->worker));
    if (st->note && *st->note)
        json_object_set_new(t, "note", json_pack("[{s:s}]", "text", st->note));
    *out = t;
    return 0;
}

json_t *health_out_searchset(const char *base, const json_t *matches)
{
    json_t *entries = json_array();
    for (size_t i = 0; i < json_array_size(matches); i++) {
        json_t *r = json_array_get(matches, i);
        char full[600];
        snprintf(full, sizeof full, "%s/%s/%s", base, health_res_type(r),
                 json_string_value(json_object_get(r, "id")) ? json_string_value(
                                                                   json_object_get(r, "id"))
                                                             : "");
        json_array_append_new(entries, json_pack("{s:s,s:O,s:{s:s}}", "fullUrl", full,
                                                 "resource", r, "search", "mode", "match"));
    }
    char now[32];
    health_out_now(now);
    json_t *b = json_pack("{s:s,s:{s:s},s:s,s:I}", "resourceType", "Bundle", "meta",
                          "lastUpdated", now, "type", "searchset", "total",
                          (json_int_t)json_array_size(matches));
    /* FHIR JSON has no empty arrays: no matches, no "entry" */
    if (b && json_array_size(entries) > 0)
        json_object_set(b, "entry", entries);
    json_decref(entries);
    return b;
}
