/* Models and workloads: see workload.h. */
#include "config/workload.h"

#include <libxml/tree.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/fields.h"
#include "config/xml_document.h"
#include "config/sha256.h"
#include "tessera/tessera.h"

extern const char tess_model_schema_xsd[];
extern const unsigned long tess_model_schema_xsd_len;
extern const char tess_workload_schema_xsd[];
extern const unsigned long tess_workload_schema_xsd_len;

unsigned tess_dtype_bytes(tess_dtype d)
{
    static const unsigned bytes[] = {2, 2, 4, 1};
    return bytes[d];
}

static const char *const activation_names[] = {"gelu", "swiglu", "relu", NULL};
static const char *const norm_names[] = {"layernorm", "rmsnorm", NULL};
static const char *const dtype_names[] = {"bf16", "fp16", "fp32", "fp8", NULL};
static const char *const optimizer_names[] = {"adam", NULL};
static const char *const recompute_names[] = {"none", "selective", "full", NULL};
static const char *const onoff_names[] = {"off", "on", NULL};
static const char *const ep_a2a_names[] = {"flat", "hierarchical", NULL};
static const char *const attention_names[] = {"materialized", "flash", NULL};
static const char *const placement_names[] = {"nearest", "balanced", NULL};
static const char *const pipeline_names[] = {"gpipe", "1f1b", "interleaved", NULL};
static const char *const layer_split_names[] = {"divide", "uniform", NULL};
static const char *const tp_style_names[] = {"megatron-1d", "2d", NULL};
static const char *const rank_order_names[] = {"tp-pp-dp", "pp-tp-dp", "tp-dp-pp", "dp-tp-pp",
                                               "pp-dp-tp", "dp-pp-tp", NULL};

#define COUNT(name, field, def, lo, hi, doc)                                                       \
    {                                                                                              \
        name, TESS_DIM_COUNT, TESS_FIELD_U32, offsetof(tess_model, field), def, lo, hi, NULL,      \
            NULL, doc                                                                              \
    }
static const tess_field_spec model_fields[] = {
    {"name", 0, TESS_FIELD_TEXT, offsetof(tess_model, name), NULL, 0, 0, NULL, NULL, "name"},
    COUNT("layers", layers, NULL, 1, 100000, "transformer layers"),
    COUNT("hidden", hidden, NULL, 1, 1e7, "model width h"),
    COUNT("heads", heads, NULL, 1, 1e5, "attention heads a"),
    COUNT("kv-heads", kv_heads, "0", 0, 1e5, "key/value heads (0: as many as heads)"),
    COUNT("ffn", ffn, NULL, 1, 1e8, "feed-forward width"),
    COUNT("experts", experts, "0", 0, 1e5, "routed experts of each layer's FFN (0: dense)"),
    COUNT("top-k", top_k, "0", 0, 1e5, "routed experts each token passes through"),
    COUNT("expert-ffn", expert_ffn, "0", 0, 1e8, "an expert's feed-forward width (0: ffn)"),
    COUNT("shared-experts", shared_experts, "0", 0, 1e5,
          "experts every token passes through besides its routed ones"),
    COUNT("dense-layers", dense_layers, "0", 0, 100000,
          "a mixture of experts' first layers with a dense FFN of width ffn"),
    COUNT("q-lora-rank", q_lora_rank, "0", 0, 1e7,
          "multi-head latent attention: the queries' latent width (0: projected from h)"),
    COUNT("kv-lora-rank", kv_lora_rank, "0", 0, 1e7,
          "multi-head latent attention: the keys' and values' latent width (0: none)"),
    COUNT("qk-nope-dim", qk_nope_dim, "0", 0, 1e5,
          "multi-head latent attention: a head's query/key dimensions without rotary"),
    COUNT("qk-rope-dim", qk_rope_dim, "0", 0, 1e5,
          "multi-head latent attention: a head's rotary query/key dimensions"),
    COUNT("v-head-dim", v_head_dim, "0", 0, 1e5,
          "multi-head latent attention: a head's value width"),
    COUNT("mtp-depth", mtp_depth, "0", 0, 16, "multi-token prediction modules (0: none)"),
    COUNT("vocab", vocab, NULL, 1, 1e8, "vocabulary size V"),
    COUNT("sequence", sequence, NULL, 1, 1e8, "sequence length s"),
    {"activation", 0, TESS_FIELD_ENUM, offsetof(tess_model, activation), NULL, 0, 0, NULL,
     activation_names, "feed-forward activation"},
    {"norm", 0, TESS_FIELD_ENUM, offsetof(tess_model, norm), NULL, 0, 0, NULL, norm_names,
     "normalisation"},
};
#undef COUNT

