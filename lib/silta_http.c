/*  silta_http.c - the one HTTP server module: libmicrohttpd, one thread per
 *  connection, limits and timeouts; the hand-over queue to a main loop.
 *
 *  Why a thread per connection: handlers may block (silta_http_call_submit
 *  waits for the main loop; the inbox's pages wait for PostgreSQL), and an
 *  idle or slow client must cost one sleeping thread, never a turn of anyone's
 *  loop. MHD's poll() mode is used so a busy process is not bound by select()'s
 *  FD_SETSIZE. The limits bound the threads: max_connections in total and
 *  per_ip per client address (over either, MHD closes the new connection at
 *  accept: it has no thread to answer with), timeout_s of silence and the
 *  connection is closed.
 *
 *  One request, as MHD calls the access handler:
 *
 *      call 1 (headers)      allocate s_req_t; Content-Length > max_body -> 413 now
 *      call 2..n (body)      append to s_req_t (beyond max_body: discard, remember)
 *      last call (size 0)    too large -> 413; else run the handler, queue its answer
 *      completed             free s_req_t (s_completed)
 *
 *  The hand-over queue (silta_http_calls_t): a list of calls under a mutex,
 *  a condition variable the submitters wait on, and an eventfd the main loop
 *  polls, kept readable exactly while the list is not empty. A call lives on
 *  its submitter's stack; it leaves the list when taken or withdrawn, so the
 *  main loop never sees a call whose thread has given up.
 *
 *  Not here: routing, TLS (bind loopback and put a proxy in front), HTTP/2.
 */
#include "silta_http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "silta_log.h"

#define S_DEFAULT_MAX_CONN 256u
#define S_DEFAULT_TIMEOUT_S 10u

struct silta_http_t {
    struct MHD_Daemon *mhd;
    silta_http_handler_fn fn;
    void *arg;
    size_t max_body;
    int port;
    char name[32];
    atomic_llong log_s;      /* the second of the last MHD log line (monotonic) */
    atomic_long log_dropped; /* MHD log lines left out since */
};

/* One request in progress (MHD's per-request pointer). */
typedef struct {
    char *body;
    size_t len, cap;
    int too_large;
    int failed; /* out of memory while reading the body */
    char peer[INET6_ADDRSTRLEN];
} s_req_t;

/* ---------------------------------------------------------------- responses */

int silta_http_resp_body(silta_http_resp_t *resp, int status, const char *content_type,
                         const char *data, size_t len)
{
    char *copy = malloc(len + 1);
    if (!copy)
        return SILTA_ERR;
    if (len)
        memcpy(copy, data, len);
    copy[len] = '\0';
    silta_http_resp_take(resp, status, content_type, copy, len);
    return SILTA_OK;
}

void silta_http_resp_take(silta_http_resp_t *resp, int status, const char *content_type, char *body,
                          size_t len)
{
    free(resp->body);
    resp->status = status;
    resp->content_type = content_type;
    resp->body = body;
    resp->len = body ? len : 0;
}

int silta_http_resp_header(silta_http_resp_t *resp, const char *name, const char *value)
{
    if (resp->nheaders >= SILTA_HTTP_MAX_HEADERS)
        return SILTA_ERR;
    char *n = strdup(name), *v = strdup(value);
    if (!n || !v) {
        free(n);
        free(v);
        return SILTA_ERR;
    }
    resp->header_name[resp->nheaders] = n;
    resp->header_value[resp->nheaders] = v;
    resp->nheaders++;
    return SILTA_OK;
}

static void s_resp_free(silta_http_resp_t *resp)
{
    free(resp->body);
    for (int i = 0; i < resp->nheaders; i++) {
        free(resp->header_name[i]);
        free(resp->header_value[i]);
    }
    memset(resp, 0, sizeof *resp);
}

/* ---------------------------------------------------------------- requests */

const char *silta_http_header(const silta_http_req_t *req, const char *name)
{
    return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

const char *silta_http_arg(const silta_http_req_t *req, const char *name)
{
    return MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, name);
}

const char *silta_http_cookie(const silta_http_req_t *req, const char *name)
{
    return MHD_lookup_connection_value(req->conn, MHD_COOKIE_KIND, name);
}

/* Queue resp on conn; resp's body passes to MHD, the rest is freed. */
static enum MHD_Result s_queue(struct MHD_Connection *conn, silta_http_resp_t *resp)
{
    struct MHD_Response *r;
    if (resp->body && resp->len) {
        r = MHD_create_response_from_buffer(resp->len, resp->body, MHD_RESPMEM_MUST_FREE);
        if (r)
            resp->body = NULL; /* MHD frees it now */
    } else {
        r = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
    }
    if (!r) {
        s_resp_free(resp);
        return MHD_NO;
    }
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
                            resp->content_type ? resp->content_type : "text/plain; charset=utf-8");
    for (int i = 0; i < resp->nheaders; i++)
        MHD_add_response_header(r, resp->header_name[i], resp->header_value[i]);
    unsigned status = resp->status >= 100 && resp->status <= 599 ? (unsigned)resp->status : 500u;
    enum MHD_Result ret = MHD_queue_response(conn, status, r);
    MHD_destroy_response(r);
    s_resp_free(resp);
    return ret;
}

