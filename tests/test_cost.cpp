// Area, yield and cost (src/model/cost.c), libraries read with <include>, and power: every
// expected value is computed here from the formula it names.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <tuple>
#include <unistd.h>

#include "cli_run.h"
#include "platform_fixture.h"
#include "compute/power_timeline.h"

extern "C" {
#include "config/units.h"
#include "driver/job.h"
#include "model/cost.h"
}

namespace
{

const double kPi = 3.14159265358979323846;

// A technology line with round figures the tests compute with.
std::string tech(const std::string &extra = "")
{
    return "  <technology-type name=\"t\" wafer-diameter=\"300mm\" edge-exclusion=\"5mm\" "
           "wafer-cost=\"10000USD\" defect-density=\"0.2/cm2\" clustering=\"2\" "
           "mac-area=\"1000um2\" "
           "vector-lane-area=\"500um2\" sram-bit-area=\"0.025um2\" sram-efficiency=\"0.5\" "
           "router-port-area=\"0.1mm2\" phy-area=\"0.02mm2\" memory-phy-area=\"8mm2\" "
           "uncore-area=\"5mm2\" "
           "organic-cost=\"0.01USD/mm2\" interposer-cost=\"0.04USD/mm2\" "
           "wafer-scale-cost=\"0.002USD/mm2\" "
           "organic-bonding-yield=\"0.99\" interposer-bonding-yield=\"0.95\"" +
           extra + "/>\n";
}

std::string doc(const std::string &body)
{
    return "<?xml version=\"1.0\"?>\n<platform name=\"c\">\n" + body + "</platform>\n";
}

tess_cost_report cost_of(const Loaded &l)
{
    tess_cost_report c;
    tess_cost_compute(&l.p, &c);
    return c;
}

double negative_binomial(double area_cm2, double d0_cm2, double alpha)
{
    return std::pow(1 + area_cm2 * d0_cm2 / alpha, -alpha);
}

double choose(unsigned n, unsigned k)
{
    double c = 1;
    for (unsigned i = 1; i <= k; i++)
        c = c * (n - k + i) / i;
    return c;
}

std::string write_temp(const std::string &dir, const std::string &name, const std::string &text)
{
    const std::string path = dir + "/" + name;
    FILE *f = std::fopen(path.c_str(), "w");
    if (f) {
        std::fputs(text.c_str(), f);
        std::fclose(f);
    }
    return path;
}

} // namespace

TEST(CostUnits, AreaDensityAndPricesParseInBaseUnits)
{
    struct Case {
        const char *text;
        unsigned dim;
        double value;
    } cases[] = {
        {"826mm2", TESS_DIM_AREA, 826e-6},      {"8.26cm2", TESS_DIM_AREA, 8.26e-4},
        {"0.027um2", TESS_DIM_AREA, 0.027e-12}, {"0.09/cm2", TESS_DIM_DEFECT_DENSITY, 900},
        {"9.3kUSD", TESS_DIM_COST, 9300},       {"0.05USD/mm2", TESS_DIM_COST_PER_AREA, 5e4}};
    for (const Case &c : cases) {
        tess_quantity q;
        char err[256];
        ASSERT_EQ(tess_parse_quantity(c.text, c.dim, &q, err, sizeof err), 0)
            << c.text << ": " << err;
        EXPECT_NEAR(q.value, c.value, 1e-9 * c.value) << c.text;
    }
    // a prefix on an area would scale it once, not squared: refused, with the spelling to use
    tess_quantity q;
    char err[256];
    EXPECT_NE(tess_parse_quantity("826 Mm2", TESS_DIM_AREA, &q, err, sizeof err), 0);
    EXPECT_NE(tess_parse_quantity("1mm2", TESS_DIM_COST, &q, err, sizeof err), 0);
    EXPECT_NE(std::string(err).find("expected a cost"), std::string::npos) << err;
}

TEST(Yield, NegativeBinomialMurphyAndPoissonMatchTheirFormulas)
{
    const double A = 1.5, D0 = 0.2; // cm2, /cm2
    for (const char *model : {"negative-binomial", "murphy", "poisson"}) {
        auto l = load_xml(
            doc(tech(std::string(" yield-model=\"") + model + "\"") +
                "  <die-type name=\"d\" clock=\"1GHz\" technology=\"t\" area=\"150mm2\"/>\n"
                "  <instance name=\"x\" type=\"d\"/>\n"));
        ASSERT_EQ(l->rc, TESS_OK) << l->errors;
        const double ad = A * D0;
        const double expected = std::string(model) == "murphy"
                                    ? std::pow((1 - std::exp(-ad)) / ad, 2)
                                : std::string(model) == "poisson" ? std::exp(-ad)
                                                                  : negative_binomial(A, D0, 2);
        const tess_cost_report c = cost_of(*l);
        EXPECT_NEAR(c.worst_die_yield, expected, 1e-12) << model;
        EXPECT_NEAR(c.yield, expected, 1e-12) << model; // one die packaged alone
    }
    // the A100 example of ../shared/REFERENCE.md 6.1: 826 mm2 at 0.09/cm2, alpha 3 -> 0.51
    EXPECT_NEAR(tess_die_yield(TESS_YIELD_NEGATIVE_BINOMIAL, 826e-6, 900, 3), 0.5147, 1e-4);
}

TEST(Yield, SparesRaiseAWaferAsTheBinomialSumPredicts)
{
    // 16 dies of 400 mm2 on one wafer; the wafer is good with at most S bad dies
    const double y = negative_binomial(4.0, 0.2, 2);
    double previous = 0;
    for (unsigned spares : {0u, 1u, 2u, 4u}) {
        auto l = load_xml(
            doc(tech() +
                "  <die-type name=\"d\" clock=\"1GHz\" technology=\"t\" area=\"400mm2\"/>\n"
                "  <router-type name=\"r\" clock=\"1GHz\" routing=\"xy\"/>\n"
                "  <link-type name=\"l\" width=\"16B\" latency=\"1cycle\" energy=\"0pJ/bit\"/>\n"
                "  <wafer name=\"w\" spare-dies=\"" +
                std::to_string(spares) +
                "\">\n"
                "    <mesh name=\"m\" rows=\"4\" cols=\"4\" die=\"d\" router=\"r\" link=\"l\"/>\n"
                "  </wafer>\n"));
        ASSERT_EQ(l->rc, TESS_OK) << l->errors;
        double expected = 0;
        for (unsigned k = 0; k <= spares; k++)
            expected += choose(16, k) * std::pow(1 - y, k) * std::pow(y, 16 - k);
        const tess_cost_report c = cost_of(*l);
        EXPECT_NEAR(c.worst_wafer_yield, expected, 1e-12) << spares << " spares";
        EXPECT_EQ(c.wafers, 1u);
        EXPECT_GT(c.worst_wafer_yield, previous) << "each spare raises the yield";
        previous = c.worst_wafer_yield;
        // one wafer per good unit: wafer cost and wafer-scale packaging over the yield
        const double unit_usd = (10000 + 0.002 * 16 * 400) / expected;
        EXPECT_NEAR(c.dies_usd + c.packaging_usd, unit_usd, 1e-12 * unit_usd);
    }
    EXPECT_NEAR(tess_yield_with_spares(y, 16, 0), std::pow(y, 16), 1e-15);
}

