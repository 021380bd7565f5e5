/*  web_routes.c - the inbox's URL table and the checks every request passes.
 *
 *      GET  /login                     login form (+ double-submit cookie)
 *      POST /login                     check password -> session cookie -> /inbox
 *      POST /logout                    CSRF -> end the session
 *      GET  /  /inbox                  Saapuneet
 *      POST /find                      hetu -> the client page, or "ei löytynyt" (CSRF, logged)
 *      GET  /client/<client_key>       Asiakas                        (access, logged)
 *      POST /client/<client_key>/ack       referral_id -> accepted    (CSRF, access, logged)
 *      POST /client/<client_key>/assess    referral_id or notice -> social.assessment.v1
 *                                          started (same)
 *      POST /client/<client_key>/close     alert outcome [date] [note] -> the alert closed
 *                                          with what the caseworker did (same checks)
 *      POST /client/<client_key>/handled   notice      -> handled     (CSRF, access, logged)
 *      POST /client/<client_key>/statement notice text -> social.statement.v1 to Kela (same)
 *      POST /client/<client_key>/assign    worker      -> responsible (CSRF, access, logged)
 *      POST /client/<client_key>/plan      title due owner who -> a plan item (same checks)
 *      POST /client/<client_key>/plan_done item        -> the item done    (same checks)
 *      GET  /report[?since=YYYY-MM]    the report for decision-makers: team leads only
 *                                      (inbox_user.role, 012; 403 otherwise; logged)
 *      POST /client/<client_key>/assess_done, /cplan, /cplan_review -> the service-need
 *                                          assessment completed, the client plan and its
 *                                          review (web_plan.h; same checks)
 *      POST /client/<client_key>/client_code  -> a one-time sign-in code for the client's
 *                                          own page, shown once (same checks)
 *
 *  Order of checks on a POST: body size (413, by silta_http before anything
 *  here runs: web_server.c) -> session (403) -> CSRF token
 *  (403) -> access to the client (403) -> form fields (400) -> the action.
 *  A refused request changes nothing but the access log. A successful POST
 *  answers 303 (post/redirect/get). A page is read (read/) and then
 *  rendered (web_pages.c, web_client.c): the routes hold the two together.
 *
 *  Not here: SQL (read/, store/), HTML (web_pages.c, web_client.c).
 */
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "../client/client_idp.h"
#include "../client/client_pages.h"
#include "../cs_metrics.h"
#include "../cs_tools.h"
#include "../read/read_checks.h"
#include "../read/read_client.h"
#include "../read/read_inbox.h"
#include "../read/read_report.h"
#include "silta_env.h"
#include "silta_hetu.h"
#include "silta_log.h"
#include "silta_redact.h"
#include "silta_time.h"
#include "web.h"
#include "web_actions.h"
#include "web_auth.h"
#include "web_pages.h"
#include "web_report.h"
#include "web_plan.h"
#include "web_throttle.h"

static void s_error(web_resp_t *resp, const web_session_t *s, int status, const char *title,
                    const char *text)
{
    resp->status = status;
    silta_buf_reset(&resp->body);
    web_page_error(&resp->body, s, title, text);
}

static void s_redirect(web_resp_t *resp, const char *to)
{
    resp->status = 303;
    snprintf(resp->location, sizeof resp->location, "%s", to);
    silta_buf_puts(&resp->body, "<!DOCTYPE html><title>303</title>");
}

