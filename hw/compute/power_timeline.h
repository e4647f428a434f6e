// Dynamic energy over simulated time, for peak power: dies add the energy of each op
// spread evenly over the op's interval; the peak is the largest moving average over a
// window (1 ms for report.json's peak_power_w). Bins are a tenth of the window, so the
// moving window slides in steps of one bin.
#ifndef TESS_POWER_TIMELINE_H
#define TESS_POWER_TIMELINE_H

#include <cstddef>
#include <cstdint>
#include <vector>

namespace tess::hw
{

class PowerTimeline
{
  public:
    explicit PowerTimeline(double window_s) : window_s_(window_s), bin_s_(window_s / 10) {}
    // Adds `joules` spent evenly over [t0, t1] (all at t0 when t1 <= t0).
    void add(double t0, double t1, double joules);
    // One spender's energy not yet in the bins: consecutive ops inside one bin add up here
    // (a die's GEMM tiles, millions of them) and go into the bin once (flush).
    struct Pending {
        std::size_t bin = SIZE_MAX;
        double joules = 0;
    };
    void add(Pending &p, double t0, double t1, double joules);
    void flush(Pending &p);
    double total_joules() const { return total_; }
    // The largest mean power over any window inside [0, end_s]: total / end_s when the run
    // is shorter than the window.
    double peak_watts(double end_s) const;

  private:
    double window_s_, bin_s_, total_ = 0;
    std::vector<double> bins_;
    void deposit(std::size_t bin, double joules);
};

} // namespace tess::hw

#endif
