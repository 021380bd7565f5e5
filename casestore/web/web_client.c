/*  web_client.c - the client page (Asiakas) of the caseworker inbox: the
 *  masked hetu and responsible worker, open alerts, referrals and Kela
 *  notices with their actions, the coordinated plan (add an item, complete a
 *  hand-made one), and one timeline of
 *  every agency's events. The caller (web_routes.c) has checked access and
 *  logged the view. Every form carries the session's CSRF token.
 */
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "../store/cs_store.h"
#include "silta_db.h"
#include "silta_hetu.h"
#include "web_pages.h"

static PGresult *s_rows(PGconn *db, const char *sql, const char *ck)
{
    const char *p[1] = {ck};
    return silta_db_query(db, sql, 1, p, NULL);
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

/* Header: masked hetu, responsible worker, the assign form. */
static int s_head(PGconn *db, cs_store_t *store, const web_session_t *s, const char *ck,
                  silta_buf_t *b)
{
    PGresult *r = s_rows(db,
                         "SELECT coalesce(c.responsible_worker, ''), coalesce(w.team, ''), "
                         "(SELECT value FROM casestore.rule_param WHERE key = 'TEAM_QUEUE') "
                         "FROM casestore.client c LEFT JOIN casestore.caseworker w ON "
                         "w.worker_id = c.responsible_worker WHERE c.client_key = $1",
                         ck);
    if (!r)
        return -1;
    if (PQntuples(r) != 1) {
        PQclear(r);
        return 1;
    }
    char hetu[SILTA_HETU_LEN + 1] = "", masked[16] = "(ei saatavilla)";
    silta_err_t err;
    if (cs_store_hetu(store, ck, hetu, &err) == 0 && strlen(hetu) == SILTA_HETU_LEN)
        snprintf(masked, sizeof masked, "%.7s****", hetu);
    sodium_memzero(hetu, sizeof hetu);
    char worker[64];
    snprintf(worker, sizeof worker, "%s", PQgetvalue(r, 0, 0));
    silta_buf_puts(b, "<h1>Asiakas <span class=\"muted\">");
    web_esc(b, ck);
    silta_buf_puts(b, "</span></h1><dl><dt>Henkilötunnus</dt><dd id=\"hetu\">");
    web_esc(b, masked);
    silta_buf_puts(b, "</dd><dt>Vastuutyöntekijä</dt><dd id=\"worker\">");
    if (*worker) {
        web_esc(b, worker);
        silta_buf_puts(b, " <span class=\"muted\">(tiimi ");
        web_esc(b, PQgetvalue(r, 0, 1));
        silta_buf_puts(b, ")</span>");
    } else {
        silta_buf_puts(b, "ei nimetty: tiimin jono ");
        web_esc(b, PQgetvalue(r, 0, 2));
    }
    PQclear(r);
    silta_buf_puts(b, "</dd><dt>Vaihda vastuu</dt><dd>");
    const char *p[1] = {s->team};
    r = silta_db_query(db,
                       "SELECT username FROM casestore.inbox_user WHERE team = $1 AND active "
                       "ORDER BY username",
                       1, p, NULL);
    if (!r)
        return -1;
    s_form_open(b, s, ck, "assign");
    silta_buf_puts(b, "<label for=\"assign-worker\" style=\"display:inline\">Työntekijä</label> "
                      "<select id=\"assign-worker\" name=\"worker\">");
    for (int i = 0; i < PQntuples(r); i++) {
        const char *u = PQgetvalue(r, i, 0);
        silta_buf_puts(b, "<option");
        if (strcmp(u, worker) == 0)
            silta_buf_puts(b, " selected");
        silta_buf_puts(b, ">");
        web_esc(b, u);
        silta_buf_puts(b, "</option>");
    }
    silta_buf_puts(b, "</select> <button>Vaihda</button></form></dd></dl>");
    PQclear(r);
    return 0;
}

static int s_alerts(PGconn *db, const char *ck, const char *today, silta_buf_t *b)
{
    PGresult *r = s_rows(db,
                         "SELECT rule, severity, due_date::text, explanation, "
                         "responsible_agency FROM casestore.alert WHERE client_key = $1 AND "
                         "status = 'open' ORDER BY due_date NULLS LAST, id",
                         ck);
    if (!r)
        return -1;
    silta_buf_printf(b, "<h2>Avoimet hälytykset (%d)</h2>", PQntuples(r));
    if (PQntuples(r) > 0) {
        silta_buf_puts(b, "<div class=\"tbl\"><table id=\"alerts\"><thead><tr><th>Määräaika"
                          "</th><th>Hälytys</th><th>Selitys</th><th>Vastuutaho</th></tr>"
                          "</thead><tbody>");
        for (int i = 0; i < PQntuples(r); i++) {
            silta_buf_puts(b, "<tr>");
            web_due_cell(b, r, i, 2, today);
            silta_buf_puts(b, "<td><b>");
            web_esc(b, web_fi(PQgetvalue(r, i, 0)));
            silta_buf_puts(b, "</b> <span class=\"tag\">");
            web_esc(b, PQgetvalue(r, i, 1));
            silta_buf_puts(b, "</span></td><td>");
            web_esc(b, PQgetvalue(r, i, 3));
            silta_buf_puts(b, "</td><td>");
            web_esc(b, web_fi(PQgetvalue(r, i, 4)));
            silta_buf_puts(b, "</td></tr>");
        }
        silta_buf_puts(b, "</tbody></table></div>");
    }
    PQclear(r);
    return 0;
}

static int s_referrals(PGconn *db, const web_session_t *s, const char *ck, silta_buf_t *b)
{
    PGresult *r = s_rows(db,
                         "SELECT referral_id, priority, coalesce(requester_org, ''), "
                         "authored::text, status, acknowledged IS NULL FROM casestore.referral "
                         "WHERE client_key = $1 ORDER BY authored DESC, referral_id",
                         ck);
    if (!r)
        return -1;
    if (PQntuples(r) > 0) {
        silta_buf_puts(b, "<h2>Terveydenhuollon ohjaukset</h2><div class=\"tbl\"><table "
                          "id=\"referrals\"><thead><tr><th>Ohjaus</th><th>Kiireellisyys</th>"
                          "<th>Lähettäjä</th><th>Laadittu</th><th>Tila</th><th></th></tr>"
                          "</thead><tbody>");
        for (int i = 0; i < PQntuples(r); i++) {
            const char *id = PQgetvalue(r, i, 0);
            silta_buf_puts(b, "<tr><td>");
            web_esc(b, id);
            silta_buf_puts(b, "</td><td>");
            web_esc(b, web_fi(PQgetvalue(r, i, 1)));
            silta_buf_puts(b, "</td><td>");
            web_esc(b, PQgetvalue(r, i, 2));
            silta_buf_puts(b, "</td><td>");
            web_date(b, PQgetvalue(r, i, 3));
            silta_buf_puts(b, "</td><td>");
            web_esc(b, web_fi(PQgetvalue(r, i, 4)));
            silta_buf_puts(b, "</td><td>");
            if (strcmp(PQgetvalue(r, i, 5), "t") == 0) {
                s_form_open(b, s, ck, "ack");
                s_hidden(b, "referral_id", id);
                silta_buf_puts(b, "<button name=\"do\" value=\"ack\">Kuittaa</button></form>");
            }
            silta_buf_puts(b, "</td></tr>");
        }
        silta_buf_puts(b, "</tbody></table></div>");
    }
    PQclear(r);
    return 0;
}

static int s_notices(PGconn *db, const web_session_t *s, const char *ck, silta_buf_t *b)
{
    PGresult *r = s_rows(db,
                         "SELECT event_id::text, kind, coalesce(kela_reference, ''), "
                         "notice_date::text, coalesce(handled_date::text, ''), "
                         "coalesce(handled_by, '') FROM casestore.notice WHERE client_key = $1 "
                         "ORDER BY notice_date DESC, event_id",
                         ck);
    if (!r)
        return -1;
    if (PQntuples(r) > 0) {
        silta_buf_puts(b, "<h2>Kelan ilmoitukset</h2><div class=\"tbl\"><table id=\"notices\">"
                          "<thead><tr><th>Ilmoitus</th><th>Viite</th><th>Päivä</th>"
                          "<th>Käsitelty</th><th></th></tr></thead><tbody>");
        for (int i = 0; i < PQntuples(r); i++) {
            silta_buf_puts(b, "<tr><td>");
            web_esc(b, web_fi(PQgetvalue(r, i, 1)));
            silta_buf_puts(b, "</td><td>");
            web_esc(b, PQgetvalue(r, i, 2));
            silta_buf_puts(b, "</td><td>");
            web_date(b, PQgetvalue(r, i, 3));
            silta_buf_puts(b, "</td><td>");
            const char *handled = PQgetvalue(r, i, 4);
            if (*handled) {
                web_date(b, handled);
                silta_buf_puts(b, " ");
                web_esc(b, PQgetvalue(r, i, 5));
                silta_buf_puts(b, "</td><td>");
            } else {
                silta_buf_puts(b, "ei</td><td>");
                s_form_open(b, s, ck, "handled");
                s_hidden(b, "notice", PQgetvalue(r, i, 0));
                silta_buf_puts(b, "<button>Merkitse käsitellyksi</button></form>");
            }
            silta_buf_puts(b, "</td></tr>");
        }
        silta_buf_puts(b, "</tbody></table></div>");
    }
    PQclear(r);
    return 0;
}

/* The add form: title, due date, owner agency (a fixed list), responsible
 * (me or my team). The server checks every field again (web_action_plan_add). */
static void s_plan_form(silta_buf_t *b, const web_session_t *s, const char *ck,
                        const char *today)
{
    static const char *const owners[] = {"social", "kela", "employment", "health"};
    silta_buf_puts(b, "<h3>Lisää kohta</h3><form id=\"plan-add\" method=\"post\" "
                      "action=\"/client/");
    web_esc(b, ck);
    silta_buf_printf(b, "/plan\"><input type=\"hidden\" name=\"csrf\" value=\"%s\">"
                        "<label for=\"plan-title\">Otsikko</label><input id=\"plan-title\" "
                        "name=\"title\" maxlength=\"120\" size=\"50\" required>"
                        "<label for=\"plan-due\">Määräaika</label><input id=\"plan-due\" "
                        "name=\"due\" type=\"date\" min=\"%s\" required>"
                        "<label for=\"plan-owner\">Vastuutaho</label><select id=\"plan-owner\" "
                        "name=\"owner\">",
                     s->csrf, today);
    for (size_t i = 0; i < sizeof owners / sizeof owners[0]; i++)
        silta_buf_printf(b, "<option value=\"%s\">%s</option>", owners[i], web_fi(owners[i]));
    silta_buf_puts(b, "</select><label for=\"plan-who\">Vastuuhenkilö</label><select "
                      "id=\"plan-who\" name=\"who\"><option value=\"me\">Minä (");
    web_esc(b, s->username);
    silta_buf_puts(b, ")</option><option value=\"team\">Tiimi (");
    web_esc(b, s->team);
    silta_buf_puts(b, ")</option></select><p><button>Lisää kohta</button></p></form>");
}

static int s_plan(PGconn *db, const web_session_t *s, const char *ck, const char *today,
                  silta_buf_t *b)
{
    PGresult *r = s_rows(db,
                         "SELECT title, owner_agency, responsible, due_date::text, status, "
                         "item_id FROM casestore.plan_current WHERE client_key = $1 ORDER BY "
                         "status <> 'open', due_date NULLS LAST, item_id",
                         ck);
    if (!r)
        return -1;
    silta_buf_puts(b, "<h2>Yhteinen suunnitelma</h2>");
    if (PQntuples(r) == 0) {
        silta_buf_puts(b, "<p class=\"muted\">Ei suunnitelman kohtia.</p>");
    } else {
        silta_buf_puts(b, "<div class=\"tbl\"><table id=\"plan\"><thead><tr><th>Määräaika"
                          "</th><th>Kohta</th><th>Taho</th><th>Vastuu</th><th>Tila</th>"
                          "<th></th></tr></thead><tbody>");
        for (int i = 0; i < PQntuples(r); i++) {
            int open = strcmp(PQgetvalue(r, i, 4), "open") == 0;
            const char *id = PQgetvalue(r, i, 5);
            silta_buf_puts(b, "<tr>");
            if (open)
                web_due_cell(b, r, i, 3, today);
            else {
                silta_buf_puts(b, "<td class=\"muted\">");
                web_date(b, PQgetvalue(r, i, 3));
                silta_buf_puts(b, "</td>");
            }
            silta_buf_puts(b, "<td>");
            web_esc(b, PQgetvalue(r, i, 0));
            silta_buf_puts(b, "</td><td>");
            web_esc(b, web_fi(PQgetvalue(r, i, 1)));
            silta_buf_puts(b, "</td><td>");
            web_esc(b, PQgetvalue(r, i, 2));
            silta_buf_puts(b, "</td><td>");
            web_esc(b, web_fi(PQgetvalue(r, i, 4)));
            silta_buf_puts(b, "</td><td>");
            /* Only hand-made items: the others are completed by their events. */
            if (open && strncmp(id, "manual:", 7) == 0) {
                s_form_open(b, s, ck, "plan_done");
                s_hidden(b, "item", id);
                silta_buf_puts(b, "<button>Merkitse valmiiksi</button></form>");
            }
            silta_buf_puts(b, "</td></tr>");
        }
        silta_buf_puts(b, "</tbody></table></div>");
    }
    PQclear(r);
    s_plan_form(b, s, ck, today);
    return 0;
}

static const char *s_agency(const char *type)
{
    if (strncmp(type, "kela.", 5) == 0)
        return "Kela";
    if (strncmp(type, "employment.", 11) == 0)
        return "TE-palvelut";
    if (strncmp(type, "health.", 7) == 0)
        return "Terveydenhuolto";
    if (strncmp(type, "social.", 7) == 0)
        return "Sosiaalityö";
    return "Silta";
}

static int s_timeline(PGconn *db, const char *ck, silta_buf_t *b)
{
    PGresult *r = s_rows(db,
                         "SELECT to_char(coalesce(occurred_at, applied_at), 'FMDD.FMMM.YYYY "
                         "HH24:MI'), type, summary FROM casestore.inbox WHERE client_key = $1 "
                         "ORDER BY coalesce(occurred_at, applied_at) DESC, applied_at DESC "
                         "LIMIT 200",
                         ck);
    if (!r)
        return -1;
    silta_buf_puts(b, "<h2>Aikajana (kaikki tahot)</h2><div class=\"tbl\"><table "
                      "id=\"timeline\"><thead><tr><th>Aika</th><th>Taho</th><th>Tapahtuma</th>"
                      "</tr></thead><tbody>");
    for (int i = 0; i < PQntuples(r); i++) {
        silta_buf_puts(b, "<tr><td>");
        web_esc(b, PQgetvalue(r, i, 0));
        silta_buf_printf(b, "</td><td>%s</td><td>", s_agency(PQgetvalue(r, i, 1)));
        web_esc(b, PQgetvalue(r, i, 2));
        silta_buf_puts(b, "</td></tr>");
    }
    silta_buf_puts(b, "</tbody></table></div>");
    PQclear(r);
    return 0;
}

int web_page_client(PGconn *db, cs_store_t *store, const web_session_t *s, const char *ck,
                    const char *today, const char *flash, silta_buf_t *b)
{
    silta_buf_t body;
    silta_buf_init(&body);
    int rc = s_head(db, store, s, ck, &body);
    if (rc == 0)
        rc = s_alerts(db, ck, today, &body);
    if (rc == 0)
        rc = s_referrals(db, s, ck, &body);
    if (rc == 0)
        rc = s_notices(db, s, ck, &body);
    if (rc == 0)
        rc = s_plan(db, s, ck, today, &body);
    if (rc == 0)
        rc = s_timeline(db, ck, &body);
    if (rc == 0) {
        web_page_begin(b, "Asiakas", s);
        const char *msg = flash && *flash ? web_flash(flash) : NULL;
        if (msg) {
            silta_buf_puts(b, "<p class=\"flash\" role=\"status\">");
            web_esc(b, msg);
            silta_buf_puts(b, "</p>");
        }
        silta_buf_append(b, body.data ? body.data : "", body.len);
        web_page_end(b);
    }
    silta_buf_free(&body);
    return rc;
}
