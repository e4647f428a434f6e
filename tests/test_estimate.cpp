// The analytical model (src/estimate.h) and its calibration (src/calibrate.h): closed-form
// terms against hand calculations, then the calibrated model against the simulator on
// jobs it was not calibrated on.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <tessera/tessera.h>

#include "cli_run.h"

extern "C" {
#include "calibrate.h"
#include "config/loader.h"
#include "estimate.h"
#include "evaluate.h"
#include "schedule.h"
}

namespace {

std::string src(const char *rel) { return std::string(TESS_SOURCE_DIR) + "/" + rel; }

std::string model_xml(unsigned layers, unsigned hidden, unsigned heads, unsigned sequence = 1024)
{
    std::ostringstream o;
    o << "<model name=\"m\" layers=\"" << layers << "\" hidden=\"" << hidden << "\" heads=\"" << heads
      << "\" ffn=\"" << 4 * hidden << "\" vocab=\"8192\" sequence=\"" << sequence
      << "\" activation=\"gelu\" norm=\"layernorm\"/>";
    return o.str();
}

std::string workload_xml(unsigned tp, unsigned pp, unsigned dp, unsigned batch, const std::string &extra = "")
{
    std::ostringstream o;
    o << "<workload name=\"w\" model=\"(text)\" global-batch=\"" << batch << "\" micro-batch=\"1\" dtype=\"bf16\" "
      << "tp=\"" << tp << "\" pp=\"" << pp << "\" dp=\"" << dp << "\" " << (extra.empty() ? "recompute=\"none\"" : extra)
      << "/>";
    return o.str();
}

// A job loaded through the internal modules: platform, workload, schedule, network view.
struct Job {
    tess_platform p{};
    tess_workload w{};
    tess_schedule s{};
    tess_estimate_net net{};
    std::string errors;
    bool ok = false;
    // platform_xml: XML text, or a file's path
    Job(const std::string &platform_xml, const std::string &work, const std::string &model,
        std::vector<std::string> sets = {})
    {
        std::vector<tess_override> ov;
        std::vector<std::string> copies = sets;
        for (auto &c : copies) {
            tess_override o{};
            tess_override_split(&c[0], &o);
            ov.push_back(o);
        }
        tess_diag d;
        tess_diag_init(&d);
        ok = tess_workload_load_buffer(work.c_str(), work.size(), "(workload)", model.c_str(), nullptr, 0, nullptr, &w,
                                       &d) == TESS_OK &&
             (platform_xml.rfind("<", 0) == 0 // XML text, else a file (its includes resolve)
                  ? tess_platform_load_buffer(platform_xml.c_str(), platform_xml.size(), "(platform)", ov.data(),
                                              ov.size(), &p, &d)
                  : tess_platform_load_file(platform_xml.c_str(), ov.data(), ov.size(), &p, &d)) == TESS_OK &&
             tess_schedule_build(&p, &w, "(workload)", &s, &d) == TESS_OK;
        char msg[512] = "";
        if (ok) ok = tess_estimate_prepare(&p, &s, &net, msg, sizeof msg) == TESS_OK;
        char *j = tess_diag_join(&d);
        errors = std::string(j ? j : "") + msg;
        free(j);
        tess_diag_free(&d);
    }
    ~Job()
    {
        tess_estimate_net_free(&net);
        tess_schedule_free(&s);
        tess_platform_free(&p);
    }
    tess_eval_result estimate(const tess_calibration *cal = nullptr)
    {
        tess_calibration def;
        tess_calibration_default(&def);
        tess_eval_result e{};
        char msg[512] = "";
        EXPECT_EQ(tess_estimate_job(&p, &w, &s, &net, cal ? cal : &def, &e, msg, sizeof msg), TESS_OK) << msg;
        return e;
    }
    tess_eval_result simulate()
    {
        tess_eval_result e{};
        char msg[1024] = "";
        EXPECT_EQ(tess_evaluate_job(&p, &w, &s, 300, TESS_NOC_PACKET, 0, 0, &e, msg, sizeof msg), TESS_OK) << msg;
        return e;
    }
};

const char kHbm3[] =
    "  <memory-type name=\"hbm3\" standard=\"HBM3\" capacity=\"64GiB\" channels=\"32\" bus-width=\"32b\" "
    "data-rate=\"6.4Gb/s\" clock=\"1.6GHz\" burst-length=\"8\" bank-groups=\"4\" banks=\"4\" rows=\"32768\" "
    "tCL=\"20cycles\" tCWL=\"10cycles\" tRCD=\"31cycles\" tRP=\"26cycles\" tRAS=\"45cycles\" tRC=\"72cycles\" "
    "tCCD_S=\"2cycles\" tCCD_L=\"4cycles\" tRRD_S=\"4cycles\" tRRD_L=\"5cycles\" tFAW=\"24cycles\" tWR=\"33cycles\" "
    "tWTR_S=\"7cycles\" tWTR_L=\"10cycles\" tRTP=\"9cycles\" tRTW=\"20cycles\" tREFI=\"3.9us\" tRFC=\"350ns\" "
    "tREFIpb=\"243.75ns\" tRFCpb=\"200ns\" read-energy=\"8.75pJ/bit\" write-energy=\"8.75pJ/bit\"/>\n";

// Two switches joined by one link, two dies on each; the dies are declared in `order`
// (rank r runs on the r-th die declared). Switch pipeline 3 cycles, links 5 cycles and
// 32 B per cycle at 1 GHz.
std::string two_switches(const std::vector<std::string> &order)
{
    std::string x = "<platform name=\"two-switches\">\n"
                    "  <die-type name=\"d\" clock=\"1GHz\" tensor-arrays=\"1\" tensor-rows=\"64\" tensor-cols=\"64\" "
                    "vector-lanes=\"256\" sram=\"32MiB\" sram-bandwidth=\"4TB/s\" dma-engines=\"2\"/>\n"
                    "  <router-type name=\"sw\" clock=\"1GHz\" vcs=\"2\" buffer-flits=\"8\" flit-width=\"32B\" "
                    "pipeline=\"3\" routing=\"table\"/>\n"
                    "  <link-type name=\"l\" width=\"32B\" latency=\"5cycles\" energy=\"1pJ/bit\"/>\n" +
                    std::string(kHbm3) +
                    "  <instance name=\"swA\" type=\"sw\"/> <instance name=\"swB\" type=\"sw\"/>\n"
                    "  <connect from=\"swA\" to=\"swB\" link=\"l\"/>\n"
                    "  <instance name=\"hbm\" type=\"hbm3\"/> <connect from=\"hbm\" to=\"swA\" link=\"l\"/>\n";
    for (const std::string &d : order)
        x += "  <instance name=\"" + d + "\" type=\"d\"/> <connect from=\"" + d + "\" to=\"sw" +
             (d[0] == 'a' ? "A" : "B") + "\" link=\"l\"/>\n";
    return x + "</platform>\n";
}

std::string read_file(const std::string &path)
{
    std::ifstream f(path);
    std::stringstream b;
    b << f.rdbuf();
    return b.str();
}

} // namespace

