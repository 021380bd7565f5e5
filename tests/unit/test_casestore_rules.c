/* test_casestore_rules.c - each gap rule as a pure function over a hand-made
 * history (casestore/rules_*.c), the parameter loader, and the derived plan.
 * Dates are chosen around Finnish holidays so every due date proves the
 * working-day calendar is used (2026: Good Friday 3.4, Easter Monday 6.4,
 * May Day 1.5, Ascension 14.5, Christmas 24.-26.12; 2027: Epiphany 6.1). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../casestore/rules/cs_plan.h"
#include "../../casestore/rules/cs_rules.h"
#include "../../casestore/cs_tools.h"

static cs_params_t s_p;
static cs_history_t s_h;
static cs_findings_t s_f;

static cs_day_t D(const char *s)
{
    cs_day_t d;
    cr_assert_eq(cs_day_parse(s, &d), 0, "%s", s);
    return d;
}

static const char *s_conf(void)
{
    static char path[4096];
    const char *src = getenv("SILTA_SRC");
    snprintf(path, sizeof path, "%s/config/rules.conf", src ? src : ".");
    return path;
}

static void s_setup(void)
{
    silta_err_t err;
    cr_assert_eq(cs_params_load(s_conf(), &s_p, &err), 0, "%s", err.msg);
    cs_history_reset(&s_h);
    snprintf(s_h.client_key, sizeof s_h.client_key, "ck_test");
    memset(&s_f, 0, sizeof s_f);
}

/* Run one rule; return the number of findings. */
static size_t s_run(const char *rule, const char *today)
{
    const cs_rule_t *r = cs_rules_find(rule);
    cr_assert_not_null(r, "%s", rule);
    s_f.n = 0;
    r->eval(r, &s_h, &s_p, D(today), &s_f);
    return s_f.n;
}

static void s_due(size_t i, const char *want)
{
    char d[11];
    cr_assert_str_eq(cs_day_format(s_f.items[i].due, d), want);
}

static cs_benefit_t *s_benefit(const char *benefit, const char *status, const char *ref)
{
    cs_benefit_t *b = &s_h.benefits[s_h.nbenefits++];
    memset(b, 0, sizeof *b);
    snprintf(b->benefit, sizeof b->benefit, "%s", benefit);
    snprintf(b->status, sizeof b->status, "%s", status);
    snprintf(b->ref, sizeof b->ref, "%s", ref);
    b->start = b->end = b->complete = b->as_of = CS_NODAY;
    return b;
}

static cs_notice_t *s_notice(const char *kind, const char *date)
{
    cs_notice_t *n = &s_h.notices[s_h.nnotices++];
    memset(n, 0, sizeof *n);
    snprintf(n->id, sizeof n->id, "00000000-0000-0000-0000-00000000000%zu", s_h.nnotices);
    snprintf(n->kind, sizeof n->kind, "%s", kind);
    snprintf(n->ref, sizeof n->ref, "K-1");
    n->date = D(date);
    n->handled = CS_NODAY;
    n->assessed = CS_NODAY;
    n->reduction_percent = 20;
    return n;
}

static cs_referral_t *s_referral(const char *priority, const char *authored)
{
    cs_referral_t *r = &s_h.referrals[s_h.nreferrals++];
    memset(r, 0, sizeof *r);
    snprintf(r->id, sizeof r->id, "R-%zu", s_h.nreferrals);
    snprintf(r->priority, sizeof r->priority, "%s", priority);
    r->authored = D(authored);
    r->acknowledged = r->started = CS_NODAY;
    return r;
}

TestSuite(rules, .init = s_setup);

Test(rules, r1_basic_assistance_decision_late_counts_may_day)
{
    cs_benefit_t *b = s_benefit("perustoimeentulotuki", "pending", "TT-1");
    b->complete = D("2026-04-30"); /* 7 working days, 1.5 a holiday -> 12.5 */
    cr_assert_eq(s_run("basic_assistance_decision_late", "2026-05-12"), 0, "not late on the day");
    cr_assert_eq(s_run("basic_assistance_decision_late", "2026-05-13"), 1);
    s_due(0, "2026-05-12");
    cr_assert_str_eq(s_f.items[0].occurrence, "basic:TT-1");
    cr_assert(strstr(s_f.items[0].explanation, "no decision"));
    snprintf(b->status, sizeof b->status, "granted");
    cr_assert_eq(s_run("basic_assistance_decision_late", "2026-05-13"), 0, "decided: clears");
}

