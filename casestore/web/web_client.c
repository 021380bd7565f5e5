/*  web_client.c - the client page (Asiakas) of the caseworker inbox: the
 *  masked hetu and responsible worker, open alerts, referrals and Kela
 *  notices with their actions, the coordinated plan (add an item, complete a
 *  hand-made one), and one timeline of
 *  every agency's events. The caller (web_routes.c) has checked access,
 *  logged the view and read the data (read/read_client.c): nothing here runs
 *  SQL. Every form carries the session's CSRF token.
 *
 *  Not here: SQL (read/read_client.c), the access check and log (web_routes.c).
 */
#include <stdio.h>
#include <string.h>

#include "web_pages.h"
#include "web_plan.h"

/* The texts of the statement to Kela (msgids; web_tr() where shown). */
static const struct {
    const char *heading, *intro, *label, *button, *given, *col;
} s_statement_text = {
    .heading = N_("Lausunto Kelalle"),
    .intro = N_("Sosiaalityön lausunto Kelan ilmoitukseen (esim. perusosan alentaminen). "
             "Lausunto lähtee Kelalle sellaisenaan; kirjoita vain se, mitä Kelan on "
             "tarpeen tietää."),
    .label = N_("Lausunto, viite"),
    .button = N_("Lähetä lausunto Kelalle"),
    .given = N_("annettu"),
    .col = N_("Lausunto"),
};

/* msgid in the user's language, escaped into b. */
static void s_t(silta_buf_t *b, const web_session_t *s, const char *msgid)
{
    web_esc(b, web_tr(s, msgid));
}

/* <th> cells of msgids. */
static void s_ths(silta_buf_t *b, const web_session_t *s, const char *const *cols, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        silta_buf_puts(b, "<th>");
        s_t(b, s, cols[i]);
        silta_buf_puts(b, "</th>");
    }
}

static void s_form_open(silta_buf_t *b, const web_session_t *s, const char *ck,
                        const char *action)
{
    silta_buf_puts(b, "<form class=\"inline\" method=\"post\" action=\"/client/");
    web_esc(b, ck);
    silta_buf_printf(b, "/%s\"><input type=\"hidden\" name=\"csrf\" value=\"%s\">", action,
                     s->csrf);
}

static void s_hidden(silta_buf_t *b, const char *name, const char *value)
{
    silta_buf_printf(b, "<input type=\"hidden\" name=\"%s\" value=\"", name);
    web_esc(b, value);
    silta_buf_puts(b, "\">");
}

/* "Start the service-need assessment" for a referral or a notice (name = value). */
static void s_assess_form(silta_buf_t *b, const web_session_t *s, const char *ck,
                          const char *name, const char *value)
{
    s_form_open(b, s, ck, "assess");
    s_hidden(b, name, value);
    silta_buf_puts(b, "<button name=\"do\" value=\"assess\">");
    s_t(b, s, "Aloita palvelutarpeen arviointi");
    silta_buf_puts(b, "</button></form>");
}

