/* Topology generators: the `mesh`, `torus` and `switch` elements expand into
 * instances and links with hierarchical names.
 *
 * mesh NAME (R x C):  NAME.rIcJ.die and NAME.rIcJ.router for every tile, a local
 *                     link die<->router per tile, and router links between
 *                     4-neighbours: R*(C-1) + C*(R-1) of them.
 * torus NAME (R x C): as mesh, plus wraparound links on every row and column:
 *                     2*R*C router links (R, C >= 3, so no wrap duplicates a link).
 *                     With memory=TYPE and memory-edges, a mesh or torus has a DRAM device
 *                     on the router of every tile of each named edge of the grid, made
 *                     after the tiles and their links, edge by edge (west, east, north,
 *                     south): NAME.west-rI and NAME.east-rI (I = 0 .. R-1; on columns 0
 *                     and C-1), NAME.north-cJ and NAME.south-cJ (J = 0 .. C-1; rows 0 and
 *                     R-1), each linked to its router by memory-link (a package's HBM
 *                     stacks along its edges, in the manner of Hecaton and Theseus, that
 *                     follow the grid's size).
 * switch NAME (N):    NAME.switch (one router, a port per die) and NAME.dieI, each
 *                     with one link to the switch.
 * dragonfly NAME (G groups of A routers; Kim, Dally, Scott and Abts, ISCA 2008):
 *                     NAME.gJ.rI.die and NAME.gJ.rI.router (a die a router, the local
 *                     link between them); the A routers of a group joined all to all
 *                     (link), and every pair of groups by one global link (global-link):
 *                     group J's link to group K (K != J) leaves router
 *                     ((K - J - 1) mod G) / h, h = ceil((G - 1) / A) global links a router
 *                     at most, so G = A h + 1 uses every router's h (the balanced case).
 * fat-tree / rail-only NAME (D domains of S dies, switches of radix k): every domain
 *                     is NAME.dI.switch (when S > 1) and S dies NAME.dI.gpuJ, each with
 *                     its port hub NAME.dI.gpuJ-nic (a router: NVLink and NIC meet
 *                     there, so traffic may change rails through a domain). The hubs
 *                     link to their domain switch and, through their NIC, to the
 *                     scale-out network. fat-tree: one folded Clos over all D x S NICs,
 *                     rail-optimised (NIC J of every domain on the same leaves): 1 level
 *                     (NAME.switch) when D x S <= k; 2 (NAME.leafK, NAME.spineK); or 3
 *                     (NAME.podP.leafK, NAME.podP.aggK, NAME.coreK). A leaf gives
 *                     k x o / (o + 1) ports to NICs and the rest to uplinks at
 *                     oversubscription o:1; in three levels an aggregation switch gives
 *                     k x o2 / (o2 + 1) ports to its pod's leaves and the rest to the
 *                     cores at o2:1 (oversubscription="o o2", 1 by default). rail-only: one network
 * per rail J over the D NICs J, no spine between rails: when D <= k, rails share switches, k / D
 * rails on each (NAME.railsJ.switch holds rails J, J+1, ...); else each rail is a full-bisection
 * Clos of its own, NAME.railJ.leafK / spineK (or pods and cores past k^2/2 NICs). With memory=TYPE,
 * each die has its own DRAM NAME.dI.gpuJ-hbm. A fat-tree with border=P has one more router,
 * NAME.border (a datacenter's border switches as one crossbar), on P ports of the Clos
 * after the NICs' (its leaves are border leaves): where long-haul links leave the fabric.
 */
#ifndef TESS_GENERATORS_H
#define TESS_GENERATORS_H

#include "config/platform.h"

/* The most dies one generator makes (rows x cols, or domains x domain-size): past it the
 * platform is refused before anything is allocated. */
#define TESS_MAX_GENERATED_DIES (1u << 20)

/* The edges of a mesh or torus that carry memories (tess_generator_spec.memory_edges). */
enum { TESS_EDGE_WEST = 1, TESS_EDGE_EAST = 2, TESS_EDGE_NORTH = 4, TESS_EDGE_SOUTH = 8 };
/* Their names, edge 1 << i the i-th: west, east, north, south. */
extern const char *const tess_grid_edges[4];

typedef struct tess_generator_spec {
    const char *name; /* full path prefix of what it makes */
    tess_topology topology;
    uint32_t rows,
        cols; /* switch, ring: rows = 1, cols = dies; fat-tree, rail-only: domains, dies */
    uint32_t die_type, router_type, link_type, local_link_type;
    uint32_t global_link_type; /* dragonfly: the links between groups */
    /* fat-tree and rail-only: router_type is the scale-out switch, link_type the NIC link */
    uint32_t nic_type, domain_switch_type, domain_link_type, uplink_type;
    uint32_t memory_type, memory_link_type; /* a DRAM device per die (TESS_NONE: none) */
    unsigned memory_edges;                  /* mesh, torus: TESS_EDGE_* bits (memory_type's) */
    uint32_t radix;                         /* ports of a scale-out switch */
    uint32_t levels;                        /* fat-tree: 1-3, 0 = the fewest that fit */
    double oversubscription;                /* fat-tree leaves: NIC ports per uplink */
    double aggregation_oversubscription;    /* three levels: leaf ports per core uplink */
    /* fat-tree: `border` Clos ports (after the NICs) to one router NAME.border of
     * border_switch_type, each a link of border_link_type: the fabric's way out */
    uint32_t border, border_switch_type, border_link_type;
    long line;
} tess_generator_spec;

/* Appends the generated grid, instances and links; returns the grid index, or
 * TESS_NONE when memory runs out. */
uint32_t tess_generate(tess_platform *p, const tess_generator_spec *spec);

/* The shape of a fat-tree's or rail-only network's scale-out switches, computed before
 * generating (the loader reports what does not fit). */
typedef struct tess_clos_plan {
    uint32_t levels;         /* 1, 2 or 3 (fat-tree), 1 or 2 per rail (rail-only) */
    uint32_t down, up;       /* a leaf's NIC ports and uplinks */
    uint32_t leaves, spines; /* level 2: spines; level 3: aggregation switches per pod */
    uint32_t pods, cores;
    uint32_t agg_down, agg_up; /* level 3: an aggregation switch's leaf and core ports */
} tess_clos_plan;

/* Plans a Clos over `endpoints` NICs with radix-k switches; 0, or -1 with a reason. */
int tess_clos_plan_make(uint32_t endpoints, uint32_t radix, uint32_t levels,
                        double oversubscription, double aggregation_oversubscription,
                        tess_clos_plan *out, char *err, size_t errlen);

#endif
