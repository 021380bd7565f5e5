/*  cs_history.h - one client's history as the rules see it: plain data, no I/O.
 *
 *  store/cs_apply_history.c fills it from the casestore schema (inside the
 *  transaction that applies an event, or in the deadline sweep); cs_bench.c
 *  and the unit tests fill it by hand. The rules (rules_*.c) only read it.
 *  Every list has a fixed capacity (CS_HIST_MAX): a client with more keeps
 *  the most recent ones, and nothing here allocates, so 100,000 evaluations
 *  cost no malloc.
 *
 *  Dates are cs_day_t: days since 1970-01-01 (silta_workday_to_days), CS_NODAY
 *  when absent. Strings are the payloads' codes ("granted", "urgent"), never a
 *  hetu or a name.
 *
 *  Not here: I/O; reading it from the database (store/cs_apply_history.c).
 */
#ifndef CS_HISTORY_H
#define CS_HISTORY_H

#include <limits.h>
#include <stddef.h>

typedef long cs_day_t;
#define CS_NODAY LONG_MIN
#define CS_HIST_MAX 24
#define CS_ID_LEN 64
#define CS_EVENT_ID_LEN 37

typedef struct {
    char benefit[32];     /* perustoimeentulotuki, tyomarkkinatuki, ... */
    char ref[CS_ID_LEN];  /* kela_reference */
    char status[16];      /* received pending granted rejected reduced ended suspended */
    cs_day_t start, end;  /* period */
    cs_day_t complete;    /* application complete */
    cs_day_t as_of;       /* the day the status was reported */
    int urgent;
    int sickness_days_used;
    char reason_code[32];
    char cause[CS_EVENT_ID_LEN];
} cs_benefit_t;

typedef struct {
    char id[CS_EVENT_ID_LEN]; /* the notice's event_id */
    char kind[40];
    char ref[CS_ID_LEN];
    cs_day_t date;
    int reduction_percent;      /* basic_amount_reduction: 20 | 40 | 50 */
    char reduction_reason[32];  /* reduction or kehotus: primary_benefit_not_applied, ... "" */
    cs_day_t handled; /* CS_NODAY while not handled */
    cs_day_t assessed; /* social.assessment.v1 started for this notice, or CS_NODAY */
} cs_notice_t;

typedef struct {
    char id[CS_ID_LEN];
    char outcome[16]; /* entitled | not_entitled | waiting_period */
    int waiting_days;
    cs_day_t waiting_from;
    cs_day_t date;
    char cause[CS_EVENT_ID_LEN];
} cs_statement_t;

typedef struct {
    char item_id[CS_ID_LEN];
    char plan_id[CS_ID_LEN];
    char title[96];
    char status[16]; /* open | done | cancelled */
    cs_day_t start, due;
    char cause[CS_EVENT_ID_LEN];
} cs_empitem_t;

typedef struct {
    char id[CS_ID_LEN];
    char priority[8]; /* routine | urgent | asap | stat */
    cs_day_t authored;
    cs_day_t acknowledged; /* first social.referral_status */
    cs_day_t started;      /* accepted / in-progress / completed: assessment started */
    char cause[CS_EVENT_ID_LEN];
} cs_referral_t;

typedef struct {
    cs_day_t start, end;
    char cause[CS_EVENT_ID_LEN];
} cs_incapacity_t;

typedef struct {
    char ref[CS_ID_LEN];
    cs_day_t date;
} cs_socstatement_t;

typedef struct {
    char item_id[CS_ID_LEN]; /* "manual:<uuid>" */
    char owner[16];          /* social | kela | employment | health */
    char responsible[CS_ID_LEN];
    char title[128];
    char status[8]; /* open | done */
    cs_day_t due;
} cs_manitem_t; /* a plan item a caseworker added by hand (casestore.plan_manual) */

typedef struct {
    char plan_id[CS_ID_LEN];     /* social.client_plan.v1 plan_id; "" = no client plan */
    cs_day_t review;             /* the agreed review date (SHL 39 §); CS_NODAY = none */
    cs_day_t reviewed;           /* the latest review recorded, or CS_NODAY */
    char cause[CS_EVENT_ID_LEN]; /* the plan event that set the review date */
} cs_cplan_t; /* the client plan (casestore.client_plan, migration 010) */

typedef struct {
    char client_key[40];
    cs_day_t birth;              /* from the hetu; CS_NODAY when unknown */
    char worker[CS_ID_LEN];      /* responsible worker; "" = team queue */
    char reg_status[16];         /* registered | deregistered | "" */
    cs_day_t reg_date, unemployed_since;
    size_t nbenefits, nnotices, nstatements, nempitems, nreferrals, nincapacity, nsocstatements,
        nmanitems;
    cs_benefit_t benefits[CS_HIST_MAX];
    cs_notice_t notices[CS_HIST_MAX];
    cs_statement_t statements[CS_HIST_MAX];
    cs_empitem_t empitems[CS_HIST_MAX];
    cs_referral_t referrals[CS_HIST_MAX];
    cs_incapacity_t incapacity[CS_HIST_MAX];
    cs_socstatement_t socstatements[CS_HIST_MAX];
    cs_manitem_t manitems[CS_HIST_MAX];
    cs_cplan_t cplan;
} cs_history_t;

/* Empty the history (every date CS_NODAY, every count 0; the lists' items past
 * their counts are left as they were). */
void cs_history_reset(cs_history_t *h);

/* "YYYY-MM-DD" -> day; "" or NULL -> CS_NODAY. Returns 0, or -1 for a bad date. */
int cs_day_parse(const char *s, cs_day_t *out);

/* day -> "YYYY-MM-DD" in out (11 bytes); "" for CS_NODAY. Returns out. */
const char *cs_day_format(cs_day_t d, char out[11]);

/* The n-th Finnish working day after d (n = 0: d or the next working day);
 * CS_NODAY when d is CS_NODAY or outside the calendar's years. */
cs_day_t cs_wd_add(cs_day_t d, int n);

/* Age in whole years on day d of someone born on birth; -1 when unknown. */
int cs_age_on(cs_day_t birth, cs_day_t d);

/* Kela's arkipäivä (Monday-Saturday except public holidays): the day on which
 * the n-th arkipäivä after d falls. Used for per-day benefits (the sickness
 * allowance maximum counts arkipäivät, not working days). */
cs_day_t cs_arkipaiva_add(cs_day_t d, int n);

/* The number of arkipäivät in (a, b]: 0 when b <= a or either is CS_NODAY. */
int cs_arkipaiva_count(cs_day_t a, cs_day_t b);

/* The last day of the month before the month of d (Kela's last paid day of
 * sickness allowance when day 300 falls on d); CS_NODAY for CS_NODAY. */
cs_day_t cs_month_before_end(cs_day_t d);

#endif
