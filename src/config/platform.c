/* Platform struct ownership and look-ups: see platform.h. */
#include "config/platform.h"

#include <stdlib.h>
#include <string.h>

const char *tess_kind_type_element(tess_kind kind)
{
    static const char *const names[] = {"die-type",    "router-type",     "link-type",
                                        "memory-type", "technology-type", "xcvr-type"};
    return kind < TESS_KIND_COUNT_ ? names[kind] : "?";
}

const char *tess_kind_name(tess_kind kind)
{
    static const char *const names[] = {"die",    "router",     "link",
                                        "memory", "technology", "transceiver"};
    return kind < TESS_KIND_COUNT_ ? names[kind] : "?";
}

const char *const tess_scope_level_names[] = {"package",    "wafer",  "node",     "cluster",
                                              "datacenter", "region", "platform", NULL};

const char *tess_scope_level_name(int level)
{
    return level >= 0 && level <= TESS_SCOPE_LEVELS ? tess_scope_level_names[level] : "?";
}

void tess_platform_free(tess_platform *p)
{
    if (!p) return;
    free(p->name);
    free(p->file);
    for (size_t i = 0; i < p->n_types; i++)
        free(p->types[i].name);
    for (size_t i = 0; i < p->n_instances; i++)
        free(p->instances[i].path);
    for (size_t i = 0; i < p->n_grids; i++)
        free(p->grids[i].name);
    for (size_t i = 0; i < p->n_params; i++) {
        free(p->params[i].name);
        free(p->params[i].value);
        free(p->params[i].default_text);
    }
    for (size_t i = 0; i < p->n_groups; i++)
        free(p->groups[i].path);
    for (size_t i = 0; i < p->n_includes; i++)
        free(p->includes[i].path);
    if (p->circuits) {
        free(p->circuits->name);
        for (uint32_t k = 0; k < p->circuits->n_configs; k++)
            free(p->circuits->config_names[k]);
        free(p->circuits->config_names);
        free(p->circuits->config_lines);
        free(p->circuits);
    }
    free(p->groups);
    free(p->includes);
    free(p->types);
    free(p->instances);
    free(p->links);
    free(p->grids);
    free(p->params);
    memset(p, 0, sizeof *p);
}

/* Grows *array (elements of size elem) so that index *count fits; 0 or -1. */
static int reserve(void **array, size_t *cap, size_t count, size_t elem)
{
    if (count < *cap) return 0;
    size_t grown = *cap ? 2 * *cap : 16;
    void *bigger = realloc(*array, grown * elem);
    if (!bigger) return -1;
    *array = bigger;
    *cap = grown;
    return 0;
}

#define APPEND(p, arr, n, cap, item)                                                               \
    do {                                                                                           \
        if (reserve((void **)&(p)->arr, &(p)->cap, (p)->n, sizeof *(p)->arr) != 0)                 \
            return TESS_NONE;                                                                      \
        (p)->arr[(p)->n] = *(item);                                                                \
        return (uint32_t)(p)->n++;                                                                 \
    } while (0)

uint32_t tess_platform_add_type(tess_platform *p, const tess_type *t)
{
    APPEND(p, types, n_types, cap_types, t);
}
uint32_t tess_platform_add_instance(tess_platform *p, const tess_instance *inst)
{
    APPEND(p, instances, n_instances, cap_instances, inst);
}
uint32_t tess_platform_add_link(tess_platform *p, const tess_link *link)
{
    APPEND(p, links, n_links, cap_links, link);
}
uint32_t tess_platform_add_grid(tess_platform *p, const tess_grid *grid)
{
    APPEND(p, grids, n_grids, cap_grids, grid);
}
uint32_t tess_platform_add_param(tess_platform *p, const tess_param *param)
{
    APPEND(p, params, n_params, cap_params, param);
}

uint32_t tess_platform_add_group(tess_platform *p, const tess_group *group)
{
    APPEND(p, groups, n_groups, cap_groups, group);
}
uint32_t tess_platform_add_include(tess_platform *p, const tess_include *inc)
{
    APPEND(p, includes, n_includes, cap_includes, inc);
}

const char *tess_type_file(const tess_platform *p, uint32_t type)
{
    const uint32_t f = p->types[type].file;
    return f < p->n_includes ? p->includes[f].path : p->file ? p->file : "";
}

uint32_t tess_platform_find_instance(const tess_platform *p, const char *path)
{
    for (size_t i = 0; i < p->n_instances; i++)
        if (strcmp(p->instances[i].path, path) == 0) return (uint32_t)i;
    return TESS_NONE;
}

uint32_t tess_platform_find_type(const tess_platform *p, const char *name)
{
    for (size_t i = 0; i < p->n_types; i++)
        if (strcmp(p->types[i].name, name) == 0) return (uint32_t)i;
    return TESS_NONE;
}

uint32_t tess_platform_find_param(const tess_platform *p, const char *name)
{
    for (size_t i = 0; i < p->n_params; i++)
        if (strcmp(p->params[i].name, name) == 0) return (uint32_t)i;
    return TESS_NONE;
}

const char *tess_dead_reason_name(int dead)
{
    switch (dead) {
    case TESS_DEAD_GIVEN:
        return "given";
    case TESS_DEAD_DRAWN:
        return "drawn";
    case TESS_DEAD_CUT_OFF:
        return "cut-off";
    case TESS_DEAD_SPARE:
        return "spare";
    default:
        return "";
    }
}

