/* Field tables of the typed templates: see fields.h. */
#include "config/fields.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

static const char *const routing_names[] = {"xy", "yx", "west-first", "table", NULL};
static const char *const vc_release_names[] = {"tail", "tail-credit", NULL};
static const char *const standard_names[] = {"HBM2E", "HBM3", "DDR5", "LPDDR5", "ideal", NULL};

const char *tess_routing_name(tess_routing r) { return routing_names[r]; }
const char *tess_memory_standard_name(tess_memory_standard s) { return standard_names[s]; }

/* A size given in bytes, stored in bits (bus widths are quoted in bits). */
static double bytes_to_bits(tess_quantity q) { return q.value * 8.0; }

/* A per-pin data rate: `6400MT/s`, or `6.4Gb/s` (one bit per transfer per pin). */
static double pin_rate(tess_quantity q)
{
    return q.dim == TESS_DIM_BANDWIDTH ? q.value * 8.0 : q.value;
}

#define U32_MAX_D 4294967295.0
#define CYCLE_DIMS (TESS_DIM_COUNT | TESS_DIM_CYCLES)

#define DIE(f) offsetof(tess_die_type, f)
static const tess_field_spec die_fields[] = {
    {"clock", TESS_DIM_FREQUENCY, TESS_FIELD_DOUBLE, DIE(clock_hz), NULL, 1e3, 1e12, NULL, NULL,
     "core clock"},
    {"tensor-rows", TESS_DIM_COUNT, TESS_FIELD_U32, DIE(tensor_rows), "0", 0, 65536, NULL, NULL,
     "systolic array rows (0: no tensor engine)"},
    {"tensor-cols", TESS_DIM_COUNT, TESS_FIELD_U32, DIE(tensor_cols), "0", 0, 65536, NULL, NULL,
     "systolic array columns"},
    {"vector-lanes", TESS_DIM_COUNT, TESS_FIELD_U32, DIE(vector_lanes), "0", 0, 1 << 20, NULL,
     NULL, "vector unit lanes"},
    {"sram", TESS_DIM_SIZE, TESS_FIELD_U64, DIE(sram_bytes), "0B", 0, 1e15, NULL, NULL,
     "on-die SRAM capacity"},
    {"sram-bandwidth", TESS_DIM_BANDWIDTH, TESS_FIELD_DOUBLE, DIE(sram_bandwidth), "0B/s", 0,
     1e18, NULL, NULL, "SRAM bandwidth"},
    {"dma-engines", TESS_DIM_COUNT, TESS_FIELD_U32, DIE(dma_engines), "1", 0, 1024, NULL, NULL,
     "DMA engines"},
};

#define RT(f) offsetof(tess_router_type, f)
static const tess_field_spec router_fields[] = {
    {"clock", TESS_DIM_FREQUENCY, TESS_FIELD_DOUBLE, RT(clock_hz), NULL, 1e3, 1e12, NULL, NULL,
     "router clock"},
    {"ports", TESS_DIM_COUNT, TESS_FIELD_U32, RT(ports), "0", 0, 4096, NULL, NULL,
     "ports (0: as many as links attached)"},
    {"vcs", TESS_DIM_COUNT, TESS_FIELD_U32, RT(vcs), "2", 1, 256, NULL, NULL,
     "virtual channels per port"},
    {"buffer-flits", TESS_DIM_COUNT, TESS_FIELD_U32, RT(buffer_flits), "8", 1, 1 << 20, NULL,
     NULL, "buffer depth per virtual channel, flits"},
    {"flit-width", TESS_DIM_SIZE, TESS_FIELD_U32, RT(flit_bytes), "16B", 1, 1 << 20, NULL, NULL,
     "flit width"},
    {"pipeline", CYCLE_DIMS, TESS_FIELD_U32, RT(pipeline_cycles), "1", 1, 1024, NULL, NULL,
     "router pipeline depth, cycles"},
    {"input-speedup", TESS_DIM_COUNT, TESS_FIELD_U32, RT(input_speedup), "1", 1, 16, NULL, NULL,
     "crossbar inputs per input port: flits one port may send in a cycle"},
    {"credit-delay", CYCLE_DIMS, TESS_FIELD_U32, RT(credit_delay), "0", 0, 1024, NULL, NULL,
     "cycles a credit takes back upstream (0: the link's latency)"},
    {"routing", 0, TESS_FIELD_ENUM, RT(routing), "xy", 0, 0, NULL, routing_names,
     "routing algorithm"},
    {"vc-release", 0, TESS_FIELD_ENUM, RT(vc_release), "tail", 0, 0, NULL, vc_release_names,
     "an output VC takes a new packet after the tail leaves, or after its credit returns"},
    {"energy", TESS_DIM_ENERGY_PER_BIT, TESS_FIELD_DOUBLE, RT(energy_per_bit), "0pJ/bit", 0, 1e-6,
     NULL, NULL, "energy per bit switched"},
};

