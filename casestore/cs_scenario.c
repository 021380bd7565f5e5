/*  cs_scenario.c - `silta-casestore --publish FILE`: publish a scenario of
 *  typed events through the hub, and the start-up helpers of cs_tools.h.
 *
 *  One event per line (casestore/README.md has the full format):
 *
 *      TYPE HETU key=value key="a value" ...
 *
 *  keys are the payload's field names (proto/events.proto; repeated fields
 *  take comma-separated values; a repeated message's fields are
 *  FIELD.N.SUB, N = 1, 2, ... in order: goals.1.text="..."), plus: id=LABEL names the event so a later
 *  value @LABEL means its event_id; occurred=DATE sets the envelope's
 *  occurred_at. A value today, today+N or today-N is a date relative to
 *  cs_today(). event_id = silta_uuid_from_content(client_key + the line
 *  without the hetu), so publishing a file twice journals nothing new.
 *
 *  Not here: how an event is applied (store/cs_store.c), the rules.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store/cs_event.h"
#include "store/cs_seal.h"
#include "store/cs_store.h"
#include "cs_tools.h"
#include "silta_client.h"
#include "silta_db.h"
#include "silta_env.h"
#include "silta_paths.h"
#include "silta_time.h"
#include "silta_uuid.h"

int cs_today(cs_day_t *out, silta_err_t *err)
{
    const char *v = silta_env_get("SILTA_TODAY", NULL);
    if (v) {
        if (cs_day_parse(v, out) != 0 || *out == CS_NODAY)
            return silta_err_set(err, SILTA_EINVAL, "SILTA_TODAY is not a date (YYYY-MM-DD)");
        return 0;
    }
    time_t t = time(NULL);
    struct tm tm;
    localtime_r(&t, &tm);
    char buf[48];
    snprintf(buf, sizeof buf, "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
    return cs_day_parse(buf, out) == 0 ? 0 : silta_err_set(err, SILTA_ERR, "no local date");
}

/* ---------------------------------------------------------------- parsing */

#define S_MAX_LABELS 1024
typedef struct {
    char label[64];
    char id[SILTA_UUID_STRLEN + 1];
} s_label_t;

typedef struct {
    s_label_t labels[S_MAX_LABELS];
    size_t nlabels;
    cs_day_t today;
} s_ctx_t;

/* Split the next token (key=value with optional "quotes") off *s. */
static char *s_token(char **s)
{
    char *p = *s;
    while (*p == ' ' || *p == '\t')
        p++;
    if (!*p)
        return NULL;
    char *start = p, *w = p;
    int quoted = 0;
    for (; *p && (quoted || (*p != ' ' && *p != '\t')); p++) {
        if (*p == '"')
            quoted = !quoted;
        else
            *w++ = *p;
    }
    if (*p)
        p++;
    *w = '\0';
    *s = p;
    return start;
}

static int s_value(s_ctx_t *c, const char *v, char *out, size_t len)
{
    if (v[0] == '@') {
        for (size_t i = 0; i < c->nlabels; i++)
            if (strcmp(c->labels[i].label, v + 1) == 0) {
                snprintf(out, len, "%s", c->labels[i].id);
                return 0;
            }
        return -1;
    }
    if (strncmp(v, "today", 5) == 0 && (v[5] == '\0' || v[5] == '+' || v[5] == '-')) {
        long off = v[5] ? strtol(v + 5, NULL, 10) : 0;
        cs_day_format(c->today + off, out);
        return 0;
    }
    snprintf(out, len, "%s", v);
    return 0;
}

static int s_set_field(ProtobufCMessage *m, const char *key, const char *val);

/* key FIELD.N.SUB: SUB of the N-th (1-based) element of the repeated message
 * FIELD, e.g. goals.1.gas=-1. N is an element already there or the next one
 * (appended), so elements are numbered in order. 0, or -1 (no such field, a
 * gap in the numbering, over S_MAX_ITEMS, out of memory). */
