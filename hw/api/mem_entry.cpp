// extern "C" entry for memory runs: see tessera_hw.h (tess_hw_mem_run).
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <exception>
#include <numeric>
#include <sys/resource.h>

#include "mem/dram_memory.h"
#include "api/kernel_setup.h"
#include "mem/traffic.h"

extern "C" {
#include "tessera/tessera.h"
#include "api/tessera_hw.h"
}

using namespace tess::dram;

extern "C" void tess_mem_options_default(tess_mem_options *o)
{
    std::memset(o, 0, sizeof *o);
    o->pattern = TESS_PATTERN_STREAM;
    o->read_ratio = 1.0;
    o->request_bytes = 64;
    o->outstanding = 64;
    o->requests = 200000;
    o->refresh = -1;
    o->scheduler = -1;
    o->stride_bytes = 4096;
    o->seed = 1;
}

extern "C" int tess_hw_mem_run(const tess_platform *p, uint32_t instance, const tess_mem_options *o,
                               tess_mem_result *out, char *msg, size_t msglen)
{
    std::memset(out, 0, sizeof *out);
    if (instance >= p->n_instances || p->instances[instance].kind != TESS_KIND_MEMORY) {
        std::snprintf(msg, msglen, "instance %u is not a memory", instance);
        return TESS_EINVAL;
    }
    if (o->requests > TESS_MEM_MAX_REQUESTS) {
        std::snprintf(msg, msglen, "%llu requests: at most %llu a run (each keeps its latency)",
                      static_cast<unsigned long long>(o->requests), TESS_MEM_MAX_REQUESTS);
        return TESS_EINVAL;
    }
    if (!(o->read_ratio >= 0 && o->read_ratio <= 1) || o->request_bytes == 0 ||
        o->outstanding == 0 || o->requests == 0 || o->stride_bytes == 0) {
        std::snprintf(msg, msglen,
                      "read ratio must be in [0, 1]; request bytes, outstanding, "
                      "requests and stride at least 1");
        return TESS_EINVAL;
    }
    tess_memory_type m = p->types[p->instances[instance].type].u.memory;
    if (o->refresh >= 0) m.refresh = static_cast<tess_refresh_mode>(o->refresh);
    if (o->scheduler >= 0) m.scheduler = static_cast<tess_mem_scheduler>(o->scheduler);
    if (m.refresh == TESS_REFRESH_PER_BANK && m.t.tREFIpb.cycles == 0 && m.t.tREFIpb.seconds == 0) {
        std::snprintf(msg, msglen,
                      "memory type '%s' has no per-bank refresh timings (tREFIpb, "
                      "tRFCpb)",
                      p->types[p->instances[instance].type].name);
        return TESS_EINVAL;
    }
    if (o->request_bytes > m.capacity_bytes) {
        std::snprintf(msg, msglen, "request of %u B exceeds the capacity", o->request_bytes);
        return TESS_EINVAL;
    }
    try {
        tess::hw::prepare_kernel();
        DramMemory mem("memory", m);
        MemTraffic traffic("traffic", *o, m.capacity_bytes);
        traffic.socket.bind(mem.socket);
        auto t0 = std::chrono::steady_clock::now();
        sc_core::sc_start();
        auto t1 = std::chrono::steady_clock::now();

        const ChannelStats s = mem.totals();
        const double span = (traffic.last_response - traffic.first_issue).to_seconds();
        out->requests = traffic.completed;
        out->reads = traffic.reads;
        out->writes = traffic.writes;
        out->bandwidth_bytes_per_s =
            span > 0 ? traffic.completed * double(o->request_bytes) / span : 0;
        out->peak_bandwidth_bytes_per_s = mem.peak_bandwidth();
        std::vector<double> &lat = traffic.latency_ps;
        if (!lat.empty()) {
            out->mean_latency_ns = std::accumulate(lat.begin(), lat.end(), 0.0) / lat.size() / 1e3;
            const size_t k = static_cast<size_t>(std::ceil(0.99 * lat.size())) - 1;
            std::nth_element(lat.begin(), lat.begin() + static_cast<std::ptrdiff_t>(k), lat.end());
            out->p99_latency_ns = lat[k] / 1e3;
            out->min_latency_ns = *std::min_element(lat.begin(), lat.end()) / 1e3;
            out->max_latency_ns = *std::max_element(lat.begin(), lat.end()) / 1e3;
        }
        const std::vector<double> &acc = traffic.accepted_latency_ps;
        if (!acc.empty())
            out->mean_accepted_latency_ns =
                std::accumulate(acc.begin(), acc.end(), 0.0) / acc.size() / 1e3;
        out->bursts_hit = s.row_hits;
        out->bursts_empty = s.row_empty;
        out->bursts_conflict = s.row_conflicts;
        out->row_hit_rate = s.row_hit_rate();
        out->acts = s.acts;
        out->pres = s.pres;
        out->refreshes = s.refreshes;
        out->refreshes_pb = s.refreshes_pb;
        out->refresh_stalls = s.refresh_stalls;
        const double now_s = sc_core::sc_time_stamp().to_seconds();
        const double cycles = now_s * mem.clock_hz();
        out->refresh_busy_fraction =
            cycles > 0 ? double(s.refresh_cycles) / (cycles * m.channels * m.ranks) : 0;
        out->energy_j = mem.energy_joules(now_s);
        out->background_energy_j = m.background_power * m.channels * now_s;
        const double bits = 8.0 * double(traffic.completed) * o->request_bytes;
        out->energy_per_bit_j = bits > 0 ? out->energy_j / bits : 0;
        out->simulated_seconds = now_s;
        out->clock_hz = mem.clock_hz();
        out->channels = m.channels;
        out->burst_bytes = mem.burst_bytes();
        out->row_bytes = mem.row_bytes();
        out->wall_seconds = std::chrono::duration<double>(t1 - t0).count();
        out->requests_per_second =
            out->wall_seconds > 0 ? traffic.completed / out->wall_seconds : 0;
        struct rusage ru;
        if (getrusage(RUSAGE_SELF, &ru) == 0) out->peak_rss_kb = ru.ru_maxrss;
        if (traffic.errors) {
            std::snprintf(msg, msglen, "%llu requests were refused",
                          (unsigned long long)traffic.errors);
            return TESS_EINVAL;
        }
        if (mem.responses() != traffic.completed) {
            std::snprintf(msg, msglen, "responses (%llu) and completions (%llu) differ",
                          (unsigned long long)mem.responses(),
                          (unsigned long long)traffic.completed);
            return TESS_EINTERNAL;
        }
        return TESS_OK;
    } catch (const std::exception &) {
        return tess::hw::failure(msg, msglen);
    }
}
