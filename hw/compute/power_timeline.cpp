// Dynamic energy over simulated time: see power_timeline.h.
#include "compute/power_timeline.h"

#include <algorithm>
#include <cmath>

namespace tess::hw
{

void PowerTimeline::deposit(size_t bin, double joules)
{
    if (bin >= bins_.size()) bins_.resize(bin + 1, 0.0);
    bins_[bin] += joules;
}

void PowerTimeline::add(double t0, double t1, double joules)
{
    if (!(joules > 0)) return;
    total_ += joules;
    t0 = std::max(t0, 0.0);
    const size_t first = static_cast<size_t>(t0 / bin_s_);
    if (!(t1 > t0)) {
        deposit(first, joules);
        return;
    }
    const size_t last = static_cast<size_t>(t1 / bin_s_);
    const double rate = joules / (t1 - t0);
    for (size_t b = first; b <= last; b++) {
        const double lo = std::max(t0, b * bin_s_), hi = std::min(t1, (b + 1) * bin_s_);
        if (hi > lo) deposit(b, rate * (hi - lo));
    }
}

void PowerTimeline::add(Pending &p, double t0, double t1, double joules)
{
    if (!(joules > 0)) return;
    t0 = std::max(t0, 0.0);
    const size_t first = static_cast<size_t>(t0 / bin_s_);
    if (t1 > t0 && static_cast<size_t>(t1 / bin_s_) != first) { // spans bins: as it is
        flush(p);
        add(t0, t1, joules);
        return;
    }
    total_ += joules;
    if (p.bin != first) {
        flush(p);
        p.bin = first;
    }
    p.joules += joules;
}

void PowerTimeline::flush(Pending &p)
{
    if (p.bin != SIZE_MAX && p.joules > 0) deposit(p.bin, p.joules);
    p = Pending{};
}

double PowerTimeline::peak_watts(double end_s) const
{
    if (!(end_s > 0)) return 0;
    if (end_s <= window_s_) return total_ / end_s;
    const size_t w = static_cast<size_t>(std::lround(window_s_ / bin_s_));
    double sum = 0, best = 0;
    for (size_t b = 0; b < bins_.size(); b++) {
        sum += bins_[b];
        if (b >= w) sum -= bins_[b - w];
        best = std::max(best, sum);
    }
    return best / window_s_;
}

} // namespace tess::hw