// Core-level redundancy (issue 23): a die's compute as 8 rows of 8 cores, each row with S
// spares that add S/8 of the compute's area and do not compute. The die is good when its
// uncore has no defect and no row loses more than S of its 8 + S cores, each good with the
// negative-binomial yield at a core's area (W / 64, W the working compute): written out
// here. One spare a row raises the yield far above the same die without redundancy, and
// the good die's price falls as wafer cost / (dies per wafer x yield) says.
TEST(Yield, CoreRedundancyKeepsADieWhoseRowsLoseNoMoreThanTheirSpares)
{
    const double tensor = 64.0 * 64 * 64 * 1000e-12, sram = 8.0 * 64 * 1048576 * 0.025e-12 / 0.5;
    const double W = tensor + sram, uncore = 5e-6; // m2
    auto price = [](double a, double y) {
        const double r = 0.145,
                     per_wafer = std::floor(kPi * r * r / a - 2 * kPi * r / std::sqrt(2 * a));
        return 10000 / (per_wafer * y) + 0.01 * a * 1e6;
    };
    double plain_usd = 0;
    for (unsigned spares : {0u, 1u, 2u}) {
        const std::string cores = spares == 0 ? ""
                                              : " core-rows=\"8\" core-cols=\"8\" spare-cores=\"" +
                                                    std::to_string(spares) + "\"";
        auto l = load_xml(doc(tech() +
                              "  <die-type name=\"d\" clock=\"1GHz\" technology=\"t\" "
                              "tensor-arrays=\"64\" tensor-rows=\"64\" tensor-cols=\"64\" "
                              "sram=\"64MiB\"" +
                              cores + "/>\n  <instance name=\"x\" type=\"d\"/>\n"));
        ASSERT_EQ(l->rc, TESS_OK) << l->errors;
        const tess_cost_report c = cost_of(*l);
        const double area = W * (8.0 + spares) / 8 + uncore;
        EXPECT_NEAR(c.area_m2, area, 1e-15) << spares;
        EXPECT_NEAR(c.area.spare_cores, W * spares / 8, 1e-15) << spares;
        if (spares == 0) { // no redundancy: the whole die at the model's yield
            const double y = negative_binomial(area * 1e4, 0.2, 2);
            EXPECT_NEAR(c.worst_die_yield, y, 1e-12);
            plain_usd = price(area, y);
            EXPECT_NEAR(c.cost_usd, plain_usd, 1e-9 * plain_usd);
            continue;
        }
        const double yc = negative_binomial(W / 64 * 1e4, 0.2, 2);
        double row = 0;
        for (unsigned k = 0; k <= spares; k++)
            row += choose(8 + spares, k) * std::pow(1 - yc, k) * std::pow(yc, 8 + spares - k);
        const double y = negative_binomial(uncore * 1e4, 0.2, 2) * std::pow(row, 8);
        EXPECT_NEAR(c.worst_die_yield, y, 1e-12) << spares;
        EXPECT_NEAR(c.cost_usd, price(area, y), 1e-9 * price(area, y)) << spares;
        EXPECT_LT(c.cost_usd, plain_usd) << spares; // the spares pay for their area
    }
    // the bundled wafer has Cerebras's figures (cores of ~0.05 mm2, 70,000 spares to
    // 900,000 working: Cerebras blog, 2025-01-13): 96 rows of 110 cores of its reticles' 529
    // mm2 of compute, 8 spares a row. Its dies then fail only in what has no spare (uncore,
    // router, PHYs), and the wafer costs what it does not without them (all three set to 0)
    const std::string wafer = "cost platforms/wafer-scale.xml --json";
    const CliRun plain = tessera(wafer + " --set reticle.core-rows=0 --set reticle.core-cols=0 "
                                         "--set reticle.spare-cores=0",
                                 true),
                 spared = tessera(wafer, true);
    ASSERT_EQ(plain.status, 0) << plain.output;
    ASSERT_EQ(spared.status, 0) << spared.output;
    EXPECT_GT(json_number(spared.output, "worst_die"), json_number(plain.output, "worst_die"));
    EXPECT_LT(json_number(spared.output, "cost_usd"), 1e-6 * json_number(plain.output, "cost_usd"));
    const CliRun half = tessera("cost platforms/wafer-scale.xml --set reticle.core-cols=0");
    EXPECT_EQ(half.status, 1);
    EXPECT_NE(half.output.find("core-level redundancy"), std::string::npos) << half.output;
    // rows without columns, or cores on a die of given area, are refused by name
    for (const char *bad : {"core-rows=\"8\"", "core-rows=\"8\" core-cols=\"8\" area=\"100mm2\""}) {
        auto l = load_xml(doc(tech() +
                              "  <die-type name=\"d\" clock=\"1GHz\" technology=\"t\" "
                              "tensor-arrays=\"4\" tensor-rows=\"64\" tensor-cols=\"64\" " +
                              std::string(bad) + "/>\n  <instance name=\"x\" type=\"d\"/>\n"));
        EXPECT_NE(l->rc, TESS_OK) << bad;
        EXPECT_NE(l->errors.find("core"), std::string::npos) << l->errors;
    }
}

// A 4 x 4 wafer of computed dies (their routers 10 mm2 a port, so that routers die often)
// with `spares` spare dies and the defect map of `seed`; `wafer` 0 puts the dies in a
// package instead.
std::string defect_wafer(unsigned spares, unsigned seed, int wafer = 1)
{
    std::string t = tech();
    const std::string port = "router-port-area=\"0.1mm2\"";
    t.replace(t.find(port), port.size(), "router-port-area=\"10mm2\"");
    const std::string unit = wafer ? "wafer" : "package";
    return doc(t +
               "  <die-type name=\"d\" clock=\"1GHz\" technology=\"t\" tensor-arrays=\"64\" "
               "tensor-rows=\"64\" tensor-cols=\"64\" sram=\"64MiB\"/>\n"
               "  <router-type name=\"r\" clock=\"1GHz\" routing=\"table\"/>\n"
               "  <link-type name=\"l\" width=\"16B\" latency=\"1cycle\" energy=\"0pJ/bit\"/>\n"
               "  <" +
               unit + " name=\"w\" spare-dies=\"" + std::to_string(spares) + "\"" +
               (wafer ? " packaging=\"wafer-scale\"" : "") +
               ">\n"
               "    <mesh name=\"m\" rows=\"4\" cols=\"4\" die=\"d\" router=\"r\" link=\"l\"/>\n"
               "  </" +
               unit +
               ">\n"
               "  <defects seed=\"" +
               std::to_string(seed) + "\"/>\n");
}

// Issue 23: a defect map drawn from the yield (<defects seed>). Over 400 seeds of a 16-die
// wafer, the dies the maps kill are 1 - Y of them and the routers 1 - Y_r, Y the die's
// negative-binomial yield at its area and Y_r the one at its router's ports' area (both
// written out here from the area the area model gives; the area model has its own test):
// within 4.5 standard deviations of the binomial count. A seed always draws the same map;
// seed 0 draws none.
TEST(Defects, ADrawnMapKillsEachWaferDieAndRouterWithTheYieldsProbability)
{
    const unsigned seeds = 400;
    double dead_dies = 0, dead_routers = 0, cut_off = 0;
    // per die (edge and corner dies have smaller routers and fewer PHYs): the expected
    // counts over the seeds and their binomial variances
    double mean_dies = 0, var_dies = 0, mean_routers = 0, var_routers = 0;
    for (unsigned seed = 1; seed <= seeds; seed++) {
        auto l = load_xml(defect_wafer(16, seed));
        ASSERT_EQ(l->rc, TESS_OK) << l->errors;
        EXPECT_EQ(l->p.defect_seed, seed);
        for (size_t i = 0; i < l->p.n_instances; i++) {
            const tess_instance &x = l->p.instances[i];
            if (x.kind == TESS_KIND_DIE) {
                dead_dies += x.dead == TESS_DEAD_DRAWN;
                if (seed == 1) {
                    tess_area_parts parts{};
                    const double a = tess_die_area(&l->p, (uint32_t)i, &parts);
                    const double q = 1 - negative_binomial(a * 1e4, 0.2, 2),
                                 q_router = 1 - negative_binomial(parts.router * 1e4, 0.2, 2);
                    ASSERT_GT(parts.router, 2e-5); // 10 mm2 a port
                    mean_dies += seeds * q;
                    var_dies += seeds * q * (1 - q);
                    mean_routers += seeds * q_router;
                    var_routers += seeds * q_router * (1 - q_router);
                }
                // a live die whose routers' neighbours died is cut off, lost too (the
                // load's reachability check passes only so)
                if (x.dead) {
                    EXPECT_TRUE(x.dead == TESS_DEAD_DRAWN || x.dead == TESS_DEAD_CUT_OFF);
                }
                cut_off += x.dead == TESS_DEAD_CUT_OFF;
            }
            if (x.kind == TESS_KIND_ROUTER && x.dead) {
                dead_routers++;
                // a dead router takes its die with it
                EXPECT_TRUE(l->p.instances[i - 1].dead) << x.path;
            }
        }
    }
    EXPECT_NEAR(dead_dies, mean_dies, 4.5 * std::sqrt(var_dies));
    EXPECT_NEAR(dead_routers, mean_routers, 4.5 * std::sqrt(var_routers));
    EXPECT_GT(dead_routers, 0);
    EXPECT_GT(cut_off, 0); // a corner die both of whose neighbours' routers died, a few times
    // the same seed, the same map; seed 0, none
    auto a = load_xml(defect_wafer(16, 7)), b = load_xml(defect_wafer(16, 7)),
         none = load_xml(defect_wafer(16, 0));
    ASSERT_EQ(none->rc, TESS_OK) << none->errors;
    EXPECT_EQ(none->p.defect_seed, 0u);
    for (size_t i = 0; i < a->p.n_instances; i++) {
        EXPECT_EQ(a->p.instances[i].dead, b->p.instances[i].dead);
        EXPECT_EQ(none->p.instances[i].dead, 0);
    }
}

