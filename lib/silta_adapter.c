/*  silta_adapter.c - the adapter runtime (contract and lifecycle: silta_adapter.h).
 *
 *  Main loop:
 *
 *      start: env, signals, spool folders, client_key secret, client, init,
 *             subscribe (when out_types)
 *      loop until SIGTERM:
 *          poll the client (<= tick) -> s_dispatch: CONFIRM/NACK settle a
 *              pending publish (CONFIRM -> on_confirmed); DELIVER -> on_event
 *              -> ACK / REJECT
 *          first time connected (and subscribed): log msg="ready"
 *          ready and the scan is due: the first inbox file -> s_ingest
 *          on_tick when due
 *
 *  s_ingest runs on_input (which publishes through silta_adapter_publish; that
 *  blocks in s_dispatch while the window is full), then serves the hub until
 *  every event of the file is settled, then commits the report and moves the
 *  file. Pending publishes of the current file live in `pending` (seq ->
 *  record number); only one input is open at a time, so settling is a lookup.
 *
 *  Not here: formats, mapping, the HTTP side of silta-health.
 */
#include "silta_adapter.h"
#include "silta_adapter_metrics.h"
#include "silta_cli.h"

#include "silta_clientkey.h"
#include "silta_contract.h"
#include "silta_client.h"
#include "silta_env.h"
#include "silta_hetu.h"
#include "silta_log.h"
#include "silta_map.h"
#include "silta_notify.h"
#include "silta_time.h"
#include "silta_xml.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define S_NS_MAX 600
/* The inbox file being read, and how many times reading it was begun: written
 * (fsync'd) before on_input, removed when the file moves or is left for a
 * clean stop. Found by a later process, it names a file whose reader crashed
 * or was killed; that file is read first, and after S_MAX_ATTEMPTS begun
 * readings it is quarantined (rejected/ with its report), never read in a
 * loop. Two: a kill mid-file (an upgrade, a power cut) is read again once. */
#define S_MARKER ".silta-reading"
#define S_MAX_ATTEMPTS 2

static volatile sig_atomic_t s_stop;

static void s_on_signal(int sig)
{
    (void)sig;
    s_stop = 1;
}

typedef struct {
    char name[SILTA_SPOOL_NAME_MAX + 1];
    char ns[S_NS_MAX]; /* "<adapter>/<file name>": the namespace of its event ids */
    int debug;         /* per-record debug lines are written (SILTA_LOG_LEVEL=debug) */
    unsigned long published, confirmed, duplicates, nacked, rejected;
    unsigned long unread_after; /* with unread: records after this one were not read */
    int64_t wait_ms;            /* spent with the confirm window full (waiting on the hub) */
    int unread;
    silta_spool_report_t report;
    int report_open;
} s_input_t;

struct silta_adapter_t {
    const silta_adapter_ops_t *ops;
    void *state;
    char prog[64];
    char env_prefix[64]; /* SILTA_KELA */
    silta_client_t *client;
    silta_clientkey_t *ck;
    silta_metrics_t *metrics; /* silta_adapter_metrics.h; served on SILTA_<NAME>_METRICS_BIND */
    silta_spool_t spool;
    silta_map_t *pending; /* seq -> (record number + 1) */
    s_input_t *cur;
    int ready;
    int hub_unavailable; /* SILTA_CLIENT_UNAVAILABLE said, no CONFIRM since */
    int window;
    /* publish_wait: the one seq waited for, and its answer */
    uint64_t wait_seq;
    int wait_state; /* 0 waiting, 1 confirmed, -1 nacked */
    int wait_dup;
    uint32_t wait_code;
    char wait_reason[256];
};

static int s_env_int(const char *key, int dflt)
{
    const char *v = getenv(key);
    int n = v ? atoi(v) : 0;
    return n > 0 ? n : dflt;
}

/* ------------------------------------------------------------------ settle */

