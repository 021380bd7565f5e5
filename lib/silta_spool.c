/*  silta_spool.c - spool folders, atomic writes and moves (see silta_spool.h).
 *
 *  Invariant: a file is in exactly one of inbox/, done/, rejected/ at any
 *  moment (rename is atomic), and a report or outbound file is either absent
 *  or complete (write to a dot-name, fsync, rename, fsync the folder).
 */
#include "silta_spool.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "silta_redact.h"

static int s_mkdirs(const char *path, silta_err_t *err)
{
    char tmp[SILTA_SPOOL_PATH_MAX];
    if (snprintf(tmp, sizeof tmp, "%s", path) >= (int)sizeof tmp)
        return silta_err_set(err, SILTA_ERR, "path too long: %s", path);
    for (char *p = tmp + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(tmp, 0750) != 0 && errno != EEXIST)
            return silta_err_set(err, SILTA_ERR, "could not create %s: %s", tmp, strerror(errno));
        *p = '/';
    }
    if (mkdir(tmp, 0750) != 0 && errno != EEXIST)
        return silta_err_set(err, SILTA_ERR, "could not create %s: %s", tmp, strerror(errno));
    return 0;
}

int silta_spool_open(silta_spool_t *sp, const char *inbox, const char *outbox, silta_err_t *err)
{
    memset(sp, 0, sizeof *sp);
    char parent[SILTA_SPOOL_PATH_MAX];
    snprintf(parent, sizeof parent, "%s", inbox);
    size_t n = strlen(parent);
    while (n > 1 && parent[n - 1] == '/')
        parent[--n] = '\0';
    char *slash = strrchr(parent, '/');
    if (!slash)
        snprintf(parent, sizeof parent, ".");
    else if (slash == parent)
        parent[1] = '\0';
    else
        *slash = '\0';
    if (snprintf(sp->inbox, sizeof sp->inbox, "%s", inbox) >= (int)sizeof sp->inbox ||
        snprintf(sp->done, sizeof sp->done, "%s/done", parent) >= (int)sizeof sp->done ||
        snprintf(sp->rejected, sizeof sp->rejected, "%s/rejected", parent) >=
            (int)sizeof sp->rejected ||
        snprintf(sp->outbox, sizeof sp->outbox, "%s", outbox) >= (int)sizeof sp->outbox)
        return silta_err_set(err, SILTA_ERR, "spool path too long");
    int rc = s_mkdirs(sp->inbox, err);
    if (rc == 0)
        rc = s_mkdirs(sp->done, err);
    if (rc == 0)
        rc = s_mkdirs(sp->rejected, err);
    if (rc == 0)
        rc = s_mkdirs(sp->outbox, err);
    return rc;
}

static int s_ends(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

int silta_spool_ignored(const char *name)
{
    return name[0] == '.' || s_ends(name, ".tmp") || s_ends(name, ".part");
}

int silta_spool_next(const silta_spool_t *sp, char name[SILTA_SPOOL_NAME_MAX + 1],
                     silta_err_t *err)
{
    DIR *d = opendir(sp->inbox);
    if (!d)
        return silta_err_set(err, SILTA_ERR, "could not read %s: %s", sp->inbox, strerror(errno));
    int found = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (silta_spool_ignored(e->d_name) || strlen(e->d_name) > SILTA_SPOOL_NAME_MAX)
            continue;
        if (e->d_type != DT_REG && e->d_type != DT_UNKNOWN)
            continue;
        if (e->d_type == DT_UNKNOWN) {
            struct stat st;
            if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(st.st_mode))
                continue;
        }
        if (!found || strcmp(e->d_name, name) < 0) {
            snprintf(name, SILTA_SPOOL_NAME_MAX + 1, "%s", e->d_name);
            found = 1;
        }
    }
    closedir(d);
    return found;
}

int silta_spool_sync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    int rc = fsync(fd);
    close(fd);
    return rc;
}