Test(rules, r1_urgent_is_next_working_day_over_ascension)
{
    cs_benefit_t *b = s_benefit("perustoimeentulotuki", "received", "TT-2");
    b->complete = D("2026-05-13");
    b->urgent = 1;
    cr_assert_eq(s_run("basic_assistance_decision_late", "2026-05-15"), 0);
    cr_assert_eq(s_run("basic_assistance_decision_late", "2026-05-18"), 1);
    s_due(0, "2026-05-15"); /* 14.5 is Ascension Day */
}

Test(rules, r1_complete_on_saturday_counts_from_monday)
{
    cs_benefit_t *b = s_benefit("perustoimeentulotuki", "pending", "TT-3");
    b->complete = D("2026-11-14"); /* Sat: arrives Mon 16.11, count from Tue 17.11 */
    cr_assert_eq(s_run("basic_assistance_decision_late", "2026-11-25"), 0, "due that day");
    cr_assert_eq(s_run("basic_assistance_decision_late", "2026-11-26"), 1);
    s_due(0, "2026-11-25");
    b->complete = D("2026-12-06"); /* Independence Day, a Sunday: arrives Mon 7.12 */
    cr_assert_eq(s_run("basic_assistance_decision_late", "2026-12-17"), 1);
    s_due(0, "2026-12-16");
}

Test(rules, r2_notice_not_handled_over_christmas_and_epiphany)
{
    cs_notice_t *n = s_notice("need_for_social_work", "2026-12-23");
    cr_assert_eq(s_run("notice_not_handled", "2027-01-07"), 0);
    cr_assert_eq(s_run("notice_not_handled", "2027-01-08"), 1);
    s_due(0, "2027-01-07");
    n->handled = D("2027-01-08");
    cr_assert_eq(s_run("notice_not_handled", "2027-01-08"), 0, "handled: clears");
}

Test(rules, r2_forwarded_application_is_decided_in_7_working_days)
{
    s_notice("forwarded_application", "2026-11-14"); /* Sat: arrives Mon 16.11 */
    cr_assert_eq(s_run("notice_not_handled", "2026-11-25"), 0, "due that day");
    cr_assert_eq(s_run("notice_not_handled", "2026-11-26"), 1);
    s_due(0, "2026-11-25");
    cr_assert(strstr(s_f.items[0].explanation, "decide"), "%s", s_f.items[0].explanation);
    cr_assert(strstr(s_f.items[0].explanation, "14 a §"));
}

Test(rules, r2_meeting_request_is_met_in_7_working_days)
{
    s_notice("meeting_request", "2026-12-06"); /* Independence Day (Sun): arrives Mon 7.12 */
    cr_assert_eq(s_run("notice_not_handled", "2026-12-16"), 0);
    cr_assert_eq(s_run("notice_not_handled", "2026-12-17"), 1);
    s_due(0, "2026-12-16");
    cr_assert(strstr(s_f.items[0].explanation, "14 e §"), "%s", s_f.items[0].explanation);
}

Test(rules, r3_reduction_needs_contact_and_statement)
{
    cs_notice_t *n = s_notice("basic_amount_reduction", "2026-04-30");
    cr_assert_eq(s_run("reduction_without_social_work", "2026-04-30"), 1, "opens at once");
    s_due(0, "2026-05-12");
    n->handled = D("2026-05-04");
    cr_assert_eq(s_run("reduction_without_social_work", "2026-05-04"), 1, "statement missing");
    cr_assert(strstr(s_f.items[0].explanation, "statement to Kela"));
    snprintf(s_h.socstatements[0].ref, sizeof s_h.socstatements[0].ref, "K-1");
    s_h.socstatements[0].date = D("2026-05-05");
    s_h.nsocstatements = 1;
    cr_assert_eq(s_run("reduction_without_social_work", "2026-05-05"), 0);
}

Test(rules, r3_fifty_percent_reduction_names_its_reason)
{
    cs_notice_t *n = s_notice("basic_amount_reduction", "2026-03-05");
    n->reduction_percent = 50;
    snprintf(n->reduction_reason, sizeof n->reduction_reason, "not_registered_jobseeker");
    cr_assert_eq(s_run("reduction_without_social_work", "2026-03-05"), 1);
    s_due(0, "2026-03-16");
    cr_assert(strstr(s_f.items[0].explanation, "by 50 %"), "%s", s_f.items[0].explanation);
    cr_assert(strstr(s_f.items[0].explanation, "not registered as a full-time jobseeker"));
}

