// A DRAM device (an HBM stack, a DIMM) behind one TLM-2.0 target socket: the base
// protocol, approximately timed (nb_transport_fw / _bw, BEGIN_REQ .. END_RESP) and
// loosely timed (b_transport), so a generic TLM initiator can drive it and another
// TLM-2.0 memory model could stand in its place. Requests are split into bursts,
// decoded by the address mapping onto channels, ranks, bank groups, banks, rows and
// columns, and scheduled by one Channel controller per channel (dram_channel.h).
//
// Timing only: payload data pointers are neither read nor written. Backpressure:
// when a request's channels are full, BEGIN_REQ is answered TLM_ACCEPTED and END_REQ
// follows once there is room. A response is sent frontend-latency cycles after the
// request's last data beat; out-of-order across requests, in order for the same
// address (reads and writes to one address are never reordered).
#ifndef TESS_DRAM_MEMORY_H
#define TESS_DRAM_MEMORY_H

#include <deque>
#include <queue>
#include <string>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_target_socket.h>

#include "mem/dram_channel.h"

namespace tess::dram
{

struct Location {
    uint32_t channel, rank, bg, bank, row, col;
};

class DramMemory : public sc_core::sc_module
{
  public:
    tlm_utils::simple_target_socket<DramMemory> socket;

    SC_HAS_PROCESS(DramMemory);
    // Throws std::invalid_argument if the type cannot be simulated.
    DramMemory(sc_core::sc_module_name name, const tess_memory_type &m);

    Location decode(uint64_t addr) const;
    uint64_t burst_bytes() const { return burst_bytes_; }
    uint64_t row_bytes() const { return row_bytes_; }
    double clock_hz() const { return ck_; }
    const Timing &timing() const { return t_; }
    double peak_bandwidth() const; // bytes per second
    ChannelStats totals() const;
    // Energy so far: command counts times per-operation energies, plus background
    // power times elapsed time, over all channels.
    double energy_joules(double seconds) const;
    uint64_t responses() const { return responses_; }

  private:
    struct Request {
        tlm::tlm_generic_payload *gp = nullptr;
        uint32_t bursts_left = 0;
        uint64_t done = 0;
        sc_core::sc_event *blocking = nullptr; // b_transport caller waiting
    };
    const tess_memory_type &m_;
    double ck_;
    uint64_t period_ps_;
    Timing t_;
    uint64_t burst_bytes_, row_bytes_;
    struct Field {
        char name;
        uint32_t bits;
    };
    std::vector<Field> fields_; // least significant first
    uint32_t offset_bits_;
    std::vector<CommandBus> buses_; // one per group of command-bus-channels channels
    std::vector<Channel> channels_;
    size_t first_ = 0; // the channel stepped first this tick (rotating)
    std::vector<uint64_t> ch_next_;
    std::vector<Request> req_;
    std::vector<uint32_t> free_req_;
    std::vector<Completion> done_;
    std::priority_queue<std::pair<uint64_t, uint32_t>, std::vector<std::pair<uint64_t, uint32_t>>,
                        std::greater<std::pair<uint64_t, uint32_t>>>
        responses_due_;
    std::deque<uint32_t> to_send_;
    tlm::tlm_generic_payload *blocked_ = nullptr; // BEGIN_REQ waiting for room
    bool resp_busy_ = false;                      // BEGIN_RESP sent, END_RESP awaited
    uint64_t responses_ = 0;
    sc_core::sc_event wake_, space_;
    bool scheduled_ = false;
    uint64_t scheduled_cycle_ = 0;
    std::vector<uint32_t> need_; // scratch: bursts per channel
    std::vector<Location> locs_; // scratch: a request's decoded bursts

    uint64_t now_cycle() const;
    void wake_at(uint64_t cycle);
    bool admit(tlm::tlm_generic_payload &gp, sc_core::sc_event *blocking);
    tlm::tlm_sync_enum nb_transport_fw(tlm::tlm_generic_payload &gp, tlm::tlm_phase &ph,
                                       sc_core::sc_time &delay);
    void b_transport(tlm::tlm_generic_payload &gp, sc_core::sc_time &delay);
    void send_responses();
    void tick();
};

} // namespace tess::dram

#endif
