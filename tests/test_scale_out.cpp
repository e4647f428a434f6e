// Scale-out training: rail-only against fat-tree on the same GPUs (iteration time, switch
// ports and transceivers counted from the Clos formulas here), ScaleAcross-style placement across
// two datacenters (bytes over the DCI counted from the activations' sizes here), and symmetric
// simulation against the full one.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "cli_run.h"
#include "platform_fixture.h"

namespace
{

struct Figures {
    double time = -1, energy = -1, network = -1, scale_out = -1;
    int simulated = -1;
    std::string report;
};

Figures run_figures(const std::string &args)
{
    CliRun r = tessera("run " + args + " --json", true);
    EXPECT_EQ(r.status, 0) << r.output;
    Figures f;
    f.report = r.output;
    f.time = json_number(r.output, "iteration_time_s");
    f.energy = json_number(r.output, "energy_j");
    f.network = json_number(r.output, "network");
    f.scale_out = json_number(r.output, "scale_out");
    f.simulated = static_cast<int>(json_number(r.output, "simulated_replicas"));
    return f;
}

// The number after "key": inside the object that follows "object": in JSON text (after
// "within" when given: "levels" then "platform").
double json_in(const std::string &json, const std::string &object, const std::string &key,
               const std::string &within = "")
{
    const size_t from = within.empty() ? 0 : json.find("\"" + within + "\"");
    const size_t at = from == std::string::npos ? from : json.find("\"" + object + "\"", from);
    return at == std::string::npos ? -1 : json_number(json.substr(at), key);
}

} // namespace

TEST(Symmetry, OneReplicaMirroredMatchesTheFullSimulation)
{
    // 16 DGX H100 nodes, TP 8 x PP 2 x DP 8: every replica (two nodes, the same rails and
    // leaves) routes alike, so one is simulated and seven mirror it; the iteration must be
    // the full simulation's, at packet and at flow fidelity
    const std::string job =
        "platforms/dgx-h100-cluster.xml workloads/megatron-145b.xml --set nodes=16 "
        "--set workload.tp=8 --set workload.pp=2 --set workload.dp=8 "
        "--set workload.global-batch=64 --set model.layers=4";
    for (const char *fid : {"packet", "flow"}) {
        const Figures full = run_figures(job + " --fidelity " + fid);
        // (--progress: the progress line walks the dies, and mirrored ranks have none)
        const Figures sym = run_figures(job + " --fidelity " + fid + " --symmetry --progress");
        EXPECT_EQ(full.simulated, 8) << fid;
        EXPECT_EQ(sym.simulated, 1) << fid;
        EXPECT_NEAR(sym.time / full.time, 1.0, 1e-9) << fid;
        EXPECT_NEAR(sym.network / full.network, 1.0, 1e-9) << fid;
        // the copies left off the network cost their route's energy per byte, without the
        // flits' rounding: the same within 0.01%
        EXPECT_NEAR(sym.energy / full.energy, 1.0, 1e-4) << fid;
        EXPECT_GT(json_number(sym.report, "mirrored_messages"), 0);
    }
    // replicas that do not route alike are each simulated: three DGX A100 replicas of 8
    // nodes on leaves of 20 NICs per rail (the third straddles two leaves), the same
    // result. On static routes (source-mod-k) mirrors are exact; under the bundled adaptive
    // routing a mirrored message's way depends on the load, checked last
    const std::string statically = " --set hub.multipath=source-mod-k "
                                   "--set nvswitch.multipath=source-mod-k "
                                   "--set ib.multipath=source-mod-k";
    const std::string odd =
        "platforms/dgx-a100-cluster.xml workloads/megatron-145b.xml --set nodes=24 "
        "--set workload.dp=3 --set workload.global-batch=48 --set model.layers=16" +
        statically;
    const Figures full = run_figures(odd);
    const Figures sym = run_figures(odd + " --symmetry");
    EXPECT_EQ(sym.simulated, 3);
    EXPECT_DOUBLE_EQ(sym.time, full.time);
    // ten replicas on 80 nodes (leaves of 20 NICs a rail, replicas of 8 nodes: the pattern
    // repeats every five replicas): replicas whose routes out and in have the same types
    // pair up, five are simulated and five mirrored, and the iteration is the full one's;
    // energy and peak power count every die
    const std::string adaptive =
        "platforms/dgx-a100-cluster.xml workloads/megatron-145b.xml --set nodes=80 "
        "--set workload.dp=10 --set workload.global-batch=160 --set model.layers=16";
    const std::string ten = adaptive + statically;
    const Figures full10 = run_figures(ten);
    const Figures sym10 = run_figures(ten + " --symmetry");
    EXPECT_EQ(full10.simulated, 10);
    EXPECT_EQ(sym10.simulated, 5);
    EXPECT_NEAR(sym10.time / full10.time, 1.0, 1e-6);
    EXPECT_NEAR(sym10.energy / full10.energy, 1.0, 1e-4);
    EXPECT_NEAR(json_number(sym10.report, "peak_power_w") /
                    json_number(full10.report, "peak_power_w"),
                1.0, 0.01);
    // adaptive: a mirrored message left off the network because its static route meets no
    // simulated traffic may have gone, by load, where it would: close, not exact (the
    // bound docs/outputs.md states)
    const Figures full_a = run_figures(adaptive);
    const Figures sym_a = run_figures(adaptive + " --symmetry");
    EXPECT_EQ(sym_a.simulated, 5);
    EXPECT_NEAR(sym_a.time / full_a.time, 1.0, 0.005);
}

