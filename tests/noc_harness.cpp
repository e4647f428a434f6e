#include "noc_harness.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>

#include "noc/circuits.h"
#include "noc/flit.h"
#include "noc/flow.h"
#include "noc/packet.h"
#include "api/kernel_setup.h"

extern "C" {
#include "driver/runner.h"
}

namespace
{

struct NocJob {
    const tess_platform *p;
    tess_noc_options o;
};

void noc_job(void *arg, tess_job_output *out)
{
    auto *job = static_cast<NocJob *>(arg);
    auto *res = static_cast<tess_noc_result *>(std::malloc(sizeof(tess_noc_result)));
    out->status = tess_hw_noc_run(job->p, &job->o, res, out->message, sizeof out->message);
    out->blob = res;
    out->blob_len = sizeof *res;
}

using namespace tess::noc;

// Sends the pairs one at a time; the next goes when the previous has arrived.
struct Prober : sc_core::sc_module, TransportClient {
    SC_HAS_PROCESS(Prober);
    Network &net;
    std::vector<std::pair<uint32_t, uint32_t>> pairs;
    uint64_t bytes;
    std::vector<double> latency;
    sc_core::sc_event arrived;
    Prober(sc_core::sc_module_name n, Network &nw, std::vector<std::pair<uint32_t, uint32_t>> ps,
           uint64_t b)
        : sc_core::sc_module(n), net(nw), pairs(std::move(ps)), bytes(b)
    {
        SC_THREAD(run);
    }
    void run()
    {
        for (const auto &[s, d] : pairs) {
            wait(net.clock_period() * 10); // an empty network, on a clock edge
            const sc_core::sc_time sent = sc_core::sc_time_stamp();
            Message m;
            m.src = s;
            m.dst = d;
            m.bytes = bytes;
            net.send(m);
            wait(arrived);
            latency.push_back((sc_core::sc_time_stamp() - sent) / net.clock_period());
        }
        sc_core::sc_stop();
    }
    void on_delivered(const Message &) override { arrived.notify(); }
};

// Sends every transfer at one instant (or its delay after that, or after the delivery of
// the transfer it follows); records each delivery.
struct Burst : sc_core::sc_module, TransportClient {
    SC_HAS_PROCESS(Burst);
    Transport &net;
    const std::vector<Transfer> &transfers;
    std::vector<double> done;
    std::vector<Delivery> log;
    sc_core::sc_time sent;
    std::multimap<sc_core::sc_time, size_t> due; // transfers to send, by time
    sc_core::sc_event_queue wake;
    Burst(sc_core::sc_module_name n, Transport &nw, const std::vector<Transfer> &t)
        : sc_core::sc_module(n), net(nw), transfers(t), done(t.size(), -1)
    {
        SC_THREAD(run);
        SC_METHOD(fire);
        sensitive << wake;
        dont_initialize();
    }
    void later(size_t i)
    {
        const sc_core::sc_time d = net.clock_period() * transfers[i].delay;
        due.emplace(sc_core::sc_time_stamp() + d, i);
        wake.notify(d);
    }
    void fire()
    {
        while (!due.empty() && due.begin()->first <= sc_core::sc_time_stamp()) {
            const size_t i = due.begin()->second;
            due.erase(due.begin());
            Message m;
            m.src = transfers[i].src;
            m.dst = transfers[i].dst;
            m.bytes = transfers[i].bytes;
            m.tag = i;
            net.send(m);
        }
    }
    void run()
    {
        wait(net.clock_period() * 10);
        sent = sc_core::sc_time_stamp();
        for (size_t i = 0; i < transfers.size(); i++)
            if (transfers[i].after == UINT32_MAX) later(i);
    }
    void on_delivered(const Message &m) override
    {
        done[m.tag] = (sc_core::sc_time_stamp() - sent) / net.clock_period();
        log.push_back(Delivery{m.tag, m.src, m.dst, m.bytes, done[m.tag]});
        for (size_t i = 0; i < transfers.size(); i++)
            if (transfers[i].after == m.tag) later(i);
    }
};

struct BurstJob {
    const tess_platform *p;
    tess_noc_fidelity f;
    const std::vector<Transfer> *transfers;
    bool log = false; // reply with the delivery log and the energy (burst_log)
    NetworkOptions options{};
};

// In a simulation child: the platform's topology and network at fidelity f, or null with
// the error in out. Deadlock is checked statically only where it can happen (flit), as
// the entry points do.
std::unique_ptr<Network> child_network(const tess_platform *p, tess_noc_fidelity f,
                                       std::unique_ptr<Topology> *topo, tess_job_output *out,
                                       const NetworkOptions &options = {})
{
    tess::hw::prepare_kernel();
    std::string error;
    BuildOptions bo;
    bo.verify_cdg = f == TESS_NOC_FLIT;
    *topo = Topology::build(p, bo, &error);
    if (!*topo) {
        out->status = TESS_EINVAL;
        std::snprintf(out->message, sizeof out->message, "%s", error.c_str());
        return nullptr;
    }
    if (!fidelity_fits(f, **topo, &error)) {
        out->status = TESS_EINVAL;
        std::snprintf(out->message, sizeof out->message, "%s", error.c_str());
        return nullptr;
    }
    return make_network(f, "noc", **topo, options);
}

void burst_job(void *arg, tess_job_output *out)
{
    auto *job = static_cast<BurstJob *>(arg);
    std::unique_ptr<Topology> topo;
    std::unique_ptr<Network> net = child_network(job->p, job->f, &topo, out, job->options);
    if (!net) return;
    std::unique_ptr<CircuitSwitching> circuits;
    if (job->p->circuits)
        circuits = std::make_unique<CircuitSwitching>(
            "circuits", *net, job->p->circuits->reconfiguration_s, job->p->circuits->name);
    Transport &transport = circuits ? static_cast<Transport &>(*circuits) : *net;
    Burst burst("burst", transport, *job->transfers);
    transport.set_client(&burst);
    sc_core::sc_start();
    out->status = TESS_OK;
    if (job->log) { // the energy and the losses, then the deliveries
        const double head[4] = {net->energy_joules(), net->stats().lost_bytes,
                                static_cast<double>(net->stats().retransmit_timeouts),
                                static_cast<double>(net->stats().congestion_cut_flows)};
        const size_t len = sizeof head + burst.log.size() * sizeof(Delivery);
        auto *blob = static_cast<char *>(std::malloc(len + 1));
        std::memcpy(blob, head, sizeof head);
        if (!burst.log.empty())
            std::memcpy(blob + sizeof head, burst.log.data(), len - sizeof head);
        out->blob = blob;
        out->blob_len = len;
        return;
    }
    auto *blob = static_cast<double *>(std::malloc(burst.done.size() * sizeof(double) + 1));
    std::memcpy(blob, burst.done.data(), burst.done.size() * sizeof(double));
    out->blob = blob;
    out->blob_len = burst.done.size() * sizeof(double);
}

struct ProbeJob {
    const tess_platform *p;
    tess_noc_fidelity f;
    uint32_t flits;
    const std::vector<std::pair<uint32_t, uint32_t>> *pairs;
};

void probe_job(void *arg, tess_job_output *out)
{
    auto *job = static_cast<ProbeJob *>(arg);
    std::unique_ptr<Topology> topo;
    std::unique_ptr<Network> net = child_network(job->p, job->f, &topo, out);
    if (!net) return;
    Prober prober("prober", *net, *job->pairs, uint64_t(job->flits) * topo->flit_bytes());
    net->set_client(&prober);
    sc_core::sc_start();
    auto *blob = static_cast<double *>(std::malloc(prober.latency.size() * sizeof(double) + 1));
    std::memcpy(blob, prober.latency.data(), prober.latency.size() * sizeof(double));
    out->blob = blob;
    out->blob_len = prober.latency.size() * sizeof(double);
    out->status = TESS_OK;
}

} // namespace

