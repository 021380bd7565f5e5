/* test_metrics.c - silta_metrics: declared series start at 0 and render as
 * exposition text with HELP/TYPE; counters add, gauges set, an undeclared
 * series is refused; the loopback check of the bind address; /metrics and
 * /healthz served over a real socket, off when the bind key is unset. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "silta_metrics.h"

static const char *const s_reasons[] = {"invalid", "refused", NULL};

static silta_metrics_t *s_registry(void)
{
    silta_metrics_t *m = silta_metrics_new();
    cr_assert_not_null(m);
    cr_assert_eq(silta_metrics_declare(m, "x_records_read_total", "Records read.",
                                       SILTA_METRIC_COUNTER, NULL, NULL), 0);
    cr_assert_eq(silta_metrics_declare(m, "x_records_rejected_total", "Records rejected.",
                                       SILTA_METRIC_COUNTER, "reason", s_reasons), 0);
    cr_assert_eq(silta_metrics_declare(m, "x_oldest_seconds", "Oldest file's age.",
                                       SILTA_METRIC_GAUGE, NULL, NULL), 0);
    return m;
}

Test(metrics, renders_declared_series_from_zero)
{
    silta_metrics_t *m = s_registry();
    silta_buf_t b;
    silta_buf_init(&b);
    silta_metrics_render(m, &b);
    cr_assert_str_eq(b.data, "# HELP x_records_read_total Records read.\n"
                             "# TYPE x_records_read_total counter\n"
                             "x_records_read_total 0\n"
                             "# HELP x_records_rejected_total Records rejected.\n"
                             "# TYPE x_records_rejected_total counter\n"
                             "x_records_rejected_total{reason=\"invalid\"} 0\n"
                             "x_records_rejected_total{reason=\"refused\"} 0\n"
                             "# HELP x_oldest_seconds Oldest file's age.\n"
                             "# TYPE x_oldest_seconds gauge\n"
                             "x_oldest_seconds 0\n");
    silta_buf_free(&b);
    silta_metrics_destroy(&m);
    silta_metrics_destroy(&m);
    cr_assert_null(m);
}

Test(metrics, counters_add_gauges_set_unknown_refused)
{
    silta_metrics_t *m = s_registry();
    cr_assert_eq(silta_metrics_add(m, "x_records_read_total", NULL, 3), 0);
    cr_assert_eq(silta_metrics_add(m, "x_records_read_total", NULL, 2), 0);
    cr_assert_eq(silta_metrics_add(m, "x_records_rejected_total", "refused", 1), 0);
    cr_assert_eq(silta_metrics_set(m, "x_oldest_seconds", NULL, 12.5), 0);
    cr_assert_eq(silta_metrics_set(m, "x_oldest_seconds", NULL, 1.5), 0);
    cr_assert_eq(silta_metrics_get(m, "x_records_read_total", NULL), 5);
    cr_assert_eq(silta_metrics_get(m, "x_records_rejected_total", "refused"), 1);
    cr_assert_eq(silta_metrics_get(m, "x_records_rejected_total", "invalid"), 0);
    cr_assert_eq(silta_metrics_get(m, "x_oldest_seconds", NULL), 1.5);
    cr_assert_eq(silta_metrics_add(m, "x_records_rejected_total", "other", 1), SILTA_EINVAL);
    cr_assert_eq(silta_metrics_add(m, "x_nothing_total", NULL, 1), SILTA_EINVAL);
    cr_assert_eq(silta_metrics_add(m, "x_records_read_total", NULL, -1), SILTA_EINVAL);
    cr_assert_eq(silta_metrics_declare(m, "x_records_read_total", "again",
                                       SILTA_METRIC_COUNTER, NULL, NULL), SILTA_EINVAL);
    silta_buf_t b;
    silta_buf_init(&b);
    silta_metrics_render(m, &b);
    cr_assert(strstr(b.data, "\nx_records_read_total 5\n"));
    cr_assert(strstr(b.data, "\nx_records_rejected_total{reason=\"refused\"} 1\n"));
    cr_assert(strstr(b.data, "\nx_oldest_seconds 1.5\n"));
    silta_buf_free(&b);
    silta_metrics_destroy(&m);
}

Test(metrics, bind_check_allows_loopback_only)
{
    silta_err_t err;
    unsetenv("SILTA_METRICS_ALLOW_REMOTE");
    cr_assert_eq(silta_metrics_bind_check("K", "127.0.0.1:9100", &err), 0);
    cr_assert_eq(silta_metrics_bind_check("K", "localhost:9100", &err), 0);
    cr_assert_eq(silta_metrics_bind_check("K", "[::1]:9100", &err), 0);
    cr_assert_eq(silta_metrics_bind_check("K", "0.0.0.0:9100", &err), SILTA_EINVAL);
    cr_assert(strstr(err.msg, "K: not a loopback address"), "%s", err.msg);
    cr_assert_eq(silta_metrics_bind_check("K", "10.1.2.3:9100", &err), SILTA_EINVAL);
    setenv("SILTA_METRICS_ALLOW_REMOTE", "1", 1);
    cr_assert_eq(silta_metrics_bind_check("K", "0.0.0.0:9100", &err), 0);
    unsetenv("SILTA_METRICS_ALLOW_REMOTE");
}

Test(metrics, serves_metrics_and_healthz)
{
    silta_metrics_t *m = s_registry();
    silta_err_t err;
    unsetenv("SILTA_TEST_METRICS_BIND");
    cr_assert_eq(silta_metrics_serve_env(m, "SILTA_TEST_METRICS_BIND", &err), 0);
    cr_assert_eq(silta_metrics_port(m), 0, "off when the key is unset");
    setenv("SILTA_TEST_METRICS_BIND", "0.0.0.0:0", 1);
    cr_assert_eq(silta_metrics_serve_env(m, "SILTA_TEST_METRICS_BIND", &err), SILTA_EINVAL);
    setenv("SILTA_TEST_METRICS_BIND", "127.0.0.1:0", 1);
    cr_assert_eq(silta_metrics_serve_env(m, "SILTA_TEST_METRICS_BIND", &err), 0, "%s", err.msg);
    int port = silta_metrics_port(m);
    cr_assert_gt(port, 0);
    silta_metrics_add(m, "x_records_read_total", NULL, 7);
    char *reply = NULL;
    cr_assert_eq(harness_http_request(port, "GET", "/metrics", NULL, NULL, 0, &reply, 5000), 200);
    cr_assert(strstr(reply, "text/plain; version=0.0.4"), "%s", reply);
    cr_assert(strstr(reply, "\nx_records_read_total 7\n"), "%s", reply);
    free(reply);
    cr_assert_eq(harness_http_request(port, "GET", "/healthz", NULL, NULL, 0, &reply, 5000), 200);
    free(reply);
    cr_assert_eq(harness_http_request(port, "GET", "/other", NULL, NULL, 0, &reply, 5000), 404);
    free(reply);
    silta_metrics_destroy(&m);
    unsetenv("SILTA_TEST_METRICS_BIND");
}
