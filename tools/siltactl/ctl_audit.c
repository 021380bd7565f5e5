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

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "silta_audit.h"
#include "silta_clientkey.h"
#include "silta_db.h"

#define S_PAGE "5000"

static int s_verify(PGconn *conn)
{
    char prev[SILTA_AUDIT_HASH_LEN + 1] = SILTA_AUDIT_GENESIS;
    char last_id[24] = "0", prev_id[24] = "";
    long long rows = 0;
    for (;;) {
        const char *params[1] = {last_id};
        PGresult *res = ctl_query(
            conn,
            "SELECT id, at_ms, recipient, client_key, event_id::text, type, legal_basis, "
            "consent_ref, xroad_id, prev_hash, hash FROM hub.disclosure WHERE id > $1::bigint "
            "ORDER BY id LIMIT " S_PAGE,
            1, params);
        if (!res)
            return CTL_FAIL;
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
                return CTL_FAIL;
            }
            char h[SILTA_AUDIT_HASH_LEN + 1];
            silta_audit_hash(prev, &row, h);
            if (strcmp(h, stored) != 0) {
                printf("FAILED at row %s: its contents were changed after it was written\n", id);
                PQclear(res);
                return CTL_FAIL;
            }
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
    printf("ok: %lld disclosure rows, hash chain intact\n", rows);
    return CTL_OK;
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

int ctl_audit(int argc, char **argv)
{
    if (argc < 2)
        return ctl_usage(stderr, "audit");
    const char *sub = argv[1];
    int json = 0;
    const char *since = NULL;
    static const struct option opts[] = {
        {"json", no_argument, NULL, 'j'}, {"since", required_argument, NULL, 's'}, {0, 0, 0, 0}};
    optind = 2;
    int ch;
    while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (ch == 'j')
            json = 1;
        else if (ch == 's')
            since = optarg;
        else
            return ctl_usage(stderr, "audit");
    }
    int is_verify = strcmp(sub, "verify") == 0, is_client = strcmp(sub, "client") == 0;
    if (is_client && optind < argc)
        return ctl_fail("%s", CTL_HETU_NOT_IN_ARGV);
    if (!(is_verify || is_client) || optind != argc)
        return ctl_usage(stderr, "audit");
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
