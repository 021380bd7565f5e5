/*  hub_metrics.c - Prometheus text format and the status page. */
#include "hub_metrics.h"

#include <string.h>

static const double S_BOUNDS[HUB_METRICS_BUCKETS] = {0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1,
                                                     0.25,  0.5,   1.0,   2.5,  5.0,  10.0};

void hub_metrics_confirm(hub_metrics_t *m, double seconds)
{
    for (int i = 0; i < HUB_METRICS_BUCKETS; i++)
        if (seconds <= S_BOUNDS[i]) {
            m->confirm_buckets[i]++;
            break;
        }
    m->confirm_count++;
    m->confirm_sum_s += seconds;
}

void hub_metrics_db(hub_metrics_t *m, double seconds)
{
    m->db_count++;
    m->db_sum_s += seconds;
    m->db_last_s = seconds;
}

static void s_counter(silta_buf_t *o, const char *name, const char *help, uint64_t v)
{
    silta_buf_printf(o, "# HELP %s %s\n# TYPE %s counter\n%s %llu\n", name, help, name, name,
                     (unsigned long long)v);
}

/* Consumer and identity names are checked tokens (a-z 0-9 . _ -): no escaping needed. */
void hub_metrics_render(const hub_metrics_t *m, const hub_metrics_consumer_t *c, size_t nc,
                        const hub_metrics_peer_t *peers, size_t np, int database_up,
                        silta_buf_t *o)
{
    silta_buf_puts(o, "# HELP silta_hub_up The hub answers scrapes.\n# TYPE silta_hub_up gauge\n"
                      "silta_hub_up 1\n");
    silta_buf_printf(o, "# HELP silta_database_up The journal's PostgreSQL connection is up.\n"
                        "# TYPE silta_database_up gauge\nsilta_database_up %d\n",
                     database_up);
    if (m->journal_sized_ms)
        silta_buf_printf(o,
                         "# HELP silta_hub_journal_bytes The journal's partitions on disk "
                         "(tables, indexes, TOAST), measured once a minute.\n"
                         "# TYPE silta_hub_journal_bytes gauge\nsilta_hub_journal_bytes %lld\n"
                         "# HELP silta_hub_journal_partitions The journal's live partitions "
                         "(siltactl journal retain drops old ones).\n"
                         "# TYPE silta_hub_journal_partitions gauge\n"
                         "silta_hub_journal_partitions %lld\n",
                         (long long)m->journal_bytes, (long long)m->journal_partitions);
    s_counter(o, "silta_published_total", "PUBLISH packets accepted into a batch.", m->published);
    s_counter(o, "silta_confirmed_total", "Events confirmed after commit.", m->confirmed);
    s_counter(o, "silta_duplicates_total", "Publishes confirmed as duplicates.", m->duplicates);
    s_counter(o, "silta_nacked_total", "NACKs sent.", m->nacked);
    s_counter(o, "silta_delivered_total", "DELIVER packets sent.", m->delivered);
    s_counter(o, "silta_acked_total", "Deliveries acknowledged.", m->acked);
    s_counter(o, "silta_rejected_total", "Deliveries rejected by consumers.", m->rejected);
    s_counter(o, "silta_dead_lettered_total", "Deliveries dead-lettered after max attempts.",
              m->dead);
    s_counter(o, "silta_withheld_total", "Deliveries withheld (no route or no consent).",
              m->withheld);
    s_counter(o, "silta_disclosures_total", "Disclosure-log rows written.", m->disclosures);

    silta_buf_puts(o, "# HELP silta_confirm_latency_seconds PUBLISH received to CONFIRM sent.\n"
                      "# TYPE silta_confirm_latency_seconds histogram\n");
    uint64_t cum = 0;
    for (int i = 0; i < HUB_METRICS_BUCKETS; i++) {
        cum += m->confirm_buckets[i];
        silta_buf_printf(o, "silta_confirm_latency_seconds_bucket{le=\"%g\"} %llu\n", S_BOUNDS[i],
                         (unsigned long long)cum);
    }
    silta_buf_printf(o,
                     "silta_confirm_latency_seconds_bucket{le=\"+Inf\"} %llu\n"
                     "silta_confirm_latency_seconds_sum %.6f\n"
                     "silta_confirm_latency_seconds_count %llu\n",
                     (unsigned long long)m->confirm_count, m->confirm_sum_s,
                     (unsigned long long)m->confirm_count);
    silta_buf_printf(o,
                     "# HELP silta_database_roundtrip_seconds Journal append round trips.\n"
                     "# TYPE silta_database_roundtrip_seconds summary\n"
                     "silta_database_roundtrip_seconds_sum %.6f\n"
                     "silta_database_roundtrip_seconds_count %llu\n"
                     "# HELP silta_database_last_roundtrip_seconds The latest journal append.\n"
                     "# TYPE silta_database_last_roundtrip_seconds gauge\n"
                     "silta_database_last_roundtrip_seconds %.6f\n",
                     m->db_sum_s, (unsigned long long)m->db_count, m->db_last_s);

    static const char *const gauges[][2] = {
        {"silta_queue_depth", "Deliveries waiting (not in flight)."},
        {"silta_queue_in_flight", "Deliveries sent and not yet acknowledged."},
        {"silta_queue_oldest_age_seconds", "Age of the oldest waiting or unacknowledged event."},
        {"silta_queue_credit", "Credit granted by the attached session."},
        {"silta_consumer_connected", "A session is attached to the queue."},
        {"silta_dead_letters", "Dead letters waiting for an operator."}};
    for (size_t g = 0; g < sizeof gauges / sizeof gauges[0]; g++) {
        silta_buf_printf(o, "# HELP %s %s\n# TYPE %s gauge\n", gauges[g][0], gauges[g][1],
                         gauges[g][0]);
        for (size_t i = 0; i < nc; i++) {
            double v = g == 0   ? (double)c[i].queued
                       : g == 1 ? (double)c[i].in_flight
                       : g == 2 ? c[i].oldest_age_s
                       : g == 3 ? (double)c[i].credit
                       : g == 4 ? (double)c[i].connected
                                : (double)c[i].dead_letters;
            silta_buf_printf(o, "%s{consumer=\"%s\"} %g\n", gauges[g][0], c[i].name, v);
        }
    }
    silta_buf_puts(o, "# HELP silta_connected_peers Open sessions per authenticated identity.\n"
                      "# TYPE silta_connected_peers gauge\n");
    for (size_t i = 0; i < np; i++)
        silta_buf_printf(o, "silta_connected_peers{identity=\"%s\"} %d\n", peers[i].identity,
                         peers[i].sessions);
}

