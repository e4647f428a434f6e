// On-die SRAM: capacity, interleaved banks, ports, bandwidth, access latency, read /
// write energy per bit and leakage, behind a TLM-2.0 target socket (b_transport and
// the approximately-timed base protocol, like the DRAM). Occupancy is tracked
// separately from traffic: whoever places tensors in the SRAM (the schedule, the
// compute die) allocates and releases bytes, and an allocation past the capacity is
// an error naming the numbers.
//
// Timing: banks are interleaved every `bank_bytes`; each bank moves
// bandwidth / (clock x banks) bytes per cycle. A request of B bytes from address A
// takes, on every bank it touches, its share of B at that rate, starting when the
// bank and a port are free; it completes `latency` cycles after its last bank is done.
// Concurrent requests to different banks overlap; to the same bank they queue.
#ifndef TESS_SRAM_H
#define TESS_SRAM_H

#include <cstdint>
#include <string>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_target_socket.h>

extern "C" {
#include "config/platform.h"
}

namespace tess::hw
{

class Sram : public sc_core::sc_module
{
  public:
    tlm_utils::simple_target_socket<Sram> socket;

    SC_HAS_PROCESS(Sram);
    // Throws std::invalid_argument if the die has no SRAM or no SRAM bandwidth.
    Sram(sc_core::sc_module_name name, const tess_die_type &die, std::string owner);

    // Occupancy: returns false (and fills *why) when bytes do not fit.
    bool allocate(uint64_t bytes, std::string *why);
    void release(uint64_t bytes);
    uint64_t in_use() const { return in_use_; }
    uint64_t peak_in_use() const { return peak_; }
    uint64_t capacity() const { return die_.sram_bytes; }

    // Cycle (of the die clock) at which a request of `bytes` at `address` issued at
    // cycle `now` completes; books the banks and a port. Used by TLM and by tests.
    uint64_t access(uint64_t now, uint64_t address, uint64_t bytes, bool write);

    double bytes_per_cycle() const { return bank_rate_ * die_.sram_banks; }
    double energy_joules(double seconds) const;
    uint64_t bytes_read() const { return read_; }
    uint64_t bytes_written() const { return written_; }

  private:
    const tess_die_type &die_;
    std::string owner_;
    uint64_t period_ps_;
    double bank_rate_;              // bytes per cycle per bank
    std::vector<double> bank_free_; // cycle (fractional) each bank is free
    std::vector<double> port_free_;
    uint64_t in_use_ = 0, peak_ = 0, read_ = 0, written_ = 0;
    std::vector<uint64_t> share_; // scratch: bytes per bank

    void b_transport(tlm::tlm_generic_payload &gp, sc_core::sc_time &delay);
    tlm::tlm_sync_enum nb_transport_fw(tlm::tlm_generic_payload &gp, tlm::tlm_phase &ph,
                                       sc_core::sc_time &delay);
};

} // namespace tess::hw

#endif
