/* The tile-schedule generator: see schedule.h. */
#include "schedule.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tessera/tessera.h"

/* ---- collectives -------------------------------------------------------- */

void tess_collective_cost(tess_coll c, tess_coll_algo a, uint32_t n, uint32_t rows,
                          uint64_t bytes, uint64_t *messages, uint64_t *bytes_sent)
{
    *messages = 0;
    *bytes_sent = 0;
    if (n <= 1) return;
    if (a == TESS_ALGO_2D && rows > 1 && n % rows == 0 && n / rows > 1) {
        /* reduce-scatter along a row (cols dies), all-reduce the 1/cols share along a
         * column (rows dies), all-gather along the row */
        const uint64_t cols = n / rows;
        uint64_t m1, b1, m2, b2;
        if (c == TESS_ALL_REDUCE) {
            tess_collective_cost(TESS_REDUCE_SCATTER, TESS_ALGO_RING, (uint32_t)cols, 1, bytes, &m1, &b1);
            tess_collective_cost(TESS_ALL_REDUCE, TESS_ALGO_RING, rows, 1, bytes / cols, &m2, &b2);
            *messages = 2 * m1 + m2;
            *bytes_sent = 2 * b1 + b2;
            return;
        }
        /* reduce-scatter / all-gather: along rows, then columns on the 1/cols share */
        tess_collective_cost(c, TESS_ALGO_RING, (uint32_t)cols, 1, bytes, &m1, &b1);
        tess_collective_cost(c, TESS_ALGO_RING, rows, 1, bytes / cols, &m2, &b2);
        *messages = m1 + m2;
        *bytes_sent = b1 + b2;
        return;
    }
    const uint64_t steps = c == TESS_ALL_REDUCE ? 2ull * (n - 1) : (uint64_t)(n - 1);
    *messages = steps;
    *bytes_sent = steps * (bytes / n);
}

/* ---- helpers ------------------------------------------------------------- */

static uint64_t ceil_div(uint64_t a, uint64_t b) { return (a + b - 1) / b; }

typedef struct gemm {
    uint64_t m, n, k, count; /* count GEMMs of M x N x K */
} gemm;

/* Tile ops, DMA ops and DRAM bytes of GEMMs tiled T x T (output stationary): A is read
 * once per column of output tiles, B once per row of them, C written once. */
static void tile_gemm(const gemm *g, uint64_t T, uint64_t merge, uint64_t e, uint64_t *ops,
                      uint64_t *bytes)
{
    const uint64_t tm = ceil_div(g->m, T), tn = ceil_div(g->n, T), tk = ceil_div(g->k, T);
    const uint64_t tiles = ceil_div(tm * tn * tk, merge * merge);
    const uint64_t stores = ceil_div(tm * tn, merge * merge);
    *ops += g->count * (tiles /* MAC */ + 2 * tiles /* loads of A and B */ + stores);
    *bytes += g->count * e * (g->m * g->k * tn + g->k * g->n * tm + g->m * g->n);
}

/* ---- the pipeline order of passes --------------------------------------- */

static void pass_of(uint32_t k, uint32_t p, uint32_t v, int backward, tess_pass *out)
{
    /* Megatron's interleaving: groups of p micro-batches go through chunk 0, then
     * chunk 1, ...; backward visits the chunks in reverse */
    const uint32_t group = (k / p) % v;
    out->microbatch = (k / (p * v)) * p + k % p;
    out->chunk = backward ? v - 1 - group : group;
    out->backward = (uint8_t)backward;
}

