/*  cs_seal.c - secretbox sealing of hetus for the case store (see cs_seal.h).
 *
 *  Not here: key rotation, SQL.
 */
#include "cs_seal.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct cs_seal_s {
    unsigned char key[crypto_secretbox_KEYBYTES];
};

cs_seal_t *cs_seal_new(const char *path, int create, silta_err_t *err)
{
    if (sodium_init() < 0) {
        silta_err_set(err, SILTA_ERR, "libsodium could not start");
        return NULL;
    }
    cs_seal_t *self = calloc(1, sizeof *self);
    if (!self) {
        silta_err_set(err, SILTA_ERR, "out of memory");
        return NULL;
    }
    int fd = open(path, O_RDONLY);
    if (fd < 0 && errno == ENOENT && create) {
        unsigned char key[crypto_secretbox_KEYBYTES];
        crypto_secretbox_keygen(key);
        int w = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
        if (w >= 0) {
            ssize_t n = write(w, key, sizeof key);
            close(w);
            if (n != (ssize_t)sizeof key)
                unlink(path);
        }
        sodium_memzero(key, sizeof key);
        fd = open(path, O_RDONLY); /* whoever won the race, read the file */
    }
    if (fd < 0) {
        silta_err_set(err, SILTA_ERR, "could not open seal key %s: %s", path, strerror(errno));
        free(self);
        return NULL;
    }
    ssize_t n = read(fd, self->key, sizeof self->key);
    close(fd);
    if (n != (ssize_t)sizeof self->key) {
        silta_err_set(err, SILTA_ERR, "seal key %s is not %d bytes", path,
                      (int)crypto_secretbox_KEYBYTES);
        cs_seal_destroy(&self);
        return NULL;
    }
    return self;
}

void cs_seal_destroy(cs_seal_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    sodium_memzero((*self_p)->key, sizeof (*self_p)->key);
    free(*self_p);
    *self_p = NULL;
}

char *cs_seal_hex(const cs_seal_t *self, const char *text)
{
    size_t mlen = strlen(text);
    size_t blen = crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + mlen;
    unsigned char *box = malloc(blen);
    char *hex = malloc(2 + blen * 2 + 1);
    if (!box || !hex) {
        free(box);
        free(hex);
        return NULL;
    }
    randombytes_buf(box, crypto_secretbox_NONCEBYTES);
    crypto_secretbox_easy(box + crypto_secretbox_NONCEBYTES, (const unsigned char *)text, mlen, box,
                          self->key);
    hex[0] = '\\';
    hex[1] = 'x';
    sodium_bin2hex(hex + 2, blen * 2 + 1, box, blen);
    free(box);
    return hex;
}

int cs_seal_open(const cs_seal_t *self, const uint8_t *data, size_t len, char *out, size_t outlen)
{
    if (len < crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES)
        return -1;
    size_t mlen = len - crypto_secretbox_NONCEBYTES - crypto_secretbox_MACBYTES;
    if (mlen + 1 > outlen)
        return -1;
    if (crypto_secretbox_open_easy((unsigned char *)out, data + crypto_secretbox_NONCEBYTES,
                                   len - crypto_secretbox_NONCEBYTES, data, self->key) != 0)
        return -1;
    out[mlen] = '\0';
    return 0;
}
