/* tessera run PLATFORM WORKLOAD [--json] [-o DIR] [--set name=value]...: simulate one
 * training iteration and report where its time and energy went (report.json).
 * tessera estimate: the same job and report keys from the analytical model (estimate.h).
 *
 * Before the iteration, each memory type a die uses is measured once with the DRAM
 * model (`tessera mem`'s stream of 64 B reads, enough in flight to fill its queues): the
 * sustained bandwidth found is the rate of that die's DMA engine in the iteration. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli_args.h"
#include "cli/cli_job.h"
#include "model/estimate.h"
#include "driver/evaluate.h"
#include "cli/commands.h"
#include "config/workload.h"
#include "driver/runner.h"
#include "model/schedule.h"
#include "report/heatmap.h"
#include "report/report.h"
#include "tessera/tessera.h"
#include "api/tessera_hw.h"

static const char usage[] =
    "usage: tessera run PLATFORM WORKLOAD [--json] [-o DIR] [--trace] [--fidelity "
    "mixed|packet|flow|flit]\n"
    "                   [--memory-fidelity rate|burst|cycle] [--flow-tolerance T] [--symmetry]\n"
    "                   [--progress | --quiet] [--timeout S]\n"
    "                   [--set name=value]...\n"
    "  writes DIR/report.json, DIR/stats.csv (a row per die, channel, router and memory),\n"
    "  with --trace DIR/trace.json (Chrome trace events, for Perfetto) and, on meshes\n"
    "  and tori, DIR/heatmap.svg (link utilisation; DIR is made before the simulation;\n"
    "  without -o a fresh runs/run-WORKLOAD-TIME); --json prints the report instead; --fidelity "
    "chooses the network model\n"
    "  (mixed, the default: packet inside packages, wafers and nodes, flow on the links\n"
    "  that leave them; packet: cut-through with per-channel reservations everywhere;\n"
    "  flow: max-min fair sharing everywhere, fast for long transfers; flit: cycle by\n"
    "  cycle, slow); --memory-fidelity chooses the memory model (burst, the default:\n"
    "  loads, stores and optimizer traffic travel over the network to the die's nearest\n"
    "  memory and queue at its controller; rate: each die's DMA at its memories' sustained\n"
    "  bandwidth, a shared memory split evenly, fastest; cycle: burst's traffic served burst\n"
    "  by burst by each memory's DRAM model, slow); --flow-tolerance (flow and mixed\n"
    "  fidelity; default 0: exact) ends a flow once no more than that share of its bytes\n"
    "  is left, so that flows ending close together share one re-rating of the others\n"
    "  (faster on all-to-alls; a flow ends early by at most that share of its bytes at its\n"
    "  last rate; report.json \"flow_tolerance\"); --symmetry simulates one data-parallel "
    "replica "
    "of each class\n"
    "  of replicas that route alike and mirrors the others' messages onto the network where\n"
    "  they meet simulated traffic (report.json \"symmetry\"; a mirrored die's figures are\n"
    "  its simulated twin's);\n"
    "  a run past about 2 s shows progress on stderr when it is a terminal (--progress: from\n"
    "  the start, whatever stderr is; --quiet: never); the simulation runs in a child process\n"
    "  killed after --timeout seconds (default 3600; exit status 4, nothing written)\n";

typedef void (*report_writer)(FILE *f, const tess_platform *p, const tess_workload *w,
                              const tess_schedule *s, const tess_eval_result *e);

static void report_file(FILE *f, const tess_platform *p, const tess_workload *w,
                        const tess_schedule *s, const tess_eval_result *e)
{
    tess_write_report(f, p, w, s, e);
}

static void stats_file(FILE *f, const tess_platform *p, const tess_workload *w,
                       const tess_schedule *s, const tess_eval_result *e)
{
    (void)w;
    (void)s;
    tess_write_stats_csv(f, p, e);
}

static void trace_file(FILE *f, const tess_platform *p, const tess_workload *w,
                       const tess_schedule *s, const tess_eval_result *e)
{
    (void)w;
    (void)s;
    tess_write_trace_json(f, p, e);
}

/* Writes DIR/NAME with the writer; 0, or -1 with a message naming the file. */
static int write_output(const char *command, const char *dir, const char *name,
                        report_writer writer, const tess_platform *p, const tess_workload *w,
                        const tess_schedule *s, const tess_eval_result *e)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    if (f) {
        writer(f, p, w, s, e);
        if (fclose(f) == 0) return 0;
    }
    fprintf(stderr, "tessera %s: cannot write %s: %s\n", command, path, strerror(errno));
    return -1;
}

