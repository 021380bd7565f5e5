/*  cs_store.c - apply events once, evaluate rules, version the plan, outbox.
 *  The transaction shape is drawn in cs_store.h; the SQL of each fact is in
 *  cs_apply.c. Log lines carry client_key and event_id only.
 *
 *  Not here: the SQL of each fact (cs_apply.c), rule logic (rules/), pages (web/).
 */
#include "cs_store.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cs_apply.h"
#include "cs_arr.h"
#include "cs_event.h"
#include "cs_store_int.h"
#include "../rules/cs_plan.h"
#include "events.pb-c.h"
#include "silta_db.h"
#include "silta_hetu.h"
#include "silta_log.h"
#include "silta_uuid.h"


static void s_param_row(const char *key, const char *value, void *arg)
{
    cs_store_t *self = arg;
    const char *p[2] = {key, value};
    PGresult *r = cs_q(self->db,
                       "INSERT INTO casestore.rule_param VALUES ($1, $2) ON CONFLICT (key) DO "
                       "UPDATE SET value = EXCLUDED.value",
                       2, p, NULL);
    PQclear(r);
}

static int s_connect(cs_store_t *self, silta_err_t *err)
{
    silta_db_close(&self->db);
    self->db = silta_db_connect(self->url, err);
    if (!self->db)
        return SILTA_EAGAIN;
    return silta_db_exec(self->db, "SET TimeZone = 'Europe/Helsinki'; SET application_name = "
                                   "'silta-casestore'",
                         err);
}

cs_store_t *cs_store_open(const char *url, const char *admin_url, const char *migrations_dir,
                          const cs_params_t *params,
                          const cs_seal_t *seal, const silta_clientkey_t *ck, silta_err_t *err)
{
    cs_store_t *self = calloc(1, sizeof *self);
    if (!self || !(self->url = strdup(url))) {
        free(self);
        silta_err_set(err, SILTA_ERR, "out of memory");
        return NULL;
    }
    self->params = params;
    self->seal = seal;
    self->ck = ck;
    if (s_connect(self, err) != 0 ||
        silta_db_migrate_owned(self->db, admin_url, "casestore", migrations_dir, err) != 0) {
        cs_store_destroy(&self);
        return NULL;
    }
    cs_params_each(params, s_param_row, self);
    return self;
}

void cs_store_destroy(cs_store_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    silta_db_close(&(*self_p)->db);
    free((*self_p)->hists);
    free((*self_p)->url);
    free(*self_p);
    *self_p = NULL;
}

int cs_store_reconnect(cs_store_t *self, silta_err_t *err)
{
    return s_connect(self, err) == 0 ? 0 : SILTA_EAGAIN;
}

static int s_code(const silta_err_t *err)
{
    return err->code ? err->code : SILTA_ERR;
}

int cs_store__code(const silta_err_t *err)
{
    return s_code(err);
}

static void s_rollback(cs_store_t *self)
{
    if (PQstatus(self->db) == CONNECTION_OK)
        silta_db_exec(self->db, "ROLLBACK", NULL);
}

void cs_store__rollback(cs_store_t *self)
{
    s_rollback(self);
}

/* BEGIN: 0, or SILTA_EAGAIN when the connection is gone (SILTA_ERR otherwise). */
static int s_begin(cs_store_t *self, silta_err_t *err)
{
    if (silta_db_exec(self->db, "BEGIN", err) == 0)
        return 0;
    return PQstatus(self->db) == CONNECTION_OK ? SILTA_ERR : SILTA_EAGAIN;
}

/* End a transaction begun by s_begin: COMMIT when rc is 0 and keep is set,
 * else ROLLBACK. Returns rc (or COMMIT's code), SILTA_EAGAIN when the
 * connection is gone. */
static int s_end(cs_store_t *self, int rc, int keep, silta_err_t *err)
{
    if (rc == 0 && keep)
        rc = silta_db_exec(self->db, "COMMIT", err);
    else
        s_rollback(self);
    if (rc != 0 && PQstatus(self->db) != CONNECTION_OK)
        rc = SILTA_EAGAIN;
    return rc;
}

/* ---------------------------------------------------------------- outbox */

