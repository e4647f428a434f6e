// Placement of parallel groups in the hierarchy: scopes of instances, rank orders, spans
// and the limits on them, hierarchical data-parallel collectives (bytes by level counted
// here from the ring sizes; times from the links' bandwidths), and intra-node traffic
// keeping to the node's switch.
#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "cli_run.h"
#include "platform_fixture.h"

extern "C" {
#include "config/workload.h"
#include "config/diag.h"
#include "model/placement.h"
#include "model/schedule.h"
}

namespace
{

struct Job {
    std::unique_ptr<Loaded> plat;
    tess_workload w{};
    tess_schedule s{};
    int rc = TESS_EINTERNAL;
    std::string errors;
    ~Job() { tess_schedule_free(&s); }
};

// A bundled platform (with its overrides) and workloads/default.xml with "workload.X"
// overrides; the schedule built.
std::unique_ptr<Job> build(const std::string &platform, const Overrides &pov, const Overrides &wov)
{
    auto j = std::make_unique<Job>();
    j->plat = load_file(source_path(platform), pov);
    EXPECT_EQ(j->plat->rc, TESS_OK) << j->plat->errors;
    std::vector<tess_override> ov;
    for (const auto &o : wov)
        ov.push_back({o.first.c_str(), o.second.c_str()});
    std::vector<int> used(ov.size() + 1);
    tess_diag diag;
    tess_diag_init(&diag);
    const std::string wl = source_path("workloads/default.xml");
    j->rc = tess_workload_load(wl.c_str(), ov.data(), ov.size(), used.data(), &j->w, &diag);
    if (j->rc == TESS_OK) j->rc = tess_schedule_build(&j->plat->p, &j->w, wl.c_str(), &j->s, &diag);
    char *joined = tess_diag_join(&diag);
    j->errors = joined;
    free(joined);
    tess_diag_free(&diag);
    return j;
}

std::string die_of(const Job &j, uint32_t rank)
{
    return j.plat->p.instances[j.s.die_of_rank[rank]].path;
}

} // namespace

TEST(Placement, LevelElementsAndDomainsAreScopes)
{
    // a node holding two packages of two dies, inside a cluster; a fifth die outside all
    auto L = load_xml(platform_doc(R"(
  <cluster name="c"><node name="n">
    <package name="p0"><instance name="a" type="d"/><instance name="b" type="d"/></package>
    <package name="p1"><instance name="a" type="d"/><instance name="b" type="d"/></package>
  </node></cluster>
  <instance name="x" type="d"/>
  <instance name="s" type="r"/>
  <connect from="c.n.p0.a" to="s" link="l"/><connect from="c.n.p0.b" to="s" link="l"/>
  <connect from="c.n.p1.a" to="s" link="l"/><connect from="c.n.p1.b" to="s" link="l"/>
  <connect from="x" to="s" link="l"/>)",
                                   "table"));
    ASSERT_EQ(L->rc, TESS_OK) << L->errors;
    const tess_platform *p = &L->p;
    auto span = [&](std::vector<std::string> names) {
        std::vector<uint32_t> d;
        for (const auto &n : names)
            d.push_back(L->instance(n));
        return tess_dies_span(p, d.data(), d.size());
    };
    EXPECT_EQ(span({"c.n.p0.a", "c.n.p0.b"}), TESS_SCOPE_PACKAGE);
    EXPECT_EQ(span({"c.n.p0.a", "c.n.p1.b"}), TESS_SCOPE_NODE); // no wafer: the node holds both
    EXPECT_EQ(span({"c.n.p0.a", "c.n.p0.b", "c.n.p1.a"}), TESS_SCOPE_NODE);
    EXPECT_EQ(span({"c.n.p0.a", "x"}), TESS_SCOPE_LEVELS); // nothing holds both: the platform
    EXPECT_EQ(span({"x"}), -1);

    // a fat-tree's domains are nodes: GPUs of one DGX share a node, of two do not
    auto F = load_file(source_path("platforms/dgx-h100-cluster.xml"), {{"nodes", "2"}});
    ASSERT_EQ(F->rc, TESS_OK) << F->errors;
    const uint32_t a[2] = {F->instance("c.d0.gpu0"), F->instance("c.d0.gpu7")};
    const uint32_t b[2] = {F->instance("c.d0.gpu0"), F->instance("c.d1.gpu0")};
    EXPECT_EQ(tess_dies_span(&F->p, a, 2), TESS_SCOPE_NODE);
    EXPECT_EQ(tess_dies_span(&F->p, b, 2), TESS_SCOPE_LEVELS);
}

