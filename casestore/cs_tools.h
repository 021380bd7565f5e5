/*  cs_tools.h - silta-casestore's side modes and shared start-up helpers.
 *
 *    cs_scenario_publish  read a scenario file (casestore/README.md: the format)
 *                         and publish each line as a typed event through the hub
 *    cs_bench_rules       evaluate every rule over N synthetic in-memory histories
 *    cs_today             the rules' "today": $SILTA_TODAY (YYYY-MM-DD) or the local date
 *
 *  Not here: the main loop (cs_main.c), the store itself (store/).
 */
#ifndef CS_TOOLS_H
#define CS_TOOLS_H

#include "rules/cs_history.h"
#include "rules/cs_rules.h"
#include "store/cs_seal.h"
#include "store/cs_store.h"
#include "silta_clientkey.h"
#include "silta_err.h"

/* $SILTA_TODAY when set (a bad value is an error), else today's local date. */
int cs_today(cs_day_t *out, silta_err_t *err);

/* Open the case store as the running service does: the seal key
 * ($SILTA_CASESTORE_SEAL_KEY or $SILTA_KEYS_DIR/casestore.seal, created when
 * missing), the client_key secret (silta_clientkey_open), $SILTA_PG_URL, the migrations. On success
 * *seal and *ck belong to the caller and must outlive the store. */
cs_store_t *cs_open_store(const cs_params_t *p, cs_seal_t **seal, silta_clientkey_t **ck,
                          silta_err_t *err);

/* Publish the scenario file at path. Each agency's events go out with that
 * agency's key ($SILTA_KEYS_DIR/kela.key, employment.key, health.key), as the
 * routing policy requires; social.* lines are caseworker actions: applied to
 * the case store here (after every earlier event of the file has been
 * applied by the running silta-casestore) and then published with
 * casestore.key. Waits up to timeout_ms for confirms and for the running
 * silta-casestore to apply every agency event; prints a summary line.
 * Returns 0 when every event was confirmed (or a duplicate), 1 otherwise. */
int cs_scenario_publish(const char *path, const cs_params_t *p, int timeout_ms);

/* Time every rule (and the plan) over n synthetic client histories; prints
 * one line of figures. Returns 0. */
int cs_bench_rules(long n, const cs_params_t *p, cs_day_t today);

/* The bench's generator: client i's synthetic history around today into h
 * (dates within about a year of today), advancing *seed. Also used by the
 * rules' tests (tests/unit/test_casestore_rules.c). */
void cs_bench_history(cs_history_t *h, unsigned long *seed, long i, cs_day_t today);

#endif