static void s_report(silta_adapter_t *a, unsigned long record, const char *field,
                     const char *reason)
{
    s_input_t *in = a->cur;
    if (!in)
        return;
    if (!in->report_open) {
        silta_err_t err;
        if (silta_spool_report_open(&in->report, &a->spool, in->name, &err) != 0) {
            silta_error("could not open report", "file=%s error=\"%s\"", in->name, err.msg);
            return;
        }
        in->report_open = 1;
    }
    silta_spool_report_line(&in->report, record, field, reason);
}

/* A CONFIRM after SILTA_CLIENT_UNAVAILABLE: the outage is over (said once). */
static void s_hub_stores_again(silta_adapter_t *a)
{
    if (!a->hub_unavailable)
        return;
    a->hub_unavailable = 0;
    silta_info("hub stores publishes again", NULL);
}

static void s_settle(silta_adapter_t *a, const silta_client_event_t *ev)
{
    if (ev->kind == SILTA_CLIENT_CONFIRM)
        s_hub_stores_again(a);
    if (a->wait_seq && ev->seq == a->wait_seq) {
        a->wait_state = ev->kind == SILTA_CLIENT_CONFIRM ? 1 : -1;
        a->wait_dup = ev->duplicate;
        a->wait_code = ev->code;
        snprintf(a->wait_reason, sizeof a->wait_reason, "%s", ev->reason ? ev->reason : "");
        return;
    }
    void *v = silta_map_u64_remove(a->pending, ev->seq);
    if (!v || !a->cur)
        return;
    unsigned long record = (unsigned long)(uintptr_t)v - 1;
    if (ev->kind == SILTA_CLIENT_CONFIRM) {
        a->cur->confirmed++;
        a->cur->duplicates += ev->duplicate ? 1 : 0;
        silta_metrics_add(a->metrics, SILTA_AM_READ, NULL, 1);
        silta_metrics_add(a->metrics, SILTA_AM_PUBLISHED, NULL, 1);
        if (a->ops->on_confirmed)
            a->ops->on_confirmed(a, a->state, record, ev->event_id ? ev->event_id : "-",
                                 ev->duplicate);
        return;
    }
    a->cur->nacked++;
    a->cur->rejected++;
    silta_metrics_add(a->metrics, SILTA_AM_READ, NULL, 1);
    silta_metrics_add(a->metrics, SILTA_AM_REJECTED, "refused", 1);
    char why[400], field[64] = "-";
    snprintf(why, sizeof why, "refused by the hub (code %u): %s", (unsigned)ev->code,
             ev->reason ? ev->reason : "");
    /* INVALID_PAYLOAD's reason is "FIELD: reason": the report names the field. */
    size_t n = ev->reason ? strcspn(ev->reason, ": ") : 0;
    if (ev->code == SILTA__ERROR_CODE__INVALID_PAYLOAD && n > 0 && n < sizeof field &&
        ev->reason[n] == ':')
        snprintf(field, sizeof field, "%.*s", (int)n, ev->reason);
    silta_warn("event refused", "file=%s record=%lu code=%u", a->cur->name, record,
               (unsigned)ev->code);
    s_report(a, record, field, why);
}

static void s_deliver(silta_adapter_t *a, const silta_client_event_t *ev)
{
    const silta_envelope_t *e = ev->event;
    silta_err_t reason = {0};
    int rc = a->ops->on_event ? a->ops->on_event(a, a->state, e, &reason)
                              : silta_err_set(&reason, SILTA_EINVAL, "adapter consumes nothing");
    if (rc == 0) {
        silta_client_ack(a->client, ev->delivery_id);
        silta_info("delivery written", "delivery_id=%llu event_id=%s type=%s client_key=%s",
                   (unsigned long long)ev->delivery_id, e->event_id, e->type, e->client_key);
    } else if (rc == SILTA_EINVAL) {
        silta_client_reject(a->client, ev->delivery_id, reason.msg);
        silta_warn("delivery rejected", "delivery_id=%llu event_id=%s type=%s client_key=%s",
                   (unsigned long long)ev->delivery_id, e->event_id, e->type, e->client_key);
    } else {
        silta_warn("delivery not processed; left for redelivery",
                   "delivery_id=%llu event_id=%s", (unsigned long long)ev->delivery_id,
                   e->event_id);
    }
}

