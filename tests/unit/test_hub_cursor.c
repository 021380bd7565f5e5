/* test_hub_cursor.c - a consumer's mark-delete position and finished ranges:
 * what a checkpoint holds, and that a cursor restored from it reads again
 * exactly the seqs that were not finished. No I/O. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>

#include "hub_cursor.h"

/* The checkpoint of c as "md|lo-hi,lo-hi" for compact asserts. */
static char *s_form(const hub_cursor_t *c)
{
    static char out[512];
    uint64_t *r = NULL;
    long n = hub_cursor_acked(c, &r);
    cr_assert_geq(n, 0);
    int k = snprintf(out, sizeof out, "%llu|", (unsigned long long)hub_cursor_mark_delete(c));
    for (long i = 0; i < n; i++)
        k += snprintf(out + k, sizeof out - (size_t)k, "%s%llu-%llu", i ? "," : "",
                      (unsigned long long)r[2 * i], (unsigned long long)r[2 * i + 1]);
    free(r);
    return out;
}

Test(hub_cursor, mark_delete_follows_the_oldest_pending)
{
    hub_cursor_t *c = hub_cursor_new(10, NULL, 0);
    cr_assert_str_eq(s_form(c), "10|");
    cr_assert_eq(hub_cursor_read(c, 12), 0);
    cr_assert_eq(hub_cursor_read(c, 13), 0);
    cr_assert_eq(hub_cursor_read(c, 15), 0);
    hub_cursor_read_to(c, 17);
    cr_assert_eq(hub_cursor_pending(c), 3);
    /* 11 was not this consumer's: finished; 16-17 likewise. */
    cr_assert_str_eq(s_form(c), "11|14-14,16-17");
    cr_assert_eq(hub_cursor_finish(c, 13), 0);
    cr_assert_str_eq(s_form(c), "11|13-14,16-17");
    cr_assert_eq(hub_cursor_finish(c, 12), 0);
    cr_assert_str_eq(s_form(c), "14|16-17");
    cr_assert_eq(hub_cursor_finish(c, 15), 0);
    cr_assert_str_eq(s_form(c), "17|");
    cr_assert_eq(hub_cursor_pending(c), 0);
    cr_assert_eq(hub_cursor_span(c), 0);
    hub_cursor_destroy(&c);
    cr_assert_null(c);
}

Test(hub_cursor, restored_cursor_skips_what_was_finished)
{
    /* A checkpoint: md 100, 102-104 and 107 finished; 101, 105, 106 were not. */
    uint64_t acked[] = {102, 104, 107, 107};
    hub_cursor_t *c = hub_cursor_new(100, acked, 2);
    cr_assert_str_eq(s_form(c), "100|102-104,107-107");
    cr_assert_eq(hub_cursor_read(c, 101), 0, "unfinished: delivered again");
    cr_assert_eq(hub_cursor_read(c, 103), 1, "finished: skipped");
    cr_assert_eq(hub_cursor_read(c, 105), 0);
    cr_assert_eq(hub_cursor_read(c, 106), 0);
    cr_assert_eq(hub_cursor_read(c, 107), 1);
    cr_assert_eq(hub_cursor_read(c, 108), 0, "new after the checkpoint");
    cr_assert_eq(hub_cursor_read(c, 105), 1, "never read twice");
    cr_assert_eq(hub_cursor_pending(c), 4);
    cr_assert_str_eq(s_form(c), "100|102-104,107-107");
    hub_cursor_destroy(&c);
}

Test(hub_cursor, finished_before_read_is_skipped)
{
    /* A replayed dead letter acknowledged before paging reached its seq. */
    hub_cursor_t *c = hub_cursor_new(0, NULL, 0);
    cr_assert_eq(hub_cursor_finish(c, 5), 0);
    cr_assert_eq(hub_cursor_finish(c, 7), 0);
    cr_assert_eq(hub_cursor_finish(c, 6), 0);
    cr_assert(hub_cursor_dirty(c));
    cr_assert_str_eq(s_form(c), "0|5-7");
    cr_assert_eq(hub_cursor_read(c, 3), 0);
    cr_assert_eq(hub_cursor_read(c, 6), 1);
    hub_cursor_read_to(c, 9);
    cr_assert_str_eq(s_form(c), "2|4-9");
    hub_cursor_clean(c);
    cr_assert_not(hub_cursor_dirty(c));
    cr_assert_eq(hub_cursor_finish(c, 1), 0, "below the mark-delete: nothing changes");
    cr_assert_not(hub_cursor_dirty(c));
    hub_cursor_destroy(&c);
}

Test(hub_cursor, many_reads_and_out_of_order_finishes)
{
    hub_cursor_t *c = hub_cursor_new(0, NULL, 0);
    for (uint64_t s = 1; s <= 10000; s++)
        cr_assert_eq(hub_cursor_read(c, s), 0);
    for (uint64_t s = 2; s <= 10000; s++)
        hub_cursor_finish(c, s);
    cr_assert_eq(hub_cursor_pending(c), 1);
    cr_assert_str_eq(s_form(c), "0|2-10000");
    hub_cursor_finish(c, 1);
    cr_assert_str_eq(s_form(c), "10000|");
    for (uint64_t s = 10001; s <= 20000; s++)
        cr_assert_eq(hub_cursor_read(c, s), 0);
    cr_assert_eq(hub_cursor_span(c), 10000, "finished entries at the front are dropped");
    hub_cursor_destroy(&c);
}
