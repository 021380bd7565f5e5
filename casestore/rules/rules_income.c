/*  rules_income.c - the income-gap rules: a person whose income is about to
 *  stop, or has stopped, with nothing in place after it.
 *
 *    4 sickness_allowance_running_out   the 300-day maximum nears (Kela pays to the end
 *                                       of the month before day 300's month) with no
 *                                       pension, rehabilitation allowance or registration
 *    5 benefit_ends_no_successor        an income benefit ends; nothing covers the next
 *                                       day, or only an unemployment benefit that is
 *                                       paid after its 7-day waiting period
 *    6 not_entitled_income_gap          a negative labour-policy statement or a
 *                                       waiting period, and no basic assistance applied
 *
 *  These open as soon as the condition holds (they are warnings, not missed
 *  deadlines); due is the day by which the gap must be covered.
 *
 *  Not here: I/O, alerts (store/), parameters' values (config/rules.conf).
 */
#include <stdio.h>
#include <string.h>

#include "cs_rules.h"
#include "silta_workday.h"

static int s_active(const char *status)
{
    return strcmp(status, "granted") == 0 || strcmp(status, "reduced") == 0;
}

static int s_in_place(const char *status)
{
    return s_active(status) || strcmp(status, "received") == 0 || strcmp(status, "pending") == 0;
}

/* 4. The granted sickness allowance whose period covers today (an allowance
 *    that ended cannot run out). Day 300 (SICKNESS_MAX_DAYS arkipäivät) is
 *    counted from the days used when Kela reported them; Kela pays only to the
 *    last day of the month before day 300's month, and that day is the due
 *    date. Opens at Kela's checkpoint SICKNESS_WARN_DAY (230) and names the
 *    earlier checkpoints (60, 90, 150) the caseworker should find on file. */
int cs_rule_sickness_allowance_running_out(const cs_rule_t *self, const cs_history_t *h,
                                           const cs_params_t *p, cs_day_t today,
                                           cs_findings_t *out)
{
    const cs_benefit_t *sick = NULL;
    for (size_t i = 0; i < h->nbenefits; i++) {
        const cs_benefit_t *b = &h->benefits[i];
        cs_wake(out, b->start);   /* a period starts covering today */
        cs_wake(out, b->end + 1); /* or stops */
        if (strcmp(b->benefit, "sairauspaivaraha") == 0 && s_active(b->status) &&
            b->as_of != CS_NODAY && (b->start == CS_NODAY || b->start <= today) &&
            (b->end == CS_NODAY || b->end >= today) && (!sick || b->as_of > sick->as_of))
            sick = b;
    }
    if (!sick)
        return 0;
    int used = sick->sickness_days_used;
    int left = p->sickness_max_days > used ? p->sickness_max_days - used : 0;
    cs_day_t max_day = cs_arkipaiva_add(sick->as_of, left);
    cs_day_t pay_end = cs_month_before_end(max_day);
    cs_day_t warn_from = cs_arkipaiva_add(
        sick->as_of, p->sickness_warn_day > used ? p->sickness_warn_day - used : 0);
    cs_wake(out, warn_from); /* Kela's checkpoint reached */
    if (max_day == CS_NODAY || warn_from == CS_NODAY || today < warn_from)
        return 0;
    for (size_t i = 0; i < h->nbenefits; i++) {
        const cs_benefit_t *b = &h->benefits[i];
        if ((strcmp(b->benefit, "elake") == 0 || strcmp(b->benefit, "kuntoutusraha") == 0) &&
            s_in_place(b->status))
            return 0;
    }
    if (strcmp(h->reg_status, "registered") == 0)
        return 0;
    int now = used + cs_arkipaiva_count(sick->as_of, today);
    if (now > p->sickness_max_days)
        now = p->sickness_max_days;
    char occ[96], d[11], e[11];
    snprintf(occ, sizeof occ, "sickness:%s", sick->ref);
    if (cs_finding_add(out, self, occ, pay_end, sick->cause,
                   "Sickness allowance reaches day %d on %s, so Kela pays it only until %s. "
                   "About %d days are used by now and no pension, rehabilitation allowance or "
                   "jobseeker registration is in place: plan the next income with the client and "
                   "Kela before then. Check that the statement of work ability (day %d) and "
                   "Kela's rehabilitation checks (days %d and %d) are done.",
                   p->sickness_max_days, cs_day_format(max_day, d), cs_day_format(pay_end, e),
                   now, p->sickness_work_ability_day, p->sickness_rehab_day,
                   p->sickness_rehab_letter_day) == 0)
        cs_finding_text(out, "r4", "nddnnnn", p->sickness_max_days, max_day, pay_end, now,
                        p->sickness_work_ability_day, p->sickness_rehab_day,
                        p->sickness_rehab_letter_day);
    return 0;
}

