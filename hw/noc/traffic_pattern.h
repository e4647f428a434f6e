// Where synthetic traffic goes: the standard destination patterns of network-on-chip
// studies, as Dally and Towles define them ("Principles and Practices of Interconnection
// Networks", 2004, section 3.2) and BookSim2 implements them, on a grid of rows x cols
// nodes numbered n = row * cols + col (BookSim2's numbering, x the column). Pure
// functions, so that each pattern can be checked against its definition on its own.
//
// Permutations (every source one destination; b = log2(rows * cols) address bits,
// s_i bit i of the source):
//   transpose   (r, c) -> (c, r); a square grid
//   bitcomp     (r, c) -> (rows-1-r, cols-1-c): d_i = not s_i when rows and cols are powers
//               of two, and defined on any grid
//   bitrev      d_i = s_(b-1-i); rows * cols a power of two
//   shuffle     d_i = s_((i-1) mod b), the address rotated left by one; likewise
//   tornado     each coordinate x -> (x + ceil(k/2) - 1) mod k, k its dimension's size
//   neighbor    each coordinate x -> (x + 1) mod k
// Random patterns (a fresh destination per packet):
//   uniform     every node alike, the source itself included (as BookSim2)
//   hotspot     node h_i with probability f_i, otherwise (1 - sum f_i) uniform; with
//               sum f_i = 1 it is BookSim2's hotspot({h}, {f})
#ifndef TESS_NOC_TRAFFIC_PATTERN_H
#define TESS_NOC_TRAFFIC_PATTERN_H

#include <cstdint>
#include <vector>

extern "C" {
#include "api/tessera_hw.h"
}

namespace tess::noc
{

// Whether pattern t gives each source one fixed destination.
bool is_permutation(tess_traffic t);

// The destination node of every node of a rows x cols grid under permutation t, in node
// order. Throws std::invalid_argument saying why t does not apply to that grid.
std::vector<uint32_t> permutation_map(tess_traffic t, uint32_t rows, uint32_t cols);

// Hotspot nodes and the share of all packets each receives, checked against a grid of
// `nodes` nodes: every node inside it, none twice, fractions in [0, 1] summing to at most
// 1. Throws std::invalid_argument naming the entry at fault.
struct Hotspots {
    std::vector<uint32_t> nodes;
    std::vector<double> cumulative; // running sums of the fractions
};
Hotspots hotspots_of(const tess_noc_options &o, uint32_t rows, uint32_t cols);

// Packet sizes and their cumulative probabilities (one size when none are listed).
struct PacketSizes {
    std::vector<uint32_t> flits;
    std::vector<double> cumulative;
    double mean = 1;
};
PacketSizes packet_sizes_of(const tess_noc_options &o);

// The entry a uniform draw u in [0, 1) picks from running shares: the first whose running
// share exceeds u; cumulative.size() when none does (the remainder).
size_t pick(const std::vector<double> &cumulative, double u);

} // namespace tess::noc

#endif