Test(rules, r11_kehotus_gives_social_work_the_month)
{
    cs_notice_t *n = s_notice("kehotus", "2026-03-05");
    snprintf(n->reduction_reason, sizeof n->reduction_reason, "primary_benefit_not_applied");
    cr_assert_eq(s_run("reduction_threatened", "2026-03-05"), 1, "opens at once");
    /* the month ends Sun 5.4.2026; the last working day before is Thu 2.4 (Good Friday
     * 3.4), and 5 working days before that is Thu 26.3 */
    s_due(0, "2026-03-26");
    cr_assert_str_eq(s_f.items[0].occurrence, "kehotus:00000000-0000-0000-0000-000000000001");
    cr_assert(strstr(s_f.items[0].explanation, "2026-04-05"), "%s", s_f.items[0].explanation);
    cr_assert(strstr(s_f.items[0].explanation, "50 %"));
    cr_assert(strstr(s_f.items[0].explanation, "did not apply for a primary benefit"));
    cr_assert_eq(s_run("reduction_threatened", "2026-04-05"), 1, "last day of the month");
    cr_assert_eq(s_run("reduction_threatened", "2026-04-06"), 0, "the month is over");
    n->handled = D("2026-03-10");
    cr_assert_eq(s_run("reduction_threatened", "2026-03-10"), 0, "social work met the client");
}

Test(rules, r4_sickness_allowance_running_out)
{
    cs_benefit_t *b = s_benefit("sairauspaivaraha", "granted", "SV-1");
    b->as_of = D("2026-03-02");
    b->sickness_days_used = 250; /* past Kela's 230 checkpoint */
    cr_assert_eq(s_run("sickness_allowance_running_out", "2026-03-02"), 1);
    /* day 300 = 50 Mon-Sat days after 2.3.2026 (Good Friday, Easter Monday skipped): Sat
     * 2.5.2026; Kela pays to the end of the month before: 30.4.2026 */
    s_due(0, "2026-04-30");
    cr_assert(strstr(s_f.items[0].explanation, "2026-05-02"), "%s", s_f.items[0].explanation);
    cr_assert(strstr(s_f.items[0].explanation, "until 2026-04-30"));
    s_benefit("elake", "received", "EL-1");
    cr_assert_eq(s_run("sickness_allowance_running_out", "2026-03-02"), 0, "pension applied");
    s_h.nbenefits = 1;
    snprintf(s_h.reg_status, sizeof s_h.reg_status, "registered");
    cr_assert_eq(s_run("sickness_allowance_running_out", "2026-03-02"), 0, "jobseeker");
    s_h.reg_status[0] = '\0';
    b->sickness_days_used = 100; /* day 230 only 130 arkipäivät later */
    cr_assert_eq(s_run("sickness_allowance_running_out", "2026-03-02"), 0);
}

Test(rules, r4_pays_to_end_of_previous_month_and_only_while_running)
{
    cs_benefit_t *b = s_benefit("sairauspaivaraha", "granted", "SV-2");
    b->start = D("2026-01-05");
    b->end = D("2026-11-30");
    b->as_of = D("2026-08-03");
    b->sickness_days_used = 240; /* 60 left: day 300 on Mon 12.10.2026 */
    cr_assert_eq(s_run("sickness_allowance_running_out", "2026-08-03"), 1);
    s_due(0, "2026-09-30"); /* not 12.10: Kela pays to the end of September */
    cr_assert(strstr(s_f.items[0].explanation, "2026-10-12"), "%s", s_f.items[0].explanation);
    b->end = D("2026-07-31"); /* the allowance ended before today: nothing runs out */
    cr_assert_eq(s_run("sickness_allowance_running_out", "2026-08-03"), 0, "ended");
    b->end = D("2026-11-30");
    b->sickness_days_used = 220; /* day 230 is 10 arkipäivät after 3.8 (Fri 14.8) */
    cr_assert_eq(s_run("sickness_allowance_running_out", "2026-08-13"), 0, "before day 230");
    cr_assert_eq(s_run("sickness_allowance_running_out", "2026-08-14"), 1, "day 230");
}

Test(rules, r5_benefit_ends_with_no_successor)
{
    cs_benefit_t *b = s_benefit("tyomarkkinatuki", "granted", "TM-1");
    b->start = D("2026-01-01");
    b->end = D("2026-06-30");
    cr_assert_eq(s_run("benefit_ends_no_successor", "2026-05-01"), 0, "too early to warn");
    cr_assert_eq(s_run("benefit_ends_no_successor", "2026-06-22"), 1);
    s_due(0, "2026-06-30");
    cs_benefit_t *n = s_benefit("peruspaivaraha", "pending", "PP-1");
    n->start = D("2026-07-01");
    cr_assert_eq(s_run("benefit_ends_no_successor", "2026-06-22"), 0, "successor applied");
}

