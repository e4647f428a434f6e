/* libFuzzer target for the platform loader: arbitrary bytes as a platform file, with
 * and without overrides. Any crash, leak or sanitizer report is a bug; each one found
 * becomes a test in tests/test_bad_input.cpp. Built and run by bench/fuzz.sh. */
#include <stddef.h>
#include <stdint.h>

#include "config/loader.h"
#include "config/diag.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* The first byte picks a set of overrides, so that override handling is fuzzed too. */
    static const tess_override sets[][2] = {
        {{"k", "3"}, {"d.clock", "2GHz"}},
        {{"wafer0.r0c0.router.vcs", "2"}, {"mesh-router.routing", "table"}},
        {{"nope", "1"}, {"k", "0"}},
    };
    size_t pick = size ? data[0] % 4 : 3;
    tess_platform p;
    tess_diag diag;
    tess_diag_init(&diag);
    if (tess_platform_load_buffer((const char *)data, size, "fuzz.xml",
                                  pick < 3 ? sets[pick] : NULL, pick < 3 ? 2 : 0, &p, &diag) == 0)
        tess_platform_free(&p);
    tess_diag_free(&diag);
    return 0;
}
