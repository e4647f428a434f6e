/* Area, yield and cost of a platform, from its netlist and its technology-types, without
 * simulating (`tessera cost`, and the area/yield/cost keys of report.json).
 *
 * Area: a die's area is the one its die-type gives (`area`), else the sum of its blocks
 * at its technology's densities: MACs of the systolic arrays, vector lanes, SRAM bit
 * cells over the macro efficiency, the ports of its own router (a mesh or torus tile's,
 * a fat-tree or rail-only GPU's port hub), die-to-die PHYs (per byte of width of every link leaving
 * the die or its tile router for another die's router), DRAM PHYs (per memory attached), uncore.
 *
 * Yield: die yield Y(A) from the technology's model: negative binomial
 * (1 + A D0 / alpha)^-alpha, Murphy ((1 - e^-AD0) / AD0)^2, or Poisson e^-AD0. A wafer-scale
 * unit of N dies with S spares is good when at most S dies are bad (under a job, S is the
 * number of its dies the job leaves dead or idle, at most its spare-dies: a spare that
 * computes is no spare):
 * sum_{k<=S} C(N,k) (1-Y)^k Y^(N-k). A package is built from known-good dies; it loses
 * its packaging's bonding yield per die or DRAM device bonded when it holds more than one.
 *
 * Cost: a good die costs wafer-cost / (dies per wafer x Y), dies per wafer being
 * pi r^2 / A - 2 pi r / sqrt(2A) (r: wafer radius less the edge exclusion, rounded down);
 * a package costs (its good dies + its DRAM + packaging price x silicon area) / its
 * assembly yield; a wafer-scale unit (wafer-cost + wafer-scale price x area) / its yield,
 * plus its DRAM; a die outside any package or wafer is packaged alone on organic
 * substrate. Network cost: stand-alone switches (routers that are no die's own) at
 * port-cost per port (every port of the radix, used or not), plus every link's cable and
 * transceivers.
 *
 * Network power (drawn all the time, whatever the traffic): every stand-alone switch's
 * switch-power plus every live link's modules at their transceiver-power (or their
 * xcvr-type's laser + tuning power), the circuit switch's modules included; the per-bit
 * energy of traffic is the simulation's (report.json energy_breakdown_j.network).
 */
#ifndef TESS_COST_H
#define TESS_COST_H

#include <stdint.h>
#include <stdio.h>

#include "config/area.h"
#include "config/yield.h"
#include "config/platform.h"
#include "config/diag.h"

typedef struct tess_cost_report {
    int accounted;  /* some die names a technology-type (else area, yield and cost are 0) */
    double area_m2; /* silicon of every die, dead ones included (they were made) */
    tess_area_parts area;
    double largest_die_m2;
    uint32_t largest_die; /* instance, or TESS_NONE */
    /* yield: the fraction of silicon started that ends in good units, area-weighted */
    double yield;
    double worst_die_yield;                /* over die-types in use */
    double worst_assembly_yield;           /* over multi-die packages (1 when none) */
    double worst_wafer_yield;              /* over wafer-scale units (1 when none) */
    uint32_t packages, wafers, loose_dies; /* manufactured units */
    double cost_usd;                       /* dies + packaging + memory + network */
    double dies_usd, packaging_usd, memory_usd;
    double network_cost_usd;
    uint64_t switches, switch_ports, priced_links, transceivers;
    double switch_usd, link_usd, transceiver_usd;
    double network_power_w; /* switches + modules, static */
    double switch_w, transceiver_w;
} tess_cost_report;

/* Whole dies of area a (m2) on a wafer of usable radius r (m). */
double tess_dies_per_wafer(double radius_m, double area_m2);

/* Fills out for the platform. Always succeeds on a loaded platform. */
void tess_cost_compute(const tess_platform *p, tess_cost_report *out);

/* The area, yield, cost and network power keys of report.json (`"area_mm2": ...,` lines,
 * each with its breakdown object), each line starting with `indent` and ending with a
 * comma. */
void tess_write_cost_json(FILE *f, const tess_platform *p, const tess_cost_report *c,
                          const char *indent);

#endif
