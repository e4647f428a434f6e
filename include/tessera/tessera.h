/* Tessera public C API: the driver contract. Link with -ltessera (the shared library)
 * or the layers' static libraries (see the README) and their dependencies: SystemC,
 * libxml2, the C++ runtime.
 *
 * Every public name carries the `tess_` prefix. Functions return an int status:
 * 0 (TESS_OK) on success, a negative TESS_E* code on failure, and fill a message
 * that names file, line and field where the failure came from input.
 *
 * This header holds the status codes, the version and evaluations of training jobs;
 * design spaces, sweeps and sign-off checks come with the driver.
 */
#ifndef TESSERA_TESSERA_H
#define TESSERA_TESSERA_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* 2: tess_eval_options gained `fidelity` (a version-1 struct is still accepted);
 * 3: tess_estimate and design spaces; 4: tess_eval_options gained `symmetry`;
 * 5: TESS_FIDELITY_MIXED, the default when options is NULL; 6: tess_eval_options gained
 * `memory_fidelity`; tess_estimate_memory and tess_space_memory_fidelity; 7: design spaces
 * are not enumerated: point ids before constraints, tess_space_keeps, tess_space_choices,
 * tess_space_find_point. */
#define TESS_API_VERSION 7

enum tess_status {
    TESS_OK = 0,
    TESS_EINVAL = -1,      /* bad input: XML, unit, range, reference, override */
    TESS_ENOMEM = -2,      /* allocation failed */
    TESS_EIO = -3,         /* file could not be read or written */
    TESS_EUNROUTABLE = -4, /* a die cannot reach a die it must reach */
    TESS_ECHILD = -5,      /* the simulation child failed (exit status, protocol) */
    TESS_ECRASH = -6,      /* the simulation child was killed by a signal */
    TESS_ETIMEOUT = -7,    /* the simulation child ran past its time limit */
    TESS_EINTERNAL = -8,   /* a bug: an invariant did not hold */
    TESS_ENOFIT = -9       /* valid input, but the model does not fit the dies' memory */
};

/* Static string naming a status code ("invalid input", ...). Never NULL. */
const char *tess_strerror(int status);

/* Static version string "MAJOR.MINOR.PATCH". */
const char *tess_version(void);

/* ---- evaluations ------------------------------------------------------------
 *
 *   tess_job *job;
 *   char *error;
 *   if (tess_job_open("platforms/default.xml", "workloads/default.xml", NULL, 0, &job,
 *                     &error) != TESS_OK) { fprintf(stderr, "%s", error); tess_free(error); }
 *   tess_evaluation *ev;
 *   if (tess_evaluate(job, NULL, &ev, &error) == TESS_OK) {
 *       double t;
 *       tess_metric(ev, "iteration_time_s", &t);
 *       tess_evaluation_free(ev);
 *   }
 *   tess_job_close(job);
 *
 * Opening parses and validates everything in the caller's process (bad input fails
 * there, with file:line messages); each evaluation simulates in a child process, so a
 * crash or a time limit becomes an error status, never the caller's crash. Jobs and
 * evaluations are independent values; the only state a process keeps is a memo of
 * measured memory bandwidths by memory type, which saves time and changes no result.
 */

typedef struct tess_job tess_job;               /* a platform + workload, validated */
typedef struct tess_evaluation tess_evaluation; /* the result of one evaluation */

/* Opens a job from files. overrides: n strings "name=value" (platform parameters and
 * fields, `workload.FIELD`, `model.FIELD`); may be NULL when n is 0.
 * On success *job is yours: free it with tess_job_close. On failure *error (if error is
 * not NULL) is a newline-separated list of messages: free it with tess_free. */
int tess_job_open(const char *platform_path, const char *workload_path,
                  const char *const *overrides, size_t n_overrides, tess_job **job, char **error);

/* Opens a job from XML text in memory (NUL-terminated; the caller keeps ownership and
 * may free the texts once this returns). model_xml is the workload's model; when NULL,
 * the workload's `model` attribute is a file path relative to the current folder, as are
 * the platform's relative `<include file>` paths. Messages name the texts "(platform text)",
 * "(workload text)", "(model text)" with line numbers. Ownership of *job and *error as for
 * tess_job_open. */
int tess_job_open_xml(const char *platform_xml, const char *workload_xml, const char *model_xml,
                      const char *const *overrides, size_t n_overrides, tess_job **job,
                      char **error);

