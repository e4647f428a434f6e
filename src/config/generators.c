/* Topology generators: see generators.h. */
#include "config/generators.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
    tess_link l = {a, b, type, 0, wrap, line};
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
    uint32_t made = s->topology == TESS_TOPO_SWITCH ? generate_switch(p, gi, s)
                                                    : generate_grid(p, gi, s);
    if (made == TESS_NONE) return TESS_NONE;
    p->grids[gi].instance_count = (uint32_t)p->n_instances - p->grids[gi].first_instance;
    p->grids[gi].link_count = (uint32_t)p->n_links - p->grids[gi].first_link;
    return gi;
}
