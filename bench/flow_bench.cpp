// Flow-fidelity scaling (results/flow.md): synchronous rounds of collectives on a
// platform's network at `flow` fidelity, timed in-process.
//   allreduce: ring steps, every endpoint i sends BYTES to i + 1 (mod N) each step;
//   alltoall:  rounds of shifts, round r has every endpoint i send BYTES to i + s_r, the
//              shifts s_r spread evenly over 1 .. N-1 (ROUNDS of the N-1 rounds);
//   exchange:  rounds of a whole all-to-all at once, every endpoint sending BYTES to
//              every other (N (N-1) concurrent messages a round).
// A round starts when the previous one has been delivered everywhere, so N flows are
// concurrent throughout. Prints simulated time, wall time, re-ratings and peak RSS.
// FIDELITY (flow by default) may be packet, flow or mixed. tolerance=T sets the flows'
// end tolerance (NetworkOptions::flow_tolerance), rerating=full re-fills every flow's rate
// at every event (the reference); other name=value pairs override the platform's parameters.
// usage: flow_bench PLATFORM allreduce|alltoall|exchange ROUNDS BYTES [FIDELITY]
//        [tolerance=T] [rerating=full] [name=value ...]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include <sys/resource.h>

#include "api/kernel_setup.h"
#include "noc/flow.h"

extern "C" {
#include "config/loader.h"
}

using namespace tess::noc;

namespace
{

struct Rounds : sc_core::sc_module, TransportClient {
    SC_HAS_PROCESS(Rounds);
    Network &net;
    bool alltoall, exchange;
    uint32_t rounds, n;
    uint64_t bytes, pending = 0, sent = 0;
    sc_core::sc_event round_done;
    Rounds(sc_core::sc_module_name name, Network &nw, bool a2a, uint32_t r, uint64_t b)
        : sc_core::sc_module(name), net(nw), alltoall(a2a), exchange(false), rounds(r),
          n(nw.endpoint_count()), bytes(b)
    {
        SC_THREAD(run);
    }
    void run()
    {
        for (uint32_t r = 0; r < rounds; r++) {
            // all-to-all: the rounds' shifts spread over 1 .. N-1 (a sample of the N-1 rounds)
            const uint32_t shift =
                alltoall ? 1 + static_cast<uint32_t>(uint64_t(r) * (n - 1) / rounds) : 1;
            pending = exchange ? uint64_t(n) * (n - 1) : n;
            for (uint32_t i = 0; i < n; i++)
                for (uint32_t k = exchange ? 1 : shift; k <= (exchange ? n - 1 : shift); k++) {
                    Message m;
                    m.src = i;
                    m.dst = (i + k) % n;
                    m.bytes = bytes;
                    net.send(m);
                    sent++;
                }
            wait(round_done);
        }
    }
    void on_delivered(const Message &) override
    {
        if (--pending == 0) round_done.notify();
    }
};

} // namespace

int main(int argc, char **argv)
{
    if (argc < 5) {
        std::fprintf(stderr, "usage: flow_bench PLATFORM allreduce|alltoall|exchange ROUNDS BYTES "
                             "[packet|flow|mixed] [name=value ...]\n");
        return 2;
    }
    tess::hw::prepare_kernel();
    std::vector<tess_override> ov;
    tess_noc_fidelity fidelity = TESS_NOC_FLOW;
    const char *fname = "flow";
    if (argc > 5 && !std::strchr(argv[5], '=')) {
        fname = argv[5];
        if (tess_noc_fidelity_parse(fname, &fidelity) != 0 || fidelity == TESS_NOC_FLIT) {
            std::fprintf(stderr, "flow_bench: unknown fidelity '%s' (packet, flow or mixed)\n",
                         fname);
            return 2;
        }
    }
    NetworkOptions no;
    for (int i = 5; i < argc; i++) {
        if (std::strncmp(argv[i], "tolerance=", 10) == 0) {
            no.flow_tolerance = std::strtod(argv[i] + 10, nullptr);
            continue;
        }
        if (std::strcmp(argv[i], "rerating=full") == 0) {
            no.flow_full_rerating = true;
            continue;
        }
        tess_override o;
        if (tess_override_split(argv[i], &o) == 0) ov.push_back(o);
    }
    tess_platform p;
    tess_diag diag{};
    if (tess_platform_load_file(argv[1], ov.data(), ov.size(), &p, &diag) != 0) {
        std::fprintf(stderr, "flow_bench: %s does not load\n", argv[1]);
        return 1;
    }
    const auto t0 = std::chrono::steady_clock::now();
    std::string err;
    BuildOptions bo;
    bo.verify_cdg = false; // flows hold no buffers: nothing to deadlock
    auto topo = Topology::build(&p, bo, &err);
    if (!topo) {
        std::fprintf(stderr, "flow_bench: %s\n", err.c_str());
        return 1;
    }
    std::unique_ptr<Network> owner = make_network(fidelity, "noc", *topo, no);
    Network &net = *owner;
    Rounds rounds("rounds", net, std::strcmp(argv[2], "alltoall") == 0, std::atoi(argv[3]),
                  std::strtoull(argv[4], nullptr, 10));
    rounds.exchange = std::strcmp(argv[2], "exchange") == 0;
    net.set_client(&rounds);
    const auto t1 = std::chrono::steady_clock::now();
    sc_core::sc_start();
    const auto t2 = std::chrono::steady_clock::now();
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    const double build = std::chrono::duration<double>(t1 - t0).count();
    const double wall = std::chrono::duration<double>(t2 - t1).count();
    const auto *flows = dynamic_cast<FlowNetwork *>(&net);
    const unsigned long long reratings = flows ? flows->reratings() : 0;
    std::printf("%s %s (%s): %u endpoints, %u channels, %llu messages in %s rounds of %llu B: "
                "simulated %.6g s, "
                "wall %.3f s (+%.3f s build), %llu re-ratings (%.0f/s), tolerance %g%s, "
                "peak RSS %ld MiB\n",
                p.name, argv[2], fname, net.endpoint_count(),
                static_cast<unsigned>(topo->channels().size()),
                static_cast<unsigned long long>(rounds.sent), argv[3],
                static_cast<unsigned long long>(rounds.bytes),
                sc_core::sc_time_stamp().to_seconds(), wall, build, reratings, reratings / wall,
                no.flow_tolerance, no.flow_full_rerating ? " (full re-rating)" : "",
                ru.ru_maxrss / 1024);
    tess_platform_free(&p);
    return 0;
}
