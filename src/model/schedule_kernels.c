/* One layer's work on one die: its GEMMs (SRAM tiles with their loads and stores on a
 * systolic die, whole kernels on a gpu die) and its element-wise kernels with the bytes
 * each touches; the logits' and the embedding's likewise. Part of the schedule's build
 * (model/schedule_build.h). */
#include "model/schedule_build.h"

#include <math.h>

#include <string.h>

#include "config/arith.h"
#include "model/die_timing.h"

/* count GEMM ops of g's FLOPs shared evenly, each moving bytes_each (of which it writes
 * written_each: a gpu kernel's C), with g's shape and the tile edge (0 for a gpu kernel)
 * kept on the group for the die's timing rule */
static void gemm_group(builder *b, tess_template *t, const gemm *g, uint64_t count,
                       uint64_t bytes_each, uint64_t written_each, uint64_t tile)
{
    tess_build_add_group(b, t, TESS_OP_GEMM, count, 2.0 * g->m * g->n * g->k * g->count / count,
                         bytes_each, -1);
    if (b->no_memory) return;
    tess_op_group *gg = &t->groups[t->n - 1];
    gg->dram_write_each = written_each;
    gg->fp8 = (uint8_t)b->fp8;
    gg->gm = g->m;
    gg->gn = g->n;
    gg->gk = g->k;
    gg->gcount = g->count;
    gg->tile = tile;
    gg->node = b->node;
    gg->src[0] = b->src[0];
    gg->src[1] = b->src[1];
    gg->weights = b->weights;
    /* the operands that read nothing of the GEMM before it (an untraced one reads it) */
    for (uint32_t i = t->n - 1; i-- > 0;) {
        if (t->groups[i].kind != TESS_OP_GEMM) continue;
        const uint16_t prev = t->groups[i].node;
        for (int k = 0; k < 2; k++)
            if (b->src[k] == 0 || (b->src[k] != TESS_NODE_UNTRACED && prev != 0 &&
                                   prev != TESS_NODE_UNTRACED && b->src[k] != prev))
                gg->ahead |= (uint8_t)(1u << k);
        break;
    }
    if (tile) { /* a systolic die's tiles: the arrays' operand and accumulator traffic */
        const tess_gemm_kernel k = {g->m, g->n, g->k, g->count, tile, 0, (unsigned)b->e};
        gg->sram_each = (uint64_t)(tess_gemm_sram_bytes(b->dt, &k) / (double)count);
        t->sram += gg->sram_each * count;
    }
}

/* The node, operand sources and weight operands (tess_op_group) of the GEMMs added next. */
static void dataflow(builder *b, uint16_t node, uint16_t a, uint16_t bsrc, uint8_t weights)
{
    b->node = node;
    b->src[0] = a;
    b->src[1] = bsrc;
    b->weights = weights;
}

/* Bytes of a GEMM's tiles that do not fit the die's SRAM: per tile of edges tm x tn x tk,
 * its working set (double-buffered A and B tiles, 2e (tm tk + tk tn), and an fp32
 * accumulator tile, 4 tm tn) less the SRAM, summed over the GEMM's tiles; *largest gets
 * the largest working set. */
static uint64_t spilled_bytes(const gemm *g, uint64_t T, uint64_t e, uint64_t sram,
                              uint64_t *largest)
{
    *largest = 0;
    tess_tile_class cls[8];
    const unsigned n_cls = tess_gemm_tile_classes(g->m, g->n, g->k, T, cls);
    uint64_t over = 0;
    for (unsigned i = 0; i < n_cls; i++) {
        const tess_tile_class *c = &cls[i];
        const uint64_t working = 2 * e * (c->tm * c->tk + c->tk * c->tn) + 4 * c->tm * c->tn;
        if (working > sram) over += c->count * (working - sram);
        if (working > *largest) *largest = working;
    }
    return over * g->count;
}

/* Bytes a GEMM kernel moves between DRAM and the die: A (M x K), B (K x N) and C (M x N)
 * once each (with fp8 operands, b->fp8, A and B one byte an element), less the attention
 * scores a fused attention kernel keeps on chip: the operand of rows x s (or s x rows) when
 * rows > 0 (rows: the die's query rows of a head, s the sequence). written: C's part. */
typedef struct gemm_traffic {
    uint64_t bytes, written;
} gemm_traffic;

static gemm_traffic gemm_dram_bytes(const builder *b, const gemm *g, uint64_t rows, uint64_t s)
{
    const uint64_t dims[3][2] = {{g->m, g->k}, {g->k, g->n}, {g->m, g->n}};
    gemm_traffic d = {0, 0};
    for (int i = 0; i < 3; i++) {
        const int scores = rows && ((dims[i][0] == rows && dims[i][1] == s) ||
                                    (dims[i][0] == s && dims[i][1] == rows));
        if (scores) continue;
        const uint64_t bytes = dims[i][0] * dims[i][1] * (b->fp8 && i < 2 ? 1 : b->e) * g->count;
        d.bytes += bytes;
        if (i == 2) d.written = bytes;
    }
    return d;
}

/* GEMMs tiled T x T, output stationary: per tile a MAC op and loads of its A and B
 * tiles, per output tile a store; A is read once per column of output tiles, B once
 * per row of them, C written once. The workload's tile-merge tiles per dimension make
 * one op. A tile whose working set exceeds the SRAM (a workload's gemm-tile) spills the
 * excess: written out to DRAM and read back once per tile (the stores and loads carry
 * it), or, with sram-spill off, the GEMM is refused by name. */
