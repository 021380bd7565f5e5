/*  cs_alert.h - an alert closed by a caseworker with an outcome (store/cs_alert.c).
 *
 *  The SQL of the close, inside the caller's transaction (cs_store_alert_close
 *  in cs_store.c holds the transaction and publishes the closed alert).
 *
 *  Not here: which outcomes a rule has (rules/cs_outcome.c), the page's checks
 *  (web/web_actions.c), opening and closing by the rules (cs_sync_clients in
 *  cs_sync.c).
 */
#ifndef CS_ALERT_H
#define CS_ALERT_H

#include <libpq-fe.h>

#include "../rules/cs_history.h"
#include "silta_err.h"

/* What a caseworker did: outcome (a code of rules/cs_outcome.c for the
 * alert's rule and text id), date "YYYY-MM-DD" or "" (required when the
 * outcome names a day), note "" or free text (1-1000 bytes, stored, never
 * logged), by (the acting username). */
typedef struct {
    const char *alert_id, *outcome, *date, *note, *by;
} cs_alert_close_t;

/* The closed alert as hub.gap_alert.v1 needs it. */
typedef struct {
    char alert_id[40], rule[64], severity[12], due[11], agency[16], worker[80];
    char explanation[480];
} cs_alert_row_t;

/* Close c->alert_id of client ck as of today, inside an open transaction.
 * Returns 0 (*row filled), 0 with *duplicate = 1 when it was closed already
 * (nothing changed), SILTA_EINVAL when there is no such alert for ck, the
 * outcome is not one of its rule's or its date is missing or bad (err says
 * which, in English), or the database's error code. */
int cs_alert_close(PGconn *db, const char *ck, const cs_alert_close_t *c, cs_day_t today,
                   cs_alert_row_t *row, int *duplicate, silta_err_t *err);

#endif