/* Header: masked hetu, responsible worker, the assign form. */
static void s_head(const read_client_t *c, const web_session_t *s, const char *ck, silta_buf_t *b)
{
    silta_buf_puts(b, "<h1>");
    s_t(b, s, "Asiakas");
    silta_buf_puts(b, " <span class=\"muted\">");
    web_esc(b, c->hetu_masked);
    silta_buf_puts(b, "</span></h1><dl><dt>");
    s_t(b, s, "Henkilötunnus");
    silta_buf_puts(b, "</dt><dd id=\"hetu\">");
    web_esc(b, c->hetu_masked[0] ? c->hetu_masked : web_tr(s, "(ei saatavilla)"));
    silta_buf_puts(b, "</dd><dt>");
    s_t(b, s, "Vastuutyöntekijä");
    silta_buf_puts(b, "</dt><dd id=\"worker\">");
    if (*c->worker) {
        web_esc(b, c->worker);
        silta_buf_puts(b, " <span class=\"muted\">(");
        s_t(b, s, "tiimi");
        silta_buf_puts(b, " ");
        web_esc(b, c->worker_team);
        silta_buf_puts(b, ")</span>");
    } else {
        s_t(b, s, "ei nimetty: tiimin jono");
        silta_buf_puts(b, " ");
        /* TEAM_QUEUE is "team:<team>": the team's name */
        const char *q = c->team_queue;
        web_esc(b, strncmp(q, "team:", 5) == 0 ? q + 5 : q);
    }
    silta_buf_puts(b, "</dd><dt>");
    s_t(b, s, "Vaihda vastuu");
    silta_buf_puts(b, "</dt><dd>");
    s_form_open(b, s, ck, "assign");
    silta_buf_puts(b, "<label for=\"assign-worker\" style=\"display:inline\">");
    s_t(b, s, "Työntekijä");
    silta_buf_puts(b, "</label> <select id=\"assign-worker\" name=\"worker\">");
    for (size_t i = 0; i < c->team_users.n; i++) {
        const char *u = c->team_users.v[i];
        silta_buf_puts(b, "<option");
        if (strcmp(u, c->worker) == 0)
            silta_buf_puts(b, " selected");
        silta_buf_puts(b, ">");
        web_esc(b, u);
        silta_buf_puts(b, "</option>");
    }
    silta_buf_puts(b, "</select> <button>");
    s_t(b, s, "Vaihda");
    silta_buf_puts(b, "</button></form></dd></dl>");
}

/* The close form of an alert: the outcomes of its rule, a day (a decision's
 * or a meeting's: required by those outcomes, checked again by the server),
 * a note. An alert its own event closes (3, 7, 10, 12) says which act does. */
static void s_close_form(silta_buf_t *b, const web_session_t *s, const char *ck,
                         const read_alert_t *a, size_t i)
{
    silta_buf_t opts;
    silta_buf_init(&opts);
    size_t n = web_alert_outcomes(&opts, s, a->rule, a->text_id);
    if (n == 0) {
        silta_buf_puts(b, "<span class=\"muted\">");
        s_t(b, s, strcmp(a->rule, "referral_not_acknowledged") == 0
                      ? N_("Sulkeutuu, kun ohjaus kuitataan.")
                  : strcmp(a->rule, "service_need_assessment_late") == 0
                      ? N_("Sulkeutuu, kun palvelutarpeen arviointi aloitetaan.")
                  : strcmp(a->rule, "client_plan_review_due") == 0
                      ? N_("Sulkeutuu, kun suunnitelman arviointi kirjataan.")
                      : N_("Sulkeutuu, kun ilmoitus on käsitelty ja lausunto annettu "
                           "Kelalle."));
        silta_buf_puts(b, "</span>");
        silta_buf_free(&opts);
        return;
    }
    silta_buf_puts(b, "<form class=\"close\" method=\"post\" action=\"/client/");
    web_esc(b, ck);
    silta_buf_printf(b, "/close\"><input type=\"hidden\" name=\"csrf\" value=\"%s\">", s->csrf);
    s_hidden(b, "alert", a->alert_id);
    silta_buf_printf(b, "<label for=\"outcome-%zu\">", i);
    s_t(b, s, "Tulos");
    silta_buf_printf(b, "</label><select id=\"outcome-%zu\" name=\"outcome\" required>", i);
    silta_buf_puts(b, opts.data ? opts.data : "");
    silta_buf_printf(b, "</select><label for=\"outcome-date-%zu\">", i);
    s_t(b, s, "Päivä (päätös tai tapaaminen)");
    silta_buf_printf(b, "</label><input id=\"outcome-date-%zu\" name=\"date\" type=\"date\">"
                        "<label for=\"outcome-note-%zu\">",
                     i, i);
    s_t(b, s, "Muistiinpano (vapaaehtoinen)");
    silta_buf_printf(b, "</label><input id=\"outcome-note-%zu\" name=\"note\" maxlength=\"1000\">"
                        "<p><button>",
                     i);
    s_t(b, s, "Sulje hälytys");
    silta_buf_puts(b, "</button></p></form>");
    silta_buf_free(&opts);
}

