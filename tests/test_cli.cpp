// The command-line program: --version, --help, validate, exit statuses.
#include <gtest/gtest.h>

#include "cli_run.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <sys/wait.h>
#include <unistd.h>

TEST(Cli, VersionNamesTheProgramAndLibraries)
{
    CliRun r = tessera("--version");
    EXPECT_EQ(r.status, 0);
    EXPECT_EQ(r.output.rfind("tessera 0.", 0), 0u) << r.output;
    EXPECT_NE(r.output.find("SystemC 2.3"), std::string::npos) << r.output;
}

TEST(Cli, HelpListsCommands)
{
    CliRun r = tessera("--help");
    EXPECT_EQ(r.status, 0);
    EXPECT_NE(r.output.find("validate PLATFORM"), std::string::npos) << r.output;
}

TEST(Cli, EveryCommandHasItsOwnHelp)
{
    // every command --help lists, answers with its own usage line and exit 0
    CliRun all = tessera("--help");
    for (const char *c :
         {"validate", "noc", "mem", "schedule", "run", "sweep", "check", "plot", "explore"}) {
        EXPECT_NE(all.output.find(std::string("  ") + c + " "), std::string::npos) << c << "\n"
                                                                                   << all.output;
        CliRun r = tessera(std::string(c) + " --help");
        EXPECT_EQ(r.status, 0) << c;
        EXPECT_EQ(r.output.rfind(std::string("usage: tessera ") + c + " ", 0), 0u)
            << c << ": " << r.output;
    }
}

TEST(Cli, UnknownCommandIsAUsageError)
{
    CliRun r = tessera("simulate-everything");
    EXPECT_EQ(r.status, 2);
    EXPECT_NE(r.output.find("unknown command 'simulate-everything'"), std::string::npos);
    EXPECT_EQ(tessera("").status, 2);
}

TEST(Cli, ValidateEveryBundledPlatform)
{
    for (const char *p : {"mesh-4x4", "mesh-8x8", "mesh-16x16", "mesh-32x32", "torus-8x8",
                          "mesh-8x8-defects", "switch-8"}) {
        CliRun r = tessera(std::string("validate platforms/") + p + ".xml");
        EXPECT_EQ(r.status, 0) << p << ":\n" << r.output;
        EXPECT_NE(r.output.find("valid"), std::string::npos) << r.output;
    }
}

TEST(Cli, ValidateSummarisesCounts)
{
    CliRun r = tessera("validate platforms/mesh-8x8.xml --set k=4");
    ASSERT_EQ(r.status, 0) << r.output;
    // 4x4: 16 dies, 16 routers; 16 local + 2*4*3 router links
    EXPECT_NE(r.output.find("instances: 32 live of 32 (16 die, 16 router, 0 memory)"),
              std::string::npos)
        << r.output;
    EXPECT_NE(r.output.find("links: 40 live of 40 (24 router-router, 16 to endpoints)"),
              std::string::npos)
        << r.output;
    EXPECT_NE(r.output.find("k = 4  (--set; default 8)"), std::string::npos) << r.output;
}

TEST(Cli, ValidateBadFileExitsOneWithFileAndLine)
{
    CliRun r = tessera("validate tests/data/bad/bad-unit.xml");
    EXPECT_EQ(r.status, 1);
    EXPECT_NE(r.output.find("tests/data/bad/bad-unit.xml:5:"), std::string::npos) << r.output;
    CliRun u = tessera("validate tests/data/bad/unroutable.xml");
    EXPECT_EQ(u.status, 1);
    EXPECT_NE(u.output.find("unroutable.xml:7: unroutable"), std::string::npos) << u.output;
}

TEST(Cli, ValidateUnknownOverrideExitsOne)
{
    CliRun r = tessera("validate platforms/mesh-8x8.xml --set kk=4");
    EXPECT_EQ(r.status, 1);
    EXPECT_NE(r.output.find("platforms/mesh-8x8.xml:8: --set kk"), std::string::npos) << r.output;
}

