/* tessera calibrate PLATFORM [-o FILE] [--set name=value]...: fit the analytical model's
 * factors to the simulator on the platform (src/driver/calibrate.h) and write the calibration file
 * that `tessera estimate --calibration FILE` reads. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "driver/calibrate.h"
#include "cli/cli_args.h"
#include "cli/commands.h"
#include "tessera/tessera.h"

static const char usage[] =
    "usage: tessera calibrate PLATFORM [-o FILE] [--set name=value]...\n"
    "  simulates micro-benchmark jobs on the platform's dies (GEMMs of two model widths, DMA,\n"
    "  tensor-, pipeline- and data-parallel collectives), fits the analytical model's factors\n"
    "  (GEMM, vector and DRAM efficiency, DMA overlap, latency and bandwidth factors per level)\n"
    "  and writes them to FILE (checked writable before the work; without -o\n"
    "  runs/calibrate-PLATFORM-TIME/PLATFORM.cal, never a shipped file), with the\n"
    "  model's error per op class before and after; prints the same table\n";

int tess_cmd_calibrate(int argc, char **argv)
{
    tess_cli_args a;
    if (tess_cli_args_init(&a, argc) != 0) return TESS_EXIT_FAILED;
    const char *out_path = NULL;
    const tess_cli_option opts[] = {{"-o", TESS_OPT_TEXT, &out_path, 0, NULL, 0, 0, 0},
                                    {NULL, TESS_OPT_FLAG, NULL, 0, NULL, 0, 0, 0}};
    int rc = tess_cli_parse(&a, argc, argv, opts, usage, 1);
    if (rc != TESS_EXIT_OK) {
        tess_cli_args_free(&a);
        return rc == TESS_CLI_HELP ? TESS_EXIT_OK : rc;
    }
    tess_platform p;
    memset(&p, 0, sizeof p);
    if (rc == TESS_EXIT_OK) rc = tess_cli_load_platform("calibrate", &a, &p);
    char path[4096] = "", dir[4096] = "";
    if (rc == TESS_EXIT_OK) {
        if (out_path) {
            snprintf(path, sizeof path, "%s", out_path);
            /* the file can be written, before the minutes of work: its folder exists and
             * takes files, and the file (if there) can be rewritten */
            char *slash = strrchr(path, '/');
            snprintf(dir, sizeof dir, "%.*s", slash ? (int)(slash - path) : 1, slash ? path : ".");
            if (access(dir, W_OK) != 0 || (access(path, F_OK) == 0 && access(path, W_OK) != 0)) {
                fprintf(stderr, "tessera calibrate: cannot write %s: %s\n", path, strerror(errno));
                rc = TESS_EXIT_FAILED;
            }
        } else {
            rc = tess_cli_output_dir("calibrate", NULL, p.name, dir, sizeof dir);
            snprintf(path, sizeof path, "%s/%s.cal", dir, p.name);
        }
    }
    if (rc == TESS_EXIT_OK) {
        printf("calibrating the analytical model on '%s':\n", p.name);
        fflush(stdout);
        tess_calibration cal;
        tess_calibration_report rep;
        char msg[1024] = "";
        const int st = tess_calibrate(&p, stdout, &cal, &rep, msg, sizeof msg);
        if (st != TESS_OK) {
            fprintf(stderr, "tessera calibrate: %s\n", msg);
            rc = tess_cli_exit_of(st);
        } else {
            FILE *f = fopen(path, "w");
            if (f) tess_calibration_write_file(f, &p, &cal, &rep);
            if (!f || fclose(f) != 0) {
                fprintf(stderr, "tessera calibrate: cannot write %s: %s\n", path, strerror(errno));
                rc = TESS_EXIT_FAILED;
            } else {
                tess_calibration_write_file(stdout, &p, &cal, &rep);
                printf("written: %s (%.2f s)\n", path, rep.wall_seconds);
            }
        }
    }
    tess_platform_free(&p);
    tess_cli_args_free(&a);
    return rc;
}
