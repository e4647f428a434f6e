/* The tile-schedule generator: see schedule.h. */
#include "model/schedule.h"

#include "config/arith.h"
#include "model/placement.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tessera/tessera.h"

/* ---- helpers ------------------------------------------------------------- */

typedef struct gemm {
    uint64_t m, n, k, count; /* count GEMMs of M x N x K */
} gemm;

/* What the steps of tess_schedule_build share: the inputs, the GEMM tiling, and a
 * sticky flag for a template or collective list that could not grow (checked once,
 * when every step has run). */
typedef struct builder {
    const tess_platform *p;
    const tess_workload *w;
    const char *file;
    tess_diag *diag;
    tess_schedule *s;
    uint64_t e;   /* bytes per element */
    uint64_t T;   /* GEMM tile side */
    uint64_t tok; /* tokens of a micro-batch: b s */
    uint64_t tr;  /* 2-D tensor parallelism: the grid's side */
    int gpu;      /* the dies follow the gpu rule: kernels stream DRAM themselves */
    int no_memory;
} builder;

/* Makes room for one more of n items of `size` bytes in *items (capacity *cap), doubling
 * the allocation as needed: a template or a collective list holds whatever the job has,
 * never a fixed number that drops the rest. 1, or 0 with b->no_memory set. */
static int reserve_one(builder *b, void **items, uint32_t n, uint32_t *cap, size_t size)
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

static void add_group(builder *b, tess_template *t, tess_op_kind kind, uint64_t count, double flops,
                      uint64_t bytes, int32_t coll)
{
    if (count == 0 || !reserve_one(b, (void **)&t->groups, t->n, &t->cap, sizeof *t->groups))
        return;
    tess_op_group *g = &t->groups[t->n++];
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
    t->ops += count;
    t->flops += flops * (double)count;
    t->bytes += g->dram_each * count;
}

/* GEMMs tiled T x T, output stationary: per tile a MAC op and loads of its A and B
 * tiles, per output tile a store; A is read once per column of output tiles, B once
 * per row of them, C written once. The workload's tile-merge tiles per dimension make
 * one op. */
/* count GEMM ops of g's FLOPs shared evenly, each moving bytes_each, with g's shape and
 * the tile edge (0 for a gpu kernel) kept on the group for the die's timing rule */
static void gemm_group(builder *b, tess_template *t, const gemm *g, uint64_t count,
                       uint64_t bytes_each, uint64_t tile)
{
    add_group(b, t, TESS_OP_GEMM, count, 2.0 * g->m * g->n * g->k * g->count / count, bytes_each,
              -1);
    if (b->no_memory) return;
    tess_op_group *gg = &t->groups[t->n - 1];
    gg->gm = g->m;
    gg->gn = g->n;
    gg->gk = g->k;
    gg->gcount = g->count;
    gg->tile = tile;
}

static void tile_gemm(builder *b, tess_template *t, const gemm *g, uint64_t dram_bytes)
{
    if (b->gpu) { /* one op, the whole kernel: its CTAs stream A and B and write C */
        if (g->m && g->n && g->k && g->count) gemm_group(b, t, g, 1, dram_bytes, 0);
        return;
    }
    const uint64_t T = b->T, merge = b->w->tile_merge, e = b->e;
    const uint64_t tm = tess_ceil_div(g->m, T), tn = tess_ceil_div(g->n, T),
                   tk = tess_ceil_div(g->k, T);
    const uint64_t tiles = tess_ceil_div(tm * tn * tk, merge * merge) * g->count;
    const uint64_t stores = tess_ceil_div(tm * tn, merge * merge) * g->count;
    if (tiles == 0) return; /* no GEMM of this shape */
    const uint64_t load_bytes = g->count * e * (g->m * g->k * tn + g->k * g->n * tm);
    add_group(b, t, TESS_OP_LOAD, 2 * tiles, 0, load_bytes / (2 * tiles), -1);
    gemm_group(b, t, g, tiles, 0, T * merge);
    add_group(b, t, TESS_OP_STORE, stores, 0, g->count * e * g->m * g->n / stores, -1);
}

/* ---- memory ---------------------------------------------------------------- */

/* Activation bytes one layer keeps for the backward pass, per micro-batch of b
 * sequences, per die (Korthikanti et al. 2022, section 4, with the layer's own shapes:
 * for GPT it is sbh(34 + 5as/h) without parallelism). */
static double activation_bytes(const tess_model *md, const tess_workload *w)
{
    const double s = md->sequence, b = w->micro_batch, h = md->hidden, a = md->heads;
    const double hkv = (double)md->hidden / md->heads * md->kv_heads, f = md->ffn;
    const double t = w->tp;
    const int sp = w->sequence_parallel;
    if (w->recompute == TESS_RECOMPUTE_FULL) return 2 * s * b * h / (sp ? t : 1);
    /* inside the tensor-parallel regions (divided by t): attention Q, K, V (2sbh +
     * 4sb hkv), its output projection input (2sbh), softmax and dropout (5as^2b); MLP
     * hidden activations (4sbf, or 6sbf with SwiGLU) */
    const double mlp_in = md->activation == TESS_ACT_SWIGLU ? 6 * s * b * f : 4 * s * b * f;
    double parallel = 2 * s * b * h + 4 * s * b * hkv + 2 * s * b * h + mlp_in;
    double scores = 5 * a * s * s * b;
    if (w->recompute == TESS_RECOMPUTE_SELECTIVE) scores = 0;
    /* outside them (divided by t only with sequence parallelism): two layer-norm inputs
     * (4sbh), the QKV and first-MLP GEMM inputs (4sbh), two dropout masks (2sbh) */
    const double replicated = 10 * s * b * h;
    return (parallel + scores) / t + replicated / (sp ? t : 1);
}

/* Memory a die has: DRAM linked to it, else an equal share of every live memory,
 * else its SRAM. */
