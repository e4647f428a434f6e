// extern "C" entry for training iterations (tess_hw_run): the platform's network at
// the chosen fidelity, a compute die per rank, and a fabric that hands each delivered
// message to its die.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>

#include "compute/die.h"
#include "api/kernel_setup.h"
#include "noc/circuits.h"
#include "noc/network.h"

extern "C" {
#include "tessera/tessera.h"
#include "api/tessera_hw.h"
}

namespace {

struct Fabric : tess::noc::TransportClient {
    std::vector<tess::hw::ComputeDie *> die_of_endpoint;
    void on_delivered(const tess::noc::Message &m) override
    {
        if (m.dst < die_of_endpoint.size() && die_of_endpoint[m.dst]) die_of_endpoint[m.dst]->deliver(m);
    }
};

int g_progress = 0;

// The rank a message class sends to: a collective axis's ring neighbour, or the pipeline
// neighbour forward (TESS_AXIS_PIPELINE) or backward (TESS_AXES: the rank whose forward
// neighbour r is); r itself for none.
uint32_t class_peer(const tess_schedule *s, int cls, uint32_t r)
{
    if (cls <= TESS_AXIS_PIPELINE) return tess_ring_next(s, static_cast<tess_coll_axis>(cls), r);
    return tess_pipeline_prev(s, r);
}

// The message classes a schedule sends in (class_peer's numbering): the collective axes
// with groups of more than one, and the pipeline both ways when there is one.
std::vector<bool> used_classes(const tess_schedule *s)
{
    std::vector<bool> used(TESS_AXES + 1, false);
    for (uint32_t i = 0; i < s->n_colls; i++) used[s->colls[i].axis] = used[s->colls[i].axis] || s->colls[i].group > 1;
    used[TESS_AXIS_PIPELINE] = used[TESS_AXES] = s->pp > 1;
    return used;
}

// Symmetry: data-parallel replicas whose routes look alike (for every rank position and
// message class, the same sequence of link and router types) form a class; one replica
// of each class is simulated (its lowest) and the others mirror it. rep[r] is the
// simulated rank whose figures rank r takes (r itself when simulated).
struct Symmetry {
    std::vector<uint32_t> rep;
    std::vector<double> weight; // per simulated rank: the ranks it stands for (itself included)
    uint32_t simulated_replicas = 0;
    tess::hw::Mirrors mirrors;
};

uint64_t mix(uint64_t h, uint64_t v)
{
    uint64_t x = h ^ (v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2)); // splitmix64 finaliser
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

Symmetry build_symmetry(const tess_platform *p, const tess_schedule *s, const tess::noc::Topology &topo,
                        const tess::hw::RankMap &map, const double *dma_bandwidth)
{
    using tess::hw::Mirrors;
    Symmetry sy;
    const uint32_t R = s->tp * s->pp, n = s->dies;
    const std::vector<bool> used = used_classes(s);
    const auto &ch = topo.channels();
    auto path_of = [&](uint32_t a, uint32_t b) { return topo.path(map.endpoint[a], map.endpoint[b]); };
    // each replica's signature: its dies' types and DMA rates, and the types along every
    // route its ranks send on and receive on (a ring step waits for the incoming message).
    // out[class x n + r]: the types along r's route in that class (each route hashed once);
    // from[class x n + r]: who sends to r in that class (r itself for no one)
    std::vector<uint64_t> out(size_t(Mirrors::kClasses) * n, 0);
    std::vector<uint32_t> from(size_t(Mirrors::kClasses) * n);
    for (int cls = 0; cls < Mirrors::kClasses; cls++) {
        for (uint32_t r = 0; r < n; r++) from[size_t(cls) * n + r] = r;
        for (uint32_t r = 0; used[cls] && r < n; r++) {
            const uint32_t to = class_peer(s, cls, r);
            if (to == r) continue;
            from[size_t(cls) * n + to] = r;
            uint64_t h = 1;
            for (uint32_t c : path_of(r, to)) {
                h = mix(h, p->links[ch[c].link].type);
                h = mix(h, ch[c].to_router >= 0 ? 1 + p->instances[topo.routers()[static_cast<size_t>(ch[c].to_router)].instance].type : 0);
            }
            out[size_t(cls) * n + r] = h;
        }
    }
    std::vector<uint64_t> sig(s->dp, 0);
    for (uint32_t d = 0; d < s->dp; d++) {
        for (uint32_t r0 = 0; r0 < R; r0++) {
            uint64_t bits;
            std::memcpy(&bits, &dma_bandwidth[r0 + R * d], sizeof bits);
            sig[d] = mix(mix(sig[d], p->instances[s->die_of_rank[r0 + R * d]].type), bits);
        }
        for (int cls = 0; cls < Mirrors::kClasses; cls++)
            for (uint32_t r0 = 0; used[cls] && r0 < R; r0++) {
                const size_t g = size_t(cls) * n + r0 + R * d;
                sig[d] = mix(mix(sig[d], out[g]), out[size_t(cls) * n + from[g]]); // out, then in
            }
    }
    std::vector<uint32_t> rep_replica(s->dp);
    for (uint32_t d = 0; d < s->dp; d++) {
        rep_replica[d] = d;
        for (uint32_t e = 0; e < d; e++)
            if (rep_replica[e] == e && sig[e] == sig[d]) {
                rep_replica[d] = e;
                break;
            }
        sy.simulated_replicas += rep_replica[d] == d;
    }
    sy.rep.resize(n);
    sy.weight.assign(n, 0);
    for (uint32_t r = 0; r < n; r++) {
        sy.rep[r] = r % R + R * rep_replica[r / R];
        sy.weight[sy.rep[r]] += 1;
    }
    auto real = [&](uint32_t r) { return sy.rep[r] == r; };

    Mirrors &m = sy.mirrors;
    m.ranks = n;
    m.copies.resize(size_t(Mirrors::kClasses) * n);
    m.skipped_joules_per_byte.assign(size_t(Mirrors::kClasses) * n, 0);
    m.skipped.assign(size_t(Mirrors::kClasses) * n, 0);
    std::vector<bool> real_channel(ch.size(), false);
    for (int cls = 0; cls < Mirrors::kClasses; cls++) // the simulated ranks' own, and copies into them
        for (uint32_t r = 0; used[cls] && r < n; r++) {
            const uint32_t to = class_peer(s, cls, r);
            if (to != r && (real(r) || real(to)))
                for (uint32_t c : path_of(r, to)) real_channel[c] = true;
        }
    for (int cls = 0; cls < Mirrors::kClasses; cls++)
        for (uint32_t g = 0; used[cls] && g < n; g++) {
            const uint32_t to = class_peer(s, cls, g);
            if (real(g) || to == g) continue;
            const std::vector<uint32_t> path = path_of(g, to);
            bool shares = real(to);
            for (size_t k = 0; !shares && k < path.size(); k++) shares = real_channel[path[k]];
            const size_t at = size_t(cls) * n + sy.rep[g]; // the simulated rank sends it
            if (shares) {
                m.copies[at].push_back({map.endpoint[g], map.endpoint[to]});
            } else {
                m.skipped[at]++;
                m.skipped_joules_per_byte[at] += topo.path_energy_per_byte(path);
            }
        }
    return sy;
}

// The critical path (tessera_hw.h), walked back from the die that ended last: on a die,
// from the current time back to its latest receive that ended before it; if the die had
// to wait for that message, across to its sender at the moment it sent.
tess_critical_path critical_path(const std::vector<std::unique_ptr<tess::hw::ComputeDie>> &dies,
                                 uint32_t end_rank)
{
    tess_critical_path cp{};
    cp.end_rank = end_rank;
    uint32_t x = end_rank;
    const tess::hw::DieStats &last = dies[x]->stats();
    double t = last.end_s, c = last.compute_s, m = last.memory_s, n = last.network_s;
    size_t k = dies[x]->meetings().size();
    auto local = [&](double from, double c0, double m0, double n0) { // [from, t] on die x
        cp.compute_s += c - c0;
        cp.memory_s += m - m0;
        cp.network_s += n - n0;
        cp.other_s += (t - from) - ((c - c0) + (m - m0) + (n - n0));
    };
    for (;;) {
        const std::vector<tess::hw::Meeting> &mv = dies[x]->meetings();
        while (k > 0 && (mv[k - 1].send || mv[k - 1].t1 > t)) k--;
        if (k == 0) { // back at the start of the iteration
            local(0, 0, 0, 0);
            break;
        }
        const tess::hw::Meeting &r = mv[k - 1];
        local(r.t1, r.compute_s, r.memory_s, r.network_s);
        const std::vector<tess::hw::Meeting> &from = dies[r.peer]->meetings();
        size_t s = from.size();
        if (r.t1 > r.t0) // the die waited: the path crosses to the sender
            while (s > 0 && !(from[s - 1].send && from[s - 1].tag == r.tag && from[s - 1].peer == x)) s--;
        if (r.t1 > r.t0 && s > 0) {
            const tess::hw::Meeting &sent = from[s - 1];
            cp.transfer_s += r.t1 - sent.t1;
            cp.handoffs++;
            x = r.peer;
            t = sent.t1;
            c = sent.compute_s;
            m = sent.memory_s;
            n = sent.network_s;
            k = s - 1;
        } else { // it did not wait (or the send is unknown): on along the same die
            t = r.t0;
            c = r.compute_s;
            m = r.memory_s;
            n = r.network_s;
            k--;
        }
    }
    cp.start_rank = x;
    return cp;
}

/* Runs the simulation to its end, in slices of simulated time when progress is shown
 * (the slices change no result: events keep their order across sc_start calls). A slice
 * doubles while it takes under 0.1 s of wall time and halves above 0.4 s. */
void run_to_end(const std::vector<std::unique_ptr<tess::hw::ComputeDie>> &dies, uint64_t total_ops)
{
    if (!g_progress) {
        sc_core::sc_start();
        return;
    }
    using clock = std::chrono::steady_clock;
    const auto t0 = clock::now();
    auto line = [&](clock::time_point now) {
        uint64_t ops = 0;
        for (const auto &d : dies)
            if (d) ops += d->stats().ops; // mirrored ranks have no die
        const double wall = std::chrono::duration<double>(now - t0).count();
        const double share = total_ops ? static_cast<double>(ops) / static_cast<double>(total_ops) : 0;
        const double eta = share > 0 ? wall / share - wall : 0;
        std::fprintf(stderr, "\rtessera: simulated %.4g s, %.1f%% of ops retired, %.3g events/s, ETA %.0f s   ",
                     sc_core::sc_time_stamp().to_seconds(), 100 * share,
                     static_cast<double>(sc_core::sc_delta_count()) / wall, eta);
        std::fflush(stderr);
    };
    auto next_line = g_progress == 1 ? t0 + std::chrono::seconds(2) : t0;
    double slice_s = 1e-6;
    bool printed = false;
    sc_core::sc_start(sc_core::SC_ZERO_TIME); // elaboration ends, processes start: activity is pending
    while (sc_core::sc_pending_activity()) {
        const auto a = clock::now();
        sc_core::sc_start(sc_core::sc_time(slice_s, sc_core::SC_SEC));
        const auto b = clock::now();
        const double took = std::chrono::duration<double>(b - a).count();
        if (took < 0.1) slice_s *= 2;
        else if (took > 0.4 && slice_s > 1e-9) slice_s /= 2;
        if (b < next_line) continue;
        next_line = b + std::chrono::milliseconds(500);
        line(b);
        printed = true;
    }
    if (printed) { // the final state, then the line ends
        line(clock::now());
        std::fprintf(stderr, "\n");
    }
}

} // namespace