static void s_alerts(const read_client_t *c, const web_session_t *s, const char *ck,
                     const char *today, silta_buf_t *b)
{
    static const char *const cols[] = {N_("Määräaika"), N_("Hälytys"), N_("Selitys"),
                                       N_("Vastuutaho"), N_("Toimenpide")};
    silta_buf_puts(b, "<h2>");
    s_t(b, s, "Avoimet hälytykset");
    silta_buf_printf(b, " (%zu)</h2>", c->alerts.n);
    if (c->alerts.n > 0) {
        silta_buf_puts(b, "<div class=\"tbl\"><table id=\"alerts\"><thead><tr>");
        s_ths(b, s, cols, sizeof cols / sizeof cols[0]);
        silta_buf_puts(b, "</tr></thead><tbody>");
        for (size_t i = 0; i < c->alerts.n; i++) {
            const read_alert_t *a = &c->alerts.v[i];
            silta_buf_puts(b, "<tr>");
            web_due_cell(b, s, a->due, today);
            silta_buf_puts(b, "<td><b>");
            web_esc(b, web_label(s, a->rule));
            silta_buf_puts(b, "</b> <span class=\"tag\">");
            web_esc(b, web_label(s, a->severity));
            silta_buf_puts(b, "</span></td><td>");
            web_explanation(b, s, a->rule, a->text_id, a->text_args);
            silta_buf_puts(b, "</td><td>");
            web_esc(b, web_label(s, a->agency));
            silta_buf_puts(b, "</td><td>");
            s_close_form(b, s, ck, a, i);
            silta_buf_puts(b, "</td></tr>");
        }
        silta_buf_puts(b, "</tbody></table></div>");
    }
}

static void s_referrals(const read_client_t *c, const web_session_t *s, const char *ck,
                        silta_buf_t *b)
{
    if (c->referrals.n > 0) {
        static const char *const cols[] = {N_("Ohjaus"), N_("Kiireellisyys"),
                                           N_("Lähettäjä"), N_("Laadittu"), N_("Tila"), ""};
        silta_buf_puts(b, "<h2>");
        s_t(b, s, "Terveydenhuollon ohjaukset");
        silta_buf_puts(b, "</h2><div class=\"tbl\"><table id=\"referrals\"><thead><tr>");
        s_ths(b, s, cols, sizeof cols / sizeof cols[0]);
        silta_buf_puts(b, "</tr></thead><tbody>");
        for (size_t i = 0; i < c->referrals.n; i++) {
            const read_referral_t *x = &c->referrals.v[i];
            silta_buf_puts(b, "<tr><td>");
            web_esc(b, x->id);
            silta_buf_puts(b, "</td><td>");
            web_esc(b, web_label(s, x->priority));
            silta_buf_puts(b, "</td><td>");
            web_requester(b, s, x->requester);
            silta_buf_puts(b, "</td><td>");
            web_date(b, x->authored);
            silta_buf_puts(b, "</td><td>");
            web_esc(b, web_label(s, x->status));
            silta_buf_puts(b, "</td><td>");
            if (x->open) {
                s_form_open(b, s, ck, "ack");
                s_hidden(b, "referral_id", x->id);
                silta_buf_puts(b, "<button name=\"do\" value=\"ack\">");
                s_t(b, s, "Kuittaa");
                silta_buf_puts(b, "</button></form>");
            }
            if (!x->started)
                s_assess_form(b, s, ck, "referral_id", x->id);
            silta_buf_puts(b, "</td></tr>");
        }
        silta_buf_puts(b, "</tbody></table></div>");
    }
}

/* The statement to Kela (lausunto): one form per notice with a Kela
 * reference; the server checks the notice and the text again
 * (web_action_statement). */
