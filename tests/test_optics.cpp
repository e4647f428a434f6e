// Optical links: latency is serialisation + E/O + FEC + fibre + O/E, throughput lanes x
// wavelengths x lane rate, energy bits x pJ/bit plus static power x time; bad input.
// Each component is checked by the time it adds, computed here from its figure.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "noc_harness.h"

extern "C" {
#include "cost.h"
}

namespace {

// a - r == optical == s - b; flits of 64 B; the module: 4 lanes x 2 wavelengths x 32 Gb/s
// = 32 GB/s = 32 B a cycle at 1 GHz (2 cycles a flit). Parameters vary one figure a test.
std::string optical(const std::string &link_extra = "")
{
    return "<?xml version=\"1.0\"?>\n<platform name=\"o\">\n"
           "  <param name=\"eo\" default=\"5ns\"/> <param name=\"oe\" default=\"5ns\"/> "
           "<param name=\"fec\" default=\"100ns\"/> <param name=\"wl\" default=\"2\"/> "
           "<param name=\"len\" default=\"100m\"/>\n"
           "  <router-type name=\"r\" clock=\"1GHz\" flit-width=\"64B\" pipeline=\"2\" routing=\"table\"/>\n"
           "  <link-type name=\"local\" width=\"64B\" latency=\"1cycle\" energy=\"0pJ/bit\"/>\n"
           "  <xcvr-type name=\"x\" lanes=\"4\" wavelengths=\"${wl}\" lane-rate=\"32Gb/s\" eo-latency=\"${eo}\" "
           "oe-latency=\"${oe}\" fec-latency=\"${fec}\" energy=\"5pJ/bit\" laser-power=\"1.5W\" tuning-power=\"0.5W\" "
           "reach=\"2km\" cost=\"700USD\"/>\n"
           "  <link-type name=\"fibre\" latency=\"0ns\" energy=\"0pJ/bit\" length=\"${len}\"" + link_extra + "/>\n"
           "  <die-type name=\"d\" clock=\"1GHz\"/>\n"
           "  <instance name=\"r\" type=\"r\"/> <instance name=\"s\" type=\"r\"/>\n"
           "  <instance name=\"a\" type=\"d\"/> <instance name=\"b\" type=\"d\"/>\n"
           "  <connect from=\"a\" to=\"r\" link=\"local\"/> <connect from=\"b\" to=\"s\" link=\"local\"/>\n"
           "  <connect from=\"r\" to=\"s\" link=\"fibre\"/>\n</platform>\n";
}

double one_message(const Overrides &ov, uint64_t bytes)
{
    auto l = load_xml(optical(" xcvr=\"x\""), ov);
    EXPECT_EQ(l->rc, TESS_OK) << l->errors;
    if (l->rc != TESS_OK) return -1;
    return transfer_times(&l->p, TESS_NOC_PACKET, {{0, 1, bytes}})[0];
}

} // namespace

TEST(Optics, LatencyIsEoPlusFecPlusFibrePlusOe)
{
    const double base = one_message({}, 64);
    ASSERT_GT(base, 0);
    // optics 5 + 100 + 5 ns + 100 m x 4.897 ns = 599.7 ns: 600 cycles at 1 GHz (rounded up)
    EXPECT_EQ(one_message({{"len", "1100m"}}, 64) - base, 5497 - 600); // 5,496.7 ns
    EXPECT_EQ(one_message({{"fec", "0ns"}}, 64) - base, 500 - 600);    // 499.7 ns
    EXPECT_EQ(one_message({{"eo", "0ns"}, {"oe", "0ns"}}, 64) - base, 590 - 600); // 589.7 ns
}

