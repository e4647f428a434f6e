/* One evaluation of a training job: measure the memories the dies use with the DRAM
 * model, simulate the iteration in a child process, account energy, write the report.
 * Used by `tessera run` and by the public C API (src/driver.c). */
#include "evaluate.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/fields.h"
#include "runner.h"
#include "sha256.h"
#include "tessera/tessera.h"
#include "tessera_hw.h"

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
    o.outstanding = 32 * m->channels;
    o.requests = 40ull * m->channels * 32;
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
    double bandwidth;
} bw_cache[BW_CACHE];
static size_t bw_cached, bw_next;
static pthread_mutex_t bw_lock = PTHREAD_MUTEX_INITIALIZER;

static double cached_bandwidth(const tess_memory_type *m)
{
    double bw = 0;
    pthread_mutex_lock(&bw_lock);
    for (size_t i = 0; i < bw_cached && bw == 0; i++)
        if (memcmp(&bw_cache[i].type, m, sizeof *m) == 0) bw = bw_cache[i].bandwidth;
    pthread_mutex_unlock(&bw_lock);
    return bw;
}

static void cache_bandwidth(const tess_memory_type *m, double bw)
{
    pthread_mutex_lock(&bw_lock);
    bw_cache[bw_next].type = *m;
    bw_cache[bw_next].bandwidth = bw;
    bw_next = (bw_next + 1) % BW_CACHE;
    if (bw_cached < BW_CACHE) bw_cached++;
    pthread_mutex_unlock(&bw_lock);
}

/* Sustained bandwidth of each memory instance's type, measured once per type. */
int tess_sustained_bandwidths(const tess_platform *p, double *per_instance, char *msg, size_t n)
{
    double *per_type = calloc(p->n_types + 1, sizeof *per_type);
    if (!per_type) return TESS_ENOMEM;
    int rc = TESS_OK;
    for (size_t i = 0; i < p->n_instances && rc == TESS_OK; i++) {
        const tess_instance *x = &p->instances[i];
        if (x->kind != TESS_KIND_MEMORY || x->dead) continue;
        const tess_memory_type *m = &p->types[x->type].u.memory;
        if (per_type[x->type] == 0) per_type[x->type] = cached_bandwidth(m);
        if (per_type[x->type] == 0) {
            mem_job j = {p, (uint32_t)i};
            tess_run_result r;
            rc = tess_run_isolated(measure_memory, &j, 600, &r);
            if (rc == TESS_OK && r.blob_len == sizeof(tess_mem_result)) {
                per_type[x->type] = ((tess_mem_result *)r.blob)->bandwidth_bytes_per_s;
                cache_bandwidth(m, per_type[x->type]);
            } else {
                snprintf(msg, n, "measuring memory %.200s: %.700s", x->path, r.message);
            }
            tess_run_result_free(&r);
        }
        per_instance[i] = per_type[x->type];
    }
    free(per_type);
    return rc;
}

typedef struct run_job {
    const tess_platform *p;
    const tess_schedule *s;
    unsigned e;
    const double *bw;
    tess_noc_fidelity fidelity;
    int symmetry, trace;
} run_job;


/* The child's blob: the iteration result, one tess_die_stat per rank, the number of
 * channels (a uint64_t), one tess_noc_link_use per channel, the number of spans (a
 * uint64_t) and the spans. */
