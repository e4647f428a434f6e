/* Calibration of the analytical model against the simulator: see calibrate.h. */
#include "driver/calibrate.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config/workload.h"
#include "driver/evaluate.h"
#include "driver/memory_probe.h"
#include "model/placement.h"
#include "model/schedule.h"
#include "tessera/tessera.h"

const char *const tess_cal_class_names[] = {"compute",         "memory",    "network",
                                            "pipeline_bubble", "iteration", NULL};

#define RIDGE 1e-3
#define HUGE_EFF 1e300 /* an efficiency that makes its term vanish (probing one term) */

typedef struct figures {
    double v[TESS_CAL_CLASSES_];
} figures;

typedef struct cal_job {
    char name[96];
    tess_workload w;
    tess_schedule s;
    tess_estimate_net net;
    figures *sim; /* per stage: the simulated die of the stage that ended last */
    double sim_T;
} cal_job;

static void job_free(cal_job *j)
{
    tess_schedule_free(&j->s);
    tess_estimate_net_free(&j->net);
    free(j->sim);
}

/* The per-stage figures of a result (rank: each stage's die that ended last). */
static void stage_figures(const tess_schedule *s, const tess_eval_result *e, figures *out)
{
    for (uint32_t st = 0; st < s->pp; st++) {
        const tess_die_stat *best = NULL;
        for (uint32_t r = 0; r < e->n_dies; r++)
            if (e->dies[r].stage == st && (!best || e->dies[r].end_s > best->end_s))
                best = &e->dies[r];
        figures *f = &out[st];
        memset(f, 0, sizeof *f);
        if (!best) continue;
        f->v[TESS_CAL_COMPUTE] = best->compute_s;
        f->v[TESS_CAL_MEMORY] = best->memory_s;
        f->v[TESS_CAL_NETWORK] = best->network_s;
        f->v[TESS_CAL_BUBBLE] = best->bubble_s;
        f->v[TESS_CAL_ITERATION] = e->it.iteration_time_s;
    }
}

/* The analytical model's per-stage figures under cal; 0 or -1. */
static int estimate(const tess_platform *p, const cal_job *j, const tess_calibration *cal,
                    figures *out)
{
    tess_eval_result e;
    char msg[256];
    if (tess_estimate_job(p, &j->w, &j->s, &j->net, cal, &e, msg, sizeof msg) != TESS_OK) return -1;
    stage_figures(&j->s, &e, out);
    tess_eval_result_free(&e);
    return 0;
}

/* Generates, schedules, simulates one micro-benchmark job; 1 when it ran, 0 when the job
 * does not fit the platform (skipped), -1 on a failed simulation (msg). */
