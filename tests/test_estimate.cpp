// The analytical model (src/model/estimate.h): closed-form terms against hand
// calculations. Links the model's library alone (no SystemC); the model against the
// simulator is in test_estimate_sim.cpp.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <string>
#include <vector>

#include <tessera/tessera.h>

#include "estimate_job.h"

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

    tess_eval_result_free(&e);
}

TEST(Estimate, OptimizerStepRunsAtThePeakDramRateUncalibrated)
{
    // default platform: 8 HBM3 stacks of 32 channels x 4 B x 6.4 Gb/s = 819.2 GB/s, shared by
    // 16 dies that have no memory of their own: 409.6 GB/s a die; the mixed-precision Adam
    // step moves 50 B a parameter (8 unscale, 4 norm, 28 Adam, 6 weight copy, 4 zeroing)
    Job j(src("platforms/default.xml"), workload_xml(4, 4, 1, 8), model_xml(8, 1024, 16), {"k=4"});
    ASSERT_TRUE(j.ok) << j.errors;
    tess_eval_result e = j.estimate();
    const double per_die = 8 * 32 * 4 * 6.4e9 / 16;
    for (uint32_t st = 0; st < 4; st++)
        EXPECT_NEAR(e.dies[st * 4].optimizer_s, 50.0 * j.s.stages[st].params / per_die,
                    1e-9 * e.dies[st * 4].optimizer_s);
    tess_eval_result_free(&e);
}

TEST(Estimate, PipelineMessagesDelayEachStageCrossing)
{
    // one micro-batch through p stages and back: p (tf + tb) + 2 (p - 1) d
    Job j(src("platforms/default.xml"),
          workload_xml(4, 4, 1, 1, "recompute=\"none\" pipeline=\"1f1b\""), model_xml(8, 1024, 16));
    ASSERT_TRUE(j.ok) << j.errors;
    const double tf = 1e-3, tb = 2e-3, d = 1e-4;
    std::vector<double> f(4, tf), b(4, tb), end(4);
    EXPECT_NEAR(tess_pipeline_makespan(&j.s, f.data(), b.data(), d, end.data()),
                4 * (tf + tb) + 2 * 3 * d, 1e-12);
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
    EXPECT_NE(text.find(path + ":3: unknown calibration key 'gemm_speed'"), std::string::npos)
        << text;
    EXPECT_NE(text.find(path + ":4: dma_overlap: '1.5'"), std::string::npos) << text;
    EXPECT_NE(text.find(path + ":5: tp.bandwidth_efficiency: 'fast'"), std::string::npos) << text;
    EXPECT_NE(text.find(path + ":6: expected 'key = value'"), std::string::npos) << text;
    tess_diag_init(&d);
    EXPECT_EQ(tess_calibration_read((path + ".missing").c_str(), &c, &d), TESS_EIO);
    tess_diag_free(&d);
}
