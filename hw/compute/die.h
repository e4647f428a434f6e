// A compute die: tensor engine (systolic arrays, or a GPU's SMs: model/die_timing.h),
// vector unit and DMA, executing its pipeline stage's op stream (tess_op_next) for one
// iteration. Local work is timed on
// the die's own timeline without kernel events: a GEMM tile starts when the tensor
// engine is free and its input tiles are loaded; loads run at most one tile ahead of
// the tensor engine (double buffering: the op cursor lists a tile's loads before the
// previous tile's store) on the one DMA engine, in op order; stores follow their tile;
// vector ops wait for the tensor engine and hold it. Only where dies meet (collectives
// and pipeline messages through the transport interface) does the die catch the kernel
// up to its timeline and wait for the network. Asynchronous collectives (tess_async) run
// on three streams of their own, each a process: gathers issued a layer ahead, reductions
// issued when the work before them is done, and calls started by an op and waited for by a
// later one (ring attention's blocks); the die waits for a gather before the layer that
// needs it and for the streams to drain before its tail. A die's network time counts only
// its waits for them. On a gpu die with collective-sms, a call running on a stream holds
// that many SMs: a GEMM beside it runs in simulated time, in waves over the rest
// (model/die_timing.h), its rate changing where calls start and end; its extra time is
// compute time.
#ifndef TESS_COMPUTE_DIE_H
#define TESS_COMPUTE_DIE_H

#include <deque>
#include <functional>
#include <map>
#include <set>
#include <unordered_map>
#include <vector>

#include <systemc>

#include "noc/network.h"
#include "noc/transport.h"
#include "compute/power_timeline.h"

extern "C" {
#include "config/platform.h"
#include "model/die_timing.h"
#include "model/schedule.h"
#include "api/tessera_hw.h"
}

