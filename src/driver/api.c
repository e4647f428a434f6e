/* The public C API of evaluations: see include/tessera/tessera.h. */
#include "tessera/tessera.h"

#include <stdio.h>
#include <stdlib.h>
#include <pthread.h>
#include <string.h>

#include "config/diag.h"
#include "config/fidelity.h"
#include "config/loader.h"
#include "config/workload.h"
#include "driver/evaluate.h"
#include "driver/job.h"
#include "driver/space.h"
#include "model/estimate.h"
#include "model/schedule.h"
#include "report/report.h"

struct tess_job {
    tess_loaded_job loaded; /* workload, platform, schedule (driver/job.h) */
    /* the analytical model's view of the network, found at opening: status and message */
    tess_estimate_net net;
    int net_status;
    char net_message[512];
    /* its burst memory view (tess_estimate_memory), found at the first call that needs it,
     * under the lock (estimates may run from several threads on one job) */
    pthread_mutex_t lock;
    int burst_ready, burst_status;
    tess_estimate_net burst;
    char burst_message[512];
};

struct tess_evaluation {
    tess_eval_result result;
    double peak_memory_bytes, model_flops, hardware_flops;
    tess_throughput throughput;
    char *report;
};

static char *take_messages(tess_diag *d)
{
    char *s = tess_diag_join(d);
    tess_diag_free(d);
    return s;
}

static void set_error(char **error, const char *text)
{
    if (error) *error = strdup(text);
}

/* Opens a job from files (the *_xml NULL) or from XML text (the paths are then names). */
static int open_job(const tess_job_source *src, const char *const *overrides, size_t n_overrides,
                    tess_job **job, char **error)
{
    *job = NULL;
    if (error) *error = NULL;
    tess_job *j = calloc(1, sizeof *j);
    if (j) pthread_mutex_init(&j->lock, NULL);
    char **copies = calloc(n_overrides + 1, sizeof *copies);
    tess_override *ov = calloc(n_overrides + 1, sizeof *ov);
    int rc = j && copies && ov ? TESS_OK : TESS_ENOMEM;
    for (size_t i = 0; rc == TESS_OK && i < n_overrides; i++) {
        copies[i] = strdup(overrides[i]);
        if (!copies[i] || tess_override_split(copies[i], &ov[i]) != 0) {
            char msg[512];
            snprintf(msg, sizeof msg, "override '%s' is not name=value\n", overrides[i]);
            set_error(error, msg);
            rc = TESS_EINVAL;
        }
    }
    tess_diag diag;
    tess_diag_init(&diag);
    const char *failed = NULL;
    if (rc == TESS_OK) rc = tess_job_load(src, ov, n_overrides, &j->loaded, &failed, &diag);
    if (rc == TESS_OK)
        j->net_status =
            tess_estimate_prepare(&j->loaded.platform, &j->loaded.schedule, TESS_MEM_RATE, &j->net,
                                  j->net_message, sizeof j->net_message);
    if (rc != TESS_OK && error && !*error)
        *error = take_messages(&diag);
    else
        tess_diag_free(&diag);
    for (size_t i = 0; i < n_overrides && copies; i++)
        free(copies[i]);
    free(copies);
    free(ov);
    if (rc != TESS_OK) {
        tess_job_close(j);
        return rc;
    }
    *job = j;
    return TESS_OK;
}

int tess_job_open(const char *platform_path, const char *workload_path,
                  const char *const *overrides, size_t n_overrides, tess_job **job, char **error)
{
    const tess_job_source src = {platform_path, workload_path, NULL, NULL, NULL};
    return open_job(&src, overrides, n_overrides, job, error);
}

int tess_job_open_xml(const char *platform_xml, const char *workload_xml, const char *model_xml,
                      const char *const *overrides, size_t n_overrides, tess_job **job,
                      char **error)
{
    if (!platform_xml || !workload_xml) {
        *job = NULL;
        set_error(error, "tess_job_open_xml: the platform and workload texts are required\n");
        return TESS_EINVAL;
    }
    const tess_job_source src = {"(platform text)", "(workload text)", platform_xml, workload_xml,
                                 model_xml};
    return open_job(&src, overrides, n_overrides, job, error);
}

void tess_job_close(tess_job *job)
{
    if (!job) return;
    tess_estimate_net_free(&job->net);
    if (job->burst_ready) tess_estimate_net_free(&job->burst);
    pthread_mutex_destroy(&job->lock);
    tess_loaded_job_free(&job->loaded);
    free(job);
}

