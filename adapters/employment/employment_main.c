/*  employment_main.c - silta-employment: the employment services' batch files
 *  onto the bus; plan updates and gap alerts back to them.
 *
 *  Inbound: XML batches (config/schemas/employment-batch.xsd) of <statement>,
 *  <plan_item> and <registration> records -> employment.statement.v1,
 *  employment.plan.v1, employment.registration.v1 (EmploymentStatement,
 *  EmploymentPlanItem, EmploymentRegistration). Outbound: social.plan.v1 ->
 *  plan-<event_id>.xml (<employment-plan>), social.client_plan.v1 ->
 *  client-plan-<event_id>.xml (<employment-client-plan>), hub.gap_alert.v1 ->
 *  alert-<event_id>.xml (<employment-alert>). Which plans and alerts reach
 *  employment services is the hub's routing policy (config/policy.xml), not
 *  this program's. Loop, spool and confirms: the adapter runtime.
 */
#include "events.pb-c.h"
#include "silta_adapter.h"
#include "silta_batch.h"

#include <stdlib.h>
#include <string.h>

#define EMPLOYMENT_NS "urn:silta:employment:1"

static const silta_batch_kind_t s_kinds[] = {
    {"statement", "employment.statement.v1", &silta__employment_statement__descriptor},
    {"plan_item", "employment.plan.v1", &silta__employment_plan_item__descriptor},
    {"registration", "employment.registration.v1", &silta__employment_registration__descriptor},
};

static const char *const s_out_types[] = {"social.plan.v1", "social.client_plan.v1",
                                          "hub.gap_alert.v1", NULL};

static int s_init(silta_adapter_t *a, void **state, silta_err_t *err)
{
    (void)a;
    silta_batch_format_t *fmt = malloc(sizeof *fmt);
    if (!fmt)
        return silta_err_set(err, SILTA_ERR, "out of memory");
    if (silta_batch_format_init(fmt, "employment-batch", EMPLOYMENT_NS, s_kinds,
                                sizeof s_kinds / sizeof s_kinds[0], "employment-batch.xsd",
                                err) != 0) {
        free(fmt);
        return SILTA_ERR;
    }
    *state = fmt;
    return 0;
}

static int s_on_input(silta_adapter_t *a, void *state, const char *path, const char *name)
{
    (void)name;
    return silta_batch_ingest(a, state, path);
}

static int s_on_event(silta_adapter_t *a, void *state, const silta_envelope_t *ev,
                      silta_err_t *reason)
{
    (void)state;
    if (strcmp(ev->type, "social.plan.v1") == 0)
        return silta_batch_write_out(a, ev, &silta__coordinated_plan__descriptor,
                                     "employment-plan", EMPLOYMENT_NS, "plan", reason);
    if (strcmp(ev->type, "social.client_plan.v1") == 0) /* with its omatyöntekijä (SHL 42 §) */
        return silta_batch_write_out(a, ev, &silta__client_plan__descriptor,
                                     "employment-client-plan", EMPLOYMENT_NS, "client-plan",
                                     reason);
    if (strcmp(ev->type, "hub.gap_alert.v1") == 0)
        return silta_batch_write_out(a, ev, &silta__gap_alert__descriptor, "employment-alert",
                                     EMPLOYMENT_NS, "alert", reason);
    return silta_err_set(reason, SILTA_EINVAL, "silta-employment does not write %s", ev->type);
}

static void s_destroy(void *state)
{
    silta_batch_format_fini(state);
    free(state);
}

static const silta_adapter_ops_t s_ops = {
    .name = "employment",
    .out_types = s_out_types,
    .init = s_init,
    .on_input = s_on_input,
    .on_event = s_on_event,
    .destroy = s_destroy,
};

int main(int argc, char **argv)
{
    return silta_adapter_main(&s_ops, argc, argv);
}
