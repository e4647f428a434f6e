// DRAM controller: idle latencies against JEDEC timing sums, stream and random
// bandwidth against peak and activate-rate bounds, refresh cost, read/write
// turnaround, energy by hand-counted commands, ordering, and bad input. Every
// expected value is derived here from the timings; each simulation runs in a child.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>
#include <stdexcept>

#include "child.h"
#include "mem/dram_memory.h"

#include <tlm_utils/simple_initiator_socket.h>
#include "api/kernel_setup.h"
#include "platform_fixture.h"

extern "C" {
#include "api/tessera_hw.h"
#include "driver/memory_probe.h"
}

using namespace tess::dram;

namespace
{

// One HBM3-like channel with the Ramulator 2.1 / JESD238 cycle counts, 16 banks of
// 1,024 rows of 1 KB, refresh off unless overridden.
constexpr unsigned CL = 20, CWL = 10, RCD = 31, RP = 26, RAS = 45, RC = 72, CCD_S = 2, CCD_L = 4,
                   RRD_S = 4, RRD_L = 5, FAW = 24, WR = 33, WTR_S = 7, WTR_L = 10, RTP = 9,
                   RTW = 20, BURST = 2; // BL8 at 4 transfers per CK
constexpr double CK_PS = 625;

std::string channel_xml(const std::string &extra = "refresh=\"off\" frontend-latency=\"3\"")
{
    char buf[2048];
    std::snprintf(
        buf, sizeof buf,
        "<?xml version=\"1.0\"?>\n<platform name=\"m\">\n  <die-type name=\"h\" clock=\"1GHz\"/>\n"
        "  <link-type name=\"l\" width=\"64B\" latency=\"1cycle\" energy=\"0pJ/bit\"/>\n"
        "  <memory-type name=\"m\" standard=\"HBM3\" capacity=\"16MiB\" channels=\"1\" "
        "bus-width=\"32b\" data-rate=\"6.4Gb/s\" clock=\"1.6GHz\" burst-length=\"8\" "
        "bank-groups=\"4\" banks=\"4\" rows=\"1024\" mapping=\"RoBaRaCoBgCh\" "
        "tCL=\"%ucycles\" tCWL=\"%ucycles\" tRCD=\"%ucycles\" tRP=\"%ucycles\" tRAS=\"%ucycles\" "
        "tRC=\"%ucycles\" tCCD_S=\"%ucycles\" tCCD_L=\"%ucycles\" tRRD_S=\"%ucycles\" "
        "tRRD_L=\"%ucycles\" tFAW=\"%ucycles\" tWR=\"%ucycles\" tWTR_S=\"%ucycles\" "
        "tWTR_L=\"%ucycles\" tRTP=\"%ucycles\" tRTW=\"%ucycles\" tREFI=\"3.9us\" tRFC=\"350ns\" "
        "act-energy=\"1nJ\" read-energy=\"2pJ/bit\" write-energy=\"3pJ/bit\" "
        "background-power=\"50mW\" %s/>\n"
        "  <instance name=\"host\" type=\"h\"/>\n  <instance name=\"mem\" type=\"m\"/>\n"
        "  <connect from=\"host\" to=\"mem\" link=\"l\"/>\n</platform>\n",
        CL, CWL, RCD, RP, RAS, RC, CCD_S, CCD_L, RRD_S, RRD_L, FAW, WR, WTR_S, WTR_L, RTP, RTW,
        extra.c_str());
    return buf;
}

// Byte address of (bank group, column, bank, row) under RoBaRaCoBgCh with one
// channel and one rank: 32 B bursts, 2 bank-group bits, 5 column bits, 2 bank bits.
uint64_t addr(unsigned bg, unsigned col, unsigned bank, unsigned row)
{
    return ((((uint64_t(row) << 2 | bank) << 5 | col) << 2 | bg) << 5);
}

struct Probe {
    uint64_t at_cycle; // when to send
    uint64_t address;
    bool write;
};

// Threads that each send their probes with b_transport and time them.
struct Prober : sc_core::sc_module {
    SC_HAS_PROCESS(Prober);
    tlm_utils::simple_initiator_socket<Prober> socket;
    std::vector<Probe> probes;
    std::vector<double> latency_cycles;
    std::vector<uint64_t> finish_order;
    Prober(sc_core::sc_module_name n, std::vector<Probe> p)
        : sc_core::sc_module(n), socket("socket"), probes(std::move(p)),
          latency_cycles(probes.size(), -1)
    {
        for (size_t i = 0; i < probes.size(); i++)
            sc_core::sc_spawn([this, i] { run(i); });
    }
    void run(size_t i)
    {
        wait(sc_core::sc_time(probes[i].at_cycle * CK_PS, sc_core::SC_PS));
        tlm::tlm_generic_payload gp;
        unsigned char data[32];
        gp.set_command(probes[i].write ? tlm::TLM_WRITE_COMMAND : tlm::TLM_READ_COMMAND);
        gp.set_address(probes[i].address);
        gp.set_data_ptr(data);
        gp.set_data_length(32);
        gp.set_streaming_width(32);
        sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
        const sc_core::sc_time t0 = sc_core::sc_time_stamp();
        socket->b_transport(gp, delay);
        latency_cycles[i] = (sc_core::sc_time_stamp() - t0).value() / CK_PS;
        finish_order.push_back(i);
    }
};

// Each probe's latency in cycles; *order (if given) the probes in the order they finished,
// *refreshes (if given) the all-bank and per-bank refreshes the memory issued.
std::vector<double> probe(const tess_platform *p, const std::vector<Probe> &probes,
                          std::vector<double> *order = nullptr,
                          std::pair<double, double> *refreshes = nullptr)
{
    const tess_memory_type &m =
        p->types[p->instances[tess_platform_find_instance(p, "mem")].type].u.memory;
    std::vector<double> out = in_child([&] {
        tess::hw::prepare_kernel();
        DramMemory mem("mem", m);
        Prober prober("prober", probes);
        prober.socket.bind(mem.socket);
        sc_core::sc_start();
        std::vector<double> v = prober.latency_cycles;
        for (uint64_t i : prober.finish_order)
            v.push_back(double(i));
        const ChannelStats s = mem.totals();
        v.push_back(double(s.refreshes));
        v.push_back(double(s.refreshes_pb));
        return v;
    });
    if (out.size() != 2 * probes.size() + 2) return {};
    if (order) order->assign(out.begin() + probes.size(), out.begin() + 2 * probes.size());
    if (refreshes) *refreshes = {out[2 * probes.size()], out[2 * probes.size() + 1]};
    out.resize(probes.size());
    return out;
}

tess_mem_result mem_run(const tess_platform *p, const char *instance, const tess_mem_options &o)
{
    uint32_t inst = tess_platform_find_instance(p, instance);
    std::vector<double> v = in_child([&] {
        tess_mem_result r;
        char msg[512];
        if (tess_hw_mem_run(p, inst, &o, &r, msg, sizeof msg) != 0) throw std::runtime_error(msg);
        std::vector<double> blob(sizeof r / sizeof(double) + 1);
        std::memcpy(blob.data(), &r, sizeof r);
        return blob;
    });
    tess_mem_result r{};
    if (v.size() * sizeof(double) >= sizeof r) std::memcpy(&r, v.data(), sizeof r);
    return r;
}

tess_mem_options opts(tess_mem_pattern pat, uint32_t outstanding, uint64_t requests)
{
    tess_mem_options o;
    tess_mem_options_default(&o);
    o.pattern = pat;
    o.outstanding = outstanding;
    o.requests = requests;
    return o;
}

} // namespace