static void s_dispatch(silta_adapter_t *a, const silta_client_event_t *ev)
{
    switch (ev->kind) {
    case SILTA_CLIENT_CONFIRM:
    case SILTA_CLIENT_NACK:
        if (ev->kind == SILTA_CLIENT_NACK && ev->seq == 0)
            silta_warn("hub refused a request", "code=%u", (unsigned)ev->code);
        else
            s_settle(a, ev);
        break;
    case SILTA_CLIENT_DELIVER:
        s_deliver(a, ev);
        break;
    case SILTA_CLIENT_CONNECTED:
        silta_info("connected to hub", NULL);
        break;
    case SILTA_CLIENT_DISCONNECTED:
        silta_warn("hub connection lost; reconnecting", NULL);
        break;
    case SILTA_CLIENT_UNAVAILABLE:
        /* Once per outage: the client library holds the publishes and sends
         * them again with a growing delay; reading goes on as the window allows. */
        a->hub_unavailable = 1;
        silta_warn("hub cannot store publishes now; they wait and are sent again",
                   "code=%u reason=\"%s\"", (unsigned)ev->code, ev->reason ? ev->reason : "");
        break;
    default:
        break;
    }
}

void silta_adapter_serve(silta_adapter_t *a, int timeout_ms)
{
    /* Wait for the first event, then take whatever else is already there. */
    silta_client_event_t ev;
    int t = timeout_ms;
    for (int i = 0; i < 1000 && !s_stop; i++) {
        if (silta_client_poll(a->client, t, &ev) != 0)
            return; /* EINTR: the caller sees s_stop */
        if (ev.kind == SILTA_CLIENT_NONE)
            return;
        s_dispatch(a, &ev);
        t = 0;
    }
}

/* ------------------------------------------------------------------ publish */

static int s_envelope(silta_adapter_t *a, const char *type, const ProtobufCMessage *msg,
                      const char *ns, unsigned long record, int with_record,
                      silta_envelope_t *e, uint8_t **packed, char *id, char *ck,
                      const char **field, silta_err_t *err)
{
    /* The type's contract first: what the hub would NACK is the sender's to fix;
     * data entering Silta, so no hetu born after today either (issue 10). */
    long today = silta_hetu_today_ymd(silta_now_ms());
    if (silta_contract_descriptor(type) &&
        silta_contract_check_inbound(type, msg, today, field, err) != 0)
        return SILTA_EINVAL;
    const ProtobufCFieldDescriptor *fd =
        protobuf_c_message_descriptor_get_field_by_name(msg->descriptor, "hetu");
    const char *hetu = fd ? *(char *const *)((const char *)msg + fd->offset) : NULL;
    if (field)
        *field = "hetu";
    if (!hetu || !*hetu)
        return silta_err_set(err, SILTA_EINVAL, "identity code (hetu) is missing");
    if (silta_clientkey_of(a->ck, hetu, ck, err) != 0)
        return SILTA_EINVAL;
    if (field)
        *field = "-";
    size_t n = protobuf_c_message_get_packed_size(msg);
    size_t tlen = strlen(type);
    uint8_t *buf = malloc(tlen + 1 + n + 8);
    if (!buf)
        return silta_err_set(err, SILTA_ERR, "out of memory");
    memcpy(buf, type, tlen + 1);
    protobuf_c_message_pack(msg, buf + tlen + 1);
    size_t dlen = tlen + 1 + n;
    if (with_record) {
        for (int i = 0; i < 8; i++)
            buf[dlen++] = (uint8_t)((uint64_t)record >> (8 * i));
    }
    silta_uuid_from_content(ns, buf, dlen, id);
    silta__envelope__init(e);
    e->event_id = id;
    e->type = (char *)type;
    e->client_key = ck;
    e->occurred_at = silta_now_ms();
    e->payload.data = buf + tlen + 1;
    e->payload.len = n;
    *packed = buf;
    return 0;
}