static int run_job(const tess_platform *p, uint32_t hidden, uint32_t tp, uint32_t pp, uint32_t dp,
                   int interleaved, cal_job *j, FILE *log, char *msg, size_t msglen)
{
    memset(j, 0, sizeof *j);
    const uint32_t layers = 4, heads = 16, m = 2 * pp;
    char model[512], work[512];
    snprintf(model, sizeof model,
             "<model name=\"cal-h%u\" layers=\"%u\" hidden=\"%u\" heads=\"%u\" ffn=\"%u\" "
             "vocab=\"8192\" "
             "sequence=\"1024\" activation=\"gelu\" norm=\"layernorm\"/>",
             hidden, layers, hidden, heads, 4 * hidden);
    snprintf(j->name, sizeof j->name, "h%u tp%u pp%u dp%u%s", hidden, tp, pp, dp,
             interleaved ? " x2" : "");
    snprintf(work, sizeof work,
             "<workload name=\"calibration\" model=\"(generated)\" global-batch=\"%u\" "
             "micro-batch=\"1\" "
             "dtype=\"bf16\" recompute=\"none\" tp=\"%u\" pp=\"%u\" dp=\"%u\" pipeline=\"%s\" "
             "chunks=\"%u\"/>",
             m * dp, tp, pp, dp, interleaved ? "interleaved" : "1f1b", interleaved ? 2 : 1);
    tess_diag diag;
    tess_diag_init(&diag);
    int ok = tess_workload_load_buffer(work, strlen(work), "(calibration workload)", model, NULL, 0,
                                       NULL, &j->w, &diag) == TESS_OK &&
             tess_schedule_build(p, &j->w, "(calibration workload)", &j->s, &diag) == TESS_OK;
    tess_diag_free(&diag);
    if (!ok) {
        if (log) fprintf(log, "  %-22s skipped (does not fit the platform)\n", j->name);
        job_free(j);
        return 0;
    }
    if (tess_estimate_prepare(p, &j->s, TESS_MEM_RATE, &j->net, msg, msglen) != TESS_OK) {
        job_free(j);
        return -1;
    }
    tess_eval_result e;
    const tess_eval_job_options o = {.time_limit_s = 600, .hw = {.fidelity = TESS_NOC_MIXED}};
    if (tess_evaluate_job(p, &j->w, &j->s, &o, &e, msg, msglen) != TESS_OK) {
        job_free(j);
        return -1;
    }
    j->sim = calloc(pp + 1, sizeof *j->sim);
    if (j->sim) stage_figures(&j->s, &e, j->sim);
    j->sim_T = e.it.iteration_time_s;
    tess_eval_result_free(&e);
    if (!j->sim) {
        job_free(j);
        snprintf(msg, msglen, "out of memory");
        return -1;
    }
    if (log) fprintf(log, "  %-22s simulated: %.6g s\n", j->name, j->sim_T);
    if (log) fflush(log);
    return 1;
}

/* Minimises sum_i ((x . X_i - y_i) / y_i)^2 + RIDGE |x - 1|^2 over x (n <= 4 unknowns):
 * the normal equations, by Gaussian elimination. */
static void ridge_fit(const double *X, const double *y, size_t rows, int n, double *x)
{
    double A[4][5] = {{0}};
    for (int a = 0; a < n; a++) {
        A[a][a] = RIDGE;
        A[a][n] = RIDGE;
    }
    for (size_t i = 0; i < rows; i++) {
        if (!(y[i] > 0)) continue;
        const double w = 1.0 / (y[i] * y[i]);
        for (int a = 0; a < n; a++) {
            for (int b = 0; b < n; b++)
                A[a][b] += w * X[i * n + a] * X[i * n + b];
            A[a][n] += w * X[i * n + a] * y[i];
        }
    }
    for (int c = 0; c < n; c++) {
        int piv = c;
        for (int r = c + 1; r < n; r++)
            if (fabs(A[r][c]) > fabs(A[piv][c])) piv = r;
        for (int k = 0; k <= n; k++) {
            const double t = A[c][k];
            A[c][k] = A[piv][k];
            A[piv][k] = t;
        }
        for (int r = 0; r < n; r++) {
            if (r == c) continue;
            const double f = A[r][c] / A[c][c];
            for (int k = c; k <= n; k++)
                A[r][k] -= f * A[c][k];
        }
    }
    for (int a = 0; a < n; a++)
        x[a] = A[a][n] / A[a][a];
}

/* Mean relative error of each class over the jobs under cal (dies with a simulated value
 * above 1% of their iteration time; the iteration per job). */
