/*  cs_rules.c - the rule table, the parameter loader and the evaluation driver.
 *
 *  The parameter table below maps each config key to a field of cs_params_t
 *  with its allowed range (nginx-style directives). The numbers themselves and
 *  their sources are in config/rules.conf; nothing here has a default.
 *
 *  Not here: the rules themselves (rules_*.c), I/O other than reading the config file (no
 *  database: the store turns findings into alerts).
 */
#include "cs_rules.h"

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const cs_rule_t s_rules[CS_NRULES] = {
    {1, "basic_assistance_decision_late", "Basic-assistance decision late",
     "Laki toimeentulotuesta 1412/1997 14 a §", "kela", cs_rule_basic_decision_late},
    {2, "notice_not_handled", "Kela notice not handled",
     "Laki toimeentulotuesta 1412/1997 14 a § (forwarded application decided in 7 working "
     "days) and 14 e § (meeting a social worker in 7 working days); other notices: THL "
     "työpaperi 26/2019, local deadline",
     "social",
     cs_rule_notice_not_handled},
    {3, "reduction_without_social_work", "Basic-amount reduction without social work",
     "Laki toimeentulotuesta 1412/1997 10 § (20/40 %; 50 % and reasons from 1.2.2026, HE "
     "116/2025): a reduction needs a plan with social work", "social",
     cs_rule_reduction_without_social_work},
    {4, "sickness_allowance_running_out", "Sickness allowance running out",
     "Sairausvakuutuslaki 1224/2004 8 luku 6 § (300 arkipäivää, paid to the end of the month "
     "before day 300's month), 8 luku 3 a § (statement by day 90); Kela's checkpoints 60, "
     "150, 230",
     "social", cs_rule_sickness_allowance_running_out},
    {5, "benefit_ends_no_successor", "Benefit ends with no successor",
     "local policy: continuity of income between benefits; Työttömyysturvalaki 1290/2002 "
     "5 luku 4 § (omavastuuaika, 7 days; verify against Finlex)",
     "social",
     cs_rule_benefit_ends_no_successor},
    {6, "not_entitled_income_gap", "Not entitled / waiting period",
     "Työttömyysturvalaki 1290/2002 2 a luku and 11 luku 4 § (labour-policy statement); "
     "toimeentulotukilaki 10 § as amended 1.2.2026 (HE 116/2025: sanction reduces the basic "
     "amount)",
     "social",
     cs_rule_not_entitled_gap},
    {7, "referral_not_acknowledged", "Referral not acknowledged",
     "Sosiaalihuoltolaki 1301/2014 35 §", "social", cs_rule_referral_not_acknowledged},
    {8, "activation_during_incapacity", "Activation during incapacity",
     "Laki työvoimapalveluiden järjestämisestä 380/2023 (the employment plan fits the "
     "client's work ability; verify the section against Finlex); health-declared incapacity",
     "employment", cs_rule_activation_during_incapacity},
    {9, "joint_service_assessment_due", "Joint-service assessment due",
     "Laki työllistymisen monialaisesta edistämisestä 381/2023 (thresholds kept from 1369/2014; "
     "verify against Finlex)",
     "employment",
     cs_rule_joint_service_assessment_due},
    {10, "service_need_assessment_late", "Service-need assessment deadline",
     "Sosiaalihuoltolaki 1301/2014 36 § (75+ and highest care allowance: 7th arkipäivä; "
     "urgent: at once, in calendar time)",
     "social", cs_rule_service_need_assessment_late},
    {11, "reduction_threatened", "Basic-amount reduction threatened (kehotus)",
     "Laki toimeentulotuesta 1412/1997 10 § as amended from 1.2.2026 (HE 116/2025: kehotus, "
     "one month before a 50 % reduction); lead time local policy",
     "social", cs_rule_reduction_threatened},
    {12, "client_plan_review_due", "Client plan review due",
     "Sosiaalihuoltolaki 1301/2014 39 § (the client plan is kept up to date; the review date "
     "agreed in the plan); grace local policy",
     "social", cs_rule_client_plan_review_due},
};

