/*  silta_buf.c - growable NUL-terminated buffer. */
#include "silta_buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void silta_buf_init(silta_buf_t *b)
{
    memset(b, 0, sizeof *b);
}

void silta_buf_reset(silta_buf_t *b)
{
    b->len = 0;
    b->failed = 0;
    if (b->data)
        b->data[0] = '\0';
}

void silta_buf_free(silta_buf_t *b)
{
    free(b->data);
    silta_buf_init(b);
}

static int s_reserve(silta_buf_t *b, size_t extra)
{
    if (b->failed)
        return -1;
    if (b->len + extra + 1 <= b->cap)
        return 0;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + extra + 1)
        cap *= 2;
    char *d = realloc(b->data, cap);
    if (!d) {
        b->failed = 1;
        return -1;
    }
    b->data = d;
    b->cap = cap;
    return 0;
}

void silta_buf_append(silta_buf_t *b, const void *data, size_t len)
{
    if (s_reserve(b, len) != 0)
        return;
    memcpy(b->data + b->len, data, len);
    b->len += len;
    b->data[b->len] = '\0';
}

void silta_buf_puts(silta_buf_t *b, const char *s)
{
    silta_buf_append(b, s, strlen(s));
}

void silta_buf_printf(silta_buf_t *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || s_reserve(b, (size_t)n) != 0)
        return;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}