TEST(Symmetry, TransportCountsAreTheWholeJobs)
{
    // 4 datacenters of 32 GPUs, TP 8 x PP 4 x DP 4, each stage's 4 replicas in the 4
    // datacenters, over lossy spans (4 MiB drop-tail queue, 1 ms timeout, 4 MiB windows):
    // with --symmetry one replica is simulated and the copies of its messages that meet no
    // simulated traffic are left off the network; each counts as its twin fared, so the
    // report's flows, window-limited flows, bytes dropped and timeouts are the full
    // simulation's (before, about half of each: only the messages on the network)
    const std::string job =
        "platforms/datacenters.xml workloads/scale-across-dp.xml --set workload.pp=4 "
        "--set workload.dp=4 --set workload.global-batch=64 --set dci-lanes=2 "
        "--set dci-transport=lossy --set dci-buffer=4MiB --set dci-timeout=1ms "
        "--set dci-window=4MiB";
    const Figures full = run_figures(job);
    const Figures sym = run_figures(job + " --symmetry");
    EXPECT_EQ(full.simulated, 4);
    EXPECT_EQ(sym.simulated, 1);
    EXPECT_GT(json_number(sym.report, "mirrored_messages_left_out"), 0);
    EXPECT_NEAR(sym.time / full.time, 1.0, 1e-9);
    for (const char *key : {"flows", "window_limited_flows", "retransmit_timeouts"}) {
        EXPECT_GT(json_number(full.report, key), 0) << key;
        EXPECT_EQ(json_number(sym.report, key), json_number(full.report, key)) << key;
    }
    EXPECT_GT(json_number(full.report, "lost_bytes"), 0);
    EXPECT_NEAR(json_number(sym.report, "lost_bytes") / json_number(full.report, "lost_bytes"), 1.0,
                1e-9);
}

// Mirrored replicas copy a replica's ring steps, not messages between replicas: a job whose
// collectives cross them (a context-parallel ring, an all-to-all) is refused, by name.
TEST(Symmetry, CollectivesAcrossReplicasAreRefusedByName)
{
    const std::string job =
        "run platforms/dgx-h100-cluster.xml workloads/default.xml --set nodes=2 "
        "--set workload.tp=4 --set workload.pp=1 --set workload.global-batch=4 "
        "--set workload.attention=flash --symmetry ";
    CliRun cp =
        tessera(job + "--set workload.dp=2 --set workload.cp=2 --set workload.rank-order=tp-dp-pp");
    EXPECT_NE(cp.status, 0);
    EXPECT_NE(cp.output.find("--symmetry: not with context parallelism ('cp K/V ring"),
              std::string::npos)
        << cp.output;
    CliRun ep = tessera(job + "--set workload.dp=4 --set workload.ep=2 --set model.experts=8 "
                              "--set model.top-k=2");
    EXPECT_NE(ep.status, 0);
    EXPECT_NE(ep.output.find("--symmetry: not with an all-to-all ('ep all-to-all"),
              std::string::npos)
        << ep.output;
}

