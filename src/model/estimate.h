/* The analytical model: the same platform, workload and schedule as a simulation, timed in
 * closed form without SystemC (`tessera estimate`, tess_estimate in the C API).
 *
 * Per layer pass of a die (a schedule template):
 *   compute  = GEMM cycles from the arrays' geometry (tess_gemm_cycles) / clock / e_gemm
 *            + vector elements / lanes / clock / e_vector
 *   dma      = bytes loaded and stored / (peak DRAM bandwidth of the die x e_dram)
 *   local    = compute + exposed + (1 - overlap) x (dma - exposed)
 *              where exposed is the DMA a double-buffered die cannot hide, per tiled GEMM
 *              of t tiles and s stores (tile compute g, a tile's two loads l, a store st,
 *              sigma = st s / t): l + (t - 1) max(0, l + sigma - g) + st (the first
 *              tile's loads, each later tile's loads and share of stores beyond the tile
 *              before it, the last store), as the op cursor orders them (overlap 1: that
 *              pipeline; overlap 0: DMA and compute one after the other); in a run of
 *              adjacent tiled GEMMs a GEMM's first loads that read nothing of the GEMM
 *              before it (the schedule's dataflow) go while that GEMM's last tile computes,
 *              ahead of its last store; a run's last store runs beside the element-wise
 *              work after it, the next run's loads waiting for it
 *   network  = for each collective call: steps x (latency_factor x alpha + bytes / n /
 *              (bandwidth_efficiency x beta)), alpha and beta of the group's level
 *   streams  = asynchronous collectives (tess_async: ZeRO's gathers g a layer ahead and
 *              reductions r, per layer) wait g + (L - 1) max(0, max(g, r) - w) per pass of
 *              L layers of work w each; the last reductions before the tail
 * A level is the tensor-parallel group (TP, and the rows and columns of a 2-D grid), the
 * data-parallel group (DP) or the pipeline neighbours (PP). Its alpha is the largest
 * path latency between ring neighbours (links, optics and router pipelines on the
 * shortest path), beta the smallest bottleneck link bandwidth of those paths.
 * Pipeline: each stage's forward and backward chunk times go through the schedule's
 * critical path (tess_pipeline_makespan) with a pipeline message's alpha-beta time between
 * stages; then the data-parallel collectives and the optimizer step (its bytes,
 * TESS_OPTIMIZER_BYTES_PER_PARAM, at the DRAM rate; at burst over the network the larger of
 * its bytes at the memory's rate and half of them at the path's: reads and writes take the
 * path's two directions). Energy, power, area and cost as a simulation
 * accounts them.
 *
 * Without calibration every factor is 1 (the textbook roofline and alpha-beta model);
 * `tessera calibrate` fits them against the simulator and writes a calibration file. */
#ifndef TESS_ESTIMATE_H
#define TESS_ESTIMATE_H

#include <stdio.h>

#include "config/platform.h"
#include "config/workload.h"
#include "config/diag.h"
#include "model/result.h"
#include "model/schedule.h"

typedef enum tess_level { TESS_LEVEL_TP, TESS_LEVEL_DP, TESS_LEVEL_PP, TESS_LEVELS_ } tess_level;
extern const char *const tess_level_names[]; /* "tp", "dp", "pp" */

/* The analytical model's factors (see above). */
typedef struct tess_calibration {
    char source[512]; /* the file they were read from; "" for the defaults */
    double gemm_efficiency, vector_efficiency, dram_efficiency, dma_overlap;
    double latency_factor[TESS_LEVELS_], bandwidth_efficiency[TESS_LEVELS_];
} tess_calibration;

/* Every factor 1, no source. */
void tess_calibration_default(tess_calibration *c);

/* Reads a calibration file: "key = value" lines (keys as tess_calibration_write writes
 * them; '#' starts a comment). Unknown keys, malformed lines and values out of range are
 * errors naming the file and line. TESS_OK or TESS_EINVAL / TESS_EIO with messages. */
int tess_calibration_read(const char *path, tess_calibration *c, tess_diag *diag);
void tess_calibration_write(FILE *f, const tess_calibration *c);

/* What the network gives each ring, by tess_coll_axis (TESS_AXIS_PIPELINE: the pipeline
 * neighbours). Found once per platform and schedule. */
