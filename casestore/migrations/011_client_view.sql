-- 011_client_view.sql - the client's own page (casestore/client/): one-time sign-in codes
-- a caseworker issues, the client's sessions, and what the client may read of the hub's
-- disclosure log.
--
-- client_code     a sign-in code stands in for strong electronic identification
--                 (casestore/client/client_idp.h): only its BLAKE2b-256 hash is kept, with
--                 the client it signs in, who issued it, when it expires (15 min) and when
--                 it was used (single use: used_at set in the statement that accepts it).
--                 A new code for a client ends that client's unused ones.
-- client_session  one row per signed-in client: BLAKE2b-256 of the cookie token, the CSRF
--                 token, the language, expiry (sliding, capped). Kept apart from
--                 inbox_session: a client is never a caseworker.
-- client_disclosure  the columns of hub.disclosure a client reads about themself (who
--                 received which kind of data, when, on what basis) - not event ids, X-Road
--                 ids or the hash chain. Defined in grants.sql (re-run at every start), so
--                 it appears once the hub's schema exists whichever program migrates first;
--                 created here too for a database migrated by its owner alone.

CREATE TABLE casestore.client_code (
    code_hash   bytea PRIMARY KEY,
    client_key  text NOT NULL REFERENCES casestore.client,
    issued_by   text NOT NULL,
    issued_at   timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    used_at     timestamptz
);
CREATE INDEX client_code_client ON casestore.client_code (client_key);

CREATE TABLE casestore.client_session (
    token_hash  bytea PRIMARY KEY,
    client_key  text NOT NULL REFERENCES casestore.client,
    csrf        text NOT NULL,
    lang        text NOT NULL DEFAULT 'fi' CHECK (lang IN ('fi', 'sv')),
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL
);
CREATE INDEX client_session_expiry ON casestore.client_session (expires_at);

DO $$BEGIN
    IF to_regclass('hub.disclosure') IS NOT NULL THEN
        CREATE OR REPLACE VIEW casestore.client_disclosure AS
            SELECT client_key, at_ms, recipient, type, legal_basis FROM hub.disclosure;
    END IF;
END$$;