static void tile_gemm(builder *b, tess_template *t, const gemm *g, gemm_traffic dram)
{
    if (b->gpu) { /* one op, the whole kernel: its CTAs stream A and B and write C */
        if (g->m && g->n && g->k && g->count) gemm_group(b, t, g, 1, dram.bytes, dram.written, 0);
        return;
    }
    const uint64_t T = b->T, merge = b->w->tile_merge, e = b->e;
    const uint64_t tm = tess_ceil_div(g->m, T), tn = tess_ceil_div(g->n, T),
                   tk = tess_ceil_div(g->k, T);
    const uint64_t tiles = tess_ceil_div(tm * tn * tk, merge * merge) * g->count;
    const uint64_t stores = tess_ceil_div(tm * tn, merge * merge) * g->count;
    if (tiles == 0) return; /* no GEMM of this shape */
    const uint64_t sram = b->dt->sram_bytes;
    uint64_t largest;
    const uint64_t spill = spilled_bytes(g, T, e, sram, &largest);
    if (spill && !b->w->sram_spill) {
        if (!b->tile_refused)
            tess_diag_add(
                b->diag, b->file, b->w->line,
                "die '%s', the %s GEMM (%llu x %llu x %llu) in tiles of %llu: a tile needs up "
                "to %llu bytes of SRAM (double-buffered A and B tiles and an fp32 accumulator) "
                "and the die has %llu; the workload says sram-spill=\"off\" (gemm-tile=\"0\" "
                "takes the largest tile that fits)",
                b->die->path, g->name, (unsigned long long)g->m, (unsigned long long)g->n,
                (unsigned long long)g->k, (unsigned long long)T, (unsigned long long)largest,
                (unsigned long long)sram);
        b->tile_refused = 1;
        return;
    }
    const uint64_t load_bytes = g->count * e * (g->m * g->k * tn + g->k * g->n * tm) + spill;
    tess_build_add_group(b, t, TESS_OP_LOAD, 2 * tiles, 0, load_bytes / (2 * tiles), -1);
    gemm_group(b, t, g, tiles, 0, 0, T * merge);
    if (!b->no_memory) t->groups[t->n - 2].weights = b->weights; /* its loads' too */
    tess_build_add_group(b, t, TESS_OP_STORE, stores, 0,
                         (g->count * e * g->m * g->n + spill) / stores, -1);
}

/* The element-wise kernels of one place in a layer (or in the logits or embedding layer),
 * in forward order; a backward pass runs each place's backward kernels where the forward
 * place's mirror falls (layer_kind). */
typedef enum kernel_set {
    KERNELS_INPUT_NORM,    /* the layer's first norm; backward with its residual sum */
    KERNELS_QUERY_NORM,    /* latent attention's query latent norm */
    KERNELS_KV_NORM,       /* and its key/value latent norm */
    KERNELS_SOFTMAX,       /* scale-mask-softmax and the attention dropout */
    KERNELS_QKV_OUT,       /* backward: QKV's bias gradient */
    KERNELS_ATTENTION_OUT, /* bias-dropout-add, the second norm; backward the residual sum */
    KERNELS_ROUTER,        /* the router's softmax and top-k, the tokens permuted */
    KERNELS_EXPERT_ACT,    /* the routed experts' bias and activation */
    KERNELS_UNPERMUTE,     /* the experts' outputs permuted back and combined */
    KERNELS_MLP_ACT,       /* the dense MLP's (with experts: the shared experts') */
    KERNELS_MLP_OUT,       /* bias-dropout-add */
    KERNELS_LOGITS_NORM,   /* the final norm */
    KERNELS_CROSS_ENTROPY,
    KERNELS_EMBEDDING,
    KERNELS_MTP_NORMS /* a multi-token prediction module's two input norms */
} kernel_set;

/* n element-wise kernels of t, each moving `bytes` of which it writes `written` (a gpu
 * die's DRAM traffic; on a systolic die its operands are in SRAM) */
static void vector_kernel(builder *b, tess_template *t, uint64_t n, uint64_t bytes,
                          uint64_t written)
{
    const uint32_t before = t->n;
    tess_build_add_group(b, t, TESS_OP_VECTOR, n, 0, bytes, -1);
    if (t->n > before && t->groups[before].dram_each) t->groups[before].dram_write_each = written;
}

/* One place's element-wise kernels on one die (`backward`: the backward pass's), each a
 * vector op with the bytes it reads and writes (Megatron-LM's kernels as Korthikanti et
 * al. 2022 section 4 counts their tensors). Per micro-batch, with A = b s h elements
 * (split t ways with sequence parallelism), S = b (a/t) s^2 attention scores, H = b s f / t
 * MLP hidden elements, e bytes each and 1-byte dropout masks:
 *  forward, fused: LayerNorm 2Ae; scale-mask-softmax 2Se; attention dropout 2Se + S;
 *    bias-dropout-add 3Ae + A; LayerNorm 2Ae; bias-GeLU 2He (SwiGLU 3He);
 *    bias-dropout-add 3Ae + A. Unfused, the softmax is three kernels (scale, mask,
 *    softmax: 6Se), bias-dropout-add three (bias 2Ae, dropout 2Ae + A, add 3Ae) and
 *    bias-GeLU two (4He; SwiGLU 5He).
 *  backward: each kernel reads its input and the incoming gradient and writes its
 *    gradient (3x the tensor; dropout reads its mask); the residual branches' gradients
 *    are summed after each norm's backward (3Ae each); LayerNorm's weight gradients read x
 *    and dy once more (2Ae each); each linear layer's bias gradient reads its output
 *    gradient once (QKV: b s (h + 2 h_kv) / t elements, the projection and second MLP
 *    layer A each, the first MLP layer H, 2H with SwiGLU).
 *  flash attention keeps the scores on chip: no softmax or attention-dropout kernels.
 *  multi-head latent attention: each latent's RMSNorm over its b s r elements (2 r b s e;
 *    backward 3 and 2 of it).
 *  a mixture of experts (the routed experts' H_r = b s k load f_e / t, load from
 *    tess_build_expert_load; the shared ones' H_s = b s S f_e / t as a dense MLP's): the
 *    router's softmax and top-k over R = b s E logits (2Re; backward 3Re), the tokens
 *    permuted to their experts and back (each reads M = b s h and writes k M, or the
 *    reverse: (1 + k) M e), backward the permutation's gradient ((1 + k) M e) and the
 *    combine's ((1 + 2k) M e: the expert outputs read again for the routing weights'
 *    gradient).
 * The logits layer: the final LayerNorm and the vocabulary-parallel cross entropy over
 * L = b s V / t logits (max, exp-sum, loss: reads L three times, writes it once; backward
 * reads and writes it once). The token embedding (vocabulary-parallel, on the first
 * stage): forward, its rows gathered (2 b s h e) and learned positions added (3 b s h e,
 * GPT's LayerNorm models); backward, its table's gradient written dense (V/t x h x e) from
 * the output gradient (b s h e) and added into the fp32 main gradient (read 4 + 4 and the
 * e-byte gradient). Of each kernel's bytes it writes its output tensor (a forward dropout
 * also its mask; a gradient sum its sum; the main gradient its 4 bytes an element); the
 * norms' and biases' weight gradients (h elements) count as none. */
