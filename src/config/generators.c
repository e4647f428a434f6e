/* Topology generators: see generators.h. */
#include "config/generators.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/arith.h"

const char *const tess_grid_edges[4] = {"west", "east", "north", "south"};

static uint32_t add_instance(tess_platform *p, uint32_t grid, const tess_generator_spec *s,
                             const char *path, tess_kind kind, uint32_t type, int row, int col)
{
    tess_instance inst = {0};
    inst.path = strdup(path);
    if (!inst.path) return TESS_NONE;
    inst.kind = kind;
    inst.type = type;
    inst.grid = grid;
    inst.row = row;
    inst.col = col;
    inst.line = s->line;
    uint32_t idx = tess_platform_add_instance(p, &inst);
    if (idx == TESS_NONE) free(inst.path);
    return idx;
}

static int add_link(tess_platform *p, uint32_t a, uint32_t b, uint32_t type, int wrap, long line)
{
    tess_link l = {a, b, type, 0, wrap, line, 0};
    return tess_platform_add_link(p, &l) == TESS_NONE ? -1 : 0;
}

/* Tiles are made row-major, die then router: router of (r, c) is at base + 2(rC+c)+1. */
static uint32_t router_at(uint32_t base, uint32_t cols, uint32_t r, uint32_t c)
{
    return base + 2 * (r * cols + c) + 1;
}

static uint32_t generate_grid(tess_platform *p, uint32_t gi, const tess_generator_spec *s)
{
    char path[512];
    uint32_t base = (uint32_t)p->n_instances;
    for (uint32_t r = 0; r < s->rows; r++) {
        for (uint32_t c = 0; c < s->cols; c++) {
            snprintf(path, sizeof path, "%s.r%uc%u.die", s->name, r, c);
            uint32_t die = add_instance(p, gi, s, path, TESS_KIND_DIE, s->die_type, (int)r, (int)c);
            snprintf(path, sizeof path, "%s.r%uc%u.router", s->name, r, c);
            uint32_t rt =
                add_instance(p, gi, s, path, TESS_KIND_ROUTER, s->router_type, (int)r, (int)c);
            if (die == TESS_NONE || rt == TESS_NONE) return TESS_NONE;
            if (add_link(p, die, rt, s->local_link_type, 0, s->line)) return TESS_NONE;
        }
    }
    int torus = s->topology == TESS_TOPO_TORUS;
    for (uint32_t r = 0; r < s->rows; r++) {
        for (uint32_t c = 0; c < s->cols; c++) {
            uint32_t here = router_at(base, s->cols, r, c);
            if (c + 1 < s->cols || torus) {
                int wrap = c + 1 == s->cols;
                uint32_t east = router_at(base, s->cols, r, wrap ? 0 : c + 1);
                if (add_link(p, here, east, s->link_type, wrap, s->line)) return TESS_NONE;
            }
            if (r + 1 < s->rows || torus) {
                int wrap = r + 1 == s->rows;
                uint32_t south = router_at(base, s->cols, wrap ? 0 : r + 1, c);
                if (add_link(p, here, south, s->link_type, wrap, s->line)) return TESS_NONE;
            }
        }
    }
    /* the edges' memories (generators.h), outside the grid's tiles as a hand-written
     * instance is */
    for (unsigned e = 0; e < 4; e++) {
        if (s->memory_type == TESS_NONE || !(s->memory_edges & (1u << e))) continue;
        /* west and east down the rows, on the first and last column; north and south
         * along the columns, on the first and last row */
        const int rows = ((1u << e) & (TESS_EDGE_WEST | TESS_EDGE_EAST)) != 0;
        const int far = ((1u << e) & (TESS_EDGE_EAST | TESS_EDGE_SOUTH)) != 0;
        const uint32_t line = far ? (rows ? s->cols : s->rows) - 1 : 0;
        for (uint32_t i = 0; i < (rows ? s->rows : s->cols); i++) {
            const uint32_t r = rows ? i : line, c = rows ? line : i;
            snprintf(path, sizeof path, "%s.%s-%c%u", s->name, tess_grid_edges[e], rows ? 'r' : 'c',
                     i);
            uint32_t m =
                add_instance(p, TESS_NONE, s, path, TESS_KIND_MEMORY, s->memory_type, -1, -1);
            if (m == TESS_NONE ||
                add_link(p, m, router_at(base, s->cols, r, c), s->memory_link_type, 0, s->line))
                return TESS_NONE;
        }
    }
    return base;
}

