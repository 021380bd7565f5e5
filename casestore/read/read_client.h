/*  read_client.h - the client page (Asiakas) as data: the client's masked
 *  hetu and responsible worker, the workers of the viewer's team, open
 *  alerts, referrals, Kela notices, the coordinated plan and the timeline.
 *
 *  Values are the database's codes and dates (YYYY-MM-DD; the timeline's
 *  time is already D.M.YYYY HH:MI); the page (web/web_client.c) labels and
 *  escapes them. The hetu is opened from its seal (cs_store_hetu) only to
 *  mask it here and wiped at once: only the masked form leaves this module.
 *
 *  Not here: HTML, the access check and the access log (web/web_routes.c).
 */
#ifndef READ_CLIENT_H
#define READ_CLIENT_H

#include "read.h"

typedef struct {
    const char *rule, *severity;
    const char *due; /* NULL when none */
    const char *explanation, *agency;
    const char *alert_id;
    const char *text_id;   /* the text for people (008): its id, "" on older alerts */
    const char *text_args; /* its typed arguments ("d:2026-11-25", "c:kehotus"), joined by \x1f */
} read_alert_t;

typedef struct {
    const char *id, *priority, *requester, *authored, *status;
    int open;    /* not acknowledged yet */
    int started; /* the service-need assessment has started (social.assessment.v1) */
} read_referral_t;

typedef struct {
    const char *event_id, *kind, *ref, *date;
    const char *handled;    /* YYYY-MM-DD, "" while not handled */
    const char *handled_by; /* "" when none */
    const char *statement;  /* YYYY-MM-DD of social work's statement on ref, "" when none */
    int assessed;           /* a service-need assessment started for it (social.assessment.v1) */
} read_notice_t;

typedef struct {
    const char *title, *owner, *responsible;
    const char *due; /* NULL when none */
    const char *status, *item_id;
} read_plan_item_t;

typedef struct {
    const char *when; /* D.M.YYYY HH:MI, occurred (else applied) */
    const char *type, *summary;
    const char *code; /* a notice's kind or a benefit's code (the page names it), or "" */
    /* type "alert.outcome": an alert closed with an outcome (summary: its rule,
     * code: the outcome code, outcome_date: YYYY-MM-DD or "", by: who) */
    const char *outcome_date, *by;
} read_event_t;

#define READ_LIST(T)                                                                               \
    struct {                                                                                       \
        size_t n;                                                                                  \
        T *v;                                                                                      \
    }

typedef struct {
    char hetu_masked[READ_HETU_MASKED_SIZE]; /* DDMMYYC****; "" when the seal does not open */
    const char *worker;                 /* responsible worker; "" = none */
    const char *worker_team;            /* "" */
    const char *team_queue;             /* TEAM_QUEUE in force */
    READ_LIST(const char *) team_users; /* active accounts of the viewer's team */
    READ_LIST(read_alert_t) alerts;     /* open ones, earliest deadline first */
    READ_LIST(read_referral_t) referrals;
    READ_LIST(read_notice_t) notices;
    READ_LIST(read_plan_item_t) plan; /* plan_current: open first, then by deadline */
    READ_LIST(read_event_t) timeline; /* newest first, at most 200: events and the
                                         outcomes alerts were closed with */
    struct read_plan_s *cplan;        /* the client plan and assessments (read_plan.h) */
    read_pool_t pool;
} read_client_t;

/* Load client ck as a user of team sees it into *out (read_client_free after,
 * also on failure). store opens the sealed hetu. Returns 0, 1 when there is
 * no such client, -1 on a database error or out of memory. */
int read_client_load(PGconn *db, cs_store_t *store, const char *team, const char *ck,
                     read_client_t *out);
void read_client_free(read_client_t *c);

#endif