TEST(DramIdleLatency, HitEmptyAndConflictAreTheirTimingSums)
{
    auto l = load_xml(channel_xml());
    ASSERT_EQ(l->rc, TESS_OK) << l->errors;
    const unsigned F = 3; // frontend-latency in the XML
    // each probe long after the previous one, on an idle channel
    std::vector<Probe> probes = {
        {100, addr(0, 0, 1, 7), false},  // bank 1 closed: empty
        {1000, addr(0, 1, 1, 7), false}, // row 7 still open: hit
        {2000, addr(0, 0, 1, 9), false}, // row 9 in the same bank: conflict, tRAS long past
        {3000, addr(1, 0, 2, 5), true},  // a write to a closed bank: tRCD + tCWL + burst
    };
    std::vector<double> lat = probe(&l->p, probes);
    ASSERT_EQ(lat.size(), 4u);
    EXPECT_EQ(lat[0], F + RCD + CL + BURST);
    EXPECT_EQ(lat[1], F + CL + BURST);
    EXPECT_EQ(lat[2], F + RP + RCD + CL + BURST);
    EXPECT_EQ(lat[3], F + RCD + CWL + BURST);
}

TEST(DramIdleLatency, ConflictWaitsForTrasAndTrc)
{
    auto l = load_xml(channel_xml());
    ASSERT_EQ(l->rc, TESS_OK) << l->errors;
    // two reads to different rows of one closed bank in the same cycle: the first
    // opens its row at cycle 0 (relative); the second's PRE waits for tRAS and for the
    // first's read + tRTP, its ACT for tRP after that and tRC after the first ACT
    std::vector<Probe> probes = {{100, addr(0, 0, 3, 1), false}, {100, addr(0, 0, 3, 2), false}};
    std::vector<double> lat = probe(&l->p, probes);
    ASSERT_EQ(lat.size(), 2u);
    const unsigned F = 3;
    const unsigned act2 = std::max({RAS + RP, RC, RCD + RTP + RP});
    std::sort(lat.begin(), lat.end()); // which of the two the kernel admits first is its choice
    EXPECT_EQ(lat[0], F + RCD + CL + BURST);
    EXPECT_EQ(lat[1], F + act2 + RCD + CL + BURST);
}

