/* Platform loader: XML -> XML Schema validation -> tess_platform. See loader.h.
 *
 * Two phases, as in Ramulator 2: the walk creates every type and instance in
 * document order (generators expand as they are met); connects and defects are
 * collected and resolved afterwards, so they may name instances declared later.
 * Then overrides of fields, link ports and routes are checked.
 */
#include "config/loader.h"

#include <libxml/parser.h>
#include <libxml/xmlschemas.h>
#include <libxml/xmlerror.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/fields.h"
#include "config/area.h"
#include "config/sha256.h"
#include "config/generators.h"
#include "config/name_table.h"
#include "config/params.h"
#include "config/routes.h"
#include "config/yield.h"
#include "config/xml_document.h"
#include "tessera/tessera.h"

extern const char tess_platform_schema_xsd[];
extern const unsigned long tess_platform_schema_xsd_len;

typedef struct pending_connect {
    char *from, *to;         /* full paths */
    size_t from_rel, to_rel; /* where the path as written starts in each (after its scope) */
    uint32_t link_type;
    long line;
    uint32_t circuit; /* tess_link.circuit: 0, or a circuit of configuration circuit - 1 */
    uint32_t count;   /* parallel links it makes (0: one) */
    int failed;       /* resolving it reported an error */
} pending_connect;

typedef struct pending_defect {
    char *a, *b; /* b == NULL: a dead instance; else a dead link a<->b */
    long line;
} pending_defect;

typedef struct loader {
    tess_platform *p;
    tess_diag *diag;
    const char *file;
    tess_override_slot *overrides;
    size_t n_overrides;
    tess_name_table instances; /* path -> index */
    tess_name_table types;     /* scoped name -> index */
    pending_connect *connects;
    size_t n_connects, cap_connects;
    pending_defect *defects;
    size_t n_defects, cap_defects;
    uint32_t defect_seed; /* <defects seed>: a map to draw (0: none) */
    long defect_seed_line;
    uint32_t file_index; /* the include being read, or TESS_NONE: the platform file */
    unsigned include_depth;
    uint32_t group;                    /* innermost <package> or <wafer> being read, or TESS_NONE */
    uint32_t scope[TESS_SCOPE_LEVELS]; /* the level elements being read (ids), or 0 */
    int oom;
} loader;

#define ERR(L, line, ...) tess_diag_add((L)->diag, (L)->file, (line), __VA_ARGS__)

static long line_of(xmlNodePtr n)
{
    return xmlGetLineNo(n);
}
static const char *tag(xmlNodePtr n)
{
    return (const char *)n->name;
}

/* ---- attributes --------------------------------------------------------- */

/* Attribute text after ${} substitution (new string), or NULL. A missing required
 * attribute or a failed substitution is reported; *failed tells the two apart. */
static char *attr(loader *L, const tess_scope *s, xmlNodePtr n, const char *name, int required,
                  int *failed)
{
    xmlChar *raw = xmlGetProp(n, (const xmlChar *)name);
    if (!raw) {
        if (required) {
            ERR(L, line_of(n), "<%s> is missing attribute '%s'", tag(n), name);
            *failed = 1;
        }
        return NULL;
    }
    char err[512];
    char *text = tess_scope_subst(s, L->p, (const char *)raw, err, sizeof err);
    xmlFree(raw);
    if (!text) {
        ERR(L, line_of(n), "<%s> attribute '%s': %s", tag(n), name, err);
        *failed = 1;
    }
    return text;
}

/* A number attribute of dimension `dim` (a missing optional one leaves *out as it is):
 * whole numbers (counts) must lie in [lo, hi], other quantities must not be negative. */
static int attr_number(loader *L, const tess_scope *s, xmlNodePtr n, const char *name, unsigned dim,
                       int required, int whole, uint32_t lo, uint32_t hi, double *out)
{
    int failed = 0;
    char *text = attr(L, s, n, name, required, &failed);
    if (!text) return failed ? -1 : 0;
    tess_quantity q;
    char err[512];
    int rc = tess_parse_quantity(text, dim, &q, err, sizeof err);
    if (rc == 0 && whole &&
        (q.value < lo || q.value > hi || q.value != (double)(uint32_t)q.value)) {
        snprintf(err, sizeof err, "'%s' is out of range (a whole number from %u to %u)", text, lo,
                 hi);
        rc = -1;
    } else if (rc == 0 && !whole && q.value < 0) {
        snprintf(err, sizeof err, "'%s' is negative", text);
        rc = -1;
    }
    if (rc != 0)
        ERR(L, line_of(n), "<%s> attribute '%s': %s", tag(n), name, err);
    else
        *out = q.value;
    free(text);
    return rc;
}

/* A whole-number attribute in [lo, hi]. */
static int attr_count(loader *L, const tess_scope *s, xmlNodePtr n, const char *name, uint32_t lo,
                      uint32_t hi, uint32_t *out)
{
    double v;
    if (attr_number(L, s, n, name, TESS_DIM_COUNT, 1, 1, lo, hi, &v) != 0) return -1;
    *out = (uint32_t)v;
    return 0;
}

/* A name attribute that must be an identifier (no '.', which separates path levels). */
static char *attr_name(loader *L, const tess_scope *s, xmlNodePtr n, const char *name)
{
    int failed = 0;
    char *text = attr(L, s, n, name, 1, &failed);
    if (text && !tess_is_identifier(text)) {
        ERR(L, line_of(n),
            "<%s> attribute '%s': '%s' is not a name (a letter or '_', then letters, digits, "
            "'_' or '-'; '.' separates hierarchy levels)",
            tag(n), name, text);
        free(text);
        return NULL;
    }
    return text;
}

/* ---- types -------------------------------------------------------------- */

/* Finds a type by the name written in a scope: innermost scope first. */
static uint32_t find_type(loader *L, const tess_scope *s, const char *name)
{
    for (; s; s = s->parent) {
        char *full = tess_scope_join(s->prefix, name);
        if (!full) return TESS_NONE;
        uint32_t idx = tess_name_table_get(&L->types, full);
        free(full);
        if (idx != TESS_NONE) return idx;
    }
    return TESS_NONE;
}

/* Resolves a type-reference attribute that must name a template of `kind`. */
static uint32_t attr_type(loader *L, const tess_scope *s, xmlNodePtr n, const char *name,
                          tess_kind kind, int required)
{
    int failed = 0;
    char *text = attr(L, s, n, name, required, &failed);
    if (!text) return TESS_NONE;
    uint32_t idx = find_type(L, s, text);
    if (idx == TESS_NONE)
        ERR(L, line_of(n), "<%s> attribute '%s': no %s named '%s'", tag(n), name,
            tess_kind_type_element(kind), text);
    else if (L->p->types[idx].kind != kind) {
        ERR(L, line_of(n), "<%s> attribute '%s': '%s' is a %s (line %ld), expected a %s", tag(n),
            name, text, tess_kind_type_element(L->p->types[idx].kind), L->p->types[idx].line,
            tess_kind_type_element(kind));
        idx = TESS_NONE;
    }
    free(text);
    return idx;
}

/* Override o ("OWNER.FIELD" = value) set on *copy, a copy of template ti (its relations not
 * checked); 0, or -1 after reporting why at the template's line. */
static int set_override(loader *L, uint32_t ti, const tess_override_slot *o, const char *field,
                        tess_type *copy)
{
    tess_platform *p = L->p;
    const tess_field_spec *f = tess_field_find(p->types[ti].kind, field);
    char err[512];
    if (!f) {
        tess_diag_add(L->diag, tess_type_file(p, ti), p->types[ti].line,
                      "--set %s: a %s has no field '%s'", o->name,
                      tess_kind_type_element(p->types[ti].kind), field);
        return -1;
    }
    if (tess_field_set(f, tess_type_struct(copy), o->value, err, sizeof err) != 0) {
        tess_diag_add(L->diag, tess_type_file(p, ti), p->types[ti].line, "--set %s=%s: %s", o->name,
                      o->value, err);
        return -1;
    }
    return 0;
}

