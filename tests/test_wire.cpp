// The simulation child's wire format (src/driver/wire.h): what is packed is what is read
// back, and a reply that is truncated, padded, of another layout or for other dies is
// refused with a reason instead of being read.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

extern "C" {
#include "driver/wire.h"
}

namespace
{

struct Packed {
    std::vector<char> bytes;
    tess_wire_iteration w{};
    std::vector<tess_die_stat> dies;
    std::vector<tess_noc_link_use> links;
    std::vector<tess_span> spans;
    Packed(uint32_t n_dies, uint32_t n_links, uint32_t n_spans)
        : dies(n_dies), links(n_links), spans(n_spans)
    {
        w.it.iteration_time_s = 0.125;
        w.it.messages = 393216;
        w.it.critical_path.handoffs = 6;
        for (uint32_t i = 0; i < n_dies; i++) {
            dies[i].rank = i;
            dies[i].flops = 1e12 + i;
            dies[i].messages = 24576 + i;
        }
        for (uint32_t i = 0; i < n_links; i++) {
            std::snprintf(links[i].name, sizeof links[i].name, "r%u->r%u", i, i + 1);
            links[i].utilisation = 0.5 / (i + 1);
        }
        for (uint32_t i = 0; i < n_spans; i++)
            spans[i] = tess_span{i, TESS_TRACK_DMA, 1.0 * i, 1.0 * i + 0.5, 0};
        w.dies = dies.data();
        w.n_dies = n_dies;
        w.links = links.data();
        w.n_links = n_links;
        w.spans = spans.data();
        w.n_spans = n_spans;
        size_t len = 0;
        char *b = static_cast<char *>(tess_wire_pack(&w, &len));
        bytes.assign(b, b + len);
        std::free(b);
    }
};

} // namespace

TEST(Wire, WhatIsPackedIsReadBack)
{
    Packed p(16, 3, 5);
    tess_wire_iteration got;
    char msg[256] = "";
    ASSERT_EQ(tess_wire_unpack(p.bytes.data(), p.bytes.size(), 16, &got, msg, sizeof msg), 0)
        << msg;
    EXPECT_EQ(std::memcmp(&got.it, &p.w.it, sizeof got.it), 0);
    ASSERT_EQ(got.n_dies, 16u);
    ASSERT_EQ(got.n_links, 3u);
    ASSERT_EQ(got.n_spans, 5u);
    EXPECT_EQ(std::memcmp(got.dies, p.dies.data(), 16 * sizeof *got.dies), 0);
    EXPECT_EQ(std::memcmp(got.links, p.links.data(), 3 * sizeof *got.links), 0);
    EXPECT_EQ(std::memcmp(got.spans, p.spans.data(), 5 * sizeof *got.spans), 0);
    EXPECT_STREQ(got.links[2].name, "r2->r3");
    tess_wire_free(&got);

    // no links and no spans (a run without trace on one die)
    Packed empty(1, 0, 0);
    ASSERT_EQ(tess_wire_unpack(empty.bytes.data(), empty.bytes.size(), 1, &got, msg, sizeof msg), 0)
        << msg;
    EXPECT_EQ(got.n_links + got.n_spans, 0u);
    EXPECT_EQ(got.dies[0].messages, 24576u);
    tess_wire_free(&got);
}

TEST(Wire, RefusesWhatItCannotRead)
{
    Packed p(4, 2, 2);
    tess_wire_iteration got;
    char msg[256] = "";
    // every truncation, header included
    for (size_t len : {size_t{0}, size_t{7}, p.bytes.size() / 2, p.bytes.size() - 1}) {
        EXPECT_EQ(tess_wire_unpack(p.bytes.data(), len, 4, &got, msg, sizeof msg), -1) << len;
        EXPECT_EQ(got.dies, nullptr);
    }
    EXPECT_EQ(tess_wire_unpack(nullptr, 0, 4, &got, msg, sizeof msg), -1);
    // trailing bytes
    std::vector<char> longer = p.bytes;
    longer.push_back(0);
    EXPECT_EQ(tess_wire_unpack(longer.data(), longer.size(), 4, &got, msg, sizeof msg), -1);
    EXPECT_NE(std::string(msg).find("not what its header counts"), std::string::npos) << msg;
    // another version (the second uint32 of the header)
    std::vector<char> other = p.bytes;
    const uint32_t v = TESS_WIRE_VERSION + 1;
    std::memcpy(other.data() + 4, &v, sizeof v);
    EXPECT_EQ(tess_wire_unpack(other.data(), other.size(), 4, &got, msg, sizeof msg), -1);
    EXPECT_NE(std::string(msg).find("version"), std::string::npos) << msg;
    // another die count than the parent simulated
    EXPECT_EQ(tess_wire_unpack(p.bytes.data(), p.bytes.size(), 8, &got, msg, sizeof msg), -1);
    EXPECT_NE(std::string(msg).find("4 dies, 8 were simulated"), std::string::npos) << msg;
    // a link count that would overflow the length check if multiplied first
    std::vector<char> huge = p.bytes;
    const uint64_t n = UINT64_MAX / 2;
    std::memcpy(huge.data() + 6 * sizeof(uint32_t) + sizeof(uint64_t), &n, sizeof n);
    EXPECT_EQ(tess_wire_unpack(huge.data(), huge.size(), 4, &got, msg, sizeof msg), -1);
}
