/* Yield, the defect map drawn from it, and idle spare dies: see yield.h. */
#include "config/yield.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tessera/tessera.h"

double tess_die_yield(tess_yield_model model, double area_m2, double d0, double alpha)
{
    const double ad = area_m2 * d0;
    switch (model) {
    case TESS_YIELD_MURPHY: {
        if (ad < 1e-12) return 1.0;
        const double f = (1.0 - exp(-ad)) / ad;
        return f * f;
    }
    case TESS_YIELD_POISSON:
        return exp(-ad);
    case TESS_YIELD_NEGATIVE_BINOMIAL:
    default:
        return pow(1.0 + ad / alpha, -alpha);
    }
}

double tess_yield_with_spares(double y, uint32_t n, uint32_t spares)
{
    /* sum over k = 0..spares of C(n,k) (1-y)^k y^(n-k), terms built in logs so that
     * thousands of dies neither overflow C(n,k) nor underflow y^n early */
    if (y >= 1.0) return 1.0;
    if (y <= 0.0) return n == 0 || spares >= n ? 1.0 : 0.0;
    const double ly = log(y), lq = log1p(-y);
    double sum = 0, lc = 0; /* log C(n, k) */
    for (uint32_t k = 0; k <= spares && k <= n; k++) {
        if (k > 0) lc += log((double)(n - k + 1)) - log((double)k);
        sum += exp(lc + k * lq + (double)(n - k) * ly);
    }
    return sum < 1.0 ? sum : 1.0;
}

double tess_core_redundant_yield(const tess_technology_type *t, double area, double cores,
                                 uint32_t rows, uint32_t cols, uint32_t spares)
{
    const tess_yield_model m = t->yield_model;
    const double d0 = t->defect_density, alpha = t->clustering;
    if (rows == 0 || cols == 0 || !(cores > 0)) return tess_die_yield(m, area, d0, alpha);
    const uint32_t n = cols + spares;
    const double core = tess_die_yield(m, cores / ((double)rows * n), d0, alpha);
    return tess_die_yield(m, area - cores, d0, alpha) *
           pow(tess_yield_with_spares(core, n, spares), (double)rows);
}

double tess_die_parts_yield(const tess_technology_type *t, const tess_die_type *d, double area,
                            const tess_area_parts *parts)
{
    return tess_core_redundant_yield(
        t, area, parts->tensor + parts->vector + parts->sram + parts->spare_cores, d->core_rows,
        d->core_cols, d->spare_cores);
}

/* SplitMix64 (Steele, Lea and Flood 2014): one uniform in [0, 1) a call, 53 bits. */
static double next_uniform(uint64_t *state)
{
    uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    return (double)(z >> 11) * (1.0 / 9007199254740992.0);
}

static int on_wafer(const tess_platform *p, const tess_instance *x)
{
    return x->kind == TESS_KIND_DIE && x->group != TESS_NONE &&
           p->groups[x->group].packaging == TESS_PACKAGING_WAFER_SCALE;
}

/* One wafer's dead dies named in the message, the first few of them. */
static void name_dead(const tess_platform *p, uint32_t group, char *buf, size_t len)
{
    size_t at = 0, shown = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < p->n_instances && at + 1 < len; i++) {
        const tess_instance *x = &p->instances[i];
        if (x->group != group || x->kind != TESS_KIND_DIE || !x->dead) continue;
        int n = shown < 6 ? snprintf(buf + at, len - at, "%s%s", shown ? ", " : "", x->path)
                          : snprintf(buf + at, len - at, ", ...");
        if (n < 0) break;
        at += (size_t)n < len - at ? (size_t)n : len - at - 1;
        if (++shown > 6) break;
    }
}

/* Dies the map left alive but cut off from the rest (their routers' neighbours dead): every
 * live die linked to routers of which none is in the network part (routers joined by live
 * links) holding the most dies is lost too (TESS_DEAD_CUT_OFF). 0, or -1 out of memory. */
