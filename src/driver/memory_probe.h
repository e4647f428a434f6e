/* The sustained bandwidth and first-access latency of the platform's memories, measured with the
 * DRAM model in a child process (src/driver/runner.h) once per memory type and process.
 */
#ifndef TESS_MEMORY_PROBE_H
#define TESS_MEMORY_PROBE_H

#include <stddef.h>

#include "config/platform.h"

/* per_instance: one entry per platform instance, each live memory's type's sustained
 * bandwidth (bytes/s), 0 for the rest; latency_s (NULL, or as many entries): each live
 * memory's first-access latency (the stream's quickest request, seconds), 0 for the rest;
 * row_hit (NULL, or as many entries): the share of the stream's bursts that found their row
 * open. A memory type met before in this process is not measured again (a sweep worker or
 * explorer evaluates many jobs on the same memories). TESS_OK, or a status with msg. */
int tess_sustained_bandwidths(const tess_platform *p, double *per_instance, double *latency_s,
                              double *row_hit, char *msg, size_t n);

#endif
