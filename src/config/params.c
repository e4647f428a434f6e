/* Parameter scopes and ${} substitution: see params.h. */
#include "config/params.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *tess_scope_join(const char *prefix, const char *name)
{
    size_t a = prefix ? strlen(prefix) : 0, b = strlen(name);
    char *out = malloc(a + b + 2);
    if (!out) return NULL;
    if (a) {
        memcpy(out, prefix, a);
        out[a] = '.';
        memcpy(out + a + 1, name, b + 1);
    } else {
        memcpy(out, name, b + 1);
    }
    return out;
}

int tess_is_identifier(const char *name)
{
    if (!name || !(isalpha((unsigned char)name[0]) || name[0] == '_')) return 0;
    for (const char *c = name + 1; *c; c++)
        if (!(isalnum((unsigned char)*c) || *c == '_' || *c == '-')) return 0;
    return 1;
}

int tess_scope_init(tess_scope *s, const tess_scope *parent, const char *prefix)
{
    memset(s, 0, sizeof *s);
    s->parent = parent;
    s->prefix = strdup(prefix ? prefix : "");
    return s->prefix ? 0 : -1;
}

void tess_scope_free(tess_scope *s)
{
    free(s->prefix);
    free(s->params);
    memset(s, 0, sizeof *s);
}

/* Finds a parameter by short name in s or its ancestors, innermost first. */
static const tess_param *lookup(const tess_scope *s, const tess_platform *p, const char *name,
                                size_t len)
{
    for (; s; s = s->parent) {
        for (size_t i = s->n_params; i-- > 0;) {
            const tess_param *prm = &p->params[s->params[i]];
            const char *shortname = prm->name + (s->prefix[0] ? strlen(s->prefix) + 1 : 0);
            if (strlen(shortname) == len && strncmp(shortname, name, len) == 0) return prm;
        }
    }
    return NULL;
}

char *tess_scope_subst(const tess_scope *s, const tess_platform *p, const char *text, char *err,
                       size_t errlen)
{
    size_t cap = strlen(text) + 1, used = 0;
    char *out = malloc(cap);
    if (!out) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    for (const char *c = text; *c;) {
        const char *piece = c;
        size_t piece_len = 1;
        if (c[0] == '$' && c[1] == '{') {
            const char *close = strchr(c + 2, '}');
            if (!close) {
                snprintf(err, errlen, "'%s' has '${' without a closing '}'", text);
                free(out);
                return NULL;
            }
            const tess_param *prm = lookup(s, p, c + 2, (size_t)(close - c - 2));
            if (!prm) {
                snprintf(err, errlen, "unknown parameter '%.*s' in '%s'", (int)(close - c - 2),
                         c + 2, text);
                free(out);
                return NULL;
            }
            piece = prm->value;
            piece_len = strlen(prm->value);
            c = close + 1;
        } else {
            c++;
        }
        if (used + piece_len > TESS_MAX_SUBST_BYTES) {
            snprintf(err, errlen,
                     "substituting '%.100s' gives more than %u bytes (a parameter "
                     "that grows with each use?)",
                     text, TESS_MAX_SUBST_BYTES);
            free(out);
            return NULL;
        }
        if (used + piece_len + 1 > cap) {
            cap = 2 * (used + piece_len + 1);
            char *bigger = realloc(out, cap);
            if (!bigger) {
                free(out);
                snprintf(err, errlen, "out of memory");
                return NULL;
            }
            out = bigger;
        }
        memcpy(out + used, piece, piece_len);
        used += piece_len;
    }
    out[used] = '\0';
    return out;
}

int tess_scope_declare(tess_scope *s, tess_platform *p, const char *name, const char *default_text,
                       long line, tess_override_slot *overrides, size_t n_overrides, char *err,
                       size_t errlen)
{
    if (!tess_is_identifier(name)) {
        snprintf(err, errlen,
                 "parameter name '%s' is not an identifier (a letter or '_', then letters, "
                 "digits, '_' or '-')",
                 name);
        return -1;
    }
    char *full = tess_scope_join(s->prefix, name);
    if (!full) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    for (size_t i = 0; i < s->n_params; i++) {
        const tess_param *prm = &p->params[s->params[i]];
        if (strcmp(prm->name, full) == 0) {
            snprintf(err, errlen, "parameter '%s' is already declared at line %ld", full,
                     prm->line);
            free(full);
            return -1;
        }
    }
    const char *chosen = default_text;
    int overridden = 0;
    for (size_t i = 0; i < n_overrides; i++) {
        if (strcmp(overrides[i].name, full) == 0) {
            chosen = overrides[i].value;
            overrides[i].used = 1;
            overridden = 1;
        }
    }
    char *value = tess_scope_subst(s, p, chosen, err, errlen);
    if (!value) {
        free(full);
        return -1;
    }
    tess_param prm = {full, value, strdup(default_text), overridden, line};
    uint32_t idx = prm.default_text ? tess_platform_add_param(p, &prm) : TESS_NONE;
    if (idx == TESS_NONE) {
        free(full);
        free(value);
        free(prm.default_text);
        goto oom;
    }
    if (s->n_params == s->cap_params) {
        size_t cap = s->cap_params ? 2 * s->cap_params : 8;
        uint32_t *bigger = realloc(s->params, cap * sizeof *bigger);
        if (!bigger) goto oom;
        s->params = bigger;
        s->cap_params = cap;
    }
    s->params[s->n_params++] = idx;
    return 0;
oom:
    snprintf(err, errlen, "out of memory");
    return -1;
}
