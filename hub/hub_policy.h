/*  hub_policy.h - the routing policy: who may publish a type, who receives it,
 *  and on what legal basis (config/policy.xml, schema config/schemas/policy.xsd).
 *
 *  Loaded once at start; a policy that does not validate stops the hub with the
 *  file and line of each error. Read-only afterwards.
 */
#ifndef HUB_POLICY_H
#define HUB_POLICY_H

#include <stddef.h>

#include "silta_err.h"

typedef struct hub_policy_t hub_policy_t;

typedef struct {
    const char *recipient;        /* identity */
    const char *statute;          /* set when the basis is a statute */
    const char *consent_purpose;  /* set when the basis is consent */
} hub_policy_delivery_t;

/* Parse and validate path against xsd_path. NULL with err filled (every
 * validation error, with file:line) on failure. */
hub_policy_t *hub_policy_load(const char *path, const char *xsd_path, silta_err_t *err);
void hub_policy_destroy(hub_policy_t **self_p);

/* 1 when identity may publish type. */
int hub_policy_may_publish(const hub_policy_t *self, const char *identity, const char *type);

/* The delivery rule of type for recipient, or NULL when it may not receive it. */
const hub_policy_delivery_t *hub_policy_delivery(const hub_policy_t *self, const char *type,
                                                 const char *recipient);

/* The identity that owns a consumer queue: the name up to its first '-'
 * ("bench-1" -> "bench"), written into out. */
void hub_policy_queue_owner(const char *queue, char *out, size_t len);

/* Number of routes loaded. */
int hub_policy_routes(const hub_policy_t *self);

#endif
