/* test_bench_cmp.c - `make bench`'s comparison in small: pg-ceiling against a
 * real PostgreSQL, and bench/run's contract lines with tiny counts.
 *
 * Correctness only (every event confirmed and delivered to every consumer, the
 * lines scripts read are there); no figure is asserted: speed is for
 * `make bench` to print. RabbitMQ is left out (CI does not install it): its
 * column must then read `skipped`.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

#define S_RUN_TIMEOUT_MS 300000 /* bench/run: silta-local up + five small runs + down */

static char *s_home;
static char *s_url;

static void s_setup(void)
{
    s_home = harness_home_new();
    cr_assert_not_null(s_home, "could not make a temporary SILTA_HOME");
}

static void s_setup_up(void)
{
    s_setup();
    harness_result_t r;
    harness_local(&r, "up", "--no-adapters", NULL);
    cr_assert_eq(r.status, 0, "silta-local up failed (%d):\n%s\n%s", r.status, r.out, r.err);
    harness_result_free(&r);
    /* the ceiling makes its own schema: the owner's role may, the programs' may not */
    s_url = harness_env_get(s_home, "SILTA_PG_ADMIN_URL");
    cr_assert_not_null(s_url, "no SILTA_PG_ADMIN_URL in the env file");
}

static void s_teardown(void)
{
    free(s_url);
    s_url = NULL;
    harness_home_destroy(&s_home);
}

static int s_ceiling(harness_result_t *r, const char *publishers, const char *consumers)
{
    char bin[4096];
    return harness_runl(r, HARNESS_UP_TIMEOUT_MS, harness_bin_path(bin, sizeof bin, "pg-ceiling"),
                        "--events", "3001", "--size", "128", "--publishers", publishers,
                        "--consumers", consumers, "--window", "50", "--credit", "64", s_url, NULL);
}

Test(bench_cmp, ceiling_delivers_every_event_to_every_consumer, .init = s_setup_up,
     .fini = s_teardown, .timeout = 300)
{
    harness_result_t r;
    s_ceiling(&r, "3", "2");
    cr_assert_eq(r.status, 0, "pg-ceiling failed (%d):\n%s\n%s", r.status, r.out, r.err);
    cr_assert(strstr(r.out, "cmp system=ceiling topology=3x2 events=3001 confirmed=3001 "
                            "delivered=6002 lost=0 duplicates=0 "),
              "%s", r.out);
    cr_assert(strstr(r.out, "consumer 2: delivered=3001 unique=3001 duplicates=0 lost=0"), "%s",
              r.out);
    harness_result_free(&r);

    /* A second run starts from an empty schema: nothing of the first is delivered again. */
    s_ceiling(&r, "1", "1");
    cr_assert_eq(r.status, 0, "pg-ceiling failed (%d):\n%s\n%s", r.status, r.out, r.err);
    cr_assert(strstr(r.out, "topology=1x1 events=3001 confirmed=3001 delivered=3001 lost=0 "),
              "%s", r.out);
    harness_result_free(&r);
}

Test(bench_cmp, ceiling_says_what_is_wrong, .init = s_setup, .fini = s_teardown, .timeout = 60)
{
    char bin[4096];
    harness_bin_path(bin, sizeof bin, "pg-ceiling");
    harness_result_t r;
    harness_runl(&r, HARNESS_CMD_TIMEOUT_MS, bin, "--size", "8", "postgresql:///x", NULL);
    cr_assert_eq(r.status, 2, "%d\n%s", r.status, r.err);
    cr_assert(strstr(r.err, "--size wants a number from 16"), "%s", r.err);
    harness_result_free(&r);

    harness_runl(&r, HARNESS_CMD_TIMEOUT_MS, bin, "--events", "10", NULL);
    cr_assert_eq(r.status, 2, "%d\n%s", r.status, r.err);
    cr_assert(strstr(r.err, "want one TARGET"), "%s", r.err);
    harness_result_free(&r);

    /* Nobody listens on port 1: a clear message and exit 1, no crash, no hang. */
    harness_runl(&r, HARNESS_CMD_TIMEOUT_MS, bin, "--events", "10",
                 "postgresql://silta@127.0.0.1:1/silta?connect_timeout=5", NULL);
    cr_assert_eq(r.status, 1, "%d\n%s", r.status, r.err);
    cr_assert(strstr(r.err, "pg-ceiling: could not connect"), "%s", r.err);
    harness_result_free(&r);
}

Test(bench_cmp, run_prints_the_contract_lines, .init = s_setup, .fini = s_teardown,
     .timeout = 400)
{
    char run[4096];
    snprintf(run, sizeof run, "%s/bench/run", harness_src());
    setenv("CMP_ONLY", "1", 1);
    setenv("CMP_EVENTS", "400", 1);
    setenv("CMP_TOPOLOGIES", "1x1 1x2", 1);
    setenv("CMP_SYSTEMS", "silta ceiling", 1);
    harness_result_t r;
    harness_runl(&r, S_RUN_TIMEOUT_MS, run, NULL);
    unsetenv("CMP_ONLY");
    unsetenv("CMP_EVENTS");
    unsetenv("CMP_TOPOLOGIES");
    unsetenv("CMP_SYSTEMS");
    cr_assert_eq(r.status, 0, "bench/run failed (%d):\n%s\n%s", r.status, r.out, r.err);
    const char *lines[] = {"compare topology=1x1 silta=", "compare topology=1x2 silta=",
                           " rabbitmq=skipped ceiling=", " silta/rabbitmq=skipped silta/ceiling=",
                           "\nfile_to_plan records=skipped seconds=skipped rate=skipped\n",
                           "\nkela_ingest records=skipped published=skipped seconds=skipped "
                           "rate=skipped peak_rss_kb=skipped\n",
                           "\nhub_rss backlog=skipped rss_kb_empty=skipped rss_kb_full=skipped\n",
                           "| 1x2 | ceiling | "};
    for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++)
        cr_assert(strstr(r.out, lines[i]), "no '%s' in:\n%s", lines[i], r.out);
    /* Each compare line has real rates for the systems that ran, not failed/skipped. */
    const char *l = strstr(r.out, "compare topology=1x2 silta=");
    cr_assert(l && l[strlen("compare topology=1x2 silta=")] >= '1' &&
                  l[strlen("compare topology=1x2 silta=")] <= '9',
              "%s", r.out);
    cr_assert(strstr(l, "ceiling=") && strstr(l, "ceiling=")[8] >= '1' &&
                  strstr(l, "ceiling=")[8] <= '9',
              "%s", r.out);
    cr_assert(strstr(r.out, "bench/run: ok"), "%s", r.out);
    harness_result_free(&r);
}
