/*  client_pages.c - HTML of the client's own page (client_pages.h).
 *
 *  Plain words for a client, not a caseworker's: an agency by its name, a
 *  statute as written, "your consent" instead of "consent:<purpose>", no
 *  codes, no internal ids. The labels of agencies, plan items and event
 *  types are the inbox's (web_text.c), read in the session's language.
 */
#include "client_pages.h"

#include <string.h>

#include "../web/web_pages.h"
#include "client_consent.h"

/* A web_session_t that carries only a language: the inbox's label helpers
 * take one. */
static web_session_t s_lang(web_lang_t lang)
{
    web_session_t w;
    memset(&w, 0, sizeof w);
    w.lang = lang;
    return w;
}

static void s_t(silta_buf_t *b, web_lang_t lang, const char *msgid)
{
    web_esc(b, web_t(lang, msgid));
}

static void s_begin(silta_buf_t *b, web_lang_t lang, const char *title, const client_session_t *s)
{
    silta_buf_printf(b, "<!DOCTYPE html><html lang=\"%s\"><head><meta charset=\"utf-8\">"
                        "<meta name=\"viewport\" content=\"width=device-width,"
                        "initial-scale=1\"><title>",
                     web_lang_code(lang));
    s_t(b, lang, title);
    silta_buf_printf(b, " · Silta</title><style>%s</style></head><body><header><span>Silta · ",
                     web_page_css());
    s_t(b, lang, "Omat tietoni");
    silta_buf_puts(b, "</span>");
    if (s) {
        /* The other language, and signing out: forms (POST, CSRF). */
        web_lang_t other = lang == WEB_LANG_SV ? WEB_LANG_FI : WEB_LANG_SV;
        silta_buf_printf(b, "<form class=\"inline who\" method=\"post\" action=\"/lang\">"
                            "<input type=\"hidden\" name=\"csrf\" value=\"%s\">"
                            "<input type=\"hidden\" name=\"lang\" value=\"%s\"><button>%s"
                            "</button></form><form class=\"inline\" method=\"post\" "
                            "action=\"/signout\"><input type=\"hidden\" name=\"csrf\" "
                            "value=\"%s\"><button>",
                         s->csrf, web_lang_code(other),
                         other == WEB_LANG_SV ? "På svenska" : "Suomeksi", s->csrf);
        s_t(b, lang, "Kirjaudu ulos");
        silta_buf_puts(b, "</button></form>");
    }
    silta_buf_puts(b, "</header><main>");
}

void client_page_signin(silta_buf_t *b, web_lang_t lang, const char *signin_token,
                        const char *error)
{
    s_begin(b, lang, "Kirjaudu", NULL);
    silta_buf_puts(b, "<form class=\"login\" method=\"post\" action=\"/signin\"><p>"
                      "<a href=\"/?lang=fi\" lang=\"fi\">Suomeksi</a> · "
                      "<a href=\"/?lang=sv\" lang=\"sv\">På svenska</a></p><h1>");
    s_t(b, lang, "Kirjaudu omiin tietoihisi");
    silta_buf_puts(b, "</h1>");
    if (error && *error) {
        silta_buf_puts(b, "<p class=\"err\" role=\"alert\">");
        web_esc(b, error);
        silta_buf_puts(b, "</p>");
    }
    silta_buf_puts(b, "<p class=\"muted\">");
    s_t(b, lang, "Saat kertakäyttöisen kirjautumiskoodin sosiaalityöntekijältäsi. Koodi on "
                 "voimassa 15 minuuttia.");
    silta_buf_printf(b, "</p><input type=\"hidden\" name=\"csrf\" value=\"%s\">"
                        "<input type=\"hidden\" name=\"lang\" value=\"%s\">"
                        "<label for=\"code\">",
                     signin_token, web_lang_code(lang));
    s_t(b, lang, "Kirjautumiskoodi");
    silta_buf_puts(b, "</label><input id=\"code\" name=\"code\" autocomplete=\"one-time-code\" "
                      "maxlength=\"40\" required><p><button>");
    s_t(b, lang, "Kirjaudu");
    silta_buf_puts(b, "</button></p></form>");
    web_page_end(b);
}

void client_page_error(silta_buf_t *b, web_lang_t lang, const char *title, const char *text)
{
    s_begin(b, lang, title, NULL);
    silta_buf_puts(b, "<h1>");
    s_t(b, lang, title);
    silta_buf_puts(b, "</h1><p>");
    s_t(b, lang, text);
    silta_buf_puts(b, "</p><p><a href=\"/\">");
    s_t(b, lang, "Omat tietoni");
    silta_buf_puts(b, "</a></p>");
    web_page_end(b);
}

