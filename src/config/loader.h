/* Platform loader: XML file -> schema validation -> tess_platform.
 *
 * Every problem is reported in diag as "FILE:LINE: <element> attribute 'x': reason";
 * the loader reports all it finds, not only the first. On failure the platform is
 * left empty (nothing to free twice).
 */
#ifndef TESS_LOADER_H
#define TESS_LOADER_H

#include <stddef.h>

#include "config/platform.h"
#include "config/diag.h"

/* One `--set name=value`. name is a parameter's full name ("k", "pkg0.k"), or an
 * instance path or type name followed by a field ("wafer0.r0c0.router.vcs",
 * "core.clock"). */
typedef struct tess_override {
    const char *name;
    const char *value;
} tess_override;

/* Splits "name=value" (arg is modified: the '=' becomes NUL). 0, or -1 if no '='. */
int tess_override_split(char *arg, tess_override *out);

/* Loads, validates and checks a platform. Returns TESS_OK, TESS_EINVAL (bad input),
 * TESS_EUNROUTABLE (a die cannot reach a die it must reach), TESS_EIO or TESS_ENOMEM.
 * `out` is owned by the caller: tess_platform_free it after success. */
int tess_platform_load_file(const char *path, const tess_override *overrides, size_t n_overrides,
                            tess_platform *out, tess_diag *diag);

/* The same from a buffer; `display_name` is what messages call the file. */
int tess_platform_load_buffer(const char *xml, size_t len, const char *display_name,
                              const tess_override *overrides, size_t n_overrides,
                              tess_platform *out, tess_diag *diag);

#endif
