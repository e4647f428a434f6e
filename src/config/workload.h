/* Transformer models and training workloads: XML (models/, workloads/) -> C structs.
 *
 * A model is one <model> element; a workload one <workload> element naming its model
 * file (a path relative to the workload file). Both are schema-validated and their
 * attributes parsed through field tables like the platform's templates; `--set
 * model.layers=48` or `--set workload.tp=4` override a field, and an override naming
 * no field is an error. Relations (heads divisible by kv-heads, micro-batch dividing
 * the batch, ...) are checked here; those that need the platform are the schedule's.
 */
#ifndef TESS_WORKLOAD_H
#define TESS_WORKLOAD_H

#include <stdint.h>

#include "config/loader.h"
#include "config/diag.h"

typedef enum tess_activation { TESS_ACT_GELU, TESS_ACT_SWIGLU, TESS_ACT_RELU } tess_activation;
typedef enum tess_norm { TESS_NORM_LAYERNORM, TESS_NORM_RMSNORM } tess_norm;
typedef enum tess_dtype { TESS_BF16, TESS_FP16, TESS_FP32, TESS_FP8 } tess_dtype;
typedef enum tess_recompute {
    TESS_RECOMPUTE_NONE,
    TESS_RECOMPUTE_SELECTIVE,
    TESS_RECOMPUTE_FULL
} tess_recompute;
typedef enum tess_pipeline { TESS_PIPE_GPIPE, TESS_PIPE_1F1B, TESS_PIPE_INTERLEAVED } tess_pipeline;
/* how the layers go to the stages when stage-layers lists none: the same number each (they
 * must divide), or as evenly as they go (the first stages one chunk of layers more) */
typedef enum tess_layer_split { TESS_SPLIT_DIVIDE, TESS_SPLIT_UNIFORM } tess_layer_split;
typedef enum tess_attention { TESS_ATTN_MATERIALIZED, TESS_ATTN_FLASH } tess_attention;
/* Where a die without memories of its own keeps its data (model/placement.h): the nearest
 * memory with room, or spread evenly over the memories it reaches, nearest first. */
typedef enum tess_memory_placement {
    TESS_PLACE_NEAREST,
    TESS_PLACE_BALANCED
} tess_memory_placement;
typedef enum tess_tp_style { TESS_TP_MEGATRON_1D, TESS_TP_2D } tess_tp_style;
/* Rank numbering, fastest-varying axis first: consecutive ranks of the fastest axis land
 * on consecutive dies of the platform's order (so inside the innermost scopes). */
typedef enum tess_rank_order {
    TESS_RANKS_TP_PP_DP,
    TESS_RANKS_PP_TP_DP,
    TESS_RANKS_TP_DP_PP,
    TESS_RANKS_DP_TP_PP,
    TESS_RANKS_PP_DP_TP,
    TESS_RANKS_DP_PP_TP
} tess_rank_order;

typedef struct tess_model {
    char name[32];
    uint32_t layers, hidden, heads, kv_heads, ffn, vocab, sequence;
    /* mixture of experts: each layer's FFN is `experts` routed experts of width expert_ffn,
     * each token through top_k of them and through every one of shared_experts
     * (experts 0: a dense FFN of width ffn) */
    uint32_t experts, top_k, expert_ffn, shared_experts;
    /* a mixture of experts' first dense_layers layers have a dense FFN of width ffn
     * (DeepSeek's first_k_dense_replace) */
    uint32_t dense_layers;
    /* multi-head latent attention (DeepSeek-V2/V3) when kv_lora_rank > 0: keys and values
     * from a kv_lora_rank latent (and a shared qk_rope_dim rotary key), queries from a
     * q_lora_rank latent (0: projected from h directly); per head qk_nope_dim + qk_rope_dim
     * query/key dimensions and v_head_dim value dimensions */
    uint32_t q_lora_rank, kv_lora_rank, qk_nope_dim, qk_rope_dim, v_head_dim;
    /* multi-token prediction modules (DeepSeek-V3: 1), each a projection of 2h to h and one
     * transformer layer of the model's last kind before the shared output layer */
    uint32_t mtp_depth;
    tess_activation activation;
    tess_norm norm;
    char resolved[1024]; /* "model.FIELD=text" lines, after overrides (provenance) */
    char sha256[65];     /* of the XML text it was read from */
} tess_model;

/* The most forward passes (micro-batches x model chunks) a pipeline stage may run in one
 * iteration: the schedule holds each stage's order of passes. */
#define TESS_MAX_PASSES 1000000u

