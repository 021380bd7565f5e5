-- 001_casestore.sql - the case store (schema "casestore").
--
-- inbox        one row per applied event (event_id unique): written in the same
--              transaction as the event's effect, so a redelivery changes nothing.
-- client       one row per client_key; the hetu only sealed (libsodium secretbox,
--              key file outside the database) and never logged.
-- caseworker   workers seen in events; client.responsible_worker names one of them
--              (NULL: alerts and notices go to the team queue).
-- benefit ... social_statement   the facts per agency, latest state by natural key.
-- emp_plan_item  employment plan items, every change a new version row.
-- plan / plan_item  the coordinated plan: one per client, every item change a new
--              version row; plan.version counts published versions.
-- alert        one row per (rule, client, occurrence): raised once, open while the
--              rule's condition holds, closed when it clears.
-- outbox       events to publish (hub.gap_alert.v1, social.plan.v1), written with
--              the change that caused them, marked when the hub confirms.
-- rule_param   the rule parameters in force (copied from config/rules.conf at start)
--              so siltactl and the team view read the same numbers.

CREATE TABLE casestore.caseworker (
    worker_id    text PRIMARY KEY,
    team         text,
    first_seen   timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE casestore.client (
    client_key          text PRIMARY KEY,
    hetu_sealed         bytea NOT NULL,
    birth_date          date,
    responsible_worker  text REFERENCES casestore.caseworker(worker_id),
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE casestore.inbox (
    event_id    uuid PRIMARY KEY,
    type        text NOT NULL,
    client_key  text NOT NULL,
    summary     text NOT NULL,          -- no personal data: kinds, statuses, dates
    occurred_at timestamptz,
    applied_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX inbox_client ON casestore.inbox (client_key, applied_at);

CREATE TABLE casestore.benefit (
    client_key      text NOT NULL REFERENCES casestore.client,
    benefit         text NOT NULL,
    kela_reference  text NOT NULL,
    status          text NOT NULL,
    period_start    date,
    period_end      date,
    complete_date   date,
    urgent          boolean NOT NULL DEFAULT false,
    reason_code     text,
    sickness_days_used int NOT NULL DEFAULT 0,
    as_of           date NOT NULL,
    event_id        uuid NOT NULL,
    PRIMARY KEY (client_key, benefit, kela_reference)
);

CREATE TABLE casestore.notice (
    event_id        uuid PRIMARY KEY,
    client_key      text NOT NULL REFERENCES casestore.client,
    kind            text NOT NULL,
    kela_reference  text,
    notice_date     date NOT NULL,
    reduction_percent int NOT NULL DEFAULT 0,
    assigned_to     text NOT NULL,       -- responsible worker or the team queue
    handled_date    date,
    handled_by      text,
    handled_event   uuid
);
CREATE INDEX notice_client ON casestore.notice (client_key);

CREATE TABLE casestore.statement (
    client_key      text NOT NULL REFERENCES casestore.client,
    statement_id    text NOT NULL,
    outcome         text NOT NULL,
    waiting_days    int NOT NULL DEFAULT 0,
    waiting_from    date,
    statement_date  date NOT NULL,
    event_id        uuid NOT NULL,
    PRIMARY KEY (client_key, statement_id)
);

CREATE TABLE casestore.emp_plan_item (
    client_key  text NOT NULL REFERENCES casestore.client,
    item_id     text NOT NULL,
    version     int NOT NULL,
    plan_id     text NOT NULL,
    title       text NOT NULL,
    start_date  date,
    due_date    date,
    status      text NOT NULL,
    responsible text,
    event_id    uuid NOT NULL,
    PRIMARY KEY (client_key, item_id, version)
);

CREATE TABLE casestore.registration (
    client_key        text PRIMARY KEY REFERENCES casestore.client,
    status            text NOT NULL,
    status_date       date NOT NULL,
    unemployed_since  date,
    event_id          uuid NOT NULL
);

CREATE TABLE casestore.referral (
    client_key      text NOT NULL REFERENCES casestore.client,
    referral_id     text NOT NULL,
    priority        text NOT NULL,
    requester_org   text,
    authored        date NOT NULL,
    consent         boolean NOT NULL DEFAULT false,
    status          text NOT NULL DEFAULT 'sent',
    acknowledged    date,
    started         date,               -- service-need assessment started
    event_id        uuid NOT NULL,
    PRIMARY KEY (client_key, referral_id)
);

CREATE TABLE casestore.incapacity (
    client_key      text NOT NULL REFERENCES casestore.client,
    period_start    date NOT NULL,
    period_end      date NOT NULL,
    diagnosis_group text,
    event_id        uuid NOT NULL,
    PRIMARY KEY (client_key, period_start)
);

CREATE TABLE casestore.consent (
    client_key  text NOT NULL REFERENCES casestore.client,
    consent_id  text NOT NULL,
    status      text NOT NULL,
    purpose     text,
    recipients  text[] NOT NULL DEFAULT '{}',
    expires     date,
    event_id    uuid NOT NULL,
    PRIMARY KEY (client_key, consent_id)
);

CREATE TABLE casestore.social_statement (
    client_key      text NOT NULL REFERENCES casestore.client,
    kela_reference  text NOT NULL,
    statement_date  date NOT NULL,
    worker          text,
    event_id        uuid NOT NULL,
    PRIMARY KEY (client_key, kela_reference)
);

-- Social-work cases and service-need assessments: no event carries them yet
-- (proto/events.proto has no social.case / social.assessment payload); the
-- tables are here so the plan and the inbox can refer to them when one does.
CREATE TABLE casestore.social_case (
    client_key  text NOT NULL REFERENCES casestore.client,
    case_id     text NOT NULL,
    opened      date NOT NULL,
    closed      date,
    worker      text,
    PRIMARY KEY (client_key, case_id)
);
CREATE TABLE casestore.assessment (
    client_key  text NOT NULL REFERENCES casestore.client,
    assessment_id text NOT NULL,
    started     date,
    completed   date,
    PRIMARY KEY (client_key, assessment_id)
);

CREATE TABLE casestore.plan (
    client_key  text PRIMARY KEY REFERENCES casestore.client,
    version     int NOT NULL DEFAULT 0,
    updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE casestore.plan_item (
    client_key      text NOT NULL REFERENCES casestore.client,
    item_id         text NOT NULL,
    version         int NOT NULL,
    owner_agency    text NOT NULL,
    responsible     text NOT NULL,
    title           text NOT NULL,
    due_date        date,
    status          text NOT NULL,
    cause_event_id  uuid,
    plan_version    int NOT NULL,
    changed_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (client_key, item_id, version)
);

CREATE VIEW casestore.plan_current AS
    SELECT DISTINCT ON (client_key, item_id) *
    FROM casestore.plan_item
    ORDER BY client_key, item_id, version DESC;

CREATE TABLE casestore.alert (
    id                  bigserial PRIMARY KEY,
    alert_id            uuid NOT NULL UNIQUE,
    client_key          text NOT NULL REFERENCES casestore.client,
    rule                text NOT NULL,
    occurrence          text NOT NULL,
    severity            text NOT NULL,
    due_date            date,
    responsible_agency  text NOT NULL,
    responsible_worker  text NOT NULL,    -- a worker or the team queue
    explanation         text NOT NULL,
    status              text NOT NULL CHECK (status IN ('open', 'closed')),
    opened_at           timestamptz NOT NULL DEFAULT now(),
    opened_on           date NOT NULL,     -- the rules' "today" when raised
    closed_at           timestamptz,
    closed_on           date,
    cause_event_id      uuid,
    UNIQUE (rule, client_key, occurrence)
);
CREATE INDEX alert_open ON casestore.alert (client_key) WHERE status = 'open';

CREATE TABLE casestore.outbox (
    id          bigserial PRIMARY KEY,
    event_id    uuid NOT NULL UNIQUE,
    type        text NOT NULL,
    client_key  text NOT NULL,
    payload     bytea NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    confirmed_at timestamptz
);
CREATE INDEX outbox_unconfirmed ON casestore.outbox (id) WHERE confirmed_at IS NULL;

CREATE TABLE casestore.rule_param (
    key     text PRIMARY KEY,
    value   text NOT NULL
);

-- Caseload: clients in active work per responsible worker (a client is in active
-- work with an open alert, an open plan item or an unhandled notice), against the
-- guideline CASELOAD_GUIDELINE in config/rules.conf. NULL worker = the team queue.
CREATE VIEW casestore.team_caseload AS
    WITH active AS (
        SELECT c.client_key, c.responsible_worker
        FROM casestore.client c
        WHERE EXISTS (SELECT 1 FROM casestore.alert a
                      WHERE a.client_key = c.client_key AND a.status = 'open')
           OR EXISTS (SELECT 1 FROM casestore.plan_current p
                      WHERE p.client_key = c.client_key AND p.status = 'open')
           OR EXISTS (SELECT 1 FROM casestore.notice n
                      WHERE n.client_key = c.client_key AND n.handled_date IS NULL)
    )
    SELECT coalesce(a.responsible_worker, '(team queue)') AS worker,
           count(*) AS active_clients,
           (SELECT value::int FROM casestore.rule_param WHERE key = 'CASELOAD_GUIDELINE')
               AS guideline,
           count(*) > coalesce((SELECT value::int FROM casestore.rule_param
                                WHERE key = 'CASELOAD_GUIDELINE'), 0) AS over_guideline
    FROM active a
    GROUP BY a.responsible_worker;
