/*  web_actions.c - caseworker actions as social.* events applied through
 *  cs_store (see web_actions.h), after the checks of read/read_checks.h
 *  (no SQL here). The hetu a payload needs is opened from the
 *  client row only to pack the payload and wiped right after; it is never
 *  logged. Log lines carry client_key, event_id and the username.
 *
 *  Not here: SQL (read/read_checks.c, store/), HTML, the request checks (web_routes.c).
 */
#include "web_actions.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../cs_tools.h"
#include "../read/read_checks.h"
#include "../store/cs_event.h"
#include "events.pb-c.h"
#include "silta_log.h"
#include "silta_time.h"
#include "silta_uuid.h"

/* A read_checks.h answer with "no such object" as WEB_ACT_NOT_FOUND. */
static int s_flag(int rc)
{
    return rc == READ_NO_ROW ? WEB_ACT_NOT_FOUND : rc;
}

/* Pack msg (its hetu set here), apply and queue it as `type` for ck. */
static int s_act(web_ctx_t *ctx, const char *type, const char *ck, ProtobufCMessage *msg,
                 char **hetu_field, const char *content, silta_err_t *err)
{
    char hetu[SILTA_HETU_LEN + 1];
    if (cs_store_hetu(ctx->store, ck, hetu, err) != 0)
        return SILTA_ERR;
    *hetu_field = hetu;
    size_t len = protobuf_c_message_get_packed_size(msg);
    uint8_t *buf = malloc(len + 1);
    if (!buf) {
        *hetu_field = NULL;
        sodium_memzero(hetu, sizeof hetu);
        return silta_err_set(err, SILTA_ERR, "out of memory");
    }
    protobuf_c_message_pack(msg, buf);
    *hetu_field = NULL;
    sodium_memzero(hetu, sizeof hetu);

    char id[SILTA_UUID_STRLEN + 1], ptype[128];
    silta_uuid_from_content("silta.casestore.inbox", content, strlen(content), id);
    snprintf(ptype, sizeof ptype, "application/x-protobuf; %s", msg->descriptor->name);
    silta_envelope_t ev;
    silta__envelope__init(&ev);
    ev.event_id = id;
    ev.type = (char *)type;
    ev.client_key = (char *)ck;
    ev.occurred_at = silta_now_ms();
    ev.payload_type = ptype;
    ev.payload.data = buf;
    ev.payload.len = len;
    cs_day_t today;
    int dup = 0, rc = cs_today(&today, err);
    if (rc == 0) {
        rc = cs_store_act(ctx->store, &ev, today, &dup, err);
        if (rc == SILTA_EAGAIN && cs_store_reconnect(ctx->store, err) == 0)
            rc = cs_store_act(ctx->store, &ev, today, &dup, err);
    }
    sodium_memzero(buf, len);
    free(buf);
    if (rc != 0) {
        silta_warn("inbox action failed", "type=%s client_key=%s event_id=%s reason=\"%s\"", type,
                   ck, id, err->msg);
        return rc;
    }
    if (!dup)
        atomic_store(&ctx->outbox_dirty, 1);
    silta_info(dup ? "inbox action was a duplicate" : "inbox action applied",
               "type=%s client_key=%s event_id=%s", type, ck, id);
    return dup ? 1 : 0;
}

int web_action_event(web_ctx_t *ctx, const char *type, const char *ck, ProtobufCMessage *msg,
                     char **hetu_field, const char *content, silta_err_t *err)
{
    return s_act(ctx, type, ck, msg, hetu_field, content, err);
}

