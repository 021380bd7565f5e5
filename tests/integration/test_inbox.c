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
 * `siltactl plan --json`. Screenshots: build/test-artifacts/inbox.png and
 * client.png.
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
#include "silta_db.h"
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
    char path[4096], bin[4096];
    snprintf(path, sizeof path, "%s/%s.txt", s_home, name);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs(lines, f);
    fclose(f);
    harness_result_t r;
    harness_runl(&r, 120000, harness_bin_path(bin, sizeof bin, "silta-casestore"), "--publish",
                 path, NULL);
    cr_assert_eq(r.status, 0, "publish failed:\n%s\n%s", r.out, r.err);
    harness_result_free(&r);
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
    harness_local(&r, "up", NULL);
    cr_assert_eq(r.status, 0, "silta-local up failed:\n%s\n%s", r.out, r.err);
    harness_result_free(&r);
    silta_err_t err;
    cr_assert_eq(silta_env_load(&err), 0, "%s", err.msg);
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
    cr_assert_eq(fixture_count("SELECT count(*) FROM hub.journal WHERE type = "
                               "'social.notice_handled.v1' AND source = 'casestore'"),
                 1);
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
    harness_ctl(&r, "plan", "010185-901E", "--json", NULL);
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

/* ------------------------------------------------------------------------ */
/* Closing alerts with their outcome, over HTTP as a browser would (cookies,
 * the CSRF token of the page's forms), without the browser. */

typedef struct {
    int port;
    char session[128]; /* silta_session=... */
    char csrf[80];
} s_web_t;

/* The value after `key` up to the first char of `stop` in text, into out. */
static int s_between(const char *text, const char *key, const char *stop, char *out, size_t len)
{
    const char *p = text ? strstr(text, key) : NULL;
    if (!p)
        return -1;
    p += strlen(key);
    size_t n = strcspn(p, stop);
    if (n >= len)
        return -1;
    memcpy(out, p, n);
    out[n] = '\0';
    return 0;
}

/* One request; cookie "" for none; body NULL for a GET. Returns the status;
 * *reply the whole answer (caller frees). */
static int s_req(const s_web_t *w, const char *method, const char *path, const char *cookie,
                 const char *body, char **reply)
{
    char headers[512];
    snprintf(headers, sizeof headers, "%s%s%s%s", cookie[0] ? "Cookie: " : "", cookie,
             cookie[0] ? "\r\n" : "",
             body ? "Content-Type: application/x-www-form-urlencoded\r\n" : "");
    return harness_http_request(w->port, method, path, headers, body, body ? strlen(body) : 0,
                                reply, 15000);
}

static void s_login(s_web_t *w, const char *user, const char *pass)
{
    char *reply = NULL, login[128], tok[80], body[256];
    w->port = harness_url_port(getenv("SILTA_INBOX_URL"));
    cr_assert_eq(s_req(w, "GET", "/login", "", NULL, &reply), 200);
    cr_assert_eq(s_between(reply, "Set-Cookie: ", ";", login, sizeof login), 0, "%s", reply);
    cr_assert_eq(s_between(reply, "name=\"csrf\" value=\"", "\"", tok, sizeof tok), 0);
    free(reply);
    snprintf(body, sizeof body, "csrf=%s&username=%s&password=%s", tok, user, pass);
    cr_assert_eq(s_req(w, "POST", "/login", login, body, &reply), 303, "%s", reply);
    cr_assert_eq(s_between(reply, "Set-Cookie: ", ";", w->session, sizeof w->session), 0);
    free(reply);
    cr_assert_eq(s_req(w, "GET", "/inbox", w->session, NULL, &reply), 200);
    cr_assert_eq(s_between(reply, "name=\"csrf\" value=\"", "\"", w->csrf, sizeof w->csrf), 0);
    free(reply);
}

