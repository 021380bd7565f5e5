/*  hub_lease.h - one serving hub per database: the lease (issue 13, item 3).
 *
 *  Two or more silta-hub processes may run against one PostgreSQL (a standby
 *  on another host, a second unit): exactly one serves - binds the ROUTER and
 *  the operator endpoints, journals and delivers - the one that holds the
 *  lease, a session-level advisory lock (pg_try_advisory_lock) on a
 *  connection of its own. The others wait in hub_lease_acquire; when the
 *  serving hub dies, PostgreSQL ends its session, the lock is free, and a
 *  waiting hub takes it within HUB_LEASE_POLL_MS.
 *
 *  Fencing: the serving hub checks its lease connection every second
 *  (hub_lease_check). A broken connection is re-opened and the lock taken
 *  again; if another hub holds it by then, this one has lost the lease and
 *  must stop serving at once (silta-hub exits; its service manager starts it
 *  again, as a standby). While the database cannot be reached at all the
 *  hub cannot write, so it cannot confirm or deliver either: no two hubs
 *  ever serve the same queue.
 *
 *      start --acquire--> [STANDBY] --lock taken--> [SERVING]
 *                            ^  poll                  | check: lock held by
 *                            |                        | another hub
 *                            +---- exit, restarted <--+
 */
#ifndef HUB_LEASE_H
#define HUB_LEASE_H

#include <signal.h>

#include "silta_err.h"

#define HUB_LEASE_POLL_MS 200

typedef struct hub_lease_t hub_lease_t;

/* Take the lease on the database at pg_url, waiting (a standby) until it is
 * free or *stop is set; tick() is called every HUB_LEASE_POLL_MS while
 * waiting (a watchdog). NULL with err set when stopped or when the database
 * refuses (bad URL, no such role). */
hub_lease_t *hub_lease_acquire(const char *pg_url, volatile sig_atomic_t *stop,
                               void (*tick)(void), silta_err_t *err);

/* Whether the lease is still held (at most one query a second; cheap to call
 * every turn). 0 held, or the database could not be reached (kept trying);
 * SILTA_ERR lost: another hub holds it now - stop serving. */
int hub_lease_check(hub_lease_t *self, silta_err_t *err);

/* Give the lease up (closes its connection); *self_p = NULL. */
void hub_lease_release(hub_lease_t **self_p);

#endif
