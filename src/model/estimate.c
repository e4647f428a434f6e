/* The analytical model: see estimate.h. */
#include "model/estimate.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "model/die_timing.h"
#include "tessera/tessera.h"
#include "api/routes.h"
#include "model/placement.h"

const char *const tess_level_names[] = {"tp", "dp", "pp", NULL};

void tess_calibration_default(tess_calibration *c)
{
    memset(c, 0, sizeof *c);
    c->gemm_efficiency = c->vector_efficiency = c->dram_efficiency = c->dma_overlap = 1;
    for (int l = 0; l < TESS_LEVELS_; l++)
        c->latency_factor[l] = c->bandwidth_efficiency[l] = 1;
}

/* ---- calibration files ------------------------------------------------------ */

typedef struct cal_key {
    char name[48];
    size_t offset; /* of a double in tess_calibration */
    double lo, hi; /* allowed range (lo open) */
} cal_key;

static size_t cal_keys(cal_key *k)
{
    size_t n = 0;
#define KEY(text, field, a, b) k[n++] = (cal_key){text, offsetof(tess_calibration, field), a, b}
    KEY("gemm_efficiency", gemm_efficiency, 0, 10);
    KEY("vector_efficiency", vector_efficiency, 0, 10);
    KEY("dram_efficiency", dram_efficiency, 0, 10);
    KEY("dma_overlap", dma_overlap, -1e-300, 1);
#undef KEY
    for (int l = 0; l < TESS_LEVELS_; l++) {
        snprintf(k[n].name, sizeof k[n].name, "%s.latency_factor", tess_level_names[l]);
        k[n].offset = offsetof(tess_calibration, latency_factor) + l * sizeof(double);
        k[n].lo = -1e-300;
        k[n++].hi = 1e3;
        snprintf(k[n].name, sizeof k[n].name, "%s.bandwidth_efficiency", tess_level_names[l]);
        k[n].offset = offsetof(tess_calibration, bandwidth_efficiency) + l * sizeof(double);
        k[n].lo = 0;
        k[n++].hi = 10;
    }
    return n;
}

void tess_calibration_write(FILE *f, const tess_calibration *c)
{
    cal_key k[16];
    const size_t n = cal_keys(k);
    for (size_t i = 0; i < n; i++)
        fprintf(f, "%s = %.6g\n", k[i].name, *(const double *)((const char *)c + k[i].offset));
}

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    char *e = s + strlen(s);
    while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' || e[-1] == '\r'))
        *--e = 0;
    return s;
}

int tess_calibration_read(const char *path, tess_calibration *c, tess_diag *diag)
{
    tess_calibration_default(c);
    FILE *f = fopen(path, "r");
    if (!f) {
        tess_diag_add(diag, path, 0, "cannot read the calibration file: %s", strerror(errno));
        return TESS_EIO;
    }
    cal_key k[16];
    const size_t n = cal_keys(k);
    char line[1024];
    long no = 0;
    int rc = TESS_OK;
    while (fgets(line, sizeof line, f)) {
        no++;
        char *hash = strchr(line, '#');
        if (hash) *hash = 0;
        char *text = trim(line);
        if (!*text) continue;
        char *eq = strchr(text, '=');
        if (!eq) {
            /* the line itself is not echoed: a file that is not a calibration file may
             * hold anything (a password file was tried) */
            tess_diag_add(diag, path, no, "expected 'key = value' (not a calibration file?)");
            rc = TESS_EINVAL;
            continue;
        }
        *eq = 0;
        char *key = trim(text), *val = trim(eq + 1), *end = NULL;
        size_t i = 0;
        while (i < n && strcmp(k[i].name, key) != 0)
            i++;
        if (i == n) {
            tess_diag_add(diag, path, no, "unknown calibration key '%s'", key);
            rc = TESS_EINVAL;
            continue;
        }
        errno = 0;
        const double v = strtod(val, &end);
        if (end == val || *end || errno || !(v > k[i].lo && v <= k[i].hi)) {
            tess_diag_add(diag, path, no, "%s: '%s' is not a number in (%g, %g]", key, val,
                          k[i].lo < 0 ? 0 : k[i].lo, k[i].hi);
            rc = TESS_EINVAL;
            continue;
        }
        *(double *)((char *)c + k[i].offset) = v;
    }
    fclose(f);
    if (rc == TESS_OK) snprintf(c->source, sizeof c->source, "%s", path);
    return rc;
}

/* ---- what the network gives each level ------------------------------------- */

/* Every rank of a pipeline stage to its ring neighbour at once, as a collective step runs
 * on all the stage's groups together (stages reach their collectives at different times,
 * so only one stage's routes are counted together; pipeline sends count all stages), over
 * the routes the simulated network takes: the largest route latency, and the bandwidth
 * each route gets on the channel that the most routes share relative to its width. */
#define ROUTE_CAP 4096
static int ring_paths(const tess_platform *p, const tess_schedule *s, int ring,
                      const tess_hw_routes *h, uint32_t *load, uint32_t *route,
                      tess_estimate_net *net, char *msg, size_t msglen)
{
    const uint32_t channels = tess_hw_routes_channels(h);
    const int pipeline = ring == TESS_AXIS_PIPELINE;
    double energy = 0, pairs = 0;
    for (uint32_t st = 0; st < (pipeline ? 1 : s->pp); st++) {
        memset(load, 0, channels * sizeof *load);
        for (uint32_t r = 0; r < s->dies; r++) {
            if (!pipeline && tess_rank_stage(s->tp, s->pp, r) != st) continue;
            const uint32_t next = tess_ring_next(s, (tess_coll_axis)ring, r);
            if (next == r) continue;
            tess_hw_route_info info;
            if (tess_hw_route(h, s->die_of_rank[r], s->die_of_rank[next], &info, route,
                              ROUTE_CAP) != 0) {
                snprintf(msg, msglen, "die '%s' has no route to '%s'",
                         p->instances[s->die_of_rank[r]].path,
                         p->instances[s->die_of_rank[next]].path);
                return TESS_EUNROUTABLE;
            }
            for (uint32_t k = 0; k < info.channels && k < ROUTE_CAP; k++)
                load[route[k]]++;
            if (info.latency_s > net->alpha_s[ring]) net->alpha_s[ring] = info.latency_s;
            /* a route held to less than any share by its transport window */
            if (info.bandwidth_bytes_s < net->beta_bytes_s[ring])
                net->beta_bytes_s[ring] = info.bandwidth_bytes_s;
            if (info.collective_efficiency < net->coll_efficiency[ring])
                net->coll_efficiency[ring] = info.collective_efficiency;
            if (info.collective_step_s > net->coll_step_s[ring])
                net->coll_step_s[ring] = info.collective_step_s;
            energy += info.energy_per_byte;
            pairs += 1;
        }
        for (uint32_t c = 0; c < channels; c++) {
            if (!load[c]) continue;
            const double share = tess_hw_channel_bandwidth(h, c) / load[c];
            if (share < net->beta_bytes_s[ring]) net->beta_bytes_s[ring] = share;
            if (load[c] > net->congestion[ring]) net->congestion[ring] = load[c];
        }
    }
    net->energy_per_byte[ring] = pairs > 0 ? energy / pairs : 0;
    return TESS_OK;
}

