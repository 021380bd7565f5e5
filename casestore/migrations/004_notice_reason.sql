-- 004_notice_reason.sql - why Kela reduced (or threatens to reduce) the basic amount.
--
-- notice.reduction_reason   kela.notice.v1 reduction_reason for basic_amount_reduction and
--                           kehotus notices: primary_benefit_not_applied |
--                           not_registered_jobseeker | labour_policy_sanction |
--                           integration_plan (laki toimeentulotuesta 1412/1997 10 § as
--                           amended from 1.2.2026, HE 116/2025); NULL when Kela gave none.
--                           The rules (reduction_without_social_work, reduction_threatened)
--                           name it in their explanation.

ALTER TABLE casestore.notice ADD COLUMN reduction_reason text;