/* Sets on *copy (template ti's fields) every unused override PREFIX.FIELD (PREFIX a
 * template's name or an instance's path), marking them used, then checks the template's
 * relations once: fields that go together (core-rows and core-cols) may be set together.
 * The number set (0: none names PREFIX), or -1 after reporting why at the template's line. */
static int set_overrides_of(loader *L, uint32_t ti, const char *prefix, tess_type *copy)
{
    tess_platform *p = L->p;
    const size_t len = strlen(prefix);
    const tess_override_slot *last = NULL;
    int set = 0, bad = 0;
    for (size_t i = 0; i < L->n_overrides; i++) {
        tess_override_slot *o = &L->overrides[i];
        if (o->used || strncmp(o->name, prefix, len) != 0 || o->name[len] != '.' ||
            strchr(o->name + len + 1, '.'))
            continue;
        o->used = 1;
        if (set_override(L, ti, o, o->name + len + 1, copy) != 0) {
            bad = 1;
        } else {
            set++;
            last = o;
        }
    }
    if (bad) return -1;
    char err[512];
    if (set && tess_type_check(copy, err, sizeof err) != 0) {
        if (set == 1)
            tess_diag_add(L->diag, tess_type_file(p, ti), p->types[ti].line, "--set %s=%s: %s",
                          last->name, last->value, err);
        else
            tess_diag_add(L->diag, tess_type_file(p, ti), p->types[ti].line,
                          "--set %s.* (%d overrides of '%s'): %s", prefix, set, prefix, err);
        return -1;
    }
    return set;
}

/* --set TYPE.FIELD for a template just declared: applied at once, so that generators
 * that read the template (a switch's ports as the fat-tree's radix) see the value. */
static void apply_type_overrides(loader *L, uint32_t ti)
{
    tess_type copy = L->p->types[ti];
    if (set_overrides_of(L, ti, L->p->types[ti].name, &copy) > 0) L->p->types[ti].u = copy.u;
}

static int handle_type(loader *L, tess_scope *s, xmlNodePtr n, tess_kind kind)
{
    tess_type t;
    memset(&t, 0, sizeof t);
    t.kind = kind;
    t.line = line_of(n);
    t.file = L->file_index;
    if (kind == TESS_KIND_DIE) t.u.die.technology_type = TESS_NONE;
    if (kind == TESS_KIND_LINK) t.u.link.xcvr_type = TESS_NONE;
    char *shortname = attr_name(L, s, n, "name");
    if (!shortname) return -1;
    t.name = tess_scope_join(s->prefix, shortname);
    free(shortname);
    size_t nf;
    const tess_field_spec *fields = tess_fields_of(kind, &nf);
    int bad = 0;
    for (size_t i = 0; i < nf; i++) {
        int failed = 0;
        char *text = attr(L, s, n, fields[i].attr, fields[i].default_text == NULL, &failed);
        if (failed) {
            bad = 1;
            continue;
        }
        char err[512];
        if (tess_field_set(&fields[i], tess_type_struct(&t), text ? text : fields[i].default_text,
                           err, sizeof err) != 0) {
            ERR(L, t.line, "<%s name=\"%s\"> attribute '%s': %s", tag(n), t.name, fields[i].attr,
                err);
            bad = 1;
        }
        free(text);
    }
    char err[512];
    if (!bad && t.name && tess_type_check(&t, err, sizeof err) != 0) {
        ERR(L, t.line, "<%s name=\"%s\">: %s", tag(n), t.name, err);
        bad = 1;
    }
    if (bad || !t.name) {
        free(t.name);
        return -1;
    }
    uint32_t idx = tess_platform_add_type(L->p, &t);
    if (idx == TESS_NONE) {
        free(t.name);
        L->oom = 1;
        return -1;
    }
    if (tess_name_table_put(&L->types, L->p->types[idx].name, idx) == 1) {
        uint32_t first = tess_name_table_get(&L->types, t.name);
        ERR(L, t.line, "<%s> attribute 'name': a template named '%s' is already declared at %s:%ld",
            tag(n), t.name, tess_type_file(L->p, first), L->p->types[first].line);
        return -1;
    }
    apply_type_overrides(L, idx);
    return 0;
}

/* ---- instances ---------------------------------------------------------- */

/* Registers instances [first, n_instances) by path; duplicates are errors. */
static int register_instances(loader *L, size_t first, xmlNodePtr n)
{
    int rc = 0;
    for (size_t i = first; i < L->p->n_instances; i++) {
        L->p->instances[i].group = L->group;
        for (int k = 0; k < TESS_SCOPE_LEVELS; k++) /* a generator may have set its own (domains) */
            if (!L->p->instances[i].scope[k]) L->p->instances[i].scope[k] = L->scope[k];
        const tess_instance *inst = &L->p->instances[i];
        int put = tess_name_table_put(&L->instances, inst->path, (uint32_t)i);
        if (put < 0) {
            L->oom = 1;
            return -1;
        }
        if (put == 1) {
            uint32_t prev = tess_name_table_get(&L->instances, inst->path);
            ERR(L, line_of(n), "<%s>: duplicate instance name '%s' (first declared at line %ld)",
                tag(n), inst->path, L->p->instances[prev].line);
            rc = -1;
        }
    }
    return rc;
}

static int handle_instance(loader *L, tess_scope *s, xmlNodePtr n)
{
    char *shortname = attr_name(L, s, n, "name");
    int failed = 0;
    char *tname = attr(L, s, n, "type", 1, &failed);
    int rc = -1;
    if (shortname && tname) {
        uint32_t ti = find_type(L, s, tname);
        if (ti == TESS_NONE) {
            ERR(L, line_of(n), "<instance name=\"%s\"> attribute 'type': no template named '%s'",
                shortname, tname);
        } else if (L->p->types[ti].kind == TESS_KIND_LINK) {
            ERR(L, line_of(n),
                "<instance name=\"%s\"> attribute 'type': '%s' is a link-type; links are made "
                "with <connect>",
                shortname, tname);
        } else if (L->p->types[ti].kind == TESS_KIND_TECHNOLOGY ||
                   L->p->types[ti].kind == TESS_KIND_XCVR) {
            const int tech = L->p->types[ti].kind == TESS_KIND_TECHNOLOGY;
            ERR(L, line_of(n),
                "<instance name=\"%s\"> attribute 'type': '%s' is a %s; %s name it with %s=\"%s\"",
                shortname, tname, tech ? "technology-type" : "xcvr-type",
                tech ? "die-types" : "link-types", tech ? "technology" : "xcvr", tname);
        } else {
            tess_instance inst = {0};
            inst.path = tess_scope_join(s->prefix, shortname);
            inst.kind = L->p->types[ti].kind;
            inst.type = ti;
            inst.grid = TESS_NONE;
            inst.row = inst.col = -1;
            inst.line = line_of(n);
            size_t first = L->p->n_instances;
            if (!inst.path || tess_platform_add_instance(L->p, &inst) == TESS_NONE) {
                free(inst.path);
                L->oom = 1;
            } else {
                rc = register_instances(L, first, n);
            }
        }
    }
    free(shortname);
    free(tname);
    return rc;
}

/* A generator's memories: memory="TYPE" and the link-type joining each, memory-link="LINK",
 * both or neither (a memory-link alone names memories that are not there). 1 with them, 0
 * without, -1 after reporting why. */
static int generator_memory(loader *L, tess_scope *s, xmlNodePtr n, tess_generator_spec *g)
{
    g->memory_type = g->memory_link_type = TESS_NONE;
    if (!xmlHasProp(n, (const xmlChar *)"memory")) {
        if (!xmlHasProp(n, (const xmlChar *)"memory-link")) return 0;
        ERR(L, line_of(n),
            "<%s>: 'memory-link' joins the generator's memories; name their memory-type with "
            "memory=\"TYPE\"",
            tag(n));
        return -1;
    }
    int bad = (g->memory_type = attr_type(L, s, n, "memory", TESS_KIND_MEMORY, 0)) == TESS_NONE;
    bad |=
        (g->memory_link_type = attr_type(L, s, n, "memory-link", TESS_KIND_LINK, 1)) == TESS_NONE;
    return bad ? -1 : 1;
}