/* An all-to-all's axis (its groups' members to every other member at once, one stage's
 * groups together as in ring_paths): the largest pair latency and collective-step, and the
 * smallest rate a pair gets, its route's bandwidth share on its most loaded channel times
 * its collective-efficiency. */
static int all_pairs_paths(const tess_platform *p, const tess_schedule *s, int axis,
                           const tess_hw_routes *h, uint32_t *load, uint32_t *route,
                           tess_estimate_net *net, char *msg, size_t msglen)
{
    const uint32_t channels = tess_hw_routes_channels(h);
    net->a2a_beta_bytes_s[axis] = INFINITY;
    for (uint32_t st = 0; st < s->pp; st++)
        for (int pass = 0; pass < 2; pass++) { /* load every channel, then each pair's share */
            if (pass == 0) memset(load, 0, channels * sizeof *load);
            for (uint32_t r = 0; r < s->dies; r++) {
                if (tess_rank_stage(s->tp, s->pp, r) != st) continue;
                for (uint32_t q = tess_ring_next(s, (tess_coll_axis)axis, r); q != r;
                     q = tess_ring_next(s, (tess_coll_axis)axis, q)) {
                    tess_hw_route_info info;
                    if (tess_hw_route(h, s->die_of_rank[r], s->die_of_rank[q], &info, route,
                                      ROUTE_CAP) != 0) {
                        snprintf(msg, msglen, "die '%s' has no route to '%s'",
                                 p->instances[s->die_of_rank[r]].path,
                                 p->instances[s->die_of_rank[q]].path);
                        return TESS_EUNROUTABLE;
                    }
                    const uint32_t n = info.channels < ROUTE_CAP ? info.channels : ROUTE_CAP;
                    if (pass == 0) {
                        for (uint32_t k = 0; k < n; k++)
                            load[route[k]]++;
                        if (info.latency_s > net->a2a_alpha_s[axis])
                            net->a2a_alpha_s[axis] = info.latency_s;
                        if (info.collective_step_s > net->a2a_step_s[axis])
                            net->a2a_step_s[axis] = info.collective_step_s;
                        continue;
                    }
                    double rate = info.bandwidth_bytes_s;
                    for (uint32_t k = 0; k < n; k++) {
                        const double share =
                            tess_hw_channel_bandwidth(h, route[k]) / load[route[k]];
                        if (share < rate) rate = share;
                    }
                    rate *= info.collective_efficiency;
                    if (rate < net->a2a_beta_bytes_s[axis]) net->a2a_beta_bytes_s[axis] = rate;
                }
            }
        }
    return TESS_OK;
}

int tess_estimate_prepare(const tess_platform *p, const tess_schedule *s, tess_mem_fidelity mf,
                          tess_estimate_net *net, char *msg, size_t msglen)
{
    memset(net, 0, sizeof *net);
    for (int k = 0; k < TESS_RINGS; k++) {
        net->beta_bytes_s[k] = INFINITY;
        net->coll_efficiency[k] = 1;
    }
    net->launch_s = p->types[p->instances[s->die_of_rank[0]].type].u.die.kernel_launch_s;
    net->dma_bytes_s = calloc(s->dies + 1, sizeof *net->dma_bytes_s);
    int rc = net->dma_bytes_s ? TESS_OK : TESS_ENOMEM;
    const tess_rank_map ranks = tess_schedule_ranks(s);
    if (rc == TESS_OK) rc = tess_peak_dma_rates(p, &ranks, net->dma_bytes_s, msg, msglen);
    int needed = s->pp > 1 || mf != TESS_MEM_RATE; /* any ring with more than one member */
    for (uint32_t i = 0; i < s->n_colls; i++)
        needed |= s->colls[i].group > 1;
    tess_hw_routes *h = NULL;
    if (rc == TESS_OK && needed && !(h = tess_hw_routes_open(p, msg, msglen))) rc = TESS_EINVAL;
    if (rc == TESS_OK && mf != TESS_MEM_RATE) { /* the DMA's paths to the memories */
        double *peak = calloc(p->n_instances + 1, sizeof *peak);
        rc = peak ? TESS_OK : TESS_ENOMEM;
        for (size_t i = 0; peak && i < p->n_instances; i++)
            if (p->instances[i].kind == TESS_KIND_MEMORY && !p->instances[i].dead)
                peak[i] = tess_memory_peak_bandwidth(&p->types[p->instances[i].type].u.memory);
        const int64_t *home = NULL;
        if (rc == TESS_OK) rc = tess_schedule_homes(p, s, &home, msg, msglen);
        net->dma_memory_bytes_s = calloc(s->dies + 1, sizeof *net->dma_memory_bytes_s);
        if (rc == TESS_OK && !net->dma_memory_bytes_s) rc = TESS_ENOMEM;
        if (rc == TESS_OK)
            rc = tess_burst_dma_rates(p, &ranks, peak, home, h, net->dma_bytes_s,
                                      net->dma_memory_bytes_s, msg, msglen);
        free(peak);
    }
    uint32_t *load = h ? calloc(tess_hw_routes_channels(h) + 1, sizeof *load) : NULL;
    uint32_t *route = h ? malloc(ROUTE_CAP * sizeof *route) : NULL;
    if (h && (!load || !route)) rc = TESS_ENOMEM;
    for (int ring = 0; h && rc == TESS_OK && ring < TESS_RINGS; ring++) {
        int used =
            ring == TESS_AXIS_PIPELINE && s->pp > 1; /* the pipeline's, or a collective's axis */
        int all_pairs = 0;
        for (uint32_t i = 0; i < s->n_colls; i++) {
            used |= (int)s->colls[i].axis == ring && s->colls[i].group > 1;
            all_pairs |= (int)s->colls[i].axis == ring && s->colls[i].group > 1 &&
                         s->colls[i].kind == TESS_ALL_TO_ALL;
        }
        if (used) rc = ring_paths(p, s, ring, h, load, route, net, msg, msglen);
        if (all_pairs && rc == TESS_OK)
            rc = all_pairs_paths(p, s, ring, h, load, route, net, msg, msglen);
    }
    tess_hw_routes_close(h);
    free(load);
    free(route);
    if (rc != TESS_OK) tess_estimate_net_free(net);
    return rc;
}