const cs_rule_t *cs_rules_all(size_t *n)
{
    *n = CS_NRULES;
    return s_rules;
}

const cs_rule_t *cs_rules_find(const char *name)
{
    for (size_t i = 0; i < CS_NRULES; i++)
        if (strcmp(s_rules[i].name, name) == 0)
            return &s_rules[i];
    return NULL;
}

/* ---------------------------------------------------------------- parameters */

typedef enum { P_INT, P_STR } s_ptype_t;
typedef struct {
    const char *key;
    s_ptype_t type;
    size_t offset;
    size_t size; /* P_STR: buffer size */
    long min, max;
} s_param_t;

#define PI(k, f, lo, hi) {k, P_INT, offsetof(cs_params_t, f), 0, lo, hi}
#define PS(k, f) {k, P_STR, offsetof(cs_params_t, f), sizeof(((cs_params_t *)0)->f), 0, 0}
#define PSEV(k, i) {k, P_STR, offsetof(cs_params_t, severity) + (i) * 12, 12, 0, 0}

static const s_param_t s_params[] = {
    PS("TEAM_QUEUE", team_queue),
    PI("CASELOAD_GUIDELINE", caseload_guideline, 1, 1000),
    PI("BASIC_DECISION_WD", basic_decision_wd, 0, 60),
    PI("BASIC_DECISION_URGENT_WD", basic_decision_urgent_wd, 0, 60),
    PI("NOTICE_HANDLE_WD", notice_handle_wd, 0, 120),
    PI("FORWARDED_DECISION_WD", forwarded_decision_wd, 0, 60),
    PI("MEETING_REQUEST_WD", meeting_request_wd, 0, 60),
    PI("REDUCTION_CONTACT_WD", reduction_contact_wd, 0, 120),
    PI("SICKNESS_MAX_DAYS", sickness_max_days, 1, 1000),
    PI("SICKNESS_WARN_DAY", sickness_warn_day, 1, 1000),
    PI("SICKNESS_REHAB_DAY", sickness_rehab_day, 1, 1000),
    PI("SICKNESS_WORK_ABILITY_DAY", sickness_work_ability_day, 1, 1000),
    PI("SICKNESS_REHAB_LETTER_DAY", sickness_rehab_letter_day, 1, 1000),
    PI("BENEFIT_END_WARN_WD", benefit_end_warn_wd, 0, 120),
    PS("INCOME_BENEFITS", income_benefits),
    PI("BENEFIT_END_CLOSE_WD", benefit_end_close_wd, 0, 250),
    PS("UNEMPLOYMENT_BENEFITS", unemployment_benefits),
    PI("UNEMPLOYMENT_WAITING_DAYS", unemployment_waiting_days, 1, 60),
    PI("STATEMENT_GAP_WD", statement_gap_wd, 0, 60),
    PI("SANCTION_REDUCTION_MONTHS", sanction_reduction_months, 1, 24),
    PI("REFERRAL_ACK_WD", referral_ack_wd, 0, 60),
    PI("REFERRAL_ACK_URGENT_WD", referral_ack_urgent_wd, 0, 60),
    PI("ACTIVATION_RESOLVE_WD", activation_resolve_wd, 0, 60),
    PI("JOINT_TMT_DAYS", joint_tmt_days, 1, 2000),
    PI("JOINT_MONTHS_25PLUS", joint_months_25plus, 1, 120),
    PI("JOINT_MONTHS_UNDER25", joint_months_under25, 1, 120),
    PI("JOINT_AGE_LIMIT", joint_age_limit, 15, 70),
    PI("JOINT_ASSESSMENT_WD", joint_assessment_wd, 0, 250),
    PS("JOINT_PLAN_ID", joint_plan_id),
    PI("ASSESSMENT_AGE", assessment_age, 18, 120),
    PI("ASSESSMENT_WD", assessment_wd, 0, 60),
    PI("ASSESSMENT_URGENT_DAYS", assessment_urgent_days, 0, 7),
    PS("CARE_ALLOWANCE_BENEFIT", care_allowance_benefit),
    PS("CARE_ALLOWANCE_HIGHEST", care_allowance_highest),
    PI("REDUCTION_THREAT_MONTHS", reduction_threat_months, 1, 12),
    PI("REDUCTION_THREAT_LEAD_WD", reduction_threat_lead_wd, 0, 20),
    PI("CLIENT_PLAN_REVIEW_GRACE_WD", client_plan_review_grace_wd, 0, 60),
    PSEV("SEVERITY_1", 0), PSEV("SEVERITY_2", 1), PSEV("SEVERITY_3", 2), PSEV("SEVERITY_4", 3),
    PSEV("SEVERITY_5", 4), PSEV("SEVERITY_6", 5), PSEV("SEVERITY_7", 6), PSEV("SEVERITY_8", 7),
    PSEV("SEVERITY_9", 8), PSEV("SEVERITY_10", 9), PSEV("SEVERITY_11", 10),
    PSEV("SEVERITY_12", 11),
};
#define S_NPARAMS (sizeof s_params / sizeof s_params[0])

