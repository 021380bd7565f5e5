/* test_http.c - silta_http over real sockets on 127.0.0.1: GET and POST,
 * query args, headers and cookies, response headers, the body limit (413
 * without calling the handler), idle connections that do not stall anyone,
 * the connection limit, and the hand-over queue to a main-loop thread
 * (answered, withdrawn on timeout, a taken call waited for). */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "silta_http.h"

static int64_t s_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---------------------------------------------------------------- a tiny client */

static int s_connect(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    cr_assert_geq(fd, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    cr_assert_eq(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0, "connect: %s", strerror(errno));
    return fd;
}

static void s_send_all(int fd, const char *data, size_t len)
{
    while (len > 0) {
        ssize_t n = send(fd, data, len, MSG_NOSIGNAL);
        if (n <= 0)
            return; /* the server may close early (413): the answer tells */
        data += n;
        len -= (size_t)n;
    }
}

/* Read until the server closes or timeout_ms passes; returns the bytes read. */
static size_t s_read_all(int fd, char *out, size_t cap, int timeout_ms)
{
    size_t len = 0;
    int64_t deadline = s_now_ms() + timeout_ms;
    while (len + 1 < cap) {
        int left = (int)(deadline - s_now_ms());
        struct pollfd p = {fd, POLLIN, 0};
        if (left <= 0 || poll(&p, 1, left) <= 0)
            break;
        ssize_t n = recv(fd, out + len, cap - 1 - len, 0);
        if (n <= 0)
            break;
        len += (size_t)n;
    }
    out[len] = '\0';
    return len;
}

/* One request on a fresh connection (Connection: close); the status, the whole answer in out. */
static int s_request(int port, const char *raw, size_t raw_len, char *out, size_t cap)
{
    int fd = s_connect(port);
    s_send_all(fd, raw, raw_len);
    s_read_all(fd, out, cap, 5000);
    close(fd);
    int status = 0;
    if (sscanf(out, "HTTP/1.%*d %d", &status) != 1)
        return -1;
    return status;
}

static int s_get(int port, const char *target, const char *extra, char *out, size_t cap)
{
    char raw[1024];
    int n = snprintf(raw, sizeof raw, "GET %s HTTP/1.1\r\nHost: x\r\n%sConnection: close\r\n\r\n",
                     target, extra ? extra : "");
    return s_request(port, raw, (size_t)n, out, cap);
}

static const char *s_body(const char *answer)
{
    const char *p = strstr(answer, "\r\n\r\n");
    return p ? p + 4 : "";
}

/* ---------------------------------------------------------------- the handler */

static atomic_int s_calls;

static void s_echo(void *arg, const silta_http_req_t *req, silta_http_resp_t *resp)
{
    (void)arg;
    atomic_fetch_add(&s_calls, 1);
    const char *a = silta_http_arg(req, "name");
    const char *h = silta_http_header(req, "x-silta-test");
    const char *c = silta_http_cookie(req, "sid");
    char *body = NULL;
    int n = asprintf(&body, "method=%s path=%s arg=%s header=%s cookie=%s peer=%s len=%zu body=%s",
                     req->method, req->path, a ? a : "-", h ? h : "-", c ? c : "-", req->peer,
                     req->len, req->body);
    cr_assert_geq(n, 0);
    silta_http_resp_take(resp, strcmp(req->path, "/missing") == 0 ? 404 : 200, "text/x-echo", body,
                         (size_t)n);
    silta_http_resp_header(resp, "X-Answer", "yes");
    silta_http_resp_header(resp, "Set-Cookie", "a=1");
    silta_http_resp_header(resp, "Set-Cookie", "b=2");
}

static silta_http_t *s_start(size_t max_body, unsigned max_conn, unsigned timeout_s,
                             silta_http_handler_fn fn, void *arg)
{
    silta_http_opts_t o = {.name = "test",
                           .bind = "127.0.0.1:0",
                           .max_body = max_body,
                           .max_connections = max_conn,
                           .timeout_s = timeout_s};
    silta_err_t err;
    silta_http_t *h = silta_http_start(&o, fn, arg, &err);
    cr_assert_not_null(h, "%s", err.msg);
    cr_assert_gt(silta_http_port(h), 0);
    return h;
}

Test(http, get_with_args_headers_cookies)
{
    silta_http_t *h = s_start(1024, 0, 0, s_echo, NULL);
    char out[4096];
    int st = s_get(silta_http_port(h), "/some/path?name=a%20b&x=1",
                   "X-Silta-Test: hello\r\nCookie: other=1; sid=abc\r\n", out, sizeof out);
    cr_assert_eq(st, 200, "%s", out);
    cr_assert(strstr(out, "Content-Type: text/x-echo"), "%s", out);
    cr_assert(strstr(out, "X-Answer: yes"), "%s", out);
    cr_assert(strstr(out, "Set-Cookie: a=1") && strstr(out, "Set-Cookie: b=2"), "%s", out);
    cr_assert_str_eq(s_body(out), "method=GET path=/some/path arg=a b header=hello cookie=abc "
                                  "peer=127.0.0.1 len=0 body=");
    cr_assert_eq(s_get(silta_http_port(h), "/missing", NULL, out, sizeof out), 404);
    cr_assert(strstr(s_body(out), "arg=- header=- cookie=-"), "%s", out);
    silta_http_stop(&h);
    cr_assert_null(h);
    silta_http_stop(&h); /* harmless twice */
}

Test(http, post_body_reaches_the_handler)
{
    silta_http_t *h = s_start(1024, 0, 0, s_echo, NULL);
    const char raw[] = "POST /form HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-"
                       "urlencoded\r\nContent-Length: 11\r\nConnection: close\r\n\r\na=1&b=two%21";
    char out[4096];
    cr_assert_eq(s_request(silta_http_port(h), raw, sizeof raw - 2, out, sizeof out), 200, "%s",
                 out);
    cr_assert(strstr(s_body(out), "method=POST path=/form"), "%s", out);
    cr_assert(strstr(s_body(out), "len=11 body=a=1&b=two%2"), "%s", out);
    /* chunked, within the limit */
    const char chunked[] = "POST /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
                           "Connection: close\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n";
    cr_assert_eq(s_request(silta_http_port(h), chunked, sizeof chunked - 1, out, sizeof out), 200);
    cr_assert(strstr(s_body(out), "len=5 body=abcde"), "%s", out);
    silta_http_stop(&h);
}

Test(http, body_over_the_limit_is_413_without_the_handler)
{
    atomic_store(&s_calls, 0);
    silta_http_t *h = s_start(16, 0, 0, s_echo, NULL);
    char out[4096];
    /* declared too large: answered before the body is sent */
    const char big[] = "POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 17\r\nConnection: close"
                       "\r\n\r\n";
    cr_assert_eq(s_request(silta_http_port(h), big, sizeof big - 1, out, sizeof out), 413, "%s",
                 out);
    /* chunked, too large once read */
    char raw[2048];
    int n = snprintf(raw, sizeof raw,
                     "POST /x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: "
                     "close\r\n\r\n10\r\n0123456789abcdef\r\n1\r\nX\r\n0\r\n\r\n");
    cr_assert_eq(s_request(silta_http_port(h), raw, (size_t)n, out, sizeof out), 413, "%s", out);
    /* a huge declared length does not wrap around */
    const char huge[] = "POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999999"
                        "\r\nConnection: close\r\n\r\n";
    int st = s_request(silta_http_port(h), huge, sizeof huge - 1, out, sizeof out);
    cr_assert(st == 413 || st == 400, "status %d", st);
    cr_assert_eq(atomic_load(&s_calls), 0);
    /* exactly at the limit is fine */
    const char ok[] = "POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 16\r\nConnection: close"
                      "\r\n\r\n0123456789abcdef";
    cr_assert_eq(s_request(silta_http_port(h), ok, sizeof ok - 1, out, sizeof out), 200, "%s", out);
    cr_assert_eq(atomic_load(&s_calls), 1);
    silta_http_stop(&h);
}

Test(http, bad_bind_addresses)
{
    static const char *const bad[] = {"127.0.0.1",       ":80",    "localhost:80", "127.0.0.1:x",
                                      "127.0.0.1:65536", "::1:80", "127.0.0.1:-1"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        silta_http_opts_t o = {.name = "bad", .bind = bad[i]};
        silta_err_t err;
        cr_assert_null(silta_http_start(&o, s_echo, NULL, &err), "%s", bad[i]);
        cr_assert_eq(err.code, SILTA_EINVAL, "%s", bad[i]);
    }
    /* a port in use */
    silta_http_t *h = s_start(0, 0, 0, s_echo, NULL);
    char bind[32];
    snprintf(bind, sizeof bind, "127.0.0.1:%d", silta_http_port(h));
    silta_http_opts_t o = {.name = "dup", .bind = bind};
    silta_err_t err;
    cr_assert_null(silta_http_start(&o, s_echo, NULL, &err));
    cr_assert_eq(err.code, SILTA_ERR);
    silta_http_stop(&h);
}

Test(http, idle_connections_do_not_stall_a_request)
{
    silta_http_t *h = s_start(1024, 0, 0, s_echo, NULL);
    enum { IDLE = 100 };
    int idle[IDLE];
    for (int i = 0; i < IDLE; i++)
        idle[i] = s_connect(silta_http_port(h));
    /* half of them sent half a request line */
    for (int i = 0; i < IDLE; i += 2)
        s_send_all(idle[i], "GET /slow", 9);
    char out[4096];
    int64_t t0 = s_now_ms();
    const char raw[] = "POST /p HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nConnection: close"
                       "\r\n\r\nhi";
    cr_assert_eq(s_request(silta_http_port(h), raw, sizeof raw - 1, out, sizeof out), 200, "%s",
                 out);
    int64_t took = s_now_ms() - t0;
    printf("http: a POST with %d idle connections open answered in %lld ms\n", IDLE,
           (long long)took);
    cr_assert_lt(took, 1000);
    for (int i = 0; i < IDLE; i++)
        close(idle[i]);
    silta_http_stop(&h);
}

Test(http, idle_connection_times_out)
{
    silta_http_t *h = s_start(1024, 0, 1, s_echo, NULL);
    int fd = s_connect(silta_http_port(h));
    char out[64];
    int64_t t0 = s_now_ms();
    s_read_all(fd, out, sizeof out, 5000); /* returns when the server closes */
    int64_t took = s_now_ms() - t0;
    cr_assert_lt(took, 4000, "idle connection held %lld ms", (long long)took);
    close(fd);
    silta_http_stop(&h);
}

Test(http, connections_over_the_limit_are_closed)
{
    silta_http_t *h = s_start(1024, 4, 0, s_echo, NULL);
    int held[4];
    char out[4096];
    for (int i = 0; i < 4; i++)
        held[i] = s_connect(silta_http_port(h));
    /* the fifth is accepted by the kernel and closed by the server without an answer */
    int st = s_get(silta_http_port(h), "/", NULL, out, sizeof out);
    cr_assert_eq(st, -1, "answered over the limit: %s", out);
    for (int i = 0; i < 4; i++)
        close(held[i]);
    /* once they are gone, requests are served again (MHD notices the closes) */
    int64_t deadline = s_now_ms() + 3000;
    while ((st = s_get(silta_http_port(h), "/", NULL, out, sizeof out)) != 200 &&
           s_now_ms() < deadline) {
        struct pollfd none = {-1, 0, 0};
        poll(&none, 0, 20);
    }
    cr_assert_eq(st, 200);
    silta_http_stop(&h);
}

/* ---------------------------------------------------------------- hand-over */

typedef struct {
    silta_http_calls_t *q;
    atomic_int stop;
    int delay_ms; /* a slow main loop: answer this long after taking */
    atomic_int taken;
} s_loop_t;

static void *s_main_loop(void *arg)
{
    s_loop_t *l = arg;
    while (!atomic_load(&l->stop)) {
        struct pollfd p = {silta_http_calls_fd(l->q), POLLIN, 0};
        if (poll(&p, 1, 20) <= 0)
            continue;
        silta_http_call_t *c;
        while ((c = silta_http_calls_take(l->q)) != NULL) {
            atomic_fetch_add(&l->taken, 1);
            if (l->delay_ms) {
                struct pollfd none = {-1, 0, 0};
                poll(&none, 0, l->delay_ms); /* the behaviour under test: a slow main loop */
            }
            char text[256];
            snprintf(text, sizeof text, "main loop saw %s %s user=%s", c->req->method, c->req->path,
                     (const char *)c->user);
            silta_http_resp_body(c->resp, 200, "text/plain", text, strlen(text));
            silta_http_call_done(l->q, c);
        }
    }
    return NULL;
}

static void s_handover(void *arg, const silta_http_req_t *req, silta_http_resp_t *resp)
{
    s_loop_t *l = arg;
    int rc = silta_http_call_submit(l->q, req, resp, "u1", 100);
    if (rc == SILTA_ETIMEDOUT) {
        cr_assert_null(resp->body); /* untouched */
        silta_http_resp_body(resp, 503, NULL, "busy\n", 5);
    }
}

Test(http, calls_are_answered_by_the_main_loop)
{
    silta_err_t err;
    s_loop_t l = {.q = silta_http_calls_new(&err)};
    cr_assert_not_null(l.q, "%s", err.msg);
    pthread_t t;
    pthread_create(&t, NULL, s_main_loop, &l);
    silta_http_t *h = s_start(1024, 0, 0, s_handover, &l);
    char out[4096];
    for (int i = 0; i < 20; i++) {
        cr_assert_eq(s_get(silta_http_port(h), "/metrics", NULL, out, sizeof out), 200, "%s", out);
        cr_assert_str_eq(s_body(out), "main loop saw GET /metrics user=u1");
    }
    /* a slow main loop: a taken call is waited for past the timeout */
    l.delay_ms = 300;
    cr_assert_eq(s_get(silta_http_port(h), "/slow", NULL, out, sizeof out), 200, "%s", out);
    cr_assert_str_eq(s_body(out), "main loop saw GET /slow user=u1");
    atomic_store(&l.stop, 1);
    pthread_join(t, NULL);
    silta_http_stop(&h);
    silta_http_calls_destroy(&l.q);
    cr_assert_null(l.q);
}

Test(http, a_call_nobody_takes_is_withdrawn)
{
    silta_err_t err;
    s_loop_t l = {.q = silta_http_calls_new(&err)};
    cr_assert_not_null(l.q);
    silta_http_t *h = s_start(1024, 0, 0, s_handover, &l);
    char out[4096];
    int64_t t0 = s_now_ms();
    cr_assert_eq(s_get(silta_http_port(h), "/x", NULL, out, sizeof out), 503, "%s", out);
    int64_t took = s_now_ms() - t0;
    cr_assert_geq(took, 90);
    cr_assert_lt(took, 2000);
    /* withdrawn: nothing left to take, and the fd is not readable */
    struct pollfd p = {silta_http_calls_fd(l.q), POLLIN, 0};
    cr_assert_eq(poll(&p, 1, 0), 0);
    cr_assert_null(silta_http_calls_take(l.q));
    /* closed: submits give up at once */
    silta_http_calls_close(l.q);
    t0 = s_now_ms();
    cr_assert_eq(s_get(silta_http_port(h), "/x", NULL, out, sizeof out), 503, "%s", out);
    cr_assert_lt(s_now_ms() - t0, 90);
    silta_http_stop(&h);
    silta_http_calls_destroy(&l.q);
}

/* The queue without HTTP: order, fd readability, several submitters at once. */
typedef struct {
    silta_http_calls_t *q;
    int n;
    int rc;
    silta_http_resp_t resp;
} s_submitter_t;

static void *s_submit_thread(void *arg)
{
    s_submitter_t *s = arg;
    silta_http_req_t req = {.method = "GET", .path = "/q", .body = "", .peer = "test"};
    s->rc = silta_http_call_submit(s->q, &req, &s->resp, &s->n, 5000);
    return NULL;
}

Test(http, calls_queue_from_many_threads)
{
    silta_err_t err;
    silta_http_calls_t *q = silta_http_calls_new(&err);
    cr_assert_not_null(q);
    struct pollfd p = {silta_http_calls_fd(q), POLLIN, 0};
    cr_assert_eq(poll(&p, 1, 0), 0);
    enum { N = 8 };
    s_submitter_t s[N];
    pthread_t t[N];
    for (int i = 0; i < N; i++) {
        s[i] = (s_submitter_t){.q = q, .n = i};
        pthread_create(&t[i], NULL, s_submit_thread, &s[i]);
    }
    int answered = 0;
    int64_t deadline = s_now_ms() + 5000;
    while (answered < N && s_now_ms() < deadline) {
        if (poll(&p, 1, 100) <= 0)
            continue;
        silta_http_call_t *c;
        while ((c = silta_http_calls_take(q)) != NULL) {
            char text[32];
            snprintf(text, sizeof text, "n=%d", *(int *)c->user);
            silta_http_resp_body(c->resp, 200, NULL, text, strlen(text));
            silta_http_call_done(q, c);
            answered++;
        }
    }
    cr_assert_eq(answered, N);
    for (int i = 0; i < N; i++) {
        pthread_join(t[i], NULL);
        cr_assert_eq(s[i].rc, 0);
        char want[32];
        snprintf(want, sizeof want, "n=%d", i);
        cr_assert_str_eq(s[i].resp.body, want);
        free(s[i].resp.body);
    }
    cr_assert_eq(poll(&p, 1, 0), 0);
    silta_http_calls_destroy(&q);
}
