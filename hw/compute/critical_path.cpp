// The critical path of a simulated iteration: see critical_path.h.
#include "compute/critical_path.h"

namespace tess::hw
{

tess_critical_path critical_path(const std::vector<std::unique_ptr<ComputeDie>> &dies,
                                 uint32_t end_rank)
{
    tess_critical_path cp{};
    cp.end_rank = end_rank;
    uint32_t x = end_rank;
    const DieStats &last = dies[x]->stats();
    double t = last.end_s, c = last.compute_s, m = last.memory_s, n = last.network_s;
    size_t k = dies[x]->meetings().size();
    auto local = [&](double from, double c0, double m0, double n0) { // [from, t] on die x
        cp.compute_s += c - c0;
        cp.memory_s += m - m0;
        cp.network_s += n - n0;
        cp.other_s += (t - from) - ((c - c0) + (m - m0) + (n - n0));
    };
    for (;;) {
        const std::vector<Meeting> &mv = dies[x]->meetings();
        while (k > 0 && (mv[k - 1].send || mv[k - 1].t1 > t))
            k--;
        if (k == 0) { // back at the start of the iteration
            local(0, 0, 0, 0);
            break;
        }
        const Meeting &r = mv[k - 1];
        local(r.t1, r.compute_s, r.memory_s, r.network_s);
        const std::vector<Meeting> &from = dies[r.peer]->meetings();
        size_t s = from.size();
        if (r.t1 > r.t0) // the die waited: the path crosses to the sender
            while (s > 0 &&
                   !(from[s - 1].send && from[s - 1].tag == r.tag && from[s - 1].peer == x))
                s--;
        if (r.t1 > r.t0 && s > 0) {
            const Meeting &sent = from[s - 1];
            cp.transfer_s += r.t1 - sent.t1;
            cp.handoffs++;
            x = r.peer;
            t = sent.t1;
            c = sent.compute_s;
            m = sent.memory_s;
            n = sent.network_s;
            k = s - 1;
        } else { // it did not wait (or the send is unknown): on along the same die
            t = r.t0;
            c = r.compute_s;
            m = r.memory_s;
            n = r.network_s;
            k--;
        }
    }
    cp.start_rank = x;
    return cp;
}

} // namespace tess::hw
