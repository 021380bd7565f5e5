/*  health_http.c - the minimal HTTP/1.1 server of silta-health (health_http.h).
 *
 *  Request handling: read until the blank line (<= 16 KiB), parse the request
 *  line and the Content-Length / Content-Type / Transfer-Encoding headers,
 *  read exactly Content-Length bytes (<= max_body), call the handler, write
 *  the reply, close. Errors of the protocol itself are answered here with an
 *  OperationOutcome too (the handler supplies the body text through
 *  health_fhir_outcome), so every answer is FHIR.
 */
#include "health_http.h"

#include "health_fhir.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "silta_log.h"
#include "silta_time.h"

#define S_HEAD_MAX 16384
#define S_CLIENT_MS 5000

struct health_http_t {
    int fd;
    int port;
    size_t max_body;
    health_http_handler_t handler;
    void *arg;
};

health_http_t *health_http_new(int port, size_t max_body, health_http_handler_t handler,
                               void *arg, silta_err_t *err)
{
    health_http_t *self = calloc(1, sizeof *self);
    if (!self) {
        silta_err_set(err, SILTA_ERR, "out of memory");
        return NULL;
    }
    self->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int one = 1;
    struct sockaddr_in sa = {0};
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t sl = sizeof sa;
    if (self->fd < 0 || setsockopt(self->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
        bind(self->fd, (struct sockaddr *)&sa, sizeof sa) != 0 || listen(self->fd, 64) != 0 ||
        getsockname(self->fd, (struct sockaddr *)&sa, &sl) != 0) {
        silta_err_set(err, SILTA_ERR, "could not listen on 127.0.0.1:%d: %s", port,
                      strerror(errno));
        if (self->fd >= 0)
            close(self->fd);
        free(self);
        return NULL;
    }
    self->port = ntohs(sa.sin_port);
    self->max_body = max_body;
    self->handler = handler;
    self->arg = arg;
    return self;
}

void health_http_destroy(health_http_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    close((*self_p)->fd);
    free(*self_p);
    *self_p = NULL;
}

int health_http_port(const health_http_t *self)
{
    return self->port;
}

/* Read into buf until `want` bytes or the deadline; returns bytes read. */
static size_t s_read(int fd, char *buf, size_t have, size_t want, int64_t deadline,
                     const char *stop_at)
{
    while (have < want) {
        if (stop_at && have >= 4 && memmem(buf, have, stop_at, strlen(stop_at)))
            break;
        int left = (int)(deadline - silta_mono_ms());
        struct pollfd p = {fd, POLLIN, 0};
        if (left <= 0 || poll(&p, 1, left) <= 0)
            break;
        ssize_t n = recv(fd, buf + have, want - have, 0);
        if (n < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (n <= 0)
            break;
        have += (size_t)n;
    }
    return have;
}

static void s_write(int fd, int status, const char *body, size_t len)
{
    static const struct {
        int code;
        const char *text;
    } names[] = {{200, "OK"},           {201, "Created"},
                 {400, "Bad Request"},  {404, "Not Found"},
                 {405, "Method Not Allowed"}, {408, "Request Timeout"},
                 {411, "Length Required"},    {413, "Payload Too Large"},
                 {415, "Unsupported Media Type"}, {422, "Unprocessable Entity"},
                 {431, "Request Header Fields Too Large"}, {500, "Internal Server Error"},
                 {503, "Service Unavailable"}, {0, NULL}};
    const char *text = "Error";
    for (int i = 0; names[i].code; i++)
        if (names[i].code == status)
            text = names[i].text;
    char head[256];
    int n = snprintf(head, sizeof head,
                     "HTTP/1.1 %d %s\r\nContent-Type: application/fhir+xml; charset=utf-8\r\n"
                     "Content-Length: %zu\r\nConnection: close\r\n\r\n",
                     status, text, len);
    /* Blocking writes with a timeout: the socket was made blocking. */
    struct timeval tv = {S_CLIENT_MS / 1000, 0};
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    if (send(fd, head, (size_t)n, MSG_NOSIGNAL) == n && len)
        (void)!send(fd, body, len, MSG_NOSIGNAL);
}

static void s_fail(int fd, int status, const char *code, const char *why)
{
    size_t len = 0;
    char *body = health_fhir_outcome("error", code, why, &len);
    s_write(fd, status, body ? body : "", body ? len : 0);
    free(body);
}

static const char *s_header(char *head, const char *name)
{
    size_t n = strlen(name);
    for (char *line = strstr(head, "\r\n"); line; line = strstr(line + 2, "\r\n")) {
        char *h = line + 2;
        if (strncasecmp(h, name, n) == 0 && h[n] == ':') {
            h += n + 1;
            while (*h == ' ' || *h == '\t')
                h++;
            return h;
        }
    }
    return NULL;
}

static void s_serve_one(health_http_t *self, int fd)
{
    int64_t deadline = silta_mono_ms() + S_CLIENT_MS;
    char *head = malloc(S_HEAD_MAX + 1);
    if (!head)
        return;
    size_t have = s_read(fd, head, 0, S_HEAD_MAX, deadline, "\r\n\r\n");
    char *end = have ? memmem(head, have, "\r\n\r\n", 4) : NULL;
    if (!end) {
        if (have >= S_HEAD_MAX)
            s_fail(fd, 431, "too-long", "request headers are larger than 16 KiB");
        else if (have > 0)
            s_fail(fd, 408, "timeout", "incomplete request");
        free(head);
        return;
    }
    size_t head_len = (size_t)(end - head) + 4;
    size_t extra = have - head_len;
    end[2] = '\0'; /* headers end with the last \r\n */
    char method[16] = "", path[256] = "";
    if (sscanf(head, "%15s %255s HTTP/1.", method, path) != 2) {
        s_fail(fd, 400, "invalid", "malformed request line");
        free(head);
        return;
    }
    const char *te = s_header(head, "Transfer-Encoding");
    const char *cl = s_header(head, "Content-Length");
    const char *ct0 = s_header(head, "Content-Type");
    char ct[128] = "";
    if (ct0)
        snprintf(ct, sizeof ct, "%.*s", (int)strcspn(ct0, "\r\n"), ct0);
    char *body = NULL;
    size_t blen = 0;
    if (strcmp(method, "POST") == 0) {
        if (te && strncasecmp(te, "identity", 8) != 0) {
            s_fail(fd, 411, "not-supported", "send the body with Content-Length (no chunked "
                                             "transfer encoding)");
            free(head);
            return;
        }
        char *e = NULL;
        unsigned long long want = cl ? strtoull(cl, &e, 10) : 0;
        if (!cl || e == cl) {
            s_fail(fd, 411, "required", "Content-Length is required");
            free(head);
            return;
        }
        if (want > self->max_body) {
            char why[128];
            snprintf(why, sizeof why, "body is larger than the limit of %zu bytes",
                     self->max_body);
            s_fail(fd, 413, "too-long", why);
            free(head);
            return;
        }
        body = malloc((size_t)want + 1);
        if (!body) {
            free(head);
            return;
        }
        size_t got = extra > want ? (size_t)want : extra;
        memcpy(body, head + head_len, got);
        got = s_read(fd, body, got, (size_t)want, deadline, NULL);
        if (got < want) {
            s_fail(fd, 408, "timeout", "the body ended before Content-Length bytes");
            free(body);
            free(head);
            return;
        }
        body[want] = '\0';
        blen = (size_t)want;
    }
    health_http_reply_t reply = {500, NULL, 0};
    self->handler(self->arg, method, path, ct, body ? body : "", blen, &reply);
    s_write(fd, reply.status, reply.body ? reply.body : "", reply.body ? reply.len : 0);
    free(reply.body);
    free(body);
    free(head);
}

int health_http_serve(health_http_t *self)
{
    int served = 0;
    for (int i = 0; i < 64; i++) {
        int fd = accept4(self->fd, NULL, NULL, SOCK_CLOEXEC);
        if (fd < 0)
            break; /* EAGAIN: nobody waiting */
        s_serve_one(self, fd);
        shutdown(fd, SHUT_WR);
        close(fd);
        served++;
    }
    return served;
}
