/*  silta_map.c - chained hash map, power-of-two buckets, grows at load 1. */
#include "silta_map.h"

#include <stdlib.h>
#include <string.h>

typedef struct s_entry {
    struct s_entry *next;
    uint64_t hash;
    void *value;
    size_t keylen;
    unsigned char key[]; /* keylen bytes */
} s_entry_t;

struct silta_map_t {
    s_entry_t **buckets;
    size_t nbuckets; /* power of two */
    size_t size;
};

/* FNV-1a with a final mix: keys are short (routing ids, client keys, seqs). */
static uint64_t s_hash(const void *key, size_t len)
{
    const unsigned char *p = key;
    uint64_t h = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < len; i++)
        h = (h ^ p[i]) * 0x100000001b3ULL;
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    return h;
}

silta_map_t *silta_map_new(void)
{
    silta_map_t *self = calloc(1, sizeof *self);
    if (!self)
        return NULL;
    self->nbuckets = 64;
    self->buckets = calloc(self->nbuckets, sizeof *self->buckets);
    if (!self->buckets) {
        free(self);
        return NULL;
    }
    return self;
}

void silta_map_destroy(silta_map_t **self_p, void (*value_free)(void *value))
{
    if (!self_p || !*self_p)
        return;
    silta_map_t *self = *self_p;
    for (size_t i = 0; i < self->nbuckets; i++) {
        s_entry_t *e = self->buckets[i];
        while (e) {
            s_entry_t *next = e->next;
            if (value_free)
                value_free(e->value);
            free(e);
            e = next;
        }
    }
    free(self->buckets);
    free(self);
    *self_p = NULL;
}

static s_entry_t **s_find(const silta_map_t *self, const void *key, size_t keylen, uint64_t h)
{
    s_entry_t **pp = &self->buckets[h & (self->nbuckets - 1)];
    while (*pp) {
        if ((*pp)->hash == h && (*pp)->keylen == keylen && memcmp((*pp)->key, key, keylen) == 0)
            return pp;
        pp = &(*pp)->next;
    }
    return pp;
}

void *silta_map_get(const silta_map_t *self, const void *key, size_t keylen)
{
    s_entry_t **pp = s_find(self, key, keylen, s_hash(key, keylen));
    return *pp ? (*pp)->value : NULL;
}

static void s_grow(silta_map_t *self)
{
    size_t n = self->nbuckets * 2;
    s_entry_t **b = calloc(n, sizeof *b);
    if (!b)
        return; /* stay at the current size: slower, still correct */
    for (size_t i = 0; i < self->nbuckets; i++) {
        s_entry_t *e = self->buckets[i];
        while (e) {
            s_entry_t *next = e->next;
            size_t j = e->hash & (n - 1);
            e->next = b[j];
            b[j] = e;
            e = next;
        }
    }
    free(self->buckets);
    self->buckets = b;
    self->nbuckets = n;
}

int silta_map_put(silta_map_t *self, const void *key, size_t keylen, void *value)
{
    uint64_t h = s_hash(key, keylen);
    s_entry_t **pp = s_find(self, key, keylen, h);
    if (*pp) {
        (*pp)->value = value;
        return 0;
    }
    s_entry_t *e = malloc(sizeof *e + keylen);
    if (!e)
        return -1;
    e->next = NULL;
    e->hash = h;
    e->value = value;
    e->keylen = keylen;
    memcpy(e->key, key, keylen);
    *pp = e;
    self->size++;
    if (self->size > self->nbuckets)
        s_grow(self);
    return 0;
}

void *silta_map_remove(silta_map_t *self, const void *key, size_t keylen)
{
    s_entry_t **pp = s_find(self, key, keylen, s_hash(key, keylen));
    s_entry_t *e = *pp;
    if (!e)
        return NULL;
    *pp = e->next;
    void *v = e->value;
    free(e);
    self->size--;
    return v;
}

size_t silta_map_size(const silta_map_t *self)
{
    return self->size;
}

void silta_map_each(const silta_map_t *self,
                    int (*fn)(const void *key, size_t keylen, void *value, void *arg), void *arg)
{
    for (size_t i = 0; i < self->nbuckets; i++)
        for (s_entry_t *e = self->buckets[i]; e; e = e->next)
            if (fn(e->key, e->keylen, e->value, arg))
                return;
}
