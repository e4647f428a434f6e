// extern "C" entry for NoC runs: elaborate topology, network and traffic; simulate;
// fill tess_noc_result. See tessera_hw.h.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <exception>
#include <memory>
#include <numeric>
#include <stdexcept>
#include <sys/resource.h>

#include <systemc>

#include "api/kernel_setup.h"
#include "noc/flit.h"
#include "noc/flow.h"
#include "noc/packet.h"
#include "noc/traffic.h"

extern "C" {
#include "tessera/tessera.h"
#include "api/tessera_hw.h"
}

using namespace tess::noc;

extern "C" void tess_noc_options_default(tess_noc_options *o)
{
    std::memset(o, 0, sizeof *o);
    o->fidelity = TESS_NOC_PACKET;
    o->traffic = TESS_TRAFFIC_UNIFORM;
    o->rate = 0.1;
    o->packet_flits = 1;
    o->warmup_cycles = 2000;
    o->measure_cycles = 10000;
    o->drain_cycles = 50000;
    o->seed = 1;
    o->response_slots = 4;
    o->datelines = 1;
    o->deadlock_cycles = 20000;
    o->hotspot_fraction = 0.2;
    o->max_outstanding = 10000;
}

extern "C" double tess_noc_mean_packet_flits(const tess_noc_options *o)
{
    try {
        return packet_sizes_of(*o).mean;
    } catch (const std::invalid_argument &) {
        return 0;
    }
}

namespace
{

void fill_links(const Network &net, uint64_t cycles, tess_noc_result *out)
{
    const Topology &topo = net.topology();
    std::vector<uint64_t> busy(topo.channels().size());
    for (uint32_t c = 0; c < busy.size(); c++)
        busy[c] = net.busy_cycles(c);
    std::vector<uint32_t> order;
    double sum = 0;
    uint32_t n = 0;
    for (uint32_t c = 0; c < topo.channels().size(); c++) {
        const Channel &ch = topo.channels()[c];
        if (ch.from_router < 0 || ch.to_router < 0) continue; // router-to-router only
        order.push_back(c);
        sum += cycles ? static_cast<double>(busy[c]) / cycles : 0;
        n++;
    }
    out->mean_link_utilisation = n ? sum / n : 0;
    std::stable_sort(order.begin(), order.end(),
                     [&](uint32_t a, uint32_t b) { return busy[a] > busy[b]; });
    out->n_top_links = static_cast<uint32_t>(std::min<size_t>(order.size(), TESS_NOC_TOP_LINKS));
    for (uint32_t i = 0; i < out->n_top_links; i++)
        out->top_links[i] =
            link_use(topo, order[i], cycles ? static_cast<double>(busy[order[i]]) / cycles : 0);
    out->max_link_utilisation = out->n_top_links ? out->top_links[0].utilisation : 0;
}

int check_options(const tess_noc_options *o, char *msg, size_t msglen)
{
    if (!(o->rate > 0 && o->rate <= 1)) {
        std::snprintf(msg, msglen, "rate %g is outside (0, 1] flits per die per cycle", o->rate);
        return TESS_EINVAL;
    }
    if (o->packet_flits < 1 || o->measure_cycles < 1 || o->max_outstanding < 1 ||
        (o->request_response && o->response_slots < 1)) {
        std::snprintf(msg, msglen,
                      "packet flits, measure cycles, outstanding and response slots "
                      "must be at least 1");
        return TESS_EINVAL;
    }
    if (o->warmup_cycles + o->measure_cycles + o->drain_cycles > 0xffffffffull) {
        std::snprintf(msg, msglen, "warmup + measure + drain exceeds 2^32 cycles");
        return TESS_EINVAL;
    }
    return TESS_OK;
}

} // namespace

