-- 004_cursor.sql - delivery state as a cursor per consumer, not a row per delivery.
--
-- cursor       one row per consumer: mark_delete (every journal seq at or below it
--              is finished for the consumer: acked, withheld or dead-lettered) and
--              acked, the finished seqs above it as flat inclusive pairs
--              {lo,hi,lo,hi,...} (Pulsar's mark-delete position and individually
--              deleted ranges). The hub checkpoints it in batches, in the statement
--              that writes the delivery log and the disclosure rows; a restarted
--              hub reads the journal from mark_delete (the consumer's types) and
--              skips the acked ranges. Nothing is written per delivery any more.
-- delivery     no longer written for each published event. What it holds now is
--              delivered on top of the cursor and its row deleted when finished:
--              the rows pending when this migration ran (each consumer's cursor
--              starts at the journal's end, so those events are not read twice)
--              and dead letters put back by `siltactl dlq replay`.

CREATE TABLE hub.cursor (
    consumer_id  int PRIMARY KEY,
    mark_delete  bigint NOT NULL,
    acked        bigint[] NOT NULL DEFAULT '{}',
    updated_at   timestamptz NOT NULL DEFAULT now()
);

INSERT INTO hub.cursor (consumer_id, mark_delete)
SELECT c.id, coalesce((SELECT max(seq) FROM hub.journal), 0) FROM hub.consumer c
ON CONFLICT (consumer_id) DO NOTHING;
