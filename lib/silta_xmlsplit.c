/*  silta_xmlsplit.c - a batch file's bytes with oversize records replaced
 *  (contract and why: silta_xmlsplit.h).
 *
 *  Lexer states (one byte at a time):
 *
 *      TEXT --'<'--> LT --'/'--> ETAG --'>'--> TEXT        depth--
 *                       --'?'--> PI   --"?>"-> TEXT
 *                       --'!'--> BANG --"--"--> COMMENT --"-->"--> TEXT
 *                                     --"[CDATA["--> CDATA --"]]>"--> TEXT
 *                                     --other--> DECL --'>'--> TEXT
 *                       --name-> STAG --'"'/'\''--> quoted --same quote--> STAG
 *                                     --'>'--> TEXT     depth++ unless "/>"
 *
 *  A start tag met at depth 1 (inside the root) begins a record; the record
 *  ends when depth is back at 1. Output: every byte, except that from the
 *  '<' of a record's start tag on, bytes are held (not given to the parser)
 *  until the record ends; a record over the limit has its held bytes replaced
 *  by the placeholder and its remaining bytes dropped.
 */
#include "silta_xmlsplit.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define S_CHUNK 65536
#define S_NONE SIZE_MAX
#define S_PH "<" SILTA_XMLSPLIT_PLACEHOLDER "/>"

enum { S_TEXT, S_LT, S_STAG, S_DQ, S_SQ, S_ETAG, S_PI, S_BANG, S_COMMENT, S_CDATA, S_DECL };

typedef struct {
    size_t bytes;
    int over;
} s_rec_t;

struct silta_xmlsplit_t {
    int fd, eof;
    size_t max_record;
    char *in;
    /* output: ob[off, len) is filtered; ob[off, held) may go to the parser */
    char *ob;
    size_t off, len, cap, held;
    /* lexer */
    int st, slash, run, nbang;
    char bang[8];
    size_t depth;
    size_t pos;           /* file offset of the byte being lexed */
    size_t lt_ob, lt_pos; /* where the last '<' went, in ob and in the file */
    int in_rec, skipping;
    size_t rec_start, rec_nl; /* file offset of the record; newlines dropped in it */
    size_t nl_dropped;        /* newlines in replaced records given to the parser */
    /* queue of records' sizes */
    s_rec_t *q;
    size_t qhead, qlen, qcap;
};

silta_xmlsplit_t *silta_xmlsplit_new(int fd, size_t max_record)
{
    silta_xmlsplit_t *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->in = malloc(S_CHUNK);
    if (!s->in) {
        free(s);
        return NULL;
    }
    s->fd = fd;
    s->max_record = max_record;
    s->held = S_NONE;
    return s;
}

void silta_xmlsplit_destroy(silta_xmlsplit_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    silta_xmlsplit_t *s = *self_p;
    free(s->in);
    free(s->ob);
    free(s->q);
    free(s);
    *self_p = NULL;
}

static int s_reserve(silta_xmlsplit_t *s, size_t more)
{
    if (s->len + more <= s->cap)
        return 0;
    if (s->off > 0) { /* drop what the parser has taken before growing */
        memmove(s->ob, s->ob + s->off, s->len - s->off);
        s->len -= s->off;
        if (s->held != S_NONE)
            s->held -= s->off;
        s->lt_ob = s->lt_ob >= s->off ? s->lt_ob - s->off : 0;
        s->off = 0;
        if (s->len + more <= s->cap)
            return 0;
    }
    size_t cap = s->cap ? s->cap : S_CHUNK;
    while (cap < s->len + more)
        cap *= 2;
    char *ob = realloc(s->ob, cap);
    if (!ob)
        return -1;
    s->ob = ob;
    s->cap = cap;
    return 0;
}

