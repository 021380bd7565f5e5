/*  silta_notify.c - sd_notify for ready, watchdog, stopping (silta_notify.h).
 *
 *  State: the watchdog's interval, read once from the environment, and when
 *  WATCHDOG=1 was last sent. Only the main loop's thread calls in.
 */
#include "silta_notify.h"

#include <stdio.h>
#include <systemd/sd-daemon.h>

#include "silta_time.h"

static int s_checked;
static int64_t s_every_ms; /* 0: no watchdog */
static int64_t s_last_ms;

void silta_notify_ready(const char *prog)
{
    char msg[160];
    snprintf(msg, sizeof msg, "READY=1\nSTATUS=%.64s ready", prog);
    sd_notify(0, msg);
}

void silta_notify_watchdog(void)
{
    if (!s_checked) {
        uint64_t usec = 0;
        s_checked = 1;
        if (sd_watchdog_enabled(0, &usec) > 0 && usec > 0)
            s_every_ms = (int64_t)(usec / 4000);
        if (s_every_ms == 0 && usec > 0)
            s_every_ms = 1;
    }
    if (s_every_ms == 0)
        return;
    int64_t now = silta_mono_ms();
    if (now - s_last_ms < s_every_ms)
        return;
    s_last_ms = now;
    sd_notify(0, "WATCHDOG=1");
}

void silta_notify_stopping(void)
{
    sd_notify(0, "STOPPING=1");
}
