/*  silta_batch.c - agency XML batch ingest (contract: silta_batch.h).
 *
 *  One record at a time: the reader expands it, the checks run, the mapped
 *  message is packed and published, and the record's nodes are freed when the
 *  reader moves on. Nothing accumulates per record, so a 1,000,000-record file
 *  takes the memory of one record plus the runtime's confirm window.
 */
#include "silta_batch.h"

#include "silta_buf.h"
#include "silta_date.h"
#include "silta_hetu.h"
#include "silta_paths.h"

#include <errno.h>
#include <libxml/xmlwriter.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int s_set(ProtobufCMessage *msg, const ProtobufCFieldDescriptor *f, const char *text,
                 silta_err_t *err)
{
    char *base = (char *)msg;
    if (f->label == PROTOBUF_C_LABEL_REPEATED) {
        if (f->type != PROTOBUF_C_TYPE_STRING)
            return silta_err_set(err, SILTA_EINVAL, "unsupported repeated field");
        size_t *n = (size_t *)(base + f->quantifier_offset);
        char ***arr = (char ***)(base + f->offset);
        char **grown = realloc(*arr, (*n + 1) * sizeof **arr);
        if (!grown)
            return silta_err_set(err, SILTA_ERR, "out of memory");
        *arr = grown;
        if (!(grown[*n] = strdup(text)))
            return silta_err_set(err, SILTA_ERR, "out of memory");
        (*n)++;
        return 0;
    }
    switch (f->type) {
    case PROTOBUF_C_TYPE_STRING: {
        char **s = (char **)(base + f->offset);
        char *copy = strdup(text);
        if (!copy)
            return silta_err_set(err, SILTA_ERR, "out of memory");
        if (*s && *s != (const char *)f->default_value)
            free(*s);
        *s = copy;
        return 0;
    }
    case PROTOBUF_C_TYPE_UINT32: {
        char *end;
        errno = 0;
        unsigned long v = strtoul(text, &end, 10);
        if (!*text || *end || errno || v > UINT32_MAX || text[0] == '-')
            return silta_err_set(err, SILTA_EINVAL, "not a whole number");
        *(uint32_t *)(base + f->offset) = (uint32_t)v;
        return 0;
    }
    case PROTOBUF_C_TYPE_BOOL: {
        int v = strcmp(text, "true") == 0 || strcmp(text, "1") == 0;
        if (!v && strcmp(text, "false") != 0 && strcmp(text, "0") != 0)
            return silta_err_set(err, SILTA_EINVAL, "not a boolean (true or false)");
        *(protobuf_c_boolean *)(base + f->offset) = v;
        return 0;
    }
    default:
        return silta_err_set(err, SILTA_EINVAL, "unsupported field type");
    }
}

static const ProtobufCFieldDescriptor *s_field(const ProtobufCMessageDescriptor *desc,
                                               const char *name)
{
    const ProtobufCFieldDescriptor *f = protobuf_c_message_descriptor_get_field_by_name(desc, name);
    if (f)
        return f;
    char plural[128];
    snprintf(plural, sizeof plural, "%ss", name);
    f = protobuf_c_message_descriptor_get_field_by_name(desc, plural);
    return f && f->label == PROTOBUF_C_LABEL_REPEATED ? f : NULL;
}

/* 1 when `name` is in the "|a|b|" list. */
static int s_listed(const char *list, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = list ? strchr(list, '|') : NULL; p && p[1]; p = strchr(p + 1, '|'))
        if (strncmp(p + 1, name, n) == 0 && p[1 + n] == '|')
            return 1;
    return 0;
}

/* The text of element c, trimmed of XML white space, NUL-terminated: in buf
 * when it fits, else in *heap (the caller frees *heap and xmlFree's *raw).
 * The usual field is one text node, read in place; anything else (CDATA,
 * comments between pieces) is joined by xmlNodeGetContent into *raw. NULL
 * when out of memory. */
