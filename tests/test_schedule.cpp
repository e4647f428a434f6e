// The schedule generator, checked by counting: FLOPs against Narayanan et al. 2021's
// closed forms (and one derived here for Llama shapes), memory against 16 bytes per
// parameter and Korthikanti et al. 2022's activation formulas, pipeline bubbles from the
// generated order's critical path, collective message counts, and bad input.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <string>
#include <vector>
#include <unistd.h>

#include "platform_fixture.h"

extern "C" {
#include "config/workload.h"
#include "config/diag.h"
#include "model/schedule.h"
}

namespace
{

// N dies on one switch, 48 MiB SRAM each, sharing a memory pool of 16 TiB (rows 2^24)
// or 1 TiB (rows 2^20).
std::string switch_platform(unsigned n, bool small_pool = false)
{
    const std::string cap = small_pool ? "1TiB" : "16TiB",
                      rows = small_pool ? "1048576" : "16777216";
    return "<?xml version=\"1.0\"?>\n<platform name=\"sw\">\n"
           "  <die-type name=\"d\" clock=\"1GHz\" tensor-arrays=\"4\" tensor-rows=\"128\" "
           "tensor-cols=\"128\" sram=\"48MiB\" sram-bandwidth=\"8TB/s\"/>\n"
           "  <router-type name=\"x\" clock=\"1GHz\" routing=\"table\"/>\n"
           "  <link-type name=\"l\" width=\"64B\" latency=\"1cycle\" energy=\"1pJ/bit\"/>\n"
           "  <memory-type name=\"big\" standard=\"ideal\" capacity=\"" +
           cap +
           "\" channels=\"64\" "
           "bus-width=\"64b\" data-rate=\"6.4Gb/s\" rows=\"" +
           rows + "\"" + std::string(kTimings) +
           "/>\n"
           "  <switch name=\"n\" dies=\"" +
           std::to_string(n) +
           "\" die=\"d\" router=\"x\" link=\"l\"/>\n"
           "  <instance name=\"pool\" type=\"big\"/>\n"
           "  <connect from=\"pool\" to=\"n.switch\" link=\"l\"/>\n</platform>\n";
}

struct Built {
    int wrc = -1, src = -1;
    std::string errors;
    tess_workload w{};
    tess_schedule s{};
    ~Built() { tess_schedule_free(&s); }
};

// Writes a workload for `model` (a file in models/) with the given attributes to a
// temporary file, loads it and builds its schedule on a switch platform of n dies.
std::unique_ptr<Built> build(const std::string &model, const std::string &attrs, unsigned n,
                             const std::string &platform_xml = "")
{
    char path[] = "/tmp/tess-workload-XXXXXX";
    int fd = mkstemp(path);
    std::string xml = "<?xml version=\"1.0\"?>\n<workload name=\"t\" model=\"" +
                      (model[0] == '/' ? model : source_path("models/" + model)) + "\" " + attrs +
                      "/>\n";
    if (write(fd, xml.data(), xml.size()) != (ssize_t)xml.size()) ADD_FAILURE();
    close(fd);
    auto b = std::make_unique<Built>();
    tess_diag diag;
    tess_diag_init(&diag);
    b->wrc = tess_workload_load(path, nullptr, 0, nullptr, &b->w, &diag);
    // platform_xml: XML text, or "file:" and a platform file's path
    auto plat = platform_xml.rfind("file:", 0) == 0
                    ? load_file(platform_xml.substr(5))
                    : load_xml(platform_xml.empty() ? switch_platform(n) : platform_xml);
    EXPECT_EQ(plat->rc, TESS_OK) << plat->errors;
    if (b->wrc == TESS_OK) b->src = tess_schedule_build(&plat->p, &b->w, path, &b->s, &diag);
    char *joined = tess_diag_join(&diag);
    b->errors = joined;
    free(joined);
    tess_diag_free(&diag);
    unlink(path);
    return b;
}

// The messages loading a small model with the extra attributes `attrs` gives ("" when it
// loads).
std::string small_model_errors(const std::string &attrs)
{
    const std::string xml = "<model name=\"m\" layers=\"2\" hidden=\"64\" heads=\"4\" "
                            "ffn=\"256\" vocab=\"100\" sequence=\"16\" activation=\"gelu\" "
                            "norm=\"layernorm\" " +
                            attrs + "/>";
    tess_model m{};
    tess_diag d;
    tess_diag_init(&d);
    const int rc =
        tess_model_load_buffer(xml.data(), xml.size(), "m.xml", nullptr, 0, nullptr, &m, &d);
    char *joined = tess_diag_join(&d);
    const std::string errors = rc == TESS_OK ? "" : joined;
    free(joined);
    tess_diag_free(&d);
    return errors;
}

// Narayanan et al. 2021, equation (3) and the one after it.
double narayanan_model(double B, double s, double l, double h, double V)
{
    return 72 * B * s * l * h * h * (1 + s / (6 * h) + V / (12 * l * h));
}
double narayanan_full_recompute(double B, double s, double l, double h, double V)
{
    return 96 * B * s * l * h * h * (1 + s / (6 * h) + V / (16 * l * h));
}

} // namespace

TEST(ScheduleFlops, GptMatchesNarayananClosedForms)
{
    struct Case {
        const char *model;
        double l, h, V, s;
        const char *attrs;
        unsigned dies;
    } cases[] = {
        {"gpt3-175b.xml", 96, 12288, 51200, 2048,
         "global-batch=\"64\" micro-batch=\"1\" tp=\"8\" pp=\"8\"", 64},
        {"gpt-1.3b.xml", 24, 2048, 51200, 2048,
         "global-batch=\"32\" micro-batch=\"2\" tp=\"2\" pp=\"2\" dp=\"2\"", 8},
        {"megatron-22b.xml", 48, 6144, 51200, 2048, "global-batch=\"4\" micro-batch=\"1\" tp=\"8\"",
         8},
    };
    for (const Case &c : cases) {
        for (const char *rec : {"none", "full"}) {
            auto b = build(c.model, std::string(c.attrs) + " recompute=\"" + rec + "\"", c.dies);
            ASSERT_EQ(b->src, TESS_OK) << b->errors;
            const double B = b->w.global_batch;
            const double model = narayanan_model(B, c.s, c.l, c.h, c.V);
            EXPECT_NEAR(b->s.model_flops / model, 1.0, 0.005) << c.model << " " << rec;
            const double hw = std::string(rec) == "full"
                                  ? narayanan_full_recompute(B, c.s, c.l, c.h, c.V)
                                  : model;
            EXPECT_NEAR(b->s.hardware_flops / hw, 1.0, 0.005) << c.model << " " << rec;
            // the dies' FLOPs add up to the iteration's
            double sum = 0;
            for (uint32_t i = 0; i < b->s.pp; i++)
                sum += b->s.stages[i].flops * b->w.tp * b->w.dp;
            EXPECT_NEAR(sum / b->s.hardware_flops, 1.0, 1e-9);
        }
    }
}

TEST(ScheduleFlops, MixtureOfExpertsCountsEachTokensExperts)
{
    // gpt-1.3b-moe8: GPT-3 XL with 8 experts of width 8192 per layer, top-2. Per layer and
    // micro-batch of T = b s tokens, forward: QKV 2Th(3h), projection 2Th^2, the router
    // 2ThE, two experts' MLP per token 2 x 2Thf x 2, attention 4bs^2h; logits 2ThV once;
    // backward twice the forward. Every die's share adds up to it (the experts' GEMMs hold
    // T k / E tokens each, T k divisible by E here).
    const double l = 24, h = 2048, f = 8192, V = 51200, s = 2048, E = 8, k = 2;
    for (const char *rec : {"none", "full"}) {
        auto b = build("gpt-1.3b-moe8.xml",
                       std::string("global-batch=\"16\" micro-batch=\"2\" tp=\"2\" pp=\"2\" "
                                   "dp=\"2\" recompute=\"") +
                           rec + "\"",
                       8);
        ASSERT_EQ(b->src, TESS_OK) << b->errors;
        const double B = b->w.global_batch, T = B * s;
        const double layer = 2 * T * h * 3 * h + 2 * T * h * h + 2 * T * h * E +
                             k * 2 * (2 * T * h * f) + 4 * B * s * s * h;
        const double model = 3 * (l * layer + 2 * T * h * V);
        EXPECT_NEAR(b->s.model_flops / model, 1.0, 1e-9) << rec;
        const double hw = model + (std::string(rec) == "full" ? l * layer : 0);
        EXPECT_NEAR(b->s.hardware_flops / hw, 1.0, 1e-9) << rec;
        double sum = 0;
        for (uint32_t i = 0; i < b->s.pp; i++)
            sum += b->s.stages[i].flops * b->w.tp * b->w.dp;
        EXPECT_NEAR(sum / b->s.hardware_flops, 1.0, 1e-9) << rec;
    }
}

TEST(ScheduleMemory, MixtralHoldsEveryExpertAndComputesWithTwo)
{
    // Jiang et al. 2024, Table 1: h 4096, 32 layers, 32 heads of 128 over 8 KV heads, 8
    // SwiGLU experts of 14336, top-2, V 32000, RMSNorm, untied output layer. A layer:
    // attention h(h + 2 x 1024) + h^2 (and the biases Tessera's layers carry: h + 2 x 1024
    // and h), experts 8 x 3 h 14336, the router h x 8, two norms 2h. The paper's 46.7B
    // total and 12.9B active (model card figures) within 1%.
    tess_model m{};
    tess_diag diag;
    tess_diag_init(&diag);
    ASSERT_EQ(tess_model_load(source_path("models/mixtral-8x7b.xml").c_str(), nullptr, 0, nullptr,
                              &m, &diag),
              TESS_OK);
    tess_diag_free(&diag);
    const double h = 4096, kv = 1024, f = 14336, E = 8, V = 32000;
    const double attn = h * (h + 2 * kv) + (h + 2 * kv) + h * h + h, norms = 2 * h;
    const double layer = attn + E * 3 * h * f + h * E + norms;
    const double active = attn + 2 * 3 * h * f + h * E + norms;
    EXPECT_EQ(double(tess_model_layer_params(&m)), layer);
    EXPECT_EQ(double(tess_model_params(&m)), 32 * layer + 2 * V * h + 2 * h);
    EXPECT_EQ(double(tess_model_active_params(&m)), 32 * active + 2 * V * h + 2 * h);
    EXPECT_NEAR(double(tess_model_params(&m)) / 46.7e9, 1.0, 0.01);
    EXPECT_NEAR(double(tess_model_active_params(&m)) / 12.9e9, 1.0, 0.01);
    // on 16 dies, TP 8 x PP 2: each die holds 16 B for every parameter of its 16 layers'
    // every expert (no expert parallelism: the experts split with TP)
    auto b = build(
        "mixtral-8x7b.xml",
        "global-batch=\"16\" micro-batch=\"1\" tp=\"8\" pp=\"2\" sequence-parallel=\"on\"", 16);
    ASSERT_EQ(b->src, TESS_OK) << b->errors;
    EXPECT_EQ(double(b->s.stages[0].static_bytes), 16 * (16 * std::floor(layer / 8) + V * h / 8));
    // a top-k beyond the experts, or experts' fields on a dense model, are refused
    for (const char *bad : {"experts=\"8\" top-k=\"9\"", "top-k=\"2\""}) {
        const std::string errors = small_model_errors(bad);
        EXPECT_NE(errors.find("top-k"), std::string::npos) << bad << ": " << errors;
    }
}

namespace
{
// DeepSeek-V3's published dimensions (arXiv 2412.19437 section 4.2; the dense FFN width
// and vocabulary from its config.json), written here apart from models/deepseek-v3.xml.
struct DeepSeekV3 {
    double h = 7168, a = 128, q = 1536, c = 512, dn = 128, dr = 64, dv = 128, f = 18432, fe = 2048,
           E = 256, k = 8, V = 129280, s = 4096;
    // multi-head latent attention: query latent and its norm, up-projection; key/value
    // latent with the shared rotary key, its norm, up-projection; output projection
    double attention() const
    {
        return h * q + q + q * a * (dn + dr) + h * (c + dr) + c + c * a * (dn + dv) + a * dv * h;
    }
    double dense_layer() const { return attention() + 3 * h * f + 2 * h; }
    double moe_layer(double experts) const
    {
        return attention() + experts * 3 * h * fe + h * E + 2 * h;
    }
    // one layer's forward FLOPs for T tokens of b sequences (no TP duplicates)
    double projections(double T) const
    {
        return 2 * T * (h * q + q * a * (dn + dr) + h * (c + dr) + c * a * (dn + dv) + a * dv * h);
    }
    double core(double b) const { return 2 * b * s * s * a * (dn + dr + dv); }
    double dense_ffn(double T) const { return 2 * T * 3 * h * f; }
    double moe_ffn(double T) const { return 2 * T * 3 * h * fe * (k + 1) + 2 * T * h * E; }
    // the down-projections each further die of a TP group computes again
    double down(double T) const { return 2 * T * h * (q + c + dr); }
};
} // namespace

