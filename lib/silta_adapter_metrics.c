/*  silta_adapter_metrics.c - the adapters' metric families and the inbox age
 *  gauge (silta_adapter_metrics.h). Stateless: the registry holds the values. */
#include "silta_adapter_metrics.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>

silta_metrics_t *silta_adapter_metrics_new(void)
{
    static const char *const reasons[] = {"invalid", "refused", NULL};
    static const char *const results[] = {"done", "rejected", NULL};
    silta_metrics_t *m = silta_metrics_new();
    if (!m)
        return NULL;
    silta_metrics_declare(m, SILTA_AM_READ, "Records of inbox files read and settled.",
                          SILTA_METRIC_COUNTER, NULL, NULL);
    silta_metrics_declare(m, SILTA_AM_PUBLISHED, "Records confirmed (journalled) by the hub.",
                          SILTA_METRIC_COUNTER, NULL, NULL);
    silta_metrics_declare(m, SILTA_AM_REJECTED,
                          "Records rejected: invalid (by the adapter), refused (by the hub).",
                          SILTA_METRIC_COUNTER, "reason", reasons);
    silta_metrics_declare(m, SILTA_AM_FILES, "Inbox files moved to done/ or rejected/.",
                          SILTA_METRIC_COUNTER, "result", results);
    silta_metrics_declare(m, SILTA_AM_OLDEST,
                          "Age of the oldest file waiting in the inbox (0 when empty).",
                          SILTA_METRIC_GAUGE, NULL, NULL);
    silta_metrics_declare(m, SILTA_AM_CONNECTED, "The hub session is up.", SILTA_METRIC_GAUGE,
                          NULL, NULL);
    return m;
}

void silta_adapter_metrics_inbox(silta_metrics_t *m, const silta_spool_t *sp, double now_s)
{
    DIR *d = opendir(sp->inbox);
    if (!d)
        return;
    double oldest = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        struct stat st;
        if (silta_spool_ignored(e->d_name) ||
            fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(st.st_mode))
            continue;
        double age = now_s - (double)st.st_mtim.tv_sec;
        if (age > oldest)
            oldest = age;
    }
    closedir(d);
    silta_metrics_set(m, SILTA_AM_OLDEST, NULL, oldest);
}
