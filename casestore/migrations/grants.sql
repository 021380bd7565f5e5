-- grants.sql - what silta-casestore's own role ({app}: the role of SILTA_PG_URL) may do
-- in the casestore schema the owner (SILTA_PG_ADMIN_URL) migrated; run by
-- silta_db_migrate_owned after the migrations at every start (idempotent). The case
-- store reads and writes its tables but owns none: no DDL through its credentials.

GRANT USAGE ON SCHEMA casestore TO {app};
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA casestore TO {app};
GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA casestore TO {app};
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA casestore TO {app};

-- The client's own page reads who received the client's data (011_client_view.sql): a view
-- of the needed columns of hub.disclosure, owned by the owner, so a case store role of its
-- own needs SELECT on the view only, never on the hub's log. Made here, at every start,
-- because the hub's schema may be migrated after this one.
DO $$BEGIN
    IF to_regclass('hub.disclosure') IS NOT NULL THEN
        CREATE OR REPLACE VIEW casestore.client_disclosure AS
            SELECT client_key, at_ms, recipient, type, legal_basis FROM hub.disclosure;
        EXECUTE 'GRANT SELECT ON casestore.client_disclosure TO {app}';
    END IF;
END$$;