/* <fat-tree> and <rail-only>: domains of dies joined by scale-out switches (generators.h). */
static int handle_scale_out(loader *L, tess_scope *s, xmlNodePtr n, tess_generator_spec *g)
{
    int bad = attr_count(L, s, n, "domains", 1, 1u << 20, &g->rows) != 0;
    bad |= attr_count(L, s, n, "domain-size", 1, 4096, &g->cols) != 0;
    g->die_type = attr_type(L, s, n, "die", TESS_KIND_DIE, 1);
    g->nic_type = attr_type(L, s, n, "nic", TESS_KIND_ROUTER, 1);
    g->domain_switch_type = attr_type(L, s, n, "domain-switch", TESS_KIND_ROUTER, 1);
    g->domain_link_type = attr_type(L, s, n, "domain-link", TESS_KIND_LINK, 1);
    g->router_type = attr_type(L, s, n, "switch", TESS_KIND_ROUTER, 1);
    g->link_type = attr_type(L, s, n, "link", TESS_KIND_LINK, 1);
    g->local_link_type = g->domain_link_type;
    g->uplink_type = g->link_type;
    bad |= generator_memory(L, s, n, g) < 0;
    if (xmlHasProp(n, (const xmlChar *)"local-link"))
        bad |=
            (g->local_link_type = attr_type(L, s, n, "local-link", TESS_KIND_LINK, 0)) == TESS_NONE;
    if (xmlHasProp(n, (const xmlChar *)"uplink"))
        bad |= (g->uplink_type = attr_type(L, s, n, "uplink", TESS_KIND_LINK, 0)) == TESS_NONE;
    g->oversubscription = g->aggregation_oversubscription = 1;
    if (xmlHasProp(n, (const xmlChar *)"levels"))
        bad |= attr_count(L, s, n, "levels", 1, 3, &g->levels) != 0;
    int failed = 0;
    char *text = attr(L, s, n, "oversubscription", 0, &failed);
    if (text) { /* per level, leaves first: "3" or "3 2" */
        double *level[2] = {&g->oversubscription, &g->aggregation_oversubscription};
        char *copy = strdup(text);
        int k = 0, wrong = !copy;
        char *save = NULL;
        for (char *tok = copy ? strtok_r(copy, " \t", &save) : NULL; tok && !wrong;
             tok = strtok_r(NULL, " \t", &save), k++) {
            tess_quantity q;
            char err[256];
            wrong = k >= 2 || tess_parse_quantity(tok, TESS_DIM_COUNT, &q, err, sizeof err) != 0 ||
                    !(q.value >= 1) || q.value > 64;
            if (!wrong) *level[k] = q.value;
        }
        if (wrong || k == 0) {
            ERR(L, line_of(n),
                "<%s> attribute 'oversubscription': '%s' is not a ratio from 1 to 64, or two "
                "(per level: a leaf's NIC ports per uplink, then an aggregation switch's leaf "
                "ports per core "
                "uplink)",
                tag(n), text);
            bad = 1;
        }
        free(copy);
        free(text);
    }
    g->border_switch_type = g->border_link_type = TESS_NONE;
    if (xmlHasProp(n, (const xmlChar *)"border")) {
        bad |= attr_count(L, s, n, "border", 1, 4096, &g->border) != 0;
        if (g->topology != TESS_TOPO_FAT_TREE) {
            ERR(L, line_of(n),
                "<%s> attribute 'border': a border is a port group of one fat-tree; a rail-only "
                "network has a network per rail (give each its own way out with <connect>)",
                tag(n));
            bad = 1;
        }
        bad |= (g->border_switch_type = attr_type(L, s, n, "border-switch", TESS_KIND_ROUTER, 1)) ==
               TESS_NONE;
        g->border_link_type = g->uplink_type;
        if (xmlHasProp(n, (const xmlChar *)"border-link"))
            bad |= (g->border_link_type = attr_type(L, s, n, "border-link", TESS_KIND_LINK, 0)) ==
                   TESS_NONE;
    } else if (xmlHasProp(n, (const xmlChar *)"border-switch") ||
               xmlHasProp(n, (const xmlChar *)"border-link")) {
        ERR(L, line_of(n),
            "<%s>: 'border-switch' and 'border-link' describe the border; give its ports with "
            "border=\"P\"",
            tag(n));
        bad = 1;
    }
    bad |= failed;
    bad |= g->die_type == TESS_NONE || g->nic_type == TESS_NONE ||
           g->domain_switch_type == TESS_NONE || g->domain_link_type == TESS_NONE ||
           g->router_type == TESS_NONE || g->link_type == TESS_NONE;
    if (bad) return -1;
    g->radix = L->p->types[g->router_type].u.router.ports;
    if (g->radix == 0) {
        ERR(L, line_of(n),
            "<%s> attribute 'switch': router-type '%s' states no ports; the scale-out "
            "switches' radix is its ports=\"K\"",
            tag(n), L->p->types[g->router_type].name);
        return -1;
    }
    tess_clos_plan c;
    char err[256];
    const int fat = g->topology == TESS_TOPO_FAT_TREE;
    if (tess_clos_plan_make(fat ? g->rows * g->cols + g->border : g->rows, g->radix,
                            fat ? g->levels : 0, fat ? g->oversubscription : 1,
                            fat ? g->aggregation_oversubscription : 1, &c, err, sizeof err) != 0) {
        ERR(L, line_of(n), "<%s name=\"%s\">: %s", tag(n), g->name ? g->name : "", err);
        return -1;
    }
    if (g->aggregation_oversubscription != 1 && (!fat || c.levels != 3)) {
        ERR(L, line_of(n),
            "<%s name=\"%s\"> attribute 'oversubscription': a second ratio is for the "
            "aggregation switches of a three-level fat-tree; this network has %u level(s)%s",
            tag(n), g->name ? g->name : "", c.levels, fat ? " (levels=\"3\" forces three)" : "");
        return -1;
    }
    return 0;
}

/* A mesh's or torus's memories on its edges: memory="TYPE" memory-link="LINK"
 * memory-edges="west east" (any of west, east, north, south; generators.h). */
static int grid_memories(loader *L, tess_scope *s, xmlNodePtr n, tess_generator_spec *g)
{
    const int has = generator_memory(L, s, n, g);
    if (has <= 0) {
        if (has == 0 && xmlHasProp(n, (const xmlChar *)"memory-edges")) {
            ERR(L, line_of(n),
                "<%s>: 'memory-edges' places memories on the grid's edges; name their "
                "memory-type with memory=\"TYPE\"",
                tag(n));
            return -1;
        }
        return has;
    }
    int bad = 0;
    int failed = 0;
    char *text = attr(L, s, n, "memory-edges", 1, &failed);
    if (!text) return -1;
    char *save = NULL;
    for (char *tok = strtok_r(text, " \t,", &save); tok; tok = strtok_r(NULL, " \t,", &save)) {
        unsigned bit = 0;
        for (unsigned k = 0; k < 4 && !bit; k++)
            if (strcmp(tok, tess_grid_edges[k]) == 0) bit = 1u << k;
        if (!bit || (g->memory_edges & bit)) {
            ERR(L, line_of(n),
                "<%s> attribute 'memory-edges': '%s' %s (the edges are west, east, north and "
                "south, each once)",
                tag(n), tok, bit ? "named twice" : "is not an edge");
            bad = 1;
        }
        g->memory_edges |= bit;
    }
    if (!g->memory_edges && !bad) {
        ERR(L, line_of(n),
            "<%s> attribute 'memory-edges': empty; name the edges that carry memories (west, "
            "east, north, south)",
            tag(n));
        bad = 1;
    }
    free(text);
    return bad | failed ? -1 : 0;
}

