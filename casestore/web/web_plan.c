/*  web_plan.c - the client page's section on the service-need assessment and
 *  the client plan (see web_plan.h): the assessments with the need areas
 *  found, the plan with its omatyöntekijä, goals in the client's own words,
 *  each agency's actions, the goal-attainment scores (GAS -2..+2) of every
 *  start and review as a table and an inline SVG line per goal, the measures,
 *  and the forms (complete an assessment, make a plan, record a review).
 *  Every value from the database is escaped; every form carries the CSRF
 *  token. No JavaScript.
 *
 *  Not here: SQL (read/read_plan.c), the actions' checks (web_plan_act.c).
 */
#include <stdio.h>
#include <string.h>

#include "web_pages.h"
#include "web_plan.h"

/* The need areas (sosiaalihuoltolaki 11 §) by code, for people. */
static const struct {
    const char *code, *label;
} s_areas[] = {
    {"care_and_livelihood", N_("Välttämätön huolenpito ja toimeentulo")},
    {"housing", N_("Asuminen")},
    {"financial", N_("Taloudellinen tuki")},
    {"inclusion", N_("Syrjäytymisen ehkäisy ja osallisuus")},
    {"violence", N_("Lähisuhdeväkivalta tai kaltoinkohtelu")},
    {"crisis", N_("Äkillinen kriisitilanne")},
    {"child_development", N_("Lapsen tai nuoren kehitys ja hyvinvointi")},
    {"mental_health_substances", N_("Mielenterveys, päihteet, sairaus tai vamma")},
    {"functional_capacity", N_("Toimintakyky")},
    {"caring_for_relative", N_("Läheisen huolenpito")},
};
#define S_NAREAS (sizeof s_areas / sizeof s_areas[0])
#define S_MAX_DAYS 12 /* the latest start/review days the table shows */

static void s_t(silta_buf_t *b, const web_session_t *s, const char *msgid)
{
    web_esc(b, web_tr(s, msgid));
}

static const char *s_area(const web_session_t *s, const char *code)
{
    for (size_t i = 0; i < S_NAREAS; i++)
        if (strcmp(s_areas[i].code, code) == 0)
            return web_tr(s, s_areas[i].label);
    return code;
}

static void s_form_open(silta_buf_t *b, const web_session_t *s, const char *ck, const char *verb,
                        const char *id)
{
    silta_buf_printf(b, "<form id=\"%s\" method=\"post\" action=\"/client/", id);
    web_esc(b, ck);
    silta_buf_printf(b, "/%s\"><input type=\"hidden\" name=\"csrf\" value=\"%s\">", verb, s->csrf);
}

/* <label for=id>msgid</label><input id=id name=name ...extra value=v> */
static void s_input(silta_buf_t *b, const web_session_t *s, const char *id, const char *name,
                    const char *label, const char *extra, const char *value)
{
    silta_buf_printf(b, "<label for=\"%s\">", id);
    s_t(b, s, label);
    silta_buf_printf(b, "</label><input id=\"%s\" name=\"%s\" %s value=\"", id, name, extra);
    web_esc(b, value ? value : "");
    silta_buf_puts(b, "\">");
}

static void s_gas_select(silta_buf_t *b, const web_session_t *s, const char *id, const char *name)
{
    static const char *const v[] = {"-2", "-1", "0", "1", "2"};
    silta_buf_printf(b, "<label for=\"%s\">", id);
    s_t(b, s, "Tavoitteen saavuttaminen (GAS)");
    silta_buf_printf(b, "</label><select id=\"%s\" name=\"%s\"><option value=\"\">–</option>", id,
                     name);
    for (size_t i = 0; i < 5; i++)
        silta_buf_printf(b, "<option value=\"%s\">%s</option>", v[i], v[i]);
    silta_buf_puts(b, "</select>");
}

/* The measure's two fields and the omatyöntekijä and next review. */
static void s_head_inputs(silta_buf_t *b, const web_session_t *s, const char *pfx,
                          const char *today, const char *omat)
{
    char id[32], extra[96];
    snprintf(id, sizeof id, "%s-omat", pfx);
    s_input(b, s, id, "omatyontekija", N_("Omatyöntekijä (SHL 42 §)"),
            "maxlength=\"120\" size=\"40\" required", omat);
    snprintf(id, sizeof id, "%s-review", pfx);
    snprintf(extra, sizeof extra, "type=\"date\" min=\"%s\" required", today);
    s_input(b, s, id, "review", N_("Seuraava arviointi"), extra, "");
    snprintf(id, sizeof id, "%s-mname", pfx);
    s_input(b, s, id, "measure_name", N_("Mittari (valinnainen)"), "maxlength=\"120\"", "");
    snprintf(id, sizeof id, "%s-mvalue", pfx);
    s_input(b, s, id, "measure_value", N_("Mittarin kokonaispisteet"),
            "maxlength=\"16\" size=\"8\" inputmode=\"decimal\"", "");
}

