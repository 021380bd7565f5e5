/*  hub_cursor.c - a consumer's mark-delete position and finished ranges.
 *
 *  Invariants (checked by tests/unit/test_hub_cursor.c):
 *    - ring[start .. start+len) holds seqs ascending, each at or below
 *      read_pos; an entry with S_DONE set is finished, one without is pending;
 *    - the first entry, when there is one, is pending (finished entries at the
 *      front are dropped at once), so mark_delete = first - 1, else read_pos;
 *    - npending counts the entries without S_DONE;
 *    - skip[0 .. 2*nskip) are disjoint inclusive ranges lo,hi, ascending, all
 *      above read_pos (read_to drops or trims what it passes).
 *
 *  A seq's life here:
 *
 *     (not read) --read()--> pending --finish()--> finished (dropped from the
 *         |                                         front once nothing older
 *         +--finish()--> skip --read()/read_to()--> finished   is pending)
 */
#include "hub_cursor.h"

#include <stdlib.h>
#include <string.h>

#define S_DONE (UINT64_C(1) << 63)

struct hub_cursor_t {
    uint64_t read_pos;
    uint64_t *ring;
    size_t start, len, cap;
    size_t npending;
    uint64_t *skip; /* pairs */
    size_t nskip, cap_skip;
    int dirty;
};

hub_cursor_t *hub_cursor_new(uint64_t mark_delete, const uint64_t *acked, size_t npairs)
{
    hub_cursor_t *self = calloc(1, sizeof *self);
    if (!self)
        return NULL;
    self->read_pos = mark_delete;
    for (size_t i = 0; i < npairs; i++) {
        uint64_t lo = acked[2 * i], hi = acked[2 * i + 1];
        if (hi < lo || hi <= mark_delete)
            continue;
        if (lo <= mark_delete)
            lo = mark_delete + 1;
        if (self->nskip && lo <= self->skip[2 * self->nskip - 1])
            continue; /* not ascending: a damaged checkpoint only costs redeliveries */
        if (self->nskip == self->cap_skip) {
            size_t cap = self->cap_skip ? self->cap_skip * 2 : 8;
            uint64_t *more = realloc(self->skip, cap * 2 * sizeof *more);
            if (!more) {
                hub_cursor_destroy(&self);
                return NULL;
            }
            self->skip = more;
            self->cap_skip = cap;
        }
        self->skip[2 * self->nskip] = lo;
        self->skip[2 * self->nskip + 1] = hi;
        self->nskip++;
    }
    return self;
}

void hub_cursor_destroy(hub_cursor_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    free((*self_p)->ring);
    free((*self_p)->skip);
    free(*self_p);
    *self_p = NULL;
}

uint64_t hub_cursor_read_pos(const hub_cursor_t *self)
{
    return self->read_pos;
}

size_t hub_cursor_pending(const hub_cursor_t *self)
{
    return self->npending;
}

size_t hub_cursor_span(const hub_cursor_t *self)
{
    return self->len;
}

int hub_cursor_dirty(const hub_cursor_t *self)
{
    return self->dirty;
}

void hub_cursor_clean(hub_cursor_t *self)
{
    self->dirty = 0;
}

/* Drop skip ranges that read_pos passed; trim the one it is inside. */
static void s_prune_skip(hub_cursor_t *self)
{
    size_t k = 0;
    while (k < self->nskip && self->skip[2 * k + 1] <= self->read_pos)
        k++;
    if (k) {
        memmove(self->skip, self->skip + 2 * k, (self->nskip - k) * 2 * sizeof *self->skip);
        self->nskip -= k;
    }
    if (self->nskip && self->skip[0] <= self->read_pos)
        self->skip[0] = self->read_pos + 1;
}

static int s_in_skip(const hub_cursor_t *self, uint64_t seq)
{
    for (size_t i = 0; i < self->nskip && self->skip[2 * i] <= seq; i++)
        if (seq <= self->skip[2 * i + 1])
            return 1;
    return 0;
}

void hub_cursor_read_to(hub_cursor_t *self, uint64_t upto)
{
    if (upto <= self->read_pos)
        return;
    self->read_pos = upto;
    s_prune_skip(self);
    self->dirty = 1;
}

