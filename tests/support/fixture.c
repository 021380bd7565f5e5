/*  fixture.c - a hub to test against, clients, one-value SQL, a published scenario. */
#include "fixture.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "harness.h"
#include "silta_codec.h"
#include "silta_db.h"
#include "silta_keys.h"
#include "silta_env.h"
#include "silta_time.h"
#include "silta_uuid.h"

void fixture_deploy(int adapters)
{
    harness_result_t r;
    if (adapters)
        harness_local(&r, "up", NULL);
    else
        harness_local(&r, "up", "--no-adapters", NULL);
    cr_assert_eq(r.status, 0, "silta-local up failed:\n%s\n%s", r.out, r.err);
    harness_result_free(&r);
    silta_err_t err;
    cr_assert_eq(silta_env_load(&err), 0, "%s", err.msg);
}

char *fixture_up(void)
{
    char *home = harness_home_new();
    cr_assert_not_null(home, "could not make a SILTA_HOME");
    fixture_deploy(0);
    return home;
}

silta_client_t *fixture_client(const char *home, const char *identity)
{
    char key[4096];
    snprintf(key, sizeof key, "%s/keys/%s.key", home, identity);
    silta_client_opts_t opts = {0};
    opts.client_key = key;
    opts.name = identity;
    silta_err_t err;
    silta_client_t *c = silta_client_new(&opts, &err);
    cr_assert_not_null(c, "client %s: %s", identity, err.msg);
    return c;
}

static PGconn *s_db(void)
{
    silta_err_t err;
    PGconn *db = silta_db_connect(getenv("SILTA_PG_URL"), &err);
    cr_assert_not_null(db, "%s", err.msg);
    return db;
}

long fixture_count(const char *sql)
{
    PGconn *db = s_db();
    silta_err_t err;
    PGresult *res = silta_db_query(db, sql, 0, NULL, &err);
    cr_assert_not_null(res, "%s: %s", sql, err.msg);
    long n = PQntuples(res) ? atol(PQgetvalue(res, 0, 0)) : 0;
    PQclear(res);
    silta_db_close(&db);
    return n;
}

char *fixture_value(const char *sql)
{
    PGconn *db = s_db();
    silta_err_t err;
    PGresult *res = silta_db_query(db, sql, 0, NULL, &err);
    cr_assert_not_null(res, "%s: %s", sql, err.msg);
    char *v = strdup(PQntuples(res) ? PQgetvalue(res, 0, 0) : "");
    PQclear(res);
    silta_db_close(&db);
    cr_assert_not_null(v);
    return v;
}

void fixture_scenario_file(const char *home, const char *name, const char *lines, char *path,
                           size_t len)
{
    snprintf(path, len, "%s/%s.txt", home, name);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f, "%s", path);
    fputs(lines, f);
    fclose(f);
}

void fixture_publish(const char *home, const char *name, const char *lines)
{
    char path[4096], bin[4096];
    fixture_scenario_file(home, name, lines, path, sizeof path);
    harness_result_t r;
    harness_runl(&r, 120000, harness_bin_path(bin, sizeof bin, "silta-casestore"), "--publish",
                 path, NULL);
    cr_assert_eq(r.status, 0, "publish failed:\n%s\n%s", r.out, r.err);
    harness_result_free(&r);
}

void fixture_exec(const char *sql)
{
    PGconn *db = s_db();
    silta_err_t err;
    cr_assert_eq(silta_db_exec(db, sql, &err), 0, "%s: %s", sql, err.msg);
    silta_db_close(&db);
}

void fixture_exec_admin(const char *sql)
{
    silta_err_t err;
    PGconn *db = silta_db_connect(getenv("SILTA_PG_ADMIN_URL"), &err);
    cr_assert_not_null(db, "%s", err.msg);
    cr_assert_eq(silta_db_exec(db, sql, &err), 0, "%s: %s", sql, err.msg);
    silta_db_close(&db);
}

int fixture_wait(silta_client_t *c, silta_client_event_kind_t kind, int timeout_ms,
                 silta_client_event_t *ev)
{
    int64_t end = silta_mono_ms() + timeout_ms;
    while (silta_mono_ms() < end) {
        if (silta_client_poll(c, 100, ev) != 0)
            return -1;
        if (ev->kind == kind)
            return 0;
    }
    return -1;
}

const char *fixture_client_key(const char *hetu, char out[SILTA_CLIENTKEY_LEN + 1])
{
    silta_err_t err;
    silta_clientkey_t *ck = silta_clientkey_new(NULL, &err);
    cr_assert_not_null(ck, "%s", err.msg);
    cr_assert_eq(silta_clientkey_of(ck, hetu, out, &err), 0, "%s", err.msg);
    silta_clientkey_destroy(&ck);
    return out;
}