TEST(Cli, ValidateUsageErrors)
{
    EXPECT_EQ(tessera("validate").status, 2);
    EXPECT_EQ(tessera("validate platforms/mesh-8x8.xml --set novalue").status, 2);
    EXPECT_EQ(tessera("validate platforms/mesh-8x8.xml --frobnicate").status, 2);
    CliRun missing = tessera("validate no/such/file.xml");
    EXPECT_EQ(missing.status, 3);
    EXPECT_NE(missing.output.find("no/such/file.xml: cannot open"), std::string::npos);
}

TEST(CliNoc, JsonCarriesTheDocumentedKeys)
{
    CliRun r = tessera("noc platforms/mesh-4x4.xml --rate 0.1 --json");
    ASSERT_EQ(r.status, 0) << r.output;
    for (const char *key :
         {"\"mean_latency_cycles\"", "\"p99_latency_cycles\"", "\"offered_flits_per_node_cycle\"",
          "\"accepted_flits_per_node_cycle\"", "\"flit_hops\"", "\"simulated_cycles\"",
          "\"wall_seconds\"", "\"busiest_links\"", "\"energy_j\""})
        EXPECT_NE(r.output.find(key), std::string::npos) << key << " in\n" << r.output;
    EXPECT_NE(r.output.find("\"offered_flits_per_node_cycle\": 0.1,"), std::string::npos);
}

TEST(CliNoc, SweepReportsPointsAndSaturation)
{
    CliRun r = tessera("noc platforms/mesh-4x4.xml --sweep --json --measure 2000");
    ASSERT_EQ(r.status, 0) << r.output;
    EXPECT_NE(r.output.find("\"points\": ["), std::string::npos) << r.output;
    size_t at = r.output.find("\"saturation_flits_per_node_cycle\": ");
    ASSERT_NE(at, std::string::npos) << r.output;
    double sat = std::atof(r.output.c_str() + at + 35);
    // 4x4 mesh: uniform traffic cannot exceed the bisection bound 4/k = 1 (and the
    // injection link's 1 flit per cycle); with packet fidelity it gets most of the way
    EXPECT_GT(sat, 0.5);
    EXPECT_LE(sat, 1.0);
}

TEST(CliNoc, BadInputIsAClearError)
{
    CliRun rate = tessera("noc platforms/mesh-8x8.xml --rate 1.5");
    EXPECT_EQ(rate.status, 2);
    EXPECT_NE(rate.output.find("--rate 1.5 is outside (0, 1]"), std::string::npos) << rate.output;
    CliRun zero = tessera("noc platforms/mesh-8x8.xml --set mesh-router.buffer-flits=0");
    EXPECT_EQ(zero.status, 1);
    EXPECT_NE(zero.output.find("buffer-flits=0: '0' is out of range"), std::string::npos)
        << zero.output;
    CliRun xy = tessera("noc platforms/mesh-8x8-defects.xml --set mesh-router.routing=xy");
    EXPECT_EQ(xy.status, 1);
    EXPECT_NE(xy.output.find("routing 'xy' cannot route"), std::string::npos) << xy.output;
    CliRun pattern = tessera("noc platforms/switch-8.xml --traffic transpose");
    EXPECT_EQ(pattern.status, 1);
    EXPECT_NE(pattern.output.find("needs every die on one mesh or torus"), std::string::npos)
        << pattern.output;
    CliRun traffic = tessera("noc platforms/mesh-8x8.xml --traffic butterfly");
    EXPECT_EQ(traffic.status, 2);
    EXPECT_NE(traffic.output.find("is not one of: uniform transpose"), std::string::npos);
    CliRun hot = tessera("noc platforms/mesh-8x8.xml --traffic hotspot --hotspot 27,64");
    EXPECT_EQ(hot.status, 1);
    EXPECT_NE(hot.output.find("hotspot node 64 is outside the 8 x 8 grid"), std::string::npos)
        << hot.output;
    CliRun list = tessera("noc platforms/mesh-8x8.xml --packet-flits 1:2,x");
    EXPECT_EQ(list.status, 2);
    EXPECT_NE(list.output.find("entry 2 is not a whole number"), std::string::npos) << list.output;
    CliRun shuffle = tessera("noc platforms/torus-8x8.xml --traffic shuffle --set k=6");
    EXPECT_EQ(shuffle.status, 1);
    EXPECT_NE(shuffle.output.find("'shuffle' needs a power-of-two number of grid positions"),
              std::string::npos)
        << shuffle.output;
}

