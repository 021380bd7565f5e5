/*  silta_xml.c - libxml2 behind one safe door (policy: silta_xml.h).
 *
 *  The streaming reader wraps xmlTextReader over our own read callback, which
 *  takes the file's bytes through silta_xmlsplit: a record over the record
 *  limit reaches libxml2 as an empty placeholder element (so a 12 MiB text
 *  node never becomes a "huge text node" that would end the document), and
 *  each record's true size comes from there. Past the document limit the
 *  callback fails the read and the reader stops with that reason. Each record
 *  (a child element of the root) is expanded on its own and skipped with
 *  xmlTextReaderNext, which frees it, so memory stays bounded by the largest
 *  record, not the file.
 *
 *  Does not: map anything to events, decide what a bad record means.
 */
#include "silta_xml.h"

#include "silta_xmlsplit.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <libxml/parser.h>
#include <libxml/xmlreader.h>
#include <libxml/xmlschemas.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Options for every parse: no network, no entity substitution, no DTD
 * loading or attribute defaults from a DTD, no XML_PARSE_HUGE. */
#define S_OPTIONS (XML_PARSE_NONET | XML_PARSE_NOWARNING | XML_PARSE_NOERROR | XML_PARSE_COMPACT)
#define S_REASON_NOT_UTF8                                                                          \
    "a file in another encoding must declare it in its XML declaration, e.g. <?xml "               \
    "version=\"1.0\" encoding=\"ISO-8859-1\"?> (accepted: UTF-8, ISO-8859-1, ISO-8859-15, "        \
    "windows-1252)"
#define S_REASON_DOCTYPE                                                                         \
    "document type declarations (DOCTYPE) are refused: no DTD, entity or external reference " \
    "is accepted"

struct silta_xml_reader_t {
    xmlTextReaderPtr reader;
    int fd;
    silta_xmlsplit_t *split;
    int positioned;    /* the reader is on a record we returned: skip it next */
    int perr_line;     /* line of the parser's first error, in the file */
    int not_utf8;      /* that error: bytes that are not UTF-8 in an undeclared file */
    silta_xml_limits_t lim;
    char stop[256];    /* why the read callback failed the read */
    char perr[256];    /* the parser's first error */
    char root[128];
    char root_ns[256];
};

struct silta_xml_schema_t {
    xmlSchemaPtr schema;
    xmlSchemaValidCtxtPtr vctxt;
    char first[400];
    char field[128];
    int nerr;
};

static void s_silent(void *ctx, const char *msg, ...)
{
    (void)ctx;
    (void)msg;
}

static xmlParserInputPtr s_refuse_loader(const char *url, const char *id, xmlParserCtxtPtr ctxt)
{
    (void)url;
    (void)id;
    (void)ctxt;
    return NULL; /* no file, no URL, no catalog: nothing outside the document is read */
}

void silta_xml_init(void)
{
    static int done;
    if (done)
        return;
    done = 1;
    xmlInitParser();
    xmlSetExternalEntityLoader(s_refuse_loader);
    xmlSetGenericErrorFunc(NULL, s_silent);
}

/* Quoted text is kept after "Element", "attribute", "facet" and "type" (names
 * from the schema, with any {namespace} dropped), after "pattern" and in
 * "allowed ('...')" / "than '...'" (a facet's value from the schema), inside
 * {...} (an enumeration's allowed values) and when it is a short number (a
 * length); any other quoted text is document content and becomes "(value)".
 * Document content may hold a quote itself (O'Brien): it ends at the first
 * "' is ", "' has ", "' must " or "' does " (how libxml2 goes on after a
 * value), else at the next quote, so a quote in it never leaks the rest. */
static const char *s_value_end(const char *v)
{
    static const char *after[] = {"' is ", "' has ", "' must ", "' does ", NULL};
    const char *end = NULL;
    for (int i = 0; after[i]; i++) {
        const char *e = strstr(v, after[i]);
        if (e && (!end || e < end))
            end = e;
    }
    return end ? end : strchr(v, '\'');
}

