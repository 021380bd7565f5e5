/*  cs_main.c - silta-casestore: the social-work case store.
 *
 *  A consumer of the hub: SUBSCRIBEs durable queue `casestore` to every event
 *  type it applies (store/cs_event.c). It takes the deliveries already there
 *  (up to the credit, waiting only for the first), applies them in ONE
 *  transaction (store/cs_store_batch.c) and only after the COMMIT ACKs them;
 *  a payload it cannot use is REJECTed with the reason (the hub dead-letters
 *  it). Alerts and plan changes wait in the outbox and are published from
 *  here; CONFIRMs mark them, in one statement per loop. "ready" is logged
 *  before any sweep; the sweep runs in chunks (SILTA_CASESTORE_SWEEP_CHUNK,
 *  250 clients) between batches, only for clients whose next_check has come,
 *  at start, when the day changes and every sweep interval, until caught up.
 *
 *      poll --DELIVER*--> batch --commit--> ACK each, publish outbox
 *        |                  |   `--bad input--> REJECT(reason) that one alone
 *        |                  `--batch failed--> each event alone (cs_store_apply)
 *        |                  `--database gone--> reconnect, no ACK (redelivered)
 *        +--CONFIRM*--> outbox rows confirmed
 *        +--sweeping--> one chunk of due clients, publish outbox
 *
 *  Modes:  silta-casestore                      run (ops/silta-local starts it)
 *          silta-casestore --publish FILE       publish a scenario
 *          silta-casestore --bench-rules N      time the rules over N histories
 *          silta-casestore --check-config       load config/rules.conf and exit
 *          silta-casestore --add-user NAME TEAM [--lang fi|sv] [--role caseworker|teamlead]
 *                                               an inbox account (password on stdin)
 *
 *  The caseworker inbox (web/web_server.h) runs on its own thread when
 *  SILTA_INBOX_BIND is set; its actions reach the hub through the outbox.
 *
 *  Metrics (cs_metrics.h) on SILTA_CASESTORE_METRICS_BIND when set (loopback
 *  unless SILTA_METRICS_ALLOW_REMOTE=1).
 *
 *  Settings: SILTA_PG_URL, SILTA_KEYS_DIR (casestore.key), SILTA_HUB_* (client),
 *  SILTA_RULES_CONF (default $SILTA_CONF_DIR/rules.conf: silta_paths.h), SILTA_TODAY (the rules'
 *  today, for tests and demos), SILTA_CASESTORE_SWEEP_MS (default 300000),
 *  SILTA_CASESTORE_CREDIT (512: also the largest batch), SILTA_CASESTORE_SWEEP_CHUNK
 *  (250), SILTA_CASESTORE_SEAL_KEY, SILTA_CASESTORE_MIGRATIONS.
 *
 *  Not here: the transaction (store/), the rules (rules/), the pages (web/).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cs_metrics.h"
#include "store/cs_event.h"
#include "store/cs_seal.h"
#include "store/cs_store.h"
#include "cs_tools.h"
#include "silta_cli.h"
#include "silta_client.h"
#include "silta_codec.h"
#include "silta_env.h"
#include "silta_log.h"
#include "silta_notify.h"
#include "silta_paths.h"
#include "silta_time.h"
#include "silta_uuid.h"
#include "web/web_server.h"

static volatile sig_atomic_t s_stop = 0;

static void s_on_signal(int sig)
{
    (void)sig;
    s_stop = 1;
}

typedef struct {
    silta_client_t *client;
    cs_store_t *store;
    int64_t outbox_after;
    silta_metrics_t *metrics; /* cs_metrics.h */
} s_app_t;

static int s_publish_row(const char *event_id, const char *type, const char *client_key,
                         const uint8_t *payload, size_t len, void *arg)
{
    s_app_t *app = arg;
    silta_envelope_t ev;
    silta__envelope__init(&ev);
    ev.event_id = (char *)event_id;
    ev.type = (char *)type;
    ev.client_key = (char *)client_key;
    ev.occurred_at = silta_now_ms();
    /* social.* rows from the inbox carry their own payload (cs_event.c knows it). */
    const ProtobufCMessageDescriptor *d = cs_event_descriptor(type);
    char ptype[128];
    snprintf(ptype, sizeof ptype, "application/x-protobuf; %s",
             d ? d->name
               : strcmp(type, "social.plan.v1") == 0 ? "silta.CoordinatedPlan" : "silta.GapAlert");
    ev.payload_type = ptype;
    ev.payload.data = (uint8_t *)payload;
    ev.payload.len = len;
    silta_err_t err;
    int rc = silta_client_publish(app->client, &ev, NULL, &err);
    if (rc == SILTA_EAGAIN)
        return 1; /* window full: the row comes again next time */
    if (rc != 0)
        silta_warn("could not publish", "event_id=%s type=%s reason=\"%s\"", event_id, type,
                   err.msg);
    return 0;
}

