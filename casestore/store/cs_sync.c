/*  cs_sync.c - the alerts and the plans of many clients at once: rules and
 *  plans derived in C, the stored state read with one SELECT per table for
 *  all of them, the differences written with one statement per table
 *  (issue 12; before, three round trips per client).
 *
 *  cs_sync_clients, for the n clients of a batch (or the one of an action):
 *
 *      per client, no I/O    cs_rules_eval -> findings, cs_plan_derive -> items
 *      SELECT                the alerts of all n (one round trip)
 *      SELECT                the latest version of every plan item of all n
 *      diff in C             an item unlike its latest version -> new version
 *      plan upsert           version + 1 of each client with a changed item,
 *                            RETURNING the versions (one round trip)
 *      diff in C, per client in order:
 *                            a finding whose (rule, occurrence) has no alert -> open
 *                            an open alert whose finding is gone or gives up -> close
 *                            outbox rows: opened, closed, then the plan
 *      queued                one INSERT of the opened alerts, one UPDATE of the
 *                            closed, one INSERT of the item versions, one
 *                            INSERT into the outbox (row order as listed)
 *
 *  Invariants (those s_sync_alerts / s_sync_plan kept per client): a known
 *  (rule, client, occurrence) is never opened again, so a closed occurrence
 *  stays closed whoever closed it; a finding with close_outcome opens nothing
 *  and closes its open alert with that outcome (closed_by 'silta'); a plan's
 *  version goes up once per call, only when an item changed, and an item's
 *  version is its latest + 1; the outbox rows have the event ids and payloads
 *  one client at a time gave. Nothing here begins or commits: the caller's
 *  transaction holds it all, and on an error the caller rolls it back.
 *
 *  Not here: what a rule finds or the plan holds (rules/), the transaction
 *  (cs_store.c, cs_store_batch.c), the caseworker's close (cs_alert.c).
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cs_apply.h"
#include "cs_arr.h"
#include "cs_store_int.h"
#include "events.pb-c.h"
#include "silta_log.h"
#include "silta_time.h"
#include "silta_uuid.h"

/* One client's slice of the pools and of the two SELECTs' rows. */
typedef struct {
    size_t f0, nf; /* findings */
    size_t p0, np; /* derived plan items */
    int a0, na;    /* rows of the alert SELECT */
    int i0, ni;    /* rows of the plan item SELECT */
    const char *worker;
    int version; /* the new plan version; 0: the plan did not change */
} s_client_t;

typedef struct {
    cs_finding_t *f;
    size_t nf, capf;
    cs_plan_item_t *p;
    int *pver; /* per derived item: its new version, 0 = unchanged */
    size_t np, capp;
    s_client_t *c;
    cs_arr_t keys;
    cs_arr_t al[12];  /* opened alerts: the columns of s_open_sql */
    cs_arr_t cl[2];   /* closed alerts: alert_id, outcome */
    cs_arr_t it[10];  /* item versions: the columns of s_item_sql */
    cs_arr_t ob[4];   /* outbox: event_id, type, client_key, payload (hex) */
} s_sync_t;

static const char s_alerts_sql[] =
    "SELECT k.n, a.rule, a.occurrence, a.status, a.alert_id, a.severity, a.due_date, "
    "a.responsible_agency, a.responsible_worker, a.explanation FROM unnest($1::text[]) WITH "
    "ORDINALITY AS k(client_key, n) JOIN casestore.alert a ON a.client_key = k.client_key "
    "ORDER BY k.n, a.id";

/* plan_current (001) per client, so that the client_key index is used */
static const char s_items_sql[] =
    "SELECT k.n, p.item_id, p.owner_agency, p.responsible, p.title, "
    "coalesce(p.due_date::text, ''), p.status, p.version FROM unnest($1::text[]) WITH "
    "ORDINALITY AS k(client_key, n) CROSS JOIN LATERAL (SELECT DISTINCT ON (item_id) * FROM "
    "casestore.plan_item i WHERE i.client_key = k.client_key ORDER BY item_id, version DESC) p "
    "ORDER BY k.n";

