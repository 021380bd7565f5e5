/* test_http_idle.c - idle TCP connections cannot stall a Silta program
 * (issue 9, item 5), against the real programs:
 *
 *  - the hub: 100 idle connections held open to the metrics port (any the
 *    server closes are opened again, as a hostile client would), then
 *    GET /metrics answers within a second, and events published one by one
 *    are all confirmed, on the same session (no disconnect), with confirm
 *    latency printed before and while the connections are held;
 *  - the caseworker inbox: 100 idle connections held open, then the login page
 *    answers within a second, with the security headers every page gets; a
 *    form over the body limit is 413.
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fixture.h"
#include "harness.h"
#include "silta_client.h"
#include "silta_env.h"
#include "silta_time.h"
#include "silta_uuid.h"

#define S_IDLE 100

static char *s_home;
static void s_fini(void)
{
    harness_home_destroy(&s_home);
}
TestSuite(http_idle, .fini = s_fini);

/* ---------------------------------------------------------------- idle clients */

typedef struct {
    int port;
    int fd[S_IDLE];
    int reopened; /* connections the server closed and we opened again */
} s_idle_t;

static int s_connect_nb(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    cr_assert_geq(fd, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int rc = connect(fd, (struct sockaddr *)&sa, sizeof sa);
    cr_assert(rc == 0 || errno == EINPROGRESS, "connect: %s", strerror(errno));
    return fd;
}

/* Open S_IDLE connections that never send a byte; wait (bounded) until the
 * kernel has them all established. Returns how many are. */
static int s_idle_open(s_idle_t *idle, int port)
{
    idle->port = port;
    idle->reopened = 0;
    for (int i = 0; i < S_IDLE; i++)
        idle->fd[i] = s_connect_nb(port);
    int up = 0;
    int64_t deadline = silta_mono_ms() + 3000;
    for (int i = 0; i < S_IDLE; i++) {
        struct pollfd p = {idle->fd[i], POLLOUT, 0};
        int left = (int)(deadline - silta_mono_ms());
        if (left > 0 && poll(&p, 1, left) == 1 && !(p.revents & (POLLERR | POLLHUP)))
            up++;
    }
    return up;
}

/* A connection the server closed (readable: EOF) is opened again. */
static void s_idle_keep(s_idle_t *idle)
{
    for (int i = 0; i < S_IDLE; i++) {
        struct pollfd p = {idle->fd[i], POLLIN, 0};
        if (poll(&p, 1, 0) == 1) {
            close(idle->fd[i]);
            idle->fd[i] = s_connect_nb(idle->port);
            idle->reopened++;
        }
    }
}

static void s_idle_close(s_idle_t *idle)
{
    for (int i = 0; i < S_IDLE; i++)
        close(idle->fd[i]);
}

/* A GET with its whole answer (headers too) into *answer; the status, or -1. */
static int s_get_raw(int port, const char *path, char **answer, int timeout_ms)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    *answer = calloc(1, 65536);
    cr_assert_not_null(*answer);
    if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    char req[512];
    int n = snprintf(req, sizeof req,
                     "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n", path);
    if (write(fd, req, (size_t)n) != n) {
        close(fd);
        return -1;
    }
    size_t len = 0;
    int64_t deadline = silta_mono_ms() + timeout_ms;
    while (len < 65535) {
        struct pollfd p = {fd, POLLIN, 0};
        int left = (int)(deadline - silta_mono_ms());
        if (left <= 0 || poll(&p, 1, left) != 1)
            break;
        ssize_t got = read(fd, *answer + len, 65535 - len);
        if (got <= 0)
            break;
        len += (size_t)got;
    }
    close(fd);
    int status = -1;
    if (sscanf(*answer, "HTTP/1.%*d %d", &status) != 1)
        return -1;
    return status;
}

/* ---------------------------------------------------------------- the hub */

typedef struct {
    int n;
    int confirmed;
    int disconnects;
    int64_t max_us, sum_us;
    int64_t *us;
} s_lat_t;

static int s_cmp64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

/* Publish n events one at a time, each waiting for its CONFIRM (while the idle
 * connections are kept open, when idle is not NULL). */
static void s_publish_each(silta_client_t *pub, int n, s_idle_t *idle, s_lat_t *lat)
{
    memset(lat, 0, sizeof *lat);
    lat->n = n;
    lat->us = calloc((size_t)n, sizeof *lat->us);
    cr_assert_not_null(lat->us);
    for (int i = 0; i < n; i++) {
        if (idle)
            s_idle_keep(idle);
        silta_envelope_t e;
        silta__envelope__init(&e);
        char id[37], ck[32];
        silta_uuid_v7(id);
        snprintf(ck, sizeof ck, "ck-idle-%d", i % 10);
        e.event_id = id;
        e.type = "test.event.v1";
        e.client_key = ck;
        uint64_t seq = 0;
        silta_err_t err;
        cr_assert_eq(silta_client_publish(pub, &e, &seq, &err), 0, "%s", err.msg);
        int64_t t0 = silta_mono_us(), deadline = silta_mono_ms() + 10000;
        silta_client_event_t ev = {0};
        while (silta_mono_ms() < deadline) {
            cr_assert_eq(silta_client_poll(pub, 50, &ev), 0);
            if (ev.kind == SILTA_CLIENT_DISCONNECTED)
                lat->disconnects++;
            if ((ev.kind == SILTA_CLIENT_CONFIRM || ev.kind == SILTA_CLIENT_NACK) && ev.seq == seq)
                break;
        }
        cr_assert_eq(ev.kind, SILTA_CLIENT_CONFIRM, "event %d: no confirm (kind %d)", i, ev.kind);
        int64_t took = silta_mono_us() - t0;
        lat->us[lat->confirmed++] = took;
        lat->sum_us += took;
        if (took > lat->max_us)
            lat->max_us = took;
    }
    qsort(lat->us, (size_t)lat->confirmed, sizeof *lat->us, s_cmp64);
}