TEST(DramIdleLatency, ClosedPagePolicyClosesTheRow)
{
    auto l = load_xml(channel_xml("refresh=\"off\" page-policy=\"closed\""));
    ASSERT_EQ(l->rc, TESS_OK) << l->errors;
    std::vector<Probe> probes = {{100, addr(0, 0, 1, 7), false}, {1000, addr(0, 1, 1, 7), false}};
    std::vector<double> lat = probe(&l->p, probes);
    ASSERT_EQ(lat.size(), 2u);
    // the row was closed after the first read: the second finds the bank empty
    EXPECT_EQ(lat[1], RCD + CL + BURST);
}

TEST(DramOrdering, SameAddressKeepsProgramOrderAndEveryRequestIsAnswered)
{
    auto l = load_xml(channel_xml());
    ASSERT_EQ(l->rc, TESS_OK) << l->errors;
    // W, R, W, R to one address, sent a cycle apart, among reads that hit a row
    // opened earlier (which FR-FCFS prefers to anything else that is ready)
    const uint64_t a = addr(2, 3, 0, 11);
    std::vector<Probe> probes = {{100, addr(1, 0, 2, 4), false},
                                 {400, a, true},
                                 {401, a, false},
                                 {402, a, true},
                                 {403, a, false},
                                 {401, addr(1, 1, 2, 4), false},
                                 {402, addr(1, 2, 2, 4), false}};
    std::vector<double> order;
    std::vector<double> lat = probe(&l->p, probes, &order);
    ASSERT_EQ(order.size(), probes.size()); // every request answered once
    std::vector<double> same;
    for (double i : order)
        if (i >= 1 && i <= 4) same.push_back(i);
    EXPECT_EQ(same, (std::vector<double>{1, 2, 3, 4}));
    for (double x : lat)
        EXPECT_GT(x, 0);
}

TEST(DramBandwidth, Hbm3StreamReachesNinetyPercentOfPeak)
{
    auto l = load_file(source_path("platforms/mem-hbm3.xml"));
    ASSERT_EQ(l->rc, TESS_OK) << l->errors;
    // peak = data rate x bus width x channels, from the preset's numbers
    const double peak = 6.4e9 * 32 / 8 * 32;
    tess_mem_options o = opts(TESS_PATTERN_STREAM, 1024, 100000);
    o.refresh = TESS_REFRESH_OFF;
    tess_mem_result off = mem_run(&l->p, "stack0", o);
    EXPECT_DOUBLE_EQ(off.peak_bandwidth_bytes_per_s, peak);
    EXPECT_GE(off.bandwidth_bytes_per_s, 0.90 * peak);
    EXPECT_LE(off.bandwidth_bytes_per_s, peak * 1.0001);
    o.refresh = TESS_REFRESH_ALL_BANK;
    tess_mem_result on = mem_run(&l->p, "stack0", o);
    const double refresh_share = 350e-9 / 3.9e-6; // tRFC / tREFI
    EXPECT_GE(on.bandwidth_bytes_per_s, 0.95 * (1 - refresh_share) * peak);
    EXPECT_GT(on.refreshes, 0u);
}

