/*  silta_paths.c - a program's files from its environment (silta_paths.h). */
#include "silta_paths.h"

#include <stdio.h>

#include "silta_env.h"

const char *silta_path(const char *key, silta_path_base_t base, const char *rel, char *buf,
                       size_t len)
{
    const char *v = key ? silta_env_get(key, NULL) : NULL;
    if (v && *v) {
        snprintf(buf, len, "%s", v);
        return buf;
    }
    const char *dir = base == SILTA_PATH_CONF ? silta_env_get("SILTA_CONF_DIR", NULL)
                                              : silta_env_get("SILTA_DATA_DIR", NULL);
    if (!dir || !*dir)
        dir = base == SILTA_PATH_CONF ? SILTA_SYSCONF_DIR : SILTA_DATA_DIR_DEFAULT;
    snprintf(buf, len, "%s/%s", dir, rel);
    return buf;
}
