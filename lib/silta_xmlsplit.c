/*  silta_xmlsplit.c - a batch file's bytes with oversize records replaced,
 *  what is not a record dropped, and hostile tags refused (contract and why:
 *  silta_xmlsplit.h).
 *
 *  Lexer states (one byte at a time):
 *
 *      TEXT --'<'--> LT --'/'--> ETAG --'>'--> TEXT        depth--
 *                       --'?'--> PI   --"?>"-> TEXT
 *                       --'!'--> BANG --"--"--> COMMENT --"-->"--> TEXT
 *                                     --"[CDATA["--> CDATA --"]]>"--> TEXT
 *                                     --other--> DECL --'>'--> TEXT
 *                       --name-> STAG --'"'/'\''--> quoted --same quote--> STAG
 *                                     --'='--> STAG     nattrs++
 *                                     --'>'--> TEXT     depth++ unless "/>"
 *
 *  A start tag met at depth 1 (inside the root) begins a record; the record
 *  ends when depth is back at 1. Output: every byte, except that from the
 *  '<' of a record's start tag on, bytes are held (not given to the parser)
 *  until the record ends; a record over the limit has its held bytes replaced
 *  by the placeholder and its remaining bytes dropped.
 *
 *  "Outside" is depth 1 between records, or depth 0 after the root's start
 *  tag (the epilogue). There text is dropped, and a '<' is held until the next
 *  byte says what it opens: '?' or '!' (a PI, comment or CDATA section) is
 *  dropped through its end (`dropping`); a markup declaration there refuses
 *  the stream; anything else is released. The prolog (before the root) goes
 *  through unchanged: silta_xml_check_prolog bounds it to 64 KiB.
 *
 *  Invariants: held == S_NONE or off <= held <= len; `dropping` only while
 *  st is PI, BANG, COMMENT or CDATA; once err[] is set every read fails.
 */
#include "silta_xmlsplit.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define S_CHUNK 65536
#define S_NONE SIZE_MAX
#define S_PH "<" SILTA_XMLSPLIT_PLACEHOLDER "/>"
/* Newlines of dropped text still given to the parser, so that its line
 * numbers stay the file's, at most this many in a row between records
 * (libxml2 would refuse a 10 MB run of them as a "huge text node"); past it
 * they are counted in nl_dropped instead. */
#define S_NL_KEEP 4096

enum { S_TEXT, S_LT, S_STAG, S_DQ, S_SQ, S_ETAG, S_PI, S_BANG, S_COMMENT, S_CDATA, S_DECL };

typedef struct {
    size_t bytes;
    int over;
} s_rec_t;

struct silta_xmlsplit_t {
    int fd, eof;
    int scan_only; /* silta_xmlsplit_check: lex and check, keep no output */
    silta_xmlsplit_limits_t lim;
    int (*stop)(void *);
    void *stop_arg;
    char err[256]; /* why the stream was refused; "" while it is not */
    char *in;
    /* output: ob[off, len) is filtered; ob[off, held) may go to the parser */
    char *ob;
    size_t off, len, cap, held;
    /* lexer */
    int st, slash, run, nbang;
    char bang[8];
    size_t depth;
    int root_seen;        /* the root's start tag was lexed: depth 0 is the epilogue */
    int dropping;         /* inside a PI, comment or CDATA outside the records */
    size_t nattrs;        /* '=' signs (attributes) of the current start tag */
    size_t line;          /* line of the byte being lexed, from 1 */
    size_t lt_line;       /* line of the last '<' */
    size_t pos;           /* file offset of the byte being lexed */
    size_t lt_ob, lt_pos; /* where the last '<' went, in ob and in the file */
    int in_rec, skipping;
    size_t rec_start, rec_nl; /* file offset of the record; newlines dropped in it */
    size_t nl_dropped;        /* newlines the parser was not given */
    size_t nl_run;            /* newlines of dropped text given since the last record */
    /* queue of records' sizes */
    s_rec_t *q;
    size_t qhead, qlen, qcap;
};

