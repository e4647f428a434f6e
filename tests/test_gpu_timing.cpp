// The gpu timing rule (model/die_timing.h) against the documented kernel-level measurements
// the A100 preset cites (../shared/REFERENCE.md 1.3), and against hand counts of CTA tiles
// and waves on a small made-up GPU.
#include <gtest/gtest.h>

#include <cmath>

#include "cli_run.h"
#include "platform_fixture.h"

extern "C" {
#include "model/die_timing.h"
}

namespace
{

const tess_die_type &die_named(const Loaded &l, const char *name)
{
    for (size_t i = 0; i < l.p.n_types; i++)
        if (l.p.types[i].kind == TESS_KIND_DIE && std::string(l.p.types[i].name) == name)
            return l.p.types[i].u.die;
    throw std::runtime_error(std::string("no die-type ") + name);
}

tess_gemm_kernel gemm(uint64_t m, uint64_t n, uint64_t k, unsigned e = 2, uint64_t count = 1)
{
    return tess_gemm_kernel{m, n, k, count, 0, e * count * (m * k + k * n + m * n), e};
}

double rate(const tess_die_type &d, const tess_gemm_kernel &g, double dma)
{
    return 2.0 * g.m * g.n * g.k * g.count / tess_gemm_time(&d, &g, dma).seconds;
}

constexpr double kA100Peak = 312e12;      // dense FP16, REFERENCE 1.1
constexpr double kA100Ceiling = 271.2e12; // MAMF best case, REFERENCE 1.3
constexpr double kHbm = 2.039e12;         // 5 stacks of HBM2e, REFERENCE 1.1

struct A100 : ::testing::Test {
    std::unique_ptr<Loaded> l = load_file(source_path("platforms/dgx-a100.xml"));
    const tess_die_type &d() { return die_named(*l, "a100"); }
    void SetUp() override { ASSERT_EQ(l->rc, TESS_OK) << l->errors; }
};

} // namespace

TEST_F(A100, PresetPeakIsTheDatasheets)
{
    EXPECT_EQ(d().compute, TESS_COMPUTE_GPU);
    EXPECT_NEAR(tess_die_peak_flops(&d()), kA100Peak, 0.005 * kA100Peak);
}

// The MAMF search found its best rate on 1024 x 10240 x 5120 (M x N x K).
TEST_F(A100, BestCaseShapeReachesTheMeasuredCeilingWithin3Percent)
{
    const double r = rate(d(), gemm(1024, 10240, 5120), kHbm);
    EXPECT_NEAR(r, kA100Ceiling, 0.03 * kA100Ceiling) << r / 1e12 << " TFLOP/s";
    EXPECT_LE(r, kA100Ceiling);
}

// Horace He measured 258 TFLOP/s (83%) on 8192^3 with random data.
TEST_F(A100, Cube8192RunsBetween80And90PercentOfPeak)
{
    const double r = rate(d(), gemm(8192, 8192, 8192), kHbm);
    EXPECT_GT(r, 0.80 * kA100Peak) << r / 1e12;
    EXPECT_LT(r, 0.90 * kA100Peak) << r / 1e12;
}

// K = 10922 is not a multiple of 8 fp16 elements, K = 10944 is: the CTA grid is the same,
// so the rates differ by unaligned-efficiency (272.7 / 398.4 measured on H100) exactly.
TEST_F(A100, MisalignedKLosesTheMeasuredFraction)
{
    const tess_gemm_kernel a = gemm(4096, 4096, 10944, 2, 4), u = gemm(4096, 4096, 10922, 2, 4);
    const double ra = 2.0 * a.m * a.n * a.k * a.count / tess_gpu_gemm_seconds(&d(), &a);
    const double ru = 2.0 * u.m * u.n * u.k * u.count / tess_gpu_gemm_seconds(&d(), &u);
    EXPECT_NEAR(ru / ra, 272.7 / 398.4, 0.002);
}

// A matrix-vector product is memory-bound: it takes its bytes at the stream rate.
TEST_F(A100, MatrixVectorProductTakesItsBytesAtTheStreamRate)
{
    const tess_gemm_kernel g = gemm(16384, 1, 16384);
    const tess_kernel_time t = tess_gemm_time(&d(), &g, kHbm);
    const double bytes = 2.0 * (16384.0 * 16384 + 16384 + 16384);
    EXPECT_NEAR(t.seconds, 2.6e-6 + bytes / 1794e9, 1e-9);
    EXPECT_GT(t.memory_s, 0);
}