static void elementwise_kernels(builder *b, tess_template *t, kernel_set set, int backward)
{
    const tess_workload *w = b->w;
    const tess_model *md = &w->model;
    const uint64_t e = b->e, tp = w->tp;
    const uint64_t A = b->tok * md->hidden / (w->sequence_parallel ? tp : 1);
    /* the die's share of the scores: whole heads, or (2-D, fewer heads than dies) a slice */
    const uint64_t S = (uint64_t)w->micro_batch * md->heads * md->sequence * md->sequence / tp;
    /* the FFN's hidden elements: with experts (not in a dense first layer, b->dense), each
     * token's k routed ones and, as a dense MLP, the S shared ones */
    const int moe = md->experts && !b->dense;
    const uint64_t routed =
        moe ? (uint64_t)((double)md->expert_ffn * md->top_k * tess_build_expert_load(w)) : 0;
    const uint64_t H = b->tok * (moe ? (uint64_t)md->expert_ffn * md->shared_experts : md->ffn) /
                       tp,
                   Hr = b->tok * routed / tp, L = b->tok * md->vocab / tp;
    /* a mixture of experts' routing: the router's b s E logits (softmax and top-k), and the
     * tokens' k copies of M = b s h elements permuted to their experts and back */
    const uint64_t R = moe ? b->tok * md->experts : 0, M = b->tok * md->hidden, k = md->top_k;
    /* the query, key and value projections' outputs (their bias gradients) */
    const uint64_t qk = tess_model_qk_dim(md), dv = tess_model_v_dim(md);
    const uint64_t QKV = b->tok * (md->heads * qk + (uint64_t)md->kv_heads * (qk + dv)) / tp;
    const int swiglu = md->activation == TESS_ACT_SWIGLU, fused = w->fused_kernels;
    const int scores = w->attention == TESS_ATTN_MATERIALIZED;
#define KERNEL(n, bytes, written) vector_kernel(b, t, (n), (bytes), (written))
    switch (set) {
    case KERNELS_INPUT_NORM:
    case KERNELS_LOGITS_NORM:
        if (!backward) {
            KERNEL(1, 2 * A * e, A * e);
            break;
        }
        KERNEL(1, 3 * A * e, A * e); /* dx from x and dy */
        if (set == KERNELS_LOGITS_NORM) break;
        KERNEL(1, 2 * A * e, 0);     /* dgamma, dbeta: x and dy read again, reduced over tokens */
        KERNEL(1, 3 * A * e, A * e); /* the residual gradient's sum */
        break;
    case KERNELS_QUERY_NORM:
    case KERNELS_KV_NORM: {
        const uint64_t lat =
            b->tok * (set == KERNELS_QUERY_NORM ? md->q_lora_rank : md->kv_lora_rank);
        if (backward) KERNEL(1, 3 * lat * e, lat * e);
        KERNEL(1, 2 * lat * e, lat * e);
        break;
    }
    case KERNELS_SOFTMAX:
        if (!scores) break;
        if (backward) {
            KERNEL(1, 2 * S * e + S, S * e);         /* attention dropout backward */
            KERNEL(fused ? 1 : 2, 3 * S * e, S * e); /* softmax (and scale) backward */
        } else {
            KERNEL(fused ? 1 : 3, 2 * S * e, S * e);
            KERNEL(1, 2 * S * e + S, S * e + S); /* attention dropout */
        }
        break;
    case KERNELS_QKV_OUT:
        if (backward) KERNEL(1, QKV * e, 0);
        break;
    case KERNELS_ATTENTION_OUT:
    case KERNELS_MLP_OUT:
        if (backward) {
            if (set == KERNELS_ATTENTION_OUT) { /* the second norm, then the residual sum */
                KERNEL(1, 3 * A * e, A * e);
                KERNEL(1, 2 * A * e, 0);
                KERNEL(1, 3 * A * e, A * e);
            }
            KERNEL(1, 2 * A * e + A, A * e); /* dropout backward */
            KERNEL(1, A * e, 0); /* the projection's (second MLP layer's) bias gradient */
            break;
        }
        if (fused) {
            KERNEL(1, 3 * A * e + A, A * e + A);
        } else {
            KERNEL(1, 2 * A * e, A * e);         /* bias */
            KERNEL(1, 2 * A * e + A, A * e + A); /* dropout */
            KERNEL(1, 3 * A * e, A * e);         /* residual add */
        }
        if (set == KERNELS_ATTENTION_OUT) KERNEL(1, 2 * A * e, A * e); /* the second norm */
        break;
    case KERNELS_ROUTER:
        if (backward) {
            KERNEL(1, (1 + k) * M * e, M * e); /* the permutation's gradient back */
            KERNEL(1, 3 * R * e, R * e);       /* router softmax backward */
        } else {
            KERNEL(1, 2 * R * e, R * e);           /* router softmax and top-k */
            KERNEL(1, (1 + k) * M * e, k * M * e); /* permuted to the experts */
        }
        break;
    case KERNELS_UNPERMUTE:
        KERNEL(1, (backward ? 1 + 2 * k : 1 + k) * M * e,
               (backward ? k : 1) * M * e); /* backward: its weights' too */
        break;
    case KERNELS_EXPERT_ACT:
    case KERNELS_MLP_ACT: {
        const uint64_t h = set == KERNELS_EXPERT_ACT ? Hr : H;
        if (backward) {
            KERNEL(1, (swiglu ? 5 : 3) * h * e,
                   (swiglu ? 2 : 1) * h * e);       /* GeLU / SwiGLU backward */
            KERNEL(1, (swiglu ? 2 : 1) * h * e, 0); /* the first layer's bias gradient */
            break;
        }
        if (!fused) KERNEL(1, 2 * h * e, h * e); /* bias */
        KERNEL(1, (swiglu ? 3 : 2) * h * e, h * e);
        break;
    }
    case KERNELS_CROSS_ENTROPY:
        KERNEL(1, (backward ? 2 : 4) * L * e, L * e);
        break;
    case KERNELS_MTP_NORMS:
        if (backward) KERNEL(2, 3 * M * e, M * e);
        KERNEL(2, 2 * M * e, M * e);
        break;
    case KERNELS_EMBEDDING: {
        const uint64_t rows = b->tok * md->hidden; /* b s h, before any sequence split */
        if (backward) {
            const uint64_t table = (uint64_t)md->vocab / tp * md->hidden;
            KERNEL(1, table * e + rows * e, table * e); /* the dense gradient */
            KERNEL(1, table * (e + 8), table * 4);      /* into the fp32 main gradient */
            break;
        }
        KERNEL(1, 2 * rows * e, rows * e);
        if (md->norm == TESS_NORM_LAYERNORM)
            KERNEL(1, 3 * rows * e, rows * e); /* learned positions */
        break;
    }
    }
#undef KERNEL
}