/* ---------------------------------------------------------------- assessments */

/* What the assessment answers, for people: "Ohjaus sr-r4-0001" for a referral's
 * ("referral:<id>"), "Kelan ilmoitus" for a notice's ("notice:<event_id>": the id is
 * no one's business), else the id. */
static void s_assessment_name(silta_buf_t *b, const web_session_t *s, const char *id)
{
    if (strncmp(id, "referral:", 9) == 0) {
        s_t(b, s, "Ohjaus");
        silta_buf_puts(b, " ");
        web_esc(b, id + 9);
    } else if (strncmp(id, "notice:", 7) == 0) {
        s_t(b, s, "Kelan ilmoitus");
    } else {
        web_esc(b, id);
    }
}

static void s_assessments(silta_buf_t *b, const web_session_t *s, const char *ck,
                          const read_plan_t *p)
{
    static const char *const cols[] = {N_("Arviointi"), N_("Aloitettu"), N_("Valmis"),
                                       N_("Todetut tarvealueet")};
    silta_buf_puts(b, "<h3>");
    s_t(b, s, "Palvelutarpeen arvioinnit");
    silta_buf_puts(b, "</h3>");
    if (p->nassessments == 0) {
        silta_buf_puts(b, "<p class=\"muted\">");
        s_t(b, s, "Ei palvelutarpeen arviointeja.");
        silta_buf_puts(b, "</p>");
        return;
    }
    silta_buf_puts(b, "<div class=\"tbl\"><table id=\"assessments\"><thead><tr>");
    for (size_t i = 0; i < 4; i++) {
        silta_buf_puts(b, "<th>");
        s_t(b, s, cols[i]);
        silta_buf_puts(b, "</th>");
    }
    silta_buf_puts(b, "</tr></thead><tbody>");
    for (size_t i = 0; i < p->nassessments; i++) {
        const read_assessment_t *a = &p->assessments[i];
        silta_buf_puts(b, "<tr><td>");
        s_assessment_name(b, s, a->assessment_id);
        silta_buf_puts(b, "</td><td>");
        web_date(b, a->started);
        silta_buf_puts(b, "</td><td>");
        web_date(b, a->completed);
        silta_buf_puts(b, "</td><td class=\"need-areas\">");
        char areas[512];
        snprintf(areas, sizeof areas, "%s", a->need_areas);
        int first = 1;
        for (char *save = NULL, *t = strtok_r(areas, ",", &save); t;
             t = strtok_r(NULL, ",", &save), first = 0) {
            if (!first)
                silta_buf_puts(b, ", ");
            web_esc(b, s_area(s, t));
        }
        if (!*a->completed && *a->started) {
            s_form_open(b, s, ck, "assess_done", "assess-done");
            silta_buf_puts(b, "<input type=\"hidden\" name=\"assessment\" value=\"");
            web_esc(b, a->assessment_id);
            silta_buf_puts(b, "\"><fieldset style=\"min-width:0\"><legend>");
            s_t(b, s, "Arvioinnissa todetut tarvealueet (SHL 11 §)");
            silta_buf_puts(b, "</legend>");
            for (size_t k = 0; k < S_NAREAS; k++) {
                silta_buf_printf(b,
                                 "<label class=\"check\"><input type=\"checkbox\" "
                                 "name=\"need_%s\" value=\"1\"> ",
                                 s_areas[k].code);
                s_t(b, s, s_areas[k].label);
                silta_buf_puts(b, "</label>");
            }
            silta_buf_puts(b, "</fieldset><button>");
            s_t(b, s, "Kirjaa arviointi valmiiksi");
            silta_buf_puts(b, "</button></form>");
        }
        silta_buf_puts(b, "</td></tr>");
    }
    silta_buf_puts(b, "</tbody></table></div>");
}

/* ---------------------------------------------------------------- scores */

/* The distinct days of p's scores and measures, oldest first, the latest
 * S_MAX_DAYS of them; returns how many. */