// A burst need not be a power of two bytes: the H200 preset's 48-bit channels make 48 B
// bursts. The sustained rate the evaluator measures streamed 64 B requests, each two
// bursts (64 / 48 rounded up), so 48 B of every 96 moved: 60% of peak. Its requests are
// now whole bursts (the first multiple of the burst of at least 64 B), so the stream is
// 90% of peak less refresh's tRFC / tREFI (350 ns / 3.9 us), as Hbm3Stream... bounds it.
TEST(DramBandwidth, TheSustainedRateOfA48ByteBurstMemoryIsAStreamOfWholeBursts)
{
    auto l = load_file(source_path("platforms/dgx-h200.xml"));
    ASSERT_EQ(l->rc, TESS_OK) << l->errors;
    const double peak = 128 * 48 / 8 * 6.2e9; // channels x bus width x pin rate
    std::vector<double> v = in_child([&] {
        std::vector<double> bw(l->p.n_instances + 1, 0);
        char msg[256];
        if (tess_sustained_bandwidths(&l->p, bw.data(), nullptr, nullptr, msg, sizeof msg) != 0)
            throw std::runtime_error(msg);
        return std::vector<double>{bw[tess_platform_find_instance(&l->p, "hbm0")]};
    });
    ASSERT_EQ(v.size(), 1u);
    EXPECT_GE(v[0], 0.90 * peak * (1 - 350e-9 / 3.9e-6));
    EXPECT_LE(v[0], peak);
}

TEST(DramBandwidth, RequestsLargerThanTheQueuesAreSplitAndStreamAtTheSameRate)
{
    auto l = load_file(source_path("platforms/mem-hbm3.xml"));
    ASSERT_EQ(l->rc, TESS_OK) << l->errors;
    // A 1 MiB request is 32,768 bursts of 32 B: 1,024 a channel against queues of 32. The
    // controller takes its bursts in as the queues drain, so every request is answered and
    // a stream of them is the same stream of bursts as small requests make: the bound of
    // Hbm3StreamReachesNinetyPercentOfPeak holds whatever the request size.
    const double peak = 6.4e9 * 32 / 8 * 32;
    for (uint32_t outstanding : {1u, 2u}) {
        tess_mem_options o = opts(TESS_PATTERN_STREAM, outstanding, 32);
        o.request_bytes = 1u << 20;
        o.refresh = TESS_REFRESH_OFF;
        tess_mem_result r = mem_run(&l->p, "stack0", o);
        EXPECT_EQ(r.requests, 32u) << outstanding;
        EXPECT_GE(r.bandwidth_bytes_per_s, 0.90 * peak) << outstanding;
        EXPECT_LE(r.bandwidth_bytes_per_s, peak * 1.0001) << outstanding;
        // one request alone: no earlier than its bursts at peak, one idle latency at most more
        EXPECT_GE(r.min_latency_ns * 1e-9, (1u << 20) / peak) << outstanding;
    }
}

TEST(DramBandwidth, RandomReadsAreBoundByTheActivateRate)
{
    auto l = load_file(source_path("platforms/mem-hbm3.xml"));
    ASSERT_EQ(l->rc, TESS_OK) << l->errors;
    // Every random 32 B burst opens a row. Per channel, ACTs are limited by tRRD_S
    // (one per 4 CK), by tFAW (four per 24 CK) and by tRC over 16 banks (16 per 72
    // CK); the tightest, times 32 B per ACT, bounds the bandwidth.
    const double ck = 1.6e9;
    const double acts_per_ck = std::min({1.0 / RRD_S, 4.0 / FAW, 16.0 / RC});
    const double bound = 32 * acts_per_ck * 32 * ck;
    tess_mem_options o = opts(TESS_PATTERN_RANDOM, 4096, 200000);
    o.refresh = TESS_REFRESH_OFF;
    tess_mem_result r = mem_run(&l->p, "stack0", o);
    EXPECT_LE(r.bandwidth_bytes_per_s, bound);
    EXPECT_GE(r.bandwidth_bytes_per_s, 0.8 * bound);
    EXPECT_LT(r.row_hit_rate, 0.01);
}