TEST(CliMem, JsonCarriesTheDocumentedKeys)
{
    CliRun r = tessera("mem platforms/mem-ddr5.xml --requests 2000 --json");
    ASSERT_EQ(r.status, 0) << r.output;
    for (const char *key : {"\"bandwidth_bytes_per_s\"", "\"peak_bandwidth_bytes_per_s\"",
                            "\"mean_latency_ns\"", "\"p99_latency_ns\"", "\"row_hit_rate\"",
                            "\"requests\": 2000,", "\"energy_j\"", "\"wall_seconds\""})
        EXPECT_NE(r.output.find(key), std::string::npos) << key << " in\n" << r.output;
    // DDR5-4800, two 32-bit sub-channels: 4800e6 x 32 / 8 x 2 = 38.4 GB/s
    EXPECT_NE(r.output.find("\"peak_bandwidth_bytes_per_s\": 3.84e+10,"), std::string::npos)
        << r.output;
}

TEST(CliMem, BadInputIsAClearError)
{
    CliRun ratio = tessera("mem platforms/mem-ddr5.xml --read-ratio 1.5");
    EXPECT_EQ(ratio.status, 2);
    CliRun none = tessera("mem platforms/mesh-8x8.xml");
    EXPECT_EQ(none.status, 1);
    EXPECT_NE(none.output.find("has no live memory"), std::string::npos) << none.output;
    CliRun pb = tessera("mem platforms/mem-ddr5.xml --refresh per-bank");
    EXPECT_EQ(pb.status, 1);
    EXPECT_NE(pb.output.find("no per-bank refresh timings"), std::string::npos) << pb.output;
}

TEST(CliSchedule, JsonCarriesTheDocumentedKeys)
{
    CliRun r = tessera("schedule platforms/default.xml workloads/default.xml --json");
    ASSERT_EQ(r.status, 0) << r.output;
    for (const char *key : {"\"model_flops\"", "\"hardware_flops\"", "\"ops\"", "\"dies\": 16,",
                            "\"peak_memory_bytes\"", "\"collectives\"", "\"stages\""})
        EXPECT_NE(r.output.find(key), std::string::npos) << key << " in\n" << r.output;
}

TEST(CliSchedule, OverridesReachWorkloadModelAndPlatform)
{
    // 8 layers over pp 4 on the default 16 dies: still valid
    CliRun ok =
        tessera("schedule platforms/default.xml workloads/default.xml --set model.layers=8");
    EXPECT_EQ(ok.status, 0) << ok.output;
    // tp 2 x pp 4 ranks do not match the default platform's 16 dies
    CliRun dies =
        tessera("schedule platforms/default.xml workloads/default.xml --set workload.tp=2");
    EXPECT_EQ(dies.status, 1);
    EXPECT_NE(dies.output.find("= 8 ranks, but platform 'default' has 16 live dies"),
              std::string::npos)
        << dies.output;
    // a platform override reaches the platform: its mesh parameter k (3 x 3 dies, their
    // stacks on the edges as the mesh generates them)
    CliRun plat = tessera("schedule platforms/default.xml workloads/default.xml --set k=3");
    EXPECT_EQ(plat.status, 1);
    EXPECT_NE(plat.output.find("= 16 ranks, but platform 'default' has 9 live dies"),
              std::string::npos)
        << plat.output;
    CliRun bad =
        tessera("schedule platforms/default.xml workloads/default.xml --set workload.tpp=2");
    EXPECT_EQ(bad.status, 1);
    EXPECT_NE(bad.output.find("--set workload.tpp: <workload> has no attribute 'tpp'"),
              std::string::npos)
        << bad.output;
}

