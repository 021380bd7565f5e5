/* test_client_view.c - issue 15, item 2: the client's own page, end to end.
 *
 * `ops/silta-local up` (hub, adapters, silta-casestore with the inbox and the
 * client's page on SILTA_CLIENT_URL); client A (010185-901E) has a Kela notice
 * (a plan item), a consent for work-incapacity naming the case store and a
 * health.incapacity.v1 delivered on it (a disclosure row); client B
 * (020290-955X) a notice of their own. Raw HTTP first: the security headers, a
 * POST without a session, a wrong code and an expired one refused. Then
 * tests/browser/client.mjs in headless Chromium: a caseworker issues codes for
 * A and B in the inbox; A signs in, reads the plan and the disclosure list,
 * withdraws the consent, reads the page in Swedish; the code used again and a
 * wrong code are refused; B signs in and sees nothing of A's. Here: the hub
 * records the withdrawal and withholds the next incapacity delivery for A
 * (hub.delivery_log and `siltactl trace`), and the access log has every step
 * with actor "client" and no code; guessing codes is throttled. Screenshots: build/test-artifacts/own*.png.
 */
#include <criterion/criterion.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fixture.h"
#include "harness.h"
#include "events.pb-c.h"
#include "silta_env.h"

static char *s_home;

static void s_fini(void)
{
    harness_home_destroy(&s_home);
}
TestSuite(client_view, .fini = s_fini);

static char s_sql[1024];
static bool s_sql_true(void *arg)
{
    (void)arg;
    return fixture_count(s_sql) > 0;
}

/* Poll until the count of sql (fmt with one %s: a1) is positive. */
#define s_wait(what, fmt, a1)                                                                      \
    do {                                                                                           \
        snprintf(s_sql, sizeof s_sql, fmt, a1);                                                    \
        cr_assert_eq(harness_poll(30000, s_sql_true, NULL), 0, "%s never happened", what);        \
    } while (0)

static int s_port(void)
{
    const char *bind = getenv("SILTA_CLIENT_BIND");
    cr_assert_not_null(bind, "no SILTA_CLIENT_BIND in the env file");
    return atoi(strrchr(bind, ':') + 1);
}

/* The value of cookie name from an answer's Set-Cookie into out ("" none). */
static void s_cookie(const char *reply, const char *name, char *out, size_t len)
{
    char head[64];
    snprintf(head, sizeof head, "Set-Cookie: %s=", name);
    const char *p = strstr(reply, head);
    out[0] = '\0';
    if (p) {
        p += strlen(head);
        snprintf(out, len, "%.*s", (int)strcspn(p, ";\r\n"), p);
    }
}

/* GET /, then POST /signin with code and the double-submit token: the status. */
static int s_signin(const char *code)
{
    char *reply = NULL;
    cr_assert_eq(harness_http_request(s_port(), "GET", "/", NULL, NULL, 0, &reply, 10000), 200);
    char tok[128], body[512], headers[512];
    s_cookie(reply, "silta_client_signin", tok, sizeof tok);
    cr_assert(tok[0], "no sign-in cookie: %s", reply);
    free(reply);
    snprintf(body, sizeof body, "csrf=%s&lang=fi&code=%s", tok, code);
    snprintf(headers, sizeof headers,
             "Cookie: silta_client_signin=%s\r\nContent-Type: application/x-www-form-urlencoded\r\n",
             tok);
    reply = NULL;
    int st = harness_http_request(s_port(), "POST", "/signin", headers, body, strlen(body), &reply,
                                  10000);
    cr_assert(st != 303 || strstr(reply, "Set-Cookie: silta_client="), "%s", reply);
    free(reply);
    return st;
}

static long s_access(const char *ck, const char *action, const char *object, const char *outcome)
{
    char sql[512];
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM casestore.inbox_access WHERE username = 'client' AND "
             "action = '%s' AND outcome = '%s' AND coalesce(client_key, '') = '%s' AND "
             "coalesce(object_id, '') = '%s'",
             action, outcome, ck, object);
    return fixture_count(sql);
}