void tess_platform_settle_dead(tess_platform *p, int cut_memories)
{
    for (size_t k = 0; k < p->n_links; k++) {
        tess_link *l = &p->links[k];
        if (p->instances[l->a].dead || p->instances[l->b].dead) l->dead = 1;
    }
    if (!cut_memories) return;
    /* every live memory cut off, then back alive where a live link reaches it (its links'
     * states were settled above, so marking it does not change them) */
    for (size_t i = 0; i < p->n_instances; i++)
        if (p->instances[i].kind == TESS_KIND_MEMORY && !p->instances[i].dead)
            p->instances[i].dead = TESS_DEAD_CUT_OFF;
    for (size_t k = 0; k < p->n_links; k++) {
        if (p->links[k].dead) continue;
        tess_instance *ends[2] = {&p->instances[p->links[k].a], &p->instances[p->links[k].b]};
        for (int e = 0; e < 2; e++)
            if (ends[e]->kind == TESS_KIND_MEMORY && ends[e]->dead == TESS_DEAD_CUT_OFF)
                ends[e]->dead = 0;
    }
}

size_t tess_platform_live_links(const tess_platform *p)
{
    size_t n = 0;
    for (size_t i = 0; i < p->n_links; i++)
        n += !p->links[i].dead;
    return n;
}

size_t tess_platform_count(const tess_platform *p, tess_kind kind, int include_dead)
{
    size_t n = 0;
    for (size_t i = 0; i < p->n_instances; i++)
        if (p->instances[i].kind == kind && (include_dead || !p->instances[i].dead)) n++;
    return n;
}

double tess_memory_peak_bandwidth(const tess_memory_type *m)
{
    return (double)m->channels * (double)m->bus_width_bits / 8.0 * m->data_rate;
}

uint64_t tess_memory_burst_bytes(const tess_memory_type *m)
{
    return (uint64_t)m->bus_width_bits * m->burst_length / 8;
}

double tess_memory_clock(const tess_memory_type *m)
{
    return m->clock_hz > 0 ? m->clock_hz : m->data_rate / 2;
}

double tess_latency_seconds(tess_latency l, double clock_hz)
{
    return l.seconds > 0 ? l.seconds : l.cycles / clock_hz;
}

double tess_dram_energy_per_bit(const tess_platform *p)
{
    double e_bit = 0;
    unsigned mems = 0;
    for (size_t i = 0; i < p->n_instances; i++)
        if (p->instances[i].kind == TESS_KIND_MEMORY && !p->instances[i].dead) {
            const tess_memory_type *m = &p->types[p->instances[i].type].u.memory;
            e_bit += (m->read_energy + m->write_energy) / 2;
            mems++;
        }
    return mems ? e_bit / mems : 0;
}

int tess_topology_has_coordinates(tess_topology t)
{
    return t == TESS_TOPO_MESH || t == TESS_TOPO_TORUS;
}

double tess_xcvr_bandwidth(const tess_xcvr_type *x)
{
    return (double)x->lanes * x->wavelengths * x->lane_rate;
}

double tess_xcvr_latency(const tess_xcvr_type *x, double length_m)
{
    return x->eo_s + x->fec_s + length_m * TESS_FIBRE_DELAY_S_PER_M + x->oe_s;
}

uint32_t tess_circuit_modules(const tess_platform *p)
{
    const tess_circuit_switch *cs = p->circuits;
    return cs ? cs->attached * ((tess_link_modules(&p->types[cs->link_type].u.link) + 1) / 2) : 0;
}

uint32_t tess_link_modules(const tess_link_type *l)
{
    return l->transceivers ? l->transceivers : l->xcvr_type != TESS_NONE ? 2 : 0;
}

double tess_die_macs(const tess_die_type *d)
{
    if (d->compute == TESS_COMPUTE_GPU) return d->sms * d->sm_flops / 2.0;
    return (double)d->tensor_arrays * d->tensor_rows * d->tensor_cols;
}

double tess_die_peak_flops(const tess_die_type *d)
{
    return 2.0 * tess_die_macs(d) * d->clock_hz;
}

double tess_sram_energy_per_byte(const tess_die_type *d)
{
    return 4.0 * (d->sram_read_energy + d->sram_write_energy);
}

double tess_link_module_power(const tess_platform *p, const tess_link_type *l)
{
    if (l->transceiver_power_w > 0 || l->xcvr_type == TESS_NONE) return l->transceiver_power_w;
    const tess_xcvr_type *x = &p->types[l->xcvr_type].u.xcvr;
    return x->laser_power_w + x->tuning_power_w;
}

double tess_optics_static_power(const tess_platform *p)
{
    double w = 0;
    const tess_circuit_switch *cs = p->circuits;
    if (cs)
        w += tess_circuit_modules(p) * tess_link_module_power(p, &p->types[cs->link_type].u.link);
    for (size_t i = 0; i < p->n_links; i++) {
        const tess_link_type *lt = &p->types[p->links[i].type].u.link;
        if (p->links[i].dead || p->links[i].circuit) continue;
        w += tess_link_modules(lt) * tess_link_module_power(p, lt);
    }
    return w;
}

size_t tess_die_memories(const tess_platform *p, uint32_t die, uint32_t *out, int *shared)
{
    size_t n = 0;
    for (size_t k = 0; k < p->n_links; k++) {
        const tess_link *l = &p->links[k];
        const uint32_t other = l->a == die ? l->b : l->b == die ? l->a : TESS_NONE;
        if (!l->dead && other != TESS_NONE && p->instances[other].kind == TESS_KIND_MEMORY &&
            !p->instances[other].dead)
            out[n++] = other;
    }
    *shared = n == 0;
    for (size_t i = 0; *shared && i < p->n_instances; i++)
        if (p->instances[i].kind == TESS_KIND_MEMORY && !p->instances[i].dead)
            out[n++] = (uint32_t)i;
    return n;
}
