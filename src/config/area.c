/* Die area and the physical plan checks: see area.h. */
#include "config/area.h"

#include <stdlib.h>
#include <string.h>

#include "tessera/tessera.h"

#define PI 3.14159265358979323846

int tess_adjacency_build(const tess_platform *p, tess_adjacency *a)
{
    a->start = calloc(p->n_instances + 1, sizeof *a->start);
    a->links = malloc((2 * p->n_links + 1) * sizeof *a->links);
    if (!a->start || !a->links) return -1;
    /* a circuit switch's circuits are not cables: the switch is priced on its own */
    for (size_t l = 0; l < p->n_links; l++) {
        if (p->links[l].circuit) continue;
        a->start[p->links[l].a + 1]++;
        a->start[p->links[l].b + 1]++;
    }
    for (size_t i = 0; i < p->n_instances; i++)
        a->start[i + 1] += a->start[i];
    uint32_t *fill = malloc((p->n_instances + 1) * sizeof *fill);
    if (!fill) return -1;
    memcpy(fill, a->start, (p->n_instances + 1) * sizeof *fill);
    for (size_t l = 0; l < p->n_links; l++) {
        if (p->links[l].circuit) continue;
        a->links[fill[p->links[l].a]++] = (uint32_t)l;
        a->links[fill[p->links[l].b]++] = (uint32_t)l;
    }
    free(fill);
    return 0;
}

void tess_adjacency_free(tess_adjacency *a)
{
    free(a->start);
    free(a->links);
}

static uint32_t other_end(const tess_link *l, uint32_t self)
{
    return l->a == self ? l->b : l->a;
}

/* A die's own router: the one a generator made right after it with the same grid
 * coordinates (a mesh or torus tile's router, a fat-tree or rail-only GPU's port hub). */
uint32_t tess_tile_router(const tess_platform *p, uint32_t die)
{
    const tess_instance *d = &p->instances[die];
    if (d->grid == TESS_NONE || die + 1 >= p->n_instances) return TESS_NONE;
    const tess_instance *r = &p->instances[die + 1];
    return r->kind == TESS_KIND_ROUTER && r->grid == d->grid && r->row == d->row && r->col == d->col
               ? die + 1
               : TESS_NONE;
}

/* A router that is part of a die, not a stand-alone switch. */
int tess_on_die_router(const tess_platform *p, uint32_t router)
{
    return router > 0 && p->instances[router - 1].kind == TESS_KIND_DIE &&
           tess_tile_router(p, router - 1) == router;
}

const tess_technology_type *tess_technology_of(const tess_platform *p, const tess_die_type *d)
{
    return d->technology_type == TESS_NONE ? NULL : &p->types[d->technology_type].u.technology;
}

double tess_die_area_in(const tess_platform *p, const tess_adjacency *adj, uint32_t die,
                        tess_area_parts *parts)
{
    const tess_die_type *d = &p->types[p->instances[die].type].u.die;
    if (d->area_m2 > 0) {
        if (parts) parts->given += d->area_m2;
        return d->area_m2;
    }
    const tess_technology_type *t = tess_technology_of(p, d);
    if (!t) return 0;
    tess_area_parts a = {0};
    a.tensor = tess_die_macs(d) * t->mac_area_m2;
    a.vector = (double)d->vector_lanes * t->vector_lane_area_m2;
    a.sram = 8.0 * (double)d->sram_bytes * t->sram_bit_area_m2 / t->sram_efficiency;
    a.uncore = t->uncore_area_m2;
    const uint32_t router = tess_tile_router(p, die);
    if (router != TESS_NONE) {
        const tess_router_type *rt = &p->types[p->instances[router].type].u.router;
        const uint32_t attached = adj->start[router + 1] - adj->start[router];
        a.router = (double)(rt->ports ? rt->ports : attached) * t->router_port_area_m2;
    }
    /* the die's own links and its tile router's: PHYs towards other dies and DRAM */
    const uint32_t owners[2] = {die, router};
    for (int o = 0; o < 2; o++) {
        if (owners[o] == TESS_NONE) continue;
        for (uint32_t k = adj->start[owners[o]]; k < adj->start[owners[o] + 1]; k++) {
            const tess_link *l = &p->links[adj->links[k]];
            const uint32_t peer = other_end(l, owners[o]);
            if (peer == die || peer == router) continue;
            const tess_instance *x = &p->instances[peer];
            if (x->kind == TESS_KIND_MEMORY)
                a.memory_phy += t->memory_phy_area_m2;
            else
                a.phy += (double)p->types[l->type].u.link.width_bytes * t->phy_area_m2;
        }
    }
    /* core-level redundancy: the compute (arrays, lanes, SRAM) is the rows' working cores;
     * each row's spares add their share of it */
    if (d->core_rows > 0)
        a.spare_cores = (a.tensor + a.vector + a.sram) * d->spare_cores / d->core_cols;
    if (parts) {
        parts->spare_cores += a.spare_cores;
        parts->tensor += a.tensor;
        parts->vector += a.vector;
        parts->sram += a.sram;
        parts->router += a.router;
        parts->phy += a.phy;
        parts->memory_phy += a.memory_phy;
        parts->uncore += a.uncore;
    }
    return a.tensor + a.vector + a.sram + a.uncore + a.router + a.phy + a.memory_phy +
           a.spare_cores;
}

