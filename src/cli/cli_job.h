/* Loading a training job for the commands that take PLATFORM WORKLOAD, on the public API's
 * path (src/driver/job.h): the workload and its model (taking the `workload.` and `model.`
 * overrides), the platform (taking the rest), and the schedule; errors reported as every
 * command reports them. */
#ifndef TESS_CLI_JOB_H
#define TESS_CLI_JOB_H

#include "cli/cli_args.h"
#include "config/workload.h"
#include "model/schedule.h"

/* Returns an exit status; on success *p and *s are the caller's to free
 * (tess_platform_free, tess_schedule_free), on failure nothing is left to free. */
int tess_cli_load_job(const char *command, const tess_cli_args *a, tess_workload *w,
                      tess_platform *p, tess_schedule *s);

#endif
