/* Unit parser: see units.h. */
#include "config/units.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum { SI_SMALL = 1, SI_LARGE = 2, BINARY = 4 };

struct base_unit {
    const char *spelling;
    tess_dim dim;
    double scale; /* base-unit value of 1 of this unit */
    int prefixes;
};

/* One table of every unit; prefixes say which multipliers may precede it. */
static const struct base_unit units[] = {
    {"Hz", TESS_DIM_FREQUENCY, 1.0, SI_SMALL | SI_LARGE},
    {"B", TESS_DIM_SIZE, 1.0, SI_LARGE | BINARY},
    {"b", TESS_DIM_SIZE, 0.125, SI_LARGE | BINARY},
    {"bit", TESS_DIM_SIZE, 0.125, SI_LARGE | BINARY},
    {"B/s", TESS_DIM_BANDWIDTH, 1.0, SI_LARGE | BINARY},
    {"b/s", TESS_DIM_BANDWIDTH, 0.125, SI_LARGE | BINARY},
    {"bps", TESS_DIM_BANDWIDTH, 0.125, SI_LARGE},
    {"s", TESS_DIM_TIME, 1.0, SI_SMALL | SI_LARGE},
    {"cycle", TESS_DIM_CYCLES, 1.0, 0},
    {"cycles", TESS_DIM_CYCLES, 1.0, 0},
    {"J", TESS_DIM_ENERGY, 1.0, SI_SMALL | SI_LARGE},
    {"J/bit", TESS_DIM_ENERGY_PER_BIT, 1.0, SI_SMALL},
    {"J/b", TESS_DIM_ENERGY_PER_BIT, 1.0, SI_SMALL},
    {"J/B", TESS_DIM_ENERGY_PER_BIT, 0.125, SI_SMALL},
    {"W", TESS_DIM_POWER, 1.0, SI_SMALL | SI_LARGE},
    {"m", TESS_DIM_LENGTH, 1.0, SI_SMALL | SI_LARGE},
    {"T/s", TESS_DIM_TRANSFER_RATE, 1.0, SI_LARGE},
    /* a prefix would scale an area once, not squared: areas are spelled out */
    {"m2", TESS_DIM_AREA, 1.0, 0},
    {"cm2", TESS_DIM_AREA, 1e-4, 0},
    {"mm2", TESS_DIM_AREA, 1e-6, 0},
    {"um2", TESS_DIM_AREA, 1e-12, 0},
    {"/m2", TESS_DIM_DEFECT_DENSITY, 1.0, 0},
    {"/cm2", TESS_DIM_DEFECT_DENSITY, 1e4, 0},
    {"/mm2", TESS_DIM_DEFECT_DENSITY, 1e6, 0},
    {"USD", TESS_DIM_COST, 1.0, SI_LARGE},
    {"USD/m2", TESS_DIM_COST_PER_AREA, 1.0, 0},
    {"USD/cm2", TESS_DIM_COST_PER_AREA, 1e4, 0},
    {"USD/mm2", TESS_DIM_COST_PER_AREA, 1e6, 0},
    {"FLOP/s", TESS_DIM_FLOP_RATE, 1.0, SI_LARGE},
};

struct prefix {
    const char *spelling;
    double factor;
    int kind;
};

static const struct prefix prefixes[] = {
    {"p", 1e-12, SI_SMALL},
    {"n", 1e-9, SI_SMALL},
    {"u", 1e-6, SI_SMALL},
    {"\xc2\xb5", 1e-6, SI_SMALL}, /* micro sign */
    {"m", 1e-3, SI_SMALL},
    {"k", 1e3, SI_LARGE},
    {"K", 1e3, SI_LARGE},
    {"M", 1e6, SI_LARGE},
    {"G", 1e9, SI_LARGE},
    {"T", 1e12, SI_LARGE},
    {"P", 1e15, SI_LARGE},
    {"Ki", 1024.0, BINARY},
    {"Mi", 1048576.0, BINARY},
    {"Gi", 1073741824.0, BINARY},
    {"Ti", 1099511627776.0, BINARY},
    {"Pi", 1125899906842624.0, BINARY},
};

#define COUNT_OF(a) (sizeof(a) / sizeof((a)[0]))

const char *tess_dim_name(tess_dim dim)
{
    switch (dim) {
    case TESS_DIM_COUNT:
        return "plain number";
    case TESS_DIM_FREQUENCY:
        return "frequency";
    case TESS_DIM_SIZE:
        return "size";
    case TESS_DIM_BANDWIDTH:
        return "bandwidth";
    case TESS_DIM_TIME:
        return "time";
    case TESS_DIM_CYCLES:
        return "cycle count";
    case TESS_DIM_ENERGY:
        return "energy";
    case TESS_DIM_ENERGY_PER_BIT:
        return "energy per bit";
    case TESS_DIM_POWER:
        return "power";
    case TESS_DIM_LENGTH:
        return "length";
    case TESS_DIM_TRANSFER_RATE:
        return "transfer rate";
    case TESS_DIM_AREA:
        return "area";
    case TESS_DIM_DEFECT_DENSITY:
        return "defect density";
    case TESS_DIM_COST:
        return "cost";
    case TESS_DIM_COST_PER_AREA:
        return "cost per area";
    case TESS_DIM_FLOP_RATE:
        return "FLOP rate";
    }
    return "?";
}

