// The network graph one NoC simulation runs on, built once from the platform:
// routers and their ports, endpoints (dies; memories on routers when asked), directed channels with
// latencies in cycles of the network clock, and the routing function with its deadlock-freedom
// argument. Both fidelities (flit, packet) read the same Topology.
//
// Deadlock freedom, by construction:
//  - xy / yx on a mesh: dimension-order routes never turn from the second dimension
//    back to the first, so the channel-dependency graph (CDG) is acyclic.
//  - xy / yx on a torus: rings are cyclic, so each message class's VCs are split in
//    two dateline classes; a packet uses class 0 until it takes a wraparound link,
//    class 1 from there to the end of that dimension (Dally & Seitz 1987).
//  - west-first (minimal adaptive, Glass & Ni 1992): turns into the west direction
//    are forbidden, which removes every cycle of turns on a mesh.
//  - table: up*/down* routes (Autonet, Schroeder et al. 1991) over a BFS spanning
//    tree: a route takes zero or more "up" links then zero or more "down" links,
//    never down then up; shortest such routes are computed with Boost.Graph BFS.
// For the deterministic algorithms the CDG over (channel, dateline class) is built
// from every route and checked acyclic (Dally & Towles, ch. 14) before simulating.
#ifndef TESS_NOC_TOPOLOGY_H
#define TESS_NOC_TOPOLOGY_H

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

extern "C" {
#include "config/platform.h"
}

