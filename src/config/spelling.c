/* Nearest names: see spelling.h. */
#include "config/spelling.h"

#include <string.h>

/* Levenshtein distance, stopping at `cap` + 1 (two rows of at most 64 + 1 cells). */
static size_t distance(const char *a, const char *b, size_t cap)
{
    const size_t la = strlen(a), lb = strlen(b);
    if (la > 64 || lb > 64) return cap + 1;
    if ((la > lb ? la - lb : lb - la) > cap) return cap + 1;
    size_t prev[65], cur[65];
    for (size_t j = 0; j <= lb; j++)
        prev[j] = j;
    for (size_t i = 1; i <= la; i++) {
        cur[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            const size_t sub = prev[j - 1] + (a[i - 1] != b[j - 1]);
            const size_t del = prev[j] + 1, ins = cur[j - 1] + 1;
            cur[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
        }
        memcpy(prev, cur, (lb + 1) * sizeof *prev);
    }
    return prev[lb];
}

const char *tess_did_you_mean(const char *word, const char *const *candidates, size_t n)
{
    size_t cap = strlen(word) / 3;
    if (cap < 1) cap = 1;
    if (cap > 3) cap = 3;
    const char *best = NULL;
    size_t best_d = cap + 1;
    for (size_t i = 0; i < n; i++) {
        const size_t d = distance(word, candidates[i], cap);
        if (d < best_d) {
            best_d = d;
            best = candidates[i];
        }
    }
    return best;
}