silta_xmlsplit_t *silta_xmlsplit_new(int fd, const silta_xmlsplit_limits_t *lim)
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
    s->lim = *lim;
    s->held = S_NONE;
    s->line = 1;
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

void silta_xmlsplit_set_stop(silta_xmlsplit_t *self, int (*stop)(void *), void *arg)
{
    self->stop = stop;
    self->stop_arg = arg;
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
    if (s->scan_only)
        return 0;
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
    s->nl_run = 0;
    if (s->skipping)
        s->nl_dropped += s->rec_nl;
    s->in_rec = s->skipping = 0;
    s->held = S_NONE;
    return s_push(s, bytes, bytes > s->lim.max_record);
}

/* Text and comments here are not for the parser (see the file header). */
static int s_outside(const silta_xmlsplit_t *s)
{
    return s->root_seen && !s->in_rec && s->depth <= 1;
}

enum { S_TOO_MANY_ATTRS, S_TAG_TOO_LONG, S_DECL_OUTSIDE };

/* Refuse the stream at the tag that began at the last '<'. Returns -1. */
static int s_refuse(silta_xmlsplit_t *s, int why)
{
    if (why == S_TOO_MANY_ATTRS)
        snprintf(s->err, sizeof s->err,
                 "an element at line %zu (byte offset %zu) has more than %zu attributes, the "
                 "limit per element",
                 s->lt_line, s->lt_pos, s->lim.max_attrs);
    else if (why == S_TAG_TOO_LONG)
        snprintf(s->err, sizeof s->err,
                 "a tag at line %zu (byte offset %zu) is longer than %zu bytes, the limit per tag",
                 s->lt_line, s->lt_pos, s->lim.max_tag);
    else
        snprintf(s->err, sizeof s->err,
                 "a markup declaration (<!...>) at line %zu (byte offset %zu) is outside the "
                 "prolog",
                 s->lt_line, s->lt_pos);
    return -1;
}

/* Lex one byte; returns 1 when it belongs in the output, 0 when not, -1 with
 * err set (a limit, out of memory). */
