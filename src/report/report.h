/* The outputs of one evaluation: report.json, stats.csv and trace.json (each key and
 * column documented in docs/ and include/tessera/report.schema.json).
 */
#ifndef TESS_REPORT_H
#define TESS_REPORT_H

#include <stdio.h>

#include "config/platform.h"
#include "config/workload.h"
#include "model/result.h"
#include "model/schedule.h"

/* report.json: every key documented in the README. */
void tess_write_report(FILE *f, const tess_platform *p, const tess_workload *w,
                       const tess_schedule *s, const tess_eval_result *e);

/* stats.csv: a row per die (rank order) with its time, work and traffic, then a row per
 * network channel with its utilisation, a row per router and a row per memory. */
void tess_write_stats_csv(FILE *f, const tess_platform *p, const tess_eval_result *e);

/* trace.json in the Chrome trace-event format (opens in Perfetto): a track per engine of
 * each die (tensor, DMA, network, pipeline wait) with its busy intervals, and a counter
 * per link class (die to router, router to die, router to router) with its utilisation
 * window by window (flow fidelity places a transfer's busy time at its start). */
void tess_write_trace_json(FILE *f, const tess_platform *p, const tess_eval_result *e);

#endif
