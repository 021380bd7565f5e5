/*  hub_lease.c - the serving hub's advisory lock (hub_lease.h).
 *
 *  State: the lease's own connection (NULL while the database cannot be
 *  reached after a loss) and when it was last checked. Only the hub's main
 *  thread calls in.
 */
#include "hub_lease.h"

#include <libpq-fe.h>
#include <stdlib.h>
#include <string.h>

#include "silta_db.h"
#include "silta_log.h"
#include "silta_time.h"

/* 'SILTAHUB' as a bigint: the one lock all hubs of a database contend for. */
#define S_KEY "6001966047089841474"

struct hub_lease_t {
    char *url;
    PGconn *db;
    int64_t checked_ms;
};

/* 1 taken, 0 held by another, -1 the database did not answer. */
static int s_try(PGconn *db)
{
    PGresult *r = PQexec(db, "SELECT pg_try_advisory_lock(" S_KEY ")");
    int got = PQresultStatus(r) != PGRES_TUPLES_OK ? -1 : PQgetvalue(r, 0, 0)[0] == 't';
    PQclear(r);
    return got;
}

hub_lease_t *hub_lease_acquire(const char *pg_url, volatile sig_atomic_t *stop,
                               void (*tick)(void), silta_err_t *err)
{
    hub_lease_t *self = calloc(1, sizeof *self);
    if (!self || !(self->url = strdup(pg_url))) {
        free(self);
        silta_err_set(err, SILTA_ERR, "out of memory");
        return NULL;
    }
    int said = 0;
    while (!*stop) {
        if (!self->db && !(self->db = silta_db_connect(self->url, err))) {
            if (!said++)
                silta_warn("database unavailable; waiting for it to take the lease",
                           "reason=\"%s\"", err->msg);
        } else {
            int got = s_try(self->db);
            if (got == 1) {
                if (said)
                    silta_info("lease taken; this hub serves now", NULL);
                self->checked_ms = silta_mono_ms();
                return self;
            }
            if (got < 0)
                silta_db_close(&self->db);
            else if (!said++)
                silta_info("standby: another hub holds the lease; waiting for it",
                           "poll_ms=%d", HUB_LEASE_POLL_MS);
        }
        if (tick)
            tick();
        silta_sleep_ms(HUB_LEASE_POLL_MS);
    }
    hub_lease_release(&self);
    silta_err_set(err, SILTA_EAGAIN, "stopped while waiting for the lease");
    return NULL;
}

int hub_lease_check(hub_lease_t *self, silta_err_t *err)
{
    int64_t now = silta_mono_ms();
    if (now - self->checked_ms < 1000)
        return 0;
    self->checked_ms = now;
    if (self->db) {
        PGresult *r = PQexec(self->db, "SELECT 1");
        int ok = PQresultStatus(r) == PGRES_TUPLES_OK;
        PQclear(r);
        if (ok)
            return 0;
        silta_warn("lease connection lost; taking the lease again", NULL);
        silta_db_close(&self->db);
    }
    silta_err_t cerr;
    if (!(self->db = silta_db_connect(self->url, &cerr)))
        return 0; /* the database is away: nothing can be written, try again */
    int got = s_try(self->db);
    if (got == 1) {
        silta_info("lease taken again", NULL);
        return 0;
    }
    if (got < 0) {
        silta_db_close(&self->db);
        return 0;
    }
    return silta_err_set(err, SILTA_ERR, "another hub holds the lease now");
}

void hub_lease_release(hub_lease_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    silta_db_close(&(*self_p)->db);
    free((*self_p)->url);
    free(*self_p);
    *self_p = NULL;
}