/* client_key as made by silta_clientkey: "ck_" + 32 lowercase hex. */
static int s_client_key_ok(const char *s, size_t len)
{
    if (len != 35 || strncmp(s, "ck_", 3) != 0)
        return 0;
    for (size_t i = 3; i < len; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return 0;
    return 1;
}

/* ---------------------------------------------------------------- login */

static void s_login_form(const web_ctx_t *ctx, web_resp_t *resp, int status, const char *error)
{
    char tok[WEB_TOKEN_HEX + 1];
    web_auth_token(tok, 32);
    snprintf(resp->cookie[0], sizeof resp->cookie[0],
             WEB_LOGIN_COOKIE "=%s; HttpOnly; SameSite=Strict; Path=/login; Max-Age=1800%s", tok,
             ctx->cookie_secure ? "; Secure" : "");
    resp->status = status;
    web_page_login(&resp->body, tok, error);
}

static void s_login(web_ctx_t *ctx, const web_req_t *req, web_resp_t *resp)
{
    char given[WEB_TOKEN_HEX + 2], user[64], pw[256];
    if (web_form_get(req->body, "csrf", given, sizeof given) != 0 || !req->login_cookie ||
        strlen(req->login_cookie) != WEB_TOKEN_HEX || strlen(given) != WEB_TOKEN_HEX ||
        sodium_memcmp(given, req->login_cookie, WEB_TOKEN_HEX) != 0) {
        web_auth_log(ctx->db, NULL, "login", NULL, NULL, "refused");
        return s_error(resp, NULL, 403, N_("Kielletty"),
                       N_("Lomakkeen tarkiste puuttui tai oli väärä. Avaa kirjautumissivu "
                          "uudelleen."));
    }
    if (web_form_get(req->body, "username", user, sizeof user) != 0 ||
        web_form_get(req->body, "password", pw, sizeof pw) != 0 || !user[0] || !pw[0]) {
        sodium_memzero(pw, sizeof pw);
        return s_login_form(ctx, resp, 400, N_("Anna käyttäjätunnus ja salasana."));
    }
    /* The name as typed goes to the access log; anything that is not an
     * account name (a hetu typed in the wrong field, say) is logged as such. */
    char who[48];
    snprintf(who, sizeof who, "%.40s", user);
    if (strspn(who, "abcdefghijklmnopqrstuvwxyz0123456789._-") != strlen(who) || strlen(who) < 2 ||
        silta_redact_has_hetu(who))
        snprintf(who, sizeof who, "(not an account name)");
    int64_t now = silta_mono_ms();
    int wait = web_throttle_wait(user, req->addr, now);
    if (wait > 0) {
        sodium_memzero(pw, sizeof pw);
        silta_warn("inbox login throttled", "username=%s wait_s=%d", who, wait);
        web_auth_log(ctx->db, who, "login", NULL, "throttled", "refused");
        silta_metrics_add(ctx->metrics, CS_METRICS_LOGINS, "throttled", 1);
        char msg[256];
        snprintf(msg, sizeof msg, "%s %d s.",
                 web_tr(NULL, N_("Liian monta epäonnistunutta kirjautumista. Seuraava yritys "
                                 "onnistuu aikaisintaan")),
                 wait);
        return s_login_form(ctx, resp, 429, msg);
    }
    web_session_t s;
    silta_err_t err;
    int rc = web_auth_login(ctx->db, user, pw, &s, &err);
    sodium_memzero(pw, sizeof pw);
    if (rc == 0 || rc == SILTA_EINVAL)
        web_throttle_record(user, req->addr, rc == 0, now);
    if (rc == SILTA_EINVAL) {
        silta_warn("inbox login failed", "username=%s reason=\"wrong username or password\"", who);
        web_auth_log(ctx->db, who, "login", NULL, NULL, "failed");
        silta_metrics_add(ctx->metrics, CS_METRICS_LOGINS, "failed", 1);
        return s_login_form(ctx, resp, 401, N_("Väärä käyttäjätunnus tai salasana."));
    }
    if (rc != 0) {
        silta_warn("inbox login error", "reason=\"%s\"", err.msg);
        return s_error(resp, NULL, 503, N_("Palvelu ei vastaa"),
                       N_("Yritä hetken kuluttua uudelleen."));
    }
    silta_info("inbox login", "username=%s", s.username);
    web_auth_log(ctx->db, s.username, "login", NULL, NULL, "ok");
    silta_metrics_add(ctx->metrics, CS_METRICS_LOGINS, "ok", 1);
    snprintf(resp->cookie[0], sizeof resp->cookie[0],
             WEB_SESSION_COOKIE "=%s; HttpOnly; SameSite=Strict; Path=/%s", s.token,
             ctx->cookie_secure ? "; Secure" : "");
    snprintf(resp->cookie[1], sizeof resp->cookie[1],
             WEB_LOGIN_COOKIE "=; HttpOnly; SameSite=Strict; Path=/login; Max-Age=0%s",
             ctx->cookie_secure ? "; Secure" : "");
    sodium_memzero(&s, sizeof s);
    s_redirect(resp, "/inbox");
}

/* ---------------------------------------------------------------- actions */

static void s_action(web_ctx_t *ctx, const web_session_t *s, const web_req_t *req,
                     const char *ck, const char *verb, web_resp_t *resp)
{
    char a[128] = "", url[256];
    silta_err_t err = {0};
    int rc;
    const char *action, *ok;
    if (strcmp(verb, "ack") == 0) {
        action = "ack_referral";
        ok = "kuitattu";
        rc = web_form_get(req->body, "referral_id", a, sizeof a) == 0
                 ? web_action_ack_referral(ctx, s, ck, a, &err)
                 : silta_err_set(&err, SILTA_EINVAL, N_("ohjauksen tunniste puuttuu"));
    } else if (strcmp(verb, "assess") == 0) {
        action = "start_assessment";
        ok = "arviointi";
        rc = web_form_get(req->body, "referral_id", a, sizeof a) == 0
                 ? web_action_start_assessment(ctx, s, ck, a, &err)
             : web_form_get(req->body, "notice", a, sizeof a) == 0
                 ? web_action_start_notice_assessment(ctx, s, ck, a, &err)
                 : silta_err_set(&err, SILTA_EINVAL, N_("ohjauksen tunniste puuttuu"));
    } else if (strcmp(verb, "close") == 0) {
        char outcome[48] = "", date[16] = "", note[1200] = "";
        action = "close_alert";
        ok = "suljettu";
        /* a: the alert id; the outcome is a code; the note is free text: never logged */
        if (web_form_get(req->body, "alert", a, sizeof a) != 0)
            rc = silta_err_set(&err, SILTA_EINVAL, N_("hälytyksen tunniste puuttuu"));
        else if (web_form_get(req->body, "outcome", outcome, sizeof outcome) != 0 || !outcome[0])
            rc = silta_err_set(&err, SILTA_EINVAL,
                               N_("tulos puuttuu tai ei sovi tähän hälytykseen: valitse tulos "
                                  "luettelosta"));
        else if (web_form_get(req->body, "date", date, sizeof date) == -2)
            rc = silta_err_set(&err, SILTA_EINVAL, N_("päivä ei ole päivämäärä (VVVV-KK-PP)"));
        else if (web_form_get(req->body, "note", note, sizeof note) == -2)
            rc = silta_err_set(&err, SILTA_EINVAL,
                               N_("muistiinpano on virheellinen (enintään 1000 merkkiä)"));
        else
            rc = web_action_alert_close(ctx, s, ck, a, outcome, date, note, &err);
        sodium_memzero(note, sizeof note);
    } else if (strcmp(verb, "handled") == 0) {
        action = "notice_handled";
        ok = "kasitelty";
        rc = web_form_get(req->body, "notice", a, sizeof a) == 0
                 ? web_action_notice_handled(ctx, s, ck, a, &err)
                 : silta_err_set(&err, SILTA_EINVAL, N_("ilmoituksen tunniste puuttuu"));
    } else if (strcmp(verb, "statement") == 0) {
        char text[4097];
        action = "statement";
        ok = "lausunto";
        /* a: the notice's event_id (the text is free text: never in the log) */
        rc = web_form_get(req->body, "notice", a, sizeof a) != 0
                 ? silta_err_set(&err, SILTA_EINVAL, N_("ilmoituksen tunniste puuttuu"))
             : web_form_get(req->body, "text", text, sizeof text) != 0
                 ? silta_err_set(&err, SILTA_EINVAL,
                                 N_("lausunto puuttuu tai on liian pitkä (1-4000 merkkiä)"))
                 : web_action_statement(ctx, s, ck, a, text, &err);
        sodium_memzero(text, sizeof text);
    } else if (strcmp(verb, "assign") == 0) {
        action = "assign";
        ok = "vastuu";
        rc = web_form_get(req->body, "worker", a, sizeof a) == 0
                 ? web_action_assign(ctx, s, ck, a, &err)
                 : silta_err_set(&err, SILTA_EINVAL, N_("työntekijä puuttuu"));
    } else if (strcmp(verb, "plan") == 0) {
        char title[512], due[16], owner[16], who[8];
        action = "plan_add";
        ok = "kohta_lisatty";
        a[0] = '\0'; /* the title is free text: never in the access log */
        rc = web_form_get(req->body, "title", title, sizeof title) != 0
                 ? silta_err_set(&err, SILTA_EINVAL,
                                 N_("otsikko puuttuu tai on virheellinen (1-120 merkkiä)"))
             : web_form_get(req->body, "due", due, sizeof due) != 0 ||
                     web_form_get(req->body, "owner", owner, sizeof owner) != 0 ||
                     web_form_get(req->body, "who", who, sizeof who) != 0
                 ? silta_err_set(&err, SILTA_EINVAL,
                                 N_("määräaika, vastuutaho tai vastuuhenkilö puuttuu tai on "
                                    "virheellinen"))
                 : web_action_plan_add(ctx, s, ck, title, due, owner, who, &err);
    } else if (strcmp(verb, "plan_done") == 0) {
        action = "plan_done";
        ok = "kohta_valmis";
        rc = web_form_get(req->body, "item", a, sizeof a) == 0
                 ? web_action_plan_done(ctx, s, ck, a, &err)
                 : silta_err_set(&err, SILTA_EINVAL, N_("kohdan tunniste puuttuu"));
    } else if (web_plan_is_verb(verb)) {
        /* a: the assessment's or plan's id (goals are free text: never logged) */
        rc = web_plan_action(ctx, s, req, ck, verb, &action, &ok, a, sizeof a, &err);
    } else {
        return s_error(resp, s, 404, N_("Ei löydy"), N_("Tuntematon toiminto."));
    }
    if (rc != 0 && rc != 1 && rc != WEB_ACT_NOT_FOUND && rc != SILTA_EINVAL)
        a[0] = '\0';
    const char *outcome = rc == 0 ? "ok" : rc == 1 ? "ok" : rc == SILTA_EAGAIN || rc == SILTA_ERR ? "failed" : "refused";
    web_auth_log(ctx->db, s->username, action, ck, rc == SILTA_EINVAL || !a[0] ? NULL : a,
                 outcome);
    if (rc == 0 || rc == 1) {
        snprintf(url, sizeof url, "/client/%s?ok=%s", ck, rc == 0 ? ok : "jo_tehty");
        return s_redirect(resp, url);
    }
    if (rc == WEB_ACT_NOT_FOUND)
        return s_error(resp, s, 404, N_("Ei löydy"),
                       N_("Kohdetta ei ole tällä asiakkaalla (tai työntekijä ei ole "
                          "tiimissäsi)."));
    if (rc == SILTA_EINVAL)
        return s_error(resp, s, 400, N_("Virheellinen lomake"), err.msg);
    return s_error(resp, s, 503, N_("Palvelu ei vastaa"),
                   N_("Toimintoa ei tallennettu. Yritä hetken kuluttua uudelleen."));
}

/* ---------------------------------------------------------------- find */

/* POST /find hetu: a client by full hetu. The hetu comes in the body (never a
 * URL), is validated (silta_hetu), turned into its keyed client_key and wiped;
 * only the client_key reaches the access log ('lookup'). The answer is the
 * client page when the user may see the client, else the same "ei löytynyt"
 * whether the client is unknown or another team's (logged 'denied'), so a
 * search tells nobody who else is a client. */
static void s_find(web_ctx_t *ctx, const web_session_t *s, const web_req_t *req,
                   web_resp_t *resp)
{
    char raw[32] = "", hetu[SILTA_HETU_LEN + 1] = "", key[SILTA_CLIENTKEY_LEN + 1] = "";
    silta_err_t err;
    int got = web_form_get(req->body, "hetu", raw, sizeof raw);
    /* What a person types: spaces around it, a lowercase century sign or check. */
    size_t b = 0, e = got == 0 ? strlen(raw) : 0;
    while (b < e && raw[b] == ' ')
        b++;
    while (e > b && raw[e - 1] == ' ')
        e--;
    int ok = got == 0 && e - b == SILTA_HETU_LEN;
    for (size_t i = 0; ok && i < SILTA_HETU_LEN; i++) {
        char c = raw[b + i];
        hetu[i] = c >= 'a' && c <= 'z' ? (char)(c - 'a' + 'A') : c;
    }
    ok = ok && silta_hetu_parse(hetu, NULL, &err) == 0 && ctx->ck &&
         silta_clientkey_of(ctx->ck, hetu, key, &err) == 0;
    sodium_memzero(raw, sizeof raw);
    sodium_memzero(hetu, sizeof hetu);
    if (!ok) {
        web_auth_log(ctx->db, s->username, "lookup", NULL, NULL, "refused");
        return s_error(resp, s, 400, N_("Virheellinen henkilötunnus"),
                       N_("Tarkista henkilötunnus: muoto PPKKVV-NNNT, tarkistusmerkki oikein."));
    }
    int exists = read_client_exists(ctx->db, key, &err);
    int can = exists == 1 ? web_auth_can_see(ctx->db, s->username, key) : 0;
    if (exists < 0 || can < 0)
        return s_error(resp, s, 503, N_("Palvelu ei vastaa"), N_("Tietokanta ei vastannut."));
    if (can == 1) {
        char url[64];
        web_auth_log(ctx->db, s->username, "lookup", key, "found", "ok");
        snprintf(url, sizeof url, "/client/%s", key);
        return s_redirect(resp, url);
    }
    if (exists == 1)
        silta_warn("inbox lookup denied", "username=%s client_key=%s", s->username, key);
    web_auth_log(ctx->db, s->username, "lookup", key, exists == 1 ? NULL : "not_found",
                 exists == 1 ? "denied" : "ok");
    s_redirect(resp, "/inbox?ok=ei_loytynyt");
}

/* ---------------------------------------------------------------- report */

/* GET /report: anonymised aggregates (read/read_report.h) for a team lead.
 * Another user gets 403 and a 'denied' row; every view is logged with the
 * first month as its object (the page holds no client, so no client_key). */
static void s_report(web_ctx_t *ctx, const web_session_t *s, const web_req_t *req,
                     const char *today, web_resp_t *resp)
{
    if (!s->teamlead) {
        silta_warn("inbox report denied", "username=%s", s->username);
        web_auth_log(ctx->db, s->username, "view_report", NULL, NULL, "denied");
        return s_error(resp, s, 403, N_("Ei oikeutta"),
                       N_("Raportti on vain tiiminvetäjille."));
    }
    char since[16] = "";
    int got = web_form_get(req->query, "since", since, sizeof since);
    if (got == -2 || (got == 0 && !read_report_month_ok(since))) {
        web_auth_log(ctx->db, s->username, "view_report", NULL, NULL, "refused");
        return s_error(resp, s, 400, N_("Virheellinen kuukausi"),
                       N_("Anna kuukausi muodossa VVVV-KK."));
    }
    if (got != 0)
        read_report_default_since(today, since);
    read_report_t rep;
    silta_err_t err;
    if (read_report_load(ctx->db, since, &rep, &err) != 0) {
        silta_warn("inbox report failed", "reason=\"%s\"", err.msg);
        web_auth_log(ctx->db, s->username, "view_report", NULL, since, "failed");
        read_report_free(&rep);
        return s_error(resp, s, 503, N_("Palvelu ei vastaa"), N_("Tietokanta ei vastannut."));
    }
    web_auth_log(ctx->db, s->username, "view_report", NULL, since, "ok");
    resp->status = 200;
    web_page_report(&rep, s, &resp->body);
    read_report_free(&rep);
}

/* ---------------------------------------------------------------- client code */

/* POST /client/<ck>/client_code: a one-time sign-in code for the client's
 * own page (../client/client_idp.h), shown once on the answer (200, no
 * redirect: nothing keeps it) and never logged. */
static void s_client_code(web_ctx_t *ctx, const web_session_t *s, const char *ck,
                          web_resp_t *resp)
{
    char code[CLIENT_CODE_SHOWN], expires[6];
    silta_err_t err = {0};
    int rc = client_code_issue(ctx->db, ck, s->username, code, expires, &err);
    web_auth_log(ctx->db, s->username, "issue_client_code", ck, NULL,
                 rc == 0 ? "ok" : rc == SILTA_EINVAL ? "refused" : "failed");
    if (rc == SILTA_EINVAL)
        return s_error(resp, s, 404, N_("Ei löydy"), N_("Asiakasta ei löydy."));
    if (rc != 0) {
        silta_warn("client code not issued", "client_key=%s reason=\"%s\"", ck, err.msg);
        return s_error(resp, s, 503, N_("Palvelu ei vastaa"), N_("Tietokanta ei vastannut."));
    }
    silta_info("client code issued", "username=%s client_key=%s", s->username, ck);
    resp->status = 200;
    client_page_code(&resp->body, s, ck, code, expires, silta_env_get("SILTA_CLIENT_URL", ""));
    sodium_memzero(code, sizeof code);
}

/* ---------------------------------------------------------------- table */

void web_route(web_ctx_t *ctx, const web_req_t *req, web_resp_t *resp)
{
    if (PQstatus(ctx->db) != CONNECTION_OK)
        PQreset(ctx->db);
    int get = strcmp(req->method, "GET") == 0 || strcmp(req->method, "HEAD") == 0;
    int post = strcmp(req->method, "POST") == 0;
    const char *path = req->path;
    if (!get && !post)
        return s_error(resp, NULL, 405, N_("Menetelmä ei sallittu"), N_("Vain GET ja POST."));
    if (strcmp(path, "/login") == 0)
        return post ? s_login(ctx, req, resp) : s_login_form(ctx, resp, 200, "");

    web_session_t s;
    if (web_auth_session(ctx->db, req->session_cookie, &s) != 0) {
        if (get)
            return s_redirect(resp, "/login");
        return s_error(resp, NULL, 403, N_("Kielletty"),
                       N_("Et ole kirjautunut (tai istunto päättyi)."));
    }
    char csrf[WEB_TOKEN_HEX + 2] = "";
    if (post) {
        if (web_form_get(req->body, "csrf", csrf, sizeof csrf) != 0 ||
            !web_auth_csrf_ok(&s, csrf)) {
            char key[40] = "";
            if (strncmp(path, "/client/", 8) == 0 && s_client_key_ok(path + 8, 35))
                snprintf(key, sizeof key, "%.35s", path + 8);
            silta_warn("inbox csrf refused", "username=%s client_key=%s", s.username, key);
            web_auth_log(ctx->db, s.username, "csrf", key[0] ? key : NULL, NULL, "refused");
            return s_error(resp, &s, 403, N_("Kielletty"),
                           N_("Lomakkeen tarkiste puuttui tai oli väärä. Mitään ei "
                              "muutettu."));
        }
    }
    cs_day_t today_d;
    char today[11];
    silta_err_t err;
    if (cs_today(&today_d, &err) != 0)
        return s_error(resp, &s, 500, N_("Virhe"), N_("Päivämäärä puuttuu (SILTA_TODAY)."));
    cs_day_format(today_d, today);

    if (post && strcmp(path, "/logout") == 0) {
        web_auth_logout(ctx->db, &s);
        web_auth_log(ctx->db, s.username, "logout", NULL, NULL, "ok");
        snprintf(resp->cookie[0], sizeof resp->cookie[0],
                 WEB_SESSION_COOKIE "=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0%s",
                 ctx->cookie_secure ? "; Secure" : "");
        return s_redirect(resp, "/login");
    }
    if (get && (strcmp(path, "/") == 0))
        return s_redirect(resp, "/inbox");
    if (post && strcmp(path, "/find") == 0)
        return s_find(ctx, &s, req, resp);
    if (get && strcmp(path, "/report") == 0)
        return s_report(ctx, &s, req, today, resp);
    if (get && strcmp(path, "/inbox") == 0) {
        read_inbox_t items;
        char find[32] = "";
        web_form_get(req->query, "ok", find, sizeof find);
        if (read_inbox_load(ctx->db, ctx->store, s.username, &items) == 0) {
            resp->status = 200;
            web_page_inbox(&items, &s, today, find, &resp->body);
        } else {
            s_error(resp, &s, 503, N_("Palvelu ei vastaa"), N_("Tietokanta ei vastannut."));
        }
        read_inbox_free(&items);
        return;
    }
    if (strncmp(path, "/client/", 8) == 0) {
        const char *ck = path + 8, *slash = strchr(ck, '/');
        size_t cklen = slash ? (size_t)(slash - ck) : strlen(ck);
        char key[40];
        if (!s_client_key_ok(ck, cklen))
            return s_error(resp, &s, 404, N_("Ei löydy"), N_("Asiakasta ei löydy."));
        memcpy(key, ck, cklen);
        key[cklen] = '\0';
        const char *verb = slash ? slash + 1 : NULL;
        if ((get && verb) || (post && !verb))
            return s_error(resp, &s, 405, N_("Menetelmä ei sallittu"), N_("Väärä menetelmä."));
        int can = web_auth_can_see(ctx->db, s.username, key);
        if (can < 0)
            return s_error(resp, &s, 503, N_("Palvelu ei vastaa"), N_("Tietokanta ei vastannut."));
        if (can == 0) {
            silta_warn("inbox access denied", "username=%s client_key=%s", s.username, key);
            web_auth_log(ctx->db, s.username, verb ? verb : "view_client", key, NULL, "denied");
            return s_error(resp, &s, 403, N_("Ei oikeutta"),
                           N_("Tämä asiakas ei ole sinun tai tiimisi vastuulla."));
        }
        if (post && strcmp(verb, "client_code") == 0)
            return s_client_code(ctx, &s, key, resp);
        if (post)
            return s_action(ctx, &s, req, key, verb, resp);
        char flash[32] = "";
        web_form_get(req->query, "ok", flash, sizeof flash);
        web_auth_log(ctx->db, s.username, "view_client", key, NULL, "ok");
        read_client_t c;
        int rc = read_client_load(ctx->db, ctx->store, s.team, key, &c);
        if (rc == 0) {
            resp->status = 200;
            web_page_client(&c, &s, key, today, flash, &resp->body);
        } else if (rc == 1) {
            s_error(resp, &s, 404, N_("Ei löydy"), N_("Asiakasta ei löydy."));
        } else {
            s_error(resp, &s, 503, N_("Palvelu ei vastaa"), N_("Tietokanta ei vastannut."));
        }
        read_client_free(&c);
        return;
    }
    return s_error(resp, &s, 404, N_("Ei löydy"), N_("Sivua ei ole."));
}
