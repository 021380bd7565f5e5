/*  web_plan_act.c - the client plan's inbox actions (see web_plan.h): the
 *  form's checks, then one social.assessment.v1 or social.client_plan.v1
 *  through web_action_event (the case store's transaction, then the outbox).
 *
 *  Every field is checked here with a reason a caseworker reads (Finnish
 *  msgids, shown translated), before the contract would refuse it in English:
 *  one-line fields have no control characters, a goal's text may have line
 *  breaks (a browser's \r\n becomes \n), dates are real dates, GAS is -2..2,
 *  a measure's total is a decimal number. Free text is never logged.
 *
 *  Not here: HTML (web_plan.c), SQL (read/read_plan.c, store/).
 */
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "../cs_tools.h"
#include "events.pb-c.h"
#include "silta_contract.h"
#include "web_actions.h"
#include "web_plan.h"

#define S_GOALS 3   /* goals on the start form */
#define S_ACTIONS 3 /* agency actions on the start form */
#define S_MAX_REVIEW_GOALS 20

/* The support needs of sosiaalihuoltolaki 11 §: the contract's codes. */
static const char *const s_areas[] = {"care_and_livelihood",
                                      "housing",
                                      "financial",
                                      "inclusion",
                                      "violence",
                                      "crisis",
                                      "child_development",
                                      "mental_health_substances",
                                      "functional_capacity",
                                      "caring_for_relative"};
#define S_NAREAS (sizeof s_areas / sizeof s_areas[0])

int web_plan_is_verb(const char *verb)
{
    return strcmp(verb, "assess_done") == 0 || strcmp(verb, "cplan") == 0 ||
           strcmp(verb, "cplan_review") == 0;
}

/* The field key of the form into out: trimmed of spaces; multi 1 allows line
 * breaks (\r dropped) and tabs. Returns 0, -1 missing or empty, -2 too long or
 * a control character. */
static int s_field(const char *form, const char *key, char *out, size_t len, int multi)
{
    int rc = web_form_get(form, key, out, len);
    if (rc != 0)
        return rc;
    size_t w = 0;
    for (size_t r = 0; out[r]; r++) {
        unsigned char c = (unsigned char)out[r];
        if (c == '\r' && multi)
            continue;
        if ((c < 0x20 && !(multi && (c == '\n' || c == '\t'))) || c == 0x7f)
            return -2;
        out[w++] = out[r];
    }
    out[w] = '\0';
    size_t b = 0;
    while (out[b] == ' ')
        b++;
    while (w > b && (out[w - 1] == ' ' || out[w - 1] == '\n'))
        out[--w] = '\0';
    memmove(out, out + b, w - b + 1);
    return out[0] ? 0 : -1;
}

static int s_is_date(const char *v)
{
    cs_day_t d;
    return strlen(v) == 10 && cs_day_parse(v, &d) == 0;
}

static int s_is_gas(const char *v)
{
    return strcmp(v, "-2") == 0 || strcmp(v, "-1") == 0 || strcmp(v, "0") == 0 ||
           strcmp(v, "1") == 0 || strcmp(v, "2") == 0;
}

/* The contract's decimal number, at most its 16 bytes. */
static int s_is_decimal(const char *v)
{
    return silta_contract_decimal_valid(v) && strlen(v) <= 16;
}

/* The event id's content: the client, the event and a hash of the whole form,
 * so a resent form is a duplicate and a changed one a new event. */
static void s_content(char *out, size_t len, const char *ck, const char *what, const char *body)
{
    unsigned char h[16];
    char hex[33];
    crypto_generichash(h, sizeof h, (const unsigned char *)body, strlen(body), NULL, 0);
    sodium_bin2hex(hex, sizeof hex, h, sizeof h);
    snprintf(out, len, "%s|%s|%s", ck, what, hex);
}

/* ---------------------------------------------------------------- assess_done */