/* Publish one event and wait for its answer; returns the event kind seen
 * (CONFIRM or NACK) with *code set for a NACK. */
void fixture_envelope(silta_envelope_t *e, char id[37], const char *type, const char *client_key,
                      const uint8_t *payload, size_t len)
{
    silta__envelope__init(e);
    silta_uuid_v7(id);
    e->event_id = id;
    e->type = (char *)type;
    e->client_key = (char *)client_key;
    e->payload.data = (uint8_t *)payload;
    e->payload.len = len;
}

silta_client_event_kind_t fixture_publish_one(silta_client_t *c, const char *type,
                                              const char *client_key, const uint8_t *payload,
                                              size_t len, char id[37], uint32_t *code)
{
    silta_envelope_t e;
    fixture_envelope(&e, id, type, client_key, payload, len);
    uint64_t seq = 0;
    silta_err_t err;
    cr_assert_eq(silta_client_publish(c, &e, &seq, &err), 0, "%s", err.msg);
    silta_client_event_t ev;
    int64_t end = silta_mono_ms() + 10000;
    while (silta_mono_ms() < end) {
        cr_assert_eq(silta_client_poll(c, 100, &ev), 0);
        if ((ev.kind == SILTA_CLIENT_CONFIRM || ev.kind == SILTA_CLIENT_NACK) && ev.seq == seq) {
            if (code)
                *code = ev.code;
            return ev.kind;
        }
    }
    cr_assert_fail("no answer to publish of %s", type);
    return SILTA_CLIENT_NONE;
}

/* Subscribe and wait for the hub's answer: the echo (attached) or a NACK. */
silta_client_event_kind_t fixture_subscribe(silta_client_t *c, const char *queue,
                                            const char *type, uint32_t *code)
{
    const char *types[1] = {type};
    silta_err_t err;
    cr_assert_eq(silta_client_subscribe(c, queue, types, 1, 10, &err), 0, "%s", err.msg);
    silta_client_event_t ev;
    int64_t end = silta_mono_ms() + 10000;
    while (silta_mono_ms() < end) {
        cr_assert_eq(silta_client_poll(c, 50, &ev), 0);
        if (ev.kind == SILTA_CLIENT_NACK && ev.seq == 0) {
            if (code)
                *code = ev.code;
            return SILTA_CLIENT_NACK;
        }
        if (silta_client_attached(c, queue))
            return SILTA_CLIENT_CONFIRM;
    }
    cr_assert_fail("no answer to subscribe %s", queue);
    return SILTA_CLIENT_NONE;
}

/* ---------------------------------------------------------------- raw sockets */

void *fixture_raw(void *ctx, const char *keyfile)
{
    silta_keypair_t me, hub;
    silta_err_t err;
    cr_assert_eq(silta_keys_load(keyfile, &me, &err), 0, "%s", err.msg);
    cr_assert_eq(silta_keys_load(getenv("SILTA_HUB_PUBLIC_KEY"), &hub, &err), 0, "%s", err.msg);
    void *s = zmq_socket(ctx, ZMQ_DEALER);
    int linger = 0;
    zmq_setsockopt(s, ZMQ_LINGER, &linger, sizeof linger);
    zmq_setsockopt(s, ZMQ_CURVE_SERVERKEY, hub.public_z85, 40);
    zmq_setsockopt(s, ZMQ_CURVE_PUBLICKEY, me.public_z85, 40);
    zmq_setsockopt(s, ZMQ_CURVE_SECRETKEY, me.secret_z85, 40);
    cr_assert_eq(zmq_connect(s, getenv("SILTA_HUB_ENDPOINT")), 0);
    return s;
}

silta_packet_t *fixture_raw_recv(void *s, int kind, int timeout_ms)
{
    int64_t end = silta_mono_ms() + timeout_ms;
    while (silta_mono_ms() < end) {
        zmq_pollitem_t it = {s, 0, ZMQ_POLLIN, 0};
        if (zmq_poll(&it, 1, 100) <= 0)
            continue;
        char buf[65536];
        int n = zmq_recv(s, buf, sizeof buf, 0);
        if (n < 0)
            continue;
        silta_packet_t *p = silta_codec_decode(buf, (size_t)n, sizeof buf, NULL, NULL);
        if (p && (int)p->cmd_case == kind)
            return p;
        silta_codec_free(&p);
    }
    return NULL;
}

void fixture_raw_hello(void *s)
{
    Silta__Hello h = SILTA__HELLO__INIT;
    h.version = 1;
    h.name = "raw-test";
    h.heartbeat_ms = 1000;
    silta_packet_t p = SILTA__PACKET__INIT;
    p.cmd_case = SILTA__PACKET__CMD_HELLO;
    p.hello = &h;
    cr_assert_eq(silta_codec_send(s, NULL, 0, &p), 0);
}
