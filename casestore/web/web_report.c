/*  web_report.c - HTML and inline SVG of the team lead's page (web_report.h).
 *
 *  Charts are drawn here, on the server, as SVG elements in the page: no
 *  JavaScript and no chart library. Each bar has a <title> (its value in
 *  words, for a screen reader and a hover) and each chart a role="img" with
 *  a label; the table under it holds the same numbers. A hidden value is a
 *  grey stub marked "<5": its height says nothing about its number.
 *
 *  Not here: SQL and suppression (../read/read_report.c), the role check
 *  (web_routes.c).
 */
#include "web_report.h"

#include <stdio.h>
#include <string.h>

#include "web_pages.h"

#define S_HIDDEN "&lt;5" /* the mark of a hidden value (READ_REPORT_MIN_CELL) */

/* Eleven rules, eleven colours that tell apart in print and for the common
 * colour-vision deficiencies (Okabe-Ito, then Tol's muted). */
static const char *const s_colour[] = {"#0072b2", "#e69f00", "#009e73", "#cc79a7",
                                       "#56b4e9", "#d55e00", "#f0e442", "#332288",
                                       "#882255", "#44aa99", "#999933"};
#define S_NCOLOURS (sizeof s_colour / sizeof s_colour[0])

/* The words of the rows the read model names by code. */
static const struct {
    const char *code, *label;
} s_rows[] = {
    {"in_time", N_("Kuitattu määräajassa")},
    {"late", N_("Kuitattu myöhässä tai ei lainkaan (hälytys)")},
    {"waiting", N_("Odottaa, määräaika ei ole kulunut")},
};

static const char *s_row_label(const web_session_t *s, const read_report_table_t *t, size_t r)
{
    if (r == t->nr)
        return web_tr(s, N_("Yhteensä"));
    const char *code = read_report_row(t, r);
    for (size_t i = 0; i < sizeof s_rows / sizeof s_rows[0]; i++)
        if (strcmp(s_rows[i].code, code) == 0)
            return web_tr(s, s_rows[i].label);
    return web_label(s, code);
}

/* An area: a team's name, or the team queue "team:<name>" in words. */
static void s_area(silta_buf_t *b, const web_session_t *s, const char *area)
{
    if (strncmp(area, "team:", 5) == 0) {
        web_esc(b, web_tr(s, N_("Tiimin jono")));
        silta_buf_puts(b, " ");
        web_esc(b, area + 5);
    } else if (strcmp(area, "-") == 0) {
        web_esc(b, web_tr(s, N_("Ei tiimiä")));
    } else {
        web_esc(b, web_tr(s, N_("Tiimi")));
        silta_buf_puts(b, " ");
        web_esc(b, area);
    }
}

/* "2026-04" as "4/2026". */
static void s_month(silta_buf_t *b, const char *m)
{
    int mon = (m[5] - '0') * 10 + (m[6] - '0');
    silta_buf_printf(b, "%d/%.4s", mon, m);
}

/* ---------------------------------------------------------------- tables */

static void s_table(silta_buf_t *b, const web_session_t *s, const read_report_table_t *t,
                    const char *row_heading)
{
    size_t cols = t->nc + 1;
    silta_buf_puts(b, "<div class=\"tbl\"><table class=\"report\"><thead><tr><th>");
    web_esc(b, web_tr(s, row_heading));
    silta_buf_puts(b, "</th>");
    for (size_t c = 0; c < t->nc; c++) {
        silta_buf_puts(b, "<th>");
        s_month(b, t->months[c]);
        silta_buf_puts(b, "</th>");
    }
    silta_buf_puts(b, "<th>");
    web_esc(b, web_tr(s, N_("Yhteensä")));
    silta_buf_puts(b, "</th></tr></thead><tbody>");
    for (size_t r = 0; r <= t->nr; r++) {
        silta_buf_puts(b, r == t->nr ? "<tr class=\"total\"><th>" : "<tr><th>");
        web_esc(b, s_row_label(s, t, r));
        silta_buf_puts(b, "</th>");
        for (size_t c = 0; c < cols; c++) {
            size_t at = r * cols + c;
            if (t->hidden[at]) {
                silta_buf_puts(b, "<td class=\"hidden\" title=\"");
                web_esc(b, web_tr(s, N_("piilotettu: alle 5 asiakasta, tai piilotettu jotta "
                                        "summasta ei voi laskea pientä lukua")));
                silta_buf_puts(b, "\">" S_HIDDEN "</td>");
            } else if (t->median[at] >= 0) {
                silta_buf_printf(b, "<td>%ld <span class=\"muted\">(%ld ", t->v[at], t->median[at]);
                web_esc(b, web_tr(s, N_("pv"))); /* the median in days */
                silta_buf_puts(b, ")</span></td>");
            } else {
                silta_buf_printf(b, "<td>%ld</td>", t->v[at]);
            }
        }
        silta_buf_puts(b, "</tr>");
    }
    silta_buf_puts(b, "</tbody></table></div>");
}

