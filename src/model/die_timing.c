/* Compute-die timing rules: see die_timing.h. */
#include "model/die_timing.h"

#include <math.h>
#include <stdio.h>

#include "config/arith.h"

unsigned tess_gemm_tile_classes(uint64_t m, uint64_t n, uint64_t k, uint64_t tile,
                                tess_tile_class out[8])
{
    const uint64_t dims[3] = {m, n, k};
    uint64_t cls[3][2][2]; /* per dimension: {tiles, edge} of the full and remainder classes */
    for (int d = 0; d < 3; d++) {
        cls[d][0][0] = dims[d] / tile;
        cls[d][0][1] = tile;
        cls[d][1][0] = dims[d] % tile ? 1 : 0;
        cls[d][1][1] = dims[d] % tile;
    }
    unsigned n_out = 0;
    for (int a = 0; a < 2; a++)
        for (int b = 0; b < 2; b++)
            for (int c = 0; c < 2; c++) {
                const uint64_t count = cls[0][a][0] * cls[1][b][0] * cls[2][c][0];
                if (count)
                    out[n_out++] =
                        (tess_tile_class){count, cls[0][a][1], cls[1][b][1], cls[2][c][1]};
            }
    return n_out;
}

double tess_gemm_cycles(uint64_t m, uint64_t n, uint64_t k, uint64_t count, uint64_t tile,
                        uint32_t rows, uint32_t cols, uint32_t arrays)
{
    tess_tile_class cls[8];
    const unsigned n_cls = tess_gemm_tile_classes(m, n, k, tile, cls);
    double cycles = 0;
    for (unsigned i = 0; i < n_cls; i++) {
        const tess_tile_class *c = &cls[i];
        const uint64_t passes = tess_ceil_div(c->tm, rows) * tess_ceil_div(c->tn, cols);
        cycles += (double)c->count * (double)passes * (double)(c->tk + rows + cols - 2);
    }
    return cycles * (double)count / (double)(arrays ? arrays : 1);
}

double tess_gemm_sram_bytes(const tess_die_type *d, const tess_gemm_kernel *g)
{
    if (d->compute == TESS_COMPUTE_GPU || !g->tile || !d->tensor_rows || !d->tensor_cols) return 0;
    tess_tile_class cls[8];
    const unsigned n_cls = tess_gemm_tile_classes(g->m, g->n, g->k, g->tile, cls);
    double bytes = 0;
    for (unsigned i = 0; i < n_cls; i++) {
        const tess_tile_class *c = &cls[i];
        const double tm = (double)c->tm, tn = (double)c->tn, tk = (double)c->tk;
        const double operands = (double)g->elem_bytes * tk *
                                ((double)tess_ceil_div(c->tn, d->tensor_cols) * tm +
                                 (double)tess_ceil_div(c->tm, d->tensor_rows) * tn);
        bytes += (double)c->count * (operands + 2.0 * 4.0 * tm * tn);
    }
    return bytes * (double)g->count;
}

/* Seconds the SRAM needs to move bytes (0 without a bandwidth: not bounded). */
static double sram_seconds(const tess_die_type *d, double bytes)
{
    return d->sram_bandwidth > 0 ? bytes / d->sram_bandwidth : 0;
}

double tess_die_stream_rate(const tess_die_type *d, double dma_bytes_s)
{
    return d->stream_rate > 0 && d->stream_rate < dma_bytes_s ? d->stream_rate : dma_bytes_s;
}

/* The fastest CTA tile's waves for g over `sms` SMs at per_sm FLOP/s an SM. */
static double waves_seconds(const tess_die_type *d, const tess_gemm_kernel *g, double per_sm,
                            uint32_t sms)
{
    double best = INFINITY;
    for (uint32_t i = 0; i < d->cta_tiles.n; i++) {
        const uint64_t tm = d->cta_tiles.m[i], tn = d->cta_tiles.cols[i];
        const uint64_t ctas = tess_ceil_div(g->m, tm) * tess_ceil_div(g->n, tn) * g->count;
        const uint64_t waves = tess_ceil_div(ctas, sms);
        const double t = (double)waves * 2.0 * (double)tm * (double)tn * (double)g->k / per_sm;
        if (t < best) best = t;
    }
    return best;
}

/* An SM's rate: the ceiling shared by the SMs, raised by the tile and wave losses of the
 * shape it was measured on (so that the rule gives the ceiling there); fp8: the fp8
 * ceiling and its shape. */
