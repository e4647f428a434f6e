/* report.json: see report.h. */
#include "report/report.h"

#include <string.h>

#include "config/fields.h"
#include "tessera/tessera.h"

/* 1 when a link-type of p models its transport: a window, a lossy port or a lossless
 * buffer (credits). */
static int has_transport_model(const tess_platform *p)
{
    for (uint32_t i = 0; i < p->n_types; i++) {
        const tess_link_type *lt = &p->types[i].u.link;
        if (p->types[i].kind == TESS_KIND_LINK &&
            (lt->window_bytes || lt->buffer_bytes || lt->transport != TESS_TRANSPORT_LOSSLESS))
            return 1;
    }
    return 0;
}

/* A JSON string literal. */
static void json_string(FILE *f, const char *text)
{
    fputc('"', f);
    for (const unsigned char *c = (const unsigned char *)text; *c; c++) {
        if (*c == '"' || *c == '\\')
            fprintf(f, "\\%c", *c);
        else if (*c < 0x20)
            fprintf(f, "\\u%04x", *c);
        else
            fputc(*c, f);
    }
    fputc('"', f);
}

/* "prefix.field=text" lines as the members of a JSON object, without the prefix. */
static void json_resolved(FILE *f, const char *lines)
{
    int first = 1;
    for (const char *l = lines; *l;) {
        const char *eq = strchr(l, '='), *nl = strchr(l, '\n'), *dot = strchr(l, '.');
        if (!eq || !nl || !dot || dot > eq) break;
        char name[256], value[512];
        snprintf(name, sizeof name, "%.*s", (int)(eq - dot - 1), dot + 1);
        snprintf(value, sizeof value, "%.*s", (int)(nl - eq - 1), eq + 1);
        fputs(first ? "" : ", ", f);
        json_string(f, name);
        fputs(": ", f);
        json_string(f, value);
        first = 0;
        l = nl + 1;
    }
}

/* Where the numbers came from: the program, the SHA-256 of every input's XML text (taken
 * when it was read), and every
 * parameter as resolved after overrides, and the seeds of what a run draws (an expert
 * routing, a defect map). */
static void write_provenance(FILE *f, const tess_platform *p, const tess_workload *w)
{
    fprintf(f, "  \"provenance\": {\n    \"tessera\": \"%s\",\n    \"inputs\": [", tess_version());
    const char *const roles[] = {"platform", "workload", "model"};
    const char *const paths[] = {p->file ? p->file : "", w->file, w->model_file};
    const char *const hashes[] = {p->sha256, w->sha256, w->model.sha256};
    for (int i = 0; i < 3; i++) {
        const char *hex = hashes[i];
        fprintf(f, "%s\n      {\"role\": \"%s\", \"path\": ", i ? "," : "", roles[i]);
        json_string(f, paths[i]);
        fprintf(f, ", \"sha256\": \"%s\"}", hex);
    }
    for (size_t i = 0; i < p->n_includes; i++) {
        fprintf(f, ",\n      {\"role\": \"include\", \"path\": ");
        json_string(f, p->includes[i].path);
        fprintf(f, ", \"sha256\": \"%s\"}", p->includes[i].sha256);
    }
    fprintf(f, "\n    ],\n    \"parameters\": {\n      \"platform\": {");
    for (size_t i = 0; i < p->n_params; i++) {
        fputs(i ? ", " : "", f);
        json_string(f, p->params[i].name);
        fputs(": ", f);
        json_string(f, p->params[i].value ? p->params[i].value : "");
    }
    fprintf(f, "},\n      \"workload\": {");
    json_resolved(f, w->resolved);
    fprintf(f, "},\n      \"model\": {");
    json_resolved(f, w->model.resolved);
    fprintf(f, "}\n    },\n    \"seeds\": {");
    /* what a run draws: a mixture of experts' routing (workload expert-skew) */
    if (tess_workload_draws_routing(w)) fprintf(f, "\"routing\": %u", w->routing_seed);
    /* and the platform's defect map (<defects seed>) */
    if (p->defect_seed)
        fprintf(f, "%s\"defects\": %u", tess_workload_draws_routing(w) ? ", " : "", p->defect_seed);
    fprintf(f, "}\n  },\n");
}

