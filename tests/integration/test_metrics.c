/* test_metrics.c - the hub's operator endpoints against the real hub: the
 * queue gauges move as events wait and are acknowledged; /healthz; the status
 * page; SILTA_METRICS_URL in $SILTA_HOME/env.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"
#include "harness.h"
#include "silta_client.h"
#include "silta_env.h"
#include "silta_time.h"
#include "silta_uuid.h"

static char *s_home;
static void s_fini(void)
{
    harness_home_destroy(&s_home);
}
TestSuite(metrics, .fini = s_fini);

/* The value of one sample line `name{labels} value` in a scrape, or -1. */
static double s_sample(const char *scrape, const char *series)
{
    const char *p = scrape;
    size_t n = strlen(series);
    while ((p = strstr(p, series))) {
        if ((p == scrape || p[-1] == '\n') && p[n] == ' ')
            return atof(p + n + 1);
        p += n;
    }
    return -1;
}

static double s_scrape(const char *series)
{
    char *body = NULL;
    int status = harness_http("GET", getenv("SILTA_METRICS_URL"), NULL, NULL, &body, 5000);
    cr_assert_eq(status, 200, "scrape failed");
    double v = s_sample(body, series);
    free(body);
    return v;
}

static const char *s_series;
static double s_want;
static silta_client_t *s_pump; /* polled while waiting, so its session stays alive */
static bool s_reaches(void *arg)
{
    (void)arg;
    silta_client_event_t ev;
    if (s_pump)
        silta_client_poll(s_pump, 10, &ev);
    return s_scrape(s_series) == s_want;
}

Test(metrics, queue_gauges_move_with_the_flow, .timeout = 180)
{
    s_home = harness_home_new();
    harness_result_t r;
    harness_local(&r, "up", "--no-adapters", NULL);
    cr_assert_eq(r.status, 0, "%s%s", r.out, r.err);
    harness_result_free(&r);
    silta_err_t err;
    cr_assert_eq(silta_env_load(&err), 0);
    cr_assert_not_null(getenv("SILTA_METRICS_URL"), "env names the metrics endpoint");

    char *body = NULL;
    char health[512];
    snprintf(health, sizeof health, "%s", getenv("SILTA_METRICS_URL"));
    strcpy(strstr(health, "/metrics"), "/healthz");
    cr_assert_eq(harness_http("GET", health, NULL, NULL, &body, 5000), 200);
    free(body);

    /* A consumer with no credit: everything published waits in its queue. */
    char key[4096];
    snprintf(key, sizeof key, "%s/keys/casestore.key", s_home);
    silta_client_opts_t co = {.client_key = key, .name = "metrics-consumer"};
    silta_client_t *con = silta_client_new(&co, &err);
    cr_assert_not_null(con);
    const char *types[1] = {"test.event.v1"};
    cr_assert_eq(silta_client_subscribe(con, "casestore-metrics", types, 1, 0, &err), 0);
    int64_t end = silta_mono_ms() + 10000;
    silta_client_event_t ev;
    while (!silta_client_attached(con, "casestore-metrics") && silta_mono_ms() < end)
        silta_client_poll(con, 50, &ev);
    cr_assert(silta_client_attached(con, "casestore-metrics"));

    snprintf(key, sizeof key, "%s/keys/test.key", s_home);
    silta_client_opts_t po = {.client_key = key, .name = "metrics-publisher"};
    silta_client_t *pub = silta_client_new(&po, &err);
    for (int i = 0; i < 200; i++) {
        silta_envelope_t e;
        silta__envelope__init(&e);
        char id[37], ck[32];
        silta_uuid_v7(id);
        snprintf(ck, sizeof ck, "ck-m-%d", i % 20);
        e.event_id = id;
        e.type = "test.event.v1";
        e.client_key = ck;
        cr_assert_eq(silta_client_publish(pub, &e, NULL, &err), 0, "%s", err.msg);
    }
    cr_assert_eq(silta_client_flush(pub, 20000, NULL, NULL), 0);
    silta_client_destroy(&pub);

    s_pump = con;
    s_series = "silta_queue_depth{consumer=\"casestore-metrics\"}";
    s_want = 200;
    cr_assert_eq(harness_poll(20000, s_reaches, NULL), 0, "200 events wait in the queue");
    cr_assert_gt(s_scrape("silta_queue_oldest_age_seconds{consumer=\"casestore-metrics\"}"), 0);
    cr_assert_geq(s_scrape("silta_confirmed_total"), 200);
    cr_assert_geq(s_scrape("silta_confirm_latency_seconds_count"), 200);
    cr_assert_eq(s_scrape("silta_connected_peers{identity=\"casestore\"}"), 1);

    /* Grant credit and acknowledge everything: the gauges fall back to zero. */
    silta_client_credit(con, 50);
    int acked = 0;
    end = silta_mono_ms() + 30000;
    while (acked < 200 && silta_mono_ms() < end) {
        silta_client_poll(con, 100, &ev);
        if (ev.kind == SILTA_CLIENT_DELIVER) {
            silta_client_ack(con, ev.delivery_id);
            acked++;
        }
    }
    cr_assert_eq(acked, 200);
    s_want = 0;
    cr_assert_eq(harness_poll(20000, s_reaches, NULL), 0, "the queue drains to zero");
    cr_assert_geq(s_scrape("silta_acked_total"), 200);
    cr_assert_eq(s_scrape("silta_queue_in_flight{consumer=\"casestore-metrics\"}"), 0);

    /* The status page shows the queue to a person. */
    char page[512];
    snprintf(page, sizeof page, "%s", getenv("SILTA_METRICS_URL"));
    strcpy(strstr(page, "/metrics"), "/");
    cr_assert_eq(harness_http("GET", page, NULL, NULL, &body, 5000), 200);
    cr_assert(strstr(body, "casestore-metrics"), "status page lists the queue");
    free(body);
    s_pump = NULL;
    silta_client_destroy(&con);
}