static const char s_plan_sql[] =
    "INSERT INTO casestore.plan(client_key, version) SELECT k, 1 FROM unnest($1::text[]) AS "
    "u(k) ON CONFLICT (client_key) DO UPDATE SET version = casestore.plan.version + 1, "
    "updated_at = now() RETURNING client_key, version";

static const char s_open_sql[] =
    "INSERT INTO casestore.alert(alert_id, client_key, rule, occurrence, severity, due_date, "
    "responsible_agency, responsible_worker, explanation, status, opened_on, cause_event_id, "
    "text_id, text_args) SELECT a, c, r, o, s, d, ag, w, e, 'open', $13::date, ca, ti, CASE "
    "WHEN ta = '' THEN '{}'::text[] ELSE string_to_array(ta, E'\\x1f') END FROM "
    "unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::date[], $7::text[], "
    "$8::text[], $9::text[], $10::uuid[], $11::text[], $12::text[]) AS u(a, c, r, o, s, d, ag, "
    "w, e, ca, ti, ta)";

static const char s_close_sql[] =
    "UPDATE casestore.alert a SET status = 'closed', closed_at = now(), closed_on = $3::date, "
    "outcome = u.o, closed_by = CASE WHEN u.o IS NOT NULL THEN 'silta' END FROM "
    "unnest($1::uuid[], $2::text[]) AS u(id, o) WHERE a.alert_id = u.id";

static const char s_item_sql[] =
    "INSERT INTO casestore.plan_item(client_key, item_id, version, owner_agency, responsible, "
    "title, due_date, status, cause_event_id, plan_version) SELECT * FROM unnest($1::text[], "
    "$2::text[], $3::int[], $4::text[], $5::text[], $6::text[], $7::date[], $8::text[], "
    "$9::uuid[], $10::int[])";

static const char s_outbox_sql[] =
    "INSERT INTO casestore.outbox(event_id, type, client_key, payload) SELECT e, t, c, "
    "decode(p, 'hex') FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[]) WITH "
    "ORDINALITY AS u(e, t, c, p, n) ORDER BY n ON CONFLICT (event_id) DO NOTHING";

#define S_NARR(a) (sizeof(a) / sizeof((a)[0]))

static void s_free(s_sync_t *s)
{
    free(s->f);
    free(s->p);
    free(s->pver);
    free(s->c);
    cs_arr_free(&s->keys);
    for (size_t i = 0; i < S_NARR(s->al); i++)
        cs_arr_free(&s->al[i]);
    for (size_t i = 0; i < S_NARR(s->cl); i++)
        cs_arr_free(&s->cl[i]);
    for (size_t i = 0; i < S_NARR(s->it); i++)
        cs_arr_free(&s->it[i]);
    for (size_t i = 0; i < S_NARR(s->ob); i++) {
        if (s->ob[i].buf) /* the payloads hold hetus */
            sodium_memzero(s->ob[i].buf, s->ob[i].cap);
        cs_arr_free(&s->ob[i]);
    }
}

/* Room for `more` findings and items in the pools. */
static int s_grow(s_sync_t *s, size_t more_f, size_t more_p)
{
    if (s->nf + more_f > s->capf) {
        size_t cap = (s->nf + more_f) * 2;
        cs_finding_t *f = realloc(s->f, cap * sizeof *f);
        if (!f)
            return -1;
        s->f = f;
        s->capf = cap;
    }
    if (s->np + more_p > s->capp) {
        size_t cap = (s->np + more_p) * 2;
        cs_plan_item_t *p = realloc(s->p, cap * sizeof *p);
        int *v = p ? realloc(s->pver, cap * sizeof *v) : NULL;
        if (p)
            s->p = p;
        if (!v)
            return -1;
        s->pver = v;
        s->capp = cap;
    }
    return 0;
}

