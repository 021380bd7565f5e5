/*  silta_err.h - return codes and the caller-owned error text of libsilta.
 *
 *  Every verb returns int: 0 ok, or one of the negative codes below. Where a
 *  caller wants the reason, it passes a silta_err_t; the callee fills it only
 *  on failure. Translate errno / PQerrorMessage / libxml2 errors into it at the
 *  boundary where they happen.
 */
#ifndef SILTA_ERR_H
#define SILTA_ERR_H

#include <stdarg.h>

enum {
    SILTA_OK = 0,
    SILTA_ERR = -1,      /* failed; see the text */
    SILTA_EAGAIN = -2,   /* transient (database down, peer busy): retry later */
    SILTA_EINVAL = -3,   /* bad input: do not retry the same thing */
    SILTA_ETIMEDOUT = -4 /* nothing happened within the time given */
};

typedef struct {
    int code;
    char msg[512];
} silta_err_t;

/* Fill err (if not NULL) and return code. */
int silta_err_set(silta_err_t *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