static char *s_text(xmlNodePtr c, char *buf, size_t size, char **heap, xmlChar **raw)
{
    xmlNodePtr t = c->children;
    int simple = !t || (t->type == XML_TEXT_NODE && !t->next);
    *heap = NULL;
    *raw = simple ? NULL : xmlNodeGetContent(c);
    const char *b = simple ? (t ? (const char *)t->content : "") : (const char *)*raw;
    if (!b)
        b = "";
    const char *e = b + strlen(b);
    while (*b == ' ' || *b == '\n' || *b == '\t' || *b == '\r')
        b++;
    while (e > b && (e[-1] == ' ' || e[-1] == '\n' || e[-1] == '\t' || e[-1] == '\r'))
        e--;
    size_t n = (size_t)(e - b);
    if (n >= size)
        return *heap = strndup(b, n);
    memcpy(buf, b, n);
    buf[n] = '\0';
    return buf;
}

ProtobufCMessage *silta_batch_map(xmlNodePtr rec, const ProtobufCMessageDescriptor *desc,
                                  const char *dates, char *field, size_t fsize, silta_err_t *err)
{
    ProtobufCMessage *msg = calloc(1, desc->sizeof_message);
    if (!msg) {
        silta_err_set(err, SILTA_ERR, "out of memory");
        return NULL;
    }
    desc->message_init(msg);
    for (xmlNodePtr c = rec->children; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE)
            continue;
        const char *name = (const char *)c->name;
        const ProtobufCFieldDescriptor *f = s_field(desc, name);
        if (!f) {
            snprintf(field, fsize, "%s", name);
            silta_err_set(err, SILTA_EINVAL, "unknown element");
            protobuf_c_message_free_unpacked(msg, NULL);
            return NULL;
        }
        char small[128], *big = NULL;
        xmlChar *raw = NULL;
        char *text = s_text(c, small, sizeof small, &big, &raw);
        char day[SILTA_DATE_LEN + 1];
        int rc;
        if (!text) {
            rc = silta_err_set(err, SILTA_ERR, "out of memory");
        } else {
            int date = s_listed(dates, name);
            rc = date ? silta_date_from_xsd(text, day, err) : 0;
            if (rc == 0)
                rc = s_set(msg, f, date ? day : text, err);
        }
        free(big);
        xmlFree(raw);
        if (rc != 0) {
            snprintf(field, fsize, "%s", name);
            protobuf_c_message_free_unpacked(msg, NULL);
            return NULL;
        }
    }
    return msg;
}

static const silta_batch_kind_t *s_kind(const silta_batch_format_t *fmt, const char *element)
{
    for (size_t i = 0; i < fmt->nkinds; i++)
        if (strcmp(fmt->kinds[i].element, element) == 0)
            return &fmt->kinds[i];
    return NULL;
}

/* Check, map and publish one record. Returns 0 (published or rejected),
 * SILTA_EAGAIN when stopping. */
static int s_record(silta_adapter_t *a, const silta_batch_format_t *fmt, xmlNodePtr rec,
                    size_t bytes, unsigned long no)
{
    silta_err_t err = {0};
    char field[128] = "-";
    if (bytes > fmt->limits.max_record) {
        snprintf(err.msg, sizeof err.msg,
                 "record is larger than the limit of %zu bytes (it has "
                 "%zu bytes; skipped unread, the records after it were read)",
                 fmt->limits.max_record, bytes);
        silta_adapter_reject(a, no, "-", err.msg);
        return 0;
    }
    const char *element = (const char *)rec->name;
    const silta_batch_kind_t *kind = s_kind(fmt, element);
    if (!kind || !rec->ns || strcmp((const char *)rec->ns->href, fmt->ns) != 0) {
        snprintf(err.msg, sizeof err.msg, "unknown record element '%.100s' (expected one of the "
                 "record kinds of %s in namespace %s)", element, fmt->root, fmt->ns);
        silta_adapter_reject(a, no, element, err.msg);
        return 0;
    }
    xmlNodePtr h = silta_xml_child(rec, "hetu");
    if (h) {
        char small[64], *big = NULL;
        xmlChar *raw = NULL;
        const char *hetu = s_text(h, small, sizeof small, &big, &raw);
        int bad = hetu && silta_hetu_parse(hetu, NULL, &err) != 0;
        free(big);
        xmlFree(raw);
        if (bad) { /* (out of memory: the contract checks the hetu again before publishing) */
            char why[600];
            snprintf(why, sizeof why, "identity code is not valid: %s", err.msg);
            silta_adapter_reject(a, no, "hetu", why);
            return 0;
        }
    }
    if (fmt->schema && silta_xml_schema_validate(fmt->schema, rec, field, sizeof field, &err) != 0) {
        silta_adapter_reject(a, no, field, err.msg);
        return 0;
    }
    ProtobufCMessage *msg =
        silta_batch_map(rec, kind->desc, fmt->dates[kind - fmt->kinds], field, sizeof field, &err);
    if (!msg) {
        silta_adapter_reject(a, no, field, err.msg);
        return 0;
    }
    const char *bad = "-";
    int rc = silta_adapter_publish(a, kind->type, msg, no, &bad, &err);
    protobuf_c_message_free_unpacked(msg, NULL);
    if (rc == SILTA_EAGAIN)
        return rc;
    if (rc != 0)
        silta_adapter_reject(a, no, bad, err.msg);
    return 0;
}