static void s_outbox(s_app_t *app)
{
    silta_err_t err;
    if (cs_store_outbox(app->store, &app->outbox_after, s_publish_row, app, &err) != 0)
        silta_warn("could not read the outbox", "reason=\"%s\"", err.msg);
}

/* One chunk of the incremental sweep (clients whose next_check has come).
 * Returns the number of clients evaluated. */
static size_t s_sweep(s_app_t *app, cs_day_t today, size_t chunk)
{
    char d[11];
    size_t nclients = 0, nchanged = 0;
    silta_err_t err;
    int64_t t0 = silta_mono_ms();
    int rc = cs_store_sweep(app->store, today, chunk, &nclients, &nchanged, &err);
    if (rc == SILTA_EAGAIN)
        cs_store_reconnect(app->store, &err);
    if (rc != 0) {
        silta_warn("sweep failed", "reason=\"%s\"", err.msg);
        return 0;
    }
    /* A line per chunk; "sweep done" when it has caught up (clients=0 when
     * nothing was due: the incremental sweep skipped every client). */
    silta_info(nclients < chunk ? "sweep done" : "sweep chunk done",
               "today=%s clients=%zu alerts_changed=%zu ms=%lld", cs_day_format(today, d),
               nclients, nchanged, (long long)(silta_mono_ms() - t0));
    if (nclients > 0)
        s_outbox(app);
    return nclients;
}

/* Deliveries in hand, applied together (each envelope copied: a poll event
 * borrows from the client only until the next poll). */
typedef struct {
    size_t n, cap;
    silta_envelope_t **ev;
    uint64_t *delivery_id;
    uint32_t *attempt;
    cs_batch_item_t *items;
    char (*confirmed)[SILTA_UUID_STRLEN + 1];
    const char **confirmed_p;
    size_t nconfirmed;
} s_batch_t;

static int s_batch_init(s_batch_t *b, size_t cap)
{
    memset(b, 0, sizeof *b);
    b->cap = cap;
    b->ev = calloc(cap, sizeof *b->ev);
    b->delivery_id = calloc(cap, sizeof *b->delivery_id);
    b->attempt = calloc(cap, sizeof *b->attempt);
    b->items = calloc(cap, sizeof *b->items);
    b->confirmed = calloc(cap, sizeof *b->confirmed);
    b->confirmed_p = calloc(cap, sizeof *b->confirmed_p);
    return b->ev && b->delivery_id && b->attempt && b->items && b->confirmed && b->confirmed_p
               ? 0
               : -1;
}

static void s_batch_free(s_batch_t *b)
{
    for (size_t i = 0; i < b->n; i++)
        silta_codec_free_envelope(&b->ev[i]);
    free(b->ev);
    free(b->delivery_id);
    free(b->attempt);
    free(b->items);
    free(b->confirmed);
    free(b->confirmed_p);
    memset(b, 0, sizeof *b);
}

/* Keep a copy of a delivery. Returns 0, or -1 when it cannot be kept (no ACK:
 * the hub delivers it again). */
static int s_batch_add(s_batch_t *b, const silta_client_event_t *e)
{
    size_t len = 0;
    uint8_t *buf = b->n < b->cap ? silta_codec_pack_envelope(e->event, &len) : NULL;
    silta_envelope_t *copy = buf ? silta_codec_unpack_envelope(buf, len) : NULL;
    free(buf);
    if (!copy)
        return -1;
    b->ev[b->n] = copy;
    b->delivery_id[b->n] = e->delivery_id;
    b->attempt[b->n] = e->attempt;
    b->n++;
    return 0;
}

/* ACK, REJECT or leave one applied event, as cs_store_apply(_batch) said. */
static void s_answer(s_app_t *app, const silta_envelope_t *ev, uint64_t delivery_id,
                     uint32_t attempt, int rc, int dup, const silta_err_t *err)
{
    if (rc == 0) {
        silta_info(dup ? "duplicate ignored" : "event applied",
                   "event_id=%s type=%s client_key=%s attempt=%u", ev->event_id, ev->type,
                   ev->client_key, attempt);
        silta_client_ack(app->client, delivery_id);
    } else if (rc == SILTA_EINVAL) {
        silta_warn("event rejected", "event_id=%s type=%s client_key=%s reason=\"%s\"",
                   ev->event_id, ev->type, ev->client_key, err->msg);
        silta_client_reject(app->client, delivery_id, err->msg);
    } else {
        /* No ACK: the hub delivers it again after its ack timeout. */
        silta_error("event not applied", "event_id=%s type=%s client_key=%s reason=\"%s\"",
                    ev->event_id, ev->type, ev->client_key, err->msg);
    }
}

