/* test_install.c - `make install` into a DESTDIR, then a flow through the
 * installed programs (issue 14, item 1): silta-local runs the installed hub,
 * adapters and case store on a private PostgreSQL with the installed
 * configuration, migrations and catalogues (SILTA_CONF_DIR, SILTA_DATA_DIR),
 * a Kela batch dropped into the spool reaches the case store. No path of the
 * source tree is compiled into an installed program.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"
#include "harness.h"

static char *s_home;

static void s_fini(void)
{
    harness_home_destroy(&s_home);
}
TestSuite(install, .fini = s_fini);

static bool s_applied(void *arg)
{
    (void)arg;
    return fixture_count("SELECT count(*) FROM casestore.inbox WHERE type LIKE 'kela.%'") >= 30;
}

Test(install, installed_programs_run_a_flow_from_their_installed_files, .timeout = 600)
{
    s_home = harness_home_new();
    char dest[4096], cmd[16384];
    snprintf(dest, sizeof dest, "%s/destdir", s_home);
    /* The build this test runs from: build/bin or build/asan/bin. */
    const char *variant = strstr(harness_bin(), "/asan/") ? "VARIANT=asan" : "";
    snprintf(cmd, sizeof cmd, "make -s -C '%s' %s install DESTDIR='%s' PREFIX=/usr/local 2>&1",
             harness_src(), variant, dest);
    harness_result_t r;
    harness_runl(&r, 300000, "/bin/sh", "-c", cmd, NULL);
    cr_assert_eq(r.status, 0, "make install:\n%s%s", r.out, r.err);
    harness_result_free(&r);

    /* Nothing of the source tree in the programs' read-only data. */
    snprintf(cmd, sizeof cmd,
             "for b in '%s'/usr/local/bin/*; do readelf -p .rodata \"$b\"; done | grep -c -F '%s'",
             dest, harness_src());
    harness_runl(&r, 60000, "/bin/sh", "-c", cmd, NULL);
    cr_assert_eq(atoi(r.out), 0, "a source-tree path is compiled into an installed program");
    harness_result_free(&r);

    char bin[4200], conf[4200], data[4200];
    snprintf(bin, sizeof bin, "%s/usr/local/bin", dest);
    snprintf(conf, sizeof conf, "%s/etc/silta", dest);
    snprintf(data, sizeof data, "%s/usr/local/share/silta", dest);
    setenv("SILTA_BIN", bin, 1);
    setenv("SILTA_CONF_DIR", conf, 1);
    setenv("SILTA_DATA_DIR", data, 1);
    unsetenv("SILTA_LOCALE_DIR");
    fixture_deploy(1);
    char *env = harness_env_get(s_home, "SILTA_DATA_DIR");
    cr_assert_str_eq(env, data, "the env file names the installed data");
    free(env);
    env = harness_env_get(s_home, "SILTA_HUB_MIGRATIONS");
    cr_assert_null(env, "no source-tree migrations in the env of an installed deployment");

    char *inbox = harness_env_get(s_home, "SILTA_KELA_INBOX");
    cr_assert_not_null(inbox);
    snprintf(cmd, sizeof cmd, "'%s/silta-kela' --generate 30 '%s/.f.tmp' && mv '%s/.f.tmp' '%s/f.xml'",
             bin, inbox, inbox, inbox);
    harness_runl(&r, 30000, "/bin/sh", "-c", cmd, NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    harness_result_free(&r);
    free(inbox);
    cr_assert_eq(harness_poll(120000, s_applied, NULL), 0,
                 "the batch did not reach the case store through the installed programs");
}