#define W(f) offsetof(tess_workload, f)
#define WCOUNT(name, field, def, lo, hi, doc)                                                      \
    {                                                                                              \
        name, TESS_DIM_COUNT, TESS_FIELD_U32, W(field), def, lo, hi, NULL, NULL, doc               \
    }
#define WENUM(name, field, def, names, doc)                                                        \
    {                                                                                              \
        name, 0, TESS_FIELD_ENUM, W(field), def, 0, 0, NULL, names, doc                            \
    }
static const tess_field_spec workload_fields[] = {
    {"name", 0, TESS_FIELD_TEXT, W(name), NULL, 0, 0, NULL, NULL, "name"},
    WCOUNT("global-batch", global_batch, NULL, 1, 1e9, "sequences per iteration"),
    WCOUNT("micro-batch", micro_batch, NULL, 1, 1e9, "sequences per micro-batch"),
    WENUM("dtype", dtype, "bf16", dtype_names, "activation and weight type"),
    WENUM("optimizer", optimizer, "adam", optimizer_names, "Adam, mixed precision"),
    WENUM("recompute", recompute, "none", recompute_names, "activation recomputation"),
    WCOUNT("tp", tp, "1", 1, 1e6, "tensor-parallel degree"),
    WCOUNT("pp", pp, "1", 1, 1e6, "pipeline-parallel degree"),
    WCOUNT("dp", dp, "1", 1, 1e9, "data-parallel degree"),
    {"expert-imbalance", TESS_DIM_COUNT, TESS_FIELD_DOUBLE, W(expert_imbalance), "1", 1, 1e3, NULL,
     NULL,
     "a mixture of experts' routing: the busiest expert's tokens over the mean (1: balanced); "
     "dropless, every die is timed as the one holding it"},
    {"capacity-factor", TESS_DIM_COUNT, TESS_FIELD_DOUBLE, W(capacity_factor), "0", 0, 1e3, NULL,
     NULL,
     "each expert's token buffer over the mean, computed and exchanged whole (GShard, Switch: "
     "tokens past it dropped); 0: dropless"},
    {"expert-skew", TESS_DIM_COUNT, TESS_FIELD_DOUBLE, W(expert_skew), "0", 0, 10, NULL, NULL,
     "a mixture of experts' routing drawn: expert i of E popular as i^-skew (a Zipf law), each "
     "layer's token copies drawn from it (routing-seed); the busiest expert's load over the "
     "mean, averaged over the layers, sizes every die's experts as expert-imbalance does; 0: "
     "not drawn"},
    WCOUNT("routing-seed", routing_seed, "1", 0, 4294967295.0,
           "the seed of the expert-skew draw (report.json provenance.seeds.routing)"),
    WENUM("ep-all-to-all", ep_hierarchical, "hierarchical", ep_a2a_names,
          "an expert-parallel group over several domains (nodes): its all-to-alls go to the "
          "member of the die's own place in each other domain first, then inside (DeepEP; "
          "NCCL's PXN), or flat, straight to every member"),
    WENUM("ep-overlap", ep_overlap, "off", onoff_names,
          "a MoE layer's all-to-alls run on a stream of their own under the layer's compute "
          "(DualPipe's overlap of one micro-batch's dispatch and combine with another's "
          "computation, in its steady state: a layer takes the longer of the two), or each "
          "waits in the die's stream"),
    WCOUNT("ep-node-limit", ep_node_limit, "0", 0, 1e6,
           "each token's experts on at most this many of the expert group's domains (nodes), "
           "its copy crossing to each once and fanned out inside (DeepSeek-V3's node-limited "
           "routing, DeepEP); 0: no limit"),
    WENUM("ep-dispatch-fp8", ep_dispatch_fp8, "off", onoff_names,
          "the dispatch all-to-all's tokens in fp8 with a 4-byte scale per 128 elements, the "
          "combine in the dtype (DeepSeek-V3's, DeepEP)"),
    WCOUNT("ep", ep, "1", 1, 1e6,
           "expert-parallel degree: a mixture of experts' experts spread over groups of ep "
           "data-parallel replicas, tokens dispatched to them and combined by all-to-alls"),
    WCOUNT("cp", cp, "1", 1, 1e6,
           "context-parallel degree: each sequence split over cp ranks (two chunks each, causally "
           "balanced), K/V blocks passed around their ring under the attention (ring "
           "attention); the gradients are reduced over dp x cp ranks"),
    WENUM("sequence-parallel", sequence_parallel, "off", onoff_names, "sequence parallelism"),
    WENUM("fused-kernels", fused_kernels, "on", onoff_names,
          "element-wise chains run as fused kernels (Megatron's scale-mask-softmax, bias-GeLU, "
          "bias-dropout-add)"),
    WENUM("pipeline-scatter-gather", pipeline_scatter_gather, "on", onoff_names,
          "a pipeline message goes as 1/tp from each tensor-parallel rank and is all-gathered "
          "over the group after it arrives (Megatron's scatter/gather; off: each rank sends "
          "the whole activation)"),
    WENUM("attention", attention, "materialized", attention_names,
          "attention writes its s x s scores to memory (materialized) or keeps them on chip "
          "(flash, as FlashAttention)"),
    WENUM("fp8", fp8, "off", onoff_names,
          "the linear layers' GEMMs (QKV, projection, MLP, experts) on fp8 operands with "
          "per-tensor scaling, as Transformer Engine runs them: each input cast to fp8 (and its "
          "transpose) before its GEMM, the weights once an iteration; attention, router, "
          "logits and collectives stay in the dtype"),
    WCOUNT("zero", zero, "0", 0, 3,
           "ZeRO stage: 1 partitions the optimizer state over dp, 2 also the gradients, 3 also the "
           "weights"),
    WENUM("zero-overlap", zero_overlap, "on", onoff_names,
          "ZeRO-2/3: a layer's weights gathered one layer ahead and its gradients "
          "reduce-scattered on streams of their own, under the compute (PyTorch FSDP's "
          "prefetch); off: each collective waits in the die's stream"),
    WENUM("pipeline", pipeline, "1f1b", pipeline_names, "pipeline schedule"),
    WCOUNT("chunks", chunks, "1", 1, 1024, "model chunks per die (interleaved)"),
    {"stage-layers", 0, TESS_FIELD_COUNTS, W(stage_layers), "", 1, 100000, NULL, NULL,
     "each pipeline stage's layers, first to last (none: the layers split evenly); each a "
     "multiple of chunks"},
    WENUM("layer-split", layer_split, "divide", layer_split_names,
          "with no stage-layers: divide (each stage the same layers; they must divide into pp x "
          "chunks) or uniform (as evenly as they go, the first stages a layer a chunk more)"),
    WENUM("tp-style", tp_style, "megatron-1d", tp_style_names, "tensor-parallel style"),
    WENUM("rank-order", rank_order, "tp-pp-dp", rank_order_names,
          "rank numbering, fastest first: TP neighbours on adjacent dies by default"),
    WCOUNT("tile-merge", tile_merge, "1", 1, 1024, "GEMM tiles per schedule op, per dimension"),
    WCOUNT("gemm-tile", gemm_tile, "0", 0, 1e6,
           "GEMM tile edge on a systolic die, elements (0: the largest whose double-buffered "
           "operand tiles and fp32 accumulators fit its SRAM)"),
    WENUM("memory-placement", memory_placement, "nearest", placement_names,
          "where a die without memories of its own keeps its data: the nearest memory with "
          "room, or balanced: at most an even share of the dies a memory, nearest first"),
    WENUM("sram-spill", sram_spill, "on", onoff_names,
          "a GEMM tile whose working set exceeds the SRAM spills the excess to DRAM and back "
          "(on) or is an error naming the die and the GEMM (off)"),
    WENUM("tp-within", within[0], "platform", tess_scope_level_names,
          "the widest scope a tensor-parallel group may span (platform: no limit)"),
    WENUM("pp-within", within[1], "platform", tess_scope_level_names, "the same for a pipeline"),
    WENUM("dp-within", within[2], "platform", tess_scope_level_names,
          "the same for a data-parallel group"),
};

