// `packet` fidelity: see packet.h.
#include "noc/packet.h"

#include <algorithm>
#include <stdexcept>

namespace tess::noc
{

PacketPath::PacketPath(Network &net) : net_(net), topo_(net.topology())
{
    booked_.resize(topo_.channels().size());
    groups_ = topo_.message_classes() * topo_.dateline_classes();
    first_place_.assign(topo_.channels().size() * groups_ + 1, 0);
    depth_.assign(topo_.channels().size(), 0);
    for (uint32_t c = 0; c < topo_.channels().size(); c++) {
        const Channel &ch = topo_.channels()[c];
        if (ch.to_router < 0) continue; // a die takes what arrives
        const Router &down = topo_.routers()[static_cast<uint32_t>(ch.to_router)];
        if (down.store_forward) continue; // relays into memory
        // a router releasing a VC on its tail's credit puts one packet in it; a die
        // injecting, or a router releasing on the tail sent, queues packets in a VC behind
        // each other as far as its buffer-flits hold them
        const bool one_per_vc =
            ch.from_router >= 0 &&
            topo_.routers()[static_cast<uint32_t>(ch.from_router)].release_on_tail_credit;
        depth_[c] = one_per_vc ? 1 : std::max<uint32_t>(1, down.buffer_flits);
        for (unsigned m = 0; m < topo_.message_classes(); m++)
            for (unsigned d = 0; d < topo_.dateline_classes(); d++) {
                uint32_t first, count;
                topo_.vc_range(down.vcs, m, d, &first, &count);
                RouteState st;
                st.dateline = static_cast<uint8_t>(d);
                first_place_[group(c, st, static_cast<uint8_t>(m)) + 1] = count * depth_[c];
            }
    }
    // one entry per place: bounded, so that buffers of a million flits on every input
    // are a clear error rather than an overflowing index
    uint64_t total = 0, most = 0;
    uint32_t widest = 0; // the router whose inputs hold the most places
    for (size_t g = 1; g < first_place_.size(); g++) {
        total += first_place_[g];
        const uint32_t c = static_cast<uint32_t>((g - 1) / groups_);
        if (first_place_[g] > most) {
            most = first_place_[g];
            widest = static_cast<uint32_t>(topo_.channels()[c].to_router);
        }
        if (total > kMaxPlaces)
            throw std::invalid_argument(
                "packet fidelity keeps a place for every packet a router input's VCs can "
                "hold (vcs x buffer-flits); this platform's routers hold over " +
                std::to_string(kMaxPlaces) + " (router " + topo_.router_name(widest) + ": " +
                std::to_string(most) +
                " on one input): give its router-type fewer "
                "buffer-flits or vcs, or use the flow fidelity");
        first_place_[g] = static_cast<uint32_t>(total);
    }
    holds_.assign(first_place_.back(), Holds());
    last_.assign(first_place_.back(), {0, 0});
    tangled_.assign(first_place_.back(), 0);
    latest_.assign(first_place_.back(), 0);
    gone_.assign(first_place_.back(), 0);
}

uint64_t PacketPath::place_free(uint32_t p, uint64_t t, uint64_t hold, bool *open,
                                uint64_t *prev) const
{
    if (latest_[p] <= t) { // every hold over by t: free from then on
        *open = true;
        *prev = latest_[p];
        return t;
    }
    // the place's holds: the earlier ones, then its last
    const Holds &v = holds_[p];
    const size_t n = v.size() + (last_[p].second != 0);
    auto nth = [&](size_t i) { return i < v.size() ? v[i] : last_[p]; };
    uint64_t start = t;
    *prev = gone_[p];
    size_t i = 0;
    if (!tangled_[p]) { // holds apart: skip to the last one starting by t
        size_t lo = 0, hi = n;
        while (lo < hi) {
            const size_t mid = (lo + hi) / 2;
            if (nth(mid).first <= t)
                lo = mid + 1;
            else
                hi = mid;
        }
        i = lo ? lo - 1 : 0;
    }
    for (; i < n; i++) {
        const auto [from, to] = nth(i);
        if (to <= start) {
            *prev = std::max(*prev, to);
            continue;
        }
        if (from >= start && from - start >= hold) { // the gap before this hold fits
            *open = false;
            return start;
        }
        start = std::max(start, to);
        *prev = start;
    }
    *open = true;
    return start;
}

uint64_t PacketPath::claim(uint32_t g, uint32_t need, uint64_t t, uint64_t hold, uint32_t *place)
{
    const uint64_t now = net_.now_cycle();
    const uint32_t first = first_place_[g], last = first_place_[g + 1];
    // A place's order: free soonest; then free from then on (a gap before a later hold is
    // taken only where no place is free for good as soon); then the one freed latest
    // (leaving those free earlier to messages booked later that come earlier).
    auto before = [](const Pick &a, const Pick &b) {
        if (a.at != b.at) return a.at < b.at;
        if (a.open != b.open) return a.open;
        if (a.prev != b.prev) return a.prev > b.prev;
        return a.p < b.p;
    };
    uint64_t at = t;
    // Where `need` places are free for good by t (their last holds over), they come first:
    // the `need` of them whose holds ended latest (one place: a scan alone).
    picks_.clear();
    if (need == 1) {
        uint32_t best = UINT32_MAX;
        for (uint32_t p = first; p < last; p++)
            if (latest_[p] <= t && (best == UINT32_MAX || latest_[p] > latest_[best])) best = p;
        if (best != UINT32_MAX) picks_.push_back(Pick{t, true, latest_[best], best});
    } else {
        free_.clear();
        for (uint32_t p = first; p < last; p++)
            if (latest_[p] <= t) free_.emplace_back(UINT64_MAX - latest_[p], p);
        if (free_.size() >= need) {
            std::nth_element(free_.begin(), free_.begin() + (need - 1), free_.end());
            for (uint32_t i = 0; i < need; i++)
                picks_.push_back(Pick{t, true, UINT64_MAX - free_[i].first, free_[i].second});
        }
    }
    if (picks_.empty()) {
        for (;;) { // the `need` places that free first; claimed when the last of them is free
            picks_.clear();
            for (uint32_t p = first; p < last; p++) {
                Pick k{0, false, 0, p};
                k.at = place_free(p, at, hold, &k.open, &k.prev);
                picks_.push_back(k);
            }
            std::nth_element(picks_.begin(), picks_.begin() + (need - 1), picks_.end(), before);
            const uint64_t latest = picks_[need - 1].at;
            bool together = true; // every chosen place free from `latest`
            for (uint32_t i = 0; i + 1 < need && together; i++)
                together = picks_[i].at == latest;
            at = latest;
            if (together) break;
        }
    }
    for (uint32_t i = 0; i < need; i++) {
        const uint32_t p = picks_[i].p;
        Holds &v = holds_[p];
        auto &lh = last_[p];
        // holds over by now no longer matter but for the latest end among them
        if (latest_[p] <= now) { // all of them (the usual case): not read
            gone_[p] = latest_[p];
            if (!v.empty()) v.clear();
            lh = {0, 0};
            tangled_[p] = 0;
        } else {
            size_t stale = 0;
            while (stale < v.size() && v[stale].second <= now)
                gone_[p] = std::max(gone_[p], v[stale++].second);
            if (stale) v.erase(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(stale));
        }
        const std::pair<uint64_t, uint64_t> h{at, kPending};
        if (lh.second == 0) {
            lh = h;
        } else if (lh.first <= at) { // after every hold: the last
            v.push_back(lh);
            lh = h;
        } else {
            v.insert(std::upper_bound(v.begin(), v.end(), h), h);
        }
        latest_[p] = kPending;
    }
    *place = need == 1 ? picks_[0].p : UINT32_MAX;
    return at;
}

void PacketPath::release(const Head &h, uint64_t start, uint64_t pace)
{
    if (h.claimed)
        settle(h, start + pace_cycles(h.held - 1, pace) + topo_.credit_cycles(h.channel));
}

void PacketPath::settle(const Head &h, uint64_t end)
{
    auto one = [&](uint32_t p) {
        if (latest_[p] != kPending) return;
        Holds &v = holds_[p];
        auto &lh = last_[p];
        uint64_t latest = gone_[p];
        for (size_t i = 0; i < v.size(); i++) {
            if (v[i].second == kPending) {
                v[i].second = end;
                // a hold that outlasts the gap it was given overlaps the next one
                if ((i + 1 < v.size() ? v[i + 1].first : lh.first) < end) tangled_[p] = 1;
            }
            latest = std::max(latest, v[i].second);
        }
        if (lh.second == kPending) lh.second = end;
        latest_[p] = std::max(latest, lh.second);
    };
    if (h.place != UINT32_MAX) {
        one(h.place);
        return;
    }
    const uint32_t g = group(h.channel, h.st, h.cls);
    for (uint32_t p = first_place_[g]; p < first_place_[g + 1]; p++)
        one(p);
}

uint64_t PacketPath::probe(uint32_t c, uint64_t earliest, uint64_t length) const
{
    uint64_t start = earliest;
    for (const auto &[s, e] : booked_[c]) {
        if (e <= start) continue;
        if (s >= start + length) break; // the gap before this interval fits
        start = e;
    }
    return start;
}

uint64_t PacketPath::book(uint32_t c, uint64_t earliest, uint64_t length, uint64_t now)
{
    auto &v = booked_[c];
    // intervals that ended before now can no longer matter: every booking starts later
    size_t stale = 0;
    while (stale < v.size() && v[stale].second <= now)
        stale++;
    if (stale) v.erase(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(stale));
    const uint64_t start = probe(c, earliest, length);
    auto at = std::lower_bound(v.begin(), v.end(), std::make_pair(start, start + length));
    v.insert(at, {start, start + length});
    return start;
}

uint64_t PacketPath::busy_cycles(uint32_t c) const
{
    const uint64_t now = net_.now_cycle(), busy = net_.stats().channel_busy[c];
    uint64_t ahead = 0;
    for (const auto &[s, e] : booked_[c])
        if (e > now) ahead += e - std::max(s, now);
    return busy - std::min(ahead, busy);
}

// Flits stream at the pace of the slowest channel so far (a wider channel after a narrow
// one waits for each flit); a channel is booked for its own serialisation of the flits.
Head PacketPath::enter(uint32_t c, uint64_t earliest, uint64_t pace, uint32_t flits,
                       const RouteState &st, uint8_t cls, uint64_t lead)
{
    const Channel &ch = topo_.channels()[c];
    Head h;
    h.channel = c;
    h.pace = std::max<uint64_t>(pace, ch.pace);
    h.st = st;
    h.cls = cls;
    // the channel is busy for its own serialisation of every flit; behind a slower
    // channel the flits come h.pace apart and the gaps are left to other packets (on the
    // link they interleave flit by flit from other VCs): booked as one interval from the
    // head, the channel's throughput is the link's
    const uint64_t len = pace_cycles(flits, ch.pace);
    const uint64_t now = net_.now_cycle();
    uint64_t at = earliest, hold = 0;
    bool train = false;
    if (const uint32_t depth = depth_[c]) {
        // the places are claimed when the VC is allocated, from `lead` cycles before the
        // head is through the pipeline; the switch traversal follows a cycle after the
        // claim at the earliest, and the places are held while the packet waits for the
        // channel: at least while its flits cross c and the router's pipeline and the
        // credit comes back. A message longer than c's largest packet is a train of
        // packets, whose packets interleave with others' in the VCs and on the router's
        // outputs: it holds places for its first packet only, and only that long (the
        // links serve the trains whole, one after another, where their packets would share
        // them: a train waiting for its output holds nothing).
        train = ch.packet_flits && flits > ch.packet_flits;
        h.held = train ? ch.packet_flits : flits;
        const uint32_t need = std::min(h.held, depth);
        hold = pace_cycles(h.held, ch.pace) + ch.latency + topo_.credit_cycles(c) +
               topo_.routers()[static_cast<uint32_t>(ch.to_router)].pipeline;
        const uint64_t claimed =
            claim(group(c, st, cls), need, earliest >= lead ? earliest - lead : 0, hold, &h.place);
        at = std::max(earliest, claimed + std::min<uint64_t>(lead, 1));
        h.claimed = true;
    }
    const uint64_t start = book(c, at, len, now);
    if (train) { // its first packet's places, from its start across c
        settle(h, start + hold);
        h.claimed = false;
    }
    h.start = start;
    h.head = start + ch.latency + ch.cycles_per_flit() - 1;
    h.through =
        ch.latency + ch.cycles_per_flit() - 1 +
        (ch.to_router >= 0 ? topo_.routers()[static_cast<uint32_t>(ch.to_router)].pipeline : 0);
    net_.count_channel(c, flits, start, len);
    return h;
}

uint32_t PacketPath::walk(Head &h, uint32_t dst, uint32_t flits, const std::vector<uint8_t> *stop,
                          uint64_t *ready, bool whole, const std::vector<uint32_t> *flows)
{
    const auto &channels = topo_.channels();
    const auto &routers = topo_.routers();
    for (size_t guard = 0; channels[h.channel].to_router >= 0; guard++) {
        if (guard > 4 * routers.size() + 4) throw std::logic_error("noc: routing loop");
        const uint32_t r = static_cast<uint32_t>(channels[h.channel].to_router);
        const Router &R = routers[r];
        RouteState next[3];
        size_t n;
        if (topo_.adaptive()) { // every equally fast next hop
            n = static_cast<size_t>(topo_.route_all(r, dst, h.st, &ports_, &next[0]));
            next[1] = next[2] = next[0];
        } else {
            uint32_t p[3];
            n = static_cast<size_t>(topo_.route(r, dst, h.st, p, next));
            ports_.assign(p, p + n);
        }
        if (n == 0) throw std::logic_error("noc: no route");
        // the head may leave after the pipeline; from a router that stores and forwards
        // (relaying between two others), once the tail has arrived, the flits then paced
        // afresh
        const bool first = guard == 0;
        auto stored = [&](uint32_t co) { return topo_.stores(h.channel, co) && !(first && whole); };
        auto leaves = [&](uint32_t co) {
            return stored(co) ? h.head + pace_cycles(flits - 1, h.pace) + R.pipeline
                              : h.head + R.pipeline;
        };
        // the pace the flits come at onto co: stored, sent on afresh, a flit a cycle (or the
        // lanes' pace of a wider channel); else as they arrive
        auto pace_onto = [&](uint32_t co) {
            return stored(co) ? std::min(kPaceUnit, channels[co].pace) : h.pace;
        };
        size_t best = 0;
        bool all_stop = stop && flows && topo_.adaptive();
        for (size_t i = 0; i < n && all_stop; i++)
            all_stop = (*stop)[R.out_channel[ports_[i]]] != 0;
        if (n > 1 && all_stop) { // flow channels: the one carrying the fewest flows
            best = h.st.flow % n;
            for (size_t k = 1; k < n; k++) {
                const size_t i = (k + h.st.flow) % n;
                if ((*flows)[R.out_channel[ports_[i]]] < (*flows)[R.out_channel[ports_[best]]])
                    best = i;
            }
        } else if (n > 1) { // adaptive: the candidate whose channel frees first (ties: from the
                            // flow key on)
            uint64_t best_start = UINT64_MAX;
            for (size_t k = 0; k < n; k++) {
                const size_t i = (k + (topo_.adaptive() ? h.st.flow : 0)) % n;
                const uint32_t co = R.out_channel[ports_[i]];
                const uint64_t own = channels[co].pace;
                const uint64_t s = probe(co, leaves(co),
                                         pace_cycles(flits - 1, std::max(pace_onto(co), own)) +
                                             pace_cycles(1, own));
                if (s < best_start) {
                    best_start = s;
                    best = i;
                }
            }
        }
        const uint32_t c = R.out_channel[ports_[best]];
        const RouteState st = next[std::min<size_t>(best, 2)];
        const uint64_t at = leaves(c);
        const uint64_t pace = pace_onto(c);
        net_.count_router(r, flits, true);
        if (stop && (*stop)[c]) {
            release(h, at, pace);
            h.st = st;
            h.pace = pace;
            h.claimed = false;
            *ready = at;
            return c;
        }
        const uint64_t through = h.through;
        const Head up = h;
        h = enter(c, at, pace, flits, st, up.cls, R.pipeline > 0 ? R.pipeline - 1 : 0);
        release(up, h.start, h.pace);
        h.through += through;
    }
    return UINT32_MAX;
}

PacketNetwork::PacketNetwork(sc_core::sc_module_name name, const Topology &topo,
                             const NetworkOptions &opt)
    : Network(name, topo, opt), path_(*this)
{
    SC_METHOD(on_wake);
    sensitive << wake_;
    dont_initialize();
}

uint64_t PacketNetwork::busy_cycles(uint32_t c) const
{
    return path_.busy_cycles(c);
}

void PacketNetwork::send(const Message &m)
{
    uint32_t flits;
    const RouteState st = accept(m, &flits);
    // injection channel, then router by router to the ejection channel
    Head h = path_.enter(topo_.endpoints()[m.src].inject, now_cycle(), 1, flits, st,
                         static_cast<uint8_t>(m.cls));
    uint64_t ready;
    path_.walk(h, m.dst, flits, nullptr, &ready);
    check_arrival(m, h.channel);
    const uint64_t tail = h.head + pace_cycles(flits - 1, h.pace);
    const bool earliest = deliveries_.empty() || tail < deliveries_.top().cycle;
    deliveries_.push(Delivery{tail, seq_++, m});
    if (earliest) wake_.notify(time_of(tail) - sc_core::sc_time_stamp());
}

void PacketNetwork::on_wake()
{
    stats_.kernel_activations++;
    const uint64_t now = now_cycle();
    while (!deliveries_.empty() && deliveries_.top().cycle <= now) {
        const Delivery d = deliveries_.top();
        deliveries_.pop();
        stats_.packets_delivered++;
        stats_.flits_delivered += flits_of(d.msg.bytes);
        if (client_) client_->on_delivered(d.msg); // may send(): the queue stays valid
    }
    if (!deliveries_.empty())
        wake_.notify(time_of(deliveries_.top().cycle) - sc_core::sc_time_stamp());
}

} // namespace tess::noc