static int s_assess_done(web_ctx_t *ctx, const web_session_t *s, const web_req_t *req,
                         const char *ck, char *detail, size_t dlen, silta_err_t *err)
{
    char id[160], one[8], day[11], content[256];
    if (s_field(req->body, "assessment", id, sizeof id, 0) != 0)
        return silta_err_set(err, SILTA_EINVAL, N_("arvioinnin tunniste puuttuu"));
    read_plan_t p;
    if (read_plan_load(ctx->db, ck, &p) != 0) {
        read_plan_free(&p);
        return silta_err_set(err, SILTA_EAGAIN, "database: could not read the assessments");
    }
    int found = 0, done = 0;
    for (size_t i = 0; i < p.nassessments; i++)
        if (strcmp(p.assessments[i].assessment_id, id) == 0 && *p.assessments[i].started) {
            found = 1;
            done = *p.assessments[i].completed != '\0';
        }
    read_plan_free(&p);
    if (!found)
        return WEB_ACT_NOT_FOUND;
    snprintf(detail, dlen, "%s", id);
    if (done)
        return 1;
    char *areas[S_NAREAS];
    size_t n = 0;
    for (size_t i = 0; i < S_NAREAS; i++) {
        char key[48];
        snprintf(key, sizeof key, "need_%s", s_areas[i]);
        int rc = web_form_get(req->body, key, one, sizeof one);
        if (rc == -2 || (rc == 0 && strcmp(one, "1") != 0))
            return silta_err_set(err, SILTA_EINVAL, N_("tarvealue on virheellinen"));
        if (rc == 0)
            areas[n++] = (char *)s_areas[i];
    }
    if (n == 0)
        return silta_err_set(err, SILTA_EINVAL,
                             N_("valitse vähintään yksi arvioinnissa todettu tarvealue"));
    cs_day_t today;
    if (cs_today(&today, err) != 0)
        return SILTA_ERR;
    Silta__SocialAssessment m = SILTA__SOCIAL_ASSESSMENT__INIT;
    m.assessment_id = id;
    m.status = "completed";
    m.date = (char *)cs_day_format(today, day);
    m.worker = (char *)s->username;
    m.need_areas = areas;
    m.n_need_areas = n;
    snprintf(content, sizeof content, "%s|assessment|%s|completed", ck, id);
    return web_action_event(ctx, "social.assessment.v1", ck, &m.base, &m.hetu, content, err);
}

/* ---------------------------------------------------------------- the plan */

typedef struct {
    char omat[128], review[16], mname[128], mvalue[24], day[11];
} s_head_t;

/* The fields both plan forms have: omatyöntekijä, next review, measure. */
static int s_head_fields(const web_req_t *req, const char *today, s_head_t *h, silta_err_t *err)
{
    snprintf(h->day, sizeof h->day, "%s", today);
    if (s_field(req->body, "omatyontekija", h->omat, sizeof h->omat, 0) != 0)
        return silta_err_set(err, SILTA_EINVAL,
                             N_("omatyöntekijä puuttuu tai on virheellinen (1-120 merkkiä)"));
    if (s_field(req->body, "review", h->review, sizeof h->review, 0) != 0 ||
        !s_is_date(h->review) || strcmp(h->review, today) <= 0)
        return silta_err_set(err, SILTA_EINVAL,
                             N_("seuraava arviointipäivä puuttuu tai ei ole tulevaisuudessa "
                                "(VVVV-KK-PP)"));
    int n = s_field(req->body, "measure_name", h->mname, sizeof h->mname, 0);
    int v = s_field(req->body, "measure_value", h->mvalue, sizeof h->mvalue, 0);
    if (n == -2 || v == -2 || (n == 0) != (v == 0) || (v == 0 && !s_is_decimal(h->mvalue)))
        return silta_err_set(err, SILTA_EINVAL,
                             N_("mittarin nimi ja kokonaispistemäärä annetaan yhdessä; pisteet "
                                "ovat luku (esim. 27 tai 3.5)"));
    return 0;
}

static void s_fill_head(Silta__ClientPlan *m, s_head_t *h, const web_session_t *s)
{
    m->date = h->day;
    m->review_date = h->review;
    m->responsible_worker = h->omat;
    m->worker = (char *)s->username;
    m->measure_name = h->mname[0] ? h->mname : "";
    m->measure_value = h->mvalue[0] ? h->mvalue : "";
}