static void run_iteration(void *arg, tess_job_output *out)
{
    run_job *j = arg;
    const size_t fixed = sizeof(tess_iteration_result) + j->s->dies * sizeof(tess_die_stat);
    tess_iteration_result r;
    tess_die_stat *dies = calloc(j->s->dies + 1, sizeof *dies);
    tess_noc_link_use *links = NULL;
    uint32_t n_links = 0;
    tess_span *spans = NULL;
    uint64_t n_spans = 0;
    out->status = tess_hw_run(j->p, j->s, j->e, j->bw, j->fidelity, j->symmetry, &r, dies, &links, &n_links,
                              j->trace ? &spans : NULL, &n_spans, out->message, sizeof out->message);
    const uint64_t n = n_links;
    const size_t at_spans = fixed + sizeof n + n * sizeof *links;
    const size_t len = at_spans + sizeof n_spans + n_spans * sizeof *spans;
    char *blob = malloc(len);
    if (blob) {
        memcpy(blob, &r, sizeof r);
        memcpy(blob + sizeof r, dies, j->s->dies * sizeof *dies);
        memcpy(blob + fixed, &n, sizeof n);
        if (n) memcpy(blob + fixed + sizeof n, links, n * sizeof *links);
        memcpy(blob + at_spans, &n_spans, sizeof n_spans);
        if (n_spans) memcpy(blob + at_spans + sizeof n_spans, spans, n_spans * sizeof *spans);
    }
    free(dies);
    free(links);
    free(spans);
    out->blob = blob;
    out->blob_len = blob ? len : 0;
}

void tess_eval_result_free(tess_eval_result *e)
{
    free(e->dies);
    free(e->links);
    free(e->limits);
    free(e->spans);
    e->spans = NULL;
    e->n_spans = 0;
    e->limits = NULL;
    e->n_limits = e->n_violations = 0;
    e->dies = NULL;
    e->links = NULL;
    e->n_dies = e->n_links = 0;
}

void tess_write_stats_csv(FILE *f, const tess_platform *p, const tess_eval_result *e)
{
    fprintf(f, "kind,name,rank,stage,compute_s,memory_s,optimizer_s,network_s,pipeline_bubble_s,end_s,flops,"
               "ops,dram_bytes,messages,utilisation\n");
    for (uint32_t r = 0; r < e->n_dies; r++) {
        const tess_die_stat *d = &e->dies[r];
        fprintf(f, "die,%s,%u,%u,%.9g,%.9g,%.9g,%.9g,%.9g,%.9g,%.9g,%llu,%llu,%llu,\n",
                p->instances[d->instance].path, d->rank, d->stage, d->compute_s, d->memory_s, d->optimizer_s,
                d->network_s, d->bubble_s, d->end_s, d->flops, (unsigned long long)d->ops,
                (unsigned long long)d->dram_bytes, (unsigned long long)d->messages);
    }
    for (uint32_t c = 0; c < e->n_links; c++)
        fprintf(f, "link,%s,,,,,,,,,,,,,%.6g\n", e->links[c].name, e->links[c].utilisation);

    /* a router's utilisation: the mean busy share of its output channels */
    double *sum = calloc(p->n_instances + 1, sizeof *sum);
    uint32_t *outs = calloc(p->n_instances + 1, sizeof *outs);
    int ok = sum && outs;
    for (uint32_t c = 0; ok && c < e->n_links; c++) {
        const uint32_t i = e->links[c].from;
        if (i >= p->n_instances || p->instances[i].kind != TESS_KIND_ROUTER) continue;
        sum[i] += e->links[c].utilisation;
        outs[i]++;
    }
    for (size_t i = 0; ok && i < p->n_instances; i++)
        if (p->instances[i].kind == TESS_KIND_ROUTER && !p->instances[i].dead)
            fprintf(f, "router,%s,,,,,,,,,,,,,%.6g\n", p->instances[i].path, outs[i] ? sum[i] / outs[i] : 0.0);

    /* a memory's bytes: each die's DRAM bytes, split evenly over the memories it draws on
     * (tess_die_memories); utilisation against its peak bandwidth */
    double *bytes = sum; /* reused: one value per instance */
    uint32_t *mems = ok ? malloc((p->n_instances + 1) * sizeof *mems) : NULL;
    ok = ok && mems;
    if (ok) memset(bytes, 0, (p->n_instances + 1) * sizeof *bytes);
    for (uint32_t r = 0; ok && r < e->n_dies; r++) {
        int shared = 0;
        const size_t n = tess_die_memories(p, e->dies[r].instance, mems, &shared);
        for (size_t i = 0; i < n; i++) bytes[mems[i]] += (double)e->dies[r].dram_bytes / n;
    }
    free(mems);
    const double T = e->it.iteration_time_s;
    for (size_t i = 0; ok && i < p->n_instances; i++) {
        const tess_instance *x = &p->instances[i];
        if (x->kind != TESS_KIND_MEMORY || x->dead) continue;
        const double peak = tess_memory_peak_bandwidth(&p->types[x->type].u.memory);
        fprintf(f, "memory,%s,,,,,,,,,,,%.0f,,%.6g\n", x->path, bytes[i],
                T > 0 && peak > 0 ? bytes[i] / (T * peak) : 0.0);
    }
    free(sum);
    free(outs);
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
 * parameter as resolved after overrides. `run` draws no random numbers: no seeds. */
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
    fprintf(f, "}\n    },\n    \"seeds\": {}\n  },\n");
}