static int s_stopping(void *a)
{
    return silta_adapter_stopping(a);
}

int silta_batch_ingest(silta_adapter_t *a, const silta_batch_format_t *fmt, const char *path)
{
    silta_err_t err = {0};
    silta_xml_reader_t *r = silta_xml_reader_open(path, &fmt->limits, &err);
    if (!r) {
        silta_adapter_reject(a, 0, "-", err.msg);
        return SILTA_EINVAL;
    }
    silta_xml_reader_set_stop(r, s_stopping, a); /* SIGTERM mid-record: the next chunk */
    unsigned long no = 0;
    int rc = 0;
    for (;;) {
        if (silta_adapter_stopping(a)) {
            rc = SILTA_EAGAIN;
            break;
        }
        xmlNodePtr rec = NULL;
        size_t bytes = 0;
        int got = silta_xml_reader_next(r, &rec, &bytes, &err);
        const char *root = silta_xml_reader_root(r);
        if (root && no == 0 && (strcmp(root, fmt->root) != 0 ||
                                strcmp(silta_xml_reader_root_ns(r), fmt->ns) != 0)) {
            char why[400];
            snprintf(why, sizeof why, "root element is not %s in namespace %s", fmt->root,
                     fmt->ns);
            silta_adapter_reject(a, 0, "-", why);
            rc = SILTA_EINVAL;
            break;
        }
        if (got == 0)
            break;
        if (got < 0 && silta_adapter_stopping(a)) {
            rc = SILTA_EAGAIN; /* stopped mid-file: left in the inbox, read again */
            break;
        }
        if (got < 0 && no == 0) {
            silta_adapter_reject(a, 0, "-", err.msg);
            rc = SILTA_EINVAL;
            break;
        }
        if (got < 0) {
            /* Cannot read on: say what was not read; the file is not done. */
            char why[700];
            snprintf(why, sizeof why, "records after %lu were not read: %s", no, err.msg);
            silta_adapter_unread(a, no, why);
            break;
        }
        rc = s_record(a, fmt, rec, bytes, ++no);
        if (rc != 0)
            break;
    }
    silta_xml_reader_destroy(&r);
    return rc;
}

/* ------------------------------------------------------------------ outbound */

ProtobufCMessage *silta_batch_unpack(const silta_envelope_t *ev,
                                     const ProtobufCMessageDescriptor *desc, silta_err_t *err)
{
    const char *pt = ev->payload_type;
    if (pt && *pt && !strstr(pt, desc->name)) {
        silta_err_set(err, SILTA_EINVAL, "payload_type is not %s", desc->name);
        return NULL;
    }
    ProtobufCMessage *m = protobuf_c_message_unpack(desc, NULL, ev->payload.len, ev->payload.data);
    if (!m)
        silta_err_set(err, SILTA_EINVAL, "payload is not a valid %s message", desc->name);
    return m;
}

static void s_write_value(xmlTextWriterPtr w, const ProtobufCFieldDescriptor *f, const void *p);

