-- 006_delivery_log_partitions.sql - hub.delivery_log partitioned like the journal, so
-- that retention drops a partition's delivery records together with its events instead
-- of letting them grow forever (docs/operations.md "Journal retention").
--
-- Design (hub/README.md "Journal partitions"):
--
-- delivery_log  PARTITION BY RANGE (seq), with exactly the journal's bounds: partition
--               delivery_log_p<k> holds the records of the events of journal_p<k>, seqs
--               [k * 2^40, (k+1) * 2^40). The columns, the seq index and every statement
--               that writes or reads it (the hub's turn, dlq replay, trace) are unchanged:
--               they go through the parent, and a row's seq is always its event's seq.
--
-- A delivery_log partition lives and dies with its journal partition (hub.journal_part
-- is the catalogue of both):
--
--     cut     `siltactl journal retain` creates journal_p<k+1> and delivery_log_p<k+1> in
--             one transaction, before the sequence moves there;
--     drop    the same transaction detaches and drops journal_p<k> and delivery_log_p<k>
--             (never a DELETE); the catalogue row's dropped_bytes counts both tables,
--             dropped_rows the events, dropped_log_rows the delivery records.
--
--   invariant: every journal partition not dropped has its delivery_log partition, so a
--   delivery record of any kept event has a place to go.
--
-- The upgrade: the existing table becomes delivery_log_p0 (its rows are not copied; ATTACH
-- checks them once). Only where the journal was already cut before 006 are the records
-- of events of later partitions moved into their own partitions (the records since the
-- first cut). Records of events whose partition retention had already dropped are kept
-- in their range's partition; the next `siltactl journal retain` drops those (the
-- records have no event left to trace) and adds them to the catalogue row.
-- hub.disclosure is not touched.

ALTER TABLE hub.delivery_log RENAME TO delivery_log_p0;
ALTER INDEX hub.delivery_log_seq RENAME TO delivery_log_p0_seq;

CREATE TABLE hub.delivery_log (
    consumer_id  int NOT NULL,
    seq          bigint NOT NULL,
    attempt      int NOT NULL,
    delivered_at timestamptz,
    outcome      text NOT NULL,          -- acked | rejected | dead | replayed
    outcome_at   timestamptz NOT NULL DEFAULT now(),
    detail       text
) PARTITION BY RANGE (seq);
CREATE INDEX delivery_log_seq ON hub.delivery_log (seq);

ALTER TABLE hub.journal_part ADD COLUMN dropped_log_rows bigint;

DO $$
DECLARE
    p record;
BEGIN
    FOR p IN SELECT lo, hi, dropped_at FROM hub.journal_part WHERE lo > 0 ORDER BY lo LOOP
        IF p.dropped_at IS NULL OR EXISTS (SELECT 1 FROM hub.delivery_log_p0
                                            WHERE seq >= p.lo AND seq < p.hi) THEN
            EXECUTE format('CREATE TABLE hub.delivery_log_p%s PARTITION OF hub.delivery_log '
                           'FOR VALUES FROM (%s) TO (%s)', p.lo >> 40, p.lo, p.hi);
            EXECUTE format('INSERT INTO hub.delivery_log_p%s SELECT * FROM hub.delivery_log_p0 '
                           'WHERE seq >= %s AND seq < %s', p.lo >> 40, p.lo, p.hi);
            DELETE FROM hub.delivery_log_p0 WHERE seq >= p.lo AND seq < p.hi;
        END IF;
    END LOOP;
END $$;

ALTER TABLE hub.delivery_log ATTACH PARTITION hub.delivery_log_p0
    FOR VALUES FROM (0) TO (1099511627776);
