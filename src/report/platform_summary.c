/* Platform summary: see platform_summary.h. */
#include "report/platform_summary.h"

#include <stdlib.h>

#include "config/fields.h"

static const char *topology_name(tess_topology t)
{
    switch (t) {
    case TESS_TOPO_MESH:
        return "mesh";
    case TESS_TOPO_TORUS:
        return "torus";
    case TESS_TOPO_SWITCH:
        return "switch";
    case TESS_TOPO_FAT_TREE:
        return "fat-tree";
    case TESS_TOPO_RAIL_ONLY:
        return "rail-only";
    case TESS_TOPO_RING:
        return "ring";
    case TESS_TOPO_DRAGONFLY:
        return "dragonfly";
    }
    return "?";
}

static void print_type(const tess_platform *p, uint32_t ti, FILE *out)
{
    const tess_type *t = &p->types[ti];
    if (t->file == TESS_NONE)
        fprintf(out, "  %-12s %s (line %ld):", tess_kind_type_element(t->kind), t->name, t->line);
    else /* from an included library */
        fprintf(out, "  %-12s %s (%s:%ld):", tess_kind_type_element(t->kind), t->name,
                tess_type_file(p, ti), t->line);
    size_t nf;
    const tess_field_spec *f = tess_fields_of(t->kind, &nf);
    for (size_t i = 0; i < nf; i++) {
        char value[64];
        tess_field_format(&f[i], tess_type_struct_const(t), value, sizeof value);
        fprintf(out, "%s %s=%s", i ? "," : "", f[i].attr, value);
    }
    if (t->kind == TESS_KIND_MEMORY) {
        char bw[64];
        tess_format_quantity(tess_memory_peak_bandwidth(&t->u.memory), TESS_DIM_BANDWIDTH, bw,
                             sizeof bw);
        fprintf(out, " (peak %s)", bw);
    }
    fputc('\n', out);
}

/* Lists the names whose bit is (documented: is not) set in `assumed` among those `set`. */
static void print_names(const char *const *names, uint32_t set, uint32_t assumed, int want,
                        FILE *out)
{
    int any = 0;
    for (int i = 0; names[i]; i++)
        if ((set & (1u << i)) && !!(assumed & (1u << i)) == want) {
            fprintf(out, "%s%s", any ? ", " : " ", names[i]);
            any = 1;
        }
    if (!any) fprintf(out, " none");
}

/* Which of each die-type's and link-type's efficiency figures are cited measurements and
 * which stand on assumptions (the types' `assumed` attribute), and which are not set
 * (ideal). */
static void print_efficiencies(const tess_platform *p, FILE *out)
{
    fprintf(out, "efficiencies (documented: cited measurements; assumed: the preset says so; "
                 "ideal: not set):\n");
    for (size_t i = 0; i < p->n_types; i++) {
        const tess_type *t = &p->types[i];
        uint32_t set = 0, assumed = 0, unset_mask = ~0u;
        const char *const *names = NULL;
        if (t->kind == TESS_KIND_DIE) {
            const tess_die_type *d = &t->u.die;
            if (d->compute != TESS_COMPUTE_GPU) {
                fprintf(out, "  die-type %s: systolic arrays, ideal (no measured efficiency)\n",
                        t->name);
                continue;
            }
            names = tess_die_efficiency_names;
            const int given[] = {
                d->gemm_ceiling > 0,  d->cta_tiles.n > 0,
                d->align_bytes > 0,   d->unaligned_efficiency<1, d->kernel_launch_s> 0,
                d->stream_rate > 0,   d->gemm_ceiling_fp8 > 0,
                d->collective_sms > 0};
            for (int k = 0; k < 8; k++)
                set |= given[k] ? 1u << k : 0;
            /* a die without an fp8 rate has none: not an ideal one */
            if (!(d->gemm_ceiling_fp8 > 0)) unset_mask &= ~(1u << 6);
            assumed = d->assumed;
        } else if (t->kind == TESS_KIND_LINK) {
            const tess_link_type *l = &t->u.link;
            names = tess_link_efficiency_names;
            set = (l->collective_efficiency < 1 ? 1u : 0) | (l->collective_step_s > 0 ? 2u : 0);
            assumed = l->assumed;
            if (!set) continue; /* links without collective figures: nothing to say */
        } else {
            continue;
        }
        fprintf(out, "  %s %s: documented", tess_kind_type_element(t->kind), t->name);
        print_names(names, set, assumed, 0, out);
        fprintf(out, "; assumed");
        print_names(names, set, assumed, 1, out);
        fprintf(out, "; ideal");
        print_names(names, ~set & unset_mask, 0, 0, out);
        fprintf(out, "\n");
    }
}

