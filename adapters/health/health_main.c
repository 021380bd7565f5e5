/*  health_main.c - silta-health: FHIR referrals onto the bus, referral status
 *  back to health care as FHIR Task.
 *
 *  Inbound, two doors to one mapping (health_map.c, on health_res's one
 *  in-memory form for JSON and XML):
 *    - files in the inbox: one FHIR document each, XML or JSON (a
 *      ServiceRequest, or a Bundle with a ServiceRequest and its Patient); a
 *      refused one goes to rejected/ with a report saying why;
 *    - FHIR REST on silta_http's threads (health_rest.c, health_tx.c): the
 *      server threads hand each referral to this loop, which publishes it,
 *      waits for the hub's CONFIRM and stores it for reading back.
 *  Both publish health.referral.v1 (HealthReferral) and, once the hub has
 *  confirmed it, store the ServiceRequest for reading back (a file's in
 *  on_confirmed). Outbound:
 *  social.referral_status.v1 -> task-<event_id>.xml (FHIR Task) in the outbox,
 *  and the same Task in the store, where GET /fhir/Task?based-on= finds it.
 */
#include "events.pb-c.h"
#include "health_map.h"
#include "health_out.h"
#include "health_res.h"
#include "health_rest.h"
#include "health_store.h"
#include "health_time.h"
#include "silta_adapter.h"
#include "silta_batch.h"
#include "silta_env.h"
#include "silta_log.h"

#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_MAX_DOC_DEFAULT (1u << 20)
#define S_CONFIRM_MS 10000

typedef struct {
    silta_adapter_t *a;
    health_rest_t *rest;
    health_store_t *store;
    size_t max_doc;
    /* The referral of the inbox file being read, stored once the hub confirms it. */
    json_t *file_sr;
    char file_id[128];
} health_t;

static const char *const s_out_types[] = {"social.referral_status.v1", NULL};

/* The port of http://127.0.0.1:PORT, or 0. */
static int s_url_port(const char *url)
{
    const char *p = url ? strrchr(url, ':') : NULL;
    return p && p > url + 5 ? atoi(p + 1) : 0;
}

/* Main loop, from health_tx_serve: one referral to the hub. */
static int s_publish(void *arg, const Silta__HealthReferral *m,
                     char event_id[SILTA_UUID_STRLEN + 1], int *duplicate, silta_err_t *err)
{
    health_t *h = arg;
    return silta_adapter_publish_wait(h->a, "health.referral.v1", &m->base, "health/http",
                                      S_CONFIRM_MS, event_id, duplicate, err);
}

static int s_init(silta_adapter_t *a, void **state, silta_err_t *err)
{
    if (health_time_init(err) != 0) /* before the server threads start */
        return SILTA_ERR;
    health_t *h = calloc(1, sizeof *h);
    if (!h)
        return silta_err_set(err, SILTA_ERR, "out of memory");
    h->a = a;
    const char *v = silta_env_get("SILTA_FHIR_MAX_DOC", NULL);
    h->max_doc = v ? (size_t)strtoull(v, NULL, 10) : 0;
    if (!h->max_doc)
        h->max_doc = S_MAX_DOC_DEFAULT;
    /* $SILTA_HOME/spool/health/fhir: beside the inbox */
    char dir[SILTA_SPOOL_PATH_MAX], inbox[SILTA_SPOOL_PATH_MAX];
    snprintf(inbox, sizeof inbox, "%s", silta_adapter_spool(a)->inbox);
    snprintf(dir, sizeof dir, "%.*s/fhir", (int)(sizeof dir - 8), dirname(inbox));
    h->store = health_store_open(dir, err);
    int port = s_url_port(silta_env_get("SILTA_HEALTH_URL", NULL));
    if (!port)
        port = atoi(silta_env_get("SILTA_HEALTH_HTTP_PORT", "0"));
    static const char *const classes[] = {"2xx", "3xx", "4xx", "5xx", NULL};
    silta_metrics_declare(silta_adapter_metrics(a), HEALTH_REST_ANSWERS,
                          "FHIR answers by HTTP status class.", SILTA_METRIC_COUNTER, "class",
                          classes);
    health_rest_opts_t o = {port, h->max_doc, h->store, s_publish, h, silta_adapter_metrics(a)};
    h->rest = h->store ? health_rest_start(&o, err) : NULL;
    if (!h->rest) {
        health_store_close(&h->store);
        free(h);
        return SILTA_ERR;
    }
    silta_info("fhir endpoint listening", "url=http://127.0.0.1:%d/fhir",
               health_rest_port(h->rest));
    *state = h;
    return 0;
}

/* JSON when the first character says so, else XML. */
static health_fmt_t s_sniff(const char *data, size_t n)
{
    size_t i = 0;
    while (i < n && (data[i] == ' ' || data[i] == '\t' || data[i] == '\r' || data[i] == '\n'))
        i++;
    return i < n && data[i] == '{' ? HEALTH_FMT_JSON : HEALTH_FMT_XML;
}

