/*  hub_journal.c - SQL for the hub: the connection and migrations, consumers,
 *  consents, replay notifications, status.
 *
 *  Everything runs on one connection owned by the hub's main thread. Writes are
 *  batched by the caller; each function here is one round trip where it can.
 *  The turn's write (journal append + delivery checkpoint, one statement) is in
 *  hub_journal_write.c, the delivery side's reads in hub_journal_delivery.c.
 */
#include "hub_journal_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "silta_audit.h"
#include "silta_buf.h"
#include "silta_db.h"
#include "silta_log.h"
#include "silta_time.h"


static int s_listen(hub_journal_t *self, silta_err_t *err)
{
    return silta_db_exec(self->conn, "LISTEN silta_replay", err);
}

hub_journal_t *hub_journal_open(const char *url, const char *admin_url, const char *migrations_dir,
                                silta_err_t *err)
{
    hub_journal_t *self = calloc(1, sizeof *self);
    if (!self) {
        silta_err_set(err, SILTA_ERR, "out of memory");
        return NULL;
    }
    self->url = strdup(url);
    silta_buf_init(&self->sql);
    for (int k = 0; k < HUB_JOURNAL_NARR; k++)
        silta_buf_init(&self->arr[k]);
    self->conn = silta_db_connect(url, err);
    if (!self->conn ||
        silta_db_migrate_owned(self->conn, admin_url, "hub", migrations_dir, err) != 0 ||
        s_listen(self, err) != 0) {
        hub_journal_close(&self);
        return NULL;
    }
    return self;
}

void hub_journal_close(hub_journal_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    hub_journal_t *self = *self_p;
    silta_db_close(&self->conn);
    free(self->url);
    silta_buf_free(&self->sql);
    for (int k = 0; k < HUB_JOURNAL_NARR; k++)
        silta_buf_free(&self->arr[k]);
    free(self);
    *self_p = NULL;
}

int hub_journal_fd(const hub_journal_t *self)
{
    return self->conn && PQstatus(self->conn) == CONNECTION_OK ? PQsocket(self->conn) : -1;
}

int hub_journal_reconnect(hub_journal_t *self, silta_err_t *err)
{
    if (self->conn && PQstatus(self->conn) == CONNECTION_OK)
        return SILTA_OK;
    /* Every caller may ask (a failed commit, a failed checkpoint, the tick):
     * one attempt per HUB_JOURNAL_RECONNECT_MS, so an outage costs a connect
     * every quarter second, not one per turn, and the return is seen within it. */
    int64_t now = silta_mono_ms();
    if (now < self->next_connect_ms)
        return silta_err_set(err, SILTA_EAGAIN, "database unavailable (retrying)");
    self->next_connect_ms = now + HUB_JOURNAL_RECONNECT_MS;
    silta_db_close(&self->conn);
    self->prepared = 0; /* prepared statements live and die with their connection */
    self->conn = silta_db_connect(self->url, err);
    if (!self->conn)
        return SILTA_EAGAIN;
    if (s_listen(self, err) != 0) {
        silta_db_close(&self->conn);
        return SILTA_EAGAIN;
    }
    silta_info("database reconnected", NULL);
    return SILTA_OK;
}

int hub_journal_conn_ok(hub_journal_t *self, silta_err_t *err)
{
    if (self->conn && PQstatus(self->conn) == CONNECTION_OK)
        return SILTA_OK;
    return silta_err_set(err, SILTA_EAGAIN, "database connection lost");
}


/* Append s to an SQL array literal as a quoted element. Types and names are
 * checked to be safe tokens before they get here; quoting is belt and braces. */
static void s_array_quoted(silta_buf_t *b, const char *const *items, size_t n)
{
    silta_buf_puts(b, "{");
    for (size_t i = 0; i < n; i++) {
        silta_buf_puts(b, i ? ",\"" : "\"");
        for (const char *c = items[i]; *c; c++) {
            if (*c == '"' || *c == '\\')
                silta_buf_append(b, "\\", 1);
            silta_buf_append(b, c, 1);
        }
        silta_buf_puts(b, "\"");
    }
    silta_buf_puts(b, "}");
}

int hub_journal_upsert_consumer(hub_journal_t *self, const char *name, const char *const *types,
                                size_t ntypes, int *id_out, silta_err_t *err)
{
    int rc = hub_journal_conn_ok(self, err);
    if (rc != 0)
        return rc;
    silta_buf_t arr;
    silta_buf_init(&arr);
    s_array_quoted(&arr, types, ntypes);
    const char *params[2] = {name, arr.data};
    PGresult *res = silta_db_query(
        self->conn,
        "WITH c AS (INSERT INTO hub.consumer (name, types) VALUES ($1, $2::text[]) "
        "ON CONFLICT (name) DO UPDATE SET types = EXCLUDED.types, updated_at = now() "
        "RETURNING id), "
        "k AS (INSERT INTO hub.cursor (consumer_id, mark_delete) "
        "SELECT id, (SELECT coalesce(max(seq), 0) FROM hub.journal) FROM c "
        "ON CONFLICT (consumer_id) DO NOTHING) "
        "SELECT id FROM c",
        2, params, err);
    silta_buf_free(&arr);
    if (!res)
        return err ? err->code : SILTA_ERR;
    *id_out = atoi(PQgetvalue(res, 0, 0));
    PQclear(res);
    return SILTA_OK;
}