/* Parses the root element's attributes through a field table. Overrides named
 * "PREFIX.FIELD" win over the XML and are marked used. */
static int parse_root(xmlNodePtr root, const tess_field_spec *fields, size_t n, void *obj,
                      const char *file, const char *prefix, const tess_override *ov, size_t n_ov,
                      int *used, char *resolved, size_t resolved_cap, tess_diag *diag)
{
    int rc = TESS_OK;
    const long line = xmlGetLineNo(root);
    size_t at = strlen(resolved);
    for (size_t i = 0; i < n; i++) {
        const tess_field_spec *f = &fields[i];
        xmlChar *attr = xmlGetProp(root, (const xmlChar *)f->attr);
        const char *text = attr ? (const char *)attr : f->default_text;
        const char *from = "";
        for (size_t k = 0; k < n_ov; k++) {
            size_t pl = strlen(prefix);
            if (strncmp(ov[k].name, prefix, pl) == 0 && ov[k].name[pl] == '.' &&
                strcmp(ov[k].name + pl + 1, f->attr) == 0) {
                text = ov[k].value;
                used[k] = 1;
                from = "--set ";
            }
        }
        char err[512];
        if (!text) {
            tess_diag_add(diag, file, line, "<%s> is missing attribute '%s'", root->name, f->attr);
            rc = TESS_EINVAL;
        } else if (tess_field_set(f, obj, text, err, sizeof err) != 0) {
            tess_diag_add(diag, file, line, "<%s> %sattribute '%s': %s", root->name, from, f->attr,
                          err);
            rc = TESS_EINVAL;
        } else { /* "prefix.attr=text\n", for the report's provenance: whole, or an error */
            const int w = at < resolved_cap ? snprintf(resolved + at, resolved_cap - at,
                                                       "%s.%s=%s\n", prefix, f->attr, text)
                                            : -1;
            if (w < 0 || (size_t)w >= resolved_cap - at) {
                tess_diag_add(diag, file, line,
                              "<%s> attribute '%s': the resolved attributes exceed %zu characters "
                              "(the report's provenance would lose some)",
                              root->name, f->attr, resolved_cap);
                rc = TESS_EINVAL;
                at = resolved_cap;
            } else {
                at += (size_t)w;
            }
        }
        xmlFree(attr);
    }
    /* a prefixed override that names no field */
    for (size_t k = 0; k < n_ov; k++) {
        size_t pl = strlen(prefix);
        if (used[k] || strncmp(ov[k].name, prefix, pl) != 0 || ov[k].name[pl] != '.') continue;
        tess_diag_add(diag, file, line, "--set %s: <%s> has no attribute '%s'", ov[k].name,
                      root->name, ov[k].name + pl + 1);
        used[k] = 1;
        rc = TESS_EINVAL;
    }
    return rc;
}