/* ---------------------------------------------------------------- charts */

/* Gaps by rule per month: a group of bars a month, a bar a rule, the same
 * colour for a rule in every group (the legend under the chart). */
static void s_chart_gaps(silta_buf_t *b, const web_session_t *s, const read_report_table_t *t)
{
    const int w = 720, h = 220, left = 36, bottom = 24, top = 10;
    size_t cols = t->nc + 1;
    long max = READ_REPORT_MIN_CELL;
    for (size_t r = 0; r < t->nr; r++)
        for (size_t c = 0; c < t->nc; c++)
            if (!t->hidden[r * cols + c] && t->v[r * cols + c] > max)
                max = t->v[r * cols + c];
    double gw = (double)(w - left - 8) / (double)(t->nc ? t->nc : 1);
    double bw = gw * 0.8 / (double)(t->nr ? t->nr : 1);
    double ph = (double)(h - top - bottom);
    silta_buf_printf(b, "<svg class=\"chart\" viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"", w,
                     h);
    web_esc(b, web_tr(s, N_("Havaitut aukot säännöittäin ja kuukausittain")));
    silta_buf_printf(b,
                     "\"><line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#5b6570\"/>"
                     "<text x=\"%d\" y=\"%d\" text-anchor=\"end\" font-size=\"11\">%ld</text>"
                     "<text x=\"%d\" y=\"%d\" text-anchor=\"end\" font-size=\"11\">0</text>",
                     left, h - bottom, w - 8, h - bottom, left - 4, top + 10, max, left - 4,
                     h - bottom);
    for (size_t c = 0; c < t->nc; c++) {
        double gx = left + gw * (double)c + gw * 0.1;
        for (size_t r = 0; r < t->nr; r++) {
            size_t at = r * cols + c;
            double x = gx + bw * (double)r;
            if (t->hidden[at]) {
                silta_buf_printf(b,
                                 "<rect class=\"hidden\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
                                 "height=\"6\" fill=\"#c9d1db\"><title>",
                                 x, h - bottom - 6.0, bw);
                web_esc(b, s_row_label(s, t, r));
                silta_buf_puts(b, " ");
                s_month(b, t->months[c]);
                silta_buf_puts(b, ": " S_HIDDEN "</title></rect>");
            } else if (t->v[at] > 0) {
                double bh = ph * (double)t->v[at] / (double)max;
                silta_buf_printf(b,
                                 "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
                                 "fill=\"%s\"><title>",
                                 x, h - bottom - bh, bw, bh, s_colour[r % S_NCOLOURS]);
                web_esc(b, s_row_label(s, t, r));
                silta_buf_puts(b, " ");
                s_month(b, t->months[c]);
                silta_buf_printf(b, ": %ld</title></rect>", t->v[at]);
            }
        }
        silta_buf_printf(b, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" font-size=\"11\">",
                         left + gw * (double)c + gw / 2, h - 8);
        s_month(b, t->months[c]);
        silta_buf_puts(b, "</text>");
    }
    silta_buf_puts(b, "</svg><ul class=\"legend\">");
    for (size_t r = 0; r < t->nr; r++) {
        silta_buf_printf(b, "<li><span style=\"background:%s\"></span>", s_colour[r % S_NCOLOURS]);
        web_esc(b, s_row_label(s, t, r));
        silta_buf_puts(b, "</li>");
    }
    silta_buf_puts(b, "<li><span style=\"background:#c9d1db\"></span>" S_HIDDEN " ");
    web_esc(b, web_tr(s, N_("piilotettu")));
    silta_buf_puts(b, "</li></ul>");
}

/* Caseload: clients per worker in each area, a bar an area, the guideline
 * as a dashed line. A hidden area has no bar: clients per worker times the
 * workers shown would give its clients away. */
