/*  pg_ceiling.c - pg-ceiling: the ceiling of `make bench`'s comparison,
 *  PostgreSQL alone doing a durable hub's work in batches, over libpq.
 *
 *    pg-ceiling [options] CONNINFO      e.g. postgresql://silta@127.0.0.1:5432/silta
 *
 *  In schema `cmp` (dropped and created afresh on each run):
 *
 *    cmp.event    (seq bigserial, payload bytea)    the journal: one row per event
 *    cmp.delivery (consumer int, seq bigint)        what each consumer still has to take
 *
 *  A publisher sends --window events as one statement: the event rows, one
 *  delivery row per consumer and a NOTIFY, committed (synchronous_commit as the
 *  server has it: on in ops/silta-local) before the publisher counts them as
 *  confirmed. A consumer, in one transaction: takes up to --credit of its rows
 *  with their payloads (FOR UPDATE SKIP LOCKED), counts them as delivered,
 *  deletes exactly those rows and commits; the commit is the acknowledgement.
 *  When its queue is empty it waits for a NOTIFY (LISTEN), not a timer.
 *  So: the same guarantee as silta-bench and rmq-bench, with no broker process,
 *  no protocol and no per-event round trip. The harness (cmp_bench.c) forks the
 *  processes, checks for loss and prints the figures.
 *
 *  It does not start PostgreSQL: bench/run points it at ops/silta-local's.
 */
#include <arpa/inet.h>
#include <endian.h>
#include <inttypes.h>
#include <libpq-fe.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmp_bench.h"

#define S_BYTEA_OID 17

static const char S_SCHEMA[] =
    "DROP SCHEMA IF EXISTS cmp CASCADE;"
    "CREATE SCHEMA cmp;"
    "CREATE TABLE cmp.event (seq bigserial PRIMARY KEY, payload bytea NOT NULL);"
    "CREATE TABLE cmp.delivery (consumer int NOT NULL, seq bigint NOT NULL,"
    "                           PRIMARY KEY (consumer, seq));";

static const char S_PUBLISH[] =
    "WITH e AS (INSERT INTO cmp.event (payload) SELECT unnest($1::bytea[]) RETURNING seq),"
    " d AS (INSERT INTO cmp.delivery (consumer, seq)"
    "       SELECT c, e.seq FROM e CROSS JOIN generate_series(1, $2::int) AS c)"
    " SELECT pg_notify('cmp', '')";

static const char S_TAKE[] = "SELECT d.seq, e.payload FROM cmp.delivery d JOIN cmp.event e USING (seq)"
                             " WHERE d.consumer = $1 ORDER BY d.seq LIMIT $2"
                             " FOR UPDATE OF d SKIP LOCKED";

static const char S_DONE[] = "DELETE FROM cmp.delivery WHERE consumer = $1 AND seq = ANY($2::bigint[])";

/* A connection, or NULL (said why). */
static PGconn *s_connect(const cmp_opts_t *o)
{
    PGconn *db = PQconnectdb(o->target);
    if (PQstatus(db) != CONNECTION_OK) {
        fprintf(stderr, "pg-ceiling: could not connect: %s", PQerrorMessage(db));
        PQfinish(db);
        return NULL;
    }
    return db;
}

/* Run a result-less or row-returning command and check it; 0 / -1 (said why). */
static int s_ok(PGconn *db, PGresult *res, const char *what)
{
    ExecStatusType st = PQresultStatus(res);
    int rc = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK ? 0 : -1;
    if (rc != 0)
        fprintf(stderr, "pg-ceiling: %s: %s", what, PQerrorMessage(db));
    PQclear(res);
    return rc;
}

static int s_setup(const cmp_opts_t *o)
{
    PGconn *db = s_connect(o);
    if (!db)
        return -1;
    int rc = s_ok(db, PQexec(db, "SET client_min_messages = warning"), "set"); /* DROP's notices */
    if (rc == 0)
        rc = s_ok(db, PQexec(db, S_SCHEMA), "create schema cmp");
    PQfinish(db);
    return rc;
}

/* ------------------------------------------------------------------------ */
/* publisher                                                                 */

static void s_put32(uint8_t **p, uint32_t v)
{
    uint32_t n = htonl(v);
    memcpy(*p, &n, 4);
    *p += 4;
}

static int s_pub_run(const cmp_opts_t *o, int index, cmp_shared_t *sh)
{
    uint64_t first, count;
    cmp_pub_range(o, index, &first, &count);
    size_t size = (size_t)o->size, batch = (size_t)o->window;
    /* bytea[] in binary: ndim, hasnull, element type, length, lower bound; then (len, bytes)* */
    uint8_t *arr = malloc(20 + batch * (4 + size));
    int64_t *sent = calloc(batch, sizeof *sent);
    PGconn *db = arr && sent ? s_connect(o) : NULL;
    int rc = 1;
    if (!db)
        goto out;
    if (s_ok(db, PQprepare(db, "publish", S_PUBLISH, 0, NULL), "prepare") != 0)
        goto out;
    char consumers[16];
    snprintf(consumers, sizeof consumers, "%d", o->consumers);
    sh->pub[index].start_us = cmp_real_us();
    for (uint64_t done = 0; done < count && !cmp_interrupted;) {
        size_t n = count - done < batch ? (size_t)(count - done) : batch;
        uint8_t *p = arr;
        s_put32(&p, 1);
        s_put32(&p, 0);
        s_put32(&p, S_BYTEA_OID);
        s_put32(&p, (uint32_t)n);
        s_put32(&p, 1);
        for (size_t i = 0; i < n; i++) {
            s_put32(&p, (uint32_t)size);
            memset(p, 'x', size);
            cmp_payload_stamp(p, first + done + i);
            memcpy(&sent[i], p, sizeof sent[i]);
            p += size;
        }
        const char *values[2] = {(const char *)arr, consumers};
        int lengths[2] = {(int)(p - arr), 0};
        int formats[2] = {1, 0};
        __atomic_store_n(&sh->pub[index].published, done + n, __ATOMIC_RELAXED);
        if (s_ok(db, PQexecPrepared(db, "publish", 2, values, lengths, formats, 0), "publish") != 0)
            goto out;
        for (size_t i = 0; i < n; i++)
            cmp_pub_confirmed(sh, index, first + done + i, sent[i]);
        done += n;
    }
    rc = cmp_interrupted ? 1 : 0;
    sh->pub[index].done = rc == 0;
out:
    PQfinish(db);
    free(sent);
    free(arr);
    return rc;
}

