/* test_cli.c - every program in build/bin answers --help and --version and
 * exits 0 without starting anything (issue 14, item 3): no process left
 * running, no file written into its SILTA_HOME, no socket opened. Reads the
 * programs from $SILTA_BIN, so a program added later is covered too.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "harness.h"
#include "silta_cli.h"

static char *s_home;

static void s_fini(void)
{
    harness_home_destroy(&s_home);
}
TestSuite(cli, .fini = s_fini);

/* Entries of dir other than . and .. */
static int s_entries(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return -1;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    closedir(d);
    return n;
}

Test(cli, every_program_answers_help_and_version_without_starting, .timeout = 120)
{
    s_home = harness_home_new();
    cr_assert_eq(setenv("SILTA_HOME", s_home, 1), 0);
    unsetenv("SILTA_ENV_FILE");
    DIR *d = opendir(harness_bin());
    cr_assert_not_null(d, "no %s", harness_bin());
    struct dirent *e;
    int programs = 0;
    while ((e = readdir(d))) {
        char path[4096];
        struct stat st;
        snprintf(path, sizeof path, "%s/%s", harness_bin(), e->d_name);
        if (e->d_name[0] == '.' || stat(path, &st) != 0 || !S_ISREG(st.st_mode) ||
            !(st.st_mode & S_IXUSR))
            continue;
        programs++;
        harness_result_t r;
        harness_runl(&r, 5000, path, "--help", NULL);
        cr_assert_eq(r.status, 0, "%s --help: exit %d (timed out: %d)\n%s", e->d_name, r.status,
                     r.timed_out, r.err);
        char want[300];
        snprintf(want, sizeof want, "usage: %s", e->d_name);
        cr_assert(strncmp(r.out, want, strlen(want)) == 0, "%s --help says:\n%s", e->d_name,
                  r.out);
        harness_result_free(&r);

        harness_runl(&r, 5000, path, "--version", NULL);
        cr_assert_eq(r.status, 0, "%s --version: exit %d\n%s", e->d_name, r.status, r.err);
        snprintf(want, sizeof want, "%s %s\n", e->d_name, SILTA_VERSION);
        cr_assert_str_eq(r.out, want, "%s --version", e->d_name);
        harness_result_free(&r);
        cr_assert_eq(s_entries(s_home), 0, "%s --help/--version wrote into SILTA_HOME",
                     e->d_name);
    }
    closedir(d);
    cr_assert_geq(programs, 8, "the programs of build/bin were not found");
}
