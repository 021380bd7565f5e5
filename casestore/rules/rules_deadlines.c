/*  rules_deadlines.c - the deadline rules: something must happen within N
 *  working days of an event, and has not.
 *
 *    1 basic_assistance_decision_late   Kela decides basic assistance
 *    2 notice_not_handled               social work handles a Kela notice (decides a
 *                                       forwarded application: 14 a §; meets the
 *                                       client who asked: 14 e §)
 *    7 referral_not_acknowledged        social work acknowledges a referral
 *   10 service_need_assessment_late     the assessment starts (75+, highest care
 *                                       allowance: 7th working day; urgent: at once,
 *                                       in calendar time)
 *
 *  Each finding appears once the deadline has passed (today > due) and
 *  disappears when the awaited event arrives; due is the missed deadline.
 *
 *  Not here: I/O, alerts (store/), parameters' values (config/rules.conf).
 */
#include <stdio.h>
#include <string.h>

#include "cs_rules.h"

static int s_pending(const char *status)
{
    return strcmp(status, "received") == 0 || strcmp(status, "pending") == 0;
}

static int s_urgent_priority(const char *priority)
{
    return strcmp(priority, "urgent") == 0 || strcmp(priority, "asap") == 0 ||
           strcmp(priority, "stat") == 0;
}

/* 1. An application for basic assistance, complete on day C, with no decision
 *    by the BASIC_DECISION_WD-th working day after it arrived (urgent:
 *    _URGENT_WD). As Kela counts (14 a §): an application complete on a
 *    weekend or holiday arrives on the next working day, and the count starts
 *    the day after arrival. Complete Sat 14.11.2026 -> arrives Mon 16.11 ->
 *    the 7th working day is Wed 25.11. */
int cs_rule_basic_decision_late(const cs_rule_t *self, const cs_history_t *h,
                                const cs_params_t *p, cs_day_t today, cs_findings_t *out)
{
    for (size_t i = 0; i < h->nbenefits; i++) {
        const cs_benefit_t *b = &h->benefits[i];
        if (strcmp(b->benefit, "perustoimeentulotuki") != 0 || !s_pending(b->status) ||
            b->complete == CS_NODAY)
            continue;
        int wd = b->urgent ? p->basic_decision_urgent_wd : p->basic_decision_wd;
        cs_day_t arrived = cs_wd_add(b->complete, 0);
        cs_day_t due = arrived == CS_NODAY ? CS_NODAY : cs_wd_add(arrived, wd);
        cs_wake(out, due == CS_NODAY ? CS_NODAY : due + 1); /* passed the day after due */
        if (due == CS_NODAY || today <= due)
            continue;
        char occ[96], c[11], d[11];
        snprintf(occ, sizeof occ, "basic:%s", b->ref);
        if (cs_finding_add(out, self, occ, due, b->cause,
                       "The %sapplication for basic social assistance (Kela ref %s) was complete "
                       "on %s and still has no decision; Kela had to decide by %s (%d working "
                       "days). Contact Kela and check that the client has money for food and "
                       "housing now.",
                       b->urgent ? "urgent " : "", b->ref, cs_day_format(b->complete, c),
                       cs_day_format(due, d), wd) == 0)
            cs_finding_text(out, b->urgent ? "r1_urgent" : "r1", "tddn", b->ref, b->complete, due,
                            wd);
    }
    return 0;
}

/* 2. A Kela notice with no social.notice_handled in time. Two kinds carry a
 *    statutory deadline, counted like rule 1 (a notice dated on a weekend or
 *    holiday arrives on the next working day, the count starts the day after):
 *      forwarded_application  an application for supplementary or preventive
 *                             assistance the wellbeing county must decide within
 *                             FORWARDED_DECISION_WD (14 a §). It should close on
 *                             the county's decision; there is no event for that
 *                             decision yet, so social.notice_handled stands in.
 *      meeting_request        the client's right to meet a social worker within
 *                             MEETING_REQUEST_WD (14 e §).
 *    Every other kind: NOTICE_HANDLE_WD (local policy, after THL 26/2019). */
int cs_rule_notice_not_handled(const cs_rule_t *self, const cs_history_t *h, const cs_params_t *p,
                               cs_day_t today, cs_findings_t *out)
{
    for (size_t i = 0; i < h->nnotices; i++) {
        const cs_notice_t *n = &h->notices[i];
        if (n->handled != CS_NODAY)
            continue;
        int forwarded = strcmp(n->kind, "forwarded_application") == 0;
        int meeting = strcmp(n->kind, "meeting_request") == 0;
        int wd = forwarded ? p->forwarded_decision_wd
                 : meeting ? p->meeting_request_wd
                           : p->notice_handle_wd;
        cs_day_t arrived = forwarded || meeting ? cs_wd_add(n->date, 0) : n->date;
        cs_day_t due = arrived == CS_NODAY ? CS_NODAY : cs_wd_add(arrived, wd);
        cs_wake(out, due == CS_NODAY ? CS_NODAY : due + 1); /* passed the day after due */
        if (due == CS_NODAY || today <= due)
            continue;
        char occ[96], a[11], d[11];
        snprintf(occ, sizeof occ, "notice:%s", n->id);
        cs_day_format(n->date, a);
        cs_day_format(due, d);
        int added = -1;
        if (forwarded)
            added = cs_finding_add(out, self, occ, due, n->id,
                           "Kela forwarded an application for supplementary or preventive "
                           "assistance on %s and it has no decision; the wellbeing county had "
                           "to decide by %s (%d working days, toimeentulotukilaki 14 a §). "
                           "Decide the application and record it.",
                           a, d, wd);
        else if (meeting)
            added = cs_finding_add(out, self, occ, due, n->id,
                           "The client asked Kela on %s to meet a social worker and has not "
                           "been met; the meeting had to take place by %s (%d working days, "
                           "toimeentulotukilaki 14 e §). Meet the client and record it.",
                           a, d, wd);
        else
            added = cs_finding_add(out, self, occ, due, n->id,
                           "Kela's notice (%s) of %s has not been handled; it had to be "
                           "handled by %s (%d working days). Contact the client and record "
                           "the outcome.",
                           n->kind, a, d, wd);
        if (added == 0 && (forwarded || meeting))
            cs_finding_text(out, forwarded ? "r2_forwarded" : "r2_meeting", "ddn", n->date, due,
                            wd);
        else if (added == 0)
            cs_finding_text(out, "r2_other", "cddn", n->kind, n->date, due, wd);
    }
    return 0;
}

