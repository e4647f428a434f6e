// extern "C" entry for routes without a simulation (tess_hw_routes_*): the analytical
// model (src/model/estimate.c) follows the same routes, channel widths and latencies as the
// simulated network, from the same Topology, without elaborating any SystemC module.
#include <algorithm>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "noc/topology.h"

extern "C" {
#include "api/routes.h"
}

struct tess_hw_routes {
    std::unique_ptr<tess::noc::Topology> topo;
    std::vector<int64_t> endpoint_of_instance;
};

extern "C" tess_hw_routes *tess_hw_routes_open(const tess_platform *p, char *msg, size_t msglen)
{
    try {
        tess::noc::BuildOptions bo;
        bo.verify_cdg = false;      // routes only: no buffers to deadlock
        bo.memory_endpoints = true; // memories on routers too (burst memory fidelity)
        std::string error;
        auto h = std::make_unique<tess_hw_routes>();
        h->topo = tess::noc::Topology::build(p, bo, &error);
        if (!h->topo) {
            std::snprintf(msg, msglen, "network: %s", error.c_str());
            return nullptr;
        }
        h->endpoint_of_instance.assign(p->n_instances, -1);
        const auto &eps = h->topo->endpoints();
        for (uint32_t e = 0; e < eps.size(); e++)
            h->endpoint_of_instance[eps[e].instance] = e;
        return h.release();
    } catch (const std::exception &e) {
        std::snprintf(msg, msglen, "network: %s", e.what());
        return nullptr;
    }
}

extern "C" void tess_hw_routes_close(tess_hw_routes *h)
{
    delete h;
}

extern "C" uint32_t tess_hw_routes_channels(const tess_hw_routes *h)
{
    return static_cast<uint32_t>(h->topo->channels().size());
}

extern "C" int tess_hw_route(const tess_hw_routes *h, uint32_t from, uint32_t to,
                             tess_hw_route_info *out, uint32_t *channels, uint32_t cap)
{
    *out = tess_hw_route_info{};
    if (from >= h->endpoint_of_instance.size() || to >= h->endpoint_of_instance.size()) return -1;
    const int64_t s = h->endpoint_of_instance[from], t = h->endpoint_of_instance[to];
    if (s < 0 || t < 0) return -1;
    const std::vector<uint32_t> path =
        h->topo->path(static_cast<uint32_t>(s), static_cast<uint32_t>(t));
    if (path.empty()) return -1;
    out->bandwidth_bytes_s = h->topo->path_bandwidth(path);
    out->energy_per_byte = h->topo->path_energy_per_byte(path);
    out->latency_s = h->topo->path_latency_s(path);
    // a transport window: at most a window in flight a round trip (noc/flow.h)
    const uint64_t window = h->topo->path_window(path);
    if (window && out->latency_s > 0)
        out->bandwidth_bytes_s =
            std::min(out->bandwidth_bytes_s, static_cast<double>(window) / (2 * out->latency_s));
    h->topo->path_collective(path, &out->collective_efficiency, &out->collective_step_s);
    for (uint32_t c : path) {
        if (out->channels < cap) channels[out->channels] = c;
        out->channels++;
    }
    return 0;
}

extern "C" double tess_hw_channel_bandwidth(const tess_hw_routes *h, uint32_t c)
{
    return h->topo->channel_bandwidth(c);
}
