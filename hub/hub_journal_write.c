/*  hub_journal_write.c - a turn's write: the journal append and the delivery
 *  checkpoint in ONE statement, with binary array parameters.
 *
 *  A turn of the hub's loop writes at most this one statement: the batch of
 *  PUBLISHes (journal rows), the finished deliveries (delivery log, explicit
 *  rows deleted), the changed cursors and the disclosure rows of the DELIVERs
 *  about to go. One statement is one round trip and one commit, so one WAL
 *  flush carries both sides of the turn (before: two, each an fsync). Any part
 *  may be empty. It does not decide what goes into a turn (hub_publish.c,
 *  hub_deliver.c) nor chain the disclosure hashes (hub_deliver.c).
 *
 *  Parameters travel in PostgreSQL's binary array format (one buffer per
 *  array, reused): no number formatting, no quoting, envelopes as raw bytes
 *  (half the size of hex), event ids as 16 bytes. The statement is prepared
 *  once per connection (self->prepared; a reconnect prepares again).
 *
 *  Exactly once: the journal is partitioned by seq (migration 005), where
 *  PostgreSQL cannot keep event_id unique, so the batch's ids go first into
 *  hub.journal_id (event_id primary key, ON CONFLICT DO NOTHING, each given
 *  the next seq in batch order) and only the rows whose id was new are
 *  journalled, under that seq; a re-sent id, or one twice in a batch, gets no
 *  row and comes back as not new (a duplicate CONFIRM).
 */
#include "hub_journal_int.h"

#include <arpa/inet.h>
#include <endian.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "silta_db.h"

#define S_STMT "hub_write"
#define S_NPARAMS 28

/* Element type oids (pg_type.h). */
#define S_BOOL 16
#define S_BYTEA 17
#define S_INT8 20
#define S_INT4 23
#define S_TEXT 25
#define S_UUID 2950

/* $1-$8: the finished deliveries (logged; explicit rows deleted); $9-$11 and
 * $28: the cursors (each one's finished ranges are its $11 count of bounds
 * from the flat $28, sliced where the running sum of the counts ends);
 * $12-$21: the disclosure rows, in order so that their ids follow the hash
 * chain; $22-$27: the journal rows, in batch order (per-client order rests on
 * it). The data-modifying CTEs run whether or not the final SELECT reads
 * them, and commit together. The new journal rows come back by seq, which
 * nextval hands out in the order the ids are inserted: batch order. */
static const char *const S_SQL =
    "WITH u AS (SELECT * FROM unnest($22::uuid[], $23::text[], $24::text[], $25::text[], "
    "$26::bigint[], $27::bytea[]) WITH ORDINALITY AS u(e, t, s, k, o, v, n)), "
    "ids AS (INSERT INTO hub.journal_id (event_id, seq) "
    "SELECT e, nextval('hub.journal_seq_seq') FROM (SELECT e FROM u ORDER BY n) b "
    "ON CONFLICT (event_id) DO NOTHING RETURNING event_id, seq), "
    "ins AS (INSERT INTO hub.journal "
    "(seq, event_id, type, source, client_key, occurred_at, envelope) "
    "SELECT DISTINCT ON (i.seq) i.seq, u.e, u.t, u.s, u.k, to_timestamp(NULLIF(u.o, 0) / 1000.0), "
    "u.v FROM ids i JOIN u ON u.e = i.event_id ORDER BY i.seq, u.n RETURNING seq, event_id), "
    "a AS (SELECT * FROM unnest($1::int[], $2::bigint[], $3::int[], $4::bigint[], "
    "$5::bigint[], $6::text[], $7::text[], $8::bool[]) AS t(c, s, att, d, o, outcome, detail, x)), "
    "del AS (DELETE FROM hub.delivery y USING a WHERE a.x AND y.consumer_id = a.c AND y.seq = a.s), "
    "log AS (INSERT INTO hub.delivery_log (consumer_id, seq, attempt, delivered_at, outcome, "
    "outcome_at, detail) SELECT c, s, att, to_timestamp(NULLIF(d, 0) / 1000.0), outcome, "
    "to_timestamp(o / 1000.0), detail FROM a), "
    "cur AS (INSERT INTO hub.cursor (consumer_id, mark_delete, acked, updated_at) "
    "SELECT c, m, coalesce(($28::bigint[])[(e - k + 1)::int:e::int], '{}'), now() "
    "FROM (SELECT c, m, k, sum(k) OVER (ORDER BY n) AS e FROM unnest($9::int[], $10::bigint[], "
    "$11::int[]) WITH ORDINALITY AS u(c, m, k, n)) q "
    "ON CONFLICT (consumer_id) DO UPDATE SET mark_delete = EXCLUDED.mark_delete, "
    "acked = EXCLUDED.acked, updated_at = now()), "
    "dis AS (INSERT INTO hub.disclosure (at_ms, recipient, client_key, event_id, type, "
    "legal_basis, consent_ref, xroad_id, prev_hash, hash) "
    "SELECT a, r, k, e, t, b, c, x, p, h FROM unnest($12::bigint[], $13::text[], $14::text[], "
    "$15::uuid[], $16::text[], $17::text[], $18::text[], $19::text[], $20::text[], $21::text[]) "
    "WITH ORDINALITY AS u(a, r, k, e, t, b, c, x, p, h, n) ORDER BY n) "
    "SELECT seq, event_id FROM ins ORDER BY seq";

