/*  web_text.c - what a caseworker reads instead of a code or an English
 *  sentence, in the user's language (see web_pages.h): labels of codes (rules,
 *  notice kinds, benefits, priorities, statuses, severities, agencies), the
 *  flash messages, the alerts' explanations, the derived plan items' titles,
 *  the timeline's lines (the event type, and the notice kind or benefit by
 *  name) and the referring unit.
 *
 *  Design: the store keeps the rules' English texts (an alert's explanation,
 *  a derived plan item's title, a timeline summary): they travel to other
 *  agencies in hub.gap_alert.v1 and social.plan.v1 and name the exact dates
 *  and references for logs and siltactl. A page does not show them. An alert
 *  renders from its own text id and typed arguments (stored with it since
 *  008: web_alert.c), or, raised before that, from its rule's general
 *  sentence here; a plan item from its id (notice:, reduction:, referral:,
 *  basic:, statement:) and the title's one argument in parentheses; a
 *  timeline line from the event's type - each a msgid of the catalogue in the
 *  user's language. Texts from agencies and caseworkers (an employment plan
 *  item, a hand-made item) are shown as they are.
 *
 *  Not here: HTML of the pages (web_pages.c, web_client.c).
 */
#include <string.h>

#include "web_pages.h"

typedef struct {
    const char *code, *label;
} s_label_t;

/* Every code a page shows, with its text for people (a msgid: Finnish). */
static const s_label_t s_labels[] = {
    /* hub.gap_alert rules (casestore/README.md) */
    {"basic_assistance_decision_late", N_("Perustoimeentulotuen päätös myöhässä")},
    {"notice_not_handled", N_("Kelan ilmoitus käsittelemättä")},
    {"reduction_without_social_work", N_("Perusosan alentaminen ilman sosiaalityötä")},
    {"sickness_allowance_running_out", N_("Sairauspäiväraha päättymässä")},
    {"benefit_ends_no_successor", N_("Etuus päättyy ilman jatkoa")},
    {"not_entitled_income_gap", N_("Ei oikeutta työttömyysetuuteen: tulokatko")},
    {"referral_not_acknowledged", N_("Terveydenhuollon ohjaus kuittaamatta")},
    {"activation_during_incapacity", N_("Aktivointi työkyvyttömyyden aikana")},
    {"joint_service_assessment_due", N_("Monialaisen yhteispalvelun arvio")},
    {"service_need_assessment_late", N_("Palvelutarpeen arviointi myöhässä")},
    {"reduction_threatened", N_("Perusosan alentaminen uhkaa (kehotus)")},
    {"client_plan_review_due", N_("Asiakassuunnitelman arviointi myöhässä")},
    /* kela.notice kinds */
    {"forwarded_application", N_("Siirretty hakemus (täydentävä / ehkäisevä)")},
    {"basic_amount_reduction", N_("Perusosan alentaminen")},
    {"kehotus", N_("Kehotus")},
    {"under25_basic_assistance_4m", N_("Alle 25-v.: perustoimeentulotuki 4 kk")},
    {"long_term_unemployed_over25", N_("Pitkäaikaistyötön yli 25-v.")},
    {"immigrant_2m", N_("Maahanmuuttaja 2 kk")},
    {"meeting_request", N_("Asiakas pyytää tapaamista")},
    {"need_for_social_work", N_("Sosiaalityön tarve")},
    /* benefits */
    {"sairauspaivaraha", N_("Sairauspäiväraha")},
    {"kuntoutusraha", N_("Kuntoutusraha")},
    {"tyomarkkinatuki", N_("Työmarkkinatuki")},
    {"peruspaivaraha", N_("Peruspäiväraha")},
    {"ansiopaivaraha", N_("Ansiopäiväraha")},
    {"elake", N_("Eläke")},
    {"perustoimeentulotuki", N_("Perustoimeentulotuki")},
    {"hoitotuki", N_("Hoitotuki")},
    /* referral priorities and statuses, alert severities */
    {"routine", N_("kiireetön")},
    {"urgent", N_("kiireellinen")},
    {"asap", N_("mahdollisimman pian")},
    {"stat", N_("välittömästi")},
    {"warning", N_("varoitus")},
    {"info", N_("tiedoksi")},
    {"sent", N_("uusi")},
    {"accepted", N_("kuitattu")},
    {"open", N_("avoin")},
    {"done", N_("tehty")},
    {"cancelled", N_("peruttu")},
    /* owning agencies (employment: the wellbeing services since 1.1.2025, 380/2023) */
    {"kela", N_("Kela")},
    {"employment", N_("Työllisyyspalvelut")},
    {"health", N_("Terveydenhuolto")},
    {"social", N_("Sosiaalityö")},
    /* what a rule's text names (rules/: the kind of trigger, Kela's reason) */
    {"referral", N_("ohjaus")},
    {"notice", N_("Kelan ilmoitus")},
    {"primary_benefit_not_applied", N_("ensisijaista etuutta ei haettu")},
    {"not_registered_jobseeker", N_("ei ilmoittautunut kokoaikaiseksi työnhakijaksi")},
    {"labour_policy_sanction", N_("työvoimapoliittinen seuraamus (karenssi tai työvelvoite)")},
    {"integration_plan", N_("kotoutumissuunnitelman laiminlyönti")},
    {"none", N_("syytä ei ilmoitettu")},
    /* outcomes an alert is closed with (rules/cs_outcome.c) */
    {"kela_contacted", N_("Kelaan otettu yhteyttä, päätöstä pyydetty")},
    {"client_has_means", N_("Tarkistettu: asiakkaalla on rahaa ruokaan ja asumiseen")},
    {"application_granted", N_("Hakemus ratkaistu: myönnetty")},
    {"application_rejected", N_("Hakemus ratkaistu: hylätty")},
    {"meeting_booked", N_("Tapaaminen sovittu")},
    {"meeting_held", N_("Asiakas tavattu")},
    {"client_contacted", N_("Asiakkaaseen otettu yhteyttä")},
    {"rehabilitation_guided", N_("Ohjattu hakemaan kuntoutusrahaa")},
    {"pension_guided", N_("Ohjattu hakemaan eläkettä")},
    {"jobseeker_guided", N_("Ohjattu ilmoittautumaan työnhakijaksi")},
    {"successor_guided", N_("Ohjattu hakemaan jatkoetuutta")},
    {"basic_assistance_guided", N_("Ohjattu hakemaan perustoimeentulotukea")},
    {"basic_assistance_checked", N_("Perustoimeentulotuki tarkistettu asiakkaan kanssa")},
    {"employment_contacted", N_("Työllisyyspalveluihin otettu yhteyttä")},
    {"client_helped", N_("Asiakasta autettu toimimaan kehotuksen mukaan")},
    {"no_longer_actionable", N_("Suljettu: toimenpide ei ole enää mahdollinen")},
};

