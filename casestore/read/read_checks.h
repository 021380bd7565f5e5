/*  read_checks.h - what an inbox action checks before it acts: is the
 *  referral still unacknowledged, the notice unhandled, the hand-made plan
 *  item open, the worker an active account of the user's team, already the
 *  client's responsible worker.
 *
 *  Each returns 1 (yes), 0 (no), READ_NO_ROW (no such object for this
 *  client, or no such account) or -1 (database error, err filled). The
 *  action itself goes through the store (store/cs_store.h).
 *
 *  Not here: the access check (web_auth_can_see), form validation, writes.
 */
#ifndef READ_CHECKS_H
#define READ_CHECKS_H

#include "read.h"
#include "silta_err.h"

#define READ_NO_ROW 2

int read_referral_open(PGconn *db, const char *ck, const char *referral_id, silta_err_t *err);
/* The referral's service-need assessment has not started yet. */
int read_referral_unassessed(PGconn *db, const char *ck, const char *referral_id,
                             silta_err_t *err);
int read_notice_open(PGconn *db, const char *ck, const char *notice_event_id, silta_err_t *err);
int read_manual_item_open(PGconn *db, const char *ck, const char *item_id, silta_err_t *err);

/* ck's alert (its alert_id) is open: its rule, text id and occurrence
 * ("notice:<event_id>", ...) into rule, text_id and occurrence either way. */
int read_alert_open(PGconn *db, const char *ck, const char *alert_id, char rule[64],
                    char text_id[40], char occurrence[96], silta_err_t *err);

/* ck's notice (its event_id) has no service-need assessment started yet. */
int read_notice_unassessed(PGconn *db, const char *ck, const char *notice_event_id,
                           silta_err_t *err);

/* worker is an active account whose team is username's team. */
int read_same_team(PGconn *db, const char *worker, const char *username, silta_err_t *err);

/* The Kela reference of ck's notice (its event_id) into ref (len bytes):
 * 1, READ_NO_ROW (no such notice, or one without a reference), -1. */
int read_notice_ref(PGconn *db, const char *ck, const char *notice_event_id, char *ref,
                    size_t len, silta_err_t *err);

/* ck is a client of the case store (1) or not (0); never READ_NO_ROW. */
int read_client_exists(PGconn *db, const char *ck, silta_err_t *err);

/* worker is ck's responsible worker (0 when the client has none). */
int read_is_responsible(PGconn *db, const char *ck, const char *worker, silta_err_t *err);

#endif
