/*  web_alert.c - an alert for people: its explanation with its own dates,
 *  numbers and references in the user's language, and the outcomes a
 *  caseworker can close it with.
 *
 *  A rule gives each finding a text id and typed arguments (rules/cs_rules.h:
 *  'd' a day, 'n' a number, 'c' a code, 't' a text), the store keeps them with
 *  the alert (008) and read/ returns them joined by \x1f. Here each text id
 *  has a Finnish msgid with {1}, {2}... in the catalogue; the Swedish
 *  translation may put them in another order. A day shows as D.M.YYYY, a code
 *  by its name (web_label: a benefit, a notice kind, a reduction reason),
 *  never raw; a text (a Kela reference, an employment item's title) as it is.
 *  Placeholders are replaced here, never through printf: a translation cannot
 *  become a format string.
 *
 *  Not here: the English sentence (the store keeps it for logs and the hub),
 *  the form's HTML around the outcomes (web_client.c), which outcome a rule
 *  has (rules/cs_outcome.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../rules/cs_rules.h"
#include "web_pages.h"

typedef struct {
    const char *id, *msgid;
} s_text_t;

/* One msgid per text id of the rules (cs_finding_text calls in rules/). */
static const s_text_t s_texts[] = {
    {"r1", N_("Perustoimeentulotukihakemus (Kelan viite {1}) oli täydellinen {2}, eikä "
              "päätöstä ole; Kelan piti päättää {3} mennessä ({4} arkipäivää, "
              "toimeentulotukilaki 14 a §). Ota yhteys Kelaan ja varmista, että asiakkaalla on "
              "nyt rahaa ruokaan ja asumiseen.")},
    {"r1_urgent", N_("Kiireellinen perustoimeentulotukihakemus (Kelan viite {1}) oli täydellinen "
                     "{2}, eikä päätöstä ole; Kelan piti päättää {3} mennessä ({4} arkipäivä, "
                     "toimeentulotukilaki 14 a §). Ota yhteys Kelaan ja varmista, että "
                     "asiakkaalla on nyt rahaa ruokaan ja asumiseen.")},
    {"r2_forwarded", N_("Kela siirsi {1} hakemuksen täydentävästä tai ehkäisevästä "
                        "toimeentulotuesta, eikä siitä ole päätöstä; hyvinvointialueen piti "
                        "päättää {2} mennessä ({3} arkipäivää, toimeentulotukilaki 14 a §). Tee "
                        "päätös ja kirjaa se.")},
    {"r2_meeting", N_("Asiakas pyysi Kelassa {1} tapaamista sosiaalityöntekijän kanssa, eikä "
                      "tapaamista ole ollut; se piti järjestää {2} mennessä ({3} arkipäivää, "
                      "toimeentulotukilaki 14 e §). Tapaa asiakas ja kirjaa se.")},
    {"r2_other", N_("Kelan ilmoitusta ({1}, {2}) ei ole käsitelty; se piti käsitellä {3} "
                    "mennessä ({4} arkipäivää). Ota yhteys asiakkaaseen ja kirjaa tulos.")},
    /* xgettext:no-c-format */
    {"r3", N_("Kela alensi asiakkaan perusosaa {1} % (ilmoitus {2}; syy: {3}). Sosiaalityön on "
              "otettava yhteys asiakkaaseen ja annettava Kelalle lausunto {4} mennessä.")},
    {"r4", N_("Sairauspäivärahan {1}. päivä on {2}, joten Kela maksaa sitä vain {3} asti. "
              "Päiviä on käytetty noin {4}, eikä eläkettä, kuntoutusrahaa tai työnhakijaksi "
              "ilmoittautumista ole: suunnittele jatko asiakkaan ja Kelan kanssa ennen sitä. "
              "Tarkista, että työkykyarvio ({5}. päivä) ja Kelan kuntoutustarpeen selvitykset "
              "({6}. ja {7}. päivä) on tehty.")},
    {"r5", N_("Etuus {1} päättyy {2}, eikä mikään myönnetty tai haettu etuus jatku "
              "seuraavasta päivästä. Selvitä asiakkaan kanssa, mikä etuus jatkaa, ja auta "
              "hakemuksessa.")},
    {"r5_waiting", N_("Etuus {1} päättyy {2}. Seuraava etuus ({3}) maksetaan vasta {4} päivän "
                      "omavastuuajan jälkeen, joten tuloja ei ole {5} asti. Selvitä asiakkaan "
                      "kanssa, miten väli katetaan (perustoimeentulotuki), ja auta "
                      "hakemuksessa.")},
    /* xgettext:no-c-format */
    {"r6", N_("Työllisyyspalvelut antoi {1} lausunnon, ettei asiakkaalla ole oikeutta "
              "työttömyysetuuteen. Tarkista perustoimeentulotuki asiakkaan kanssa {2} "
              "mennessä. Kela voi myös alentaa perusosaa 20 tai 40 % enintään {3} kuukauden "
              "ajan; anna silloin Kelalle sosiaalityön lausunto (ks. ”Perusosan alentaminen "
              "ilman sosiaalityötä”).")},
    /* xgettext:no-c-format */
    {"r6_waiting", N_("Työllisyyspalvelut asetti {2} alkaen {1} päivän karenssin: "
                      "työttömyysetuutta ei makseta. Tarkista perustoimeentulotuki asiakkaan "
                      "kanssa {3} mennessä. Kela voi myös alentaa perusosaa 20 tai 40 % enintään "
                      "{4} kuukauden ajan; anna silloin Kelalle sosiaalityön lausunto (ks. "
                      "”Perusosan alentaminen ilman sosiaalityötä”).")},
    {"r7", N_("Terveydenhuollon ohjausta ({1}, laadittu {2}) ei ole kuitattu; se piti kuitata "
              "{3} mennessä ({4} arkipäivää). Kuittaa ohjaus lähettäneelle yksikölle ja ota "
              "yhteys asiakkaaseen.")},
    {"r8", N_("Työllistymissuunnitelman kohta ”{1}” ({2}) osuu terveydenhuollon toteamalle "
              "työkyvyttömyysjaksolle {3}–{4} (laki 380/2023). Työllisyyspalvelut siirtää tai "
              "peruu kohdan.")},
    {"r9_days", N_("Asiakas on saanut työmarkkinatukea {1} päivää ({3}): monialaisen "
                   "yhteispalvelun arvio työllisyyspalvelujen, Kelan ja sosiaalityön kanssa on "
                   "tehtävä {4} mennessä (laki 381/2023).")},
    {"r9_months", N_("Asiakas on ollut työttömänä {1} kuukautta ({3}): monialaisen "
                     "yhteispalvelun arvio työllisyyspalvelujen, Kelan ja sosiaalityön kanssa on "
                     "tehtävä {4} mennessä (laki 381/2023).")},
    {"r9_under", N_("Asiakas on alle {2}-vuotias ja ollut työttömänä {1} kuukautta ({3}): "
                    "monialaisen yhteispalvelun arvio työllisyyspalvelujen, Kelan ja "
                    "sosiaalityön kanssa on tehtävä {4} mennessä (laki 381/2023).")},
    {"r10_urgent", N_("Palvelutarpeen arviointi kiireelliseen tarpeeseen ({1} {2}) ei ole "
                      "alkanut; sen piti alkaa heti, {3} (sosiaalihuoltolaki 36 §). Aloita "
                      "arviointi ja kirjaa se.")},
    {"r10_age", N_("Palvelutarpeen arviointi {4} vuotta täyttäneelle asiakkaalle ({1} {2}) ei "
                   "ole alkanut; sen piti alkaa {3} mennessä (sosiaalihuoltolaki 36 §). Aloita "
                   "arviointi ja kirjaa se.")},
    {"r10_care", N_("Palvelutarpeen arviointi ylintä hoitotukea saavalle asiakkaalle ({1} {2}) "
                    "ei ole alkanut; sen piti alkaa {3} mennessä (sosiaalihuoltolaki 36 §). "
                    "Aloita arviointi ja kirjaa se.")},
    /* xgettext:no-c-format */
    {"r11", N_("Kela antoi asiakkaalle kehotuksen {1} (syy: {2}): ellei asiakas hae "
               "ensisijaisia etuuksia tai ilmoittaudu kokoaikaiseksi työnhakijaksi {3} "
               "mennessä, perusosaa alennetaan 50 %. Ota yhteys asiakkaaseen {4} mennessä ja "
               "auta häntä toimimaan ajoissa.")},
    {"r12", N_("Asiakassuunnitelma piti arvioida {1} (määräaika {2}), eikä arviointia ole "
               "kirjattu (sosiaalihuoltolaki 39 §). Arvioi suunnitelma asiakkaan ja "
               "toimijoiden kanssa ja kirjaa tavoitteiden saavuttamisen arviot (GAS).")},
};