static int handle_generator(loader *L, tess_scope *s, xmlNodePtr n, tess_topology topo)
{
    tess_generator_spec g;
    memset(&g, 0, sizeof g);
    g.topology = topo;
    g.line = line_of(n);
    char *shortname = attr_name(L, s, n, "name");
    int bad = shortname == NULL;
    /* 4096 x 4096 tiles bounds a wafer of any plausible size and keeps indices 32-bit. */
    if (topo == TESS_TOPO_FAT_TREE || topo == TESS_TOPO_RAIL_ONLY) {
        g.name = shortname;
        bad |= handle_scale_out(L, s, n, &g) != 0;
    } else if (topo == TESS_TOPO_SWITCH || topo == TESS_TOPO_RING) {
        g.rows = 1;
        bad |= attr_count(L, s, n, "dies", topo == TESS_TOPO_RING ? 3 : 1, 65535, &g.cols) != 0;
    } else if (topo == TESS_TOPO_DRAGONFLY) {
        bad |= attr_count(L, s, n, "groups", 2, 4096, &g.rows) != 0;
        bad |= attr_count(L, s, n, "routers", 1, 4096, &g.cols) != 0;
    } else {
        uint32_t lo = topo == TESS_TOPO_TORUS ? 3 : 1;
        bad |= attr_count(L, s, n, "rows", lo, 4096, &g.rows) != 0;
        bad |= attr_count(L, s, n, "cols", lo, 4096, &g.cols) != 0;
    }
    const uint64_t dies = (uint64_t)g.rows * g.cols;
    if (!bad && dies > TESS_MAX_GENERATED_DIES) {
        ERR(L, line_of(n), "<%s>: %u x %u = %llu dies; at most %u dies a generator", tag(n), g.rows,
            g.cols, (unsigned long long)dies, TESS_MAX_GENERATED_DIES);
        bad = 1;
    }
    const int tiles = tess_topology_has_coordinates(topo) || topo == TESS_TOPO_RING ||
                      topo == TESS_TOPO_DRAGONFLY; /* a router a die */
    if (tiles || topo == TESS_TOPO_SWITCH) {
        g.die_type = attr_type(L, s, n, "die", TESS_KIND_DIE, 1);
        g.router_type = attr_type(L, s, n, "router", TESS_KIND_ROUTER, 1);
        g.link_type = attr_type(L, s, n, "link", TESS_KIND_LINK, 1);
        g.local_link_type = g.global_link_type = g.link_type;
    }
    if (tiles && xmlHasProp(n, (const xmlChar *)"local-link")) {
        g.local_link_type = attr_type(L, s, n, "local-link", TESS_KIND_LINK, 0);
        bad |= g.local_link_type == TESS_NONE;
    }
    if (tess_topology_has_coordinates(topo)) bad |= grid_memories(L, s, n, &g) != 0;
    if (topo == TESS_TOPO_DRAGONFLY && xmlHasProp(n, (const xmlChar *)"global-link")) {
        g.global_link_type = attr_type(L, s, n, "global-link", TESS_KIND_LINK, 0);
        bad |= g.global_link_type == TESS_NONE;
    }
    bad |= g.die_type == TESS_NONE || g.router_type == TESS_NONE || g.link_type == TESS_NONE;
    if (bad) {
        free(shortname);
        return -1;
    }
    char *full = tess_scope_join(s->prefix, shortname);
    free(shortname);
    if (!full) {
        L->oom = 1;
        return -1;
    }
    g.name = full;
    size_t first = L->p->n_instances;
    uint32_t gi = tess_generate(L->p, &g);
    free(full);
    if (gi == TESS_NONE) {
        L->oom = 1;
        return -1;
    }
    return register_instances(L, first, n);
}

/* ---- connects and defects (resolved after the walk) --------------------- */

static int push_connect(loader *L, const pending_connect *c)
{
    if (L->n_connects == L->cap_connects) {
        size_t cap = L->cap_connects ? 2 * L->cap_connects : 16;
        pending_connect *bigger = realloc(L->connects, cap * sizeof *bigger);
        if (!bigger) return -1;
        L->connects = bigger;
        L->cap_connects = cap;
    }
    L->connects[L->n_connects++] = *c;
    return 0;
}

static int push_defect(loader *L, const pending_defect *d)
{
    if (L->n_defects == L->cap_defects) {
        size_t cap = L->cap_defects ? 2 * L->cap_defects : 16;
        pending_defect *bigger = realloc(L->defects, cap * sizeof *bigger);
        if (!bigger) return -1;
        L->defects = bigger;
        L->cap_defects = cap;
    }
    L->defects[L->n_defects++] = *d;
    return 0;
}

/* Path attribute relative to the scope: "a.b" inside scope "pkg0" is "pkg0.a.b"; *rel (when
 * given) is where "a.b" starts in it. */
static char *attr_path_at(loader *L, const tess_scope *s, xmlNodePtr n, const char *name,
                          size_t *rel)
{
    int failed = 0;
    char *text = attr(L, s, n, name, 1, &failed);
    if (!text) return NULL;
    char *full = tess_scope_join(s->prefix, text);
    if (full && rel) *rel = strlen(full) - strlen(text);
    free(text);
    if (!full) L->oom = 1;
    return full;
}

static char *attr_path(loader *L, const tess_scope *s, xmlNodePtr n, const char *name)
{
    return attr_path_at(L, s, n, name, NULL);
}

static int handle_connect(loader *L, tess_scope *s, xmlNodePtr n)
{
    pending_connect c = {0};
    c.line = line_of(n);
    c.from = attr_path_at(L, s, n, "from", &c.from_rel);
    c.to = attr_path_at(L, s, n, "to", &c.to_rel);
    c.link_type = attr_type(L, s, n, "link", TESS_KIND_LINK, 1);
    int bad = xmlHasProp(n, (const xmlChar *)"count") &&
              attr_count(L, s, n, "count", 1, 65536, &c.count) != 0;
    if (bad || !c.from || !c.to || c.link_type == TESS_NONE || push_connect(L, &c) != 0) {
        free(c.from);
        free(c.to);
        return -1;
    }
    return 0;
}

/* A non-negative quantity attribute of one dimension (optional: *out keeps its value). */
static int attr_quantity(loader *L, const tess_scope *s, xmlNodePtr n, const char *name,
                         unsigned dim, int required, double *out)
{
    return attr_number(L, s, n, name, dim, required, 0, 0, 0, out);
}

/* <circuit-switch>: its ports, latencies and configurations; each <circuit> becomes a link
 * (resolved with the connects) tagged with its configuration. */
static int handle_circuit_switch(loader *L, tess_scope *s, xmlNodePtr n)
{
    if (L->p->circuits) {
        ERR(L, line_of(n),
            "<circuit-switch>: a platform has at most one circuit switch (the first is '%s', "
            "line %ld)",
            L->p->circuits->name ? L->p->circuits->name : "", L->p->circuits->line);
        return -1;
    }
    tess_circuit_switch *cs = calloc(1, sizeof *cs);
    if (!cs) {
        L->oom = 1;
        return -1;
    }
    L->p->circuits = cs;
    cs->line = line_of(n);
    cs->name = attr_name(L, s, n, "name");
    int bad = !cs->name;
    bad |= attr_count(L, s, n, "ports", 1, 1u << 20, &cs->ports) != 0;
    bad |= attr_quantity(L, s, n, "insertion-latency", TESS_DIM_TIME, 1, &cs->insertion_s) != 0;
    bad |= attr_quantity(L, s, n, "reconfiguration-time", TESS_DIM_TIME, 1,
                         &cs->reconfiguration_s) != 0;
    bad |= attr_quantity(L, s, n, "port-cost", TESS_DIM_COST, 0, &cs->port_cost_usd) != 0;
    cs->link_type = attr_type(L, s, n, "link", TESS_KIND_LINK, 1);
    bad |= cs->link_type == TESS_NONE;
    uint32_t configs = 0;
    for (xmlNodePtr c = n->children; c; c = c->next)
        if (c->type == XML_ELEMENT_NODE) configs++; /* <configuration>, by the schema */
    if (configs > 255) {
        ERR(L, cs->line, "<circuit-switch>: %u configurations; at most 255", configs);
        bad = 1;
    }
    cs->config_names = calloc(configs ? configs : 1, sizeof *cs->config_names);
    cs->config_lines = calloc(configs ? configs : 1, sizeof *cs->config_lines);
    if (!cs->config_names || !cs->config_lines) {
        L->oom = 1;
        return -1;
    }
    cs->n_configs = configs; /* the arrays hold them: tess_platform_free may walk them */
    uint32_t k = 0;
    for (xmlNodePtr c = n->children; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE) continue;
        cs->config_lines[k] = line_of(c);
        cs->config_names[k] = attr_name(L, s, c, "name");
        bad |= !cs->config_names[k];
        for (uint32_t j = 0; j < k && cs->config_names[k]; j++)
            if (cs->config_names[j] && strcmp(cs->config_names[j], cs->config_names[k]) == 0) {
                ERR(L, line_of(c),
                    "<configuration>: '%s' is already a configuration of '%s' (line %ld)",
                    cs->config_names[k], cs->name ? cs->name : "", cs->config_lines[j]);
                bad = 1;
            }
        for (xmlNodePtr e = c->children; e; e = e->next) {
            if (e->type != XML_ELEMENT_NODE) continue;
            pending_connect pc = {0};
            pc.line = line_of(e);
            pc.from = attr_path_at(L, s, e, "a", &pc.from_rel);
            pc.to = attr_path_at(L, s, e, "b", &pc.to_rel);
            pc.link_type = cs->link_type;
            pc.circuit = k + 1;
            if (!pc.from || !pc.to || cs->link_type == TESS_NONE || push_connect(L, &pc) != 0) {
                free(pc.from);
                free(pc.to);
                bad = 1;
            }
        }
        k++;
    }
    return bad ? -1 : 0;
}