/* Parse a text-format PostgreSQL array of simple strings ({a,b,"c d"}). */
static size_t s_parse_array(const char *s, char ***out)
{
    size_t cap = 4, n = 0;
    char **items = malloc(cap * sizeof *items);
    if (!items || *s != '{') {
        free(items);
        *out = NULL;
        return 0;
    }
    s++;
    while (*s && *s != '}') {
        char tmp[256];
        size_t len = 0;
        int quoted = *s == '"';
        if (quoted)
            s++;
        while (*s && (quoted ? *s != '"' : (*s != ',' && *s != '}'))) {
            if (quoted && *s == '\\' && s[1])
                s++;
            if (len < sizeof tmp - 1)
                tmp[len++] = *s;
            s++;
        }
        if (quoted && *s == '"')
            s++;
        tmp[len] = '\0';
        if (n == cap) {
            char **more = realloc(items, cap * 2 * sizeof *items);
            if (!more)
                break;
            items = more;
            cap *= 2;
        }
        items[n++] = strdup(tmp);
        if (*s == ',')
            s++;
    }
    *out = items;
    return n;
}

/* Parse a text-format array of integers ({1,2,3}) into *out (malloc'd).
 * Returns the count; 0 (and *out NULL) when empty or out of memory. */
static size_t s_parse_u64s(const char *s, uint64_t **out)
{
    *out = NULL;
    size_t n = 0;
    for (const char *c = s; *c; c++)
        n += *c == ',';
    if (!strchr(s, '{') || strcmp(s, "{}") == 0 || !(*out = malloc((n + 1) * sizeof **out)))
        return 0;
    n = 0;
    for (const char *c = strchr(s, '{') + 1; *c && *c != '}';) {
        char *end = NULL;
        (*out)[n++] = strtoull(c, &end, 10);
        if (!end || end == c)
            break;
        c = *end == ',' ? end + 1 : end;
    }
    return n;
}

int hub_journal_load_consumers(hub_journal_t *self, hub_journal_consumer_fn fn, void *arg,
                               silta_err_t *err)
{
    /* A consumer without a cursor row (none should be) starts at the end. */
    PGresult *res = silta_db_query(
        self->conn,
        "SELECT c.id, c.name, c.types, coalesce(k.mark_delete, "
        "(SELECT coalesce(max(seq), 0) FROM hub.journal)), coalesce(k.acked, '{}')::text "
        "FROM hub.consumer c LEFT JOIN hub.cursor k ON k.consumer_id = c.id ORDER BY c.id",
        0, NULL, err);
    if (!res)
        return err ? err->code : SILTA_ERR;
    for (int t = 0; t < PQntuples(res); t++) {
        char **types = NULL;
        size_t ntypes = s_parse_array(PQgetvalue(res, t, 2), &types);
        uint64_t *acked = NULL;
        size_t nacked = s_parse_u64s(PQgetvalue(res, t, 4), &acked);
        hub_journal_cursor_t cur = {atoi(PQgetvalue(res, t, 0)),
                                    strtoull(PQgetvalue(res, t, 3), NULL, 10), acked, nacked / 2};
        fn(cur.consumer_id, PQgetvalue(res, t, 1), types, ntypes, &cur, arg);
        for (size_t i = 0; i < ntypes; i++)
            free(types[i]);
        free(types);
        free(acked);
    }
    PQclear(res);
    return SILTA_OK;
}

/* Append s to an SQL array literal as a quoted element (NULL as NULL). */
void hub_journal_array_item(silta_buf_t *b, const char *s, int first)
{
    silta_buf_puts(b, first ? "" : ",");
    if (!s) {
        silta_buf_puts(b, "NULL");
        return;
    }
    silta_buf_puts(b, "\"");
    for (const char *c = s; *c; c++) {
        if (*c == '"' || *c == '\\')
            silta_buf_append(b, "\\", 1);
        silta_buf_append(b, c, 1);
    }
    silta_buf_puts(b, "\"");
}

