/* The tile-schedule generator: workload x platform -> what every die does in one
 * training iteration, counted without being unrolled.
 *
 * Ranks are numbered TP fastest, then PP, then DP (rank-order="tp-pp-dp", so TP
 * neighbours sit on adjacent dies of the platform's die order), and rank r runs on
 * the r-th live die. All dies of a pipeline stage do the same work, so the schedule
 * is held per stage:
 *  - one op template per layer pass (GEMMs split into SRAM-sized tiles with their DMA
 *    loads and stores, vector ops, tensor-parallel collectives), in the order the layer
 *    runs them (each element-wise kernel and collective between the GEMM writing its input
 *    and the GEMM reading its output; backward the forward's mirror), repeated over the
 *    stage's layers (a second set for a mixture of experts' dense first layers, run for
 *    the model's first layers wherever they fall);
 *  - the stage's order of (micro-batch, model chunk, forward | backward) passes for
 *    the pipeline schedule (GPipe, 1F1B, interleaved 1F1B), m x v x 2 entries;
 *  - per-iteration extras: pipeline sends and receives, the data-parallel gradient
 *    reduction, the optimizer step.
 * Counts (FLOPs, ops, bytes) are products of templates and repeat counts; nothing
 * holds one record per executed op, so a 175B iteration costs kilobytes.
 *
 * FLOPs follow the layer shapes: per layer and micro-batch of b sequences of s tokens,
 * forward = QKV 2bsh(h + 2h_kv) + attention 4bs^2h + output 2bsh^2 + MLP 2bsh*f x (2, or
 * 3 for SwiGLU), plus logits 2bshV on the last stage; backward twice that; full
 * recomputation repeats the layers' forward, selective repeats the attention core
 * (4bs^2h). For GPT shapes this is Narayanan et al. 2021's 72Bslh^2(1 + s/6h + V/12lh).
 * Memory per die: 16 B per parameter (fp16 weights and gradients, fp32 master weights
 * and Adam moments), 4 + 12/DP with ZeRO-1, 2 + 14/DP with ZeRO-2, 16/DP with ZeRO-3 (and
 * the unit a die holds whole while it works on it, schedule.c); activations per layer as
 * Korthikanti et al. 2022 account for them (Table 2), times the micro-batches in flight.
 */
#ifndef TESS_SCHEDULE_H
#define TESS_SCHEDULE_H

#include <stdint.h>

#include "config/platform.h"
#include "config/workload.h"
#include "config/diag.h"
#include "model/collective.h"
#include "model/die_timing.h"
#include "model/placement.h"
#include "model/rank_map.h"

/* DRAM bytes per parameter of one mixed-precision Adam step as Megatron-LM takes it
 * (fp32 main gradients and master weights, fp16 or bf16 model weights), pass by pass:
 * unscale the main gradients and check them for inf/NaN (read and write 4 + 4), their
 * norm for clipping (read 4), Adam (read weight, gradient and both moments, write weight
 * and moments: 28), copy the master weights into the model's (read 4, write 2), zero the
 * gradient buffer (write 4): 50. */
#define TESS_OPTIMIZER_BYTES_PER_PARAM 50u

typedef struct tess_coll_use {
    const char *what; /* "tp all-reduce", "dp gradient all-reduce", ... */
    tess_coll_axis axis;
    tess_coll kind;
    tess_coll_algo algo;
    uint32_t group; /* dies in the group */
    uint32_t rows;  /* 2d: grid rows */
    uint64_t bytes; /* buffer per call */
    /* calls per layer pass (a layer's forward, backward and recomputed forward for one
     * micro-batch chunk), or per micro-batch on one stage only (the embedding's on the
     * first, the logits' on the last: only_stage), or neither: once an iteration */
    uint64_t per_layer, per_microbatch;
    int32_t only_stage; /* the stage whose dies call it, or -1: every stage's */
    uint8_t per_recv;   /* called once after each pipeline receive of the stage */
    uint8_t moe_only;   /* per_layer calls in the mixture-of-experts layers only (not in
                           the model's first dense layers: the expert all-to-alls) */
    uint64_t call_messages, call_bytes_sent; /* what one call sends, per die */
    /* per iteration, per die of the first stage that calls it (stages may hold different
     * numbers of layers: tess_coll_calls gives any stage's calls) */
    uint64_t calls;
    uint64_t messages;
    uint64_t bytes_sent;
    uint8_t span;      /* tess_scope_level: the innermost scope holding each of its groups */
    uint8_t scale_out; /* its groups leave the packages, wafers or nodes they start in */
} tess_coll_use;