Test(rules, r5_unemployment_successor_leaves_waiting_period_gap)
{
    cs_benefit_t *b = s_benefit("kuntoutusraha", "granted", "KR-1");
    b->start = D("2026-01-01");
    b->end = D("2026-06-30");
    cs_benefit_t *n = s_benefit("peruspaivaraha", "pending", "PP-2");
    n->start = D("2026-07-01");
    cr_assert_eq(s_run("benefit_ends_no_successor", "2026-06-22"), 1, "omavastuuaika");
    s_due(0, "2026-06-30");
    /* 7 Mon-Fri days from Wed 1.7: 1, 2, 3, 6, 7, 8, 9 -> paid from 10.7 */
    cr_assert(strstr(s_f.items[0].explanation, "until 2026-07-09"), "%s",
              s_f.items[0].explanation);
    snprintf(n->benefit, sizeof n->benefit, "sairauspaivaraha");
    cr_assert_eq(s_run("benefit_ends_no_successor", "2026-06-22"), 0, "no waiting period");
}

Test(rules, r5_stops_20_working_days_after_the_end)
{
    cs_benefit_t *b = s_benefit("tyomarkkinatuki", "ended", "TM-2");
    b->start = D("2025-01-01");
    b->end = D("2026-06-30");
    cr_assert_eq(s_run("benefit_ends_no_successor", "2026-07-28"), 1, "20th working day after");
    cr_assert_null(s_f.items[0].close_outcome, "still actionable");
    /* The day after: the finding only closes its alert, with an outcome. */
    cr_assert_eq(s_run("benefit_ends_no_successor", "2026-07-29"), 1);
    cr_assert_str_eq(s_f.items[0].close_outcome, CS_OUTCOME_NOT_ACTIONABLE);
    cr_assert_eq(s_run("benefit_ends_no_successor", "2027-11-30"), 0, "not 17 months later");
}

/* An outcome belongs to its rule, and rule 2's to the notice's kind. */
Test(rules, outcomes_belong_to_their_rule_and_kind)
{
    cr_assert_not_null(cs_outcome_find("notice_not_handled", "r2_meeting", "meeting_booked"));
    cr_assert(cs_outcome_find("notice_not_handled", "r2_meeting", "meeting_booked")->needs_date);
    cr_assert_null(cs_outcome_find("notice_not_handled", "r2_other", "meeting_booked"));
    cr_assert_null(cs_outcome_find("notice_not_handled", NULL, "application_granted"));
    cr_assert_not_null(cs_outcome_find("reduction_threatened", "r11", "client_helped"));
    cr_assert_null(cs_outcome_find("reduction_threatened", "r11", "kela_contacted"));
    cr_assert_null(cs_outcome_find("referral_not_acknowledged", "r7", "client_contacted"),
                   "rule 7 closes by Kuittaa");
    /* Every rule that has no event of its own to close it has an outcome. */
    const char *const rules[] = {"basic_assistance_decision_late", "sickness_allowance_running_out",
                                 "benefit_ends_no_successor", "not_entitled_income_gap",
                                 "activation_during_incapacity", "joint_service_assessment_due",
                                 "reduction_threatened"};
    size_t n = 0;
    const cs_outcome_t *all = cs_outcomes_all(&n);
    for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++) {
        int found = 0;
        for (size_t j = 0; j < n; j++)
            found |= strcmp(all[j].rule, rules[i]) == 0;
        cr_assert(found, "%s has no outcome", rules[i]);
    }
}

Test(rules, r6_not_entitled_and_waiting_period)
{
    cs_statement_t *s = &s_h.statements[s_h.nstatements++];
    snprintf(s->id, sizeof s->id, "LA-1");
    snprintf(s->outcome, sizeof s->outcome, "not_entitled");
    s->date = D("2026-04-02");
    s->waiting_from = CS_NODAY;
    cr_assert_eq(s_run("not_entitled_income_gap", "2026-04-02"), 1);
    s_due(0, "2026-04-08"); /* 2 working days over Easter */
    cs_benefit_t *b = s_benefit("perustoimeentulotuki", "received", "TT-9");
    b->as_of = D("2026-04-07");
    cr_assert_eq(s_run("not_entitled_income_gap", "2026-04-07"), 0, "basic assistance applied");
    s_h.nbenefits = 0;
    snprintf(s->outcome, sizeof s->outcome, "waiting_period");
    s->waiting_days = 45;
    s->waiting_from = D("2026-04-02");
    cr_assert_eq(s_run("not_entitled_income_gap", "2026-05-16"), 1, "day 45");
    cr_assert_eq(s_run("not_entitled_income_gap", "2026-05-17"), 0, "waiting period over");
}

