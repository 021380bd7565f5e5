/*  cs_rules.h - the gap and deadline rules: parameters, the rule table, findings.
 *
 *  A rule is a pure function over one client's history (cs_history.h) and the
 *  rules' "today": it appends one finding per occurrence whose condition holds
 *  now. It does no I/O and keeps no state, so the same history and day always
 *  give the same findings; the store (store/cs_store.c) turns findings into alerts:
 *  a new occurrence opens an alert, a missing one closes it.
 *
 *  Every number a rule uses comes from cs_params_t, loaded from
 *  config/rules.conf (KEY=value, each with its source in a comment). A key that
 *  is missing or out of range stops the program at start: there are no
 *  defaults in C. The rules live in rules_deadlines.c (1, 2, 7, 10),
 *  rules_income.c (4, 5, 6), rules_services.c (3, 8, 9, 11) and
 *  rules_client_plan.c (12).
 *
 *  Not here: any I/O but the config file; alerts (store/cs_store.c).
 */
#ifndef CS_RULES_H
#define CS_RULES_H

#include <stddef.h>

#include "cs_history.h"
#include "silta_err.h"

#define CS_MAX_FINDINGS 64
#define CS_NRULES 12

typedef struct {
    /* caseload */
    char team_queue[64];
    int caseload_guideline;
    /* 1 basic-assistance decision late */
    int basic_decision_wd, basic_decision_urgent_wd;
    /* 2 Kela notice not handled */
    int notice_handle_wd, forwarded_decision_wd, meeting_request_wd;
    /* 3 basic-amount reduction without social work */
    int reduction_contact_wd;
    /* 4 sickness allowance running out */
    int sickness_max_days, sickness_warn_day;
    int sickness_rehab_day, sickness_work_ability_day, sickness_rehab_letter_day;
    /* 5 benefit ends with no successor */
    int benefit_end_warn_wd, benefit_end_close_wd, unemployment_waiting_days;
    char income_benefits[256];       /* comma-separated benefit codes that carry income */
    char unemployment_benefits[128]; /* those paid after a waiting period (omavastuuaika) */
    /* 6 not entitled / waiting period */
    int statement_gap_wd, sanction_reduction_months;
    /* 7 referral not acknowledged */
    int referral_ack_wd, referral_ack_urgent_wd;
    /* 8 activation during incapacity */
    int activation_resolve_wd;
    /* 9 joint-service assessment due */
    int joint_tmt_days, joint_months_25plus, joint_months_under25, joint_age_limit;
    int joint_assessment_wd;
    char joint_plan_id[64];
    /* 10 service-need assessment deadlines */
    int assessment_age, assessment_wd, assessment_urgent_days;
    char care_allowance_benefit[32], care_allowance_highest[32];
    /* 11 basic-amount reduction threatened (kehotus) */
    int reduction_threat_months, reduction_threat_lead_wd;
    /* 12 client plan review due */
    int client_plan_review_grace_wd;
    /* severities, indexed by rule number - 1 */
    char severity[CS_NRULES][12];
} cs_params_t;

typedef struct cs_rule_s cs_rule_t;

#define CS_MAX_ARGS 7
#define CS_ARGS_SEP '\x1f' /* between the arguments of cs_finding_args_join */

/* A typed argument of a finding's text: type 'd' a day (value YYYY-MM-DD),
 * 'n' a number, 'c' a code a page names in the reader's language (a benefit,
 * a notice kind, a reduction reason: never shown raw), 't' a text shown as it
 * is (a Kela reference, an employment plan item's title). */
typedef struct {
    char type;
    char value[96];
} cs_arg_t;

typedef struct {
    const cs_rule_t *rule;
    char occurrence[96];        /* unique per (rule, client): "notice:<event_id>" */
    cs_day_t due;               /* the deadline the caseworker must meet */
    char cause[CS_EVENT_ID_LEN]; /* the event that started it ("" when none) */
    char explanation[480];      /* English, with its dates: logs, hub.gap_alert.v1 */
    char msg[40];               /* the text's id for people: "r2_forwarded" (web/web_text.c) */
    size_t nargs;
    cs_arg_t args[CS_MAX_ARGS]; /* the text's arguments, in the order of its {1}, {2}... */
    /* Non-NULL: the occurrence can no longer be acted on. The store closes an
     * open alert of it with this outcome code and opens none. */
    const char *close_outcome;
} cs_finding_t;

typedef struct {
    size_t n;
    cs_finding_t items[CS_MAX_FINDINGS];
    /* The first day after today on which these findings can change with no new
     * fact (the deadline sweep evaluates the client again then: next_check);
     * CS_NODAY = never. Set by cs_rules_eval from the rules' cs_wake calls. */
    cs_day_t wake;
    cs_day_t today; /* the day of the evaluation (cs_wake ignores days <= today) */
} cs_findings_t;

typedef int (*cs_rule_fn)(const cs_rule_t *self, const cs_history_t *h, const cs_params_t *p,
                          cs_day_t today, cs_findings_t *out);

struct cs_rule_s {
    int number;          /* 1..12, the numbering of config/rules.conf */
    const char *name;    /* the alert's rule name: "notice_not_handled" */
    const char *title;   /* for people: "Kela notice not handled" */
    const char *source;  /* statute or study */
    const char *agency;  /* who must act: kela | employment | health | social */
    cs_rule_fn eval;
};

/* The rules, in their historical order (1..12). */
const cs_rule_t *cs_rules_all(size_t *n);
/* A rule by name, or NULL. */
const cs_rule_t *cs_rules_find(const char *name);

