/*  health_out.h - the FHIR resources silta-health writes, as json_t
 *  (health_res_dump writes them as JSON or XML): OperationOutcome,
 *  CapabilityStatement, Task (from social.referral_status.v1) and the
 *  searchset Bundle. Every function returns a new reference (json_decref)
 *  or NULL on out of memory, unless it says otherwise.
 */
#ifndef HEALTH_OUT_H
#define HEALTH_OUT_H

#include <jansson.h>

#include "events.pb-c.h"
#include "silta_err.h"

/* One issue. severity: fatal | error | warning | information; code: a FHIR
 * IssueType (invalid, structure, required, value, processing, not-found,
 * not-supported, transient, informational, ...). */
json_t *health_out_outcome(const char *severity, const char *code, const char *text);

/* The CapabilityStatement of this server (base: "http://host:port/fhir"). It
 * lists exactly what health_rest.c serves. */
json_t *health_out_capability(const char *base);

/* A Task for a referral status. basedOn names the ServiceRequest by reference
 * and, when sr_identifier (borrowed, may be NULL) is known, by its business
 * identifier too. Returns SILTA_EINVAL with the reason when the status cannot
 * be mapped, else 0 with *out. */
int health_out_task(const Silta__ReferralStatus *st, const char *event_id, long long recorded_ms,
                    const json_t *sr_identifier, json_t **out, silta_err_t *err);

/* A searchset Bundle over the resources of `matches` (an array; borrowed),
 * each entry with fullUrl base/Type/id and search.mode match; no "entry"
 * at all when there are none (FHIR JSON forbids empty arrays). */
json_t *health_out_searchset(const char *base, const json_t *matches);

/* The current time as a FHIR instant (UTC) into out. */
void health_out_now(char out[32]);

#endif
