/* Typed-template fields: one table per template kind says which XML attributes a
 * die-type, router-type, link-type or memory-type has, their dimension, default,
 * range and where each lands in the C struct. The loader, overrides (`--set
 * core.clock=2GHz`) and the summary all go through these tables, so adding a field
 * is one line here plus one in the schema.
 */
#ifndef TESS_FIELDS_H
#define TESS_FIELDS_H

#include "config/platform.h"
#include "config/units.h"

typedef enum tess_field_storage {
    TESS_FIELD_U32,
    TESS_FIELD_U64,
    TESS_FIELD_DOUBLE,
    TESS_FIELD_ENUM,    /* stored as int */
    TESS_FIELD_LATENCY, /* tess_latency: cycles or seconds */
    TESS_FIELD_TEXT,    /* char[32] */
    TESS_FIELD_TILES,   /* tess_cta_tiles: "256x128,128x128,..." */
    TESS_FIELD_FLAGS,   /* uint32_t: bit i set when enum_names[i] is in the list */
    TESS_FIELD_COUNTS   /* tess_counts: "7,8,8,7", each in [min, max] */
} tess_field_storage;

typedef struct tess_field_spec {
    const char *attr;
    unsigned dims; /* accepted tess_dim mask (unused for enums) */
    tess_field_storage storage;
    size_t offset;                      /* within the kind's struct (tess_die_type, ...) */
    const char *default_text;           /* NULL: required */
    double min, max;                    /* inclusive, in stored units */
    double (*convert)(tess_quantity q); /* base units -> stored units; NULL: as is */
    const char *const *enum_names;      /* NULL-terminated, for TESS_FIELD_ENUM */
    const char *doc;
} tess_field_spec;

/* The field table of a template kind. */
const tess_field_spec *tess_fields_of(tess_kind kind, size_t *count);
const tess_field_spec *tess_field_find(tess_kind kind, const char *attr);

/* Pointer to the kind's struct inside a type. */
void *tess_type_struct(tess_type *t);
const void *tess_type_struct_const(const tess_type *t);

/* Parses text into the field; 0, or -1 with a reason in err. */
int tess_field_set(const tess_field_spec *f, void *type_struct, const char *text, char *err,
                   size_t errlen);

/* Human-readable value of the field ("1 GHz", "xy", "2 cycles"). */
void tess_field_format(const tess_field_spec *f, const void *type_struct, char *buf, size_t len);

/* Checks relations between a type's fields (JEDEC timing order, powers of two);
 * 0, or -1 with a reason naming the fields in err. */
int tess_type_check(const tess_type *t, char *err, size_t errlen);

/* Names of the enum values of routing and memory standards, for messages. */
const char *tess_routing_name(tess_routing r);
/* "hash", "dest-mod-k", "source-mod-k" (the router-type attribute's values). */
const char *tess_multipath_name(tess_multipath m);
const char *tess_memory_standard_name(tess_memory_standard s);

#endif
