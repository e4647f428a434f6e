// Collectives as NCCL moves them: `tessera collective` on 8 A100s against the nccl-tests
// all-reduce sweep the NVLink3 preset cites (all_reduce_perf -b 32k -e 16G -f 2 -g 8,
// ml-engineering network/README.md, 48b75dd), the analytical model against the
// simulator, and the mechanism (launch, per-step synchronisation, payload efficiency)
// against a hand calculation on a made-up switch.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "cli_run.h"
#include "platform_fixture.h"

namespace
{

// busbw of each point, in the order asked
std::vector<double> busbw(const std::string &json)
{
    std::vector<double> v;
    const std::string key = "\"busbw_bytes_per_s\": ";
    for (size_t at = json.find(key); at != std::string::npos; at = json.find(key, at + 1))
        v.push_back(std::stod(json.substr(at + key.size())));
    return v;
}

} // namespace

TEST(Collective, EightA100sReproduceTheNcclTestsSweepWithin10Percent)
{
    // size (MiB) and the measured bus bandwidth (GB/s)
    const std::vector<std::pair<const char *, double>> nccl = {{"16MiB", 106.16},
                                                               {"64MiB", 171.54},
                                                               {"256MiB", 194.07},
                                                               {"1GiB", 229.04},
                                                               {"16GiB", 234.89}};
    std::string sizes;
    for (const auto &p : nccl)
        sizes += (sizes.empty() ? "" : ",") + std::string(p.first);
    for (const char *how : {"", "--estimate"}) {
        const CliRun r =
            tessera("collective platforms/dgx-a100.xml --json --bytes " + sizes + " " + how, true);
        ASSERT_EQ(r.status, 0) << r.output;
        const std::vector<double> got = busbw(r.output);
        ASSERT_EQ(got.size(), nccl.size()) << r.output;
        for (size_t i = 0; i < nccl.size(); i++)
            EXPECT_NEAR(got[i] / 1e9, nccl[i].second, 0.10 * nccl[i].second)
                << how << " " << nccl[i].first;
    }
}

// 8 H100s on NVLink4: NCCL's maintainers quote ~370 GB/s bus bandwidth for ring all-reduce
// (NVIDIA/nccl-tests issues 212, 290), the figure the preset's collective-efficiency
// stands on; a large all-reduce reaches it within 10%.
TEST(Collective, EightH100sReachTheQuotedRingBusBandwidth)
{
    const CliRun r = tessera("collective platforms/dgx-h100.xml --json --bytes 16GiB", true);
    ASSERT_EQ(r.status, 0) << r.output;
    const std::vector<double> got = busbw(r.output);
    ASSERT_EQ(got.size(), 1u) << r.output;
    EXPECT_NEAR(got[0] / 1e9, 370, 37);
}

// Two dies on one switch (and a memory pool, which the collective never touches): 1 GB/s
// links of 1 us (two hops, 2 us path), collective-step
// 5 us, collective-efficiency 0.5, kernel launch 3 us. An all-reduce of 2 MB over 2 dies
// is 2 steps of 1 MB each: 3 us + 2 x (5 us + 2 us + 1 MB / (0.5 x 1 GB/s) = 2 ms),
// plus one flit time per hop of store-and-forward at most.
TEST(Collective, LaunchStepSynchronisationAndEfficiencyAddUp)
{
    const std::string xml = R"(<?xml version="1.0"?>
<platform name="two">
  <die-type name="d" clock="1GHz" tensor-rows="8" tensor-cols="8" vector-lanes="8" sram="1MiB"
            kernel-launch="3us"/>
  <router-type name="x" clock="1GHz" flit-width="1B" routing="table"/>
  <link-type name="l" width="1B" latency="1us" energy="1pJ/bit" collective-efficiency="0.5"
             collective-step="5us"/>
  <memory-type name="m" standard="ideal" capacity="1GiB" channels="1" bus-width="64b"
               data-rate="6.4Gb/s" rows="16384")" +
                            std::string(kTimings) + R"(/>
  <switch name="n" dies="2" die="d" router="x" link="l"/>
  <instance name="pool" type="m"/>
  <connect from="pool" to="n.switch" link="l"/>
