/* tessera mem PLATFORM [options]: synthetic traffic on one memory of a platform. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli_args.h"
#include "cli/commands.h"
#include "runner.h"
#include "tessera/tessera.h"
#include "tessera_hw.h"

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
           r->row_hit_rate,
           (unsigned long long)r->requests, (unsigned long long)r->reads,
           (unsigned long long)r->writes, (unsigned long long)r->bursts_conflict,
           (unsigned long long)r->acts, (unsigned long long)r->pres,
           (unsigned long long)r->refreshes, (unsigned long long)r->refreshes_pb,
           (unsigned long long)r->refresh_stalls, r->refresh_busy_fraction, r->energy_j,
           r->energy_per_bit_j, r->simulated_seconds);
    printf("  \"wall_seconds\": %.6g,\n  \"requests_per_second\": %.6g,\n  \"peak_rss_kb\": %ld\n}\n",
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
    int json = 0, rc = TESS_EXIT_OK;
    const char *instance = NULL;
    for (int i = 1; i < argc && rc == TESS_EXIT_OK; i++) {
        const char *arg = argv[i];
        char *val = i + 1 < argc ? argv[i + 1] : NULL;
        int used = 1, k;
        uint64_t n;
        if (strcmp(arg, "--help") == 0) {
            printf("%s", usage);
            tess_cli_args_free(&a);
            return TESS_EXIT_OK;
        } else if (strcmp(arg, "--json") == 0) {
            json = 1;
            used = 0;
        } else if (strcmp(arg, "--pattern") == 0) {
            if ((k = tess_cli_choice(arg, val, pattern_names)) < 0) rc = TESS_EXIT_USAGE;
            o.pattern = (tess_mem_pattern)k;
        } else if (strcmp(arg, "--refresh") == 0) {
            if ((k = tess_cli_choice(arg, val, refresh_names)) < 0) rc = TESS_EXIT_USAGE;
            o.refresh = k;
        } else if (strcmp(arg, "--scheduler") == 0) {
            if ((k = tess_cli_choice(arg, val, scheduler_names)) < 0) rc = TESS_EXIT_USAGE;
            o.scheduler = k;
        } else if (strcmp(arg, "--read-ratio") == 0) {
            if (tess_cli_double(arg, val, 0, 1, 0, &o.read_ratio) != 0) rc = TESS_EXIT_USAGE;
        } else if (strcmp(arg, "--request-bytes") == 0) {
            if (tess_cli_u64(arg, val, 1, 1u << 20, &n) != 0) rc = TESS_EXIT_USAGE;
            o.request_bytes = (uint32_t)n;
        } else if (strcmp(arg, "--outstanding") == 0) {
            if (tess_cli_u64(arg, val, 1, 1u << 20, &n) != 0) rc = TESS_EXIT_USAGE;
            o.outstanding = (uint32_t)n;
        } else if (strcmp(arg, "--requests") == 0) {
            if (tess_cli_u64(arg, val, 1, 1000000000000ull, &o.requests) != 0) rc = TESS_EXIT_USAGE;
        } else if (strcmp(arg, "--stride") == 0) {
            if (tess_cli_u64(arg, val, 1, UINT64_MAX, &o.stride_bytes) != 0) rc = TESS_EXIT_USAGE;
        } else if (strcmp(arg, "--seed") == 0) {
            if (tess_cli_u64(arg, val, 0, UINT64_MAX, &o.seed) != 0) rc = TESS_EXIT_USAGE;
        } else if (strcmp(arg, "--instance") == 0) {
            instance = val;
            if (!val) rc = TESS_EXIT_USAGE;
        } else if (tess_cli_args_take(&a, arg, val, &used) != 0) {
            rc = TESS_EXIT_USAGE;
        }
        i += used;
    }
    if (rc == TESS_EXIT_OK && !a.path) {
        fprintf(stderr, "tessera mem: no platform given\n%s", usage);
        rc = TESS_EXIT_USAGE;
    }
    tess_platform p;
    if (rc == TESS_EXIT_OK) rc = tess_cli_load_platform("mem", &a, &p);
    if (rc != TESS_EXIT_OK) {
        tess_cli_args_free(&a);
        return rc;
    }
    uint32_t inst = TESS_NONE;
    for (size_t i = 0; i < p.n_instances && inst == TESS_NONE; i++) {
        const tess_instance *x = &p.instances[i];
        if (x->kind == TESS_KIND_MEMORY && !x->dead && (!instance || strcmp(x->path, instance) == 0))
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
        rc = st == TESS_EINVAL ? TESS_EXIT_INVALID : TESS_EXIT_FAILED;
    }
    tess_run_result_free(&r);
    tess_platform_free(&p);
    tess_cli_args_free(&a);
    return rc;
}
