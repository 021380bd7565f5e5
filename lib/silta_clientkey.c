/*  silta_clientkey.c - HMAC-SHA256 pseudonyms of hetus (libsodium).
 *
 *  The secret, and the HMAC state keyed with it once at load, live in one heap
 *  block that is wiped on destroy; the copy of that state on the stack is
 *  wiped after each use. The streaming HMAC API is used
 *  because it takes a key of any length (crypto_auth_hmacsha256() takes
 *  exactly 32 bytes); for a 32-byte secret the result is the same.
 */
#include "silta_clientkey.h"
#include "silta_env.h"
#include "silta_hetu.h"
#include "silta_log.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define S_MAC_BYTES 16 /* 32 hex characters */

struct silta_clientkey_s {
    size_t len;
    unsigned char secret[SILTA_CLIENTKEY_SECRET_MAX];
    /* The HMAC state after the key (its inner and outer pads hashed): copied
     * for each hetu, so a client_key costs two SHA-256 blocks, not four. As
     * secret as the secret: wiped with it. */
    crypto_auth_hmacsha256_state keyed;
};

static int s_sodium_ready(silta_err_t *err)
{
    /* Idempotent and thread-safe: returns 1 when already initialised. */
    if (sodium_init() < 0)
        return silta_err_set(err, SILTA_ERR, "could not initialise libsodium");
    return SILTA_OK;
}

/* mkdir the parent folder of path when missing (one level: SILTA_HOME/keys). */
static int s_make_parent(const char *path, silta_err_t *err)
{
    char dir[4096];
    if (snprintf(dir, sizeof dir, "%s", path) >= (int)sizeof dir)
        return silta_err_set(err, SILTA_EINVAL, "secret path is too long");
    char *slash = strrchr(dir, '/');
    if (!slash || slash == dir)
        return SILTA_OK;
    *slash = '\0';
    if (mkdir(dir, 0700) != 0 && errno != EEXIST)
        return silta_err_set(err, SILTA_ERR, "could not create %s: %s", dir, strerror(errno));
    return SILTA_OK;
}

int silta_clientkey_generate(const char *path, silta_err_t *err)
{
    if (!path || !*path)
        return silta_err_set(err, SILTA_EINVAL, "no path given for the client-key secret");
    int rc = s_sodium_ready(err);
    if (rc == 0)
        rc = s_make_parent(path, err);
    if (rc != 0)
        return rc;

    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        if (errno == EEXIST)
            return silta_err_set(err, SILTA_EINVAL,
                                 "%s exists: replacing the client-key secret would give every "
                                 "client a new client_key; remove it by hand if that is meant",
                                 path);
        return silta_err_set(err, SILTA_ERR, "could not create %s: %s", path, strerror(errno));
    }
    unsigned char secret[SILTA_CLIENTKEY_SECRET_MIN];
    randombytes_buf(secret, sizeof secret);
    int ok = fchmod(fd, 0600) == 0 && write(fd, secret, sizeof secret) == (ssize_t)sizeof secret &&
             fsync(fd) == 0;
    int saved = errno;
    sodium_memzero(secret, sizeof secret);
    if (close(fd) != 0 && ok) {
        ok = 0;
        saved = errno;
    }
    if (!ok) {
        /* A half-written secret must not be picked up by the next start. */
        unlink(path);
        return silta_err_set(err, SILTA_ERR, "could not write %s: %s", path, strerror(saved));
    }
    return SILTA_OK;
}

