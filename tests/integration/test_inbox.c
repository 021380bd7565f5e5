/* test_inbox.c - the caseworker inbox end to end, in a real browser.
 *
 * `ops/silta-local up` (hub, adapters, silta-casestore with the inbox, the
 * demo accounts), a FHIR referral POSTed to silta-health, a late Kela notice
 * for the same client (`silta-casestore --publish`), a third caseworker, then
 * tests/browser/inbox.mjs drives headless Chromium (playwright-core,
 * /usr/bin/chromium): log in, see the referral in Saapuneet, forged POSTs
 * without / with a wrong CSRF token refused 403, Kuittaa; a caseworker of
 * another team gets 403 on the client page; the notice marked handled, the
 * responsible worker assigned, a plan item added and completed. Here we check
 * what that caused:
 * a FHIR Task "accepted" in $SILTA_HEALTH_OUTBOX (the hub routed the
 * inbox's social.referral_status.v1 to health), the access log, and no hetu
 * or password in any log; the notice's alert closed and one
 * social.notice_handled.v1 journaled; the plan item's two versions, the plan's
 * version up, every social.plan.v1 in hub.journal and the item done in
 * `siltactl plan --json`; two alerts closed with an outcome in the browser
 * (a kehotus in Finnish, a meeting request with its day in Swedish) and their
 * notices answered. Screenshots: build/test-artifacts/inbox.png, client.png,
 * client-closed*.png. Every other act: test_inbox_acts.c.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "fixture.h"
#include "harness.h"
#include "silta_env.h"

static char *s_home;

static void s_fini(void)
{
    harness_home_destroy(&s_home);
}
TestSuite(inbox, .fini = s_fini);

/* The demo logins: two Finnish-speaking caseworkers (the first two lines) and
 * the Swedish-speaking one (LANG sv). */
typedef struct {
    char user[2][48], pass[2][48];
    char user_sv[48], pass_sv[48];
} s_logins_t;

static void s_read_logins(s_logins_t *l)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/inbox-demo-logins.txt", s_home);
    struct stat st;
    cr_assert_eq(stat(path, &st), 0, "no %s", path);
    cr_assert_eq(st.st_mode & 0777, 0600, "%s is not 0600", path);
    FILE *f = fopen(path, "r");
    cr_assert_not_null(f);
    char line[256];
    int n = 0;
    l->user_sv[0] = '\0';
    while (fgets(line, sizeof line, f)) {
        char user[48], pass[48], team[48], lang[8] = "fi";
        if (line[0] == '#' || sscanf(line, "%47s %47s %47s %7s", user, pass, team, lang) < 3)
            continue;
        if (strcmp(lang, "sv") == 0 && !l->user_sv[0]) {
            snprintf(l->user_sv, sizeof l->user_sv, "%s", user);
            snprintf(l->pass_sv, sizeof l->pass_sv, "%s", pass);
        } else if (strcmp(lang, "fi") == 0 && n < 2) {
            snprintf(l->user[n], sizeof l->user[n], "%s", user);
            snprintf(l->pass[n], sizeof l->pass[n], "%s", pass);
            n++;
        }
    }
    fclose(f);
    cr_assert_eq(n, 2, "two Finnish-speaking demo logins expected in %s", path);
    cr_assert(l->user_sv[0], "no Swedish-speaking demo login (LANG sv) in %s", path);
}

static bool s_referral_applied(void *arg)
{
    (void)arg;
    return fixture_count("SELECT count(*) FROM casestore.referral WHERE referral_id = "
                         "'sr-r4-0001'") == 1;
}

#define S_STATEMENT                                                                            \
    "Asiakas on hakenut ensisijaisen etuuden.\nTapaaminen sovittu <ensi viikolla> & seurataan."
#define S_USER3 "sosiaalityo3"
#define S_PASS3 "kolmas-tyontekija-salasana"
#define S_TITLE "Asuntoasia: soita vuokranantajalle"
#define S_SQL_VERSION                                                                          \
    "SELECT coalesce(max(p.version), 0) FROM casestore.plan p JOIN casestore.referral r ON "     \
    "r.client_key = p.client_key WHERE r.referral_id = 'sr-r4-0001'"

/* The client of the notice K-9 (in SQL). */
#define S_K9 "client_key = (SELECT client_key FROM casestore.notice WHERE kela_reference = 'K-9')"