/* ------------------------------------------------------------------------ */
/* binary arrays                                                             */

/* A one-dimensional array in PostgreSQL's binary format (array_recv): ndim,
 * has-nulls flag, element type, then (length, lower bound 1), then each
 * element as its byte length (-1: NULL) and its bytes; integers big-endian.
 * An empty array has ndim 0 and no dimension: 12 bytes. */
#define S_HEAD 20

typedef struct {
    silta_buf_t *b;
    uint32_t n;
    int has_null;
} s_arr_t;

static void s_begin(s_arr_t *a, silta_buf_t *b, uint32_t elem_oid)
{
    a->b = b;
    a->n = 0;
    a->has_null = 0;
    silta_buf_reset(b);
    uint32_t head[5] = {htonl(1), 0, htonl(elem_oid), 0, htonl(1)};
    silta_buf_append(b, head, sizeof head);
}

static void s_elem(s_arr_t *a, const void *data, size_t len)
{
    uint32_t l = htonl((uint32_t)len);
    silta_buf_append(a->b, &l, 4);
    if (len)
        silta_buf_append(a->b, data, len);
    a->n++;
}

static void s_text(s_arr_t *a, const char *s)
{
    if (s) {
        s_elem(a, s, strlen(s));
        return;
    }
    uint32_t null = htonl(0xffffffffu);
    silta_buf_append(a->b, &null, 4);
    a->has_null = 1;
    a->n++;
}

static void s_i64(s_arr_t *a, int64_t v)
{
    uint64_t be = htobe64((uint64_t)v);
    s_elem(a, &be, 8);
}

static void s_i32(s_arr_t *a, int32_t v)
{
    uint32_t be = htonl((uint32_t)v);
    s_elem(a, &be, 4);
}

static int s_hexval(char c)
{
    return c >= '0' && c <= '9' ? c - '0'
           : c >= 'a' && c <= 'f' ? c - 'a' + 10
           : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                  : -1;
}

/* A UUID in text form (8-4-4-4-12 hex digits) as its 16 bytes; -1 when it is
 * not one (the hub checked every event_id on the way in: belt and braces). */
static int s_uuid(s_arr_t *a, const char *s)
{
    uint8_t u[16];
    size_t k = 0;
    for (size_t i = 0; s && s[i] && k < 16; i++) {
        if (s[i] == '-' && (i == 8 || i == 13 || i == 18 || i == 23))
            continue;
        int hi = s_hexval(s[i]), lo = s[i + 1] ? s_hexval(s[i + 1]) : -1;
        if (hi < 0 || lo < 0)
            return -1;
        u[k++] = (uint8_t)(hi << 4 | lo);
        i++;
    }
    if (k != 16 || strlen(s) != 36)
        return -1;
    s_elem(a, u, 16);
    return 0;
}

