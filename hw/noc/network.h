// What both NoC fidelities share: the Transport front end, the clock, and the
// per-block counters (flits and busy cycles per channel, flits per router, energy).
#ifndef TESS_NOC_NETWORK_H
#define TESS_NOC_NETWORK_H

#include <array>
#include <cmath>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <systemc>

#include "noc/topology.h"
#include "noc/transport.h"

extern "C" {
#include "api/tessera_hw.h"
}

namespace tess::noc
{

struct NetworkOptions {
    // No flit moved for this many cycles while flits are in the network: deadlock.
    uint64_t deadlock_cycles = 20000;
    // Flow and mixed fidelity (noc/flow.h): a flow ends at the first event where no more
    // than this share of its bytes is left (0: when its last byte has left).
    double flow_tolerance = 0;
    // Flow and mixed fidelity: fill every flow's rate again at every event (the reference
    // the faster re-rating after flows end is tested against).
    bool flow_full_rerating = false;
};

struct NetworkStats {
    std::vector<uint64_t> channel_flits; // flits that crossed each channel
    std::vector<uint64_t> channel_busy;  // cycles each channel was occupied
    std::vector<uint64_t> router_flits;  // flits switched by each router
    uint64_t flit_hops = 0;              // router-to-router channel traversals
    uint64_t packets_sent = 0, packets_delivered = 0;
    uint64_t flits_sent = 0, flits_delivered = 0;
    uint64_t misrouted = 0; // packets whose tail reached a die other than their destination
    uint64_t kernel_activations = 0; // SystemC method activations of the network
    // flow and mixed fidelity: flows run, and those a transport window held below their
    // fair share at some re-rating (noc/flow.h), by the channel whose window held them
    uint64_t flows = 0, window_limited_flows = 0;
    // (the counts weigh each flow by its message's counts_for, noc/transport.h: with
    // --symmetry a message stands for its mirrored copies left off the network; the map
    // by channel counts the flows on the network only)
    std::map<uint32_t, uint64_t> window_limited_by_channel;
    // lossy link-types (noc/flow.h): bytes their ports dropped, and the flows that lost
    // some and waited their retransmit timeout
    double lost_bytes = 0;
    uint64_t retransmit_timeouts = 0;
    // flows whose burst into a marking (ECN) port their congestion control cut short
    uint64_t congestion_cut_flows = 0;
    bool deadlocked = false;
    std::string deadlock_report; // names the blocked routers
};

class Network;

// Seconds as whole picoseconds: the unit of the timelines kept in simulated time (a
// memory controller's, a die's DRAM bytes).
inline uint64_t picoseconds(double seconds)
{
    return static_cast<uint64_t>(std::llround(seconds * 1e12));
}

// Channel busy time over time, by class (0: injection, die to router; 1: ejection, router
// to die; 2: router to router), in windows of the network clock that double in length
// whenever the run outgrows max_windows of them (so memory stays bounded).
class UtilisationTimeline
{
  public:
    static constexpr int kClasses = 3;
    explicit UtilisationTimeline(uint64_t window_cycles = 1000, size_t max_windows = 2048)
        : window_(window_cycles ? window_cycles : 1), max_(max_windows < 2 ? 2 : max_windows)
    {
    }
    void add(int cls, uint64_t start, uint64_t len) { add_weighted(cls, start, len, 1.0); }
    // weight x the cycles of [start, start + len) each window holds (bytes a cycle, say)
    void add_weighted(int cls, uint64_t start, uint64_t len, double weight);
    uint64_t window_cycles() const { return window_; }
    const std::vector<std::array<double, kClasses>> &busy() const { return busy_; }