const char *web_tr(const web_session_t *s, const char *msgid)
{
    return web_t(s ? s->lang : WEB_LANG_FI, msgid);
}

const char *web_label(const web_session_t *s, const char *code)
{
    for (size_t i = 0; i < sizeof s_labels / sizeof s_labels[0]; i++)
        if (strcmp(s_labels[i].code, code) == 0)
            return web_tr(s, s_labels[i].label);
    return code;
}

const char *web_flash(const web_session_t *s, const char *key)
{
    static const s_label_t f[] = {
        {"kuitattu", N_("Ohjaus kuitattu: tieto lähtee terveydenhuoltoon (FHIR Task).")},
        {"arviointi", N_("Palvelutarpeen arviointi aloitettu (SHL 36 §).")},
        {"kasitelty", N_("Kelan ilmoitus merkitty käsitellyksi.")},
        {"vastuu", N_("Vastuutyöntekijä vaihdettu.")},
        {"kohta_lisatty", N_("Suunnitelman kohta lisätty.")},
        {"kohta_valmis", N_("Suunnitelman kohta merkitty valmiiksi.")},
        {"jo_tehty", N_("Tämä oli jo tehty; mitään ei muutettu.")},
        {"lausunto", N_("Lausunto lähetetty Kelalle.")},
        {"suljettu", N_("Hälytys suljettu, tulos kirjattu.")},
        {"arviointi_valmis", N_("Palvelutarpeen arviointi kirjattu valmiiksi (SHL 36 §).")},
        {"suunnitelma", N_("Asiakassuunnitelma tallennettu ja lähetetty suostumuksen "
                           "mukaisille tahoille (SHL 39 §).")},
        {"suunnitelma_arvioitu", N_("Asiakassuunnitelman arviointi kirjattu.")},
    };
    for (size_t i = 0; i < sizeof f / sizeof f[0]; i++)
        if (strcmp(f[i].code, key) == 0)
            return web_tr(s, f[i].label);
    return NULL;
}

/* What each rule asks for, by rule name: the page's explanation. The rule's
 * own English sentence (with its dates and references) stays in the store. */
