/*  silta_checkpoint.c - Ed25519 (libsodium) checkpoints of the disclosure chain.
 *  See silta_checkpoint.h. */
#include "silta_checkpoint.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The signed message: "silta-disclosure-checkpoint v1 <at_ms> <last_id> <last_hash>". */
static int s_message(const silta_checkpoint_t *cp, char *out, size_t len)
{
    return snprintf(out, len, "silta-disclosure-checkpoint v1 %" PRId64 " %" PRId64 " %s",
                    cp->at_ms, cp->last_id, cp->last_hash);
}

static int s_read_all(const char *path, unsigned char *buf, size_t want, silta_err_t *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return silta_err_set(err, SILTA_ERR, "cannot open %s: %s", path, strerror(errno));
    size_t n = fread(buf, 1, want, f);
    fclose(f);
    if (n != want)
        return silta_err_set(err, SILTA_EINVAL, "%s: expected %zu bytes, found %zu", path, want, n);
    return SILTA_OK;
}

int silta_checkpoint_key_load(const char *path, int make, unsigned char sk[SILTA_CHECKPOINT_SK_LEN],
                              silta_err_t *err)
{
    if (sodium_init() < 0)
        return silta_err_set(err, SILTA_ERR, "libsodium did not initialise");
    if (access(path, F_OK) == 0)
        return s_read_all(path, sk, SILTA_CHECKPOINT_SK_LEN, err);
    if (!make)
        return silta_err_set(err, SILTA_ERR, "no checkpoint signing key %s", path);
    unsigned char pk[SILTA_CHECKPOINT_PK_LEN];
    crypto_sign_keypair(pk, sk);
    char tmp[4096], pub[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    snprintf(pub, sizeof pub, "%s.pub", path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0 || write(fd, sk, SILTA_CHECKPOINT_SK_LEN) != SILTA_CHECKPOINT_SK_LEN ||
        fsync(fd) != 0) {
        if (fd >= 0)
            close(fd);
        return silta_err_set(err, SILTA_ERR, "cannot write %s: %s", tmp, strerror(errno));
    }
    close(fd);
    char hex[2 * SILTA_CHECKPOINT_PK_LEN + 1];
    sodium_bin2hex(hex, sizeof hex, pk, sizeof pk);
    FILE *f = fopen(pub, "w");
    if (!f || fprintf(f, "%s\n", hex) < 0 || fclose(f) != 0)
        return silta_err_set(err, SILTA_ERR, "cannot write %s", pub);
    if (rename(tmp, path) != 0)
        return silta_err_set(err, SILTA_ERR, "cannot rename %s: %s", tmp, strerror(errno));
    return SILTA_OK;
}

int silta_checkpoint_pub_load(const char *path, unsigned char pk[SILTA_CHECKPOINT_PK_LEN],
                              silta_err_t *err)
{
    char hex[2 * SILTA_CHECKPOINT_PK_LEN + 2] = "";
    FILE *f = fopen(path, "r");
    if (!f)
        return silta_err_set(err, SILTA_ERR, "cannot open %s: %s", path, strerror(errno));
    size_t n = fread(hex, 1, 2 * SILTA_CHECKPOINT_PK_LEN, f);
    fclose(f);
    size_t bin = 0;
    if (n != 2 * SILTA_CHECKPOINT_PK_LEN ||
        sodium_hex2bin(pk, SILTA_CHECKPOINT_PK_LEN, hex, n, NULL, &bin, NULL) != 0 ||
        bin != SILTA_CHECKPOINT_PK_LEN)
        return silta_err_set(err, SILTA_EINVAL, "%s is not a 64-hex-digit public key", path);
    return SILTA_OK;
}

void silta_checkpoint_sign(silta_checkpoint_t *cp, const unsigned char sk[SILTA_CHECKPOINT_SK_LEN],
                           char line[SILTA_CHECKPOINT_LINE_MAX])
{
    char msg[256];
    int n = s_message(cp, msg, sizeof msg);
    crypto_sign_detached(cp->sig, NULL, (const unsigned char *)msg, (unsigned long long)n, sk);
    char sig[129];
    sodium_bin2hex(sig, sizeof sig, cp->sig, sizeof cp->sig);
    snprintf(line, SILTA_CHECKPOINT_LINE_MAX,
             "checkpoint v1 at_ms=%" PRId64 " last_id=%" PRId64 " last_hash=%s sig=%s\n", cp->at_ms,
             cp->last_id, cp->last_hash, sig);
}

int silta_checkpoint_parse(const char *line, silta_checkpoint_t *cp, silta_err_t *err)
{
    memset(cp, 0, sizeof *cp);
    long long at = 0, id = 0;
    char hash[80] = "", sig[160] = "";
    if (sscanf(line, "checkpoint v1 at_ms=%lld last_id=%lld last_hash=%79s sig=%159s", &at, &id,
               hash, sig) != 4)
        return silta_err_set(err, SILTA_EINVAL, "not a checkpoint v1 line");
    size_t bin = 0;
    if (strlen(hash) != SILTA_AUDIT_HASH_LEN || strlen(sig) != 128 ||
        sodium_hex2bin(cp->sig, sizeof cp->sig, sig, 128, NULL, &bin, NULL) != 0 || bin != 64 ||
        id < 0)
        return silta_err_set(err, SILTA_EINVAL, "a field of the checkpoint is malformed");
    cp->at_ms = at;
    cp->last_id = id;
    snprintf(cp->last_hash, sizeof cp->last_hash, "%.64s", hash);
    return SILTA_OK;
}

int silta_checkpoint_verify(const silta_checkpoint_t *cp,
                            const unsigned char pk[SILTA_CHECKPOINT_PK_LEN])
{
    char msg[256];
    int n = s_message(cp, msg, sizeof msg);
    return crypto_sign_verify_detached(cp->sig, (const unsigned char *)msg, (unsigned long long)n,
                                       pk) == 0;
}

int silta_checkpoint_append(const char *path, const char *line, silta_err_t *err)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0640);
    if (fd < 0)
        return silta_err_set(err, SILTA_ERR, "cannot open %s: %s", path, strerror(errno));
    size_t n = strlen(line);
    int ok = write(fd, line, n) == (ssize_t)n && fsync(fd) == 0;
    int e = errno;
    close(fd);
    if (!ok)
        return silta_err_set(err, SILTA_ERR, "cannot append to %s: %s", path, strerror(e));
    return SILTA_OK;
}
