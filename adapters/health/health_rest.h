/*  health_rest.h - silta-health's FHIR R4 REST endpoint on silta_http.
 *
 *    GET  /fhir/metadata                      CapabilityStatement
 *    POST /fhir/ServiceRequest                create -> 201 + Location (+ Prefer)
 *    POST /fhir                               transaction / batch Bundle
 *    POST /fhir/Bundle                        the same, or (any other Bundle
 *                                             type) one referral with its Patient
 *    GET  /fhir/ServiceRequest/{id}           read back what was accepted
 *    GET  /fhir/Task/{id}, /fhir/Task?based-on=...   social work's answers
 *
 *  JSON and XML both ways: the body by Content-Type, the answer by _format,
 *  else Accept, else the request's own format, else JSON.
 *
 *  Threads: requests are parsed, mapped and answered on silta_http's server
 *  threads; only publishing (which needs the hub session) and writing the
 *  store happen on the adapter's main loop, through a silta_http_call that
 *  the main loop answers in health_rest_serve(). So an idle or slow client
 *  costs one sleeping server thread and never stalls the hub session.
 */
#ifndef HEALTH_REST_H
#define HEALTH_REST_H

#include <stddef.h>

#include "events.pb-c.h"
#include "health_store.h"
#include "silta_err.h"
#include "silta_metrics.h"
#include "silta_uuid.h"

typedef struct health_rest_t health_rest_t;

/* Publish one referral and wait for the hub (main loop). 0 (confirmed;
 * event_id, *duplicate), SILTA_EINVAL (refused: reason in err), else
 * transient. */
typedef int (*health_rest_publish_fn)(void *arg, const Silta__HealthReferral *m,
                                       char event_id[SILTA_UUID_STRLEN + 1], int *duplicate,
                                       silta_err_t *err);

typedef struct {
    int port;                   /* 127.0.0.1:port; 0 any free port */
    size_t max_doc;             /* largest body */
    health_store_t *store;      /* borrowed; written on the main loop only */
    health_rest_publish_fn publish;
    void *publish_arg;
    silta_metrics_t *metrics;   /* borrowed; NULL: none. Counts HEALTH_REST_ANSWERS */
} health_rest_opts_t;

/* FHIR answers by status class (2xx 3xx 4xx 5xx): a counter family the
 * adapter declares in its registry. */
#define HEALTH_REST_ANSWERS "silta_health_fhir_answers_total"

/* Start the server threads. NULL with err. */
health_rest_t *health_rest_start(const health_rest_opts_t *opts, silta_err_t *err);
/* Stop: pending hand-overs are withdrawn, running handlers finish. */
void health_rest_stop(health_rest_t **self_p);
int health_rest_port(const health_rest_t *self);
/* Main loop: publish and store what the server threads handed over.
 * silta_adapter has no hook for polling a second fd, so silta-health calls
 * this from on_tick every 10 ms. */
void health_rest_serve(health_rest_t *self);

#endif