namespace tess::hw
{

class MemoryPort;

// A collective's ring step from one rank to its neighbour: the lowest collective-efficiency
// and the longest collective-step of the link-types on the route (config/platform.h).
struct RingLink {
    double efficiency = 1, step_s = 0;
};

// One rank's part in one call of a collective: its ring (size, neighbours' endpoints, its
// step to the right), the steps and each step's bytes on the wire, and the call's tags.
struct RingCall {
    const tess_coll_use *c = nullptr;
    uint32_t index = 0; // the collective (tess_schedule.colls)
    uint32_t n = 0, left = 0, right = 0;
    RingLink link;
    uint64_t steps = 0, wire = 0, seq = 0;
};

struct RankMap {
    const tess_schedule *s = nullptr; // its degrees (model/rank_map.h)
    std::vector<uint32_t> endpoint;   // rank -> network endpoint
    std::vector<RingLink> ring_link;  // [axis x ranks + rank], the axes of s's collectives
    // the step from one rank to any other (an all-to-all's peers), on demand
    std::function<RingLink(uint32_t from, uint32_t to)> link_between;
    uint32_t stage(uint32_t r) const { return tess_rank_stage(s->tp, s->pp, r); }
    uint32_t rank(uint32_t t, uint32_t st, uint32_t d) const
    {
        return tess_rank_at(s->tp, s->pp, t, st, d);
    }
};

// A point of a die's timeline where dies meet: a pipeline send, or a receive and how long
// the die waited for it; with the die's cumulative compute, memory and network time then.
struct Meeting {
    bool send;
    uint64_t tag;
    uint32_t peer; // rank sent to / received from
    double t0, t1; // send: t0 = t1 = the send; receive: the wait's start and end
    double compute_s, memory_s, network_s;
};

// Symmetric simulation: one data-parallel replica is simulated, the others mirror it. For
// each class of message (a collective axis; TESS_AXES: pipeline messages backward) and
// each simulated rank, the other replicas' copies of a message the rank sends that go on
// the network at the same moment: those delivered to a simulated die (a ring's incoming
// step) and those whose routes share a channel with the simulated replica's traffic.
// The copies left out only cost energy (bytes x their route's energy per byte).
struct Mirrors {
    static constexpr int kClasses = TESS_AXES + 1;
    uint32_t ranks = 0; // simulated ranks
    std::vector<std::vector<std::pair<uint32_t, uint32_t>>>
        copies;                                  // [class x ranks + rank]: (src, dst)
    std::vector<double> skipped_joules_per_byte; // [class x ranks + rank]
    std::vector<uint32_t> skipped;               // [class x ranks + rank]
};

// A die's figures: its row of the statistics interface (tess_die_stat, api/stats.h: rank,
// stage, instance, times, work and traffic) and what it did for mirrored replicas.
struct DieStats : tess_die_stat {
    DieStats() : tess_die_stat{} {}
    uint64_t mirrored = 0, mirror_skipped = 0; // other replicas' copies sent, left out
    double mirror_joules = 0;                  // energy of the copies left out
    uint64_t wakes = 0;                        // times its process resumed (run.events)
    // of dram_bytes, those written; the ops that read from and wrote to DRAM
    uint64_t dram_write_bytes = 0, dram_reads = 0, dram_writes = 0;
};

class ComputeDie : public sc_core::sc_module
{
  public:
    SC_HAS_PROCESS(ComputeDie);
    ComputeDie(sc_core::sc_module_name name, const tess_schedule &s, const tess_die_type &die,
               uint32_t rank, const RankMap &map, noc::Transport &net, double dma_bandwidth,
               unsigned dtype_bytes, PowerTimeline *power = nullptr,
               double dram_energy_per_bit = 0);
    void deliver(const noc::Message &m); // called by the fabric at arrival
    const DieStats &stats() const { return st_; }
    const std::vector<tess_span> &spans() const { return spans_; }
    const std::vector<Meeting> &meetings() const { return meetings_; }
    // with record_spans: the bytes it moved in DRAM, each op's spread evenly over its
    // interval, per window of picoseconds (class 0)
    const noc::UtilisationTimeline &dram_timeline() const { return dram_timeline_; }
    void record_spans(bool on) { record_spans_ = on; }
    // Puts the energy this die has not yet binned into the power timeline (at the end).
    void flush_power()
    {
        if (power_) power_->flush(pending_power_);
    }
    void set_mirrors(const Mirrors *m) { mirrors_ = m; }
    // dies this one stands for on the power timeline (itself and the dies mirroring it)
    void set_power_weight(double w) { power_weight_ = w; }
    bool done() const { return done_; }
    // Memory fidelity burst or cycle, for a die whose memory is served by a MemoryPort
    // (compute/memory_port.h) at `endpoint`: its loads, stores and optimizer traffic
    // become transfers there in chunks of at most `chunk` bytes, two in flight; `own`: the
    // port of the die's own memory (at its own endpoint), reached without the network;
    // `piece` (cycle; 0: none): a write chunk's data leaves in messages of at most that
    // many bytes, so the memory can write the first while the rest is on its way.
    void set_memory(uint32_t endpoint, uint64_t chunk, MemoryPort *own, uint64_t piece = 0)
    {
        mem_endpoint_ = endpoint;
        mem_chunk_ = chunk;
        own_memory_ = own;
        mem_piece_ = piece;
    }

  private:
    const tess_schedule &s_;
    const tess_die_type &die_;
    uint32_t rank_;
    const RankMap &map_;
    noc::Transport &net_;
    double dma_bw_;
    unsigned e_;
    PowerTimeline *power_;                 // dynamic energy over time, or nullptr
    PowerTimeline::Pending pending_power_; // this die's energy not yet in power_'s bins
    double dram_byte_energy_;              // joules per byte moved in DRAM
    double sram_byte_energy_;              // joules per byte read from or written to SRAM
    // an op's DRAM and SRAM energy: its group's bytes of each
    double energy(const tess_op_group &g) const
    {
        return double(g.dram_each) * dram_byte_energy_ + double(g.sram_each) * sram_byte_energy_;
    }
    double tensor_free_ = 0, vector_free_ = 0, dma_free_ = 0, last_gemm_start_ = 0, loads_done_ = 0;
    // an op of a GEMM group: its time alone, and while a collective runs beside it
    struct GemmTime {
        tess_kernel_time alone, sharing;
    };
    std::unordered_map<const tess_op_group *, GemmTime> gemm_s_; // per op of a group
    std::multiset<std::pair<uint32_t, uint64_t>> mailbox_;       // (source endpoint, tag)
    sc_core::sc_event arrived_;
    int64_t mem_endpoint_ = -1; // the memory's endpoint at burst fidelity, or -1
    uint64_t mem_chunk_ = 0, mem_piece_ = 0;
    MemoryPort *own_memory_ = nullptr;
    uint64_t mem_replies_ = 0, mem_write_replies_ = 0; // memory replies received so far
    sc_core::sc_event mem_arrived_;
    std::map<uint32_t, uint64_t> coll_seq_; // per collective: calls (chunks) so far
    DieStats st_;
    bool done_ = false;
    std::vector<tess_span> spans_;  // busy intervals per engine, for trace.json
    std::vector<Meeting> meetings_; // pipeline sends and receives, for the critical path
    void meet(bool send, uint64_t tag, uint32_t peer, double t0, double t1);
    bool record_spans_ = false;
    const Mirrors *mirrors_ = nullptr;
    double power_weight_ = 1;
    // sends m, a message of class cls, and the other replicas' copies of it that go on the
    // network (Mirrors); m stands for itself and the copies left out (Message::counts_for)
    void send_mirrored(int cls, noc::Message m);
    int64_t last_span_[TESS_TRACKS_] = {-1, -1, -1, -1};
    void span(tess_track track, double t0, double t1);
    // an op's DRAM traffic, over [t0, t1]
    void count_dram(uint64_t bytes, uint64_t written, double t0, double t1);
    noc::UtilisationTimeline dram_timeline_{1000000}; // 1 us windows at first, in ps

