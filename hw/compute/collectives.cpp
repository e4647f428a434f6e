// The collective algorithms a compute die runs (model/collective.h): a ring over the
// die's group in the schedule's ring order (tess_ring_next), each step a message to the
// right neighbour and a wait for the left one's; an all-reduce is a reduce-scatter and an
// all-gather, 2(n - 1) steps of bytes / n. As a collective library moves it: the call pays
// the die's kernel launch; each step first synchronises with its neighbours for the
// route's collective-step, then moves its payload at the route's collective-efficiency of
// the link rate (the message grows by 1 / efficiency on the wire: protocol and flags).
#include "compute/die.h"

#include <cmath>

namespace tess::hw
{

namespace
{
// collective messages' tags: this bit, the collective, the call and the step
constexpr uint64_t kCollTag = 1ull << 62;
} // namespace

void ComputeDie::collective(const tess_coll_use &c, uint32_t index)
{
    // my group, in ring order from me (the schedule's rings: tess_ring_next); the left
    // neighbour is the last. A ring never has more members than there are dies.
    std::vector<uint32_t> ring;
    for (uint32_t r = rank_; ring.size() < s_.dies;) {
        ring.push_back(r);
        if ((r = tess_ring_next(&s_, c.axis, r)) == rank_) break;
    }
    const uint32_t n = static_cast<uint32_t>(ring.size());
    if (n < 2) return;
    const double t0 = sc_core::sc_time_stamp().to_seconds();
    if (die_.kernel_launch_s > 0) {
        wait(sc_core::sc_time(die_.kernel_launch_s, sc_core::SC_SEC));
        st_.wakes++;
    }
    const RingLink &link = map_.ring_link[static_cast<size_t>(c.axis) * s_.dies + rank_];
    const uint64_t payload = tess_ring_message_bytes(c.bytes, n);
    const uint64_t wire =
        static_cast<uint64_t>(std::ceil(static_cast<double>(payload) / link.efficiency - 1e-9));
    const uint64_t steps = tess_ring_steps(c.kind, n);
    const uint64_t seq = coll_seq_[index]++;
    const uint32_t right = map_.endpoint[ring[1]];
    const uint32_t left = map_.endpoint[ring[n - 1]];
    for (uint64_t k = 0; k < steps; k++) {
        const uint64_t tag = kCollTag | (uint64_t(index) << 48) | (seq << 16) | k;
        if (link.step_s > 0) {
            wait(sc_core::sc_time(link.step_s, sc_core::SC_SEC));
            st_.wakes++;
        }
        noc::Message m;
        m.src = map_.endpoint[rank_];
        m.dst = right;
        m.bytes = wire;
        m.tag = tag;
        net_.send(m);
        st_.messages++;
        mirror(c.axis, m);
        receive(left, tag);
    }
    const double took = sc_core::sc_time_stamp().to_seconds() - t0;
    st_.level_s[c.span] += took;
    if (c.scale_out) st_.scale_out_s += took;
}

} // namespace tess::hw