/* Apply the batch in one transaction, then ACK / REJECT each event; when the
 * batch as a whole fails, each event alone (cs_store_apply), so one bad event
 * or client holds up nobody else. */
static void s_apply_batch(s_app_t *app, s_batch_t *b, cs_day_t today)
{
    if (b->n == 0)
        return;
    silta_err_t err = {0};
    int64_t t0 = silta_mono_ms();
    for (size_t i = 0; i < b->n; i++)
        b->items[i].ev = b->ev[i];
    int rc = cs_store_apply_batch(app->store, b->items, b->n, today, &err);
    if (rc == SILTA_EAGAIN && cs_store_reconnect(app->store, &err) == 0)
        rc = cs_store_apply_batch(app->store, b->items, b->n, today, &err);
    if (rc != 0) {
        silta_warn("batch not applied, applying one by one", "events=%zu reason=\"%s\"", b->n,
                   err.msg);
        for (size_t i = 0; i < b->n; i++) {
            cs_batch_item_t *it = &b->items[i];
            if (it->rc != SILTA_EINVAL)
                it->rc = cs_store_apply(app->store, it->ev, today, &it->duplicate, &it->err);
        }
    }
    size_t rejected = 0, applied = 0;
    int64_t now = silta_now_ms(), lag_ms = 0;
    for (size_t i = 0; i < b->n; i++) {
        const silta_envelope_t *ev = b->ev[i];
        rejected += b->items[i].rc == SILTA_EINVAL;
        applied += b->items[i].rc == 0 && !b->items[i].duplicate;
        int64_t at = ev->recorded_at > 0 ? ev->recorded_at : ev->occurred_at;
        if (b->items[i].rc == 0 && at > 0 && now - at > lag_ms)
            lag_ms = now - at;
    }
    silta_metrics_add(app->metrics, CS_METRICS_APPLIED, NULL, (double)applied);
    silta_metrics_add(app->metrics, CS_METRICS_REJECTED, NULL, (double)rejected);
    silta_metrics_set(app->metrics, CS_METRICS_LAG, NULL, (double)lag_ms / 1000.0);
    silta_info("batch applied", "events=%zu rejected=%zu ms=%lld", b->n, rejected,
               (long long)(silta_mono_ms() - t0));
    for (size_t i = 0; i < b->n; i++) {
        s_answer(app, b->ev[i], b->delivery_id[i], b->attempt[i], b->items[i].rc,
                 b->items[i].duplicate, &b->items[i].err);
        silta_codec_free_envelope(&b->ev[i]);
    }
    b->n = 0;
    s_outbox(app);
}

/* Mark the CONFIRMs gathered since the last call. */
static void s_confirms(s_app_t *app, s_batch_t *b)
{
    silta_err_t err;
    for (size_t i = 0; i < b->nconfirmed; i++)
        b->confirmed_p[i] = b->confirmed[i];
    if (b->nconfirmed > 0 &&
        cs_store_confirmed_many(app->store, b->confirmed_p, b->nconfirmed, &err) != 0)
        silta_warn("could not mark confirmed", "events=%zu reason=\"%s\"", b->nconfirmed,
                   err.msg);
    b->nconfirmed = 0;
}

/* One poll event: a delivery joins the batch, a CONFIRM the confirms. */
static void s_on_event(s_app_t *app, s_batch_t *b, const silta_client_event_t *e)
{
    switch (e->kind) {
    case SILTA_CLIENT_DELIVER:
        if (s_batch_add(b, e) != 0)
            silta_error("event not applied", "event_id=%s reason=\"out of memory\"",
                        e->event->event_id);
        break;
    case SILTA_CLIENT_CONFIRM:
        if (b->nconfirmed == b->cap)
            s_confirms(app, b);
        snprintf(b->confirmed[b->nconfirmed++], SILTA_UUID_STRLEN + 1, "%s", e->event_id);
        break;
    case SILTA_CLIENT_NACK:
        silta_warn("hub refused", "seq=%llu code=%u reason=\"%s\"", (unsigned long long)e->seq,
                   e->code, e->reason ? e->reason : "");
        break;
    case SILTA_CLIENT_UNAVAILABLE: /* once per outage; the outbox rows wait */
        silta_warn("hub cannot store publishes now; they wait and are sent again",
                   "reason=\"%s\"", e->reason ? e->reason : "");
        break;
    default:
        break;
    }
}