Test(rules, r6_karenssi_links_to_the_reduction_and_the_statement)
{
    cs_statement_t *s = &s_h.statements[s_h.nstatements++];
    snprintf(s->id, sizeof s->id, "LA-2");
    snprintf(s->outcome, sizeof s->outcome, "waiting_period");
    s->waiting_days = 45;
    s->date = s->waiting_from = D("2026-03-02");
    cr_assert_eq(s_run("not_entitled_income_gap", "2026-03-02"), 1);
    const char *x = s_f.items[0].explanation;
    cr_assert(strstr(x, "20 or 40 % for up to 6 months"), "%s", x);
    cr_assert(strstr(x, "social-work statement"), "%s", x);
    cr_assert(strstr(x, cs_rules_find("reduction_without_social_work")->title), "%s", x);
    snprintf(s->outcome, sizeof s->outcome, "not_entitled");
    cr_assert_eq(s_run("not_entitled_income_gap", "2026-03-02"), 1);
    cr_assert(strstr(s_f.items[0].explanation, "6 months"));
}

Test(rules, r7_referral_not_acknowledged_over_easter)
{
    cs_referral_t *r = s_referral("routine", "2026-04-02");
    cr_assert_eq(s_run("referral_not_acknowledged", "2026-04-09"), 0);
    cr_assert_eq(s_run("referral_not_acknowledged", "2026-04-10"), 1);
    s_due(0, "2026-04-09");
    snprintf(r->priority, sizeof r->priority, "urgent");
    cr_assert_eq(s_run("referral_not_acknowledged", "2026-04-08"), 1);
    s_due(0, "2026-04-07");
    r->acknowledged = D("2026-04-08");
    cr_assert_eq(s_run("referral_not_acknowledged", "2026-04-10"), 0, "acknowledged");
}

Test(rules, r8_activation_during_incapacity)
{
    cs_empitem_t *e = &s_h.empitems[s_h.nempitems++];
    snprintf(e->item_id, sizeof e->item_id, "TY-1");
    snprintf(e->title, sizeof e->title, "job-search training");
    snprintf(e->status, sizeof e->status, "open");
    e->start = D("2026-05-20");
    e->due = D("2026-05-29");
    s_h.incapacity[0].start = D("2026-05-13");
    s_h.incapacity[0].end = D("2026-06-05");
    s_h.nincapacity = 1;
    cr_assert_eq(s_run("activation_during_incapacity", "2026-05-13"), 1);
    s_due(0, "2026-05-15"); /* 1 working day after 13.5, Ascension 14.5 skipped */
    snprintf(e->status, sizeof e->status, "cancelled");
    cr_assert_eq(s_run("activation_during_incapacity", "2026-05-13"), 0);
}

Test(rules, r9_joint_service_assessment_due)
{
    s_h.birth = D("1985-01-01");
    snprintf(s_h.reg_status, sizeof s_h.reg_status, "registered");
    s_h.unemployed_since = D("2025-01-15");
    cr_assert_eq(s_run("joint_service_assessment_due", "2026-01-14"), 0, "11 months");
    cr_assert_eq(s_run("joint_service_assessment_due", "2026-01-15"), 1, "12 months");
    s_h.birth = D("2004-09-07"); /* under 25: 6 months */
    cr_assert_eq(s_run("joint_service_assessment_due", "2025-07-15"), 1);
    cs_empitem_t *e = &s_h.empitems[s_h.nempitems++];
    snprintf(e->plan_id, sizeof e->plan_id, "monialainen");
    snprintf(e->status, sizeof e->status, "open");
    cr_assert_eq(s_run("joint_service_assessment_due", "2026-01-15"), 0, "multi-agency plan");
}

Test(rules, r9_labour_market_subsidy_days)
{
    cs_benefit_t *b = s_benefit("tyomarkkinatuki", "granted", "TM-1");
    b->start = D("2025-01-06"); /* a Monday: 300 weekdays = 60 weeks */
    b->end = D("2026-12-31");
    cr_assert_eq(s_run("joint_service_assessment_due", "2026-02-27"), 1);
    cr_assert(strstr(s_f.items[0].explanation, "300 days"));
    cr_assert(strstr(s_f.items[0].explanation, "2026-02-27"));
}

