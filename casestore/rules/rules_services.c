/*  rules_services.c - the service rules: work that one agency's event makes
 *  due for another.
 *
 *    3 reduction_without_social_work   a basic-amount reduction (20, 40, 50 %) needs a
 *                                      social-work contact (the notice handled) and a
 *                                      statement to Kela
 *   11 reduction_threatened            Kela's kehotus: the client has a month to act
 *                                      before a 50 % cut; social work helps within it
 *    8 activation_during_incapacity    an employment plan item falls inside a
 *                                      health-declared incapacity period
 *    9 joint_service_assessment_due    300 days of labour market subsidy, or 12 months'
 *                                      unemployment (25+) / 6 months (under 25)
 *
 *  3, 8 and 11 open as soon as the condition holds; 9 from the day the threshold
 *  is reached. due is the day by which the owning agency should act.
 *
 *  Not here: I/O, alerts (store/), parameters' values (config/rules.conf).
 */
#include <stdio.h>
#include <string.h>

#include "cs_rules.h"
#include "silta_workday.h"

/* The reason Kela gives for a reduction or a kehotus, in a caseworker's words
 * (kela.notice.v1 reduction_reason; laki toimeentulotuesta 10 § as amended
 * from 1.2.2026, HE 116/2025). */
static const char *s_reason(const char *code)
{
    static const struct {
        const char *code, *text;
    } reasons[] = {
        {"primary_benefit_not_applied", "the client did not apply for a primary benefit"},
        {"not_registered_jobseeker", "the client is not registered as a full-time jobseeker"},
        {"labour_policy_sanction", "a labour-policy sanction (karenssi or work obligation)"},
        {"integration_plan", "the integration plan was neglected"},
    };
    for (size_t i = 0; i < sizeof reasons / sizeof reasons[0]; i++)
        if (strcmp(reasons[i].code, code) == 0)
            return reasons[i].text;
    return "no reason given in the notice";
}

/* Kela's reason code as the page names it (web/web_text.c), or "none". */
static const char *s_reason_code(const char *code)
{
    return code && *code ? code : "none";
}

/* 3. Kela reduced the basic amount (20, 40 or, since 1.2.2026, 50 %): social
 *    work must contact the client and write its statement within
 *    REDUCTION_CONTACT_WD. */
int cs_rule_reduction_without_social_work(const cs_rule_t *self, const cs_history_t *h,
                                          const cs_params_t *p, cs_day_t today,
                                          cs_findings_t *out)
{
    (void)today;
    for (size_t i = 0; i < h->nnotices; i++) {
        const cs_notice_t *n = &h->notices[i];
        if (strcmp(n->kind, "basic_amount_reduction") != 0)
            continue;
        int statement = 0;
        for (size_t j = 0; j < h->nsocstatements && !statement; j++)
            statement = n->ref[0] && strcmp(h->socstatements[j].ref, n->ref) == 0;
        if (statement && n->handled != CS_NODAY)
            continue;
        cs_day_t due = cs_wd_add(n->date, p->reduction_contact_wd);
        char occ[96], a[11], d[11];
        snprintf(occ, sizeof occ, "reduction:%s", n->id);
        if (cs_finding_add(out, self, occ, due, n->id,
                       "Kela reduced the client's basic amount by %d %% (notice of %s; reason: "
                       "%s). Social work must contact the client and give Kela its statement "
                       "by %s; still missing: %s%s%s.",
                       n->reduction_percent, cs_day_format(n->date, a),
                       s_reason(n->reduction_reason), cs_day_format(due, d),
                       n->handled == CS_NODAY ? "the contact" : "",
                       n->handled == CS_NODAY && !statement ? " and " : "",
                       statement ? "" : "the statement to Kela") == 0)
            cs_finding_text(out, "r3", "ndcd", n->reduction_percent, n->date,
                            s_reason_code(n->reduction_reason), due);
    }
    return 0;
}

static cs_day_t s_add_months(cs_day_t d, int months);

/* The working day lead working days before d (d itself when lead is 0 and d
 * is a working day; a non-working d first moves back to a working day). */
static cs_day_t s_wd_before(cs_day_t d, int lead)
{
    for (int guard = 0; d != CS_NODAY && guard < 400; guard++, d--) {
        silta_workday_date_t x = silta_workday_from_days(d);
        if (!silta_workday_date_valid(x))
            return CS_NODAY;
        if (silta_workday_is_working(x) && lead-- == 0)
            return d;
    }
    return CS_NODAY;
}

