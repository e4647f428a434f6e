// `packet` fidelity: the fast default. Cut-through switching with per-channel
// reservations: when a message is sent, its whole path is booked at once. At each
// router the head may leave `pipeline` cycles after it arrived, on the earliest
// interval of its output channel that is free for the packet's length (first fit,
// so a later packet can use a gap an earlier one left) and at which the next router's
// input has a free virtual channel for it; the tail follows (flits - 1) x the pace of the
// slowest channel so far after the head (a wide channel after a narrow one is held at the
// narrow one's pace). One kernel event per delivered message; nothing is simulated
// between injection and delivery.
//
// Finite buffers at packet granularity: a router's input holds, per VC group (message
// class, dateline class: the flit fidelity's split), one packet per VC when the upstream
// releases a VC on its tail's credit, else as many whole packets as a VC's buffer-flits
// hold. A packet claims its place when its VC is allocated upstream (from pipeline - 1
// cycles before its head is through the pipeline; it crosses a cycle after the claim at the
// earliest, as the flit router's switch allocation follows its VC allocation) and holds
// it until its tail has left that router and the credit is back upstream (credit-delay,
// or the channel's latency): the flit router's rule. A head that finds no place
// waits where it is, holding the place it has: backpressure, and head-of-line blocking of
// everything queued behind it on its output, follow. Dies (ejection) and routers that store and
// forward take any number. Like a channel's intervals, a place's holds are intervals: a
// message booked later that reaches the router earlier takes a gap it fits in.
//
// Trains: over a link whose link-type has a max-packet, a longer message is a train of
// packets interleaving with others' packets in the VCs and on the outputs: it holds the
// places at that link's router for its first packet only, from its start across the link
// until that packet has left and the credit is back, never while waiting for an output
// (the channels are still booked for the whole train, one train after another).
//
// What it leaves out, by design: a destination cannot refuse a message, contention is
// resolved in the order messages are sent rather than the order they reach a channel,
// and allocation is ideal (an output serves whichever packet is ready first, where the
// flit fidelity's separable allocator can leave an output idle). It cannot deadlock:
// every place booked has an end. tests/test_noc.cpp checks saturation and latency
// against the flit fidelity.
#ifndef TESS_NOC_PACKET_H
#define TESS_NOC_PACKET_H

#include <queue>
#include <vector>

#include "noc/network.h"

namespace tess::noc
{

// Where a message's head is while its path is booked channel by channel.
struct Head {
    uint32_t channel = 0;      // the channel booked last
    uint64_t head = 0;         // cycle its head has crossed that channel
    uint64_t pace = kPaceUnit; // cycles per flit of the slowest channel so far (fixed point)
    RouteState st;
    // cycles a lone flit would take over the channels booked so far, each one's latency,
    // serialisation and the pipeline of the router it enters (what the tail still needs
    // after it has caught up)
    uint64_t through = 0;
    uint64_t start = 0;   // cycle its head started across `channel`
    bool claimed = false; // holds places at `channel`'s router, given back by release()
    uint32_t place = 0;   // the one place it holds (UINT32_MAX: several, marked pending)
    uint32_t held = 0;    // the flits whose places it holds: the message's, or its first
                          // packet's where its channel's link carries it as a train
    uint8_t cls = 0;      // message class
};

// The packet fidelity's mechanism, shared by the packet and mixed networks: per-channel
// reservations and the walk that books a message's path router by router.
class PacketPath
{
  public:
    explicit PacketPath(Network &net);
    // Books channel c for `flits` flits whose head may enter at `earliest` and which come
    // no faster than `pace` (fixed point, kPaceUnit a cycle) apart; returns the head's place after
    // c. A router's output claims the next input's place `lead` cycles before the head may leave
    // (its VC allocation; 0 from a die).
    Head enter(uint32_t c, uint64_t earliest, uint64_t pace, uint32_t flits, const RouteState &st,
               uint8_t cls = 0, uint64_t lead = 0);
    // Books h's message on towards endpoint dst, router by router, until it is on dst's
    // ejection channel (returns UINT32_MAX) or the next channel is one `stop` marks:
    // returns that channel, unbooked, with *ready the cycle its head may take it (h keeps
    // the route state and pace for it). Adaptive networks take the equally fast next hop
    // free first; a router that stores and forwards holds the head until the tail is in
    // (not at the first router when `whole`: the caller accounts for that one).
    // `flows` (per channel, the flows on it): on an adaptive network, when every
    // candidate is a `stop` channel (a flow network's, never booked here), the one
    // carrying the fewest flows is taken.
    uint32_t walk(Head &h, uint32_t dst, uint32_t flits, const std::vector<uint8_t> *stop,
                  uint64_t *ready, bool whole = false,
                  const std::vector<uint32_t> *flows = nullptr);
    // Channel c's busy cycles up to now: the network's count less what is booked after now
    // (bookings reach into the future), so a saturated channel reads at most 100% busy.
    uint64_t busy_cycles(uint32_t c) const;