int tess_model_load(const char *path, const tess_override *ov, size_t n_ov, int *used,
                    tess_model *out, tess_diag *diag)
{
    memset(out, 0, sizeof *out);
    size_t len;
    char *buf = tess_read_file(path, &len, diag);
    if (!buf) return TESS_EIO;
    int rc = tess_model_load_buffer(buf, len, path, ov, n_ov, used, out, diag);
    free(buf);
    return rc;
}

int tess_model_load_buffer(const char *xml, size_t len, const char *path, const tess_override *ov,
                           size_t n_ov, int *used, tess_model *out, tess_diag *diag)
{
    memset(out, 0, sizeof *out);
    tess_sha256_hex(xml, len, out->sha256);
    xmlDocPtr doc =
        tess_xml_read(xml, len, path, tess_model_schema_xsd, tess_model_schema_xsd_len, diag);
    if (!doc) return TESS_EINVAL;
    xmlNodePtr root = xmlDocGetRootElement(doc);
    const long line = xmlGetLineNo(root);
    int rc = parse_root(root, model_fields, sizeof model_fields / sizeof model_fields[0], out, path,
                        "model", ov, n_ov, used, out->resolved, sizeof out->resolved, diag);
    xmlFreeDoc(doc);
    if (rc != TESS_OK) return rc;
    if (out->kv_heads == 0) out->kv_heads = out->heads;
    if (out->expert_ffn == 0) out->expert_ffn = out->ffn;
    if (out->experts > 0 && (out->top_k == 0 || out->top_k > out->experts)) {
        tess_diag_add(diag, path, line,
                      "<model> attribute 'top-k': %u experts need top-k between 1 and %u, not %u",
                      out->experts, out->experts, out->top_k);
        rc = TESS_EINVAL;
    }
    if (out->experts == 0 && (out->top_k > 0 || out->shared_experts > 0)) {
        tess_diag_add(diag, path, line,
                      "<model>: top-k and shared-experts need experts (a mixture of experts)");
        rc = TESS_EINVAL;
    }
    if (out->dense_layers > 0 && (out->experts == 0 || out->dense_layers >= out->layers)) {
        tess_diag_add(diag, path, line,
                      "<model> attribute 'dense-layers': %u dense layers need a mixture of "
                      "experts with more layers (experts %u, layers %u)",
                      out->dense_layers, out->experts, out->layers);
        rc = TESS_EINVAL;
    }
    const int mla = out->kv_lora_rank > 0;
    if (mla != (out->qk_nope_dim > 0 && out->v_head_dim > 0) ||
        (!mla && (out->q_lora_rank > 0 || out->qk_rope_dim > 0))) {
        tess_diag_add(diag, path, line,
                      "<model>: multi-head latent attention needs kv-lora-rank, qk-nope-dim and "
                      "v-head-dim together (q-lora-rank and qk-rope-dim with them), not "
                      "kv-lora-rank %u, qk-nope-dim %u, v-head-dim %u, q-lora-rank %u, "
                      "qk-rope-dim %u",
                      out->kv_lora_rank, out->qk_nope_dim, out->v_head_dim, out->q_lora_rank,
                      out->qk_rope_dim);
        rc = TESS_EINVAL;
    }
    if (mla && out->kv_heads != out->heads) {
        tess_diag_add(diag, path, line,
                      "<model>: multi-head latent attention gives every head its keys and "
                      "values: kv-heads %u must be heads %u (or left out)",
                      out->kv_heads, out->heads);
        rc = TESS_EINVAL;
    }
    if (out->hidden % out->heads != 0) {
        tess_diag_add(diag, path, line, "<model>: hidden %u is not divisible by heads %u",
                      out->hidden, out->heads);
        rc = TESS_EINVAL;
    }
    if (out->heads % out->kv_heads != 0) {
        tess_diag_add(diag, path, line, "<model>: heads %u is not divisible by kv-heads %u",
                      out->heads, out->kv_heads);
        rc = TESS_EINVAL;
    }
    return rc;
}