tess_noc_result run_noc(const tess_platform *p, const tess_noc_options &o, int *status,
                        std::string *message)
{
    NocJob job{p, o};
    tess_run_result r;
    int rc = tess_run_isolated(noc_job, &job, 300, &r);
    tess_noc_result res{};
    if (rc == TESS_OK && r.blob_len == sizeof res) std::memcpy(&res, r.blob, sizeof res);
    if (status)
        *status = rc;
    else
        EXPECT_EQ(rc, TESS_OK) << r.message;
    if (message) *message = r.message;
    tess_run_result_free(&r);
    return res;
}

tess_noc_options noc_options(tess_noc_fidelity f, double rate, uint32_t packet_flits)
{
    tess_noc_options o;
    tess_noc_options_default(&o);
    o.fidelity = f;
    o.rate = rate;
    o.packet_flits = packet_flits;
    return o;
}

std::vector<double> probe_latencies(const tess_platform *p, tess_noc_fidelity f,
                                    uint32_t packet_flits,
                                    const std::vector<std::pair<uint32_t, uint32_t>> &pairs)
{
    ProbeJob job{p, f, packet_flits, &pairs};
    tess_run_result r;
    int rc = tess_run_isolated(probe_job, &job, 120, &r);
    EXPECT_EQ(rc, TESS_OK) << r.message;
    std::vector<double> out(r.blob_len / sizeof(double));
    if (!out.empty()) std::memcpy(out.data(), r.blob, r.blob_len);
    tess_run_result_free(&r);
    return out;
}

std::vector<double> transfer_times(const tess_platform *p, tess_noc_fidelity f,
                                   const std::vector<Transfer> &transfers,
                                   const NetworkOptions &options)
{
    BurstJob job{p, f, &transfers, false, options};
    tess_run_result r;
    int rc = tess_run_isolated(burst_job, &job, 300, &r);
    EXPECT_EQ(rc, TESS_OK) << r.message;
    std::vector<double> out(r.blob_len / sizeof(double));
    if (!out.empty()) std::memcpy(out.data(), r.blob, r.blob_len);
    tess_run_result_free(&r);
    return out;
}

BurstLog burst_log(const tess_platform *p, tess_noc_fidelity f,
                   const std::vector<Transfer> &transfers)
{
    BurstJob job{p, f, &transfers, true, {}};
    tess_run_result r;
    int rc = tess_run_isolated(burst_job, &job, 300, &r);
    EXPECT_EQ(rc, TESS_OK) << r.message;
    BurstLog out;
    double head[4];
    if (rc == TESS_OK && r.blob_len >= sizeof head) {
        std::memcpy(head, r.blob, sizeof head);
        out.energy_j = head[0];
        out.lost_bytes = head[1];
        out.retransmit_timeouts = static_cast<uint64_t>(head[2]);
        out.congestion_cut_flows = static_cast<uint64_t>(head[3]);
        out.deliveries.resize((r.blob_len - sizeof head) / sizeof(Delivery));
        if (!out.deliveries.empty())
            std::memcpy(out.deliveries.data(), static_cast<char *>(r.blob) + sizeof head,
                        out.deliveries.size() * sizeof(Delivery));
    }
    tess_run_result_free(&r);
    return out;
}
