// Shared NoC front end: see network.h.
#include "noc/network.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <stdexcept>

#include "noc/flit.h"
#include "noc/flow.h"
#include "noc/mixed.h"
#include "noc/packet.h"

namespace tess::noc
{

Network::Network(sc_core::sc_module_name name, const Topology &topo, const NetworkOptions &opt)
    : sc_core::sc_module(name), topo_(topo), opt_(opt)
{
    // One time base for every clock: picoseconds, the period rounded to whole ps.
    period_ps_ = static_cast<uint64_t>(std::llround(1e12 / topo.clock_hz()));
    period_ = sc_core::sc_time(static_cast<double>(period_ps_), sc_core::SC_PS);
    stats_.channel_flits.assign(topo.channels().size(), 0);
    stats_.channel_busy.assign(topo.channels().size(), 0);
    stats_.router_flits.assign(topo.routers().size(), 0);
}

bool fidelity_fits(tess_noc_fidelity f, const Topology &topo, std::string *error)
{
    if (f != TESS_NOC_FLIT) return true;
    const auto &channels = topo.channels();
    for (uint32_t c = 0; c < channels.size(); c++) {
        if (channels[c].pace >= kPaceUnit) continue;
        char buf[160];
        std::snprintf(buf, sizeof buf, "%.4g", static_cast<double>(kPaceUnit) / channels[c].pace);
        *error = "channel " + topo.channel_name(c) + " carries " + buf + " flits of " +
                 std::to_string(topo.flit_bytes()) +
                 " B a cycle (its link is wider than the routers' flit): the flit fidelity moves "
                 "one a cycle; use --fidelity packet, flow or mixed, or a flit as wide as the link";
        return false;
    }
    return true;
}

std::unique_ptr<Network> make_network(tess_noc_fidelity f, const char *name, const Topology &topo,
                                      const NetworkOptions &opt)
{
    switch (f) {
    case TESS_NOC_FLIT:
        return std::make_unique<FlitNetwork>(name, topo, opt);
    case TESS_NOC_PACKET:
        return std::make_unique<PacketNetwork>(name, topo, opt);
    case TESS_NOC_FLOW:
        return std::make_unique<FlowNetwork>(name, topo, opt);
    case TESS_NOC_MIXED:
        return std::make_unique<MixedNetwork>(name, topo, opt);
    case TESS_NOC_FIDELITIES:
        break;
    }
    // a value no case knows is a programming error, never a silent packet network
    throw std::invalid_argument("unknown network fidelity " + std::to_string(static_cast<int>(f)));
}

tess_noc_link_use link_use(const Topology &topo, uint32_t c, double utilisation)
{
    tess_noc_link_use u{};
    std::snprintf(u.name, sizeof u.name, "%s", topo.channel_name(c).c_str());
    u.utilisation = utilisation;
    u.link = topo.channels()[c].link;
    u.from = topo.channels()[c].from_inst;
    return u;
}

void UtilisationTimeline::add_weighted(int cls, uint64_t start, uint64_t len, double weight)
{
    if (len == 0) return;
    while ((start + len - 1) / window_ >= max_) { // coarsen: pairs of windows become one
        for (size_t i = 0; i < busy_.size(); i++) {
            std::array<double, kClasses> &to = busy_[i / 2];
            const std::array<double, kClasses> from = busy_[i];
            if (i % 2 == 0)
                to = from;
            else
                for (int k = 0; k < kClasses; k++)
                    to[k] += from[k];
        }
        busy_.resize((busy_.size() + 1) / 2);
        window_ *= 2;
    }
    const size_t last = (start + len - 1) / window_;
    if (busy_.size() <= last) busy_.resize(last + 1, std::array<double, kClasses>{});
    for (size_t w = start / window_; w <= last; w++) {
        const uint64_t a = std::max<uint64_t>(start, w * window_),
                       b = std::min<uint64_t>(start + len, (w + 1) * window_);
        busy_[w][cls] += weight * static_cast<double>(b - a);
    }
}

RouteState Network::accept(const Message &m, uint32_t *flits)
{
    if (m.src >= endpoint_count() || m.dst >= endpoint_count() ||
        static_cast<unsigned>(m.cls) >= topo_.message_classes())
        throw std::invalid_argument("noc: message with an unknown endpoint or class");
    *flits = flits_of(m.bytes);
    stats_.packets_sent++;
    stats_.flits_sent += *flits;
    RouteState st;
    st.flow = topo_.flow_key(m.src, m.dst);
    st.config = config_;
    return st;
}

uint64_t Network::now_cycle() const
{
    uint64_t ps = sc_core::sc_time_stamp().value();
    return (ps + period_ps_ - 1) / period_ps_;
}

double Network::energy_joules() const
{
    const double flit_bits = 8.0 * topo_.flit_bytes();
    double e = 0;
    for (size_t c = 0; c < stats_.channel_flits.size(); c++)
        e += stats_.channel_flits[c] * flit_bits * topo_.channels()[c].energy_per_bit;
    for (size_t r = 0; r < stats_.router_flits.size(); r++)
        e += stats_.router_flits[r] * flit_bits * topo_.routers()[r].energy_per_bit;
    return e;
}

} // namespace tess::noc
