/*  health_res.h - one in-memory form for FHIR resources, whatever the wire
 *  format: a jansson json_t in FHIR's JSON shape.
 *
 *  JSON is read by jansson; XML by silta_xml (the hostile-XML policy) and then
 *  converted to the same JSON shape by FHIR's mechanical XML<->JSON rules
 *  (value attributes become primitives, a resource inside <resource> or
 *  <contained> becomes an object with "resourceType"). So the mapping code
 *  (health_map.c) is written once, against json_t, and answers are built as
 *  json_t and written out in whichever format the client asked for.
 *
 *  Converting XML to JSON without the FHIR schema cannot know every
 *  element's cardinality: names known to repeat are always arrays, other
 *  names become arrays only when they repeat. The accessors below therefore
 *  treat "one object" and "an array of objects" alike. Narrative (text.div)
 *  is dropped both ways: Silta never shows it and never writes raw XHTML.
 *
 *  Ownership: json_t values returned by parse / new are the caller's
 *  (json_decref); accessors return borrowed pointers into their argument.
 *  Thread-safe (no shared state) once silta_xml_init() has run.
 */
#ifndef HEALTH_RES_H
#define HEALTH_RES_H

#include <jansson.h>
#include <stddef.h>

#include "silta_err.h"

#define HEALTH_FHIR_NS "http://hl7.org/fhir"
#define HEALTH_HETU_SYSTEM "urn:oid:1.2.246.21"

typedef enum { HEALTH_FMT_JSON = 0, HEALTH_FMT_XML = 1 } health_fmt_t;

/* Parse a FHIR resource. Returns the resource (an object with a string
 * "resourceType") or NULL with SILTA_EINVAL and the reason (not well-formed,
 * DOCTYPE, over max_doc bytes, not a FHIR resource). */
json_t *health_res_parse(const char *data, size_t len, health_fmt_t fmt, size_t max_doc,
                         silta_err_t *err);

/* Write res in fmt (JSON compact; XML indented, namespace on the root).
 * Returns a malloc'd, NUL-terminated text and its length, or NULL. */
char *health_res_dump(const json_t *res, health_fmt_t fmt, size_t *len);

/* The resource type ("ServiceRequest"), or "" when missing. Borrowed. */
const char *health_res_type(const json_t *res);

/* The number of values under key (0 absent, 1 a single value, n an array). */
size_t health_res_count(const json_t *obj, const char *key);
/* The i-th value under key (a single value is index 0), or NULL. Borrowed. */
json_t *health_res_at(const json_t *obj, const char *key, size_t i);
/* Follow a path "a/b/c", taking the first value at each step. Borrowed. */
json_t *health_res_get(const json_t *obj, const char *path);
/* The primitive at path as text: strings as they are, booleans "true" /
 * "false"; NULL when absent or not a string or boolean. Borrowed. */
const char *health_res_str(const json_t *obj, const char *path);

/* A copy of res in FHIR order with its id and meta replaced: resourceType,
 * id, meta (taken over; NULL: none), then the other elements. NULL on
 * out of memory. */
json_t *health_res_with_id(const json_t *res, const char *id, json_t *meta);

/* 1 when s is a FHIR id: [A-Za-z0-9-.]{1,64}. */
int health_res_id_valid(const char *s);

#endif