static enum MHD_Result s_simple(struct MHD_Connection *conn, int status, const char *text)
{
    silta_http_resp_t resp;
    memset(&resp, 0, sizeof resp);
    if (silta_http_resp_body(&resp, status, NULL, text, strlen(text)) != 0)
        resp.status = status;
    silta_http_resp_header(&resp, "Cache-Control", "no-store");
    silta_http_resp_header(&resp, "X-Content-Type-Options", "nosniff");
    return s_queue(conn, &resp);
}

static int s_append(s_req_t *r, const char *data, size_t n, size_t max)
{
    if (r->too_large || r->len + n > max) {
        r->too_large = 1;
        return 0;
    }
    if (r->len + n + 1 > r->cap) {
        size_t cap = r->cap ? r->cap : 1024;
        while (cap < r->len + n + 1)
            cap *= 2;
        char *b = realloc(r->body, cap);
        if (!b)
            return -1;
        r->body = b;
        r->cap = cap;
    }
    memcpy(r->body + r->len, data, n);
    r->len += n;
    r->body[r->len] = '\0';
    return 0;
}

static void s_peer(struct MHD_Connection *conn, char *out, size_t len)
{
    snprintf(out, len, "unknown");
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (!ci || !ci->client_addr)
        return;
    const struct sockaddr *sa = ci->client_addr;
    if (sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, out,
                  (socklen_t)len);
    else if (sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, out,
                  (socklen_t)len);
}

static enum MHD_Result s_access(void *cls, struct MHD_Connection *conn, const char *url,
                                const char *method, const char *version, const char *upload,
                                size_t *upload_size, void **con_cls)
{
    (void)version;
    silta_http_t *self = cls;
    s_req_t *r = *con_cls;
    if (!r) {
        r = calloc(1, sizeof *r);
        if (!r)
            return MHD_NO;
        *con_cls = r;
        s_peer(conn, r->peer, sizeof r->peer);
        const char *cl =
            MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
        if (cl) {
            char *end;
            errno = 0;
            unsigned long long n = strtoull(cl, &end, 10);
            if (errno || end == cl || (unsigned long long)self->max_body < n) {
                r->too_large = 1; /* answered before the body is read: MHD then closes */
                return s_simple(conn, 413, "request body too large\n");
            }
        }
        return MHD_YES;
    }
    if (*upload_size > 0) {
        if (s_append(r, upload, *upload_size, self->max_body) != 0)
            r->failed = 1;
        *upload_size = 0;
        return MHD_YES;
    }
    if (r->too_large)
        return s_simple(conn, 413, "request body too large\n");
    if (r->failed)
        return s_simple(conn, 503, "out of memory\n");
    silta_http_req_t req = {.method = method,
                            .path = url && *url ? url : "/",
                            .body = r->body ? r->body : "",
                            .len = r->len,
                            .peer = r->peer,
                            .conn = conn};
    silta_http_resp_t resp;
    memset(&resp, 0, sizeof resp);
    self->fn(self->arg, &req, &resp);
    return s_queue(conn, &resp);
}

static void s_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                        enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)conn;
    (void)toe;
    s_req_t *r = *con_cls;
    if (r) {
        free(r->body);
        free(r);
        *con_cls = NULL;
    }
}

/* MHD's own messages (a client gone mid-request, the connection limit reached)
 * can come once per hostile connection: at most one line a second per server,
 * with the count of the ones left out. */
__attribute__((format(printf, 2, 0))) static void s_mhd_log(void *cls, const char *fmt,
                                                             va_list ap)
{
    silta_http_t *self = cls;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    long long now_s = (long long)ts.tv_sec;
    long long last = atomic_load(&self->log_s);
    if (last == now_s || !atomic_compare_exchange_strong(&self->log_s, &last, now_s)) {
        atomic_fetch_add(&self->log_dropped, 1);
        return;
    }
    char line[256];
    vsnprintf(line, sizeof line, fmt, ap);
    line[strcspn(line, "\r\n\"")] = '\0';
    silta_warn("http server", "server=%s reason=\"%s\" suppressed=%ld", self->name, line,
               atomic_exchange(&self->log_dropped, 0));
}

/* ---------------------------------------------------------------- lifecycle */

