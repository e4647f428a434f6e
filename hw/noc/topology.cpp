// NoC topology, routing and deadlock checks: see topology.h.
#include "noc/topology.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <queue>

#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/breadth_first_search.hpp>
#include <boost/graph/depth_first_search.hpp>

namespace tess::noc
{

namespace
{

constexpr uint32_t kUnreached = std::numeric_limits<uint32_t>::max();

using UGraph = boost::adjacency_list<boost::vecS, boost::vecS, boost::undirectedS>;
using DGraph = boost::adjacency_list<boost::vecS, boost::vecS, boost::directedS>;

// BFS distances from one source (kUnreached where unreachable), with Boost.Graph.
template <class Graph> std::vector<uint32_t> bfs_distances(const Graph &g, size_t source)
{
    std::vector<uint32_t> dist(boost::num_vertices(g), kUnreached);
    dist[source] = 0;
    boost::breadth_first_search(
        g, boost::vertex(source, g),
        boost::visitor(boost::make_bfs_visitor(boost::record_distances(
            boost::make_iterator_property_map(dist.begin(), boost::get(boost::vertex_index, g)),
            boost::on_tree_edge()))));
    return dist;
}

// Finds one back edge (a cycle) in a directed graph with Boost's DFS.
struct CycleFinder : public boost::default_dfs_visitor {
    std::pair<size_t, size_t> *edge;
    bool *found;
    CycleFinder(std::pair<size_t, size_t> *e, bool *f) : edge(e), found(f) {}
    template <class Edge, class Graph> void back_edge(Edge e, const Graph &g)
    {
        if (!*found) {
            *found = true;
            *edge = {boost::source(e, g), boost::target(e, g)};
        }
    }
};

uint32_t latency_cycles(const tess_link_type &lt, double net_hz, const tess_router_type *src)
{
    double link_hz = lt.clock_hz > 0 ? lt.clock_hz : (src ? src->clock_hz : net_hz);
    double cycles =
        lt.latency.seconds > 0 ? lt.latency.seconds * net_hz : lt.latency.cycles * net_hz / link_hz;
    // a latency that is not a whole number of network cycles rounds up: a flit
    // cannot be used before the edge after it arrives
    return static_cast<uint32_t>(std::ceil(cycles - 1e-9));
}

} // namespace

std::string Topology::router_name(uint32_t r) const
{
    return p_->instances[routers_[r].instance].path;
}

std::string Topology::channel_name(uint32_t c) const
{
    const Channel &ch = channels_[c];
    return std::string(p_->instances[ch.from_inst].path) + "->" + p_->instances[ch.to_inst].path;
}

// Live routers, all on one clock, flit width and routing algorithm. The routers' type.
const tess_router_type *Topology::add_routers(std::string *error)
{
    const tess_platform *p = p_;
    router_of_instance_.assign(p->n_instances, -1);
    const tess_router_type *first_type = nullptr;
    for (size_t i = 0; i < p->n_instances; i++) {
        const tess_instance &inst = p->instances[i];
        if (inst.kind != TESS_KIND_ROUTER || inst.dead) continue;
        const tess_router_type &rt = p->types[inst.type].u.router;
        if (!first_type) first_type = &rt;
        if (rt.clock_hz != first_type->clock_hz || rt.flit_bytes != first_type->flit_bytes) {
            *error = std::string("router '") + inst.path +
                     "' differs in clock or flit width from the rest of its network; one NoC "
                     "runs on one clock and one flit width";
            return nullptr;
        }
        if (rt.routing != first_type->routing ||
            (rt.routing == TESS_ROUTING_SHORTEST && rt.multipath != first_type->multipath)) {
            *error = std::string("router '") + inst.path +
                     "' uses a different routing algorithm (or multipath choice) from the rest of "
                     "its network";
            return nullptr;
        }
        Router r;
        r.instance = static_cast<uint32_t>(i);
        r.pipeline = rt.pipeline_cycles;
        r.credit_delay = rt.credit_delay;
        r.speedup = rt.input_speedup;
        r.vcs = rt.vcs;
        r.buffer_flits = rt.buffer_flits;
        r.energy_per_bit = rt.energy_per_bit;
        r.routing = rt.routing;
        r.transit = rt.transit != 0;
        r.store_forward = rt.transit == 2;
        r.release_on_tail_credit = rt.vc_release == TESS_VC_RELEASE_TAIL_CREDIT;
        r.allocator = rt.allocator;
        r.allocator_iterations = rt.allocator_iterations;
        r.grid = inst.grid == TESS_NONE ? -1 : static_cast<int32_t>(inst.grid);
        r.row = inst.row;
        r.col = inst.col;
        router_of_instance_[i] = static_cast<int32_t>(routers_.size());
        routers_.push_back(r);
    }
    if (routers_.empty()) {
        *error = "the platform has no live router: a NoC needs at least one";
        return nullptr;
    }
    clock_hz_ = first_type->clock_hz;
    flit_bytes_ = first_type->flit_bytes;
    return first_type;
}

// One direction of platform link k, from instance `from` (router rf, or an endpoint when
// rf < 0) to `to` (router rt, or an endpoint). False with *error for a latency under a cycle.
bool Topology::add_channel(uint32_t k, uint32_t from, uint32_t to, int32_t rf, int32_t rt,
                           const std::vector<int32_t> &endpoint_of, std::string *error)
{
    const tess_platform *p = p_;
    const tess_link &l = p->links[k];
    const tess_link_type &lt = p->types[l.type].u.link;
    Channel c{};
    c.link = k;
    c.from_inst = from;
    c.to_inst = to;
    c.from_router = rf;
    c.to_router = rt;
    const tess_router_type *src_type =
        rf >= 0 ? &p->types[p->instances[from].type].u.router : nullptr;
    const tess_xcvr_type *xcvr =
        lt.xcvr_type != TESS_NONE ? &p->types[lt.xcvr_type].u.xcvr : nullptr;
    c.latency = latency_cycles(lt, clock_hz_, src_type);
    if (xcvr) // the optics after the electrical part: E/O, FEC, fibre, O/E
        c.latency = static_cast<uint32_t>(std::ceil(
            (c.latency / clock_hz_ + tess_xcvr_latency(xcvr, lt.length_m)) * clock_hz_ - 1e-9));
    if (c.latency < 1) {
        *error = std::string("link '") + p->instances[l.a].path + "' <-> '" +
                 p->instances[l.b].path + "' (link-type '" + p->types[l.type].name +
                 "') has a latency under one cycle of the network clock";
        return false;
    }
    double link_hz = lt.clock_hz > 0 ? lt.clock_hz : clock_hz_;
    double bytes_per_cycle = lt.width_bytes * link_hz / clock_hz_;
    if (xcvr) { // lanes x wavelengths x rate, or the electrical width if narrower
        const double optical = tess_xcvr_bandwidth(xcvr) / clock_hz_;
        bytes_per_cycle = lt.width_bytes ? std::min(bytes_per_cycle, optical) : optical;
    }
    const uint64_t cycles = std::max<uint64_t>(
        1, static_cast<uint64_t>(std::ceil(flit_bytes_ / bytes_per_cycle - 1e-9)));
    c.pace = cycles * kPaceUnit;
    if (bytes_per_cycle > flit_bytes_) // lanes: the link's width, exactly
        c.pace = std::max<uint64_t>(
            1, static_cast<uint64_t>(std::ceil(kPaceUnit * flit_bytes_ / bytes_per_cycle - 1e-9)));
    c.energy_per_bit = lt.energy_per_bit + (xcvr ? xcvr->energy_per_bit : 0);
    c.collective_efficiency = lt.collective_efficiency > 0 ? lt.collective_efficiency : 1;
    c.collective_step_s = lt.collective_step_s;
    c.window_bytes = lt.window_bytes;
    c.packet_flits =
        static_cast<uint32_t>((uint64_t(lt.max_packet_bytes) + flit_bytes_ - 1) / flit_bytes_);
    c.dir = kNoDir;
    c.wraparound = l.wraparound != 0;
    c.config = static_cast<int16_t>(static_cast<int32_t>(l.circuit) - 1);
    if (l.circuit) // through the circuit switch's optics
        c.latency += static_cast<uint32_t>(std::ceil(p->circuits->insertion_s * clock_hz_ - 1e-9));
    c.drop_buffer = 0;
    c.retransmit_cycles = 0;
    c.ecn_bytes = 0;
    c.cc_period_cycles = 0;
    c.cc_decrease = 0;
    c.credit_limited = false;
    if (lt.transport == TESS_TRANSPORT_LOSSY) {
        c.drop_buffer = lt.buffer_bytes;
        c.retransmit_cycles = lt.retransmit_timeout_s * clock_hz_;
        c.ecn_bytes = lt.ecn_threshold_bytes;
        c.cc_period_cycles = lt.cc_period_s * clock_hz_;
        c.cc_decrease = lt.cc_decrease;
    } else if (lt.buffer_bytes) {
        // credit-based flow control: a byte's credit comes back a round trip after it left,
        // so the link has at most its receiver's buffer in flight a round trip: a pace of at
        // least a flit per (buffer / flit) of 2 x latency (not rounded to whole cycles: the
        // flit fidelity moves such a channel's flits at whole cycles, as it does a narrow one)
        const double credit_pace =
            kPaceUnit * 2.0 * c.latency * flit_bytes_ / static_cast<double>(lt.buffer_bytes);
        if (credit_pace > static_cast<double>(c.pace)) {
            c.pace = static_cast<uint64_t>(std::ceil(credit_pace - 1e-9));
            c.credit_limited = true;
        }
    }
    uint32_t ci = static_cast<uint32_t>(channels_.size());
    if (rf >= 0) {
        c.from_port = static_cast<int32_t>(routers_[rf].out_channel.size());
        routers_[rf].out_channel.push_back(ci);
    } else {
        c.from_port = endpoint_of[from];
        endpoints_[endpoint_of[from]].inject = ci;
    }
    if (rt >= 0) {
        c.to_port = static_cast<int32_t>(routers_[rt].in_channel.size());
        routers_[rt].in_channel.push_back(ci);
    } else {
        c.to_port = endpoint_of[to];
        endpoints_[endpoint_of[to]].eject = ci;
    }
    channels_.push_back(c);
    return true;
}

// Endpoints (live dies, each on exactly one router; with `memories`, then live memories
// linked to a router, each on exactly one) and channels: two per live link between
// routers, or between an endpoint and a router; which channels leave every package,
// wafer and node (scale-out).
bool Topology::add_endpoints_and_channels(bool memories, std::string *error)
{
    const tess_platform *p = p_;
    std::vector<int32_t> endpoint_of(p->n_instances, -1);
    std::vector<bool> on_router(p->n_instances, false); // memories linked to a router
    for (size_t k = 0; memories && k < p->n_links; k++) {
        const tess_link &l = p->links[k];
        if (l.dead) continue;
        if (router_of_instance_[l.a] >= 0) on_router[l.b] = true;
        if (router_of_instance_[l.b] >= 0) on_router[l.a] = true;
    }
    for (int pass = 0; pass < 2; pass++) // dies first: their numbers do not depend on memories
        for (size_t i = 0; i < p->n_instances; i++) {
            const tess_instance &inst = p->instances[i];
            if (inst.dead || inst.kind != (pass == 0 ? TESS_KIND_DIE : TESS_KIND_MEMORY)) continue;
            if (pass == 1 && !on_router[i]) continue;
            endpoint_of[i] = static_cast<int32_t>(endpoints_.size());
            Endpoint e{};
            e.instance = static_cast<uint32_t>(i);
            e.router = kUnreached;
            endpoints_.push_back(e);
        }
    for (size_t k = 0; k < p->n_links; k++) {
        const tess_link &l = p->links[k];
        if (l.dead) continue;
        int32_t ra = router_of_instance_[l.a], rb = router_of_instance_[l.b];
        int32_t ea = endpoint_of[l.a], eb = endpoint_of[l.b];
        if (ra < 0 && rb < 0) {
            if (ea >= 0 && eb >= 0 && p->instances[l.a].kind == TESS_KIND_DIE &&
                p->instances[l.b].kind == TESS_KIND_DIE) {
                *error = std::string("die '") + p->instances[l.a].path +
                         "' is linked directly to another die; the NoC model attaches each die "
                         "to one router";
                return false;
            }
            continue; // a die's own memory: not part of the network
        }
        if ((ra < 0 && ea < 0) || (rb < 0 && eb < 0)) continue; // a memory that is no endpoint
        if (!add_channel(static_cast<uint32_t>(k), l.a, l.b, ra, rb, endpoint_of, error) ||
            !add_channel(static_cast<uint32_t>(k), l.b, l.a, rb, ra, endpoint_of, error))
            return false;
        // an endpoint's port on its router
        int32_t e = ea >= 0 ? ea : eb;
        int32_t r = ea >= 0 ? rb : ra;
        if (e >= 0) {
            Endpoint &ep = endpoints_[e];
            const char *what =
                p->instances[ep.instance].kind == TESS_KIND_DIE ? "die '" : "memory '";
            if (ep.router != kUnreached) {
                *error = std::string(what) + p->instances[ep.instance].path +
                         "' is linked to more than one router; the NoC model attaches each "
                         "endpoint to one router";
                return false;
            }
            ep.router = static_cast<uint32_t>(r);
            ep.port = static_cast<uint32_t>(routers_[r].out_channel.size() - 1);
        }
    }
    bool scoped = false; // any package, wafer or node scope at all
    for (size_t i = 0; i < p->n_instances && !scoped; i++)
        for (int lv = TESS_SCOPE_PACKAGE; lv <= TESS_SCOPE_NODE; lv++)
            scoped |= p->instances[i].scope[lv] != 0;
    for (Channel &c : channels_) {
        const tess_instance &a = p->instances[c.from_inst], &b = p->instances[c.to_inst];
        bool inside = !scoped;
        for (int lv = TESS_SCOPE_PACKAGE; lv <= TESS_SCOPE_NODE; lv++)
            inside |= a.scope[lv] != 0 && a.scope[lv] == b.scope[lv];
        c.scale_out = !inside;
    }
    for (Endpoint &e : endpoints_) {
        if (e.router == kUnreached) {
            *error =
                std::string("die '") + p->instances[e.instance].path + "' has no link to a router";
            return false;
        }
        e.row = routers_[e.router].row;
        e.col = routers_[e.router].col;
    }
    return true;
}

// Grid directions of router-router channels inside one mesh or torus. True when a torus
// is routed dimension-order (it needs datelines).
bool Topology::set_grid_directions()
{
    const tess_platform *p = p_;
    bool torus_dor = false;
    for (Channel &c : channels_) {
        if (c.from_router < 0 || c.to_router < 0) continue;
        const Router &a = routers_[c.from_router], &b = routers_[c.to_router];
        if (a.grid < 0 || a.grid != b.grid) continue;
        const tess_grid &g = p->grids[a.grid];
        if (!tess_topology_has_coordinates(g.topology)) continue;
        // a step "forward" (east, south) is +1, or the wrap from the last to the
        // first column or row on a torus (at least 3 wide, so never ambiguous)
        const bool torus = g.topology == TESS_TOPO_TORUS;
        auto forward = [torus](int32_t from, int32_t to, uint32_t n) {
            return to == from + 1 || (torus && from == static_cast<int32_t>(n) - 1 && to == 0);
        };
        if (a.row == b.row)
            c.dir = forward(a.col, b.col, g.cols) ? kEast : kWest;
        else
            c.dir = forward(a.row, b.row, g.rows) ? kSouth : kNorth;
        routers_[c.from_router].dir_port[c.dir] = static_cast<int16_t>(c.from_port);
        if (g.topology == TESS_TOPO_TORUS &&
            (a.routing == TESS_ROUTING_XY || a.routing == TESS_ROUTING_YX))
            torus_dor = true;
    }
    return torus_dor;
}

// The routes of the routers' algorithm (tables, or shortest paths per configuration) and
// the static deadlock check where it applies.
bool Topology::set_up_routing(const tess_router_type &rt, const BuildOptions &opt,
                              std::string *error)
{
    const tess_platform *p = p_;
    if (p->circuits) {
        configs_ = p->circuits->n_configs;
        if (rt.routing != TESS_ROUTING_SHORTEST) {
            *error = "circuit switch '" + std::string(p->circuits->name) +
                     "': its circuits change the routes, which only routing=\"shortest\" "
                     "recomputes per configuration";
            return false;
        }
    }
    if (rt.routing == TESS_ROUTING_TABLE && !build_tables(error)) return false;
    if (rt.routing == TESS_ROUTING_SHORTEST && opt.verify_cdg) {
        // equal-cost paths differ per source and destination: the static check walks one
        // route per router pair and could not vouch for them; flit buffers could deadlock
        *error = "routing 'shortest' (router-type '" +
                 std::string(p->types[p->instances[routers_[0].instance].type].name) +
                 "') is for packet, flow and mixed fidelity: at flit fidelity use "
                 "routing=\"table\" (up*/down*, deadlock-free)";
        return false;
    }
    if (rt.routing == TESS_ROUTING_SHORTEST && !build_shortest(error)) return false;
    if (rt.routing == TESS_ROUTING_SHORTEST) multipath_ = rt.multipath;
    // mod-K numbers endpoints in the order the Clos's leaves hold their NICs: on a
    // fat-tree or rail-only network die J of domain I is NIC J x domains + I (rail-major,
    // generators.c); elsewhere the endpoint's own number
    mod_k_key_.resize(endpoints_.size());
    for (uint32_t e = 0; e < endpoints_.size(); e++) {
        const tess_instance &in = p->instances[endpoints_[e].instance];
        const tess_grid *g = in.grid == TESS_NONE ? nullptr : &p->grids[in.grid];
        const bool clos =
            g && (g->topology == TESS_TOPO_FAT_TREE || g->topology == TESS_TOPO_RAIL_ONLY) &&
            in.row >= 0 && in.col >= 0;
        mod_k_key_[e] =
            clos ? static_cast<uint32_t>(in.col) * g->rows + static_cast<uint32_t>(in.row) : e;
    }
    const bool deterministic = rt.routing != TESS_ROUTING_WEST_FIRST;
    return !(deterministic && opt.verify_cdg && !check_cdg(error));
}

std::unique_ptr<Topology> Topology::build(const tess_platform *p, const BuildOptions &opt,
                                          std::string *error)
{
    auto t = std::unique_ptr<Topology>(new Topology());
    t->p_ = p;
    t->message_classes_ = opt.message_classes;
    const tess_router_type *rt = t->add_routers(error);
    if (!rt || !t->add_endpoints_and_channels(opt.memory_endpoints, error)) return nullptr;
    t->dateline_classes_ = t->set_grid_directions() && opt.datelines ? 2 : 1;
    for (const Router &r : t->routers_) {
        if (r.vcs < t->message_classes_ * t->dateline_classes_) {
            *error = "router '" + t->router_name(static_cast<uint32_t>(&r - &t->routers_[0])) +
                     "' has " + std::to_string(r.vcs) + " virtual channels but needs " +
                     std::to_string(t->message_classes_ * t->dateline_classes_) + " (" +
                     std::to_string(t->message_classes_) + " message class(es) x " +
                     std::to_string(t->dateline_classes_) + " dateline class(es))";
            return nullptr;
        }
    }
    if (!t->set_up_routing(*rt, opt, error)) return nullptr;
    return t;
}

uint32_t flow_hash(uint32_t s, uint32_t t)
{
    uint64_t x = (static_cast<uint64_t>(s) << 32 | t) + 0x9e3779b97f4a7c15ull; // splitmix64
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return static_cast<uint32_t>(x ^ (x >> 31));
}

bool Topology::build_shortest(std::string *error)
{
    // the fastest routes: a channel between routers costs its latency plus the pipeline
    // of the router it enters, so a route takes the quickest way (inside a node over its
    // switch rather than out through a NIC that happens to be as many hops away); equally
    // fast ways are the ECMP choices
    // with a circuit switch, once per configuration: its other configurations' circuits
    // are not there
    const size_t R = routers_.size();
    struct In {
        uint32_t from, cost;
        int16_t config;
    };
    std::vector<std::vector<In>> into(R);
    for (const Channel &c : channels_)
        if (c.from_router >= 0 && c.to_router >= 0)
            into[c.to_router].push_back(
                {static_cast<uint32_t>(c.from_router), channel_cost(c), c.config});
    // a row of costs for every transit router with endpoints, and for every transit
    // neighbour of a router with endpoints that carries no one else's traffic (a host's
    // NIC hub): such a router is reached only through a neighbour, so its costs follow
    // from its neighbours' rows (cost_to) and 16,384 hubs need only their switches' rows
    target_row_.assign(R, -1);
    gateways_.assign(R, {});
    size_t rows = 0;
    auto add_row = [&](size_t r) {
        if (target_row_[r] < 0) target_row_[r] = static_cast<int32_t>(rows++);
    };
    std::vector<bool> has_endpoint(R, false);
    for (const Endpoint &e : endpoints_)
        has_endpoint[e.router] = true;
    for (size_t t = 0; t < R; t++) {
        if (!has_endpoint[t]) continue;
        if (routers_[t].transit) {
            add_row(t);
            continue;
        }
        for (const In &in : into[t])
            if (routers_[in.from].transit) {
                add_row(in.from);
                gateways_[t].push_back(
                    {static_cast<uint32_t>(target_row_[in.from]), in.cost, in.config});
            }
    }
    cost_.assign(configs_ * rows * R, kUnreached);
    using Item = std::pair<uint32_t, uint32_t>; // (distance, router)
    for (uint32_t k = 0; k < configs_; k++)
        for (size_t tr = 0; tr < R; tr++) {
            if (target_row_[tr] < 0) continue;
            uint32_t *row = &cost_[(k * rows + static_cast<size_t>(target_row_[tr])) * R];
            std::priority_queue<Item, std::vector<Item>, std::greater<Item>> heap;
            row[tr] = 0;
            heap.push({0, static_cast<uint32_t>(tr)});
            while (!heap.empty()) {
                const Item top = heap.top();
                heap.pop();
                if (top.first != row[top.second]) continue;
                if (!routers_[top.second].transit && top.second != tr)
                    continue; // no way through it
                for (const In &in : into[top.second]) {
                    if (in.config >= 0 && static_cast<uint32_t>(in.config) != k) continue;
                    const uint32_t d = top.first + in.cost;
                    if (d < row[in.from]) {
                        row[in.from] = d;
                        heap.push({d, in.from});
                    }
                }
            }
        }
    // every router with endpoints reaches every other. Routes run through transit routers
    // only, so when one connected group of transit routers touches every router with
    // endpoints (is it, or is next to it), all pairs are joined; else find a pair that is not
    std::vector<uint32_t> group(R);
    for (size_t r = 0; r < R; r++)
        group[r] = static_cast<uint32_t>(r);
    auto root = [&](uint32_t r) {
        while (group[r] != r)
            r = group[r] = group[group[r]]; // path halving
        return r;
    };
    for (const Channel &c : channels_)
        if (c.from_router >= 0 && c.to_router >= 0 && routers_[c.from_router].transit &&
            routers_[c.to_router].transit)
            group[root(static_cast<uint32_t>(c.from_router))] =
                root(static_cast<uint32_t>(c.to_router));
    std::vector<uint32_t> touching(R, 0); // per group: routers with endpoints it touches
    uint32_t endpoint_routers = 0;
    for (size_t t = 0; t < R; t++) {
        if (!has_endpoint[t]) continue;
        endpoint_routers++;
        std::vector<uint32_t> mine;
        if (routers_[t].transit) mine.push_back(root(static_cast<uint32_t>(t)));
        for (const In &in : into[t])
            if (routers_[in.from].transit) mine.push_back(root(in.from));
        std::sort(mine.begin(), mine.end());
        mine.erase(std::unique(mine.begin(), mine.end()), mine.end());
        for (uint32_t g : mine)
            touching[g]++;
    }
    // (the groups take every configuration's circuits at once: with a circuit switch a pair
    // may be joined only across configurations; the pairs a schedule sends between are
    // checked per configuration before a run, tess_hw_run)
    if (std::find(touching.begin(), touching.end(), endpoint_routers) != touching.end())
        return true;
    auto joined = [&](uint32_t t, uint32_t r) {
        for (uint32_t k = 0; k < configs_; k++)
            if (cost_to(t, r, k) != kUnreached) return true;
        return false;
    };
    for (size_t t = 0; t < R; t++)
        for (size_t r = 0; has_endpoint[t] && r < R; r++)
            if (has_endpoint[r] && !joined(static_cast<uint32_t>(t), static_cast<uint32_t>(r))) {
                *error = p_->circuits
                             ? "circuit switch '" + std::string(p_->circuits->name) + "' (line " +
                                   std::to_string(p_->circuits->line) +
                                   "): no configuration joins router '" +
                                   router_name(static_cast<uint32_t>(r)) + "' to router '" +
                                   router_name(static_cast<uint32_t>(t)) + "'"
                             : "shortest routing: router '" +
                                   router_name(static_cast<uint32_t>(r)) +
                                   "' has no path to router '" +
                                   router_name(static_cast<uint32_t>(t)) + "'";
                return false;
            }
    return true;
}

uint32_t Topology::cost_to(uint32_t target, uint32_t x, uint32_t config) const
{
    if (x == target) return 0;
    const size_t R = routers_.size();
    const uint32_t *costs = &cost_[config * (cost_.size() / configs_)];
    if (target_row_[target] >= 0) return costs[static_cast<size_t>(target_row_[target]) * R + x];
    uint32_t best = kUnreached; // through a neighbour that carries traffic to it
    for (const Gateway &g : gateways_[target]) {
        if (g.config >= 0 && static_cast<uint32_t>(g.config) != config) continue;
        const uint32_t c = costs[static_cast<size_t>(g.row) * R + x];
        if (c != kUnreached && c + g.cost < best) best = c + g.cost;
    }
    return best;
}

bool Topology::joins(uint32_t s, uint32_t t, uint32_t k) const
{
    if (cost_.empty()) return true; // not shortest routing: no circuits
    return cost_to(endpoints_[t].router, endpoints_[s].router, k) != kUnreached;
}

double Topology::path_bandwidth(const std::vector<uint32_t> &path) const
{
    uint64_t slowest = 0;
    for (uint32_t c : path)
        slowest = std::max(slowest, channels_[c].pace);
    return slowest ? static_cast<double>(flit_bytes_) * clock_hz_ * kPaceUnit /
                         static_cast<double>(slowest)
                   : 0;
}

uint32_t Topology::credit_limited_links() const
{
    std::vector<char> seen(p_->n_links, 0);
    uint32_t n = 0;
    for (const Channel &c : channels_)
        if (c.credit_limited && !seen[c.link]) {
            seen[c.link] = 1;
            n++;
        }
    return n;
}

uint32_t Topology::path_window_channel(const std::vector<uint32_t> &path) const
{
    uint32_t at = UINT32_MAX;
    for (uint32_t c : path) {
        const uint64_t w = channels_[c].window_bytes;
        if (w && (at == UINT32_MAX || w < channels_[at].window_bytes)) at = c;
    }
    return at;
}

uint64_t Topology::path_window(const std::vector<uint32_t> &path) const
{
    const uint32_t c = path_window_channel(path);
    return c == UINT32_MAX ? 0 : channels_[c].window_bytes;
}

double Topology::path_energy_per_byte(const std::vector<uint32_t> &path) const
{
    double e = 0;
    for (uint32_t c : path) {
        e += 8.0 * channels_[c].energy_per_bit;
        if (channels_[c].to_router >= 0)
            e += 8.0 * routers_[static_cast<size_t>(channels_[c].to_router)].energy_per_bit;
    }
    return e;
}

double Topology::path_latency_s(const std::vector<uint32_t> &path) const
{
    double s = 0;
    for (uint32_t c : path) {
        s += channels_[c].latency / clock_hz_;
        if (channels_[c].to_router >= 0)
            s += routers_[static_cast<size_t>(channels_[c].to_router)].pipeline / clock_hz_;
    }
    return s;
}

void Topology::path_collective(const std::vector<uint32_t> &path, double *efficiency,
                               double *step_s) const
{
    *efficiency = 1;
    *step_s = 0;
    for (uint32_t c : path) {
        *efficiency = std::min(*efficiency, channels_[c].collective_efficiency);
        *step_s = std::max(*step_s, channels_[c].collective_step_s);
    }
}

uint32_t Topology::channel_cost(const Channel &c) const
{
    return c.latency + routers_[c.to_router].pipeline;
}

bool Topology::build_tables(std::string *error)
{
    const size_t R = routers_.size();
    UGraph g(R);
    for (const Channel &c : channels_)
        if (c.from_router >= 0 && c.to_router >= 0 && c.from_router < c.to_router)
            boost::add_edge(c.from_router, c.to_router, g);
    // BFS spanning tree from router 0: a link goes "down" away from the root, ties
    // broken by router index, so every link has exactly one up and one down direction.
    std::vector<uint32_t> level = bfs_distances(g, 0);
    port_base_.assign(R + 1, 0);
    for (size_t r = 0; r < R; r++)
        port_base_[r + 1] = port_base_[r] + static_cast<uint32_t>(routers_[r].out_channel.size());
    port_is_down_.assign(port_base_[R], 0);
    DGraph reverse(2 * R); // state (router, phase) = 2 * router + phase, edges reversed
    for (size_t r = 0; r < R; r++) {
        for (size_t port = 0; port < routers_[r].out_channel.size(); port++) {
            const Channel &c = channels_[routers_[r].out_channel[port]];
            if (c.to_router < 0) continue;
            uint32_t v = static_cast<uint32_t>(c.to_router);
            bool down = level[v] > level[r] || (level[v] == level[r] && v > r);
            port_is_down_[port_base_[r] + port] = down;
            if (down) {
                boost::add_edge(2 * v + 1, 2 * r + 0, reverse);
                boost::add_edge(2 * v + 1, 2 * r + 1, reverse);
            } else {
                boost::add_edge(2 * v + 0, 2 * r + 0, reverse);
            }
        }
    }
    std::vector<char> is_target(R, 0);
    for (const Endpoint &e : endpoints_)
        is_target[e.router] = 1;
    table_.assign(R * R * 2, -1);
    for (size_t tr = 0; tr < R; tr++) {
        if (!is_target[tr]) continue;
        std::vector<uint32_t> d0 = bfs_distances(reverse, 2 * tr);
        std::vector<uint32_t> d1 = bfs_distances(reverse, 2 * tr + 1);
        auto dist = [&](size_t state) { return std::min(d0[state], d1[state]); };
        for (size_t r = 0; r < R; r++) {
            if (r == tr) continue;
            for (int phase = 0; phase < 2; phase++) {
                uint32_t best = kUnreached;
                int16_t best_port = -1;
                for (size_t port = 0; port < routers_[r].out_channel.size(); port++) {
                    const Channel &c = channels_[routers_[r].out_channel[port]];
                    if (c.to_router < 0) continue;
                    bool down = port_is_down_[port_base_[r] + port];
                    if (phase == 1 && !down) continue;
                    uint32_t d = dist(2 * static_cast<size_t>(c.to_router) + (down ? 1 : 0));
                    if (d < best) {
                        best = d;
                        best_port = static_cast<int16_t>(port);
                    }
                }
                table_[(r * R + tr) * 2 + phase] = best_port;
            }
            if (table_[(r * R + tr) * 2] < 0) {
                bool r_has_endpoint = false;
                for (const Endpoint &e : endpoints_)
                    r_has_endpoint |= e.router == r;
                if (r_has_endpoint) {
                    *error = "table routing: router '" + router_name(static_cast<uint32_t>(r)) +
                             "' has no up*/down* route to router '" +
                             router_name(static_cast<uint32_t>(tr)) + "'";
                    return false;
                }
            }
        }
    }
    return true;
}

int Topology::grid_step(const Router &r, const Endpoint &d, bool x_first, int8_t *dim) const
{
    const tess_grid &g = p_->grids[r.grid];
    bool torus = g.topology == TESS_TOPO_TORUS;
    auto step = [&](int from, int to, int n, int8_t plus, int8_t minus) -> int {
        if (from == to) return kNoDir;
        if (!torus) return to > from ? plus : minus;
        int forward = ((to - from) % n + n) % n;
        return forward <= n - forward ? plus : minus; // ties go the positive way
    };
    const Router &dr = routers_[d.router];
    int xs = step(r.col, dr.col, static_cast<int>(g.cols), kEast, kWest);
    int ys = step(r.row, dr.row, static_cast<int>(g.rows), kSouth, kNorth);
    if (x_first) {
        if (xs != kNoDir) {
            *dim = 0;
            return xs;
        }
        *dim = 1;
        return ys;
    }
    if (ys != kNoDir) {
        *dim = 1;
        return ys;
    }
    *dim = 0;
    return xs;
}

int Topology::route(uint32_t r, uint32_t dst, const RouteState &st, uint32_t ports[3],
                    RouteState next[3]) const
{
    const Router &R = routers_[r];
    const Endpoint &D = endpoints_[dst];
    if (D.router == r) {
        ports[0] = D.port;
        next[0] = st;
        return 1;
    }
    switch (R.routing) {
    case TESS_ROUTING_XY:
    case TESS_ROUTING_YX: {
        int8_t dim = -1;
        int dir = grid_step(R, D, R.routing == TESS_ROUTING_XY, &dim);
        if (dir == kNoDir || R.dir_port[dir] < 0) return 0; // a missing (dead) neighbour
        ports[0] = static_cast<uint32_t>(R.dir_port[dir]);
        next[0] = st;
        const Channel &c = channels_[R.out_channel[ports[0]]];
        if (dim != st.last_dim) next[0].dateline = 0;
        if (c.wraparound && dateline_classes_ > 1) next[0].dateline = 1;
        next[0].last_dim = dim;
        return 1;
    }
    case TESS_ROUTING_WEST_FIRST: {
        const Router &dr = routers_[D.router];
        int n = 0;
        auto add = [&](int dir) {
            if (R.dir_port[dir] >= 0) ports[n++] = static_cast<uint32_t>(R.dir_port[dir]);
        };
        if (dr.col < R.col) {
            add(kWest);
        } else {
            if (dr.col > R.col) add(kEast);
            if (dr.row > R.row) add(kSouth);
            if (dr.row < R.row) add(kNorth);
        }
        for (int i = 0; i < n; i++)
            next[i] = st;
        return n;
    }
    case TESS_ROUTING_SHORTEST: {
        // the output ports one channel's cost nearer the destination's router; flow_key's
        // value picks one (adaptive networks pick by load: route_all). Where every one of
        // them is a parallel link to the same next router, the pick is turned by the place
        // the message's last link had among its own parallel links (its lane): a spine's
        // parallel links down to a leaf then carry apart the messages that one leaf's
        // uplinks to the spine kept apart, which the key's remaining digit alone (the same
        // for all of a leaf's messages under source-mod-k) put on one link.
        const Ports near = nearer_ports(r, D, st);
        const uint32_t candidates = near.n;
        if (candidates == 0) return 0;
        const auto to_of = [&](uint32_t port) { return channels_[R.out_channel[port]].to_router; };
        bool parallel = true;
        for (uint32_t j = 1; j < candidates && parallel; j++)
            parallel = to_of(near.port[j]) == to_of(near.port[0]);
        const uint32_t pick = ((parallel ? st.lane : 0) + st.flow % candidates) % candidates;
        ports[0] = near.port[pick];
        next[0] = st;
        // the chosen link's place among the candidates that lead where it leads
        uint32_t lane = 0;
        for (uint32_t j = 0; j < pick; j++)
            lane += to_of(near.port[j]) == to_of(ports[0]);
        next[0].lane = lane;
        // next choice, next digit (under hash too after parallel links, so that the links
        // down are not picked by the digit that picked the links up)
        if (parallel || multipath_ != TESS_MULTIPATH_HASH) // mod-k's; adaptive's static route
            next[0].flow = st.flow / candidates;
        return 1;
    }
    case TESS_ROUTING_TABLE: {
        const size_t Rn = routers_.size();
        int16_t port = table_[(r * Rn + D.router) * 2 + st.phase];
        if (port < 0) return 0;
        ports[0] = static_cast<uint32_t>(port);
        next[0] = st;
        next[0].phase = st.phase | port_is_down_[port_base_[r] + static_cast<uint32_t>(port)];
        return 1;
    }
    }
    return 0;
}

// A channel out of router R one channel's cost nearer D's router in st's configuration
// (never into a router that does not carry others' traffic, unless it is D's).
bool Topology::nearer(const Endpoint &D, const RouteState &st, uint32_t channel,
                      uint32_t here) const
{
    const Channel &c = channels_[channel];
    if (c.to_router < 0 || (c.config >= 0 && static_cast<uint8_t>(c.config) != st.config) ||
        (!routers_[static_cast<size_t>(c.to_router)].transit &&
         c.to_router != static_cast<int32_t>(D.router)))
        return false;
    const uint32_t there = cost_to(D.router, static_cast<uint32_t>(c.to_router), st.config);
    return there != kUnreached && there + channel_cost(c) == here;
}

Topology::Ports Topology::nearer_ports(uint32_t r, const Endpoint &D, const RouteState &st) const
{
    const uint64_t key =
        (static_cast<uint64_t>(r) * routers_.size() + D.router) * configs_ + st.config;
    // k's slot, or the empty one where it would go (a multiplicative hash into a power of
    // two, then the next slots in turn)
    const auto find = [this](uint64_t k) {
        const size_t mask = nearer_slots_.size() - 1;
        size_t j = static_cast<size_t>((k * 0x9E3779B97F4A7C15ull) >> 20) & mask;
        while (nearer_slots_[j].key != UINT64_MAX && nearer_slots_[j].key != k)
            j = (j + 1) & mask;
        return j;
    };
    if (!nearer_slots_.empty()) {
        const NearerSlot &s = nearer_slots_[find(key)];
        if (s.key == key) return {nearer_pool_.data() + s.first, s.n};
    }
    if (2 * (nearer_used_ + 1) > nearer_slots_.size()) { // grow: every key moved over
        std::vector<NearerSlot> old(std::max<size_t>(1024, 2 * nearer_slots_.size()));
        old.swap(nearer_slots_);
        for (const NearerSlot &s : old)
            if (s.key != UINT64_MAX) nearer_slots_[find(s.key)] = s;
    }
    NearerSlot &s = nearer_slots_[find(key)];
    s.first = static_cast<uint32_t>(nearer_pool_.size());
    const Router &R = routers_[r];
    const uint32_t here = cost_to(D.router, r, st.config);
    for (size_t port = 0; port < R.out_channel.size(); port++)
        if (nearer(D, st, R.out_channel[port], here))
            nearer_pool_.push_back(static_cast<uint32_t>(port));
    s.n = static_cast<uint32_t>(nearer_pool_.size()) - s.first;
    s.key = key; // last: a list cut short by an exception is never found
    nearer_used_++;
    return {nearer_pool_.data() + s.first, s.n};
}

uint32_t Topology::shortest_ports(uint32_t r, const Endpoint &D, const RouteState &st,
                                  std::vector<uint32_t> *ports) const
{
    const Ports near = nearer_ports(r, D, st);
    if (ports) ports->insert(ports->end(), near.port, near.port + near.n);
    return near.n;
}

int Topology::route_all(uint32_t r, uint32_t dst, const RouteState &st,
                        std::vector<uint32_t> *ports, RouteState *next) const
{
    ports->clear();
    *next = st;
    const Endpoint &D = endpoints_[dst];
    if (D.router == r) {
        ports->push_back(D.port);
        return 1;
    }
    if (routers_[r].routing != TESS_ROUTING_SHORTEST) {
        uint32_t p[3];
        RouteState n[3];
        const int k = route(r, dst, st, p, n);
        for (int i = 0; i < k; i++)
            ports->push_back(p[i]);
        if (k) *next = n[0];
        return k;
    }
    return static_cast<int>(shortest_ports(r, D, st, ports));
}

void Topology::vc_range(uint32_t vcs, unsigned m, unsigned d, uint32_t *first,
                        uint32_t *count) const
{
    unsigned groups = message_classes_ * dateline_classes_;
    uint32_t per = vcs / groups;
    unsigned g = m * dateline_classes_ + d;
    *first = g * per;
    *count = g + 1 == groups ? vcs - *first : per;
}

std::vector<uint32_t> Topology::path(uint32_t s, uint32_t t, int config) const
{
    std::vector<uint32_t> out{endpoints_[s].inject};
    RouteState st;
    st.flow = flow_key(s, t);
    if (config < 0) {
        const uint32_t k = first_joining(s, t);
        if (k == configs_) return {};
        config = static_cast<int>(k);
    }
    st.config = static_cast<uint8_t>(config);
    uint32_t r = endpoints_[s].router;
    for (size_t guard = 0; guard <= 4 * routers_.size() + 4; guard++) {
        uint32_t ports[3];
        RouteState next[3];
        if (route(r, t, st, ports, next) == 0) return {};
        uint32_t c = routers_[r].out_channel[ports[0]];
        out.push_back(c);
        if (channels_[c].to_router < 0) return out;
        r = static_cast<uint32_t>(channels_[c].to_router);
        st = next[0];
    }
    return {};
}

uint32_t Topology::router_distance(uint32_t a, uint32_t b) const
{
    UGraph g(routers_.size());
    for (const Channel &c : channels_)
        if (c.from_router >= 0 && c.to_router >= 0 && c.from_router < c.to_router)
            boost::add_edge(c.from_router, c.to_router, g);
    return bfs_distances(g, a)[b];
}

bool Topology::check_cdg(std::string *error) const
{
    // nodes: (router-router channel, dateline class); edges: consecutive use by a route
    const uint32_t DL = dateline_classes_;
    // successors of each node, deduplicated as they are found: a node has at most
    // (router ports x dateline classes) of them, so memory stays linear in channels
    std::vector<std::vector<uint32_t>> succ(channels_.size() * DL);
    std::vector<char> seen(routers_.size(), 0);
    std::vector<uint32_t> dst_of_router;
    for (uint32_t e = 0; e < endpoints_.size(); e++) {
        if (!seen[endpoints_[e].router]) {
            seen[endpoints_[e].router] = 1;
            dst_of_router.push_back(e);
        }
    }
    for (uint32_t se : dst_of_router) {
        for (uint32_t de : dst_of_router) {
            if (se == de) continue;
            uint32_t r = endpoints_[se].router;
            RouteState st;
            st.flow = flow_key(se, de);
            int64_t prev = -1;
            for (size_t guard = 0; guard <= 4 * routers_.size() + 4; guard++) {
                uint32_t ports[3];
                RouteState next[3];
                if (route(r, de, st, ports, next) == 0) {
                    *error = "routing: no route from '" + router_name(r) + "' towards die '" +
                             p_->instances[endpoints_[de].instance].path + "'";
                    return false;
                }
                uint32_t c = routers_[r].out_channel[ports[0]];
                if (channels_[c].to_router < 0) break;
                int64_t node = static_cast<int64_t>(c) * DL + next[0].dateline;
                if (prev >= 0) {
                    auto &s = succ[static_cast<size_t>(prev)];
                    if (std::find(s.begin(), s.end(), static_cast<uint32_t>(node)) == s.end())
                        s.push_back(static_cast<uint32_t>(node));
                }
                prev = node;
                r = static_cast<uint32_t>(channels_[c].to_router);
                st = next[0];
                if (guard == 4 * routers_.size() + 4) {
                    *error = "routing: the route towards die '" +
                             std::string(p_->instances[endpoints_[de].instance].path) + "' loops";
                    return false;
                }
            }
        }
    }
    DGraph cdg(channels_.size() * DL);
    for (size_t u = 0; u < succ.size(); u++)
        for (uint32_t v : succ[u])
            boost::add_edge(u, v, cdg);
    std::pair<size_t, size_t> back{0, 0};
    bool cyclic = false;
    boost::depth_first_search(cdg, boost::visitor(CycleFinder(&back, &cyclic)));
    if (cyclic) {
        *error = "routing is not deadlock-free: the channel-dependency graph has a cycle through " +
                 channel_name(static_cast<uint32_t>(back.first / DL)) + " and " +
                 channel_name(static_cast<uint32_t>(back.second / DL));
        return false;
    }
    return true;
}

} // namespace tess::noc
