/* test_redact.c - silta_redact and its two users: every hetu masked in log lines and
 * error reasons wherever it stands, UUIDs and keyed hashes left intact, control
 * characters escaped so a value cannot forge a log line, and client keys that
 * contain a hetu refused. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "silta_codec.h"
#include "silta_err.h"
#include "silta_hetu.h"
#include "silta_log.h"
#include "silta_redact.h"
#include "silta_uuid.h"

static void s_masked(const char *in, const char *want)
{
    char buf[512];
    snprintf(buf, sizeof buf, "%s", in);
    silta_redact_hetus(buf);
    cr_assert_str_eq(buf, want, "redact(%s)", in);
}

Test(redact, masks_a_hetu_wherever_it_stands)
{
    s_masked("file=kela-010185-901E.xml", "file=kela-[hetu].xml");
    s_masked("client_key=x010185-901E", "client_key=x[hetu]");           /* glued to a letter */
    s_masked("path=/fhir/Patient/150372-902S?x=1", "path=/fhir/Patient/[hetu]?x=1");
    s_masked("q=identifier%3D070904A904Y", "q=identifier%3D[hetu]");  /* 2000s sign */
    s_masked("name=311264Y905C", "name=[hetu]");                       /* the 2023 signs */
    s_masked("010185-901e and 010185-901E", "[hetu] and [hetu]");      /* lowercase too */
    s_masked("value 'O'010185-901E' is not accepted", "value 'O'[hetu]' is not accepted");
    s_masked("ck_abcdef010185-901E", "ck_abcdef[hetu]"); /* starts inside a hex run */
}

Test(redact, leaves_what_is_not_a_hetu)
{
    s_masked("010185-901F", "010185-901F");   /* wrong check character */
    s_masked("320185-901E", "320185-901E");   /* no 32nd day */
    s_masked("010185-001E", "010185-001E");   /* individual number 001 */
    s_masked("seq=1234567890123", "seq=1234567890123");
    s_masked("", "");
    cr_assert_eq(silta_redact_find("010185-901E", 10), 10, "a hetu cut short is not one");
}

/* A UUID whose second and third groups read as a valid hetu stays whole: event ids
 * are what an operator greps for. */
Test(redact, leaves_uuids_intact)
{
    const char *id = "ab010185-901e-4abc-8def-0123456789ab";
    cr_assert(silta_hetu_valid("010185-901E"), "the stretch inside is a valid hetu");
    char line[128];
    snprintf(line, sizeof line, "event_id=%s", id);
    cr_assert_eq(silta_redact_hetus(line), 0);
    cr_assert_str_eq(line + 9, id);
    /* random v7 ids, many of them: none is touched */
    for (int i = 0; i < 20000; i++) {
        char u[37];
        silta_uuid_v7(u);
        cr_assert_eq(silta_redact_find(u, strlen(u)), strlen(u), "%s", u);
    }
}

/* A keyed hash in hex (ck_<32 hex>) can contain a hetu with a 2000s sign (A-F) and a
 * hex check character by chance; it is a client's one id and stays whole. */
Test(redact, leaves_long_hex_runs_intact)
{
    char hetu[SILTA_HETU_LEN + 1] = "";
    for (int ind = 900; ind < 1000; ind++) { /* temporary numbers: test data */
        cr_assert_eq(silta_hetu_make(2005, 1, 1, ind, hetu, NULL), 0);
        if (strchr("0123456789ABCDEF", hetu[10]))
            break;
    }
    cr_assert(strchr("0123456789ABCDEF", hetu[10]), "a hetu made of hex digits: %s", hetu);
    char key[64];
    snprintf(key, sizeof key, "ck_%s%s", "0f1e2d3c4b5a6978", hetu);
    key[35] = '\0'; /* ck_ + 32 hex digits */
    cr_assert(strstr(key, hetu) != NULL);
    char copy[64];
    snprintf(copy, sizeof copy, "%s", key);
    cr_assert_eq(silta_redact_hetus(copy), 0, "%s", key);
    cr_assert_str_eq(copy, key);
    /* the same hetu standing alone is masked */
    snprintf(copy, sizeof copy, "x=%s.", hetu);
    cr_assert_eq(silta_redact_hetus(copy), 1);
    cr_assert_str_eq(copy, "x=[hetu].");
}

Test(redact, is_linear_on_a_long_line)
{
    /* 1 MB of digits and dashes that almost make hetus: one pass, no blow-up
     * (the outcome is checked; the speed is what makes this test finish). */
    size_t n = 1 << 20;
    char *s = malloc(n + 1);
    cr_assert_not_null(s);
    for (size_t i = 0; i < n; i++)
        s[i] = (i % 12 == 6) ? '-' : (char)('0' + i % 10);
    s[n] = '\0';
    cr_assert_eq(silta_redact_find(s, n), n);
    free(s);
}

Test(redact, error_reasons_never_carry_a_hetu)
{
    silta_err_t err;
    silta_err_set(&err, SILTA_EINVAL, "Element 'hetu': The value '%s' is not accepted",
                  "O'010185-901E");
    cr_assert(!strstr(err.msg, "010185"), "%s", err.msg);
    cr_assert(strstr(err.msg, "[hetu]"), "%s", err.msg);
    cr_assert_eq(err.code, SILTA_EINVAL);
}

/* silta_log writes to stderr: read back what one call wrote. */
static char *s_log_line(const char *msg, const char *value)
{
    fflush(stderr);
    char path[] = "/tmp/test_redact.XXXXXX";
    int fd = mkstemp(path);
    cr_assert(fd >= 0);
    int saved = dup(2);
    dup2(fd, 2);
    silta_log(SILTA_LOG_WARN, msg, "file=\"%s\"", value);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    static char out[4096];
    ssize_t n = pread(fd, out, sizeof out - 1, 0);
    close(fd);
    unlink(path);
    cr_assert(n > 0);
    out[n] = '\0';
    return out;
}

Test(redact, log_lines_mask_hetus_and_escape_control_characters)
{
    const char *line = s_log_line("file refused", "kela-010185-901E.xml");
    cr_assert(!strstr(line, "010185"), "%s", line);
    cr_assert(strstr(line, "file=\"kela-[hetu].xml\""), "%s", line);

    /* a newline in a file name must not start a forged second line */
    line = s_log_line("file refused",
                      "x.xml\n2026-11-23T17:41:18.123Z silta-hub info msg=\"forged\"\r\x01");
    cr_assert_eq(strchr(line, '\n'), line + strlen(line) - 1, "one line only: %s", line);
    cr_assert(strstr(line, "x.xml\\n2026-11-23T"), "%s", line);
    cr_assert(strstr(line, "\\r\\x01\""), "%s", line);
}

Test(redact, a_client_key_that_contains_a_hetu_is_refused)
{
    silta_envelope_t e;
    silta__envelope__init(&e);
    char id[37];
    silta_uuid_v7(id);
    e.event_id = id;
    e.type = "kela.notice.v1";
    silta_err_t err;
    const char *bad[] = {"010185-901E", "x010185-901E", "ck-010185-901E-1", "150372-902Sx"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        e.client_key = (char *)bad[i];
        cr_assert_eq(silta_codec_check_envelope(&e, 1024, &err), SILTA_EINVAL, "%s", bad[i]);
        cr_assert(!strstr(err.msg, "0185") && !strstr(err.msg, "0372"), "%s", err.msg);
    }
    e.client_key = "ck_0123456789abcdef0123456789abcdef";
    cr_assert_eq(silta_codec_check_envelope(&e, 1024, &err), 0, "%s", err.msg);
}
