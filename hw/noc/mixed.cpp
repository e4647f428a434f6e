// `mixed` fidelity: see mixed.h.
#include "noc/mixed.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace tess::noc
{

MixedNetwork::MixedNetwork(sc_core::sc_module_name name, const Topology &topo,
                           const NetworkOptions &opt)
    : FlowNetwork(name, topo, opt), path_(*this)
{
    flow_channel_.resize(topo.channels().size());
    for (size_t c = 0; c < flow_channel_.size(); c++)
        flow_channel_[c] = topo.channels()[c].scale_out;
}

uint64_t MixedNetwork::busy_cycles(uint32_t c) const
{
    return path_.busy_cycles(c);
}

uint32_t MixedNetwork::new_leg(uint32_t channel, const Head &up)
{
    uint32_t k;
    if (!free_legs_.empty()) {
        k = free_legs_.back();
        free_legs_.pop_back();
    } else {
        k = static_cast<uint32_t>(legs_.size());
        legs_.emplace_back();
    }
    legs_[k] = Leg{};
    legs_[k].channel = channel;
    legs_[k].up = up;
    return k;
}

void MixedNetwork::deliver_at(const Message &m, const Head &h, double tail)
{
    check_arrival(m, h.channel);
    at(tail, m, kDeliver);
}

void MixedNetwork::send(const Message &m)
{
    uint32_t flits;
    Head h;
    h.st = accept(m, &flits);
    const uint32_t inject = topo_.endpoints()[m.src].inject;
    if (flow_channel_[inject]) { // a die on a scale-out link: a flow from the start
        h.pace = 0;              // no cap from upstream
        start_segment(m, new_leg(inject, h));
        return;
    }
    h = path_.enter(inject, now_cycle(), 1, flits, h.st, static_cast<uint8_t>(m.cls));
    uint64_t ready = 0;
    const uint32_t c = path_.walk(h, m.dst, flits, &flow_channel_, &ready, false, &active());
    if (c == UINT32_MAX)
        deliver_at(m, h, static_cast<double>(h.head + pace_cycles(flits - 1, h.pace)));
    else
        at(static_cast<double>(ready), m, new_leg(c, h));
}

// Now: the flow part from legs_[leg].channel to the next router whose route leaves the
// flow channels (or to the destination) starts, and the packet part after it is booked.
void MixedNetwork::start_segment(const Message &m, uint32_t leg)
{
    const auto &channels = topo_.channels();
    const uint32_t flits = flits_of(m.bytes);
    Leg &L = legs_[leg];
    RouteState st = L.up.st;
    const RouteState from = st;
    std::vector<uint32_t> flow{L.channel};
    extend(flow, m.dst, st, &flow_channel_);
    // (start_flow counts its flits; a router the flow ends at is counted by the packet part)
    const double cap = L.up.pace ? static_cast<double>(topo_.flit_bytes()) * kPaceUnit /
                                       static_cast<double>(L.up.pace)
                                 : 0;
    const uint32_t last = flow.back();
    if (channels[last].to_router < 0) { // the flow reaches the destination
        check_arrival(m, last);
        free_legs_.push_back(leg);
        start_flow(m, std::move(flow), flits, cap, kDeliver, from, &flow_channel_, false);
        return;
    }
    // the packet part after the flow, booked from when the flow's head reaches it; a
    // router there that stores and forwards sends the message on once it is whole: then
    // it is booked when the flow's tail arrives (arrived)
    const uint32_t k = static_cast<uint32_t>(channels[last].to_router);
    const Router &rk = topo_.routers()[k];
    L.stored = topo_.stores_towards(last, m.dst);
    Head d;
    d.channel = last;
    d.head = now_cycle() + static_cast<uint64_t>(std::llround(head_latency(flow))) - rk.pipeline;
    d.pace = 1; // the next channel's own
    d.st = st;
    d.through = 0;
    if (!L.stored)
        L.next = path_.walk(d, m.dst, flits, &flow_channel_, &L.next_ready, true, &active());
    L.down = d;
    L.started = true;
    start_flow(m, std::move(flow), flits, cap, leg, from, &flow_channel_, false);
}

void MixedNetwork::arrived(const Message &m, uint32_t leg, double cycle)
{
    Leg &L = legs_[leg];
    if (!L.started) { // a flow's start has come due
        start_segment(m, leg);
        return;
    }
    const uint32_t flits = flits_of(m.bytes);
    double tail;
    if (L.stored) { // the whole message is at the relay, its pipeline done: booked from now
        Head d = L.down;
        const Router &rk =
            topo_.routers()[static_cast<uint32_t>(topo_.channels()[d.channel].to_router)];
        d.head = static_cast<uint64_t>(std::ceil(cycle - 1e-9)) - rk.pipeline;
        L.next = path_.walk(d, m.dst, flits, &flow_channel_, &L.next_ready, true, &active());
        L.down = d;
        tail = static_cast<double>(d.head + pace_cycles(flits - 1, d.pace));
    } else { // the flow's tail is at the router after it, its pipeline done: it crosses the
             // booked packet part as a lone flit would
        tail = cycle + static_cast<double>(L.down.through);
    }
    if (L.next == UINT32_MAX) {
        const Head d = L.down;
        free_legs_.push_back(leg);
        deliver_at(m, d,
                   std::max(tail, static_cast<double>(d.head + pace_cycles(flits - 1, d.pace))));
        return;
    }
    // the next flow: cut through after a packet part booked here (stored), else store and
    // forward (the packet part was booked before the flow's pace was known)
    const double start = L.stored ? static_cast<double>(L.next_ready)
                                  : std::max(tail, static_cast<double>(L.next_ready));
    const Leg next = L;
    L = Leg{};
    L.channel = next.next;
    L.up = next.down;
    at(start, m, leg);
}

} // namespace tess::noc