void tess_platform_print_summary(const tess_platform *p, FILE *out)
{
    fprintf(out, "platform '%s' (%s): valid\n", p->name, p->file);

    fprintf(out, "parameters: %zu\n", p->n_params);
    for (size_t i = 0; i < p->n_params; i++) {
        const tess_param *prm = &p->params[i];
        if (prm->overridden)
            fprintf(out, "  %s = %s  (--set; default %s)\n", prm->name, prm->value,
                    prm->default_text);
        else
            fprintf(out, "  %s = %s\n", prm->name, prm->value);
    }

    fprintf(out, "templates: %zu\n", p->n_types);
    for (size_t i = 0; i < p->n_types; i++)
        print_type(p, (uint32_t)i, out);

    print_efficiencies(p, out);

    size_t live = 0, per_kind[TESS_KIND_COUNT_] = {0};
    size_t *per_type = calloc(p->n_types ? p->n_types : 1, sizeof *per_type);
    for (size_t i = 0; i < p->n_instances; i++) {
        const tess_instance *inst = &p->instances[i];
        if (inst->dead) continue;
        live++;
        per_kind[inst->kind]++;
        if (per_type) per_type[inst->type]++;
    }
    fprintf(out, "instances: %zu live of %zu (%zu die, %zu router, %zu memory)\n", live,
            p->n_instances, per_kind[TESS_KIND_DIE], per_kind[TESS_KIND_ROUTER],
            per_kind[TESS_KIND_MEMORY]);
    for (size_t t = 0; per_type && t < p->n_types; t++)
        if (per_type[t])
            fprintf(out, "  %6zu x %s %s\n", per_type[t], tess_kind_name(p->types[t].kind),
                    p->types[t].name);
    for (size_t i = 0; i < p->n_instances; i++)
        if (p->instances[i].dead)
            fprintf(out, "  dead: %s%s%s%s\n", p->instances[i].path,
                    p->instances[i].dead != TESS_DEAD_GIVEN ? " (" : "",
                    p->instances[i].dead != TESS_DEAD_GIVEN
                        ? tess_dead_reason_name(p->instances[i].dead)
                        : "",
                    p->instances[i].dead != TESS_DEAD_GIVEN ? ")" : "");
    if (p->defect_seed) fprintf(out, "  defect map drawn with seed %u\n", p->defect_seed);

    for (size_t i = 0; per_type && i < p->n_types; i++)
        per_type[i] = 0;
    size_t live_links = 0, router_links = 0;
    for (size_t k = 0; k < p->n_links; k++) {
        const tess_link *l = &p->links[k];
        if (l->dead) continue;
        live_links++;
        router_links += p->instances[l->a].kind == TESS_KIND_ROUTER &&
                        p->instances[l->b].kind == TESS_KIND_ROUTER;
        if (per_type) per_type[l->type]++;
    }
    fprintf(out, "links: %zu live of %zu (%zu router-router, %zu to endpoints), bidirectional\n",
            live_links, p->n_links, router_links, live_links - router_links);
    for (size_t t = 0; per_type && t < p->n_types; t++)
        if (per_type[t]) fprintf(out, "  %6zu x link %s\n", per_type[t], p->types[t].name);
    for (size_t k = 0; k < p->n_links; k++) {
        const tess_link *l = &p->links[k];
        if (l->dead)
            fprintf(out, "  dead: %s <-> %s\n", p->instances[l->a].path, p->instances[l->b].path);
    }
    free(per_type);

    fprintf(out, "generators: %zu\n", p->n_grids);
    for (size_t g = 0; g < p->n_grids; g++) {
        const tess_grid *grid = &p->grids[g];
        if (grid->topology == TESS_TOPO_SWITCH || grid->topology == TESS_TOPO_RING)
            fprintf(out, "  %s %s: %u dies, %u instances, %u links (line %ld)\n",
                    topology_name(grid->topology), grid->name, grid->cols, grid->instance_count,
                    grid->link_count, grid->line);
        else if (grid->topology == TESS_TOPO_DRAGONFLY)
            fprintf(out, "  %s %s: %u groups of %u routers, %u instances, %u links (line %ld)\n",
                    topology_name(grid->topology), grid->name, grid->rows, grid->cols,
                    grid->instance_count, grid->link_count, grid->line);
        else if (!tess_topology_has_coordinates(grid->topology))
            fprintf(out, "  %s %s: %u domains of %u dies, %u instances, %u links (line %ld)\n",
                    topology_name(grid->topology), grid->name, grid->rows, grid->cols,
                    grid->instance_count, grid->link_count, grid->line);
        else
            fprintf(out, "  %s %s: %u x %u, %u instances, %u links (line %ld)\n",
                    topology_name(grid->topology), grid->name, grid->rows, grid->cols,
                    grid->instance_count, grid->link_count, grid->line);
    }
    fprintf(out, "routes: every live die reaches every other live die (%zu dies)\n",
            per_kind[TESS_KIND_DIE]);
}