static size_t s_days(const read_plan_t *p, const char *days[S_MAX_DAYS])
{
    const char *all[64];
    size_t n = 0;
    for (size_t i = 0; i < p->nscores + p->nmeasures; i++) {
        const char *d = i < p->nscores ? p->scores[i].day : p->measures[i - p->nscores].day;
        size_t k = 0;
        while (k < n && strcmp(all[k], d) != 0)
            k++;
        if (k < n || n == 64)
            continue;
        size_t at = n++; /* insertion sort: a handful of days */
        while (at > 0 && strcmp(all[at - 1], d) > 0) {
            all[at] = all[at - 1];
            at--;
        }
        all[at] = d;
    }
    size_t from = n > S_MAX_DAYS ? n - S_MAX_DAYS : 0;
    for (size_t i = from; i < n; i++)
        days[i - from] = all[i];
    return n - from;
}

/* The score of goal on day, or 99 when none. */
static int s_score(const read_plan_t *p, const char *goal, const char *day)
{
    for (size_t i = 0; i < p->nscores; i++)
        if (strcmp(p->scores[i].goal_id, goal) == 0 && strcmp(p->scores[i].day, day) == 0)
            return p->scores[i].gas;
    return 99;
}

/* A small line of the goal's scores by day: x one step per day, y from +2
 * (top) to -2 (bottom), a dot per score. */
static void s_svg(silta_buf_t *b, const read_plan_t *p, const char *goal, const char **days,
                  size_t nd)
{
    silta_buf_printf(b,
                     "<svg class=\"gas\" width=\"%zu\" height=\"44\" viewBox=\"0 0 %zu 44\" "
                     "aria-hidden=\"true\"><line x1=\"0\" y1=\"22\" x2=\"%zu\" y2=\"22\" "
                     "stroke=\"#ccc\"/><polyline fill=\"none\" stroke=\"#1a5\" points=\"",
                     nd * 24 + 8, nd * 24 + 8, nd * 24 + 8);
    for (size_t i = 0; i < nd; i++) {
        int g = s_score(p, goal, days[i]);
        if (g != 99)
            silta_buf_printf(b, "%zu,%d ", i * 24 + 6, 22 - g * 9);
    }
    silta_buf_puts(b, "\"/>");
    for (size_t i = 0; i < nd; i++) {
        int g = s_score(p, goal, days[i]);
        if (g != 99)
            silta_buf_printf(b, "<circle cx=\"%zu\" cy=\"%d\" r=\"3\" fill=\"#1a5\"/>", i * 24 + 6,
                             22 - g * 9);
    }
    silta_buf_puts(b, "</svg>");
}

static void s_goals(silta_buf_t *b, const web_session_t *s, const read_plan_t *p)
{
    const char *days[S_MAX_DAYS];
    size_t nd = s_days(p, days);
    silta_buf_puts(b, "<h3>");
    s_t(b, s, "Tavoitteet ja niiden saavuttaminen (GAS −2…+2)");
    silta_buf_puts(b, "</h3><div class=\"tbl\"><table id=\"cplan-goals\"><thead><tr><th>");
    s_t(b, s, "Tavoite asiakkaan omin sanoin");
    silta_buf_puts(b, "</th>");
    for (size_t d = 0; d < nd; d++) {
        silta_buf_puts(b, "<th>");
        web_date(b, days[d]);
        silta_buf_puts(b, "</th>");
    }
    silta_buf_puts(b, "<th>");
    s_t(b, s, "Muutos");
    silta_buf_puts(b, "</th></tr></thead><tbody>");
    for (size_t i = 0; i < p->ngoals; i++) {
        const read_cplan_goal_t *g = &p->goals[i];
        silta_buf_printf(b, "<tr class=\"goal\" data-goal=\"%zu\"><td>", i + 1);
        web_esc(b, g->text);
        silta_buf_puts(b, "</td>");
        for (size_t d = 0; d < nd; d++) {
            int v = s_score(p, g->goal_id, days[d]);
            if (v == 99)
                silta_buf_puts(b, "<td class=\"muted\">–</td>");
            else
                silta_buf_printf(b, "<td class=\"gas\" data-day=\"%s\">%+d</td>", days[d], v);
        }
        silta_buf_puts(b, "<td>");
        s_svg(b, p, g->goal_id, days, nd);
        silta_buf_puts(b, "</td></tr>");
    }
    if (p->nmeasures > 0) {
        silta_buf_puts(b, "<tr class=\"measure\"><td>");
        s_t(b, s, "Mittari");
        silta_buf_puts(b, "</td>");
        for (size_t d = 0; d < nd; d++) {
            silta_buf_puts(b, "<td>");
            for (size_t k = 0; k < p->nmeasures; k++)
                if (strcmp(p->measures[k].day, days[d]) == 0) {
                    web_esc(b, p->measures[k].name);
                    silta_buf_puts(b, " ");
                    web_esc(b, p->measures[k].value);
                    silta_buf_puts(b, " ");
                }
            silta_buf_puts(b, "</td>");
        }
        silta_buf_puts(b, "<td></td></tr>");
    }
    silta_buf_puts(b, "</tbody></table></div>");
}

