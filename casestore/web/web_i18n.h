/*  web_i18n.h - the inbox's texts in the caseworker's language (fi | sv),
 *  from the GNU gettext catalogue `silta` (po/<lang>.po → <dir>/<lang>/LC_MESSAGES/silta.mo).
 *
 *  Per request, thread-safe: each lookup selects the user's language with
 *  uselocale() on the calling thread only (see web_i18n.c). Mark a text for
 *  xgettext with N_() where it is stored, translate it with web_t() where it
 *  is shown. Logs never go through here: they stay English.
 *
 *  Not here: HTML (web_pages.c), which language a user has (web_auth.c).
 */
#ifndef WEB_I18N_H
#define WEB_I18N_H

#include "silta_err.h"

/* A text for the catalogue, left as it is here (xgettext --keyword=N_). */
#define N_(s) (s)

#define WEB_I18N_DOMAIN "silta"

typedef enum { WEB_LANG_FI = 0, WEB_LANG_SV = 1 } web_lang_t;

/* Bind the domain to the catalogue folder (SILTA_LOCALE_DIR, else $SILTA_DATA_DIR/locale: silta_paths.h)
 * and make the locales of fi and sv. Call once, before the server threads
 * start. Returns 0, or SILTA_ERR when a locale is missing (install-deps.sh
 * generates fi_FI.UTF-8 and sv_FI.UTF-8): the pages then stay in the
 * msgids' language, Finnish. */
int web_i18n_init(silta_err_t *err);

/* The language of a code ("sv" → SV; anything else, NULL included → FI). */
web_lang_t web_lang_of(const char *code);
/* "fi" | "sv" (for <html lang> and the database). */
const char *web_lang_code(web_lang_t lang);

/* msgid in lang: the catalogue's text, or msgid itself when the catalogue has
 * none (msgids are Finnish). The result is static (the catalogue's memory or
 * msgid): never free it. */
const char *web_t(web_lang_t lang, const char *msgid);

#endif
