/*  test_casestore_i18n.c - casestore/web/web_i18n.h and the labels of
 *  web_text.c: a text in Finnish or Swedish from the built catalogue
 *  (build/locale, compiled in), per thread, and no code left without a name.
 */
#include <criterion/criterion.h>
#include <pthread.h>
#include <string.h>

#include "../../casestore/web/web_i18n.h"
#include "../../casestore/web/web_pages.h"

static void s_init(void)
{
    silta_err_t err;
    cr_assert_eq(web_i18n_init(&err), 0, "%s", err.msg);
}

TestSuite(i18n, .init = s_init);

Test(i18n, finnish_and_swedish_from_the_catalogue)
{
    cr_assert_str_eq(web_t(WEB_LANG_FI, "Saapuneet"), "Saapuneet");
    cr_assert_str_eq(web_t(WEB_LANG_SV, "Saapuneet"), "Inkorgen");
    cr_assert_str_eq(web_t(WEB_LANG_SV, "Työllisyyspalvelut"), "Sysselsättningstjänster");
    /* Not in the catalogue: the msgid (Finnish), never NULL. */
    cr_assert_str_eq(web_t(WEB_LANG_SV, "ei käännöstä"), "ei käännöstä");
    cr_assert_str_eq(web_t(WEB_LANG_SV, ""), "");
    cr_assert_eq(web_lang_of("sv"), WEB_LANG_SV);
    cr_assert_eq(web_lang_of(NULL), WEB_LANG_FI);
    cr_assert_eq(web_lang_of("en"), WEB_LANG_FI);
}

Test(i18n, codes_get_names_in_both_languages)
{
    web_session_t fi = {.lang = WEB_LANG_FI}, sv = {.lang = WEB_LANG_SV};
    cr_assert_str_eq(web_label(&fi, "sairauspaivaraha"), "Sairauspäiväraha");
    cr_assert_str_eq(web_label(&sv, "sairauspaivaraha"), "Sjukdagpenning");
    cr_assert_str_eq(web_label(&fi, "basic_amount_reduction"), "Perusosan alentaminen");
    cr_assert_str_eq(web_label(&sv, "basic_amount_reduction"), "Sänkning av grunddelen");
    cr_assert_str_eq(web_label(&fi, "kehotus"), "Kehotus");
    cr_assert_str_eq(web_label(&sv, "kehotus"), "Uppmaning");
    cr_assert_str_eq(web_label(&fi, "employment"), "Työllisyyspalvelut");
    cr_assert_str_eq(web_label(NULL, "urgent"), "kiireellinen");
    silta_buf_t b;
    silta_buf_init(&b);
    web_requester(&b, &sv, "Organization/Terveysasema");
    web_plan_title(&b, &sv, "reduction:x",
                   "Statement to Kela on the basic-amount reduction (50 %)");
    cr_assert_str_eq(b.data, "Terveysasema"
                             "Utlåtande till FPA om sänkningen av grunddelen (50 %)");
    silta_buf_free(&b);
}

static void *s_lookup(void *arg)
{
    web_lang_t lang = *(const web_lang_t *)arg;
    const char *want = lang == WEB_LANG_SV ? "Inkorgen" : "Saapuneet";
    for (int i = 0; i < 20000; i++)
        if (strcmp(web_t(lang, "Saapuneet"), want) != 0)
            return (void *)1;
    return NULL;
}

/* Server threads answer concurrently: each sees its own user's language. */
Test(i18n, each_thread_its_own_language)
{
    web_lang_t langs[4] = {WEB_LANG_FI, WEB_LANG_SV, WEB_LANG_FI, WEB_LANG_SV};
    pthread_t t[4];
    for (int i = 0; i < 4; i++)
        cr_assert_eq(pthread_create(&t[i], NULL, s_lookup, &langs[i]), 0);
    for (int i = 0; i < 4; i++) {
        void *bad = NULL;
        pthread_join(t[i], &bad);
        cr_assert_null(bad, "thread %d read another language", i);
    }
}

/* Every rule's text (the ids its findings carry, rules/rules_*.c) with its
 * arguments, as the store keeps them: each renders in Finnish and in Swedish
 * with its due date as D.M.YYYY, its codes by name, no placeholder and no raw
 * code left. */