static bool s_notice_applied(void *arg)
{
    (void)arg;
    return fixture_count("SELECT count(*) FROM casestore.notice WHERE kela_reference IN ('K-9', "
                         "'K-8', 'K-7', 'K-6')") == 4;
}

/* The hub has journaled an event of type arg from the case store. */
static bool s_journaled(void *arg)
{
    char sql[256];
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM hub.journal WHERE source = 'casestore' AND type = '%s'",
             (const char *)arg);
    return fixture_count(sql) >= 1;
}

/* Every social.plan.v1 in the case store's outbox is in hub.journal. */
static bool s_plans_journaled(void *arg)
{
    (void)arg;
    return fixture_count("SELECT count(*) FROM casestore.outbox o WHERE o.type = "
                         "'social.plan.v1' AND NOT EXISTS (SELECT 1 FROM hub.journal j WHERE "
                         "j.event_id = o.event_id::uuid)") == 0 &&
           fixture_count("SELECT count(*) FROM hub.journal WHERE type = 'social.plan.v1'") > 0;
}

/* Write lines to $SILTA_HOME/NAME.txt and `silta-casestore --publish` it. */
static void s_publish(const char *name, const char *lines)
{
    fixture_publish(s_home, name, lines);
}

/* A statement-*.xml in Kela's outbox on reference K-8 (path into arg). */
static bool s_statement_written(void *arg)
{
    char *found = arg;
    const char *dir = getenv("SILTA_KELA_OUTBOX");
    DIR *d = dir ? opendir(dir) : NULL;
    if (!d)
        return false;
    struct dirent *e;
    bool ok = false;
    while (!ok && (e = readdir(d))) {
        if (strncmp(e->d_name, "statement-", 10) != 0)
            continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        ok = harness_file_contains(path, "K-8");
        if (ok)
            snprintf(found, 4096, "%s", path);
    }
    closedir(d);
    return ok;
}

/* A task-*.xml in the health outbox that accepts referral sr-r4-0001. */
static bool s_task_written(void *arg)
{
    char *found = arg;
    const char *dir = getenv("SILTA_HEALTH_OUTBOX");
    DIR *d = dir ? opendir(dir) : NULL;
    if (!d)
        return false;
    struct dirent *e;
    bool ok = false;
    while (!ok && (e = readdir(d))) {
        if (strncmp(e->d_name, "task-", 5) != 0)
            continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        ok = harness_file_contains(path, "<reference value=\"ServiceRequest/sr-r4-0001\"/>") &&
             harness_file_contains(path, "<status value=\"accepted\"/>");
        if (ok)
            snprintf(found, 4096, "%s", path);
    }
    closedir(d);
    return ok;
}