#define S_MAX_ITEMS 64
static int s_set_item(ProtobufCMessage *m, const char *key, const char *val)
{
    const char *dot = strchr(key, '.');
    char name[64], *end = NULL;
    if ((size_t)(dot - key) >= sizeof name)
        return -1;
    snprintf(name, sizeof name, "%.*s", (int)(dot - key), key);
    const ProtobufCFieldDescriptor *f =
        protobuf_c_message_descriptor_get_field_by_name(m->descriptor, name);
    errno = 0;
    unsigned long idx = strtoul(dot + 1, &end, 10);
    if (!f || f->label != PROTOBUF_C_LABEL_REPEATED || f->type != PROTOBUF_C_TYPE_MESSAGE ||
        errno || end == dot + 1 || *end != '.' || idx < 1 || idx > S_MAX_ITEMS)
        return -1;
    size_t *n = (size_t *)(void *)((char *)m + f->quantifier_offset);
    ProtobufCMessage ***arr = (ProtobufCMessage ***)(void *)((char *)m + f->offset);
    if (idx > *n + 1)
        return -1;
    if (idx == *n + 1) {
        const ProtobufCMessageDescriptor *d = f->descriptor;
        ProtobufCMessage **grown = realloc(*arr, (*n + 1) * sizeof **arr);
        if (!grown)
            return -1;
        *arr = grown;
        ProtobufCMessage *sub = calloc(1, d->sizeof_message);
        if (!sub)
            return -1;
        d->message_init(sub);
        (*arr)[(*n)++] = sub;
    }
    if (strchr(end + 1, '.'))
        return -1; /* one level: the payloads have no deeper nesting */
    return s_set_field((*arr)[idx - 1], end + 1, val);
}

static int s_set_field(ProtobufCMessage *m, const char *key, const char *val)
{
    if (strchr(key, '.'))
        return s_set_item(m, key, val);
    const ProtobufCFieldDescriptor *f =
        protobuf_c_message_descriptor_get_field_by_name(m->descriptor, key);
    if (!f)
        return -1;
    char *base = (char *)m + f->offset;
    if (f->label == PROTOBUF_C_LABEL_REPEATED && f->type == PROTOBUF_C_TYPE_STRING) {
        size_t *n = (size_t *)(void *)((char *)m + f->quantifier_offset);
        char ***arr = (char ***)(void *)base;
        for (const char *s = val; *s;) {
            const char *comma = strchr(s, ',');
            size_t len = comma ? (size_t)(comma - s) : strlen(s);
            char **grown = realloc(*arr, (*n + 1) * sizeof **arr);
            if (!grown)
                return -1;
            *arr = grown;
            (*arr)[(*n)++] = strndup(s, len);
            s = comma ? comma + 1 : s + len;
        }
        return 0;
    }
    switch (f->type) {
    case PROTOBUF_C_TYPE_STRING:
        *(char **)(void *)base = strdup(val);
        return 0;
    case PROTOBUF_C_TYPE_UINT32:
        *(uint32_t *)(void *)base = (uint32_t)strtoul(val, NULL, 10);
        return 0;
    case PROTOBUF_C_TYPE_BOOL:
        *(protobuf_c_boolean *)(void *)base = strcmp(val, "true") == 0 || strcmp(val, "1") == 0;
        return 0;
    default:
        return -1;
    }
}

