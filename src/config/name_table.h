/* A string -> index hash table (open addressing) for the loader's look-ups of
 * instance paths and type names. Keys are borrowed: they must outlive the table. */
#ifndef TESS_NAME_TABLE_H
#define TESS_NAME_TABLE_H

#include <stddef.h>
#include <stdint.h>

typedef struct tess_name_table {
    const char **keys;
    uint32_t *values;
    size_t capacity; /* power of two */
    size_t count;
} tess_name_table;

void tess_name_table_free(tess_name_table *t);
/* Inserts key; returns 0, 1 when the key was already there (value unchanged), -1 on OOM. */
int tess_name_table_put(tess_name_table *t, const char *key, uint32_t value);
/* Value of key, or UINT32_MAX. */
uint32_t tess_name_table_get(const tess_name_table *t, const char *key);

#endif