/* 11. Kela's kehotus (since 1.2.2026, HE 116/2025): the client has one month
 *     (REDUCTION_THREAT_MONTHS) from the notice to apply for primary benefits or
 *     register as a full-time jobseeker, or the basic amount is cut by 50 %.
 *     Social work has that month to help: due REDUCTION_THREAT_LEAD_WD working
 *     days before the month ends. Kela's notice carries no deadline of its own
 *     yet, so the month counts from the notice date. Clears when social work has
 *     handled the notice, or once the month is over (a reduction then comes as
 *     its own notice, rule 3). */
int cs_rule_reduction_threatened(const cs_rule_t *self, const cs_history_t *h,
                                 const cs_params_t *p, cs_day_t today, cs_findings_t *out)
{
    for (size_t i = 0; i < h->nnotices; i++) {
        const cs_notice_t *n = &h->notices[i];
        if (strcmp(n->kind, "kehotus") != 0 || n->handled != CS_NODAY || n->date == CS_NODAY)
            continue;
        cs_day_t month_end = s_add_months(n->date, p->reduction_threat_months);
        cs_wake(out, month_end == CS_NODAY ? CS_NODAY : month_end + 1); /* the month over */
        if (month_end == CS_NODAY || today > month_end)
            continue;
        cs_day_t due = s_wd_before(month_end, p->reduction_threat_lead_wd);
        if (due == CS_NODAY || due < n->date)
            due = n->date;
        char occ[96], a[11], m[11], d[11];
        snprintf(occ, sizeof occ, "kehotus:%s", n->id);
        if (cs_finding_add(out, self, occ, due, n->id,
                       "Kela instructed the client on %s (kehotus; reason: %s): unless the "
                       "client applies for primary benefits or registers as a full-time "
                       "jobseeker by %s, the basic amount is cut by 50 %%. Contact the client "
                       "by %s and help them act in time.",
                       cs_day_format(n->date, a), s_reason(n->reduction_reason),
                       cs_day_format(month_end, m), cs_day_format(due, d)) == 0)
            cs_finding_text(out, "r11", "dcdd", n->date, s_reason_code(n->reduction_reason),
                            month_end, due);
    }
    return 0;
}

/* 8. An open employment plan item whose start or due date lies inside an
 *    incapacity period: employment services must move it within
 *    ACTIVATION_RESOLVE_WD of the incapacity's start, and before the item. */
int cs_rule_activation_during_incapacity(const cs_rule_t *self, const cs_history_t *h,
                                         const cs_params_t *p, cs_day_t today, cs_findings_t *out)
{
    (void)today;
    for (size_t i = 0; i < h->nempitems; i++) {
        const cs_empitem_t *e = &h->empitems[i];
        if (strcmp(e->status, "open") != 0)
            continue;
        for (size_t j = 0; j < h->nincapacity; j++) {
            const cs_incapacity_t *c = &h->incapacity[j];
            cs_day_t when = CS_NODAY;
            if (e->start != CS_NODAY && e->start >= c->start && e->start <= c->end)
                when = e->start;
            else if (e->due != CS_NODAY && e->due >= c->start && e->due <= c->end)
                when = e->due;
            if (when == CS_NODAY)
                continue;
            cs_day_t due = cs_wd_add(c->start, p->activation_resolve_wd);
            cs_day_t item_day = cs_wd_add(when, 0);
            if (item_day != CS_NODAY && item_day < due)
                due = item_day;
            char occ[96], a[11], b[11], w[11];
            snprintf(occ, sizeof occ, "activation:%s:%s", e->item_id, cs_day_format(c->start, a));
            if (cs_finding_add(out, self, occ, due, e->cause,
                           "The employment plan item \"%s\" on %s falls inside a work-incapacity "
                           "period (%s to %s) declared by health care. Employment services should "
                           "move or cancel it.",
                           e->title, cs_day_format(when, w), a, cs_day_format(c->end, b)) == 0)
                cs_finding_text(out, "r8", "tddd", e->title, when, c->start, c->end);
        }
    }
    return 0;
}

/* Mon-Fri days in [a, b] (labour market subsidy is paid five days a week).
 * 1970-01-01, day 0, was a Thursday. */
static int s_wday(cs_day_t d)
{
    return (int)(((d + 3) % 7 + 7) % 7) + 1; /* 1 = Monday */
}

static long s_weekdays(cs_day_t a, cs_day_t b)
{
    if (b < a)
        return 0;
    long n = b - a + 1, count = n / 7 * 5;
    for (cs_day_t d = a + n / 7 * 7; d <= b; d++)
        count += s_wday(d) <= 5;
    return count;
}

