/*  cs_outcome.c - what a caseworker did about an alert: the outcome codes that
 *  close an alert from the inbox, per rule (and, for rule 2, per kind of
 *  notice, by the alert's text id).
 *
 *  An outcome closes one occurrence of a rule for good: the store keeps the
 *  alert closed while the rule still finds the same occurrence, and a new
 *  occurrence opens a new alert (store/cs_alert.c). The rules whose own event
 *  closes them have no outcome here: 3 (contact and statement), 7 (Kuittaa),
 *  10 (start the assessment).
 *
 *  Not here: the outcomes' names for people (web/web_text.c), I/O.
 */
#include <string.h>

#include "cs_rules.h"

static const cs_outcome_t s_outcomes[] = {
    /* 1 basic-assistance decision late: Kela decides; social work makes sure */
    {"basic_assistance_decision_late", NULL, "kela_contacted", 0,
     "Kela contacted, decision asked for"},
    {"basic_assistance_decision_late", NULL, "client_has_means", 0,
     "checked with the client: money for food and housing for now"},
    /* 2 notice not handled, by kind */
    {"notice_not_handled", "r2_forwarded", "application_granted", 1,
     "application decided: granted"},
    {"notice_not_handled", "r2_forwarded", "application_rejected", 1,
     "application decided: rejected"},
    {"notice_not_handled", "r2_meeting", "meeting_booked", 1, "meeting booked"},
    {"notice_not_handled", "r2_meeting", "meeting_held", 1, "client met"},
    {"notice_not_handled", "r2_other", "client_contacted", 0, "client contacted"},
    /* 4 sickness allowance running out */
    {"sickness_allowance_running_out", NULL, "rehabilitation_guided", 0,
     "client guided to apply for rehabilitation allowance"},
    {"sickness_allowance_running_out", NULL, "pension_guided", 0,
     "client guided to apply for a pension"},
    {"sickness_allowance_running_out", NULL, "jobseeker_guided", 0,
     "client guided to register as a jobseeker"},
    /* 5 benefit ends with no successor */
    {"benefit_ends_no_successor", NULL, "successor_guided", 0,
     "client guided to apply for the following benefit"},
    {"benefit_ends_no_successor", NULL, "basic_assistance_guided", 0,
     "client guided to apply for basic assistance"},
    /* 6 not entitled / waiting period */
    {"not_entitled_income_gap", NULL, "basic_assistance_checked", 0,
     "basic assistance checked with the client"},
    /* 8, 9 employment services act */
    {"activation_during_incapacity", NULL, "employment_contacted", 0,
     "employment services contacted"},
    {"joint_service_assessment_due", NULL, "employment_contacted", 0,
     "employment services contacted"},
    /* 11 kehotus */
    {"reduction_threatened", NULL, "client_helped", 0, "client helped to act on the kehotus"},
};

const cs_outcome_t *cs_outcomes_all(size_t *n)
{
    *n = sizeof s_outcomes / sizeof s_outcomes[0];
    return s_outcomes;
}

const cs_outcome_t *cs_outcome_find(const char *rule, const char *msg, const char *code)
{
    for (size_t i = 0; i < sizeof s_outcomes / sizeof s_outcomes[0]; i++) {
        const cs_outcome_t *o = &s_outcomes[i];
        if (strcmp(o->rule, rule) == 0 && strcmp(o->code, code) == 0 &&
            (!o->msg || (msg && strcmp(o->msg, msg) == 0)))
            return o;
    }
    return NULL;
}
