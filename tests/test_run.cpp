// Training iterations: GEMM timing from the systolic array's geometry, bounds every
// iteration must respect, and byte-identical reports.
#include <gtest/gtest.h>

#include "cli_run.h"
#include "model/die_timing.h"

#include <algorithm>
#include <cstdio>
#include <functional>
#include <map>
#include <sstream>
#include <cstdlib>
#include <unistd.h>
#include <stdexcept>
#include <string>
#include <sys/wait.h>

extern "C" {
#include "api/tessera_hw.h"
}

namespace
{

std::string run_json(const std::string &args, int *status)
{
    CliRun r = tessera("run " + args + " --json", true); // stdout only
    *status = r.status;
    return r.output;
}

// Cycles of one GEMM, tile by tile: the test walks every T x T x T tile (edge tiles
// smaller) and counts ceil(tm/R) x ceil(tn/C) passes of tk + R + C - 2 cycles each.
double by_hand(uint64_t M, uint64_t N, uint64_t K, uint64_t T, uint32_t R, uint32_t C, uint32_t A)
{
    double cycles = 0;
    for (uint64_t i = 0; i < M; i += T)
        for (uint64_t j = 0; j < N; j += T)
            for (uint64_t k = 0; k < K; k += T) {
                const uint64_t tm = std::min(T, M - i), tn = std::min(T, N - j),
                               tk = std::min(T, K - k);
                cycles +=
                    double((tm + R - 1) / R) * double((tn + C - 1) / C) * double(tk + R + C - 2);
            }
    return cycles / A;
}

// n dies (16 x 16 arrays) on one crossbar: links of 64 B per 1 GHz cycle (64 GB/s) and 10 cycles,
// a 2-cycle router.
std::string ring_switch(unsigned n)
{
    return "<?xml version=\"1.0\"?>\n<platform name=\"ring\">\n"
           "  <die-type name=\"d\" clock=\"1GHz\" tensor-rows=\"16\" tensor-cols=\"16\" "
           "vector-lanes=\"16\" sram=\"1MiB\" sram-bandwidth=\"1TB/s\"/>\n"
           "  <router-type name=\"x\" clock=\"1GHz\" flit-width=\"64B\" pipeline=\"2\" "
           "routing=\"table\"/>\n"
           "  <link-type name=\"l\" width=\"64B\" latency=\"10cycles\" energy=\"1pJ/bit\"/>\n"
           "  <switch name=\"n\" dies=\"" +
           std::to_string(n) + "\" die=\"d\" router=\"x\" link=\"l\"/>\n</platform>\n";
}

} // namespace

TEST(ComputeDie, GemmTakesTheArrayGeometrysCycles)
{
    struct Shape {
        uint64_t m, n, k, t;
        uint32_t r, c, a;
    } shapes[] = {
        {4096, 4096, 4096, 2048, 128, 128, 4}, // divides evenly
        {4000, 3000, 5000, 2048, 128, 128, 4}, // edge tiles on every side
        {2048, 6144, 512, 1856, 16, 16, 432},  // A100-like arrays, K under one tile
        {100, 7, 33, 64, 16, 16, 1},           // smaller than one array pass
    };
    for (const Shape &s : shapes) {
        const double expected = by_hand(s.m, s.n, s.k, s.t, s.r, s.c, s.a);
        EXPECT_NEAR(tess_gemm_cycles(s.m, s.n, s.k, 1, s.t, s.r, s.c, s.a) / expected, 1.0, 0.01)
            << s.m << "x" << s.n << "x" << s.k;
        EXPECT_NEAR(tess_gemm_cycles(s.m, s.n, s.k, 3, s.t, s.r, s.c, s.a) / (3 * expected), 1.0,
                    1e-12);
    }
}

TEST(Run, IterationRespectsTheComputeBound)
{
    int status = 0;
    std::string out = run_json("platforms/default.xml workloads/default.xml", &status);
    ASSERT_EQ(status, 0) << out;
    const double T = json_number(out, "iteration_time_s");
    const double hw = json_number(out, "hardware_flops");
    // 16 dies x 4 arrays x 128 x 128 MACs x 2 FLOP x 1 GHz
    const double peak = 16 * 4 * 128.0 * 128 * 2 * 1e9;
    EXPECT_GE(T, hw / peak);
    EXPECT_GT(json_number(out, "mfu"), 0.0);
    EXPECT_LE(json_number(out, "hfu"), 1.0);
    // the model's tokens per second follow from the iteration: 16 x 2048 tokens
    EXPECT_NEAR(json_number(out, "tokens_per_s"), 16 * 2048 / T, 1e-6 * 16 * 2048 / T);
}

TEST(Run, ReportsAreByteIdenticalOutsideRun)
{
    int s1 = 0, s2 = 0;
    std::string a = run_json("platforms/default.xml workloads/default.xml", &s1);
    std::string b = run_json("platforms/default.xml workloads/default.xml", &s2);
    ASSERT_EQ(s1, 0) << a;
    ASSERT_EQ(s2, 0) << b;
    auto strip = [](const std::string &j) { return j.substr(0, j.find("\"run\":")); };
    EXPECT_EQ(strip(a), strip(b));
    EXPECT_NE(strip(a).find("\"iteration_time_s\""), std::string::npos);
}

