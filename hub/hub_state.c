/*  hub_state.c - the hub's start-up, status and shutdown.
 *
 *  Opens what the loop needs (keys, policy, contracts, journal, CURVE router,
 *  ZAP handler, HTTP server) and reloads the journal's state into memory
 *  (consents, consumers with their cursors, explicit deliveries; the backlog
 *  itself is paged by hub_deliver.c); reloads a replayed dead
 *  letter; writes the status snapshot; renders /metrics, /healthz and the
 *  status page from the loop's state; frees everything at the end. It does
 *  not run the loop or handle packets (hub_router.c). Shared state:
 *  hub_router_int.h.
 */
#include "hub_router_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "silta_keys.h"
#include "silta_log.h"
#include "silta_time.h"

/* ------------------------------------------------------------------------ */
/* start-up: the journal loaded, replays, status                             */

static void s_on_consumer_row(int id, const char *name, char **types, size_t ntypes,
                              const hub_journal_cursor_t *cursor, void *arg)
{
    if (!hub_deliver_consumer_add(arg, id, name, types, ntypes, cursor))
        silta_error("out of memory loading a consumer", "consumer=%s", name);
}

typedef struct {
    hub_router_t *hub;
    silta_map_t *events; /* seq -> hub_event_t (one copy shared by consumers) */
    size_t rows;
} s_load_t;

static void s_on_pending_row(int consumer_id, uint64_t seq, uint32_t attempts,
                             const uint8_t *envelope, size_t len, void *arg)
{
    s_load_t *l = arg;
    hub_router_consumer_t *c = hub_deliver_consumer_by_id(l->hub, consumer_id);
    if (!c)
        return;
    hub_event_t *ev = l->events ? silta_map_u64_get(l->events, seq) : NULL;
    if (!ev) {
        silta_envelope_t *env = silta_codec_unpack_envelope(envelope, len);
        if (!env) {
            silta_error("journal row does not decode", "seq=%llu", (unsigned long long)seq);
            return;
        }
        ev = hub_event_new(seq, env);
        if (!ev)
            return;
        if (l->events)
            silta_map_u64_put(l->events, seq, ev);
        else {
            if (hub_queue_push(c->queue, ev, attempts) >= 0 &&
                silta_map_u64_put(c->explicit_rows, seq, (void *)1) == 0)
                l->rows++;
            hub_event_unref(&ev);
            return;
        }
    }
    if (hub_queue_push(c->queue, ev, attempts) >= 0 &&
        silta_map_u64_put(c->explicit_rows, seq, (void *)1) == 0)
        l->rows++;
}

static void s_unref_event(void *p)
{
    hub_event_t *ev = p;
    hub_event_unref(&ev);
}

void hub_state_on_replay(int consumer_id, uint64_t seq, void *arg)
{
    hub_router_t *hub = arg;
    hub_router_consumer_t *c = hub_deliver_consumer_by_id(hub, consumer_id);
    if (!c || hub_queue_holds(c->queue, seq))
        return;
    s_load_t l = {hub, NULL, 0};
    silta_err_t err;
    if (hub_journal_load_pending(hub->journal, consumer_id, seq, s_on_pending_row, &l, &err) != 0)
        silta_error("could not load replayed delivery", "consumer=%s seq=%llu reason=\"%s\"",
                    c->name, (unsigned long long)seq, err.msg);
    else if (l.rows)
        silta_info("delivery replayed", "consumer=%s seq=%llu", c->name, (unsigned long long)seq);
}

