/* Route checks: see routes.h. */
#include "config/routes.h"

#include "config/fields.h"

#include <stdlib.h>
#include <string.h>

#include "tessera/tessera.h"

#define ERR(diag, file, line, ...) tess_diag_add((diag), (file), (line), __VA_ARGS__)

static const tess_router_type *router_of(const tess_platform *p, uint32_t inst)
{
    return &p->types[p->instances[inst].type].u.router;
}

int tess_check_ports(const tess_platform *p, const char *file, tess_diag *diag)
{
    uint32_t *attached = calloc(p->n_instances ? p->n_instances : 1, sizeof *attached);
    if (!attached) return TESS_ENOMEM;
    /* a circuit switch's circuits share one port of each instance attached to it */
    uint32_t *ocs = calloc(p->n_instances ? p->n_instances : 1, sizeof *ocs);
    if (!ocs) {
        free(attached);
        return TESS_ENOMEM;
    }
    for (size_t k = 0; k < p->n_links; k++) {
        uint32_t *count = p->links[k].circuit ? ocs : attached;
        count[p->links[k].a] = p->links[k].circuit ? 1 : count[p->links[k].a] + 1;
        count[p->links[k].b] = p->links[k].circuit ? 1 : count[p->links[k].b] + 1;
    }
    for (size_t i = 0; i < p->n_instances; i++)
        attached[i] += ocs[i];
    free(ocs);
    int rc = TESS_OK;
    for (size_t i = 0; i < p->n_instances; i++) {
        const tess_instance *inst = &p->instances[i];
        if (inst->kind != TESS_KIND_ROUTER) continue;
        uint32_t ports = router_of(p, (uint32_t)i)->ports;
        if (ports != 0 && attached[i] > ports) {
            ERR(diag, file, inst->line,
                "router '%s' (router-type '%s') has %u links attached but %u ports", inst->path,
                p->types[inst->type].name, attached[i], ports);
            rc = TESS_EINVAL;
        }
    }
    free(attached);
    return rc;
}

/* ---- dimension-order routes on grids ------------------------------------ */

/* Per grid: which router links are dead, as prefix counts along rows and columns.
 * east_dead[r][c+1] - east_dead[r][c] = 1 when the link from (r,c) to (r,c+1) (or the
 * wrap link from (r,C-1) to (r,0) at c = C-1) is dead; likewise south_dead per column. */
typedef struct grid_defects {
    uint32_t rows, cols;
    int torus;
    uint32_t *east_prefix;  /* rows x (cols+1) */
    uint32_t *south_prefix; /* cols x (rows+1) */
    int any;
} grid_defects;

static void grid_defects_free(grid_defects *g)
{
    free(g->east_prefix);
    free(g->south_prefix);
}

static int grid_defects_build(const tess_platform *p, uint32_t gi, grid_defects *g)
{
    const tess_grid *grid = &p->grids[gi];
    memset(g, 0, sizeof *g);
    g->rows = grid->rows;
    g->cols = grid->cols;
    g->torus = grid->topology == TESS_TOPO_TORUS;
    g->east_prefix = calloc((size_t)g->rows * (g->cols + 1), sizeof *g->east_prefix);
    g->south_prefix = calloc((size_t)g->cols * (g->rows + 1), sizeof *g->south_prefix);
    if (!g->east_prefix || !g->south_prefix) return -1;
    for (uint32_t k = grid->first_link; k < grid->first_link + grid->link_count; k++) {
        const tess_link *l = &p->links[k];
        const tess_instance *a = &p->instances[l->a], *b = &p->instances[l->b];
        if (a->kind != TESS_KIND_ROUTER || b->kind != TESS_KIND_ROUTER || !l->dead) continue;
        g->any = 1;
        if (a->row == b->row) /* east link leaves a (the generator puts the west end first) */
            g->east_prefix[(size_t)a->row * (g->cols + 1) + (size_t)a->col + 1] = 1;
        else
            g->south_prefix[(size_t)a->col * (g->rows + 1) + (size_t)a->row + 1] = 1;
    }
    for (uint32_t r = 0; r < g->rows; r++)
        for (uint32_t c = 1; c <= g->cols; c++)
            g->east_prefix[r * (g->cols + 1) + c] += g->east_prefix[r * (g->cols + 1) + c - 1];
    for (uint32_t c = 0; c < g->cols; c++)
        for (uint32_t r = 1; r <= g->rows; r++)
            g->south_prefix[c * (g->rows + 1) + r] += g->south_prefix[c * (g->rows + 1) + r - 1];
    /* dead routers inside the grid also break routes through them */
    for (uint32_t i = grid->first_instance; i < grid->first_instance + grid->instance_count; i++)
        if (p->instances[i].kind == TESS_KIND_ROUTER && p->instances[i].dead) g->any = 1;
    return 0;
}