TEST(Run, OptimizerStepTakesItsBytesAtTheBandwidthTessMemMeasures)
{
    // one die and one HBM3 pool: the die's DMA rate is what `tessera mem` measures for the
    // pool with the stream the evaluator uses (64 B reads, 32 per channel in flight, at
    // least 40 x 32 per channel and enough for 8 refresh intervals of 3.9 us at the peak
    // rate, 64 channels x 8 B x 6.4 Gb/s)
    char dir[] = "/tmp/tess-opt-XXXXXX";
    ASSERT_NE(mkdtemp(dir), nullptr);
    const std::string plat = std::string(dir) + "/one.xml";
    {
        FILE *f = std::fopen(plat.c_str(), "w");
        ASSERT_NE(f, nullptr);
        std::fputs(
            "<?xml version=\"1.0\"?>\n"
            "<platform name=\"scale1\">\n"
            "  <die-type name=\"d\" clock=\"1GHz\" tensor-arrays=\"4\" tensor-rows=\"128\" "
            "tensor-cols=\"128\"\n"
            "            vector-lanes=\"2048\" sram=\"48MiB\" sram-bandwidth=\"8TB/s\"/>\n"
            "  <router-type name=\"r\" clock=\"1GHz\" flit-width=\"64B\" pipeline=\"2\" "
            "routing=\"xy\" ports=\"6\"/>\n"
            "  <link-type name=\"l\" width=\"64B\" latency=\"1cycle\" energy=\"0.5pJ/bit\"/>\n"
            "  <memory-type name=\"pool\" standard=\"HBM3\" capacity=\"16TiB\" channels=\"64\" "
            "bus-width=\"64b\"\n"
            "               data-rate=\"6.4Gb/s\" rows=\"16777216\" tCL=\"14ns\" tCWL=\"5ns\" "
            "tRCD=\"14ns\" tRP=\"14ns\"\n"
            "               tRAS=\"34ns\" tRC=\"48ns\" tCCD_S=\"4cycles\" tCCD_L=\"4cycles\" "
            "tRRD_S=\"4ns\" tRRD_L=\"4ns\"\n"
            "               tFAW=\"15ns\" tWR=\"16ns\" tWTR_S=\"6cycles\" tWTR_L=\"8cycles\" "
            "tRTW=\"16ns\"\n"
            "               tRTP=\"5cycles\" tREFI=\"3.9us\" tRFC=\"350ns\"/>\n"
            "  <mesh name=\"m\" rows=\"1\" cols=\"1\" die=\"d\" router=\"r\" link=\"l\"/>\n"
            "  <instance name=\"pool\" type=\"pool\"/>\n"
            "  <connect from=\"pool\" to=\"m.r0c0.router\" link=\"l\"/>\n"
            "</platform>\n"
            "",
            f);
        std::fclose(f);
    }
    CliRun mem =
        tessera("mem " + plat +
                    " --pattern stream --read-ratio 1 --request-bytes 64 --outstanding 2048 "
                    "--requests " +
                    std::to_string(
                        std::max<uint64_t>(81920, uint64_t(8 * 3.9e-6 * 64 * 8 * 6.4e9 / 64) + 1)) +
                    " --json",
                true);
    ASSERT_EQ(mem.status, 0) << mem.output;
    const double B = json_number(mem.output, "bandwidth_bytes_per_s");
    ASSERT_GT(B, 0);
    int st = 0;
    const std::string r = run_json(
        plat +
            " workloads/default.xml --memory-fidelity rate --set workload.tp=1 --set workload.pp=1 "
            "--set workload.dp=1 --set model.layers=2 --set model.hidden=1024 "
            "--set model.heads=8 --set model.ffn=4096",
        &st);
    ASSERT_EQ(st, 0) << r;
    // parameters of the GPT (layernorm, learned positions, tied embedding): per layer
    // 4h^2 + 4h (attention) + 2 h ffn + ffn + h (MLP) + 4h (two layernorms); the token
    // embedding V h, positions s h, the final layernorm 2h
    const double h = 1024, ffn = 4096, L = 2, V = 51200, seq = 2048;
    const double P =
        L * (4 * h * h + 4 * h + 2 * h * ffn + ffn + h + 4 * h) + V * h + seq * h + 2 * h;
    // Megatron's mixed-precision Adam step: 50 bytes per parameter (unscale and check the
    // fp32 main gradients 4 + 4, their norm 4, Adam's weight, gradient and moments in and
    // weight and moments out 7 x 4, master into model weights 4 + 2, zero the gradients 4)
    const double expected = (8 + 4 + 28 + 6 + 4) * P / B;
    EXPECT_NEAR(json_number(r.substr(r.find("\"time_breakdown_s\"")), "optimizer"), expected,
                0.05 * expected)
        << r;
    std::system((std::string("rm -rf '") + dir + "'").c_str());
}

TEST(Run, StatsCsvHasADieARowThatAddsUpToTheReport)
{
    char dir[] = "/tmp/tess-stats-XXXXXX";
    ASSERT_NE(mkdtemp(dir), nullptr);
    const std::string d = dir;
    CliRun run = tessera("run platforms/default.xml workloads/default.xml --quiet -o " + d);
    ASSERT_EQ(run.status, 0) << run.output;
    const std::string report = read_text(d + "/report.json"), csv = read_text(d + "/stats.csv");
    ASSERT_FALSE(report.empty());
    ASSERT_FALSE(csv.empty());
    // the schedule's own counts, from `tessera schedule` (no simulation)
    CliRun sched = tessera("schedule platforms/default.xml workloads/default.xml --json", true);
    ASSERT_EQ(sched.status, 0);
    const double ops = json_number(sched.output, "ops");
    const double hw_flops =
        json_number(report, "hardware_flops"); // the schedule's count, to 9 digits
    std::vector<std::vector<std::string>> rows;
    size_t at = csv.find('\n') + 1;
    EXPECT_EQ(csv.substr(0, at),
              "kind,name,rank,stage,compute_s,memory_s,optimizer_s,network_s,pipeline_bubble_s,"
              "end_s,flops,ops,dram_bytes,messages,utilisation\n");
    while (at < csv.size()) {
        size_t nl = csv.find('\n', at);
        std::vector<std::string> f;
        for (size_t p = at, c; p <= nl; p = c + 1) {
            c = std::min(csv.find(',', p), nl);
            f.push_back(csv.substr(p, c - p));
        }
        rows.push_back(f);
        at = nl + 1;
    }
    // the default job's 16 ranks, then the 4 x 4 mesh's channels: die<->router both ways
    // (32), 24 router links both ways (48) and, the memories being network endpoints at
    // the default burst memory fidelity, the 8 HBM stacks' links both ways (16); then its
    // 16 routers and 8 HBM stacks
    const size_t links = 32 + 48 + 16;
    ASSERT_EQ(rows.size(), 16u + links + 16u + 8u);
    double latest = 0, flops = 0, n_ops = 0, busiest = 0, die_bytes = 0, mem_bytes = 0;
    std::map<std::string, std::pair<double, int>> out_of; // router -> its channels' utilisation
    const double T = json_number(report, "iteration_time_s");
    for (size_t r = 0; r < rows.size(); r++) {
        ASSERT_EQ(rows[r].size(), 15u);
        if (r >= 16 + links + 16) { // memories: every DRAM byte of the dies lands on one, and
            EXPECT_EQ(rows[r][0], "memory"); // utilisation is bytes / (T x 32 x 4 B x 6.4 GT/s)
            mem_bytes += std::stod(rows[r][12]);
            EXPECT_NEAR(std::stod(rows[r][14]), std::stod(rows[r][12]) / (T * 32 * 4 * 6.4e9),
                        1e-6);
            continue;
        }
        if (r >= 16 + links) { // routers: the mean utilisation of their output channels
            EXPECT_EQ(rows[r][0], "router");
            const auto &o = out_of[rows[r][1]];
            ASSERT_GT(o.second, 0) << rows[r][1];
            EXPECT_NEAR(std::stod(rows[r][14]), o.first / o.second, 1e-5) << rows[r][1];
            continue;
        }
        if (r >= 16) {
            EXPECT_EQ(rows[r][0], "link");
            busiest = std::max(busiest, std::stod(rows[r][14]));
            const std::string from = rows[r][1].substr(0, rows[r][1].find("->"));
            out_of[from].first += std::stod(rows[r][14]);
            out_of[from].second++;
            continue;
        }
        die_bytes += std::stod(rows[r][12]);
        EXPECT_EQ(rows[r][0], "die");
        EXPECT_EQ(rows[r][2], std::to_string(r));
        EXPECT_EQ(rows[r][3], std::to_string(r / 4)); // tp 4: ranks 0-3 are stage 0, ...
        latest = std::max(latest, std::stod(rows[r][9]));
        flops += std::stod(rows[r][10]);
        n_ops += std::stod(rows[r][11]);
    }
    EXPECT_NEAR(busiest, json_number(report, "utilisation"), 1e-6); // the report's busiest link
    EXPECT_NEAR(mem_bytes, die_bytes, 1e-6 * die_bytes);            // no byte lost or counted twice
    EXPECT_NEAR(latest, T, 1e-8 * T);              // the iteration ends with its last die
    EXPECT_NEAR(flops, hw_flops, 1e-6 * hw_flops); // every FLOP the schedule counts, executed
    EXPECT_EQ(n_ops, ops);                         // every op retired
    std::system(("rm -rf '" + d + "'").c_str());
}