static uint32_t generate_switch(tess_platform *p, uint32_t gi, const tess_generator_spec *s)
{
    char path[512];
    snprintf(path, sizeof path, "%s.switch", s->name);
    uint32_t sw = add_instance(p, gi, s, path, TESS_KIND_ROUTER, s->router_type, 0, 0);
    if (sw == TESS_NONE) return TESS_NONE;
    for (uint32_t i = 0; i < s->cols; i++) {
        snprintf(path, sizeof path, "%s.die%u", s->name, i);
        uint32_t die = add_instance(p, gi, s, path, TESS_KIND_DIE, s->die_type, 0, (int)i);
        if (die == TESS_NONE || add_link(p, die, sw, s->link_type, 0, s->line)) return TESS_NONE;
    }
    return sw;
}

/* A ring of N nodes: NAME.nI.die and NAME.nI.router joined by the local link, and router
 * I to router I+1 (the last to the first: the wrap-around link). */
static uint32_t generate_ring(tess_platform *p, uint32_t gi, const tess_generator_spec *s)
{
    char path[512];
    const uint32_t base = (uint32_t)p->n_instances;
    for (uint32_t i = 0; i < s->cols; i++) {
        snprintf(path, sizeof path, "%s.n%u.die", s->name, i);
        const uint32_t die = add_instance(p, gi, s, path, TESS_KIND_DIE, s->die_type, 0, (int)i);
        snprintf(path, sizeof path, "%s.n%u.router", s->name, i);
        const uint32_t rt =
            add_instance(p, gi, s, path, TESS_KIND_ROUTER, s->router_type, 0, (int)i);
        if (die == TESS_NONE || rt == TESS_NONE ||
            add_link(p, die, rt, s->local_link_type, 0, s->line))
            return TESS_NONE;
    }
    for (uint32_t i = 0; i < s->cols; i++) {
        const int wrap = i + 1 == s->cols;
        if (add_link(p, base + 2 * i + 1, base + 2 * (wrap ? 0 : i + 1) + 1, s->link_type, wrap,
                     s->line))
            return TESS_NONE;
    }
    return base;
}

/* Dragonfly: rows groups of cols routers, a die each (see generators.h). */
static uint32_t generate_dragonfly(tess_platform *p, uint32_t gi, const tess_generator_spec *s)
{
    char path[512];
    const uint32_t base = (uint32_t)p->n_instances, G = s->rows, A = s->cols;
    for (uint32_t g = 0; g < G; g++)
        for (uint32_t r = 0; r < A; r++) {
            snprintf(path, sizeof path, "%s.g%ur%u.die", s->name, g, r);
            const uint32_t die =
                add_instance(p, gi, s, path, TESS_KIND_DIE, s->die_type, (int)g, (int)r);
            snprintf(path, sizeof path, "%s.g%ur%u.router", s->name, g, r);
            const uint32_t rt =
                add_instance(p, gi, s, path, TESS_KIND_ROUTER, s->router_type, (int)g, (int)r);
            if (die == TESS_NONE || rt == TESS_NONE ||
                add_link(p, die, rt, s->local_link_type, 0, s->line))
                return TESS_NONE;
        }
    for (uint32_t g = 0; g < G; g++) /* inside a group: all to all */
        for (uint32_t a = 0; a < A; a++)
            for (uint32_t b = a + 1; b < A; b++)
                if (add_link(p, router_at(base, A, g, a), router_at(base, A, g, b), s->link_type, 0,
                             s->line))
                    return TESS_NONE;
    const uint32_t h = (G - 1 + A - 1) / A; /* global links a router, at most */
    for (uint32_t j = 0; j < G; j++)
        for (uint32_t k = j + 1; k < G; k++) {
            const uint32_t from = ((k - j - 1) % G) / h, to = ((j + G - k - 1) % G) / h;
            if (add_link(p, router_at(base, A, j, from), router_at(base, A, k, to),
                         s->global_link_type, 0, s->line))
                return TESS_NONE;
        }
    return base;
}

/* The ports of a radix-k switch that face down at o:1: k o / (o + 1), at least 1, below k. */
static uint32_t down_ports(uint32_t k, double o)
{
    uint32_t d = (uint32_t)(k * o / (o + 1));
    return d < 1 ? 1 : d >= k ? k - 1 : d;
}

