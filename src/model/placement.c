/* Placement of parallel groups in the hierarchy: see placement.h. */
#include "model/placement.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tessera/tessera.h"

int tess_dies_span(const tess_platform *p, const uint32_t *dies, size_t n)
{
    if (n < 2) return -1;
    for (int l = 0; l < TESS_SCOPE_LEVELS; l++) {
        const uint32_t id = p->instances[dies[0]].scope[l];
        size_t i = 1;
        while (id && i < n && p->instances[dies[i]].scope[l] == id)
            i++;
        if (id && i == n) return l;
    }
    return TESS_SCOPE_LEVELS;
}

int tess_ranks_span(const tess_platform *p, const tess_rank_map *s, uint32_t a, uint32_t b)
{
    const uint32_t dies[2] = {s->die_of_rank[a], s->die_of_rank[b]};
    return a == b ? -1 : tess_dies_span(p, dies, 2);
}

/* "share a scope of level L" is an equivalence, so a group lies in one scope exactly when
 * every step around its ring does. */
int tess_axis_span(const tess_platform *p, const tess_rank_map *s, tess_coll_axis a,
                   uint32_t *worst, double bytes, double *level_bytes)
{
    int span = -1;
    *worst = 0;
    for (uint32_t r = 0; r < s->dies; r++) {
        const int l = tess_ranks_span(p, s, r, tess_rank_next(s, a, r));
        if (l > span) {
            span = l;
            *worst = r;
        }
        if (level_bytes && l >= 0) level_bytes[l] += bytes;
    }
    return span;
}

/* Hierarchical collectives: the innermost level at which every group of an axis falls
 * into domains of m consecutive members (1 < m < n; every member inside a scope of that
 * level, members j and j' together exactly when j / m == j' / m for neighbouring
 * blocks). Member j of group g is rank g x group_step + j x stride (n members, `groups`
 * groups). *m = 1 and *level = -1 when there is none. */
static void domains(const tess_platform *p, const tess_rank_map *s, uint32_t n, uint32_t stride,
                    uint32_t groups, uint32_t group_step, uint32_t *m_out, int8_t *level_out)
{
    *m_out = 1;
    *level_out = -1;
    if (n < 3) return;
    const tess_instance *in = p->instances;
#define SCOPE(g, j) in[s->die_of_rank[(g)*group_step + (j)*stride]].scope[l]
    for (int l = 0; l < TESS_SCOPE_LEVELS; l++) {
        /* m from the first group: members that share member 0's scope, counted in order */
        const uint32_t id0 = SCOPE(0u, 0u);
        uint32_t m = 1;
        while (id0 && m < n && SCOPE(0u, m) == id0)
            m++;
        if (!id0 || m < 2 || m >= n || n % m) continue;
        int ok = 1;
        for (uint32_t g = 0; ok && g < groups; g++)
            for (uint32_t j = 0; ok && j < n; j++) {
                const uint32_t here = SCOPE(g, j);
                const int starts = j % m == 0 && j > 0;
                ok = here && here == SCOPE(g, j / m * m) && (!starts || here != SCOPE(g, j - 1));
            }
        if (ok) {
            *m_out = m;
            *level_out = (int8_t)l;
            return;
        }
    }
#undef SCOPE
}

void tess_dp_domains(const tess_platform *p, const tess_rank_map *m, uint32_t *members,
                     int8_t *level)
{
    /* DP member d of group (t, stage) g is rank g + tp pp d */
    domains(p, m, m->dp, m->tp * m->pp, m->tp * m->pp, 1, members, level);
}