TEST(Run, ForcedProgressShowsLinesAndChangesNoResult)
{
    // --progress shows lines from the start (a terminal would see them past 2 s), so this
    // does not depend on how fast the machine is; the wafer-scale GPT-3 job runs long
    // enough (seconds) for many slices of simulated time
    char dir[] = "/tmp/tess-progress-XXXXXX";
    ASSERT_NE(mkdtemp(dir), nullptr);
    const std::string d = dir,
                      job = "platforms/wafer-8x8.xml workloads/gpt3-175b-tp8-pp8.xml --json";
    auto run = [&](const std::string &flag, const std::string &name) {
        std::string cmd = std::string("cd '") + TESS_SOURCE_DIR + "' && '" + TESS_BINARY +
                          "' run " + job + " " + flag + " >'" + d + "/" + name + ".json' 2>'" + d +
                          "/" + name + ".err'";
        return std::system(cmd.c_str());
    };
    auto read = [&](const std::string &name) { return read_text(d + "/" + name); };
    ASSERT_EQ(run("--progress", "p"), 0);
    ASSERT_EQ(run("--quiet", "q"), 0);
    auto strip = [](const std::string &j) { return j.substr(0, j.find("\"run\":")); };
    EXPECT_EQ(strip(read("p.json")), strip(read("q.json")));
    const std::string shown = read("p.err");
    EXPECT_NE(shown.find("% of ops retired"), std::string::npos) << shown;
    EXPECT_NE(shown.find("events/s, ETA"), std::string::npos) << shown;
    // the last line is the end: every op of every die retired
    EXPECT_NE(shown.find("100.0% of ops retired"), std::string::npos) << shown;
    EXPECT_EQ(read("q.err").find("ops retired"), std::string::npos);
    std::system(("rm -rf '" + d + "'").c_str());
}

#include <cstring>
#include <vector>

#include "child.h"
#include "platform_fixture.h"

extern "C" {
#include "model/estimate.h"
#include "model/schedule.h"
}

TEST(Run, RingAllReduceTakesItsStepsOfSerialisationAndLatency)
{
    // N dies on one crossbar; links of 64 B per 1 GHz cycle (64 GB/s) and 10 cycles;
    // a 2-cycle router. A schedule with no passes leaves only the tail: one data-
    // parallel all-reduce of S bytes, then an optimizer step over no parameters. The
    // ring's steps do not contend, so packet and flow fidelity must both give it.
    for (tess_noc_fidelity fidelity : {TESS_NOC_PACKET, TESS_NOC_FLOW})
        for (unsigned n : {4u, 8u}) {
            auto l = load_xml(ring_switch(n));
            ASSERT_EQ(l->rc, TESS_OK) << l->errors;
            const uint64_t S = 64ull << 20; // 64 MiB
            std::vector<double> v = in_child([&] {
                tess_schedule s;
                std::memset(&s, 0, sizeof s);
                std::vector<uint32_t> ranks;
                for (size_t i = 0; i < l->p.n_instances; i++)
                    if (l->p.instances[i].kind == TESS_KIND_DIE) ranks.push_back(uint32_t(i));
                tess_stage stage;
                std::memset(&stage, 0, sizeof stage);
                s.dies = n;
                s.pp = 1;
                s.chunks = 1;
                s.tp = 1;
                s.dp = n;
                s.tp_grid = 1;
                s.die_of_rank = ranks.data();
                s.stages = &stage;
                tess_coll_use coll;
                std::memset(&coll, 0, sizeof coll);
                s.colls = &coll;
                s.n_colls = 1;
                s.colls[0].what = "dp gradient all-reduce";
                s.colls[0].axis = TESS_AXIS_DP;
                s.colls[0].kind = TESS_ALL_REDUCE;
                s.colls[0].group = n;
                s.colls[0].bytes = S;
                s.colls[0].calls = 1;
                s.dp_coll = 0;
                s.dp_chunks = 1;
                s.recv_coll = -1;
                std::vector<double> bw(n, 1e12);
                tess_iteration_result r;
                char msg[512];
                const tess_hw_run_options o = {
                    fidelity, 0, 0, TESS_MEM_RATE, nullptr, nullptr, nullptr, nullptr, 0};
                if (tess_hw_run(&l->p, &s, 2, bw.data(), &o, &r, nullptr, nullptr, nullptr, nullptr,
                                nullptr, nullptr, nullptr, msg, sizeof msg) != 0)
                    throw std::runtime_error(msg);
                return std::vector<double>{r.iteration_time_s, r.network_s};
            });
            ASSERT_EQ(v.size(), 2u);
            // per step: S/N bytes over a 64 GB/s link, plus one crossing of two links and
            // the router (10 + 2 + 10 cycles); 2(N-1) steps
            const double step = double(S / n) / 64e9 + 22e-9;
            const double expected = 2.0 * (n - 1) * step;
            EXPECT_NEAR(v[0] / expected, 1.0, 0.05)
                << n << " dies at fidelity " << fidelity << ": " << v[0] << " s";
            EXPECT_NEAR(v[1] / expected, 1.0, 0.05);
        }
}

#include <unistd.h>

extern "C" {
#include "config/workload.h"
#include "config/diag.h"
}

namespace
{
// One die (16 x 16 array at 1 GHz, 16 vector lanes, DMA at 1 TB/s) running one pass of the
// forward template `groups`: the simulated iteration time and the analytical model's
// (tess_estimate_template, every factor 1) time of the template.
std::pair<double, double> one_die_pass(std::vector<tess_op_group> groups)
{
    const std::string xml =
        "<?xml version=\"1.0\"?>\n<platform name=\"one\">\n"
        "  <die-type name=\"d\" clock=\"1GHz\" tensor-rows=\"16\" tensor-cols=\"16\" "
        "vector-lanes=\"16\" sram=\"64MiB\"/>\n"
        "  <router-type name=\"x\" clock=\"1GHz\" flit-width=\"64B\" routing=\"table\"/>\n"
        "  <link-type name=\"l\" width=\"64B\" latency=\"1cycle\" energy=\"0pJ/bit\"/>\n"
        "  <switch name=\"n\" dies=\"1\" die=\"d\" router=\"x\" link=\"l\"/>\n</platform>\n";
    auto l = load_xml(xml);
    EXPECT_EQ(l->rc, TESS_OK) << l->errors;
    std::vector<double> v = in_child([&] {
        uint32_t rank = 0;
        for (size_t i = 0; i < l->p.n_instances; i++)
            if (l->p.instances[i].kind == TESS_KIND_DIE) rank = uint32_t(i);
        tess_schedule s;
        std::memset(&s, 0, sizeof s);
        tess_stage stage;
        std::memset(&stage, 0, sizeof stage);
        tess_pass pass = {0, 0, 0};
        stage.layers_per_chunk = 1;
        stage.order = &pass;
        stage.n_order = 1;
        s.dies = s.pp = s.chunks = s.tp = s.dp = s.tp_grid = s.microbatches = 1;
        s.die_of_rank = &rank;
        s.stages = &stage;
        s.fwd.groups = groups.data();
        s.fwd.n = uint32_t(groups.size());
        s.dp_coll = -1;
        s.dp_chunks = 1;
        s.recv_coll = -1;
        double rate = 1e12;
        tess_iteration_result r;
        char msg[512];
        const tess_hw_run_options o = {TESS_NOC_PACKET, 0,       0, TESS_MEM_RATE, nullptr, nullptr,
                                       nullptr,         nullptr, 0};
        if (tess_hw_run(&l->p, &s, 2, &rate, &o, &r, nullptr, nullptr, nullptr, nullptr, nullptr,
                        nullptr, nullptr, msg, sizeof msg) != 0)
            throw std::runtime_error(msg);
        tess_calibration cal;
        tess_calibration_default(&cal);
        tess_estimate_net net;
        std::memset(&net, 0, sizeof net);
        tess_template_time t;
        const tess_die_type *dt = &l->p.types[l->p.instances[rank].type].u.die;
        tess_estimate_template(&s, &s.fwd, dt, 2, rate, &net, &cal, &t);
        return std::vector<double>{r.iteration_time_s, t.local_s};
    });
    EXPECT_EQ(v.size(), 2u);
    return v.size() == 2 ? std::make_pair(v[0], v[1]) : std::make_pair(-1.0, -1.0);
}

} // namespace