static uint64_t die_capacity(const tess_platform *p, uint32_t die, uint32_t dies)
{
    uint32_t *mems = malloc((p->n_instances + 1) * sizeof *mems);
    int shared = 0;
    const size_t n = mems ? tess_die_memories(p, die, mems, &shared) : 0;
    uint64_t bytes = 0;
    for (size_t i = 0; i < n; i++)
        bytes += p->types[p->instances[mems[i]].type].u.memory.capacity_bytes;
    free(mems);
    if (n == 0) return p->types[p->instances[die].type].u.die.sram_bytes;
    return shared ? bytes / dies : bytes;
}

/* ---- the schedule ---------------------------------------------------------- */

tess_rank_map tess_schedule_ranks(const tess_schedule *s)
{
    const tess_rank_map m = {s->dies,
                             s->tp,
                             s->pp,
                             s->dp,
                             s->tp_grid,
                             s->chunks,
                             s->placement.dp_local,
                             s->placement.tp_local,
                             s->die_of_rank};
    return m;
}

uint32_t tess_ring_next(const tess_schedule *s, tess_coll_axis axis, uint32_t r)
{
    const tess_rank_map m = tess_schedule_ranks(s);
    return tess_rank_next(&m, axis, r);
}

uint32_t tess_pipeline_prev(const tess_schedule *s, uint32_t r)
{
    const tess_rank_map m = tess_schedule_ranks(s);
    return tess_rank_pipeline_prev(&m, r);
}

static void add_coll(builder *b, const char *what, tess_coll_axis axis, tess_coll kind,
                     uint32_t group, uint64_t bytes, uint64_t calls)
{
    tess_schedule *s = b->s;
    if (group <= 1 || calls == 0 ||
        !reserve_one(b, (void **)&s->colls, s->n_colls, &s->cap_colls, sizeof *s->colls))
        return;
    tess_coll_use_init(&s->colls[s->n_colls++], what, axis, kind, group, bytes, calls);
}

void tess_coll_use_init(tess_coll_use *u, const char *what, tess_coll_axis axis, tess_coll kind,
                        uint32_t group, uint64_t bytes, uint64_t calls)
{
    memset(u, 0, sizeof *u);
    u->what = what;
    u->axis = axis;
    u->kind = kind;
    u->algo = TESS_ALGO_RING;
    u->group = group;
    u->rows = 1;
    u->bytes = bytes;
    u->calls = calls;
    u->only_stage = -1;
    tess_collective_cost(kind, u->algo, group, u->rows, bytes, &u->call_messages,
                         &u->call_bytes_sent);
    u->messages = u->call_messages * calls;
    u->bytes_sent = u->call_bytes_sent * calls;
}

/* A collective called per_layer times in every layer pass: its calls on the first stage,
 * and per_layer kept for the others (tess_coll_calls). */
static void add_layer_coll(builder *b, const char *what, tess_coll_axis axis, tess_coll kind,
                           uint32_t group, uint64_t bytes, uint64_t per_layer)
{
    tess_schedule *s = b->s;
    const uint32_t before = s->n_colls;
    const uint64_t passes = (uint64_t)s->microbatches * s->chunks * s->stages[0].layers_per_chunk;
    add_coll(b, what, axis, kind, group, bytes, per_layer * passes);
    if (s->n_colls > before) s->colls[before].per_layer = per_layer;
}

uint64_t tess_coll_calls(const tess_schedule *s, const tess_coll_use *c, uint32_t stage)
{
    if (c->only_stage >= 0 && (uint32_t)c->only_stage != stage) return 0;
    if (c->per_microbatch) return c->per_microbatch * s->microbatches;
    if (!c->per_layer) return c->calls;
    return c->per_layer * s->microbatches * s->chunks * s->stages[stage].layers_per_chunk;
}

void tess_schedule_free(tess_schedule *s)
{
    if (!s) return;
    if (s->stages)
        for (uint32_t i = 0; i < s->pp; i++)
            free(s->stages[i].order);
    free(s->stages);
    free(s->die_of_rank);
    tess_template *const templates[] = {&s->fwd,        &s->bwd,        &s->recompute,
                                        &s->logits_fwd, &s->logits_bwd, &s->embed_fwd,
                                        &s->embed_bwd};
    for (size_t i = 0; i < sizeof templates / sizeof templates[0]; i++)
        free(templates[i]->groups);
    free(s->colls);
    memset(s, 0, sizeof *s);
}

/* Step 1: a rank for every live die, in the workload's rank order, all of one die-type. */
static int assign_ranks(builder *b)
{
    const tess_platform *p = b->p;
    const tess_workload *w = b->w;
    tess_schedule *s = b->s;
    uint32_t dies = 0;
    for (size_t i = 0; i < p->n_instances; i++)
        dies += p->instances[i].kind == TESS_KIND_DIE && !p->instances[i].dead;
    const uint64_t ranks = (uint64_t)w->tp * w->pp * w->dp;
    if (ranks != dies) {
        tess_diag_add(b->diag, b->file, 0,
                      "tp %u x pp %u x dp %u = %llu ranks, but platform '%s' has %u live dies",
                      w->tp, w->pp, w->dp, (unsigned long long)ranks, p->name, dies);
        return TESS_EINVAL;
    }
    s->dies = dies;
    s->tp = w->tp;
    s->pp = w->pp;
    s->dp = w->dp;
    s->chunks = w->chunks;
    s->microbatches = w->global_batch / (w->micro_batch * w->dp);
    s->die_of_rank = calloc(dies, sizeof *s->die_of_rank);
    s->stages = calloc(w->pp, sizeof *s->stages);
    uint32_t *live = calloc(dies, sizeof *live);
    if (!s->die_of_rank || !s->stages || !live) {
        free(live);
        return TESS_ENOMEM;
    }
    uint32_t r = 0;
    for (size_t i = 0; i < p->n_instances; i++)
        if (p->instances[i].kind == TESS_KIND_DIE && !p->instances[i].dead) live[r++] = (uint32_t)i;
    /* the rank order says which of t, st, d (model/rank_map.h) varies fastest over the
     * platform's dies (tp-pp-dp: TP neighbours on consecutive dies) */
    static const int digits[][3] = {{0, 1, 2}, {1, 0, 2}, {0, 2, 1},
                                    {2, 0, 1}, {1, 2, 0}, {2, 1, 0}};
    const int *order = digits[w->rank_order];
    const uint32_t size[3] = {w->tp, w->pp, w->dp};
    for (uint32_t d = 0; d < w->dp; d++)
        for (uint32_t st = 0; st < w->pp; st++)
            for (uint32_t t = 0; t < w->tp; t++) {
                const uint32_t at[3] = {t, st, d};
                const uint32_t slot =
                    at[order[0]] + size[order[0]] * (at[order[1]] + size[order[1]] * at[order[2]]);
                s->die_of_rank[tess_rank_at(w->tp, w->pp, t, st, d)] = live[slot];
            }
    free(live);
    /* the die type every rank runs on: all must be alike for one schedule */
    const uint32_t die0 = s->die_of_rank[0];
    for (r = 1; r < dies; r++) {
        const tess_instance *x = &p->instances[s->die_of_rank[r]];
        if (x->type != p->instances[die0].type) {
            tess_diag_add(
                b->diag, b->file, x->line,
                "die '%s' is of a different die-type from die '%s'; one schedule needs alike dies",
                x->path, p->instances[die0].path);
            return TESS_EINVAL;
        }
    }
    return TESS_OK;
}