static int s_send(silta_adapter_t *a, const silta_envelope_t *e, uint64_t *seq, silta_err_t *err)
{
    for (;;) {
        if (s_stop)
            return silta_err_set(err, SILTA_EAGAIN, "stopping");
        int rc = silta_client_publish(a->client, e, seq, err);
        if (rc != SILTA_EAGAIN)
            return rc;
        int64_t t0 = silta_mono_ms();
        silta_adapter_serve(a, 50); /* window full: let confirms in */
        if (a->cur)
            a->cur->wait_ms += silta_mono_ms() - t0;
    }
}

#define S_PTYPE_PREFIX "application/x-protobuf; "

/* The envelope's payload_type for msg into out (memcpy: it runs per record). */
static char *s_ptype(const ProtobufCMessage *msg, char *out, size_t size)
{
    size_t p = sizeof S_PTYPE_PREFIX - 1, n = strlen(msg->descriptor->name);
    if (p + n >= size)
        n = size - p - 1;
    memcpy(out, S_PTYPE_PREFIX, p);
    memcpy(out + p, msg->descriptor->name, n);
    out[p + n] = '\0';
    return out;
}

int silta_adapter_publish(silta_adapter_t *a, const char *type, const ProtobufCMessage *msg,
                          unsigned long record, const char **field, silta_err_t *err)
{
    char ns[S_NS_MAX], id[SILTA_UUID_STRLEN + 1], ck[SILTA_CLIENTKEY_LEN + 1], ptype[160];
    if (!a->cur)
        snprintf(ns, sizeof ns, "%s/-", a->ops->name);
    silta_envelope_t e;
    uint8_t *buf = NULL;
    int rc = s_envelope(a, type, msg, a->cur ? a->cur->ns : ns, record, 1, &e, &buf, id, ck,
                        field, err);
    if (rc != 0)
        return rc;
    e.payload_type = s_ptype(msg, ptype, sizeof ptype);
    uint64_t seq = 0;
    rc = s_send(a, &e, &seq, err);
    free(buf);
    if (rc == SILTA_EINVAL && field)
        *field = "-";
    if (rc != 0)
        return rc;
    silta_map_u64_put(a->pending, seq, (void *)(uintptr_t)(record + 1));
    if (a->cur)
        a->cur->published++;
    if (!a->cur || a->cur->debug)
        silta_debug("record published", "file=%s record=%lu event_id=%s client_key=%s",
                    a->cur ? a->cur->name : "-", record, id, ck);
    return 0;
}

int silta_adapter_publish_wait(silta_adapter_t *a, const char *type, const ProtobufCMessage *msg,
                               const char *ns, int timeout_ms,
                               char event_id[SILTA_UUID_STRLEN + 1], int *duplicate,
                               silta_err_t *err)
{
    char ck[SILTA_CLIENTKEY_LEN + 1], ptype[160];
    silta_envelope_t e;
    uint8_t *buf = NULL;
    int rc = s_envelope(a, type, msg, ns, 0, 0, &e, &buf, event_id, ck, NULL, err);
    if (rc != 0)
        return rc;
    e.payload_type = s_ptype(msg, ptype, sizeof ptype);
    uint64_t seq = 0;
    rc = s_send(a, &e, &seq, err);
    free(buf);
    if (rc != 0)
        return rc;
    a->wait_seq = seq;
    a->wait_state = 0;
    int64_t end = silta_mono_ms() + timeout_ms;
    while (a->wait_state == 0 && !s_stop && silta_mono_ms() < end)
        silta_adapter_serve(a, 50);
    a->wait_seq = 0;
    if (a->wait_state == 1) {
        if (duplicate)
            *duplicate = a->wait_dup;
        silta_info("event published", "event_id=%s type=%s client_key=%s duplicate=%d", event_id,
                   type, ck, a->wait_dup);
        return 0;
    }
    if (a->wait_state == -1)
        return silta_client_nack_error(a->wait_code, a->wait_reason, err);
    /* Not answered in time: the client keeps re-sending it; a later confirm is dropped. */
    return silta_err_set(err, s_stop ? SILTA_EAGAIN : SILTA_ETIMEDOUT,
                         "the hub did not confirm in time");
}

