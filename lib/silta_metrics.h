/*  silta_metrics.h - a program's own Prometheus metrics: a small registry of
 *  counters and gauges and the /metrics endpoint that serves it.
 *
 *  A program declares its families once (name, help, type, at most one label
 *  name and its fixed set of values), then counts from any thread; the HTTP
 *  thread renders the registry as Prometheus text exposition 0.0.4. A few
 *  dozen series per program: a linear array under one mutex.
 *
 *  Not here: histograms, the hub's own metrics (hub/hub_metrics.c), anything
 *  computed per scrape (a program sets its gauges from its main loop).
 *
 *      silta_metrics_t *m = silta_metrics_new();
 *      static const char *const reasons[] = {"invalid", "refused", NULL};
 *      silta_metrics_declare(m, "silta_adapter_records_rejected_total",
 *                            "Records rejected.", SILTA_METRIC_COUNTER, "reason", reasons);
 *      silta_metrics_serve_env(m, "SILTA_KELA_METRICS_BIND", &err);   // off when unset
 *      silta_metrics_add(m, "silta_adapter_records_rejected_total", "invalid", 1);
 *      ...
 *      silta_metrics_destroy(&m);                                       // stops serving
 *
 *  Names follow Prometheus conventions: counters end in _total, times are
 *  _seconds, sizes _bytes. Label values are static tokens chosen by the
 *  program (never input), so nothing is escaped.
 */
#ifndef SILTA_METRICS_H
#define SILTA_METRICS_H

#include "silta_buf.h"
#include "silta_err.h"

typedef struct silta_metrics_t silta_metrics_t;

typedef enum { SILTA_METRIC_COUNTER, SILTA_METRIC_GAUGE } silta_metric_type_t;

/* A new, empty registry (not serving), or NULL on out of memory. */
silta_metrics_t *silta_metrics_new(void);
/* Stop serving (when serving) and free. Harmless twice and on NULL. */
void silta_metrics_destroy(silta_metrics_t **self_p);

/* Declare a family. label NULL: one series without labels; otherwise one
 * series per value of the NULL-terminated `values` (borrowed static strings),
 * all starting at 0 so rate() sees the first increase. Returns 0, or
 * SILTA_EINVAL (name already declared, registry full, no values). */
int silta_metrics_declare(silta_metrics_t *self, const char *name, const char *help,
                          silta_metric_type_t type, const char *label,
                          const char *const *values);

/* Add delta to a series (counters: delta >= 0) / set a gauge. value is the
 * label value (NULL for a family without label). An undeclared series is API
 * misuse: ignored (returns SILTA_EINVAL) so a metric never stops a program. */
int silta_metrics_add(silta_metrics_t *self, const char *name, const char *value, double delta);
int silta_metrics_set(silta_metrics_t *self, const char *name, const char *value, double v);
/* The current value of a series, or -1 when undeclared (for tests). */
double silta_metrics_get(silta_metrics_t *self, const char *name, const char *value);

/* Append the exposition text (# HELP, # TYPE, samples) to out. */
void silta_metrics_render(silta_metrics_t *self, silta_buf_t *out);

/* 0 when bind ("HOST:PORT") may be used for key: a loopback host (127.0.0.0/8,
 * ::1, localhost), or any host when SILTA_METRICS_ALLOW_REMOTE=1. Otherwise
 * SILTA_EINVAL with the reason naming key (metrics can show what flows:
 * put an authenticating TLS proxy in front first). */
int silta_metrics_bind_check(const char *key, const char *bind, silta_err_t *err);

/* Serve GET /metrics (text/plain; version=0.0.4) and /healthz (200 "ok") on
 * the address in environment variable `key` (e.g. SILTA_KELA_METRICS_BIND),
 * on the HTTP layer's own threads (silta_http.h). Returns 0 when serving or
 * when key is unset or empty (metrics off); SILTA_EINVAL for an address
 * silta_metrics_bind_check refuses or cannot parse, SILTA_ERR when the port
 * cannot be bound. At most once per registry. */
int silta_metrics_serve_env(silta_metrics_t *self, const char *key, silta_err_t *err);
/* The port being served, or 0 when not serving. */
int silta_metrics_port(const silta_metrics_t *self);

#endif
