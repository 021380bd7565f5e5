/*  health_store.c - FHIR resources on disk (contract: health_store.h). */
#include "health_store.h"

#include "health_out.h"
#include "health_res.h"
#include "silta_spool.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct health_store_t {
    char dir[SILTA_SPOOL_PATH_MAX];
};

static int s_mkdir(const char *path, silta_err_t *err)
{
    if (mkdir(path, 0750) != 0 && errno != EEXIST)
        return silta_err_set(err, SILTA_ERR, "could not create %s: %s", path, strerror(errno));
    return 0;
}

health_store_t *health_store_open(const char *dir, silta_err_t *err)
{
    health_store_t *self = calloc(1, sizeof *self);
    if (!self) {
        silta_err_set(err, SILTA_ERR, "out of memory");
        return NULL;
    }
    snprintf(self->dir, sizeof self->dir, "%s", dir);
    char sub[SILTA_SPOOL_PATH_MAX + 32];
    int rc = s_mkdir(dir, err);
    snprintf(sub, sizeof sub, "%s/ServiceRequest", dir);
    rc = rc ? rc : s_mkdir(sub, err);
    snprintf(sub, sizeof sub, "%s/Task", dir);
    rc = rc ? rc : s_mkdir(sub, err);
    if (rc != 0) {
        free(self);
        return NULL;
    }
    return self;
}

void health_store_close(health_store_t **self_p)
{
    if (self_p && *self_p) {
        free(*self_p);
        *self_p = NULL;
    }
}

static int s_type_ok(const char *type)
{
    return strcmp(type, "ServiceRequest") == 0 || strcmp(type, "Task") == 0;
}

int health_store_put(health_store_t *self, const json_t *res, silta_err_t *err)
{
    const char *type = health_res_type(res), *id = json_string_value(json_object_get(res, "id"));
    if (!s_type_ok(type) || !health_res_id_valid(id))
        return silta_err_set(err, SILTA_ERR, "cannot store this resource");
    char sub[SILTA_SPOOL_PATH_MAX + 32], name[80];
    snprintf(sub, sizeof sub, "%s/%s", self->dir, type);
    snprintf(name, sizeof name, "%s.json", id);
    char *text = json_dumps(res, JSON_COMPACT);
    if (!text)
        return silta_err_set(err, SILTA_ERR, "out of memory");
    int rc = silta_spool_write(sub, name, text, strlen(text), err);
    free(text);
    return rc == 0 ? 0 : SILTA_ERR;
}

int health_store_accepted(health_store_t *self, const json_t *sr, const char *id, int duplicate,
                          long *version, silta_err_t *err)
{
    json_t *old = health_store_get(self, "ServiceRequest", id);
    const char *ov = health_res_str(old, "meta/versionId");
    long have = ov ? atol(ov) : 0;
    json_decref(old);
    if (duplicate && have > 0) {
        *version = have;
        return 0;
    }
    *version = have + 1;
    char ver[24], now[32];
    snprintf(ver, sizeof ver, "%ld", *version);
    health_out_now(now);
    json_t *res = health_res_with_id(sr, id,
                                     json_pack("{s:s,s:s}", "versionId", ver, "lastUpdated", now));
    int rc = res ? health_store_put(self, res, err)
                 : silta_err_set(err, SILTA_ERR, "out of memory");
    json_decref(res);
    return rc;
}

static json_t *s_load(const char *path)
{
    json_error_t je;
    json_t *r = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
    if (r && !json_is_object(r)) {
        json_decref(r);
        r = NULL;
    }
    return r;
}

json_t *health_store_get(health_store_t *self, const char *type, const char *id)
{
    if (!s_type_ok(type) || !health_res_id_valid(id))
        return NULL;
    char path[SILTA_SPOOL_PATH_MAX + 128];
    snprintf(path, sizeof path, "%s/%s/%s.json", self->dir, type, id);
    return s_load(path);
}

static int s_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

json_t *health_store_find(health_store_t *self, const char *type,
                          int (*match)(const json_t *res, void *arg), void *arg)
{
    json_t *out = json_array();
    if (!out || !s_type_ok(type))
        return out;
    char sub[SILTA_SPOOL_PATH_MAX + 32];
    snprintf(sub, sizeof sub, "%s/%s", self->dir, type);
    DIR *d = opendir(sub);
    if (!d)
        return out;
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        size_t len = strlen(de->d_name);
        if (de->d_name[0] == '.' || len < 6 || strcmp(de->d_name + len - 5, ".json") != 0)
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            char **grown = realloc(names, cap * sizeof *names);
            if (!grown)
                break;
            names = grown;
        }
        names[n] = strdup(de->d_name);
        if (names[n])
            n++;
    }
    closedir(d);
    if (n)
        qsort(names, n, sizeof *names, s_cmp);
    for (size_t i = 0; i < n; i++) {
        char path[SILTA_SPOOL_PATH_MAX + 320];
        snprintf(path, sizeof path, "%s/%s", sub, names[i]);
        json_t *r = s_load(path);
        if (r && match(r, arg))
            json_array_append(out, r);
        json_decref(r);
        free(names[i]);
    }
    free(names);
    return out;
}