/* After the connects are links: every instance in at most one circuit of a configuration,
 * and no more instances attached than the switch has ports. */
static void check_circuits(loader *L)
{
    tess_platform *p = L->p;
    tess_circuit_switch *cs = p->circuits;
    if (!cs) return;
    uint32_t *seen = calloc(p->n_instances ? p->n_instances : 1, sizeof *seen); /* config + 1 */
    char *attached = calloc(p->n_instances ? p->n_instances : 1, 1);
    if (!seen || !attached) {
        free(seen);
        free(attached);
        L->oom = 1;
        return;
    }
    for (size_t i = 0; i < p->n_links; i++) {
        const tess_link *l = &p->links[i];
        if (!l->circuit) continue;
        const uint32_t ends[2] = {l->a, l->b};
        for (int e = 0; e < 2; e++) {
            const tess_instance *x = &p->instances[ends[e]];
            if (seen[ends[e]] == l->circuit)
                ERR(L, l->line,
                    "<circuit>: '%s' is in two circuits of configuration '%s': a port of the "
                    "circuit switch connects to one other port at a time",
                    x->path,
                    cs->config_names[l->circuit - 1] ? cs->config_names[l->circuit - 1] : "");
            if (x->kind == TESS_KIND_ROUTER &&
                p->types[x->type].u.router.routing != TESS_ROUTING_SHORTEST && !attached[ends[e]])
                ERR(L, cs->line,
                    "<circuit-switch> '%s': router '%s' (router-type '%s') routes by '%s'; a "
                    "circuit switch changes the routes, which only routing=\"shortest\" recomputes "
                    "per "
                    "configuration",
                    cs->name ? cs->name : "", x->path, p->types[x->type].name,
                    tess_routing_name(p->types[x->type].u.router.routing));
            seen[ends[e]] = l->circuit;
            if (!attached[ends[e]]) cs->attached++;
            attached[ends[e]] = 1;
        }
    }
    if (cs->attached > cs->ports)
        ERR(L, cs->line,
            "<circuit-switch> '%s': %u instances are attached to its circuits but it has %u ports",
            cs->name ? cs->name : "", cs->attached, cs->ports);
    free(seen);
    free(attached);
}

static int handle_defects(loader *L, tess_scope *s, xmlNodePtr n)
{
    int rc = 0;
    if (xmlHasProp(n, (const xmlChar *)"seed")) {
        uint32_t seed = 0;
        if (attr_count(L, s, n, "seed", 0, UINT32_MAX, &seed) != 0) return -1;
        if (seed && L->defect_seed) {
            ERR(L, line_of(n), "<defects seed>: a second map to draw (the first at line %ld)",
                L->defect_seed_line);
            return -1;
        }
        if (seed) {
            L->defect_seed = seed;
            L->defect_seed_line = line_of(n);
        }
    }
    for (xmlNodePtr d = n->children; d; d = d->next) {
        if (d->type != XML_ELEMENT_NODE) continue;
        pending_defect pd = {0};
        pd.line = line_of(d);
        if (strcmp(tag(d), "dead") == 0) {
            pd.a = attr_path(L, s, d, "instance");
        } else { /* dead-link, by the schema */
            pd.a = attr_path(L, s, d, "from");
            pd.b = attr_path(L, s, d, "to");
        }
        if (!pd.a || (strcmp(tag(d), "dead-link") == 0 && !pd.b) || push_defect(L, &pd) != 0) {
            free(pd.a);
            free(pd.b);
            rc = -1;
        }
    }
    return rc;
}

/* A path written inside a scope names an instance of that scope or, where it has none of
 * the name, of the nearest enclosing scope that has one (as a template name does): inside
 * datacenter "dc0", "wan" is "dc0.wan" or else the platform's "wan". */
static uint32_t resolve_outward(loader *L, const char *full, size_t rel, long line,
                                const char *what)
{
    uint32_t idx = tess_name_table_get(&L->instances, full);
    for (size_t end = rel; idx == TESS_NONE && end > 0;) {
        end--; /* full[end] is the '.' before the part tried last */
        while (end > 0 && full[end - 1] != '.')
            end--;
        char *tried = malloc(end + strlen(full + rel) + 1);
        if (!tried) {
            L->oom = 1;
            return TESS_NONE;
        }
        memcpy(tried, full, end);
        strcpy(tried + end, full + rel);
        idx = tess_name_table_get(&L->instances, tried);
        free(tried);
    }
    if (idx == TESS_NONE) {
        if (rel > 0)
            ERR(L, line, "%s: no instance named '%s', nor '%s' in a scope around '%.*s'", what,
                full, full + rel, (int)(rel - 1), full);
        else
            ERR(L, line, "%s: no instance named '%s'", what, full);
    }
    return idx;
}

/* A path as it stands (a defect's: no scope to look outside of). */
static uint32_t resolve(loader *L, const char *path, long line, const char *what)
{
    return resolve_outward(L, path, 0, line, what);
}

/* Whether an earlier connect written on `line` failed: the copies of a counted level are
 * alike, so the first copy's errors stand for all of them. */
static int failed_before(const loader *L, size_t i, long line)
{
    for (size_t k = 0; k < i; k++)
        if (L->connects[k].line == line && L->connects[k].failed) return 1;
    return 0;
}

static void resolve_connects(loader *L)
{
    for (size_t i = 0; i < L->n_connects; i++) {
        pending_connect *c = &L->connects[i];
        const size_t errors = tess_diag_errors(L->diag);
        if (errors > 0 && failed_before(L, i, c->line)) continue; /* (only scanned on errors) */
        c->failed = 1;                                            /* until it is a link */
        uint32_t a =
            resolve_outward(L, c->from, c->from_rel, c->line,
                            c->circuit ? "<circuit> attribute 'a'" : "<connect> attribute 'from'");
        uint32_t b =
            resolve_outward(L, c->to, c->to_rel, c->line,
                            c->circuit ? "<circuit> attribute 'b'" : "<connect> attribute 'to'");
        if (a == TESS_NONE || b == TESS_NONE) continue;
        if (a == b) {
            ERR(L, c->line,
                c->circuit ? "<circuit>: 'a' and 'b' are the same instance '%s'"
                           : "<connect>: 'from' and 'to' are the same instance '%s'",
                c->from);
            continue;
        }
        if (c->circuit && (L->p->instances[a].kind != TESS_KIND_ROUTER ||
                           L->p->instances[b].kind != TESS_KIND_ROUTER)) {
            ERR(L, c->line,
                "<circuit>: '%s' is not a router: circuits join routers (a package's optical I/O)",
                L->p->instances[a].kind != TESS_KIND_ROUTER ? c->from : c->to);
            continue;
        }
        tess_link l = {a, b, c->link_type, 0, 0, c->line, c->circuit};
        for (uint32_t k = 0; k < (c->count ? c->count : 1) && !L->oom; k++)
            if (tess_platform_add_link(L->p, &l) == TESS_NONE) L->oom = 1;
        c->failed = tess_diag_errors(L->diag) > errors;
    }
}