// A map that kills more dies than the wafer's spares draws a wafer the yield discards: an
// error naming the wafer and its dead dies. A platform without a wafer-scale unit has no
// map to draw (its dies are tested before assembly).
TEST(Defects, AMapKillingMoreThanTheSparesAndAPlatformWithoutAWaferAreRefused)
{
    unsigned seed = 1;
    std::unique_ptr<Loaded> l;
    for (; seed < 100; seed++) { // Y is about 0.6 a die: a 16-die wafer without spares fails
        l = load_xml(defect_wafer(0, seed));
        if (l->rc != TESS_OK) break;
    }
    ASSERT_NE(l->rc, TESS_OK);
    EXPECT_NE(l->errors.find("more than its 0 spare-dies"), std::string::npos) << l->errors;
    EXPECT_NE(l->errors.find("wafer 'w'"), std::string::npos) << l->errors;
    EXPECT_NE(l->errors.find("w.m.r"), std::string::npos) << l->errors;
    auto package = load_xml(defect_wafer(0, 3, 0));
    EXPECT_NE(package->rc, TESS_OK);
    EXPECT_NE(package->errors.find("no wafer-scale unit"), std::string::npos) << package->errors;
}

// A job of fewer ranks than live dies leaves the difference idle as spares, up to the
// wafer's spare-dies less its dead dies: the last live dies without a memory of their own
// (then the last with), never given a rank; a spare takes the place of a dead die. More
// idle dies than spares is the rank error.
TEST(Defects, ASpareDieTakesTheRankADeadDieLeaves)
{
    const std::string model =
        "<model name=\"m\" layers=\"2\" hidden=\"64\" heads=\"4\" ffn=\"256\" vocab=\"100\" "
        "sequence=\"16\" activation=\"gelu\" norm=\"layernorm\"/>";
    auto plat = [](unsigned spares, const std::string &dead, bool memory = false) {
        return "<?xml version=\"1.0\"?>\n<platform name=\"c\">\n"
               "  <memory-type name=\"hbm\" standard=\"ideal\" capacity=\"1GiB\" "
               "channels=\"1\" bus-width=\"64b\" data-rate=\"1Gb/s\"" +
               std::string(kTimings) +
               "/>\n"
               "  <die-type name=\"d\" clock=\"1GHz\" tensor-arrays=\"1\" tensor-rows=\"16\" "
               "tensor-cols=\"16\" sram=\"64MiB\"/>\n"
               "  <router-type name=\"r\" clock=\"1GHz\" routing=\"table\"/>\n"
               "  <link-type name=\"l\" width=\"16B\" latency=\"1cycle\" energy=\"0pJ/bit\"/>\n"
               "  <wafer name=\"w\" packaging=\"wafer-scale\" spare-dies=\"" +
               std::to_string(spares) +
               "\">\n"
               "    <mesh name=\"m\" rows=\"2\" cols=\"3\" die=\"d\" router=\"r\" link=\"l\"/>\n" +
               (memory ? "    <instance name=\"hbm\" type=\"hbm\"/>\n"
                         "    <connect from=\"m.r1c2.die\" to=\"hbm\" link=\"l\"/>\n"
                       : "") +
               "  </wafer>\n" +
               (dead.empty() ? "" : "  <defects><dead instance=\"" + dead + "\"/></defects>\n") +
               "</platform>\n";
    };
    const std::string work = "<workload name=\"w\" model=\"(text)\" global-batch=\"5\" "
                             "micro-batch=\"1\" dtype=\"bf16\" tp=\"1\" pp=\"1\" dp=\"5\"/>";
    auto load = [&](const std::string &p, tess_loaded_job *j, std::string *errors) {
        const tess_job_source src = {"p.xml", "w.xml", p.c_str(), work.c_str(), model.c_str()};
        tess_diag d;
        tess_diag_init(&d);
        const char *failed = nullptr;
        const int rc = tess_job_load(&src, nullptr, 0, j, &failed, &d);
        char *joined = tess_diag_join(&d);
        *errors = joined ? joined : "";
        free(joined);
        tess_diag_free(&d);
        return rc;
    };
    std::string errors;
    tess_loaded_job j;
    // six dies, one spare, five ranks: the last die (m.r1c2) idles
    ASSERT_EQ(load(plat(1, ""), &j, &errors), TESS_OK) << errors;
    uint32_t last = tess_platform_find_instance(&j.platform, "w.m.r1c2.die");
    EXPECT_EQ(j.platform.instances[last].dead, TESS_DEAD_SPARE);
    for (uint32_t r = 0; r < j.schedule.dies; r++)
        EXPECT_NE(j.schedule.die_of_rank[r], last) << r;
    tess_loaded_job_free(&j);
    // with m.r0c1 dead the spare computes, m.r0c1 has no rank
    ASSERT_EQ(load(plat(1, "w.m.r0c1.die"), &j, &errors), TESS_OK) << errors;
    const uint32_t dead = tess_platform_find_instance(&j.platform, "w.m.r0c1.die");
    last = tess_platform_find_instance(&j.platform, "w.m.r1c2.die");
    EXPECT_EQ(j.platform.instances[dead].dead, TESS_DEAD_GIVEN);
    EXPECT_EQ(j.platform.instances[last].dead, 0);
    bool spare_runs = false;
    for (uint32_t r = 0; r < j.schedule.dies; r++) {
        EXPECT_NE(j.schedule.die_of_rank[r], dead) << r;
        spare_runs |= j.schedule.die_of_rank[r] == last;
    }
    EXPECT_TRUE(spare_runs);
    tess_loaded_job_free(&j);
    // with a memory on m.r1c2, m.r1c1 idles instead and the memory stays live
    ASSERT_EQ(load(plat(1, "", true), &j, &errors), TESS_OK) << errors;
    EXPECT_EQ(j.platform.instances[tess_platform_find_instance(&j.platform, "w.m.r1c1.die")].dead,
              TESS_DEAD_SPARE);
    EXPECT_EQ(j.platform.instances[tess_platform_find_instance(&j.platform, "w.m.r1c2.die")].dead,
              0);
    EXPECT_EQ(j.platform.instances[tess_platform_find_instance(&j.platform, "w.hbm")].dead, 0);
    tess_loaded_job_free(&j);
    // no spares: six live dies for five ranks is the rank error, naming both counts
    EXPECT_NE(load(plat(0, ""), &j, &errors), TESS_OK);
    EXPECT_NE(errors.find("5 ranks, but platform 'c' has 6 live dies"), std::string::npos)
        << errors;
}

// A spare that computes is no spare (issue 23: spares cost nothing while every reticle
// computed): under a job, a wafer's yield counts as spares only the dies the job leaves,
// at most its spare-dies. 16 dies of 400 mm2 with 2 spares: a job of 16 ranks needs a
// wafer without a bad die (Y^16), one of 15 tolerates one, one of 14 two, as the
// binomial sum says; `tessera cost`'s platform view keeps the two.
TEST(Yield, AJobThatComputesOnTheSparesNeedsAWaferWithoutThatManyBadDies)
{
    const std::string plat = doc(
        tech() + "  <die-type name=\"d\" clock=\"1GHz\" technology=\"t\" area=\"400mm2\" "
                 "tensor-arrays=\"1\" tensor-rows=\"16\" tensor-cols=\"16\" sram=\"64MiB\"/>\n"
                 "  <router-type name=\"r\" clock=\"1GHz\" routing=\"table\"/>\n"
                 "  <link-type name=\"l\" width=\"16B\" latency=\"1cycle\" energy=\"0pJ/bit\"/>\n"
                 "  <wafer name=\"w\" spare-dies=\"2\">\n"
                 "    <mesh name=\"m\" rows=\"4\" cols=\"4\" die=\"d\" router=\"r\" link=\"l\"/>\n"
                 "  </wafer>\n");
    const std::string model =
        "<model name=\"m\" layers=\"2\" hidden=\"64\" heads=\"4\" ffn=\"256\" vocab=\"100\" "
        "sequence=\"16\" activation=\"gelu\" norm=\"layernorm\"/>";
    const double y = negative_binomial(4.0, 0.2, 2);
    auto binomial = [&](unsigned spares) {
        double sum = 0;
        for (unsigned k = 0; k <= spares; k++)
            sum += choose(16, k) * std::pow(1 - y, k) * std::pow(y, 16 - k);
        return sum;
    };
    for (unsigned ranks : {16u, 15u, 14u}) {
        const std::string work = "<workload name=\"w\" model=\"(text)\" global-batch=\"" +
                                 std::to_string(ranks) +
                                 "\" micro-batch=\"1\" dtype=\"bf16\" tp=\"1\" pp=\"1\" dp=\"" +
                                 std::to_string(ranks) + "\"/>";
        const tess_job_source src = {"p.xml", "w.xml", plat.c_str(), work.c_str(), model.c_str()};
        tess_diag d;
        tess_diag_init(&d);
        const char *failed = nullptr;
        tess_loaded_job j;
        const int rc = tess_job_load(&src, nullptr, 0, &j, &failed, &d);
        char *joined = tess_diag_join(&d);
        ASSERT_EQ(rc, TESS_OK) << joined;
        free(joined);
        tess_diag_free(&d);
        tess_cost_report c;
        tess_cost_compute(&j.platform, &c);
        EXPECT_NEAR(c.worst_wafer_yield, binomial(16 - ranks), 1e-12) << ranks << " ranks";
        tess_loaded_job_free(&j);
    }
    auto alone = load_xml(plat); // the platform alone: both spares
    ASSERT_EQ(alone->rc, TESS_OK) << alone->errors;
    EXPECT_NEAR(cost_of(*alone).worst_wafer_yield, binomial(2), 1e-12);
}

