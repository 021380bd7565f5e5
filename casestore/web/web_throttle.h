/*  web_throttle.h - failed inbox logins slow the next attempt down, per account
 *  and per address (exponential back-off).
 *
 *  Policy (local policy; OWASP Authentication Cheat Sheet, "Login Throttling"):
 *  the first WEB_THROTTLE_FREE failures in a row of an account or an address
 *  are answered at full speed; after that each attempt must wait
 *  2^(failures - WEB_THROTTLE_FREE) seconds from the last failure, at most
 *  WEB_THROTTLE_MAX_S. An attempt that comes too early is refused without
 *  checking the password (no Argon2 cost, no guess counted) and the page says
 *  how long to wait. A successful login clears its account and its address.
 *
 *  Locking out an account for good would let anyone lock out a caseworker, so
 *  the wait is bounded; a slow guesser still gets at most one guess per
 *  WEB_THROTTLE_MAX_S per account.
 *
 *  State: a fixed table in memory (WEB_THROTTLE_SLOTS keys), behind its own
 *  mutex; when full, the entry that failed longest ago is reused. Not kept
 *  across a restart of silta-casestore.
 */
#ifndef WEB_THROTTLE_H
#define WEB_THROTTLE_H

#include <stdint.h>

#define WEB_THROTTLE_FREE 5
#define WEB_THROTTLE_MAX_S 900
#define WEB_THROTTLE_SLOTS 4096

/* Seconds (rounded up) the login of user from addr must still wait at now_ms
 * (a monotonic clock), or 0 when it may go ahead. */
int web_throttle_wait(const char *user, const char *addr, int64_t now_ms);

/* Record the outcome of a checked login attempt at now_ms: ok = 1 clears both
 * keys, ok = 0 counts a failure on both. */
void web_throttle_record(const char *user, const char *addr, int ok, int64_t now_ms);

/* Forget everything (tests). */
void web_throttle_reset(void);

#endif
