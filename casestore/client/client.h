/*  client.h - the client's own page (casestore/client/): shared types.
 *
 *  A second listener of silta-casestore (SILTA_CLIENT_BIND, loopback), served
 *  by web_server.c on the inbox's context (its connections and its lock), so
 *  a request here and an inbox request never run at the same time.
 *
 *      browser --HTTP--> web_server (2nd silta_http) --> client_route
 *                          |-- client_idp     who is signing in (a one-time code today)
 *                          |-- client_auth    the client's sessions, CSRF, access log
 *                          |-- ../read/read_own.c  plan, disclosures, consents of ONE client
 *                          |-- client_pages   HTML
 *                          `-- client_consent give / withdraw -> social.consent.v1 (outbox)
 *
 *  Every read and every action takes its client_key from the session, never
 *  from the request: no URL or form names a client, so one client cannot ask
 *  for another's data.
 *
 *  Not here: TLS (a reverse proxy in front, docs/operations.md), JavaScript.
 */
#ifndef CLIENT_H
#define CLIENT_H

#include "../web/web.h"
#include "silta_clientkey.h"

#define CLIENT_SESSION_COOKIE "silta_client"
#define CLIENT_SIGNIN_COOKIE "silta_client_signin"

/* The access log's actor for everything a client does: the client_key
 * column says which client (no hetu, no name). */
#define CLIENT_ACTOR "client"

typedef struct {
    char client_key[SILTA_CLIENTKEY_LEN + 1];
    char csrf[WEB_TOKEN_HEX + 1];
    char token[WEB_TOKEN_HEX + 1]; /* the cookie's value (to sign out) */
    web_lang_t lang;
} client_session_t;

/* client_routes.c: answer a request of the client's listener. req's
 * session_cookie / login_cookie are CLIENT_SESSION_COOKIE / _SIGNIN_COOKIE. */
void client_route(web_ctx_t *ctx, const web_req_t *req, web_resp_t *resp);

#endif
