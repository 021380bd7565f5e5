/* test_metrics_programs.c - the adapters' and the case store's own /metrics
 * (lib/silta_metrics.h) on a real deployment (`silta-local up`): after a Kela
 * file of 6 records (3 bad), the kela counters say 6 read, 3 published, 3
 * rejected as invalid, one file done; the case store counts the 3 events
 * applied; silta-health counts its FHIR answers by class; inbox logins are
 * counted ok / failed. `promtool check metrics` accepts every scrape, and
 * `promtool check rules` / `test rules` the alert rules (ops/prometheus).
 * promtool: build/tools/promtool from ops/install-deps.sh, or $SILTA_PROMTOOL.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fixture.h"
#include "harness.h"

static char *s_home;
static void s_fini(void)
{
    harness_home_destroy(&s_home);
}
TestSuite(metrics_programs, .fini = s_fini);

static const char *s_promtool(void)
{
    static char path[4096];
    const char *env = getenv("SILTA_PROMTOOL");
    snprintf(path, sizeof path, "%s", env ? env : "");
    if (!env)
        snprintf(path, sizeof path, "%s/build/tools/promtool", harness_src());
    cr_assert(access(path, X_OK) == 0,
              "no promtool at %s: run ops/install-deps.sh --promtool (or set SILTA_PROMTOOL)",
              path);
    return path;
}

/* Run `promtool ARGS` in dir (stdin from file in when not NULL); assert exit 0. */
static void s_promtool_ok(const char *dir, const char *args, const char *in)
{
    char cmd[16384], out[4096];
    snprintf(out, sizeof out, "%s/promtool-%d.out", s_home ? s_home : "/tmp", (int)getpid());
    snprintf(cmd, sizeof cmd, "cd '%s' && '%s' %s %s%s%s >'%s' 2>&1", dir, s_promtool(), args,
             in ? "<'" : "", in ? in : "", in ? "'" : "", out);
    int rc = system(cmd);
    char *text = harness_read_file(out);
    cr_assert_eq(rc, 0, "promtool %s: %s", args, text ? text : "(no output)");
    free(text);
    unlink(out);
}

/* GET $<key> (a /metrics URL) and return the body (caller frees). */
static char *s_get(const char *key)
{
    const char *url = getenv(key);
    cr_assert_not_null(url, "no %s in the env file", key);
    char *body = NULL;
    cr_assert_eq(harness_http("GET", url, NULL, NULL, &body, 5000), 200, "GET %s", url);
    return body;
}

/* The value of the sample `series` (name{labels}) in the scrape of $key, or -1. */
static double s_value(const char *key, const char *series)
{
    char *body = s_get(key);
    double v = -1;
    size_t n = strlen(series);
    for (const char *p = body; (p = strstr(p, series)); p += n)
        if ((p == body || p[-1] == '\n') && p[n] == ' ') {
            v = atof(p + n + 1);
            break;
        }
    free(body);
    return v;
}

typedef struct {
    const char *key, *series;
    double want;
} s_wait_t;

static bool s_reaches(void *arg)
{
    const s_wait_t *w = arg;
    return s_value(w->key, w->series) == w->want;
}

static void s_wait_value(const char *key, const char *series, double want)
{
    s_wait_t w = {key, series, want};
    cr_assert_eq(harness_poll(60000, s_reaches, &w), 0, "%s never reached %g (now %g)", series,
                 want, s_value(key, series));
}

/* The case store's alert gauges of rule notice_not_handled agree with its
 * table (refreshed every 30 s), and there is an open one. */
static bool s_alerts_agree(void *arg)
{
    (void)arg;
    long open = fixture_count("SELECT count(*) FROM casestore.alert WHERE status = 'open' "
                              "AND rule = 'notice_not_handled'");
    return open > 0 && s_value("SILTA_CASESTORE_METRICS_URL",
                               "silta_casestore_alerts_open{rule=\"notice_not_handled\"}") == open;
}

/* `promtool check metrics` on the scrape of $key. */
static void s_check_scrape(const char *key)
{
    char *body = s_get(key);
    char path[4096];
    snprintf(path, sizeof path, "%s/scrape.txt", s_home);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs(body, f);
    fclose(f);
    free(body);
    s_promtool_ok(s_home, "check metrics", path);
}

/* POST /login with the double-submit token of a fresh GET /login. */
static int s_login(const char *user, const char *pass)
{
    const char *bind = getenv("SILTA_INBOX_BIND");
    cr_assert_not_null(bind);
    int port = atoi(strrchr(bind, ':') + 1);
    char *reply = NULL;
    cr_assert_eq(harness_http_request(port, "GET", "/login", NULL, NULL, 0, &reply, 10000), 200);
    const char *c = strstr(reply, "Set-Cookie: silta_login=");
    cr_assert_not_null(c, "no login cookie: %s", reply);
    char tok[128];
    snprintf(tok, sizeof tok, "%.*s", (int)strcspn(c + 24, ";\r\n"), c + 24);
    free(reply);
    char body[512], headers[512];
    snprintf(body, sizeof body, "csrf=%s&username=%s&password=%s", tok, user, pass);
    snprintf(headers, sizeof headers,
             "Cookie: silta_login=%s\r\nContent-Type: application/x-www-form-urlencoded\r\n", tok);
    int st = harness_http_request(port, "POST", "/login", headers, body, strlen(body), &reply,
                                  10000);
    free(reply);
    return st;
}