TEST(Estimate, RingLatencyAndSharedLinkBandwidthFollowTheRoutes)
{
    // data-parallel ring over four dies: a0 -> b0 -> a1 -> b1 -> a0 crosses the switch-to-
    // switch link twice each way, a0 -> a1 -> b0 -> b1 -> a0 once each way
    const std::string model = model_xml(2, 256, 4), work = workload_xml(1, 1, 4, 4);
    Job crossed(two_switches({"a0", "b0", "a1", "b1"}), work, model);
    Job once(two_switches({"a0", "a1", "b0", "b1"}), work, model);
    ASSERT_TRUE(crossed.ok) << crossed.errors;
    ASSERT_TRUE(once.ok) << once.errors;
    // die -> switch -> switch -> die: 3 links of 5 cycles and 2 switch pipelines of 3, at 1 GHz
    const double alpha = (3 * 5 + 2 * 3) * 1e-9, link = 32 * 1e9;
    EXPECT_NEAR(crossed.net.alpha_s[TESS_AXIS_DP], alpha, 1e-15);
    EXPECT_EQ(crossed.net.congestion[TESS_AXIS_DP], 2u);
    EXPECT_DOUBLE_EQ(crossed.net.beta_bytes_s[TESS_AXIS_DP], link / 2);
    EXPECT_EQ(once.net.congestion[TESS_AXIS_DP], 1u);
    EXPECT_DOUBLE_EQ(once.net.beta_bytes_s[TESS_AXIS_DP], link);

    // the gradient all-reduce: 2(n-1) steps of S/n bytes, each alpha + (S/n)/beta
    tess_eval_result e = crossed.estimate();
    const tess_coll_use &c = crossed.s.colls[crossed.s.dp_coll];
    const double S = static_cast<double>(c.bytes), n = 4;
    const double ring = 2 * (n - 1) * (alpha + std::floor(S / n) / (link / 2));
    EXPECT_NEAR(e.dies[0].network_s, ring, 1e-9 * ring);

    // and the simulated network agrees with it within 5% (one collective, no other traffic)
    tess_eval_result sim = crossed.simulate();
    EXPECT_NEAR(sim.dies[0].network_s / e.dies[0].network_s, 1.0, 0.05);
    tess_eval_result_free(&sim);
    tess_eval_result_free(&e);
}