static int s_parse_bind(const char *bind, struct sockaddr_in *sa, silta_err_t *err)
{
    char host[64];
    const char *colon = bind ? strrchr(bind, ':') : NULL;
    if (!colon || colon == bind || (size_t)(colon - bind) >= sizeof host)
        return silta_err_set(err, SILTA_EINVAL, "http bind address must be HOST:PORT");
    memcpy(host, bind, (size_t)(colon - bind));
    host[colon - bind] = '\0';
    char *end;
    errno = 0;
    long port = strtol(colon + 1, &end, 10);
    memset(sa, 0, sizeof *sa);
    sa->sin_family = AF_INET;
    if (errno || end == colon + 1 || *end || port < 0 || port > 65535 ||
        inet_pton(AF_INET, host, &sa->sin_addr) != 1)
        return silta_err_set(err, SILTA_EINVAL, "http bind address must be IPV4:PORT, not %s",
                             bind);
    sa->sin_port = htons((uint16_t)port);
    return SILTA_OK;
}

silta_http_t *silta_http_start(const silta_http_opts_t *opts, silta_http_handler_fn fn, void *arg,
                               silta_err_t *err)
{
    struct sockaddr_in sa;
    if (!opts || !fn) {
        silta_err_set(err, SILTA_EINVAL, "http server needs options and a handler");
        return NULL;
    }
    if (s_parse_bind(opts->bind, &sa, err) != 0)
        return NULL;
    silta_http_t *self = calloc(1, sizeof *self);
    if (!self) {
        silta_err_set(err, SILTA_ERR, "out of memory");
        return NULL;
    }
    self->fn = fn;
    self->arg = arg;
    self->max_body = opts->max_body;
    atomic_init(&self->log_s, 0);
    atomic_init(&self->log_dropped, 0);
    snprintf(self->name, sizeof self->name, "%s", opts->name ? opts->name : "http");
    unsigned max_conn = opts->max_connections ? opts->max_connections : S_DEFAULT_MAX_CONN;
    unsigned per_ip = opts->per_ip ? opts->per_ip : max_conn;
    unsigned timeout = opts->timeout_s ? opts->timeout_s : S_DEFAULT_TIMEOUT_S;
    self->mhd = MHD_start_daemon(
        MHD_USE_THREAD_PER_CONNECTION | MHD_USE_POLL_INTERNAL_THREAD | MHD_USE_ERROR_LOG, 0, NULL,
        NULL, s_access, self, MHD_OPTION_EXTERNAL_LOGGER, s_mhd_log, self, MHD_OPTION_SOCK_ADDR,
        (struct sockaddr *)&sa, MHD_OPTION_NOTIFY_COMPLETED, s_completed, NULL,
        MHD_OPTION_CONNECTION_LIMIT, max_conn, MHD_OPTION_PER_IP_CONNECTION_LIMIT, per_ip,
        MHD_OPTION_CONNECTION_TIMEOUT, timeout, MHD_OPTION_END);
    if (!self->mhd) {
        silta_err_set(err, SILTA_ERR, "could not listen on %s", opts->bind);
        free(self);
        return NULL;
    }
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(self->mhd, MHD_DAEMON_INFO_BIND_PORT);
    self->port = di ? (int)di->port : ntohs(sa.sin_port);
    silta_info("http listening", "server=%s port=%d max_connections=%u per_ip=%u timeout_s=%u",
               self->name, self->port, max_conn, per_ip, timeout);
    return self;
}

void silta_http_stop(silta_http_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    silta_http_t *self = *self_p;
    MHD_stop_daemon(self->mhd); /* closes the connections, joins every thread */
    free(self);
    *self_p = NULL;
}

int silta_http_port(const silta_http_t *self)
{
    return self ? self->port : -1;
}

/* ---------------------------------------------------------------- calls */

typedef enum { S_WAITING, S_TAKEN, S_DONE } s_call_state_t;

typedef struct s_call {
    silta_http_call_t call; /* first: the main loop's pointer is the s_call_t's */
    struct s_call *next;
    s_call_state_t state;
} s_call_t;

struct silta_http_calls_t {
    pthread_mutex_t mu;
    pthread_cond_t cv; /* broadcast when a call is done or the queue closes */
    s_call_t *head, *tail;
    int efd;
    int closed;
};

/* Under mu: make the eventfd's readability match "the list is not empty". */
static void s_signal(silta_http_calls_t *self, int was_empty)
{
    uint64_t v = 1;
    if (was_empty && self->head) {
        if (write(self->efd, &v, sizeof v) < 0 && errno != EAGAIN)
            silta_warn("http calls", "reason=\"could not signal: %s\"", strerror(errno));
    } else if (!was_empty && !self->head) {
        if (read(self->efd, &v, sizeof v) < 0 && errno != EAGAIN)
            silta_warn("http calls", "reason=\"could not reset: %s\"", strerror(errno));
    }
}