// RRZE gpu-stream: large streaming kernels at 1,794 GB/s (triad); gpu-small-kernels: a
// 64 KiB kernel reaches only about 25 GB/s, its time being the launch.
TEST_F(A100, ElementwiseKernelsRampUpToTheStreamRate)
{
    const uint64_t big = 1ull << 30, small = 64 << 10;
    const double big_rate = big / tess_vector_time(&d(), big, 2, kHbm).seconds;
    const double small_rate = small / tess_vector_time(&d(), small, 2, kHbm).seconds;
    EXPECT_NEAR(big_rate, 1794e9, 0.01 * 1794e9);
    EXPECT_NEAR(small_rate, 25e9, 0.1 * 25e9);
}

// H100 SXM: 794.5 TFLOP/s best case, measured on 2048 x 2048 x 13312 (MAMF table).
TEST(H100, BestCaseShapeReachesTheMeasuredCeilingWithin3Percent)
{
    auto l = load_file(source_path("platforms/dgx-h100.xml"));
    ASSERT_EQ(l->rc, TESS_OK) << l->errors;
    const tess_die_type &d = die_named(*l, "h100");
    EXPECT_NEAR(tess_die_peak_flops(&d), 989.4e12, 0.005 * 989.4e12);
    const double r = rate(d, gemm(2048, 2048, 13312), 3.35e12);
    EXPECT_NEAR(r, 794.5e12, 0.03 * 794.5e12) << r / 1e12 << " TFLOP/s";
}

// H100 SXM fp8 (e4m3): 1,402.6 TFLOP/s best case, measured on 1024 x 9216 x 14336 (the same
// MAMF table). One-byte operands run at that ceiling's SM rate: the rule gives the fp8
// ceiling on its own shape, the 16-bit GEMM of that shape stays under the 16-bit ceiling,
// and an fp8 ceiling past twice the 16-bit peak is refused.
TEST(H100, Fp8OperandsReachTheMeasuredFp8Ceiling)
{
    auto l = load_file(source_path("platforms/dgx-h100.xml"));
    ASSERT_EQ(l->rc, TESS_OK) << l->errors;
    const tess_die_type &d = die_named(*l, "h100");
    const double flops = 2.0 * 1024 * 9216 * 14336;
    const tess_gemm_kernel f8 = gemm(1024, 9216, 14336, 1), bf = gemm(1024, 9216, 14336, 2);
    EXPECT_NEAR(flops / tess_gpu_gemm_seconds(&d, &f8), 1402.6e12, 1e-6 * 1402.6e12);
    EXPECT_LE(flops / tess_gpu_gemm_seconds(&d, &bf), 794.5e12 * (1 + 1e-9));
    auto over =
        load_xml("<?xml version=\"1.0\"?>\n<platform name=\"t\">\n"
                 "  <die-type name=\"g\" clock=\"1GHz\" compute=\"gpu\" sms=\"8\" sm-flops=\"512\" "
                 "cta-tiles=\"128x128\" gemm-ceiling=\"3TFLOP/s\" gemm-ceiling-fp8=\"9TFLOP/s\"/>\n"
                 "</platform>\n");
    EXPECT_NE(over->rc, TESS_OK);
    EXPECT_NE(over->errors.find("above the fp8 peak"), std::string::npos) << over->errors;
}

// The ceiling's shape: 2048^2 outputs make 128 tiles of 256 x 128 on 132 SMs, so a rule
// that ran each SM at ceiling / SMs would give 128/132 of the ceiling there; the shape
// given, the rule gives the ceiling itself on it, and the loss elsewhere.
TEST(GpuRule, TheCeilingShapeGivesTheCeiling)
{
    auto l = load_file(source_path("platforms/dgx-h100.xml"));
    ASSERT_EQ(l->rc, TESS_OK) << l->errors;
    tess_die_type d = die_named(*l, "h100");
    const tess_gemm_kernel g = gemm(2048, 2048, 13312);
    const double flops = 2.0 * 2048 * 2048 * 13312;
    EXPECT_NEAR(flops / tess_gpu_gemm_seconds(&d, &g), 794.5e12, 1e-6 * 794.5e12);
    d.gemm_ceiling_shape[0] = '\0';
    EXPECT_NEAR(flops / tess_gpu_gemm_seconds(&d, &g), 794.5e12 * 128 / 132, 1e-6 * 794.5e12);
}

namespace
{
// A made-up GPU of 4 SMs at 1 GHz, 1,000 FLOP per clock each, gemm-ceiling at half the
// peak (2 TFLOP/s: 500 GFLOP/s per SM), one tile shape 128 x 64, no launch cost.
tess_die_type made_up_gpu()
{
    auto l = load_xml(platform_doc(""));
    EXPECT_EQ(l->rc, TESS_OK) << l->errors;
    tess_die_type d = die_named(*l, "d");
    d.compute = TESS_COMPUTE_GPU;
    d.clock_hz = 1e9;
    d.sms = 4;
    d.sm_flops = 1000;
    d.gemm_ceiling = 2e12;
    d.cta_tiles = tess_cta_tiles{1, {128}, {64}};
    d.kernel_launch_s = 0;
    return d;
}
} // namespace

