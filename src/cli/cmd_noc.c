/* tessera noc PLATFORM [options]: synthetic traffic on a platform's network-on-package.
 * Each simulation runs in a child process (src/driver/runner.h): a sweep elaborates one
 * SystemC kernel per point. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli_args.h"
#include "cli/commands.h"
#include "config/loader.h"
#include "driver/runner.h"
#include "tessera/tessera.h"
#include "api/tessera_hw.h"

static const char usage[] =
    "usage: tessera noc PLATFORM [--traffic uniform|transpose|bitcomp|hotspot|neighbor|\n"
    "                                      bitrev|shuffle|tornado]\n"
    "                   [--hotspot NODE[:FRACTION],...] [--hotspot-fraction F]\n"
    "                   [--rate R] [--packet-flits N[:WEIGHT],...] [--fidelity flit|packet|flow]\n"
    "                   [--warmup C] [--measure C] [--drain C] [--seed S]\n"
    "                   [--request-response] [--sweep] [--json] [--timeout SECONDS]\n"
    "                   [--set name=value]...\n"
    "  R in flits per die per cycle, (0, 1]; C in cycles of the network clock.\n"
    "  Hotspot NODEs are grid positions row * cols + col; each gets its FRACTION of all\n"
    "  packets (without fractions, F split evenly; default: the centre die, F 0.2), the\n"
    "  rest go uniformly. --packet-flits 1:3,8:1 draws sizes 1 and 8 flits, 3 to 1.\n";

typedef struct noc_job {
    const tess_platform *platform;
    tess_noc_options options;
} noc_job;

static void run_point(void *arg, tess_job_output *out)
{
    noc_job *job = arg;
    tess_noc_result *res = malloc(sizeof *res);
    if (!res) {
        out->status = TESS_ENOMEM;
        return;
    }
    out->status =
        tess_hw_noc_run(job->platform, &job->options, res, out->message, sizeof out->message);
    out->blob = res;
    out->blob_len = sizeof *res;
}

static const char *const traffic_names[] = {
    "uniform", "transpose", "bitcomp", "hotspot", "neighbor", "bitrev", "shuffle", "tornado", NULL};

/* Parses "A[:W],B[:W],..." (whole numbers A in [1 or 0, amax], weights W >= 0) into
 * values and weights (0 where none is given); returns the count, or -1 with the reason
 * on stderr. */
static int parse_weighted_list(const char *option, const char *text, uint32_t amin, uint32_t amax,
                               uint32_t *values, double *weights, int cap)
{
    int n = 0;
    const char *q = text;
    while (*q) {
        char *end;
        if (n == cap) {
            fprintf(stderr, "tessera noc: %s: more than %d entries\n", option, cap);
            return -1;
        }
        unsigned long long v = (*q >= '0' && *q <= '9') ? strtoull(q, &end, 10) : 0;
        if (q[0] < '0' || q[0] > '9' || v < amin || v > amax) {
            fprintf(stderr, "tessera noc: %s '%s': entry %d is not a whole number in [%u, %u]\n",
                    option, text, n + 1, amin, amax);
            return -1;
        }
        values[n] = (uint32_t)v;
        weights[n] = 0;
        q = end;
        if (*q == ':') {
            double w = strtod(q + 1, &end);
            if (end == q + 1 || !(w >= 0) || !isfinite(w)) {
                fprintf(stderr, "tessera noc: %s '%s': entry %d has no weight >= 0 after ':'\n",
                        option, text, n + 1);
                return -1;
            }
            weights[n] = w;
            q = end;
        }
        n++;
        if (*q == ',' && q[1] != '\0')
            q++;
        else if (*q != '\0') {
            fprintf(stderr, "tessera noc: %s '%s': expected ',' after entry %d\n", option, text, n);
            return -1;
        }
    }
    if (n == 0) fprintf(stderr, "tessera noc: %s: an empty list\n", option);
    return n ? n : -1;
}