/* Step 2: the GEMM tile side. Double-buffered A and B tiles plus an fp32 accumulator
 * tile: 4e + 4 bytes per element of a T x T tile in SRAM, rounded down to the array. */
static int choose_tile(builder *b)
{
    const tess_instance *x = &b->p->instances[b->s->die_of_rank[0]];
    const tess_die_type *dt = &b->p->types[x->type].u.die;
    if (dt->sram_bytes == 0) {
        tess_diag_add(b->diag, b->file, x->line,
                      "die '%s' has no SRAM (die-type attribute 'sram') to tile GEMMs into",
                      x->path);
        return TESS_EINVAL;
    }
    uint64_t T = (uint64_t)floor(sqrt((double)dt->sram_bytes / (4.0 * b->e + 4.0)));
    if (dt->tensor_rows > 1 && T >= dt->tensor_rows) T -= T % dt->tensor_rows;
    if (T < 1) T = 1;
    b->T = T;
    b->s->tile = (uint32_t)T;
    return TESS_OK;
}

/* Bytes a GEMM kernel moves between DRAM and the die: A (M x K), B (K x N) and C (M x N)
 * once each, less any s x s operand (on_chip_side = s) that a fused attention kernel keeps
 * on chip. */
static uint64_t gemm_dram_bytes(const gemm *g, uint64_t e, uint64_t on_chip_side)
{
    const uint64_t dims[3][2] = {{g->m, g->k}, {g->k, g->n}, {g->m, g->n}};
    uint64_t elems = 0;
    for (int i = 0; i < 3; i++)
        if (!on_chip_side || dims[i][0] != on_chip_side || dims[i][1] != on_chip_side)
            elems += dims[i][0] * dims[i][1];
    return elems * g->count * e;
}

typedef enum kernel_set {
    KERNELS_FORWARD,
    KERNELS_BACKWARD,
    KERNELS_ATTENTION_CORE, /* selective recomputation: the softmax and its dropout again */
    KERNELS_LOGITS_FORWARD,
    KERNELS_LOGITS_BACKWARD,
    KERNELS_EMBEDDING_FORWARD,
    KERNELS_EMBEDDING_BACKWARD
} kernel_set;

/* One layer's element-wise kernels on one die, each a vector op with the bytes it reads
 * and writes (Megatron-LM's kernels as Korthikanti et al. 2022 section 4 counts their
 * tensors). Per micro-batch, with A = b s h elements (split t ways with sequence
 * parallelism), S = b (a/t) s^2 attention scores, H = b s f / t MLP hidden elements, e
 * bytes each and 1-byte dropout masks:
 *  forward, fused: LayerNorm 2Ae; scale-mask-softmax 2Se; attention dropout 2Se + S;
 *    bias-dropout-add 3Ae + A; LayerNorm 2Ae; bias-GeLU 2He (SwiGLU 3He);
 *    bias-dropout-add 3Ae + A. Unfused, the softmax is three kernels (scale, mask,
 *    softmax: 6Se), bias-dropout-add three (bias 2Ae, dropout 2Ae + A, add 3Ae) and
 *    bias-GeLU two (4He; SwiGLU 5He).
 *  backward: each kernel reads its input and the incoming gradient and writes its
 *    gradient (3x the tensor; dropout reads its mask); the residual branches' gradients
 *    are summed (3Ae each); LayerNorm's weight gradients read x and dy once more (2Ae
 *    each); each linear layer's bias gradient reads its output gradient once (QKV:
 *    b s (h + 2 h_kv) / t elements, the projection and second MLP layer A each, the
 *    first MLP layer H, 2H with SwiGLU).
 *  flash attention keeps the scores on chip: no softmax or attention-dropout kernels.
 * The logits layer: the final LayerNorm and the vocabulary-parallel cross entropy over
 * L = b s V / t logits (max, exp-sum, loss: reads L three times, writes it once; backward
 * reads and writes it once). The token embedding (vocabulary-parallel, on the first
 * stage): forward, its rows gathered (2 b s h e) and learned positions added (3 b s h e,
 * GPT's LayerNorm models); backward, its table's gradient written dense (V/t x h x e) from
 * the output gradient (b s h e) and added into the fp32 main gradient (read 4 + 4 and the
 * e-byte gradient). */
