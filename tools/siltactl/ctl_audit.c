/*  ctl_audit.c - `siltactl audit verify | client [--since DATE]` (hetu on stdin).
 *
 *  verify walks hub.disclosure in id order and recomputes the hash chain with
 *  the same function the hub used (lib/silta_audit.c). The first row whose
 *  stored hash differs from its recomputed one was changed; the first row
 *  whose prev_hash is not the hash of the row before it follows a removed (or
 *  changed) row. Either way the row is named and the exit code is 1.
 *  What the chain alone cannot show: the removal of the newest rows.
 *
 *  client answers the client's statutory question - who received my data,
 *  when and on what basis - by the client_key of the hetu (the hetu itself is
 *  never stored or printed). The hetu is read from a prompt (a terminal, echo
 *  off) or one line of standard input, never from argv: arguments show in
 *  `ps` and in shell history. A hetu given as an argument is refused.
 */
#include "siltactl.h"

#include <ctype.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "silta_audit.h"
#include "silta_checkpoint.h"
#include "silta_env.h"
#include "silta_time.h"
#include "silta_clientkey.h"
#include "silta_db.h"

#define S_PAGE "5000"
/* Rows older than this that no signed checkpoint covers fail verification: the
 * hub checkpoints at least once a minute while it writes (hub/hub_anchor.h). */
#define S_UNCOVERED_MS (5 * 60 * 1000LL)

typedef struct {
    silta_checkpoint_t *cp;
    size_t n, next; /* next: the first checkpoint not yet matched to a row */
    int configured;
} s_cps_t;

/* Read and check every checkpoint of $SILTA_AUDIT_CHECKPOINTS against the public
 * key ($SILTA_AUDIT_PUBLIC_KEY, else $SILTA_AUDIT_KEY.pub). CTL_OK, or CTL_FAIL
 * with the line named. No file configured: cps->configured = 0. */
static int s_load_checkpoints(s_cps_t *cps)
{
    memset(cps, 0, sizeof *cps);
    const char *file = silta_env_get("SILTA_AUDIT_CHECKPOINTS", NULL);
    if (!file)
        return CTL_OK;
    cps->configured = 1;
    char pubpath[4096];
    const char *key = silta_env_get("SILTA_AUDIT_KEY", "");
    snprintf(pubpath, sizeof pubpath, "%s.pub", key);
    const char *pub = silta_env_get("SILTA_AUDIT_PUBLIC_KEY", pubpath);
    unsigned char pk[SILTA_CHECKPOINT_PK_LEN];
    silta_err_t err;
    FILE *f = fopen(file, "r");
    if (!f)
        return CTL_OK; /* no checkpoint yet: rows old enough are caught below */
    if (silta_checkpoint_pub_load(pub, pk, &err) != 0) {
        fclose(f);
        return ctl_fail("cannot check the checkpoints: %s", err.msg);
    }
    char line[SILTA_CHECKPOINT_LINE_MAX * 2];
    long lineno = 0;
    int rc = CTL_OK;
    while (rc == CTL_OK && fgets(line, sizeof line, f)) {
        lineno++;
        silta_checkpoint_t cp;
        if (silta_checkpoint_parse(line, &cp, &err) != 0) {
            printf("FAILED: %s line %ld: %s\n", file, lineno, err.msg);
            rc = CTL_FAIL;
        } else if (!silta_checkpoint_verify(&cp, pk)) {
            printf("FAILED: %s line %ld: the signature does not hold (the checkpoint was "
                   "forged or altered)\n",
                   file, lineno);
            rc = CTL_FAIL;
        } else if (cps->n > 0 && cp.last_id < cps->cp[cps->n - 1].last_id) {
            printf("FAILED: %s line %ld: names an older row than the line before it\n", file,
                   lineno);
            rc = CTL_FAIL;
        } else {
            silta_checkpoint_t *grown = realloc(cps->cp, (cps->n + 1) * sizeof *grown);
            if (!grown) {
                rc = ctl_fail("out of memory");
                break;
            }
            cps->cp = grown;
            cps->cp[cps->n++] = cp;
        }
    }
    fclose(f);
    return rc;
}

/* Match the checkpoints naming rows up to id (the row just read, its stored
 * hash): one naming a row below id that was never seen names a removed row. */