/* Load path (KEY=value, '#' comments) into *p. Every key is required and
 * range-checked; an unknown key is an error too (a typo must not silently
 * leave a rule on another number). Returns 0, or SILTA_EINVAL with the file,
 * line and key in err. */
int cs_params_load(const char *path, cs_params_t *p, silta_err_t *err);

/* Call fn(key, value) for every parameter in force (for casestore.rule_param). */
void cs_params_each(const cs_params_t *p, void (*fn)(const char *key, const char *value, void *arg),
                    void *arg);

/* Run every rule over h; findings appended to out (out->n reset first), and
 * out->wake set (see cs_findings_t). Returns the number of findings. */
size_t cs_rules_eval(const cs_history_t *h, const cs_params_t *p, cs_day_t today,
                     cs_findings_t *out);

/* For rule authors: append a finding (fmt is the explanation). Returns 0, or -1
 * when out is full (the finding is dropped; CS_MAX_FINDINGS is far above any
 * real client). */
int cs_finding_add(cs_findings_t *out, const cs_rule_t *rule, const char *occurrence, cs_day_t due,
                   const char *cause, const char *fmt, ...) __attribute__((format(printf, 6, 7)));

/* Give the finding added last its text for people: msg (its id) and one
 * argument per char of types, from the variadic list: 'd' a cs_day_t, 'n' an
 * int, 'c' a code (const char *; "" becomes "none"), 't' a text (const char
 * *; control characters become spaces). Does nothing when out is empty. */
void cs_finding_text(cs_findings_t *out, const char *msg, const char *types, ...);

/* The finding's arguments as "d:2026-11-25" strings joined by CS_ARGS_SEP
 * into buf (truncated to len). Returns buf. */
char *cs_finding_args_join(const cs_finding_t *f, char *buf, size_t len);

/* What a caseworker did about an alert: the outcomes that close an alert
 * from the inbox (store/cs_alert.c). rule: the rule's name; msg: the alert's
 * text id, for the outcomes of one kind only (rule 2's forwarded application
 * or meeting request; NULL: any); needs_date: the outcome names a day (the
 * decision's, the meeting's). */
typedef struct {
    const char *rule, *msg, *code;
    int needs_date;
    const char *english; /* for siltactl and the hub's GapAlert */
} cs_outcome_t;

/* The outcome code of a rule (and the alert's text id msg, "" or NULL for
 * none), or NULL when the rule has no such outcome. */
const cs_outcome_t *cs_outcome_find(const char *rule, const char *msg, const char *code);
/* Every outcome, in table order (*n set). */
const cs_outcome_t *cs_outcomes_all(size_t *n);
/* The outcome of an alert nobody can act on any more (rule 5's close). */
#define CS_OUTCOME_NOT_ACTIONABLE "no_longer_actionable"

/* For rule authors: the rule's result can change on `day` (a due date is
 * passed the day after it, a day-230 date is reached on it, a month ends):
 * lowers out->wake to day when day is after today; CS_NODAY and days up to
 * today are ignored (already passed: only a new fact changes them). A rule
 * that is not in cs_rules.c's list of waking rules wakes its client
 * tomorrow, whatever it calls: correct by default, incremental when listed. */
void cs_wake(cs_findings_t *out, cs_day_t day);

/* 1 when benefit code b is listed in the comma-separated list. */
int cs_list_has(const char *list, const char *b);

/* The rule functions (one per rule; rules_*.c). */
int cs_rule_basic_decision_late(const cs_rule_t *, const cs_history_t *, const cs_params_t *,
                                cs_day_t, cs_findings_t *);
int cs_rule_notice_not_handled(const cs_rule_t *, const cs_history_t *, const cs_params_t *,
                               cs_day_t, cs_findings_t *);
int cs_rule_reduction_without_social_work(const cs_rule_t *, const cs_history_t *,
                                          const cs_params_t *, cs_day_t, cs_findings_t *);
int cs_rule_sickness_allowance_running_out(const cs_rule_t *, const cs_history_t *,
                                           const cs_params_t *, cs_day_t, cs_findings_t *);
int cs_rule_benefit_ends_no_successor(const cs_rule_t *, const cs_history_t *,
                                      const cs_params_t *, cs_day_t, cs_findings_t *);
int cs_rule_not_entitled_gap(const cs_rule_t *, const cs_history_t *, const cs_params_t *,
                             cs_day_t, cs_findings_t *);
int cs_rule_referral_not_acknowledged(const cs_rule_t *, const cs_history_t *,
                                      const cs_params_t *, cs_day_t, cs_findings_t *);
int cs_rule_activation_during_incapacity(const cs_rule_t *, const cs_history_t *,
                                         const cs_params_t *, cs_day_t, cs_findings_t *);
int cs_rule_joint_service_assessment_due(const cs_rule_t *, const cs_history_t *,
                                         const cs_params_t *, cs_day_t, cs_findings_t *);
int cs_rule_service_need_assessment_late(const cs_rule_t *, const cs_history_t *,
                                         const cs_params_t *, cs_day_t, cs_findings_t *);
int cs_rule_reduction_threatened(const cs_rule_t *, const cs_history_t *, const cs_params_t *,
                                 cs_day_t, cs_findings_t *);
int cs_rule_client_plan_review_due(const cs_rule_t *, const cs_history_t *, const cs_params_t *,
                                   cs_day_t, cs_findings_t *);

#endif
