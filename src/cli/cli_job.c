/* Loading a training job: see cli_job.h. */
#include "cli/cli_job.h"

#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "driver/job.h"
#include "tessera/tessera.h"

int tess_cli_load_job(const char *command, const tess_cli_args *a, tess_workload *w,
                      tess_platform *p, tess_schedule *s)
{
    memset(p, 0, sizeof *p); /* nothing to free on failure */
    memset(s, 0, sizeof *s);
    const tess_job_source src = {a->path, a->path2, NULL, NULL, NULL};
    tess_loaded_job job;
    const char *failed = NULL;
    tess_diag diag;
    tess_diag_init(&diag);
    const int rc = tess_job_load(&src, a->overrides, a->n_overrides, &job, &failed, &diag);
    const int exit_status = tess_cli_report(command, failed, rc, &diag);
    tess_diag_free(&diag);
    if (rc != TESS_OK) return exit_status;
    *w = job.workload;
    *p = job.platform;
    *s = job.schedule;
    return TESS_EXIT_OK;
}