// DeepSeek-V3 (arXiv 2412.19437): 61 layers, the first 3 with a dense FFN, the rest 1 shared
// and 256 routed experts (top-8), multi-head latent attention. Its parameters from the
// published dimensions, written out here: the paper's 671B total within 1%; its "37B
// activated" is whole billions (Tessera counts the output layer and the token table, as it
// does for Mixtral: 37.55B). The MTP module's own parameters are apart, as in the paper.
TEST(ScheduleMemory, DeepSeekV3CountsLatentAttentionDenseFirstLayersAndExperts)
{
    tess_model m{};
    tess_diag diag;
    tess_diag_init(&diag);
    ASSERT_EQ(tess_model_load(source_path("models/deepseek-v3.xml").c_str(), nullptr, 0, nullptr,
                              &m, &diag),
              TESS_OK);
    tess_diag_free(&diag);
    const DeepSeekV3 d;
    EXPECT_EQ(double(tess_model_attention_params(&m)), d.attention());
    EXPECT_EQ(double(tess_model_attention_params(&m)), 187107328.0); // as commonly quoted
    EXPECT_EQ(double(tess_model_dense_layer_params(&m)), d.dense_layer());
    EXPECT_EQ(double(tess_model_layer_params(&m)), d.moe_layer(257));
    const double embed = 2 * d.V * d.h + 2 * d.h; // token table, output layer, final norm
    const double total = 3 * d.dense_layer() + 58 * d.moe_layer(257) + embed,
                 active = 3 * d.dense_layer() + 58 * d.moe_layer(9) + embed;
    EXPECT_EQ(double(tess_model_params(&m)), total);
    EXPECT_EQ(double(tess_model_active_params(&m)), active);
    EXPECT_NEAR(total / 671e9, 1.0, 0.01);
    EXPECT_GE(active, 37e9);
    EXPECT_LT(active, 38e9);
    // one MTP module: two norms, the 2h x h projection, an MoE layer
    EXPECT_EQ(double(tess_model_mtp_params(&m)), 2 * d.h + 2 * d.h * d.h + d.moe_layer(257));
    // latent attention needs its dimensions together; dense first layers need experts
    for (const char *bad :
         {"kv-lora-rank=\"512\"", "qk-rope-dim=\"64\"",
          "kv-lora-rank=\"64\" qk-nope-dim=\"16\" v-head-dim=\"16\" kv-heads=\"2\"",
          "dense-layers=\"1\""}) {
        const std::string errors = small_model_errors(bad);
        EXPECT_NE(errors.find(bad[0] == 'd' ? "dense-layers" : "latent"), std::string::npos)
            << bad << ": " << errors;
    }
}

// DeepSeek-V3's FLOPs from the layer shapes written out here: 3 dense layers and 58 MoE
// layers a token, each with latent attention's projections and a core of dn + dr score and
// dv value dimensions a head; the logits; its multi-token prediction module (depth 1) one
// more MoE layer, its 2h x h projection and the logits again. With TP 2 each die computes
// the down-projections whole (Megatron-LM duplicates them), which hardware FLOPs count and
// model FLOPs do not; the dies' FLOPs add up to the hardware count. Stage 0 holds the 3
// dense layers and 13 MoE layers, the last stage 15 MoE layers, the output layer and the
// MTP module with its copy of the token table: their parameters from the layer kinds.
TEST(ScheduleFlops, DeepSeekV3CountsEachLayerKindAndItsLatentProjections)
{
    const DeepSeekV3 d;
    const double t = 2, ep = 2;
    for (const char *rec : {"none", "full"}) {
        auto b = build("deepseek-v3.xml",
                       std::string("global-batch=\"4\" micro-batch=\"1\" tp=\"2\" pp=\"4\" "
                                   "dp=\"2\" ep=\"2\" stage-layers=\"16,15,15,15\" "
                                   "attention=\"materialized\" recompute=\"") +
                           rec + "\"",
                       16);
        ASSERT_EQ(b->src, TESS_OK) << b->errors;
        const double B = 4, T = B * d.s;
        const double dense = d.projections(T) + d.core(B) + d.dense_ffn(T),
                     moe = d.projections(T) + d.core(B) + d.moe_ffn(T);
        const double mtp = moe + 2 * T * 2 * d.h * d.h + 2 * T * d.h * d.V;
        const double model = 3 * (3 * dense + 58 * moe + 2 * T * d.h * d.V + mtp);
        EXPECT_NEAR(b->s.model_flops / model, 1.0, 1e-12) << rec;
        double hw = model + 3 * (t - 1) * d.down(T) * 62;
        if (std::string(rec) == "full") hw += 3 * dense + 59 * moe + (t - 1) * d.down(T) * 62;
        EXPECT_NEAR(b->s.hardware_flops / hw, 1.0, 1e-12) << rec;
        double sum = 0;
        for (uint32_t i = 0; i < b->s.pp; i++)
            sum += b->s.stages[i].flops * b->w.tp * b->w.dp;
        EXPECT_NEAR(sum / b->s.hardware_flops, 1.0, 1e-9) << rec;
        // stage 0: 3 dense and 13 MoE layers, each die 1/t of them but the duplicated
        // down-projections whole, its E/ep routed experts; and 1/t of the token table
        const double dup = (t - 1) * (d.h * d.q + d.q + d.h * (d.c + d.dr) + d.c);
        const double group = 3 * (d.dense_layer() + dup) + 13 * (d.moe_layer(d.E / ep + 1) + dup);
        EXPECT_EQ(b->s.stages[0].dense_layers, 3u);
        EXPECT_EQ(b->s.stages[1].dense_layers, 0u);
        EXPECT_EQ(double(b->s.stages[0].params), std::floor(group / t) + d.V * d.h / t);
        const double last = 16 * (d.moe_layer(d.E / ep + 1) + dup);
        EXPECT_EQ(double(b->s.stages[3].params), std::floor(last / t) + (d.V * d.h / t + 2 * d.h) +
                                                     (2 * d.h + 2 * d.h * d.h) / t + d.V * d.h / t);
    }
}

// The data-parallel tail reduces each stage's own gradients: GPT-3 XL on 4 stages of 6
// layers, DP 2 (flat ring) and DP 4 over two domains of 2 (hierarchical: the across phase
// a domain's half). A layer holds 12h^2 + 13h parameters (QKV and projection 4h^2 + 4h,
// MLP 8h^2 + 5h, two layernorms 4h); stage 0 adds the token table V h and the positions
// s h, the last stage the final layernorm 2h and its copy of the token table V h. Before,
// every stage carried stage 0's bytes (the middle stages 17% too many here).
TEST(ScheduleCollectives, TheTailReducesEachStagesOwnGradients)
{
    const double h = 2048, V = 51200, s = 2048, layer = 12 * h * h + 13 * h;
    const double params[4] = {6 * layer + V * h + s * h, 6 * layer, 6 * layer,
                              6 * layer + 2 * h + V * h};
    auto b = build("gpt-1.3b.xml",
                   "global-batch=\"8\" micro-batch=\"1\" tp=\"1\" pp=\"4\" dp=\"2\" zero=\"0\"", 8);
    ASSERT_EQ(b->src, TESS_OK) << b->errors;
    ASSERT_GE(b->s.dp_coll, 0);
    const uint32_t ar = static_cast<uint32_t>(b->s.dp_coll);
    EXPECT_EQ(b->s.colls[ar].kind, TESS_ALL_REDUCE);
    for (uint32_t st = 0; st < 4; st++) {
        EXPECT_EQ(double(b->s.stages[st].params), params[st]) << st;
        EXPECT_EQ(double(tess_coll_stage_bytes(&b->s, ar, st)), 2 * params[st]) << st;
        // a ring all-reduce of n = 2 sends 2 (n - 1) chunks of bytes / n
        EXPECT_EQ(double(tess_coll_stage_bytes_sent(&b->s, ar, st)), 2 * params[st]) << st;
    }
    // the other collectives keep their bytes on every stage
    for (uint32_t i = 0; i < ar; i++)
        EXPECT_EQ(tess_coll_stage_bytes(&b->s, i, 2), b->s.colls[i].bytes) << b->s.colls[i].what;
}

// A layer kind per layer: with interleaved stages the model's dense first layers fall on
// the virtual stages they belong to (chunk c of stage st is virtual stage c pp + st), the
// dies run the dense templates for exactly those, and the experts' all-to-alls run only in
// the other layers.
TEST(ScheduleCollectives, DenseFirstLayersRunTheirOwnTemplatesAndNoAllToAll)
{
    char model[] = "/tmp/tess-dense-first-XXXXXX";
    const int fd = mkstemp(model);
    const std::string xml =
        "<model name=\"m\" layers=\"12\" hidden=\"1024\" heads=\"8\" ffn=\"4096\" experts=\"8\" "
        "top-k=\"2\" expert-ffn=\"1024\" dense-layers=\"4\" vocab=\"1000\" sequence=\"512\" "
        "activation=\"swiglu\" norm=\"rmsnorm\"/>\n";
    ASSERT_EQ(write(fd, xml.data(), xml.size()), (ssize_t)xml.size());
    close(fd);
    // 2 stages x 2 chunks of 3 layers: virtual stages 0 (layers 0-2), 1 (3-5), 2 (6-8),
    // 3 (9-11); layers 0-3 dense: stage 0's chunk 0 all 3, stage 1's chunk 0 its first
    auto b = build(model,
                   "global-batch=\"8\" micro-batch=\"1\" pp=\"2\" dp=\"2\" ep=\"2\" "
                   "pipeline=\"interleaved\" chunks=\"2\"",
                   4);
    unlink(model);
    ASSERT_EQ(b->src, TESS_OK) << b->errors;
    const tess_schedule &s = b->s;
    const uint32_t expect[2][2] = {{3, 0}, {1, 0}};
    for (uint32_t st = 0; st < 2; st++)
        for (uint32_t c = 0; c < 2; c++)
            EXPECT_EQ(tess_chunk_dense_layers(&s, st, c), expect[st][c]) << st << " " << c;
    EXPECT_EQ(s.stages[0].dense_layers, 3u);
    EXPECT_EQ(s.stages[1].dense_layers, 1u);
    // walking each stage's ops: a forward pass of a chunk runs the dense template for its
    // dense layers and the MoE one for the rest
    auto in = [](const tess_template &t, const tess_op_group *g) {
        return t.n && g >= t.groups && g < t.groups + t.n;
    };
    const uint64_t m = s.microbatches;
    for (uint32_t st = 0; st < 2; st++) {
        tess_op_cursor cur;
        tess_op_cursor_init(&cur, &s, st);
        tess_op op;
        uint64_t dense_ops = 0, moe_ops = 0, a2a = 0, n = 0;
        while (tess_op_next(&cur, &op)) {
            n++;
            if (!op.group) continue;
            if (in(s.dense_fwd, op.group)) dense_ops++;
            if (in(s.fwd, op.group)) moe_ops++;
            if (op.kind == TESS_OP_COLLECTIVE && s.colls[op.coll].kind == TESS_ALL_TO_ALL) a2a++;
        }
        const uint64_t dense = s.stages[st].dense_layers, moe = 6 - dense;
        EXPECT_EQ(n, s.stages[st].ops) << st;
        EXPECT_EQ(dense_ops, m * dense * s.dense_fwd.ops) << st;
        EXPECT_EQ(moe_ops, m * moe * s.fwd.ops) << st;
        // dispatch and combine in each MoE layer's forward and backward pass
        EXPECT_EQ(a2a, m * moe * 4) << st;
        for (uint32_t i = 0; i < s.n_colls; i++) {
            if (s.colls[i].kind == TESS_ALL_TO_ALL) {
                EXPECT_EQ(tess_coll_calls(&s, &s.colls[i], st), m * moe * 4) << st;
            }
        }
    }
    // the dense templates have no router, experts or all-to-all; the MoE ones do
    auto has_all_to_all = [&](const tess_template &t) {
        for (uint32_t i = 0; i < t.n; i++)
            if (t.groups[i].kind == TESS_OP_COLLECTIVE &&
                s.colls[t.groups[i].coll].kind == TESS_ALL_TO_ALL)
                return true;
        return false;
    };
    EXPECT_FALSE(has_all_to_all(s.dense_fwd));
    EXPECT_TRUE(has_all_to_all(s.fwd));
}

// ZeRO-1 with expert parallelism: the optimizer state of a routed expert is partitioned
// over the replicas that hold that expert (dp / ep of them: the expert data-parallel group),
// the rest over all dp. gpt-1.3b-moe8 (24 layers, h 2048, 8 GeLU experts of 8192), DP 8,
// EP 4: each die holds 2 experts a layer, each 2hf + f + h parameters; the rest of its
// parameters (P - X) at 4 + 12/8 bytes, the experts' X at 4 + 12/2. The optimizer step
// moves 50 bytes a parameter of the die's shards likewise.
TEST(ScheduleMemory, ZeroOneShardsExpertsOverTheirOwnReplicas)
{
    auto b = build("gpt-1.3b-moe8.xml",
                   "global-batch=\"8\" micro-batch=\"1\" dp=\"8\" ep=\"4\" zero=\"1\"", 8);
    ASSERT_EQ(b->src, TESS_OK) << b->errors;
    const double h = 2048, f = 8192, X = 24 * 2 * (2 * h * f + f + h);
    const double P = double(b->s.stages[0].params);
    EXPECT_NEAR(double(b->s.stages[0].static_bytes), (4 + 12.0 / 8) * (P - X) + (4 + 12.0 / 2) * X,
                2.0);
    EXPECT_NEAR(double(b->s.stages[0].optimizer_bytes), 50 * ((P - X) / 8 + X / 2), 100.0);
    // the tail: the rest's gradients reduce-scattered and gathered over the 8 replicas, the
    // experts' over their own 2 (replicas d and d + 4), 2 bytes a parameter each
    EXPECT_EQ(double(b->s.stages[0].expert_params), X);
    int found = 0;
    for (uint32_t i = 0; i < b->s.n_colls; i++) {
        const tess_coll_use &c = b->s.colls[i];
        if (c.axis == TESS_AXIS_DP) {
            EXPECT_EQ(c.group, 8u);
            EXPECT_EQ(double(c.bytes), 2 * (P - X));
        } else if (c.axis == TESS_AXIS_EDP) {
            found++;
            EXPECT_EQ(c.group, 2u);
            EXPECT_EQ(double(c.bytes), 2 * X);
            EXPECT_EQ(c.calls, 1u);
        }
    }
    EXPECT_EQ(found, 2); // reduce-scatter and all-gather
    for (uint32_t r = 0; r < 8; r++)
        EXPECT_EQ(tess_ring_next(&b->s, TESS_AXIS_EDP, r), (r + 4) % 8) << r;
}