static int s_outbox_bytes(cs_store_t *self, const char *event_id, const char *type,
                          const char *ck, const uint8_t *buf, size_t len, silta_err_t *err)
{
    char *hex = malloc(2 + len * 2 + 1);
    if (!hex)
        return silta_err_set(err, SILTA_ERR, "out of memory");
    hex[0] = '\\';
    hex[1] = 'x';
    sodium_bin2hex(hex + 2, len * 2 + 1, buf, len);
    const char *p[4] = {event_id, type, ck, hex};
    int rc = cs_exec(self->db,
                     "INSERT INTO casestore.outbox(event_id, type, client_key, payload) VALUES "
                     "($1, $2, $3, $4::bytea) ON CONFLICT (event_id) DO NOTHING",
                     4, p, err);
    free(hex);
    return rc;
}

static int s_outbox_add(cs_store_t *self, const char *event_id, const char *type, const char *ck,
                        const ProtobufCMessage *msg, silta_err_t *err)
{
    size_t len = protobuf_c_message_get_packed_size(msg);
    uint8_t *buf = malloc(len + 1);
    if (!buf)
        return silta_err_set(err, SILTA_ERR, "out of memory");
    protobuf_c_message_pack(msg, buf);
    int rc = s_outbox_bytes(self, event_id, type, ck, buf, len, err);
    free(buf);
    return rc;
}

int cs_store_outbox(cs_store_t *self, int64_t *after, cs_outbox_fn fn, void *arg,
                    silta_err_t *err)
{
    char a[24];
    snprintf(a, sizeof a, "%lld", (long long)*after);
    const char *p[1] = {a};
    /* Results in binary: the payload arrives as its bytes, not as hex that
     * the server encodes and PQunescapeBytea decodes (callgrind: ~10,000
     * instructions an event here); every other column is cast to text, whose
     * binary form is its text. */
    PGresult *r = PQexecParams(self->db,
                               "SELECT o.id::text, o.event_id::text, o.type, o.client_key, "
                               "o.payload FROM casestore.outbox_pending p JOIN casestore.outbox o "
                               "ON o.id = p.id WHERE p.id > $1 ORDER BY p.id LIMIT 1000",
                               1, NULL, p, NULL, NULL, 1);
    if (silta_db_check(self->db, r, err) != 0)
        return s_code(err);
    for (int i = 0; i < PQntuples(r); i++) {
        const unsigned char *payload = (const unsigned char *)PQgetvalue(r, i, 4);
        size_t len = (size_t)PQgetlength(r, i, 4);
        if (fn(PQgetvalue(r, i, 1), PQgetvalue(r, i, 2), PQgetvalue(r, i, 3), payload, len, arg))
            break;
        *after = atoll(PQgetvalue(r, i, 0));
    }
    PQclear(r);
    return 0;
}

int cs_store_confirmed(cs_store_t *self, const char *event_id, silta_err_t *err)
{
    const char *p[1] = {event_id};
    PGresult *r = cs_q(self->db,
                       "DELETE FROM casestore.outbox_pending p USING casestore.outbox o "
                       "WHERE p.id = o.id AND o.event_id = $1",
                       1, p, err);
    if (!r)
        return s_code(err);
    PQclear(r);
    return 0;
}

int cs_store_alert_counts(cs_store_t *self, cs_day_t today, cs_alert_count_fn fn, void *arg,
                          silta_err_t *err)
{
    char d[11];
    const char *p[1] = {cs_day_format(today, d)};
    /* alert_open (client_key) WHERE status = 'open' keeps this an index scan */
    PGresult *r = cs_q(self->db,
                       "SELECT rule, count(*), count(*) FILTER (WHERE due_date < $1::date) "
                       "FROM casestore.alert WHERE status = 'open' GROUP BY rule",
                       1, p, err);
    if (!r)
        return s_code(err);
    for (int i = 0; i < PQntuples(r); i++)
        fn(PQgetvalue(r, i, 0), atol(PQgetvalue(r, i, 1)), atol(PQgetvalue(r, i, 2)), arg);
    PQclear(r);
    return 0;
}

/* ---------------------------------------------------------------- evaluation */

static int s_hetu(cs_store_t *self, const char *ck, char out[SILTA_HETU_LEN + 1],
                  silta_err_t *err)
{
    const char *p[1] = {ck};
    PGresult *r = cs_q(self->db, "SELECT hetu_sealed FROM casestore.client WHERE client_key = $1",
                       1, p, err);
    if (!r)
        return s_code(err);
    int rc = SILTA_ERR;
    if (PQntuples(r) == 1) {
        size_t len = 0;
        unsigned char *b = PQunescapeBytea((const unsigned char *)PQgetvalue(r, 0, 0), &len);
        if (b && cs_seal_open(self->seal, b, len, out, SILTA_HETU_LEN + 1) == 0)
            rc = 0;
        PQfreemem(b);
    }
    PQclear(r);
    if (rc != 0)
        silta_err_set(err, SILTA_ERR, "could not open the sealed hetu of a client");
    return rc;
}

