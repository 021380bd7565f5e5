/*  silta_notify.h - readiness and liveness for a service manager (systemd's
 *  sd_notify protocol, through libsystemd).
 *
 *  Under a unit with Type=notify, systemd starts the next unit only after
 *  READY=1, and with WatchdogSec= it restarts a program that stops sending
 *  WATCHDOG=1 (a hung loop). Outside systemd ($NOTIFY_SOCKET unset) every call
 *  here does nothing, so the programs run the same under ops/silta-local.
 *
 *  Each program calls silta_notify_ready once when it serves (its "ready" log
 *  line), silta_notify_watchdog from every turn of its main loop, and
 *  silta_notify_stopping when it begins to stop.
 */
#ifndef SILTA_NOTIFY_H
#define SILTA_NOTIFY_H

/* READY=1 with STATUS="<prog> ready". */
void silta_notify_ready(const char *prog);
/* WATCHDOG=1 when the unit has a watchdog ($WATCHDOG_USEC), at most every
 * quarter of its interval (a call per loop turn costs a clock read). */
void silta_notify_watchdog(void);
/* STOPPING=1. */
void silta_notify_stopping(void);

#endif
