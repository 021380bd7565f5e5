-- grants.sql - what silta-casestore's own role ({app}: the role of SILTA_PG_URL) may do
-- in the casestore schema the owner (SILTA_PG_ADMIN_URL) migrated; run by
-- silta_db_migrate_owned after the migrations at every start (idempotent). The case
-- store reads and writes its tables but owns none: no DDL through its credentials.

GRANT USAGE ON SCHEMA casestore TO {app};
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA casestore TO {app};
GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA casestore TO {app};
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA casestore TO {app};
