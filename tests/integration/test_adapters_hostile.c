/* test_adapters_hostile.c - hostile XML at every entry point costs linear
 * time and bounded memory (issue 11, item 1), end to end: silta-kela and
 * silta-employment started by ops/silta-local against a real hub and
 * PostgreSQL, silta-health over HTTP and from its inbox.
 *
 *   - an element with 10^6 attributes (libxml2 alone: minutes at 100 % CPU)
 *     is refused with the limit named, the adapter goes on to the next file,
 *     and its peak RSS stays under 64 MB;
 *   - 400 MB of comments between two records: both records published, peak
 *     RSS under 64 MB (libxml2 kept every comment: 922 MB for 200 MB);
 *   - SIGTERM while such a file is being read: the process exits within 3 s,
 *     the file stays in the inbox and is read to its end after the restart;
 *   - a file whose reader is killed twice mid-file is quarantined in
 *     rejected/ with the reason, not read again in a loop;
 *   - the FHIR endpoint answers a 10^5-attribute POST with 400 and an
 *     OperationOutcome naming the limit, and the health inbox rejects it.
 *
 * Nothing here times the code: each case polls for an outcome with a
 * generous timeout; the peak RSS is the kernel's VmHWM of the adapter.
 */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fixture.h"
#include "harness.h"
#include "silta_env.h"

#define S_RSS_LIMIT_KB (64 * 1024)

static char *s_home;

static void s_fini(void)
{
    harness_home_destroy(&s_home);
}
TestSuite(hostile, .fini = s_fini);

static void s_restart(const char *prog)
{
    harness_result_t r;
    harness_local(&r, "restart", prog, NULL);
    cr_assert_eq(r.status, 0, "%s did not start:\n%s\n%s", prog, r.out, r.err);
    harness_result_free(&r);
}

static void s_up(const char *prog)
{
    s_home = fixture_up();
    s_restart(prog);
}

static pid_t s_pid(const char *prog)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/run/%s.pid", s_home, prog);
    pid_t pid = harness_pid_file(path);
    cr_assert_gt(pid, 0, "no pid for %s", prog);
    return pid;
}

/* Peak resident set of pid in KB (VmHWM), or -1. */
static long s_peak_rss_kb(pid_t pid)
{
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    FILE *f = fopen(path, "r");
    long kb = -1;
    while (f && fgets(line, sizeof line, f))
        if (strncmp(line, "VmHWM:", 6) == 0)
            kb = strtol(line + 6, NULL, 10);
    if (f)
        fclose(f);
    return kb;
}

typedef struct {
    char path[4096];
    const char *needle; /* NULL: the file exists; else it contains needle */
} s_path_t;

static bool s_exists(void *arg)
{
    s_path_t *p = arg;
    return p->needle ? harness_file_contains(p->path, p->needle) : access(p->path, F_OK) == 0;
}

static bool s_gone(void *arg)
{
    return access(((s_path_t *)arg)->path, F_OK) != 0;
}

static void s_spool_path(s_path_t *p, const char *adapter, const char *folder, const char *name)
{
    snprintf(p->path, sizeof p->path, "%s/spool/%s/%s/%s", s_home, adapter, folder, name);
    p->needle = NULL;
}

static void s_wait_file(const char *adapter, const char *folder, const char *name, int ms)
{
    s_path_t p;
    s_spool_path(&p, adapter, folder, name);
    cr_assert_eq(harness_poll(ms, s_exists, &p), 0, "%s never appeared", p.path);
}

static bool s_dead(void *arg)
{
    return !harness_pid_alive(*(pid_t *)arg);
}

/* Move a file written under SILTA_HOME into an inbox (a rename, as a sender must). */
static void s_drop(const char *adapter, const char *src, const char *name)
{
    s_path_t dst;
    s_spool_path(&dst, adapter, "inbox", name);
    cr_assert_eq(rename(src, dst.path), 0, "%s -> %s", src, dst.path);
}