static void s_write_message(xmlTextWriterPtr w, const ProtobufCMessage *msg)
{
    const ProtobufCMessageDescriptor *d = msg->descriptor;
    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &d->fields[i];
        const char *base = (const char *)msg + f->offset;
        if (f->label == PROTOBUF_C_LABEL_REPEATED) {
            size_t n = *(const size_t *)((const char *)msg + f->quantifier_offset);
            size_t sz = f->type == PROTOBUF_C_TYPE_STRING || f->type == PROTOBUF_C_TYPE_MESSAGE
                            ? sizeof(void *)
                            : f->type == PROTOBUF_C_TYPE_BOOL ? sizeof(protobuf_c_boolean)
                                                              : sizeof(uint32_t);
            const char *arr = *(const char *const *)base;
            for (size_t k = 0; k < n; k++)
                s_write_value(w, f, arr + k * sz);
        } else {
            s_write_value(w, f, base);
        }
    }
}

static void s_write_value(xmlTextWriterPtr w, const ProtobufCFieldDescriptor *f, const void *p)
{
    const xmlChar *name = (const xmlChar *)f->name;
    char num[32];
    switch (f->type) {
    case PROTOBUF_C_TYPE_STRING: {
        const char *s = *(const char *const *)p;
        if (s && *s)
            xmlTextWriterWriteElement(w, name, (const xmlChar *)s);
        break;
    }
    case PROTOBUF_C_TYPE_UINT32:
        if (*(const uint32_t *)p) {
            snprintf(num, sizeof num, "%u", *(const uint32_t *)p);
            xmlTextWriterWriteElement(w, name, (const xmlChar *)num);
        }
        break;
    case PROTOBUF_C_TYPE_BOOL:
        if (*(const protobuf_c_boolean *)p)
            xmlTextWriterWriteElement(w, name, (const xmlChar *)"true");
        break;
    case PROTOBUF_C_TYPE_MESSAGE: {
        const ProtobufCMessage *m = *(const ProtobufCMessage *const *)p;
        if (m) {
            xmlTextWriterStartElement(w, name);
            s_write_message(w, m);
            xmlTextWriterEndElement(w);
        }
        break;
    }
    default:
        break;
    }
}

int silta_batch_render(const char *root, const char *ns, const char *event_id,
                       const ProtobufCMessage *msg, char **out, size_t *len, silta_err_t *err)
{
    xmlBufferPtr buf = xmlBufferCreate();
    xmlTextWriterPtr w = buf ? xmlNewTextWriterMemory(buf, 0) : NULL;
    if (!w) {
        if (buf)
            xmlBufferFree(buf);
        return silta_err_set(err, SILTA_ERR, "out of memory");
    }
    xmlTextWriterSetIndent(w, 1);
    xmlTextWriterSetIndentString(w, (const xmlChar *)"  ");
    int rc = xmlTextWriterStartDocument(w, "1.0", "UTF-8", NULL) < 0 ||
             xmlTextWriterStartElementNS(w, NULL, (const xmlChar *)root, (const xmlChar *)ns) < 0;
    if (!rc) {
        xmlTextWriterWriteElement(w, (const xmlChar *)"event_id", (const xmlChar *)event_id);
        s_write_message(w, msg);
        rc = xmlTextWriterEndDocument(w) < 0;
    }
    xmlFreeTextWriter(w);
    if (!rc) {
        *len = (size_t)xmlBufferLength(buf);
        *out = malloc(*len + 1);
        if (*out)
            memcpy(*out, xmlBufferContent(buf), *len + 1);
        else
            rc = 1;
    }
    xmlBufferFree(buf);
    return rc ? silta_err_set(err, SILTA_ERR, "could not render %s", root) : 0;
}

int silta_batch_write_out(silta_adapter_t *a, const silta_envelope_t *ev,
                          const ProtobufCMessageDescriptor *desc, const char *root,
                          const char *ns, const char *prefix, silta_err_t *reason)
{
    ProtobufCMessage *m = silta_batch_unpack(ev, desc, reason);
    if (!m)
        return SILTA_EINVAL;
    const ProtobufCFieldDescriptor *f = protobuf_c_message_descriptor_get_field_by_name(desc, "hetu");
    const char *hetu = f ? *(char *const *)((const char *)m + f->offset) : NULL;
    int rc = 0;
    if (!hetu || !silta_hetu_valid(hetu)) {
        rc = silta_err_set(reason, SILTA_EINVAL,
                           "%s has no valid identity code: the agency cannot file it", desc->name);
    } else {
        char *xml = NULL, file[160];
        size_t len = 0;
        rc = silta_batch_render(root, ns, ev->event_id, m, &xml, &len, reason);
        snprintf(file, sizeof file, "%s-%s.xml", prefix, ev->event_id);
        if (rc == 0 && silta_spool_write(silta_adapter_spool(a)->outbox, file, xml, len, reason) != 0)
            rc = SILTA_EAGAIN;
        free(xml);
        if (rc == SILTA_ERR)
            rc = SILTA_EAGAIN;
    }
    protobuf_c_message_free_unpacked(m, NULL);
    return rc;
}

