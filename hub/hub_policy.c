/*  hub_policy.c - load config/policy.xml with libxml2, validated by its XSD.
 *
 *  The file is trusted configuration, but it is still parsed without network
 *  access and without entity substitution: nothing in a policy needs either.
 */
#include "hub_policy.h"

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlschemas.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "silta_buf.h"

typedef struct {
    char *type;
    char **publishers;
    size_t npublishers;
    hub_policy_delivery_t *deliveries;
    size_t ndeliveries;
} s_route_t;

struct hub_policy_t {
    s_route_t *routes;
    size_t nroutes;
};

/* Collect libxml2's structured errors as "file:line: message" lines. */
static void s_on_error(void *ctx, xmlErrorPtr e)
{
    silta_buf_t *b = ctx;
    if (b->len > 2000)
        return;
    silta_buf_printf(b, "%s%s:%d: %s", b->len ? "; " : "", e->file ? e->file : "policy",
                     e->line, e->message ? e->message : "error");
    while (b->len && (b->data[b->len - 1] == '\n' || b->data[b->len - 1] == ' '))
        b->data[--b->len] = '\0';
}

static char *s_attr(xmlNode *n, const char *name)
{
    xmlChar *v = xmlGetProp(n, (const xmlChar *)name);
    if (!v)
        return NULL;
    char *s = strdup((const char *)v);
    xmlFree(v);
    return s;
}

static int s_is(xmlNode *n, const char *name)
{
    return n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, name) == 0;
}

static void s_route_free(s_route_t *r)
{
    free(r->type);
    for (size_t i = 0; i < r->npublishers; i++)
        free(r->publishers[i]);
    free(r->publishers);
    for (size_t i = 0; i < r->ndeliveries; i++) {
        free((char *)r->deliveries[i].recipient);
        free((char *)r->deliveries[i].statute);
        free((char *)r->deliveries[i].consent_purpose);
    }
    free(r->deliveries);
}

void hub_policy_destroy(hub_policy_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    hub_policy_t *self = *self_p;
    for (size_t i = 0; i < self->nroutes; i++)
        s_route_free(&self->routes[i]);
    free(self->routes);
    free(self);
    *self_p = NULL;
}

static int s_validate(xmlDoc *doc, const char *xsd_path, silta_buf_t *errors)
{
    xmlSchemaParserCtxt *pctx = xmlSchemaNewParserCtxt(xsd_path);
    xmlSchemaSetParserStructuredErrors(pctx, s_on_error, errors);
    xmlSchema *schema = pctx ? xmlSchemaParse(pctx) : NULL;
    xmlSchemaFreeParserCtxt(pctx);
    if (!schema) {
        if (!errors->len)
            silta_buf_printf(errors, "could not load schema %s", xsd_path);
        return -1;
    }
    xmlSchemaValidCtxt *vctx = xmlSchemaNewValidCtxt(schema);
    xmlSchemaSetValidStructuredErrors(vctx, s_on_error, errors);
    int rc = vctx ? xmlSchemaValidateDoc(vctx, doc) : -1;
    xmlSchemaFreeValidCtxt(vctx);
    xmlSchemaFree(schema);
    return rc == 0 ? 0 : -1;
}

