/* What the steps of tess_schedule_build (model/schedule.h) share across the files that
 * build a schedule: schedule.c (ranks, tiles, stages, memory, the order of steps),
 * schedule_kernels.c (a layer's GEMMs and element-wise kernels), schedule_colls.c (the
 * collectives) and schedule_build.c (the templates' and lists' growth, which the others
 * call: the steps call down into it, never back into schedule.c). Private to src/model. */
#ifndef TESS_SCHEDULE_BUILD_H
#define TESS_SCHEDULE_BUILD_H

#include <stddef.h>
#include <stdint.h>

#include "model/schedule.h"

typedef struct gemm {
    uint64_t m, n, k, count; /* count GEMMs of M x N x K */
    const char *name;        /* for messages: "QKV", "MLP down backward (dW)", ... */
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
    uint64_t e;               /* bytes per element */
    uint64_t T;               /* GEMM tile side */
    uint64_t tok;             /* tokens of a micro-batch: b s */
    uint64_t tr;              /* 2-D tensor parallelism: the grid's side */
    const tess_instance *die; /* the first rank's die (the schedule's dies are alike) */
    const tess_die_type *dt;  /* its die-type */
    int gpu;                  /* the dies follow the gpu rule: kernels stream DRAM themselves */
    int fp8;                  /* the GEMMs being added run on fp8 operands (workload fp8) */
    int dense;                /* the templates being built are a dense layer's (the model's
                                 dense first layers: no experts) */
    /* the GEMM being added: its node, its operands' sources and which are weights
     * (tess_op_group) */
    uint16_t node, src[2];
    uint8_t weights;
    int no_memory;
    /* context parallelism: the K/V ring's and the dK/dV ring's collectives (-1: none) */
    int32_t cp_kv, cp_dkv;
    int tile_refused; /* a GEMM tile over the SRAM with sram-spill off (message in diag) */
} builder;

/* Makes room for one more of n items of `size` bytes in *items (capacity *cap), doubling
 * the allocation as needed: a template or a collective list holds whatever the job has,
 * never a fixed number that drops the rest. 1, or 0 with b->no_memory set. */
int tess_build_reserve(builder *b, void **items, uint32_t n, uint32_t *cap, size_t size);

/* count ops of one kind, alike, appended to template t (nothing for count 0). */
void tess_build_add_group(builder *b, tess_template *t, tess_op_kind kind, uint64_t count,
                          double flops, uint64_t bytes, int32_t coll);
/* The same, put before the group now at index `at` (at t->n: appended). */
void tess_build_insert_group(builder *b, tess_template *t, uint32_t at, tess_op_kind kind,
                             uint64_t count, double flops, uint64_t bytes, int32_t coll);

/* Places in a layer pass where collectives go, marked while the templates are built
 * (tess_build_mark) and filled by the steps that add collectives (tess_build_at_mark);
 * marks left empty are dropped once every step has run (tess_build_drop_marks). Each of
 * a layer's four linear layers (the attention's input projections, its output projection,
 * the MLP's first and second layers; with experts the router and experts' first layers, and
 * their second layers) has an input and an output place: in a forward pass before and after
 * its GEMMs, in a backward pass after and before its GEMMs' pairs (backward runs the layer
 * in reverse, so a forward place's mirror). Experts' all-to-alls go at dispatch and combine;
 * the logits layer's collectives at its input (one mark per logits layer in a template). */
typedef enum tess_mark {
    MARK_IN_QKV = 1,
    MARK_OUT_QKV,
    MARK_IN_PROJ,
    MARK_OUT_PROJ,
    MARK_IN_UP,
    MARK_OUT_UP,
    MARK_IN_DOWN,
    MARK_OUT_DOWN,
    MARK_DISPATCH,
    MARK_COMBINE,
    MARK_LOGITS
} tess_mark;

