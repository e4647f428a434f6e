/* Compute-die timing rules: see die_timing.h. */
#include "model/die_timing.h"

#include "config/arith.h"

/* A dimension of d elements in tiles of T: d / T full tiles and one remainder tile of
 * d % T (none when T divides d); class c is {tiles, edge}. */
static void tile_classes(uint64_t d, uint64_t tile, uint64_t out[2][2])
{
    out[0][0] = d / tile;
    out[0][1] = tile;
    out[1][0] = d % tile ? 1 : 0;
    out[1][1] = d % tile;
}

double tess_gemm_cycles(uint64_t m, uint64_t n, uint64_t k, uint64_t count, uint64_t tile,
                        uint32_t rows, uint32_t cols, uint32_t arrays)
{
    uint64_t cm[2][2], cn[2][2], ck[2][2];
    tile_classes(m, tile, cm);
    tile_classes(n, tile, cn);
    tile_classes(k, tile, ck);
    double cycles = 0;
    for (int a = 0; a < 2; a++)
        for (int b = 0; b < 2; b++)
            for (int c = 0; c < 2; c++) {
                const uint64_t mult = cm[a][0] * cn[b][0] * ck[c][0];
                if (!mult) continue;
                const uint64_t passes =
                    tess_ceil_div(cm[a][1], rows) * tess_ceil_div(cn[b][1], cols);
                cycles += (double)mult * (double)passes * (double)(ck[c][1] + rows + cols - 2);
            }
    return cycles * (double)count / (double)(arrays ? arrays : 1);
}