static int s_push(silta_xmlsplit_t *s, size_t bytes, int over)
{
    if (s->qhead > 0 && s->qhead == s->qlen)
        s->qhead = s->qlen = 0;
    if (s->qlen == s->qcap) {
        if (s->qhead > 0) {
            memmove(s->q, s->q + s->qhead, (s->qlen - s->qhead) * sizeof *s->q);
            s->qlen -= s->qhead;
            s->qhead = 0;
        } else {
            size_t cap = s->qcap ? s->qcap * 2 : 64;
            s_rec_t *q = realloc(s->q, cap * sizeof *q);
            if (!q)
                return -1;
            s->q = q;
            s->qcap = cap;
        }
    }
    s->q[s->qlen++] = (s_rec_t){bytes, over};
    return 0;
}

/* The current record ends before file offset end. */
static int s_record_end(silta_xmlsplit_t *s, size_t end)
{
    size_t bytes = end - s->rec_start;
    if (s->skipping)
        s->nl_dropped += s->rec_nl;
    s->in_rec = s->skipping = 0;
    s->held = S_NONE;
    return s_push(s, bytes, bytes > s->max_record);
}

/* Lex one byte; returns 1 when it belongs in the output, 0 when not, -1 on
 * out of memory. */
static int s_lex(silta_xmlsplit_t *s, char c)
{
    int ended = 0;
    switch (s->st) {
    case S_TEXT:
        if (c == '<') {
            s->st = S_LT;
            s->lt_ob = s->len;
            s->lt_pos = s->pos;
            /* Perhaps a record's start: hold the '<' until the next byte says
             * (the parser must not have it if the record is then replaced). */
            if (s->depth == 1 && !s->in_rec)
                s->held = s->len;
        }
        break;
    case S_LT:
        if (s->depth == 1 && !s->in_rec && (c == '/' || c == '?' || c == '!'))
            s->held = S_NONE; /* not a record after all */
        if (c == '/') {
            s->st = S_ETAG;
        } else if (c == '?') {
            s->st = S_PI;
            s->run = 0;
        } else if (c == '!') {
            s->st = S_BANG;
            s->nbang = 0;
        } else {
            s->st = S_STAG;
            s->slash = 0;
            if (s->depth == 1 && !s->in_rec) {
                s->in_rec = 1;
                s->rec_start = s->lt_pos;
                s->rec_nl = 0;
                s->held = s->lt_ob;
            }
        }
        break;
    case S_STAG:
        if (c == '"' || c == '\'') {
            s->st = c == '"' ? S_DQ : S_SQ;
        } else if (c == '>') {
            s->st = S_TEXT;
            if (!s->slash)
                s->depth++;
            else if (s->depth == 1 && s->in_rec)
                ended = 1; /* <record/> */
        }
        s->slash = c == '/';
        break;
    case S_DQ:
    case S_SQ:
        if (c == (s->st == S_DQ ? '"' : '\''))
            s->st = S_STAG;
        break;
    case S_ETAG:
        if (c == '>') {
            s->st = S_TEXT;
            s->depth -= s->depth > 0;
            ended = s->depth == 1 && s->in_rec;
        }
        break;
    case S_PI:
        if (c == '>' && s->run)
            s->st = S_TEXT;
        s->run = c == '?';
        break;
    case S_BANG:
        s->bang[s->nbang++] = c;
        if (s->nbang == 2 && memcmp(s->bang, "--", 2) == 0) {
            s->st = S_COMMENT;
            s->run = 0;
        } else if (s->nbang == 7 && memcmp(s->bang, "[CDATA[", 7) == 0) {
            s->st = S_CDATA;
            s->run = 0;
        } else if (c == '>') {
            s->st = S_TEXT;
        } else if (s->nbang == 7) {
            s->st = S_DECL;
        }
        break;
    case S_COMMENT:
    case S_CDATA:
        if (c == '>' && s->run >= 2) {
            s->st = S_TEXT;
            s->run = 0;
        } else {
            s->run = c == (s->st == S_COMMENT ? '-' : ']') ? s->run + 1 : 0;
        }
        break;
    default: /* S_DECL */
        if (c == '>')
            s->st = S_TEXT;
        break;
    }
    int emit = !s->skipping;
    if (s->in_rec && s->skipping && c == '\n')
        s->rec_nl++;
    if (ended)
        return s_record_end(s, s->pos + 1) == 0 ? emit : -1;
    if (s->in_rec && !s->skipping && s->pos + 1 - s->rec_start > s->max_record) {
        /* Over the limit: what was held becomes the placeholder. */
        s->rec_nl = (size_t)(c == '\n');
        for (size_t i = s->held; i < s->len; i++)
            s->rec_nl += s->ob[i] == '\n';
        s->len = s->held;
        if (s_reserve(s, sizeof S_PH) != 0)
            return -1;
        memcpy(s->ob + s->len, S_PH, sizeof S_PH - 1);
        s->len += sizeof S_PH - 1;
        s->skipping = 1;
        return 0;
    }
    return emit;
}

