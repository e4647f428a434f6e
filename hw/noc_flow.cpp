// `flow` fidelity: see noc_flow.h.
#include "noc_flow.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <tuple>

namespace tess::noc {

FlowNetwork::FlowNetwork(sc_core::sc_module_name name, const Topology &topo, const NetworkOptions &opt)
    : Network(name, topo, opt)
{
    const auto &ch = topo.channels();
    capacity_.resize(ch.size());
    for (size_t c = 0; c < ch.size(); c++)
        capacity_[c] = static_cast<double>(topo.flit_bytes()) / ch[c].cycles_per_flit;
    left_.assign(ch.size(), 0);
    unfrozen_.assign(ch.size(), 0);
    version_.assign(ch.size(), 0);
    users_.resize(ch.size());
    SC_METHOD(on_wake);
    sensitive << wake_;
    dont_initialize();
}

double FlowNetwork::now() const
{
    return static_cast<double>(sc_core::sc_time_stamp().value()) / static_cast<double>(period_ps_);
}

void FlowNetwork::advance(double t)
{
    const double dt = t - updated_;
    if (dt > 0)
        for (Flow &f : flows_) f.remaining -= f.rate * dt;
    updated_ = std::max(updated_, t);
}

// Max-min fair rates by progressive filling: the channel whose fair share (capacity left
// over its unfrozen flows) is smallest fixes its flows at that share; repeat.
void FlowNetwork::rerate()
{
    reratings_++;
    std::vector<uint32_t> touched;
    for (uint32_t i = 0; i < flows_.size(); i++)
        for (uint32_t c : flows_[i].path) {
            if (users_[c].empty()) {
                touched.push_back(c);
                left_[c] = capacity_[c];
                unfrozen_[c] = 0;
            }
            users_[c].push_back(i);
            unfrozen_[c]++;
        }
    using Entry = std::tuple<double, uint32_t, uint32_t>; // share, channel, version
    std::priority_queue<Entry, std::vector<Entry>, std::greater<Entry>> heap;
    for (uint32_t c : touched) heap.emplace(left_[c] / unfrozen_[c], c, version_[c]);
    std::vector<char> frozen(flows_.size(), 0);
    while (!heap.empty()) {
        const auto [share, c, v] = heap.top();
        heap.pop();
        if (v != version_[c] || unfrozen_[c] == 0) continue;
        for (uint32_t i : users_[c]) {
            if (frozen[i]) continue;
            frozen[i] = 1;
            flows_[i].rate = share;
            for (uint32_t c2 : flows_[i].path) {
                left_[c2] = std::max(0.0, left_[c2] - share);
                if (--unfrozen_[c2] > 0) heap.emplace(left_[c2] / unfrozen_[c2], c2, ++version_[c2]);
            }
        }
    }
    for (uint32_t c : touched) users_[c].clear();
}

void FlowNetwork::schedule(double t)
{
    double next = deliveries_.empty() ? INFINITY : deliveries_.top().cycle;
    for (const Flow &f : flows_)
        if (f.rate > 0) next = std::min(next, t + std::max(0.0, f.remaining) / f.rate);
    if (!std::isfinite(next)) return;
    const double ps = std::ceil((next - t) * static_cast<double>(period_ps_) - 1e-6);
    wake_.cancel();
    wake_.notify(sc_core::sc_time(std::max(0.0, ps), sc_core::SC_PS));
}

void FlowNetwork::send(const Message &m)
{
    if (m.src >= endpoint_count() || m.dst >= endpoint_count() ||
        static_cast<unsigned>(m.cls) >= topo_.message_classes())
        throw std::invalid_argument("noc: message with an unknown endpoint or class");
    const double t = now();
    advance(t);
    Flow f;
    f.msg = m;
    f.path = topo_.path(m.src, m.dst);
    if (f.path.empty()) throw std::logic_error("noc: no route");
    const auto &ch = topo_.channels();
    const uint32_t flits = flits_of(m.bytes);
    f.remaining = static_cast<double>(flits) * topo_.flit_bytes();
    f.seq = seq_++;
    // the packet fidelity's zero-load time less the serialisation at the bottleneck
    double latency = 0;
    uint32_t slowest = 1;
    for (uint32_t c : f.path) {
        latency += ch[c].latency + ch[c].cycles_per_flit - 1.0;
        if (ch[c].to_router >= 0) latency += topo_.routers()[static_cast<uint32_t>(ch[c].to_router)].pipeline;
        slowest = std::max(slowest, ch[c].cycles_per_flit);
        stats_.channel_flits[c] += flits;
        occupy(c, now_cycle(), static_cast<uint64_t>(flits) * ch[c].cycles_per_flit);
        if (ch[c].to_router >= 0) {
            stats_.router_flits[static_cast<uint32_t>(ch[c].to_router)] += flits;
            if (ch[c].from_router >= 0) stats_.flit_hops += flits;
        }
    }
    f.tail_latency = latency - slowest;
    if (static_cast<uint32_t>(ch[f.path.back()].to_port) != m.dst) stats_.misrouted++;
    stats_.packets_sent++;
    stats_.flits_sent += flits;
    flows_.push_back(std::move(f));
    // re-rate once for every flow started at this instant: a delta notification (it
    // overrides the pending timed one, which on_wake sets again)
    dirty_ = true;
    wake_.cancel();
    wake_.notify(sc_core::SC_ZERO_TIME);
}

void FlowNetwork::on_wake()
{
    stats_.kernel_activations++;
    const double t = now();
    advance(t);
    // flows whose last byte has left (to within rounding of the wake-up to a picosecond)
    const double eps = 1e-6;
    size_t kept = 0;
    bool ended = false;
    for (size_t i = 0; i < flows_.size(); i++) {
        Flow &f = flows_[i];
        if (f.rate > 0 && f.remaining <= f.rate / static_cast<double>(period_ps_) + eps) {
            deliveries_.push(Delivery{t + f.tail_latency, f.seq, f.msg});
            ended = true;
        } else {
            if (kept != i) flows_[kept] = std::move(f);
            kept++;
        }
    }
    flows_.resize(kept);
    if (ended || dirty_) rerate();
    dirty_ = false;
    while (!deliveries_.empty() && deliveries_.top().cycle <= t + 1e-9) {
        const Delivery d = deliveries_.top();
        deliveries_.pop();
        stats_.packets_delivered++;
        stats_.flits_delivered += flits_of(d.msg.bytes);
        if (client_) client_->on_delivered(d.msg); // may send(): flows_ stays consistent
    }
    schedule(now());
}

std::vector<double> FlowNetwork::rates() const
{
    std::vector<double> r;
    for (const Flow &f : flows_) r.push_back(f.rate);
    return r;
}

} // namespace tess::noc