static int s_alert_publish(cs_store_t *self, const char *ck, const char *hetu,
                           const char *alert_id, const char *status, const char *rule,
                           const char *severity, const char *due, const char *agency,
                           const char *worker, const char *explanation, silta_err_t *err)
{
    Silta__GapAlert ga;
    char id[SILTA_UUID_STRLEN + 1];
    cs_sync_gap_alert(&ga, id, hetu, alert_id, status, rule, severity, due, agency, worker,
                      explanation);
    return s_outbox_add(self, id, "hub.gap_alert.v1", ck, &ga.base, err);
}

int cs_store__evaluate_loaded(cs_store_t *self, const char *ck, const char *hetu,
                              cs_day_t today, size_t *changed, cs_day_t *wake, silta_err_t *err)
{
    const cs_sync_client_t one = {ck, hetu, &self->hist};
    return cs_sync_clients(self, &one, 1, today, changed, wake, err);
}

int cs_store__next_check(cs_store_t *self, const char *const *cks, const cs_day_t *wakes,
                         size_t n, silta_err_t *err)
{
    if (n == 0)
        return 0;
    /* CS_NODAY = never: NULL would mean "not evaluated yet", so a far day */
    cs_arr_t keys = CS_ARR_INIT, days = CS_ARR_INIT;
    for (size_t i = 0; i < n; i++) {
        char day[11];
        cs_arr_add(&keys, cks[i]);
        cs_arr_add(&days, wakes[i] == CS_NODAY ? "9999-12-31" : cs_day_format(wakes[i], day));
    }
    const char *p[2] = {cs_arr_lit(&keys), cs_arr_lit(&days)};
    int rc = !p[0] || !p[1]
                 ? silta_err_set(err, SILTA_ERR, "out of memory")
                 : cs_exec(self->db,
                           "INSERT INTO casestore.client_check AS k(client_key, next_check) "
                           "SELECT * FROM unnest($1::text[], $2::date[]) ON CONFLICT "
                           "(client_key) DO UPDATE SET next_check = EXCLUDED.next_check, "
                           "checked_at = now()",
                           2, p, err);
    cs_arr_free(&keys);
    cs_arr_free(&days);
    return rc;
}

/* Inside an open transaction: history -> rules -> alerts, plan, next_check.
 * hetu may be NULL (then it is opened from the client row). */
static int s_evaluate(cs_store_t *self, const char *ck, const char *hetu, cs_day_t today,
                      size_t *changed, silta_err_t *err)
{
    char buf[SILTA_HETU_LEN + 1];
    if (!hetu) {
        if (s_hetu(self, ck, buf, err) != 0)
            return s_code(err);
        hetu = buf;
    }
    cs_day_t wake = CS_NODAY;
    int rc = cs_apply_load_history(self->db, ck, &self->hist, err);
    if (rc == 0)
        rc = cs_store__evaluate_loaded(self, ck, hetu, today, changed, &wake, err);
    if (rc == 0)
        rc = cs_store__next_check(self, &ck, &wake, 1, err);
    sodium_memzero(buf, sizeof buf);
    return rc;
}

/* ---------------------------------------------------------------- apply */

