/*  cs_alert.c - an alert closed by a caseworker with an outcome (see cs_alert.h).
 *
 *  An alert's states (001, 007):
 *
 *      open --the rule's condition clears------------> closed (outcome NULL)
 *      open --rule gives up (close_outcome)----------> closed (outcome, by 'silta')
 *      open --caseworker: outcome (this file)--------> closed (outcome, by user)
 *      closed: final for its (rule, client, occurrence); a new occurrence opens a
 *      new alert (cs_sync_clients in cs_sync.c never reopens a known one).
 *
 *  Log lines name client_key, the rule, the alert and the outcome code; never the
 *  note.
 *
 *  Not here: the transaction and the publishing (cs_store.c), the outcomes
 *  (rules/cs_outcome.c).
 */
#include "cs_alert.h"

#include <stdio.h>
#include <string.h>

#include "../rules/cs_rules.h"
#include "cs_apply.h"
#include "silta_uuid.h"

static void s_copy(char *dst, size_t len, const PGresult *r, int col)
{
    snprintf(dst, len, "%s", PQgetvalue(r, 0, col));
}

int cs_alert_close(PGconn *db, const char *ck, const cs_alert_close_t *c, cs_day_t today,
                   cs_alert_row_t *row, int *duplicate, silta_err_t *err)
{
    *duplicate = 0;
    if (!silta_uuid_valid(c->alert_id))
        return silta_err_set(err, SILTA_EINVAL, "alert id is not a uuid");
    const char *q[2] = {c->alert_id, ck};
    PGresult *r = cs_q(db,
                       "SELECT rule, coalesce(text_id, ''), status FROM casestore.alert WHERE "
                       "alert_id = $1::uuid AND client_key = $2 FOR UPDATE",
                       2, q, err);
    if (!r)
        return err->code ? err->code : SILTA_ERR;
    if (PQntuples(r) != 1) {
        PQclear(r);
        return silta_err_set(err, SILTA_EINVAL, "no such alert for this client");
    }
    char rule[64], text_id[40];
    s_copy(rule, sizeof rule, r, 0);
    s_copy(text_id, sizeof text_id, r, 1);
    int closed = strcmp(PQgetvalue(r, 0, 2), "open") != 0;
    PQclear(r);
    const cs_outcome_t *o = cs_outcome_find(rule, text_id, c->outcome);
    if (!o)
        return silta_err_set(err, SILTA_EINVAL, "outcome is not one of the rule's");
    cs_day_t d = CS_NODAY;
    if (c->date[0] && (cs_day_parse(c->date, &d) != 0 || d == CS_NODAY))
        return silta_err_set(err, SILTA_EINVAL, "outcome date is not a date");
    if (o->needs_date && d == CS_NODAY)
        return silta_err_set(err, SILTA_EINVAL, "outcome date is missing");
    if (strlen(c->note) > 1000)
        return silta_err_set(err, SILTA_EINVAL, "note is longer than 1000 bytes");
    if (closed) {
        *duplicate = 1;
        return 0;
    }
    char day[11];
    cs_day_format(today, day);
    const char *u[7] = {
        c->alert_id, ck, day, o->code, d == CS_NODAY ? NULL : c->date, c->note[0] ? c->note : NULL,
        c->by};
    r = cs_q(db,
             "UPDATE casestore.alert SET status = 'closed', closed_at = now(), closed_on = $3, "
             "outcome = $4, outcome_date = $5, outcome_note = $6, closed_by = $7 WHERE "
             "alert_id = $1::uuid AND client_key = $2 AND status = 'open' RETURNING rule, "
             "severity, coalesce(due_date::text, ''), responsible_agency, responsible_worker, "
             "explanation, alert_id::text",
             7, u, err);
    if (!r)
        return err->code ? err->code : SILTA_ERR;
    if (PQntuples(r) != 1) {
        PQclear(r);
        *duplicate = 1;
        return 0;
    }
    s_copy(row->rule, sizeof row->rule, r, 0);
    s_copy(row->severity, sizeof row->severity, r, 1);
    s_copy(row->due, sizeof row->due, r, 2);
    s_copy(row->agency, sizeof row->agency, r, 3);
    s_copy(row->worker, sizeof row->worker, r, 4);
    s_copy(row->explanation, sizeof row->explanation, r, 5);
    s_copy(row->alert_id, sizeof row->alert_id, r, 6);
    PQclear(r);
    return 0;
}
