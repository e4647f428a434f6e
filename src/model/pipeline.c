/* The pipeline: each stage's order of passes (GPipe, 1F1B, interleaved 1F1B), the
 * messages a pass sends and receives, and the timing of the order (makespan, critical
 * path). Declared in schedule.h. */
#include "model/schedule.h"

#include <stdlib.h>
#include <string.h>

#include "tessera/tessera.h"

static void pass_of(uint32_t k, uint32_t p, uint32_t v, int backward, tess_pass *out)
{
    /* Megatron's interleaving: groups of p micro-batches go through chunk 0, then
     * chunk 1, ...; backward visits the chunks in reverse */
    const uint32_t group = (k / p) % v;
    out->microbatch = (k / (p * v)) * p + k % p;
    out->chunk = backward ? v - 1 - group : group;
    out->backward = (uint8_t)backward;
}

int tess_pass_order(tess_stage *st, tess_pipeline kind, uint32_t s, uint32_t p, uint32_t m,
                    uint32_t v)
{
    const uint32_t total = m * v;
    st->order = calloc(2 * (size_t)total, sizeof *st->order);
    if (!st->order) return -1;
    uint32_t n = 0, f = 0, b = 0;
    if (kind == TESS_PIPE_GPIPE) {
        for (f = 0; f < total; f++)
            pass_of(f, total + 1, 1, 0, &st->order[n++]);
        for (b = 0; b < total; b++)
            pass_of(b, total + 1, 1, 1, &st->order[n++]);
        /* with v = 1 pass_of(k, >k, 1) is micro-batch k, chunk 0 */
    } else {
        uint32_t warmup = kind == TESS_PIPE_INTERLEAVED ? (p - s - 1) * 2 + (v - 1) * p : p - s - 1;
        if (warmup > total) warmup = total;
        for (; f < warmup; f++)
            pass_of(f, p, v, 0, &st->order[n++]);
        while (f < total) {
            pass_of(f++, p, v, 0, &st->order[n++]);
            pass_of(b++, p, v, 1, &st->order[n++]);
        }
        while (b < total)
            pass_of(b++, p, v, 1, &st->order[n++]);
    }
    st->n_order = n;
    return 0;
}

/* The pass a pass waits on (its pipeline predecessor): stage, chunk and direction, and
 * whether it ran on another stage; 0 when the pass waits on nothing. */
static int predecessor(const tess_schedule *s, uint32_t st, const tess_pass *ps, uint32_t *pst,
                       uint32_t *pchunk, int *pbackward, int *remote)
{
    const uint32_t p = s->pp, v = s->chunks;
    *remote = 1;
    *pchunk = ps->chunk;
    *pbackward = ps->backward;
    if (!ps->backward) {
        if (st > 0)
            *pst = st - 1;
        else if (ps->chunk > 0)
            *pst = p - 1, *pchunk = ps->chunk - 1;
        else
            return 0;
    } else {
        if (st + 1 < p)
            *pst = st + 1;
        else if (ps->chunk + 1 < v)
            *pst = 0, *pchunk = ps->chunk + 1;
        else
            *pst = st, *pbackward = 0, *remote = 0;
    }
    return 1;
}

double tess_pipeline_makespan(const tess_schedule *s, const double *t_fwd, const double *t_bwd,
                              double p2p_s, double *stage_end)
{
    return tess_pipeline_path(s, t_fwd, t_bwd, p2p_s, stage_end, 0, NULL);
}

