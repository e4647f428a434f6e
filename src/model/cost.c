/* Area, yield and cost: see cost.h. */
#include "model/cost.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tessera/tessera.h"

#define PI 3.14159265358979323846

double tess_dies_per_wafer(double radius_m, double area_m2)
{
    if (!(area_m2 > 0) || !(radius_m > 0)) return 0;
    const double n = PI * radius_m * radius_m / area_m2 - 2.0 * PI * radius_m / sqrt(2.0 * area_m2);
    return n > 0 ? floor(n) : 0;
}

/* One die made on its own wafer and tested: its yield (with its cores' redundancy: parts
 * holds its area's split) and the price of a good one. */
static double good_die_cost(const tess_technology_type *t, const tess_die_type *d, double area,
                            const tess_area_parts *parts, double *yield)
{
    const double r = t->wafer_diameter_m / 2 - t->edge_exclusion_m;
    *yield = tess_die_parts_yield(t, d, area, parts);
    const double per_wafer = tess_dies_per_wafer(r, area);
    return per_wafer > 0 && *yield > 0 ? t->wafer_cost_usd / (per_wafer * *yield) : 0;
}

static double packaging_rate(const tess_technology_type *t, tess_packaging k)
{
    return k == TESS_PACKAGING_INTERPOSER    ? t->interposer_cost
           : k == TESS_PACKAGING_WAFER_SCALE ? t->wafer_scale_cost
                                             : t->organic_cost;
}

static void add_parts(tess_area_parts *sum, const tess_area_parts *a)
{
    sum->tensor += a->tensor;
    sum->vector += a->vector;
    sum->sram += a->sram;
    sum->router += a->router;
    sum->phy += a->phy;
    sum->memory_phy += a->memory_phy;
    sum->uncore += a->uncore;
    sum->spare_cores += a->spare_cores;
    sum->given += a->given;
}

/* What one manufactured unit holds, gathered in one pass over the instances. */
typedef struct unit_sum {
    uint32_t dies, memories;
    uint32_t unused; /* dies dead or idle: those a job leaves to the unit's spares */
    double area, memory_usd;
    double good_die_usd;              /* sum over its dies of the price of a good die */
    double yield_area;                /* sum over its dies of area x die yield */
    const tess_technology_type *tech; /* its first die's */
} unit_sum;