/* The report text and the job's figures: the evaluation is complete and becomes *out. */
static int finish_evaluation(const tess_job *job, tess_evaluation *ev, tess_evaluation **out)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f) {
        tess_evaluation_free(ev);
        return TESS_ENOMEM;
    }
    tess_write_report(f, &job->loaded.platform, &job->loaded.workload, &job->loaded.schedule,
                      &ev->result);
    fclose(f);
    ev->report = buf;
    ev->peak_memory_bytes = (double)job->loaded.schedule.peak_memory_bytes;
    ev->model_flops = job->loaded.schedule.model_flops;
    ev->hardware_flops = job->loaded.schedule.hardware_flops;
    ev->throughput = tess_throughput_of(&job->loaded.workload, &job->loaded.schedule, &ev->result);
    *out = ev;
    return TESS_OK;
}

int tess_evaluate(const tess_job *job, const tess_eval_options *options, tess_evaluation **out,
                  char **error)
{
    *out = NULL;
    if (error) *error = NULL;
    if (!job) {
        set_error(error, "tess_evaluate: no job (NULL: not opened, or closed)");
        return TESS_EINVAL;
    }
    if (options && (options->api_version < 1 || options->api_version > TESS_API_VERSION)) {
        set_error(error, "tess_eval_options.api_version is not one this library knows (1 to "
                         "TESS_API_VERSION)");
        return TESS_EINVAL;
    }
    /* a version-1 struct ends before `fidelity`: read it only from version 2 on */
    const tess_fidelity want = !options                    ? TESS_FIDELITY_MIXED
                               : options->api_version >= 2 ? options->fidelity
                                                           : TESS_FIDELITY_PACKET;
    tess_noc_fidelity noc;
    if (tess_noc_fidelity_of_api(want, &noc) != 0 ||
        (want == TESS_FIDELITY_MIXED && options && options->api_version < 5)) {
        set_error(error, "tess_eval_options.fidelity is not a tess_fidelity (TESS_FIDELITY_MIXED "
                         "needs api_version 5)");
        return TESS_EINVAL;
    }
    tess_evaluation *ev = calloc(1, sizeof *ev);
    if (!ev) return TESS_ENOMEM;
    char msg[1024] = "";
    const int v6 = options && options->api_version >= 6;
    if (v6 && options->memory_fidelity != TESS_MEMORY_RATE &&
        options->memory_fidelity != TESS_MEMORY_BURST &&
        options->memory_fidelity != TESS_MEMORY_CYCLE) {
        set_error(error, "tess_eval_options.memory_fidelity is not a tess_memory_fidelity");
        return TESS_EINVAL;
    }
    tess_eval_job_options o;
    memset(&o, 0, sizeof o);
    o.time_limit_s = options ? options->time_limit_s : 0;
    o.hw.fidelity = noc;
    o.hw.symmetry = options && options->api_version >= 4 ? options->symmetry != 0 : 0;
    /* NULL options: the default, burst; a struct from before version 6 has no such field */
    o.hw.memory_fidelity = !options ? TESS_MEM_BURST
                           : v6     ? tess_mem_fidelity_of_api(options->memory_fidelity)
                                    : TESS_MEM_RATE;
    int rc = tess_evaluate_job(&job->loaded.platform, &job->loaded.workload, &job->loaded.schedule,
                               &o, &ev->result, msg, sizeof msg);
    if (rc != TESS_OK) {
        set_error(error, msg);
        free(ev);
        return rc;
    }
    return finish_evaluation(job, ev, out);
}

int tess_estimate(const tess_job *job, const char *calibration_path, tess_evaluation **out,
                  char **error)
{
    return tess_estimate_memory(job, calibration_path, TESS_MEMORY_RATE, out, error);
}

/* The job's analytical view at a memory fidelity: the rate view found at opening, the
 * burst view found once, at the first call that asks for it. */
static const tess_estimate_net *estimate_view(tess_job *job, tess_memory_fidelity mf, int *status,
                                              const char **message)
{
    if (mf == TESS_MEMORY_RATE) {
        *status = job->net_status;
        *message = job->net_message;
        return &job->net;
    }
    pthread_mutex_lock(&job->lock);
    if (!job->burst_ready) {
        job->burst_status =
            tess_estimate_prepare(&job->loaded.platform, &job->loaded.schedule, TESS_MEM_BURST,
                                  &job->burst, job->burst_message, sizeof job->burst_message);
        job->burst_ready = job->burst_status == TESS_OK;
    }
    *status = job->burst_status;
    *message = job->burst_message;
    pthread_mutex_unlock(&job->lock);
    return &job->burst;
}

