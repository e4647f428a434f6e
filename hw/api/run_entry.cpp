// extern "C" entry for training iterations (tess_hw_run): the platform's network at
// the chosen fidelity, a compute die per rank, and a fabric that hands each delivered
// message to its die.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>

#include "api/kernel_setup.h"
#include "compute/critical_path.h"
#include "compute/die.h"
#include "compute/memory_port.h"
#include "compute/symmetry.h"
#include "noc/circuits.h"
#include "noc/network.h"

extern "C" {
#include "model/placement.h"
#include "tessera/tessera.h"
#include "api/tessera_hw.h"
}

namespace
{

struct Fabric : tess::noc::TransportClient {
    std::vector<tess::hw::ComputeDie *> die_of_endpoint;
    std::vector<tess::hw::MemoryPort *> memory_of_endpoint; // burst memory fidelity
    void on_delivered(const tess::noc::Message &m) override
    {
        using tess::hw::kMemoryTag, tess::hw::kReplyTag;
        const bool request = (m.tag & kMemoryTag) && !(m.tag & kReplyTag);
        if (request && m.dst < memory_of_endpoint.size() && memory_of_endpoint[m.dst])
            memory_of_endpoint[m.dst]->deliver(m);
        else if (m.dst < die_of_endpoint.size() && die_of_endpoint[m.dst])
            die_of_endpoint[m.dst]->deliver(m);
    }
};

// DMA transfers at burst memory fidelity go in chunks of this many bytes (two in flight
// per die): the grain at which a memory interleaves dies that stream from it at once.
constexpr uint64_t kDmaChunkBytes = 1ull << 20;

// Events so far: every activation of a simulated module's process, the network's and each
// die's (its start and every resumption); the kernel's delta cycles are counted apart.
uint64_t events_so_far(const tess::noc::Network &net,
                       const std::vector<std::unique_ptr<tess::hw::ComputeDie>> &dies)
{
    uint64_t n = net.stats().kernel_activations;
    for (const auto &d : dies)
        if (d) n += d->stats().wakes + 1; // mirrored ranks have no die
    return n;
}

/* Runs the simulation to its end, in slices of simulated time when progress is shown
 * (the slices change no result: events keep their order across sc_start calls). A slice
 * doubles while it takes under 0.1 s of wall time and halves above 0.4 s. */
void run_to_end(const tess::noc::Network &net,
                const std::vector<std::unique_ptr<tess::hw::ComputeDie>> &dies, uint64_t total_ops,
                int progress)
{
    if (!progress) {
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
        const double share =
            total_ops ? static_cast<double>(ops) / static_cast<double>(total_ops) : 0;
        const double eta = share > 0 ? wall / share - wall : 0;
        std::fprintf(
            stderr,
            "\rtessera: simulated %.4g s, %.1f%% of ops retired, %.3g events/s, ETA %.0f s   ",
            sc_core::sc_time_stamp().to_seconds(), 100 * share,
            static_cast<double>(events_so_far(net, dies)) / wall, eta);
        std::fflush(stderr);
    };
    auto next_line = progress == 1 ? t0 + std::chrono::seconds(2) : t0;
    double slice_s = 1e-6;
    bool printed = false;
    sc_core::sc_start(
        sc_core::SC_ZERO_TIME); // elaboration ends, processes start: activity is pending
    while (sc_core::sc_pending_activity()) {
        const auto a = clock::now();
        sc_core::sc_start(sc_core::sc_time(slice_s, sc_core::SC_SEC));
        const auto b = clock::now();
        const double took = std::chrono::duration<double>(b - a).count();
        if (took < 0.1)
            slice_s *= 2;
        else if (took > 0.4 && slice_s > 1e-9)
            slice_s /= 2;
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

using tess::hw::ComputeDie;

// One iteration's simulation: the network (through a circuit switch's controller when
// the platform has one), a compute die per simulated rank, and what they share. Members
// are destroyed in reverse order: the dies before the network they send on.
struct Iteration {
    const tess_platform *p;
    const tess_schedule *s;
    std::unique_ptr<tess::noc::Topology> topo;
    std::unique_ptr<tess::noc::Network> net;
    std::unique_ptr<tess::noc::CircuitSwitching> circuits;
    tess::noc::Transport *transport = nullptr;
    tess::hw::RankMap map;
    Fabric fabric;
    std::vector<std::unique_ptr<ComputeDie>> dies;
    std::vector<std::unique_ptr<tess::hw::MemoryPort>> memories; // burst: memories in use
    std::vector<double> dma_rate;                                // per rank, bytes/s
    std::vector<int64_t> endpoint_of_instance;                   // -1: none
    tess::hw::PowerTimeline power{1e-3};
    tess::hw::Symmetry sy;
    bool mirrored = false; // one replica of each class simulated, the others mirrored
    tess::noc::UtilisationTimeline timeline;

    bool simulated(uint32_t r) const { return !mirrored || sy.rep[r] == r; }
};

// The network at the fidelity, and the circuit switch's controller. TESS_OK or TESS_EINVAL.
int build_network(Iteration &it, tess_noc_fidelity fidelity, int symmetry, bool memories,
                  double flow_tolerance, char *msg, size_t msglen)
{
    const tess_platform *p = it.p;
    std::string error;
    tess::noc::BuildOptions bo;
    bo.verify_cdg = fidelity == TESS_NOC_FLIT; // only flit buffers can deadlock
    bo.memory_endpoints = memories;
    it.topo = tess::noc::Topology::build(p, bo, &error);
    if (!it.topo) {
        std::snprintf(msg, msglen, "network: %s", error.c_str());
        return TESS_EINVAL;
    }
    if (!tess::noc::fidelity_fits(fidelity, *it.topo, &error)) {
        std::snprintf(msg, msglen, "network: %s%s", error.c_str(),
                      memories ? " (at --memory-fidelity burst memories' links are part of the "
                                 "network; rate keeps them off it)"
                               : "");
        return TESS_EINVAL;
    }
    tess::noc::NetworkOptions no;
    no.flow_tolerance = flow_tolerance;
    it.net = tess::noc::make_network(fidelity, "noc", *it.topo, no);
    it.transport = it.net.get();
    if (!p->circuits) return TESS_OK;
    // with a circuit switch, the blocks send through its controller
    if (memories) {
        std::snprintf(msg, msglen,
                      "--memory-fidelity burst: not with a circuit switch ('%s') while dies "
                      "reach their memory through the network (use --memory-fidelity rate)",
                      p->circuits->name);
        return TESS_EINVAL;
    }
    if (symmetry) {
        std::snprintf(msg, msglen,
                      "--symmetry: not with a circuit switch ('%s'): its configuration "
                      "follows every replica's traffic",
                      p->circuits->name);
        return TESS_EINVAL;
    }
    it.circuits = std::make_unique<tess::noc::CircuitSwitching>(
        "circuits", *it.net, p->circuits->reconfiguration_s, p->circuits->name);
    it.transport = it.circuits.get();
    return TESS_OK;
}

// Each collective axis's ring step from every rank: the collective-efficiency and
// collective-step of the link-types on its route.
void ring_links(Iteration &it)
{
    const tess_schedule *s = it.s;
    it.map.ring_link.assign(static_cast<size_t>(TESS_AXES) * s->dies, tess::hw::RingLink{});
    std::vector<bool> axis_used(TESS_AXES, false);
    for (uint32_t i = 0; i < s->n_colls; i++)
        axis_used[s->colls[i].axis] = s->colls[i].group > 1;
    for (int a = 0; a < TESS_AXES; a++)
        for (uint32_t r = 0; axis_used[a] && r < s->dies; r++) {
            const uint32_t next = tess_ring_next(s, static_cast<tess_coll_axis>(a), r);
            if (next == r) continue;
            tess::hw::RingLink &l = it.map.ring_link[static_cast<size_t>(a) * s->dies + r];
            it.topo->path_collective(it.topo->path(it.map.endpoint[r], it.map.endpoint[next]),
                                     &l.efficiency, &l.step_s);
        }
    const auto *topo = it.topo.get();
    const std::vector<uint32_t> *endpoint = &it.map.endpoint;
    it.map.link_between = [topo, endpoint](uint32_t from, uint32_t to) {
        tess::hw::RingLink l;
        topo->path_collective(topo->path((*endpoint)[from], (*endpoint)[to]), &l.efficiency,
                              &l.step_s);
        return l;
    };
}

// Every rank's network endpoint; with a circuit switch, a configuration for every pair
// the schedule sends between. TESS_OK or TESS_EINVAL.
int map_ranks(Iteration &it, char *msg, size_t msglen)
{
    const tess_platform *p = it.p;
    const tess_schedule *s = it.s;
    it.map.s = s;
    it.endpoint_of_instance.assign(p->n_instances, -1);
    for (uint32_t e = 0; e < it.net->endpoint_count(); e++)
        it.endpoint_of_instance[it.net->endpoint_instance(e)] = e;
    for (uint32_t r = 0; r < s->dies; r++) {
        const int64_t ep = it.endpoint_of_instance[s->die_of_rank[r]];
        if (ep < 0) {
            std::snprintf(msg, msglen, "die '%s' is not on the network",
                          p->instances[s->die_of_rank[r]].path);
            return TESS_EINVAL;
        }
        it.map.endpoint.push_back(static_cast<uint32_t>(ep));
    }
    ring_links(it);
    if (!it.circuits) return TESS_OK;
    const std::vector<bool> used = tess::hw::used_classes(s);
    for (int cls = 0; cls <= TESS_AXES; cls++)
        for (uint32_t r = 0; used[cls] && r < s->dies; r++) {
            const uint32_t to = tess::hw::class_peer(s, cls, r);
            if (to == r || to >= s->dies) continue;
            if (it.topo->first_joining(it.map.endpoint[r], it.map.endpoint[to]) ==
                it.topo->configurations()) {
                std::snprintf(msg, msglen,
                              "circuit switch '%s' (line %ld): no configuration joins die '%s' "
                              "to die '%s', which rank %u sends to",
                              p->circuits->name, p->circuits->line,
                              p->instances[s->die_of_rank[r]].path,
                              p->instances[s->die_of_rank[to]].path, r);
                return TESS_EINVAL;
            }
        }
    return TESS_OK;
}

// Whether any die reaches its memory through the network (burst memory fidelity).
bool network_memories(const tess_schedule *s, const tess_hw_run_options *o)
{
    if (o->memory_fidelity == TESS_MEM_RATE || !o->home_memory) return false;
    for (uint32_t r = 0; r < s->dies; r++)
        if (o->home_memory[r] >= 0) return true;
    return false;
}

// Where a memory is served at burst fidelity: its own endpoint (on a router), or the
// endpoint of the die it hangs off, behind their link; and the rate its controller serves
// at, its sustained bandwidth capped by that link.
struct MemorySite {
    int64_t endpoint = -1;
    double bandwidth = 0;
    bool behind_die = false;
    double link = 0; // behind a die: the link's rate (0: unknown)
};

MemorySite memory_site(const Iteration &it, const tess_hw_run_options *o, uint32_t memory)
{
    MemorySite site;
    site.bandwidth = o->memory_bandwidth[memory];
    site.endpoint = it.endpoint_of_instance[memory];
    if (site.endpoint >= 0) return site; // on a router, whatever else it is linked to
    const uint32_t owner = tess_memory_owner(it.p, memory);
    if (owner == TESS_NONE || it.endpoint_of_instance[owner] < 0) return site;
    site.endpoint = it.endpoint_of_instance[owner];
    site.behind_die = true;
    const double link = tess_die_memory_links(it.p, owner, memory);
    site.link = link;
    if (link > 0) site.bandwidth = std::min(site.bandwidth, link);
    return site;
}

// Each rank's DMA rate: at rate fidelity dma_bandwidth's; at burst, a die with memories
// of its own (no one else's home) at most what its links to them carry, and a die whose
// memory is served by a port the port's rate and the path's narrowest channel, the lower
// (its GEMM and element-wise kernels' memory bound; its DMA ops are transfers). TESS_OK
// or TESS_EINVAL.
int memory_rates(Iteration &it, const tess_hw_run_options *o, const double *dma_bandwidth,
                 char *msg, size_t msglen)
{
    const tess_platform *p = it.p;
    const tess_schedule *s = it.s;
    it.dma_rate.assign(dma_bandwidth, dma_bandwidth + s->dies);
    if (o->memory_fidelity == TESS_MEM_RATE || !o->home_memory) return TESS_OK;
    for (uint32_t r = 0; r < s->dies; r++) {
        const int64_t home = o->home_memory[r];
        if (home < 0) {
            const double links = tess_die_memory_links(p, s->die_of_rank[r], TESS_NONE);
            if (links > 0) it.dma_rate[r] = std::min(it.dma_rate[r], links);
            continue;
        }
        const MemorySite site = memory_site(it, o, static_cast<uint32_t>(home));
        if (site.endpoint < 0) {
            std::snprintf(msg, msglen, "memory '%s' (die '%s''s) is not on the network",
                          p->instances[home].path, p->instances[s->die_of_rank[r]].path);
            return TESS_EINVAL;
        }
        double rate = site.bandwidth;
        if (static_cast<uint32_t>(site.endpoint) != it.map.endpoint[r])
            rate = std::min(rate, it.topo->path_bandwidth(it.topo->path(
                                      static_cast<uint32_t>(site.endpoint), it.map.endpoint[r])));
        it.dma_rate[r] = rate;
    }
    return TESS_OK;
}

// Burst memory fidelity: a controller on every memory a simulated die's DMA goes to, and
// each such die pointed at it.
void attach_memories(Iteration &it, const tess_hw_run_options *o)
{
    if (!network_memories(it.s, o)) return;
    it.fabric.memory_of_endpoint.assign(it.net->endpoint_count(), nullptr);
    for (uint32_t r = 0; r < it.s->dies; r++) {
        const int64_t home = o->home_memory[r];
        if (home < 0 || !it.dies[r]) continue;
        const MemorySite site = memory_site(it, o, static_cast<uint32_t>(home));
        const uint32_t e = static_cast<uint32_t>(site.endpoint);
        if (!it.fabric.memory_of_endpoint[e]) {
            char name[32];
            std::snprintf(name, sizeof name, "memory%u", static_cast<unsigned>(home));
            // cycle: the memory's own DRAM model, within the die link it may sit behind
            const bool cycle = o->memory_fidelity == TESS_MEM_CYCLE;
            const tess_platform *p = it.p;
            it.memories.push_back(std::make_unique<tess::hw::MemoryPort>(
                name, *it.transport, *it.topo, e, static_cast<uint32_t>(home), site.bandwidth,
                o->memory_latency_s[home], site.behind_die ? &it.fabric : nullptr,
                cycle ? &p->types[p->instances[home].type].u.memory : nullptr,
                cycle && site.behind_die ? site.link : 0));
            it.fabric.memory_of_endpoint[e] = it.memories.back().get();
        }
        it.dies[r]->set_memory(e, kDmaChunkBytes,
                               e == it.map.endpoint[r] ? it.fabric.memory_of_endpoint[e] : nullptr,
                               o->memory_fidelity == TESS_MEM_CYCLE ? tess::hw::kPieceBytes : 0);
    }
}

// A compute die for every simulated rank. Returns the ops they will retire.
uint64_t elaborate_dies(Iteration &it, unsigned dtype_bytes, bool spans)
{
    const tess_platform *p = it.p;
    const tess_schedule *s = it.s;
    const double dram_e_bit = tess_dram_energy_per_bit(p);
    it.fabric.die_of_endpoint.assign(it.net->endpoint_count(), nullptr);
    it.dies.resize(s->dies);
    uint64_t ops = 0;
    for (uint32_t r = 0; r < s->dies; r++) {
        if (!it.simulated(r)) continue;
        ops += s->stages[it.map.stage(r)].ops;
        const tess_die_type &dt = p->types[p->instances[s->die_of_rank[r]].type].u.die;
        char name[32];
        std::snprintf(name, sizeof name, "rank%u", r);
        it.dies[r] =
            std::make_unique<ComputeDie>(name, *s, dt, r, it.map, *it.transport, it.dma_rate[r],
                                         dtype_bytes, &it.power, dram_e_bit);
        it.fabric.die_of_endpoint[it.map.endpoint[r]] = it.dies[r].get();
        it.dies[r]->record_spans(spans);
        if (it.mirrored) {
            it.dies[r]->set_mirrors(&it.sy.mirrors);
            it.dies[r]->set_power_weight(it.sy.weight[r]);
        }
    }
    it.transport->set_client(&it.fabric);
    return ops;
}

// The slowest die and every rank's figures (a mirrored rank's are the rank it mirrors).
// TESS_OK, or TESS_EINTERNAL for a rank that never finished.
int collect_dies(const Iteration &it, tess_iteration_result *out, tess_die_stat *per_die, char *msg,
                 size_t msglen)
{
    const tess_platform *p = it.p;
    const tess_schedule *s = it.s;
    for (uint32_t r = 0; r < s->dies; r++) {
        if (!it.simulated(r)) {
            out->messages += it.dies[it.sy.rep[r]]->stats().messages;
            continue;
        }
        if (!it.dies[r]->done()) {
            std::snprintf(msg, msglen,
                          "rank %u (die '%s') never finished its schedule: the "
                          "collectives or pipeline messages deadlocked",
                          r, p->instances[s->die_of_rank[r]].path);
            return TESS_EINTERNAL;
        }
        const tess::hw::DieStats &d = it.dies[r]->stats();
        if (d.end_s > out->iteration_time_s) {
            out->iteration_time_s = d.end_s;
            out->slowest_rank = r;
        }
        out->messages += d.messages;
        if (per_die) per_die[r] = d; // its row of the statistics interface
    }
    for (uint32_t r = 0; per_die && r < s->dies; r++)
        if (!it.simulated(r)) {
            per_die[r] = per_die[it.sy.rep[r]];
            per_die[r].rank = r;
            per_die[r].instance = s->die_of_rank[r];
        }
    const tess::hw::DieStats &slow = it.dies[out->slowest_rank]->stats();
    out->compute_s = slow.compute_s;
    out->memory_s = slow.memory_s;
    out->network_s = slow.network_s;
    out->bubble_s = slow.bubble_s;
    out->optimizer_s = slow.optimizer_s;
    out->exposed_communication_s = slow.network_s;
    out->critical_path = tess::hw::critical_path(it.dies, out->slowest_rank);
    return TESS_OK;
}

// Every channel's utilisation (links, in the topology's order) and the busiest
// router-to-router channels over the iteration.
void collect_links(const Iteration &it, tess_iteration_result *out, tess_noc_link_use **links,
                   uint32_t *n_links)
{
    const auto &ch = it.topo->channels();
    std::vector<double> busy(ch.size());
    for (uint32_t c = 0; c < ch.size(); c++)
        busy[c] = static_cast<double>(it.net->busy_cycles(c));
    std::vector<uint32_t> order;
    for (uint32_t c = 0; c < ch.size(); c++)
        if (ch[c].from_router >= 0 || ch[c].to_router >= 0) order.push_back(c);
    std::stable_sort(order.begin(), order.end(),
                     [&](uint32_t a, uint32_t b) { return busy[a] > busy[b]; });
    const double cycles = out->iteration_time_s * it.topo->clock_hz();
    if (links) {
        *n_links = static_cast<uint32_t>(ch.size());
        *links =
            static_cast<tess_noc_link_use *>(std::calloc(ch.size() + 1, sizeof(tess_noc_link_use)));
        for (uint32_t c = 0; *links && c < ch.size(); c++)
            (*links)[c] = tess::noc::link_use(*it.topo, c, cycles > 0 ? busy[c] / cycles : 0);
        if (!*links) *n_links = 0;
    }
    out->n_top_links = static_cast<uint32_t>(std::min<size_t>(order.size(), TESS_NOC_TOP_LINKS));
    for (uint32_t i = 0; i < out->n_top_links; i++)
        out->top_links[i] =
            tess::noc::link_use(*it.topo, order[i], cycles > 0 ? busy[order[i]] / cycles : 0);
}

// The channels whose transport windows held flows, most flows first (ties: channel order),
// at most TESS_NOC_TOP_LINKS of them.
void collect_window_links(const Iteration &it, tess_iteration_result *out)
{
    std::vector<std::pair<uint64_t, uint32_t>> held; // (flows, channel)
    for (const auto &[channel, flows] : it.net->stats().window_limited_by_channel)
        held.push_back({flows, channel});
    std::sort(held.begin(), held.end(), [](const auto &a, const auto &b) {
        return a.first != b.first ? a.first > b.first : a.second < b.second;
    });
    out->n_window_links = static_cast<uint32_t>(std::min<size_t>(held.size(), TESS_NOC_TOP_LINKS));
    for (uint32_t i = 0; i < out->n_window_links; i++) {
        tess_window_link &w = out->window_links[i];
        std::snprintf(w.name, sizeof w.name, "%s", it.topo->channel_name(held[i].second).c_str());
        w.link = it.topo->channels()[held[i].second].link;
        w.flows = held[i].first;
    }
}

// A die's own memories (no other die's home: tess_home_memories), at burst and cycle
// memory fidelity: served at its links' rate without a controller, its DRAM traffic spread
// evenly over them (its addresses interleaved over its stacks, as stats.csv splits it).
struct OwnMemory {
    uint32_t rank, die, memory;
    size_t index, n;  // the memory is the index-th of the die's n
    double bandwidth; // its sustained bandwidth, capped by its link to the die
};

std::vector<OwnMemory> own_memories(const Iteration &it, const tess_hw_run_options *opt)
{
    std::vector<OwnMemory> own;
    if (opt->memory_fidelity == TESS_MEM_RATE || !opt->memory_bandwidth) return own;
    const tess_platform *p = it.p;
    std::vector<uint32_t> mems(p->n_instances + 1);
    for (uint32_t r = 0; r < it.s->dies; r++) {
        if (!it.dies[r] || (opt->home_memory && opt->home_memory[r] >= 0)) continue;
        const uint32_t die = it.s->die_of_rank[r];
        int shared = 0;
        const size_t n = tess_die_memories(p, die, mems.data(), &shared);
        for (size_t i = 0; !shared && i < n; i++) {
            double bw = opt->memory_bandwidth[mems[i]];
            const double link = tess_die_memory_links(p, die, mems[i]);
            if (link > 0) bw = std::min(bw, link);
            own.push_back(OwnMemory{r, die, mems[i], i, n, bw});
        }
    }
    return own;
}

// One entry for each of the simulated dies' own memories, appended to out: its share of
// the die's DRAM traffic, no queueing, busy for its bytes at its bandwidth.
void private_memories(const Iteration &it, const tess_hw_run_options *opt,
                      const std::vector<OwnMemory> &own, std::vector<tess_memory_stat> &out)
{
    for (const OwnMemory &m : own) {
        const tess::hw::DieStats &st = it.dies[m.rank]->stats();
        const uint64_t written = st.dram_write_bytes, read = st.dram_bytes - written;
        tess_memory_stat o{};
        o.instance = m.memory;
        // the index-th of n even shares, so that the shares add up to the whole
        o.bytes_read = read * (m.index + 1) / m.n - read * m.index / m.n;
        o.bytes_written = written * (m.index + 1) / m.n - written * m.index / m.n;
        o.reads = st.dram_reads;
        o.writes = st.dram_writes;
        o.bandwidth_bytes_per_s = m.bandwidth;
        o.latency_s = opt->memory_latency_s[m.memory];
        o.row_hit_rate = opt->memory_row_hit_rate ? opt->memory_row_hit_rate[m.memory] : 0;
        o.busy_s = m.bandwidth > 0 ? double(o.bytes_read + o.bytes_written) / m.bandwidth : 0;
        o.n_dies = 1;
        o.dies[0] = m.die;
        out.push_back(o);
    }
}

// Every memory a die's DMA used (burst and cycle memory fidelity): those a controller
// served and the dies' own, in instance order (malloc'd).
void collect_memories(const Iteration &it, const tess_hw_run_options *opt,
                      const std::vector<OwnMemory> &own, tess_memory_stat **memories,
                      uint32_t *n_memories)
{
    std::vector<tess_memory_stat> all;
    for (const auto &m : it.memories) {
        const tess::hw::MemoryServerStats &st = m->stats();
        tess_memory_stat o{};
        o.instance = m->memory();
        o.reads = st.reads;
        o.writes = st.writes;
        o.bytes_read = st.bytes_read;
        o.bytes_written = st.bytes_written;
        o.bandwidth_bytes_per_s = m->bandwidth();
        o.latency_s = m->latency_s();
        // cycle: the run's own bursts; burst: the memory type's stream
        const double own = m->row_hit_rate();
        o.row_hit_rate = own >= 0                   ? own
                         : opt->memory_row_hit_rate ? opt->memory_row_hit_rate[o.instance]
                                                    : 0;
        o.busy_s = st.busy_s;
        o.queue_s = st.queue_s;
        std::vector<uint32_t> dies;
        for (uint32_t e : st.clients)
            dies.push_back(it.net->endpoint_instance(e));
        std::sort(dies.begin(), dies.end());
        o.n_dies = static_cast<uint32_t>(dies.size());
        for (size_t i = 0; i < dies.size() && i < TESS_MEMORY_DIES; i++)
            o.dies[i] = dies[i];
        all.push_back(o);
    }
    private_memories(it, opt, own, all);
    std::sort(all.begin(), all.end(),
              [](const auto &a, const auto &b) { return a.instance < b.instance; });
    *n_memories = 0;
    *memories = static_cast<tess_memory_stat *>(std::calloc(all.size() + 1, sizeof **memories));
    if (!*memories) return;
    std::copy(all.begin(), all.end(), *memories);
    *n_memories = static_cast<uint32_t>(all.size());
}

// Every die's busy intervals, then link utilisation by channel class and each memory's busy
// share (a controller's; a die's own memory: its share of the die's DRAM bytes at its
// bandwidth) window by window up to the iteration's end (malloc'd).
void collect_spans(const Iteration &it, const std::vector<OwnMemory> &own, double iteration_s,
                   tess_span **spans, uint64_t *n_spans)
{
    const auto &ch = it.topo->channels();
    uint32_t per_class[tess::noc::UtilisationTimeline::kClasses] = {0, 0, 0};
    for (uint32_t c = 0; c < ch.size(); c++)
        per_class[it.net->channel_class(c)]++;
    const double window_s = it.timeline.window_cycles() / it.topo->clock_hz();
    std::vector<tess_span> samples;
    for (size_t w = 0; w < it.timeline.busy().size() && w * window_s < iteration_s; w++)
        for (int k = 0; k < tess::noc::UtilisationTimeline::kClasses; k++)
            if (per_class[k])
                samples.push_back(
                    tess_span{static_cast<uint32_t>(k), TESS_TRACK_LINKS, w * window_s,
                              std::min((w + 1) * window_s, iteration_s),
                              it.timeline.busy()[w][k] /
                                  (double(it.timeline.window_cycles()) * per_class[k])});
    for (const auto &m : it.memories) { // each controller's busy share, window by window
        const tess::noc::UtilisationTimeline &tl = m->timeline();
        const double w_s = static_cast<double>(tl.window_cycles()) * 1e-12;
        for (size_t w = 0; w < tl.busy().size() && w * w_s < iteration_s; w++)
            samples.push_back(tess_span{m->memory(), TESS_TRACK_MEMORY, w * w_s,
                                        std::min((w + 1) * w_s, iteration_s),
                                        tl.busy()[w][0] / static_cast<double>(tl.window_cycles())});
    }
    for (const OwnMemory &m : own) { // its share of its die's bytes
        const tess::noc::UtilisationTimeline &tl = it.dies[m.rank]->dram_timeline();
        const double w_s = static_cast<double>(tl.window_cycles()) * 1e-12;
        for (size_t w = 0; m.bandwidth > 0 && w < tl.busy().size() && w * w_s < iteration_s; w++)
            samples.push_back(tess_span{m.memory, TESS_TRACK_MEMORY, w * w_s,
                                        std::min((w + 1) * w_s, iteration_s),
                                        tl.busy()[w][0] / double(m.n) / (m.bandwidth * w_s)});
    }
    size_t total = samples.size();
    const std::vector<tess_span> no_spans;
    for (const auto &d : it.dies)
        if (d) total += d->spans().size();
    *spans = static_cast<tess_span *>(std::malloc((total + 1) * sizeof(tess_span)));
    *n_spans = 0;
    for (const auto &d : it.dies)
        for (const tess_span &sp : d ? d->spans() : no_spans)
            if (*spans) (*spans)[(*n_spans)++] = sp;
    for (const tess_span &sp : samples)
        if (*spans) (*spans)[(*n_spans)++] = sp;
}

} // namespace

extern "C" int tess_hw_run(const tess_platform *p, const tess_schedule *s, unsigned dtype_bytes,
                           const double *dma_bandwidth, const tess_hw_run_options *o,
                           tess_iteration_result *out, tess_die_stat *per_die,
                           tess_noc_link_use **links, uint32_t *n_links,
                           tess_memory_stat **memories, uint32_t *n_memories, tess_span **spans,
                           uint64_t *n_spans, char *msg, size_t msglen)
{
    std::memset(out, 0, sizeof *out);
    try {
        tess::hw::prepare_kernel();
        Iteration it;
        it.p = p;
        it.s = s;
        const bool network_dma = network_memories(s, o);
        // collectives whose messages cross replicas in ways mirrored replicas do not copy
        for (uint32_t i = 0; o->symmetry && s->dp > 1 && i < s->n_colls; i++) {
            const tess_coll_use &c = s->colls[i];
            const bool ring = c.axis == TESS_AXIS_CP, a2a = c.kind == TESS_ALL_TO_ALL;
            if (c.group < 2 || !(ring || a2a)) continue;
            std::snprintf(msg, msglen,
                          "--symmetry: not with %s ('%s'): %s, which mirrored replicas do not "
                          "copy; run without --symmetry",
                          ring ? "context parallelism" : "an all-to-all", c.what,
                          ring ? "its ring joins replicas of the data-parallel axis"
                               : "its messages go to every member");
            return TESS_EINVAL;
        }
        if (network_dma && o->symmetry && s->dp > 1) {
            std::snprintf(msg, msglen,
                          "--symmetry: not with --memory-fidelity burst while dies reach their "
                          "memory through the network (replicas may share a memory)");
            return TESS_EINVAL;
        }
        int rc = build_network(it, o->fidelity, o->symmetry, network_dma, o->flow_tolerance, msg,
                               msglen);
        if (rc == TESS_OK) rc = map_ranks(it, msg, msglen);
        if (rc != TESS_OK) return rc;
        rc = memory_rates(it, o, dma_bandwidth, msg, msglen);
        if (rc != TESS_OK) return rc;
        it.mirrored = o->symmetry && s->dp > 1;
        if (it.mirrored)
            it.sy = tess::hw::build_symmetry(p, s, *it.topo, it.map, it.dma_rate.data());
        const uint64_t ops = elaborate_dies(it, dtype_bytes, spans != nullptr);
        attach_memories(it, o);
        for (auto &m : it.memories)
            m->record_timeline(spans != nullptr);
        if (spans) it.net->set_timeline(&it.timeline);
        const auto t0 = std::chrono::steady_clock::now();
        run_to_end(*it.net, it.dies, ops, o->progress);
        for (auto &d : it.dies)
            if (d) d->flush_power();
        const auto t1 = std::chrono::steady_clock::now();
        rc = collect_dies(it, out, per_die, msg, msglen);
        if (rc != TESS_OK) return rc;
        out->energy_network_j = it.net->energy_joules();
        out->simulated_replicas = it.mirrored ? it.sy.simulated_replicas : s->dp;
        if (it.circuits) {
            out->circuit_reconfigurations = it.circuits->stats().reconfigurations;
            out->circuit_reconfiguring_s = it.circuits->stats().reconfiguring_s;
            out->circuit_held_messages = it.circuits->stats().held;
            out->circuit_held_s = it.circuits->stats().held_s;
        }
        out->events = events_so_far(*it.net, it.dies);
        for (const auto &d : it.dies) {
            if (!d) continue;
            out->energy_network_j += d->stats().mirror_joules;
            out->mirrored_messages += d->stats().mirrored;
            out->mirror_skipped += d->stats().mirror_skipped;
        }
        // the dies' dynamic energy over time (a simulated die spends it for itself and for
        // the dies that mirror it: set_power_weight)
        out->timeline_dynamic_j = it.power.total_joules();
        out->peak_dynamic_w = it.power.peak_watts(out->iteration_time_s);
        out->flit_hops = it.net->stats().flit_hops;
        out->flows = it.net->stats().flows;
        out->window_limited_flows = it.net->stats().window_limited_flows;
        collect_window_links(it, out);
        out->lost_bytes = it.net->stats().lost_bytes;
        out->retransmit_timeouts = it.net->stats().retransmit_timeouts;
        out->congestion_cut_flows = it.net->stats().congestion_cut_flows;
        out->credit_limited_links = it.topo->credit_limited_links();
        collect_links(it, out, links, n_links);
        const std::vector<OwnMemory> own = own_memories(it, o);
        if (memories) collect_memories(it, o, own, memories, n_memories);
        if (spans) collect_spans(it, own, out->iteration_time_s, spans, n_spans);
        out->wall_seconds = std::chrono::duration<double>(t1 - t0).count();
        out->delta_cycles = sc_core::sc_delta_count();
        return TESS_OK;
    } catch (const std::exception &) {
        return tess::hw::failure(msg, msglen);
    }
}