static void s_actions(silta_buf_t *b, const web_session_t *s, const read_plan_t *p)
{
    static const char *const cols[] = {N_("Taho"), N_("Sovittu toimenpide"), N_("Vastuuhenkilö"),
                                       N_("Määräaika")};
    silta_buf_puts(b, "<h3>");
    s_t(b, s, "Tahojen sovitut toimenpiteet");
    silta_buf_puts(b, "</h3><div class=\"tbl\"><table id=\"cplan-actions\"><thead><tr>");
    for (size_t i = 0; i < 4; i++) {
        silta_buf_puts(b, "<th>");
        s_t(b, s, cols[i]);
        silta_buf_puts(b, "</th>");
    }
    silta_buf_puts(b, "</tr></thead><tbody>");
    for (size_t i = 0; i < p->nactions; i++) {
        const read_cplan_action_t *a = &p->actions[i];
        silta_buf_puts(b, "<tr><td>");
        web_esc(b, web_label(s, a->agency));
        silta_buf_puts(b, "</td><td>");
        web_esc(b, a->title);
        silta_buf_puts(b, "</td><td>");
        web_esc(b, a->responsible);
        silta_buf_puts(b, "</td><td>");
        web_date(b, a->due);
        silta_buf_puts(b, "</td></tr>");
    }
    silta_buf_puts(b, "</tbody></table></div>");
}

/* ---------------------------------------------------------------- forms */

static void s_review_form(silta_buf_t *b, const web_session_t *s, const char *ck, const char *today,
                          const read_plan_t *p)
{
    silta_buf_puts(b, "<h3>");
    s_t(b, s, "Kirjaa suunnitelman arviointi");
    silta_buf_puts(b, "</h3>");
    s_form_open(b, s, ck, "cplan_review", "cplan-review");
    for (size_t i = 0; i < p->ngoals; i++) {
        char id[40], name[32];
        snprintf(id, sizeof id, "rv-gas%zu", i + 1);
        snprintf(name, sizeof name, "gas%zu", i + 1);
        silta_buf_puts(b, "<p class=\"goal-text\">");
        web_esc(b, p->goals[i].text);
        silta_buf_puts(b, "</p>");
        s_gas_select(b, s, id, name);
    }
    s_head_inputs(b, s, "rv", today, p->responsible_worker);
    silta_buf_puts(b, "<p><button>");
    s_t(b, s, "Tallenna arviointi");
    silta_buf_puts(b, "</button></p></form>");
}

