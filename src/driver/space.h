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
 * the space file. Constraints (src/config/expr.h) drop points; point ids count from 0 over the
 * points kept, in that order. memory-fidelity on <space> is the memory fidelity every point
 * is evaluated at (tessera run --memory-fidelity): "burst" (memory in the loop) by default.
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

/* The most points a design space may have (its grid's product plus listed points are
 * held in memory): past it the space is refused at load, naming the <param>. */
#define TESS_MAX_SPACE_POINTS 1000000u

typedef struct tess_space {
    char name[64];
    char platform[1024], workload[1024];
    double time_limit_s;
    int memory_fidelity; /* tess_mem_fidelity every point is evaluated at (burst by default) */
    size_t n_names;
    char **names;    /* parameter names: the CSV's columns */
    size_t n_points; /* the points that pass every <constraint> */
    size_t excluded; /* the points a constraint dropped */
    char ***values;  /* values[point][name]: text, "" when the point leaves it unset */
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

#endif
