/* Design spaces: see space.h. */
#include "driver/space.h"

#include "config/fidelity.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <libxml/tree.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/xml_document.h"
#include "config/expr.h"
#include "tessera/tessera.h"

extern const char tess_space_schema_xsd[];
extern const unsigned long tess_space_schema_xsd_len;

typedef struct strlist {
    char **v;
    size_t n, cap;
} strlist;

static int push(strlist *l, const char *s, size_t len)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 8;
        char **bigger = realloc(l->v, cap * sizeof *bigger);
        if (!bigger) return -1;
        l->v = bigger;
        l->cap = cap;
    }
    l->v[l->n] = strndup(s, len);
    return l->v[l->n++] ? 0 : -1;
}

static void strlist_free(strlist *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
    memset(l, 0, sizeof *l);
}

/* Splits on blanks (and commas). */
static int split(const char *text, strlist *out)
{
    for (const char *p = text; *p;) {
        while (*p && (isspace((unsigned char)*p) || *p == ','))
            p++;
        const char *q = p;
        while (*q && !isspace((unsigned char)*q) && *q != ',')
            q++;
        if (q > p && push(out, p, (size_t)(q - p)) != 0) return -1;
        p = q;
    }
    return 0;
}

static int name_index(const tess_space *s, const char *name)
{
    for (size_t i = 0; i < s->n_names; i++)
        if (strcmp(s->names[i], name) == 0) return (int)i;
    return -1;
}

static int add_name(tess_space *s, const char *name)
{
    int i = name_index(s, name);
    if (i >= 0) return i;
    char **bigger = realloc(s->names, (s->n_names + 1) * sizeof *bigger);
    if (!bigger) return -1;
    s->names = bigger;
    s->names[s->n_names] = strdup(name);
    /* points listed before this name leave it unset */
    for (size_t p = 0; p < s->n_listed; p++) {
        char **row = realloc(s->listed[p], (s->n_names + 2) * sizeof *row);
        if (!row) return -1;
        row[s->n_names] = strdup("");
        s->listed[p] = row;
    }
    return (int)s->n_names++;
}

/* Appends a listed point; vals[k] for names[k] (NULL: unset). */
static int add_point(tess_space *s, char **vals)
{
    char ***bigger = realloc(s->listed, (s->n_listed + 1) * sizeof *bigger);
    if (!bigger) return -1;
    s->listed = bigger;
    char **row = calloc(s->n_names + 1, sizeof *row);
    if (!row) return -1;
    for (size_t k = 0; k < s->n_names; k++)
        row[k] = strdup(vals && vals[k] ? vals[k] : "");
    s->listed[s->n_listed++] = row;
    return 0;
}

void tess_space_free(tess_space *s)
{
    for (size_t p = 0; p < s->n_listed; p++) {
        for (size_t k = 0; k < s->n_names; k++)
            free(s->listed[p][k]);
        free(s->listed[p]);
    }
    for (size_t a = 0; a < s->n_axes; a++) {
        for (size_t v = 0; v < s->axes[a].n; v++)
            free(s->axes[a].values[v]);
        free(s->axes[a].values);
    }
    for (size_t k = 0; s->choices && k < s->n_names; k++)
        free(s->choices[k].values);
    for (size_t k = 0; k < s->n_names; k++)
        free(s->names[k]);
    for (size_t c = 0; c < s->n_constraints; c++)
        free(s->constraints[c].test);
    free(s->constraints);
    free(s->choices);
    free(s->axes);
    free(s->name_axis);
    free(s->listed);
    free(s->names);
    memset(s, 0, sizeof *s);
}

const char *tess_space_value_of(const tess_space *s, size_t point, size_t name)
{
    if (point >= s->grid) return s->listed[point - s->grid][name];
    const int a = s->name_axis[name];
    if (a < 0) return "";
    const struct tess_space_axis *x = &s->axes[a];
    return x->values[point / x->stride % x->n];
}

typedef struct point_ref {
    const tess_space *s;
    size_t point;
} point_ref;

