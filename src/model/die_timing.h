/* Timing rules of compute dies as pure functions: the simulated die (hw/compute/die.cpp)
 * and the analytical model (src/model/estimate.c) time every kernel by the same rule, and
 * this file needs no SystemC. A die-type follows one of two GEMM rules (its `compute`
 * attribute, config/platform.h):
 *  - systolic: SRAM-sized tiles on rows x cols arrays, each pass K plus fill and drain,
 *    and no faster than the SRAM's bandwidth moves the arrays' operands and accumulators
 *    (tess_gemm_sram_bytes); element-wise kernels one element per vector lane per cycle,
 *    and no faster than the SRAM moves their bytes;
 *  - gpu: the GEMM library splits the output into CTA tiles, runs them in waves over the
 *    SMs at the die's measured best-case rate per SM (its gemm-ceiling / sms), and picks
 *    the tile shape that finishes first (operands of one byte: its fp8 ceiling); a
 *    dimension off the alignment keeps only unaligned-efficiency of that rate; the kernel
 *    takes at least its DRAM bytes at the rate its kernels stream memory; a collective
 *    kernel running beside it holds collective-sms of the SMs (tess_gemm_time_sharing).
 * Every kernel pays the die-type's kernel-launch time before its work. */
#ifndef TESS_DIE_TIMING_H
#define TESS_DIE_TIMING_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#include "config/platform.h"

/* The tiles of an M x N x K GEMM tiled T x T x T, as up to 8 classes of alike tiles: in
 * each dimension d / T full tiles and one of the remainder d % T (when T does not divide
 * d). Fills out[] with each class's count and edges; returns the number of classes. */
typedef struct tess_tile_class {
    uint64_t count, tm, tn, tk;
} tess_tile_class;
unsigned tess_gemm_tile_classes(uint64_t m, uint64_t n, uint64_t k, uint64_t tile,
                                tess_tile_class out[8]);

/* Cycles of `count` GEMMs of M x N x K tiled T x T on `arrays` systolic arrays of
 * rows x cols: per tile, ceil(tm/rows) x ceil(tn/cols) passes of tk + rows + cols - 2
 * cycles (K plus fill and drain), the passes shared evenly by the arrays. */
double tess_gemm_cycles(uint64_t m, uint64_t n, uint64_t k, uint64_t count, uint64_t tile,
                        uint32_t rows, uint32_t cols, uint32_t arrays);

/* One GEMM kernel: `count` GEMMs of M x N x K (a batched GEMM when count > 1) of
 * `elem_bytes` elements, moving `dram_bytes` between DRAM and the die; `tile` is the
 * schedule's SRAM tile edge (systolic rule only). */
typedef struct tess_gemm_kernel {
    uint64_t m, n, k, count, tile, dram_bytes;
    unsigned elem_bytes;
} tess_gemm_kernel;

/* Where a kernel's time goes: launch, then compute and memory (the part of its time its
 * DRAM bytes hold it beyond its compute). seconds = launch + compute + memory. */
typedef struct tess_kernel_time {
    double seconds, launch_s, compute_s, memory_s;
} tess_kernel_time;

/* The rate a die's kernels stream DRAM at: its stream-rate, at most the platform's DMA
 * rate dma_bytes_s (bytes/s). */
double tess_die_stream_rate(const tess_die_type *d, double dma_bytes_s);

/* A GEMM kernel by the die-type's rule; dma_bytes_s as above. */
tess_kernel_time tess_gemm_time(const tess_die_type *d, const tess_gemm_kernel *g,
                                double dma_bytes_s);

/* The same kernel while a collective runs beside it on the die (compute="gpu"): its CTAs
 * in waves over the SMs the collective leaves (sms - collective-sms), each at the whole
 * die's per-SM rate. A systolic die's arrays share nothing with its collectives: as
 * tess_gemm_time. */
tess_kernel_time tess_gemm_time_sharing(const tess_die_type *d, const tess_gemm_kernel *g,
                                        double dma_bytes_s);

/* Bytes the systolic arrays read and write in SRAM for a GEMM kernel, tiled T x T: per
 * tile of edges tm x tn x tk, the passes' rows of A and columns of B (each of the
 * ceil(tn/cols) column blocks reads the tile's tm rows of A, each of the ceil(tm/rows) row
 * blocks its tn columns of B: e x tk x (ceil(tn/cols) tm + ceil(tm/rows) tn) bytes) and
 * the fp32 accumulators read and written (2 x 4 x tm x tn bytes). 0 for a gpu die-type
 * (its kernels stream their DRAM bytes through on-chip memory once). */
double tess_gemm_sram_bytes(const tess_die_type *d, const tess_gemm_kernel *g);

/* The gpu rule's compute time alone (no launch, no memory bound): the fastest CTA tile's
 * waves at the per-SM rate. */
double tess_gpu_gemm_seconds(const tess_die_type *d, const tess_gemm_kernel *g);

/* An element-wise kernel moving `bytes` (reads and writes) of elem_bytes elements: on a
 * gpu die, its bytes at the stream rate; on a systolic die, one element per vector lane
 * per cycle (its operands in SRAM), at most the SRAM's bandwidth in bytes. */
tess_kernel_time tess_vector_time(const tess_die_type *d, uint64_t bytes, unsigned elem_bytes,
                                  double dma_bytes_s);

#ifdef __cplusplus
}
#endif

#endif
