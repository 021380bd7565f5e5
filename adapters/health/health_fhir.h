/*  health_fhir.h - FHIR XML (R4, tolerating R5-style forms) to the Silta
 *  events of silta-health, and back: ServiceRequest / Bundle ->
 *  HealthReferral, ReferralStatus -> Task, reasons -> OperationOutcome.
 *
 *  The client's hetu comes from subject.identifier with system
 *  urn:oid:1.2.246.21, or from the Patient the subject refers to inside the
 *  same Bundle (or a contained Patient). Nothing is ever guessed: a referral
 *  whose patient cannot be identified is refused with a reason that says so.
 *  Reasons go to people (rejection reports, OperationOutcome), never to logs.
 */
#ifndef HEALTH_FHIR_H
#define HEALTH_FHIR_H

#include <libxml/tree.h>
#include <stddef.h>

#include "events.pb-c.h"
#include "silta_err.h"

#define HEALTH_FHIR_NS "http://hl7.org/fhir"
#define HEALTH_HETU_SYSTEM "urn:oid:1.2.246.21"

/* Map a parsed FHIR document to a referral. `expect` is "ServiceRequest",
 * "Bundle" or NULL (either). Returns a message (free with
 * silta__health_referral__free_unpacked(m, NULL)) or NULL with SILTA_EINVAL
 * and the reason in err. */
Silta__HealthReferral *health_fhir_referral(xmlDocPtr doc, const char *expect, silta_err_t *err);

/* Parse bytes (silta_xml policy, max_doc bytes) and map them. */
Silta__HealthReferral *health_fhir_referral_bytes(const char *data, size_t len, size_t max_doc,
                                                  const char *expect, silta_err_t *err);

/* A FHIR Task for a referral status. Returns 0 and the document in *out
 * (caller frees) or SILTA_EINVAL when the status cannot be mapped. */
int health_fhir_task(const Silta__ReferralStatus *st, const char *event_id, long long recorded_ms,
                     char **out, size_t *len, silta_err_t *err);

/* An OperationOutcome with one issue. severity: information | error;
 * code: FHIR issue type (informational, invalid, required, too-long, ...).
 * Returns the document (caller frees) and its length, or NULL. */
char *health_fhir_outcome(const char *severity, const char *code, const char *text, size_t *len);

#endif
