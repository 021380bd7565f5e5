/*  cs_plan.c - derive the coordinated plan's items from a client's history.
 *
 *  Not here: storing or versioning the plan (store/cs_store.c); I/O.
 */
#include "cs_plan.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static cs_plan_item_t *s_add(cs_plan_item_t *items, size_t *n, size_t max, const char *owner,
                             const char *responsible, cs_day_t due, int done, const char *cause,
                             const char *prefix, const char *id_arg)
{
    if (*n >= max)
        return NULL;
    cs_plan_item_t *it = &items[(*n)++];
    memset(it, 0, sizeof *it);
    snprintf(it->item_id, sizeof it->item_id, "%s:%s", prefix, id_arg);
    snprintf(it->owner, sizeof it->owner, "%s", owner);
    snprintf(it->responsible, sizeof it->responsible, "%s", responsible);
    it->due = due;
    snprintf(it->status, sizeof it->status, "%s", done ? "done" : "open");
    snprintf(it->cause, sizeof it->cause, "%s", cause ? cause : "");
    return it;
}

size_t cs_plan_derive(const cs_history_t *h, const cs_params_t *p, cs_plan_item_t *items,
                      size_t max)
{
    size_t n = 0;
    const char *social = h->worker[0] ? h->worker : p->team_queue;
    cs_plan_item_t *it;
    for (size_t i = 0; i < h->nnotices; i++) {
        const cs_notice_t *x = &h->notices[i];
        it = s_add(items, &n, max, "social", social, cs_wd_add(x->date, p->notice_handle_wd),
                   x->handled != CS_NODAY, x->id, "notice", x->id);
        if (it)
            snprintf(it->title, sizeof it->title, "Handle Kela notice (%s)", x->kind);
        if (strcmp(x->kind, "basic_amount_reduction") == 0) {
            int st = 0;
            for (size_t j = 0; j < h->nsocstatements; j++)
                st |= x->ref[0] && strcmp(h->socstatements[j].ref, x->ref) == 0;
            it = s_add(items, &n, max, "social", social,
                       cs_wd_add(x->date, p->reduction_contact_wd), st, x->id, "reduction",
                       x->id);
            if (it)
                snprintf(it->title, sizeof it->title,
                         "Statement to Kela on the basic-amount reduction (%d %%)",
                         x->reduction_percent);
        }
    }
    for (size_t i = 0; i < h->nreferrals; i++) {
        const cs_referral_t *r = &h->referrals[i];
        int urgent = strcmp(r->priority, "routine") != 0 && r->priority[0];
        it = s_add(items, &n, max, "social", social,
                   cs_wd_add(r->authored, urgent ? p->referral_ack_urgent_wd : p->referral_ack_wd),
                   r->acknowledged != CS_NODAY, r->cause, "referral", r->id);
        if (it)
            snprintf(it->title, sizeof it->title, "Acknowledge the health referral (%s)",
                     r->priority);
    }
    for (size_t i = 0; i < h->nbenefits; i++) {
        const cs_benefit_t *b = &h->benefits[i];
        if (strcmp(b->benefit, "perustoimeentulotuki") != 0 || b->complete == CS_NODAY)
            continue;
        int pending = strcmp(b->status, "received") == 0 || strcmp(b->status, "pending") == 0;
        it = s_add(items, &n, max, "kela", "kela",
                   cs_wd_add(b->complete,
                             b->urgent ? p->basic_decision_urgent_wd : p->basic_decision_wd),
                   !pending, b->cause, "basic", b->ref);
        if (it)
            snprintf(it->title, sizeof it->title, "Kela decides on basic assistance");
    }
    for (size_t i = 0; i < h->nstatements; i++) {
        const cs_statement_t *s = &h->statements[i];
        if (strcmp(s->outcome, "entitled") == 0)
            continue;
        int covered = 0;
        for (size_t j = 0; j < h->nbenefits; j++) {
            const cs_benefit_t *b = &h->benefits[j];
            covered |= strcmp(b->benefit, "perustoimeentulotuki") == 0 && b->as_of >= s->date &&
                       strcmp(b->status, "rejected") != 0;
        }
        it = s_add(items, &n, max, "social", social, cs_wd_add(s->date, p->statement_gap_wd),
                   covered, s->cause, "statement", s->id);
        if (it)
            snprintf(it->title, sizeof it->title,
                     "Check basic assistance after the labour-policy statement (%s)", s->outcome);
    }
    for (size_t i = 0; i < h->nempitems; i++) {
        const cs_empitem_t *e = &h->empitems[i];
        it = s_add(items, &n, max, "employment", "employment", e->due, 0, e->cause, "emp",
                   e->item_id);
        if (it) {
            snprintf(it->title, sizeof it->title, "%s", e->title);
            snprintf(it->status, sizeof it->status, "%s", e->status);
        }
    }
    for (size_t i = 0; i < h->nmanitems; i++) {
        const cs_manitem_t *m = &h->manitems[i];
        if (n >= max)
            break;
        it = &items[n++];
        memset(it, 0, sizeof *it);
        snprintf(it->item_id, sizeof it->item_id, "%s", m->item_id);
        snprintf(it->owner, sizeof it->owner, "%s", m->owner);
        snprintf(it->responsible, sizeof it->responsible, "%s", m->responsible);
        snprintf(it->title, sizeof it->title, "%s", m->title);
        snprintf(it->status, sizeof it->status, "%s", m->status);
        it->due = m->due;
    }
    return n;
}