static int s_on_input(silta_adapter_t *a, void *state, const char *path, const char *name)
{
    (void)name;
    health_t *h = state;
    json_decref(h->file_sr); /* the last file's, when the hub refused it */
    h->file_sr = NULL;
    FILE *f = fopen(path, "rb");
    if (!f) {
        silta_adapter_reject(a, 0, "-", strerror(errno));
        return SILTA_EINVAL;
    }
    char *data = malloc(h->max_doc + 1);
    size_t n = data ? fread(data, 1, h->max_doc + 1, f) : 0;
    fclose(f);
    silta_err_t err = {0};
    int rc = 0;
    if (!data) {
        rc = SILTA_EAGAIN;
    } else if (n > h->max_doc) {
        snprintf(err.msg, sizeof err.msg, "document is larger than the limit of %zu bytes",
                 h->max_doc);
        silta_adapter_reject(a, 0, "-", err.msg);
        rc = SILTA_EINVAL;
    } else {
        json_t *doc = health_res_parse(data, n, s_sniff(data, n), h->max_doc, &err);
        health_referral_t r;
        int mrc = doc ? health_map_document(doc, NULL, &r, &err) : SILTA_EINVAL;
        json_decref(doc);
        if (!doc) {
            silta_adapter_reject(a, 0, "-", err.msg);
            rc = SILTA_EINVAL;
        } else if (mrc == SILTA_ERR) {
            rc = SILTA_EAGAIN;
        } else if (mrc != 0) {
            silta_adapter_reject(a, 1, "subject", err.msg);
        } else {
            const char *field = "-";
            /* kept for s_on_confirmed, which stores it once the hub confirms it */
            h->file_sr = json_incref(r.resource);
            snprintf(h->file_id, sizeof h->file_id, "%s", r.msg->referral_id);
            rc = silta_adapter_publish(a, "health.referral.v1", &r.msg->base, 1, &field, &err);
            if (rc != 0) {
                json_decref(h->file_sr);
                h->file_sr = NULL;
            }
            if (rc == SILTA_EINVAL) {
                silta_adapter_reject(a, 1, field, err.msg);
                rc = 0;
            }
            health_referral_clear(&r);
        }
    }
    free(data);
    return rc;
}

/* The hub has journalled the referral of the current inbox file: store it as
 * the REST door does, so GET /fhir/ServiceRequest/{id} reads it back and its
 * Tasks carry its business identifier. */
static void s_on_confirmed(silta_adapter_t *a, void *state, unsigned long record,
                           const char *event_id, int duplicate)
{
    (void)a;
    health_t *h = state;
    if (!h->file_sr || record != 1)
        return;
    long version = 0;
    silta_err_t err;
    if (health_store_accepted(h->store, h->file_sr, h->file_id, duplicate, &version, &err) != 0)
        silta_error("could not store the ServiceRequest", "event_id=%s", event_id);
    json_decref(h->file_sr);
    h->file_sr = NULL;
}

/* The business identifier of a stored referral (a new reference), or NULL. */
static json_t *s_sr_identifier(health_t *h, const char *referral_id)
{
    json_t *sr = health_store_get(h->store, "ServiceRequest", referral_id);
    json_t *out = NULL;
    for (size_t i = 0; sr && !out && i < health_res_count(sr, "identifier"); i++) {
        json_t *id = health_res_at(sr, "identifier", i);
        const char *sys = health_res_str(id, "system");
        if (sys && strcmp(sys, HEALTH_HETU_SYSTEM) != 0 && health_res_str(id, "value"))
            out = json_incref(id);
    }
    json_decref(sr);
    return out;
}

static int s_on_event(silta_adapter_t *a, void *state, const silta_envelope_t *ev,
                      silta_err_t *reason)
{
    health_t *h = state;
    if (strcmp(ev->type, "social.referral_status.v1") != 0)
        return silta_err_set(reason, SILTA_EINVAL, "silta-health does not write %s", ev->type);
    ProtobufCMessage *m = silta_batch_unpack(ev, &silta__referral_status__descriptor, reason);
    if (!m)
        return SILTA_EINVAL;
    const Silta__ReferralStatus *st = (const Silta__ReferralStatus *)m;
    json_t *ident = st->referral_id && health_res_id_valid(st->referral_id)
                        ? s_sr_identifier(h, st->referral_id) : NULL;
    json_t *task = NULL;
    int rc = health_out_task(st, ev->event_id, (long long)ev->recorded_at, ident, &task, reason);
    json_decref(ident);
    protobuf_c_message_free_unpacked(m, NULL);
    if (rc != 0)
        return rc == SILTA_EINVAL ? rc : SILTA_EAGAIN;
    size_t len = 0;
    char *xml = health_res_dump(task, HEALTH_FMT_XML, &len), file[128];
    snprintf(file, sizeof file, "task-%s.xml", ev->event_id);
    rc = xml ? silta_spool_write(silta_adapter_spool(a)->outbox, file, xml, len, reason)
             : SILTA_ERR;
    if (rc == 0)
        rc = health_store_put(h->store, task, reason);
    free(xml);
    json_decref(task);
    return rc == 0 ? 0 : SILTA_EAGAIN;
}

static void s_on_tick(silta_adapter_t *a, void *state)
{
    (void)a;
    health_t *h = state;
    health_rest_serve(h->rest);
}

static void s_destroy(void *state)
{
    health_t *h = state;
    health_rest_stop(&h->rest);
    health_store_close(&h->store);
    json_decref(h->file_sr);
    free(h);
}

static const silta_adapter_ops_t s_ops = {
    .name = "health",
    .out_types = s_out_types,
    .tick_ms = 10,
    .init = s_init,
    .on_input = s_on_input,
    .on_event = s_on_event,
    .on_confirmed = s_on_confirmed,
    .on_tick = s_on_tick,
    .destroy = s_destroy,
};

int main(int argc, char **argv)
{
    return silta_adapter_main(&s_ops, argc, argv);
}
