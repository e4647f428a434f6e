/* tessera check PLATFORM WORKLOAD LIMITS [--junit FILE] [--set name=value]...: sign-off.
 * Evaluates the job once (through the public API, as an explorer would) and holds every
 * metric the limits file names to its bounds; the evaluation itself must finish (the
 * model fits memory, the network does not deadlock, the time limit holds). Prints PASS or
 * FAIL a limit, writes JUnit XML (one testcase a limit, and one for the evaluation), and
 * exits 0 only when everything holds: 4 when a limit or the evaluation fails, 1 for
 * invalid input, 2 for a usage error. */
#include <errno.h>
#include <libxml/tree.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli_args.h"
#include "cli/commands.h"
#include "config/fidelity.h"
#include "config/xml_document.h"
#include "tessera/tessera.h"

extern const char tess_limit_schema_xsd[];
extern const unsigned long tess_limit_schema_xsd_len;

static const char usage[] =
    "usage: tessera check PLATFORM WORKLOAD LIMITS [--junit FILE]\n"
    "                     [--memory-fidelity rate|burst|cycle] [--set name=value]...\n"
    "  evaluates the job and checks each limit (format: limits/README.md); prints PASS/FAIL\n"
    "  a limit, writes JUnit XML to FILE (default check-junit.xml); exit 0 only if all hold;\n"
    "  --memory-fidelity as tessera run's (burst, the default: DMA over the network to each\n"
    "  die's memory; rate: each die a constant DMA rate; cycle: the same DMA, each memory's\n"
    "  DRAM model serving it burst by burst)\n";

typedef struct limit {
    char metric[64];
    double min, max; /* -inf / +inf when not given */
    char doc[256];
} limit;

typedef struct limits {
    char name[64];
    double time_limit_s;
    size_t n;
    limit *v;
} limits;

static int bound(xmlNodePtr n, const char *attr, double *out)
{
    xmlChar *a = xmlGetProp(n, (const xmlChar *)attr);
    if (!a) return 0;
    *out = strtod((const char *)a, NULL); /* the schema checked it is an xs:double */
    xmlFree(a);
    return 1;
}

static int load_limits(const char *path, limits *L, tess_diag *diag)
{
    memset(L, 0, sizeof *L);
    int missing;
    xmlDocPtr doc =
        tess_xml_load(path, tess_limit_schema_xsd, tess_limit_schema_xsd_len, diag, &missing);
    if (!doc) return missing ? TESS_EIO : TESS_EINVAL;
    int rc = TESS_OK;
    xmlNodePtr root = xmlDocGetRootElement(doc);
    xmlChar *a = xmlGetProp(root, (const xmlChar *)"name");
    snprintf(L->name, sizeof L->name, "%s", (const char *)a);
    xmlFree(a);
    L->time_limit_s = 3600;
    if (tess_xml_time_attr(root, "time-limit", path, &L->time_limit_s, diag) != 0) rc = TESS_EINVAL;
    for (xmlNodePtr n = root->children; n; n = n->next) {
        if (n->type != XML_ELEMENT_NODE) continue;
        limit l = {.min = -INFINITY, .max = INFINITY};
        a = xmlGetProp(n, (const xmlChar *)"metric");
        snprintf(l.metric, sizeof l.metric, "%s", (const char *)a);
        xmlFree(a);
        if ((a = xmlGetProp(n, (const xmlChar *)"doc")) != NULL) {
            snprintf(l.doc, sizeof l.doc, "%s", (const char *)a);
            xmlFree(a);
        }
        const long line = xmlGetLineNo(n);
        int known = 0;
        for (size_t i = 0; tess_metric_name(i); i++)
            known |= strcmp(tess_metric_name(i), l.metric) == 0;
        const int has_min = bound(n, "min", &l.min), has_max = bound(n, "max", &l.max);
        if (!known) {
            char names[1024] = "";
            for (size_t i = 0; tess_metric_name(i); i++)
                snprintf(names + strlen(names), sizeof names - strlen(names), "%s%s", i ? ", " : "",
                         tess_metric_name(i));
            tess_diag_add(diag, path, line,
                          "<limit> attribute 'metric': unknown metric '%s' (known: %s)", l.metric,
                          names);
            rc = TESS_EINVAL;
        } else if (!has_min && !has_max) {
            tess_diag_add(diag, path, line, "<limit metric=\"%s\">: give min, max or both",
                          l.metric);
            rc = TESS_EINVAL;
        } else if (!(l.min <= l.max)) {
            tess_diag_add(diag, path, line, "<limit metric=\"%s\">: min %g is above max %g",
                          l.metric, l.min, l.max);
            rc = TESS_EINVAL;
        }
        limit *bigger = realloc(L->v, (L->n + 1) * sizeof *bigger);
        if (!bigger) {
            rc = TESS_ENOMEM;
            break;
        }
        L->v = bigger;
        L->v[L->n++] = l;
    }
    xmlFreeDoc(doc);
    if (rc == TESS_OK && L->n == 0) {
        tess_diag_add(diag, path, xmlGetLineNo(root), "<limits>: no <limit> to check");
        rc = TESS_EINVAL;
    }
    return rc;
}

