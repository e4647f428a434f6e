/* Yield of a die, the defect map drawn from it, and the spare dies a job leaves idle.
 *
 * Yield: a die of area A at defect density D0 is good with the technology's model:
 * negative binomial (1 + A D0 / alpha)^-alpha, Murphy ((1 - e^-AD0) / AD0)^2 or Poisson
 * e^-AD0; with core-level redundancy (die-type core-rows, core-cols, spare-cores) the rest
 * of the die must be free of defects and each row of cores may lose at most its spares.
 *
 * Defect map (`<defects seed="N">`, N > 0): one draw of which dies of the platform's
 * wafer-scale units (`<wafer packaging="wafer-scale">`: dies that never leave their wafer,
 * so no test sorts them before assembly) a wafer's defects killed. Each such die, in
 * instance order, takes two uniforms from a SplitMix64 stream seeded with N: its own
 * router (the router part of its area) dies when the first is at least the router's yield
 * Y_r, and the die with it; else the die dies when the second is at least Y / Y_r, Y the
 * die's yield (core redundancy included). So a die is dead with probability 1 - Y and its
 * router with 1 - Y_r, exactly the yield model's figures; a dead die's router still
 * forwards traffic, a dead router does not. A memory left with no live link (a stack on a
 * dead reticle) is lost with it. A wafer that loses more dies than its spare-dies is one
 * the yield discards: the draw is an error naming the dies.
 *
 * Spares: a job of R ranks on a platform with more live dies leaves the difference idle,
 * up to each wafer-scale unit's spare-dies less its dead ones: the last live dies of the
 * last such units (in instance order) that have no memory of their own, then the last
 * ones with, are the idle spares, marked dead (their routers still forward; a memory only
 * they reached is idle with them).
 */
#ifndef TESS_YIELD_H
#define TESS_YIELD_H

#include <stdint.h>

#include "config/area.h"
#include "config/diag.h"
#include "config/platform.h"

/* Die yield of area a (m2) at defect density d0 (per m2) with clustering alpha. */
double tess_die_yield(tess_yield_model model, double area_m2, double d0, double alpha);

/* Yield of a die of `area` whose compute, `cores` of it (the spares' area included), is
 * rows of cols working and `spares` spare cores (die-type core-rows, core-cols,
 * spare-cores): the rest of the die must be free of defects, and each row may lose at most
 * `spares` of its cols + spares cores, each good with the technology's yield at a core's
 * area (defects independent between cores; rows 0: the whole die at the model's yield). */
double tess_core_redundant_yield(const tess_technology_type *t, double area, double cores,
                                 uint32_t rows, uint32_t cols, uint32_t spares);

/* tess_core_redundant_yield of die-type d whose die has `area` split as `parts`. */
double tess_die_parts_yield(const tess_technology_type *t, const tess_die_type *d, double area,
                            const tess_area_parts *parts);

/* Probability that at most `spares` of n dies, each good with probability y, are bad. */
double tess_yield_with_spares(double y, uint32_t n, uint32_t spares);

/* Draws the defect map of seed (> 0) into p (instances' dead = TESS_DEAD_DRAWN, memories cut
 * off TESS_DEAD_CUT_OFF, links of dead ends dead); `line` is the <defects> element's.
 * 0, TESS_ENOMEM, or TESS_EINVAL with file:line messages in diag (no wafer-scale unit; a
 * die whose yield is unknown; a wafer losing more dies than its spares). */
int tess_draw_defects(tess_platform *p, uint32_t seed, long line, tess_diag *diag);

/* Leaves live dies beyond `ranks` idle as spares (TESS_DEAD_SPARE), as the header says.
 * 1 when it left some idle, 0 when there were none to leave; TESS_EINVAL (nothing changed,
 * no message: the caller's rank check names the counts) when some found no spare's place,
 * TESS_ENOMEM. */
int tess_idle_spare_dies(tess_platform *p, uint64_t ranks);

#endif