int web_action_ack_referral(web_ctx_t *ctx, const web_session_t *s, const char *ck,
                            const char *referral_id, silta_err_t *err)
{
    if (!*referral_id)
        return silta_err_set(err, SILTA_EINVAL, N_("ohjauksen tunniste puuttuu"));
    int open = s_flag(read_referral_open(ctx->db, ck, referral_id, err));
    if (open != 1)
        return open == 0 ? 1 : open;
    Silta__ReferralStatus m = SILTA__REFERRAL_STATUS__INIT;
    m.referral_id = (char *)referral_id;
    m.status = "accepted";
    m.worker = (char *)s->username;
    m.note = "Kuitattu Silta-saapuneissa";
    char content[256];
    snprintf(content, sizeof content, "%s|referral_status|%s|accepted", ck, referral_id);
    return s_act(ctx, "social.referral_status.v1", ck, &m.base, &m.hetu, content, err);
}

/* social.assessment.v1 "started" on the rules' today for a referral
 * (notice 0) or a Kela notice (notice 1), id its referral_id / event_id. One
 * assessment per referral or notice: its id derives from it. */
static int s_assessment_started(web_ctx_t *ctx, const web_session_t *s, const char *ck,
                                int notice, const char *id, silta_err_t *err)
{
    int todo = s_flag(notice ? read_notice_unassessed(ctx->db, ck, id, err)
                             : read_referral_unassessed(ctx->db, ck, id, err));
    if (todo != 1)
        return todo == 0 ? 1 : todo;
    cs_day_t today;
    char day[11], assessment_id[160], content[256];
    int rc = cs_today(&today, err);
    if (rc != 0)
        return rc;
    snprintf(assessment_id, sizeof assessment_id, "%s:%s", notice ? "notice" : "referral", id);
    Silta__SocialAssessment m = SILTA__SOCIAL_ASSESSMENT__INIT;
    m.assessment_id = assessment_id;
    m.status = "started";
    m.referral_id = notice ? NULL : (char *)id;
    m.notice_event_id = notice ? (char *)id : NULL;
    m.worker = (char *)s->username;
    m.date = (char *)cs_day_format(today, day);
    if (notice)
        snprintf(content, sizeof content, "%s|assessment|notice|%s|started", ck, id);
    else
        snprintf(content, sizeof content, "%s|assessment|%s|started", ck, id);
    return s_act(ctx, "social.assessment.v1", ck, &m.base, &m.hetu, content, err);
}

int web_action_start_assessment(web_ctx_t *ctx, const web_session_t *s, const char *ck,
                                const char *referral_id, silta_err_t *err)
{
    if (!*referral_id)
        return silta_err_set(err, SILTA_EINVAL, N_("ohjauksen tunniste puuttuu"));
    return s_assessment_started(ctx, s, ck, 0, referral_id, err);
}

int web_action_start_notice_assessment(web_ctx_t *ctx, const web_session_t *s, const char *ck,
                                       const char *notice_event_id, silta_err_t *err)
{
    if (!silta_uuid_valid(notice_event_id))
        return silta_err_set(err, SILTA_EINVAL, N_("ilmoituksen tunniste on virheellinen"));
    return s_assessment_started(ctx, s, ck, 1, notice_event_id, err);
}

/* social.notice_handled.v1 for the notice, with outcome ("handled", or the
 * outcome code its alert was closed with). */
static int s_notice_handled(web_ctx_t *ctx, const web_session_t *s, const char *ck,
                            const char *notice_event_id, const char *outcome, silta_err_t *err)
{
    if (!silta_uuid_valid(notice_event_id))
        return silta_err_set(err, SILTA_EINVAL, N_("ilmoituksen tunniste on virheellinen"));
    int open = s_flag(read_notice_open(ctx->db, ck, notice_event_id, err));
    if (open != 1)
        return open == 0 ? 1 : open;
    Silta__NoticeHandled m = SILTA__NOTICE_HANDLED__INIT;
    m.notice_event_id = (char *)notice_event_id;
    m.worker = (char *)s->username;
    m.outcome = (char *)outcome;
    char content[256];
    snprintf(content, sizeof content, "%s|notice_handled|%s", ck, notice_event_id);
    return s_act(ctx, "social.notice_handled.v1", ck, &m.base, &m.hetu, content, err);
}