/* Text for XML attributes and content. */
static void xml_text(FILE *f, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '<':
            fputs("&lt;", f);
            break;
        case '>':
            fputs("&gt;", f);
            break;
        case '&':
            fputs("&amp;", f);
            break;
        case '"':
            fputs("&quot;", f);
            break;
        case '\n':
            fputs("&#10;", f);
            break;
        default:
            fputc(*s, f);
        }
    }
}

/* "min <= metric <= max" with the bounds that were given. */
static void describe(const limit *l, char *out, size_t n)
{
    if (isfinite(l->min) && isfinite(l->max))
        snprintf(out, n, "%.9g <= %s <= %.9g", l->min, l->metric, l->max);
    else if (isfinite(l->min))
        snprintf(out, n, "%s >= %.9g", l->metric, l->min);
    else
        snprintf(out, n, "%s <= %.9g", l->metric, l->max);
}

int tess_cmd_check(int argc, char **argv)
{
    tess_cli_args a;
    if (tess_cli_args_init(&a, argc) != 0) return TESS_EXIT_FAILED;
    const char *junit = "check-junit.xml";
    int memory_fidelity = TESS_MEM_BURST;
    const tess_cli_option opts[] = {{"--junit", TESS_OPT_TEXT, &junit, 0, NULL, 0, 0, 0},
                                    {"--memory-fidelity", TESS_OPT_CHOICE, &memory_fidelity, 0,
                                     tess_mem_fidelity_names, 0, 0, 0},
                                    {NULL, TESS_OPT_FLAG, NULL, 0, NULL, 0, 0, 0}};
    int rc = tess_cli_parse(&a, argc, argv, opts, usage, 3);
    if (rc != TESS_EXIT_OK) {
        tess_cli_args_free(&a);
        return rc == TESS_CLI_HELP ? TESS_EXIT_OK : rc;
    }
    const char *limits_path = a.path3;
    limits L;
    memset(&L, 0, sizeof L);
    if (rc == TESS_EXIT_OK) {
        tess_diag diag;
        tess_diag_init(&diag);
        rc = tess_cli_report("check", limits_path, load_limits(limits_path, &L, &diag), &diag);
        tess_diag_free(&diag);
    }
    if (rc != TESS_EXIT_OK) {
        free(L.v);
        tess_cli_args_free(&a);
        return rc;
    }

    /* the output first: a JUnit file that cannot be written is refused before any work */
    FILE *j = fopen(junit, "w");
    if (!j) {
        fprintf(stderr, "tessera check: cannot write the JUnit XML to %s: %s\n", junit,
                strerror(errno));
        free(L.v);
        tess_cli_args_free(&a);
        return TESS_EXIT_FAILED;
    }
    char **ov = tess_cli_override_strings(&a);
    tess_job *job = NULL;
    tess_evaluation *ev = NULL;
    char *error = NULL;
    int st = tess_job_open(a.path, a.path2, (const char *const *)ov, a.n_overrides, &job, &error);
    const int opened = st == TESS_OK;
    if (opened) {
        tess_eval_options opt = {TESS_API_VERSION, L.time_limit_s, TESS_FIDELITY_MIXED, 0,
                                 tess_mem_fidelity_api((tess_mem_fidelity)memory_fidelity)};
        st = tess_evaluate(job, &opt, &ev, &error);
    }
    if (!opened) {
        fprintf(stderr, "%s", error ? error : "");
        if (error && error[0] && error[strlen(error) - 1] != '\n') fputc('\n', stderr);
    }

    size_t failures = st == TESS_OK ? 0 : 1;
    double *values = calloc(L.n + 1, sizeof *values);
    int *pass = calloc(L.n + 1, sizeof *pass);
    for (size_t i = 0; i < L.n; i++) {
        pass[i] = st == TESS_OK && tess_metric(ev, L.v[i].metric, &values[i]) == TESS_OK &&
                  values[i] >= L.v[i].min && values[i] <= L.v[i].max;
        failures += !pass[i];
    }
    fprintf(j, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n  <testsuite name=\"");
    xml_text(j, L.name);
    fprintf(j, "\" tests=\"%zu\" failures=\"%zu\" errors=\"0\">\n", L.n + 1, failures);
    fprintf(j, "    <testcase classname=\"tessera.check\" name=\"evaluation completes\"");
    if (st == TESS_OK) {
        fprintf(j, "/>\n");
    } else {
        fprintf(j, ">\n      <failure message=\"%s\">", tess_strerror(st));
        xml_text(j, error ? error : "");
        fprintf(j, "</failure>\n    </testcase>\n");
    }
    printf("%s: %s %s on %s\n", L.name, st == TESS_OK ? "PASS" : "FAIL", "evaluation completes",
           a.path);
    if (st != TESS_OK && opened) printf("  %s: %s\n", tess_strerror(st), error ? error : "");
    for (size_t i = 0; i < L.n; i++) {
        char what[256], got[128];
        describe(&L.v[i], what, sizeof what);
        if (st == TESS_OK)
            snprintf(got, sizeof got, "%s = %.9g", L.v[i].metric, values[i]);
        else
            snprintf(got, sizeof got, "not evaluated");
        printf("%s: %s %s (%s)\n", L.name, pass[i] ? "PASS" : "FAIL", what, got);
        fprintf(j, "    <testcase classname=\"tessera.check\" name=\"");
        xml_text(j, what);
        if (pass[i]) {
            fprintf(j, "\"/>\n");
        } else {
            fprintf(j, "\">\n      <failure message=\"");
            xml_text(j, got);
            fprintf(j, "\">");
            xml_text(j, L.v[i].doc);
            fprintf(j, "</failure>\n    </testcase>\n");
        }
    }
    fprintf(j, "  </testsuite>\n</testsuites>\n");
    const int written = !ferror(j) & (fclose(j) == 0);
    j = NULL;
    if (written)
        printf("%s: %zu of %zu checks failed; JUnit XML: %s\n", L.name, failures, L.n + 1, junit);
    else
        fprintf(stderr, "tessera check: cannot write the JUnit XML to %s\n", junit);
    rc = !opened && st != TESS_ENOFIT ? tess_cli_exit_of(st)
         : !written                   ? TESS_EXIT_FAILED
         : failures                   ? TESS_EXIT_LIMIT
                                      : TESS_EXIT_OK;
    free(values);
    free(pass);
    tess_free(error);
    tess_evaluation_free(ev);
    tess_job_close(job);
    tess_cli_override_strings_free(ov, a.n_overrides);
    free(L.v);
    tess_cli_args_free(&a);
    return rc;
}
