/*  hub_consent.h - the clients' consents to disclosure, in memory.
 *
 *  Fed by social.consent.v1 events as they are committed (and from hub.consent
 *  at start). The router asks it before every consent-based delivery, so a
 *  revocation stops further disclosures at once, queued ones included.
 */
#ifndef HUB_CONSENT_H
#define HUB_CONSENT_H

#include <stddef.h>

typedef struct hub_consent_t hub_consent_t;

hub_consent_t *hub_consent_new(void);
void hub_consent_destroy(hub_consent_t **self_p);

/* Record the latest state of consent_id (given | revoked). recipients is a
 * list of identities; expires "YYYY-MM-DD" or "" for none. Returns 0 / -1. */
int hub_consent_set(hub_consent_t *self, const char *client_key, const char *consent_id,
                    const char *status, const char *purpose, char *const *recipients,
                    size_t nrecipients, const char *expires);

/* The id of a consent of client_key, given, for purpose, naming recipient and
 * not expired on `today` ("YYYY-MM-DD"), or NULL when there is none. Borrowed. */
const char *hub_consent_find(const hub_consent_t *self, const char *client_key,
                             const char *recipient, const char *purpose, const char *today);

#endif