static int build_order(tess_stage *st, tess_pipeline kind, uint32_t s, uint32_t p, uint32_t m,
                       uint32_t v)
{
    const uint32_t total = m * v;
    st->order = calloc(2 * (size_t)total, sizeof *st->order);
    if (!st->order) return -1;
    uint32_t n = 0, f = 0, b = 0;
    if (kind == TESS_PIPE_GPIPE) {
        for (f = 0; f < total; f++) pass_of(f, total + 1, 1, 0, &st->order[n++]);
        for (b = 0; b < total; b++) pass_of(b, total + 1, 1, 1, &st->order[n++]);
        /* with v = 1 pass_of(k, >k, 1) is micro-batch k, chunk 0 */
    } else {
        uint32_t warmup = kind == TESS_PIPE_INTERLEAVED ? (p - s - 1) * 2 + (v - 1) * p : p - s - 1;
        if (warmup > total) warmup = total;
        for (; f < warmup; f++) pass_of(f, p, v, 0, &st->order[n++]);
        while (f < total) {
            pass_of(f++, p, v, 0, &st->order[n++]);
            pass_of(b++, p, v, 1, &st->order[n++]);
        }
        while (b < total) pass_of(b++, p, v, 1, &st->order[n++]);
    }
    st->n_order = n;
    return 0;
}

double tess_schedule_critical_path(const tess_schedule *s, double t_fwd, double t_bwd,
                                   double *ideal)
{
    const uint32_t p = s->pp, m = s->microbatches, v = s->chunks;
    const size_t cells = (size_t)p * m * v;
    double *F = malloc(cells * sizeof *F), *B = malloc(cells * sizeof *B);
    uint32_t *next = calloc(p, sizeof *next);
    double *free_at = calloc(p, sizeof *free_at);
    double makespan = -1;
    if (!F || !B || !next || !free_at) goto out;
    for (size_t i = 0; i < cells; i++) F[i] = B[i] = -1;
#define AT(arr, st, mb, c) arr[((size_t)(st) * m + (mb)) * v + (c)]
    for (int progress = 1; progress;) {
        progress = 0;
        for (uint32_t st = 0; st < p; st++) {
            while (next[st] < s->stages[st].n_order) {
                const tess_pass *ps = &s->stages[st].order[next[st]];
                double dep = 0;
                if (!ps->backward) {
                    if (st > 0)
                        dep = AT(F, st - 1, ps->microbatch, ps->chunk);
                    else if (ps->chunk > 0)
                        dep = AT(F, p - 1, ps->microbatch, ps->chunk - 1);
                } else {
                    if (st + 1 < p)
                        dep = AT(B, st + 1, ps->microbatch, ps->chunk);
                    else if (ps->chunk + 1 < v)
                        dep = AT(B, 0, ps->microbatch, ps->chunk + 1);
                    else
                        dep = AT(F, st, ps->microbatch, ps->chunk);
                }
                if (dep < 0) break; /* its predecessor has not run yet */
                const double start = dep > free_at[st] ? dep : free_at[st];
                free_at[st] = start + (ps->backward ? t_bwd : t_fwd);
                if (ps->backward)
                    AT(B, st, ps->microbatch, ps->chunk) = free_at[st];
                else
                    AT(F, st, ps->microbatch, ps->chunk) = free_at[st];
                next[st]++;
                progress = 1;
            }
        }
    }
#undef AT
    makespan = 0;
    for (uint32_t st = 0; st < p; st++) {
        if (next[st] < s->stages[st].n_order) { /* an order that waits on itself */
            makespan = -1;
            goto out;
        }
        if (free_at[st] > makespan) makespan = free_at[st];
    }
    if (ideal) *ideal = (double)m * v * (t_fwd + t_bwd);
out:
    free(F);
    free(B);
    free(next);
    free(free_at);
    return makespan;
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
    uint64_t direct = 0, pool = 0;
    for (size_t k = 0; k < p->n_links; k++) {
        const tess_link *l = &p->links[k];
        if (l->dead) continue;
        uint32_t other = l->a == die ? l->b : l->b == die ? l->a : TESS_NONE;
        if (other != TESS_NONE && p->instances[other].kind == TESS_KIND_MEMORY)
            direct += p->types[p->instances[other].type].u.memory.capacity_bytes;
    }
    if (direct) return direct;
    for (size_t i = 0; i < p->n_instances; i++)
        if (p->instances[i].kind == TESS_KIND_MEMORY && !p->instances[i].dead)
            pool += p->types[p->instances[i].type].u.memory.capacity_bytes;
    if (pool) return pool / dies;
    return p->types[p->instances[die].type].u.die.sram_bytes;
}

