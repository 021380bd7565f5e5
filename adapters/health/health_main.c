/*  health_main.c - silta-health: FHIR referrals onto the bus, referral status
 *  back to health care as FHIR Task.
 *
 *  Inbound, two doors to one mapping (health_fhir.c):
 *    - files in the inbox: one FHIR XML document each (ServiceRequest, or a
 *      Bundle with a ServiceRequest and its Patient); a refused one goes to
 *      rejected/ with a report saying why;
 *    - HTTP: POST $SILTA_HEALTH_URL/fhir/ServiceRequest and /fhir/Bundle
 *      (health_http.c), answered with an OperationOutcome after the hub has
 *      journalled the event (201), or 4xx with the reason.
 *  Both publish health.referral.v1 (HealthReferral). Outbound:
 *  social.referral_status.v1 -> task-<event_id>.xml (FHIR Task) in the outbox.
 */
#include "events.pb-c.h"
#include "health_fhir.h"
#include "health_http.h"
#include "silta_adapter.h"
#include "silta_batch.h"
#include "silta_env.h"
#include "silta_log.h"
#include "silta_xml.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_MAX_DOC_DEFAULT (1u << 20)
#define S_CONFIRM_MS 10000

typedef struct {
    silta_adapter_t *a;
    health_http_t *http;
    size_t max_doc;
} health_t;

static const char *const s_out_types[] = {"social.referral_status.v1", NULL};

/* The port of http://127.0.0.1:PORT, or 0. */
static int s_url_port(const char *url)
{
    const char *p = url ? strrchr(url, ':') : NULL;
    return p && p > url + 5 ? atoi(p + 1) : 0;
}

static void s_reply(health_http_reply_t *r, int status, const char *severity, const char *code,
                    const char *text)
{
    r->status = status;
    r->body = health_fhir_outcome(severity, code, text, &r->len);
}

static void s_handle(void *arg, const char *method, const char *path, const char *ctype,
                     const char *body, size_t len, health_http_reply_t *reply)
{
    health_t *h = arg;
    const char *expect = strcmp(path, "/fhir/ServiceRequest") == 0 ? "ServiceRequest"
                         : strcmp(path, "/fhir/Bundle") == 0       ? "Bundle"
                                                                   : NULL;
    if (!expect) {
        s_reply(reply, 404, "error", "not-found",
                "no such endpoint: POST /fhir/ServiceRequest or /fhir/Bundle");
    } else if (strcmp(method, "POST") != 0) {
        s_reply(reply, 405, "error", "not-supported", "only POST is supported here");
    } else if (ctype[0] && !strstr(ctype, "xml")) {
        s_reply(reply, 415, "error", "not-supported",
                "send FHIR XML (Content-Type: application/fhir+xml)");
    } else {
        silta_err_t err = {0};
        silta_xml_limits_t lim = {h->max_doc, h->max_doc};
        xmlDocPtr doc = silta_xml_parse_memory(body, len, &lim, &err);
        Silta__HealthReferral *m = doc ? health_fhir_referral(doc, expect, &err) : NULL;
        if (doc)
            xmlFreeDoc(doc);
        if (!doc) {
            s_reply(reply, 400, "error", "structure", err.msg);
        } else if (!m) {
            s_reply(reply, 422, "error", "processing", err.msg);
        } else {
            char id[SILTA_UUID_STRLEN + 1] = "", text[200];
            int dup = 0;
            int rc = silta_adapter_publish_wait(h->a, "health.referral.v1", &m->base,
                                                "health/http", S_CONFIRM_MS, id, &dup, &err);
            silta__health_referral__free_unpacked(m, NULL);
            if (rc == 0) {
                snprintf(text, sizeof text, "referral accepted as event %s%s", id,
                         dup ? " (already received earlier)" : "");
                s_reply(reply, 201, "information", "informational", text);
            } else if (rc == SILTA_EINVAL) {
                s_reply(reply, 422, "error", "processing", err.msg);
            } else {
                s_reply(reply, 503, "error", "transient",
                        "the hub did not confirm the referral in time; send it again");
            }
        }
    }
    silta_info("http request", "method=%.10s path=%.60s status=%d", method, path, reply->status);
}