</platform>
)";
    const std::string path = "/tmp/tess-collective-two.xml";
    FILE *f = std::fopen(path.c_str(), "w");
    ASSERT_NE(f, nullptr);
    std::fputs(xml.c_str(), f);
    std::fclose(f);
    const double expect = 3e-6 + 2 * (5e-6 + 2e-6 + 1e6 / 0.5e9);
    for (const char *how : {"", "--estimate"}) {
        const CliRun r = tessera("collective " + path + " --json --bytes 2MB " + how, true);
        ASSERT_EQ(r.status, 0) << r.output;
        const double t = json_number(r.output, "time_s");
        EXPECT_GE(t, expect * (1 - 1e-6)) << how;
        EXPECT_LE(t, expect + 2 * 4e-9 + 1e-9) << how;
    }
    std::remove(path.c_str());
}

// DGX A100 nodes with 8 x HDR 200 Gb/s NICs each: NVIDIA's NCCL team measures 192 GB/s
// all-reduce bus bandwidth across nodes (NVIDIA/nccl issue 812, the ring's scale-out
// figure: eight NICs at 24 GB/s of payload each). A data-parallel gradient all-reduce goes
// hierarchically (reduce-scatter over NVLink inside each node, the node's eighth across
// nodes over each GPU's own NIC, all-gather inside) with the phases pipelined over chunks:
// past a few nodes the NICs bound it at that figure. 16 nodes, 4 GiB, flow fidelity and
// the analytical model; the flat ring in die order crosses the nodes through one NIC a
// node and stays at 24 GB/s.
TEST(Collective, DgxA100NodesReachTheMeasuredMultiNodeBusBandwidth)
{
    for (const char *how : {"--fidelity flow", "--estimate"}) {
        const CliRun r = tessera("collective platforms/dgx-a100-cluster.xml --set nodes=16 "
                                 "--json --bytes 4GiB " +
                                     std::string(how),
                                 true);
        ASSERT_EQ(r.status, 0) << r.output;
        EXPECT_NE(r.output.find("\"algorithm\": \"hierarchical\", \"domain_dies\": 8"),
                  std::string::npos)
            << r.output;
        const std::vector<double> got = busbw(r.output);
        ASSERT_EQ(got.size(), 1u) << r.output;
        EXPECT_NEAR(got[0] / 1e9, 192, 19.2) << how;
    }
    const CliRun r = tessera("collective platforms/dgx-a100-cluster.xml --set nodes=16 --json "
                             "--bytes 1GiB --fidelity flow --algorithm ring",
                             true);
    ASSERT_EQ(r.status, 0) << r.output;
    const std::vector<double> got = busbw(r.output);
    ASSERT_EQ(got.size(), 1u) << r.output;
    EXPECT_NEAR(got[0] / 1e9, 24, 1);
}