const char *tess_dim_example(tess_dim dim)
{
    switch (dim) {
    case TESS_DIM_COUNT:
        return "8";
    case TESS_DIM_FREQUENCY:
        return "1.5GHz";
    case TESS_DIM_SIZE:
        return "48MiB";
    case TESS_DIM_BANDWIDTH:
        return "2TB/s";
    case TESS_DIM_TIME:
        return "3ns";
    case TESS_DIM_CYCLES:
        return "2cycles";
    case TESS_DIM_ENERGY:
        return "1.2nJ";
    case TESS_DIM_ENERGY_PER_BIT:
        return "0.4pJ/bit";
    case TESS_DIM_POWER:
        return "300W";
    case TESS_DIM_LENGTH:
        return "2m";
    case TESS_DIM_TRANSFER_RATE:
        return "6400MT/s";
    case TESS_DIM_AREA:
        return "826mm2";
    case TESS_DIM_DEFECT_DENSITY:
        return "0.1/cm2";
    case TESS_DIM_COST:
        return "17000USD";
    case TESS_DIM_COST_PER_AREA:
        return "0.05USD/mm2";
    case TESS_DIM_FLOP_RATE:
        return "271.2TFLOP/s";
    }
    return "?";
}

/* Describes the dimensions in mask as "a frequency or a time". */
static void describe_mask(unsigned mask, char *buf, size_t len)
{
    buf[0] = '\0';
    size_t used = 0;
    int first = 1;
    for (unsigned bit = 1; bit <= TESS_DIM_LAST; bit <<= 1) {
        if (!(mask & bit)) continue;
        int n = snprintf(buf + used, len - used, "%s%s (e.g. '%s')", first ? "" : " or ",
                         tess_dim_name((tess_dim)bit), tess_dim_example((tess_dim)bit));
        if (n < 0 || (size_t)n >= len - used) return;
        used += (size_t)n;
        first = 0;
    }
}

/* Looks up a unit suffix; returns 0 and the scale/dim, or -1. */
static int lookup_unit(const char *suffix, double *scale, tess_dim *dim)
{
    for (size_t u = 0; u < COUNT_OF(units); u++) {
        if (strcmp(suffix, units[u].spelling) == 0) {
            *scale = units[u].scale;
            *dim = units[u].dim;
            return 0;
        }
    }
    for (size_t p = 0; p < COUNT_OF(prefixes); p++) {
        size_t plen = strlen(prefixes[p].spelling);
        if (strncmp(suffix, prefixes[p].spelling, plen) != 0) continue;
        for (size_t u = 0; u < COUNT_OF(units); u++) {
            if ((units[u].prefixes & prefixes[p].kind) &&
                strcmp(suffix + plen, units[u].spelling) == 0) {
                *scale = prefixes[p].factor * units[u].scale;
                *dim = units[u].dim;
                return 0;
            }
        }
    }
    return -1;
}

/* Finds a valid spelling equal to suffix ignoring case, for "did you mean". */
static int suggest_unit(const char *suffix, char *buf, size_t len)
{
    for (size_t u = 0; u < COUNT_OF(units); u++) {
        if (strcasecmp(suffix, units[u].spelling) == 0) {
            snprintf(buf, len, "%s", units[u].spelling);
            return 0;
        }
    }
    for (size_t p = 0; p < COUNT_OF(prefixes); p++) {
        for (size_t u = 0; u < COUNT_OF(units); u++) {
            if (!(units[u].prefixes & prefixes[p].kind)) continue;
            char cand[32];
            snprintf(cand, sizeof cand, "%s%s", prefixes[p].spelling, units[u].spelling);
            if (strcasecmp(suffix, cand) == 0) {
                snprintf(buf, len, "%s", cand);
                return 0;
            }
        }
    }
    return -1;
}

