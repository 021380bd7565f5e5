-- grants.sql - what the hub's own role ({app}: the role of SILTA_PG_URL) may do in the
-- schema the owner (SILTA_PG_ADMIN_URL) migrated. Run by silta_db_migrate_owned after
-- the migrations at every start, so it is idempotent and covers new tables too.
--
-- Least privilege: the hub reads and writes its tables but owns none (no DDL), and
-- the disclosure log - the client's record of who received their data - takes only
-- INSERT and SELECT from it: an UPDATE, DELETE or TRUNCATE through the hub's
-- credentials is refused by PostgreSQL. (The owner still can; the signed checkpoints
-- of hub/hub_anchor.c catch that: docs/security.md.)

GRANT USAGE ON SCHEMA hub TO {app};
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA hub TO {app};
GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA hub TO {app};
REVOKE UPDATE, DELETE, TRUNCATE ON hub.disclosure FROM {app};

-- The journal's catalogue of partitions (005) is written only by the schema owner
-- (`siltactl journal retain`); the hub and siltactl's reading commands only read it.
REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON hub.journal_part FROM {app};
