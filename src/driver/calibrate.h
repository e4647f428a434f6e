/* Calibration: fits the analytical model's factors (estimate.h) to the simulator on one
 * platform (`tessera calibrate`).
 *
 * Micro-benchmarks are small training jobs generated for the platform's live dies: GPT
 * shapes of hidden 512 and 1024 (GEMMs of several shapes and DMA sizes) under a set of
 * parallel strategies (tensor-parallel rings over all dies and over parts of them, pipeline
 * stages, plain and interleaved 1F1B, data-parallel gradient all-reduces: collectives of
 * several sizes, groups and levels), four layers, sequence 1024, one sequence per
 * micro-batch, two micro-batches per stage. Each is simulated (packet fidelity) and estimated;
 * then, per op class:
 *  - dram_efficiency: the DRAM model's sustained bandwidth over the memories' peak, as
 *    measured for the simulation (`tessera mem`'s pattern);
 *  - gemm and vector efficiency: least squares on each die's compute time;
 *  - dma_overlap: the share of DMA hidden under compute, by search on compute + memory;
 *  - tp and dp latency factors and bandwidth efficiencies: least squares on each die's
 *    collective time (it is linear in them);
 *  - pp factors: by search on the iteration time of the jobs with pipeline stages.
 * Residuals are relative (each die's error over its simulated time) and every fit is
 * pulled gently towards 1 (a ridge of 1e-3), so a factor no job exercises stays 1.
 * The analytical model's mean relative error per op class is reported before and after. */
#ifndef TESS_CALIBRATE_H
#define TESS_CALIBRATE_H

#include <stdio.h>

#include "config/platform.h"
#include "model/estimate.h"

enum {
    TESS_CAL_COMPUTE,
    TESS_CAL_MEMORY,
    TESS_CAL_NETWORK,
    TESS_CAL_BUBBLE,
    TESS_CAL_ITERATION,
    TESS_CAL_CLASSES_
};
extern const char
    *const tess_cal_class_names[]; /* compute, memory, network, pipeline_bubble, iteration */

typedef struct tess_calibration_report {
    uint32_t jobs, skipped;                 /* micro-benchmark jobs simulated, and left out */
    double error_before[TESS_CAL_CLASSES_]; /* mean |estimate - simulation| / simulation */
    double error_after[TESS_CAL_CLASSES_];
    uint32_t samples[TESS_CAL_CLASSES_]; /* dies (or jobs, for the iteration) compared */
    double worst_iteration_after;        /* largest |estimate - simulation| / simulation */
    double kendall_tau_after;            /* rank agreement of the jobs' iteration times */
    double wall_seconds;
} tess_calibration_report;

/* Runs the micro-benchmarks on p and fits *out (its source left empty). log (or NULL)
 * gets a line per job. TESS_OK, or a status with msg (no job could run, a simulation
 * failed). */
int tess_calibrate(const tess_platform *p, FILE *log, tess_calibration *out,
                   tess_calibration_report *rep, char *msg, size_t msglen);

/* Kendall's tau-b between two lists of n values (1: the same order, -1: reversed). */
double tess_kendall_tau(const double *a, const double *b, size_t n);

/* The calibration file: a comment header (platform, jobs, errors before and after) and the
 * factors as tess_calibration_read reads them. */
void tess_calibration_write_file(FILE *f, const tess_platform *p, const tess_calibration *c,
                                 const tess_calibration_report *rep);

#endif
