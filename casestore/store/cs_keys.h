/*  cs_keys.h - the distinct client_keys of a batch, numbered in the order
 *  they were first seen, found again in constant time (an open-addressing
 *  table hashed with libsodium's SipHash). A batch of 512 events used to find
 *  its clients by comparing every key with every earlier one (callgrind:
 *  ~8 % of the case store's instructions, growing with the square of the
 *  batch).
 *
 *  Keys are borrowed: they must outlive the table. Not thread-safe (one per
 *  batch, on the stack of its caller).
 *
 *  Not here: what the caller keeps per key (it indexes its own arrays).
 */
#ifndef CS_KEYS_H
#define CS_KEYS_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    const char **keys; /* keys[i] = the key numbered i (borrowed), i < n */
    uint32_t *slots;   /* 0 = empty, else 1 + the key's number */
    size_t n, max, cap;
} cs_keys_t;

#define CS_KEYS_INIT {NULL, NULL, 0, 0, 0}

/* Room for max distinct keys. Returns 0, or -1 when out of memory (then
 * cs_keys_free is still safe). */
int cs_keys_init(cs_keys_t *k, size_t max);

/* The number of key, adding it as the next number when it is new (*fresh =
 * 1, else 0; fresh may be NULL). Returns -1 when the table already holds max
 * keys and key is not among them. */
long cs_keys_put(cs_keys_t *k, const char *key, int *fresh);

/* The number of key, or -1 when it is not in the table. */
long cs_keys_find(const cs_keys_t *k, const char *key);

/* Free the table; k is empty again (a second call is harmless). */
void cs_keys_free(cs_keys_t *k);

#endif
