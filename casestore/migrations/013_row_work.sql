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

-- client_check     the incremental sweep's next day per client (was client.next_check,
--                  migration 009; same meaning: the first day the rules' result can change
--                  without a new event; NULL: not evaluated, the sweep takes those first;
--                  9999-12-31: only a new fact changes it) and checked_at, when the rules
--                  last ran for the client. Written once per evaluation by one upsert, in
--                  the transaction that evaluates the client; the case store evaluates a
--                  client in the transaction that inserts it, so a new client's wide row is
--                  written once (it was inserted, then rewritten with next_check: an
--                  indexed column, so never a HOT update) and a known client's is only
--                  locked. client.updated_at is now the time the client's own data changed
--                  (responsible worker), no longer bumped by every evaluation.
--                  A client row inserted outside the case store (by hand, a test) has no
--                  client_check row: the sweep does not see it until its first event.
-- fillfactor 70: room on each page, so that a second night's evaluation that keeps a
-- client's next_check is a HOT update (no index entries; bench/casestore-profile with
-- CASESTORE_PROFILE_KNOWN=1: the upsert's WAL 1.96 -> 1.40 MB for 5,000 clients).
CREATE TABLE casestore.client_check (
    client_key  text PRIMARY KEY,   -- casestore.client (no foreign key: client rows are
                                    -- never deleted, and the check would cost a lookup)
    next_check  date,
    checked_at  timestamptz NOT NULL DEFAULT now()
) WITH (fillfactor = 70);
INSERT INTO casestore.client_check (client_key, next_check, checked_at)
    SELECT client_key, next_check, updated_at FROM casestore.client;
DROP INDEX casestore.client_next_check;
ALTER TABLE casestore.client DROP COLUMN next_check;
CREATE INDEX client_check_next ON casestore.client_check (next_check NULLS FIRST);
