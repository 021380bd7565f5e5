/*  silta_suppress.c - primary and complementary cell suppression
 *  (silta_suppress.h). */
#include "silta_suppress.h"

/* Within one line of n values (stride apart from v / hidden): when exactly one
 * is hidden, hide the smallest shown non-zero one too. Returns 1 if it hid one. */
static int s_line(const long *v, unsigned char *hidden, size_t start, size_t n, size_t stride)
{
    size_t nhidden = 0, best = (size_t)-1;
    for (size_t k = 0; k < n; k++) {
        size_t i = start + k * stride;
        if (hidden[i])
            nhidden++;
        else if (v[i] > 0 && (best == (size_t)-1 || v[i] < v[best]))
            best = i;
    }
    if (nhidden != 1 || best == (size_t)-1)
        return 0;
    hidden[best] = 1;
    return 1;
}

size_t silta_suppress(const long *v, size_t nr, size_t nc, long min, unsigned char *hidden)
{
    size_t rows = nr + 1, cols = nc + 1, n = rows * cols;
    for (size_t i = 0; i < n; i++)
        hidden[i] = v[i] > 0 && v[i] < min;
    /* Each pass hides at least one more value or stops: at most n passes. */
    for (int changed = 1; changed;) {
        changed = 0;
        for (size_t r = 0; r < rows; r++)
            changed |= s_line(v, hidden, r * cols, cols, 1);
        for (size_t c = 0; c < cols; c++)
            changed |= s_line(v, hidden, c, rows, cols);
    }
    size_t total = 0;
    for (size_t i = 0; i < n; i++)
        total += hidden[i];
    return total;
}