static const s_label_t s_explanations[] = {
    {"basic_assistance_decision_late",
     N_("Kela ei ole tehnyt päätöstä perustoimeentulotuesta määräajassa "
        "(toimeentulotukilaki 14 a §). Ota yhteys Kelaan ja varmista, että asiakkaalla on "
        "nyt rahaa ruokaan ja asumiseen.")},
    {"notice_not_handled",
     N_("Kelan ilmoitusta ei ole käsitelty määräajassa (siirretty hakemus: päätös 7 "
        "arkipäivässä, toimeentulotukilaki 14 a §; tapaamispyyntö: tapaaminen 7 arkipäivässä, "
        "14 e §). Ota yhteys asiakkaaseen ja kirjaa tulos.")},
    {"reduction_without_social_work",
     N_("Kela alentaa toimeentulotuen perusosaa. Ota yhteys asiakkaaseen ja anna Kelalle "
        "sosiaalityön lausunto.")},
    {"sickness_allowance_running_out",
     N_("Sairauspäivärahan enimmäisaika (300 arkipäivää) lähestyy. Selvitä jatko ennen "
        "Kelan viimeistä maksupäivää: kuntoutus, eläke tai ilmoittautuminen työnhakijaksi.")},
    {"benefit_ends_no_successor",
     N_("Toimeentuloa turvaava etuus päättyy, eikä mikään etuus jatku seuraavasta päivästä "
        "(työttömyysetuus maksetaan vasta omavastuuajan jälkeen). Auta asiakasta hakemaan "
        "jatkoa.")},
    {"not_entitled_income_gap",
     N_("Työvoimapoliittinen lausunto: ei oikeutta työttömyysetuuteen tai karenssi. Tarkista "
        "perustoimeentulotuki asiakkaan kanssa; karenssi alentaa myös perusosaa 20 tai 40 %.")},
    {"referral_not_acknowledged",
     N_("Terveydenhuollon ohjausta ei ole kuitattu määräajassa. Kuittaa ohjaus lähettäneelle "
        "yksikölle ja ota yhteys asiakkaaseen.")},
    {"activation_during_incapacity",
     N_("Työllistymissuunnitelman kohta osuu työkyvyttömyyden ajalle (laki 380/2023). "
        "Työllisyyspalvelut siirtää tai peruu kohdan.")},
    {"joint_service_assessment_due",
     N_("Monialaisen yhteispalvelun tarve on arvioitava: pitkä työttömyys tai 300 päivää "
        "työmarkkinatukea (laki 381/2023).")},
    {"service_need_assessment_late",
     N_("Palvelutarpeen arviointi ei ole alkanut määräajassa (sosiaalihuoltolaki 36 §). Aloita "
        "arviointi ja kirjaa se.")},
    {"reduction_threatened",
     N_("Kela on antanut kehotuksen: asiakkaalla on kuukausi aikaa hakea ensisijaisia etuuksia "
        "tai ilmoittautua työnhakijaksi, muuten perusosaa alennetaan 50 %. Auta asiakasta "
        "toimimaan ajoissa.")},
    {"client_plan_review_due",
     N_("Asiakassuunnitelman arviointipäivä on ohitettu (sosiaalihuoltolaki 39 §). Arvioi "
        "suunnitelma asiakkaan kanssa ja kirjaa arviot.")},
};

void web_explanation(silta_buf_t *b, const web_session_t *s, const char *rule,
                     const char *text_id, const char *args)
{
    if (text_id && *text_id && web_alert_text(b, s, text_id, args) == 0)
        return;
    for (size_t i = 0; i < sizeof s_explanations / sizeof s_explanations[0]; i++)
        if (strcmp(s_explanations[i].code, rule) == 0) {
            web_esc(b, web_tr(s, s_explanations[i].label));
            return;
        }
    web_esc(b, web_label(s, rule));
}

/* The argument in a derived title's last parentheses ("Handle Kela notice
 * (kehotus)" → "kehotus") into out, or "". */
static void s_paren(const char *title, char *out, size_t len)
{
    const char *open = strrchr(title, '('), *close = strrchr(title, ')');
    size_t n = open && close > open ? (size_t)(close - open - 1) : 0;
    if (n >= len)
        n = len - 1;
    memcpy(out, n ? open + 1 : "", n);
    out[n] = '\0';
}