static void errors(const tess_platform *p, const cal_job *jobs, size_t n,
                   const tess_calibration *cal, double *err, uint32_t *samples)
{
    double sum[TESS_CAL_CLASSES_] = {0};
    uint32_t cnt[TESS_CAL_CLASSES_] = {0};
    for (size_t k = 0; k < n; k++) {
        figures est[64];
        if (jobs[k].s.pp > 64 || estimate(p, &jobs[k], cal, est) != 0) continue;
        for (uint32_t st = 0; st < jobs[k].s.pp; st++)
            for (int c = 0; c < TESS_CAL_ITERATION; c++) {
                const double sim = jobs[k].sim[st].v[c];
                if (!(sim > 0.01 * jobs[k].sim_T)) continue;
                sum[c] += fabs(est[st].v[c] - sim) / sim;
                cnt[c]++;
            }
        sum[TESS_CAL_ITERATION] +=
            fabs(est[0].v[TESS_CAL_ITERATION] - jobs[k].sim_T) / jobs[k].sim_T;
        cnt[TESS_CAL_ITERATION]++;
    }
    for (int c = 0; c < TESS_CAL_CLASSES_; c++) {
        err[c] = cnt[c] ? sum[c] / cnt[c] : 0;
        if (samples) samples[c] = cnt[c];
    }
}

double tess_kendall_tau(const double *a, const double *b, size_t n)
{
    double concordant = 0, discordant = 0, ties_a = 0, ties_b = 0;
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++) {
            const double x = a[i] - a[j], y = b[i] - b[j];
            if (x == 0 && y == 0) continue;
            if (x == 0)
                ties_a++;
            else if (y == 0)
                ties_b++;
            else if ((x > 0) == (y > 0))
                concordant++;
            else
                discordant++;
        }
    const double d = sqrt((concordant + discordant + ties_a) * (concordant + discordant + ties_b));
    return d > 0 ? (concordant - discordant) / d : 1;
}

/* Rows of probe values: for each job and stage, the estimate's class figure under each of
 * the n probe calibrations, and the simulated figure. Returns the row count. */
static size_t probe_rows(const tess_platform *p, const cal_job *jobs, size_t n_jobs,
                         const tess_calibration *probes, int n, int cls, double *X, double *y,
                         size_t cap)
{
    size_t rows = 0;
    for (size_t k = 0; k < n_jobs; k++) {
        const uint32_t pp = jobs[k].s.pp;
        if (pp > 64) continue;
        figures est[4][64];
        int ok = 1;
        for (int q = 0; q < n && ok; q++)
            ok = estimate(p, &jobs[k], &probes[q], est[q]) == 0;
        for (uint32_t st = 0; ok && st < pp && rows < cap; st++) {
            for (int q = 0; q < n; q++)
                X[rows * n + q] = est[q][st].v[cls];
            y[rows++] = jobs[k].sim[st].v[cls];
        }
    }
    return rows;
}

/* What the fitting steps of tess_calibrate share: the micro-benchmark jobs, simulated,
 * and room for the probe rows. */
typedef struct fit {
    const tess_platform *p;
    cal_job *jobs;
    size_t n;
    double *X, *y;
    size_t max_rows;
} fit;

/* The micro-benchmarks: strategies (tp, pp, dp, interleaved) over the platform's D dies
 * at two widths, each simulated once. TESS_OK, or a status with msg. */
