/*  web_i18n.c - the inbox's texts per user language through GNU gettext.
 *
 *  Why uselocale(): server threads answer concurrently (silta_http, a thread
 *  per connection), so the language cannot be process-wide (setlocale, or the
 *  LANGUAGE variable, which every thread reads). glibc's gettext takes the
 *  LC_MESSAGES of the calling thread's locale, so web_t() switches only its
 *  own thread to fi_FI.UTF-8 or sv_FI.UTF-8 (made once by newlocale), looks
 *  the text up with dgettext() and switches back. That needs the two locales
 *  to exist: ops/install-deps.sh generates them (Debian `locales`,
 *  locale-gen). The catalogue is found as <dir>/fi/LC_MESSAGES/silta.mo
 *  (gettext falls back from fi_FI.UTF-8 to fi).
 *
 *  LANGUAGE is cleared at init: set, it would override every thread's locale
 *  (the whole process would speak one language).
 *
 *  Not here: which texts exist (po/, the N_() marks in web_*.c).
 */
#include "web_i18n.h"

#include <libintl.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>

#include "silta_env.h"
#include "silta_paths.h"
#include "silta_log.h"

/* Made once in web_i18n_init, before the server threads; read-only after. */
static locale_t s_locale[2];
static const char *const s_locale_name[2] = {"fi_FI.UTF-8", "sv_FI.UTF-8"};

int web_i18n_init(silta_err_t *err)
{
    char dirbuf[4096];
    const char *dir = silta_path("SILTA_LOCALE_DIR", SILTA_PATH_DATA, "locale", dirbuf, sizeof dirbuf);
    unsetenv("LANGUAGE");
    if (!bindtextdomain(WEB_I18N_DOMAIN, dir) || !bind_textdomain_codeset(WEB_I18N_DOMAIN, "UTF-8"))
        return silta_err_set(err, SILTA_ERR, "could not bind the message catalogue to %s", dir);
    for (int i = 0; i < 2; i++) {
        if (s_locale[i])
            continue;
        s_locale[i] = newlocale(LC_CTYPE_MASK | LC_MESSAGES_MASK, s_locale_name[i], (locale_t)0);
        if (!s_locale[i])
            return silta_err_set(err, SILTA_ERR,
                                 "locale %s is missing (ops/install-deps.sh generates it)",
                                 s_locale_name[i]);
    }
    silta_info("inbox languages ready", "dir=%s", dir);
    return 0;
}

web_lang_t web_lang_of(const char *code)
{
    return code && strcmp(code, "sv") == 0 ? WEB_LANG_SV : WEB_LANG_FI;
}

const char *web_lang_code(web_lang_t lang)
{
    return lang == WEB_LANG_SV ? "sv" : "fi";
}

const char *web_t(web_lang_t lang, const char *msgid)
{
    if (!msgid || !*msgid)
        return "";
    locale_t loc = s_locale[lang == WEB_LANG_SV];
    if (!loc)
        return msgid;
    locale_t old = uselocale(loc);
    const char *t = dgettext(WEB_I18N_DOMAIN, msgid);
    uselocale(old);
    return t;
}