typedef enum tess_op_kind {
    TESS_OP_GEMM,       /* one SRAM-sized tile of a GEMM on the tensor engine */
    TESS_OP_LOAD,       /* DMA of an input tile, DRAM -> SRAM */
    TESS_OP_STORE,      /* DMA of an output tile, SRAM -> DRAM */
    TESS_OP_VECTOR,     /* an element-wise kernel: norm, softmax, activation, dropout, add */
    TESS_OP_COLLECTIVE, /* one call of a collective (colls[coll]) */
    TESS_OP_SEND,       /* pipeline: activations or gradients to the next / previous stage */
    TESS_OP_RECV,
    TESS_OP_OPTIMIZER /* Adam step over the die's parameters */
} tess_op_kind;

/* How a die runs a collective op (tess_op_group.async). TESS_SYNC: in its stream, waiting
 * for it. TESS_ASYNC_GATHER: a gather on the die's gather stream, one layer ahead: in a
 * layer pass the die waits for this layer's call (issuing it first if it is the pass's
 * first layer) and issues the next layer's before it computes. TESS_ASYNC_REDUCE: a
 * reduction on the die's reduce stream, issued when the work before it is done and not
 * waited for; the die waits for its streams to drain before its tail. TESS_ASYNC_START /
 * TESS_ASYNC_WAIT: below. */
typedef enum tess_async {
    TESS_SYNC,
    TESS_ASYNC_GATHER,
    TESS_ASYNC_REDUCE,
    /* a call started on the die's third stream when the work before it is done, and the
     * op that waits for every call of it started so far (ring attention's K/V blocks move
     * while the die computes on the block it has) */
    TESS_ASYNC_START,
    TESS_ASYNC_WAIT
} tess_async;

/* count ops of one kind, alike: a template is a list of groups */
typedef struct tess_op_group {
    tess_op_kind kind;
    uint64_t count;
    double flops_each;
    uint64_t bytes_each;
    int32_t coll; /* index into colls for collectives, else -1 */
    /* GEMM groups: the whole GEMM(s) the tiles come from, M x N x K, count of them,
     * and the tile edge T, so that a die can time every tile class exactly (on a gpu
     * die-type a GEMM is one op, the whole kernel, and tile is 0) */
    uint64_t gm, gn, gk, gcount, tile;
    uint8_t fp8; /* GEMM groups: fp8 operands (one byte each; the output in the dtype) */
    /* bytes the op moves between DRAM and the die (a gpu die's GEMM and element-wise
     * kernels; loads and stores); 0 for work on SRAM-resident operands */
    uint64_t dram_each;
    /* of dram_each, the bytes written to DRAM (a store's; a gpu kernel's outputs) */
    uint64_t dram_write_each;
    /* bytes the op reads and writes in the die's SRAM: a load's written, a store's read, a
     * systolic GEMM tile's operands and accumulators (tess_gemm_sram_bytes), a systolic
     * element-wise kernel's operands; a gpu kernel's DRAM bytes pass through, written and
     * read once each (two accesses a byte) */
    uint64_t sram_each;
    /* collectives: tess_async; an asynchronous call runs `chain` collectives one after
     * another, colls[coll] on (the phases of a hierarchical one); 0 for the following
     * phases' ops, which their first phase's call runs */
    uint8_t async;
    uint32_t chain;
    /* GEMM groups: the layer's dataflow, a compact DAG of its GEMMs. node names the GEMM
     * within its template (0: unnamed); src the nodes whose outputs its operands A (M x K)
     * and B (K x N) read, directly or through the element-wise work and collectives between
     * (0: nothing of this pass: weights, saved or recomputed activations, the pass's input;
     * TESS_NODE_UNTRACED: not traced, taken to read the GEMM before it). ahead: the operands
     * (bit 0 A, bit 1 B) that read nothing of the GEMM before it in the template, so that a
     * double-buffered die loads their first tiles while that GEMM's last tile computes
     * (tess_op_next); 0 for a GEMM with no GEMM before it. weights (on a GEMM group and its
     * loads' group): the operands (bit 0 A, bit 1 B) that are parameters; a first tile's
     * load of any other operand waits for the element-wise work before it (ComputeDie). */
    uint16_t node, src[2];
    uint8_t ahead, weights;
} tess_op_group;

