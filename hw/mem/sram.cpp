// On-die SRAM: see sram.h.
#include "mem/sram.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace tess::hw
{

Sram::Sram(sc_core::sc_module_name name, const tess_die_type &die, std::string owner)
    : sc_core::sc_module(name), socket("socket"), die_(die), owner_(std::move(owner))
{
    if (die.sram_bytes == 0 || die.sram_bandwidth <= 0)
        throw std::invalid_argument("die '" + owner_ + "' has no SRAM (sram and sram-bandwidth)");
    period_ps_ = static_cast<uint64_t>(std::llround(1e12 / die.clock_hz));
    bank_rate_ = die.sram_bandwidth / die.clock_hz / die.sram_banks;
    bank_free_.assign(die.sram_banks, 0);
    port_free_.assign(die.sram_ports, 0);
    share_.assign(die.sram_banks, 0);
    socket.register_b_transport(this, &Sram::b_transport);
    socket.register_nb_transport_fw(this, &Sram::nb_transport_fw);
}

bool Sram::allocate(uint64_t bytes, std::string *why)
{
    if (in_use_ + bytes > die_.sram_bytes) {
        if (why)
            *why = "SRAM of die '" + owner_ + "' overflows: " + std::to_string(bytes) +
                   " B more with " + std::to_string(in_use_) + " B in use exceeds its " +
                   std::to_string(die_.sram_bytes) + " B";
        return false;
    }
    in_use_ += bytes;
    peak_ = std::max(peak_, in_use_);
    return true;
}

void Sram::release(uint64_t bytes)
{
    in_use_ = bytes > in_use_ ? 0 : in_use_ - bytes;
}

uint64_t Sram::access(uint64_t now, uint64_t address, uint64_t bytes, bool write)
{
    const uint32_t banks = die_.sram_banks, granule = die_.sram_bank_bytes;
    // each bank's share of the request, granule by granule from the address
    std::fill(share_.begin(), share_.end(), 0);
    for (uint64_t a = address, end = address + bytes; a < end;) {
        const uint64_t next = std::min(end, (a / granule + 1) * granule);
        share_[(a / granule) % banks] += next - a;
        a = next;
    }
    auto port = std::min_element(port_free_.begin(), port_free_.end());
    double start = std::max(static_cast<double>(now), *port);
    for (uint32_t b = 0; b < banks; b++)
        if (share_[b]) start = std::max(start, bank_free_[b]);
    double done = start;
    for (uint32_t b = 0; b < banks; b++) {
        if (!share_[b]) continue;
        bank_free_[b] = start + share_[b] / bank_rate_;
        done = std::max(done, bank_free_[b]);
    }
    *port = done;
    (write ? written_ : read_) += bytes;
    return static_cast<uint64_t>(std::ceil(done - 1e-9)) + die_.sram_latency;
}

double Sram::energy_joules(double seconds) const
{
    return 8.0 * (static_cast<double>(read_) * die_.sram_read_energy +
                  static_cast<double>(written_) * die_.sram_write_energy) +
           die_.sram_leakage * seconds;
}

void Sram::b_transport(tlm::tlm_generic_payload &gp, sc_core::sc_time &delay)
{
    if (gp.get_address() + gp.get_data_length() > die_.sram_bytes) {
        gp.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
        return;
    }
    const uint64_t at_ps = (sc_core::sc_time_stamp() + delay).value();
    const uint64_t now = (at_ps + period_ps_ - 1) / period_ps_;
    const uint64_t done = access(now, gp.get_address(), gp.get_data_length(), gp.is_write());
    delay = sc_core::sc_time(static_cast<double>(done * period_ps_), sc_core::SC_PS) -
            sc_core::sc_time_stamp();
    gp.set_response_status(tlm::TLM_OK_RESPONSE);
}

tlm::tlm_sync_enum Sram::nb_transport_fw(tlm::tlm_generic_payload &gp, tlm::tlm_phase &ph,
                                         sc_core::sc_time &delay)
{
    // accepted at once and answered in one call: the timing annotation carries the
    // access time (the base protocol's early completion)
    if (ph != tlm::BEGIN_REQ) return tlm::TLM_COMPLETED;
    b_transport(gp, delay);
    ph = tlm::BEGIN_RESP;
    return tlm::TLM_COMPLETED;
}

} // namespace tess::hw