Test(metrics_programs, each_program_counts_its_flow_and_promtool_accepts_it, .timeout = 300)
{
    s_home = harness_home_new();
    fixture_deploy(1);
    const char *keys[] = {"SILTA_KELA_METRICS_URL", "SILTA_EMPLOYMENT_METRICS_URL",
                          "SILTA_HEALTH_METRICS_URL", "SILTA_CASESTORE_METRICS_URL"};
    for (size_t i = 0; i < 4; i++)
        cr_assert_eq(s_value(keys[i], "silta_adapter_records_read_total") == -1,
                     i == 3, "%s", keys[i]); /* the case store has its own names */
    cr_assert_eq(s_value("SILTA_KELA_METRICS_URL", "silta_adapter_records_read_total"), 0);

    /* A Kela file: 6 records, 1 3 6 good, 2 4 5 bad (tests/fixtures/xml/kela-mixed.xml). */
    char cmd[8192];
    snprintf(cmd, sizeof cmd, "cp '%s/tests/fixtures/xml/kela-mixed.xml' '%s/m.xml.tmp' && "
             "mv '%s/m.xml.tmp' '%s/m.xml'", harness_src(), getenv("SILTA_KELA_INBOX"),
             getenv("SILTA_KELA_INBOX"), getenv("SILTA_KELA_INBOX"));
    cr_assert_eq(system(cmd), 0);
    s_wait_value("SILTA_KELA_METRICS_URL", "silta_adapter_files_total{result=\"done\"}", 1);
    cr_assert_eq(s_value("SILTA_KELA_METRICS_URL", "silta_adapter_records_read_total"), 6);
    cr_assert_eq(s_value("SILTA_KELA_METRICS_URL", "silta_adapter_records_published_total"), 3);
    cr_assert_eq(s_value("SILTA_KELA_METRICS_URL",
                         "silta_adapter_records_rejected_total{reason=\"invalid\"}"), 3);
    cr_assert_eq(s_value("SILTA_KELA_METRICS_URL",
                         "silta_adapter_records_rejected_total{reason=\"refused\"}"), 0);
    cr_assert_eq(s_value("SILTA_KELA_METRICS_URL", "silta_adapter_files_total{result=\"rejected\"}"),
                 0);
    s_wait_value("SILTA_KELA_METRICS_URL", "silta_adapter_inbox_oldest_age_seconds", 0);
    s_wait_value("SILTA_KELA_METRICS_URL", "silta_adapter_hub_connected", 1);
    /* the three good records reach the case store */
    s_wait_value("SILTA_CASESTORE_METRICS_URL", "silta_casestore_events_applied_total", 3);
    cr_assert_geq(s_value("SILTA_CASESTORE_METRICS_URL", "silta_casestore_apply_lag_seconds"), 0);
    /* the Kela notice of 13.3.2025 was never handled: an open alert, counted */
    cr_assert_eq(harness_poll(90000, s_alerts_agree, NULL), 0,
                 "alerts_open{rule=notice_not_handled} never matched casestore.alert");

    /* silta-health: a 2xx and a 4xx answer */
    char url[512], *reply = NULL;
    snprintf(url, sizeof url, "%s/fhir/metadata", getenv("SILTA_HEALTH_URL"));
    cr_assert_eq(harness_http("GET", url, NULL, NULL, &reply, 30000), 200);
    free(reply);
    snprintf(url, sizeof url, "%s/fhir/NoSuchThing", getenv("SILTA_HEALTH_URL"));
    cr_assert_eq(harness_http("GET", url, NULL, NULL, &reply, 30000), 404);
    free(reply);
    s_wait_value("SILTA_HEALTH_METRICS_URL", "silta_health_fhir_answers_total{class=\"2xx\"}", 1);
    s_wait_value("SILTA_HEALTH_METRICS_URL", "silta_health_fhir_answers_total{class=\"4xx\"}", 1);

    /* inbox logins: one failed, one ok (the first demo login) */
    char path[4096], line[256], user[48] = "", pass[48] = "";
    snprintf(path, sizeof path, "%s/inbox-demo-logins.txt", s_home);
    FILE *f = fopen(path, "r");
    cr_assert_not_null(f, "no %s", path);
    while (!user[0] && fgets(line, sizeof line, f))
        if (line[0] == '#' || sscanf(line, "%47s %47s", user, pass) != 2)
            user[0] = '\0';
    fclose(f);
    cr_assert_eq(s_login(user, "wrong-password"), 401);
    cr_assert_eq(s_login(user, pass), 303);
    cr_assert_eq(s_value("SILTA_CASESTORE_METRICS_URL",
                         "silta_casestore_inbox_logins_total{result=\"failed\"}"), 1);
    cr_assert_eq(s_value("SILTA_CASESTORE_METRICS_URL",
                         "silta_casestore_inbox_logins_total{result=\"ok\"}"), 1);

    for (size_t i = 0; i < 4; i++)
        s_check_scrape(keys[i]);
    s_check_scrape("SILTA_METRICS_URL"); /* the hub's, for completeness */
}

Test(metrics_programs, promtool_accepts_the_alert_rules_and_their_tests)
{
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/ops/prometheus", harness_src());
    s_promtool_ok(dir, "check rules silta-alerts.yml", NULL);
    s_promtool_ok(dir, "test rules silta-alerts.test.yml", NULL);
    s_promtool_ok(dir, "check config prometheus.yml", NULL);
}