static int s_plan_start(web_ctx_t *ctx, const web_session_t *s, const web_req_t *req,
                        const char *ck, const char *today, char *detail, size_t dlen,
                        silta_err_t *err)
{
    s_head_t h;
    int rc = s_head_fields(req, today, &h, err);
    if (rc != 0)
        return rc;
    char texts[S_GOALS][1024], gas[S_GOALS][4], gids[S_GOALS][96];
    char acts[S_ACTIONS][4][256], aids[S_ACTIONS][96];
    char plan_id[64], content[256], assessment[160] = "";
    s_content(content, sizeof content, ck, "client_plan|start", req->body);
    snprintf(plan_id, sizeof plan_id, "cp-%s-%.8s", today, strrchr(content, '|') + 1);
    Silta__ClientPlanGoal g[S_GOALS], *gp[S_GOALS];
    size_t ng = 0;
    for (size_t i = 0; i < S_GOALS; i++) {
        char key[32];
        snprintf(key, sizeof key, "goal%zu", i + 1);
        rc = s_field(req->body, key, texts[ng], sizeof texts[ng], 1);
        if (rc == -2)
            return silta_err_set(err, SILTA_EINVAL,
                                 N_("tavoite on liian pitkä tai sisältää kiellettyjä merkkejä "
                                    "(enintään 1000 merkkiä)"));
        if (rc != 0)
            continue;
        snprintf(key, sizeof key, "gas%zu", i + 1);
        rc = s_field(req->body, key, gas[ng], sizeof gas[ng], 0);
        if (rc == -2 || (rc == 0 && !s_is_gas(gas[ng])))
            return silta_err_set(err, SILTA_EINVAL,
                                 N_("tavoitteen saavuttamisen arvio (GAS) on -2, -1, 0, 1 tai 2"));
        if (rc != 0)
            gas[ng][0] = '\0';
        snprintf(gids[ng], sizeof gids[ng], "%s:g%zu", plan_id, i + 1);
        silta__client_plan_goal__init(&g[ng]);
        g[ng].goal_id = gids[ng];
        g[ng].text = texts[ng];
        g[ng].gas = gas[ng];
        gp[ng] = &g[ng];
        ng++;
    }
    if (ng == 0)
        return silta_err_set(err, SILTA_EINVAL,
                             N_("kirjaa vähintään yksi tavoite asiakkaan omin sanoin"));
    Silta__ClientPlanAction a[S_ACTIONS], *ap[S_ACTIONS];
    size_t na = 0;
    for (size_t i = 0; i < S_ACTIONS; i++) {
        static const char *const part[4] = {"agency", "title", "who", "due"};
        int got[4];
        for (size_t k = 0; k < 4; k++) {
            char key[24];
            snprintf(key, sizeof key, "act%zu_%s", i + 1, part[k]);
            got[k] = s_field(req->body, key, acts[na][k], sizeof acts[na][k], 0);
        }
        if (got[1] == -1)
            continue; /* no action on this row */
        if (got[1] == -2 || got[2] == -2 || got[0] != 0 ||
            (strcmp(acts[na][0], "social") != 0 && strcmp(acts[na][0], "kela") != 0 &&
             strcmp(acts[na][0], "employment") != 0 && strcmp(acts[na][0], "health") != 0) ||
            got[3] == -2 || (got[3] == 0 && !s_is_date(acts[na][3])))
            return silta_err_set(err, SILTA_EINVAL,
                                 N_("toimenpiteen taho, kuvaus (enintään 250 merkkiä), "
                                    "vastuuhenkilö tai määräaika on virheellinen"));
        if (got[2] != 0)
            acts[na][2][0] = '\0';
        if (got[3] != 0)
            acts[na][3][0] = '\0';
        snprintf(aids[na], sizeof aids[na], "%s:a%zu", plan_id, i + 1);
        silta__client_plan_action__init(&a[na]);
        a[na].action_id = aids[na];
        a[na].agency = acts[na][0];
        a[na].title = acts[na][1];
        a[na].responsible = acts[na][2];
        a[na].due_date = acts[na][3];
        ap[na] = &a[na];
        na++;
    }
    if (s_field(req->body, "assessment", assessment, sizeof assessment, 0) == -2)
        return silta_err_set(err, SILTA_EINVAL, N_("arvioinnin tunniste puuttuu"));
    Silta__ClientPlan m = SILTA__CLIENT_PLAN__INIT;
    s_fill_head(&m, &h, s);
    m.plan_id = plan_id;
    m.kind = "start";
    m.goals = gp;
    m.n_goals = ng;
    m.actions = ap;
    m.n_actions = na;
    m.assessment_id = assessment;
    snprintf(detail, dlen, "%s", plan_id);
    rc = web_action_event(ctx, "social.client_plan.v1", ck, &m.base, &m.hetu, content, err);
    for (size_t i = 0; i < S_GOALS; i++)
        sodium_memzero(texts[i], sizeof texts[i]);
    return rc;
}

