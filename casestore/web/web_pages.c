/*  web_pages.c - HTML of the caseworker inbox (see web_pages.h).
 *
 *  Every text is a msgid of the catalogue shown through web_tr() in the
 *  user's language; codes and the rules' English texts become words in
 *  web_text.c. Dates are shown as D.M.YYYY.
 *
 *  Not here: SQL (the data comes from read/, via web_routes.c).
 */
#include "web_pages.h"

#include <stdio.h>
#include <string.h>

void web_esc(silta_buf_t *b, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '<': silta_buf_puts(b, "&lt;"); break;
        case '>': silta_buf_puts(b, "&gt;"); break;
        case '&': silta_buf_puts(b, "&amp;"); break;
        case '"': silta_buf_puts(b, "&quot;"); break;
        case '\'': silta_buf_puts(b, "&#39;"); break;
        default: silta_buf_append(b, s, 1);
        }
    }
}

static const char s_css[] =
    "body{font:15px/1.45 system-ui,sans-serif;margin:0;color:#1b1f23;background:#f6f7f9}"
    "header{background:#1f3a5f;color:#fff;padding:.5rem 1rem;display:flex;flex-wrap:wrap;"
    "gap:.5rem 1.5rem;align-items:center}header a{color:#fff;font-weight:600}"
    "header .who{margin-left:auto}main{max-width:1100px;margin:0 auto;padding:1rem}"
    "h1{font-size:1.35rem;margin:.2rem 0 1rem}h2{font-size:1.1rem;margin:1.5rem 0 .5rem}"
    ".tbl{overflow-x:auto}table{border-collapse:collapse;width:100%;background:#fff}"
    "th,td{text-align:left;padding:.4rem .5rem;border-bottom:1px solid #dde1e6;"
    "vertical-align:top}th{background:#eef1f5;font-weight:600;white-space:nowrap}"
    ".late{color:#a4001d;font-weight:700}.tag{display:inline-block;padding:0 .4rem;"
    "border-radius:.3rem;background:#e4e9f2;font-size:.85rem;white-space:nowrap}"
    ".t-referral{background:#fde7c8}.t-notice{background:#d9ecff}.t-alert{background:#fbd5da}"
    ".t-task{background:#e2f0d9}ul.tasks{margin:.4rem 0 0;padding-left:1.1rem}"
    "ul.tasks li{margin:.15rem 0}a.who{white-space:nowrap}"
    "button{font:inherit;padding:.3rem .8rem;border:1px solid #1f3a5f;background:#1f3a5f;"
    "color:#fff;border-radius:.3rem;cursor:pointer}header button{background:transparent;"
    "border-color:#fff}form.inline{display:inline}.flash{background:#e3f4e1;border:1px solid "
    "#8cc084;padding:.5rem .8rem;border-radius:.3rem}.err{background:#fde2e2;border:1px solid "
    "#e08a8a;padding:.5rem .8rem;border-radius:.3rem}.muted{color:#5b6570}"
    "label{display:block;margin:.6rem 0 .2rem}input,select,textarea{font:inherit;padding:.3rem}"
    "textarea{width:100%;max-width:40rem;box-sizing:border-box}"
    ".login{max-width:22rem;margin:3rem auto;background:#fff;padding:1.5rem;"
    "border:1px solid #dde1e6;border-radius:.4rem}dl{display:grid;grid-template-columns:"
    "max-content 1fr;gap:.2rem 1rem;background:#fff;padding:.8rem;margin:0}dt{font-weight:600}"
    "dd{margin:0}td{overflow-wrap:break-word}"
    /* A phone (375 px): nothing wider than the screen; Saapuneet's rows become
     * cards with each cell's heading (data-l); other tables scroll in their box. */
    "@media (max-width:640px){main{padding:.6rem}h1{font-size:1.2rem}"
    "header{padding:.4rem .6rem}header .who{margin-left:0}"
    "input,select,textarea,button{max-width:100%;box-sizing:border-box}#plan-title{width:100%}"
    "dl{grid-template-columns:1fr;gap:0 1rem}dt{margin-top:.4rem}"
    "table.cards,table.cards tbody,table.cards tr,table.cards td{display:block}"
    "table.cards thead{display:none}table.cards tr{border-bottom:2px solid #c9d1db;"
    "padding:.3rem 0}table.cards td{border:0;padding:.1rem .5rem}"
    "table.cards td[data-l]::before{content:attr(data-l) \": \";font-weight:600;"
    "color:#5b6570}}";