static int cut_off_islands(tess_platform *p, const tess_adjacency *adj)
{
    const size_t n = p->n_instances;
    uint32_t *part = malloc((n + 1) * sizeof *part), *queue = malloc((n + 1) * sizeof *queue);
    uint32_t *dies = calloc(n + 1, sizeof *dies);
    if (!part || !queue || !dies) {
        free(part);
        free(queue);
        free(dies);
        return -1;
    }
    for (size_t i = 0; i < n; i++)
        part[i] = TESS_NONE;
    uint32_t parts = 0;
    for (size_t i = 0; i < n; i++) { /* routers joined by live links, breadth first */
        if (p->instances[i].kind != TESS_KIND_ROUTER || p->instances[i].dead ||
            part[i] != TESS_NONE)
            continue;
        size_t head = 0, tail = 0;
        part[i] = parts;
        queue[tail++] = (uint32_t)i;
        while (head < tail) {
            const uint32_t r = queue[head++];
            for (uint32_t k = adj->start[r]; k < adj->start[r + 1]; k++) {
                const tess_link *l = &p->links[adj->links[k]];
                const uint32_t o = l->a == r ? l->b : l->a;
                if (l->dead || p->instances[o].kind != TESS_KIND_ROUTER || part[o] != TESS_NONE)
                    continue;
                part[o] = parts;
                queue[tail++] = o;
            }
        }
        parts++;
    }
    for (size_t i = 0; i < n; i++) /* each live die counts in every part it touches */
        for (uint32_t k = adj->start[i]; p->instances[i].kind == TESS_KIND_DIE &&
                                         !p->instances[i].dead && k < adj->start[i + 1];
             k++) {
            const tess_link *l = &p->links[adj->links[k]];
            const uint32_t o = l->a == i ? l->b : l->a;
            if (!l->dead && part[o] != TESS_NONE) dies[part[o]]++;
        }
    uint32_t best = 0;
    for (uint32_t c = 1; c < parts; c++)
        if (dies[c] > dies[best]) best = c;
    for (size_t i = 0; parts > 1 && i < n; i++) {
        tess_instance *x = &p->instances[i];
        if (x->kind != TESS_KIND_DIE || x->dead) continue;
        int joined = 0, routed = 0; /* a die joined to no router (die to die) is left be */
        for (uint32_t k = adj->start[i]; k < adj->start[i + 1] && !joined; k++) {
            const tess_link *l = &p->links[adj->links[k]];
            const uint32_t o = l->a == i ? l->b : l->a;
            routed |= !l->dead && part[o] != TESS_NONE;
            joined = !l->dead && part[o] == best;
        }
        if (routed && !joined) x->dead = TESS_DEAD_CUT_OFF;
    }
    free(part);
    free(queue);
    free(dies);
    return 0;
}

