/*  silta_spool.h - an adapter's spool folders and crash-safe file moves.
 *
 *  Layout (one adapter):
 *
 *      <root>/inbox/      files to ingest; only complete files belong here: a
 *                         sender writes NAME.tmp or .NAME and renames. Names
 *                         starting with '.' or ending in .tmp/.part are ignored.
 *      <root>/done/       ingested files (every published event confirmed),
 *                         with NAME.report when some records were rejected
 *      <root>/rejected/   files of which nothing could be used, or that could not
 *                         be read to their end, with NAME.report
 *      <outbox>/          what the adapter writes back to the agency
 *
 *  done/ and rejected/ are siblings of the inbox (same file system, so a move
 *  is one rename). Every write that must survive a crash is write to a
 *  temporary name, fsync, rename, fsync of the folder.
 *
 *  Not here: parsing, publishing, deciding which folder a file goes to.
 */
#ifndef SILTA_SPOOL_H
#define SILTA_SPOOL_H

#include <stddef.h>
#include <stdio.h>

#include "silta_err.h"

#define SILTA_SPOOL_PATH_MAX 4096
#define SILTA_SPOOL_NAME_MAX 255

typedef struct {
    char inbox[SILTA_SPOOL_PATH_MAX];
    char done[SILTA_SPOOL_PATH_MAX];
    char rejected[SILTA_SPOOL_PATH_MAX];
    char outbox[SILTA_SPOOL_PATH_MAX];
} silta_spool_t;

/* Fill *sp from the inbox and outbox paths and create the four folders
 * (0750, with parents). Returns 0 or SILTA_ERR with the path in err. */
int silta_spool_open(silta_spool_t *sp, const char *inbox, const char *outbox, silta_err_t *err);

/* The name (not path) of the first file in the inbox in byte order, skipping
 * ignored names and anything not a regular file, into name. Returns 1 when
 * found, 0 when the inbox is empty, SILTA_ERR when it cannot be read. */
int silta_spool_next(const silta_spool_t *sp, char name[SILTA_SPOOL_NAME_MAX + 1],
                     silta_err_t *err);

/* 1 when the inbox should skip this name (dot file, .tmp, .part). */
int silta_spool_ignored(const char *name);

/* Move inbox/NAME into folder (sp->done or sp->rejected); when that name is
 * taken there, NAME.1, NAME.2, ... Fsyncs both folders. */
int silta_spool_move(const silta_spool_t *sp, const char *name, const char *folder,
                     silta_err_t *err);

/* Write data to dir/name atomically: dir/.name.tmp, fsync, rename, fsync dir.
 * An existing dir/name is replaced (a redelivered message writes the same). */
int silta_spool_write(const char *dir, const char *name, const void *data, size_t len,
                      silta_err_t *err);

/* A report that appears in the folder only when committed. */
typedef struct {
    FILE *f;
    char tmp[SILTA_SPOOL_PATH_MAX + SILTA_SPOOL_NAME_MAX + 32];
    char dir[SILTA_SPOOL_PATH_MAX];
    char name[SILTA_SPOOL_NAME_MAX + 16];
    size_t lines;
} silta_spool_report_t;

/* Start a report for input NAME: written to <done>/.NAME.report.tmp. */
int silta_spool_report_open(silta_spool_report_t *rp, const silta_spool_t *sp, const char *name,
                            silta_err_t *err);

/* One line: record=N field=F reason="..." (quotes and newlines in reason are
 * replaced). record 0 is about the whole file. */
void silta_spool_report_line(silta_spool_report_t *rp, unsigned long record, const char *field,
                             const char *reason);

/* Write the trailing summary, fsync and rename to folder/NAME.report. */
int silta_spool_report_commit(silta_spool_report_t *rp, const char *folder, const char *summary,
                              silta_err_t *err);

/* Drop an uncommitted report (its temporary file goes). Harmless when closed. */
void silta_spool_report_abort(silta_spool_report_t *rp);

/* fsync a folder (after a rename into it). */
int silta_spool_sync_dir(const char *dir);

#endif
