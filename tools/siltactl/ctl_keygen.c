/*  ctl_keygen.c - `siltactl keygen NAME [--dir DIR]`: a new CURVE keypair.
 *
 *  Writes DIR/NAME.key (0600) and DIR/NAME.pub through silta_keys_generate().
 *  DIR defaults to $SILTA_KEYS_DIR, else $SILTA_HOME/keys. Never overwrites a
 *  key and never needs the database. Putting the .pub into the hub's
 *  authorized folder is a separate, deliberate step (ops/README.md).
 */
#include "siltactl.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "silta_env.h"
#include "silta_keys.h"

/* A key name becomes a file name and the peer's identity: keep it plain. */
static int s_name_ok(const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || n > 64 || name[0] == '.' || name[0] == '-')
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.'))
            return 0;
    }
    return 1;
}

/* mkdir -p; 0 or -1 with errno. */
static int s_mkdirs(const char *dir)
{
    char path[4096];
    if (snprintf(path, sizeof path, "%s", dir) >= (int)sizeof path) {
        errno = ENAMETOOLONG;
        return -1;
    }
    for (char *p = path + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(path, 0755) != 0 && errno != EEXIST)
            return -1;
        *p = '/';
    }
    if (mkdir(path, 0755) != 0 && errno != EEXIST)
        return -1;
    return 0;
}

int ctl_keygen(int argc, char **argv)
{
    static const struct option opts[] = {
        {"dir", required_argument, NULL, 'd'}, {"help", no_argument, NULL, 'h'}, {0}};
    const char *dir = NULL;
    int c;
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":d:h", opts, NULL)) != -1) {
        if (c == 'd')
            dir = optarg;
        else if (c == 'h')
            return ctl_usage(stdout, "keygen");
        else
            return ctl_bad_option(c, argv, "keygen");
    }
    if (optind == argc)
        return ctl_bad("keygen", "no NAME given");
    if (optind != argc - 1)
        return ctl_bad("keygen", "one NAME only; unexpected '%.64s'", argv[optind + 1]);
    const char *name = argv[optind];
    if (!s_name_ok(name))
        return ctl_fail("bad key name '%.64s' (letters, digits, '-', '_', '.'; at most 64)", name);

    char fallback[4096];
    if (!dir) {
        snprintf(fallback, sizeof fallback, "%s/keys", silta_env_home());
        dir = silta_env_get("SILTA_KEYS_DIR", fallback);
    }
    if (s_mkdirs(dir) != 0)
        return ctl_fail("could not create %s: %s", dir, strerror(errno));

    char key[4096], pub[4096];
    snprintf(key, sizeof key, "%s/%s.key", dir, name);
    snprintf(pub, sizeof pub, "%s/%s.pub", dir, name);
    if (access(key, F_OK) == 0)
        return ctl_fail("%s already exists; not overwriting a key", key);

    silta_err_t err = {0};
    if (silta_keys_generate(dir, name, &err) != 0)
        return ctl_fail("%s", err.msg);
    printf("wrote %s\nwrote %s\n", key, pub);
    return CTL_OK;
}