static char *s_trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n'))
        s[--n] = '\0';
    return s;
}

static int s_set(const s_param_t *d, const char *v, cs_params_t *p)
{
    char *base = (char *)p + d->offset;
    if (d->type == P_STR) {
        if (!*v || strlen(v) >= d->size)
            return -1;
        if (strncmp(d->key, "SEVERITY_", 9) == 0 && strcmp(v, "info") != 0 &&
            strcmp(v, "warning") != 0 && strcmp(v, "urgent") != 0)
            return -1;
        memcpy(base, v, strlen(v) + 1);
        return 0;
    }
    char *end;
    errno = 0;
    long n = strtol(v, &end, 10);
    if (errno || end == v || *end || n < d->min || n > d->max)
        return -1;
    *(int *)(void *)base = (int)n;
    return 0;
}

int cs_params_load(const char *path, cs_params_t *p, silta_err_t *err)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return silta_err_set(err, SILTA_EINVAL, "could not open rules config %s: %s", path,
                             strerror(errno));
    memset(p, 0, sizeof *p);
    int seen[S_NPARAMS] = {0};
    char line[1024];
    int lineno = 0, rc = 0;
    while (rc == 0 && fgets(line, sizeof line, f)) {
        lineno++;
        char *hash = strchr(line, '#');
        if (hash)
            *hash = '\0';
        char *s = s_trim(line);
        if (!*s)
            continue;
        char *eq = strchr(s, '=');
        if (!eq) {
            rc = silta_err_set(err, SILTA_EINVAL, "%s:%d: not KEY=value", path, lineno);
            break;
        }
        *eq = '\0';
        char *key = s_trim(s), *val = s_trim(eq + 1);
        size_t i = 0;
        while (i < S_NPARAMS && strcmp(s_params[i].key, key) != 0)
            i++;
        if (i == S_NPARAMS)
            rc = silta_err_set(err, SILTA_EINVAL, "%s:%d: unknown key %.64s", path, lineno, key);
        else if (s_set(&s_params[i], val, p) != 0)
            rc = silta_err_set(err, SILTA_EINVAL, "%s:%d: bad value for %s (allowed %ld..%ld)",
                               path, lineno, key, s_params[i].min, s_params[i].max);
        else
            seen[i] = 1;
    }
    fclose(f);
    for (size_t i = 0; rc == 0 && i < S_NPARAMS; i++)
        if (!seen[i])
            rc = silta_err_set(err, SILTA_EINVAL, "%s: missing key %s", path, s_params[i].key);
    return rc;
}

void cs_params_each(const cs_params_t *p, void (*fn)(const char *key, const char *value, void *arg),
                    void *arg)
{
    for (size_t i = 0; i < S_NPARAMS; i++) {
        const char *base = (const char *)p + s_params[i].offset;
        char num[24];
        if (s_params[i].type == P_INT) {
            snprintf(num, sizeof num, "%d", *(const int *)(const void *)base);
            fn(s_params[i].key, num, arg);
        } else {
            fn(s_params[i].key, base, arg);
        }
    }
}