/* The outbox row of msg (event id from content, see the callers). */
static void s_out(s_sync_t *s, const char *event_id, const char *type, const char *ck,
                  const ProtobufCMessage *msg)
{
    size_t len = protobuf_c_message_get_packed_size(msg);
    uint8_t *buf = malloc(len + 1);
    char *hex = malloc(len * 2 + 1);
    if (!buf || !hex) {
        s->ob[0].oom = 1;
    } else {
        protobuf_c_message_pack(msg, buf);
        sodium_bin2hex(hex, len * 2 + 1, buf, len);
        cs_arr_add(&s->ob[0], event_id);
        cs_arr_add(&s->ob[1], type);
        cs_arr_add(&s->ob[2], ck);
        cs_arr_add(&s->ob[3], hex);
        sodium_memzero(buf, len);
        sodium_memzero(hex, len * 2);
    }
    free(buf);
    free(hex);
}

void cs_sync_gap_alert(Silta__GapAlert *ga, char id[SILTA_UUID_STRLEN + 1], const char *hetu,
                       const char *alert_id, const char *status, const char *rule,
                       const char *severity, const char *due, const char *agency,
                       const char *worker, const char *explanation)
{
    silta__gap_alert__init(ga);
    ga->hetu = (char *)hetu;
    ga->rule = (char *)rule;
    ga->severity = (char *)severity;
    ga->due_date = (char *)due;
    ga->responsible_agency = (char *)agency;
    ga->responsible_worker = (char *)worker;
    ga->explanation = (char *)explanation;
    ga->status = (char *)status;
    ga->alert_id = (char *)alert_id;
    char key[128];
    snprintf(key, sizeof key, "%s|%s", alert_id, status);
    silta_uuid_from_content("silta.casestore.gap_alert", key, strlen(key), id);
}

static void s_alert_out(s_sync_t *s, const char *ck, const char *hetu, const char *alert_id,
                        const char *status, const char *rule, const char *severity,
                        const char *due, const char *agency, const char *worker,
                        const char *explanation)
{
    Silta__GapAlert ga;
    char id[SILTA_UUID_STRLEN + 1];
    cs_sync_gap_alert(&ga, id, hetu, alert_id, status, rule, severity, due, agency, worker,
                      explanation);
    s_out(s, id, "hub.gap_alert.v1", ck, &ga.base);
}

/* Open an alert for every finding of client c whose (rule, occurrence) has
 * no alert yet; close every open alert whose finding is gone or gives up. */
static void s_diff_alerts(cs_store_t *self, s_sync_t *s, const cs_sync_client_t *cl, size_t c,
                          const PGresult *cur, size_t *changed)
{
    const s_client_t *sc = &s->c[c];
    const char *ck = cl[c].ck;
    for (size_t i = sc->f0; i < sc->f0 + sc->nf; i++) {
        const cs_finding_t *f = &s->f[i];
        if (f->close_outcome)
            continue;
        int known = 0;
        for (int j = sc->a0; j < sc->a0 + sc->na && !known; j++)
            known = strcmp(PQgetvalue(cur, j, 1), f->rule->name) == 0 &&
                    strcmp(PQgetvalue(cur, j, 2), f->occurrence) == 0;
        if (known)
            continue; /* open: stays open; closed: raised once per occurrence */
        char key[256], alert_id[SILTA_UUID_STRLEN + 1], due[11], args[CS_MAX_ARGS * 100];
        snprintf(key, sizeof key, "%s|%s|%s", ck, f->rule->name, f->occurrence);
        silta_uuid_from_content("silta.casestore.alert", key, strlen(key), alert_id);
        cs_day_format(f->due, due);
        const char *severity = self->params->severity[f->rule->number - 1];
        const char *row[12] = {alert_id, ck, f->rule->name, f->occurrence, severity,
                               due[0] ? due : NULL, f->rule->agency, sc->worker,
                               f->explanation, f->cause[0] ? f->cause : NULL,
                               f->msg[0] ? f->msg : NULL,
                               cs_finding_args_join(f, args, sizeof args)};
        for (size_t k = 0; k < S_NARR(s->al); k++)
            cs_arr_add(&s->al[k], row[k]);
        s_alert_out(s, ck, cl[c].hetu, alert_id, "open", f->rule->name, severity, due,
                    f->rule->agency, sc->worker, f->explanation);
        (*changed)++;
        silta_info("alert opened", "client_key=%s rule=%s alert_id=%s due=%s", ck, f->rule->name,
                   alert_id, due);
    }
    for (int j = sc->a0; j < sc->a0 + sc->na; j++) {
        if (strcmp(PQgetvalue(cur, j, 3), "open") != 0)
            continue;
        const cs_finding_t *holds = NULL;
        for (size_t i = sc->f0; i < sc->f0 + sc->nf && !holds; i++)
            if (strcmp(PQgetvalue(cur, j, 1), s->f[i].rule->name) == 0 &&
                strcmp(PQgetvalue(cur, j, 2), s->f[i].occurrence) == 0)
                holds = &s->f[i];
        if (holds && !holds->close_outcome)
            continue;
        const char *alert_id = PQgetvalue(cur, j, 4);
        cs_arr_add(&s->cl[0], alert_id);
        cs_arr_add(&s->cl[1], holds ? holds->close_outcome : NULL);
        s_alert_out(s, ck, cl[c].hetu, alert_id, "closed", PQgetvalue(cur, j, 1),
                    PQgetvalue(cur, j, 5), PQgetvalue(cur, j, 6), PQgetvalue(cur, j, 7),
                    PQgetvalue(cur, j, 8), PQgetvalue(cur, j, 9));
        (*changed)++;
        silta_info("alert closed", "client_key=%s rule=%s alert_id=%s outcome=%s", ck,
                   PQgetvalue(cur, j, 1), alert_id,
                   holds ? holds->close_outcome : "condition_cleared");
    }
}