/* ------------------------------------------------------------------ XSD dates */

#define S_XSD_NS "http://www.w3.org/2001/XMLSchema"

static int s_xs(xmlNodePtr n, const char *local)
{
    return n && n->type == XML_ELEMENT_NODE && n->ns &&
           strcmp((const char *)n->ns->href, S_XSD_NS) == 0 &&
           strcmp((const char *)n->name, local) == 0;
}

/* The top-level xs:<kind> of the schema named `name`, or NULL. */
static xmlNodePtr s_global(xmlNodePtr schema, const char *kind, const char *name)
{
    for (xmlNodePtr c = schema->children; c; c = c->next) {
        if (!s_xs(c, kind))
            continue;
        xmlChar *n = xmlGetProp(c, (const xmlChar *)"name");
        int hit = n && strcmp((const char *)n, name) == 0;
        xmlFree(n);
        if (hit)
            return c;
    }
    return NULL;
}

/* Resolve the QName in attribute attr of n: 1 when it is xs:date or a named
 * simpleType of the schema that restricts xs:date (depth-limited), with the
 * local name of a schema type in local otherwise. */
static int s_date_type(xmlNodePtr schema, xmlNodePtr n, const char *attr, char *local, size_t lsize,
                       int depth)
{
    local[0] = '\0';
    xmlChar *q = xmlGetProp(n, (const xmlChar *)attr);
    if (!q)
        return 0;
    const char *colon = strchr((const char *)q, ':');
    char prefix[64] = "";
    if (colon)
        snprintf(prefix, sizeof prefix, "%.*s", (int)(colon - (const char *)q), (const char *)q);
    snprintf(local, lsize, "%s", colon ? colon + 1 : (const char *)q);
    xmlFree(q);
    xmlNsPtr ns = xmlSearchNs(n->doc, n, prefix[0] ? (const xmlChar *)prefix : NULL);
    if (ns && strcmp((const char *)ns->href, S_XSD_NS) == 0)
        return strcmp(local, "date") == 0;
    xmlNodePtr st = depth < 8 ? s_global(schema, "simpleType", local) : NULL;
    for (xmlNodePtr c = st ? st->children : NULL; c; c = c->next) {
        char base[128];
        if (s_xs(c, "restriction") && s_date_type(schema, c, "base", base, sizeof base, depth + 1))
            return 1;
    }
    return 0;
}

/* Append the names of the xs:date elements under n to the "|a|b|" list. */
static int s_collect(xmlNodePtr schema, xmlNodePtr n, silta_buf_t *out, int depth)
{
    if (depth > 16)
        return 0;
    for (xmlNodePtr c = n->children; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE)
            continue;
        char local[128];
        int date = 0;
        if (s_xs(c, "element") || s_xs(c, "restriction") || s_xs(c, "extension")) {
            date = s_date_type(schema, c, s_xs(c, "element") ? "type" : "base", local, sizeof local,
                               0);
            xmlNodePtr ct = !date && local[0] ? s_global(schema, "complexType", local) : NULL;
            if (ct)
                s_collect(schema, ct, out, depth + 1);
        }
        if (s_xs(c, "element")) {
            for (xmlNodePtr r = c->children; !date && r; r = r->next)
                for (xmlNodePtr x = s_xs(r, "simpleType") ? r->children : NULL; x; x = x->next)
                    date |= s_xs(x, "restriction") &&
                            s_date_type(schema, x, "base", local, sizeof local, 0);
            xmlChar *name = xmlGetProp(c, (const xmlChar *)"name");
            if (date && name)
                silta_buf_printf(out, "%s|", (const char *)name);
            xmlFree(name);
        }
        s_collect(schema, c, out, depth + 1);
    }
    return 0;
}