int web_action_notice_handled(web_ctx_t *ctx, const web_session_t *s, const char *ck,
                              const char *notice_event_id, silta_err_t *err)
{
    return s_notice_handled(ctx, s, ck, notice_event_id, "handled", err);
}

int web_action_assign(web_ctx_t *ctx, const web_session_t *s, const char *ck, const char *worker,
                      silta_err_t *err)
{
    if (!*worker)
        return silta_err_set(err, SILTA_EINVAL, N_("työntekijä puuttuu"));
    int ok = s_flag(read_same_team(ctx->db, worker, s->username, err));
    if (ok != 1)
        return ok == 0 ? WEB_ACT_NOT_FOUND : ok;
    int same = s_flag(read_is_responsible(ctx->db, ck, worker, err));
    if (same != 0)
        return same == 1 ? 1 : same;
    cs_day_t today;
    int rc = cs_today(&today, err);
    if (rc == 0)
        rc = cs_store_assign(ctx->store, ck, worker, today, err);
    if (rc == SILTA_EAGAIN && cs_store_reconnect(ctx->store, err) == 0)
        rc = cs_store_assign(ctx->store, ck, worker, today, err);
    if (rc == 0)
        atomic_store(&ctx->outbox_dirty, 1);
    return rc;
}

/* A textarea sends CRLF: keep LF only, in place. */
static void s_lf(char *text)
{
    char *w = text;
    for (const char *r = text; *r; r++)
        if (!(r[0] == '\r' && r[1] == '\n'))
            *w++ = *r;
    *w = '\0';
}

/* 1 when s is 1..max bytes of UTF-8 with no control character (but '\n'
 * when multiline) and not only spaces; 0 otherwise. */
static int s_text_ok(const char *s, size_t max, int multiline)
{
    size_t len = strlen(s);
    int visible = 0;
    if (len == 0 || len > max)
        return 0;
    for (const unsigned char *p = (const unsigned char *)s; *p;) {
        size_t n = *p < 0x80 ? 1 : (*p & 0xe0) == 0xc0 ? 2 : (*p & 0xf0) == 0xe0 ? 3
                 : (*p & 0xf8) == 0xf0 ? 4 : 0;
        if (n == 0 || (n == 2 && *p < 0xc2) || (n == 4 && *p > 0xf4))
            return 0;
        if (n == 1 && (*p < 0x20 || *p == 0x7f) && !(multiline && *p == '\n'))
            return 0;
        for (size_t i = 1; i < n; i++)
            if ((p[i] & 0xc0) != 0x80)
                return 0;
        if (n == 3 && ((*p == 0xe0 && p[1] < 0xa0) || (*p == 0xed && p[1] >= 0xa0)))
            return 0; /* overlong, surrogate */
        if (n == 4 && ((*p == 0xf0 && p[1] < 0x90) || (*p == 0xf4 && p[1] >= 0x90)))
            return 0;
        visible |= n > 1 || (*p != ' ' && *p != '\n');
        p += n;
    }
    return visible;
}