/* Runs one point in a child; returns the status, fills *res on success. */
static int simulate(const tess_platform *p, const tess_noc_options *o, double timeout,
                    tess_noc_result *res, char *msg, size_t msglen)
{
    noc_job job = {p, *o};
    tess_run_result r;
    int rc = tess_run_isolated(run_point, &job, timeout, &r);
    if (rc == TESS_OK && r.blob_len == sizeof *res)
        memcpy(res, r.blob, sizeof *res);
    else if (rc == TESS_OK)
        rc = TESS_ECHILD;
    snprintf(msg, msglen, "%s", r.message);
    tess_run_result_free(&r);
    return rc;
}

/* A point is stable when accepted is within 5% of offered and the mean latency is
 * below 3x the zero-load latency (the definition of saturation in results/noc.md). */
static int stable(const tess_noc_result *r)
{
    return !r->deadlocked && r->drained && r->packets_measured > 0 &&
           r->accepted_flits_per_node_cycle >= 0.95 * r->offered_flits_per_node_cycle &&
           r->mean_latency_cycles < 3.0 * r->zero_load_latency_cycles;
}

static void print_point_json(FILE *out, const tess_noc_result *r, const char *indent)
{
    fprintf(out,
            "%s\"offered_flits_per_node_cycle\": %.6g,\n"
            "%s\"accepted_flits_per_node_cycle\": %.6g,\n"
            "%s\"mean_latency_cycles\": %.6g,\n"
            "%s\"p99_latency_cycles\": %.6g,\n"
            "%s\"max_latency_cycles\": %.6g,\n"
            "%s\"zero_load_latency_cycles\": %.6g,\n"
            "%s\"packets_measured\": %llu,\n"
            "%s\"packets_delivered\": %llu,\n"
            "%s\"flit_hops\": %llu,\n"
            "%s\"simulated_cycles\": %llu,\n"
            "%s\"energy_j\": %.6g,\n"
            "%s\"mean_link_utilisation\": %.6g,\n"
            "%s\"max_link_utilisation\": %.6g,\n"
            "%s\"stable\": %s,\n"
            "%s\"drained\": %s,\n"
            "%s\"deadlocked\": %s,\n"
            "%s\"wall_seconds\": %.6g,\n"
            "%s\"cycles_per_second\": %.6g,\n"
            "%s\"flit_hops_per_second\": %.6g,\n"
            "%s\"peak_rss_kb\": %ld",
            indent, r->offered_flits_per_node_cycle, indent, r->accepted_flits_per_node_cycle,
            indent, r->mean_latency_cycles, indent, r->p99_latency_cycles, indent,
            r->max_latency_cycles, indent, r->zero_load_latency_cycles, indent,
            (unsigned long long)r->packets_measured, indent,
            (unsigned long long)r->packets_delivered, indent, (unsigned long long)r->flit_hops,
            indent, (unsigned long long)r->simulated_cycles, indent, r->energy_j, indent,
            r->mean_link_utilisation, indent, r->max_link_utilisation, indent,
            stable(r) ? "true" : "false", indent, r->drained ? "true" : "false", indent,
            r->deadlocked ? "true" : "false", indent, r->wall_seconds, indent, r->cycles_per_second,
            indent, r->flit_hops_per_second, indent, r->peak_rss_kb);
}

static void print_links_json(FILE *out, const tess_noc_result *r)
{
    fprintf(out, "  \"busiest_links\": [");
    for (uint32_t i = 0; i < r->n_top_links; i++)
        fprintf(out, "%s\n    {\"link\": \"%s\", \"utilisation\": %.6g}", i ? "," : "",
                r->top_links[i].name, r->top_links[i].utilisation);
    fprintf(out, "%s]", r->n_top_links ? "\n  " : "");
}