/* <el a="" b="" ... ba="" ... with n attributes named in base 52 (10^6 of
 * them in 7.8 MB: under libxml2's 10 MB "huge input" limit, which a longer
 * bomb would hit first). */
static void s_put_attrs(FILE *f, const char *el, long n)
{
    static const char letters[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    fprintf(f, "<%s", el);
    for (long i = 0; i < n; i++) {
        char name[8];
        int k = (int)sizeof name - 1;
        name[k] = '\0';
        long v = i;
        do
            name[--k] = letters[v % 52];
        while ((v /= 52) > 0);
        fprintf(f, " %s=\"\"", name + k);
    }
}

#define S_NOTICE(hetu, ref)                                                                        \
    "  <notice><hetu>" hetu "</hetu><kela_reference>" ref "</kela_reference>"                      \
    "<kind>need_for_social_work</kind><date>2025-03-13</date></notice>\n"

static char *s_write_good_kela(const char *name, const char *ref)
{
    static char path[4096];
    snprintf(path, sizeof path, "%s/%s", s_home, name);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fprintf(f, "<?xml version=\"1.0\"?>\n<kela-batch xmlns=\"urn:silta:kela:1\">\n"
               "  <notice><hetu>010185-901E</hetu><kela_reference>%s</kela_reference>"
               "<kind>need_for_social_work</kind><date>2025-03-13</date></notice>\n"
               "</kela-batch>\n",
            ref);
    cr_assert_eq(fclose(f), 0);
    return path;
}

/* The root of an agency batch with 10^6 attributes (7.8 MB; libxml2 alone:
 * over a minute at 100 % CPU). */
static void s_attribute_bomb(const char *path, const char *root, const char *ns)
{
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs("<?xml version=\"1.0\"?>\n", f);
    s_put_attrs(f, root, 1000000);
    fprintf(f, " xmlns=\"%s\">\n</%s>\n", ns, root);
    cr_assert_eq(fclose(f), 0);
}

Test(hostile, attribute_bomb_is_refused_and_the_adapter_reads_the_next_file, .timeout = 400)
{
    s_up("silta-kela");
    char path[4096];
    snprintf(path, sizeof path, "%s/bomb.xml", s_home);
    s_attribute_bomb(path, "kela-batch", "urn:silta:kela:1");
    s_drop("kela", path, "a-bomb.xml");
    s_drop("kela", s_write_good_kela("good.xml", "REF-AFTER"), "b-good.xml");
    s_wait_file("kela", "rejected", "a-bomb.xml.report", 60000);
    s_wait_file("kela", "done", "b-good.xml", 60000);
    s_path_t rep;
    s_spool_path(&rep, "kela", "rejected", "a-bomb.xml.report");
    cr_assert(harness_file_contains(rep.path, "record=0 field=- reason=\"an element at line 2 "
                                              "(byte offset 22) has more than 256 attributes, "
                                              "the limit per element"),
              "%s", harness_read_file(rep.path));
    cr_assert_eq(fixture_count("SELECT count(*) FROM hub.journal WHERE source = 'kela'"), 1);
    long kb = s_peak_rss_kb(s_pid("silta-kela"));
    cr_log_info("silta-kela peak RSS after the attribute bomb: %ld KB", kb);
    cr_assert(kb > 0 && kb < S_RSS_LIMIT_KB, "silta-kela peak RSS %ld KB", kb);

    /* The employment adapter reads through the same door. */
    s_restart("silta-employment");
    snprintf(path, sizeof path, "%s/te-bomb.xml", s_home);
    s_attribute_bomb(path, "employment-batch", "urn:silta:employment:1");
    s_drop("employment", path, "te-bomb.xml");
    s_wait_file("employment", "rejected", "te-bomb.xml.report", 60000);
    s_spool_path(&rep, "employment", "rejected", "te-bomb.xml.report");
    cr_assert(harness_file_contains(rep.path, "attributes, the limit per element"), "%s",
              harness_read_file(rep.path));
    kb = s_peak_rss_kb(s_pid("silta-employment"));
    cr_assert(kb > 0 && kb < S_RSS_LIMIT_KB, "silta-employment peak RSS %ld KB", kb);
}

/* A Kela batch: a record, mb MB of comments and PIs, a record. */
static void s_comment_bomb(const char *path, int mb)
{
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs("<?xml version=\"1.0\"?>\n<kela-batch xmlns=\"urn:silta:kela:1\">\n"
          S_NOTICE("010185-901E", "REF-1"), f);
    static char blk[1 << 20];
    size_t w = 0;
    while (w + 128 < sizeof blk)
        w += (size_t)sprintf(blk + w, "<!-- %70s -->\n<?pi %30s?>\n", "comment", "instruction");
    memset(blk + w, ' ', sizeof blk - w);
    for (int i = 0; i < mb; i++)
        cr_assert_eq(fwrite(blk, 1, sizeof blk, f), sizeof blk);
    fputs(S_NOTICE("150372-902S", "REF-2") "</kela-batch>\n", f);
    cr_assert_eq(fclose(f), 0);
}

Test(hostile, comment_bomb_sigterm_mid_file_then_read_to_its_end_in_bounded_memory, .timeout = 400)
{
    s_up("silta-kela");
    char path[4096];
    snprintf(path, sizeof path, "%s/comments.xml", s_home);
    s_comment_bomb(path, 400);
    pid_t pid = s_pid("silta-kela");
    s_drop("kela", path, "comments.xml");
    s_path_t marker;
    s_spool_path(&marker, "kela", "inbox", ".silta-reading");
    cr_assert_eq(harness_poll(60000, s_exists, &marker), 0, "reading never began");
    cr_assert_eq(kill(pid, SIGTERM), 0);
    cr_assert_eq(harness_poll(3000, s_dead, &pid), 0, "SIGTERM not honoured mid-file");
    s_path_t in;
    s_spool_path(&in, "kela", "inbox", "comments.xml");
    cr_assert(access(in.path, F_OK) == 0, "a file stopped mid-file stays in the inbox");
    cr_assert(access(marker.path, F_OK) != 0, "a clean stop leaves no marker");

    s_restart("silta-kela");
    s_wait_file("kela", "done", "comments.xml", 120000);
    cr_assert_eq(fixture_count("SELECT count(*) FROM hub.journal WHERE source = 'kela'"), 2,
                 "the records before and after the comments");
    long kb = s_peak_rss_kb(s_pid("silta-kela"));
    cr_log_info("silta-kela peak RSS after 400 MB of comments: %ld KB", kb);
    cr_assert(kb > 0 && kb < S_RSS_LIMIT_KB, "silta-kela peak RSS %ld KB for 400 MB", kb);
}

Test(hostile, file_whose_reader_is_killed_twice_is_quarantined_not_read_forever, .timeout = 400)
{
    s_up("silta-kela");
    char path[4096];
    snprintf(path, sizeof path, "%s/comments.xml", s_home);
    s_comment_bomb(path, 400);
    s_drop("kela", path, "crash.xml");
    s_path_t marker;
    s_spool_path(&marker, "kela", "inbox", ".silta-reading");
    for (int attempt = 1; attempt <= 2; attempt++) {
        char needle[64];
        snprintf(needle, sizeof needle, "crash.xml\t%d\n", attempt);
        marker.needle = needle;
        cr_assert_eq(harness_poll(60000, s_exists, &marker), 0, "reading %d never began",
                     attempt);
        pid_t pid = s_pid("silta-kela");
        cr_assert_eq(kill(pid, SIGKILL), 0); /* a crash mid-file */
        cr_assert_eq(harness_poll(10000, s_dead, &pid), 0);
        s_restart("silta-kela");
    }
    s_wait_file("kela", "rejected", "crash.xml.report", 60000);
    s_path_t rep;
    s_spool_path(&rep, "kela", "rejected", "crash.xml.report");
    cr_assert(harness_file_contains(rep.path, "quarantined: the reader stopped abnormally "
                                              "(crashed or was killed) 2 times"),
              "%s", harness_read_file(rep.path));
    marker.needle = NULL;
    cr_assert_eq(harness_poll(10000, s_gone, &marker), 0, "the marker goes with the file");
    s_drop("kela", s_write_good_kela("good.xml", "REF-AFTER"), "good.xml");
    s_wait_file("kela", "done", "good.xml", 60000);
}

/* A ServiceRequest whose <status> has n more attributes. */
static char *s_fhir_bomb(long n, size_t *len)
{
    char *buf = NULL;
    FILE *f = open_memstream(&buf, len);
    fputs("<ServiceRequest xmlns=\"http://hl7.org/fhir\">", f);
    s_put_attrs(f, "status", n);
    fputs(" value=\"active\"/><intent value=\"order\"/></ServiceRequest>", f);
    fclose(f);
    return buf;
}

Test(hostile, fhir_attribute_bomb_gets_400_over_http_and_rejected_from_the_inbox, .timeout = 400)
{
    s_up("silta-health");
    silta_err_t err;
    cr_assert_eq(silta_env_load(&err), 0);
    int port = harness_url_port(getenv("SILTA_HEALTH_URL"));
    cr_assert_gt(port, 0);
    size_t len;
    char *bomb = s_fhir_bomb(105000, &len);
    cr_assert_lt(len, (size_t)1 << 20, "under the 1 MiB body limit: %zu", len);
    char *reply = NULL;
    int st = harness_http_request(port, "POST", "/fhir/ServiceRequest",
                                  "Content-Type: application/fhir+xml\r\n", bomb, len, &reply,
                                  60000);
    cr_assert_eq(st, 400, "%d %s", st, reply);
    cr_assert(strstr(reply, "OperationOutcome") != NULL, "%s", reply);
    cr_assert(strstr(reply, "has more than 256 attributes, the limit per element") != NULL, "%s",
              reply);
    free(reply);
    long kb = s_peak_rss_kb(s_pid("silta-health"));
    cr_log_info("silta-health peak RSS after the FHIR attribute bomb: %ld KB", kb);
    cr_assert(kb > 0 && kb < S_RSS_LIMIT_KB, "silta-health peak RSS %ld KB", kb);

    /* The same document as an inbox file. */
    char path[4096];
    snprintf(path, sizeof path, "%s/sr-bomb.xml", s_home);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    cr_assert_eq(fwrite(bomb, 1, len, f), len);
    cr_assert_eq(fclose(f), 0);
    free(bomb);
    s_drop("health", path, "sr-bomb.xml");
    s_wait_file("health", "rejected", "sr-bomb.xml.report", 60000);
    s_path_t rep;
    s_spool_path(&rep, "health", "rejected", "sr-bomb.xml.report");
    cr_assert(harness_file_contains(rep.path, "attributes, the limit per element"), "%s",
              harness_read_file(rep.path));

    /* Still serving: a good referral is accepted. */
    snprintf(path, sizeof path, "%s/tests/fixtures/fhir/silta-r4-identifier.xml", harness_src());
    char *good = harness_read_file(path);
    cr_assert_not_null(good);
    st = harness_http_request(port, "POST", "/fhir/ServiceRequest",
                              "Content-Type: application/fhir+xml\r\n", good, strlen(good),
                              &reply, 60000);
    cr_assert_eq(st, 201, "%d %s", st, reply);
    free(reply);
    free(good);
    cr_assert_eq(fixture_count("SELECT count(*) FROM hub.journal WHERE source = 'health'"), 1);
}
