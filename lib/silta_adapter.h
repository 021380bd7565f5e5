/*  silta_adapter.h - the one loop every agency adapter runs on.
 *
 *  An adapter is a table of callbacks plus its own mapping code; everything
 *  else lives here once: environment and keys, the hub session (through
 *  silta_client: reconnect, heartbeats, re-publishing), publish with confirms
 *  in a bounded window, the outbound subscription with credit, spool scanning
 *  and crash-safe file moves, rejection reports, SIGTERM, the readiness line.
 *
 *      int main(int argc, char **argv) { return silta_adapter_main(&kela_ops, argc, argv); }
 *
 *  Configuration (environment; $SILTA_HOME/env is loaded first):
 *    SILTA_KEYS_DIR/<name>.key      this adapter's CURVE identity
 *    SILTA_<NAME>_INBOX / _OUTBOX   spool folders (default $SILTA_HOME/spool/<name>/...)
 *    SILTA_CLIENT_KEY_SECRET        the client_key secret (default
 *                                   $SILTA_HOME/keys/clientkey.secret; generated
 *                                   by the first adapter that finds it missing)
 *    SILTA_ADAPTER_WINDOW           unconfirmed publishes at most (default 1000)
 *    SILTA_ADAPTER_CREDIT           outbound deliveries in flight (default 32)
 *    SILTA_SPOOL_SCAN_MS            inbox scan interval when idle (default 200)
 *    SILTA_<NAME>_METRICS_BIND      127.0.0.1:PORT for /metrics and /healthz
 *                                   (silta_adapter_metrics.h); off when unset;
 *                                   loopback only unless SILTA_METRICS_ALLOW_REMOTE=1
 *
 *  Inbound file lifecycle (one file at a time, in name order):
 *
 *     inbox/F --on_input--> records published (window) --all confirmed--> done/F
 *        |                   each confirm -> on_confirmed (optional)
 *        |                   bad records -> report lines          (+ done/F.report)
 *        |-- nothing usable (unreadable, or no record published) --> rejected/F + F.report
 *        |-- not readable to its end (silta_adapter_unread) ------> rejected/F + F.report
 *        |-- SIGTERM / crash before every confirm: F stays in inbox/ and is read
 *        |   again (first) on the next start; event ids derive from (adapter, F,
 *        |   record content, record number), so the hub confirms the re-published
 *        |   ones as duplicates: each record is journalled exactly once. SIGTERM
 *        |   is honoured within a second, mid-file too (the XML reader asks per
 *        |   64 KiB read).
 *        '-- a crash or kill while reading F twice in a row (inbox/.silta-reading
 *            counts the readings begun, fsync'd before on_input) ---------------->
 *            quarantined: rejected/F + F.report (record 0 says so), never read
 *            in a loop; move it back to inbox/ to retry.
 *
 *  Outbound: events of ops->out_types arrive in on_event; 0 -> ACK, SILTA_EINVAL
 *  -> REJECT with the reason (dead letter), SILTA_EAGAIN -> neither (the hub
 *  redelivers after its ack timeout).
 *
 *  Logging: the runtime logs file names, record numbers, event ids and
 *  client_keys only; callbacks must do the same (never a hetu, name, payload).
 */
#ifndef SILTA_ADAPTER_H
#define SILTA_ADAPTER_H

#include <protobuf-c/protobuf-c.h>
#include <stddef.h>

#include "silta_codec.h"
#include "silta_err.h"
#include "silta_metrics.h"
#include "silta_spool.h"
#include "silta_uuid.h"

typedef struct silta_adapter_t silta_adapter_t;

