/* stats.csv: see report.h. */
#include "report/report.h"

#include <stdlib.h>
#include <string.h>

void tess_write_stats_csv(FILE *f, const tess_platform *p, const tess_eval_result *e)
{
    fprintf(f, "kind,name,rank,stage,compute_s,memory_s,optimizer_s,network_s,pipeline_bubble_s,"
               "end_s,flops,"
               "ops,dram_bytes,messages,utilisation\n");
    for (uint32_t r = 0; r < e->n_dies; r++) {
        const tess_die_stat *d = &e->dies[r];
        fprintf(f, "die,%s,%u,%u,%.9g,%.9g,%.9g,%.9g,%.9g,%.9g,%.9g,%llu,%llu,%llu,\n",
                p->instances[d->instance].path, d->rank, d->stage, d->compute_s, d->memory_s,
                d->optimizer_s, d->network_s, d->bubble_s, d->end_s, d->flops,
                (unsigned long long)d->ops, (unsigned long long)d->dram_bytes,
                (unsigned long long)d->messages);
    }
    for (uint32_t c = 0; c < e->n_links; c++)
        fprintf(f, "link,%s,,,,,,,,,,,,,%.6g\n", e->links[c].name, e->links[c].utilisation);

    /* a router's utilisation: the mean busy share of its output channels */
    double *sum = calloc(p->n_instances + 1, sizeof *sum);
    uint32_t *outs = calloc(p->n_instances + 1, sizeof *outs);
    int ok = sum && outs;
    for (uint32_t c = 0; ok && c < e->n_links; c++) {
        const uint32_t i = e->links[c].from;
        if (i >= p->n_instances || p->instances[i].kind != TESS_KIND_ROUTER) continue;
        sum[i] += e->links[c].utilisation;
        outs[i]++;
    }
    for (size_t i = 0; ok && i < p->n_instances; i++)
        if (p->instances[i].kind == TESS_KIND_ROUTER && !p->instances[i].dead)
            fprintf(f, "router,%s,,,,,,,,,,,,,%.6g\n", p->instances[i].path,
                    outs[i] ? sum[i] / outs[i] : 0.0);

    /* a memory's bytes: what its controller served (burst memory fidelity), else each
     * die's DRAM bytes split evenly over the memories it draws on (tess_die_memories);
     * utilisation against its peak bandwidth */
    double *bytes = sum; /* reused: one value per instance */
    uint32_t *mems = ok ? malloc((p->n_instances + 1) * sizeof *mems) : NULL;
    ok = ok && mems;
    if (ok) memset(bytes, 0, (p->n_instances + 1) * sizeof *bytes);
    for (uint32_t r = 0; ok && r < e->n_dies; r++) {
        int shared = 0;
        const size_t n = tess_die_memories(p, e->dies[r].instance, mems, &shared);
        /* at burst a die without memories of its own is always served by a controller, one
         * with its own only when others share them (then that memory has a controller) */
        int served = e->n_memories > 0 && shared;
        for (uint32_t m = 0; m < e->n_memories && !served; m++)
            for (size_t i = 0; i < n && !served; i++)
                served = e->memories[m].instance == mems[i];
        for (size_t i = 0; i < n && !served; i++)
            bytes[mems[i]] += (double)e->dies[r].dram_bytes / n;
    }
    for (uint32_t m = 0; ok && m < e->n_memories; m++)
        bytes[e->memories[m].instance] =
            (double)e->memories[m].bytes_read + (double)e->memories[m].bytes_written;
    free(mems);
    const double T = e->it.iteration_time_s;
    for (size_t i = 0; ok && i < p->n_instances; i++) {
        const tess_instance *x = &p->instances[i];
        if (x->kind != TESS_KIND_MEMORY || x->dead) continue;
        const double peak = tess_memory_peak_bandwidth(&p->types[x->type].u.memory);
        fprintf(f, "memory,%s,,,,,,,,,,,%.0f,,%.6g\n", x->path, bytes[i],
                T > 0 && peak > 0 ? bytes[i] / (T * peak) : 0.0);
    }
    free(sum);
    free(outs);
}