static double sm_rate(const tess_die_type *d, int fp8)
{
    const double ceiling = fp8 ? d->gemm_ceiling_fp8 : d->gemm_ceiling;
    const char *at = fp8 ? d->gemm_ceiling_fp8_shape : d->gemm_ceiling_shape;
    const double per_sm = ceiling / d->sms;
    unsigned long long m, n, k;
    if (sscanf(at, "%llux%llux%llu", &m, &n, &k) != 3 || !m || !n || !k) return per_sm;
    const tess_gemm_kernel shape = {m, n, k, 1, 0, 0, fp8 ? 1 : 2};
    const double ideal = 2.0 * (double)m * (double)n * (double)k / ceiling;
    const double t = waves_seconds(d, &shape, per_sm, d->sms);
    return t > ideal ? per_sm * t / ideal : per_sm;
}

/* The gpu rule over `sms` of the die's SMs (the per-SM rate is the whole die's). */
static double gpu_gemm_seconds_on(const tess_die_type *d, const tess_gemm_kernel *g, uint32_t sms)
{
    if (!g->m || !g->n || !g->k || !g->count || !sms) return 0;
    /* FLOP/s: operands of one byte run on the fp8 tensor cores where the die has a rate */
    double per_sm = sm_rate(d, g->elem_bytes == 1 && d->gemm_ceiling_fp8 > 0);
    /* K is the reduction (both operands' inner dimension), N the output's columns */
    const uint64_t align = d->align_bytes;
    if (align && ((g->k * g->elem_bytes) % align || (g->n * g->elem_bytes) % align))
        per_sm *= d->unaligned_efficiency;
    return waves_seconds(d, g, per_sm, sms);
}

double tess_gpu_gemm_seconds(const tess_die_type *d, const tess_gemm_kernel *g)
{
    return gpu_gemm_seconds_on(d, g, d->sms);
}

/* A GEMM kernel by the die-type's rule, a gpu die's waves over `sms` SMs. */
static tess_kernel_time gemm_time_on(const tess_die_type *d, const tess_gemm_kernel *g,
                                     double dma_bytes_s, uint32_t sms)
{
    tess_kernel_time t = {0, d->kernel_launch_s, 0, 0};
    if (d->compute == TESS_COMPUTE_GPU) {
        t.compute_s = gpu_gemm_seconds_on(d, g, sms);
        const double rate = tess_die_stream_rate(d, dma_bytes_s);
        const double mem = rate > 0 ? (double)g->dram_bytes / rate : 0;
        t.memory_s = mem > t.compute_s ? mem - t.compute_s : 0;
    } else {
        t.compute_s = fmax(tess_gemm_cycles(g->m, g->n, g->k, g->count, g->tile, d->tensor_rows,
                                            d->tensor_cols, d->tensor_arrays) /
                               d->clock_hz,
                           sram_seconds(d, tess_gemm_sram_bytes(d, g)));
    }
    t.seconds = t.launch_s + t.compute_s + t.memory_s;
    return t;
}

tess_kernel_time tess_gemm_time(const tess_die_type *d, const tess_gemm_kernel *g,
                                double dma_bytes_s)
{
    return gemm_time_on(d, g, dma_bytes_s, d->sms);
}

tess_kernel_time tess_gemm_time_sharing(const tess_die_type *d, const tess_gemm_kernel *g,
                                        double dma_bytes_s)
{
    const uint32_t taken =
        d->compute == TESS_COMPUTE_GPU && d->collective_sms < d->sms ? d->collective_sms : 0;
    return gemm_time_on(d, g, dma_bytes_s, d->sms - taken);
}

tess_kernel_time tess_vector_time(const tess_die_type *d, uint64_t bytes, unsigned elem_bytes,
                                  double dma_bytes_s)
{
    tess_kernel_time t = {0, d->kernel_launch_s, 0, 0};
    if (d->compute == TESS_COMPUTE_GPU) {
        const double rate = tess_die_stream_rate(d, dma_bytes_s);
        t.memory_s = rate > 0 ? (double)bytes / rate : 0;
    } else {
        const uint32_t lanes = d->vector_lanes ? d->vector_lanes : 1;
        t.compute_s =
            fmax(ceil((double)(bytes / (elem_bytes ? elem_bytes : 1)) / lanes) / d->clock_hz,
                 sram_seconds(d, (double)bytes));
    }
    t.seconds = t.launch_s + t.compute_s + t.memory_s;
    return t;
}