static const char *point_value(void *ctx, const char *name)
{
    const point_ref *r = ctx;
    int k = name_index(r->s, name);
    const char *v = k >= 0 ? tess_space_value_of(r->s, r->point, (size_t)k) : "";
    return v[0] ? v : NULL;
}

int tess_space_kept(const tess_space *s, size_t point, tess_diag *diag)
{
    point_ref ref = {s, point};
    for (size_t c = 0; c < s->n_constraints; c++) {
        double v;
        char err[512];
        if (tess_expr_eval(s->constraints[c].test, point_value, &ref, &v, err, sizeof err) != 0) {
            tess_diag_add(diag, s->path, s->constraints[c].line,
                          "<constraint> attribute 'test' at point %zu: %s", point, err);
            return -1;
        }
        if (v == 0) return 0;
    }
    return 1;
}

size_t tess_space_find(const tess_space *s, const char *const *values)
{
    size_t id = 0;
    int on_grid = s->grid > 0;
    for (size_t k = 0; k < s->n_names && on_grid; k++) {
        const int a = s->name_axis[k];
        if (a < 0) {
            on_grid = values[k][0] == '\0';
            continue;
        }
        const struct tess_space_axis *x = &s->axes[a];
        size_t v = 0;
        while (v < x->n && strcmp(x->values[v], values[k]) != 0)
            v++;
        on_grid = v < x->n;
        id += v * x->stride;
    }
    if (on_grid) return id;
    for (size_t p = 0; p < s->n_listed; p++) {
        size_t k = 0;
        while (k < s->n_names && strcmp(s->listed[p][k], values[k]) == 0)
            k++;
        if (k == s->n_names) return s->grid + p;
    }
    return SIZE_MAX;
}

/* The <constraint>s, kept as text and evaluated when a point is asked about; checked here on
 * the first grid point and on every listed point (a name that is unknown or unset there). */
static int read_constraints(xmlNodePtr root, tess_space *s, tess_diag *diag)
{
    for (xmlNodePtr n = root->children; n; n = n->next) {
        if (n->type != XML_ELEMENT_NODE || strcmp((const char *)n->name, "constraint") != 0)
            continue;
        struct tess_space_constraint *bigger =
            realloc(s->constraints, (s->n_constraints + 1) * sizeof *bigger);
        if (!bigger) return TESS_ENOMEM;
        s->constraints = bigger;
        xmlChar *test = xmlGetProp(n, (const xmlChar *)"test");
        bigger[s->n_constraints].test = strdup((const char *)test);
        bigger[s->n_constraints++].line = xmlGetLineNo(n);
        xmlFree(test);
    }
    if (s->grid > 0 && tess_space_kept(s, 0, diag) < 0) return TESS_EINVAL;
    for (size_t p = 0; p < s->n_listed; p++)
        if (tess_space_kept(s, s->grid + p, diag) < 0) return TESS_EINVAL;
    return TESS_OK;
}