namespace tess::noc
{

// Fixed point of a channel's pace (cycles per flit) and of a message's tail behind its head.
constexpr uint64_t kPaceUnit = 65536;
// Whole cycles `flits` flits take at `pace` (rounded up).
inline uint64_t pace_cycles(uint64_t flits, uint64_t pace)
{
    return (flits * pace + kPaceUnit - 1) / kPaceUnit;
}

enum Dir : int8_t { kEast = 0, kWest = 1, kSouth = 2, kNorth = 3, kNoDir = -1 };

struct Channel {
    uint32_t link;       // platform link index
    uint32_t from_inst;  // platform instance the channel leaves
    uint32_t to_inst;    // platform instance it enters
    int32_t to_router;   // router index it enters, or -1 (an endpoint)
    int32_t to_port;     // input port at to_router, or the endpoint index
    int32_t from_router; // router index it leaves, or -1 (an endpoint)
    int32_t from_port;   // output port at from_router, or the endpoint index
    uint32_t latency;    // cycles of the network clock, >= 1
    // Serialisation: the pace in 1/kPaceUnit cycles a flit. A link narrower than the flit
    // takes whole cycles (a multiple of kPaceUnit); one wider carries its width's share of
    // a flit a cycle as several lanes (pace < kPaceUnit).
    uint64_t pace;
    // Whole cycles a flit takes, at least one (what the flit fidelity moves).
    uint32_t cycles_per_flit() const { return static_cast<uint32_t>(pace_cycles(1, pace)); }
    double energy_per_bit;
    double collective_efficiency, collective_step_s; // its link-type's (config/platform.h)
    uint64_t window_bytes;                           // its link-type's transport window (0: none)
    uint32_t packet_flits; // its link-type's largest packet (0: a message is one packet)
    // a lossy link-type's drop-tail queue at the port this channel leaves (bytes) and its
    // senders' retransmit timeout (cycles); buffer 0: a lossless channel (credit-limited:
    // its pace already holds it to buffer per round trip, where that is below its width)
    uint64_t drop_buffer;
    double retransmit_cycles;
    // a lossy port's ECN marking threshold (bytes; 0: no marking) and how its senders'
    // congestion control cuts their rates: every cc_period_cycles, to cc_decrease of it
    uint64_t ecn_bytes;
    double cc_period_cycles, cc_decrease;
    bool credit_limited;
    int8_t dir; // grid direction of travel, kNoDir off grids
    bool wraparound;
    int16_t config; // a circuit of this configuration of the circuit switch, or -1
    // its link leaves the packages, wafers and nodes (a scale-out or datacenter link: one
    // end in none of them, or the two ends in different ones); never on a platform
    // without such scopes
    bool scale_out;
};

struct Router {
    uint32_t instance;
    uint32_t pipeline;     // cycles from arrival to switch traversal
    uint32_t credit_delay; // cycles a credit takes upstream; 0: the link's latency
    uint32_t speedup;      // crossbar inputs per input port
    uint32_t vcs;
    uint32_t buffer_flits; // per VC
    double energy_per_bit;
    tess_routing routing;
    bool transit;       // shortest: may carry others' traffic through
    bool store_forward; // and only once a message has arrived whole (a GPU relaying)
    bool release_on_tail_credit;
    tess_allocator allocator;      // switch allocation policy (flit fidelity)
    uint32_t allocator_iterations; // islip: request-grant-accept rounds per cycle
    int32_t grid, row, col;
    std::vector<uint32_t> in_channel;  // per input port
    std::vector<uint32_t> out_channel; // per output port (same numbering as inputs)
    int16_t dir_port[4] = {-1, -1, -1, -1};
};

struct Endpoint {
    uint32_t instance;
    uint32_t router;  // the router it attaches to
    uint32_t port;    // that router's port for it
    uint32_t inject;  // channel endpoint -> router
    uint32_t eject;   // channel router -> endpoint
    int32_t row, col; // grid coordinates, -1 off grids
};

// Routing state a packet carries from hop to hop.
struct RouteState {
    int8_t last_dim = -1; // 0: columns (E/W), 1: rows (N/S), -1: none yet
    uint8_t dateline = 0; // dateline class of the channel it is on
    uint8_t phase = 0;    // up*/down*: 1 once a down link was taken
    uint32_t flow = 0;    // shortest: the hash that picks among equal-cost ports (mod-k:
                          // what is left of the key once each choice took its digit)
    uint32_t lane = 0;    // shortest: the last link's place among its parallel links
    uint8_t config = 0;   // the circuit switch's configuration it is routed in
};

// The flow hash of a message from endpoint s to endpoint t (ECMP: one path per pair).
uint32_t flow_hash(uint32_t s, uint32_t t);

struct BuildOptions {
    unsigned message_classes = 1; // 1, or 2 for request + response
    bool datelines = true;        // on tori with dimension-order routing
    bool verify_cdg = true;       // refuse routing whose channel dependencies form a cycle
    // memories linked to a router become endpoints too, numbered after the dies (memory
    // fidelity burst: dies' DMA travels to them); a memory linked only to dies never is
    bool memory_endpoints = false;
};

class Topology
{
  public:
    // Builds from a loaded (already checked) platform. On failure returns null and
    // sets *error to a sentence naming the instance at fault.
    static std::unique_ptr<Topology> build(const tess_platform *p, const BuildOptions &opt,
                                           std::string *error);

    const tess_platform *platform() const { return p_; }
    double clock_hz() const { return clock_hz_; }
    uint32_t flit_bytes() const { return flit_bytes_; }
    unsigned message_classes() const { return message_classes_; }
    unsigned dateline_classes() const { return dateline_classes_; }
    // Cycles a credit for channel c's buffer takes back upstream: the credit-delay of the
    // router whose input c feeds (for an ejection channel, the router it leaves), or c's
    // latency where that is 0.
    uint64_t credit_cycles(uint32_t c) const
    {
        const Channel &ch = channels_[c];
        const Router &r =
            routers_[static_cast<uint32_t>(ch.to_router >= 0 ? ch.to_router : ch.from_router)];
        return r.credit_delay ? r.credit_delay : ch.latency;
    }

    const std::vector<Router> &routers() const { return routers_; }
    const std::vector<Endpoint> &endpoints() const { return endpoints_; }
    const std::vector<Channel> &channels() const { return channels_; }
    std::string channel_name(uint32_t c) const;
    std::string router_name(uint32_t r) const;

    // Output ports a packet at router r may take towards endpoint dst: one for
    // deterministic routing, up to three for west-first. Returns the count; *next
    // gets the state for each candidate's channel (same order).
    int route(uint32_t r, uint32_t dst, const RouteState &st, uint32_t ports[3],
              RouteState next[3]) const;

