/*  client_consent.h - the purposes a client can give or withdraw consent for
 *  on their own page, and the two actions, each a social.consent.v1 through
 *  the case store's outbox (web_action_event): the hub records it and
 *  enforces it on the next delivery (config/policy.xml, consent="...").
 *
 *  The purposes are those of config/policy.xml's consent-based routes; the
 *  table in client_consent.c names each one's recipients (as policy.xml
 *  does) and its text for people. Legal basis: the client's consent,
 *  asiakastietolaki 703/2023 (disclosure of social-welfare client data on
 *  consent) and, for health data, laki potilaan asemasta ja oikeuksista
 *  785/1992 13 § (verify sections against Finlex); GDPR art. 7(3): withdrawing
 *  must be as easy as giving.
 *
 *  Not here: the consent check itself (the hub: hub/hub_consent.c).
 */
#ifndef CLIENT_CONSENT_H
#define CLIENT_CONSENT_H

#include "../read/read_own.h"
#include "../web/web.h"

typedef struct {
    const char *purpose;             /* policy.xml's consent="..." */
    const char *const *recipients;   /* NULL-terminated hub identities */
    const char *title;               /* N_(): what the client agrees to */
    const char *text;                /* N_(): who gets what, in plain words */
} client_purpose_t;

/* The purposes, n into *n. Static. */
const client_purpose_t *client_purposes(size_t *n);

/* The purpose of a code, or NULL. */
const client_purpose_t *client_purpose_of(const char *code);

/* 1 when o holds a given consent for purpose not expired before today
 * (YYYY-MM-DD), else 0. */
int client_consent_given(const read_own_t *o, const char *purpose, const char *today);

/* Give consent for purpose (consent_id "client:<purpose>", its recipients).
 * Returns 0, 1 when one is given already, SILTA_EINVAL (unknown purpose) or a
 * negative database error. */
int client_consent_give(web_ctx_t *ctx, const char *ck, const char *purpose, silta_err_t *err);

/* Withdraw every given consent for purpose (each consent_id revoked, whoever
 * recorded it). Returns 0, 1 when none was given, SILTA_EINVAL or a negative
 * database error. */
int client_consent_withdraw(web_ctx_t *ctx, const char *ck, const char *purpose,
                            silta_err_t *err);

#endif
