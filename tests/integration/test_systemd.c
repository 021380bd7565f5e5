/* test_systemd.c - what the systemd units rely on (issue 13 item 4, issue 14
 * item 2): each program tells the service manager READY=1 when it serves and
 * WATCHDOG=1 while its loop turns (sd_notify over $NOTIFY_SOCKET, received
 * here on a socket of the test's own), and every unit in ops/systemd is
 * Type=notify with a watchdog (a timer's job: Type=oneshot) and scores OK in
 * `systemd-analyze security`.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "fixture.h"
#include "harness.h"
#include "silta_time.h"

static char *s_home;
static int s_sock = -1;

static void s_fini(void)
{
    if (s_sock >= 0)
        close(s_sock);
    s_sock = -1;
    unsetenv("NOTIFY_SOCKET");
    unsetenv("WATCHDOG_USEC");
    harness_home_destroy(&s_home);
}
TestSuite(systemd, .fini = s_fini);

/* One datagram and the pid that sent it (0 on timeout). */
static pid_t s_recv(char *buf, size_t len, int timeout_ms)
{
    struct timeval tv = {timeout_ms / 1000, (timeout_ms % 1000) * 1000};
    setsockopt(s_sock, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    char ctl[CMSG_SPACE(sizeof(struct ucred))];
    struct iovec iov = {buf, len - 1};
    struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl,
                       .msg_controllen = sizeof ctl};
    ssize_t n = recvmsg(s_sock, &m, 0);
    if (n < 0)
        return 0;
    buf[n] = '\0';
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c))
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS) {
            struct ucred cr;
            memcpy(&cr, CMSG_DATA(c), sizeof cr);
            return cr.pid;
        }
    return -1;
}

Test(systemd, the_hub_says_ready_and_feeds_the_watchdog, .timeout = 180)
{
    s_home = harness_home_new();
    char path[4096];
    snprintf(path, sizeof path, "%s/notify.sock", s_home);
    s_sock = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    cr_assert_geq(s_sock, 0);
    int one = 1;
    setsockopt(s_sock, SOL_SOCKET, SO_PASSCRED, &one, sizeof one);
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    cr_assert_lt(strlen(path), sizeof a.sun_path, "home path too long for a socket");
    memcpy(a.sun_path, path, strlen(path) + 1); /* fits: asserted above */
    cr_assert_eq(bind(s_sock, (struct sockaddr *)&a, sizeof a), 0);
    setenv("NOTIFY_SOCKET", path, 1);
    setenv("WATCHDOG_USEC", "400000", 1); /* a watchdog of 0.4 s: WATCHDOG=1 every 0.1 s */
    fixture_deploy(0);
    snprintf(path, sizeof path, "%s/run/silta-hub.pid", s_home);
    pid_t hub = harness_pid_file(path);
    cr_assert_gt(hub, 0);
    int ready = 0, watchdog = 0;
    int64_t end = silta_mono_ms() + 20000;
    char buf[512];
    while (silta_mono_ms() < end && !(ready && watchdog >= 3)) {
        pid_t from = s_recv(buf, sizeof buf, 500);
        if (from != hub)
            continue; /* PostgreSQL, started the same way, says READY=1 too */
        ready |= strstr(buf, "READY=1") && strstr(buf, "STATUS=silta-hub ready");
        watchdog += ready && strcmp(buf, "WATCHDOG=1") == 0;
    }
    cr_assert(ready, "no READY=1 from the hub");
    cr_assert_geq(watchdog, 3, "the hub's loop does not feed the watchdog (%d)", watchdog);
}

Test(systemd, every_unit_is_notify_with_a_watchdog_and_scores_ok, .timeout = 120)
{
    if (system("command -v systemd-analyze >/dev/null 2>&1") != 0)
        cr_skip_test("systemd-analyze is not installed (Debian package systemd)");
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/ops/systemd", harness_src());
    DIR *d = opendir(dir);
    cr_assert_not_null(d);
    struct dirent *e;
    int units = 0;
    while ((e = readdir(d))) {
        size_t n = strlen(e->d_name);
        if (n < 9 || strcmp(e->d_name + n - 8, ".service") != 0)
            continue;
        units++;
        char path[8192];
        snprintf(path, sizeof path, "%s/%.255s", dir, e->d_name);
        char *text = harness_read_file(path);
        cr_assert_not_null(text);
        /* A timer's job (silta-journal-retain) runs once and exits: oneshot. */
        char timer[8192];
        snprintf(timer, sizeof timer, "%s/%.*s.timer", dir, (int)(n - 8), e->d_name);
        if (access(timer, R_OK) == 0)
            cr_assert(strstr(text, "\nType=oneshot\n"), "%s: a timer's job is oneshot",
                      e->d_name);
        else
            cr_assert(strstr(text, "\nType=notify\n") && strstr(text, "\nWatchdogSec="), "%s",
                      e->d_name);
        cr_assert(strstr(text, "\nStateDirectory=silta\n") && !strstr(text, "ReadWritePaths"),
                  "%s: state in StateDirectory=, not paths that must pre-exist", e->d_name);
        free(text);
        harness_result_t r;
        harness_runl(&r, 60000, "/bin/sh", "-c",
                     "systemd-analyze security --offline=yes \"$0\" 2>&1 | tail -n 1", path,
                     NULL);
        cr_assert(strstr(r.out, " OK"), "%s: %s", e->d_name, r.out);
        harness_result_free(&r);
    }
    closedir(d);
    cr_assert_geq(units, 5);
}
