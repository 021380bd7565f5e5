/*  silta_log.h - one log line per event, key=value context, lowercase messages.
 *
 *  Format:  2026-11-23T17:41:18.123Z silta-hub info msg="event committed" k=v ...
 *  Never pass a hetu, a name or a payload: log client_key and event_id.
 *  Lines go to stderr (the process supervisor captures them); the level comes
 *  from SILTA_LOG_LEVEL (debug, info, warn, error; default info).
 */
#ifndef SILTA_LOG_H
#define SILTA_LOG_H

typedef enum { SILTA_LOG_DEBUG, SILTA_LOG_INFO, SILTA_LOG_WARN, SILTA_LOG_ERROR } silta_log_level_t;

/* Set the program name shown on each line (borrowed; must outlive logging). */
void silta_log_init(const char *program);

/* fmt is the key=value tail after msg; may be NULL. */
void silta_log(silta_log_level_t level, const char *msg, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* 1 when a line of this level would be written now (SILTA_LOG_LEVEL read on
 * each call, as silta_log does): a caller that logs per record asks once per
 * file, not once per line. */
int silta_log_enabled(silta_log_level_t level);

#define silta_debug(msg, ...) silta_log(SILTA_LOG_DEBUG, msg, __VA_ARGS__)
#define silta_info(msg, ...) silta_log(SILTA_LOG_INFO, msg, __VA_ARGS__)
#define silta_warn(msg, ...) silta_log(SILTA_LOG_WARN, msg, __VA_ARGS__)
#define silta_error(msg, ...) silta_log(SILTA_LOG_ERROR, msg, __VA_ARGS__)

#endif