static int s_fill(silta_xmlsplit_t *s)
{
    ssize_t n;
    do
        n = read(s->fd, s->in, S_CHUNK);
    while (n < 0 && errno == EINTR);
    if (n < 0)
        return -1;
    if (n == 0) {
        s->eof = 1;
        /* The file ends inside a record: give the parser what there is. */
        if (s->in_rec && s_record_end(s, s->pos) != 0)
            return -1;
        return 0;
    }
    /* Placeholders can outgrow what they replace (a limit under their size), so
     * every append reserves its own room; this is the one allocation of a
     * chunk in the usual case. */
    if (s_reserve(s, (size_t)n + sizeof S_PH) != 0) {
        errno = ENOMEM;
        return -1;
    }
    for (size_t i = 0; i < (size_t)n;) {
        /* Fast path: a run of character data changes no state; copy (or, in a
         * skipped record, count its newlines) unless the run may pass the
         * limit, which the byte path handles. */
        if (s->st == S_TEXT && s->in[i] != '<') {
            const char *lt = memchr(s->in + i, '<', (size_t)n - i);
            size_t run = lt ? (size_t)(lt - (s->in + i)) : (size_t)n - i;
            if (!(s->in_rec && !s->skipping && s->pos + run - s->rec_start > s->max_record)) {
                if (!s->skipping) {
                    if (s_reserve(s, run) != 0) {
                        errno = ENOMEM;
                        return -1;
                    }
                    memcpy(s->ob + s->len, s->in + i, run);
                    s->len += run;
                } else if (s->in_rec) {
                    for (size_t k = i; k < i + run; k++)
                        s->rec_nl += s->in[k] == '\n';
                }
                s->pos += run;
                i += run;
                continue;
            }
        }
        int e = s_lex(s, s->in[i]);
        if (e > 0 && s_reserve(s, 1) != 0)
            e = -1;
        if (e < 0) {
            errno = ENOMEM;
            return -1;
        }
        if (e)
            s->ob[s->len++] = s->in[i];
        s->pos++;
        i++;
    }
    return 0;
}

int silta_xmlsplit_read(silta_xmlsplit_t *self, char *buf, int len)
{
    for (;;) {
        size_t end = self->held == S_NONE ? self->len : self->held;
        if (end > self->off) {
            size_t n = end - self->off < (size_t)len ? end - self->off : (size_t)len;
            memcpy(buf, self->ob + self->off, n);
            self->off += n;
            if (self->off == self->len && self->held == S_NONE)
                self->off = self->len = 0;
            return (int)n;
        }
        if (self->eof)
            return 0;
        if (s_fill(self) != 0)
            return -1;
    }
}

int silta_xmlsplit_next_record(silta_xmlsplit_t *self, size_t *bytes, int *over)
{
    if (self->qhead == self->qlen)
        return 0;
    *bytes = self->q[self->qhead].bytes;
    *over = self->q[self->qhead].over;
    self->qhead++;
    return 1;
}

size_t silta_xmlsplit_total(const silta_xmlsplit_t *self)
{
    return self->pos;
}

size_t silta_xmlsplit_lines_dropped(const silta_xmlsplit_t *self)
{
    return self->nl_dropped;
}