static int s_match_checkpoints(s_cps_t *cps, long long id, const char *hash)
{
    while (cps->next < cps->n && cps->cp[cps->next].last_id <= id) {
        const silta_checkpoint_t *cp = &cps->cp[cps->next];
        if (cp->last_id > 0 && cp->last_id < id) {
            printf("FAILED: row %lld, signed in a checkpoint, is gone (rows were removed)\n",
                   (long long)cp->last_id);
            return CTL_FAIL;
        }
        if (cp->last_id == id && strcmp(cp->last_hash, hash) != 0) {
            printf("FAILED at row %lld: its hash is not the one signed in a checkpoint (the "
                   "chain was rewritten)\n",
                   id);
            return CTL_FAIL;
        }
        cps->next++;
    }
    return CTL_OK;
}

static int s_verify(PGconn *conn)
{
    s_cps_t cps;
    if (s_load_checkpoints(&cps) != CTL_OK) {
        free(cps.cp);
        return CTL_FAIL;
    }
    int rc = CTL_FAIL;
    char prev[SILTA_AUDIT_HASH_LEN + 1] = SILTA_AUDIT_GENESIS;
    char last_id[24] = "0", prev_id[24] = "";
    long long rows = 0, uncovered_old = 0;
    long long old_before = (long long)silta_now_ms() - S_UNCOVERED_MS;
    for (;;) {
        const char *params[1] = {last_id};
        PGresult *res = ctl_query(
            conn,
            "SELECT id, at_ms, recipient, client_key, event_id::text, type, legal_basis, "
            "consent_ref, xroad_id, prev_hash, hash FROM hub.disclosure WHERE id > $1::bigint "
            "ORDER BY id LIMIT " S_PAGE,
            1, params);
        if (!res)
            goto out;
        int n = PQntuples(res);
        for (int r = 0; r < n; r++) {
            const char *id = PQgetvalue(res, r, 0);
            silta_audit_row_t row = {atoll(PQgetvalue(res, r, 1)), PQgetvalue(res, r, 2),
                                     PQgetvalue(res, r, 3),        PQgetvalue(res, r, 4),
                                     PQgetvalue(res, r, 5),        PQgetvalue(res, r, 6),
                                     PQgetvalue(res, r, 7),        PQgetvalue(res, r, 8)};
            const char *stored_prev = PQgetvalue(res, r, 9);
            const char *stored = PQgetvalue(res, r, 10);
            if (strcmp(stored_prev, prev) != 0) {
                printf("FAILED at row %s: it does not follow row %s (a row between them was "
                       "removed, or row %s was changed)\n",
                       id, prev_id[0] ? prev_id : "(start)", prev_id[0] ? prev_id : "-");
                PQclear(res);
                goto out;
            }
            char h[SILTA_AUDIT_HASH_LEN + 1];
            silta_audit_hash(prev, &row, h);
            if (strcmp(h, stored) != 0) {
                printf("FAILED at row %s: its contents were changed after it was written\n", id);
                PQclear(res);
                goto out;
            }
            if (s_match_checkpoints(&cps, atoll(id), stored) != CTL_OK) {
                PQclear(res);
                goto out;
            }
            if (cps.configured && cps.next == cps.n && row.at_ms < old_before)
                uncovered_old++;
            memcpy(prev, stored, sizeof prev);
            snprintf(prev_id, sizeof prev_id, "%s", id);
            rows++;
        }
        if (n > 0)
            snprintf(last_id, sizeof last_id, "%s", PQgetvalue(res, n - 1, 0));
        PQclear(res);
        if (n == 0)
            break;
    }
    for (; cps.next < cps.n; cps.next++)
        if (cps.cp[cps.next].last_id > 0) {
            printf("FAILED: row %lld, signed in a checkpoint, is gone (the newest rows were "
                   "removed or the table truncated)\n",
                   (long long)cps.cp[cps.next].last_id);
            goto out;
        }
    if (uncovered_old > 0) {
        printf("FAILED: %lld rows older than %lld minutes are covered by no signed checkpoint "
               "(is the hub writing them? was the checkpoint file replaced?)\n",
               uncovered_old, S_UNCOVERED_MS / 60000);
        goto out;
    }
    printf("ok: %lld disclosure rows, hash chain intact\n", rows);
    if (cps.configured)
        printf("ok: %zu signed checkpoints hold%s\n", cps.n,
               cps.n ? "; the newest still names its row" : "");
    else
        printf("warning: no SILTA_AUDIT_CHECKPOINTS: the chain alone cannot show a rewrite or "
               "removed newest rows\n");
    rc = CTL_OK;
out:
    free(cps.cp);
    return rc;
}

