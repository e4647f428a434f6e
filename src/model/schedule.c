/* The tile-schedule generator: see schedule.h. */
#include "model/schedule.h"

#include "config/arith.h"
#include "model/placement.h"
#include "model/schedule_build.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tessera/tessera.h"

/* ---- memory ---------------------------------------------------------------- */

/* Activation bytes one layer keeps for the backward pass, per micro-batch of b
 * sequences, per die (Korthikanti et al. 2022, section 4, with the layer's own shapes:
 * for GPT it is sbh(34 + 5as/h) without parallelism; 2-D tensor parallelism as its
 * collectives move them, below). */
static double activation_bytes(const tess_model *md, const tess_workload *w, int dense)
{
    /* s: the die's tokens of a sequence (1/cp of it with context parallelism) */
    const double s = (double)md->sequence / w->cp, b = w->micro_batch, h = md->hidden,
                 a = md->heads;
    /* the attention's query, key/value and value widths a token (tess_model_qk_dim) */
    const double q = (double)md->heads * tess_model_qk_dim(md),
                 kv = (double)md->kv_heads * (tess_model_qk_dim(md) + tess_model_v_dim(md)),
                 o = (double)md->heads * tess_model_v_dim(md);
    /* the FFN's hidden width per token: its k routed and S shared experts with experts */
    const int moe = md->experts && !dense;
    const double f =
        moe ? (double)md->expert_ffn * (md->top_k + md->shared_experts) : (double)md->ffn;
    const double t = w->tp;
    const int sp = w->sequence_parallel, two_d = w->tp_style == TESS_TP_2D;
    /* 2-D (a k x k grid): between layers a die holds its block of the activations (1/t),
     * and each linear layer's input gathered along its row (1/k), kept for its weight
     * gradient (the backward pass gathers only the output gradients) */
    const double k = two_d ? sqrt(t) : 1;
    if (w->recompute == TESS_RECOMPUTE_FULL) return 2 * s * b * h / (sp || two_d ? t : 1);
    /* inside the tensor-parallel regions (divided by t): attention Q, K, V (2sbh +
     * 4sb hkv; widths q and kv), its output projection input (2sbh; o), softmax and dropout
     * (5as^2b); MLP hidden activations (4sbf, or 6sbf with SwiGLU) */
    const double mlp_in = md->activation == TESS_ACT_SWIGLU ? 6 * s * b * f : 4 * s * b * f;
    double parallel = 2 * s * b * q + 2 * s * b * kv + 2 * s * b * o + mlp_in;
    double scores = 5 * a * s * s * b;
    /* a fused (flash) attention keeps only its softmax statistics (fp32, one per query row
     * and head) and regenerates its dropout mask */
    if (w->attention == TESS_ATTN_FLASH) scores = 4 * a * s * b;
    if (w->recompute == TESS_RECOMPUTE_SELECTIVE) scores = 0;
    /* outside them (divided by t only with sequence parallelism): two layer-norm inputs
     * (4sbh), the QKV and first-MLP GEMM inputs (4sbh), two dropout masks (2sbh); with
     * experts also the k permuted copies of the tokens the experts read (2ksbh); with
     * multi-head latent attention the latents, inputs of the up-projections, which every
     * die computes whole (2sb (q + c)) */
    const double latents = 2 * s * b * ((double)md->q_lora_rank + md->kv_lora_rank);
    const double replicated = 10 * s * b * h + (moe ? 2.0 * md->top_k * s * b * h : 0);
    if (two_d) { /* gathered: the QKV, output-projection, MLP-up and MLP-down inputs */
        const double gathered = 4 * s * b * h + 2 * s * b * o + 2 * s * b * f;
        return (parallel - 2 * s * b * o - 2 * s * b * f + scores + replicated - 4 * s * b * h) /
                   t +
               gathered / k + latents;
    }
    return (parallel + scores) / t + replicated / (sp ? t : 1) + latents;
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
        bytes += tess_memory_capacity(p, mems[i]);
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
                             s->die_of_rank,
                             s->ep,
                             s->cp};
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

