// `flow` fidelity: the fast model for scale-out and datacenter networks. A message is a
// flow over its route's channels; every active flow moves at its max-min fair share of
// the channels' bandwidth (progressive filling), re-rated whenever a flow starts or
// ends. A flow's tail arrives its path latency after its last byte left: the channels'
// latencies and serialisation of one flit and the routers' pipelines, as the packet
// fidelity's zero-load time, so an uncontended message takes the same time at both
// fidelities. Nothing is simulated between those events: one kernel event per start,
// end or delivery.
//
// Re-rating costs O(P log C) for P (flow, channel) pairs of the flows it fills and C
// channels they touch: a heap of channel shares, so it is not quadratic in links. Flows
// that start at one instant (a collective's step) or end at one instant share a single
// re-rating. When flows only end, the flows slower than the slowest of them keep their
// rates and only the others are filled again, which is exact: a flow f froze at its rate
// r_f, so no channel f crossed saturated below r_f, and every flow frozen below r_f was
// frozen by channels f does not cross, whose filling f's leaving does not change (an
// all-to-all's flows end fastest first: each end re-fills the few fast flows; the slow
// ones only take their rates off their channels). Any lower threshold is exact as well,
// so flows within 1e-9 of it (frozen with f, their rates rounded below f's) are filled
// again too. The heap's entries are updated lazily (rerate says why the freezes stay
// the same). A test compares both with filling every flow again at every event
// (NetworkOptions::flow_full_rerating) on random traffic. A flow may carry a rate cap of
// its own (the mixed network's flows fed by a slower packet-fidelity channel upstream):
// progressive filling freezes it there. A link-type's transport `window` caps every flow
// crossing it at window / its round trip (twice the flow's head latency over its path:
// the links' latencies, a flit's serialisation on each, the routers' pipelines), as a
// sender that waits for acknowledgements with a window in flight; NetworkStats counts the
// flows so held below their fair share.
// NetworkOptions::flow_tolerance (a share of a message, 0 by default: exact) ends a flow
// at the first event where no more than that share of its bytes is left, so that flows
// ending close together share one re-rating; such a flow's tail arrives early by at most
// tolerance x its bytes / its rate then, and the flows it leaves speed up that early.
// Messages from one endpoint to another go in order, each starting when the one before
// has left (a NIC's queue pair, the packet fidelity's injection queue): sharing the link
// between them instead would end them all together, and a ring whose member sends several
// steps at once (its left neighbour ran ahead while it was late) would pass that convoy
// round the ring, each hop taking the steps' whole time instead of one step's.
// A lossy link-type (transport="lossy": a drop-tail port, RoCE without PFC) drops what
// overflows its queue when flows start: the flows that start at one instant send their
// first window (the path's transport window, or the whole message) at their upstream
// rate (the slowest channel before the port), into a port whose rate is what the flows
// already there leave; the queue grows while they arrive faster than it drains, and
// once it holds `buffer` bytes the port drops each arrival's share of the excess
// (fluid drop-tail: each flow in proportion to its arrival rate). A flow that lost bytes
// has through only what the port had sent on of it before the first drop (its spare rate
// until then, shared by the arrivals' rates; go-back-N, as RoCE NICs recover: a receiver
// discards what follows a gap, and the bytes then queued are counted with the rest, a
// pessimism of at most `buffer` a port and burst, so that a port busy with other flows
// passes nothing for free), waits its retransmit timeout after its window's last byte
// left, then sends the rest at its fair share (as a sender whose congestion control has
// settled: no new loss round, no rate probing).
// A lossy port that marks (ECN: `ecn-threshold`, Channel::ecn_bytes) shortens those
// bursts as DCQCN senders do: each goes on at its rate for its round trip after the queue
// first held the threshold (the mark on to its receiver, the notification back), then cuts
// its rate to cc_decrease of it every cc_period until at most its share of the port's
// spare rate (that spare over the arrivals' rates), where it has settled: its burst, at
// every lossy port of its path, is what it sent until then, if less than its first
// window. The marking probability's ramp,
// DCQCN's overshoot below the fair share and its recovery, and the standing queue it keeps
// are not modelled.
// NetworkStats counts the bytes dropped and the flows that waited. A lossless link-type
// loses nothing; its `buffer` (credits) limits its rate in the topology, at every fidelity.
// What it leaves out: lossless buffers, head-of-line blocking and packet interleaving (a fair
// share is what a well-behaved network gives each flow in the long run).
#ifndef TESS_NOC_FLOW_H
#define TESS_NOC_FLOW_H

#include <deque>
#include <map>
#include <queue>
#include <tuple>
#include <vector>

#include "noc/network.h"

namespace tess::noc
{

class FlowNetwork : public Network
{
  public:
    SC_HAS_PROCESS(FlowNetwork);
    FlowNetwork(sc_core::sc_module_name name, const Topology &topo, const NetworkOptions &opt);
    void send(const Message &m) override;
    // Current rate of every active flow, bytes per cycle, in send order (for tests).
    std::vector<double> rates() const;
    uint64_t reratings() const { return reratings_; }