void tess_estimate_net_free(tess_estimate_net *net)
{
    free(net->dma_bytes_s);
    free(net->dma_memory_bytes_s);
    net->dma_bytes_s = net->dma_memory_bytes_s = NULL;
}

/* ---- times ------------------------------------------------------------------ */

/* One call of collective c of `bytes` (c->bytes, or a stage's: tess_coll_stage_bytes): adds
 * its raw latency and bandwidth terms to a[] and b[]. */
static void collective_terms(const tess_coll_use *c, uint64_t bytes, const tess_estimate_net *net,
                             double calls, double *a, double *b)
{
    const uint32_t n = c->group;
    if (n < 2) return;
    const double steps = (double)tess_ring_steps(c->kind, n);
    const tess_level l =
        tess_axis_is_dp(c->axis) || c->axis == TESS_AXIS_EDP ? TESS_LEVEL_DP : TESS_LEVEL_TP;
    const double chunk = (double)tess_ring_message_bytes(c->kind, bytes, n);
    if (c->kind == TESS_ALL_TO_ALL) { /* once synchronised, its n - 1 messages at once */
        a[l] += calls * (net->launch_s + net->a2a_step_s[c->axis] + net->a2a_alpha_s[c->axis]);
        b[l] += calls * chunk / net->a2a_beta_bytes_s[c->axis];
        return;
    }
    a[l] += calls * (net->launch_s + steps * (net->alpha_s[c->axis] + net->coll_step_s[c->axis]));
    b[l] += calls * steps * chunk / (net->beta_bytes_s[c->axis] * net->coll_efficiency[c->axis]);
}

static double network_time(const double *a, const double *b, const tess_calibration *cal)
{
    double t = 0;
    for (int l = 0; l < TESS_LEVELS_; l++)
        t += cal->latency_factor[l] * a[l] + (b[l] > 0 ? b[l] / cal->bandwidth_efficiency[l] : 0);
    return t;
}

/* calls of collective c: their raw terms added to a[] and b[], and their calibrated time
 * to by_span[the span of c's groups] (and *scale_out) */
static void collective_time(const tess_coll_use *c, const tess_estimate_net *net,
                            const tess_calibration *cal, double calls, double *a, double *b,
                            double *by_span, double *scale_out)
{
    double ca[TESS_LEVELS_] = {0}, cb[TESS_LEVELS_] = {0};
    collective_terms(c, c->bytes, net, calls, ca, cb);
    for (int l = 0; l < TESS_LEVELS_; l++) {
        a[l] += ca[l];
        b[l] += cb[l];
    }
    const double t = network_time(ca, cb, cal);
    by_span[c->span] += t;
    if (c->scale_out) *scale_out += t;
}

/* Messages one die sends in one call of the collective. */
static uint64_t call_messages(const tess_coll_use *c)
{
    uint64_t messages, bytes;
    tess_collective_cost(c->kind, c->algo, c->group, c->rows, c->bytes, &messages, &bytes);
    return messages;
}

double tess_estimate_dp_tail(const tess_schedule *s, uint32_t stage, const tess_estimate_net *net,
                             const tess_calibration *cal, double *by_span, double *scale_out,
                             uint64_t *messages)
{
    enum { MAX_PHASES = 8 };
    double sync[MAX_PHASES], data[MAX_PHASES], alone[MAX_PHASES], launches = 0, sum = 0;
    int ring[MAX_PHASES];
    uint32_t chain[MAX_PHASES];
    const uint32_t n = tess_dp_chain(s, chain, MAX_PHASES);
    uint8_t span = 0, out = 0;
    const double k = s->dp_chunks > 1 ? s->dp_chunks : 1;
    const tess_level l = TESS_LEVEL_DP;
    for (uint32_t j = 0; j < n; j++) {
        const tess_coll_use *c = &s->colls[chain[j]];
        if (messages) *messages += call_messages(c) * c->calls;
        double ca[TESS_LEVELS_] = {0}, cb[TESS_LEVELS_] = {0};
        collective_terms(c, tess_coll_stage_bytes(s, chain[j], stage), net, (double)c->calls, ca,
                         cb);
        alone[j] = network_time(ca, cb, cal); /* its calls one after another */
        sum += alone[j];
        launches += cal->latency_factor[l] * net->launch_s;
        /* a pipelined phase: per chunk (a call) its steps' latency, and all its payload */
        sync[j] = cal->latency_factor[l] * (ca[l] / (double)c->calls - net->launch_s);
        data[j] = cb[l] / cal->bandwidth_efficiency[l];
        ring[j] = c->axis;
        if (c->span > span) span = c->span;
        out |= c->scale_out;
    }
    double t = sum;
    if (n > 1 && k > 1) { /* one pipeline, at its widest level */
        t = launches + tess_pipeline_time(sync, data, ring, n, (uint32_t)k);
        if (by_span) by_span[span] += t;
        if (out && scale_out) *scale_out += t;
    } else {
        for (uint32_t j = 0; j < n; j++) {
            const tess_coll_use *c = &s->colls[chain[j]];
            if (by_span) by_span[c->span] += alone[j];
            if (c->scale_out && scale_out) *scale_out += alone[j];
        }
    }
    /* then the routed experts' over their own replicas, one after another */
    for (uint32_t i = 0; i < s->n_colls; i++) {
        const tess_coll_use *c = &s->colls[i];
        if (c->axis != TESS_AXIS_EDP) continue;
        const uint64_t calls = tess_coll_calls(s, c, stage);
        if (messages) *messages += call_messages(c) * calls;
        double ca[TESS_LEVELS_] = {0}, cb[TESS_LEVELS_] = {0};
        collective_terms(c, tess_coll_stage_bytes(s, i, stage), net, (double)calls, ca, cb);
        const double te = network_time(ca, cb, cal);
        t += te;
        if (by_span) by_span[c->span] += te;
        if (c->scale_out && scale_out) *scale_out += te;
    }
    return t;
}

/* A run of adjacent tiled GEMMs on a double-buffered die, timed as the op cursor orders
 * its ops (estimate.h), from the run's start: where the last tile of the GEMM before
 * started (last), the array and the DMA engine are free (tensor, dma), the store that GEMM
 * still owes (trail), the tiles' compute so far (busy), and the DMA the run exposed so far
 * (exposed: its end less busy). */
