/*  silta_redact.h - find and mask personal identity codes (hetu) in free text:
 *  the one redaction every log line and every error reason passes through.
 *
 *  A hetu reaches text through channels nobody wrote it into on purpose: a
 *  spool file name, an HTTP path or query, a client key that merely contains
 *  one ("x010185-901E"), a peer's HELLO name, a value quoted by a parser's
 *  error. So the logging layer (silta_log.c) and silta_err_set mask every
 *  substring that *is* a hetu - its date exists and its check character
 *  holds (silta_hetu.h) - wherever it stands in the text, as "[hetu]".
 *
 *  What is left intact, so that the ids an operator greps for survive:
 *    * canonical UUIDs (8-4-4-4-12 hex digits: event ids, delivery ids), even
 *      where a stretch of one happens to read as a hetu;
 *    * runs of more than 11 hex digits (client keys "ck_<32 hex>", hashes):
 *      a 2000s century sign (A-F) and a check character can be hex digits, so
 *      about one keyed hash in 7,000 contains a valid hetu by chance, and
 *      masking it would break the one id of that client.
 *  A lowercase century sign or check character still counts as a hetu.
 *
 *  Linear in the text's length; no allocation; no state.
 *
 *  Not here: validating a hetu field (silta_hetu_parse), the keyed pseudonym
 *  (silta_clientkey), escaping control characters (silta_log.c).
 */
#ifndef SILTA_REDACT_H
#define SILTA_REDACT_H

#include <stddef.h>

#define SILTA_REDACT_MASK "[hetu]"

/* The offset in s[0..len) of the first hetu (as above), or len when there is
 * none. s need not be NUL-terminated. */
size_t silta_redact_find(const char *s, size_t len);

/* 1 when s (NUL-terminated; NULL is none) contains a hetu, else 0. */
int silta_redact_has_hetu(const char *s);

/* Replace every hetu in the NUL-terminated s by SILTA_REDACT_MASK, in place
 * (the mask is shorter, so s only shrinks). Returns the number replaced. */
size_t silta_redact_hetus(char *s);

#endif
