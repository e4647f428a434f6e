/* The collectives a schedule calls: the tensor-parallel ones of every layer pass, of the
 * embedding and of the logits, and the data-parallel ones of the tail; each with its
 * calls per stage. Part of the schedule's build (model/schedule_build.h). */
#include "model/schedule_build.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "api/routes.h"
#include "tessera/tessera.h"

static void add_coll(builder *b, const char *what, tess_coll_axis axis, tess_coll kind,
                     uint32_t group, uint64_t bytes, uint64_t calls)
{
    tess_schedule *s = b->s;
    if (group <= 1 || calls == 0 ||
        !tess_build_reserve(b, (void **)&s->colls, s->n_colls, &s->cap_colls, sizeof *s->colls))
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

/* c's calls per iteration (and the messages and bytes they send) as its stage 0 makes
 * them, once the stages' passes are known (a collective added before them, or whose calls
 * follow the pipeline order). */
static void count_stage_calls(const tess_schedule *s, tess_coll_use *c)
{
    c->calls = tess_coll_calls(s, c, 0);
    c->messages = c->call_messages * c->calls;
    c->bytes_sent = c->call_bytes_sent * c->calls;
}

/* A collective called per_layer times in every layer pass: its calls on the first stage,
 * and per_layer kept for the others (tess_coll_calls). */
static void add_layer_coll(builder *b, const char *what, tess_coll_axis axis, tess_coll kind,
                           uint32_t group, uint64_t bytes, uint64_t per_layer)
{
    tess_schedule *s = b->s;
    const uint32_t before = s->n_colls;
    add_coll(b, what, axis, kind, group, bytes, per_layer);
    if (s->n_colls == before) return;
    s->colls[before].per_layer = per_layer;
    count_stage_calls(s, &s->colls[before]);
}

/* One call of collective coll at each of the n marks m of a layer pass of both layer
 * kinds: the template of the model's layers (t) and of its dense first ones (dense;
 * nothing when there are none). */
static void at_layer_marks(builder *b, tess_template *t, tess_template *dense, const tess_mark *m,
                           unsigned n, uint32_t coll)
{
    const uint64_t bytes = b->s->colls[coll].bytes;
    for (unsigned k = 0; k < n; k++) {
        tess_build_at_mark(b, t, m[k], 0, TESS_OP_COLLECTIVE, 1, 0, bytes, (int32_t)coll);
        if (b->s->dense_layers)
            tess_build_at_mark(b, dense, m[k], 0, TESS_OP_COLLECTIVE, 1, 0, bytes, (int32_t)coll);
    }
}

uint64_t tess_coll_calls(const tess_schedule *s, const tess_coll_use *c, uint32_t stage)
{
    if (c->only_stage >= 0 && (uint32_t)c->only_stage != stage) return 0;
    /* a stage without routed experts has no expert gradients to reduce over replicas */
    if (c->axis == TESS_AXIS_EDP && stage < s->pp && s->stages[stage].expert_params == 0) return 0;
    if (c->per_recv) {
        uint64_t n = 0;
        for (uint32_t k = 0; k < s->stages[stage].n_order; k++)
            n += tess_pass_recvs(s, stage, &s->stages[stage].order[k]);
        return n;
    }
    if (c->per_microbatch) return c->per_microbatch * s->microbatches;
    if (!c->per_layer) return c->calls;
    return c->per_layer * s->microbatches * tess_stage_layers(s, stage, c->moe_only);
}

uint64_t tess_coll_stage_bytes(const tess_schedule *s, uint32_t coll, uint32_t stage)
{
    const tess_coll_use *c = &s->colls[coll];
    if (stage >= s->pp) return c->bytes;
    /* the experts' replicas' are never split or chunked: 2 bytes a parameter of the
     * stage's experts, as expert_dp_collectives sizes the largest stage's */
    if (c->axis == TESS_AXIS_EDP) return s->stages[stage].expert_params * 2;
    if (s->dp_coll < 0 || coll < (uint32_t)s->dp_coll || !tess_axis_is_dp(c->axis)) return c->bytes;
    const double num = (double)(s->stages[stage].params - s->stages[stage].expert_params),
                 den = (double)(s->stages[0].params - s->stages[0].expert_params);
    if (!(den > 0) || num == den) return c->bytes;
    return (uint64_t)llround((double)c->bytes * num / den);
}

uint64_t tess_coll_stage_bytes_sent(const tess_schedule *s, uint32_t coll, uint32_t stage)
{
    const tess_coll_use *c = &s->colls[coll];
    const uint64_t bytes = tess_coll_stage_bytes(s, coll, stage);
    if (bytes == c->bytes) return c->call_bytes_sent;
    uint64_t messages, sent;
    tess_collective_cost(c->kind, c->algo, c->group, c->rows, bytes, &messages, &sent);
    return bytes ? sent : 0;
}

/* A tensor-parallel collective called once a micro-batch by the dies of one stage, as an
 * op of template t (the embedding's, appended, or the logits': at its nth logits mark). */
static void stage_coll(builder *b, const char *what, tess_coll_axis axis, tess_coll kind,
                       uint32_t group, uint64_t bytes, uint32_t stage, tess_template *t,
                       uint32_t nth)
{
    tess_schedule *s = b->s;
    const uint32_t before = s->n_colls;
    add_coll(b, what, axis, kind, group, bytes, s->microbatches);
    if (s->n_colls == before) return;
    s->colls[before].per_microbatch = 1;
    s->colls[before].only_stage = (int32_t)stage;
    tess_build_at_mark(b, t, MARK_LOGITS, nth, TESS_OP_COLLECTIVE, 1, 0, bytes, (int32_t)before);
    s->stages[stage].ops += s->microbatches;
}

/* One stage's tensor-parallel reduction or gather of a micro-batch's activations (`act`
 * bytes), as the layers' collectives go: one ring over the group, or, when the group spans
 * domains, inside each and then across (model/placement.h). names: {all-reduce,
 * reduce-scatter, all-gather} wording for this use. */
static void stage_tp(builder *b, tess_coll kind, const char *const names[3], uint64_t act,
                     uint32_t stage, tess_template *t, uint32_t nth)
{
    const tess_schedule *s = b->s;
    const uint32_t tp = b->w->tp, mt = s->placement.tp_local;
    if (mt <= 1) {
        stage_coll(b, names[kind], TESS_AXIS_TP, kind, tp, act, stage, t, nth);
        return;
    }
    const uint32_t across = tp / mt;
    if (kind != TESS_ALL_GATHER)
        stage_coll(b, names[TESS_REDUCE_SCATTER], TESS_AXIS_TP_LOCAL, TESS_REDUCE_SCATTER, mt, act,
                   stage, t, nth);
    stage_coll(b, names[kind], TESS_AXIS_TP_CROSS, kind, across, act / mt, stage, t, nth);
    if (kind != TESS_REDUCE_SCATTER)
        stage_coll(b, names[TESS_ALL_GATHER], TESS_AXIS_TP_LOCAL, TESS_ALL_GATHER, mt, act, stage,
                   t, nth);
}

/* Step 6: the tensor-parallel collectives per die per iteration, and their ops in the
 * layer templates (one op per call). */
void tess_build_tp_collectives(builder *b)
{
    const tess_workload *w = b->w;
    tess_schedule *s = b->s;
    const uint64_t act = b->tok * w->model.hidden * b->e, t = w->tp, tr = b->tr;
    const int full = w->recompute == TESS_RECOMPUTE_FULL;
    const uint64_t n = full ? 3 : 2; /* forward-like passes of a layer: forward, backward,
                                        and the recomputed forward */
    const uint32_t tp = (uint32_t)t, first = s->n_colls;
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
    /* the collectives above run in every pass, each call at its place (Megatron-LM's f and
     * g operators, Korthikanti et al. 2022 figure 5): without sequence parallelism each
     * all-reduce (or hierarchical reduce-scatter, all-reduce, all-gather) after the
     * attention's and the MLP's output projections, and in backward after the input
     * projections' and the MLP's first layer's; with it each all-gather before the input
     * projections and the MLP (backward: before the output projections' backward), each
     * reduce-scatter where the all-reduce goes; 2-D, each linear layer's all-gather before
     * it and reduce-scatter after (backward mirrored) */
    static const tess_mark in_fwd[4] = {MARK_IN_QKV, MARK_IN_PROJ, MARK_IN_UP, MARK_IN_DOWN},
                           out_fwd[4] = {MARK_OUT_QKV, MARK_OUT_PROJ, MARK_OUT_UP, MARK_OUT_DOWN},
                           reduce_fwd[2] = {MARK_OUT_PROJ, MARK_OUT_DOWN},
                           reduce_bwd[2] = {MARK_IN_UP, MARK_IN_QKV},
                           gather_fwd[2] = {MARK_IN_QKV, MARK_IN_UP},
                           gather_bwd[2] = {MARK_OUT_DOWN, MARK_OUT_PROJ},
                           regather_bwd[2] = {MARK_OUT_UP, MARK_OUT_QKV};
    const uint32_t spread = s->n_colls;
    for (uint32_t i = first; i < spread; i++) {
        const tess_coll_use *c = &s->colls[i];
        if (c->per_layer / n == 0) continue;
        const int gathers = c->kind == TESS_ALL_GATHER && w->sequence_parallel;
        const tess_mark *f = reduce_fwd, *bw = reduce_bwd;
        unsigned m = 2;
        if (w->tp_style == TESS_TP_2D) {
            const int ag = c->kind == TESS_ALL_GATHER;
            f = ag ? in_fwd : out_fwd;
            bw = ag ? out_fwd : in_fwd;
            m = 4;
        } else if (gathers) {
            f = gather_fwd;
            bw = gather_bwd;
        }
        at_layer_marks(b, &s->fwd, &s->dense_fwd, f, m, i);
        at_layer_marks(b, &s->bwd, &s->dense_bwd, bw, m, i);
        if (full) at_layer_marks(b, &s->recompute, &s->dense_recompute, f, m, i);
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
        for (uint32_t i = first; i < s->n_colls; i++) { /* before the layers' dW */
            at_layer_marks(b, &s->bwd, &s->dense_bwd, regather_bwd, 2, i);
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
        stage_tp(b, sp ? TESS_REDUCE_SCATTER : TESS_ALL_REDUCE, embed, act, 0, &s->embed_fwd, 0);
        /* the logits, and each multi-token prediction module's again */
        for (uint32_t j = 0; j <= w->model.mtp_depth; j++) {
            if (sp) stage_tp(b, TESS_ALL_GATHER, logits, act, s->pp - 1, &s->logits_fwd, j);
            stage_tp(b, sp ? TESS_REDUCE_SCATTER : TESS_ALL_REDUCE, logits, act, s->pp - 1,
                     &s->logits_bwd, j);
        }
    }
}

/* Megatron's scatter/gather of pipeline messages (Narayanan et al. 2021, section 4.1):
 * each tensor-parallel rank sends 1/tp of the activation to its peer in the next (or, in
 * the backward pass, previous) stage, and the receiving group all-gathers the whole over
 * its TP ring before the next op reads it: one all-gather after each receive. With
 * sequence parallelism the activation stays split along the sequence and nothing is
 * gathered; 2-D tensor parallelism sends its share as it is. */
int tess_build_activation_replicated(const tess_workload *w)
{
    return w->tp > 1 && w->tp_style == TESS_TP_MEGATRON_1D && !w->sequence_parallel;
}

void tess_build_pipeline_gather(builder *b)
{
    const tess_workload *w = b->w;
    tess_schedule *s = b->s;
    s->recv_coll = -1;
    if (s->pp < 2 || !tess_build_activation_replicated(w) || !w->pipeline_scatter_gather) return;
    const uint32_t i = s->n_colls;
    add_coll(b, "pp scatter-gather all-gather", TESS_AXIS_TP, TESS_ALL_GATHER, w->tp,
             b->tok * w->model.hidden * b->e, 1);
    if (s->n_colls == i) return;
    tess_coll_use *c = &s->colls[i];
    c->per_recv = 1;
    count_stage_calls(s, c);
    s->recv_coll = (int32_t)i;
    for (uint32_t st = 0; st < s->pp; st++)
        s->stages[st].ops += tess_coll_calls(s, c, st);
}

enum { PER_LAYER = -1, ONCE = -2 };

/* The n collective ops of template t from index at on, the phases of one call: run as
 * `async` says, the first's call running them all. */
static void mark_async(tess_template *t, uint32_t at, uint32_t n, tess_async async)
{
    for (uint32_t j = 0; j < n && at + j < t->n && async != TESS_SYNC; j++) {
        t->groups[at + j].async = (uint8_t)async;
        t->groups[at + j].chain = j == 0 ? n : 0;
    }
}

/* One data-parallel all-gather or reduce-scatter of a `bytes` buffer: one ring over the dp
 * ranks, or, when their groups fall into domains (placement.dp_local), an all-gather across
 * the domains (of the domain's 1/m) then inside, a reduce-scatter inside then across.
 * Called `times` times in every layer pass (stage PER_LAYER), `times` times an iteration
 * (ONCE: the tail, no template), or else `times` times a micro-batch by the dies of
 * `stage`; the first call of each phase is an op of template t put at `at` (the phases in
 * order), the others the caller's, run as `async` says (tess_async: an asynchronous call
 * runs every phase). names: the ring's, inside's and across's wording. Returns the index
 * of the first collective added. */
static uint32_t dp_phases(builder *b, tess_coll kind, const char *const names[3], uint64_t bytes,
                          uint64_t times, int32_t stage, tess_template *t, uint32_t at,
                          tess_async async)
{
    tess_schedule *s = b->s;
    const uint32_t dp = s->dp, ml = s->placement.dp_local, first = s->n_colls;
    const int split = ml > 1 && ml < dp, across_first = split && kind == TESS_ALL_GATHER;
    for (uint32_t j = 0; j < (split ? 2u : 1u); j++) {
        const int across = split && (j == 0) == across_first;
        const char *what = !split ? names[0] : across ? names[2] : names[1];
        const tess_coll_axis axis = !split   ? TESS_AXIS_DP
                                    : across ? TESS_AXIS_DP_CROSS
                                             : TESS_AXIS_DP_LOCAL;
        const uint32_t group = !split ? dp : across ? dp / ml : ml;
        const uint64_t buffer = across ? bytes / ml : bytes;
        const uint32_t i = s->n_colls;
        if (stage == PER_LAYER)
            add_layer_coll(b, what, axis, kind, group, buffer, times);
        else
            add_coll(b, what, axis, kind, group, buffer,
                     stage == ONCE ? times : times * s->microbatches);
        if (s->n_colls == i) continue;
        if (stage >= 0) {
            s->colls[i].per_microbatch = times;
            s->colls[i].only_stage = stage;
        }
        if (t) tess_build_insert_group(b, t, at + j, TESS_OP_COLLECTIVE, 1, 0, buffer, (int32_t)i);
    }
    if (t) mark_async(t, at, s->n_colls - first, async);
    return first;
}

/* Every stage's ops gain the calls of the collectives from index `first` on. */
static void count_calls(builder *b, uint32_t first)
{
    tess_schedule *s = b->s;
    for (uint32_t i = first; i < s->n_colls; i++)
        for (uint32_t st = 0; st < s->pp; st++)
            s->stages[st].ops += tess_coll_calls(s, &s->colls[i], st);
}

/* A ZeRO-3 gather used twice a pass (`stage` as dp_phases): before the forward (ops put
 * first in template fwd) and before the backward (first in template back; a tied table's
 * second use is the logits' backward). */
static void gather_twice(builder *b, const char *const names[3], uint64_t bytes, int32_t stage,
                         tess_template *fwd, tess_template *back, tess_async async)
{
    tess_schedule *s = b->s;
    const uint32_t first = dp_phases(b, TESS_ALL_GATHER, names, bytes, 2, stage, fwd, 0, async);
    for (uint32_t i = first; i < s->n_colls; i++)
        tess_build_insert_group(b, back, i - first, TESS_OP_COLLECTIVE, 1, 0, s->colls[i].bytes,
                                (int32_t)i);
    mark_async(back, 0, s->n_colls - first, async);
}

/* Expert parallelism (w->ep > 1): around each layer's experts the routed token copies go
 * to the experts' ranks and come back, an all-to-all each way over the ep group (its b s k
 * h elements, times the experts' load, tess_build_expert_load: with tensor parallelism
 * each TP rank sends all the tokens to its peers of the same TP index, whose expert slice
 * needs them all), in the forward, backward and recomputed forward passes; hierarchical
 * over domains unless the workload says flat. */
/* An expert all-to-all's buffer on a die: its tok tokens' `copies` each of h elements of e
 * bytes, at the busiest expert's load. */
static uint64_t routed_bytes(double tok, double copies, double h, double e, double load)
{
    return (uint64_t)ceil(tok * copies * h * e * load - 1e-9);
}

void tess_build_ep_collectives(builder *b)
{
    const tess_workload *w = b->w;
    tess_schedule *s = b->s;
    if (w->ep < 2) return;
    const int full = w->recompute == TESS_RECOMPUTE_FULL;
    const uint64_t passes = full ? 3 : 2;
    const double load = tess_build_expert_load(w), h = (double)w->model.hidden,
                 tok = (double)b->tok, k = (double)w->model.top_k;
    const uint64_t bytes = routed_bytes(tok, k, h, (double)b->e, load);
    /* over domains of m members (the DP group's, placement.dp_local) holding whole EP
     * groups' parts: across first (each die's whole buffer, 1/(ep/m) to each die of its own
     * place in the group's other domains), then inside (1/m to each) */
    const uint32_t m = s->placement.dp_local, first = s->n_colls;
    const int hier = w->ep_hierarchical && m > 1 && m < w->ep && w->ep % m == 0;
    if (w->ep_node_limit || w->ep_dispatch_fp8) {
        /* DeepEP's way (DeepSeek-V3 sections 3.2.2, 3.3): each token's experts on at most
         * `limit` domains, its copy crossing to each of them once and fanned out inside
         * (hierarchical only: a token's copies to one domain share its crossing); the
         * dispatch in fp8 with a 4-byte scale per 128 elements, the combine in the dtype.
         * Dispatch and combine are then collectives of their own, across and inside each */
        double limit = w->ep_node_limit && w->ep_node_limit < k ? w->ep_node_limit : k;
        if (hier && w->ep_node_limit && limit > (double)(w->ep / m)) limit = w->ep / m;
        const double de = w->ep_dispatch_fp8 ? 1.0 + 4.0 / 128 : (double)b->e;
        const uint64_t d_in = routed_bytes(tok, k, h, de, load),
                       d_across = routed_bytes(tok, hier ? limit : k, h, de, load),
                       c_across = routed_bytes(tok, hier ? limit : k, h, (double)b->e, load);
        if (hier) {
            add_layer_coll(b, "ep all-to-all (dispatch; across)", TESS_AXIS_EP_CROSS,
                           TESS_ALL_TO_ALL, w->ep / m, d_across, passes);
            add_layer_coll(b, "ep all-to-all (dispatch; inside)", TESS_AXIS_DP_LOCAL,
                           TESS_ALL_TO_ALL, m, d_in, passes);
            add_layer_coll(b, "ep all-to-all (combine; inside)", TESS_AXIS_DP_LOCAL,
                           TESS_ALL_TO_ALL, m, bytes, passes);
            add_layer_coll(b, "ep all-to-all (combine; across)", TESS_AXIS_EP_CROSS,
                           TESS_ALL_TO_ALL, w->ep / m, c_across, passes);
        } else {
            add_layer_coll(b, "ep all-to-all (dispatch)", TESS_AXIS_EP, TESS_ALL_TO_ALL, w->ep,
                           d_in, passes);
            add_layer_coll(b, "ep all-to-all (combine)", TESS_AXIS_EP, TESS_ALL_TO_ALL, w->ep,
                           bytes, passes);
        }
    } else if (hier) {
        add_layer_coll(b, "ep all-to-all (dispatch, combine; across)", TESS_AXIS_EP_CROSS,
                       TESS_ALL_TO_ALL, w->ep / m, bytes, 2 * passes);
        add_layer_coll(b, "ep all-to-all (dispatch, combine; inside)", TESS_AXIS_DP_LOCAL,
                       TESS_ALL_TO_ALL, m, bytes, 2 * passes);
    } else {
        add_layer_coll(b, "ep all-to-all (dispatch, combine)", TESS_AXIS_EP, TESS_ALL_TO_ALL, w->ep,
                       bytes, 2 * passes);
    }
    const uint32_t phases = s->n_colls - first;
    tess_template *const passes_t[3] = {&s->fwd, &s->bwd, full ? &s->recompute : NULL};
    for (uint32_t i = first; i < s->n_colls; i++) { /* the dense first layers have none */
        s->colls[i].moe_only = 1;
        count_stage_calls(s, &s->colls[i]);
        /* overlapped: dispatch and combine started as the layer starts (the first phase's
         * calls run every phase), waited for when its work is done (below) */
        for (int k = 0; k < 3 && w->ep_overlap; k++) {
            if (!passes_t[k]) continue;
            /* its calls in a pass: dispatch and combine, or one of them */
            const uint64_t calls = s->colls[i].per_layer / passes, cb = s->colls[i].bytes;
            const uint32_t at = i - first;
            tess_build_insert_group(b, passes_t[k], at, TESS_OP_COLLECTIVE, calls, 0, cb,
                                    (int32_t)i);
            if (b->no_memory) return;
            passes_t[k]->groups[at].async = TESS_ASYNC_START;
            passes_t[k]->groups[at].chain = at == 0 ? phases : 0;
        }
    }
    /* in the layer's stream: the dispatch's phases where the tokens are permuted, the
     * combine's after the experts' second layer. DeepEP's way lists the dispatch's phases,
     * then the combine's; otherwise each phase is both (two calls a pass), the combine's
     * in the reverse order (inside, then across) */
    const int both = !(w->ep_node_limit || w->ep_dispatch_fp8);
    const uint32_t dispatches = both ? phases : phases / 2;
    for (int k = 0; k < 3 && !w->ep_overlap; k++) {
        if (!passes_t[k]) continue;
        for (uint32_t j = 0; j < phases; j++) {
            const uint32_t d = first + j, c = both ? s->n_colls - 1 - j : d;
            if (j < dispatches)
                tess_build_at_mark(b, passes_t[k], MARK_DISPATCH, 0, TESS_OP_COLLECTIVE, 1, 0,
                                   s->colls[d].bytes, (int32_t)d);
            if (both || j >= dispatches)
                tess_build_at_mark(b, passes_t[k], MARK_COMBINE, 0, TESS_OP_COLLECTIVE, 1, 0,
                                   s->colls[c].bytes, (int32_t)c);
        }
    }
    for (int k = 0; k < 3 && w->ep_overlap && phases; k++) {
        if (!passes_t[k]) continue;
        tess_build_add_group(b, passes_t[k], TESS_OP_COLLECTIVE, 1, 0, 0, (int32_t)first);
        if (b->no_memory) return;
        passes_t[k]->groups[passes_t[k]->n - 1].async = TESS_ASYNC_WAIT;
        passes_t[k]->groups[passes_t[k]->n - 1].chain = phases;
        for (uint32_t st = 0; st < s->pp; st++) /* the wait: one op a layer pass */
            s->stages[st].ops += s->microbatches * tess_stage_layers(s, st, 1);
    }
    count_calls(b, first);
}

/* Context parallelism (w->cp > 1): ring attention (Liu et al. 2023, as Megatron-LM's
 * context parallelism runs it). Each of the cp ranks holds two chunks of a sequence, and a
 * layer's attention goes in cp steps, its queries against one K/V block of s/cp tokens a
 * step; the blocks go round the ring, each die sending the block it has to the next while
 * it computes on it (a send-receive of b s/cp 2 h_kv e bytes, the die's kv heads: cp - 1 a
 * forward, recomputed forward and backward pass). In the backward pass each block's partial
 * dK/dV gradient goes round behind it, summed into by every die, and home at the end (cp
 * calls, the same bytes). The layer templates place the calls (schedule_kernels.c). */
void tess_build_cp_ring(builder *b)
{
    const tess_workload *w = b->w;
    tess_schedule *s = b->s;
    b->cp_kv = b->cp_dkv = -1;
    if (w->cp < 2) return;
    const tess_model *md = &w->model;
    const uint64_t kv_heads = md->kv_heads >= w->tp ? md->kv_heads / w->tp : 1;
    const uint64_t bytes =
        b->tok * (tess_model_qk_dim(md) + tess_model_v_dim(md)) * kv_heads * b->e;
    const int again = w->recompute != TESS_RECOMPUTE_NONE; /* the core recomputed too */
    const uint32_t kv = s->n_colls;
    add_coll(b, "cp K/V ring (attention)", TESS_AXIS_CP, TESS_SEND_RECV, w->cp, bytes, 1);
    add_coll(b, "cp dK/dV ring (attention backward)", TESS_AXIS_CP, TESS_SEND_RECV, w->cp, bytes,
             1);
    if (s->n_colls != kv + 2) return;
    s->colls[kv].per_layer = (uint64_t)(w->cp - 1) * (again ? 3 : 2);
    s->colls[kv + 1].per_layer = w->cp;
    b->cp_kv = (int32_t)kv;
    b->cp_dkv = (int32_t)kv + 1;
}

void tess_build_cp_calls(builder *b)
{
    tess_schedule *s = b->s;
    const int32_t ring[2] = {b->cp_kv, b->cp_dkv};
    for (int k = 0; k < 2; k++) {
        if (ring[k] >= 0) count_stage_calls(s, &s->colls[ring[k]]);
    }
}

/* ZeRO-2 and -3 inside the passes (Rajbhandari et al. 2020, sections 5.2 and 5.3, as
 * DeepSpeed and PyTorch FSDP run them with gradient accumulation): after each micro-batch's
 * backward pass of a layer its gradients (2 bytes a parameter) are reduce-scattered over
 * the dp ranks into each rank's shard, and the first stage's embedding's and the last
 * stage's output layer's once a micro-batch likewise; with ZeRO-3 a layer's weights are
 * all-gathered before its forward pass and again before its backward pass (before the
 * recomputed forward, which the backward's gather serves, with full recomputation), the
 * output layer's alike and the embedding's before the forward only (its backward, a
 * scatter-add, needs no weights). With one micro-batch that moves
 * the paper's 3 x the parameters' bytes an iteration against data parallelism's 2
 * (section 7.2.2). With zero-overlap (the default) a layer's gathers run one layer ahead
 * and the reductions on a stream of their own, under the compute (tess_async), as FSDP's
 * forward and backward prefetch; the embedding's and output layer's gathers wait. */
void tess_build_zero_collectives(builder *b)
{
    const tess_workload *w = b->w;
    tess_schedule *s = b->s;
    if (w->zero < 2 || s->dp < 2) return;
    static const char *const rs[3] = {"dp layer gradient reduce-scatter",
                                      "dp layer gradient reduce-scatter (inside)",
                                      "dp layer gradient reduce-scatter (across)"};
    static const char *const ag[3] = {"dp layer parameter all-gather",
                                      "dp layer parameter all-gather (inside)",
                                      "dp layer parameter all-gather (across)"};
    static const char *const eag[3] = {"dp embedding all-gather",
                                       "dp embedding all-gather (inside)",
                                       "dp embedding all-gather (across)"};
    static const char *const ers[3] = {"dp embedding gradient reduce-scatter",
                                       "dp embedding gradient reduce-scatter (inside)",
                                       "dp embedding gradient reduce-scatter (across)"};
    static const char *const lag[3] = {"dp output layer all-gather",
                                       "dp output layer all-gather (inside)",
                                       "dp output layer all-gather (across)"};
    static const char *const lrs[3] = {"dp output layer gradient reduce-scatter",
                                       "dp output layer gradient reduce-scatter (inside)",
                                       "dp output layer gradient reduce-scatter (across)"};
    const uint64_t layer = tess_build_layer_params(w) / w->tp * 2;
    const uint32_t first = s->n_colls;
    const int z3 = w->zero >= 3;
    /* with overlap, a layer's gathers go one layer ahead, every reduction on its stream; the
     * embedding's and output layer's gathers (once a pass, nothing to run ahead of) wait */
    const tess_async gather = w->zero_overlap ? TESS_ASYNC_GATHER : TESS_SYNC,
                     reduce = w->zero_overlap ? TESS_ASYNC_REDUCE : TESS_SYNC;
    dp_phases(b, TESS_REDUCE_SCATTER, rs, layer, 1, PER_LAYER, &s->bwd, s->bwd.n, reduce);
    if (z3)
        gather_twice(b, ag, layer, PER_LAYER, &s->fwd,
                     w->recompute == TESS_RECOMPUTE_FULL ? &s->recompute : &s->bwd, gather);
    const int32_t last = (int32_t)s->pp - 1;
    const uint64_t embed = tess_build_embedding_params(w) * 2,
                   out = tess_build_output_params(w) * 2;
    if (tess_build_tied_output(w)) {
        /* one unit, the table and the final norm: gathered for the forward (the logits
         * reuse it) and for the logits' backward, its summed gradient reduce-scattered
         * after the embedding's backward */
        const uint64_t unit = tess_build_tied_unit_params(w) * 2;
        if (z3) gather_twice(b, eag, unit, 0, &s->embed_fwd, &s->logits_bwd, TESS_SYNC);
        dp_phases(b, TESS_REDUCE_SCATTER, ers, unit, 1, 0, &s->embed_bwd, s->embed_bwd.n, reduce);
    } else {
        if (z3) dp_phases(b, TESS_ALL_GATHER, eag, embed, 1, 0, &s->embed_fwd, 0, TESS_SYNC);
        dp_phases(b, TESS_REDUCE_SCATTER, ers, embed, 1, 0, &s->embed_bwd, s->embed_bwd.n, reduce);
        if (z3) gather_twice(b, lag, out, last, &s->logits_fwd, &s->logits_bwd, TESS_SYNC);
        dp_phases(b, TESS_REDUCE_SCATTER, lrs, out, 1, last, &s->logits_bwd, s->logits_bwd.n,
                  reduce);
    }
    count_calls(b, first);
}

/* Step 7: the data-parallel collectives of the tail, once per iteration: the gradient
 * all-reduce; with ZeRO-1 its reduce-scatter and, after the optimizer's step on each
 * rank's shard, the parameters' all-gather; with ZeRO-2 that all-gather alone (the
 * gradients were reduce-scattered layer by layer); with ZeRO-3 nothing. */
/* With expert parallelism the routed experts' gradients are reduced over their own
 * replicas only (the expert data-parallel group, dp / ep ranks ep apart; nothing when dp =
 * ep), after the rest of the tail: Megatron-LM's and DeepSpeed's expert data parallelism.
 * Their bytes are the largest stage's (the tail's collectives are alike on every stage). */
static void expert_dp_collectives(builder *b)
{
    const tess_workload *w = b->w;
    tess_schedule *s = b->s;
    uint64_t experts = 0;
    for (uint32_t st = 0; st < s->pp; st++)
        if (s->stages[st].expert_params > experts) experts = s->stages[st].expert_params;
    const uint32_t group = s->dp / (w->ep ? w->ep : 1);
    if (experts == 0 || group < 2) return;
    if (w->zero) {
        add_coll(b, "dp expert gradient reduce-scatter (expert replicas)", TESS_AXIS_EDP,
                 TESS_REDUCE_SCATTER, group, experts * 2, 1);
        add_coll(b, "dp expert parameter all-gather (expert replicas)", TESS_AXIS_EDP,
                 TESS_ALL_GATHER, group, experts * 2, 1);
    } else {
        add_coll(b, "dp expert gradient all-reduce (expert replicas)", TESS_AXIS_EDP,
                 TESS_ALL_REDUCE, group, experts * 2, 1);
    }
}

void tess_build_dp_collectives(builder *b)
{
    const tess_workload *w = b->w;
    tess_schedule *s = b->s;
    /* the stage's parameters but its routed experts' (expert_dp_collectives) */
    const uint64_t grad_bytes = (s->stages[0].params - s->stages[0].expert_params) * 2;
    s->dp_coll = s->dp > 1 && w->zero < 3 ? (int32_t)s->n_colls : -1;
    s->dp_chunks = 1; /* tess_schedule_chunk_dp_tail may pipeline a hierarchical tail */
    if (s->dp_coll < 0) return;
    const uint32_t ml = s->placement.dp_local, across = s->dp / ml;
    if (w->zero >= 2) {
        static const char *const ag[3] = {"dp parameter all-gather",
                                          "dp parameter all-gather (inside)",
                                          "dp parameter all-gather (across)"};
        dp_phases(b, TESS_ALL_GATHER, ag, grad_bytes, 1, ONCE, NULL, 0, TESS_SYNC);
    } else if (ml > 1) {
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
        add_coll(b, "dp gradient reduce-scatter", TESS_AXIS_DP, TESS_REDUCE_SCATTER, s->dp,
                 grad_bytes, 1);
        add_coll(b, "dp parameter all-gather", TESS_AXIS_DP, TESS_ALL_GATHER, s->dp, grad_bytes, 1);
    } else {
        add_coll(b, "dp gradient all-reduce", TESS_AXIS_DP, TESS_ALL_REDUCE, s->dp, grad_bytes, 1);
    }
    expert_dp_collectives(b);
}

uint32_t tess_dp_chain(const tess_schedule *s, uint32_t *out, uint32_t cap)
{
    uint32_t n = 0;
    for (uint32_t i = s->dp_coll >= 0 ? (uint32_t)s->dp_coll : s->n_colls;
         i < s->n_colls && n < cap; i++)
        if (tess_axis_is_dp(s->colls[i].axis) && s->colls[i].group > 1) out[n++] = i;
    return n;
}

int tess_schedule_chunk_dp_tail(const tess_platform *p, tess_schedule *s, char *msg, size_t msglen)
{
    enum { MAX_PHASES = 8 };
    uint32_t chain[MAX_PHASES];
    const uint32_t n = tess_dp_chain(s, chain, MAX_PHASES);
    if (n < 2) return TESS_OK;
    for (uint32_t j = 0; j < n; j++) /* an all-to-all's phases go one after the other */
        if (s->colls[chain[j]].kind == TESS_ALL_TO_ALL) return TESS_OK;
    tess_hw_routes *h = tess_hw_routes_open(p, msg, msglen);
    if (!h) return TESS_EINVAL;
    const tess_rank_map m = tess_schedule_ranks(s);
    double sync[MAX_PHASES], data[MAX_PHASES];
    int ring[MAX_PHASES];
    for (uint32_t j = 0; j < n; j++) {
        const tess_coll_use *c = &s->colls[chain[j]];
        const double steps = (double)tess_ring_steps(c->kind, c->group);
        const double payload = (double)tess_ring_message_bytes(c->kind, c->bytes, c->group);
        double step = 0, slowest = 0;
        for (uint32_t r = 0; r < s->dies; r++) {
            const uint32_t next = tess_rank_next(&m, c->axis, r);
            tess_hw_route_info info;
            if (next == r) continue;
            if (tess_hw_route(h, s->die_of_rank[r], s->die_of_rank[next], &info, NULL, 0) != 0 ||
                !(info.bandwidth_bytes_s > 0)) {
                snprintf(msg, msglen, "%s: no route from die '%s' to die '%s'", c->what,
                         p->instances[s->die_of_rank[r]].path,
                         p->instances[s->die_of_rank[next]].path);
                tess_hw_routes_close(h);
                return TESS_EUNROUTABLE;
            }
            if (info.collective_step_s + info.latency_s > step)
                step = info.collective_step_s + info.latency_s;
            const double t = payload / (info.collective_efficiency * info.bandwidth_bytes_s);
            if (t > slowest) slowest = t;
        }
        sync[j] = steps * step;
        data[j] = steps * slowest;
        ring[j] = c->axis;
    }
    tess_hw_routes_close(h);
    const uint32_t k = tess_pipeline_chunks(sync, data, ring, n);
    for (uint32_t j = 0; k > 1 && j < n; j++) { /* k calls of a chunk each, rounded up */
        tess_coll_use *c = &s->colls[chain[j]];
        tess_coll_use_init(c, c->what, c->axis, c->kind, c->group, (c->bytes + k - 1) / k, k);
    }
    s->dp_chunks = k;
    return TESS_OK;
}