typedef struct {
    const char *name;             /* "kela": identity, key file, env prefix, log name silta-kela */
    const char *const *out_types; /* NULL-terminated types to consume (queue = name); may be NULL */
    int tick_ms;                  /* on_tick at most this often; 0 = 1000 */
    /* Optional command-line modes (e.g. --generate). Called first with argc/argv
     * when argc > 1; return the exit status, or -1 to run the adapter. */
    int (*cli)(int argc, char **argv);
    /* Usage lines of those modes, each "  silta-NAME --mode ...   what it does\n"
     * (shown by --help); may be NULL. */
    const char *cli_usage;
    /* Set up state (schemas, servers). Non-zero stops the program with err. */
    int (*init)(silta_adapter_t *a, void **state, silta_err_t *err);
    /* Ingest one inbox file: publish each record with silta_adapter_publish,
     * report each bad one with silta_adapter_reject. Return 0 when the file was
     * read to its end (or to a fatal error after which some records were read:
     * report that too), SILTA_EINVAL when it could not be read at all (report
     * why as record 0), SILTA_EAGAIN to leave it in the inbox (stopping). */
    int (*on_input)(silta_adapter_t *a, void *state, const char *path, const char *name);
    /* One outbound event; see above. Must not log the payload. */
    int (*on_event)(silta_adapter_t *a, void *state, const silta_envelope_t *ev,
                    silta_err_t *reason);
    /* Optional: the hub confirmed (journalled) record `record` of the current
     * input as event_id (duplicate: it had it already). Called on the main
     * loop, before the input moves; not called for a refused record, nor
     * after the input was given up (read again on the next start, it is
     * confirmed then, as a duplicate). For what is kept only once journalled. */
    void (*on_confirmed)(silta_adapter_t *a, void *state, unsigned long record,
                         const char *event_id, int duplicate);
    void (*on_tick)(silta_adapter_t *a, void *state);
    void (*destroy)(void *state);
} silta_adapter_ops_t;

/* Run the adapter until SIGTERM/SIGINT. Returns the process exit status. */
int silta_adapter_main(const silta_adapter_ops_t *ops, int argc, char **argv);

/* Publish msg (an events.proto message whose field `hetu` holds the client's
 * identity code) as event `type` for record `record` of the current input.
 * The hetu is validated and becomes the client_key; the event id is
 * silta_uuid_from_content("<adapter>/<file name>", type + packed msg + record).
 * Blocks (serving the hub meanwhile) while the window is full. Returns 0
 * (sent; its confirm is awaited before the file moves), SILTA_EINVAL (bad
 * record: err holds the reason, field in *field when not NULL; nothing sent),
 * or SILTA_EAGAIN (stopping: give up the input). */
int silta_adapter_publish(silta_adapter_t *a, const char *type, const ProtobufCMessage *msg,
                          unsigned long record, const char **field, silta_err_t *err);

/* Publish outside a file (e.g. an HTTP request) and wait for the hub's answer.
 * The event id is silta_uuid_from_content(ns, type + packed msg). Returns 0
 * when confirmed (event_id filled; *duplicate set), SILTA_EINVAL when the
 * record is bad or the hub refused it (reason in err), SILTA_ETIMEDOUT,
 * SILTA_EAGAIN when stopping. */
int silta_adapter_publish_wait(silta_adapter_t *a, const char *type, const ProtobufCMessage *msg,
                               const char *ns, int timeout_ms,
                               char event_id[SILTA_UUID_STRLEN + 1], int *duplicate,
                               silta_err_t *err);

/* Add a line to the current input's rejection report (record 0: the file). */
void silta_adapter_reject(silta_adapter_t *a, unsigned long record, const char *field,
                          const char *reason);

/* The current input cannot be read past record `after` (malformed, cut off,
 * not in its encoding): a report line for record after+1 with the reason
 * (which says that every record after `after` was not read), and the input
 * goes to rejected/ (not done/) once its published events are settled, its
 * report ending "unread=all after record N". Records published before stay
 * published; sent again under the same name, they are confirmed as
 * duplicates. */
void silta_adapter_unread(silta_adapter_t *a, unsigned long after, const char *reason);

/* Serve the hub: wait up to timeout_ms for something from it (a confirm, a
 * delivery), handle that and whatever else has arrived, and return. For
 * callbacks that wait on something of their own. */
void silta_adapter_serve(silta_adapter_t *a, int timeout_ms);

/* 1 once SIGTERM/SIGINT arrived. */
int silta_adapter_stopping(const silta_adapter_t *a);

/* The adapter's metrics registry (silta_adapter_metrics.h), for an adapter's
 * own families: declare them in init, count from any thread. Borrowed; never
 * NULL once init is called. */
silta_metrics_t *silta_adapter_metrics(silta_adapter_t *a);

const char *silta_adapter_name(const silta_adapter_t *a);
const silta_spool_t *silta_adapter_spool(const silta_adapter_t *a);

/* The client_key of a hetu (validated), or SILTA_EINVAL with the reason. */
int silta_adapter_client_key(const silta_adapter_t *a, const char *hetu, char *out, size_t len,
                             silta_err_t *err);

#endif