static void print_summary(const tess_noc_result *r, const tess_noc_options *o)
{
    printf("network: %u dies, %u routers, %u channels at %.6g GHz; %s fidelity, %s traffic, "
           "%.4g-flit packets%s\n",
           r->endpoints, r->routers, r->channels, r->clock_hz / 1e9,
           tess_noc_fidelity_names[o->fidelity], traffic_names[o->traffic],
           tess_noc_mean_packet_flits(o), o->n_packet_sizes ? " (mean)" : "");
    printf("offered %.4g, accepted %.4g flits/die/cycle%s\n", r->offered_flits_per_node_cycle,
           r->accepted_flits_per_node_cycle, stable(r) ? "" : "  (not stable: saturated)");
    printf(
        "latency: mean %.2f, p99 %.0f, max %.0f cycles (zero-load %.2f); %llu packets measured\n",
        r->mean_latency_cycles, r->p99_latency_cycles, r->max_latency_cycles,
        r->zero_load_latency_cycles, (unsigned long long)r->packets_measured);
    printf("links: mean utilisation %.3f, busiest:", r->mean_link_utilisation);
    for (uint32_t i = 0; i < r->n_top_links && i < 3; i++)
        printf(" %s %.3f%s", r->top_links[i].name, r->top_links[i].utilisation,
               i + 1 < r->n_top_links && i < 2 ? "," : "");
    printf("\nenergy: %.4g J over %llu cycles (%llu flit-hops)\n", r->energy_j,
           (unsigned long long)r->simulated_cycles, (unsigned long long)r->flit_hops);
    printf("run: %.3f s wall, %.4g cycles/s, %.4g flit-hops/s, peak RSS %ld KiB\n", r->wall_seconds,
           r->cycles_per_second, r->flit_hops_per_second, r->peak_rss_kb);
}

/* A first guess at saturation from bisection bandwidth, to size the sweep's steps:
 * uniform traffic on a k-ary mesh saturates below 4/k, on a torus below 8/k. */
static double bound_guess(const tess_platform *p)
{
    double bound = 1.0;
    for (size_t g = 0; g < p->n_grids; g++) {
        double k = p->grids[g].rows > p->grids[g].cols ? p->grids[g].rows : p->grids[g].cols;
        if (p->grids[g].topology == TESS_TOPO_MESH && 4.0 / k < bound) bound = 4.0 / k;
        if (p->grids[g].topology == TESS_TOPO_TORUS && 8.0 / k < bound) bound = 8.0 / k;
    }
    return bound;
}

/* One sweep point: simulate, and report progress on stderr unless printing JSON. Returns an
 * exit status. */
static int sweep_point(const tess_platform *p, const tess_noc_options *o, double timeout, int json,
                       tess_noc_result *res)
{
    char msg[1024];
    const int st = simulate(p, o, timeout, res, msg, sizeof msg);
    if (st != TESS_OK) {
        fprintf(stderr, "tessera noc: rate %g: %s\n", o->rate, msg);
        return tess_cli_exit_of(st);
    }
    if (!json)
        fprintf(stderr, "  rate %.4f: accepted %.4f, mean latency %.2f%s\n", o->rate,
                res->accepted_flits_per_node_cycle, res->mean_latency_cycles,
                stable(res) ? "" : " (unstable)");
    return 0;
}