int hub_journal_last_disclosure_hash(hub_journal_t *self, char out[65], silta_err_t *err)
{
    PGresult *res = silta_db_query(
        self->conn, "SELECT hash FROM hub.disclosure ORDER BY id DESC LIMIT 1", 0, NULL, err);
    if (!res)
        return err ? err->code : SILTA_ERR;
    snprintf(out, 65, "%s", PQntuples(res) ? PQgetvalue(res, 0, 0) : SILTA_AUDIT_GENESIS);
    PQclear(res);
    return SILTA_OK;
}

int hub_journal_disclosure_head(hub_journal_t *self, int64_t *id, char hash[65], silta_err_t *err)
{
    PGresult *res = silta_db_query(
        self->conn, "SELECT id, hash FROM hub.disclosure ORDER BY id DESC LIMIT 1", 0, NULL, err);
    if (!res)
        return err ? err->code : SILTA_ERR;
    *id = PQntuples(res) ? strtoll(PQgetvalue(res, 0, 0), NULL, 10) : 0;
    snprintf(hash, 65, "%s", PQntuples(res) ? PQgetvalue(res, 0, 1) : SILTA_AUDIT_GENESIS);
    PQclear(res);
    return SILTA_OK;
}

int hub_journal_disclosure_at(hub_journal_t *self, int64_t id, char hash[65], int *found,
                              silta_err_t *err)
{
    char ids[24];
    snprintf(ids, sizeof ids, "%lld", (long long)id);
    const char *params[1] = {ids};
    PGresult *res = silta_db_query(self->conn, "SELECT hash FROM hub.disclosure WHERE id = $1",
                                   1, params, err);
    if (!res)
        return err ? err->code : SILTA_ERR;
    *found = PQntuples(res) > 0;
    snprintf(hash, 65, "%s", *found ? PQgetvalue(res, 0, 0) : "");
    PQclear(res);
    return SILTA_OK;
}

int hub_journal_save_consent(hub_journal_t *self, const char *client_key, const char *consent_id,
                             const char *status, const char *purpose, char *const *recipients,
                             size_t nrecipients, const char *expires, uint64_t seq,
                             silta_err_t *err)
{
    silta_buf_t arr;
    silta_buf_init(&arr);
    s_array_quoted(&arr, (const char *const *)recipients, nrecipients);
    char seqs[24];
    snprintf(seqs, sizeof seqs, "%llu", (unsigned long long)seq);
    const char *params[7] = {consent_id, client_key, status, purpose, arr.data,
                             expires && *expires ? expires : NULL, seqs};
    PGresult *res = silta_db_query(
        self->conn,
        "INSERT INTO hub.consent (consent_id, client_key, status, purpose, recipients, expires, "
        "event_seq) VALUES ($1, $2, $3, $4, $5::text[], $6::date, $7::bigint) "
        "ON CONFLICT (consent_id) DO UPDATE SET client_key = EXCLUDED.client_key, status = "
        "EXCLUDED.status, purpose = EXCLUDED.purpose, recipients = EXCLUDED.recipients, "
        "expires = EXCLUDED.expires, event_seq = EXCLUDED.event_seq, updated_at = now() "
        "WHERE hub.consent.event_seq < EXCLUDED.event_seq",
        7, params, err);
    silta_buf_free(&arr);
    if (!res)
        return err ? err->code : SILTA_ERR;
    PQclear(res);
    return SILTA_OK;
}

int hub_journal_load_consents(hub_journal_t *self, hub_journal_consent_fn fn, void *arg,
                              silta_err_t *err)
{
    PGresult *res = silta_db_query(self->conn,
                                   "SELECT client_key, consent_id, status, purpose, recipients, "
                                   "coalesce(expires::text, '') FROM hub.consent",
                                   0, NULL, err);
    if (!res)
        return err ? err->code : SILTA_ERR;
    for (int t = 0; t < PQntuples(res); t++) {
        char **rec = NULL;
        size_t nrec = s_parse_array(PQgetvalue(res, t, 4), &rec);
        fn(PQgetvalue(res, t, 0), PQgetvalue(res, t, 1), PQgetvalue(res, t, 2),
           PQgetvalue(res, t, 3), rec, nrec, PQgetvalue(res, t, 5), arg);
        for (size_t i = 0; i < nrec; i++)
            free(rec[i]);
        free(rec);
    }
    PQclear(res);
    return SILTA_OK;
}

int hub_journal_dead_letter_counts(hub_journal_t *self, void (*fn)(int consumer_id, long n, void *arg),
                                   void *arg, silta_err_t *err)
{
    int rc = hub_journal_conn_ok(self, err);
    if (rc != 0)
        return rc;
    PGresult *res = silta_db_query(
        self->conn, "SELECT consumer_id, count(*) FROM hub.dead_letter GROUP BY 1", 0, NULL, err);
    if (!res)
        return err ? err->code : SILTA_ERR;
    for (int t = 0; t < PQntuples(res); t++)
        fn(atoi(PQgetvalue(res, t, 0)), atol(PQgetvalue(res, t, 1)), arg);
    PQclear(res);
    return SILTA_OK;
}

