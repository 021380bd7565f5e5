-- 005_assessment_event.sql - social.assessment.v1 fills casestore.assessment.
--
-- assessment.referral_id       the health referral the assessment answers (rule 10 closes
--                              for it when the assessment starts), or NULL
-- assessment.notice_event_id   the Kela notice it answers, or NULL
-- assessment.worker, event_id  who recorded it, and the latest event
-- referral.started now means "social.assessment.v1 started" only: accepting a referral
-- (social.referral_status.v1 accepted / in-progress / completed) no longer counts as the
-- start of the service-need assessment (sosiaalihuoltolaki 1301/2014 36 §).

ALTER TABLE casestore.assessment
    ADD COLUMN referral_id text,
    ADD COLUMN notice_event_id uuid,
    ADD COLUMN worker text,
    ADD COLUMN event_id uuid;
