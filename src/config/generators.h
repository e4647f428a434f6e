/* Topology generators: the `mesh`, `torus` and `switch` elements expand into
 * instances and links with hierarchical names.
 *
 * mesh NAME (R x C):  NAME.rIcJ.die and NAME.rIcJ.router for every tile, a local
 *                     link die<->router per tile, and router links between
 *                     4-neighbours: R*(C-1) + C*(R-1) of them.
 * torus NAME (R x C): as mesh, plus wraparound links on every row and column:
 *                     2*R*C router links (R, C >= 3, so no wrap duplicates a link).
 * switch NAME (N):    NAME.switch (one router, a port per die) and NAME.dieI, each
 *                     with one link to the switch.
 */
#ifndef TESS_GENERATORS_H
#define TESS_GENERATORS_H

#include "config/platform.h"

typedef struct tess_generator_spec {
    const char *name; /* full path prefix of what it makes */
    tess_topology topology;
    uint32_t rows, cols; /* switch: rows = 1, cols = dies */
    uint32_t die_type, router_type, link_type, local_link_type;
    long line;
} tess_generator_spec;

/* Appends the generated grid, instances and links; returns the grid index, or
 * TESS_NONE when memory runs out. */
uint32_t tess_generate(tess_platform *p, const tess_generator_spec *spec);

#endif