typedef struct tile_run {
    double last, tensor, dma, trail, busy, exposed;
} tile_run;

/* The share of a tile's two loads that operands `bits` (bit 0 A, bit 1 B) make: 0, 1/2 or 1. */
static double operand_share(uint8_t bits)
{
    return (double)((bits & 1u) + (bits >> 1 & 1u)) / 2;
}

/* Adds the tiled GEMM whose tiles are group G (its loads the group before, its stores the
 * group after; kt: the GEMM's time) to run r (first: it starts one): its first tile's
 * loads that read nothing of the GEMM before it (G->ahead) while that GEMM's last tile
 * computes, then that GEMM's last store, then the loads that read its output; the first
 * tile when they are in, the second when it is done and its loads are in, each later tile
 * max(g, l + sigma) after the one before (l: a tile's two loads, sigma = st s / t: its
 * share of the stores). A run's first GEMM loads its weight operands under the
 * element-wise work just before it (`before`, from where that work ends: negative times)
 * and its activation operands after it. A GEMM alone without weights gives about
 * l + (t - 1) max(0, l + sigma - g) + st. `owed`: the DMA work the run before had left
 * when its array was done (its last store, and where DMA binds the loads and stores still
 * queued), where only that element-wise work lies between (that run counted it exposed):
 * it runs beside the work, the DMA free for this run's loads once it is done, so the
 * overlap comes off.
 * Returns the DMA exposed since the last call. */
static double tile_run_add(tile_run *r, int first, double before, double owed,
                           const tess_op_group *G, const tess_kernel_time *kt, double dma_bytes_s,
                           const tess_calibration *cal)
{
    const tess_op_group *L = G - 1, *S = G + 1;
    const double tiles = (double)G->count, rate = dma_bytes_s * cal->dram_efficiency;
    const double gt = (kt->launch_s + kt->compute_s) / cal->gemm_efficiency / tiles;
    const double l = 2.0 * (double)L->bytes_each / rate, st = (double)S->bytes_each / rate;
    const double sigma = st * (double)S->count / tiles;
    if (first) memset(r, 0, sizeof *r);
    const double ahead = first ? 0 : l * operand_share(G->ahead);
    double loads = 0, overlap = 0;
    if (first) { /* its weights' loads under the element-wise work just before it, once the
                    store owed is done (the DMA's free time from this run's start: busy) */
        const double w = l * operand_share(G->weights);
        const double busy = owed < before ? owed - before : 0;
        r->dma = loads = (busy + w > 0 ? busy + w : 0) + l - w;
        overlap = owed < before ? owed : before;
    }
    if (ahead > 0) loads = r->dma = (r->dma > r->last ? r->dma : r->last) + ahead;
    if (r->trail > 0) r->dma = (r->dma > r->tensor ? r->dma : r->tensor) + r->trail;
    if (!first && l > ahead) loads = r->dma = (r->dma > r->last ? r->dma : r->last) + l - ahead;
    const double g0 = r->tensor > loads ? r->tensor : loads;
    r->last = g0;
    if (G->count > 1) {
        /* tile 1's loads when tile 0 has started and the DMA is free (the last store owed
         * may hold it), then a period each; the stores due before the last tile go while
         * it computes */
        const double period = gt > l + sigma ? gt : l + sigma, free = r->dma > g0 ? r->dma : g0;
        const double g1 = g0 + gt > free + l ? g0 + gt : free + l;
        const uint64_t t = G->count, n = S->count;
        r->last = g1 + (tiles - 2) * period;
        r->dma = r->last + st * (double)((t - 1) * n / t - (t - 2) * n / t);
    }
    if (r->dma < r->last) r->dma = r->last;
    r->tensor = r->last + gt;
    r->trail = st;
    r->busy += tiles * gt;
    const double end = r->dma > r->tensor ? r->dma : r->tensor;
    const double exposed = end + r->trail - r->busy, added = exposed - r->exposed;
    r->exposed = exposed;
    return added - overlap;
}

