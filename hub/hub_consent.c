/*  hub_consent.c - consent records per client_key: a list per client in a map.
 *  Clients have few consents; a linear scan of one client's list is enough. */
#include "hub_consent.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "silta_map.h"

typedef struct s_consent {
    struct s_consent *next;
    char *id;
    char *purpose;
    char **recipients;
    size_t nrecipients;
    char expires[11]; /* YYYY-MM-DD or "" */
    int given;
} s_consent_t;

struct hub_consent_t {
    silta_map_t *by_client; /* client_key -> s_consent_t list */
};

static void s_free_one(s_consent_t *c)
{
    free(c->id);
    free(c->purpose);
    for (size_t i = 0; i < c->nrecipients; i++)
        free(c->recipients[i]);
    free(c->recipients);
    free(c);
}

static void s_free_list(void *p)
{
    s_consent_t *c = p;
    while (c) {
        s_consent_t *next = c->next;
        s_free_one(c);
        c = next;
    }
}

hub_consent_t *hub_consent_new(void)
{
    hub_consent_t *self = calloc(1, sizeof *self);
    if (self && !(self->by_client = silta_map_new())) {
        free(self);
        return NULL;
    }
    return self;
}

void hub_consent_destroy(hub_consent_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    silta_map_destroy(&(*self_p)->by_client, s_free_list);
    free(*self_p);
    *self_p = NULL;
}

int hub_consent_set(hub_consent_t *self, const char *client_key, const char *consent_id,
                    const char *status, const char *purpose, char *const *recipients,
                    size_t nrecipients, const char *expires)
{
    s_consent_t *head = silta_map_str_get(self->by_client, client_key);
    s_consent_t *c = head;
    while (c && strcmp(c->id, consent_id) != 0)
        c = c->next;
    if (!c) {
        c = calloc(1, sizeof *c);
        if (!c || !(c->id = strdup(consent_id))) {
            free(c);
            return -1;
        }
        c->next = head;
        if (silta_map_put(self->by_client, client_key, strlen(client_key), c) != 0) {
            s_free_one(c);
            return -1;
        }
    }
    free(c->purpose);
    for (size_t i = 0; i < c->nrecipients; i++)
        free(c->recipients[i]);
    free(c->recipients);
    c->purpose = strdup(purpose ? purpose : "");
    c->recipients = calloc(nrecipients ? nrecipients : 1, sizeof *c->recipients);
    c->nrecipients = 0;
    for (size_t i = 0; c->recipients && i < nrecipients; i++)
        if ((c->recipients[c->nrecipients] = strdup(recipients[i])))
            c->nrecipients++;
    snprintf(c->expires, sizeof c->expires, "%s", expires ? expires : "");
    c->given = status && strcmp(status, "given") == 0;
    return c->purpose ? 0 : -1;
}

const char *hub_consent_find(const hub_consent_t *self, const char *client_key,
                             const char *recipient, const char *purpose, const char *today)
{
    for (const s_consent_t *c = silta_map_str_get(self->by_client, client_key); c; c = c->next) {
        if (!c->given || strcmp(c->purpose, purpose) != 0)
            continue;
        /* ISO dates compare as strings; expiry day itself is still valid. */
        if (c->expires[0] && strcmp(today, c->expires) > 0)
            continue;
        for (size_t i = 0; i < c->nrecipients; i++)
            if (strcmp(c->recipients[i], recipient) == 0)
                return c->id;
    }
    return NULL;
}
