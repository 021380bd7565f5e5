/*  read.h - the read model's shared piece: a pool of copied strings.
 *
 *  The read model (read_inbox.c, read_client.c, read_checks.c) runs the
 *  queries the inbox's pages and actions need and returns plain structs and
 *  lists of them; the page code (web/) renders those and never sees SQL or
 *  libpq. A list's strings are copied out of the PGresult into its pool, so
 *  the list owns everything it points to and one *_free releases it all.
 *
 *  Not here: writes (store/), HTML (web/), rules (rules/). The one write a
 *  read makes is the inbox's access-log row (read_inbox.h says why).
 */
#ifndef READ_H
#define READ_H

#include <libpq-fe.h>
#include <stddef.h>

#include "../store/cs_store.h"

typedef struct {
    char **v;
    size_t n, cap;
    int failed; /* an allocation failed: the list is incomplete */
} read_pool_t;

/* A copy of column col of row i, owned by pool: "" for SQL NULL (as
 * PQgetvalue gives it), or NULL for SQL NULL when null_ok. On out of memory
 * "" and pool->failed. */
const char *read_pool_col(read_pool_t *pool, const PGresult *r, int i, int col, int null_ok);

/* Free every string; harmless twice. */
void read_pool_free(read_pool_t *pool);

/* "DDMMYYC****" (birth date and century sign) + NUL. */
#define READ_HETU_MASKED_SIZE 12

/* The masked hetu of client ck into out: the hetu is opened from its seal
 * (cs_store_hetu) only to mask it and wiped at once, so only the masked form
 * leaves the read model. out is "" when the seal does not open (no such
 * client, database error, wrong key). */
void read_hetu_masked(cs_store_t *store, const char *ck, char out[READ_HETU_MASKED_SIZE]);

#endif
