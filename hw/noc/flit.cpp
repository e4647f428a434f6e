// `flit` fidelity: see flit.h.
#include "noc/flit.h"

#include <algorithm>
#include <stdexcept>

namespace tess::noc
{

namespace
{
uint64_t next_pow2(uint64_t x)
{
    uint64_t p = 1;
    while (p < x)
        p <<= 1;
    return p;
}
} // namespace

FlitNetwork::FlitNetwork(sc_core::sc_module_name name, const Topology &topo,
                         const NetworkOptions &opt)
    : Network(name, topo, opt)
{
    const auto &routers = topo.routers();
    const auto &channels = topo.channels();
    const size_t R = routers.size(), E = topo.endpoints().size(), C = channels.size();
    // Each channel carries the VCs of the input it enters: a router's, or for an
    // ejection channel the VCs of the router it leaves.
    vc_base_.resize(C + 1);
    vc_count_.resize(C);
    uint32_t total = 0, slots = 0;
    uint64_t longest = 1;
    for (size_t c = 0; c < C; c++) {
        const Channel &ch = channels[c];
        const Router &down = routers[ch.to_router >= 0 ? ch.to_router : ch.from_router];
        vc_base_[c] = total;
        vc_count_[c] = down.vcs;
        total += down.vcs;
        for (uint32_t v = 0; v < down.vcs; v++) {
            buf_base_.push_back(slots);
            vc_depth_.push_back(down.buffer_flits);
            ivc_router_.push_back(ch.to_router);
            slots += down.buffer_flits;
        }
        longest = std::max<uint64_t>(longest, ch.latency + ch.cycles_per_flit());
    }
    vc_base_[C] = total;
    for (const Router &r : routers)
        longest = std::max<uint64_t>(longest, r.credit_delay);
    buf_.resize(slots);
    ivc_.resize(total);
    ovc_.resize(total);
    for (uint32_t i = 0; i < total; i++)
        ovc_[i].credits = static_cast<int32_t>(vc_depth_[i]);
    busy_until_.assign(C, 0);
    held_.assign(C, 0);
    channel_of_vc_.resize(total);
    for (uint32_t c = 0; c < C; c++)
        for (uint32_t v = 0; v < vc_count_[c]; v++)
            channel_of_vc_[vc_base_[c] + v] = c;
    port_base_.resize(R + 1, 0);
    for (size_t r = 0; r < R; r++)
        port_base_[r + 1] = port_base_[r] + static_cast<uint32_t>(routers[r].in_channel.size());
    va_rr_.assign(port_base_[R], 0);
    ivc_total_.assign(R, 0);
    for (size_t r = 0; r < R; r++)
        for (uint32_t c : routers[r].in_channel)
            ivc_total_[r] += vc_count_[c];
    out_rr_.assign(port_base_[R], 0);
    xbar_base_.resize(R + 1, 0);
    for (size_t r = 0; r < R; r++)
        xbar_base_[r + 1] = xbar_base_[r] + static_cast<uint32_t>(routers[r].in_channel.size()) *
                                                routers[r].speedup;
    in_rr_.assign(xbar_base_[R], 0);
    accept_rr_.assign(xbar_base_[R], 0);
    ep_rr_.assign(2 * E, 0);
    for (unsigned m = 0; m < kMaxMessageClasses; m++) {
        source_[m].resize(E);
        injecting_[m].assign(E, -1);
        next_seq_[m].assign(E, 0);
        inject_vc_[m].assign(E, -1);
    }
    uint64_t w = next_pow2(longest + 2);
    wheel_.resize(w);
    wheel_mask_ = w - 1;
    router_active_.assign(R, 0);
    endpoint_active_.assign(E, 0);
    size_t max_ports = 1, max_requesters = 1;
    for (const Router &r : routers) {
        max_ports = std::max(max_ports, r.in_channel.size());
        max_requesters = std::max(max_requesters, r.in_channel.size() * r.speedup);
    }
    request_.assign(max_requesters * max_ports, -1);
    grant_.resize(max_ports);
    pick_.resize(std::max(max_requesters, max_ports));
    va_pick_.resize(max_ports);
    va_slot_.resize(max_ports);
    va_dist_.resize(max_ports);
    matched_.resize(max_requesters);

    SC_METHOD(on_wake);
    sensitive << wake_;
    dont_initialize();
}

void FlitNetwork::send(const Message &m)
{
    if (m.src >= endpoint_count() || m.dst >= endpoint_count() ||
        static_cast<unsigned>(m.cls) >= topo_.message_classes())
        throw std::invalid_argument("noc: message with an unknown endpoint or class");
    uint64_t created = now_cycle();
    pending_sends_.emplace_back(m, created);
    if (!scheduled_ || created < scheduled_cycle_) {
        scheduled_ = true;
        scheduled_cycle_ = created;
        wake_.notify(time_of(created) - sc_core::sc_time_stamp());
    }
}

void FlitNetwork::schedule(uint64_t at, const Event &e)
{
    wheel_[at & wheel_mask_].push_back(e);
    wheel_pending_++;
}

void FlitNetwork::activate_router(uint32_t r)
{
    if (!router_active_[r]) {
        router_active_[r] = 1;
        active_routers_.push_back(r);
    }
}

void FlitNetwork::activate_endpoint(uint32_t e)
{
    if (!endpoint_active_[e]) {
        endpoint_active_[e] = 1;
        active_endpoints_.push_back(e);
    }
}

void FlitNetwork::push_flit(uint32_t ivc, Flit f)
{
    InputVc &iv = ivc_[ivc];
    if (iv.count >= vc_depth_[ivc]) throw std::logic_error("noc: buffer overflow (credit bug)");
    int32_t r = ivc_router_[ivc];
    if (r >= 0) f.ready += topo_.routers()[r].pipeline;
    buf_[buf_base_[ivc] + (iv.head + iv.count) % vc_depth_[ivc]] = f;
    iv.count++;
    held_[channel_of_vc_[ivc]]++;
}

void FlitNetwork::on_wake()
{
    // A wake-up at a clock edge first lets every other process of that instant run,
    // so that all messages sent at the edge are injected at it, whatever the order
    // the kernel runs processes in.
    if (!settling_) {
        settling_ = true;
        next_trigger(sc_core::SC_ZERO_TIME);
        return;
    }
    settling_ = false;
    scheduled_ = false;
    run_cycle();
    schedule_next();
}

namespace
{
// An index into `pool`: one given back to `freed` if there is one, else a new element.
template <class T> uint32_t take(std::vector<T> &pool, std::vector<uint32_t> &freed)
{
    if (freed.empty()) {
        pool.emplace_back();
        return static_cast<uint32_t>(pool.size() - 1);
    }
    const uint32_t i = freed.back();
    freed.pop_back();
    return i;
}
} // namespace

void FlitNetwork::run_cycle()
{
    now_ = now_cycle();
    stats_.kernel_activations++;
    for (auto &[m, created] : pending_sends_) {
        // a message longer than its die's link's largest packet leaves as a train of
        // packets, delivered when the last of them has arrived
        const uint32_t flits = flits_of(m.bytes);
        const uint32_t most = topo_.channels()[topo_.endpoints()[m.src].inject].packet_flits;
        const uint32_t n = most && flits > most ? (flits + most - 1) / most : 1;
        uint32_t train = UINT32_MAX;
        if (n > 1) {
            train = take(trains_left_, free_trains_);
            trains_left_[train] = n;
        }
        for (uint32_t k = 0; k < n; k++) {
            const uint32_t id = take(packets_, free_packets_);
            Packet &p = packets_[id];
            p.msg = m;
            p.created = created;
            p.flits = n > 1 ? std::min(most, flits - k * most) : flits;
            p.delivered = 0;
            p.rs = RouteState{};
            p.rs.flow = topo_.flow_key(m.src, m.dst);
            p.train = train;
            p.first = k == 0;
            source_[static_cast<unsigned>(m.cls)][m.src].push_back(id);
        }
        stats_.packets_sent++; // messages, as the other fidelities count them
        activate_endpoint(m.src);
    }
    pending_sends_.clear();

    auto &slot = wheel_[now_ & wheel_mask_];
    for (const Event &e : slot) {
        if (e.credit) {
            OutputVc &o = ovc_[e.target];
            o.credits++;
            if (o.tail_sent && o.credits == static_cast<int32_t>(vc_depth_[e.target])) {
                o.tail_sent = 0;
                o.owner = -1;
            }
            continue;
        }
        push_flit(e.target, e.flit);
        int32_t r = ivc_router_[e.target];
        if (r >= 0)
            activate_router(static_cast<uint32_t>(r));
        else
            activate_endpoint(e.endpoint);
    }
    wheel_pending_ -= slot.size();
    slot.clear();

    std::vector<uint32_t> routers;
    routers.swap(active_routers_);
    for (uint32_t r : routers) {
        router_active_[r] = 0;
        if (step_router(r)) activate_router(r);
    }
    std::vector<uint32_t> endpoints;
    endpoints.swap(active_endpoints_);
    for (uint32_t e : endpoints) {
        endpoint_active_[e] = 0;
        bool busy = inject(e);
        busy |= eject(e);
        if (busy) activate_endpoint(e);
    }
    if (in_network_ > 0 && now_ - last_progress_ >= opt_.deadlock_cycles) report_deadlock();
}

void FlitNetwork::schedule_next()
{
    if (stats_.deadlocked) return;
    uint64_t next = 0;
    if (!active_routers_.empty() || !active_endpoints_.empty() || !pending_sends_.empty()) {
        next = now_ + 1;
    } else if (wheel_pending_ > 0) {
        for (uint64_t c = now_ + 1;; c++) {
            if (!wheel_[c & wheel_mask_].empty()) {
                next = c;
                break;
            }
        }
    } else {
        return; // empty network: nothing ticks until the next send()
    }
    scheduled_ = true;
    scheduled_cycle_ = next;
    wake_.notify(time_of(next) - sc_core::sc_time_stamp());
}

bool FlitNetwork::inject(uint32_t e)
{
    const Endpoint &ep = topo_.endpoints()[e];
    const Channel &ch = topo_.channels()[ep.inject];
    const unsigned M = topo_.message_classes();
    bool work = false;
    for (unsigned m = 0; m < M; m++)
        work |= injecting_[m][e] >= 0 || !source_[m][e].empty();
    if (!work || busy_until_[ep.inject] > now_) return work;
    for (unsigned k = 0; k < M; k++) {
        const unsigned m = (ep_rr_[2 * e] + k) % M;
        if (injecting_[m][e] < 0) {
            if (source_[m][e].empty()) continue;
            uint32_t first, count;
            topo_.vc_range(vc_count_[ep.inject], m, 0, &first, &count);
            // round-robin over the free VCs, from the one after the last used
            const int32_t last = inject_vc_[m][e];
            const uint32_t from = last < 0 ? 0 : (static_cast<uint32_t>(last) - first + 1) % count;
            for (uint32_t k = 0; k < count && injecting_[m][e] < 0; k++) {
                const uint32_t q = (from + k) % count;
                OutputVc &o = ovc_[vc_base_[ep.inject] + first + q];
                if (o.owner >= 0) continue;
                o.owner = static_cast<int32_t>(vc_base_[ep.inject] + first + q);
                injecting_[m][e] = static_cast<int32_t>(source_[m][e].front());
                source_[m][e].pop_front();
                next_seq_[m][e] = 0;
                inject_vc_[m][e] = static_cast<int32_t>(first + q);
            }
            if (injecting_[m][e] < 0) continue;
        }
        const uint32_t ovc = vc_base_[ep.inject] + static_cast<uint32_t>(inject_vc_[m][e]);
        if (ovc_[ovc].credits <= 0) continue;
        const uint32_t id = static_cast<uint32_t>(injecting_[m][e]);
        const uint64_t arrive = now_ + ch.latency + ch.cycles_per_flit() - 1;
        Event a{};
        a.target = ovc;
        a.flit.packet = id;
        a.flit.seq = next_seq_[m][e]++;
        a.flit.ready = arrive;
        schedule(arrive, a);
        ovc_[ovc].credits--;
        busy_until_[ep.inject] = now_ + ch.cycles_per_flit();
        stats_.channel_flits[ep.inject]++;
        occupy(ep.inject, now_, ch.cycles_per_flit());
        stats_.flits_sent++;
        in_network_++;
        last_progress_ = now_;
        if (next_seq_[m][e] == packets_[id].flits) {
            // the interface gives its VC back as the router it feeds does its own
            if (topo_.routers()[ep.router].release_on_tail_credit)
                ovc_[ovc].tail_sent = 1; // freed when its last credit returns
            else
                ovc_[ovc].owner = -1;
            injecting_[m][e] = -1;
        }
        ep_rr_[2 * e] = m + 1;
        break;
    }
    for (unsigned m = 0; m < M; m++)
        if (injecting_[m][e] >= 0 || !source_[m][e].empty()) return true;
    return false;
}

bool FlitNetwork::eject(uint32_t e)
{
    const Endpoint &ep = topo_.endpoints()[e];
    const uint32_t c = ep.eject, base = vc_base_[c], n = vc_count_[c];
    // consume at most one flit a cycle, round-robin over the ejection VCs
    for (uint32_t k = 0; k < n; k++) {
        const uint32_t v = (ep_rr_[2 * e + 1] + k) % n;
        InputVc &iv = ivc_[base + v];
        if (iv.count == 0) continue;
        const Flit f = buf_[buf_base_[base + v] + iv.head];
        if (f.ready > now_) continue;
        Packet &pkt = packets_[f.packet];
        if (f.seq == 0 && !iv.accepted) {
            if (pkt.first && client_ && !client_->accepts(pkt.msg)) continue;
            iv.accepted = 1;
        }
        iv.head = (iv.head + 1) % vc_depth_[base + v];
        iv.count--;
        held_[c]--;
        Event credit{};
        credit.target = base + v;
        credit.credit = 1;
        schedule(now_ + topo_.credit_cycles(c), credit);
        in_network_--;
        pkt.delivered++;
        stats_.flits_delivered++;
        last_progress_ = now_;
        ep_rr_[2 * e + 1] = v + 1;
        if (pkt.delivered == pkt.flits) {
            iv.accepted = 0;
            if (pkt.msg.dst != e) stats_.misrouted++;
            const Message msg = pkt.msg;
            const uint32_t train = pkt.train;
            free_packets_.push_back(f.packet);
            if (train != UINT32_MAX && --trains_left_[train] > 0) break; // more to come
            if (train != UINT32_MAX) free_trains_.push_back(train);
            stats_.packets_delivered++;
            if (client_) client_->on_delivered(msg);
        }
        break;
    }
    for (uint32_t v = 0; v < n; v++)
        if (ivc_[base + v].count > 0) return true;
    return false;
}

void FlitNetwork::report_deadlock()
{
    stats_.deadlocked = true;
    size_t blocked = 0;
    std::string names;
    for (size_t r = 0; r < topo_.routers().size(); r++) {
        const Router &R = topo_.routers()[r];
        bool holds = false;
        for (uint32_t c_in : R.in_channel)
            for (uint32_t v = 0; v < vc_count_[c_in]; v++)
                holds |= ivc_[vc_base_[c_in] + v].count > 0;
        if (!holds) continue;
        if (blocked++ < 8)
            names += (names.empty() ? "" : ", ") + topo_.router_name(static_cast<uint32_t>(r));
    }
    stats_.deadlock_report = "deadlock: no flit moved for " + std::to_string(opt_.deadlock_cycles) +
                             " cycles with " + std::to_string(in_network_) +
                             " flits in the network; " + std::to_string(blocked) +
                             " routers hold blocked flits: " + names + (blocked > 8 ? ", ..." : "");
    sc_core::sc_stop();
}

} // namespace tess::noc
