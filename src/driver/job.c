/* Loading a training job: see job.h. */
#include "driver/job.h"

#include <stdlib.h>
#include <string.h>

#include "config/loader.h"
#include "config/routes.h"
#include "config/yield.h"
#include "tessera/tessera.h"

int tess_job_load(const tess_job_source *src, tess_override *overrides, size_t n_overrides,
                  tess_loaded_job *out, const char **failed_file, tess_diag *diag)
{
    memset(out, 0, sizeof *out);
    *failed_file = src->workload_path;
    int *used = calloc(n_overrides + 1, sizeof *used);
    tess_override *rest = calloc(n_overrides + 1, sizeof *rest);
    int rc = used && rest ? TESS_OK : TESS_ENOMEM;
    if (rc == TESS_OK && src->workload_xml)
        rc = tess_workload_load_buffer(src->workload_xml, strlen(src->workload_xml),
                                       src->workload_path, src->model_xml, overrides, n_overrides,
                                       used, &out->workload, diag);
    else if (rc == TESS_OK)
        rc = tess_workload_load(src->workload_path, overrides, n_overrides, used, &out->workload,
                                diag);
    if (rc == TESS_OK) {
        size_t n = 0;
        for (size_t i = 0; i < n_overrides; i++)
            if (!used[i]) rest[n++] = overrides[i];
        *failed_file = src->platform_path;
        rc = src->platform_xml
                 ? tess_platform_load_buffer(src->platform_xml, strlen(src->platform_xml),
                                             src->platform_path, rest, n, &out->platform, diag)
                 : tess_platform_load_file(src->platform_path, rest, n, &out->platform, diag);
    }
    if (rc == TESS_OK) {
        /* a wafer's spare dies beyond the job's ranks stay idle; the routes are checked
         * again without them (the rank check names the counts when they do not fit) */
        const tess_workload *w = &out->workload;
        const uint64_t ranks = (uint64_t)w->tp * w->pp * w->dp * w->cp;
        out->platform.spares_by_job = 1; /* the wafers' yields count the dies it leaves */
        if (tess_idle_spare_dies(&out->platform, ranks) == 1) {
            rc = tess_check_routing_fits(&out->platform, src->platform_path, diag);
            if (rc == TESS_OK)
                rc = tess_check_reachability(&out->platform, src->platform_path, diag);
        }
    }
    if (rc == TESS_OK) {
        *failed_file = src->workload_path;
        rc = tess_schedule_build(&out->platform, &out->workload, src->workload_path, &out->schedule,
                                 diag);
    }
    free(used);
    free(rest);
    if (rc != TESS_OK) tess_loaded_job_free(out);
    return rc;
}

void tess_loaded_job_free(tess_loaded_job *j)
{
    tess_schedule_free(&j->schedule);
    tess_platform_free(&j->platform);
    memset(j, 0, sizeof *j);
}