/* ------------------------------------------------------------------------ */
/* consumer                                                                  */

/* Wait up to 100 ms for a NOTIFY (or anything) on the connection; -1 if it broke. */
static int s_wait_notify(PGconn *db)
{
    struct pollfd pfd = {.fd = PQsocket(db), .events = POLLIN};
    if (poll(&pfd, 1, 100) > 0 && !PQconsumeInput(db)) {
        fprintf(stderr, "pg-ceiling: connection: %s", PQerrorMessage(db));
        return -1;
    }
    PGnotify *nt;
    while ((nt = PQnotifies(db)) != NULL)
        PQfreemem(nt);
    return 0;
}

/* One batch: take, count, delete, commit. Returns the rows taken, -1 on error. */
static int s_take(const cmp_opts_t *o, cmp_shared_t *sh, int index, cmp_seen_t *seen, PGconn *db,
                  char *ids, size_t ids_len)
{
    char consumer[16], credit[24];
    snprintf(consumer, sizeof consumer, "%d", index + 1);
    snprintf(credit, sizeof credit, "%ld", o->credit);
    if (s_ok(db, PQexec(db, "BEGIN"), "begin") != 0)
        return -1;
    const char *take[2] = {consumer, credit};
    const int formats[2] = {0, 0};
    PGresult *res = PQexecPrepared(db, "take", 2, take, NULL, formats, 1);
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        s_ok(db, res, "take");
        return -1;
    }
    int n = PQntuples(res);
    size_t at = 0;
    ids[at++] = '{';
    for (int i = 0; i < n; i++) {
        uint64_t seq_be; /* int8 in binary: big endian */
        if (PQgetlength(res, i, 0) != 8) {
            PQclear(res);
            return -1;
        }
        memcpy(&seq_be, PQgetvalue(res, i, 0), 8);
        uint64_t seq = be64toh(seq_be);
        if (cmp_con_received(o, sh, index, seen, (const uint8_t *)PQgetvalue(res, i, 1),
                             (size_t)PQgetlength(res, i, 1)) != 0)
            fprintf(stderr, "pg-ceiling: consumer %d: a row not of this bench\n", index + 1);
        at += (size_t)snprintf(ids + at, ids_len - at, "%s%" PRIu64, i ? "," : "", seq);
    }
    snprintf(ids + at, ids_len - at, "}");
    PQclear(res);
    if (n > 0) {
        const char *done[2] = {consumer, ids};
        if (s_ok(db, PQexecPrepared(db, "done", 2, done, NULL, NULL, 0), "delete") != 0)
            return -1;
    }
    if (s_ok(db, PQexec(db, "COMMIT"), "commit") != 0)
        return -1;
    if (n > 0)
        cmp_con_acked(sh, index);
    return n;
}

static int s_con_run(const cmp_opts_t *o, int index, cmp_shared_t *sh)
{
    cmp_seen_t seen;
    size_t ids_len = (size_t)o->credit * 21 + 4; /* "{" + ("," + 20 digits)* + "}" */
    char *ids = malloc(ids_len);
    if (!ids || cmp_seen_init(o, &seen) != 0) {
        free(ids);
        return 1;
    }
    PGconn *db = s_connect(o);
    int rc = 1;
    if (!db || s_ok(db, PQexec(db, "LISTEN cmp"), "listen") != 0 ||
        s_ok(db, PQprepare(db, "take", S_TAKE, 0, NULL), "prepare") != 0 ||
        s_ok(db, PQprepare(db, "done", S_DONE, 0, NULL), "prepare") != 0)
        goto out;
    __atomic_store_n(&sh->con[index].ready, 1, __ATOMIC_RELEASE);
    int fin = 0;
    while (fin == 0) {
        int n = s_take(o, sh, index, &seen, db, ids, ids_len);
        if (n < 0)
            goto out;
        if (n == 0 && s_wait_notify(db) != 0)
            goto out;
        fin = cmp_con_finished(o, sh, index, &seen);
    }
    rc = fin == 1 ? 0 : 1;
out:
    PQfinish(db);
    cmp_seen_free(&seen);
    free(ids);
    return rc;
}

int main(int argc, char **argv)
{
    static const cmp_driver_t driver = {.name = "pg-ceiling",
                                        .system = "ceiling",
                                        .setup = s_setup,
                                        .pub_run = s_pub_run,
                                        .con_run = s_con_run};
    return cmp_main(argc, argv, &driver);
}