static void elementwise_kernels(builder *b, tess_template *t, kernel_set set)
{
    const tess_workload *w = b->w;
    const tess_model *md = &w->model;
    const uint64_t e = b->e, tp = w->tp;
    const uint64_t A = b->tok * md->hidden / (w->sequence_parallel ? tp : 1);
    const uint64_t S = (uint64_t)w->micro_batch * (md->heads / tp) * md->sequence * md->sequence;
    const uint64_t H = b->tok * md->ffn / tp, L = b->tok * md->vocab / tp;
    const uint64_t QKV = b->tok * (md->hidden + 2 * md->hidden / md->heads * md->kv_heads) / tp;
    const int swiglu = md->activation == TESS_ACT_SWIGLU, fused = w->fused_kernels;
    const int scores = w->attention == TESS_ATTN_MATERIALIZED;
#define KERNEL(n, bytes) add_group(b, t, TESS_OP_VECTOR, (n), 0, (bytes), -1)
    switch (set) {
    case KERNELS_FORWARD:
        KERNEL(2, 2 * A * e); /* the two LayerNorms */
        if (scores) {
            if (fused)
                KERNEL(1, 2 * S * e);
            else
                KERNEL(3, 2 * S * e);
            KERNEL(1, 2 * S * e + S); /* attention dropout */
        }
        if (fused) {
            KERNEL(2, 3 * A * e + A);
            KERNEL(1, (swiglu ? 3 : 2) * H * e);
        } else {
            KERNEL(2, 2 * A * e);     /* bias */
            KERNEL(2, 2 * A * e + A); /* dropout */
            KERNEL(2, 3 * A * e);     /* residual add */
            KERNEL(1, 2 * H * e);     /* bias */
            KERNEL(1, (swiglu ? 3 : 2) * H * e);
        }
        break;
    case KERNELS_BACKWARD:
        KERNEL(2, 3 * A * e); /* LayerNorm backward: dx from x and dy */
        KERNEL(2, 2 * A * e); /* and dgamma, dbeta: x and dy read again, reduced over tokens */
        /* bias gradients: each linear layer's output gradient read and summed over tokens */
        KERNEL(1, QKV * e);
        KERNEL(2, A * e); /* the attention projection's and the second MLP layer's */
        KERNEL(1, (swiglu ? 2 : 1) * H * e);
        if (scores) {
            KERNEL(fused ? 1 : 2, 3 * S * e); /* softmax (and scale) backward */
            KERNEL(1, 2 * S * e + S);         /* attention dropout backward */
        }
        KERNEL(2, 2 * A * e + A);            /* dropout backward */
        KERNEL(2, 3 * A * e);                /* residual gradient sums */
        KERNEL(1, (swiglu ? 5 : 3) * H * e); /* GeLU / SwiGLU backward */
        break;
    case KERNELS_ATTENTION_CORE:
        if (scores) {
            KERNEL(fused ? 1 : 3, 2 * S * e);
            KERNEL(1, 2 * S * e + S);
        }
        break;
    case KERNELS_LOGITS_FORWARD:
        KERNEL(1, 2 * A * e); /* final LayerNorm */
        KERNEL(1, 4 * L * e); /* cross entropy */
        break;
    case KERNELS_LOGITS_BACKWARD:
        KERNEL(1, 3 * A * e);
        KERNEL(1, 2 * L * e);
        break;
    case KERNELS_EMBEDDING_FORWARD: {
        const uint64_t rows = b->tok * md->hidden; /* b s h, before any sequence split */
        KERNEL(1, 2 * rows * e);
        if (md->norm == TESS_NORM_LAYERNORM) KERNEL(1, 3 * rows * e); /* learned positions */
        break;
    }
    case KERNELS_EMBEDDING_BACKWARD: {
        const uint64_t table = (uint64_t)md->vocab / tp * md->hidden;
        KERNEL(1, table * e + b->tok * md->hidden * e); /* the dense gradient */
        KERNEL(1, table * (e + 8));                     /* into the fp32 main gradient */
        break;
    }
    }
#undef KERNEL
}

/* Step 3: one layer's work on one die (forward, backward, recomputed forward), the
 * logits layer's, and the model's FLOPs. */
