/*  silta_err.c - fill a silta_err_t. */
#include "silta_err.h"

#include <stdio.h>

int silta_err_set(silta_err_t *err, int code, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
        err->code = code;
    }
    return code;
}