static int s_run(const cs_params_t *params)
{
    silta_err_t err;
    int rc = 1;
    cs_day_t today;
    if (cs_today(&today, &err) != 0) {
        silta_error("bad setting", "reason=\"%s\"", err.msg);
        return 1;
    }
    const char *url = silta_env_require("SILTA_PG_URL", &err);
    const char *keys = silta_env_require("SILTA_KEYS_DIR", &err);
    if (!url || !keys) {
        silta_error("missing setting", "reason=\"%s\"", err.msg);
        return 1;
    }
    char key_path[4096];
    snprintf(key_path, sizeof key_path, "%s/casestore.key", keys);

    s_app_t app = {0};
    web_server_t *web = NULL;
    cs_seal_t *seal = NULL;
    silta_clientkey_t *ck = NULL;
    app.store = cs_open_store(params, &seal, &ck, &err);
    silta_client_opts_t opts;
    memset(&opts, 0, sizeof opts);
    opts.client_key = key_path;
    opts.name = "silta-casestore";
    if (app.store)
        app.client = silta_client_new(&opts, &err);
    size_t ntypes;
    const char *const *types = cs_event_types(&ntypes);
    /* 512: a batch of that many clients holds ~17 MB of histories; peak RSS
     * ~40 MB (bench/README.md, "Case store") */
    long credit = atol(silta_env_get("SILTA_CASESTORE_CREDIT", "512"));
    if (app.client && silta_client_subscribe(app.client, "casestore", types, ntypes,
                                             (uint32_t)(credit > 0 ? credit : 512), &err) != 0)
        silta_client_destroy(&app.client);
    if (!app.client) {
        silta_error("could not start", "reason=\"%s\"", err.msg);
        goto done;
    }
    app.metrics = cs_metrics_new();
    if (!app.metrics || silta_metrics_serve_env(app.metrics, "SILTA_CASESTORE_METRICS_BIND",
                                                &err) != 0) {
        silta_error("could not start the metrics endpoint", "reason=\"%s\"",
                    app.metrics ? err.msg : "out of memory");
        goto done;
    }
    web = web_server_start(params, seal, ck, app.metrics, &err);
    if (!web && err.code != 0) {
        silta_error("could not start the inbox", "reason=\"%s\"", err.msg);
        goto done;
    }
    long sweep_ms = atol(silta_env_get("SILTA_CASESTORE_SWEEP_MS", "300000"));
    if (sweep_ms < 1000)
        sweep_ms = 300000;

    /* Ready at once: the sweep runs in chunks between delivery batches. */
    char d[11];
    silta_info("ready", "today=%s types=%zu consumer=casestore", cs_day_format(today, d), ntypes);
    silta_notify_ready("silta-casestore");
    size_t batch_max = (size_t)(credit > 0 ? credit : 512);
    size_t chunk = (size_t)atol(silta_env_get("SILTA_CASESTORE_SWEEP_CHUNK", "250"));
    if (chunk == 0)
        chunk = 250;
    s_batch_t batch;
    if (s_batch_init(&batch, batch_max) != 0) {
        silta_error("could not start", "reason=\"out of memory\"");
        s_batch_free(&batch);
        goto done;
    }
    int sweeping = 1; /* until a chunk comes back short */
    int64_t next_sweep = silta_mono_ms() + sweep_ms, next_outbox = 0, next_alerts = 0;
    while (!s_stop) {
        silta_notify_watchdog();
        silta_client_event_t e;
        /* Wait for the first event only when there is nothing else to do. */
        if (silta_client_poll(app.client, sweeping ? 0 : 500, &e) != 0)
            break; /* interrupted: s_stop is set */
        /* Then take what is already there, up to the credit, without waiting. */
        while (e.kind != SILTA_CLIENT_NONE) {
            s_on_event(&app, &batch, &e);
            if (batch.n >= batch_max || silta_client_poll(app.client, 0, &e) != 0)
                break;
        }
        s_apply_batch(&app, &batch, today);
        s_confirms(&app, &batch);
        cs_day_t now;
        if (cs_today(&now, &err) == 0 && now != today) {
            today = now; /* more clients' next_check has come: no full sweep */
            sweeping = 1;
        }
        if (web_server_outbox_dirty(web)) {
            /* An inbox action committed: read the outbox from the start (its row
             * may have a lower id than rows already passed). */
            app.outbox_after = 0;
            next_outbox = 0;
        }
        if (silta_mono_ms() >= next_outbox) {
            /* Caseworker actions (--publish) write the outbox from another process. */
            s_outbox(&app);
            next_outbox = silta_mono_ms() + 1000;
        }
        if (silta_mono_ms() >= next_sweep) {
            sweeping = 1;
            next_sweep = silta_mono_ms() + sweep_ms;
        }
        if (sweeping)
            sweeping = s_sweep(&app, today, chunk) >= chunk;
        if (silta_mono_ms() >= next_alerts && silta_metrics_port(app.metrics) > 0) {
            /* the gauges, when someone can scrape them: one grouped query */
            if (cs_metrics_alerts(app.metrics, app.store, today, &err) != 0)
                silta_warn("could not count alerts", "reason=\"%s\"", err.msg);
            silta_metrics_set(app.metrics, CS_METRICS_CONNECTED, NULL,
                              silta_client_connected(app.client));
            next_alerts = silta_mono_ms() + CS_METRICS_ALERTS_MS;
        }
    }
    silta_notify_stopping();
    s_confirms(&app, &batch);
    s_batch_free(&batch);
    silta_client_flush(app.client, 2000, NULL, NULL);
    silta_info("stopped", "reason=%s", s_stop ? "signal" : "poll");
    rc = 0;
done:
    web_server_stop(&web);
    silta_metrics_destroy(&app.metrics);
    silta_client_destroy(&app.client);
    cs_store_destroy(&app.store);
    silta_clientkey_destroy(&ck);
    cs_seal_destroy(&seal);
    return rc;
}