typedef struct tess_workload {
    char name[32];
    char file[1024];       /* the workload file, as given */
    char model_file[1024]; /* resolved path */
    char resolved[4096];   /* "workload.FIELD=text" lines, after overrides (provenance) */
    char sha256[65];       /* of the XML text it was read from */
    tess_model model;
    uint32_t global_batch, micro_batch;
    tess_dtype dtype;
    int optimizer; /* 0: Adam, mixed precision (the only one) */
    tess_recompute recompute;
    uint32_t tp, pp, dp;
    uint32_t ep; /* expert-parallel degree: experts spread over ep data-parallel replicas */
    /* context-parallel degree: each sequence split over cp ranks, which the data-parallel
     * axis holds as cp consecutive replicas (dp x cp of them; model/rank_map.h) */
    uint32_t cp;
    /* a mixture of experts' routing: the busiest expert's tokens over the mean (1:
     * balanced), and each expert's capacity over the mean (0: dropless) */
    double expert_imbalance, capacity_factor;
    /* or drawn: the experts' popularity a Zipf law of this exponent (0: none), the tokens'
     * routing drawn from it with this seed (tess_build_expert_load) */
    double expert_skew;
    uint32_t routing_seed;
    /* expert parallelism over domains: the all-to-all across then inside them (1), or
     * straight to every member (0) */
    int ep_hierarchical;
    /* each MoE layer's all-to-alls on the die's third stream under the layer's compute (1:
     * DualPipe's overlap of one micro-batch's communication with another's computation, in
     * its steady state), or each waiting in the die's stream (0) */
    int ep_overlap;
    /* DeepEP's dispatch: each token's experts on at most ep_node_limit domains (0: any),
     * its copy crossing to each once; the dispatch's tokens in fp8 (ep_dispatch_fp8) */
    uint32_t ep_node_limit;
    int ep_dispatch_fp8;
    int sequence_parallel;
    int fused_kernels; /* element-wise chains fused (Megatron's fused kernels) */
    /* a pipeline message split over the TP group and all-gathered after it is received
     * (Megatron's scatter/gather, Narayanan et al. 2021 section 4.1) */
    int pipeline_scatter_gather;
    tess_attention attention; /* s x s scores written to memory, or fused (FlashAttention) */
    /* the linear layers' GEMMs on fp8 operands with per-tensor scaling (Transformer Engine) */
    int fp8;
    uint32_t zero; /* ZeRO stage: 0 to 3 */
    /* ZeRO-2/3: gathers one layer ahead and reductions on their own streams, under the
     * compute (1), or each waiting in the die's stream (0) */
    int zero_overlap;
    tess_pipeline pipeline;
    uint32_t chunks; /* model chunks per die (interleaved 1F1B) */
    /* each pipeline stage's layers (all its chunks together); n = 0: layers / pp each */
    tess_counts stage_layers;
    tess_layer_split layer_split; /* uniform: stage_layers filled in by the loader */
    tess_tp_style tp_style;
    tess_rank_order rank_order;
    uint32_t tile_merge;  /* GEMM tiles per schedule op, per dimension (granularity) */
    uint32_t gemm_tile;   /* GEMM tile edge on a systolic die; 0: the largest that fits SRAM */
    int sram_spill;       /* a tile over the SRAM spills (1) or is an error (0) */
    int memory_placement; /* tess_memory_placement */
    int within[3];        /* TP, PP, DP: the widest tess_scope_level a group may span */
    long line;            /* of the <workload> element */
} tess_workload;

/* Whether the run draws its experts' routing (expert-skew on a mixture of experts): its one
 * random draw, the seed in report.json's provenance (tess_build_expert_load). */
static inline int tess_workload_draws_routing(const tess_workload *w)
{
    return w->expert_skew > 0 && w->model.experts > 0;
}

/* Layers in each of stage st's model chunks. */
uint32_t tess_stage_chunk_layers(const tess_workload *w, uint32_t st);

/* Bytes of one element of dtype. */
unsigned tess_dtype_bytes(tess_dtype d);

/* Loads a workload and its model. Overrides named "workload.FIELD" and "model.FIELD"
 * are taken; others are left for the platform (their `used` flag stays 0: pass the
 * rest on). Returns TESS_OK or TESS_EINVAL / TESS_EIO with file:line messages. */
int tess_workload_load(const char *path, tess_override *overrides, size_t n_overrides, int *used,
                       tess_workload *out, tess_diag *diag);
int tess_model_load(const char *path, const tess_override *overrides, size_t n_overrides, int *used,
                    tess_model *out, tess_diag *diag);

/* The same from XML text in memory; name stands for the file in messages. A workload's
 * model comes from model_xml when it is not NULL, else from the file its `model`
 * attribute names (relative to the folder of name). */
int tess_workload_load_buffer(const char *xml, size_t len, const char *name, const char *model_xml,
                              tess_override *overrides, size_t n_overrides, int *used,
                              tess_workload *out, tess_diag *diag);
int tess_model_load_buffer(const char *xml, size_t len, const char *name,
                           const tess_override *overrides, size_t n_overrides, int *used,
                           tess_model *out, tess_diag *diag);

/* Parameters of the model (weights), and of one transformer layer; and those a token
 * passes through (a mixture of experts' active parameters: its top-k routed and shared
 * experts, the router; all of them in a dense model). */
uint64_t tess_model_layer_params(const tess_model *m);
uint64_t tess_model_params(const tess_model *m);
uint64_t tess_model_layer_active_params(const tess_model *m);
uint64_t tess_model_active_params(const tess_model *m);
/* A feed-forward block's parameters at width f (two or, SwiGLU, three h x f matrices; GeLU
 * and ReLU with their biases). */
uint64_t tess_model_ffn_params(const tess_model *m, uint64_t f);
/* A layer's attention block (its projections, with multi-head latent attention its
 * latents' norms); and a dense layer's parameters (a mixture of experts' first
 * dense_layers), which tess_model_layer_params does not count. */
uint64_t tess_model_attention_params(const tess_model *m);
/* A head's query/key and value widths: h / heads each, or with multi-head latent attention
 * qk-nope-dim + qk-rope-dim and v-head-dim. */
uint32_t tess_model_qk_dim(const tess_model *m);
uint32_t tess_model_v_dim(const tess_model *m);
uint64_t tess_model_dense_layer_params(const tess_model *m);
/* The multi-token prediction modules' own parameters (not in tess_model_params, as
 * DeepSeek-V3 counts its 671B without them): per module two norms, the 2h x h projection
 * and one layer; the embedding and output layer are the model's. */
uint64_t tess_model_mtp_params(const tess_model *m);

#endif