static void s_statement_forms(const read_client_t *c, const web_session_t *s, const char *ck,
                              silta_buf_t *b)
{
    int any = 0;
    for (size_t i = 0; i < c->notices.n; i++) {
        const read_notice_t *x = &c->notices.v[i];
        if (!*x->ref)
            continue;
        if (!any++) {
            silta_buf_puts(b, "<h3>");
            web_esc(b, web_tr(s, s_statement_text.heading));
            silta_buf_puts(b, "</h3><p class=\"muted\">");
            web_esc(b, web_tr(s, s_statement_text.intro));
            silta_buf_puts(b, "</p>");
        }
        silta_buf_puts(b, "<form class=\"statement\" method=\"post\" action=\"/client/");
        web_esc(b, ck);
        silta_buf_printf(b, "/statement\"><input type=\"hidden\" name=\"csrf\" value=\"%s\">",
                         s->csrf);
        s_hidden(b, "notice", x->event_id);
        silta_buf_printf(b, "<label for=\"statement-%zu\">", i);
        web_esc(b, web_tr(s, s_statement_text.label));
        silta_buf_puts(b, " ");
        web_esc(b, x->ref);
        silta_buf_puts(b, " (");
        web_esc(b, web_label(s, x->kind));
        silta_buf_printf(b, ")</label><textarea id=\"statement-%zu\" name=\"text\" rows=\"4\" "
                            "maxlength=\"4000\" required></textarea><p><button>",
                         i);
        web_esc(b, web_tr(s, s_statement_text.button));
        silta_buf_puts(b, "</button></p></form>");
    }
}

static void s_notices(const read_client_t *c, const web_session_t *s, const char *ck,
                      silta_buf_t *b)
{
    if (c->notices.n > 0) {
        const char *const cols[] = {N_("Ilmoitus"), N_("Viite"),      N_("Päivä"),
                                    N_("Käsitelty"), "", s_statement_text.col};
        silta_buf_puts(b, "<h2>");
        s_t(b, s, "Kelan ilmoitukset");
        silta_buf_puts(b, "</h2><div class=\"tbl\"><table id=\"notices\"><thead><tr>");
        s_ths(b, s, cols, sizeof cols / sizeof cols[0]);
        silta_buf_puts(b, "</tr></thead><tbody>");
        for (size_t i = 0; i < c->notices.n; i++) {
            const read_notice_t *x = &c->notices.v[i];
            silta_buf_puts(b, "<tr><td>");
            web_esc(b, web_label(s, x->kind));
            silta_buf_puts(b, "</td><td>");
            web_esc(b, x->ref);
            silta_buf_puts(b, "</td><td>");
            web_date(b, x->date);
            silta_buf_puts(b, "</td><td>");
            if (*x->handled) {
                web_date(b, x->handled);
                silta_buf_puts(b, " ");
                web_esc(b, x->handled_by);
                silta_buf_puts(b, "</td><td>");
            } else {
                s_t(b, s, "ei");
                silta_buf_puts(b, "</td><td>");
                s_form_open(b, s, ck, "handled");
                s_hidden(b, "notice", x->event_id);
                silta_buf_puts(b, "<button>");
                s_t(b, s, "Merkitse käsitellyksi");
                silta_buf_puts(b, "</button></form>");
            }
            if (!x->assessed && (strcmp(x->kind, "need_for_social_work") == 0 ||
                                 strcmp(x->kind, "meeting_request") == 0))
                s_assess_form(b, s, ck, "notice", x->event_id);
            silta_buf_puts(b, "</td><td class=\"statement-state\">");
            if (*x->statement) {
                web_esc(b, web_tr(s, s_statement_text.given));
                silta_buf_puts(b, " ");
                web_date(b, x->statement);
            } else {
                silta_buf_puts(b, "–");
            }
            silta_buf_puts(b, "</td></tr>");
        }
        silta_buf_puts(b, "</tbody></table></div>");
        s_statement_forms(c, s, ck, b);
    }
}

