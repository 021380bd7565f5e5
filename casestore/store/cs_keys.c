/*  cs_keys.c - the distinct client_keys of a batch (cs_keys.h).
 *
 *  Invariants: cap is a power of two at least twice max, so a probe always
 *  ends at an empty slot; slots[h] != 0 names keys[slots[h] - 1]; n <= max.
 */
#include "cs_keys.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

static size_t s_hash(const cs_keys_t *k, const char *key)
{
    /* SipHash with a fixed key: the table only spreads keys, it guards nothing
     * (and client_keys are HMACs already) */
    static const unsigned char zero[crypto_shorthash_KEYBYTES] = {0};
    unsigned char h[crypto_shorthash_BYTES];
    crypto_shorthash(h, (const unsigned char *)key, strlen(key), zero);
    uint64_t v;
    memcpy(&v, h, sizeof v);
    return (size_t)v & (k->cap - 1);
}

int cs_keys_init(cs_keys_t *k, size_t max)
{
    *k = (cs_keys_t)CS_KEYS_INIT;
    size_t cap = 16;
    while (cap < 2 * max)
        cap *= 2;
    k->keys = malloc((max ? max : 1) * sizeof *k->keys);
    k->slots = calloc(cap, sizeof *k->slots);
    if (!k->keys || !k->slots) {
        cs_keys_free(k);
        return -1;
    }
    k->max = max;
    k->cap = cap;
    return 0;
}

/* The slot of key, or of the empty slot where it would go. */
static size_t s_slot(const cs_keys_t *k, const char *key)
{
    size_t h = s_hash(k, key);
    while (k->slots[h] && strcmp(k->keys[k->slots[h] - 1], key) != 0)
        h = (h + 1) & (k->cap - 1);
    return h;
}

long cs_keys_put(cs_keys_t *k, const char *key, int *fresh)
{
    if (fresh)
        *fresh = 0;
    if (!k->slots)
        return -1;
    size_t h = s_slot(k, key);
    if (k->slots[h])
        return (long)k->slots[h] - 1;
    if (k->n >= k->max)
        return -1;
    k->keys[k->n] = key;
    k->slots[h] = (uint32_t)++k->n;
    if (fresh)
        *fresh = 1;
    return (long)k->n - 1;
}

long cs_keys_find(const cs_keys_t *k, const char *key)
{
    if (!k->slots)
        return -1;
    size_t h = s_slot(k, key);
    return k->slots[h] ? (long)k->slots[h] - 1 : -1;
}

void cs_keys_free(cs_keys_t *k)
{
    free(k->keys);
    free(k->slots);
    *k = (cs_keys_t)CS_KEYS_INIT;
}