/* A collective op of template t on the die's third stream (tess_async START or WAIT). */
static void ring_op(builder *b, tess_template *t, int32_t coll, tess_async async)
{
    const uint64_t bytes = async == TESS_ASYNC_START ? b->s->colls[coll].bytes : 0;
    tess_build_add_group(b, t, TESS_OP_COLLECTIVE, 1, 0, bytes, coll);
    if (b->no_memory) return;
    t->groups[t->n - 1].async = (uint8_t)async;
    t->groups[t->n - 1].chain = 1;
}

/* Ring attention's core in template t (tess_build_cp_ring): cp steps, each the two core
 * GEMMs of the die's query rows against one K/V block (core[0], core[1]: the scores and
 * the attention over values, flash: the scores on chip) while the block it has moves on.
 * Forward, step j: start sending the block on (j < cp - 1), compute on it, wait for the
 * next. Backward, step j: start the block on, its four GEMMs (dX and dW of each), wait for
 * the block's partial dK/dV from the left (j > 0), start this block's on to the right, wait
 * for the next block; at the end, wait for the last dK/dV to reach its home. */
static void ring_attention(builder *b, tess_template *t, const gemm core[2], int backward)
{
    static const char *const dx_names[] = {"attention scores backward (dX)",
                                           "attention over values backward (dX)"};
    static const char *const dw_names[] = {"attention scores backward (dW)",
                                           "attention over values backward (dW)"};
    const uint32_t cp = b->w->cp;
    const uint64_t rows = core[0].m, keys = core[0].n;
    dataflow(b, 0, TESS_NODE_UNTRACED, TESS_NODE_UNTRACED, 0); /* its steps: not traced */
    for (uint32_t j = 0; j < cp && !b->no_memory; j++) {
        if (j + 1 < cp) ring_op(b, t, b->cp_kv, TESS_ASYNC_START);
        for (int i = 0; i < 2; i++) {
            const gemm *g = &core[i];
            if (!backward) {
                tile_gemm(b, t, g, gemm_dram_bytes(b, g, rows, keys));
                continue;
            }
            const gemm dx = {g->m, g->k, g->n, g->count, dx_names[i]};
            const gemm dw = {g->k, g->n, g->m, g->count, dw_names[i]};
            tile_gemm(b, t, &dx, gemm_dram_bytes(b, &dx, rows, keys));
            tile_gemm(b, t, &dw, gemm_dram_bytes(b, &dw, rows, keys));
        }
        if (backward) {
            if (j > 0) ring_op(b, t, b->cp_dkv, TESS_ASYNC_WAIT);
            ring_op(b, t, b->cp_dkv, TESS_ASYNC_START);
        }
        if (j + 1 < cp) ring_op(b, t, b->cp_kv, TESS_ASYNC_WAIT);
    }
    if (backward) ring_op(b, t, b->cp_dkv, TESS_ASYNC_WAIT);
}

/* A layer's forward GEMMs, in the order layer_kind lists them (those a model lacks have
 * none): the attention's input projections (QKV, or latent attention's down- and
 * up-projections), its core, its output projection, a dense MLP, or the router, the
 * routed experts and the shared ones. */
enum {
    G_QKV,
    G_Q_DOWN,
    G_Q_UP,
    G_KV_DOWN,
    G_KV_UP,
    G_SCORES,
    G_VALUES,
    G_PROJ,
    G_UP,
    G_DOWN,
    G_ROUTER,
    G_EXPERT_UP,
    G_EXPERT_DOWN,
    G_SHARED_UP,
    G_SHARED_DOWN,
    G_COUNT
};

/* What a layer's forward pass runs before and after one of its GEMMs, in order: marks
 * (tess_mark, > 0), where later steps put collectives, and element-wise kernels
 * (KERNEL_ITEM). A backward pass runs them mirrored: after its dX and dW the ones before,
 * before them the ones after, each place's kernels as their backward. */
#define KERNEL_ITEM(set) (-1 - (int)(set))
typedef struct around {
    int before[2], after[4];
    unsigned n_before, n_after;
} around;

