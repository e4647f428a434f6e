/* libFuzzer targets for the other readers of untrusted text, one binary each (the macro
 * FUZZ_TARGET picks which): the design-space constraint expressions, the workload and
 * model loaders, the design-space loader and the calibration reader. Any crash, leak,
 * hang or sanitizer report is a bug. Built and run by bench/fuzz.sh (and, a fixed number
 * of runs each, by .ci/run). */
#define _GNU_SOURCE
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "config/diag.h"
#include "config/expr.h"
#include "config/workload.h"
#include "driver/space.h"
#include "model/estimate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The bytes as a file the readers that take a path can open. */
static int as_file(const uint8_t *data, size_t size, char *path, size_t len)
{
    const int fd = memfd_create("fuzz", 0);
    if (fd < 0 || (size && write(fd, data, size) != (ssize_t)size)) {
        if (fd >= 0) close(fd);
        return -1;
    }
    snprintf(path, len, "/proc/self/fd/%d", fd);
    return fd;
}

static const char *lookup(void *ctx, const char *name)
{
    (void)ctx;
    if (strcmp(name, "workload.tp") == 0) return "4";
    if (strcmp(name, "workload.recompute") == 0) return "full";
    return NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text) return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    tess_diag diag;
    tess_diag_init(&diag);
#if FUZZ_TARGET == 1
    double v;
    char err[256];
    tess_expr_eval(text, lookup, NULL, &v, err, sizeof err);
#elif FUZZ_TARGET == 2
    /* the workload, then (after a NUL, when there is one) its model's text */
    const size_t first = strlen(text);
    tess_workload w;
    tess_workload_load_buffer(text, first, "fuzz-workload.xml",
                              first < size ? text + first + 1 : NULL, NULL, 0, NULL, &w, &diag);
#elif FUZZ_TARGET == 3
    char path[64];
    const int fd = as_file(data, size, path, sizeof path);
    tess_space s;
    if (fd >= 0 && tess_space_load(path, &s, &diag) == 0) tess_space_free(&s);
    if (fd >= 0) close(fd);
#elif FUZZ_TARGET == 4
    char path[64];
    const int fd = as_file(data, size, path, sizeof path);
    tess_calibration c;
    if (fd >= 0) tess_calibration_read(path, &c, &diag);
    if (fd >= 0) close(fd);
#else
#error "FUZZ_TARGET: 1 expressions, 2 workloads, 3 design spaces, 4 calibration files"
#endif
    (void)lookup;
    (void)as_file;
    tess_diag_free(&diag);
    free(text);
    return 0;
}
