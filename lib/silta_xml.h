/*  silta_xml.h - libxml2 behind one safe door: hostile-XML policy, a streaming
 *  record reader for batch files, small DOM documents, XSD validation.
 *
 *  Every document that enters Silta from an agency goes through here, so the
 *  policy lives once:
 *    - no network (XML_PARSE_NONET) and no external resource of any kind: the
 *      external-entity loader refuses every URL and file (so an XXE can read
 *      nothing, not even a local file);
 *    - no DTD: a document with a DOCTYPE is refused before libxml2 parses it
 *      (a byte scan of the prolog) and again if the parser ever reports one;
 *      entities are never substituted (no XML_PARSE_NOENT), which together
 *      rules out entity-expansion bombs ("billion laughs");
 *    - UTF-8 (or ASCII), or ISO-8859-1, ISO-8859-15 or windows-1252 when the
 *      XML declaration says so (libxml2 converts them: every string out of
 *      here is UTF-8); nothing that is not ASCII-compatible, so the prolog
 *      scan cannot be fooled by UTF-16. Undeclared bytes that are not UTF-8
 *      are refused with a reason that says how to declare the encoding;
 *    - a size limit per document and per record;
 *    - linear time whatever the markup (docs/security.md, "Hostile input"):
 *      libxml2 2.9 checks each attribute of a start tag against the earlier
 *      ones (quadratic) and rescans an unfinished tag for each chunk it is
 *      pushed, so before libxml2 sees a tag a byte lexer (silta_xmlsplit)
 *      refuses one with more than SILTA_XML_MAX_ATTRS attributes (namespace
 *      declarations count) or longer than SILTA_XML_MAX_TAG bytes; nesting
 *      deeper than 256 is refused by libxml2 itself (XML_PARSE_HUGE is never
 *      set, which also keeps its 10 MB text node and 50,000-byte name limits);
 *    - bounded memory: in a batch, comments, processing instructions, CDATA
 *      and text between the records (and after the root) never reach libxml2,
 *      so memory is that of the largest record whatever else the file holds.
 *  Reasons are short, lowercase and never quote document content (a value may
 *  be a hetu): see silta_xml_redact().
 *
 *  Ownership: readers, schemas and documents returned here are freed with the
 *  matching *_destroy / xmlFreeDoc; strings returned as char * belong to the
 *  caller (free()). Not thread-safe (libxml2's error hooks are per thread, the
 *  external loader is global: call silta_xml_init() once before threads).
 *
 *  Not here: mapping XML to events (silta_batch, the adapters).
 */
#ifndef SILTA_XML_H
#define SILTA_XML_H

#include <libxml/tree.h>
#include <stddef.h>

#include "silta_err.h"

#define SILTA_XML_MAX_DOC_DEFAULT ((size_t)4 << 30)  /* 4 GiB: a nightly batch */
#define SILTA_XML_MAX_RECORD_DEFAULT ((size_t)64 << 10) /* 64 KiB per record */
#define SILTA_XML_MAX_RECORD_CAP ((size_t)8 << 20)      /* 8 MiB: under libxml2's text node limit */
#define SILTA_XML_PROLOG_MAX 65536                     /* bytes before the root element */
/* Attributes per element, namespace declarations included: libxml2's check
 * for duplicates is quadratic in them (10^6 took minutes; 256 takes
 * microseconds). Agency records have a handful, FHIR elements at most 3. */
#define SILTA_XML_MAX_ATTRS 256
/* Bytes of one tag, '<' to '>': bounds libxml2's rescans of an unfinished
 * tag. 256 KiB leaves room for a FHIR Attachment.data value (base64, in an
 * attribute) of ~190 KB; anything longer is a file, not a referral. */
#define SILTA_XML_MAX_TAG ((size_t)256 << 10)

typedef struct {
    size_t max_doc;    /* bytes; 0 = SILTA_XML_MAX_DOC_DEFAULT */
    size_t max_record; /* bytes; 0 = SILTA_XML_MAX_RECORD_DEFAULT */
} silta_xml_limits_t;

typedef struct silta_xml_reader_t silta_xml_reader_t;
typedef struct silta_xml_schema_t silta_xml_schema_t;

/* Install the global policy (external-entity loader that refuses everything,
 * silent generic errors). Idempotent. */