TEST(Collective, AnAllToAllOnAFullBisectionFatTreeTakesItsRemoteBytesOverTheNics)
{
    // 4 DGX A100 nodes on the full-bisection InfiniBand fat-tree: an all-to-all of B over
    // the 32 GPUs sends each other GPU B/32 at once. The 24 peers in other nodes share the
    // GPU's HDR NIC (25 GB/s at its collective-efficiency 0.96, NVIDIA/nccl issue 412, as
    // platforms/dgx-a100-cluster.xml cites); the 7 inside the node go over NVLink (300 GB/s
    // x 0.728) alongside, 24 times sooner. So 24/32 B / (0.96 x 25 GB/s): busbw
    // (31/32) B / t = 31/24 x 24 GB/s = 31 GB/s, within 10% (the issue's check), at flow and
    // mixed fidelity and in the analytical model. It has no hierarchical plan.
    const double expected = 31.0 / 24.0 * 0.96 * 25e9;
    for (const char *how : {"--fidelity flow", "--fidelity mixed", "--estimate"}) {
        const CliRun r = tessera("collective platforms/dgx-a100-cluster.xml --set nodes=4 --op "
                                 "all-to-all --json --bytes 256MiB " +
                                     std::string(how),
                                 true);
        ASSERT_EQ(r.status, 0) << r.output;
        const std::vector<double> got = busbw(r.output);
        ASSERT_EQ(got.size(), 1u) << r.output;
        EXPECT_NEAR(got[0] / expected, 1.0, 0.10) << how;
    }
    // Hierarchically (DeepEP's and NCCL's PXN way): first to the die of its own place in
    // each other node, what that whole node is to get (3/4 of B over the NIC), then inside
    // the node to each its own (7/8 of B over NVLink at 0.728 x 300 GB/s), one after the
    // other: 9.464 ms.
    const double phases = 0.75 * 268435456 / (0.96 * 25e9) + 0.875 * 268435456 / (0.728 * 300e9);
    for (const char *how : {"--fidelity flow", "--estimate"}) {
        const CliRun h = tessera("collective platforms/dgx-a100-cluster.xml --set nodes=4 --op "
                                 "all-to-all --algorithm hierarchical --json --bytes 256MiB " +
                                     std::string(how),
                                 true);
        ASSERT_EQ(h.status, 0) << h.output;
        const std::vector<double> got = busbw(h.output);
        ASSERT_EQ(got.size(), 1u) << h.output;
        EXPECT_NEAR(31.0 / 32 * 268435456 / got[0] / phases, 1.0, 0.05) << how;
    }
}

// ep-overlap (DualPipe's steady state): each MoE layer's all-to-alls on the die's third
// stream under the layer's work, so a layer pass takes max(C, A) of its work C and its
// all-to-alls A instead of C + A. With one pipeline stage nothing else moves, so what the
// iteration saves is exactly the all-to-all time that stopped being exposed, less the
// compute the GEMMs lose to the SMs the all-to-alls hold beside them (the H100's
// collective-sms): T_off - T_on = (A2A_off - A2A_on) - (C_on - C_off) (the slowest die's
// all-to-all and compute time), with C_on = C_off when no SM is taken; a pass cannot hide
// more than its work, so A2A_on >= A2A_off - (T_off - A2A_off); and the simulation and the
// analytical model agree. Mixtral 8x7B, TP 8 x DP 4, EP 4 over the 4 DGX H100 nodes.
TEST(ExpertParallelism, OverlappedAllToAllsHideUnderTheLayersWork)
{
    const std::string job = "platforms/dgx-h100-cluster.xml workloads/mixtral-8x7b.xml --set "
                            "workload.pp=1 --set workload.dp=4 --set workload.ep=4 --set "
                            "workload.zero=1 --set workload.rank-order=tp-dp-pp --json";
    for (const char *sms : {" --set h100.collective-sms=0", ""}) {
        double t[2][2], a2a[2][2], c[2][2], cc[2][2]; // [overlap][simulated, estimated]
        for (int ov = 0; ov < 2; ov++)
            for (int est = 0; est < 2; est++) {
                const CliRun r =
                    tessera(std::string(est ? "estimate " : "run --fidelity flow ") + job + sms +
                                " --set workload.ep-overlap=" + (ov ? "on" : "off"),
                            true);
                ASSERT_EQ(r.status, 0) << r.output;
                t[ov][est] = json_number(r.output, "iteration_time_s");
                const std::string breakdown =
                    r.output.substr(r.output.find("\"time_breakdown_s\""));
                a2a[ov][est] = json_number(breakdown, "all_to_all");
                c[ov][est] = json_number(breakdown, "compute");
                cc[ov][est] = json_number(breakdown, "collective_contention");
            }
        for (int est = 0; est < 2; est++) {
            const double lost = c[1][est] - c[0][est];
            // the report names the loss: nothing beside the die's stream without the overlap
            EXPECT_EQ(cc[0][est], 0) << est << sms;
            EXPECT_NEAR(cc[1][est], lost, 1e-6 * c[1][est]) << est << sms;
            EXPECT_NEAR((t[0][est] - t[1][est]) / (a2a[0][est] - a2a[1][est] - lost), 1.0, 1e-4)
                << est << sms;
            if (*sms)
                EXPECT_EQ(lost, 0) << est;
            else
                EXPECT_GT(lost, 0.01 * (t[0][est] - t[1][est])) << est;     // the SMs' share
            EXPECT_GT(a2a[0][est] - a2a[1][est], 0.5 * a2a[0][est]) << est; // most of it hidden
            EXPECT_GE(a2a[1][est], a2a[0][est] - (t[0][est] - a2a[0][est])) << est;
        }
        EXPECT_NEAR(t[1][0] / t[1][1], 1.0, 0.01) << sms;
        EXPECT_NEAR(a2a[1][0] / a2a[1][1], 1.0, 0.01) << sms;
        EXPECT_NEAR(c[1][0] / c[1][1], 1.0, 0.01) << sms;
    }
    // nothing to overlap without expert parallelism
    const CliRun bad = tessera("schedule platforms/dgx-h100-cluster.xml workloads/mixtral-8x7b.xml "
                               "--set workload.ep-overlap=on");
    EXPECT_EQ(bad.status, 1);
    EXPECT_NE(bad.output.find("ep-overlap"), std::string::npos) << bad.output;
}