void silta_xml_redact(char *msg, size_t size)
{
    static const char *keep[] = {"Element ", "element ", "attribute ", "facet ", "type ",
                                 "pattern ", "allowed (", "than ", NULL};
    char out[1024];
    size_t w = 0;
    const char *r = msg;
    int in_set = 0; /* inside {...}: an enumeration from the schema */
    while (*r && w < sizeof out - 16) {
        if (*r != '\'') {
            in_set = *r == '{' ? 1 : *r == '}' ? 0 : in_set;
            out[w++] = *r++;
            continue;
        }
        const char *q = strchr(r + 1, '\'');
        if (!q) {
            out[w++] = *r++;
            continue;
        }
        int named = 0;
        for (int i = 0; keep[i]; i++) {
            size_t k = strlen(keep[i]);
            if ((size_t)(r - msg) >= k && strncmp(r - k, keep[i], k) == 0)
                named = 1;
        }
        const char *v = r + 1;
        size_t n = (size_t)(q - v);
        int number = n > 0 && n <= 4 && strspn(v, "0123456789") >= n;
        if (!named && !in_set)
            q = s_value_end(v); /* document content: through any quote inside it */
        if (named || in_set || (number && q == v + n)) {
            if (named && *v == '{' && memchr(v, '}', n)) {
                const char *cb = memchr(v, '}', n);
                n -= (size_t)(cb + 1 - v);
                v = cb + 1;
            }
            if (n > sizeof out - w - 16)
                n = sizeof out - w - 16;
            out[w++] = '\'';
            memcpy(out + w, v, n);
            w += n;
            out[w++] = '\'';
        } else {
            memcpy(out + w, "(value)", 7);
            w += 7;
        }
        r = q + 1;
    }
    while (w > 0 && (out[w - 1] == '\n' || out[w - 1] == ' ' || out[w - 1] == '.'))
        w--;
    if (size == 0)
        return;
    if (w >= size)
        w = size - 1;
    memcpy(msg, out, w);
    msg[w] = '\0';
}

/* ------------------------------------------------------------------ prolog */

static const char *s_find(const char *p, const char *end, const char *needle)
{
    size_t n = strlen(needle);
    for (; p + n <= end; p++)
        if (memcmp(p, needle, n) == 0)
            return p;
    return NULL;
}

/* The encodings a document may declare: UTF-8 (and its ASCII subset), and the
 * single-byte Latin encodings Finnish agency systems still write, which
 * libxml2 converts to UTF-8 while parsing (ISO-8859-1 natively, ISO-8859-15
 * and windows-1252 through its tables or iconv). All are ASCII-compatible, so
 * the byte scans here and in silta_xmlsplit hold. */
static int s_encoding_ok(const char *decl, const char *end)
{
    static const char *ok[] = {"utf-8",        "utf8",   "us-ascii",    "ascii",
                               "iso-8859-1",   "latin1", "iso-8859-15", "latin-9",
                               "windows-1252", "cp1252", NULL};
    const char *e = s_find(decl, end, "encoding");
    if (!e)
        return 1;
    e += 8;
    while (e < end && (*e == ' ' || *e == '='))
        e++;
    if (e >= end || (*e != '"' && *e != '\''))
        return 0;
    char q = *e++;
    const char *v = e;
    while (e < end && *e != q)
        e++;
    size_t n = (size_t)(e - v);
    for (int i = 0; ok[i]; i++)
        if (n == strlen(ok[i]) && strncasecmp(v, ok[i], n) == 0)
            return 1;
    return 0;
}