/* Appends mark m to template t (a group of no ops, dropped later). */
void tess_build_mark(builder *b, tess_template *t, tess_mark m);
/* count ops of one kind put before the nth (0: the first) mark m of template t; appended
 * where t has no such mark. */
void tess_build_at_mark(builder *b, tess_template *t, tess_mark m, uint32_t nth, tess_op_kind kind,
                        uint64_t count, double flops, uint64_t bytes, int32_t coll);
/* The schedule's templates (every layer kind's passes, the logits' and the embedding's). */
enum { TESS_BUILD_TEMPLATES = 10 };
uint32_t tess_build_templates(tess_schedule *s, tess_template *out[TESS_BUILD_TEMPLATES]);
/* Drops the marks of every template of the schedule. */
void tess_build_drop_marks(builder *b);

/* Parameters of the first stage's embedding (the token table's 1/tp share, and learned
 * positions with LayerNorm models) and of the last stage's output layer (its 1/tp share and
 * the final norm), per die; and whether one stage holds both and the output layer is the
 * token table's copy (GPT-style models in one pipeline stage: tied, one copy). */
uint64_t tess_build_embedding_params(const tess_workload *w);
/* A layer's parameters held by one tensor-parallel group (each die holds 1/tp): the
 * attention, norms, router and FFN, of the routed experts only those of its
 * expert-parallel rank (experts / ep). */
uint64_t tess_build_layer_params(const tess_workload *w);
/* The same for a dense layer (the model's first dense_layers). */
uint64_t tess_build_dense_layer_params(const tess_workload *w);
/* The tokens an expert's GEMMs and all-to-all buffers are sized for, over the balanced
 * share: its capacity factor where the workload gives one (every expert computes and
 * exchanges that buffer whole, GShard and Switch's static capacity), else the busiest
 * expert's load, stated (expert-imbalance) or drawn from a seeded Zipf routing
 * (expert-skew, routing-seed; schedule_build.c) (dropless: the all-to-all's combine waits
 * for the die holding it, so every die is timed as that one). */
double tess_build_expert_load(const tess_workload *w);
uint64_t tess_build_output_params(const tess_workload *w);
int tess_build_tied_output(const tess_workload *w);
/* With a tied output layer, the unit ZeRO gathers and reduces for both: the table (and
 * learned positions) and the final norm. */
uint64_t tess_build_tied_unit_params(const tess_workload *w);

/* Step 3: one layer's work on one die (forward, backward, recomputed forward), the logits
 * layer's and the embedding's, and the model's FLOPs (schedule_kernels.c). */
void tess_build_layer_templates(builder *b);

/* Step 6: the tensor-parallel collectives, and their ops in the templates; step 7: the
 * data-parallel ones of the tail (schedule_colls.c). */
void tess_build_tp_collectives(builder *b);
void tess_build_pipeline_gather(builder *b);
void tess_build_ep_collectives(builder *b);
/* Whether each tensor-parallel rank holds a stage boundary's whole activation (1-D tensor
 * parallelism without sequence parallelism): it then sends 1/tp and the receivers gather
 * it (Megatron's scatter/gather), or with scatter/gather off sends it whole. */
int tess_build_activation_replicated(const tess_workload *w);
void tess_build_dp_collectives(builder *b);
/* ZeRO-2 and -3 (w->zero >= 2): the data-parallel collectives inside the passes, each
 * layer's gradient reduce-scatter after its backward pass and, with ZeRO-3, its parameter
 * all-gathers before its forward and backward passes (and the embedding's and the logits
 * layer's on their stages); before tess_build_dp_collectives. */
void tess_build_zero_collectives(builder *b);
/* Context parallelism (w->cp > 1): ring attention's two send-receive collectives over the
 * cp ring (b->cp_kv, b->cp_dkv), before the layer templates place their ops; and, once
 * the stages are known, their calls (the ops are the templates'). */
void tess_build_cp_ring(builder *b);
void tess_build_cp_calls(builder *b);

#endif