/* Mark every derived item of client c that differs from its latest stored
 * version (pver = that version + 1); returns how many. */
static size_t s_diff_items(s_sync_t *s, size_t c, const PGresult *cur)
{
    const s_client_t *sc = &s->c[c];
    size_t n = 0;
    for (size_t i = sc->p0; i < sc->p0 + sc->np; i++) {
        const cs_plan_item_t *it = &s->p[i];
        char due[11];
        cs_day_format(it->due, due);
        int same = 0, latest = 0;
        for (int j = sc->i0; j < sc->i0 + sc->ni && !same; j++) {
            if (strcmp(PQgetvalue(cur, j, 1), it->item_id) != 0)
                continue;
            latest = atoi(PQgetvalue(cur, j, 7));
            same = strcmp(PQgetvalue(cur, j, 2), it->owner) == 0 &&
                   strcmp(PQgetvalue(cur, j, 3), it->responsible) == 0 &&
                   strcmp(PQgetvalue(cur, j, 4), it->title) == 0 &&
                   strcmp(PQgetvalue(cur, j, 5), due) == 0 &&
                   strcmp(PQgetvalue(cur, j, 6), it->status) == 0;
        }
        /* an id derived twice gets one version after the other, as before */
        for (size_t k = sc->p0; k < i && !same; k++)
            latest += s->pver[k] && strcmp(s->p[k].item_id, it->item_id) == 0;
        s->pver[i] = same ? 0 : latest + 1;
        n += !same;
    }
    return n;
}

