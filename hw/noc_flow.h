// `flow` fidelity: the fast model for scale-out and datacenter networks. A message is a
// flow over its route's channels; every active flow moves at its max-min fair share of
// the channels' bandwidth (progressive filling), re-rated whenever a flow starts or
// ends. A flow's tail arrives its path latency after its last byte left: the channels'
// latencies and serialisation of one flit and the routers' pipelines, as the packet
// fidelity's zero-load time, so an uncontended message takes the same time at both
// fidelities. Nothing is simulated between those events: one kernel event per start,
// end or delivery.
//
// Re-rating costs O(P log C) for P (flow, channel) pairs of the active flows and C
// channels they touch: a heap of channel shares, so it is not quadratic in links. Flows
// that start at one instant (a collective's step) or end at one instant share a single
// re-rating.
// What it leaves out: buffers, head-of-line blocking and packet interleaving (a fair
// share is what a well-behaved network gives each flow in the long run).
#ifndef TESS_NOC_FLOW_H
#define TESS_NOC_FLOW_H

#include <queue>
#include <vector>

#include "noc_network.h"

namespace tess::noc {

class FlowNetwork : public Network {
public:
    SC_HAS_PROCESS(FlowNetwork);
    FlowNetwork(sc_core::sc_module_name name, const Topology &topo, const NetworkOptions &opt);
    void send(const Message &m) override;
    // Current rate of every active flow, bytes per cycle, in send order (for tests).
    std::vector<double> rates() const;
    uint64_t reratings() const { return reratings_; }

private:
    struct Flow {
        Message msg;
        std::vector<uint32_t> path; // channels, injection to ejection
        double remaining;           // bytes still to leave
        double rate = 0;            // bytes per cycle
        double tail_latency;        // cycles from the last byte leaving to its arrival
        uint64_t seq;
    };
    struct Delivery {
        double cycle;
        uint64_t seq;
        Message msg;
        bool operator>(const Delivery &o) const
        {
            return cycle != o.cycle ? cycle > o.cycle : seq > o.seq;
        }
    };
    std::vector<Flow> flows_; // active, in send order
    std::priority_queue<Delivery, std::vector<Delivery>, std::greater<Delivery>> deliveries_;
    std::vector<double> capacity_; // bytes per cycle of each channel
    // progressive-filling scratch, indexed by channel; only touched entries are reset
    std::vector<double> left_;
    std::vector<uint32_t> unfrozen_, version_;
    std::vector<std::vector<uint32_t>> users_;
    double updated_ = 0; // cycle up to which remaining bytes are accounted
    uint64_t seq_ = 0, reratings_ = 0;
    bool dirty_ = false; // flows started since the last re-rating
    sc_core::sc_event wake_;

    double now() const;
    void advance(double now);
    void rerate();
    void schedule(double now);
    void on_wake();
};

} // namespace tess::noc

#endif
