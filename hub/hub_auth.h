/*  hub_auth.h - ZAP handler: which CURVE public keys may talk to the hub.
 *
 *  The authorized keys are the NAME.pub files of one folder
 *  ($SILTA_AUTHORIZED_KEYS); a client whose public key matches one gets the
 *  identity NAME (ZAP User-Id, read by the router with zmq_msg_gets), anyone
 *  else is refused and the refusal is logged with the key's fingerprint and
 *  the peer address. The handler runs in its own thread on the hub's context,
 *  because libzmq asks it synchronously during the CURVE handshake.
 */
#ifndef HUB_AUTH_H
#define HUB_AUTH_H

#include "silta_err.h"

typedef struct hub_auth_t hub_auth_t;

/* Load the keys of dir and start answering ZAP requests on ctx. Must be
 * called before the CURVE server socket binds. */
hub_auth_t *hub_auth_start(void *ctx, const char *dir, silta_err_t *err);

/* Stop after zmq_ctx_shutdown() (the thread leaves on ETERM) and free. */
void hub_auth_stop(hub_auth_t **self_p);

/* Number of keys loaded. */
int hub_auth_count(const hub_auth_t *self);

#endif