double tess_die_area(const tess_platform *p, uint32_t die, tess_area_parts *parts)
{
    tess_adjacency adj = {0};
    double area = tess_adjacency_build(p, &adj) == 0 ? tess_die_area_in(p, &adj, die, parts) : 0;
    tess_adjacency_free(&adj);
    return area;
}

int tess_check_fit(const tess_platform *p, tess_diag *diag)
{
    tess_adjacency adj = {0};
    double *wafer_area = calloc(p->n_groups + 1, sizeof *wafer_area);
    const tess_technology_type **wafer_tech = calloc(p->n_groups + 1, sizeof *wafer_tech);
    if (tess_adjacency_build(p, &adj) != 0 || !wafer_area || !wafer_tech) {
        tess_adjacency_free(&adj);
        free(wafer_area);
        free(wafer_tech);
        return TESS_ENOMEM;
    }
    int rc = TESS_OK;
    uint32_t reported_type = TESS_NONE; /* one message per die-type, not per tile */
    for (size_t i = 0; i < p->n_instances; i++) {
        const tess_instance *x = &p->instances[i];
        if (x->kind != TESS_KIND_DIE) continue;
        const tess_die_type *d = &p->types[x->type].u.die;
        const tess_technology_type *t = tess_technology_of(p, d);
        const double area = tess_die_area_in(p, &adj, (uint32_t)i, NULL);
        const double w = t ? t->reticle_width_m : 26e-3, h = t ? t->reticle_height_m : 33e-3;
        if (area > w * h * (1 + 1e-12) && x->type != reported_type) {
            tess_diag_add(diag, tess_type_file(p, x->type), p->types[x->type].line,
                          "<die-type name=\"%s\">: die '%s' needs %.6g mm2, more than the %.6g x "
                          "%.6g mm reticle (%.6g mm2); split it into chiplets or make it "
                          "wafer-scale (a <wafer> of reticle-sized dies)",
                          p->types[x->type].name, x->path, area * 1e6, w * 1e3, h * 1e3,
                          w * h * 1e6);
            reported_type = x->type;
            rc = TESS_EINVAL;
        }
        if (x->group != TESS_NONE && p->groups[x->group].is_wafer) {
            wafer_area[x->group] += area;
            if (!wafer_tech[x->group]) wafer_tech[x->group] = t;
        }
    }
    for (size_t g = 0; g < p->n_groups; g++) {
        const tess_technology_type *t = wafer_tech[g];
        if (!p->groups[g].is_wafer || !t) continue;
        const double r = t->wafer_diameter_m / 2 - t->edge_exclusion_m;
        const double usable = PI * r * r;
        if (wafer_area[g] > usable) {
            tess_diag_add(diag, p->file, p->groups[g].line,
                          "<wafer name=\"%s\">: its dies need %.6g mm2, more than the %.6g mm2 "
                          "usable on a %.6g mm wafer with %.6g mm edge exclusion",
                          p->groups[g].path, wafer_area[g] * 1e6, usable * 1e6,
                          t->wafer_diameter_m * 1e3, t->edge_exclusion_m * 1e3);
            rc = TESS_EINVAL;
        }
    }
    tess_adjacency_free(&adj);
    free(wafer_area);
    free(wafer_tech);
    return rc;
}