int tess_place_groups(const tess_platform *p, const tess_workload *w, const char *file,
                      const tess_rank_map *s, tess_placement *out, tess_diag *diag)
{
    static const char *const names[] = {"tp", "pp", "dp"};
    static const tess_coll_axis axes[] = {TESS_AXIS_TP, TESS_AXIS_PIPELINE, TESS_AXIS_DP};
    int8_t *spans[] = {&out->tp_span, &out->pp_span, &out->dp_span};
    int rc = TESS_OK;
    for (int k = 0; k < 3; k++) {
        uint32_t r;
        const int span = tess_axis_span(p, s, axes[k], &r, 0, NULL);
        *spans[k] = (int8_t)span;
        if (span <= w->within[k]) continue;
        const uint32_t next = tess_rank_next(s, axes[k], r);
        const int lim = w->within[k];
        tess_diag_add(diag, file, w->line,
                      "%s-within=\"%s\": %s groups span the %s; rank %u on die '%s' and rank %u on "
                      "die '%s' are in different %ss (or none)",
                      names[k], tess_scope_level_name(lim), names[k],
                      span == TESS_SCOPE_LEVELS ? "whole platform" : tess_scope_level_name(span), r,
                      p->instances[s->die_of_rank[r]].path, next,
                      p->instances[s->die_of_rank[next]].path, tess_scope_level_name(lim));
        rc = TESS_EINVAL;
    }
    tess_dp_domains(p, s, &out->dp_local, &out->dp_local_level);
    out->tp_local = 1;
    out->tp_local_level = -1;
    /* TP member t of group (stage, d) g is rank g tp + t (1-D tensor parallelism only) */
    if (w->tp_style == TESS_TP_MEGATRON_1D)
        domains(p, s, s->tp, 1, s->pp * s->dp, s->tp, &out->tp_local, &out->tp_local_level);
    return rc;
}

int tess_die_dma_rates(const tess_platform *p, const tess_rank_map *s, const double *mem_bw,
                       double *die_bw, char *msg, size_t msglen)
{
    uint32_t *mems = malloc((p->n_instances + 1) * sizeof *mems);
    if (!mems) return TESS_ENOMEM;
    int rc = TESS_OK;
    for (uint32_t r = 0; r < s->dies && rc == TESS_OK; r++) {
        const uint32_t die = s->die_of_rank[r];
        int shared = 0;
        const size_t n = tess_die_memories(p, die, mems, &shared);
        double bw = 0;
        for (size_t i = 0; i < n; i++)
            bw += mem_bw[mems[i]];
        die_bw[r] = shared ? bw / s->dies : bw;
        if (!(die_bw[r] > 0)) {
            snprintf(msg, msglen, "die '%s' reaches no memory", p->instances[die].path);
            rc = TESS_EINVAL;
        }
    }
    free(mems);
    return rc;
}

int tess_peak_dma_rates(const tess_platform *p, const tess_rank_map *m, double *die_bw, char *msg,
                        size_t msglen)
{
    double *peak = calloc(p->n_instances + 1, sizeof *peak);
    if (!peak) return TESS_ENOMEM;
    for (size_t i = 0; i < p->n_instances; i++)
        if (p->instances[i].kind == TESS_KIND_MEMORY && !p->instances[i].dead)
            peak[i] = tess_memory_peak_bandwidth(&p->types[p->instances[i].type].u.memory);
    const int rc = tess_die_dma_rates(p, m, peak, die_bw, msg, msglen);
    free(peak);
    return rc;
}

/* Live links as adjacency lists (CSR): the neighbours of instance i are
 * to[first[i] .. first[i + 1]). */
typedef struct adjacency {
    uint32_t *first, *to;
} adjacency;

static int adjacency_build(const tess_platform *p, adjacency *a)
{
    const size_t n = p->n_instances;
    a->first = calloc(n + 2, sizeof *a->first);
    a->to = malloc((2 * p->n_links + 1) * sizeof *a->to);
    if (!a->first || !a->to) return TESS_ENOMEM;
    for (size_t k = 0; k < p->n_links; k++) {
        const tess_link *l = &p->links[k];
        if (l->dead || p->instances[l->a].dead || p->instances[l->b].dead) continue;
        a->first[l->a + 2]++;
        a->first[l->b + 2]++;
    }
    for (size_t i = 2; i < n + 2; i++)
        a->first[i] += a->first[i - 1];
    for (size_t k = 0; k < p->n_links; k++) { /* first[i + 1]: where i's next neighbour goes */
        const tess_link *l = &p->links[k];
        if (l->dead || p->instances[l->a].dead || p->instances[l->b].dead) continue;
        a->to[a->first[l->a + 1]++] = l->b;
        a->to[a->first[l->b + 1]++] = l->a;
    }
    return TESS_OK;
}

/* Links from die d to every instance it reaches through routers (breadth first) in
 * dist (UINT32_MAX: not reached): memories linked to a router, and memories of another
 * die, reached through that die's router and the die (a die relays to its own memories,
 * never further). With `nearest`, stops after the level of the nearest memories. Returns
 * the nearest memory (the lowest index among equals), or -1. dist, queue: n_instances
 * entries, scratch. */
