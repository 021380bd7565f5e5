/* test_adapters.c - silta-kela and silta-employment end to end: real
 * PostgreSQL, real silta-hub, the adapters started by ops/silta-local, files
 * dropped into their inboxes, the journal read back from PostgreSQL.
 *
 * Acceptance of issue 4 (file side): a Kela batch with good and bad records
 * publishes the good ones and reports each bad one; killing the adapter in
 * the middle of a file and restarting it ends with every record journalled
 * exactly once; XXE and billion-laughs documents are refused with a reason
 * and publish nothing; outbound statements reach the outbox; the employment
 * batch maps each record kind; no hetu appears in a log.
 */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "events.pb-c.h"
#include "fixture.h"
#include "harness.h"
#include "silta_client.h"
#include "silta_clientkey.h"
#include "silta_db.h"
#include "silta_env.h"
#include "silta_time.h"
#include "silta_uuid.h"

#include <libpq-fe.h>

static char *s_home;

/* Runs after every test, passed or failed: nothing is left running. */
static void s_fini(void)
{
    harness_home_destroy(&s_home);
}
TestSuite(adapters, .fini = s_fini);

static void s_up(const char *adapter)
{
    s_home = fixture_up();
    harness_result_t r;
    harness_local(&r, "restart", adapter, NULL);
    cr_assert_eq(r.status, 0, "%s did not start:\n%s\n%s", adapter, r.out, r.err);
    harness_result_free(&r);
}

static void s_down(void)
{
    harness_home_destroy(&s_home);
}

/* Drop a file into an inbox the way a sender must: write NAME.tmp, rename. */
static void s_drop(const char *inbox_key, const char *src, const char *name)
{
    char *inbox = harness_env_get(NULL, inbox_key);
    cr_assert_not_null(inbox, "%s missing from the env file", inbox_key);
    char tmp[4096], dst[4096], cmd[12288];
    snprintf(tmp, sizeof tmp, "%s/%s.tmp", inbox, name);
    snprintf(dst, sizeof dst, "%s/%s", inbox, name);
    snprintf(cmd, sizeof cmd, "cp '%s' '%s'", src, tmp);
    cr_assert_eq(system(cmd), 0);
    cr_assert_eq(rename(tmp, dst), 0);
    free(inbox);
}

static const char *s_fixture(const char *rel)
{
    static char path[4096];
    snprintf(path, sizeof path, "%s/tests/fixtures/%s", harness_src(), rel);
    return path;
}

typedef struct {
    char path[4096];
} s_path_t;

static bool s_exists(void *arg)
{
    return access(((s_path_t *)arg)->path, F_OK) == 0;
}

/* Wait until <SILTA_HOME>/spool/<adapter>/<folder>/<name> exists. */
static void s_wait_file(const char *adapter, const char *folder, const char *name, int ms)
{
    s_path_t p;
    snprintf(p.path, sizeof p.path, "%s/spool/%s/%s/%s", s_home, adapter, folder, name);
    cr_assert_eq(harness_poll(ms, s_exists, &p), 0, "%s never appeared", p.path);
}

static char *s_read_spool(const char *adapter, const char *folder, const char *name)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/spool/%s/%s/%s", s_home, adapter, folder, name);
    char *s = harness_read_file(path);
    cr_assert_not_null(s, "cannot read %s", path);
    return s;
}

static void s_no_hetu_in_log(const char *prog)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/log/%s.log", s_home, prog);
    const char *hetus[] = {"010185-901E", "150372-902S", "070904A904Y", "311264Y905C", NULL};
    for (int i = 0; hetus[i]; i++)
        cr_assert(!harness_file_contains(path, hetus[i]), "a hetu in %s", path);
}

/* ------------------------------------------------------------------ payloads */

typedef struct {
    char type[64];
    ProtobufCMessage *msg; /* the payload as the message its type names */
} s_event_t;