// 2-D tensor parallelism with fewer heads than dies (Hecaton's regime): GPT-3 XL's 16 heads
// over 64 dies. The attention core is not dropped (it was: b heads / t in integer
// arithmetic gave no score GEMMs at all); each die takes a slice of a head's query rows,
// and the dies' FLOPs add up to the closed form's.
TEST(ScheduleFlops, TwoDimensionalTpWithFewerHeadsThanDiesKeepsTheAttention)
{
    for (const char *rec : {"none", "selective"}) {
        auto b = build("gpt-1.3b.xml",
                       std::string("global-batch=\"4\" micro-batch=\"1\" tp=\"64\" "
                                   "tp-style=\"2d\" recompute=\"") +
                           rec + "\"",
                       64);
        ASSERT_EQ(b->src, TESS_OK) << b->errors;
        const double model = narayanan_model(4, 2048, 24, 2048, 51200);
        EXPECT_NEAR(b->s.model_flops / model, 1.0, 0.005) << rec;
        double sum = 0;
        for (uint32_t i = 0; i < b->s.pp; i++)
            sum += b->s.stages[i].flops * b->w.tp * b->w.dp;
        EXPECT_NEAR(sum / b->s.hardware_flops, 1.0, 1e-9) << rec;
        if (std::string(rec) == "selective") { // QK^T and scores x V again: 4 B s^2 h a layer
            const double again = 4.0 * 4 * 2048 * 2048 * 2048 * 24;
            EXPECT_NEAR((b->s.hardware_flops - b->s.model_flops) / again, 1.0, 1e-9);
        }
    }
    // query rows that do not divide over the dies are refused, not rounded away
    auto bad = build("gpt-1.3b.xml",
                     "global-batch=\"4\" micro-batch=\"1\" tp=\"9\" tp-style=\"2d\" "
                     "recompute=\"none\"",
                     9);
    EXPECT_NE(bad->wrc == TESS_OK ? bad->src : bad->wrc, TESS_OK);
}

TEST(ScheduleFlops, SelectiveRecomputationRedoesTheAttentionCore)
{
    auto b = build("megatron-22b.xml",
                   "global-batch=\"4\" micro-batch=\"1\" tp=\"8\" "
                   "sequence-parallel=\"on\" recompute=\"selective\"",
                   8);
    ASSERT_EQ(b->src, TESS_OK) << b->errors;
    // QK^T and softmax x V again in the backward pass: 4 B s^2 h per layer
    const double extra = 4.0 * 4 * 2048.0 * 2048 * 6144 * 48;
    EXPECT_NEAR((b->s.hardware_flops - b->s.model_flops) / extra, 1.0, 1e-9);
}

// The GEMMs of a template, in order.
std::vector<const tess_op_group *> gemms_of(const tess_template &t)
{
    std::vector<const tess_op_group *> v;
    for (uint32_t i = 0; i < t.n; i++)
        if (t.groups[i].kind == TESS_OP_GEMM) v.push_back(&t.groups[i]);
    return v;
}

TEST(ScheduleDataflow, EachGemmNamesTheGemmsWhoseOutputsItReads)
{
    // GPT 1.3B (h 2048, f 8192, s 2048, micro-batch 1) on one die: a layer's forward GEMMs
    // are QKV, the scores Q K^T, softmax x V, the output projection, MLP up and MLP down,
    // each reading the one before (through the norms and activations between); the scores
    // read Q and K and the values V, all QKV's output; the linear layers' B is a weight.
    // Backward runs them in reverse, dX then dW of each: dX = dY W^T, dW = X^T dY, where dY
    // (the gradient of the GEMM's output) comes from the dX of the GEMM that read the output
    // as A (or the dW where it read it as B: QKV's from the scores' dW, which writes dK).
    // So in backward only QKV's dX reads the GEMM just before it; every other GEMM's operands
    // may load while the GEMM before it computes. The linear layers' B (forward) and their
    // dX's B (W^T) are weights; the attention core's operands and every dW's are not.
    auto b = build("gpt-1.3b.xml", "global-batch=\"1\" micro-batch=\"1\"", 1);
    ASSERT_EQ(b->src, TESS_OK) << b->errors;
    const uint64_t tok = 2048, h = 2048, f = 8192;
    const auto F = gemms_of(b->s.fwd), B = gemms_of(b->s.bwd);
    ASSERT_EQ(F.size(), 6u);
    ASSERT_EQ(B.size(), 12u);
    const uint64_t fwd_shape[6][3] = {{tok, 3 * h, h}, {tok, tok, 128}, {tok, 128, tok},
                                      {tok, h, h},     {tok, f, h},     {tok, h, f}};
    for (int i = 0; i < 6; i++) {
        EXPECT_EQ(F[i]->gm, fwd_shape[i][0]) << i;
        EXPECT_EQ(F[i]->gn, fwd_shape[i][1]) << i;
        EXPECT_EQ(F[i]->gk, fwd_shape[i][2]) << i;
        EXPECT_NE(F[i]->node, 0u);
        EXPECT_EQ(F[i]->src[0], i ? F[i - 1]->node : 0) << "A of forward GEMM " << i;
        const uint16_t b_src = i == 1 || i == 2 ? F[0]->node : 0; // K, V from QKV
        EXPECT_EQ(F[i]->src[1], b_src) << "B of forward GEMM " << i;
        EXPECT_EQ(F[i]->weights, i == 1 || i == 2 ? 0u : 2u) << "a linear layer's B is a weight";
    }
    for (int i = 0; i < 6; i++) { // backward pair i: forward GEMM 5 - i
        const tess_op_group *dx = B[2 * i], *dw = B[2 * i + 1];
        const uint64_t *fs = fwd_shape[5 - i];
        EXPECT_EQ(dx->gm, fs[0]); // M x K x N
        EXPECT_EQ(dx->gn, fs[2]);
        EXPECT_EQ(dx->gk, fs[1]);
        EXPECT_EQ(dw->gm, fs[2]); // K x N x M
        EXPECT_EQ(dw->gn, fs[1]);
        EXPECT_EQ(dw->gk, fs[0]);
        EXPECT_EQ(dx->src[1], 0u);
        EXPECT_EQ(dw->src[0], 0u);
        EXPECT_EQ(dx->weights, i == 3 || i == 4 ? 0u : 2u) << "dX = dY W^T of pair " << i;
        EXPECT_EQ(dw->weights, 0u);
        EXPECT_EQ(dw->src[1], dx->src[0]) << "dX and dW of pair " << i << " read one dY";
        // dY: MLP down's from outside the layer's GEMMs; QKV's (pair 5) from the scores'
        // dW; every other from the dX of the pair before
        const uint16_t dy = i == 0 ? 0 : i == 5 ? B[9]->node : B[2 * i - 2]->node;
        EXPECT_EQ(dx->src[0], dy) << "dY of backward pair " << i;
        if (i) {
            EXPECT_EQ(dx->ahead, i == 5 ? 2u : 3u) << "dX of pair " << i;
        }
        EXPECT_EQ(dw->ahead, 3u) << "dW of pair " << i;
    }
}

// A template as the die runs it: "g" a GEMM (a systolic die's tiles with their loads and
// stores as one), "v" an element-wise kernel (one a kernel), a collective by its kind.
std::string pass_of(const tess_schedule &s, const tess_template &t)
{
    std::string out;
    for (uint32_t i = 0; i < t.n; i++) {
        const tess_op_group &g = t.groups[i];
        std::string x;
        if (g.kind == TESS_OP_GEMM) x = "g";
        if (g.kind == TESS_OP_VECTOR)
            for (uint64_t k = 0; k < g.count; k++)
                x += k ? " v" : "v";
        if (g.kind == TESS_OP_COLLECTIVE) {
            static const std::map<tess_coll, std::string> names = {{TESS_ALL_REDUCE, "AR"},
                                                                   {TESS_ALL_GATHER, "AG"},
                                                                   {TESS_REDUCE_SCATTER, "RS"},
                                                                   {TESS_ALL_TO_ALL, "A2A"}};
            x = names.at(s.colls[g.coll].kind);
        }
        if (!x.empty()) out += (out.empty() ? "" : " ") + x;
    }
    return out;
}

TEST(ScheduleDataflow, ALayersKernelsAndCollectivesSitWhereItsGemmsReadAndWriteThem)
{
    // Megatron-LM's transformer layer (Korthikanti et al. 2022, figures 4 and 5), GPT 1.3B
    // over 8 dies, fused kernels, the scores materialised. Forward: the first LayerNorm,
    // QKV (g), the scores (g), softmax and dropout (v v), the values (g), the output
    // projection (g), its all-reduce (g's operator), the bias-dropout-add and the second
    // LayerNorm, the MLP's first layer, GeLU, its second layer, the all-reduce, the
    // bias-dropout-add. Backward runs it in reverse, each GEMM as dX then dW: the MLP's
    // dropout and second layer's bias gradient (v v), its pair, GeLU's backward and the first
    // layer's bias gradient, its pair, then the all-reduce of the layer input's gradient (f's
    // backward); the second LayerNorm's dx, its weights, the residual sum, the attention's
    // dropout and the projection's bias gradient (5 v), the projection's pair, the values',
    // the attention dropout's and softmax's backward, the scores' pair, QKV's bias gradient,
    // QKV's pair, the all-reduce, the first LayerNorm's dx, weights and residual sum.
    auto b = build("gpt-1.3b.xml", "global-batch=\"1\" micro-batch=\"1\" tp=\"8\"", 8);
    ASSERT_EQ(b->src, TESS_OK) << b->errors;
    EXPECT_EQ(pass_of(b->s, b->s.fwd), "v g g v v g g AR v v g v g AR v");
    EXPECT_EQ(pass_of(b->s, b->s.bwd),
              "v v g g v v g g AR v v v v v g g g g v v g g v g g AR v v v");
    // Sequence parallelism: an all-gather before each column-parallel layer (QKV, the MLP's
    // first), a reduce-scatter where the all-reduce was; backward an all-gather of the
    // output gradient before each row-parallel layer's backward (the reduce-scatter's), the
    // input gathered again before each column-parallel layer's backward (its dW reads it,
    // section 4.2.2) and reduce-scatters where the all-reduces were. Full recomputation
    // runs the forward again, collectives and all, before the backward.
    auto sp = build("gpt-1.3b.xml",
                    "global-batch=\"1\" micro-batch=\"1\" tp=\"8\" sequence-parallel=\"on\" "
                    "recompute=\"full\"",
                    8);
    ASSERT_EQ(sp->src, TESS_OK) << sp->errors;
    const std::string fwd = "v AG g g v v g g RS v v AG g v g RS v";
    EXPECT_EQ(pass_of(sp->s, sp->s.fwd), fwd);
    EXPECT_EQ(pass_of(sp->s, sp->s.recompute), fwd);
    EXPECT_EQ(pass_of(sp->s, sp->s.bwd),
              "v v AG g g v v AG g g RS v v v v v AG g g g g v v g g v AG g g RS v v v");
    // Selective recomputation: the attention core again, its softmax and dropout between
    // its two GEMMs. The logits layer: the final norm, the logits, the loss; backward the
    // loss's gradient, dX and dW, the input gradient's all-reduce, the norm's backward.
    auto sel = build("gpt-1.3b.xml",
                     "global-batch=\"1\" micro-batch=\"1\" tp=\"8\" recompute=\"selective\"", 8);
    ASSERT_EQ(sel->src, TESS_OK) << sel->errors;
    EXPECT_EQ(pass_of(sel->s, sel->s.recompute), "g v v g");
    EXPECT_EQ(pass_of(sel->s, sel->s.logits_fwd), "v g v");
    EXPECT_EQ(pass_of(sel->s, sel->s.logits_bwd), "v g g AR v");
    // A mixture of experts with expert parallelism (8 experts, top-2, ep 4): the router
    // after the second norm, its softmax and the tokens' permutation, the dispatch, the
    // experts' first layer, their activation, their second layer, the combine, the
    // permutation back; backward mirrored.
    auto moe =
        build("gpt-1.3b-moe8.xml", "global-batch=\"8\" micro-batch=\"1\" dp=\"8\" ep=\"4\"", 8);
    ASSERT_EQ(moe->src, TESS_OK) << moe->errors;
    EXPECT_EQ(pass_of(moe->s, moe->s.fwd), "v g g v v g g v v g v v A2A g v g A2A v v");
    EXPECT_EQ(pass_of(moe->s, moe->s.bwd),
              "v v v A2A g g v v g g A2A v v g g v v v v v g g g g v v g g v g g v v v");
}

