/*  cs_arr.c - a PostgreSQL array literal built element by element (cs_arr.h).
 *
 *  buf always holds "{" + the elements so far + "}" and a NUL, so the literal
 *  is ready at any time; an add overwrites the closing brace.
 */
#include "cs_arr.h"

#include <stdlib.h>
#include <string.h>

/* Room for `more` further bytes (closing brace and NUL included). */
static int s_room(cs_arr_t *a, size_t more)
{
    if (a->oom)
        return -1;
    if (a->len + more <= a->cap)
        return 0;
    size_t cap = a->cap ? a->cap : 256;
    while (cap < a->len + more)
        cap *= 2;
    char *b = realloc(a->buf, cap);
    if (!b) {
        a->oom = 1;
        return -1;
    }
    if (!a->buf) {
        b[0] = '{';
        a->len = 1;
    }
    a->buf = b;
    a->cap = cap;
    return 0;
}

/* The position of the first c in s[from, len), or len. */
static size_t s_next(const char *s, size_t from, size_t len, char c)
{
    const char *p = from < len ? memchr(s + from, c, len - from) : NULL;
    return p ? (size_t)(p - s) : len;
}

void cs_arr_addn(cs_arr_t *a, const char *s, size_t len)
{
    /* worst case: a comma, two quotes, every byte escaped, "}" and NUL */
    if (s_room(a, 1 + 2 + (s ? 2 * len : 4) + 2) != 0)
        return;
    if (a->n++)
        a->buf[a->len++] = ',';
    if (!s) {
        memcpy(a->buf + a->len, "NULL", 4);
        a->len += 4;
    } else {
        a->buf[a->len++] = '"';
        /* runs without a quote or a backslash copied whole (the outbox's hex
         * payloads are long and have none), found with memchr; q and b are
         * the next quote and backslash at or after i (len: none) */
        size_t q = s_next(s, 0, len, '"'), b = s_next(s, 0, len, '\\');
        for (size_t i = 0; i < len;) {
            if (q < i)
                q = s_next(s, i, len, '"');
            if (b < i)
                b = s_next(s, i, len, '\\');
            size_t j = q < b ? q : b;
            memcpy(a->buf + a->len, s + i, j - i);
            a->len += j - i;
            if (j < len) {
                a->buf[a->len++] = '\\';
                a->buf[a->len++] = s[j++];
            }
            i = j;
        }
        a->buf[a->len++] = '"';
    }
    a->buf[a->len] = '}';
    a->buf[a->len + 1] = '\0';
}

void cs_arr_add(cs_arr_t *a, const char *s)
{
    cs_arr_addn(a, s, s ? strlen(s) : 0);
}

const char *cs_arr_lit(cs_arr_t *a)
{
    if (a->oom)
        return NULL;
    if (!a->buf)
        return "{}";
    return a->buf;
}

void cs_arr_free(cs_arr_t *a)
{
    free(a->buf);
    *a = (cs_arr_t)CS_ARR_INIT;
}