TEST(Estimate, OptimizerStepRunsAtThePeakDramRateUncalibrated)
{
    // default platform: 8 HBM3 stacks of 32 channels x 4 B x 6.4 Gb/s = 819.2 GB/s, shared by
    // 16 dies that have no memory of their own: 409.6 GB/s a die; Adam moves 28 B a parameter
    Job j(src("platforms/default.xml"), workload_xml(4, 4, 1, 8), model_xml(8, 1024, 16),
          {"k=4"});
    ASSERT_TRUE(j.ok) << j.errors;
    tess_eval_result e = j.estimate();
    const double per_die = 8 * 32 * 4 * 6.4e9 / 16;
    for (uint32_t st = 0; st < 4; st++)
        EXPECT_NEAR(e.dies[st * 4].optimizer_s, 28.0 * j.s.stages[st].params / per_die,
                    1e-9 * e.dies[st * 4].optimizer_s);
    tess_eval_result_free(&e);
}

TEST(Estimate, ComputeTimeIsTheArraysGeometryAsSimulated)
{
    Job j(src("platforms/default.xml"), workload_xml(4, 2, 2, 8), model_xml(4, 1024, 16));
    ASSERT_TRUE(j.ok) << j.errors;
    tess_eval_result e = j.estimate(), sim = j.simulate();
    ASSERT_EQ(e.n_dies, sim.n_dies);
    for (uint32_t r = 0; r < e.n_dies; r++) EXPECT_NEAR(e.dies[r].compute_s, sim.dies[r].compute_s, 1e-9 * sim.dies[r].compute_s);
    tess_eval_result_free(&e);
    tess_eval_result_free(&sim);
}

TEST(Estimate, PipelineMessagesDelayEachStageCrossing)
{
    // one micro-batch through p stages and back: p (tf + tb) + 2 (p - 1) d
    Job j(src("platforms/default.xml"), workload_xml(4, 4, 1, 1, "recompute=\"none\" pipeline=\"1f1b\""),
          model_xml(8, 1024, 16));
    ASSERT_TRUE(j.ok) << j.errors;
    const double tf = 1e-3, tb = 2e-3, d = 1e-4;
    std::vector<double> f(4, tf), b(4, tb), end(4);
    EXPECT_NEAR(tess_pipeline_makespan(&j.s, f.data(), b.data(), d, end.data()), 4 * (tf + tb) + 2 * 3 * d, 1e-12);
    EXPECT_NEAR(end[0], 4 * (tf + tb) + 6 * d, 1e-12); // the first stage ends last
    EXPECT_NEAR(tess_pipeline_makespan(&j.s, f.data(), b.data(), 0, nullptr), 4 * (tf + tb), 1e-12);
}