static int by_text(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Per name, the distinct values its points take (the explorer's choices). */
static int gather_choices(tess_space *s)
{
    s->choices = calloc(s->n_names + 1, sizeof *s->choices);
    if (!s->choices) return TESS_ENOMEM;
    for (size_t k = 0; k < s->n_names; k++) {
        const int a = s->name_axis[k];
        const size_t from_grid = a >= 0 ? s->axes[a].n : s->grid > 0;
        const char **v = malloc((from_grid + s->n_listed + 1) * sizeof *v);
        if (!v) return TESS_ENOMEM;
        size_t n = 0;
        for (size_t i = 0; i < from_grid; i++)
            v[n++] = a >= 0 ? s->axes[a].values[i] : "";
        for (size_t p = 0; p < s->n_listed; p++)
            v[n++] = s->listed[p][k];
        qsort(v, n, sizeof *v, by_text);
        size_t u = 0;
        for (size_t i = 0; i < n; i++)
            if (u == 0 || strcmp(v[u - 1], v[i]) != 0) v[u++] = v[i];
        s->choices[k].n = u;
        s->choices[k].values = v;
    }
    return TESS_OK;
}

/* The <space> element's attributes. */
static int read_attributes(xmlNodePtr root, const char *path, tess_space *s, tess_diag *diag)
{
    int rc = TESS_OK;
    xmlChar *a = xmlGetProp(root, (const xmlChar *)"name");
    snprintf(s->name, sizeof s->name, "%s", (const char *)a);
    xmlFree(a);
    a = xmlGetProp(root, (const xmlChar *)"platform");
    tess_path_beside(path, (const char *)a, s->platform, sizeof s->platform);
    xmlFree(a);
    a = xmlGetProp(root, (const xmlChar *)"workload");
    tess_path_beside(path, (const char *)a, s->workload, sizeof s->workload);
    xmlFree(a);
    if (tess_xml_time_attr(root, "time-limit", path, &s->time_limit_s, diag) != 0) rc = TESS_EINVAL;
    s->memory_fidelity = TESS_MEM_BURST;                      /* the default */
    a = xmlGetProp(root, (const xmlChar *)"memory-fidelity"); /* the schema lists the names */
    for (int f = 0; a && f < TESS_MEM_FIDELITIES; f++)
        if (strcmp((const char *)a, tess_mem_fidelity_names[f]) == 0) s->memory_fidelity = f;
    xmlFree(a);
    a = xmlGetProp(root, (const xmlChar *)"budget"); /* the schema makes it a positive integer */
    if (a) s->budget = (unsigned)strtoul((const char *)a, NULL, 10);
    xmlFree(a);
    a = xmlGetProp(root, (const xmlChar *)"calibration");
    if (a) tess_path_beside(path, (const char *)a, s->calibration, sizeof s->calibration);
    xmlFree(a);
    return rc;
}

/* The space's platform and workload can be read: found here, not once per point. */
static int check_inputs(xmlNodePtr root, const char *path, const tess_space *s, tess_diag *diag)
{
    const char *const attrs[] = {"platform", "workload"};
    const char *const files[] = {s->platform, s->workload};
    int rc = TESS_OK;
    for (int i = 0; i < 2; i++) {
        if (access(files[i], R_OK) == 0) continue;
        tess_diag_add(diag, path, xmlGetLineNo(root),
                      "<space> attribute '%s': cannot read '%s': %s", attrs[i], files[i],
                      strerror(errno));
        rc = TESS_EINVAL;
    }
    return rc;
}

static int is_element(xmlNodePtr n, const char *name)
{
    return n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, name) == 0;
}

/* <objective> and <limit> elements. */
static int read_objectives_and_limits(xmlNodePtr root, const char *path, tess_space *s,
                                      tess_diag *diag)
{
    const size_t max_objectives = sizeof s->objectives / sizeof s->objectives[0];
    const size_t max_limits = sizeof s->limits / sizeof s->limits[0];
    for (xmlNodePtr n = root->children; n; n = n->next) {
        if (!is_element(n, "objective")) continue;
        if (s->n_objectives == max_objectives) {
            tess_diag_add(diag, path, xmlGetLineNo(n), "<objective>: at most %zu objectives",
                          max_objectives);
            return TESS_EINVAL;
        }
        xmlChar *metric = xmlGetProp(n, (const xmlChar *)"metric"),
                *goal = xmlGetProp(n, (const xmlChar *)"goal");
        snprintf(s->objectives[s->n_objectives].metric, sizeof s->objectives[0].metric, "%s",
                 (const char *)metric);
        s->objectives[s->n_objectives].maximize =
            goal && strcmp((const char *)goal, "maximize") == 0;
        s->objectives[s->n_objectives++].line = xmlGetLineNo(n);
        xmlFree(metric);
        xmlFree(goal);
    }
    int rc = TESS_OK;
    for (xmlNodePtr n = root->children; n && rc == TESS_OK; n = n->next) {
        if (!is_element(n, "limit")) continue;
        const long line = xmlGetLineNo(n);
        if (s->n_limits == max_limits) {
            tess_diag_add(diag, path, line, "<limit>: at most %zu limits", max_limits);
            return TESS_EINVAL;
        }
        xmlChar *metric = xmlGetProp(n, (const xmlChar *)"metric"),
                *lo = xmlGetProp(n, (const xmlChar *)"min"),
                *hi = xmlGetProp(n, (const xmlChar *)"max");
        double min = lo ? strtod((const char *)lo, NULL) : -HUGE_VAL,
               max = hi ? strtod((const char *)hi, NULL) : HUGE_VAL;
        if (!lo && !hi) {
            tess_diag_add(diag, path, line, "<limit metric=\"%s\">: give min, max or both",
                          (const char *)metric);
            rc = TESS_EINVAL;
        } else if (min > max) {
            tess_diag_add(diag, path, line, "<limit metric=\"%s\">: min %g is above max %g",
                          (const char *)metric, min, max);
            rc = TESS_EINVAL;
        } else {
            snprintf(s->limits[s->n_limits].metric, sizeof s->limits[0].metric, "%s",
                     (const char *)metric);
            s->limits[s->n_limits].min = min;
            s->limits[s->n_limits].max = max;
            s->limits[s->n_limits++].line = line;
        }
        xmlFree(metric);
        xmlFree(lo);
        xmlFree(hi);
    }
    return rc;
}

/* One <param>'s values into *axis: a list, or from/to/step. */
static int read_axis(xmlNodePtr n, const char *path, const tess_space *s, strlist *axis,
                     tess_diag *diag)
{
    const long line = xmlGetLineNo(n);
    xmlChar *name = xmlGetProp(n, (const xmlChar *)"name");
    xmlChar *values = xmlGetProp(n, (const xmlChar *)"values");
    xmlChar *from = xmlGetProp(n, (const xmlChar *)"from"),
            *to = xmlGetProp(n, (const xmlChar *)"to"),
            *step = xmlGetProp(n, (const xmlChar *)"step");
    int rc = TESS_OK;
    if (name_index(s, (const char *)name) >= 0) {
        tess_diag_add(diag, path, line, "<param name=\"%s\">: declared twice", (const char *)name);
        rc = TESS_EINVAL;
    } else if (values && !from && !to && !step) {
        split((const char *)values, axis);
    } else if (!values && from && to) {
        char *e1, *e2, *e3 = NULL;
        double lo = strtod((const char *)from, &e1), hi = strtod((const char *)to, &e2);
        double st = step ? strtod((const char *)step, &e3) : 1;
        if (*e1 || *e2 || (step && *e3) || !(st > 0) || hi < lo) {
            tess_diag_add(diag, path, line,
                          "<param name=\"%s\">: from/to/step must be numbers "
                          "with from <= to and step > 0",
                          (const char *)name);
            rc = TESS_EINVAL;
        } else if ((hi - lo) / st >= TESS_MAX_AXIS_VALUES) {
            tess_diag_add(diag, path, line,
                          "<param name=\"%s\">: from %g to %g in steps of %g is %.3g values; "
                          "at most %u a param",
                          (const char *)name, lo, hi, st, floor((hi - lo) / st) + 1,
                          TESS_MAX_AXIS_VALUES);
            rc = TESS_EINVAL;
        } else {
            for (double v = lo; v <= hi + 1e-9 * (hi - lo + 1); v += st) {
                char num[64];
                snprintf(num, sizeof num, "%.12g", v);
                push(axis, num, strlen(num));
            }
        }
    } else {
        tess_diag_add(diag, path, line,
                      "<param name=\"%s\">: give either values, or from and to "
                      "(and step)",
                      (const char *)name);
        rc = TESS_EINVAL;
    }
    if (rc == TESS_OK && axis->n == 0) {
        tess_diag_add(diag, path, line, "<param name=\"%s\">: no values", (const char *)name);
        rc = TESS_EINVAL;
    } else if (rc == TESS_OK && axis->n > TESS_MAX_AXIS_VALUES) {
        tess_diag_add(diag, path, line, "<param name=\"%s\">: %zu values; at most %u a param",
                      (const char *)name, axis->n, TESS_MAX_AXIS_VALUES);
        rc = TESS_EINVAL;
    }
    xmlFree(name);
    xmlFree(values);
    xmlFree(from);
    xmlFree(to);
    xmlFree(step);
    return rc;
}

/* The grid: one axis per <param>, its size in s->grid (0 without params). */
static int read_grid(xmlNodePtr root, const char *path, tess_space *s, tess_diag *diag)
{
    size_t grid = 1;
    for (xmlNodePtr n = root->children; n; n = n->next) {
        if (!is_element(n, "param")) continue;
        strlist axis = {0};
        int rc = read_axis(n, path, s, &axis, diag);
        if (rc == TESS_OK && grid > TESS_MAX_SPACE_POINTS / axis.n) {
            tess_diag_add(diag, path, xmlGetLineNo(n),
                          "<param>: the grid passes %llu points here; at most %llu a space",
                          (unsigned long long)TESS_MAX_SPACE_POINTS,
                          (unsigned long long)TESS_MAX_SPACE_POINTS);
            rc = TESS_EINVAL;
        }
        struct tess_space_axis *bigger =
            rc == TESS_OK ? realloc(s->axes, (s->n_axes + 1) * sizeof *bigger) : NULL;
        if (!bigger) {
            strlist_free(&axis);
            return rc == TESS_OK ? TESS_ENOMEM : rc;
        }
        s->axes = bigger;
        xmlChar *name = xmlGetProp(n, (const xmlChar *)"name");
        struct tess_space_axis *x = &s->axes[s->n_axes++];
        x->name = (size_t)add_name(s, (const char *)name);
        x->n = axis.n;
        x->values = axis.v; /* the axis owns the strings now */
        xmlFree(name);
        grid *= axis.n;
    }
    s->grid = s->n_axes ? grid : 0;
    size_t stride = 1;
    for (size_t a = s->n_axes; a-- > 0;) { /* the last param varies fastest */
        s->axes[a].stride = stride;
        stride *= s->axes[a].n;
    }
    return TESS_OK;
}

/* Listed points may name more parameters than the grid: every <point>'s names. */
static int read_point_names(xmlNodePtr root, const char *path, tess_space *s, tess_diag *diag)
{
    int rc = TESS_OK;
    for (xmlNodePtr n = root->children; n && rc == TESS_OK; n = n->next) {
        if (!is_element(n, "point")) continue;
        xmlChar *set = xmlGetProp(n, (const xmlChar *)"set");
        strlist kv = {0};
        split((const char *)set, &kv);
        for (size_t i = 0; i < kv.n && rc == TESS_OK; i++) {
            char *eq = strchr(kv.v[i], '=');
            if (!eq || eq == kv.v[i]) {
                tess_diag_add(diag, path, xmlGetLineNo(n),
                              "<point> attribute 'set': '%s' is not name=value", kv.v[i]);
                rc = TESS_EINVAL;
                break;
            }
            *eq = '\0';
            add_name(s, kv.v[i]);
        }
        strlist_free(&kv);
        xmlFree(set);
    }
    return rc;
}

/* One <point set="name=value ...">. */
static void read_point(xmlNodePtr n, tess_space *s, char **vals)
{
    xmlChar *set = xmlGetProp(n, (const xmlChar *)"set");
    strlist kv = {0};
    split((const char *)set, &kv);
    memset(vals, 0, (s->n_names + 1) * sizeof *vals);
    for (size_t i = 0; i < kv.n; i++) {
        char *eq = strchr(kv.v[i], '=');
        *eq = '\0';
        vals[name_index(s, kv.v[i])] = eq + 1;
    }
    add_point(s, vals);
    strlist_free(&kv);
    xmlFree(set);
}

/* One <points file="..."> CSV: a header row of parameter names, then a row per point.
 * *vals grows with the names the header adds. */
static int read_points_file(xmlNodePtr n, const char *path, tess_space *s, char ***vals,
                            tess_diag *diag)
{
    xmlChar *file = xmlGetProp(n, (const xmlChar *)"file");
    char csv[1024];
    tess_path_beside(path, (const char *)file, csv, sizeof csv);
    xmlFree(file);
    size_t clen;
    char *text = tess_read_file(csv, &clen, diag);
    if (!text) {
        tess_diag_add(diag, path, xmlGetLineNo(n), "<points> attribute 'file': cannot read '%s'",
                      csv);
        return TESS_EINVAL;
    }
    int rc = TESS_OK;
    int cols[64];
    size_t ncols = 0, row = 0;
    for (char *line = strtok(text, "\n"); line && rc == TESS_OK; line = strtok(NULL, "\n"), row++) {
        size_t ll = strlen(line);
        if (ll > 0 && line[ll - 1] == '\r') line[ll - 1] = '\0'; /* CRLF files */
        strlist cells = {0};
        for (char *p = line, *c; p; p = c ? c + 1 : NULL) {
            c = strchr(p, ',');
            push(&cells, p, c ? (size_t)(c - p) : strlen(p));
        }
        if (row == 0 && cells.n > 64) {
            tess_diag_add(diag, csv, 1, "%zu columns; at most 64 parameters", cells.n);
            rc = TESS_EINVAL;
        } else if (row == 0) {
            for (size_t i = 0; i < cells.n; i++)
                cols[ncols++] = add_name(s, cells.v[i]);
            free(*vals);
            *vals = calloc(s->n_names + 1, sizeof **vals);
        } else if (cells.n != ncols) {
            tess_diag_add(diag, csv, (long)row + 1, "%zu values for %zu columns", cells.n, ncols);
            rc = TESS_EINVAL;
        } else {
            memset(*vals, 0, (s->n_names + 1) * sizeof **vals);
            for (size_t i = 0; i < ncols; i++)
                (*vals)[cols[i]] = cells.v[i];
            add_point(s, *vals);
        }
        strlist_free(&cells);
    }
    free(text);
    return rc;
}

int tess_space_load(const char *path, tess_space *s, tess_diag *diag)
{
    memset(s, 0, sizeof *s);
    snprintf(s->path, sizeof s->path, "%s", path);
    int missing;
    xmlDocPtr doc =
        tess_xml_load(path, tess_space_schema_xsd, tess_space_schema_xsd_len, diag, &missing);
    if (!doc) return missing ? TESS_EIO : TESS_EINVAL;
    xmlNodePtr root = xmlDocGetRootElement(doc);
    int rc = read_attributes(root, path, s, diag);
    if (rc == TESS_OK) rc = check_inputs(root, path, s, diag);
    if (rc == TESS_OK) rc = read_objectives_and_limits(root, path, s, diag);
    if (rc == TESS_OK) rc = read_grid(root, path, s, diag);
    if (rc == TESS_OK) rc = read_point_names(root, path, s, diag);
    char **vals = calloc(s->n_names + 1, sizeof *vals);
    for (xmlNodePtr n = root->children; n && rc == TESS_OK; n = n->next) {
        if (is_element(n, "point"))
            read_point(n, s, vals);
        else if (is_element(n, "points"))
            rc = read_points_file(n, path, s, &vals, diag);
    }
    free(vals);
    if (rc == TESS_OK && s->n_listed > TESS_MAX_SPACE_POINTS - s->grid) {
        tess_diag_add(diag, path, xmlGetLineNo(root),
                      "<space>: %zu grid and %zu listed points; at most %llu a space", s->grid,
                      s->n_listed, (unsigned long long)TESS_MAX_SPACE_POINTS);
        rc = TESS_EINVAL;
    }
    s->n_points = s->grid + s->n_listed;
    if (rc == TESS_OK) {
        s->name_axis = malloc((s->n_names + 1) * sizeof *s->name_axis);
        if (!s->name_axis) rc = TESS_ENOMEM;
        for (size_t k = 0; rc == TESS_OK && k < s->n_names; k++)
            s->name_axis[k] = -1;
        for (size_t a = 0; rc == TESS_OK && a < s->n_axes; a++)
            s->name_axis[s->axes[a].name] = (int)a;
    }
    if (rc == TESS_OK && s->n_points == 0) {
        tess_diag_add(diag, path, xmlGetLineNo(root),
                      "<space>: no points (give params, points or "
                      "a points file)");
        rc = TESS_EINVAL;
    }
    if (rc == TESS_OK) rc = read_constraints(root, s, diag);
    if (rc == TESS_OK) rc = gather_choices(s);
    xmlFreeDoc(doc);
    if (rc != TESS_OK) tess_space_free(s);
    return rc;
}
