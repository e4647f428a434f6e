// Synthetic memory traffic: see traffic.h.
#include "mem/traffic.h"

#include <cmath>

namespace tess::dram
{

MemTraffic::MemTraffic(sc_core::sc_module_name name, const tess_mem_options &o, uint64_t capacity)
    : sc_core::sc_module(name), socket("socket"), o_(o), capacity_(capacity), rng_(o.seed)
{
    pool_.reset(new tlm::tlm_generic_payload[o.outstanding]);
    issued_at_.assign(o.outstanding, 0);
    accepted_at_.assign(o.outstanding, 0);
    accepted_latency_ps.reserve(o.requests);
    data_.assign(o.request_bytes, 0);
    for (uint32_t i = o.outstanding; i-- > 0;)
        free_.push_back(i);
    latency_ps.reserve(o.requests);
    socket.register_nb_transport_bw(this, &MemTraffic::nb_transport_bw);
    SC_METHOD(issue);
    sensitive << issue_;
}

uint64_t MemTraffic::next_address()
{
    const uint64_t slots = capacity_ / o_.request_bytes;
    switch (o_.pattern) {
    case TESS_PATTERN_STREAM:
        return (sent_ % slots) * o_.request_bytes;
    case TESS_PATTERN_STRIDED:
        return (sent_ * o_.stride_bytes) % capacity_ / o_.request_bytes * o_.request_bytes;
    case TESS_PATTERN_RANDOM: {
        rng_ += 0x9e3779b97f4a7c15ull; // splitmix64
        uint64_t z = rng_;
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
        z ^= z >> 31;
        return (z % slots) * o_.request_bytes;
    }
    }
    return 0;
}

void MemTraffic::issue()
{
    if (!started_) {
        started_ = true;
        first_issue = sc_core::sc_time_stamp();
    }
    while (!awaiting_end_req_ && !free_.empty() && sent_ < o_.requests) {
        const uint32_t slot = free_.back();
        free_.pop_back();
        tlm::tlm_generic_payload &gp = pool_[slot];
        // request i is a read when floor((i + 1) r) > floor(i r): reads and writes
        // interleave evenly (2:1 gives write, read, read, ...)
        const double r = o_.read_ratio;
        const bool read = std::floor((sent_ + 1) * r + 1e-9) > std::floor(sent_ * r + 1e-9);
        gp.set_command(read ? tlm::TLM_READ_COMMAND : tlm::TLM_WRITE_COMMAND);
        gp.set_address(next_address());
        gp.set_data_ptr(data_.data());
        gp.set_data_length(o_.request_bytes);
        gp.set_streaming_width(o_.request_bytes);
        gp.set_byte_enable_ptr(nullptr);
        gp.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
        issued_at_[slot] = accepted_at_[slot] = sc_core::sc_time_stamp().value();
        sent_++;
        tlm::tlm_phase ph = tlm::BEGIN_REQ;
        sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
        const tlm::tlm_sync_enum s = socket->nb_transport_fw(gp, ph, delay);
        if (s == tlm::TLM_ACCEPTED) { // END_REQ comes later
            awaiting_end_req_ = true;
            awaiting_slot_ = slot;
        }
        if (s == tlm::TLM_COMPLETED) complete(gp); // refused (address error)
    }
}

void MemTraffic::complete(tlm::tlm_generic_payload &gp)
{
    const uint32_t slot = static_cast<uint32_t>(&gp - pool_.get());
    if (gp.get_response_status() != tlm::TLM_OK_RESPONSE) errors++;
    latency_ps.push_back(static_cast<double>(sc_core::sc_time_stamp().value() - issued_at_[slot]));
    accepted_latency_ps.push_back(
        static_cast<double>(sc_core::sc_time_stamp().value() - accepted_at_[slot]));
    (gp.is_read() ? reads : writes)++;
    completed++;
    last_response = sc_core::sc_time_stamp();
    free_.push_back(slot);
    if (completed == o_.requests) sc_core::sc_stop();
    issue_.notify(sc_core::SC_ZERO_TIME);
}

tlm::tlm_sync_enum MemTraffic::nb_transport_bw(tlm::tlm_generic_payload &gp, tlm::tlm_phase &ph,
                                               sc_core::sc_time &delay)
{
    (void)delay;
    if (ph == tlm::END_REQ) {
        awaiting_end_req_ = false;
        accepted_at_[awaiting_slot_] = sc_core::sc_time_stamp().value();
        issue_.notify(sc_core::SC_ZERO_TIME);
        return tlm::TLM_ACCEPTED;
    }
    if (ph == tlm::BEGIN_RESP) {
        complete(gp);
        return tlm::TLM_COMPLETED;
    }
    return tlm::TLM_ACCEPTED;
}

} // namespace tess::dram