Test(inbox, a_caseworker_acknowledges_a_referral_in_the_browser, .timeout = 300)
{
    char script[4096], mods[4096];
    snprintf(script, sizeof script, "%s/tests/browser/inbox.mjs", harness_src());
    snprintf(mods, sizeof mods, "%s/tests/browser/node_modules/playwright-core", harness_src());
    struct stat st;
    cr_assert_eq(stat(mods, &st), 0, "playwright-core missing: run ops/install-deps.sh");
    cr_assert_eq(stat("/usr/bin/chromium", &st), 0, "chromium missing: run ops/install-deps.sh");

    s_home = harness_home_new();
    cr_assert_not_null(s_home);
    unsetenv("SILTA_TODAY");
    harness_result_t r;
    fixture_deploy(1);
    char *inbox_url = harness_env_get(s_home, "SILTA_INBOX_URL");
    cr_assert_not_null(inbox_url, "no SILTA_INBOX_URL in the env file");

    /* Seed: a referral from health care, over FHIR HTTP like a hospital would. */
    char fhir[4096], url[512];
    snprintf(fhir, sizeof fhir, "%s/tests/fixtures/fhir/silta-r4-identifier.xml", harness_src());
    char *doc = harness_read_file(fhir), *reply = NULL;
    cr_assert_not_null(doc);
    snprintf(url, sizeof url, "%s/fhir/ServiceRequest", getenv("SILTA_HEALTH_URL"));
    int st_post = harness_http("POST", url, "application/fhir+xml", doc, &reply, 30000);
    cr_assert_eq(st_post, 201, "referral not accepted: %s", reply ? reply : "");
    free(doc);
    free(reply);
    cr_assert_eq(harness_poll(30000, s_referral_applied, NULL), 0, "referral never applied");

    /* A Kela notice for the same client, 20 days old (late: an alert), and a
     * third caseworker in USER1's team to assign. */
    s_publish("notice", "kela.notice.v1 010185-901E id=n1 kind=need_for_social_work "
                        "kela_reference=K-9 date=today-20\n"
                        "kela.notice.v1 020290-955X id=n2 kind=basic_amount_reduction "
                        "kela_reference=K-8 date=today-20 reduction_percent=20\n"
                        "kela.notice.v1 250688-9090 id=n3 kind=kehotus kela_reference=K-7 "
                        "date=today-3 reduction_reason=primary_benefit_not_applied\n"
                        "kela.notice.v1 311264Y905C id=n4 kind=meeting_request "
                        "kela_reference=K-6 date=today-20\n");
    cr_assert_eq(harness_poll(30000, s_notice_applied, NULL), 0, "notice never applied");
    char bin[4096], cmd[8192];
    snprintf(cmd, sizeof cmd, "printf '%%s\\n' '%s' | '%s' --add-user %s aikuissosiaalityo",
             S_PASS3, harness_bin_path(bin, sizeof bin, "silta-casestore"), S_USER3);
    harness_runl(&r, 60000, "/bin/sh", "-c", cmd, NULL);
    cr_assert_eq(r.status, 0, "--add-user failed:\n%s\n%s", r.out, r.err);
    harness_result_free(&r);
    long version0 = fixture_count(S_SQL_VERSION);

    /* Without a session a POST is refused and a page redirects to the login. */
    snprintf(url, sizeof url, "http://%s/client/ck_00000000000000000000000000000000/ack",
             getenv("SILTA_INBOX_BIND"));
    reply = NULL;
    cr_assert_eq(harness_http("POST", url, "application/x-www-form-urlencoded",
                              "referral_id=sr-r4-0001", &reply, 10000),
                 403);
    free(reply);
    snprintf(url, sizeof url, "http://%s/find", getenv("SILTA_INBOX_BIND"));
    reply = NULL;
    cr_assert_eq(harness_http("POST", url, "application/x-www-form-urlencoded",
                              "hetu=010185-901E", &reply, 10000),
                 403, "a search without a session was not refused");
    free(reply);

    /* The browser. */
    s_logins_t l;
    s_read_logins(&l);
    char shots[4096];
    snprintf(shots, sizeof shots, "%s/build/test-artifacts", harness_src());
    setenv("INBOX_URL", inbox_url, 1);
    setenv("USER1", l.user[0], 1);
    setenv("PASS1", l.pass[0], 1);
    setenv("USER2", l.user[1], 1);
    setenv("PASS2", l.pass[1], 1);
    setenv("USER3", S_USER3, 1);
    setenv("USER_SV", l.user_sv, 1);
    setenv("PASS_SV", l.pass_sv, 1);
    setenv("REFERRAL_ID", "sr-r4-0001", 1);
    setenv("HETU_MASKED", "010185-****", 1);
    setenv("HETU", "010185-901E", 1);
    setenv("HETU_UNKNOWN", "010185-902F", 1);
    setenv("STATEMENT_TEXT", S_STATEMENT, 1);
    setenv("SCREENSHOT_DIR", shots, 1);
    /* Step 12: the clients whose alerts are closed with an outcome, the meeting's day. */
    char ck7[SILTA_CLIENTKEY_LEN + 1], ck6[SILTA_CLIENTKEY_LEN + 1], day[16];
    setenv("CK_KEHOTUS", fixture_client_key("250688-9090", ck7), 1);
    setenv("CK_MEETING", fixture_client_key("311264Y905C", ck6), 1);
    time_t later = time(NULL) + 2 * 86400;
    struct tm tm;
    localtime_r(&later, &tm);
    strftime(day, sizeof day, "%Y-%m-%d", &tm);
    setenv("MEETING_DAY", day, 1);
    harness_runl(&r, 180000, "/usr/bin/env", "node", script, NULL);
    cr_assert_eq(r.status, 0, "inbox.mjs failed:\n%s\n%s", r.out, r.err);
    cr_assert(strstr(r.out, "\"ok\":true") != NULL, "%s", r.out);
    harness_result_free(&r);

    /* Kuittaa -> social.referral_status.v1 -> hub -> silta-health -> FHIR Task. */
    static char task[4096];
    cr_assert_eq(harness_poll(30000, s_task_written, task), 0,
                 "no accepted FHIR Task for sr-r4-0001 in $SILTA_HEALTH_OUTBOX");
    cr_assert_eq(fixture_count("SELECT count(*) FROM casestore.referral WHERE referral_id = "
                               "'sr-r4-0001' AND status = 'accepted' AND acknowledged IS NOT NULL"),
                 1);

    /* Who did what: the view, the refused forgeries, the action, the denial. */
    char sql[512];
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM casestore.inbox_access WHERE username = '%s' AND action = "
             "'view_client' AND outcome = 'ok'",
             l.user[0]);
    cr_assert_geq(fixture_count(sql), 1);
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM casestore.inbox_access WHERE username = '%s' AND action = "
             "'csrf' AND outcome = 'refused'",
             l.user[0]);
    cr_assert_eq(fixture_count(sql), 3, "two forged Kuittaa and a search without the token");
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM casestore.inbox_access WHERE username = '%s' AND action = "
             "'ack_referral' AND outcome = 'ok' AND object_id = 'sr-r4-0001'",
             l.user[0]);
    cr_assert_eq(fixture_count(sql), 1);
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM casestore.inbox_access WHERE username = '%s' AND action = "
             "'view_client' AND outcome = 'denied'",
             l.user[1]);
    cr_assert_eq(fixture_count(sql), 1);
    /* The statement (lausunto): social.statement.v1 once through the hub to
     * silta-kela, which wrote it to Kela's outbox with the hetu, the reference,
     * the worker and the text (escaped). */
    static char stfile[4096];
    cr_assert_eq(harness_poll(60000, s_statement_written, stfile), 0,
                 "no statement on K-8 in $SILTA_KELA_OUTBOX");
    char *stxml = harness_read_file(stfile);
    cr_assert_not_null(stxml);
    cr_assert(strstr(stxml, "<kela-statement xmlns=\"urn:silta:kela:1\">") != NULL, "%s", stxml);
    cr_assert(strstr(stxml, "<hetu>020290-955X</hetu>") != NULL, "%s", stxml);
    cr_assert(strstr(stxml, "Tapaaminen sovittu &lt;ensi viikolla&gt; &amp; seurataan.") != NULL,
              "%s", stxml);
    snprintf(sql, sizeof sql, "<worker>%s</worker>", l.user[0]);
    cr_assert(strstr(stxml, sql) != NULL, "%s", stxml);
    free(stxml);
    cr_assert_eq(fixture_count("SELECT count(*) FROM hub.journal WHERE type = "
                               "'social.statement.v1' AND source = 'casestore'"),
                 1);
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM casestore.inbox_access WHERE username = '%s' AND action = "
             "'statement' AND outcome = 'ok' AND object_id = (SELECT event_id::text FROM "
             "casestore.notice WHERE kela_reference = 'K-8')",
             l.user[0]);
    cr_assert_eq(fixture_count(sql), 2, "the statement and its resend");

    /* The searches by hetu: found, unknown, a wrong check character (USER1),
     * another team's client (USER2), each a 'lookup' row; never a hetu in it. */
    char ck[SILTA_CLIENTKEY_LEN + 1];
    fixture_client_key("010185-901E", ck);
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM casestore.inbox_access WHERE username = '%s' AND action = "
             "'lookup' AND outcome = 'ok' AND object_id = 'found' AND client_key = '%s'",
             l.user[0], ck);
    cr_assert_eq(fixture_count(sql), 2, "two searches found the client");
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM casestore.inbox_access WHERE username = '%s' AND action = "
             "'lookup' AND outcome = 'ok' AND object_id = 'not_found'",
             l.user[0]);
    cr_assert_eq(fixture_count(sql), 1);
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM casestore.inbox_access WHERE username = '%s' AND action = "
             "'lookup' AND outcome = 'refused' AND client_key IS NULL",
             l.user[0]);
    cr_assert_eq(fixture_count(sql), 1);
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM casestore.inbox_access WHERE username = '%s' AND action = "
             "'lookup' AND outcome = 'denied' AND client_key = '%s'",
             l.user[1], ck);
    cr_assert_eq(fixture_count(sql), 1);
    cr_assert_eq(fixture_count("SELECT count(*) FROM casestore.inbox_access WHERE "
                               "concat(object_id, client_key) ~* '010185'"),
                 0, "a hetu in the access log");

    /* One acknowledgement went out, once. */
    cr_assert_eq(fixture_count("SELECT count(*) FROM hub.journal WHERE type = "
                               "'social.referral_status.v1' AND source = 'casestore'"),
                 1);

    /* The notice handled once: its alert closed, one social.notice_handled.v1. */
    cr_assert_eq(fixture_count("SELECT count(*) FROM casestore.notice WHERE kela_reference = "
                               "'K-9' AND handled_date IS NOT NULL"),
                 1);
    cr_assert_eq(fixture_count("SELECT count(*) FROM casestore.alert WHERE rule = "
                               "'notice_not_handled' AND status = 'open' AND " S_K9),
                 0);
    cr_assert_eq(fixture_count("SELECT count(*) FROM casestore.alert WHERE rule = "
                               "'notice_not_handled' AND status = 'closed' AND " S_K9),
                 1);
    cr_assert_eq(harness_poll(30000, s_journaled, "social.notice_handled.v1"), 0,
                 "social.notice_handled.v1 never reached the hub");
    /* K-9 by its button; K-7 (kehotus) and K-6 (meeting request) by their alerts'
     * outcomes in step 12, which answer the notice too. */
    cr_assert_eq(fixture_count("SELECT count(*) FROM hub.journal WHERE type = "
                               "'social.notice_handled.v1' AND source = 'casestore'"),
                 3);
    /* The responsible worker. */
    cr_assert_eq(fixture_count("SELECT count(*) FROM casestore.client WHERE responsible_worker "
                               "= '" S_USER3 "'"),
                 1);
    /* The plan item: added and completed once, two version rows, the plan's
     * version up (handled, assign, add, done), every version journaled. */
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM casestore.plan_manual WHERE status = 'done' AND created_by = "
             "'%s' AND done_by = '%s' AND responsible = 'team:aikuissosiaalityo'",
             l.user[0], l.user[0]);
    cr_assert_eq(fixture_count(sql), 1);
    cr_assert_eq(fixture_count("SELECT count(*) FROM casestore.plan_item WHERE item_id LIKE "
                               "'manual:%' AND title = '" S_TITLE "'"),
                 2, "open and done: two versions");
    long version1 = fixture_count(S_SQL_VERSION);
    cr_assert_geq(version1, version0 + 4, "plan version %ld -> %ld", version0, version1);
    cr_assert_eq(harness_poll(30000, s_plans_journaled, NULL), 0,
                 "not every social.plan.v1 reached hub.journal");
    harness_ctl_input(&r, "010185-901E\n", "plan", "--json", NULL);
    cr_assert_eq(r.status, 0, "siltactl plan failed:\n%s\n%s", r.out, r.err);
    char *item = strstr(r.out, S_TITLE);
    cr_assert_not_null(item, "no plan item in siltactl plan --json:\n%s", r.out);
    char *end = strchr(item, '}');
    cr_assert_not_null(end);
    *end = '\0';
    cr_assert(strstr(item, "\"done\"") != NULL, "the item is not done: %s", item);
    harness_result_free(&r);

    /* Step 12: the two alerts closed with what was done, by whom. */
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM casestore.alert WHERE client_key = '%s' AND rule = "
             "'reduction_threatened' AND status = 'closed' AND outcome = 'client_helped' AND "
             "closed_by = '%s' AND outcome_note = 'Puhelu 10 min'",
             ck7, l.user[0]);
    cr_assert_eq(fixture_count(sql), 1);
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM casestore.alert WHERE client_key = '%s' AND rule = "
             "'notice_not_handled' AND status = 'closed' AND outcome = 'meeting_booked' AND "
             "closed_by = '%s' AND outcome_date = '%s'",
             ck6, l.user_sv, day);
    cr_assert_eq(fixture_count(sql), 1);

    /* No hetu and no password in any log line. */
    const char *logs[] = {"silta-casestore", "silta-hub", "silta-health"};
    for (size_t i = 0; i < 3; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/log/%s.log", s_home, logs[i]);
        cr_assert(!harness_file_contains(path, "010185-901E"), "a hetu in %s", path);
        cr_assert(!harness_file_contains(path, "020290-955X"), "a hetu in %s", path);
        cr_assert(!harness_file_contains(path, "Tapaaminen sovittu"), "a statement in %s", path);
        cr_assert(!harness_file_contains(path, "Puhelu 10 min"), "an outcome's note in %s", path);
        cr_assert(!harness_file_contains(path, l.pass[0]), "a password in %s", path);
    }
    free(inbox_url);
    harness_home_destroy(&s_home);
}