TEST(ScheduleDataflow, ADieNeverLoadsAnOperandBeforeTheGemmWritingItIsStored)
{
    // The op cursor's order on a systolic die: a load of a tiled GEMM returned before the
    // GEMM before it has returned its last store must be a first-tile load of an operand
    // that reads nothing of that GEMM. Some are (the mechanism runs).
    auto b = build("gpt-1.3b.xml", "global-batch=\"1\" micro-batch=\"1\" recompute=\"full\"", 1);
    ASSERT_EQ(b->src, TESS_OK) << b->errors;
    tess_op_cursor c;
    tess_op_cursor_init(&c, &b->s, 0);
    tess_op op;
    const tess_op_group *open = nullptr; // a tiled GEMM begun whose stores are not all returned
    uint64_t stores_left = 0, early = 0, loads = 0;
    while (tess_op_next(&c, &op)) {
        const tess_op_group *grp = op.group;
        if (op.kind == TESS_OP_GEMM && grp->tile && grp != open) {
            open = grp;
            stores_left = (grp + 1)->count;
        } else if (op.kind == TESS_OP_STORE && grp - 1 == open && --stores_left == 0) {
            open = nullptr;
        } else if (op.kind == TESS_OP_LOAD) {
            loads++;
            const tess_op_group *G = grp + 1;
            if (open && open != G) {
                early++;
                ASSERT_EQ(G - 3, open) << "only the next GEMM's loads go ahead";
                ASSERT_LT(op.index, 2u);
                EXPECT_TRUE(G->ahead >> op.index & 1u);
                EXPECT_NE(G->src[op.index], open->node);
            }
        }
    }
    EXPECT_GT(loads, 0u);
    EXPECT_GT(early, 0u);
}

TEST(ScheduleFlops, LlamaFromItsLayerShapes)
{
    // Llama 2 70B per token and layer: QKV 2h(h + 2 h_kv) with h_kv = 8 x 128,
    // attention scores 4sh, output 2h^2, SwiGLU 3 GEMMs 6hf; logits 2hV; x3 for training
    const double l = 80, h = 8192, hkv = 1024, f = 28672, V = 32000, s = 4096, B = 16;
    const double per_token =
        l * (2 * h * (h + 2 * hkv) + 4 * s * h + 2 * h * h + 6 * h * f) + 2 * h * V;
    auto b = build("llama2-70b.xml", "global-batch=\"16\" micro-batch=\"1\" tp=\"8\" pp=\"8\"", 64);
    ASSERT_EQ(b->src, TESS_OK) << b->errors;
    EXPECT_NEAR(b->s.model_flops / (3 * B * s * per_token), 1.0, 0.005);
}

TEST(ScheduleMemory, SixteenBytesPerParameterDividedByTpAndPp)
{
    // GPT layer parameters: 12h^2 + 13h (Narayanan et al. 2021); a middle stage of
    // 175B at TP 8 x PP 8 holds 12 layers / 8
    const double h = 12288, layer = 12 * h * h + 13 * h;
    auto b = build("gpt3-175b.xml",
                   "global-batch=\"64\" micro-batch=\"1\" tp=\"8\" pp=\"8\" "
                   "recompute=\"full\"",
                   64);
    ASSERT_EQ(b->src, TESS_OK) << b->errors;
    const tess_stage &mid = b->s.stages[3];
    EXPECT_NEAR(double(mid.static_bytes) / (16 * layer * 12 / 8), 1.0, 1e-6);
    // ZeRO-1 spreads the 12 bytes of optimizer state over DP
    auto z =
        build("gpt-1.3b.xml",
              "global-batch=\"32\" micro-batch=\"1\" tp=\"2\" pp=\"2\" dp=\"4\" zero=\"1\"", 16);
    ASSERT_EQ(z->src, TESS_OK) << z->errors;
    const double h2 = 2048, layer2 = 12 * h2 * h2 + 13 * h2;
    const double params_mid = layer2 * 12 / 2; // stage 1 also holds the output layer: use params
    (void)params_mid;
    const tess_stage &st = z->s.stages[1];
    EXPECT_NEAR(double(st.static_bytes) / ((4 + 12.0 / 4) * st.params), 1.0, 1e-6);
}

TEST(ScheduleMemory, ZeroStagesPartitionTheModelStatesAsTheZeroPaperCounts)
{
    // Rajbhandari et al. 2020, figure 1: per parameter 2 + 2 + 12 bytes (fp16 weights and
    // gradients, Adam's fp32 state); ZeRO-1 divides the 12 by dp, ZeRO-2 also the
    // gradients' 2, ZeRO-3 also the weights' 2. Beyond them a die holds the largest unit
    // it works on whole: its gradient before the reduce-scatter (ZeRO-2: 2 bytes a
    // parameter), and its gathered weights too (ZeRO-3: 4).
    // GPT 1.3B at TP 2 x PP 2 x DP 4: the last stage holds 12 layers of (12h^2 + 13h) / 2
    // and the output layer's V h / 2 + 2h; that output layer is its largest unit.
    const double h = 2048, V = 51200, d = 4;
    const double layer = (12 * h * h + 13 * h) / 2, out = V * h / 2 + 2 * h;
    const double P = 12 * layer + out;
    const double expect[4] = {16 * P, (4 + 12 / d) * P, (2 + 14 / d) * P + 2 * out,
                              16 / d * P + 4 * out};
    for (unsigned z = 0; z < 4; z++) {
        auto b = build("gpt-1.3b.xml",
                       "global-batch=\"32\" micro-batch=\"1\" tp=\"2\" pp=\"2\" dp=\"4\" "
                       "zero=\"" +
                           std::to_string(z) + "\"",
                       16);
        ASSERT_EQ(b->src, TESS_OK) << b->errors;
        const tess_stage &last = b->s.stages[1];
        EXPECT_EQ(double(last.params), P) << "zero " << z;
        EXPECT_NEAR(double(last.static_bytes) / expect[z], 1.0, 1e-9) << "zero " << z;
        // the optimizer steps over the die's shard from ZeRO-1 on
        EXPECT_EQ(double(last.optimizer_bytes), 50 * P / (z ? d : 1)) << "zero " << z;
    }
    auto bad =
        build("gpt-1.3b.xml", "global-batch=\"32\" micro-batch=\"1\" dp=\"16\" zero=\"4\"", 16);
    EXPECT_NE(bad->wrc, TESS_OK);
    EXPECT_NE(bad->errors.find("zero"), std::string::npos) << bad->errors;
}

TEST(ScheduleMemory, ADiesMemoryIsItsLiveLinkedMemoriesElseAShareOfThePool)
{
    // n.die0 has two 1 TiB memories linked to it, one of them dead: it has the live one.
    // n.die1 has none of its own: it gets an equal share (over the 2 dies) of every live
    // memory of the platform, the 1 TiB pool on the switch and m0
    std::string xml = switch_platform(2, true);
    const std::string own =
        "  <instance name=\"m0\" type=\"big\"/> <connect from=\"m0\" to=\"n.die0\" link=\"l\"/>\n"
        "  <instance name=\"m1\" type=\"big\"/> <connect from=\"m1\" to=\"n.die0\" link=\"l\"/>\n"
        "  <defects><dead instance=\"m1\"/></defects>\n";
    xml.insert(xml.rfind("</platform>"), own);
    auto b =
        build("gpt-1.3b.xml", "global-batch=\"2\" micro-batch=\"1\" tp=\"1\" pp=\"2\"", 2, xml);
    ASSERT_EQ(b->src, TESS_OK) << b->errors;
    const uint64_t tib = 1ull << 40;
    EXPECT_EQ(b->s.stages[0].capacity_bytes, tib); // m0 alone: m1 is dead
    EXPECT_EQ(b->s.stages[1].capacity_bytes, 2 * tib / 2);
}

TEST(ScheduleMemory, ActivationsFollowKorthikanti)
{
    // Korthikanti et al. 2022, Table 2, bytes per layer per micro-batch:
    const double s = 2048, b = 1, h = 6144, a = 64, t = 8;
    struct Case {
        const char *attrs;
        double expected;
    } cases[] = {
        {"tp=\"1\" recompute=\"none\"", s * b * h * (34 + 5 * a * s / h)},
        {"tp=\"8\" recompute=\"none\"", s * b * h * (10 + 24 / t + 5 * a * s / (h * t))},
        {"tp=\"8\" recompute=\"none\" sequence-parallel=\"on\"",
         s * b * h / t * (34 + 5 * a * s / h)},
        {"tp=\"8\" recompute=\"selective\" sequence-parallel=\"on\"", s * b * h * 34 / t},
        {"tp=\"8\" recompute=\"full\"", 2 * s * b * h},
    };
    for (const Case &c : cases) {
        const unsigned dies = std::string(c.attrs).find("tp=\"8\"") != std::string::npos ? 8 : 1;
        auto x = build("megatron-22b.xml",
                       std::string("global-batch=\"4\" micro-batch=\"1\" ") + c.attrs, dies);
        ASSERT_EQ(x->src, TESS_OK) << c.attrs << ": " << x->errors;
        EXPECT_NEAR(double(x->s.stages[0].activation_bytes_per_layer) / c.expected, 1.0, 0.02)
            << c.attrs;
    }
}

// 2-D tensor parallelism on a k x k grid (Megatron 22B, 64 heads, FFN 4h, on 64 dies: k = 8)
// keeps what its collectives leave on a die: each linear layer's input as gathered along
// the die's row (1/k: the QKV and MLP-up inputs 2sbh each, the output projection's 2sbh,
// the MLP-down input 2sbf), kept for the weight gradients because the backward pass gathers
// only output gradients; everything else as the die's block (1/t: Q, K, V 6sbh, the GeLU
// input 2sbf, two layer-norm inputs 4sbh, two dropout masks 2sbh, the scores 5as^2b). Full
// recomputation keeps the layer's input block, 2sbh/t (was the whole 2sbh on every die).
TEST(ScheduleMemory, TwoDimensionalTpKeepsGatheredLinearInputsAndBlocks)
{
    const double s = 2048, b = 1, h = 6144, a = 64, f = 4 * h, t = 64, k = 8;
    const std::string common = "global-batch=\"4\" micro-batch=\"1\" tp=\"64\" tp-style=\"2d\" ";
    auto none = build("megatron-22b.xml", common + "recompute=\"none\"", 64);
    ASSERT_EQ(none->src, TESS_OK) << none->errors;
    EXPECT_NEAR(
        double(none->s.stages[0].activation_bytes_per_layer) /
            ((6 * s * b * h + 2 * s * b * f + 4 * s * b * h + 2 * s * b * h + 5 * a * s * s * b) /
                 t +
             (6 * s * b * h + 2 * s * b * f) / k),
        1.0, 1e-6);
    auto full = build("megatron-22b.xml", common + "recompute=\"full\"", 64);
    ASSERT_EQ(full->src, TESS_OK) << full->errors;
    EXPECT_NEAR(double(full->s.stages[0].activation_bytes_per_layer) / (2 * s * b * h / t), 1.0,
                1e-6);
}

TEST(SchedulePipeline, BubbleMatchesTheClosedForms)
{
    struct Case {
        const char *pipeline;
        unsigned p, m, v;
    } cases[] = {{"gpipe", 4, 8, 1},       {"1f1b", 4, 8, 1},         {"1f1b", 8, 64, 1},
                 {"interleaved", 4, 8, 2}, {"interleaved", 8, 64, 2}, {"interleaved", 4, 12, 3}};
    // gpt3-175b's 96 layers divide into every p x v here
    for (const Case &c : cases) {
        char attrs[256];
        std::snprintf(
            attrs, sizeof attrs,
            "global-batch=\"%u\" micro-batch=\"1\" pp=\"%u\" pipeline=\"%s\" chunks=\"%u\" "
            "recompute=\"full\"",
            c.m, c.p, c.pipeline, c.v);
        auto b = build("gpt3-175b.xml", attrs, c.p);
        ASSERT_EQ(b->src, TESS_OK) << attrs << ": " << b->errors;
        // uniform passes: a chunk's forward takes 1, its backward 2
        double ideal = 0;
        const double makespan = tess_schedule_critical_path(&b->s, 1.0, 2.0, &ideal);
        ASSERT_GT(makespan, 0) << attrs;
        const double expected = double(c.p - 1) / (c.v * c.m + c.p - 1);
        EXPECT_NEAR(1 - ideal / makespan, expected, 1e-9) << attrs;
    }
}

TEST(ScheduleCollectives, TextbookMessageCounts)
{
    uint64_t msgs, bytes;
    const uint64_t S = 1 << 24;
    for (uint32_t n : {2u, 4u, 8u, 16u}) {
        tess_collective_cost(TESS_ALL_REDUCE, TESS_ALGO_RING, n, 1, S, &msgs, &bytes);
        EXPECT_EQ(msgs, 2ull * (n - 1));
        EXPECT_EQ(bytes, 2ull * (n - 1) * (S / n));
        tess_collective_cost(TESS_REDUCE_SCATTER, TESS_ALGO_RING, n, 1, S, &msgs, &bytes);
        EXPECT_EQ(msgs, n - 1ull);
        EXPECT_EQ(bytes, (n - 1ull) * (S / n));
        tess_collective_cost(TESS_ALL_GATHER, TESS_ALGO_RING, n, 1, S, &msgs, &bytes);
        EXPECT_EQ(msgs, n - 1ull);
        EXPECT_EQ(bytes, (n - 1ull) * (S / n));
    }
    // 2-D on 4 x 4: reduce-scatter along a row (3 steps of S/4), all-reduce the quarter
    // along a column (6 steps of S/16), all-gather along the row (3 steps of S/4)
    tess_collective_cost(TESS_ALL_REDUCE, TESS_ALGO_2D, 16, 4, S, &msgs, &bytes);
    EXPECT_EQ(msgs, 3u + 6u + 3u);
    EXPECT_EQ(bytes, 3 * (S / 4) + 6 * (S / 16) + 3 * (S / 4));
    // one die: nothing to send
    tess_collective_cost(TESS_ALL_REDUCE, TESS_ALGO_RING, 1, 1, S, &msgs, &bytes);
    EXPECT_EQ(msgs, 0u);
}

