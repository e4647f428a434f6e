/* tessera mem PLATFORM [options]: synthetic traffic on one memory of a platform. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli_args.h"
#include "cli/commands.h"
#include "driver/runner.h"
#include "tessera/tessera.h"
#include "api/tessera_hw.h"

static const char usage[] =
    "usage: tessera mem PLATFORM [--pattern stream|random|strided] [--read-ratio R]\n"
    "                   [--request-bytes B] [--outstanding N] [--requests N]\n"
    "                   [--refresh all-bank|per-bank|off] [--scheduler fr-fcfs|fcfs]\n"
    "                   [--stride B] [--seed S] [--instance PATH] [--json] [--set name=value]...\n";

static const char *const pattern_names[] = {"stream", "random", "strided", NULL};
static const char *const refresh_names[] = {"all-bank", "per-bank", "off", NULL};
static const char *const scheduler_names[] = {"fr-fcfs", "fcfs", NULL};

typedef struct mem_job {
    const tess_platform *platform;
    uint32_t instance;
    tess_mem_options options;
} mem_job;

static void run_mem(void *arg, tess_job_output *out)
{
    mem_job *job = arg;
    tess_mem_result *res = malloc(sizeof *res);
    if (!res) {
        out->status = TESS_ENOMEM;
        return;
    }
    out->status = tess_hw_mem_run(job->platform, job->instance, &job->options, res, out->message,
                                  sizeof out->message);
    out->blob = res;
    out->blob_len = sizeof *res;
}

static void print_json(const tess_platform *p, uint32_t inst, const tess_mem_options *o,
                       const tess_mem_result *r)
{
    printf("{\n  \"platform\": \"%s\",\n  \"memory\": \"%s\",\n  \"pattern\": \"%s\",\n"
           "  \"read_ratio\": %.6g,\n  \"request_bytes\": %u,\n  \"outstanding\": %u,\n",
           p->name, p->instances[inst].path, pattern_names[o->pattern], o->read_ratio,
           o->request_bytes, o->outstanding);
    printf("  \"bandwidth_bytes_per_s\": %.6g,\n  \"peak_bandwidth_bytes_per_s\": %.6g,\n"
           "  \"mean_latency_ns\": %.6g,\n  \"p99_latency_ns\": %.6g,\n"
           "  \"min_latency_ns\": %.6g,\n  \"max_latency_ns\": %.6g,\n"
           "  \"mean_accepted_latency_ns\": %.6g,\n"
           "  \"row_hit_rate\": %.6g,\n  \"requests\": %llu,\n  \"reads\": %llu,\n"
           "  \"writes\": %llu,\n  \"bank_conflicts\": %llu,\n  \"activates\": %llu,\n"
           "  \"precharges\": %llu,\n  \"refreshes\": %llu,\n  \"refreshes_per_bank\": %llu,\n"
           "  \"refresh_stalls\": %llu,\n  \"refresh_busy_fraction\": %.6g,\n"
           "  \"energy_j\": %.6g,\n  \"energy_per_bit_j\": %.6g,\n"
           "  \"simulated_seconds\": %.6g,\n",
           r->bandwidth_bytes_per_s, r->peak_bandwidth_bytes_per_s, r->mean_latency_ns,
           r->p99_latency_ns, r->min_latency_ns, r->max_latency_ns, r->mean_accepted_latency_ns,
           r->row_hit_rate, (unsigned long long)r->requests, (unsigned long long)r->reads,
           (unsigned long long)r->writes, (unsigned long long)r->bursts_conflict,
           (unsigned long long)r->acts, (unsigned long long)r->pres,
           (unsigned long long)r->refreshes, (unsigned long long)r->refreshes_pb,
           (unsigned long long)r->refresh_stalls, r->refresh_busy_fraction, r->energy_j,
           r->energy_per_bit_j, r->simulated_seconds);
    printf(
        "  \"wall_seconds\": %.6g,\n  \"requests_per_second\": %.6g,\n  \"peak_rss_kb\": %ld\n}\n",
        r->wall_seconds, r->requests_per_second, r->peak_rss_kb);
}

static void print_summary(const tess_platform *p, uint32_t inst, const tess_mem_options *o,
                          const tess_mem_result *r)
{
    printf("memory %s: %u channels at %.4g GHz, %llu B bursts, %llu B rows; %s, %.3g reads, "
           "%u B requests, %u outstanding\n",
           p->instances[inst].path, r->channels, r->clock_hz / 1e9,
           (unsigned long long)r->burst_bytes, (unsigned long long)r->row_bytes,
           pattern_names[o->pattern], o->read_ratio, o->request_bytes, o->outstanding);
    printf("bandwidth: %.4g GB/s of %.4g GB/s peak (%.1f%%)\n", r->bandwidth_bytes_per_s / 1e9,
           r->peak_bandwidth_bytes_per_s / 1e9,
           100.0 * r->bandwidth_bytes_per_s / r->peak_bandwidth_bytes_per_s);
    printf("latency: mean %.2f ns, p99 %.2f ns (min %.2f, max %.2f); from acceptance %.2f ns\n",
           r->mean_latency_ns, r->p99_latency_ns, r->min_latency_ns, r->max_latency_ns,
           r->mean_accepted_latency_ns);
    printf("row buffer: %.1f%% hits; %llu bank conflicts; %llu ACT, %llu PRE\n",
           100.0 * r->row_hit_rate, (unsigned long long)r->bursts_conflict,
           (unsigned long long)r->acts, (unsigned long long)r->pres);
    printf("refresh: %llu all-bank, %llu per-bank, %llu stalled bursts, %.2f%% of bank time\n",
           (unsigned long long)r->refreshes, (unsigned long long)r->refreshes_pb,
           (unsigned long long)r->refresh_stalls, 100.0 * r->refresh_busy_fraction);
    printf("energy: %.4g J, %.3g pJ/bit over %.4g us simulated\n", r->energy_j,
           r->energy_per_bit_j * 1e12, r->simulated_seconds * 1e6);
    printf("run: %.3f s wall, %.4g requests/s, peak RSS %ld KiB\n", r->wall_seconds,
           r->requests_per_second, r->peak_rss_kb);
}

int tess_cmd_mem(int argc, char **argv)
{
    tess_cli_args a;
    if (tess_cli_args_init(&a, argc) != 0) return TESS_EXIT_FAILED;
    tess_mem_options o;
    tess_mem_options_default(&o);
    int json = 0, pattern = o.pattern;
    const char *instance = NULL;
    const tess_cli_option opts[] = {
        {"--json", TESS_OPT_FLAG, &json, 1, NULL, 0, 0, 0},
        {"--pattern", TESS_OPT_CHOICE, &pattern, 0, pattern_names, 0, 0, 0},
        {"--refresh", TESS_OPT_CHOICE, &o.refresh, 0, refresh_names, 0, 0, 0},
        {"--scheduler", TESS_OPT_CHOICE, &o.scheduler, 0, scheduler_names, 0, 0, 0},
        {"--read-ratio", TESS_OPT_NUMBER, &o.read_ratio, 0, NULL, 0, 1, 0},
        {"--request-bytes", TESS_OPT_COUNT32, &o.request_bytes, 0, NULL, 1, 1u << 20, 0},
        {"--outstanding", TESS_OPT_COUNT32, &o.outstanding, 0, NULL, 1, 1u << 20, 0},
        {"--requests", TESS_OPT_COUNT, &o.requests, 0, NULL, 1, TESS_MEM_MAX_REQUESTS, 0},
        {"--stride", TESS_OPT_COUNT, &o.stride_bytes, 0, NULL, 1, (double)UINT64_MAX, 0},
        {"--seed", TESS_OPT_COUNT, &o.seed, 0, NULL, 0, (double)UINT64_MAX, 0},
        {"--instance", TESS_OPT_TEXT, &instance, 0, NULL, 0, 0, 0},
        {NULL, TESS_OPT_FLAG, NULL, 0, NULL, 0, 0, 0}};
    int rc = tess_cli_parse(&a, argc, argv, opts, usage, 1);
    if (rc != TESS_EXIT_OK) {
        tess_cli_args_free(&a);
        return rc == TESS_CLI_HELP ? TESS_EXIT_OK : rc;
    }
    o.pattern = (tess_mem_pattern)pattern;

    tess_platform p;
    if (rc == TESS_EXIT_OK) rc = tess_cli_load_platform("mem", &a, &p);
    if (rc != TESS_EXIT_OK) {
        tess_cli_args_free(&a);
        return rc;
    }
    uint32_t inst = TESS_NONE;
    for (size_t i = 0; i < p.n_instances && inst == TESS_NONE; i++) {
        const tess_instance *x = &p.instances[i];
        if (x->kind == TESS_KIND_MEMORY && !x->dead &&
            (!instance || strcmp(x->path, instance) == 0))
            inst = (uint32_t)i;
    }
    if (inst == TESS_NONE) {
        fprintf(stderr, "tessera mem: %s has no live memory%s%s\n", a.path,
                instance ? " named " : "", instance ? instance : "");
        tess_platform_free(&p);
        tess_cli_args_free(&a);
        return TESS_EXIT_INVALID;
    }
    mem_job job = {&p, inst, o};
    tess_run_result r;
    int st = tess_run_isolated(run_mem, &job, 3600, &r);
    if (st == TESS_OK && r.blob_len == sizeof(tess_mem_result)) {
        const tess_mem_result *res = r.blob;
        if (json)
            print_json(&p, inst, &o, res);
        else
            print_summary(&p, inst, &o, res);
    } else {
        fprintf(stderr, "tessera mem: %s: %s\n", a.path, r.message);
        rc = tess_cli_exit_of(st);
    }
    tess_run_result_free(&r);
    tess_platform_free(&p);
    tess_cli_args_free(&a);
    return rc;
}