TEST(Placement, RankOrdersPutTheFastestAxisOnConsecutiveDies)
{
    // 32 GPUs = tp 2 x pp 4 x dp 4: the die of rank (t, st, d) is the slot given by the
    // order's digits, fastest first
    const char *orders[] = {"tp-pp-dp", "pp-tp-dp", "tp-dp-pp", "dp-tp-pp", "pp-dp-tp", "dp-pp-tp"};
    const uint32_t tp = 2, pp = 4, dp = 4;
    for (const char *o : orders) {
        auto j = build("platforms/dgx-h100-cluster.xml", {{"nodes", "4"}},
                       {{"workload.tp", "2"},
                        {"workload.pp", "4"},
                        {"workload.dp", "4"},
                        {"workload.global-batch", "16"},
                        {"workload.rank-order", o}});
        ASSERT_EQ(j->rc, TESS_OK) << j->errors;
        for (uint32_t d = 0; d < dp; d++)
            for (uint32_t st = 0; st < pp; st++)
                for (uint32_t t = 0; t < tp; t++) {
                    const std::string ord = o;
                    uint32_t slot = 0;
                    // digits of the order, read from the slowest axis down
                    const std::string axes[3] = {ord.substr(0, 2), ord.substr(3, 2),
                                                 ord.substr(6, 2)};
                    for (int k = 2; k >= 0; k--) {
                        const uint32_t size = axes[k] == "tp" ? tp : axes[k] == "pp" ? pp : dp;
                        const uint32_t at = axes[k] == "tp" ? t : axes[k] == "pp" ? st : d;
                        slot = slot * size + at;
                    }
                    const std::string want =
                        "c.d" + std::to_string(slot / 8) + ".gpu" + std::to_string(slot % 8);
                    EXPECT_EQ(die_of(*j, t + tp * (st + pp * d)), want) << o;
                }
    }
}

