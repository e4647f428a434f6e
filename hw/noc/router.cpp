// The router of `flit` fidelity (FlitNetwork, flit.h): an input-queued virtual-channel
// router, one cycle of its pipeline per call of step_router.
//
//   1. route computation (topology's routing; among adaptive candidates the output with
//      the most free credits) for the head flit of each input VC, and VC allocation: each
//      output port grants one of its free VCs a cycle, to the waiting head nearest its
//      round-robin pointer over the router's input VCs (a separable allocator's output
//      stage; a head waits for a VC of its message and dateline class);
//   2. switch allocation by the router's `allocator` policy (allocator.h) over the
//      requests of crossbar inputs: with speedup S, VC v of a port feeds crossbar input
//      v mod S, which offers each output the ready VC nearest its round-robin pointer
//      (one that holds an output VC, a credit and a free link, its flit through the
//      pipeline, and a cycle past its VC allocation);
//   3. switch and link traversal of the granted flits: a credit goes back upstream, the
//      flit arrives downstream after the link's latency, and the tail releases its
//      output VC (at once, or when its last credit returns).
#include "noc/flit.h"
#include "noc/allocator.h"

#include <algorithm>
#include <stdexcept>

namespace tess::noc
{

void FlitNetwork::route_head(uint32_t r, InputVc &iv, const Packet &pkt)
{
    const Router &R = topo_.routers()[r];
    const unsigned m = static_cast<unsigned>(pkt.msg.cls);
    uint32_t ports[3];
    RouteState next[3];
    const int nc = topo_.route(r, pkt.msg.dst, pkt.rs, ports, next);
    if (nc == 0) throw std::logic_error("noc: no route");
    int best = 0;
    if (nc > 1) { // adaptive: the candidate with the most credits free
        int32_t best_free = -1;
        for (int i = 0; i < nc; i++) {
            uint32_t c_out = R.out_channel[ports[i]], first, count;
            topo_.vc_range(vc_count_[c_out], m, next[i].dateline, &first, &count);
            int32_t free_credits = 0;
            for (uint32_t q = 0; q < count; q++) {
                const OutputVc &o = ovc_[vc_base_[c_out] + first + q];
                if (o.owner < 0) free_credits += o.credits;
            }
            if (free_credits > best_free) {
                best_free = free_credits;
                best = i;
            }
        }
    }
    iv.out_port = static_cast<int32_t>(ports[best]);
    iv.next_rs = next[best];
    iv.state = kWaitVc;
}

int32_t FlitNetwork::free_vc(uint32_t c_out, const InputVc &iv, const Packet &pkt) const
{
    uint32_t first, count;
    topo_.vc_range(vc_count_[c_out], static_cast<unsigned>(pkt.msg.cls), iv.next_rs.dateline,
                   &first, &count);
    for (uint32_t q = 0; q < count; q++)
        if (ovc_[vc_base_[c_out] + first + q].owner < 0) return static_cast<int32_t>(first + q);
    return -1;
}

// The router's input VCs in one pass: route computation for new heads, the heads waiting
// for a VC offered to their output port's VC arbiter, and the VCs ready to cross offered
// to the switch allocator. A head granted its VC this cycle requests the switch from the
// next cycle on, so the order of the two allocations within a cycle does not matter.
bool FlitNetwork::nominate(uint32_t r)
{
    const Router &R = topo_.routers()[r];
    const uint32_t P = static_cast<uint32_t>(R.in_channel.size()), S = R.speedup;
    // request_ is every router's scratch: clear what the last step that requested wrote
    std::fill(request_.begin(), request_.begin() + dirty_cells_, -1);
    dirty_cells_ = 0;
    for (uint32_t o = 0; o < P; o++)
        va_pick_[o] = -1;
    const uint32_t total = ivc_total_[r];
    bool holds = false, waiting = false;
    uint32_t slot = 0;
    for (uint32_t p = 0; p < P; p++) {
        const uint32_t c_in = R.in_channel[p];
        const uint32_t base = vc_base_[c_in], n = vc_count_[c_in];
        if (held_[c_in] == 0) {
            slot += n;
            continue;
        }
        for (uint32_t v = 0; v < n; v++, slot++) {
            InputVc &iv = ivc_[base + v];
            if (iv.count == 0) continue;
            holds = true;
            const Flit &f = buf_[buf_base_[base + v] + iv.head];
            if (iv.state == kIdle) route_head(r, iv, packets_[f.packet]);
            const uint32_t o = static_cast<uint32_t>(iv.out_port);
            const uint32_t c_out = R.out_channel[o];
            if (iv.state == kWaitVc) {
                // VC allocation: each output port's arbiter, round-robin over the router's
                // input VCs, among heads with a free VC of their class
                if (free_vc(c_out, iv, packets_[f.packet]) < 0) continue;
                uint32_t dist = slot + total - va_rr_[port_base_[r] + o];
                if (dist >= total) dist -= total;
                if (va_pick_[o] < 0 || dist < va_dist_[o]) {
                    va_pick_[o] = static_cast<int32_t>(base + v);
                    va_slot_[o] = slot;
                    va_dist_[o] = dist;
                    waiting = true;
                }
                continue;
            }
            // switch allocation: the front flit through the pipeline and a cycle past its
            // VC allocation, with a credit and a free link
            if (f.ready > now_ || busy_until_[c_out] > now_) continue;
            if (iv.va_cycle >= now_ && f.seq == 0) continue;
            if (ovc_[vc_base_[c_out] + static_cast<uint32_t>(iv.out_vc)].credits <= 0) continue;
            // VC v feeds crossbar input q = v mod S, which offers each output the VC
            // nearest its round-robin pointer: VCs come in rising order, so the first at or
            // past the pointer, else the first of all
            const uint32_t q = p * S + v % S;
            dirty_cells_ = P * S * P;
            int32_t &cell = request_[q * P + o];
            const uint32_t ptr = in_rr_[xbar_base_[r] + q];
            if (cell < 0 || (v >= ptr && static_cast<uint32_t>(cell) < ptr))
                cell = static_cast<int32_t>(v);
        }
    }
    if (waiting) grant_vcs(r);
    return holds;
}

void FlitNetwork::grant_vcs(uint32_t r)
{
    const Router &R = topo_.routers()[r];
    const uint32_t P = static_cast<uint32_t>(R.in_channel.size());
    const uint32_t total = ivc_total_[r];
    for (uint32_t o = 0; o < P; o++) {
        if (va_pick_[o] < 0) continue;
        const uint32_t ivc = static_cast<uint32_t>(va_pick_[o]);
        InputVc &iv = ivc_[ivc];
        Packet &pkt = packets_[buf_[buf_base_[ivc] + iv.head].packet];
        const uint32_t c_out = R.out_channel[o];
        const int32_t vc = free_vc(c_out, iv, pkt);
        ovc_[vc_base_[c_out] + static_cast<uint32_t>(vc)].owner = va_pick_[o];
        iv.out_vc = vc;
        iv.state = kActive;
        iv.va_cycle = now_;
        pkt.rs = iv.next_rs;
        va_rr_[port_base_[r] + o] = va_slot_[o] + 1 == total ? 0 : va_slot_[o] + 1;
    }
}

void FlitNetwork::allocate_switch(uint32_t r)
{
    const Router &R = topo_.routers()[r];
    const uint32_t P = static_cast<uint32_t>(R.in_channel.size()), S = R.speedup;
    const SwitchRequests req{P * S, P, request_.data()};
    uint32_t *out_rr = &out_rr_[port_base_[r]];
    switch (R.allocator) {
    case TESS_ALLOCATOR_SEPARABLE_INPUT_FIRST:
        allocate_input_first(req, R.vcs, &in_rr_[xbar_base_[r]], out_rr, grant_.data(),
                             pick_.data());
        break;
    case TESS_ALLOCATOR_ISLIP:
        allocate_islip(req, R.allocator_iterations, out_rr, &accept_rr_[xbar_base_[r]],
                       grant_.data(), matched_.data(), pick_.data());
        break;
    case TESS_ALLOCATOR_WAVEFRONT: {
        // the priority diagonal moves one every cycle, whether or not the router allocates
        uint32_t diagonal = static_cast<uint32_t>(now_ % (P * S)); // N = inputs >= outputs
        allocate_wavefront(req, &diagonal, grant_.data(), matched_.data());
        break;
    }
    }
}

void FlitNetwork::traverse(uint32_t r)
{
    const Router &R = topo_.routers()[r];
    const auto &channels = topo_.channels();
    const uint32_t P = static_cast<uint32_t>(R.in_channel.size()), S = R.speedup;
    for (uint32_t o = 0; o < P; o++) {
        if (grant_[o] < 0) continue;
        const uint32_t q = static_cast<uint32_t>(grant_[o]);
        const uint32_t p = q / S;
        const uint32_t c_in = R.in_channel[p];
        const uint32_t v = static_cast<uint32_t>(request_[q * P + o]);
        const uint32_t ivc = vc_base_[c_in] + v;
        InputVc &iv = ivc_[ivc];
        Flit f = buf_[buf_base_[ivc] + iv.head];
        iv.head = (iv.head + 1) % vc_depth_[ivc];
        iv.count--;
        held_[c_in]--;
        const uint32_t c_out = R.out_channel[o];
        const Channel &ch = channels[c_out];
        const uint32_t ovc = vc_base_[c_out] + static_cast<uint32_t>(iv.out_vc);
        ovc_[ovc].credits--;
        busy_until_[c_out] = now_ + ch.cycles_per_flit();
        const uint64_t arrive = now_ + ch.latency + ch.cycles_per_flit() - 1;
        Event a{};
        a.target = ovc;
        a.endpoint = ch.to_router < 0 ? static_cast<uint32_t>(ch.to_port) : 0;
        a.flit = f;
        a.flit.ready = arrive;
        schedule(arrive, a);
        Event credit{};
        credit.target = ivc;
        credit.credit = 1;
        schedule(now_ + topo_.credit_cycles(c_in), credit);
        stats_.channel_flits[c_out]++;
        occupy(c_out, now_, ch.cycles_per_flit());
        stats_.router_flits[r]++;
        stats_.flit_hops++;
        if (f.seq + 1 == packets_[f.packet].flits) { // tail: release the output VC
            if (R.release_on_tail_credit)
                ovc_[ovc].tail_sent = 1; // freed when its last credit returns
            else
                ovc_[ovc].owner = -1;
            iv.state = kIdle;
            iv.out_port = -1;
            iv.out_vc = -1;
        }
        in_rr_[xbar_base_[r] + q] = (v + 1) % vc_count_[c_in];
        last_progress_ = now_;
    }
}

bool FlitNetwork::step_router(uint32_t r)
{
    const bool holds = nominate(r);
    if (dirty_cells_) { // some VC requested the switch
        allocate_switch(r);
        traverse(r);
    }
    return holds;
}

} // namespace tess::noc