static int run_jobs(const tess_platform *p, FILE *log, fit *f, tess_calibration_report *rep,
                    char *msg, size_t msglen)
{
    uint32_t D = 0;
    for (size_t i = 0; i < p->n_instances; i++)
        D += p->instances[i].kind == TESS_KIND_DIE && !p->instances[i].dead;
    const uint32_t S[][4] = {{D, 1, 1, 0},     {D / 2, 2, 1, 0}, {D / 2, 2, 1, 1},
                             {D / 4, 4, 1, 0}, {1, 1, D, 0},     {2, 1, D / 2, 0},
                             {D / 4, 1, 4, 0}, {D / 2, 1, 2, 0}, {1, 2, D / 2, 0}};
    const uint32_t hidden[] = {512, 1024};
    f->jobs = calloc(sizeof S / sizeof S[0] * 2, sizeof *f->jobs);
    if (!f->jobs) return TESS_ENOMEM;
    int rc = TESS_OK;
    for (size_t h = 0; h < 2 && rc == TESS_OK; h++)
        for (size_t k = 0; k < sizeof S / sizeof S[0] && rc == TESS_OK; k++) {
            const uint32_t tp = S[k][0], pp = S[k][1], dp = S[k][2];
            if (!tp || !dp || tp * pp * dp != D || tp > 16 || 16 % tp) continue;
            int dup = 0; /* strategies that coincide on small platforms */
            for (size_t q = 0; q < k; q++)
                dup |= memcmp(S[q], S[k], sizeof S[k]) == 0;
            if (dup) continue;
            const int r =
                run_job(p, hidden[h], tp, pp, dp, (int)S[k][3], &f->jobs[f->n], log, msg, msglen);
            if (r < 0)
                rc = TESS_ECHILD;
            else if (r == 0)
                rep->skipped++;
            else
                f->n++;
        }
    rep->jobs = (uint32_t)f->n;
    if (rc == TESS_OK && f->n == 0) {
        snprintf(msg, msglen, "no micro-benchmark job fits the platform's %u dies", D);
        rc = TESS_EINVAL;
    }
    return rc;
}

/* DRAM: the sustained rate the simulation's dies get over the peak the model assumes. */
static int fit_dram(const fit *f, tess_calibration *out, char *msg, size_t msglen)
{
    const cal_job *j = &f->jobs[0];
    double *mem = calloc(f->p->n_instances + 1, sizeof *mem),
           *die = calloc(j->s.dies + 1, sizeof *die);
    int rc = mem && die ? TESS_OK : TESS_ENOMEM;
    if (rc == TESS_OK) rc = tess_sustained_bandwidths(f->p, mem, NULL, NULL, msg, msglen);
    const tess_rank_map ranks = tess_schedule_ranks(&j->s);
    if (rc == TESS_OK) rc = tess_die_dma_rates(f->p, &ranks, mem, die, msg, msglen);
    if (rc == TESS_OK) {
        double ratio = 0;
        for (uint32_t r = 0; r < j->s.dies; r++)
            ratio += die[r] / j->net.dma_bytes_s[r];
        out->dram_efficiency = ratio / j->s.dies;
    }
    free(mem);
    free(die);
    return rc;
}

/* Compute: GEMM and vector terms, probed one at a time and fitted together. */
static void fit_compute(const fit *f, tess_calibration *out)
{
    tess_calibration probes[2] = {*out, *out};
    probes[0].vector_efficiency = HUGE_EFF;
    probes[1].gemm_efficiency = HUGE_EFF;
    const size_t rows =
        probe_rows(f->p, f->jobs, f->n, probes, 2, TESS_CAL_COMPUTE, f->X, f->y, f->max_rows);
    double x[4];
    ridge_fit(f->X, f->y, rows, 2, x);
    out->gemm_efficiency = x[0] > 0.1 ? 1.0 / x[0] : 10;
    out->vector_efficiency = x[1] > 0.1 ? 1.0 / x[1] : 10;
}

/* Overlap of DMA and compute: a search on compute + memory. */
static void fit_overlap(const fit *f, tess_calibration *out)
{
    double best = INFINITY, best_phi = 1;
    for (int k = 0; k <= 100; k++) {
        tess_calibration c = *out;
        c.dma_overlap = k / 100.0;
        double e = 0;
        for (size_t q = 0; q < f->n; q++) {
            figures est[64];
            const cal_job *j = &f->jobs[q];
            if (j->s.pp > 64 || estimate(f->p, j, &c, est) != 0) continue;
            for (uint32_t st = 0; st < j->s.pp; st++) {
                const double sim = j->sim[st].v[TESS_CAL_COMPUTE] + j->sim[st].v[TESS_CAL_MEMORY];
                const double d =
                    (est[st].v[TESS_CAL_COMPUTE] + est[st].v[TESS_CAL_MEMORY] - sim) / sim;
                e += d * d;
            }
        }
        if (e < best) {
            best = e;
            best_phi = c.dma_overlap;
        }
    }
    out->dma_overlap = best_phi;
}

