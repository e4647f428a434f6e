/* Area of the platform's dies, and the physical plan checks the loader runs (every die
 * fits its reticle, every wafer's dies fit the wafer): from the netlist and its
 * technology-types alone. The area model is described in src/model/cost.h.
 */
#ifndef TESS_AREA_H
#define TESS_AREA_H

#include <stdint.h>

#include "config/diag.h"
#include "config/platform.h"

/* Square metres per block class. */
typedef struct tess_area_parts {
    double tensor, vector, sram, router, phy, memory_phy, uncore;
    double spare_cores; /* core-level redundancy's spares (die-type spare-cores) */
    double given;       /* dies whose die-type states its area */
} tess_area_parts;

/* Links of every instance, as a compressed adjacency (link indices; a circuit switch's
 * circuits are not cables and are left out). */
typedef struct tess_adjacency {
    uint32_t *start; /* n_instances + 1 */
    uint32_t *links;
} tess_adjacency;

/* 0, or -1 when out of memory. Free with tess_adjacency_free either way. */
int tess_adjacency_build(const tess_platform *p, tess_adjacency *a);
void tess_adjacency_free(tess_adjacency *a);

/* A die's own router: the one a generator made right after it with the same grid
 * coordinates (a mesh or torus tile's router, a fat-tree or rail-only GPU's port hub),
 * or TESS_NONE. */
uint32_t tess_tile_router(const tess_platform *p, uint32_t die);

/* A router that is part of a die, not a stand-alone switch. */
int tess_on_die_router(const tess_platform *p, uint32_t router);

/* The die-type's technology-type, or NULL. */
const tess_technology_type *tess_technology_of(const tess_platform *p, const tess_die_type *d);

/* Area of die instance `die` (m2), with its parts added into *parts when not NULL.
 * 0 when its die-type names no technology and states no area. */
double tess_die_area(const tess_platform *p, uint32_t die, tess_area_parts *parts);

/* tess_die_area with the platform's adjacency built once by the caller. */
double tess_die_area_in(const tess_platform *p, const tess_adjacency *adj, uint32_t die,
                        tess_area_parts *parts);

/* Physical plan checks (the loader runs them): every die fits its reticle, every wafer's
 * dies fit the wafer's usable area. 0, or TESS_EINVAL with the errors in diag. */
int tess_check_fit(const tess_platform *p, tess_diag *diag);

#endif
