/* test_client_plan.c - issue 15 item 1, end to end: one client walked through
 * referral -> service-need assessment -> client plan -> review, through the
 * real adapters, hub and case store (`ops/silta-local up`).
 *
 * Health care's FHIR ServiceRequest (silta-health over HTTP) opens the case;
 * the caseworker, over HTTP as a browser would (the session cookie, the
 * forms' CSRF token), starts the assessment and completes it with its need
 * areas (SHL 36 §, 11 §), makes the client plan with goals in the client's
 * own words, each agency's actions, the omatyöntekijä (SHL 42 §), the GAS
 * scores and a measure (SHL 39 §); the plan is stored, published, and reaches
 * employment services (the consenting agency) as a file from silta-employment
 * that names the omatyöntekijä. With the case store's clock (SILTA_TODAY)
 * past the review date, rule 12 opens client_plan_review_due; the review with
 * new scores closes it and the page shows the scores of both days. Bad input
 * is refused 400 with a reason (Finnish and Swedish), nothing changes; every
 * action is in the access log; no hetu or goal text in a log line.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"
#include "harness.h"

#define S_HETU "010185-901E"
#define S_GOAL1 "Haluan oman asunnon" /* the client's own words (ASCII in the form below) */

static char *s_home;

static void s_fini(void)
{
    unsetenv("SILTA_TODAY");
    harness_home_destroy(&s_home);
}
TestSuite(client_plan, .fini = s_fini);

typedef struct {
    int port;
    char session[128];
    char csrf[80];
} s_web_t;

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