/* Forward GEMM i's places, given the first and last GEMMs of the attention's input
 * projections (in_0, in_1) and of the MLP (mlp_0, mlp_1): the layer's norm and the input
 * projections' input before the first, their output and QKV's bias after the last; the
 * output projection's input and output, the bias-dropout-add and the second norm after;
 * the MLP's input before its first GEMM, the first layer's output (a dense MLP's up, the
 * routed experts' up) and its activation, the second layer's input, the MLP's output and
 * its bias-dropout-add after the last; latent norms after the down-projections, the softmax
 * after the scores; the router's softmax and permutation, then the dispatch, after the
 * router; the combine and the permutation back after the experts' down; the shared
 * experts' activation after their up. */
static around around_gemm(int i, int in_0, int in_1, int mlp_0, int mlp_1)
{
    around a = {{0}, {0}, 0, 0};
#define BEFORE(x) (a.before[a.n_before++] = (x))
#define AFTER(x) (a.after[a.n_after++] = (x))
    if (i == in_0) {
        BEFORE(KERNEL_ITEM(KERNELS_INPUT_NORM));
        BEFORE(MARK_IN_QKV);
    }
    if (i == G_PROJ) BEFORE(MARK_IN_PROJ);
    if (i == mlp_0) BEFORE(MARK_IN_UP);
    if (i == G_DOWN || i == G_EXPERT_DOWN) BEFORE(MARK_IN_DOWN);
    /* what follows each GEMM of its own (0: nothing more) */
    static const int own[G_COUNT][2] = {
        [G_Q_DOWN] = {KERNEL_ITEM(KERNELS_QUERY_NORM)},
        [G_KV_DOWN] = {KERNEL_ITEM(KERNELS_KV_NORM)},
        [G_SCORES] = {KERNEL_ITEM(KERNELS_SOFTMAX)},
        [G_PROJ] = {MARK_OUT_PROJ, KERNEL_ITEM(KERNELS_ATTENTION_OUT)},
        [G_UP] = {MARK_OUT_UP, KERNEL_ITEM(KERNELS_MLP_ACT)},
        [G_ROUTER] = {KERNEL_ITEM(KERNELS_ROUTER), MARK_DISPATCH},
        [G_EXPERT_UP] = {MARK_OUT_UP, KERNEL_ITEM(KERNELS_EXPERT_ACT)},
        [G_EXPERT_DOWN] = {MARK_COMBINE, KERNEL_ITEM(KERNELS_UNPERMUTE)},
        [G_SHARED_UP] = {KERNEL_ITEM(KERNELS_MLP_ACT)}};
    for (int k = 0; k < 2 && own[i][k]; k++)
        AFTER(own[i][k]);
    /* the last input projection or MLP GEMM closes its part */
    if (i == in_1) {
        AFTER(MARK_OUT_QKV);
        AFTER(KERNEL_ITEM(KERNELS_QKV_OUT));
    }
    if (i == mlp_1) {
        AFTER(MARK_OUT_DOWN);
        AFTER(KERNEL_ITEM(KERNELS_MLP_OUT));
    }
#undef BEFORE
#undef AFTER
    return a;
}

/* Emits n places of around_gemm into template t, forward in order, backward (`backward`)
 * in reverse with each place's backward kernels. */
static void emit_around(builder *b, tess_template *t, const int *items, unsigned n, int backward)
{
    for (unsigned j = 0; j < n; j++) {
        const int x = items[backward ? n - 1 - j : j];
        if (x > 0)
            tess_build_mark(b, t, (tess_mark)x);
        else
            elementwise_kernels(b, t, (kernel_set)(-1 - x), backward);
    }
}

/* A GEMM of a layer's forward pass and what the pass does with it: its backward GEMMs'
 * names, its role, and whether every die of a tensor-parallel group computes it whole
 * (multi-head latent attention's down-projections, duplicated as Megatron-LM does). */
typedef enum gemm_role { ROLE_LINEAR, ROLE_SCORES, ROLE_VALUES, ROLE_ROUTER } gemm_role;
typedef struct layer_gemm {
    gemm g;
    const char *dx, *dw;
    gemm_role role;
    int duplicated;
} layer_gemm;

/* The templates F, Bw, R of one kind of layer on one die (the model's layers, or with
 * b->dense its dense first ones: no experts), and the FLOPs of n such layers added to the
 * schedule's model and hardware counts. */