static int s_init(silta_adapter_t *a, void **state, silta_err_t *err)
{
    health_t *h = calloc(1, sizeof *h);
    if (!h)
        return silta_err_set(err, SILTA_ERR, "out of memory");
    h->a = a;
    const char *v = silta_env_get("SILTA_FHIR_MAX_DOC", NULL);
    h->max_doc = v ? (size_t)strtoull(v, NULL, 10) : 0;
    if (!h->max_doc)
        h->max_doc = S_MAX_DOC_DEFAULT;
    int port = s_url_port(silta_env_get("SILTA_HEALTH_URL", NULL));
    if (!port)
        port = atoi(silta_env_get("SILTA_HEALTH_HTTP_PORT", "0"));
    h->http = health_http_new(port, h->max_doc, s_handle, h, err);
    if (!h->http) {
        free(h);
        return SILTA_ERR;
    }
    silta_info("fhir endpoint listening", "url=http://127.0.0.1:%d/fhir",
               health_http_port(h->http));
    *state = h;
    return 0;
}

static int s_on_input(silta_adapter_t *a, void *state, const char *path, const char *name)
{
    (void)name;
    health_t *h = state;
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
        silta_xml_limits_t lim = {h->max_doc, h->max_doc};
        xmlDocPtr doc = silta_xml_parse_memory(data, n, &lim, &err);
        Silta__HealthReferral *m = doc ? health_fhir_referral(doc, NULL, &err) : NULL;
        if (doc)
            xmlFreeDoc(doc);
        if (!doc) {
            silta_adapter_reject(a, 0, "-", err.msg);
            rc = SILTA_EINVAL;
        } else if (!m) {
            silta_adapter_reject(a, 1, "subject", err.msg);
        } else {
            const char *field = "-";
            rc = silta_adapter_publish(a, "health.referral.v1", &m->base, 1, &field, &err);
            if (rc == SILTA_EINVAL) {
                silta_adapter_reject(a, 1, field, err.msg);
                rc = 0;
            }
            silta__health_referral__free_unpacked(m, NULL);
        }
    }
    free(data);
    return rc;
}

static int s_on_event(silta_adapter_t *a, void *state, const silta_envelope_t *ev,
                      silta_err_t *reason)
{
    (void)state;
    if (strcmp(ev->type, "social.referral_status.v1") != 0)
        return silta_err_set(reason, SILTA_EINVAL, "silta-health does not write %s", ev->type);
    ProtobufCMessage *m = silta_batch_unpack(ev, &silta__referral_status__descriptor, reason);
    if (!m)
        return SILTA_EINVAL;
    char *xml = NULL, file[128];
    size_t len = 0;
    int rc = health_fhir_task((const Silta__ReferralStatus *)m, ev->event_id,
                              (long long)ev->recorded_at, &xml, &len, reason);
    protobuf_c_message_free_unpacked(m, NULL);
    if (rc != 0)
        return rc == SILTA_EINVAL ? rc : SILTA_EAGAIN;
    snprintf(file, sizeof file, "task-%s.xml", ev->event_id);
    rc = silta_spool_write(silta_adapter_spool(a)->outbox, file, xml, len, reason);
    free(xml);
    return rc == 0 ? 0 : SILTA_EAGAIN;
}

static void s_on_tick(silta_adapter_t *a, void *state)
{
    (void)a;
    health_t *h = state;
    health_http_serve(h->http);
}

static void s_destroy(void *state)
{
    health_t *h = state;
    health_http_destroy(&h->http);
    free(h);
}

static const silta_adapter_ops_t s_ops = {
    .name = "health",
    .out_types = s_out_types,
    .tick_ms = 20,
    .init = s_init,
    .on_input = s_on_input,
    .on_event = s_on_event,
    .on_tick = s_on_tick,
    .destroy = s_destroy,
};

int main(int argc, char **argv)
{
    return silta_adapter_main(&s_ops, argc, argv);
}
