/*  hub_journal_int.h - internal to hub_journal.c and hub_journal_delivery.c.
 *
 *  The journal handle's fields and the helpers both files use to build array
 *  parameters. Nothing here is an API (that is hub_journal.h).
 */
#ifndef HUB_JOURNAL_INT_H
#define HUB_JOURNAL_INT_H

#include <libpq-fe.h>

#include "hub_journal.h"
#include "silta_buf.h"

#define HUB_JOURNAL_NARR 21 /* array parameters of the largest statement */

struct hub_journal_t {
    PGconn *conn;
    char *url;
    silta_buf_t sql;
    silta_buf_t arr[HUB_JOURNAL_NARR]; /* array literals, reused */
};

/* SILTA_OK when connected, else SILTA_EAGAIN with err filled. */
int hub_journal_conn_ok(hub_journal_t *self, silta_err_t *err);
/* Append s to an SQL array literal as a quoted element (NULL as NULL); a
 * comma first unless first. */
void hub_journal_array_item(silta_buf_t *b, const char *s, int first);

#endif
