/* test_restore.c - the restore drill of docs/operations.md, section 3 (issue
 * 14, items 6 and the acceptance): a deployment with a client is backed up
 * (ops/silta-backup create), thrown away, and restored into a new deployment
 * (ops/silta-backup restore); afterwards the disclosure log and its signed
 * checkpoints verify, the client's data is found from the hetu, and a new
 * event for the same person joins the same client - which only holds when
 * the client-key secret came back with the database.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fixture.h"
#include "harness.h"

#define S_HETU "010185-901E"

static char *s_home;
static char s_backup[256];

static void s_fini(void)
{
    harness_home_destroy(&s_home);
    if (s_backup[0]) {
        char cmd[512];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", s_backup);
        if (system(cmd) != 0)
            fprintf(stderr, "could not remove %s\n", s_backup);
    }
}
TestSuite(restore, .fini = s_fini);

static char s_ck[SILTA_CLIENTKEY_LEN + 1];
static long s_want;

static bool s_client_has(void *arg)
{
    (void)arg;
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM casestore.inbox WHERE client_key = '%s'", s_ck);
    return fixture_count(sql) >= s_want;
}

static bool s_has_text(void *path)
{
    char *text = harness_read_file(path);
    bool yes = text && *text;
    free(text);
    return yes;
}

static void s_backup_tool(const char *cmd)
{
    char tool[4096];
    snprintf(tool, sizeof tool, "%s/ops/silta-backup", harness_src());
    harness_result_t r;
    harness_runl(&r, 120000, tool, cmd, s_backup, NULL);
    cr_assert_eq(r.status, 0, "silta-backup %s:\n%s%s", cmd, r.out, r.err);
    harness_result_free(&r);
}

Test(restore, a_backup_restored_into_a_new_deployment_verifies_and_links_the_client,
     .timeout = 600)
{
    s_home = harness_home_new();
    setenv("SILTA_AUDIT_CHECKPOINT_MS", "500", 1); /* checkpoints in the backup */
    fixture_deploy(1);
    fixture_publish(s_home, "before",
                    "kela.notice.v1 " S_HETU " kind=immigrant_2m kela_reference=R-1 "
                    "date=2026-05-19\n");
    fixture_client_key(S_HETU, s_ck);
    s_want = 1;
    cr_assert_eq(harness_poll(60000, s_client_has, NULL), 0, "the first event was not applied");
    harness_result_t r;
    harness_ctl(&r, "audit", "verify", NULL);
    cr_assert_eq(r.status, 0, "before the backup:\n%s%s", r.out, r.err);
    harness_result_free(&r);
    char *cp = harness_env_get(s_home, "SILTA_AUDIT_CHECKPOINTS");
    cr_assert_not_null(cp);
    cr_assert_eq(harness_poll(30000, s_has_text, cp), 0, "no signed checkpoint in %s", cp);
    free(cp);

    snprintf(s_backup, sizeof s_backup, "/tmp/silta-backup-test-%d", (int)getpid());
    s_backup_tool("create");
    harness_home_destroy(&s_home); /* the machine is gone */

    /* A new deployment (new keys, empty database), its hub stopped, restored. */
    s_home = harness_home_new();
    setenv("SILTA_AUDIT_CHECKPOINT_MS", "500", 1);
    fixture_deploy(0);
    harness_local(&r, "stop", "silta-hub", NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    harness_result_free(&r);
    s_backup_tool("restore");
    fixture_deploy(1);

    harness_ctl(&r, "audit", "verify", NULL);
    cr_assert_eq(r.status, 0, "the restored disclosure log and checkpoints verify:\n%s%s", r.out,
                 r.err);
    harness_result_free(&r);
    char ck[SILTA_CLIENTKEY_LEN + 1];
    fixture_client_key(S_HETU, ck);
    cr_assert_str_eq(ck, s_ck, "the restored client-key secret gives the same client key");
    harness_ctl_input(&r, S_HETU "\n", "plan", "--json", NULL);
    cr_assert_eq(r.status, 0, "the client is found from the hetu:\n%s%s", r.out, r.err);
    cr_assert_not_null(strstr(r.out, s_ck), "%s", r.out);
    harness_result_free(&r);
    fixture_publish(s_home, "after",
                    "kela.notice.v1 " S_HETU " kind=immigrant_2m kela_reference=R-2 "
                    "date=2026-05-20\n");
    s_want = 2;
    cr_assert_eq(harness_poll(60000, s_client_has, NULL), 0,
                 "a new event for the same person did not join the restored client");
    unsetenv("SILTA_AUDIT_CHECKPOINT_MS");
}
