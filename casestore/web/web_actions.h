/*  web_actions.h - a caseworker's actions from the inbox, through the case
 *  store's own code path (cs_store_act / cs_store_assign): the same
 *  transaction as an agency event - fact, rules, alerts, plan - plus the
 *  action's social.* event in the outbox, which the main loop publishes.
 *
 *  Each action's event_id is derived from its content (client, object,
 *  status), so a double click or a resent form is a duplicate: nothing
 *  changes a second time. The caller has checked the session, the CSRF token
 *  and access to the client.
 *
 *  Returns: 0 done; 1 already done (nothing changed); WEB_ACT_NOT_FOUND (no
 *  such referral / notice / worker / plan item for this client); SILTA_EINVAL (bad input,
 *  err says which); SILTA_EAGAIN / SILTA_ERR (database).
 *
 *  Not here: SQL (read/read_checks.h, store/cs_store.h), HTML.
 */
#ifndef WEB_ACTIONS_H
#define WEB_ACTIONS_H

#include <protobuf-c/protobuf-c.h>

#include "silta_err.h"
#include "web.h"

#define WEB_ACT_NOT_FOUND 2

/* One social.* event of type for ck from msg: its hetu field (*hetu_field)
 * is filled from the sealed column only to pack it and wiped; the event_id is
 * derived from content; applied with cs_store_act and queued in the outbox.
 * For actions outside this file (the client plan, web_plan_act.c; the client's
 * consent, client/). Returns 0,
 * 1 (a duplicate: nothing changed) or a negative error. */
int web_action_event(web_ctx_t *ctx, const char *type, const char *ck, ProtobufCMessage *msg,
                     char **hetu_field, const char *content, silta_err_t *err);

/* social.referral_status.v1 "accepted" -> health gets a FHIR Task. */
int web_action_ack_referral(web_ctx_t *ctx, const web_session_t *s, const char *ck,
                            const char *referral_id, silta_err_t *err);

/* social.assessment.v1 "started" for the referral: the service-need
 * assessment has begun (sosiaalihuoltolaki 1301/2014 36 §), which is what
 * closes rule 10; acknowledging the referral does not. Returns 0, 1 when it
 * had already started, WEB_ACT_NOT_FOUND, or a negative error. */
int web_action_start_assessment(web_ctx_t *ctx, const web_session_t *s, const char *ck,
                                const char *referral_id, silta_err_t *err);

/* social.assessment.v1 "started" for a Kela notice (need for social work,
 * meeting request; notice_event_id set): what closes rule 10 for a notice.
 * Returns 0, 1 when it had already started, WEB_ACT_NOT_FOUND, or a
 * negative error. */
int web_action_start_notice_assessment(web_ctx_t *ctx, const web_session_t *s, const char *ck,
                                       const char *notice_event_id, silta_err_t *err);

/* Close ck's open alert (its alert_id) with an outcome of its rule
 * (rules/cs_outcome.c), date "" or YYYY-MM-DD (required when the outcome
 * names a day: a decision, a meeting), note "" or 1-1000 bytes of UTF-8 (no
 * control characters but line breaks; stored, never logged). The alert
 * stays closed for its occurrence; hub.gap_alert.v1 "closed" goes out. An
 * alert about a Kela notice (rule 2, rule 11's kehotus) marks the notice
 * handled too (social.notice_handled.v1, outcome = the outcome code).
 * Returns 0, 1 when it was closed already, WEB_ACT_NOT_FOUND, SILTA_EINVAL
 * (err: a msgid saying what was wrong) or a negative error. */
int web_action_alert_close(web_ctx_t *ctx, const web_session_t *s, const char *ck,
                           const char *alert_id, const char *outcome, const char *date,
                           char *note, silta_err_t *err);

/* social.notice_handled.v1 for the notice (its event_id). */
int web_action_notice_handled(web_ctx_t *ctx, const web_session_t *s, const char *ck,
                              const char *notice_event_id, silta_err_t *err);

/* social.statement.v1: social work's statement to Kela (lausunto) on the
 * reference of the client's notice (its event_id): text 1-4000 bytes of
 * UTF-8 (line breaks allowed, CRLF stored as LF, no other control
 * characters), worker the user, date today. The hub routes it to Kela
 * (silta-kela writes statement-<event_id>.xml to its outbox). The event_id
 * is derived from client, reference and text: the same statement sent twice
 * is a duplicate, a corrected text is a new statement. */
int web_action_statement(web_ctx_t *ctx, const web_session_t *s, const char *ck,
                         const char *notice_event_id, char *text, silta_err_t *err);

/* Make worker (an active account of the acting user's team) responsible. */
int web_action_assign(web_ctx_t *ctx, const web_session_t *s, const char *ck, const char *worker,
                      silta_err_t *err);

/* Add a plan item by hand: title (1-120 bytes of UTF-8, no control
 * characters), due "YYYY-MM-DD", owner one of social | kela | employment |
 * health, who "me" (the acting user) or "team" ("team:<the user's team>").
 * The item_id is derived from client, today and the fields: the same form
 * sent twice on one day is a duplicate. */
int web_action_plan_add(web_ctx_t *ctx, const web_session_t *s, const char *ck, const char *title,
                        const char *due, const char *owner, const char *who, silta_err_t *err);

/* Complete a hand-made plan item ("manual:<uuid>") of this client. Items
 * derived from events are completed by their events (handled, Kuittaa). */
int web_action_plan_done(web_ctx_t *ctx, const web_session_t *s, const char *ck,
                         const char *item_id, silta_err_t *err);

#endif
