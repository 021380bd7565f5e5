/*  silta_buf.h - a growable byte/text buffer (SQL text, array literals, files).
 *
 *  The buffer is always NUL-terminated. On out of memory it sets ->failed and
 *  ignores further appends, so a caller checks once at the end.
 */
#ifndef SILTA_BUF_H
#define SILTA_BUF_H

#include <stddef.h>

typedef struct {
    char *data;
    size_t len;
    size_t cap;
    int failed;
} silta_buf_t;

void silta_buf_init(silta_buf_t *b);
void silta_buf_reset(silta_buf_t *b); /* len = 0, keeps memory */
void silta_buf_free(silta_buf_t *b);
void silta_buf_append(silta_buf_t *b, const void *data, size_t len);
void silta_buf_puts(silta_buf_t *b, const char *s);
void silta_buf_printf(silta_buf_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