static void apply_defects(loader *L)
{
    tess_platform *p = L->p;
    for (size_t i = 0; i < L->n_defects; i++) {
        pending_defect *d = &L->defects[i];
        if (!d->b) {
            uint32_t x = resolve(L, d->a, d->line, "<dead> attribute 'instance'");
            if (x != TESS_NONE) p->instances[x].dead = TESS_DEAD_GIVEN;
            continue;
        }
        uint32_t a = resolve(L, d->a, d->line, "<dead-link> attribute 'from'");
        uint32_t b = resolve(L, d->b, d->line, "<dead-link> attribute 'to'");
        if (a == TESS_NONE || b == TESS_NONE) continue;
        size_t found = 0, which = 0;
        for (size_t k = 0; k < p->n_links; k++) {
            const tess_link *l = &p->links[k];
            if ((l->a == a && l->b == b) || (l->a == b && l->b == a)) {
                found++;
                which = k;
            }
        }
        if (found == 0)
            ERR(L, d->line, "<dead-link>: no link joins '%s' and '%s'", d->a, d->b);
        else if (found > 1)
            ERR(L, d->line,
                "<dead-link>: %zu parallel links join '%s' and '%s'; which one died is ambiguous",
                found, d->a, d->b);
        else
            p->links[which].dead = 1;
    }
    /* A link whose end is dead carries nothing: mark it so nobody downstream re-checks. */
    tess_platform_settle_dead(p, 0);
}

/* ---- field overrides: --set TYPE.field=v and --set INSTANCE.field=v ----- */

static void apply_field_overrides(loader *L)
{
    tess_platform *p = L->p;
    /* Template fields were set as each template was declared (apply_type_overrides);
     * here instance fields: all of an instance's at once, on its own copy of its template. */
    for (size_t i = 0; i < L->n_overrides; i++) {
        tess_override_slot *o = &L->overrides[i];
        if (o->used) continue;
        const char *dot = strrchr(o->name, '.');
        if (!dot) continue;
        char owner[512];
        snprintf(owner, sizeof owner, "%.*s", (int)(dot - o->name), o->name);
        const uint32_t inst = tess_name_table_get(&L->instances, owner);
        if (inst == TESS_NONE) continue;
        const uint32_t ti = p->instances[inst].type;
        tess_type copy = p->types[ti];
        if (set_overrides_of(L, ti, owner, &copy) <= 0) continue;
        /* a private template named "<type>@<instance>" */
        size_t n = strlen(p->types[ti].name) + strlen(owner) + 2;
        copy.name = malloc(n);
        if (!copy.name) {
            L->oom = 1;
            return;
        }
        snprintf(copy.name, n, "%s@%s", p->types[ti].name, owner);
        uint32_t ni = tess_platform_add_type(p, &copy);
        if (ni == TESS_NONE) {
            free(copy.name);
            L->oom = 1;
            return;
        }
        p->instances[inst].type = ni;
    }
}

/* ---- the walk ----------------------------------------------------------- */

static int walk_scope(loader *L, tess_scope *s, xmlNodePtr parent);

/* A <package> or <wafer>: a manufactured unit (src/model/cost.c) with its packaging, spare dies
 * and power limit; its instances record it as their group. */
static int add_group(loader *L, const tess_scope *s, xmlNodePtr n, const char *path)
{
    static const char *const packagings[] = {"organic", "interposer", "wafer-scale"};
    tess_group g = {0};
    g.is_wafer = strcmp(tag(n), "wafer") == 0;
    g.packaging = g.is_wafer ? TESS_PACKAGING_WAFER_SCALE : TESS_PACKAGING_ORGANIC;
    g.line = line_of(n);
    int failed = 0, bad = 0;
    char *text = attr(L, s, n, "packaging", 0, &failed);
    if (text) {
        size_t k = 0;
        while (k < 3 && strcmp(text, packagings[k]) != 0)
            k++;
        if (k == 3) {
            ERR(L, g.line,
                "<%s> attribute 'packaging': '%s' is not one of: organic, interposer, "
                "wafer-scale",
                tag(n), text);
            bad = 1;
        }
        g.packaging = (tess_packaging)(k % 3);
        free(text);
    }
    if (xmlHasProp(n, (const xmlChar *)"spare-dies") &&
        attr_count(L, s, n, "spare-dies", 0, 1u << 20, &g.spare_dies) != 0)
        bad = 1;
    if ((text = attr(L, s, n, "tdp", 0, &failed)) != NULL) {
        tess_quantity q;
        char err[512];
        if (tess_parse_quantity(text, TESS_DIM_POWER, &q, err, sizeof err) != 0 || q.value < 0) {
            ERR(L, g.line, "<%s> attribute 'tdp': %s", tag(n),
                q.value < 0 ? "negative power" : err);
            bad = 1;
        }
        g.tdp_w = q.value;
        free(text);
    }
    if (bad || failed) return -1;
    g.path = strdup(path);
    uint32_t gi = g.path ? tess_platform_add_group(L->p, &g) : TESS_NONE;
    if (gi == TESS_NONE) {
        free(g.path);
        L->oom = 1;
        return -1;
    }
    L->group = gi;
    return 0;
}

static int walk_level(loader *L, tess_scope *s, xmlNodePtr n, const char *shortname)
{
    char *prefix = tess_scope_join(s->prefix, shortname);
    tess_scope inner;
    if (!prefix || tess_scope_init(&inner, s, prefix) != 0) {
        free(prefix);
        L->oom = 1;
        return -1;
    }
    const uint32_t outer_group = L->group;
    int level = 0;
    while (level < TESS_SCOPE_LEVELS && strcmp(tag(n), tess_scope_level_name(level)) != 0)
        level++;
    const uint32_t outer_scope = L->scope[level];
    L->scope[level] = ++L->p->n_scopes;
    int rc = 0;
    if (strcmp(tag(n), "package") == 0 || strcmp(tag(n), "wafer") == 0)
        rc = add_group(L, s, n, prefix);
    free(prefix);
    if (walk_scope(L, &inner, n) != 0) rc = -1;
    L->group = outer_group;
    L->scope[level] = outer_scope;
    tess_scope_free(&inner);
    return rc;
}

/* A hierarchy level: one scope named NAME, or with count="N" N alike named NAME0 ... NAME<N-1>
 * (datacenters of one design, say), each a scope of its own. */
static int handle_level(loader *L, tess_scope *s, xmlNodePtr n)
{
    char *shortname = attr_name(L, s, n, "name");
    if (!shortname) return -1;
    uint32_t copies = 1;
    const int counted = xmlHasProp(n, (const xmlChar *)"count") != NULL;
    if (counted && attr_count(L, s, n, "count", 1, 4096, &copies) != 0) {
        free(shortname);
        return -1;
    }
    int rc = 0;
    for (uint32_t i = 0; i < copies && !L->oom; i++) {
        char name[512];
        if (counted)
            snprintf(name, sizeof name, "%s%u", shortname, i);
        else
            snprintf(name, sizeof name, "%s", shortname);
        if (walk_level(L, s, n, name) != 0) {
            rc = -1;
            break; /* the copies are alike: the first one's errors are all of them */
        }
    }
    free(shortname);
    return rc;
}

/* <include file="..."/>: a <library> of parameters and templates, read into the scope
 * that includes it. Messages about its elements name the included file. */
