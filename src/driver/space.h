/* Design spaces: a platform, a workload, and the points to evaluate them at.
 *
 *   <space name="tp-sweep" platform="../platforms/default.xml"
 *          workload="../workloads/default.xml" time-limit="10min">
 *     <param name="workload.tp" values="1 2 4"/>        a grid: every combination
 *     <param name="k" from="2" to="8" step="2"/>
 *     <point set="workload.tp=2 k=4"/>                  or listed points
 *     <points file="points.csv"/>                       or a CSV: a header of names
 *     <constraint test="workload.tp * workload.pp == 16"/>  keeps the points where true
 *   </space>
 *
 * A space with <param>s is the grid of their values (the first param varies slowest);
 * <point>s and a <points> file add listed points after the grid. Paths are relative to
 * the space file. Point ids number the grid's points, then the listed ones, from 0.
 * Constraints (src/config/expr.h) drop points without renumbering the others, so that an
 * edited constraint keeps every other point's id. memory-fidelity on <space> is the memory
 * fidelity every point is evaluated at (tessera run --memory-fidelity): "burst" (memory in
 * the loop) by default.
 *
 * Nothing is enumerated at load: a point's values follow from its id (the grid's mixed
 * radix), and its constraints are evaluated when asked, so a space of 1e9 points costs the
 * memory of its axes and listed points. Load evaluates the constraints on the first grid
 * point and on every listed point, so that a constraint naming an unknown or unset name is
 * refused there; one that fails on other values is an error where it is met.
 *
 * For `tessera explore`: <objective metric="energy_j" goal="minimize"/> (a metric name of
 * tess_metric; checked by tess_space_open in the C API), <limit metric="power_w"
 * max="800"/> (min and/or max, in the metric's unit: a point whose evaluation breaks it is
 * infeasible), and on <space> a budget (simulator runs) and a calibration file for the
 * analytical model (relative to the space file). */
#ifndef TESS_SPACE_H
#define TESS_SPACE_H

#include <stddef.h>

#include "config/diag.h"

/* The most point ids a design space may have (grid and listed points, before
 * constraints): ids stay exact in a double (CSV readers, Python). Past it the space is
 * refused at load, naming the <param>. */
#define TESS_MAX_SPACE_POINTS 1000000000000000ull /* 1e15 */
/* The most point ids `tessera sweep` takes: it evaluates every point. */
#define TESS_MAX_SWEEP_POINTS 1000000u
/* The most values one <param> may list or step through (they are held as text). */
#define TESS_MAX_AXIS_VALUES 1000000u

typedef struct tess_space {
    char name[64];
    char platform[1024], workload[1024];
    double time_limit_s;
    int memory_fidelity; /* tess_mem_fidelity every point is evaluated at (burst by default) */
    char path[1024];     /* the space file, for messages */
    size_t n_names;
    char **names; /* parameter names: the CSV's columns */
    size_t n_axes;
    struct tess_space_axis {
        size_t name;   /* index into names */
        size_t n;      /* values, at most TESS_MAX_AXIS_VALUES */
        size_t stride; /* ids between consecutive values: the product of later axes */
        char **values;
    } * axes;        /* the grid: one axis per <param>, the first varies slowest */
    int *name_axis;  /* per name: its axis, or -1 (grid points leave it unset) */
    size_t grid;     /* grid points: the axes' product, 0 without <param>s */
    size_t n_listed; /* listed points (<point>, <points>): ids grid .. grid + n_listed - 1 */
    char ***listed;  /* listed[i][name]: text, "" when the point leaves it unset */
    size_t n_points; /* point ids: grid + n_listed, before constraints */
    size_t n_constraints;
    struct tess_space_constraint {
        char *test;
        long line;
    } * constraints;
    struct tess_space_choices {
        size_t n;
        const char **values; /* distinct, in byte order; "" when some point leaves it unset */
    } * choices;             /* per name: every value a point takes */
    struct {
        char metric[64];
        int maximize;
        long line;
    } objectives[8];
    size_t n_objectives;
    struct {
        char metric[64];
        double min, max; /* -HUGE_VAL / HUGE_VAL when not given */
        long line;
    } limits[8]; /* explore: a point whose evaluation breaks one is infeasible */
    size_t n_limits;
    unsigned budget;        /* simulator runs for explore; 0: not given */
    char calibration[1024]; /* "" when not given */
} tess_space;

int tess_space_load(const char *path, tess_space *out, tess_diag *diag);
void tess_space_free(tess_space *s);

/* A point's value for names[name]: "" when the point leaves it unset. point < n_points. */
const char *tess_space_value_of(const tess_space *s, size_t point, size_t name);
/* Whether every constraint holds at the point: 1 kept, 0 dropped, -1 when a constraint
 * cannot be evaluated there (a message naming the file, the constraint's line and the
 * point added to diag). */
int tess_space_kept(const tess_space *s, size_t point, tess_diag *diag);
/* The id of the point whose values are values[name] (one per name, "" for unset), or
 * SIZE_MAX when the space has none; constraints are not applied. The grid is looked up by
 * its axes, the listed points one by one. */
size_t tess_space_find(const tess_space *s, const char *const *values);

#endif
