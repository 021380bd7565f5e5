-- 013_row_work.sql - fewer rows and less WAL per applied event (issue 12; measured in
-- bench/README.md, "Rows and WAL per event").
--
-- outbox_pending   the outbox rows the hub has not confirmed yet, by outbox.id. A row is
--                  added with its outbox row (the statement trigger below, whoever
--                  inserts) and deleted when the hub's CONFIRM comes: the outbox row
--                  itself is written once. Before, the confirm rewrote the whole row
--                  (payload included) with confirmed_at and new entries in both its
--                  indexes (~950 B of WAL an event): the partial index on confirmed_at
--                  made that UPDATE unable to be HOT. An outbox row is confirmed exactly
--                  when it has no outbox_pending row; the time of the confirm is no
--                  longer kept (nothing read it; the hub's journal has the event).

CREATE TABLE casestore.outbox_pending (
    id  bigint PRIMARY KEY   -- casestore.outbox.id (no foreign key: outbox rows are never
                             -- deleted, and the check would cost a lookup a row)
);
INSERT INTO casestore.outbox_pending SELECT id FROM casestore.outbox WHERE confirmed_at IS NULL;
DROP INDEX casestore.outbox_unconfirmed;
ALTER TABLE casestore.outbox DROP COLUMN confirmed_at;

CREATE FUNCTION casestore.outbox_pending_add() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO casestore.outbox_pending SELECT id FROM new_rows;
    RETURN NULL;
END$$;
CREATE TRIGGER outbox_pending_add AFTER INSERT ON casestore.outbox
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION casestore.outbox_pending_add();
