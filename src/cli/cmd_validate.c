/* tessera validate PLATFORM [--set name=value]...: load, check, summarise. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "config/loader.h"
#include "platform_summary.h"
#include "tessera/tessera.h"

int tess_cmd_validate(int argc, char **argv)
{
    const char *path = NULL;
    tess_override *overrides = calloc((size_t)argc, sizeof *overrides);
    size_t n_overrides = 0;
    if (!overrides) return TESS_EXIT_FAILED;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--set") == 0 && i + 1 < argc) {
            if (tess_override_split(argv[++i], &overrides[n_overrides]) != 0) {
                fprintf(stderr, "tessera validate: --set needs name=value, got '%s'\n", argv[i]);
                free(overrides);
                return TESS_EXIT_USAGE;
            }
            n_overrides++;
        } else if (strcmp(argv[i], "--help") == 0) {
            printf("usage: tessera validate PLATFORM [--set name=value]...\n");
            free(overrides);
            return TESS_EXIT_OK;
        } else if (argv[i][0] == '-' || path) {
            fprintf(stderr, "tessera validate: unexpected argument '%s'\n"
                            "usage: tessera validate PLATFORM [--set name=value]...\n",
                    argv[i]);
            free(overrides);
            return TESS_EXIT_USAGE;
        } else {
            path = argv[i];
        }
    }
    if (!path) {
        fprintf(stderr, "usage: tessera validate PLATFORM [--set name=value]...\n");
        free(overrides);
        return TESS_EXIT_USAGE;
    }
    tess_platform platform;
    tess_diag diag;
    tess_diag_init(&diag);
    int rc = tess_platform_load_file(path, overrides, n_overrides, &platform, &diag);
    free(overrides);
    char *messages = tess_diag_join(&diag);
    if (rc != TESS_OK) {
        fprintf(stderr, "%s", messages ? messages : "");
        fprintf(stderr, "tessera validate: %s is not valid (%s, %zu error%s)\n", path,
                tess_strerror(rc), tess_diag_errors(&diag), tess_diag_errors(&diag) == 1 ? "" : "s");
        free(messages);
        tess_diag_free(&diag);
        return rc == TESS_EIO || rc == TESS_ENOMEM ? TESS_EXIT_FAILED : TESS_EXIT_INVALID;
    }
    free(messages);
    tess_diag_free(&diag);
    tess_platform_print_summary(&platform, stdout);
    tess_platform_free(&platform);
    return TESS_EXIT_OK;
}