/* Collectives: linear in (latency factor, 1 / bandwidth efficiency) of tp and dp. */
static void fit_collectives(const fit *f, tess_calibration *out)
{
    const tess_level lv[2] = {TESS_LEVEL_TP, TESS_LEVEL_DP};
    tess_calibration probes[4];
    for (int q = 0; q < 4; q++) {
        probes[q] = *out;
        for (int l = 0; l < TESS_LEVELS_; l++) {
            probes[q].latency_factor[l] = 0;
            probes[q].bandwidth_efficiency[l] = HUGE_EFF;
        }
        if (q % 2 == 0)
            probes[q].latency_factor[lv[q / 2]] = 1;
        else
            probes[q].bandwidth_efficiency[lv[q / 2]] = 1;
    }
    const size_t rows =
        probe_rows(f->p, f->jobs, f->n, probes, 4, TESS_CAL_NETWORK, f->X, f->y, f->max_rows);
    double x[4];
    ridge_fit(f->X, f->y, rows, 4, x);
    for (int k = 0; k < 2; k++) {
        out->latency_factor[lv[k]] = x[2 * k] > 0 ? x[2 * k] : 0;
        out->bandwidth_efficiency[lv[k]] = x[2 * k + 1] > 0.1 ? 1.0 / x[2 * k + 1] : 10;
    }
}

/* Pipeline messages: a search on the iteration time of jobs with stages. */
static void fit_pipeline(const fit *f, tess_calibration *out)
{
    const double grid[] = {0.25, 0.5, 0.75, 1, 1.5, 2, 3, 4, 6, 8};
    const size_t G = sizeof grid / sizeof grid[0];
    double best = INFINITY, best_l = 1, best_b = 1;
    for (size_t gl = 0; gl < G; gl++)
        for (size_t gb = 0; gb < G; gb++) {
            tess_calibration c = *out;
            c.latency_factor[TESS_LEVEL_PP] = grid[gl];
            c.bandwidth_efficiency[TESS_LEVEL_PP] = 1.0 / grid[gb];
            double e = 0;
            int used = 0;
            for (size_t q = 0; q < f->n; q++) {
                figures est[64];
                const cal_job *j = &f->jobs[q];
                if (j->s.pp < 2 || j->s.pp > 64 || estimate(f->p, j, &c, est) != 0) continue;
                const double d = (est[0].v[TESS_CAL_ITERATION] - j->sim_T) / j->sim_T;
                e += d * d;
                used = 1;
            }
            e += RIDGE * ((grid[gl] - 1) * (grid[gl] - 1) + (grid[gb] - 1) * (grid[gb] - 1));
            if (used && e < best) {
                best = e;
                best_l = grid[gl];
                best_b = 1.0 / grid[gb];
            }
        }
    out->latency_factor[TESS_LEVEL_PP] = best_l;
    out->bandwidth_efficiency[TESS_LEVEL_PP] = best_b;
}

/* The iteration per job: the worst error, and whether the model orders the jobs as the
 * simulator does. */
static void judge_iterations(const fit *f, const tess_calibration *cal, FILE *log,
                             tess_calibration_report *rep)
{
    double *est_T = f->X, *sim_T = f->y;
    tess_calibration def;
    tess_calibration_default(&def);
    for (size_t q = 0; q < f->n; q++) {
        figures est[64], raw[64];
        const cal_job *j = &f->jobs[q];
        const double before =
            j->s.pp <= 64 && estimate(f->p, j, &def, raw) == 0 ? raw[0].v[TESS_CAL_ITERATION] : 0;
        est_T[q] =
            j->s.pp <= 64 && estimate(f->p, j, cal, est) == 0 ? est[0].v[TESS_CAL_ITERATION] : 0;
        sim_T[q] = j->sim_T;
        const double e = fabs(est_T[q] - sim_T[q]) / sim_T[q];
        if (e > rep->worst_iteration_after) rep->worst_iteration_after = e;
        if (log)
            fprintf(log,
                    "  %-22s simulated %.6g s; estimate %.6g s (%+.1f%%), calibrated %.6g s "
                    "(%+.1f%%)\n",
                    j->name, sim_T[q], before, 100 * (before - sim_T[q]) / sim_T[q], est_T[q],
                    100 * (est_T[q] - sim_T[q]) / sim_T[q]);
    }
    rep->kendall_tau_after = tess_kendall_tau(est_T, sim_T, f->n);
}