/* Build the envelope of one line. Returns 0, 1 for a blank/comment line, -1. */
static int s_line(s_ctx_t *c, char *line, const silta_clientkey_t *ck, silta_envelope_t *ev,
                  char id[SILTA_UUID_STRLEN + 1], char key[SILTA_CLIENTKEY_LEN + 1],
                  uint8_t **payload, char *why, size_t whylen)
{
    line[strcspn(line, "\r\n")] = '\0';
    char *s = line;
    char *type = s_token(&s);
    if (!type || type[0] == '#')
        return 1;
    char *hetu = s_token(&s);
    const ProtobufCMessageDescriptor *d = cs_event_descriptor(type);
    silta_err_t err;
    if (!d || !hetu || silta_clientkey_of(ck, hetu, key, &err) != 0) {
        snprintf(why, whylen, "%s", !d ? "unknown event type" : "bad or missing hetu");
        return -1;
    }
    ProtobufCMessage *m = calloc(1, d->sizeof_message);
    if (!m)
        return -1;
    d->message_init(m);
    s_set_field(m, "hetu", hetu);
    char content[4096];
    int clen = snprintf(content, sizeof content, "%s %s", key, type);
    char label[64] = "";
    int64_t occurred = silta_now_ms();
    char *tok;
    int rc = 0;
    while (rc == 0 && (tok = s_token(&s))) {
        char *eq = strchr(tok, '=');
        char val[512];
        if (!eq) {
            snprintf(why, whylen, "not key=value: %.40s", tok);
            rc = -1;
            break;
        }
        *eq = '\0';
        if (s_value(c, eq + 1, val, sizeof val) != 0) {
            snprintf(why, whylen, "unknown label %.40s", eq + 1);
            rc = -1;
        } else if (strcmp(tok, "id") == 0) {
            snprintf(label, sizeof label, "%.63s", val);
        } else if (strcmp(tok, "occurred") == 0) {
            cs_day_t day;
            if (cs_day_parse(val, &day) != 0 || day == CS_NODAY) {
                snprintf(why, whylen, "occurred is not a date");
                rc = -1;
            } else {
                occurred = (int64_t)day * 86400000 + 12 * 3600000; /* noon UTC */
            }
        } else if (s_set_field(m, tok, val) != 0) {
            if (strchr(tok, '.'))
                snprintf(why, whylen, "no item field %.40s in %s (FIELD.N.SUB, N from 1 in order)",
                         tok, d->name);
            else
                snprintf(why, whylen, "no field %.40s in %s", tok, d->name);
            rc = -1;
        }
        if (clen < (int)sizeof content)
            clen += snprintf(content + clen, sizeof content - (size_t)clen, " %s=%s", tok, val);
    }
    if (rc == 0) {
        silta_uuid_from_content("silta.scenario", content, strlen(content), id);
        if (label[0] && c->nlabels < S_MAX_LABELS) {
            snprintf(c->labels[c->nlabels].label, sizeof c->labels[0].label, "%s", label);
            memcpy(c->labels[c->nlabels++].id, id, SILTA_UUID_STRLEN + 1);
        }
        size_t len = protobuf_c_message_get_packed_size(m);
        *payload = malloc(len + 1);
        if (!*payload) {
            rc = -1;
        } else {
            protobuf_c_message_pack(m, *payload);
            silta__envelope__init(ev);
            ev->event_id = id;
            ev->type = type;
            ev->client_key = key;
            ev->occurred_at = occurred;
            /* Valid until the next line is read: the caller publishes (the
             * client copies the envelope) before that. Adapters check it. */
            static char ptype[160];
            snprintf(ptype, sizeof ptype, "application/x-protobuf; %s", d->name);
            ev->payload_type = ptype;
            ev->payload.data = *payload;
            ev->payload.len = len;
        }
    }
    protobuf_c_message_free_unpacked(m, NULL);
    return rc;
}

/* ---------------------------------------------------------------- publish */

cs_store_t *cs_open_store(const cs_params_t *p, cs_seal_t **seal, silta_clientkey_t **ck,
                          silta_err_t *err)
{
    const char *url = silta_env_require("SILTA_PG_URL", err);
    const char *keys = url ? silta_env_require("SILTA_KEYS_DIR", err) : NULL;
    if (!keys)
        return NULL;
    char seal_path[4096];
    snprintf(seal_path, sizeof seal_path, "%s", silta_env_get("SILTA_CASESTORE_SEAL_KEY", ""));
    if (!seal_path[0])
        snprintf(seal_path, sizeof seal_path, "%s/casestore.seal", keys);
    *seal = cs_seal_new(seal_path, 1, err);
    *ck = *seal ? silta_clientkey_open(1, err) : NULL;
    cs_store_t *store = NULL;
    char mig[4096];
    if (*ck)
        store = cs_store_open(url, silta_env_get("SILTA_PG_ADMIN_URL", NULL),
                              silta_path("SILTA_CASESTORE_MIGRATIONS", SILTA_PATH_DATA,
                                         "migrations/casestore", mig, sizeof mig),
                              p, *seal, *ck, err);
    if (!store) {
        silta_clientkey_destroy(ck);
        cs_seal_destroy(seal);
    }
    return store;
}

