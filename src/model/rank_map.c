/* Rank geometry: see rank_map.h. */
#include "model/rank_map.h"

int tess_axis_is_dp(tess_coll_axis a)
{
    return a == TESS_AXIS_DP || a == TESS_AXIS_DP_LOCAL || a == TESS_AXIS_DP_CROSS;
}

uint32_t tess_rank_next(const tess_rank_map *rm, tess_coll_axis axis, uint32_t r)
{
    const uint32_t tp = rm->tp, pp = rm->pp, dp = rm->dp, tr = rm->tp_grid ? rm->tp_grid : 1;
    const tess_rank_coords c = tess_rank_coords_of(tp, pp, r);
    const uint32_t t = c.t, st = c.stage, d = c.replica, m = rm->dp_local ? rm->dp_local : 1;
    const uint32_t mt = rm->tp_local ? rm->tp_local : 1;
    switch (axis) {
    case TESS_AXIS_TP:
        return tess_rank_at(tp, pp, (t + 1) % tp, st, d);
    case TESS_AXIS_TP_ROWS:
        return tess_rank_at(tp, pp, (t / tr) * tr + (t % tr + 1) % tr, st, d);
    case TESS_AXIS_TP_COLS:
        return tess_rank_at(tp, pp, ((t / tr + 1) % tr) * tr + t % tr, st, d);
    case TESS_AXIS_DP:
        return tess_rank_at(tp, pp, t, st, (d + 1) % dp);
    case TESS_AXIS_DP_LOCAL:
        return tess_rank_at(tp, pp, t, st, d / m * m + (d % m + 1) % m);
    case TESS_AXIS_DP_CROSS:
        return tess_rank_at(tp, pp, t, st, (d + m) % dp);
    case TESS_AXIS_TP_LOCAL:
        return tess_rank_at(tp, pp, t / mt * mt + (t % mt + 1) % mt, st, d);
    case TESS_AXIS_TP_CROSS:
        return tess_rank_at(tp, pp, (t + mt) % tp, st, d);
    case TESS_AXIS_EP: {
        const uint32_t e = rm->ep ? rm->ep : 1;
        return tess_rank_at(tp, pp, t, st, d / e * e + (d % e + 1) % e);
    }
    case TESS_AXIS_EP_CROSS: { /* within the EP group, m (the DP domain's members) on */
        const uint32_t e = rm->ep ? rm->ep : 1;
        return tess_rank_at(tp, pp, t, st, d / e * e + (d % e + m) % e);
    }
    case TESS_AXIS_EDP: {
        const uint32_t e = rm->ep ? rm->ep : 1;
        return tess_rank_at(tp, pp, t, st, (d + e) % dp);
    }
    case TESS_AXIS_CP: {
        const uint32_t c = rm->cp ? rm->cp : 1;
        return tess_rank_at(tp, pp, t, st, d / c * c + (d % c + 1) % c);
    }
    default: /* pipeline: the next stage; the last stage's wraps to the first with chunks */
        if (pp < 2 || (st + 1 == pp && rm->chunks < 2)) return r;
        return tess_rank_at(tp, pp, t, (st + 1) % pp, d);
    }
}

uint32_t tess_rank_pipeline_prev(const tess_rank_map *rm, uint32_t r)
{
    const tess_rank_coords c = tess_rank_coords_of(rm->tp, rm->pp, r);
    if (c.stage > 0) return tess_rank_at(rm->tp, rm->pp, c.t, c.stage - 1, c.replica);
    return rm->pp > 1 && rm->chunks > 1 ? tess_rank_at(rm->tp, rm->pp, c.t, rm->pp - 1, c.replica)
                                        : r;
}