static void layer_kind(builder *b, tess_template *F, tess_template *Bw, tess_template *R,
                       uint64_t n)
{
    const tess_workload *w = b->w;
    const tess_model *md = &w->model;
    tess_schedule *s = b->s;
    const uint64_t e = b->e, bt = w->micro_batch, sq = md->sequence, h = md->hidden, f = md->ffn;
    const uint64_t heads = md->heads, dqk = tess_model_qk_dim(md), dv = tess_model_v_dim(md),
                   hkv = (uint64_t)md->kv_heads * dqk, t = w->tp;
    const uint64_t tok = b->tok, tr = b->tr;
    const int two_d = w->tp_style == TESS_TP_2D;
    const int swiglu = md->activation == TESS_ACT_SWIGLU;
    /* multi-head latent attention: the query latent q (0: none), the key/value latent c and
     * the shared rotary key dr */
    const int mla = md->kv_lora_rank > 0;
    const uint64_t q_lat = md->q_lora_rank, c_lat = md->kv_lora_rank, dr = md->qk_rope_dim;
    /* a mixture of experts: each token through top-k routed and every shared expert of
     * width fe, and the router's h x E gate */
    const uint64_t E = b->dense ? 0 : md->experts, fe = md->expert_ffn, k_routed = md->top_k,
                   S_shared = md->shared_experts;
    const double ffn_fwd =
        E ? 2.0 * tok * h * fe * (swiglu ? 3 : 2) * (double)(k_routed + S_shared) +
                2.0 * tok * h * E
          : 2.0 * tok * h * f * (swiglu ? 3 : 2);
    /* the attention's projections: Q, K, V and the output; with latent attention the
     * down-projections (d_fwd: computed whole on each of the t dies), up-projections and
     * the output from the heads' values */
    const double d_fwd = mla ? 2.0 * tok * h * (q_lat + c_lat + dr) : 0;
    const double attn_proj =
        mla ? d_fwd + 2.0 * tok * (double)heads *
                          ((q_lat ? q_lat : h) * dqk + c_lat * (md->qk_nope_dim + dv) + dv * h)
            : 2.0 * tok * h * (h + 2.0 * hkv) + 2.0 * tok * h * h;
    const double gemm_fwd = attn_proj + ffn_fwd;
    /* a die's share of the attention core: its b s/cp query rows against all s keys, the
     * scores over dqk and the values' dv dimensions a head */
    const double attn_fwd = 2.0 * bt * sq * sq * (double)heads * (double)(dqk + dv) / w->cp;

    /* GEMMs of one layer's forward pass on one die. The attention core: the micro-batch's
     * bt x heads heads shared by the t dies, whole heads while they go round (1-D tensor
     * parallelism: heads divisible by t), else each die a slice of one head's query rows
     * (2-D with fewer heads than dies: bt heads sq rows divide by t, workload.c checks) */
    const uint64_t nsplit = two_d ? tr : t, ksplit = two_d ? tr : 1;
    const int whole_heads = bt * heads % t == 0;
    /* with context parallelism (whole heads) a head's s/cp query rows, against one K/V
     * block of s/cp keys a ring step (cp steps: ring_attention) */
    const uint64_t cp = w->cp, keys = sq / cp;
    /* a fused (flash) kernel skips the blocks the causal mask empties: each query row meets
     * half the keys on average (FlashAttention-2's causal kernel; each of ring attention's
     * causally balanced steps likewise computes half a block). The materialized path
     * computes every score and masks them after */
    const int flash = w->attention == TESS_ATTN_FLASH;
    const uint64_t kcore = flash ? (keys + 1) / 2 : keys;
    const uint64_t rows = whole_heads ? sq / cp : bt * heads * sq / t,
                   per_die = whole_heads ? bt * heads / t : 1;
    /* with experts: the router over the die's 1/t of the tokens (Megatron's MoE layers run
     * with sequence parallelism under TP); each expert's share of the routed tokens,
     * balanced (rounded up: the capacity a token over the even share needs), split over
     * TP as a dense FFN, its GEMMs one batch of E; with expert parallelism a die runs E/ep
     * experts on the tokens its ep ranks dispatch to them (ep x its own share each); the
     * shared experts side by side as one wider FFN */
    const double load = tess_build_expert_load(w);
    const uint64_t per_expert = E ? (uint64_t)ceil((double)tok * k_routed / E * load - 1e-9) : 0,
                   up = swiglu ? 2 : 1, ep = w->ep;
#define BW(name) name " backward (dX)", name " backward (dW)"
    const layer_gemm fwd[] = {
        {{tok, (h + 2 * hkv) / nsplit, h / ksplit, mla ? 0 : 1, "QKV"}, BW("QKV"), ROLE_LINEAR, 0},
        {{tok, q_lat, h, q_lat ? 1 : 0, "query down-projection"},
         BW("query down-projection"),
         ROLE_LINEAR,
         1},
        {{tok, heads * dqk / t, q_lat ? q_lat : h, mla ? 1 : 0, "query up-projection"},
         BW("query up-projection"),
         ROLE_LINEAR,
         0},
        {{tok, c_lat + dr, h, mla ? 1 : 0, "key/value down-projection"},
         BW("key/value down-projection"),
         ROLE_LINEAR,
         1},
        {{tok, heads * (md->qk_nope_dim + dv) / t, c_lat, mla ? 1 : 0, "key/value up-projection"},
         BW("key/value up-projection"),
         ROLE_LINEAR,
         0},
        {{rows, kcore, dqk, per_die, "attention scores (QK^T)"},
         BW("attention scores"),
         ROLE_SCORES,
         0},
        {{rows, dv, kcore, per_die, "attention over values"},
         BW("attention over values"),
         ROLE_VALUES,
         0},
        {{tok, h / ksplit, heads * dv / nsplit, 1, "attention output projection"},
         BW("attention output projection"),
         ROLE_LINEAR,
         0},
        {{tok, f * up / nsplit, h / ksplit, E ? 0 : 1, "MLP up"}, BW("MLP up"), ROLE_LINEAR, 0},
        {{tok, h / ksplit, f / nsplit, E ? 0 : 1, "MLP down"}, BW("MLP down"), ROLE_LINEAR, 0},
        {{(tok + t - 1) / t, E, h, E ? 1 : 0, "router"}, BW("router"), ROLE_ROUTER, 0},
        {{per_expert * ep, fe * up / nsplit, h / ksplit, E / ep, "expert MLP up"},
         BW("expert MLP up"),
         ROLE_LINEAR,
         0},
        {{per_expert * ep, h / ksplit, fe / nsplit, E / ep, "expert MLP down"},
         BW("expert MLP down"),
         ROLE_LINEAR,
         0},
        {{tok, S_shared * fe * up / nsplit, h / ksplit, E && S_shared ? 1 : 0,
          "shared expert MLP up"},
         BW("shared expert MLP up"),
         ROLE_LINEAR,
         0},
        {{tok, h / ksplit, S_shared * fe / nsplit, E && S_shared ? 1 : 0, "shared expert MLP down"},
         BW("shared expert MLP down"),
         ROLE_LINEAR,
         0},
    };
#undef BW
    /* the dataflow: the entry of fwd whose output each operand (A, B) reads, -1 for a
     * weight or the layer's input (the tokens an expert computes on are dispatched by the
     * router's choice; the attention's queries, keys and values come from QKV or, latent,
     * from the up-projections) */
    const int8_t from[][2] = {{-1, -1},
                              {-1, -1},
                              {1, -1},
                              {-1, -1},
                              {3, -1},
                              {(int8_t)(mla ? 2 : 0), (int8_t)(mla ? 4 : 0)},
                              {5, (int8_t)(mla ? 4 : 0)},
                              {6, -1},
                              {7, -1},
                              {8, -1},
                              {7, -1},
                              {10, -1},
                              {11, -1},
                              {7, -1},
                              {13, -1}};
    enum { N = sizeof fwd / sizeof fwd[0] };
    _Static_assert((int)N == (int)G_COUNT, "a forward GEMM for every G_ name, in order");
    _Static_assert(sizeof from / sizeof from[0] == N, "a source pair for every GEMM");
    /* nodes: forward entry i is 1 + i, its dX 1 + N + i, its dW 1 + 2N + i */
    /* the GEMMs that open and close the attention's input projections and the MLP */
    int first_in = -1, last_in = -1, first_mlp = -1, last_mlp = -1;
    for (int i = 0; i < (int)N; i++) {
        if (fwd[i].g.count == 0) continue;
        if (i <= G_KV_UP) {
            if (first_in < 0) first_in = i;
            last_in = i;
        } else if (i >= G_UP) {
            if (first_mlp < 0) first_mlp = i;
            last_mlp = i;
        }
    }
    for (size_t i = 0; i < N; i++) { /* forward, and the recomputed forward, in layer order */
        const gemm *g = &fwd[i].g;
        if (g->count == 0) continue; /* the dense FFN's or the experts', the attention's kind */
        const int core = fwd[i].role == ROLE_SCORES || fwd[i].role == ROLE_VALUES;
        const int on_chip = core && flash;
        const int again = w->recompute == TESS_RECOMPUTE_FULL ||
                          (w->recompute == TESS_RECOMPUTE_SELECTIVE && core);
        const around a = around_gemm((int)i, first_in, last_in, first_mlp, last_mlp);
        emit_around(b, F, a.before, a.n_before, 0);
        if (again) emit_around(b, R, a.before, a.n_before, 0);
        /* fp8: the linear layers' GEMMs (not the attention core or the router), each input
         * cast to fp8 with a transposed copy first: forward its activation (M x K), backward
         * (below) its output gradient (M x N), e + 2 bytes an element */
        b->fp8 = w->fp8 && fwd[i].role == ROLE_LINEAR;
        if (b->fp8) {
            const uint64_t x = g->m * g->k * g->count;
            vector_kernel(b, F, 1, (e + 2) * x, 2 * x);
            if (again) vector_kernel(b, R, 1, (e + 2) * x, 2 * x);
        }
        if (core && cp > 1) { /* both core GEMMs, block by block round the ring */
            if (fwd[i].role == ROLE_VALUES) continue;
            const gemm pair[2] = {fwd[i].g, fwd[i + 1].g};
            ring_attention(b, F, pair, 0);
            if (again) ring_attention(b, R, pair, 0);
        } else {
            dataflow(b, (uint16_t)(1 + i), (uint16_t)(from[i][0] < 0 ? 0 : 1 + from[i][0]),
                     (uint16_t)(from[i][1] < 0 ? 0 : 1 + from[i][1]), core ? 0 : 2);
            tile_gemm(b, F, g, gemm_dram_bytes(b, g, on_chip ? rows : 0, kcore));
            if (again) tile_gemm(b, R, g, gemm_dram_bytes(b, g, on_chip ? rows : 0, kcore));
        }
        emit_around(b, F, a.after, a.n_after, 0);
        if (again) emit_around(b, R, a.after, a.n_after, 0);
    }
    for (size_t i = N; i-- > 0;) { /* backward, in the reverse order */
        const gemm *g = &fwd[i].g;
        if (g->count == 0) continue;
        const int core = fwd[i].role == ROLE_SCORES || fwd[i].role == ROLE_VALUES;
        const int on_chip = core && flash;
        if (core && cp > 1 && fwd[i].role == ROLE_VALUES) continue; /* the ring's, below */
        /* the places after it, then before it, mirrored */
        const around a = around_gemm((int)i, first_in, last_in, first_mlp, last_mlp);
        emit_around(b, Bw, a.after, a.n_after, 1);
        b->fp8 = w->fp8 && fwd[i].role == ROLE_LINEAR;
        if (b->fp8)
            vector_kernel(b, Bw, 1, (e + 2) * g->m * g->n * g->count, 2 * g->m * g->n * g->count);
        if (core && cp > 1) {
            const gemm pair[2] = {fwd[i].g, fwd[i + 1].g};
            ring_attention(b, Bw, pair, 1);
            emit_around(b, Bw, a.before, a.n_before, 1);
            continue;
        }
        /* the output's gradient dY: written by the backward GEMM of the output's consumers
         * that runs last (the nearest consumer: its dX for its A operand, its dW for B), or
         * from outside the layer's GEMMs */
        uint16_t dy = 0;
        for (size_t j = i + 1; j < N && !dy; j++) {
            if (fwd[j].g.count == 0) continue;
            if (from[j][1] == (int8_t)i)
                dy = (uint16_t)(1 + 2 * N + j);
            else if (from[j][0] == (int8_t)i)
                dy = (uint16_t)(1 + N + j);
        }
        /* dX = dY W^T (M x K x N): dY and a weight (or a saved activation); dW = X^T dY
         * (K x N x M): a saved activation and dY */
        const gemm dx = {g->m, g->k, g->n, g->count, fwd[i].dx};
        const gemm dw = {g->k, g->n, g->m, g->count, fwd[i].dw};
        dataflow(b, (uint16_t)(1 + N + i), dy, 0, core ? 0 : 2);
        tile_gemm(b, Bw, &dx, gemm_dram_bytes(b, &dx, on_chip ? rows : 0, kcore));
        dataflow(b, (uint16_t)(1 + 2 * N + i), 0, dy, 0);
        tile_gemm(b, Bw, &dw, gemm_dram_bytes(b, &dw, on_chip ? rows : 0, kcore));
        emit_around(b, Bw, a.before, a.n_before, 1);
    }
    b->fp8 = 0; /* the logits and the rest stay in the dtype */
    const double recompute_flops = R->flops * (double)t; /* per layer, before the TP split */
    /* the experts' GEMMs beyond the routed tokens: the busiest expert's load or the
     * capacity every expert computes (forward, backward twice, and a recomputed forward) */
    const double padding =
        E ? 2.0 * (double)(per_expert * E - tok * k_routed) * h * fe * (swiglu ? 3 : 2) : 0;
    /* the attention a flash kernel skips (model FLOPs count every score, as Narayanan et
     * al. 2021 do) */
    const double skipped = attn_fwd * (1.0 - (double)(kcore * cp) / (double)sq);
    /* every rank of the data-parallel axis (dp x cp) its share of a micro-batch; the
     * duplicated down-projections on each further die of the group (forward, backward) */
    const double passes = (double)s->microbatches * s->dp * (double)n;
    s->model_flops += 3.0 * passes * (gemm_fwd + attn_fwd);
    s->hardware_flops +=
        3.0 * passes * (gemm_fwd + attn_fwd) +
        passes * (recompute_flops + 3 * padding - 3 * skipped + 3.0 * (double)(t - 1) * d_fwd);
}

