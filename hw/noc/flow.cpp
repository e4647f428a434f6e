// `flow` fidelity: see flow.h.
#include "noc/flow.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <tuple>

namespace tess::noc
{

FlowNetwork::FlowNetwork(sc_core::sc_module_name name, const Topology &topo,
                         const NetworkOptions &opt)
    : Network(name, topo, opt), tolerance_(opt.flow_tolerance), full_(opt.flow_full_rerating)
{
    if (!(tolerance_ >= 0 && tolerance_ < 1))
        throw std::invalid_argument("noc: a flow tolerance is a share of a message, in [0, 1)");
    const auto &ch = topo.channels();
    capacity_.resize(ch.size());
    for (size_t c = 0; c < ch.size(); c++)
        capacity_[c] =
            static_cast<double>(topo.flit_bytes()) * kPaceUnit / static_cast<double>(ch[c].pace);
    left_.assign(ch.size(), 0);
    active_.assign(ch.size(), 0);
    unfrozen_.assign(ch.size(), 0);
    version_.assign(ch.size(), 0);
    mark_.assign(ch.size(), 0);
    users_.resize(ch.size());
    for (const Channel &c : ch)
        lossy_ = lossy_ || c.drop_buffer > 0;
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
        for (uint32_t k : order_)
            flows_[k].remaining -= flows_[k].rate * dt;
    updated_ = std::max(updated_, t);
}

// Max-min fair rates by progressive filling: the channel whose fair share (capacity left
// over its unfrozen flows) is smallest fixes its flows at that share; repeat. Only the
// flows at `below` or faster are filled; the others keep their rates and take them off
// their channels' capacity first (flow.h says why that is exact after flows ended).
void FlowNetwork::rerate(double below)
{
    reratings_++;
    const uint64_t stamp = reratings_;
    for (uint32_t k : order_) { // flows frozen with it, to rounding; none waiting to resend
        refill_[k] = flows_[k].stalled_until == 0 && flows_[k].rate >= below * (1 - 1e-9);
        frozen_[k] = 0;
    }
    std::vector<uint32_t> touched;
    for (uint32_t k : order_) {
        if (!refill_[k]) continue;
        for (uint32_t c : flows_[k].path) {
            if (mark_[c] == stamp) continue;
            mark_[c] = stamp;
            touched.push_back(c);
            double left = capacity_[c];
            uint32_t unfrozen = 0;
            for (uint32_t u : users_[c])
                if (refill_[u])
                    unfrozen++;
                else
                    left -= flows_[u].rate;
            left_[c] = std::max(0.0, left);
            unfrozen_[c] = unfrozen;
        }
    }
    using Entry = std::tuple<double, uint32_t, uint32_t>; // share, channel, version
    std::priority_queue<Entry, std::vector<Entry>, std::greater<Entry>> heap;
    for (uint32_t c : touched)
        heap.emplace(left_[c] / unfrozen_[c], c, version_[c]);
    // a flow's own cap is a channel of its own: entry C + its place in send order
    const uint32_t C = static_cast<uint32_t>(capacity_.size());
    for (uint32_t i = 0; i < order_.size(); i++)
        if (refill_[order_[i]] && flows_[order_[i]].cap > 0)
            heap.emplace(flows_[order_[i]].cap, C + i, 0);
    // A freeze at the smallest share leaves every other channel's share as large or larger,
    // so a channel's entry may wait in the heap under its old share and be put back under
    // its new one when it comes up: the same order of freezes as updating it at once.
    auto freeze = [&](uint32_t k, double share) {
        frozen_[k] = 1;
        flows_[k].rate = share;
        for (uint32_t c2 : flows_[k].path) {
            left_[c2] = std::max(0.0, left_[c2] - share);
            --unfrozen_[c2];
            ++version_[c2];
        }
    };
    while (!heap.empty()) {
        const auto [share, c, v] = heap.top();
        heap.pop();
        if (c >= C) {
            const uint32_t k = order_[c - C];
            if (frozen_[k]) continue;
            freeze(k, share);
            if (flows_[k].windowed && !flows_[k].counted) { // held at its window
                flows_[k].counted = true;
                stats_.window_limited_flows += flows_[k].msg.counts_for;
                stats_.window_limited_by_channel[flows_[k].window_channel]++;
            }
            continue;
        }
        if (unfrozen_[c] == 0) continue;
        if (v != version_[c]) {
            heap.emplace(left_[c] / unfrozen_[c], c, version_[c]);
            continue;
        }
        for (uint32_t u : users_[c])
            if (refill_[u] && !frozen_[u]) freeze(u, share);
    }
}

void FlowNetwork::schedule()
{
    if (dirty_) { // flows started at this instant: re-rate them in a delta cycle first
        wake_.cancel();
        wake_.notify(sc_core::SC_ZERO_TIME);
        return;
    }
    // remaining bytes are as of updated_, which a send between events leaves behind t
    double next = pending_.empty() ? INFINITY : pending_.top().cycle;
    for (uint32_t k : order_) {
        const Flow &f = flows_[k];
        if (f.rate > 0) next = std::min(next, updated_ + std::max(0.0, f.remaining) / f.rate);
        if (f.stalled_until > 0) next = std::min(next, f.stalled_until);
    }
    if (!std::isfinite(next)) return;
    // in absolute picoseconds (the kernel's resolution), so that an event due at a whole
    // cycle wakes exactly then however far into the run: half a picosecond is "now"
    const double stamp = static_cast<double>(sc_core::sc_time_stamp().value());
    const double ps = std::ceil(next * static_cast<double>(period_ps_) - 0.5) - stamp;
    wake_.cancel();
    wake_.notify(sc_core::sc_time(std::max(0.0, ps), sc_core::SC_PS));
}

void FlowNetwork::send(const Message &m)
{
    uint32_t flits;
    RouteState st = accept(m, &flits);
    const RouteState from = st;
    std::vector<uint32_t> path{topo_.endpoints()[m.src].inject};
    extend(path, m.dst, st, nullptr);
    check_arrival(m, path.back());
    start_flow(m, std::move(path), flits, 0, kDeliver, from, nullptr, true);
}

void FlowNetwork::extend(std::vector<uint32_t> &path, uint32_t dst, RouteState &st,
                         const std::vector<uint8_t> *only)
{
    for (size_t guard = 0; topo_.channels()[path.back()].to_router >= 0; guard++) {
        if (guard > 4 * topo_.routers().size() + 4) throw std::logic_error("noc: routing loop");
        RouteState next = st;
        const uint32_t c =
            next_channel(static_cast<uint32_t>(topo_.channels()[path.back()].to_router), dst, next);
        if (only && !(*only)[c]) return;
        path.push_back(c);
        st = next;
    }
}

uint32_t FlowNetwork::next_channel(uint32_t r, uint32_t dst, RouteState &st)
{
    const Router &R = topo_.routers()[r];
    if (!topo_.adaptive()) {
        uint32_t ports[3];
        RouteState next[3];
        if (topo_.route(r, dst, st, ports, next) == 0) throw std::logic_error("noc: no route");
        st = next[0];
        return R.out_channel[ports[0]];
    }
    RouteState next;
    const size_t n = static_cast<size_t>(topo_.route_all(r, dst, st, &ports_, &next));
    if (n == 0) throw std::logic_error("noc: no route");
    uint32_t best = R.out_channel[ports_[st.flow % n]];
    for (size_t k = 1; k < n; k++) {
        const uint32_t c = R.out_channel[ports_[(k + st.flow) % n]];
        if (active_[c] < active_[best]) best = c;
    }
    st = next;
    return best;
}

void FlowNetwork::count_path(const std::vector<uint32_t> &path, uint32_t flits, bool count_last)
{
    const auto &ch = topo_.channels();
    for (size_t k = 0; k < path.size(); k++) {
        const Channel &c = ch[path[k]];
        count_channel(path[k], flits, now_cycle(), pace_cycles(flits, c.pace));
        if (c.to_router >= 0 && (count_last || k + 1 < path.size()))
            count_router(static_cast<uint32_t>(c.to_router), flits, c.from_router >= 0);
    }
}

double FlowNetwork::head_latency(const std::vector<uint32_t> &path) const
{
    double latency = 0;
    for (uint32_t c : path) {
        const Channel &ch = topo_.channels()[c];
        latency += ch.latency + ch.cycles_per_flit() - 1.0;
        if (ch.to_router >= 0)
            latency += topo_.routers()[static_cast<uint32_t>(ch.to_router)].pipeline;
    }
    return latency;
}

void FlowNetwork::start_flow(const Message &m, std::vector<uint32_t> path, uint32_t flits,
                             double cap, uint32_t leg, const RouteState &from,
                             const std::vector<uint8_t> *only, bool count_last)
{
    const auto busy = waiting_.find(PairKey{m.src, m.dst, leg});
    if (busy != waiting_.end()) { // after the one before it between these endpoints
        busy->second.push_back(Waiting{m, std::move(path), flits, cap, from, only, count_last});
        return;
    }
    waiting_.emplace(PairKey{m.src, m.dst, leg}, std::deque<Waiting>{});
    begin_flow(m, std::move(path), flits, cap, leg, count_last);
}

void FlowNetwork::begin_flow(const Message &m, std::vector<uint32_t> path, uint32_t flits,
                             double cap, uint32_t leg, bool count_last)
{
    advance(now());
    count_path(path, flits, count_last);
    Flow f;
    f.msg = m;
    f.remaining = f.bytes = static_cast<double>(flits) * topo_.flit_bytes();
    f.cap = cap;
    f.first_window = f.bytes;
    f.seq = seq_++;
    f.leg = leg;
    // A router that stores and forwards sends nothing on before the whole message is in:
    // the pieces of the path between such routers are crossed one after the other, each
    // at its slowest channel's pace, where a flow crosses them all at the slowest one's
    // (exact when alone): the difference comes on top.
    uint64_t piece = 0, pieces = 0, widest = 0; // widest: the slowest piece's pace
    for (size_t k = 0; k < path.size(); k++) {
        piece = std::max(piece, topo_.channels()[path[k]].pace);
        if (k + 1 == path.size() || topo_.stores(path[k], path[k + 1])) {
            pieces += piece;
            widest = std::max(widest, piece);
            piece = 0;
        }
    }
    const double stored =
        static_cast<double>(flits) * static_cast<double>(pieces - widest) / kPaceUnit;
    // the packet fidelity's zero-load time less the serialisation at the bottleneck (the
    // slowest channel, or the flow's own cap): whole cycles, as the packet fidelity books
    uint64_t slowest = std::max<uint64_t>(1, pace_cycles(1, widest));
    if (cap > 0)
        slowest = std::max<uint64_t>(slowest,
                                     static_cast<uint64_t>(std::lround(topo_.flit_bytes() / cap)));
    const double head = head_latency(path);
    f.tail_latency = head - slowest + stored;
    f.round_trip = 2 * std::max(1.0, head);
    // a transport window on the path: at most window bytes in flight a round trip (twice
    // the path's head latency), a cap of its own below any other
    f.window_channel = topo_.path_window_channel(path);
    if (f.window_channel != UINT32_MAX) {
        const uint64_t window = topo_.channels()[f.window_channel].window_bytes;
        f.first_window = std::min(f.bytes, static_cast<double>(window));
        const double by_window = static_cast<double>(window) / f.round_trip;
        if (!(f.cap > 0) || by_window < f.cap) {
            f.cap = by_window;
            f.windowed = true;
        }
    }
    stats_.flows += m.counts_for;
    uint32_t k;
    if (!free_.empty()) {
        k = free_.back();
        free_.pop_back();
    } else {
        k = static_cast<uint32_t>(flows_.size());
        flows_.emplace_back();
        refill_.push_back(0);
        frozen_.push_back(0);
        lost_.push_back(0);
        got_.push_back(INFINITY);
        burst_.push_back(INFINITY);
        is_fresh_.push_back(0);
    }
    for (uint32_t c : path) {
        active_[c]++;
        users_[c].push_back(k); // the latest flow: the list stays in send order
    }
    f.path = std::move(path);
    flows_[k] = std::move(f);
    order_.push_back(k);
    if (lossy_) {
        fresh_.push_back(k);
        is_fresh_[k] = 1;
    }
    // re-rate once for every flow started at this instant: a delta notification (it
    // overrides the pending timed one, which on_wake sets again)
    dirty_ = true;
    wake_.cancel();
    wake_.notify(sc_core::SC_ZERO_TIME);
}

void FlowNetwork::at(double cycle, const Message &m, uint32_t leg)
{
    pending_.push(Pending{cycle, seq_++, m, leg});
    schedule();
}

void FlowNetwork::arrived(const Message &, uint32_t, double)
{
    throw std::logic_error("noc: a flow network leg with no continuation");
}

void FlowNetwork::on_wake()
{
    stats_.kernel_activations++;
    const double t = now();
    advance(t);
    // flows whose last byte has left (to within rounding of the wake-up to a picosecond),
    // or, with a tolerance, all but that share of their bytes
    const double eps = 1e-6;
    const double stamp = static_cast<double>(sc_core::sc_time_stamp().value()); // ps, now
    size_t kept = 0;
    double below = INFINITY; // the slowest ended flow's rate
    bool resumed = false;    // a flow whose retransmit timeout is over sends again
    std::vector<PairKey> ended;
    for (size_t i = 0; i < order_.size(); i++) {
        const uint32_t k = order_[i];
        Flow &f = flows_[k];
        if (f.rate > 0 && (f.remaining <= f.rate / static_cast<double>(period_ps_) + eps ||
                           f.remaining <= tolerance_ * f.bytes)) {
            pending_.push(Pending{t + f.tail_latency, f.seq, f.msg, f.leg});
            for (uint32_t c : f.path) {
                active_[c]--;
                auto &u = users_[c];
                u.erase(std::find(u.begin(), u.end(), k));
            }
            f.path.clear();
            free_.push_back(k);
            below = std::min(below, f.rate);
            ended.emplace_back(f.msg.src, f.msg.dst, f.leg);
        } else {
            order_[kept++] = k;
            if (f.stalled_until > 0 &&
                f.stalled_until * static_cast<double>(period_ps_) <= stamp + 0.5) {
                f.stalled_until = 0; // (a re-rating of every flow, below)
                resumed = true;
            }
        }
    }
    order_.resize(kept);
    // the next message between the same endpoints starts now (a re-rating of every flow)
    for (const PairKey &key : ended) {
        auto w = waiting_.find(key);
        if (w == waiting_.end()) continue;
        if (w->second.empty()) {
            waiting_.erase(w);
            continue;
        }
        Waiting next = std::move(w->second.front());
        w->second.pop_front();
        if (topo_.adaptive()) { // chosen by the load now, as it starts, not when it was sent
            std::vector<uint32_t> again{next.path.front()};
            RouteState st = next.from;
            extend(again, next.msg.dst, st, next.only);
            if (again.back() == next.path.back()) next.path = std::move(again);
        }
        begin_flow(next.msg, std::move(next.path), next.flits, next.cap, std::get<2>(key),
                   next.count_last);
    }
    // flows that started need every rate filled again; flows that ended only the rates at
    // or above the slowest of them
    if (!fresh_.empty()) drop_bursts(t);
    if (dirty_ || resumed || (full_ && std::isfinite(below)))
        rerate(0);
    else if (std::isfinite(below))
        rerate(below);
    dirty_ = false;
    while (!pending_.empty() &&
           pending_.top().cycle * static_cast<double>(period_ps_) <= stamp + 0.5) {
        const Pending d = pending_.top();
        pending_.pop();
        if (d.leg != kDeliver) {
            arrived(d.msg, d.leg, d.cycle); // may start flows or add pending events
            continue;
        }
        stats_.packets_delivered++;
        stats_.flits_delivered += flits_of(d.msg.bytes);
        if (client_) client_->on_delivered(d.msg); // may send(): flows_ stays consistent
    }
    schedule();
}

double FlowNetwork::port_queue(std::vector<Arrival> &in, double drain, double buffer, double mark)
{
    std::sort(in.begin(), in.end(), [](const Arrival &a, const Arrival &b) {
        return a.burst / a.rate < b.burst / b.rate;
    });
    double arriving = 0;
    for (const Arrival &a : in)
        arriving += a.rate;
    // fluid drop-tail, segment by segment between the bursts' ends (burst / arrival rate):
    // the queue grows at (arrivals - drain); once at the buffer, the excess is dropped, each
    // arrival losing its rate's share: `dropped` bytes per unit of arrival rate so far, so a
    // flow that stops arriving at T has lost rate x dropped(T). full: when it first filled;
    // out: what it had sent on by then, a share per unit of arrival rate (its spare rate
    // over the arrivals then)
    double queue = 0, from = 0, dropped = 0, full = INFINITY, out = 0;
    for (const Arrival &a : in) {
        const double until = a.burst / a.rate, span = until - from;
        const double growth = arriving - drain;
        if (span > 0 && growth > 0) {
            if (mark > 0 && queue + growth * span >= mark)
                return from + std::max(0.0, mark - queue) / growth;
            const double room = std::max(0.0, buffer - queue) / growth;
            if (room >= span) {
                queue += growth * span;
            } else {
                if (!std::isfinite(full)) {
                    full = from + room;
                    out = drain * full / arriving;
                }
                queue = buffer;
                dropped += growth * (span - room) / arriving;
            }
        } else if (span > 0) {
            queue = std::max(0.0, queue + growth * span);
        }
        // it lost bytes: only what left before the first drop counts
        if (mark == 0 && a.rate * dropped > 0) {
            lost_[a.slot] = std::max(lost_[a.slot], a.rate * dropped); // the worst port
            got_[a.slot] = std::min(got_[a.slot], a.rate * out);
        }
        from = std::max(from, until);
        arriving -= a.rate;
    }
    return INFINITY;
}

void FlowNetwork::drop_bursts(double t)
{
    const auto &ch = topo_.channels();
    // the drop-tail ports (channels out of a router) the new flows cross, with each flow's
    // arrival rate there (the slowest channel before the port on its path) and its burst
    // (its first window), and the rate the flows already through the port leave it
    struct Port {
        std::vector<Arrival> in;
        double drain = 0;
    };
    std::map<uint32_t, Port> ports;
    for (uint32_t k : fresh_) {
        double upstream = INFINITY;
        for (uint32_t c : flows_[k].path) {
            if (ch[c].drop_buffer && ch[c].from_router >= 0 && std::isfinite(upstream))
                ports[c].in.push_back({upstream, k, flows_[k].first_window});
            upstream = std::min(upstream, capacity_[c]);
        }
    }
    for (auto &[c, port] : ports) {
        port.drain = capacity_[c];
        for (uint32_t u : users_[c])
            if (!is_fresh_[u]) port.drain -= flows_[u].rate;
        port.drain = std::max(0.0, port.drain);
    }
    // A marking port (ECN), first: from when its queue first holds ecn_bytes, each sender
    // goes on at its rate for its round trip (the marked packet on to its receiver, the
    // congestion notification back), then its congestion control cuts its rate to
    // `decrease` of it every period until at most its share of the drain (the drain over
    // the arrivals' rates): after n cuts, rate x d^n; the rates between them, rate x d to
    // rate x d^(n-1), held a period each. What it sends after is its fair share: its burst
    // ends there, at every port on its path.
    for (auto &[c, port] : ports) {
        if (!ch[c].ecn_bytes) continue;
        const double buffer = static_cast<double>(ch[c].drop_buffer);
        const double marked =
            port_queue(port.in, port.drain, buffer, static_cast<double>(ch[c].ecn_bytes));
        if (!std::isfinite(marked)) continue;
        double arrivals = 0;
        for (const Arrival &a : port.in)
            arrivals += a.rate;
        const double d = ch[c].cc_decrease, period = ch[c].cc_period_cycles;
        for (const Arrival &a : port.in) {
            const double share = port.drain * a.rate / arrivals;
            // d^(n-1), 0 where the share is nothing (cuts without end)
            const double last =
                share > 0
                    ? std::pow(d, std::ceil(std::log(share / a.rate) / std::log(d) - 1e-9) - 1)
                    : 0;
            const double descent = period * d * (1 - last) / (1 - d);
            const double burst = a.rate * (marked + flows_[a.slot].round_trip + descent);
            if (burst < a.burst) burst_[a.slot] = std::min(burst_[a.slot], burst);
        }
    }
    for (auto &[c, port] : ports) {
        for (Arrival &a : port.in)
            a.burst = std::min(a.burst, burst_[a.slot]);
        port_queue(port.in, port.drain, static_cast<double>(ch[c].drop_buffer), 0);
    }
    for (uint32_t k : fresh_) {
        Flow &f = flows_[k];
        is_fresh_[k] = 0;
        // what it sent before acknowledgements or its congestion control held it back
        const double burst = std::min(f.first_window, burst_[k]);
        if (burst < f.first_window) stats_.congestion_cut_flows += f.msg.counts_for;
        const double lost = std::min(lost_[k], burst), got = got_[k];
        lost_[k] = 0;
        got_[k] = INFINITY;
        burst_[k] = INFINITY;
        if (!(lost > 1e-9 * f.bytes)) continue;
        double timeout = 0, slowest = INFINITY;
        for (uint32_t c : f.path) {
            timeout = std::max(timeout, ch[c].retransmit_cycles);
            slowest = std::min(slowest, capacity_[c]);
        }
        // go-back-N: what arrived after the first drop is resent with what was dropped; the
        // sender notices its timeout after its burst's last byte left
        f.remaining -= std::min(got, burst - lost);
        f.rate = 0;
        f.stalled_until = t + burst / slowest + std::max(timeout, 1.0);
        stats_.lost_bytes += lost * f.msg.counts_for;
        stats_.retransmit_timeouts += f.msg.counts_for;
    }
    fresh_.clear();
}

std::vector<double> FlowNetwork::rates() const
{
    std::vector<double> r;
    for (uint32_t k : order_)
        r.push_back(flows_[k].rate);
    return r;
}

} // namespace tess::noc
