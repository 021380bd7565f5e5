/*  health_tx.c - creates and transaction / batch Bundles: map on the server
 *  thread, publish and store on the main loop, answer on the server thread.
 *
 *      server thread                          main loop (health_tx_serve)
 *      parse, map every ServiceRequest
 *      (refuse before publishing anything)
 *      silta_http_call_submit(work) --------> for each referral:
 *        waits                                  publish, wait for the hub
 *                                               CONFIRM -> store (version)
 *      <------------------------------------- silta_http_call_done
 *      201 / transaction-response / 422 / 503
 *
 *  A transaction is checked whole before anything is published; the hub
 *  confirms events one by one, so if it refuses one after earlier ones were
 *  confirmed, the answer says exactly which were accepted (the hub has no
 *  rollback, and the case store takes each referral on its own anyway).
 */
#include "health_map.h"
#include "health_out.h"
#include "health_rest_int.h"
#include "silta_log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_SUBMIT_MS 15000 /* the main loop may be waiting for the hub on another request */
#define S_MAX_ENTRIES 100
#define S_SKIPPED 1 /* rc: not published (an earlier entry of the transaction failed) */

typedef struct {
    health_referral_t ref;
    int job;       /* a referral to publish */
    int status;    /* 0, or the entry's own answer when it is not published */
    char note[600];
    /* filled by the main loop */
    int rc;
    char event_id[SILTA_UUID_STRLEN + 1];
    int duplicate;
    long version;
} s_entry_t;

typedef struct {
    s_entry_t *e;
    size_t n;
    int all_or_nothing;
} s_work_t;

/* ------------------------------------------------------------------ main loop */

/* After the CONFIRM: the accepted ServiceRequest with meta.versionId (the
 * same version for a duplicate, the next for a change). */
static void s_store(health_rest_t *self, s_entry_t *e)
{
    silta_err_t err;
    if (health_store_accepted(self->store, e->ref.resource, e->ref.msg->referral_id,
                              e->duplicate, &e->version, &err) != 0)
        silta_error("could not store the ServiceRequest", "event_id=%s", e->event_id);
}

void health_tx_serve(health_rest_t *self)
{
    silta_http_call_t *call;
    while ((call = silta_http_calls_take(self->calls)) != NULL) {
        s_work_t *w = call->user;
        int failed = 0;
        for (size_t i = 0; i < w->n; i++) {
            s_entry_t *e = &w->e[i];
            if (!e->job)
                continue;
            if (failed && w->all_or_nothing) {
                e->rc = S_SKIPPED;
                continue;
            }
            silta_err_t err = {0};
            e->rc = self->publish(self->publish_arg, e->ref.msg, e->event_id, &e->duplicate, &err);
            if (e->rc == 0)
                s_store(self, e);
            else
                snprintf(e->note, sizeof e->note, "%s", err.msg);
            failed |= e->rc != 0;
        }
        silta_http_call_done(self->calls, call);
    }
}

/* ------------------------------------------------------------------ server thread */

static int s_submit(health_ctx_t *c, s_work_t *w)
{
    int jobs = 0;
    for (size_t i = 0; i < w->n; i++)
        jobs += w->e[i].job;
    if (!jobs)
        return 0;
    if (silta_http_call_submit(c->self->calls, c->req, c->resp, w, S_SUBMIT_MS) == 0)
        return 0;
    health_rest_error(c, 503, "transient", "silta-health is busy; send the request again");
    return -1;
}

static void s_location(const s_entry_t *e, char *out, size_t len)
{
    snprintf(out, len, "ServiceRequest/%s/_history/%ld", e->ref.msg->referral_id, e->version);
}

static json_t *s_stored(health_ctx_t *c, const s_entry_t *e)
{
    json_t *r = health_store_get(c->self->store, "ServiceRequest", e->ref.msg->referral_id);
    return r ? r : json_incref(e->ref.resource);
}

static void s_outcome_text(const s_entry_t *e, char *out, size_t len)
{
    snprintf(out, len, "referral accepted as event %s, ServiceRequest/%s%s", e->event_id,
             e->ref.msg->referral_id,
             e->duplicate ? " (already received earlier)" : "");
}

static void s_answer_failed(health_ctx_t *c, const s_entry_t *e)
{
    if (e->rc == SILTA_EINVAL)
        health_rest_error(c, 422, "processing", "%s", e->note);
    else
        health_rest_error(c, 503, "transient",
                          "the hub did not confirm the referral in time; send it again (the "
                          "same referral gets the same id, so it is not received twice)");
}