static const ProtobufCMessageDescriptor *s_desc(const char *type)
{
    static const struct {
        const char *type;
        const ProtobufCMessageDescriptor *desc;
    } t[] = {
        {"kela.notice.v1", &silta__kela_notice__descriptor},
        {"kela.application.v1", &silta__kela_benefit__descriptor},
        {"kela.decision.v1", &silta__kela_benefit__descriptor},
        {"employment.statement.v1", &silta__employment_statement__descriptor},
        {"employment.plan.v1", &silta__employment_plan_item__descriptor},
        {"employment.registration.v1", &silta__employment_registration__descriptor},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        if (strcmp(t[i].type, type) == 0)
            return t[i].desc;
    return NULL;
}

/* The events of `source` in the journal, oldest first, payloads unpacked
 * (free with s_events_free). Returns how many (at most max). */
static size_t s_events(const char *source, s_event_t *out, size_t max)
{
    PGconn *db = PQconnectdb(getenv("SILTA_PG_URL"));
    cr_assert_eq(PQstatus(db), CONNECTION_OK, "%s", PQerrorMessage(db));
    const char *params[1] = {source};
    PGresult *res = PQexecParams(db,
                                 "SELECT envelope FROM hub.journal WHERE source = $1 "
                                 "ORDER BY seq",
                                 1, NULL, params, NULL, NULL, 1);
    cr_assert_eq(PQresultStatus(res), PGRES_TUPLES_OK, "%s", PQerrorMessage(db));
    size_t n = 0;
    for (int i = 0; i < PQntuples(res) && n < max; i++, n++) {
        Silta__Envelope *e = silta__envelope__unpack(NULL, (size_t)PQgetlength(res, i, 0),
                                                     (const uint8_t *)PQgetvalue(res, i, 0));
        cr_assert_not_null(e, "journal row %d is not an envelope", i);
        const ProtobufCMessageDescriptor *d = s_desc(e->type);
        cr_assert_not_null(d, "unexpected type %s", e->type);
        snprintf(out[n].type, sizeof out[n].type, "%s", e->type);
        out[n].msg = protobuf_c_message_unpack(d, NULL, e->payload.len, e->payload.data);
        cr_assert_not_null(out[n].msg, "payload of %s", e->type);
        silta__envelope__free_unpacked(e, NULL);
    }
    PQclear(res);
    PQfinish(db);
    return n;
}

static void s_events_free(s_event_t *ev, size_t n)
{
    for (size_t i = 0; i < n; i++)
        protobuf_c_message_free_unpacked(ev[i].msg, NULL);
}

/* A string field of msg by name, or NULL. */
static const char *s_str(const ProtobufCMessage *msg, const char *name)
{
    const ProtobufCFieldDescriptor *f =
        protobuf_c_message_descriptor_get_field_by_name(msg->descriptor, name);
    if (!f || f->type != PROTOBUF_C_TYPE_STRING || f->label == PROTOBUF_C_LABEL_REPEATED)
        return NULL;
    return *(char *const *)((const char *)msg + f->offset);
}

/* Every string field of msg that holds a date of the fixture's day (it starts
 * with "2025-03-1") is exactly "2025-03-13"; returns how many there were. */
static int s_dates_normalised(const ProtobufCMessage *msg)
{
    int n = 0;
    const ProtobufCMessageDescriptor *d = msg->descriptor;
    for (unsigned i = 0; i < d->n_fields; i++) {
        const char *v = s_str(msg, d->fields[i].name);
        if (v && strncmp(v, "2025-03-1", 9) == 0) {
            cr_assert_str_eq(v, "2025-03-13", "field %s of %s", d->fields[i].name, d->name);
            n++;
        }
    }
    return n;
}

Test(adapters, kela_mixed_batch_publishes_good_records_and_reports_bad_ones, .timeout = 300)
{
    s_up("silta-kela");
    s_drop("SILTA_KELA_INBOX", s_fixture("xml/kela-mixed.xml"), "mixed.xml");
    s_wait_file("kela", "done", "mixed.xml", 60000);
    cr_assert_eq(fixture_count("SELECT count(*) FROM hub.journal WHERE source = 'kela'"), 3);
    cr_assert_eq(fixture_count("SELECT count(*) FROM hub.journal WHERE type = 'kela.notice.v1'"), 1);
    cr_assert_eq(fixture_count("SELECT count(*) FROM hub.journal WHERE type = 'kela.decision.v1'"), 1);
    cr_assert_eq(fixture_count("SELECT count(*) FROM hub.journal WHERE client_key !~ '^ck_[0-9a-f]{32}$'"),
                 0, "every client_key is a keyed pseudonym");
    char *rep = s_read_spool("kela", "done", "mixed.xml.report");
    cr_assert(strstr(rep, "record=2 field=hetu reason=\"identity code is not valid: check "
                          "character") != NULL, "%s", rep);
    cr_assert(strstr(rep, "record=4 field=kind reason=") != NULL, "%s", rep);
    cr_assert(strstr(rep, "record=5 field=sickness_days_used reason=") != NULL, "%s", rep);
    cr_assert(strstr(rep, "record=1 ") == NULL && strstr(rep, "record=3 ") == NULL &&
                  strstr(rep, "record=6 ") == NULL, "%s", rep);
    cr_assert(strstr(rep, "published=3") != NULL, "%s", rep);
    free(rep);

    /* The same file again (a mistake, or a re-delivery): nothing new is journalled. */
    s_drop("SILTA_KELA_INBOX", s_fixture("xml/kela-mixed.xml"), "mixed.xml");
    s_wait_file("kela", "done", "mixed.xml.1", 60000);
    cr_assert_eq(fixture_count("SELECT count(*) FROM hub.journal WHERE source = 'kela'"), 3);
    s_no_hetu_in_log("silta-kela");
    s_down();
}

static bool s_journal_2000(void *arg)
{
    (void)arg;
    return fixture_count("SELECT count(*) FROM hub.journal WHERE source = 'kela'") >= 2000;
}

Test(adapters, kela_killed_mid_file_publishes_each_record_exactly_once, .timeout = 600)
{
    s_up("silta-kela");
    char gen[4096], kela[4096];
    snprintf(gen, sizeof gen, "%s/gen.xml", s_home);
    harness_bin_path(kela, sizeof kela, "silta-kela");
    harness_result_t r;
    harness_runl(&r, HARNESS_CMD_TIMEOUT_MS, kela, "--generate", "20000", gen, NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    harness_result_free(&r);
    s_drop("SILTA_KELA_INBOX", gen, "night.xml");
    cr_assert_eq(harness_poll(120000, s_journal_2000, NULL), 0, "publishing did not start");

    char pidfile[4096];
    snprintf(pidfile, sizeof pidfile, "%s/run/silta-kela.pid", s_home);
    pid_t pid = harness_pid_file(pidfile);
    cr_assert(pid > 0);
    cr_assert_eq(kill(pid, SIGKILL), 0);
    long before = fixture_count("SELECT count(*) FROM hub.journal WHERE source = 'kela'");
    s_path_t inbox;
    snprintf(inbox.path, sizeof inbox.path, "%s/spool/kela/inbox/night.xml", s_home);
    cr_assert(s_exists(&inbox), "killed mid-file, the file stays in the inbox");
    cr_assert_lt(before, 20000, "the kill came too late to test anything");

    harness_local(&r, "restart", "silta-kela", NULL);
    cr_assert_eq(r.status, 0, "restart failed:\n%s\n%s", r.out, r.err);
    harness_result_free(&r);
    s_wait_file("kela", "done", "night.xml", 300000);
    cr_assert_eq(fixture_count("SELECT count(*) FROM hub.journal WHERE source = 'kela'"), 20000);
    cr_assert_eq(fixture_count("SELECT count(DISTINCT event_id) FROM hub.journal"), 20000);
    s_down();
}

Test(adapters, hostile_xml_is_refused_with_a_reason_and_publishes_nothing, .timeout = 300)
{
    s_up("silta-kela");
    const char *files[] = {"xxe-file.xml", "xxe-param.xml", "dtd-external.xml",
                           "billion-laughs.xml"};
    for (int i = 0; i < 4; i++) {
        char src[64];
        snprintf(src, sizeof src, "xml/%s", files[i]);
        s_drop("SILTA_KELA_INBOX", s_fixture(src), files[i]);
    }
    for (int i = 0; i < 4; i++) {
        char rep[128];
        s_wait_file("kela", "rejected", files[i], 60000);
        snprintf(rep, sizeof rep, "%s.report", files[i]);
        char *text = s_read_spool("kela", "rejected", rep);
        cr_assert(strstr(text, "record=0 field=- reason=\"document type declarations (DOCTYPE) "
                               "are refused") != NULL, "%s: %s", files[i], text);
        free(text);
    }
    cr_assert_eq(fixture_count("SELECT count(*) FROM hub.journal"), 0);
    /* Not XML at all, and an empty file: rejected, with the reason. */
    char junk[4096];
    snprintf(junk, sizeof junk, "%s/junk.txt", s_home);
    FILE *f = fopen(junk, "w");
    fputs("name;hetu\n", f);
    fclose(f);
    s_drop("SILTA_KELA_INBOX", junk, "junk.txt");
    s_wait_file("kela", "rejected", "junk.txt.report", 60000);
    s_down();
}

static silta_client_t *s_client(const char *identity)
{
    char key[4096];
    snprintf(key, sizeof key, "%s/keys/%s.key", s_home, identity);
    silta_client_opts_t opts = {0};
    opts.client_key = key;
    opts.name = identity;
    silta_err_t err;
    silta_client_t *c = silta_client_new(&opts, &err);
    cr_assert_not_null(c, "client: %s", err.msg);
    return c;
}

/* The client_key of hetu under this deployment's secret (the hub checks it). */
static const char *s_client_key(const char *hetu)
{
    static char out[SILTA_CLIENTKEY_LEN + 1];
    return fixture_client_key(hetu, out);
}

/* Publish one event as `identity` and wait for its confirm; the id goes to id. */
static void s_publish(const char *identity, const char *type, const ProtobufCMessage *msg,
                      const char *client_key, char id[SILTA_UUID_STRLEN + 1])
{
    silta_client_t *c = s_client(identity);
    uint8_t buf[4096];
    size_t n = protobuf_c_message_pack(msg, buf);
    silta_envelope_t e;
    silta__envelope__init(&e);
    silta_uuid_v7(id);
    e.event_id = id;
    e.type = (char *)type;
    e.client_key = (char *)client_key;
    e.occurred_at = silta_now_ms();
    e.payload.data = buf;
    e.payload.len = n;
    uint64_t seq;
    silta_err_t err;
    cr_assert_eq(silta_client_publish(c, &e, &seq, &err), 0, "%s", err.msg);
    cr_assert_eq(silta_client_flush(c, 30000, NULL, NULL), 0, "no confirm");
    silta_client_destroy(&c);
}

Test(adapters, kela_writes_statements_to_its_outbox, .timeout = 300)
{
    s_up("silta-kela");
    Silta__SocialStatement st = SILTA__SOCIAL_STATEMENT__INIT;
    st.hetu = "150372-902S";
    st.kela_reference = "TOTU-2025-000456";
    st.text = "Asiakas tarvitsee <kiireellisen> tuen & tapaamisen.";
    st.worker = "sosiaalityöntekijä";
    st.date = "2025-03-14";
    char id[SILTA_UUID_STRLEN + 1], name[128];
    s_publish("casestore", "social.statement.v1", &st.base, s_client_key(st.hetu), id);
    snprintf(name, sizeof name, "statement-%s.xml", id);
    s_wait_file("kela", "outbox", name, 60000);
    char *xml = s_read_spool("kela", "outbox", name);
    cr_assert(strstr(xml, "<kela-statement xmlns=\"urn:silta:kela:1\">") != NULL, "%s", xml);
    cr_assert(strstr(xml, "<hetu>150372-902S</hetu>") != NULL, "%s", xml);
    cr_assert(strstr(xml, "&lt;kiireellisen&gt; tuen &amp;") != NULL, "escaped: %s", xml);
    free(xml);
    s_down();
}

Test(adapters, employment_batch_maps_each_record_kind, .timeout = 300)
{
    s_up("silta-employment");
    char src[4096];
    snprintf(src, sizeof src, "%s/config/examples/employment-batch.xml", harness_src());
    s_drop("SILTA_EMPLOYMENT_INBOX", src, "te.xml");
    s_wait_file("employment", "done", "te.xml", 60000);
    cr_assert_eq(fixture_count("SELECT count(*) FROM hub.journal WHERE source = 'employment'"), 3);
    cr_assert_eq(fixture_count("SELECT count(DISTINCT type) FROM hub.journal"), 3);
    cr_assert_eq(fixture_count("SELECT count(*) FROM hub.journal WHERE type = 'employment.plan.v1'"), 1);
    s_no_hetu_in_log("silta-employment");
    s_down();
}

/* Issue 9: an xs:date with a zone is valid against the XSD; it must reach the
 * payload as YYYY-MM-DD (the calendar day as written), in every date field. */
Test(adapters, kela_dates_with_a_zone_are_published_as_plain_dates, .timeout = 300)
{
    s_up("silta-kela");
    s_drop("SILTA_KELA_INBOX", s_fixture("xml/kela-zoned-dates.xml"), "zoned.xml");
    s_wait_file("kela", "done", "zoned.xml", 60000);
    s_event_t ev[8];
    size_t n = s_events("kela", ev, 8);
    cr_assert_eq(n, 4, "records 1-4 published");
    int dates = 0;
    for (size_t i = 0; i < n; i++)
        dates += s_dates_normalised(ev[i].msg);
    cr_assert_eq(dates, 8, "every date field of the fixture was seen");
    s_events_free(ev, n);
    char *rep = s_read_spool("kela", "done", "zoned.xml.report");
    cr_assert(strstr(rep, "record=5 field=date reason=") != NULL, "%s", rep);
    cr_assert(strstr(rep, "2025-02-30") == NULL, "no value quoted: %s", rep);
    free(rep);
    s_down();
}

Test(adapters, employment_dates_with_a_zone_are_published_as_plain_dates, .timeout = 300)
{
    s_up("silta-employment");
    s_drop("SILTA_EMPLOYMENT_INBOX", s_fixture("xml/employment-zoned-dates.xml"), "zoned.xml");
    s_wait_file("employment", "done", "zoned.xml", 60000);
    s_event_t ev[4];
    size_t n = s_events("employment", ev, 4);
    cr_assert_eq(n, 3);
    int dates = 0;
    for (size_t i = 0; i < n; i++)
        dates += s_dates_normalised(ev[i].msg);
    cr_assert_eq(dates, 6, "every date field of the fixture was seen");
    s_events_free(ev, n);
    s_down();
}

static void s_write(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f, "%s", path);
    fputs(text, f);
    cr_assert_eq(fclose(f), 0);
}

#define S_KELA_HEAD                                                                                \
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<kela-batch xmlns=\"urn:silta:kela:1\">\n"
#define S_NOTICE(hetu, ref)                                                                        \
    "  <notice><hetu>" hetu "</hetu><kela_reference>" ref "</kela_reference>"                      \
    "<kind>need_for_social_work</kind><date>2025-03-13</date></notice>\n"

/* Issue 9, "no silent tail": record 2 of 3 has a 12 MiB free_text. Record 2 is
 * reported with its number and the limit, records 1 and 3 are published, and
 * the counts add up to the 3 records of the file. */
Test(adapters, kela_oversize_record_is_skipped_and_the_rest_is_read, .timeout = 300)
{
    s_up("silta-kela");
    char path[4096];
    snprintf(path, sizeof path, "%s/big.xml", s_home);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs(S_KELA_HEAD S_NOTICE("010185-901E", "REF-1"), f);
    fputs("  <notice><hetu>150372-902S</hetu><kela_reference>REF-2</kela_reference>"
          "<kind>need_for_social_work</kind><free_text>",
          f);
    static char chunk[1 << 16];
    memset(chunk, 'a', sizeof chunk);
    for (int i = 0; i < 12 * 16; i++) /* 12 MiB */
        fwrite(chunk, 1, sizeof chunk, f);
    fputs("</free_text><date>2025-03-13</date></notice>\n", f);
    fputs(S_NOTICE("070904A904Y", "REF-3") "</kela-batch>\n", f);
    cr_assert_eq(fclose(f), 0);
    s_drop("SILTA_KELA_INBOX", path, "big.xml");
    s_wait_file("kela", "done", "big.xml", 120000);
    s_event_t ev[4];
    size_t n = s_events("kela", ev, 4);
    cr_assert_eq(n, 2, "records 1 and 3 published");
    cr_assert_str_eq(s_str(ev[0].msg, "kela_reference"), "REF-1");
    cr_assert_str_eq(s_str(ev[1].msg, "kela_reference"), "REF-3");
    s_events_free(ev, n);
    char *rep = s_read_spool("kela", "done", "big.xml.report");
    cr_assert(strstr(rep, "record=2 field=- reason=\"record is larger than the limit of 65536 "
                          "bytes") != NULL,
              "%s", rep);
    cr_assert(strstr(rep, "records=3 published=2 duplicates=0 rejected=1 unread=0") != NULL, "%s",
              rep);
    free(rep);
    s_down();
}

/* A file cut off inside record 3: records 1 and 2 are published, the file is
 * not in done/, and the report says which records were not read and why. */
Test(adapters, kela_truncated_file_is_not_done_and_names_what_was_not_read, .timeout = 300)
{
    s_up("silta-kela");
    char path[4096];
    snprintf(path, sizeof path, "%s/cut.xml", s_home);
    s_write(path, S_KELA_HEAD S_NOTICE("010185-901E", "REF-1")
                      S_NOTICE("150372-902S", "REF-2") "  <notice><hetu>0709");
    s_drop("SILTA_KELA_INBOX", path, "cut.xml");
    s_wait_file("kela", "rejected", "cut.xml.report", 60000);
    s_path_t done;
    snprintf(done.path, sizeof done.path, "%s/spool/kela/done/cut.xml", s_home);
    cr_assert(!s_exists(&done), "a file not read to its end is not done");
    cr_assert_eq(fixture_count("SELECT count(*) FROM hub.journal WHERE source = 'kela'"), 2);
    char *rep = s_read_spool("kela", "rejected", "cut.xml.report");
    cr_assert(strstr(rep, "record=3 field=- reason=\"records after 2 were not read: the file is "
                          "malformed at line 5") != NULL,
              "%s", rep);
    cr_assert(strstr(rep, "records=2 published=2 duplicates=0 rejected=0 unread=all after "
                          "record 2") != NULL,
              "%s", rep);
    free(rep);
    s_down();
}

/* Issue 9: Kela batches in ISO-8859-1, ISO-8859-15 and windows-1252 (declared)
 * are published with their text as UTF-8; the same bytes undeclared are
 * refused, and the report says how to declare the encoding. */
Test(adapters, kela_latin_encodings_arrive_as_utf8, .timeout = 300)
{
    static const struct {
        const char *file, *enc, *text, *utf8;
    } cases[] = {
        {"l1.xml", "ISO-8859-1", "\xc4iti ja is\xe4, \xf6ljy", "Äiti ja isä, öljy"},
        {"l9.xml", "ISO-8859-15", "\xc4iti ja is\xe4, \xf6ljy 5 \xa4", "Äiti ja isä, öljy 5 €"},
        {"w.xml", "windows-1252", "\xc4iti ja is\xe4, \xf6ljy 5 \x80", "Äiti ja isä, öljy 5 €"},
    };
    s_up("silta-kela");
    char path[4096], doc[1024];
    for (size_t i = 0; i < 3; i++) {
        snprintf(path, sizeof path, "%s/%s", s_home, cases[i].file);
        snprintf(
            doc, sizeof doc,
            "<?xml version=\"1.0\" encoding=\"%s\"?>\n<kela-batch xmlns=\"urn:silta:kela:1\">\n"
            "  <notice><hetu>010185-901E</hetu><kela_reference>ENC-%zu</kela_reference>"
            "<kind>need_for_social_work</kind><free_text>%s</free_text>"
            "<date>2025-03-13</date></notice>\n</kela-batch>\n",
            cases[i].enc, i, cases[i].text);
        s_write(path, doc);
        s_drop("SILTA_KELA_INBOX", path, cases[i].file);
        s_wait_file("kela", "done", cases[i].file, 60000);
    }
    s_event_t ev[4];
    size_t n = s_events("kela", ev, 4);
    cr_assert_eq(n, 3);
    for (size_t i = 0; i < n; i++)
        cr_assert_str_eq(s_str(ev[i].msg, "free_text"), cases[i].utf8, "%s", cases[i].enc);
    s_events_free(ev, n);

    snprintf(path, sizeof path, "%s/undeclared.xml", s_home);
    s_write(path, S_KELA_HEAD
            "  <notice><hetu>010185-901E</hetu><kind>need_for_social_work</kind>"
            "<free_text>is\xe4</free_text><date>2025-03-13</date></notice>\n</kela-batch>\n");
    s_drop("SILTA_KELA_INBOX", path, "undeclared.xml");
    s_wait_file("kela", "rejected", "undeclared.xml.report", 60000);
    char *rep = s_read_spool("kela", "rejected", "undeclared.xml.report");
    cr_assert(strstr(rep, "the file is not UTF-8 (line 3)") != NULL, "%s", rep);
    cr_assert(strstr(rep, "must declare it in its XML declaration") != NULL, "%s", rep);
    free(rep);
    cr_assert_eq(fixture_count("SELECT count(*) FROM hub.journal WHERE source = 'kela'"), 3);

    /* The documented example (config/examples/kela-batch-latin9.xml). */
    char src[4096];
    snprintf(src, sizeof src, "%s/config/examples/kela-batch-latin9.xml", harness_src());
    s_drop("SILTA_KELA_INBOX", src, "example.xml");
    s_wait_file("kela", "done", "example.xml", 60000);
    s_event_t all[8];
    n = s_events("kela", all, 8);
    cr_assert_eq(n, 5);
    cr_assert(strstr(s_str(all[3].msg, "free_text"), "480 €; asiakas pyytää") != NULL, "%s",
              s_str(all[3].msg, "free_text"));
    cr_assert_str_eq(s_str(all[3].msg, "date"), "2025-03-13");
    cr_assert_str_eq(s_str(all[4].msg, "complete_date"), "2025-03-13");
    s_events_free(all, n);
    s_down();
}

/* Issue 10: a Kela record whose hetu is born after today is refused by
 * silta-kela before it publishes, with the field and the reason in the report;
 * the other records go on. 010199F953R is born 1.1.2099. */
Test(adapters, kela_hetu_born_in_the_future_is_reported_not_published, .timeout = 300)
{
    s_up("silta-kela");
    char path[4096];
    snprintf(path, sizeof path, "%s/future.xml", s_home);
    s_write(path, S_KELA_HEAD S_NOTICE("010185-901E", "REF-1")
                      S_NOTICE("010199F953R", "REF-2") "</kela-batch>\n");
    s_drop("SILTA_KELA_INBOX", path, "future.xml");
    s_wait_file("kela", "done", "future.xml.report", 60000);
    cr_assert_eq(fixture_count("SELECT count(*) FROM hub.journal WHERE source = 'kela'"), 1);
    char *rep = s_read_spool("kela", "done", "future.xml.report");
    cr_assert(strstr(rep, "record=2 field=hetu reason=\"hetu: birth date is in the future\"") !=
                  NULL,
              "%s", rep);
    cr_assert(strstr(rep, "010199") == NULL, "no hetu in the report: %s", rep);
    free(rep);
    s_no_hetu_in_log("silta-kela");
    s_down();
}

/* Issue 10 (HE 116/2025, in force 1.2.2026): a 50 % reduction of the basic
 * amount with its reason and Kela's kehotus are accepted by silta-kela and
 * reach the journal with every field, from the documented example and from
 * the generator; a reason outside the list is refused by name. Before,
 * kela-batch.xsd refused 50 and kehotus. */
Test(adapters, kela_2026_notices_reach_the_journal, .timeout = 300)
{
    s_up("silta-kela");
    char src[4096];
    snprintf(src, sizeof src, "%s/config/examples/kela-batch.xml", harness_src());
    s_drop("SILTA_KELA_INBOX", src, "example.xml");
    s_wait_file("kela", "done", "example.xml", 60000);
    s_event_t ev[8];
    size_t n = s_events("kela", ev, 8);
    cr_assert_eq(n, 5);
    int kehotus = 0, cut50 = 0;
    for (size_t i = 0; i < n; i++) {
        if (strcmp(ev[i].type, "kela.notice.v1") != 0)
            continue;
        const Silta__KelaNotice *m = (const Silta__KelaNotice *)ev[i].msg;
        if (strcmp(m->kind, "kehotus") == 0) {
            kehotus++;
            cr_assert_str_eq(m->reduction_reason, "not_registered_jobseeker");
            cr_assert_str_eq(m->date, "2026-02-02");
            cr_assert_eq(m->reduction_percent, 0);
        } else if (m->reduction_percent == 50) {
            cut50++;
            cr_assert_str_eq(m->kind, "basic_amount_reduction");
            cr_assert_str_eq(m->reduction_reason, "primary_benefit_not_applied");
        } else {
            cr_assert_eq(m->reduction_percent, 20);
            cr_assert_str_eq(m->reduction_reason, "labour_policy_sanction");
        }
    }
    cr_assert_eq(kehotus, 1);
    cr_assert_eq(cut50, 1);
    s_events_free(ev, n);

    /* A reason outside the list is refused by the XSD, named in the report. */
    char path[4096];
    snprintf(path, sizeof path, "%s/reason.xml", s_home);
    static const char bad_reason[] = S_KELA_HEAD S_NOTICE(
        "010185-901E",
        "REF-1") "  <notice><hetu>311264Y905C</hetu><kind>basic_amount_reduction</kind>"
                 "<date>2026-03-05</date><reduction_percent>50</reduction_percent>"
                 "<reduction_reason>bad_luck</reduction_reason></notice>\n</kela-batch>\n";
    s_write(path, bad_reason);
    s_drop("SILTA_KELA_INBOX", path, "reason.xml");
    s_wait_file("kela", "done", "reason.xml.report", 60000);
    char *rep = s_read_spool("kela", "done", "reason.xml.report");
    cr_assert(strstr(rep, "record=2 field=reduction_reason reason=") != NULL, "%s", rep);
    free(rep);

    /* The generator's batch holds both kinds too, and every record is published. */
    char gen[4096], kela[4096];
    snprintf(gen, sizeof gen, "%s/gen.xml", s_home);
    harness_bin_path(kela, sizeof kela, "silta-kela");
    harness_result_t r;
    harness_runl(&r, HARNESS_CMD_TIMEOUT_MS, kela, "--generate", "18", gen, NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    harness_result_free(&r);
    s_drop("SILTA_KELA_INBOX", gen, "gen.xml");
    s_wait_file("kela", "done", "gen.xml", 60000);
    cr_assert_eq(fixture_count("SELECT count(*) FROM hub.journal WHERE source = 'kela'"),
                 5 + 1 + 18, "every generated record published");
    cr_assert_eq(fixture_count("SELECT count(*) FROM hub.journal WHERE type = 'kela.notice.v1'"),
                 3 + 1 + 6);
    s_no_hetu_in_log("silta-kela");
    s_down();
}
