// On-die SRAM: access time from banks, ports and bandwidth; occupancy; energy.
#include <gtest/gtest.h>

#include <tlm_utils/simple_initiator_socket.h>

#include "child.h"
#include "api/kernel_setup.h"
#include "mem/sram.h"

extern "C" {
#include "config/platform.h"
}

namespace
{

// 1 GHz die, 1 MiB SRAM at 1024 GB/s over 16 banks interleaved every 64 B: each bank
// moves 1024 / 16 = 64 B per cycle; 2 ports; 2-cycle latency.
tess_die_type die()
{
    tess_die_type d{};
    d.clock_hz = 1e9;
    d.sram_bytes = 1 << 20;
    d.sram_bandwidth = 1024e9;
    d.sram_banks = 16;
    d.sram_bank_bytes = 64;
    d.sram_ports = 2;
    d.sram_latency = 2;
    d.sram_read_energy = 0.1e-12;
    d.sram_write_energy = 0.2e-12;
    d.sram_leakage = 0.5;
    return d;
}

} // namespace

TEST(Sram, AccessTimeIsItsBankShareOverTheBankRatePlusLatency)
{
    tess_die_type d = die();
    tess::hw::prepare_kernel();
    tess::hw::Sram s("sram", d, "die0");
    EXPECT_DOUBLE_EQ(s.bytes_per_cycle(), 1024.0);
    // 64 B in one bank: one cycle of that bank, then the latency
    EXPECT_EQ(s.access(10, 0, 64, false), 10u + 1 + 2);
    // 4 KiB over all 16 banks: 256 B per bank at 64 B per cycle = 4 cycles
    EXPECT_EQ(s.access(100, 0, 4096, false), 100u + 4 + 2);
    // 96 B from address 32 straddles banks 0 (32 B) and 1 (64 B): 1 cycle
    EXPECT_EQ(s.access(200, 32, 96, true), 200u + 1 + 2);
}

TEST(Sram, SameBankQueuesDifferentBanksOverlap)
{
    tess_die_type d = die();
    tess::hw::prepare_kernel();
    tess::hw::Sram s("sram", d, "die0");
    // addresses 0 and 1024 are both bank 0 (1024 / 64 = 16 = 0 mod 16): serialised
    EXPECT_EQ(s.access(0, 0, 64, false), 1u + 2);
    EXPECT_EQ(s.access(0, 1024, 64, false), 2u + 2);
    // banks 3 and 4 at a later cycle: in parallel on the two ports
    EXPECT_EQ(s.access(10, 3 * 64, 64, false), 11u + 2);
    EXPECT_EQ(s.access(10, 4 * 64, 64, false), 11u + 2);
    // a third request in that cycle finds both ports busy until cycle 11
    EXPECT_EQ(s.access(10, 5 * 64, 64, false), 12u + 2);
}

TEST(Sram, StreamingReachesTheBandwidth)
{
    tess_die_type d = die();
    tess::hw::prepare_kernel();
    tess::hw::Sram s("sram", d, "die0");
    // 1,000 requests of 4 KiB issued at cycle 0: 4 MB at 1024 B/cycle = 4,000 cycles
    uint64_t last = 0;
    for (int i = 0; i < 1000; i++)
        last = std::max(last, s.access(0, (i * 4096u) % (1u << 20), 4096, false));
    EXPECT_EQ(last, 4000u + 2);
}

TEST(Sram, OccupancyOverflowIsAnErrorWithTheNumbers)
{
    tess_die_type d = die();
    tess::hw::prepare_kernel();
    tess::hw::Sram s("sram", d, "wafer0.r1c2.die");
    std::string why;
    EXPECT_TRUE(s.allocate(600 * 1024, &why));
    EXPECT_FALSE(s.allocate(500 * 1024, &why));
    EXPECT_NE(why.find("SRAM of die 'wafer0.r1c2.die' overflows: 512000 B more with 614400 B in "
                       "use exceeds its 1048576 B"),
              std::string::npos)
        << why;
    s.release(600 * 1024);
    EXPECT_TRUE(s.allocate(1 << 20, &why));
    EXPECT_EQ(s.peak_in_use(), 1u << 20);
}

TEST(Sram, EnergyIsBitsTimesEnergyPlusLeakage)
{
    tess_die_type d = die();
    tess::hw::prepare_kernel();
    tess::hw::Sram s("sram", d, "die0");
    s.access(0, 0, 1000, false);
    s.access(0, 4096, 500, true);
    EXPECT_NEAR(s.energy_joules(1e-6), 8000 * 0.1e-12 + 4000 * 0.2e-12 + 0.5 * 1e-6, 1e-18);
}

TEST(Sram, TlmInitiatorSeesTheAccessTime)
{
    std::vector<double> v = in_child([] {
        tess::hw::prepare_kernel();
        static tess_die_type d = die();
        struct Init : sc_core::sc_module {
            SC_HAS_PROCESS(Init);
            tlm_utils::simple_initiator_socket<Init> socket;
            std::vector<double> out;
            Init(sc_core::sc_module_name n) : sc_core::sc_module(n), socket("socket")
            {
                SC_THREAD(run);
            }
            void run()
            {
                wait(sc_core::sc_time(5, sc_core::SC_NS));
                unsigned char buf[4096];
                for (int i = 0; i < 2; i++) {
                    tlm::tlm_generic_payload gp;
                    gp.set_command(tlm::TLM_READ_COMMAND);
                    gp.set_address(0);
                    gp.set_data_ptr(buf);
                    gp.set_data_length(4096);
                    gp.set_streaming_width(4096);
                    sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
                    socket->b_transport(gp, delay);
                    out.push_back(delay.to_seconds() * 1e9);
                    out.push_back(gp.is_response_ok());
                }
            }
        };
        tess::hw::Sram s("sram", d, "die0");
        Init init("init");
        init.socket.bind(s.socket);
        sc_core::sc_start();
        return init.out;
    });
    ASSERT_EQ(v.size(), 4u);
    // both at 5 ns: the first takes 4 + 2 cycles; the second waits for the banks (4 more)
    EXPECT_DOUBLE_EQ(v[0], 6.0);
    EXPECT_DOUBLE_EQ(v[1], 1.0);
    EXPECT_DOUBLE_EQ(v[2], 10.0);
}