TEST(ScheduleCollectives, ZeroThreeMovesHalfAgainTheBytesOfDataParallelism)
{
    // Rajbhandari et al. 2020, section 7: data parallelism all-reduces the gradients (2 x
    // the parameters' bytes an iteration, as a reduce-scatter and an all-gather); ZeRO-1
    // and -2 move the same; ZeRO-3 gathers the weights for the forward and again for the
    // backward and reduce-scatters the gradients: 3 x. A ring moves (n - 1)/n of a buffer
    // per die in each of them. GPT 1.3B on 16 dies, DP 16, one micro-batch per rank:
    // Psi = 24 (12h^2 + 13h) + V h + s h (learned positions) + 2h (final norm; the output
    // layer is the token table's copy), 2 bytes each.
    const double h = 2048, V = 51200, sq = 2048, n = 16;
    const double psi = 2 * (24 * (12 * h * h + 13 * h) + V * h + sq * h + 2 * h);
    double sent[4] = {0, 0, 0, 0};
    for (unsigned z = 0; z < 4; z++) {
        auto b = build("gpt-1.3b.xml",
                       "global-batch=\"16\" micro-batch=\"1\" dp=\"16\" zero=\"" +
                           std::to_string(z) + "\"",
                       16);
        ASSERT_EQ(b->src, TESS_OK) << b->errors;
        ASSERT_EQ(b->s.microbatches, 1u);
        for (uint32_t i = 0; i < b->s.n_colls; i++)
            if (b->s.colls[i].axis == TESS_AXIS_DP)
                sent[z] += double(b->s.colls[i].call_bytes_sent) *
                           double(tess_coll_calls(&b->s, &b->s.colls[i], 0));
        // ZeRO-3 keeps no collective for the tail: the optimizer's op alone
        if (z == 3) {
            EXPECT_EQ(b->s.dp_coll, -1);
        }
    }
    // ring shares are whole bytes: within one byte a call
    EXPECT_NEAR(sent[0] / (2 * psi * (n - 1) / n), 1.0, 1e-6);
    EXPECT_NEAR(sent[1] / (2 * psi * (n - 1) / n), 1.0, 1e-6);
    EXPECT_NEAR(sent[2] / (2 * psi * (n - 1) / n), 1.0, 1e-6);
    EXPECT_NEAR(sent[3] / (3 * psi * (n - 1) / n), 1.0, 1e-6);
    // with m micro-batches ZeRO-2 and -3 move their in-pass collectives m times (as
    // DeepSpeed and FSDP do when accumulating gradients in shards): 4 here
    auto m4 =
        build("gpt-1.3b.xml", "global-batch=\"64\" micro-batch=\"1\" dp=\"16\" zero=\"3\"", 16);
    ASSERT_EQ(m4->src, TESS_OK) << m4->errors;
    double sent4 = 0;
    for (uint32_t i = 0; i < m4->s.n_colls; i++)
        sent4 += double(m4->s.colls[i].call_bytes_sent) *
                 double(tess_coll_calls(&m4->s, &m4->s.colls[i], 0));
    EXPECT_NEAR(sent4 / (4 * 3 * psi * (n - 1) / n), 1.0, 1e-6);
}

TEST(ScheduleFlops, FlashAttentionSkipsTheBlocksTheCausalMaskEmpties)
{
    // GPT 1.3B (24 layers, h 2048, s 2048), 8 sequences on 4 dies (TP 2 x DP 2), no
    // recomputation: the model's FLOPs count every score (4 b s^2 h a layer's forward,
    // Narayanan et al. 2021), a materialized attention computes them all and masks after,
    // a fused (flash) one only the causal half: 3 passes x 8 x 24 x 2 s^2 h fewer FLOPs.
    const double B = 8, l = 24, s = 2048, h = 2048;
    const std::string common = "global-batch=\"8\" micro-batch=\"2\" tp=\"2\" dp=\"2\" ";
    auto full = build("gpt-1.3b.xml", common + "attention=\"materialized\"", 4);
    auto flash = build("gpt-1.3b.xml", common + "attention=\"flash\"", 4);
    ASSERT_EQ(full->src, TESS_OK) << full->errors;
    ASSERT_EQ(flash->src, TESS_OK) << flash->errors;
    EXPECT_NEAR(flash->s.model_flops / full->s.model_flops, 1.0, 1e-12);
    EXPECT_NEAR((full->s.hardware_flops - flash->s.hardware_flops) / (3 * B * l * 2 * s * s * h),
                1.0, 1e-9);
    // and what the dies execute (the stages' counts, every die alike here) is that
    const double executed = flash->s.stages[0].flops * 4;
    EXPECT_NEAR(executed / flash->s.hardware_flops, 1.0, 1e-9);
}

TEST(ScheduleFlops, Fp8RunsTheLinearLayersOnFp8OperandsAndPaysTheirCasts)
{
    // Llama 2 7B (h 4096, f 11008, SwiGLU, 32 layers, s 4096) on a DGX H100, TP 8, bf16,
    // micro-batch 1: T = 4096 tokens. With fp8 on, the linear layers' GEMMs (QKV, projection,
    // MLP up and down) take fp8 operands and the attention core and logits do not; each
    // such GEMM's input is cast before it (e + 2 = 4 bytes an element: read bf16, write fp8
    // and its transpose): forward the activations X of QKV (T x h), the projection (T x h/8),
    // MLP up (T x h) and down (T x f/8); backward the output gradients of QKV (T x 3h/8),
    // the projection (T x h), up (T x 2f/8) and down (T x h). The weights' casts, 4 bytes a
    // layer parameter of the die, go with the optimizer step once an iteration.
    const double T = 4096, h = 4096, f = 11008, t = 8;
    const std::string common = "global-batch=\"1\" micro-batch=\"1\" tp=\"8\" ";
    auto bf = build("llama2-7b.xml", common, 8, "file:" + source_path("platforms/dgx-h100.xml"));
    auto f8 = build("llama2-7b.xml", common + "fp8=\"on\"", 8,
                    "file:" + source_path("platforms/dgx-h100.xml"));
    ASSERT_EQ(bf->src, TESS_OK) << bf->errors;
    ASSERT_EQ(f8->src, TESS_OK) << f8->errors;
    int linear = 0, other = 0;
    for (uint32_t g = 0; g < f8->s.fwd.n; g++) {
        const tess_op_group &x = f8->s.fwd.groups[g];
        if (x.kind != TESS_OP_GEMM) continue;
        const bool core = x.gk == 128 || x.gn == 128; // a head's dimension: QK^T, PV
        EXPECT_EQ(x.fp8, core ? 0 : 1) << x.gm << "x" << x.gn << "x" << x.gk;
        (core ? other : linear)++;
    }
    EXPECT_EQ(linear, 4);
    EXPECT_EQ(other, 2);
    for (uint32_t g = 0; g < f8->s.logits_fwd.n; g++)
        EXPECT_EQ(f8->s.logits_fwd.groups[g].fp8, 0);
    auto vector_bytes = [](const tess_template &x) {
        double b = 0;
        for (uint32_t g = 0; g < x.n; g++)
            if (x.groups[g].kind == TESS_OP_VECTOR)
                b += double(x.groups[g].count * x.groups[g].bytes_each);
        return b;
    };
    EXPECT_EQ(vector_bytes(f8->s.fwd) - vector_bytes(bf->s.fwd), 4 * T * (h + h / t + h + f / t));
    EXPECT_EQ(vector_bytes(f8->s.bwd) - vector_bytes(bf->s.bwd),
              4 * T * (3 * h / t + h + 2 * f / t + h));
    EXPECT_EQ(double(f8->s.stages[0].optimizer_bytes - bf->s.stages[0].optimizer_bytes),
              4.0 * 32 * double(tess_model_layer_params(&f8->w.model)) / t);
    // an fp8 GEMM reads its operands a byte an element: QKV's A (T x h) and B (h x 3h/8),
    // its bf16 output (T x 3h/8) two
    for (uint32_t g = 0; g < f8->s.fwd.n; g++) {
        const tess_op_group &x = f8->s.fwd.groups[g];
        if (x.kind == TESS_OP_GEMM && x.gn == 3 * 4096 / 8) {
            EXPECT_EQ(double(x.dram_each), T * h + h * 3 * h / t + 2 * T * 3 * h / t);
        }
    }
    // the same FLOPs, in less time on the H100's fp8 ceiling; refused where there is none
    EXPECT_NEAR(f8->s.hardware_flops / bf->s.hardware_flops, 1.0, 1e-12);
    auto a100 = build("llama2-7b.xml", common + "fp8=\"on\"", 8,
                      "file:" + source_path("platforms/dgx-a100.xml"));
    EXPECT_NE(a100->src, TESS_OK);
    EXPECT_NE(a100->errors.find("no fp8 GEMM rate"), std::string::npos) << a100->errors;
    auto fp32 = build("llama2-7b.xml", common + "fp8=\"on\" dtype=\"fp32\"", 8,
                      "file:" + source_path("platforms/dgx-h100.xml"));
    EXPECT_NE(fp32->wrc, TESS_OK);
    EXPECT_NE(fp32->errors.find("'fp8'"), std::string::npos) << fp32->errors;
}

TEST(ScheduleCollectives, ContextParallelismPassesEachRanksKVBlockRoundItsRing)
{
    // Llama 2 7B (h 4096, 32 heads of 128, no GQA, s 4096) on 16 dies, TP 2 x CP 4 x DP 2,
    // flash attention: each rank holds s/cp = 1024 tokens of a sequence, and its K/V block
    // (its 16 heads' keys and values) is b (s/cp) 2 (h/tp) e = 1 x 1024 x 2 x 2048 x 2 =
    // 8 MiB. A layer's forward and backward each send cp - 1 = 3 such blocks round the ring,
    // and the backward cp = 4 of their dK/dV partials (round and home). The model's FLOPs
    // are the same job's without context parallelism; the weights per die too; activations
    // a quarter (every term of a layer's is linear in the die's tokens with flash attention).
    const double b = 1, s = 4096, h = 4096, e = 2, tp = 2, cp = 4, layers = 32;
    const std::string common = "global-batch=\"4\" micro-batch=\"1\" tp=\"2\" attention=\"flash\" ";
    auto ring = build("llama2-7b.xml", common + "dp=\"2\" cp=\"4\"", 16);
    auto flat = build("llama2-7b.xml", common + "dp=\"2\"", 4);
    ASSERT_EQ(ring->src, TESS_OK) << ring->errors;
    ASSERT_EQ(flat->src, TESS_OK) << flat->errors;
    const tess_schedule &x = ring->s;
    EXPECT_EQ(x.microbatches, 2u);
    const tess_coll_use *kv = nullptr, *dkv = nullptr, *grad = nullptr;
    for (uint32_t i = 0; i < x.n_colls; i++) {
        const tess_coll_use &c = x.colls[i];
        if (c.axis == TESS_AXIS_CP) (kv ? dkv : kv) = &c;
        if (i == uint32_t(x.dp_coll)) grad = &c;
    }
    ASSERT_NE(kv, nullptr);
    ASSERT_NE(dkv, nullptr);
    ASSERT_NE(grad, nullptr);
    const double block = b * (s / cp) * 2 * (h / tp) * e;
    EXPECT_EQ(kv->kind, TESS_SEND_RECV);
    EXPECT_EQ(kv->group, 4u);
    EXPECT_EQ(double(kv->call_bytes_sent), block);
    EXPECT_EQ(kv->call_messages, 1u);
    EXPECT_EQ(double(dkv->call_bytes_sent), block);
    // per iteration: 2 micro-batches x 32 layers x (3 forward + 3 backward), and x 4
    const double passes = double(x.microbatches) * layers;
    EXPECT_EQ(double(tess_coll_calls(&x, kv, 0)), passes * 2 * (cp - 1));
    EXPECT_EQ(double(tess_coll_calls(&x, dkv, 0)), passes * cp);
    // the templates start them where the ring steps are: cp - 1 blocks a pass each way
    auto started = [&](const tess_template &t, const tess_coll_use *c) {
        uint64_t n = 0;
        for (uint32_t g = 0; g < t.n; g++)
            if (t.groups[g].async == TESS_ASYNC_START && &x.colls[t.groups[g].coll] == c)
                n += t.groups[g].count;
        return double(n);
    };
    EXPECT_EQ(started(x.fwd, kv), cp - 1);
    EXPECT_EQ(started(x.bwd, kv), cp - 1);
    EXPECT_EQ(started(x.bwd, dkv), cp);
    // the gradients are reduced over the data-parallel axis's dp x cp ranks
    EXPECT_EQ(grad->group, 8u);
    // each ring is cp consecutive replicas of that axis (rank = t + tp x replica here)
    for (uint32_t r = 0; r < 16; r++)
        EXPECT_EQ(tess_ring_next(&x, TESS_AXIS_CP, r) / 8, r / 8) << r;
    EXPECT_NEAR(x.model_flops / flat->s.model_flops, 1.0, 1e-12);
    EXPECT_NEAR(x.hardware_flops / flat->s.hardware_flops, 1.0, 1e-12);
    EXPECT_EQ(x.stages[0].params, flat->s.stages[0].params);
    EXPECT_NEAR(double(x.stages[0].activation_bytes_per_layer) /
                    double(flat->s.stages[0].activation_bytes_per_layer),
                1 / cp, 1e-6);
    // what it cannot do is named
    for (const char *bad : {"dp=\"2\" cp=\"3\"", "dp=\"2\" cp=\"4\" attention=\"materialized\"",
                            "dp=\"2\" cp=\"4\" tp-style=\"2d\""}) {
        std::string attrs = "global-batch=\"4\" micro-batch=\"1\" tp=\"2\" " + std::string(bad);
        if (attrs.find("attention") == std::string::npos) attrs += " attention=\"flash\"";
        auto y = build("llama2-7b.xml", attrs, 16);
        EXPECT_NE(y->wrc, TESS_OK) << bad;
        EXPECT_NE(y->errors.find("'cp'"), std::string::npos) << y->errors;
    }
    auto moe = build("gpt-1.3b-moe8.xml",
                     "global-batch=\"8\" micro-batch=\"1\" dp=\"4\" ep=\"2\" cp=\"2\" "
                     "attention=\"flash\"",
                     8);
    EXPECT_NE(moe->wrc, TESS_OK);
    EXPECT_NE(moe->errors.find("expert parallelism"), std::string::npos) << moe->errors;
}