static int s_client(PGconn *conn, const char *hetu, const char *since, int json)
{
    silta_err_t err;
    silta_clientkey_t *ck = silta_clientkey_new(NULL, &err);
    if (!ck)
        return ctl_fail("cannot compute the client key: %s", err.msg);
    char key[SILTA_CLIENTKEY_LEN + 1];
    int rc = silta_clientkey_of(ck, hetu, key, &err);
    silta_clientkey_destroy(&ck);
    if (rc != 0)
        return ctl_fail("not a valid personal identity code: %s", err.msg);
    const char *params[2] = {key, since ? since : "1970-01-01"};
    const char *sql = "SELECT to_timestamp(at_ms / 1000.0) AS at, recipient, type, legal_basis, "
                      "consent_ref, xroad_id, event_id FROM hub.disclosure "
                      "WHERE client_key = $1 AND at_ms >= extract(epoch FROM $2::date) * 1000 "
                      "ORDER BY id";
    if (json) {
        char *out = ctl_query_json(conn, sql, 2, params, CTL_JSON_ARRAY);
        if (!out)
            return CTL_FAIL;
        printf("{\"client_key\":\"%s\",\"disclosures\":%s}\n", key, out);
        free(out);
        return CTL_OK;
    }
    PGresult *res = ctl_query(conn, sql, 2, params);
    if (!res)
        return CTL_FAIL;
    printf("disclosures of client %s since %s: %d\n", key, params[1], PQntuples(res));
    const char *head[] = {"when", "recipient", "event type", "legal basis", "consent", "event id"};
    ctl_table_t *t = ctl_table_new(6, head);
    if (t)
        ctl_table_records(t); /* the client's answer: never cut */
    for (int r = 0; t && r < PQntuples(res); r++) {
        char when[64];
        const char *cells[6] = {ctl_fmt_time(PQgetvalue(res, r, 0), when, sizeof when),
                                PQgetvalue(res, r, 1), PQgetvalue(res, r, 2),
                                PQgetvalue(res, r, 3), PQgetvalue(res, r, 4),
                                PQgetvalue(res, r, 6)};
        ctl_table_add(t, cells);
    }
    if (t && PQntuples(res))
        ctl_table_print(t, stdout);
    ctl_table_destroy(&t);
    PQclear(res);
    return CTL_OK;
}

/* 0 when s is a real calendar date written YYYY-MM-DD, else -1. */
static int s_check_date(const char *s)
{
    if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
        return -1;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && !isdigit((unsigned char)s[i]))
            return -1;
    struct tm tm = {0};
    tm.tm_year = atoi(s) - 1900;
    tm.tm_mon = atoi(s + 5) - 1;
    tm.tm_mday = atoi(s + 8);
    struct tm want = tm;
    if (timegm(&tm) == (time_t)-1 || tm.tm_year != want.tm_year || tm.tm_mon != want.tm_mon ||
        tm.tm_mday != want.tm_mday || tm.tm_year < 0)
        return -1;
    return 0;
}

int ctl_audit(int argc, char **argv)
{
    if (argc < 2)
        return ctl_bad("audit", "no subcommand (verify or client)");
    const char *sub = argv[1];
    int json = 0;
    const char *since = NULL;
    static const struct option opts[] = {
        {"json", no_argument, NULL, 'j'}, {"since", required_argument, NULL, 's'}, {0, 0, 0, 0}};
    optind = 2;
    int ch;
    opterr = 0;
    int is_verify = strcmp(sub, "verify") == 0, is_client = strcmp(sub, "client") == 0;
    if (!(is_verify || is_client))
        return ctl_bad("audit", "unknown subcommand '%.64s' (verify or client)", sub);
    while ((ch = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
        if (ch == 'j' && is_client)
            json = 1;
        else if (ch == 's' && is_client)
            since = optarg;
        else if (ch == 'j' || ch == 's')
            return ctl_bad("audit", "verify does not take %s", ch == 'j' ? "--json" : "--since");
        else
            return ctl_bad_option(ch, argv, "audit");
    }
    if (is_client && optind < argc)
        return ctl_fail("%s", CTL_HETU_NOT_IN_ARGV);
    if (optind != argc)
        return ctl_bad("audit", "unexpected argument '%.64s'", argv[optind]);
    if (since && s_check_date(since) != 0)
        return ctl_bad("audit", "bad --since date '%.32s': expected YYYY-MM-DD, a real calendar "
                                "date (say 2026-01-31)",
                       since);
    char hetu[64] = "";
    if (is_client && ctl_read_hetu(hetu, sizeof hetu) != 0)
        return ctl_fail("no personal identity code on standard input");
    PGconn *conn = ctl_connect();
    int rc = CTL_FAIL;
    if (conn)
        rc = is_verify ? s_verify(conn) : s_client(conn, hetu, since, json);
    silta_db_close(&conn);
    sodium_memzero(hetu, sizeof hetu);
    return rc;
}