/* Queue client c's item versions and its plan's outbox row. */
static void s_plan_out(s_sync_t *s, const cs_sync_client_t *cl, size_t c)
{
    const s_client_t *sc = &s->c[c];
    const char *ck = cl[c].ck;
    char vbuf[16];
    snprintf(vbuf, sizeof vbuf, "%d", sc->version);
    size_t n = sc->np;
    Silta__PlanItem *items = calloc(n ? n : 1, sizeof *items);
    Silta__PlanItem **ptrs = calloc(n ? n : 1, sizeof *ptrs);
    char (*dues)[11] = calloc(n ? n : 1, sizeof *dues);
    if (!items || !ptrs || !dues) {
        s->ob[0].oom = 1;
        n = 0;
    }
    for (size_t i = 0; i < n; i++) {
        const cs_plan_item_t *it = &s->p[sc->p0 + i];
        cs_day_format(it->due, dues[i]);
        if (s->pver[sc->p0 + i]) {
            char iv[16];
            snprintf(iv, sizeof iv, "%d", s->pver[sc->p0 + i]);
            const char *row[10] = {ck,        it->item_id, iv,
                                   it->owner, it->responsible, it->title,
                                   dues[i][0] ? dues[i] : NULL, it->status,
                                   it->cause[0] ? it->cause : NULL, vbuf};
            for (size_t k = 0; k < S_NARR(s->it); k++)
                cs_arr_add(&s->it[k], row[k]);
        }
        silta__plan_item__init(&items[i]);
        items[i].item_id = (char *)it->item_id;
        items[i].owner_agency = (char *)it->owner;
        items[i].responsible = (char *)it->responsible;
        items[i].title = (char *)it->title;
        items[i].due_date = dues[i];
        items[i].status = (char *)it->status;
        items[i].cause_event_id = (char *)it->cause;
        ptrs[i] = &items[i];
    }
    if (n == sc->np) {
        Silta__CoordinatedPlan plan = SILTA__COORDINATED_PLAN__INIT;
        plan.hetu = (char *)cl[c].hetu;
        plan.version = (uint32_t)sc->version;
        plan.n_items = n;
        plan.items = ptrs;
        char key[96], id[SILTA_UUID_STRLEN + 1];
        snprintf(key, sizeof key, "%s|%d", ck, sc->version);
        silta_uuid_from_content("silta.casestore.plan", key, strlen(key), id);
        s_out(s, id, "social.plan.v1", ck, &plan.base);
        silta_info("plan changed", "client_key=%s version=%d items=%zu", ck, sc->version, n);
    }
    free(items);
    free(ptrs);
    free(dues);
}

/* Rules and plan of every client, no I/O. */
static int s_derive(cs_store_t *self, s_sync_t *s, const cs_sync_client_t *cl, size_t n,
                    cs_day_t today, cs_day_t *wakes)
{
    const cs_params_t *p = self->params;
    for (size_t c = 0; c < n; c++) {
        s_client_t *sc = &s->c[c];
        cs_rules_eval(cl[c].hist, p, today, &self->findings);
        wakes[c] = self->findings.wake;
        size_t np = cs_plan_derive(cl[c].hist, p, self->plan, CS_PLAN_MAX);
        if (s_grow(s, self->findings.n, np) != 0)
            return -1;
        sc->f0 = s->nf;
        sc->nf = self->findings.n;
        if (sc->nf) /* s->f may still be NULL */
            memcpy(s->f + s->nf, self->findings.items, sc->nf * sizeof *s->f);
        s->nf += sc->nf;
        sc->p0 = s->np;
        sc->np = np;
        if (np)
            memcpy(s->p + s->np, self->plan, np * sizeof *s->p);
        s->np += np;
        sc->worker = cl[c].hist->worker[0] ? cl[c].hist->worker : p->team_queue;
        cs_arr_add(&s->keys, cl[c].ck);
    }
    return 0;
}

/* Each client's rows of r (column 0: its 1-based position, rows in that
 * order) as its (first, count): a0/na for the alerts, i0/ni for the items. */
static void s_slices(s_sync_t *s, size_t n, const PGresult *r, int is_items)
{
    for (int j = 0; j < PQntuples(r); j++) {
        long k = atol(PQgetvalue(r, j, 0)) - 1;
        if (k < 0 || (size_t)k >= n)
            continue;
        int *first = is_items ? &s->c[k].i0 : &s->c[k].a0;
        int *count = is_items ? &s->c[k].ni : &s->c[k].na;
        if (*count == 0)
            *first = j;
        (*count)++;
    }
}