/* report.json (stdout with json), else DIR/report.json, DIR/stats.csv, DIR/trace.json
 * (with trace), DIR/heatmap.svg (where a mesh or torus has link figures) and the summary. */
static int write_outputs(const char *command, const char *dir, int json, int trace,
                         const tess_platform *p, const tess_workload *w, const tess_schedule *s,
                         const tess_eval_result *e)
{
    if (json) {
        tess_write_report(stdout, p, w, s, e);
        return TESS_EXIT_OK;
    }
    if (write_output(command, dir, "report.json", report_file, p, w, s, e) != 0 ||
        write_output(command, dir, "stats.csv", stats_file, p, w, s, e) != 0 ||
        (trace && write_output(command, dir, "trace.json", trace_file, p, w, s, e) != 0))
        return TESS_EXIT_FAILED;
    /* the heat map, where the platform has a mesh or torus to lay it out on */
    char *svg = NULL;
    size_t svg_len = 0;
    int rc = TESS_EXIT_OK;
    FILE *mem = e->n_links ? open_memstream(&svg, &svg_len) : NULL;
    const int drawn = mem ? tess_write_heatmap_svg(mem, p, e) : 0;
    if (mem) fclose(mem);
    if (drawn > 0) {
        char heat[4096];
        snprintf(heat, sizeof heat, "%s/heatmap.svg", dir);
        FILE *f = fopen(heat, "w");
        if (!f || fwrite(svg, 1, svg_len, f) != svg_len) {
            fprintf(stderr, "tessera %s: cannot write %s: %s\n", command, heat, strerror(errno));
            rc = TESS_EXIT_FAILED;
        }
        if (f) fclose(f);
    }
    free(svg);
    const tess_iteration_result *res = &e->it;
    const double T = res->iteration_time_s;
    printf("workload '%s' (%s) on '%s': %u dies, %u micro-batches%s\n", w->name, w->model.name,
           p->name, s->dies, s->microbatches, e->analytic ? " (analytical model)" : "");
    const tess_throughput tp = tess_throughput_of(w, s, e);
    printf("iteration: %.6g s, %.4g tokens/s, MFU %.1f%%, HFU %.1f%%\n", T, tp.tokens_per_s,
           100 * tp.mfu, 100 * tp.hfu);
    printf("time on the slowest die (%s): compute %.4g s, memory %.4g s, network "
           "%.4g s, pipeline bubble %.4g s\n",
           p->instances[s->die_of_rank[res->slowest_rank]].path, res->compute_s, res->memory_s,
           res->network_s, res->bubble_s);
    printf("energy: compute %.4g J, DRAM %.4g J, SRAM %.4g J, network %.4g J, static "
           "%.4g J\n",
           res->energy_compute_j, e->dram_j, res->energy_sram_j, res->energy_network_j,
           res->energy_static_j);
    printf("power: mean %.4g W, peak %.4g W (%s)", e->power_w, e->peak_power_w,
           e->analytic ? "every die busy at once" : "largest 1 ms mean");
    if (e->n_violations) printf("; %u over their TDP (see power_limits)", e->n_violations);
    printf("\n");
    const tess_critical_path *cp = &res->critical_path;
    printf(
        "critical path: compute %.4g s, memory %.4g s, network %.4g s, pipeline transfers %.4g s; "
        "%u handoffs from %s to %s\n",
        cp->compute_s, cp->memory_s, cp->network_s, cp->transfer_s, cp->handoffs,
        p->instances[s->die_of_rank[cp->start_rank]].path,
        p->instances[s->die_of_rank[cp->end_rank]].path);
    if (e->cost.accounted)
        printf("silicon %.4g mm2, yield %.3g, cost %.4g USD (network %.4g USD)\n",
               e->cost.area_m2 * 1e6, e->cost.yield, e->cost.cost_usd, e->cost.network_cost_usd);
    if (e->analytic)
        printf("calibration: %s\n", e->calibration[0] ? e->calibration : "none (every factor 1)");
    printf("peak memory %.4g GB on %s; report: %s/report.json; %.3f s wall\n",
           s->peak_memory_bytes / 1e9, p->instances[s->peak_die].path, dir, res->wall_seconds);
    return rc;
}

