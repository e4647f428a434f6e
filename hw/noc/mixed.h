// `mixed` fidelity: one network, two models. Channels inside packages, wafers and nodes
// (the NoPs, a node's NVSwitch) run at packet fidelity, booked hop by hop; channels whose
// links leave them (scale-out and datacenter links, Channel::scale_out) run as max-min
// fair flows. A message crossing both is handed from one to the other where its route
// changes model:
//  - packet -> flow: the flow starts when the head may leave the boundary router, capped
//    at the pace the packet part delivers flits (so it cannot outrun its source);
//  - flow -> packet: when the flow starts, the channels after it are booked for the
//    message from the time its head reaches them (at their own pace); the tail is
//    delivered at the later of that booking's tail and the flow's tail plus the lone-flit
//    time over those channels (cut-through at both boundaries: an uncontended message
//    takes the packet fidelity's zero-load time, within one flit's serialisation);
//  - a message that goes flow -> packet -> flow starts its second flow when the first
//    one's tail has reached it (store and forward there; no bundled platform routes so).
// On a platform with no scale-out channel it is the packet fidelity exactly.
#ifndef TESS_NOC_MIXED_H
#define TESS_NOC_MIXED_H

#include <vector>

#include "noc/flow.h"
#include "noc/packet.h"

namespace tess::noc
{

class MixedNetwork : public FlowNetwork
{
  public:
    MixedNetwork(sc_core::sc_module_name name, const Topology &topo, const NetworkOptions &opt);
    void send(const Message &m) override;
    uint64_t busy_cycles(uint32_t c) const override;

  private:
    // A message's way across a model boundary, between two pending events.
    struct Leg {
        bool started = false;       // false: a flow is to start on `channel`; true: it runs
        uint32_t channel = 0;       // the first flow channel
        Head up;                    // the packet part before it (pace, route state for channel)
        Head down;                  // the packet part booked after the flow
        uint32_t next = UINT32_MAX; // the next flow channel after `down`, or none
        uint64_t next_ready = 0;    // the cycle down's head may take it
        bool stored = false;        // the router after the flow stores and forwards it
    };
    PacketPath path_;
    std::vector<uint8_t> flow_channel_; // per channel: runs as flows
    std::vector<Leg> legs_;
    std::vector<uint32_t> free_legs_;

    uint32_t new_leg(uint32_t channel, const Head &up);
    void start_segment(const Message &m, uint32_t leg);
    void arrived(const Message &m, uint32_t leg, double cycle) override;
    void deliver_at(const Message &m, const Head &h, double tail);
};

} // namespace tess::noc

#endif