static cs_day_t s_add_months(cs_day_t d, int months)
{
    silta_workday_date_t x = silta_workday_from_days(d);
    int m = x.month - 1 + months;
    x.year += m / 12;
    x.month = m % 12 + 1;
    while (x.day > 28 && !silta_workday_date_valid(x))
        x.day--;
    return silta_workday_date_valid(x) ? silta_workday_to_days(x) : CS_NODAY;
}

/* 9. The day the client first met a joint-service criterion, or CS_NODAY. */
static cs_day_t s_joint_threshold(const cs_history_t *h, const cs_params_t *p, cs_day_t today,
                                  char why[96], const char **msg, int *count)
{
    cs_day_t best = CS_NODAY;
    /* Labour market subsidy days, summed in period order up to today. */
    long sum = 0;
    cs_day_t last = CS_NODAY;
    for (size_t k = 0; k < h->nbenefits; k++) {
        const cs_benefit_t *b = NULL; /* next period by start, after `last` */
        for (size_t i = 0; i < h->nbenefits; i++) {
            const cs_benefit_t *c = &h->benefits[i];
            if (strcmp(c->benefit, "tyomarkkinatuki") != 0 || c->start == CS_NODAY ||
                strcmp(c->status, "rejected") == 0 || (last != CS_NODAY && c->start <= last))
                continue;
            if (!b || c->start < b->start)
                b = c;
        }
        if (!b)
            break;
        last = b->start;
        cs_day_t end = b->end == CS_NODAY || b->end > today ? today : b->end;
        if (end < b->start)
            continue;
        long n = s_weekdays(b->start, end);
        if (sum + n >= p->joint_tmt_days) {
            cs_day_t d = b->start;
            for (; sum < p->joint_tmt_days; d++)
                sum += s_weekdays(d, d);
            best = d - 1;
            snprintf(why, 96, "has received labour market subsidy for %d days", p->joint_tmt_days);
            *msg = "r9_days";
            *count = p->joint_tmt_days;
            break;
        }
        sum += n;
    }
    if (strcmp(h->reg_status, "registered") == 0 && h->unemployed_since != CS_NODAY) {
        int age = cs_age_on(h->birth, today);
        int months = age >= 0 && age < p->joint_age_limit ? p->joint_months_under25
                                                          : p->joint_months_25plus;
        cs_day_t t = s_add_months(h->unemployed_since, months);
        if (t != CS_NODAY && t <= today && (best == CS_NODAY || t < best)) {
            best = t;
            *msg = months == p->joint_months_under25 ? "r9_under" : "r9_months";
            *count = months;
            if (months == p->joint_months_under25)
                snprintf(why, 96, "is under %d and has been unemployed for %d months",
                         p->joint_age_limit, months);
            else
                snprintf(why, 96, "has been unemployed for %d months", months);
        }
    }
    return best;
}

int cs_rule_joint_service_assessment_due(const cs_rule_t *self, const cs_history_t *h,
                                         const cs_params_t *p, cs_day_t today, cs_findings_t *out)
{
    for (size_t i = 0; i < h->nempitems; i++)
        if (strcmp(h->empitems[i].plan_id, p->joint_plan_id) == 0 &&
            strcmp(h->empitems[i].status, "cancelled") != 0)
            return 0; /* a multi-agency plan exists */
    for (size_t i = 0; i < h->nbenefits; i++) {
        const cs_benefit_t *b = &h->benefits[i];
        if (strcmp(b->benefit, "tyomarkkinatuki") == 0 && b->start != CS_NODAY) /* days count */
            cs_wake(out, b->start > today || b->end < today ? b->start : today + 1);
    }
    if (strcmp(h->reg_status, "registered") == 0 && h->unemployed_since != CS_NODAY) {
        cs_wake(out, s_add_months(h->unemployed_since, p->joint_months_under25));
        cs_wake(out, s_add_months(h->unemployed_since, p->joint_months_25plus));
        if (h->birth != CS_NODAY) /* the age limit moves the month count */
            cs_wake(out, s_add_months(h->birth, 12 * p->joint_age_limit));
    }
    char why[96] = "";
    const char *msg = "r9_months";
    int count = 0;
    cs_day_t t = s_joint_threshold(h, p, today, why, &msg, &count);
    if (t == CS_NODAY || t > today)
        return 0;
    cs_day_t due = cs_wd_add(t, p->joint_assessment_wd);
    char a[11], d[11];
    if (cs_finding_add(out, self, "joint", due, "",
                       "The client %s (reached on %s): a joint-service assessment with "
                       "employment services, Kela and social work is due by %s.",
                       why, cs_day_format(t, a), cs_day_format(due, d)) == 0)
        cs_finding_text(out, msg, "nndd", count, p->joint_age_limit, t, due);
    return 0;
}