// report.json names the map: its seed (also in provenance), every dead instance and why.
// On the bundled wafer with core redundancy, GPT 1.3B on 46 of its 48 reticles: a good
// map's drawn and idle dies are exactly the two the job does not use, and a memory goes
// only with a drawn die (spares are chosen among reticles without a stack of their own).
TEST(Defects, TheReportNamesTheSeedAndEveryDeadInstanceWithWhy)
{
    const std::string job = "estimate platforms/wafer-scale.xml "
                            "workloads/wafer-scale-1.3b-spares.xml --json --set "
                            "reticle.core-rows=96 --set reticle.core-cols=110 --set "
                            "reticle.spare-cores=8 --set defect-seed=";
    auto count = [](const std::string &text, const std::string &what) {
        size_t n = 0;
        for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1))
            n++;
        return n;
    };
    int good = 0;
    for (int seed = 0; seed <= 6; seed++) {
        const CliRun r = tessera(job + std::to_string(seed));
        if (r.status != 0) { // a wafer the yield discards
            EXPECT_NE(r.output.find("the yield discards such a wafer"), std::string::npos)
                << r.output;
            continue;
        }
        good += seed > 0;
        EXPECT_NE(r.output.find("\"defects\": {\"seed\": " + std::to_string(seed)),
                  std::string::npos)
            << r.output;
        EXPECT_EQ(count(r.output, "\"seeds\": {\"defects\": " + std::to_string(seed) + "}"),
                  seed ? 1u : 0u);
        const size_t drawn = count(r.output, "\"why\": \"drawn\""),
                     spare = count(r.output, "\"why\": \"spare\"");
        EXPECT_EQ(drawn + spare, 2u) << seed << r.output;
        EXPECT_LE(count(r.output, "\"why\": \"cut-off\""), drawn) << seed << r.output;
    }
    EXPECT_GT(good, 0);
}

TEST(Area, ADieIsTheSumOfItsBlocksAtTheTechnologysDensities)
{
    // a 1 x 2 mesh; die r0c0 also has an HBM device on its router
    auto l = load_xml(
        doc(tech() +
            "  <die-type name=\"d\" clock=\"1GHz\" technology=\"t\" tensor-arrays=\"2\" "
            "tensor-rows=\"64\" "
            "tensor-cols=\"32\" vector-lanes=\"256\" sram=\"8MiB\"/>\n"
            "  <router-type name=\"r\" clock=\"1GHz\" routing=\"table\"/>\n"
            "  <link-type name=\"l\" width=\"32B\" latency=\"1cycle\" energy=\"0pJ/bit\"/>\n"
            "  <memory-type name=\"m\" standard=\"ideal\" capacity=\"1GiB\" channels=\"1\" "
            "bus-width=\"64b\" "
            "data-rate=\"1Gb/s\"" +
            kTimings +
            " cost=\"50USD\"/>\n"
            "  <mesh name=\"g\" rows=\"1\" cols=\"2\" die=\"d\" router=\"r\" link=\"l\"/>\n"
            "  <instance name=\"hbm\" type=\"m\"/>\n"
            "  <connect from=\"hbm\" to=\"g.r0c0.router\" link=\"l\"/>\n"));
    ASSERT_EQ(l->rc, TESS_OK) << l->errors;
    const double tensor = 2 * 64 * 32 * 1000e-12, vector = 256 * 500e-12;
    const double sram = 8.0 * 8 * 1048576 * 0.025e-12 / 0.5, uncore = 5e-6;
    // r0c0's router: local link, east link, the memory: 3 ports; one die-to-die PHY of 32 B
    // and one DRAM PHY. r0c1's: local and west link: 2 ports, one PHY.
    const double d0 = tensor + vector + sram + uncore + 3 * 0.1e-6 + 32 * 0.02e-6 + 8e-6;
    const double d1 = tensor + vector + sram + uncore + 2 * 0.1e-6 + 32 * 0.02e-6;
    tess_area_parts parts{};
    EXPECT_NEAR(tess_die_area(&l->p, l->instance("g.r0c0.die"), &parts), d0, 1e-15);
    EXPECT_NEAR(parts.memory_phy, 8e-6, 1e-15);
    EXPECT_NEAR(tess_die_area(&l->p, l->instance("g.r0c1.die"), nullptr), d1, 1e-15);
    const tess_cost_report c = cost_of(*l);
    EXPECT_NEAR(c.area_m2, d0 + d1, 1e-15);
    EXPECT_NEAR(c.area.sram, 2 * sram, 1e-15);
    EXPECT_EQ(c.loose_dies, 2u);
    // each die alone: a good die costs wafer-cost / (dies per wafer x yield), plus organic
    // packaging by its area; the memory at its price
    double expected = 50;
    for (double a : {d0, d1}) {
        const double r = 0.145,
                     per_wafer = std::floor(kPi * r * r / a - 2 * kPi * r / std::sqrt(2 * a));
        expected += 10000 / (per_wafer * negative_binomial(a * 1e4, 0.2, 2)) + 0.01 * a * 1e6;
    }
    EXPECT_NEAR(c.cost_usd, expected, 1e-9 * expected);
}

TEST(Cost, APackageOfKnownGoodDiesLosesItsBondingYield)
{
    // two 300 mm2 dies and two HBM devices on an interposer: four bonds at 0.95
    auto l = load_xml(
        doc(tech() +
            "  <die-type name=\"d\" clock=\"1GHz\" technology=\"t\" area=\"300mm2\"/>\n"
            "  <router-type name=\"r\" clock=\"1GHz\" routing=\"table\"/>\n"
            "  <link-type name=\"l\" width=\"32B\" latency=\"1cycle\" energy=\"0pJ/bit\"/>\n"
            "  <memory-type name=\"m\" standard=\"ideal\" capacity=\"1GiB\" channels=\"1\" "
            "bus-width=\"64b\" "
            "data-rate=\"1Gb/s\"" +
            kTimings +
            " cost=\"120USD\"/>\n"
            "  <package name=\"p\" packaging=\"interposer\">\n"
            "    <instance name=\"a\" type=\"d\"/> <instance name=\"b\" type=\"d\"/>\n"
            "    <instance name=\"ma\" type=\"m\"/> <instance name=\"mb\" type=\"m\"/>\n"
            "    <connect from=\"a\" to=\"b\" link=\"l\"/>\n"
            "    <connect from=\"a\" to=\"ma\" link=\"l\"/> <connect from=\"b\" to=\"mb\" "
            "link=\"l\"/>\n"
            "  </package>\n"));
    ASSERT_EQ(l->rc, TESS_OK) << l->errors;
    const double a = 300e-6, r = 0.145;
    const double y = negative_binomial(3.0, 0.2, 2);
    const double die = 10000 / (std::floor(kPi * r * r / a - 2 * kPi * r / std::sqrt(2 * a)) * y);
    const double assembly = std::pow(0.95, 4);
    const tess_cost_report c = cost_of(*l);
    EXPECT_EQ(c.packages, 1u);
    EXPECT_NEAR(c.worst_assembly_yield, assembly, 1e-12);
    EXPECT_NEAR(c.cost_usd, (2 * die + 2 * 120 + 0.04 * 600) / assembly, 1e-9);
    EXPECT_NEAR(c.yield, y * assembly, 1e-12);
}

TEST(Cost, NetworkCostCountsSwitchPortsAndLinksFromTheNetlist)
{
    // two 4-die switches joined by one uplink: 5 + 5 ports; 4 + 4 + 1 links
    auto l = load_xml(
        doc("  <die-type name=\"d\" clock=\"1GHz\"/>\n"
            "  <router-type name=\"sw\" clock=\"1GHz\" routing=\"table\" port-cost=\"700USD\"/>\n"
            "  <link-type name=\"cable\" width=\"64B\" latency=\"10ns\" energy=\"1pJ/bit\" "
            "cost=\"450USD\"/>\n"
            "  <switch name=\"a\" dies=\"4\" die=\"d\" router=\"sw\" link=\"cable\"/>\n"
            "  <switch name=\"b\" dies=\"4\" die=\"d\" router=\"sw\" link=\"cable\"/>\n"
            "  <connect from=\"a.switch\" to=\"b.switch\" link=\"cable\"/>\n"));
    ASSERT_EQ(l->rc, TESS_OK) << l->errors;
    const tess_cost_report c = cost_of(*l);
    EXPECT_EQ(c.switches, 2u);
    EXPECT_EQ(c.switch_ports, 10u);
    EXPECT_EQ(c.priced_links, 9u);
    EXPECT_DOUBLE_EQ(c.network_cost_usd, 10 * 700 + 9 * 450);
    EXPECT_DOUBLE_EQ(c.cost_usd, c.network_cost_usd); // no technology: no die cost
    EXPECT_FALSE(c.accounted);
    // a mesh's routers are parts of dies, not switches
    auto mesh = load_xml(
        doc("  <die-type name=\"d\" clock=\"1GHz\"/>\n"
            "  <router-type name=\"r\" clock=\"1GHz\" routing=\"xy\" port-cost=\"700USD\"/>\n"
            "  <link-type name=\"l\" width=\"16B\" latency=\"1cycle\" energy=\"0pJ/bit\"/>\n"
            "  <mesh name=\"m\" rows=\"2\" cols=\"2\" die=\"d\" router=\"r\" link=\"l\"/>\n"));
    ASSERT_EQ(mesh->rc, TESS_OK) << mesh->errors;
    EXPECT_EQ(cost_of(*mesh).switches, 0u);
}