TEST(Run, ASystolicDieLoadsTheNextTileWhileItComputesThisOne)
{
    // One die, one forward pass of one tiled GEMM (4096^3 in tiles of 2048 on a 16 x 16
    // array: t = 8 tiles of g = 16,384 x 2,078 cycles each, s = 4 output tiles stored),
    // DMA at 1 TB/s. A tile's two loads take l, a store st. Double buffered, tile j's
    // loads run while tile j - 1 computes and a store waits for its output tile:
    //  - compute-bound (l = g/2, st = g/4): the array never waits after the first loads:
    //    l + 8 g + st = 8.75 g (loads all ahead of the first tile, as before: 13 g);
    //  - DMA-bound (l = 2 g, st = g): the DMA engine never waits; the last tile and its
    //    store follow the last loads: 8 l + 4 st + g = 21 g (before: 28 g).
    const double g = 16384.0 * 2078 / 1e9, bw = 1e12;
    for (const double load : {g / 2, 2 * g}) {
        const double store = load / 2;
        std::vector<tess_op_group> groups(3);
        std::memset(groups.data(), 0, 3 * sizeof groups[0]);
        groups[0].kind = TESS_OP_LOAD;
        groups[0].count = 16;
        groups[0].bytes_each = uint64_t(load / 2 * bw);
        groups[0].coll = -1;
        groups[1].kind = TESS_OP_GEMM;
        groups[1].count = 8;
        groups[1].flops_each = 2.0 * 4096 * 4096 * 4096 / 8;
        groups[1].coll = -1;
        groups[1].gm = groups[1].gn = groups[1].gk = 4096;
        groups[1].gcount = 1;
        groups[1].tile = 2048;
        groups[2].kind = TESS_OP_STORE;
        groups[2].count = 4;
        groups[2].bytes_each = uint64_t(store * bw);
        groups[2].coll = -1;
        const double expected =
            load < g ? load + 8 * g + store : 8 * load + 4 * store + g; // see above
        EXPECT_NEAR(one_die_pass(groups).first / expected, 1.0, 1e-6)
            << "a tile's loads " << load / g << " g";
    }
}

namespace
{
// One forward pass of L layers of `groups` (the forward template) on the 4 dies of a switch
// platform l, every die a replica of the data-parallel axis (cp of them a context-parallel
// ring), with one collective c (none: NULL), flow fidelity, DMA at 1 TB/s. Returns the
// iteration time (in a child: a SystemC run).
double run_forward_template(const Loaded &l, std::vector<tess_op_group> groups, tess_coll_use *c,
                            uint32_t L, uint32_t cp)
{
    std::vector<double> v = in_child([&] {
        std::vector<uint32_t> ranks;
        for (size_t i = 0; i < l.p.n_instances; i++)
            if (l.p.instances[i].kind == TESS_KIND_DIE) ranks.push_back(uint32_t(i));
        tess_schedule s;
        std::memset(&s, 0, sizeof s);
        tess_stage stage;
        std::memset(&stage, 0, sizeof stage);
        tess_pass pass = {0, 0, 0};
        stage.layers_per_chunk = L;
        stage.order = &pass;
        stage.n_order = 1;
        s.dies = s.dp = 4;
        s.cp = cp;
        s.pp = s.chunks = s.tp = s.tp_grid = s.microbatches = 1;
        s.die_of_rank = ranks.data();
        s.stages = &stage;
        s.fwd.groups = groups.data();
        s.fwd.n = uint32_t(groups.size());
        s.colls = c;
        s.n_colls = c ? 1 : 0;
        s.dp_coll = -1;
        s.dp_chunks = 1;
        s.recv_coll = -1;
        std::vector<double> bw(4, 1e12);
        tess_iteration_result r;
        char msg[512];
        const tess_hw_run_options o = {TESS_NOC_FLOW, 0,       0, TESS_MEM_RATE, nullptr, nullptr,
                                       nullptr,       nullptr, 0};
        if (tess_hw_run(&l.p, &s, 2, bw.data(), &o, &r, nullptr, nullptr, nullptr, nullptr, nullptr,
                        nullptr, nullptr, msg, sizeof msg) != 0)
            throw std::runtime_error(msg);
        return std::vector<double>{r.iteration_time_s};
    });
    return v.empty() ? -1 : v[0];
}

// A 256^3 GEMM (one tile on a 16 x 16 array), and a collective op of colls[0] run as
// `async` says.
tess_op_group gemm_256()
{
    tess_op_group g;
    std::memset(&g, 0, sizeof g);
    g.kind = TESS_OP_GEMM;
    g.count = 1;
    g.flops_each = 2.0 * 256 * 256 * 256;
    g.coll = -1;
    g.gm = g.gn = g.gk = g.tile = 256;
    g.gcount = 1;
    return g;
}
tess_op_group collective_op(uint64_t bytes, tess_async async)
{
    tess_op_group g;
    std::memset(&g, 0, sizeof g);
    g.kind = TESS_OP_COLLECTIVE;
    g.count = 1;
    g.bytes_each = bytes;
    g.coll = 0;
    g.async = uint8_t(async);
    g.chain = async == TESS_SYNC ? 0 : 1;
    return g;
}

// One forward pass of L layers on 4 dies of a switch (64 GB/s links of 10 cycles, a
// 2-cycle router), data parallel: each layer one 256^3 GEMM (one tile on a 16 x 16 array)
// and one data-parallel collective of S bytes, before the GEMM (`gather_first`) or after
// it, run as `async` says. Returns the iteration time.
double run_layers_with_a_collective(const Loaded &l, uint32_t L, tess_coll kind, uint64_t S,
                                    bool gather_first, tess_async async, bool with_collective)
{
    std::vector<tess_op_group> groups{gemm_256()};
    if (with_collective)
        groups.insert(gather_first ? groups.begin() : groups.end(), collective_op(S, async));
    tess_coll_use c;
    tess_coll_use_init(&c, "dp layer collective", TESS_AXIS_DP, kind, 4, S, L);
    c.per_layer = 1;
    return run_forward_template(l, groups, &c, L, 1);
}

// A one-tile 256^3 GEMM's loads (two of `load` seconds between them at 1 TB/s, the weight
// operands `weights`), the GEMM (operands ahead `ahead`) and its store.
std::vector<tess_op_group> gemm_256_tiled(double load, double store, uint8_t ahead, uint8_t weights)
{
    tess_op_group L, S;
    std::memset(&L, 0, sizeof L);
    std::memset(&S, 0, sizeof S);
    L.kind = TESS_OP_LOAD;
    L.count = 2;
    L.bytes_each = uint64_t(load / 2 * 1e12);
    L.coll = S.coll = -1;
    L.weights = weights;
    S.kind = TESS_OP_STORE;
    S.count = 1;
    S.bytes_each = uint64_t(store * 1e12);
    tess_op_group G = gemm_256();
    G.ahead = ahead;
    G.weights = weights;
    return {L, G, S};
}
} // namespace