int web_action_statement(web_ctx_t *ctx, const web_session_t *s, const char *ck,
                         const char *notice_event_id, char *text, silta_err_t *err)
{
    if (!silta_uuid_valid(notice_event_id))
        return silta_err_set(err, SILTA_EINVAL, N_("ilmoituksen tunniste on virheellinen"));
    s_lf(text);
    if (!s_text_ok(text, 4000, 1))
        return silta_err_set(err, SILTA_EINVAL,
                             N_("lausunto puuttuu tai on virheellinen (1-4000 merkkiä)"));
    char ref[128];
    int found = s_flag(read_notice_ref(ctx->db, ck, notice_event_id, ref, sizeof ref, err));
    if (found != 1)
        return found;
    cs_day_t today;
    char day[11];
    int rc = cs_today(&today, err);
    if (rc != 0)
        return rc;
    Silta__SocialStatement m = SILTA__SOCIAL_STATEMENT__INIT;
    m.kela_reference = ref;
    m.text = text;
    m.worker = (char *)s->username;
    m.date = (char *)cs_day_format(today, day);
    /* The text goes into the id through a hash: the content string stays short. */
    unsigned char h[32];
    char hex[65], content[256];
    crypto_generichash(h, sizeof h, (const unsigned char *)text, strlen(text), NULL, 0);
    sodium_bin2hex(hex, sizeof hex, h, sizeof h);
    snprintf(content, sizeof content, "%s|statement|%s|%s", ck, ref, hex);
    return s_act(ctx, "social.statement.v1", ck, &m.base, &m.hetu, content, err);
}

int web_action_alert_close(web_ctx_t *ctx, const web_session_t *s, const char *ck,
                           const char *alert_id, const char *outcome, const char *date,
                           char *note, silta_err_t *err)
{
    if (!silta_uuid_valid(alert_id))
        return silta_err_set(err, SILTA_EINVAL, N_("hälytyksen tunniste on virheellinen"));
    char rule[64], text_id[40], occ[96];
    int open = s_flag(read_alert_open(ctx->db, ck, alert_id, rule, text_id, occ, err));
    if (open != 1)
        return open == 0 ? 1 : open;
    const cs_outcome_t *o = cs_outcome_find(rule, text_id, outcome);
    if (!o)
        return silta_err_set(err, SILTA_EINVAL,
                             N_("tulos puuttuu tai ei sovi tähän hälytykseen: valitse tulos "
                                "luettelosta"));
    cs_day_t d = CS_NODAY;
    if (*date && (cs_day_parse(date, &d) != 0 || d == CS_NODAY || strncmp(date, "20", 2) != 0))
        return silta_err_set(err, SILTA_EINVAL, N_("päivä ei ole päivämäärä (VVVV-KK-PP)"));
    if (o->needs_date && d == CS_NODAY)
        return silta_err_set(err, SILTA_EINVAL,
                             N_("tälle tulokselle tarvitaan päivä (päätöksen tai tapaamisen)"));
    s_lf(note);
    if (*note && !s_text_ok(note, 1000, 1))
        return silta_err_set(err, SILTA_EINVAL,
                             N_("muistiinpano on virheellinen (enintään 1000 merkkiä)"));
    cs_day_t today;
    int dup = 0, rc = cs_today(&today, err);
    cs_alert_close_t c = {alert_id, o->code, d == CS_NODAY ? "" : date, note, s->username};
    if (rc == 0)
        rc = cs_store_alert_close(ctx->store, ck, &c, today, &dup, err);
    if (rc == SILTA_EAGAIN && cs_store_reconnect(ctx->store, err) == 0)
        rc = cs_store_alert_close(ctx->store, ck, &c, today, &dup, err);
    if (rc == SILTA_EINVAL) /* checked above: the store's English must not reach a page */
        rc = silta_err_set(err, SILTA_EINVAL, N_("tulosta ei voitu kirjata"));
    if (rc != 0)
        return rc;
    if (!dup)
        atomic_store(&ctx->outbox_dirty, 1);
    /* An alert about a Kela notice (rule 2, the kehotus of rule 11): what was
     * done answers the notice too, so it leaves Saapuneet with its alert. When
     * this fails the alert stays closed; "Merkitse käsitellyksi" remains. */
    const char *colon = strchr(occ, ':');
    if (colon && (strncmp(occ, "notice:", 7) == 0 || strncmp(occ, "kehotus:", 8) == 0)) {
        silta_err_t e2 = {0};
        int h = s_notice_handled(ctx, s, ck, colon + 1, o->code, &e2);
        if (h < 0 || h == WEB_ACT_NOT_FOUND)
            silta_warn("notice not marked handled after its alert closed",
                       "client_key=%s alert_id=%s reason=\"%s\"", ck, alert_id, e2.msg);
    }
    return dup ? 1 : 0;
}