static void s_print(const char *what, const s_lat_t *l)
{
    printf("hub confirm latency %-34s n=%d median=%.1f ms p95=%.1f ms max=%.1f ms "
           "disconnects=%d\n",
           what, l->confirmed, (double)l->us[l->confirmed / 2] / 1000.0,
           (double)l->us[l->confirmed * 95 / 100] / 1000.0, (double)l->max_us / 1000.0,
           l->disconnects);
}

static bool s_connected(void *arg)
{
    silta_client_event_t ev;
    silta_client_poll(arg, 20, &ev);
    return silta_client_connected(arg);
}

Test(http_idle, hub_metrics_and_confirms_unaffected_by_idle_connections, .timeout = 240)
{
    s_home = fixture_up();
    int mport = harness_url_port(getenv("SILTA_METRICS_URL"));
    cr_assert_gt(mport, 0, "no SILTA_METRICS_URL");
    silta_client_t *pub = fixture_client(s_home, "test");
    cr_assert_eq(harness_poll(10000, s_connected, pub), 0, "publisher never connected");

    s_lat_t before, during;
    s_publish_each(pub, 50, NULL, &before);
    s_print("without idle connections:", &before);

    s_idle_t idle;
    int up = s_idle_open(&idle, mport);
    printf("idle connections to the metrics port established: %d of %d\n", up, S_IDLE);

    char *answer = NULL;
    int64_t t0 = silta_mono_ms();
    int status = s_get_raw(mport, "/metrics", &answer, 5000);
    int64_t took = silta_mono_ms() - t0;
    printf("GET /metrics with %d idle connections open: status %d in %lld ms\n", S_IDLE, status,
           (long long)took);
    cr_assert_eq(status, 200, "GET /metrics: %.200s", answer);
    cr_assert_lt(took, 1000, "GET /metrics took %lld ms", (long long)took);
    cr_assert(strstr(answer, "silta_hub_up 1"), "not a scrape: %.200s", answer);
    free(answer);

    s_publish_each(pub, 200, &idle, &during);
    char label[64];
    snprintf(label, sizeof label, "with %d idle connections:", S_IDLE);
    s_print(label, &during);
    printf("idle connections the server closed and we reopened: %d\n", idle.reopened);
    cr_assert_eq(during.confirmed, 200);
    cr_assert_eq(before.disconnects + during.disconnects, 0, "the hub dropped the session");
    cr_assert(silta_client_connected(pub));

    /* still answering, and the hub still sees our one session */
    t0 = silta_mono_ms();
    status = s_get_raw(mport, "/metrics", &answer, 5000);
    took = silta_mono_ms() - t0;
    cr_assert_eq(status, 200);
    cr_assert_lt(took, 1000, "second GET /metrics took %lld ms", (long long)took);
    cr_assert(strstr(answer, "silta_connected_peers{identity=\"test\"} 1"), "%s", answer);
    free(answer);
    status = s_get_raw(mport, "/healthz", &answer, 5000);
    cr_assert_eq(status, 200, "%s", answer);
    cr_assert(strstr(answer, "Cache-Control: no-store"), "%s", answer);
    free(answer);

    s_idle_close(&idle);
    free(before.us);
    free(during.us);
    silta_client_destroy(&pub);
}

/* ---------------------------------------------------------------- the inbox */

Test(http_idle, inbox_login_page_unaffected_by_idle_connections, .timeout = 300)
{
    s_home = harness_home_new();
    cr_assert_not_null(s_home);
    fixture_deploy(1);
    char *url = harness_env_get(s_home, "SILTA_INBOX_URL");
    cr_assert_not_null(url, "no SILTA_INBOX_URL in the env file");
    int port = harness_url_port(url);
    free(url);
    cr_assert_gt(port, 0);

    s_idle_t idle;
    int up = s_idle_open(&idle, port);
    printf("idle connections to the inbox established: %d of %d\n", up, S_IDLE);
    char *answer = NULL;
    int64_t t0 = silta_mono_ms();
    int status = s_get_raw(port, "/login", &answer, 5000);
    int64_t took = silta_mono_ms() - t0;
    printf("GET /login with %d idle connections open: status %d in %lld ms\n", S_IDLE, status,
           (long long)took);
    cr_assert_eq(status, 200, "GET /login: %.300s", answer);
    cr_assert_lt(took, 1000, "GET /login took %lld ms", (long long)took);
    cr_assert(strstr(answer, "Content-Security-Policy: default-src 'none'"), "%s", answer);
    cr_assert(strstr(answer, "X-Frame-Options: DENY"), "%s", answer);
    cr_assert(strstr(answer, "Set-Cookie: "), "the login form sets its CSRF cookie: %s", answer);
    cr_assert(strstr(answer, "<form"), "%s", answer);
    free(answer);
    s_idle_keep(&idle);
    printf("idle connections the inbox closed: %d\n", idle.reopened);

    /* a form over the inbox's body limit (16 KiB): 413, nothing else runs */
    size_t big = 20000;
    char *form = malloc(big + 1);
    cr_assert_not_null(form);
    memset(form, 'a', big);
    memcpy(form, "username=", 9);
    form[big] = '\0';
    char login[128], *body = NULL;
    snprintf(login, sizeof login, "http://127.0.0.1:%d/login", port);
    status = harness_http("POST", login, "application/x-www-form-urlencoded", form, &body, 5000);
    cr_assert_eq(status, 413, "%s", body ? body : "");
    free(body);
    free(form);
    s_idle_close(&idle);
}
