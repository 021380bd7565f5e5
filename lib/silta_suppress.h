/*  silta_suppress.h - small-cell suppression of a table of client counts, so
 *  that an aggregate report cannot single out a person (statistical
 *  disclosure control, as in THL's and Statistics Finland's practice of not
 *  publishing cells under 5).
 *
 *  The table has nr x nc inner cells, its row totals in column nc, its column
 *  totals in row nr and the grand total at [nr][nc]: (nr+1) x (nc+1) values,
 *  row-major. Primary suppression hides every value from 1 to min-1 (a 0
 *  reveals no one and stays). Complementary suppression then makes sure no
 *  hidden value can be computed back from its row or column: wherever a row or
 *  a column (totals included) has exactly one hidden value, its smallest
 *  shown non-zero value is hidden too, until nothing changes.
 */
#ifndef SILTA_SUPPRESS_H
#define SILTA_SUPPRESS_H

#include <stddef.h>

/* v: (nr+1)*(nc+1) counts as above (>= 0). hidden: as many flags, written:
 * 1 = do not show. Counts are treated as additive (a count of distinct
 * clients over a row is at most the sum of its cells, so this errs on the
 * side of hiding). Returns how many values are hidden. */
size_t silta_suppress(const long *v, size_t nr, size_t nc, long min, unsigned char *hidden);

#endif