/* Dead links met going from index a to index b along a ring or line of n positions,
 * where prefix[i+1]-prefix[i] counts link i (from position i to i+1). */
static uint32_t dead_between(const uint32_t *prefix, uint32_t n, int torus, int a, int b)
{
    if (a == b) return 0;
    if (!torus) return a < b ? prefix[b] - prefix[a] : prefix[a] - prefix[b];
    int forward = ((b - a) % (int)n + (int)n) % (int)n;
    if (forward <= (int)n - forward) { /* forward (east/south) on ties */
        if (a < b) return prefix[b] - prefix[a];
        return (prefix[n] - prefix[a]) + prefix[b];
    }
    if (b < a) return prefix[a] - prefix[b];
    return prefix[a] + (prefix[n] - prefix[b]);
}

static int router_dead(const tess_platform *p, const tess_grid *grid, int r, int c)
{
    return p->instances[grid->first_instance + 2 * ((uint32_t)r * grid->cols + (uint32_t)c) + 1]
        .dead;
}

/* Dead routers met along a row (or column) segment, excluding the start. */
static int dead_router_on(const tess_platform *p, const tess_grid *grid, int torus, int row_fixed,
                          int fixed, int a, int b)
{
    int n = row_fixed ? (int)grid->cols : (int)grid->rows;
    if (a == b) return 0;
    int step;
    if (!torus) {
        step = a < b ? 1 : -1;
    } else {
        int forward = ((b - a) % n + n) % n;
        step = forward <= n - forward ? 1 : -1;
    }
    for (int x = a; x != b;) {
        x = ((x + step) % n + n) % n;
        if (row_fixed ? router_dead(p, grid, fixed, x) : router_dead(p, grid, x, fixed)) return 1;
    }
    return 0;
}

static int route_alive(const tess_platform *p, const tess_grid *grid, const grid_defects *g,
                       tess_routing routing, int r1, int c1, int r2, int c2)
{
    /* xy: along row r1 to column c2, then along column c2; yx: column first. */
    int turn_r = routing == TESS_ROUTING_XY ? r1 : r2;
    int turn_c = routing == TESS_ROUTING_XY ? c2 : c1;
    if (routing == TESS_ROUTING_XY) {
        if (dead_between(g->east_prefix + (size_t)r1 * (g->cols + 1), g->cols, g->torus, c1, c2))
            return 0;
        if (dead_between(g->south_prefix + (size_t)c2 * (g->rows + 1), g->rows, g->torus, r1, r2))
            return 0;
    } else {
        if (dead_between(g->south_prefix + (size_t)c1 * (g->rows + 1), g->rows, g->torus, r1, r2))
            return 0;
        if (dead_between(g->east_prefix + (size_t)r2 * (g->cols + 1), g->cols, g->torus, c1, c2))
            return 0;
    }
    if (routing == TESS_ROUTING_XY) {
        if (dead_router_on(p, grid, g->torus, 1, r1, c1, turn_c)) return 0;
        if (dead_router_on(p, grid, g->torus, 0, turn_c, r1, r2)) return 0;
    } else {
        if (dead_router_on(p, grid, g->torus, 0, c1, r1, turn_r)) return 0;
        if (dead_router_on(p, grid, g->torus, 1, turn_r, c1, c2)) return 0;
    }
    return !router_dead(p, grid, r1, c1);
}

