/*  cs_plan.h - the coordinated plan as a pure function of a client's history.
 *
 *  Each fact that asks someone to act becomes a plan item with an owning
 *  agency, a responsible worker (or the team queue, or the agency), a due date
 *  in working days, a status and the event that caused it. The store compares
 *  the derived items with the latest stored version of each and writes a new
 *  version row for every one that changed (store/cs_store.c); this module only says
 *  what the plan should be now. Items a caseworker added by hand
 *  (history.manitems, casestore.plan_manual) are copied as they are.
 *
 *  Not here: I/O; versions and publishing (store/cs_store.c).
 */
#ifndef CS_PLAN_H
#define CS_PLAN_H

#include <stddef.h>

#include "cs_history.h"
#include "cs_rules.h"

#define CS_PLAN_MAX (CS_HIST_MAX * 7)

typedef struct {
    char item_id[96];
    char owner[16];        /* kela | employment | health | social */
    char responsible[64];  /* worker, team queue, or the agency */
    char title[160];
    cs_day_t due;
    char status[12];       /* open | done | cancelled */
    char cause[CS_EVENT_ID_LEN];
} cs_plan_item_t;

/* Fill items (capacity max) with the plan derived from h; returns the count. */
size_t cs_plan_derive(const cs_history_t *h, const cs_params_t *p, cs_plan_item_t *items,
                      size_t max);

#endif