silta_http_calls_t *silta_http_calls_new(silta_err_t *err)
{
    silta_http_calls_t *self = calloc(1, sizeof *self);
    if (!self) {
        silta_err_set(err, SILTA_ERR, "out of memory");
        return NULL;
    }
    pthread_condattr_t ca;
    int ok = pthread_condattr_init(&ca) == 0;
    ok = ok && pthread_condattr_setclock(&ca, CLOCK_MONOTONIC) == 0;
    ok = ok && pthread_cond_init(&self->cv, &ca) == 0;
    pthread_condattr_destroy(&ca);
    if (!ok || pthread_mutex_init(&self->mu, NULL) != 0) {
        if (ok)
            pthread_cond_destroy(&self->cv);
        free(self);
        silta_err_set(err, SILTA_ERR, "could not create the call queue's lock");
        return NULL;
    }
    self->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (self->efd < 0) {
        silta_err_set(err, SILTA_ERR, "could not create an eventfd: %s", strerror(errno));
        pthread_cond_destroy(&self->cv);
        pthread_mutex_destroy(&self->mu);
        free(self);
        return NULL;
    }
    return self;
}

void silta_http_calls_destroy(silta_http_calls_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    silta_http_calls_t *self = *self_p;
    close(self->efd);
    pthread_cond_destroy(&self->cv);
    pthread_mutex_destroy(&self->mu);
    free(self);
    *self_p = NULL;
}

int silta_http_calls_fd(const silta_http_calls_t *self)
{
    return self->efd;
}

void silta_http_calls_close(silta_http_calls_t *self)
{
    pthread_mutex_lock(&self->mu);
    self->closed = 1;
    pthread_cond_broadcast(&self->cv);
    pthread_mutex_unlock(&self->mu);
}

/* Under mu: take c out of the list (it is there: state S_WAITING). */
static void s_unlink(silta_http_calls_t *self, s_call_t *c)
{
    s_call_t **pp = &self->head, *prev = NULL;
    while (*pp && *pp != c) {
        prev = *pp;
        pp = &(*pp)->next;
    }
    if (!*pp)
        return;
    *pp = c->next;
    if (self->tail == c)
        self->tail = prev;
    c->next = NULL;
}

int silta_http_call_submit(silta_http_calls_t *self, const silta_http_req_t *req,
                           silta_http_resp_t *resp, void *user, int timeout_ms)
{
    s_call_t c = {.call = {req, resp, user}, .next = NULL, .state = S_WAITING};
    struct timespec deadline;
    clock_gettime(CLOCK_MONOTONIC, &deadline);
    long ms = timeout_ms > 0 ? timeout_ms : 0;
    deadline.tv_sec += ms / 1000;
    deadline.tv_nsec += (ms % 1000) * 1000000L;
    if (deadline.tv_nsec >= 1000000000L) {
        deadline.tv_sec++;
        deadline.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&self->mu);
    if (self->closed) {
        pthread_mutex_unlock(&self->mu);
        return SILTA_ETIMEDOUT;
    }
    /* c lives on this stack: it leaves the list (taken or withdrawn) before we return */
    int was_empty = self->head == NULL;
    if (self->tail) {
        self->tail->next = &c;
    } else {
        // cppcheck-suppress autoVariables
        self->head = &c;
    }
    // cppcheck-suppress autoVariables
    self->tail = &c;
    s_signal(self, was_empty);
    int rc = SILTA_OK;
    while (c.state != S_DONE) {
        if (c.state == S_TAKEN) { /* the main loop holds req: wait for done() */
            pthread_cond_wait(&self->cv, &self->mu);
            continue;
        }
        int w = self->closed ? ETIMEDOUT : pthread_cond_timedwait(&self->cv, &self->mu, &deadline);
        if (c.state == S_WAITING && (w == ETIMEDOUT || self->closed)) {
            s_unlink(self, &c);
            s_signal(self, 0);
            rc = SILTA_ETIMEDOUT;
            break;
        }
    }
    pthread_mutex_unlock(&self->mu);
    return rc;
}

silta_http_call_t *silta_http_calls_take(silta_http_calls_t *self)
{
    pthread_mutex_lock(&self->mu);
    s_call_t *c = self->head;
    if (c) {
        self->head = c->next;
        if (!self->head)
            self->tail = NULL;
        c->next = NULL;
        c->state = S_TAKEN;
        s_signal(self, 0);
    }
    pthread_mutex_unlock(&self->mu);
    return c ? &c->call : NULL;
}

void silta_http_call_done(silta_http_calls_t *self, silta_http_call_t *call)
{
    pthread_mutex_lock(&self->mu);
    ((s_call_t *)(void *)call)->state = S_DONE;
    pthread_cond_broadcast(&self->cv);
    pthread_mutex_unlock(&self->mu);
}
