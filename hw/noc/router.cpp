// The router of `flit` fidelity (FlitNetwork, flit.h): an input-queued virtual-channel
// router, one cycle of its pipeline per call of step_router.
//
//   1. route computation (topology's routing; among adaptive candidates the output with
//      the most free credits) and VC allocation for the head flit of each input VC, one
//      VC grant per output port per cycle; each input port then nominates one ready VC
//      (round-robin) that holds an output VC, a credit and a free link;
//   2. switch allocation: each output port grants one nominated crossbar input
//      (round-robin); with speedup S, VC v of a port feeds crossbar input v mod S;
//   3. switch and link traversal of the granted flits: a credit goes back upstream, the
//      flit arrives downstream after the link's latency, and the tail releases its
//      output VC (at once, or when its last credit returns).
#include "noc/flit.h"

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

bool FlitNetwork::allocate_vc(uint32_t r, uint32_t ivc, Packet &pkt)
{
    InputVc &iv = ivc_[ivc];
    const uint32_t c_out = topo_.routers()[r].out_channel[static_cast<uint32_t>(iv.out_port)];
    // the VC allocator grants one VC per output port per cycle
    uint64_t &stamp = va_stamp_[port_base_[r] + static_cast<uint32_t>(iv.out_port)];
    if (stamp == now_ + 1) return false;
    uint32_t first, count;
    topo_.vc_range(vc_count_[c_out], static_cast<unsigned>(pkt.msg.cls), iv.next_rs.dateline,
                   &first, &count);
    for (uint32_t q = 0; q < count; q++) {
        OutputVc &o = ovc_[vc_base_[c_out] + first + q];
        if (o.owner >= 0) continue;
        o.owner = static_cast<int32_t>(ivc);
        iv.out_vc = static_cast<int32_t>(first + q);
        iv.state = kActive;
        iv.va_cycle = now_;
        stamp = now_ + 1;
        pkt.rs = iv.next_rs;
        return true;
    }
    return false;
}

bool FlitNetwork::nominate(uint32_t r)
{
    const Router &R = topo_.routers()[r];
    const uint32_t P = static_cast<uint32_t>(R.in_channel.size()), S = R.speedup;
    bool holds = false;
    for (uint32_t p = 0; p < P; p++) {
        for (uint32_t lane = 0; lane < S; lane++)
            request_vc_[p * S + lane] = -1;
        const uint32_t c_in = R.in_channel[p];
        const uint32_t base = vc_base_[c_in], n = vc_count_[c_in];
        const uint32_t start = in_rr_[port_base_[r] + p];
        for (uint32_t k = 0; k < n; k++) {
            const uint32_t v = (start + k) % n;
            InputVc &iv = ivc_[base + v];
            if (iv.count == 0) continue;
            holds = true;
            // route computation and VC allocation overlap the pipeline: they may
            // happen as soon as the head is at the front; the switch waits for ready
            const Flit &f = buf_[buf_base_[base + v] + iv.head];
            Packet &pkt = packets_[f.packet];
            if (iv.state == kIdle) route_head(r, iv, pkt);
            if (iv.state == kWaitVc && !allocate_vc(r, base + v, pkt)) continue;
            const uint32_t c_out = R.out_channel[static_cast<uint32_t>(iv.out_port)];
            if (f.ready > now_) continue;
            const uint32_t q = p * S + v % S; // VC v feeds crossbar input v mod S
            if (request_vc_[q] >= 0 || busy_until_[c_out] > now_) continue;
            if (iv.va_cycle >= now_ && f.seq == 0)
                continue; // switch allocation follows VC allocation
            if (ovc_[vc_base_[c_out] + static_cast<uint32_t>(iv.out_vc)].credits <= 0) continue;
            request_vc_[q] = static_cast<int32_t>(v);
        }
    }
    return holds;
}

void FlitNetwork::allocate_switch(uint32_t r)
{
    const Router &R = topo_.routers()[r];
    const uint32_t P = static_cast<uint32_t>(R.in_channel.size()), S = R.speedup, Q = P * S;
    for (uint32_t o = 0; o < P; o++)
        grant_[o] = -1;
    for (uint32_t q = 0; q < Q; q++) {
        if (request_vc_[q] < 0) continue;
        const uint32_t c_in = R.in_channel[q / S];
        const InputVc &iv = ivc_[vc_base_[c_in] + static_cast<uint32_t>(request_vc_[q])];
        const uint32_t o = static_cast<uint32_t>(iv.out_port);
        const uint32_t dist = (q + Q - out_rr_[port_base_[r] + o]) % Q;
        if (grant_[o] < 0 || dist < grant_dist_[o]) {
            grant_[o] = static_cast<int32_t>(q);
            grant_dist_[o] = dist;
        }
    }
}

void FlitNetwork::traverse(uint32_t r)
{
    const Router &R = topo_.routers()[r];
    const auto &channels = topo_.channels();
    const uint32_t P = static_cast<uint32_t>(R.in_channel.size()), S = R.speedup, Q = P * S;
    for (uint32_t o = 0; o < P; o++) {
        if (grant_[o] < 0) continue;
        const uint32_t q = static_cast<uint32_t>(grant_[o]);
        const uint32_t p = q / S;
        const uint32_t c_in = R.in_channel[p];
        const uint32_t v = static_cast<uint32_t>(request_vc_[q]);
        const uint32_t ivc = vc_base_[c_in] + v;
        InputVc &iv = ivc_[ivc];
        Flit f = buf_[buf_base_[ivc] + iv.head];
        iv.head = (iv.head + 1) % vc_depth_[ivc];
        iv.count--;
        const uint32_t c_out = R.out_channel[o];
        const Channel &ch = channels[c_out];
        const uint32_t ovc = vc_base_[c_out] + static_cast<uint32_t>(iv.out_vc);
        ovc_[ovc].credits--;
        busy_until_[c_out] = now_ + ch.cycles_per_flit;
        const uint64_t arrive = now_ + ch.latency + ch.cycles_per_flit - 1;
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
        occupy(c_out, now_, ch.cycles_per_flit);
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
        in_rr_[port_base_[r] + p] = (v + 1) % vc_count_[c_in];
        out_rr_[port_base_[r] + o] = (q + 1) % Q;
        last_progress_ = now_;
    }
}

bool FlitNetwork::step_router(uint32_t r)
{
    const bool holds = nominate(r);
    allocate_switch(r);
    traverse(r);
    return holds;
}

} // namespace tess::noc