int tess_estimate_memory(const tess_job *job, const char *calibration_path,
                         tess_memory_fidelity memory_fidelity, tess_evaluation **out, char **error)
{
    *out = NULL;
    if (error) *error = NULL;
    if (!job) {
        set_error(error, "tess_estimate: no job (NULL: not opened, or closed)");
        return TESS_EINVAL;
    }
    if (memory_fidelity != TESS_MEMORY_RATE && memory_fidelity != TESS_MEMORY_BURST &&
        memory_fidelity != TESS_MEMORY_CYCLE) {
        set_error(error, "tess_estimate_memory: memory_fidelity is not a tess_memory_fidelity");
        return TESS_EINVAL;
    }
    tess_calibration cal;
    tess_calibration_default(&cal);
    if (calibration_path) {
        tess_diag diag;
        tess_diag_init(&diag);
        const int rc = tess_calibration_read(calibration_path, &cal, &diag);
        if (rc != TESS_OK) {
            if (error)
                *error = take_messages(&diag);
            else
                tess_diag_free(&diag);
            return rc;
        }
        tess_diag_free(&diag);
    }
    int status;
    const char *message;
    /* the job is the caller's; its burst view is a cache filled once under the job's lock */
    const tess_estimate_net *net =
        estimate_view((tess_job *)job, memory_fidelity, &status, &message);
    if (status != TESS_OK) {
        set_error(error, message);
        return status;
    }
    tess_evaluation *ev = calloc(1, sizeof *ev);
    if (!ev) return TESS_ENOMEM;
    char msg[1024] = "";
    const int rc =
        tess_estimate_job(&job->loaded.platform, &job->loaded.workload, &job->loaded.schedule, net,
                          &cal, &ev->result, msg, sizeof msg);
    /* the view taken: the model has no cycle view of its own, cycle's traffic is burst's */
    ev->result.memory_fidelity =
        memory_fidelity == TESS_MEMORY_RATE ? TESS_MEM_RATE : TESS_MEM_BURST;
    if (rc != TESS_OK) {
        set_error(error, msg);
        free(ev);
        return rc;
    }
    return finish_evaluation(job, ev, out);
}

static const char *const metric_names[] = {"iteration_time_s",
                                           "tokens_per_s",
                                           "model_flops",
                                           "hardware_flops",
                                           "mfu",
                                           "hfu",
                                           "energy_j",
                                           "power_w",
                                           "peak_memory_bytes",
                                           "peak_link_utilisation",
                                           "compute_s",
                                           "memory_s",
                                           "network_s",
                                           "pipeline_bubble_s",
                                           "peak_power_w",
                                           "power_limit_violations",
                                           "area_mm2",
                                           "yield",
                                           "cost_usd",
                                           "network_cost_usd",
                                           "network_power_w"};

const char *tess_metric_name(size_t i)
{
    return i < sizeof metric_names / sizeof metric_names[0] ? metric_names[i] : NULL;
}

int tess_metric(const tess_evaluation *ev, const char *name, double *value)
{
    if (!ev || !name || !value) return TESS_EINVAL;
    const tess_iteration_result *r = &ev->result.it;
    const double T = r->iteration_time_s;
    double busiest = 0;
    for (uint32_t i = 0; i < r->n_top_links; i++)
        if (r->top_links[i].utilisation > busiest) busiest = r->top_links[i].utilisation;
    const double values[] = {T,
                             ev->throughput.tokens_per_s,
                             ev->model_flops,
                             ev->hardware_flops,
                             ev->throughput.mfu,
                             ev->throughput.hfu,
                             ev->result.energy_j,
                             ev->result.energy_j / T,
                             ev->peak_memory_bytes,
                             busiest,
                             r->compute_s,
                             r->memory_s,
                             r->network_s,
                             r->bubble_s,
                             ev->result.peak_power_w,
                             ev->result.n_violations,
                             ev->result.cost.area_m2 * 1e6,
                             ev->result.cost.yield,
                             ev->result.cost.cost_usd,
                             ev->result.cost.network_cost_usd,
                             ev->result.cost.network_power_w};
    _Static_assert(sizeof values / sizeof values[0] == sizeof metric_names / sizeof metric_names[0],
                   "one value per metric name");
    for (size_t i = 0; i < sizeof metric_names / sizeof metric_names[0]; i++) {
        if (strcmp(metric_names[i], name) == 0) {
            *value = values[i];
            return TESS_OK;
        }
    }
    return TESS_EINVAL;
}

const char *tess_report_json(const tess_evaluation *ev)
{
    return ev ? ev->report : NULL;
}

void tess_evaluation_free(tess_evaluation *ev)
{
    if (!ev) return;
    tess_eval_result_free(&ev->result);
    free(ev->report);
    free(ev);
}

void tess_free(void *p)
{
    free(p);
}

/* ---- design spaces ------------------------------------------------------------ */

struct tess_design_space {
    tess_space s;
};

