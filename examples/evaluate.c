/* Evaluating a training job through the public C API alone (the README's example).
 *   build/evaluate [PLATFORM WORKLOAD]   (run from the project's root) */
#include <stdio.h>

#include <tessera/tessera.h>

int main(int argc, char **argv)
{
    const char *platform = argc > 2 ? argv[1] : "platforms/default.xml";
    const char *workload = argc > 2 ? argv[2] : "workloads/default.xml";
    const char *overrides[] = {"workload.micro-batch=1"};
    tess_job *job;
    char *error;
    int rc = tess_job_open(platform, workload, overrides, 1, &job, &error);
    if (rc != TESS_OK) {
        fprintf(stderr, "%s(%s)\n", error ? error : "", tess_strerror(rc));
        tess_free(error);
        return 1;
    }
    tess_eval_options options = {TESS_API_VERSION, 600.0, TESS_FIDELITY_PACKET, 0,
                                 TESS_MEMORY_RATE};
    tess_evaluation *ev;
    rc = tess_evaluate(job, &options, &ev, &error);
    if (rc != TESS_OK) {
        fprintf(stderr, "evaluation failed: %s (%s)\n", error ? error : "", tess_strerror(rc));
        tess_free(error);
        tess_job_close(job);
        return 1;
    }
    double t, mfu;
    tess_metric(ev, "iteration_time_s", &t);
    tess_metric(ev, "mfu", &mfu);
    printf("iteration %.4g s, MFU %.1f%%\n", t, 100 * mfu);
    tess_evaluation_free(ev);
    tess_job_close(job);
    return 0;
}