TEST(Optics, ARingOfPackagesThroughTransceivers)
{
    // five packages in a ring joined by the fibre link-type with its transceiver (600 cycles
    // a hop, 32 B a cycle: a 64 B flit takes 2); minimal routes, so n0 reaches n4 the short
    // way round
    std::string xml = optical(" xcvr=\"x\"");
    xml = xml.substr(0, xml.find("  <instance name=\"r\""));
    xml.replace(xml.find("routing=\"table\""), 15, "routing=\"shortest\"");
    xml += "  <ring name=\"o\" dies=\"5\" die=\"d\" router=\"r\" link=\"fibre\" local-link=\"local\"/>\n</platform>\n";
    auto l = load_xml(xml);
    ASSERT_EQ(l->rc, TESS_OK) << l->errors;
    const std::vector<double> t = transfer_times(&l->p, TESS_NOC_PACKET, {{0, 1, 64}});
    const std::vector<double> two = transfer_times(&l->p, TESS_NOC_PACKET, {{0, 2, 64}});
    const std::vector<double> back = transfer_times(&l->p, TESS_NOC_PACKET, {{0, 4, 64}});
    ASSERT_EQ(t.size(), 1u);
    // one more optical hop: its 600 cycles, the flit's second cycle on the 32 B/cycle
    // optics, and the next router's 2-cycle pipeline
    EXPECT_EQ(two[0] - t[0], 600 + 1 + 2);
    EXPECT_EQ(back[0], t[0]); // one hop, the wrap-around way
}

TEST(Optics, ThroughputIsLanesTimesWavelengthsTimesRate)
{
    const double small = one_message({}, 65536), large = one_message({}, 1 << 20);
    EXPECT_DOUBLE_EQ(large - small, ((1 << 20) - 65536) / 32.0); // 32 B a cycle
    // twice the wavelengths: twice the rate
    const double wide_small = one_message({{"wl", "4"}}, 65536), wide_large = one_message({{"wl", "4"}}, 1 << 20);
    EXPECT_DOUBLE_EQ(wide_large - wide_small, ((1 << 20) - 65536) / 64.0);
}

TEST(Optics, EnergyIsBitsTimesEnergyPlusStaticPowerTimesTime)
{
    auto l = load_xml(optical(" xcvr=\"x\""));
    ASSERT_EQ(l->rc, TESS_OK) << l->errors;
    // dynamic: 5 pJ a bit on the fibre (local links and routers cost nothing here). Uniform
    // traffic also sends a die's packets to itself: those pass one router, the others two
    // and the fibre, so the flits on the fibre are the router passes less the flits sent.
    tess_noc_options o = noc_options(TESS_NOC_PACKET, 0.05, 4);
    const tess_noc_result r = run_noc(&l->p, o);
    ASSERT_TRUE(r.drained);
    const double on_fibre = double(r.flit_hops) - double(r.flits_sent);
    ASSERT_GT(on_fibre, 0);
    EXPECT_NEAR(r.energy_j, on_fibre * 64 * 8 * 5e-12, 1e-9 * r.energy_j);
    // static: two modules a link, 1.5 W laser + 0.5 W tuning each (report.json adds this
    // power x the iteration time to the network's energy)
    EXPECT_DOUBLE_EQ(tess_optics_static_power(&l->p), 2 * (1.5 + 0.5));
    // and their price: two modules at 700 USD
    tess_cost_report c;
    tess_cost_compute(&l->p, &c);
    EXPECT_EQ(c.transceivers, 2u);
    EXPECT_DOUBLE_EQ(c.network_cost_usd, 1400);
}

TEST(Optics, BadInputNamesTheField)
{
    auto far = load_xml(optical(" xcvr=\"x\""), {{"len", "3km"}});
    EXPECT_EQ(far->rc, TESS_EINVAL);
    EXPECT_NE(far->errors.find("test.xml:7: <link-type name=\"fibre\"> attribute 'length': 3000 m of fibre is "
                               "beyond the 2000 m reach of xcvr-type 'x'"),
              std::string::npos) << far->errors;
    auto missing = load_xml(optical(" xcvr=\"y\""));
    EXPECT_NE(missing->errors.find("attribute 'xcvr': no xcvr-type named 'y'"), std::string::npos) << missing->errors;
    auto electrical = load_xml(optical()); // no xcvr and no width
    EXPECT_NE(electrical->errors.find("attribute 'width' is missing"), std::string::npos) << electrical->errors;
}