TEST(ScheduleCollectives, ADrawnRoutingLoadsTheBusiestExpertAsItsZipfShare)
{
    // gpt-1.3b-moe8 (E = 8, top-2) with expert-skew 1: expert i takes a copy with p_i =
    // (1/i) / H_8, H_8 = 761/280; the EP group of 4 routes n = 4 x 4096 x 2 copies a layer,
    // so the busiest expert holds about n p_1 (its spread sqrt(n p_1 (1 - p_1)) is 0.7% of it,
    // averaged over 24 layers: 0.15%) and the load over the mean n / E is 8 p_1 = 2240/761.
    // The dispatch all-to-all carries T k h e x that load, as with expert-imbalance stated.
    const double T = 2 * 2048, k = 2, h = 2048, e = 2, want = 8 * 280.0 / 761;
    const std::string common = "global-batch=\"32\" micro-batch=\"2\" dp=\"16\" ep=\"4\" ";
    auto load_of = [&](const std::string &attrs) {
        auto b = build("gpt-1.3b-moe8.xml", common + attrs, 16);
        EXPECT_EQ(b->src, TESS_OK) << b->errors;
        for (uint32_t i = 0; i < b->s.n_colls; i++)
            if (b->s.colls[i].kind == TESS_ALL_TO_ALL)
                return double(b->s.colls[i].bytes) / (T * k * h * e);
        return -1.0;
    };
    const double a = load_of("expert-skew=\"1\""), b = load_of("expert-skew=\"1\""),
                 c = load_of("expert-skew=\"1\" routing-seed=\"99\"");
    EXPECT_NEAR(a / want, 1.0, 0.01);
    EXPECT_EQ(a, b); // the same seed, the same draw
    EXPECT_NE(a, c);
    EXPECT_NEAR(c / want, 1.0, 0.01);
    EXPECT_NEAR(load_of(""), 1.0, 1e-6); // balanced
    auto both = build("gpt-1.3b-moe8.xml", common + "expert-skew=\"1\" expert-imbalance=\"2\"", 16);
    EXPECT_NE(both->wrc, TESS_OK);
    EXPECT_NE(both->errors.find("'expert-skew'"), std::string::npos) << both->errors;
}

TEST(ScheduleCollectives, ExpertParallelismDispatchesEachTokensCopiesToTheirExperts)
{
    // gpt-1.3b-moe8 on 16 dies, DP 16 in groups of EP 4: each die holds 8/4 experts per
    // layer and runs them on the tokens its 4 ranks route there. Per layer and micro-batch
    // of T = b s tokens, a die's dispatch all-to-all sends its T k h e bytes but the 1/ep
    // that stays: T k h e (ep - 1)/ep (balanced routing), and the combine the same back;
    // forward and backward: 4 calls a layer (6 with full recomputation).
    const double h = 2048, f = 8192, E = 8, k = 2, T = 2 * 2048, e = 2, ep = 4;
    for (const char *rec : {"none", "full"}) {
        auto base =
            build("gpt-1.3b-moe8.xml",
                  std::string("global-batch=\"32\" micro-batch=\"2\" dp=\"16\" recompute=\"") +
                      rec + "\"",
                  16);
        auto b = build("gpt-1.3b-moe8.xml",
                       std::string("global-batch=\"32\" micro-batch=\"2\" dp=\"16\" ep=\"4\" "
                                   "recompute=\"") +
                           rec + "\"",
                       16);
        ASSERT_EQ(b->src, TESS_OK) << b->errors;
        ASSERT_EQ(base->src, TESS_OK) << base->errors;
        const tess_coll_use *a2a = nullptr;
        for (uint32_t i = 0; i < b->s.n_colls; i++)
            if (b->s.colls[i].kind == TESS_ALL_TO_ALL) a2a = &b->s.colls[i];
        ASSERT_NE(a2a, nullptr);
        EXPECT_EQ(a2a->group, 4u);
        EXPECT_EQ(double(a2a->call_bytes_sent), T * k * h * e * (ep - 1) / ep);
        const double passes = std::string(rec) == "full" ? 3 : 2;
        EXPECT_EQ(double(tess_coll_calls(&b->s, a2a, 0)),
                  2 * passes * 24 * double(b->s.microbatches));
        // the same work, each die holding 6 fewer experts of 2 h f (+ f + h biases) a layer
        EXPECT_NEAR(b->s.hardware_flops / base->s.hardware_flops, 1.0, 1e-12);
        EXPECT_EQ(double(base->s.stages[0].params - b->s.stages[0].params),
                  24 * (E - E / ep) * (2 * h * f + f + h));
        // each group of ep consecutive replicas: rank r's next is in its own group
        for (uint32_t r = 0; r < 16; r++)
            EXPECT_EQ(tess_ring_next(&b->s, TESS_AXIS_EP, r) / 4, r / 4) << r;
    }
    // bad degrees are named
    for (const char *bad :
         {"dp=\"16\" ep=\"3\"", "dp=\"16\" ep=\"16\"", "dp=\"16\" ep=\"4\" zero=\"3\""}) {
        auto x = build("gpt-1.3b-moe8.xml",
                       std::string("global-batch=\"32\" micro-batch=\"2\" ") + bad, 16);
        EXPECT_NE(x->wrc, TESS_OK) << bad;
        EXPECT_NE(x->errors.find("'ep'"), std::string::npos) << x->errors;
    }
    auto dense =
        build("gpt-1.3b.xml", "global-batch=\"32\" micro-batch=\"2\" dp=\"16\" ep=\"4\"", 16);
    EXPECT_NE(dense->wrc, TESS_OK);
    EXPECT_NE(dense->errors.find("needs a mixture of experts"), std::string::npos) << dense->errors;
}

TEST(ScheduleCollectives, AnExpertGroupOverNodesGoesAcrossThenInside)
{
    // 4 DGX H100 nodes, TP 2 x DP 16: each node holds 4 data-parallel replicas, so an EP
    // group of 8 spans two nodes. Hierarchically (the default) its all-to-all goes across
    // first, to the die of its own place in the other node (a group of 2, half the buffer
    // leaving), then inside the node (a group of 4, 3/4 leaving); flat, one group of 8.
    const std::string xml = "file:" + source_path("platforms/dgx-h100-cluster.xml");
    const double T = 1 * 2048, k = 2, h = 2048, e = 2, B = T * k * h * e;
    for (const char *how : {"hierarchical", "flat"}) {
        auto b = build("gpt-1.3b-moe8.xml",
                       std::string("global-batch=\"32\" micro-batch=\"1\" tp=\"2\" dp=\"16\" "
                                   "ep=\"8\" rank-order=\"tp-dp-pp\" ep-all-to-all=\"") +
                           how + "\"",
                       32, xml);
        ASSERT_EQ(b->src, TESS_OK) << b->errors;
        ASSERT_EQ(b->s.placement.dp_local, 4u);
        std::vector<const tess_coll_use *> a2a;
        for (uint32_t i = 0; i < b->s.n_colls; i++)
            if (b->s.colls[i].kind == TESS_ALL_TO_ALL) a2a.push_back(&b->s.colls[i]);
        if (std::string(how) == "flat") {
            ASSERT_EQ(a2a.size(), 1u);
            EXPECT_EQ(a2a[0]->group, 8u);
            EXPECT_EQ(double(a2a[0]->call_bytes_sent), B * 7 / 8);
            continue;
        }
        ASSERT_EQ(a2a.size(), 2u);
        EXPECT_EQ(a2a[0]->axis, TESS_AXIS_EP_CROSS);
        EXPECT_EQ(a2a[0]->group, 2u);
        EXPECT_EQ(double(a2a[0]->call_bytes_sent), B / 2);
        EXPECT_EQ(a2a[1]->axis, TESS_AXIS_DP_LOCAL);
        EXPECT_EQ(a2a[1]->group, 4u);
        EXPECT_EQ(double(a2a[1]->call_bytes_sent), B * 3 / 4);
        // across: the same TP index and place in the node, the group's other node
        for (uint32_t r = 0; r < 32; r++) {
            const uint32_t x = tess_ring_next(&b->s, TESS_AXIS_EP_CROSS, r);
            EXPECT_EQ(x % 8, r % 8) << r;
            EXPECT_EQ(x / 16, r / 16) << r;
            EXPECT_NE(x / 8, r / 8) << r;
        }
    }
}

// DeepEP's dispatch (DeepSeek-V3 sections 3.2.2 and 3.3): with each token's experts on at
// most one of the EP group's two nodes (ep-node-limit 1), its copy crosses once (b s h
// elements across instead of b s k h) and is fanned out to its k experts inside; dispatched
// in fp8 with a 4-byte scale per 128 elements (1 + 4/128 bytes an element), combined in the
// dtype. Four collectives, each once a pass in every MoE layer: dispatch across then inside,
// combine inside then across.
TEST(ScheduleCollectives, DeepEpDispatchCrossesOnceADomainAndInFp8)
{
    const std::string xml = "file:" + source_path("platforms/dgx-h100-cluster.xml");
    const double T = 2048, k = 2, h = 2048, e = 2, fp8 = 1 + 4.0 / 128;
    auto b = build("gpt-1.3b-moe8.xml",
                   "global-batch=\"32\" micro-batch=\"1\" tp=\"2\" dp=\"16\" ep=\"8\" "
                   "rank-order=\"tp-dp-pp\" fp8=\"on\" ep-node-limit=\"1\" "
                   "ep-dispatch-fp8=\"on\"",
                   32, xml);
    ASSERT_EQ(b->src, TESS_OK) << b->errors;
    std::vector<const tess_coll_use *> a2a;
    for (uint32_t i = 0; i < b->s.n_colls; i++)
        if (b->s.colls[i].kind == TESS_ALL_TO_ALL) a2a.push_back(&b->s.colls[i]);
    ASSERT_EQ(a2a.size(), 4u);
    // {group, bytes a call sends}: across a group of 2 (half leaves), inside one of 4 (3/4)
    const double expect[4][2] = {{2, T * 1 * h * fp8 / 2},
                                 {4, T * k * h * fp8 * 3 / 4},
                                 {4, T * k * h * e * 3 / 4},
                                 {2, T * 1 * h * e / 2}};
    const uint64_t calls = 2 * b->s.microbatches * 24; // forward and backward, 24 layers
    for (int i = 0; i < 4; i++) {
        EXPECT_EQ(a2a[i]->group, uint32_t(expect[i][0])) << i;
        EXPECT_EQ(double(a2a[i]->call_bytes_sent), expect[i][1]) << i;
        EXPECT_EQ(tess_coll_calls(&b->s, a2a[i], 0), calls) << i;
    }
    EXPECT_EQ(a2a[0]->axis, TESS_AXIS_EP_CROSS);
    EXPECT_EQ(a2a[3]->axis, TESS_AXIS_EP_CROSS);
    // a limit needs the hierarchical all-to-all; fp8 dispatch needs fp8 GEMMs
    for (const char *bad :
         {"ep-node-limit=\"1\" ep-all-to-all=\"flat\"", "ep-dispatch-fp8=\"on\""}) {
        auto r = build("gpt-1.3b-moe8.xml",
                       std::string("global-batch=\"32\" micro-batch=\"1\" tp=\"2\" dp=\"16\" "
                                   "ep=\"8\" ") +
                           bad,
                       32, xml);
        EXPECT_NE(r->wrc, TESS_OK) << bad;
        EXPECT_NE(r->errors.find(std::string(bad).substr(0, 8)), std::string::npos) << r->errors;
    }
}

