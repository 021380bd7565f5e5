/* test_clientkey.c - silta_clientkey: secret file, HMAC construction, refusals. */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "silta_clientkey.h"

static char s_dir[64];
static char s_path[128];

static void s_setup(void)
{
    strcpy(s_dir, "/tmp/silta-test-ck-XXXXXX");
    cr_assert_not_null(mkdtemp(s_dir));
    snprintf(s_path, sizeof s_path, "%s/keys/clientkey.secret", s_dir);
}

static void s_teardown(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", s_dir);
    if (system(cmd) != 0)
        cr_log_warn("could not remove %s", s_dir);
}

/* Write len bytes (0, 1, 2, ...) to path with mode. */
static void s_write_key(const char *path, size_t len, mode_t mode)
{
    char dir[128];
    snprintf(dir, sizeof dir, "%s/keys", s_dir);
    mkdir(dir, 0700);
    unsigned char buf[2048];
    for (size_t i = 0; i < len; i++)
        buf[i] = (unsigned char)i;
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    cr_assert(fd >= 0);
    cr_assert_eq(write(fd, buf, len), (ssize_t)len);
    cr_assert_eq(fchmod(fd, mode), 0);
    close(fd);
}

static void s_read_file(const char *path, unsigned char out[32])
{
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f);
    cr_assert_eq(fread(out, 1, 32, f), 32);
    fclose(f);
}

static silta_clientkey_t *s_load(const char *path)
{
    silta_err_t err = {0};
    silta_clientkey_t *ck = silta_clientkey_new(path, &err);
    cr_assert_not_null(ck, "%s", err.msg);
    return ck;
}

static void s_key_of(silta_clientkey_t *ck, const char *hetu, char out[SILTA_CLIENTKEY_LEN + 1])
{
    silta_err_t err = {0};
    cr_assert_eq(silta_clientkey_of(ck, hetu, out, &err), 0, "%s", err.msg);
    cr_assert(silta_clientkey_valid(out), "%s", out);
}

TestSuite(clientkey, .init = s_setup, .fini = s_teardown);

Test(clientkey, known_vector)
{
    /* Expected values from Python:
     *   hmac.new(bytes(range(32)), b"010185-901E", sha256).hexdigest()[:32] */
    s_write_key(s_path, 32, 0600);
    silta_clientkey_t *ck = s_load(s_path);
    char out[SILTA_CLIENTKEY_LEN + 1];
    s_key_of(ck, "010185-901E", out);
    cr_assert_str_eq(out, "ck_18715c915b8b856d454b848ef7360724");
    s_key_of(ck, "100190-999P", out);
    cr_assert_str_eq(out, "ck_63a8c5fb962549b9f86ef043e787affb");
    /* the century sign is part of the identity, so part of the input */
    s_key_of(ck, "100190Y999P", out);
    cr_assert_str_eq(out, "ck_4a9ce5351364feef4794f6f9159970d3");
    silta_clientkey_destroy(&ck);
    cr_assert_null(ck);
    silta_clientkey_destroy(&ck); /* harmless */
    silta_clientkey_destroy(NULL);
}

Test(clientkey, longer_secret_is_used_whole)
{
    /* hmac.new(bytes(range(40)), b"010185-901E", sha256).hexdigest()[:32] */
    s_write_key(s_path, 40, 0600);
    silta_clientkey_t *ck = s_load(s_path);
    char out[SILTA_CLIENTKEY_LEN + 1];
    s_key_of(ck, "010185-901E", out);
    cr_assert_str_eq(out, "ck_80eead0d1f82eb96aa9bd9a76704a9c1");
    silta_clientkey_destroy(&ck);

    s_write_key(s_path, SILTA_CLIENTKEY_SECRET_MAX, 0600);
    ck = s_load(s_path);
    silta_clientkey_destroy(&ck);
}

