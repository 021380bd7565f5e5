/*  client_consent.c - the purposes (client_consent.h) and give / withdraw as
 *  social.consent.v1 events. The consent state read back is the case store's
 *  own (casestore.consent, written in the same transaction as the outbox row),
 *  so the page shows the change at once; the hub enforces it once the outbox
 *  row is published (within a second; its CONFIRM marks the row).
 *
 *  Not here: SQL of the page (../read/read_own.c), HTML, the request checks.
 */
#include "client_consent.h"

#include <stdio.h>
#include <string.h>

#include "../cs_tools.h"
#include "../web/web_actions.h"
#include "events.pb-c.h"
#include "silta_time.h"

/* config/policy.xml: social.plan.v1 and hub.gap_alert.v1 to employment and
 * kela on consent="coordinated-plan"; health.incapacity.v1 to casestore on
 * "work-incapacity" and to employment on "activation-planning". */
static const char *const s_plan_to[] = {"employment", "kela", NULL};
static const char *const s_social_work[] = {"casestore", NULL};
static const char *const s_employment[] = {"employment", NULL};

static const client_purpose_t s_purposes[] = {
    {"coordinated-plan", s_plan_to, N_("Yhteinen suunnitelma Kelalle ja työllisyyspalveluille"),
     N_("Kela ja työllisyyspalvelut saavat suunnitelmasi kohdat ja sosiaalityön huomautukset "
        "siitä, että jokin etuus tai palvelu on katkeamassa.")},
    {"work-incapacity", s_social_work,
     N_("Tieto työkyvyttömyydestä sosiaalityölle"),
     N_("Sosiaalityö saa terveydenhuollosta tiedon sairauslomasi ajasta (ei diagnoosia "
        "tarkemmin kuin pääryhmä).")},
    {"activation-planning", s_employment,
     N_("Tieto työkyvyttömyydestä työllisyyspalveluille"),
     N_("Työllisyyspalvelut saavat terveydenhuollosta tiedon sairauslomasi ajasta, jotta "
        "sinulle ei suunnitella tehtäviä sen ajalle.")},
};

const client_purpose_t *client_purposes(size_t *n)
{
    *n = sizeof s_purposes / sizeof s_purposes[0];
    return s_purposes;
}

const client_purpose_t *client_purpose_of(const char *code)
{
    for (size_t i = 0; code && i < sizeof s_purposes / sizeof s_purposes[0]; i++)
        if (strcmp(s_purposes[i].purpose, code) == 0)
            return &s_purposes[i];
    return NULL;
}

static int s_valid(const read_consent_t *c, const char *purpose, const char *today)
{
    return strcmp(c->purpose, purpose) == 0 && strcmp(c->status, "given") == 0 &&
           (!*c->expires || strcmp(c->expires, today) >= 0);
}

int client_consent_given(const read_own_t *o, const char *purpose, const char *today)
{
    for (size_t i = 0; i < o->consents.n; i++)
        if (s_valid(&o->consents.v[i], purpose, today))
            return 1;
    return 0;
}

/* One social.consent.v1. The event_id is derived from the content and the
 * time, so giving, withdrawing and giving again are three events. */
static int s_event(web_ctx_t *ctx, const char *ck, const client_purpose_t *p,
                   const char *consent_id, const char *status, silta_err_t *err)
{
    Silta__Consent m = SILTA__CONSENT__INIT;
    m.consent_id = (char *)consent_id;
    m.status = (char *)status;
    m.purpose = (char *)p->purpose;
    size_t n = 0;
    while (p->recipients[n])
        n++;
    m.recipients = (char **)p->recipients;
    m.n_recipients = n;
    char content[256];
    snprintf(content, sizeof content, "%s|consent|%s|%s|%lld", ck, consent_id, status,
             (long long)silta_now_ms());
    return web_action_event(ctx, "social.consent.v1", ck, &m.base, &m.hetu, content, err);
}

static int s_today(char today[11], silta_err_t *err)
{
    cs_day_t d;
    if (cs_today(&d, err) != 0)
        return SILTA_ERR;
    cs_day_format(d, today);
    return 0;
}

int client_consent_give(web_ctx_t *ctx, const char *ck, const char *purpose, silta_err_t *err)
{
    const client_purpose_t *p = client_purpose_of(purpose);
    if (!p)
        return silta_err_set(err, SILTA_EINVAL, "unknown purpose");
    char today[11], id[96];
    read_own_t o;
    memset(&o, 0, sizeof o);
    int rc = s_today(today, err);
    if (rc == 0 && read_own_load(ctx->db, ck, &o) != 0)
        rc = silta_err_set(err, SILTA_ERR, "could not read the consents");
    else if (rc == 0)
        rc = client_consent_given(&o, purpose, today);
    if (rc == 0) {
        snprintf(id, sizeof id, "client:%s", purpose);
        rc = s_event(ctx, ck, p, id, "given", err);
    }
    read_own_free(&o);
    return rc;
}

int client_consent_withdraw(web_ctx_t *ctx, const char *ck, const char *purpose,
                            silta_err_t *err)
{
    const client_purpose_t *p = client_purpose_of(purpose);
    if (!p)
        return silta_err_set(err, SILTA_EINVAL, "unknown purpose");
    char today[11];
    read_own_t o;
    memset(&o, 0, sizeof o);
    int rc = s_today(today, err), sent = 0;
    if (rc == 0 && read_own_load(ctx->db, ck, &o) != 0)
        rc = silta_err_set(err, SILTA_ERR, "could not read the consents");
    /* Revoke every consent_id given for the purpose, expired ones too: an
     * expired consent revoked stays revoked if someone extends it. */
    for (size_t i = 0; rc == 0 && i < o.consents.n; i++) {
        const read_consent_t *c = &o.consents.v[i];
        if (strcmp(c->purpose, purpose) != 0 || strcmp(c->status, "given") != 0)
            continue;
        int one = s_event(ctx, ck, p, c->consent_id, "revoked", err);
        if (one < 0)
            rc = one;
        sent++;
    }
    read_own_free(&o);
    return rc == 0 && sent == 0 ? 1 : rc;
}
