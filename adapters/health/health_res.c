/*  health_res.c - FHIR resources as json_t, read from and written to JSON
 *  (jansson) and XML (libxml2 through silta_xml). Contract: health_res.h.
 *
 *  The XML <-> JSON rules are FHIR's own (R4 "XML Representation" / "JSON
 *  Representation"): <x value="v"/> <-> "x": "v"; a resource is an element
 *  named after its type inside its container (<resource><Patient>..) <->
 *  an object with "resourceType"; extension's url and an element's id are
 *  attributes in XML. Primitive extensions ("_x") and narrative are dropped.
 */
#include "health_res.h"

#include "silta_xml.h"

#include <ctype.h>
#include <libxml/xmlwriter.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_XHTML_NS "http://www.w3.org/1999/xhtml"

/* Element names that are lists wherever Silta reads them (ServiceRequest,
 * Patient, Bundle and their data types): arrays even when they occur once,
 * as FHIR JSON writes them. */
static const char *const s_lists[] = {
    "identifier", "extension", "modifierExtension", "contained", "coding", "reasonCode",
    "reasonReference", "reason", "note", "basedOn", "replaces", "category", "orderDetail",
    "performer", "locationCode", "locationReference", "insurance", "supportingInfo", "specimen",
    "bodySite", "relevantHistory", "instantiatesCanonical", "instantiatesUri", "entry", "link",
    "name", "telecom", "address", "given", "prefix", "suffix", "line", "contact",
    "communication", "generalPractitioner", "issue", "profile", "security", "tag", NULL};

static int s_is_list(const char *name)
{
    for (int i = 0; s_lists[i]; i++)
        if (strcmp(s_lists[i], name) == 0)
            return 1;
    return 0;
}

/* ------------------------------------------------------------------ accessors */

const char *health_res_type(const json_t *res)
{
    const char *t = json_string_value(json_object_get(res, "resourceType"));
    return t ? t : "";
}

size_t health_res_count(const json_t *obj, const char *key)
{
    json_t *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;
    if (!v || json_is_null(v))
        return 0;
    return json_is_array(v) ? json_array_size(v) : 1;
}

json_t *health_res_at(const json_t *obj, const char *key, size_t i)
{
    json_t *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;
    if (!v || json_is_null(v))
        return NULL;
    if (json_is_array(v))
        return json_array_get(v, i);
    return i == 0 ? v : NULL;
}

json_t *health_res_get(const json_t *obj, const char *path)
{
    char buf[160];
    snprintf(buf, sizeof buf, "%s", path);
    json_t *cur = (json_t *)obj;
    char *save = NULL;
    for (char *part = strtok_r(buf, "/", &save); part && cur; part = strtok_r(NULL, "/", &save))
        cur = health_res_at(cur, part, 0);
    return cur;
}

const char *health_res_str(const json_t *obj, const char *path)
{
    json_t *v = health_res_get(obj, path);
    if (json_is_string(v))
        return json_string_value(v);
    if (json_is_boolean(v))
        return json_is_true(v) ? "true" : "false";
    return NULL;
}

int health_res_id_valid(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n == 0 || n > 64)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)s[i]) && s[i] != '-' && s[i] != '.')
            return 0;
    return 1;
}

json_t *health_res_with_id(const json_t *res, const char *id, json_t *meta)
{
    json_t *out = json_object();
    if (!out) {
        json_decref(meta);
        return NULL;
    }
    json_object_set_new(out, "resourceType", json_string(health_res_type(res)));
    json_object_set_new(out, "id", json_string(id));
    if (meta)
        json_object_set_new(out, "meta", meta);
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)res, key, v)
    {
        if (strcmp(key, "resourceType") != 0 && strcmp(key, "id") != 0 && strcmp(key, "meta") != 0)
            json_object_set(out, key, v);
    }
    return out;
}

/* ------------------------------------------------------------------ XML -> json */

static int s_fhir_element(xmlNodePtr n)
{
    return n && n->type == XML_ELEMENT_NODE && n->ns &&
           strcmp((const char *)n->ns->href, HEALTH_FHIR_NS) == 0;
}

static json_t *s_element(xmlNodePtr el);

static json_t *s_string(const xmlChar *v)
{
    const char *s = (const char *)v;
    if (strcmp(s, "true") == 0)
        return json_true();
    if (strcmp(s, "false") == 0)
        return json_false();
    return json_string(s); /* NULL for invalid UTF-8 (silta_xml already refuses it) */
}

