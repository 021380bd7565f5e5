/* test_adapter_metrics.c - the adapters' registry: every family declared and
 * rendered from 0; the oldest-inbox-file gauge takes the oldest file the
 * adapter would read (by mtime), skips names it would not (.tmp, dot files)
 * and folders, and is 0 for an empty inbox. */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "silta_adapter_metrics.h"

static char s_dir[] = "/tmp/silta-am-XXXXXX";

static void s_file(const silta_spool_t *sp, const char *name, time_t mtime)
{
    char path[SILTA_SPOOL_PATH_MAX + 300];
    snprintf(path, sizeof path, "%s/%s", sp->inbox, name);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f, "%s", path);
    fclose(f);
    struct timespec ts[2] = {{mtime, 0}, {mtime, 0}};
    cr_assert_eq(utimensat(AT_FDCWD, path, ts, 0), 0);
}

Test(adapter_metrics, families_render_from_zero)
{
    silta_metrics_t *m = silta_adapter_metrics_new();
    silta_buf_t b;
    silta_buf_init(&b);
    silta_metrics_render(m, &b);
    const char *want[] = {"\nsilta_adapter_records_read_total 0\n",
                          "\nsilta_adapter_records_published_total 0\n",
                          "\nsilta_adapter_records_rejected_total{reason=\"invalid\"} 0\n",
                          "\nsilta_adapter_records_rejected_total{reason=\"refused\"} 0\n",
                          "\nsilta_adapter_files_total{result=\"done\"} 0\n",
                          "\nsilta_adapter_files_total{result=\"rejected\"} 0\n",
                          "\nsilta_adapter_inbox_oldest_age_seconds 0\n",
                          "\n# TYPE silta_adapter_hub_connected gauge\n"};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        cr_assert(strstr(b.data, want[i]), "no %s in\n%s", want[i], b.data);
    silta_buf_free(&b);
    silta_metrics_destroy(&m);
}

Test(adapter_metrics, oldest_inbox_file_age)
{
    cr_assert_not_null(mkdtemp(s_dir));
    char inbox[600], outbox[600];
    snprintf(inbox, sizeof inbox, "%s/inbox", s_dir);
    snprintf(outbox, sizeof outbox, "%s/outbox", s_dir);
    silta_spool_t sp;
    silta_err_t err;
    cr_assert_eq(silta_spool_open(&sp, inbox, outbox, &err), 0, "%s", err.msg);
    silta_metrics_t *m = silta_adapter_metrics_new();
    time_t now = 1800000000;
    silta_metrics_set(m, SILTA_AM_OLDEST, NULL, 99);
    silta_adapter_metrics_inbox(m, &sp, (double)now);
    cr_assert_eq(silta_metrics_get(m, SILTA_AM_OLDEST, NULL), 0, "empty inbox");
    s_file(&sp, "b.xml", now - 100);
    s_file(&sp, "a.xml", now - 30);
    s_file(&sp, "c.xml.tmp", now - 5000);  /* half-written: not waiting yet */
    s_file(&sp, ".silta-reading", now - 6000);
    char sub[700];
    snprintf(sub, sizeof sub, "%s/folder", inbox);
    cr_assert_eq(mkdir(sub, 0750), 0);
    silta_adapter_metrics_inbox(m, &sp, (double)now);
    cr_assert_eq(silta_metrics_get(m, SILTA_AM_OLDEST, NULL), 100);
    silta_metrics_destroy(&m);
    char cmd[700];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", s_dir);
    cr_assert_eq(system(cmd), 0);
}