TEST(ScheduleCollectives, AnExpertLoadOverTheMeanSizesTheExpertsWorkAndAllToAlls)
{
    // The same job as above with the busiest expert taking 1.5 x the mean (dropless: every
    // die timed as the one holding it), or a capacity of 1.25 x the mean (every expert's
    // buffer computed and exchanged whole, whatever the imbalance): the all-to-all sends
    // load x T k h e (ep - 1)/ep, and each layer's experts compute load x T k tokens in
    // GEMMs of 2 x 2 h f FLOPs a token (GeLU) in the forward, twice that backward, the
    // excess over T k counted as hardware FLOPs.
    const double h = 2048, f = 8192, k = 2, T = 2 * 2048, e = 2, ep = 4, layers = 24;
    struct Case {
        const char *attrs;
        double load;
    } cases[] = {{"expert-imbalance=\"1.5\"", 1.5},
                 {"expert-imbalance=\"2\" capacity-factor=\"1.25\"", 1.25}};
    for (const Case &c : cases) {
        auto b = build(
            "gpt-1.3b-moe8.xml",
            std::string("global-batch=\"32\" micro-batch=\"2\" dp=\"16\" ep=\"4\" ") + c.attrs, 16);
        ASSERT_EQ(b->src, TESS_OK) << b->errors;
        const tess_coll_use *a2a = nullptr;
        for (uint32_t i = 0; i < b->s.n_colls; i++)
            if (b->s.colls[i].kind == TESS_ALL_TO_ALL) a2a = &b->s.colls[i];
        ASSERT_NE(a2a, nullptr);
        EXPECT_NEAR(double(a2a->call_bytes_sent) / (c.load * T * k * h * e * (ep - 1) / ep), 1.0,
                    1e-6)
            << c.attrs;
        const double m = b->s.microbatches, dp = 16;
        const double excess = (c.load - 1) * T * k * 2 * (2 * h * f);
        EXPECT_NEAR((b->s.hardware_flops - b->s.model_flops) / (3 * m * dp * layers * excess), 1.0,
                    1e-6)
            << c.attrs;
        double sum = 0;
        for (uint32_t i = 0; i < b->s.pp; i++)
            sum += b->s.stages[i].flops * b->w.tp * b->w.dp;
        EXPECT_NEAR(sum / b->s.hardware_flops, 1.0, 1e-9) << c.attrs;
    }
    auto bad = build("gpt-1.3b-moe8.xml",
                     "global-batch=\"32\" micro-batch=\"2\" dp=\"16\" capacity-factor=\"0.5\"", 16);
    EXPECT_NE(bad->wrc, TESS_OK);
    EXPECT_NE(bad->errors.find("capacity-factor"), std::string::npos) << bad->errors;
    auto dense =
        build("gpt-1.3b.xml",
              "global-batch=\"32\" micro-batch=\"2\" dp=\"16\" expert-imbalance=\"2\"", 16);
    EXPECT_NE(dense->wrc, TESS_OK);
}

TEST(ScheduleCollectives, MegatronLayersCarryTwoAllReducesEachWay)
{
    // no sequence parallelism, no recomputation: 2 all-reduces forward and 2 backward
    // per layer and micro-batch, of b s h elements
    auto b = build("megatron-22b.xml", "global-batch=\"4\" micro-batch=\"1\" tp=\"8\"", 8);
    ASSERT_EQ(b->src, TESS_OK) << b->errors;
    ASSERT_GE(b->s.n_colls, 1u);
    const tess_coll_use &c = b->s.colls[0];
    EXPECT_STREQ(c.what, "tp all-reduce");
    EXPECT_EQ(c.calls, 4u * 48 * 4);
    EXPECT_EQ(c.bytes, 2048ull * 6144 * 2);
    EXPECT_EQ(c.messages, c.calls * 2 * 7);
}

// Megatron's scatter/gather of pipeline messages (Narayanan et al. 2021, section 4.1): a
// stage boundary's activation (b s h elements) leaves each of the t tensor-parallel ranks
// as 1/t, and the receiving group all-gathers it: one all-gather of b s h elements after
// every receive. 22B (h 6144, s 2048), micro-batch 1, tp 4 x pp 2, 4 micro-batches in
// 1F1B: stage 0 receives the 4 backward messages, stage 1 the 4 forward ones. Off: each
// rank sends the whole activation, nothing to gather. With sequence parallelism the
// activation stays split along the sequence: 1/t sent, nothing gathered.
TEST(ScheduleCollectives, PipelineMessagesAreScatteredAndGathered)
{
    const uint64_t act = 2048ull * 6144 * 2;
    const std::string job = "global-batch=\"4\" micro-batch=\"1\" tp=\"4\" pp=\"2\"";
    auto on = build("megatron-22b.xml", job, 8);
    ASSERT_EQ(on->src, TESS_OK) << on->errors;
    EXPECT_EQ(on->s.activation_message_bytes, act / 4);
    ASSERT_GE(on->s.recv_coll, 0);
    const tess_coll_use &g = on->s.colls[on->s.recv_coll];
    EXPECT_EQ(g.kind, TESS_ALL_GATHER);
    EXPECT_EQ(g.group, 4u);
    EXPECT_EQ(g.bytes, act);
    EXPECT_EQ(tess_coll_calls(&on->s, &g, 0), 4u);
    EXPECT_EQ(tess_coll_calls(&on->s, &g, 1), 4u);
    EXPECT_EQ(g.call_messages, 3u); // a ring all-gather over 4: 3 steps of act / 4
    auto off = build("megatron-22b.xml", job + " pipeline-scatter-gather=\"off\"", 8);
    ASSERT_EQ(off->src, TESS_OK) << off->errors;
    EXPECT_EQ(off->s.activation_message_bytes, act);
    EXPECT_EQ(off->s.recv_coll, -1);
    // each die runs 4 ops (all-gathers) fewer and sends 4 x 3 messages fewer
    EXPECT_EQ(on->s.stages[0].ops, off->s.stages[0].ops + 4);
    EXPECT_EQ(on->s.stages[1].messages, off->s.stages[1].messages + 4 * 3);
    auto sp = build("megatron-22b.xml", job + " sequence-parallel=\"on\"", 8);
    ASSERT_EQ(sp->src, TESS_OK) << sp->errors;
    EXPECT_EQ(sp->s.activation_message_bytes, act / 4);
    EXPECT_EQ(sp->s.recv_coll, -1);
}

TEST(ScheduleBadInput, EachIsAClearError)
{
    auto ranks = build("gpt-1.3b.xml", "global-batch=\"8\" micro-batch=\"1\" tp=\"2\" pp=\"2\"", 8);
    EXPECT_EQ(ranks->src, TESS_EINVAL);
    EXPECT_NE(ranks->errors.find("tp 2 x pp 2 x dp 1 = 4 ranks, but platform 'sw' has 8 live dies"),
              std::string::npos)
        << ranks->errors;
    auto mb = build("gpt-1.3b.xml", "global-batch=\"10\" micro-batch=\"4\"", 1);
    EXPECT_EQ(mb->wrc, TESS_EINVAL);
    EXPECT_NE(
        mb->errors.find(":2: <workload>: micro-batch 4 x dp 1 does not divide global-batch 10"),
        std::string::npos)
        << mb->errors;
    auto heads = build("gpt-1.3b.xml", "global-batch=\"8\" micro-batch=\"1\" tp=\"3\"", 3);
    EXPECT_EQ(heads->wrc, TESS_EINVAL);
    EXPECT_NE(heads->errors.find("the model's 16 heads are not divisible by tp 3"),
              std::string::npos)
        << heads->errors;
    auto missing = build("no-such-model.xml", "global-batch=\"8\" micro-batch=\"1\"", 1);
    EXPECT_EQ(missing->wrc, TESS_EINVAL);
    EXPECT_NE(missing->errors.find(":2: <workload> attribute 'model': cannot read"),
              std::string::npos)
        << missing->errors;
    // 175B on 8 dies of the switch's 1 TiB pool: 2.8 TB of weights and state do not fit
    auto big = build("gpt3-175b.xml", "global-batch=\"8\" micro-batch=\"1\" tp=\"8\"", 8,
                     switch_platform(8, true));
    EXPECT_EQ(big->src, TESS_ENOFIT); // valid input, infeasible job: its own status
    EXPECT_NE(big->errors.find("the model does not fit: die 'n.die0' (stage 0) needs"),
              std::string::npos)
        << big->errors;
    // all 8 dies' data placed in the one pool (1 TiB = 1100 GB): 8 x 405.2 GB = 3241 GB
    // needed there, nothing left for die 0 beside the other seven
    EXPECT_NE(big->errors.find("but has 0 GB left in its home memory 'pool' (1100 GB, 3241 GB "
                               "of it needed by the dies placed there"),
              std::string::npos)
        << big->errors;
}

TEST(ScheduleBundled, EveryBundledJobBuildsOnItsPlatform)
{
    struct Job {
        const char *workload, *platform;
    } jobs[] = {{"default", "default"},
                {"korthikanti-22b-full", "dgx-a100"},
                {"korthikanti-22b-selective", "dgx-a100"},
                {"gpt3-175b-tp8-pp8", "wafer-8x8"},
                {"hecaton-2d-16", "hecaton-4x4"},
                {"mixtral-8x7b", "dgx-h100-cluster"}};
    for (const Job &j : jobs) {
        auto plat = load_file(source_path(std::string("platforms/") + j.platform + ".xml"));
        ASSERT_EQ(plat->rc, TESS_OK) << plat->errors;
        tess_workload w;
        tess_diag diag;
        tess_diag_init(&diag);
        std::string wpath = source_path(std::string("workloads/") + j.workload + ".xml");
        ASSERT_EQ(tess_workload_load(wpath.c_str(), nullptr, 0, nullptr, &w, &diag), TESS_OK);
        tess_schedule s;
        int rc = tess_schedule_build(&plat->p, &w, wpath.c_str(), &s, &diag);
        char *msg = tess_diag_join(&diag);
        EXPECT_EQ(rc, TESS_OK) << j.workload << ": " << msg;
        free(msg);
        tess_diag_free(&diag);
        tess_schedule_free(&s);
    }
}

TEST(ScheduleOps, TheCursorUnrollsExactlyTheCountedOps)
{
    // every stage's lazily unrolled op stream has the ops, FLOPs and pipeline traffic
    // the schedule counted, for each pipeline schedule and recomputation setting
    const char *cases[] = {
        "global-batch=\"8\" micro-batch=\"1\" tp=\"2\" pp=\"4\" pipeline=\"1f1b\" "
        "recompute=\"full\"",
        "global-batch=\"8\" micro-batch=\"1\" tp=\"2\" pp=\"4\" pipeline=\"interleaved\" "
        "chunks=\"2\" "
        "recompute=\"selective\" sequence-parallel=\"on\"",
        "global-batch=\"8\" micro-batch=\"2\" pp=\"2\" dp=\"4\" pipeline=\"gpipe\" zero=\"1\"",
        "global-batch=\"8\" micro-batch=\"1\" pp=\"2\" dp=\"4\" zero=\"2\"",
        "global-batch=\"8\" micro-batch=\"1\" pp=\"2\" dp=\"4\" zero=\"3\" recompute=\"full\"",
        "global-batch=\"8\" micro-batch=\"1\" tp=\"2\" dp=\"4\" zero=\"3\"",
        "moe global-batch=\"8\" micro-batch=\"1\" tp=\"2\" pp=\"2\" dp=\"2\" "
        "recompute=\"full\"",
    };
    for (const char *attrs : cases) {
        const bool moe = std::string(attrs).rfind("moe ", 0) == 0;
        if (moe) attrs += 4;
        auto b = build(moe ? "gpt-1.3b-moe8.xml" : "gpt-1.3b.xml", attrs, 8);
        ASSERT_EQ(b->src, TESS_OK) << attrs << ": " << b->errors;
        for (uint32_t st = 0; st < b->s.pp; st++) {
            tess_op_cursor c;
            tess_op_cursor_init(&c, &b->s, st);
            tess_op op;
            uint64_t n = 0, sends = 0, recvs = 0;
            double flops = 0;
            while (tess_op_next(&c, &op)) {
                n++;
                flops += op.flops;
                sends += op.kind == TESS_OP_SEND;
                recvs += op.kind == TESS_OP_RECV;
            }
            const tess_stage &S = b->s.stages[st];
            EXPECT_EQ(n, S.ops) << attrs << " stage " << st;
            EXPECT_NEAR(flops / S.flops, 1.0, 1e-9) << attrs << " stage " << st;
            // without interleaving, inner stages receive and send once per pass
            if (b->w.chunks == 1 && st > 0 && st + 1 < b->s.pp) {
                EXPECT_EQ(sends, 2ull * b->s.microbatches);
                EXPECT_EQ(recvs, 2ull * b->s.microbatches);
            }
        }
    }
}

namespace
{
// Bytes of one template's element-wise kernels (its vector ops).
double vector_bytes(const tess_template &t, uint64_t *kernels = nullptr)
{
    double bytes = 0;
    uint64_t n = 0;
    for (uint32_t i = 0; i < t.n; i++)
        if (t.groups[i].kind == TESS_OP_VECTOR) {
            bytes += double(t.groups[i].count) * double(t.groups[i].bytes_each);
            n += t.groups[i].count;
        }
    if (kernels) *kernels = n;
    return bytes;
}
} // namespace

