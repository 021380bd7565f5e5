/*  silta_env.c - KEY=value file into the environment (explicit env wins). */
#include "silta_env.h"
#include "silta_log.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *silta_env_home(void)
{
    const char *home = getenv("SILTA_HOME");
    return home && *home ? home : "var";
}

static char *s_trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    char *end = s + strlen(s);
    while (end > s && isspace((unsigned char)end[-1]))
        *--end = '\0';
    return s;
}

int silta_env_load(silta_err_t *err)
{
    char path[4096];
    const char *file = getenv("SILTA_ENV_FILE");
    if (file && *file)
        snprintf(path, sizeof path, "%s", file);
    else
        snprintf(path, sizeof path, "%s/env", silta_env_home());
    FILE *f = fopen(path, "r");
    if (!f) {
        if (errno == ENOENT)
            return SILTA_OK;
        return silta_err_set(err, SILTA_ERR, "could not open %s: %s", path, strerror(errno));
    }
    char line[4096];
    int lineno = 0;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        char *s = s_trim(line);
        if (*s == '\0' || *s == '#')
            continue;
        if (strncmp(s, "export ", 7) == 0)
            s = s_trim(s + 7);
        char *eq = strchr(s, '=');
        if (!eq || eq == s) {
            silta_warn("skipping env line", "file=%s line=%d", path, lineno);
            continue;
        }
        *eq = '\0';
        char *val = eq + 1;
        size_t n = strlen(val);
        if (n >= 2 && ((val[0] == '"' && val[n - 1] == '"') || (val[0] == '\'' && val[n - 1] == '\''))) {
            val[n - 1] = '\0';
            val++;
        }
        setenv(s, val, 0);
    }
    fclose(f);
    return SILTA_OK;
}

const char *silta_env_get(const char *key, const char *fallback)
{
    const char *v = getenv(key);
    return v && *v ? v : fallback;
}

const char *silta_env_require(const char *key, silta_err_t *err)
{
    const char *v = silta_env_get(key, NULL);
    if (!v)
        silta_err_set(err, SILTA_EINVAL,
                      "%s is not set (run `ops/silta-local up`, or set SILTA_HOME to a deployment "
                      "whose env file has it; looked in %s/env)",
                      key, silta_env_home());
    return v;
}
