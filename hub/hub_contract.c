/*  hub_contract.c - a PUBLISH's payload against its type's contract and its
 *  client_key against the payload's hetu. See hub_contract.h. */
#include "hub_contract.h"

#include <stdlib.h>
#include <string.h>

#include "silta_clientkey.h"
#include "silta_contract.h"
#include "silta_hetu.h"
#include "silta_log.h"
#include "silta_time.h"

struct hub_contract_s {
    silta_clientkey_t *ck; /* NULL: client_keys are not checked */
};

hub_contract_t *hub_contract_new(void)
{
    hub_contract_t *self = calloc(1, sizeof *self);
    if (!self)
        return NULL;
    silta_err_t err;
    self->ck = silta_clientkey_open(1, &err);
    if (!self->ck)
        silta_warn("client_key not checked: no client-key secret", "reason=\"%s\"", err.msg);
    return self;
}

void hub_contract_destroy(hub_contract_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    silta_clientkey_destroy(&(*self_p)->ck);
    free(*self_p);
    *self_p = NULL;
}

int hub_contract_check(const hub_contract_t *self, const silta_envelope_t *ev, silta_err_t *err)
{
    if (!silta_contract_descriptor(ev->type))
        return 0;
    ProtobufCMessage *m = silta_contract_decode(ev->type, ev->payload.data, ev->payload.len, err);
    if (!m)
        return SILTA_EINVAL;
    /* A PUBLISH is data entering Silta: a hetu born after today (Helsinki) is
     * refused here, never on replay of what is already journalled (issue 10). */
    int rc = silta_contract_check_born(m, silta_hetu_today_ymd(silta_now_ms()), err);
    char key[SILTA_CLIENTKEY_LEN + 1];
    if (rc == 0 && self && self->ck &&
        (silta_clientkey_of(self->ck, silta_contract_hetu(m), key, NULL) != 0 || !ev->client_key ||
         strcmp(key, ev->client_key) != 0))
        rc = silta_err_set(err, SILTA_EINVAL, "client_key: does not match the payload's hetu");
    silta_contract_free(m);
    return rc;
}