int web_action_plan_add(web_ctx_t *ctx, const web_session_t *s, const char *ck, const char *title,
                        const char *due, const char *owner, const char *who, silta_err_t *err)
{
    static const char *const owners[] = {"social", "kela", "employment", "health"};
    cs_manitem_t m = {0};
    if (!s_text_ok(title, 120, 0))
        return silta_err_set(err, SILTA_EINVAL,
                             N_("otsikko puuttuu tai on virheellinen (1-120 merkkiä)"));
    if (cs_day_parse(due, &m.due) != 0 || m.due == CS_NODAY || strncmp(due, "20", 2) != 0)
        return silta_err_set(err, SILTA_EINVAL, N_("määräaika ei ole päivämäärä (VVVV-KK-PP)"));
    int known = 0;
    for (size_t i = 0; i < sizeof owners / sizeof owners[0]; i++)
        known |= strcmp(owner, owners[i]) == 0;
    if (!known)
        return silta_err_set(err, SILTA_EINVAL, N_("tuntematon vastuutaho"));
    if (strcmp(who, "me") == 0)
        snprintf(m.responsible, sizeof m.responsible, "%s", s->username);
    else if (strcmp(who, "team") == 0)
        snprintf(m.responsible, sizeof m.responsible, "team:%s", s->team);
    else
        return silta_err_set(err, SILTA_EINVAL, N_("vastuuhenkilö on joko minä tai tiimi"));
    snprintf(m.owner, sizeof m.owner, "%s", owner);
    snprintf(m.title, sizeof m.title, "%s", title);

    cs_day_t today;
    int dup = 0, rc = cs_today(&today, err);
    if (rc != 0)
        return rc;
    char content[512], id[SILTA_UUID_STRLEN + 1], day[11];
    snprintf(content, sizeof content, "%s|plan_manual|%s|%s|%s|%s|%s", ck,
             cs_day_format(today, day), due, owner, m.responsible, title);
    silta_uuid_from_content("silta.casestore.plan_manual", content, strlen(content), id);
    snprintf(m.item_id, sizeof m.item_id, "manual:%s", id);
    rc = cs_store_plan_add(ctx->store, ck, &m, s->username, today, &dup, err);
    if (rc == SILTA_EAGAIN && cs_store_reconnect(ctx->store, err) == 0)
        rc = cs_store_plan_add(ctx->store, ck, &m, s->username, today, &dup, err);
    if (rc != 0)
        return rc;
    if (!dup)
        atomic_store(&ctx->outbox_dirty, 1);
    return dup ? 1 : 0;
}

int web_action_plan_done(web_ctx_t *ctx, const web_session_t *s, const char *ck,
                         const char *item_id, silta_err_t *err)
{
    if (strncmp(item_id, "manual:", 7) != 0 || !silta_uuid_valid(item_id + 7))
        return silta_err_set(err, SILTA_EINVAL,
                             N_("kohta ei ole käsin lisätty suunnitelman kohta"));
    int open = s_flag(read_manual_item_open(ctx->db, ck, item_id, err));
    if (open != 1)
        return open == 0 ? 1 : open;
    cs_day_t today;
    int dup = 0, rc = cs_today(&today, err);
    if (rc == 0)
        rc = cs_store_plan_done(ctx->store, ck, item_id, s->username, today, &dup, err);
    if (rc == SILTA_EAGAIN && cs_store_reconnect(ctx->store, err) == 0)
        rc = cs_store_plan_done(ctx->store, ck, item_id, s->username, today, &dup, err);
    if (rc != 0)
        return rc;
    if (!dup)
        atomic_store(&ctx->outbox_dirty, 1);
    return dup ? 1 : 0;
}
