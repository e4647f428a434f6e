/* Rank geometry: the one map between a rank and its place in the parallel groups.
 *
 * Rank r = t + tp (st + pp d): t is its member index in its tensor-parallel group, st its
 * pipeline stage, d its data-parallel replica. TP neighbours are consecutive ranks, a
 * stage's ranks are tp apart, a replica is tp x pp ranks. Which die runs which rank is
 * the workload's rank-order (tess_schedule.die_of_rank); ring neighbours along each axis
 * are tess_ring_next (model/schedule.h).
 */
#ifndef TESS_RANK_MAP_H
#define TESS_RANK_MAP_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tess_rank_coords {
    uint32_t t;       /* member of its tensor-parallel group, [0, tp) */
    uint32_t stage;   /* pipeline stage, [0, pp) */
    uint32_t replica; /* data-parallel replica, [0, dp) */
} tess_rank_coords;

static inline tess_rank_coords tess_rank_coords_of(uint32_t tp, uint32_t pp, uint32_t r)
{
    tess_rank_coords c = {r % tp, (r / tp) % pp, r / (tp * pp)};
    return c;
}

static inline uint32_t tess_rank_stage(uint32_t tp, uint32_t pp, uint32_t r)
{
    return (r / tp) % pp;
}

static inline uint32_t tess_rank_at(uint32_t tp, uint32_t pp, uint32_t t, uint32_t stage,
                                    uint32_t replica)
{
    return t + tp * (stage + pp * replica);
}

#ifdef __cplusplus
}
#endif

#endif