TEST(GpuRule, WavesOfCtaTilesAtTheCeilingPerSm)
{
    tess_die_type d = made_up_gpu();
    // 300 x 100 output: ceil(300/128) = 3 x ceil(100/64) = 2 = 6 CTAs over 4 SMs: 2 waves
    // of one 128 x 64 x 32 tile each (2 x 128 x 64 x 32 FLOP at 500 GFLOP/s = 1.048576 us)
    const tess_gemm_kernel g{300, 100, 32, 1, 0, 0, 2};
    EXPECT_NEAR(tess_gpu_gemm_seconds(&d, &g), 2 * 2.0 * 128 * 64 * 32 / 500e9, 1e-15);
    // a batch of 3 of them: 18 CTAs, 5 waves
    const tess_gemm_kernel b{300, 100, 32, 3, 0, 0, 2};
    EXPECT_NEAR(tess_gpu_gemm_seconds(&d, &b), 5 * 2.0 * 128 * 64 * 32 / 500e9, 1e-15);
    // with a 64 x 64 tile on offer too: 5 x 2 = 10 CTAs, 3 waves of a half-size tile
    // (3 x 0.5 = 1.5 tile times) beat 2 waves of the big one
    d.cta_tiles = tess_cta_tiles{2, {128, 64}, {64, 64}};
    EXPECT_NEAR(tess_gpu_gemm_seconds(&d, &g), 3 * 2.0 * 64 * 64 * 32 / 500e9, 1e-15);
}

// The same made-up GPU with a collective holding one of its 4 SMs (collective-sms 1): a
// GEMM beside it runs its CTAs in waves over the other 3 at the whole die's per-SM rate.
TEST(GpuRule, ACollectiveBesideAGemmHoldsItsSms)
{
    tess_die_type d = made_up_gpu();
    d.kernel_launch_s = 1e-6;
    d.collective_sms = 1;
    const double tile = 2.0 * 128 * 64 * 32 / 500e9; // one 128 x 64 x 32 CTA at 500 GFLOP/s
    // 3 x (300 x 100): 18 CTAs, 5 waves over 4 SMs, 6 over 3; the launch alike
    const tess_gemm_kernel b{300, 100, 32, 3, 0, 0, 2};
    EXPECT_NEAR(tess_gemm_time(&d, &b, 1e12).seconds, 1e-6 + 5 * tile, 1e-15);
    EXPECT_NEAR(tess_gemm_time_sharing(&d, &b, 1e12).seconds, 1e-6 + 6 * tile, 1e-15);
    // 6 CTAs: 2 waves over 4 SMs or 3: no loss
    const tess_gemm_kernel g{300, 100, 32, 1, 0, 0, 2};
    EXPECT_EQ(tess_gemm_time_sharing(&d, &g, 1e12).seconds, tess_gemm_time(&d, &g, 1e12).seconds);
    // none taken: as alone
    d.collective_sms = 0;
    EXPECT_EQ(tess_gemm_time_sharing(&d, &b, 1e12).seconds, tess_gemm_time(&d, &b, 1e12).seconds);
    // a systolic die shares nothing with its collectives, and may not say otherwise; a
    // collective may not take every SM
    auto refused = [](const std::string &die, const std::string &why) {
        auto l = load_xml("<?xml version=\"1.0\"?>\n<platform name=\"t\">\n  <die-type name=\"g\" "
                          "clock=\"1GHz\" " +
                          die + "/>\n</platform>\n");
        EXPECT_NE(l->rc, TESS_OK) << die;
        EXPECT_NE(l->errors.find(why), std::string::npos) << l->errors;
    };
    refused("tensor-rows=\"16\" tensor-cols=\"16\" vector-lanes=\"16\" collective-sms=\"4\"",
            "collective-sms applies to compute=\"gpu\"");
    refused("compute=\"gpu\" sms=\"8\" sm-flops=\"512\" cta-tiles=\"128x128\" "
            "gemm-ceiling=\"1TFLOP/s\" collective-sms=\"8\"",
            "collective-sms 8 leaves none of the 8 SMs");
}