TEST(Estimate, CalibrationFileErrorsNameFileAndLine)
{
    const std::string path = ::testing::TempDir() + "bad.cal";
    {
        std::ofstream f(path);
        f << "# comment\n"
             "gemm_efficiency = 0.9\n"
             "gemm_speed = 2\n"
             "dma_overlap = 1.5\n"
             "tp.bandwidth_efficiency = fast\n"
             "just words\n";
    }
    tess_calibration c;
    tess_diag d;
    tess_diag_init(&d);
    EXPECT_EQ(tess_calibration_read(path.c_str(), &c, &d), TESS_EINVAL);
    char *all = tess_diag_join(&d);
    const std::string text = all;
    free(all);
    tess_diag_free(&d);
    EXPECT_NE(text.find(path + ":3: unknown calibration key 'gemm_speed'"), std::string::npos) << text;
    EXPECT_NE(text.find(path + ":4: dma_overlap: '1.5'"), std::string::npos) << text;
    EXPECT_NE(text.find(path + ":5: tp.bandwidth_efficiency: 'fast'"), std::string::npos) << text;
    EXPECT_NE(text.find(path + ":6: expected 'key = value'"), std::string::npos) << text;
    tess_diag_init(&d);
    EXPECT_EQ(tess_calibration_read((path + ".missing").c_str(), &c, &d), TESS_EIO);
    tess_diag_free(&d);
}

TEST(Estimate, ApiEstimatesAnOpenedJobWithAndWithoutCalibration)
{
    tess_job *job = nullptr;
    char *error = nullptr;
    ASSERT_EQ(tess_job_open(src("platforms/default.xml").c_str(), src("workloads/default.xml").c_str(), nullptr, 0,
                            &job, &error),
              TESS_OK)
        << (error ? error : "");
    tess_evaluation *ev = nullptr;
    ASSERT_EQ(tess_estimate(job, nullptr, &ev, &error), TESS_OK) << (error ? error : "");
    std::string report = tess_report_json(ev);
    EXPECT_NE(report.find("\"fidelity\": \"analytic\""), std::string::npos);
    EXPECT_NE(report.find("\"calibration\": \"none\""), std::string::npos);
    double t0 = 0, t1 = 0, tokens = 0;
    ASSERT_EQ(tess_metric(ev, "iteration_time_s", &t0), TESS_OK);
    ASSERT_EQ(tess_metric(ev, "tokens_per_s", &tokens), TESS_OK);
    EXPECT_NEAR(tokens * t0, 16 * 2048, 1e-6 * 16 * 2048);
    tess_evaluation_free(ev);

    // a calibration that halves the GEMM efficiency lengthens the iteration
    const std::string path = ::testing::TempDir() + "half.cal";
    {
        std::ofstream f(path);
        f << "gemm_efficiency = 0.5\n";
    }
    ASSERT_EQ(tess_estimate(job, path.c_str(), &ev, &error), TESS_OK) << (error ? error : "");
    ASSERT_EQ(tess_metric(ev, "iteration_time_s", &t1), TESS_OK);
    EXPECT_GT(t1, t0 * 1.2);
    report = tess_report_json(ev);
    EXPECT_NE(report.find("\"calibration\": \"" + path + "\""), std::string::npos);
    tess_evaluation_free(ev);

    EXPECT_EQ(tess_estimate(job, (path + ".missing").c_str(), &ev, &error), TESS_EIO);
    ASSERT_NE(error, nullptr);
    EXPECT_NE(std::string(error).find("half.cal.missing"), std::string::npos);
    tess_free(error);
    tess_job_close(job);
}

