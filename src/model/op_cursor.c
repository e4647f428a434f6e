/* Lazy unrolling of a stage's ops in execution order: see tess_op_cursor in schedule.h. */
#include "model/schedule.h"

#include <string.h>

#include "tessera/tessera.h"

/* op = the index-th op of group g */
static void emit(tess_op *op, const tess_op_group *g, uint64_t index)
{
    op->kind = g->kind;
    op->group = g;
    op->index = index;
    op->flops = g->flops_each;
    op->bytes = g->bytes_each;
    op->coll = g->coll;
}

int tess_tiled_gemm_at(const tess_template *t, uint32_t g)
{
    return g + 2 < t->n && t->groups[g].kind == TESS_OP_LOAD &&
           t->groups[g + 1].kind == TESS_OP_GEMM && t->groups[g + 1].tile &&
           t->groups[g + 2].kind == TESS_OP_STORE;
}

/* The next op of the tiled GEMM at c->group, in the order a double-buffered die runs it:
 * tile j's two loads, then the stores of the output tiles finished before tile j, then
 * tile j (so tile j's loads go ahead of the previous tile's store on the die's one DMA
 * engine while tile j - 1 computes); the last stores after the last tile. An output
 * tile's store falls after every t / s tiles (s stores of t tiles: its k-steps). Where the
 * next group is a tiled GEMM too, the loads of its first tile that read nothing of this
 * GEMM (its ahead operands) go before the last stores, while the last tile computes; a
 * load that reads this GEMM's output follows them. The first tile's weight operand loads
 * before its activation operand. 0 when the GEMM is done. */
static int tiled_next(tess_op_cursor *c, const tess_template *tpl, tess_op *op)
{
    const tess_op_group *L = &tpl->groups[c->group], *G = L + 1, *S = L + 2;
    const uint64_t t = G->count, s = S->count;
    /* the first tile loads a weight operand first: it may go while the element-wise work
     * before the GEMM runs (its activation operand waits for that work: ComputeDie) */
    const int swap = c->tile == 0 && (G->weights & 3u) == 2u;
    while (c->tile == 0 && c->sub < 2 && (c->ahead >> (swap ? 1 - c->sub : c->sub) & 1u))
        c->sub++; /* returned before this GEMM began */
    if (c->tile < t && c->sub < 2) {
        const int k = swap ? 1 - c->sub : c->sub;
        c->sub++;
        emit(op, L, 2 * c->tile + (uint64_t)k);
        return 1;
    }
    if (c->tile < t && c->stores < c->tile * s / t) {
        emit(op, S, c->stores++);
        return 1;
    }
    if (c->tile < t) {
        emit(op, G, c->tile++);
        c->sub = 0;
        c->ahead = 0;
        return 1;
    }
    if (c->stores < s) {
        const uint32_t next = c->group + 3;
        if (tess_tiled_gemm_at(tpl, next)) {
            const unsigned left = tpl->groups[next + 1].ahead & ~c->next_ahead & 3u;
            if (left) {
                const unsigned k = left & 1u ? 0 : 1;
                c->next_ahead |= (uint8_t)(1u << k);
                emit(op, &tpl->groups[next], k);
                return 1;
            }
        }
        emit(op, S, c->stores++);
        return 1;
    }
    return 0;
}

void tess_op_cursor_init(tess_op_cursor *c, const tess_schedule *s, uint32_t stage)
{
    memset(c, 0, sizeof *c);
    c->s = s;
    c->stage = stage;
}

/* Phases of one pass: 0 receive, 8 embedding (forward, first stage, first chunk),
 * 1 recompute (backward), 2 layers, 3 logits (last stage, last chunk), 9 embedding
 * gradient (backward, first stage, first chunk), 4 send. After the passes: 5 dp
 * collective, 6 optimizer, 7 end. A receive is followed by its all-gather when the
 * schedule has one (recv_coll). */
