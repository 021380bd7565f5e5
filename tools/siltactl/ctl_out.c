/*  ctl_out.c - aligned text tables and value formatting for people.
 *
 *  Widths count display characters (UTF-8 continuation bytes take no column),
 *  so a Finnish reason text does not push its row out of line. Control
 *  characters in a cell (a peer's REJECT reason is free text) print as '?'.
 */
#include "siltactl.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

struct ctl_table {
    int ncols;
    size_t nrows, cap;
    char **cells; /* (nrows + 1) * ncols; row 0 is the header */
    size_t *width;
    unsigned char *right;
};

static size_t s_width(const char *s)
{
    size_t w = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if ((*p & 0xC0) != 0x80)
            w++;
    return w;
}

static char *s_clean_dup(const char *s)
{
    char *copy = strdup(s ? s : "-");
    if (copy)
        for (unsigned char *p = (unsigned char *)copy; *p; p++)
            if (*p < 0x20 || *p == 0x7f)
                *p = '?';
    return copy;
}

static int s_add(ctl_table_t *self, const char *const *cells)
{
    if (self->nrows + 1 > self->cap) {
        size_t cap = self->cap ? self->cap * 2 : 16;
        char **grown = realloc(self->cells, cap * (size_t)self->ncols * sizeof *grown);
        if (!grown)
            return -1;
        self->cells = grown;
        self->cap = cap;
    }
    char **row = self->cells + self->nrows * (size_t)self->ncols;
    for (int c = 0; c < self->ncols; c++) {
        row[c] = s_clean_dup(cells[c]);
        if (!row[c]) {
            while (c-- > 0)
                free(row[c]);
            return -1;
        }
        size_t w = s_width(row[c]);
        if (w > self->width[c])
            self->width[c] = w;
    }
    self->nrows++;
    return 0;
}

ctl_table_t *ctl_table_new(int ncols, const char *const *headers)
{
    ctl_table_t *self = calloc(1, sizeof *self);
    if (!self)
        return NULL;
    self->ncols = ncols;
    self->width = calloc((size_t)ncols, sizeof *self->width);
    self->right = calloc((size_t)ncols, 1);
    if (!self->width || !self->right || s_add(self, headers) != 0)
        ctl_table_destroy(&self);
    return self;
}

void ctl_table_align_right(ctl_table_t *self, int col)
{
    if (col >= 0 && col < self->ncols)
        self->right[col] = 1;
}

int ctl_table_add(ctl_table_t *self, const char *const *cells)
{
    return s_add(self, cells);
}

void ctl_table_print(const ctl_table_t *self, FILE *out)
{
    for (size_t r = 0; r < self->nrows; r++) {
        char *const *row = self->cells + r * (size_t)self->ncols;
        for (int c = 0; c < self->ncols; c++) {
            int last = c == self->ncols - 1;
            size_t pad = self->width[c] - s_width(row[c]);
            if (self->right[c])
                fprintf(out, "%*s%s", (int)pad, "", row[c]);
            else
                fprintf(out, "%s%*s", row[c], last ? 0 : (int)pad, "");
            if (!last)
                fputs("  ", out);
        }
        fputc('\n', out);
    }
}

void ctl_table_destroy(ctl_table_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    ctl_table_t *self = *self_p;
    for (size_t i = 0; i < self->nrows * (size_t)self->ncols; i++)
        free(self->cells[i]);
    free(self->cells);
    free(self->width);
    free(self->right);
    free(self);
    *self_p = NULL;
}

const char *ctl_fmt_time(const char *pg, char *buf, size_t len)
{
    /* "2026-11-23 17:41:18.123456+00": keep the date and the whole seconds. */
    if (!pg)
        snprintf(buf, len, "-");
    else
        snprintf(buf, len, "%.19s", pg);
    return buf;
}

const char *ctl_fmt_age(const char *seconds, char *buf, size_t len)
{
    if (!seconds) {
        snprintf(buf, len, "-");
        return buf;
    }
    double s = strtod(seconds, NULL);
    if (s < 0)
        s = 0;
    long t = (long)s;
    if (s < 1)
        snprintf(buf, len, "%dms", (int)(s * 1000));
    else if (s < 60)
        snprintf(buf, len, "%.1fs", floor(s * 10) / 10);
    else if (t < 3600)
        snprintf(buf, len, "%ldm%02lds", t / 60, t % 60);
    else if (t < 86400)
        snprintf(buf, len, "%ldh%02ldm", t / 3600, t % 3600 / 60);
    else
        snprintf(buf, len, "%ldd%02ldh", t / 86400, t % 86400 / 3600);
    return buf;
}

const char *ctl_fmt_bool(const char *pg)
{
    if (!pg)
        return "-";
    return pg[0] == 't' ? "yes" : "no";
}

const char *ctl_fmt_cut(const char *s, size_t max, char *buf, size_t len)
{
    if (!s) {
        snprintf(buf, len, "-");
        return buf;
    }
    size_t chars = 0, i = 0;
    for (; s[i]; i++) {
        if (((unsigned char)s[i] & 0xC0) != 0x80) {
            if (chars == max)
                break;
            chars++;
        }
    }
    if (!s[i])
        snprintf(buf, len, "%s", s);
    else {
        /* room for "..." inside max characters: step back three characters */
        size_t keep = i, back = 0;
        while (keep > 0 && back < 3) {
            keep--;
            if (((unsigned char)s[keep] & 0xC0) != 0x80)
                back++;
        }
        snprintf(buf, len, "%.*s...", (int)keep, s);
    }
    return buf;
}
