-- 007_alert_outcome.sql - what a caseworker did about an alert (store/cs_alert.c).
--
-- alert.outcome        the outcome code that closed the alert (rules/cs_outcome.c: per
--                      rule, e.g. kela_contacted, meeting_booked), or no_longer_actionable
--                      when the rule itself gave up on the occurrence (rule 5 after
--                      BENEFIT_END_CLOSE_WD); NULL when the alert closed because its
--                      condition cleared (the awaited event came).
-- alert.outcome_date   the day the outcome names (the decision's, the meeting's), or NULL.
-- alert.outcome_note   the caseworker's free text: stored for the client's file, never
--                      logged, never published.
-- alert.closed_by      the username who closed it, 'silta' for the rule's own close,
--                      NULL when the condition cleared.
-- A closed alert stays closed for its (rule, client, occurrence) while the rule still
-- finds it (UNIQUE (rule, client_key, occurrence) in 001); a new occurrence is a new alert.

ALTER TABLE casestore.alert
    ADD COLUMN outcome text CHECK (outcome ~ '^[a-z_]{1,40}$'),
    ADD COLUMN outcome_date date,
    ADD COLUMN outcome_note text CHECK (length(outcome_note) BETWEEN 1 AND 1000),
    ADD COLUMN closed_by text;