/* layer-split="uniform": the model's layers over pp x chunks model chunks as evenly as they
 * go, the first stages holding one layer a chunk more where they do not divide (DeepSpeed's
 * "uniform" partition, by layer count); left empty, for the divide check to name, where the
 * layers do not divide into the chunks or pp exceeds what a list holds. */
static void uniform_stage_layers(tess_workload *w)
{
    const uint32_t L = w->model.layers, pp = w->pp, chunks = w->chunks;
    if (pp == 0 || chunks == 0 || pp > TESS_MAX_COUNTS || L % chunks != 0 || L / chunks < pp)
        return;
    const uint32_t per_chunk = L / chunks; /* layers each chunk position holds over the stages */
    for (uint32_t st = 0; st < pp; st++)
        w->stage_layers.v[st] = chunks * (per_chunk / pp + (st < per_chunk % pp));
    w->stage_layers.n = pp;
}

int tess_workload_load(const char *path, tess_override *ov, size_t n_ov, int *used,
                       tess_workload *out, tess_diag *diag)
{
    memset(out, 0, sizeof *out);
    size_t len;
    char *buf = tess_read_file(path, &len, diag);
    if (!buf) return TESS_EIO;
    int rc = tess_workload_load_buffer(buf, len, path, NULL, ov, n_ov, used, out, diag);
    free(buf);
    return rc;
}

