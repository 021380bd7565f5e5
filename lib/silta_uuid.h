/*  silta_uuid.h - UUIDv7 event ids (time-ordered) and their validation. */
#ifndef SILTA_UUID_H
#define SILTA_UUID_H

#include <stddef.h>

#define SILTA_UUID_STRLEN 36

/* Write a fresh UUIDv7 in canonical lowercase text form into out (37 bytes). */
void silta_uuid_v7(char out[SILTA_UUID_STRLEN + 1]);

/* A name-based id: the same (namespace, data) always gives the same UUID
 * (version 8 layout, FNV-1a-128 of the input), so re-reading an input creates
 * no new events. Not a security hash. */
void silta_uuid_from_content(const char *namespace_, const void *data, size_t len,
                             char out[SILTA_UUID_STRLEN + 1]);

/* 1 when s is 36 characters of canonical 8-4-4-4-12 lowercase hex, else 0.
 * Uppercase is refused so that ids compare as bytes everywhere. */
int silta_uuid_valid(const char *s);

#endif