static int s_plan_review(web_ctx_t *ctx, const web_session_t *s, const web_req_t *req,
                         const char *ck, const char *today, char *detail, size_t dlen,
                         silta_err_t *err)
{
    s_head_t h;
    int rc = s_head_fields(req, today, &h, err);
    if (rc != 0)
        return rc;
    read_plan_t p;
    if (read_plan_load(ctx->db, ck, &p) != 0) {
        read_plan_free(&p);
        return silta_err_set(err, SILTA_EAGAIN, "database: could not read the plan");
    }
    if (!p.has_plan || p.ngoals == 0 || p.ngoals > S_MAX_REVIEW_GOALS) {
        read_plan_free(&p);
        return WEB_ACT_NOT_FOUND;
    }
    snprintf(detail, dlen, "%s", p.plan_id);
    char gas[S_MAX_REVIEW_GOALS][4], content[256];
    Silta__ClientPlanGoal g[S_MAX_REVIEW_GOALS], *gp[S_MAX_REVIEW_GOALS];
    size_t scored = 0;
    for (size_t i = 0; i < p.ngoals; i++) {
        char key[32];
        snprintf(key, sizeof key, "gas%zu", i + 1);
        int got = s_field(req->body, key, gas[i], sizeof gas[i], 0);
        if (got == -2 || (got == 0 && !s_is_gas(gas[i]))) {
            read_plan_free(&p);
            return silta_err_set(err, SILTA_EINVAL,
                                 N_("tavoitteen saavuttamisen arvio (GAS) on -2, -1, 0, 1 tai 2"));
        }
        if (got != 0)
            gas[i][0] = '\0';
        scored += got == 0;
        silta__client_plan_goal__init(&g[i]);
        g[i].goal_id = (char *)p.goals[i].goal_id;
        g[i].text = (char *)p.goals[i].text;
        g[i].gas = gas[i];
        gp[i] = &g[i];
    }
    if (scored == 0) {
        read_plan_free(&p);
        return silta_err_set(err, SILTA_EINVAL,
                             N_("arvioinnissa annetaan vähintään yhdelle tavoitteelle arvio "
                                "(GAS -2...2)"));
    }
    Silta__ClientPlanAction *ap[50], a[50];
    size_t na = p.nactions < 50 ? p.nactions : 50;
    for (size_t i = 0; i < na; i++) {
        const read_cplan_action_t *x = &p.actions[i];
        silta__client_plan_action__init(&a[i]);
        a[i].action_id = (char *)x->action_id;
        a[i].agency = (char *)x->agency;
        a[i].title = (char *)x->title;
        a[i].responsible = (char *)x->responsible;
        a[i].due_date = (char *)x->due;
        a[i].goal_id = (char *)x->goal_id;
        ap[i] = &a[i];
    }
    Silta__ClientPlan m = SILTA__CLIENT_PLAN__INIT;
    s_fill_head(&m, &h, s);
    m.plan_id = (char *)p.plan_id;
    m.kind = "review";
    m.goals = gp;
    m.n_goals = p.ngoals;
    m.actions = ap;
    m.n_actions = na;
    m.assessment_id = (char *)p.assessment_id;
    s_content(content, sizeof content, ck, "client_plan|review", req->body);
    rc = web_action_event(ctx, "social.client_plan.v1", ck, &m.base, &m.hetu, content, err);
    read_plan_free(&p);
    return rc;
}

int web_plan_action(web_ctx_t *ctx, const web_session_t *s, const web_req_t *req, const char *ck,
                    const char *verb, const char **action, const char **ok, char *detail,
                    size_t len, silta_err_t *err)
{
    cs_day_t t;
    char today[11];
    detail[0] = '\0';
    if (cs_today(&t, err) != 0)
        return SILTA_ERR;
    cs_day_format(t, today);
    if (strcmp(verb, "assess_done") == 0) {
        *action = "complete_assessment";
        *ok = "arviointi_valmis";
        return s_assess_done(ctx, s, req, ck, detail, len, err);
    }
    if (strcmp(verb, "cplan") == 0) {
        *action = "client_plan";
        *ok = "suunnitelma";
        return s_plan_start(ctx, s, req, ck, today, detail, len, err);
    }
    *action = "client_plan_review";
    *ok = "suunnitelma_arvioitu";
    return s_plan_review(ctx, s, req, ck, today, detail, len, err);
}