int tess_clos_plan_make(uint32_t endpoints, uint32_t k, uint32_t levels, double o, double o2,
                        tess_clos_plan *c, char *err, size_t errlen)
{
    memset(c, 0, sizeof *c);
    if (k < 2) {
        snprintf(err, errlen, "a switch radix of %u cannot build a network", k);
        return -1;
    }
    c->down = down_ports(k, o);
    c->up = k - c->down;
    if (levels == 0) levels = endpoints <= k ? 1 : tess_ceil_div(endpoints, c->down) <= k ? 2 : 3;
    c->levels = levels;
    if (levels == 1) {
        if (endpoints > k) {
            snprintf(err, errlen, "%u NICs do not fit one switch of radix %u", endpoints, k);
            return -1;
        }
        c->leaves = 1;
        c->down = endpoints;
        c->up = 0;
        return 0;
    }
    c->leaves = (uint32_t)tess_ceil_div(endpoints, c->down);
    if (levels == 2) {
        c->spines = (uint32_t)tess_ceil_div((uint64_t)c->leaves * c->up, k);
        if (c->leaves > k) {
            snprintf(err, errlen,
                     "%u leaves of %u NICs need spines of more than radix %u: use "
                     "levels=\"3\"",
                     c->leaves, c->down, k);
            return -1;
        }
        return 0;
    }
    /* three levels: pods of agg_down leaves (k/2 at 1:1), each leaf's uplinks one per
     * aggregation switch; uplink m of aggregation switch a goes to core (a agg_up + m) mod
     * cores in every pod, so a core takes pods links for each (a, m) it serves: at most
     * k / pods of them (k / 2 x k / 2 cores, one link a pod, when the pods are all there) */
    c->agg_down = down_ports(k, o2);
    c->agg_up = k - c->agg_down;
    const uint32_t per_pod = c->agg_down;
    c->pods = (uint32_t)tess_ceil_div(c->leaves, per_pod);
    c->spines = c->up; /* aggregation switches per pod */
    if (c->pods > k) {
        snprintf(err, errlen, "%u NICs need %u pods; radix %u holds at most %u", endpoints, c->pods,
                 k, k);
        return -1;
    }
    c->cores = (uint32_t)tess_ceil_div((uint64_t)c->up * c->agg_up, k / c->pods);
    return 0;
}

/* The NIC of every die J of every domain I: its hub router, indexed I * S + J. */
static int generate_domains(tess_platform *p, uint32_t gi, const tess_generator_spec *s,
                            uint32_t *hub)
{
    char path[512];
    const uint32_t first_node = p->n_scopes + 1; /* each domain is a node */
    p->n_scopes += s->rows;
    for (uint32_t i = 0; i < s->rows; i++) {
        const size_t first = p->n_instances;
        uint32_t sw = TESS_NONE;
        if (s->cols > 1) {
            snprintf(path, sizeof path, "%s.d%u.switch", s->name, i);
            sw = add_instance(p, gi, s, path, TESS_KIND_ROUTER, s->domain_switch_type, (int)i, -1);
            if (sw == TESS_NONE) return -1;
        }
        for (uint32_t j = 0; j < s->cols; j++) {
            snprintf(path, sizeof path, "%s.d%u.gpu%u", s->name, i, j);
            uint32_t die = add_instance(p, gi, s, path, TESS_KIND_DIE, s->die_type, (int)i, (int)j);
            snprintf(path, sizeof path, "%s.d%u.gpu%u-nic", s->name, i, j);
            uint32_t h =
                add_instance(p, gi, s, path, TESS_KIND_ROUTER, s->nic_type, (int)i, (int)j);
            if (die == TESS_NONE || h == TESS_NONE ||
                add_link(p, die, h, s->local_link_type, 0, s->line))
                return -1;
            if (s->memory_type != TESS_NONE) {
                snprintf(path, sizeof path, "%s.d%u.gpu%u-hbm", s->name, i, j);
                uint32_t m =
                    add_instance(p, gi, s, path, TESS_KIND_MEMORY, s->memory_type, (int)i, (int)j);
                if (m == TESS_NONE || add_link(p, die, m, s->memory_link_type, 0, s->line))
                    return -1;
            }
            if (sw != TESS_NONE && add_link(p, h, sw, s->domain_link_type, 0, s->line)) return -1;
            hub[i * s->cols + j] = h;
        }
        for (size_t k = first; k < p->n_instances; k++)
            p->instances[k].scope[TESS_SCOPE_NODE] = first_node + i;
    }
    return 0;
}