void silta_adapter_reject(silta_adapter_t *a, unsigned long record, const char *field,
                          const char *reason)
{
    if (a->cur && record > 0) {
        a->cur->rejected++;
        silta_metrics_add(a->metrics, SILTA_AM_READ, NULL, 1);
        silta_metrics_add(a->metrics, SILTA_AM_REJECTED, "invalid", 1);
    }
    silta_info("record rejected", "file=%s record=%lu field=%s", a->cur ? a->cur->name : "-",
               record, field && *field ? field : "-");
    s_report(a, record, field, reason);
}

void silta_adapter_unread(silta_adapter_t *a, unsigned long after, const char *reason)
{
    if (a->cur) {
        a->cur->unread = 1;
        a->cur->unread_after = after;
    }
    silta_warn("file not read to its end", "file=%s after_record=%lu", a->cur ? a->cur->name : "-",
               after);
    s_report(a, after + 1, "-", reason);
}

int silta_adapter_stopping(const silta_adapter_t *a)
{
    (void)a;
    return s_stop != 0;
}

silta_metrics_t *silta_adapter_metrics(silta_adapter_t *a)
{
    return a->metrics;
}

const char *silta_adapter_name(const silta_adapter_t *a)
{
    return a->ops->name;
}

const silta_spool_t *silta_adapter_spool(const silta_adapter_t *a)
{
    return &a->spool;
}

int silta_adapter_client_key(const silta_adapter_t *a, const char *hetu, char *out, size_t len,
                             silta_err_t *err)
{
    char ck[SILTA_CLIENTKEY_LEN + 1];
    int rc = silta_clientkey_of(a->ck, hetu, ck, err);
    if (rc == 0)
        snprintf(out, len, "%s", ck);
    return rc;
}

/* ------------------------------------------------------------------ ingest */

/* The marker a previous process left: 1 with the file's name and the readings
 * begun when it names a file still in the inbox, else 0. */
static int s_marker_read(silta_adapter_t *a, char name[SILTA_SPOOL_NAME_MAX + 1], int *attempts)
{
    char path[SILTA_SPOOL_PATH_MAX + 32], line[SILTA_SPOOL_NAME_MAX + 32];
    snprintf(path, sizeof path, "%s/" S_MARKER, a->spool.inbox);
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    int ok = fgets(line, sizeof line, f) != NULL;
    fclose(f);
    char *tab = ok ? strchr(line, '\t') : NULL;
    if (!tab || (size_t)(tab - line) > SILTA_SPOOL_NAME_MAX || tab == line)
        return 0;
    snprintf(name, SILTA_SPOOL_NAME_MAX + 1, "%.*s", (int)(tab - line), line);
    *attempts = atoi(tab + 1);
    struct stat st;
    char file[SILTA_SPOOL_PATH_MAX + SILTA_SPOOL_NAME_MAX + 2];
    snprintf(file, sizeof file, "%s/%s", a->spool.inbox, name);
    return !silta_spool_ignored(name) && strchr(name, '/') == NULL && stat(file, &st) == 0 &&
           S_ISREG(st.st_mode);
}

static void s_marker_write(silta_adapter_t *a, const char *name, int attempts)
{
    char text[SILTA_SPOOL_NAME_MAX + 32];
    int n = snprintf(text, sizeof text, "%s\t%d\n", name, attempts);
    silta_err_t err;
    if (silta_spool_write(a->spool.inbox, S_MARKER, text, (size_t)n, &err) != 0)
        silta_error("could not write the reading marker", "file=%s error=\"%s\"", name, err.msg);
}

static void s_marker_clear(silta_adapter_t *a)
{
    char path[SILTA_SPOOL_PATH_MAX + 32];
    snprintf(path, sizeof path, "%s/" S_MARKER, a->spool.inbox);
    unlink(path);
}

/* Returns 1 when a file was handled (look again at once), 0 idle. Not
 * inlined: bench/kela-profile counts instructions from its entry to its exit. */