static int s_lex(silta_xmlsplit_t *s, char c)
{
    int ended = 0, drop = 0;
    int in_tag = s->st == S_LT || s->st == S_STAG || s->st == S_DQ || s->st == S_SQ ||
                 s->st == S_ETAG;
    switch (s->st) {
    case S_TEXT:
        if (c == '<') {
            s->st = S_LT;
            s->lt_ob = s->len;
            s->lt_pos = s->pos;
            s->lt_line = s->line;
            in_tag = 1;
            /* Perhaps a record's start, or a comment to drop: hold the '<'
             * until the next byte says (the parser must not have it if the
             * record is then replaced or the comment dropped). */
            if (s_outside(s))
                s->held = s->len;
        } else {
            drop = s_outside(s);
        }
        break;
    case S_LT:
        if (s_outside(s) && (c == '?' || c == '!')) {
            s->len = s->lt_ob; /* the held '<' goes too */
            s->held = S_NONE;
            s->dropping = drop = 1;
        } else if (s_outside(s) && (c == '/' || s->depth == 0)) {
            s->held = S_NONE; /* the root's end tag, or content after the root */
        }
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
            s->nattrs = 0;
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
        } else if (c == '=') {
            if (++s->nattrs > s->lim.max_attrs)
                return s_refuse(s, S_TOO_MANY_ATTRS);
        } else if (c == '>') {
            s->st = S_TEXT;
            if (s->depth == 0)
                s->root_seen = 1;
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
        if (c == '>' && s->run) {
            s->st = S_TEXT;
            drop = s->dropping;
            s->dropping = 0;
        }
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
        } else if (c == '>' || s->nbang == 7) {
            if (s->dropping)
                return s_refuse(s, S_DECL_OUTSIDE);
            s->st = c == '>' ? S_TEXT : S_DECL;
        }
        break;
    case S_COMMENT:
    case S_CDATA:
        if (c == '>' && s->run >= 2) {
            s->st = S_TEXT;
            s->run = 0;
            drop = s->dropping;
            s->dropping = 0;
        } else {
            s->run = c == (s->st == S_COMMENT ? '-' : ']') ? s->run + 1 : 0;
        }
        break;
    default: /* S_DECL */
        if (c == '>')
            s->st = S_TEXT;
        break;
    }
    if (in_tag && s->pos + 1 - s->lt_pos > s->lim.max_tag)
        return s_refuse(s, S_TAG_TOO_LONG);
    if (drop || s->dropping) {
        if (c != '\n')
            return 0;
        if (s->nl_run < S_NL_KEEP) {
            s->nl_run++;
            return 1; /* the parser's line numbers stay the file's */
        }
        s->nl_dropped++;
        return 0;
    }
    int emit = !s->skipping;
    if (s->in_rec && s->skipping && c == '\n')
        s->rec_nl++;
    if (ended)
        return s_record_end(s, s->pos + 1) == 0 ? emit : -1;
    if (s->in_rec && !s->skipping && s->pos + 1 - s->rec_start > s->lim.max_record) {
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

static size_t s_newlines(const char *p, size_t n)
{
    size_t k = 0;
    for (const char *e = p + n; (p = memchr(p, '\n', (size_t)(e - p))) != NULL; p++)
        k++;
    return k;
}

/* Inside a start tag, a quoted value or an end tag: how many of the n bytes at
 * p change no lexer state (no quote, '=', '/' or '>' that s_lex would act
 * on), cut so that none of them passes the tag or record limit; 0 when the
 * byte path must take the next byte. */
static size_t s_tag_run(const silta_xmlsplit_t *s, const char *p, size_t n)
{
    size_t k = 0;
    switch (s->st) {
    case S_STAG: {
        static const unsigned char stop[256] = {['"'] = 1, ['\''] = 1, ['='] = 1, ['>'] = 1,
                                                ['/'] = 1};
        while (k < n && !stop[(unsigned char)p[k]])
            k++;
        break;
    }
    case S_DQ:
    case S_SQ: {
        const char *q = memchr(p, s->st == S_DQ ? '"' : '\'', n);
        k = q ? (size_t)(q - p) : n;
        break;
    }
    case S_ETAG: {
        const char *q = memchr(p, '>', n);
        k = q ? (size_t)(q - p) : n;
        break;
    }
    default:
        return 0;
    }
    /* s_lex refuses the byte at pos when pos + 1 - lt_pos > max_tag, and
     * replaces the record when pos + 1 - rec_start > max_record. */
    size_t room = s->lim.max_tag >= s->pos - s->lt_pos ? s->lim.max_tag - (s->pos - s->lt_pos) : 0;
    if (k > room)
        k = room;
    if (s->in_rec && !s->skipping) {
        size_t used = s->pos - s->rec_start;
        room = s->lim.max_record >= used ? s->lim.max_record - used : 0;
        if (k > room)
            k = room;
    }
    return k;
}

/* Take a run s_tag_run allowed: what s_lex would do byte by byte (count the
 * lines, give the bytes to the parser unless the record is being skipped).
 * Returns 0, or -1 out of memory. */
static int s_tag_take(silta_xmlsplit_t *s, const char *p, size_t run)
{
    size_t nl = s_newlines(p, run);
    if (s->skipping) {
        s->rec_nl += s->in_rec ? nl : 0;
    } else if (!s->scan_only) {
        if (s_reserve(s, run) != 0)
            return -1;
        memcpy(s->ob + s->len, p, run);
        s->len += run;
    }
    s->line += nl;
    if (s->st == S_STAG)
        s->slash = 0;
    s->pos += run;
    return 0;
}

/* Lex n bytes of the file. Returns 0, or -1 with err set. */
static int s_feed(silta_xmlsplit_t *s, const char *in, size_t n)
{
    /* Placeholders can outgrow what they replace (a limit under their size), so
     * every append reserves its own room; this is the one allocation of a
     * chunk in the usual case. */
    if (!s->scan_only && s_reserve(s, n + sizeof S_PH) != 0)
        goto oom;
    for (size_t i = 0; i < n;) {
        /* Fast path: a run of character data changes no state; copy it (or,
         * outside the records or in a skipped record, count its newlines)
         * unless the run may pass the limit, which the byte path handles. */
        if (s->st == S_TEXT && in[i] != '<') {
            const char *lt = memchr(in + i, '<', n - i);
            size_t run = lt ? (size_t)(lt - (in + i)) : n - i;
            if (!(s->in_rec && !s->skipping && s->pos + run - s->rec_start > s->lim.max_record)) {
                size_t nl = s_newlines(in + i, run);
                s->line += nl;
                if (s_outside(s)) {
                    size_t keep = S_NL_KEEP - s->nl_run < nl ? S_NL_KEEP - s->nl_run : nl;
                    s->nl_dropped += nl - keep;
                    s->nl_run += keep;
                    if (keep && !s->scan_only) {
                        if (s_reserve(s, keep) != 0)
                            goto oom;
                        memset(s->ob + s->len, '\n', keep);
                        s->len += keep;
                    }
                } else if (s->skipping) {
                    s->rec_nl += s->in_rec ? nl : 0;
                } else if (!s->scan_only) {
                    if (s_reserve(s, run) != 0)
                        goto oom;
                    memcpy(s->ob + s->len, in + i, run);
                    s->len += run;
                }
                s->pos += run;
                i += run;
                continue;
            }
        }
        size_t run = s_tag_run(s, in + i, n - i);
        if (run > 0) {
            if (s_tag_take(s, in + i, run) != 0)
                goto oom;
            i += run;
            continue;
        }
        int e = s_lex(s, in[i]);
        if (e < 0 && s->err[0])
            return -1;
        if (e > 0 && !s->scan_only && s->len == s->cap && s_reserve(s, 1) != 0)
            e = -1;
        if (e < 0)
            goto oom;
        if (e && !s->scan_only)
            s->ob[s->len++] = in[i];
        s->line += in[i] == '\n';
        s->pos++;
        i++;
    }
    return 0;
oom:
    snprintf(s->err, sizeof s->err, "out of memory");
    return -1;
}

static int s_fill(silta_xmlsplit_t *s)
{
    if (s->stop && s->stop(s->stop_arg)) {
        snprintf(s->err, sizeof s->err, "stopped");
        errno = EINTR;
        return -1;
    }
    ssize_t n;
    do
        n = read(s->fd, s->in, S_CHUNK);
    while (n < 0 && errno == EINTR);
    if (n < 0)
        return -1;
    if (n == 0) {
        s->eof = 1;
        /* The file ends inside a record: give the parser what there is. */
        if (s->in_rec && s_record_end(s, s->pos) != 0) {
            errno = ENOMEM;
            return -1;
        }
        return 0;
    }
    if (s_feed(s, s->in, (size_t)n) != 0) {
        errno = strcmp(s->err, "out of memory") == 0 ? ENOMEM : EINVAL;
        return -1;
    }
    return 0;
}

int silta_xmlsplit_read(silta_xmlsplit_t *self, char *buf, int len)
{
    for (;;) {
        if (self->err[0]) {
            errno = strcmp(self->err, "stopped") == 0 ? EINTR : EINVAL;
            return -1;
        }
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

const char *silta_xmlsplit_error(const silta_xmlsplit_t *self)
{
    return self->err[0] ? self->err : NULL;
}

int silta_xmlsplit_check(const char *data, size_t len, const silta_xmlsplit_limits_t *lim,
                         char *why, size_t wsize)
{
    silta_xmlsplit_limits_t l = *lim;
    l.max_record = S_NONE;
    silta_xmlsplit_t *s = silta_xmlsplit_new(-1, &l);
    if (!s) {
        snprintf(why, wsize, "out of memory");
        return -1;
    }
    s->scan_only = 1;
    int rc = s_feed(s, data, len);
    if (rc != 0)
        snprintf(why, wsize, "%s", s->err);
    silta_xmlsplit_destroy(&s);
    return rc;
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
