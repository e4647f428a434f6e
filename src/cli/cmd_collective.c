/* tessera collective PLATFORM [options]: one collective call over a platform's dies, as
 * nccl-tests measures it (time, algorithm and bus bandwidth by message size), simulated
 * in a child process per size, or estimated in closed form. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli_args.h"
#include "cli/commands.h"
#include "config/loader.h"
#include "config/units.h"
#include "driver/runner.h"
#include "model/estimate.h"
#include "model/placement.h"
#include "model/schedule.h"
#include "tessera/tessera.h"
#include "api/tessera_hw.h"

static const char usage[] =
    "usage: tessera collective PLATFORM [--op all-reduce|reduce-scatter|all-gather|all-to-all]\n"
    "                   [--bytes SIZE[,SIZE]...] [--dies N] [--fidelity packet|flow|mixed|flit]\n"
    "                   [--algorithm auto|ring|hierarchical] [--estimate] [--json]\n"
    "                   [--timeout SECONDS] [--set name=value]...\n"
    "  SIZE with a unit (16MiB, 1GiB): the whole buffer, as nccl-tests counts it (default\n"
    "  16MiB,64MiB,256MiB,1GiB); N dies in the platform's die order (default all).\n"
    "  ring: one ring in die order; hierarchical: inside each domain (node, package), the\n"
    "  domain's share across domains, inside again, pipelined over chunks; auto (default):\n"
    "  hierarchical where the dies fall into equal domains, else ring.\n"
    "  Prints time, algbw = SIZE / time and busbw = algbw x 2(N-1)/N (all-reduce) or\n"
    "  (N-1)/N (reduce-scatter, all-gather, all-to-all), as nccl-tests does. An all-to-all\n"
    "  sends each other die its 1/N of SIZE at once; hierarchical (never auto for it): to the\n"
    "  die of its own place in each other domain first, then inside the domain.\n";

/* in tess_coll's order */
static const char *const op_names[] = {"all-reduce", "reduce-scatter", "all-gather", "all-to-all",
                                       NULL};
static const char *const plan_names[] = {"auto", "ring", "hierarchical", NULL};

typedef struct coll_job {
    const tess_platform *p;
    const tess_schedule *s;
    const double *dma;
    tess_hw_run_options hw;
} coll_job;

static void run_point(void *arg, tess_job_output *out)
{
    coll_job *j = arg;
    tess_iteration_result *res = calloc(1, sizeof *res);
    if (!res) {
        out->status = TESS_ENOMEM;
        return;
    }
    out->status = tess_hw_run(j->p, j->s, 2, j->dma, &j->hw, res, NULL, NULL, NULL, NULL, NULL,
                              NULL, NULL, out->message, sizeof out->message);
    out->blob = res;
    out->blob_len = sizeof *res;
}

/* The call's time: simulated in a child, or from the analytical model. */
static int time_call(const tess_platform *p, const tess_schedule *s, const double *dma,
                     int estimate, const tess_hw_run_options *hw, double timeout, double *t,
                     char *msg, size_t msglen)
{
    if (estimate) {
        tess_estimate_net net;
        int rc = tess_estimate_prepare(p, s, TESS_MEM_RATE, &net, msg, msglen);
        if (rc != TESS_OK) return rc;
        tess_calibration cal;
        tess_calibration_default(&cal);
        tess_template_time tt;
        const tess_die_type *dt = &p->types[p->instances[s->die_of_rank[0]].type].u.die;
        tess_estimate_template(s, &s->fwd, dt, 2, dma[0], &net, &cal, &tt);
        *t = tt.network_s + tess_estimate_dp_tail(s, 0, &net, &cal, NULL, NULL, NULL);
        tess_estimate_net_free(&net);
        return TESS_OK;
    }
    coll_job j = {p, s, dma, *hw};
    tess_run_result r;
    int rc = tess_run_isolated(run_point, &j, timeout, &r);
    if (rc == TESS_OK && r.blob_len == sizeof(tess_iteration_result))
        *t = ((const tess_iteration_result *)r.blob)->iteration_time_s;
    else if (rc == TESS_OK)
        rc = TESS_ECHILD;
    snprintf(msg, msglen, "%s", r.message);
    tess_run_result_free(&r);
    return rc;
}

/* "16MiB,1GiB" into sizes (at most cap); the count, or -1 with a message. */
static int parse_sizes(const char *text, uint64_t *sizes, int cap)
{
    int n = 0;
    char *copy = strdup(text);
    if (!copy) return -1;
    for (char *tok = strtok(copy, ","); tok; tok = strtok(NULL, ",")) {
        tess_quantity q;
        char err[256];
        if (n == cap) {
            fprintf(stderr, "tessera collective: --bytes: more than %d sizes\n", cap);
            n = -1;
            break;
        }
        if (tess_parse_quantity(tok, TESS_DIM_SIZE, &q, err, sizeof err) != 0 || q.value < 1 ||
            q.value > 1e15) {
            fprintf(stderr, "tessera collective: --bytes: %s\n",
                    q.value < 1 ? "a size of at least 1 B" : err);
            n = -1;
            break;
        }
        sizes[n++] = (uint64_t)q.value;
    }
    free(copy);
    return n;
}

