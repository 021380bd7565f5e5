/*  client_routes.c - the URL table of the client's own page and the checks
 *  every request passes.
 *
 *      GET  /            signed in: the own page (plan, disclosures, consents);
 *                        else the sign-in form (?lang=fi|sv; double-submit cookie)
 *      POST /signin      csrf code lang -> throttle -> identity provider -> session -> /
 *      POST /consent     csrf purpose do=give|withdraw -> social.consent.v1 -> /?ok=..
 *      POST /lang        csrf lang -> the session's language -> /
 *      POST /signout     csrf -> the session ended -> /
 *
 *  Order of checks on a POST: body size (413, silta_http) -> session (403;
 *  /signin: the double-submit token, 403) -> CSRF (403) -> form (400) -> the
 *  action. The client_key is the session's: no request names a client. Every
 *  sign-in attempt, view and action is one access-log row with actor
 *  CLIENT_ACTOR and the client_key (none before sign-in); the code is never
 *  logged.
 *
 *  Not here: SQL (client_auth.c, client_idp.c, ../read/read_own.c), HTML
 *  (client_pages.c).
 */
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "../cs_tools.h"
#include "../web/web_auth.h"
#include "../web/web_throttle.h"
#include "client.h"
#include "client_auth.h"
#include "client_consent.h"
#include "client_idp.h"
#include "client_pages.h"
#include "silta_log.h"
#include "silta_time.h"

static void s_error(web_resp_t *resp, web_lang_t lang, int status, const char *title,
                    const char *text)
{
    resp->status = status;
    silta_buf_reset(&resp->body);
    client_page_error(&resp->body, lang, title, text);
}

static void s_redirect(web_resp_t *resp, const char *to)
{
    resp->status = 303;
    snprintf(resp->location, sizeof resp->location, "%s", to);
    silta_buf_puts(&resp->body, "<!DOCTYPE html><title>303</title>");
}

static void s_signin_form(const web_ctx_t *ctx, web_resp_t *resp, web_lang_t lang, int status,
                          const char *error)
{
    char tok[WEB_TOKEN_HEX + 1];
    web_auth_token(tok, 32);
    snprintf(resp->cookie[0], sizeof resp->cookie[0],
             CLIENT_SIGNIN_COOKIE "=%s; HttpOnly; SameSite=Strict; Path=/; Max-Age=1800%s", tok,
             ctx->client_cookie_secure ? "; Secure" : "");
    resp->status = status;
    client_page_signin(&resp->body, lang, tok, error);
}