void tess_estimate_template(const tess_schedule *s, const tess_template *t, const tess_die_type *dt,
                            unsigned dtype_bytes, double dma_bytes_s, const tess_estimate_net *net,
                            const tess_calibration *cal, tess_template_time *out)
{
    memset(out, 0, sizeof *out);
    /* calls started on the die's third stream (tess_async START / WAIT): the stream runs them
     * in turn from their start; a wait holds the die until the call it waits for is done */
    enum { STARTED = 4 };
    int32_t started_coll[STARTED];
    double started_done[STARTED], stream_free = 0, waited = 0;
    /* each started call's run from its begin, and the die's clock and GEMMs' sharing time
     * where it was started (its contention with the work before its wait) */
    double started_begin[STARTED], started_clock[STARTED], started_sharing[STARTED];
    uint32_t n_started = 0;
    tile_run run; /* the tiled GEMMs in a row, as a double-buffered die runs them */
    memset(&run, 0, sizeof run);
    double vector_run = 0; /* the element-wise work just before the group (no other between) */
    double owed = 0; /* the last tiled GEMM's last store, while only element-wise work follows */
    for (uint32_t i = 0; i < t->n; i++) {
        const tess_op_group *g = &t->groups[i];
        if (g->kind != TESS_OP_VECTOR && g->kind != TESS_OP_LOAD && g->kind != TESS_OP_GEMM)
            vector_run = 0;
        /* a load or store of a tiled GEMM (timed with its tiles); a collective waits for the
         * die's DMA, and a load or store of no tiled GEMM takes it */
        const int tiled_dma =
            (g->kind == TESS_OP_LOAD || g->kind == TESS_OP_STORE) &&
            (tess_tiled_gemm_at(t, i) || (i >= 2 && tess_tiled_gemm_at(t, i - 2)));
        if (g->kind == TESS_OP_COLLECTIVE ||
            ((g->kind == TESS_OP_LOAD || g->kind == TESS_OP_STORE) && !tiled_dma))
            owed = 0;
        out->ops += g->count;
        out->flops += (double)g->count * g->flops_each;
        /* the die's time so far: the pass's work, as local_s below counts it, and its
         * collectives in the die's stream */
        const double clock = out->gemm_s / cal->gemm_efficiency +
                             out->vector_s / cal->vector_efficiency + out->exposed_dma_s +
                             out->stream_s / cal->dram_efficiency + waited + out->contention_s +
                             network_time(out->level_alpha_s, out->level_beta_s, cal);
        if (g->kind == TESS_OP_COLLECTIVE && g->coll >= 0 &&
            (g->async == TESS_ASYNC_START || g->async == TESS_ASYNC_WAIT)) {
            const tess_coll_use *c = &s->colls[g->coll];
            uint32_t k = 0;
            while (k < n_started && started_coll[k] != g->coll)
                k++;
            if (g->async == TESS_ASYNC_START) {
                /* a call runs its chain's collectives one after another (the later phases'
                 * groups, chain 0, are its: their messages only) */
                double ca[TESS_LEVELS_] = {0}, cb[TESS_LEVELS_] = {0};
                for (uint32_t j = 0; j < g->chain; j++)
                    collective_terms(&s->colls[g->coll + j], s->colls[g->coll + j].bytes, net,
                                     (double)g->count, ca, cb);
                out->messages += g->count * call_messages(c);
                if (g->chain == 0) continue;
                const double begin = clock > stream_free ? clock : stream_free;
                stream_free = begin + network_time(ca, cb, cal);
                if (k == n_started && k < STARTED) started_coll[n_started++] = g->coll;
                if (k < STARTED) {
                    started_done[k] = stream_free;
                    started_begin[k] = begin;
                    started_clock[k] = clock;
                    started_sharing[k] = out->sharing_s / cal->gemm_efficiency;
                }
                continue;
            }
            if (k == n_started) continue;
            /* the work from the call's begin to this wait ran beside it for its run c,
             * its GEMMs on the SMs the call leaves: spread evenly over the work W since the
             * start, they lose D / (W + D) of the time they share with the call */
            const double W = clock - started_clock[k],
                         D = out->sharing_s / cal->gemm_efficiency - started_sharing[k];
            const double shared = clock - started_begin[k];
            double clock_after = clock;
            if (D > 0 && shared > 0) {
                const double c = started_done[k] - started_begin[k];
                const double extra =
                    (c < shared * (W + D) / W ? c : shared * (W + D) / W) * D / (W + D);
                out->contention_s += extra;
                clock_after += extra;
            }
            if (started_done[k] > clock_after) {
                const double wait = started_done[k] - clock_after;
                uint8_t span = 0, scale_out = 0; /* the widest its chain reaches */
                for (uint32_t j = 0; j < (g->chain ? g->chain : 1); j++) {
                    const tess_coll_use *cj = &s->colls[g->coll + j];
                    if (cj->span > span) span = cj->span;
                    scale_out |= cj->scale_out;
                }
                waited += wait;
                out->scope_s[span] += wait;
                if (scale_out) out->scale_out_s += wait;
                if (c->kind == TESS_ALL_TO_ALL) out->all_to_all_s += wait;
            }
            continue;
        }
        switch (g->kind) {
        case TESS_OP_GEMM: {
            const tess_gemm_kernel k = tess_group_gemm_kernel(g, dtype_bytes);
            const tess_kernel_time kt = tess_gemm_time(dt, &k, dma_bytes_s);
            out->gemm_s += kt.launch_s + kt.compute_s;
            out->stream_s += kt.memory_s;
            if (dt->collective_sms)
                out->sharing_s += tess_gemm_time_sharing(dt, &k, dma_bytes_s).seconds - kt.seconds;
            if (i > 0 && tess_tiled_gemm_at(t, i - 1)) {
                out->exposed_dma_s += tile_run_add(&run, !(i >= 4 && tess_tiled_gemm_at(t, i - 4)),
                                                   vector_run, owed, g, &kt, dma_bytes_s, cal);
                /* the DMA's work left when the array is done: the run's last store,
                   after the loads and stores still queued where DMA binds */
                owed = (run.dma > run.tensor ? run.dma - run.tensor : 0) + run.trail;
            }
            vector_run = 0;
            break;
        }
        case TESS_OP_VECTOR: {
            const tess_kernel_time kt =
                tess_vector_time(dt, g->bytes_each, dtype_bytes, dma_bytes_s);
            out->vector_s += (double)g->count * (kt.launch_s + kt.compute_s);
            out->stream_s += (double)g->count * kt.memory_s;
            vector_run += (double)g->count * (kt.launch_s + kt.compute_s) / cal->vector_efficiency;
            break;
        }
        case TESS_OP_LOAD:
        case TESS_OP_STORE:
            out->dma_s += (double)g->count * (double)g->bytes_each / dma_bytes_s;
            if (!tiled_dma)
                out->exposed_dma_s +=
                    (double)g->count * (double)g->bytes_each / dma_bytes_s / cal->dram_efficiency;
            break;
        case TESS_OP_COLLECTIVE:
            if (g->coll >= 0 && g->async != TESS_SYNC) { /* on a stream, overlapped later */
                const tess_coll_use *c = &s->colls[g->coll];
                double ca[TESS_LEVELS_] = {0}, cb[TESS_LEVELS_] = {0};
                collective_terms(c, c->bytes, net, (double)g->count, ca, cb);
                *(g->async == TESS_ASYNC_GATHER ? &out->gather_s : &out->reduce_s) +=
                    network_time(ca, cb, cal);
                if (c->span > out->async_span) out->async_span = c->span;
                out->messages += g->count * call_messages(c);
            } else if (g->coll >= 0) {
                const tess_coll_use *c = &s->colls[g->coll];
                if (c->kind == TESS_ALL_TO_ALL) {
                    double ca[TESS_LEVELS_] = {0}, cb[TESS_LEVELS_] = {0};
                    collective_terms(c, c->bytes, net, (double)g->count, ca, cb);
                    out->all_to_all_s += network_time(ca, cb, cal);
                }
                collective_time(c, net, cal, (double)g->count, out->level_alpha_s,
                                out->level_beta_s, out->scope_s, &out->scale_out_s);
                out->messages += g->count * call_messages(&s->colls[g->coll]);
            }
            break;
        default:
            break;
        }
    }
    out->compute_s = out->gemm_s / cal->gemm_efficiency + out->vector_s / cal->vector_efficiency +
                     out->contention_s;
    const double dma = out->dma_s / cal->dram_efficiency;
    const double hidden = dma > out->exposed_dma_s ? dma - out->exposed_dma_s : 0;
    /* a gpu die's kernels stream their own bytes: their memory time never overlaps */
    out->local_s = out->compute_s + out->exposed_dma_s + (1 - cal->dma_overlap) * hidden +
                   out->stream_s / cal->dram_efficiency;
    out->network_s = network_time(out->level_alpha_s, out->level_beta_s, cal) + waited;
}

/* One estimate's per-pass and per-stage figures. */
typedef struct passes {
    uint32_t pp, v;
    double *fwd, *bwd; /* each pass's time: [stage x v + chunk] */
    double *parts; /* its compute, memory and network: [((stage x v + chunk) x 2 + backward) x 3 +
                      kind] */
    double *stage_end; /* each stage's tail (its DP collectives and optimizer step), then its end */
    double *tail;      /* each stage's tail */
    tess_die_stat *per_stage;
} passes;