/* Patch the header: the element count, the has-nulls flag; an empty array
 * becomes ndim 0. -1 when the buffer ran out of memory. */
static int s_end(s_arr_t *a)
{
    if (a->b->failed)
        return -1;
    if (a->n == 0) {
        uint32_t zero = 0;
        memcpy(a->b->data, &zero, 4);
        a->b->len = 12;
        return 0;
    }
    uint32_t flag = htonl(a->has_null ? 1u : 0u), n = htonl(a->n);
    memcpy(a->b->data + 4, &flag, 4);
    memcpy(a->b->data + 12, &n, 4);
    return 0;
}

/* ------------------------------------------------------------------------ */
/* the parts of the statement                                                */

static int s_journal_rows(s_arr_t *a, const hub_journal_row_t *rows, size_t n)
{
    int bad = 0;
    for (size_t i = 0; i < n; i++) {
        bad |= s_uuid(&a[0], rows[i].event_id);
        s_text(&a[1], rows[i].type);
        s_text(&a[2], rows[i].source);
        s_text(&a[3], rows[i].client_key);
        s_i64(&a[4], rows[i].occurred_at_ms);
        s_elem(&a[5], rows[i].envelope, rows[i].envelope_len);
    }
    return bad;
}

static void s_acks(s_arr_t *a, const hub_journal_ack_t *acks, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        uint8_t x = acks[i].explicit_row ? 1 : 0;
        s_i32(&a[0], acks[i].consumer_id);
        s_i64(&a[1], (int64_t)acks[i].seq);
        s_i32(&a[2], (int32_t)acks[i].attempt);
        s_i64(&a[3], acks[i].delivered_at_ms);
        s_i64(&a[4], acks[i].outcome_at_ms);
        s_text(&a[5], acks[i].outcome ? acks[i].outcome : "acked");
        s_text(&a[6], acks[i].detail);
        s_elem(&a[7], &x, 1);
    }
}

/* Each cursor: its id, mark-delete and how many range bounds it has; the
 * bounds of all of them, in order, go to one flat array (bounds). */
static void s_cursors(s_arr_t *a, s_arr_t *bounds, const hub_journal_cursor_t *cs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        s_i32(&a[0], cs[i].consumer_id);
        s_i64(&a[1], (int64_t)cs[i].mark_delete);
        s_i32(&a[2], (int32_t)(2 * cs[i].npairs));
        for (size_t k = 0; k < 2 * cs[i].npairs; k++)
            s_i64(bounds, (int64_t)cs[i].acked[k]);
    }
}

static int s_disclosures(s_arr_t *a, const hub_journal_disclosure_t *rows, size_t n)
{
    int bad = 0;
    for (size_t i = 0; i < n; i++) {
        s_i64(&a[0], rows[i].at_ms);
        s_text(&a[1], rows[i].recipient);
        s_text(&a[2], rows[i].client_key);
        bad |= s_uuid(&a[3], rows[i].event_id);
        s_text(&a[4], rows[i].type);
        s_text(&a[5], rows[i].legal_basis);
        s_text(&a[6], rows[i].consent_ref ? rows[i].consent_ref : "");
        s_text(&a[7], rows[i].xroad_id ? rows[i].xroad_id : "");
        s_text(&a[8], rows[i].prev_hash);
        s_text(&a[9], rows[i].hash);
    }
    return bad;
}

static const uint32_t S_OIDS[S_NPARAMS] = {
    S_INT4, S_INT8, S_INT4, S_INT8, S_INT8, S_TEXT, S_TEXT, S_BOOL,         /* acks */
    S_INT4, S_INT8, S_INT4,                                                 /* cursors */
    S_INT8, S_TEXT, S_TEXT, S_UUID, S_TEXT, S_TEXT, S_TEXT, S_TEXT, S_TEXT, /* disclosures */
    S_TEXT,                                                                 /* ... hash */
    S_UUID, S_TEXT, S_TEXT, S_TEXT, S_INT8, S_BYTEA,                        /* journal */
    S_INT8,                                                                 /* range bounds */
};

