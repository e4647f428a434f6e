/* Timing rules of compute dies as pure functions: the simulated die (hw/compute/die.cpp)
 * and the analytical model (src/model/estimate.c) time a GEMM by the same rule, and this file
 * needs no SystemC. */
#ifndef TESS_DIE_TIMING_H
#define TESS_DIE_TIMING_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Cycles of `count` GEMMs of M x N x K tiled T x T on `arrays` systolic arrays of
 * rows x cols: per tile, ceil(tm/rows) x ceil(tn/cols) passes of tk + rows + cols - 2
 * cycles (K plus fill and drain), the passes shared evenly by the arrays. */
double tess_gemm_cycles(uint64_t m, uint64_t n, uint64_t k, uint64_t count, uint64_t tile,
                        uint32_t rows, uint32_t cols, uint32_t arrays);

#ifdef __cplusplus
}
#endif

#endif
