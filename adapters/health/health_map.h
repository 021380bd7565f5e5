/*  health_map.h - a FHIR ServiceRequest (as json_t, health_res.h) to the
 *  HealthReferral event, once for every door (HTTP JSON or XML, inbox files).
 *
 *  The client's hetu comes from subject.identifier with system
 *  urn:oid:1.2.246.21, or from the Patient the subject refers to: a contained
 *  resource (#id) or an entry of the same Bundle, found by FHIR's rules for
 *  resolving references in a Bundle (urn:uuid: and absolute fullUrls,
 *  relative Type/id against the entry's fullUrl, version-specific
 *  .../_history/N). Nothing is ever guessed: a referral whose patient cannot
 *  be identified is refused with a reason that says so. Reasons go to people
 *  (rejection reports, OperationOutcome), never to logs.
 *
 *  The referral id (HealthReferral.referral_id, the FHIR id the sender reads
 *  back) is stable:
 *    1. the id in the URL of a PUT (transaction entry "PUT ServiceRequest/x");
 *    2. else from ServiceRequest.identifier (the first with system and value,
 *       not a hetu): hex of BLAKE2b-128 over "system|value", so the same
 *       business identifier always names the same referral;
 *    3. else the resource's own id (Silta's file senders use it as their key);
 *    4. else a server-assigned UUID derived from the referral's content (hetu,
 *       date, requester, reason ...): a sender that repeats a create after a
 *       timeout gets the same id and the hub confirms a duplicate.
 *  FHIR lets a server assign the id of a create; (4) is such an assignment.
 */
#ifndef HEALTH_MAP_H
#define HEALTH_MAP_H

#include <jansson.h>

#include "events.pb-c.h"
#include "silta_err.h"

typedef struct {
    Silta__HealthReferral *msg; /* the event; free with health_referral_clear */
    json_t *resource;           /* the ServiceRequest as accepted: id set, subject
                                   as the hetu identifier (no dangling urn:uuid) */
    json_t *identifier;         /* borrowed from resource: the business identifier, or NULL */
} health_referral_t;

void health_referral_clear(health_referral_t *r);

/* Map one ServiceRequest. bundle: the Bundle it came in (NULL: none);
 * full_url: its entry's fullUrl (NULL: none); put_id: see above (NULL).
 * Returns 0 with *out filled, SILTA_EINVAL with the reason (the referral
 * cannot be used), SILTA_ERR (out of memory). */
int health_map_referral(const json_t *bundle, const char *full_url, const json_t *sr,
                        const char *put_id, health_referral_t *out, silta_err_t *err);

/* A document as the inbox and POST /fhir/ServiceRequest, /fhir/Bundle take
 * it: a ServiceRequest, or a Bundle holding exactly one ServiceRequest (and
 * its Patient). expect: "ServiceRequest", "Bundle" or NULL (either). */
int health_map_document(const json_t *doc, const char *expect, health_referral_t *out,
                        silta_err_t *err);

#endif