/* The platform's dead instances and why (written, drawn from its yield, cut off with
 * them, idle spares), only on a platform that has any. */
static void write_defects(FILE *f, const tess_platform *p)
{
    size_t n = 0;
    for (size_t i = 0; i < p->n_instances; i++)
        n += p->instances[i].dead != 0;
    if (!n && !p->defect_seed) return;
    fprintf(f, "  \"defects\": {\"seed\": %u, \"dead\": [", p->defect_seed);
    n = 0;
    for (size_t i = 0; i < p->n_instances; i++)
        if (p->instances[i].dead)
            fprintf(f, "%s\n    {\"instance\": \"%s\", \"why\": \"%s\"}", n++ ? "," : "",
                    p->instances[i].path, tess_dead_reason_name(p->instances[i].dead));
    fprintf(f, "%s], \"dead_links\": %zu},\n", n ? "\n  " : "",
            p->n_links - tess_platform_live_links(p));
}

/* Where the parallel groups landed and what each hierarchy level carried. */
static void write_hierarchy(FILE *f, const tess_platform *p, const tess_schedule *s,
                            const tess_iteration_result *r)
{
    /* the expert- and context-parallel groups' spans, as the placement found the others' */
    const tess_rank_map m = tess_schedule_ranks(s);
    uint32_t worst;
    const uint32_t ep = s->ep ? s->ep : 1, cp = s->cp ? s->cp : 1;
    const int8_t spans[5] = {
        s->placement.tp_span, s->placement.pp_span, s->placement.dp_span,
        (int8_t)(ep > 1 ? tess_axis_span(p, &m, TESS_AXIS_EP, &worst, 0, NULL) : -1),
        (int8_t)(cp > 1 ? tess_axis_span(p, &m, TESS_AXIS_CP, &worst, 0, NULL) : -1)};
    static const char *const axes[5] = {"tp", "pp", "dp", "ep", "cp"};
    fputs("  \"hierarchy\": {\"spans\": {", f);
    for (int k = 0; k < 5; k++)
        fprintf(f, "%s\"%s\": \"%s\"", k ? ", " : "", axes[k],
                spans[k] < 0 ? "none" : tess_scope_level_name(spans[k]));
    fprintf(f, "}, \"degrees\": {\"tp\": %u, \"pp\": %u, \"dp\": %u, \"ep\": %u, \"cp\": %u}",
            s->tp, s->pp, s->dp / cp, ep, cp);
    fprintf(f,
            ", \"dp_domain\": {\"level\": \"%s\", \"members\": %u}, "
            "\"tp_domain\": {\"level\": \"%s\", \"members\": %u},\n    \"levels\": {",
            s->placement.dp_local > 1 ? tess_scope_level_name(s->placement.dp_local_level) : "none",
            s->placement.dp_local ? s->placement.dp_local : 1,
            s->placement.tp_local > 1 ? tess_scope_level_name(s->placement.tp_local_level) : "none",
            s->placement.tp_local ? s->placement.tp_local : 1);
    for (int l = 0; l <= TESS_SCOPE_LEVELS; l++)
        fprintf(f, "%s\n      \"%s\": {\"bytes\": %.17g, \"collective_s\": %.9g}", l ? "," : "",
                tess_scope_level_name(l), s->level_bytes[l], r->level_collective_s[l]);
    fputs("\n    }\n  },\n", f);
}

/* Burst memory fidelity: every memory a controller served, with what it moved and for
 * whom (hw/api/stats.h, tess_memory_stat). */