// Every bundled memory type: the presets and the libraries the DGX platforms include.
TEST(DramBandwidth, RandomReadsOfEveryBundledMemoryStayWithinTheActivateBound)
{
    const char *files[] = {"platforms/mem-hbm2.xml", "platforms/mem-hbm2e.xml",
                           "platforms/mem-hbm3.xml", "platforms/mem-ddr4.xml",
                           "platforms/mem-ddr5.xml", "platforms/mem-lpddr5.xml",
                           "platforms/dgx-a100.xml", "platforms/dgx-h100.xml",
                           "platforms/dgx-h200.xml", "platforms/default.xml"};
    for (const char *file : files) {
        auto l = load_file(source_path(file));
        ASSERT_EQ(l->rc, TESS_OK) << file << ": " << l->errors;
        std::vector<bool> seen(l->p.n_types, false);
        for (size_t i = 0; i < l->p.n_instances; i++) {
            const tess_instance &x = l->p.instances[i];
            if (x.kind != TESS_KIND_MEMORY || seen[x.type]) continue;
            seen[x.type] = true;
            // One command-bus group (an HBM channel's two pseudo-channels, one DDR
            // channel), the row size kept: capacity per channel times the group.
            tess_memory_type &m = l->p.types[x.type].u.memory;
            const uint32_t g = m.bus_channels;
            m.capacity_bytes = m.capacity_bytes / m.channels * g;
            m.channels = g;
            // Each random one-burst read opens a row, and its bank's next one closes it:
            // one ACT and one PRE per burst. ACTs per second, per channel, are at most
            // 1/tRRD_S, 4/tFAW and banks/tRC; the group's row-command bus carries one ACT
            // and one PRE per (act-cycles + row-command-cycles) clocks, and a single bus
            // also the RD (column-command-cycles). Timings given in ns count as such (the
            // model rounds them up to cycles, which only lowers the rate).
            const double ck = m.clock_hz > 0 ? m.clock_hz : m.data_rate / 2;
            auto sec = [ck](tess_latency t) { return t.seconds > 0 ? t.seconds : t.cycles / ck; };
            const double banks = double(m.ranks) * m.bank_groups * m.banks;
            const double per_channel =
                std::min({1 / sec(m.t.tRRD_S), 4 / sec(m.t.tFAW), banks / sec(m.t.tRC)});
            const double bus_cycles = m.act_cycles + m.row_cycles +
                                      (m.command_bus == TESS_CMD_BUS_SINGLE ? m.column_cycles : 0);
            const double acts = std::min(g * per_channel, ck / bus_cycles);
            const double burst = m.bus_width_bits * m.burst_length / 8.0;
            const double bound = acts * burst;
            tess_mem_options o = opts(TESS_PATTERN_RANDOM, 2 * m.queue_depth * g, 20000);
            o.refresh = TESS_REFRESH_OFF;
            o.request_bytes = static_cast<uint32_t>(burst);
            tess_mem_result r = mem_run(&l->p, x.path, o);
            const std::string what = std::string(file) + " " + l->p.types[x.type].name;
            EXPECT_LE(r.bandwidth_bytes_per_s, bound * 1.0001) << what;
            EXPECT_GE(r.bandwidth_bytes_per_s, 0.5 * bound) << what;
            EXPECT_LT(r.row_hit_rate, 0.01) << what;
            std::printf("%s: %.3g GB/s, bound %.3g GB/s (%.1f%%)\n", what.c_str(),
                        r.bandwidth_bytes_per_s / 1e9, bound / 1e9,
                        100 * r.bandwidth_bytes_per_s / bound);
        }
    }
}

TEST(DramBandwidth, Hbm2RandomReadsAreBoundByTheSharedRowBus)
{
    // Ramulator 2's HBM2 channel (mem-hbm2.xml "r2"): two pseudo-channels each allow an
    // ACT per tRRD_S = 4 CK, 2 / 4 = 0.5 ACT per CK for the channel, and tFAW 2 x 4 / 15
    // = 0.53; but the shared row bus carries a 2-CK ACT and a 1-CK PRE per random burst:
    // 1/3 burst of 32 B per 1 ns clock = 10.67 GB/s, where one bus per pseudo-channel of
    // 1-cycle commands allows the tRRD_S bound, 16 GB/s (the model before, ~1.4x more).
    auto l = load_file(source_path("platforms/mem-hbm2.xml"));
    ASSERT_EQ(l->rc, TESS_OK) << l->errors;
    const double row_bus = 32 * 1e9 / (2 + 1), rrd = 32 * 1e9 * 2 / 4.0;
    tess_mem_options o = opts(TESS_PATTERN_RANDOM, 64, 40000);
    o.refresh = TESS_REFRESH_OFF;
    o.request_bytes = 32;
    tess_mem_result r = mem_run(&l->p, "r2", o);
    EXPECT_LE(r.bandwidth_bytes_per_s, row_bus * 1.0001);
    EXPECT_GE(r.bandwidth_bytes_per_s, 0.95 * row_bus);
    auto one =
        load_file(source_path("platforms/mem-hbm2.xml"), {{"hbm2-r2.command-bus", "single"},
                                                          {"hbm2-r2.command-bus-channels", "1"},
                                                          {"hbm2-r2.act-cycles", "1"}});
    ASSERT_EQ(one->rc, TESS_OK) << one->errors;
    tess_mem_result old = mem_run(&one->p, "r2", o);
    EXPECT_GT(old.bandwidth_bytes_per_s, 1.3 * r.bandwidth_bytes_per_s);
    EXPECT_LE(old.bandwidth_bytes_per_s, rrd * 1.0001);
}