Test(rules, r8_r9_cite_the_employment_acts_in_force_since_2025)
{
    const cs_rule_t *a = cs_rules_find("activation_during_incapacity");
    const cs_rule_t *j = cs_rules_find("joint_service_assessment_due");
    cr_assert(strstr(a->source, "380/2023"), "%s", a->source);
    cr_assert(strstr(j->source, "381/2023"), "%s", j->source);
    size_t n;
    const cs_rule_t *all = cs_rules_all(&n);
    for (size_t i = 0; i < n; i++)
        cr_assert(!strstr(all[i].source, "916/2012") && !strstr(all[i].source, "1369/2014 3 §"),
                  "%s cites a repealed act: %s", all[i].name, all[i].source);
}

Test(rules, r10_service_need_assessment_for_75_plus_and_urgent)
{
    s_h.birth = D("1945-03-01");
    cs_referral_t *r = s_referral("routine", "2026-04-30");
    cr_assert_eq(s_run("service_need_assessment_late", "2026-05-12"), 0);
    cr_assert_eq(s_run("service_need_assessment_late", "2026-05-13"), 1);
    s_due(0, "2026-05-12");
    r->started = D("2026-05-13");
    cr_assert_eq(s_run("service_need_assessment_late", "2026-05-13"), 0);
    s_h.birth = D("1990-03-01");
    s_referral("asap", "2026-05-14"); /* Ascension: at once = that very day */
    cr_assert_eq(s_run("service_need_assessment_late", "2026-05-14"), 0);
    cr_assert_eq(s_run("service_need_assessment_late", "2026-05-15"), 1);
    s_due(0, "2026-05-14");
    s_h.nreferrals = 1;
    s_referral("routine", "2026-05-14"); /* under 75, routine: no start deadline */
    cr_assert_eq(s_run("service_need_assessment_late", "2026-09-01"), 0);
}

/* A Kela notice of need for social work: handling it is not the assessment;
 * social.assessment.v1 naming the notice (notice_event_id) is. */
Test(rules, r10_notice_closes_when_its_assessment_starts)
{
    s_h.birth = D("1945-03-01");
    cs_notice_t *n = s_notice("need_for_social_work", "2026-04-30");
    cr_assert_eq(s_run("service_need_assessment_late", "2026-05-13"), 1);
    s_due(0, "2026-05-12");
    cr_assert_str_eq(s_f.items[0].msg, "r10_age");
    n->handled = D("2026-05-04");
    cr_assert_eq(s_run("service_need_assessment_late", "2026-05-13"), 1, "handled: still late");
    n->assessed = D("2026-05-13");
    cr_assert_eq(s_run("service_need_assessment_late", "2026-05-13"), 0, "assessment started");
}

Test(rules, r10_urgent_saturday_referral_is_due_that_saturday)
{
    s_h.birth = D("1990-03-01");
    s_referral("urgent", "2026-11-14"); /* Sat: the social emergency service works 24/7 */
    cr_assert_eq(s_run("service_need_assessment_late", "2026-11-14"), 0, "still that day");
    cr_assert_eq(s_run("service_need_assessment_late", "2026-11-15"), 1, "Sunday: late");
    s_due(0, "2026-11-14");
}

Test(rules, parameter_from_config_changes_the_due_date)
{
    char path[] = "/tmp/silta-rules-XXXXXX";
    int fd = mkstemp(path);
    cr_assert(fd >= 0);
    FILE *out = fdopen(fd, "w");
    FILE *in = fopen(s_conf(), "r");
    char line[1024];
    while (fgets(line, sizeof line, in))
        fputs(strncmp(line, "NOTICE_HANDLE_WD=", 17) == 0 ? "NOTICE_HANDLE_WD=3\n" : line, out);
    fclose(in);
    fclose(out);
    silta_err_t err;
    cr_assert_eq(cs_params_load(path, &s_p, &err), 0, "%s", err.msg);
    unlink(path);
    s_notice("need_for_social_work", "2026-12-23");
    cr_assert_eq(s_run("notice_not_handled", "2027-01-08"), 1);
    s_due(0, "2026-12-30"); /* 3 working days: 28.12, 29.12, 30.12 */
}