int hub_cursor_read(hub_cursor_t *self, uint64_t seq)
{
    if (seq <= self->read_pos)
        return 1; /* read already: pending or finished, never twice */
    if (s_in_skip(self, seq)) {
        hub_cursor_read_to(self, seq);
        return 1;
    }
    if (self->start + self->len == self->cap) {
        if (self->start > self->cap / 2) { /* reuse the front */
            memmove(self->ring, self->ring + self->start, self->len * sizeof *self->ring);
            self->start = 0;
        } else {
            size_t cap = self->cap ? self->cap * 2 : 256;
            uint64_t *more = realloc(self->ring, cap * sizeof *more);
            if (!more)
                return -1;
            self->ring = more;
            self->cap = cap;
        }
    }
    self->ring[self->start + self->len++] = seq;
    self->npending++;
    hub_cursor_read_to(self, seq);
    return 0;
}

/* Index of seq in the ring (pending or finished), or -1. */
static long s_find(const hub_cursor_t *self, uint64_t seq)
{
    size_t lo = 0, hi = self->len;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        uint64_t v = self->ring[self->start + mid] & ~S_DONE;
        if (v == seq)
            return (long)mid;
        if (v < seq)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

static int s_add_skip(hub_cursor_t *self, uint64_t seq)
{
    size_t i = 0;
    while (i < self->nskip && self->skip[2 * i + 1] + 1 < seq)
        i++;
    if (i < self->nskip && self->skip[2 * i] <= seq + 1) { /* touches range i */
        if (seq < self->skip[2 * i])
            self->skip[2 * i] = seq;
        if (seq > self->skip[2 * i + 1]) {
            self->skip[2 * i + 1] = seq;
            if (i + 1 < self->nskip && self->skip[2 * i + 2] == seq + 1) { /* joins i + 1 */
                self->skip[2 * i + 1] = self->skip[2 * i + 3];
                memmove(self->skip + 2 * i + 2, self->skip + 2 * i + 4,
                        (self->nskip - i - 2) * 2 * sizeof *self->skip);
                self->nskip--;
            }
        }
        return 0;
    }
    if (self->nskip == self->cap_skip) {
        size_t cap = self->cap_skip ? self->cap_skip * 2 : 8;
        uint64_t *more = realloc(self->skip, cap * 2 * sizeof *more);
        if (!more)
            return -1;
        self->skip = more;
        self->cap_skip = cap;
    }
    memmove(self->skip + 2 * i + 2, self->skip + 2 * i,
            (self->nskip - i) * 2 * sizeof *self->skip);
    self->skip[2 * i] = self->skip[2 * i + 1] = seq;
    self->nskip++;
    return 0;
}

int hub_cursor_finish(hub_cursor_t *self, uint64_t seq)
{
    if (seq > self->read_pos) {
        if (s_in_skip(self, seq))
            return 0;
        self->dirty = 1;
        return s_add_skip(self, seq);
    }
    long i = s_find(self, seq);
    if (i < 0 || (self->ring[self->start + (size_t)i] & S_DONE))
        return 0;
    self->ring[self->start + (size_t)i] |= S_DONE;
    self->npending--;
    while (self->len && (self->ring[self->start] & S_DONE)) {
        self->start++;
        self->len--;
    }
    if (self->len == 0)
        self->start = 0;
    self->dirty = 1;
    return 0;
}

uint64_t hub_cursor_mark_delete(const hub_cursor_t *self)
{
    return self->len ? self->ring[self->start] - 1 : self->read_pos;
}

long hub_cursor_acked(const hub_cursor_t *self, uint64_t **out)
{
    /* At most one range before each pending seq, one up to read_pos, and the
     * skip ranges. */
    size_t max = self->npending + 1 + self->nskip;
    uint64_t *r = malloc((max ? max : 1) * 2 * sizeof *r);
    if (!r)
        return -1;
    size_t n = 0;
    uint64_t prev = hub_cursor_mark_delete(self);
    for (size_t i = 0; i < self->len; i++) {
        uint64_t v = self->ring[self->start + i];
        if (v & S_DONE)
            continue;
        if (v > prev + 1) {
            r[2 * n] = prev + 1;
            r[2 * n + 1] = v - 1;
            n++;
        }
        prev = v;
    }
    if (self->read_pos > prev) {
        r[2 * n] = prev + 1;
        r[2 * n + 1] = self->read_pos;
        n++;
    }
    for (size_t i = 0; i < self->nskip; i++) {
        if (n && r[2 * n - 1] + 1 == self->skip[2 * i]) { /* continues the last range */
            r[2 * n - 1] = self->skip[2 * i + 1];
            continue;
        }
        r[2 * n] = self->skip[2 * i];
        r[2 * n + 1] = self->skip[2 * i + 1];
        n++;
    }
    *out = r;
    return (long)n;
}