TEST(DramCommandBus, MultiCycleCommandsCountTheirTimingsFromTheLastClock)
{
    // an ACT of 2 cycles: the read of an empty bank follows it tRCD after its second
    // clock, one cycle later than with a 1-cycle ACT (DRAMSys: ACT to RD = tRCD + tCK)
    auto l = load_xml(channel_xml("refresh=\"off\" frontend-latency=\"3\" act-cycles=\"2\""));
    ASSERT_EQ(l->rc, TESS_OK) << l->errors;
    std::vector<double> lat = probe(&l->p, {{100, addr(0, 0, 1, 7), false}});
    ASSERT_EQ(lat.size(), 1u);
    EXPECT_EQ(lat[0], 3 + 1 + RCD + CL + BURST);
    // 2-cycle column commands (DDR5): ACT and RD both 2 cycles, so tRCD stands, and the
    // data follows the read's second clock
    auto d = load_xml(channel_xml("refresh=\"off\" frontend-latency=\"3\" act-cycles=\"2\" "
                                  "column-command-cycles=\"2\""));
    ASSERT_EQ(d->rc, TESS_OK) << d->errors;
    lat = probe(&d->p, {{100, addr(0, 0, 1, 7), false}});
    ASSERT_EQ(lat.size(), 1u);
    EXPECT_EQ(lat[0], 3 + RCD + 1 + CL + BURST);
}

TEST(DramRefresh, AllBankRefreshTakesTrfcOverTrefiOfBankTime)
{
    auto l = load_file(source_path("platforms/mem-ddr5.xml"));
    ASSERT_EQ(l->rc, TESS_OK) << l->errors;
    // a run of more than 100 refresh intervals, so the partial last one is < 1%
    tess_mem_result r = mem_run(&l->p, "dimm0", opts(TESS_PATTERN_STREAM, 128, 300000));
    ASSERT_GT(r.simulated_seconds, 100 * 3.9e-6);
    const double expected = 295e-9 / 3.9e-6;
    EXPECT_NEAR(r.refresh_busy_fraction, expected, 0.01);
    // one refresh per channel per tREFI
    const double intervals = r.simulated_seconds / 3.9e-6;
    EXPECT_NEAR(double(r.refreshes), 2 * intervals, 2 * 1.0 + 1);
}

// An idle memory schedules nothing (the simulation ends when its initiators are done: with
// refresh on, this test would never return otherwise), and the refreshes due while it was
// idle are done when the next request comes: every interval's, none twice, none stalling
// the request. Two reads, the first 3 refresh intervals after the start and the second
// 161 (per bank: 2,600) after it, each clear of any refresh: both find their bank closed
// (the first: never opened; the second: closed by the refreshes), so each takes F + tRCD
// + CL + burst; the refreshes counted are those due by the second's arrival.
TEST(DramRefresh, AnIdleStretchCountsItsRefreshesWhenTheNextRequestComes)
{
    struct Case {
        const char *extra;
        uint64_t interval, busy; // tREFI (tREFIpb) and tRFC (tRFCpb) in cycles
        bool per_bank;
    };
    // 3.9 us = 6,240 cycles, 350 ns = 560; per bank 243.75 ns = 390, 200 ns = 320
    const Case cases[] = {{"frontend-latency=\"3\" refresh=\"all-bank\"", 6240, 560, false},
                          {"frontend-latency=\"3\" refresh=\"per-bank\" tREFIpb=\"243.75ns\" "
                           "tRFCpb=\"200ns\"",
                           390, 320, true}};
    for (const Case &c : cases) {
        auto l = load_xml(channel_xml(c.extra));
        ASSERT_EQ(l->rc, TESS_OK) << l->errors;
        // the second read: after refresh K's busy time, before refresh K + 1 is due
        const uint64_t K = c.per_bank ? 2600 : 161;
        const uint64_t first = 3 * c.interval + c.busy + 4, second = K * c.interval + c.busy + 4;
        ASSERT_LT(second + 3 + RCD + CL + BURST, (K + 1) * c.interval);
        std::vector<Probe> probes = {{first, addr(0, 0, 1, 7), false},
                                     {second, addr(0, 0, 2, 9), false}};
        std::pair<double, double> refreshes{-1, -1}; // all-bank, per-bank
        std::vector<double> lat = probe(&l->p, probes, nullptr, &refreshes);
        ASSERT_EQ(lat.size(), 2u) << c.extra;
        EXPECT_EQ(lat[0], 3 + RCD + CL + BURST) << c.extra;
        EXPECT_EQ(lat[1], 3 + RCD + CL + BURST) << c.extra;
        EXPECT_EQ(c.per_bank ? refreshes.second : refreshes.first, double(K)) << c.extra;
        EXPECT_EQ(c.per_bank ? refreshes.first : refreshes.second, 0) << c.extra;
    }
}