    // Shortest routing: every output port one channel's cost nearer dst (the choices
    // route() picks one of by the flow key), in port order; *next the state after any.
    // An adaptive network picks among them by load (multipath="adaptive").
    int route_all(uint32_t r, uint32_t dst, const RouteState &st, std::vector<uint32_t> *ports,
                  RouteState *next) const;
    bool adaptive() const { return multipath_ == TESS_MULTIPATH_ADAPTIVE; }
    // Whether a message arriving at a router on channel `in` and leaving on `out` is held
    // there until whole: the router stores and forwards, and relays it between two other
    // routers.
    bool stores(uint32_t in, uint32_t out) const
    {
        return relay_in(in) && channels_[out].to_router >= 0;
    }
    // The same for a message towards endpoint dst whose next channel is not chosen yet (it
    // goes on to a router unless dst is on this one).
    bool stores_towards(uint32_t in, uint32_t dst) const
    {
        return relay_in(in) &&
               static_cast<uint32_t>(channels_[in].to_router) != endpoints_[dst].router;
    }

    // The VC range [first, first + count) a packet of message class m in dateline
    // class d may use on router r's ports (and on an endpoint's injection channel).
    void vc_range(uint32_t vcs, unsigned m, unsigned d, uint32_t *first, uint32_t *count) const;

    // Hops (routers traversed) and the channel sequence of the deterministic route
    // from endpoint s to endpoint t (the first candidate at each router), in circuit
    // configuration `config` (-1: the first that joins them); empty when none does.
    std::vector<uint32_t> path(uint32_t s, uint32_t t, int config = -1) const;

    // Configurations of the platform's circuit switch (1 without one: the fixed network).
    uint32_t configurations() const { return configs_; }
    // Whether configuration k joins endpoints s and t (shortest routing; always true for
    // a network without circuits).
    bool joins(uint32_t s, uint32_t t, uint32_t k) const;
    // The first configuration that joins s and t, or configurations() when none does.
    uint32_t first_joining(uint32_t s, uint32_t t) const
    {
        uint32_t k = 0;
        while (k < configs_ && !joins(s, t, k))
            k++;
        return k;
    }

    // What picks among equally fast next hops for a message from s to t (RouteState.flow):
    // a hash of both, or the destination's (source's) number under dest- (source-) mod-k;
    // under adaptive the source's, for its ties and its static route (route()).
    uint32_t flow_key(uint32_t s, uint32_t t) const
    {
        return multipath_ == TESS_MULTIPATH_HASH
                   ? flow_hash(s, t)
                   : mod_k_key_[multipath_ == TESS_MULTIPATH_DEST_MOD_K ? t : s];
    }

    // Bytes/s of a channel: a flit per pace of the network clock.
    double channel_bandwidth(uint32_t c) const
    {
        return static_cast<double>(flit_bytes_) * clock_hz_ * kPaceUnit /
               static_cast<double>(channels_[c].pace);
    }
    // Bytes/s of a channel sequence's narrowest channel; 0 for an empty path.
    double path_bandwidth(const std::vector<uint32_t> &path) const;
    // The smallest transport window of a channel sequence's link-types (0: none), and the
    // channel whose link-type has it (the first such; UINT32_MAX: none).
    uint64_t path_window(const std::vector<uint32_t> &path) const;
    uint32_t path_window_channel(const std::vector<uint32_t> &path) const;
    // Links whose lossless buffer (credits) holds them below their width's rate.
    uint32_t credit_limited_links() const;
    // Seconds of a channel sequence's latency: its links' and the pipelines of the routers
    // it enters.
    double path_latency_s(const std::vector<uint32_t> &path) const;
    // Joules per byte along a channel sequence: its links' and the routers' it enters.
    double path_energy_per_byte(const std::vector<uint32_t> &path) const;
    // A collective's ring step along a path: the lowest collective-efficiency and the
    // longest collective-step of its channels' link-types (1 and 0 for an empty path).
    void path_collective(const std::vector<uint32_t> &path, double *efficiency,
                         double *step_s) const;

    // Minimal hop count between two routers over live links (BFS).
    uint32_t router_distance(uint32_t a, uint32_t b) const;

