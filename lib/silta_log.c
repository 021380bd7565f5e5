/*  silta_log.c - key=value log lines on stderr.
 *
 *  Every line is made safe here, whatever its caller passed: each hetu in it
 *  is masked (silta_redact.h), and control characters are escaped (\n \r \t
 *  \xNN), so a newline in a file name or a HELLO name cannot forge a second
 *  log line. The line then ends with the one newline written below.
 */
#include "silta_log.h"

#include "silta_redact.h"

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

int silta_log_enabled(silta_log_level_t level)
{
    return level >= s_threshold();
}

/* in[0..n) with control characters escaped into out (cap > 0; NUL-terminated,
 * truncated at a whole escape). Returns the length written. */
static size_t s_escape(const char *in, size_t n, char *out, size_t cap)
{
    static const char hex[] = "0123456789abcdef";
    size_t w = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)in[i];
        char esc[4];
        size_t k = 0;
        if (c == '\n' || c == '\r' || c == '\t') {
            esc[k++] = '\\';
            esc[k++] = c == '\n' ? 'n' : c == '\r' ? 'r' : 't';
        } else if (c < 0x20 || c == 0x7f) {
            esc[k++] = '\\';
            esc[k++] = 'x';
            esc[k++] = hex[c >> 4];
            esc[k++] = hex[c & 15];
        } else {
            esc[k++] = (char)c;
        }
        if (w + k >= cap)
            break;
        memcpy(out + w, esc, k);
        w += k;
    }
    out[w] = '\0';
    return w;
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
    if ((size_t)n >= sizeof line)
        n = (int)sizeof line - 1;
    line[n] = '\0';
    silta_redact_hetus(line);
    char out[sizeof line * 2];
    size_t w = s_escape(line, strlen(line), out, sizeof out - 1);
    out[w++] = '\n';
    fwrite(out, 1, w, stderr);
}
