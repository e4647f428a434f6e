// Synthetic memory traffic (`tessera mem`): a TLM-2.0 base-protocol initiator that
// keeps N requests in flight (stream, random or strided addresses; a read/write mix),
// from a pool of payloads allocated once, and records each request's latency.
#ifndef TESS_MEM_TRAFFIC_H
#define TESS_MEM_TRAFFIC_H

#include <memory>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>

extern "C" {
#include "api/tessera_hw.h"
}

namespace tess::dram
{

class MemTraffic : public sc_core::sc_module
{
  public:
    tlm_utils::simple_initiator_socket<MemTraffic> socket;

    SC_HAS_PROCESS(MemTraffic);
    MemTraffic(sc_core::sc_module_name name, const tess_mem_options &o, uint64_t capacity);

    std::vector<double> latency_ps;          // per completed request: BEGIN_REQ to BEGIN_RESP
    std::vector<double> accepted_latency_ps; // END_REQ (accepted into a queue) to BEGIN_RESP
    uint64_t completed = 0, reads = 0, writes = 0, errors = 0;
    sc_core::sc_time first_issue, last_response;

  private:
    tess_mem_options o_;
    uint64_t capacity_;
    std::unique_ptr<tlm::tlm_generic_payload[]> pool_; // allocated once: no per-request heap
    std::vector<uint64_t> issued_at_;                  // per pool slot, ps
    std::vector<uint64_t> accepted_at_;                // per pool slot, ps
    uint32_t awaiting_slot_ = 0;
    std::vector<uint32_t> free_;
    std::vector<unsigned char> data_;
    uint64_t sent_ = 0;
    bool awaiting_end_req_ = false;
    bool started_ = false;
    uint64_t rng_;
    sc_core::sc_event issue_;

    uint64_t next_address();
    void issue();
    tlm::tlm_sync_enum nb_transport_bw(tlm::tlm_generic_payload &gp, tlm::tlm_phase &ph,
                                       sc_core::sc_time &delay);
    void complete(tlm::tlm_generic_payload &gp);
};

} // namespace tess::dram

#endif