TEST(Fit, ADieLargerThanTheReticleIsAnError)
{
    auto l = load_xml(
        doc(tech() + "  <die-type name=\"d\" clock=\"1GHz\" technology=\"t\" area=\"900mm2\"/>\n"
                     "  <instance name=\"x\" type=\"d\"/>\n"));
    EXPECT_EQ(l->rc, TESS_EINVAL);
    EXPECT_NE(l->errors.find("test.xml:4:"), std::string::npos) << l->errors;
    EXPECT_NE(l->errors.find("reticle"), std::string::npos) << l->errors;
    // the blocks alone can outgrow it too: 900,000 MACs of 1,000 um2 is 900 mm2
    auto blocks = load_xml(
        doc(tech() + "  <die-type name=\"d\" clock=\"1GHz\" technology=\"t\" tensor-rows=\"1000\" "
                     "tensor-cols=\"900\"/>\n  <instance name=\"x\" type=\"d\"/>\n"));
    EXPECT_EQ(blocks->rc, TESS_EINVAL) << blocks->errors;
    EXPECT_NE(blocks->errors.find("reticle"), std::string::npos) << blocks->errors;
}

TEST(Fit, AWaferPlanLargerThanTheWaferIsAnError)
{
    // usable: pi x 145^2 = 66,052 mm2; 9 x 9 reticles of 800 mm2 = 64,800 fit, 10 x 9 do not
    for (int cols : {9, 10}) {
        auto l = load_xml(
            doc(tech() +
                "  <die-type name=\"d\" clock=\"1GHz\" technology=\"t\" area=\"800mm2\"/>\n"
                "  <router-type name=\"r\" clock=\"1GHz\" routing=\"xy\"/>\n"
                "  <link-type name=\"l\" width=\"16B\" latency=\"1cycle\" energy=\"0pJ/bit\"/>\n"
                "  <wafer name=\"w\">\n"
                "    <mesh name=\"m\" rows=\"9\" cols=\"" +
                std::to_string(cols) + "\" die=\"d\" router=\"r\" link=\"l\"/>\n  </wafer>\n"));
        if (cols == 9) {
            EXPECT_EQ(l->rc, TESS_OK) << l->errors;
        } else {
            EXPECT_EQ(l->rc, TESS_EINVAL);
            EXPECT_NE(l->errors.find("test.xml:7: <wafer name=\"w\">"), std::string::npos)
                << l->errors;
            EXPECT_NE(l->errors.find("72000 mm2"), std::string::npos) << l->errors;
        }
    }
}

TEST(Include, ALibraryIsReadIntoTheScopeAndNamedInMessages)
{
    char dir[] = "/tmp/tess-inc-XXXXXX";
    ASSERT_NE(mkdtemp(dir), nullptr);
    const std::string d = dir;
    write_temp(d, "lib.xml",
               "<?xml version=\"1.0\"?>\n<library name=\"lib\" version=\"1\">\n"
               "  <param name=\"price\" default=\"77USD\"/>\n" +
                   tech() +
                   "  <memory-type name=\"m\" standard=\"ideal\" capacity=\"1GiB\" channels=\"1\" "
                   "bus-width=\"64b\" data-rate=\"1Gb/s\"" +
                   kTimings + " cost=\"${price}\"/>\n</library>\n");
    const std::string plat = write_temp(
        d, "p.xml",
        doc("  <include file=\"lib.xml\"/>\n"
            "  <link-type name=\"l\" width=\"16B\" latency=\"1cycle\" energy=\"0pJ/bit\"/>\n"
            "  <die-type name=\"d\" clock=\"1GHz\" technology=\"t\" area=\"100mm2\"/>\n"
            "  <instance name=\"x\" type=\"d\"/> <instance name=\"y\" type=\"m\"/>\n"
            "  <connect from=\"x\" to=\"y\" link=\"l\"/>\n"));
    auto l = load_file(plat);
    ASSERT_EQ(l->rc, TESS_OK) << l->errors;
    ASSERT_EQ(l->p.n_includes, 1u);
    EXPECT_EQ(std::string(l->p.includes[0].path), d + "/lib.xml");
    EXPECT_DOUBLE_EQ(cost_of(*l).memory_usd, 77);
    // the library's parameter is overridable like any other, and its template fields too
    auto o = load_file(plat, {{"price", "90USD"}, {"t.wafer-cost", "1USD"}});
    ASSERT_EQ(o->rc, TESS_OK) << o->errors;
    EXPECT_DOUBLE_EQ(cost_of(*o).memory_usd, 90);
    EXPECT_DOUBLE_EQ(o->p.types[tess_platform_find_type(&o->p, "t")].u.technology.wafer_cost_usd,
                     1);
    // a bad value inside the library is reported at the library's file and line
    auto bad = load_file(plat, {{"price", "77"}});
    EXPECT_EQ(bad->rc, TESS_EINVAL);
    EXPECT_NE(bad->errors.find(d + "/lib.xml:5:"), std::string::npos) << bad->errors;
    // a missing library, a platform where a library belongs, a library given as a platform
    write_temp(d, "q.xml", doc("  <include file=\"nowhere.xml\"/>\n"));
    EXPECT_NE(load_file(d + "/q.xml")->errors.find("nowhere.xml: cannot open"), std::string::npos);
    write_temp(d, "r.xml", doc("  <include file=\"q.xml\"/>\n"));
    EXPECT_NE(load_file(d + "/r.xml")->errors.find("only a <library> can be included"),
              std::string::npos);
    EXPECT_NE(load_file(d + "/lib.xml")->errors.find("not a <platform>"), std::string::npos);
    // a die naming a technology that is not there
    write_temp(d, "s.xml", doc("  <die-type name=\"d\" clock=\"1GHz\" technology=\"n3\"/>\n"));
    auto s = load_file(d + "/s.xml");
    EXPECT_NE(
        s->errors.find(
            "s.xml:3: <die-type name=\"d\"> attribute 'technology': no technology-type named 'n3'"),
        std::string::npos)
        << s->errors;
    std::system(("rm -rf '" + d + "'").c_str());
}

TEST(CostCommand, PrintsTheReportKeysWithoutSimulating)
{
    CliRun r = tessera("cost platforms/dgx-a100.xml --json", true);
    ASSERT_EQ(r.status, 0) << r.output;
    // eight 826 mm2 GA100 dies in N7 (D0 0.09/cm2, alpha 3, 9,346 USD wafers, 5 mm edge),
    // each packaged alone at 0.0182 USD/mm2, and eight 601 USD HBM sets
    const double a = 826e-6, r145 = 0.145;
    const double y = negative_binomial(8.26, 0.09, 3);
    const double die =
        9346 / (std::floor(kPi * r145 * r145 / a - 2 * kPi * r145 / std::sqrt(2 * a)) * y);
    EXPECT_NEAR(json_number(r.output, "area_mm2"), 8 * 826, 1e-6);
    EXPECT_NEAR(json_number(r.output, "yield"), y, 1e-8);
    EXPECT_NEAR(json_number(r.output, "cost_usd"), 8 * (die + 0.0182 * 826 + 601), 1e-3);
    for (const char *key :
         {"\"area_breakdown_mm2\"", "\"yield_breakdown\"", "\"cost_breakdown_usd\"",
          "\"network_cost_usd\"", "\"network_cost_breakdown_usd\""})
        EXPECT_NE(r.output.find(key), std::string::npos) << key;
    CliRun human = tessera("cost platforms/default.xml");
    EXPECT_EQ(human.status, 0);
    EXPECT_NE(human.output.find("silicon area"), std::string::npos) << human.output;
    CliRun bad = tessera("cost platforms/default.xml --set n7.wafer-cost=1kg");
    EXPECT_EQ(bad.status, 1) << bad.output;
    EXPECT_NE(bad.output.find("tsmc-n7.xml:"), std::string::npos) << bad.output;
}