static void write_memories(FILE *f, const tess_platform *p, const tess_eval_result *e)
{
    const double T = e->it.iteration_time_s;
    fputs("  \"memories\": [", f);
    for (uint32_t i = 0; i < e->n_memories; i++) {
        const tess_memory_stat *m = &e->memories[i];
        const double bytes = (double)m->bytes_read + (double)m->bytes_written;
        const uint64_t transfers = m->reads + m->writes;
        fprintf(f,
                "%s\n    {\"memory\": \"%s\", \"bytes_read\": %llu, \"bytes_written\": %llu, "
                "\"transfers\": %llu, \"bandwidth_bytes_per_s\": %.6g, "
                "\"sustained_bandwidth_bytes_per_s\": %.6g, \"utilisation\": %.6g, "
                "\"mean_queueing_s\": %.6g, \"latency_s\": %.6g, \"row_hit_rate\": %.6g, "
                "\"dies\": [",
                i ? "," : "", p->instances[m->instance].path, (unsigned long long)m->bytes_read,
                (unsigned long long)m->bytes_written, (unsigned long long)transfers,
                T > 0 ? bytes / T : 0.0, m->bandwidth_bytes_per_s, T > 0 ? m->busy_s / T : 0.0,
                transfers ? m->queue_s / (double)transfers : 0.0, m->latency_s, m->row_hit_rate);
        for (uint32_t d = 0; d < m->n_dies && d < TESS_MEMORY_DIES; d++)
            fprintf(f, "%s\"%s\"", d ? ", " : "", p->instances[m->dies[d]].path);
        fprintf(f, "], \"n_dies\": %u}", m->n_dies);
    }
    fprintf(f, "%s],\n", e->n_memories ? "\n  " : "");
}

