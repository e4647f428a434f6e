/* Small expressions over named values, for design-space constraints:
 *
 *   workload.tp * workload.pp * workload.dp == 16 && workload.recompute != 'none'
 *
 * Numbers, 'quoted text', names (letters, digits, '_', '.', and '-' when a letter
 * follows: `workload.micro-batch`; write subtraction with blanks, `a - b`), parentheses,
 * unary - and !, * / %, + -, comparisons == != < <= > >= (they do not chain: write
 * `(a < b) == c`), && and ||. Comparisons and
 * logic give 1 or 0; == and != compare text when either side is text; every other
 * operator needs numbers. A name's value is looked up as text and read as a number
 * when the whole text is one. */
#ifndef TESS_EXPR_H
#define TESS_EXPR_H

#include <stddef.h>

/* Deepest nesting of parentheses and unary operators an expression may have: deeper text
 * is an error, not a stack overflow. */
#define TESS_EXPR_MAX_DEPTH 200

/* Returns the text of a name, or NULL when it has none. */
typedef const char *(*tess_expr_lookup)(void *ctx, const char *name);

/* Evaluates text. 0 with *out set, or -1 with err holding why (and where). */
int tess_expr_eval(const char *text, tess_expr_lookup lookup, void *ctx, double *out, char *err,
                   size_t errlen);

#endif