int tess_cmd_run(int argc, char **argv)
{
    tess_cli_args a;
    if (tess_cli_args_init(&a, argc) != 0) return TESS_EXIT_FAILED;
    int json = 0, trace = 0, progress = tess_cli_progress_default(), fidelity = TESS_NOC_MIXED,
        symmetry = 0, memory_fidelity = TESS_MEM_BURST;
    double timeout = 3600; /* seconds the simulation child may run */
    double flow_tolerance = 0;
    const char *given_dir = NULL;
    char dir[4096] = "";
    const tess_cli_option opts[] = {
        {"--json", TESS_OPT_FLAG, &json, 1, NULL, 0, 0, 0},
        {"--timeout", TESS_OPT_NUMBER, &timeout, 0, NULL, 0, 1e9, 1},
        {"--trace", TESS_OPT_FLAG, &trace, 1, NULL, 0, 0, 0},
        {"--symmetry", TESS_OPT_FLAG, &symmetry, 1, NULL, 0, 0, 0},
        {"--progress", TESS_OPT_FLAG, &progress, 2, NULL, 0, 0, 0},
        {"--quiet", TESS_OPT_FLAG, &progress, 0, NULL, 0, 0, 0},
        {"-o", TESS_OPT_TEXT, &given_dir, 0, NULL, 0, 0, 0},
        {"--fidelity", TESS_OPT_CHOICE, &fidelity, 0, tess_noc_fidelity_names, 0, 0, 0},
        {"--memory-fidelity", TESS_OPT_CHOICE, &memory_fidelity, 0, tess_mem_fidelity_names, 0, 0,
         0},
        {"--flow-tolerance", TESS_OPT_NUMBER, &flow_tolerance, 0, NULL, 0, 0.5, 0},
        {NULL, TESS_OPT_FLAG, NULL, 0, NULL, 0, 0, 0}};
    int rc = tess_cli_parse(&a, argc, argv, opts, usage, 2);
    if (rc != TESS_EXIT_OK) {
        tess_cli_args_free(&a);
        return rc == TESS_CLI_HELP ? TESS_EXIT_OK : rc;
    }
    tess_workload w;
    tess_platform p;
    tess_schedule s;
    rc = tess_cli_load_job("run", &a, &w, &p, &s);
    if (rc == TESS_EXIT_OK && !json) /* where the outputs go, before the simulation */
        rc = tess_cli_output_dir("run", given_dir, w.name, dir, sizeof dir);
    if (rc == TESS_EXIT_OK) {
        tess_eval_result e;
        char msg[1024] = "";
        tess_eval_job_options o;
        memset(&o, 0, sizeof o);
        o.time_limit_s = timeout;
        o.hw.fidelity = (tess_noc_fidelity)fidelity;
        o.hw.symmetry = symmetry;
        o.hw.progress = progress;
        o.hw.memory_fidelity = (tess_mem_fidelity)memory_fidelity;
        o.hw.flow_tolerance = flow_tolerance;
        o.trace = trace;
        int st = tess_evaluate_job(&p, &w, &s, &o, &e, msg, sizeof msg);
        if (st != TESS_OK) {
            fprintf(stderr, "tessera run: %s\n", msg);
            rc = tess_cli_exit_of(st);
        } else {
            rc = write_outputs("run", dir, json, trace, &p, &w, &s, &e);
        }
        tess_eval_result_free(&e);
    }
    tess_schedule_free(&s);
    tess_platform_free(&p);
    tess_cli_args_free(&a);
    return rc;
}