Test(clientkey, generate_writes_a_private_secret_once)
{
    silta_err_t err = {0};
    cr_assert_eq(silta_clientkey_generate(s_path, &err), 0, "%s", err.msg);
    struct stat st;
    cr_assert_eq(stat(s_path, &st), 0);
    cr_assert_eq(st.st_mode & 0777, 0600);
    cr_assert_eq(st.st_size, 32);
    unsigned char before[32], after[32];
    s_read_file(s_path, before);

    /* never overwrite: a new secret renames every client */
    cr_assert_eq(silta_clientkey_generate(s_path, &err), SILTA_EINVAL);
    cr_assert(strstr(err.msg, "exists") != NULL, "%s", err.msg);
    s_read_file(s_path, after);
    cr_assert(memcmp(before, after, 32) == 0);
    static const unsigned char zero[32];
    cr_assert(memcmp(before, zero, 32) != 0, "the secret is random, not zeros");

    silta_clientkey_t *ck = s_load(s_path);
    char a[SILTA_CLIENTKEY_LEN + 1], b[SILTA_CLIENTKEY_LEN + 1];
    s_key_of(ck, "010185-901E", a);
    s_key_of(ck, "010185-901E", b);
    cr_assert_str_eq(a, b, "stable for the same hetu");
    s_key_of(ck, "150372-902S", b);
    cr_assert_str_neq(a, b);
    silta_clientkey_destroy(&ck);

    /* a second generated secret gives other client_keys */
    char other[128];
    snprintf(other, sizeof other, "%s/other.secret", s_dir);
    cr_assert_eq(silta_clientkey_generate(other, &err), 0, "%s", err.msg);
    ck = s_load(other);
    s_key_of(ck, "010185-901E", b);
    cr_assert_str_neq(a, b);
    silta_clientkey_destroy(&ck);

    cr_assert_eq(silta_clientkey_generate(NULL, &err), SILTA_EINVAL);
    cr_assert_eq(silta_clientkey_generate("", &err), SILTA_EINVAL);
}

Test(clientkey, path_from_the_environment)
{
    s_write_key(s_path, 32, 0600);
    cr_assert_eq(setenv("SILTA_CLIENT_KEY_SECRET", s_path, 1), 0);
    silta_clientkey_t *ck = s_load(NULL);
    char out[SILTA_CLIENTKEY_LEN + 1];
    s_key_of(ck, "010185-901E", out);
    cr_assert_str_eq(out, "ck_18715c915b8b856d454b848ef7360724");
    silta_clientkey_destroy(&ck);

    unsetenv("SILTA_CLIENT_KEY_SECRET");
    silta_err_t err = {0};
    cr_assert_null(silta_clientkey_new(NULL, &err));
    cr_assert(strstr(err.msg, "SILTA_CLIENT_KEY_SECRET") != NULL, "%s", err.msg);
}

/* silta_clientkey_open: the one lookup every program uses (hub, adapters, case store). */
Test(clientkey, open_finds_or_makes_the_deployment_secret)
{
    unsetenv("SILTA_CLIENT_KEY_SECRET");
    unsetenv("SILTA_KEYS_DIR");
    cr_assert_eq(setenv("SILTA_HOME", s_dir, 1), 0);
    silta_err_t err = {0};
    cr_assert_null(silta_clientkey_open(0, &err), "nothing there, and not asked to make it");
    silta_clientkey_t *a = silta_clientkey_open(1, &err);
    cr_assert_not_null(a, "%s", err.msg);
    struct stat st;
    cr_assert_eq(stat(s_path, &st), 0, "made at $SILTA_HOME/keys/clientkey.secret");
    cr_assert_eq(st.st_mode & 0777, 0600);
    silta_clientkey_t *b = silta_clientkey_open(1, &err); /* a second program: the same file */
    cr_assert_not_null(b, "%s", err.msg);
    char ka[SILTA_CLIENTKEY_LEN + 1], kb[SILTA_CLIENTKEY_LEN + 1];
    s_key_of(a, "010185-901E", ka);
    s_key_of(b, "010185-901E", kb);
    cr_assert_str_eq(ka, kb);
    silta_clientkey_destroy(&a);
    silta_clientkey_destroy(&b);
    /* $SILTA_CLIENT_KEY_SECRET wins over the home folder. */
    char other[160];
    snprintf(other, sizeof other, "%s/keys/other.secret", s_dir);
    s_write_key(other, 32, 0600);
    cr_assert_eq(setenv("SILTA_CLIENT_KEY_SECRET", other, 1), 0);
    a = silta_clientkey_open(1, &err);
    cr_assert_not_null(a, "%s", err.msg);
    s_key_of(a, "010185-901E", kb);
    cr_assert_str_eq(kb, "ck_18715c915b8b856d454b848ef7360724");
    silta_clientkey_destroy(&a);
    unsetenv("SILTA_CLIENT_KEY_SECRET");
    unsetenv("SILTA_HOME");
}