static void s_th(silta_buf_t *b, web_lang_t lang, const char *const *cols, size_t n)
{
    silta_buf_puts(b, "<thead><tr>");
    for (size_t i = 0; i < n; i++) {
        silta_buf_puts(b, "<th>");
        s_t(b, lang, cols[i]);
        silta_buf_puts(b, "</th>");
    }
    silta_buf_puts(b, "</tr></thead><tbody>");
}

/* One goal's scores by day, "1.9.2026: −2 · 27.11.2026: +1" (GAS, SHL 39 §
 * client plan: the change the client and the worker agreed to follow). */
static void s_goal_scores(silta_buf_t *b, const read_plan_t *p, const char *goal_id)
{
    int first = 1;
    for (size_t i = 0; i < p->nscores; i++) {
        const read_cplan_score_t *x = &p->scores[i];
        if (strcmp(x->goal_id, goal_id) != 0)
            continue;
        silta_buf_puts(b, first ? "" : " · ");
        web_date(b, x->day);
        silta_buf_printf(b, ": %s%d", x->gas > 0 ? "+" : x->gas < 0 ? "−" : "",
                         x->gas < 0 ? -x->gas : x->gas);
        first = 0;
    }
    if (first)
        silta_buf_puts(b, "–");
}

/* The client plan (asiakassuunnitelma, SHL 39 §) as the client reads it: the
 * omatyöntekijä (42 §), the next review, the goals in their own words with
 * the scores so far, and what each agency agreed to do, by whom and by when. */
static void s_client_plan(silta_buf_t *b, const client_session_t *s, const read_plan_t *p,
                          const char *today)
{
    static const char *const goal_cols[] = {N_("Tavoitteesi omin sanoin"),
                                            N_("Arviot (−2…+2, 0 = odotettu tulos)")};
    static const char *const act_cols[] = {N_("Taho"), N_("Mitä"), N_("Kuka vastaa"),
                                           N_("Mihin mennessä")};
    web_session_t w = s_lang(s->lang);
    if (!p->has_plan)
        return;
    silta_buf_puts(b, "<section id=\"client-plan\"><h2>");
    s_t(b, s->lang, "Asiakassuunnitelmasi");
    silta_buf_puts(b, "</h2><dl><dt>");
    s_t(b, s->lang, "Omatyöntekijäsi");
    silta_buf_puts(b, "</dt><dd id=\"omatyontekija\">");
    web_esc(b, p->responsible_worker);
    silta_buf_puts(b, "</dd><dt>");
    s_t(b, s->lang, "Seuraava arviointi");
    silta_buf_puts(b, "</dt><dd>");
    web_date(b, p->review_date);
    silta_buf_puts(b, "</dd></dl><div class=\"tbl\"><table id=\"goals\">");
    s_th(b, s->lang, goal_cols, 2);
    for (size_t i = 0; i < p->ngoals; i++) {
        silta_buf_puts(b, "<tr><td>");
        web_esc(b, p->goals[i].text);
        silta_buf_puts(b, "</td><td>");
        s_goal_scores(b, p, p->goals[i].goal_id);
        silta_buf_puts(b, "</td></tr>");
    }
    silta_buf_puts(b, "</tbody></table></div><h3>");
    s_t(b, s->lang, "Sovitut toimet");
    silta_buf_puts(b, "</h3><div class=\"tbl\"><table id=\"actions\">");
    s_th(b, s->lang, act_cols, 4);
    for (size_t i = 0; i < p->nactions; i++) {
        const read_cplan_action_t *x = &p->actions[i];
        silta_buf_puts(b, "<tr><td>");
        web_esc(b, web_label(&w, x->agency));
        silta_buf_puts(b, "</td><td>");
        web_esc(b, x->title);
        silta_buf_puts(b, "</td><td>");
        web_responsible(b, &w, x->responsible);
        silta_buf_puts(b, "</td>");
        web_due_cell(b, &w, *x->due ? x->due : NULL, today);
        silta_buf_puts(b, "</tr>");
    }
    silta_buf_puts(b, "</tbody></table></div></section>");
}

