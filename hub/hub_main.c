/*  hub_main.c - silta-hub: read the environment, start the router, stop on
 *  SIGTERM/SIGINT. Everything else lives in hub_router.c and the modules of
 *  its loop (hub_router_int.h).
 *
 *  Configuration (environment, usually from $SILTA_HOME/env):
 *    SILTA_HUB_BIND          endpoint to bind (default: SILTA_HUB_ENDPOINT)
 *    SILTA_PG_URL            PostgreSQL connection of the hub's role (it owns nothing; on
 *                            hub.disclosure it may only INSERT and SELECT: hub/migrations/grants.sql)
 *    SILTA_PG_ADMIN_URL      the schema owner's connection, used only to migrate and grant
 *    SILTA_HUB_SECRET_KEY    the hub's CURVE keypair file
 *    SILTA_AUTHORIZED_KEYS   folder of NAME.pub files allowed in
 *    SILTA_POLICY            routing policy (default $SILTA_CONF_DIR/policy.xml: silta_paths.h)
 *    SILTA_METRICS_BIND      127.0.0.1:PORT for /metrics, /healthz and the status page;
 *                            a non-loopback address is refused unless
 *    SILTA_METRICS_ALLOW_REMOTE=1 (the page shows queues and consumers: put a TLS
 *                            proxy with authentication in front of it first)
 *    SILTA_AUDIT_KEY         Ed25519 key signing disclosure checkpoints (made when
 *                            missing, with .pub beside it); not in PostgreSQL
 *    SILTA_AUDIT_CHECKPOINTS the append-only checkpoint file outside the database
 *    SILTA_AUDIT_CHECKPOINT_MS  at most this long between checkpoints (60000)
 *    SILTA_MAX_PACKET        bytes (default 1 MiB)
 *    SILTA_HUB_BATCH_MAX / SILTA_HUB_BATCH_WAIT_MS   group commit (5000 / 2)
 *    SILTA_HUB_ACK_TIMEOUT_MS, SILTA_HUB_MAX_ATTEMPTS, SILTA_HUB_BACKOFF_MS
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hub_lease.h"
#include "hub_router.h"
#include "silta_cli.h"
#include "silta_codec.h"
#include "silta_env.h"
#include "silta_log.h"
#include "silta_metrics.h"
#include "silta_notify.h"
#include "silta_paths.h"

static volatile sig_atomic_t s_stop = 0;

/* 1 when bind ("HOST:PORT", "[V6]:PORT") names a loopback host: 127.0.0.0/8,
 * ::1 or localhost. */
static void s_on_signal(int sig)
{
    (void)sig;
    s_stop = 1;
}

static long s_num(const char *key, long fallback, long min, long max)
{
    const char *v = silta_env_get(key, NULL);
    if (!v)
        return fallback;
    char *end;
    long n = strtol(v, &end, 10);
    if (*end || n < min || n > max) {
        silta_warn("ignoring bad setting", "key=%s allowed=%ld..%ld", key, min, max);
        return fallback;
    }
    return n;
}

/* While a standby waits for the lease: tell systemd it runs (once), and feed
 * its watchdog. */
static void s_standby_tick(void)
{
    static int told;
    if (!told++)
        silta_notify_ready("silta-hub (standby)");
    silta_notify_watchdog();
}

