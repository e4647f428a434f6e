// The analytical model against the simulator and through the public API and the CLI:
// the calibrated model on jobs it was not calibrated on (src/driver/calibrate.h).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include <tessera/tessera.h>

#include "cli_run.h"
#include "estimate_job.h"

extern "C" {
#include "driver/calibrate.h"
#include "driver/evaluate.h"
}

namespace
{

// The job's iteration simulated at packet fidelity.
tess_eval_result simulate(Job &j)
{
    tess_eval_result e{};
    char msg[1024] = "";
    const tess_eval_job_options o = {
        300, {TESS_NOC_PACKET, 0, 0, TESS_MEM_RATE, nullptr, nullptr, nullptr, nullptr, 0}, 0};
    EXPECT_EQ(tess_evaluate_job(&j.p, &j.w, &j.s, &o, &e, msg, sizeof msg), TESS_OK) << msg;
    return e;
}

} // namespace

TEST(Estimate, RingAllReduceAgreesWithTheSimulatedNetwork)
{
    // one gradient all-reduce over four dies whose ring crosses the switch-to-switch link
    // twice each way, no other traffic: the simulated network within 5% of the model
    Job crossed(two_switches({"a0", "b0", "a1", "b1"}), workload_xml(1, 1, 4, 4),
                model_xml(2, 256, 4));
    ASSERT_TRUE(crossed.ok) << crossed.errors;
    tess_eval_result e = crossed.estimate(), sim = simulate(crossed);
    EXPECT_NEAR(sim.dies[0].network_s / e.dies[0].network_s, 1.0, 0.05);
    tess_eval_result_free(&sim);
    tess_eval_result_free(&e);
}

TEST(Estimate, ZeroThreeStreamsOverlapAsSimulated)
{
    // ZeRO-3 over four dies whose rings cross the switch-to-switch link: each layer's
    // gathers and reductions in the die's stream (zero-overlap off) or on its streams
    // under the compute (on, the default). The model follows the simulated iteration
    // within 5% both ways, and the overlap saves time in both.
    double t[2] = {0, 0};
    for (int overlap = 0; overlap < 2; overlap++) {
        Job j(two_switches({"a0", "b0", "a1", "b1"}),
              workload_xml(1, 1, 4, 8,
                           std::string("recompute=\"none\" zero=\"3\" zero-overlap=\"") +
                               (overlap ? "on" : "off") + "\""),
              model_xml(4, 512, 8));
        ASSERT_TRUE(j.ok) << j.errors;
        tess_eval_result e = j.estimate(), sim = simulate(j);
        EXPECT_NEAR(e.it.iteration_time_s / sim.it.iteration_time_s, 1.0, 0.05)
            << "zero-overlap " << overlap;
        t[overlap] = sim.it.iteration_time_s;
        tess_eval_result_free(&e);
        tess_eval_result_free(&sim);
    }
    EXPECT_LT(t[1], t[0]);
}

TEST(Estimate, ZeroThreeStreamsContendWithTheGemmsAsSimulated)
{
    // ZeRO-3 with its streams on 2 DGX A100 nodes (TP 4 x DP 4, the baseline's zero3 job):
    // each gather and reduction holds 24 of the A100's 108 SMs beside the layer's GEMMs
    // (collective-sms, platforms/lib/nvidia-a100.xml). The GEMMs lose compute time in the
    // simulation and in the model alike; with collective-sms 0 nothing is lost.
    const std::string job = "platforms/dgx-a100-cluster.xml workloads/default.xml --set nodes=2 "
                            "--set workload.tp=4 --set workload.pp=1 --set workload.dp=4 --set "
                            "workload.rank-order=tp-dp-pp --set workload.global-batch=16 --set "
                            "workload.zero=3 --json";
    double t[2][2], c[2][2]; // [collective-sms 0, 24][simulated, estimated]
    for (int taken = 0; taken < 2; taken++)
        for (int est = 0; est < 2; est++) {
            const CliRun r = tessera(std::string(est ? "estimate " : "run --fidelity flow ") + job +
                                         (taken ? "" : " --set a100.collective-sms=0"),
                                     true);
            ASSERT_EQ(r.status, 0) << r.output;
            t[taken][est] = json_number(r.output, "iteration_time_s");
            c[taken][est] =
                json_number(r.output.substr(r.output.find("\"time_breakdown_s\"")), "compute");
        }
    for (int taken = 0; taken < 2; taken++)
        EXPECT_NEAR(t[taken][1] / t[taken][0], 1.0, 0.03) << "collective-sms " << taken;
    const double lost_sim = c[1][0] - c[0][0], lost_est = c[1][1] - c[0][1];
    EXPECT_GT(lost_sim, 0.02 * c[0][0]);
    EXPECT_NEAR(lost_est / lost_sim, 1.0, 0.15);
    EXPECT_GT(t[1][0], t[0][0]);
}

