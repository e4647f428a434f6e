// Synthetic NoC traffic: see traffic.h.
#include "noc/traffic.h"

#include "noc/traffic_pattern.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace tess::noc
{

namespace
{
uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}
uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}
} // namespace

TrafficGenerator::TrafficGenerator(sc_core::sc_module_name name, Transport &net,
                                   const Topology &topo, const tess_noc_options &opt)
    : sc_core::sc_module(name), net_(net), topo_(topo), opt_(opt)
{
    E_ = net.endpoint_count();
    sizes_ = packet_sizes_of(opt);
    p_packet_ = opt.rate / sizes_.mean;
    window_end_ = opt.warmup_cycles + opt.measure_cycles;
    period_ps_ = net.clock_period().value();
    uint64_t s = opt.seed;
    for (uint64_t &w : rng_)
        w = splitmix64(&s); // xoshiro256** state
    outstanding_.assign(E_, 0);
    responses_.assign(E_, 0);

    const auto &eps = topo.endpoints();
    const tess_platform *p = topo.platform();
    if (opt.traffic != TESS_TRAFFIC_UNIFORM) {
        // the other patterns name grid positions: every die on one mesh or torus
        int32_t grid = topo.routers()[eps[0].router].grid;
        for (const Endpoint &e : eps) {
            int32_t g = topo.routers()[e.router].grid;
            if (g < 0 || g != grid || p->grids[g].topology == TESS_TOPO_SWITCH)
                throw std::invalid_argument(
                    "traffic pattern needs every die on one mesh or torus, and die '" +
                    std::string(p->instances[e.instance].path) + "' is not");
        }
        const tess_grid &g = p->grids[grid];
        std::vector<int64_t> at(static_cast<size_t>(g.rows) * g.cols, -1);
        for (uint32_t i = 0; i < E_; i++)
            at[static_cast<size_t>(eps[i].row) * g.cols + eps[i].col] = i;
        auto die_at = [&](uint32_t node) {
            return "grid node " + std::to_string(node) + " (row " + std::to_string(node / g.cols) +
                   ", column " + std::to_string(node % g.cols) + ")";
        };
        if (opt.traffic == TESS_TRAFFIC_HOTSPOT) {
            const Hotspots h = hotspots_of(opt, g.rows, g.cols);
            for (size_t i = 0; i < h.nodes.size(); i++) {
                if (at[h.nodes[i]] < 0)
                    throw std::invalid_argument("traffic 'hotspot': " + die_at(h.nodes[i]) +
                                                " has no live die");
                hotspot_dies_.push_back(static_cast<uint32_t>(at[h.nodes[i]]));
            }
            hotspot_cumulative_ = h.cumulative;
        } else {
            const std::vector<uint32_t> map = permutation_map(opt.traffic, g.rows, g.cols);
            fixed_dst_.assign(E_, -1);
            for (uint32_t i = 0; i < E_; i++) {
                const uint32_t node = static_cast<uint32_t>(eps[i].row) * g.cols + eps[i].col;
                const int64_t d = at[map[node]];
                if (d < 0)
                    throw std::invalid_argument("traffic pattern sends die '" +
                                                std::string(p->instances[eps[i].instance].path) +
                                                "' to " + die_at(map[node]) +
                                                ", which has no live die");
                fixed_dst_[i] = d;
            }
        }
    }
    for (uint32_t e = 0; e < E_; e++)
        next_.push({gap() - 1, e});

    SC_METHOD(on_tick);
    sensitive << tick_;
    dont_initialize();
    SC_METHOD(on_deadline);
    sensitive << deadline_;
    dont_initialize();
    tick_.notify(
        sc_core::sc_time(static_cast<double>(next_.top().first * period_ps_), sc_core::SC_PS));
    deadline_.notify(sc_core::sc_time(
        static_cast<double>((window_end_ + opt.drain_cycles) * period_ps_), sc_core::SC_PS));
}

uint64_t TrafficGenerator::now_cycle() const
{
    return (sc_core::sc_time_stamp().value() + period_ps_ - 1) / period_ps_;
}

uint64_t TrafficGenerator::next_random()
{
    // xoshiro256** (Blackman & Vigna 2018)
    const uint64_t result = rotl(rng_[1] * 5, 7) * 9;
    const uint64_t t = rng_[1] << 17;
    rng_[2] ^= rng_[0];
    rng_[3] ^= rng_[1];
    rng_[1] ^= rng_[2];
    rng_[0] ^= rng_[3];
    rng_[2] ^= t;
    rng_[3] = rotl(rng_[3], 45);
    return result;
}

double TrafficGenerator::uniform01()
{
    return (next_random() >> 11) * 0x1.0p-53;
}

uint64_t TrafficGenerator::gap()
{
    // cycles to the next creation of a Bernoulli(p) process: geometric, >= 1
    if (p_packet_ >= 1.0) return 1;
    double u = 1.0 - uniform01(); // (0, 1]
    return 1 + static_cast<uint64_t>(std::floor(std::log(u) / std::log1p(-p_packet_)));
}

uint32_t TrafficGenerator::destination(uint32_t src)
{
    if (!fixed_dst_.empty()) return static_cast<uint32_t>(fixed_dst_[src]);
    if (!hotspot_dies_.empty()) {
        const size_t i = pick(hotspot_cumulative_, uniform01());
        if (i < hotspot_dies_.size()) return hotspot_dies_[i];
    }
    return static_cast<uint32_t>(next_random() % E_);
}

