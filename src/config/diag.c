/* Diagnostics list: see diag.h. */
#include "config/diag.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void tess_diag_init(tess_diag *d)
{
    memset(d, 0, sizeof *d);
}

void tess_diag_free(tess_diag *d)
{
    for (size_t i = 0; i < d->count; i++)
        free(d->messages[i]);
    free(d->messages);
    memset(d, 0, sizeof *d);
}

void tess_diag_add(tess_diag *d, const char *file, long line, const char *fmt, ...)
{
    size_t limit = d->limit ? d->limit : 100;
    if (d->count >= limit) {
        d->dropped++;
        return;
    }
    char body[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(body, sizeof body, fmt, ap);
    va_end(ap);

    char head[512] = "";
    if (file && line > 0)
        snprintf(head, sizeof head, "%s:%ld: ", file, line);
    else if (file)
        snprintf(head, sizeof head, "%s: ", file);

    size_t n = strlen(head) + strlen(body) + 1;
    char *msg = malloc(n);
    if (!msg) {
        d->dropped++;
        return;
    }
    snprintf(msg, n, "%s%s", head, body);
    if (d->count == d->capacity) {
        size_t cap = d->capacity ? 2 * d->capacity : 8;
        char **grown = realloc(d->messages, cap * sizeof *grown);
        if (!grown) {
            free(msg);
            d->dropped++;
            return;
        }
        d->messages = grown;
        d->capacity = cap;
    }
    d->messages[d->count++] = msg;
}

size_t tess_diag_errors(const tess_diag *d)
{
    return d->count + d->dropped;
}

char *tess_diag_join(const tess_diag *d)
{
    size_t n = 1;
    for (size_t i = 0; i < d->count; i++)
        n += strlen(d->messages[i]) + 1;
    char more[64] = "";
    if (d->dropped) {
        snprintf(more, sizeof more, "... and %zu more\n", d->dropped);
        n += strlen(more);
    }
    char *out = malloc(n);
    if (!out) return NULL;
    char *p = out;
    for (size_t i = 0; i < d->count; i++) {
        size_t len = strlen(d->messages[i]);
        memcpy(p, d->messages[i], len);
        p += len;
        *p++ = '\n';
    }
    memcpy(p, more, strlen(more) + 1);
    return out;
}