int silta_xml_check_prolog(const char *buf, size_t len, int complete, silta_err_t *err)
{
    const char *p = buf, *end = buf + len;
    if (len >= 3 && (unsigned char)p[0] == 0xEF && (unsigned char)p[1] == 0xBB &&
        (unsigned char)p[2] == 0xBF)
        p += 3;
    else if (len >= 2 && (((unsigned char)p[0] == 0xFE && (unsigned char)p[1] == 0xFF) ||
                          ((unsigned char)p[0] == 0xFF && (unsigned char)p[1] == 0xFE)))
        return silta_err_set(err, SILTA_EINVAL,
                             "UTF-16 documents are not accepted (UTF-8, ISO-8859-1, "
                             "ISO-8859-15 or windows-1252, declared)");
    for (;;) {
        while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
            p++;
        if (p >= end || end - p < 2) {
            if (complete)
                return silta_err_set(err, SILTA_EINVAL, "not an XML document: no root element");
            return silta_err_set(err, SILTA_EINVAL,
                                 "no root element within the first %d bytes", SILTA_XML_PROLOG_MAX);
        }
        if (*p != '<')
            return silta_err_set(err, SILTA_EINVAL,
                                 "not an XML document (or not UTF-8): text before the root element");
        const char *close = NULL;
        size_t skip = 2;
        if (p[1] == '?') {
            close = s_find(p, end, "?>");
            if (close && strncmp(p, "<?xml ", 6) == 0 && !s_encoding_ok(p, close))
                return silta_err_set(err, SILTA_EINVAL,
                                     "the declared encoding is not accepted (accepted: UTF-8, "
                                     "ISO-8859-1, ISO-8859-15, windows-1252)");
        } else if (p[1] == '!') {
            if (end - p >= 9 && strncasecmp(p, "<!DOCTYPE", 9) == 0)
                return silta_err_set(err, SILTA_EINVAL, S_REASON_DOCTYPE);
            if (end - p >= 4 && strncmp(p, "<!--", 4) == 0) {
                close = s_find(p + 4, end, "-->");
                skip = 3;
            }
            else
                return silta_err_set(err, SILTA_EINVAL, "unexpected markup before the root element");
        } else if (isalpha((unsigned char)p[1]) || p[1] == '_' || p[1] == ':') {
            return 0;
        } else {
            return silta_err_set(err, SILTA_EINVAL,
                                 "not an XML document (or not UTF-8): no root element");
        }
        if (!close)
            return silta_err_set(err, SILTA_EINVAL,
                                 complete ? "not an XML document: unterminated prolog"
                                          : "no root element within the first 65536 bytes");
        p = close + skip;
    }
}

/* ------------------------------------------------------------------ reader */

static void s_capture(void *arg, xmlErrorPtr e)
{
    char *dst = arg;
    if (dst[0] || !e || e->level < XML_ERR_ERROR)
        return;
    snprintf(dst, 256, "line %d: %s", e->line, e->message ? e->message : "parse error");
    silta_xml_redact(dst, 256);
}

static void s_reader_errors(void *arg, xmlErrorPtr e)
{
    silta_xml_reader_t *r = arg;
    if (r->perr[0] || !e || e->level < XML_ERR_ERROR)
        return;
    /* The file's line: the parser did not see the lines of skipped records. */
    r->perr_line = e->line + (int)silta_xmlsplit_lines_dropped(r->split);
    if ((e->code == XML_ERR_INVALID_CHAR || e->code == XML_ERR_INVALID_ENCODING) && e->message &&
        strstr(e->message, "UTF-8")) {
        r->not_utf8 = 1;
        snprintf(r->perr, sizeof r->perr, "%s", S_REASON_NOT_UTF8);
        return;
    }
    snprintf(r->perr, sizeof r->perr, "%s", e->message ? e->message : "parse error");
    silta_xml_redact(r->perr, sizeof r->perr);
}

static int s_read(void *ctx, char *buf, int len)
{
    silta_xml_reader_t *r = ctx;
    if (r->stop[0])
        return -1;
    int n = silta_xmlsplit_read(r->split, buf, len);
    if (n < 0) {
        const char *why = silta_xmlsplit_error(r->split);
        if (why)
            snprintf(r->stop, sizeof r->stop, "%s", why);
        else
            snprintf(r->stop, sizeof r->stop, "read failed: %s", strerror(errno));
        return -1;
    }
    if (silta_xmlsplit_total(r->split) > r->lim.max_doc) {
        snprintf(r->stop, sizeof r->stop, "document is larger than the limit of %zu bytes",
                 r->lim.max_doc);
        return -1;
    }
    return n;
}

static int s_close_cb(void *ctx)
{
    (void)ctx;
    return 0;
}

static void s_limits(silta_xml_limits_t *dst, const silta_xml_limits_t *src)
{
    dst->max_doc = src && src->max_doc ? src->max_doc : SILTA_XML_MAX_DOC_DEFAULT;
    dst->max_record = src && src->max_record ? src->max_record : SILTA_XML_MAX_RECORD_DEFAULT;
    if (dst->max_record > SILTA_XML_MAX_RECORD_CAP)
        dst->max_record = SILTA_XML_MAX_RECORD_CAP;
}