/* POST /client/<ck>/<verb> with the session's token; the status, the answer in *reply. */
static int s_post(const s_web_t *w, const char *ck, const char *verb, const char *form,
                  char **reply)
{
    char path[128], body[1024];
    snprintf(path, sizeof path, "/client/%s/%s", ck, verb);
    snprintf(body, sizeof body, "csrf=%s&%s", w->csrf, form);
    return s_req(w, "POST", path, w->session, body, reply);
}

static char *s_client_page(const s_web_t *w, const char *ck)
{
    char path[128], *reply = NULL;
    snprintf(path, sizeof path, "/client/%s", ck);
    cr_assert_eq(s_req(w, "GET", path, w->session, NULL, &reply), 200, "%s", reply);
    return reply;
}

/* The one-value answer of sql, "" for no row (caller frees). */
static char *s_value(const char *sql)
{
    silta_err_t err;
    PGconn *db = silta_db_connect(getenv("SILTA_PG_URL"), &err);
    cr_assert_not_null(db, "%s", err.msg);
    PGresult *res = silta_db_query(db, sql, 0, NULL, &err);
    cr_assert_not_null(res, "%s: %s", sql, err.msg);
    char *v = strdup(PQntuples(res) ? PQgetvalue(res, 0, 0) : "");
    PQclear(res);
    silta_db_close(&db);
    return v;
}

typedef struct {
    const char *hetu, *rule, *outcome, *date;
} s_case_t;

/* The end of silta-casestore's log, for a failing assertion's message. */
static const char *s_log_tail(void)
{
    static char tail[3001];
    char path[4096];
    snprintf(path, sizeof path, "%s/log/silta-casestore.log", s_home);
    char *log = harness_read_file(path);
    size_t n = log ? strlen(log) : 0;
    snprintf(tail, sizeof tail, "%s", log ? log + (n > 3000 ? n - 3000 : 0) : "");
    free(log);
    return tail;
}

static bool s_alerts_open(void *arg)
{
    return fixture_count("SELECT count(*) FROM casestore.alert WHERE status = 'open'") >=
           *(const long *)arg;
}

static bool s_referral_alert(void *arg)
{
    (void)arg;
    return fixture_count("SELECT count(*) FROM casestore.alert WHERE rule = "
                         "'referral_not_acknowledged' AND status = 'open'") == 1;
}

#define S_NOTE "Soitettu asiakkaalle, sovittu jatkosta"