typedef struct {
    long confirmed, duplicates, nacked;
} s_counts_t;

static void s_on_event(const silta_client_event_t *ev, void *arg)
{
    s_counts_t *n = arg;
    if (ev->kind == SILTA_CLIENT_CONFIRM) {
        n->confirmed++;
        n->duplicates += ev->duplicate != 0;
    } else if (ev->kind == SILTA_CLIENT_NACK && ev->seq) {
        n->nacked++;
        fprintf(stderr, "silta-casestore: event refused (code %u): %s\n", ev->code, ev->reason);
    }
}

#define S_NIDS 4
static const char *const s_identities[S_NIDS] = {"kela", "employment", "health", "casestore"};

static int s_identity(const char *type)
{
    for (int i = 0; i < S_NIDS - 1; i++)
        if (strncmp(type, s_identities[i], strlen(s_identities[i])) == 0 &&
            type[strlen(s_identities[i])] == '.')
            return i;
    return S_NIDS - 1; /* social.* */
}

typedef struct {
    silta_client_t *clients[S_NIDS];
    s_counts_t counts;
    char (*ids)[SILTA_UUID_STRLEN + 1]; /* agency events published so far */
    size_t nids, capids;
} s_pub_t;

static silta_client_t *s_client(s_pub_t *pub, int who, silta_err_t *err)
{
    if (pub->clients[who])
        return pub->clients[who];
    char keypath[4096];
    snprintf(keypath, sizeof keypath, "%s/%s.key", silta_env_get("SILTA_KEYS_DIR", "."),
             s_identities[who]);
    silta_client_opts_t opts;
    memset(&opts, 0, sizeof opts);
    opts.client_key = keypath;
    opts.name = "silta-casestore --publish";
    pub->clients[who] = silta_client_new(&opts, err);
    return pub->clients[who];
}

static int s_flush(s_pub_t *pub, int timeout_ms)
{
    int rc = 0;
    for (int i = 0; i < S_NIDS; i++)
        if (pub->clients[i] &&
            silta_client_flush(pub->clients[i], timeout_ms, s_on_event, &pub->counts) != 0)
            rc = -1;
    return rc;
}

/* Wait until the running silta-casestore has applied every agency event
 * published so far (they are in casestore.inbox). */
static int s_wait_applied(s_pub_t *pub, int timeout_ms)
{
    if (pub->nids == 0)
        return 0;
    silta_err_t err;
    PGconn *db = silta_db_connect(silta_env_get("SILTA_PG_URL", ""), &err);
    char *arr = malloc(pub->nids * (SILTA_UUID_STRLEN + 1) + 3);
    if (!db || !arr) {
        silta_db_close(&db);
        free(arr);
        return -1;
    }
    char *w = arr;
    *w++ = '{';
    for (size_t i = 0; i < pub->nids; i++) {
        if (i)
            *w++ = ',';
        memcpy(w, pub->ids[i], SILTA_UUID_STRLEN);
        w += SILTA_UUID_STRLEN;
    }
    *w++ = '}';
    *w = '\0';
    char want[24];
    snprintf(want, sizeof want, "%zu", pub->nids);
    const char *p[1] = {arr};
    int64_t end = silta_mono_ms() + timeout_ms;
    int rc = -1;
    while (rc != 0 && silta_mono_ms() < end) {
        PGresult *r = silta_db_query(db,
                                     "SELECT count(*) FROM casestore.inbox WHERE event_id = "
                                     "ANY($1::uuid[])",
                                     1, p, &err);
        if (r && strcmp(PQgetvalue(r, 0, 0), want) == 0)
            rc = 0;
        PQclear(r);
        for (int i = 0; rc != 0 && i < S_NIDS; i++) {
            silta_client_event_t e;
            if (pub->clients[i] && silta_client_poll(pub->clients[i], 10, &e) == 0)
                s_on_event(&e, &pub->counts);
        }
    }
    free(arr);
    silta_db_close(&db);
    return rc;
}