static void layer_templates(builder *b)
{
    const tess_workload *w = b->w;
    const tess_model *md = &w->model;
    tess_schedule *s = b->s;
    const uint64_t e = b->e, bt = w->micro_batch, sq = md->sequence, h = md->hidden, f = md->ffn;
    const uint64_t heads = md->heads, hd = h / heads, hkv = hd * md->kv_heads, V = md->vocab,
                   t = w->tp;
    const uint64_t tok = b->tok, tr = b->tr;
    const int two_d = w->tp_style == TESS_TP_2D;
    const double gemm_fwd = 2.0 * tok * h * (h + 2.0 * hkv) + 2.0 * tok * h * h +
                            2.0 * tok * h * f * (md->activation == TESS_ACT_SWIGLU ? 3 : 2);
    const double attn_fwd = 4.0 * bt * sq * sq * h;
    const double logits_fwd = 2.0 * tok * h * V;
    s->model_flops =
        3.0 * s->microbatches * w->dp * (md->layers * (gemm_fwd + attn_fwd) + logits_fwd);

    /* GEMMs of one layer's forward pass on one die */
    const uint64_t nsplit = two_d ? tr : t, ksplit = two_d ? tr : 1;
    const gemm fwd[] = {
        {tok, (h + 2 * hkv) / nsplit, h / ksplit, 1}, /* QKV */
        {sq, sq, hd, bt * heads / t},                 /* scores QK^T */
        {sq, hd, sq, bt * heads / t},                 /* scores x V */
        {tok, h / ksplit, h / nsplit, 1},             /* output projection */
        {tok, f * (md->activation == TESS_ACT_SWIGLU ? 2 : 1) / nsplit, h / ksplit, 1},
        {tok, h / ksplit, f / nsplit, 1}, /* MLP down */
    };
    tess_template *F = &s->fwd, *Bw = &s->bwd, *R = &s->recompute;
    const int flash = w->attention == TESS_ATTN_FLASH;
    s->activation_message_bytes = tok * h * e / t;
    elementwise_kernels(b, F, KERNELS_FORWARD);
    elementwise_kernels(b, Bw, KERNELS_BACKWARD);
    for (size_t i = 0; i < sizeof fwd / sizeof fwd[0]; i++) {
        const int core = i == 1 || i == 2; /* the attention core: its s x s operands */
        const int on_chip = core && flash;
        tile_gemm(b, F, &fwd[i], gemm_dram_bytes(&fwd[i], e, on_chip ? sq : 0));
        /* backward: dX = dY W^T (M x K x N) and dW = X^T dY (K x N x M) */
        const gemm dx = {fwd[i].m, fwd[i].k, fwd[i].n, fwd[i].count};
        const gemm dw = {fwd[i].k, fwd[i].n, fwd[i].m, fwd[i].count};
        tile_gemm(b, Bw, &dx, gemm_dram_bytes(&dx, e, on_chip ? sq : 0));
        tile_gemm(b, Bw, &dw, gemm_dram_bytes(&dw, e, on_chip ? sq : 0));
        if (w->recompute == TESS_RECOMPUTE_FULL ||
            (w->recompute == TESS_RECOMPUTE_SELECTIVE && core))
            tile_gemm(b, R, &fwd[i], gemm_dram_bytes(&fwd[i], e, on_chip ? sq : 0));
    }
    if (w->recompute == TESS_RECOMPUTE_FULL) elementwise_kernels(b, R, KERNELS_FORWARD);
    if (w->recompute == TESS_RECOMPUTE_SELECTIVE) elementwise_kernels(b, R, KERNELS_ATTENTION_CORE);
    const double recompute_flops = R->flops * (double)t; /* per layer, before the TP split */
    s->hardware_flops =
        s->model_flops + (double)s->microbatches * w->dp * md->layers * recompute_flops;

    const gemm logit = {tok, V / t, h, 1};
    const gemm ldx = {tok, h, V / t, 1}, ldw = {h, V / t, tok, 1};
    tile_gemm(b, &s->logits_fwd, &logit, gemm_dram_bytes(&logit, e, 0));
    tile_gemm(b, &s->logits_bwd, &ldx, gemm_dram_bytes(&ldx, e, 0));
    tile_gemm(b, &s->logits_bwd, &ldw, gemm_dram_bytes(&ldw, e, 0));
    elementwise_kernels(b, &s->logits_fwd, KERNELS_LOGITS_FORWARD);
    elementwise_kernels(b, &s->logits_bwd, KERNELS_LOGITS_BACKWARD);
    elementwise_kernels(b, &s->embed_fwd, KERNELS_EMBEDDING_FORWARD);
    elementwise_kernels(b, &s->embed_bwd, KERNELS_EMBEDDING_BACKWARD);
}

/* Activations a stage keeps in flight: the micro-batch chunks its pipeline order has
 * started and not yet finished at its worst. */
static uint64_t chunks_in_flight(tess_pipeline kind, uint64_t st, uint64_t pp, uint64_t m,
                                 uint64_t v)
{
    const uint64_t passes = m * v;
    if (kind == TESS_PIPE_GPIPE) return passes;
    if (kind == TESS_PIPE_1F1B) return pp - st < m ? pp - st : m;
    const uint64_t n = (pp - st - 1) * 2 + (v - 1) * pp + 1;
    return n > passes ? passes : n;
}

/* Step 4: each stage's pass order, work, parameters and memory. */
static int stage_figures(builder *b)
{
    const tess_workload *w = b->w;
    const tess_model *md = &w->model;
    tess_schedule *s = b->s;
    const tess_template *F = &s->fwd, *Bw = &s->bwd, *R = &s->recompute;
    const uint64_t m = s->microbatches, v = w->chunks, pp = w->pp, t = w->tp;
    const uint64_t h = md->hidden, V = md->vocab, sq = md->sequence;
    const double act_layer = activation_bytes(md, w);
    const uint64_t layer_params = tess_model_layer_params(md);
    const double bytes_per_param = w->zero ? 4.0 + 12.0 / w->dp : 16.0;
    for (uint32_t st = 0; st < pp; st++) {
        tess_stage *S = &s->stages[st];
        const uint64_t layers_per_chunk = tess_stage_chunk_layers(w, st);
        S->layers_per_chunk = (uint32_t)layers_per_chunk;
        if (tess_pass_order(S, w->pipeline, st, (uint32_t)pp, (uint32_t)m, (uint32_t)v) != 0)
            return TESS_ENOMEM;
        const uint64_t layer_passes = m * v * layers_per_chunk; /* forward passes of one layer */
        S->flops = (double)layer_passes * (F->flops + Bw->flops + R->flops);
        S->ops = layer_passes * (F->ops + Bw->ops + R->ops);
        S->dram_bytes = layer_passes * (F->bytes + Bw->bytes + R->bytes);
        S->params = layers_per_chunk * v * layer_params / t;
        if (st == 0) {
            S->params += V * h / t + (md->norm == TESS_NORM_LAYERNORM ? sq * h : 0);
            S->flops += (double)m * (s->embed_fwd.flops + s->embed_bwd.flops);
            S->ops += m * (s->embed_fwd.ops + s->embed_bwd.ops);
            S->dram_bytes += m * (s->embed_fwd.bytes + s->embed_bwd.bytes);
        }
        if (st == pp - 1) {
            S->params += V * h / t + 2 * h; /* output layer (a copy when tied) and final norm */
            if (pp == 1 && md->norm == TESS_NORM_LAYERNORM)
                S->params -= V * h / t; /* tied, one copy */
            S->flops += (double)m * (s->logits_fwd.flops + s->logits_bwd.flops);
            S->ops += m * (s->logits_fwd.ops + s->logits_bwd.ops);
            S->dram_bytes += m * (s->logits_fwd.bytes + s->logits_bwd.bytes);
        }
        /* pipeline sends and receives, counted by walking the order as the cursor does */
        for (uint32_t k = 0; k < S->n_order; k++) {
            const tess_pass *ps = &S->order[k];
            S->ops += tess_pass_recvs(s, st, ps) + tess_pass_sends(s, st, ps);
        }
        /* the tail: the data-parallel gradient collective and the optimizer step over the
         * die's share of the optimizer state */
        S->ops += 1 + (w->dp > 1 ? 1 : 0);
        S->optimizer_bytes = TESS_OPTIMIZER_BYTES_PER_PARAM * S->params / (w->zero ? w->dp : 1);
        S->dram_bytes += S->optimizer_bytes;
        S->static_bytes = (uint64_t)(bytes_per_param * (double)S->params);
        S->activation_bytes_per_layer = (uint64_t)act_layer;
        S->in_flight = (uint32_t)chunks_in_flight(w->pipeline, st, pp, m, v);
        S->peak_bytes = S->static_bytes + (uint64_t)(act_layer * layers_per_chunk * S->in_flight);
    }
    return TESS_OK;
}

