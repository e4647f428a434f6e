/* Loading a training job: see cli_job.h. */
#include "cli/cli_job.h"

#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "tessera/tessera.h"

int tess_cli_load_job(const char *command, const tess_cli_args *a, tess_workload *w,
                      tess_platform *p, tess_schedule *s)
{
    memset(p, 0, sizeof *p);
    memset(s, 0, sizeof *s);
    int *used = calloc(a->n_overrides + 1, sizeof *used);
    if (!used) return TESS_EXIT_FAILED;
    tess_diag diag;
    tess_diag_init(&diag);
    int rc = tess_cli_report(
        command, a->path2,
        tess_workload_load(a->path2, a->overrides, a->n_overrides, used, w, &diag), &diag);
    tess_diag_free(&diag);
    if (rc == TESS_EXIT_OK) rc = tess_cli_load_platform_skipping(command, a, used, p);
    free(used);
    if (rc != TESS_EXIT_OK) return rc;
    tess_diag_init(&diag);
    rc = tess_cli_report(command, a->path2, tess_schedule_build(p, w, a->path2, s, &diag), &diag);
    tess_diag_free(&diag);
    if (rc != TESS_EXIT_OK) {
        tess_schedule_free(s);
        tess_platform_free(p);
    }
    return rc;
}
