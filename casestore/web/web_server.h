/*  web_server.h - start and stop the caseworker inbox (on silta_http).
 *
 *  cs_main.c's whole hook: web_server_start() after the store is open,
 *  web_server_outbox_dirty() in the loop, web_server_stop() at the end.
 *  The server answers on its own threads with its own database connections
 *  (web.h); nothing it does touches the caller's store or hub client.
 *
 *  Not here: pages (web_pages.h), the data they show (read/).
 */
#ifndef WEB_SERVER_H
#define WEB_SERVER_H

#include "../rules/cs_rules.h"
#include "../store/cs_seal.h"
#include "silta_clientkey.h"
#include "silta_err.h"
#include "silta_metrics.h"

typedef struct web_server_s web_server_t;

/* Listen on $SILTA_INBOX_BIND ("127.0.0.1:PORT"; loopback only: no TLS here).
 * params, seal and ck are borrowed (read-only from the web threads) and must
 * outlive the server. Returns the server, or NULL: with err->code 0 when
 * SILTA_INBOX_BIND is not set (the inbox is off), else the reason. */
web_server_t *web_server_start(const cs_params_t *params, const cs_seal_t *seal,
                               const silta_clientkey_t *ck, silta_metrics_t *metrics,
                               silta_err_t *err);

/* Stop the threads, close their connections, free; *self_p = NULL. Harmless on NULL. */
void web_server_stop(web_server_t **self_p);

/* 1 once after the inbox committed outbox rows (thread-safe): the main
 * loop then reads the outbox from the start, since a row committed late may
 * carry a lower id than rows it has already passed. 0 for a NULL server. */
int web_server_outbox_dirty(web_server_t *self);

/* `silta-casestore --add-user NAME TEAM [--lang fi|sv] [--role
 * caseworker|teamlead]`: read the password from stdin (first line, 10-200
 * bytes), store its Argon2id hash; an existing NAME gets the new team and
 * password and is made active (and the language and role, when given; NULL:
 * a new account reads Finnish and is a caseworker). Returns 0, or 1 with a
 * message on stderr. The password is never echoed or logged. */
int web_server_add_user(const char *name, const char *team, const char *lang,
                        const char *role);

#endif