static void s_event_day(const silta_envelope_t *ev, cs_day_t today, char out[11])
{
    if (ev->occurred_at > 0) {
        time_t t = (time_t)(ev->occurred_at / 1000);
        struct tm tm;
        localtime_r(&t, &tm);
        char buf[48];
        snprintf(buf, sizeof buf, "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
        cs_day_t d;
        if (cs_day_parse(buf, &d) == 0 && d != CS_NODAY) {
            cs_day_format(d, out);
            return;
        }
    }
    cs_day_format(today, out);
}

int cs_store__decode(cs_store_t *self, const silta_envelope_t *ev, cs_event_t *e,
                     char birth[11], silta_err_t *err)
{
    if (cs_event_decode(ev, e, err) != 0)
        return SILTA_EINVAL;
    if (self->ck) {
        char key[SILTA_CLIENTKEY_LEN + 1];
        if (silta_clientkey_of(self->ck, e->hetu, key, NULL) != 0 ||
            strcmp(key, ev->client_key) != 0) {
            cs_event_free(e);
            return silta_err_set(err, SILTA_EINVAL,
                                 "client_key does not match the payload's hetu");
        }
    }
    /* The one parse here: the birth date for the client row (the contract
     * has validated the hetu, so this cannot fail). */
    silta_hetu_t h;
    silta_hetu_parse(e->hetu, &h, NULL);
    snprintf(birth, 11, "%04u-%02u-%02u", (unsigned)h.year % 10000u, (unsigned)h.month % 100u,
             (unsigned)h.day % 100u);
    return 0;
}

void cs_store__inbox_values(const silta_envelope_t *ev, const cs_event_t *e, cs_day_t today,
                            char day[11], char summary[256], char occurred[32])
{
    s_event_day(ev, today, day);
    cs_apply_summary(e, summary, 256);
    snprintf(occurred, 32, "%lld", (long long)(ev->occurred_at / 1000));
}

int cs_store__fact(cs_store_t *self, const silta_envelope_t *ev, const cs_event_t *e,
                   const char *birth, cs_day_t today, int *duplicate, silta_err_t *err)
{
    char day[11], summary[256], occurred[32];
    cs_store__inbox_values(ev, e, today, day, summary, occurred);
    const char *ib[5] = {ev->event_id, ev->type, ev->client_key, summary, occurred};
    PGresult *r = cs_q(self->db,
                       "INSERT INTO casestore.inbox(event_id, type, client_key, summary, "
                       "occurred_at) VALUES ($1, $2, $3, $4, CASE WHEN $5::bigint > 0 THEN "
                       "to_timestamp($5::bigint) END) ON CONFLICT (event_id) DO NOTHING",
                       5, ib, err);
    if (!r)
        return s_code(err);
    *duplicate = strcmp(PQcmdTuples(r), "0") == 0;
    PQclear(r);
    int rc = 0;
    if (rc != 0 || *duplicate)
        return rc;
    char *sealed = cs_seal_hex(self->seal, e->hetu);
    const char *cl[3] = {ev->client_key, sealed, birth};
    rc = sealed ? cs_exec(self->db,
                          "INSERT INTO casestore.client(client_key, hetu_sealed, birth_date) "
                          "VALUES ($1, $2::bytea, $3) ON CONFLICT (client_key) DO UPDATE SET "
                          "updated_at = now()",
                          3, cl, err)
                : silta_err_set(err, SILTA_ERR, "could not seal a hetu");
    free(sealed);
    if (rc != 0)
        return rc;
    return cs_apply_fact(self->db, e, ev->event_id, ev->client_key, day,
                         self->params->team_queue, err);
}

/* Apply ev; publish = 1 also queues ev itself in the outbox (a caseworker's
 * action from this process), in the same transaction. */
static int s_apply(cs_store_t *self, const silta_envelope_t *ev, cs_day_t today, int publish,
                   int *duplicate, silta_err_t *err)
{
    *duplicate = 0;
    cs_event_t e = {0};
    char birth[11];
    int rc = cs_store__decode(self, ev, &e, birth, err);
    if (rc != 0)
        return rc;
    rc = s_begin(self, err);
    if (rc != 0) {
        cs_event_free(&e);
        return rc;
    }
    *duplicate = 0; /* not known: the inbox row tells */
    rc = cs_store__fact(self, ev, &e, birth, today, duplicate, err);
    size_t changed = 0;
    if (rc == 0 && !*duplicate)
        rc = s_evaluate(self, ev->client_key, e.hetu, today, &changed, err);
    cs_event_free(&e);
    if (rc == 0 && !*duplicate && publish)
        rc = s_outbox_bytes(self, ev->event_id, ev->type, ev->client_key, ev->payload.data,
                            ev->payload.len, err);
    return s_end(self, rc, !*duplicate, err);
}

int cs_store_apply(cs_store_t *self, const silta_envelope_t *ev, cs_day_t today, int *duplicate,
                   silta_err_t *err)
{
    return s_apply(self, ev, today, 0, duplicate, err);
}

int cs_store_act(cs_store_t *self, const silta_envelope_t *ev, cs_day_t today, int *duplicate,
                 silta_err_t *err)
{
    return s_apply(self, ev, today, 1, duplicate, err);
}

int cs_store_hetu(cs_store_t *self, const char *client_key, char out[SILTA_HETU_LEN + 1],
                  silta_err_t *err)
{
    return s_hetu(self, client_key, out, err);
}

int cs_store_assign(cs_store_t *self, const char *client_key, const char *worker, cs_day_t today,
                    silta_err_t *err)
{
    int rc = s_begin(self, err);
    if (rc != 0)
        return rc;
    const char *p[2] = {client_key, worker};
    PGresult *r = cs_q(self->db,
                       "WITH w AS (INSERT INTO casestore.caseworker(worker_id) VALUES ($2) ON "
                       "CONFLICT DO NOTHING), n AS (UPDATE casestore.notice SET assigned_to = $2 "
                       "WHERE client_key = $1 AND handled_date IS NULL) UPDATE casestore.client "
                       "SET responsible_worker = $2, updated_at = now() WHERE client_key = $1",
                       2, p, err);
    if (!r)
        rc = s_code(err);
    else if (strcmp(PQcmdTuples(r), "1") != 0)
        rc = silta_err_set(err, SILTA_EINVAL, "no such client");
    PQclear(r);
    size_t changed = 0;
    if (rc == 0)
        rc = s_evaluate(self, client_key, NULL, today, &changed, err);
    rc = s_end(self, rc, 1, err);
    if (rc == 0)
        silta_info("responsible worker set", "client_key=%s worker=%s", client_key, worker);
    return rc;
}

/* A caseworker's change that is no agency event: sql (n params, $1 the
 * client_key) in a transaction with the rules and the plan; when it touches
 * no row, roll back and say *duplicate. */
static int s_change(cs_store_t *self, const char *ck, const char *sql, int n,
                    const char *const *p, cs_day_t today, int *duplicate, silta_err_t *err)
{
    *duplicate = 0;
    int rc = s_begin(self, err);
    if (rc != 0)
        return rc;
    PGresult *r = cs_q(self->db, sql, n, p, err);
    if (!r)
        rc = s_code(err);
    else
        *duplicate = strcmp(PQcmdTuples(r), "0") == 0;
    PQclear(r);
    size_t changed = 0;
    if (rc == 0 && !*duplicate)
        rc = s_evaluate(self, ck, NULL, today, &changed, err);
    return s_end(self, rc, !*duplicate, err);
}

int cs_store_plan_add(cs_store_t *self, const char *client_key, const cs_manitem_t *item,
                      const char *by, cs_day_t today, int *duplicate, silta_err_t *err)
{
    char due[11];
    cs_day_format(item->due, due);
    const char *p[7] = {client_key, item->item_id, item->title, item->owner,
                        item->responsible, due, by};
    int rc = s_change(self, client_key,
                      "INSERT INTO casestore.plan_manual(client_key, item_id, title, "
                      "owner_agency, responsible, due_date, created_by) VALUES ($1, $2, $3, $4, "
                      "$5, $6, $7) ON CONFLICT (client_key, item_id) DO NOTHING",
                      7, p, today, duplicate, err);
    if (rc == 0 && !*duplicate)
        silta_info("plan item added", "client_key=%s item_id=%s by=%s", client_key,
                   item->item_id, by);
    return rc;
}

int cs_store_plan_done(cs_store_t *self, const char *client_key, const char *item_id,
                       const char *by, cs_day_t today, int *duplicate, silta_err_t *err)
{
    const char *p[3] = {client_key, item_id, by};
    int rc = s_change(self, client_key,
                      "UPDATE casestore.plan_manual SET status = 'done', done_by = $3, done_at = "
                      "now() WHERE client_key = $1 AND item_id = $2 AND status = 'open'",
                      3, p, today, duplicate, err);
    if (rc == 0 && !*duplicate)
        silta_info("plan item done", "client_key=%s item_id=%s by=%s", client_key, item_id, by);
    return rc;
}

int cs_store_alert_close(cs_store_t *self, const char *client_key, const cs_alert_close_t *c,
                         cs_day_t today, int *duplicate, silta_err_t *err)
{
    *duplicate = 0;
    int rc = s_begin(self, err);
    if (rc != 0)
        return rc;
    cs_alert_row_t row;
    char hetu[SILTA_HETU_LEN + 1] = "";
    rc = cs_alert_close(self->db, client_key, c, today, &row, duplicate, err);
    if (rc == 0 && !*duplicate)
        rc = s_hetu(self, client_key, hetu, err);
    if (rc == 0 && !*duplicate)
        rc = s_alert_publish(self, client_key, hetu, row.alert_id, "closed", row.rule,
                             row.severity, row.due, row.agency, row.worker, row.explanation,
                             err);
    sodium_memzero(hetu, sizeof hetu);
    rc = s_end(self, rc, !*duplicate, err);
    if (rc == 0 && !*duplicate)
        silta_info("alert closed", "client_key=%s rule=%s alert_id=%s outcome=%s by=%s",
                   client_key, row.rule, row.alert_id, c->outcome, c->by);
    return rc;
}
