/*  hub_journal_delivery.c - the delivery side's SQL: journal pages, cursor
 *  checkpoints (with the delivery log and the disclosure rows), explicit
 *  deliveries, dead letters.
 *
 *  Runs on the journal's one connection (hub_journal.c opens it; its fields
 *  are in hub_journal_int.h). Writes are batched by the caller: a checkpoint is
 *  one statement whatever it carries, so nothing is written per delivery
 *  except its disclosure row and its delivery-log row, both in that statement.
 */
#include "hub_journal_int.h"

#include <arpa/inet.h>
#include <endian.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "silta_db.h"

static uint64_t s_be64(const char *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return be64toh(v);
}

static uint32_t s_be32(const char *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return ntohl(v);
}

int hub_journal_head(hub_journal_t *self, uint64_t *seq_out, silta_err_t *err)
{
    int rc = hub_journal_conn_ok(self, err);
    if (rc != 0)
        return rc;
    PGresult *res = silta_db_query(self->conn, "SELECT coalesce(max(seq), 0) FROM hub.journal", 0,
                                   NULL, err);
    if (!res)
        return err ? err->code : SILTA_ERR;
    *seq_out = strtoull(PQgetvalue(res, 0, 0), NULL, 10);
    PQclear(res);
    return SILTA_OK;
}

/* types as a text[] literal in self->arr[0], on a live connection; NULL
 * with err filled (SILTA_EAGAIN: disconnected) otherwise. */
static silta_buf_t *s_types(hub_journal_t *self, char *const *types, size_t ntypes,
                            silta_err_t *err)
{
    if (hub_journal_conn_ok(self, err) != 0)
        return NULL;
    silta_buf_t *t = &self->arr[0];
    silta_buf_reset(t);
    silta_buf_puts(t, "{");
    for (size_t i = 0; i < ntypes; i++)
        hub_journal_array_item(t, types[i], i == 0);
    silta_buf_puts(t, "}");
    if (t->failed) {
        silta_err_set(err, SILTA_ERR, "out of memory");
        return NULL;
    }
    return t;
}

int hub_journal_count(hub_journal_t *self, char *const *types, size_t ntypes, uint64_t after,
                      uint64_t *n, silta_err_t *err)
{
    silta_buf_t *t = s_types(self, types, ntypes, err);
    if (!t)
        return err ? err->code : SILTA_ERR;
    char a[24];
    snprintf(a, sizeof a, "%llu", (unsigned long long)after);
    const char *params[2] = {a, t->data};
    PGresult *res = silta_db_query(self->conn,
                                   "SELECT count(*) FROM hub.journal WHERE seq > $1::bigint "
                                   "AND type = ANY ($2::text[])",
                                   2, params, err);
    if (!res)
        return err ? err->code : SILTA_ERR;
    *n = strtoull(PQgetvalue(res, 0, 0), NULL, 10);
    PQclear(res);
    return SILTA_OK;
}

int hub_journal_page(hub_journal_t *self, char *const *types, size_t ntypes, uint64_t after,
                     uint64_t upto, size_t limit, hub_journal_page_fn fn, void *arg,
                     size_t *nrows, silta_err_t *err)
{
    *nrows = 0;
    silta_buf_t *t = s_types(self, types, ntypes, err);
    if (!t)
        return err ? err->code : SILTA_ERR;
    char a[24], u[24], l[24];
    snprintf(a, sizeof a, "%llu", (unsigned long long)after);
    snprintf(u, sizeof u, "%llu", (unsigned long long)upto);
    snprintf(l, sizeof l, "%zu", limit);
    const char *params[4] = {a, u, t->data, l};
    /* The primary key's range scan; binary results: the envelope as raw bytes. */
    PGresult *res = PQexecParams(self->conn,
                                 "SELECT seq, envelope FROM hub.journal WHERE seq > $1::bigint "
                                 "AND seq <= $2::bigint AND type = ANY ($3::text[]) "
                                 "ORDER BY seq LIMIT $4::int",
                                 4, NULL, params, NULL, NULL, 1);
    int rc = silta_db_check(self->conn, res, err);
    if (rc != 0)
        return rc;
    int n = PQntuples(res);
    for (int i = 0; i < n; i++)
        fn(s_be64(PQgetvalue(res, i, 0)), (const uint8_t *)PQgetvalue(res, i, 1),
           (size_t)PQgetlength(res, i, 1), arg);
    *nrows = (size_t)n;
    PQclear(res);
    return SILTA_OK;
}