static void passes_free(passes *x)
{
    free(x->fwd);
    free(x->bwd);
    free(x->parts);
    free(x->stage_end);
    free(x->tail);
    free(x->per_stage);
}

static int passes_alloc(passes *x, uint32_t pp, uint32_t v)
{
    x->pp = pp;
    x->v = v;
    x->fwd = calloc((size_t)pp * v + 1, sizeof *x->fwd);
    x->bwd = calloc((size_t)pp * v + 1, sizeof *x->bwd);
    x->parts = calloc((size_t)pp * v * 6 + 1, sizeof *x->parts);
    x->stage_end = calloc(pp + 1, sizeof *x->stage_end);
    x->tail = calloc(pp + 1, sizeof *x->tail);
    x->per_stage = calloc(pp + 1, sizeof *x->per_stage);
    return x->fwd && x->bwd && x->parts && x->stage_end && x->tail && x->per_stage ? 0 : -1;
}

/* A template run once more in a pass (t; NULL: none): its time added to the pass's and its
 * compute, memory and network to the pass's parts. */
static void add_template(double *pass, double parts[3], const tess_template_time *t, double n)
{
    if (!t || n == 0) return;
    *pass += n * (t->local_s + t->network_s);
    parts[0] += n * t->compute_s;
    parts[1] += n * (t->local_s - t->compute_s);
    parts[2] += n * t->network_s;
}

/* The time a pass of L layers waits for its asynchronous collectives (the die's streams,
 * hw/compute/die.h), each layer's work taking w: its first layer's gather g in full, then
 * for each further layer what the slower stream (gathers one layer ahead, or the
 * reductions r issued after each layer) takes beyond the layer's work. D (calibrated: the
 * layer's GEMMs' sharing_s): beside a call on a stream, GEMMs spread evenly over the work
 * lose D / (w + D) of the time they share with it (collective-sms): L - 1 layers share
 * g + r with the streams (a gather and a reduction of the same group share its links, so
 * beside each other they take about as long as one after the other), the last its
 * reduction; what they lose (compute) in *contention. */
static double async_wait(double L, double w, double g, double r, double D, double *contention)
{
    const double stream = g > r ? g : r;
    /* the time a layer's work loses beside calls of x seconds */
    double lost[2] = {0, 0};
    const double x[2] = {g + r, r};
    for (int i = 0; i < 2; i++)
        if (D > 0 && w > 0) lost[i] = (x[i] < w + D ? x[i] : w + D) * D / (w + D);
    *contention = L > 0 ? (L > 1 ? (L - 1) * lost[0] : 0) + lost[1] : 0;
    return g + (L > 1 && stream > w + lost[0] ? (L - 1) * (stream - w - lost[0]) : 0);
}

/* Stage st's pass times and its die's figures (one rank stands for all of it: every die
 * of a stage runs the same ops, and its collectives hold the others to the one whose DMA
 * is slowest, the first of those); adds the network energy its ranks spend to
 * *net_joules. */