const char *web_page_css(void)
{
    return s_css;
}

void web_page_begin(silta_buf_t *b, const char *title, const web_session_t *s)
{
    silta_buf_printf(b, "<!DOCTYPE html><html lang=\"%s\"><head><meta charset=\"utf-8\">"
                        "<meta name=\"viewport\" content=\"width=device-width,"
                        "initial-scale=1\"><title>",
                     web_lang_code(s ? s->lang : WEB_LANG_FI));
    web_esc(b, web_tr(s, title));
    silta_buf_printf(b, " · Silta</title><style>%s</style></head><body><header>"
                        "<a href=\"/inbox\">Silta · ",
                     s_css);
    web_esc(b, web_tr(s, "Saapuneet"));
    silta_buf_puts(b, "</a>");
    if (s && s->teamlead) {
        silta_buf_puts(b, "<a href=\"/report\">");
        web_esc(b, web_tr(s, "Raportti päättäjille"));
        silta_buf_puts(b, "</a>");
    }
    if (s) {
        silta_buf_puts(b, "<span class=\"who\">");
        web_esc(b, s->username);
        silta_buf_puts(b, " <span class=\"muted\" style=\"color:#c9d6ea\">(");
        web_esc(b, web_tr(s, "tiimi"));
        silta_buf_puts(b, " ");
        web_esc(b, s->team);
        silta_buf_printf(b, ")</span></span><form class=\"inline\" method=\"post\" "
                            "action=\"/logout\"><input type=\"hidden\" name=\"csrf\" "
                            "value=\"%s\"><button>",
                         s->csrf);
        web_esc(b, web_tr(s, "Kirjaudu ulos"));
        silta_buf_puts(b, "</button></form>");
    }
    silta_buf_puts(b, "</header><main>");
}

void web_page_end(silta_buf_t *b)
{
    silta_buf_puts(b, "</main></body></html>\n");
}

void web_page_login(silta_buf_t *b, const char *login_token, const char *error)
{
    web_page_begin(b, N_("Kirjaudu"), NULL);
    silta_buf_puts(b, "<form class=\"login\" method=\"post\" action=\"/login\"><h1>");
    web_esc(b, web_tr(NULL, "Kirjaudu sisään"));
    silta_buf_puts(b, "</h1>");
    if (error && *error) {
        silta_buf_puts(b, "<p class=\"err\" role=\"alert\">");
        web_esc(b, error);
        silta_buf_puts(b, "</p>");
    }
    /* Nobody is logged in yet: Finnish, the default language. */
    silta_buf_printf(b, "<input type=\"hidden\" name=\"csrf\" value=\"%s\">"
                        "<label for=\"username\">",
                     login_token);
    web_esc(b, web_tr(NULL, "Käyttäjätunnus"));
    silta_buf_puts(b, "</label><input id=\"username\" name=\"username\" "
                      "autocomplete=\"username\" required maxlength=\"40\">"
                      "<label for=\"password\">");
    web_esc(b, web_tr(NULL, "Salasana"));
    silta_buf_puts(b, "</label><input id=\"password\" name=\"password\" type=\"password\" "
                      "autocomplete=\"current-password\" required maxlength=\"200\">"
                      "<p><button type=\"submit\">");
    web_esc(b, web_tr(NULL, "Kirjaudu"));
    silta_buf_puts(b, "</button></p></form>");
    web_page_end(b);
}

