/* test_inbox_acts.c - every alert closes from the inbox with the act it asks
 * for (issue 10), over HTTP as a browser would (the session cookie, the CSRF
 * token of the page's forms), without the browser: tests/browser/inbox.mjs
 * (test_inbox.c) clicks two of these acts in Chromium.
 *
 * `ops/silta-local up --no-adapters` with SILTA_TODAY = Wed 13.5.2026, one client
 * per rule whose alert is open that day, then: bad outcomes refused 400 with
 * the reason in Finnish and Swedish, another team's user 403, a wrong CSRF
 * token 403, nothing changed; each act closes its alert with its outcome, day,
 * who, an access-log row and the closed hub.gap_alert.v1 in the outbox, a
 * resend is "jo tehty"; the alerts of Kela notices answer their notices too;
 * the timeline shows the outcome in both languages; rule 10 for a notice
 * closes when its assessment starts; the next day's sweep reopens nothing;
 * rule 5 closes itself "no longer actionable"; the note and the hetus are in
 * no log line.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"
#include "harness.h"
#include "silta_env.h"

static char *s_home;

static void s_fini(void)
{
    unsetenv("SILTA_TODAY");
    harness_home_destroy(&s_home);
}
TestSuite(inbox_acts, .fini = s_fini);

/* The demo logins (ops/silta-local): the first Finnish-speaking one of the
 * team queue's team (fi), the Swedish-speaking one (sv), and the other team's
 * (other). */
typedef struct {
    char fi[48], fi_pass[48], sv[48], sv_pass[48], other[48], other_pass[48];
} s_logins_t;

static void s_read_logins(s_logins_t *l)
{
    char path[4096], line[256];
    snprintf(path, sizeof path, "%s/inbox-demo-logins.txt", s_home);
    FILE *f = fopen(path, "r");
    cr_assert_not_null(f, "no %s", path);
    memset(l, 0, sizeof *l);
    while (fgets(line, sizeof line, f)) {
        char user[48], pass[48], team[48], lang[8] = "fi";
        if (line[0] == '#' || sscanf(line, "%47s %47s %47s %7s", user, pass, team, lang) < 3)
            continue;
        char *u = strcmp(lang, "sv") == 0 ? l->sv : !l->fi[0] ? l->fi : l->other;
        char *p = u == l->sv ? l->sv_pass : u == l->fi ? l->fi_pass : l->other_pass;
        if (!u[0]) {
            snprintf(u, 48, "%s", user);
            snprintf(p, 48, "%s", pass);
        }
    }
    fclose(f);
    cr_assert(l->fi[0] && l->sv[0] && l->other[0], "three demo logins expected in %s", path);
}

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

Test(inbox_acts, every_alert_closes_with_the_act_it_asks_for, .timeout = 300)
{
    s_home = harness_home_new();
    cr_assert_not_null(s_home);
    setenv("SILTA_TODAY", "2026-05-13", 1);
    harness_result_t r;
    fixture_deploy(0);
    harness_local(&r, "restart", "silta-casestore", NULL);
    cr_assert_eq(r.status, 0, "%s\n%s", r.out, r.err);
    harness_result_free(&r);

    /* One client per rule, each alert late or due on Wed 13.5.2026. */
    fixture_publish(
        s_home, "rules",
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
    s_login(&fi, l.fi, l.fi_pass);
    s_login(&sv, l.sv, l.sv_pass);

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
    char *k11 = fixture_value(sql);
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
    char *m2 = fixture_value(sql);
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
    s_login(&other, l.other, l.other_pass);
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
        const char *who = i % 2 ? l.sv : l.fi;
        fixture_client_key(c->hetu, ck);
        snprintf(sql, sizeof sql,
                 "SELECT alert_id FROM casestore.alert WHERE client_key = '%s' AND rule = '%s' "
                 "AND status = 'open'",
                 ck, c->rule);
        char *id = fixture_value(sql);
        cr_assert(id[0], "no open %s alert", c->rule);
        snprintf(form, sizeof form, "alert=%s&outcome=%s&date=%s&note=%s", id, c->outcome, c->date,
                 i == 0 ? "Soitettu+asiakkaalle%2C+sovittu+jatkosta" : "");
        int st = s_post(w, ck, "close", form, &reply);
        cr_assert_eq(st, 303, "%s: %d\n%s", c->rule, st, s_log_tail());
        cr_assert(strstr(reply, "ok=suljettu"), "%s", reply);
        free(reply);
        snprintf(
            sql, sizeof sql,
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
    /* The alerts about Kela notices answered their notices too (out of Saapuneet). */
    cr_assert_eq(fixture_count("SELECT count(*) FROM casestore.notice WHERE kela_reference IN "
                               "('K-21', 'K-22', 'K-11') AND handled_date IS NOT NULL"),
                 3, "rule 2 and 11 outcomes did not mark their notices handled");

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
    char *notice =
        fixture_value("SELECT event_id FROM casestore.notice WHERE kela_reference = 'K-10'");
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
    fixture_publish(s_home, "referral",
                    "health.referral.v1 010185-901E referral_id=R-1 priority=routine "
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
}