/* ---------------------------------------------------------------- evaluation */

int cs_finding_add(cs_findings_t *out, const cs_rule_t *rule, const char *occurrence, cs_day_t due,
                   const char *cause, const char *fmt, ...)
{
    if (out->n >= CS_MAX_FINDINGS)
        return -1;
    cs_finding_t *f = &out->items[out->n++];
    f->rule = rule;
    snprintf(f->occurrence, sizeof f->occurrence, "%s", occurrence);
    f->due = due;
    snprintf(f->cause, sizeof f->cause, "%s", cause ? cause : "");
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(f->explanation, sizeof f->explanation, fmt, ap);
    va_end(ap);
    f->msg[0] = '\0';
    f->nargs = 0;
    f->close_outcome = NULL;
    return 0;
}

void cs_finding_text(cs_findings_t *out, const char *msg, const char *types, ...)
{
    if (out->n == 0)
        return;
    cs_finding_t *f = &out->items[out->n - 1];
    snprintf(f->msg, sizeof f->msg, "%s", msg);
    f->nargs = 0;
    va_list ap;
    va_start(ap, types);
    for (const char *t = types; *t && f->nargs < CS_MAX_ARGS; t++) {
        cs_arg_t *a = &f->args[f->nargs++];
        a->type = *t;
        if (*t == 'd') {
            cs_day_format(va_arg(ap, cs_day_t), a->value);
        } else if (*t == 'n') {
            snprintf(a->value, sizeof a->value, "%d", va_arg(ap, int));
        } else {
            const char *v = va_arg(ap, const char *);
            snprintf(a->value, sizeof a->value, "%s", v && *v ? v : *t == 'c' ? "none" : "");
            for (char *c = a->value; *c; c++)
                if ((unsigned char)*c < 0x20 || *c == 0x7f)
                    *c = ' '; /* CS_ARGS_SEP among them */
        }
    }
    va_end(ap);
}

char *cs_finding_args_join(const cs_finding_t *f, char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < f->nargs && used + 1 < len; i++) {
        int n = snprintf(buf + used, len - used, "%s%c:%s", i ? "\x1f" : "", f->args[i].type,
                         f->args[i].value);
        if (n < 0)
            break;
        used += (size_t)n < len - used ? (size_t)n : len - used - 1;
    }
    return buf;
}

/* Rules (by number) that call cs_wake at every comparison of a date with
 * today, so their wake day is exact; the others wake the client tomorrow.
 * A rule joins the list once tests/unit/test_casestore_rules.c proves that its
 * findings do not change between today and its wake day. */
static const int s_waking[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}; /* 3, 8: today not read */

static int s_wakes(int number)
{
    for (size_t i = 0; i < sizeof s_waking / sizeof s_waking[0]; i++)
        if (s_waking[i] == number)
            return 1;
    return 0;
}

void cs_wake(cs_findings_t *out, cs_day_t day)
{
    if (day == CS_NODAY || day <= out->today)
        return;
    if (out->wake == CS_NODAY || day < out->wake)
        out->wake = day;
}

size_t cs_rules_eval(const cs_history_t *h, const cs_params_t *p, cs_day_t today,
                     cs_findings_t *out)
{
    out->n = 0;
    out->today = today;
    out->wake = CS_NODAY;
    for (size_t i = 0; i < CS_NRULES; i++) {
        s_rules[i].eval(&s_rules[i], h, p, today, out);
        if (!s_wakes(s_rules[i].number))
            cs_wake(out, today + 1);
    }
    return out->n;
}

int cs_list_has(const char *list, const char *b)
{
    size_t n = strlen(b);
    for (const char *s = list; s && *s;) {
        const char *comma = strchr(s, ',');
        size_t len = comma ? (size_t)(comma - s) : strlen(s);
        if (len == n && strncmp(s, b, n) == 0)
            return 1;
        s = comma ? comma + 1 : NULL;
    }
    return 0;
}