/* Derived plan items by their id's prefix (rules/cs_plan.c). */
static const s_label_t s_plan_titles[] = {
    {"notice:", N_("Käsittele Kelan ilmoitus")},
    {"reduction:", N_("Lausunto Kelalle perusosan alentamisesta")},
    {"referral:", N_("Kuittaa terveydenhuollon ohjaus")},
    {"basic:", N_("Kela päättää perustoimeentulotuesta")},
    {"statement:", N_("Tarkista perustoimeentulotuki työvoimapoliittisen lausunnon jälkeen")},
};

/* Outcomes of a labour-policy statement (a statement: item's argument). */
static const s_label_t s_outcomes[] = {
    {"not_entitled", N_("ei oikeutta työttömyysetuuteen")},
    {"waiting_period", N_("karenssi")},
};

void web_plan_title(silta_buf_t *b, const web_session_t *s, const char *item_id, const char *title)
{
    for (size_t i = 0; i < sizeof s_plan_titles / sizeof s_plan_titles[0]; i++) {
        const char *pre = s_plan_titles[i].code;
        if (strncmp(item_id, pre, strlen(pre)) != 0)
            continue;
        web_esc(b, web_tr(s, s_plan_titles[i].label));
        char arg[64];
        s_paren(title, arg, sizeof arg);
        const char *shown = arg;
        for (size_t j = 0; j < sizeof s_outcomes / sizeof s_outcomes[0]; j++)
            if (strcmp(s_outcomes[j].code, arg) == 0)
                shown = web_tr(s, s_outcomes[j].label);
        if (*arg && strcmp(pre, "reduction:") == 0)
            shown = arg; /* "50 %" */
        else if (*arg && shown == arg)
            shown = web_label(s, arg);
        if (*shown) {
            silta_buf_puts(b, " (");
            web_esc(b, shown);
            silta_buf_puts(b, ")");
        }
        return;
    }
    web_esc(b, title); /* an agency's or a caseworker's own words */
}

/* One timeline line per event type (store/cs_event.c). */
static const s_label_t s_event_lines[] = {
    {"kela.notice.v1", N_("Kelan ilmoitus")},
    {"kela.application.v1", N_("Hakemus Kelaan")},
    {"kela.decision.v1", N_("Kelan päätös")},
    {"employment.statement.v1", N_("Työvoimapoliittinen lausunto")},
    {"employment.plan.v1", N_("Työllistymissuunnitelman kohta")},
    {"employment.registration.v1", N_("Ilmoittautuminen työnhakijaksi")},
    {"health.referral.v1", N_("Terveydenhuollon ohjaus sosiaalihuoltoon")},
    {"health.incapacity.v1", N_("Työkyvyttömyys")},
    {"social.consent.v1", N_("Asiakkaan suostumus")},
    {"social.notice_handled.v1", N_("Kelan ilmoitus käsitelty")},
    {"social.referral_status.v1", N_("Ohjauksen tila päivitetty")},
    {"social.statement.v1", N_("Lausunto Kelalle")},
    {"social.assessment.v1", N_("Palvelutarpeen arviointi")},
    {"social.client_plan.v1", N_("Asiakassuunnitelma")},
    {"alert.outcome", N_("Hälytys suljettu")},
};

void web_timeline_line(silta_buf_t *b, const web_session_t *s, const char *type, const char *code)
{
    const char *line = "Tapahtuma";
    for (size_t i = 0; i < sizeof s_event_lines / sizeof s_event_lines[0]; i++)
        if (strcmp(s_event_lines[i].code, type) == 0)
            line = s_event_lines[i].label;
    web_esc(b, web_tr(s, line));
    /* The notice's kind or the benefit, when it has a name (never the code). */
    for (size_t i = 0; code && *code && i < sizeof s_labels / sizeof s_labels[0]; i++)
        if (strcmp(s_labels[i].code, code) == 0) {
            silta_buf_puts(b, ": ");
            web_esc(b, web_tr(s, s_labels[i].label));
            return;
        }
}

const char *web_agency_of_type(const web_session_t *s, const char *type)
{
    static const char *const agencies[] = {"kela", "employment", "health", "social"};
    for (size_t i = 0; i < sizeof agencies / sizeof agencies[0]; i++) {
        size_t n = strlen(agencies[i]);
        if (strncmp(type, agencies[i], n) == 0 && type[n] == '.')
            return web_label(s, agencies[i]);
    }
    return "Silta";
}

void web_requester(silta_buf_t *b, const web_session_t *s, const char *ref)
{
    (void)s;
    const char *slash = strrchr(ref, '/'); /* FHIR "Organization/Terveysasema" */
    web_esc(b, slash && slash[1] ? slash + 1 : ref);
}
