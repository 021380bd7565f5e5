/*  health_store.h - what silta-health has accepted and written, kept so a
 *  sender can read it back over FHIR REST: one JSON file per resource,
 *  <dir>/<Type>/<id>.json (dir: $SILTA_HOME/spool/health/fhir beside the
 *  inbox). ServiceRequests are written after the hub's CONFIRM (whichever
 *  door they came in: REST or an inbox file); Tasks when
 *  social.referral_status.v1 is delivered.
 *
 *  Writes are atomic (temporary file, fsync, rename), so readers on the HTTP
 *  threads see a whole old or a whole new file and need no lock; all writes
 *  happen on the adapter's main loop. A search reads the folder: fine for
 *  the referrals of one region's day, not a database (a Task folder of
 *  100,000 files takes a second or so to search).
 */
#ifndef HEALTH_STORE_H
#define HEALTH_STORE_H

#include <jansson.h>

#include "silta_err.h"

typedef struct health_store_t health_store_t;

/* Open (creating dir/ServiceRequest and dir/Task). NULL with err. */
health_store_t *health_store_open(const char *dir, silta_err_t *err);
void health_store_close(health_store_t **self_p);

/* Write res (its "id" must be a FHIR id) as <Type>/<id>.json. 0 or SILTA_ERR. */
int health_store_put(health_store_t *self, const json_t *res, silta_err_t *err);

/* Store a ServiceRequest the hub has confirmed, as <id> with meta.versionId
 * and meta.lastUpdated: a duplicate keeps the version stored (if any), else
 * the next version. Every door (REST, inbox files) stores through here.
 * *version: the version it has (also on failure). 0 or SILTA_ERR. */
int health_store_accepted(health_store_t *self, const json_t *sr, const char *id, int duplicate,
                          long *version, silta_err_t *err);

/* The stored resource, or NULL when there is none (or it is unreadable). */
json_t *health_store_get(health_store_t *self, const char *type, const char *id);

/* Every stored resource of type for which match(res, arg) is true, as an
 * array ordered by id. */
json_t *health_store_find(health_store_t *self, const char *type,
                          int (*match)(const json_t *res, void *arg), void *arg);

#endif
