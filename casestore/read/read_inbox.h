/*  read_inbox.h - Saapuneet as data: every open item of the clients a user
 *  may see, most urgent first.
 *
 *  An item is an unacknowledged health referral, an unhandled Kela notice, an
 *  open gap alert, or an open plan item a notice caused (a task), with its
 *  deadline (the plan item's, or the alert's). One notice is one group: the
 *  notice first, then the alerts and tasks it caused (sub = 1), so the page
 *  shows one row per notice with its tasks under it; a referral likewise
 *  with the alerts it caused.
 *  Reading the list also writes the access log: one inbox_access row
 *  ('view_inbox') per client shown, in the same statement, so no view goes
 *  unlogged. Values are the database's codes and dates (YYYY-MM-DD); the
 *  page (web/web_pages.c) gives them Finnish labels. Each item carries its
 *  client's masked hetu (read_hetu_masked: opened from the seal, masked and
 *  wiped here), so a caseworker sees whose matter a row is; no event carries
 *  a name today, so there is none to show.
 *
 *  Not here: HTML, the access check (casestore.inbox_can_see in the SQL).
 */
#ifndef READ_INBOX_H
#define READ_INBOX_H

#include "read.h"

typedef struct {
    const char *kind; /* referral | notice | alert | task */
    const char *client_key;
    const char *label;    /* a code: the priority, the notice kind or the rule; a task's title */
    const char *detail;   /* the requester, the Kela reference, the explanation or a task's
                             owner agency; "" */
    const char *due;      /* YYYY-MM-DD, NULL when there is no deadline */
    const char *received; /* YYYY-MM-DD */
    const char *object;   /* the referral id, the notice's event_id, the alert id or the
                             task's plan item id */
    const char *worker;   /* the client's responsible worker; "" = the team queue */
    char hetu_masked[READ_HETU_MASKED_SIZE]; /* whose matter: DDMMYYC****, or "" */
    const char *group; /* the event_id of a notice / referral, for it and what it
                          caused; else unique */
    int sub;           /* 1: under the previous item with no sub (its notice / referral) */
    const char *text_id;   /* an alert's text for people (008): its id, "" when none */
    const char *text_args; /* and its typed arguments ("d:2026-11-25"), joined by \x1f */
} read_inbox_item_t;

typedef struct {
    size_t n;
    read_inbox_item_t *items;
    read_pool_t pool;
} read_inbox_t;

/* Load username's items (at most 500) into *out (read_inbox_free after, also
 * on failure); store opens the sealed hetus. Returns 0, or -1 on a database
 * error or out of memory. */
int read_inbox_load(PGconn *db, cs_store_t *store, const char *username, read_inbox_t *out);
void read_inbox_free(read_inbox_t *list);

#endif