// The 22B layer of Korthikanti et al. 2022 Table 4 on one of 8 GPUs (b 4, s 2048, h 6144,
// a 64, f 4h, fp16): the element-wise kernels' bytes written out by hand from the tensors
// each kernel reads and writes. A = bsh = 50,331,648 elements, S = b(a/t)s^2 =
// 134,217,728, H = bsf/t = 25,165,824; masks one byte an element.
TEST(ScheduleKernels, ElementwiseBytesFollowTheTensorsEachKernelTouches)
{
    const double A = 4.0 * 2048 * 6144, S = 4.0 * 8 * 2048 * 2048, H = 4.0 * 2048 * 24576 / 8;
    const std::string common = "global-batch=\"4\" micro-batch=\"4\" tp=\"8\" dtype=\"fp16\" ";
    // fused, scores materialized: LayerNorm x2 (2A each), softmax 2S, attention dropout
    // 2S + S mask, bias-dropout-add x2 (3A + A mask), bias-GeLU 2H; all x 2 bytes but masks
    auto fused = build("megatron-22b.xml", common, 8);
    ASSERT_EQ(fused->src, TESS_OK) << fused->errors;
    uint64_t kernels = 0;
    EXPECT_DOUBLE_EQ(vector_bytes(fused->s.fwd, &kernels), 2 * (2 * A * 2) + 2 * S * 2 +
                                                               (2 * S * 2 + S) +
                                                               2 * (3 * A * 2 + A) + 2 * H * 2);
    EXPECT_EQ(kernels, 7u);
    // backward: LayerNorm 3A x2 and its weight gradients 2A x2, softmax 3S, dropout
    // 2S + S, dropout 2A + A x2, residual sums 3A x2, GeLU 3H; bias gradients read the
    // output gradients of QKV (3h/t per token: 3A/8), the projection and MLP-down (A each)
    // and MLP-up (H)
    EXPECT_DOUBLE_EQ(vector_bytes(fused->s.bwd), 2 * (3 * A * 2) + 2 * (2 * A * 2) + 3 * S * 2 +
                                                     (2 * S * 2 + S) + 2 * (2 * A * 2 + A) +
                                                     2 * (3 * A * 2) + 3 * H * 2 +
                                                     (3 * A / 8 + 2 * A + H) * 2);
    // unfused: softmax as scale, mask, softmax (6S); bias, dropout, add apart (7A + A each);
    // bias and GeLU apart (4H)
    auto unfused = build("megatron-22b.xml", common + "fused-kernels=\"off\"", 8);
    ASSERT_EQ(unfused->src, TESS_OK) << unfused->errors;
    EXPECT_DOUBLE_EQ(vector_bytes(unfused->s.fwd, &kernels), 2 * (2 * A * 2) + 3 * (2 * S * 2) +
                                                                 (2 * S * 2 + S) +
                                                                 2 * (7 * A * 2 + A) + 4 * H * 2);
    EXPECT_EQ(kernels, 2u + 3 + 1 + 6 + 2);
    // flash attention: no s x s tensor anywhere; with sequence parallelism A is split 8 ways
    auto flash =
        build("megatron-22b.xml", common + "attention=\"flash\" sequence-parallel=\"on\"", 8);
    ASSERT_EQ(flash->src, TESS_OK) << flash->errors;
    EXPECT_DOUBLE_EQ(vector_bytes(flash->s.fwd),
                     2 * (2 * A / 8 * 2) + 2 * (3 * A / 8 * 2 + A / 8) + 2 * H * 2);
}

// A gpu die's kernels stream their operands from DRAM and write their outputs back: of a
// GEMM's bytes it writes C (M x N, none where C is the attention scores a flash kernel keeps
// on chip: s x s/2, the causal half), of an element-wise kernel's its output tensor (Megatron 22B
// on 8 H100s, TP 8, fused kernels, micro-batch 1: A = b s h, S = b (a/t) s^2, H = b s f / t
// elements, 2 bytes each, 1-byte dropout masks). Forward: LayerNorm x2 write A each, softmax S,
// attention dropout S and its mask, bias-dropout-add x2 A and a mask each, bias-GeLU H. Backward:
// the two LayerNorms' dx (A each; their weight gradients nothing), softmax S, attention dropout S,
// dropout x2 A each, residual sums x2 A each, GeLU H; bias gradients nothing.
TEST(ScheduleKernels, AGpuKernelWritesItsOutputTensor)
{
    const double A = 2048.0 * 6144, S = 8.0 * 2048 * 2048, H = 2048.0 * 24576 / 8;
    const std::string common = "global-batch=\"1\" micro-batch=\"1\" tp=\"8\" dtype=\"fp16\" ";
    const std::string h100 = "file:" + source_path("platforms/dgx-h100.xml");
    auto written = [](const tess_template &t, tess_op_kind kind) {
        double w = 0;
        for (uint32_t i = 0; i < t.n; i++)
            if (t.groups[i].kind == kind) {
                EXPECT_LE(t.groups[i].dram_write_each, t.groups[i].dram_each);
                w += double(t.groups[i].count) * double(t.groups[i].dram_write_each);
            }
        return w;
    };
    for (const char *attention : {"materialized", "flash"}) {
        auto b = build("megatron-22b.xml", common + "attention=\"" + attention + "\"", 8, h100);
        ASSERT_EQ(b->src, TESS_OK) << b->errors;
        const bool flash = std::string(attention) == "flash";
        const double scores = flash ? 0 : S;
        EXPECT_DOUBLE_EQ(written(b->s.fwd, TESS_OP_VECTOR),
                         2 * A * 2 + scores * 2 + (scores * 2 + scores) + 2 * (A * 2 + A) + H * 2)
            << attention;
        EXPECT_DOUBLE_EQ(written(b->s.bwd, TESS_OP_VECTOR), (6 * A + 2 * scores + H) * 2)
            << attention;
        for (const tess_template *t : {&b->s.fwd, &b->s.bwd, &b->s.logits_fwd, &b->s.logits_bwd})
            for (uint32_t i = 0; i < t->n; i++) {
                const tess_op_group &g = t->groups[i];
                if (g.kind != TESS_OP_GEMM) continue;
                // the scores: a flash kernel's causal half, s x s/2 (its keys up to each
                // query's on average), never written
                const bool on_chip =
                    flash && ((g.gm == 2048 && g.gn == 1024) || (g.gm == 1024 && g.gn == 2048));
                EXPECT_EQ(g.dram_write_each, on_chip ? 0 : g.gm * g.gn * g.gcount * 2)
                    << attention << " " << g.gm << "x" << g.gn << "x" << g.gk;
            }
    }
}

// Stages of different depths (stage-layers), as a 126-layer model needs on 16 stages:
// GPT 1.3B's 24 layers as 5, 7, 7, 5 over pp 4 (tp 4, 16 dies). A stage's layer work and
// parameters follow its own layers; the whole still adds up to the model's FLOPs.
TEST(ScheduleStages, UnevenStagesHoldTheirOwnLayers)
{
    auto even =
        build("gpt-1.3b.xml", "global-batch=\"16\" micro-batch=\"1\" tp=\"4\" pp=\"4\"", 16);
    auto odd = build("gpt-1.3b.xml",
                     "global-batch=\"16\" micro-batch=\"1\" tp=\"4\" pp=\"4\" "
                     "stage-layers=\"5,7,7,5\"",
                     16);
    ASSERT_EQ(even->src, TESS_OK) << even->errors;
    ASSERT_EQ(odd->src, TESS_OK) << odd->errors;
    const unsigned layers[4] = {5, 7, 7, 5};
    double total = 0;
    for (uint32_t st = 0; st < 4; st++) {
        const tess_stage &E = even->s.stages[st], &O = odd->s.stages[st];
        EXPECT_EQ(O.layers_per_chunk, layers[st]);
        // the layers' share of the FLOPs scales with the stage's layers (6 a stage when even);
        // the last stage's logits and the first stage's embedding are the same either way
        const double layer_flops =
            (E.flops - (st == 3 ? 16 * (even->s.logits_fwd.flops + even->s.logits_bwd.flops) : 0)) /
            6;
        const double extra = st == 3 ? O.flops - layers[st] * layer_flops : 0;
        EXPECT_NEAR(O.flops - extra, layers[st] * layer_flops, 1e-9 * O.flops) << st;
        EXPECT_EQ(O.params - (E.params - 6 * tess_model_layer_params(&odd->w.model) / 4),
                  layers[st] * tess_model_layer_params(&odd->w.model) / 4)
            << st;
        total += O.flops * 4; /* tp 4 dies a stage */
    }
    EXPECT_NEAR(total, odd->s.hardware_flops, 1e-9 * total);
    // the tensor-parallel collectives are called in proportion to a stage's layers
    for (uint32_t i = 0; i < odd->s.n_colls; i++) {
        if (!odd->s.colls[i].per_layer) continue;
        EXPECT_EQ(tess_coll_calls(&odd->s, &odd->s.colls[i], 1) * 5,
                  tess_coll_calls(&odd->s, &odd->s.colls[i], 0) * 7);
    }
}

// layer-split="uniform": GPT 1.3B's 24 layers over pp 5 go 5, 5, 5, 5, 4 (24 = 5 x 4 + 4: the
// first four stages one more), over pp 7 as 4, 4, 4, 3, 3, 3, 3 (24 = 7 x 3 + 3); interleaved
// with 2 chunks over pp 5, each chunk position's 12 layers as 3, 3, 2, 2, 2 (12 = 5 x 2 + 2),
// so 6, 6, 4, 4, 4 a stage. The stages hold every layer: the FLOPs are the even split's
// (pp 4), and the schedule is the one the listed stage-layers give.
TEST(ScheduleStages, AUniformSplitSpreadsTheLayersAsEvenlyAsTheyGo)
{
    struct {
        const char *attrs;
        uint32_t pp;
        std::vector<unsigned> layers;
    } cases[] = {
        {"pp=\"5\" global-batch=\"35\"", 5, {5, 5, 5, 5, 4}},
        {"pp=\"7\" global-batch=\"35\"", 7, {4, 4, 4, 3, 3, 3, 3}},
        {"pp=\"5\" pipeline=\"interleaved\" chunks=\"2\" global-batch=\"10\"", 5, {6, 6, 4, 4, 4}},
    };
    for (const auto &c : cases) {
        const std::string w = std::string("micro-batch=\"1\" tp=\"1\" ") + c.attrs;
        auto u = build("gpt-1.3b.xml", w + " layer-split=\"uniform\"", c.pp);
        ASSERT_EQ(u->src, TESS_OK) << c.attrs << ": " << u->errors;
        std::string list;
        for (unsigned l : c.layers)
            list += (list.empty() ? "" : ",") + std::to_string(l);
        auto listed = build("gpt-1.3b.xml", w + " stage-layers=\"" + list + "\"", c.pp);
        ASSERT_EQ(listed->src, TESS_OK) << listed->errors;
        for (uint32_t st = 0; st < c.pp; st++)
            EXPECT_EQ(u->s.stages[st].layers_per_chunk * u->w.chunks, c.layers[st])
                << c.attrs << " stage " << st;
        EXPECT_DOUBLE_EQ(u->s.hardware_flops, listed->s.hardware_flops) << c.attrs;
    }
    // every layer placed: the model's FLOPs are an even split's of the same batch
    auto u5 = build("gpt-1.3b.xml",
                    "global-batch=\"35\" micro-batch=\"1\" tp=\"1\" pp=\"5\" "
                    "layer-split=\"uniform\"",
                    5);
    auto e4 = build("gpt-1.3b.xml", "global-batch=\"35\" micro-batch=\"1\" tp=\"1\" pp=\"4\"", 4);
    ASSERT_EQ(u5->src, TESS_OK) << u5->errors;
    ASSERT_EQ(e4->src, TESS_OK) << e4->errors;
    EXPECT_NEAR(u5->s.model_flops, e4->s.model_flops, 1e-12 * e4->s.model_flops);
    // refused: with a list, and where a stage would hold no layer
    auto both = build("gpt-1.3b.xml",
                      "global-batch=\"16\" micro-batch=\"1\" tp=\"1\" pp=\"4\" "
                      "stage-layers=\"5,7,7,5\" layer-split=\"uniform\"",
                      4);
    EXPECT_NE(both->wrc, TESS_OK);
    EXPECT_NE(both->errors.find("give it or stage-layers, not both"), std::string::npos)
        << both->errors;
    auto thin = build("gpt-1.3b.xml",
                      "global-batch=\"32\" micro-batch=\"1\" tp=\"1\" pp=\"32\" "
                      "layer-split=\"uniform\"",
                      32);
    EXPECT_NE(thin->wrc, TESS_OK);
    EXPECT_NE(thin->errors.find("at least a layer a chunk"), std::string::npos) << thin->errors;
}

TEST(ScheduleStages, BadStageListsAreNamed)
{
    const std::string base = "global-batch=\"16\" micro-batch=\"1\" tp=\"4\" pp=\"4\" ";
    struct {
        const char *attrs, *expect;
    } cases[] = {
        {"stage-layers=\"5,7,12\"", "3 stages listed, but pp is 4"},
        {"stage-layers=\"5,7,7,6\"", "the stages hold 25 layers, but the model has 24"},
        {"stage-layers=\"5,7,7,5\" pipeline=\"interleaved\" chunks=\"2\"",
         "stage 0's 5 layers do not divide into its 2 chunks"},
        {"stage-layers=\"5,x,7,5\"", "not a list of whole numbers"},
    };
    for (const auto &c : cases) {
        auto b = build("gpt-1.3b.xml", base + c.attrs, 16);
        EXPECT_NE(b->wrc, TESS_OK) << c.attrs;
        EXPECT_NE(b->errors.find(c.expect), std::string::npos) << c.attrs << ": " << b->errors;
    }
}
