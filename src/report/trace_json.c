/* trace.json: see report.h. */
#include "report/report.h"

void tess_write_trace_json(FILE *f, const tess_platform *p, const tess_eval_result *e)
{
    static const char *const track_names[] = {"tensor", "dma", "network", "pipeline wait"};
    static const char *const categories[] = {"compute", "memory", "network", "pipeline_bubble"};
    fprintf(f, "{\"displayTimeUnit\": \"ms\", \"traceEvents\": [\n");
    fprintf(f,
            "{\"name\": \"process_name\", \"ph\": \"M\", \"pid\": 1, \"args\": {\"name\": \"%s: "
            "dies\"}}",
            p->name);
    for (uint32_t r = 0; r < e->n_dies; r++)
        for (uint32_t t = 0; t < TESS_TRACKS_; t++)
            fprintf(f,
                    ",\n{\"name\": \"thread_name\", \"ph\": \"M\", \"pid\": 1, \"tid\": %u, "
                    "\"args\": {\"name\": \"rank %u %s: %s\"}}",
                    r * TESS_TRACKS_ + t, r, p->instances[e->dies[r].instance].path,
                    track_names[t]);
    static const char *const link_classes[] = {"die to router", "router to die",
                                               "router to router"};
    fprintf(f,
            ",\n{\"name\": \"process_name\", \"ph\": \"M\", \"pid\": 2, \"args\": {\"name\": \"%s: "
            "links\"}}",
            p->name);
    if (e->memory_fidelity != TESS_MEM_RATE && !e->analytic)
        fprintf(f,
                ",\n{\"name\": \"process_name\", \"ph\": \"M\", \"pid\": 3, \"args\": {\"name\": "
                "\"%s: memories\"}}",
                p->name);
    /* timestamps in microseconds, as the format wants */
    for (uint64_t i = 0; i < e->n_spans; i++) {
        const tess_span *s = &e->spans[i];
        if (s->track ==
            TESS_TRACK_LINKS) { /* a counter sample: busy share of the class's channels */
            fprintf(
                f,
                ",\n{\"name\": \"utilisation, %s\", \"cat\": \"links\", \"ph\": \"C\", \"pid\": 2, "
                "\"ts\": %.6f, \"args\": {\"busy\": %.6f}}",
                link_classes[s->rank < 3 ? s->rank : 2], s->t0 * 1e6, s->value);
            continue;
        }
        if (s->track == TESS_TRACK_MEMORY) { /* a memory controller's busy share */
            fprintf(f,
                    ",\n{\"name\": \"utilisation, %s\", \"cat\": \"memories\", \"ph\": \"C\", "
                    "\"pid\": 3, \"ts\": %.6f, \"args\": {\"busy\": %.6f}}",
                    s->rank < p->n_instances ? p->instances[s->rank].path : "?", s->t0 * 1e6,
                    s->value);
            continue;
        }
        fprintf(f,
                ",\n{\"name\": \"%s\", \"cat\": \"%s\", \"ph\": \"X\", \"pid\": 1, \"tid\": %u, "
                "\"ts\": %.6f, \"dur\": %.6f}",
                track_names[s->track], categories[s->track], s->rank * TESS_TRACKS_ + s->track,
                s->t0 * 1e6, (s->t1 - s->t0) * 1e6);
    }
    fprintf(f, "\n]}\n");
}