#define TESS_NODE_UNTRACED 0xffffu

/* The kernel a GEMM group's ops share (model/die_timing.h): its shape, tile and DRAM bytes,
 * its operands in the dtype (dtype_bytes) or, with fp8, one byte each. The simulated die and
 * the analytical estimate time it alike. */
static inline tess_gemm_kernel tess_group_gemm_kernel(const tess_op_group *g, unsigned dtype_bytes)
{
    tess_gemm_kernel k;
    k.m = g->gm;
    k.n = g->gn;
    k.k = g->gk;
    k.count = g->gcount;
    k.tile = g->tile;
    k.dram_bytes = g->dram_each * g->count;
    k.elem_bytes = g->fp8 ? 1u : dtype_bytes;
    return k;
}

typedef struct tess_template {
    tess_op_group *groups; /* n of them (cap allocated), owned by the schedule */
    uint32_t n, cap;
    uint64_t ops;   /* sum of counts */
    double flops;   /* sum of count x flops */
    uint64_t bytes; /* sum of count x bytes of loads and stores (DRAM traffic) */
    uint64_t sram;  /* sum of count x sram_each (SRAM accesses, bytes) */
} tess_template;

/* One op as a die executes it. */
typedef struct tess_op {
    tess_op_kind kind;
    const tess_op_group *group;        /* the template group it comes from */
    uint64_t index;                    /* its index within the group */
    uint32_t microbatch, chunk, layer; /* layer within the chunk; UINT32_MAX outside layers */
    uint8_t backward;
    double flops;
    uint64_t bytes;
    int32_t coll;
} tess_op;

typedef struct tess_pass {
    uint32_t microbatch, chunk;
    uint8_t backward;
} tess_pass;

typedef struct tess_stage {
    uint32_t layers_per_chunk;
    uint32_t dense_layers;    /* of its layers (all chunks), the model's dense first ones */
    double flops;             /* hardware FLOPs per die per iteration */
    uint64_t ops;             /* per die per iteration */
    uint64_t dram_bytes;      /* DMA between SRAM and DRAM, per die per iteration */
    uint64_t sram_bytes;      /* SRAM reads and writes, per die per iteration (sram_each;
                                 the optimizer step's bytes pass through: two accesses) */
    uint64_t optimizer_bytes; /* the optimizer step's DRAM traffic, per die per iteration */
    uint64_t messages;        /* sent per die per iteration: collectives' steps, pipeline sends */
    uint64_t params;          /* parameters held per die */
    uint64_t expert_params;   /* of them, routed experts of an expert-parallel group (ep > 1) */
    uint64_t static_bytes;    /* weights, gradients, optimizer state */
    uint64_t activation_bytes_per_layer; /* per micro-batch */
    uint32_t in_flight;                  /* micro-batch chunks whose activations are held at once */
    uint64_t peak_bytes;
    uint64_t capacity_bytes; /* memory the die has */
    tess_pass *order;        /* m x chunks x 2 passes in execution order */
    uint32_t n_order;
} tess_stage;

