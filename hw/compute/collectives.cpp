// The collective algorithms a compute die runs (model/collective.h): a ring over the
// die's group in the schedule's ring order (tess_ring_next), each step a message to the
// right neighbour and a wait for the left one's; an all-reduce is a reduce-scatter and an
// all-gather, 2(n - 1) steps of bytes / n. As a collective library moves it: the call pays
// the die's kernel launch; each step first synchronises with its neighbours for the
// route's collective-step, then moves its payload at the route's collective-efficiency of
// the link rate (the message grows by 1 / efficiency on the wire: protocol and flags).
// A hierarchical data-parallel tail (reduce-scatter inside each domain, across, all-gather
// inside) runs as a pipeline over the schedule's chunks of the buffer (tess_pipeline_time):
// chunk j's phase p beside chunk j + 1's phase p - 1, each phase's ring on its own.
#include "compute/die.h"

#include <algorithm>
#include <cmath>

namespace tess::hw
{

namespace
{
// collective messages' tags: this bit, the collective, the call (or chunk) and the step
constexpr uint64_t kCollTag = 1ull << 62;
} // namespace

// My group on an axis, in ring order from me (the schedule's rings: tess_ring_next); the
// left neighbour is the last. A ring never has more members than there are dies.
std::vector<uint32_t> ComputeDie::group_of(tess_coll_axis axis) const
{
    std::vector<uint32_t> ring;
    for (uint32_t r = rank_; ring.size() < s_.dies;) {
        ring.push_back(r);
        if ((r = tess_ring_next(&s_, axis, r)) == rank_) break;
    }
    return ring;
}

RingCall ComputeDie::ring_call(const tess_coll_use &c, uint32_t index)
{
    const std::vector<uint32_t> ring = group_of(c.axis);
    RingCall call;
    call.c = &c;
    call.index = index;
    call.n = static_cast<uint32_t>(ring.size());
    if (call.n < 2) return call;
    call.link = map_.ring_link[static_cast<size_t>(c.axis) * s_.dies + rank_];
    // the tail's collectives carry this stage's own gradients
    const uint64_t bytes = tess_coll_stage_bytes(&s_, index, map_.stage(rank_));
    const uint64_t payload = tess_ring_message_bytes(c.kind, bytes, call.n);
    call.wire = static_cast<uint64_t>(
        std::ceil(static_cast<double>(payload) / call.link.efficiency - 1e-9));
    call.steps = tess_ring_steps(c.kind, call.n);
    call.seq = coll_seq_[index]++;
    call.right = map_.endpoint[ring[1]];
    call.left = map_.endpoint[ring[call.n - 1]];
    return call;
}

void ComputeDie::launch_kernel()
{
    if (die_.kernel_launch_s > 0) {
        wait(sc_core::sc_time(die_.kernel_launch_s, sc_core::SC_SEC));
        st_.wakes++;
    }
}

void ComputeDie::send_step(const RingCall &c, uint64_t k)
{
    noc::Message m;
    m.src = map_.endpoint[rank_];
    m.dst = c.right;
    m.bytes = c.wire;
    m.tag = step_tag(c, k);
    send_mirrored(c.c->axis, m);
}

uint64_t ComputeDie::step_tag(const RingCall &c, uint64_t k)
{
    return kCollTag | (uint64_t(c.index) << 48) | (c.seq << 16) | k;
}

void ComputeDie::collective(const tess_coll_use &c, uint32_t index, bool blocking)
{
    if (c.kind == TESS_ALL_TO_ALL) {
        all_to_all(c, index, blocking);
        return;
    }
    const RingCall call = ring_call(c, index);
    if (call.n < 2) return;
    const double t0 = sc_core::sc_time_stamp().to_seconds();
    launch_kernel();
    for (uint64_t k = 0; k < call.steps; k++) {
        if (call.link.step_s > 0) {
            wait(sc_core::sc_time(call.link.step_s, sc_core::SC_SEC));
            st_.wakes++;
        }
        send_step(call, k);
        receive(call.left, step_tag(call, k));
    }
    if (!blocking) return;
    const double took = sc_core::sc_time_stamp().to_seconds() - t0;
    st_.level_s[c.span] += took;
    if (c.scale_out) st_.scale_out_s += took;
}

// An all-to-all: after the call's launch and the slowest synchronisation of its routes,
// every other member of the group gets its 1/n of the buffer at once (each message grown by
// its route's collective-efficiency), then the die waits for theirs.
void ComputeDie::all_to_all(const tess_coll_use &c, uint32_t index, bool blocking)
{
    const std::vector<uint32_t> group = group_of(c.axis);
    const uint32_t n = static_cast<uint32_t>(group.size());
    if (n < 2) return;
    const double t0 = sc_core::sc_time_stamp().to_seconds();
    launch_kernel();
    const uint64_t seq = coll_seq_[index]++;
    const uint64_t bytes = tess_coll_stage_bytes(&s_, index, map_.stage(rank_));
    const uint64_t payload = tess_ring_message_bytes(c.kind, bytes, n);
    std::vector<RingLink> links(n);
    double sync = 0;
    for (uint32_t k = 1; k < n; k++) {
        auto it = peer_link_.find(group[k]);
        if (it == peer_link_.end())
            it = peer_link_.emplace(group[k], map_.link_between(rank_, group[k])).first;
        links[k] = it->second;
        sync = std::max(sync, links[k].step_s);
    }
    if (sync > 0) {
        wait(sc_core::sc_time(sync, sc_core::SC_SEC));
        st_.wakes++;
    }
    // tags: the collective, the call and the sender's distance round the group
    auto tag = [&](uint64_t k) { return kCollTag | (uint64_t(index) << 48) | (seq << 16) | k; };
    for (uint32_t k = 1; k < n; k++) {
        noc::Message m;
        m.src = map_.endpoint[rank_];
        m.dst = map_.endpoint[group[k]];
        m.bytes = static_cast<uint64_t>(
            std::ceil(static_cast<double>(payload) / links[k].efficiency - 1e-9));
        m.tag = tag(k);
        net_.send(m);
        st_.messages++;
    }
    for (uint32_t k = 1; k < n; k++)
        receive(map_.endpoint[group[n - k]], tag(k));
    if (!blocking) return;
    const double took = sc_core::sc_time_stamp().to_seconds() - t0;
    st_.level_s[c.span] += took;
    if (c.scale_out) st_.scale_out_s += took;
    st_.all_to_all_s += took;
}

void ComputeDie::post(int stream, int32_t coll, uint32_t chain, double start)
{
    streams_[stream].queue.push_back(AsyncCall{coll, chain, start});
    streams_[stream].posted.notify(sc_core::SC_ZERO_TIME);
    async_issued_[coll]++;
    if (stream == 2) return; // waited for by its own ops
    drain_coll_ = coll;      // the last posted: a drain's wait is counted as its
    drain_chain_ = chain;
}

// A stream's process: its calls in the order posted, each from its start on.
void ComputeDie::stream_loop(int stream)
{
    CommStream &q = streams_[stream];
    for (;;) {
        while (q.queue.empty()) {
            wait(q.posted);
            st_.wakes++;
        }
        const AsyncCall call = q.queue.front();
        q.queue.pop_front();
        q.busy = true;
        advance_to(call.start);
        comm_running_++; // its kernels hold their SMs from here (ComputeDie::shared_gemm)
        comm_changed_.notify(sc_core::SC_ZERO_TIME);
        for (uint32_t j = 0; j < call.chain; j++)
            collective(s_.colls[call.coll + j], static_cast<uint32_t>(call.coll) + j, false);
        comm_running_--;
        comm_changed_.notify(sc_core::SC_ZERO_TIME);
        async_done_[call.coll]++;
        q.busy = false;
        q.finished.notify(sc_core::SC_ZERO_TIME);
    }
}

// The die's stream meets an asynchronous collective op. A reduction, or a started call, is
// posted once the work before it is done; a wait waits for the calls started so far. A gather in a
// layer pass: this layer's call is waited for (posted first when the pass's first layer issues it),
// and the next layer's posted before the layer computes. The wait is the die's network time, at the
// widest level the call's phases reach.
void ComputeDie::async_collective(const tess_op &op)
{
    const tess_op_group &g = *op.group;
    if (g.chain == 0) return; // a later phase: its first phase's call runs it
    if (g.async == TESS_ASYNC_REDUCE || g.async == TESS_ASYNC_START) {
        post(g.async == TESS_ASYNC_REDUCE ? 1 : 2, op.coll, g.chain, local_end());
        return;
    }
    if (g.async == TESS_ASYNC_WAIT) { // every call of op.coll started so far
        catch_up();
        const double t0 = sc_core::sc_time_stamp().to_seconds();
        while (async_done_[op.coll] < async_issued_[op.coll]) {
            wait(streams_[2].finished);
            st_.wakes++;
        }
        waited_for(op.coll, g.chain, t0);
        catch_up();
        return;
    }
    catch_up();
    const double t0 = sc_core::sc_time_stamp().to_seconds();
    uint64_t &waited = async_waited_[op.coll];
    if (async_issued_[op.coll] == waited) post(0, op.coll, g.chain, t0);
    const uint64_t call = waited++;
    while (async_done_[op.coll] <= call) {
        wait(streams_[0].finished);
        st_.wakes++;
    }
    waited_for(op.coll, g.chain, t0);
    if (op.layer + 1 < s_.stages[map_.stage(rank_)].layers_per_chunk)
        post(0, op.coll, g.chain, sc_core::sc_time_stamp().to_seconds());
    catch_up(); // the layer's work starts now
}

void ComputeDie::drain_streams()
{
    catch_up();
    const double t0 = sc_core::sc_time_stamp().to_seconds();
    while (streams_have_work()) {
        wait(streams_[0].finished | streams_[1].finished | streams_[2].finished);
        st_.wakes++;
    }
    waited_for(drain_coll_, drain_chain_, t0);
    catch_up();
}

// The die waited from t0 until now for an asynchronous call of `chain` collectives from
// colls[coll] on: network time, at the widest level they reach.
void ComputeDie::waited_for(int32_t coll, uint32_t chain, double t0)
{
    const double t1 = sc_core::sc_time_stamp().to_seconds();
    if (!(t1 > t0)) return;
    uint8_t widest = 0, scale_out = 0;
    for (uint32_t j = 0; coll >= 0 && j < chain; j++) {
        widest = std::max(widest, s_.colls[coll + j].span);
        scale_out |= s_.colls[coll + j].scale_out;
    }
    st_.network_s += t1 - t0;
    st_.level_s[widest] += t1 - t0;
    if (scale_out) st_.scale_out_s += t1 - t0;
    if (coll >= 0 && s_.colls[coll].kind == TESS_ALL_TO_ALL) st_.all_to_all_s += t1 - t0;
    span(TESS_TRACK_NETWORK, t0, t1);
}

// Every data-parallel collective's calls: in turn, or a hierarchical chain pipelined over
// its chunks (s_.dp_chunks: each collective a call a chunk; each phase's kernel launched
// first). A pipeline's time counts at the widest level a phase reaches.
void ComputeDie::data_parallel_tail()
{
    std::vector<uint32_t> chain(s_.n_colls);
    chain.resize(tess_dp_chain(&s_, chain.data(), s_.n_colls));
    if (chain.size() < 2 || s_.dp_chunks < 2) {
        for (uint32_t i : chain)
            for (uint64_t k = 0; k < s_.colls[i].calls; k++)
                collective(s_.colls[i], i);
        return;
    }
    const double t0 = sc_core::sc_time_stamp().to_seconds();
    const uint32_t k = s_.dp_chunks, phases = static_cast<uint32_t>(chain.size());
    uint8_t span = 0, scale_out = 0;
    for (uint32_t i : chain) {
        span = std::max(span, s_.colls[i].span);
        scale_out |= s_.colls[i].scale_out;
        launch_kernel();
    }
    // Each phase runs its chunks in order, chunk j once the phase before has finished it;
    // a phase's step synchronises, sends and waits for its left neighbour's message as a
    // lone call does, while the other phases go on with theirs.
    enum State { kStart, kSync, kWait, kDone };
    struct Phase {
        RingCall call;
        State state = kStart;
        uint32_t chunk = 0; // the chunk it is on (chunks done, once it waits for the next)
        uint64_t step = 0;
        sc_core::sc_time sync_until;
    };
    std::vector<Phase> ph(phases);
    for (uint32_t left = phases;;) {
        for (bool moved = true; moved;) {
            moved = false;
            const sc_core::sc_time now = sc_core::sc_time_stamp();
            for (uint32_t p = 0; p < phases; p++) {
                Phase &f = ph[p];
                if (f.state == kStart && (p == 0 || ph[p - 1].chunk > f.chunk)) {
                    f.call = ring_call(s_.colls[chain[p]], chain[p]);
                    f.step = 0;
                    f.state = kSync;
                    f.sync_until = now + sc_core::sc_time(f.call.link.step_s, sc_core::SC_SEC);
                    moved = true;
                }
                if (f.state == kSync && f.sync_until <= now) {
                    send_step(f.call, f.step);
                    f.state = kWait;
                    moved = true;
                }
                if (f.state != kWait) continue;
                auto got = mailbox_.find({f.call.left, step_tag(f.call, f.step)});
                if (got == mailbox_.end()) continue;
                mailbox_.erase(got);
                moved = true;
                if (++f.step < f.call.steps) {
                    f.state = kSync;
                    f.sync_until = now + sc_core::sc_time(f.call.link.step_s, sc_core::SC_SEC);
                } else if (++f.chunk < k) {
                    f.state = kStart;
                } else {
                    f.state = kDone;
                    left--;
                }
            }
        }
        if (left == 0) break;
        // sleep until a message arrives or the earliest synchronisation ends
        const sc_core::sc_time now = sc_core::sc_time_stamp();
        sc_core::sc_time until = sc_core::SC_ZERO_TIME;
        for (const Phase &f : ph)
            if (f.state == kSync && (until == sc_core::SC_ZERO_TIME || f.sync_until < until))
                until = f.sync_until;
        if (until > now)
            wait(until - now, arrived_);
        else
            wait(arrived_);
        st_.wakes++;
    }
    const double took = sc_core::sc_time_stamp().to_seconds() - t0;
    st_.level_s[span] += took;
    if (scale_out) st_.scale_out_s += took;
}

} // namespace tess::hw
