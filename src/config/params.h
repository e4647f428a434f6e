/* `${name}` parameters: declarations with defaults, lexical scopes, `--set` overrides.
 *
 * A <param name="k" default="8"/> declared in a scope (the platform, or a package,
 * wafer, node, cluster or datacenter inside it) is visible there and in every scope
 * nested in it; an inner declaration of the same name shadows an outer one. Its full
 * name is the scope path plus the name ("k", "pkg0.k"); `--set` addresses that full
 * name. A default may use parameters declared before it (`default="${k}"`).
 */
#ifndef TESS_PARAMS_H
#define TESS_PARAMS_H

#include <stddef.h>
#include <stdint.h>

#include "config/platform.h"

/* One `--set name=value`; `used` is set by whoever consumed it. */
typedef struct tess_override_slot {
    const char *name;
    const char *value;
    int used;
} tess_override_slot;

typedef struct tess_scope {
    const struct tess_scope *parent;
    char *prefix;     /* full path of the scope: "" at the top, "pkg0", "dc0.pkg1" */
    uint32_t *params; /* indices into the platform's params */
    size_t n_params, cap_params;
} tess_scope;

/* Joins a scope prefix and a name with '.', in a new string. */
char *tess_scope_join(const char *prefix, const char *name);

int tess_scope_init(tess_scope *s, const tess_scope *parent, const char *prefix);
void tess_scope_free(tess_scope *s);

/* Declares parameter `name` in s with its default text; an override of its full name
 * replaces the default (and is marked used). ${} in the chosen text is substituted
 * with parameters visible so far. Returns 0, or -1 with a reason in err. */
int tess_scope_declare(tess_scope *s, tess_platform *p, const char *name, const char *default_text,
                       long line, tess_override_slot *overrides, size_t n_overrides, char *err,
                       size_t errlen);

/* The longest text a substitution may give: values that grow by substitution (a chain of
 * defaults that each double) stop here instead of taking the machine's memory. */
#define TESS_MAX_SUBST_BYTES (64u * 1024u)

/* Substitutes every ${name} in text; a new string, or NULL with a reason in err (also for
 * a result longer than TESS_MAX_SUBST_BYTES). */
char *tess_scope_subst(const tess_scope *s, const tess_platform *p, const char *text, char *err,
                       size_t errlen);

/* 1 when name is a valid identifier: a letter or '_' then letters, digits, '_', '-'. */
int tess_is_identifier(const char *name);

#endif
