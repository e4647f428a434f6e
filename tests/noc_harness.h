// Running NoC simulations from tests: every simulation in a child process (a SystemC
// kernel elaborates once per process), results back through the runner.
#ifndef TESS_TEST_NOC_HARNESS_H
#define TESS_TEST_NOC_HARNESS_H

#include <string>
#include <utility>
#include <vector>

#include "platform_fixture.h"

#include "noc/network.h"

extern "C" {
#include "api/tessera_hw.h"
}

// tess_hw_noc_run in a child; fails the test if the child fails.
tess_noc_result run_noc(const tess_platform *p, const tess_noc_options &o, int *status = nullptr,
                        std::string *message = nullptr);

tess_noc_options noc_options(tess_noc_fidelity f, double rate, uint32_t packet_flits);

// Zero-load probe: in one simulation, sends one message per (src, dst) pair, each
// after the network has emptied, and returns each message's latency in cycles
// (delivery of the tail minus send), in pair order.
std::vector<double> probe_latencies(const tess_platform *p, tess_noc_fidelity f,
                                    uint32_t packet_flits,
                                    const std::vector<std::pair<uint32_t, uint32_t>> &pairs);

// Sends every message at once (on a clock edge of an empty network) and returns each
// one's delivery time in cycles after the send, in the order given. Messages are
// (source endpoint, destination endpoint, bytes), optionally sent `delay` cycles after the
// delivery of transfer `after` instead (or `delay` cycles after the start). On a platform
// with a circuit switch they go through its controller (noc/circuits.h).
struct Transfer {
    uint32_t src, dst;
    uint64_t bytes;
    uint32_t after = UINT32_MAX;
    double delay = 0;
};
// `options` as the network takes them (noc/network.h).
std::vector<double> transfer_times(const tess_platform *p, tess_noc_fidelity f,
                                   const std::vector<Transfer> &transfers,
                                   const tess::noc::NetworkOptions &options = {});

// Every delivery of such a burst, in delivery order (a message delivered twice appears
// twice), with the tag the network handed back (the transfer's index), and the network's
// energy and lossy ports' drops when the last one has arrived.
struct Delivery {
    uint64_t tag;
    uint32_t src, dst;
    uint64_t bytes;
    double cycles; // after the send
};
struct BurstLog {
    std::vector<Delivery> deliveries;
    double energy_j = 0;
    double lost_bytes = 0; // dropped by lossy ports (NetworkStats)
    uint64_t retransmit_timeouts = 0;
    uint64_t congestion_cut_flows = 0; // bursts a marking port's congestion control cut short
};
BurstLog burst_log(const tess_platform *p, tess_noc_fidelity f,
                   const std::vector<Transfer> &transfers);

#endif
