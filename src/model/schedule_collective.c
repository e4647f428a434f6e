/* A schedule of one collective call: see tess_schedule_collective in schedule.h. */
#include "model/schedule.h"

#include <stdlib.h>
#include <string.h>

#include "tessera/tessera.h"

static const char *coll_name(tess_coll kind)
{
    return kind == TESS_ALL_REDUCE       ? "all-reduce"
           : kind == TESS_REDUCE_SCATTER ? "reduce-scatter"
                                         : "all-gather";
}

int tess_schedule_collective(const tess_platform *p, tess_coll kind, uint64_t bytes, uint32_t group,
                             const char *file, tess_schedule *s, tess_diag *diag)
{
    memset(s, 0, sizeof *s);
    uint32_t live = 0;
    for (size_t i = 0; i < p->n_instances; i++)
        live += p->instances[i].kind == TESS_KIND_DIE && !p->instances[i].dead;
    if (group == 0) group = live;
    if (group < 2 || group > live) {
        tess_diag_add(diag, file, 0, "a collective over %u dies: platform '%s' has %u live dies",
                      group, p->name, live);
        return TESS_EINVAL;
    }
    if (bytes == 0) {
        tess_diag_add(diag, file, 0, "a collective of 0 bytes moves nothing");
        return TESS_EINVAL;
    }
    s->dies = s->tp = group;
    s->pp = s->dp = s->chunks = s->microbatches = s->tp_grid = 1;
    s->dp_coll = -1;
    s->die_of_rank = calloc(group, sizeof *s->die_of_rank);
    s->stages = calloc(1, sizeof *s->stages);
    s->colls = calloc(1, sizeof *s->colls);
    s->fwd.groups = calloc(1, sizeof *s->fwd.groups);
    if (s->stages) s->stages[0].order = calloc(1, sizeof *s->stages[0].order);
    if (!s->die_of_rank || !s->stages || !s->colls || !s->fwd.groups || !s->stages[0].order) {
        tess_schedule_free(s);
        return TESS_ENOMEM;
    }
    uint32_t r = 0;
    for (size_t i = 0; i < p->n_instances && r < group; i++) {
        const tess_instance *x = &p->instances[i];
        if (x->kind != TESS_KIND_DIE || x->dead) continue;
        if (r > 0 && x->type != p->instances[s->die_of_rank[0]].type) {
            tess_diag_add(diag, file, x->line,
                          "die '%s' is of a different die-type from die '%s'; one collective "
                          "needs alike dies",
                          x->path, p->instances[s->die_of_rank[0]].path);
            tess_schedule_free(s);
            return TESS_EINVAL;
        }
        s->die_of_rank[r++] = (uint32_t)i;
    }
    /* the group is one ring in die order, the call its stage's only layer op */
    tess_coll_use *c = &s->colls[0];
    tess_coll_use_init(c, coll_name(kind), TESS_AXIS_TP, kind, group, bytes, 1);
    s->n_colls = s->cap_colls = 1;
    tess_op_group *g = &s->fwd.groups[0];
    g->kind = TESS_OP_COLLECTIVE;
    g->count = 1;
    g->bytes_each = bytes;
    g->coll = 0;
    s->fwd.n = s->fwd.cap = 1;
    s->fwd.ops = 1;
    tess_stage *S = &s->stages[0];
    S->layers_per_chunk = 1;
    S->n_order = 1; /* one forward pass: the call; then the (empty) optimizer step */
    S->ops = 2;
    S->messages = c->messages;
    s->ops = (uint64_t)S->ops * group;
    s->placement.tp_span = s->placement.pp_span = s->placement.dp_span = -1;
    s->placement.tp_local = s->placement.dp_local = 1;
    const tess_rank_map m = tess_schedule_ranks(s);
    uint32_t worst;
    s->placement.tp_span =
        (int8_t)tess_axis_span(p, &m, TESS_AXIS_TP, &worst, (double)c->bytes_sent, s->level_bytes);
    c->span = (uint8_t)(s->placement.tp_span < 0 ? 0 : s->placement.tp_span);
    return TESS_OK;
}