static void estimate_stage(const tess_platform *p, const tess_schedule *s, unsigned e, uint32_t st,
                           const tess_estimate_net *net, const tess_calibration *cal, passes *x,
                           double *net_joules)
{
    const uint32_t pp = s->pp, v = s->chunks;
    uint32_t rank = st * s->tp;
    for (uint32_t r = 0; r < s->dies; r++)
        if (tess_rank_stage(s->tp, pp, r) == st && net->dma_bytes_s[r] < net->dma_bytes_s[rank])
            rank = r;
    const double msg_bytes = (double)s->activation_message_bytes;
    const tess_die_type *dt = &p->types[p->instances[s->die_of_rank[rank]].type].u.die;
    const double dma_rate = net->dma_bytes_s[rank];
    /* the burst view: the DRAM's sustained share slows the rate only as far as the memory
     * bounds it (a link carries its width whatever the DRAM does) */
    tess_calibration dram = *cal;
    const double memory = net->dma_memory_bytes_s ? net->dma_memory_bytes_s[rank] : 0,
                 sustained = memory * cal->dram_efficiency;
    const int networked = memory > 0 && dma_rate > 0;
    if (networked) dram.dram_efficiency = (sustained < dma_rate ? sustained : dma_rate) / dma_rate;
    const tess_stage *S = &s->stages[st];
    tess_template_time tf, tb, tr, lf, lb, ef, eb, df = {0}, db = {0}, dr = {0};
    tess_estimate_template(s, &s->fwd, dt, e, dma_rate, net, &dram, &tf);
    tess_estimate_template(s, &s->bwd, dt, e, dma_rate, net, &dram, &tb);
    tess_estimate_template(s, &s->recompute, dt, e, dma_rate, net, &dram, &tr);
    if (S->dense_layers) { /* the model's dense first layers */
        tess_estimate_template(s, &s->dense_fwd, dt, e, dma_rate, net, &dram, &df);
        tess_estimate_template(s, &s->dense_bwd, dt, e, dma_rate, net, &dram, &db);
        tess_estimate_template(s, &s->dense_recompute, dt, e, dma_rate, net, &dram, &dr);
    }
    tess_estimate_template(s, &s->logits_fwd, dt, e, dma_rate, net, &dram, &lf);
    tess_estimate_template(s, &s->logits_bwd, dt, e, dma_rate, net, &dram, &lb);
    tess_estimate_template(s, &s->embed_fwd, dt, e, dma_rate, net, &dram, &ef);
    tess_estimate_template(s, &s->embed_bwd, dt, e, dma_rate, net, &dram, &eb);
    const double L = S->layers_per_chunk;
    tess_die_stat *d = &x->per_stage[st];
    /* the waits for the streams' collectives in a forward and a backward pass; the
     * reductions still running when the backward passes end (the last layer's, and the
     * embedding's after it on the first stage) are waited for before the tail */
    double lost_f, lost_b; /* the passes' compute lost beside the streams' calls */
    const double wait_f = async_wait(L, tf.local_s + tf.network_s, tf.gather_s, tf.reduce_s,
                                     tf.sharing_s / cal->gemm_efficiency, &lost_f);
    const double wait_b = async_wait(L, tr.local_s + tr.network_s + tb.local_s + tb.network_s,
                                     tr.gather_s + tb.gather_s, tr.reduce_s + tb.reduce_s,
                                     (tr.sharing_s + tb.sharing_s) / cal->gemm_efficiency, &lost_b);
    const double drain = tr.reduce_s + tb.reduce_s + (st == 0 ? eb.reduce_s : 0);
    const uint8_t async_span = tf.async_span > tb.async_span ? tf.async_span : tb.async_span;
    for (uint32_t c = 0; c < v; c++) {
        /* a pass's layers, and the logits (last stage, last chunk) or embedding (first stage,
         * first chunk) around them */
        const int logits = st + 1 == pp && c + 1 == v, embed = st == 0 && c == 0;
        const tess_template_time *xf[2] = {logits ? &lf : NULL, embed ? &ef : NULL},
                                 *xb[2] = {logits ? &lb : NULL, embed ? &eb : NULL};
        /* the chunk's layers: Lm of the model's kind (the multi-token prediction layers
         * among them on the last), Ld dense first ones */
        const double Ld = tess_chunk_dense_layers(s, st, c), Lm = tess_chunk_layers(s, st, c) - Ld;
        x->fwd[st * v + c] = Lm * (tf.local_s + tf.network_s) + wait_f + lost_f;
        x->bwd[st * v + c] =
            Lm * (tr.local_s + tr.network_s + tb.local_s + tb.network_s) + wait_b + lost_b;
        double *f = &x->parts[((size_t)st * v + c) * 6], *b = f + 3;
        f[0] = Lm * tf.compute_s + lost_f;
        f[1] = Lm * (tf.local_s - tf.compute_s);
        f[2] = Lm * tf.network_s + wait_f;
        b[0] = Lm * (tr.compute_s + tb.compute_s) + lost_b;
        b[1] = Lm * (tr.local_s - tr.compute_s + tb.local_s - tb.compute_s);
        b[2] = Lm * (tr.network_s + tb.network_s) + wait_b;
        add_template(&x->fwd[st * v + c], f, &df, Ld);
        add_template(&x->bwd[st * v + c], b, &dr, Ld);
        add_template(&x->bwd[st * v + c], b, &db, Ld);
        for (int k = 0; k < 2; k++) {
            add_template(&x->fwd[st * v + c], f, xf[k], 1);
            add_template(&x->bwd[st * v + c], b, xb[k], 1);
        }
    }
    uint64_t sends = 0;
    for (uint32_t k = 0; k < S->n_order; k++) {
        const tess_pass *ps = &S->order[k];
        const int logits = st + 1 == pp && ps->chunk + 1 == v;
        const int embed = st == 0 && ps->chunk == 0;
        const double Ld = tess_chunk_dense_layers(s, st, ps->chunk),
                     Lm = tess_chunk_layers(s, st, ps->chunk) - Ld;
        const tess_template_time *parts[6] = {ps->backward ? &tr : &tf,
                                              ps->backward ? &tb : NULL,
                                              logits ? (ps->backward ? &lb : &lf) : NULL,
                                              embed ? (ps->backward ? &eb : &ef) : NULL,
                                              ps->backward ? &dr : &df,
                                              ps->backward ? &db : NULL};
        const double reps[6] = {Lm, Lm, 1, 1, Ld, Ld};
        for (int j = 0; j < 6; j++) {
            if (reps[j] == 0) continue;
            if (!parts[j]) continue;
            d->ops += (uint64_t)reps[j] * parts[j]->ops;
            d->flops += reps[j] * parts[j]->flops;
            d->messages += (uint64_t)reps[j] * parts[j]->messages;
            d->compute_s += reps[j] * parts[j]->compute_s;
            d->memory_s += reps[j] * (parts[j]->local_s - parts[j]->compute_s);
            d->network_s += reps[j] * parts[j]->network_s;
            for (int l = 0; l <= TESS_SCOPE_LEVELS; l++)
                d->level_s[l] += reps[j] * parts[j]->scope_s[l];
            d->scale_out_s += reps[j] * parts[j]->scale_out_s;
            d->all_to_all_s += reps[j] * parts[j]->all_to_all_s;
            d->contention_s += reps[j] * parts[j]->contention_s;
        }
        const double waited = ps->backward ? wait_b : wait_f;
        d->compute_s += ps->backward ? lost_b : lost_f;
        d->contention_s += ps->backward ? lost_b : lost_f;
        d->network_s += waited;
        d->level_s[async_span] += waited;
        sends += tess_pass_sends(s, st, ps);
        d->ops += tess_pass_recvs(s, st, ps) + tess_pass_sends(s, st, ps);
    }
    if (s->recv_coll >= 0) { /* each receive's all-gather (its time is in the pipeline's p2p) */
        const tess_coll_use *g = &s->colls[s->recv_coll];
        const uint64_t calls = tess_coll_calls(s, g, st);
        double ga[TESS_LEVELS_] = {0}, gb[TESS_LEVELS_] = {0};
        collective_time(g, net, cal, (double)calls, ga, gb, d->level_s, &d->scale_out_s);
        d->network_s += network_time(ga, gb, cal);
        d->messages += calls * call_messages(g);
        d->ops += calls;
    }
    /* the tail: every data-parallel collective once, then the optimizer step */
    const double tail_net =
        drain + tess_estimate_dp_tail(s, st, net, cal, d->level_s, &d->scale_out_s, &d->messages);
    d->level_s[async_span] += drain;
    d->ops += 1 + (s->dp_coll >= 0); /* the optimizer step, the data-parallel collectives' op */
    if (networked) { /* burst, over the network: reads come back on one direction of the
                        path, writes go out on the other, the memory serves both (half each) */
        const double both = (double)S->optimizer_bytes / sustained,
                     half = (double)S->optimizer_bytes / 2 / dma_rate;
        d->optimizer_s = both > half ? both : half;
    } else {
        d->optimizer_s = (double)S->optimizer_bytes /
                         (tess_die_stream_rate(dt, dma_rate) * dram.dram_efficiency);
    }
    d->memory_s += d->optimizer_s;
    d->network_s += tail_net;
    d->rank = rank;
    d->stage = st;
    d->dram_bytes = S->dram_bytes;
    d->messages += sends;
    /* network energy: the bytes this die sends at each level, times the path energy */
    for (uint32_t i = 0; i < s->n_colls; i++)
        *net_joules += (double)tess_coll_stage_bytes_sent(s, i, st) *
                       (double)tess_coll_calls(s, &s->colls[i], st) * s->tp * s->dp *
                       net->energy_per_byte[s->colls[i].axis];
    *net_joules +=
        (double)sends * msg_bytes * s->tp * s->dp * net->energy_per_byte[TESS_AXIS_PIPELINE];
    x->stage_end[st] = tail_net + d->optimizer_s; /* added to the pipeline's end below */
}

/* The critical path: the pipeline's, back from the slowest stage (p2p: one pipeline
 * message's time), then that stage's tail. */