/* Step 5: every die holds its stage's peak memory. TESS_OK, or TESS_ENOFIT naming the
 * first die that does not (the schedule is still complete). */
static int check_fit(builder *b)
{
    tess_schedule *s = b->s;
    int rc = TESS_OK;
    for (uint32_t r = 0; r < s->dies; r++) {
        const uint32_t stage = tess_rank_stage(s->tp, s->pp, r);
        tess_stage *S = &s->stages[stage];
        const uint32_t die = s->die_of_rank[r];
        const uint64_t cap = die_capacity(b->p, die, s->dies);
        S->capacity_bytes = cap;
        if (S->peak_bytes > s->peak_memory_bytes) {
            s->peak_memory_bytes = S->peak_bytes;
            s->peak_die = die;
        }
        if (S->peak_bytes > cap && rc == TESS_OK) {
            tess_diag_add(b->diag, b->file, 0,
                          "the model does not fit: die '%s' (stage %u) needs %.4g GB "
                          "(weights, gradients and optimizer state %.4g GB; activations of %u "
                          "micro-batch chunks x %u layers, %.4g GB) but has %.4g GB",
                          b->p->instances[die].path, stage, S->peak_bytes / 1e9,
                          S->static_bytes / 1e9, S->in_flight, S->layers_per_chunk,
                          (S->peak_bytes - S->static_bytes) / 1e9, cap / 1e9);
            rc = TESS_ENOFIT;
        }
    }
    return rc;
}

/* A tensor-parallel collective called once a micro-batch by the dies of one stage, as an
 * op of template t (the embedding's or the logits'). */
static void stage_coll(builder *b, const char *what, tess_coll_axis axis, tess_coll kind,
                       uint32_t group, uint64_t bytes, uint32_t stage, tess_template *t)
{
    tess_schedule *s = b->s;
    const uint32_t before = s->n_colls;
    add_coll(b, what, axis, kind, group, bytes, s->microbatches);
    if (s->n_colls == before) return;
    s->colls[before].per_microbatch = 1;
    s->colls[before].only_stage = (int32_t)stage;
    add_group(b, t, TESS_OP_COLLECTIVE, 1, 0, bytes, (int32_t)before);
    s->stages[stage].ops += s->microbatches;
}

/* One stage's tensor-parallel reduction or gather of a micro-batch's activations (`act`
 * bytes), as the layers' collectives go: one ring over the group, or, when the group spans
 * domains, inside each and then across (model/placement.h). names: {all-reduce,
 * reduce-scatter, all-gather} wording for this use. */
static void stage_tp(builder *b, tess_coll kind, const char *const names[3], uint64_t act,
                     uint32_t stage, tess_template *t)
{
    const tess_schedule *s = b->s;
    const uint32_t tp = b->w->tp, mt = s->placement.tp_local;
    if (mt <= 1) {
        stage_coll(b, names[kind], TESS_AXIS_TP, kind, tp, act, stage, t);
        return;
    }
    const uint32_t across = tp / mt;
    if (kind != TESS_ALL_GATHER)
        stage_coll(b, names[TESS_REDUCE_SCATTER], TESS_AXIS_TP_LOCAL, TESS_REDUCE_SCATTER, mt, act,
                   stage, t);
    stage_coll(b, names[kind], TESS_AXIS_TP_CROSS, kind, across, act / mt, stage, t);
    if (kind != TESS_REDUCE_SCATTER)
        stage_coll(b, names[TESS_ALL_GATHER], TESS_AXIS_TP_LOCAL, TESS_ALL_GATHER, mt, act, stage,
                   t);
}

/* Step 6: the tensor-parallel collectives per die per iteration, and their ops in the
 * layer templates (one op per call). */
