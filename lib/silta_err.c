/*  silta_err.c - fill a silta_err_t.
 *
 *  A reason goes to logs, rejection reports, NACKs and HTTP answers, so any
 *  hetu that reached it (a value quoted by a parser, a file name) is masked
 *  here, once, for all of them (silta_redact.h). */
#include "silta_err.h"

#include <stdio.h>

#include "silta_redact.h"

int silta_err_set(silta_err_t *err, int code, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
        silta_redact_hetus(err->msg);
        err->code = code;
    }
    return code;
}
