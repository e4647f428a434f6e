/* tessera validate PLATFORM [--set name=value]...: load, check, summarise. */
#include <stdio.h>
#include <string.h>

#include "cli/cli_args.h"
#include "cli/commands.h"
#include "report/platform_summary.h"

int tess_cmd_validate(int argc, char **argv)
{
    static const char usage[] = "usage: tessera validate PLATFORM [--set name=value]...\n";
    tess_cli_args a;
    if (tess_cli_args_init(&a, argc) != 0) return TESS_EXIT_FAILED;
    int rc = tess_cli_parse(&a, argc, argv, NULL, usage, 1);
    if (rc != TESS_EXIT_OK) {
        tess_cli_args_free(&a);
        return rc == TESS_CLI_HELP ? TESS_EXIT_OK : rc;
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
