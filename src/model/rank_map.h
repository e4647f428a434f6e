/* Rank geometry: the one map between a rank and its place in the parallel groups.
 *
 * Rank r = t + tp (st + pp d): t is its member index in its tensor-parallel group, st its
 * pipeline stage, d its replica along the data-parallel axis. With context parallelism
 * (cp > 1) that axis holds dp x cp replicas: each cp consecutive ones share their sequences
 * (a ring attention's members, TESS_AXIS_CP), and the gradients are reduced over all of
 * them (as Megatron-LM reduces over its data-and-context-parallel group). TP neighbours are
 * consecutive ranks, a stage's ranks are tp apart, a replica is tp x pp ranks. Which die runs which
 * rank is the workload's rank-order (tess_schedule.die_of_rank); ring neighbours along each axis
 * are tess_ring_next (model/schedule.h).
 */
#ifndef TESS_RANK_MAP_H
#define TESS_RANK_MAP_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum tess_coll_axis {
    TESS_AXIS_TP,       /* the tensor-parallel group */
    TESS_AXIS_TP_ROWS,  /* 2-D: ranks of one row of the TP grid */
    TESS_AXIS_TP_COLS,  /* 2-D: ranks of one column */
    TESS_AXIS_DP,       /* the data-parallel group */
    TESS_AXIS_DP_LOCAL, /* hierarchical DP: the group's members inside one domain */
    TESS_AXIS_DP_CROSS, /* hierarchical DP: one member per domain, the same place in each */
    TESS_AXIS_TP_LOCAL, /* hierarchical 1-D TP: the same, for a TP group over domains */
    TESS_AXIS_TP_CROSS,
    TESS_AXIS_EP,       /* expert parallelism: ep consecutive data-parallel replicas */
    TESS_AXIS_EP_CROSS, /* hierarchical EP: one member per DP domain, the same place in each */
    TESS_AXIS_CP,       /* context parallelism: cp consecutive replicas of the data-parallel axis */
    TESS_AXIS_EDP,      /* expert data parallelism: the replicas that hold the same experts, the
                           same place in each EP group (dp / ep of them, ep apart) */
    TESS_AXIS_PIPELINE, /* not a collective: a stage and the next (tess_rank_next) */
    TESS_AXES
} tess_coll_axis;

/* TESS_AXIS_DP and its hierarchical parts. */
int tess_axis_is_dp(tess_coll_axis a);

/* The ranks' geometry: the parallel degrees, the 2-D TP grid's side (1 for 1-D), model
 * chunks, which die runs each rank, and the members per domain of hierarchical data- and
 * tensor-parallel collectives (0 or 1: not hierarchical; model/placement.h finds them). */
typedef struct tess_rank_map {
    uint32_t dies, tp, pp, dp, tp_grid, chunks;
    uint32_t dp_local, tp_local;
    const uint32_t *die_of_rank; /* platform instance of each rank */
    uint32_t ep;                 /* expert-parallel group (0 or 1: none) */
    uint32_t cp;                 /* context-parallel group (0 or 1: none) */
} tess_rank_map;

/* The next rank after r around the ring of its group on an axis (r itself in a group of
 * one); TESS_AXIS_PIPELINE: the next stage (the last stage's wraps to the first with
 * model chunks). */
uint32_t tess_rank_next(const tess_rank_map *m, tess_coll_axis axis, uint32_t r);

/* The rank whose pipeline neighbour forward is r: the previous stage's, the last stage's
 * for the first stage with chunks (interleaving), r itself for none. */
uint32_t tess_rank_pipeline_prev(const tess_rank_map *m, uint32_t r);

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