  private:
    uint64_t window_;
    size_t max_;
    std::vector<std::array<double, kClasses>> busy_;
};

// The fidelities (src/config/fidelity.h) behind the one Transport interface: flit
// (noc/flit.h), packet (noc/packet.h), flow (noc/flow.h), and mixed (noc/mixed.h: packet
// inside packages, wafers and nodes, flow on the links that leave them).
std::unique_ptr<Network> make_network(tess_noc_fidelity f, const char *name, const Topology &topo,
                                      const NetworkOptions &opt);
// Whether the fidelity can simulate every channel of topo: the flit fidelity moves a
// whole flit a cycle and has no lanes, so a link wider than its routers' flit is refused
// there (with *error naming it and the fidelities that carry it), never capped.
bool fidelity_fits(tess_noc_fidelity f, const Topology &topo, std::string *error);

// One channel's entry in a result: its name, platform link, source instance, utilisation.
tess_noc_link_use link_use(const Topology &topo, uint32_t channel, double utilisation);

class Network : public sc_core::sc_module, public Transport
{
  public:
    Network(sc_core::sc_module_name name, const Topology &topo, const NetworkOptions &opt);

    void set_client(TransportClient *client) override { client_ = client; }
    uint32_t endpoint_count() const override
    {
        return static_cast<uint32_t>(topo_.endpoints().size());
    }
    uint32_t endpoint_instance(uint32_t e) const override { return topo_.endpoints()[e].instance; }
    sc_core::sc_time clock_period() const override { return period_; }

    const NetworkStats &stats() const { return stats_; }
    // The circuit switch's configuration messages sent from now on are routed in (what
    // is in flight keeps its route); see circuits.h.
    void set_configuration(uint32_t k) { config_ = static_cast<uint8_t>(k); }
    uint32_t configuration() const { return config_; }
    // Cycles channel c has been busy so far (not counting what is booked for later).
    virtual uint64_t busy_cycles(uint32_t c) const { return stats_.channel_busy[c]; }
    const Topology &topology() const { return topo_; }
    // Records channel busy time over time into tl (nullptr: not at all) from now on.
    void set_timeline(UtilisationTimeline *tl) { timeline_ = tl; }
    // The class a channel counts under in a timeline (UtilisationTimeline).
    int channel_class(uint32_t c) const
    {
        const Channel &ch = topo_.channels()[c];
        return ch.from_router < 0 ? 0 : ch.to_router < 0 ? 1 : 2;
    }
    // Energy so far: bits through each channel and router times their energy per bit.
    double energy_joules() const;
    // The current cycle of the network clock (the edge at or after now).
    uint64_t now_cycle() const;
    // A message handed to send(): checked (an unknown endpoint or class throws), counted as
    // sent; returns the route state it starts with (its flow key, the configuration) and
    // its flits in *flits.
    RouteState accept(const Message &m, uint32_t *flits);
    // Counts m as misrouted when `last`, the channel it arrives on, ends elsewhere than at
    // its destination.
    void check_arrival(const Message &m, uint32_t last)
    {
        if (static_cast<uint32_t>(topo_.channels()[last].to_port) != m.dst) stats_.misrouted++;
    }
    // Counts `flits` crossing channel c, busy for len cycles from cycle start.
    void count_channel(uint32_t c, uint32_t flits, uint64_t start, uint64_t len)
    {
        stats_.channel_flits[c] += flits;
        occupy(c, start, len);
    }
    // Counts `flits` switched by router r (and, when `hop`, as router-to-router hops).
    void count_router(uint32_t r, uint32_t flits, bool hop)
    {
        stats_.router_flits[r] += flits;
        if (hop) stats_.flit_hops += flits;
    }
    uint32_t flits_of(uint64_t bytes) const
    {
        uint64_t f = (bytes + topo_.flit_bytes() - 1) / topo_.flit_bytes();
        return static_cast<uint32_t>(f ? f : 1);
    }

  protected:
    const Topology &topo_;
    NetworkOptions opt_;
    TransportClient *client_ = nullptr;
    sc_core::sc_time period_;
    uint64_t period_ps_;
    NetworkStats stats_;
    UtilisationTimeline *timeline_ = nullptr;
    uint8_t config_ = 0;
    // Channel c is busy for len cycles from cycle start: its counter, and the timeline.
    void occupy(uint32_t c, uint64_t start, uint64_t len)
    {
        stats_.channel_busy[c] += len;
        if (timeline_) timeline_->add(channel_class(c), start, len);
    }
    sc_core::sc_time time_of(uint64_t cycle) const
    {
        return sc_core::sc_time(static_cast<double>(cycle * period_ps_), sc_core::SC_PS);
    }
};

} // namespace tess::noc

#endif
