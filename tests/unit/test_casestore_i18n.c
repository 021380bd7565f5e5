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