/* The add form: title, due date, owner agency (a fixed list), responsible
 * (me or my team). The server checks every field again (web_action_plan_add). */
static void s_plan_form(silta_buf_t *b, const web_session_t *s, const char *ck,
                        const char *today)
{
    static const char *const owners[] = {"social", "kela", "employment", "health"};
    silta_buf_puts(b, "<h3>");
    s_t(b, s, "Lisää kohta");
    silta_buf_puts(b, "</h3><form id=\"plan-add\" method=\"post\" action=\"/client/");
    web_esc(b, ck);
    silta_buf_printf(b, "/plan\"><input type=\"hidden\" name=\"csrf\" value=\"%s\">"
                        "<label for=\"plan-title\">",
                     s->csrf);
    s_t(b, s, "Otsikko");
    silta_buf_puts(b, "</label><input id=\"plan-title\" name=\"title\" maxlength=\"120\" "
                      "size=\"50\" required><label for=\"plan-due\">");
    s_t(b, s, "Määräaika");
    silta_buf_printf(b, "</label><input id=\"plan-due\" name=\"due\" type=\"date\" "
                        "min=\"%s\" required><label for=\"plan-owner\">",
                     today);
    s_t(b, s, "Vastuutaho");
    silta_buf_puts(b, "</label><select id=\"plan-owner\" name=\"owner\">");
    for (size_t i = 0; i < sizeof owners / sizeof owners[0]; i++) {
        silta_buf_printf(b, "<option value=\"%s\">", owners[i]);
        web_esc(b, web_label(s, owners[i]));
        silta_buf_puts(b, "</option>");
    }
    silta_buf_puts(b, "</select><label for=\"plan-who\">");
    s_t(b, s, "Vastuuhenkilö");
    silta_buf_puts(b, "</label><select id=\"plan-who\" name=\"who\"><option value=\"me\">");
    s_t(b, s, "Minä");
    silta_buf_puts(b, " (");
    web_esc(b, s->username);
    silta_buf_puts(b, ")</option><option value=\"team\">");
    s_t(b, s, "Tiimi");
    silta_buf_puts(b, " (");
    web_esc(b, s->team);
    silta_buf_puts(b, ")</option></select><p><button>");
    s_t(b, s, "Lisää kohta");
    silta_buf_puts(b, "</button></p></form>");
}

static void s_plan(const read_client_t *c, const web_session_t *s, const char *ck,
                   const char *today, silta_buf_t *b)
{
    static const char *const cols[] = {N_("Määräaika"), N_("Kohta"), N_("Taho"),
                                       N_("Vastuu"),    N_("Tila"),  ""};
    silta_buf_puts(b, "<h2>");
    s_t(b, s, "Yhteinen suunnitelma");
    silta_buf_puts(b, "</h2>");
    if (c->plan.n == 0) {
        silta_buf_puts(b, "<p class=\"muted\">");
        s_t(b, s, "Ei suunnitelman kohtia.");
        silta_buf_puts(b, "</p>");
    } else {
        silta_buf_puts(b, "<div class=\"tbl\"><table id=\"plan\"><thead><tr>");
        s_ths(b, s, cols, sizeof cols / sizeof cols[0]);
        silta_buf_puts(b, "</tr></thead><tbody>");
        for (size_t i = 0; i < c->plan.n; i++) {
            const read_plan_item_t *x = &c->plan.v[i];
            int open = strcmp(x->status, "open") == 0;
            const char *id = x->item_id;
            silta_buf_puts(b, "<tr>");
            if (open)
                web_due_cell(b, s, x->due, today);
            else {
                silta_buf_puts(b, "<td class=\"muted\">");
                web_date(b, x->due ? x->due : "");
                silta_buf_puts(b, "</td>");
            }
            silta_buf_puts(b, "<td>");
            web_plan_title(b, s, id, x->title);
            silta_buf_puts(b, "</td><td>");
            web_esc(b, web_label(s, x->owner));
            silta_buf_puts(b, "</td><td>");
            web_responsible(b, s, x->responsible);
            silta_buf_puts(b, "</td><td>");
            web_esc(b, web_label(s, x->status));
            silta_buf_puts(b, "</td><td>");
            /* Only hand-made items: the others are completed by their events. */
            if (open && strncmp(id, "manual:", 7) == 0) {
                s_form_open(b, s, ck, "plan_done");
                s_hidden(b, "item", id);
                silta_buf_puts(b, "<button>");
                s_t(b, s, "Merkitse valmiiksi");
                silta_buf_puts(b, "</button></form>");
            }
            silta_buf_puts(b, "</td></tr>");
        }
        silta_buf_puts(b, "</tbody></table></div>");
    }
    s_plan_form(b, s, ck, today);
}

