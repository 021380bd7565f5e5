/*  cs_arr.h - a PostgreSQL array literal ("{"a","b",NULL}") built element by
 *  element, to pass a column of many rows as one text parameter of a
 *  set-based statement (... FROM unnest($1::text[], $2::date[], ...)).
 *
 *  Every element is quoted, with '"' and '\' escaped, so any text goes in
 *  as it is; a NULL pointer is the SQL NULL. Out of memory is remembered and
 *  reported by cs_arr_lit, so a caller adds without checking each time.
 *
 *  Not here: the statements (cs_sync.c, cs_store_batch.c), I/O.
 */
#ifndef CS_ARR_H
#define CS_ARR_H

#include <stddef.h>

typedef struct {
    char *buf;  /* "{e1,e2" while open; owned */
    size_t len, cap;
    size_t n;   /* elements added */
    int oom;
} cs_arr_t;

#define CS_ARR_INIT {NULL, 0, 0, 0, 0}

/* Append s (NULL: an SQL NULL). */
void cs_arr_add(cs_arr_t *a, const char *s);

/* Append the first len bytes of s. */
void cs_arr_addn(cs_arr_t *a, const char *s, size_t len);

/* The literal, "{}" when empty; NULL when memory ran out. Borrowed: valid
 * until the next cs_arr_add or cs_arr_free. */
const char *cs_arr_lit(cs_arr_t *a);

/* Free the buffer; a is empty again (a second call is harmless). */
void cs_arr_free(cs_arr_t *a);

#endif