__attribute__((noinline)) static int s_ingest(silta_adapter_t *a)
{
    char name[SILTA_SPOOL_NAME_MAX + 1], path[SILTA_SPOOL_PATH_MAX + SILTA_SPOOL_NAME_MAX + 2];
    silta_err_t err;
    int attempts = 0;
    if (!s_marker_read(a, name, &attempts)) {
        attempts = 0;
        int found = silta_spool_next(&a->spool, name, &err);
        if (found < 0)
            silta_error("could not scan inbox", "error=\"%s\"", err.msg);
        if (found <= 0)
            return 0;
    }
    snprintf(path, sizeof path, "%s/%s", a->spool.inbox, name);
    s_input_t in;
    memset(&in, 0, sizeof in);
    snprintf(in.name, sizeof in.name, "%s", name);
    snprintf(in.ns, sizeof in.ns, "%s/%s", a->ops->name, name);
    in.debug = silta_log_enabled(SILTA_LOG_DEBUG);
    a->cur = &in;
    int64_t t0 = silta_mono_ms();
    struct rusage ru0;
    getrusage(RUSAGE_SELF, &ru0);
    int rc;
    if (attempts >= S_MAX_ATTEMPTS) {
        char why[256];
        snprintf(why, sizeof why,
                 "quarantined: the reader stopped abnormally (crashed or was killed) %d times "
                 "while reading this file, so it is not read again; move it back to the inbox "
                 "to retry",
                 attempts);
        silta_warn("file quarantined: its reader stopped abnormally", "file=%s attempts=%d", name,
                   attempts);
        silta_adapter_reject(a, 0, "-", why);
        rc = SILTA_EINVAL;
    } else {
        s_marker_write(a, name, attempts + 1);
        silta_info("file started", "file=%s attempt=%d", name, attempts + 1);
        rc = a->ops->on_input(a, a->state, path, name);
    }
    int64_t t1 = silta_mono_ms();
    while (rc != SILTA_EAGAIN && !s_stop && silta_map_size(a->pending) > 0)
        silta_adapter_serve(a, 100);
    in.wait_ms += silta_mono_ms() - t1; /* the last window's confirms */
    if (rc == SILTA_EAGAIN || s_stop || silta_map_size(a->pending) > 0) {
        s_marker_clear(a); /* a clean stop: read again on the next start, not counted */
        silta_info("file left in inbox", "file=%s published=%lu confirmed=%lu", name,
                   in.published, in.confirmed);
        if (in.report_open)
            silta_spool_report_abort(&in.report);
        silta_map_destroy(&a->pending, NULL); /* their confirms no longer matter */
        a->pending = silta_map_new();
        a->cur = NULL;
        return 0;
    }
    /* rejected/: nothing usable, or not read to its end (never done/ then) */
    int none = (in.confirmed == 0 && (rc != 0 || in.rejected > 0)) || in.unread;
    const char *folder = none ? a->spool.rejected : a->spool.done;
    if (in.report_open) {
        /* records = published + rejected: every record read is one or the other */
        char summary[256], unread[64] = "0";
        if (in.unread)
            snprintf(unread, sizeof unread, "all after record %lu", in.unread_after);
        else if (rc != 0)
            snprintf(unread, sizeof unread, "all (the file was refused)");
        snprintf(summary, sizeof summary,
                 "records=%lu published=%lu duplicates=%lu rejected=%lu unread=%s",
                 in.confirmed + in.rejected, in.confirmed, in.duplicates, in.rejected, unread);
        if (silta_spool_report_commit(&in.report, folder, summary, &err) != 0)
            silta_error("could not write report", "file=%s error=\"%s\"", name, err.msg);
    }
    int moved = silta_spool_move(&a->spool, name, folder, &err);
    s_marker_clear(a);
    if (moved != 0) {
        silta_error("could not move file", "file=%s error=\"%s\"", name, err.msg);
        a->cur = NULL;
        return 0;
    }
    silta_metrics_add(a->metrics, SILTA_AM_FILES, none ? "rejected" : "done", 1);
    int64_t ms = silta_mono_ms() - t0;
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    /* cpu_ms: this process's CPU (all threads) for the file; wait_ms: of ms, the
     * time the confirm window was full, i.e. the adapter waited on the hub. */
    long long cpu_ms = (ru.ru_utime.tv_sec - ru0.ru_utime.tv_sec + ru.ru_stime.tv_sec -
                        ru0.ru_stime.tv_sec) * 1000LL +
                       (ru.ru_utime.tv_usec - ru0.ru_utime.tv_usec + ru.ru_stime.tv_usec -
                        ru0.ru_stime.tv_usec) / 1000;
    silta_info("file done",
               "file=%s folder=%s published=%lu duplicates=%lu rejected=%lu ms=%lld "
               "peak_rss_kb=%ld cpu_ms=%lld wait_ms=%lld",
               name, none ? "rejected" : "done", in.confirmed, in.duplicates, in.rejected,
               (long long)ms, ru.ru_maxrss, cpu_ms, (long long)in.wait_ms);
    a->cur = NULL;
    return 1;
}