TEST(RailOnly, DenseGptTrainsAsFastAsOnTheFatTree)
{
    // GPT 1.3B (8 layers) with TP 8 inside each of 24 DGX A100 nodes and DP 24 across them:
    // the data-parallel rings keep to their rail, so rail-only (one switch a rail) trains
    // as fast as the non-blocking fat-tree, whose scale-out traffic is over a tenth of
    // the iteration (enough that a slower network would show)
    const std::string job =
        "workloads/default.xml --set nodes=24 --set workload.tp=8 --set workload.pp=1 "
        "--set workload.dp=24 --set workload.global-batch=96 --set model.layers=8";
    const Figures fat = run_figures("platforms/dgx-a100-cluster.xml " + job);
    const Figures rail = run_figures("platforms/dgx-a100-rail.xml " + job);
    EXPECT_GE(fat.scale_out / fat.time, 0.10);
    EXPECT_NEAR(rail.time / fat.time, 1.0, 0.02);
    // the switches each counts: 24 NVSwitches of 8 ports in both; the fat-tree's 192 NICs
    // on radix-40 leaves of 20 down and 20 up ports: 10 leaves, 10 x 20 uplinks over
    // 5 spines; rail-only: 8 rails of 24 NICs, a 40-port switch each. Transceivers: two
    // a cable, on the NIC cables and (fat-tree) the leaf-spine ones
    const double nvswitch_ports = 24 * 8;
    EXPECT_EQ(json_in(fat.report, "network_cost_breakdown_usd", "switch_ports"),
              nvswitch_ports + (10 + 5) * 40);
    EXPECT_EQ(json_in(rail.report, "network_cost_breakdown_usd", "switch_ports"),
              nvswitch_ports + 8 * 40);
    EXPECT_EQ(json_in(fat.report, "network_cost_breakdown_usd", "transceiver_count"),
              2.0 * (192 + 10 * 20));
    EXPECT_EQ(json_in(rail.report, "network_cost_breakdown_usd", "transceiver_count"), 2.0 * 192);
}

TEST(HighBandwidthDomain, AnySizeIsOneNvlinkSwitchWithItsNicsOnTheirRails)
{
    // 4 domains of 72 H100s (288 GPUs). Each domain is one NVLink switch of 72 ports.
    // Rail-only: 72 rails of 4 NICs; a radix-64 Quantum-2 holds 64 / 4 = 16 rails, so
    // ceil(72 / 16) = 5 switches. Fat-tree: 288 NICs on leaves of 32 down + 32 up ports,
    // 9 leaves, their 9 x 32 = 288 uplinks over ceil(288 / 64) = 5 spines. Modules: two a
    // cable, on the 288 NIC cables and (fat-tree) the 288 uplinks; power 1,176 W a
    // Quantum-2, 7.75 W a NIC-cable module, 7.5 W an uplink module (the platforms' figures)
    const std::string hbd = " --set nodes=4 --set domain-size=72 --json";
    const CliRun rail = tessera("cost platforms/dgx-h100-rail.xml" + hbd, true);
    const CliRun fat = tessera("cost platforms/dgx-h100-cluster.xml" + hbd, true);
    ASSERT_EQ(rail.status, 0) << rail.output;
    ASSERT_EQ(fat.status, 0) << fat.output;
    const std::string counts = "network_cost_breakdown_usd", watts = "network_power_breakdown_w";
    EXPECT_EQ(json_in(rail.output, counts, "switch_count"), 4 + 5);
    EXPECT_EQ(json_in(rail.output, counts, "switch_ports"), 4 * 72 + 5 * 64);
    EXPECT_EQ(json_in(rail.output, counts, "transceiver_count"), 2 * 288);
    EXPECT_EQ(json_in(fat.output, counts, "switch_count"), 4 + 9 + 5);
    EXPECT_EQ(json_in(fat.output, counts, "switch_ports"), 4 * 72 + (9 + 5) * 64);
    EXPECT_EQ(json_in(fat.output, counts, "transceiver_count"), 2 * (288 + 288));
    EXPECT_NEAR(json_in(rail.output, watts, "switches"), 5 * 1176.0, 1e-6);
    EXPECT_NEAR(json_in(fat.output, watts, "transceivers"), 288 * 2 * (7.75 + 7.5), 1e-6);

    // an all-reduce of 1 GiB over one domain's 72 GPUs rings through its NVLink switch
    // alone: 2 x 71 steps of 1 GiB / 72 at NVLink4's 450 GB/s x 0.822 (the preset's
    // collective efficiency), each step paying its 10.5 us (the preset's collective-step)
    const CliRun ring =
        tessera("collective platforms/dgx-h100-rail.xml --dies 72 --bytes 1GiB" + hbd, true);
    ASSERT_EQ(ring.status, 0) << ring.output;
    const double bytes = 1073741824.0;
    const double expect = 2 * 71 * (bytes / 72 / (450e9 * 0.822) + 10.5e-6);
    EXPECT_NEAR(json_number(ring.output, "time_s") / expect, 1.0, 0.03);
    EXPECT_NE(ring.output.find("\"domain_dies\": 72"), std::string::npos) << ring.output;

    // a data-parallel group of 4 over 2 domains of 16: two replicas in each domain, so the
    // gradients' all-reduce runs inside each domain first (the hierarchy follows the size)
    const Figures dp = run_figures(
        "platforms/dgx-h100-rail.xml workloads/default.xml --set nodes=2 --set domain-size=16 "
        "--set workload.tp=8 --set workload.pp=1 --set workload.dp=4 "
        "--set workload.global-batch=16 --set model.layers=2");
    EXPECT_NE(dp.report.find("\"dp_domain\": {\"level\": \"node\", \"members\": 2}"),
              std::string::npos);
}

