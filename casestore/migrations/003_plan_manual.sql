-- 003_plan_manual.sql - plan items a caseworker adds by hand in the inbox
-- (web_actions.c -> cs_store_plan_add / cs_store_plan_done).
--
-- plan_manual     the current state of each hand-made item: title, owning agency,
--                 responsible (a username or 'team:<team>'), due date, open / done,
--                 who added it and who completed it. The history (cs_apply.c) reads
--                 it and cs_plan.c derives a plan item "manual:<uuid>" from each
--                 row, so the item is versioned in plan_item and published in
--                 social.plan.v1 like every derived item.

CREATE TABLE casestore.plan_manual (
    client_key      text NOT NULL REFERENCES casestore.client,
    item_id         text NOT NULL CHECK (item_id ~ '^manual:[0-9a-f-]{36}$'),
    title           text NOT NULL CHECK (length(title) BETWEEN 1 AND 120),
    owner_agency    text NOT NULL CHECK (owner_agency IN ('social', 'kela', 'employment',
                                                          'health')),
    responsible     text NOT NULL,
    due_date        date NOT NULL,
    status          text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'done')),
    created_by      text NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    done_by         text,
    done_at         timestamptz,
    PRIMARY KEY (client_key, item_id)
);
