-- 005_partitions.sql - the journal partitioned by seq ranges cut at time boundaries, so
-- retention drops whole partitions instead of deleting rows (docs/operations.md
-- "Journal retention").
--
-- Design (measured and argued in hub/README.md "Journal partitions"):
--
-- journal      PARTITION BY RANGE (seq). Partition k holds seqs [k * 2^40, (k+1) * 2^40):
--              a span no partition ever fills. The primary key (seq) is the partition key,
--              so it stays unique. A partition is "cut" at a time boundary by
--              `siltactl journal retain` (schema owner, daily timer): it creates
--              partition k+1 and moves the sequence to its first seq; from then on new
--              rows land there and partition k is closed. Nothing is scanned or moved:
--              seqs simply jump (they already had gaps; the hub's cursor holds seqs,
--              not offsets, so a gap costs nothing).
-- journal_id   event_id -> seq, the exactly-once dedupe. PostgreSQL cannot enforce a
--              unique event_id over a table partitioned by seq, so the turn's one
--              statement inserts the ids here first (ON CONFLICT (event_id) DO
--              NOTHING) and journals only the rows whose id was new. When retention
--              drops a partition it deletes that partition's ids here through this
--              primary key (small rows; the journal rows themselves are never
--              DELETEd), so a re-sent event_id is deduplicated for as long as its
--              event is kept.
-- journal_part the catalogue: each partition's seq range and time span (opened_at:
--              when it started taking rows; closed_at: when the next one did; NULL
--              for the open one), and when retention dropped it (the row stays as the
--              record of what was dropped, when, and how much).
--
-- A partition's life (the catalogue row says which state it is in):
--
--     open --(cut: its period is over; the next one is created, the sequence moves)--> closed
--     closed --(retain: closed > KEEP_DAYS ago, every cursor past its newest seq, no dead
--               letter or explicit delivery in its range; ids deleted, DETACH, DROP)--> dropped
--
--   exactly one partition is open (closed_at NULL) and it has the highest lo; the sequence
--   is inside the open partition's range once a cut has finished (a cut that died between
--   its commit and setval is finished by the next run); a dropped partition has no table.
--
-- The upgrade: the existing journal becomes partition 0 (its rows are not copied; ATTACH
-- checks them once), its ids are copied into journal_id, and its event_id index, now
-- redundant, goes.

ALTER TABLE hub.journal RENAME TO journal_p0;
ALTER INDEX hub.journal_pkey RENAME TO journal_p0_pkey;
-- The recorded_at index goes: nothing reads the journal by time (pages, cursors, trace and
-- dead letters go by seq), and deleting by time, what it was for, is now dropping partitions;
-- one index fewer pays for part of the dedupe table's row on the hot write.
DROP INDEX hub.journal_recorded_at;

CREATE TABLE hub.journal (
    seq          bigint NOT NULL DEFAULT nextval('hub.journal_seq_seq'),
    event_id     uuid NOT NULL,
    type         text NOT NULL,
    source       text NOT NULL,
    client_key   text NOT NULL,
    occurred_at  timestamptz,
    recorded_at  timestamptz NOT NULL DEFAULT now(),
    envelope     bytea NOT NULL,
    PRIMARY KEY (seq)
) PARTITION BY RANGE (seq);
ALTER SEQUENCE hub.journal_seq_seq OWNED BY hub.journal.seq;
ALTER TABLE hub.journal_p0 ALTER COLUMN seq DROP DEFAULT;

CREATE TABLE hub.journal_id (
    event_id     uuid PRIMARY KEY,
    seq          bigint NOT NULL
);
INSERT INTO hub.journal_id (event_id, seq) SELECT event_id, seq FROM hub.journal_p0;
ALTER TABLE hub.journal_p0 DROP CONSTRAINT journal_event_id_key;

ALTER TABLE hub.journal ATTACH PARTITION hub.journal_p0 FOR VALUES FROM (0) TO (1099511627776);

CREATE TABLE hub.journal_part (
    name         text PRIMARY KEY,          -- journal_p<k>, in schema hub
    lo           bigint NOT NULL UNIQUE,    -- first seq (k * 2^40)
    hi           bigint NOT NULL,           -- first seq of the next partition
    opened_at    timestamptz NOT NULL,
    closed_at    timestamptz,               -- NULL: the open partition
    dropped_at   timestamptz,               -- set by retention; the row stays
    dropped_rows bigint,
    dropped_bytes bigint
);
INSERT INTO hub.journal_part (name, lo, hi, opened_at)
SELECT 'journal_p0', 0, 1099511627776,
       coalesce((SELECT recorded_at FROM hub.journal_p0 ORDER BY seq LIMIT 1), now());