int tess_cmd_noc(int argc, char **argv)
{
    tess_cli_args a;
    if (tess_cli_args_init(&a, argc) != 0) return TESS_EXIT_FAILED;
    tess_noc_options o;
    tess_noc_options_default(&o);
    int sweep = 0, json = 0, traffic = o.traffic, fidelity = o.fidelity;
    const char *hotspots = NULL, *sizes = NULL;
    double timeout = 600;
    const tess_cli_option opts[] = {
        {"--sweep", TESS_OPT_FLAG, &sweep, 1, NULL, 0, 0, 0},
        {"--json", TESS_OPT_FLAG, &json, 1, NULL, 0, 0, 0},
        {"--request-response", TESS_OPT_FLAG, &o.request_response, 1, NULL, 0, 0, 0},
        {"--traffic", TESS_OPT_CHOICE, &traffic, 0, traffic_names, 0, 0, 0},
        {"--fidelity", TESS_OPT_CHOICE, &fidelity, 0, tess_noc_fidelity_names, 0, 0, 0},
        {"--rate", TESS_OPT_NUMBER, &o.rate, 0, NULL, 0, 1, 1},
        {"--timeout", TESS_OPT_NUMBER, &timeout, 0, NULL, 0, 1e9, 1},
        {"--packet-flits", TESS_OPT_TEXT, &sizes, 0, NULL, 0, 0, 0},
        {"--hotspot", TESS_OPT_TEXT, &hotspots, 0, NULL, 0, 0, 0},
        {"--hotspot-fraction", TESS_OPT_NUMBER, &o.hotspot_fraction, 0, NULL, 0, 1, 0},
        {"--warmup", TESS_OPT_COUNT, &o.warmup_cycles, 0, NULL, 0, 1e9, 0},
        {"--measure", TESS_OPT_COUNT, &o.measure_cycles, 0, NULL, 1, 1e9, 0},
        {"--drain", TESS_OPT_COUNT, &o.drain_cycles, 0, NULL, 0, 1e9, 0},
        {"--seed", TESS_OPT_COUNT, &o.seed, 0, NULL, 0, (double)UINT64_MAX, 0},
        {NULL, TESS_OPT_FLAG, NULL, 0, NULL, 0, 0, 0}};
    int rc = tess_cli_parse(&a, argc, argv, opts, usage, 1);
    if (rc != TESS_EXIT_OK) {
        tess_cli_args_free(&a);
        return rc == TESS_CLI_HELP ? TESS_EXIT_OK : rc;
    }
    o.traffic = (tess_traffic)traffic;
    o.fidelity = (tess_noc_fidelity)fidelity;
    if (sizes) {
        int n = parse_weighted_list("--packet-flits", sizes, 1, 1u << 20, o.packet_sizes,
                                    o.packet_size_weights, TESS_NOC_MAX_PACKET_SIZES);
        if (n < 0) rc = TESS_EXIT_USAGE;
        if (n == 1 && o.packet_size_weights[0] == 0) /* one size: no distribution */
            o.packet_flits = o.packet_sizes[0];
        else if (n > 0)
            o.n_packet_sizes = (uint32_t)n; /* sizes without weights: equally likely */
    }
    if (hotspots && rc == TESS_EXIT_OK) {
        int n = parse_weighted_list("--hotspot", hotspots, 0, UINT32_MAX - 1, o.hotspot_nodes,
                                    o.hotspot_fractions, TESS_NOC_MAX_HOTSPOTS);
        if (n < 0) rc = TESS_EXIT_USAGE;
        o.n_hotspots = n > 0 ? (uint32_t)n : 0;
        if (n > 0 && traffic != TESS_TRAFFIC_HOTSPOT) {
            fprintf(stderr, "tessera noc: --hotspot needs --traffic hotspot\n");
            rc = TESS_EXIT_USAGE;
        }
    }
    if (rc != TESS_EXIT_OK) {
        tess_cli_args_free(&a);
        return rc;
    }
    tess_platform p;
    rc = tess_cli_load_platform("noc", &a, &p);
    if (rc != TESS_EXIT_OK) {
        tess_cli_args_free(&a);
        return rc;
    }

    char msg[1024];
    tess_noc_result res;
    if (!sweep) {
        int st = simulate(&p, &o, timeout, &res, msg, sizeof msg);
        if (st != TESS_OK) {
            fprintf(stderr, "tessera noc: %s: %s\n", a.path, msg);
            rc = tess_cli_exit_of(st);
        } else if (json) {
            printf("{\n  \"platform\": \"%s\",\n  \"fidelity\": \"%s\",\n  \"traffic\": \"%s\",\n"
                   "  \"packet_flits\": %.6g,\n",
                   p.name, tess_noc_fidelity_names[o.fidelity], traffic_names[o.traffic],
                   tess_noc_mean_packet_flits(&o));
            print_point_json(stdout, &res, "  ");
            printf(",\n");
            print_links_json(stdout, &res);
            printf(",\n  \"deadlock\": \"%s\"\n}\n", res.message);
        } else {
            print_summary(&res, &o);
            if (res.deadlocked) printf("%s\n", res.message);
        }
        if (rc == TESS_EXIT_OK && res.deadlocked) rc = TESS_EXIT_FAILED;
        tess_platform_free(&p);
        tess_cli_args_free(&a);
        return rc;
    }

    /* Sweep: raise the rate in steps of a twentieth of the bisection bound until a
     * point is not stable, then bisect four times between the last stable rate and
     * the first unstable one. */
    enum { MAX_POINTS = 64 };
    tess_noc_result *pts = calloc(MAX_POINTS, sizeof *pts);
    size_t n = 0;
    double step = bound_guess(&p) / 20.0, lo = 0, hi = 0;
    int found_hi = 0;
    for (double r = step; r <= 1.0 + 1e-12 && n < MAX_POINTS; r += step) {
        o.rate = fmin(r, 1.0);
        if ((rc = sweep_point(&p, &o, timeout, json, &pts[n])) != TESS_EXIT_OK) break;
        if (!stable(&pts[n++])) {
            hi = o.rate;
            found_hi = 1;
            break;
        }
        lo = o.rate;
    }
    for (int b = 0; rc == TESS_EXIT_OK && found_hi && b < 4 && n < MAX_POINTS; b++) {
        o.rate = (lo + hi) / 2;
        if ((rc = sweep_point(&p, &o, timeout, json, &pts[n])) != TESS_EXIT_OK) break;
        if (stable(&pts[n++]))
            lo = o.rate;
        else
            hi = o.rate;
    }
    if (rc == TESS_EXIT_OK) {
        /* points in rate order */
        for (size_t i = 1; i < n; i++)
            for (size_t j = i; j > 0 && pts[j].offered_flits_per_node_cycle <
                                            pts[j - 1].offered_flits_per_node_cycle;
                 j--) {
                tess_noc_result t = pts[j];
                pts[j] = pts[j - 1];
                pts[j - 1] = t;
            }
        if (json) {
            printf("{\n  \"platform\": \"%s\",\n  \"fidelity\": \"%s\",\n  \"traffic\": \"%s\",\n"
                   "  \"packet_flits\": %.6g,\n  \"saturation_flits_per_node_cycle\": %.6g,\n"
                   "  \"points\": [",
                   p.name, tess_noc_fidelity_names[o.fidelity], traffic_names[o.traffic],
                   tess_noc_mean_packet_flits(&o), lo);
            for (size_t i = 0; i < n; i++) {
                printf("%s\n    {\n", i ? "," : "");
                print_point_json(stdout, &pts[i], "      ");
                printf("\n    }");
            }
            printf("\n  ]\n}\n");
        } else {
            printf("%-10s %-10s %-12s %-10s %s\n", "offered", "accepted", "mean_lat", "p99_lat",
                   "stable");
            for (size_t i = 0; i < n; i++)
                printf("%-10.4f %-10.4f %-12.2f %-10.0f %s\n", pts[i].offered_flits_per_node_cycle,
                       pts[i].accepted_flits_per_node_cycle, pts[i].mean_latency_cycles,
                       pts[i].p99_latency_cycles, stable(&pts[i]) ? "yes" : "no");
            printf("saturation: %.4f flits/die/cycle%s\n", lo,
                   found_hi ? "" : " (every rate up to 1 was stable)");
        }
    }
    free(pts);
    tess_platform_free(&p);
    tess_cli_args_free(&a);
    return rc;
}
