// Synthetic traffic for NoC studies (`tessera noc`): one Bernoulli packet source per
// die, a destination pattern, and latency / throughput measurement over a window,
// in the manner of BookSim2 so that the two can be compared. It is a client of the
// transport interface like any other block.
//
// Destinations follow a pattern (noc/traffic_pattern.h), sizes a distribution. Each
// die creates a packet in a cycle with probability rate / mean packet flits (the
// gaps are drawn geometrically, so nothing runs between creations). Packets created
// in [warmup, warmup + measure) are measured: latency is tail arrival minus creation
// (source queueing included); accepted throughput counts flits delivered inside the
// window. The run ends when every measured packet has arrived (or, with drain_all,
// every packet), or drain_cycles after the window.
#ifndef TESS_NOC_TRAFFIC_H
#define TESS_NOC_TRAFFIC_H

#include <queue>
#include <string>
#include <vector>

#include <systemc>

#include "noc/topology.h"
#include "noc/traffic_pattern.h"
#include "noc/transport.h"

extern "C" {
#include "api/tessera_hw.h"
}

namespace tess::noc
{

class TrafficGenerator : public sc_core::sc_module, public TransportClient
{
  public:
    // Throws std::invalid_argument naming what does not fit (a pattern on a topology
    // without coordinates, a target die that is dead, ...).
    SC_HAS_PROCESS(TrafficGenerator);
    TrafficGenerator(sc_core::sc_module_name name, Transport &net, const Topology &topo,
                     const tess_noc_options &opt);

    void on_delivered(const Message &m) override;
    bool accepts(const Message &m) override;

    // Mean zero-load latency over the pattern's (source, destination) pairs: the sum
    // of channel latencies and router pipelines on the path plus serialisation.
    double zero_load_latency() const;

    std::vector<uint32_t> latencies; // of measured packets, cycles
    uint64_t measured_flits_delivered = 0;
    uint64_t duplicates = 0;
    bool throttled = false;
    bool drained = false;

  private:
    Transport &net_;
    const Topology &topo_;
    tess_noc_options opt_;
    uint32_t E_;
    double p_packet_;
    uint64_t window_end_;
    uint64_t rng_[4];
    std::vector<int64_t> fixed_dst_;         // permutation patterns: destination per source
    std::vector<uint32_t> hotspot_dies_;     // endpoints
    std::vector<double> hotspot_cumulative_; // their running share of all packets
    PacketSizes sizes_;
    std::priority_queue<std::pair<uint64_t, uint32_t>, std::vector<std::pair<uint64_t, uint32_t>>,
                        std::greater<std::pair<uint64_t, uint32_t>>>
        next_;
    std::vector<uint32_t> created_;     // per tag: creation cycle
    std::vector<bool> delivered_;       // per tag
    std::vector<uint32_t> outstanding_; // per die: requests in flight
    std::vector<uint32_t> responses_;   // per die: responses in flight
    uint64_t measured_outstanding_ = 0, total_outstanding_ = 0;
    sc_core::sc_event tick_, deadline_;
    uint64_t period_ps_;

    uint64_t now_cycle() const;
    uint64_t next_random();
    double uniform01();
    uint64_t gap();
    uint32_t destination(uint32_t src);
    uint32_t packet_flits(); // drawn from the size distribution
    void send(uint32_t src, uint32_t dst, uint32_t flits, MessageClass cls);
    void on_tick();
    void on_deadline();
    void maybe_finish();
};

} // namespace tess::noc

#endif