/* The first demo login of language lang ("fi" | "sv") from inbox-demo-logins.txt. */
static void s_login(s_web_t *w, const char *lang)
{
    char path[4096], line[256], user[48] = "", pass[48] = "";
    snprintf(path, sizeof path, "%s/inbox-demo-logins.txt", s_home);
    FILE *f = fopen(path, "r");
    cr_assert_not_null(f, "no %s", path);
    while (!user[0] && fgets(line, sizeof line, f)) {
        char u[48], p[48], team[48], l[8] = "fi";
        if (line[0] != '#' && sscanf(line, "%47s %47s %47s %7s", u, p, team, l) >= 3 &&
            strcmp(l, lang) == 0) {
            snprintf(user, sizeof user, "%s", u);
            snprintf(pass, sizeof pass, "%s", p);
        }
    }
    fclose(f);
    cr_assert(user[0], "no %s login in %s", lang, path);
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

static int s_post(const s_web_t *w, const char *ck, const char *verb, const char *form,
                  char **reply)
{
    char path[128], body[4096];
    snprintf(path, sizeof path, "/client/%s/%s", ck, verb);
    snprintf(body, sizeof body, "csrf=%s&%s", w->csrf, form);
    return s_req(w, "POST", path, w->session, body, reply);
}

/* The end of silta-casestore's log, for a failing assertion's message. */
static const char *s_log_tail(void)
{
    static char tail[2001];
    char path[4096];
    snprintf(path, sizeof path, "%s/log/silta-casestore.log", s_home);
    char *log = harness_read_file(path);
    size_t n = log ? strlen(log) : 0;
    snprintf(tail, sizeof tail, "%s", log ? log + (n > 2000 ? n - 2000 : 0) : "");
    free(log);
    return tail;
}

/* POST expecting status; the reply must contain want (when given). */
static void s_expect(const s_web_t *w, const char *ck, const char *verb, const char *form,
                     int status, const char *want)
{
    char *reply = NULL;
    int st = s_post(w, ck, verb, form, &reply);
    cr_assert_eq(st, status, "%s %s: %d\n%.300s\n%s", verb, form, st, reply ? reply : "",
                 s_log_tail());
    if (want)
        cr_assert(reply && strstr(reply, want), "%s: no '%s' in\n%s", verb, want, reply);
    free(reply);
}

static char *s_page(const s_web_t *w, const char *ck)
{
    char path[128], *reply = NULL;
    snprintf(path, sizeof path, "/client/%s", ck);
    cr_assert_eq(s_req(w, "GET", path, w->session, NULL, &reply), 200, "%s", reply);
    return reply;
}

static bool s_referral_applied(void *arg)
{
    (void)arg;
    return fixture_count("SELECT count(*) FROM casestore.referral WHERE referral_id = "
                         "'sr-r4-0001'") == 1;
}

static bool s_consent_known(void *arg)
{
    (void)arg;
    return fixture_count("SELECT count(*) FROM hub.consent WHERE consent_id = 'C-cp' AND "
                         "status = 'given'") == 1;
}

/* A client-plan-*.xml in employment services' outbox holding arg (a text). */
static bool s_plan_file(void *arg)
{
    const char *dir = getenv("SILTA_EMPLOYMENT_OUTBOX");
    DIR *d = dir ? opendir(dir) : NULL;
    if (!d)
        return false;
    struct dirent *e;
    bool ok = false;
    while (!ok && (e = readdir(d))) {
        if (strncmp(e->d_name, "client-plan-", 12) != 0)
            continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        ok = harness_file_contains(path, arg);
    }
    closedir(d);
    return ok;
}

static bool s_count_is(void *arg)
{
    const char *sql = arg;
    return fixture_count(sql) == 1;
}

static void s_today(const char *day)
{
    harness_result_t r;
    setenv("SILTA_TODAY", day, 1);
    harness_local(&r, "restart", "silta-casestore", NULL);
    cr_assert_eq(r.status, 0, "%s\n%s", r.out, r.err);
    harness_result_free(&r);
}

Test(client_plan, referral_assessment_plan_and_review_end_to_end, .timeout = 300)
{
    s_home = harness_home_new();
    cr_assert_not_null(s_home);
    setenv("SILTA_TODAY", "2026-05-13", 1);
    fixture_deploy(1);

    /* Health care's referral over FHIR HTTP, as a hospital would send it. */
    char fhir[4096], url[512], *reply = NULL;
    snprintf(fhir, sizeof fhir, "%s/tests/fixtures/fhir/silta-r4-identifier.xml", harness_src());
    char *doc = harness_read_file(fhir);
    cr_assert_not_null(doc);
    snprintf(url, sizeof url, "%s/fhir/ServiceRequest", getenv("SILTA_HEALTH_URL"));
    cr_assert_eq(harness_http("POST", url, "application/fhir+xml", doc, &reply, 30000), 201,
                 "referral not accepted: %s", reply ? reply : "");
    free(doc);
    free(reply);
    cr_assert_eq(harness_poll(30000, s_referral_applied, NULL), 0, "referral never applied");
    /* The client's consent to share the coordinated plan with employment services. */
    fixture_publish(s_home, "consent",
                    "social.consent.v1 " S_HETU " consent_id=C-cp status=given "
                    "purpose=coordinated-plan recipients=employment\n");
    cr_assert_eq(harness_poll(30000, s_consent_known, NULL), 0, "consent never reached the hub");

    char ck[SILTA_CLIENTKEY_LEN + 1], sql[1024];
    fixture_client_key(S_HETU, ck);
    s_web_t fi = {0}, sv = {0};
    s_login(&fi, "fi");
    s_login(&sv, "sv");

    /* The assessment starts (rule 10's act) and is completed with its need areas. */
    s_expect(&fi, ck, "assess", "referral_id=sr-r4-0001", 303, NULL);
    s_expect(&fi, ck, "assess_done", "assessment=referral%3Asr-r4-0001", 400,
             "valitse vähintään yksi arvioinnissa todettu tarvealue");
    s_expect(&sv, ck, "assess_done", "assessment=referral%3Asr-r4-0001&need_housing=2", 400,
             "behovsområdet är felaktigt");
    s_expect(&fi, ck, "assess_done", "assessment=referral%3Anone&need_housing=1", 404, NULL);
    s_expect(&fi, ck, "assess_done",
             "assessment=referral%3Asr-r4-0001&need_housing=1&need_financial=1", 303, NULL);
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM casestore.assessment WHERE client_key = '%s' AND "
             "assessment_id = 'referral:sr-r4-0001' AND completed = '2026-05-13' AND "
             "need_areas = '{housing,financial}'",
             ck);
    cr_assert_eq(fixture_count(sql), 1, "the completed assessment with its need areas");

    /* The plan: bad input first, each refused with its reason, nothing stored. */
    const char *ok_head = "omatyontekija=Liisa+Laine&review=2026-08-14";
    char form[2048];
    snprintf(form, sizeof form, "%s&goal1=x&gas1=3", ok_head);
    s_expect(&fi, ck, "cplan", form, 400, "tavoitteen saavuttamisen arvio (GAS)");
    s_expect(&fi, ck, "cplan", "omatyontekija=Liisa&review=2026-05-01&goal1=x", 400,
             "seuraava arviointipäivä");
    snprintf(form, sizeof form, "%s&gas1=1", ok_head);
    s_expect(&sv, ck, "cplan", form, 400, "klientens egna ord");
    s_expect(&fi, ck, "cplan", "review=2026-08-14&goal1=x", 400, "omatyöntekijä puuttuu");
    snprintf(form, sizeof form, "%s&goal1=x&act1_agency=police&act1_title=y", ok_head);
    s_expect(&fi, ck, "cplan", form, 400, "toimenpiteen taho");
    snprintf(form, sizeof form, "%s&goal1=x&measure_name=AUDIT&measure_value=12%%2C5", ok_head);
    s_expect(&fi, ck, "cplan", form, 400, "mittarin nimi ja kokonaispistemäärä");
    snprintf(form, sizeof form, "%s&goal1=x%%01y", ok_head);
    s_expect(&fi, ck, "cplan", form, 400, "kiellettyjä merkkejä");
    cr_assert_eq(fixture_count("SELECT count(*) FROM casestore.client_plan"), 0);

    snprintf(form, sizeof form,
             "%s&assessment=referral%%3Asr-r4-0001"
             "&goal1=Haluan+oman+asunnon&gas1=-1"
             "&goal2=Tyokokeiluun+syksylla%%0D%%0Aosa-aikaisesti&gas2=-2"
             "&act1_agency=employment&act1_title=Tyokokeilupaikka&act1_who=Virtanen"
             "&act1_due=2026-06-30"
             "&act2_agency=social&act2_title=Asuntohakemus&act2_who=Laine&act2_due="
             "&act3_agency=kela&act3_title=&act3_who=&act3_due="
             "&measure_name=AUDIT&measure_value=12",
             ok_head);
    s_expect(&fi, ck, "cplan", form, 303, NULL);
    s_expect(&fi, ck, "cplan", form, 303, NULL); /* resent: a duplicate */
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM casestore.client_plan WHERE client_key = '%s' AND "
             "responsible_worker = 'Liisa Laine' AND review_date = '2026-08-14' AND started = "
             "'2026-05-13' AND reviewed IS NULL AND assessment_id = 'referral:sr-r4-0001'",
             ck);
    cr_assert_eq(fixture_count(sql), 1, "the stored plan");
    cr_assert_eq(fixture_count("SELECT count(*) FROM casestore.client_plan_goal WHERE text = "
                               "E'Tyokokeiluun syksylla\\nosa-aikaisesti'"),
                 1, "a goal keeps its line break (not the browser's \\r)");
    cr_assert_eq(fixture_count("SELECT count(*) FROM casestore.client_plan_action"), 2);
    cr_assert_eq(fixture_count("SELECT count(*) FROM casestore.client_plan_action WHERE agency "
                               "= 'employment' AND responsible = 'Virtanen' AND due_date = "
                               "'2026-06-30'"),
                 1);
    cr_assert_eq(fixture_count("SELECT sum(gas) FROM casestore.client_plan_score WHERE day = "
                               "'2026-05-13' AND kind = 'start'"),
                 -3);
    cr_assert_eq(fixture_count("SELECT count(*) FROM casestore.client_plan_measure WHERE "
                               "name = 'AUDIT' AND value = 12"),
                 1);
    cr_assert_eq(fixture_count("SELECT count(*) FROM casestore.outbox WHERE type = "
                               "'social.client_plan.v1'"),
                 1, "one event: the resend was a duplicate");

    /* Published: in the hub's journal, delivered on consent to employment services
     * (the disclosure log names the consent), written by silta-employment with the
     * omatyöntekijä. */
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM hub.disclosure WHERE type = 'social.client_plan.v1' AND "
             "recipient = 'employment' AND client_key = '%s'",
             ck);
    cr_assert_eq(harness_poll(30000, s_count_is, sql), 0, "no disclosure to employment");
    cr_assert_eq(fixture_count("SELECT count(*) FROM hub.journal WHERE type = "
                               "'social.client_plan.v1'"),
                 1);
    cr_assert_eq(harness_poll(30000, s_plan_file, "Liisa Laine"), 0,
                 "employment services never got the plan with its omatyöntekijä");
    cr_assert_eq(harness_poll(1000, s_plan_file, "Tyokokeilupaikka"), 0);

    /* The page: the omatyöntekijä, the goal, the scores of the start. */
    char *page = s_page(&fi, ck);
    cr_assert(strstr(page, "<dd id=\"omatyontekija\">Liisa Laine</dd>"), "%s", page);
    cr_assert(strstr(page, S_GOAL1));
    cr_assert(strstr(page, "data-day=\"2026-05-13\">-1</td>"), "%s", page);
    cr_assert(strstr(page, "Asuminen, Taloudellinen tuki"), "the need areas named: %s", page);
    cr_assert(strstr(page, "Ohjaus sr-r4-0001"), "the assessment named for people: %s", page);
    cr_assert(!strstr(page, ">referral:") && !strstr(page, ">housing"), "a raw code shown");
    free(page);

    /* The review date passes: rule 12 opens (Fri 14.8. due, late from Sat 15.8.). */
    s_today("2026-08-17");
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM casestore.alert WHERE client_key = '%s' AND rule = "
             "'client_plan_review_due' AND status = 'open' AND due_date = '2026-08-14'",
             ck);
    cr_assert_eq(harness_poll(30000, s_count_is, sql), 0, "rule 12 never opened");
    s_login(&fi, "fi");
    page = s_page(&fi, ck);
    cr_assert(strstr(page, "Asiakassuunnitelma piti arvioida 14.8.2026"), "%s", page);
    cr_assert(strstr(page, "Sulkeutuu, kun suunnitelman arviointi kirjataan."), "%s", page);
    free(page);

    /* The review with new scores: the alert closes, the page shows both days. */
    s_expect(&fi, ck, "cplan_review", "omatyontekija=Liisa+Laine&review=2026-11-13&gas1=9", 400,
             "tavoitteen saavuttamisen arvio (GAS)");
    s_expect(&fi, ck, "cplan_review", "omatyontekija=Liisa+Laine&review=2026-11-13", 400,
             "vähintään yhdelle tavoitteelle");
    s_expect(&fi, ck, "cplan_review",
             "omatyontekija=Liisa+Laine&review=2026-11-13&gas1=1&gas2=0&measure_name=AUDIT&"
             "measure_value=6.5",
             303, NULL);
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM casestore.alert WHERE client_key = '%s' AND rule = "
             "'client_plan_review_due' AND status = 'closed'",
             ck);
    cr_assert_eq(harness_poll(30000, s_count_is, sql), 0, "the review did not close rule 12");
    cr_assert_eq(fixture_count("SELECT count(*) FROM casestore.client_plan WHERE reviewed = "
                               "'2026-08-17' AND review_date = '2026-11-13'"),
                 1);
    cr_assert_eq(fixture_count("SELECT sum(gas) FROM casestore.client_plan_score WHERE day = "
                               "'2026-08-17' AND kind = 'review'"),
                 1);
    page = s_page(&fi, ck);
    cr_assert(strstr(page, "data-day=\"2026-05-13\">-1</td>"), "%s", page);
    cr_assert(strstr(page, "data-day=\"2026-08-17\">+1</td>"), "%s", page);
    cr_assert(strstr(page, "<svg class=\"gas\""), "the change over time drawn");
    cr_assert(strstr(page, "AUDIT 6.5"), "the measure of the review");
    free(page);
    s_login(&sv, "sv");
    page = s_page(&sv, ck);
    cr_assert(strstr(page, "Klientplan"), "the section in Swedish: %s", page);
    free(page);
    cr_assert_eq(harness_poll(30000, s_plan_file, "2026-11-13"), 0,
                 "the reviewed plan never reached employment services");

    /* Every action in the access log; no hetu, no goal text in a log line. */
    static const char *const acts[] = {"complete_assessment", "client_plan",
                                       "client_plan_review"};
    for (size_t i = 0; i < 3; i++) {
        snprintf(sql, sizeof sql,
                 "SELECT count(*) FROM casestore.inbox_access WHERE action = '%s' AND "
                 "outcome = 'ok' AND client_key = '%s'",
                 acts[i], ck);
        cr_assert_gt(fixture_count(sql), 0, "%s not in the access log", acts[i]);
        snprintf(sql, sizeof sql,
                 "SELECT count(*) FROM casestore.inbox_access WHERE action = '%s' AND "
                 "outcome = 'refused'",
                 acts[i]);
        cr_assert_gt(fixture_count(sql), 0, "%s refusals not in the access log", acts[i]);
    }
    char path[4096];
    snprintf(path, sizeof path, "%s/log/silta-casestore.log", s_home);
    cr_assert(!harness_file_contains(path, S_HETU), "a hetu in %s", path);
    cr_assert(!harness_file_contains(path, "Haluan oman"), "a goal in %s", path);
}
