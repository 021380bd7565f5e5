/*  silta_redact.c - mask hetus in free text. See silta_redact.h.
 *
 *  One pass left to right. At each position: a canonical UUID is stepped over
 *  whole; a maximal run of hex digits longer than a hetu is stepped over but
 *  for its last 10 characters (a hetu starting there ends outside the run);
 *  otherwise the 11 characters from here are a hetu when their shape fits
 *  (cheap) and silta_hetu_parse accepts their uppercase form (date, century
 *  sign, individual number, check character).
 */
#include "silta_redact.h"

#include <string.h>

#include "silta_hetu.h"

static int s_digit(char c)
{
    return c >= '0' && c <= '9';
}

static int s_hex(char c)
{
    return s_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static char s_upper(char c)
{
    return c >= 'a' && c <= 'z' ? (char)(c - 'a' + 'A') : c;
}

/* A canonical UUID (8-4-4-4-12 hex digits) starts at s[i]. */
static int s_uuid_at(const char *s, size_t len, size_t i)
{
    static const size_t dash[] = {8, 13, 18, 23};
    if (len - i < 36)
        return 0;
    for (size_t k = 0, d = 0; k < 36; k++) {
        if (d < 4 && k == dash[d]) {
            if (s[i + k] != '-')
                return 0;
            d++;
        } else if (!s_hex(s[i + k])) {
            return 0;
        }
    }
    return 1;
}

/* The 11 characters at s[i] are a valid hetu (any case). */
static int s_hetu_at(const char *s, size_t len, size_t i)
{
    if (len - i < SILTA_HETU_LEN)
        return 0;
    for (size_t k = 0; k < 6; k++)
        if (!s_digit(s[i + k]))
            return 0;
    if (s[i + 6] == '\0' || !strchr("+-YXWVUABCDEF", s_upper(s[i + 6])))
        return 0;
    for (size_t k = 7; k < 10; k++)
        if (!s_digit(s[i + k]))
            return 0;
    char code[SILTA_HETU_LEN + 1];
    for (size_t k = 0; k < SILTA_HETU_LEN; k++)
        code[k] = s_upper(s[i + k]);
    code[SILTA_HETU_LEN] = '\0';
    return silta_hetu_valid(code);
}

size_t silta_redact_find(const char *s, size_t len)
{
    if (!s)
        return len;
    size_t i = 0;
    while (i < len) {
        if (s_hex(s[i])) {
            if (s_uuid_at(s, len, i)) {
                i += 36;
                continue;
            }
            size_t run = i;
            while (run < len && s_hex(s[run]))
                run++;
            if (run - i > SILTA_HETU_LEN) {
                /* A hash or a key: no hetu lies wholly inside it (silta_redact.h).
                 * One that starts in its last 10 characters ends past it
                 * ("ck_abcdef010185-901E"), so those are still looked at. */
                i = run - (SILTA_HETU_LEN - 1);
                continue;
            }
        }
        if (s_hetu_at(s, len, i))
            return i;
        i++;
    }
    return len;
}

int silta_redact_has_hetu(const char *s)
{
    if (!s)
        return 0;
    size_t len = strlen(s);
    return silta_redact_find(s, len) < len;
}

size_t silta_redact_hetus(char *s)
{
    if (!s)
        return 0;
    size_t len = strlen(s), n = 0, from = 0;
    const size_t mask = sizeof SILTA_REDACT_MASK - 1;
    for (;;) {
        size_t at = from + silta_redact_find(s + from, len - from);
        if (at >= len)
            return n;
        memcpy(s + at, SILTA_REDACT_MASK, mask);
        memmove(s + at + mask, s + at + SILTA_HETU_LEN, len - at - SILTA_HETU_LEN + 1);
        len -= SILTA_HETU_LEN - mask;
        from = at + mask;
        n++;
    }
}