static void s_plan(silta_buf_t *b, const client_session_t *s, const read_own_t *o,
                   const char *today)
{
    static const char *const cols[] = {N_("Mitä"), N_("Kuka vastaa"), N_("Mihin mennessä"),
                                       N_("Tila")};
    web_session_t w = s_lang(s->lang);
    silta_buf_puts(b, "<h2>");
    s_t(b, s->lang, "Suunnitelmasi");
    silta_buf_puts(b, "</h2>");
    if (o->plan.n == 0) {
        silta_buf_puts(b, "<p class=\"muted\">");
        s_t(b, s->lang, "Suunnitelmassasi ei ole vielä kohtia.");
        silta_buf_puts(b, "</p>");
        return;
    }
    silta_buf_puts(b, "<div class=\"tbl\"><table id=\"plan\">");
    s_th(b, s->lang, cols, sizeof cols / sizeof cols[0]);
    for (size_t i = 0; i < o->plan.n; i++) {
        const read_plan_item_t *x = &o->plan.v[i];
        silta_buf_puts(b, "<tr><td>");
        web_plan_title(b, &w, x->item_id, x->title);
        silta_buf_puts(b, "</td><td>");
        web_esc(b, web_label(&w, x->owner));
        if (strcmp(x->responsible, x->owner) != 0) { /* not "Kela: Kela" */
            silta_buf_puts(b, ": ");
            web_responsible(b, &w, x->responsible);
        }
        silta_buf_puts(b, "</td>");
        if (strcmp(x->status, "open") == 0)
            web_due_cell(b, &w, x->due, today);
        else {
            silta_buf_puts(b, "<td class=\"muted\">");
            web_date(b, x->due ? x->due : "");
            silta_buf_puts(b, "</td>");
        }
        silta_buf_puts(b, "<td>");
        web_esc(b, web_label(&w, x->status));
        silta_buf_puts(b, "</td></tr>");
    }
    silta_buf_puts(b, "</tbody></table></div>");
}

/* A hub identity as the agency a person knows. */
static const char *s_recipient(const web_session_t *w, const char *who)
{
    if (strcmp(who, "casestore") == 0)
        return web_label(w, "social");
    return web_label(w, who);
}

/* Event types the inbox's timeline has no line for (it never shows them). */
static void s_kind(silta_buf_t *b, const web_session_t *w, const char *type)
{
    if (strcmp(type, "social.plan.v1") == 0)
        s_t(b, w->lang, "Suunnitelmasi");
    else if (strcmp(type, "hub.gap_alert.v1") == 0)
        s_t(b, w->lang, "Huomautus katkeamassa olevasta etuudesta tai palvelusta");
    else
        web_timeline_line(b, w, type, "");
}

static void s_disclosures(silta_buf_t *b, const client_session_t *s, const read_own_t *o)
{
    static const char *const cols[] = {N_("Milloin"), N_("Kuka sai"), N_("Mitä tietoa"),
                                       N_("Millä perusteella")};
    web_session_t w = s_lang(s->lang);
    silta_buf_puts(b, "<h2>");
    s_t(b, s->lang, "Kuka on saanut tietojasi");
    silta_buf_puts(b, "</h2>");
    if (!o->disclosures_ok || o->disclosures.n == 0) {
        silta_buf_puts(b, "<p class=\"muted\" id=\"no-disclosures\">");
        s_t(b, s->lang, o->disclosures_ok ? N_("Tietojasi ei ole luovutettu Siltan kautta.")
                                          : N_("Luovutustiedot eivät ole juuri nyt saatavilla."));
        silta_buf_puts(b, "</p>");
        return;
    }
    silta_buf_puts(b, "<div class=\"tbl\"><table id=\"disclosures\">");
    s_th(b, s->lang, cols, sizeof cols / sizeof cols[0]);
    for (size_t i = 0; i < o->disclosures.n; i++) {
        const read_disclosure_t *x = &o->disclosures.v[i];
        silta_buf_puts(b, "<tr><td>");
        web_esc(b, x->when);
        silta_buf_puts(b, "</td><td>");
        web_esc(b, s_recipient(&w, x->recipient));
        silta_buf_puts(b, "</td><td>");
        s_kind(b, &w, x->type);
        silta_buf_puts(b, "</td><td>");
        if (strncmp(x->basis, "consent:", 8) == 0) {
            const client_purpose_t *p = client_purpose_of(x->basis + 8);
            s_t(b, s->lang, "Suostumuksesi");
            if (p) {
                silta_buf_puts(b, ": ");
                s_t(b, s->lang, p->title);
            }
        } else {
            s_t(b, s->lang, "Laki");
            silta_buf_puts(b, ": ");
            web_esc(b, x->basis); /* the statute as policy.xml names it */
        }
        silta_buf_puts(b, "</td></tr>");
    }
    silta_buf_puts(b, "</tbody></table></div>");
}