Test(rules, config_refuses_missing_unknown_and_bad_values)
{
    char path[] = "/tmp/silta-rules-XXXXXX";
    silta_err_t err;
    int fd = mkstemp(path);
    FILE *f = fdopen(fd, "w");
    fputs("NOTICE_HANDLE_WD=7\n", f);
    fclose(f);
    cr_assert_eq(cs_params_load(path, &s_p, &err), SILTA_EINVAL);
    cr_assert(strstr(err.msg, "missing key"), "%s", err.msg);
    f = fopen(path, "w");
    fputs("NOTICE_HANDLE_DAYS=7\n", f);
    fclose(f);
    cr_assert_eq(cs_params_load(path, &s_p, &err), SILTA_EINVAL);
    cr_assert(strstr(err.msg, "unknown key"), "%s", err.msg);
    f = fopen(path, "w");
    fputs("NOTICE_HANDLE_WD=seven\n", f);
    fclose(f);
    cr_assert_eq(cs_params_load(path, &s_p, &err), SILTA_EINVAL);
    cr_assert(strstr(err.msg, "bad value"), "%s", err.msg);
    unlink(path);
}

Test(rules, every_rule_has_name_source_and_is_evaluated)
{
    size_t n;
    const cs_rule_t *all = cs_rules_all(&n);
    cr_assert_eq(n, 12);
    for (size_t i = 0; i < n; i++) {
        cr_assert_eq(all[i].number, (int)i + 1);
        cr_assert(all[i].name && all[i].source && strlen(all[i].source) > 5);
        cr_assert(all[i].eval);
    }
    s_notice("basic_amount_reduction", "2026-04-30");
    cr_assert_eq(cs_rules_eval(&s_h, &s_p, D("2026-05-13"), &s_f), 2, "rules 2 and 3");
}

Test(rules, plan_items_follow_the_history)
{
    static cs_plan_item_t items[CS_PLAN_MAX];
    cs_notice_t *n = s_notice("basic_amount_reduction", "2026-04-30");
    s_referral("routine", "2026-04-02");
    size_t k = cs_plan_derive(&s_h, &s_p, items, CS_PLAN_MAX);
    cr_assert_eq(k, 3, "notice, reduction statement, referral");
    cr_assert_str_eq(items[0].responsible, s_p.team_queue, "no worker: the team queue");
    cr_assert_str_eq(items[0].status, "open");
    n->handled = D("2026-05-04");
    snprintf(s_h.worker, sizeof s_h.worker, "sw-anna");
    k = cs_plan_derive(&s_h, &s_p, items, CS_PLAN_MAX);
    cr_assert_str_eq(items[0].status, "done");
    cr_assert_str_eq(items[0].responsible, "sw-anna");
}

/* ---------------------------------------------------------------- wake days
 * The incremental sweep evaluates a client again only on its wake day
 * (cs_findings_t.wake, casestore.client_check.next_check). Equivalence: over a year
 * of days, for generated histories, the findings of the last incremental
 * evaluation equal a full evaluation on every day in between. */

static int s_same_findings(const cs_findings_t *a, const cs_findings_t *b)
{
    if (a->n != b->n)
        return 0;
    for (size_t i = 0; i < a->n; i++)
        if (a->items[i].rule != b->items[i].rule ||
            strcmp(a->items[i].occurrence, b->items[i].occurrence) != 0 ||
            a->items[i].due != b->items[i].due ||
            strcmp(a->items[i].cause, b->items[i].cause) != 0)
            return 0;
    /* Not the explanation: rule 4's names the days used "by now". The store
     * writes an explanation only when it opens an alert, which the incremental
     * run does on the same day as a daily one. */
    return 1;
}

Test(rules, incremental_wake_days_equal_a_full_evaluation_every_day, .init = s_setup)
{
    static cs_findings_t inc, full;
    cs_day_t base = D("2026-11-02");
    unsigned long seed = 1212;
    long evaluations = 0, skipped = 0;
    for (long c = 0; c < 400; c++) {
        cs_bench_history(&s_h, &seed, c, base);
        cs_rules_eval(&s_h, &s_p, base, &inc);
        cs_day_t next = inc.wake;
        evaluations++;
        for (cs_day_t d = base + 1; d <= base + 365; d++) {
            cs_rules_eval(&s_h, &s_p, d, &full);
            if (next != CS_NODAY && d >= next) {
                /* the wake day: the incremental run evaluates again */
                cr_assert(inc.wake > inc.today, "a wake day is after today");
                inc = full;
                next = full.wake;
                evaluations++;
                continue;
            }
            skipped++;
            char a[11], b[11];
            cr_assert(s_same_findings(&inc, &full),
                      "client %ld: findings of %s changed on %s, before its wake day", c,
                      cs_day_format(inc.today, a), cs_day_format(d, b));
        }
    }
    /* Most client-days are skipped: the sweep is incremental, not daily. */
    cr_assert_gt(skipped, evaluations, "evaluations=%ld skipped=%ld", evaluations, skipped);
}