/* The last day of an unemployment benefit's waiting period (omavastuuaika)
 * that starts on day s: the n-th Monday-Friday day counting s itself. */
static cs_day_t s_waiting_last(cs_day_t s, int n)
{
    cs_day_t d = s;
    for (int k = 0;; d++) {
        int wday = (int)(((d + 3) % 7 + 7) % 7) + 1; /* 1970-01-01 was a Thursday; 1 = Mon */
        if (wday <= 5 && ++k >= n)
            return d;
    }
}

/* How long after BENEFIT_END_CLOSE_WD rule 5 still says "no longer
 * actionable" for an occurrence (so the store can close an alert it missed
 * while it was down): a year of working days. */
#define S_STALE_WD 260

/* Rule 5's window: the days d whose working days to end (silta_workday_count)
 * are within [-CLOSE_WD, WARN_WD], i.e. [first, leave). Wakes the client on
 * the next of those two days after today (cs_wake). The count falls as d
 * grows, so `first` is found by bisection from a calendar bound (WARN_WD + 1
 * working days span less than 2 * WARN_WD + 20 days); on the day it turns
 * "no longer actionable" (CLOSE_WD + 1) the store must see it too. */
static int s_left_le(cs_day_t d, cs_day_t end, long n)
{
    long left = 0;
    return silta_workday_count(silta_workday_from_days(d), silta_workday_from_days(end), &left,
                               NULL) == 0 &&
           left <= n;
}

static void s_wake_window(cs_findings_t *out, cs_day_t end, const cs_params_t *p)
{
    cs_day_t lo = end - 2L * p->benefit_end_warn_wd - 20, hi = end; /* !pred(lo), pred(hi) */
    while (hi - lo > 1) {
        cs_day_t mid = lo + (hi - lo) / 2;
        if (s_left_le(mid, end, p->benefit_end_warn_wd))
            hi = mid;
        else
            lo = mid;
    }
    cs_wake(out, hi);                                           /* enters the window */
    cs_wake(out, cs_wd_add(end, p->benefit_end_close_wd + 1));  /* turns "no longer actionable" */
    cs_wake(out, cs_wd_add(end, p->benefit_end_close_wd + S_STALE_WD + 1)); /* leaves it */
}

/* 5. An income benefit (INCOME_BENEFITS) granted until E: from
 *    BENEFIT_END_WARN_WD working days before E, something granted or applied
 *    must cover E + 1. An unemployment benefit (UNEMPLOYMENT_BENEFITS) that
 *    follows another kind of benefit is paid only after its waiting period
 *    (UNEMPLOYMENT_WAITING_DAYS, omavastuuaika), so it leaves a gap of its own.
 *    BENEFIT_END_CLOSE_WD working days after E the finding says "no longer
 *    actionable" (close_outcome: the store closes the alert with that outcome
 *    and opens none): by then the gap is basic assistance's matter (rules 1
 *    and 6), and an alert nobody can act on must not stay open for months. */
int cs_rule_benefit_ends_no_successor(const cs_rule_t *self, const cs_history_t *h,
                                      const cs_params_t *p, cs_day_t today, cs_findings_t *out)
{
    for (size_t i = 0; i < h->nbenefits; i++) {
        const cs_benefit_t *b = &h->benefits[i];
        if (b->end == CS_NODAY || !cs_list_has(p->income_benefits, b->benefit) ||
            !(s_active(b->status) || strcmp(b->status, "ended") == 0))
            continue;
        s_wake_window(out, b->end, p);
        long left = 0;
        if (silta_workday_count(silta_workday_from_days(today), silta_workday_from_days(b->end),
                                &left, NULL) != 0 ||
            left > p->benefit_end_warn_wd)
            continue;
        int stale = -left > p->benefit_end_close_wd;
        if (stale && -left > p->benefit_end_close_wd + S_STALE_WD)
            continue; /* long past: no alert of it can still be open */
        cs_day_t next = b->end + 1;
        const cs_benefit_t *succ = NULL, *waits = NULL;
        for (size_t j = 0; j < h->nbenefits && !succ; j++) {
            const cs_benefit_t *o = &h->benefits[j];
            if (o == b || !cs_list_has(p->income_benefits, o->benefit) || !s_in_place(o->status))
                continue;
            if (!((o->start == CS_NODAY || o->start <= next) &&
                  (o->end == CS_NODAY || o->end >= next)))
                continue;
            if (cs_list_has(p->unemployment_benefits, o->benefit) &&
                !cs_list_has(p->unemployment_benefits, b->benefit))
                waits = o; /* covers next only after its waiting period */
            else
                succ = o;
        }
        if (succ)
            continue;
        char occ[96], e[11], w[11];
        snprintf(occ, sizeof occ, "ends:%s:%s:%s", b->benefit, b->ref, cs_day_format(b->end, e));
        cs_day_t due = cs_wd_add(b->end, 0);
        cs_day_t last = s_waiting_last(next, p->unemployment_waiting_days);
        int added = -1;
        if (waits)
            added = cs_finding_add(out, self, occ, due, b->cause,
                           "The client's %s ends on %s. The following %s is paid only after "
                           "its waiting period of %d days (omavastuuaika), so there is no "
                           "income until %s. Check with the client how the gap is covered "
                           "(basic assistance) and help with the application.",
                           b->benefit, e, waits->benefit, p->unemployment_waiting_days,
                           cs_day_format(last, w));
        else
            added = cs_finding_add(out, self, occ, due, b->cause,
                           "The client's %s ends on %s and nothing granted or applied covers the "
                           "next day. Check with the client which benefit follows and help with "
                           "the application.",
                           b->benefit, e);
        if (added == 0 && waits)
            cs_finding_text(out, "r5_waiting", "cdcnd", b->benefit, b->end, waits->benefit,
                            p->unemployment_waiting_days, last);
        else if (added == 0)
            cs_finding_text(out, "r5", "cd", b->benefit, b->end);
        if (added == 0 && stale)
            out->items[out->n - 1].close_outcome = CS_OUTCOME_NOT_ACTIONABLE;
    }
    return 0;
}

