-- 012_team_lead.sql - the team lead's role in the inbox (issue 15, item 3).
--
-- inbox_user.role   caseworker | teamlead (default caseworker). A team lead may
--                   open /report, the anonymised aggregates for decision-makers
--                   (casestore/read/read_report.h); a caseworker gets 403 there.
--                   Nothing else changes: a team lead sees clients as any
--                   caseworker of the team does (inbox_can_see). Set with
--                   `silta-casestore --add-user NAME TEAM --role teamlead`.
--                   Local policy: who is a team lead is the county's choice.

ALTER TABLE casestore.inbox_user
    ADD COLUMN role text NOT NULL DEFAULT 'caseworker' CHECK (role IN ('caseworker', 'teamlead'));
