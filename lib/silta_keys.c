/*  silta_keys.c - write and read CURVE keypair files (Z85 text). */
#include "silta_keys.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zmq.h>

static int s_write_file(const char *path, const char *text, mode_t mode, int excl, silta_err_t *err)
{
    int fd = open(path, O_WRONLY | O_CREAT | (excl ? O_EXCL : O_TRUNC), mode);
    if (fd < 0)
        return silta_err_set(err, SILTA_ERR, "could not create %s: %s", path, strerror(errno));
    size_t n = strlen(text);
    int rc = (write(fd, text, n) == (ssize_t)n && fsync(fd) == 0) ? 0 : -1;
    if (rc == 0 && fchmod(fd, mode) != 0)
        rc = -1;
    if (close(fd) != 0)
        rc = -1;
    if (rc != 0)
        return silta_err_set(err, SILTA_ERR, "could not write %s: %s", path, strerror(errno));
    return SILTA_OK;
}

int silta_keys_generate(const char *dir, const char *name, silta_err_t *err)
{
    char pub[SILTA_KEY_Z85_LEN + 1], sec[SILTA_KEY_Z85_LEN + 1];
    if (zmq_curve_keypair(pub, sec) != 0)
        return silta_err_set(err, SILTA_ERR, "could not generate a curve keypair: %s",
                             zmq_strerror(errno));
    if (strchr(name, '/') || name[0] == '.' || !*name)
        return silta_err_set(err, SILTA_EINVAL, "bad key name '%s'", name);
    mkdir(dir, 0755);
    char path[4096], text[256];
    snprintf(path, sizeof path, "%s/%s.key", dir, name);
    snprintf(text, sizeof text, "# silta curve keypair %s: keep secret\npublic=%s\nsecret=%s\n", name,
             pub, sec);
    int rc = s_write_file(path, text, 0600, 1, err);
    if (rc != 0)
        return rc;
    snprintf(path, sizeof path, "%s/%s.pub", dir, name);
    snprintf(text, sizeof text, "# silta curve public key %s\npublic=%s\n", name, pub);
    return s_write_file(path, text, 0644, 0, err);
}

int silta_keys_load(const char *path, silta_keypair_t *out, silta_err_t *err)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return silta_err_set(err, SILTA_ERR, "could not open key file %s: %s", path,
                             strerror(errno));
    silta_keypair_t kp;
    memset(&kp, 0, sizeof kp);
    char line[256];
    while (fgets(line, sizeof line, f)) {
        char *nl = strchr(line, '\n');
        if (nl)
            *nl = '\0';
        if (strncmp(line, "public=", 7) == 0 && strlen(line + 7) == SILTA_KEY_Z85_LEN)
            memcpy(kp.public_z85, line + 7, SILTA_KEY_Z85_LEN + 1);
        else if (strncmp(line, "secret=", 7) == 0 && strlen(line + 7) == SILTA_KEY_Z85_LEN)
            memcpy(kp.secret_z85, line + 7, SILTA_KEY_Z85_LEN + 1);
    }
    fclose(f);
    if (!kp.public_z85[0])
        return silta_err_set(err, SILTA_EINVAL, "key file %s has no valid public= line", path);
    *out = kp;
    return SILTA_OK;
}