Test(clientkey, bad_secret_files_are_refused)
{
    silta_err_t err = {0};
    cr_assert_null(silta_clientkey_new(s_path, &err)); /* missing */
    cr_assert(strstr(err.msg, "could not open") != NULL, "%s", err.msg);

    s_write_key(s_path, 31, 0600);
    cr_assert_null(silta_clientkey_new(s_path, &err));
    cr_assert(strstr(err.msg, "has 31 bytes, at least 32") != NULL, "%s", err.msg);

    s_write_key(s_path, 0, 0600);
    cr_assert_null(silta_clientkey_new(s_path, &err));

    s_write_key(s_path, SILTA_CLIENTKEY_SECRET_MAX + 1, 0600);
    cr_assert_null(silta_clientkey_new(s_path, &err));
    cr_assert(strstr(err.msg, "longer than 1024") != NULL, "%s", err.msg);

    s_write_key(s_path, 32, 0644);
    cr_assert_null(silta_clientkey_new(s_path, &err));
    cr_assert(strstr(err.msg, "chmod 600") != NULL, "%s", err.msg);
    s_write_key(s_path, 32, 0640);
    cr_assert_null(silta_clientkey_new(s_path, &err));

    cr_assert_null(silta_clientkey_new(s_dir, &err)); /* a folder */
}

Test(clientkey, invalid_hetu_is_refused)
{
    s_write_key(s_path, 32, 0600);
    silta_clientkey_t *ck = s_load(s_path);
    char out[SILTA_CLIENTKEY_LEN + 1] = "untouched";
    silta_err_t err = {0};
    cr_assert_eq(silta_clientkey_of(ck, "010190-999X", out, &err), SILTA_EINVAL);
    cr_assert_str_eq(err.msg, "check character is X, expected W");
    cr_assert_str_eq(out, "untouched");
    cr_assert_eq(silta_clientkey_of(ck, "010185-901e", out, &err), SILTA_EINVAL);
    cr_assert_eq(silta_clientkey_of(ck, "010185-901E ", out, &err), SILTA_EINVAL);
    cr_assert_eq(silta_clientkey_of(ck, NULL, out, &err), SILTA_EINVAL);
    cr_assert_str_eq(out, "untouched");
    silta_clientkey_destroy(&ck);
}

Test(clientkey, format_check)
{
    cr_assert(silta_clientkey_valid("ck_18715c915b8b856d454b848ef7360724"));
    cr_assert_not(silta_clientkey_valid("ck_18715C915b8b856d454b848ef7360724"));
    cr_assert_not(silta_clientkey_valid("ck_18715c915b8b856d454b848ef736072"));
    cr_assert_not(silta_clientkey_valid("ck_18715c915b8b856d454b848ef73607245"));
    cr_assert_not(silta_clientkey_valid("xk_18715c915b8b856d454b848ef7360724"));
    cr_assert_not(silta_clientkey_valid("ck_18715c915b8b856d454b848ef736072g"));
    cr_assert_not(silta_clientkey_valid("010185-901E"));
    cr_assert_not(silta_clientkey_valid(""));
    cr_assert_not(silta_clientkey_valid(NULL));
}
