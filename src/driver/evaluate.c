/* One evaluation of a training job: measure the memories the dies use (memory_probe.h),
 * simulate the iteration in a child process (its reply in the wire format, wire.h), and
 * complete its figures (src/model/result.h). Used by `tessera run` and by the public C
 * API (api.c). */
#include "driver/evaluate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/tessera_hw.h"
#include "driver/memory_probe.h"
#include "driver/runner.h"
#include "driver/wire.h"
#include "model/placement.h"
#include "tessera/tessera.h"

typedef struct run_job {
    const tess_platform *p;
    const tess_schedule *s;
    unsigned e;
    const double *bw;
    tess_hw_run_options hw;
    int trace;
} run_job;

/* In the child: simulate, and reply with the figures in the wire format. */
static void run_iteration(void *arg, tess_job_output *out)
{
    run_job *j = arg;
    tess_wire_iteration w = {0};
    uint32_t n_links = 0, n_memories = 0;
    w.n_dies = j->s->dies;
    w.dies = calloc(j->s->dies + 1, sizeof *w.dies);
    if (!w.dies) {
        out->status = TESS_ENOMEM;
        snprintf(out->message, sizeof out->message, "out of memory for %u dies' figures",
                 j->s->dies);
        return;
    }
    out->status = tess_hw_run(j->p, j->s, j->e, j->bw, &j->hw, &w.it, w.dies, &w.links, &n_links,
                              &w.memories, &n_memories, j->trace ? &w.spans : NULL, &w.n_spans,
                              out->message, sizeof out->message);
    w.n_links = n_links;
    w.n_memories = n_memories;
    out->blob = tess_wire_pack(&w, &out->blob_len);
    if (!out->blob) out->blob_len = 0;
    tess_wire_free(&w);
}

int tess_evaluate_job(const tess_platform *p, const tess_workload *w, const tess_schedule *s,
                      const tess_eval_job_options *o, tess_eval_result *out, char *msg,
                      size_t msglen)
{
    memset(out, 0, sizeof *out);
    out->fidelity = o->hw.fidelity;
    out->memory_fidelity = o->hw.memory_fidelity;
    out->flow_tolerance = o->hw.flow_tolerance;
    double *mem_bw = calloc(p->n_instances + 1, sizeof *mem_bw);
    double *mem_lat = calloc(p->n_instances + 1, sizeof *mem_lat);
    double *mem_hit = calloc(p->n_instances + 1, sizeof *mem_hit);
    double *die_bw = calloc(s->dies + 1, sizeof *die_bw);
    int rc = mem_bw && mem_lat && mem_hit && die_bw ? TESS_OK : TESS_ENOMEM;
    if (rc == TESS_OK) rc = tess_sustained_bandwidths(p, mem_bw, mem_lat, mem_hit, msg, msglen);
    const tess_rank_map ranks = tess_schedule_ranks(s);
    if (rc == TESS_OK) rc = tess_die_dma_rates(p, &ranks, mem_bw, die_bw, msg, msglen);
    tess_hw_run_options hw = o->hw;
    if (rc == TESS_OK && hw.memory_fidelity != TESS_MEM_RATE) {
        rc = tess_schedule_homes(p, s, &hw.home_memory, msg, msglen); /* its placement */
        hw.memory_bandwidth = mem_bw;
        hw.memory_latency_s = mem_lat;
        hw.memory_row_hit_rate = mem_hit;
    }
    if (rc == TESS_OK) {
        run_job j = {p, s, tess_dtype_bytes(w->dtype), die_bw, hw, o->trace};
        tess_run_result r;
        rc = tess_run_isolated(run_iteration, &j, o->time_limit_s, &r);
        tess_wire_iteration got;
        if (rc != TESS_OK) {
            snprintf(msg, msglen, "%s", r.message);
        } else if (tess_wire_unpack(r.blob, r.blob_len, s->dies, &got, msg, msglen) != 0) {
            rc = TESS_ECHILD;
        } else {
            out->it = got.it;
            out->dies = got.dies;
            out->n_dies = (uint32_t)got.n_dies;
            out->links = got.links;
            out->n_links = (uint32_t)got.n_links;
            out->memories = got.memories;
            out->n_memories = (uint32_t)got.n_memories;
            out->spans = got.spans;
            out->n_spans = got.n_spans;
        }
        tess_run_result_free(&r);
    }
    if (rc == TESS_OK) rc = tess_eval_finish(p, s, out);
    free(mem_bw);
    free(mem_lat);
    free(mem_hit);
    free(die_bw);
    return rc;
}
