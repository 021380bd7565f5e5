/*  hub_auth.c - ZAP (RFC 27) handler over an authorized-keys folder. */
#include "hub_auth.h"

#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zmq.h>

#include "silta_keys.h"
#include "silta_log.h"
#include "silta_map.h"

struct hub_auth_t {
    char *dir;
    struct timespec dir_mtime; /* reload when the folder changes */
    void *ctx;
    void *handler; /* REP on inproc://zeromq.zap.01, used by the thread only */
    silta_map_t *keys; /* public key z85 -> identity (char *); read-only once started */
    pthread_t thread;
    int started;
};

static int s_load(hub_auth_t *self, const char *dir, silta_err_t *err)
{
    struct stat st;
    if (stat(dir, &st) == 0)
        self->dir_mtime = st.st_mtim;
    DIR *d = opendir(dir);
    if (!d)
        return silta_err_set(err, SILTA_ERR, "could not open authorized keys folder %s: %s", dir,
                             strerror(errno));
    struct dirent *de;
    while ((de = readdir(d))) {
        size_t n = strlen(de->d_name);
        if (n <= 4 || strcmp(de->d_name + n - 4, ".pub") != 0)
            continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        silta_keypair_t kp;
        silta_err_t kerr;
        if (silta_keys_load(path, &kp, &kerr) != 0) {
            silta_warn("skipping authorized key", "file=%s reason=\"%s\"", de->d_name, kerr.msg);
            continue;
        }
        char *identity = strndup(de->d_name, n - 4);
        if (!identity || silta_map_put(self->keys, kp.public_z85, SILTA_KEY_Z85_LEN, identity)) {
            free(identity);
            closedir(d);
            return silta_err_set(err, SILTA_ERR, "out of memory loading keys");
        }
    }
    closedir(d);
    return SILTA_OK;
}

/* Receive one frame as a NUL-terminated copy (at most cap-1 bytes kept). */
static int s_recv(void *sock, char *buf, size_t cap, size_t *len, int *more)
{
    int n = zmq_recv(sock, buf, cap - 1, 0);
    if (n < 0)
        return -1;
    size_t got = (size_t)n < cap - 1 ? (size_t)n : cap - 1;
    buf[got] = '\0';
    if (len)
        *len = got;
    int m = 0;
    size_t ms = sizeof m;
    zmq_getsockopt(sock, ZMQ_RCVMORE, &m, &ms);
    *more = m;
    return 0;
}

/* A key added to or removed from the folder (revocation) counts from the next
 * handshake: the folder's mtime changes, and the map is rebuilt. Only this
 * thread reads the map, so no lock is needed. */
static void s_reload_if_changed(hub_auth_t *self)
{
    struct stat st;
    if (stat(self->dir, &st) != 0 || (st.st_mtim.tv_sec == self->dir_mtime.tv_sec &&
                                      st.st_mtim.tv_nsec == self->dir_mtime.tv_nsec))
        return;
    silta_map_t *old = self->keys;
    self->keys = silta_map_new();
    silta_err_t err;
    if (!self->keys || s_load(self, self->dir, &err) != 0) {
        silta_map_destroy(&self->keys, free);
        self->keys = old; /* keep serving with what we had */
        silta_warn("could not reload authorized keys", "dir=%s", self->dir);
        return;
    }
    silta_map_destroy(&old, free);
    silta_info("authorized keys reloaded", "keys=%zu", silta_map_size(self->keys));
}

static void *s_run(void *arg)
{
    hub_auth_t *self = arg;
    for (;;) {
        /* Request: version, request id, domain, address, routing id, mechanism,
         * credentials... (RFC 27). */
        char frames[8][256] = {{0}};
        size_t lens[8] = {0};
        int nframes = 0, more = 1;
        while (more) {
            char scratch[256];
            char *dst = nframes < 8 ? frames[nframes] : scratch;
            size_t len = 0;
            if (s_recv(self->handler, dst, 256, &len, &more) != 0) {
                if (errno == ETERM || errno == EINTR)
                    return NULL;
                return NULL;
            }
            if (nframes < 8)
                lens[nframes] = len;
            nframes++;
        }
        s_reload_if_changed(self);
        const char *status = "400", *text = "unknown key", *user = "";
        char z85[SILTA_KEY_Z85_LEN + 1] = "";
        if (nframes >= 7 && strcmp(frames[5], "CURVE") == 0 && lens[6] == 32) {
            zmq_z85_encode(z85, (const uint8_t *)frames[6], 32);
            const char *identity = silta_map_get(self->keys, z85, SILTA_KEY_Z85_LEN);
            if (identity) {
                status = "200";
                text = "OK";
                user = identity;
            }
        } else {
            text = "curve required";
        }
        if (strcmp(status, "200") != 0)
            silta_warn("peer refused", "reason=\"%s\" key_fingerprint=%.8s address=%s", text,
                       z85[0] ? z85 : "-", nframes > 3 ? frames[3] : "-");
        const char *version = nframes > 0 ? frames[0] : "1.0";
        const char *request_id = nframes > 1 ? frames[1] : "";
        zmq_send(self->handler, version, strlen(version), ZMQ_SNDMORE);
        zmq_send(self->handler, request_id, nframes > 1 ? lens[1] : 0, ZMQ_SNDMORE);
        zmq_send(self->handler, status, 3, ZMQ_SNDMORE);
        zmq_send(self->handler, text, strlen(text), ZMQ_SNDMORE);
        zmq_send(self->handler, user, strlen(user), ZMQ_SNDMORE);
        zmq_send(self->handler, "", 0, 0);
    }
}

hub_auth_t *hub_auth_start(void *ctx, const char *dir, silta_err_t *err)
{
    hub_auth_t *self = calloc(1, sizeof *self);
    if (!self || !(self->keys = silta_map_new())) {
        free(self);
        silta_err_set(err, SILTA_ERR, "out of memory");
        return NULL;
    }
    self->ctx = ctx;
    self->dir = strdup(dir);
    if (!self->dir || s_load(self, dir, err) != 0) {
        hub_auth_stop(&self);
        return NULL;
    }
    self->handler = zmq_socket(ctx, ZMQ_REP);
    int linger = 0;
    zmq_setsockopt(self->handler, ZMQ_LINGER, &linger, sizeof linger);
    if (!self->handler || zmq_bind(self->handler, "inproc://zeromq.zap.01") != 0) {
        silta_err_set(err, SILTA_ERR, "could not bind the zap handler: %s", zmq_strerror(errno));
        hub_auth_stop(&self);
        return NULL;
    }
    if (pthread_create(&self->thread, NULL, s_run, self) != 0) {
        silta_err_set(err, SILTA_ERR, "could not start the zap thread");
        hub_auth_stop(&self);
        return NULL;
    }
    self->started = 1;
    return self;
}

void hub_auth_stop(hub_auth_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    hub_auth_t *self = *self_p;
    if (self->started)
        pthread_join(self->thread, NULL);
    if (self->handler)
        zmq_close(self->handler);
    silta_map_destroy(&self->keys, free);
    free(self->dir);
    free(self);
    *self_p = NULL;
}

int hub_auth_count(const hub_auth_t *self)
{
    return (int)silta_map_size(self->keys);
}