silta_clientkey_t *silta_clientkey_new(const char *path, silta_err_t *err)
{
    if (!path) {
        path = silta_env_require("SILTA_CLIENT_KEY_SECRET", err);
        if (!path)
            return NULL;
    }
    if (s_sodium_ready(err) != 0)
        return NULL;

    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        silta_err_set(err, SILTA_ERR, "could not open client-key secret %s: %s", path,
                      strerror(errno));
        return NULL;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        silta_err_set(err, SILTA_EINVAL, "client-key secret %s is not a regular file", path);
        close(fd);
        return NULL;
    }
    if (st.st_mode & 077) {
        silta_err_set(err, SILTA_EINVAL,
                      "client-key secret %s is readable by others (mode %03o): chmod 600 it", path,
                      (unsigned)(st.st_mode & 0777));
        close(fd);
        return NULL;
    }

    silta_clientkey_t *self = calloc(1, sizeof *self);
    if (!self) {
        silta_err_set(err, SILTA_ERR, "out of memory");
        close(fd);
        return NULL;
    }
    /* Read one byte past the maximum to tell "too long" from "exactly full". */
    unsigned char extra;
    size_t got = 0;
    int read_err = 0;
    for (;;) {
        unsigned char *dst = got < sizeof self->secret ? self->secret + got : &extra;
        size_t want = got < sizeof self->secret ? sizeof self->secret - got : 1;
        ssize_t n = read(fd, dst, want);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            read_err = errno;
            break;
        }
        if (n == 0)
            break;
        got += (size_t)n;
        if (got > sizeof self->secret)
            break;
    }
    close(fd);
    extra = 0;

    if (read_err)
        silta_err_set(err, SILTA_ERR, "could not read client-key secret %s: %s", path,
                      strerror(read_err));
    else if (got < SILTA_CLIENTKEY_SECRET_MIN)
        silta_err_set(err, SILTA_EINVAL,
                      "client-key secret %s has %zu bytes, at least %d random bytes are needed",
                      path, got, SILTA_CLIENTKEY_SECRET_MIN);
    else if (got > SILTA_CLIENTKEY_SECRET_MAX)
        silta_err_set(err, SILTA_EINVAL, "client-key secret %s is longer than %d bytes", path,
                      SILTA_CLIENTKEY_SECRET_MAX);
    else {
        self->len = got;
        crypto_auth_hmacsha256_init(&self->keyed, self->secret, self->len);
        return self;
    }
    silta_clientkey_destroy(&self);
    return NULL;
}

silta_clientkey_t *silta_clientkey_open(int create, silta_err_t *err)
{
    char path[4096];
    const char *p = silta_env_get("SILTA_CLIENT_KEY_SECRET", NULL);
    const char *dir = silta_env_get("SILTA_KEYS_DIR", NULL);
    if (p)
        snprintf(path, sizeof path, "%s", p);
    else if (dir)
        snprintf(path, sizeof path, "%s/clientkey.secret", dir);
    else
        snprintf(path, sizeof path, "%s/keys/clientkey.secret", silta_env_home());
    struct stat st;
    if (create && stat(path, &st) != 0 && errno == ENOENT) {
        if (silta_clientkey_generate(path, NULL) == 0)
            silta_info("generated client-key secret", "path=%s", path);
        /* else: another process made it first, or the load below says why */
    }
    return silta_clientkey_new(path, err);
}

void silta_clientkey_destroy(silta_clientkey_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    sodium_memzero(*self_p, sizeof **self_p);
    free(*self_p);
    *self_p = NULL;
}

int silta_clientkey_of(const silta_clientkey_t *self, const char *hetu,
                       char out[SILTA_CLIENTKEY_LEN + 1], silta_err_t *err)
{
    assert(self && out);
    silta_hetu_t h;
    int rc = silta_hetu_parse(hetu, &h, err);
    if (rc != 0)
        return rc;

    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256_state st = self->keyed;
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)h.canonical, SILTA_HETU_LEN);
    crypto_auth_hmacsha256_final(&st, mac);
    sodium_memzero(&st, sizeof st);
    sodium_memzero(&h, sizeof h);

    memcpy(out, "ck_", 3);
    sodium_bin2hex(out + 3, SILTA_CLIENTKEY_LEN + 1 - 3, mac, S_MAC_BYTES);
    sodium_memzero(mac, sizeof mac);
    return SILTA_OK;
}

int silta_clientkey_valid(const char *s)
{
    if (!s || strncmp(s, "ck_", 3) != 0)
        return 0;
    for (int i = 3; i < SILTA_CLIENTKEY_LEN; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return 0;
    return s[SILTA_CLIENTKEY_LEN] == '\0';
}