int tess_op_next(tess_op_cursor *c, tess_op *op)
{
    const tess_schedule *s = c->s;
    const tess_stage *S = &s->stages[c->stage];
    const int last = c->stage + 1 == s->pp;
    for (;;) {
        memset(op, 0, sizeof *op);
        op->coll = -1;
        op->layer = UINT32_MAX;
        if (c->pass < S->n_order) {
            const tess_pass *ps = &S->order[c->pass];
            const int embed_here = c->stage == 0 && ps->chunk == 0;
            op->microbatch = ps->microbatch;
            op->chunk = ps->chunk;
            op->backward = ps->backward;
            if (c->gather) { /* the received activation's all-gather */
                c->gather = 0;
                op->kind = TESS_OP_COLLECTIVE;
                op->coll = s->recv_coll;
                op->bytes = s->colls[s->recv_coll].bytes;
                return 1;
            }
            const tess_template *tpl = NULL;
            switch (c->phase) {
            case 0: /* receive */
                c->phase = ps->backward ? 1 : embed_here ? 8 : 2;
                c->layer = c->group = 0;
                c->index = 0;
                c->dense = tess_chunk_dense_layers(s, c->stage, ps->chunk);
                c->layers = tess_chunk_layers(s, c->stage, ps->chunk);
                if (tess_pass_recvs(s, c->stage, ps)) {
                    op->kind = TESS_OP_RECV;
                    c->gather = s->recv_coll >= 0;
                    return 1;
                }
                continue;
            case 1: /* recompute, then the backward layer: per layer both templates */
            case 2: {
                const int logits_here = last && ps->chunk + 1 == s->chunks;
                /* backward: logits gradient first; forward: logits after the layers */
                if (ps->backward && logits_here && c->step == 0) {
                    tpl = &s->logits_bwd;
                } else if (c->layer >= c->layers) {
                    c->phase = !ps->backward ? (logits_here ? 3 : 4) : embed_here ? 9 : 4;
                    c->group = 0;
                    c->index = 0;
                    continue;
                } else if (c->layer < c->dense) { /* a dense first layer */
                    tpl = ps->backward && c->phase == 1 ? &s->dense_recompute
                          : ps->backward                ? &s->dense_bwd
                                                        : &s->dense_fwd;
                } else if (ps->backward && c->phase == 1) {
                    tpl = &s->recompute;
                } else {
                    tpl = ps->backward ? &s->bwd : &s->fwd;
                }
                break;
            }
            case 3:
                tpl = &s->logits_fwd;
                break;
            case 8:
                tpl = &s->embed_fwd;
                break;
            case 9:
                tpl = &s->embed_bwd;
                break;
            default: /* 4: send, then the next pass */
                c->pass++;
                c->phase = 0;
                c->step = 0;
                if (tess_pass_sends(s, c->stage, ps)) {
                    op->kind = TESS_OP_SEND;
                    return 1;
                }
                continue;
            }
            /* within a template: group by group, op by op (a tiled GEMM's three groups
             * interleaved, tile by tile) */
            const int in_layer = tpl == &s->fwd || tpl == &s->bwd || tpl == &s->recompute ||
                                 tpl == &s->dense_fwd || tpl == &s->dense_bwd ||
                                 tpl == &s->dense_recompute;
            while (c->group < tpl->n && c->index >= tpl->groups[c->group].count) {
                c->group++;
                c->index = 0;
            }
            if (c->group < tpl->n && tess_tiled_gemm_at(tpl, c->group)) {
                if (tiled_next(c, tpl, op)) {
                    if (in_layer) op->layer = c->layer;
                    return 1;
                }
                c->group += 3;
                c->tile = c->stores = 0;
                c->sub = 0;
                c->ahead = c->next_ahead; /* the next GEMM's loads already returned */
                c->next_ahead = 0;
                continue;
            }
            if (c->group < tpl->n) {
                emit(op, &tpl->groups[c->group], c->index);
                if (in_layer) op->layer = c->layer;
                c->index++;
                return 1;
            }
            /* template done: advance */
            c->group = 0;
            c->index = 0;
            if (tpl == &s->logits_bwd) {
                c->step = 1;
            } else if (tpl == &s->embed_fwd) {
                c->phase = 2;
            } else if (tpl == &s->logits_fwd || tpl == &s->embed_bwd) {
                c->phase = 4;
            } else if (tpl == &s->recompute || tpl == &s->dense_recompute) {
                c->phase = 2;
            } else {
                c->layer++;
                if (ps->backward && c->layer < c->layers) c->phase = 1;
            }
            continue;
        }
        /* the tail */
        if (c->phase < 5) c->phase = 5;
        if (c->phase == 5) {
            c->phase = 6;
            if (s->dp_coll >= 0) {
                op->kind = TESS_OP_COLLECTIVE;
                op->coll = s->dp_coll;
                op->bytes = s->colls[s->dp_coll].bytes;
                return 1;
            }
            continue;
        }
        if (c->phase == 6) {
            c->phase = 7;
            op->kind = TESS_OP_OPTIMIZER;
            op->bytes = S->optimizer_bytes;
            return 1;
        }
        return 0;
    }
}
