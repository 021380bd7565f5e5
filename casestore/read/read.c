/*  read.c - the string pool of the read model (see read.h).
 *
 *  Not here: queries (read_*.c).
 */
#include "read.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "silta_hetu.h"

const char *read_pool_col(read_pool_t *pool, const PGresult *r, int i, int col, int null_ok)
{
    if (PQgetisnull(r, i, col) && null_ok)
        return NULL;
    if (pool->n == pool->cap) {
        size_t cap = pool->cap ? pool->cap * 2 : 64;
        char **v = realloc(pool->v, cap * sizeof *v);
        if (!v) {
            pool->failed = 1;
            return "";
        }
        pool->v = v;
        pool->cap = cap;
    }
    char *s = strdup(PQgetvalue(r, i, col));
    if (!s) {
        pool->failed = 1;
        return "";
    }
    pool->v[pool->n++] = s;
    return s;
}

void read_pool_free(read_pool_t *pool)
{
    for (size_t i = 0; i < pool->n; i++)
        free(pool->v[i]);
    free(pool->v);
    memset(pool, 0, sizeof *pool);
}

void read_hetu_masked(cs_store_t *store, const char *ck, char out[READ_HETU_MASKED_SIZE])
{
    char hetu[SILTA_HETU_LEN + 1] = "";
    silta_err_t err;
    out[0] = '\0';
    if (cs_store_hetu(store, ck, hetu, &err) == 0 && strlen(hetu) == SILTA_HETU_LEN)
        snprintf(out, READ_HETU_MASKED_SIZE, "%.7s****", hetu);
    sodium_memzero(hetu, sizeof hetu);
}
