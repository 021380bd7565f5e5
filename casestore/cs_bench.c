/*  cs_bench.c - `silta-casestore --bench-rules N`: the cost of the rules alone.
 *
 *  Builds N client histories in memory from a fixed-seed generator (a mix of
 *  benefits, notices, statements, plan items, referrals, incapacity periods
 *  and registrations around today, so every rule has work to do), evaluates
 *  all the rules and derives the plan for each, and prints the time. One
 *  history struct is reused: the figure is CPU per client, not allocation.
 *
 *  Not here: the database (the rules are timed alone), the hub.
 */
#include <stdio.h>
#include <string.h>

#include "rules/cs_plan.h"
#include "cs_tools.h"
#include "silta_time.h"

static unsigned long s_rand(unsigned long *s)
{
    *s = *s * 6364136223846793005UL + 1442695040888963407UL;
    return *s >> 33;
}

static const char *const s_benefits[] = {"perustoimeentulotuki", "tyomarkkinatuki",
                                         "sairauspaivaraha",    "asumistuki",
                                         "kuntoutusraha",       "peruspaivaraha"};
static const char *const s_statuses[] = {"received", "pending", "granted", "granted", "ended",
                                         "rejected"};
static const char *const s_kinds[] = {"forwarded_application", "basic_amount_reduction",
                                      "need_for_social_work", "long_term_unemployed_over25"};

void cs_bench_history(cs_history_t *h, unsigned long *seed, long i, cs_day_t today)
{
    cs_history_reset(h);
    snprintf(h->client_key, sizeof h->client_key, "ck_bench%ld", i);
    h->birth = today - 365L * (18 + (long)(s_rand(seed) % 70));
    if (s_rand(seed) % 3 == 0)
        snprintf(h->worker, sizeof h->worker, "worker-%lu", s_rand(seed) % 50);
    size_t nb = 1 + s_rand(seed) % 4;
    for (size_t k = 0; k < nb; k++) {
        cs_benefit_t *b = &h->benefits[h->nbenefits++];
        snprintf(b->benefit, sizeof b->benefit, "%s", s_benefits[s_rand(seed) % 6]);
        snprintf(b->ref, sizeof b->ref, "K%ld-%zu", i, k);
        snprintf(b->status, sizeof b->status, "%s", s_statuses[s_rand(seed) % 6]);
        b->start = today - (long)(s_rand(seed) % 400);
        b->end = b->start + 30 + (long)(s_rand(seed) % 400);
        b->complete = b->start + (long)(s_rand(seed) % 10);
        b->as_of = today - (long)(s_rand(seed) % 60);
        b->urgent = s_rand(seed) % 10 == 0;
        b->sickness_days_used = (int)(s_rand(seed) % 300);
    }
    size_t nn = s_rand(seed) % 3;
    for (size_t k = 0; k < nn; k++) {
        cs_notice_t *x = &h->notices[h->nnotices++];
        snprintf(x->id, sizeof x->id, "n%ld-%zu", i, k);
        snprintf(x->kind, sizeof x->kind, "%s", s_kinds[s_rand(seed) % 4]);
        snprintf(x->ref, sizeof x->ref, "K%ld-0", i);
        x->date = today - (long)(s_rand(seed) % 40);
        x->reduction_percent = 20;
        x->handled = s_rand(seed) % 2 ? x->date + 3 : CS_NODAY;
        x->assessed = CS_NODAY;
    }
    if (s_rand(seed) % 4 == 0) {
        cs_statement_t *s = &h->statements[h->nstatements++];
        snprintf(s->id, sizeof s->id, "s%ld", i);
        snprintf(s->outcome, sizeof s->outcome, "%s",
                 s_rand(seed) % 2 ? "not_entitled" : "waiting_period");
        s->waiting_days = 90;
        s->date = s->waiting_from = today - (long)(s_rand(seed) % 30);
    }
    size_t ne = s_rand(seed) % 3;
    for (size_t k = 0; k < ne; k++) {
        cs_empitem_t *e = &h->empitems[h->nempitems++];
        snprintf(e->item_id, sizeof e->item_id, "e%ld-%zu", i, k);
        snprintf(e->plan_id, sizeof e->plan_id, "tyollistymissuunnitelma");
        snprintf(e->title, sizeof e->title, "job search");
        snprintf(e->status, sizeof e->status, "open");
        e->start = today + (long)(s_rand(seed) % 30);
        e->due = e->start + 14;
    }
    if (s_rand(seed) % 3 == 0) {
        cs_referral_t *r = &h->referrals[h->nreferrals++];
        snprintf(r->id, sizeof r->id, "r%ld", i);
        snprintf(r->priority, sizeof r->priority, "%s", s_rand(seed) % 4 ? "routine" : "urgent");
        r->authored = today - (long)(s_rand(seed) % 20);
        r->acknowledged = r->started = s_rand(seed) % 2 ? r->authored + 1 : CS_NODAY;
    }
    if (s_rand(seed) % 4 == 0) {
        cs_incapacity_t *c = &h->incapacity[h->nincapacity++];
        c->start = today - 5;
        c->end = today + (long)(s_rand(seed) % 60);
    }
    if (s_rand(seed) % 2) {
        snprintf(h->reg_status, sizeof h->reg_status, "registered");
        h->unemployed_since = today - (long)(s_rand(seed) % 700);
    }
}

int cs_bench_rules(long n, const cs_params_t *p, cs_day_t today)
{
    static cs_history_t h;
    static cs_findings_t f;
    static cs_plan_item_t plan[CS_PLAN_MAX];
    unsigned long seed = 5151;
    long findings = 0, items = 0;
    int64_t gen_us = 0, t0 = silta_mono_us();
    for (long i = 0; i < n; i++) {
        int64_t g = silta_mono_us();
        cs_bench_history(&h, &seed, i, today);
        gen_us += silta_mono_us() - g;
        findings += (long)cs_rules_eval(&h, p, today, &f);
        items += (long)cs_plan_derive(&h, p, plan, CS_PLAN_MAX);
    }
    double secs = (double)(silta_mono_us() - t0 - gen_us) / 1e6;
    printf("rules_bench clients=%ld rules=%d seconds=%.3f clients_per_s=%.0f findings=%ld "
           "plan_items=%ld\n",
           n, CS_NRULES, secs, secs > 0 ? (double)n / secs : 0.0, findings, items);
    return 0;
}