#define LT(f) offsetof(tess_link_type, f)
static const tess_field_spec link_fields[] = {
    {"width", TESS_DIM_SIZE, TESS_FIELD_U32, LT(width_bytes), NULL, 1, 1 << 20, NULL, NULL,
     "bytes moved per cycle"},
    {"latency", TESS_DIM_TIME | TESS_DIM_CYCLES, TESS_FIELD_LATENCY, LT(latency), NULL, 0, 1e6,
     NULL, NULL, "wire latency (cycles of the link clock, or a time)"},
    {"clock", TESS_DIM_FREQUENCY, TESS_FIELD_DOUBLE, LT(clock_hz), "0Hz", 0, 1e12, NULL, NULL,
     "link clock (0: the clock of the block it leaves)"},
    {"energy", TESS_DIM_ENERGY_PER_BIT, TESS_FIELD_DOUBLE, LT(energy_per_bit), NULL, 0, 1e-6,
     NULL, NULL, "energy per bit moved"},
};

#define MT(f) offsetof(tess_memory_type, f)
static const tess_field_spec memory_fields[] = {
    {"standard", 0, TESS_FIELD_ENUM, MT(standard), NULL, 0, 0, NULL, standard_names,
     "DRAM standard"},
    {"capacity", TESS_DIM_SIZE, TESS_FIELD_U64, MT(capacity_bytes), NULL, 1, 1e18, NULL, NULL,
     "capacity"},
    {"channels", TESS_DIM_COUNT, TESS_FIELD_U32, MT(channels), NULL, 1, 4096, NULL, NULL,
     "channels (pseudo-channels for HBM)"},
    {"bus-width", TESS_DIM_SIZE, TESS_FIELD_U32, MT(bus_width_bits), NULL, 1, 65536, bytes_to_bits,
     NULL, "data bus width per channel"},
    {"data-rate", TESS_DIM_TRANSFER_RATE | TESS_DIM_BANDWIDTH, TESS_FIELD_DOUBLE, MT(data_rate),
     NULL, 1e3, 1e12, pin_rate, NULL, "per-pin data rate"},
};

#define COUNT_OF(a) (sizeof(a) / sizeof((a)[0]))

const tess_field_spec *tess_fields_of(tess_kind kind, size_t *count)
{
    switch (kind) {
    case TESS_KIND_DIE: *count = COUNT_OF(die_fields); return die_fields;
    case TESS_KIND_ROUTER: *count = COUNT_OF(router_fields); return router_fields;
    case TESS_KIND_LINK: *count = COUNT_OF(link_fields); return link_fields;
    case TESS_KIND_MEMORY: *count = COUNT_OF(memory_fields); return memory_fields;
    default: *count = 0; return NULL;
    }
}

const tess_field_spec *tess_field_find(tess_kind kind, const char *attr)
{
    size_t n;
    const tess_field_spec *f = tess_fields_of(kind, &n);
    for (size_t i = 0; i < n; i++)
        if (strcmp(f[i].attr, attr) == 0) return &f[i];
    return NULL;
}

void *tess_type_struct(tess_type *t) { return &t->u; }
const void *tess_type_struct_const(const tess_type *t) { return &t->u; }

