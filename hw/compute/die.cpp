// Compute die: see die.h.
#include "compute/die.h"
#include "compute/memory_port.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

extern "C" {
#include "model/die_timing.h"
#include "api/tessera_hw.h"
}

namespace tess::hw
{

namespace
{
// Whether any template of s holds an asynchronous collective (tess_async).
bool has_async(const tess_schedule &s)
{
    for (const tess_template *t :
         {&s.fwd, &s.bwd, &s.recompute, &s.logits_fwd, &s.logits_bwd, &s.embed_fwd, &s.embed_bwd,
          &s.dense_fwd, &s.dense_bwd, &s.dense_recompute})
        for (uint32_t i = 0; i < t->n; i++)
            if (t->groups[i].async != TESS_SYNC) return true;
    return false;
}
} // namespace

ComputeDie::ComputeDie(sc_core::sc_module_name name, const tess_schedule &s,
                       const tess_die_type &die, uint32_t rank, const RankMap &map,
                       noc::Transport &net, double dma_bandwidth, unsigned dtype_bytes,
                       PowerTimeline *power, double dram_energy_per_bit)
    : sc_core::sc_module(name), s_(s), die_(die), rank_(rank), map_(map), net_(net),
      dma_bw_(dma_bandwidth), e_(dtype_bytes), power_(power),
      dram_byte_energy_(8.0 * dram_energy_per_bit),
      sram_byte_energy_(tess_sram_energy_per_byte(&die))
{
    if (die.compute == TESS_COMPUTE_SYSTOLIC &&
        (die.tensor_rows == 0 || die.tensor_cols == 0 || die.vector_lanes == 0))
        throw std::invalid_argument("a die-type without a tensor engine or vector lanes cannot run "
                                    "a training schedule");
    if (!(dma_bw_ > 0)) throw std::invalid_argument("a die without memory bandwidth");
    st_.rank = rank;
    st_.stage = map.stage(rank);
    st_.instance = s.die_of_rank[rank];
    SC_THREAD(run);
    if (has_async(s)) { // the streams' processes, only where they have work
        async_ = true;
        contends_ = die.compute == TESS_COMPUTE_GPU && die.collective_sms > 0;
        SC_THREAD(gather_stream);
        SC_THREAD(reduce_stream);
        SC_THREAD(started_stream);
    }
}

double ComputeDie::local_end() const
{
    return std::max({tensor_free_, vector_free_, dma_free_});
}

void ComputeDie::catch_up()
{
    const double now = sc_core::sc_time_stamp().to_seconds();
    const double t = local_end();
    if (t > now) {
        wait(sc_core::sc_time(std::ceil((t - now) * 1e12), sc_core::SC_PS));
        st_.wakes++;
    }
    const double after = sc_core::sc_time_stamp().to_seconds();
    tensor_free_ = vector_free_ = dma_free_ = last_gemm_start_ = loads_done_ = after;
}

void ComputeDie::advance_to(double t)
{
    const double now = sc_core::sc_time_stamp().to_seconds();
    if (t > now) {
        wait(sc_core::sc_time(std::ceil((t - now) * 1e12), sc_core::SC_PS));
        st_.wakes++;
    }
}

// A DMA through the network (burst fidelity): from `start` (or now, if later), reads and
// writes in chunks to the die's memory, two chunks in flight, the next of whichever kind
// has fewer in flight (reads and writes use the two directions of the path at once).
// Returns when the last reply is in.
double ComputeDie::dma(double start, uint64_t read_bytes, uint64_t write_bytes)
{
    advance_to(start);
    const uint64_t reads0 = mem_replies_ - mem_write_replies_, writes0 = mem_write_replies_;
    uint64_t reads = 0, writes = 0; // sent
    auto in_flight = [&](bool write) {
        return write ? writes - (mem_write_replies_ - writes0)
                     : reads - (mem_replies_ - mem_write_replies_ - reads0);
    };
    while (read_bytes || write_bytes || in_flight(false) + in_flight(true)) {
        while ((read_bytes || write_bytes) && in_flight(false) + in_flight(true) < 2) {
            const bool write =
                read_bytes == 0 || (write_bytes && in_flight(true) < in_flight(false));
            uint64_t &left = write ? write_bytes : read_bytes;
            const uint64_t n = std::min(left, mem_chunk_);
            left -= n;
            noc::Message m;
            m.src = map_.endpoint[rank_];
            m.dst = static_cast<uint32_t>(mem_endpoint_);
            m.tag = kMemoryTag | (write ? kWriteTag : 0) | n;
            m.bytes = write ? n : kHeaderBytes;
            // a write's data in pieces where the port takes them (cycle): the tag names
            // the chunk's bytes, each message carries its piece's
            const uint64_t piece = write && mem_piece_ ? mem_piece_ : n;
            for (uint64_t off = 0; off < std::max<uint64_t>(n, 1); off += piece) {
                if (write) m.bytes = std::min(piece, n - off);
                if (own_memory_)
                    own_memory_->deliver(m, true);
                else
                    net_.send(m);
            }
            (write ? writes : reads)++;
        }
        const uint64_t seen = mem_replies_;
        while (mem_replies_ == seen) {
            wait(mem_arrived_);
            st_.wakes++;
        }
    }
    return sc_core::sc_time_stamp().to_seconds();
}

double ComputeDie::transfer(double *start, uint64_t read_bytes, uint64_t write_bytes, double rate)
{
    if (mem_endpoint_ < 0) return static_cast<double>(read_bytes + write_bytes) / rate;
    *start = std::max(*start, sc_core::sc_time_stamp().to_seconds());
    return dma(*start, read_bytes, write_bytes) - *start;
}

void ComputeDie::deliver(const noc::Message &m)
{
    if (m.tag & kMemoryTag) {
        if (m.tag & kPieceTag) return; // a read's earlier data (cycle fidelity): the last counts
        mem_replies_++;
        if (m.tag & kWriteTag) mem_write_replies_++;
        mem_arrived_.notify(sc_core::SC_ZERO_TIME);
        return;
    }
    mailbox_.insert({m.src, m.tag});
    arrived_.notify(sc_core::SC_ZERO_TIME);
}

void ComputeDie::receive(uint32_t src, uint64_t tag)
{
    for (;;) {
        auto it = mailbox_.find({src, tag});
        if (it != mailbox_.end()) {
            mailbox_.erase(it);
            return;
        }
        wait(arrived_);
        st_.wakes++;
    }
}

void ComputeDie::send_mirrored(int cls, noc::Message m)
{
    const size_t at = mirrors_ ? static_cast<size_t>(cls) * mirrors_->ranks + rank_ : 0;
    m.counts_for = mirrors_ ? 1 + mirrors_->skipped[at] : 1;
    net_.send(m);
    st_.messages++;
    if (!mirrors_) return;
    for (const auto &c : mirrors_->copies[at]) {
        noc::Message copy = m;
        copy.src = c.first;
        copy.dst = c.second;
        copy.counts_for = 1;
        net_.send(copy);
        st_.mirrored++;
    }
    st_.mirror_skipped += mirrors_->skipped[at];
    st_.mirror_joules += static_cast<double>(m.bytes) * mirrors_->skipped_joules_per_byte[at];
}

uint32_t ComputeDie::pipeline_peer(const tess_op &op, bool send) const
{
    const tess_rank_coords c = tess_rank_coords_of(s_.tp, s_.pp, rank_);
    const uint32_t p = s_.pp;
    const bool down = send != static_cast<bool>(op.backward); // towards higher stages
    const uint32_t peer = down ? (c.stage + 1) % p : (c.stage + p - 1) % p;
    return map_.rank(c.t, peer, c.replica);
}

void ComputeDie::meet(bool send, uint64_t tag, uint32_t peer, double t0, double t1)
{
    meetings_.push_back(
        Meeting{send, tag, peer, t0, t1, st_.compute_s, st_.memory_s, st_.network_s});
}

void ComputeDie::span(tess_track track, double t0, double t1)
{
    if (!record_spans_ || !(t1 > t0)) return;
    const int64_t last = last_span_[track];
    if (last >= 0 && spans_[static_cast<size_t>(last)].t1 == t0) { // touches: one interval
        spans_[static_cast<size_t>(last)].t1 = t1;
        return;
    }
    last_span_[track] = static_cast<int64_t>(spans_.size());
    spans_.push_back(tess_span{rank_, static_cast<uint32_t>(track), t0, t1, 0.0});
}

void ComputeDie::spend(double t0, double t1, double joules)
{
    if (power_) power_->add(pending_power_, t0, t1, joules * power_weight_);
}

void ComputeDie::count_dram(uint64_t bytes, uint64_t written, double t0, double t1)
{
    st_.dram_bytes += bytes;
    st_.dram_write_bytes += written;
    st_.dram_reads += bytes > written;
    st_.dram_writes += written > 0;
    if (!record_spans_ || bytes == 0) return;
    const uint64_t from = noc::picoseconds(t0),
                   len = std::max<uint64_t>(noc::picoseconds(t1), from + 1) - from;
    dram_timeline_.add_weighted(0, from, len, double(bytes) / double(len));
}

void ComputeDie::compute(const tess_op &op)
{
    switch (op.kind) {
    case TESS_OP_LOAD: {
        double start = std::max(dma_free_, last_gemm_start_); // one tile ahead at most
        // a first tile's activation operand (not a weight) is written by the work before
        // its GEMM: it loads once the element-wise kernels before it are done
        if (op.index < 2 && !(op.group->weights >> op.index & 1u))
            start = std::max(start, vector_free_);
        dma_free_ = start + transfer(&start, op.bytes, 0, dma_bw_);
        loads_done_ = dma_free_;
        count_dram(op.bytes, 0, start, dma_free_);
        spend(start, dma_free_, energy(*op.group));
        span(TESS_TRACK_DMA, start, dma_free_);
        break;
    }
    case TESS_OP_GEMM: {
        auto it = gemm_s_.find(op.group);
        if (it == gemm_s_.end()) { // the kernel's time, shared by its ops (a systolic die's tiles)
            const tess_op_group *g = op.group;
            const tess_gemm_kernel k = tess_group_gemm_kernel(g, e_);
            const double per = 1.0 / double(g->count);
            auto each = [per](tess_kernel_time t) {
                return tess_kernel_time{t.seconds * per, t.launch_s * per, t.compute_s * per,
                                        t.memory_s * per};
            };
            it = gemm_s_
                     .emplace(g, GemmTime{each(tess_gemm_time(&die_, &k, dma_bw_)),
                                          each(tess_gemm_time_sharing(&die_, &k, dma_bw_))})
                     .first;
        }
        const tess_kernel_time &t = it->second.alone;
        const double ready = std::max(tensor_free_, vector_free_);
        const double start = std::max(ready, loads_done_);
        st_.memory_s += start - ready + t.memory_s; // waiting for its inputs, streaming them
        tensor_free_ = start + t.seconds;
        st_.compute_s += t.launch_s + t.compute_s;
        if (contends_ && streams_have_work()) {
            // beside a collective: the time it took beyond its own is compute on fewer SMs
            tensor_free_ = shared_gemm(start, t.seconds, it->second.sharing.seconds);
            const double lost = tensor_free_ - start - t.seconds;
            st_.compute_s += lost;
            st_.contention_s += lost;
        }
        last_gemm_start_ = start;
        st_.flops += op.flops;
        count_dram(op.group->dram_each, op.group->dram_write_each, start, tensor_free_);
        spend(start, tensor_free_, op.flops * die_.flop_energy + energy(*op.group));
        span(TESS_TRACK_TENSOR, start, tensor_free_);
        break;
    }
    case TESS_OP_STORE: {
        double start = std::max(dma_free_, tensor_free_);
        dma_free_ = start + transfer(&start, 0, op.bytes, dma_bw_);
        count_dram(op.bytes, op.bytes, start, dma_free_);
        spend(start, dma_free_, energy(*op.group));
        span(TESS_TRACK_DMA, start, dma_free_);
        break;
    }
    case TESS_OP_VECTOR: {
        const double start = std::max(vector_free_, tensor_free_);
        const tess_kernel_time t = tess_vector_time(&die_, op.bytes, e_, dma_bw_);
        vector_free_ = tensor_free_ = start + t.seconds;
        st_.compute_s += t.launch_s + t.compute_s;
        st_.memory_s += t.memory_s;
        st_.flops += op.flops;
        count_dram(op.group->dram_each, op.group->dram_write_each, start, start + t.seconds);
        spend(start, start + t.seconds, op.flops * die_.flop_energy + energy(*op.group));
        span(TESS_TRACK_TENSOR, start, start + t.seconds);
        break;
    }
    case TESS_OP_OPTIMIZER: {
        double start = local_end(); // read and written in equal parts
        const double dur = transfer(&start, op.bytes - op.bytes / 2, op.bytes / 2,
                                    tess_die_stream_rate(&die_, dma_bw_));
        tensor_free_ = vector_free_ = dma_free_ = start + dur;
        st_.memory_s += dur;
        st_.optimizer_s += dur;
        count_dram(op.bytes, op.bytes / 2, start, start + dur);
        // its bytes pass through SRAM: written and read once each
        spend(start, start + dur, double(op.bytes) * (dram_byte_energy_ + 2 * sram_byte_energy_));
        span(TESS_TRACK_DMA, start, start + dur);
        break;
    }
    default:
        break;
    }
}

bool ComputeDie::streams_have_work() const
{
    for (const CommStream &q : streams_)
        if (q.busy || !q.queue.empty()) return true;
    return false;
}

double ComputeDie::shared_gemm(double start, double alone, double sharing)
{
    advance_to(start);
    double now = std::max(start, sc_core::sc_time_stamp().to_seconds());
    double left = 1; // the fraction of the kernel still to run
    for (;;) {
        const double took = comm_running_ ? sharing : alone;
        const double end = now + left * took;
        const double at = sc_core::sc_time_stamp().to_seconds();
        if (!(end > at)) return end;
        wait(sc_core::sc_time(std::ceil((end - at) * 1e12), sc_core::SC_PS), comm_changed_);
        st_.wakes++;
        const double t = sc_core::sc_time_stamp().to_seconds();
        if (t >= end) return end; // ran to its end
        left -= (t - now) / took;
        now = t;
    }
}

void ComputeDie::run()
{
    tess_op_cursor cur;
    const uint32_t stage = map_.stage(rank_);
    tess_op_cursor_init(&cur, &s_, stage);
    tess_op op;
    while (tess_op_next(&cur, &op)) {
        st_.ops++;
        switch (op.kind) {
        case TESS_OP_COLLECTIVE: {
            if (op.group && op.group->async != TESS_SYNC) {
                async_collective(op);
                break;
            }
            if (async_ && op.coll == s_.dp_coll) drain_streams();
            catch_up();
            const double t0 = sc_core::sc_time_stamp().to_seconds();
            if (op.coll == s_.dp_coll) { // the tail: every data-parallel collective
                data_parallel_tail();
                for (uint32_t i = 0; i < s_.n_colls; i++) // and the experts' (their replicas)
                    if (s_.colls[i].axis == TESS_AXIS_EDP)
                        for (uint64_t k = tess_coll_calls(&s_, &s_.colls[i], stage); k > 0; k--)
                            collective(s_.colls[i], i);
            } else {
                collective(s_.colls[op.coll], static_cast<uint32_t>(op.coll));
            }
            st_.network_s += sc_core::sc_time_stamp().to_seconds() - t0;
            span(TESS_TRACK_NETWORK, t0, sc_core::sc_time_stamp().to_seconds());
            catch_up();
            break;
        }
        case TESS_OP_SEND: {
            catch_up();
            noc::Message m;
            m.src = map_.endpoint[rank_];
            const uint32_t peer = pipeline_peer(op, true);
            m.dst = map_.endpoint[peer];
            m.bytes = s_.activation_message_bytes;
            // tagged with the receiver's pass: its chunk moves on where the ring wraps
            uint32_t chunk = op.chunk;
            const uint32_t st = map_.stage(rank_);
            if (!op.backward && st + 1 == s_.pp) chunk++;
            if (op.backward && st == 0) chunk--;
            m.tag = (uint64_t(op.backward) << 48) | (uint64_t(chunk) << 32) | op.microbatch;
            send_mirrored(op.backward ? TESS_AXES : TESS_AXIS_PIPELINE, m);
            const double now = sc_core::sc_time_stamp().to_seconds();
            meet(true, m.tag, peer, now, now);
            break;
        }
        case TESS_OP_RECV: {
            catch_up();
            const double t0 = sc_core::sc_time_stamp().to_seconds();
            const uint64_t tag =
                (uint64_t(op.backward) << 48) | (uint64_t(op.chunk) << 32) | op.microbatch;
            const uint32_t peer = pipeline_peer(op, false);
            receive(map_.endpoint[peer], tag);
            meet(false, tag, peer, t0, sc_core::sc_time_stamp().to_seconds());
            st_.bubble_s += sc_core::sc_time_stamp().to_seconds() - t0;
            span(TESS_TRACK_WAIT, t0, sc_core::sc_time_stamp().to_seconds());
            catch_up();
            break;
        }
        default:
            if (async_ && op.kind == TESS_OP_OPTIMIZER) drain_streams();
            compute(op);
        }
    }
    catch_up();
    st_.end_s = sc_core::sc_time_stamp().to_seconds();
    done_ = true;
}

} // namespace tess::hw
