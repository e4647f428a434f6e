/* The collective plan, defined once: every collective runs as a ring over its group
 * (tess_ring_next in model/schedule.h gives the ring), an all-reduce as a reduce-scatter
 * followed by an all-gather. The schedule counts messages and bytes with it, the
 * analytical model costs its steps, and the simulated die (hw/compute/collectives.cpp)
 * sends them.
 */
#ifndef TESS_COLLECTIVE_H
#define TESS_COLLECTIVE_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum tess_coll { TESS_ALL_REDUCE, TESS_REDUCE_SCATTER, TESS_ALL_GATHER } tess_coll;
typedef enum tess_coll_algo { TESS_ALGO_RING, TESS_ALGO_2D } tess_coll_algo;

/* Messages each of n ring members sends in one call: all-reduce 2(n-1), reduce-scatter
 * and all-gather n-1; none for n < 2. */
uint64_t tess_ring_steps(tess_coll c, uint32_t n);

/* Bytes of one ring step's message for a buffer of `bytes` over n members: bytes / n,
 * and at least one (a message carries something). */
uint64_t tess_ring_message_bytes(uint64_t bytes, uint32_t n);

/* Point-to-point cost of one collective of `bytes` (the full buffer) over n dies:
 * ring: the ring's steps and message bytes above; 2d over rows x (n/rows): reduce-scatter
 * along rows, all-reduce along columns, all-gather along rows. Messages and bytes each die
 * sends. */
void tess_collective_cost(tess_coll c, tess_coll_algo a, uint32_t n, uint32_t rows, uint64_t bytes,
                          uint64_t *messages, uint64_t *bytes_sent);

#ifdef __cplusplus
}
#endif

#endif
