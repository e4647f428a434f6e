/* Placement: where a workload's parallel groups land in the platform's hierarchy.
 *
 * The workload's rank-order maps ranks onto the platform's dies (the fastest-varying
 * axis on consecutive dies, so inside the innermost scopes: by default TP inside a
 * package or node, PP next, DP outermost). This module measures what that gives: for
 * each axis the innermost scope level that holds every one of its groups (a TP group
 * inside one node spans "node"; a DP group over two datacenters spans "platform"),
 * checks it against the workload's tp-within / pp-within / dp-within limits, decides
 * whether the data-parallel and (1-D) tensor-parallel collectives go hierarchically
 * (reduce-scatter inside each domain, all-reduce across domains, all-gather inside), and
 * gives each rank its DMA rate from the memories it reaches. It reads the rank map only
 * (model/rank_map.h); the schedule builds on its result and counts the bytes it sends at
 * each level with tess_axis_span.
 */
#ifndef TESS_PLACEMENT_H
#define TESS_PLACEMENT_H

#include <stddef.h>
#include <stdint.h>

#include "config/platform.h"
#include "config/workload.h"
#include "config/diag.h"
#include "model/rank_map.h"
#include "api/routes.h"

/* The innermost tess_scope_level whose one scope holds all n dies (instance indices):
 * TESS_SCOPE_LEVELS when no scope does (the platform), -1 when n < 2. */
int tess_dies_span(const tess_platform *p, const uint32_t *dies, size_t n);

/* Where a job's parallel groups land: a value, found from the rank map alone. */
typedef struct tess_placement {
    /* the innermost scope level holding every group of each axis (TESS_SCOPE_LEVELS: the
     * whole platform; -1: groups of one die) */
    int8_t tp_span, pp_span, dp_span;
    /* the data-parallel (tensor-parallel) group's members per domain when its collectives
     * are hierarchical (else 1), and the domains' level */
    uint32_t dp_local, tp_local;
    int8_t dp_local_level, tp_local_level;
} tess_placement;

/* The placement of m's ranks (m->die_of_rank set): spans of the TP, PP and DP groups,
 * checked against the workload's limits (an error names the lowest rank whose step to its
 * ring neighbour crosses the widest level, that neighbour, their dies and the limit), and
 * the hierarchical data-parallel and tensor-parallel splits. TESS_OK or TESS_EINVAL (*out
 * filled either way). */
int tess_place_groups(const tess_platform *p, const tess_workload *w, const char *file,
                      const tess_rank_map *m, tess_placement *out, tess_diag *diag);

/* The data-parallel groups' members per domain when their collectives can go
 * hierarchically (1 < *members < dp, every group alike), and the domains' level; 1 and
 * -1 when they cannot. tess_place_groups fills dp_local with it. */
void tess_dp_domains(const tess_platform *p, const tess_rank_map *m, uint32_t *members,
                     int8_t *level);

/* The innermost scope level holding ranks a and b (-1 for a == b). */
int tess_ranks_span(const tess_platform *p, const tess_rank_map *m, uint32_t a, uint32_t b);

/* An axis's span: the widest step from a rank to its ring neighbour on the axis; *worst
 * gets a rank whose step is that wide. With level_bytes, each rank's step also adds
 * `bytes` (what the rank sends its neighbour) at the step's level. */
int tess_axis_span(const tess_platform *p, const tess_rank_map *m, tess_coll_axis a,
                   uint32_t *worst, double bytes, double *level_bytes);

/* Each rank's DMA rate from the memories' bandwidths (mem_bw, one per platform instance):
 * the memories linked to the die, else an equal share of all of them. TESS_OK, or
 * TESS_EINVAL (msg) for a die that reaches no memory. */
int tess_die_dma_rates(const tess_platform *p, const tess_rank_map *m, const double *mem_bw,
                       double *die_bw, char *msg, size_t msglen);

/* Bytes memory instance mem holds. */
uint64_t tess_memory_capacity(const tess_platform *p, uint32_t mem);

/* Each rank's home memory: where its weights, activations and optimizer state live (the
 * schedule's capacity check) and where its DMA goes at memory fidelity `burst`. A die
 * without memories of its own takes a memory it reaches through routers (a memory on a
 * router, or another die's own memory reached through that die): the nearest one (fewest
 * links; the lowest instance index among equals) when need is NULL; else, nearest first,
 * one with room for need[rank] bytes (its capacity less what the dies already homed
 * there need, its owner's need reserved first, pro rata over the owner's memories):
 * pairs of rank and memory taken in order of distance (then rank, then memory), so data
 * spreads by capacity and stays as near as room allows; a rank no memory has room for
 * keeps its nearest (the capacity check then names the memory). A die with its own
 * memories gets -1 (it reaches them without the network), unless another die's home is
 * one of them: then that one, shared. balanced (with need): the pairs are first taken
 * with each memory holding at most ceil(D / M) of the D dies placed over the M memories
 * they reach, so the dies spread evenly, nearest first; a die that finds no such room
 * then takes the nearest with room. TESS_OK, TESS_ENOMEM, or TESS_EINVAL (msg) for a die
 * that reaches no memory. */
int tess_home_memories(const tess_platform *p, const tess_rank_map *m, const uint64_t *need,
                       int balanced, int64_t *home, char *msg, size_t msglen);

/* Bytes/s the live links between die d and memory mem carry together (each its width at
 * its clock, else the die's); mem TESS_NONE: all of d's own memories. */
double tess_die_memory_links(const tess_platform *p, uint32_t d, uint32_t mem);

/* The live die that memory mem hangs off (linked to it), or TESS_NONE. */
uint32_t tess_memory_owner(const tess_platform *p, uint32_t mem);

/* The analytical model's view of burst memory fidelity: each rank's DMA rate at its home
 * memory (tess_home_memories) from the memories' bandwidths (mem_bw, one per platform
 * instance): a die on its own memories as at rate, at most what its links to them carry;
 * else the lowest of the memory's bandwidth over the ranks homed there, the route's
 * narrowest channel from the memory (or from the die it hangs off, whose link to it then
 * caps it too: over the ranks homed there), and each channel of the route over the ranks
 * whose routes from their home memories cross it (the memory's port, which all its ranks
 * cross; a mesh link from the edge, which the dies behind it share). home: each rank's (the
 * schedule's, from tess_home_memories). h: routes opened on p (memories are endpoints). memory_bw
 * (NULL, or one per rank): the home memory's own term of each rank's rate, before the links' caps
 * (0 for a die on its own memories: no network between). TESS_OK, TESS_ENOMEM or TESS_EINVAL (msg).
 */
int tess_burst_dma_rates(const tess_platform *p, const tess_rank_map *m, const double *mem_bw,
                         const int64_t *home, const tess_hw_routes *h, double *die_bw,
                         double *memory_bw, char *msg, size_t msglen);

/* tess_die_dma_rates from every live memory's peak bandwidth (the analytical model's view,
 * and a collective's, which moves no DRAM data). */
int tess_peak_dma_rates(const tess_platform *p, const tess_rank_map *m, double *die_bw, char *msg,
                        size_t msglen);

#endif
