/* The schedule builder's shared steps: see schedule_build.h. */
#include "model/schedule_build.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int tess_build_reserve(builder *b, void **items, uint32_t n, uint32_t *cap, size_t size)
{
    if (n < *cap) return 1;
    const uint32_t grown = *cap ? 2 * *cap : 16;
    void *p = realloc(*items, (size_t)grown * size);
    if (!p) {
        b->no_memory = 1;
        return 0;
    }
    *items = p;
    *cap = grown;
    return 1;
}

void tess_build_add_group(builder *b, tess_template *t, tess_op_kind kind, uint64_t count,
                          double flops, uint64_t bytes, int32_t coll)
{
    tess_build_insert_group(b, t, t->n, kind, count, flops, bytes, coll);
}

void tess_build_insert_group(builder *b, tess_template *t, uint32_t at, tess_op_kind kind,
                             uint64_t count, double flops, uint64_t bytes, int32_t coll)
{
    if (count == 0 || !tess_build_reserve(b, (void **)&t->groups, t->n, &t->cap, sizeof *t->groups))
        return;
    if (at > t->n) at = t->n;
    memmove(&t->groups[at + 1], &t->groups[at], (t->n - at) * sizeof *t->groups);
    t->n++;
    tess_op_group *g = &t->groups[at];
    memset(g, 0, sizeof *g);
    g->kind = kind;
    g->count = count;
    g->flops_each = flops;
    g->bytes_each = bytes;
    g->coll = coll;
    /* DRAM traffic: loads and stores; on a gpu die also its GEMM and element-wise kernels,
     * which stream their operands themselves */
    if (kind == TESS_OP_LOAD || kind == TESS_OP_STORE ||
        (b->gpu && (kind == TESS_OP_GEMM || kind == TESS_OP_VECTOR)))
        g->dram_each = bytes;
    if (kind == TESS_OP_STORE) g->dram_write_each = bytes; /* a gpu kernel's: its caller's */
    /* SRAM accesses (a systolic GEMM's are set by its tiles, model/schedule_kernels.c) */
    if (kind == TESS_OP_LOAD || kind == TESS_OP_STORE || (!b->gpu && kind == TESS_OP_VECTOR))
        g->sram_each = bytes;
    else if (b->gpu && (kind == TESS_OP_GEMM || kind == TESS_OP_VECTOR))
        g->sram_each = 2 * bytes;
    t->ops += count;
    t->flops += flops * (double)count;
    t->bytes += g->dram_each * count;
    t->sram += g->sram_each * count;
}

/* A mark is a collective group of no ops, its mark in `chain`: the op cursor and the
 * estimate would pass over it, but it would part two GEMMs it stands between, so none is
 * left once the schedule is built. */
static int is_mark(const tess_op_group *g)
{
    return g->kind == TESS_OP_COLLECTIVE && g->count == 0 && g->coll < 0;
}

void tess_build_mark(builder *b, tess_template *t, tess_mark m)
{
    if (!tess_build_reserve(b, (void **)&t->groups, t->n, &t->cap, sizeof *t->groups)) return;
    tess_op_group *g = &t->groups[t->n++];
    memset(g, 0, sizeof *g);
    g->kind = TESS_OP_COLLECTIVE;
    g->coll = -1;
    g->chain = (uint32_t)m;
}

void tess_build_at_mark(builder *b, tess_template *t, tess_mark m, uint32_t nth, tess_op_kind kind,
                        uint64_t count, double flops, uint64_t bytes, int32_t coll)
{
    uint32_t at = t->n;
    for (uint32_t i = 0; i < t->n; i++)
        if (is_mark(&t->groups[i]) && t->groups[i].chain == (uint32_t)m && nth-- == 0) {
            at = i;
            break;
        }
    tess_build_insert_group(b, t, at, kind, count, flops, bytes, coll);
}

uint32_t tess_build_templates(tess_schedule *s, tess_template *out[TESS_BUILD_TEMPLATES])
{
    tess_template *const all[TESS_BUILD_TEMPLATES] = {&s->fwd,        &s->bwd,
                                                      &s->recompute,  &s->dense_fwd,
                                                      &s->dense_bwd,  &s->dense_recompute,
                                                      &s->logits_fwd, &s->logits_bwd,
                                                      &s->embed_fwd,  &s->embed_bwd};
    memcpy(out, all, sizeof all);
    return TESS_BUILD_TEMPLATES;
}