int tess_dor_route_alive(const tess_platform *p, uint32_t gi, tess_routing routing, int r1, int c1,
                         int r2, int c2)
{
    grid_defects g;
    if (grid_defects_build(p, gi, &g) != 0) {
        grid_defects_free(&g);
        return 0;
    }
    int alive = route_alive(p, &p->grids[gi], &g, routing, r1, c1, r2, c2);
    grid_defects_free(&g);
    return alive;
}

static int check_grid_routes(const tess_platform *p, uint32_t gi, const char *file, tess_diag *diag)
{
    const tess_grid *grid = &p->grids[gi];
    const tess_instance *first_router = &p->instances[grid->first_instance + 1];
    tess_routing routing = router_of(p, grid->first_instance + 1)->routing;
    if (routing == TESS_ROUTING_TABLE || routing == TESS_ROUTING_SHORTEST) return TESS_OK;
    grid_defects g;
    if (grid_defects_build(p, gi, &g) != 0) {
        grid_defects_free(&g);
        return TESS_ENOMEM;
    }
    int rc = TESS_OK;
    if (g.any && routing == TESS_ROUTING_WEST_FIRST) {
        ERR(diag, file, grid->line,
            "grid '%s' has defects and routing 'west-first' (router-type '%s'); adaptive routing "
            "around defects is not checked, use routing=\"table\"",
            grid->name, p->types[first_router->type].name);
        rc = TESS_EUNROUTABLE;
    } else if (g.any) {
        size_t bad = 0;
        const char *from = NULL, *to = NULL;
        for (uint32_t a = 0; a < grid->rows * grid->cols; a++) {
            const tess_instance *da = &p->instances[grid->first_instance + 2 * a];
            if (da->dead) continue;
            for (uint32_t b = 0; b < grid->rows * grid->cols; b++) {
                const tess_instance *db = &p->instances[grid->first_instance + 2 * b];
                if (a == b || db->dead) continue;
                if (!route_alive(p, grid, &g, routing, da->row, da->col, db->row, db->col)) {
                    if (!bad++) {
                        from = da->path;
                        to = db->path;
                    }
                }
            }
        }
        if (bad) {
            ERR(diag, file, grid->line,
                "routing '%s' cannot route %zu die pairs of grid '%s' around its defects, e.g. "
                "'%s' -> '%s' crosses a dead link or router; use routing=\"table\"",
                tess_routing_name(routing), bad, grid->name, from, to);
            rc = TESS_EUNROUTABLE;
        }
    }
    grid_defects_free(&g);
    return rc;
}