static void critical_path(const tess_schedule *s, const passes *x, double p2p,
                          tess_iteration_result *it)
{
    const uint32_t pp = s->pp, v = s->chunks;
    const uint32_t end_stage = tess_rank_stage(s->tp, pp, it->slowest_rank);
    const tess_die_stat *slow = &x->per_stage[end_stage];
    uint32_t *count = calloc((size_t)pp * v * 2 + 1, sizeof *count);
    tess_pipeline_walk walk = {count, 0, end_stage};
    tess_critical_path *cp = &it->critical_path;
    cp->end_rank = cp->start_rank = it->slowest_rank;
    if (count && tess_pipeline_path(s, x->fwd, x->bwd, p2p, NULL, end_stage, &walk) >= 0) {
        for (size_t i = 0; i < (size_t)pp * v * 2; i++) {
            cp->compute_s += count[i] * x->parts[i * 3];
            cp->memory_s += count[i] * x->parts[i * 3 + 1];
            cp->network_s += count[i] * x->parts[i * 3 + 2];
        }
        cp->handoffs = walk.handoffs;
        cp->transfer_s = walk.handoffs * p2p;
        cp->start_rank = x->per_stage[walk.start_stage].rank; /* the die that stands for it */
    }
    free(count);
    cp->memory_s += slow->optimizer_s;
    cp->network_s += x->tail[end_stage] - slow->optimizer_s;
    cp->other_s =
        it->iteration_time_s - cp->compute_s - cp->memory_s - cp->network_s - cp->transfer_s;
    if (cp->other_s < 0) cp->other_s = 0; /* rounding: the model has no other time */
}

/* Peak dynamic power: every die computing and moving data at once, each at the mean rate
 * of its busy time (an upper bound of any window's mean). */
static double peak_dynamic_power(const tess_platform *p, const tess_schedule *s,
                                 const tess_die_stat *dies, uint32_t n)
{
    const double e_bit = tess_dram_energy_per_bit(p);
    double w = 0;
    for (uint32_t r = 0; r < n; r++) {
        const tess_die_stat *d = &dies[r];
        const tess_die_type *dt = &p->types[p->instances[d->instance].type].u.die;
        const double busy = d->compute_s + d->memory_s;
        const double joules =
            d->flops * dt->flop_energy + (double)d->dram_bytes * 8.0 * e_bit +
            (double)s->stages[d->stage].sram_bytes * tess_sram_energy_per_byte(dt);
        if (busy > 0) w += joules / busy;
    }
    return w;
}

int tess_estimate_job(const tess_platform *p, const tess_workload *w, const tess_schedule *s,
                      const tess_estimate_net *net, const tess_calibration *cal,
                      tess_eval_result *out, char *msg, size_t msglen)
{
    memset(out, 0, sizeof *out);
    out->analytic = 1;
    snprintf(out->calibration, sizeof out->calibration, "%s", cal->source);
    const uint32_t pp = s->pp;
    passes x = {0};
    out->dies = calloc(s->dies + 1, sizeof *out->dies);
    out->links = calloc(1, sizeof *out->links);
    out->spans = calloc(1, sizeof *out->spans);
    if (passes_alloc(&x, pp, s->chunks) != 0 || !out->dies || !out->links || !out->spans) {
        passes_free(&x);
        tess_eval_result_free(out);
        snprintf(msg, msglen, "out of memory");
        return TESS_ENOMEM;
    }
    const double msg_bytes = (double)s->activation_message_bytes;
    double p2p_a[TESS_LEVELS_] = {0}, p2p_b[TESS_LEVELS_] = {0};
    p2p_a[TESS_LEVEL_PP] = net->alpha_s[TESS_AXIS_PIPELINE];
    p2p_b[TESS_LEVEL_PP] = isfinite(net->beta_bytes_s[TESS_AXIS_PIPELINE])
                               ? msg_bytes / net->beta_bytes_s[TESS_AXIS_PIPELINE]
                               : 0;
    if (s->recv_coll >= 0) /* the receiving group's all-gather follows each message */
        collective_terms(&s->colls[s->recv_coll], s->colls[s->recv_coll].bytes, net, 1, p2p_a,
                         p2p_b);
    const double p2p = pp > 1 ? network_time(p2p_a, p2p_b, cal) : 0;
    double net_joules = 0;
    for (uint32_t st = 0; st < pp; st++)
        estimate_stage(p, s, tess_dtype_bytes(w->dtype), st, net, cal, &x, &net_joules);
    int rc = TESS_OK;
    memcpy(x.tail, x.stage_end, pp * sizeof *x.tail);
    if (tess_pipeline_makespan(s, x.fwd, x.bwd, p2p, x.stage_end) < 0) {
        snprintf(msg, msglen, "the pipeline order cannot be timed (out of memory or a cycle)");
        rc = TESS_EINTERNAL;
    }
    tess_iteration_result *it = &out->it;
    for (uint32_t st = 0; rc == TESS_OK && st < pp; st++) {
        tess_die_stat *d = &x.per_stage[st];
        d->end_s = x.stage_end[st] + x.tail[st];
        const double busy = d->compute_s + d->memory_s + d->network_s;
        d->bubble_s = d->end_s > busy ? d->end_s - busy : 0;
        if (d->end_s > it->iteration_time_s) {
            it->iteration_time_s = d->end_s;
            it->slowest_rank = d->rank;
        }
    }
    for (uint32_t r = 0; rc == TESS_OK && r < s->dies; r++) {
        out->dies[r] = x.per_stage[tess_rank_stage(s->tp, pp, r)];
        out->dies[r].rank = r;
        out->dies[r].instance = s->die_of_rank[r];
        it->messages += out->dies[r].messages;
    }
    if (rc == TESS_OK) {
        out->n_dies = s->dies;
        const tess_die_stat *slow = &x.per_stage[tess_rank_stage(s->tp, pp, it->slowest_rank)];
        it->compute_s = slow->compute_s;
        it->memory_s = slow->memory_s;
        it->network_s = it->exposed_communication_s = slow->network_s;
        it->bubble_s = slow->bubble_s;
        it->optimizer_s = slow->optimizer_s;
        it->energy_network_j = net_joules;
        critical_path(s, &x, p2p, it);
        it->peak_dynamic_w = peak_dynamic_power(p, s, out->dies, s->dies);
        it->timeline_dynamic_j = 0;
        rc = tess_eval_finish(p, s, out);
        if (rc != TESS_OK) snprintf(msg, msglen, "out of memory");
    }
    passes_free(&x);
    if (rc != TESS_OK) tess_eval_result_free(out);
    return rc;
}
