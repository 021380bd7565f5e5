/*  cs_metrics.c - the case store's metric families and the alert gauges
 *  (cs_metrics.h). Stateless: the registry holds the values. */
#include "cs_metrics.h"

#include <string.h>

#include "rules/cs_rules.h"

silta_metrics_t *cs_metrics_new(void)
{
    static const char *const results[] = {"ok", "failed", "throttled", NULL};
    /* rule names are static strings of the rule table */
    static const char *rules[32];
    size_t n = 0;
    const cs_rule_t *all = cs_rules_all(&n);
    for (size_t i = 0; i < n && i < 31; i++)
        rules[i] = all[i].name;
    rules[n < 31 ? n : 31] = NULL; /* 11 rules today */
    silta_metrics_t *m = silta_metrics_new();
    if (!m)
        return NULL;
    silta_metrics_declare(m, CS_METRICS_APPLIED, "Deliveries applied and acknowledged.",
                          SILTA_METRIC_COUNTER, NULL, NULL);
    silta_metrics_declare(m, CS_METRICS_REJECTED, "Deliveries rejected as unusable.",
                          SILTA_METRIC_COUNTER, NULL, NULL);
    silta_metrics_declare(m, CS_METRICS_LAG,
                          "Last batch: largest time from the hub's commit to applied here.",
                          SILTA_METRIC_GAUGE, NULL, NULL);
    silta_metrics_declare(m, CS_METRICS_OPEN, "Open alerts.", SILTA_METRIC_GAUGE, "rule", rules);
    silta_metrics_declare(m, CS_METRICS_OVERDUE, "Open alerts past their due date.",
                          SILTA_METRIC_GAUGE, "rule", rules);
    silta_metrics_declare(m, CS_METRICS_LOGINS, "Inbox logins by result.", SILTA_METRIC_COUNTER,
                          "result", results);
    silta_metrics_declare(m, CS_METRICS_CONNECTED, "The hub session is up.", SILTA_METRIC_GAUGE,
                          NULL, NULL);
    return m;
}

typedef struct {
    const cs_rule_t *all;
    size_t n;
    long open[32], overdue[32];
} s_counts_t;

static void s_count(const char *rule, long open, long overdue, void *arg)
{
    s_counts_t *c = arg;
    for (size_t i = 0; i < c->n; i++)
        if (strcmp(c->all[i].name, rule) == 0) {
            c->open[i] = open;
            c->overdue[i] = overdue;
        }
}

int cs_metrics_alerts(silta_metrics_t *m, cs_store_t *store, cs_day_t today, silta_err_t *err)
{
    s_counts_t c = {0};
    c.all = cs_rules_all(&c.n);
    if (c.n > 32)
        c.n = 32;
    int rc = cs_store_alert_counts(store, today, s_count, &c, err);
    if (rc != 0)
        return rc;
    /* a rule whose alerts all closed is absent from the answer: it goes to 0 */
    for (size_t i = 0; i < c.n; i++) {
        silta_metrics_set(m, CS_METRICS_OPEN, c.all[i].name, (double)c.open[i]);
        silta_metrics_set(m, CS_METRICS_OVERDUE, c.all[i].name, (double)c.overdue[i]);
    }
    return 0;
}