void tess_cost_compute(const tess_platform *p, tess_cost_report *out)
{
    memset(out, 0, sizeof *out);
    out->largest_die = TESS_NONE;
    out->worst_die_yield = out->worst_assembly_yield = out->worst_wafer_yield = 1.0;
    tess_adjacency adj = {0};
    unit_sum *units = calloc(p->n_groups + 1, sizeof *units);
    if (tess_adjacency_build(p, &adj) != 0 || !units) {
        tess_adjacency_free(&adj);
        free(units);
        return;
    }
    double good_area = 0; /* silicon area that ends in good units */
    for (size_t i = 0; i < p->n_instances; i++) {
        const tess_instance *x = &p->instances[i];
        unit_sum *u = x->group == TESS_NONE ? NULL : &units[x->group];
        if (x->kind == TESS_KIND_MEMORY) {
            const double usd = p->types[x->type].u.memory.cost_usd;
            out->memory_usd += usd;
            if (u) {
                u->memories++;
                u->memory_usd += usd;
            }
            continue;
        }
        if (x->kind != TESS_KIND_DIE) continue;
        const tess_die_type *d = &p->types[x->type].u.die;
        const tess_technology_type *t = tess_technology_of(p, d);
        tess_area_parts parts = {0};
        const double area = tess_die_area_in(p, &adj, (uint32_t)i, &parts);
        add_parts(&out->area, &parts);
        out->area_m2 += area;
        if (area > out->largest_die_m2) {
            out->largest_die_m2 = area;
            out->largest_die = (uint32_t)i;
        }
        if (!t || !(area > 0)) continue;
        out->accounted = 1;
        double y;
        const double usd = good_die_cost(t, d, area, &parts, &y);
        if (y < out->worst_die_yield) out->worst_die_yield = y;
        if (!u) { /* a die packaged alone on organic substrate */
            out->loose_dies++;
            out->dies_usd += usd;
            out->packaging_usd += t->organic_cost * area;
            good_area += area * y;
            continue;
        }
        if (!u->tech) u->tech = t;
        u->dies++;
        u->unused += x->dead != 0;
        u->area += area;
        u->good_die_usd += usd;
        u->yield_area += area * y;
    }
    for (size_t g = 0; g < p->n_groups; g++) {
        const unit_sum *u = &units[g];
        const tess_group *G = &p->groups[g];
        if (!u->tech) continue;
        const tess_technology_type *t = u->tech;
        const double pack = packaging_rate(t, G->packaging) * u->area;
        if (G->packaging == TESS_PACKAGING_WAFER_SCALE) {
            /* the dies never leave the wafer: the unit is good when at most the spares fail;
             * under a job, its spares are the dies the job leaves (a spare that computes
             * is no spare) */
            const uint32_t spares =
                p->spares_by_job && u->unused < G->spare_dies ? u->unused : G->spare_dies;
            const double y = tess_yield_with_spares(u->yield_area / u->area, u->dies, spares);
            if (y < out->worst_wafer_yield) out->worst_wafer_yield = y;
            out->wafers++;
            out->dies_usd += y > 0 ? t->wafer_cost_usd / y : 0;
            out->packaging_usd += y > 0 ? pack / y : 0;
            good_area += u->area * y;
        } else {
            const uint32_t bonded = u->dies + u->memories;
            const double per_bond = G->packaging == TESS_PACKAGING_INTERPOSER
                                        ? t->interposer_bonding_yield
                                        : t->organic_bonding_yield;
            const double y = bonded > 1 ? pow(per_bond, bonded) : 1.0;
            if (y < out->worst_assembly_yield) out->worst_assembly_yield = y;
            out->packages++;
            /* a failed assembly loses its dies, DRAM and packaging together */
            out->dies_usd += u->good_die_usd / y;
            out->packaging_usd += pack / y;
            out->memory_usd += u->memory_usd * (1 / y - 1);
            good_area += u->yield_area * y;
        }
    }
    if (out->area_m2 > 0 && out->accounted) out->yield = good_area / out->area_m2;
    /* network: stand-alone switches by the port, links by the piece (dead ones were built) */
    for (size_t i = 0; i < p->n_instances; i++) {
        const tess_instance *x = &p->instances[i];
        if (x->kind != TESS_KIND_ROUTER || tess_on_die_router(p, (uint32_t)i)) continue;
        const tess_router_type *rt = &p->types[x->type].u.router;
        const uint32_t ports = rt->ports ? rt->ports : adj.start[i + 1] - adj.start[i];
        out->switches++;
        out->switch_ports += ports;
        out->switch_usd += ports * rt->port_cost_usd;
        out->switch_w += rt->switch_power_w;
    }
    /* a circuit switch: its ports, and per attached instance one fibre of its link-type
     * with the module at the instance's end (the switch itself is passive optics) */
    const tess_circuit_switch *cs = p->circuits;
    for (size_t l = 0; l < p->n_links + (cs ? 1 : 0); l++) {
        const int ocs = l == p->n_links;
        if (!ocs && p->links[l].circuit) continue;
        const tess_link_type *lt = &p->types[ocs ? cs->link_type : p->links[l].type].u.link;
        const uint32_t pieces = ocs ? cs->attached : 1;
        if (lt->cost_usd > 0) out->priced_links += pieces;
        out->link_usd += pieces * lt->cost_usd;
        const uint32_t modules = ocs ? tess_circuit_modules(p) : tess_link_modules(lt);
        const double each = lt->transceiver_cost_usd > 0 || lt->xcvr_type == TESS_NONE
                                ? lt->transceiver_cost_usd
                                : p->types[lt->xcvr_type].u.xcvr.cost_usd;
        out->transceivers += modules;
        out->transceiver_usd += modules * each;
    }
    if (cs) {
        out->switches++;
        out->switch_ports += cs->ports;
        out->switch_usd += cs->ports * cs->port_cost_usd;
    }
    out->network_cost_usd = out->switch_usd + out->link_usd + out->transceiver_usd;
    out->transceiver_w = tess_optics_static_power(p); /* live links only: dead ones draw none */
    out->network_power_w = out->switch_w + out->transceiver_w;
    out->cost_usd = out->dies_usd + out->packaging_usd + out->memory_usd + out->network_cost_usd;
    tess_adjacency_free(&adj);
    free(units);
}

