/*  silta_xmlsplit.h - the byte stream of a batch file as libxml2's streaming
 *  reader should see it: the file's bytes, except that a record (a child
 *  element of the root) over the record limit is replaced by the empty
 *  element <silta-oversize-record/> and never reaches the parser, and that
 *  what is not a record (comments, processing instructions, CDATA and text
 *  between the records or after the root) is dropped.
 *
 *  Why: libxml2 builds each text node whole before the reader sees it, and
 *  fails the whole document on a text node over 10,000,000 bytes ("huge text
 *  node"), so a reader cannot skip an oversize record once it has begun
 *  parsing it. Here a small lexer runs over the raw bytes (ASCII-compatible
 *  encodings: UTF-8, ISO-8859-1/15, windows-1252) tracking start tags, end
 *  tags, quoted attribute values, comments, CDATA sections and processing
 *  instructions, so it knows where each record begins and ends. A record is
 *  held back until it ends or passes the limit; past the limit, what was held
 *  is replaced by the placeholder and the rest of the record is skipped
 *  unread by the parser. Time is linear in the file; memory is the limit plus
 *  two read chunks, whatever lies between the records (libxml2 would keep a
 *  comment between records until the root ends).
 *
 *  Hostile markup: libxml2 2.9 checks each new attribute of a start tag
 *  against all the earlier ones, and its push parser rescans an unfinished
 *  tag for each chunk, so a start tag with 10^6 attributes costs minutes.
 *  The lexer counts attributes (their '=' signs) and a tag's bytes as it
 *  goes and refuses the stream at the first tag over a limit (the limits:
 *  silta_xml.h), before the parser is given that tag's '>'; the read then
 *  fails and silta_xmlsplit_error() says which limit, at which line and byte.
 *
 *  The sizes of the records, in file order, wait in a queue for the reader:
 *  silta_xmlsplit_next_record() gives each record's size and whether it was
 *  replaced. On a malformed document the lexer may disagree with libxml2;
 *  libxml2 then reports the document as malformed, which is the answer.
 *
 *  Not here: parsing, policy (silta_xml), what an oversize record means
 *  (silta_batch).
 */
#ifndef SILTA_XMLSPLIT_H
#define SILTA_XMLSPLIT_H

#include <stddef.h>

#define SILTA_XMLSPLIT_PLACEHOLDER "silta-oversize-record"

typedef struct silta_xmlsplit_t silta_xmlsplit_t;

typedef struct {
    size_t max_record; /* bytes of one record; over it, replaced (SIZE_MAX: never) */
    size_t max_attrs;  /* attributes (namespace declarations too) of one start tag */
    size_t max_tag;    /* bytes of one start or end tag, from '<' to '>' */
} silta_xmlsplit_limits_t;

/* A splitter reading fd (borrowed: the caller closes it) from its current
 * offset under lim (copied). NULL when out of memory. */
silta_xmlsplit_t *silta_xmlsplit_new(int fd, const silta_xmlsplit_limits_t *lim);
void silta_xmlsplit_destroy(silta_xmlsplit_t **self_p);

/* stop(arg) is asked before each read of the file (every 64 KiB); when it
 * returns non-zero the read fails (errno EINTR, silta_xmlsplit_error "stopped"). */
void silta_xmlsplit_set_stop(silta_xmlsplit_t *self, int (*stop)(void *), void *arg);

/* Up to len bytes of the filtered document into buf (an xmlInputReadCallback's
 * contract). Returns the count, 0 at the end, or -1 with errno: EINVAL (a
 * markup limit: silta_xmlsplit_error), EINTR (stopped), ENOMEM, or the read's. */
int silta_xmlsplit_read(silta_xmlsplit_t *self, char *buf, int len);

/* Why the stream was refused ("an element at line 3 (byte 120) has more than
 * 256 attributes, the limit per element"; never document content), or NULL.
 * Borrowed, valid until destroy. */
const char *silta_xmlsplit_error(const silta_xmlsplit_t *self);

/* Check a whole document in memory against lim's max_attrs and max_tag (the
 * same lexer, no output kept). Returns 0, or -1 with the reason in why
 * (wsize bytes; out of memory says so). */
int silta_xmlsplit_check(const char *data, size_t len, const silta_xmlsplit_limits_t *lim,
                         char *why, size_t wsize);

/* The next record's size in the file and whether it is over the limit (1:
 * the parser was given the placeholder, or the record when it ended on the
 * very byte that passed the limit; either way it is not to be used). Returns
 * 1, or 0 when no record is known yet. Records are counted in file order, one
 * per child element of the root; a record the file ends inside counts too. */
int silta_xmlsplit_next_record(silta_xmlsplit_t *self, size_t *bytes, int *over);

/* Bytes read from the file so far. */
size_t silta_xmlsplit_total(const silta_xmlsplit_t *self);

/* Newlines of the file that the parser has not seen (inside replaced records
 * it has been given so far, and past 4096 in a row of dropped text; dropped
 * text's newlines are otherwise given to the parser): add to a parser's line
 * number to get the file's. */
size_t silta_xmlsplit_lines_dropped(const silta_xmlsplit_t *self);

#endif
