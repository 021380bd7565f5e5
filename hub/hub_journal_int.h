/*  hub_journal_int.h - internal to hub_journal.c, hub_journal_delivery.c, hub_journal_write.c.
 *
 *  The journal handle's fields and the helpers the journal files use to build
 *  array parameters. Nothing here is an API (that is hub_journal.h).
 */
#ifndef HUB_JOURNAL_INT_H
#define HUB_JOURNAL_INT_H

#include <libpq-fe.h>

#include "hub_journal.h"
#include "silta_buf.h"

#define HUB_JOURNAL_NARR 28 /* array parameters of the largest statement (the turn's write) */

struct hub_journal_t {
    PGconn *conn;
    char *url;
    int prepared;                      /* the turn's write is prepared on conn */
    int64_t next_connect_ms;           /* monotonic: no reconnect attempt before */
    silta_buf_t sql;                   /* the status snapshot's SQL */
    silta_buf_t arr[HUB_JOURNAL_NARR]; /* array parameters (text or binary), reused */
};

/* SILTA_OK when connected, else SILTA_EAGAIN with err filled. */
int hub_journal_conn_ok(hub_journal_t *self, silta_err_t *err);
/* Append s to an SQL array literal as a quoted element (NULL as NULL); a
 * comma first unless first. */
void hub_journal_array_item(silta_buf_t *b, const char *s, int first);

#endif