static void s_add(json_t *obj, const char *key, json_t *value)
{
    json_t *have = json_object_get(obj, key);
    if (json_is_array(have)) {
        json_array_append_new(have, value);
    } else if (have) {
        json_t *arr = json_array();
        json_array_append(arr, have);
        json_array_append_new(arr, value);
        json_object_set_new(obj, key, arr);
    } else if (s_is_list(key) &&
               (strcmp(key, "identifier") != 0 || json_object_get(obj, "resourceType"))) {
        /* Reference.identifier is one Identifier; a resource's are a list */
        json_t *arr = json_array();
        json_array_append_new(arr, value);
        json_object_set_new(obj, key, arr);
    } else {
        json_object_set_new(obj, key, value);
    }
}

/* Attributes (id, url) and FHIR child elements of el into obj. */
static void s_fill(json_t *obj, xmlNodePtr el, int resource)
{
    static const char *const attrs[] = {"id", "url", NULL};
    for (int i = resource ? 2 : 0; attrs[i]; i++) {
        xmlChar *v = xmlGetProp(el, (const xmlChar *)attrs[i]);
        if (v)
            json_object_set_new(obj, attrs[i], json_string((const char *)v));
        xmlFree(v);
    }
    for (xmlNodePtr c = el->children; c; c = c->next) {
        if (!s_fhir_element(c))
            continue; /* comments, text, XHTML narrative */
        const char *key = (const char *)c->name;
        if (strcmp(key, "text") == 0 && !xmlHasProp(c, (const xmlChar *)"value"))
            continue; /* Narrative: never read, never echoed */
        json_t *v = s_element(c);
        if (v)
            s_add(obj, key, v);
    }
}

static json_t *s_resource(xmlNodePtr el)
{
    json_t *obj = json_object();
    json_object_set_new(obj, "resourceType", json_string((const char *)el->name));
    s_fill(obj, el, 1); /* a resource's id is an element, not an attribute */
    return obj;
}

static json_t *s_element(xmlNodePtr el)
{
    xmlChar *v = xmlGetProp(el, (const xmlChar *)"value");
    if (v) {
        json_t *p = s_string(v); /* extensions of a primitive are dropped */
        xmlFree(v);
        return p;
    }
    xmlNodePtr only = NULL;
    int n = 0;
    for (xmlNodePtr c = el->children; c; c = c->next)
        if (s_fhir_element(c)) {
            only = c;
            n++;
        }
    if (n == 1 && isupper((unsigned char)only->name[0]))
        return s_resource(only); /* <resource><Patient>...</Patient></resource> */
    json_t *obj = json_object();
    s_fill(obj, el, 0);
    return obj;
}

static json_t *s_parse_xml(const char *data, size_t len, size_t max_doc, silta_err_t *err)
{
    silta_xml_limits_t lim = {max_doc, max_doc};
    xmlDocPtr doc = silta_xml_parse_memory(data, len, &lim, err);
    if (!doc)
        return NULL;
    xmlNodePtr root = xmlDocGetRootElement(doc);
    json_t *res = NULL;
    if (!s_fhir_element(root) || !isupper((unsigned char)root->name[0]))
        silta_err_set(err, SILTA_EINVAL, "not a FHIR resource: the root element must be a "
                                         "resource in namespace " HEALTH_FHIR_NS);
    else
        res = s_resource(root);
    xmlFreeDoc(doc);
    return res;
}

static json_t *s_parse_json(const char *data, size_t len, size_t max_doc, silta_err_t *err)
{
    if (len > max_doc) {
        silta_err_set(err, SILTA_EINVAL, "document is larger than the limit of %zu bytes",
                      max_doc);
        return NULL;
    }
    json_error_t je;
    json_t *res = json_loadb(data, len, JSON_REJECT_DUPLICATES, &je);
    if (!res) {
        /* je.text may end in "near '<token>'": the token could be a hetu, and
         * reasons never quote document content (as silta_xml_redact for XML). */
        char *near = strstr(je.text, " near ");
        if (near)
            *near = '\0';
        silta_err_set(err, SILTA_EINVAL, "not well-formed JSON at line %d column %d: %s",
                      je.line, je.column, je.text);
        return NULL;
    }
    const char *t = json_string_value(json_object_get(res, "resourceType"));
    if (!json_is_object(res) || !t || !isupper((unsigned char)t[0])) {
        json_decref(res);
        silta_err_set(err, SILTA_EINVAL, "not a FHIR resource: a JSON object with a "
                                         "\"resourceType\" is expected");
        return NULL;
    }
    return res;
}