void hub_metrics_render_html(const hub_metrics_t *m, const hub_metrics_consumer_t *c, size_t nc,
                             const hub_metrics_peer_t *peers, size_t np, int database_up,
                             const char *instance, silta_buf_t *o)
{
    silta_buf_printf(o,
                     "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
                     "<meta http-equiv=\"refresh\" content=\"5\"><title>silta-hub</title>"
                     "<style>body{font-family:sans-serif;margin:1em}table{border-collapse:"
                     "collapse}td,th{border:1px solid #ccc;padding:.2em .6em;text-align:right}"
                     "th:first-child,td:first-child{text-align:left}.bad{color:#b00}</style>"
                     "</head><body><h1>silta-hub</h1><p>instance %s &middot; database "
                     "<b class=\"%s\">%s</b> &middot; <a href=\"/metrics\">/metrics</a></p>",
                     instance, database_up ? "" : "bad", database_up ? "up" : "DOWN");
    silta_buf_printf(o,
                     "<p>published %llu &middot; confirmed %llu &middot; delivered %llu &middot; "
                     "acknowledged %llu &middot; withheld %llu &middot; dead-lettered %llu</p>",
                     (unsigned long long)m->published, (unsigned long long)m->confirmed,
                     (unsigned long long)m->delivered, (unsigned long long)m->acked,
                     (unsigned long long)m->withheld,
                     (unsigned long long)(m->dead + m->rejected));
    silta_buf_puts(o, "<h2>Queues</h2><table><tr><th>consumer</th><th>attached</th><th>waiting"
                      "</th><th>in flight</th><th>oldest (s)</th><th>dead letters</th></tr>");
    for (size_t i = 0; i < nc; i++)
        silta_buf_printf(o,
                         "<tr><td>%s</td><td>%s</td><td>%zu</td><td>%zu</td><td>%.1f</td>"
                         "<td class=\"%s\">%ld</td></tr>",
                         c[i].name, c[i].connected ? "yes" : "no", c[i].queued, c[i].in_flight,
                         c[i].oldest_age_s, c[i].dead_letters ? "bad" : "", c[i].dead_letters);
    silta_buf_puts(o, "</table><h2>Connected</h2><table><tr><th>identity</th><th>sessions</th>"
                      "</tr>");
    for (size_t i = 0; i < np; i++)
        silta_buf_printf(o, "<tr><td>%s</td><td>%d</td></tr>", peers[i].identity,
                         peers[i].sessions);
    silta_buf_puts(o, "</table></body></html>\n");
}