// Issue 25: `tessera run` without -o wrote into the current folder and `tessera calibrate`
// without -o overwrote the shipped results/calibration/default.cal. Without -o, outputs go
// to a fresh folder under runs/; an output that cannot be written is refused before the work.
TEST(CliOutputs, WithoutDashOAFreshRunsFolderAndUnwritableOutputsRefusedFirst)
{
    char tmpl[] = "/tmp/tess-outputs-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    const std::string dir = tmpl, root = TESS_SOURCE_DIR;
    const std::string cmd = std::string("cd ") + dir + " && " + TESS_BINARY;
    CliRun a = run_command(cmd + " run " + root + "/platforms/default.xml " + root +
                           "/workloads/default.xml --quiet");
    ASSERT_EQ(a.status, 0) << a.output;
    CliRun b = run_command(cmd + " run " + root + "/platforms/default.xml " + root +
                           "/workloads/default.xml --quiet");
    ASSERT_EQ(b.status, 0) << b.output;
    CliRun list = run_command("ls " + dir + "/runs");
    // two runs in the same second still get two folders
    EXPECT_EQ(list.output.find("run-default-"), 0u) << list.output;
    EXPECT_EQ(std::count(list.output.begin(), list.output.end(), '\n'), 2) << list.output;
    EXPECT_EQ(run_command("ls " + dir + "/report.json 2>/dev/null").output, "");
    // an output folder under a plain file cannot be made: refused at once, nothing simulated
    CliRun c = run_command("touch " + dir + "/file && " + cmd + " run " + root +
                           "/platforms/default.xml " + root + "/workloads/default.xml -o " + dir +
                           "/file/out");
    EXPECT_EQ(c.status, 3) << c.output;
    EXPECT_NE(c.output.find("cannot write into " + dir + "/file/out"), std::string::npos)
        << c.output;
    EXPECT_EQ(c.output.find("iteration:"), std::string::npos) << c.output;
    CliRun d = run_command(cmd + " calibrate " + root + "/platforms/default.xml -o " + dir +
                           "/no/such/x.cal");
    EXPECT_EQ(d.status, 3) << d.output;
    EXPECT_EQ(d.output.find("calibrating"), std::string::npos) << d.output;
    std::system(("rm -rf '" + dir + "'").c_str());
}

// Issue 25: `tessera mem --requests 100000000000` allocated until std::bad_alloc, and
// `tessera explore -j 0` was accepted. Both are refused at once as usage errors; a file
// that is not a calibration file is refused without echoing its lines.
TEST(CliLimits, OutOfRangeArgumentsAreRefusedAtOnce)
{
    CliRun mem = tessera("mem platforms/mem-hbm2e.xml --requests 100000000000");
    EXPECT_EQ(mem.status, 2) << mem.output;
    EXPECT_NE(mem.output.find("--requests 100000000000 is outside [1, 10000000]"),
              std::string::npos)
        << mem.output;
#if !defined(__SANITIZE_ADDRESS__) // explore's Python would need the ASan runtime preloaded
    CliRun ex = tessera("explore spaces/wafer-explore.xml -j 0");
    EXPECT_EQ(ex.status, 2) << ex.output;
    EXPECT_NE(ex.output.find("-j must be at least 1"), std::string::npos) << ex.output;
#endif
    char tmpl[] = "/tmp/tess-cal-XXXXXX";
    const int fd = mkstemp(tmpl);
    ASSERT_GE(fd, 0);
    const std::string secret = "root:x:0:0:secret-line:/root:/bin/bash\n";
    ASSERT_EQ(write(fd, secret.data(), secret.size()), static_cast<ssize_t>(secret.size()));
    close(fd);
    CliRun cal = tessera(std::string("estimate platforms/default.xml workloads/default.xml "
                                     "--json --calibration ") +
                         tmpl);
    std::remove(tmpl);
    EXPECT_EQ(cal.status, 1) << cal.output;
    EXPECT_NE(cal.output.find(std::string(tmpl) + ":1: expected 'key = value'"), std::string::npos)
        << cal.output;
    EXPECT_EQ(cal.output.find("secret-line"), std::string::npos) << cal.output;
}

