-- 009_next_check.sql - the incremental deadline sweep (casestore/store/cs_store_batch.c).
--
-- client.next_check   the first day the rules' result for this client can change without
--                     a new event (the lowest "wake" day of its rules, cs_rules.h); written
--                     with every evaluation. NULL: not evaluated since this migration (the
--                     sweep takes those first). 9999-12-31: only a new fact changes it.
-- The sweep reads `WHERE next_check <= today OR next_check IS NULL` through the index, so
-- a day with no deadline passing costs nothing however many clients there are.

ALTER TABLE casestore.client ADD COLUMN next_check date;
CREATE INDEX client_next_check ON casestore.client (next_check NULLS FIRST);

-- The alert sync reads every alert of a client (open and closed: a closed occurrence is not
-- raised again); (rule, client_key, occurrence) and the open-only index cannot serve that,
-- so without this each evaluation scanned the whole table and slowed as alerts grew.
CREATE INDEX alert_client ON casestore.alert (client_key);
