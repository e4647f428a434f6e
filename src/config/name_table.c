/* String -> index hash table: see name_table.h. */
#include "config/name_table.h"

#include <stdlib.h>
#include <string.h>

/* FNV-1a, 64-bit: short keys, good spread, no dependencies. */
static uint64_t hash(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

void tess_name_table_free(tess_name_table *t)
{
    free(t->keys);
    free(t->values);
    memset(t, 0, sizeof *t);
}

static int grow(tess_name_table *t)
{
    size_t cap = t->capacity ? 2 * t->capacity : 64;
    const char **keys = calloc(cap, sizeof *keys);
    uint32_t *values = calloc(cap, sizeof *values);
    if (!keys || !values) {
        free(keys);
        free(values);
        return -1;
    }
    for (size_t i = 0; i < t->capacity; i++) {
        if (!t->keys[i]) continue;
        size_t j = hash(t->keys[i]) & (cap - 1);
        while (keys[j])
            j = (j + 1) & (cap - 1);
        keys[j] = t->keys[i];
        values[j] = t->values[i];
    }
    free(t->keys);
    free(t->values);
    t->keys = keys;
    t->values = values;
    t->capacity = cap;
    return 0;
}

int tess_name_table_put(tess_name_table *t, const char *key, uint32_t value)
{
    if (2 * (t->count + 1) > t->capacity && grow(t) != 0) return -1;
    size_t j = hash(key) & (t->capacity - 1);
    while (t->keys[j]) {
        if (strcmp(t->keys[j], key) == 0) return 1;
        j = (j + 1) & (t->capacity - 1);
    }
    t->keys[j] = key;
    t->values[j] = value;
    t->count++;
    return 0;
}

uint32_t tess_name_table_get(const tess_name_table *t, const char *key)
{
    if (!t->capacity) return UINT32_MAX;
    size_t j = hash(key) & (t->capacity - 1);
    while (t->keys[j]) {
        if (strcmp(t->keys[j], key) == 0) return t->values[j];
        j = (j + 1) & (t->capacity - 1);
    }
    return UINT32_MAX;
}
