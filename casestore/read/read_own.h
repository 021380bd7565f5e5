/*  read_own.h - what a client reads about themself on their own page
 *  (casestore/client/): the coordinated plan, who received their data, when
 *  and on what basis (the hub's disclosure log through the view
 *  casestore.client_disclosure: the same rows as `siltactl audit client`),
 *  and the consents the case store holds for them.
 *
 *  Every query is bound to the one client_key the caller passes (the
 *  session's): nothing here can list another client.
 *
 *  Not here: HTML (client/client_pages.c), the access log.
 */
#ifndef READ_OWN_H
#define READ_OWN_H

#include "read_client.h"
#include "read_plan.h"

typedef struct {
    const char *when;        /* D.M.YYYY HH:MI */
    const char *recipient;   /* hub identity: kela | employment | health | casestore | ... */
    const char *type;        /* event type */
    const char *basis;       /* a statute, or "consent:<purpose>" */
} read_disclosure_t;

typedef struct {
    const char *consent_id, *status, *purpose;
    const char *expires; /* YYYY-MM-DD or "" */
} read_consent_t;

typedef struct {
    read_plan_t cplan;                         /* the client plan (SHL 39 §): goals, actions */
    READ_LIST(read_plan_item_t) plan;          /* open first, then by deadline */
    READ_LIST(read_disclosure_t) disclosures;  /* newest first, at most 200 */
    READ_LIST(read_consent_t) consents;        /* every consent_id's latest state */
    int disclosures_ok;                        /* 0: the view is missing (no hub schema) */
    read_pool_t pool;
} read_own_t;

/* Load client ck's own view into *out (read_own_free after, also on
 * failure). Returns 0, or -1 on a database error or out of memory. */
int read_own_load(PGconn *db, const char *ck, read_own_t *out);
void read_own_free(read_own_t *o);

#endif