int tess_workload_load_buffer(const char *xml, size_t len, const char *path, const char *model_xml,
                              tess_override *ov, size_t n_ov, int *used, tess_workload *out,
                              tess_diag *diag)
{
    memset(out, 0, sizeof *out);
    tess_sha256_hex(xml, len, out->sha256);
    xmlDocPtr doc =
        tess_xml_read(xml, len, path, tess_workload_schema_xsd, tess_workload_schema_xsd_len, diag);
    if (!doc) return TESS_EINVAL;
    xmlNodePtr root = xmlDocGetRootElement(doc);
    const long line = xmlGetLineNo(root);
    int rc =
        parse_root(root, workload_fields, sizeof workload_fields / sizeof workload_fields[0], out,
                   path, "workload", ov, n_ov, used, out->resolved, sizeof out->resolved, diag);
    snprintf(out->file, sizeof out->file, "%s", path);
    out->line = line;
    xmlChar *model = xmlGetProp(root, (const xmlChar *)"model");
    if (model_xml)
        snprintf(out->model_file, sizeof out->model_file, "(model text)");
    else
        tess_path_beside(path, (const char *)model, out->model_file, sizeof out->model_file);
    xmlFree(model);
    xmlFreeDoc(doc);
    int mrc = model_xml ? tess_model_load_buffer(model_xml, strlen(model_xml), out->model_file, ov,
                                                 n_ov, used, &out->model, diag)
                        : tess_model_load(out->model_file, ov, n_ov, used, &out->model, diag);
    if (mrc == TESS_EIO) {
        /* name the workload line that points at the missing file */
        tess_diag_add(diag, path, line, "<workload> attribute 'model': cannot read '%s'",
                      out->model_file);
        return TESS_EINVAL;
    }
    if (rc != TESS_OK || mrc != TESS_OK) return TESS_EINVAL;

    const int listed = out->stage_layers.n > 0;
    if (out->layer_split == TESS_SPLIT_UNIFORM && !listed) uniform_stage_layers(out);
    const tess_workload *w = out;
    const tess_model *m = &w->model;
#define CHECK(cond, ...)                                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            tess_diag_add(diag, path, line, __VA_ARGS__);                                          \
            rc = TESS_EINVAL;                                                                      \
        }                                                                                          \
    } while (0)
    CHECK(w->global_batch % ((uint64_t)w->micro_batch * w->dp) == 0,
          "<workload>: micro-batch %u x dp %u does not divide global-batch %u", w->micro_batch,
          w->dp, w->global_batch);
    CHECK((uint64_t)w->global_batch / ((uint64_t)w->micro_batch * w->dp) * w->chunks <=
              TESS_MAX_PASSES,
          "<workload>: global-batch %u over micro-batch %u x dp %u x chunks %u gives more than "
          "%u passes per pipeline stage",
          w->global_batch, w->micro_batch, w->dp, w->chunks, TESS_MAX_PASSES);
    CHECK(m->experts > 0 || (w->expert_imbalance == 1 && w->capacity_factor == 0),
          "<workload>: expert-imbalance and capacity-factor need a mixture of experts (the "
          "model has no experts)");
    CHECK(m->experts > 0 || w->expert_skew == 0,
          "<workload> attribute 'expert-skew' needs a mixture of experts (the model has no "
          "experts)");
    CHECK(w->expert_skew == 0 || (w->expert_imbalance == 1 && w->capacity_factor == 0),
          "<workload> attribute 'expert-skew': the load is drawn from the skew; give it or "
          "expert-imbalance, not both, and no capacity-factor");
    CHECK(w->capacity_factor == 0 || w->capacity_factor >= 1,
          "<workload> attribute 'capacity-factor': %g leaves tokens of a balanced routing "
          "without an expert; 0 (dropless) or at least 1",
          w->capacity_factor);
    CHECK(w->ep == 1 || m->experts > 0,
          "<workload> attribute 'ep': expert parallelism %u needs a mixture of experts (the "
          "model has no experts)",
          w->ep);
    CHECK(w->dp % w->ep == 0, "<workload> attribute 'ep': ep %u does not divide dp %u", w->ep,
          w->dp);
    CHECK(m->experts == 0 || m->experts % w->ep == 0,
          "<workload> attribute 'ep': ep %u does not divide the model's %u experts", w->ep,
          m->experts);
    CHECK(w->ep == 1 || w->zero < 2,
          "<workload> attribute 'ep': expert parallelism with zero %u is not modelled (ZeRO-2 "
          "and -3 shard every parameter over all dp replicas; the experts' replicas are dp / ep)",
          w->zero);
    CHECK(!w->fp8 || w->dtype == TESS_BF16 || w->dtype == TESS_FP16,
          "<workload> attribute 'fp8': fp8 GEMMs keep the rest in a 16-bit dtype (bf16 or "
          "fp16); dtype is %s",
          w->dtype == TESS_FP8 ? "fp8" : "fp32");
    CHECK(w->cp == 1 || m->sequence % (2 * w->cp) == 0,
          "<workload> attribute 'cp': the model's sequence %u does not split into 2 x cp %u "
          "chunks (each rank holds chunks i and 2 cp - 1 - i, for causal balance)",
          m->sequence, w->cp);
    CHECK(w->cp == 1 || w->attention == TESS_ATTN_FLASH,
          "<workload> attribute 'cp': ring attention merges its blocks with an online softmax; "
          "it needs attention=\"flash\"");
    CHECK(w->cp == 1 || w->tp_style == TESS_TP_MEGATRON_1D,
          "<workload> attribute 'cp': context parallelism with tp-style 2d is not modelled");
    CHECK((w->ep_node_limit == 0 && !w->ep_dispatch_fp8) || w->ep > 1,
          "<workload> attributes 'ep-node-limit' and 'ep-dispatch-fp8' shape the experts' "
          "all-to-alls: they need expert parallelism (ep %u)",
          w->ep);
    CHECK(w->ep_node_limit == 0 || w->ep_hierarchical,
          "<workload> attribute 'ep-node-limit': a token's copies share their crossing to a "
          "domain only when the all-to-all goes across then inside "
          "(ep-all-to-all=\"hierarchical\")");
    CHECK(!w->ep_dispatch_fp8 || w->fp8,
          "<workload> attribute 'ep-dispatch-fp8': the dispatched tokens are the experts' fp8 "
          "inputs; it needs fp8=\"on\"");
    CHECK(!w->ep_overlap || w->ep > 1,
          "<workload> attribute 'ep-overlap': there is no all-to-all to overlap without expert "
          "parallelism (ep 1)");
    CHECK(w->cp == 1 || w->ep == 1,
          "<workload> attribute 'cp': context parallelism with expert parallelism is not "
          "modelled (ep %u)",
          w->ep);
    CHECK((m->dense_layers == 0 && m->mtp_depth == 0) || w->zero < 2,
          "<workload> attribute 'zero': zero %u with the model's %u dense first layers or %u "
          "multi-token prediction modules is not modelled (ZeRO-2 and -3 gather and reduce "
          "every layer alike, one layer ahead)",
          w->zero, m->dense_layers, m->mtp_depth);
    CHECK(m->kv_lora_rank == 0 || w->tp_style == TESS_TP_MEGATRON_1D,
          "<workload> attribute 'tp-style': multi-head latent attention with tp-style 2d is not "
          "modelled");
    CHECK(m->heads % w->tp == 0 || w->tp_style == TESS_TP_2D,
          "<workload>: the model's %u heads are not divisible by tp %u", m->heads, w->tp);
    CHECK(w->tp_style != TESS_TP_2D || (uint64_t)w->micro_batch * m->heads % w->tp == 0 ||
              (uint64_t)w->micro_batch * m->heads * m->sequence % w->tp == 0,
          "<workload>: tp-style 2d: micro-batch %u x the model's %u heads x sequence %u query "
          "rows do not divide over tp %u",
          w->micro_batch, m->heads, m->sequence, w->tp);
    CHECK(!listed || w->layer_split == TESS_SPLIT_DIVIDE,
          "<workload> attribute 'layer-split': uniform computes each stage's layers; give it or "
          "stage-layers, not both");
    if (w->stage_layers.n == 0) {
        CHECK(m->layers % (w->pp * w->chunks) == 0,
              "<workload>: the model's %u layers do not divide into pp %u x chunks %u (attribute "
              "stage-layers gives each stage its own; layer-split=\"uniform\" spreads them as "
              "evenly as they go, at least a layer a chunk)",
              m->layers, w->pp, w->chunks);
    } else {
        uint64_t sum = 0;
        int uneven_chunks = -1;
        for (uint32_t i = 0; i < w->stage_layers.n; i++) {
            sum += w->stage_layers.v[i];
            if (uneven_chunks < 0 && w->stage_layers.v[i] % w->chunks) uneven_chunks = (int)i;
        }
        CHECK(w->stage_layers.n == w->pp,
              "<workload> attribute 'stage-layers': %u stages listed, but pp is %u",
              w->stage_layers.n, w->pp);
        CHECK(sum == m->layers,
              "<workload> attribute 'stage-layers': the stages hold %llu layers, but the model "
              "has %u",
              (unsigned long long)sum, m->layers);
        CHECK(uneven_chunks < 0,
              "<workload> attribute 'stage-layers': stage %d's %u layers do not divide into its "
              "%u chunks",
              uneven_chunks, uneven_chunks < 0 ? 0 : w->stage_layers.v[uneven_chunks], w->chunks);
    }
    CHECK(w->pipeline == TESS_PIPE_INTERLEAVED || w->chunks == 1,
          "<workload>: chunks %u needs pipeline=\"interleaved\"", w->chunks);
    if (w->pipeline == TESS_PIPE_INTERLEAVED) {
        uint32_t mb = w->global_batch / (w->micro_batch * w->dp);
        CHECK(w->chunks >= 2, "<workload>: interleaved 1F1B needs chunks of at least 2");
        CHECK(w->pp >= 2, "<workload>: interleaved 1F1B needs pp of at least 2");
        CHECK(mb % w->pp == 0,
              "<workload>: interleaved 1F1B needs the %u micro-batches to be a multiple of pp %u",
              mb, w->pp);
    }
    if (w->tp_style == TESS_TP_2D) {
        uint32_t r = 1;
        while (r * r < w->tp)
            r++;
        CHECK(r * r == w->tp, "<workload>: tp-style=\"2d\" needs a square tp, not %u", w->tp);
        CHECK(m->heads % r == 0 && m->hidden % r == 0 && m->ffn % r == 0,
              "<workload>: 2-D tensor parallelism over %u x %u needs heads, hidden and ffn "
              "divisible by %u",
              r, r, r);
    }
