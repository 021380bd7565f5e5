/*  cs_apply.h - the SQL of one fact: write a decoded event into its table
 *  (cs_apply.c, a table of event kind -> SQL + parameters + timeline line),
 *  and read a client's history back for the rules (cs_apply_history.c).
 *  Internal to silta-casestore; cs_store.c calls these inside its
 *  transaction. Nothing here begins or commits a transaction, and nothing
 *  here decides anything: the rules (rules/) read the history.
 *
 *  Not here: the transaction (cs_store.c), rule logic (rules/).
 */
#ifndef CS_APPLY_H
#define CS_APPLY_H

#include <libpq-fe.h>
#include <stddef.h>

#include "cs_event.h"
#include "../rules/cs_history.h"
#include "silta_codec.h"
#include "silta_err.h"

/* A one-line summary of e for the client's timeline: kinds, statuses and
 * dates only - never a hetu, a name or free text. */
void cs_apply_summary(const cs_event_t *e, char *out, size_t len);

/* Write e's effect. event_id and client_key from the envelope; day = the
 * event's date where the payload has none; team_queue for unassigned notices.
 * e passed its contract in cs_event_decode (required fields, dates,
 * enumerations), so only database logic is here. Returns 0, SILTA_EAGAIN
 * (connection lost) or SILTA_ERR (SILTA_EINVAL only for a kind not applied). */
int cs_apply_fact(PGconn *db, const cs_event_t *e, const char *event_id, const char *client_key,
                  const char *day, const char *team_queue, silta_err_t *err);

/* The facts of n events (es[i] with event_ids[i], cks[i], days[i]) as
 * cs_apply_fact would write them one after another: the kinds with a set
 * form (Kela notices, applications, decisions) in one statement per table for
 * the first event of each client, every other event after them in order, one
 * statement each; when any event names a worker (social.*), all one by one.
 * In pipeline mode only queued. Returns 0 or an error code. */
int cs_apply_facts(PGconn *db, const cs_event_t *es, const char *const *event_ids,
                   const char *const *cks, const char *const *days, size_t n, const char *team,
                   silta_err_t *err);

/* Fill h with client_key's history (cs_history_reset first). Returns 0 or an
 * error code; a client with no rows gives an empty history. */
int cs_apply_load_history(PGconn *db, const char *client_key, cs_history_t *h, silta_err_t *err);

/* The same for n clients at once: hs[i] gets cks[i]'s history (hs: n
 * caller-owned histories; one SELECT per list for all of them). A key with
 * no rows gives an empty history. Returns 0 or an error code. */
int cs_apply_load_histories(PGconn *db, const char *const *cks, size_t n, cs_history_t *hs,
                            silta_err_t *err);

/* silta_db_query, with SILTA_EAGAIN in err->code when the connection is gone.
 * In pipeline mode: queued after the statements cs_exec queued, then every
 * pending result read (one round trip for all); an error in any of them
 * returns NULL. The caller PQclears the result. */
PGresult *cs_q(PGconn *db, const char *sql, int n, const char *const *params, silta_err_t *err);

/* The nq queries sqls (each with the same n params) in one round trip:
 * out[i] gets sqls[i]'s result (the caller PQclears each). Returns 0, or an
 * error code with every out[i] NULL. */
int cs_q_all(PGconn *db, const char *const *sqls, size_t nq, int n, const char *const *params,
             PGresult **out, silta_err_t *err);

/* cs_q for a statement whose rows nobody reads: 0, or the error code (err filled).
 * In pipeline mode only queued: 0 means sent, its outcome comes with the next
 * cs_q or cs_pipeline_end. */
int cs_exec(PGconn *db, const char *sql, int n, const char *const *params, silta_err_t *err);

/* Pipeline mode (libpq) around a run of statements inside an open
 * transaction: cs_exec queues, cs_q syncs. cs_pipeline_end reads what is
 * still pending and leaves pipeline mode; it returns the first error of any
 * queued statement (then roll the transaction back). No silta_db_exec
 * (BEGIN, SAVEPOINT, COMMIT) in between. Both return 0 or an error code. */
int cs_pipeline_begin(PGconn *db, silta_err_t *err);
int cs_pipeline_end(PGconn *db, silta_err_t *err);

#endif
