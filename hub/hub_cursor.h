/*  hub_cursor.h - one consumer's position in the journal, in memory.
 *
 *  The model of Pulsar's managed cursor: a mark-delete position (every journal
 *  seq at or below it is finished for this consumer) plus the set of seqs
 *  above it that are finished too (acknowledged, withheld or dead-lettered)
 *  while an older one is still pending. What is durable is exactly that pair,
 *  checkpointed in batches into hub.cursor (hub_journal.h); a restarted hub
 *  reads the journal again from the mark-delete position and skips the
 *  finished ranges, so every confirmed, unfinished event is delivered again.
 *
 *  This module does no I/O and holds no events (hub_queue.c does). It knows:
 *
 *    read_pos   the highest seq read from the journal for this consumer: every
 *               seq at or below it is either pending here or finished;
 *    pending    the seqs read and not yet finished, ascending;
 *    skip       finished seqs above read_pos (restored from a checkpoint, or
 *               finished before paging reached them): read past, never
 *               delivered again.
 *
 *      journal seq:  ... md | p . . p . p . . . . | skip . skip | ...
 *                    mark-delete   pending (p)  read_pos      not read yet
 *
 *  Unit-tested in tests/unit/test_hub_cursor.c.
 */
#ifndef HUB_CURSOR_H
#define HUB_CURSOR_H

#include <stddef.h>
#include <stdint.h>

typedef struct hub_cursor_t hub_cursor_t;

/* A cursor at mark_delete with the finished ranges acked[0..2*npairs) (flat
 * pairs lo,hi, inclusive, ascending, all above mark_delete; others ignored).
 * NULL on out of memory. */
hub_cursor_t *hub_cursor_new(uint64_t mark_delete, const uint64_t *acked, size_t npairs);
void hub_cursor_destroy(hub_cursor_t **self_p);

uint64_t hub_cursor_read_pos(const hub_cursor_t *self);
/* Seqs read and not finished. */
size_t hub_cursor_pending(const hub_cursor_t *self);
/* Seqs remembered from the oldest pending one up to read_pos (pending and
 * finished): what the cursor holds in memory. The caller stops paging when
 * this is large, which bounds the memory a stuck delivery can cost. */
size_t hub_cursor_span(const hub_cursor_t *self);

/* seq (above read_pos) was read from the journal for this consumer. Returns
 * 0: it is pending now (deliver it); 1: it was finished already (skip it);
 * -1: out of memory (nothing changed; read it again later). */
int hub_cursor_read(hub_cursor_t *self, uint64_t seq);
/* Every seq up to upto has been read (the rest were not this consumer's). */
void hub_cursor_read_to(hub_cursor_t *self, uint64_t upto);
/* seq is finished. A pending seq stops pending; one above read_pos is skipped
 * when paging reaches it; one at or below the mark-delete changes nothing.
 * 0, or -1 on out of memory (the seq is then delivered again after a restart:
 * at least once still holds). */
int hub_cursor_finish(hub_cursor_t *self, uint64_t seq);

/* Every seq at or below it is finished. */
uint64_t hub_cursor_mark_delete(const hub_cursor_t *self);
/* The finished ranges above the mark-delete as flat pairs lo,hi, ascending,
 * into *out (malloc'd; the caller frees). Returns the number of pairs, or -1
 * on out of memory. */
long hub_cursor_acked(const hub_cursor_t *self, uint64_t **out);

/* 1 when the durable form changed since hub_cursor_clean. */
int hub_cursor_dirty(const hub_cursor_t *self);
void hub_cursor_clean(hub_cursor_t *self);

#endif