Test(rules, a_client_with_nothing_pending_never_wakes, .init = s_setup)
{
    cs_rules_eval(&s_h, &s_p, D("2026-05-20"), &s_f);
    cr_assert_eq(s_f.n, 0);
    cr_assert_eq(s_f.wake, CS_NODAY, "only a new fact changes an empty history's findings");
}

Test(rules, a_notice_wakes_its_client_the_day_after_its_due_date, .init = s_setup)
{
    cs_notice_t *n = &s_h.notices[s_h.nnotices++];
    snprintf(n->id, sizeof n->id, "n1");
    snprintf(n->kind, sizeof n->kind, "other");
    n->date = D("2026-05-04");
    n->handled = CS_NODAY;
    const cs_rule_t *r = cs_rules_find("notice_not_handled");
    s_f.n = 0;
    s_f.today = D("2026-05-06");
    s_f.wake = CS_NODAY;
    r->eval(r, &s_h, &s_p, D("2026-05-06"), &s_f);
    cr_assert_eq(s_f.n, 0);
    /* due 7 wd after 4.5 (Ascension 14.5): 13.5; the alert opens on 14.5... the
     * wake is the day after due, whatever the calendar says */
    char d[11];
    cs_day_t due = cs_wd_add(D("2026-05-04"), s_p.notice_handle_wd);
    cr_assert_eq(s_f.wake, due + 1, "wake %s", cs_day_format(s_f.wake, d));
    cr_assert_eq(s_run("notice_not_handled", cs_day_format(due + 1, d)), 1);
}

/* 12. The client plan is reviewed by its agreed date (SHL 39 §): the review
 * date Sat 4.4.2026 moves over Easter to Tue 7.4; a review recorded on or
 * after the date closes it, and a new plan version with a later date opens a
 * new occurrence. */
Test(rules, r12_client_plan_review_by_its_date)
{
    cr_assert_eq(s_run("client_plan_review_due", "2027-01-01"), 0, "no plan, no finding");
    snprintf(s_h.cplan.plan_id, sizeof s_h.cplan.plan_id, "cp-1");
    s_h.cplan.review = D("2026-04-04");
    s_h.cplan.reviewed = CS_NODAY;
    cr_assert_eq(s_run("client_plan_review_due", "2026-04-07"), 0, "due on Tue 7.4");
    cr_assert_eq(s_run("client_plan_review_due", "2026-04-08"), 1, "late the day after");
    s_due(0, "2026-04-07");
    cr_assert_str_eq(s_f.items[0].occurrence, "cplan:cp-1:2026-04-04");
    cr_assert_str_eq(s_f.items[0].msg, "r12");
    cr_assert(strstr(s_f.items[0].explanation, "2026-04-04"), "%s", s_f.items[0].explanation);
    s_h.cplan.reviewed = D("2026-03-30");
    cr_assert_eq(s_run("client_plan_review_due", "2026-04-08"), 1, "an earlier review is not it");
    s_h.cplan.reviewed = D("2026-04-08");
    cr_assert_eq(s_run("client_plan_review_due", "2026-04-09"), 0, "reviewed, late but done");
    s_h.cplan.review = D("2026-10-01");
    cr_assert_eq(s_run("client_plan_review_due", "2026-10-02"), 1, "the next review is late");
    cr_assert_str_eq(s_f.items[0].occurrence, "cplan:cp-1:2026-10-01");
    s_h.cplan.review = CS_NODAY;
    cr_assert_eq(s_run("client_plan_review_due", "2027-10-02"), 0, "no review date agreed");
}

/* CLIENT_PLAN_REVIEW_GRACE_WD is read from config/rules.conf with the others. */
Test(rules, r12_grace_comes_from_the_config)
{
    cr_assert_eq(s_p.client_plan_review_grace_wd, 0);
    cr_assert_str_eq(s_p.severity[11], "warning");
    cr_assert(strstr(cs_rules_find("client_plan_review_due")->source, "39 §"));
}

/* The deadline sweep wakes the client the day after the review's due date. */
Test(rules, r12_wakes_the_day_after_the_review_is_due)
{
    snprintf(s_h.cplan.plan_id, sizeof s_h.cplan.plan_id, "cp-1");
    s_h.cplan.review = D("2026-04-04");
    cs_rules_eval(&s_h, &s_p, D("2026-03-02"), &s_f);
    cr_assert_eq(s_f.n, 0);
    char d[11];
    cr_assert_str_eq(cs_day_format(s_f.wake, d), "2026-04-08");
}