/* ---- the schedule ---------------------------------------------------------- */

static void add_coll(tess_schedule *s, const char *what, tess_coll kind, tess_coll_algo algo,
                     uint32_t group, uint32_t rows, uint64_t bytes, uint64_t calls)
{
    if (group <= 1 || calls == 0 || s->n_colls >= sizeof s->colls / sizeof s->colls[0]) return;
    tess_coll_use *u = &s->colls[s->n_colls++];
    u->what = what;
    u->kind = kind;
    u->algo = algo;
    u->group = group;
    u->rows = rows;
    u->bytes = bytes;
    u->calls = calls;
    uint64_t msgs, sent;
    tess_collective_cost(kind, algo, group, rows, bytes, &msgs, &sent);
    u->messages = msgs * calls;
    u->bytes_sent = sent * calls;
}

void tess_schedule_free(tess_schedule *s)
{
    if (!s) return;
    if (s->stages)
        for (uint32_t i = 0; i < s->pp; i++) free(s->stages[i].order);
    free(s->stages);
    free(s->die_of_rank);
    memset(s, 0, sizeof *s);
}

int tess_schedule_build(const tess_platform *p, const tess_workload *w, const char *file,
                        tess_schedule *s, tess_diag *diag)
{
    memset(s, 0, sizeof *s);
    const tess_model *md = &w->model;
    uint32_t dies = 0;
    for (size_t i = 0; i < p->n_instances; i++)
        dies += p->instances[i].kind == TESS_KIND_DIE && !p->instances[i].dead;
    const uint64_t ranks = (uint64_t)w->tp * w->pp * w->dp;
    if (ranks != dies) {
        tess_diag_add(diag, file, 0,
                      "tp %u x pp %u x dp %u = %llu ranks, but platform '%s' has %u live dies",
                      w->tp, w->pp, w->dp, (unsigned long long)ranks, p->name, dies);
        return TESS_EINVAL;
    }
    s->dies = dies;
    s->pp = w->pp;
    s->chunks = w->chunks;
    s->microbatches = w->global_batch / (w->micro_batch * w->dp);
    s->die_of_rank = calloc(dies, sizeof *s->die_of_rank);
    s->stages = calloc(w->pp, sizeof *s->stages);
    if (!s->die_of_rank || !s->stages) return TESS_ENOMEM;
    {
        uint32_t r = 0;
        uint32_t *live = calloc(dies, sizeof *live);
        if (!live) return TESS_ENOMEM;
        for (size_t i = 0; i < p->n_instances; i++)
            if (p->instances[i].kind == TESS_KIND_DIE && !p->instances[i].dead) live[r++] = (uint32_t)i;
        /* rank numbering: tp-pp-dp puts TP neighbours on consecutive dies */
        for (uint32_t d = 0; d < w->dp; d++)
            for (uint32_t st = 0; st < w->pp; st++)
                for (uint32_t t = 0; t < w->tp; t++) {
                    uint32_t rank = t + w->tp * (st + w->pp * d);
                    uint32_t slot = w->rank_order == TESS_RANKS_TP_PP_DP
                                        ? rank
                                        : st + w->pp * (t + w->tp * d);
                    s->die_of_rank[rank] = live[slot];
                }
        free(live);
    }

    /* the die type every rank runs on: all must be alike for one schedule */
    const uint32_t die0 = s->die_of_rank[0];
    const tess_die_type *dt = &p->types[p->instances[die0].type].u.die;
    for (uint32_t r = 1; r < dies; r++) {
        if (p->instances[s->die_of_rank[r]].type != p->instances[die0].type) {
            tess_diag_add(diag, file, p->instances[s->die_of_rank[r]].line,
                          "die '%s' is of a different die-type from die '%s'; one schedule "
                          "needs alike dies",
                          p->instances[s->die_of_rank[r]].path, p->instances[die0].path);
            return TESS_EINVAL;
        }
    }
    const uint64_t e = tess_dtype_bytes(w->dtype);
    if (dt->sram_bytes == 0) {
        tess_diag_add(diag, file, p->instances[die0].line,
                      "die '%s' has no SRAM (die-type attribute 'sram') to tile GEMMs into",
                      p->instances[die0].path);
        return TESS_EINVAL;
    }
    /* double-buffered A and B tiles plus an fp32 accumulator tile: 4e + 4 bytes per
     * element of a T x T tile */
    uint64_t T = (uint64_t)floor(sqrt((double)dt->sram_bytes / (4.0 * e + 4.0)));
    if (dt->tensor_rows > 1 && T >= dt->tensor_rows) T -= T % dt->tensor_rows;
    if (T < 1) T = 1;
    s->tile = (uint32_t)T;

    /* ---- per-layer work (per die) ---- */
    const uint64_t b = w->micro_batch, sq = md->sequence, h = md->hidden, f = md->ffn;
    const uint64_t heads = md->heads, hd = h / heads;
    const uint64_t hkv = hd * md->kv_heads, V = md->vocab, t = w->tp;
    uint64_t tr = 1; /* 2-D: grid side */
    while (tr * tr < t) tr++;
    const int two_d = w->tp_style == TESS_TP_2D;
    const uint64_t tok = b * sq;
    const double gemm_fwd = 2.0 * tok * h * (h + 2.0 * hkv) + 2.0 * tok * h * h +
                            2.0 * tok * h * f * (md->activation == TESS_ACT_SWIGLU ? 3 : 2);
    const double attn_fwd = 4.0 * b * sq * sq * h;
    const double layer_fwd = gemm_fwd + attn_fwd;
    const double logits_fwd = 2.0 * tok * h * V;
    s->model_flops = 3.0 * s->microbatches * w->dp * (md->layers * layer_fwd + logits_fwd);

    /* GEMMs of one layer's forward pass on one die */
    const uint64_t nsplit = two_d ? tr : t, ksplit = two_d ? tr : 1;
    const gemm fwd[] = {
        {tok, (h + 2 * hkv) / nsplit, h / ksplit, 1},       /* QKV */
        {sq, sq, hd, b * heads / t},                        /* scores QK^T */
        {sq, hd, sq, b * heads / t},                        /* scores x V */
        {tok, h / ksplit, h / nsplit, 1},                   /* output projection */
        {tok, f * (md->activation == TESS_ACT_SWIGLU ? 2 : 1) / nsplit, h / ksplit, 1},
        {tok, h / ksplit, f / nsplit, 1},                   /* MLP down */
    };
    uint64_t fwd_ops = 0, fwd_bytes = 0, bwd_ops = 0, bwd_bytes = 0, attn_ops = 0, attn_bytes = 0;
    for (size_t i = 0; i < sizeof fwd / sizeof fwd[0]; i++) {
        tile_gemm(&fwd[i], T, w->tile_merge, e, &fwd_ops, &fwd_bytes);
        /* backward: dX = dY W^T (M x K x N) and dW = X^T dY (K x N x M) */
        gemm dx = {fwd[i].m, fwd[i].k, fwd[i].n, fwd[i].count};
        gemm dw = {fwd[i].k, fwd[i].n, fwd[i].m, fwd[i].count};
        tile_gemm(&dx, T, w->tile_merge, e, &bwd_ops, &bwd_bytes);
        tile_gemm(&dw, T, w->tile_merge, e, &bwd_ops, &bwd_bytes);
        if (i == 1 || i == 2) tile_gemm(&fwd[i], T, w->tile_merge, e, &attn_ops, &attn_bytes);
    }
    const uint64_t vector_ops = 7; /* 2 norms, softmax, activation, 2 residual adds, dropout */
    const uint64_t tp_colls_fwd = t > 1 ? (two_d ? 8 : (w->sequence_parallel ? 4 : 2)) : 0;
    fwd_ops += vector_ops + tp_colls_fwd;
    bwd_ops += 2 * vector_ops + tp_colls_fwd;
    uint64_t recompute_ops = 0, recompute_bytes = 0;
    double recompute_flops = 0;
    if (w->recompute == TESS_RECOMPUTE_FULL) {
        recompute_ops = fwd_ops;
        recompute_bytes = fwd_bytes;
        recompute_flops = layer_fwd;
    } else if (w->recompute == TESS_RECOMPUTE_SELECTIVE) {
        recompute_ops = attn_ops + 2;
        recompute_bytes = attn_bytes;
        recompute_flops = attn_fwd;
    }
    s->hardware_flops = s->model_flops + (double)s->microbatches * w->dp * md->layers * recompute_flops;

    /* ---- per stage ---- */
    const uint64_t m = s->microbatches, v = w->chunks, pp = w->pp;
    const uint64_t layers_per_chunk = md->layers / (pp * v);
    const double act_layer = activation_bytes(md, w);
    const uint64_t layer_params = tess_model_layer_params(md);
    const double bytes_per_param = w->zero ? 4.0 + 12.0 / w->dp : 16.0;
    int rc = TESS_OK;
    for (uint32_t st = 0; st < pp; st++) {
        tess_stage *S = &s->stages[st];
        S->layers_per_chunk = (uint32_t)layers_per_chunk;
        if (build_order(S, w->pipeline, st, (uint32_t)pp, (uint32_t)m, (uint32_t)v) != 0)
            return TESS_ENOMEM;
        const uint64_t passes = m * v; /* forward passes of one chunk's layers */
        const uint64_t layer_passes = passes * layers_per_chunk;
        S->flops = (double)layer_passes * (3.0 * layer_fwd + recompute_flops) / t;
        S->ops = layer_passes * (fwd_ops + bwd_ops + recompute_ops);
        S->dram_bytes = layer_passes * (fwd_bytes + bwd_bytes + recompute_bytes);
        S->params = layers_per_chunk * v * layer_params / t;
        if (st == 0) S->params += V * h / t + (md->norm == TESS_NORM_LAYERNORM ? sq * h : 0);
        if (st == pp - 1) {
            S->params += V * h / t + 2 * h; /* output layer (a copy when tied) and final norm */
            if (pp == 1 && md->norm == TESS_NORM_LAYERNORM) S->params -= V * h / t; /* tied, one copy */
            const gemm logit = {tok, V / t, h, 1};
            uint64_t lo = 0, lb = 0;
            tile_gemm(&logit, T, w->tile_merge, e, &lo, &lb);
            S->flops += (double)m * 3.0 * logits_fwd / t;
            S->ops += m * 3 * lo;
            S->dram_bytes += m * 3 * lb;
        }
        /* pipeline sends and receives: activations forward, gradients backward */
        const uint64_t sends = (st + 1 < pp || v > 1 ? passes : 0) + (st > 0 || v > 1 ? passes : 0);
        S->ops += sends;
        /* the optimizer step: one op over the die's parameters; mixed-precision Adam
         * reads and writes 28 B per parameter (fp16 gradient in, fp32 master weight and
         * two moments in and out, fp16 weight out) */
        S->ops += 1 + (t > 1 || w->dp > 1 ? 1 : 0);
        S->dram_bytes += 28 * S->params / (w->zero ? w->dp : 1);
        S->static_bytes = (uint64_t)(bytes_per_param * (double)S->params);
        S->activation_bytes_per_layer = (uint64_t)act_layer;
        uint64_t in_flight;
        if (w->pipeline == TESS_PIPE_GPIPE)
            in_flight = passes;
        else if (w->pipeline == TESS_PIPE_1F1B)
            in_flight = pp - st < m ? pp - st : m;
        else {
            in_flight = (pp - st - 1) * 2 + (v - 1) * pp + 1;
            if (in_flight > passes) in_flight = passes;
        }
        S->in_flight = (uint32_t)in_flight;
        S->peak_bytes = S->static_bytes + (uint64_t)(act_layer * layers_per_chunk * in_flight);
        s->ops += S->ops * t * w->dp;
    }
    /* memory fit: every die of every stage */
    for (uint32_t r = 0; r < dies; r++) {
        const uint32_t stage = (r / w->tp) % w->pp; /* ranks count TP fastest, then PP */
        tess_stage *S = &s->stages[stage];
        const uint32_t die = s->die_of_rank[r];
        const uint64_t cap = die_capacity(p, die, dies);
        S->capacity_bytes = cap;
        if (S->peak_bytes > s->peak_memory_bytes) {
            s->peak_memory_bytes = S->peak_bytes;
            s->peak_die = die;
        }
        if (S->peak_bytes > cap && rc == TESS_OK) {
            tess_diag_add(diag, file, 0,
                          "the model does not fit: die '%s' (stage %u) needs %.4g GB "
                          "(weights, gradients and optimizer state %.4g GB; activations of %u "
                          "micro-batch chunks x %u layers, %.4g GB) but has %.4g GB",
                          p->instances[die].path, stage, S->peak_bytes / 1e9,
                          S->static_bytes / 1e9, S->in_flight, S->layers_per_chunk,
                          (S->peak_bytes - S->static_bytes) / 1e9, cap / 1e9);
            rc = TESS_EINVAL;
        }
    }
    /* collectives, per die per iteration */
    const uint64_t act = tok * h * e;
    const uint64_t layer_passes_die = m * v * layers_per_chunk;
    const uint64_t fwd_like = layer_passes_die * (w->recompute == TESS_RECOMPUTE_FULL ? 3 : 2);
    if (two_d) {
        add_coll(s, "tp 2-D all-gather (rows)", TESS_ALL_GATHER, TESS_ALGO_RING, (uint32_t)tr, 1,
                 act / tr, 4 * fwd_like);
        add_coll(s, "tp 2-D reduce-scatter (columns)", TESS_REDUCE_SCATTER, TESS_ALGO_RING,
                 (uint32_t)tr, 1, act / tr, 4 * fwd_like);
    } else if (w->sequence_parallel) {
        add_coll(s, "tp all-gather", TESS_ALL_GATHER, TESS_ALGO_RING, (uint32_t)t, 1, act, 2 * fwd_like);
        add_coll(s, "tp reduce-scatter", TESS_REDUCE_SCATTER, TESS_ALGO_RING, (uint32_t)t, 1, act,
                 2 * fwd_like);
    } else {
        add_coll(s, "tp all-reduce", TESS_ALL_REDUCE, TESS_ALGO_RING, (uint32_t)t, 1, act, 2 * fwd_like);
    }
    const uint64_t grad_bytes = s->stages[0].params * 2;
    if (w->zero) {
        add_coll(s, "dp gradient reduce-scatter", TESS_REDUCE_SCATTER, TESS_ALGO_RING, w->dp, 1,
                 grad_bytes, 1);
        add_coll(s, "dp parameter all-gather", TESS_ALL_GATHER, TESS_ALGO_RING, w->dp, 1,
                 grad_bytes, 1);
    } else {
        add_coll(s, "dp gradient all-reduce", TESS_ALL_REDUCE, TESS_ALGO_RING, w->dp, 1,
                 grad_bytes, 1);
    }
    return rc;
}