/* The n-th (1-based) argument of args ("d:2026-11-25\x1fc:kehotus") into
 * type and value (len bytes); 0, or -1 when there is none. */
static int s_arg(const char *args, int n, char *type, char *value, size_t len)
{
    const char *p = args;
    for (int i = 1; i < n && p; i++) {
        p = strchr(p, '\x1f');
        if (p)
            p++;
    }
    if (!p || !p[0] || p[1] != ':')
        return -1;
    *type = p[0];
    const char *end = strchr(p, '\x1f');
    size_t l = end ? (size_t)(end - p - 2) : strlen(p + 2);
    if (l >= len)
        l = len - 1;
    memcpy(value, p + 2, l);
    value[l] = '\0';
    return 0;
}

static void s_render_arg(silta_buf_t *b, const web_session_t *s, char type, const char *value)
{
    if (type == 'd')
        web_date(b, value);
    else if (type == 'c')
        web_esc(b, web_label(s, value));
    else
        web_esc(b, value);
}

/* n bytes of p, HTML-escaped into b (in pieces: no allocation). */
static void s_esc_n(silta_buf_t *b, const char *p, size_t n)
{
    char chunk[256];
    while (n > 0) {
        size_t k = n < sizeof chunk - 1 ? n : sizeof chunk - 1;
        memcpy(chunk, p, k);
        chunk[k] = '\0';
        web_esc(b, chunk);
        p += k;
        n -= k;
    }
}

