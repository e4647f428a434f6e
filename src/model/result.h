/* The figures of one evaluation: an iteration's statistics (hw/api/stats.h, from a
 * simulation or from the analytical model) completed with peak FLOP/s, energy, power and
 * its limits, area and cost. What the report (src/report/) writes.
 */
#ifndef TESS_RESULT_H
#define TESS_RESULT_H

#include "api/stats.h"
#include "config/workload.h"
#include "config/fidelity.h"
#include "model/cost.h"
#include "model/schedule.h"

/* A power limit (TDP) of a die or of a package or wafer, and the mean power it drew. */
typedef struct tess_power_limit {
    uint32_t instance, group; /* a die instance, or TESS_NONE and a group index */
    double limit_w, power_w;
} tess_power_limit;

typedef struct tess_eval_result {
    tess_iteration_result it; /* from the simulation child, energies completed here */
    double peak_flops;        /* the dies' peak FLOP/s together */
    double dram_j;
    double energy_j;     /* every energy together */
    tess_die_stat *dies; /* one per rank (malloc'd; tess_eval_result_free) */
    uint32_t n_dies;
    tess_noc_link_use *links; /* every network channel (malloc'd) */
    uint32_t n_links;
    tess_memory_stat *memories; /* every memory a controller served, burst fidelity (malloc'd) */
    uint32_t n_memories;
    /* power: means over the iteration (energy / time), and the peak 1 ms mean */
    double power_w, peak_power_w, peak_window_s;
    tess_power_limit *limits; /* every die and unit with a TDP, malloc'd */
    uint32_t n_limits, n_violations;
    tess_cost_report cost;      /* area, yield, cost: from the platform alone */
    tess_noc_fidelity fidelity; /* of the network during the iteration */
    tess_mem_fidelity memory_fidelity;
    /* flow and mixed fidelity: the share of a message a flow may end early by
     * (tess_hw_run_options.flow_tolerance) */
    double flow_tolerance;
    int analytic;          /* from the analytical model (src/estimate.h), not simulated */
    char calibration[512]; /* analytic: the calibration file used, "" for none */
    tess_span *spans;      /* every die's busy intervals per engine (malloc'd) */
    uint64_t n_spans;
} tess_eval_result;

void tess_eval_result_free(tess_eval_result *e);

/* Completes a result whose iteration figures (out->it: time, slowest die's breakdown,
 * network energy) and per-die figures are in: peak FLOP/s, energies, power and its
 * limits, area and cost. TESS_OK or TESS_ENOMEM. */
int tess_eval_finish(const tess_platform *p, const tess_schedule *s, tess_eval_result *out);

/* Throughput of an iteration, defined once: tokens per second (global batch x sequence
 * / iteration time); MFU and HFU, the model's and the hardware's FLOPs (recomputation
 * included) over iteration time x the dies' peak FLOP/s. */
typedef struct tess_throughput {
    double tokens_per_s, mfu, hfu;
} tess_throughput;
tess_throughput tess_throughput_of(const tess_workload *w, const tess_schedule *s,
                                   const tess_eval_result *e);

#endif