static int s_dates(silta_batch_format_t *fmt, const char *xsd, silta_err_t *err)
{
    char *data = NULL;
    size_t len = 0;
    FILE *f = fopen(xsd, "rb");
    if (f) {
        data = malloc(1 << 20);
        len = data ? fread(data, 1, 1 << 20, f) : 0;
        fclose(f);
    }
    xmlDocPtr doc = data && len ? silta_xml_parse_memory(data, len, NULL, err) : NULL;
    free(data);
    if (!doc)
        return silta_err_set(err, SILTA_ERR, "could not read schema %s for its dates", xsd);
    xmlNodePtr schema = xmlDocGetRootElement(doc);
    int rc = 0;
    for (size_t i = 0; i < fmt->nkinds && rc == 0; i++) {
        silta_buf_t b;
        silta_buf_init(&b);
        silta_buf_append(&b, "|", 1);
        xmlNodePtr el = s_global(schema, "element", fmt->kinds[i].element);
        if (el) {
            char local[128];
            if (s_date_type(schema, el, "type", local, sizeof local, 0) == 0 && local[0]) {
                xmlNodePtr ct = s_global(schema, "complexType", local);
                if (ct)
                    s_collect(schema, ct, &b, 0);
            }
            s_collect(schema, el, &b, 0);
        }
        fmt->dates[i] = b.failed || !b.data ? NULL : strdup(b.data);
        silta_buf_free(&b);
        if (!fmt->dates[i])
            rc = silta_err_set(err, SILTA_ERR, "out of memory");
    }
    xmlFreeDoc(doc);
    return rc;
}

const char *silta_batch_date_fields(const silta_batch_format_t *fmt, const char *element)
{
    const silta_batch_kind_t *k = s_kind(fmt, element);
    return k ? fmt->dates[k - fmt->kinds] : NULL;
}

int silta_batch_format_init(silta_batch_format_t *fmt, const char *root, const char *ns,
                            const silta_batch_kind_t *kinds, size_t nkinds, const char *xsd_name,
                            silta_err_t *err)
{
    memset(fmt, 0, sizeof *fmt);
    if (nkinds > SILTA_BATCH_MAX_KINDS)
        return silta_err_set(err, SILTA_ERR, "more than %d record kinds", SILTA_BATCH_MAX_KINDS);
    fmt->root = root;
    fmt->ns = ns;
    fmt->kinds = kinds;
    fmt->nkinds = nkinds;
    const char *v = getenv("SILTA_XML_MAX_DOC");
    fmt->limits.max_doc = v ? (size_t)strtoull(v, NULL, 10) : 0;
    v = getenv("SILTA_XML_MAX_RECORD");
    fmt->limits.max_record = v ? (size_t)strtoull(v, NULL, 10) : 0;
    if (!fmt->limits.max_doc)
        fmt->limits.max_doc = SILTA_XML_MAX_DOC_DEFAULT;
    if (!fmt->limits.max_record)
        fmt->limits.max_record = SILTA_XML_MAX_RECORD_DEFAULT;
    if (fmt->limits.max_record > SILTA_XML_MAX_RECORD_CAP)
        fmt->limits.max_record = SILTA_XML_MAX_RECORD_CAP; /* the reader's cap: one limit */
    char dir[4096], xsd[4096 + 256];
    silta_path("SILTA_SCHEMA_DIR", SILTA_PATH_CONF, "schemas", dir, sizeof dir);
    snprintf(xsd, sizeof xsd, "%s/%.200s", dir, xsd_name);
    fmt->schema = silta_xml_schema_load(xsd, err);
    if (!fmt->schema)
        return SILTA_ERR;
    if (s_dates(fmt, xsd, err) != 0) {
        silta_batch_format_fini(fmt);
        return SILTA_ERR;
    }
    return 0;
}

void silta_batch_format_fini(silta_batch_format_t *fmt)
{
    silta_xml_schema_destroy(&fmt->schema);
    for (size_t i = 0; i < SILTA_BATCH_MAX_KINDS; i++) {
        free(fmt->dates[i]);
        fmt->dates[i] = NULL;
    }
}