static int64_t reach_memories(const tess_platform *p, const adjacency *a, uint32_t d, int nearest,
                              uint32_t *dist, uint32_t *queue)
{
    for (size_t i = 0; i < p->n_instances; i++)
        dist[i] = UINT32_MAX;
    size_t head = 0, tail = 0;
    dist[d] = 0;
    queue[tail++] = d;
    int64_t best = -1;
    uint32_t best_dist = UINT32_MAX;
    while (head < tail) {
        const uint32_t u = queue[head++];
        if (nearest && dist[u] >= best_dist) break; /* the level after the nearest */
        const int relay = u != d && p->instances[u].kind == TESS_KIND_DIE;
        for (uint32_t k = a->first[u]; k < a->first[u + 1]; k++) {
            const uint32_t v = a->to[k];
            if (dist[v] != UINT32_MAX) continue;
            const tess_kind kind = p->instances[v].kind;
            if (relay && kind != TESS_KIND_MEMORY) continue;
            dist[v] = dist[u] + 1;
            if (kind == TESS_KIND_MEMORY) {
                if (dist[v] < best_dist || (dist[v] == best_dist && v < best)) {
                    best = v;
                    best_dist = dist[v];
                }
            } else if (kind == TESS_KIND_ROUTER || (kind == TESS_KIND_DIE && !relay)) {
                queue[tail++] = v; /* a die only to reach its own memories */
            }
        }
    }
    return best;
}

/* A rank's candidate home: links to it, then the rank, then the memory (qsort order). */
typedef struct home_pair {
    uint32_t dist, rank, mem;
} home_pair;

static int pair_order(const void *x, const void *y)
{
    const home_pair *a = x, *b = y;
    if (a->dist != b->dist) return a->dist < b->dist ? -1 : 1;
    if (a->rank != b->rank) return a->rank < b->rank ? -1 : 1;
    return a->mem < b->mem ? -1 : a->mem > b->mem;
}

uint64_t tess_memory_capacity(const tess_platform *p, uint32_t mem)
{
    return p->types[p->instances[mem].type].u.memory.capacity_bytes;
}

/* Room left in each memory (one per instance) once the ranks owning memories have their
 * need, pro rata over their own memories. */
static void owners_room(const tess_platform *p, const tess_rank_map *m, const uint64_t *need,
                        uint32_t *mems, double *room)
{
    for (size_t i = 0; i < p->n_instances; i++)
        room[i] = p->instances[i].kind == TESS_KIND_MEMORY ? (double)tess_memory_capacity(p, i) : 0;
    for (uint32_t r = 0; r < m->dies; r++) {
        int shared = 0;
        const size_t n = tess_die_memories(p, m->die_of_rank[r], mems, &shared);
        double own = 0;
        for (size_t i = 0; !shared && i < n; i++)
            own += (double)tess_memory_capacity(p, mems[i]);
        for (size_t i = 0; !shared && i < n && own > 0; i++)
            room[mems[i]] -= (double)need[r] * (double)tess_memory_capacity(p, mems[i]) / own;
    }
}

