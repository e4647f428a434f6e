// A memory instance on the network at memory fidelity `burst` (config/fidelity.h): the
// endpoint where dies' DMA requests arrive, its controller (mem/memory_server.h) and the
// replies it sends back: a read's data, a write's acknowledgement.
//
// Protocol (the die's side is ComputeDie::dma): a message whose tag has kMemoryTag set
// is a memory transfer of tag & kBytesMask bytes; kWriteTag says which way. A read
// request is kHeaderBytes long and is answered with the data; a write carries its data
// and is answered with kHeaderBytes. The reply keeps the request's tag and adds
// kReplyTag.
//
// Where it sits: a memory linked to a router is its own endpoint. A memory linked to a
// die is reached through that die's endpoint (the die's network interface relays to it)
// and over the link between them, whose bandwidth caps the memory's; that die's own
// transfers reach it without the network (deliver(m, true), and replies to the die are
// handed back directly).
//
// Timing: a read's data is sent so that it arrives as the memory produces it: at the
// service's start, or later by as much as the memory is slower than the path back (the
// path's narrowest channel, flit width x clock / cycles per flit), so an uncontended
// read of S bytes arrives after S / min(path, memory) and the two latencies; the network
// then adds whatever contention it meets. A write is served from the moment its head
// arrived (its tail's arrival less its bytes at the path's rate).
//
// At `cycle` fidelity the memory's own DRAM model (mem/dram_memory.h: channels, banks,
// row buffers, refresh, FR-FCFS) serves each transfer as one TLM-2.0 request of its
// bytes, split into bursts by the model's address mapping; each die streams its reads
// and its writes through regions of the memory of their own (a chunk continues where
// the die's last one ended), so dies that share a memory interleave their rows in the
// controller's queues. A read is asked of the model in pieces of kPieceBytes, in order,
// and each piece's data leaves as soon as the model has produced it; a write's data comes
// in pieces of kPieceBytes (ComputeDie::set_memory), each asked of the model as it
// arrives, and is acknowledged when the model has written the last. So memory and
// network overlap within a chunk, to a piece. A memory behind a die's link answers no
// sooner than its bytes cross that link, behind every byte that crossed it before (one
// queue for both directions, as burst's controller is capped at the link's rate).
#ifndef TESS_COMPUTE_MEMORY_PORT_H
#define TESS_COMPUTE_MEMORY_PORT_H

#include <cstdint>
#include <queue>
#include <string>
#include <unordered_map>
#include <vector>

#include <deque>
#include <memory>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>

#include "mem/dram_memory.h"
#include "mem/memory_server.h"
#include "noc/network.h"
#include "noc/topology.h"
#include "noc/transport.h"

namespace tess::hw
{

constexpr uint64_t kMemoryTag = 1ull << 63, kWriteTag = 1ull << 62, kReplyTag = 1ull << 61;
// At cycle fidelity a read's data returns, and a write's data travels, in pieces of
// kPieceBytes; a read's pieces but the last carry kPieceTag (the die counts only the
// last reply).
constexpr uint64_t kPieceTag = 1ull << 60, kPieceBytes = 64 * 1024;
constexpr uint64_t kBytesMask = (1ull << 40) - 1;
constexpr uint64_t kHeaderBytes = 64;

class MemoryPort : public sc_core::sc_module
{
  public:
    SC_HAS_PROCESS(MemoryPort);
    // bandwidth: the memory's sustained rate, already capped by a die link's (see above);
    // local: who gets replies addressed to `endpoint` itself (the die the memory hangs off)
    // memory: its platform instance, for the figures
    // dram (cycle fidelity; NULL at burst): the memory's type, whose DRAM model serves the
    // transfers; link_bandwidth: at cycle, the die link's rate a memory behind a die
    // answers within (0: on a router)
    MemoryPort(sc_core::sc_module_name name, noc::Transport &net, const noc::Topology &topo,
               uint32_t endpoint, uint32_t memory, double bandwidth, double latency_s,
               noc::TransportClient *local = nullptr, const tess_memory_type *dram = nullptr,
               double link_bandwidth = 0);
    // A request at arrival: from the network, or (local) from the die at `endpoint` itself.
    void deliver(const noc::Message &m, bool local = false);
    // The transfers served: at cycle, busy_s is the time the model had a transfer in
    // hand and queue_s each transfer's time beyond latency + bytes / bandwidth from its
    // first byte's arrival (a write: and beyond latency + its last piece / bandwidth from
    // that piece's arrival, as burst's server counts a write's wait from its head).
    const MemoryServerStats &stats() const { return dram_ ? cycle_st_ : server_.stats(); }
    double bandwidth() const { return server_.bandwidth(); }
    double latency_s() const { return server_.latency_s(); }
    // At cycle, the share of the model's bursts that found their row open; else -1.
    double row_hit_rate() const;
    uint32_t endpoint() const { return endpoint_; }
    uint32_t memory() const { return memory_; }
    // Records the controller's busy time in windows of picoseconds (for trace.json).
    void record_timeline(bool on) { record_ = on; }
    const noc::UtilisationTimeline &timeline() const { return timeline_; }

