/* test_suppress.c - small-cell suppression: a cell under 5 is hidden, and so
 * is a complement in its row and column, so that no total gives it away. */
#include <criterion/criterion.h>

#include "silta_suppress.h"

/* 2 rules x 2 months, with totals:      m1  m2 | total
 *                                 r1     3  10 |  13
 *                                 r2     8  12 |  20
 *                                 total 11  22 |  33 */
Test(suppress, a_three_client_cell_and_its_complements_are_hidden)
{
    const long v[9] = {3, 10, 13, 8, 12, 20, 11, 22, 33};
    unsigned char h[9];
    size_t n = silta_suppress(v, 2, 2, 5, h);
    cr_assert(h[0], "the 3-client cell is hidden");
    /* Row r1: 3 hidden -> its smallest shown non-zero (10) hidden too;
     * column m1: 3 hidden -> 8 hidden; then row r2 and column m2 have one
     * hidden each -> 12 hidden. */
    cr_assert(h[1] && h[3] && h[4], "complements: 10, 8 and 12");
    cr_assert(!h[2] && !h[5] && !h[6] && !h[7] && !h[8], "totals stay shown");
    cr_assert_eq(n, 4);
    /* No row or column has exactly one hidden value. */
    for (int r = 0; r < 3; r++)
        cr_assert_neq(h[r * 3] + h[r * 3 + 1] + h[r * 3 + 2], 1, "row %d", r);
    for (int c = 0; c < 3; c++)
        cr_assert_neq(h[c] + h[3 + c] + h[6 + c], 1, "column %d", c);
}

Test(suppress, zeros_and_large_cells_are_shown)
{
    const long v[4] = {0, 0, 7, 7}; /* 1 x 1 table: cell 0, total 0; totals 7? */
    unsigned char h[4];
    cr_assert_eq(silta_suppress(v, 1, 1, 5, h), 0);
}

Test(suppress, a_lone_small_cell_hides_its_total)
{
    /* r1: 2 and 0, total 2: nothing else to hide in the row but the total. */
    const long v[9] = {2, 0, 2, 9, 6, 15, 11, 6, 17};
    unsigned char h[9];
    silta_suppress(v, 2, 2, 5, h);
    cr_assert(h[0] && h[2], "the 2 and its row total (2, also under 5)");
    for (int r = 0; r < 3; r++)
        cr_assert_neq(h[r * 3] + h[r * 3 + 1] + h[r * 3 + 2], 1, "row %d", r);
    for (int c = 0; c < 3; c++)
        cr_assert_neq(h[c] + h[3 + c] + h[6 + c], 1, "column %d", c);
}