TEST(Collective, RailOnlyAndFatTreeAllToAllsAgreeWhenTheyStayOnTheirRails)
{
    // 16 DGX H100 nodes: rail-only (two switches of four rails each) against the full-
    // bisection fat-tree. Hierarchically every cross-node message goes between dies of the
    // same place, on its own rail, so the two networks give the same time (the issue's
    // check: neither wins or loses by a routing accident); flat, the rail-only network
    // relays between rails through NVLink and its routing piles the relays onto a few NICs
    // (results/moe.md: 2.8x; a known gap, not asserted here).
    double t[2];
    const char *platforms[2] = {"dgx-h100-cluster", "dgx-h100-rail"};
    for (int i = 0; i < 2; i++) {
        const CliRun r = tessera(std::string("collective platforms/") + platforms[i] +
                                     ".xml --set nodes=16 --op all-to-all --algorithm "
                                     "hierarchical --json --bytes 256MiB --fidelity flow",
                                 true);
        ASSERT_EQ(r.status, 0) << r.output;
        const std::vector<double> got = busbw(r.output);
        ASSERT_EQ(got.size(), 1u) << r.output;
        t[i] = 1 / got[0];
    }
    EXPECT_NEAR(t[1] / t[0], 1.0, 0.01);
}

// The pipeline by hand. Two nodes of two dies on a switch (4 GB/s links of 1 us with a
// collective-step of 5 us), each switch joined to a spine by one 1 GB/s link of 1 us;
// kernel launch 3 us. An all-reduce of S = 8 MB over the four dies goes hierarchically:
//  1. reduce-scatter inside each node: 1 step of S / 2K per chunk (K chunks) over
//     die-switch-die: 5 us + 2 us + S / 2K / 4 GB/s;
//  2. all-reduce of the node's half across: 2 steps of S / 4K over die-switch-spine-
//     switch-die, 5 us (the path's longest step) + 4 us + S / 4K at 0.5 GB/s (the two
//     dies of a node share its uplink);
//  3. all-gather inside: as 1.
// The chunk count follows from each phase's uncontended figures: (7 + 18 + 7) us +
// 6000 us / K + (K - 1) (18 us + 4000 us / K) = 4014 us + 2000 us / K + 18 us K, least
// at K = 11. Phase 2 bounds the pipeline (a chunk's step 1 and 3 take 97.9 us, its
// phase 2 745.5 us), so the call takes 3 launches + phase 1 of the first chunk +
// 11 x phase 2 + phase 3 of the last. The flat ring: 6 steps of S / 4 at 0.5 GB/s.
TEST(Collective, AHierarchicalCallPipelinesItsPhasesOverChunks)
{
    const std::string xml = R"(<?xml version="1.0"?>
<platform name="two-nodes">
  <die-type name="d" clock="1GHz" tensor-rows="8" tensor-cols="8" vector-lanes="8" sram="1MiB"
            kernel-launch="3us"/>
  <router-type name="x" clock="1GHz" flit-width="4B" pipeline="1" routing="shortest"/>
  <link-type name="fast" width="4B" latency="1us" energy="1pJ/bit" collective-step="5us"/>
  <link-type name="slow" width="1B" latency="1us" energy="1pJ/bit"/>
  <memory-type name="m" standard="ideal" capacity="1GiB" channels="1" bus-width="64b"
               data-rate="6.4Gb/s" rows="16384")" +
                            std::string(kTimings) + R"(/>
  <node name="n0"><switch name="s" dies="2" die="d" router="x" link="fast"/></node>
  <node name="n1"><switch name="s" dies="2" die="d" router="x" link="fast"/></node>
  <instance name="spine" type="x"/>
  <connect from="n0.s.switch" to="spine" link="slow"/>
  <connect from="n1.s.switch" to="spine" link="slow"/>
  <instance name="pool" type="m"/>
  <connect from="pool" to="spine" link="slow"/>