static void tp_collectives(builder *b)
{
    const tess_workload *w = b->w;
    tess_schedule *s = b->s;
    const uint64_t act = b->tok * w->model.hidden * b->e, t = w->tp, tr = b->tr;
    const int full = w->recompute == TESS_RECOMPUTE_FULL;
    const uint64_t n = full ? 3 : 2; /* forward-like passes of a layer: forward, backward,
                                        and the recomputed forward */
    const uint32_t tp = (uint32_t)t;
    if (w->tp_style == TESS_TP_2D) {
        add_layer_coll(b, "tp 2-D all-gather (rows)", TESS_AXIS_TP_ROWS, TESS_ALL_GATHER,
                       (uint32_t)tr, act / tr, 4 * n);
        add_layer_coll(b, "tp 2-D reduce-scatter (columns)", TESS_AXIS_TP_COLS, TESS_REDUCE_SCATTER,
                       (uint32_t)tr, act / tr, 4 * n);
    } else if (s->placement.tp_local > 1) {
        /* a TP group over several domains: inside each, then across, as the DP gradients;
         * sequence parallel: all-gather across then inside, reduce-scatter inside then across */
        const uint32_t mt = s->placement.tp_local, across = tp / mt;
        if (w->sequence_parallel) {
            add_layer_coll(b, "tp all-gather (across)", TESS_AXIS_TP_CROSS, TESS_ALL_GATHER, across,
                           act / mt, 2 * n);
            add_layer_coll(b, "tp all-gather (inside)", TESS_AXIS_TP_LOCAL, TESS_ALL_GATHER, mt,
                           act, 2 * n);
            add_layer_coll(b, "tp reduce-scatter (inside)", TESS_AXIS_TP_LOCAL, TESS_REDUCE_SCATTER,
                           mt, act, 2 * n);
            add_layer_coll(b, "tp reduce-scatter (across)", TESS_AXIS_TP_CROSS, TESS_REDUCE_SCATTER,
                           across, act / mt, 2 * n);
        } else {
            add_layer_coll(b, "tp reduce-scatter (inside)", TESS_AXIS_TP_LOCAL, TESS_REDUCE_SCATTER,
                           mt, act, 2 * n);
            add_layer_coll(b, "tp all-reduce (across)", TESS_AXIS_TP_CROSS, TESS_ALL_REDUCE, across,
                           act / mt, 2 * n);
            add_layer_coll(b, "tp all-gather (inside)", TESS_AXIS_TP_LOCAL, TESS_ALL_GATHER, mt,
                           act, 2 * n);
        }
    } else if (w->sequence_parallel) {
        add_layer_coll(b, "tp all-gather", TESS_AXIS_TP, TESS_ALL_GATHER, tp, act, 2 * n);
        add_layer_coll(b, "tp reduce-scatter", TESS_AXIS_TP, TESS_REDUCE_SCATTER, tp, act, 2 * n);
    } else {
        add_layer_coll(b, "tp all-reduce", TESS_AXIS_TP, TESS_ALL_REDUCE, tp, act, 2 * n);
    }
    const uint32_t spread = s->n_colls; /* the collectives above run in every pass */
    for (uint32_t i = 0; i < spread; i++) {
        const tess_coll_use *c = &s->colls[i];
        const uint64_t per_pass = c->per_layer / n;
        if (per_pass == 0) continue;
        /* calls are spread 1:1 over forward and backward (and recomputed forward) passes */
        add_group(b, &s->fwd, TESS_OP_COLLECTIVE, per_pass, 0, c->bytes, (int32_t)i);
        add_group(b, &s->bwd, TESS_OP_COLLECTIVE, per_pass, 0, c->bytes, (int32_t)i);
        if (full)
            add_group(b, &s->recompute, TESS_OP_COLLECTIVE, per_pass, 0, c->bytes, (int32_t)i);
        for (uint32_t st = 0; st < s->pp; st++)
            s->stages[st].ops += tess_coll_calls(s, c, st);
    }
    /* sequence parallelism keeps only each die's share of the column-parallel layers'
     * (QKV, first MLP layer) input, so every backward pass gathers it again for their
     * weight gradients: two all-gathers a layer (Korthikanti et al. 2022, section 4.2.2) */
    if (w->sequence_parallel && w->tp_style != TESS_TP_2D) {
        const uint32_t first = s->n_colls;
        if (s->placement.tp_local > 1) {
            const uint32_t mt = s->placement.tp_local;
            add_layer_coll(b, "tp all-gather, backward (across)", TESS_AXIS_TP_CROSS,
                           TESS_ALL_GATHER, tp / mt, act / mt, 2);
            add_layer_coll(b, "tp all-gather, backward (inside)", TESS_AXIS_TP_LOCAL,
                           TESS_ALL_GATHER, mt, act, 2);
        } else {
            add_layer_coll(b, "tp all-gather, backward", TESS_AXIS_TP, TESS_ALL_GATHER, tp, act, 2);
        }
        for (uint32_t i = first; i < s->n_colls; i++) {
            add_group(b, &s->bwd, TESS_OP_COLLECTIVE, 2, 0, s->colls[i].bytes, (int32_t)i);
            for (uint32_t st = 0; st < s->pp; st++)
                s->stages[st].ops += tess_coll_calls(s, &s->colls[i], st);
        }
    }
    /* the vocabulary-parallel embedding sums its partial rows over the group (a reduce-
     * scatter into the sequence-parallel region); the logits layer's input is copied into
     * the group (all-gathered with sequence parallelism) and its gradient summed back.
     * 2-D tensor parallelism (Hecaton's grid) has no embedding layout here: not counted */
    if (w->tp_style != TESS_TP_2D) {
        static const char *const embed[3] = {"tp all-reduce (embedding)",
                                             "tp reduce-scatter (embedding)",
                                             "tp all-gather (embedding)"};
        static const char *const logits[3] = {"tp all-reduce (logits gradient)",
                                              "tp reduce-scatter (logits gradient)",
                                              "tp all-gather (logits)"};
        const int sp = w->sequence_parallel;
        stage_tp(b, sp ? TESS_REDUCE_SCATTER : TESS_ALL_REDUCE, embed, act, 0, &s->embed_fwd);
        if (sp) stage_tp(b, TESS_ALL_GATHER, logits, act, s->pp - 1, &s->logits_fwd);
        stage_tp(b, sp ? TESS_REDUCE_SCATTER : TESS_ALL_REDUCE, logits, act, s->pp - 1,
                 &s->logits_bwd);
    }
}

/* Step 7: the data-parallel gradient (and, with ZeRO-1, parameter) collectives, once per
 * iteration. */