  protected:
    static constexpr uint32_t kDeliver = UINT32_MAX; // a pending event that delivers its message
    // Starts a flow of `flits` over the channels `path` now, at most `cap` bytes per cycle
    // (0: no cap of its own). When its tail has arrived at the far end of the path,
    // `leg` kDeliver hands the message to the client, any other calls arrived().
    // A flow of the same source, destination and leg still moving: this one waits for it,
    // and on an adaptive network is routed again from `from` (the route state at path's
    // first channel, extended as extend() does with `only`) when it starts, where that
    // ends on the same channel. Its flits are counted (count_path) when it starts.
    void start_flow(const Message &m, std::vector<uint32_t> path, uint32_t flits, double cap,
                    uint32_t leg, const RouteState &from, const std::vector<uint8_t> *only,
                    bool count_last);
    // Counts a flow's flits on the channels of path and on the routers they enter (the
    // last channel's only when count_last).
    void count_path(const std::vector<uint32_t> &path, uint32_t flits, bool count_last);
    // Cycles from a path's first flit entering to its head being ready to leave the last
    // router entered (each channel's latency and serialisation, each entered router's
    // pipeline).
    double head_latency(const std::vector<uint32_t> &path) const;
    // The channel a flow towards endpoint dst takes out of router r (st: the route state,
    // advanced): the routing's choice, or on an adaptive network the equally fast channel
    // carrying the fewest flows (ties: from the flow key on).
    uint32_t next_channel(uint32_t r, uint32_t dst, RouteState &st);
    // Extends path (its last channel's router onwards) router by router towards endpoint
    // dst, st advancing with it, to dst's ejection channel or, with `only`, up to the
    // first next channel `only` does not mark.
    void extend(std::vector<uint32_t> &path, uint32_t dst, RouteState &st,
                const std::vector<uint8_t> *only);
    const std::vector<uint32_t> &active() const { return active_; }
    // Something (leg) for m is due at `cycle`: run by the network's process then.
    void at(double cycle, const Message &m, uint32_t leg);
    // A leg other than kDeliver has come due (a derived network's continuation).
    virtual void arrived(const Message &m, uint32_t leg, double cycle);
    double now() const;

  private:
    struct Flow {
        Message msg;
        std::vector<uint32_t> path; // channels, injection to ejection
        double remaining;           // bytes still to leave
        double bytes;               // its whole size
        double rate = 0;            // bytes per cycle
        double cap = 0;             // the flow's own limit (0: none)
        bool windowed = false;      // the cap is its transport window's (window / round trip)
        uint32_t window_channel = UINT32_MAX; // the channel whose window is its path's least
        bool counted = false;                 // counted as window-limited
        double first_window = 0;              // bytes it sends before its first acknowledgement
        double stalled_until = 0;             // cycle its retransmit timeout ends (0: not waiting)
        double tail_latency;                  // cycles from the last byte leaving to its arrival
        double round_trip;                    // twice its head latency over its path (cycles)
        uint64_t seq;
        uint32_t leg;
    };
    struct Pending {
        double cycle;
        uint64_t seq;
        Message msg;
        uint32_t leg;
        bool operator>(const Pending &o) const
        {
            return cycle != o.cycle ? cycle > o.cycle : seq > o.seq;
        }
    };
    std::vector<Flow> flows_;     // slots: the active ones are listed in order_
    std::vector<uint32_t> order_; // active flows' slots, in send order
    std::vector<uint32_t> free_;  // slots to reuse
    std::priority_queue<Pending, std::vector<Pending>, std::greater<Pending>> pending_;
    // flows waiting for the one before them between the same endpoints (source,
    // destination, leg): a key is present while such a flow moves
    struct Waiting {
        Message msg;
        std::vector<uint32_t> path;
        uint32_t flits;
        double cap;
        RouteState from;                  // start_flow's
        const std::vector<uint8_t> *only; // start_flow's
        bool count_last;
    };
    using PairKey = std::tuple<uint32_t, uint32_t, uint32_t>;
    std::map<PairKey, std::deque<Waiting>> waiting_;
    void begin_flow(const Message &m, std::vector<uint32_t> path, uint32_t flits, double cap,
                    uint32_t leg, bool count_last);
    std::vector<double> capacity_;             // bytes per cycle of each channel
    std::vector<uint32_t> active_;             // flows on each channel
    std::vector<uint32_t> ports_;              // scratch: a router's equally fast output ports
    std::vector<std::vector<uint32_t>> users_; // per channel: the slots of the flows crossing
                                               // it (once a crossing), in send order
    // progressive-filling scratch, by channel (only touched entries are reset: mark_
    // holds the re-rating that last reset one) and by slot
    std::vector<double> left_;
    std::vector<uint32_t> unfrozen_, version_;
    std::vector<uint64_t> mark_;
    std::vector<char> refill_, frozen_;
    double tolerance_;   // NetworkOptions::flow_tolerance
    bool full_;          // NetworkOptions::flow_full_rerating
    double updated_ = 0; // cycle up to which remaining bytes are accounted
    uint64_t seq_ = 0, reratings_ = 0;
    bool dirty_ = false;          // flows started since the last re-rating
    bool lossy_ = false;          // some channel drops (Channel::drop_buffer)
    std::vector<uint32_t> fresh_; // flows started since the last re-rating (lossy_ only)
    // lossy ports: what the flows in fresh_ drop there; scratch for drop_bursts
    // by slot: bytes dropped, bytes through before the first drop, the burst a marking
    // port's congestion control let it send (INFINITY: its first window)
    std::vector<double> lost_, got_, burst_;
    std::vector<char> is_fresh_; // by slot: in fresh_
    void drop_bursts(double now);
    // a flow's arrival at a lossy port: its rate there, its slot, the bytes it bursts
    struct Arrival {
        double rate;
        uint32_t slot;
        double burst;
    };
    // The port's fluid queue under the arrivals (drop_bursts), draining at `drain`: with
    // mark > 0, when it first holds mark bytes (INFINITY: never); with mark 0, each
    // arrival's bytes lost once it holds buffer, and those through before, into lost_ and
    // got_.
    double port_queue(std::vector<Arrival> &in, double drain, double buffer, double mark);
    sc_core::sc_event wake_;

    void advance(double now);
    void rerate(double below); // fills the rates of the flows at `below` or faster
    void schedule();           // the next wake-up: the first pending event or flow end
    void on_wake();
};

} // namespace tess::noc

#endif
