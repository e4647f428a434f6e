/* One evaluation of a training job (see evaluate.c): what `tessera run` and the public
 * C API share. */
#ifndef TESS_EVALUATE_H
#define TESS_EVALUATE_H

#include "config/fidelity.h"
#include "config/workload.h"
#include "model/result.h"
#include "model/schedule.h"

/* Measures the memories, simulates one iteration in a child (killed after time_limit_s
 * when > 0) with the network at `fidelity`, accounts energy; with `trace`, keeps every
 * die's busy intervals for tess_write_trace_json; with `symmetry`, simulates one
 * data-parallel replica and mirrors the others (tess_hw_run). TESS_OK, or a TESS_E*
 * status with msg. */
int tess_evaluate_job(const tess_platform *p, const tess_workload *w, const tess_schedule *s,
                      double time_limit_s, tess_noc_fidelity fidelity, int symmetry, int trace,
                      tess_eval_result *out, char *msg, size_t msglen);

#endif
