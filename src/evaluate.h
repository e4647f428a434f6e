/* One evaluation of a training job (see evaluate.c): what `tessera run` and the public
 * C API share. */
#ifndef TESS_EVALUATE_H
#define TESS_EVALUATE_H

#include <stdio.h>

#include "config/workload.h"
#include "schedule.h"
#include "tessera_hw.h"

typedef struct tess_eval_result {
    tess_iteration_result it; /* from the simulation child, energies completed here */
    double peak_flops;        /* the dies' peak FLOP/s together */
    double dram_j;
    double energy_j;          /* every energy together */
    tess_die_stat *dies;      /* one per rank (malloc'd; tess_eval_result_free) */
    uint32_t n_dies;
    tess_noc_link_use *links; /* every network channel (malloc'd) */
    uint32_t n_links;
} tess_eval_result;

void tess_eval_result_free(tess_eval_result *e);

/* stats.csv: a row per die (rank order) with its time, work and traffic, then a row per
 * network channel with its utilisation. */
void tess_write_stats_csv(FILE *f, const tess_platform *p, const tess_eval_result *e);

/* Measures the memories, simulates one iteration in a child (killed after time_limit_s
 * when > 0), accounts energy. TESS_OK, or a TESS_E* status with msg. */
int tess_evaluate_job(const tess_platform *p, const tess_workload *w, const tess_schedule *s,
                      double time_limit_s, tess_eval_result *out, char *msg, size_t msglen);

/* report.json: every key documented in the README. */
void tess_write_report(FILE *f, const tess_platform *p, const tess_workload *w,
                       const tess_schedule *s, const tess_eval_result *e);

#endif