static silta_xmlsplit_limits_t s_split_limits(size_t max_record)
{
    silta_xmlsplit_limits_t l = {max_record, SILTA_XML_MAX_ATTRS, SILTA_XML_MAX_TAG};
    return l;
}

silta_xml_reader_t *silta_xml_reader_open(const char *path, const silta_xml_limits_t *limits,
                                          silta_err_t *err)
{
    silta_xml_init();
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        silta_err_set(err, SILTA_ERR, "could not open file: %s", strerror(errno));
        return NULL;
    }
    silta_xml_reader_t *r = calloc(1, sizeof *r);
    char *head = malloc(SILTA_XML_PROLOG_MAX);
    if (!r || !head) {
        free(r);
        free(head);
        close(fd);
        silta_err_set(err, SILTA_ERR, "out of memory");
        return NULL;
    }
    r->fd = fd;
    s_limits(&r->lim, limits);
    ssize_t n = pread(fd, head, SILTA_XML_PROLOG_MAX, 0);
    struct stat st = {0};
    int rc = n < 0 || fstat(fd, &st) != 0
                 ? silta_err_set(err, SILTA_ERR, "could not read file: %s", strerror(errno))
                 : silta_xml_check_prolog(head, (size_t)n, (off_t)n >= st.st_size, err);
    free(head);
    if (rc == 0 && (size_t)st.st_size > r->lim.max_doc)
        rc = silta_err_set(err, SILTA_EINVAL, "document is larger than the limit of %zu bytes",
                           r->lim.max_doc);
    silta_xmlsplit_limits_t sl = s_split_limits(r->lim.max_record);
    if (rc == 0 && !(r->split = silta_xmlsplit_new(fd, &sl)))
        rc = silta_err_set(err, SILTA_ERR, "out of memory");
    if (rc == 0) {
        r->reader = xmlReaderForIO(s_read, s_close_cb, r, NULL, NULL, S_OPTIONS);
        if (!r->reader)
            rc = silta_err_set(err, SILTA_ERR, "could not create an XML reader");
    }
    if (rc != 0) {
        silta_xmlsplit_destroy(&r->split);
        close(fd);
        free(r);
        return NULL;
    }
    xmlTextReaderSetStructuredErrorHandler(r->reader, s_reader_errors, r);
    return r;
}

void silta_xml_reader_destroy(silta_xml_reader_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    silta_xml_reader_t *r = *self_p;
    if (r->reader)
        xmlFreeTextReader(r->reader);
    silta_xmlsplit_destroy(&r->split);
    if (r->fd >= 0)
        close(r->fd);
    free(r);
    *self_p = NULL;
}

void silta_xml_reader_set_stop(silta_xml_reader_t *self, int (*stop)(void *), void *arg)
{
    silta_xmlsplit_set_stop(self->split, stop, arg);
}

const char *silta_xml_reader_root(const silta_xml_reader_t *self)
{
    return self->root[0] ? self->root : NULL;
}

const char *silta_xml_reader_root_ns(const silta_xml_reader_t *self)
{
    return self->root[0] ? self->root_ns : NULL;
}

static int s_fail(silta_xml_reader_t *r, silta_err_t *err)
{
    if (r->stop[0])
        return silta_err_set(err, SILTA_EINVAL, "%s", r->stop);
    if (r->not_utf8)
        return silta_err_set(err, SILTA_EINVAL, "the file is not UTF-8 (line %d): %s", r->perr_line,
                             r->perr);
    if (r->perr[0])
        return silta_err_set(err, SILTA_EINVAL,
                             "the file is malformed at line %d (not well-formed XML): %s",
                             r->perr_line, r->perr);
    return silta_err_set(err, SILTA_EINVAL, "the file is malformed (not well-formed XML)");
}