Test(client_view, a_client_signs_in_reads_and_withdraws_consent, .timeout = 400)
{
    char script[4096], mods[4096];
    snprintf(script, sizeof script, "%s/tests/browser/client.mjs", harness_src());
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
    char *client_url = harness_env_get(s_home, "SILTA_CLIENT_URL");
    cr_assert_not_null(inbox_url, "no SILTA_INBOX_URL in the env file");
    cr_assert_not_null(client_url, "no SILTA_CLIENT_URL in the env file");
    char ck_a[SILTA_CLIENTKEY_LEN + 1], ck_b[SILTA_CLIENTKEY_LEN + 1];
    fixture_client_key("010185-901E", ck_a);
    fixture_client_key("020290-955X", ck_b);

    /* Seed: notices (plan items), A's consent, then health data delivered on it. */
    fixture_publish(s_home, "seed",
                    "kela.notice.v1 010185-901E id=n1 kind=need_for_social_work "
                    "kela_reference=K-9 date=today-2\n"
                    "kela.notice.v1 020290-955X id=n2 kind=basic_amount_reduction "
                    "kela_reference=K-8 date=today-2 reduction_percent=20\n"
                    "social.consent.v1 010185-901E consent_id=c-inc status=given "
                    "purpose=work-incapacity recipients=casestore\n"
                    /* A's client plan (SHL 39 §): made, then reviewed with a better score */
                    "social.client_plan.v1 010185-901E plan_id=P-A kind=start date=today-30 "
                    "review_date=today-2 responsible_worker=\"Liisa Laine\" worker=sosiaalityo1 "
                    "goals.1.goal_id=g1 goals.1.text=\"Haluan oman asunnon\" goals.1.gas=-2 "
                    "actions.1.action_id=a1 actions.1.agency=kela "
                    "actions.1.title=\"Vuokravakuuden päätös\" actions.1.responsible=kela "
                    "actions.1.due_date=today+5 actions.1.goal_id=g1\n"
                    "social.client_plan.v1 010185-901E plan_id=P-A kind=review date=today-1 "
                    "review_date=today+60 responsible_worker=\"Liisa Laine\" worker=sosiaalityo1 "
                    "goals.1.goal_id=g1 goals.1.text=\"Haluan oman asunnon\" goals.1.gas=1 "
                    "actions.1.action_id=a1 actions.1.agency=kela "
                    "actions.1.title=\"Vuokravakuuden päätös\" actions.1.responsible=kela "
                    "actions.1.due_date=today+5 actions.1.goal_id=g1\n");
    s_wait("the hub recording A's consent",
           "SELECT count(*) FROM hub.consent WHERE consent_id = 'c-inc' AND status = '%s'",
           "given");
    fixture_publish(s_home, "incapacity1",
                    "health.incapacity.v1 010185-901E period_start=today-10 period_end=today+5 "
                    "diagnosis_group=F\n");
    s_wait("the incapacity delivered to social work on consent",
           "SELECT count(*) FROM hub.disclosure WHERE client_key = '%s' AND type = "
           "'health.incapacity.v1' AND legal_basis = 'consent:work-incapacity'",
           ck_a);

    /* Raw HTTP: the sign-in page has the inbox's security headers. */
    char *reply = NULL;
    cr_assert_eq(harness_http_request(s_port(), "GET", "/", NULL, NULL, 0, &reply, 10000), 200);
    const char *must[] = {"Content-Security-Policy: default-src 'none'", "X-Frame-Options: DENY",
                          "X-Content-Type-Options: nosniff", "Cache-Control: no-store",
                          "Referrer-Policy: no-referrer", "HttpOnly; SameSite=Strict"};
    for (size_t i = 0; i < sizeof must / sizeof must[0]; i++)
        cr_assert(strstr(reply, must[i]), "no \"%s\" on the client's page:\n%s", must[i], reply);
    cr_assert(strstr(reply, "lang=\"fi\""), "%s", reply);
    free(reply);
    /* A POST without a session changes nothing. */
    reply = NULL;
    const char *form = "purpose=work-incapacity&do=withdraw";
    cr_assert_eq(harness_http_request(s_port(), "POST", "/consent",
                                      "Content-Type: application/x-www-form-urlencoded\r\n", form,
                                      strlen(form), &reply, 10000),
                 403);
    free(reply);
    /* A wrong code, a malformed one, and an expired one are refused. */
    cr_assert_eq(s_signin("AAAA-BBBB-CCCC"), 401);
    cr_assert_eq(s_signin("not-a-code"), 401);
    unsigned char h[32];
    char hex[65], sql[1024];
    crypto_generichash(h, sizeof h, (const unsigned char *)"EXPREXPREXPR", 12, NULL, 0);
    sodium_bin2hex(hex, sizeof hex, h, sizeof h);
    snprintf(sql, sizeof sql,
             "INSERT INTO casestore.client_code(code_hash, client_key, issued_by, expires_at) "
             "VALUES ('\\x%s'::bytea, '%s', 'test', now() - interval '1 minute')",
             hex, ck_a);
    fixture_exec(sql);
    cr_assert_eq(s_signin("expr-expr-expr"), 401, "an expired code");
    cr_assert_eq(s_access("", "client_signin", "unknown", "failed"), 1);
    cr_assert_eq(s_access("", "client_signin", "malformed", "failed"), 1);
    cr_assert_eq(s_access("", "client_signin", "expired", "failed"), 1);

    /* The browser. */
    char user[48] = "", pass[48] = "", path[4096], line[256];
    snprintf(path, sizeof path, "%s/inbox-demo-logins.txt", s_home);
    FILE *f = fopen(path, "r");
    cr_assert_not_null(f);
    while (!user[0] && fgets(line, sizeof line, f))
        if (line[0] == '#' || sscanf(line, "%47s %47s", user, pass) != 2)
            user[0] = '\0';
    fclose(f);
    char shots[4096];
    snprintf(shots, sizeof shots, "%s/build/test-artifacts", harness_src());
    setenv("INBOX_URL", inbox_url, 1);
    setenv("CLIENT_URL", client_url, 1);
    setenv("USER1", user, 1);
    setenv("PASS1", pass, 1);
    setenv("CK_A", ck_a, 1);
    setenv("CK_B", ck_b, 1);
    setenv("SCREENSHOT_DIR", shots, 1);
    harness_runl(&r, 240000, "/usr/bin/env", "node", script, NULL);
    cr_assert_eq(r.status, 0, "client.mjs failed:\n%s\n%s", r.out, r.err);
    cr_assert(strstr(r.out, "\"ok\":true") != NULL, "%s", r.out);
    harness_result_free(&r);

    /* The withdrawal went out through the outbox; the hub enforces it. */
    s_wait("the hub recording the withdrawal",
           "SELECT count(*) FROM hub.consent WHERE consent_id = 'c-inc' AND status = '%s'",
           "revoked");
    /* A new certificate from health care, straight to the hub (--publish would wait for
     * the case store to apply it, and it never comes). */
    silta_client_t *health = fixture_client(s_home, "health");
    Silta__HealthIncapacity inc = SILTA__HEALTH_INCAPACITY__INIT;
    inc.hetu = "010185-901E";
    inc.period_start = "2026-11-02";
    inc.period_end = "2026-12-24";
    inc.diagnosis_group = "F";
    uint8_t buf[256];
    size_t len = silta__health_incapacity__pack(&inc, buf);
    char id2[37];
    cr_assert_eq(fixture_publish_one(health, "health.incapacity.v1", ck_a, buf, len, id2, NULL),
                 SILTA_CLIENT_CONFIRM);
    silta_client_destroy(&health);
    s_wait("the next incapacity withheld",
           "SELECT count(*) FROM hub.delivery_log l JOIN hub.journal j ON j.seq = l.seq WHERE "
           "j.client_key = '%s' AND j.type = 'health.incapacity.v1' AND l.outcome = 'withheld'",
           ck_a);
    cr_assert_eq(fixture_count("SELECT count(*) FROM hub.disclosure WHERE type = "
                               "'health.incapacity.v1'"),
                 1, "nothing disclosed after the withdrawal");
    char bin[4096];
    harness_runl(&r, 30000, harness_bin_path(bin, sizeof bin, "siltactl"), "trace", id2, NULL);
    cr_assert(strstr(r.out, "withheld"), "siltactl trace %s:\n%s\n%s", id2, r.out, r.err);
    harness_result_free(&r);

    /* Every step in the access log: actor "client", the client_key, no code. */
    cr_assert_eq(s_access(ck_a, "client_signin", "code", "ok"), 1);
    cr_assert_eq(s_access(ck_b, "client_signin", "code", "ok"), 1);
    cr_assert_eq(s_access("", "client_signin", "used", "failed"), 1, "the code used again");
    cr_assert_eq(s_access(ck_a, "client_consent_withdraw", "work-incapacity", "ok"), 1);
    cr_assert_geq(s_access(ck_a, "client_view", "", "ok"), 2);
    cr_assert_eq(s_access(ck_a, "client_lang", "sv", "ok"), 1);
    cr_assert_eq(fixture_count("SELECT count(*) FROM casestore.inbox_access WHERE action = "
                               "'issue_client_code' AND outcome = 'ok'"),
                 2);
    cr_assert_eq(fixture_count("SELECT count(*) FROM casestore.client_code WHERE used_at IS NOT "
                               "NULL"),
                 2, "each code used once");
    /* The withdrawal left through the outbox (and was confirmed); no hetu in the logs. */
    cr_assert_eq(fixture_count("SELECT count(*) FROM casestore.outbox o JOIN hub.journal j ON "
                               "j.event_id = o.event_id::uuid WHERE o.type = 'social.consent.v1' "
                               "AND j.source = 'casestore'"),
                 1);
    snprintf(path, sizeof path, "%s/log/silta-casestore.log", s_home);
    char *log = harness_read_file(path);
    cr_assert_not_null(log);
    cr_assert(!strstr(log, "010185-901E") && !strstr(log, "020290-955X"), "a hetu in the log");
    cr_assert(strstr(log, "client withdrew consent"), "no log line of the withdrawal");
    free(log);

    /* Guessing is throttled per address: five wrong codes in a row, then a wait. */
    for (int i = 0; i < 5; i++)
        cr_assert_eq(s_signin("ZZZZ-ZZZZ-ZZZ2"), 401, "attempt %d", i + 1);
    cr_assert_eq(s_signin("ZZZZ-ZZZZ-ZZZ2"), 429, "the sixth wrong code in a row");
    cr_assert_eq(s_access("", "client_signin", "throttled", "refused"), 1);
    free(inbox_url);
    free(client_url);
}