void tess_build_drop_marks(builder *b)
{
    tess_template *all[TESS_BUILD_TEMPLATES];
    for (uint32_t k = tess_build_templates(b->s, all); k-- > 0;) {
        tess_template *t = all[k];
        uint32_t n = 0;
        for (uint32_t i = 0; i < t->n; i++)
            if (!is_mark(&t->groups[i])) t->groups[n++] = t->groups[i];
        t->n = n;
    }
}

uint64_t tess_build_embedding_params(const tess_workload *w)
{
    const tess_model *md = &w->model;
    return md->vocab * md->hidden / w->tp +
           (md->norm == TESS_NORM_LAYERNORM ? md->sequence * md->hidden : 0);
}

/* Multi-head latent attention's down-projections (and their latents' norms), which every
 * die of a tensor-parallel group holds whole, as Megatron-LM duplicates them: counted once
 * more for each further rank, so that 1/tp of the group's figure is a die's. */
static uint64_t duplicated_params(const tess_workload *w)
{
    const tess_model *md = &w->model;
    if (md->kv_lora_rank == 0) return 0;
    const uint64_t h = md->hidden, q = md->q_lora_rank, c = md->kv_lora_rank;
    return (uint64_t)(w->tp - 1) * ((q ? h * q + q : 0) + h * (c + md->qk_rope_dim) + c);
}

uint64_t tess_build_layer_params(const tess_workload *w)
{
    const tess_model *md = &w->model;
    const uint64_t elsewhere =
        (uint64_t)(md->experts - md->experts / w->ep) * tess_model_ffn_params(md, md->expert_ffn);
    return tess_model_layer_params(md) - elsewhere + duplicated_params(w);
}

uint64_t tess_build_dense_layer_params(const tess_workload *w)
{
    return tess_model_dense_layer_params(&w->model) + duplicated_params(w);
}

/* splitmix64 (Steele, Lea and Flood 2014): the routing draw's generator */
static uint64_t next_u64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* a uniform draw in (0, 1] */
static double uniform(uint64_t *x)
{
    return (double)((next_u64(x) >> 11) + 1) * 0x1.0p-53;
}

/* A drawn routing (w->expert_skew > 0): expert i of E (1-based) takes a token copy with
 * probability p_i = i^-skew / sum_j j^-skew; each layer routes the n = ep x b s/cp x k
 * copies an expert-parallel group sends (its die's own with ep 1), expert i's load
 * multinomial, drawn as its normal approximation n p_i + sqrt(n p_i (1 - p_i)) z (n p_i is
 * thousands of tokens; z by Box and Muller from the seed). The busiest expert's load over
 * the mean n / E, averaged over the model's layers (each layer's combine waits for its
 * busiest expert, so their sum is what the layers take). */
static double drawn_load(const tess_workload *w)
{
    const tess_model *md = &w->model;
    const uint32_t E = md->experts;
    const double n =
        (double)w->ep * w->micro_batch * ((double)md->sequence / w->cp) * (double)md->top_k;
    double norm = 0;
    for (uint32_t i = 1; i <= E; i++)
        norm += pow((double)i, -w->expert_skew);
    uint64_t state = w->routing_seed;
    double sum = 0;
    for (uint32_t l = 0; l < md->layers; l++) {
        double busiest = 0;
        for (uint32_t i = 1; i <= E; i++) {
            const double p = pow((double)i, -w->expert_skew) / norm;
            const double u1 = uniform(&state), u2 = uniform(&state);
            const double z = sqrt(-2 * log(u1)) * cos(6.283185307179586 * u2);
            const double load = n * p + sqrt(n * p * (1 - p)) * z;
            if (load > busiest) busiest = load;
        }
        sum += busiest / (n / E);
    }
    return md->layers ? sum / md->layers : 1;
}

double tess_build_expert_load(const tess_workload *w)
{
    if (w->capacity_factor > 0) return w->capacity_factor;
    if (tess_workload_draws_routing(w)) return drawn_load(w);
    return w->expert_imbalance;
}

uint64_t tess_build_output_params(const tess_workload *w)
{
    return w->model.vocab * w->model.hidden / w->tp + 2 * w->model.hidden;
}

int tess_build_tied_output(const tess_workload *w)
{
    return w->pp == 1 && w->model.norm == TESS_NORM_LAYERNORM;
}

uint64_t tess_build_tied_unit_params(const tess_workload *w)
{
    return tess_build_embedding_params(w) + 2 * w->model.hidden;
}
