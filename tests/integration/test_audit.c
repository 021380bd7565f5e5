/* test_audit.c - the disclosure log against an insider (issues 3 and 11): an edited
 * or removed row is named by `siltactl audit verify`; a rewrite with every later hash
 * recomputed, a truncation, the newest rows dropped across a hub restart and a forged
 * checkpoint are caught by the hub's signed checkpoints; the programs' own database
 * role may not rewrite the log at all. Real hub, real PostgreSQL, SQL as an insider.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"
#include "harness.h"
#include "silta_audit.h"
#include "silta_db.h"
#include "silta_env.h"

static char *s_home;

static void s_fini(void)
{
    harness_home_destroy(&s_home);
}
TestSuite(audit, .fini = s_fini);

static void s_up(void)
{
    s_home = fixture_up();
}

static long s_id_at(int offset)
{
    char sql[128];
    snprintf(sql, sizeof sql, "SELECT id FROM hub.disclosure ORDER BY id OFFSET %d LIMIT 1",
             offset);
    return fixture_count(sql);
}

Test(audit, disclosure_log_edit_or_removal_is_detected_and_named, .timeout = 120)
{
    s_up();
    silta_client_t *cs = fixture_client(s_home, "casestore");
    cr_assert_eq(fixture_subscribe(cs, "casestore-audit", "test.event.v1", NULL), SILTA_CLIENT_CONFIRM);
    silta_client_t *t = fixture_client(s_home, "test");
    silta_client_event_t ev;
    for (int i = 0; i < 5; i++) {
        char id[37], ck[32];
        snprintf(ck, sizeof ck, "ck-audit-%d", i);
        fixture_publish_one(t, "test.event.v1", ck, (const uint8_t *)"x", 1, id, NULL);
        cr_assert_eq(fixture_wait(cs, SILTA_CLIENT_DELIVER, 10000, &ev), 0);
        silta_client_ack(cs, ev.delivery_id);
    }
    cr_assert_eq(fixture_count("SELECT count(*) FROM hub.disclosure"), 5);
    harness_result_t r;
    harness_ctl(&r, "audit", "verify", NULL);
    cr_assert_eq(r.status, 0, "an untouched chain verifies:\n%s%s", r.out, r.err);
    harness_result_free(&r);

    long second = s_id_at(1), third = s_id_at(2);
    char sql[256], expect[64];
    snprintf(sql, sizeof sql, "UPDATE hub.disclosure SET recipient = 'mallory' WHERE id = %ld",
             second);
    fixture_exec_admin(sql);
    harness_ctl(&r, "audit", "verify", NULL);
    cr_assert_eq(r.status, 1, "an edited row fails verification:\n%s", r.out);
    snprintf(expect, sizeof expect, "row %ld:", second);
    cr_assert(strstr(r.out, expect), "names the edited row %ld:\n%s", second, r.out);
    harness_result_free(&r);

    snprintf(sql, sizeof sql, "UPDATE hub.disclosure SET recipient = 'casestore' WHERE id = %ld",
             second);
    fixture_exec_admin(sql);
    snprintf(sql, sizeof sql, "DELETE FROM hub.disclosure WHERE id = %ld", second);
    fixture_exec_admin(sql);
    harness_ctl(&r, "audit", "verify", NULL);
    cr_assert_eq(r.status, 1, "a removed row fails verification:\n%s", r.out);
    snprintf(expect, sizeof expect, "row %ld:", third);
    cr_assert(strstr(r.out, expect), "names the row after the gap (%ld):\n%s", third, r.out);
    harness_result_free(&r);
    silta_client_destroy(&t);
    silta_client_destroy(&cs);
    harness_home_destroy(&s_home);
}


/* ---- a disclosure log an insider cannot rewrite (issue 11, item 2) -------- */

static char s_cp_file[4096];
static long s_cp_want;
static bool s_checkpointed(void *arg)
{
    (void)arg;
    char needle[64];
    snprintf(needle, sizeof needle, "last_id=%ld ", s_cp_want);
    return harness_file_contains(s_cp_file, needle);
}

