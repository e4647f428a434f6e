/* Energy, power and cost of an evaluation: see result.h. */
#include "model/result.h"

#include <stdlib.h>

#include "tessera/tessera.h"

void tess_eval_result_free(tess_eval_result *e)
{
    free(e->dies);
    free(e->links);
    free(e->memories);
    free(e->limits);
    free(e->spans);
    e->spans = NULL;
    e->n_spans = 0;
    e->limits = NULL;
    e->n_limits = e->n_violations = 0;
    e->dies = NULL;
    e->links = NULL;
    e->memories = NULL;
    e->n_dies = e->n_links = e->n_memories = 0;
}

/* Mean and peak power, and every TDP with the mean power drawn under it. A die draws its
 * FLOPs' and SRAM traffic's energy and its static power; a package or wafer its dies'
 * power plus the DRAM energy of their traffic. The network's energy is spread evenly over
 * the iteration (it has no timeline yet) and counted in the mean, not in any unit's power. */
static int account_power(const tess_platform *p, const tess_schedule *s, double e_bit,
                         tess_eval_result *out)
{
    const tess_iteration_result *r = &out->it;
    const double T = r->iteration_time_s;
    if (!(T > 0)) return 0;
    out->power_w = out->energy_j / T;
    out->peak_window_s = T < 1e-3 ? T : 1e-3;
    out->peak_power_w = r->peak_dynamic_w + (r->energy_static_j + r->energy_network_j) / T;
    double *group_w = calloc(p->n_groups + 1, sizeof *group_w);
    size_t cap = s->dies + p->n_groups;
    out->limits = calloc(cap + 1, sizeof *out->limits);
    if (!group_w || !out->limits) {
        free(group_w);
        return -1;
    }
    for (uint32_t k = 0; k < out->n_dies; k++) {
        const tess_die_stat *d = &out->dies[k];
        const tess_instance *x = &p->instances[d->instance];
        const tess_die_type *dt = &p->types[x->type].u.die;
        const tess_stage *S = &s->stages[d->stage];
        const double sram_j = (double)S->sram_bytes * tess_sram_energy_per_byte(dt);
        const double die_w =
            (d->flops * dt->flop_energy + sram_j) / T + dt->static_power + dt->sram_leakage;
        if (x->group != TESS_NONE)
            group_w[x->group] += die_w + 8.0 * (double)d->dram_bytes * e_bit / T;
        if (dt->tdp_w > 0)
            out->limits[out->n_limits++] =
                (tess_power_limit){d->instance, TESS_NONE, dt->tdp_w, die_w};
    }
    for (size_t g = 0; g < p->n_groups; g++)
        if (p->groups[g].tdp_w > 0)
            out->limits[out->n_limits++] =
                (tess_power_limit){TESS_NONE, (uint32_t)g, p->groups[g].tdp_w, group_w[g]};
    for (uint32_t i = 0; i < out->n_limits; i++)
        out->n_violations += out->limits[i].power_w > out->limits[i].limit_w;
    free(group_w);
    return 0;
}

int tess_eval_finish(const tess_platform *p, const tess_schedule *s, tess_eval_result *out)
{
    tess_iteration_result *res = &out->it;
    for (uint32_t k = 0; k < out->n_dies; k++)
        for (int l = 0; l <= TESS_SCOPE_LEVELS; l++)
            res->level_collective_s[l] += out->dies[k].level_s[l] / out->n_dies;
    if (res->slowest_rank < out->n_dies) {
        res->scale_out_s = out->dies[res->slowest_rank].scale_out_s;
        res->all_to_all_s = out->dies[res->slowest_rank].all_to_all_s;
        res->contention_s = out->dies[res->slowest_rank].contention_s;
    }
    for (uint32_t k = 0; k < s->dies; k++) {
        const tess_die_type *dt = &p->types[p->instances[s->die_of_rank[k]].type].u.die;
        const tess_stage *S = &s->stages[tess_rank_stage(s->tp, s->pp, k)];
        out->peak_flops += tess_die_peak_flops(dt);
        /* compute: FLOPs x energy per FLOP; SRAM: its reads and writes (the schedule's
         * sram_bytes); static: power x iteration time */
        res->energy_compute_j += S->flops * dt->flop_energy;
        res->energy_sram_j += (double)S->sram_bytes * tess_sram_energy_per_byte(dt);
        res->energy_static_j += (dt->static_power + dt->sram_leakage) * res->iteration_time_s;
    }
    /* DRAM energy: bytes moved times the mean energy per bit of the memories */
    const double e_bit = tess_dram_energy_per_bit(p);
    for (uint32_t st = 0; st < s->pp; st++)
        out->dram_j += 8.0 * (double)s->stages[st].dram_bytes * s->tp * s->dp * e_bit;
    /* switches and modules draw their power all iteration long */
    tess_cost_compute(p, &out->cost);
    res->energy_network_j += out->cost.network_power_w * res->iteration_time_s;
    out->energy_j = res->energy_compute_j + out->dram_j + res->energy_sram_j +
                    res->energy_network_j + res->energy_static_j;
    return account_power(p, s, e_bit, out) == 0 ? TESS_OK : TESS_ENOMEM;
}

tess_throughput tess_throughput_of(const tess_workload *w, const tess_schedule *s,
                                   const tess_eval_result *e)
{
    const double T = e->it.iteration_time_s, peak = e->peak_flops;
    tess_throughput t = {(double)w->global_batch * w->model.sequence / T,
                         s->model_flops / (T * peak), s->hardware_flops / (T * peak)};
    return t;
}