/* Frees a job (NULL is fine). */
void tess_job_close(tess_job *job);

/* How the network is simulated: packet (cut-through with per-channel reservations),
 * flow (max-min fair sharing of link bandwidth, re-rated as transfers start and end: fast
 * for long transfers), flit (virtual-channel routers cycle by cycle: slow), mixed (packet
 * inside packages, wafers and nodes, flow on the scale-out and datacenter links that leave
 * them; the same as packet on a platform without such links; the default when options is
 * NULL, and `tessera run`'s). */
typedef enum tess_fidelity {
    TESS_FIDELITY_PACKET = 0,
    TESS_FIDELITY_FLOW = 1,
    TESS_FIDELITY_FLIT = 2,
    TESS_FIDELITY_MIXED = 3 /* since version 5 */
} tess_fidelity;

/* Memory fidelity of an evaluation: burst (a die's loads, stores and optimizer traffic
 * travel over the network to its nearest memory and queue at that memory's controller;
 * what tess_evaluate with NULL options takes) or rate (each die's DMA at a constant rate,
 * its memories' sustained bandwidth as the DRAM model measures it, a shared memory split
 * evenly; what an options struct of a version before 6 gets). */
typedef enum tess_memory_fidelity {
    TESS_MEMORY_RATE = 0,
    TESS_MEMORY_BURST = 1,
    TESS_MEMORY_CYCLE = 2 /* the same traffic served by each memory's DRAM model, cycle by cycle */
} tess_memory_fidelity;

typedef struct tess_eval_options {
    unsigned api_version; /* TESS_API_VERSION (1: the fields up to time_limit_s only) */
    double time_limit_s;  /* the child is killed past it; 0: the default (TESSERA_CHILD_TIME_LIMIT,
                             else 6 h) */
    tess_fidelity fidelity; /* since version 2 */
    /* since version 4: non-zero simulates one data-parallel replica of each class of
     * replicas that route alike and mirrors the others' traffic where it meets
     * simulated traffic (report.json "symmetry"); 0: every replica */
    int symmetry;
    /* since version 6: how memory is simulated (`tessera run --memory-fidelity`) */
    tess_memory_fidelity memory_fidelity;
} tess_eval_options;

/* Simulates one training iteration of the job. options may be NULL (defaults: no time
 * limit, mixed network fidelity, burst memory fidelity). On success *out is yours: free it with
 * tess_evaluation_free. On failure the status says why (TESS_ETIMEOUT, TESS_ECRASH, TESS_ECHILD,
 * TESS_EINVAL) and *error (if not NULL) holds the message: free it with tess_free. Several threads
 * may call it at once, on the same job or on different ones: each call runs its own child process,
 * so N threads make N evaluations at once. */
int tess_evaluate(const tess_job *job, const tess_eval_options *options, tess_evaluation **out,
                  char **error);

/* Estimates the job with the analytical model (roofline per op class, alpha-beta
 * collectives, the pipeline's critical path; no simulation, no child process: tens of
 * microseconds on an opened job). calibration_path: a file `tessera calibrate` wrote, or
 * NULL for the uncalibrated model (every factor 1). The evaluation reads like a
 * simulated one: the same metrics (peak_link_utilisation is 0: no link is simulated) and
 * a report.json whose "fidelity" is "analytic". Ownership of *out and *error as for
 * tess_evaluate. Thread-safe like tess_evaluate. Since API version 3. */
int tess_estimate(const tess_job *job, const char *calibration_path, tess_evaluation **out,
                  char **error);

/* tess_estimate with the memory view of a memory fidelity: TESS_MEMORY_RATE is
 * tess_estimate's (each die its memories' peak bandwidth); TESS_MEMORY_BURST follows each
 * die's DMA to its home memory as the simulation's burst level does (the memory's
 * bandwidth and port shared by the dies homed there, the route's narrowest channel), the
 * view `tessera estimate --memory-fidelity burst` takes. Thread-safe as tess_estimate. */
int tess_estimate_memory(const tess_job *job, const char *calibration_path,
                         tess_memory_fidelity memory_fidelity, tess_evaluation **out, char **error);

