/*  silta_log.c - key=value log lines on stderr. */
#include "silta_log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

static const char *s_program = "silta";

void silta_log_init(const char *program)
{
    s_program = program ? program : "silta";
}

static silta_log_level_t s_threshold(void)
{
    const char *lvl = getenv("SILTA_LOG_LEVEL");
    if (!lvl)
        return SILTA_LOG_INFO;
    if (strcmp(lvl, "debug") == 0)
        return SILTA_LOG_DEBUG;
    if (strcmp(lvl, "warn") == 0)
        return SILTA_LOG_WARN;
    if (strcmp(lvl, "error") == 0)
        return SILTA_LOG_ERROR;
    return SILTA_LOG_INFO;
}

void silta_log(silta_log_level_t level, const char *msg, const char *fmt, ...)
{
    static const char *names[] = {"debug", "info", "warn", "error"};
    if (level < s_threshold())
        return;
    struct timeval tv;
    gettimeofday(&tv, NULL);
    struct tm tm;
    gmtime_r(&tv.tv_sec, &tm);
    char line[2048];
    int n = snprintf(line, sizeof line, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ %s %s msg=\"%s\"",
                     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
                     tm.tm_sec, (int)(tv.tv_usec / 1000), s_program, names[level], msg);
    if (fmt && n > 0 && (size_t)n < sizeof line - 2) {
        line[n++] = ' ';
        va_list ap;
        va_start(ap, fmt);
        int m = vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
        va_end(ap);
        if (m > 0)
            n += m;
    }
    if (n < 0)
        return;
    if ((size_t)n >= sizeof line - 1)
        n = (int)sizeof line - 2;
    line[n++] = '\n';
    fwrite(line, 1, (size_t)n, stderr);
}