int hub_journal_load_pending(hub_journal_t *self, int only_consumer_id, uint64_t only_seq,
                             hub_journal_pending_fn fn, void *arg, silta_err_t *err)
{
    char cid[16], seq[24];
    snprintf(cid, sizeof cid, "%d", only_consumer_id);
    snprintf(seq, sizeof seq, "%llu", (unsigned long long)only_seq);
    const char *params[2] = {cid, seq};
    /* Binary results: the envelope comes back as raw bytes, no hex decoding. */
    PGresult *res = PQexecParams(
        self->conn,
        "SELECT d.consumer_id, d.seq, d.attempts, j.envelope FROM hub.delivery d "
        "JOIN hub.journal j ON j.seq = d.seq "
        "WHERE ($1::int = 0 OR d.consumer_id = $1::int) AND ($2::bigint = 0 OR d.seq = $2::bigint) "
        "ORDER BY d.seq",
        2, NULL, params, NULL, NULL, 1);
    int rc = silta_db_check(self->conn, res, err);
    if (rc != 0)
        return rc;
    for (int t = 0; t < PQntuples(res); t++)
        fn((int)s_be32(PQgetvalue(res, t, 0)), s_be64(PQgetvalue(res, t, 1)),
           s_be32(PQgetvalue(res, t, 2)), (const uint8_t *)PQgetvalue(res, t, 3),
           (size_t)PQgetlength(res, t, 3), arg);
    PQclear(res);
    return SILTA_OK;
}

/* Twenty-one array parameters, one statement: the finished deliveries ($1-$8:
 * logged; explicit rows deleted), the cursors ($9-$11, each cursor's finished
 * ranges as a bigint[] literal) and the disclosure rows ($12-$21, in order, so
 * the ids follow the hash chain). The data-modifying CTEs commit together. */
static const char *const S_SQL_CHECKPOINT =
    "WITH a AS (SELECT * FROM unnest($1::int[], $2::bigint[], $3::int[], $4::bigint[], "
    "$5::bigint[], $6::text[], $7::text[], $8::bool[]) AS t(c, s, att, d, o, outcome, detail, x)), "
    "del AS (DELETE FROM hub.delivery y USING a WHERE a.x AND y.consumer_id = a.c AND y.seq = a.s), "
    "log AS (INSERT INTO hub.delivery_log (consumer_id, seq, attempt, delivered_at, outcome, "
    "outcome_at, detail) SELECT c, s, att, to_timestamp(NULLIF(d, 0) / 1000.0), outcome, "
    "to_timestamp(o / 1000.0), detail FROM a), "
    "cur AS (INSERT INTO hub.cursor (consumer_id, mark_delete, acked, updated_at) "
    "SELECT c, m, k::bigint[], now() FROM unnest($9::int[], $10::bigint[], $11::text[]) "
    "AS u(c, m, k) ON CONFLICT (consumer_id) DO UPDATE SET mark_delete = EXCLUDED.mark_delete, "
    "acked = EXCLUDED.acked, updated_at = now()), "
    "dis AS (INSERT INTO hub.disclosure (at_ms, recipient, client_key, event_id, type, "
    "legal_basis, consent_ref, xroad_id, prev_hash, hash) "
    "SELECT a, r, k, e, t, b, c, x, p, h FROM unnest($12::bigint[], $13::text[], $14::text[], "
    "$15::uuid[], $16::text[], $17::text[], $18::text[], $19::text[], $20::text[], $21::text[]) "
    "WITH ORDINALITY AS u(a, r, k, e, t, b, c, x, p, h, n) ORDER BY n) "
    "SELECT 1";

static void s_acks(silta_buf_t *b, const hub_journal_ack_t *acks, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const char *sep = i ? "," : "";
        silta_buf_printf(&b[0], "%s%d", sep, acks[i].consumer_id);
        silta_buf_printf(&b[1], "%s%llu", sep, (unsigned long long)acks[i].seq);
        silta_buf_printf(&b[2], "%s%u", sep, acks[i].attempt);
        silta_buf_printf(&b[3], "%s%lld", sep, (long long)acks[i].delivered_at_ms);
        silta_buf_printf(&b[4], "%s%lld", sep, (long long)acks[i].outcome_at_ms);
        hub_journal_array_item(&b[5], acks[i].outcome ? acks[i].outcome : "acked", i == 0);
        hub_journal_array_item(&b[6], acks[i].detail, i == 0);
        silta_buf_printf(&b[7], "%s%s", sep, acks[i].explicit_row ? "t" : "f");
    }
}