int silta_spool_move(const silta_spool_t *sp, const char *name, const char *folder,
                     silta_err_t *err)
{
    char from[SILTA_SPOOL_PATH_MAX * 2], to[SILTA_SPOOL_PATH_MAX * 2];
    snprintf(from, sizeof from, "%s/%s", sp->inbox, name);
    snprintf(to, sizeof to, "%s/%s", folder, name);
    for (int i = 1; access(to, F_OK) == 0 && i < 10000; i++)
        snprintf(to, sizeof to, "%s/%s.%d", folder, name, i);
    if (rename(from, to) != 0)
        return silta_err_set(err, SILTA_ERR, "could not move %s to %s: %s", name, folder,
                             strerror(errno));
    silta_spool_sync_dir(folder);
    silta_spool_sync_dir(sp->inbox);
    return 0;
}

static int s_write_all(int fd, const void *data, size_t len)
{
    const char *p = data;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

int silta_spool_write(const char *dir, const char *name, const void *data, size_t len,
                      silta_err_t *err)
{
    char tmp[SILTA_SPOOL_PATH_MAX * 2], path[SILTA_SPOOL_PATH_MAX * 2];
    snprintf(tmp, sizeof tmp, "%s/.%s.tmp", dir, name);
    snprintf(path, sizeof path, "%s/%s", dir, name);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
    if (fd < 0)
        return silta_err_set(err, SILTA_EAGAIN, "could not create %s: %s", tmp, strerror(errno));
    if (s_write_all(fd, data, len) != 0 || fsync(fd) != 0) {
        int e = errno;
        close(fd);
        unlink(tmp);
        return silta_err_set(err, SILTA_EAGAIN, "could not write %s: %s", tmp, strerror(e));
    }
    close(fd);
    if (rename(tmp, path) != 0) {
        int e = errno;
        unlink(tmp);
        return silta_err_set(err, SILTA_EAGAIN, "could not rename to %s: %s", path, strerror(e));
    }
    silta_spool_sync_dir(dir);
    return 0;
}

int silta_spool_report_open(silta_spool_report_t *rp, const silta_spool_t *sp, const char *name,
                            silta_err_t *err)
{
    memset(rp, 0, sizeof *rp);
    snprintf(rp->dir, sizeof rp->dir, "%s", sp->done);
    snprintf(rp->name, sizeof rp->name, "%s.report", name);
    snprintf(rp->tmp, sizeof rp->tmp, "%s/.%.255s.report.tmp", sp->done, name);
    rp->f = fopen(rp->tmp, "w");
    if (!rp->f)
        return silta_err_set(err, SILTA_ERR, "could not create report %s: %s", rp->tmp,
                             strerror(errno));
    /* The report is read by people on both sides: a hetu in the file's name or
     * in a reason is masked here too (silta_redact.h). */
    char shown[1024];
    snprintf(shown, sizeof shown, "%s", name);
    silta_redact_hetus(shown);
    fprintf(rp->f, "# rejection report for %s: one line per record that was not published\n",
            shown);
    return 0;
}

void silta_spool_report_line(silta_spool_report_t *rp, unsigned long record, const char *field,
                             const char *reason)
{
    if (!rp->f)
        return;
    fprintf(rp->f, "record=%lu field=%s reason=\"", record, field && *field ? field : "-");
    char shown[1024];
    snprintf(shown, sizeof shown, "%s", reason ? reason : "rejected");
    silta_redact_hetus(shown);
    for (const char *p = shown; *p; p++)
        fputc(*p == '"' ? '\'' : (*p == '\n' || *p == '\r') ? ' ' : *p, rp->f);
    fputs("\"\n", rp->f);
    rp->lines++;
}

int silta_spool_report_commit(silta_spool_report_t *rp, const char *folder, const char *summary,
                              silta_err_t *err)
{
    if (!rp->f)
        return 0;
    if (summary)
        fprintf(rp->f, "# %s\n", summary);
    int bad = fflush(rp->f) != 0 || fsync(fileno(rp->f)) != 0;
    bad |= fclose(rp->f) != 0;
    rp->f = NULL;
    char path[SILTA_SPOOL_PATH_MAX * 2];
    snprintf(path, sizeof path, "%s/%s", folder, rp->name);
    if (bad || rename(rp->tmp, path) != 0) {
        unlink(rp->tmp);
        return silta_err_set(err, SILTA_ERR, "could not write report %s: %s", path,
                             strerror(errno));
    }
    silta_spool_sync_dir(folder);
    return 0;
}

void silta_spool_report_abort(silta_spool_report_t *rp)
{
    if (!rp->f)
        return;
    fclose(rp->f);
    rp->f = NULL;
    unlink(rp->tmp);
}
