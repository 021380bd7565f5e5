/*  read_inbox.c - the query of Saapuneet (see read_inbox.h).
 *
 *  Not here: HTML and labels (web/web_pages.c).
 */
#include "read_inbox.h"

#include <stdlib.h>
#include <string.h>

#include "silta_db.h"

/* One statement reads the items and logs, per client shown, that this user
 * saw it (inbox_access), so no view goes unlogged. Every item has a group
 * (grp): an unhandled notice's event_id for the notice, the alerts it caused
 * (cause_event_id, or the occurrence notice:<event_id>) and its other open
 * plan items; an unacknowledged referral's event_id for it and the alerts it
 * caused; its own key for any other alert. Groups sort by their earliest
 * deadline and the notice or referral comes first in its group, so the page
 * can put the rest under it. */
static const char s_inbox_sql[] =
    "WITH open_notice AS (SELECT n.* FROM casestore.notice n WHERE n.handled_date IS NULL"
    "  AND casestore.inbox_can_see($1, n.client_key)),"
    " items AS ("
    " SELECT 'referral' AS kind, r.client_key, r.priority AS label,"
    "  coalesce(r.requester_org, '') AS detail, (SELECT due_date FROM casestore.plan_item i"
    "   WHERE i.client_key = r.client_key AND i.item_id = 'referral:' || r.referral_id"
    "   ORDER BY version DESC LIMIT 1) AS due, r.authored AS received, r.referral_id AS obj,"
    "  r.event_id::text AS grp, '' AS text_id, '' AS text_args"
    " FROM casestore.referral r WHERE r.acknowledged IS NULL"
    "  AND casestore.inbox_can_see($1, r.client_key)"
    " UNION ALL"
    " SELECT 'notice', n.client_key, n.kind, coalesce(n.kela_reference, ''),"
    "  (SELECT due_date FROM casestore.plan_item i WHERE i.client_key = n.client_key"
    "   AND i.item_id = 'notice:' || n.event_id ORDER BY version DESC LIMIT 1),"
    "  n.notice_date, n.event_id::text, n.event_id::text, '', '' FROM open_notice n"
    /* the notice's other plan items (a statement on a reduction): its tasks */
    " UNION ALL"
    " SELECT 'task', i.client_key, i.title, i.owner_agency, i.due_date, n.notice_date,"
    "  i.item_id, n.event_id::text, '', '' FROM open_notice n JOIN casestore.plan_current i"
    "  ON i.client_key = n.client_key AND i.cause_event_id = n.event_id"
    "  WHERE i.status = 'open' AND i.item_id <> 'notice:' || n.event_id"
    " UNION ALL"
    " SELECT 'alert', a.client_key, a.rule, a.explanation, a.due_date, a.opened_on,"
    "  a.alert_id::text, coalesce((SELECT n.event_id::text FROM open_notice n"
    "   WHERE n.client_key = a.client_key AND (n.event_id = a.cause_event_id"
    "   OR a.occurrence = 'notice:' || n.event_id) LIMIT 1), (SELECT r.event_id::text"
    "   FROM casestore.referral r WHERE r.client_key = a.client_key AND r.acknowledged IS NULL"
    "   AND r.event_id = a.cause_event_id), 'alert:' || a.alert_id),"
    "  coalesce(a.text_id, ''), array_to_string(a.text_args, E'\\x1f')"
    "  FROM casestore.alert a WHERE a.status = 'open'"
    "  AND casestore.inbox_can_see($1, a.client_key)),"
    " logged AS (INSERT INTO casestore.inbox_access(username, action, client_key, outcome)"
    "  SELECT DISTINCT $1, 'view_inbox', client_key, 'ok' FROM items)"
    "SELECT kind, client_key, label, detail, due::text, received::text, obj,"
    " (SELECT coalesce(responsible_worker, '') FROM casestore.client c"
    "  WHERE c.client_key = items.client_key), grp, text_id, text_args"
    " FROM items WINDOW g AS (PARTITION BY grp)"
    /* groups by their earliest deadline, then newest; the notice / referral first */
    " ORDER BY min(due) OVER g ASC NULLS LAST, max(received) OVER g DESC, grp,"
    "  kind NOT IN ('notice', 'referral'), due ASC NULLS LAST, kind, obj LIMIT 500";

int read_inbox_load(PGconn *db, cs_store_t *store, const char *username, read_inbox_t *out)
{
    memset(out, 0, sizeof *out);
    const char *p[1] = {username};
    PGresult *r = silta_db_query(db, s_inbox_sql, 1, p, NULL);
    if (!r)
        return -1;
    int n = PQntuples(r);
    out->items = calloc(n ? (size_t)n : 1, sizeof *out->items);
    if (!out->items) {
        PQclear(r);
        return -1;
    }
    read_pool_t *pool = &out->pool;
    for (int i = 0; i < n; i++) {
        read_inbox_item_t *it = &out->items[out->n++];
        it->kind = read_pool_col(pool, r, i, 0, 0);
        it->client_key = read_pool_col(pool, r, i, 1, 0);
        it->label = read_pool_col(pool, r, i, 2, 0);
        it->detail = read_pool_col(pool, r, i, 3, 0);
        it->due = read_pool_col(pool, r, i, 4, 1);
        it->received = read_pool_col(pool, r, i, 5, 0);
        it->object = read_pool_col(pool, r, i, 6, 0);
        it->worker = read_pool_col(pool, r, i, 7, 0);
        it->group = read_pool_col(pool, r, i, 8, 0);
        it->text_id = read_pool_col(pool, r, i, 9, 0);
        it->text_args = read_pool_col(pool, r, i, 10, 0);
        it->sub = out->n > 1 && strcmp(out->items[out->n - 2].group, it->group) == 0;
        /* One unseal per client: an earlier row of the same client has it. */
        for (size_t j = 0; j + 1 < out->n && !it->hetu_masked[0]; j++)
            if (strcmp(out->items[j].client_key, it->client_key) == 0)
                memcpy(it->hetu_masked, out->items[j].hetu_masked, sizeof it->hetu_masked);
        if (!it->hetu_masked[0])
            read_hetu_masked(store, it->client_key, it->hetu_masked);
    }
    PQclear(r);
    return pool->failed ? -1 : 0;
}

void read_inbox_free(read_inbox_t *list)
{
    if (!list)
        return;
    free(list->items);
    read_pool_free(&list->pool);
    memset(list, 0, sizeof *list);
}
