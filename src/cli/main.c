/* tessera: the command-line program. Commands register in one table below. */
#include <stdio.h>
#include <string.h>

#include "cli/commands.h"
#include "tessera/tessera.h"
#include "api/tessera_hw.h"
#include <libxml/xmlversion.h>

typedef struct command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *usage;
    const char *summary;
} command;

static const command commands[] = {
    {"validate", tess_cmd_validate, "validate PLATFORM [--set name=value]...",
     "parse, validate and check a platform; print its summary or its errors"},
    {"noc", tess_cmd_noc, "noc PLATFORM [--traffic T] [--rate R] [--sweep] ...",
     "synthetic traffic on the platform's network-on-package (see noc --help)"},
    {"run", tess_cmd_run, "run PLATFORM WORKLOAD [--json] [-o DIR] [--set n=v]...",
     "simulate one training iteration; write report.json"},
    {"estimate", tess_cmd_estimate,
     "estimate PLATFORM WORKLOAD [--json] [-o DIR] [--calibration F]",
     "the analytical model's report for the job, in microseconds, without simulating"},
    {"calibrate", tess_cmd_calibrate, "calibrate PLATFORM [-o FILE] [--set n=v]...",
     "fit the analytical model to the simulator on the platform; write a calibration file"},
    {"explore", tess_cmd_explore, "explore SPACE [--budget N] [--seed S] [-j N] [-o DIR]",
     "multi-objective search: the analytical model screens, the simulator decides (see explore "
     "--help)"},
    {"sweep", tess_cmd_sweep, "sweep SPACE [-j N] [-o results.csv] [--set n=v]...",
     "evaluate every point of a design space into a CSV; resumable"},
    {"plot", tess_cmd_plot, "plot sweep|front|breakdown|timeline INPUT -o FILE.png|.svg ...",
     "draw a sweep, an explore run's front, a run's time per die or a trace's counters (see "
     "plot --help)"},
    {"check", tess_cmd_check, "check PLATFORM WORKLOAD LIMITS [--junit FILE] [--set n=v]...",
     "sign-off: evaluate the job, check each limit, write JUnit XML; exit 0 only if all hold"},
    {"cost", tess_cmd_cost, "cost PLATFORM [--json] [--set n=v]...",
     "area, yield and cost of a platform, without simulating"},
    {"schedule", tess_cmd_schedule, "schedule PLATFORM WORKLOAD [--json] [--set n=v]...",
     "the per-die work of one training iteration: FLOPs, ops, memory, collectives"},
    {"collective", tess_cmd_collective,
     "collective PLATFORM [--op OP] [--bytes SIZE,...] [--dies N] [--estimate] ...",
     "one collective call over the dies, as nccl-tests measures it (see collective --help)"},
    {"mem", tess_cmd_mem, "mem PLATFORM [--pattern P] [--read-ratio R] ...",
     "synthetic traffic on one of the platform's memories (see mem --help)"},
};

#define N_COMMANDS (sizeof commands / sizeof commands[0])

static void print_help(FILE *out)
{
    fprintf(out,
            "tessera %s: a SystemC, cycle-approximate simulator of LLM-training hardware\n\n"
            "usage: tessera COMMAND [ARGS]\n"
            "       tessera --version | --help\n\ncommands:\n",
            tess_version());
    for (size_t i = 0; i < N_COMMANDS; i++)
        fprintf(out, "  %s\n      %s\n", commands[i].usage, commands[i].summary);
    fprintf(out,
            "\nQuantities carry units (1.5GHz, 48MiB, 2TB/s, 3ns, 0.4pJ/bit, 300W); the platform\n"
            "format is documented in docs/platform-format.md. Exit status: 0 ok, 1 invalid input,\n"
            "2 usage error, 3 run failed (I/O, a crash, a deadlock), 4 a limit was hit (a\n"
            "simulation child's time or memory cap, memory running out; in check, a limit of\n"
            "the limits file). COMMAND --help lists a command's every option.\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        print_help(stderr);
        return TESS_EXIT_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        print_help(stdout);
        return TESS_EXIT_OK;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("tessera %s (C API %d, SystemC %s, libxml2 %s)\n", tess_version(), TESS_API_VERSION,
               tess_hw_systemc_version(), LIBXML_DOTTED_VERSION);
        return TESS_EXIT_OK;
    }
    for (size_t i = 0; i < N_COMMANDS; i++)
        if (strcmp(argv[1], commands[i].name) == 0) return commands[i].run(argc - 1, argv + 1);
    fprintf(stderr, "tessera: unknown command '%s' (try 'tessera --help')\n", argv[1]);
    return TESS_EXIT_USAGE;
}