void hub_state_snapshot(hub_router_t *hub)
{
    hub_journal_consumer_status_t *cs = calloc(hub->nconsumers + 1, sizeof *cs);
    hub_journal_peer_t *peers = calloc(hub->nsessions + 1, sizeof *peers);
    if (cs && peers) {
        for (size_t i = 0; i < hub->nconsumers; i++) {
            hub_router_consumer_t *c = hub->consumers[i];
            cs[i] = (hub_journal_consumer_status_t){
                c->id, c->session != NULL, (int)hub_queue_in_flight(c->queue), (int)c->credit};
        }
        int64_t now_mono = silta_mono_ms(), now_wall = silta_now_ms();
        for (size_t i = 0; i < hub->nsessions; i++) {
            hub_router_session_t *s = hub->sessions[i];
            peers[i] = (hub_journal_peer_t){s->rid_hex,
                                            s->identity,
                                            s->name ? s->name : "",
                                            s->address,
                                            s->consumer ? s->consumer->name : NULL,
                                            s->connected_wall_ms,
                                            now_wall - (now_mono - s->last_seen_ms)};
        }
        silta_err_t err;
        if (hub_journal_snapshot(hub->journal, hub->instance, hub->started_wall_ms, cs,
                                 hub->nconsumers, peers, hub->nsessions, &err) != 0)
            silta_warn("could not write status", "reason=\"%s\"", err.msg);
    }
    free(cs);
    free(peers);
    /* The journal's size for /metrics: a catalogue read, once a minute, here
     * rather than on a scrape (a scrape must not wait on the database). */
    int64_t now = silta_mono_ms();
    if (!hub->m.journal_sized_ms || now - hub->m.journal_sized_ms >= 60000) {
        silta_err_t err;
        int64_t parts = 0, bytes = 0;
        if (hub_journal_size(hub->journal, &parts, &bytes, &err) == 0) {
            hub->m.journal_partitions = parts;
            hub->m.journal_bytes = bytes;
            hub->m.journal_sized_ms = now;
        }
    }
    hub->last_snapshot_ms = silta_mono_ms();
}

/* ------------------------------------------------------------------------ */
/* operators: /metrics, /healthz, status page                                */

static void s_on_dead_count(int consumer_id, long n, void *arg)
{
    hub_metrics_consumer_t *mc = ((hub_metrics_consumer_t **)arg)[0];
    hub_router_t *hub = ((hub_router_t **)arg)[1];
    for (size_t i = 0; i < hub->nconsumers; i++)
        if (hub->consumers[i]->id == consumer_id)
            mc[i].dead_letters = n;
}

static int s_on_http(const char *path, silta_buf_t *body, const char **type, void *arg)
{
    hub_router_t *hub = arg;
    int db_up = hub_journal_fd(hub->journal) >= 0;
    if (strcmp(path, "/healthz") == 0) {
        silta_buf_puts(body, db_up ? "ok\n" : "database unavailable\n");
        return db_up ? 200 : 503;
    }
    int metrics = strcmp(path, "/metrics") == 0;
    if (!metrics && strcmp(path, "/") != 0) {
        silta_buf_puts(body, "not found\n");
        return 404;
    }
    hub_metrics_consumer_t *mc = calloc(hub->nconsumers + 1, sizeof *mc);
    hub_metrics_peer_t *mp = calloc(hub->nsessions + 1, sizeof *mp);
    size_t np = 0;
    if (!mc || !mp) {
        free(mc);
        free(mp);
        silta_buf_puts(body, "out of memory\n");
        return 503;
    }
    int64_t now = silta_now_ms();
    for (size_t i = 0; i < hub->nconsumers; i++) {
        hub_router_consumer_t *c = hub->consumers[i];
        int64_t oldest = hub_queue_oldest_recorded_ms(c->queue);
        size_t held = hub_queue_held(c->queue), fl = hub_queue_in_flight(c->queue);
        mc[i] = (hub_metrics_consumer_t){c->name,      c->session != NULL,
                                         held - fl + c->unloaded, fl, c->credit,
                                         oldest ? (double)(now - oldest) / 1000.0 : 0.0, 0};
    }
    void *ctx[2] = {mc, hub};
    silta_err_t err;
    if (db_up)
        hub_journal_dead_letter_counts(hub->journal, s_on_dead_count, ctx, &err);
    for (size_t i = 0; i < hub->nsessions; i++) {
        size_t k = 0;
        while (k < np && strcmp(mp[k].identity, hub->sessions[i]->identity) != 0)
            k++;
        if (k == np)
            mp[np++] = (hub_metrics_peer_t){hub->sessions[i]->identity, 0};
        mp[k].sessions++;
    }
    if (metrics) {
        *type = "text/plain; version=0.0.4; charset=utf-8";
        hub_metrics_render(&hub->m, mc, hub->nconsumers, mp, np, db_up, body);
    } else {
        *type = "text/html; charset=utf-8";
        hub_metrics_render_html(&hub->m, mc, hub->nconsumers, mp, np, db_up, hub->instance, body);
    }
    free(mc);
    free(mp);
    return 200;
}