int tess_cmd_collective(int argc, char **argv)
{
    tess_cli_args a;
    if (tess_cli_args_init(&a, argc) != 0) return TESS_EXIT_FAILED;
    int op = 0, json = 0, estimate = 0, fidelity = TESS_NOC_PACKET, plan = TESS_PLAN_AUTO;
    const char *bytes_text = "16MiB,64MiB,256MiB,1GiB";
    uint32_t dies = 0;
    double timeout = 600;
    const tess_cli_option opts[] = {
        {"--op", TESS_OPT_CHOICE, &op, 0, op_names, 0, 0, 0},
        {"--bytes", TESS_OPT_TEXT, &bytes_text, 0, NULL, 0, 0, 0},
        {"--dies", TESS_OPT_COUNT32, &dies, 0, NULL, 2, 1u << 24, 0},
        {"--fidelity", TESS_OPT_CHOICE, &fidelity, 0, tess_noc_fidelity_names, 0, 0, 0},
        {"--algorithm", TESS_OPT_CHOICE, &plan, 0, plan_names, 0, 0, 0},
        {"--estimate", TESS_OPT_FLAG, &estimate, 1, NULL, 0, 0, 0},
        {"--json", TESS_OPT_FLAG, &json, 1, NULL, 0, 0, 0},
        {"--timeout", TESS_OPT_NUMBER, &timeout, 0, NULL, 0, 1e9, 1},
        {NULL, TESS_OPT_FLAG, NULL, 0, NULL, 0, 0, 0}};
    int rc = tess_cli_parse(&a, argc, argv, opts, usage, 1);
    if (rc != TESS_EXIT_OK) {
        tess_cli_args_free(&a);
        return rc == TESS_CLI_HELP ? TESS_EXIT_OK : rc;
    }
    enum { MAX_SIZES = 64 };
    uint64_t sizes[MAX_SIZES];
    const int n = parse_sizes(bytes_text, sizes, MAX_SIZES);
    if (n < 0) {
        tess_cli_args_free(&a);
        return TESS_EXIT_USAGE;
    }
    tess_platform p;
    rc = tess_cli_load_platform("collective", &a, &p);
    if (rc != TESS_EXIT_OK) {
        tess_cli_args_free(&a);
        return rc;
    }
    double *dma = NULL;
    tess_hw_run_options hw;
    memset(&hw, 0, sizeof hw); /* memory fidelity rate: a collective moves no DRAM data */
    hw.fidelity = (tess_noc_fidelity)fidelity;
    if (json)
        printf("{\n  \"platform\": \"%s\",\n  \"op\": \"%s\",\n  \"model\": \"%s\",\n"
               "  \"points\": [",
               p.name, op_names[op], estimate ? "analytic" : tess_noc_fidelity_names[fidelity]);
    for (int i = 0; i < n && rc == TESS_EXIT_OK; i++) {
        tess_schedule s;
        tess_diag diag;
        tess_diag_init(&diag);
        char msg[1024] = "";
        int st = tess_schedule_collective(&p, (tess_coll)op, (tess_coll_plan)plan, sizes[i], dies,
                                          a.path, &s, &diag);
        if (st == TESS_OK && !dma) { /* the dies' DMA rates: only a kernel's launch uses them */
            dma = calloc(s.dies + 1, sizeof *dma);
            const tess_rank_map m = tess_schedule_ranks(&s);
            st = dma ? tess_peak_dma_rates(&p, &m, dma, msg, sizeof msg) : TESS_ENOMEM;
            if (st != TESS_OK) /* a die without memory still runs a collective */
                for (uint32_t k = 0; dma && k < s.dies; k++)
                    dma[k] = 1;
            st = dma ? TESS_OK : TESS_ENOMEM;
        }
        double t = 0;
        if (st == TESS_OK) st = time_call(&p, &s, dma, estimate, &hw, timeout, &t, msg, sizeof msg);
        if (st != TESS_OK) {
            char *joined = tess_diag_join(&diag);
            if (joined && joined[0]) fprintf(stderr, "%s\n", joined);
            free(joined);
            if (msg[0]) fprintf(stderr, "tessera collective: %s: %s\n", a.path, msg);
            rc = tess_cli_exit_of(st);
        } else {
            const double nd = s.dies, algbw = (double)sizes[i] / t;
            const double busbw = algbw * (op == 0 ? 2 * (nd - 1) / nd : (nd - 1) / nd);
            const uint32_t m = s.placement.dp_local;
            char how[64] = "ring";
            if (m > 1) snprintf(how, sizeof how, "hierarchical, %u domains of %u", s.dies / m, m);
            if (json)
                printf("%s\n    {\"bytes\": %llu, \"dies\": %u, \"algorithm\": \"%s\", "
                       "\"domain_dies\": %u, \"time_s\": %.9g, \"algbw_bytes_per_s\": %.6g, "
                       "\"busbw_bytes_per_s\": %.6g}",
                       i ? "," : "", (unsigned long long)sizes[i], s.dies,
                       m > 1 ? "hierarchical" : "ring", m > 1 ? m : s.dies, t, algbw, busbw);
            else
                printf("%s %llu B over %u dies (%s): %.2f us, algbw %.2f GB/s, busbw %.2f GB/s\n",
                       op_names[op], (unsigned long long)sizes[i], s.dies, how, t * 1e6,
                       algbw / 1e9, busbw / 1e9);
            fflush(stdout);
        }
        tess_schedule_free(&s);
        tess_diag_free(&diag);
    }
    if (json && rc == TESS_EXIT_OK) printf("\n  ]\n}\n");
    free(dma);
    tess_platform_free(&p);
    tess_cli_args_free(&a);
    return rc;
}
