// `flit` fidelity: the accuracy reference. Input-queued virtual-channel routers with
// credit-based flow control and wormhole switching, advanced cycle by cycle while any
// flit is in the network, and not at all while it is empty.
//
// Per router and cycle (router.cpp): route computation and VC allocation for head
// flits (each output port grants one free VC a cycle, round-robin), then switch
// allocation by the router's policy (allocator.h: separable input-first, iSLIP or
// wavefront). A flit that arrives at cycle a may cross the switch at a + pipeline at the
// earliest and arrives downstream latency cycles later (plus cycles-per-flit - 1 when the
// link is narrower than a flit). Credits return to the upstream output VC after the
// channel's credit delay. Endpoints (dies) inject through a network interface with its
// own VCs and credits, one flit per cycle, a new packet on the next free VC round-robin
// (given back as the router it feeds gives back its own), and consume one flit per cycle,
// asking the client before the head of each message.
//
// All routers and links share one clock. Everything between routers goes through a
// timing wheel of at least one cycle, so routers stepped in the same cycle never see
// each other's effects in that cycle, and their order does not matter.
#ifndef TESS_NOC_FLIT_H
#define TESS_NOC_FLIT_H

#include <deque>
#include <vector>

#include "noc/network.h"

namespace tess::noc
{

class FlitNetwork : public Network
{
  public:
    SC_HAS_PROCESS(FlitNetwork);
    FlitNetwork(sc_core::sc_module_name name, const Topology &topo, const NetworkOptions &opt);
    void send(const Message &m) override;

  private:
    struct Flit {
        uint32_t packet;
        uint32_t seq;   // index within the packet
        uint64_t ready; // earliest cycle it may leave its buffer
    };
    struct Packet {
        Message msg;
        uint64_t created;
        uint32_t flits;
        uint32_t delivered;
        RouteState rs; // state for the channel the head is entering
        // one of a train of packets (its message longer than its die's link's
        // max-packet): the train's index in trains_left_, else UINT32_MAX
        uint32_t train;
        bool first; // the first packet of its message (the destination accepts it)
    };
    enum VcState : uint8_t { kIdle, kWaitVc, kActive };
    struct InputVc {
        uint32_t head = 0, count = 0; // ring buffer in buf_
        int32_t out_port = -1, out_vc = -1;
        RouteState next_rs;    // routing state on the chosen output
        uint64_t va_cycle = 0; // cycle its output VC was allocated
        uint8_t state = kIdle;
        uint8_t accepted = 0; // endpoints: the client accepted the message at the head
    };
    struct OutputVc {
        int32_t credits = 0;
        int32_t owner = -1;    // input VC (global index) holding it, -1 free
        uint8_t tail_sent = 0; // tail-credit release: free once every credit is back
    };
    struct Event {
        uint32_t target;   // VC (arrival: its input end; credit: its output end)
        uint32_t endpoint; // arrival at an endpoint: which one
        uint8_t credit;
        Flit flit;
    };

    // VCs are numbered per channel: VC v of channel c is vc_base_[c] + v. The same
    // number names its input end (buffer, state) and its output end (credits, owner).
    std::vector<uint32_t> vc_base_, vc_count_; // per channel
    std::vector<uint32_t> vc_depth_;           // per VC: buffer depth
    std::vector<uint32_t> buf_base_;           // per VC: first slot in buf_
    std::vector<int32_t> ivc_router_;          // per VC: router it enters, -1 an endpoint
    std::vector<Flit> buf_;
    std::vector<InputVc> ivc_;
    std::vector<OutputVc> ovc_;
    std::vector<uint64_t> busy_until_;    // per channel: first cycle it is free
    std::vector<uint32_t> held_;          // per channel: flits in its input buffers
    std::vector<uint32_t> channel_of_vc_; // per VC: its channel
    std::vector<uint32_t> port_base_;     // per router: first (router, port) slot
    std::vector<uint32_t> xbar_base_;     // per router: first (router, crossbar input) slot
    std::vector<uint32_t> in_rr_;         // per (router, crossbar input): its VC pointer
    std::vector<uint32_t> accept_rr_;     // islip: per (router, crossbar input): accept pointer
    std::vector<uint32_t> out_rr_;        // per (router, output port): its input pointer
    std::vector<uint32_t> va_rr_;         // per (router, output port): VC allocation pointer
    std::vector<uint32_t> ivc_total_;     // per router: its input VCs
    std::vector<uint32_t> ep_rr_;         // per endpoint: ejection / injection round robin

    std::vector<Packet> packets_;
    std::vector<uint32_t> free_packets_;
    std::vector<uint32_t> trains_left_; // per train, its packets not yet delivered
    std::vector<uint32_t> free_trains_;
    std::vector<std::deque<uint32_t>> source_[kMaxMessageClasses]; // per endpoint
    std::vector<int32_t> injecting_[kMaxMessageClasses]; // per endpoint: packet in flight or -1
    std::vector<uint32_t> next_seq_[kMaxMessageClasses]; // next flit of that packet
    std::vector<int32_t> inject_vc_[kMaxMessageClasses]; // its output VC

    std::vector<std::vector<Event>> wheel_;
    uint64_t wheel_mask_ = 0;
    uint64_t wheel_pending_ = 0;

    std::vector<char> router_active_, endpoint_active_;
    std::vector<uint32_t> active_routers_, active_endpoints_;
    std::vector<std::pair<Message, uint64_t>> pending_sends_;

    uint64_t now_ = 0;
    uint64_t in_network_ = 0; // flits in buffers or on links
    uint64_t last_progress_ = 0;
    bool scheduled_ = false; // a wake-up is pending
    uint64_t scheduled_cycle_ = 0;
    bool settling_ = false;
    sc_core::sc_event wake_;

    // reusable per-step scratch
    std::vector<int32_t> request_; // per (crossbar input, output port): the VC offered or -1
    uint32_t dirty_cells_ = 0;     // request_ cells the last step set (0: none; that step skips
                                   // allocation and traversal)
    std::vector<int32_t> grant_;   // per output port: the crossbar input granted or -1
    std::vector<int32_t> pick_;    // allocators' scratch, per crossbar input or output
    std::vector<char> matched_;    // allocators' scratch, per crossbar input
    std::vector<int32_t> va_pick_; // per output port: the input VC granted an output VC, or -1
    std::vector<uint32_t> va_slot_, va_dist_; // its place among the input VCs, rr distance

    void on_wake();
    void run_cycle();
    void schedule(uint64_t at, const Event &e);
    void activate_router(uint32_t r);
    void activate_endpoint(uint32_t e);
    // the router's pipeline (router.cpp): one cycle of router r; true while it holds flits
    bool step_router(uint32_t r);
    bool nominate(uint32_t r); // route; VC and switch requests
    void route_head(uint32_t r, InputVc &iv, const Packet &pkt);
    int32_t free_vc(uint32_t c_out, const InputVc &iv, const Packet &pkt) const;
    void grant_vcs(uint32_t r);       // the VC grants nominate chose, one per output port
    void allocate_switch(uint32_t r); // one crossbar input per output port
    void traverse(uint32_t r);        // the granted flits cross switch and link
    bool inject(uint32_t e);
    bool eject(uint32_t e);
    void push_flit(uint32_t ivc, Flit f);
    void report_deadlock();
    void schedule_next();
};

} // namespace tess::noc

#endif
