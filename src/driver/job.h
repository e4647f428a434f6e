/* A training job loaded for evaluation: the workload and its model, the platform and the
 * schedule, from files or from XML text, with overrides (those the workload takes,
 * `workload.` and `model.`, go to it; the rest to the platform). The one path on which the
 * public API (tess_job_open) and the CLI's commands (run, estimate, schedule) load a job.
 */
#ifndef TESS_JOB_H
#define TESS_JOB_H

#include <stddef.h>

#include "config/diag.h"
#include "config/platform.h"
#include "config/workload.h"
#include "model/schedule.h"

typedef struct tess_job_source {
    const char *platform_path, *workload_path; /* the files, or names for the texts below */
    const char *platform_xml, *workload_xml;   /* the texts, or NULL: read the files */
    const char *model_xml;                     /* with workload_xml: the model's text, or NULL */
} tess_job_source;

typedef struct tess_loaded_job {
    tess_workload workload;
    tess_platform platform;
    tess_schedule schedule;
} tess_loaded_job;

/* Loads the workload, then the platform, then builds the schedule. TESS_OK, or the first
 * failing step's status with its diagnostics in diag and *failed_file the input they
 * concern (nothing is left to free). TESS_ENOFIT (the model does not fit the dies' memory)
 * is a failure too. */
int tess_job_load(const tess_job_source *src, tess_override *overrides, size_t n_overrides,
                  tess_loaded_job *out, const char **failed_file, tess_diag *diag);

void tess_loaded_job_free(tess_loaded_job *j);

#endif