static const char estimate_usage[] =
    "usage: tessera estimate PLATFORM WORKLOAD [--json] [-o DIR] [--calibration FILE]\n"
    "                        [--memory-fidelity rate|burst|cycle] [--set name=value]...\n"
    "  the analytical model (roofline per op class, alpha-beta collectives, the pipeline's\n"
    "  critical path) instead of a simulation: the report keys of tessera run, with\n"
    "  \"fidelity\": \"analytic\"; DIR/report.json and DIR/stats.csv (DIR defaults to the\n"
    "  current folder), or the report on stdout with --json; --calibration reads the\n"
    "  factors tessera calibrate fitted (without it every factor is 1); --memory-fidelity\n"
    "  burst (the default) follows each die's DMA to its home memory as tessera run's burst\n"
    "  level does (the memory's bandwidth and port split over the dies homed there, the\n"
    "  route's narrowest channel), rate gives each die its memories' peak bandwidth, cycle\n"
    "  takes burst's view (the report says burst)\n";

int tess_cmd_estimate(int argc, char **argv)
{
    tess_cli_args a;
    if (tess_cli_args_init(&a, argc) != 0) return TESS_EXIT_FAILED;
    int json = 0, memory_fidelity = TESS_MEM_BURST;
    const char *given_dir = NULL, *cal_path = NULL;
    char dir[4096] = "";
    const tess_cli_option opts[] = {{"--json", TESS_OPT_FLAG, &json, 1, NULL, 0, 0, 0},
                                    {"-o", TESS_OPT_TEXT, &given_dir, 0, NULL, 0, 0, 0},
                                    {"--calibration", TESS_OPT_TEXT, &cal_path, 0, NULL, 0, 0, 0},
                                    {"--memory-fidelity", TESS_OPT_CHOICE, &memory_fidelity, 0,
                                     tess_mem_fidelity_names, 0, 0, 0},
                                    {NULL, TESS_OPT_FLAG, NULL, 0, NULL, 0, 0, 0}};
    int rc = tess_cli_parse(&a, argc, argv, opts, estimate_usage, 2);
    if (rc != TESS_EXIT_OK) {
        tess_cli_args_free(&a);
        return rc == TESS_CLI_HELP ? TESS_EXIT_OK : rc;
    }
    tess_calibration cal;
    tess_calibration_default(&cal);
    if (cal_path) {
        tess_diag diag;
        tess_diag_init(&diag);
        rc = tess_cli_report("estimate", cal_path, tess_calibration_read(cal_path, &cal, &diag),
                             &diag);
        tess_diag_free(&diag);
    }
    tess_workload w;
    tess_platform p;
    tess_schedule s;
    if (rc == TESS_EXIT_OK)
        rc = tess_cli_load_job("estimate", &a, &w, &p, &s);
    else
        memset(&s, 0, sizeof s), memset(&p, 0, sizeof p);
    if (rc == TESS_EXIT_OK && !json)
        rc = tess_cli_output_dir("estimate", given_dir, w.name, dir, sizeof dir);
    if (rc == TESS_EXIT_OK) {
        tess_estimate_net net;
        tess_eval_result e;
        char msg[1024] = "";
        int st = tess_estimate_prepare(&p, &s, (tess_mem_fidelity)memory_fidelity, &net, msg,
                                       sizeof msg);
        if (st == TESS_OK) st = tess_estimate_job(&p, &w, &s, &net, &cal, &e, msg, sizeof msg);
        /* the view taken: the model has no cycle view of its own, cycle's traffic is burst's */
        e.memory_fidelity = memory_fidelity == TESS_MEM_RATE ? TESS_MEM_RATE : TESS_MEM_BURST;
        if (st != TESS_OK) {
            fprintf(stderr, "tessera estimate: %s\n", msg);
            rc = tess_cli_exit_of(st);
        } else {
            rc = write_outputs("estimate", dir, json, 0, &p, &w, &s, &e);
            tess_eval_result_free(&e);
        }
        tess_estimate_net_free(&net);
    }
    tess_schedule_free(&s);
    tess_platform_free(&p);
    tess_cli_args_free(&a);
    return rc;
}