int silta_xml_reader_next(silta_xml_reader_t *self, xmlNodePtr *node, size_t *bytes,
                          silta_err_t *err)
{
    xmlTextReaderPtr rd = self->reader;
    int ret;
    if (self->positioned) {
        self->positioned = 0;
        ret = xmlTextReaderNext(rd);
    } else {
        ret = xmlTextReaderRead(rd);
    }
    for (; ret == 1; ret = xmlTextReaderRead(rd)) {
        int type = xmlTextReaderNodeType(rd);
        int depth = xmlTextReaderDepth(rd);
        if (type == XML_READER_TYPE_DOCUMENT_TYPE)
            return silta_err_set(err, SILTA_EINVAL, S_REASON_DOCTYPE);
        if (type == XML_READER_TYPE_ENTITY_REFERENCE)
            return silta_err_set(err, SILTA_EINVAL, "entity references are refused");
        if (type != XML_READER_TYPE_ELEMENT)
            continue;
        if (depth == 0) {
            const xmlChar *ln = xmlTextReaderConstLocalName(rd);
            const xmlChar *ns = xmlTextReaderConstNamespaceUri(rd);
            snprintf(self->root, sizeof self->root, "%s", ln ? (const char *)ln : "?");
            snprintf(self->root_ns, sizeof self->root_ns, "%s", ns ? (const char *)ns : "");
            continue;
        }
        if (depth != 1)
            continue; /* cannot happen: records are skipped whole */
        xmlNodePtr n = xmlTextReaderExpand(rd);
        /* A parse error read ahead, after this record's end (the parser built
         * a node after it), does not spoil the record: it is returned, and the
         * error comes with the next. */
        if (!n || self->stop[0] || (self->perr[0] && !n->next))
            return s_fail(self, err);
        size_t size = 0;
        int over = 0;
        if (silta_xmlsplit_next_record(self->split, &size, &over) != 1)
            return silta_err_set(err, SILTA_ERR, "record boundaries lost"); /* cannot happen */
        *node = n;
        *bytes = over && size <= self->lim.max_record ? self->lim.max_record + 1 : size;
        self->positioned = 1;
        return 1;
    }
    if (ret < 0 || self->stop[0] || self->perr[0])
        return s_fail(self, err);
    if (!self->root[0])
        return silta_err_set(err, SILTA_EINVAL, "not an XML document: no root element");
    return 0;
}

/* ------------------------------------------------------------------ DOM */

xmlDocPtr silta_xml_parse_memory(const char *data, size_t len, const silta_xml_limits_t *limits,
                                 silta_err_t *err)
{
    silta_xml_init();
    silta_xml_limits_t lim;
    s_limits(&lim, limits);
    if (len > lim.max_doc || len > (size_t)INT32_MAX) {
        silta_err_set(err, SILTA_EINVAL, "document is larger than the limit of %zu bytes",
                      lim.max_doc);
        return NULL;
    }
    if (silta_xml_check_prolog(data, len < SILTA_XML_PROLOG_MAX ? len : SILTA_XML_PROLOG_MAX,
                               len <= SILTA_XML_PROLOG_MAX, err) != 0)
        return NULL;
    silta_xmlsplit_limits_t sl = s_split_limits(lim.max_record);
    char why[256];
    if (silta_xmlsplit_check(data, len, &sl, why, sizeof why) != 0) {
        silta_err_set(err, strcmp(why, "out of memory") == 0 ? SILTA_ERR : SILTA_EINVAL, "%s",
                      why);
        return NULL;
    }
    xmlParserCtxtPtr ctxt = xmlNewParserCtxt();
    if (!ctxt) {
        silta_err_set(err, SILTA_ERR, "out of memory");
        return NULL;
    }
    char perr[256] = "";
    xmlSetStructuredErrorFunc(perr, s_capture);
    xmlDocPtr doc = xmlCtxtReadMemory(ctxt, data, (int)len, NULL, NULL, S_OPTIONS);
    xmlSetStructuredErrorFunc(NULL, NULL);
    int wf = ctxt->wellFormed;
    xmlFreeParserCtxt(ctxt);
    if (doc && (doc->intSubset || doc->extSubset)) {
        xmlFreeDoc(doc);
        silta_err_set(err, SILTA_EINVAL, S_REASON_DOCTYPE);
        return NULL;
    }
    if (!doc || !wf || !xmlDocGetRootElement(doc)) {
        if (doc)
            xmlFreeDoc(doc);
        silta_err_set(err, SILTA_EINVAL, "not well-formed XML: %s", perr[0] ? perr : "no root");
        return NULL;
    }
    return doc;
}

/* ------------------------------------------------------------------ XSD */