static int handle_include(loader *L, tess_scope *s, xmlNodePtr n)
{
    int failed = 0;
    char *rel = attr(L, s, n, "file", 1, &failed);
    if (!rel) return -1;
    char path[4096];
    tess_path_beside(L->file, rel, path, sizeof path);
    free(rel);
    if (L->include_depth >= 8) {
        ERR(L, line_of(n),
            "<include file=\"%s\">: includes nest deeper than 8 (does a file "
            "include itself?)",
            path);
        return -1;
    }
    size_t len;
    char *text = tess_read_file(path, &len, L->diag);
    if (!text) return -1;
    xmlDocPtr doc = tess_xml_read(text, len, path, tess_platform_schema_xsd,
                                  tess_platform_schema_xsd_len, L->diag);
    tess_include inc = {0};
    tess_sha256_hex(text, len, inc.sha256);
    free(text);
    if (!doc) return -1;
    int rc = -1;
    if (strcmp(tag(xmlDocGetRootElement(doc)), "library") != 0) {
        ERR(L, line_of(n),
            "<include file=\"%s\">: the file is a <%s>; only a <library> can be "
            "included",
            path, tag(xmlDocGetRootElement(doc)));
    } else if ((inc.path = strdup(path)) == NULL ||
               tess_platform_add_include(L->p, &inc) == TESS_NONE) {
        free(inc.path);
        L->oom = 1;
    } else {
        const char *outer_file = L->file;
        const uint32_t outer_index = L->file_index;
        L->file_index = (uint32_t)(L->p->n_includes - 1);
        L->file = L->p->includes[L->file_index].path;
        L->include_depth++;
        rc = walk_scope(L, s, xmlDocGetRootElement(doc));
        L->include_depth--;
        L->file = outer_file;
        L->file_index = outer_index;
    }
    xmlFreeDoc(doc);
    return rc;
}

/* A template named from another (a die-type's technology="n7", a link-type's xcvr="sr8"),
 * looked up from the naming template's scope outwards; TESS_NONE after an error. */
static uint32_t resolve_reference(loader *L, uint32_t from, const char *name, tess_kind kind,
                                  const char *attr)
{
    tess_platform *p = L->p;
    const tess_type *t = &p->types[from];
    /* the scope of "a.b.core" is "a.b"; a private copy "core@wafer0.x" has its type's */
    char scope[512];
    snprintf(scope, sizeof scope, "%s", t->name);
    char *at = strchr(scope, '@');
    if (at) *at = '\0';
    char *dot = strrchr(scope, '.');
    if (dot)
        *dot = '\0';
    else
        scope[0] = '\0';
    uint32_t found = TESS_NONE;
    for (;;) {
        char full[600];
        snprintf(full, sizeof full, "%s%s%s", scope, scope[0] ? "." : "", name);
        found = tess_name_table_get(&L->types, full);
        if (found != TESS_NONE || scope[0] == '\0') break;
        dot = strrchr(scope, '.');
        if (dot)
            *dot = '\0';
        else
            scope[0] = '\0';
    }
    const char *element = tess_kind_type_element(t->kind), *want = tess_kind_type_element(kind);
    if (found == TESS_NONE) {
        tess_diag_add(L->diag, tess_type_file(p, from), t->line,
                      "<%s name=\"%s\"> attribute '%s': no %s named '%s'", element, t->name, attr,
                      want, name);
    } else if (p->types[found].kind != kind) {
        tess_diag_add(L->diag, tess_type_file(p, from), t->line,
                      "<%s name=\"%s\"> attribute '%s': '%s' is a %s, expected a %s", element,
                      t->name, attr, name, tess_kind_type_element(p->types[found].kind), want);
        found = TESS_NONE;
    }
    return found;
}

/* Die-types' technologies and link-types' transceivers (after overrides, which may change
 * the names); a fibre longer than its transceiver's reach is an error. */
static void resolve_references(loader *L)
{
    tess_platform *p = L->p;
    for (size_t i = 0; i < p->n_types; i++) {
        tess_type *t = &p->types[i];
        if (t->kind == TESS_KIND_DIE) {
            t->u.die.technology_type = TESS_NONE;
            if (t->u.die.technology[0])
                t->u.die.technology_type = resolve_reference(L, (uint32_t)i, t->u.die.technology,
                                                             TESS_KIND_TECHNOLOGY, "technology");
        } else if (t->kind == TESS_KIND_LINK) {
            tess_link_type *lt = &t->u.link;
            lt->xcvr_type = TESS_NONE;
            if (lt->xcvr[0])
                lt->xcvr_type = resolve_reference(L, (uint32_t)i, lt->xcvr, TESS_KIND_XCVR, "xcvr");
            if (lt->xcvr_type != TESS_NONE && lt->length_m > p->types[lt->xcvr_type].u.xcvr.reach_m)
                tess_diag_add(L->diag, tess_type_file(p, (uint32_t)i), t->line,
                              "<link-type name=\"%s\"> attribute 'length': %g m of fibre is beyond "
                              "the %g m reach of xcvr-type '%s'",
                              t->name, lt->length_m, p->types[lt->xcvr_type].u.xcvr.reach_m,
                              lt->xcvr);
        }
    }
}

static int is_level(const char *name)
{
    for (int l = 0; l < TESS_SCOPE_LEVELS; l++)
        if (strcmp(name, tess_scope_level_name(l)) == 0) return 1;
    return 0;
}

/* The elements of a scope (besides <param> and the hierarchy levels): a table from the
 * tag to its handler and the handler's argument (a kind of type, or a topology). */
typedef struct element {
    const char *tag;
    int (*fn)(loader *L, tess_scope *s, xmlNodePtr n, int arg);
    int arg;
} element;

static int on_type(loader *L, tess_scope *s, xmlNodePtr n, int kind)
{
    return handle_type(L, s, n, (tess_kind)kind);
}
static int on_generator(loader *L, tess_scope *s, xmlNodePtr n, int topo)
{
    return handle_generator(L, s, n, (tess_topology)topo);
}
#define ELEMENT_WITHOUT_ARG(name, handler)                                                         \
    static int name(loader *L, tess_scope *s, xmlNodePtr n, int arg)                               \
    {                                                                                              \
        (void)arg;                                                                                 \
        return handler(L, s, n);                                                                   \
    }
ELEMENT_WITHOUT_ARG(on_include, handle_include)
ELEMENT_WITHOUT_ARG(on_instance, handle_instance)
ELEMENT_WITHOUT_ARG(on_connect, handle_connect)
ELEMENT_WITHOUT_ARG(on_circuit_switch, handle_circuit_switch)
ELEMENT_WITHOUT_ARG(on_defects, handle_defects)
static int handle_choose(loader *L, tess_scope *s, xmlNodePtr n);
ELEMENT_WITHOUT_ARG(on_choose, handle_choose)
#undef ELEMENT_WITHOUT_ARG

static const element elements[] = {
    {"die-type", on_type, TESS_KIND_DIE},
    {"router-type", on_type, TESS_KIND_ROUTER},
    {"link-type", on_type, TESS_KIND_LINK},
    {"memory-type", on_type, TESS_KIND_MEMORY},
    {"technology-type", on_type, TESS_KIND_TECHNOLOGY},
    {"xcvr-type", on_type, TESS_KIND_XCVR},
    {"include", on_include, 0},
    {"mesh", on_generator, TESS_TOPO_MESH},
    {"torus", on_generator, TESS_TOPO_TORUS},
    {"switch", on_generator, TESS_TOPO_SWITCH},
    {"ring", on_generator, TESS_TOPO_RING},
    {"dragonfly", on_generator, TESS_TOPO_DRAGONFLY},
    {"fat-tree", on_generator, TESS_TOPO_FAT_TREE},
    {"rail-only", on_generator, TESS_TOPO_RAIL_ONLY},
    {"instance", on_instance, 0},
    {"connect", on_connect, 0},
    {"circuit-switch", on_circuit_switch, 0},
    {"defects", on_defects, 0},
    {"choose", on_choose, 0},
};

static const element *element_of(const char *tag)
{
    for (size_t i = 0; i < sizeof elements / sizeof elements[0]; i++)
        if (strcmp(tag, elements[i].tag) == 0) return &elements[i];
    return NULL;
}

static int walk_elements(loader *L, tess_scope *s, xmlNodePtr parent);

/* <choose value="V"><when value="A">...</when>...</choose>: the elements of the one <when>
 * whose value is V, in the enclosing scope (so a parameter may pick a topology, or any
 * part of a platform); V matching none is an error naming the values there are. */
