// The public C API, driven through tessera/tessera.h alone.
#include <gtest/gtest.h>

#include <string>

#include <tessera/tessera.h>

namespace {
std::string src(const char *rel) { return std::string(TESS_SOURCE_DIR) + "/" + rel; }
} // namespace

TEST(Api, EvaluatesAJobAndReadsMetricsAndReport)
{
    tess_job *job = nullptr;
    char *error = nullptr;
    ASSERT_EQ(tess_job_open(src("platforms/default.xml").c_str(), src("workloads/default.xml").c_str(),
                            nullptr, 0, &job, &error),
              TESS_OK)
        << (error ? error : "");
    tess_evaluation *ev = nullptr;
    tess_eval_options opt = {TESS_API_VERSION, 120};
    ASSERT_EQ(tess_evaluate(job, &opt, &ev, &error), TESS_OK) << (error ? error : "");
    double t = 0, tokens = 0, mfu = 0, model = 0;
    ASSERT_EQ(tess_metric(ev, "iteration_time_s", &t), TESS_OK);
    ASSERT_EQ(tess_metric(ev, "tokens_per_s", &tokens), TESS_OK);
    ASSERT_EQ(tess_metric(ev, "mfu", &mfu), TESS_OK);
    ASSERT_EQ(tess_metric(ev, "model_flops", &model), TESS_OK);
    EXPECT_GT(t, 0);
    EXPECT_NEAR(tokens * t, 16 * 2048, 1e-6 * 16 * 2048); // the default job's tokens
    EXPECT_GT(mfu, 0);
    EXPECT_LE(mfu, 1);
    double nothing;
    EXPECT_EQ(tess_metric(ev, "happiness", &nothing), TESS_EINVAL);
    // every listed name reads; power is energy over the iteration; a share stays in [0, 1]
    size_t n_names = 0;
    for (; tess_metric_name(n_names); n_names++)
        EXPECT_EQ(tess_metric(ev, tess_metric_name(n_names), &nothing), TESS_OK) << tess_metric_name(n_names);
    EXPECT_GE(n_names, 14u);
    double energy = 0, power = 0, link = -1;
    ASSERT_EQ(tess_metric(ev, "energy_j", &energy), TESS_OK);
    ASSERT_EQ(tess_metric(ev, "power_w", &power), TESS_OK);
    ASSERT_EQ(tess_metric(ev, "peak_link_utilisation", &link), TESS_OK);
    EXPECT_DOUBLE_EQ(power, energy / t);
    EXPECT_GT(link, 0);
    EXPECT_LE(link, 1);
    const std::string report = tess_report_json(ev);
    EXPECT_NE(report.find("\"iteration_time_s\""), std::string::npos);
    EXPECT_NE(report.find("\"run\""), std::string::npos);
    tess_evaluation_free(ev);
    tess_job_close(job);
}

TEST(Api, BadInputFailsInTheCallerWithFileAndLine)
{
    tess_job *job = nullptr;
    char *error = nullptr;
    const char *bad[] = {"workload.tp=3"};
    EXPECT_EQ(tess_job_open(src("platforms/default.xml").c_str(), src("workloads/default.xml").c_str(),
                            bad, 1, &job, &error),
              TESS_EINVAL);
    ASSERT_NE(error, nullptr);
    EXPECT_NE(std::string(error).find("workloads/default.xml:5: <workload>: the model's 16 heads are "
                                      "not divisible by tp 3"),
              std::string::npos)
        << error;
    EXPECT_EQ(job, nullptr);
    tess_free(error);
    const char *malformed[] = {"no-equals-sign"};
    EXPECT_EQ(tess_job_open(src("platforms/default.xml").c_str(), src("workloads/default.xml").c_str(),
                            malformed, 1, &job, &error),
              TESS_EINVAL);
    tess_free(error);
    EXPECT_EQ(tess_job_open("/no/such/platform.xml", src("workloads/default.xml").c_str(), nullptr, 0,
                            &job, &error),
              TESS_EIO);
    ASSERT_NE(error, nullptr);
    EXPECT_NE(std::string(error).find("/no/such/platform.xml: cannot open"), std::string::npos) << error;
    tess_free(error);
}

TEST(Api, TimeLimitBecomesAnErrorNotACrash)
{
    tess_job *job = nullptr;
    char *error = nullptr;
    ASSERT_EQ(tess_job_open(src("platforms/wafer-8x8.xml").c_str(),
                            src("workloads/gpt3-175b-tp8-pp8.xml").c_str(), nullptr, 0, &job, &error),
              TESS_OK);
    tess_evaluation *ev = nullptr;
    tess_eval_options opt = {TESS_API_VERSION, 0.05}; // the 175B iteration needs seconds
    EXPECT_EQ(tess_evaluate(job, &opt, &ev, &error), TESS_ETIMEOUT);
    EXPECT_EQ(ev, nullptr);
    ASSERT_NE(error, nullptr);
    EXPECT_NE(std::string(error).find("time limit"), std::string::npos) << error;
    tess_free(error);
    tess_eval_options wrong = {TESS_API_VERSION + 1, 0};
    EXPECT_EQ(tess_evaluate(job, &wrong, &ev, &error), TESS_EINVAL);
    tess_free(error);
    tess_job_close(job);
}
