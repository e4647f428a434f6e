// A memory's controller at `burst` fidelity (config/fidelity.h): the requests that reach
// the memory over the network are served one after another in the order they arrive,
// each at the memory's sustained bandwidth, a read's first data one access latency after
// its request arrived. Both figures are the DRAM model's own (hw/mem/dram_memory.h): the
// bandwidth a long 64 B stream sustains through the controller (banks, bursts, row
// buffers and refresh included) and the latency of its first request, measured once per
// memory type (src/driver/memory_probe.h). A transfer is a chunk of a DMA (KiB to MiB):
// inside it the controller runs at the stream's rate; between transfers from different
// dies it serves in arrival order, so dies streaming from one memory at once share its
// bandwidth in proportion to what they ask.
//
// Pure timing, no SystemC: the network side (hw/compute/memory_port.h) feeds it arrival
// times and sends what it answers.
#ifndef TESS_MEM_MEMORY_SERVER_H
#define TESS_MEM_MEMORY_SERVER_H

#include <cstdint>
#include <set>

namespace tess::hw
{

// One memory's figures over a run.
struct MemoryServerStats {
    uint64_t reads = 0, writes = 0;             // transfers served
    uint64_t bytes_read = 0, bytes_written = 0; // their bytes
    double busy_s = 0;                          // time serving (bytes / bandwidth)
    double queue_s = 0;                         // summed waits for the server
    std::set<uint32_t> clients;                 // who sent requests (network endpoints)
};

class MemoryServer
{
  public:
    // bandwidth in bytes/s (> 0), latency in seconds (>= 0)
    MemoryServer(double bandwidth, double latency_s);

    struct Service {
        double start, end; // the interval the memory spends on the transfer
    };
    // A read of `bytes` whose request arrived at `arrival`: its data leaves from `start`
    // (after the access latency and whatever the server still had to do) until `end`.
    Service read(uint32_t client, double arrival, uint64_t bytes);
    // A write whose data started arriving at `head` and had all arrived at `tail`: the
    // memory takes it from the head on (cut-through) at its rate, and has it at `end`
    // (no earlier than the tail).
    Service write(uint32_t client, double head, double tail, uint64_t bytes);

    double bandwidth() const { return bandwidth_; }
    double latency_s() const { return latency_s_; }
    const MemoryServerStats &stats() const { return st_; }

  private:
    double bandwidth_, latency_s_;
    double free_ = 0; // when the server is next free
    MemoryServerStats st_;
};

} // namespace tess::hw

#endif