void health_tx_create(health_ctx_t *c, json_t *doc, const char *expect)
{
    s_entry_t e;
    memset(&e, 0, sizeof e);
    silta_err_t err = {0};
    int rc = health_map_document(doc, expect, &e.ref, &err);
    json_decref(doc);
    if (rc != 0) {
        health_rest_error(c, rc == SILTA_EINVAL ? 422 : 500,
                          rc == SILTA_EINVAL ? "processing" : "exception", "%s", err.msg);
        return;
    }
    e.job = 1;
    s_work_t w = {&e, 1, 1};
    if (s_submit(c, &w) != 0) {
        health_referral_clear(&e.ref);
        return;
    }
    if (e.rc != 0) {
        s_answer_failed(c, &e);
        health_referral_clear(&e.ref);
        return;
    }
    char loc[400], abs[800], etag[40], text[400];
    s_location(&e, loc, sizeof loc);
    snprintf(abs, sizeof abs, "%s/%s", c->base, loc);
    snprintf(etag, sizeof etag, "W/\"%ld\"", e.version);
    health_return_t ret = health_rest_prefer(c);
    if (ret == HEALTH_RETURN_MINIMAL) {
        health_rest_answer(c, 201, NULL);
    } else if (ret == HEALTH_RETURN_REPRESENTATION) {
        health_rest_answer(c, 201, s_stored(c, &e));
    } else {
        s_outcome_text(&e, text, sizeof text);
        health_rest_answer(c, 201, health_out_outcome("information", "informational", text));
    }
    silta_http_resp_header(c->resp, "Location", abs);
    silta_http_resp_header(c->resp, "ETag", etag);
    health_referral_clear(&e.ref);
}

/* One entry of a transaction or batch, mapped (or given its own status). */
static void s_entry(const json_t *bundle, const json_t *entry, s_entry_t *e)
{
    const json_t *res = health_res_get(entry, "resource");
    const char *method = health_res_str(entry, "request/method");
    const char *url = health_res_str(entry, "request/url");
    const char *full = health_res_str(entry, "fullUrl");
    const char *type = res ? health_res_type(res) : "";
    if (!res || !method) {
        e->status = 400;
        snprintf(e->note, sizeof e->note, "an entry needs a resource and request.method");
    } else if (strcmp(method, "POST") != 0 && strcmp(method, "PUT") != 0) {
        e->status = 405;
        snprintf(e->note, sizeof e->note, "request.method %.10s is not supported here: POST or "
                                          "PUT a ServiceRequest", method);
    } else if (strcmp(type, "ServiceRequest") == 0) {
        char put_id[80] = "";
        if (strcmp(method, "PUT") == 0) {
            const char *p = url ? strstr(url, "ServiceRequest/") : NULL;
            if (!p || strchr(p, '?')) {
                e->status = 400;
                snprintf(e->note, sizeof e->note, "PUT needs request.url ServiceRequest/{id}");
                return;
            }
            snprintf(put_id, sizeof put_id, "%.70s", p + 15);
        }
        silta_err_t err = {0};
        int rc = health_map_referral(bundle, full, res, put_id[0] ? put_id : NULL, &e->ref, &err);
        if (rc != 0) {
            e->status = rc == SILTA_EINVAL ? 422 : 500;
            snprintf(e->note, sizeof e->note, "%s", err.msg);
        } else {
            e->job = 1;
        }
    } else if (strcmp(type, "Patient") == 0) {
        e->status = 200;
        snprintf(e->note, sizeof e->note, "the Patient identifies the patient of the referrals "
                                          "in this Bundle; silta-health does not keep Patients");
    } else {
        e->status = 422;
        snprintf(e->note, sizeof e->note, "silta-health takes ServiceRequests (and the Patient "
                                          "they refer to), not %.40s", type);
    }
}

static const char *s_status_line(int status)
{
    switch (status) {
    case 200: return "200 OK";
    case 201: return "201 Created";
    case 400: return "400 Bad Request";
    case 405: return "405 Method Not Allowed";
    case 422: return "422 Unprocessable Entity";
    case 503: return "503 Service Unavailable";
    default: return "500 Internal Server Error";
    }
}

