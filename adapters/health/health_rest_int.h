/*  health_rest_int.h - what health_rest.c (server, negotiation, reads) and
 *  health_tx.c (creates, transactions, the main-loop side) share. Private to
 *  adapters/health.
 */
#ifndef HEALTH_REST_INT_H
#define HEALTH_REST_INT_H

#include <jansson.h>

#include "health_res.h"
#include "health_rest.h"
#include "silta_http.h"

struct health_rest_t {
    silta_http_t *http;
    silta_http_calls_t *calls;
    health_store_t *store;
    health_rest_publish_fn publish;
    void *publish_arg;
    size_t max_doc;
    silta_metrics_t *metrics; /* borrowed; may be NULL */
};

/* One request on a server thread. */
typedef struct {
    health_rest_t *self;
    const silta_http_req_t *req;
    silta_http_resp_t *resp;
    health_fmt_t in_fmt;  /* the body's format */
    health_fmt_t out_fmt; /* the answer's format */
    char base[300];       /* http://host:port/fhir */
    const char *route;    /* for the log line: "create", "read", ... */
} health_ctx_t;

/* Answer with res (taken over; NULL: an empty body) in c->out_fmt. */
void health_rest_answer(health_ctx_t *c, int status, json_t *res);
/* Answer with an OperationOutcome of one error issue. */
void health_rest_error(health_ctx_t *c, int status, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Prefer: return=minimal | representation | OperationOutcome (default). */
typedef enum { HEALTH_RETURN_OUTCOME, HEALTH_RETURN_MINIMAL, HEALTH_RETURN_REPRESENTATION } health_return_t;
health_return_t health_rest_prefer(const health_ctx_t *c);

/* POST /fhir/ServiceRequest (expect "ServiceRequest") and POST /fhir/Bundle of
 * a type other than transaction / batch (expect "Bundle"). Takes doc. */
void health_tx_create(health_ctx_t *c, json_t *doc, const char *expect);
/* POST /fhir (and /fhir/Bundle) with a transaction or batch Bundle. Takes doc. */
void health_tx_bundle(health_ctx_t *c, json_t *doc);
/* Main loop: answer the waiting hand-overs. */
void health_tx_serve(health_rest_t *self);

#endif