TEST(Estimate, CommandLineEstimateAndCalibrate)
{
    const std::string cal = ::testing::TempDir() + "default.cal";
    CliRun c = tessera("calibrate platforms/default.xml -o " + cal);
    ASSERT_EQ(c.status, 0) << c.output;
    EXPECT_NE(c.output.find("iteration"), std::string::npos);
    CliRun e = tessera("estimate platforms/default.xml workloads/default.xml --json --calibration " + cal, true);
    ASSERT_EQ(e.status, 0) << e.output;
    EXPECT_NE(e.output.find("\"fidelity\": \"analytic\""), std::string::npos);
    EXPECT_GT(json_number(e.output, "iteration_time_s"), 0);
    CliRun bad = tessera("estimate platforms/default.xml workloads/default.xml --calibration /nonexistent.cal");
    EXPECT_EQ(bad.status, 3) << bad.output; // as for a platform file that cannot be read
    EXPECT_NE(bad.output.find("/nonexistent.cal"), std::string::npos);
}

// The check: calibrated on one mesh size with one set of jobs, the analytical
// model's iteration time stays within 10% of the simulator's on other mesh sizes, models and
// parallel strategies, and orders the points as the simulator does (Kendall tau >= 0.8).
TEST(Estimate, CalibratedModelHoldsOnHeldOutMeshesModelsAndStrategies)
{
    const std::string platform = read_file(src("tests/data/estimate-mesh.xml"));
    tess_platform p{};
    tess_diag d;
    tess_diag_init(&d);
    char k4[] = "k=4";
    tess_override ov{};
    tess_override_split(k4, &ov);
    ASSERT_EQ(tess_platform_load_buffer(platform.c_str(), platform.size(), "estimate-mesh", &ov, 1, &p, &d), TESS_OK);
    tess_diag_free(&d);
    tess_calibration cal;
    tess_calibration_report rep;
    char msg[1024] = "";
    ASSERT_EQ(tess_calibrate(&p, nullptr, &cal, &rep, msg, sizeof msg), TESS_OK) << msg;
    tess_platform_free(&p);
    EXPECT_GE(rep.jobs, 8u);
    EXPECT_LT(rep.worst_iteration_after, 0.10);
    EXPECT_GE(rep.kendall_tau_after, 0.8);
    std::printf("calibration set (k=4): %u jobs, worst error %.2f%%, mean %.2f%%, Kendall tau %.3f\n", rep.jobs,
                100 * rep.worst_iteration_after, 100 * rep.error_after[TESS_CAL_ITERATION], rep.kendall_tau_after);

    struct Point {
        unsigned k, layers, hidden, heads, tp, pp, dp, batch;
        const char *extra;
    };
    // other mesh sizes (2, 3, 5 and 4 with other models), other widths, depths, sequence
    // parallelism, recomputation, GPipe and interleaving shapes than calibration used
    const Point points[] = {
        {2, 6, 768, 12, 4, 1, 1, 4, "recompute=\"full\""},
        {2, 6, 768, 12, 2, 2, 1, 8, "recompute=\"none\" pipeline=\"gpipe\""},
        {2, 6, 768, 12, 1, 1, 4, 8, "recompute=\"selective\""},
        {3, 6, 768, 12, 3, 3, 1, 12, "recompute=\"none\""},
        {3, 6, 768, 12, 3, 1, 3, 6, "recompute=\"selective\" sequence-parallel=\"on\""},
        {3, 6, 1536, 12, 1, 3, 3, 18, "recompute=\"full\""},
        {4, 8, 2048, 16, 4, 4, 1, 8, "recompute=\"selective\" sequence-parallel=\"on\""},
        {4, 8, 1536, 16, 2, 2, 4, 16, "recompute=\"none\" pipeline=\"gpipe\""},
        {4, 8, 2048, 16, 8, 1, 2, 4, "recompute=\"full\""},
        {4, 8, 768, 16, 4, 2, 2, 8, "recompute=\"none\" pipeline=\"interleaved\" chunks=\"2\""},
        {5, 5, 1280, 20, 5, 5, 1, 10, "recompute=\"none\""},
        {5, 5, 1280, 20, 5, 1, 5, 10, "recompute=\"selective\""},
    };
    const std::string cal_path = ::testing::TempDir() + "estimate-mesh.cal";
    {
        FILE *f = std::fopen(cal_path.c_str(), "w");
        ASSERT_NE(f, nullptr);
        tess_calibration_write(f, &cal);
        std::fclose(f);
    }
    std::vector<double> sim_t, est_t;
    for (const Point &pt : points) {
        const std::string set = "k=" + std::to_string(pt.k);
        const char *sets[] = {set.c_str()};
        const std::string work = workload_xml(pt.tp, pt.pp, pt.dp, pt.batch, pt.extra);
        const std::string model = model_xml(pt.layers, pt.hidden, pt.heads, 2048);
        tess_job *job = nullptr;
        char *error = nullptr;
        ASSERT_EQ(tess_job_open_xml(platform.c_str(), work.c_str(), model.c_str(), sets, 1, &job, &error), TESS_OK)
            << work << "\n" << (error ? error : "");
        tess_evaluation *sim = nullptr, *est = nullptr;
        ASSERT_EQ(tess_evaluate(job, nullptr, &sim, &error), TESS_OK) << (error ? error : "");
        ASSERT_EQ(tess_estimate(job, cal_path.c_str(), &est, &error), TESS_OK) << (error ? error : "");
        double ts = 0, te = 0;
        tess_metric(sim, "iteration_time_s", &ts);
        tess_metric(est, "iteration_time_s", &te);
        std::printf("held out: k=%u h=%u l=%u tp%u pp%u dp%u %-52s simulated %.6g s, estimate %.6g s (%+.1f%%)\n",
                    pt.k, pt.hidden, pt.layers, pt.tp, pt.pp, pt.dp, pt.extra, ts, te, 100 * (te - ts) / ts);
        EXPECT_NEAR(te / ts, 1.0, 0.10) << work;
        sim_t.push_back(ts);
        est_t.push_back(te);
        tess_evaluation_free(sim);
        tess_evaluation_free(est);
        tess_job_close(job);
    }
    const double tau = tess_kendall_tau(est_t.data(), sim_t.data(), sim_t.size());
    std::printf("held-out set: %zu points, Kendall tau %.3f\n", sim_t.size(), tau);
    EXPECT_GE(tau, 0.8);
}