/* Where the parallel groups landed and what each hierarchy level carried. */
static void write_hierarchy(FILE *f, const tess_schedule *s, const tess_iteration_result *r)
{
    const int8_t spans[3] = {s->tp_span, s->pp_span, s->dp_span};
    static const char *const axes[3] = {"tp", "pp", "dp"};
    fputs("  \"hierarchy\": {\"spans\": {", f);
    for (int k = 0; k < 3; k++)
        fprintf(f, "%s\"%s\": \"%s\"", k ? ", " : "", axes[k], spans[k] < 0 ? "none" : tess_scope_level_name(spans[k]));
    fprintf(f, "}, \"dp_domain\": {\"level\": \"%s\", \"members\": %u}, "
               "\"tp_domain\": {\"level\": \"%s\", \"members\": %u},\n    \"levels\": {",
            s->dp_local > 1 ? tess_scope_level_name(s->dp_local_level) : "none", s->dp_local ? s->dp_local : 1,
            s->tp_local > 1 ? tess_scope_level_name(s->tp_local_level) : "none", s->tp_local ? s->tp_local : 1);
    for (int l = 0; l <= TESS_SCOPE_LEVELS; l++)
        fprintf(f, "%s\n      \"%s\": {\"bytes\": %.17g, \"collective_s\": %.9g}", l ? "," : "",
                tess_scope_level_name(l), s->level_bytes[l], r->level_collective_s[l]);
    fputs("\n    }\n  },\n", f);
}

