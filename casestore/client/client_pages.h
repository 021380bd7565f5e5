/*  client_pages.h - the HTML of the client's own page (plain Finnish or
 *  Swedish from the gettext catalogue, no JavaScript, the inbox's style
 *  sheet), and the inbox page that shows a caseworker the sign-in code once.
 *  Every value from the database is HTML-escaped.
 *
 *  Not here: SQL (../read/read_own.c), routing and checks (client_routes.c).
 */
#ifndef CLIENT_PAGES_H
#define CLIENT_PAGES_H

#include "../read/read_own.h"
#include "client.h"
#include "silta_buf.h"

/* Sign-in: the code form (double-submit token), language links, error "" or
 * a message already in lang. */
void client_page_signin(silta_buf_t *b, web_lang_t lang, const char *signin_token,
                        const char *error);

/* A whole error page: title and text are msgids. */
void client_page_error(silta_buf_t *b, web_lang_t lang, const char *title, const char *text);

/* The client's own page: plan, disclosures, consents with their buttons.
 * today: YYYY-MM-DD; flash: a key from a redirect or "". */
void client_page_own(silta_buf_t *b, const client_session_t *s, const read_own_t *o,
                     const char *today, const char *flash);

/* For the caseworker (the inbox, s): the code issued for client ck, shown
 * once, with its expiry time (HH:MM) and the address of the client's page
 * (SILTA_CLIENT_URL, may be ""). */
void client_page_code(silta_buf_t *b, const web_session_t *s, const char *ck, const char *code,
                      const char *expires, const char *client_url);

#endif