#undef CHECK
    return rc;
}

uint64_t tess_model_ffn_params(const tess_model *m, uint64_t f)
{
    const uint64_t h = m->hidden;
    return m->activation == TESS_ACT_SWIGLU ? 3 * h * f : 2 * h * f + f + h;
}

uint32_t tess_model_qk_dim(const tess_model *m)
{
    return m->kv_lora_rank ? m->qk_nope_dim + m->qk_rope_dim : m->hidden / m->heads;
}

uint32_t tess_model_v_dim(const tess_model *m)
{
    return m->kv_lora_rank ? m->v_head_dim : m->hidden / m->heads;
}

uint64_t tess_model_attention_params(const tess_model *m)
{
    const uint64_t h = m->hidden, a = m->heads;
    if (m->kv_lora_rank == 0) {
        const uint64_t hkv = h / a * m->kv_heads;
        return h * (h + 2 * hkv) + (h + 2 * hkv) + h * h + h; /* QKV, out proj, biases */
    }
    /* multi-head latent attention (DeepSeek-V2 section 2.1, no biases): the query latent
     * (h x q, its RMSNorm, q x a (dn + dr)) or h x a (dn + dr); the key/value latent and the
     * shared rotary key (h x (c + dr), the latent's RMSNorm), keys and values from the latent
     * (c x a (dn + dv)); the output projection (a dv x h) */
    const uint64_t q = m->q_lora_rank, c = m->kv_lora_rank, dqk = m->qk_nope_dim + m->qk_rope_dim;
    const uint64_t query = q ? h * q + q + q * a * dqk : h * a * dqk;
    return query + h * (c + m->qk_rope_dim) + c + c * a * (m->qk_nope_dim + m->v_head_dim) +
           a * m->v_head_dim * h;
}