void web_page_error(silta_buf_t *b, const web_session_t *s, const char *title, const char *text)
{
    web_page_begin(b, title, s);
    silta_buf_puts(b, "<h1>");
    web_esc(b, web_tr(s, title));
    silta_buf_puts(b, "</h1><p>");
    web_esc(b, web_tr(s, text));
    silta_buf_puts(b, "</p><p><a href=\"/inbox\">");
    web_esc(b, web_tr(s, "Takaisin saapuneisiin"));
    silta_buf_puts(b, "</a></p>");
    web_page_end(b);
}

void web_due_cell_labelled(silta_buf_t *b, const web_session_t *s, const char *due,
                           const char *today, const char *label)
{
    silta_buf_puts(b, "<td");
    if (label) {
        silta_buf_puts(b, " data-l=\"");
        web_esc(b, label);
        silta_buf_puts(b, "\"");
    }
    if (!due) {
        silta_buf_puts(b, " class=\"muted\">–</td>");
        return;
    }
    int y = 0, m = 0, day = 0;
    sscanf(due, "%d-%d-%d", &y, &m, &day);
    int late = strcmp(due, today) < 0;
    silta_buf_printf(b, "%s>%d.%d.%d", late ? " class=\"late\"" : "", day, m, y);
    if (late) {
        silta_buf_puts(b, " (");
        web_esc(b, web_tr(s, "myöhässä"));
        silta_buf_puts(b, ")");
    }
    silta_buf_puts(b, "</td>");
}

void web_due_cell(silta_buf_t *b, const web_session_t *s, const char *due, const char *today)
{
    web_due_cell_labelled(b, s, due, today, NULL);
}

void web_responsible(silta_buf_t *b, const web_session_t *s, const char *who)
{
    if (strncmp(who, "team:", 5) == 0) {
        web_esc(b, web_tr(s, "Tiimi"));
        silta_buf_puts(b, " ");
        web_esc(b, who + 5);
    } else {
        web_esc(b, web_label(s, who));
    }
}

void web_date(silta_buf_t *b, const char *d)
{
    int y = 0, m = 0, day = 0;
    if (sscanf(d, "%d-%d-%d", &y, &m, &day) == 3)
        silta_buf_printf(b, "%d.%d.%d", day, m, y);
}

/* The texts of Saapuneet (msgids for the catalogue; web_tr() where shown). */
static const struct {
    const char *find_label, *find_button, *find_hint, *not_found, *no_hetu;
    const char *task_alert, *task_plan, *task_due;
    const char *col_due, *col_type, *col_reason, *col_received, *col_client, *col_worker;
} s_inbox_text = {
    .col_due = N_("Määräaika"),
    .col_type = N_("Tyyppi"),
    .col_reason = N_("Syy"),
    .col_received = N_("Saapunut"),
    .col_client = N_("Asiakas"),
    .col_worker = N_("Vastuu"),
    .task_alert = N_("Hälytys"),
    .task_plan = N_("Tehtävä"),
    .task_due = N_("määräaika"),
    .find_label = N_("Hae asiakas henkilötunnuksella"),
    .find_button = N_("Hae"),
    .find_hint = N_("Koko henkilötunnus; se ei näy osoitteessa eikä lokeissa."),
    .not_found = N_("Asiakasta ei löytynyt sinun tai tiimisi asiakkaista."),
    .no_hetu = N_("(hetu ei saatavilla)"),
};