void tess_write_report(FILE *f, const tess_platform *p, const tess_workload *w,
                       const tess_schedule *s, const tess_eval_result *e)
{
    const tess_iteration_result *r = &e->it;
    const double peak = e->peak_flops, dram_j = e->dram_j;
    const double T = r->iteration_time_s;
    const double other = T - r->compute_s - r->memory_s - r->network_s - r->bubble_s;
    fprintf(f, "{\n  \"version\": \"%s\",\n  \"platform\": \"%s\",\n  \"workload\": \"%s\",\n"
               "  \"fidelity\": \"%s\",\n",
            tess_version(), p->name, w->name, e->analytic ? "analytic" : tess_noc_fidelity_names[e->fidelity]);
    if (e->analytic) {
        fputs("  \"calibration\": ", f);
        json_string(f, e->calibration[0] ? e->calibration : "none");
        fputs(",\n", f);
    }
    write_provenance(f, p, w);
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
                tess_routing_name(rt), rt != TESS_ROUTING_SHORTEST ? "none" : mp == TESS_MULTIPATH_HASH ? "ecmp-hash" : tess_multipath_name(mp));
    }
    fprintf(f, "  \"iteration_time_s\": %.9g,\n  \"tokens_per_s\": %.9g,\n"
               "  \"model_flops\": %.9g,\n  \"hardware_flops\": %.9g,\n"
               "  \"mfu\": %.6g,\n  \"hfu\": %.6g,\n",
            T, (double)w->global_batch * w->model.sequence / T, s->model_flops, s->hardware_flops,
            s->model_flops / (T * peak), s->hardware_flops / (T * peak));
    fprintf(f, "  \"energy_j\": %.9g,\n", e->energy_j);
    fprintf(f, "  \"time_breakdown_s\": {\"compute\": %.9g, \"memory\": %.9g, \"optimizer\": %.9g, "
               "\"network\": %.9g, \"scale_out\": %.9g, \"pipeline_bubble\": %.9g, "
               "\"exposed_communication\": %.9g, \"other\": %.9g, \"die\": \"%s\"},\n",
            r->compute_s, r->memory_s, r->optimizer_s, r->network_s, r->scale_out_s, r->bubble_s,
            r->exposed_communication_s,
            other > 0 ? other : 0, p->instances[s->die_of_rank[r->slowest_rank]].path);
    fprintf(f, "  \"energy_breakdown_j\": {\"compute\": %.9g, \"dram\": %.9g, \"sram\": %.9g, "
               "\"network\": %.9g, \"static\": %.9g},\n",
            r->energy_compute_j, dram_j, r->energy_sram_j, r->energy_network_j, r->energy_static_j);
    fprintf(f, "  \"power_w\": %.9g,\n", e->power_w);
    fprintf(f, "  \"power_breakdown_w\": {\"compute\": %.9g, \"dram\": %.9g, \"sram\": %.9g, "
               "\"network\": %.9g, \"static\": %.9g},\n",
            r->energy_compute_j / T, dram_j / T, r->energy_sram_j / T, r->energy_network_j / T,
            r->energy_static_j / T);
    fprintf(f, "  \"peak_power_w\": %.9g,\n", e->peak_power_w);
    fprintf(f, "  \"peak_power_breakdown_w\": {\"dynamic\": %.9g, \"static\": %.9g, "
               "\"network\": %.9g, \"window_s\": %.9g},\n",
            r->peak_dynamic_w, r->energy_static_j / T, r->energy_network_j / T, e->peak_window_s);
    fprintf(f, "  \"power_limits\": {\"checked\": %u, \"violations\": [", e->n_limits);
    for (uint32_t i = 0, shown = 0; i < e->n_limits; i++) {
        const tess_power_limit *l = &e->limits[i];
        if (!(l->power_w > l->limit_w)) continue;
        const char *what = l->instance != TESS_NONE ? p->instances[l->instance].path : p->groups[l->group].path;
        fprintf(f, "%s\n    {\"unit\": \"%s\", \"kind\": \"%s\", \"tdp_w\": %.9g, \"power_w\": %.9g}",
                shown++ ? "," : "", what,
                l->instance != TESS_NONE ? "die" : p->groups[l->group].is_wafer ? "wafer" : "package",
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
    {
        const tess_critical_path *c = &r->critical_path;
        fprintf(f, "  \"critical_path\": {\"compute_s\": %.9g, \"memory_s\": %.9g, \"network_s\": %.9g, "
                   "\"transfer_s\": %.9g, \"other_s\": %.9g, \"handoffs\": %u, \"start_die\": \"%s\", "
                   "\"end_die\": \"%s\"},\n",
                c->compute_s, c->memory_s, c->network_s, c->transfer_s, c->other_s, c->handoffs,
                p->instances[s->die_of_rank[c->start_rank]].path, p->instances[s->die_of_rank[c->end_rank]].path);
    }
    write_hierarchy(f, s, r);
    fprintf(f, "  \"symmetry\": {\"replicas\": %u, \"simulated_replicas\": %u, \"mirrored_messages\": %llu, "
               "\"mirrored_messages_left_out\": %llu},\n",
            s->dp, e->analytic ? 0 : r->simulated_replicas, (unsigned long long)r->mirrored_messages,
            (unsigned long long)r->mirror_skipped);
    if (p->circuits)
        fprintf(f, "  \"circuits\": {\"switch\": \"%s\", \"configurations\": %u, \"reconfigurations\": %llu, "
                   "\"reconfiguring_s\": %.9g, \"held_messages\": %llu, \"held_s\": %.9g},\n",
                p->circuits->name, p->circuits->n_configs, (unsigned long long)r->circuit_reconfigurations,
                r->circuit_reconfiguring_s, (unsigned long long)r->circuit_held_messages, r->circuit_held_s);
    else
        fprintf(f, "  \"circuits\": null,\n");
    fprintf(f, "  \"messages\": %llu,\n", (unsigned long long)r->messages);
    fprintf(f, "  \"run\": {\"wall_seconds\": %.6g, \"events\": %llu, \"events_per_second\": %.6g}\n}\n",
            r->wall_seconds, (unsigned long long)r->events,
            r->wall_seconds > 0 ? r->events / r->wall_seconds : 0);
}


/* Mean and peak power, and every TDP with the mean power drawn under it. A die draws its
 * FLOPs' and SRAM traffic's energy and its static power; a package or wafer its dies'
 * power plus the DRAM energy of their traffic. The network's energy is spread evenly over
 * the iteration (it has no timeline yet) and counted in the mean, not in any unit's power. */
static int account_power(const tess_platform *p, const tess_schedule *s, double e_bit,
                         tess_eval_result *out)
{
    const tess_iteration_result *r = &out->it;
    const double T = r->iteration_time_s;
    if (!(T > 0)) return 0;
    out->power_w = out->energy_j / T;
    out->peak_window_s = T < 1e-3 ? T : 1e-3;
    out->peak_power_w = r->peak_dynamic_w + (r->energy_static_j + r->energy_network_j) / T;
    double *group_w = calloc(p->n_groups + 1, sizeof *group_w);
    size_t cap = s->dies + p->n_groups;
    out->limits = calloc(cap + 1, sizeof *out->limits);
    if (!group_w || !out->limits) {
        free(group_w);
        return -1;
    }
    for (uint32_t k = 0; k < out->n_dies; k++) {
        const tess_die_stat *d = &out->dies[k];
        const tess_instance *x = &p->instances[d->instance];
        const tess_die_type *dt = &p->types[x->type].u.die;
        const double sram_j = 8.0 * (double)d->dram_bytes * (dt->sram_read_energy + dt->sram_write_energy);
        const double die_w = (d->flops * dt->flop_energy + sram_j) / T + dt->static_power + dt->sram_leakage;
        if (x->group != TESS_NONE) group_w[x->group] += die_w + 8.0 * (double)d->dram_bytes * e_bit / T;
        if (dt->tdp_w > 0)
            out->limits[out->n_limits++] = (tess_power_limit){d->instance, TESS_NONE, dt->tdp_w, die_w};
    }
    for (size_t g = 0; g < p->n_groups; g++)
        if (p->groups[g].tdp_w > 0)
            out->limits[out->n_limits++] = (tess_power_limit){TESS_NONE, (uint32_t)g, p->groups[g].tdp_w, group_w[g]};
    for (uint32_t i = 0; i < out->n_limits; i++)
        out->n_violations += out->limits[i].power_w > out->limits[i].limit_w;
    free(group_w);
    return 0;
}

int tess_eval_finish(const tess_platform *p, const tess_schedule *s, tess_eval_result *out)
{
    tess_iteration_result *res = &out->it;
    for (uint32_t k = 0; k < out->n_dies; k++)
        for (int l = 0; l <= TESS_SCOPE_LEVELS; l++) res->level_collective_s[l] += out->dies[k].level_s[l] / out->n_dies;
    if (res->slowest_rank < out->n_dies) res->scale_out_s = out->dies[res->slowest_rank].scale_out_s;
    for (uint32_t k = 0; k < s->dies; k++) {
        const tess_die_type *dt = &p->types[p->instances[s->die_of_rank[k]].type].u.die;
        const tess_stage *S = &s->stages[(k / s->tp) % s->pp];
        out->peak_flops += 2.0 * dt->tensor_arrays * dt->tensor_rows * dt->tensor_cols * dt->clock_hz;
        /* compute: FLOPs x energy per FLOP; SRAM: every DRAM byte is written into and
         * read out of SRAM once; static: power x iteration time */
        res->energy_compute_j += S->flops * dt->flop_energy;
        res->energy_sram_j += 8.0 * (double)S->dram_bytes * (dt->sram_read_energy + dt->sram_write_energy);
        res->energy_static_j += (dt->static_power + dt->sram_leakage) * res->iteration_time_s;
    }
    /* DRAM energy: bytes moved times the mean energy per bit of the memories */
    const double e_bit = tess_dram_energy_per_bit(p);
    for (uint32_t st = 0; st < s->pp; st++)
        out->dram_j += 8.0 * (double)s->stages[st].dram_bytes * s->tp * s->dp * e_bit;
    /* optical modules draw their laser and ring-tuning power all iteration long */
    res->energy_network_j += tess_optics_static_power(p) * res->iteration_time_s;
    out->energy_j = res->energy_compute_j + out->dram_j + res->energy_sram_j +
                    res->energy_network_j + res->energy_static_j;
    tess_cost_compute(p, &out->cost);
    return account_power(p, s, e_bit, out) == 0 ? TESS_OK : TESS_ENOMEM;
}

int tess_die_dma_rates(const tess_platform *p, const tess_schedule *s, const double *mem_bw,
                       double *die_bw, char *msg, size_t msglen)
{
    uint32_t *mems = malloc((p->n_instances + 1) * sizeof *mems);
    if (!mems) return TESS_ENOMEM;
    int rc = TESS_OK;
    for (uint32_t r = 0; r < s->dies && rc == TESS_OK; r++) {
        const uint32_t die = s->die_of_rank[r];
        int shared = 0;
        const size_t n = tess_die_memories(p, die, mems, &shared);
        double bw = 0;
        for (size_t i = 0; i < n; i++) bw += mem_bw[mems[i]];
        die_bw[r] = shared ? bw / s->dies : bw;
        if (!(die_bw[r] > 0)) {
            snprintf(msg, msglen, "die '%s' reaches no memory", p->instances[die].path);
            rc = TESS_EINVAL;
        }
    }
    free(mems);
    return rc;
}

int tess_evaluate_job(const tess_platform *p, const tess_workload *w, const tess_schedule *s,
                      double time_limit_s, tess_noc_fidelity fidelity, int symmetry, int trace,
                      tess_eval_result *out, char *msg, size_t msglen)
{
    memset(out, 0, sizeof *out);
    out->fidelity = fidelity;
    double *mem_bw = calloc(p->n_instances + 1, sizeof *mem_bw);
    double *die_bw = calloc(s->dies + 1, sizeof *die_bw);
    int rc = mem_bw && die_bw ? TESS_OK : TESS_ENOMEM;
    if (rc == TESS_OK) rc = tess_sustained_bandwidths(p, mem_bw, msg, msglen);
    if (rc == TESS_OK) rc = tess_die_dma_rates(p, s, mem_bw, die_bw, msg, msglen);
    if (rc == TESS_OK) {
        run_job j = {p, s, tess_dtype_bytes(w->dtype), die_bw, fidelity, symmetry, trace};
        tess_run_result r;
        rc = tess_run_isolated(run_iteration, &j, time_limit_s, &r);
        const size_t dies_len = s->dies * sizeof(tess_die_stat);
        const size_t fixed = sizeof(tess_iteration_result) + dies_len;
        uint64_t n_links = 0;
        if (rc == TESS_OK && r.blob_len >= fixed + sizeof n_links)
            memcpy(&n_links, (char *)r.blob + fixed, sizeof n_links);
        const size_t links_len = (size_t)n_links * sizeof(tess_noc_link_use);
        const size_t at_spans = fixed + sizeof n_links + links_len;
        uint64_t n_spans = 0;
        if (rc == TESS_OK && r.blob_len >= at_spans + sizeof n_spans)
            memcpy(&n_spans, (char *)r.blob + at_spans, sizeof n_spans);
        const size_t spans_len = (size_t)n_spans * sizeof(tess_span);
        if (rc == TESS_OK && r.blob_len == at_spans + sizeof n_spans + spans_len &&
            (out->dies = malloc(dies_len + 1)) != NULL && (out->links = malloc(links_len + 1)) != NULL &&
            (out->spans = malloc(spans_len + 1)) != NULL) {
            memcpy(&out->it, r.blob, sizeof out->it);
            memcpy(out->dies, (char *)r.blob + sizeof out->it, dies_len);
            out->n_dies = s->dies;
            memcpy(out->links, (char *)r.blob + fixed + sizeof n_links, links_len);
            out->n_links = (uint32_t)n_links;
            memcpy(out->spans, (char *)r.blob + at_spans + sizeof n_spans, spans_len);
            out->n_spans = n_spans;
        } else {
            tess_eval_result_free(out);
            if (rc == TESS_OK) rc = TESS_ECHILD;
            snprintf(msg, msglen, "%s", r.message);
        }
        tess_run_result_free(&r);
    }
    if (rc == TESS_OK) rc = tess_eval_finish(p, s, out);
    free(mem_bw);
    free(die_bw);
    return rc;
}

void tess_write_trace_json(FILE *f, const tess_platform *p, const tess_eval_result *e)
{
    static const char *const track_names[] = {"tensor", "dma", "network", "pipeline wait"};
    static const char *const categories[] = {"compute", "memory", "network", "pipeline_bubble"};
    fprintf(f, "{\"displayTimeUnit\": \"ms\", \"traceEvents\": [\n");
    fprintf(f, "{\"name\": \"process_name\", \"ph\": \"M\", \"pid\": 1, \"args\": {\"name\": \"%s: dies\"}}",
            p->name);
    for (uint32_t r = 0; r < e->n_dies; r++)
        for (uint32_t t = 0; t < TESS_TRACKS_; t++)
            fprintf(f, ",\n{\"name\": \"thread_name\", \"ph\": \"M\", \"pid\": 1, \"tid\": %u, "
                       "\"args\": {\"name\": \"rank %u %s: %s\"}}",
                    r * TESS_TRACKS_ + t, r, p->instances[e->dies[r].instance].path, track_names[t]);
    static const char *const link_classes[] = {"die to router", "router to die", "router to router"};
    fprintf(f, ",\n{\"name\": \"process_name\", \"ph\": \"M\", \"pid\": 2, \"args\": {\"name\": \"%s: links\"}}",
            p->name);
    /* timestamps in microseconds, as the format wants */
    for (uint64_t i = 0; i < e->n_spans; i++) {
        const tess_span *s = &e->spans[i];
        if (s->track == TESS_TRACK_LINKS) { /* a counter sample: busy share of the class's channels */
            fprintf(f, ",\n{\"name\": \"utilisation, %s\", \"cat\": \"links\", \"ph\": \"C\", \"pid\": 2, "
                       "\"ts\": %.6f, \"args\": {\"busy\": %.6f}}",
                    link_classes[s->rank < 3 ? s->rank : 2], s->t0 * 1e6, s->value);
            continue;
        }
        fprintf(f, ",\n{\"name\": \"%s\", \"cat\": \"%s\", \"ph\": \"X\", \"pid\": 1, \"tid\": %u, "
                   "\"ts\": %.6f, \"dur\": %.6f}",
                track_names[s->track], categories[s->track], s->rank * TESS_TRACKS_ + s->track,
                s->t0 * 1e6, (s->t1 - s->t0) * 1e6);
    }
    fprintf(f, "\n]}\n");
}