int cs_scenario_publish(const char *path, const cs_params_t *params, int timeout_ms)
{
    silta_err_t err;
    static s_ctx_t ctx;
    memset(&ctx, 0, sizeof ctx);
    if (cs_today(&ctx.today, &err) != 0) {
        fprintf(stderr, "silta-casestore: %s\n", err.msg);
        return 1;
    }
    cs_seal_t *seal = NULL;
    silta_clientkey_t *ck = NULL;
    cs_store_t *store = cs_open_store(params, &seal, &ck, &err);
    if (!store) {
        fprintf(stderr, "silta-casestore: %s\n", err.msg);
        return 1;
    }
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "silta-casestore: could not open %s: %s\n", path, strerror(errno));
        cs_store_destroy(&store);
        silta_clientkey_destroy(&ck);
        cs_seal_destroy(&seal);
        return 1;
    }
    static s_pub_t pub;
    memset(&pub, 0, sizeof pub);
    long published = 0, bad = 0, lineno = 0;
    char line[4096];
    while (fgets(line, sizeof line, f)) {
        lineno++;
        silta_envelope_t ev;
        char id[SILTA_UUID_STRLEN + 1], key[SILTA_CLIENTKEY_LEN + 1], why[160] = "bad line";
        uint8_t *payload = NULL;
        int rc = s_line(&ctx, line, ck, &ev, id, key, &payload, why, sizeof why);
        int who = rc == 0 ? s_identity(ev.type) : 0;
        silta_client_t *c = rc == 0 ? s_client(&pub, who, &err) : NULL;
        if (rc == 0 && !c) {
            snprintf(why, sizeof why, "%.150s", err.msg);
            rc = -1;
        }
        if (rc == 0 && who == S_NIDS - 1) {
            /* A caseworker's action: into the store first, then to the hub. */
            int dup = 0;
            if (s_flush(&pub, timeout_ms) != 0 || s_wait_applied(&pub, timeout_ms) != 0) {
                snprintf(why, sizeof why, "earlier events were not applied in time");
                rc = -1;
            } else if (cs_store_apply(store, &ev, ctx.today, &dup, &err) != 0) {
                snprintf(why, sizeof why, "%.150s", err.msg);
                rc = -1;
            }
        }
        if (rc < 0) {
            fprintf(stderr, "silta-casestore: %s:%ld: %s\n", path, lineno, why);
            bad++;
        } else if (rc == 0) {
            while (silta_client_publish(c, &ev, NULL, &err) == SILTA_EAGAIN)
                silta_client_flush(c, 100, s_on_event, &pub.counts);
            published++;
            if (who != S_NIDS - 1 && pub.nids == pub.capids) {
                size_t cap = pub.capids ? pub.capids * 2 : 64;
                void *grown = realloc(pub.ids, cap * sizeof *pub.ids);
                if (grown) {
                    pub.ids = grown;
                    pub.capids = cap;
                }
            }
            if (who != S_NIDS - 1 && pub.nids < pub.capids)
                memcpy(pub.ids[pub.nids++], id, sizeof pub.ids[0]);
        }
        free(payload);
    }
    fclose(f);
    int frc = s_flush(&pub, timeout_ms);
    if (frc == 0 && s_wait_applied(&pub, timeout_ms) != 0) {
        fprintf(stderr, "silta-casestore: the events were journaled but silta-casestore has not "
                        "applied them all (is it running?)\n");
        frc = -1;
    }
    printf("scenario published=%ld confirmed=%ld duplicates=%ld nacked=%ld bad_lines=%ld\n",
           published, pub.counts.confirmed, pub.counts.duplicates, pub.counts.nacked, bad);
    for (int i = 0; i < S_NIDS; i++)
        silta_client_destroy(&pub.clients[i]);
    free(pub.ids);
    cs_store_destroy(&store);
    silta_clientkey_destroy(&ck);
    cs_seal_destroy(&seal);
    return frc == 0 && pub.counts.nacked == 0 && bad == 0 && pub.counts.confirmed == published
               ? 0
               : 1;
}