static json_t *s_response_entry(health_ctx_t *c, const s_entry_t *e, health_return_t ret)
{
    json_t *resp = json_object(), *entry = json_object();
    if (e->job && e->rc == 0) {
        char loc[400], etag[40], text[400];
        s_location(e, loc, sizeof loc);
        snprintf(etag, sizeof etag, "W/\"%ld\"", e->version);
        json_object_set_new(resp, "status", json_string("201 Created"));
        json_object_set_new(resp, "location", json_string(loc));
        json_object_set_new(resp, "etag", json_string(etag));
        if (ret == HEALTH_RETURN_REPRESENTATION)
            json_object_set_new(entry, "resource", s_stored(c, e));
        if (ret == HEALTH_RETURN_OUTCOME) {
            s_outcome_text(e, text, sizeof text);
            json_object_set_new(resp, "outcome",
                                health_out_outcome("information", "informational", text));
        }
    } else if (e->job) {
        int st = e->rc == SILTA_EINVAL ? 422 : 503;
        json_object_set_new(resp, "status", json_string(s_status_line(st)));
        json_object_set_new(resp, "outcome",
                            health_out_outcome("error", st == 422 ? "processing" : "transient",
                                               e->rc == S_SKIPPED
                                                   ? "not processed: an earlier entry failed"
                                                   : e->note));
    } else {
        json_object_set_new(resp, "status", json_string(s_status_line(e->status)));
        json_object_set_new(resp, "outcome",
                            health_out_outcome(e->status < 300 ? "information" : "error",
                                               e->status < 300 ? "informational" : "processing",
                                               e->note));
    }
    json_object_set_new(entry, "response", resp);
    return entry;
}

void health_tx_bundle(health_ctx_t *c, json_t *doc)
{
    int tx = strcmp(json_string_value(json_object_get(doc, "type")), "transaction") == 0;
    size_t n = health_res_count(doc, "entry");
    if (n > S_MAX_ENTRIES) {
        json_decref(doc);
        health_rest_error(c, 400, "too-costly", "a %s holds at most %d entries",
                          tx ? "transaction" : "batch", S_MAX_ENTRIES);
        return;
    }
    s_entry_t *es = calloc(n ? n : 1, sizeof *es);
    if (!es) {
        json_decref(doc);
        health_rest_error(c, 500, "exception", "out of memory");
        return;
    }
    for (size_t i = 0; i < n; i++)
        s_entry(doc, health_res_at(doc, "entry", i), &es[i]);
    json_decref(doc);
    s_work_t w = {es, n, tx};
    size_t bad = n;
    for (size_t i = 0; tx && i < n && bad == n; i++)
        if (es[i].status >= 300)
            bad = i;
    if (bad < n) {
        /* A transaction succeeds or fails whole: nothing was published. */
        health_rest_error(c, es[bad].status == 422 ? 422 : 400,
                          es[bad].status == 422 ? "processing" : "invalid",
                          "entry %zu: %s (nothing in this transaction was accepted)", bad + 1,
                          es[bad].note);
    } else if (s_submit(c, &w) == 0) {
        size_t failed = n;
        for (size_t i = 0; tx && i < n && failed == n; i++)
            if (es[i].job && es[i].rc != 0)
                failed = i;
        if (failed < n && es[failed].rc != SILTA_EINVAL) {
            health_rest_error(c, 503, "transient", "entry %zu: the hub did not confirm in time; "
                              "send the transaction again (accepted entries keep their ids)",
                              failed + 1);
        } else if (failed < n) {
            size_t ok = 0;
            for (size_t i = 0; i < failed; i++)
                ok += es[i].job;
            health_rest_error(c, 422, "processing", "entry %zu refused: %s (%zu earlier "
                              "referral%s of this transaction %s accepted before it)", failed + 1,
                              es[failed].note, ok, ok == 1 ? "" : "s", ok == 1 ? "was" : "were");
        } else {
            health_return_t ret = health_rest_prefer(c);
            json_t *entries = json_array();
            for (size_t i = 0; i < n; i++)
                json_array_append_new(entries, s_response_entry(c, &es[i], ret));
            health_rest_answer(c, 200, json_pack("{s:s,s:s,s:o}", "resourceType", "Bundle", "type",
                                                 tx ? "transaction-response" : "batch-response",
                                                 "entry", entries));
        }
    }
    for (size_t i = 0; i < n; i++)
        health_referral_clear(&es[i].ref);
    free(es);
}
