// A DRAM device (an HBM stack, a DIMM) behind one TLM-2.0 target socket: the base
// protocol, approximately timed (nb_transport_fw / _bw, BEGIN_REQ .. END_RESP) and
// loosely timed (b_transport), so a generic TLM initiator can drive it and another
// TLM-2.0 memory model could stand in its place. Requests are split into bursts,
// decoded by the address mapping onto channels, ranks, bank groups, banks, rows and
// columns, and scheduled by one Channel controller per channel (dram_channel.h).
//
// Timing only: payload data pointers are neither read nor written. Backpressure: the
// front end splits requests into bursts in arrival order and address order, and a
// request's bursts enter their channels' queues as those have room (a request of any size
// is served: its first bursts are scheduled while later ones wait); BEGIN_REQ is answered
// TLM_UPDATED (END_REQ) when all of a request's bursts entered at once, else
// TLM_ACCEPTED and END_REQ follows when its last burst enters.
//
// A response is sent frontend-latency cycles after the request's last data beat;
// out-of-order across requests, in order for the same address (reads and writes to one
// address are never reordered).
//
// Idle: with nothing queued or due the model schedules nothing (so a simulation ends when
// its initiators do, and long idle stretches cost nothing); the refresh work due meanwhile
// is done when the next request arrives, before it is queued (Channel::skip_refreshes).
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

// A burst's channel and its place inside the channel.
struct Location {
    uint32_t channel;
    Address in;
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
        uint32_t bursts_left = 0; // not yet completed
        uint64_t done = 0;
        sc_core::sc_event *blocking = nullptr; // b_transport caller waiting
        bool entered = false;                  // all its bursts are in the queues
        bool end_req_owed = false;             // BEGIN_REQ was answered TLM_ACCEPTED
    };
    // A request being split: the bursts [next, last] (burst indices) still to enter.
    struct Split {
        uint32_t id;
        uint64_t next, last;
    };
    std::deque<Split> splitting_;
    const tess_memory_type &m_;
    double ck_;
    uint64_t period_ps_;
    Timing t_;
    uint64_t burst_bytes_, row_bytes_;
    struct Field {
        char name;
        uint32_t bits;
    };
    std::vector<Field> fields_;     // least significant first
    std::vector<CommandBus> buses_; // one per group of command-bus-channels channels
    std::vector<Channel> channels_;
    std::vector<uint64_t> ch_next_;
    std::vector<Request> req_;
    std::vector<uint32_t> free_req_;
    std::vector<Completion> done_;
    std::priority_queue<std::pair<uint64_t, uint32_t>, std::vector<std::pair<uint64_t, uint32_t>>,
                        std::greater<std::pair<uint64_t, uint32_t>>>
        responses_due_;
    std::deque<uint32_t> to_send_;
    bool resp_busy_ = false; // BEGIN_RESP sent, END_RESP awaited
    uint64_t responses_ = 0;
    sc_core::sc_event wake_;
    bool scheduled_ = false;
    uint64_t scheduled_cycle_ = 0;
    bool idle_ = true;       // nothing queued or due: no wake-up scheduled
    uint64_t last_tick_ = 0; // the cycle of the last tick (or catch-up step)
    // Brings idle channels to cycle now: steps them where they asked, as tick would have.
    void catch_up(uint64_t now);

    uint64_t now_cycle() const;
    void wake_at(uint64_t cycle);
    // A request arriving: queued for splitting; returns its index.
    uint32_t admit(tlm::tlm_generic_payload &gp, sc_core::sc_event *blocking);
    // Moves waiting bursts into their channels' queues, oldest request first, in address
    // order, until the next one's channel is full; answers END_REQ owed to requests whose
    // last burst entered.
    void feed(uint64_t now);
    tlm::tlm_sync_enum nb_transport_fw(tlm::tlm_generic_payload &gp, tlm::tlm_phase &ph,
                                       sc_core::sc_time &delay);
    void b_transport(tlm::tlm_generic_payload &gp, sc_core::sc_time &delay);
    void send_responses();
    void tick();
};

} // namespace tess::dram

#endif