int tess_home_memories(const tess_platform *p, const tess_rank_map *m, const uint64_t *need,
                       int balanced, int64_t *home, char *msg, size_t msglen)
{
    uint32_t *mems = malloc((p->n_instances + 1) * sizeof *mems);
    uint32_t *dist = malloc((p->n_instances + 1) * sizeof *dist);
    uint32_t *queue = malloc((p->n_instances + 1) * sizeof *queue);
    adjacency a = {0};
    int rc = mems && dist && queue ? adjacency_build(p, &a) : TESS_ENOMEM;
    size_t n_memories = 0;
    for (size_t i = 0; i < p->n_instances; i++)
        n_memories += p->instances[i].kind == TESS_KIND_MEMORY && !p->instances[i].dead;
    home_pair *pairs = NULL;
    size_t n_pairs = 0;
    /* dies without memories of their own: the nearest one; with needs, every one they reach
     * as a candidate */
    for (uint32_t r = 0; r < m->dies && rc == TESS_OK; r++) {
        const uint32_t die = m->die_of_rank[r];
        int shared = 0;
        tess_die_memories(p, die, mems, &shared);
        home[r] = shared ? reach_memories(p, &a, die, !need, dist, queue) : -1;
        if (shared && home[r] < 0) {
            snprintf(msg, msglen, "die '%s' reaches no memory through the network",
                     p->instances[die].path);
            rc = TESS_EINVAL;
        }
        if (!shared || !need || rc != TESS_OK) continue;
        if (!pairs) pairs = malloc(((size_t)m->dies * n_memories + 1) * sizeof *pairs);
        if (!pairs) {
            rc = TESS_ENOMEM;
            break;
        }
        for (uint32_t i = 0; i < p->n_instances; i++)
            if (dist[i] != UINT32_MAX && p->instances[i].kind == TESS_KIND_MEMORY)
                pairs[n_pairs++] = (home_pair){dist[i], r, i};
    }
    if (rc == TESS_OK && n_pairs) { /* nearest first, where there is room */
        double *room = malloc((p->n_instances + 1) * sizeof *room);
        uint8_t *placed = calloc(m->dies + 1, 1);
        uint32_t *held = calloc(p->n_instances + 1, sizeof *held); /* dies placed a memory */
        if (!room || !placed || !held) rc = TESS_ENOMEM;
        if (rc == TESS_OK) {
            owners_room(p, m, need, mems, room);
            qsort(pairs, n_pairs, sizeof *pairs, pair_order);
            /* balanced: a first pass holds each memory to an even share of the dies */
            uint32_t cap = UINT32_MAX;
            if (balanced) {
                uint32_t dies = 0, memories = 0;
                for (size_t k = 0; k < n_pairs; k++) {
                    dies += !placed[pairs[k].rank];
                    placed[pairs[k].rank] = 1;
                    memories += !held[pairs[k].mem];
                    held[pairs[k].mem] = 1;
                }
                memset(placed, 0, m->dies + 1);
                memset(held, 0, (p->n_instances + 1) * sizeof *held);
                cap = (dies + memories - 1) / memories;
            }
            for (int pass = balanced ? 0 : 1; pass < 2; pass++)
                for (size_t k = 0; k < n_pairs; k++) {
                    const home_pair *x = &pairs[k];
                    if (placed[x->rank] || room[x->mem] < (double)need[x->rank] ||
                        (pass == 0 && held[x->mem] >= cap))
                        continue;
                    home[x->rank] = x->mem;
                    room[x->mem] -= (double)need[x->rank];
                    placed[x->rank] = 1;
                    held[x->mem]++;
                }
        }
        free(room);
        free(placed);
        free(held);
    }
    free(pairs);
    /* a die whose own memory others use shares it with them: its DMA goes there too */
    uint8_t *is_home = rc == TESS_OK ? calloc(p->n_instances + 1, 1) : NULL;
    if (rc == TESS_OK && !is_home) rc = TESS_ENOMEM;
    for (uint32_t r = 0; r < m->dies && rc == TESS_OK; r++)
        if (home[r] >= 0) is_home[home[r]] = 1;
    for (uint32_t r = 0; r < m->dies && rc == TESS_OK; r++) {
        int shared = 0;
        const size_t n = tess_die_memories(p, m->die_of_rank[r], mems, &shared);
        for (size_t i = 0; !shared && i < n && home[r] < 0; i++)
            if (is_home[mems[i]]) home[r] = mems[i];
    }
    free(is_home);
    free(a.first);
    free(a.to);
    free(mems);
    free(dist);
    free(queue);
    return rc;
}

double tess_die_memory_links(const tess_platform *p, uint32_t d, uint32_t mem)
{
    const double die_hz = p->types[p->instances[d].type].u.die.clock_hz;
    double rate = 0;
    for (size_t k = 0; k < p->n_links; k++) {
        const tess_link *l = &p->links[k];
        const uint32_t other = l->a == d ? l->b : l->b == d ? l->a : TESS_NONE;
        if (l->dead || other == TESS_NONE || p->instances[other].kind != TESS_KIND_MEMORY ||
            p->instances[other].dead || (mem != TESS_NONE && other != mem))
            continue;
        const tess_link_type *lt = &p->types[l->type].u.link;
        rate += lt->width_bytes * (lt->clock_hz > 0 ? lt->clock_hz : die_hz);
    }
    return rate;
}

uint32_t tess_memory_owner(const tess_platform *p, uint32_t mem)
{
    for (size_t k = 0; k < p->n_links; k++) {
        const tess_link *l = &p->links[k];
        const uint32_t d = l->a == mem ? l->b : l->b == mem ? l->a : TESS_NONE;
        if (!l->dead && d != TESS_NONE && p->instances[d].kind == TESS_KIND_DIE &&
            !p->instances[d].dead)
            return d;
    }
    return TESS_NONE;
}