/* Reads a metric by name: "iteration_time_s", "tokens_per_s", "model_flops",
 * "hardware_flops", "mfu", "hfu", "energy_j", "power_w" (energy / iteration time),
 * "peak_memory_bytes", "peak_link_utilisation" (the busiest channel's busy share of the
 * iteration), "compute_s", "memory_s", "network_s", "pipeline_bubble_s",
 * "peak_power_w" (largest 1 ms mean), "power_limit_violations" (dies, packages and wafers
 * over their TDP), "area_mm2", "yield", "cost_usd", "network_cost_usd", "network_power_w"
 * (switches and transceivers, drawn whatever the traffic) (report.json holds them under the
 * same names or in its breakdowns). TESS_EINVAL for an unknown name or a
 * NULL argument. */
int tess_metric(const tess_evaluation *ev, const char *name, double *value);

/* The i-th metric name, i from 0; NULL past the last. A static string: do not free. */
const char *tess_metric_name(size_t i);

/* The evaluation's report.json as text; owned by the evaluation (valid until it is
 * freed). NULL for a NULL evaluation. */
const char *tess_report_json(const tess_evaluation *ev);

void tess_evaluation_free(tess_evaluation *ev);

/* Frees a string the library returned. */
void tess_free(void *p);

/* ---- design spaces ----------------------------------------------------------
 *
 * A design space file (spaces/README.md): a platform, a workload, points as overrides,
 * constraints, and for an explorer objectives, a budget and a calibration file. The
 * explorer (python/tessera/explore.py) reads spaces through these calls. Since API
 * version 3. */
typedef struct tess_design_space tess_design_space;

/* Loads and checks a space (schema, ranges, constraints, objective metrics). On success
 * *out is yours: free it with tess_space_close. On failure *error (when error is not NULL)
 * holds file:line messages: free it with tess_free. */
int tess_space_open(const char *path, tess_design_space **out, char **error);
void tess_space_close(tess_design_space *s);

/* "name", "platform", "workload" (paths resolved beside the space file), "calibration"
 * ("" when the space names none); NULL for another key. Owned by the space. */
const char *tess_space_text(const tess_design_space *s, const char *key);
/* Point ids: the grid's points (the first param slowest), then the listed points; a
 * constraint drops a point without renumbering the others (tess_space_keeps). Nothing is
 * enumerated: a space may have up to 1e15 ids. Since API version 7 (before: the points
 * kept, numbered densely). */
size_t tess_space_points(const tess_design_space *s);
size_t tess_space_params(const tess_design_space *s);
const char *tess_space_param(const tess_design_space *s, size_t i);
/* A point's value of a parameter: "" when the point leaves it unset; NULL out of range. */
const char *tess_space_value(const tess_design_space *s, size_t point, size_t param);
/* 1 when every <constraint> holds at the point, 0 when one drops it; a negative status when
 * a constraint cannot be evaluated there or the id is out of range (*error, when error is
 * not NULL, names the file, the constraint's line and the point: free it with tess_free).
 * Since API version 7. */
int tess_space_keeps(const tess_design_space *s, size_t point, char **error);
/* The distinct values a parameter takes over the space's points, in byte order ("" among
 * them when some point leaves it unset): its choices for an explorer. Since version 7. */
size_t tess_space_choices(const tess_design_space *s, size_t param);
const char *tess_space_choice(const tess_design_space *s, size_t param, size_t i);
/* The id of the point with these values (values[i] for parameter i, "" for unset), or
 * (size_t)-1 when the space has none; constraints not applied. Since version 7. */
size_t tess_space_find_point(const tess_design_space *s, const char *const *values);
size_t tess_space_objectives(const tess_design_space *s);
/* The i-th objective's metric name (a tess_metric name); *maximize 1 or 0. */
const char *tess_space_objective(const tess_design_space *s, size_t i, int *maximize);
/* Limits on results (<limit metric min max>): a point whose evaluation breaks one is
 * infeasible. The i-th limit's metric name; *min and *max its bounds (-HUGE_VAL / HUGE_VAL
 * where the space gives none). */
size_t tess_space_limits(const tess_design_space *s);
const char *tess_space_limit(const tess_design_space *s, size_t i, double *min, double *max);
unsigned tess_space_budget(const tess_design_space *s);   /* 0: the space gives none */
double tess_space_time_limit(const tess_design_space *s); /* seconds; 0: none */
/* <space memory-fidelity>: the memory fidelity to evaluate its points at (burst if not given) */
tess_memory_fidelity tess_space_memory_fidelity(const tess_design_space *s);

#ifdef __cplusplus
}
#endif

#endif