int hub_journal_begin(hub_journal_t *self, silta_err_t *err)
{
    int rc = hub_journal_conn_ok(self, err);
    return rc ? rc : silta_db_exec(self->conn, "BEGIN", err);
}

int hub_journal_commit(hub_journal_t *self, silta_err_t *err)
{
    return silta_db_exec(self->conn, "COMMIT", err);
}

void hub_journal_rollback(hub_journal_t *self)
{
    if (self->conn) {
        PGresult *r = PQexec(self->conn, "ROLLBACK");
        PQclear(r);
    }
}

int hub_journal_poll_notifications(hub_journal_t *self, hub_journal_notify_fn fn, void *arg)
{
    if (!self->conn || PQstatus(self->conn) != CONNECTION_OK)
        return SILTA_EAGAIN;
    if (!PQconsumeInput(self->conn))
        return SILTA_EAGAIN;
    PGnotify *n;
    while ((n = PQnotifies(self->conn))) {
        int cid = 0;
        unsigned long long seq = 0;
        if (sscanf(n->extra, "%d:%llu", &cid, &seq) == 2)
            fn(cid, (uint64_t)seq, arg);
        else
            silta_warn("ignoring malformed replay notification", "channel=%s", n->relname);
        PQfreemem(n);
    }
    return SILTA_OK;
}

int hub_journal_size(hub_journal_t *self, int64_t *partitions, int64_t *bytes, silta_err_t *err)
{
    int rc = hub_journal_conn_ok(self, err);
    if (rc != 0)
        return rc;
    PGresult *res = silta_db_query(
        self->conn,
        "SELECT count(*), coalesce(sum(pg_total_relation_size(relid)), 0)::bigint "
        "FROM pg_partition_tree('hub.journal') WHERE isleaf",
        0, NULL, err);
    if (!res)
        return err ? err->code : SILTA_ERR;
    *partitions = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
    *bytes = strtoll(PQgetvalue(res, 0, 1), NULL, 10);
    PQclear(res);
    return SILTA_OK;
}

int hub_journal_snapshot(hub_journal_t *self, const char *instance, int64_t started_ms,
                         const hub_journal_consumer_status_t *cs, size_t ncs,
                         const hub_journal_peer_t *peers, size_t npeers, silta_err_t *err)
{
    int rc = hub_journal_conn_ok(self, err);
    if (rc != 0)
        return rc;
    silta_buf_t *sql = &self->sql;
    silta_buf_reset(sql);
    char pid[16], started[24];
    snprintf(pid, sizeof pid, "%d", (int)getpid());
    snprintf(started, sizeof started, "%lld", (long long)started_ms);
    /* Status rows hold only numbers and checked names; values still go as
     * parameters where they come from peers (name, address). */
    silta_buf_puts(sql, "BEGIN; ");
    silta_buf_printf(sql,
                     "INSERT INTO hub.instance (id, instance, pid, started_at, updated_at) "
                     "VALUES (1, '%s', %s, to_timestamp(%s / 1000.0), now()) "
                     "ON CONFLICT (id) DO UPDATE SET instance = EXCLUDED.instance, pid = "
                     "EXCLUDED.pid, started_at = EXCLUDED.started_at, updated_at = now(); ",
                     instance, pid, started);
    silta_buf_puts(sql, "DELETE FROM hub.consumer_status; ");
    for (size_t i = 0; i < ncs; i++)
        silta_buf_printf(sql,
                         "INSERT INTO hub.consumer_status VALUES (%d, %s, %d, %d, now()); ",
                         cs[i].consumer_id, cs[i].connected ? "true" : "false", cs[i].in_flight,
                         cs[i].credit);
    silta_buf_puts(sql, "DELETE FROM hub.peer; COMMIT");
    rc = silta_db_exec(self->conn, sql->data, err);
    if (rc != 0)
        return rc;
    for (size_t i = 0; i < npeers; i++) {
        char ca[24], ls[24];
        snprintf(ca, sizeof ca, "%lld", (long long)peers[i].connected_at_ms);
        snprintf(ls, sizeof ls, "%lld", (long long)peers[i].last_seen_ms);
        const char *params[7] = {peers[i].routing_id, peers[i].identity, peers[i].name,
                                 peers[i].address,    peers[i].consumer, ca, ls};
        PGresult *res = silta_db_query(
            self->conn,
            "INSERT INTO hub.peer VALUES ($1, $2, $3, $4, $5, to_timestamp($6::bigint / 1000.0), "
            "to_timestamp($7::bigint / 1000.0)) ON CONFLICT (routing_id) DO NOTHING",
            7, params, err);
        if (!res)
            return err ? err->code : SILTA_ERR;
        PQclear(res);
    }
    return SILTA_OK;
}
