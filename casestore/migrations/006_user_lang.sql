-- 006_user_lang.sql - the language a caseworker reads the inbox in.
--
-- inbox_user.lang   fi | sv (default fi): every text of the inbox's pages comes
--                   from the message catalogue (po/) in this language
--                   (casestore/web/web_i18n.c). Logs stay English.

ALTER TABLE casestore.inbox_user
    ADD COLUMN lang text NOT NULL DEFAULT 'fi' CHECK (lang IN ('fi', 'sv'));
