/*  hub_journal_delivery.c - the delivery side's SQL: journal pages, explicit
 *  deliveries, dead letters.
 *
 *  Runs on the journal's one connection (hub_journal.c opens it; its fields
 *  are in hub_journal_int.h). The cursor checkpoints (with the delivery log
 *  and the disclosure rows) go with the turn's write (hub_journal_write.c).
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

