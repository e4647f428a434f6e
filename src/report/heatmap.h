/* An SVG heat map of link utilisation laid out on the platform's meshes and tori
 * (`tessera run -o DIR` writes DIR/heatmap.svg). */
#ifndef TESS_HEATMAP_H
#define TESS_HEATMAP_H

#include <stdio.h>

#include "model/result.h"

/* Draws every mesh or torus of the platform: routers at their grid positions, each
 * router-to-router link a line coloured by the busier of its two directions (blue idle,
 * red at the iteration's busiest link), with its utilisation in a `data-utilisation`
 * attribute and a <title>. Returns the number of links drawn (0: no mesh or torus, and
 * nothing is written). */
int tess_write_heatmap_svg(FILE *f, const tess_platform *p, const tess_eval_result *e);

#endif
