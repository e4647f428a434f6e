/* Route checks on a loaded platform, without SystemC: a caller can reject a platform
 * that cannot carry its traffic before any simulation starts.
 *
 * - ports: no router has more links attached than its router-type has ports;
 * - routing fit: dimension-order (xy, yx) and turn-model (west-first) routing need
 *   mesh or torus coordinates and no link leaving the grid; with defects in a grid,
 *   every dimension-order route between live dies must avoid dead links and routers
 *   (west-first on a defective grid, and west-first on tori, are refused: use table);
 * - reachability: every live die reaches every other live die through live routers
 *   (dies and memories are endpoints, never transit nodes), and every live memory is
 *   reached by at least one die.
 * Each returns 0, or TESS_EINVAL / TESS_EUNROUTABLE with file:line messages in diag.
 */
#ifndef TESS_ROUTES_H
#define TESS_ROUTES_H

#include "config/platform.h"
#include "config/diag.h"

int tess_check_ports(const tess_platform *p, const char *file, tess_diag *diag);
int tess_check_routing_fits(const tess_platform *p, const char *file, tess_diag *diag);
int tess_check_reachability(const tess_platform *p, const char *file, tess_diag *diag);

/* Dimension-order route on a mesh or torus grid from tile (r1,c1) to (r2,c2):
 * 1 when it crosses no dead link or router, 0 otherwise. Exposed for tests. */
int tess_dor_route_alive(const tess_platform *p, uint32_t grid, tess_routing routing, int r1,
                         int c1, int r2, int c2);

#endif