TEST(GpuRule, MissingFiguresAreNamed)
{
    auto l = load_xml(
        "<?xml version=\"1.0\"?>\n<platform name=\"t\">\n"
        "  <die-type name=\"g\" clock=\"1GHz\" compute=\"gpu\" sms=\"8\" sm-flops=\"512\"/>\n"
        "</platform>\n");
    EXPECT_NE(l->rc, TESS_OK);
    EXPECT_NE(l->errors.find("cta-tiles"), std::string::npos) << l->errors;
    auto over =
        load_xml("<?xml version=\"1.0\"?>\n<platform name=\"t\">\n"
                 "  <die-type name=\"g\" clock=\"1GHz\" compute=\"gpu\" sms=\"8\" sm-flops=\"512\" "
                 "cta-tiles=\"128x128\" gemm-ceiling=\"9TFLOP/s\"/>\n</platform>\n");
    EXPECT_NE(over->rc, TESS_OK);
    EXPECT_NE(over->errors.find("above the peak"), std::string::npos) << over->errors;
    auto bad =
        load_xml("<?xml version=\"1.0\"?>\n<platform name=\"t\">\n"
                 "  <die-type name=\"g\" clock=\"1GHz\" compute=\"gpu\" sms=\"8\" sm-flops=\"512\" "
                 "cta-tiles=\"128by128\" gemm-ceiling=\"1TFLOP/s\"/>\n</platform>\n");
    EXPECT_NE(bad->rc, TESS_OK);
    EXPECT_NE(bad->errors.find("tile shapes"), std::string::npos) << bad->errors;
}

// `tessera validate` says which efficiency figures are cited measurements and which stand
// on assumptions (the presets' `assumed` lists), and which are not set at all.
TEST(Presets, ValidateSaysWhichEfficienciesAreDocumented)
{
    const CliRun r = tessera("validate platforms/dgx-a100.xml");
    ASSERT_EQ(r.status, 0) << r.output;
    EXPECT_NE(r.output.find("die-type a100: documented gemm-ceiling, align, kernel-launch, "
                            "stream-rate, collective-sms; assumed cta-tiles, "
                            "unaligned-efficiency; ideal none"),
              std::string::npos)
        << r.output;
    EXPECT_NE(r.output.find("link-type nvlink3: documented collective-efficiency, collective-step; "
                            "assumed none"),
              std::string::npos)
        << r.output;
    const CliRun d = tessera("validate platforms/default.xml");
    EXPECT_NE(d.output.find("systolic arrays, ideal"), std::string::npos) << d.output;
    auto bad = load_xml("<?xml version=\"1.0\"?>\n<platform name=\"t\">\n"
                        "  <die-type name=\"g\" clock=\"1GHz\" assumed=\"cta-tile\"/>\n"
                        "</platform>\n");
    EXPECT_NE(bad->rc, TESS_OK);
    EXPECT_NE(bad->errors.find("'cta-tile' is not one of"), std::string::npos) << bad->errors;
}

// The systolic rule's SRAM (issue 21 item 3): the arrays read their operands and read and
// write their fp32 accumulators in the die's SRAM, and no faster than its bandwidth. One
// 256^3 GEMM tiled 256 on one 128 x 128 array, bf16: 2 x 2 passes of 256 + 128 + 128 - 2
// cycles (2,040); per pass the array reads its 128 rows of A and 128 columns of B, 256
// deep: 4 x 2 x 256 x 256 = 524,288 B, and the 256 x 256 accumulators are read and written
// once (2 x 4 x 65,536 = 524,288 B): 1 MiB. Element-wise, 1 MiB of bf16 on 2048 lanes.
TEST(SystolicRule, TheSramBoundsTheArraysAndTheVectorLanes)
{
    tess_die_type d{};
    d.compute = TESS_COMPUTE_SYSTOLIC;
    d.clock_hz = 1e9;
    d.tensor_rows = d.tensor_cols = 128;
    d.tensor_arrays = 1;
    d.vector_lanes = 2048;
    const tess_gemm_kernel g = {256, 256, 256, 1, 256, 0, 2};
    EXPECT_DOUBLE_EQ(tess_gemm_sram_bytes(&d, &g), 1048576.0);
    d.sram_bandwidth = 8e12; // 1 MiB in 0.13 us: the array's 2.04 us stand
    EXPECT_NEAR(tess_gemm_time(&d, &g, 1e12).compute_s, 2040e-9, 1e-15);
    d.sram_bandwidth = 256e9; // 1 MiB in 4.096 us: the array waits for it
    EXPECT_NEAR(tess_gemm_time(&d, &g, 1e12).compute_s, 1048576.0 / 256e9, 1e-15);
    // element-wise: 524,288 elements on 2048 lanes, 256 cycles; 1 MiB at 256 GB/s, 4.096 us
    EXPECT_NEAR(tess_vector_time(&d, 1048576, 2, 1e12).compute_s, 1048576.0 / 256e9, 1e-15);
    d.sram_bandwidth = 8e12;
    EXPECT_NEAR(tess_vector_time(&d, 1048576, 2, 1e12).compute_s, 256e-9, 1e-15);
    // a gpu die's kernels stream their DRAM bytes through: no array traffic
    d.compute = TESS_COMPUTE_GPU;
    EXPECT_EQ(tess_gemm_sram_bytes(&d, &g), 0.0);
}
