/* The schedule builder's shared steps: see schedule_build.h. */
#include "model/schedule_build.h"

#include <stdlib.h>
#include <string.h>

int tess_build_reserve(builder *b, void **items, uint32_t n, uint32_t *cap, size_t size)
{
    if (n < *cap) return 1;
    const uint32_t grown = *cap ? 2 * *cap : 16;
    void *p = realloc(*items, (size_t)grown * size);
    if (!p) {
        b->no_memory = 1;
        return 0;
    }
    *items = p;
    *cap = grown;
    return 1;
}

void tess_build_add_group(builder *b, tess_template *t, tess_op_kind kind, uint64_t count,
                          double flops, uint64_t bytes, int32_t coll)
{
    if (count == 0 || !tess_build_reserve(b, (void **)&t->groups, t->n, &t->cap, sizeof *t->groups))
        return;
    tess_op_group *g = &t->groups[t->n++];
    memset(g, 0, sizeof *g);
    g->kind = kind;
    g->count = count;
    g->flops_each = flops;
    g->bytes_each = bytes;
    g->coll = coll;
    /* DRAM traffic: loads and stores; on a gpu die also its GEMM and element-wise kernels,
     * which stream their operands themselves */
    if (kind == TESS_OP_LOAD || kind == TESS_OP_STORE ||
        (b->gpu && (kind == TESS_OP_GEMM || kind == TESS_OP_VECTOR)))
        g->dram_each = bytes;
    /* SRAM accesses (a systolic GEMM's are set by its tiles, model/schedule_kernels.c) */
    if (kind == TESS_OP_LOAD || kind == TESS_OP_STORE || (!b->gpu && kind == TESS_OP_VECTOR))
        g->sram_each = bytes;
    else if (b->gpu && (kind == TESS_OP_GEMM || kind == TESS_OP_VECTOR))
        g->sram_each = 2 * bytes;
    t->ops += count;
    t->flops += flops * (double)count;
    t->bytes += g->dram_each * count;
    t->sram += g->sram_each * count;
}
