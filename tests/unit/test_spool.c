/* test_spool.c - silta_spool: folder layout, inbox order and ignored names,
 * moves that never overwrite, atomic writes, rejection reports. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "silta_spool.h"

static char s_dir[] = "/tmp/test_spool.XXXXXX";
static silta_spool_t s_sp;

static void s_setup(void)
{
    cr_assert_not_null(mkdtemp(s_dir));
    char in[512], out[512];
    snprintf(in, sizeof in, "%s/kela/inbox", s_dir);
    snprintf(out, sizeof out, "%s/kela/outbox", s_dir);
    silta_err_t err;
    cr_assert_eq(silta_spool_open(&s_sp, in, out, &err), 0, "%s", err.msg);
}

static void s_teardown(void)
{
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf %s", s_dir);
    (void)!system(cmd);
}

TestSuite(spool, .init = s_setup, .fini = s_teardown);

static void s_touch(const char *dir, const char *name)
{
    char p[8192];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    FILE *f = fopen(p, "w");
    cr_assert_not_null(f);
    fputs("x", f);
    fclose(f);
}

static int s_exists(const char *dir, const char *name)
{
    char p[8192];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    return access(p, F_OK) == 0;
}

Test(spool, folders_are_siblings_of_the_inbox)
{
    char want[512];
    snprintf(want, sizeof want, "%s/kela/done", s_dir);
    cr_assert_str_eq(s_sp.done, want);
    struct stat st;
    cr_assert_eq(stat(s_sp.rejected, &st), 0);
    cr_assert_eq(stat(s_sp.outbox, &st), 0);
}

Test(spool, next_takes_the_first_name_and_skips_partial_files)
{
    char name[SILTA_SPOOL_NAME_MAX + 1];
    silta_err_t err;
    cr_assert_eq(silta_spool_next(&s_sp, name, &err), 0);
    s_touch(s_sp.inbox, ".hidden");
    s_touch(s_sp.inbox, "c.xml.tmp");
    s_touch(s_sp.inbox, "d.part");
    cr_assert_eq(silta_spool_next(&s_sp, name, &err), 0);
    s_touch(s_sp.inbox, "b.xml");
    s_touch(s_sp.inbox, "a.xml");
    cr_assert_eq(silta_spool_next(&s_sp, name, &err), 1);
    cr_assert_str_eq(name, "a.xml");
}

Test(spool, move_never_overwrites)
{
    silta_err_t err;
    s_touch(s_sp.inbox, "a.xml");
    cr_assert_eq(silta_spool_move(&s_sp, "a.xml", s_sp.done, &err), 0, "%s", err.msg);
    s_touch(s_sp.inbox, "a.xml");
    cr_assert_eq(silta_spool_move(&s_sp, "a.xml", s_sp.done, &err), 0, "%s", err.msg);
    cr_assert(s_exists(s_sp.done, "a.xml"));
    cr_assert(s_exists(s_sp.done, "a.xml.1"));
    cr_assert(!s_exists(s_sp.inbox, "a.xml"));
}

Test(spool, write_is_atomic_and_leaves_no_temporary)
{
    silta_err_t err;
    cr_assert_eq(silta_spool_write(s_sp.outbox, "m.xml", "<a/>", 4, &err), 0, "%s", err.msg);
    cr_assert_eq(silta_spool_write(s_sp.outbox, "m.xml", "<b/>", 4, &err), 0, "%s", err.msg);
    cr_assert(!s_exists(s_sp.outbox, ".m.xml.tmp"));
    char p[8192], buf[16] = "";
    snprintf(p, sizeof p, "%s/m.xml", s_sp.outbox);
    FILE *f = fopen(p, "r");
    cr_assert_not_null(f);
    cr_assert_eq(fread(buf, 1, sizeof buf - 1, f), 4);
    fclose(f);
    cr_assert_str_eq(buf, "<b/>");
}

Test(spool, report_appears_only_when_committed)
{
    silta_spool_report_t rp;
    silta_err_t err;
    cr_assert_eq(silta_spool_report_open(&rp, &s_sp, "a.xml", &err), 0);
    silta_spool_report_line(&rp, 3, "hetu", "check \"character\"\nwrong");
    cr_assert(!s_exists(s_sp.done, "a.xml.report"));
    cr_assert_eq(silta_spool_report_commit(&rp, s_sp.rejected, "published=0", &err), 0);
    char p[8192];
    snprintf(p, sizeof p, "%s/a.xml.report", s_sp.rejected);
    FILE *f = fopen(p, "r");
    cr_assert_not_null(f);
    char all[1024] = "";
    cr_assert_gt(fread(all, 1, sizeof all - 1, f), 0);
    fclose(f);
    cr_assert(strstr(all, "record=3 field=hetu reason=\"check 'character' wrong\"") != NULL, "%s",
              all);

    cr_assert_eq(silta_spool_report_open(&rp, &s_sp, "b.xml", &err), 0);
    silta_spool_report_line(&rp, 1, NULL, "x");
    silta_spool_report_abort(&rp);
    cr_assert(!s_exists(s_sp.done, ".b.xml.report.tmp"));
}