/* 7. A health referral with no social.referral_status within REFERRAL_ACK_WD
 *    (urgent, asap and stat referrals: REFERRAL_ACK_URGENT_WD). */
int cs_rule_referral_not_acknowledged(const cs_rule_t *self, const cs_history_t *h,
                                      const cs_params_t *p, cs_day_t today, cs_findings_t *out)
{
    for (size_t i = 0; i < h->nreferrals; i++) {
        const cs_referral_t *r = &h->referrals[i];
        if (r->acknowledged != CS_NODAY)
            continue;
        int wd = s_urgent_priority(r->priority) ? p->referral_ack_urgent_wd : p->referral_ack_wd;
        cs_day_t due = cs_wd_add(r->authored, wd);
        cs_wake(out, due == CS_NODAY ? CS_NODAY : due + 1); /* passed the day after due */
        if (due == CS_NODAY || today <= due)
            continue;
        char occ[96], a[11], d[11];
        snprintf(occ, sizeof occ, "referral:%s", r->id);
        if (cs_finding_add(out, self, occ, due, r->cause,
                       "The %s referral from health care of %s has not been acknowledged; "
                       "it had to be by %s (%d working days). Acknowledge it to the referring "
                       "unit and contact the client.",
                       r->priority, cs_day_format(r->authored, a), cs_day_format(due, d),
                       wd) == 0)
            cs_finding_text(out, "r7", "cddn", r->priority, r->authored, due, wd);
    }
    return 0;
}

/* 10. Who must be assessed by when: an urgent need at once, in calendar time
 *     (ASSESSMENT_URGENT_DAYS after the trigger: the social emergency service
 *     works around the clock, so a Saturday referral is due that Saturday);
 *     a client aged ASSESSMENT_AGE or over on the trigger day, or on the
 *     highest care allowance, by the ASSESSMENT_WD-th working day. Returns the
 *     due day, or CS_NODAY when no statutory start deadline applies. */
static cs_day_t s_assessment_due(const cs_history_t *h, const cs_params_t *p, cs_day_t trigger,
                                 int urgent, char why[64], const char **msg)
{
    if (urgent) {
        snprintf(why, 64, "an urgent need");
        *msg = "r10_urgent";
        return trigger + p->assessment_urgent_days;
    }
    if (cs_age_on(h->birth, trigger) >= p->assessment_age) {
        snprintf(why, 64, "a client aged %d or over", p->assessment_age);
        *msg = "r10_age";
        return cs_wd_add(trigger, p->assessment_wd);
    }
    for (size_t i = 0; i < h->nbenefits; i++) {
        const cs_benefit_t *b = &h->benefits[i];
        if (strcmp(b->benefit, p->care_allowance_benefit) == 0 &&
            strcmp(b->status, "granted") == 0 &&
            strcmp(b->reason_code, p->care_allowance_highest) == 0) {
            snprintf(why, 64, "a client on the highest care allowance");
            *msg = "r10_care";
            return cs_wd_add(trigger, p->assessment_wd);
        }
    }
    return CS_NODAY;
}

static void s_assessment(const cs_rule_t *self, const cs_history_t *h, const cs_params_t *p,
                         cs_day_t today, cs_findings_t *out, const char *kind, const char *id,
                         cs_day_t trigger, cs_day_t started, int urgent, const char *cause)
{
    if (started != CS_NODAY || trigger == CS_NODAY)
        return;
    char why[64];
    const char *msg = "";
    cs_day_t due = s_assessment_due(h, p, trigger, urgent, why, &msg);
    cs_wake(out, due == CS_NODAY ? CS_NODAY : due + 1); /* passed the day after due */
    if (due == CS_NODAY || today <= due)
        return;
    char occ[96], a[11], d[11];
    snprintf(occ, sizeof occ, "assessment:%s:%s", kind, id);
    if (cs_finding_add(out, self, occ, due, cause,
                       "The service-need assessment for %s (%s of %s) has not started; it had "
                       "to start by %s. Start the assessment and record it.",
                       why, kind, cs_day_format(trigger, a), cs_day_format(due, d)) == 0)
        cs_finding_text(out, msg, "cddn", kind, trigger, due, p->assessment_age);
}

int cs_rule_service_need_assessment_late(const cs_rule_t *self, const cs_history_t *h,
                                         const cs_params_t *p, cs_day_t today, cs_findings_t *out)
{
    for (size_t i = 0; i < h->nreferrals; i++) {
        const cs_referral_t *r = &h->referrals[i];
        s_assessment(self, h, p, today, out, "referral", r->id, r->authored, r->started,
                     s_urgent_priority(r->priority), r->cause);
    }
    for (size_t i = 0; i < h->nnotices; i++) {
        const cs_notice_t *n = &h->notices[i];
        if (strcmp(n->kind, "need_for_social_work") == 0 || strcmp(n->kind, "meeting_request") == 0)
            s_assessment(self, h, p, today, out, "notice", n->id, n->date, n->assessed, 0,
                         n->id);
    }
    return 0;
}