int main(int argc, char **argv)
{
    const char *usage = "usage: silta-hub\n"
                        "  the hub: journals what publishers send and delivers it to the queues\n"
                        "  the policy allows; runs until SIGTERM. Configuration comes from the\n"
                        "  environment and $SILTA_HOME/env (hub/README.md).\n"
                        "  silta-hub --help | --version\n";
    int st = silta_cli_standard(argc, argv, "silta-hub", usage);
    if (st >= 0)
        return st;
    if (argc > 1) {
        fprintf(stderr, "silta-hub: unknown argument '%.64s'\n%s", argv[1], usage);
        return 2;
    }
    silta_log_init("silta-hub");
    silta_err_t err;
    if (silta_env_load(&err) != 0) {
        silta_error("could not read env", "reason=\"%s\"", err.msg);
        return 1;
    }
    hub_router_config_t cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.bind = silta_env_get("SILTA_HUB_BIND", silta_env_get("SILTA_HUB_ENDPOINT", NULL));
    cfg.pg_url = silta_env_get("SILTA_PG_URL", NULL);
    cfg.pg_admin_url = silta_env_get("SILTA_PG_ADMIN_URL", NULL);
    cfg.secret_key_path = silta_env_get("SILTA_HUB_SECRET_KEY", NULL);
    cfg.authorized_dir = silta_env_get("SILTA_AUTHORIZED_KEYS", NULL);
    static char migrations[4096], policy[4096], policy_xsd[4096];
    cfg.migrations_dir = silta_path("SILTA_HUB_MIGRATIONS", SILTA_PATH_DATA, "migrations/hub",
                                    migrations, sizeof migrations);
    cfg.policy_path = silta_path("SILTA_POLICY", SILTA_PATH_CONF, "policy.xml", policy,
                                 sizeof policy);
    cfg.policy_xsd = silta_path("SILTA_POLICY_XSD", SILTA_PATH_CONF, "schemas/policy.xsd",
                                policy_xsd, sizeof policy_xsd);
    cfg.metrics_bind = silta_env_get("SILTA_METRICS_BIND", NULL);
    cfg.audit_key_path = silta_env_get("SILTA_AUDIT_KEY", NULL);
    cfg.audit_file = silta_env_get("SILTA_AUDIT_CHECKPOINTS", NULL);
    const char *missing = !cfg.bind              ? "SILTA_HUB_BIND"
                          : !cfg.pg_url          ? "SILTA_PG_URL"
                          : !cfg.secret_key_path ? "SILTA_HUB_SECRET_KEY"
                          : !cfg.authorized_dir  ? "SILTA_AUTHORIZED_KEYS"
                                                 : NULL;
    if (missing) {
        silta_error("missing setting", "key=%s hint=\"run ops/silta-local up or set it\"", missing);
        return 1;
    }
    if (cfg.metrics_bind && silta_metrics_bind_check("SILTA_METRICS_BIND", cfg.metrics_bind, &err) != 0) {
        silta_error("bad setting", "key=SILTA_METRICS_BIND value=%s reason=\"%s\"",
                    cfg.metrics_bind, err.msg);
        return 1;
    }
    cfg.max_packet = (size_t)s_num("SILTA_MAX_PACKET", SILTA_MAX_PACKET_DEFAULT, 1024, 64 << 20);
    cfg.heartbeat_ms = (int)s_num("SILTA_HEARTBEAT_MS", 1000, 100, 60000);
    cfg.batch_max = (int)s_num("SILTA_HUB_BATCH_MAX", 5000, 1, 10000);
    cfg.batch_wait_ms = (int)s_num("SILTA_HUB_BATCH_WAIT_MS", 2, 0, 1000);
    cfg.ack_flush_ms = (int)s_num("SILTA_HUB_ACK_FLUSH_MS", 50, 1, 10000);
    cfg.queue.ack_timeout_ms = s_num("SILTA_HUB_ACK_TIMEOUT_MS", 30000, 100, 3600000);
    cfg.queue.backoff_base_ms = s_num("SILTA_HUB_BACKOFF_MS", 1000, 1, 600000);
    cfg.queue.backoff_max_ms = s_num("SILTA_HUB_BACKOFF_MAX_MS", 60000, 1, 3600000);
    cfg.queue.max_attempts = (uint32_t)s_num("SILTA_HUB_MAX_ATTEMPTS", 10, 1, 1000);
    cfg.audit_interval_ms = s_num("SILTA_AUDIT_CHECKPOINT_MS", 60000, 100, 3600000);

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = s_on_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    /* One serving hub per database: a standby waits here (hub_lease.h). */
    hub_lease_t *lease = hub_lease_acquire(cfg.pg_url, &s_stop, s_standby_tick, &err);
    if (!lease) {
        if (s_stop)
            return 0;
        silta_error("could not take the lease", "reason=\"%s\"", err.msg);
        return 1;
    }
    cfg.lease = lease;
    int rc = hub_router_run(&cfg, &s_stop, &err);
    hub_lease_release(&lease);
    if (rc != 0) {
        silta_error("hub failed", "reason=\"%s\"", err.msg);
        return 1;
    }
    return 0;
}