int tess_draw_defects(tess_platform *p, uint32_t seed, long line, tess_diag *diag)
{
    tess_adjacency adj = {0};
    uint32_t *dead = calloc(p->n_groups + 1, sizeof *dead);
    if (!dead || tess_adjacency_build(p, &adj) != 0) {
        free(dead);
        tess_adjacency_free(&adj);
        return TESS_ENOMEM;
    }
    uint64_t state = seed;
    int rc = 0, any = 0;
    for (size_t i = 0; i < p->n_instances; i++) {
        tess_instance *x = &p->instances[i];
        if (!on_wafer(p, x)) continue;
        any = 1;
        const double u_router = next_uniform(&state), u_rest = next_uniform(&state);
        const tess_die_type *d = &p->types[x->type].u.die;
        const tess_technology_type *t = tess_technology_of(p, d);
        tess_area_parts parts = {0};
        const double area = tess_die_area_in(p, &adj, (uint32_t)i, &parts);
        if (!t || !(area > 0)) {
            tess_diag_add(diag, p->file, line,
                          "<defects seed=\"%u\">: die '%s' (die-type '%s') names no "
                          "technology-type, so its yield, and the defect map, are unknown",
                          seed, x->path, p->types[x->type].name);
            rc = TESS_EINVAL;
            break;
        }
        const double y = tess_die_parts_yield(t, d, area, &parts);
        const uint32_t router = tess_tile_router(p, (uint32_t)i);
        const double y_router =
            router != TESS_NONE && parts.router > 0
                ? tess_die_yield(t->yield_model, parts.router, t->defect_density, t->clustering)
                : 1.0;
        if (u_router >= y_router) {
            if (!p->instances[router].dead) p->instances[router].dead = TESS_DEAD_DRAWN;
            if (!x->dead) x->dead = TESS_DEAD_DRAWN;
        } else if (u_rest >= y / y_router && !x->dead) {
            x->dead = TESS_DEAD_DRAWN;
        }
    }
    if (rc == 0) { /* what the dead routers cut off is lost too */
        tess_platform_settle_dead(p, 0);
        if (cut_off_islands(p, &adj) != 0) rc = TESS_ENOMEM;
    }
    for (size_t i = 0; rc == 0 && i < p->n_instances; i++)
        if (on_wafer(p, &p->instances[i]) && p->instances[i].dead) dead[p->instances[i].group]++;
    if (rc == 0 && !any) {
        tess_diag_add(diag, p->file, line,
                      "<defects seed=\"%u\">: platform '%s' has no wafer-scale unit (<wafer "
                      "packaging=\"wafer-scale\">); other dies are tested before assembly, so no "
                      "map is drawn for them",
                      seed, p->name);
        rc = TESS_EINVAL;
    }
    for (size_t g = 0; rc == 0 && g < p->n_groups; g++) {
        if (dead[g] <= p->groups[g].spare_dies) continue;
        char names[512];
        name_dead(p, (uint32_t)g, names, sizeof names);
        tess_diag_add(diag, p->file, line,
                      "<defects seed=\"%u\">: the map drawn kills %u dies of wafer '%s' (%s), "
                      "more than its %u spare-dies: the yield discards such a wafer (draw "
                      "another seed)",
                      seed, dead[g], p->groups[g].path, names, p->groups[g].spare_dies);
        rc = TESS_EINVAL;
    }
    free(dead);
    tess_adjacency_free(&adj);
    if (rc == 0) {
        p->defect_seed = seed;
        tess_platform_settle_dead(p, 1);
    }
    return rc;
}

/* A live memory linked to die i by a live link. */
static int has_memory(const tess_platform *p, const tess_adjacency *adj, uint32_t i)
{
    for (uint32_t k = adj->start[i]; k < adj->start[i + 1]; k++) {
        const tess_link *l = &p->links[adj->links[k]];
        const uint32_t o = l->a == i ? l->b : l->a;
        if (!l->dead && p->instances[o].kind == TESS_KIND_MEMORY && !p->instances[o].dead) return 1;
    }
    return 0;
}

int tess_idle_spare_dies(tess_platform *p, uint64_t ranks)
{
    const uint64_t live = tess_platform_count(p, TESS_KIND_DIE, 0);
    if (live <= ranks) return 0;
    uint64_t excess = live - ranks;
    /* each wafer's room for idle spares: its spare-dies less its dead dies */
    uint64_t room = 0;
    uint32_t *left = calloc(p->n_groups + 1, sizeof *left);
    if (!left) return TESS_ENOMEM;
    for (size_t g = 0; g < p->n_groups; g++)
        if (p->groups[g].packaging == TESS_PACKAGING_WAFER_SCALE) left[g] = p->groups[g].spare_dies;
    for (size_t i = 0; i < p->n_instances; i++) {
        const tess_instance *x = &p->instances[i];
        if (on_wafer(p, x) && x->dead && left[x->group] > 0) left[x->group]--;
    }
    for (size_t g = 0; g < p->n_groups; g++)
        room += left[g];
    tess_adjacency adj = {0};
    const int rc = room < excess                        ? TESS_EINVAL
                   : tess_adjacency_build(p, &adj) != 0 ? TESS_ENOMEM
                                                        : 1;
    /* dies without a memory of their own first, so that no memory is lost with them */
    for (int pass = 0; rc == 1 && pass < 2; pass++)
        for (size_t i = p->n_instances; i-- > 0 && excess > 0;) {
            tess_instance *x = &p->instances[i];
            if (!on_wafer(p, x) || x->dead || left[x->group] == 0) continue;
            if (pass == 0 && has_memory(p, &adj, (uint32_t)i)) continue;
            x->dead = TESS_DEAD_SPARE;
            left[x->group]--;
            excess--;
        }
    free(left);
    tess_adjacency_free(&adj);
    if (rc == 1) tess_platform_settle_dead(p, 1);
    return rc;
}
