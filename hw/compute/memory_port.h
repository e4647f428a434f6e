// A memory instance on the network at memory fidelity `burst` (config/fidelity.h): the
// endpoint where dies' DMA requests arrive, its controller (mem/memory_server.h) and the
// replies it sends back: a read's data, a write's acknowledgement.
//
// Protocol (the die's side is ComputeDie::dma): a message whose tag has kMemoryTag set
// is a memory transfer of tag & kBytesMask bytes; kWriteTag says which way. A read
// request is kHeaderBytes long and is answered with the data; a write carries its data
// and is answered with kHeaderBytes. The reply keeps the request's tag and adds
// kReplyTag.
//
// Where it sits: a memory linked to a router is its own endpoint. A memory linked to a
// die is reached through that die's endpoint (the die's network interface relays to it)
// and over the link between them, whose bandwidth caps the memory's; that die's own
// transfers reach it without the network (deliver(m, true), and replies to the die are
// handed back directly).
//
// Timing: a read's data is sent so that it arrives as the memory produces it: at the
// service's start, or later by as much as the memory is slower than the path back (the
// path's narrowest channel, flit width x clock / cycles per flit), so an uncontended
// read of S bytes arrives after S / min(path, memory) and the two latencies; the network
// then adds whatever contention it meets. A write is served from the moment its head
// arrived (its tail's arrival less its bytes at the path's rate).
#ifndef TESS_COMPUTE_MEMORY_PORT_H
#define TESS_COMPUTE_MEMORY_PORT_H

#include <cstdint>
#include <queue>
#include <string>
#include <unordered_map>
#include <vector>

#include <systemc>

#include "mem/memory_server.h"
#include "noc/network.h"
#include "noc/topology.h"
#include "noc/transport.h"

namespace tess::hw
{

constexpr uint64_t kMemoryTag = 1ull << 63, kWriteTag = 1ull << 62, kReplyTag = 1ull << 61;
constexpr uint64_t kBytesMask = (1ull << 40) - 1;
constexpr uint64_t kHeaderBytes = 64;

class MemoryPort : public sc_core::sc_module
{
  public:
    SC_HAS_PROCESS(MemoryPort);
    // bandwidth: the memory's sustained rate, already capped by a die link's (see above);
    // local: who gets replies addressed to `endpoint` itself (the die the memory hangs off)
    // memory: its platform instance, for the figures
    MemoryPort(sc_core::sc_module_name name, noc::Transport &net, const noc::Topology &topo,
               uint32_t endpoint, uint32_t memory, double bandwidth, double latency_s,
               noc::TransportClient *local = nullptr);
    // A request at arrival: from the network, or (local) from the die at `endpoint` itself.
    void deliver(const noc::Message &m, bool local = false);
    const MemoryServer &server() const { return server_; }
    uint32_t endpoint() const { return endpoint_; }
    uint32_t memory() const { return memory_; }
    // Records the controller's busy time in windows of picoseconds (for trace.json).
    void record_timeline(bool on) { record_ = on; }
    const noc::UtilisationTimeline &timeline() const { return timeline_; }

  private:
    struct Due {
        uint64_t ps, seq;
        noc::Message m;
        bool operator>(const Due &o) const { return ps != o.ps ? ps > o.ps : seq > o.seq; }
    };
    noc::Transport &net_;
    const noc::Topology &topo_;
    uint32_t endpoint_, memory_;
    MemoryServer server_;
    noc::TransportClient *local_;
    bool record_ = false;
    noc::UtilisationTimeline timeline_{1000000}; // 1 us windows at first, in ps
    void record(double t0, double t1);
    std::priority_queue<Due, std::vector<Due>, std::greater<Due>> due_;
    uint64_t seq_ = 0;
    sc_core::sc_event wake_;
    std::unordered_map<uint64_t, double> path_rate_; // (from, to) -> bytes/s
    double path_rate(uint32_t from, uint32_t to);
    void reply_at(double t, const noc::Message &m);
    void send_due();
};

} // namespace tess::hw

#endif