TEST(PowerTimeline, PeakIsTheBusiestWindowsMeanPower)
{
    tess::hw::PowerTimeline t(1e-3);
    t.add(0, 4e-3, 4.0);      // 1 W for 4 ms
    t.add(1.5e-3, 2e-3, 2.0); // plus 4 W for 0.5 ms
    t.add(3e-3, 3e-3, 0.5);   // plus 0.5 J at one instant
    EXPECT_DOUBLE_EQ(t.total_joules(), 6.5);
    // any 1 ms window holding [1.5, 2] ms: 1 mJ/ms x 1 ms + 2 J = 3 J; one holding the
    // instant and the burst cannot (1 ms apart and more): 3 J / 1 ms = 3 kW
    EXPECT_NEAR(t.peak_watts(4e-3), 3000, 1e-9);
    // a run shorter than the window: its mean
    tess::hw::PowerTimeline s(1e-3);
    s.add(0, 2e-4, 1e-3);
    EXPECT_DOUBLE_EQ(s.peak_watts(5e-4), 1e-3 / 5e-4);
}

TEST(Power, ReportHoldsMeanPeakAndTdpViolations)
{
    // the default job on the default platform with a die TDP below what each die draws
    CliRun r =
        tessera("run platforms/default.xml workloads/default.xml --json --set compute.tdp=21W "
                "--set model.layers=4",
                true);
    ASSERT_EQ(r.status, 0) << r.output;
    const double T = json_number(r.output, "iteration_time_s"),
                 E = json_number(r.output, "energy_j");
    EXPECT_NEAR(json_number(r.output, "power_w"), E / T, 1e-6 * E / T);
    const double peak = json_number(r.output, "peak_power_w");
    const std::string pb = r.output.substr(r.output.find("\"peak_power_breakdown_w\""));
    const double stat = json_number(pb, "static"), net = json_number(pb, "network"),
                 dyn = json_number(pb, "dynamic");
    EXPECT_NEAR(peak, dyn + stat + net, 1e-6 * peak);
    // static power: 16 dies x 20 W; the peak window is at least the mean and at most every
    // die's tensor arrays and DMA running flat out at once
    EXPECT_NEAR(stat, 16 * 20, 1e-9);
    EXPECT_GE(peak, E / T * (1 - 1e-9));
    // (FLOP/s x J/FLOP per die; all 8 HBM3 stacks' peak bytes/s x J per byte in DRAM and SRAM)
    const double flat_out = 16 * (2 * 4 * 128 * 128 * 1e9 * 0.5e-12) +
                            8 * 32 * 4 * 6.4e9 * 8 * (8.75e-12 + 0.1e-12 + 0.1e-12);
    EXPECT_LT(dyn, flat_out);
    // 21 W is below the 20 W static power plus any die's work (every die runs GEMMs at
    // 65 W for part of each 1 ms window): all 16 dies are reported
    const std::string lim = r.output.substr(r.output.find("\"power_limits\""));
    EXPECT_EQ(json_number(lim, "checked"), 16);
    size_t n = 0;
    for (size_t at = lim.find("\"kind\": \"die\""); at != std::string::npos && at < lim.find("]}");
         at = lim.find("\"kind\": \"die\"", at + 1))
        n++;
    EXPECT_EQ(n, 16u) << lim.substr(0, 400);
}

TEST(Energy, TotalIsTheCountsTimesTheirEnergiesPlusStaticPowerTimesTime)
{
    // one die and one memory pool: FLOPs at 0.5 pJ, every DRAM byte read or written in
    // DRAM (mean of 6 and 8 pJ/bit), every SRAM access at the mean of its read and write
    // energies (0.1 and 0.3 pJ/bit), 20 W static and 2 W SRAM leakage over the iteration;
    // no network traffic (at memory fidelity rate: at burst the DMA would cross the pool's
    // link)
    char dir[] = "/tmp/tess-energy-XXXXXX";
    ASSERT_NE(mkdtemp(dir), nullptr);
    const std::string d = dir;
    const std::string plat = write_temp(
        d, "one.xml",
        doc("  <die-type name=\"d\" clock=\"1GHz\" tensor-arrays=\"4\" tensor-rows=\"128\" "
            "tensor-cols=\"128\"\n"
            "            vector-lanes=\"2048\" sram=\"48MiB\" sram-bandwidth=\"8TB/s\" "
            "flop-energy=\"0.5pJ\"\n"
            "            sram-read-energy=\"0.1pJ/bit\" sram-write-energy=\"0.3pJ/bit\" "
            "static-power=\"20W\" sram-leakage=\"2W\"/>\n"
            "  <router-type name=\"r\" clock=\"1GHz\" flit-width=\"64B\" pipeline=\"2\" "
            "routing=\"xy\" energy=\"0.7pJ/bit\"/>\n"
            "  <link-type name=\"l\" width=\"64B\" latency=\"1cycle\" energy=\"0.5pJ/bit\"/>\n"
            "  <memory-type name=\"pool\" standard=\"HBM3\" capacity=\"16TiB\" channels=\"64\" "
            "bus-width=\"64b\"\n"
            "               data-rate=\"6.4Gb/s\" rows=\"16777216\"" +
            std::string(kTimings) +
            " read-energy=\"6pJ/bit\" write-energy=\"8pJ/bit\"/>\n"
            "  <mesh name=\"m\" rows=\"1\" cols=\"1\" die=\"d\" router=\"r\" link=\"l\"/>\n"
            "  <instance name=\"pool\" type=\"pool\"/>\n"
            "  <connect from=\"pool\" to=\"m.r0c0.router\" link=\"l\"/>\n"));
    const std::string job = plat +
                            " workloads/default.xml --set workload.tp=1 "
                            "--set workload.pp=1 --set workload.dp=1 --set model.layers=2 "
                            "--set model.hidden=1024 --set model.heads=8 --set model.ffn=4096";
    CliRun run = tessera("run " + job + " --quiet --memory-fidelity rate -o " + d);
    ASSERT_EQ(run.status, 0) << run.output;
    // the SRAM's accesses as the schedule counts them (the rule: SramInTheRun tests)
    CliRun schedule = tessera("schedule " + job + " --json", true);
    ASSERT_EQ(schedule.status, 0) << schedule.output;
    const double sram_bytes = json_number(schedule.output, "sram_bytes_per_die");
    ASSERT_GT(sram_bytes, 0);
    const std::string report = read_text(d + "/report.json"), csv = read_text(d + "/stats.csv");
    // the counts: FLOPs the schedule executes (checked against the model's formula in
    // test_schedule) and the die's DRAM bytes from stats.csv (column 13)
    const double flops = json_number(report, "hardware_flops"),
                 T = json_number(report, "iteration_time_s");
    const std::string row = csv.substr(csv.find("\ndie,") + 1);
    size_t at = 0;
    for (int c = 0; c < 12; c++)
        at = row.find(',', at) + 1;
    const double bytes = std::stod(row.substr(at, row.find(',', at) - at));
    ASSERT_GT(bytes, 0);
    const double compute = flops * 0.5e-12, sram = 8 * sram_bytes * 0.2e-12,
                 dram = 8 * bytes * 7e-12, stat = 22 * T;
    const std::string eb = report.substr(report.find("\"energy_breakdown_j\""));
    EXPECT_NEAR(json_number(eb, "compute"), compute, 1e-6 * compute);
    EXPECT_NEAR(json_number(eb, "sram"), sram, 1e-6 * sram);
    EXPECT_NEAR(json_number(eb, "dram"), dram, 1e-6 * dram);
    EXPECT_NEAR(json_number(eb, "static"), stat, 1e-6 * stat);
    EXPECT_EQ(json_number(eb, "network"), 0);
    const double total = compute + sram + dram + stat;
    EXPECT_NEAR(json_number(report, "energy_j"), total, 0.01 * total);
    // the peak 1 ms window draws at least the mean
    EXPECT_GE(json_number(report, "peak_power_w"), total / T * (1 - 1e-6));
    std::system(("rm -rf '" + d + "'").c_str());
}