/* Rewrite the chain from row `from` on the way an insider with the code would:
 * every later row's prev_hash and hash recomputed, so the chain is whole again. */
static void s_recompute_from(long from)
{
    silta_err_t err;
    PGconn *db = silta_db_connect(getenv("SILTA_PG_ADMIN_URL"), &err);
    cr_assert_not_null(db, "%s", err.msg);
    char sql[256];
    snprintf(sql, sizeof sql,
             "SELECT id, at_ms, recipient, client_key, event_id::text, type, legal_basis, "
             "consent_ref, xroad_id FROM hub.disclosure WHERE id >= %ld ORDER BY id",
             from);
    PGresult *res = silta_db_query(db, sql, 0, NULL, &err);
    cr_assert_not_null(res, "%s", err.msg);
    char prev[SILTA_AUDIT_HASH_LEN + 1] = SILTA_AUDIT_GENESIS;
    PGresult *p = silta_db_query(db, "SELECT hash FROM hub.disclosure WHERE id < $1::bigint "
                                     "ORDER BY id DESC LIMIT 1",
                                 1, (const char *[]){PQgetvalue(res, 0, 0)}, &err);
    if (p && PQntuples(p))
        snprintf(prev, sizeof prev, "%s", PQgetvalue(p, 0, 0));
    PQclear(p);
    for (int r = 0; r < PQntuples(res); r++) {
        silta_audit_row_t row = {atoll(PQgetvalue(res, r, 1)), PQgetvalue(res, r, 2),
                                 PQgetvalue(res, r, 3),        PQgetvalue(res, r, 4),
                                 PQgetvalue(res, r, 5),        PQgetvalue(res, r, 6),
                                 PQgetvalue(res, r, 7),        PQgetvalue(res, r, 8)};
        char h[SILTA_AUDIT_HASH_LEN + 1];
        silta_audit_hash(prev, &row, h);
        const char *params[3] = {prev, h, PQgetvalue(res, r, 0)};
        PGresult *u = silta_db_query(db, "UPDATE hub.disclosure SET prev_hash = $1, hash = $2 "
                                         "WHERE id = $3::bigint",
                                     3, params, &err);
        cr_assert_not_null(u, "%s", err.msg);
        PQclear(u);
        memcpy(prev, h, sizeof prev);
    }
    PQclear(res);
    silta_db_close(&db);
}

static void s_verify_fails(const char *what, const char *says)
{
    harness_result_t r;
    harness_ctl(&r, "audit", "verify", NULL);
    cr_assert_eq(r.status, 1, "%s is caught:\n%s%s", what, r.out, r.err);
    cr_assert(strstr(r.out, says), "%s: the finding says '%s':\n%s", what, says, r.out);
    harness_result_free(&r);
}

static void s_restore(void)
{
    fixture_exec_admin("DELETE FROM hub.disclosure");
    fixture_exec_admin("INSERT INTO hub.disclosure SELECT * FROM public.disclosure_copy");
    harness_result_t r;
    harness_ctl(&r, "audit", "verify", NULL);
    cr_assert_eq(r.status, 0, "restored, the log verifies again:\n%s%s", r.out, r.err);
    harness_result_free(&r);
}