#define S_USAGE                                                                                   \
    "usage: silta-casestore                      consume events, run the rules\n"                  \
    "       silta-casestore --publish FILE       publish a scenario (casestore/README.md)\n"       \
    "       silta-casestore --bench-rules N      time all rules over N histories\n"                \
    "       silta-casestore --check-config       load the rules config and exit\n"                 \
    "       silta-casestore --add-user NAME TEAM [--lang fi|sv] [--role caseworker|teamlead]\n"    \
    "                                            inbox account; password on stdin\n"               \
    "       silta-casestore --help | --version\n"                                                  \
    "configuration: $SILTA_HOME/env and casestore/README.md\n"

int main(int argc, char **argv)
{
    int st = silta_cli_standard(argc, argv, "silta-casestore", S_USAGE);
    if (st >= 0)
        return st;
    silta_log_init("silta-casestore");
    silta_err_t err;
    if (silta_env_load(&err) != 0) {
        silta_error("could not read env", "reason=\"%s\"", err.msg);
        return 1;
    }
    static cs_params_t params;
    char conf_path[4096];
    const char *conf =
        silta_path("SILTA_RULES_CONF", SILTA_PATH_CONF, "rules.conf", conf_path, sizeof conf_path);
    if (cs_params_load(conf, &params, &err) != 0) {
        silta_error("bad rules config", "reason=\"%s\"", err.msg);
        fprintf(stderr, "silta-casestore: %s\n", err.msg);
        return 1;
    }
    if (argc >= 4 && argc % 2 == 0 && strcmp(argv[1], "--add-user") == 0) {
        const char *lang = NULL, *role = NULL;
        for (int i = 4; i < argc; i += 2) {
            if (strcmp(argv[i], "--lang") == 0 && !lang)
                lang = argv[i + 1];
            else if (strcmp(argv[i], "--role") == 0 && !role)
                role = argv[i + 1];
            else {
                fprintf(stderr, "silta-casestore: unknown --add-user option '%.32s'\n" S_USAGE,
                        argv[i]);
                return 2;
            }
        }
        return web_server_add_user(argv[2], argv[3], lang, role);
    }
    if (argc > 2 && strcmp(argv[1], "--publish") == 0)
        return cs_scenario_publish(argv[2], &params, 60000);
    if (argc > 1 && strcmp(argv[1], "--check-config") == 0) {
        printf("%s: ok\n", conf);
        return 0;
    }
    if (argc > 2 && strcmp(argv[1], "--bench-rules") == 0) {
        cs_day_t today;
        if (cs_today(&today, &err) != 0) {
            fprintf(stderr, "silta-casestore: %s\n", err.msg);
            return 1;
        }
        return cs_bench_rules(atol(argv[2]), &params, today);
    }
    if (argc > 1) {
        fprintf(stderr, "silta-casestore: unknown argument '%.64s'\n" S_USAGE, argv[1]);
        return 2;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = s_on_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    return s_run(&params);
}
