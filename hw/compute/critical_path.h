// The critical path of a simulated iteration (tess_critical_path, api/stats.h), walked
// back from the die that ended last: on a die, from the current time back to its latest
// receive that ended before it; if the die had to wait for that message, across to its
// sender at the moment it sent.
#ifndef TESS_COMPUTE_CRITICAL_PATH_H
#define TESS_COMPUTE_CRITICAL_PATH_H

#include <memory>
#include <vector>

#include "api/stats.h"
#include "compute/die.h"

namespace tess::hw
{

// dies: one per rank (null for a mirrored rank, which the path never reaches).
tess_critical_path critical_path(const std::vector<std::unique_ptr<ComputeDie>> &dies,
                                 uint32_t end_rank);

} // namespace tess::hw

#endif