static void s_timeline(const read_client_t *c, const web_session_t *s, silta_buf_t *b)
{
    static const char *const cols[] = {N_("Aika"), N_("Taho"), N_("Tapahtuma")};
    silta_buf_puts(b, "<h2>");
    s_t(b, s, "Aikajana (kaikki tahot)");
    silta_buf_puts(b, "</h2><div class=\"tbl\"><table id=\"timeline\"><thead><tr>");
    s_ths(b, s, cols, sizeof cols / sizeof cols[0]);
    silta_buf_puts(b, "</tr></thead><tbody>");
    for (size_t i = 0; i < c->timeline.n; i++) {
        const read_event_t *x = &c->timeline.v[i];
        silta_buf_puts(b, "<tr><td>");
        web_esc(b, x->when);
        silta_buf_puts(b, "</td><td>");
        web_esc(b, web_agency_of_type(s, x->type));
        silta_buf_puts(b, "</td><td>");
        if (strcmp(x->type, "alert.outcome") == 0) {
            /* an alert closed with an outcome: the rule, what was done, the day, who */
            s_t(b, s, "Hälytys suljettu");
            silta_buf_puts(b, ": ");
            web_esc(b, web_label(s, x->summary));
            silta_buf_puts(b, " – <span class=\"outcome\">");
            web_esc(b, web_label(s, x->code));
            silta_buf_puts(b, "</span>");
            if (*x->outcome_date) {
                silta_buf_puts(b, " ");
                web_date(b, x->outcome_date);
            }
            if (*x->by && strcmp(x->by, "silta") != 0) {
                silta_buf_puts(b, " (");
                web_esc(b, x->by);
                silta_buf_puts(b, ")");
            }
        } else {
            web_timeline_line(b, s, x->type, x->code);
        }
        silta_buf_puts(b, "</td></tr>");
    }
    silta_buf_puts(b, "</tbody></table></div>");
}

void web_page_client(const read_client_t *c, const web_session_t *s, const char *ck,
                     const char *today, const char *flash, silta_buf_t *b)
{
    web_page_begin(b, N_("Asiakas"), s);
    const char *msg = flash && *flash ? web_flash(s, flash) : NULL;
    if (msg) {
        silta_buf_puts(b, "<p class=\"flash\" role=\"status\">");
        web_esc(b, msg);
        silta_buf_puts(b, "</p>");
    }
    s_head(c, s, ck, b);
    /* A one-time code for the client's own page (../client/): shown once. */
    s_form_open(b, s, ck, "client_code");
    silta_buf_puts(b, "<p><button>");
    s_t(b, s, "Anna asiakkaalle kirjautumiskoodi");
    silta_buf_puts(b, "</button></p></form>");
    s_alerts(c, s, ck, today, b);
    s_referrals(c, s, ck, b);
    s_notices(c, s, ck, b);
    s_plan(c, s, ck, today, b);
    web_plan_render(b, s, ck, today, c->worker, c->cplan);
    s_timeline(c, s, b);
    web_page_end(b);
}
