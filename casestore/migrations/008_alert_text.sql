-- 008_alert_text.sql - an alert's text for people, in the reader's language.
--
-- alert.text_id     the rule's message id (cs_finding_t.msg: r1, r2_forwarded, r10_age ...);
--                   the inbox renders it from the gettext catalogue (web/web_text.c).
--                   NULL on alerts raised before this migration: the page then shows the
--                   rule's general sentence.
-- alert.text_args   its typed arguments in the order of the text's {1}, {2} ...: "d:" a
--                   day (YYYY-MM-DD), "n:" a number, "c:" a code the page names (benefit,
--                   notice kind, reduction reason), "t:" a text shown as it is (a Kela
--                   reference, an employment plan item's title).
-- alert.explanation (001) stays the English sentence for logs, siltactl and the hub.

ALTER TABLE casestore.alert
    ADD COLUMN text_id text,
    ADD COLUMN text_args text[] NOT NULL DEFAULT '{}';
