/*  hub_contract.h - the hub's check of a PUBLISH's payload before it is journalled.
 *
 *  For a type with a contract (lib/silta_contract.h) the payload must pass it,
 *  and, when the hub holds the deployment's client-key secret, the envelope's
 *  client_key must be the keyed hash of the payload's hetu (lib/silta_clientkey.h),
 *  and that hetu must not be born after today in Helsinki ("hetu: birth date is
 *  in the future"; only here and in the adapters, never on replay).
 *  What fails is NACKed INVALID_PAYLOAD by the router with err's "FIELD: reason",
 *  so a CONFIRM means every consumer can take the event. Types without a
 *  contract (bench.*, test.*) pass unchecked.
 *
 *  Not here: the envelope's own validation (silta_codec), the routing policy.
 */
#ifndef HUB_CONTRACT_H
#define HUB_CONTRACT_H

#include "silta_codec.h"
#include "silta_err.h"

typedef struct hub_contract_s hub_contract_t;

/* Load the client-key secret the way every Silta program finds it
 * (silta_clientkey_open: $SILTA_CLIENT_KEY_SECRET, the keys folder; generated
 * when missing). When it cannot be loaded the hub still checks contracts but
 * not client_keys, and says so in the log. Returns the object (free with
 * hub_contract_destroy) or NULL when out of memory. */
hub_contract_t *hub_contract_new(void);

/* Free; sets *self_p NULL; harmless on NULL. */
void hub_contract_destroy(hub_contract_t **self_p);

/* Returns 0 when ev may be journalled, or SILTA_EINVAL with "FIELD: reason". */
int hub_contract_check(const hub_contract_t *self, const silta_envelope_t *ev, silta_err_t *err);

#endif