</platform>
)";
    const std::string path = "/tmp/tess-collective-two-nodes.xml";
    FILE *f = std::fopen(path.c_str(), "w");
    ASSERT_NE(f, nullptr);
    std::fputs(xml.c_str(), f);
    std::fclose(f);
    const double S = 8e6, K = 11;
    const double inside = 5e-6 + 2e-6 + S / (2 * K) / 4e9;
    const double across = 2 * (5e-6 + 4e-6 + S / (4 * K) / 0.5e9);
    const double expect = 3 * 3e-6 + inside + K * across + inside;
    // the simulated networks: flow exactly; packet within 1% (its packets of the two
    // dies' messages take turns on the uplink rather than share it evenly)
    for (const char *how : {"--fidelity flow", "--fidelity packet"}) {
        const CliRun r = tessera("collective " + path + " --json --bytes 8MB " + how, true);
        ASSERT_EQ(r.status, 0) << r.output;
        EXPECT_NE(r.output.find("\"algorithm\": \"hierarchical\""), std::string::npos);
        EXPECT_NEAR(json_number(r.output, "time_s"), expect, 0.01 * expect) << how;
    }
    // the analytical model shares each channel among the ring steps routed over it
    const CliRun e = tessera("collective " + path + " --json --bytes 8MB --estimate", true);
    ASSERT_EQ(e.status, 0) << e.output;
    EXPECT_NEAR(json_number(e.output, "time_s"), expect, 1e-3 * expect);
    // one ring in die order: 6 steps of S / 4, each bound by a step across the uplinks
    // (one message each way, 1 GB/s): three times phase 2's bytes, no pipeline
    const CliRun ring = tessera(
        "collective " + path + " --json --bytes 8MB --fidelity flow --algorithm ring", true);
    ASSERT_EQ(ring.status, 0) << ring.output;
    const double flat = 3e-6 + 6 * (5e-6 + 4e-6 + S / 4 / 1e9);
    EXPECT_NEAR(json_number(ring.output, "time_s"), flat, 0.01 * flat);
    std::remove(path.c_str());
}

TEST(Collective, BadRequestsAreNamed)
{
    CliRun r = tessera("collective platforms/dgx-a100.xml --dies 9");
    EXPECT_EQ(r.status, 1) << r.output;
    EXPECT_NE(r.output.find("8 live dies"), std::string::npos) << r.output;
    r = tessera("collective platforms/dgx-a100.xml --bytes 16XB");
    EXPECT_EQ(r.status, 2) << r.output;
    r = tessera("collective platforms/dgx-a100.xml --op broadcast");
    EXPECT_EQ(r.status, 2) << r.output;
    // one node: no domains to go across
    r = tessera("collective platforms/dgx-a100.xml --algorithm hierarchical");
    EXPECT_EQ(r.status, 1) << r.output;
    EXPECT_NE(r.output.find("do not fall into equal domains"), std::string::npos) << r.output;
}