TEST(DramRefresh, PerBankRefreshVisitsBanksAtTrefipb)
{
    auto l = load_file(source_path("platforms/mem-hbm3.xml"));
    ASSERT_EQ(l->rc, TESS_OK) << l->errors;
    tess_mem_options o = opts(TESS_PATTERN_RANDOM, 256, 50000);
    o.refresh = TESS_REFRESH_PER_BANK;
    tess_mem_result r = mem_run(&l->p, "stack0", o);
    EXPECT_EQ(r.refreshes, 0u);
    const double expected = 32 * r.simulated_seconds / 243.75e-9; // channels x T / tREFIpb
    EXPECT_NEAR(double(r.refreshes_pb), expected, 0.02 * expected + 32);
}

TEST(DramTurnaround, ReadWriteMixPaysTheBusTurnarounds)
{
    auto l = load_xml(channel_xml("refresh=\"off\" scheduler=\"fcfs\""));
    ASSERT_EQ(l->rc, TESS_OK) << l->errors;
    // 32 B requests, write then two reads, repeating (read ratio 2/3), in order
    // (FCFS). Consecutive bursts alternate bank groups, so each period of W R R costs
    // at least (tCWL + burst + tWTR_S) + tCCD_S + tRTW cycles for 3 bursts of data.
    tess_mem_options o = opts(TESS_PATTERN_STREAM, 64, 30000);
    o.read_ratio = 2.0 / 3.0;
    o.request_bytes = 32;
    tess_mem_result r = mem_run(&l->p, "mem", o);
    const double period = (CWL + BURST + WTR_S) + CCD_S + RTW;
    const double bound = 3.0 * BURST / period * r.peak_bandwidth_bytes_per_s;
    EXPECT_EQ(r.writes * 2, r.reads);
    EXPECT_LE(r.bandwidth_bytes_per_s, bound * 1.0001);
    EXPECT_GE(r.bandwidth_bytes_per_s, 0.85 * bound); // the turnarounds are what binds
}

TEST(DramEnergy, CommandCountsTimesEnergiesPlusBackground)
{
    // one bank group, one bank: a stream of 64 reads of 32 B fills exactly two 1 KB
    // rows, so by hand: 2 ACT, 1 PRE between them, 64 read bursts of 256 bits
    auto l = load_xml(channel_xml("refresh=\"off\""));
    ASSERT_EQ(l->rc, TESS_OK) << l->errors;
    auto one = load_xml(channel_xml("refresh=\"off\""),
                        {{"m.bank-groups", "1"}, {"m.banks", "1"}, {"m.rows", "16384"}});
    ASSERT_EQ(one->rc, TESS_OK) << one->errors;
    tess_mem_options o = opts(TESS_PATTERN_STREAM, 4, 64);
    o.request_bytes = 32;
    tess_mem_result r = mem_run(&one->p, "mem", o);
    EXPECT_EQ(r.acts, 2u);
    EXPECT_EQ(r.bursts_conflict, 1u);
    const double expected = 2 * 1e-9 + 64 * 256 * 2e-12 + 0.050 * r.simulated_seconds;
    EXPECT_NEAR(r.energy_j, expected, 1e-15);
}