static void s_on_consent_row(const char *client_key, const char *consent_id, const char *status,
                             const char *purpose, char **recipients, size_t nrecipients,
                             const char *expires, void *arg)
{
    hub_router_t *hub = arg;
    hub_consent_set(hub->consent, client_key, consent_id, status, purpose, recipients, nrecipients,
                    expires);
}

/* ------------------------------------------------------------------------ */
/* open, close                                                               */

#define S_BIND_WAIT_MS 15000

int hub_state_open(hub_router_t *hub, silta_err_t *err)
{
    const hub_router_config_t *cfg = hub->config;
    silta_keypair_t kp;
    int rc = silta_keys_load(cfg->secret_key_path, &kp, err);
    if (rc != 0)
        return rc;
    if (!kp.secret_z85[0])
        return silta_err_set(err, SILTA_EINVAL, "%s holds no secret key", cfg->secret_key_path);
    hub->policy = hub_policy_load(cfg->policy_path, cfg->policy_xsd, err);
    if (!hub->policy)
        return SILTA_EINVAL;
    hub->consent = hub_consent_new();
    if (!(hub->contract = hub_contract_new()))
        return silta_err_set(err, SILTA_ERR, "out of memory");
    hub->journal = hub_journal_open(cfg->pg_url, cfg->pg_admin_url, cfg->migrations_dir, err);
    if (!hub->journal || !hub->consent)
        return err ? err->code : SILTA_ERR;
    if ((rc = hub_journal_load_consents(hub->journal, s_on_consent_row, hub, err)) != 0 ||
        (rc = hub_journal_last_disclosure_hash(hub->journal, hub->last_hash, err)) != 0)
        return rc;
    if ((rc = hub_journal_head(hub->journal, &hub->journal_head, err)) != 0 ||
        (rc = hub_journal_load_consumers(hub->journal, s_on_consumer_row, hub, err)) != 0)
        return rc;
    if (cfg->audit_key_path && cfg->audit_file) {
        hub->anchor = hub_anchor_open(cfg->audit_key_path, cfg->audit_file, cfg->audit_interval_ms,
                                      err);
        if (!hub->anchor)
            return err ? err->code : SILTA_ERR;
        rc = hub_anchor_check(hub->anchor, hub->journal);
        if (rc != 0 && rc != SILTA_EINVAL)
            return silta_err_set(err, rc, "could not read the disclosure log");
    }
    s_load_t l = {hub, silta_map_new(), 0};
    rc = hub_journal_load_pending(hub->journal, 0, 0, s_on_pending_row, &l, err);
    silta_map_destroy(&l.events, s_unref_event);
    if (rc != 0)
        return rc;
    /* The backlog is read from the journal when a consumer attaches
     * (hub_deliver_page_all), a window at a time; here only counted, for the
     * queue-depth gauge (finished ranges above the mark-delete included: an
     * upper bound until paging passes them). */
    for (size_t i = 0; i < hub->nconsumers; i++) {
        hub_router_consumer_t *c = hub->consumers[i];
        uint64_t n = 0;
        if ((rc = hub_journal_count(hub->journal, c->types, c->ntypes,
                                    hub_cursor_mark_delete(c->cursor), &n, err)) != 0)
            return rc;
        c->unloaded = (size_t)n;
    }
    silta_info("journal loaded", "consumers=%zu explicit_deliveries=%zu journal_head=%llu",
               hub->nconsumers, l.rows, (unsigned long long)hub->journal_head);

    hub->ctx = zmq_ctx_new();
    hub->auth = hub_auth_start(hub->ctx, cfg->authorized_dir, err);
    if (!hub->auth)
        return SILTA_ERR;
    hub->router = zmq_socket(hub->ctx, ZMQ_ROUTER);
    int one = 1, linger = 2000, hwm = 1000000;
    int64_t maxmsg = (int64_t)cfg->max_packet + 4096; /* larger: disconnected by libzmq */
    zmq_setsockopt(hub->router, ZMQ_CURVE_SERVER, &one, sizeof one);
    zmq_setsockopt(hub->router, ZMQ_CURVE_SECRETKEY, kp.secret_z85, SILTA_KEY_Z85_LEN);
    zmq_setsockopt(hub->router, ZMQ_ZAP_DOMAIN, "silta", 5);
    zmq_setsockopt(hub->router, ZMQ_ROUTER_MANDATORY, &one, sizeof one);
    zmq_setsockopt(hub->router, ZMQ_LINGER, &linger, sizeof linger);
    zmq_setsockopt(hub->router, ZMQ_SNDHWM, &hwm, sizeof hwm);
    zmq_setsockopt(hub->router, ZMQ_RCVHWM, &hwm, sizeof hwm);
    zmq_setsockopt(hub->router, ZMQ_MAXMSGSIZE, &maxmsg, sizeof maxmsg);
    /* A hub that just took the lease from another (hub_lease.h) may find the
     * address still held: the other one stops within a second of losing the
     * lease, so wait for it (S_BIND_WAIT_MS) before giving up. */
    int64_t until = silta_mono_ms() + S_BIND_WAIT_MS;
    int said = 0;
    while (zmq_bind(hub->router, cfg->bind) != 0) {
        if (errno != EADDRINUSE || silta_mono_ms() >= until)
            return silta_err_set(err, SILTA_ERR, "could not bind %s: %s", cfg->bind,
                                 zmq_strerror(errno));
        if (!said++)
            silta_info("address in use; waiting for the hub that had the lease to stop",
                       "bind=%s", cfg->bind);
        silta_sleep_ms(100);
    }
    while (cfg->metrics_bind &&
           !(hub->http = hub_http_listen(cfg->metrics_bind, s_on_http, hub, err))) {
        if (silta_mono_ms() >= until)
            return SILTA_ERR;
        silta_sleep_ms(100);
    }
    return SILTA_OK;
}

void hub_state_close(hub_router_t *hub)
{
    hub_router_close_sessions(hub);
    if (hub->router)
        zmq_close(hub->router);
    if (hub->ctx)
        zmq_ctx_shutdown(hub->ctx);
    hub_auth_stop(&hub->auth);
    if (hub->ctx)
        zmq_ctx_term(hub->ctx);
    for (size_t i = 0; i < hub->nbatch; i++)
        hub_publish_free_entry(&hub->batch[(hub->batch_head + i) % hub->batch_cap]);
    for (size_t i = 0; i < hub->nconsumers; i++)
        hub_deliver_consumer_free(hub->consumers[i]);
    free(hub->consumers);
    free(hub->sessions);
    silta_map_destroy(&hub->sessions_by_rid, NULL);
    free(hub->batch);
    free(hub->rows);
    free(hub->envs);
    free(hub->acks);
    free(hub->out);
    free(hub->disclosures);
    hub_http_close(&hub->http);
    hub_policy_destroy(&hub->policy);
    hub_consent_destroy(&hub->consent);
    hub_contract_destroy(&hub->contract);
    hub_anchor_close(&hub->anchor);
    hub_journal_close(&hub->journal);
}