namespace
{

// D domains of S GPUs on a switch each (NVLink), their NICs joined by `generator`'s
// scale-out network of radix-k switches: the switch-type's further attributes, the NIC
// link-type "nic" (and any other link-types) as given, and `extra` on the generator.
std::string clos_doc(const char *generator, unsigned D, unsigned S, unsigned k,
                     const std::string &switch_attrs, const std::string &links,
                     const std::string &extra)
{
    return doc("  <die-type name=\"gpu\" clock=\"1GHz\"/>\n"
               "  <router-type name=\"hub\" clock=\"1GHz\" routing=\"table\"/>\n"
               "  <router-type name=\"nvs\" clock=\"1GHz\" routing=\"table\"/>\n"
               "  <router-type name=\"ib\" clock=\"1GHz\" routing=\"table\" ports=\"" +
               std::to_string(k) + "\" " + switch_attrs +
               "/>\n"
               "  <link-type name=\"nvl\" width=\"300B\" latency=\"500ns\" energy=\"1pJ/bit\"/>\n" +
               links + "  <" + generator + " name=\"c\" domains=\"" + std::to_string(D) +
               "\" domain-size=\"" + std::to_string(S) +
               "\" die=\"gpu\" nic=\"hub\" domain-switch=\"nvs\" domain-link=\"nvl\" "
               "switch=\"ib\" link=\"nic\"" +
               extra + "/>\n");
}

// Priced: scale-out switches at 1,000 USD a port; a NIC link carries two transceivers at
// 500 USD and a cable at 100 USD.
std::string cluster(const char *generator, unsigned D, unsigned S, unsigned k,
                    const std::string &extra = "")
{
    return clos_doc(generator, D, S, k, "port-cost=\"1000USD\"",
                    "  <link-type name=\"nic\" width=\"50B\" latency=\"1us\" energy=\"5pJ/bit\" "
                    "cost=\"100USD\" transceivers=\"2\" transceiver-cost=\"500USD\"/>\n",
                    extra);
}

struct Counts {
    unsigned switches, links;
};

// A non-blocking folded Clos over n NICs of radix-k switches, counted level by level.
Counts clos_by_hand(unsigned n, unsigned k)
{
    auto up = [](unsigned a, unsigned b) { return (a + b - 1) / b; };
    if (n <= k) return {1, n};
    const unsigned leaves = up(n, k / 2);
    if (leaves <= k) return {leaves + up(leaves * (k / 2), k), n + leaves * (k / 2)};
    // three levels: pods of k/2 leaves and k/2 aggregation switches; aggregation switch a's
    // uplink m meets the same core in every pod, so a core serves at most k / pods of the
    // (k/2)^2 pairs (a, m): every pod present, (k/2)^2 cores of one link a pod
    const unsigned pods = up(leaves, k / 2), aggs = pods * (k / 2),
                   cores = up((k / 2) * (k / 2), k / pods);
    return {leaves + aggs + cores, n + leaves * (k / 2) + aggs * (k / 2)};
}

} // namespace

TEST(Cost, FatTreeAndRailOnlyCostTheirSwitchPortsAndTransceivers)
{
    struct Case {
        unsigned D, S, k;
    } cases[] = {
        {2, 4, 8}, {16, 4, 8}, {32, 8, 16}, {64, 8, 64}, {5, 8, 8}}; // 5 x 8: three of four pods
    for (const Case &c : cases) {
        auto ft = load_xml(cluster("fat-tree", c.D, c.S, c.k)),
             ro = load_xml(cluster("rail-only", c.D, c.S, c.k));
        ASSERT_EQ(ft->rc, TESS_OK) << ft->errors;
        ASSERT_EQ(ro->rc, TESS_OK) << ro->errors;
        // fat-tree: one Clos over all D x S NICs; rail-only: S Clos networks of D NICs
        // each, or, when a rail fits one switch, k / D rails sharing each switch
        const Counts f = clos_by_hand(c.D * c.S, c.k), r1 = clos_by_hand(c.D, c.k);
        const unsigned per_switch = c.D <= c.k ? c.k / c.D : 1; // rails a switch holds
        const Counts r = c.D <= c.k ? Counts{(c.S + per_switch - 1) / per_switch, c.S * c.D}
                                    : Counts{c.S * r1.switches, c.S * r1.links};
        for (auto [l, n, name] :
             {std::tuple{ft.get(), f, "fat-tree"}, std::tuple{ro.get(), r, "rail-only"}}) {
            const tess_cost_report cost = cost_of(*l);
            // the D domain switches are stand-alone switches too (unpriced, 4 ports each used)
            EXPECT_EQ(cost.switches, n.switches + c.D) << name << " D=" << c.D;
            EXPECT_EQ(cost.switch_ports, (uint64_t)n.switches * c.k + (uint64_t)c.D * c.S) << name;
            EXPECT_EQ(cost.transceivers, 2ull * n.links) << name;
            EXPECT_DOUBLE_EQ(cost.network_cost_usd,
                             n.switches * c.k * 1000.0 + n.links * (100 + 2 * 500.0))
                << name;
        }
    }
    // at scale the rails need no spine across them: fewer ports and transceivers
    auto ft = load_xml(cluster("fat-tree", 64, 8, 64)),
         ro = load_xml(cluster("rail-only", 64, 8, 64));
    EXPECT_LT(cost_of(*ro).network_cost_usd, cost_of(*ft).network_cost_usd);
}

namespace
{

// Powered: each scale-out switch draws 1,176 W, a NIC link's modules 7.75 W each and a
// switch-to-switch link's ("up") 7.5 W each (the DGX H100 platforms' figures)
std::string powered_cluster(const char *generator, unsigned D, unsigned S, unsigned k)
{
    return clos_doc(generator, D, S, k, "switch-power=\"1176W\"",
                    "  <link-type name=\"nic\" width=\"50B\" latency=\"1us\" energy=\"5pJ/bit\" "
                    "transceivers=\"2\" transceiver-power=\"7.75W\"/>\n"
                    "  <link-type name=\"up\" width=\"50B\" latency=\"1us\" energy=\"5pJ/bit\" "
                    "transceivers=\"2\" transceiver-power=\"7.5W\"/>\n",
                    " uplink=\"up\"");
}

} // namespace

TEST(NetworkPower, SwitchesAndModulesDrawTheirWattsByCount)
{
    // N scale-out switches x 1,176 W + the NIC links' 2 modules x 7.75 W + the uplinks'
    // 2 modules x 7.5 W, the switch and link counts from the Clos formulas (clos_by_hand);
    // the domain switches draw nothing (no switch-power), nor do electrical links
    struct Case {
        unsigned D, S, k;
    } cases[] = {{2, 4, 8}, {16, 4, 8}, {32, 8, 16}, {32, 8, 64}, {5, 8, 8}};
    for (const Case &c : cases) {
        const unsigned nics = c.D * c.S;
        const Counts f = clos_by_hand(nics, c.k), r1 = clos_by_hand(c.D, c.k);
        const unsigned per_switch = c.D <= c.k ? c.k / c.D : 1;
        const Counts r = c.D <= c.k ? Counts{(c.S + per_switch - 1) / per_switch, nics}
                                    : Counts{c.S * r1.switches, c.S * r1.links};
        for (auto [gen, n] : {std::pair{"fat-tree", f}, std::pair{"rail-only", r}}) {
            auto l = load_xml(powered_cluster(gen, c.D, c.S, c.k));
            ASSERT_EQ(l->rc, TESS_OK) << l->errors;
            const double uplinks = n.links - nics;
            const double switches_w = n.switches * 1176.0,
                         modules_w = 2 * nics * 7.75 + 2 * uplinks * 7.5;
            const tess_cost_report cost = cost_of(*l);
            EXPECT_DOUBLE_EQ(cost.switch_w, switches_w) << gen << " D=" << c.D;
            EXPECT_DOUBLE_EQ(cost.transceiver_w, modules_w) << gen << " D=" << c.D;
            EXPECT_DOUBLE_EQ(cost.network_power_w, switches_w + modules_w) << gen;
        }
    }
}

TEST(NetworkPower, RailOnlyCutsTheDgxH100NetworkPowerAsItsCountsSay)
{
    // 256 GPUs (32 DGX H100 nodes), radix-64 Quantum-2 switches. Fat-tree over 256 NICs:
    // 256 / 32 = 8 leaves of 32 NICs and 32 uplinks, 8 x 32 / 64 = 4 spines; 12 switches,
    // 256 NIC links and 256 uplinks. Rail-only: rails of 32 NICs, 64 / 32 = 2 rails a
    // switch, 4 switches and the 256 NIC links, no uplinks
    const double switch_w = 1176, nic_module_w = 7.75, up_module_w = 7.5;
    const double fat = 12 * switch_w + 2 * 256 * nic_module_w + 2 * 256 * up_module_w;
    const double rail = 4 * switch_w + 2 * 256 * nic_module_w;
    EXPECT_DOUBLE_EQ(fat, 21920);
    EXPECT_DOUBLE_EQ(rail, 8672);
    auto ft = load_file(source_path("platforms/dgx-h100-cluster.xml"), {{"nodes", "32"}});
    auto ro = load_file(source_path("platforms/dgx-h100-rail.xml"), {{"nodes", "32"}});
    ASSERT_EQ(ft->rc, TESS_OK) << ft->errors;
    ASSERT_EQ(ro->rc, TESS_OK) << ro->errors;
    EXPECT_DOUBLE_EQ(cost_of(*ft).network_power_w, fat);
    EXPECT_DOUBLE_EQ(cost_of(*ro).network_power_w, rail);
    EXPECT_NEAR(1 - rail / fat, 0.6044, 1e-4); // inside the paper's 37-75% (Wang et al.)
    // `tessera cost --json` prints the same keys report.json holds
    CliRun c = tessera("cost platforms/dgx-h100-rail.xml --json --set nodes=32", true);
    ASSERT_EQ(c.status, 0) << c.output;
    EXPECT_DOUBLE_EQ(json_number(c.output, "network_power_w"), rail);
    EXPECT_DOUBLE_EQ(
        json_number(c.output.substr(c.output.find("network_power_breakdown_w")), "switches"),
        4 * switch_w);
}

