/*  silta_xmlsplit.h - the byte stream of a batch file as libxml2's streaming
 *  reader should see it: the file's bytes, except that a record (a child
 *  element of the root) over the record limit is replaced by the empty
 *  element <silta-oversize-record/> and never reaches the parser.
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
 *  two read chunks.
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

/* A splitter reading fd (borrowed: the caller closes it) from its current
 * offset, with records over max_record bytes replaced. NULL when out of memory. */
silta_xmlsplit_t *silta_xmlsplit_new(int fd, size_t max_record);
void silta_xmlsplit_destroy(silta_xmlsplit_t **self_p);

/* Up to len bytes of the filtered document into buf (an xmlInputReadCallback's
 * contract). Returns the count, 0 at the end, or -1 with errno (read failed). */
int silta_xmlsplit_read(silta_xmlsplit_t *self, char *buf, int len);

/* The next record's size in the file and whether it is over the limit (1:
 * the parser was given the placeholder, or the record when it ended on the
 * very byte that passed the limit; either way it is not to be used). Returns
 * 1, or 0 when no record is known yet. Records are counted in file order, one
 * per child element of the root; a record the file ends inside counts too. */
int silta_xmlsplit_next_record(silta_xmlsplit_t *self, size_t *bytes, int *over);

/* Bytes read from the file so far. */
size_t silta_xmlsplit_total(const silta_xmlsplit_t *self);

/* Newlines of the file that the parser has not seen (inside replaced records
 * it has been given so far): add to a parser's line number to get the file's. */
size_t silta_xmlsplit_lines_dropped(const silta_xmlsplit_t *self);

#endif