static uint32_t add_switch_of(tess_platform *p, uint32_t gi, const tess_generator_spec *s,
                              uint32_t type, const char *local)
{
    char path[512];
    snprintf(path, sizeof path, "%s.%s", s->name, local);
    return add_instance(p, gi, s, path, TESS_KIND_ROUTER, type, -1, -1);
}

static uint32_t add_switch(tess_platform *p, uint32_t gi, const tess_generator_spec *s,
                           const char *fmt, uint32_t a, uint32_t b)
{
    char local[128];
    snprintf(local, sizeof local, fmt, a, b);
    return add_switch_of(p, gi, s, s->router_type, local);
}

/* A Clos over nics[0..n) (in order), switches named under `prefix` ("", "rail3."); the
 * endpoints past the first n_nics are the border's ports (their links border links). */
static int generate_clos(tess_platform *p, uint32_t gi, const tess_generator_spec *s,
                         const uint32_t *nics, uint32_t n, uint32_t n_nics, const tess_clos_plan *c,
                         const char *prefix)
{
#define ENDPOINT_LINK(e) ((e) < n_nics ? s->link_type : s->border_link_type)
    char fmt[160];
    if (c->levels == 1) {
        snprintf(fmt, sizeof fmt, "%sswitch", prefix);
        uint32_t sw = add_switch(p, gi, s, fmt, 0, 0);
        if (sw == TESS_NONE) return -1;
        for (uint32_t e = 0; e < n; e++)
            if (add_link(p, nics[e], sw, ENDPOINT_LINK(e), 0, s->line)) return -1;
        return 0;
    }
    const uint32_t base = (uint32_t)p->n_instances;
    const uint32_t per_pod = c->agg_down;
    for (uint32_t l = 0; l < c->leaves; l++) {
        if (c->levels == 2)
            snprintf(fmt, sizeof fmt, "%sleaf%%u", prefix);
        else
            snprintf(fmt, sizeof fmt, "%spod%%u.leaf%%u", prefix);
        uint32_t leaf = c->levels == 2 ? add_switch(p, gi, s, fmt, l, 0)
                                       : add_switch(p, gi, s, fmt, l / per_pod, l % per_pod);
        if (leaf == TESS_NONE) return -1;
    }
    for (uint32_t e = 0; e < n; e++)
        if (add_link(p, nics[e], base + e / c->down, ENDPOINT_LINK(e), 0, s->line)) return -1;
    if (c->levels == 2) {
        const uint32_t spine0 = (uint32_t)p->n_instances;
        snprintf(fmt, sizeof fmt, "%sspine%%u", prefix);
        for (uint32_t q = 0; q < c->spines; q++)
            if (add_switch(p, gi, s, fmt, q, 0) == TESS_NONE) return -1;
        for (uint32_t l = 0; l < c->leaves; l++)
            for (uint32_t m = 0; m < c->up; m++)
                if (add_link(p, base + l, spine0 + (l * c->up + m) % c->spines, s->uplink_type, 0,
                             s->line))
                    return -1;
        return 0;
    }
    const uint32_t agg0 = (uint32_t)p->n_instances;
    snprintf(fmt, sizeof fmt, "%spod%%u.agg%%u", prefix);
    for (uint32_t pod = 0; pod < c->pods; pod++)
        for (uint32_t a = 0; a < c->spines; a++)
            if (add_switch(p, gi, s, fmt, pod, a) == TESS_NONE) return -1;
    for (uint32_t l = 0; l < c->leaves; l++)
        for (uint32_t m = 0; m < c->up; m++)
            if (add_link(p, base + l, agg0 + (l / per_pod) * c->spines + m, s->uplink_type, 0,
                         s->line))
                return -1;
    const uint32_t core0 = (uint32_t)p->n_instances;
    snprintf(fmt, sizeof fmt, "%score%%u", prefix);
    for (uint32_t q = 0; q < c->cores; q++)
        if (add_switch(p, gi, s, fmt, q, 0) == TESS_NONE) return -1;
    const uint32_t agg_up = c->agg_up;
    for (uint32_t pod = 0; pod < c->pods; pod++)
        for (uint32_t a = 0; a < c->spines; a++)
            for (uint32_t m = 0; m < agg_up; m++)
                if (add_link(p, agg0 + pod * c->spines + a, core0 + (a * agg_up + m) % c->cores,
                             s->uplink_type, 0, s->line))
                    return -1;
    return 0;
#undef ENDPOINT_LINK
}

