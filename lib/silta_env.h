/*  silta_env.h - read $SILTA_HOME/env, the local deployment's contract.
 *
 *  `ops/silta-local up` writes $SILTA_HOME/env as shell KEY=value lines
 *  (SILTA_HUB_ENDPOINT, SILTA_PG_URL, key paths, ...). Every program calls
 *  silta_env_load() first: each KEY not already in the environment is set from
 *  the file, so an explicit environment variable always wins.
 *  SILTA_HOME defaults to ./var.
 */
#ifndef SILTA_ENV_H
#define SILTA_ENV_H

#include "silta_err.h"

/* Load $SILTA_HOME/env (or the file at SILTA_ENV_FILE). A missing file is not
 * an error (returns 0 and sets nothing); a line that is not KEY=value is
 * skipped with a warning. */
int silta_env_load(silta_err_t *err);

/* Borrowed value of KEY, or fallback when unset or empty. */
const char *silta_env_get(const char *key, const char *fallback);

/* The value of KEY or, when missing, fill err with a message naming the key and
 * the env file, and return NULL. */
const char *silta_env_require(const char *key, silta_err_t *err);

/* $SILTA_HOME, or "var". */
const char *silta_env_home(void);

#endif
