/*  silta_batch.h - ingest an agency XML batch file: stream its records, check
 *  each (size, hetu, XSD), map it to its events.proto message and publish it
 *  through the adapter runtime; a bad record goes to the rejection report and
 *  the rest proceed.
 *
 *  A batch is <root xmlns=NS> followed by record elements. Each record element
 *  names its kind (table below) and its child elements are named after the
 *  fields of the kind's protobuf message (events.proto), so mapping needs no
 *  per-field code: a string field takes the text, uint32 a decimal number,
 *  bool true/false/1/0, a repeated string field every child named after it or
 *  after its singular ("attachments" <- <attachment>). The XSD is the
 *  contract; the mapping trusts only what the XSD validated.
 *
 *  Dates: every element the XSD types as xs:date (directly, through a named
 *  complexType, or through a simpleType restricting xs:date) is found when the
 *  format is loaded, and its text goes through silta_date_from_xsd: a zone
 *  ("2025-03-13Z", "2025-03-13+02:00") is dropped, the calendar day kept, and
 *  an impossible day is a rejected record. So a new date field in the XSD is
 *  normalised without code (silta_date.h says why the day is kept as written).
 *
 *  Record checks, in order (the first failure is reported):
 *    1. size <= limits.max_record            field "-"
 *    2. <hetu> is a valid identity code       field "hetu", the hetu module's reason
 *    3. the XSD, the record element alone     field = the element at fault
 *    4. mapping (dates normalised)            field = the element at fault
 *  Kela and employment use it; silta-health parses FHIR documents instead.
 */
#ifndef SILTA_BATCH_H
#define SILTA_BATCH_H

#include <libxml/tree.h>
#include <protobuf-c/protobuf-c.h>

#include "silta_adapter.h"
#include "silta_xml.h"

typedef struct {
    const char *element;                    /* record element, e.g. "notice" */
    const char *type;                       /* event type, e.g. "kela.notice.v1" */
    const ProtobufCMessageDescriptor *desc; /* payload message */
} silta_batch_kind_t;

#define SILTA_BATCH_MAX_KINDS 16

typedef struct {
    const char *root;             /* root element, e.g. "kela-batch" */
    const char *ns;               /* its namespace, e.g. "urn:silta:kela:1" */
    const silta_batch_kind_t *kinds;
    size_t nkinds;
    silta_xml_limits_t limits;
    silta_xml_schema_t *schema;   /* owned: silta_batch_format_init/fini */
    char *dates[SILTA_BATCH_MAX_KINDS]; /* owned: per kind, "|name|name|" of its xs:date
                                           elements (from the XSD); "|" when none */
} silta_batch_format_t;

/* Fill fmt for a format and load its XSD from $SILTA_SCHEMA_DIR (default
 * <source>/config/schemas)/xsd_name; limits from SILTA_XML_MAX_DOC and
 * SILTA_XML_MAX_RECORD (bytes) or the defaults. Free with
 * silta_batch_format_fini. Returns 0 or SILTA_ERR with err. */
int silta_batch_format_init(silta_batch_format_t *fmt, const char *root, const char *ns,
                            const silta_batch_kind_t *kinds, size_t nkinds, const char *xsd_name,
                            silta_err_t *err);
void silta_batch_format_fini(silta_batch_format_t *fmt);

/* The "|name|name|" list of the xs:date elements of record element `element`
 * (borrowed), or NULL when it is not a kind of fmt. */
const char *silta_batch_date_fields(const silta_batch_format_t *fmt, const char *element);

/* Ingest the file at path (see silta_adapter_ops_t.on_input for the return). */
int silta_batch_ingest(silta_adapter_t *a, const silta_batch_format_t *fmt, const char *path);

/* Fill a fresh message of desc from rec's children; the children named in
 * `dates` ("|name|...|", may be NULL) are xs:date values, normalised to
 * YYYY-MM-DD. Returns the message (protobuf_c_message_free_unpacked(msg,
 * NULL) frees it) or NULL with the element at fault in field and the reason
 * in err. */
ProtobufCMessage *silta_batch_map(xmlNodePtr rec, const ProtobufCMessageDescriptor *desc,
                                  const char *dates, char *field, size_t fsize, silta_err_t *err);

/* Unpack a delivered event's payload as desc (the payload_type must name it
 * when set). Returns the message (protobuf_c_message_free_unpacked) or NULL
 * with a reason fit for a REJECT. */
ProtobufCMessage *silta_batch_unpack(const silta_envelope_t *ev,
                                     const ProtobufCMessageDescriptor *desc, silta_err_t *err);

/* Render msg as an XML document <root xmlns=ns> with <event_id> first, then
 * one child element per set field (named after the field; nested messages as
 * nested elements, repeated fields repeated). Returns 0 and the bytes in *out
 * (caller frees) and *len, or SILTA_ERR. */
int silta_batch_render(const char *root, const char *ns, const char *event_id,
                       const ProtobufCMessage *msg, char **out, size_t *len, silta_err_t *err);

/* The whole outbound step of a file-writing adapter: unpack ev as desc,
 * require a hetu, render as <root xmlns=ns>, write <outbox>/<prefix>-<event_id>.xml
 * atomically. Returns 0 (ACK), SILTA_EINVAL (REJECT with reason) or
 * SILTA_EAGAIN (could not write: leave for redelivery). */
int silta_batch_write_out(silta_adapter_t *a, const silta_envelope_t *ev,
                          const ProtobufCMessageDescriptor *desc, const char *root,
                          const char *ns, const char *prefix, silta_err_t *reason);

#endif