// Issue 25: a global batch of 1e8 and a design space of 1e9 points were expanded eagerly.
// The batch is refused at load naming the workload; the space loads without being
// enumerated, and a sweep (which would evaluate every point) refuses it at once.
TEST(CliLimits, HugeBatchesAndSpacesAreRefusedAtLoad)
{
    CliRun big = tessera("schedule platforms/default.xml workloads/default.xml "
                         "--set workload.global-batch=100000000");
    EXPECT_EQ(big.status, 1) << big.output;
    EXPECT_NE(big.output.find("gives more than 1000000 passes per pipeline stage"),
              std::string::npos)
        << big.output;
    char tmpl[] = "/tmp/tess-space-XXXXXX";
    const int fd = mkstemp(tmpl);
    ASSERT_GE(fd, 0);
    std::string space = std::string("<space name=\"huge\" platform=\"") + TESS_SOURCE_DIR +
                        "/platforms/default.xml\" workload=\"" + TESS_SOURCE_DIR +
                        "/workloads/default.xml\">\n";
    for (int i = 0; i < 9; i++) // 10^9 points
        space +=
            "  <param name=\"model.p" + std::to_string(i) + "\" values=\"0 1 2 3 4 5 6 7 8 9\"/>\n";
    space += "</space>\n";
    ASSERT_EQ(write(fd, space.data(), space.size()), static_cast<ssize_t>(space.size()));
    close(fd);
    CliRun sweep = tessera(std::string("sweep ") + tmpl + " -o " + tmpl + ".csv");
    std::remove(tmpl);
    std::remove((std::string(tmpl) + ".csv").c_str());
    EXPECT_EQ(sweep.status, 1) << sweep.output;
    EXPECT_NE(sweep.output.find(std::string(tmpl) + ": 1000000000 points; a sweep evaluates every"),
              std::string::npos)
        << sweep.output;
}

// Issue 25: a resource limit is exit status 4 with a message naming the limit and how to
// raise it (it was 3, as a crash or an I/O error is): a child past its time limit (run's
// simulation past --timeout, noc's), a child past its memory cap (10^7 requests'
// latencies need more than 64 MiB).
TEST(CliLimits, AResourceLimitIsExitFourNamingIt)
{
    CliRun run = tessera("run platforms/default.xml workloads/default.xml --quiet --timeout 0.01 "
                         "--json");
    EXPECT_EQ(run.status, 4) << run.output;
    EXPECT_NE(run.output.find("ran past its time limit of 0.01 s"), std::string::npos)
        << run.output;
    CliRun noc = tessera("noc platforms/mesh-8x8.xml --rate 0.1 --timeout 0.001");
    EXPECT_EQ(noc.status, 4) << noc.output;
    EXPECT_NE(noc.output.find("ran past its time limit of 0.001 s"), std::string::npos)
        << noc.output;
#if !defined(__SANITIZE_ADDRESS__) // AddressSanitizer needs the whole address space: no cap
    setenv("TESSERA_CHILD_MEMORY", "64MiB", 1);
    CliRun mem = tessera("mem platforms/default.xml --requests 10000000");
    unsetenv("TESSERA_CHILD_MEMORY");
    EXPECT_EQ(mem.status, 4) << mem.output;
    EXPECT_NE(mem.output.find("ran out of memory (its limit: 0.0625 GiB; TESSERA_CHILD_MEMORY=SIZE "
                              "raises it)"),
              std::string::npos)
        << mem.output;
#endif
}

// Issue 25: --help omitted options and exit code 4. Every command's --help lists every
// option it parses (generated from its option table) and the exit statuses.
TEST(Cli, EveryHelpListsItsOptionsAndTheExitStatuses)
{
    const std::pair<const char *, const char *> want[] = {
        {"sweep", "--repair"},
        {"run", "--fidelity mixed|packet|flow|flit"},
        {"check", "--junit VALUE"},
        {"mem", "--requests N"},
        {"estimate", "--calibration VALUE"},
        {"noc", "--sweep"}};
    for (const auto &[command, option] : want) {
        CliRun r = tessera(std::string(command) + " --help");
        EXPECT_EQ(r.status, 0) << command;
        EXPECT_NE(r.output.find(option), std::string::npos) << command << ": " << r.output;
        EXPECT_NE(r.output.find("4 a limit was hit (a simulation\n  child's time or memory cap"),
                  std::string::npos)
            << r.output;
    }
    EXPECT_NE(tessera("--help").output.find("4 a limit was hit (a\nsimulation child's time or "
                                            "memory cap"),
              std::string::npos);
    // the Python commands say theirs in their own words
    EXPECT_NE(tessera("plot --help").output.find("Exit status: 0 drawn; 1 invalid input"),
              std::string::npos);
    EXPECT_NE(tessera("explore --help").output.find("exit status: 0 the front was written"),
              std::string::npos);
}