static void s_consents(silta_buf_t *b, const client_session_t *s, const read_own_t *o,
                       const char *today)
{
    size_t n;
    const client_purpose_t *p = client_purposes(&n);
    silta_buf_puts(b, "<h2>");
    s_t(b, s->lang, "Suostumuksesi");
    silta_buf_puts(b, "</h2><p class=\"muted\">");
    s_t(b, s->lang, "Voit antaa tai perua suostumuksen milloin tahansa. Peruminen koskee "
                    "tietoja, jotka lähetetään perumisen jälkeen.");
    silta_buf_puts(b, "</p><div class=\"tbl\"><table id=\"consents\"><tbody>");
    for (size_t i = 0; i < n; i++) {
        int given = client_consent_given(o, p[i].purpose, today);
        silta_buf_printf(b, "<tr id=\"consent-%s\"><td><strong>", p[i].purpose);
        s_t(b, s->lang, p[i].title);
        silta_buf_puts(b, "</strong><br>");
        s_t(b, s->lang, p[i].text);
        silta_buf_puts(b, "</td><td class=\"state\">");
        s_t(b, s->lang, given ? N_("Annettu") : N_("Ei annettu"));
        silta_buf_printf(b, "</td><td><form method=\"post\" action=\"/consent\">"
                            "<input type=\"hidden\" name=\"csrf\" value=\"%s\">"
                            "<input type=\"hidden\" name=\"purpose\" value=\"%s\">"
                            "<input type=\"hidden\" name=\"do\" value=\"%s\"><button>",
                         s->csrf, p[i].purpose, given ? "withdraw" : "give");
        s_t(b, s->lang, given ? N_("Peru suostumus") : N_("Anna suostumus"));
        silta_buf_puts(b, "</button></form></td></tr>");
    }
    silta_buf_puts(b, "</tbody></table></div>");
}

void client_page_own(silta_buf_t *b, const client_session_t *s, const read_own_t *o,
                     const char *today, const char *flash)
{
    s_begin(b, s->lang, "Omat tietoni", s);
    silta_buf_puts(b, "<h1>");
    s_t(b, s->lang, "Omat tietoni");
    silta_buf_puts(b, "</h1>");
    const char *msg = !flash || !*flash        ? NULL
                      : strcmp(flash, "annettu") == 0 ? N_("Suostumus annettu.")
                      : strcmp(flash, "peruttu") == 0 ? N_("Suostumus peruttu.")
                      : strcmp(flash, "jo_tehty") == 0 ? N_("Tämä oli jo tehty; mitään ei muutettu.")
                                                       : NULL;
    if (msg) {
        silta_buf_puts(b, "<p class=\"flash\" role=\"status\">");
        s_t(b, s->lang, msg);
        silta_buf_puts(b, "</p>");
    }
    s_client_plan(b, s, &o->cplan, today);
    s_plan(b, s, o, today);
    s_disclosures(b, s, o);
    s_consents(b, s, o, today);
    web_page_end(b);
}

void client_page_code(silta_buf_t *b, const web_session_t *s, const char *ck, const char *code,
                      const char *expires, const char *client_url)
{
    web_page_begin(b, N_("Kirjautumiskoodi"), s);
    silta_buf_puts(b, "<h1>");
    web_esc(b, web_tr(s, "Asiakkaan kirjautumiskoodi"));
    silta_buf_puts(b, "</h1><p>");
    web_esc(b, web_tr(s, "Anna koodi asiakkaalle. Se näytetään vain kerran, toimii kerran ja "
                         "vanhenee kello"));
    silta_buf_puts(b, " ");
    web_esc(b, expires);
    silta_buf_puts(b, ".</p><p><code id=\"client-code\" style=\"font-size:1.6rem\">");
    web_esc(b, code);
    silta_buf_puts(b, "</code></p>");
    if (client_url && *client_url) {
        silta_buf_puts(b, "<p>");
        web_esc(b, web_tr(s, "Asiakas kirjautuu osoitteessa"));
        silta_buf_puts(b, " <code id=\"client-url\">");
        web_esc(b, client_url);
        silta_buf_puts(b, "</code></p>");
    }
    silta_buf_printf(b, "<p><a href=\"/client/%s\">", ck);
    web_esc(b, web_tr(s, "Takaisin asiakkaan sivulle"));
    silta_buf_puts(b, "</a></p>");
    web_page_end(b);
}
