// The burst-fidelity memory controller's timing rule (hw/mem/memory_server.h), by hand:
// arrival-order service at the sustained bandwidth, a read's data one access latency
// after its request, a write from its head's arrival and done no sooner than its tail.
#include <gtest/gtest.h>

#include <stdexcept>

#include "mem/memory_server.h"

using tess::hw::MemoryServer;

TEST(MemoryServer, ReadsQueueInArrivalOrderAtTheSustainedRate)
{
    MemoryServer m(100e9, 40e-9); // 100 GB/s, 40 ns
    // 1 MB arriving at 0: data from 40 ns for 10 us
    MemoryServer::Service a = m.read(7, 0, 1000000);
    EXPECT_DOUBLE_EQ(a.start, 40e-9);
    EXPECT_DOUBLE_EQ(a.end, 40e-9 + 10e-6);
    // a second read 1 us later waits for the first: it starts when the server is free
    MemoryServer::Service b = m.read(8, 1e-6, 500000);
    EXPECT_DOUBLE_EQ(b.start, a.end);
    EXPECT_DOUBLE_EQ(b.end, a.end + 5e-6);
    // one arriving after both are done only pays the latency
    MemoryServer::Service c = m.read(7, 1e-3, 100);
    EXPECT_DOUBLE_EQ(c.start, 1e-3 + 40e-9);
    EXPECT_EQ(m.stats().reads, 3u);
    EXPECT_EQ(m.stats().bytes_read, 1500100u);
    EXPECT_EQ(m.stats().clients.size(), 2u);
    // the second waited from its ready time (1 us + 40 ns) to the first's end
    EXPECT_NEAR(m.stats().queue_s, a.end - (1e-6 + 40e-9), 1e-15);
    EXPECT_NEAR(m.stats().busy_s, 15e-6 + 1e-9, 1e-15);
}

TEST(MemoryServer, AWriteIsServedFromItsHeadAndDoneAfterItsTail)
{
    MemoryServer m(100e9, 40e-9);
    // 1 MB whose head arrived at 0 and tail at 40 us (a 25 GB/s path): the memory is
    // faster, so it has the data when the tail is in
    MemoryServer::Service w = m.write(1, 0, 40e-6, 1000000);
    EXPECT_DOUBLE_EQ(w.start, 0);
    EXPECT_DOUBLE_EQ(w.end, 40e-6);
    // the server moved on after 10 us of work: a read at 20 us is not held by the write
    MemoryServer::Service r = m.read(2, 20e-6, 1000);
    EXPECT_DOUBLE_EQ(r.start, 20e-6 + 40e-9);
    // a write faster than the memory ends at its own bytes' service
    MemoryServer::Service v = m.write(1, 1e-3, 1e-3 + 1e-6, 1000000);
    EXPECT_DOUBLE_EQ(v.end, 1e-3 + 10e-6);
    EXPECT_EQ(m.stats().writes, 2u);
}

TEST(MemoryServer, RefusesAMemoryWithoutBandwidth)
{
    EXPECT_THROW(MemoryServer(0, 1e-9), std::invalid_argument);
    EXPECT_THROW(MemoryServer(1e9, -1), std::invalid_argument);
}
