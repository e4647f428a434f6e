// Synthetic traffic: every destination pattern against its definition (Dally and Towles,
// "Principles and Practices of Interconnection Networks", 2004, section 3.2; BookSim2's
// numbering, node = row * cols + col), hotspot lists and packet-size distributions, and,
// in simulation, that packets go where the pattern says: at light load the mean latency
// is the mean zero-load latency over the pattern's destinations, written out here from
// the router's closed form.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <set>
#include <stdexcept>
#include <string>

#include "noc/traffic_pattern.h"
#include "noc_harness.h"

using tess::noc::permutation_map;

namespace
{

// 8x8: b = 6 address bits. Hand-worked examples of each definition.
TEST(TrafficPatterns, HandExamplesOn8x8)
{
    const auto transpose = permutation_map(TESS_TRAFFIC_TRANSPOSE, 8, 8);
    EXPECT_EQ(transpose[1], 8u);   // (0,1) -> (1,0)
    EXPECT_EQ(transpose[10], 17u); // (1,2) -> (2,1)
    const auto bitcomp = permutation_map(TESS_TRAFFIC_BITCOMP, 8, 8);
    EXPECT_EQ(bitcomp[0], 63u);
    EXPECT_EQ(bitcomp[10], 53u); // 001010 -> 110101
    const auto bitrev = permutation_map(TESS_TRAFFIC_BITREV, 8, 8);
    EXPECT_EQ(bitrev[1], 32u);  // 000001 -> 100000
    EXPECT_EQ(bitrev[10], 20u); // 001010 -> 010100
    EXPECT_EQ(bitrev[33], 33u); // 100001 is a palindrome
    const auto shuffle = permutation_map(TESS_TRAFFIC_SHUFFLE, 8, 8);
    EXPECT_EQ(shuffle[33], 3u);  // 100001 -> 000011
    EXPECT_EQ(shuffle[10], 20u); // 001010 -> 010100
    EXPECT_EQ(shuffle[32], 1u);  // 100000 -> 000001
    const auto tornado = permutation_map(TESS_TRAFFIC_TORNADO, 8, 8);
    EXPECT_EQ(tornado[0], 27u);  // ceil(8/2) - 1 = 3 on both axes: (0,0) -> (3,3)
    EXPECT_EQ(tornado[62], 17u); // (7,6) -> (10 mod 8, 9 mod 8) = (2,1)
    const auto neighbor = permutation_map(TESS_TRAFFIC_NEIGHBOR, 8, 8);
    EXPECT_EQ(neighbor[63], 0u);  // (7,7) -> (0,0)
    EXPECT_EQ(neighbor[19], 28u); // (2,3) -> (3,4)
    // an odd radix: ceil(5/2) - 1 = 2
    EXPECT_EQ(permutation_map(TESS_TRAFFIC_TORNADO, 5, 5)[24], 6u); // (4,4) -> (1,1)
}

// The bit definitions, as formulas on whole addresses, over every node of 4x4, 8x8,
// 16x16 and a 4x8 grid (transpose only on squares).
TEST(TrafficPatterns, BitDefinitionsHoldOnEveryNode)
{
    const unsigned grids[][2] = {{4, 4}, {8, 8}, {16, 16}, {4, 8}};
    for (const auto &g : grids) {
        const uint32_t n = g[0] * g[1];
        const uint32_t b = static_cast<uint32_t>(std::lround(std::log2(n)));
        const auto comp = permutation_map(TESS_TRAFFIC_BITCOMP, g[0], g[1]);
        const auto rev = permutation_map(TESS_TRAFFIC_BITREV, g[0], g[1]);
        const auto shuf = permutation_map(TESS_TRAFFIC_SHUFFLE, g[0], g[1]);
        for (uint32_t s = 0; s < n; s++) {
            EXPECT_EQ(comp[s], ~s & (n - 1)) << s;
            uint32_t r = 0;
            for (uint32_t i = 0; i < b; i++)
                r = (r << 1) | ((s >> i) & 1);
            EXPECT_EQ(rev[s], r) << s;
            EXPECT_EQ(shuf[s], (2 * s) % n + (s >= n / 2 ? 1 : 0)) << s;
        }
        if (g[0] == g[1]) { // d_i = s_(i + b/2 mod b): the two halves swapped
            const auto tr = permutation_map(TESS_TRAFFIC_TRANSPOSE, g[0], g[1]);
            for (uint32_t s = 0; s < n; s++)
                EXPECT_EQ(tr[s], ((s << (b / 2)) | (s >> (b / 2))) & (n - 1)) << s;
        }
    }
}

TEST(TrafficPatterns, EveryPermutationIsOneToOne)
{
    const tess_traffic all[] = {TESS_TRAFFIC_TRANSPOSE, TESS_TRAFFIC_BITCOMP,
                                TESS_TRAFFIC_BITREV,    TESS_TRAFFIC_SHUFFLE,
                                TESS_TRAFFIC_TORNADO,   TESS_TRAFFIC_NEIGHBOR};
    for (tess_traffic t : all) {
        const auto m = permutation_map(t, 16, 16);
        EXPECT_EQ(std::set<uint32_t>(m.begin(), m.end()).size(), 256u) << t;
    }
}

TEST(TrafficPatterns, PatternsThatDoNotFitTheGridAreRefused)
{
    auto message = [](tess_traffic t, uint32_t r, uint32_t c) {
        try {
            permutation_map(t, r, c);
        } catch (const std::invalid_argument &e) {
            return std::string(e.what());
        }
        return std::string("accepted");
    };
    EXPECT_NE(message(TESS_TRAFFIC_BITREV, 3, 5).find("power-of-two"), std::string::npos);
    EXPECT_NE(message(TESS_TRAFFIC_SHUFFLE, 6, 6).find("6 x 6"), std::string::npos);
    EXPECT_NE(message(TESS_TRAFFIC_TRANSPOSE, 4, 8).find("square"), std::string::npos);
    EXPECT_EQ(message(TESS_TRAFFIC_TORNADO, 3, 5), "accepted");
}

TEST(TrafficPatterns, HotspotListsAreChecked)
{
    tess_noc_options o;
    tess_noc_options_default(&o);
    o.traffic = TESS_TRAFFIC_HOTSPOT;
    // default: the centre die of 8x8, (4,4), with the default fraction
    auto h = tess::noc::hotspots_of(o, 8, 8);
    ASSERT_EQ(h.nodes.size(), 1u);
    EXPECT_EQ(h.nodes[0], 36u);
    EXPECT_DOUBLE_EQ(h.cumulative[0], o.hotspot_fraction);
    // four nodes without fractions share hotspot_fraction evenly
    o.n_hotspots = 4;
    const uint32_t centre[] = {27, 28, 35, 36};
    for (int i = 0; i < 4; i++)
        o.hotspot_nodes[i] = centre[i];
    o.hotspot_fraction = 1;
    h = tess::noc::hotspots_of(o, 8, 8);
    ASSERT_EQ(h.cumulative.size(), 4u);
    EXPECT_DOUBLE_EQ(h.cumulative[1], 0.5);
    EXPECT_DOUBLE_EQ(h.cumulative[3], 1.0);
    auto refused = [&](const char *what) {
        try {
            tess::noc::hotspots_of(o, 8, 8);
        } catch (const std::invalid_argument &e) {
            return std::string(e.what()).find(what) != std::string::npos;
        }
        return false;
    };
    o.hotspot_fractions[0] = 0.6;
    o.hotspot_fractions[1] = 0.6;
    EXPECT_TRUE(refused("more than 1"));
    o.hotspot_fractions[1] = 0.1;
    o.hotspot_nodes[2] = 64;
    EXPECT_TRUE(refused("outside the 8 x 8 grid"));
    o.hotspot_nodes[2] = 27;
    EXPECT_TRUE(refused("listed twice"));
}

// ---- in simulation --------------------------------------------------------------

// platforms/mesh-8x8.xml: 3-cycle routers, 1-cycle links, XY routing. A packet of L flits
// from s to d crosses the injection link, H = |dr| + |dc| + 1 routers and H - 1 links and
// the ejection link: T0 = 1 + 3H + (H - 1) + 1 + (L - 1) = 4H + 1 + (L - 1) cycles.
double t0(uint32_t s, uint32_t d, double L)
{
    const int H = std::abs(int(s / 8) - int(d / 8)) + std::abs(int(s % 8) - int(d % 8)) + 1;
    return 4.0 * H + 1 + (L - 1);
}

struct Light {
    tess_noc_result r;
    double expected; // mean zero-load latency over the pattern's destinations
};

Light light_load(tess_noc_options o, double expected)
{
    auto L = load_file(source_path("platforms/mesh-8x8.xml"));
    EXPECT_EQ(L->rc, TESS_OK) << L->errors;
    o.fidelity = TESS_NOC_FLIT;
    o.warmup_cycles = 1000;
    o.measure_cycles = 20000;
    return {run_noc(&L->p, o), expected};
}

TEST(TrafficPatterns, PacketsGoWhereThePatternSays)
{
    // bitrev, shuffle, tornado, neighbor at 2% load: within 3% of the mean of T0 over
    // the definition's (source, destination) pairs, computed here by hand formulas.
    struct Case {
        tess_traffic t;
        uint32_t (*dst)(uint32_t);
    };
    const Case cases[] = {
        {TESS_TRAFFIC_BITREV,
         [](uint32_t s) {
             uint32_t r = 0;
             for (int i = 0; i < 6; i++)
                 r = (r << 1) | ((s >> i) & 1);
             return r;
         }},
        {TESS_TRAFFIC_SHUFFLE, [](uint32_t s) { return (2 * s) % 64 + (s >= 32 ? 1u : 0u); }},
        {TESS_TRAFFIC_TORNADO, [](uint32_t s) { return ((s / 8 + 3) % 8) * 8 + (s % 8 + 3) % 8; }},
        {TESS_TRAFFIC_NEIGHBOR, [](uint32_t s) { return ((s / 8 + 1) % 8) * 8 + (s % 8 + 1) % 8; }},
    };
    for (const Case &c : cases) {
        double sum = 0;
        for (uint32_t s = 0; s < 64; s++)
            sum += t0(s, c.dst(s), 1);
        tess_noc_options o = noc_options(TESS_NOC_FLIT, 0.02, 1);
        o.traffic = c.t;
        const Light l = light_load(o, sum / 64);
        EXPECT_NEAR(l.r.mean_latency_cycles, l.expected, 0.03 * l.expected) << c.t;
        EXPECT_NEAR(l.r.zero_load_latency_cycles, l.expected, 1e-9) << c.t;
    }
}

TEST(TrafficPatterns, HotspotSendsItsShareToTheListedDies)
{
    // All traffic to the four centre dies (BookSim2's hotspot({27,28,35,36})) and, to tell
    // a share from all, 50% to corner die 0 and the rest uniform: means of T0 over the
    // mixture, by hand.
    const uint32_t centre[] = {27, 28, 35, 36};
    double to_centre = 0, to_corner = 0, uniform = 0;
    for (uint32_t s = 0; s < 64; s++) {
        for (uint32_t h : centre)
            to_centre += t0(s, h, 1) / 4;
        to_corner += t0(s, 0, 1);
        for (uint32_t d = 0; d < 64; d++)
            uniform += t0(s, d, 1) / 64;
    }
    to_centre /= 64;
    to_corner /= 64;
    uniform /= 64;

    tess_noc_options o = noc_options(TESS_NOC_FLIT, 0.01, 1);
    o.traffic = TESS_TRAFFIC_HOTSPOT;
    o.n_hotspots = 4;
    for (int i = 0; i < 4; i++)
        o.hotspot_nodes[i] = centre[i];
    o.hotspot_fraction = 1;
    Light l = light_load(o, to_centre);
    EXPECT_NEAR(l.r.mean_latency_cycles, l.expected, 0.03 * l.expected);

    tess_noc_options_default(&o);
    o.rate = 0.01;
    o.traffic = TESS_TRAFFIC_HOTSPOT;
    o.n_hotspots = 1;
    o.hotspot_nodes[0] = 0;
    o.hotspot_fractions[0] = 0.5;
    l = light_load(o, 0.5 * to_corner + 0.5 * uniform);
    EXPECT_NEAR(l.r.mean_latency_cycles, l.expected, 0.03 * l.expected);
    // the two halves differ by more than the tolerance, so the share is what is tested
    EXPECT_GT(to_corner - uniform, 0.12 * uniform);
}

TEST(TrafficPatterns, PacketSizesFollowTheirDistribution)
{
    // 1 and 8 flits, 3 to 1: mean 2.75 flits. The rate stays in flits (accepted within 5%
    // of offered) and the latency adds the mean serialisation, (2.75 - 1) cycles.
    tess_noc_options o = noc_options(TESS_NOC_FLIT, 0.05, 1);
    o.n_packet_sizes = 2;
    o.packet_sizes[0] = 1;
    o.packet_sizes[1] = 8;
    o.packet_size_weights[0] = 3;
    o.packet_size_weights[1] = 1;
    double uniform = 0;
    for (uint32_t s = 0; s < 64; s++)
        for (uint32_t d = 0; d < 64; d++)
            uniform += t0(s, d, 2.75) / 4096;
    const Light l = light_load(o, uniform);
    EXPECT_NEAR(l.r.accepted_flits_per_node_cycle, 0.05, 0.05 * 0.05);
    EXPECT_NEAR(l.r.zero_load_latency_cycles, l.expected, 1e-9);
    EXPECT_NEAR(l.r.mean_latency_cycles, l.expected, 0.05 * l.expected);

    // every weight 0: the sizes equally likely (mean 4.5 flits), as all-zero hotspot
    // fractions split evenly
    o.packet_size_weights[0] = o.packet_size_weights[1] = 0;
    double even = 0;
    for (uint32_t s = 0; s < 64; s++)
        for (uint32_t d = 0; d < 64; d++)
            even += t0(s, d, 4.5) / 4096;
    const Light e = light_load(o, even);
    EXPECT_NEAR(e.r.zero_load_latency_cycles, e.expected, 1e-9);

    o.packet_size_weights[1] = -1;
    int status = 0;
    std::string message;
    auto L = load_file(source_path("platforms/mesh-8x8.xml"));
    run_noc(&L->p, o, &status, &message);
    EXPECT_EQ(status, TESS_EINVAL);
    EXPECT_NE(message.find("weight"), std::string::npos) << message;
}

} // namespace
