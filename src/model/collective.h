/* The collective plan, defined once: every collective runs as a ring over its group
 * (tess_ring_next in model/schedule.h gives the ring), an all-reduce as a reduce-scatter
 * followed by an all-gather; an all-to-all sends each other member its 1/n of the buffer
 * at once (as NCCL's grouped sends and receives do) and waits for theirs. The schedule counts
 * messages and bytes with it, the analytical model costs its steps, and the simulated die
 * (hw/compute/collectives.cpp) sends them.
 */
#ifndef TESS_COLLECTIVE_H
#define TESS_COLLECTIVE_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum tess_coll {
    TESS_ALL_REDUCE,
    TESS_REDUCE_SCATTER,
    TESS_ALL_GATHER,
    TESS_ALL_TO_ALL,
    TESS_SEND_RECV /* one ring step: each member sends its whole buffer to the next and
                    * receives the previous one's (ring attention's K/V blocks) */
} tess_coll;
typedef enum tess_coll_algo { TESS_ALGO_RING, TESS_ALGO_2D } tess_coll_algo;

/* "all-reduce", "reduce-scatter", "all-gather", "all-to-all", "send-receive". */
const char *tess_coll_name(tess_coll c);

/* Messages each of n ring members sends in one call: all-reduce 2(n-1), reduce-scatter,
 * all-gather and all-to-all n-1, send-receive 1; none for n < 2. */
uint64_t tess_ring_steps(tess_coll c, uint32_t n);

/* Bytes of one ring step's message for a buffer of `bytes` over n members: bytes / n
 * (send-receive: the whole buffer), and at least one (a message carries something). */
uint64_t tess_ring_message_bytes(tess_coll c, uint64_t bytes, uint32_t n);

/* Point-to-point cost of one collective of `bytes` (the full buffer) over n dies:
 * ring: the ring's steps and message bytes above; 2d over rows x (n/rows): reduce-scatter
 * along rows, all-reduce along columns, all-gather along rows. Messages and bytes each die
 * sends. */
void tess_collective_cost(tess_coll c, tess_coll_algo a, uint32_t n, uint32_t rows, uint64_t bytes,
                          uint64_t *messages, uint64_t *bytes_sent);

/* A chain of collective phases run as a pipeline over chunks of the buffer (a
 * hierarchical collective: reduce-scatter inside each domain, the domain's share across
 * domains, all-gather inside), as a collective library pipelines them: while chunk j is
 * in phase p, chunk j + 1 is in phase p - 1. Phase p on a chunk of 1/K of the buffer takes
 * sync_s[p] + data_s[p] / K (its ring steps' synchronisation and latency, its payload at
 * the ring's rate); phases on the same ring (ring[p]) share its links. The pipeline's
 * time: the first chunk through every phase, then a tick a chunk, a tick being the largest
 * sum over a ring of its phases' chunk times. */
double tess_pipeline_time(const double *sync_s, const double *data_s, const int *ring,
                          uint32_t phases, uint32_t chunks);

/* The most chunks a pipelined collective is cut into. */
#define TESS_PIPELINE_MAX_CHUNKS 64u

/* The chunk count, 1..TESS_PIPELINE_MAX_CHUNKS, that gives the shortest
 * tess_pipeline_time (the fewest among equals): more chunks fill and drain the pipeline
 * sooner, and each pays every phase's synchronisation again. */
uint32_t tess_pipeline_chunks(const double *sync_s, const double *data_s, const int *ring,
                              uint32_t phases);

#ifdef __cplusplus
}
#endif

#endif
