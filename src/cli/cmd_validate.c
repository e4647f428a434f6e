/* tessera validate PLATFORM [--set name=value]...: load, check, summarise. */
#include <stdio.h>
#include <string.h>

#include "cli/cli_args.h"
#include "cli/commands.h"
#include "platform_summary.h"

int tess_cmd_validate(int argc, char **argv)
{
    static const char usage[] = "usage: tessera validate PLATFORM [--set name=value]...\n";
    tess_cli_args a;
    if (tess_cli_args_init(&a, argc) != 0) return TESS_EXIT_FAILED;
    int rc = TESS_EXIT_OK;
    for (int i = 1; i < argc && rc == TESS_EXIT_OK; i++) {
        if (strcmp(argv[i], "--help") == 0) {
            printf("%s", usage);
            tess_cli_args_free(&a);
            return TESS_EXIT_OK;
        }
        int used = 0;
        if (tess_cli_args_take(&a, argv[i], i + 1 < argc ? argv[i + 1] : NULL, &used) != 0)
            rc = TESS_EXIT_USAGE;
        i += used;
    }
    if (rc == TESS_EXIT_OK && !a.path) {
        fprintf(stderr, "%s", usage);
        rc = TESS_EXIT_USAGE;
    }
    tess_platform platform;
    if (rc == TESS_EXIT_OK) rc = tess_cli_load_platform("validate", &a, &platform);
    if (rc == TESS_EXIT_OK) {
        tess_platform_print_summary(&platform, stdout);
        tess_platform_free(&platform);
    }
    tess_cli_args_free(&a);
    return rc;
}
