/*  hub_http.c - accept, read one GET, answer, close. */
#include "hub_http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "silta_time.h"

struct hub_http_t {
    int fd;
    hub_http_handler_fn fn;
    void *arg;
    silta_buf_t body;
};

hub_http_t *hub_http_listen(const char *addr, hub_http_handler_fn fn, void *arg, silta_err_t *err)
{
    char host[64];
    int port = 0;
    const char *colon = strrchr(addr, ':');
    if (!colon || (size_t)(colon - addr) >= sizeof host || (port = atoi(colon + 1)) <= 0) {
        silta_err_set(err, SILTA_EINVAL, "metrics address must be HOST:PORT, not %s", addr);
        return NULL;
    }
    snprintf(host, sizeof host, "%.*s", (int)(colon - addr), addr);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    if (inet_pton(AF_INET, host, &sa.sin_addr) != 1) {
        silta_err_set(err, SILTA_EINVAL, "metrics host must be an IPv4 address, not %s", host);
        return NULL;
    }
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int one = 1;
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
        bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0 || listen(fd, 16) != 0) {
        silta_err_set(err, SILTA_ERR, "could not listen on %s: %s", addr, strerror(errno));
        if (fd >= 0)
            close(fd);
        return NULL;
    }
    hub_http_t *self = calloc(1, sizeof *self);
    if (!self) {
        close(fd);
        silta_err_set(err, SILTA_ERR, "out of memory");
        return NULL;
    }
    self->fd = fd;
    self->fn = fn;
    self->arg = arg;
    silta_buf_init(&self->body);
    return self;
}

void hub_http_close(hub_http_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    close((*self_p)->fd);
    silta_buf_free(&(*self_p)->body);
    free(*self_p);
    *self_p = NULL;
}

int hub_http_fd(const hub_http_t *self)
{
    return self->fd;
}

static void s_write_all(int fd, const char *data, size_t len)
{
    int64_t deadline = silta_mono_ms() + 1000;
    while (len > 0 && silta_mono_ms() < deadline) {
        ssize_t n = send(fd, data, len, MSG_NOSIGNAL);
        if (n > 0) {
            data += n;
            len -= (size_t)n;
        } else if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
            struct pollfd p = {fd, POLLOUT, 0};
            poll(&p, 1, 100);
        } else {
            return;
        }
    }
}

static void s_answer(hub_http_t *self, int fd)
{
    char req[2048];
    req[0] = '\0';
    size_t len = 0;
    int64_t deadline = silta_mono_ms() + 200;
    while (len < sizeof req - 1 && !strstr(req, "\r\n\r\n") && !strstr(req, "\n\n")) {
        long left = (long)(deadline - silta_mono_ms());
        struct pollfd p = {fd, POLLIN, 0};
        if (left <= 0 || poll(&p, 1, (int)left) <= 0)
            break;
        ssize_t n = recv(fd, req + len, sizeof req - 1 - len, 0);
        if (n <= 0)
            break;
        len += (size_t)n;
        req[len] = '\0';
    }
    req[len] = '\0';
    char method[8] = "", path[256] = "";
    int status;
    const char *type = "text/plain; charset=utf-8";
    silta_buf_reset(&self->body);
    if (sscanf(req, "%7s %255s", method, path) != 2) {
        status = 400;
        silta_buf_puts(&self->body, "bad request\n");
    } else if (strcmp(method, "GET") != 0) {
        status = 405;
        silta_buf_puts(&self->body, "only GET\n");
    } else {
        char *q = strchr(path, '?');
        if (q)
            *q = '\0';
        status = self->fn(path, &self->body, &type, self->arg);
    }
    const char *reason = status == 200 ? "OK" : status == 404 ? "Not Found" : "Error";
    char head[256];
    int hn = snprintf(head, sizeof head,
                      "HTTP/1.0 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
                      "Cache-Control: no-store\r\nConnection: close\r\n\r\n",
                      status, reason, type, self->body.len);
    s_write_all(fd, head, (size_t)hn);
    s_write_all(fd, self->body.data ? self->body.data : "", self->body.len);
}

void hub_http_serve(hub_http_t *self)
{
    for (int i = 0; i < 8; i++) {
        int fd = accept4(self->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0)
            return;
        s_answer(self, fd);
        close(fd);
    }
}
