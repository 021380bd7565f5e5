/*  silta_uuid.h - UUIDv7 event ids (time-ordered) and their validation. */
#ifndef SILTA_UUID_H
#define SILTA_UUID_H

#include <stddef.h>

#define SILTA_UUID_STRLEN 36

/* Write a fresh UUIDv7 in canonical lowercase text form into out (37 bytes). */
void silta_uuid_v7(char out[SILTA_UUID_STRLEN + 1]);

/* A name-based id: the same (namespace, data) always gives the same UUID, so
 * re-reading an input creates no new events. Version 8 layout (RFC 9562
 * "custom"): the 128-bit BLAKE2b (libsodium crypto_generichash, no key) of
 * namespace, a NUL byte and data, with the version nibble set to 8 and the
 * variant bits to 10; 122 bits of a cryptographic hash remain, so two
 * different inputs never share an id in practice (the hub would confirm the
 * second as a "duplicate" and it would be lost).
 *
 * The scheme changed (issue 9): before, the hash was FNV-1a-128, which is not
 * collision resistant. Ids made by the two schemes differ for the same input.
 * The journal deduplicates by id only, so across the upgrade a batch file
 * that was half-read by the old version and is read again by the new one
 * republishes its already-journalled records once under new ids (a one-time
 * duplicate of those records in the journal; the rest of the file is read
 * once); a file read completely before the upgrade is not read again. Drain
 * the inboxes before upgrading to avoid even that. */
void silta_uuid_from_content(const char *namespace_, const void *data, size_t len,
                             char out[SILTA_UUID_STRLEN + 1]);

/* 1 when s is 36 characters of canonical 8-4-4-4-12 lowercase hex, else 0.
 * Uppercase is refused so that ids compare as bytes everywhere. */
int silta_uuid_valid(const char *s);

#endif