typedef struct tess_schedule {
    uint32_t dies, microbatches, chunks, pp;
    uint32_t *die_of_rank; /* platform instance of each rank */
    /* each rank's home memory (tess_home_memories with the stages' peak bytes): where its
     * weights, activations and optimizer state live and, at memory fidelity burst, where
     * its DMA goes; -1 for a die on memories of its own alone (or on its SRAM) */
    int64_t *home_memory;
    double model_flops, hardware_flops; /* per iteration, all dies */
    uint64_t ops;                       /* all dies */
    uint64_t peak_memory_bytes;
    uint32_t peak_die; /* instance index of the die with the largest footprint */
    uint32_t tile;     /* GEMM tile edge (elements) */
    /* degrees; tp_grid: side of the 2-D TP grid (1 for 1-D); dp: replicas along the
     * data-parallel axis, the workload's dp x cp (model/rank_map.h) */
    uint32_t tp, dp, tp_grid;
    uint32_t cp; /* context parallelism: each cp consecutive replicas share their sequences */
    uint32_t ep; /* expert parallelism: each group of ep replicas shares
                    the experts (1: none) */
    uint64_t activation_message_bytes; /* a pipeline message: b s h elements / tp */
    /* the all-gather after each pipeline receive (Megatron's scatter/gather), or -1 */
    int32_t recv_coll;
    tess_stage *stages;   /* pp of them */
    tess_coll_use *colls; /* n_colls of them (cap_colls allocated), owned by the schedule */
    uint32_t n_colls, cap_colls;
    tess_placement placement; /* where the parallel groups land (model/placement.h) */
    /* bytes sent per iteration by all dies, by the innermost scope level holding both ends */
    double level_bytes[TESS_SCOPE_LEVELS + 1];
    /* per layer pass on one die; recompute runs before a backward pass */
    tess_template fwd, bwd, recompute, logits_fwd, logits_bwd;
    /* a mixture of experts' first dense_layers layers (model dense-layers), which run
     * these instead of fwd, bwd and recompute (empty when dense_layers is 0) */
    tess_template dense_fwd, dense_bwd, dense_recompute;
    uint32_t dense_layers;
    /* multi-token prediction (model mtp-depth): its modules' layers, run by the last stage
     * after its last chunk's layers (the model's kind: fwd, bwd, recompute); their
     * projections and second logits are in logits_fwd and logits_bwd */
    uint32_t mtp_layers;
    /* the first stage's token embedding, before its first chunk's layers (forward) and after
     * them (backward) */
    tess_template embed_fwd, embed_bwd;
    /* the first collective of the data-parallel tail (the rest follow it to the end of
     * colls), or -1: none (dp 1, ZeRO-3) */
    int32_t dp_coll;
    /* the chunks a hierarchical data-parallel tail is pipelined in (1: not pipelined);
     * each of its collectives is then that many calls of a chunk each */
    uint32_t dp_chunks;
} tess_schedule;

/* u filled for `calls` calls of a ring collective of `bytes` over `group` dies on axis,
 * called by every stage (per_layer, per_microbatch 0: add them after). */
void tess_coll_use_init(tess_coll_use *u, const char *what, tess_coll_axis axis, tess_coll kind,
                        uint32_t group, uint64_t bytes, uint64_t calls);

/* Of the layers of stage st's model chunk c (the first ones of the chunk), those that are
 * the model's dense first layers (s->dense_layers): chunk c of stage st is the pipeline's
 * virtual stage c pp + st (Megatron's interleaved order), the model's layers laid over
 * them in order. */
uint32_t tess_chunk_dense_layers(const tess_schedule *s, uint32_t st, uint32_t c);

/* The layers stage st runs in a pass of model chunk c: its layers_per_chunk, and on the
 * last stage's last chunk the multi-token prediction modules' layers (s->mtp_layers). */
uint32_t tess_chunk_layers(const tess_schedule *s, uint32_t st, uint32_t c);

/* The layers a die of stage st runs in one micro-batch's passes (all its chunks'), or of
 * them those of the model's kind, not its dense first ones (moe_only). */
uint64_t tess_stage_layers(const tess_schedule *s, uint32_t st, int moe_only);

/* Calls of collective c per iteration on a die of `stage` (none of the experts' replicas'
 * on a stage without routed experts). */
uint64_t tess_coll_calls(const tess_schedule *s, const tess_coll_use *c, uint32_t stage);