Test(inbox, every_alert_closes_with_the_act_it_asks_for, .timeout = 300)
{
    s_home = harness_home_new();
    cr_assert_not_null(s_home);
    setenv("SILTA_TODAY", "2026-05-13", 1);
    harness_result_t r;
    harness_local(&r, "up", "--no-adapters", NULL);
    cr_assert_eq(r.status, 0, "silta-local up failed:\n%s\n%s", r.out, r.err);
    harness_result_free(&r);
    silta_err_t err;
    cr_assert_eq(silta_env_load(&err), 0, "%s", err.msg);
    harness_local(&r, "restart", "silta-casestore", NULL);
    cr_assert_eq(r.status, 0, "%s\n%s", r.out, r.err);
    harness_result_free(&r);

    /* One client per rule, each alert late or due on Wed 13.5.2026. */
    s_publish("rules",
              "kela.application.v1 070904A904Y benefit=perustoimeentulotuki status=pending "
              "kela_reference=TT-1 complete_date=2026-04-30\n"
              "kela.notice.v1 150372-902S id=f2 kind=forwarded_application kela_reference=K-21 "
              "date=2026-04-30\n"
              "kela.notice.v1 311264Y905C id=m2 kind=meeting_request kela_reference=K-22 "
              "date=2026-04-30\n"
              "kela.decision.v1 190961-909K benefit=sairauspaivaraha status=granted "
              "kela_reference=SV-1 period_start=2025-12-01 period_end=2026-12-31 "
              "sickness_days_used=240 occurred=2026-05-11\n"
              "kela.decision.v1 230590-907B benefit=tyomarkkinatuki status=granted "
              "kela_reference=TM-1 period_start=2026-01-01 period_end=2026-05-20\n"
              "kela.decision.v1 020290-955X benefit=tyomarkkinatuki status=granted "
              "kela_reference=TM-2 period_start=2026-01-01 period_end=2026-05-20\n"
              "employment.statement.v1 040478-9087 statement_id=LA-1 outcome=not_entitled "
              "date=2026-05-12\n"
              "social.consent.v1 280899-910D consent_id=C-910 status=given "
              "purpose=work-incapacity recipients=casestore\n"
              "health.incapacity.v1 280899-910D period_start=2026-05-13 period_end=2026-06-05 "
              "diagnosis_group=F\n"
              "employment.plan.v1 280899-910D plan_id=tyollistymissuunnitelma item_id=TY-1 "
              "title=\"job-search training\" start_date=2026-05-20 due_date=2026-05-29 "
              "status=open\n"
              "employment.registration.v1 051287-912S status=registered date=2025-01-15 "
              "unemployed_since=2025-01-15\n"
              "kela.notice.v1 250688-9090 id=k11 kind=kehotus kela_reference=K-11 "
              "date=2026-05-04 reduction_reason=primary_benefit_not_applied\n"
              "kela.notice.v1 120345-9060 id=n10 kind=need_for_social_work kela_reference=K-10 "
              "date=2026-04-30\n");
    long want = 12;
    cr_assert_eq(harness_poll(60000, s_alerts_open, &want), 0, "alerts never opened: %ld",
                 fixture_count("SELECT count(*) FROM casestore.alert"));

    s_logins_t l;
    s_read_logins(&l);
    s_web_t fi = {0}, sv = {0};
    s_login(&fi, l.user[0], l.pass[0]);
    s_login(&sv, l.user_sv, l.pass_sv);

    static const s_case_t cases[] = {
        {"070904A904Y", "basic_assistance_decision_late", "kela_contacted", ""},
        {"150372-902S", "notice_not_handled", "application_granted", "2026-05-13"},
        {"311264Y905C", "notice_not_handled", "meeting_booked", "2026-05-15"},
        {"190961-909K", "sickness_allowance_running_out", "rehabilitation_guided", ""},
        {"230590-907B", "benefit_ends_no_successor", "basic_assistance_guided", ""},
        {"040478-9087", "not_entitled_income_gap", "basic_assistance_checked", ""},
        {"280899-910D", "activation_during_incapacity", "employment_contacted", ""},
        {"051287-912S", "joint_service_assessment_due", "employment_contacted", ""},
        {"250688-9090", "reduction_threatened", "client_helped", ""},
    };
    char sql[1024], form[512], ck[SILTA_CLIENTKEY_LEN + 1];
    char *reply = NULL;

    /* Bad input first: refused with a reason in the user's language, nothing changed. */
    fixture_client_key("250688-9090", ck);
    snprintf(sql, sizeof sql,
             "SELECT alert_id FROM casestore.alert WHERE client_key = '%s' AND rule = "
             "'reduction_threatened'",
             ck);
    char *k11 = s_value(sql);
    snprintf(form, sizeof form, "alert=%s&outcome=kela_contacted", k11);
    cr_assert_eq(s_post(&fi, ck, "close", form, &reply), 400, "%s", reply);
    cr_assert(strstr(reply, "tulos puuttuu tai ei sovi tähän hälytykseen"), "%s", reply);
    free(reply);
    cr_assert_eq(s_post(&sv, ck, "close", form, &reply), 400, "%s", reply);
    cr_assert(strstr(reply, "resultatet saknas eller passar inte detta larm"), "%s", reply);
    free(reply);
    snprintf(form, sizeof form, "alert=%s&outcome=no_longer_actionable", k11);
    cr_assert_eq(s_post(&fi, ck, "close", form, &reply), 400, "not a caseworker's outcome");
    free(reply);
    fixture_client_key("311264Y905C", ck);
    snprintf(sql, sizeof sql,
             "SELECT alert_id FROM casestore.alert WHERE client_key = '%s' AND rule = "
             "'notice_not_handled'",
             ck);
    char *m2 = s_value(sql);
    snprintf(form, sizeof form, "alert=%s&outcome=meeting_booked", m2);
    cr_assert_eq(s_post(&fi, ck, "close", form, &reply), 400);
    cr_assert(strstr(reply, "tälle tulokselle tarvitaan päivä"), "%s", reply);
    free(reply);
    snprintf(form, sizeof form, "alert=%s&outcome=meeting_booked&date=13.5.2026", m2);
    cr_assert_eq(s_post(&sv, ck, "close", form, &reply), 400);
    cr_assert(strstr(reply, "dagen är inte ett datum"), "%s", reply);
    free(reply);
    /* Another team's caseworker cannot close it (the client is not theirs). */
    s_web_t other = {0};
    s_login(&other, l.user[1], l.pass[1]);
    snprintf(form, sizeof form, "alert=%s&outcome=meeting_booked&date=2026-05-15", m2);
    cr_assert_eq(s_post(&other, ck, "close", form, &reply), 403);
    free(reply);
    /* A wrong CSRF token: refused. */
    s_web_t forged = fi;
    snprintf(forged.csrf, sizeof forged.csrf, "00");
    cr_assert_eq(s_post(&forged, ck, "close", form, &reply), 403);
    free(reply);
    cr_assert_eq(fixture_count("SELECT count(*) FROM casestore.alert WHERE status = 'closed'"), 0,
                 "a refused close changed something");
    free(k11);
    free(m2);

    /* Each act: the alert closed with its outcome, by whom, logged, published. */
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const s_case_t *c = &cases[i];
        const s_web_t *w = i % 2 ? &sv : &fi;
        const char *who = i % 2 ? l.user_sv : l.user[0];
        fixture_client_key(c->hetu, ck);
        snprintf(sql, sizeof sql,
                 "SELECT alert_id FROM casestore.alert WHERE client_key = '%s' AND rule = '%s' "
                 "AND status = 'open'",
                 ck, c->rule);
        char *id = s_value(sql);
        cr_assert(id[0], "no open %s alert", c->rule);
        snprintf(form, sizeof form, "alert=%s&outcome=%s&date=%s&note=%s", id, c->outcome,
                 c->date, i == 0 ? "Soitettu+asiakkaalle%2C+sovittu+jatkosta" : "");
        int st = s_post(w, ck, "close", form, &reply);
        cr_assert_eq(st, 303, "%s: %d\n%s", c->rule, st, s_log_tail());
        cr_assert(strstr(reply, "ok=suljettu"), "%s", reply);
        free(reply);
        snprintf(sql, sizeof sql,
                 "SELECT count(*) FROM casestore.alert WHERE alert_id = '%s' AND status = "
                 "'closed' AND outcome = '%s' AND closed_by = '%s' AND coalesce(outcome_date::text, "
                 "'') = '%s'",
                 id, c->outcome, who, c->date);
        cr_assert_eq(fixture_count(sql), 1, "%s not closed with %s", c->rule, c->outcome);
        snprintf(sql, sizeof sql,
                 "SELECT count(*) FROM casestore.inbox_access WHERE username = '%s' AND action "
                 "= 'close_alert' AND outcome = 'ok' AND client_key = '%s' AND object_id = '%s'",
                 who, ck, id);
        cr_assert_eq(fixture_count(sql), 1, "%s: no access-log row", c->rule);
        snprintf(sql, sizeof sql,
                 "SELECT count(*) FROM casestore.outbox WHERE type = 'hub.gap_alert.v1' AND "
                 "client_key = '%s'",
                 ck);
        cr_assert_geq(fixture_count(sql), 2, "%s: open and closed published", c->rule);
        /* The same form again: already done, nothing changed. */
        cr_assert_eq(s_post(w, ck, "close", form, &reply), 303);
        cr_assert(strstr(reply, "ok=jo_tehty"), "%s", reply);
        free(reply);
        free(id);
    }
    cr_assert_eq(fixture_count("SELECT count(*) FROM casestore.alert WHERE outcome_note = "
                               "'" S_NOTE "'"),
                 1, "the note is stored");

    /* The timeline shows the outcome, in each user's language. */
    fixture_client_key("311264Y905C", ck);
    char *page = s_client_page(&fi, ck);
    cr_assert(strstr(page, "Hälytys suljettu: Kelan ilmoitus käsittelemättä – <span "
                           "class=\"outcome\">Tapaaminen sovittu</span> 15.5.2026"),
              "%s", page);
    free(page);
    page = s_client_page(&sv, ck);
    cr_assert(strstr(page, "Larmet stängt") && strstr(page, "Möte bokat"), "%s", page);
    free(page);

    /* Rule 10 for a Kela notice: starting the assessment closes it. */
    fixture_client_key("120345-9060", ck);
    char *notice = s_value("SELECT event_id FROM casestore.notice WHERE kela_reference = 'K-10'");
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM casestore.alert WHERE client_key = '%s' AND rule = "
             "'service_need_assessment_late' AND status = 'open'",
             ck);
    cr_assert_eq(fixture_count(sql), 1);
    snprintf(form, sizeof form, "notice=%s", notice);
    cr_assert_eq(s_post(&fi, ck, "assess", form, &reply), 303, "%s", s_log_tail());
    free(reply);
    cr_assert_eq(fixture_count(sql), 0, "the assessment started: rule 10 closed");
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM casestore.assessment WHERE client_key = '%s' AND "
             "notice_event_id = '%s' AND started = '2026-05-13'",
             ck, notice);
    cr_assert_eq(fixture_count(sql), 1);
    free(notice);

    /* The next day's sweep finds the same occurrences: none reopens. A new
     * referral's alert (due 13.5) shows the sweep ran. */
    s_publish("referral", "health.referral.v1 010185-901E referral_id=R-1 priority=routine "
                          "authored=2026-05-08 requester_org=HUS\n");
    setenv("SILTA_TODAY", "2026-05-14", 1);
    harness_local(&r, "restart", "silta-casestore", NULL);
    cr_assert_eq(r.status, 0, "%s\n%s", r.out, r.err);
    harness_result_free(&r);
    cr_assert_eq(harness_poll(30000, s_referral_alert, NULL), 0, "the sweep did not run");
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        fixture_client_key(cases[i].hetu, ck);
        snprintf(sql, sizeof sql,
                 "SELECT count(*) FROM casestore.alert WHERE client_key = '%s' AND rule = '%s' "
                 "AND status = 'open'",
                 ck, cases[i].rule);
        cr_assert_eq(fixture_count(sql), 0, "%s reopened", cases[i].rule);
    }

    /* Rule 5 gives up 20 working days after the end (20.5 -> 17.6): its alert
     * closes with "no longer actionable", by Silta, not by a caseworker. */
    setenv("SILTA_TODAY", "2026-06-18", 1);
    harness_local(&r, "restart", "silta-casestore", NULL);
    cr_assert_eq(r.status, 0, "%s\n%s", r.out, r.err);
    harness_result_free(&r);
    fixture_client_key("020290-955X", ck);
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM casestore.alert WHERE client_key = '%s' AND rule = "
             "'benefit_ends_no_successor' AND status = 'closed' AND outcome = "
             "'no_longer_actionable' AND closed_by = 'silta'",
             ck);
    cr_assert_eq(fixture_count(sql), 1);

    /* Never the note, never a hetu in a log line. */
    char path[4096];
    snprintf(path, sizeof path, "%s/log/silta-casestore.log", s_home);
    cr_assert(!harness_file_contains(path, "Soitettu asiakkaalle"), "the note in %s", path);
    cr_assert(!harness_file_contains(path, "250688-9090"), "a hetu in %s", path);
    unsetenv("SILTA_TODAY");
    harness_home_destroy(&s_home);
}