/* The plan versions: one upsert for the clients with a changed item. */
static int s_versions(cs_store_t *self, s_sync_t *s, const cs_sync_client_t *cl, size_t n,
                      silta_err_t *err)
{
    cs_arr_t ks = CS_ARR_INIT;
    for (size_t c = 0; c < n; c++)
        if (s->c[c].version)
            cs_arr_add(&ks, cl[c].ck);
    if (ks.n == 0)
        return 0;
    const char *p[1] = {cs_arr_lit(&ks)};
    PGresult *r = p[0] ? cs_q(self->db, s_plan_sql, 1, p, err) : NULL;
    int rc = r ? 0 : p[0] ? cs_store__code(err) : silta_err_set(err, SILTA_ERR, "out of memory");
    for (size_t c = 0; c < n; c++)
        s->c[c].version = 0;
    /* RETURNING gives the rows as inserted (in order, in practice): try the
     * next client first */
    size_t c = 0, found = 0;
    for (int j = 0; rc == 0 && j < PQntuples(r); j++) {
        const char *k = PQgetvalue(r, j, 0);
        size_t tries = 0;
        while (tries++ < n && strcmp(cl[c].ck, k) != 0)
            c = (c + 1) % n;
        if (strcmp(cl[c].ck, k) == 0 && !s->c[c].version) {
            s->c[c].version = atoi(PQgetvalue(r, j, 1));
            found++;
        }
    }
    if (rc == 0 && found != ks.n)
        rc = silta_err_set(err, SILTA_ERR, "plan versions: %zu of %zu clients", found, ks.n);
    PQclear(r);
    cs_arr_free(&ks);
    return rc;
}

/* Queue sql with the literals of arrs (and one more parameter, extra, when
 * not NULL) when the first array has rows. */
static int s_write(cs_store_t *self, const char *sql, cs_arr_t *arrs, size_t narr,
                   const char *extra, silta_err_t *err)
{
    if (arrs[0].n == 0 && !arrs[0].oom)
        return 0;
    const char *p[16];
    for (size_t i = 0; i < narr; i++)
        if (!(p[i] = cs_arr_lit(&arrs[i])))
            return silta_err_set(err, SILTA_ERR, "out of memory");
    if (extra)
        p[narr++] = extra;
    return cs_exec(self->db, sql, (int)narr, p, err);
}

int cs_sync_clients(cs_store_t *self, const cs_sync_client_t *cl, size_t n, cs_day_t today,
                    size_t *changed, cs_day_t *wakes, silta_err_t *err)
{
    if (n == 0)
        return 0;
    s_sync_t s = {0};
    int64_t t0 = silta_mono_us();
    s.c = calloc(n, sizeof *s.c);
    int drc = s.c ? s_derive(self, &s, cl, n, today, wakes) : -1;
    self->derive_us += silta_mono_us() - t0;
    if (drc != 0 || !cs_arr_lit(&s.keys)) {
        s_free(&s);
        return silta_err_set(err, SILTA_ERR, "out of memory");
    }
    const char *q[1] = {cs_arr_lit(&s.keys)};
    PGresult *alerts = cs_q(self->db, s_alerts_sql, 1, q, err);
    PGresult *items = alerts ? cs_q(self->db, s_items_sql, 1, q, err) : NULL;
    int rc = items ? 0 : cs_store__code(err);
    if (rc == 0) {
        s_slices(&s, n, alerts, 0);
        s_slices(&s, n, items, 1);
        for (size_t c = 0; c < n; c++)
            s.c[c].version = s_diff_items(&s, c, items) > 0;
        rc = s_versions(self, &s, cl, n, err);
    }
    char t[11];
    cs_day_format(today, t);
    for (size_t c = 0; rc == 0 && c < n; c++) {
        s_diff_alerts(self, &s, cl, c, alerts, changed);
        if (s.c[c].version)
            s_plan_out(&s, cl, c);
    }
    if (rc == 0)
        rc = s_write(self, s_open_sql, s.al, S_NARR(s.al), t, err);
    if (rc == 0)
        rc = s_write(self, s_close_sql, s.cl, S_NARR(s.cl), t, err);
    if (rc == 0)
        rc = s_write(self, s_item_sql, s.it, S_NARR(s.it), NULL, err);
    if (rc == 0)
        rc = s_write(self, s_outbox_sql, s.ob, S_NARR(s.ob), NULL, err);
    PQclear(alerts);
    PQclear(items);
    s_free(&s);
    return rc;
}
