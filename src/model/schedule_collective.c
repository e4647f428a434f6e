/* A schedule of one collective call: see tess_schedule_collective in schedule.h. */
#include "model/schedule.h"

#include <stdlib.h>
#include <string.h>

#include "model/placement.h"
#include "tessera/tessera.h"

/* The hierarchical chain of `kind` over the domains of m members (model/schedule_colls.c's
 * data-parallel tail, one call): an all-reduce reduce-scatters inside, all-reduces the
 * 1/m share across and all-gathers inside; a reduce-scatter stops after across; an
 * all-gather starts there. */
static void hierarchical_chain(tess_schedule *s, tess_coll kind, uint64_t bytes, uint32_t m)
{
    const uint32_t across = s->dp / m;
    tess_coll_use *c = s->colls;
    uint32_t n = 0;
    if (kind == TESS_ALL_TO_ALL) {
        /* across first, each die to the die of its own place in every other domain, with
         * what the whole domain there is to get (DeepEP's and NCCL's PXN way: the
         * cross-domain bytes stay on the die's own NIC and rail), then inside each domain
         * to each member its own; each phase moves the die's whole buffer */
        tess_coll_use_init(&c[n++], "all-to-all (across)", TESS_AXIS_DP_CROSS, kind, across, bytes,
                           1);
        tess_coll_use_init(&c[n++], "all-to-all (inside)", TESS_AXIS_DP_LOCAL, kind, m, bytes, 1);
        s->n_colls = n;
        s->dp_coll = 0;
        return;
    }
    if (kind != TESS_ALL_GATHER)
        tess_coll_use_init(&c[n++], "reduce-scatter (inside)", TESS_AXIS_DP_LOCAL,
                           TESS_REDUCE_SCATTER, m, bytes, 1);
    tess_coll_use_init(&c[n++],
                       kind == TESS_ALL_REDUCE       ? "all-reduce (across)"
                       : kind == TESS_REDUCE_SCATTER ? "reduce-scatter (across)"
                                                     : "all-gather (across)",
                       TESS_AXIS_DP_CROSS, kind, across, bytes / m, 1);
    if (kind != TESS_REDUCE_SCATTER)
        tess_coll_use_init(&c[n++], "all-gather (inside)", TESS_AXIS_DP_LOCAL, TESS_ALL_GATHER, m,
                           bytes, 1);
    s->n_colls = n;
    s->dp_coll = 0;
}

int tess_schedule_collective(const tess_platform *p, tess_coll kind, tess_coll_plan plan,
                             uint64_t bytes, uint32_t group, const char *file, tess_schedule *s,
                             tess_diag *diag)
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
    s->dies = s->dp = group;
    s->pp = s->tp = s->chunks = s->microbatches = s->tp_grid = 1;
    s->dp_coll = -1;
    s->dp_chunks = 1;
    s->recv_coll = -1;
    s->die_of_rank = calloc(group, sizeof *s->die_of_rank);
    s->stages = calloc(1, sizeof *s->stages);
    s->colls = calloc(3, sizeof *s->colls);
    s->fwd.groups = calloc(1, sizeof *s->fwd.groups);
    if (s->stages) s->stages[0].order = calloc(1, sizeof *s->stages[0].order);
    if (!s->die_of_rank || !s->stages || !s->colls || !s->fwd.groups || !s->stages[0].order) {
        tess_schedule_free(s);
        return TESS_ENOMEM;
    }
    s->cap_colls = 3;
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
    s->placement.tp_span = s->placement.pp_span = s->placement.dp_span = -1;
    s->placement.tp_local = s->placement.dp_local = 1;
    s->placement.tp_local_level = s->placement.dp_local_level = -1;
    uint32_t m = 1;
    int8_t level = -1;
    if (plan == TESS_PLAN_HIERARCHICAL || (plan == TESS_PLAN_AUTO && kind != TESS_ALL_TO_ALL)) {
        const tess_rank_map ranks = tess_schedule_ranks(s);
        tess_dp_domains(p, &ranks, &m, &level);
    }
    if (plan == TESS_PLAN_HIERARCHICAL && m < 2) {
        tess_diag_add(diag, file, 0,
                      "a hierarchical %s over %u dies: they do not fall into equal domains "
                      "(nodes, packages) of 2 or more dies, fewer than the group",
                      tess_coll_name(kind), group);
        tess_schedule_free(s);
        return TESS_EINVAL;
    }
    tess_stage *S = &s->stages[0];
    S->layers_per_chunk = 1;
    S->ops = 2;   /* the call (a layer op, or the tail's), then the (empty) optimizer step */
    if (m >= 2) { /* the data-parallel tail's chain, after no passes */
        s->placement.dp_local = m;
        s->placement.dp_local_level = level;
        hierarchical_chain(s, kind, bytes, m);
    } else { /* one ring in die order as the tensor-parallel axis: one pass, the call */
        s->dp = 1;
        s->tp = group;
        tess_coll_use_init(&s->colls[0], tess_coll_name(kind), TESS_AXIS_TP, kind, group, bytes, 1);
        s->n_colls = 1;
        tess_op_group *g = &s->fwd.groups[0];
        g->kind = TESS_OP_COLLECTIVE;
        g->count = 1;
        g->bytes_each = bytes;
        g->coll = 0;
        s->fwd.n = s->fwd.cap = 1;
        s->fwd.ops = 1;
        S->n_order = 1;
    }
    char msg[512];
    const int chunked = tess_schedule_chunk_dp_tail(p, s, msg, sizeof msg);
    if (chunked != TESS_OK) {
        tess_diag_add(diag, file, 0, "%s", msg);
        tess_schedule_free(s);
        return chunked;
    }
    for (uint32_t i = 0; i < s->n_colls; i++)
        S->messages += s->colls[i].messages;
    s->ops = (uint64_t)S->ops * group;
    const tess_rank_map ranks = tess_schedule_ranks(s);
    uint32_t worst;
    const int8_t span = (int8_t)tess_axis_span(p, &ranks, TESS_AXIS_TP, &worst, 0, NULL);
    s->placement.tp_span = s->tp > 1 ? span : -1;
    s->placement.dp_span =
        s->dp > 1 ? (int8_t)tess_axis_span(p, &ranks, TESS_AXIS_DP, &worst, 0, NULL) : -1;
    const int rc = tess_schedule_level_traffic(p, s);
    if (rc != TESS_OK) tess_schedule_free(s);
    return rc;
}
