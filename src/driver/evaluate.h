/* One evaluation of a training job (see evaluate.c): what `tessera run` and the public
 * C API share. */
#ifndef TESS_EVALUATE_H
#define TESS_EVALUATE_H

#include "config/fidelity.h"
#include "api/tessera_hw.h"
#include "config/workload.h"
#include "model/result.h"
#include "model/schedule.h"

/* How one evaluation runs. */
typedef struct tess_eval_job_options {
    double time_limit_s;    /* the child is killed past it; <= 0: the default limit */
    tess_hw_run_options hw; /* fidelity, symmetry, progress: as the simulation takes them */
    int trace;              /* keep every die's busy intervals (tess_write_trace_json) */
} tess_eval_job_options;

/* Measures the memories, simulates one iteration in a child with the options, accounts
 * energy (tess_eval_finish). TESS_OK, or a TESS_E* status with msg. */
int tess_evaluate_job(const tess_platform *p, const tess_workload *w, const tess_schedule *s,
                      const tess_eval_job_options *o, tess_eval_result *out, char *msg,
                      size_t msglen);

#endif
