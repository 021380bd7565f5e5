/*  silta_uuid.c - UUIDv7 generation (RFC 9562), content-derived version-8 ids
 *  (BLAKE2b) and canonical-text validation. */
#include "silta_uuid.h"
#include "silta_time.h"

#include <ctype.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

/* The canonical lowercase text, 8-4-4-4-12 (a loop, not snprintf: it runs
 * once per published record). */
static void s_format(const uint8_t b[16], char out[SILTA_UUID_STRLEN + 1])
{
    static const char hex[] = "0123456789abcdef";
    char *o = out;
    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            *o++ = '-';
        *o++ = hex[b[i] >> 4];
        *o++ = hex[b[i] & 0x0f];
    }
    *o = '\0';
}

void silta_uuid_v7(char out[SILTA_UUID_STRLEN + 1])
{
    uint8_t b[16];
    uint64_t ms = (uint64_t)silta_now_ms();
    for (int i = 0; i < 6; i++)
        b[i] = (uint8_t)(ms >> (40 - 8 * i));
    if (getrandom(b + 6, 10, 0) != 10) {
        /* getrandom on Linux does not fail for 10 bytes once the pool is up;
         * fall back to the monotonic clock rather than leave bytes unset. */
        uint64_t t = (uint64_t)silta_mono_us();
        for (int i = 6; i < 16; i++)
            b[i] = (uint8_t)(t >> ((i % 8) * 8));
    }
    b[6] = (uint8_t)(0x70 | (b[6] & 0x0f));
    b[8] = (uint8_t)(0x80 | (b[8] & 0x3f));
    s_format(b, out);
}

void silta_uuid_from_content(const char *namespace_, const void *data, size_t len,
                             char out[SILTA_UUID_STRLEN + 1])
{
    uint8_t b[16];
    crypto_generichash_state st;
    crypto_generichash_init(&st, NULL, 0, sizeof b);
    crypto_generichash_update(&st, (const unsigned char *)namespace_, strlen(namespace_) + 1);
    crypto_generichash_update(&st, (const unsigned char *)data, len);
    crypto_generichash_final(&st, b, sizeof b);
    b[6] = (uint8_t)(0x80 | (b[6] & 0x0f));
    b[8] = (uint8_t)(0x80 | (b[8] & 0x3f));
    s_format(b, out);
}

int silta_uuid_valid(const char *s)
{
    if (!s || strlen(s) != SILTA_UUID_STRLEN)
        return 0;
    for (int i = 0; i < SILTA_UUID_STRLEN; i++) {
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (s[i] != '-')
                return 0;
        } else if (!isdigit((unsigned char)s[i]) && !(s[i] >= 'a' && s[i] <= 'f')) {
            /* lowercase only: the canonical form, so ids compare as bytes */
            return 0;
        }
    }
    return 1;
}