/* The search form: the hetu goes in the POST body, never in a URL. */
static void s_find_form(silta_buf_t *b, const web_session_t *s, const char *find)
{
    if (strcmp(find, "ei_loytynyt") == 0) {
        silta_buf_puts(b, "<p class=\"err\" role=\"status\" id=\"find-result\">");
        web_esc(b, web_tr(s, s_inbox_text.not_found));
        silta_buf_puts(b, "</p>");
    }
    silta_buf_printf(b, "<form id=\"find\" class=\"find\" method=\"post\" action=\"/find\">"
                        "<input type=\"hidden\" name=\"csrf\" value=\"%s\"><label "
                        "for=\"find-hetu\">",
                     s->csrf);
    web_esc(b, web_tr(s, s_inbox_text.find_label));
    silta_buf_puts(b, "</label><input id=\"find-hetu\" name=\"hetu\" autocomplete=\"off\" "
                      "spellcheck=\"false\" maxlength=\"20\" size=\"13\" required "
                      "aria-describedby=\"find-hint\"> <button type=\"submit\">");
    web_esc(b, web_tr(s, s_inbox_text.find_button));
    silta_buf_puts(b, "</button> <span id=\"find-hint\" class=\"muted\">");
    web_esc(b, web_tr(s, s_inbox_text.find_hint));
    silta_buf_puts(b, "</span></form>");
}

/* What a notice caused, under its row: the alerts (rule and deadline; the
 * explanation is on the client page) and its other plan items (title). */
static void s_tasks(silta_buf_t *b, const web_session_t *s, const read_inbox_item_t *sub,
                    size_t nsub, const char *today)
{
    silta_buf_puts(b, "<ul class=\"tasks\">");
    for (size_t j = 0; j < nsub; j++) {
        const read_inbox_item_t *t = &sub[j];
        int alert = strcmp(t->kind, "alert") == 0;
        silta_buf_printf(b, "<li class=\"task-%s\"><span class=\"tag t-%s\">",
                         alert ? "alert" : "plan", alert ? "alert" : "task");
        web_esc(b, web_tr(s, alert ? s_inbox_text.task_alert : s_inbox_text.task_plan));
        silta_buf_puts(b, "</span> ");
        if (alert)
            web_esc(b, web_label(s, t->label));
        else
            web_plan_title(b, s, t->object, t->label);
        if (t->due) {
            int late = strcmp(t->due, today) < 0;
            silta_buf_printf(b, " <span class=\"%s\">", late ? "late" : "muted");
            web_esc(b, web_tr(s, s_inbox_text.task_due));
            silta_buf_puts(b, " ");
            web_date(b, t->due);
            silta_buf_puts(b, "</span>");
        }
        silta_buf_puts(b, "</li>");
    }
    silta_buf_puts(b, "</ul>");
}