int tess_parse_quantity(const char *text, unsigned accepted, tess_quantity *out, char *err,
                        size_t errlen)
{
    char describe[256];
    if (!text) text = "";
    const char *p = text;
    while (isspace((unsigned char)*p))
        p++;
    if (*p == '\0') {
        describe_mask(accepted, describe, sizeof describe);
        snprintf(err, errlen, "empty value, expected a %s", describe);
        return -1;
    }
    /* strtod also reads "inf", "nan" and hex floats; a quantity is decimal only. */
    const char *q = p;
    if (*q == '+' || *q == '-') q++;
    if (!(isdigit((unsigned char)*q) || (*q == '.' && isdigit((unsigned char)q[1]))) ||
        (q[0] == '0' && (q[1] == 'x' || q[1] == 'X'))) {
        snprintf(err, errlen, "'%s' does not start with a decimal number", text);
        return -1;
    }
    char *end;
    double number = strtod(p, &end);
    if (!isfinite(number)) {
        snprintf(err, errlen, "'%s' is out of the representable range", text);
        return -1;
    }
    if (*end == ' ') end++;
    char suffix[64];
    size_t n = strlen(end);
    while (n > 0 && isspace((unsigned char)end[n - 1]))
        n--;
    if (n >= sizeof suffix) {
        snprintf(err, errlen, "unknown unit in '%s'", text);
        return -1;
    }
    memcpy(suffix, end, n);
    suffix[n] = '\0';

    double scale = 1.0;
    tess_dim dim = TESS_DIM_COUNT;
    if (n == 0) {
        if (!(accepted & TESS_DIM_COUNT)) {
            describe_mask(accepted, describe, sizeof describe);
            snprintf(err, errlen, "'%s' has no unit, expected a %s", text, describe);
            return -1;
        }
    } else if (lookup_unit(suffix, &scale, &dim) != 0) {
        char hint[48];
        if (suggest_unit(suffix, hint, sizeof hint) == 0)
            snprintf(err, errlen, "unknown unit '%s' in '%s' (did you mean '%s'?)", suffix, text,
                     hint);
        else
            snprintf(err, errlen, "unknown unit '%s' in '%s'", suffix, text);
        return -1;
    }
    if (!(accepted & dim)) {
        describe_mask(accepted, describe, sizeof describe);
        snprintf(err, errlen, "'%s' is a %s, expected a %s", text, tess_dim_name(dim), describe);
        return -1;
    }
    out->value = number * scale;
    out->dim = dim;
    return 0;
}

void tess_format_quantity(double value, tess_dim dim, char *buf, size_t buflen)
{
    static const char *const si[] = {"p", "n", "u", "m", "", "k", "M", "G", "T", "P"};
    const char *unit = "";
    switch (dim) {
    case TESS_DIM_COUNT:
        snprintf(buf, buflen, "%.6g", value);
        return;
    case TESS_DIM_CYCLES:
        snprintf(buf, buflen, "%.6g cycles", value);
        return;
    case TESS_DIM_SIZE:
        /* Exact binary multiples read best in IEC units (48 MiB). */
        if (value >= 1024.0 && fmod(value, 1024.0) == 0.0) {
            static const char *const iec[] = {"KiB", "MiB", "GiB", "TiB", "PiB"};
            int k = 0;
            double v = value / 1024.0;
            while (k < 4 && v >= 1024.0 && fmod(v, 1024.0) == 0.0) {
                v /= 1024.0;
                k++;
            }
            snprintf(buf, buflen, "%.6g %s", v, iec[k]);
            return;
        }
        unit = "B";
        break;
    case TESS_DIM_FREQUENCY:
        unit = "Hz";
        break;
    case TESS_DIM_BANDWIDTH:
        unit = "B/s";
        break;
    case TESS_DIM_TIME:
        unit = "s";
        break;
    case TESS_DIM_ENERGY:
        unit = "J";
        break;
    case TESS_DIM_ENERGY_PER_BIT:
        unit = "J/bit";
        break;
    case TESS_DIM_POWER:
        unit = "W";
        break;
    case TESS_DIM_LENGTH:
        unit = "m";
        break;
    case TESS_DIM_TRANSFER_RATE:
        unit = "T/s";
        break;
    case TESS_DIM_FLOP_RATE:
        unit = "FLOP/s";
        break;
    /* areas, densities and prices read best in the units they are quoted in */
    case TESS_DIM_AREA:
        snprintf(buf, buflen, "%.6g mm2", value * 1e6);
        return;
    case TESS_DIM_DEFECT_DENSITY:
        snprintf(buf, buflen, "%.6g /cm2", value * 1e-4);
        return;
    case TESS_DIM_COST:
        snprintf(buf, buflen, "%.6g USD", value);
        return;
    case TESS_DIM_COST_PER_AREA:
        snprintf(buf, buflen, "%.6g USD/mm2", value * 1e-6);
        return;
    }
    int exp3 = 0;
    if (value != 0.0) {
        exp3 = (int)floor(log10(fabs(value)) / 3.0);
        if (exp3 < -4) exp3 = -4;
        if (exp3 > 5) exp3 = 5;
        if (dim == TESS_DIM_SIZE && exp3 < 0) exp3 = 0;
    }
    snprintf(buf, buflen, "%.6g %s%s", value / pow(10.0, 3 * exp3), si[exp3 + 4], unit);
}