int web_alert_text(silta_buf_t *b, const web_session_t *s, const char *text_id, const char *args)
{
    const char *msg = NULL;
    for (size_t i = 0; text_id && i < sizeof s_texts / sizeof s_texts[0] && !msg; i++)
        if (strcmp(s_texts[i].id, text_id) == 0)
            msg = web_tr(s, s_texts[i].msgid);
    if (!msg)
        return -1;
    for (const char *p = msg; *p;) {
        const char *open = strchr(p, '{');
        char *close = NULL;
        long n = open ? strtol(open + 1, &close, 10) : 0;
        char type, value[128];
        if (!open) {
            s_esc_n(b, p, strlen(p));
            break;
        }
        if (!close || *close != '}' || n < 1 || n > CS_MAX_ARGS ||
            s_arg(args ? args : "", (int)n, &type, value, sizeof value) != 0) {
            s_esc_n(b, p, (size_t)(open - p) + 1); /* not a placeholder: as it is */
            p = open + 1;
            continue;
        }
        s_esc_n(b, p, (size_t)(open - p));
        s_render_arg(b, s, type, value);
        p = close + 1;
    }
    return 0;
}

size_t web_alert_outcomes(silta_buf_t *b, const web_session_t *s, const char *rule,
                          const char *text_id)
{
    size_t n = 0, count = 0;
    const cs_outcome_t *all = cs_outcomes_all(&n);
    for (size_t i = 0; i < n; i++) {
        if (cs_outcome_find(rule, text_id, all[i].code) != &all[i])
            continue;
        silta_buf_printf(b, "<option value=\"%s\"%s>", all[i].code,
                         all[i].needs_date ? " data-date=\"1\"" : "");
        web_esc(b, web_label(s, all[i].code));
        silta_buf_puts(b, "</option>");
        count++;
    }
    return count;
}