/* 6. A labour-policy statement "not entitled" or a waiting period leaves the
 *    client without unemployment benefit: basic assistance must be checked
 *    within STATEMENT_GAP_WD. Cleared by a basic-assistance application or
 *    grant on or after the statement, or when the waiting period is over.
 *    Since 1.2.2026 (HE 116/2025) such a sanction also reduces the basic amount
 *    by 20 or 40 % for up to SANCTION_REDUCTION_MONTHS: the explanation points
 *    to rule 3 (the reduction notice and social work's statement to Kela). */
int cs_rule_not_entitled_gap(const cs_rule_t *self, const cs_history_t *h, const cs_params_t *p,
                             cs_day_t today, cs_findings_t *out)
{
    const cs_rule_t *reduction = cs_rules_find("reduction_without_social_work");
    for (size_t i = 0; i < h->nstatements; i++) {
        const cs_statement_t *s = &h->statements[i];
        int waiting = strcmp(s->outcome, "waiting_period") == 0;
        if (!waiting && strcmp(s->outcome, "not_entitled") != 0)
            continue;
        cs_day_t from = waiting && s->waiting_from != CS_NODAY ? s->waiting_from : s->date;
        if (waiting)
            cs_wake(out, from + s->waiting_days); /* the first day after the period */
        if (waiting && today > from + s->waiting_days - 1)
            continue; /* the waiting period is over */
        int covered = 0;
        for (size_t j = 0; j < h->nbenefits && !covered; j++) {
            const cs_benefit_t *b = &h->benefits[j];
            covered = strcmp(b->benefit, "perustoimeentulotuki") == 0 && s_in_place(b->status) &&
                      (b->as_of >= s->date || b->end == CS_NODAY || b->end >= s->date);
        }
        if (covered)
            continue;
        char occ[96], a[11], d[11];
        snprintf(occ, sizeof occ, "statement:%s", s->id);
        cs_day_t due = cs_wd_add(s->date, p->statement_gap_wd);
        const char *title = reduction ? reduction->title : "";
        int added = -1;
        if (waiting)
            added = cs_finding_add(out, self, occ, due, s->cause,
                           "Employment services set a waiting period (karenssi) of %d days from "
                           "%s: no unemployment benefit is paid. Check basic assistance with the "
                           "client by %s. Kela may also reduce the basic amount by 20 or 40 %% "
                           "for up to %d months; then give Kela the social-work statement (see "
                           "\"%s\").",
                           s->waiting_days, cs_day_format(from, a), cs_day_format(due, d),
                           p->sanction_reduction_months, title);
        else
            added = cs_finding_add(out, self, occ, due, s->cause,
                           "Employment services stated on %s that the client is not entitled to "
                           "unemployment benefit. Check basic assistance with the client by %s. "
                           "Kela may also reduce the basic amount by 20 or 40 %% for up to %d "
                           "months; then give Kela the social-work statement (see \"%s\").",
                           cs_day_format(s->date, a), cs_day_format(due, d),
                           p->sanction_reduction_months, title);
        if (added == 0 && waiting)
            cs_finding_text(out, "r6_waiting", "nddn", s->waiting_days, from, due,
                            p->sanction_reduction_months);
        else if (added == 0)
            cs_finding_text(out, "r6", "ddn", s->date, due, p->sanction_reduction_months);
    }
    return 0;
}
