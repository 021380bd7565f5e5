-- 002_security.sql - consent state and the tamper-evident disclosure log.
--
-- consent     the latest state of each consent (social.consent.v1), written in the
--             same transaction as the journal row that carried it.
-- disclosure  one row per delivery of client data to a recipient, written BEFORE the
--             delivery leaves the hub. hash = SHA-256 over prev_hash and the row's
--             fields (lib/silta_audit.c); `siltactl audit verify` recomputes the chain
--             and names the first row that was changed or removed.

CREATE TABLE hub.consent (
    consent_id   text PRIMARY KEY,
    client_key   text NOT NULL,
    status       text NOT NULL,          -- given | revoked
    purpose      text NOT NULL,
    recipients   text[] NOT NULL,
    expires      date,
    event_seq    bigint NOT NULL,
    updated_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX consent_client ON hub.consent (client_key);

CREATE TABLE hub.disclosure (
    id           bigserial PRIMARY KEY,
    at_ms        bigint NOT NULL,
    recipient    text NOT NULL,
    client_key   text NOT NULL,
    event_id     uuid NOT NULL,
    type         text NOT NULL,
    legal_basis  text NOT NULL,
    consent_ref  text NOT NULL DEFAULT '',
    xroad_id     text NOT NULL DEFAULT '',
    prev_hash    text NOT NULL,
    hash         text NOT NULL
);
CREATE INDEX disclosure_client ON hub.disclosure (client_key, at_ms);