void web_page_inbox(const read_inbox_t *items, const web_session_t *s, const char *today,
                    const char *find, silta_buf_t *b)
{
    web_page_begin(b, "Saapuneet", s);
    silta_buf_puts(b, "<h1>");
    web_esc(b, web_tr(s, "Saapuneet"));
    silta_buf_puts(b, "</h1>");
    s_find_form(b, s, find);
    size_t n = items->n, nrows = 0;
    for (size_t i = 0; i < n; i++)
        nrows += !items->items[i].sub;
    silta_buf_printf(b, "<p class=\"muted\">%zu ", nrows);
    web_esc(b, web_tr(s, "avointa asiaa asiakkailla, joihin sinulla tai tiimilläsi on vastuu, "
                         "ja tiimin jonossa olevat. Kiireellisin ensin."));
    silta_buf_puts(b, "</p>");
    if (n == 0) {
        silta_buf_puts(b, "<p>");
        web_esc(b, web_tr(s, "Ei avoimia asioita."));
        silta_buf_puts(b, "</p>");
        web_page_end(b);
        return;
    }
    const char *cols[] = {s_inbox_text.col_due,      s_inbox_text.col_type,
                          s_inbox_text.col_reason,   s_inbox_text.col_received,
                          s_inbox_text.col_client,   s_inbox_text.col_worker};
    silta_buf_puts(b, "<div class=\"tbl\"><table id=\"inbox\" class=\"cards\"><thead><tr>");
    for (size_t c = 0; c < sizeof cols / sizeof cols[0]; c++) {
        silta_buf_puts(b, "<th>");
        web_esc(b, web_tr(s, cols[c]));
        silta_buf_puts(b, "</th>");
    }
    silta_buf_puts(b, "</tr></thead><tbody>");
    for (size_t i = 0; i < n; i++) {
        const read_inbox_item_t *it = &items->items[i];
        const char *kind = it->kind, *ck = it->client_key;
        const char *label = it->label, *detail = it->detail;
        /* A notice's row: its alerts and tasks follow it (sub); the row's
         * deadline is the group's earliest. */
        size_t nsub = 0;
        const char *due = it->due;
        while (i + 1 + nsub < n && items->items[i + 1 + nsub].sub) {
            const char *d = items->items[i + 1 + nsub].due;
            if (d && (!due || strcmp(d, due) < 0))
                due = d;
            nsub++;
        }
        silta_buf_printf(b, "<tr class=\"item-%s\" data-client=\"", kind);
        web_esc(b, ck);
        silta_buf_puts(b, "\">");
        web_due_cell_labelled(b, s, due, today, web_tr(s, s_inbox_text.col_due));
        if (strcmp(kind, "referral") == 0) {
            silta_buf_puts(b, "<td><span class=\"tag t-referral\">");
            web_esc(b, web_tr(s, "Ohjaus"));
            silta_buf_puts(b, "</span></td><td>");
            web_esc(b, web_tr(s, "Terveydenhuollon ohjaus sosiaalihuoltoon (SHL 35 §)"));
            silta_buf_puts(b, ", ");
            web_esc(b, web_label(s, label));
            if (*detail) {
                silta_buf_puts(b, "; ");
                web_esc(b, web_tr(s, "lähettäjä"));
                silta_buf_puts(b, " ");
                web_requester(b, s, detail);
            }
            silta_buf_puts(b, " <span class=\"muted\">");
            web_esc(b, it->object);
            silta_buf_puts(b, "</span>");
        } else if (strcmp(kind, "notice") == 0) {
            silta_buf_puts(b, "<td><span class=\"tag t-notice\">");
            web_esc(b, web_tr(s, "Kelan ilmoitus"));
            silta_buf_puts(b, "</span></td><td>");
            web_esc(b, web_label(s, label));
            if (*detail) {
                silta_buf_puts(b, " <span class=\"muted\">");
                web_esc(b, detail);
                silta_buf_puts(b, "</span>");
            }
        } else {
            silta_buf_puts(b, "<td><span class=\"tag t-alert\">");
            web_esc(b, web_tr(s, "Hälytys"));
            silta_buf_puts(b, "</span></td><td><b>");
            web_esc(b, web_label(s, label));
            silta_buf_puts(b, "</b><br>");
            web_explanation(b, s, label, it->text_id, it->text_args);
        }
        if (nsub)
            s_tasks(b, s, &items->items[i + 1], nsub, today);
        silta_buf_puts(b, "</td><td data-l=\"");
        web_esc(b, web_tr(s, s_inbox_text.col_received));
        silta_buf_puts(b, "\">");
        web_date(b, it->received);
        /* Whose matter: the masked hetu (the client_key is only in the URL). */
        silta_buf_puts(b, "</td><td data-l=\"");
        web_esc(b, web_tr(s, s_inbox_text.col_client));
        silta_buf_puts(b, "\"><a class=\"who\" href=\"/client/");
        web_esc(b, ck);
        silta_buf_puts(b, "\">");
        web_esc(b, it->hetu_masked[0] ? it->hetu_masked : s_inbox_text.no_hetu);
        silta_buf_puts(b, "</a></td><td data-l=\"");
        web_esc(b, web_tr(s, s_inbox_text.col_worker));
        silta_buf_puts(b, "\">");
        const char *w = it->worker;
        if (*w)
            web_esc(b, w);
        else
        {
            silta_buf_puts(b, "<span class=\"muted\">");
            web_esc(b, web_tr(s, "tiimin jono"));
            silta_buf_puts(b, "</span>");
        }
        silta_buf_puts(b, "</td></tr>");
        i += nsub;
    }
    silta_buf_puts(b, "</tbody></table></div>");
    web_page_end(b);
}