TEST(ScaleAcross, PipelineAcrossDatacentersBeatsDataParallelAcrossThem)
{
    // Llama 2 7B, TP 8 x PP 2 x DP 4, on two datacenters of 32 H100s joined by a 100 GB/s
    // DCI. Across the DCI go either the pipeline's activations (stage 0 in one datacenter,
    // stage 1 in the other) or the data-parallel gradients (two replicas in each)
    const Figures pp = run_figures("platforms/two-datacenter.xml workloads/scale-across-pp.xml");
    const Figures dp = run_figures("platforms/two-datacenter.xml workloads/scale-across-dp.xml");
    EXPECT_LT(pp.time, dp.time);
    // why: the bytes between the datacenters (the "platform" level). Pipeline: per replica
    // and TP rank, 16 micro-batches forward and 16 backward, each b s h / tp bf16 values
    const double activation = 1.0 * 4096 * 4096 / 8 * 2;
    const double pp_bytes = 4 * 8 * (16 + 16) * activation;
    EXPECT_DOUBLE_EQ(json_in(pp.report, "platform", "bytes", "levels"), pp_bytes);
    // data parallel: every die sends half its gradients across (the all-reduce of the
    // halves between the two datacenters), far more than the activations
    EXPECT_GT(json_in(dp.report, "platform", "bytes", "levels"), 5 * pp_bytes);
    EXPECT_NE(dp.report.find("\"dp_domain\": {\"level\": \"datacenter\", \"members\": 2}"),
              std::string::npos);
    EXPECT_NE(pp.report.find("\"spans\": {\"tp\": \"node\", \"pp\": \"platform\", \"dp\": "
                             "\"datacenter\", \"ep\": \"none\", \"cp\": \"none\"}"),
              std::string::npos);
}