void tess_schedule_free(tess_schedule *s)
{
    if (!s) return;
    if (s->stages)
        for (uint32_t i = 0; i < s->pp; i++)
            free(s->stages[i].order);
    free(s->stages);
    free(s->die_of_rank);
    free(s->home_memory);
    tess_template *templates[TESS_BUILD_TEMPLATES];
    for (uint32_t i = tess_build_templates(s, templates); i-- > 0;)
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
    const uint64_t ranks = (uint64_t)w->tp * w->pp * w->dp * w->cp;
    if (ranks != dies) {
        char cp[32] = "";
        if (w->cp > 1) snprintf(cp, sizeof cp, " x cp %u", w->cp);
        tess_diag_add(b->diag, b->file, 0,
                      "tp %u x pp %u x dp %u%s = %llu ranks, but platform '%s' has %u live dies",
                      w->tp, w->pp, w->dp, cp, (unsigned long long)ranks, p->name, dies);
        return TESS_EINVAL;
    }
    s->dies = dies;
    s->tp = w->tp;
    s->pp = w->pp;
    s->dp = w->dp * w->cp;
    s->cp = w->cp;
    s->ep = w->ep;
    s->dense_layers = w->model.dense_layers;
    s->mtp_layers = w->model.mtp_depth;
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
    const uint32_t size[3] = {w->tp, w->pp, s->dp};
    for (uint32_t d = 0; d < s->dp; d++)
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

/* Step 2: the GEMM tile side: the workload's gemm-tile, else the largest whose
 * double-buffered A and B tiles plus an fp32 accumulator tile fit SRAM: 4e + 4 bytes per
 * element of a T x T tile, rounded down to the array (a tile past the SRAM spills or is
 * refused per GEMM: model/schedule_kernels.c). */
static int choose_tile(builder *b)
{
    const tess_instance *x = b->die;
    const tess_die_type *dt = b->dt;
    if (dt->sram_bytes == 0) {
        tess_diag_add(b->diag, b->file, x->line,
                      "die '%s' has no SRAM (die-type attribute 'sram') to tile GEMMs into",
                      x->path);
        return TESS_EINVAL;
    }
    uint64_t T = (uint64_t)floor(sqrt((double)dt->sram_bytes / (4.0 * b->e + 4.0)));
    if (dt->tensor_rows > 1 && T >= dt->tensor_rows) T -= T % dt->tensor_rows;
    if (T < 1) T = 1;
    if (b->w->gemm_tile) T = b->w->gemm_tile;
    b->T = T;
    b->s->tile = (uint32_t)T;
    return TESS_OK;
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

/* Parameters a die of stage st gathers at once with ZeRO-3 (and whose gradients it holds
 * whole before their reduce-scatter with ZeRO-2 and -3): a layer's, or on the first and
 * last stage the embedding's or the output layer's when larger. */
static uint64_t stage_unit_params(const tess_workload *w, uint32_t st)
{
    uint64_t u = tess_build_layer_params(w) / w->tp;
    const uint64_t embed = tess_build_embedding_params(w), out = tess_build_output_params(w);
    if (tess_build_tied_output(w)) {
        const uint64_t tied = tess_build_tied_unit_params(w);
        return u > tied ? u : tied;
    }
    if (st == 0 && embed > u) u = embed;
    if (st + 1 == w->pp && out > u) u = out;
    return u;
}

/* Weights, gradients and optimizer state of a die holding `params` (Rajbhandari et al.
 * 2020, "ZeRO", section 5 and figure 1: 2 + 2 + K bytes a parameter with K = 12 for
 * mixed-precision Adam, fp16 weights and gradients): stage 0 16; ZeRO-1 (optimizer state
 * partitioned over the dp ranks) 4 + 12/dp; ZeRO-2 (and the gradients) 2 + 14/dp; ZeRO-3
 * (and the weights) 16/dp. Beyond the paper's model states, the buffers a stage needs
 * while it runs: with ZeRO-2 a unit's whole gradient before its reduce-scatter (2 bytes a
 * parameter of `unit`), with ZeRO-3 also the unit's gathered weights (4). The state is
 * partitioned over every rank of the data-parallel axis (dp x cp); that of the `experts`
 * of those parameters that are routed experts of an expert-parallel group, over their
 * own replicas only (dp / ep: Megatron-LM's and DeepSpeed's expert data-parallel group;
 * ZeRO-2 and -3 are refused with ep > 1). */
static uint64_t zero_static_bytes(const tess_workload *w, uint64_t params, uint64_t experts,
                                  uint64_t unit)
{
    const double P = (double)params, d = (double)w->dp * w->cp;
    switch (w->zero) {
    case 0:
        return (uint64_t)(16.0 * P);
    case 1:
        return (uint64_t)((4.0 + 12.0 / d) * (P - (double)experts) +
                          (4.0 + 12.0 * w->ep / d) * (double)experts);
    case 2:
        return (uint64_t)((2.0 + 14.0 / d) * P + 2.0 * (double)unit);
    default:
        return (uint64_t)(16.0 / d * P + 4.0 * (double)unit);
    }
}

uint32_t tess_chunk_dense_layers(const tess_schedule *s, uint32_t st, uint32_t c)
{
    if (s->dense_layers == 0) return 0;
    uint64_t round = 0, before = 0; /* layers of one round of virtual stages; before st's */
    for (uint32_t i = 0; i < s->pp; i++) {
        round += s->stages[i].layers_per_chunk;
        if (i < st) before += s->stages[i].layers_per_chunk;
    }
    const uint64_t first = (uint64_t)c * round + before, L = s->stages[st].layers_per_chunk;
    if (first >= s->dense_layers) return 0;
    return (uint32_t)(s->dense_layers - first < L ? s->dense_layers - first : L);
}

uint32_t tess_chunk_layers(const tess_schedule *s, uint32_t st, uint32_t c)
{
    const int mtp = st + 1 == s->pp && c + 1 == s->chunks;
    return s->stages[st].layers_per_chunk + (mtp ? s->mtp_layers : 0);
}

uint64_t tess_stage_layers(const tess_schedule *s, uint32_t st, int moe_only)
{
    uint64_t layers = 0;
    for (uint32_t c = 0; c < s->chunks; c++)
        layers += tess_chunk_layers(s, st, c);
    return moe_only ? layers - s->stages[st].dense_layers : layers;
}

/* Step 4: each stage's pass order, work, parameters and memory. */
static int stage_figures(builder *b)
{
    const tess_workload *w = b->w;
    const tess_model *md = &w->model;
    tess_schedule *s = b->s;
    const tess_template *F = &s->fwd, *Bw = &s->bwd, *R = &s->recompute;
    const tess_template *DF = &s->dense_fwd, *DB = &s->dense_bwd, *DR = &s->dense_recompute;
    const uint64_t m = s->microbatches, v = w->chunks, pp = w->pp, t = w->tp;
    const uint64_t h = md->hidden, V = md->vocab;
    const double act_layer = activation_bytes(md, w, 0), act_dense = activation_bytes(md, w, 1);
    /* a TP group's, of a layer and of a dense first layer */
    const uint64_t layer_params = tess_build_layer_params(w),
                   dense_params = tess_build_dense_layer_params(w);
    for (uint32_t st = 0; st < pp; st++) /* every stage's first: the chunks' dense layers */
        s->stages[st].layers_per_chunk = tess_stage_chunk_layers(w, st);
    for (uint32_t st = 0; st < pp; st++) {
        tess_stage *S = &s->stages[st];
        S->dense_layers = 0;
        for (uint32_t c = 0; c < v; c++)
            S->dense_layers += tess_chunk_dense_layers(s, st, c);
        if (tess_pass_order(S, w->pipeline, st, (uint32_t)pp, (uint32_t)m, (uint32_t)v) != 0)
            return TESS_ENOMEM;
        /* forward passes of one layer, of the stage's other layers (the last stage's
         * multi-token prediction layers among them) and of its dense ones */
        const uint64_t layers = tess_stage_layers(s, st, 1), dense = S->dense_layers;
        const uint64_t layer_passes = m * layers, dense_passes = m * dense;
        S->flops = (double)layer_passes * (F->flops + Bw->flops + R->flops) +
                   (double)dense_passes * (DF->flops + DB->flops + DR->flops);
        S->ops = layer_passes * (F->ops + Bw->ops + R->ops) +
                 dense_passes * (DF->ops + DB->ops + DR->ops);
        S->dram_bytes = layer_passes * (F->bytes + Bw->bytes + R->bytes) +
                        dense_passes * (DF->bytes + DB->bytes + DR->bytes);
        S->sram_bytes = layer_passes * (F->sram + Bw->sram + R->sram) +
                        dense_passes * (DF->sram + DB->sram + DR->sram);
        const uint64_t stage_layer_params = layers * layer_params + dense * dense_params;
        S->params = stage_layer_params / t;
        if (st == 0) {
            S->params += tess_build_embedding_params(w);
            S->flops += (double)m * (s->embed_fwd.flops + s->embed_bwd.flops);
            S->ops += m * (s->embed_fwd.ops + s->embed_bwd.ops);
            S->dram_bytes += m * (s->embed_fwd.bytes + s->embed_bwd.bytes);
            S->sram_bytes += m * (s->embed_fwd.sram + s->embed_bwd.sram);
        }
        if (st == pp - 1) {
            S->params += tess_build_output_params(w);              /* a copy when tied */
            if (tess_build_tied_output(w)) S->params -= V * h / t; /* tied, one copy */
            /* multi-token prediction: each module's norms and projection (its layer is
             * among the stage's layers above), and the token table it reads its next
             * tokens' embeddings from, a copy when the first stage is another */
            S->params += md->mtp_depth * (2 * h + 2 * h * h) / t;
            if (md->mtp_depth && pp > 1) S->params += V * h / t;
            S->flops += (double)m * (s->logits_fwd.flops + s->logits_bwd.flops);
            S->ops += m * (s->logits_fwd.ops + s->logits_bwd.ops);
            S->dram_bytes += m * (s->logits_fwd.bytes + s->logits_bwd.bytes);
            S->sram_bytes += m * (s->logits_fwd.sram + s->logits_bwd.sram);
        }
        /* pipeline sends and receives, counted by walking the order as the cursor does */
        for (uint32_t k = 0; k < S->n_order; k++) {
            const tess_pass *ps = &S->order[k];
            S->ops += tess_pass_recvs(s, st, ps) + tess_pass_sends(s, st, ps);
        }
        /* the tail: the data-parallel gradient collective and the optimizer step over the
         * die's share of the optimizer state */
        S->ops += 1 + (s->dp > 1 && w->zero < 3 ? 1 : 0); /* ZeRO-3 has no tail collective */
        /* of them the routed experts of an expert-parallel group (their replicas dp / ep) */
        const uint64_t experts = w->ep > 1 ? layers * (md->experts / w->ep) *
                                                 tess_model_ffn_params(md, md->expert_ffn) / t
                                           : 0;
        S->expert_params = experts;
        S->optimizer_bytes = w->zero ? TESS_OPTIMIZER_BYTES_PER_PARAM *
                                           ((S->params - experts) / s->dp + experts * w->ep / s->dp)
                                     : TESS_OPTIMIZER_BYTES_PER_PARAM * S->params;
        /* fp8: the stage's layer weights cast once an iteration, each read in the dtype and
         * written as fp8 and a transposed fp8 copy (Transformer Engine caches them over the
         * micro-batches) */
        if (w->fp8) S->optimizer_bytes += (b->e + 2) * stage_layer_params / t;
        S->dram_bytes += S->optimizer_bytes;
        S->sram_bytes += 2 * S->optimizer_bytes;
        S->static_bytes = zero_static_bytes(w, S->params, experts, stage_unit_params(w, st));
        /* per layer: the stage's layers' mean (its dense ones hold less) */
        const double act_mean = layers + dense
                                    ? ((double)layers * act_layer + (double)dense * act_dense) /
                                          (double)(layers + dense)
                                    : act_layer;
        S->activation_bytes_per_layer = (uint64_t)act_mean;
        S->in_flight = (uint32_t)chunks_in_flight(w->pipeline, st, pp, m, v);
        S->peak_bytes =
            S->static_bytes + (uint64_t)(act_mean * tess_chunk_layers(s, st, (uint32_t)v - 1) *
                                         S->in_flight); /* its largest chunk */
    }
    return TESS_OK;
}

/* Step 5a: each rank's home memory for its stage's peak bytes (tess_home_memories): where
 * the capacity check counts them and where burst DMA goes. A platform whose dies cannot all
 * reach a memory keeps none (s->home_memory NULL: capacity as an equal share of every
 * memory; burst then refuses the job, naming the die). TESS_OK or TESS_ENOMEM. */
static int place_memory(builder *b)
{
    tess_schedule *s = b->s;
    int any = 0;
    for (size_t i = 0; i < b->p->n_instances && !any; i++)
        any = b->p->instances[i].kind == TESS_KIND_MEMORY && !b->p->instances[i].dead;
    if (!any) return TESS_OK; /* the dies' SRAM */
    uint64_t *need = malloc((s->dies + 1) * sizeof *need);
    s->home_memory = malloc((s->dies + 1) * sizeof *s->home_memory);
    if (!need || !s->home_memory) {
        free(need);
        return TESS_ENOMEM;
    }
    for (uint32_t r = 0; r < s->dies; r++)
        need[r] = s->stages[tess_rank_stage(s->tp, s->pp, r)].peak_bytes;
    const tess_rank_map m = tess_schedule_ranks(s);
    char msg[256];
    const int rc = tess_home_memories(b->p, &m, need, b->w->memory_placement == TESS_PLACE_BALANCED,
                                      s->home_memory, msg, sizeof msg);
    free(need);
    if (rc == TESS_ENOMEM) return rc;
    if (rc != TESS_OK) {
        free(s->home_memory);
        s->home_memory = NULL;
    }
    return TESS_OK;
}

int tess_schedule_homes(const tess_platform *p, const tess_schedule *s, const int64_t **home,
                        char *msg, size_t msglen)
{
    *home = s->home_memory;
    if (s->home_memory) return TESS_OK;
    /* none kept: the reason, as tess_home_memories gives it */
    int64_t *tmp = malloc((s->dies + 1) * sizeof *tmp);
    if (!tmp) return TESS_ENOMEM;
    const tess_rank_map m = tess_schedule_ranks(s);
    int rc = tess_home_memories(p, &m, NULL, 0, tmp, msg, msglen);
    free(tmp);
    if (rc == TESS_OK) { /* no memory at all */
        snprintf(msg, msglen, "the platform has no memory for the dies' DMA");
        rc = TESS_EINVAL;
    }
    return rc;
}

/* Step 5b: every die holds its stage's peak memory: in its own memories, in what its home
 * memory has left after the other dies homed there, or (no memory) in its SRAM. TESS_OK,
 * or TESS_ENOFIT naming the first die that does not (the schedule is still complete). */
static int check_fit(builder *b)
{
    tess_schedule *s = b->s;
    int rc = TESS_OK;
    uint64_t *homed = NULL; /* bytes homed at each memory */
    if (s->home_memory) {
        homed = calloc(b->p->n_instances + 1, sizeof *homed);
        if (!homed) return TESS_ENOMEM;
        for (uint32_t r = 0; r < s->dies; r++)
            if (s->home_memory[r] >= 0)
                homed[s->home_memory[r]] += s->stages[tess_rank_stage(s->tp, s->pp, r)].peak_bytes;
    }
    for (uint32_t r = 0; r < s->dies; r++) {
        const uint32_t stage = tess_rank_stage(s->tp, s->pp, r);
        tess_stage *S = &s->stages[stage];
        const uint32_t die = s->die_of_rank[r];
        const int64_t home = s->home_memory ? s->home_memory[r] : -1;
        uint64_t cap = die_capacity(b->p, die, s->dies);
        if (home >= 0) { /* the memory less what the others homed there need */
            const uint64_t mc = tess_memory_capacity(b->p, (uint32_t)home),
                           others = homed[home] - S->peak_bytes;
            cap = mc > others ? mc - others : 0;
        }
        S->capacity_bytes = cap;
        if (S->peak_bytes > s->peak_memory_bytes) {
            s->peak_memory_bytes = S->peak_bytes;
            s->peak_die = die;
        }
        if (S->peak_bytes > cap && rc == TESS_OK) {
            char where[320] = "";
            if (home >= 0) /* the placement that ran out */
                snprintf(where, sizeof where,
                         " left in its home memory '%s' (%.4g GB, %.4g GB of it needed by the "
                         "dies placed there: each die's nearest memory with room)",
                         b->p->instances[home].path,
                         tess_memory_capacity(b->p, (uint32_t)home) / 1e9, homed[home] / 1e9);
            tess_diag_add(b->diag, b->file, 0,
                          "the model does not fit: die '%s' (stage %u) needs %.4g GB "
                          "(weights, gradients and optimizer state %.4g GB; activations of %u "
                          "micro-batch chunks x %u layers, %.4g GB) but has %.4g GB%s",
                          b->p->instances[die].path, stage, S->peak_bytes / 1e9,
                          S->static_bytes / 1e9, S->in_flight, S->layers_per_chunk,
                          (S->peak_bytes - S->static_bytes) / 1e9, cap / 1e9, where);
            rc = TESS_ENOFIT;
        }
    }
    free(homed);
    return rc;
}

int tess_schedule_level_traffic(const tess_platform *p, tess_schedule *s)
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
            const uint32_t st = tess_rank_stage(s->tp, s->pp, r);
            if (l >= 0)
                s->level_bytes[l] += (double)tess_coll_stage_bytes_sent(s, i, st) *
                                     (double)tess_coll_calls(s, c, st);
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
    builder b = {.p = p,
                 .w = w,
                 .file = file,
                 .diag = diag,
                 .s = s,
                 .e = tess_dtype_bytes(w->dtype),
                 .tr = 1,
                 .cp_kv = -1,
                 .cp_dkv = -1};
    int rc = assign_ranks(&b);
    if (rc == TESS_OK) {
        b.die = &p->instances[s->die_of_rank[0]];
        b.dt = &p->types[b.die->type].u.die;
        b.gpu = b.dt->compute == TESS_COMPUTE_GPU;
        rc = choose_tile(&b);
        if (rc == TESS_OK && w->fp8 && !(b.dt->gemm_ceiling_fp8 > 0)) {
            tess_diag_add(diag, file, w->line,
                          "<workload> attribute 'fp8': die '%s' has no fp8 GEMM rate (its "
                          "die-type's gemm-ceiling-fp8, compute=\"gpu\")",
                          b.die->path);
            rc = TESS_EINVAL;
        }
    }
    if (rc != TESS_OK) return rc;
    while (b.tr * b.tr < w->tp)
        b.tr++; /* 2-D: grid side */
    s->tp_grid = w->tp_style == TESS_TP_2D ? (uint32_t)b.tr : 1;
    const tess_rank_map ranks = tess_schedule_ranks(s);
    rc = tess_place_groups(p, w, file, &ranks, &s->placement, diag);
    if (rc != TESS_OK) return rc;
    b.tok = (uint64_t)w->micro_batch * w->model.sequence / w->cp; /* a die's share */
    tess_build_cp_ring(&b);
    tess_build_layer_templates(&b);
    if (b.tile_refused) return TESS_EINVAL;
    rc = stage_figures(&b);
    if (rc != TESS_OK) return rc;
    tess_build_cp_calls(&b);
    rc = place_memory(&b);
    if (rc == TESS_OK) rc = check_fit(&b); /* TESS_ENOFIT still builds the whole schedule */
    tess_build_tp_collectives(&b);
    tess_build_pipeline_gather(&b);
    tess_build_ep_collectives(&b);
    tess_build_zero_collectives(&b);
    tess_build_drop_marks(&b);
    for (uint32_t st = 0; st < s->pp; st++)
        s->ops += s->stages[st].ops * s->tp * s->dp;
    tess_build_dp_collectives(&b);
    if (b.no_memory) return TESS_ENOMEM;
    char msg[512];
    const int chunked = tess_schedule_chunk_dp_tail(p, s, msg, sizeof msg);
    if (chunked != TESS_OK) {
        tess_diag_add(diag, file, 0, "%s", msg);
        return chunked;
    }
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
    if (rc == TESS_OK) rc = tess_schedule_level_traffic(p, s);
    return rc;
}