extern "C" int tess_hw_noc_run(const tess_platform *p, const tess_noc_options *o,
                               tess_noc_result *out, char *msg, size_t msglen)
{
    std::memset(out, 0, sizeof *out);
    int rc = check_options(o, msg, msglen);
    if (rc != TESS_OK) return rc;
    if (p->circuits) {
        std::snprintf(msg, msglen,
                      "circuit switch '%s' (line %ld): synthetic traffic has no phases to set its "
                      "configurations by; use tessera run",
                      p->circuits->name, p->circuits->line);
        return TESS_EINVAL;
    }
    try {
        tess::hw::prepare_kernel();
        BuildOptions bo;
        bo.message_classes = o->request_response ? 2 : 1;
        bo.datelines = o->datelines != 0;
        // without datelines a torus can deadlock: that run exists to show the
        // deadlock detector at work, so the static check must not refuse it. Only the
        // flit fidelity has buffers that can deadlock: the check (all pairs of endpoints,
        // costly on large networks) is skipped for packet and flow.
        bo.verify_cdg = o->datelines != 0 && o->fidelity == TESS_NOC_FLIT;
        std::string error;
        std::unique_ptr<Topology> topo = Topology::build(p, bo, &error);
        if (!topo) {
            std::snprintf(msg, msglen, "%s", error.c_str());
            return TESS_EINVAL;
        }
        NetworkOptions no;
        no.deadlock_cycles = o->deadlock_cycles;
        if (!fidelity_fits(o->fidelity, *topo, &error)) {
            std::snprintf(msg, msglen, "%s", error.c_str());
            return TESS_EINVAL;
        }
        std::unique_ptr<Network> net = make_network(o->fidelity, "noc", *topo, no);
        std::unique_ptr<TrafficGenerator> gen;
        try {
            gen = std::make_unique<TrafficGenerator>("traffic", *net, *topo, *o);
        } catch (const std::invalid_argument &e) {
            std::snprintf(msg, msglen, "%s", e.what());
            return TESS_EINVAL;
        }
        net->set_client(gen.get());

        auto t0 = std::chrono::steady_clock::now();
        sc_core::sc_start();
        auto t1 = std::chrono::steady_clock::now();

        const NetworkStats &st = net->stats();
        out->endpoints = net->endpoint_count();
        out->routers = static_cast<uint32_t>(topo->routers().size());
        out->channels = static_cast<uint32_t>(topo->channels().size());
        out->clock_hz = topo->clock_hz();
        out->zero_load_latency_cycles = gen->zero_load_latency();
        std::vector<uint32_t> &lat = gen->latencies;
        out->packets_measured = lat.size();
        if (!lat.empty()) {
            double sum = std::accumulate(lat.begin(), lat.end(), 0.0);
            out->mean_latency_cycles = sum / static_cast<double>(lat.size());
            // p99: the smallest latency at or above 99% of the measured packets
            size_t k = static_cast<size_t>(std::ceil(0.99 * static_cast<double>(lat.size()))) - 1;
            std::nth_element(lat.begin(), lat.begin() + static_cast<std::ptrdiff_t>(k), lat.end());
            out->p99_latency_cycles = lat[k];
            out->max_latency_cycles = *std::max_element(lat.begin(), lat.end());
        }
        out->offered_flits_per_node_cycle = o->rate;
        out->accepted_flits_per_node_cycle =
            static_cast<double>(gen->measured_flits_delivered) /
            (static_cast<double>(out->endpoints) * static_cast<double>(o->measure_cycles));
        out->packets_sent = st.packets_sent;
        out->packets_delivered = st.packets_delivered;
        out->flits_sent = st.flits_sent;
        out->flits_delivered = st.flits_delivered;
        out->misrouted = st.misrouted;
        out->duplicates = gen->duplicates;
        out->flit_hops = st.flit_hops;
        out->simulated_cycles = net->now_cycle();
        out->kernel_activations = st.kernel_activations;
        out->energy_j = net->energy_joules();
        fill_links(*net, out->simulated_cycles, out);
        out->drained = gen->drained;
        out->throttled = gen->throttled;
        out->deadlocked = st.deadlocked;
        std::snprintf(out->message, sizeof out->message, "%s", st.deadlock_report.c_str());
        out->wall_seconds = std::chrono::duration<double>(t1 - t0).count();
        if (out->wall_seconds > 0) {
            out->cycles_per_second = out->simulated_cycles / out->wall_seconds;
            out->flit_hops_per_second = out->flit_hops / out->wall_seconds;
        }
        struct rusage ru;
        if (getrusage(RUSAGE_SELF, &ru) == 0) out->peak_rss_kb = ru.ru_maxrss;
        return TESS_OK;
    } catch (const std::exception &) {
        return tess::hw::failure(msg, msglen);
    }
}