int tess_check_routing_fits(const tess_platform *p, const char *file, tess_diag *diag)
{
    int rc = TESS_OK;
    /* a router with coordinate routing must be in a mesh or torus and link only inside it */
    for (size_t k = 0; k < p->n_links; k++) {
        const tess_link *l = &p->links[k];
        for (int end = 0; end < 2; end++) {
            uint32_t me = end ? l->b : l->a, other = end ? l->a : l->b;
            const tess_instance *inst = &p->instances[me];
            if (inst->kind != TESS_KIND_ROUTER) continue;
            tess_routing r = router_of(p, me)->routing;
            if (r == TESS_ROUTING_TABLE || r == TESS_ROUTING_SHORTEST) continue;
            const tess_instance *peer = &p->instances[other];
            int in_grid = inst->grid != TESS_NONE &&
                          tess_topology_has_coordinates(p->grids[inst->grid].topology);
            if (peer->kind != TESS_KIND_ROUTER) continue; /* endpoint links need no coordinates */
            if (!in_grid || peer->grid != inst->grid) {
                ERR(diag, file, l->line,
                    "routing '%s' of router '%s' needs mesh or torus coordinates, but its link "
                    "to '%s' %s; use routing=\"table\"",
                    tess_routing_name(r), inst->path, peer->path,
                    in_grid ? "leaves its grid" : "is outside any mesh or torus");
                return TESS_EINVAL;
            }
            if (r == TESS_ROUTING_WEST_FIRST && p->grids[inst->grid].topology == TESS_TOPO_TORUS) {
                ERR(diag, file, p->grids[inst->grid].line,
                    "routing 'west-first' is a mesh turn model and is not deadlock-free on "
                    "torus '%s'; use xy, yx or table",
                    p->grids[inst->grid].name);
                return TESS_EINVAL;
            }
        }
    }
    for (size_t gi = 0; gi < p->n_grids; gi++) {
        if (!tess_topology_has_coordinates(p->grids[gi].topology)) continue;
        int r = check_grid_routes(p, (uint32_t)gi, file, diag);
        if (r != TESS_OK) rc = r;
    }
    return rc;
}

/* ---- reachability -------------------------------------------------------- */

static uint32_t find(uint32_t *parent, uint32_t x)
{
    while (parent[x] != x) {
        parent[x] = parent[parent[x]];
        x = parent[x];
    }
    return x;
}

/* Sorted, deduplicated list of router components an endpoint attaches to. */
typedef struct attach {
    uint32_t *comps;
    uint32_t n, cap;
} attach;

static int attach_add(attach *a, uint32_t comp)
{
    for (uint32_t i = 0; i < a->n; i++)
        if (a->comps[i] == comp) return 0;
    if (a->n == a->cap) {
        uint32_t cap = a->cap ? 2 * a->cap : 2;
        uint32_t *bigger = realloc(a->comps, cap * sizeof *bigger);
        if (!bigger) return -1;
        a->comps = bigger;
        a->cap = cap;
    }
    a->comps[a->n++] = comp;
    return 0;
}

static int shares(const attach *x, const attach *y)
{
    for (uint32_t i = 0; i < x->n; i++)
        for (uint32_t j = 0; j < y->n; j++)
            if (x->comps[i] == y->comps[j]) return 1;
    return 0;
}

static int directly_linked(const tess_platform *p, uint32_t a, uint32_t b)
{
    for (size_t k = 0; k < p->n_links; k++) {
        const tess_link *l = &p->links[k];
        if (!l->dead && ((l->a == a && l->b == b) || (l->a == b && l->b == a))) return 1;
    }
    return 0;
}