  private:
    struct Due {
        uint64_t ps, seq;
        noc::Message m;
        bool operator>(const Due &o) const { return ps != o.ps ? ps > o.ps : seq > o.seq; }
    };
    noc::Transport &net_;
    const noc::Topology &topo_;
    uint32_t endpoint_, memory_;
    MemoryServer server_;
    noc::TransportClient *local_;
    // a reply to the die the memory hangs off: handed to it, not sent over the network
    bool to_own_die(const noc::Message &m) const { return local_ && m.dst == endpoint_; }
    bool record_ = false;
    noc::UtilisationTimeline timeline_{1000000}; // 1 us windows at first, in ps
    void record(double t0, double t1);
    std::priority_queue<Due, std::vector<Due>, std::greater<Due>> due_;
    uint64_t seq_ = 0;
    sc_core::sc_event wake_;
    std::unordered_map<uint64_t, double> path_rate_; // (from, to) -> bytes/s
    double path_rate(uint32_t from, uint32_t to);
    void reply_at(double t, const noc::Message &m);
    // cycle: when a read's piece m, ready at t, enters the network: no sooner than the
    // path to its die has taken the pieces sent there before it (at the path's narrowest
    // channel's rate), so that a memory faster than that path queues its pieces here,
    // as a network interface does, rather than in the routers' buffers, where a die's
    // pieces would hold every virtual channel and block the other dies' (a die's own
    // memory: no network, t)
    double paced(double t, const noc::Message &m);
    std::unordered_map<uint32_t, double> next_piece_; // die endpoint -> when its path is free
    void send_due();

    // cycle fidelity
    struct Chunk { // a transfer a die asked for
        noc::Message reply;
        double arrival = 0;       // when it (its first piece) reached the port
        double last_arrival = 0;  // a write: when its latest piece did
        uint64_t last_bytes = 0;  // and that piece's bytes
        uint32_t pieces_left = 0; // asked of the model, not yet answered
        uint64_t arrived = 0;     // a write's bytes received so far
        uint64_t address = 0;     // where its next piece goes
    };
    struct Transfer { // one request to the model: a piece of a chunk (a whole small one)
        tlm::tlm_generic_payload gp;
        Chunk *chunk = nullptr;
        double sent = 0; // when the model took it
    };
    std::deque<Chunk> chunks_; // stable addresses; reused through free_chunks_
    std::vector<Chunk *> free_chunks_;
    std::unordered_map<uint32_t, std::deque<Chunk *>> receiving_; // writes with pieces to come
    Chunk *new_chunk(const noc::Message &m);
    void ask(Chunk *c, bool write, uint64_t bytes); // one request of the model
    std::unique_ptr<dram::DramMemory> dram_;
    std::unique_ptr<tlm_utils::simple_initiator_socket<MemoryPort>> socket_; // bound to dram_
    double link_bandwidth_ = 0, link_free_ = 0; // behind a die: its link's rate, when it is free
    uint64_t capacity_ = 0;
    std::deque<Transfer> transfers_; // stable addresses; reused through free_
    std::vector<Transfer *> free_;
    std::unordered_map<const tlm::tlm_generic_payload *, Transfer *> of_payload_;
    std::deque<Transfer *> waiting_; // not yet handed to the model
    bool awaiting_end_req_ = false;
    std::unordered_map<uint64_t, uint64_t> cursor_; // (client, write) -> bytes streamed
    uint32_t in_model_ = 0;                         // transfers the model holds
    double busy_since_ = 0;
    MemoryServerStats cycle_st_;
    sc_core::sc_event next_request_;
    void request(const noc::Message &m);
    uint64_t address_of(uint32_t client, bool write, uint64_t bytes);
    void send_requests();
    tlm::tlm_sync_enum nb_transport_bw(tlm::tlm_generic_payload &gp, tlm::tlm_phase &ph,
                                       sc_core::sc_time &delay);
};

} // namespace tess::hw

#endif