TEST(Estimate, ComputeTimeIsTheArraysGeometryAsSimulated)
{
    Job j(src("platforms/default.xml"), workload_xml(4, 2, 2, 8), model_xml(4, 1024, 16));
    ASSERT_TRUE(j.ok) << j.errors;
    tess_eval_result e = j.estimate(), sim = simulate(j);
    ASSERT_EQ(e.n_dies, sim.n_dies);
    for (uint32_t r = 0; r < e.n_dies; r++)
        EXPECT_NEAR(e.dies[r].compute_s, sim.dies[r].compute_s, 1e-9 * sim.dies[r].compute_s);
    tess_eval_result_free(&e);
    tess_eval_result_free(&sim);
}

TEST(Estimate, ApiEstimatesAnOpenedJobWithAndWithoutCalibration)
{
    tess_job *job = nullptr;
    char *error = nullptr;
    ASSERT_EQ(tess_job_open(src("platforms/default.xml").c_str(),
                            src("workloads/default.xml").c_str(), nullptr, 0, &job, &error),
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
    CliRun e = tessera(
        "estimate platforms/default.xml workloads/default.xml --json --calibration " + cal, true);
    ASSERT_EQ(e.status, 0) << e.output;
    EXPECT_NE(e.output.find("\"fidelity\": \"analytic\""), std::string::npos);
    EXPECT_GT(json_number(e.output, "iteration_time_s"), 0);
    CliRun bad = tessera(
        "estimate platforms/default.xml workloads/default.xml --calibration /nonexistent.cal");
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
    ASSERT_EQ(tess_platform_load_buffer(platform.c_str(), platform.size(), "estimate-mesh", &ov, 1,
                                        &p, &d),
              TESS_OK);
    tess_diag_free(&d);
    tess_calibration cal;
    tess_calibration_report rep;
    char msg[1024] = "";
    ASSERT_EQ(tess_calibrate(&p, nullptr, &cal, &rep, msg, sizeof msg), TESS_OK) << msg;
    tess_platform_free(&p);
    EXPECT_GE(rep.jobs, 8u);
    EXPECT_LT(rep.worst_iteration_after, 0.10);
    EXPECT_GE(rep.kendall_tau_after, 0.8);
    std::printf(
        "calibration set (k=4): %u jobs, worst error %.2f%%, mean %.2f%%, Kendall tau %.3f\n",
        rep.jobs, 100 * rep.worst_iteration_after, 100 * rep.error_after[TESS_CAL_ITERATION],
        rep.kendall_tau_after);

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
        ASSERT_EQ(
            tess_job_open_xml(platform.c_str(), work.c_str(), model.c_str(), sets, 1, &job, &error),
            TESS_OK)
            << work << "\n"
            << (error ? error : "");
        tess_evaluation *sim = nullptr, *est = nullptr;
        // the model is calibrated against rate runs (tessera calibrate), so held out at rate
        const tess_eval_options rate = {TESS_API_VERSION, 0, TESS_FIDELITY_MIXED, 0,
                                        TESS_MEMORY_RATE};
        ASSERT_EQ(tess_evaluate(job, &rate, &sim, &error), TESS_OK) << (error ? error : "");
        ASSERT_EQ(tess_estimate(job, cal_path.c_str(), &est, &error), TESS_OK)
            << (error ? error : "");
        double ts = 0, te = 0;
        tess_metric(sim, "iteration_time_s", &ts);
        tess_metric(est, "iteration_time_s", &te);
        std::printf("held out: k=%u h=%u l=%u tp%u pp%u dp%u %-52s simulated %.6g s, estimate %.6g "
                    "s (%+.1f%%)\n",
                    pt.k, pt.hidden, pt.layers, pt.tp, pt.pp, pt.dp, pt.extra, ts, te,
                    100 * (te - ts) / ts);
        // within 10% (it was 11% while the model's DMA overlap was one fitted share of
        // compute: two points at -10.1% and -10.3%; with the double-buffered pipeline per
        // tiled GEMM and each op at its place in the layer the twelve points lie within
        // -0.4% to +0.9%, results/calibration.md)
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
    Job j(src("platforms/default.xml"),
          workload_xml(4, 4, 1, 8, "recompute=\"none\" pipeline=\"1f1b\""), model_xml(8, 1024, 16));
    ASSERT_TRUE(j.ok) << j.errors;
    tess_eval_result e = j.estimate(), sim = simulate(j);
    const tess_critical_path &a = e.it.critical_path, &b = sim.it.critical_path;
    EXPECT_EQ(a.handoffs, 6u);
    EXPECT_EQ(b.handoffs, 6u);
    EXPECT_NEAR(a.compute_s, b.compute_s, 1e-9 * b.compute_s);
    for (const tess_eval_result *r : {&e, &sim}) {
        const tess_critical_path &c = r->it.critical_path;
        EXPECT_NEAR(c.compute_s + c.memory_s + c.network_s + c.transfer_s + c.other_s,
                    r->it.iteration_time_s, 1e-9 * r->it.iteration_time_s);
    }
    tess_eval_result_free(&e);
    tess_eval_result_free(&sim);
}

TEST(Estimate, KendallTauOfKnownOrders)
{
    const double a[] = {1, 2, 3, 4}, same[] = {10, 20, 30, 40}, reversed[] = {4, 3, 2, 1},
                 one_swap[] = {1, 3, 2, 4};
    EXPECT_DOUBLE_EQ(tess_kendall_tau(a, same, 4), 1.0);
    EXPECT_DOUBLE_EQ(tess_kendall_tau(a, reversed, 4), -1.0);
    // one discordant pair of six: (5 - 1) / 6
    EXPECT_DOUBLE_EQ(tess_kendall_tau(a, one_swap, 4), 4.0 / 6.0);
}

TEST(Estimate, RingAttentionOverlapsAsSimulated)
{
    // Context parallelism over four dies whose ring crosses the switch-to-switch link: the
    // K/V blocks and their gradients move on the dies' third stream while the die computes
    // on the block it has (tess_async START / WAIT). The model walks the same steps and
    // follows the simulated iteration within 5%, at a short sequence (the exchange partly
    // exposed: a fifth of the iteration) and a long one (the attention hides most of it).
    for (const unsigned seq : {1024u, 8192u}) {
        Job j(two_switches({"a0", "b0", "a1", "b1"}),
              workload_xml(1, 1, 1, 2, "recompute=\"none\" attention=\"flash\" cp=\"4\""),
              model_xml(2, 512, 8, seq));
        ASSERT_TRUE(j.ok) << j.errors;
        tess_eval_result e = j.estimate(), sim = simulate(j);
        EXPECT_NEAR(e.it.iteration_time_s / sim.it.iteration_time_s, 1.0, 0.05) << "s " << seq;
        // the die's waits on the ring (its only collectives here) within 2% of the iteration
        EXPECT_NEAR(e.it.network_s, sim.it.network_s, 0.02 * sim.it.iteration_time_s)
            << "s " << seq;
        EXPECT_GT(sim.it.network_s, 0);
        tess_eval_result_free(&e);
        tess_eval_result_free(&sim);
    }
}
