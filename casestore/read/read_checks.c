/*  read_checks.c - the one-row checks of the inbox's actions (see
 *  read_checks.h).
 *
 *  Not here: the actions themselves (web/web_actions.c, store/).
 */
#include "read_checks.h"

#include <stdio.h>
#include <string.h>

#include "silta_db.h"

/* 1 / 0 from a one-row boolean query ($1 = a, $2 = b unless NULL);
 * READ_NO_ROW for no row; -1 error. */
static int s_flag(PGconn *db, const char *sql, const char *a, const char *b, silta_err_t *err)
{
    const char *p[2] = {a, b};
    PGresult *r = silta_db_query(db, sql, b ? 2 : 1, p, err);
    if (!r)
        return -1;
    int rc = PQntuples(r) == 1 ? strcmp(PQgetvalue(r, 0, 0), "t") == 0 : READ_NO_ROW;
    PQclear(r);
    return rc;
}

int read_referral_open(PGconn *db, const char *ck, const char *referral_id, silta_err_t *err)
{
    return s_flag(db,
                  "SELECT acknowledged IS NULL FROM casestore.referral WHERE client_key = $1 "
                  "AND referral_id = $2",
                  ck, referral_id, err);
}

int read_referral_unassessed(PGconn *db, const char *ck, const char *referral_id,
                             silta_err_t *err)
{
    return s_flag(db,
                  "SELECT started IS NULL FROM casestore.referral WHERE client_key = $1 "
                  "AND referral_id = $2",
                  ck, referral_id, err);
}

int read_notice_open(PGconn *db, const char *ck, const char *notice_event_id, silta_err_t *err)
{
    return s_flag(db,
                  "SELECT handled_date IS NULL FROM casestore.notice WHERE client_key = $1 "
                  "AND event_id = $2::uuid",
                  ck, notice_event_id, err);
}

int read_notice_unassessed(PGconn *db, const char *ck, const char *notice_event_id,
                           silta_err_t *err)
{
    return s_flag(db,
                  "SELECT NOT EXISTS (SELECT 1 FROM casestore.assessment a WHERE "
                  "a.client_key = n.client_key AND a.notice_event_id = n.event_id AND "
                  "a.started IS NOT NULL) FROM casestore.notice n WHERE n.client_key = $1 "
                  "AND n.event_id = $2::uuid",
                  ck, notice_event_id, err);
}

int read_alert_open(PGconn *db, const char *ck, const char *alert_id, char rule[64],
                    char text_id[40], char occurrence[96], silta_err_t *err)
{
    const char *p[2] = {ck, alert_id};
    PGresult *r = silta_db_query(db,
                                 "SELECT status = 'open', rule, coalesce(text_id, ''), occurrence FROM "
                                 "casestore.alert WHERE client_key = $1 AND alert_id = $2::uuid",
                                 2, p, err);
    if (!r)
        return -1;
    int rc = READ_NO_ROW;
    if (PQntuples(r) == 1) {
        rc = strcmp(PQgetvalue(r, 0, 0), "t") == 0;
        snprintf(rule, 64, "%s", PQgetvalue(r, 0, 1));
        snprintf(text_id, 40, "%s", PQgetvalue(r, 0, 2));
        snprintf(occurrence, 96, "%s", PQgetvalue(r, 0, 3));
    }
    PQclear(r);
    return rc;
}

int read_manual_item_open(PGconn *db, const char *ck, const char *item_id, silta_err_t *err)
{
    return s_flag(db,
                  "SELECT status = 'open' FROM casestore.plan_manual WHERE client_key = $1 "
                  "AND item_id = $2",
                  ck, item_id, err);
}

int read_notice_ref(PGconn *db, const char *ck, const char *notice_event_id, char *ref,
                    size_t len, silta_err_t *err)
{
    const char *p[2] = {ck, notice_event_id};
    PGresult *r = silta_db_query(db,
                                 "SELECT kela_reference FROM casestore.notice WHERE client_key = "
                                 "$1 AND event_id = $2::uuid AND kela_reference <> ''",
                                 2, p, err);
    if (!r)
        return -1;
    int rc = READ_NO_ROW;
    if (PQntuples(r) == 1 && strlen(PQgetvalue(r, 0, 0)) < len) {
        memcpy(ref, PQgetvalue(r, 0, 0), strlen(PQgetvalue(r, 0, 0)) + 1);
        rc = 1;
    }
    PQclear(r);
    return rc;
}

int read_client_exists(PGconn *db, const char *ck, silta_err_t *err)
{
    return s_flag(db, "SELECT EXISTS (SELECT 1 FROM casestore.client WHERE client_key = $1)", ck,
                  NULL, err);
}

int read_same_team(PGconn *db, const char *worker, const char *username, silta_err_t *err)
{
    return s_flag(db,
                  "SELECT u.team = me.team FROM casestore.inbox_user u, casestore.inbox_user me "
                  "WHERE u.username = $1 AND u.active AND me.username = $2",
                  worker, username, err);
}

int read_is_responsible(PGconn *db, const char *ck, const char *worker, silta_err_t *err)
{
    return s_flag(db,
                  "SELECT coalesce(responsible_worker = $2, false) FROM casestore.client "
                  "WHERE client_key = $1",
                  ck, worker, err);
}
