/* The one unit parser: every quantity in every input file goes through here.
 *
 * A quantity is a number followed by a unit, `1.5GHz`, `48MiB`, `2TB/s`, `3ns`,
 * `0.4pJ/bit`, `300W`, `2cycles`. Values are returned in base units: Hz, bytes,
 * bytes per second, seconds, clock cycles, joules, joules per bit, watts, metres,
 * transfers per second, square metres, defects per square metre, US dollars, US
 * dollars per square metre. Areas are spelled with their squared unit (`mm2` is
 * 1e-6 m2; no prefixes on areas). Decimal SI prefixes (p n u m k M G T P; `K` is accepted as
 * kilo) and binary IEC prefixes (Ki Mi Gi Ti Pi, sizes and bandwidths only) are
 * distinct: 1KB = 1000 B, 1KiB = 1024 B. Bits (`b`, `bit`) convert to bytes /8.
 * Unit spelling is case-sensitive (mHz is millihertz); a near miss is suggested.
 */
#ifndef TESS_UNITS_H
#define TESS_UNITS_H

#include <stddef.h>

typedef enum tess_dim {
    TESS_DIM_COUNT = 1u << 0,           /* plain number, no unit */
    TESS_DIM_FREQUENCY = 1u << 1,       /* Hz */
    TESS_DIM_SIZE = 1u << 2,            /* bytes */
    TESS_DIM_BANDWIDTH = 1u << 3,       /* bytes per second */
    TESS_DIM_TIME = 1u << 4,            /* seconds */
    TESS_DIM_CYCLES = 1u << 5,          /* cycles of the owning block's clock */
    TESS_DIM_ENERGY = 1u << 6,          /* joules */
    TESS_DIM_ENERGY_PER_BIT = 1u << 7,  /* joules per bit */
    TESS_DIM_POWER = 1u << 8,           /* watts */
    TESS_DIM_LENGTH = 1u << 9,          /* metres */
    TESS_DIM_TRANSFER_RATE = 1u << 10,  /* transfers per second (per pin) */
    TESS_DIM_AREA = 1u << 11,           /* square metres: m2, cm2, mm2, um2 */
    TESS_DIM_DEFECT_DENSITY = 1u << 12, /* defects per square metre: /cm2, /mm2 */
    TESS_DIM_COST = 1u << 13,           /* US dollars: USD, kUSD, MUSD */
    TESS_DIM_COST_PER_AREA = 1u << 14,  /* US dollars per square metre: USD/mm2, USD/cm2 */
    TESS_DIM_FLOP_RATE = 1u << 15       /* floating-point operations per second: TFLOP/s */
} tess_dim;

/* The last dimension bit, for loops over every dimension. */
#define TESS_DIM_LAST TESS_DIM_FLOP_RATE

typedef struct tess_quantity {
    double value; /* in the base unit of dim */
    tess_dim dim;
} tess_quantity;

/* Parses text as one quantity whose dimension is in the mask `accepted` (an OR of
 * tess_dim). Returns 0, or -1 with a one-line reason in err (never NULL-terminated
 * beyond errlen). Leading/trailing blanks and one blank between number and unit are
 * allowed. */
int tess_parse_quantity(const char *text, unsigned accepted, tess_quantity *out, char *err,
                        size_t errlen);

/* "frequency", "size", ... and an example value for error messages. */
const char *tess_dim_name(tess_dim dim);
const char *tess_dim_example(tess_dim dim);

/* Formats value (base units) with a readable prefix: "1.5 GHz", "48 MiB", "2 TB/s". */
void tess_format_quantity(double value, tess_dim dim, char *buf, size_t buflen);

#endif