static void s_cursors(silta_buf_t *b, const hub_journal_cursor_t *cs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const char *sep = i ? "," : "";
        silta_buf_printf(&b[0], "%s%d", sep, cs[i].consumer_id);
        silta_buf_printf(&b[1], "%s%llu", sep, (unsigned long long)cs[i].mark_delete);
        /* an element of a text[] holding a bigint[] literal: "{1,2,3,4}" */
        silta_buf_puts(&b[2], i ? ",\"{" : "\"{");
        for (size_t k = 0; k < 2 * cs[i].npairs; k++)
            silta_buf_printf(&b[2], "%s%llu", k ? "," : "", (unsigned long long)cs[i].acked[k]);
        silta_buf_puts(&b[2], "}\"");
    }
}

static void s_disclosures(silta_buf_t *b, const hub_journal_disclosure_t *rows, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        int f = i == 0;
        silta_buf_printf(&b[0], "%s%lld", f ? "" : ",", (long long)rows[i].at_ms);
        hub_journal_array_item(&b[1], rows[i].recipient, f);
        hub_journal_array_item(&b[2], rows[i].client_key, f);
        hub_journal_array_item(&b[3], rows[i].event_id, f);
        hub_journal_array_item(&b[4], rows[i].type, f);
        hub_journal_array_item(&b[5], rows[i].legal_basis, f);
        hub_journal_array_item(&b[6], rows[i].consent_ref ? rows[i].consent_ref : "", f);
        hub_journal_array_item(&b[7], rows[i].xroad_id ? rows[i].xroad_id : "", f);
        hub_journal_array_item(&b[8], rows[i].prev_hash, f);
        hub_journal_array_item(&b[9], rows[i].hash, f);
    }
}

int hub_journal_checkpoint(hub_journal_t *self, const hub_journal_ack_t *acks, size_t nacks,
                           const hub_journal_cursor_t *cursors, size_t ncursors,
                           const hub_journal_disclosure_t *rows, size_t nrows, silta_err_t *err)
{
    if (nacks == 0 && ncursors == 0 && nrows == 0)
        return SILTA_OK;
    int rc = hub_journal_conn_ok(self, err);
    if (rc != 0)
        return rc;
    silta_buf_t *b = self->arr;
    for (int k = 0; k < HUB_JOURNAL_NARR; k++) {
        silta_buf_reset(&b[k]);
        silta_buf_puts(&b[k], "{");
    }
    s_acks(b, acks, nacks);
    s_cursors(b + 8, cursors, ncursors);
    s_disclosures(b + 11, rows, nrows);
    int failed = 0;
    const char *params[HUB_JOURNAL_NARR];
    for (int k = 0; k < HUB_JOURNAL_NARR; k++) {
        silta_buf_puts(&b[k], "}");
        failed |= b[k].failed;
        params[k] = b[k].data;
    }
    if (failed)
        return silta_err_set(err, SILTA_ERR, "out of memory");
    PGresult *res = silta_db_query(self->conn, S_SQL_CHECKPOINT, HUB_JOURNAL_NARR, params, err);
    if (!res)
        return err ? err->code : SILTA_ERR;
    PQclear(res);
    return SILTA_OK;
}

int hub_journal_dead_letter(hub_journal_t *self, const hub_journal_ack_t *d, const char *outcome,
                            const char *reason, silta_err_t *err)
{
    int rc = hub_journal_conn_ok(self, err);
    if (rc != 0)
        return rc;
    char cid[16], seq[24], att[16], del[24];
    snprintf(cid, sizeof cid, "%d", d->consumer_id);
    snprintf(seq, sizeof seq, "%llu", (unsigned long long)d->seq);
    snprintf(att, sizeof att, "%u", d->attempt);
    snprintf(del, sizeof del, "%lld", (long long)d->delivered_at_ms);
    const char *params[6] = {cid, seq, att, reason, del, outcome};
    PGresult *res = silta_db_query(
        self->conn,
        "WITH del AS (DELETE FROM hub.delivery WHERE consumer_id = $1::int AND seq = $2::bigint), "
        "log AS (INSERT INTO hub.delivery_log (consumer_id, seq, attempt, delivered_at, outcome, "
        "detail) VALUES ($1::int, $2::bigint, $3::int, to_timestamp(NULLIF($5::bigint, 0) / 1000.0), "
        "$6, $4)) "
        "INSERT INTO hub.dead_letter (consumer_id, seq, attempts, reason) "
        "VALUES ($1::int, $2::bigint, $3::int, $4) ON CONFLICT (consumer_id, seq) DO UPDATE "
        "SET attempts = EXCLUDED.attempts, reason = EXCLUDED.reason, dead_at = now()",
        6, params, err);
    if (!res)
        return err ? err->code : SILTA_ERR;
    PQclear(res);
    return SILTA_OK;
}