void silta_xml_init(void);

/* Check the first bytes of a document (len may be a prefix): an accepted
 * encoding (above), no DOCTYPE, a root element within SILTA_XML_PROLOG_MAX bytes. `complete` is
 * 1 when buf is the whole document. Returns 0 or SILTA_EINVAL with the reason. */
int silta_xml_check_prolog(const char *buf, size_t len, int complete, silta_err_t *err);

/* Open a batch file for streaming. Returns NULL with err (SILTA_EINVAL: the
 * document is refused; SILTA_ERR: cannot be read). */
silta_xml_reader_t *silta_xml_reader_open(const char *path, const silta_xml_limits_t *limits,
                                          silta_err_t *err);
void silta_xml_reader_destroy(silta_xml_reader_t **self_p);

/* Ask stop(arg) before each 64 KiB read of the file: when it returns non-zero
 * the reading ends and silta_xml_reader_next fails with "stopped" (SIGTERM is
 * honoured mid-file: libxml2's work per read is bounded by the limits above). */
void silta_xml_reader_set_stop(silta_xml_reader_t *self, int (*stop)(void *), void *arg);

/* Local name and namespace of the root element once the first record (or the
 * end) was read; NULL before. Borrowed. */
const char *silta_xml_reader_root(const silta_xml_reader_t *self);
const char *silta_xml_reader_root_ns(const silta_xml_reader_t *self);

/* Advance to the next child element of the root and expand it. Returns 1 with
 * *node (borrowed, valid until the next call) and *bytes (its exact size in
 * the file), 0 at the end of the document, or a negative code with err when
 * the document cannot be read further (not well-formed, DOCTYPE, over the
 * document limit, not in its declared encoding). Text between records is
 * ignored. A record over limits->max_record (capped at
 * SILTA_XML_MAX_RECORD_CAP) is never parsed: *bytes is over the limit and
 * *node an empty placeholder, so the caller checks *bytes first, reports the
 * record and goes on; its time and memory are those of reading past it.
 * libxml2 parses a little ahead of the record it returns (a few KB): a
 * well-formedness error that close after a good record can end the reading
 * before that record is returned; it is then among the unread, never lost
 * silently. */
int silta_xml_reader_next(silta_xml_reader_t *self, xmlNodePtr *node, size_t *bytes,
                          silta_err_t *err);

/* Parse a whole (small) document from memory under the same policy; len over
 * limits->max_doc is refused, and so is a tag over SILTA_XML_MAX_ATTRS or
 * SILTA_XML_MAX_TAG (a linear scan before libxml2 parses; the reason names the
 * limit, the line and the byte offset). Returns a document (xmlFreeDoc) or
 * NULL + err (SILTA_EINVAL: refused). */
xmlDocPtr silta_xml_parse_memory(const char *data, size_t len, const silta_xml_limits_t *limits,
                                 silta_err_t *err);

/* Load an XSD (itself parsed under the same policy; xs:import/include are not
 * followed). Returns NULL with err. */
silta_xml_schema_t *silta_xml_schema_load(const char *path, silta_err_t *err);
void silta_xml_schema_destroy(silta_xml_schema_t **self_p);

/* Validate one element (and its subtree) against the schema; the element must
 * be declared globally. Returns 0, or SILTA_EINVAL with the first problem in
 * err and the local name of the offending element in field (fsize bytes). */
int silta_xml_schema_validate(silta_xml_schema_t *self, xmlNodePtr elem, char *field, size_t fsize,
                              silta_err_t *err);

/* The first child element of node with local name `name` (any namespace), or NULL. */
xmlNodePtr silta_xml_child(xmlNodePtr node, const char *name);

/* The text content of that child (trimmed), malloc'd; NULL when absent. */
char *silta_xml_child_text(xmlNodePtr node, const char *name);

/* The `value` attribute of that child (FHIR style), malloc'd; NULL when absent. */
char *silta_xml_child_value(xmlNodePtr node, const char *name);

/* Rewrite a libxml2 message in place (msg holds size bytes) so it quotes no
 * document content: quoted values become "(value)"; what comes from the
 * schema stays (element names as their local name, facet names, patterns,
 * facet values, enumerations); the trailing newline and full stop go. */
void silta_xml_redact(char *msg, size_t size);

#endif