#define TESS_RINGS TESS_AXES
typedef struct tess_estimate_net {
    double alpha_s[TESS_RINGS];         /* largest neighbour path latency */
    double beta_bytes_s[TESS_RINGS];    /* smallest neighbour bottleneck bandwidth, shared by
                                           the paths of all groups that cross its busiest link */
    uint32_t congestion[TESS_RINGS];    /* most neighbour paths on one directed link */
    double energy_per_byte[TESS_RINGS]; /* mean over neighbour paths, joules */
    /* a collective's ring step (model/die_timing.h: the die's collective library): the
     * lowest collective-efficiency and longest collective-step over the neighbour paths */
    double coll_efficiency[TESS_RINGS], coll_step_s[TESS_RINGS];
    /* an all-to-all's axis: every member to every other at once; the largest path latency
     * and collective-step, and the smallest bandwidth x collective-efficiency a pair gets
     * on the channel that the most pairs share relative to its width */
    double a2a_alpha_s[TESS_RINGS], a2a_step_s[TESS_RINGS], a2a_beta_bytes_s[TESS_RINGS];
    double launch_s;     /* the dies' kernel launch, paid once per collective call */
    double *dma_bytes_s; /* peak DRAM rate of each rank (malloc'd) */
    /* the burst view's: of each rank's rate, its home memory's own term (its peak over the
     * ranks homed there, before the path's caps; 0 for a die on its own memories; malloc'd),
     * so that the DRAM's sustained share (dram_efficiency) slows only a rate the memory
     * bounds, and the optimizer step's reads and writes take the path's two directions;
     * NULL at rate */
    double *dma_memory_bytes_s;
} tess_estimate_net;

/* The network's and the memories' view for tess_estimate_job: mf rate gives each die its
 * memories' peak bandwidth (split evenly where shared), burst follows its DMA to its home
 * memory (tess_burst_dma_rates). TESS_OK, or a status with msg. */
int tess_estimate_prepare(const tess_platform *p, const tess_schedule *s, tess_mem_fidelity mf,
                          tess_estimate_net *net, char *msg, size_t msglen);
void tess_estimate_net_free(tess_estimate_net *net);

/* The analytical model's times of one template (a layer pass) on a die of type dt. */
typedef struct tess_template_time {
    double gemm_s, vector_s, dma_s; /* before efficiencies */
    double exposed_dma_s;           /* calibrated: the DMA a double-buffered die cannot hide */
    double stream_s; /* kernels held by their own DRAM bytes beyond their compute (gpu rule) */
    double compute_s, local_s, network_s; /* calibrated: compute, compute and DMA, collectives */
    double level_alpha_s[TESS_LEVELS_], level_beta_s[TESS_LEVELS_]; /* network_s's terms, raw */
    double scope_s[TESS_SCOPE_LEVELS + 1], scale_out_s; /* network_s by its groups' span */
    double all_to_all_s; /* of network_s: its all-to-all collectives, calibrated */
    /* calibrated: its asynchronous collectives (tess_async), gathers and reductions, apart
     * from network_s (estimate_stage overlaps them with the passes' work); async_span: the
     * widest span they reach */
    double gather_s, reduce_s;
    uint8_t async_span;
    /* a gpu die with collective-sms: how much longer its GEMMs would take, all of them
     * beside a collective (raw), and the part of it its started calls cost (calibrated, in
     * compute_s: each call's window over the work between its start and its wait) */
    double sharing_s, contention_s;
    uint64_t ops, messages; /* what was costed: the template's ops, its collectives' messages */
    double flops;
} tess_template_time;

void tess_estimate_template(const tess_schedule *s, const tess_template *t, const tess_die_type *dt,
                            unsigned dtype_bytes, double dma_bytes_s, const tess_estimate_net *net,
                            const tess_calibration *cal, tess_template_time *out);

/* The data-parallel tail's collectives: each call in turn, or a hierarchical chain as a
 * pipeline over the schedule's chunks (s->dp_chunks; tess_pipeline_time from each phase's
 * calibrated terms). Returns its calibrated seconds; adds them to by_span[the widest span
 * of its collectives] and to *scale_out when one leaves its scope (either may be NULL),
 * and the messages one die sends to *messages (may be NULL). A die of `stage`: its own
 * gradients' bytes (tess_coll_stage_bytes). */
double tess_estimate_dp_tail(const tess_schedule *s, uint32_t stage, const tess_estimate_net *net,
                             const tess_calibration *cal, double *by_span, double *scale_out,
                             uint64_t *messages);

/* One iteration in closed form: fills *out as tess_evaluate_job does (per-die figures,
 * energy, power, cost; no link utilisations), with out->analytic set. net from
 * tess_estimate_prepare on the same p and s. TESS_OK, or a status with msg. */
int tess_estimate_job(const tess_platform *p, const tess_workload *w, const tess_schedule *s,
                      const tess_estimate_net *net, const tess_calibration *cal,
                      tess_eval_result *out, char *msg, size_t msglen);

#endif