void tess_write_report(FILE *f, const tess_platform *p, const tess_workload *w,
                       const tess_schedule *s, const tess_eval_result *e)
{
    const tess_iteration_result *r = &e->it;
    const double dram_j = e->dram_j;
    const double T = r->iteration_time_s;
    const tess_throughput tp = tess_throughput_of(w, s, e);
    const double other = T - r->compute_s - r->memory_s - r->network_s - r->bubble_s;
    fprintf(f,
            "{\n  \"version\": \"%s\",\n  \"platform\": \"%s\",\n  \"workload\": \"%s\",\n"
            "  \"fidelity\": \"%s\",\n",
            tess_version(), p->name, w->name,
            e->analytic ? "analytic" : tess_noc_fidelity_names[e->fidelity]);
    fprintf(f, "  \"memory_fidelity\": \"%s\",\n", tess_mem_fidelity_names[e->memory_fidelity]);
    /* a simulation whose network moves flows (flow.h): its tolerance, its transport windows */
    const int flows =
        !e->analytic && (e->fidelity == TESS_NOC_FLOW || e->fidelity == TESS_NOC_MIXED);
    if (flows) fprintf(f, "  \"flow_tolerance\": %.6g,\n", e->flow_tolerance);
    if (e->analytic) {
        fputs("  \"calibration\": ", f);
        json_string(f, e->calibration[0] ? e->calibration : "none");
        fputs(",\n", f);
    }
    write_provenance(f, p, w);
    write_defects(f, p);
    {
        /* the network's routing (one algorithm per network) and whether it spreads pairs */
        tess_routing rt = TESS_ROUTING_XY;
        tess_multipath mp = TESS_MULTIPATH_HASH;
        for (size_t i = 0; i < p->n_instances; i++)
            if (p->instances[i].kind == TESS_KIND_ROUTER) {
                rt = p->types[p->instances[i].type].u.router.routing;
                mp = p->types[p->instances[i].type].u.router.multipath;
                break;
            }
        fprintf(f, "  \"routing\": {\"algorithm\": \"%s\", \"multipath\": \"%s\"},\n",
                tess_routing_name(rt),
                rt != TESS_ROUTING_SHORTEST ? "none"
                : mp == TESS_MULTIPATH_HASH ? "ecmp-hash"
                                            : tess_multipath_name(mp));
    }
    fprintf(f,
            "  \"iteration_time_s\": %.9g,\n  \"tokens_per_s\": %.9g,\n"
            "  \"model_flops\": %.9g,\n  \"hardware_flops\": %.9g,\n"
            "  \"mfu\": %.6g,\n  \"hfu\": %.6g,\n",
            T, tp.tokens_per_s, s->model_flops, s->hardware_flops, tp.mfu, tp.hfu);
    fprintf(f, "  \"energy_j\": %.9g,\n", e->energy_j);
    fprintf(f,
            "  \"time_breakdown_s\": {\"compute\": %.9g, \"memory\": %.9g, \"optimizer\": %.9g, "
            "\"network\": %.9g, \"scale_out\": %.9g, \"pipeline_bubble\": %.9g, "
            "\"all_to_all\": %.9g, \"collective_contention\": %.9g, "
            "\"exposed_communication\": %.9g, \"other\": %.9g, \"die\": \"%s\"},\n",
            r->compute_s, r->memory_s, r->optimizer_s, r->network_s, r->scale_out_s, r->bubble_s,
            r->all_to_all_s, r->contention_s, r->exposed_communication_s, other > 0 ? other : 0,
            p->instances[s->die_of_rank[r->slowest_rank]].path);
    fprintf(f,
            "  \"energy_breakdown_j\": {\"compute\": %.9g, \"dram\": %.9g, \"sram\": %.9g, "
            "\"network\": %.9g, \"static\": %.9g},\n",
            r->energy_compute_j, dram_j, r->energy_sram_j, r->energy_network_j, r->energy_static_j);
    fprintf(f, "  \"power_w\": %.9g,\n", e->power_w);
    fprintf(f,
            "  \"power_breakdown_w\": {\"compute\": %.9g, \"dram\": %.9g, \"sram\": %.9g, "
            "\"network\": %.9g, \"static\": %.9g},\n",
            r->energy_compute_j / T, dram_j / T, r->energy_sram_j / T, r->energy_network_j / T,
            r->energy_static_j / T);
    fprintf(f, "  \"peak_power_w\": %.9g,\n", e->peak_power_w);
    fprintf(f,
            "  \"peak_power_breakdown_w\": {\"dynamic\": %.9g, \"static\": %.9g, "
            "\"network\": %.9g, \"window_s\": %.9g},\n",
            r->peak_dynamic_w, r->energy_static_j / T, r->energy_network_j / T, e->peak_window_s);
    fprintf(f, "  \"power_limits\": {\"checked\": %u, \"violations\": [", e->n_limits);
    for (uint32_t i = 0, shown = 0; i < e->n_limits; i++) {
        const tess_power_limit *l = &e->limits[i];
        if (!(l->power_w > l->limit_w)) continue;
        const char *what =
            l->instance != TESS_NONE ? p->instances[l->instance].path : p->groups[l->group].path;
        fprintf(f,
                "%s\n    {\"unit\": \"%s\", \"kind\": \"%s\", \"tdp_w\": %.9g, \"power_w\": %.9g}",
                shown++ ? "," : "", what,
                l->instance != TESS_NONE       ? "die"
                : p->groups[l->group].is_wafer ? "wafer"
                                               : "package",
                l->limit_w, l->power_w);
    }
    fprintf(f, "%s]},\n", e->n_violations ? "\n  " : "");
    tess_write_cost_json(f, p, &e->cost, "  ");
    fprintf(f, "  \"peak_memory_bytes\": {\"largest\": %llu, \"die\": \"%s\"},\n",
            (unsigned long long)s->peak_memory_bytes, p->instances[s->peak_die].path);
    fprintf(f, "  \"busiest_links\": [");
    for (uint32_t i = 0; i < r->n_top_links; i++)
        fprintf(f, "%s\n    {\"link\": \"%s\", \"utilisation\": %.6g}", i ? "," : "",
                r->top_links[i].name, r->top_links[i].utilisation);
    fprintf(f, "%s],\n", r->n_top_links ? "\n  " : "");
    if (!e->analytic && e->memory_fidelity != TESS_MEM_RATE) write_memories(f, p, e);
    {
        const tess_critical_path *c = &r->critical_path;
        fprintf(
            f,
            "  \"critical_path\": {\"compute_s\": %.9g, \"memory_s\": %.9g, \"network_s\": %.9g, "
            "\"transfer_s\": %.9g, \"other_s\": %.9g, \"handoffs\": %u, \"start_die\": \"%s\", "
            "\"end_die\": \"%s\"},\n",
            c->compute_s, c->memory_s, c->network_s, c->transfer_s, c->other_s, c->handoffs,
            p->instances[s->die_of_rank[c->start_rank]].path,
            p->instances[s->die_of_rank[c->end_rank]].path);
    }
    write_hierarchy(f, p, s, r);
    fprintf(f,
            "  \"symmetry\": {\"replicas\": %u, \"simulated_replicas\": %u, \"mirrored_messages\": "
            "%llu, "
            "\"mirrored_messages_left_out\": %llu},\n",
            s->dp, e->analytic ? 0 : r->simulated_replicas,
            (unsigned long long)r->mirrored_messages, (unsigned long long)r->mirror_skipped);
    if (p->circuits)
        fprintf(f,
                "  \"circuits\": {\"switch\": \"%s\", \"configurations\": %u, "
                "\"reconfigurations\": %llu, "
                "\"reconfiguring_s\": %.9g, \"held_messages\": %llu, \"held_s\": %.9g},\n",
                p->circuits->name, p->circuits->n_configs,
                (unsigned long long)r->circuit_reconfigurations, r->circuit_reconfiguring_s,
                (unsigned long long)r->circuit_held_messages, r->circuit_held_s);
    else
        fprintf(f, "  \"circuits\": null,\n");
    if (has_transport_model(p)) {
        /* the analytic model caps a windowed route's bandwidth (it counts no flows) */
        const int modelled = e->analytic || flows;
        fprintf(f,
                "  \"transport\": {\"modelled\": %s, \"flows\": %llu, "
                "\"window_limited_flows\": %llu, \"lost_bytes\": %.17g, "
                "\"retransmit_timeouts\": %llu, \"congestion_cut_flows\": %llu, "
                "\"credit_limited_links\": ",
                modelled ? "true" : "false", (unsigned long long)r->flows,
                (unsigned long long)r->window_limited_flows, r->lost_bytes,
                (unsigned long long)r->retransmit_timeouts,
                (unsigned long long)r->congestion_cut_flows);
        if (e->analytic)
            fputs("null", f);
        else
            fprintf(f, "%u", r->credit_limited_links);
        fputs(", \"window_limited_links\": [", f);
        for (uint32_t i = 0; i < r->n_window_links && i < TESS_NOC_TOP_LINKS; i++) {
            fprintf(f, "%s{\"link\": ", i ? ", " : "");
            json_string(f, r->window_links[i].name);
            fprintf(f, ", \"flows\": %llu}", (unsigned long long)r->window_links[i].flows);
        }
        fputs("]},\n", f);
    }
    fprintf(f, "  \"messages\": %llu,\n", (unsigned long long)r->messages);
    fprintf(f,
            "  \"run\": {\"wall_seconds\": %.6g, \"events\": %llu, \"events_per_second\": %.6g, "
            "\"delta_cycles\": %llu}\n}\n",
            r->wall_seconds, (unsigned long long)r->events,
            r->wall_seconds > 0 ? r->events / r->wall_seconds : 0,
            (unsigned long long)r->delta_cycles);
}
