/* Process-per-simulation runner.
 *
 * A SystemC kernel elaborates once per process, so every simulation runs in a child
 * made by fork(): the child calls the job function, which fills a status, a message
 * and a result blob; the runner sends them to the parent over a pipe. A crash (a
 * signal), an exit without a result, or a time limit overrun becomes an error result
 * in the parent, which never dies with its child; and a child never outlives its parent
 * (on Linux the kernel kills it when the parent dies, however the parent died).
 */
#ifndef TESS_RUNNER_H
#define TESS_RUNNER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* What a job returns; the job fills it in the child. The blob is malloc'd by the
 * job (or NULL); the runner frees it in the child after sending it. */
typedef struct tess_job_output {
    int status; /* TESS_OK or a TESS_E* code */
    char message[1024];
    void *blob;
    size_t blob_len;
} tess_job_output;

typedef void (*tess_job_fn)(void *arg, tess_job_output *out);

/* What the parent sees. blob is malloc'd (free it with tess_run_result_free). */
typedef struct tess_run_result {
    int status; /* the job's status, or TESS_ECRASH / TESS_ETIMEOUT / TESS_ECHILD */
    char message[1024];
    void *blob;
    size_t blob_len;
    int term_signal; /* signal that killed the child, or 0 */
    int exit_code;   /* the child's exit code when it exited, else -1 */
    double wall_seconds;
} tess_run_result;

/* Runs job(arg) in a child process and waits for it. timeout_s <= 0: the default limit
 * (tess_child_time_limit); past the limit the child is killed (SIGKILL). Returns
 * result->status. */
int tess_run_isolated(tess_job_fn job, void *arg, double timeout_s, tess_run_result *result);

void tess_run_result_free(tess_run_result *result);

/* Called first in a child forked by `parent` (getpid() before the fork): the child never
 * outlives it. On Linux the kernel kills the child when the parent dies (a SIGKILL from a
 * CI runner or the OOM killer included); a parent already gone exits the child at once. */
void tess_die_with_parent(pid_t parent);

/* The address space a simulation child may use, in bytes: TESSERA_CHILD_MEMORY (a size:
 * "8GiB") when set, else 80% of the machine's memory; past it the child's allocations fail
 * and it reports out of memory alone. */
uint64_t tess_child_memory_limit(void);

/* The wall-clock limit of a simulation child whose caller sets none, in seconds:
 * TESSERA_CHILD_TIME_LIMIT (a time: "600s", "7.2ks"; "0s" for none) when set and
 * valid, else TESS_CHILD_TIME_LIMIT_S (6 hours). 0: no limit. */
#define TESS_CHILD_TIME_LIMIT_S (6.0 * 3600.0)
double tess_child_time_limit(void);

#endif
