/* tessera schedule PLATFORM WORKLOAD [--json] [--set name=value]...: the per-die work of
 * one training iteration, counted without simulating. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli_args.h"
#include "cli/cli_job.h"
#include "cli/commands.h"
#include "config/workload.h"
#include "model/schedule.h"
#include "tessera/tessera.h"

static const char usage[] =
    "usage: tessera schedule PLATFORM WORKLOAD [--json] [--set name=value]...\n"
    "  --set workload.FIELD=V and model.FIELD=V override the workload and its model;\n"
    "  other names go to the platform.\n";

int tess_cmd_schedule(int argc, char **argv)
{
    tess_cli_args a;
    if (tess_cli_args_init(&a, argc) != 0) return TESS_EXIT_FAILED;
    int json = 0;
    const tess_cli_option opts[] = {{"--json", TESS_OPT_FLAG, &json, 1, NULL, 0, 0, 0},
                                    {NULL, TESS_OPT_FLAG, NULL, 0, NULL, 0, 0, 0}};
    int rc = tess_cli_parse(&a, argc, argv, opts, usage, 2);
    if (rc != TESS_EXIT_OK) {
        tess_cli_args_free(&a);
        return rc == TESS_CLI_HELP ? TESS_EXIT_OK : rc;
    }
    tess_workload w;
    tess_platform p;
    tess_schedule s;
    rc = tess_cli_load_job("schedule", &a, &w, &p, &s);
    if (rc == TESS_EXIT_OK) {
        double ideal = 0;
        const double makespan = tess_schedule_critical_path(&s, 1.0, 2.0, &ideal);
        const double bubble = makespan > 0 ? 1.0 - ideal / makespan : 0;
        const char *peak_die = p.instances[s.peak_die].path;
        if (json) {
            printf("{\n  \"platform\": \"%s\",\n  \"workload\": \"%s\",\n  \"model\": \"%s\",\n",
                   p.name, w.name, w.model.name);
            printf("  \"model_flops\": %.6g,\n  \"hardware_flops\": %.6g,\n  \"ops\": %llu,\n"
                   "  \"dies\": %u,\n  \"tp\": %u,\n  \"pp\": %u,\n  \"dp\": %u,\n  \"cp\": %u,\n"
                   "  \"chunks\": %u,\n"
                   "  \"peak_memory_bytes\": %llu,\n  \"peak_memory_die\": \"%s\",\n"
                   "  \"microbatches\": %u,\n  \"tile_elements\": %u,\n"
                   "  \"pipeline_bubble_fraction\": %.6g,\n  \"stages\": [",
                   s.model_flops, s.hardware_flops, (unsigned long long)s.ops, s.dies, s.tp, s.pp,
                   s.dp / s.cp, s.cp, s.chunks, (unsigned long long)s.peak_memory_bytes, peak_die,
                   s.microbatches, s.tile, bubble);
            for (uint32_t i = 0; i < s.pp; i++) {
                const tess_stage *S = &s.stages[i];
                printf("%s\n    {\"stage\": %u, \"layers\": %u, \"flops_per_die\": %.17g, "
                       "\"ops_per_die\": %llu, \"messages_per_die\": %llu, \"dram_bytes_per_die\": "
                       "%llu, \"sram_bytes_per_die\": %llu, "
                       "\"params_per_die\": %llu, \"static_bytes\": %llu, "
                       "\"activation_bytes_per_layer\": %llu, \"in_flight\": %u, "
                       "\"peak_bytes\": %llu, \"capacity_bytes\": %llu}",
                       i ? "," : "", i, S->layers_per_chunk * s.chunks, S->flops,
                       (unsigned long long)S->ops, (unsigned long long)S->messages,
                       (unsigned long long)S->dram_bytes, (unsigned long long)S->sram_bytes,
                       (unsigned long long)S->params, (unsigned long long)S->static_bytes,
                       (unsigned long long)S->activation_bytes_per_layer, S->in_flight,
                       (unsigned long long)S->peak_bytes, (unsigned long long)S->capacity_bytes);
            }
            printf("\n  ],\n  \"collectives\": [");
            for (uint32_t i = 0; i < s.n_colls; i++) {
                const tess_coll_use *c = &s.colls[i];
                printf("%s\n    {\"what\": \"%s\", \"kind\": \"%s\", \"algorithm\": \"%s\", "
                       "\"group\": %u, \"bytes\": %llu, \"calls_per_die\": %llu, "
                       "\"messages_per_die\": %llu, \"bytes_sent_per_die\": %llu",
                       i ? "," : "", c->what, tess_coll_name(c->kind),
                       c->algo == TESS_ALGO_RING ? "ring" : "2d", c->group,
                       (unsigned long long)c->bytes, (unsigned long long)c->calls,
                       (unsigned long long)c->messages, (unsigned long long)c->bytes_sent);
                /* calls_per_die is the first stage's; stages may hold different layers */
                printf(", \"calls_per_die_by_stage\": [");
                for (uint32_t st = 0; st < s.pp; st++)
                    printf("%s%llu", st ? ", " : "",
                           (unsigned long long)tess_coll_calls(&s, c, st));
                printf("]}");
            }
            printf("\n  ]\n}\n");
        } else {
            printf("workload '%s' (model %s) on platform '%s': %u dies, %u micro-batches, "
                   "tiles of %u x %u elements\n",
                   w.name, w.model.name, p.name, s.dies, s.microbatches, s.tile, s.tile);
            printf("FLOPs per iteration: model %.4g, hardware %.4g (%.3fx)\n", s.model_flops,
                   s.hardware_flops, s.hardware_flops / s.model_flops);
            printf("ops: %llu over all dies; pipeline bubble with uniform passes: %.1f%%\n",
                   (unsigned long long)s.ops, 100 * bubble);
            printf("peak memory: %.4g GB on %s\n", s.peak_memory_bytes / 1e9, peak_die);
            printf("%-6s %-7s %-12s %-12s %-12s %-10s %-10s %-9s %s\n", "stage", "layers",
                   "FLOPs/die", "ops/die", "DRAM B/die", "static GB", "act GB", "in flight",
                   "capacity GB");
            for (uint32_t i = 0; i < s.pp; i++) {
                const tess_stage *S = &s.stages[i];
                printf("%-6u %-7u %-12.4g %-12llu %-12.4g %-10.4g %-10.4g %-9u %.4g\n", i,
                       S->layers_per_chunk * s.chunks, S->flops, (unsigned long long)S->ops,
                       (double)S->dram_bytes, S->static_bytes / 1e9,
                       (S->peak_bytes - S->static_bytes) / 1e9, S->in_flight,
                       S->capacity_bytes / 1e9);
            }
            for (uint32_t i = 0; i < s.n_colls; i++) {
                const tess_coll_use *c = &s.colls[i];
                int uneven = 0;
                for (uint32_t st = 1; st < s.pp; st++)
                    uneven |= tess_coll_calls(&s, c, st) != c->calls;
                char whose[96] = "";
                if (c->only_stage >= 0 && s.pp > 1)
                    snprintf(whose, sizeof whose, " of stage %d (the others do not call it)",
                             c->only_stage);
                else if (uneven)
                    snprintf(whose, sizeof whose,
                             " of stage 0 (in proportion to their layers on the others)");
                printf("collective: %s (%s, %s over %u dies): %llu calls, %llu messages, %.4g "
                       "B sent per die%s\n",
                       c->what, tess_coll_name(c->kind), c->algo == TESS_ALGO_RING ? "ring" : "2d",
                       c->group, (unsigned long long)c->calls, (unsigned long long)c->messages,
                       (double)c->bytes_sent, whose);
            }
        }
    }
    tess_schedule_free(&s);
    tess_platform_free(&p);
    tess_cli_args_free(&a);
    return rc;
}