/* A layer's attention and norms, and its FFN with `experts` experts (the router's h x E
 * gate with a mixture of experts) */
static uint64_t layer_params(const tess_model *m, uint64_t experts)
{
    const uint64_t h = m->hidden;
    const uint64_t attn = tess_model_attention_params(m);
    const uint64_t norms = m->norm == TESS_NORM_LAYERNORM ? 4 * h : 2 * h;
    if (m->experts == 0) return attn + tess_model_ffn_params(m, m->ffn) + norms;
    return attn + experts * tess_model_ffn_params(m, m->expert_ffn) + h * m->experts + norms;
}

uint64_t tess_model_dense_layer_params(const tess_model *m)
{
    const uint64_t h = m->hidden;
    return tess_model_attention_params(m) + tess_model_ffn_params(m, m->ffn) +
           (m->norm == TESS_NORM_LAYERNORM ? 4 * h : 2 * h);
}

uint64_t tess_model_mtp_params(const tess_model *m)
{
    const uint64_t h = m->hidden;
    return (uint64_t)m->mtp_depth * (2 * h + 2 * h * h + tess_model_layer_params(m));
}

uint64_t tess_model_layer_params(const tess_model *m)
{
    return layer_params(m, (uint64_t)m->experts + m->shared_experts);
}

uint64_t tess_model_layer_active_params(const tess_model *m)
{
    return layer_params(m, (uint64_t)m->top_k + m->shared_experts);
}

uint64_t tess_model_params(const tess_model *m)
{
    /* layers, token embedding, position embedding (learned, GPT) or none (rotary),
     * final norm; the output layer shares the embedding's weights (GPT) or has its own
     * (Llama) */
    const uint64_t h = m->hidden, V = m->vocab, dense = m->dense_layers;
    uint64_t p = (m->layers - dense) * tess_model_layer_params(m) +
                 dense * tess_model_dense_layer_params(m) + V * h + 2 * h;
    if (m->norm == TESS_NORM_LAYERNORM)
        p += (uint64_t)m->sequence * h;
    else
        p += V * h;
    return p;
}

uint64_t tess_model_active_params(const tess_model *m)
{
    return tess_model_params(m) -
           (uint64_t)(m->layers - m->dense_layers) *
               (tess_model_layer_params(m) - tess_model_layer_active_params(m));
}

uint32_t tess_stage_chunk_layers(const tess_workload *w, uint32_t st)
{
    if (w->stage_layers.n == 0) return w->model.layers / (w->pp * w->chunks);
    return st < w->stage_layers.n ? w->stage_layers.v[st] / w->chunks : 0;
}