static int s_load_route(xmlNode *n, s_route_t *r, const char *path, silta_buf_t *errors)
{
    r->type = s_attr(n, "type");
    char *pubs = s_attr(n, "publishers");
    for (char *save = NULL, *tok = pubs ? strtok_r(pubs, " \t\n", &save) : NULL; tok;
         tok = strtok_r(NULL, " \t\n", &save)) {
        char **more = realloc(r->publishers, (r->npublishers + 1) * sizeof *more);
        if (!more)
            break;
        r->publishers = more;
        r->publishers[r->npublishers++] = strdup(tok);
    }
    free(pubs);
    for (xmlNode *d = n->children; d; d = d->next) {
        if (!s_is(d, "deliver"))
            continue;
        hub_policy_delivery_t del = {s_attr(d, "to"), s_attr(d, "statute"), s_attr(d, "consent")};
        if (!del.statute == !del.consent_purpose) {
            silta_buf_printf(errors, "%s%s:%d: deliver of %s to %s needs exactly one of statute "
                             "or consent", errors->len ? "; " : "", path, (int)xmlGetLineNo(d),
                             r->type, del.recipient ? del.recipient : "?");
            free((char *)del.recipient);
            free((char *)del.statute);
            free((char *)del.consent_purpose);
            return -1;
        }
        hub_policy_delivery_t *more = realloc(r->deliveries, (r->ndeliveries + 1) * sizeof *more);
        if (!more) {
            free((char *)del.recipient);
            free((char *)del.statute);
            free((char *)del.consent_purpose);
            return -1;
        }
        r->deliveries = more;
        r->deliveries[r->ndeliveries++] = del;
    }
    return 0;
}

hub_policy_t *hub_policy_load(const char *path, const char *xsd_path, silta_err_t *err)
{
    silta_buf_t errors;
    silta_buf_init(&errors);
    hub_policy_t *self = calloc(1, sizeof *self);
    xmlParserCtxt *ctxt = xmlNewParserCtxt();
    xmlDoc *doc = NULL;
    /* libxml2 2.9 reports parse errors through the thread's structured handler. */
    xmlSetStructuredErrorFunc(&errors, s_on_error);
    if (ctxt)
        doc = xmlCtxtReadFile(ctxt, path, NULL, XML_PARSE_NONET | XML_PARSE_NOWARNING);
    int ok = self && doc && s_validate(doc, xsd_path, &errors) == 0;
    if (ok) {
        for (xmlNode *n = xmlDocGetRootElement(doc)->children; n && ok; n = n->next) {
            if (!s_is(n, "route"))
                continue;
            s_route_t *more = realloc(self->routes, (self->nroutes + 1) * sizeof *more);
            if (!more) {
                ok = 0;
                break;
            }
            self->routes = more;
            memset(&self->routes[self->nroutes], 0, sizeof *self->routes);
            ok = s_load_route(n, &self->routes[self->nroutes++], path, &errors) == 0;
        }
    }
    if (!ok) {
        silta_err_set(err, SILTA_EINVAL, "invalid policy %s: %s", path,
                      errors.len ? errors.data : "could not read it");
        hub_policy_destroy(&self);
    }
    xmlSetStructuredErrorFunc(NULL, NULL);
    xmlFreeDoc(doc);
    xmlFreeParserCtxt(ctxt);
    silta_buf_free(&errors);
    return self;
}

static const s_route_t *s_route(const hub_policy_t *self, const char *type)
{
    for (size_t i = 0; i < self->nroutes; i++)
        if (strcmp(self->routes[i].type, type) == 0)
            return &self->routes[i];
    return NULL;
}

int hub_policy_may_publish(const hub_policy_t *self, const char *identity, const char *type)
{
    const s_route_t *r = s_route(self, type);
    for (size_t i = 0; r && i < r->npublishers; i++)
        if (strcmp(r->publishers[i], identity) == 0)
            return 1;
    return 0;
}

const hub_policy_delivery_t *hub_policy_delivery(const hub_policy_t *self, const char *type,
                                                 const char *recipient)
{
    const s_route_t *r = s_route(self, type);
    for (size_t i = 0; r && i < r->ndeliveries; i++)
        if (strcmp(r->deliveries[i].recipient, recipient) == 0)
            return &r->deliveries[i];
    return NULL;
}

void hub_policy_queue_owner(const char *queue, char *out, size_t len)
{
    size_t n = strcspn(queue, "-");
    snprintf(out, len, "%.*s", (int)n, queue);
}

int hub_policy_routes(const hub_policy_t *self)
{
    return (int)self->nroutes;
}