/* ------------------------------------------------------------------ main */

static int s_start(silta_adapter_t *a, silta_err_t *err)
{
    char key[96], inbox[SILTA_SPOOL_PATH_MAX], outbox[SILTA_SPOOL_PATH_MAX];
    const char *home = silta_env_home();
    snprintf(key, sizeof key, "%s_INBOX", a->env_prefix);
    snprintf(inbox, sizeof inbox, "%s", silta_env_get(key, ""));
    if (!inbox[0])
        snprintf(inbox, sizeof inbox, "%s/spool/%s/inbox", home, a->ops->name);
    snprintf(key, sizeof key, "%s_OUTBOX", a->env_prefix);
    snprintf(outbox, sizeof outbox, "%s", silta_env_get(key, ""));
    if (!outbox[0])
        snprintf(outbox, sizeof outbox, "%s/spool/%s/outbox", home, a->ops->name);
    if (silta_spool_open(&a->spool, inbox, outbox, err) != 0)
        return SILTA_ERR;
    a->ck = silta_clientkey_open(1, err);
    if (!a->ck)
        return SILTA_ERR;
    char keyfile[SILTA_SPOOL_PATH_MAX];
    const char *kdir = silta_env_get("SILTA_KEYS_DIR", NULL);
    if (kdir)
        snprintf(keyfile, sizeof keyfile, "%s/%s.key", kdir, a->ops->name);
    else
        snprintf(keyfile, sizeof keyfile, "%s/keys/%s.key", home, a->ops->name);
    a->window = s_env_int("SILTA_ADAPTER_WINDOW", 1000);
    silta_client_opts_t opts = {0};
    opts.client_key = keyfile;
    opts.name = a->prog;
    opts.max_unconfirmed = (size_t)a->window;
    a->client = silta_client_new(&opts, err);
    if (!a->client)
        return SILTA_ERR;
    a->pending = silta_map_new();
    a->metrics = silta_adapter_metrics_new();
    if (!a->pending || !a->metrics)
        return silta_err_set(err, SILTA_ERR, "out of memory");
    if (a->ops->init && a->ops->init(a, &a->state, err) != 0)
        return SILTA_ERR;
    snprintf(key, sizeof key, "%s_METRICS_BIND", a->env_prefix);
    if (silta_metrics_serve_env(a->metrics, key, err) != 0)
        return SILTA_ERR;
    if (a->ops->out_types && a->ops->out_types[0]) {
        size_t n = 0;
        while (a->ops->out_types[n])
            n++;
        uint32_t credit = (uint32_t)s_env_int("SILTA_ADAPTER_CREDIT", 32);
        if (silta_client_subscribe(a->client, a->ops->name, a->ops->out_types, n, credit, err) != 0)
            return SILTA_ERR;
    }
    return 0;
}

static int s_is_ready(silta_adapter_t *a)
{
    if (!silta_client_connected(a->client))
        return 0;
    return !(a->ops->out_types && a->ops->out_types[0]) ||
           silta_client_attached(a->client, a->ops->name);
}