Test(audit, an_insider_rewrite_of_the_disclosure_log_is_caught, .timeout = 180)
{
    s_home = harness_home_new();
    cr_assert_not_null(s_home);
    setenv("SILTA_AUDIT_CHECKPOINT_MS", "200", 1); /* after harness_home_new clears SILTA_* */
    harness_result_t r;
    fixture_deploy(0);
    char *file = harness_env_get(NULL, "SILTA_AUDIT_CHECKPOINTS");
    cr_assert_not_null(file, "no SILTA_AUDIT_CHECKPOINTS in the env file");
    snprintf(s_cp_file, sizeof s_cp_file, "%s", file);
    free(file);
    silta_client_t *cs = fixture_client(s_home, "casestore");
    cr_assert_eq(fixture_subscribe(cs, "casestore-anchor", "test.event.v1", NULL), SILTA_CLIENT_CONFIRM);
    silta_client_t *t = fixture_client(s_home, "test");
    silta_client_event_t ev;
    for (int i = 0; i < 6; i++) {
        char id[37], ck[32];
        snprintf(ck, sizeof ck, "ck-anchor-%d", i);
        fixture_publish_one(t, "test.event.v1", ck, (const uint8_t *)"x", 1, id, NULL);
        cr_assert_eq(fixture_wait(cs, SILTA_CLIENT_DELIVER, 10000, &ev), 0);
        silta_client_ack(cs, ev.delivery_id);
    }
    silta_client_destroy(&t);
    silta_client_destroy(&cs);
    s_cp_want = fixture_count("SELECT max(id) FROM hub.disclosure");
    cr_assert_eq(harness_poll(15000, s_checkpointed, NULL), 0, "no checkpoint names row %ld",
                 s_cp_want);
    harness_ctl(&r, "audit", "verify", NULL);
    cr_assert_eq(r.status, 0, "an untouched log verifies:\n%s%s", r.out, r.err);
    cr_assert(strstr(r.out, "signed checkpoints hold"), "%s", r.out);
    harness_result_free(&r);
    fixture_exec_admin("CREATE TABLE public.disclosure_copy AS SELECT * FROM hub.disclosure");

    /* The programs' own role (SILTA_PG_URL) may not rewrite the log at all. */
    silta_err_t perr;
    PGconn *app = silta_db_connect(getenv("SILTA_PG_URL"), &perr);
    cr_assert_not_null(app, "%s", perr.msg);
    const char *rewrites[] = {"UPDATE hub.disclosure SET recipient = 'mallory'",
                              "DELETE FROM hub.disclosure", "TRUNCATE hub.disclosure"};
    for (int i = 0; i < 3; i++) {
        cr_assert_neq(silta_db_exec(app, rewrites[i], &perr), 0, "the hub's role may: %s",
                      rewrites[i]);
        cr_assert(strstr(perr.msg, "permission denied"), "%s: %s", rewrites[i], perr.msg);
    }
    silta_db_close(&app);
    cr_assert_eq(fixture_count("SELECT count(*) FROM hub.disclosure"), 6, "nothing changed");

    /* 1. delete a middle row and recompute every later hash: the chain is whole,
     *    but the newest row's hash is not the one signed */
    long second = s_id_at(1);
    char sql[256];
    snprintf(sql, sizeof sql, "DELETE FROM hub.disclosure WHERE id = %ld", second);
    fixture_exec_admin(sql);
    s_recompute_from(second + 1);
    s_verify_fails("delete + recompute", "not the one signed in a checkpoint");
    s_restore();

    /* 2. truncate the table */
    fixture_exec_admin("TRUNCATE hub.disclosure");
    s_verify_fails("truncation", "is gone");
    s_restore();

    /* 3. drop the newest rows, then restart the hub: still caught, and the hub
     *    says so at start instead of signing the shorter log */
    snprintf(sql, sizeof sql, "DELETE FROM hub.disclosure WHERE id > %ld", s_cp_want - 2);
    fixture_exec_admin(sql);
    harness_local(&r, "restart", "silta-hub", NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    harness_result_free(&r);
    s_verify_fails("the newest rows dropped", "is gone");
    char hub_log[4096];
    snprintf(hub_log, sizeof hub_log, "%s/log/silta-hub.log", s_home);
    cr_assert(harness_file_contains(hub_log, "does not match its last checkpoint"),
              "the hub noticed at start");
    s_restore();

    /* 4. a forged checkpoint line (the signature no longer holds) */
    char *text = harness_read_file(s_cp_file);
    cr_assert_not_null(text);
    char *sig = strstr(text, "sig=");
    cr_assert_not_null(sig);
    sig[4] = sig[4] == 'a' ? 'b' : 'a';
    FILE *f = fopen(s_cp_file, "w");
    cr_assert_not_null(f);
    fputs(text, f);
    fclose(f);
    free(text);
    s_verify_fails("a forged checkpoint", "signature does not hold");
    unsetenv("SILTA_AUDIT_CHECKPOINT_MS");
}