TEST(Estimate, CriticalPathFollowsTheSimulatedOne)
{
    // 4 pipeline stages of 1F1B: both paths cross 2 (p - 1) times, take the same GEMM and
    // vector work (both time it by the arrays' geometry) and add up to their iterations
    Job j(src("platforms/default.xml"), workload_xml(4, 4, 1, 8, "recompute=\"none\" pipeline=\"1f1b\""),
          model_xml(8, 1024, 16));
    ASSERT_TRUE(j.ok) << j.errors;
    tess_eval_result e = j.estimate(), sim = j.simulate();
    const tess_critical_path &a = e.it.critical_path, &b = sim.it.critical_path;
    EXPECT_EQ(a.handoffs, 6u);
    EXPECT_EQ(b.handoffs, 6u);
    EXPECT_NEAR(a.compute_s, b.compute_s, 1e-9 * b.compute_s);
    for (const tess_eval_result *r : {&e, &sim}) {
        const tess_critical_path &c = r->it.critical_path;
        EXPECT_NEAR(c.compute_s + c.memory_s + c.network_s + c.transfer_s + c.other_s, r->it.iteration_time_s,
                    1e-9 * r->it.iteration_time_s);
    }
    tess_eval_result_free(&e);
    tess_eval_result_free(&sim);
}

TEST(Estimate, KendallTauOfKnownOrders)
{
    const double a[] = {1, 2, 3, 4}, same[] = {10, 20, 30, 40}, reversed[] = {4, 3, 2, 1}, one_swap[] = {1, 3, 2, 4};
    EXPECT_DOUBLE_EQ(tess_kendall_tau(a, same, 4), 1.0);
    EXPECT_DOUBLE_EQ(tess_kendall_tau(a, reversed, 4), -1.0);
    // one discordant pair of six: (5 - 1) / 6
    EXPECT_DOUBLE_EQ(tess_kendall_tau(a, one_swap, 4), 4.0 / 6.0);
}
