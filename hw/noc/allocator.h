// Switch allocators of the flit router (router.cpp): who crosses the crossbar this cycle.
// Pointers are kept below their modulus (VCs, inputs or outputs).
// Pure functions over a request matrix, so that each policy can be checked on its own
// against its definition (Dally and Towles, "Principles and Practices of Interconnection
// Networks", 2004, sections 19.3-19.4).
//
// The matrix has one row per crossbar input and one column per output: cell (q, o) holds
// the VC of input q that would send to output o this cycle, or -1. Each function writes,
// per output, the input it grants or -1, such that no input and no output is granted
// twice, and moves its round-robin pointers as its policy says:
//   separable input-first  each input first picks one of its requests, the one whose VC
//                          is nearest the input's VC pointer; each output then grants the
//                          picking input nearest its pointer and moves it one past the
//                          winner (a separable allocator of round-robin arbiters);
//   iSLIP                  McKeown's: each free output grants the requesting free input
//                          nearest its grant pointer, each input accepts the granting
//                          output nearest its accept pointer; pointers move one past the
//                          partner only on a first-round acceptance; `iterations` rounds,
//                          later rounds among inputs and outputs still free;
//   wavefront              Tamir and Chi's: over the matrix padded to N x N (N the larger
//                          of inputs and outputs), the wrapped diagonals in turn from the
//                          priority diagonal, a cell granted where its row and column are
//                          still free (the cells of one diagonal share neither); the
//                          priority diagonal moves one every cycle. The result is a
//                          maximal matching: no request is left whose input and output
//                          are both free.
#ifndef TESS_NOC_ALLOCATOR_H
#define TESS_NOC_ALLOCATOR_H

#include <cstdint>

namespace tess::noc
{

struct SwitchRequests {
    uint32_t inputs, outputs;
    const int32_t *vc; // inputs x outputs, row-major: the VC of cell (q, o) or -1
};

// in_ptr: per input, a VC number (the caller moves it past the VC that crosses); vcs: VCs
// per input, the modulus of the round-robin distance; out_ptr: per output, an input number;
// pick: scratch of req.outputs.
void allocate_input_first(const SwitchRequests &req, uint32_t vcs, const uint32_t *in_ptr,
                          uint32_t *out_ptr, int32_t *grant, int32_t *pick);

// grant_ptr: per output, an input number; accept_ptr: per input, an output number;
// matched: scratch of req.inputs; offer: scratch of req.outputs.
void allocate_islip(const SwitchRequests &req, uint32_t iterations, uint32_t *grant_ptr,
                    uint32_t *accept_ptr, int32_t *grant, char *matched, int32_t *offer);

// diagonal: the priority diagonal, moved on; matched: scratch of req.inputs.
void allocate_wavefront(const SwitchRequests &req, uint32_t *diagonal, int32_t *grant,
                        char *matched);

} // namespace tess::noc

#endif