static void s_signin(web_ctx_t *ctx, const web_req_t *req, web_resp_t *resp)
{
    char given[WEB_TOKEN_HEX + 2], code[48], l[4] = "fi";
    web_form_get(req->body, "lang", l, sizeof l);
    web_lang_t lang = web_lang_of(l);
    if (web_form_get(req->body, "csrf", given, sizeof given) != 0 || !req->login_cookie ||
        strlen(req->login_cookie) != WEB_TOKEN_HEX || strlen(given) != WEB_TOKEN_HEX ||
        sodium_memcmp(given, req->login_cookie, WEB_TOKEN_HEX) != 0) {
        client_auth_log(ctx->db, NULL, "client_signin", "csrf", "refused");
        return s_error(resp, lang, 403, N_("Kielletty"),
                       N_("Lomakkeen tarkiste puuttui tai oli väärä. Avaa kirjautumissivu "
                          "uudelleen."));
    }
    if (web_form_get(req->body, "code", code, sizeof code) != 0 || !code[0])
        return s_signin_form(ctx, resp, lang, 400, web_t(lang, N_("Anna kirjautumiskoodi.")));
    /* Per address, never per client (nobody is known yet); a key of its own
     * so codes and caseworkers' passwords are counted apart, though the
     * address is shared (web_throttle.h). */
    char key[96];
    snprintf(key, sizeof key, "client-code@%.80s", req->addr ? req->addr : "");
    int64_t now = silta_mono_ms();
    int wait = web_throttle_wait(key, req->addr, now);
    if (wait > 0) {
        sodium_memzero(code, sizeof code);
        silta_warn("client sign-in throttled", "wait_s=%d", wait);
        client_auth_log(ctx->db, NULL, "client_signin", "throttled", "refused");
        char msg[256];
        snprintf(msg, sizeof msg, "%s %d s.",
                 web_t(lang, N_("Liian monta epäonnistunutta kirjautumista. Seuraava yritys "
                                "onnistuu aikaisintaan")),
                 wait);
        return s_signin_form(ctx, resp, lang, 429, msg);
    }
    client_idp_t idp = client_idp_code(ctx->db);
    char ck[SILTA_CLIENTKEY_LEN + 1];
    silta_err_t err = {0};
    int rc = idp.verify(idp.self, code, ck, &err);
    sodium_memzero(code, sizeof code);
    if (rc == 0 || rc == SILTA_EINVAL)
        web_throttle_record(key, req->addr, rc == 0, now);
    if (rc == SILTA_EINVAL) {
        silta_warn("client sign-in refused", "idp=%s reason=%s", idp.name, err.msg);
        client_auth_log(ctx->db, NULL, "client_signin", err.msg, "failed");
        return s_signin_form(ctx, resp, lang, 401,
                             web_t(lang, N_("Koodi on väärä, jo käytetty tai vanhentunut. "
                                            "Pyydä uusi koodi sosiaalityöntekijältäsi.")));
    }
    client_session_t s;
    if (rc != 0 || client_auth_open(ctx->db, ck, lang, &s, &err) != 0) {
        silta_warn("client sign-in error", "reason=\"%s\"", err.msg);
        return s_error(resp, lang, 503, N_("Palvelu ei vastaa"),
                       N_("Yritä hetken kuluttua uudelleen."));
    }
    silta_info("client signed in", "idp=%s client_key=%s", idp.name, ck);
    client_auth_log(ctx->db, ck, "client_signin", idp.name, "ok");
    snprintf(resp->cookie[0], sizeof resp->cookie[0],
             CLIENT_SESSION_COOKIE "=%s; HttpOnly; SameSite=Strict; Path=/%s", s.token,
             ctx->client_cookie_secure ? "; Secure" : "");
    snprintf(resp->cookie[1], sizeof resp->cookie[1],
             CLIENT_SIGNIN_COOKIE "=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0%s",
             ctx->client_cookie_secure ? "; Secure" : "");
    sodium_memzero(&s, sizeof s);
    s_redirect(resp, "/");
}

/* POST /consent purpose do: give or withdraw, for the session's client. */
static void s_consent(web_ctx_t *ctx, const client_session_t *s, const web_req_t *req,
                      web_resp_t *resp)
{
    char purpose[48], what[16];
    if (web_form_get(req->body, "purpose", purpose, sizeof purpose) != 0 ||
        web_form_get(req->body, "do", what, sizeof what) != 0 || !client_purpose_of(purpose) ||
        (strcmp(what, "give") != 0 && strcmp(what, "withdraw") != 0)) {
        client_auth_log(ctx->db, s->client_key, "client_consent", NULL, "refused");
        return s_error(resp, s->lang, 400, N_("Virheellinen lomake"),
                       N_("Tuntematon suostumus tai toiminto. Mitään ei muutettu."));
    }
    int give = strcmp(what, "give") == 0;
    silta_err_t err = {0};
    int rc = give ? client_consent_give(ctx, s->client_key, purpose, &err)
                  : client_consent_withdraw(ctx, s->client_key, purpose, &err);
    client_auth_log(ctx->db, s->client_key, give ? "client_consent_give" : "client_consent_withdraw",
                    purpose, rc == 0 || rc == 1 ? "ok" : "failed");
    if (rc == 0 || rc == 1) {
        silta_info(give ? "client gave consent" : "client withdrew consent",
                   "client_key=%s purpose=%s", s->client_key, purpose);
        return s_redirect(resp, rc == 1 ? "/?ok=jo_tehty" : give ? "/?ok=annettu" : "/?ok=peruttu");
    }
    silta_warn("client consent failed", "client_key=%s purpose=%s reason=\"%s\"", s->client_key,
               purpose, err.msg);
    s_error(resp, s->lang, 503, N_("Palvelu ei vastaa"),
            N_("Toimintoa ei tallennettu. Yritä hetken kuluttua uudelleen."));
}