int tess_check_reachability(const tess_platform *p, const char *file, tess_diag *diag)
{
    size_t n = p->n_instances;
    uint32_t *parent = malloc((n ? n : 1) * sizeof *parent);
    attach *att = calloc(n ? n : 1, sizeof *att);
    uint32_t *comp_size = calloc(n ? n : 1, sizeof *comp_size);
    int rc = TESS_OK;
    if (!parent || !att || !comp_size) {
        rc = TESS_ENOMEM;
        goto out;
    }
    for (size_t i = 0; i < n; i++)
        parent[i] = (uint32_t)i;
    for (size_t k = 0; k < p->n_links; k++) {
        const tess_link *l = &p->links[k];
        if (l->dead || p->instances[l->a].kind != TESS_KIND_ROUTER ||
            p->instances[l->b].kind != TESS_KIND_ROUTER)
            continue;
        uint32_t ra = find(parent, l->a), rb = find(parent, l->b);
        if (ra != rb) parent[ra] = rb;
    }
    int has_direct = 0;
    for (size_t k = 0; k < p->n_links; k++) {
        const tess_link *l = &p->links[k];
        if (l->dead) continue;
        int ra = p->instances[l->a].kind == TESS_KIND_ROUTER;
        int rb = p->instances[l->b].kind == TESS_KIND_ROUTER;
        if (ra && !rb && attach_add(&att[l->b], find(parent, l->a))) rc = TESS_ENOMEM;
        if (rb && !ra && attach_add(&att[l->a], find(parent, l->b))) rc = TESS_ENOMEM;
        if (!ra && !rb) has_direct = 1;
    }
    if (rc != TESS_OK) goto out;

    /* The component most dies attach to; in a healthy platform, all of them do. */
    size_t live_dies = 0;
    uint32_t best = TESS_NONE;
    for (size_t i = 0; i < n; i++) {
        if (p->instances[i].kind != TESS_KIND_DIE || p->instances[i].dead) continue;
        live_dies++;
        for (uint32_t j = 0; j < att[i].n; j++) {
            uint32_t c = att[i].comps[j];
            if (++comp_size[c] > (best == TESS_NONE ? 0 : comp_size[best])) best = c;
        }
    }
    int all_on_best = best != TESS_NONE && comp_size[best] == live_dies;
    if (live_dies > 1 && !all_on_best) {
        /* Every pair must share a component or a direct link. Report the dies off the
         * largest network first (they are the ones cut off); only if none of them is
         * at fault, look at every die. */
        size_t bad = 0;
        for (int pass = 0; pass < 2 && bad == 0; pass++) {
            for (size_t a = 0; a < n && bad < 5; a++) {
                if (p->instances[a].kind != TESS_KIND_DIE || p->instances[a].dead) continue;
                int on_best = 0;
                for (uint32_t j = 0; j < att[a].n; j++)
                    on_best |= att[a].comps[j] == best;
                if (pass == 0 && on_best && best != TESS_NONE) continue;
                size_t unreachable = 0;
                const char *example = NULL;
                for (size_t b = 0; b < n; b++) {
                    if (b == a || p->instances[b].kind != TESS_KIND_DIE || p->instances[b].dead)
                        continue;
                    if (shares(&att[a], &att[b])) continue;
                    if (has_direct && directly_linked(p, (uint32_t)a, (uint32_t)b)) continue;
                    if (!unreachable++) example = p->instances[b].path;
                }
                if (unreachable) {
                    ERR(diag, file, p->instances[a].line,
                        "unroutable: die '%s' cannot reach die '%s'%s through live links and "
                        "routers (cut off by defects? mark it dead too)",
                        p->instances[a].path, example, unreachable > 1 ? " and others" : "");
                    bad++;
                }
            }
        }
        if (bad) rc = TESS_EUNROUTABLE;
    }
    /* instances with a live link to a live die, found in one pass over the links */
    unsigned char *by_die = calloc(n ? n : 1, 1);
    if (!by_die) {
        rc = TESS_ENOMEM;
        goto out;
    }
    for (size_t k = 0; k < p->n_links; k++) {
        const tess_link *l = &p->links[k];
        if (l->dead) continue;
        const tess_instance *a = &p->instances[l->a], *b = &p->instances[l->b];
        if (a->kind == TESS_KIND_DIE && !a->dead) by_die[l->b] = 1;
        if (b->kind == TESS_KIND_DIE && !b->dead) by_die[l->a] = 1;
    }
    for (size_t m = 0; m < n; m++) {
        if (p->instances[m].kind != TESS_KIND_MEMORY || p->instances[m].dead) continue;
        int reached = by_die[m];
        for (uint32_t j = 0; j < att[m].n && !reached; j++)
            reached = comp_size[att[m].comps[j]] > 0;
        if (!reached) {
            ERR(diag, file, p->instances[m].line, "unroutable: memory '%s' is reached by no die",
                p->instances[m].path);
            rc = TESS_EUNROUTABLE;
        }
    }
    free(by_die);
out:
    if (att)
        for (size_t i = 0; i < n; i++)
            free(att[i].comps);
    free(att);
    free(parent);
    free(comp_size);
    return rc;
}
