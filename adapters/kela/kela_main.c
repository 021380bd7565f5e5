/*  kela_main.c - silta-kela: Kela's batch files onto the bus, social work's
 *  statements back to Kela.
 *
 *  Inbound: XML batches (config/schemas/kela-batch.xsd) of <notice>,
 *  <application> and <decision> records -> kela.notice.v1, kela.application.v1,
 *  kela.decision.v1 (payloads KelaNotice, KelaBenefit). Outbound:
 *  social.statement.v1 -> <kela-statement> files (statement-<event_id>.xml) in
 *  the outbox. Everything else (loop, spool, confirms) is the adapter
 *  runtime's; the batch streaming is silta_batch's. `silta-kela --generate N
 *  FILE` writes a synthetic batch (kela_gen.c) for tests and `make bench`.
 */
#include "events.pb-c.h"
#include "kela_gen.h"
#include "silta_adapter.h"
#include "silta_batch.h"

#include <stdlib.h>
#include <string.h>

#define KELA_NS "urn:silta:kela:1"

static const silta_batch_kind_t s_kinds[] = {
    {"notice", "kela.notice.v1", &silta__kela_notice__descriptor},
    {"application", "kela.application.v1", &silta__kela_benefit__descriptor},
    {"decision", "kela.decision.v1", &silta__kela_benefit__descriptor},
};

static const char *const s_out_types[] = {"social.statement.v1", NULL};

static int s_init(silta_adapter_t *a, void **state, silta_err_t *err)
{
    (void)a;
    silta_batch_format_t *fmt = malloc(sizeof *fmt);
    if (!fmt)
        return silta_err_set(err, SILTA_ERR, "out of memory");
    if (silta_batch_format_init(fmt, "kela-batch", KELA_NS, s_kinds,
                                sizeof s_kinds / sizeof s_kinds[0], "kela-batch.xsd", err) != 0) {
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
    if (strcmp(ev->type, "social.statement.v1") != 0)
        return silta_err_set(reason, SILTA_EINVAL, "silta-kela does not write %s", ev->type);
    return silta_batch_write_out(a, ev, &silta__social_statement__descriptor, "kela-statement",
                                 KELA_NS, "statement", reason);
}

static void s_destroy(void *state)
{
    silta_batch_format_fini(state);
    free(state);
}

static const silta_adapter_ops_t s_ops = {
    .name = "kela",
    .out_types = s_out_types,
    .cli = kela_gen_cli,
    .cli_usage = "  silta-kela --generate N FILE [--bad-every K] [--from I]\n"
                 "      write a synthetic batch of N records (tests, make bench)\n",
    .init = s_init,
    .on_input = s_on_input,
    .on_event = s_on_event,
    .destroy = s_destroy,
};

int main(int argc, char **argv)
{
    return silta_adapter_main(&s_ops, argc, argv);
}