static void dp_collectives(builder *b)
{
    const tess_workload *w = b->w;
    tess_schedule *s = b->s;
    const uint64_t grad_bytes = s->stages[0].params * 2;
    s->dp_coll = w->dp > 1 ? (int32_t)s->n_colls : -1;
    const uint32_t ml = s->placement.dp_local, across = w->dp / ml;
    if (ml > 1) {
        /* hierarchical: reduce-scatter inside each domain, the domain's 1/m share across
         * domains, all-gather inside (ZeRO-1: the reduce-scatter and the all-gather each
         * go inside, then across / across, then inside) */
        add_coll(b, "dp gradient reduce-scatter (inside)", TESS_AXIS_DP_LOCAL, TESS_REDUCE_SCATTER,
                 ml, grad_bytes, 1);
        if (w->zero) {
            add_coll(b, "dp gradient reduce-scatter (across)", TESS_AXIS_DP_CROSS,
                     TESS_REDUCE_SCATTER, across, grad_bytes / ml, 1);
            add_coll(b, "dp parameter all-gather (across)", TESS_AXIS_DP_CROSS, TESS_ALL_GATHER,
                     across, grad_bytes / ml, 1);
        } else {
            add_coll(b, "dp gradient all-reduce (across)", TESS_AXIS_DP_CROSS, TESS_ALL_REDUCE,
                     across, grad_bytes / ml, 1);
        }
        add_coll(b,
                 w->zero ? "dp parameter all-gather (inside)" : "dp gradient all-gather (inside)",
                 TESS_AXIS_DP_LOCAL, TESS_ALL_GATHER, ml, grad_bytes, 1);
    } else if (w->zero) {
        add_coll(b, "dp gradient reduce-scatter", TESS_AXIS_DP, TESS_REDUCE_SCATTER, w->dp,
                 grad_bytes, 1);
        add_coll(b, "dp parameter all-gather", TESS_AXIS_DP, TESS_ALL_GATHER, w->dp, grad_bytes, 1);
    } else {
        add_coll(b, "dp gradient all-reduce", TESS_AXIS_DP, TESS_ALL_REDUCE, w->dp, grad_bytes, 1);
    }
}

/* After every collective is added: each collective's span and scale-out flag, and
 * s->level_bytes. TESS_OK or TESS_ENOMEM. */
static int level_traffic(const tess_platform *p, tess_schedule *s)
{
    for (int l = 0; l <= TESS_SCOPE_LEVELS; l++)
        s->level_bytes[l] = 0;
    /* a die is inside a package, wafer or node: groups leaving it are scale-out */
    int local = 0;
    for (int l = 0; l <= TESS_SCOPE_NODE; l++)
        local |= p->instances[s->die_of_rank[0]].scope[l] != 0;
    const tess_rank_map m = tess_schedule_ranks(s);
    for (uint32_t i = 0; i < s->n_colls; i++) {
        tess_coll_use *c = &s->colls[i];
        uint32_t worst;
        const int span = tess_axis_span(p, &m, c->axis, &worst, 0, NULL);
        c->span = (uint8_t)(span < 0 ? 0 : span);
        c->scale_out = local && span > TESS_SCOPE_NODE;
        /* a ring sends everything to the right: each rank its stage's calls' bytes */
        for (uint32_t r = 0; r < s->dies; r++) {
            const int l = tess_ranks_span(p, &m, r, tess_rank_next(&m, c->axis, r));
            if (l >= 0)
                s->level_bytes[l] +=
                    (double)c->call_bytes_sent *
                    (double)tess_coll_calls(s, c, tess_rank_stage(s->tp, s->pp, r));
        }
    }
    /* pipeline: a stage's forward messages go to the next stage, the next stage's backward
     * ones come back over the same pair */
    uint64_t *fwd = calloc(2 * (size_t)s->pp, sizeof *fwd);
    if (!fwd) return TESS_ENOMEM;
    uint64_t *bwd = fwd + s->pp;
    for (uint32_t st = 0; st < s->pp; st++)
        for (uint32_t k = 0; k < s->stages[st].n_order; k++) {
            const tess_pass *ps = &s->stages[st].order[k];
            (ps->backward ? bwd : fwd)[st] += tess_pass_sends(s, st, ps);
        }
    for (uint32_t r = 0; r < s->dies; r++) {
        const uint32_t next = tess_ring_next(s, TESS_AXIS_PIPELINE, r);
        const int l = tess_ranks_span(p, &m, r, next);
        if (l < 0) continue;
        const uint32_t st = tess_rank_stage(s->tp, s->pp, r),
                       nst = tess_rank_stage(s->tp, s->pp, next);
        s->level_bytes[l] += (double)s->activation_message_bytes * (double)(fwd[st] + bwd[nst]);
    }
    free(fwd);
    return TESS_OK;
}

int tess_schedule_build(const tess_platform *p, const tess_workload *w, const char *file,
                        tess_schedule *s, tess_diag *diag)
{
    memset(s, 0, sizeof *s);
    builder b = {p, w, file, diag, s, tess_dtype_bytes(w->dtype), 0, 0, 1, 0, 0};
    int rc = assign_ranks(&b);
    if (rc == TESS_OK) rc = choose_tile(&b);
    if (rc != TESS_OK) return rc;
    b.gpu = p->types[p->instances[s->die_of_rank[0]].type].u.die.compute == TESS_COMPUTE_GPU;
    while (b.tr * b.tr < w->tp)
        b.tr++; /* 2-D: grid side */
    s->tp_grid = w->tp_style == TESS_TP_2D ? (uint32_t)b.tr : 1;
    const tess_rank_map ranks = tess_schedule_ranks(s);
    rc = tess_place_groups(p, w, file, &ranks, &s->placement, diag);
    if (rc != TESS_OK) return rc;
    b.tok = (uint64_t)w->micro_batch * w->model.sequence;
    layer_templates(&b);
    rc = stage_figures(&b);
    if (rc != TESS_OK) return rc;
    rc = check_fit(&b); /* TESS_ENOFIT still builds the whole schedule */
    tp_collectives(&b);
    for (uint32_t st = 0; st < s->pp; st++)
        s->ops += s->stages[st].ops * s->tp * s->dp;
    dp_collectives(&b);
    if (b.no_memory) return TESS_ENOMEM;
    /* messages each die sends: every collective's ring steps (each die is in one group of
     * each) and the stage's pipeline sends */
    for (uint32_t st = 0; st < s->pp; st++) {
        tess_stage *S = &s->stages[st];
        S->messages = 0;
        for (uint32_t k = 0; k < S->n_order; k++)
            S->messages += tess_pass_sends(s, st, &S->order[k]);
        for (uint32_t i = 0; i < s->n_colls; i++)
            S->messages += s->colls[i].call_messages * tess_coll_calls(s, &s->colls[i], st);
    }
    if (rc == TESS_OK) rc = level_traffic(p, s);
    return rc;
}
