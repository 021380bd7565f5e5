/*  example_client.c - libsilta in one page: publish one event and wait for its
 *  confirm, then subscribe and acknowledge one delivery.
 *
 *  Built by `make` as build/bin/example-client so it keeps compiling. Run it
 *  against a local deployment:
 *
 *      ops/silta-local up --no-adapters
 *      SILTA_CLIENT_KEY=var/keys/bench.key build/bin/example-client
 *
 *  Everything it needs (hub endpoint, hub public key, this peer's key) comes
 *  from $SILTA_HOME/env. A real adapter has the same shape: publish, then
 *  poll; every poll result is an event to act on. Reconnects, heartbeats and
 *  re-sends after a hub restart happen inside silta_client_poll().
 */
#include <stdio.h>
#include <string.h>

#include "silta_cli.h"
#include "silta_client.h"
#include "silta_env.h"
#include "silta_log.h"
#include "silta_time.h"
#include "silta_uuid.h"

#define TYPE "example.event.v1"
#define QUEUE "operator-example" /* a queue belongs to the identity its name starts with */

int main(int argc, char **argv)
{
    int st = silta_cli_standard(argc, argv, "example-client",
                                "usage: example-client\n"
                                "  publishes one event to the hub of $SILTA_HOME/env and waits for\n"
                                "  its confirm (docs/README.md, \"A client in 40 lines\").\n");
    if (st >= 0)
        return st;
    silta_log_init("example-client");
    silta_err_t err;
    if (silta_env_load(&err) != 0) {
        fprintf(stderr, "example-client: %s\n", err.msg);
        return 1;
    }
    silta_client_opts_t opts;
    memset(&opts, 0, sizeof opts); /* unset options come from the environment */
    opts.name = "example-client";
    silta_client_t *client = silta_client_new(&opts, &err);
    if (!client) {
        fprintf(stderr, "example-client: %s\n", err.msg);
        return 1;
    }

    /* Subscribe first: the queue keeps events published from then on. The
     * subscription is repeated by the library after every reconnect. */
    const char *types[] = {TYPE};
    if (silta_client_subscribe(client, QUEUE, types, 1, 10, &err) != 0) {
        fprintf(stderr, "example-client: %s\n", err.msg);
        silta_client_destroy(&client);
        return 1;
    }

    /* Publish. A new event gets a UUIDv7; an event read from a file that may be
     * read again gets silta_uuid_from_content() so a re-read is a duplicate.
     * client_key is a keyed hash of the hetu, never the hetu itself. */
    char event_id[SILTA_UUID_STRLEN + 1];
    silta_uuid_v7(event_id);
    static const char payload[] = "{\"hello\": \"silta\"}";
    silta_envelope_t ev;
    silta__envelope__init(&ev);
    ev.event_id = event_id;
    ev.type = TYPE;
    ev.client_key = "example-client-key-1";
    ev.occurred_at = silta_now_ms();
    ev.payload_type = "application/json";
    ev.payload.data = (uint8_t *)payload;
    ev.payload.len = sizeof payload - 1;
    uint64_t seq;
    if (silta_client_publish(client, &ev, &seq, &err) != 0) {
        fprintf(stderr, "example-client: %s\n", err.msg);
        silta_client_destroy(&client);
        return 1;
    }

    /* Poll until the event is confirmed (journalled) and one delivery was
     * handled. The event poll fills borrows from the client until the next
     * poll: copy what you keep. */
    int confirmed = 0, acked = 0, rc = 1;
    int64_t deadline = silta_mono_ms() + 30000;
    while ((!confirmed || !acked) && silta_mono_ms() < deadline) {
        silta_client_event_t e;
        if (silta_client_poll(client, 1000, &e) != 0)
            break; /* interrupted */
        switch (e.kind) {
        case SILTA_CLIENT_CONFIRM:
            if (e.seq == seq) {
                printf("confirmed %s%s\n", e.event_id, e.duplicate ? " (duplicate)" : "");
                confirmed = 1;
            }
            break;
        case SILTA_CLIENT_NACK:
            /* seq 0: not about a publish (a refused SUBSCRIBE, an unknown ACK) */
            fprintf(stderr, "example-client: refused (code %u): %s\n", e.code, e.reason);
            if (e.seq == seq)
                deadline = 0;
            break;
        case SILTA_CLIENT_DELIVER:
            /* Do the work, de-duplicating by event_id (delivery is at least
             * once), then ACK; REJECT only what can never succeed. */
            printf("delivered %s type=%s attempt=%u\n", e.event->event_id, e.event->type,
                   e.attempt);
            silta_client_ack(client, e.delivery_id);
            acked = 1;
            break;
        case SILTA_CLIENT_CONNECTED:
            printf("session open\n");
            break;
        case SILTA_CLIENT_DISCONNECTED:
            printf("hub lost; reconnecting\n");
            break;
        case SILTA_CLIENT_UNAVAILABLE:
            /* Once per outage: the hub's database is down; the library sends
             * the publish again by itself, with a growing delay. */
            printf("hub cannot store publishes now (%s); waiting\n", e.reason);
            break;
        case SILTA_CLIENT_NONE:
            break;
        }
    }
    if (confirmed && acked)
        rc = 0;
    else
        fprintf(stderr, "example-client: gave up (confirmed=%d acked=%d)\n", confirmed, acked);
    silta_client_destroy(&client); /* says BYE; unconfirmed events are dropped */
    return rc;
}
