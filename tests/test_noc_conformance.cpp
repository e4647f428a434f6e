// One conformance suite that every network fidelity passes (flit, packet, flow, mixed):
// the same zero-load latency, one transfer's bandwidth, every message delivered once with
// its tag at its destination, bytes conserved, and the same energy for one uncontended
// message. Figures against hand calculations on platforms/mesh-4x4.xml: 16 B flits,
// routers of 3 pipeline cycles and 0.1 pJ/bit, links of 1 cycle and 0.2 pJ/bit, XY routing.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "noc_harness.h"

namespace
{

constexpr double kFlitBytes = 16;
constexpr double kLinkPjPerBit = 0.2, kRouterPjPerBit = 0.1;

class Conformance : public ::testing::TestWithParam<tess_noc_fidelity>
{
  protected:
    static void SetUpTestSuite()
    {
        mesh_ = load_file(source_path("platforms/mesh-4x4.xml")).release();
    }
    static void TearDownTestSuite()
    {
        delete mesh_;
        mesh_ = nullptr;
    }
    static Loaded *mesh_;
    // endpoints are the dies in row-major order: (row, col) is 4 row + col
    static uint32_t die(uint32_t row, uint32_t col) { return 4 * row + col; }
};
Loaded *Conformance::mesh_ = nullptr;

std::string name_of(const ::testing::TestParamInfo<tess_noc_fidelity> &info)
{
    return tess_noc_fidelity_names[info.param];
}

} // namespace

// At zero load a message of F flits over H mesh hops crosses H + 1 routers (3 pipeline
// cycles each) and H + 2 channels (1 cycle each: inject, H mesh links, eject), and its
// tail follows its head by F - 1 cycles: 3 (H + 1) + (H + 2) + F - 1 cycles, every
// fidelity alike (and alike the flit fidelity's own figure).
TEST_P(Conformance, ZeroLoadLatencyFollowsThePath)
{
    ASSERT_EQ(mesh_->rc, TESS_OK) << mesh_->errors;
    const std::vector<std::pair<uint32_t, uint32_t>> pairs = {{die(0, 0), die(3, 3)},
                                                              {die(3, 3), die(0, 0)},
                                                              {die(1, 2), die(2, 1)},
                                                              {die(0, 1), die(0, 2)}};
    const double hops[] = {6, 6, 2, 1};
    for (uint32_t flits : {1u, 4u}) {
        const std::vector<double> ref = probe_latencies(&mesh_->p, TESS_NOC_FLIT, flits, pairs);
        const std::vector<double> got = probe_latencies(&mesh_->p, GetParam(), flits, pairs);
        ASSERT_EQ(got.size(), pairs.size());
        ASSERT_EQ(ref.size(), pairs.size());
        for (size_t i = 0; i < pairs.size(); i++) {
            const double H = hops[i];
            EXPECT_DOUBLE_EQ(got[i], 3 * (H + 1) + (H + 2) + flits - 1)
                << flits << " flits, pair " << i;
            EXPECT_DOUBLE_EQ(got[i], ref[i]) << flits << " flits, pair " << i;
        }
    }
}

// One 1 MiB transfer alone: its flits leave one a cycle (16 B per cycle on every link),
// so it takes 65536 cycles plus the path's latency, whatever the fidelity.
TEST_P(Conformance, OneTransferMovesAtTheLinkRate)
{
    ASSERT_EQ(mesh_->rc, TESS_OK) << mesh_->errors;
    const uint64_t bytes = 1 << 20;
    const double serialisation = bytes / kFlitBytes;
    const std::vector<double> t =
        transfer_times(&mesh_->p, GetParam(), {{die(0, 0), die(3, 3), bytes}});
    ASSERT_EQ(t.size(), 1u);
    const double latency = probe_latencies(&mesh_->p, GetParam(), 1, {{die(0, 0), die(3, 3)}})[0];
    EXPECT_GE(t[0], serialisation);
    EXPECT_NEAR(t[0], serialisation + latency, 0.001 * serialisation) << "latency " << latency;
}

// 240 messages between every ordered pair of distinct dies, of 1 to 5 flits and sent at
// once: each tag arrives exactly once, at its destination, with its bytes.
TEST_P(Conformance, EveryMessageArrivesOnceWithItsTagAndBytes)
{
    ASSERT_EQ(mesh_->rc, TESS_OK) << mesh_->errors;
    std::vector<Transfer> sent;
    for (uint32_t s = 0; s < 16; s++)
        for (uint32_t d = 0; d < 16; d++)
            if (s != d)
                sent.push_back(
                    {s, d, static_cast<uint64_t>(1 + (s * 7 + d * 3) % 80), UINT32_MAX, 0});
    const BurstLog log = burst_log(&mesh_->p, GetParam(), sent);
    ASSERT_EQ(log.deliveries.size(), sent.size());
    std::map<uint64_t, int> seen;
    uint64_t bytes_in = 0, bytes_out = 0;
    for (const Transfer &t : sent)
        bytes_in += t.bytes;
    for (const Delivery &d : log.deliveries) {
        ASSERT_LT(d.tag, sent.size());
        EXPECT_EQ(++seen[d.tag], 1) << "tag " << d.tag << " delivered twice";
        EXPECT_EQ(d.src, sent[d.tag].src) << "tag " << d.tag;
        EXPECT_EQ(d.dst, sent[d.tag].dst) << "tag " << d.tag;
        EXPECT_EQ(d.bytes, sent[d.tag].bytes) << "tag " << d.tag;
        bytes_out += d.bytes;
    }
    EXPECT_EQ(seen.size(), sent.size());
    EXPECT_EQ(bytes_out, bytes_in); // bytes conserved
}

// One uncontended 4-flit message corner to corner: every flit crosses 8 channels and 7
// routers, 4 x 128 bits x (8 x 0.2 + 7 x 0.1) pJ/bit.
TEST_P(Conformance, OneUncontendedMessageCostsTheSameEnergy)
{
    ASSERT_EQ(mesh_->rc, TESS_OK) << mesh_->errors;
    const BurstLog log = burst_log(&mesh_->p, GetParam(), {{die(0, 0), die(3, 3), 64}});
    ASSERT_EQ(log.deliveries.size(), 1u);
    const double expected = 4 * 8 * kFlitBytes * (8 * kLinkPjPerBit + 7 * kRouterPjPerBit) * 1e-12;
    EXPECT_NEAR(log.energy_j, expected, 1e-9 * expected);
}

INSTANTIATE_TEST_SUITE_P(EveryFidelity, Conformance,
                         ::testing::Values(TESS_NOC_FLIT, TESS_NOC_PACKET, TESS_NOC_FLOW,
                                           TESS_NOC_MIXED),
                         name_of);