TEST(DramBadInput, JedecRelationsPowersOfTwoAndStandardsAreChecked)
{
    auto rc = load_xml(channel_xml(), {{"m.tRC", "60cycles"}}); // < tRAS + tRP = 71
    EXPECT_EQ(rc->rc, TESS_EINVAL);
    EXPECT_NE(rc->errors.find("tRC (37.5 ns) is shorter than tRAS + tRP"), std::string::npos)
        << rc->errors;
    std::string banks = channel_xml();
    banks.replace(banks.find("banks=\"4\""), 9, "banks=\"3\"");
    auto b = load_xml(banks);
    EXPECT_EQ(b->rc, TESS_EINVAL);
    EXPECT_NE(b->errors.find(
                  "test.xml:5: <memory-type name=\"m\">: 'banks' is 3; it must be a power of two"),
              std::string::npos)
        << b->errors;
    // a row the DRAM model cannot address: 64 MiB over 16 banks of 1 row is 4 MiB a row,
    // 131,072 bursts of 32 B (a burst's column is kept in 16 bits)
    std::string wide = channel_xml();
    wide.replace(wide.find("capacity=\"16MiB\""), 16, "capacity=\"64MiB\"");
    wide.replace(wide.find("rows=\"1024\""), 11, "rows=\"1\"");
    auto w = load_xml(wide);
    EXPECT_EQ(w->rc, TESS_EINVAL);
    EXPECT_NE(w->errors.find("test.xml:5: <memory-type name=\"m\">: a row of 4194304 B holds "
                             "131072 bursts of 32 B; at most 65,536"),
              std::string::npos)
        << w->errors;
    std::string std_ = channel_xml();
    std_.replace(std_.find("standard=\"HBM3\""), 15, "standard=\"HBM9\"");
    auto s = load_xml(std_);
    EXPECT_EQ(s->rc, TESS_EINVAL);
    EXPECT_NE(
        s->errors.find(
            "attribute 'standard': 'HBM9' is not one of: HBM2, HBM2E, HBM3, DDR4, DDR5, LPDDR5"),
        std::string::npos)
        << s->errors;
}

TEST(DramBadInput, TimingsThatOutrunTheDataBusAreRefused)
{
    // A burst is burst-length / (data rate / clock) = 8 / (6.4 GT/s / 1.6 GHz) = 2 cycles.
    // Reads tCCD apart move one burst each, so tCCD below 2 cycles would carry more than
    // the peak; the message names the file, the line of the <memory-type> and the field.
    auto with = [](const std::string &field, unsigned from, unsigned to) {
        std::string x = channel_xml();
        const std::string a = field + "=\"" + std::to_string(from) + "cycles\"";
        x.replace(x.find(a), a.size(), field + "=\"" + std::to_string(to) + "cycles\"");
        return load_xml(x);
    };
    auto s = with("tCCD_S", CCD_S, 1);
    EXPECT_EQ(s->rc, TESS_EINVAL);
    EXPECT_NE(s->errors.find("test.xml:5: <memory-type name=\"m\">: tCCD_S (1 cycles) is shorter "
                             "than one burst on the data bus (burst-length 8 at 4 transfers per "
                             "clock = 2 cycles)"),
              std::string::npos)
        << s->errors;
    auto l = with("tCCD_L", CCD_L, 1);
    EXPECT_EQ(l->rc, TESS_EINVAL);
    EXPECT_NE(l->errors.find("tCCD_L (1 cycles) is shorter than one burst"), std::string::npos)
        << l->errors;
    // a write's data starts tRTW + tCWL after the read command, the read's ends tCL +
    // burst after it: tRTW >= 20 + 2 - 10 = 12
    EXPECT_EQ(with("tRTW", RTW, CL + BURST - CWL)->rc, TESS_OK);
    auto w = with("tRTW", RTW, CL + BURST - CWL - 1);
    EXPECT_EQ(w->rc, TESS_EINVAL);
    EXPECT_NE(w->errors.find("test.xml:5: <memory-type name=\"m\">: tRTW (11 cycles) is shorter "
                             "than tCL + burst - tCWL (12 cycles)"),
              std::string::npos)
        << w->errors;
    // command-bus occupancy in half cycles, and whole groups of channels per bus
    auto a = load_xml(channel_xml("refresh=\"off\" act-cycles=\"0.7\""));
    EXPECT_NE(a->errors.find("'act-cycles' is 0.7; it must be a whole or half number of cycles"),
              std::string::npos)
        << a->errors;
    auto g = load_xml(channel_xml("refresh=\"off\" command-bus-channels=\"2\""));
    EXPECT_NE(g->errors.find("'command-bus-channels' is 2; it must divide 'channels' (1)"),
              std::string::npos)
        << g->errors;
}