TEST(Placement, SpansFollowTheRankOrderAndLimitsAreChecked)
{
    // tp 4 x pp 4 x dp 2 on four DGX nodes: TP inside a node; stages 0-1 share a node, 2-3
    // the next, so pipelines cross nodes; with tp-pp-dp DP replicas are 16 GPUs apart
    auto j = build("platforms/dgx-h100-cluster.xml", {{"nodes", "4"}},
                   {{"workload.dp", "2"}, {"workload.global-batch", "16"}});
    ASSERT_EQ(j->rc, TESS_OK) << j->errors;
    EXPECT_EQ(j->s.placement.tp_span, TESS_SCOPE_NODE);
    EXPECT_EQ(j->s.placement.pp_span, TESS_SCOPE_LEVELS);
    EXPECT_EQ(j->s.placement.dp_span, TESS_SCOPE_LEVELS);
    // tp-dp-pp: the two replicas of a stage's TP group fill one node
    auto k = build("platforms/dgx-h100-cluster.xml", {{"nodes", "4"}},
                   {{"workload.dp", "2"},
                    {"workload.global-batch", "16"},
                    {"workload.rank-order", "tp-dp-pp"}});
    ASSERT_EQ(k->rc, TESS_OK) << k->errors;
    EXPECT_EQ(k->s.placement.dp_span, TESS_SCOPE_NODE);
    EXPECT_EQ(k->s.placement.dp_local, 1u); // the whole group in one node: nothing to split
    // DP 4 with tp-dp-pp on 8 nodes: two members in each of two nodes, so the gradient
    // reduction goes inside each node, then across
    auto h = build("platforms/dgx-h100-cluster.xml", {{"nodes", "8"}},
                   {{"workload.dp", "4"},
                    {"workload.global-batch", "16"},
                    {"workload.rank-order", "tp-dp-pp"}});
    ASSERT_EQ(h->rc, TESS_OK) << h->errors;
    EXPECT_EQ(h->s.placement.dp_span, TESS_SCOPE_LEVELS);
    EXPECT_EQ(h->s.placement.dp_local, 2u);
    EXPECT_EQ(h->s.placement.dp_local_level, TESS_SCOPE_NODE);

    // a limit the placement breaks: TP 16 over 8-GPU nodes, tp-within="node"
    auto bad = build("platforms/dgx-h100-cluster.xml", {{"nodes", "4"}},
                     {{"workload.tp", "16"},
                      {"workload.pp", "1"},
                      {"workload.dp", "2"},
                      {"workload.global-batch", "16"},
                      {"workload.sequence-parallel", "off"},
                      {"workload.tp-within", "node"}});
    EXPECT_EQ(bad->rc, TESS_EINVAL);
    EXPECT_NE(bad->errors.find("default.xml:5:"), std::string::npos)
        << bad->errors; // the <workload> line
    EXPECT_NE(bad->errors.find("tp-within=\"node\""), std::string::npos) << bad->errors;
    EXPECT_NE(bad->errors.find("'c.d0.gpu7'"), std::string::npos) << bad->errors;
    EXPECT_NE(bad->errors.find("'c.d1.gpu0'"), std::string::npos) << bad->errors;
    // the same job allowed to span the platform loads
    auto ok = build("platforms/dgx-h100-cluster.xml", {{"nodes", "4"}},
                    {{"workload.tp", "16"},
                     {"workload.pp", "1"},
                     {"workload.dp", "2"},
                     {"workload.global-batch", "16"},
                     {"workload.sequence-parallel", "off"},
                     {"workload.tp-within", "platform"}});
    EXPECT_EQ(ok->rc, TESS_OK) << ok->errors;
    // a limit on an axis that keeps inside it passes: dp-within="node" with tp-dp-pp
    auto inside = build("platforms/dgx-h100-cluster.xml", {{"nodes", "4"}},
                        {{"workload.dp", "2"},
                         {"workload.global-batch", "16"},
                         {"workload.rank-order", "tp-dp-pp"},
                         {"workload.dp-within", "node"}});
    EXPECT_EQ(inside->rc, TESS_OK) << inside->errors;
}

TEST(Placement, HierarchicalDataParallelAllReduceByLevel)
{
    // 32 DGX H100 GPUs, DP 32: each DP group has 8 members in each of 4 nodes, so the
    // gradient all-reduce goes as a reduce-scatter inside each node (ring of m = 8), an
    // all-reduce of B/m across nodes (ring of k = 4), an all-gather inside
    const Overrides wov = {{"workload.tp", "1"},
                           {"workload.pp", "1"},
                           {"workload.dp", "32"},
                           {"workload.global-batch", "32"},
                           {"workload.sequence-parallel", "off"}};
    auto j = build("platforms/dgx-h100-cluster.xml", {{"nodes", "4"}}, wov);
    ASSERT_EQ(j->rc, TESS_OK) << j->errors;
    const double m = 8, k = 4, dies = 32;
    EXPECT_EQ(j->s.placement.dp_local, 8u);
    EXPECT_EQ(j->s.placement.dp_local_level, TESS_SCOPE_NODE);
    const double B = 2.0 * (double)j->s.stages[0].params; // fp16 gradients
    // ring steps of B/m bytes inside (m - 1 each way), of B/(m k) across (2 (k - 1))
    const double inside = dies * 2 * (m - 1) * std::floor(B / m);
    const double across = dies * 2 * (k - 1) * std::floor(std::floor(B / m) / k);
    EXPECT_DOUBLE_EQ(j->s.level_bytes[TESS_SCOPE_NODE], inside);
    EXPECT_DOUBLE_EQ(j->s.level_bytes[TESS_SCOPE_LEVELS], across);

    // simulated: inside at NVLink4's 450 GB/s x its collective-efficiency 0.822, each step
    // after its 10.5 us collective-step (the H100 preset); across at a 400 Gb/s NIC's
    // 50 GB/s x 0.94 (the platform's NDR figure); a launch of 2.6 us a phase. The phases
    // run as a pipeline over chunks, the reduce-scatter and the all-gather sharing the
    // NVLink ring: its 2 (m - 1) steps of B / m bound the call from below, the across
    // phase (2 (k - 1) steps of B / m k, 10.5 ms here) hides under them but for the
    // pipeline's fill and drain (within 5%; one after another they would take 1.8 times
    // as long). The whole call counts at its widest level, the platform.
    std::string args =
        "run platforms/dgx-h100-cluster.xml workloads/default.xml --set nodes=4 --json";
    for (const auto &o : wov)
        args += " --set " + o.first + "=" + o.second;
    CliRun r = tessera(args, true);
    ASSERT_EQ(r.status, 0) << r.output;
    const size_t at = r.output.find("\"levels\"");
    ASSERT_NE(at, std::string::npos);
    const std::string levels = r.output.substr(at);
    const double node_s = json_number(levels.substr(levels.find("\"node\"")), "collective_s");
    const double plat_s = json_number(levels.substr(levels.find("\"platform\"")), "collective_s");
    const double nvlink = 3 * 2.6e-6 + 2 * (m - 1) * (10.5e-6 + (B / m) / (0.822 * 450e9));
    const double nic = 2 * (k - 1) * (B / m / k) / (0.94 * 50e9);
    EXPECT_EQ(node_s, 0);
    EXPECT_GE(plat_s, nvlink);
    EXPECT_LE(plat_s, 1.05 * nvlink);
    EXPECT_GT(nic, 0.75 * nvlink); // the pipeline hides much
    // all of it is scale-out time of the slowest die
    EXPECT_NEAR(json_number(r.output, "scale_out") / plat_s, 1.0, 0.02);
    EXPECT_NE(r.output.find("\"dp_domain\": {\"level\": \"node\", \"members\": 8}"),
              std::string::npos);
}

