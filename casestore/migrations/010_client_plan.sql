-- 010_client_plan.sql - the client plan (asiakassuunnitelma, sosiaalihuoltolaki 1301/2014
-- 39 §) from social.client_plan.v1, and the need areas of a completed service-need
-- assessment (36 §; the support needs of 11 §) from social.assessment.v1.
--
-- assessment.need_areas   the need areas a completed assessment found (codes of
--                         lib/silta_contract.c), NULL before it is completed
-- client_plan             one current plan per client: its id, start, latest review, the next
--                         agreed review date (rule 12 reads it), the named responsible worker
--                         (omatyöntekijä, 42 §), the assessment it follows, who recorded the
--                         latest event and that event
-- client_plan_goal        each goal in the client's own words; the current ones carry the
--                         plan's latest event_id (a goal dropped from the plan keeps its
--                         scores and its old event_id)
-- client_plan_action      each agency's agreed action with its responsible person and due
--                         date; current ones as for goals
-- client_plan_score       a goal-attainment score (GAS -2..+2) per goal and day (the plan
--                         start or a review): the change over time the client page shows
-- client_plan_measure     a validated measure's total per day (name + value), where used

ALTER TABLE casestore.assessment ADD COLUMN need_areas text[];

CREATE TABLE casestore.client_plan (
    client_key          text PRIMARY KEY REFERENCES casestore.client,
    plan_id             text NOT NULL,
    started             date NOT NULL,
    reviewed            date,
    review_date         date,
    responsible_worker  text NOT NULL,
    assessment_id       text,
    worker              text,
    event_id            uuid NOT NULL
);

CREATE TABLE casestore.client_plan_goal (
    client_key  text NOT NULL REFERENCES casestore.client,
    goal_id     text NOT NULL,
    ord         int NOT NULL,
    text        text NOT NULL,
    event_id    uuid NOT NULL,
    PRIMARY KEY (client_key, goal_id)
);

CREATE TABLE casestore.client_plan_action (
    client_key  text NOT NULL REFERENCES casestore.client,
    action_id   text NOT NULL,
    ord         int NOT NULL,
    agency      text NOT NULL CHECK (agency IN ('social', 'kela', 'employment', 'health')),
    title       text NOT NULL,
    responsible text,
    due_date    date,
    goal_id     text,
    event_id    uuid NOT NULL,
    PRIMARY KEY (client_key, action_id)
);

CREATE TABLE casestore.client_plan_score (
    client_key  text NOT NULL REFERENCES casestore.client,
    goal_id     text NOT NULL,
    day         date NOT NULL,
    kind        text NOT NULL CHECK (kind IN ('start', 'review')),
    gas         smallint NOT NULL CHECK (gas BETWEEN -2 AND 2),
    event_id    uuid NOT NULL,
    PRIMARY KEY (client_key, goal_id, day)
);

CREATE TABLE casestore.client_plan_measure (
    client_key  text NOT NULL REFERENCES casestore.client,
    day         date NOT NULL,
    name        text NOT NULL,
    value       numeric NOT NULL,
    event_id    uuid NOT NULL,
    PRIMARY KEY (client_key, day, name)
);