TEST(Run, ASystolicDieLoadsTheNextGemmsIndependentOperandsUnderTheLastTile)
{
    // One pass of two adjacent one-tile 256^3 GEMMs on a 16 x 16 array at 1 GHz: each tile
    // g = 16 x 16 output blocks of 256 + 16 + 16 - 2 cycles, a tile's two loads l = g/2, a
    // store st = g/4. The die's one in-order DMA engine: loads of a tile no earlier than the
    // tile before it starts; a store after its tile; a tile after its loads. By hand (the
    // second GEMM's operands that read nothing of the first, ahead):
    //  - none (it reads the first's output): L0, G0, S0, L1, G1, S1 in turn:
    //    2l + 2g + 2st = 3.5 g;
    //  - B only (a weight): B's load under G0, then S0, then A: l + g + st + l/2 + g + st
    //    = 3.25 g;
    //  - both (a dW GEMM after its dX): both loads under G0, G1 right after G0, S0 under
    //    G1: l + 2g + st = 2.75 g.
    // The analytical model times the same template to the same figures.
    const double g = 256.0 * (256 + 30) / 1e9, load = g / 2, store = g / 4;
    const std::pair<uint8_t, double> cases[] = {{0, 2 * load + 2 * g + 2 * store},
                                                {2, 1.5 * load + 2 * g + 2 * store},
                                                {3, load + 2 * g + store}};
    for (const auto &[ahead, expected] : cases) {
        std::vector<tess_op_group> groups = gemm_256_tiled(load, store, 0, 0);
        for (const tess_op_group &x : gemm_256_tiled(load, store, ahead, 0))
            groups.push_back(x);
        const auto [simulated, estimated] = one_die_pass(groups);
        EXPECT_NEAR(simulated / expected, 1.0, 1e-6) << "ahead " << int(ahead);
        EXPECT_NEAR(estimated / expected, 1.0, 1e-6) << "ahead " << int(ahead);
    }
}

TEST(Run, AGemmsActivationOperandLoadsAfterTheElementWiseWorkBeforeIt)
{
    // An element-wise kernel of v = 2 l (its 2 x 16 x v elements over 16 lanes at 1 GHz),
    // then a one-tile 256^3 GEMM (g, two loads l = g/2 between them, a store st = g/4; by
    // hand as above). An activation operand is the element-wise work's output: its load
    // waits for it; a weight's may load during it, first. So the GEMM starts at:
    //  - both activations: v + l (then g and st): 2l + g + st;
    //  - B a weight: B under the kernel, A at v: v + l/2: 1.5 l + g + st;
    //  - both weights: max(v, l) = v: l + g + st.
    // The analytical model: the same (weights' loads under the element-wise work before
    // the GEMM, activations' after it).
    const double g = 256.0 * (256 + 30) / 1e9, load = g / 2, store = g / 4, v = 2 * load;
    tess_op_group V;
    std::memset(&V, 0, sizeof V);
    V.kind = TESS_OP_VECTOR;
    V.count = 1;
    V.bytes_each = uint64_t(2 * 16 * v * 1e9); // 2-byte elements, 16 a cycle
    V.coll = -1;
    const std::pair<uint8_t, double> cases[] = {
        {0, v + load + g + store}, {2, v + load / 2 + g + store}, {3, v + g + store}};
    for (const auto &[weights, expected] : cases) {
        std::vector<tess_op_group> groups{V};
        for (const tess_op_group &x : gemm_256_tiled(load, store, 0, weights))
            groups.push_back(x);
        const auto [simulated, estimated] = one_die_pass(groups);
        EXPECT_NEAR(simulated / expected, 1.0, 1e-6) << "weights " << int(weights);
        EXPECT_NEAR(estimated / expected, 1.0, 1e-6) << "weights " << int(weights);
    }
}

TEST(Run, AGemmsLastStoreRunsBesideTheElementWiseWorkAfterIt)
{
    // A one-tile 256^3 GEMM (by hand as above: l = g/2, st = g/4), an element-wise kernel
    // of v reading its output from SRAM, then another such GEMM. The kernel starts when the
    // tile is done, beside the first GEMM's store; the second GEMM's loads wait for that
    // store (one DMA engine), its activation operands for the kernel too. From the start:
    //  - v = g, both activations: l + g + v + l + g + st = 4.25 g (the store hidden);
    //  - v = g, B a weight (loads at l + g + st, A's at l + g + v): l + g + v + l/2 + g + st
    //    = 4 g;
    //  - v = g, both weights (in by l + g + st + l, before the kernel ends): l + 2g + v + st
    //    = 3.75 g;
    //  - v = g/8, both weights: the kernel under the store, the loads after it:
    //    2 l + 2 g + 2 st = 3.5 g.
    // The analytical model: each tiled GEMM's last store beside the element-wise work after
    // it, the next GEMM's loads once it is done (it counted the store exposed, then the
    // kernel again: 4.5 g in the first case).
    const double g = 256.0 * (256 + 30) / 1e9, load = g / 2, store = g / 4;
    struct Case {
        double v;
        uint8_t weights;
        double expected;
    };
    const Case cases[] = {{g, 0, 2 * load + 2 * g + g + store},
                          {g, 2, 1.5 * load + 2 * g + g + store},
                          {g, 3, load + 2 * g + g + store},
                          {g / 8, 3, 2 * load + 2 * g + 2 * store}};
    for (const Case &c : cases) {
        tess_op_group V;
        std::memset(&V, 0, sizeof V);
        V.kind = TESS_OP_VECTOR;
        V.count = 1;
        V.bytes_each = uint64_t(2 * 16 * c.v * 1e9); // 2-byte elements, 16 a cycle
        V.coll = -1;
        std::vector<tess_op_group> groups = gemm_256_tiled(load, store, 0, 0);
        groups.push_back(V);
        for (const tess_op_group &x : gemm_256_tiled(load, store, 0, c.weights))
            groups.push_back(x);
        const auto [simulated, estimated] = one_die_pass(groups);
        EXPECT_NEAR(simulated / c.expected, 1.0, 1e-6) << c.v / g << " " << int(c.weights);
        EXPECT_NEAR(estimated / c.expected, 1.0, 1e-6) << c.v / g << " " << int(c.weights);
    }
}

TEST(Run, AsyncCollectivesRunUnderTheComputeOnTheirOwnStreams)
{
    // A gather issued a layer ahead (tess_async TESS_ASYNC_GATHER), each call taking a,
    // layers of compute g: layer 0 waits for its own gather, then each layer k waits for
    // the gather issued when layer k - 1 began, so L layers take a + L g when a <= g and
    // L a + g when a > g (the die waits on the stream); in the die's stream (TESS_SYNC)
    // L (a + g). A reduction issued after each layer's compute and not waited for
    // (TESS_ASYNC_REDUCE), each r: L g + r (the last drains before the tail) when r <= g,
    // g + L r when r > g; in the stream L (g + r). A ring's call over 4 dies of S bytes
    // takes 3 (S/4 / 64 GB/s + 22 ns) (Run.RingAllReduceTakesItsStepsOfSerialisationAndLatency).
    auto l = load_xml(ring_switch(4));
    ASSERT_EQ(l->rc, TESS_OK) << l->errors;
    const uint32_t L = 6;
    const double g =
        run_layers_with_a_collective(*l, L, TESS_ALL_GATHER, 0, true, TESS_SYNC, false) / L;
    ASSERT_GT(g, 0);
    for (const double ratio : {0.5, 2.0}) {
        const double want = ratio * g;                              // a or r
        const uint64_t S = uint64_t((want / 3 - 22e-9) * 64e9) * 4; // S/4 a step
        const double a = 3 * (double(S / 4) / 64e9 + 22e-9);
        const double sync = L * (a + g);
        const double gathered = a <= g ? a + L * g : L * a + g;
        const double reduced = a <= g ? L * g + a : g + L * a;
        EXPECT_NEAR(run_layers_with_a_collective(*l, L, TESS_ALL_GATHER, S, true, TESS_SYNC, true) /
                        sync,
                    1.0, 0.01)
            << "a = " << ratio << " g, in the stream";
        EXPECT_NEAR(
            run_layers_with_a_collective(*l, L, TESS_ALL_GATHER, S, true, TESS_ASYNC_GATHER, true) /
                gathered,
            1.0, 0.01)
            << "a = " << ratio << " g, gathered a layer ahead";
        EXPECT_NEAR(run_layers_with_a_collective(*l, L, TESS_REDUCE_SCATTER, S, false,
                                                 TESS_ASYNC_REDUCE, true) /
                        reduced,
                    1.0, 0.01)
            << "r = " << ratio << " g, reduced on its stream";
    }
}