/* The buffer of one call of collective `coll` on a die of `stage`: the data-parallel
 * tail's collectives carry each stage's own gradients (c->bytes is stage 0's: its dense
 * parameters' scaled by the stage's over stage 0's, so the hierarchy's shares and the
 * tail's chunks follow), the experts' replicas' each stage's experts' (c->bytes is the
 * largest stage's; 0 on a stage without experts: no call); any other collective
 * c->bytes. */
uint64_t tess_coll_stage_bytes(const tess_schedule *s, uint32_t coll, uint32_t stage);
/* What one such call sends from a die of `stage` (c->call_bytes_sent is stage 0's). */
uint64_t tess_coll_stage_bytes_sent(const tess_schedule *s, uint32_t coll, uint32_t stage);

/* The schedule's rank geometry (model/rank_map.h), its placement's domains included. */
tess_rank_map tess_schedule_ranks(const tess_schedule *s);

/* The schedule's home memory of each rank (s->home_memory) in *home, for DMA over the
 * network; TESS_EINVAL (msg naming the die) when the schedule has none because a die
 * reaches no memory, TESS_ENOMEM. */
int tess_schedule_homes(const tess_platform *p, const tess_schedule *s, const int64_t **home,
                        char *msg, size_t msglen);

/* tess_rank_next and tess_rank_pipeline_prev over the schedule's ranks. */
uint32_t tess_ring_next(const tess_schedule *s, tess_coll_axis axis, uint32_t r);
uint32_t tess_pipeline_prev(const tess_schedule *s, uint32_t r);

/* Fills st->order (malloc'd, 2 m v passes) with stage s's passes in the order of the
 * pipeline schedule `kind` over p stages, m micro-batches and v model chunks. 0, or -1
 * when out of memory. */
int tess_pass_order(tess_stage *st, tess_pipeline kind, uint32_t s, uint32_t p, uint32_t m,
                    uint32_t v);

/* Unrolls one stage's ops lazily, in execution order: for each pass of the stage's
 * order, a receive, the pass's layers (recomputation first on backward passes; the
 * logits on the last stage), a send; then the data-parallel gradient collective and the
 * optimizer step. Holds a few counters, no op storage. */
typedef struct tess_op_cursor {
    const tess_schedule *s;
    uint32_t stage, pass, layer, group, step;
    uint64_t index;
    int phase;
    int gather;      /* a receive was returned: its all-gather (recv_coll) comes next */
    uint32_t dense;  /* the pass's first layers that run the dense templates */
    uint32_t layers; /* the pass's layers (tess_chunk_layers) */
    /* inside a tiled GEMM: its next tile, the stores returned, the tile's loads returned;
     * ahead: its first tile's loads returned before it began (bit 0 A, bit 1 B), next_ahead
     * those of the next GEMM returned before this one's last stores */
    uint64_t tile, stores;
    int sub;
    uint8_t ahead, next_ahead;
} tess_op_cursor;

void tess_op_cursor_init(tess_op_cursor *c, const tess_schedule *s, uint32_t stage);
/* 1 when group g of t starts a systolic die's tiled GEMM: its loads, tiles and stores
 * (tile_gemm's three groups, model/schedule_kernels.c), which the cursor runs tile by
 * tile, double-buffered (and the estimate times as that pipeline). */
int tess_tiled_gemm_at(const tess_template *t, uint32_t g);
/* 1 and the next op in *op, or 0 at the end of the iteration. */
int tess_op_next(tess_op_cursor *c, tess_op *op);

/* Builds the schedule; TESS_OK, or TESS_EINVAL with messages (dies do not match TP x PP
 * x DP, no SRAM to tile into, a die's memory too small: named with its numbers). */
int tess_schedule_build(const tess_platform *p, const tess_workload *w, const char *file,
                        tess_schedule *out, tess_diag *diag);
void tess_schedule_free(tess_schedule *s);

/* The data-parallel tail's collectives (those of a group over two or more dies), in the
 * order they run: their indices in s->colls, at most cap of them; returns the count. */
uint32_t tess_dp_chain(const tess_schedule *s, uint32_t *out, uint32_t cap);