TEST(Placement, HierarchicalTensorParallelAllReduceAcrossTwoNodes)
{
    // GPT 1.3B (24 layers, hidden 2048) with TP 16 over two DGX H100 nodes: each TP
    // all-reduce (Megatron: two a layer forward, two backward; 16 micro-batches of 2048
    // tokens) is a reduce-scatter inside each node (m = 8), an all-reduce of the eighth
    // across the two nodes (k = 2), an all-gather inside
    const Overrides wov = {{"workload.tp", "16"},
                           {"workload.pp", "1"},
                           {"workload.dp", "1"},
                           {"workload.sequence-parallel", "off"}};
    auto j = build("platforms/dgx-h100-cluster.xml", {{"nodes", "2"}}, wov);
    ASSERT_EQ(j->rc, TESS_OK) << j->errors;
    EXPECT_EQ(j->s.placement.tp_local, 8u);
    EXPECT_EQ(j->s.placement.tp_local_level, TESS_SCOPE_NODE);
    // all-reduces: four a layer (two forward, two backward) in 16 micro-batches of 24 layers,
    // and per micro-batch the embedding's and the logits' gradient's (pp 1: one stage)
    const double dies = 16, m = 8, k = 2, calls = 4.0 * 16 * 24 + 2 * 16;
    const double B = 2048.0 * 2048 * 2; // one micro-batch's activations, bf16
    EXPECT_DOUBLE_EQ(j->s.level_bytes[TESS_SCOPE_NODE], dies * calls * 2 * (m - 1) * (B / m));
    EXPECT_DOUBLE_EQ(j->s.level_bytes[TESS_SCOPE_LEVELS], dies * calls * 2 * (k - 1) * (B / m / k));
    std::string args =
        "run platforms/dgx-h100-cluster.xml workloads/default.xml --set nodes=2 --json";
    for (const auto &o : wov)
        args += " --set " + o.first + "=" + o.second;
    CliRun r = tessera(args, true);
    ASSERT_EQ(r.status, 0) << r.output;
    EXPECT_NE(r.output.find("\"tp_domain\": {\"level\": \"node\", \"members\": 8}"),
              std::string::npos);
    // the part across the nodes moves B / 16 a step over one NIC at 50 GB/s x 0.94 (the
    // platform's NDR collective-efficiency) after a 2.6 us launch: at least that
    const double across_s =
        json_number(r.output.substr(r.output.find("\"platform\": {\"bytes\"")), "collective_s");
    const double bound = calls * (2.6e-6 + 2 * (k - 1) * (B / m / k) / (0.94 * 50e9));
    EXPECT_GE(across_s, bound);
    EXPECT_LE(across_s, 1.3 * bound); // + the hops' latency
}