namespace
{
// Ring attention's steps on 4 dies of a switch (ring_switch: 64 GB/s links of 10 cycles, a
// 2-cycle router), one context-parallel ring: one layer's forward of `steps` blocks, each
// one 256^3 GEMM; before all but the last block the die starts a send-receive of S bytes
// on its third stream (tess_async START) and waits for it after the block's GEMM (WAIT).
// S 0: the GEMMs alone. Returns the iteration time.
double run_ring_steps(const Loaded &l, uint32_t steps, uint64_t S,
                      const tess_op_group &gemm = gemm_256())
{
    std::vector<tess_op_group> groups;
    for (uint32_t j = 0; j < steps; j++) {
        if (S && j + 1 < steps) groups.push_back(collective_op(S, TESS_ASYNC_START));
        groups.push_back(gemm);
        if (S && j + 1 < steps) groups.push_back(collective_op(0, TESS_ASYNC_WAIT));
    }
    tess_coll_use c;
    tess_coll_use_init(&c, "cp K/V ring", TESS_AXIS_CP, TESS_SEND_RECV, 4, S ? S : 1, steps - 1);
    c.per_layer = steps - 1;
    return run_forward_template(l, groups, S ? &c : nullptr, 1, 4);
}
} // namespace

TEST(Run, RingAttentionMovesEachBlockUnderTheComputeOnTheNext)
{
    // cp = 4 blocks of compute g; each of the first three starts a send-receive of its S
    // bytes to the next die of the ring, a = S / 64 GB/s + 22 ns (one step of
    // Run.RingAllReduceTakesItsStepsOfSerialisationAndLatency), and waits for it after its
    // GEMM: every step takes max(g, a), the last g. So 4 g when a <= g (the exchange hidden)
    // and 3 a + g when a > g (the die waits on the ring).
    auto l = load_xml(ring_switch(4));
    ASSERT_EQ(l->rc, TESS_OK) << l->errors;
    const uint32_t cp = 4;
    const double g = run_ring_steps(*l, cp, 0) / cp;
    ASSERT_GT(g, 0);
    for (const double ratio : {0.5, 0.95, 2.0}) {
        const uint64_t S = uint64_t((ratio * g - 22e-9) * 64e9);
        const double a = double(S) / 64e9 + 22e-9;
        const double want = (cp - 1) * std::max(g, a) + g;
        EXPECT_NEAR(run_ring_steps(*l, cp, S) / want, 1.0, 0.01) << "a = " << ratio << " g";
    }
}

TEST(Run, ACollectiveBesideTheComputeHoldsItsSms)
{
    // The ring above on gpu dies of 4 SMs at 500 GFLOP/s each (gemm-ceiling 2 TFLOP/s, no
    // launch), each block a batch of 3 GEMMs of 300 x 100 x 32 in 128 x 64 CTAs: 18 CTAs,
    // 5 waves of a CTA's tau = 2 x 128 x 64 x 32 / 500e9 s alone (g = 5 tau) and 6 over the
    // 3 SMs a running send-receive leaves (collective-sms 1: g' = 6 tau). A block's GEMM
    // runs at g' while the exchange of a runs, at g after: a < g' ends it at
    // a + (1 - a / g') g, then the die has the block; a >= g' waits for a. So each of the
    // first three steps takes max(a, g + a (1 - g / g')), the last g; with
    // collective-sms 0, max(g, a) as above.
    const double tau = 2.0 * 128 * 64 * 32 / 500e9, g = 5 * tau, g2 = 6 * tau;
    tess_op_group gemm = gemm_256();
    gemm.gm = 300;
    gemm.gn = 100;
    gemm.gk = 32;
    gemm.gcount = 3;
    gemm.flops_each = 3 * 2.0 * 300 * 100 * 32;
    const uint32_t cp = 4;
    for (const int taken : {0, 1}) {
        auto l = load_xml(
            "<?xml version=\"1.0\"?>\n<platform name=\"ring\">\n"
            "  <die-type name=\"d\" clock=\"1GHz\" compute=\"gpu\" sms=\"4\" "
            "sm-flops=\"1000\" cta-tiles=\"128x64\" gemm-ceiling=\"2TFLOP/s\" "
            "collective-sms=\"" +
            std::to_string(taken) +
            "\"/>\n"
            "  <router-type name=\"x\" clock=\"1GHz\" flit-width=\"64B\" "
            "pipeline=\"2\" routing=\"table\"/>\n"
            "  <link-type name=\"l\" width=\"64B\" latency=\"10cycles\" energy=\"1pJ/bit\"/>\n"
            "  <switch name=\"n\" dies=\"4\" die=\"d\" router=\"x\" "
            "link=\"l\"/>\n</platform>\n");
        ASSERT_EQ(l->rc, TESS_OK) << l->errors;
        EXPECT_NEAR(run_ring_steps(*l, cp, 0, gemm) / (cp * g), 1.0, 1e-6);
        for (const double ratio : {0.5, 0.95, 1.1, 2.0}) {
            const uint64_t S = uint64_t((ratio * g - 22e-9) * 64e9);
            const double a = double(S) / 64e9 + 22e-9;
            const double step =
                taken ? std::max(a, g + std::min(a, g2) * (1 - g / g2)) : std::max(g, a);
            EXPECT_NEAR(run_ring_steps(*l, cp, S, gemm) / ((cp - 1) * step + g), 1.0, 0.01)
                << "a = " << ratio << " g, collective-sms " << taken;
        }
    }
}

