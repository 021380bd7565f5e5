/*  fixture.h - what most integration tests need on top of harness.h: a running
 *  hub in a fresh SILTA_HOME, clients with a given identity, one-number SQL.
 *
 *  These assert (Criterion): a fixture that cannot be set up fails the test
 *  with the reason, so each test reads as its own story.
 */
#ifndef FIXTURE_H
#define FIXTURE_H

#include "silta_client.h"
#include "silta_clientkey.h"
#include "silta_codec.h"

/* A fresh SILTA_HOME with PostgreSQL and the hub up (`silta-local up
 * --no-adapters`), its env file loaded into this process. Returns the home
 * (free with harness_home_destroy). */
char *fixture_up(void);

/* `silta-local up` in the current SILTA_HOME (a home from harness_home_new, with
 * whatever environment the test set after it), with the adapters and the case
 * store when adapters = 1, else `--no-adapters`; asserts it came up and loads
 * its env file into this process. */
void fixture_deploy(int adapters);

/* A client of the hub with the CURVE identity `identity` of home. */
silta_client_t *fixture_client(const char *home, const char *identity);

/* Run sql against $SILTA_PG_URL and return the first column of its first row
 * as a number; fixture_exec runs a statement. */
long fixture_count(const char *sql);
void fixture_exec(const char *sql);
/* fixture_exec as the schemas' owner ($SILTA_PG_ADMIN_URL): what a database
 * insider could do that the programs' own role may not. */
void fixture_exec_admin(const char *sql);

/* The first column of sql's first row as a string ("" when no row; caller
 * frees). */
char *fixture_value(const char *sql);

/* Write lines to home/NAME.txt and `silta-casestore --publish` it (the
 * scenario format of casestore/README.md); asserts it succeeded. */
void fixture_publish(const char *home, const char *name, const char *lines);

/* Only write lines to home/NAME.txt (its path into path[len]), for a test that
 * runs `--publish` itself (in the background, say). */
void fixture_scenario_file(const char *home, const char *name, const char *lines, char *path,
                           size_t len);

/* The client_key of hetu under the deployment's secret (the one in the loaded
 * env; the hub checks it against the payload). Writes out and returns it. */
const char *fixture_client_key(const char *hetu, char out[SILTA_CLIENTKEY_LEN + 1]);

/* Poll c until an event of `kind` arrives (others are passed over); 0, or -1
 * after timeout_ms. */
int fixture_wait(silta_client_t *c, silta_client_event_kind_t kind, int timeout_ms,
                 silta_client_event_t *ev);

/* An envelope of type for client_key with a new v7 id (written to id, which e
 * keeps) and the payload (borrowed), for silta_client_publish. */
void fixture_envelope(silta_envelope_t *e, char id[37], const char *type, const char *client_key,
                      const uint8_t *payload, size_t len);

/* Publish one event (id: a new v7 uuid, written) and wait up to 10 s for its
 * answer: SILTA_CLIENT_CONFIRM or SILTA_CLIENT_NACK (*code set, code may be NULL). */
silta_client_event_kind_t fixture_publish_one(silta_client_t *c, const char *type,
                                              const char *client_key, const uint8_t *payload,
                                              size_t len, char id[37], uint32_t *code);

/* SUBSCRIBE queue to one type (credit 10) and wait up to 10 s for the answer:
 * SILTA_CLIENT_CONFIRM when attached, SILTA_CLIENT_NACK (*code set) when refused. */
silta_client_event_kind_t fixture_subscribe(silta_client_t *c, const char *queue,
                                            const char *type, uint32_t *code);

/* A raw DEALER of ctx with the keypair in keyfile, connected to the hub of the
 * loaded env ($SILTA_HUB_ENDPOINT, $SILTA_HUB_PUBLIC_KEY), linger 0: for
 * speaking the protocol packet by packet. */
void *fixture_raw(void *ctx, const char *keyfile);
/* Receive packets on raw until one of `kind` (a SILTA__PACKET__CMD_*) arrives,
 * others skipped; NULL after timeout_ms. Free with silta_codec_free. */
silta_packet_t *fixture_raw_recv(void *raw, int kind, int timeout_ms);
/* Send a HELLO (protocol 1, heartbeat 1000 ms) on raw. */
void fixture_raw_hello(void *raw);

#endif