extern "C" void tess_hw_set_progress(int mode) { g_progress = mode; }

extern "C" int tess_hw_run(const tess_platform *p, const tess_schedule *s, unsigned dtype_bytes,
                           const double *dma_bandwidth, tess_noc_fidelity fidelity, int symmetry,
                           tess_iteration_result *out,
                           tess_die_stat *per_die, tess_noc_link_use **links, uint32_t *n_links,
                           tess_span **spans, uint64_t *n_spans,
                           char *msg, size_t msglen)
{
    std::memset(out, 0, sizeof *out);
    try {
        tess::hw::prepare_kernel();
        std::string error;
        tess::noc::BuildOptions bo;
        bo.verify_cdg = fidelity == TESS_NOC_FLIT; // only flit buffers can deadlock
        auto topo = tess::noc::Topology::build(p, bo, &error);
        if (!topo) {
            std::snprintf(msg, msglen, "network: %s", error.c_str());
            return TESS_EINVAL;
        }
        std::unique_ptr<tess::noc::Network> net_owner = tess::noc::make_network(
            fidelity, "noc", *topo, tess::noc::NetworkOptions{});
        tess::noc::Network &net = *net_owner;
        // with a circuit switch, the blocks send through its controller
        std::unique_ptr<tess::noc::CircuitSwitching> circuits;
        if (p->circuits) {
            if (symmetry) {
                std::snprintf(msg, msglen, "--symmetry: not with a circuit switch ('%s'): its configuration "
                              "follows every replica's traffic", p->circuits->name);
                return TESS_EINVAL;
            }
            circuits = std::make_unique<tess::noc::CircuitSwitching>("circuits", net, p->circuits->reconfiguration_s,
                                                                     p->circuits->name);
        }
        tess::noc::Transport &transport = circuits ? static_cast<tess::noc::Transport &>(*circuits) : net;
        tess::hw::RankMap map;
        map.tp = s->tp;
        map.pp = s->pp;
        map.dp = s->dp;
        map.tr = s->tp_grid;
        std::vector<int64_t> endpoint_of_instance(p->n_instances, -1);
        for (uint32_t e = 0; e < net.endpoint_count(); e++) endpoint_of_instance[net.endpoint_instance(e)] = e;
        for (uint32_t r = 0; r < s->dies; r++) {
            const int64_t ep = endpoint_of_instance[s->die_of_rank[r]];
            if (ep < 0) {
                std::snprintf(msg, msglen, "die '%s' is not on the network",
                              p->instances[s->die_of_rank[r]].path);
                return TESS_EINVAL;
            }
            map.endpoint.push_back(static_cast<uint32_t>(ep));
        }
        if (circuits) { // every pair the schedule sends between must be joined by a configuration
            const std::vector<bool> used = used_classes(s);
            for (int cls = 0; cls <= TESS_AXES; cls++)
                for (uint32_t r = 0; used[cls] && r < s->dies; r++) {
                    const uint32_t to = class_peer(s, cls, r);
                    if (to == r || to >= s->dies) continue;
                    if (topo->first_joining(map.endpoint[r], map.endpoint[to]) == topo->configurations()) {
                        std::snprintf(msg, msglen, "circuit switch '%s' (line %ld): no configuration joins die '%s' "
                                      "to die '%s', which rank %u sends to", p->circuits->name, p->circuits->line,
                                      p->instances[s->die_of_rank[r]].path, p->instances[s->die_of_rank[to]].path, r);
                        return TESS_EINVAL;
                    }
                }
        }
        Fabric fabric;
        fabric.die_of_endpoint.assign(net.endpoint_count(), nullptr);
        std::vector<std::unique_ptr<tess::hw::ComputeDie>> dies;
        tess::hw::PowerTimeline power(1e-3);
        const double dram_e_bit = tess_dram_energy_per_bit(p);
        // with symmetry, one replica of each class of alike replicas is simulated
        const bool mirrored = symmetry && s->dp > 1;
        Symmetry sy;
        if (mirrored) sy = build_symmetry(p, s, *topo, map, dma_bandwidth);
        auto simulated = [&](uint32_t r) { return !mirrored || sy.rep[r] == r; };
        uint64_t simulated_ops = 0;
        dies.resize(s->dies);
        for (uint32_t r = 0; r < s->dies; r++) {
            if (!simulated(r)) continue;
            simulated_ops += s->stages[map.stage(r)].ops;
            const tess_die_type &dt = p->types[p->instances[s->die_of_rank[r]].type].u.die;
            char name[32];
            std::snprintf(name, sizeof name, "rank%u", r);
            dies[r] = std::make_unique<tess::hw::ComputeDie>(name, *s, dt, r, map, transport, dma_bandwidth[r],
                                                             dtype_bytes, &power, dram_e_bit);
            fabric.die_of_endpoint[map.endpoint[r]] = dies[r].get();
            dies[r]->record_spans(spans != nullptr);
            if (mirrored) {
                dies[r]->set_mirrors(&sy.mirrors);
                dies[r]->set_power_weight(sy.weight[r]);
            }
        }
        transport.set_client(&fabric);
        tess::noc::UtilisationTimeline timeline;
        if (spans) net.set_timeline(&timeline);
        const auto t0 = std::chrono::steady_clock::now();
        run_to_end(dies, simulated_ops);
        for (auto &d : dies)
            if (d) d->flush_power();
        const auto t1 = std::chrono::steady_clock::now();
        for (uint32_t r = 0; r < s->dies; r++) {
            if (!simulated(r)) { // a mirrored replica's rank: as the rank it mirrors
                out->messages += dies[sy.rep[r]]->stats().messages;
                continue;
            }
            if (!dies[r]->done()) {
                std::snprintf(msg, msglen, "rank %u (die '%s') never finished its schedule: the "
                                           "collectives or pipeline messages deadlocked",
                              r, p->instances[s->die_of_rank[r]].path);
                return TESS_EINTERNAL;
            }
            const tess::hw::DieStats &d = dies[r]->stats();
            if (d.end_s > out->iteration_time_s) {
                out->iteration_time_s = d.end_s;
                out->slowest_rank = r;
            }
            out->messages += d.messages;
            if (per_die) {
                per_die[r] = tess_die_stat{r, map.stage(r), s->die_of_rank[r], d.compute_s, d.memory_s,
                                           d.optimizer_s, d.network_s, d.bubble_s, d.end_s, d.flops,
                                           d.ops, d.dram_bytes, d.messages, {}, d.scale_out_s};
                std::copy(std::begin(d.level_s), std::end(d.level_s), per_die[r].level_s);
            }
        }
        for (uint32_t r = 0; per_die && r < s->dies; r++)
            if (!simulated(r)) {
                per_die[r] = per_die[sy.rep[r]];
                per_die[r].rank = r;
                per_die[r].instance = s->die_of_rank[r];
            }
        out->critical_path = critical_path(dies, out->slowest_rank);
        const tess::hw::DieStats &slow = dies[out->slowest_rank]->stats();
        out->compute_s = slow.compute_s;
        out->memory_s = slow.memory_s;
        out->network_s = slow.network_s;
        out->bubble_s = slow.bubble_s;
        out->optimizer_s = slow.optimizer_s;
        out->exposed_communication_s = slow.network_s;
        out->energy_network_j = net.energy_joules();
        out->simulated_replicas = mirrored ? sy.simulated_replicas : s->dp;
        if (circuits) {
            out->circuit_reconfigurations = circuits->stats().reconfigurations;
            out->circuit_reconfiguring_s = circuits->stats().reconfiguring_s;
            out->circuit_held_messages = circuits->stats().held;
            out->circuit_held_s = circuits->stats().held_s;
        }
        for (const auto &d : dies) {
            if (!d) continue;
            out->energy_network_j += d->stats().mirror_joules;
            out->mirrored_messages += d->stats().mirrored;
            out->mirror_skipped += d->stats().mirror_skipped;
        }
        // the dies' dynamic energy over time (a simulated die spends it for itself and for
        // the dies that mirror it: set_power_weight)
        out->timeline_dynamic_j = power.total_joules();
        out->peak_dynamic_w = power.peak_watts(out->iteration_time_s);
        out->flit_hops = net.stats().flit_hops;
        // busiest router-to-router channels over the iteration
        const auto &ch = topo->channels();
        std::vector<double> busy(ch.size());
        for (uint32_t c = 0; c < ch.size(); c++) busy[c] = static_cast<double>(net.busy_cycles(c));
        std::vector<uint32_t> order;
        for (uint32_t c = 0; c < ch.size(); c++)
            if (ch[c].from_router >= 0 || ch[c].to_router >= 0) order.push_back(c);
        std::stable_sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) {
            return busy[a] > busy[b];
        });
        const double cycles = out->iteration_time_s * topo->clock_hz();
        if (links) { // every channel, in the topology's order
            *n_links = static_cast<uint32_t>(ch.size());
            *links = static_cast<tess_noc_link_use *>(std::calloc(ch.size() + 1, sizeof(tess_noc_link_use)));
            for (uint32_t c = 0; *links && c < ch.size(); c++)
                (*links)[c] = tess::noc::link_use(*topo, c, cycles > 0 ? busy[c] / cycles : 0);
            if (!*links) *n_links = 0;
        }
        out->n_top_links = static_cast<uint32_t>(std::min<size_t>(order.size(), TESS_NOC_TOP_LINKS));
        for (uint32_t i = 0; i < out->n_top_links; i++)
            out->top_links[i] = tess::noc::link_use(*topo, order[i], cycles > 0 ? busy[order[i]] / cycles : 0);
        if (spans) {
            // link utilisation by channel class, window by window up to the iteration's end
            uint32_t per_class[tess::noc::UtilisationTimeline::kClasses] = {0, 0, 0};
            for (uint32_t c = 0; c < ch.size(); c++) per_class[net.channel_class(c)]++;
            const double window_s = timeline.window_cycles() / topo->clock_hz();
            std::vector<tess_span> samples;
            for (size_t w = 0; w < timeline.busy().size() && w * window_s < out->iteration_time_s; w++)
                for (int k = 0; k < tess::noc::UtilisationTimeline::kClasses; k++)
                    if (per_class[k])
                        samples.push_back(tess_span{static_cast<uint32_t>(k), TESS_TRACK_LINKS, w * window_s,
                                                    std::min((w + 1) * window_s, out->iteration_time_s),
                                                    timeline.busy()[w][k] /
                                                        (double(timeline.window_cycles()) * per_class[k])});
            size_t total = samples.size();
            const std::vector<tess_span> no_spans;
            for (const auto &d : dies)
                if (d) total += d->spans().size();
            *spans = static_cast<tess_span *>(std::malloc((total + 1) * sizeof(tess_span)));
            *n_spans = 0;
            for (const auto &d : dies)
                for (const tess_span &sp : d ? d->spans() : no_spans)
                    if (*spans) (*spans)[(*n_spans)++] = sp;
            for (const tess_span &sp : samples)
                if (*spans) (*spans)[(*n_spans)++] = sp;
        }
        out->wall_seconds = std::chrono::duration<double>(t1 - t0).count();
        out->events = sc_core::sc_delta_count();
        return TESS_OK;
    } catch (const std::exception &e) {
        std::snprintf(msg, msglen, "simulation failed: %s", e.what());
        return TESS_EINTERNAL;
    }
}
