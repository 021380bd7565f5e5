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
         * payloads are long and have none) */
        for (size_t i = 0; i < len;) {
            size_t j = i;
            while (j < len && s[j] != '"' && s[j] != '\\')
                j++;
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