int tess_field_set(const tess_field_spec *f, void *type_struct, const char *text, char *err,
                   size_t errlen)
{
    char *base = (char *)type_struct + f->offset;
    if (f->storage == TESS_FIELD_ENUM) {
        for (int i = 0; f->enum_names[i]; i++) {
            if (strcmp(text, f->enum_names[i]) == 0) {
                *(int *)base = i;
                return 0;
            }
        }
        char allowed[256] = "";
        for (int i = 0; f->enum_names[i]; i++) {
            strncat(allowed, i ? ", " : "", sizeof allowed - strlen(allowed) - 1);
            strncat(allowed, f->enum_names[i], sizeof allowed - strlen(allowed) - 1);
        }
        snprintf(err, errlen, "'%s' is not one of: %s", text, allowed);
        return -1;
    }
    tess_quantity q;
    if (tess_parse_quantity(text, f->dims, &q, err, errlen) != 0) return -1;
    double v = f->convert ? f->convert(q) : q.value;
    if (f->storage == TESS_FIELD_LATENCY) {
        /* a latency in seconds is compared against max in cycles-equivalent ns */
        double check = q.dim == TESS_DIM_CYCLES ? v : v * 1e9;
        if (v < 0 || check > f->max) {
            snprintf(err, errlen, "'%s' is out of range (0 to %g cycles or %g ns)", text, f->max,
                     f->max);
            return -1;
        }
        tess_latency *lat = (tess_latency *)base;
        lat->cycles = q.dim == TESS_DIM_CYCLES ? v : 0.0;
        lat->seconds = q.dim == TESS_DIM_TIME ? v : 0.0;
        if (lat->cycles != floor(lat->cycles)) {
            snprintf(err, errlen, "'%s' is not a whole number of cycles", text);
            return -1;
        }
        return 0;
    }
    if (!(v >= f->min && v <= f->max)) {
        char lo[48], hi[48];
        tess_format_quantity(f->min, f->convert ? TESS_DIM_COUNT : q.dim, lo, sizeof lo);
        tess_format_quantity(f->max, f->convert ? TESS_DIM_COUNT : q.dim, hi, sizeof hi);
        snprintf(err, errlen, "'%s' is out of range (%s to %s)", text, lo, hi);
        return -1;
    }
    if (f->storage == TESS_FIELD_U32 || f->storage == TESS_FIELD_U64) {
        if (v != floor(v)) {
            snprintf(err, errlen, "'%s' is not a whole number%s", text,
                     q.dim == TESS_DIM_SIZE ? " of bytes" : "");
            return -1;
        }
        if (f->storage == TESS_FIELD_U32)
            *(uint32_t *)base = (uint32_t)v;
        else
            *(uint64_t *)base = (uint64_t)v;
    } else {
        *(double *)base = v;
    }
    return 0;
}

void tess_field_format(const tess_field_spec *f, const void *type_struct, char *buf, size_t len)
{
    const char *base = (const char *)type_struct + f->offset;
    /* the first accepted dimension that is not a plain count names the display unit */
    tess_dim dim = TESS_DIM_COUNT;
    for (unsigned bit = 2; bit <= TESS_DIM_TRANSFER_RATE; bit <<= 1)
        if (f->dims & bit) {
            dim = (tess_dim)bit;
            break;
        }
    if (f->convert) dim = f->convert == pin_rate ? TESS_DIM_TRANSFER_RATE : TESS_DIM_COUNT;
    switch (f->storage) {
    case TESS_FIELD_ENUM: snprintf(buf, len, "%s", f->enum_names[*(const int *)base]); return;
    case TESS_FIELD_U32:
        if (f->convert == bytes_to_bits)
            snprintf(buf, len, "%u bits", *(const uint32_t *)base);
        else
            tess_format_quantity(*(const uint32_t *)base, dim, buf, len);
        return;
    case TESS_FIELD_U64: tess_format_quantity((double)*(const uint64_t *)base, dim, buf, len); return;
    case TESS_FIELD_DOUBLE: tess_format_quantity(*(const double *)base, dim, buf, len); return;
    case TESS_FIELD_LATENCY: {
        const tess_latency *lat = (const tess_latency *)base;
        if (lat->seconds > 0)
            tess_format_quantity(lat->seconds, TESS_DIM_TIME, buf, len);
        else
            snprintf(buf, len, "%g cycles", lat->cycles);
        return;
    }
    }
}
