/* One evaluation of a training job (see evaluate.c): what `tessera run` and the public
 * C API share. */
#ifndef TESS_EVALUATE_H
#define TESS_EVALUATE_H

#include <stdio.h>

#include "config/workload.h"
#include "cost.h"
#include "schedule.h"
#include "tessera_hw.h"

/* A power limit (TDP) of a die or of a package or wafer, and the mean power it drew. */
typedef struct tess_power_limit {
    uint32_t instance, group; /* a die instance, or TESS_NONE and a group index */
    double limit_w, power_w;
} tess_power_limit;

typedef struct tess_eval_result {
    tess_iteration_result it; /* from the simulation child, energies completed here */
    double peak_flops;        /* the dies' peak FLOP/s together */
    double dram_j;
    double energy_j;          /* every energy together */
    tess_die_stat *dies;      /* one per rank (malloc'd; tess_eval_result_free) */
    uint32_t n_dies;
    tess_noc_link_use *links; /* every network channel (malloc'd) */
    uint32_t n_links;
    /* power: means over the iteration (energy / time), and the peak 1 ms mean */
    double power_w, peak_power_w, peak_window_s;
    tess_power_limit *limits; /* every die and unit with a TDP, malloc'd */
    uint32_t n_limits, n_violations;
    tess_cost_report cost;    /* area, yield, cost: from the platform alone */
    tess_noc_fidelity fidelity; /* of the network during the iteration */
    int analytic;               /* from the analytical model (src/estimate.h), not simulated */
    char calibration[512];      /* analytic: the calibration file used, "" for none */
    tess_span *spans;         /* every die's busy intervals per engine (malloc'd) */
    uint64_t n_spans;
} tess_eval_result;

void tess_eval_result_free(tess_eval_result *e);

/* stats.csv: a row per die (rank order) with its time, work and traffic, then a row per
 * network channel with its utilisation. */
void tess_write_stats_csv(FILE *f, const tess_platform *p, const tess_eval_result *e);

/* Measures the memories, simulates one iteration in a child (killed after time_limit_s
 * when > 0) with the network at `fidelity`, accounts energy; with `trace`, keeps every
 * die's busy intervals for tess_write_trace_json; with `symmetry`, simulates one
 * data-parallel replica and mirrors the others (tess_hw_run). TESS_OK, or a TESS_E*
 * status with msg. */
int tess_evaluate_job(const tess_platform *p, const tess_workload *w, const tess_schedule *s,
                      double time_limit_s, tess_noc_fidelity fidelity, int symmetry, int trace,
                      tess_eval_result *out, char *msg, size_t msglen);

/* The sustained bandwidth of each live memory instance's type (per_instance: one entry per
 * platform instance, 0 for the rest), measured with the DRAM model in a child process once
 * per type and process. TESS_OK, or a status with msg. */
int tess_sustained_bandwidths(const tess_platform *p, double *per_instance, char *msg, size_t n);

/* Each rank's DMA rate from the memories' bandwidths (mem_bw, one per platform instance):
 * the memories linked to the die, else an equal share of all of them. TESS_OK, or
 * TESS_EINVAL (msg) for a die that reaches no memory. */
int tess_die_dma_rates(const tess_platform *p, const tess_schedule *s, const double *mem_bw,
                       double *die_bw, char *msg, size_t msglen);

/* Completes a result whose iteration figures (out->it: time, slowest die's breakdown,
 * network energy) and per-die figures are in: peak FLOP/s, energies, power and its
 * limits, area and cost. TESS_OK or TESS_ENOMEM. */
int tess_eval_finish(const tess_platform *p, const tess_schedule *s, tess_eval_result *out);

/* trace.json in the Chrome trace-event format (opens in Perfetto): a track per engine of
 * each die (tensor, DMA, network, pipeline wait) with its busy intervals, and a counter
 * per link class (die to router, router to die, router to router) with its utilisation
 * window by window (flow fidelity places a transfer's busy time at its start). */
void tess_write_trace_json(FILE *f, const tess_platform *p, const tess_eval_result *e);

/* report.json: every key documented in the README. */
void tess_write_report(FILE *f, const tess_platform *p, const tess_workload *w,
                       const tess_schedule *s, const tess_eval_result *e);

#endif
