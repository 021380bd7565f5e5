/*  silta_paths.h - where a program finds its files: configuration (policy,
 *  rules, schemas) and data (migrations, message catalogues).
 *
 *  No path of the build tree is compiled into a program. A file is found, in
 *  this order: its own environment key (SILTA_POLICY, SILTA_RULES_CONF, ...);
 *  else the base folder's key, $SILTA_CONF_DIR or $SILTA_DATA_DIR, joined with
 *  the file's place in an installed tree; else the install folders of
 *  `make install` (SILTA_SYSCONF_DIR, SILTA_DATA_DIR_DEFAULT below, set from
 *  SYSCONFDIR and PREFIX at build time). ops/silta-local writes the keys of
 *  the source tree into $SILTA_HOME/env; the installed layout is in
 *  docs/operations.md.
 */
#ifndef SILTA_PATHS_H
#define SILTA_PATHS_H

#include <stddef.h>

#ifndef SILTA_SYSCONF_DIR
#define SILTA_SYSCONF_DIR "/etc/silta"
#endif
#ifndef SILTA_DATA_DIR_DEFAULT
#define SILTA_DATA_DIR_DEFAULT "/usr/local/share/silta"
#endif

typedef enum {
    SILTA_PATH_CONF, /* $SILTA_CONF_DIR, else SILTA_SYSCONF_DIR */
    SILTA_PATH_DATA  /* $SILTA_DATA_DIR, else SILTA_DATA_DIR_DEFAULT */
} silta_path_base_t;

/* The path of a file or folder: $key when set and not empty, else the base
 * folder + "/" + rel. Written into buf[len] and returned (truncated paths are
 * returned as they are: opening them fails with their name). */
const char *silta_path(const char *key, silta_path_base_t base, const char *rel, char *buf,
                       size_t len);

#endif