json_t *health_res_parse(const char *data, size_t len, health_fmt_t fmt, size_t max_doc,
                         silta_err_t *err)
{
    return fmt == HEALTH_FMT_XML ? s_parse_xml(data, len, max_doc, err)
                                 : s_parse_json(data, len, max_doc, err);
}

/* ------------------------------------------------------------------ json -> XML */

static void s_write(xmlTextWriterPtr w, const char *key, const json_t *v, int in_ext);

static void s_write_fields(xmlTextWriterPtr w, const json_t *obj, int resource, int ext)
{
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)obj, key, v)
    {
        if (strcmp(key, "resourceType") == 0 || key[0] == '_' ||
            (strcmp(key, "text") == 0 && json_is_object(v)))
            continue; /* the element name; primitive extensions; narrative */
        if (!resource && strcmp(key, "id") == 0)
            continue; /* written as an attribute */
        if (ext && strcmp(key, "url") == 0)
            continue;
        s_write(w, key, v, strcmp(key, "extension") == 0 || strcmp(key, "modifierExtension") == 0);
    }
}

static void s_write(xmlTextWriterPtr w, const char *key, const json_t *v, int in_ext)
{
    char num[64];
    const char *text = NULL;
    switch (json_typeof(v)) {
    case JSON_ARRAY:
        for (size_t i = 0; i < json_array_size(v); i++)
            s_write(w, key, json_array_get(v, i), in_ext);
        return;
    case JSON_OBJECT: {
        const char *rt = json_string_value(json_object_get(v, "resourceType"));
        xmlTextWriterStartElement(w, (const xmlChar *)key);
        if (rt) {
            xmlTextWriterStartElement(w, (const xmlChar *)rt);
            s_write_fields(w, v, 1, 0);
            xmlTextWriterEndElement(w);
        } else {
            const char *id = json_string_value(json_object_get(v, "id"));
            const char *url = in_ext ? json_string_value(json_object_get(v, "url")) : NULL;
            if (id)
                xmlTextWriterWriteAttribute(w, (const xmlChar *)"id", (const xmlChar *)id);
            if (url)
                xmlTextWriterWriteAttribute(w, (const xmlChar *)"url", (const xmlChar *)url);
            s_write_fields(w, v, 0, in_ext);
        }
        xmlTextWriterEndElement(w);
        return;
    }
    case JSON_STRING:
        text = json_string_value(v);
        break;
    case JSON_INTEGER:
        snprintf(num, sizeof num, "%lld", (long long)json_integer_value(v));
        text = num;
        break;
    case JSON_REAL:
        snprintf(num, sizeof num, "%.15g", json_real_value(v));
        text = num;
        break;
    case JSON_TRUE:
        text = "true";
        break;
    case JSON_FALSE:
        text = "false";
        break;
    default:
        return;
    }
    xmlTextWriterStartElement(w, (const xmlChar *)key);
    xmlTextWriterWriteAttribute(w, (const xmlChar *)"value", (const xmlChar *)text);
    xmlTextWriterEndElement(w);
}

static char *s_dump_xml(const json_t *res, size_t *len)
{
    xmlBufferPtr buf = xmlBufferCreate();
    xmlTextWriterPtr w = buf ? xmlNewTextWriterMemory(buf, 0) : NULL;
    if (!w) {
        if (buf)
            xmlBufferFree(buf);
        return NULL;
    }
    xmlTextWriterSetIndent(w, 1);
    xmlTextWriterSetIndentString(w, (const xmlChar *)"  ");
    xmlTextWriterStartDocument(w, "1.0", "UTF-8", NULL);
    xmlTextWriterStartElementNS(w, NULL, (const xmlChar *)health_res_type(res),
                                (const xmlChar *)HEALTH_FHIR_NS);
    s_write_fields(w, res, 1, 0);
    xmlTextWriterEndDocument(w);
    xmlFreeTextWriter(w);
    *len = (size_t)xmlBufferLength(buf);
    char *out = malloc(*len + 1);
    if (out)
        memcpy(out, xmlBufferContent(buf), *len + 1);
    xmlBufferFree(buf);
    return out;
}

char *health_res_dump(const json_t *res, health_fmt_t fmt, size_t *len)
{
    if (fmt == HEALTH_FMT_XML)
        return s_dump_xml(res, len);
    char *out = json_dumps(res, JSON_COMPACT);
    *len = out ? strlen(out) : 0;
    return out;
}