Test(i18n, each_rules_text_renders_its_dates_in_finnish_and_swedish)
{
    static const struct {
        const char *id, *args, *fi, *sv;
    } cases[] = {
        {"r1", "t:TT-905\x1f" "d:2026-11-14\x1f" "d:2026-11-25\x1f" "n:7", "Kelan viite TT-905",
         "FPA:s referens TT-905"},
        {"r1_urgent", "t:TT-9\x1f" "d:2026-11-24\x1f" "d:2026-11-25\x1f" "n:1", "Kiireellinen",
         "brådskande"},
        {"r2_forwarded", "d:2026-11-14\x1f" "d:2026-11-25\x1f" "n:7", "14 a §", "14 a §"},
        {"r2_meeting", "d:2026-11-14\x1f" "d:2026-11-25\x1f" "n:7", "14 e §", "14 e §"},
        {"r2_other", "c:need_for_social_work\x1f" "d:2026-11-14\x1f" "d:2026-11-25\x1f" "n:7",
         "Sosiaalityön tarve", "Behov av socialarbete"},
        {"r3", "n:50\x1f" "d:2026-11-14\x1f" "c:not_registered_jobseeker\x1f" "d:2026-11-25",
         "50 % (ilmoitus 14.11.2026; syy: ei ilmoittautunut kokoaikaiseksi työnhakijaksi)",
         "50 % (anmälan 14.11.2026; orsak: inte anmäld som heltidsarbetssökande)"},
        {"r4", "n:300\x1f" "d:2026-12-02\x1f" "d:2026-11-25\x1f" "n:250\x1f" "n:90\x1f" "n:60\x1f"
         "n:150", "Kela maksaa sitä vain 25.11.2026 asti", "betalar den bara till 25.11.2026"},
        {"r5", "c:tyomarkkinatuki\x1f" "d:2026-11-25", "Etuus Työmarkkinatuki päättyy 25.11.2026",
         "Förmånen Arbetsmarknadsstöd upphör 25.11.2026"},
        {"r5_waiting", "c:kuntoutusraha\x1f" "d:2026-11-25\x1f" "c:peruspaivaraha\x1f" "n:7\x1f"
         "d:2026-12-04", "ei ole 4.12.2026 asti", "ingen inkomst till 4.12.2026"},
        {"r6", "d:2026-11-20\x1f" "d:2026-11-25\x1f" "n:6", "enintään 6 kuukauden", "högst 6 månader"},
        {"r6_waiting", "n:60\x1f" "d:2026-11-20\x1f" "d:2026-11-25\x1f" "n:6", "60 päivän karenssin",
         "karenstid på 60 dagar"},
        {"r7", "c:routine\x1f" "d:2026-11-20\x1f" "d:2026-11-25\x1f" "n:3", "kiireetön",
         "remitterande enheten"},
        {"r8", "t:job-search training\x1f" "d:2026-11-26\x1f" "d:2026-11-20\x1f" "d:2026-11-25",
         "”job-search training”", "”job-search training”"},
        {"r9_days", "n:300\x1f" "n:25\x1f" "d:2026-09-01\x1f" "d:2026-11-25", "300 päivää",
         "300 dagar"},
        {"r9_months", "n:12\x1f" "n:25\x1f" "d:2026-09-01\x1f" "d:2026-11-25", "12 kuukautta",
         "12 månader"},
        {"r9_under", "n:6\x1f" "n:25\x1f" "d:2026-09-01\x1f" "d:2026-11-25", "alle 25-vuotias",
         "under 25 år"},
        {"r10_urgent", "c:referral\x1f" "d:2026-11-25\x1f" "d:2026-11-25\x1f" "n:75",
         "(ohjaus 25.11.2026)", "(remiss 25.11.2026)"},
        {"r10_age", "c:notice\x1f" "d:2026-11-14\x1f" "d:2026-11-25\x1f" "n:75",
         "75 vuotta täyttäneelle", "fyllt 75 år"},
        {"r10_care", "c:referral\x1f" "d:2026-11-14\x1f" "d:2026-11-25\x1f" "n:75",
         "ylintä hoitotukea", "högsta vårdbidraget"},
        {"r11", "d:2026-10-26\x1f" "c:primary_benefit_not_applied\x1f" "d:2026-11-26\x1f"
         "d:2026-11-25", "syy: ensisijaista etuutta ei haettu",
         "orsak: primär förmån har inte sökts"},
    };
    web_session_t fi = {.lang = WEB_LANG_FI}, sv = {.lang = WEB_LANG_SV};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        silta_buf_t a, b;
        silta_buf_init(&a);
        silta_buf_init(&b);
        cr_assert_eq(web_alert_text(&a, &fi, cases[i].id, cases[i].args), 0, "%s", cases[i].id);
        cr_assert_eq(web_alert_text(&b, &sv, cases[i].id, cases[i].args), 0, "%s", cases[i].id);
        const char *const out[2] = {a.data, b.data}, *const want[2] = {cases[i].fi, cases[i].sv};
        for (int l = 0; l < 2; l++) {
            cr_assert(strstr(out[l], "25.11.2026"), "%s: no due date: %s", cases[i].id, out[l]);
            cr_assert(strstr(out[l], want[l]), "%s: no \"%s\" in %s", cases[i].id, want[l],
                      out[l]);
            cr_assert(!strchr(out[l], '{') && !strstr(out[l], "2026-") && !strchr(out[l], '_'),
                      "%s: a placeholder, ISO date or raw code: %s", cases[i].id, out[l]);
        }
        cr_assert_str_neq(a.data, b.data, "%s: Swedish missing", cases[i].id);
        silta_buf_free(&a);
        silta_buf_free(&b);
    }
    /* An alert from before 008 (no text id): the rule's general sentence. */
    silta_buf_t c;
    silta_buf_init(&c);
    cr_assert_eq(web_alert_text(&c, &fi, "", ""), -1);
    web_explanation(&c, &sv, "reduction_threatened", "", "");
    cr_assert(strstr(c.data, "FPA") || strstr(c.data, "uppmaning"), "%s", c.data);
    silta_buf_free(&c);
}

/* The outcomes of a rule in the user's language, rule 2's by the notice's kind. */
Test(i18n, outcomes_are_named_in_both_languages)
{
    web_session_t fi = {.lang = WEB_LANG_FI}, sv = {.lang = WEB_LANG_SV};
    silta_buf_t b;
    silta_buf_init(&b);
    cr_assert_eq(web_alert_outcomes(&b, &fi, "notice_not_handled", "r2_meeting"), 2);
    cr_assert(strstr(b.data, "Tapaaminen sovittu") && strstr(b.data, "data-date"), "%s", b.data);
    silta_buf_reset(&b);
    cr_assert_eq(web_alert_outcomes(&b, &sv, "reduction_threatened", "r11"), 1);
    cr_assert(strstr(b.data, "Klienten har fått hjälp att följa uppmaningen"), "%s", b.data);
    silta_buf_reset(&b);
    cr_assert_eq(web_alert_outcomes(&b, &sv, "referral_not_acknowledged", "r7"), 0);
    silta_buf_free(&b);
}