static int s_prepare(hub_journal_t *self, silta_err_t *err)
{
    if (self->prepared)
        return SILTA_OK;
    PGresult *res = PQprepare(self->conn, S_STMT, S_SQL, S_NPARAMS, NULL);
    int rc = silta_db_check(self->conn, res, err);
    if (rc != 0)
        return rc;
    PQclear(res);
    self->prepared = 1;
    return SILTA_OK;
}

/* The new rows (seq, event_id as 16 bytes, ascending seq) onto the batch: a
 * batch row is new when it is the first of the batch with its id, and the
 * returned ids come in batch order, so one pass finds them. ids is the event
 * id array parameter (element i's 16 bytes at S_HEAD + 20 i + 4). */
static void s_match(hub_journal_row_t *rows, size_t n, const silta_buf_t *ids, PGresult *res)
{
    int nt = PQntuples(res);
    size_t i = 0;
    for (int t = 0; t < nt; t++) {
        const char *id = PQgetvalue(res, t, 1);
        if (PQgetlength(res, t, 1) != 16 || PQgetlength(res, t, 0) != 8)
            continue;
        size_t from = i;
        while (i < n && memcmp(ids->data + S_HEAD + 20 * i + 4, id, 16) != 0)
            i++;
        if (i == n) /* not in batch order after all: search it all */
            for (i = 0; i < n && (rows[i].is_new ||
                                  memcmp(ids->data + S_HEAD + 20 * i + 4, id, 16) != 0);
                 i++)
                ;
        if (i == n) {
            i = from;
            continue;
        }
        uint64_t be;
        memcpy(&be, PQgetvalue(res, t, 0), 8);
        rows[i].seq = be64toh(be);
        rows[i].is_new = 1;
        i++;
    }
}

int hub_journal_write(hub_journal_t *self, hub_journal_row_t *rows, size_t n,
                      const hub_journal_checkpoint_t *ck, silta_err_t *err)
{
    static const hub_journal_checkpoint_t none = {0};
    if (!ck)
        ck = &none;
    if (n == 0 && ck->nacks == 0 && ck->ncursors == 0 && ck->nrows == 0)
        return SILTA_OK;
    int rc = hub_journal_conn_ok(self, err);
    if (rc != 0)
        return rc;
    s_arr_t a[S_NPARAMS];
    for (int k = 0; k < S_NPARAMS; k++)
        s_begin(&a[k], &self->arr[k], S_OIDS[k]);
    for (size_t i = 0; i < n; i++) {
        rows[i].seq = 0;
        rows[i].is_new = 0;
    }
    s_acks(a, ck->acks, ck->nacks);
    s_cursors(a + 8, &a[27], ck->cursors, ck->ncursors);
    int bad = s_disclosures(a + 11, ck->rows, ck->nrows);
    bad |= s_journal_rows(a + 21, rows, n);
    if (bad)
        return silta_err_set(err, SILTA_ERR, "an event_id is not a uuid");
    const char *values[S_NPARAMS];
    int lengths[S_NPARAMS], formats[S_NPARAMS];
    for (int k = 0; k < S_NPARAMS; k++) {
        if (s_end(&a[k]) != 0)
            return silta_err_set(err, SILTA_ERR, "out of memory");
        values[k] = self->arr[k].data;
        lengths[k] = (int)self->arr[k].len;
        formats[k] = 1;
    }
    rc = s_prepare(self, err);
    if (rc != 0)
        return rc;
    PGresult *res = PQexecPrepared(self->conn, S_STMT, S_NPARAMS, values, lengths, formats, 1);
    rc = silta_db_check(self->conn, res, err);
    if (rc != 0)
        return rc;
    s_match(rows, n, &self->arr[21], res);
    PQclear(res);
    return SILTA_OK;
}