/* A hierarchical data-parallel tail (several data-parallel collectives in a chain) as a
 * pipeline: the chunk count from each phase's slowest ring step over the platform's routes
 * (collective-step and latency, payload at the collective-efficiency of the narrowest
 * channel; tess_pipeline_chunks), each collective then that many calls of a chunk of its
 * buffer (rounded up); sets s->dp_chunks. TESS_OK, or an error with msg (the network
 * cannot be built, or a ring step has no route). */
int tess_schedule_chunk_dp_tail(const tess_platform *p, tess_schedule *s, char *msg, size_t msglen);

/* After every collective is added: each collective's span and scale-out flag, and
 * s->level_bytes. TESS_OK or TESS_ENOMEM. */
int tess_schedule_level_traffic(const tess_platform *p, tess_schedule *s);

/* How `tessera collective` runs a call: one ring over the group in die order; or
 * hierarchically where the group falls into domains (the data-parallel tail's chain: an
 * all-reduce reduce-scatters inside each domain, all-reduces the domain's share across,
 * all-gathers inside, pipelined over chunks); auto: hierarchical where it can be. */
typedef enum tess_coll_plan {
    TESS_PLAN_AUTO,
    TESS_PLAN_RING,
    TESS_PLAN_HIERARCHICAL
} tess_coll_plan;

/* A schedule of one collective call of `bytes` (the whole buffer, as nccl-tests counts
 * it) over the first `group` live dies (0: all) in die order, as `plan` says: a ring is
 * the tensor-parallel axis and the call the stage's only layer op; hierarchically it is
 * the data-parallel axis and the call is the tail (dp_coll). What `tessera collective`
 * simulates and estimates. TESS_OK, or TESS_EINVAL with a message (fewer than two dies,
 * unlike dies, no bytes, hierarchical asked of a group without domains). */
int tess_schedule_collective(const tess_platform *p, tess_coll kind, tess_coll_plan plan,
                             uint64_t bytes, uint32_t group, const char *file, tess_schedule *out,
                             tess_diag *diag);

/* Critical path of the pipeline phase with uniform times per pass of one model chunk
 * (forward t_fwd, backward t_bwd): simulates every stage running its order, each pass
 * starting when its stage is free and its pipeline predecessor is done. Returns the
 * makespan; *ideal is one stage's busy time. Bubble fraction = 1 - ideal / makespan. */
double tess_schedule_critical_path(const tess_schedule *s, double t_fwd, double t_bwd,
                                   double *ideal);

/* The same with a time per stage and model chunk (t_fwd[stage x chunks + chunk]) and a
 * pipeline message's delay p2p_s added wherever a pass waits on another stage's pass.
 * Returns the makespan (-1 when out of memory); stage_end (pp entries, or NULL) gets
 * the time each stage finishes its last pass. */
double tess_pipeline_makespan(const tess_schedule *s, const double *t_fwd, const double *t_bwd,
                              double p2p_s, double *stage_end);

/* The critical path through the pipeline phase, back from one stage's last pass: how
 * many times it takes each pass (passes[(stage x chunks + chunk) x 2 + backward], pp x
 * chunks x 2 entries, the caller's), how often it crosses from one stage to another, and
 * the stage it starts on. A pass joins the path through its pipeline predecessor when
 * that predecessor's message, not its own stage, made it wait. */
typedef struct tess_pipeline_walk {
    uint32_t *passes;
    uint32_t handoffs, start_stage;
} tess_pipeline_walk;

/* tess_pipeline_makespan, and (walk not NULL) the critical path back from end_stage. */
double tess_pipeline_path(const tess_schedule *s, const double *t_fwd, const double *t_bwd,
                          double p2p_s, double *stage_end, uint32_t end_stage,
                          tess_pipeline_walk *walk);

/* 1 when the stage receives a pipeline message before the pass (from the previous stage
 * forward, the next one backward), else 0. */
uint32_t tess_pass_recvs(const tess_schedule *s, uint32_t stage, const tess_pass *ps);

/* 1 when the stage sends a pipeline message after the pass (to the next stage forward,
 * the previous one backward), else 0. */
uint32_t tess_pass_sends(const tess_schedule *s, uint32_t stage, const tess_pass *ps);

#endif
