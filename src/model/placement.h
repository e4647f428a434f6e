/* Placement: where a workload's parallel groups land in the platform's hierarchy.
 *
 * The workload's rank-order maps ranks onto the platform's dies (the fastest-varying
 * axis on consecutive dies, so inside the innermost scopes: by default TP inside a
 * package or node, PP next, DP outermost). This module measures what that gives: for
 * each axis the innermost scope level that holds every one of its groups (a TP group
 * inside one node spans "node"; a DP group over two datacenters spans "platform"),
 * checks it against the workload's tp-within / pp-within / dp-within limits, decides
 * whether the data-parallel and (1-D) tensor-parallel collectives go hierarchically
 * (reduce-scatter inside each domain, all-reduce across domains, all-gather inside),
 * and counts the bytes the
 * schedule sends at each level per iteration.
 */
#ifndef TESS_PLACEMENT_H
#define TESS_PLACEMENT_H

#include <stddef.h>
#include <stdint.h>

#include "config/platform.h"
#include "config/workload.h"
#include "config/diag.h"
#include "model/schedule.h"

/* The innermost tess_scope_level whose one scope holds all n dies (instance indices):
 * TESS_SCOPE_LEVELS when no scope does (the platform), -1 when n < 2. */
int tess_dies_span(const tess_platform *p, const uint32_t *dies, size_t n);

/* Spans of the TP, PP and DP groups (s->die_of_rank set), checked against the workload's
 * limits (an error names the lowest rank whose step to its ring neighbour crosses the
 * widest level, that neighbour, their dies and the limit), and the hierarchical
 * data-parallel and tensor-parallel splits (s->dp_local, s->tp_local). Before any
 * collective is added.
 * TESS_OK or TESS_EINVAL. */
int tess_place_groups(const tess_platform *p, const tess_workload *w, const char *file,
                      tess_schedule *s, tess_diag *diag);

/* After every collective is added: each collective's span and scale-out flag, and
 * s->level_bytes. TESS_OK or TESS_ENOMEM. */
int tess_place_traffic(const tess_platform *p, tess_schedule *s);

/* Each rank's DMA rate from the memories' bandwidths (mem_bw, one per platform instance):
 * the memories linked to the die, else an equal share of all of them. TESS_OK, or
 * TESS_EINVAL (msg) for a die that reaches no memory. */
int tess_die_dma_rates(const tess_platform *p, const tess_schedule *s, const double *mem_bw,
                       double *die_bw, char *msg, size_t msglen);

#endif
