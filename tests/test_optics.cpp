// Optical links: latency is serialisation + E/O + FEC + fibre + O/E, throughput lanes x
// wavelengths x lane rate, energy bits x pJ/bit plus static power x time; bad input.
// Each component is checked by the time it adds, computed here from its figure.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "noc_harness.h"
#include "noc/topology.h"

extern "C" {
#include "model/cost.h"
}

namespace
{

// a - r == optical == s - b; flits of 64 B; the module: 4 lanes x 2 wavelengths x 32 Gb/s
// = 32 GB/s = 32 B a cycle at 1 GHz (2 cycles a flit). Parameters vary one figure a test.
std::string optical(const std::string &link_extra = "")
{
    return "<?xml version=\"1.0\"?>\n<platform name=\"o\">\n"
           "  <param name=\"eo\" default=\"5ns\"/> <param name=\"oe\" default=\"5ns\"/> "
           "<param name=\"fec\" default=\"100ns\"/> <param name=\"wl\" default=\"2\"/> "
           "<param name=\"len\" default=\"100m\"/>\n"
           "  <router-type name=\"r\" clock=\"1GHz\" flit-width=\"64B\" pipeline=\"2\" "
           "routing=\"table\"/>\n"
           "  <link-type name=\"local\" width=\"64B\" latency=\"1cycle\" energy=\"0pJ/bit\"/>\n"
           "  <xcvr-type name=\"x\" lanes=\"4\" wavelengths=\"${wl}\" lane-rate=\"32Gb/s\" "
           "eo-latency=\"${eo}\" "
           "oe-latency=\"${oe}\" fec-latency=\"${fec}\" energy=\"5pJ/bit\" laser-power=\"1.5W\" "
           "tuning-power=\"0.5W\" "
           "reach=\"2km\" cost=\"700USD\"/>\n"
           "  <link-type name=\"fibre\" latency=\"0ns\" energy=\"0pJ/bit\" length=\"${len}\"" +
           link_extra +
           "/>\n"
           "  <die-type name=\"d\" clock=\"1GHz\"/>\n"
           "  <instance name=\"r\" type=\"r\"/> <instance name=\"s\" type=\"r\"/>\n"
           "  <instance name=\"a\" type=\"d\"/> <instance name=\"b\" type=\"d\"/>\n"
           "  <connect from=\"a\" to=\"r\" link=\"local\"/> <connect from=\"b\" to=\"s\" "
           "link=\"local\"/>\n"
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
    EXPECT_EQ(one_message({{"len", "1100m"}}, 64) - base, 5497 - 600);            // 5,496.7 ns
    EXPECT_EQ(one_message({{"fec", "0ns"}}, 64) - base, 500 - 600);               // 499.7 ns
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
    xml += "  <ring name=\"o\" dies=\"5\" die=\"d\" router=\"r\" link=\"fibre\" "
           "local-link=\"local\"/>\n</platform>\n";
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
    const double wide_small = one_message({{"wl", "4"}}, 65536),
                 wide_large = one_message({{"wl", "4"}}, 1 << 20);
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
    EXPECT_NE(far->errors.find(
                  "test.xml:7: <link-type name=\"fibre\"> attribute 'length': 3000 m of fibre is "
                  "beyond the 2000 m reach of xcvr-type 'x'"),
              std::string::npos)
        << far->errors;
    auto missing = load_xml(optical(" xcvr=\"y\""));
    EXPECT_NE(missing->errors.find("attribute 'xcvr': no xcvr-type named 'y'"), std::string::npos)
        << missing->errors;
    auto electrical = load_xml(optical()); // no xcvr and no width
    EXPECT_NE(electrical->errors.find("attribute 'width' is missing"), std::string::npos)
        << electrical->errors;
}

// ---- links wider than the routers' flit: lanes, at the link's own rate

namespace
{

// Routers with 256 B flits at 1 GHz (256 GB/s a flit a cycle) joined by an optical link of
// 8 lanes x 4 wavelengths x 200 Gb/s = 800 GB/s: 3.125 flits a cycle. The dies' local
// links are 1 KiB wide (4 flits a cycle), so the optics is the narrowest channel.
std::string wide_optics()
{
    return "<?xml version=\"1.0\"?>\n<platform name=\"wide\">\n"
           "  <router-type name=\"r\" clock=\"1GHz\" flit-width=\"256B\" pipeline=\"2\" "
           "routing=\"table\"/>\n"
           "  <link-type name=\"local\" width=\"1KiB\" latency=\"1cycle\" energy=\"0pJ/bit\"/>\n"
           "  <xcvr-type name=\"x\" lanes=\"8\" wavelengths=\"4\" lane-rate=\"200Gb/s\" "
           "eo-latency=\"5ns\" oe-latency=\"5ns\" fec-latency=\"100ns\" energy=\"5pJ/bit\" "
           "reach=\"2km\"/>\n"
           "  <link-type name=\"fibre\" latency=\"0ns\" energy=\"0pJ/bit\" length=\"10m\" "
           "xcvr=\"x\"/>\n"
           "  <die-type name=\"d\" clock=\"1GHz\"/>\n"
           "  <instance name=\"r\" type=\"r\"/> <instance name=\"s\" type=\"r\"/>\n"
           "  <instance name=\"a\" type=\"d\"/> <instance name=\"b\" type=\"d\"/>\n"
           "  <connect from=\"a\" to=\"r\" link=\"local\"/> <connect from=\"b\" to=\"s\" "
           "link=\"local\"/>\n"
           "  <connect from=\"r\" to=\"s\" link=\"fibre\"/>\n</platform>\n";
}

} // namespace

TEST(Optics, ALinkWiderThanTheFlitCarriesItsOwnRate)
{
    auto l = load_xml(wide_optics());
    ASSERT_EQ(l->rc, TESS_OK) << l->errors;
    // the rate is what the difference of two sizes' times shows (latencies cancel):
    // 60 MiB more at 800 GB/s = 78.64 us; a 256 B flit a cycle would be 245.8 us
    const uint64_t small = 4u << 20, large = 64u << 20;
    const double expected_cycles = double(large - small) / 800e9 * 1e9;
    for (tess_noc_fidelity f : {TESS_NOC_PACKET, TESS_NOC_FLOW, TESS_NOC_MIXED}) {
        const std::vector<double> t = transfer_times(&l->p, f, {{0, 1, small}});
        const std::vector<double> u = transfer_times(&l->p, f, {{0, 1, large}});
        ASSERT_EQ(t.size(), 1u);
        ASSERT_EQ(u.size(), 1u);
        EXPECT_NEAR(u[0] - t[0], expected_cycles, 0.05 * expected_cycles) << "fidelity " << f;
    }
    // two messages over the optics at once share its 800 GB/s
    const std::vector<double> both =
        transfer_times(&l->p, TESS_NOC_PACKET, {{0, 1, large}, {0, 1, large}});
    ASSERT_EQ(both.size(), 2u);
    const double shared = 2.0 * large / 800e9 * 1e9;
    EXPECT_NEAR(std::max(both[0], both[1]), shared, 0.05 * shared);
}

TEST(Optics, TheFlitFidelityRefusesALinkWiderThanTheFlitNamingIt)
{
    auto l = load_xml(wide_optics());
    ASSERT_EQ(l->rc, TESS_OK) << l->errors;
    int status = 0;
    std::string message;
    run_noc(&l->p, noc_options(TESS_NOC_FLIT, 0.01, 1), &status, &message);
    EXPECT_EQ(status, TESS_EINVAL);
    // the first wide channel is a die's 1 KiB link: 4 flits a cycle
    EXPECT_NE(message.find("carries 4 flits of 256 B a cycle"), std::string::npos) << message;
    EXPECT_NE(message.find("the flit fidelity moves one a cycle"), std::string::npos) << message;
}

// ---- the optical circuit switch: configurations, reconfiguration, held traffic

namespace
{

// Four packages, each an optical I/O router with dies a and b (endpoints p0.a 0, p0.b 1,
// p1.a 2, p1.b 3, p2.a 4, p2.b 5, p3.a 6, p3.b 7). A circuit switch joins the routers in
// pairs: configuration "near" p0-p1 and p2-p3, "far" p0-p2 and p1-p3. Every circuit is
// the same fibre (32 B a cycle), so a transfer over one takes the same time as over any.
std::string circuit_platform(const std::string &extra_attrs = "",
                             const std::string &extra_circuits = "",
                             const std::string &routing = "shortest")
{
    std::string x =
        "<?xml version=\"1.0\"?>\n<platform name=\"ocs\">\n"
        "  <die-type name=\"d\" clock=\"1GHz\"/>\n"
        "  <router-type name=\"r\" clock=\"1GHz\" flit-width=\"64B\" pipeline=\"2\" routing=\"" +
        routing +
        "\"/>\n"
        "  <link-type name=\"local\" width=\"64B\" latency=\"1cycle\" energy=\"0pJ/bit\"/>\n"
        "  <link-type name=\"fibre\" width=\"32B\" latency=\"30ns\" energy=\"1pJ/bit\" "
        "cost=\"50USD\"/>\n";
    for (int k = 0; k < 4; k++) {
        const std::string p = "p" + std::to_string(k);
        x += "  <package name=\"" + p +
             "\"><instance name=\"io\" type=\"r\"/><instance name=\"a\" type=\"d\"/>"
             "<instance name=\"b\" type=\"d\"/></package>\n"
             "  <connect from=\"" +
             p + ".a\" to=\"" + p + ".io\" link=\"local\"/> <connect from=\"" + p + ".b\" to=\"" +
             p + ".io\" link=\"local\"/>\n";
    }
    x += "  <circuit-switch name=\"ocs\" ports=\"4\" insertion-latency=\"20ns\" "
         "reconfiguration-time=\"5us\" "
         "port-cost=\"100USD\" link=\"fibre\"" +
         extra_attrs +
         ">\n"
         "    <configuration name=\"near\"><circuit a=\"p0.io\" b=\"p1.io\"/><circuit a=\"p2.io\" "
         "b=\"p3.io\"/>"
         "</configuration>\n"
         "    <configuration name=\"far\"><circuit a=\"p0.io\" b=\"p2.io\"/><circuit a=\"p1.io\" "
         "b=\"p3.io\"/>" +
         extra_circuits + "</configuration>\n  </circuit-switch>\n</platform>\n";
    return x;
}

constexpr double kReconfiguration = 5000; // cycles: 5 us at 1 GHz

} // namespace

TEST(CircuitSwitch, EachCircuitIsTheFibrePlusTheInsertionLatency)
{
    // p0.a -> p1.a over the "near" circuit: one 64 B flit takes the local links and the
    // two routers' pipelines, plus the fibre's 30 ns and the switch's 20 ns; the same
    // platform with insertion-latency 0 is 20 cycles quicker
    auto l = load_xml(circuit_platform());
    ASSERT_EQ(l->rc, TESS_OK) << l->errors;
    const double with = transfer_times(&l->p, TESS_NOC_PACKET, {{0, 2, 64}})[0];
    std::string text = circuit_platform();
    text.replace(text.find("insertion-latency=\"20ns\""), 24, "insertion-latency=\"0ns\"");
    auto none = load_xml(text);
    ASSERT_EQ(none->rc, TESS_OK) << none->errors;
    const double without = transfer_times(&none->p, TESS_NOC_PACKET, {{0, 2, 64}})[0];
    EXPECT_DOUBLE_EQ(with - without, 20.0);
    // local link in (1 + 1 - 1), pipeline 2, fibre 30 + insertion 20 + a flit at 32 B a
    // cycle (2 - 1), pipeline 2, local link out (1): 1 + 2 + 51 + 2 + 1
    EXPECT_DOUBLE_EQ(with, 1 + 2 + (30 + 20 + 1) + 2 + 1);
}

TEST(CircuitSwitch, AReconfigurationDelaysTheNextPhaseByItsTimeAndHoldsTrafficMeanwhile)
{
    auto l = load_xml(circuit_platform());
    ASSERT_EQ(l->rc, TESS_OK) << l->errors;
    const uint64_t S = 1 << 20;
    for (tess_noc_fidelity f : {TESS_NOC_PACKET, TESS_NOC_FLOW, TESS_NOC_MIXED}) {
        // phase 1 alone in the first configuration ("near"): p0.a -> p1.a
        const double d1 = transfer_times(&l->p, f, {{0, 2, S}})[0];
        EXPECT_GE(d1, S / 32.0);
        // phase 2 needs "far" (p0.a -> p2.a) and is sent when phase 1 is delivered; 1,000
        // cycles into the reconfiguration p1.b -> p3.b (also "far", another circuit) is sent
        // and must be held, and p0.a -> p0.b (inside the package) must not be
        std::vector<Transfer> t = {{0, 2, S}, {0, 4, S}, {3, 7, S}, {0, 1, 64}};
        t[1].after = 0;
        t[2].after = 0;
        t[2].delay = 1000;
        t[3].after = 0;
        t[3].delay = 1000;
        const std::vector<double> got = transfer_times(&l->p, f, t);
        ASSERT_EQ(got.size(), 4u);
        EXPECT_DOUBLE_EQ(got[0], d1) << tess_noc_fidelity_names[f];
        // the same circuit time again, after the reconfiguration (far's circuits are the
        // same fibre as near's): d1 + R + d1
        EXPECT_NEAR(got[1], 2 * d1 + kReconfiguration, 2.0) << tess_noc_fidelity_names[f];
        // held, not lost: it leaves when the circuits are up, on its own circuit
        EXPECT_NEAR(got[2], 2 * d1 + kReconfiguration, 2.0) << tess_noc_fidelity_names[f];
        // inside p0 nothing waits: sent at d1 + 1,000, delivered a few cycles later
        EXPECT_GT(got[3], d1 + 1000);
        EXPECT_LT(got[3], d1 + 1100) << tess_noc_fidelity_names[f];
    }
}

TEST(CircuitSwitch, TrafficInFlightDrainsBeforeTheSwitchReconfigures)
{
    // p0.a -> p1.a (S bytes, "near") and p0.b -> p2.b (64 B, "far") sent together: the
    // reconfiguration waits for the first to arrive, so the second arrives after
    // d(S) + R + its own time
    auto l = load_xml(circuit_platform());
    ASSERT_EQ(l->rc, TESS_OK) << l->errors;
    const uint64_t S = 1 << 20;
    const double big = transfer_times(&l->p, TESS_NOC_PACKET, {{0, 2, S}})[0];
    const double small = transfer_times(&l->p, TESS_NOC_PACKET, {{0, 2, 64}})[0];
    const std::vector<double> got = transfer_times(&l->p, TESS_NOC_PACKET, {{0, 2, S}, {1, 5, 64}});
    ASSERT_EQ(got.size(), 2u);
    EXPECT_DOUBLE_EQ(got[0], big);
    EXPECT_NEAR(got[1], big + kReconfiguration + small, 2.0);
    // alone, it pays only the reconfiguration: nothing is in flight
    EXPECT_NEAR(transfer_times(&l->p, TESS_NOC_PACKET, {{1, 5, 64}})[0], kReconfiguration + small,
                2.0);
}

TEST(CircuitSwitch, MessagesHeldForTwoConfigurationsGoEachInItsOwnOnce)
{
    // X (p0.a -> p1.a, S bytes, "near") and Y (p0.b -> p2.b, 64 B, "far") at once; while
    // the switch turns to "far" once X has arrived, Z (p0.b -> p1.b, 64 B, "near") and then
    // W (p1.a -> p3.a, 64 B, "far", another circuit) are sent, 1,000 and 2,000 cycles into
    // it. When "far" is up, Y and W go; Z asks for "near" back, which waits for them to
    // arrive: Y and W at d(S) + R + s, Z at that + R + s (s: 64 B over a circuit). Each is
    // sent once: a second copy of W would wait for "far" again and arrive after Z.
    auto l = load_xml(circuit_platform());
    ASSERT_EQ(l->rc, TESS_OK) << l->errors;
    const uint64_t S = 1 << 20;
    const double big = transfer_times(&l->p, TESS_NOC_PACKET, {{0, 2, S}})[0];
    const double small = transfer_times(&l->p, TESS_NOC_PACKET, {{0, 2, 64}})[0];
    std::vector<Transfer> t = {{0, 2, S}, {1, 5, 64}, {1, 3, 64}, {2, 6, 64}};
    t[2].after = t[3].after = 0;
    t[2].delay = 1000;
    t[3].delay = 2000;
    const std::vector<double> got = transfer_times(&l->p, TESS_NOC_PACKET, t);
    ASSERT_EQ(got.size(), 4u);
    EXPECT_DOUBLE_EQ(got[0], big);
    EXPECT_NEAR(got[1], big + kReconfiguration + small, 2.0);
    EXPECT_NEAR(got[3], big + kReconfiguration + small, 2.0);
    EXPECT_NEAR(got[2], got[1] + kReconfiguration + small, 2.0);
}

TEST(CircuitSwitch, CostsItsPortsAndOneFibreAndModulePerAttachedInstance)
{
    auto l = load_xml(circuit_platform());
    ASSERT_EQ(l->rc, TESS_OK) << l->errors;
    tess_cost_report c;
    tess_cost_compute(&l->p, &c);
    // 4 ports at 100 USD; 4 routers attached, each by one 50 USD fibre (4 circuits in two
    // configurations are light paths through the switch, not cables)
    EXPECT_DOUBLE_EQ(c.switch_usd, 400.0);
    EXPECT_DOUBLE_EQ(c.link_usd, 200.0);
}

TEST(CircuitSwitch, BadInputNamesTheLine)
{
    struct Case {
        std::string xml, expect;
    };
    std::string two = circuit_platform("", "<circuit a=\"p0.io\" b=\"p3.io\"/>");
    std::string ports = circuit_platform();
    ports.replace(ports.find("ports=\"4\""), 9, "ports=\"3\"");
    std::string die = circuit_platform("", "<circuit a=\"p0.a\" b=\"p3.b\"/>");
    std::string table = circuit_platform("", "", "table");
    // line 15 is the <circuit-switch>, 17 the "far" configuration with its circuits
    const std::vector<Case> cases = {
        {two, "test.xml:17: <circuit>: 'p0.io' is in two circuits of configuration 'far'"},
        {ports, "test.xml:15: <circuit-switch> 'ocs': 4 instances are attached to its circuits but "
                "it has 3 ports"},
        {die, "test.xml:17: <circuit>: 'p0.a' is not a router"},
        // routes that change with the configuration need shortest routing
        {table,
         "test.xml:15: <circuit-switch> 'ocs': router 'p0.io' (router-type 'r') routes by 'table'"},
    };
    for (const Case &c : cases) {
        auto l = load_xml(c.xml);
        EXPECT_EQ(l->rc, TESS_EINVAL) << c.expect;
        EXPECT_NE(l->errors.find(c.expect), std::string::npos) << l->errors;
    }
}