    void run();
    double local_end() const;
    void catch_up();
    void advance_to(double t);
    double dma(double start, uint64_t read_bytes, uint64_t write_bytes);
    // A DMA op's seconds from *start: on the die's timeline at `rate`, or (burst, memory on
    // a port) through dma(), *start moved up to now first.
    double transfer(double *start, uint64_t read_bytes, uint64_t write_bytes, double rate);
    void receive(uint32_t src_endpoint, uint64_t tag);
    // one call of colls[index]; `blocking`: in the die's stream (its time by level counted
    // here), else on an asynchronous stream (counted where the die waits for it)
    void collective(const tess_coll_use &c, uint32_t index, bool blocking = true);
    void data_parallel_tail();
    void all_to_all(const tess_coll_use &c, uint32_t index, bool blocking);
    std::map<uint32_t, RingLink> peer_link_; // all-to-all peers' steps, by rank
    // Asynchronous collectives (tess_async): a call runs `chain` collectives from colls[coll]
    // on, on stream 0 (gathers), 1 (reductions) or 2 (started and waited for), from `start`
    // on, after the calls posted before it on that stream.
    struct AsyncCall {
        int32_t coll;
        uint32_t chain;
        double start;
    };
    struct CommStream {
        std::deque<AsyncCall> queue;
        bool busy = false;
        sc_core::sc_event posted, finished;
    };
    CommStream streams_[3];
    std::map<int32_t, uint64_t> async_issued_, async_waited_, async_done_; // per first collective
    void post(int stream, int32_t coll, uint32_t chain, double start);
    void stream_loop(int stream);
    void gather_stream() { stream_loop(0); }
    void reduce_stream() { stream_loop(1); }
    void started_stream() { stream_loop(2); }
    void async_collective(const tess_op &op); // a collective op whose group is asynchronous
    void drain_streams();                     // waits until the streams are idle
    void waited_for(int32_t coll, uint32_t chain, double t0);
    bool async_ = false; // the schedule has asynchronous collectives: the streams run
    // Collectives contend with compute (a gpu die with collective-sms and streams): calls
    // running on the streams now, notified where that changes.
    bool contends_ = false;
    uint32_t comm_running_ = 0;
    sc_core::sc_event comm_changed_;
    bool streams_have_work() const;
    // A GEMM op from `start`, `alone` seconds by itself and `sharing` seconds beside a
    // collective: run in simulated time, its rate changing where a call on the die's
    // streams starts or ends. Returns its end.
    double shared_gemm(double start, double alone, double sharing);
    int32_t drain_coll_ = -1;
    uint32_t drain_chain_ = 0;
    std::vector<uint32_t> group_of(tess_coll_axis axis) const;
    RingCall ring_call(const tess_coll_use &c, uint32_t index);
    void launch_kernel();
    void send_step(const RingCall &c, uint64_t k);
    static uint64_t step_tag(const RingCall &c, uint64_t k);
    void compute(const tess_op &op);
    void spend(double t0, double t1, double joules);
    uint32_t pipeline_peer(const tess_op &op, bool send) const;
};

} // namespace tess::hw

#endif