uint32_t TrafficGenerator::packet_flits()
{
    if (sizes_.flits.size() == 1) return sizes_.flits[0];
    return sizes_.flits[std::min(pick(sizes_.cumulative, uniform01()), sizes_.flits.size() - 1)];
}

void TrafficGenerator::send(uint32_t src, uint32_t dst, uint32_t flits, MessageClass cls)
{
    Message m;
    m.src = src;
    m.dst = dst;
    m.bytes = static_cast<uint64_t>(flits) * topo_.flit_bytes();
    m.cls = cls;
    m.tag = created_.size();
    const uint64_t now = now_cycle();
    created_.push_back(static_cast<uint32_t>(now));
    delivered_.push_back(false);
    total_outstanding_++;
    if (cls == MessageClass::Request) {
        outstanding_[src]++;
        if (now >= opt_.warmup_cycles && now < window_end_) measured_outstanding_++;
    } else {
        responses_[src]++;
    }
    net_.send(m);
}

void TrafficGenerator::on_tick()
{
    const uint64_t now = now_cycle();
    while (!next_.empty() && next_.top().first <= now) {
        const uint32_t e = next_.top().second;
        next_.pop();
        if (opt_.drain_all && now >= window_end_) continue; // stop offering
        if (outstanding_[e] >= opt_.max_outstanding)
            throttled = true; // the die's queue is full: it offers nothing this cycle
        else
            send(e, destination(e), packet_flits(), MessageClass::Request);
        next_.push({now + gap(), e});
    }
    if (!next_.empty())
        tick_.notify(
            sc_core::sc_time(static_cast<double>(next_.top().first * period_ps_), sc_core::SC_PS) -
            sc_core::sc_time_stamp());
    maybe_finish();
}

bool TrafficGenerator::accepts(const Message &m)
{
    // a die answers a request only while it has room to track the response
    if (!opt_.request_response || m.cls == MessageClass::Response) return true;
    return responses_[m.dst] < opt_.response_slots;
}

void TrafficGenerator::on_delivered(const Message &m)
{
    const uint64_t now = now_cycle();
    if (m.tag >= created_.size() || delivered_[m.tag]) {
        duplicates++;
        return;
    }
    delivered_[m.tag] = true;
    total_outstanding_--;
    const uint64_t created = created_[m.tag];
    if (now >= opt_.warmup_cycles && now < window_end_)
        measured_flits_delivered += m.bytes / topo_.flit_bytes();
    if (m.cls == MessageClass::Request) {
        outstanding_[m.src]--;
        if (created >= opt_.warmup_cycles && created < window_end_) {
            latencies.push_back(static_cast<uint32_t>(now - created));
            measured_outstanding_--;
        }
        if (opt_.request_response)
            send(m.dst, m.src, static_cast<uint32_t>(m.bytes / topo_.flit_bytes()),
                 MessageClass::Response);
    } else {
        responses_[m.src]--;
    }
    maybe_finish();
}

void TrafficGenerator::maybe_finish()
{
    if (now_cycle() < window_end_) return;
    bool done = opt_.drain_all ? total_outstanding_ == 0 : measured_outstanding_ == 0;
    if (done && !drained) {
        drained = true;
        sc_core::sc_stop();
    }
}

void TrafficGenerator::on_deadline()
{
    sc_core::sc_stop();
}

double TrafficGenerator::zero_load_latency() const
{
    const auto &ch = topo_.channels();
    const auto &routers = topo_.routers();
    auto t0 = [&](uint32_t s, uint32_t d) {
        std::vector<uint32_t> path = topo_.path(s, d);
        double t = 0;
        for (uint32_t c : path) {
            t += ch[c].latency + ch[c].cycles_per_flit() - 1;
            if (ch[c].to_router >= 0) t += routers[static_cast<uint32_t>(ch[c].to_router)].pipeline;
        }
        return t + (sizes_.mean - 1) * static_cast<double>(ch[path.back()].pace) / kPaceUnit;
    };
    if (!fixed_dst_.empty()) {
        double sum = 0;
        for (uint32_t s = 0; s < E_; s++)
            sum += t0(s, static_cast<uint32_t>(fixed_dst_[s]));
        return sum / E_;
    }
    // uniform over all pairs; above 65,536 pairs, a fixed sample of them
    double sum = 0;
    uint64_t n = 0;
    if (static_cast<uint64_t>(E_) * E_ <= 65536) {
        for (uint32_t s = 0; s < E_; s++)
            for (uint32_t d = 0; d < E_; d++, n++)
                sum += t0(s, d);
    } else {
        uint64_t x = 12345;
        for (; n < 65536; n++) {
            uint64_t r = splitmix64(&x);
            sum += t0(static_cast<uint32_t>(r % E_), static_cast<uint32_t>((r >> 32) % E_));
        }
    }
    double uniform = sum / static_cast<double>(n), hot = 0, prev = 0;
    for (size_t i = 0; i < hotspot_dies_.size(); i++) { // each hotspot's share of the pairs
        const double share = hotspot_cumulative_[i] - prev;
        prev = hotspot_cumulative_[i];
        double mean = 0;
        for (uint32_t s = 0; s < E_; s++)
            mean += t0(s, hotspot_dies_[i]);
        hot += share * mean / E_;
    }
    return hot + (1 - prev) * uniform;
}

} // namespace tess::noc
