// SystemC kernel set-up shared by every hw/ entry, and the kernel probe.
//
// Time base: one picosecond resolution for every clock in a simulation
// (sc_set_time_resolution before anything is elaborated). A clock's period is
// rounded to whole picoseconds: 1.5 GHz ticks every 667 ps, not 666.67.
#include "api/tessera_hw.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <new>
#include <sys/resource.h>
#include <systemc>

#include "api/kernel_setup.h"
#include "tessera/tessera.h"

int tess::hw::failure(char *msg, size_t msglen)
{
    try {
        throw;
    } catch (const std::bad_alloc &) {
        // out of memory: below, with the child's cap
    } catch (const std::exception &e) {
        std::snprintf(msg, msglen, "simulation failed: %s", e.what());
        return TESS_EINTERNAL;
    }
    struct rlimit rl;
    const double gib = getrlimit(RLIMIT_AS, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY
                           ? static_cast<double>(rl.rlim_cur) / (1u << 30)
                           : 0;
    if (gib > 0)
        std::snprintf(msg, msglen,
                      "the simulation ran out of memory (its limit: %.3g GiB; "
                      "TESSERA_CHILD_MEMORY=SIZE raises it)",
                      gib);
    else
        std::snprintf(msg, msglen, "the simulation ran out of memory");
    return TESS_ENOMEM;
}

void tess::hw::prepare_kernel()
{
    // Silence the banner: reports and summaries own stdout.
    setenv("SC_COPYRIGHT_MESSAGE", "DISABLE", 1);
    sc_core::sc_set_time_resolution(1, sc_core::SC_PS);
    // sc_stop() ends every run that finishes early; it is not news
    sc_core::sc_report_handler::set_actions("/OSCI/SystemC", sc_core::SC_INFO,
                                            sc_core::SC_DO_NOTHING);
}

namespace
{

uint64_t period_ps(double clock_hz)
{
    return static_cast<uint64_t>(std::llround(1e12 / clock_hz));
}

// A block that wakes once per cycle for a fixed number of cycles: an SC_METHOD
// re-armed by a timed notification, the pattern every clocked block here uses.
SC_MODULE(TickCounter)
{
    uint64_t remaining;
    uint64_t ticks = 0;
    sc_core::sc_time period;
    sc_core::sc_event tick;

    SC_HAS_PROCESS(TickCounter);
    TickCounter(sc_core::sc_module_name name, uint64_t cycles, sc_core::sc_time clock_period)
        : sc_core::sc_module(name), remaining(cycles), period(clock_period)
    {
        SC_METHOD(on_tick);
        sensitive << tick;
        dont_initialize();
    }

    void start_of_simulation() override
    {
        if (remaining > 0) tick.notify(period);
    }

    void on_tick()
    {
        ++ticks;
        if (--remaining > 0) tick.notify(period);
    }
};

} // namespace

extern "C" const char *tess_hw_systemc_version(void)
{
    return SC_VERSION;
}

extern "C" int tess_hw_clock_probe(double clock_hz, uint64_t cycles, tess_hw_probe_result *out,
                                   char *msg, size_t msglen)
{
    if (!(clock_hz > 0) || period_ps(clock_hz) == 0) {
        std::snprintf(msg, msglen, "clock %g Hz has no period on a 1 ps time base", clock_hz);
        return TESS_EINVAL;
    }
    try {
        tess::hw::prepare_kernel();
        const uint64_t ps = period_ps(clock_hz);
        TickCounter counter("probe", cycles,
                            sc_core::sc_time(static_cast<double>(ps), sc_core::SC_PS));
        sc_core::sc_start();
        out->end_ps = sc_core::sc_time_stamp().value();
        out->ticks = counter.ticks;
        out->period_ps = ps;
        return TESS_OK;
    } catch (const std::exception &e) {
        std::snprintf(msg, msglen, "SystemC: %s", e.what());
        return TESS_EINTERNAL;
    } catch (...) {
        std::snprintf(msg, msglen, "SystemC: unknown exception");
        return TESS_EINTERNAL;
    }
}

// libsystemc's main() calls sc_main(). Tessera's programs have their own main() and
// enter the kernel through the tess_hw_* functions above, so this is reached only if
// a program forgets to define main(); it says so instead of doing nothing quietly.
int sc_main(int, char **)
{
    std::fprintf(stderr, "tessera: sc_main called; hw/ is entered through tess_hw_* only\n");
    return 2;
}