static void s_own(web_ctx_t *ctx, const client_session_t *s, const web_req_t *req,
                  web_resp_t *resp)
{
    cs_day_t d;
    char today[11], flash[32] = "";
    silta_err_t err;
    if (cs_today(&d, &err) != 0)
        return s_error(resp, s->lang, 500, N_("Virhe"), N_("Päivämäärä puuttuu (SILTA_TODAY)."));
    cs_day_format(d, today);
    web_form_get(req->query, "ok", flash, sizeof flash);
    read_own_t o;
    if (read_own_load(ctx->db, s->client_key, &o) != 0) {
        read_own_free(&o);
        client_auth_log(ctx->db, s->client_key, "client_view", NULL, "failed");
        return s_error(resp, s->lang, 503, N_("Palvelu ei vastaa"),
                       N_("Tietokanta ei vastannut."));
    }
    client_auth_log(ctx->db, s->client_key, "client_view", NULL, "ok");
    resp->status = 200;
    client_page_own(&resp->body, s, &o, today, flash);
    read_own_free(&o);
}

void client_route(web_ctx_t *ctx, const web_req_t *req, web_resp_t *resp)
{
    if (PQstatus(ctx->db) != CONNECTION_OK)
        PQreset(ctx->db);
    int get = strcmp(req->method, "GET") == 0 || strcmp(req->method, "HEAD") == 0;
    int post = strcmp(req->method, "POST") == 0;
    char l[4] = "";
    web_form_get(req->query, "lang", l, sizeof l);
    if (!get && !post)
        return s_error(resp, web_lang_of(l), 405, N_("Menetelmä ei sallittu"),
                       N_("Vain GET ja POST."));
    if (post && strcmp(req->path, "/signin") == 0)
        return s_signin(ctx, req, resp);

    client_session_t s;
    int in = client_auth_session(ctx->db, req->session_cookie, &s) == 0;
    if (get && strcmp(req->path, "/") == 0)
        return in ? s_own(ctx, &s, req, resp) : s_signin_form(ctx, resp, web_lang_of(l), 200, "");
    if (get)
        return s_error(resp, in ? s.lang : web_lang_of(l), 404, N_("Ei löydy"),
                       N_("Sivua ei ole."));
    if (!in) {
        client_auth_log(ctx->db, NULL, "client_post", NULL, "refused");
        return s_error(resp, web_lang_of(l), 403, N_("Kielletty"),
                       N_("Et ole kirjautunut (tai istunto päättyi)."));
    }
    char csrf[WEB_TOKEN_HEX + 2] = "";
    if (web_form_get(req->body, "csrf", csrf, sizeof csrf) != 0 ||
        !client_auth_csrf_ok(&s, csrf)) {
        silta_warn("client csrf refused", "client_key=%s", s.client_key);
        client_auth_log(ctx->db, s.client_key, "csrf", NULL, "refused");
        return s_error(resp, s.lang, 403, N_("Kielletty"),
                       N_("Lomakkeen tarkiste puuttui tai oli väärä. Mitään ei muutettu."));
    }
    if (strcmp(req->path, "/consent") == 0)
        return s_consent(ctx, &s, req, resp);
    if (strcmp(req->path, "/lang") == 0) {
        char want[4] = "";
        web_form_get(req->body, "lang", want, sizeof want);
        client_auth_set_lang(ctx->db, &s, web_lang_of(want));
        client_auth_log(ctx->db, s.client_key, "client_lang", web_lang_code(web_lang_of(want)),
                        "ok");
        return s_redirect(resp, "/");
    }
    if (strcmp(req->path, "/signout") == 0) {
        client_auth_end(ctx->db, &s);
        client_auth_log(ctx->db, s.client_key, "client_signout", NULL, "ok");
        snprintf(resp->cookie[0], sizeof resp->cookie[0],
                 CLIENT_SESSION_COOKIE "=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0%s",
                 ctx->client_cookie_secure ? "; Secure" : "");
        return s_redirect(resp, "/");
    }
    s_error(resp, s.lang, 404, N_("Ei löydy"), N_("Sivua ei ole."));
}