static void s_chart_caseload(silta_buf_t *b, const web_session_t *s, const read_report_t *r)
{
    const int w = 720, left = 170, row = 26, top = 8;
    int h = top + row * (int)r->ncaseload + 22;
    double max = r->guideline > 0 ? (double)r->guideline * 1.25 : 10.0;
    for (size_t i = 0; i < r->ncaseload; i++) {
        const read_report_caseload_t *c = &r->caseload[i];
        if (!c->hidden && c->workers > 0 && (double)c->clients / (double)c->workers > max)
            max = (double)c->clients / (double)c->workers;
    }
    double pw = (double)(w - left - 50);
    silta_buf_printf(b, "<svg class=\"chart\" viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"", w,
                     h);
    web_esc(b, web_tr(s, N_("Asiakkaita työntekijää kohden suhteessa suositukseen")));
    silta_buf_puts(b, "\">");
    for (size_t i = 0; i < r->ncaseload; i++) {
        const read_report_caseload_t *c = &r->caseload[i];
        int y = top + row * (int)i;
        silta_buf_printf(b, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\" font-size=\"12\">",
                         left - 6, y + 16);
        s_area(b, s, c->area);
        silta_buf_puts(b, "</text>");
        if (c->hidden || c->workers <= 0) {
            silta_buf_printf(
                b, "<text class=\"hidden\" x=\"%d\" y=\"%d\" font-size=\"12\">" S_HIDDEN "</text>",
                left + 4, y + 16);
            continue;
        }
        double per = (double)c->clients / (double)c->workers;
        double bw = pw * per / max;
        int over = r->guideline > 0 && per > (double)r->guideline;
        silta_buf_printf(b,
                         "<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"18\" fill=\"%s\">"
                         "<title>",
                         left, y + 3, bw, over ? "#a4001d" : "#0072b2");
        s_area(b, s, c->area);
        silta_buf_printf(b,
                         ": %.1f</title></rect><text x=\"%.1f\" y=\"%d\" font-size=\"12\">"
                         "%.1f</text>",
                         per, left + bw + 4, y + 16, per);
    }
    if (r->guideline > 0) {
        double gx = left + pw * (double)r->guideline / max;
        silta_buf_printf(b,
                         "<line class=\"guideline\" x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" "
                         "y2=\"%d\" stroke=\"#1b1f23\" stroke-dasharray=\"4 3\"/>"
                         "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" font-size=\"11\">",
                         gx, top, gx, h - 18, gx, h - 4);
        web_esc(b, web_tr(s, N_("suositus")));
        silta_buf_printf(b, " %ld</text>", r->guideline);
    }
    silta_buf_puts(b, "</svg>");
}

/* ---------------------------------------------------------------- page */

static void s_section(silta_buf_t *b, const web_session_t *s, const read_report_t *r,
                      read_report_kind_t kind, const char *title, const char *explain,
                      const char *row_heading)
{
    silta_buf_printf(b, "<section id=\"kind-%d\"><h2>", (int)kind);
    web_esc(b, web_tr(s, title));
    silta_buf_puts(b, "</h2><p class=\"muted\">");
    web_esc(b, web_tr(s, explain));
    silta_buf_puts(b, "</p>");
    int any = 0;
    for (size_t i = 0; i < r->ntables; i++) {
        const read_report_table_t *t = &r->tables[i];
        if (t->kind != kind)
            continue;
        any = 1;
        silta_buf_puts(b, "<h3>");
        s_area(b, s, t->area);
        silta_buf_puts(b, "</h3>");
        if (kind == READ_REPORT_GAPS)
            s_chart_gaps(b, s, t);
        s_table(b, s, t, row_heading);
    }
    if (!any) {
        silta_buf_puts(b, "<p>");
        web_esc(b, web_tr(s, N_("Ei tapauksia tältä ajalta.")));
        silta_buf_puts(b, "</p>");
    }
    silta_buf_puts(b, "</section>");
}