TEST(Datacenters, EachIsAFullFabricWhoseBorderJoinsTheTierAndThePlacementSetsWhatCrosses)
{
    // 3 datacenters of 9 DGX H100 nodes (72 GPUs), 8 wavelengths each to the tier. A
    // datacenter's Clos has 72 NICs + 8 border ports = 80 endpoints on radix-64 leaves of 32
    // NIC ports: ceil(80 / 32) = 3 leaves, their 3 x 32 uplinks over ceil(96 / 64) = 2
    // spines; switches: 9 NVLink switches, 3 leaves, 2 spines and the border, each
    // datacenter, and the tier. Modules: two a cable on the 72 NIC cables, the 8 border
    // cables and the 96 uplinks, and one at each end of each of the 8 wavelengths; watts:
    // 7.75 a NIC-cable module, 7.5 a switch-to-switch one, 21 a 400ZR-class one (the
    // platform's figures)
    const CliRun cost = tessera("cost platforms/datacenters.xml --set datacenters=3 --set nodes=9 "
                                "--set dci-lanes=8 --json",
                                true);
    ASSERT_EQ(cost.status, 0) << cost.output;
    const std::string counts = "network_cost_breakdown_usd", watts = "network_power_breakdown_w";
    EXPECT_EQ(json_in(cost.output, counts, "switch_count"), 3 * (9 + 3 + 2 + 1) + 1);
    EXPECT_EQ(json_in(cost.output, counts, "transceiver_count"), 3 * (2 * (72 + 8 + 96) + 2 * 8));
    EXPECT_NEAR(json_in(cost.output, watts, "transceivers"),
                3 * (2 * 72 * 7.75 + 2 * (8 + 96) * 7.5 + 2 * 8 * 21.0), 1e-6);

    // Llama 2 7B, TP 8 x PP 4 x DP 4 on 4 datacenters of 32 GPUs, a pipeline stage in each:
    // the bytes between datacenters (the "platform" level) are the activations at the 3
    // stage boundaries: per replica and TP rank, 16 micro-batches forward and 16 backward,
    // each b s h / tp bf16 values
    const std::string job =
        "platforms/datacenters.xml workloads/scale-across-pp.xml "
        "--set workload.pp=4 --set workload.dp=4 --set workload.global-batch=64";
    const Figures pp = run_figures(job);
    const double activation = 1.0 * 4096 * 4096 / 8 * 2;
    EXPECT_DOUBLE_EQ(json_in(pp.report, "platform", "bytes", "levels"),
                     3 * 4 * 8 * (16 + 16) * activation);
    EXPECT_NE(pp.report.find("\"spans\": {\"tp\": \"node\", \"pp\": \"platform\", \"dp\": "
                             "\"datacenter\""),
              std::string::npos);
    // the same job with its replicas across the datacenters (each stage's 4 replicas in
    // 4 datacenters) sends its gradients over the tier: more bytes and a slower iteration
    // through two wavelengths a datacenter
    const Figures dp =
        run_figures("platforms/datacenters.xml workloads/scale-across-dp.xml --set workload.pp=4 "
                    "--set workload.dp=4 --set workload.global-batch=64 --set dci-lanes=2");
    const Figures pp2 = run_figures(job + " --set dci-lanes=2");
    EXPECT_GT(json_in(dp.report, "platform", "bytes", "levels"),
              json_in(pp2.report, "platform", "bytes", "levels"));
    EXPECT_LT(pp2.time, dp.time);
}

TEST(Regions, TrafficBetweenDatacentersOfARegionIsAtTheRegionLevelAndBetweenRegionsAbove)
{
    // 2 regions of 2 datacenters of 32 H100s; Llama 2 7B, TP 8 x PP 4 x DP 4 with a stage
    // in each datacenter, in order: stages 0-1 in region 0, 2-3 in region 1. Of the 3 stage
    // boundaries two stay inside a region and one crosses between regions; each carries,
    // per replica and TP rank, 16 micro-batches forward and 16 backward of b s h / tp bf16
    // values
    const std::string job =
        "platforms/regions.xml workloads/scale-across-pp.xml "
        "--set workload.pp=4 --set workload.dp=4 --set workload.global-batch=64";
    const Figures f = run_figures(job);
    const double boundary = 4 * 8 * (16 + 16) * (1.0 * 4096 * 4096 / 8 * 2);
    EXPECT_DOUBLE_EQ(json_in(f.report, "region", "bytes", "levels"), 2 * boundary);
    EXPECT_DOUBLE_EQ(json_in(f.report, "platform", "bytes", "levels"), boundary);
    EXPECT_DOUBLE_EQ(json_in(f.report, "datacenter", "bytes", "levels"),
                     json_in(run_figures("platforms/datacenters.xml workloads/scale-across-pp.xml "
                                         "--set workload.pp=4 --set workload.dp=4 "
                                         "--set workload.global-batch=64")
                                 .report,
                             "datacenter", "bytes", "levels"));
    // a pipeline kept inside a region cannot span two
    const CliRun kept = tessera("run " + job + " --set workload.pp-within=region");
    EXPECT_NE(kept.status, 0);
    EXPECT_NE(kept.output.find("pp-within=\"region\": pp groups span the whole platform"),
              std::string::npos)
        << kept.output;
}

