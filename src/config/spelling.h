/* "Did you mean ...?": the nearest of a set of names to a misspelt one. */
#ifndef TESS_SPELLING_H
#define TESS_SPELLING_H

#include <stddef.h>

/* The candidate nearest to word by edit distance (insertions, deletions, substitutions),
 * if it is within a third of the word's length (at least 1, at most 3); else NULL. */
const char *tess_did_you_mean(const char *word, const char *const *candidates, size_t n);

#endif