static int handle_choose(loader *L, tess_scope *s, xmlNodePtr n)
{
    int failed = 0;
    char *value = attr(L, s, n, "value", 1, &failed);
    if (!value) return -1;
    xmlNodePtr chosen = NULL;
    char options[512] = "";
    size_t used = 0;
    int rc = 0;
    for (xmlNodePtr w = n->children; w; w = w->next) {
        if (w->type != XML_ELEMENT_NODE) continue;
        char *v = attr(L, s, w, "value", 1, &failed);
        if (!v) {
            rc = -1;
            continue;
        }
        if (strcmp(v, value) == 0) {
            if (chosen) {
                ERR(L, line_of(w),
                    "<when value=\"%s\">: a second <when> of that value (the first "
                    "at line %ld)",
                    v, line_of(chosen));
                rc = -1;
            }
            chosen = w;
        }
        const int k =
            snprintf(options + used, sizeof options - used, "%s'%s'", used ? ", " : "", v);
        if (k > 0 && (size_t)k < sizeof options - used) used += (size_t)k;
        free(v);
    }
    for (xmlNodePtr c = chosen ? chosen->children : NULL; c; c = c->next)
        if (c->type == XML_ELEMENT_NODE && strcmp(tag(c), "param") == 0) {
            ERR(L, line_of(c), "<param> inside <when>: declare parameters outside <choose>");
            rc = -1;
        }
    if (rc == 0 && !chosen) {
        ERR(L, line_of(n), "<choose value=\"%s\">: no <when> of that value (there are %s)", value,
            options);
        rc = -1;
    }
    free(value);
    return rc == 0 ? walk_elements(L, s, chosen) : -1;
}

/* Declares the scope's parameters first, so that elements may use a parameter
 * declared after them; then handles every other child in document order. */
static int walk_scope(loader *L, tess_scope *s, xmlNodePtr parent)
{
    int rc = 0;
    for (xmlNodePtr n = parent->children; n; n = n->next) {
        if (n->type != XML_ELEMENT_NODE || strcmp(tag(n), "param") != 0) continue;
        xmlChar *name = xmlGetProp(n, (const xmlChar *)"name");
        xmlChar *def = xmlGetProp(n, (const xmlChar *)"default");
        char err[512];
        if (tess_scope_declare(s, L->p, (const char *)name, (const char *)def, line_of(n),
                               L->overrides, L->n_overrides, err, sizeof err) != 0) {
            ERR(L, line_of(n), "<param name=\"%s\">: %s", (const char *)name, err);
            rc = -1;
        }
        xmlFree(name);
        xmlFree(def);
    }
    return walk_elements(L, s, parent) != 0 || rc != 0 ? -1 : 0;
}

/* Handles every child of parent but <param> in document order. */
static int walk_elements(loader *L, tess_scope *s, xmlNodePtr parent)
{
    int rc = 0;
    for (xmlNodePtr n = parent->children; n; n = n->next) {
        if (n->type != XML_ELEMENT_NODE) continue;
        const char *t = tag(n);
        if (strcmp(t, "param") == 0) continue;
        const element *e = element_of(t);
        int r;
        if (e)
            r = e->fn(L, s, n, e->arg);
        else if (is_level(t))
            r = handle_level(L, s, n);
        else {
            /* The schema admits no other element; reaching here is a schema/loader mismatch. */
            ERR(L, line_of(n), "element <%s> is not handled by the loader", t);
            r = -1;
        }
        if (r != 0) rc = -1;
        if (L->oom) return -1;
    }
    return rc;
}

/* ---- entry points -------------------------------------------------------- */

int tess_override_split(char *arg, tess_override *out)
{
    char *eq = strchr(arg, '=');
    if (!eq || eq == arg) return -1;
    *eq = '\0';
    out->name = arg;
    out->value = eq + 1;
    return 0;
}

static int load(xmlDocPtr doc, loader *L)
{
    tess_platform *p = L->p;
    xmlNodePtr root = xmlDocGetRootElement(doc);
    if (strcmp(tag(root), "platform") != 0) {
        ERR(L, line_of(root),
            "the file is a <%s>, not a <platform>: include it from a platform "
            "with <include file=\"...\"/>",
            tag(root));
        return TESS_EINVAL;
    }
    xmlChar *name = xmlGetProp(root, (const xmlChar *)"name");
    p->name = strdup(name ? (const char *)name : "");
    xmlFree(name);

    tess_scope top;
    if (tess_scope_init(&top, NULL, "") != 0) return TESS_ENOMEM;
    walk_scope(L, &top, root);
    tess_scope_free(&top);
    if (L->oom) return TESS_ENOMEM;

    resolve_connects(L);
    check_circuits(L);
    apply_defects(L);
    apply_field_overrides(L);
    resolve_references(L);
    if (L->oom) return TESS_ENOMEM;
    for (size_t i = 0; i < L->n_overrides; i++) {
        if (!L->overrides[i].used)
            ERR(L, line_of(root),
                "--set %s: no parameter, template field or instance field has that name "
                "(parameters are named by scope path, e.g. 'k' or 'pkg0.k'; fields as "
                "'core.clock' or 'wafer0.r0c0.router.vcs')",
                L->overrides[i].name);
    }
    if (tess_diag_errors(L->diag) != 0) return TESS_EINVAL;
    int rc =
        L->defect_seed ? tess_draw_defects(p, L->defect_seed, L->defect_seed_line, L->diag) : 0;
    if (rc == 0) rc = tess_check_ports(p, L->file, L->diag);
    if (rc == 0) rc = tess_check_routing_fits(p, L->file, L->diag);
    if (rc == 0) rc = tess_check_reachability(p, L->file, L->diag);
    if (rc == 0) rc = tess_check_fit(p, L->diag);
    return rc;
}

static int load_doc(xmlDocPtr doc, const char *file, const tess_override *ov, size_t n_ov,
                    tess_platform *out, tess_diag *diag, loader *L)
{
    memset(out, 0, sizeof *out);
    L->p = out;
    L->diag = diag;
    L->file = file;
    L->file_index = TESS_NONE;
    L->group = TESS_NONE;
    out->file = strdup(file);
    L->n_overrides = n_ov;
    L->overrides = n_ov ? calloc(n_ov, sizeof *L->overrides) : NULL;
    if (n_ov && !L->overrides) return TESS_ENOMEM;
    for (size_t i = 0; i < n_ov; i++) {
        L->overrides[i].name = ov[i].name;
        L->overrides[i].value = ov[i].value;
    }
    int rc = doc ? load(doc, L) : TESS_EINVAL;
    free(L->overrides);
    tess_name_table_free(&L->instances);
    tess_name_table_free(&L->types);
    for (size_t i = 0; i < L->n_connects; i++) {
        free(L->connects[i].from);
        free(L->connects[i].to);
    }
    for (size_t i = 0; i < L->n_defects; i++) {
        free(L->defects[i].a);
        free(L->defects[i].b);
    }
    free(L->connects);
    free(L->defects);
    if (rc != TESS_OK) tess_platform_free(out);
    return rc;
}

int tess_platform_load_buffer(const char *xml, size_t len, const char *display_name,
                              const tess_override *overrides, size_t n_overrides,
                              tess_platform *out, tess_diag *diag)
{
    loader L;
    memset(&L, 0, sizeof L);
    xmlDocPtr doc = tess_xml_read(xml, len, display_name, tess_platform_schema_xsd,
                                  tess_platform_schema_xsd_len, diag);
    int rc = load_doc(doc, display_name, overrides, n_overrides, out, diag, &L);
    if (doc) xmlFreeDoc(doc);
    if (rc == TESS_OK) tess_sha256_hex(xml, len, out->sha256);
    return rc;
}

int tess_platform_load_file(const char *path, const tess_override *overrides, size_t n_overrides,
                            tess_platform *out, tess_diag *diag)
{
    memset(out, 0, sizeof *out);
    size_t len;
    char *buf = tess_read_file(path, &len, diag);
    if (!buf) return TESS_EIO;
    int rc = tess_platform_load_buffer(buf, len, path, overrides, n_overrides, out, diag);
    free(buf);
    return rc;
}
