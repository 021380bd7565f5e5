-- 001_journal.sql - the hub's durable state (schema "hub").
--
-- journal      every accepted event, once (event_id unique); append-only.
-- consumer     durable queues: created by the first SUBSCRIBE, kept across restarts.
-- delivery     what each consumer still owes an ACK for: one row per (consumer, seq),
--              written in the same transaction as the journal row, deleted (in
--              batches) when acknowledged. A hub that restarts reloads it.
-- delivery_log one row per finished delivery (acked / rejected / dead), written
--              in batches with the deletes; `siltactl trace` reads it.
-- dead_letter  deliveries that were rejected or ran out of attempts, with the reason.
-- peer / consumer_status  a once-a-second snapshot of in-memory state for siltactl.

CREATE TABLE hub.journal (
    seq          bigserial PRIMARY KEY,
    event_id     uuid NOT NULL UNIQUE,
    type         text NOT NULL,
    source       text NOT NULL,
    client_key   text NOT NULL,
    occurred_at  timestamptz,
    recorded_at  timestamptz NOT NULL DEFAULT now(),
    envelope     bytea NOT NULL
);
CREATE INDEX journal_recorded_at ON hub.journal (recorded_at);

CREATE TABLE hub.consumer (
    id          serial PRIMARY KEY,
    name        text NOT NULL UNIQUE,
    types       text[] NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE hub.delivery (
    consumer_id  int NOT NULL REFERENCES hub.consumer(id),
    seq          bigint NOT NULL,
    attempts     int NOT NULL DEFAULT 0,
    PRIMARY KEY (consumer_id, seq)
);

CREATE TABLE hub.delivery_log (
    consumer_id  int NOT NULL,
    seq          bigint NOT NULL,
    attempt      int NOT NULL,
    delivered_at timestamptz,
    outcome      text NOT NULL,          -- acked | rejected | dead | replayed
    outcome_at   timestamptz NOT NULL DEFAULT now(),
    detail       text
);
CREATE INDEX delivery_log_seq ON hub.delivery_log (seq);

CREATE TABLE hub.dead_letter (
    id           bigserial PRIMARY KEY,
    consumer_id  int NOT NULL REFERENCES hub.consumer(id),
    seq          bigint NOT NULL,
    attempts     int NOT NULL,
    reason       text NOT NULL,
    dead_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (consumer_id, seq)
);

-- Written by the hub about once a second; siltactl status reads it. hub_instance
-- tells a stale row (a hub that died) from a live one: updated_at is old.
CREATE TABLE hub.consumer_status (
    consumer_id  int PRIMARY KEY REFERENCES hub.consumer(id),
    connected    boolean NOT NULL,
    in_flight    int NOT NULL,
    credit       int NOT NULL,
    updated_at   timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE hub.peer (
    routing_id   text PRIMARY KEY,
    identity     text NOT NULL,
    name         text NOT NULL,
    address      text,
    consumer     text,
    connected_at timestamptz NOT NULL,
    last_seen    timestamptz NOT NULL
);

CREATE TABLE hub.instance (
    id           int PRIMARY KEY DEFAULT 1 CHECK (id = 1),
    instance     text NOT NULL,
    pid          int NOT NULL,
    started_at   timestamptz NOT NULL,
    updated_at   timestamptz NOT NULL
);