TEST(Run, PipelineBubbleMatchesTheFormulaWhenCommunicationIsNegligible)
{
    // p dies on a crossbar moving 1 MiB per cycle (messages cost nanoseconds), DMA at
    // 1e18 B/s, a 16-token vocabulary (the last stage's logits cost nothing): every
    // stage does the same work, so stage 0 idles (p - 1)(t_f + t_b) of the
    // (m + p - 1)(t_f + t_b) of 1F1B, all of it waiting for pipeline messages.
    const unsigned p = 4, m = 8;
    std::string xml =
        "<?xml version=\"1.0\"?>\n<platform name=\"pipe\">\n"
        "  <die-type name=\"d\" clock=\"1GHz\" tensor-arrays=\"4\" tensor-rows=\"128\" "
        "tensor-cols=\"128\" vector-lanes=\"2048\" sram=\"48MiB\" sram-bandwidth=\"8TB/s\"/>\n"
        "  <router-type name=\"x\" clock=\"1GHz\" flit-width=\"1MiB\" pipeline=\"1\" "
        "routing=\"table\"/>\n"
        "  <link-type name=\"l\" width=\"1MiB\" latency=\"1cycle\" energy=\"0pJ/bit\"/>\n"
        "  <memory-type name=\"big\" standard=\"ideal\" capacity=\"16TiB\" channels=\"64\" "
        "bus-width=\"64b\" data-rate=\"6.4Gb/s\" rows=\"16777216\"" +
        std::string(kTimings) +
        "/>\n"
        "  <switch name=\"n\" dies=\"4\" die=\"d\" router=\"x\" link=\"l\"/>\n"
        "  <instance name=\"pool\" type=\"big\"/>\n"
        "  <connect from=\"pool\" to=\"n.switch\" link=\"l\"/>\n</platform>\n";
    auto plat = load_xml(xml);
    ASSERT_EQ(plat->rc, TESS_OK) << plat->errors;
    char path[] = "/tmp/tess-pipe-XXXXXX";
    int fd = mkstemp(path);
    std::string wxml = "<?xml version=\"1.0\"?>\n<workload name=\"pipe\" model=\"" +
                       source_path("models/gpt-1.3b.xml") +
                       "\" global-batch=\"8\" micro-batch=\"1\" pp=\"4\" pipeline=\"1f1b\"/>\n";
    ASSERT_EQ(write(fd, wxml.data(), wxml.size()), (ssize_t)wxml.size());
    close(fd);
    tess_workload w;
    tess_diag diag;
    tess_diag_init(&diag);
    tess_override vocab = {"model.vocab", "16"};
    int used = 0;
    ASSERT_EQ(tess_workload_load(path, &vocab, 1, &used, &w, &diag), TESS_OK);
    unlink(path);
    tess_schedule s;
    ASSERT_EQ(tess_schedule_build(&plat->p, &w, "pipe", &s, &diag), TESS_OK);
    tess_diag_free(&diag);
    std::vector<double> v = in_child([&] {
        std::vector<double> bw(p, 1e18);
        tess_iteration_result r;
        char msg[512];
        const tess_hw_run_options o = {TESS_NOC_PACKET, 0,       0, TESS_MEM_RATE, nullptr, nullptr,
                                       nullptr,         nullptr, 0};
        if (tess_hw_run(&plat->p, &s, 2, bw.data(), &o, &r, nullptr, nullptr, nullptr, nullptr,
                        nullptr, nullptr, nullptr, msg, sizeof msg) != 0)
            throw std::runtime_error(msg);
        const tess_critical_path &c = r.critical_path;
        return std::vector<double>{r.iteration_time_s,     r.bubble_s,
                                   double(r.slowest_rank), c.compute_s + c.memory_s + c.network_s,
                                   c.transfer_s,           c.other_s,
                                   double(c.handoffs),     r.compute_s + r.memory_s + r.network_s};
    });
    tess_schedule_free(&s);
    ASSERT_EQ(v.size(), 8u);
    EXPECT_EQ(v[2], 0.0); // stage 0 finishes last in 1F1B
    EXPECT_NEAR(v[1] / v[0], double(p - 1) / (m + p - 1), 0.02) << v[1] << " of " << v[0];
    EXPECT_GT(v[1], 0.0);
    // the critical path of 1F1B: micro-batch 0 forward through the p stages, the last
    // stage's m forward and backward passes, the last micro-batch backward through them:
    // 2 (p - 1) crossings; its parts add up to the iteration, and it is work, not waiting:
    // the slowest die's own busy time plus (about) the bubble the path fills with other
    // stages' passes
    EXPECT_EQ(v[6], 2.0 * (p - 1));
    EXPECT_NEAR(v[3] + v[4] + v[5], v[0], 1e-9 * v[0]);
    EXPECT_NEAR(v[3] / (v[7] + v[1]), 1.0, 0.02);
}

TEST(Run, CriticalPathOfOneStageIsTheSlowestDiesOwnTime)
{
    int status = 0;
    const std::string json =
        run_json("platforms/default.xml workloads/default.xml --set workload.tp=16 "
                 "--set workload.pp=1",
                 &status);
    ASSERT_EQ(status, 0) << json;
    const size_t at = json.find("\"critical_path\"");
    ASSERT_NE(at, std::string::npos);
    const std::string cp = json.substr(at), tb = json.substr(json.find("\"time_breakdown_s\""));
    EXPECT_EQ(json_number(cp, "handoffs"), 0); // no pipeline: the path never leaves the die
    EXPECT_DOUBLE_EQ(json_number(cp, "compute_s"), json_number(tb, "compute"));
    EXPECT_DOUBLE_EQ(json_number(cp, "memory_s"), json_number(tb, "memory"));
    EXPECT_DOUBLE_EQ(json_number(cp, "network_s"), json_number(tb, "network"));
    const double sum = json_number(cp, "compute_s") + json_number(cp, "memory_s") +
                       json_number(cp, "network_s") + json_number(cp, "transfer_s") +
                       json_number(cp, "other_s");
    EXPECT_NEAR(sum, json_number(json, "iteration_time_s"), 1e-6 * sum);
}

#include <libxml/parser.h>
#include <libxml/tree.h>

TEST(Run, HeatMapDrawsEveryMeshLinkWithItsUtilisation)
{
    char dir[] = "/tmp/tess-heat-XXXXXX";
    ASSERT_NE(mkdtemp(dir), nullptr);
    const std::string d = dir;
    CliRun run = tessera(
        "run platforms/default.xml workloads/default.xml --quiet --set model.layers=4 -o " + d);
    ASSERT_EQ(run.status, 0) << run.output;
    const std::string svg = read_text(d + "/heatmap.svg");
    xmlDocPtr doc =
        xmlReadMemory(svg.data(), int(svg.size()), "heatmap.svg", nullptr, XML_PARSE_NONET);
    ASSERT_NE(doc, nullptr) << "not well-formed XML";
    // the 4 x 4 mesh's 24 router links, each with the busier of its two channels
    // (class, utilisation) of every element that carries one
    std::vector<std::pair<std::string, double>> drawn;
    std::function<void(xmlNodePtr)> walk = [&](xmlNodePtr n) {
        for (; n; n = n->next) {
            if (n->type == XML_ELEMENT_NODE) {
                xmlChar *u = xmlGetProp(n, BAD_CAST "data-utilisation");
                xmlChar *c = xmlGetProp(n, BAD_CAST "class");
                if (u && c)
                    drawn.push_back({reinterpret_cast<const char *>(c),
                                     std::stod(reinterpret_cast<const char *>(u))});
                xmlFree(u);
                xmlFree(c);
            }
            walk(n->children);
        }
    };
    walk(xmlDocGetRootElement(doc));
    xmlFreeDoc(doc);
    int links = 0, memory_links = 0;
    double most = 0;
    for (const auto &[cls, u] : drawn) {
        if (cls == "memory-link") memory_links++;
        if (cls != "link") continue;
        links++;
        most = std::max(most, u);
    }
    EXPECT_EQ(links, 24);
    EXPECT_EQ(memory_links, 8); // the HBM3 stack beside each edge router
    // the busiest line is the busiest router-to-router channel of stats.csv
    const std::string csv = read_text(d + "/stats.csv");
    double busiest = 0;
    for (size_t at = csv.find("\nlink,"); at != std::string::npos;
         at = csv.find("\nlink,", at + 1)) {
        const std::string row = csv.substr(at + 6, csv.find('\n', at + 1) - at - 6);
        const std::string name = row.substr(0, row.find(','));
        const size_t arrow = name.find("->");
        if (name.rfind(".router", arrow) != arrow - 7 || name.size() < 7 ||
            name.compare(name.size() - 7, 7, ".router") != 0)
            continue; // an injection or ejection channel
        busiest = std::max(busiest, std::stod(row.substr(row.rfind(',') + 1)));
    }
    ASSERT_GT(busiest, 0);
    EXPECT_NEAR(most, busiest, 1e-5 * busiest);
    // at burst memory fidelity each stack is coloured by its controller's utilisation,
    // report.json's figure
    const std::string d3 = d + "/burst";
    CliRun burst = tessera("run platforms/default.xml workloads/default.xml --quiet "
                           "--set model.layers=4 --memory-fidelity burst -o " +
                           d3);
    ASSERT_EQ(burst.status, 0) << burst.output;
    const std::string svg3 = read_text(d3 + "/heatmap.svg"), rep = read_text(d3 + "/report.json");
    size_t squares = 0;
    for (size_t at = svg3.find("<rect class=\"memory\""); at != std::string::npos;
         at = svg3.find("<rect class=\"memory\"", at + 1)) {
        const size_t t = svg3.find("<title>", at) + 7;
        const std::string name = svg3.substr(t, svg3.find(':', t) - t);
        const size_t u = svg3.find("data-utilisation=\"", at) + 18;
        const double drawn_u = std::stod(svg3.substr(u));
        const size_t in_report = rep.find("\"memory\": \"" + name + "\"");
        ASSERT_NE(in_report, std::string::npos) << name;
        EXPECT_NEAR(drawn_u, json_number(rep.substr(in_report), "utilisation"), 1e-5) << name;
        squares++;
    }
    EXPECT_EQ(squares, 8u);
    // a platform with no mesh or torus gets no heat map
    const std::string d2 = d + "/switch";
    ASSERT_EQ(system(("mkdir -p " + d2).c_str()), 0);
    CliRun sw =
        tessera("run platforms/dgx-a100.xml workloads/korthikanti-22b-selective.xml --quiet "
                "--set model.layers=8 -o " +
                d2);
    ASSERT_EQ(sw.status, 0) << sw.output;
    EXPECT_TRUE(read_text(d2 + "/report.json").size() > 0);
    EXPECT_TRUE(read_text(d2 + "/heatmap.svg").empty());
    std::system(("rm -rf '" + d + "'").c_str());
}