void tess_write_cost_json(FILE *f, const tess_platform *p, const tess_cost_report *c,
                          const char *in)
{
    const tess_area_parts *a = &c->area;
    fprintf(f, "%s\"area_mm2\": %.9g,\n", in, c->area_m2 * 1e6);
    fprintf(f,
            "%s\"area_breakdown_mm2\": {\"tensor\": %.9g, \"vector\": %.9g, \"sram\": %.9g, "
            "\"router\": %.9g, \"phy\": %.9g, \"memory_phy\": %.9g, \"uncore\": %.9g, "
            "\"spare_cores\": %.9g, \"given\": %.9g, \"largest_die\": %.9g, "
            "\"largest_die_path\": \"%s\"},\n",
            in, a->tensor * 1e6, a->vector * 1e6, a->sram * 1e6, a->router * 1e6, a->phy * 1e6,
            a->memory_phy * 1e6, a->uncore * 1e6, a->spare_cores * 1e6, a->given * 1e6,
            c->largest_die_m2 * 1e6,
            c->largest_die == TESS_NONE ? "" : p->instances[c->largest_die].path);
    fprintf(f, "%s\"yield\": %.9g,\n", in, c->yield);
    fprintf(f,
            "%s\"yield_breakdown\": {\"worst_die\": %.9g, \"worst_package_assembly\": %.9g, "
            "\"worst_wafer\": %.9g, \"packages\": %u, \"wafers\": %u, \"loose_dies\": %u},\n",
            in, c->worst_die_yield, c->worst_assembly_yield, c->worst_wafer_yield, c->packages,
            c->wafers, c->loose_dies);
    fprintf(f, "%s\"cost_usd\": %.9g,\n", in, c->cost_usd);
    fprintf(f,
            "%s\"cost_breakdown_usd\": {\"dies\": %.9g, \"packaging\": %.9g, \"memory\": %.9g, "
            "\"network\": %.9g},\n",
            in, c->dies_usd, c->packaging_usd, c->memory_usd, c->network_cost_usd);
    fprintf(f, "%s\"network_cost_usd\": %.9g,\n", in, c->network_cost_usd);
    fprintf(f,
            "%s\"network_cost_breakdown_usd\": {\"switches\": %.9g, \"links\": %.9g, "
            "\"transceivers\": %.9g, \"switch_count\": %llu, \"switch_ports\": %llu, "
            "\"priced_links\": %llu, \"transceiver_count\": %llu},\n",
            in, c->switch_usd, c->link_usd, c->transceiver_usd, (unsigned long long)c->switches,
            (unsigned long long)c->switch_ports, (unsigned long long)c->priced_links,
            (unsigned long long)c->transceivers);
    fprintf(f, "%s\"network_power_w\": %.9g,\n", in, c->network_power_w);
    fprintf(f, "%s\"network_power_breakdown_w\": {\"switches\": %.9g, \"transceivers\": %.9g},\n",
            in, c->switch_w, c->transceiver_w);
}