static void s_caseload(silta_buf_t *b, const web_session_t *s, const read_report_t *r)
{
    silta_buf_puts(b, "<section id=\"caseload\"><h2>");
    web_esc(b, web_tr(s, N_("Asiakasmäärä työntekijää kohden")));
    silta_buf_puts(b, "</h2><p class=\"muted\">");
    web_esc(b, web_tr(s, N_("Asiakkaat, joilla on vastuutyöntekijä, tiimeittäin. Suositus on "
                            "hyvinvointialueen oma linjaus.")));
    silta_buf_puts(b, "</p>");
    if (!r->ncaseload) {
        silta_buf_puts(b, "<p>");
        web_esc(b, web_tr(s, N_("Ei vastuutyöntekijöitä.")));
        silta_buf_puts(b, "</p></section>");
        return;
    }
    s_chart_caseload(b, s, r);
    silta_buf_puts(b, "<div class=\"tbl\"><table class=\"report\"><thead><tr><th>");
    web_esc(b, web_tr(s, N_("Tiimi")));
    silta_buf_puts(b, "</th><th>");
    web_esc(b, web_tr(s, N_("Työntekijöitä")));
    silta_buf_puts(b, "</th><th>");
    web_esc(b, web_tr(s, N_("Asiakkaita")));
    silta_buf_puts(b, "</th><th>");
    web_esc(b, web_tr(s, N_("Työntekijöitä yli suosituksen")));
    silta_buf_puts(b, "</th></tr></thead><tbody>");
    for (size_t i = 0; i < r->ncaseload; i++) {
        const read_report_caseload_t *c = &r->caseload[i];
        silta_buf_puts(b, "<tr><th>");
        s_area(b, s, c->area);
        silta_buf_printf(b, "</th><td>%ld</td>", c->workers);
        if (c->hidden)
            silta_buf_puts(b, "<td class=\"hidden\">" S_HIDDEN "</td><td class=\"hidden\">" S_HIDDEN
                              "</td>");
        else
            silta_buf_printf(b, "<td>%ld</td><td>%ld</td>", c->clients, c->over_guideline);
        silta_buf_puts(b, "</tr>");
    }
    silta_buf_puts(b, "</tbody></table></div></section>");
}

void web_page_report(const read_report_t *r, const web_session_t *s, silta_buf_t *b)
{
    web_page_begin(b, N_("Raportti päättäjille"), s);
    silta_buf_puts(b, "<style>svg.chart{width:100%;max-width:720px;height:auto;background:#fff;"
                      "border:1px solid #dde1e6}ul.legend{list-style:none;padding:0;display:flex;"
                      "flex-wrap:wrap;gap:.2rem 1rem;font-size:.85rem}ul.legend span{display:"
                      "inline-block;width:.8rem;height:.8rem;margin-right:.3rem;vertical-align:"
                      "middle}td.hidden{color:#5b6570;font-style:italic}tr.total{font-weight:600}"
                      "</style><h1>");
    web_esc(b, web_tr(s, N_("Raportti päättäjille")));
    silta_buf_puts(b, "</h1><p>");
    web_esc(b, web_tr(s, N_("Luvut ovat eri asiakkaiden määriä alueittain ja kuukausittain. "
                            "Alle 5 asiakkaan luvut näytetään merkinnällä <5, ja niin monta "
                            "muuta lukua piilotetaan samoin, ettei pientä lukua voi laskea "
                            "summista. Raportissa ei ole henkilötunnuksia, nimiä eikä "
                            "asiakastunnisteita.")));
    silta_buf_puts(b, "</p><form method=\"get\" action=\"/report\"><label for=\"since\">");
    web_esc(b, web_tr(s, N_("Alkaen kuukaudesta")));
    silta_buf_printf(b,
                     "</label><input id=\"since\" name=\"since\" type=\"month\" "
                     "value=\"%s\" required> <button type=\"submit\">",
                     r->since);
    web_esc(b, web_tr(s, N_("Näytä")));
    silta_buf_puts(b, "</button></form>");
    s_section(b, s, r, READ_REPORT_GAPS, N_("Havaitut aukot säännöittäin"),
              N_("Asiakkaat, joille sääntö avasi hälytyksen kuukauden aikana; suluissa "
                 "mediaani päivinä hälytyksestä sen sulkeneeseen toimeen."),
              N_("Sääntö"));
    s_section(b, s, r, READ_REPORT_LATE, N_("Myöhästyneet päätökset viranomaisittain"),
              N_("Asiakkaat, joiden toimeentulotukipäätös ylitti lakisääteisen määräajan "
                 "(laki toimeentulotuesta 14 a §): Kelan perustoimeentulotuki ja "
                 "hyvinvointialueen päätös Kelan siirtämästä hakemuksesta; suluissa mediaani "
                 "päivinä hälytyksestä päätökseen."),
              N_("Viranomainen"));
    s_section(b, s, r, READ_REPORT_REFERRALS, N_("Terveydenhuollon ohjausten kuittaus"),
              N_("Terveydenhuollon ohjaukset (sosiaalihuoltolaki 35 §) kirjoituskuukauden "
                 "mukaan: kuitattu määräajassa (paikallinen linjaus), myöhässä tai "
                 "odottamassa; suluissa mediaani päivinä "
                 "ohjauksesta kuittaukseen."),
              N_("Tila"));
    s_caseload(b, s, r);
    web_page_end(b);
}
