/*  ctl_out.c - aligned text tables and value formatting for people.
 *
 *  Widths count display characters (UTF-8 continuation bytes take no column),
 *  so a Finnish reason text does not push its row out of line. Control
 *  characters in a cell (a peer's REJECT reason is free text) print as '?'.
 *  A table is fitted to CTL_OUT_COLUMNS when printed: the widest left-aligned
 *  (text) column loses a column at a time, never below S_MIN_CUT, and its
 *  cells are cut with "..."; numbers (right-aligned) and columns marked with
 *  ctl_table_keep (ids, timestamps) are never cut. --wide
 *  (ctl_out_set_wide, set once by main before a command runs) prints whole.
 */
#include "siltactl.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* A cut column keeps at least this many characters. */
#define S_MIN_CUT 8

/* The one output setting: main sets it from --wide before any command runs
 * and nothing changes it after. */
static int s_wide;

void ctl_out_set_wide(int wide)
{
    s_wide = wide;
}

int ctl_out_wide(void)
{
    return s_wide;
}

struct ctl_table {
    int ncols;
    size_t nrows, cap;
    char **cells; /* (nrows + 1) * ncols; row 0 is the header */
    size_t *width;
    unsigned char *flags; /* per column: S_RIGHT, S_KEEP */
    int records;          /* too wide: rows as records (ctl_table_records) */
};

#define S_RIGHT 1 /* right-aligned (a number), never cut */
#define S_KEEP 2  /* never cut */
#define S_MAX_COLS 64

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
    if (ncols < 1 || ncols > S_MAX_COLS)
        return NULL;
    ctl_table_t *self = calloc(1, sizeof *self);
    if (!self)
        return NULL;
    self->ncols = ncols;
    self->width = calloc((size_t)ncols, sizeof *self->width);
    self->flags = calloc((size_t)ncols, 1);
    if (!self->width || !self->flags || s_add(self, headers) != 0)
        ctl_table_destroy(&self);
    return self;
}

void ctl_table_align_right(ctl_table_t *self, int col)
{
    if (col >= 0 && col < self->ncols)
        self->flags[col] |= S_RIGHT;
}

void ctl_table_keep(ctl_table_t *self, int col)
{
    if (col >= 0 && col < self->ncols)
        self->flags[col] |= S_KEEP;
}

void ctl_table_records(ctl_table_t *self)
{
    self->records = 1;
}

int ctl_table_add(ctl_table_t *self, const char *const *cells)
{
    return s_add(self, cells);
}

/* The widths to print: self->width, narrowed until a row fits CTL_OUT_COLUMNS
 * (or no text column can give more). fit has ncols entries. */
static void s_fit(const ctl_table_t *self, size_t *fit)
{
    size_t total = 0;
    for (int c = 0; c < self->ncols; c++) {
        fit[c] = self->width[c];
        total += fit[c] + (c ? 2 : 0);
    }
    while (!s_wide && total > CTL_OUT_COLUMNS) {
        int widest = -1;
        for (int c = 0; c < self->ncols; c++)
            if (!self->flags[c] && fit[c] > S_MIN_CUT && (widest < 0 || fit[c] > fit[widest]))
                widest = c;
        if (widest < 0)
            break;
        fit[widest]--;
        total--;
    }
}

/* Each row as a record: "HEADER  value" lines, a blank line between rows; a
 * value cut only when it alone is wider than the line. */
static void s_print_records(const ctl_table_t *self, FILE *out)
{
    size_t label = 0;
    for (int c = 0; c < self->ncols; c++)
        if (s_width(self->cells[c]) > label)
            label = s_width(self->cells[c]);
    size_t room = CTL_OUT_COLUMNS > label + 2 + S_MIN_CUT ? CTL_OUT_COLUMNS - label - 2 : S_MIN_CUT;
    for (size_t r = 1; r < self->nrows; r++) {
        if (r > 1)
            fputc('\n', out);
        char *const *row = self->cells + r * (size_t)self->ncols;
        for (int c = 0; c < self->ncols; c++) {
            char cut[1024];
            const char *head = self->cells[c];
            fprintf(out, "%s%*s  %s\n", head, (int)(label - s_width(head)), "",
                    s_width(row[c]) > room ? ctl_fmt_cut(row[c], room, cut, sizeof cut) : row[c]);
        }
    }
}

void ctl_table_print(const ctl_table_t *self, FILE *out)
{
    size_t fit[S_MAX_COLS], total = 0;
    for (int c = 0; c < self->ncols; c++)
        total += self->width[c] + (c ? 2 : 0);
    if (self->records && !s_wide && total > CTL_OUT_COLUMNS) {
        s_print_records(self, out);
        return;
    }
    s_fit(self, fit);
    for (size_t r = 0; r < self->nrows; r++) {
        char *const *row = self->cells + r * (size_t)self->ncols;
        for (int c = 0; c < self->ncols; c++) {
            int last = c == self->ncols - 1;
            char cut[1024];
            const char *cell = row[c];
            if (s_width(cell) > fit[c])
                cell = ctl_fmt_cut(cell, fit[c], cut, sizeof cut);
            size_t pad = fit[c] - s_width(cell);
            if (self->flags[c] & S_RIGHT)
                fprintf(out, "%*s%s", (int)pad, "", cell);
            else
                fprintf(out, "%s%*s", cell, last ? 0 : (int)pad, "");
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
    free(self->flags);
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

const char *ctl_fmt_types(const char *arr, char *buf, size_t len)
{
    if (!arr) {
        snprintf(buf, len, "-");
        return buf;
    }
    /* type names never need quoting: drop the braces */
    size_t o = 0;
    for (const char *p = arr; *p && o + 1 < len; p++)
        if (*p != '{' && *p != '}' && *p != '"')
            buf[o++] = *p;
    buf[o] = '\0';
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