  private:
    const tess_platform *p_ = nullptr;
    double clock_hz_ = 0;
    uint32_t flit_bytes_ = 0;
    unsigned message_classes_ = 1;
    unsigned dateline_classes_ = 1;
    tess_multipath multipath_ = TESS_MULTIPATH_HASH; // shortest routing's multipath choice
    std::vector<uint32_t> mod_k_key_; // per endpoint: its number for dest- and source-mod-k
    std::vector<Router> routers_;
    std::vector<Endpoint> endpoints_;
    std::vector<Channel> channels_;
    std::vector<int32_t> router_of_instance_;
    // up*/down* tables: next_[(r * R + t) * 2 + phase] = output port, -1 unreachable
    std::vector<int16_t> table_;
    std::vector<uint8_t> port_is_down_;       // per (router, port): link goes "down"
    std::vector<uint32_t> port_base_;         // first (router, port) slot of each router
    std::vector<std::vector<uint32_t>> dist_; // router distances, lazily for tests
    std::vector<uint32_t> cost_;              // shortest: [config][target row][router] cost
    std::vector<int32_t> target_row_;         // router -> its row in cost_, or -1
    // a router with endpoints that carries no one else's traffic has no row: its costs
    // come through its transit neighbours' rows, (row, the channel's cost into it)
    struct Gateway {
        uint32_t row, cost;
        int16_t config; // the channel's circuit configuration, or -1
    };
    std::vector<std::vector<Gateway>> gateways_;
    uint32_t configs_ = 1;
    uint32_t cost_to(uint32_t target, uint32_t x,
                     uint32_t config) const;       // shortest: cost from x to target
    uint32_t channel_cost(const Channel &c) const; // its latency + the entered router's pipeline
    // channel `in` comes from a router into one that stores and forwards
    bool relay_in(uint32_t in) const
    {
        const Channel &a = channels_[in];
        return a.to_router >= 0 && a.from_router >= 0 &&
               routers_[static_cast<uint32_t>(a.to_router)].store_forward;
    }
    bool nearer(const Endpoint &D, const RouteState &st, uint32_t channel, uint32_t here) const;
    // the output ports of router r (in port order) one channel's cost nearer D's router in
    // st's configuration: found once per (router, destination router, configuration), as
    // they depend on nothing else (a packet's or flow's every hop asks, hundreds of
    // millions of times in a large run): an open-addressing table of (key, the ports'
    // place in a pool), its size a power of two, at most half full; it grows with the
    // pairs routed (10,846 lists on 1,536 A100s: under a MiB). The returned pointer holds
    // until the next call; the table makes routing one Topology from two threads a race
    // (none does: each simulation and each tess_hw_routes handle has its own).
    struct Ports {
        const uint32_t *port;
        uint32_t n;
    };
    Ports nearer_ports(uint32_t r, const Endpoint &D, const RouteState &st) const;
    struct NearerSlot {
        uint64_t key = UINT64_MAX; // (r x routers + destination router) x configs + config
        uint32_t first = 0, n = 0; // in nearer_pool_
    };
    mutable std::vector<NearerSlot> nearer_slots_;
    mutable std::vector<uint32_t> nearer_pool_;
    mutable size_t nearer_used_ = 0;
    uint32_t shortest_ports(uint32_t r, const Endpoint &D, const RouteState &st,
                            std::vector<uint32_t> *ports) const;

    // the steps of build()
    const tess_router_type *add_routers(std::string *error);
    bool add_endpoints_and_channels(bool memories, std::string *error);
    bool add_channel(uint32_t link, uint32_t from, uint32_t to, int32_t rf, int32_t rt,
                     const std::vector<int32_t> &endpoint_of, std::string *error);
    bool set_grid_directions();
    bool set_up_routing(const tess_router_type &rt, const BuildOptions &opt, std::string *error);
    bool build_tables(std::string *error);
    bool build_shortest(std::string *error);
    bool check_cdg(std::string *error) const;
    int grid_step(const Router &r, const Endpoint &d, bool x_first, int8_t *dim) const;
};

} // namespace tess::noc

#endif