TEST(Run, TraceHasEveryDiesEnginesAndAddsUpToItsTimeBreakdown)
{
    char dir[] = "/tmp/tess-trace-XXXXXX";
    ASSERT_NE(mkdtemp(dir), nullptr);
    const std::string d = dir;
    CliRun run = tessera(
        "run platforms/default.xml workloads/default.xml --quiet --trace --set model.layers=4 -o " +
        d);
    ASSERT_EQ(run.status, 0) << run.output;
    const std::string trace = read_text(d + "/trace.json"), csv = read_text(d + "/stats.csv");
    ASSERT_EQ(trace.rfind("{\"displayTimeUnit\": \"ms\", \"traceEvents\": [", 0), 0u);
    // the JSON parses (Debian's python3, as the report-schema test uses)
    EXPECT_EQ(
        std::system(("/usr/bin/python3 -c \"import json,sys; json.load(open(sys.argv[1]))\" '" + d +
                     "/trace.json'")
                        .c_str()),
        0);
    // per rank: the tensor track's intervals add up to compute_s, network to network_s,
    // pipeline wait to pipeline_bubble_s (stats.csv columns 5, 8, 9)
    std::map<std::pair<int, std::string>, double> sum;
    std::istringstream lines(trace);
    for (std::string line; std::getline(lines, line);) {
        if (line.find("\"ph\": \"X\"") == std::string::npos) continue;
        char name[32] = "";
        int tid = -1;
        double ts = 0, dur = 0;
        const size_t at = line.find("\"name\": \"");
        std::sscanf(line.c_str() + at + 9, "%31[^\"]", name);
        std::sscanf(line.c_str() + line.find("\"tid\": ") + 7, "%d", &tid);
        std::sscanf(line.c_str() + line.find("\"dur\": ") + 7, "%lf", &dur);
        (void)ts;
        sum[std::make_pair(tid / 4, std::string(name))] += dur * 1e-6;
    }
    int ranks = 0;
    for (size_t at = csv.find("\ndie,"); at != std::string::npos;
         at = csv.find("\ndie,", at + 1), ranks++) {
        std::vector<std::string> f;
        std::stringstream row(csv.substr(at + 1, csv.find('\n', at + 1) - at - 1));
        for (std::string x; std::getline(row, x, ',');)
            f.push_back(x);
        const int r = std::stoi(f[2]);
        auto total = [&](const char *track) { return sum[std::make_pair(r, std::string(track))]; };
        EXPECT_NEAR(total("tensor"), std::stod(f[4]), 1e-6 * std::stod(f[4]) + 1e-9)
            << "rank " << r;
        EXPECT_NEAR(total("network"), std::stod(f[7]), 1e-6 * std::stod(f[7]) + 1e-9)
            << "rank " << r;
        EXPECT_NEAR(total("pipeline wait"), std::stod(f[8]), 1e-6 * std::stod(f[8]) + 1e-9)
            << "rank " << r;
        EXPECT_GT(total("dma"), 0) << "rank " << r;
    }
    EXPECT_EQ(ranks, 16);
    // link counters: per class, the samples' busy shares over their windows add up to the
    // class's mean utilisation in stats.csv (every channel's busy time over the iteration)
    std::map<std::string, std::vector<std::pair<double, double>>> samples; // class -> (ts, busy)
    std::istringstream again(trace);
    for (std::string line; std::getline(again, line);) {
        if (line.find("\"ph\": \"C\"") == std::string::npos ||
            line.find("\"cat\": \"links\"") == std::string::npos)
            continue; // (memories have counters of their own)
        char name[64] = "";
        double ts = 0, busy = 0;
        std::sscanf(line.c_str() + line.find("\"name\": \"utilisation, ") + 22, "%63[^\"]", name);
        std::sscanf(line.c_str() + line.find("\"ts\": ") + 6, "%lf", &ts);
        std::sscanf(line.c_str() + line.find("\"busy\": ") + 8, "%lf", &busy);
        samples[name].emplace_back(ts * 1e-6, busy);
    }
    const double T = json_number(read_text(d + "/report.json"), "iteration_time_s");
    std::map<std::string, std::pair<double, int>>
        from_csv; // class -> (sum of utilisations, channels)
    for (size_t at = csv.find("\nlink,"); at != std::string::npos;
         at = csv.find("\nlink,", at + 1)) {
        const std::string row = csv.substr(at + 1, csv.find('\n', at + 1) - at - 1);
        const std::string name = row.substr(5, row.find(',', 5) - 5);
        // an endpoint is a die, or at burst memory fidelity a memory on a router
        const std::string from = name.substr(0, name.find("->")),
                          to = name.substr(name.find("->") + 2);
        auto router = [](const std::string &n) {
            return n.size() > 7 && n.compare(n.size() - 7, 7, ".router") == 0;
        };
        const std::string cls = !router(from) ? "die to router"
                                : !router(to) ? "router to die"
                                              : "router to router";
        from_csv[cls].first += std::stod(row.substr(row.rfind(',') + 1));
        from_csv[cls].second++;
    }
    ASSERT_EQ(samples.size(), 3u);
    for (const auto &[cls, v] : samples) {
        ASSERT_GE(v.size(), 2u) << cls;
        const double window = v[1].first - v[0].first;
        double busy = 0;
        for (const auto &s : v)
            busy += s.second * window;
        const double expected = from_csv[cls].first / from_csv[cls].second;
        EXPECT_GT(expected, 0) << cls;
        EXPECT_NEAR(busy / T, expected, 0.01 * expected) << cls;
    }
    std::system(("rm -rf '" + d + "'").c_str());
}