TEST(ReferencePlatforms, BundledPairsScheduleAsTheirSourcesDescribe)
{
    struct Pair {
        const char *platform, *workload, *extra;
        double dies;
    } pairs[] = {
        {"dgx-a100-cluster.xml", "megatron-145b.xml", "--set nodes=192", 1536}, // 192 DGX A100
        {"dgx-a100-rail.xml", "megatron-145b.xml", "--set nodes=192", 1536},
        {"two-datacenter.xml", "scale-across-pp.xml", "", 64},
        {"two-datacenter.xml", "scale-across-dp.xml", "", 64},
        {"wafer-scale.xml", "wafer-scale-22b.xml", "", 6 * 8},                // 6 x 8 reticles
        {"chiplet-optical-cluster.xml", "chiplet-optical-7b.xml", "", 8 * 4}, // 8 packages of 4
    };
    for (const Pair &p : pairs) {
        CliRun r = tessera(std::string("schedule platforms/") + p.platform + " workloads/" +
                               p.workload + " " + p.extra + " --json",
                           true);
        ASSERT_EQ(r.status, 0) << p.platform << " " << p.workload << ": " << r.output;
        EXPECT_EQ(json_number(r.output, "dies"), p.dies) << p.platform;
    }
    // GPT 145.6B as Narayanan et al. 2021 count it: hardware FLOPs (full recomputation) per
    // iteration 96 B s l h^2 (1 + s / 6h + V / 16lh), B = 2304, s = 2048, l = 80,
    // h = 12288, V = 51200
    CliRun r = tessera("schedule platforms/dgx-a100-cluster.xml workloads/megatron-145b.xml --set "
                       "nodes=192 --json",
                       true);
    const double B = 2304, s = 2048, l = 80, h = 12288, V = 51200;
    const double narayanan = 96 * B * s * l * h * h * (1 + s / (6 * h) + V / (16 * l * h));
    EXPECT_NEAR(json_number(r.output, "hardware_flops") / narayanan, 1.0, 0.005);
}

TEST(CircuitSwitch, ATrainingJobPaysTheReconfigurationsItsPhasesNeed)
{
    // chiplet-ocs-cluster: PP rings of four packages in the switch's "pipeline"
    // configuration, the DP all-reduce between them in "data". The gradient all-reduce of
    // the first stage (the last to finish its backward passes in 1F1B) cannot start before
    // its last pipeline message has arrived over "pipeline" and the switch has turned to
    // "data": at least one reconfiguration time lies on the iteration's critical path.
    const std::string job =
        "platforms/chiplet-ocs-cluster.xml workloads/chiplet-ocs-7b.xml --set model.layers=8";
    const double R = 5e-3; // a MEMS switch's milliseconds
    Figures none = run_figures(job + " --set reconfiguration=0us");
    Figures slow = run_figures(job + " --set reconfiguration=5ms");
    const double reconfigurations = json_in(slow.report, "circuits", "reconfigurations");
    EXPECT_GE(reconfigurations, 1);
    EXPECT_NEAR(json_in(slow.report, "circuits", "reconfiguring_s"), reconfigurations * R, 1e-9);
    EXPECT_GT(json_in(slow.report, "circuits", "held_messages"), 0);
    EXPECT_GT(slow.time - none.time, 0.9 * R);
    // the same job on the fixed optical ring pays none and reports no switch
    Figures ring = run_figures("platforms/chiplet-optical-cluster.xml "
                               "workloads/chiplet-optical-7b.xml --set model.layers=8");
    EXPECT_NE(ring.report.find("\"circuits\": null"), std::string::npos);
    // a pipeline of eight packages needs p3 -> p4, which no configuration joins: refused
    // before the run, naming the switch's line and the dies
    CliRun apart = tessera("run " + job + " --set workload.pp=8 --set workload.dp=1 --json");
    EXPECT_NE(apart.status, 0);
    EXPECT_NE(apart.output.find("circuit switch 'ocs' (line 99): no configuration joins die 'p3."),
              std::string::npos)
        << apart.output;
    // symmetry cannot mirror replicas whose traffic sets the switch
    CliRun sym = tessera("run " + job + " --symmetry --json");
    EXPECT_NE(sym.status, 0);
    EXPECT_NE(sym.output.find("circuit switch"), std::string::npos) << sym.output;
}