TEST(NetworkPower, ARunDrawsTheNetworkPowerAllIteration)
{
    // one DGX H100 node: its NICs on one Quantum-2 (1,176 W) by 8 links of two 7.75 W
    // modules: 1,300 W. With every link's per-bit energy 0, the network's energy is that
    // power x the iteration time, exactly
    const std::string d = "/tmp/tessera_netpower_" + std::to_string(getpid());
    CliRun run = tessera("run platforms/dgx-h100-cluster.xml workloads/default.xml --set nodes=1 "
                         "--set workload.tp=8 --set workload.pp=1 --set workload.dp=1 "
                         "--set model.layers=2 --set nic.energy=0pJ/bit "
                         "--set nvlink4.energy=0pJ/bit --quiet -o " +
                         d);
    ASSERT_EQ(run.status, 0) << run.output;
    const std::string report = read_text(d + "/report.json");
    const double T = json_number(report, "iteration_time_s"), w = 1176 + 2 * 8 * 7.75;
    EXPECT_DOUBLE_EQ(json_number(report, "network_power_w"), w);
    const std::string eb = report.substr(report.find("\"energy_breakdown_j\""));
    EXPECT_NEAR(json_number(eb, "network"), w * T, 1e-9 * w * T);
    const std::string pb = report.substr(report.find("\"power_breakdown_w\""));
    EXPECT_NEAR(json_number(pb, "network"), w, 1e-9 * w);
    // the GPUs draw their 700 W TDP at peak: 0.7075 pJ a FLOP, no static power
    EXPECT_NEAR(json_number(eb, "compute"), json_number(report, "hardware_flops") * 0.7075e-12,
                1e-6 * json_number(eb, "compute"));
    EXPECT_EQ(json_number(eb, "static"), 0);
    std::system(("rm -rf '" + d + "'").c_str());
}

TEST(Generators, FatTreeLeavesShareTheirPortsAtTheOversubscription)
{
    // 48 NICs on radix-8 switches at 3:1: leaves of 6 NICs and 2 uplinks, 8 leaves, 2 spines
    auto l = load_xml(cluster("fat-tree", 12, 4, 8, " oversubscription=\"3\""));
    ASSERT_EQ(l->rc, TESS_OK) << l->errors;
    EXPECT_NE(l->instance("c.leaf7"), TESS_NONE);
    EXPECT_EQ(l->instance("c.leaf8"), TESS_NONE);
    EXPECT_NE(l->instance("c.spine1"), TESS_NONE);
    EXPECT_EQ(l->instance("c.spine2"), TESS_NONE);
    EXPECT_EQ(l->live_links_between("c.leaf0", "c.spine0"), 1);
    EXPECT_EQ(l->live_links_between("c.leaf0", "c.spine1"), 1);
    // rail-optimised: NIC 0 of domains 0..5 on leaf 0, NIC 1 of domains 0..5 on leaf 2
    EXPECT_EQ(l->live_links_between("c.d5.gpu0-nic", "c.leaf0"), 1);
    EXPECT_EQ(l->live_links_between("c.d0.gpu1-nic", "c.leaf2"), 1);
    // rail-only: rail J joins NIC J of every domain
    auto r = load_xml(cluster("rail-only", 4, 2, 8));
    ASSERT_EQ(r->rc, TESS_OK) << r->errors;
    EXPECT_EQ(r->live_links_between("c.d3.gpu1-nic", "c.rails0.switch"),
              1); // 8 / 4: two rails a switch
    EXPECT_EQ(r->live_links_between("c.d3.gpu1-nic", "c.d3.switch"), 1);
    auto big = load_xml(cluster("rail-only", 12, 2, 8)); // 12 NICs a rail: a Clos each
    ASSERT_EQ(big->rc, TESS_OK) << big->errors;
    EXPECT_EQ(big->live_links_between("c.d11.gpu1-nic", "c.rail1.leaf2"), 1);
    EXPECT_EQ(big->live_links_between("c.d11.gpu1-nic", "c.rail0.leaf2"), 0);
}

TEST(Generators, ScaleOutNetworksThatCannotBeBuiltAreErrors)
{
    std::string no_radix = cluster("fat-tree", 4, 4, 8);
    no_radix.replace(no_radix.find(" ports=\"8\""), 10, "");
    auto a = load_xml(no_radix);
    EXPECT_NE(a->errors.find(
                  "test.xml:9: <fat-tree> attribute 'switch': router-type 'ib' states no ports"),
              std::string::npos)
        << a->errors;
    auto b = load_xml(cluster("fat-tree", 4, 4, 8, " levels=\"1\""));
    EXPECT_NE(b->errors.find("16 NICs do not fit one switch of radix 8"), std::string::npos)
        << b->errors;
    auto c =
        load_xml(cluster("rail-only", 256, 2, 8)); // a rail of 256 NICs: 64 leaves > radix 8 pods
    EXPECT_NE(c->errors.find("<rail-only name=\"c\">"), std::string::npos) << c->errors;
    // a rail with no switch at all
    std::string no_switch = cluster("rail-only", 4, 2, 8);
    no_switch.replace(no_switch.find(" switch=\"ib\""), 12, "");
    auto r = load_xml(no_switch);
    EXPECT_EQ(r->rc, TESS_EINVAL);
    EXPECT_NE(r->errors.find("test.xml:9: <rail-only> needs the attribute 'switch'"),
              std::string::npos)
        << r->errors;
    auto d = load_xml(cluster("fat-tree", 4, 4, 8, " oversubscription=\"0.5\""));
    EXPECT_NE(d->errors.find("'oversubscription': '0.5' is not a ratio"), std::string::npos)
        << d->errors;
    // a switch with fewer ports than the links made to it
    auto e =
        load_xml(doc("  <die-type name=\"d\" clock=\"1GHz\"/>\n"
                     "  <router-type name=\"sw\" clock=\"1GHz\" routing=\"table\" ports=\"4\"/>\n"
                     "  <link-type name=\"l\" width=\"16B\" latency=\"1ns\" energy=\"0pJ/bit\"/>\n"
                     "  <switch name=\"s\" dies=\"5\" die=\"d\" router=\"sw\" link=\"l\"/>\n"));
    EXPECT_EQ(e->rc, TESS_EINVAL);
    EXPECT_NE(e->errors.find("s.switch"), std::string::npos) << e->errors;
}

TEST(Platforms, DgxH100ClusterAndRailVariantCountTheirNodesSwitchesAndHbm)
{
    for (unsigned nodes : {4u, 16u}) {
        auto ft = load_file(source_path("platforms/dgx-h100-cluster.xml"),
                            {{"nodes", std::to_string(nodes)}});
        auto ro = load_file(source_path("platforms/dgx-h100-rail.xml"),
                            {{"nodes", std::to_string(nodes)}});
        ASSERT_EQ(ft->rc, TESS_OK) << ft->errors;
        ASSERT_EQ(ro->rc, TESS_OK) << ro->errors;
        for (const Loaded *l : {ft.get(), ro.get()}) {
            EXPECT_EQ(tess_platform_count(&l->p, TESS_KIND_DIE, 0), 8u * nodes);
            EXPECT_EQ(tess_platform_count(&l->p, TESS_KIND_MEMORY, 0),
                      8u * nodes); // an HBM set a GPU
            EXPECT_EQ(l->live_links_between("c.d1.gpu3", "c.d1.gpu3-hbm"), 1);
        }
        // 8 x nodes NICs on radix-64 switches: the fat-tree one switch up to 64 NICs, else
        // leaves of 32 and half as many spines; the rails (nodes NICs each) share switches,
        // 64 / nodes rails a switch. Plus one NVSwitch a node.
        const unsigned nics = 8 * nodes;
        const unsigned ft_switches = nics <= 64 ? 1 : nics / 32 + nics / 64;
        const unsigned ro_switches = (8 + 64 / nodes - 1) / (64 / nodes);
        EXPECT_EQ(cost_of(*ft).switches, ft_switches + nodes) << nodes << " nodes";
        EXPECT_EQ(cost_of(*ro).switches, ro_switches + nodes) << nodes << " nodes";
        EXPECT_EQ(cost_of(*ft).transceivers,
                  2ull * (nics + (nics <= 64 ? 0 : nics / 32 * 32))); // NIC links, uplinks
    }
}