int tess_calibrate(const tess_platform *p, FILE *log, tess_calibration *out,
                   tess_calibration_report *rep, char *msg, size_t msglen)
{
    const struct timespec t0 = {0};
    struct timespec a = t0, b = t0;
    clock_gettime(CLOCK_MONOTONIC, &a);
    memset(rep, 0, sizeof *rep);
    tess_calibration_default(out);
    fit f = {p, NULL, 0, NULL, NULL, 0};
    int rc = run_jobs(p, log, &f, rep, msg, msglen);
    f.max_rows = f.n * 64 + 1;
    f.X = malloc(f.max_rows * 4 * sizeof *f.X);
    f.y = malloc(f.max_rows * sizeof *f.y);
    if (rc == TESS_OK && (!f.X || !f.y)) rc = TESS_ENOMEM;
    if (rc == TESS_OK) {
        tess_calibration def;
        tess_calibration_default(&def);
        errors(p, f.jobs, f.n, &def, rep->error_before, NULL);
        rc = fit_dram(&f, out, msg, msglen);
    }
    if (rc == TESS_OK) {
        fit_compute(&f, out);
        fit_overlap(&f, out);
        fit_collectives(&f, out);
        fit_pipeline(&f, out);
        errors(p, f.jobs, f.n, out, rep->error_after, rep->samples);
        judge_iterations(&f, out, log, rep);
    }
    free(f.X);
    free(f.y);
    for (size_t k = 0; k < f.n; k++)
        job_free(&f.jobs[k]);
    free(f.jobs);
    clock_gettime(CLOCK_MONOTONIC, &b);
    rep->wall_seconds = (double)(b.tv_sec - a.tv_sec) + 1e-9 * (double)(b.tv_nsec - a.tv_nsec);
    return rc;
}

void tess_calibration_write_file(FILE *f, const tess_platform *p, const tess_calibration *c,
                                 const tess_calibration_report *rep)
{
    fprintf(f, "# tessera %s calibration of the analytical model for platform '%s'\n",
            tess_version(), p->name);
    fprintf(f, "# platform file %s, sha256 %s\n", p->file ? p->file : "(text)", p->sha256);
    for (size_t i = 0; i < p->n_params; i++)
        fprintf(f, "# parameter %s = %s\n", p->params[i].name,
                p->params[i].value ? p->params[i].value : "");
    fprintf(f, "# %u micro-benchmark jobs simulated (%u skipped: they do not fit)\n", rep->jobs,
            rep->skipped);
    fprintf(f, "# mean relative error of the analytical model against the simulator:\n");
    fprintf(f, "#   %-16s %10s %10s %8s\n", "class", "before", "after", "samples");
    for (int k = 0; k < TESS_CAL_CLASSES_; k++)
        fprintf(f, "#   %-16s %9.2f%% %9.2f%% %8u\n", tess_cal_class_names[k],
                100 * rep->error_before[k], 100 * rep->error_after[k], rep->samples[k]);
    fprintf(
        f,
        "# iteration time after calibration: worst error %.2f%%, Kendall tau %.3f over the jobs\n",
        100 * rep->worst_iteration_after, rep->kendall_tau_after);
    tess_calibration_write(f, c);
}
