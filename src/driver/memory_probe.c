/* Memory bandwidth probe: see memory_probe.h. */
#include "driver/memory_probe.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/tessera_hw.h"
#include "driver/runner.h"
#include "tessera/tessera.h"

typedef struct mem_job {
    const tess_platform *p;
    uint32_t instance;
} mem_job;

static void measure_memory(void *arg, tess_job_output *out)
{
    mem_job *j = arg;
    tess_mem_options o;
    tess_mem_options_default(&o);
    const tess_memory_type *m = &j->p->types[j->p->instances[j->instance].type].u.memory;
    /* whole bursts: the first multiple of the burst of at least 64 B (a 48 B burst of a
     * 48-bit channel would otherwise move two bursts for every 64 B request) */
    const uint64_t burst = tess_memory_burst_bytes(m);
    if (burst > 0) o.request_bytes = (uint32_t)((64 + burst - 1) / burst * burst);
    o.outstanding = 32 * m->channels;
    o.requests = 40ull * m->channels * 32;
    /* A refreshing memory is measured over whole refresh intervals: a stream shorter than
     * tREFI (1,280 bursts a channel is about 3 us on HBM3, tREFI 3.9 us) never meets a
     * refresh and overstates the sustained rate by tRFC / tREFI (9% on HBM3). At least
     * kIntervals intervals at peak rate: the partial last one moves the figure by at most
     * 1 / kIntervals of the refresh share. */
    if (m->refresh != TESS_REFRESH_OFF) {
        enum { kIntervals = 8 };
        const double refi = tess_latency_seconds(m->t.tREFI, tess_memory_clock(m));
        const double bytes = kIntervals * refi * tess_memory_peak_bandwidth(m);
        const uint64_t need = (uint64_t)(bytes / (double)o.request_bytes) + 1;
        if (need > o.requests) o.requests = need;
    }
    tess_mem_result *r = malloc(sizeof *r);
    out->status = tess_hw_mem_run(j->p, j->instance, &o, r, out->message, sizeof out->message);
    out->blob = r;
    out->blob_len = sizeof *r;
}

/* Measured bandwidths of the memory types this process has met: a sweep worker or an
 * explorer evaluates many jobs on the same memories, and the measurement (tens of
 * milliseconds) depends on the type alone. A hit needs every byte of the type equal. */
#define BW_CACHE 16
static struct {
    tess_memory_type type;
    double bandwidth, latency_s, row_hit;
} bw_cache[BW_CACHE];
static size_t bw_cached, bw_next;
static pthread_mutex_t bw_lock = PTHREAD_MUTEX_INITIALIZER;

static double cached_bandwidth(const tess_memory_type *m, double *latency_s, double *row_hit)
{
    double bw = 0;
    pthread_mutex_lock(&bw_lock);
    for (size_t i = 0; i < bw_cached && bw == 0; i++)
        if (memcmp(&bw_cache[i].type, m, sizeof *m) == 0) {
            bw = bw_cache[i].bandwidth;
            *latency_s = bw_cache[i].latency_s;
            *row_hit = bw_cache[i].row_hit;
        }
    pthread_mutex_unlock(&bw_lock);
    return bw;
}

static void cache_bandwidth(const tess_memory_type *m, double bw, double latency_s, double row_hit)
{
    pthread_mutex_lock(&bw_lock);
    bw_cache[bw_next].type = *m;
    bw_cache[bw_next].bandwidth = bw;
    bw_cache[bw_next].latency_s = latency_s;
    bw_cache[bw_next].row_hit = row_hit;
    bw_next = (bw_next + 1) % BW_CACHE;
    if (bw_cached < BW_CACHE) bw_cached++;
    pthread_mutex_unlock(&bw_lock);
}

int tess_sustained_bandwidths(const tess_platform *p, double *per_instance, double *latency_s,
                              double *row_hit, char *msg, size_t n)
{
    double *per_type = calloc(3 * ((size_t)p->n_types + 1), sizeof *per_type);
    if (!per_type) return TESS_ENOMEM;
    double *lat_type = per_type + p->n_types + 1, *hit_type = lat_type + p->n_types + 1;
    int rc = TESS_OK;
    for (size_t i = 0; i < p->n_instances && rc == TESS_OK; i++) {
        const tess_instance *x = &p->instances[i];
        if (x->kind != TESS_KIND_MEMORY || x->dead) continue;
        const tess_memory_type *m = &p->types[x->type].u.memory;
        if (per_type[x->type] == 0)
            per_type[x->type] = cached_bandwidth(m, &lat_type[x->type], &hit_type[x->type]);
        if (per_type[x->type] == 0) {
            mem_job j = {p, (uint32_t)i};
            tess_run_result r;
            rc = tess_run_isolated(measure_memory, &j, 600, &r);
            if (rc == TESS_OK && r.blob_len == sizeof(tess_mem_result)) {
                const tess_mem_result *got = r.blob;
                per_type[x->type] = got->bandwidth_bytes_per_s;
                lat_type[x->type] = got->min_latency_ns * 1e-9;
                hit_type[x->type] = got->row_hit_rate;
                cache_bandwidth(m, per_type[x->type], lat_type[x->type], hit_type[x->type]);
            } else {
                snprintf(msg, n, "measuring memory %.200s: %.700s", x->path, r.message);
            }
            tess_run_result_free(&r);
        }
        per_instance[i] = per_type[x->type];
        if (latency_s) latency_s[i] = lat_type[x->type];
        if (row_hit) row_hit[i] = hit_type[x->type];
    }
    free(per_type);
    return rc;
}