double tess_pipeline_path(const tess_schedule *s, const double *t_fwd, const double *t_bwd,
                          double p2p_s, double *stage_end, uint32_t end_stage,
                          tess_pipeline_walk *walk)
{
    const uint32_t p = s->pp, m = s->microbatches, v = s->chunks;
    const size_t cells = (size_t)p * m * v;
    /* per pass (F forward, B backward): its end, whether its predecessor's message (not its
     * stage) made it wait, and its place in its stage's order */
    double *F = malloc(cells * sizeof *F), *B = malloc(cells * sizeof *B);
    uint8_t *waited = calloc(2 * cells + 1, 1);
    uint32_t *place = calloc(2 * cells + 1, sizeof *place);
    uint32_t *next = calloc(p, sizeof *next);
    double *free_at = calloc(p, sizeof *free_at);
    double makespan = -1;
    if (!F || !B || !waited || !place || !next || !free_at) goto out;
    for (size_t i = 0; i < cells; i++)
        F[i] = B[i] = -1;
#define CELL(st, mb, c) (((size_t)(st)*m + (mb)) * v + (c))
    for (int progress = 1; progress;) {
        progress = 0;
        for (uint32_t st = 0; st < p; st++) {
            while (next[st] < s->stages[st].n_order) {
                const tess_pass *ps = &s->stages[st].order[next[st]];
                uint32_t pst, pc;
                int pb, remote;
                double dep = 0;
                if (predecessor(s, st, ps, &pst, &pc, &pb, &remote)) {
                    dep = (pb ? B : F)[CELL(pst, ps->microbatch, pc)];
                    if (dep < 0) break; /* its predecessor has not run yet */
                    if (remote && p > 1) dep += p2p_s;
                }
                const double before = free_at[st], start = dep > before ? dep : before;
                const size_t k = (size_t)st * v + ps->chunk,
                             cell = CELL(st, ps->microbatch, ps->chunk);
                free_at[st] = start + (ps->backward ? t_bwd[k] : t_fwd[k]);
                (ps->backward ? B : F)[cell] = free_at[st];
                waited[2 * cell + ps->backward] = dep > before;
                place[2 * cell + ps->backward] = next[st];
                next[st]++;
                progress = 1;
            }
        }
    }
    makespan = 0;
    for (uint32_t st = 0; st < p; st++) {
        if (next[st] < s->stages[st].n_order) { /* an order that waits on itself */
            makespan = -1;
            goto out;
        }
        if (free_at[st] > makespan) makespan = free_at[st];
        if (stage_end) stage_end[st] = free_at[st];
    }
    if (walk && end_stage < p &&
        s->stages[end_stage].n_order) { /* back from the stage's last pass */
        memset(walk->passes, 0, (size_t)p * v * 2 * sizeof *walk->passes);
        walk->handoffs = 0;
        uint32_t st = end_stage, k = s->stages[st].n_order - 1;
        for (;;) {
            const tess_pass *ps = &s->stages[st].order[k];
            walk->passes[((size_t)st * v + ps->chunk) * 2 + ps->backward]++;
            uint32_t pst, pc;
            int pb, remote;
            const size_t cell = CELL(st, ps->microbatch, ps->chunk);
            if (waited[2 * cell + ps->backward] &&
                predecessor(s, st, ps, &pst, &pc, &pb, &remote)) {
                walk->handoffs += remote && pst != st;
                k = place[2 * CELL(pst, ps->microbatch, pc) + pb];
                st = pst;
            } else if (k > 0) {
                k--;
            } else {
                break;
            }
        }
        walk->start_stage = st;
    }
#undef CELL
out:
    free(F);
    free(B);
    free(waited);
    free(place);
    free(next);
    free(free_at);
    return makespan;
}

double tess_schedule_critical_path(const tess_schedule *s, double t_fwd, double t_bwd,
                                   double *ideal)
{
    const size_t n = (size_t)s->pp * s->chunks;
    double *f = malloc((n + 1) * sizeof *f), *b = malloc((n + 1) * sizeof *b);
    double makespan = -1;
    if (f && b) {
        for (size_t i = 0; i < n; i++) {
            f[i] = t_fwd;
            b[i] = t_bwd;
        }
        makespan = tess_pipeline_makespan(s, f, b, 0, NULL);
        if (ideal) *ideal = (double)s->microbatches * s->chunks * (t_fwd + t_bwd);
    }
    free(f);
    free(b);
    return makespan;
}

/* Pipeline traffic of one pass at stage st: a forward pass receives the activations of
 * the stage before (for chunk c > 0 at stage 0: of the last stage's chunk c - 1) and
 * sends its own on; a backward pass does the same with gradients, the other way. */
uint32_t tess_pass_recvs(const tess_schedule *s, uint32_t st, const tess_pass *ps)
{
    if (!ps->backward) return st > 0 || ps->chunk > 0;
    return st + 1 < s->pp || ps->chunk + 1 < s->chunks;
}

uint32_t tess_pass_sends(const tess_schedule *s, uint32_t st, const tess_pass *ps)
{
    if (!ps->backward) return st + 1 < s->pp || ps->chunk + 1 < s->chunks;
    return st > 0 || ps->chunk > 0;
}