/* Step 3: one layer's work on one die (forward, backward, recomputed forward) for each
 * kind of layer, the logits layer's and the embedding's, and the model's FLOPs. */
void tess_build_layer_templates(builder *b)
{
    const tess_workload *w = b->w;
    const tess_model *md = &w->model;
    tess_schedule *s = b->s;
    const uint64_t e = b->e, h = md->hidden, V = md->vocab, t = w->tp, tok = b->tok;
    /* the logits, and each multi-token prediction module's: its projection of the two
     * normalised inputs (2h) to h, and the logits again (its layer is a layer of the
     * model's kind, counted with them) */
    const uint64_t mtp = md->mtp_depth;
    const double logits_fwd = 2.0 * tok * h * V * (double)(1 + mtp) + 4.0 * tok * h * h * mtp;
    s->model_flops = s->hardware_flops = 3.0 * s->microbatches * s->dp * logits_fwd;
    layer_kind(b, &s->fwd, &s->bwd, &s->recompute, md->layers - md->dense_layers + mtp);
    if (md->dense_layers) {
        b->dense = 1;
        layer_kind(b, &s->dense_fwd, &s->dense_bwd, &s->dense_recompute, md->dense_layers);
        b->dense = 0;
    }
    /* each TP rank sends its 1/t (Megatron's scatter/gather, gathered after it arrives:
     * recv_coll), or with sequence parallelism its sequence shard; with scatter/gather off
     * a 1-D group's ranks each send the whole activation */
    const int whole = tess_build_activation_replicated(w) && !w->pipeline_scatter_gather;
    s->activation_message_bytes = tok * h * e / (whole ? 1 : t);

    const gemm logit = {tok, V / t, h, 1, "logits"};
    const gemm ldx = {tok, h, V / t, 1, "logits backward (dX)"},
               ldw = {h, V / t, tok, 1, "logits backward (dW)"};
    /* a multi-token prediction module's projection, column-parallel over TP */
    const gemm proj = {tok, h / t, 2 * h, 1, "multi-token prediction projection"};
    const gemm pdx = {tok, 2 * h, h / t, 1, "multi-token prediction projection backward (dX)"},
               pdw = {2 * h, h / t, tok, 1, "multi-token prediction projection backward (dW)"};
    tess_template *const lf = &s->logits_fwd, *const lb = &s->logits_bwd;
    for (uint64_t j = 0; j <= mtp; j++) {
        if (j > 0) { /* module j: its next tokens' embeddings, the two norms, the projection */
            dataflow(b, 0, TESS_NODE_UNTRACED, TESS_NODE_UNTRACED, 0); /* not traced */
            elementwise_kernels(b, lf, KERNELS_EMBEDDING, 0);
            elementwise_kernels(b, lf, KERNELS_MTP_NORMS, 0);
            tile_gemm(b, lf, &proj, gemm_dram_bytes(b, &proj, 0, 0));
        }
        /* the final norm, the logits' input (its collectives' mark), the logits, the loss;
         * backward the loss's gradient, the logits' dX and dW, the input gradient's
         * collectives, the norm's backward, then the module's. The logits read the final
         * norm's output (a module's, its projection's: not traced); their dX the loss's
         * gradient and the table, their dW the saved input and that gradient: neither
         * reads the other */
        elementwise_kernels(b, lf, KERNELS_LOGITS_NORM, 0);
        tess_build_mark(b, lf, MARK_LOGITS);
        dataflow(b, 1, j > 0 ? TESS_NODE_UNTRACED : 0, 0, 2);
        tile_gemm(b, lf, &logit, gemm_dram_bytes(b, &logit, 0, 0));
        elementwise_kernels(b, lf, KERNELS_CROSS_ENTROPY, 0);
        elementwise_kernels(b, lb, KERNELS_CROSS_ENTROPY, 1);
        dataflow(b, 2, 0, 0, 2);
        tile_gemm(b, lb, &ldx, gemm_dram_bytes(b, &ldx, 0, 0));
        dataflow(b, 3, 0, 0, 0);
        tile_gemm(b, lb, &ldw, gemm_dram_bytes(b, &ldw, 0, 0));
        tess_build_mark(b, lb, MARK_LOGITS);
        elementwise_kernels(b, lb, KERNELS_LOGITS_NORM, 1);
        if (j > 0) {
            dataflow(b, 0, TESS_NODE_UNTRACED, TESS_NODE_UNTRACED, 0);
            tile_gemm(b, lb, &pdx, gemm_dram_bytes(b, &pdx, 0, 0));
            tile_gemm(b, lb, &pdw, gemm_dram_bytes(b, &pdw, 0, 0));
            elementwise_kernels(b, lb, KERNELS_MTP_NORMS, 1);
            elementwise_kernels(b, lb, KERNELS_EMBEDDING, 1);
        }
    }
    elementwise_kernels(b, &s->embed_fwd, KERNELS_EMBEDDING, 0);
    elementwise_kernels(b, &s->embed_bwd, KERNELS_EMBEDDING, 1);
}
