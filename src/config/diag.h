/* Diagnostics: an ordered list of messages about input, each "file:line: text".
 *
 * Loaders report every problem they find (not only the first) so that a user fixes
 * a platform in one pass. The list owns its strings; tess_diag_free releases them.
 */
#ifndef TESS_DIAG_H
#define TESS_DIAG_H

#include <stddef.h>

typedef struct tess_diag {
    char **messages;
    size_t count;
    size_t capacity;
    size_t limit; /* stop recording after this many (0 = 100); count still grows */
    size_t dropped;
} tess_diag;

void tess_diag_init(tess_diag *d);
void tess_diag_free(tess_diag *d);

/* Records "FILE:LINE: " + the formatted text. file may be NULL, line may be 0. */
void tess_diag_add(tess_diag *d, const char *file, long line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Total problems seen, including those past the recording limit. */
size_t tess_diag_errors(const tess_diag *d);

/* Newline-separated messages in a new string the caller frees; "" when none. */
char *tess_diag_join(const tess_diag *d);

#endif