int tess_space_open(const char *path, tess_design_space **out, char **error)
{
    *out = NULL;
    if (error) *error = NULL;
    tess_design_space *d = calloc(1, sizeof *d);
    if (!d) return TESS_ENOMEM;
    tess_diag diag;
    tess_diag_init(&diag);
    int rc = tess_space_load(path, &d->s, &diag);
    const size_t n_obj = rc == TESS_OK ? d->s.n_objectives : 0,
                 n_lim = rc == TESS_OK ? d->s.n_limits : 0;
    for (size_t i = 0; i < n_obj + n_lim; i++) {
        const char *metric = i < n_obj ? d->s.objectives[i].metric : d->s.limits[i - n_obj].metric;
        const long line = i < n_obj ? d->s.objectives[i].line : d->s.limits[i - n_obj].line;
        int known = 0;
        for (size_t k = 0; tess_metric_name(k); k++)
            known |= strcmp(tess_metric_name(k), metric) == 0;
        if (known) continue;
        char names[1024] = "";
        for (size_t k = 0; tess_metric_name(k); k++) {
            strncat(names, k ? ", " : "", sizeof names - strlen(names) - 1);
            strncat(names, tess_metric_name(k), sizeof names - strlen(names) - 1);
        }
        tess_diag_add(&diag, path, line,
                      "<%s> attribute 'metric': no report provides '%s' (metrics: %s)",
                      i < n_obj ? "objective" : "limit", metric, names);
        rc = TESS_EINVAL;
    }
    if (rc != TESS_OK) {
        if (error)
            *error = take_messages(&diag);
        else
            tess_diag_free(&diag);
        tess_space_free(&d->s); /* a failed load left nothing to free: harmless */
        free(d);
        return rc;
    }
    tess_diag_free(&diag);
    *out = d;
    return TESS_OK;
}

void tess_space_close(tess_design_space *s)
{
    if (!s) return;
    tess_space_free(&s->s);
    free(s);
}

const char *tess_space_text(const tess_design_space *s, const char *key)
{
    if (strcmp(key, "name") == 0) return s->s.name;
    if (strcmp(key, "platform") == 0) return s->s.platform;
    if (strcmp(key, "workload") == 0) return s->s.workload;
    if (strcmp(key, "calibration") == 0) return s->s.calibration;
    return NULL;
}

size_t tess_space_points(const tess_design_space *s)
{
    return s->s.n_points;
}
size_t tess_space_params(const tess_design_space *s)
{
    return s->s.n_names;
}

const char *tess_space_param(const tess_design_space *s, size_t i)
{
    return i < s->s.n_names ? s->s.names[i] : NULL;
}

const char *tess_space_value(const tess_design_space *s, size_t point, size_t param)
{
    return point < s->s.n_points && param < s->s.n_names ? tess_space_value_of(&s->s, point, param)
                                                         : NULL;
}

int tess_space_keeps(const tess_design_space *s, size_t point, char **error)
{
    if (error) *error = NULL;
    if (point >= s->s.n_points) return TESS_EINVAL;
    tess_diag diag;
    tess_diag_init(&diag);
    const int kept = tess_space_kept(&s->s, point, &diag);
    if (kept < 0 && error)
        *error = take_messages(&diag);
    else
        tess_diag_free(&diag);
    return kept < 0 ? TESS_EINVAL : kept;
}

size_t tess_space_choices(const tess_design_space *s, size_t param)
{
    return param < s->s.n_names ? s->s.choices[param].n : 0;
}

const char *tess_space_choice(const tess_design_space *s, size_t param, size_t i)
{
    return param < s->s.n_names && i < s->s.choices[param].n ? s->s.choices[param].values[i] : NULL;
}

size_t tess_space_find_point(const tess_design_space *s, const char *const *values)
{
    return tess_space_find(&s->s, values);
}

size_t tess_space_objectives(const tess_design_space *s)
{
    return s->s.n_objectives;
}

const char *tess_space_objective(const tess_design_space *s, size_t i, int *maximize)
{
    if (i >= s->s.n_objectives) return NULL;
    if (maximize) *maximize = s->s.objectives[i].maximize;
    return s->s.objectives[i].metric;
}

size_t tess_space_limits(const tess_design_space *s)
{
    return s->s.n_limits;
}

const char *tess_space_limit(const tess_design_space *s, size_t i, double *min, double *max)
{
    if (i >= s->s.n_limits) return NULL;
    if (min) *min = s->s.limits[i].min;
    if (max) *max = s->s.limits[i].max;
    return s->s.limits[i].metric;
}

unsigned tess_space_budget(const tess_design_space *s)
{
    return s->s.budget;
}
double tess_space_time_limit(const tess_design_space *s)
{
    return s->s.time_limit_s;
}
tess_memory_fidelity tess_space_memory_fidelity(const tess_design_space *s)
{
    return tess_mem_fidelity_api((tess_mem_fidelity)s->s.memory_fidelity);
}
