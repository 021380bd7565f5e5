/*  read_own.c - the queries of the client's own page (see read_own.h).
 *
 *  Not here: HTML and labels (client/client_pages.c).
 */
#include "read_own.h"

#include <stdlib.h>
#include <string.h>

#include "silta_db.h"

/* r = the rows of sql ($1 = ck) and list.v room for them (at least one, so
 * calloc never gets 0); NULL r on failure. */
#define S_ROWS(r, db, sql, ck, list)                                                               \
    do {                                                                                           \
        const char *p_[1] = {ck};                                                                  \
        (r) = silta_db_query(db, sql, 1, p_, NULL);                                                \
        if ((r) && !((list).v = calloc(PQntuples(r) ? (size_t)PQntuples(r) : 1,                    \
                                       sizeof *(list).v))) {                                       \
            PQclear(r);                                                                            \
            (r) = NULL;                                                                            \
        }                                                                                          \
    } while (0)

static int s_plan(PGconn *db, const char *ck, read_own_t *o)
{
    PGresult *r;
    S_ROWS(r, db,
           "SELECT title, owner_agency, responsible, due_date::text, status, item_id "
           "FROM casestore.plan_current WHERE client_key = $1 AND status <> 'cancelled' "
           "ORDER BY status <> 'open', due_date NULLS LAST, item_id",
           ck, o->plan);
    if (!r)
        return -1;
    for (int i = 0; i < PQntuples(r); i++) {
        read_plan_item_t *x = &o->plan.v[o->plan.n++];
        x->title = read_pool_col(&o->pool, r, i, 0, 0);
        x->owner = read_pool_col(&o->pool, r, i, 1, 0);
        x->responsible = read_pool_col(&o->pool, r, i, 2, 0);
        x->due = read_pool_col(&o->pool, r, i, 3, 1);
        x->status = read_pool_col(&o->pool, r, i, 4, 0);
        x->item_id = read_pool_col(&o->pool, r, i, 5, 0);
    }
    PQclear(r);
    return 0;
}

static int s_disclosures(PGconn *db, const char *ck, read_own_t *o)
{
    const char *p[1] = {"casestore.client_disclosure"};
    PGresult *r = silta_db_query(db, "SELECT to_regclass($1) IS NOT NULL", 1, p, NULL);
    if (!r)
        return -1;
    o->disclosures_ok = strcmp(PQgetvalue(r, 0, 0), "t") == 0;
    PQclear(r);
    if (!o->disclosures_ok)
        return 0;
    S_ROWS(r, db,
           "SELECT to_char(to_timestamp(at_ms / 1000.0), 'FMDD.FMMM.YYYY HH24:MI'), recipient, "
           "type, legal_basis FROM casestore.client_disclosure WHERE client_key = $1 "
           "ORDER BY at_ms DESC LIMIT 200",
           ck, o->disclosures);
    if (!r)
        return -1;
    for (int i = 0; i < PQntuples(r); i++) {
        read_disclosure_t *x = &o->disclosures.v[o->disclosures.n++];
        x->when = read_pool_col(&o->pool, r, i, 0, 0);
        x->recipient = read_pool_col(&o->pool, r, i, 1, 0);
        x->type = read_pool_col(&o->pool, r, i, 2, 0);
        x->basis = read_pool_col(&o->pool, r, i, 3, 0);
    }
    PQclear(r);
    return 0;
}

static int s_consents(PGconn *db, const char *ck, read_own_t *o)
{
    PGresult *r;
    S_ROWS(r, db,
           "SELECT consent_id, status, coalesce(purpose, ''), coalesce(expires::text, '') "
           "FROM casestore.consent WHERE client_key = $1 ORDER BY purpose, consent_id",
           ck, o->consents);
    if (!r)
        return -1;
    for (int i = 0; i < PQntuples(r); i++) {
        read_consent_t *x = &o->consents.v[o->consents.n++];
        x->consent_id = read_pool_col(&o->pool, r, i, 0, 0);
        x->status = read_pool_col(&o->pool, r, i, 1, 0);
        x->purpose = read_pool_col(&o->pool, r, i, 2, 0);
        x->expires = read_pool_col(&o->pool, r, i, 3, 0);
    }
    PQclear(r);
    return 0;
}

int read_own_load(PGconn *db, const char *ck, read_own_t *out)
{
    memset(out, 0, sizeof *out);
    if (read_plan_load(db, ck, &out->cplan) != 0 || s_plan(db, ck, out) != 0 ||
        s_disclosures(db, ck, out) != 0 ||
        s_consents(db, ck, out) != 0 || out->pool.failed)
        return -1;
    return 0;
}

void read_own_free(read_own_t *o)
{
    read_plan_free(&o->cplan);
    free(o->plan.v);
    free(o->disclosures.v);
    free(o->consents.v);
    read_pool_free(&o->pool);
    memset(o, 0, sizeof *o);
}