int silta_adapter_main(const silta_adapter_ops_t *ops, int argc, char **argv)
{
    silta_adapter_t self;
    memset(&self, 0, sizeof self);
    silta_adapter_t *a = &self;
    a->ops = ops;
    snprintf(a->prog, sizeof a->prog, "silta-%s", ops->name);
    snprintf(a->env_prefix, sizeof a->env_prefix, "SILTA_");
    for (size_t i = 0; ops->name[i] && i < 40; i++)
        a->env_prefix[6 + i] = (char)(ops->name[i] >= 'a' && ops->name[i] <= 'z'
                                          ? ops->name[i] - 'a' + 'A' : ops->name[i]);
    char usage[2048];
    snprintf(usage, sizeof usage,
             "usage: %.40s\n"
             "  the %.40s agency adapter: reads the files dropped into its spool inbox, publishes\n"
             "  each record to the hub, writes what it consumes to its spool outbox; runs until\n"
             "  SIGTERM. Configuration comes from the environment and $SILTA_HOME/env\n"
             "  (adapters/README.md).\n"
             "%.1000s"
             "  %.40s --help | --version\n",
             a->prog, ops->name, ops->cli_usage ? ops->cli_usage : "", a->prog);
    int st = silta_cli_standard(argc, argv, a->prog, usage);
    if (st >= 0)
        return st;
    silta_log_init(a->prog);
    silta_xml_init();
    silta_err_t err = {0};
    if (silta_env_load(&err) != 0)
        silta_warn("could not read the env file", "error=\"%s\"", err.msg);
    if (argc > 1 && ops->cli) {
        st = ops->cli(argc, argv);
        if (st >= 0)
            return st;
    }
    if (argc > 1) {
        fprintf(stderr, "%s: unknown argument '%.64s'\n%s", a->prog, argv[1], usage);
        return 2;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = s_on_signal; /* no SA_RESTART: a blocking poll returns EINTR */
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    int status = 0;
    if (s_start(a, &err) != 0) {
        silta_error("could not start", "error=\"%s\"", err.msg);
        status = 1;
    }
    int tick_ms = ops->tick_ms > 0 ? ops->tick_ms : 1000;
    int scan_ms = s_env_int("SILTA_SPOOL_SCAN_MS", 200);
    int64_t next_scan = 0, next_tick = 0, next_gauges = 0;
    while (status == 0 && !s_stop) {
        silta_notify_watchdog();
        int64_t now = silta_mono_ms();
        int64_t wake = next_tick < next_scan || !a->ready ? next_tick : next_scan;
        if (!a->ready && wake > now + 50)
            wake = now + 50;
        silta_adapter_serve(a, wake > now ? (int)(wake - now) : 0);
        if (!a->ready && s_is_ready(a)) {
            a->ready = 1;
            silta_info("ready", "inbox=%s outbox=%s", a->spool.inbox, a->spool.outbox);
            silta_notify_ready(a->prog);
        }
        now = silta_mono_ms();
        if (a->ready && now >= next_scan && !s_stop)
            next_scan = s_ingest(a) ? now : now + scan_ms;
        if (now >= next_gauges) { /* an inbox listing at most once a second */
            silta_adapter_metrics_inbox(a->metrics, &a->spool, (double)time(NULL));
            silta_metrics_set(a->metrics, SILTA_AM_CONNECTED, NULL,
                              a->client && silta_client_connected(a->client));
            next_gauges = now + 1000;
        }
        if (ops->on_tick && now >= next_tick && !s_stop) {
            ops->on_tick(a, a->state);
            next_tick = now + tick_ms;
        } else if (!ops->on_tick && now >= next_tick) {
            next_tick = now + tick_ms;
        }
    }
    silta_info("stopping", NULL);
    silta_notify_stopping();
    if (ops->destroy && a->state)
        ops->destroy(a->state);
    silta_client_destroy(&a->client);
    silta_clientkey_destroy(&a->ck);
    silta_map_destroy(&a->pending, NULL);
    silta_metrics_destroy(&a->metrics);
    return status;
}
