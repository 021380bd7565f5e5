-- 002_inbox.sql - the caseworker inbox (casestore/web_*.c): accounts, sessions,
-- the access log, and the one rule of who may see which client.
--
-- inbox_user      local accounts: username (= the worker id in events and plan
--                 items), team, Argon2id hash (libsodium crypto_pwhash_str), active.
-- inbox_session   one row per login: BLAKE2b-256 of the cookie token (the token itself
--                 is never stored), the CSRF token embedded in every form, expiry
--                 (sliding; see web_auth.c).
-- inbox_access    every view of client data and every action, allowed or refused:
--                 who, when, what (page / action, client_key, object id). Never a
--                 hetu, a name or a password.
-- inbox_can_see   the authorization rule, used by every list and every page.

CREATE TABLE casestore.inbox_user (
    username        text PRIMARY KEY CHECK (username ~ '^[a-z0-9._-]{2,40}$'),
    team            text NOT NULL CHECK (team ~ '^[a-z0-9._-]{1,40}$'),
    password_hash   text NOT NULL,
    active          boolean NOT NULL DEFAULT true,
    created_at      timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE casestore.inbox_session (
    token_hash      bytea PRIMARY KEY,
    username        text NOT NULL REFERENCES casestore.inbox_user,
    csrf            text NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    expires_at      timestamptz NOT NULL
);
CREATE INDEX inbox_session_expiry ON casestore.inbox_session (expires_at);

CREATE TABLE casestore.inbox_access (
    id          bigserial PRIMARY KEY,
    at          timestamptz NOT NULL DEFAULT now(),
    username    text,                   -- NULL: not logged in (a failed login names no one)
    action      text NOT NULL,          -- login, view_inbox, view_client, ack_referral, ...
    client_key  text,
    object_id   text,                   -- referral_id, notice event_id, item id
    outcome     text NOT NULL CHECK (outcome IN ('ok', 'denied', 'refused', 'failed'))
);
CREATE INDEX inbox_access_client ON casestore.inbox_access (client_key, at);
CREATE INDEX inbox_access_user ON casestore.inbox_access (username, at);

-- A caseworker sees a client when they are its responsible worker, when a
-- worker of their team is, or when nobody is and their team owns the team
-- queue (rule_param TEAM_QUEUE = 'team:<team>').
CREATE FUNCTION casestore.inbox_can_see(p_user text, p_client text) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT EXISTS (
        SELECT 1
        FROM casestore.client c
        JOIN casestore.inbox_user u ON u.username = p_user AND u.active
        LEFT JOIN casestore.caseworker w ON w.worker_id = c.responsible_worker
        WHERE c.client_key = p_client
          AND (c.responsible_worker = u.username
               OR w.team = u.team
               OR (c.responsible_worker IS NULL
                   AND (SELECT value FROM casestore.rule_param WHERE key = 'TEAM_QUEUE')
                       = 'team:' || u.team)))
$$;