static void s_schema_error(void *arg, xmlErrorPtr e)
{
    silta_xml_schema_t *s = arg;
    if (!e || s->nerr++)
        return;
    snprintf(s->first, sizeof s->first, "%s", e->message ? e->message : "invalid");
    silta_xml_redact(s->first, sizeof s->first);
    xmlNodePtr n = e->node;
    snprintf(s->field, sizeof s->field, "%s",
             n && n->type == XML_ELEMENT_NODE && n->name ? (const char *)n->name : "-");
}

silta_xml_schema_t *silta_xml_schema_load(const char *path, silta_err_t *err)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        silta_err_set(err, SILTA_ERR, "could not open schema %s: %s", path, strerror(errno));
        return NULL;
    }
    char *data = malloc(1 << 20);
    size_t n = data ? fread(data, 1, 1 << 20, f) : 0;
    fclose(f);
    if (!data || n == 0 || n == 1 << 20) {
        free(data);
        silta_err_set(err, SILTA_ERR, "could not read schema %s (empty or over 1 MiB)", path);
        return NULL;
    }
    xmlDocPtr doc = silta_xml_parse_memory(data, n, NULL, err);
    free(data);
    if (!doc)
        return NULL;
    silta_xml_schema_t *s = calloc(1, sizeof *s);
    xmlSchemaParserCtxtPtr pc = xmlSchemaNewDocParserCtxt(doc);
    if (s && pc) {
        xmlSchemaSetParserStructuredErrors(pc, s_schema_error, s);
        s->schema = xmlSchemaParse(pc);
    }
    if (pc)
        xmlSchemaFreeParserCtxt(pc);
    xmlFreeDoc(doc);
    if (s && s->schema)
        s->vctxt = xmlSchemaNewValidCtxt(s->schema);
    if (!s || !s->vctxt) {
        silta_err_set(err, SILTA_ERR, "could not load schema %s: %s", path,
                      s && s->first[0] ? s->first : "invalid schema");
        silta_xml_schema_destroy(&s);
        return NULL;
    }
    xmlSchemaSetValidStructuredErrors(s->vctxt, s_schema_error, s);
    return s;
}

void silta_xml_schema_destroy(silta_xml_schema_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    silta_xml_schema_t *s = *self_p;
    if (s->vctxt)
        xmlSchemaFreeValidCtxt(s->vctxt);
    if (s->schema)
        xmlSchemaFree(s->schema);
    free(s);
    *self_p = NULL;
}

int silta_xml_schema_validate(silta_xml_schema_t *self, xmlNodePtr elem, char *field, size_t fsize,
                              silta_err_t *err)
{
    self->nerr = 0;
    self->first[0] = self->field[0] = '\0';
    int rc = xmlSchemaValidateOneElement(self->vctxt, elem);
    if (rc == 0)
        return 0;
    if (field)
        snprintf(field, fsize, "%s", self->field[0] ? self->field : "-");
    return silta_err_set(err, SILTA_EINVAL, "%s",
                         self->first[0] ? self->first : "does not match the schema");
}

/* ------------------------------------------------------------------ helpers */

xmlNodePtr silta_xml_child(xmlNodePtr node, const char *name)
{
    for (xmlNodePtr c = node ? node->children : NULL; c; c = c->next)
        if (c->type == XML_ELEMENT_NODE && strcmp((const char *)c->name, name) == 0)
            return c;
    return NULL;
}

static char *s_trimmed(xmlChar *s)
{
    if (!s)
        return NULL;
    char *b = (char *)s, *e = b + strlen(b);
    while (*b && isspace((unsigned char)*b))
        b++;
    while (e > b && isspace((unsigned char)e[-1]))
        e--;
    char *out = strndup(b, (size_t)(e - b));
    xmlFree(s);
    return out;
}

char *silta_xml_child_text(xmlNodePtr node, const char *name)
{
    xmlNodePtr c = silta_xml_child(node, name);
    return c ? s_trimmed(xmlNodeGetContent(c)) : NULL;
}

char *silta_xml_child_value(xmlNodePtr node, const char *name)
{
    xmlNodePtr c = silta_xml_child(node, name);
    return c ? s_trimmed(xmlGetProp(c, (const xmlChar *)"value")) : NULL;
}
