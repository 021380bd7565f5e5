/*  web_pages.h - the inbox's HTML (web_pages.c; the client page in
 *  web_client.c): login, inbox (Saapuneet), client page
 *  (Asiakas), error pages. Server-rendered, no JavaScript, one inline style
 *  sheet; every value from the database is HTML-escaped.
 *
 *  The pages render what the read model (read/) returns; no page runs SQL.
 *  A hetu is shown only masked (DDMMYYC****): enough to tell two clients
 *  apart at the desk, not enough to identify anyone from a screenshot. URLs
 *  carry client_key, never a hetu.
 *
 *  Not here: SQL (read/), routing and checks (web_routes.c).
 */
#ifndef WEB_PAGES_H
#define WEB_PAGES_H

#include "../read/read_client.h"
#include "../read/read_inbox.h"
#include "silta_buf.h"
#include "web.h"

/* HTML-escape s into b. */
void web_esc(silta_buf_t *b, const char *s);

/* web_text.c - texts in the session's language (s NULL: Finnish, the login
 * page). Returned strings are static (the catalogue's or the msgid): never
 * freed. */
/* msgid (marked N_() or a literal) in the user's language. */
const char *web_tr(const web_session_t *s, const char *msgid);
/* The label of a code (rule, notice kind, benefit, priority, status,
 * severity, agency), or the code itself when it has none. */
const char *web_label(const web_session_t *s, const char *code);
/* Who answers for a plan item or an agreed action, escaped into b: a team
 * queue "team:<team>" as "Tiimi <team>", an agency code by its name (kela ->
 * Kela / FPA), anything else (a worker's or a person's name) as it is. */
void web_responsible(silta_buf_t *b, const web_session_t *s, const char *who);
/* The message of a flash key from a redirect, or NULL. */
const char *web_flash(const web_session_t *s, const char *key);
/* What an alert asks for, escaped into b: its own text (text_id and args as
 * read/ returns them) with its dates and references, or, for an alert
 * raised before 008 (text_id ""), the rule's general sentence. */
void web_explanation(silta_buf_t *b, const web_session_t *s, const char *rule,
                     const char *text_id, const char *args);

/* web_alert.c - the alert's text of text_id with args ("d:2026-11-25",
 * joined by \x1f) in the user's language: 0, or -1 (nothing written) for an
 * unknown text_id. */
int web_alert_text(silta_buf_t *b, const web_session_t *s, const char *text_id, const char *args);
/* <option>s of the outcomes an alert of rule (and text_id) can be closed
 * with (rules/cs_outcome.c); returns how many (0: its own event closes it). */
size_t web_alert_outcomes(silta_buf_t *b, const web_session_t *s, const char *rule,
                          const char *text_id);
/* A plan item's title (escaped into b): a derived item's from its id and the
 * argument of its English title; anyone else's title as it is. */
void web_plan_title(silta_buf_t *b, const web_session_t *s, const char *item_id,
                    const char *title);
/* The timeline's line of an event type (with the name of code, a notice kind
 * or benefit, when it has one), and the agency that sent it. */
void web_timeline_line(silta_buf_t *b, const web_session_t *s, const char *type,
                       const char *code);
const char *web_agency_of_type(const web_session_t *s, const char *type);
/* A referring unit: a FHIR reference's name ("Organization/X" → "X"). */
void web_requester(silta_buf_t *b, const web_session_t *s, const char *ref);

/* "YYYY-MM-DD" as "D.M.YYYY" into b; a table cell of a deadline likewise,
 * red with "(myöhässä)" in the user's language when before today, "–" when
 * due is NULL. */
void web_date(silta_buf_t *b, const char *d);
void web_due_cell(silta_buf_t *b, const web_session_t *s, const char *due, const char *today);
/* The same with data-l="label": the cell's heading where a narrow screen
 * shows the table's rows as cards (the style sheet's table.cards). */
void web_due_cell_labelled(silta_buf_t *b, const web_session_t *s, const char *due,
                           const char *today, const char *label);

/* The inline style sheet every page has (the client's own page too). */
const char *web_page_css(void);

/* A page's head and top bar (session NULL: not logged in), and its end. */
void web_page_begin(silta_buf_t *b, const char *title, const web_session_t *s);
void web_page_end(silta_buf_t *b);

/* The login form; error "" or a message shown above it. */
void web_page_login(silta_buf_t *b, const char *login_token, const char *error);

/* A whole error page (status text in title, one sentence in text). */
void web_page_error(silta_buf_t *b, const web_session_t *s, const char *title, const char *text);

/* Saapuneet: the search form (a client by full hetu, POST /find) and the
 * items (read_inbox_load) of every client the user may see, most urgent
 * first. today: YYYY-MM-DD; find: the search's outcome from its redirect
 * ("ei_loytynyt") or "". */
void web_page_inbox(const read_inbox_t *items, const web_session_t *s, const char *today,
                    const char *find, silta_buf_t *b);

/* Asiakas: plan, timeline, open alerts, referrals and notices with their
 * actions, from read_client_load. The caller has checked access. flash: a
 * message key from a redirect ("" for none). */
void web_page_client(const read_client_t *c, const web_session_t *s, const char *ck,
                     const char *today, const char *flash, silta_buf_t *b);

#endif
