/*  silta_map.h - a hash map from byte-string keys to pointers.
 *
 *  Keys are copied in; values are borrowed (the map never frees them unless a
 *  destructor is given to silta_map_destroy). Used for routing ids, client
 *  keys and sequence numbers (8-byte keys: see silta_map_u64_*).
 *  Not thread-safe.
 */
#ifndef SILTA_MAP_H
#define SILTA_MAP_H

#include <stddef.h>
#include <stdint.h>

typedef struct silta_map_t silta_map_t;

silta_map_t *silta_map_new(void);
/* Free the map; when value_free is given it is called on every value. */
void silta_map_destroy(silta_map_t **self_p, void (*value_free)(void *value));

/* The value under key, or NULL. */
void *silta_map_get(const silta_map_t *self, const void *key, size_t keylen);
/* Insert or replace. Returns 0, or -1 on out of memory (map unchanged). */
int silta_map_put(silta_map_t *self, const void *key, size_t keylen, void *value);
/* Remove and return the value (NULL when absent). */
void *silta_map_remove(silta_map_t *self, const void *key, size_t keylen);
size_t silta_map_size(const silta_map_t *self);

/* Iterate: call fn for every entry; stop early when fn returns non-zero.
 * fn must not modify the map. */
void silta_map_each(const silta_map_t *self,
                    int (*fn)(const void *key, size_t keylen, void *value, void *arg), void *arg);

/* Conveniences for NUL-terminated string keys and uint64 keys. */
static inline void *silta_map_str_get(const silta_map_t *m, const char *k);
static inline void *silta_map_u64_get(const silta_map_t *m, uint64_t k)
{
    return silta_map_get(m, &k, sizeof k);
}
static inline int silta_map_u64_put(silta_map_t *m, uint64_t k, void *v)
{
    return silta_map_put(m, &k, sizeof k, v);
}
static inline void *silta_map_u64_remove(silta_map_t *m, uint64_t k)
{
    return silta_map_remove(m, &k, sizeof k);
}

#include <string.h>
static inline void *silta_map_str_get(const silta_map_t *m, const char *k)
{
    return silta_map_get(m, k, strlen(k));
}

#endif