static uint32_t generate_scale_out(tess_platform *p, uint32_t gi, const tess_generator_spec *s)
{
    const uint32_t D = s->rows, S = s->cols, B = s->border;
    uint32_t *hub = malloc(((size_t)D * S + 1) * sizeof *hub);
    uint32_t *order = malloc(((size_t)D * S + B + 1) * sizeof *order);
    int rc = hub && order ? generate_domains(p, gi, s, hub) : -1;
    char err[256];
    tess_clos_plan c;
    if (rc == 0 && s->topology == TESS_TOPO_FAT_TREE) {
        /* rail-optimised: NIC J of every domain next to each other, on the same leaves */
        for (uint32_t j = 0; j < S; j++)
            for (uint32_t i = 0; i < D; i++)
                order[j * D + i] = hub[i * S + j];
        if (B > 0) { /* the border's ports last, on leaves of their own once past the NICs' */
            const uint32_t border = add_switch_of(p, gi, s, s->border_switch_type, "border");
            rc = border == TESS_NONE ? -1 : 0;
            for (uint32_t b = 0; b < B; b++)
                order[D * S + b] = border;
        }
        if (rc == 0)
            rc = tess_clos_plan_make(D * S + B, s->radix, s->levels, s->oversubscription,
                                     s->aggregation_oversubscription, &c, err, sizeof err);
        if (rc == 0) rc = generate_clos(p, gi, s, order, D * S + B, D * S, &c, "");
    } else if (rc == 0 && D <= s->radix) {
        /* each rail fits one switch: rails share switches, k / D rails a switch, each rail
         * on ports of its own (a switch partitioned into independent rails) */
        const uint32_t per_switch = s->radix / D;
        for (uint32_t j = 0; j < S && rc == 0; j += per_switch) {
            const uint32_t sw = add_switch(p, gi, s, "rails%u.switch", j, 0);
            rc = sw == TESS_NONE ? -1 : 0;
            for (uint32_t r = j; r < j + per_switch && r < S && rc == 0; r++)
                for (uint32_t i = 0; i < D && rc == 0; i++)
                    rc = add_link(p, hub[i * S + r], sw, s->link_type, 0, s->line);
        }
    } else if (rc == 0) {
        rc = tess_clos_plan_make(D, s->radix, 0, 1.0, 1.0, &c, err, sizeof err);
        for (uint32_t j = 0; j < S && rc == 0; j++) {
            char prefix[32];
            snprintf(prefix, sizeof prefix, "rail%u.", j);
            for (uint32_t i = 0; i < D; i++)
                order[i] = hub[i * S + j];
            rc = generate_clos(p, gi, s, order, D, D, &c, prefix);
        }
    }
    free(hub);
    free(order);
    return rc == 0 ? gi : TESS_NONE;
}

uint32_t tess_generate(tess_platform *p, const tess_generator_spec *s)
{
    tess_grid g = {0};
    g.name = strdup(s->name);
    if (!g.name) return TESS_NONE;
    g.topology = s->topology;
    g.rows = s->rows;
    g.cols = s->cols;
    g.first_instance = (uint32_t)p->n_instances;
    g.first_link = (uint32_t)p->n_links;
    g.line = s->line;
    uint32_t gi = tess_platform_add_grid(p, &g);
    if (gi == TESS_NONE) {
        free(g.name);
        return TESS_NONE;
    }
    uint32_t made = s->topology == TESS_TOPO_SWITCH              ? generate_switch(p, gi, s)
                    : s->topology == TESS_TOPO_RING              ? generate_ring(p, gi, s)
                    : s->topology == TESS_TOPO_DRAGONFLY         ? generate_dragonfly(p, gi, s)
                    : tess_topology_has_coordinates(s->topology) ? generate_grid(p, gi, s)
                                                                 : generate_scale_out(p, gi, s);
    if (made == TESS_NONE) return TESS_NONE;
    p->grids[gi].instance_count = (uint32_t)p->n_instances - p->grids[gi].first_instance;
    p->grids[gi].link_count = (uint32_t)p->n_links - p->grids[gi].first_link;
    return gi;
}