/* The route a rank's DMA takes from its home memory mem to its die: from the memory, or
 * from the die the memory hangs off (*owner, else TESS_NONE). Its channels in (*ch)[0..n),
 * the buffer grown to fit (*cap). 1 when routed, 0 when not (the memory is the die's own,
 * or behind it), -1 with msg when the memory is on no network, -2 out of memory. */
static int dma_route(const tess_platform *p, const tess_hw_routes *h, uint32_t mem, uint32_t die,
                     tess_hw_route_info *info, uint32_t **ch, uint32_t *cap, uint32_t *n,
                     uint32_t *owner, char *msg, size_t msglen)
{
    *owner = TESS_NONE;
    uint32_t from = mem;
    if (tess_hw_route(h, mem, die, info, *ch, *cap) != 0) { /* behind another die (or this) */
        *owner = tess_memory_owner(p, mem);
        if (*owner == TESS_NONE) {
            snprintf(msg, msglen, "memory '%s' (die '%s''s) is not on the network",
                     p->instances[mem].path, p->instances[die].path);
            return -1;
        }
        from = *owner;
        if (*owner == die || tess_hw_route(h, from, die, info, *ch, *cap) != 0) return 0;
    }
    if (info->channels > *cap) { /* longer than the buffer: again, with room for all */
        uint32_t *bigger = realloc(*ch, info->channels * sizeof *bigger);
        if (!bigger) return -2;
        *ch = bigger;
        *cap = info->channels;
        tess_hw_route(h, from, die, info, *ch, *cap);
    }
    *n = info->channels;
    return 1;
}

int tess_burst_dma_rates(const tess_platform *p, const tess_rank_map *m, const double *mem_bw,
                         const int64_t *home, const tess_hw_routes *h, double *die_bw,
                         double *memory_bw, char *msg, size_t msglen)
{
    uint32_t *homed = calloc(p->n_instances + 1, sizeof *homed);
    /* the ranks whose DMA crosses each channel, which share its bandwidth */
    uint32_t *crossing = calloc(tess_hw_routes_channels(h) + 1, sizeof *crossing);
    uint32_t cap = 64, *ch = malloc(cap * sizeof *ch);
    int rc = homed && crossing && ch ? tess_die_dma_rates(p, m, mem_bw, die_bw, msg, msglen)
                                     : TESS_ENOMEM;
    tess_hw_route_info info;
    uint32_t n = 0, owner;
    for (uint32_t r = 0; rc == TESS_OK && r < m->dies; r++) {
        if (home[r] < 0) continue;
        homed[home[r]]++;
        const int routed = dma_route(p, h, (uint32_t)home[r], m->die_of_rank[r], &info, &ch, &cap,
                                     &n, &owner, msg, msglen);
        if (routed < 0) rc = routed == -1 ? TESS_EINVAL : TESS_ENOMEM;
        for (uint32_t k = 0; routed == 1 && k < n; k++)
            crossing[ch[k]]++;
    }
    for (uint32_t r = 0; rc == TESS_OK && r < m->dies; r++) {
        const uint32_t die = m->die_of_rank[r];
        if (memory_bw) memory_bw[r] = home[r] < 0 ? 0 : mem_bw[home[r]] / homed[home[r]];
        if (home[r] < 0) { /* its own memories alone */
            const double links = tess_die_memory_links(p, die, TESS_NONE);
            if (links > 0 && links < die_bw[r]) die_bw[r] = links;
            continue;
        }
        const uint32_t mem = (uint32_t)home[r], homes = homed[mem];
        double rate = mem_bw[mem] / homes;
        const int routed = dma_route(p, h, mem, die, &info, &ch, &cap, &n, &owner, msg, msglen);
        if (owner != TESS_NONE) { /* the owner's link to the memory, shared by its ranks */
            const double link = tess_die_memory_links(p, owner, mem) / homes;
            if (link > 0 && link < rate) rate = link;
        }
        if (routed == 1) {
            if (info.bandwidth_bytes_s < rate) rate = info.bandwidth_bytes_s;
            for (uint32_t k = 0; k < n; k++) {
                const double share = tess_hw_channel_bandwidth(h, ch[k]) / crossing[ch[k]];
                if (share < rate) rate = share;
            }
        }
        die_bw[r] = rate;
    }
    free(ch);
    free(crossing);
    free(homed);
    return rc;
}