static void s_start_form(silta_buf_t *b, const web_session_t *s, const char *ck, const char *today,
                         const char *worker, const read_plan_t *p)
{
    static const char *const agencies[] = {"social", "kela", "employment", "health"};
    silta_buf_puts(b, "<details");
    if (!p->has_plan)
        silta_buf_puts(b, " open");
    silta_buf_puts(b, "><summary>");
    s_t(b, s, p->has_plan ? N_("Laadi uusi asiakassuunnitelma") : N_("Laadi asiakassuunnitelma"));
    silta_buf_puts(b, "</summary>");
    s_form_open(b, s, ck, "cplan", "cplan-start");
    for (size_t i = 0; i < p->nassessments; i++)
        if (*p->assessments[i].completed) { /* the latest completed assessment */
            silta_buf_puts(b, "<input type=\"hidden\" name=\"assessment\" value=\"");
            web_esc(b, p->assessments[i].assessment_id);
            silta_buf_puts(b, "\">");
            break;
        }
    for (size_t i = 1; i <= 3; i++) {
        char id[40], name[32];
        snprintf(id, sizeof id, "cp-goal%zu", i);
        snprintf(name, sizeof name, "goal%zu", i);
        silta_buf_printf(b, "<label for=\"%s\">", id);
        s_t(b, s, "Tavoite asiakkaan omin sanoin");
        silta_buf_printf(b,
                         " %zu</label><textarea id=\"%s\" name=\"%s\" maxlength=\"1000\" "
                         "rows=\"2\" cols=\"60\"%s></textarea>",
                         i, id, name, i == 1 ? " required" : "");
        snprintf(id, sizeof id, "cp-gas%zu", i);
        snprintf(name, sizeof name, "gas%zu", i);
        s_gas_select(b, s, id, name);
    }
    for (size_t i = 1; i <= 3; i++) {
        char id[40], name[40];
        silta_buf_puts(b, "<fieldset style=\"min-width:0\"><legend>");
        s_t(b, s, "Sovittu toimenpide");
        silta_buf_printf(b, " %zu</legend><label for=\"cp-act%zu-agency\">", i, i);
        s_t(b, s, "Taho");
        silta_buf_printf(b, "</label><select id=\"cp-act%zu-agency\" name=\"act%zu_agency\">", i,
                         i);
        for (size_t k = 0; k < 4; k++) {
            silta_buf_printf(b, "<option value=\"%s\">", agencies[k]);
            web_esc(b, web_label(s, agencies[k]));
            silta_buf_puts(b, "</option>");
        }
        silta_buf_puts(b, "</select>");
        snprintf(id, sizeof id, "cp-act%zu-title", i);
        snprintf(name, sizeof name, "act%zu_title", i);
        s_input(b, s, id, name, N_("Toimenpide"), "maxlength=\"250\" size=\"40\"", "");
        snprintf(id, sizeof id, "cp-act%zu-who", i);
        snprintf(name, sizeof name, "act%zu_who", i);
        s_input(b, s, id, name, N_("Vastuuhenkilö"), "maxlength=\"120\"", "");
        snprintf(id, sizeof id, "cp-act%zu-due", i);
        snprintf(name, sizeof name, "act%zu_due", i);
        s_input(b, s, id, name, N_("Määräaika"), "type=\"date\"", "");
        silta_buf_puts(b, "</fieldset>");
    }
    s_head_inputs(b, s, "cp", today,
                  p->has_plan && *p->responsible_worker ? p->responsible_worker : worker);
    silta_buf_puts(b, "<p><button>");
    s_t(b, s, "Tallenna suunnitelma");
    silta_buf_puts(b, "</button></p></form></details>");
}

void web_plan_render(silta_buf_t *b, const web_session_t *s, const char *ck, const char *today,
                     const char *worker, const read_plan_t *p)
{
    if (!p)
        return;
    silta_buf_puts(b, "<section id=\"client-plan\"><h2>");
    s_t(b, s, "Asiakassuunnitelma (SHL 39 §)");
    silta_buf_puts(b, "</h2>");
    s_assessments(b, s, ck, p);
    if (p->has_plan) {
        silta_buf_puts(b, "<dl><dt>");
        s_t(b, s, "Omatyöntekijä (SHL 42 §)");
        silta_buf_puts(b, "</dt><dd id=\"omatyontekija\">");
        web_esc(b, p->responsible_worker);
        silta_buf_puts(b, "</dd><dt>");
        s_t(b, s, "Laadittu");
        silta_buf_puts(b, "</dt><dd>");
        web_date(b, p->started);
        silta_buf_puts(b, "</dd><dt>");
        s_t(b, s, "Viimeksi arvioitu");
        silta_buf_puts(b, "</dt><dd>");
        if (*p->reviewed)
            web_date(b, p->reviewed);
        else
            silta_buf_puts(b, "–");
        silta_buf_puts(b, "</dd><dt>");
        s_t(b, s, "Seuraava arviointi");
        silta_buf_puts(b, "</dt><dd id=\"review-date\">");
        web_date(b, p->review_date);
        silta_buf_puts(b, "</dd></dl>");
        s_goals(b, s, p);
        s_actions(b, s, p);
        s_review_form(b, s, ck, today, p);
    } else {
        silta_buf_puts(b, "<p class=\"muted\">");
        s_t(b, s, "Asiakassuunnitelmaa ei ole vielä laadittu.");
        silta_buf_puts(b, "</p>");
    }
    s_start_form(b, s, ck, today, worker, p);
    silta_buf_puts(b, "</section>");
}