  private:
    Network &net_;
    const Topology &topo_;
    // Busy intervals [start, end) of one channel, sorted, none ending before "now".
    std::vector<std::vector<std::pair<uint64_t, uint64_t>>> booked_;
    std::vector<uint32_t> ports_; // scratch: a router's candidate output ports
    // Places at each channel's downstream router input, per VC group (first_place_[g] to
    // first_place_[g + 1]): each place's holds [from, to), sorted by from (those over by
    // now dropped when the place is next taken); `to` is kPending while the message being
    // booked holds it (its end known once its next channel is booked). Messages are booked
    // in the order they are sent, which is not the order they reach a router: like a
    // channel's intervals, a place's gap before a later hold takes a message that fits.
    static constexpr uint64_t kPending = UINT64_MAX;
    using Holds = std::vector<std::pair<uint64_t, uint64_t>>;
    std::vector<uint32_t> first_place_;
    static constexpr uint64_t kMaxPlaces = 1u << 24;  // ~0.9 GiB of per-place state (57 B)
    std::vector<Holds> holds_;                        // all but the last
    std::vector<std::pair<uint64_t, uint64_t>> last_; // the last ({0, 0}: none)
    // per place: some of its holds overlap (one outlasted the gap it took), so a search
    // for a gap reads them all rather than from the last one starting in time
    std::vector<uint8_t> tangled_;
    // per place: the latest end of its holds (0: none; kPending while one is pending), and
    // of those dropped (over by the time a later claim took the place): a place's order
    // among those free at once prefers the one whose last hold ended latest
    std::vector<uint64_t> latest_, gone_;
    struct Pick { // a place a claim considers: free from `at` (for good when `open`)
        uint64_t at;
        bool open;
        uint64_t prev; // the end of its hold before `at`
        uint32_t p;
    };
    std::vector<Pick> picks_;                         // scratch
    std::vector<std::pair<uint64_t, uint32_t>> free_; // scratch
    unsigned groups_ = 1; // VC groups per channel: message classes x dateline classes

    uint32_t group(uint32_t c, const RouteState &st, uint8_t cls) const
    {
        return c * groups_ + cls * topo_.dateline_classes() + st.dateline;
    }
    // Claims `need` places of group g at the earliest cycle >= t they are free for at
    // least `hold` cycles; returns it, with the place in *place when it is one (else
    // UINT32_MAX).
    uint64_t claim(uint32_t g, uint32_t need, uint64_t t, uint64_t hold, uint32_t *place);
    // Place p's earliest cycle >= t free for `hold` cycles (free from then on when
    // *open), and the end of the hold before it in *prev.
    uint64_t place_free(uint32_t p, uint64_t t, uint64_t hold, bool *open, uint64_t *prev) const;
    // Per channel: places per VC at its router, the most one packet takes (1: a VC
    // each; 0: unlimited).
    std::vector<uint32_t> depth_;
    // h's place at its channel's router is held until the tail of what it holds has
    // left, its head having started on the next channel at `start` with flits `pace`
    // apart, plus the credit's way back.
    void release(const Head &h, uint64_t start, uint64_t pace);
    // h's pending places held until `end`.
    void settle(const Head &h, uint64_t end);

    // Books `length` cycles on channel c at or after `earliest`; returns the start.
    uint64_t book(uint32_t c, uint64_t earliest, uint64_t length, uint64_t now);
    // The start a booking would get, without booking.
    uint64_t probe(uint32_t c, uint64_t earliest, uint64_t length) const;
};

class PacketNetwork : public Network
{
  public:
    SC_HAS_PROCESS(PacketNetwork);
    PacketNetwork(sc_core::sc_module_name name, const Topology &topo, const NetworkOptions &opt);
    void send(const Message &m) override;
    // Bookings reach into the future (the whole path is booked at send): only their part
    // up to now counts, so a saturated channel reads at most 100% busy.
    uint64_t busy_cycles(uint32_t c) const override;

  private:
    struct Delivery {
        uint64_t cycle;
        uint64_t seq; // send order, for a deterministic tie-break
        Message msg;
        bool operator>(const Delivery &o) const
        {
            return cycle != o.cycle ? cycle > o.cycle : seq > o.seq;
        }
    };
    PacketPath path_;
    std::priority_queue<Delivery, std::vector<Delivery>, std::greater<Delivery>> deliveries_;
    uint64_t seq_ = 0;
    sc_core::sc_event wake_;

    void on_wake();
};

} // namespace tess::noc

#endif
