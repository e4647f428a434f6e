// Symmetry of data-parallel replicas (tess_hw_run with symmetry): replicas whose dies,
// DMA rates and routes look alike form a class; one replica of each class is simulated
// and the others mirror it (their messages copied onto the network where they meet
// simulated traffic, die.h Mirrors).
#ifndef TESS_COMPUTE_SYMMETRY_H
#define TESS_COMPUTE_SYMMETRY_H

#include <cstdint>
#include <vector>

#include "compute/die.h"
#include "noc/topology.h"

extern "C" {
#include "config/platform.h"
#include "model/schedule.h"
}

namespace tess::hw
{

// The rank a message class sends to: a collective axis's ring neighbour, or the pipeline
// neighbour forward (TESS_AXIS_PIPELINE) or backward (TESS_AXES: the rank whose forward
// neighbour r is); r itself for none.
uint32_t class_peer(const tess_schedule *s, int cls, uint32_t r);

// The message classes a schedule sends in (class_peer's numbering): the collective axes
// with groups of more than one, and the pipeline both ways when there is one.
std::vector<bool> used_classes(const tess_schedule *s);

// Symmetry: data-parallel replicas whose routes look alike (for every rank position and
// message class, the same sequence of link and router types) form a class; one replica
// of each class is simulated (its lowest) and the others mirror it. rep[r] is the
// simulated rank whose figures rank r takes (r itself when simulated).
struct Symmetry {
    std::vector<uint32_t> rep;
    std::vector<double> weight; // per simulated rank: the ranks it stands for (itself included)
    uint32_t simulated_replicas = 0;
    Mirrors mirrors;
};

// Groups the replicas into classes (one signature per replica: its dies' types and DMA
// rates, and the link and router types along every route its ranks send and receive on)
// and plans the mirrored replicas' messages.
Symmetry build_symmetry(const tess_platform *p, const tess_schedule *s, const noc::Topology &topo,
                        const RankMap &map, const double *dma_bandwidth);

} // namespace tess::hw

#endif
