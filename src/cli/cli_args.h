/* Command-line pieces every command shares: the PLATFORM argument and `--set`
 * overrides, loading the platform with its diagnostics printed, and checked numbers
 * and choices. Messages go to stderr; functions return 0 or -1 (a usage error). */
#ifndef TESS_CLI_ARGS_H
#define TESS_CLI_ARGS_H

#include <stddef.h>
#include <stdint.h>

#include "config/loader.h"

typedef struct tess_cli_args {
    const char *path;
    const char *path2; /* a second positional argument, for commands that take two */
    const char *path3; /* a third (tessera check's limits) */
    int want_two;      /* set by the command before parsing (tess_cli_parse sets it) */
    int want_three;
    tess_override *overrides;
    size_t n_overrides;
} tess_cli_args;

int tess_cli_args_init(tess_cli_args *a, int argc);
void tess_cli_args_free(tess_cli_args *a);

/* A command's options, as a table (the last entry's name is NULL). */
typedef enum tess_cli_kind {
    TESS_OPT_FLAG,   /* no value: *(int *)out = value */
    TESS_OPT_TEXT,   /* *(const char **)out = the value */
    TESS_OPT_CHOICE, /* *(int *)out = the value's index in names */
    TESS_OPT_NUMBER, /* *(double *)out, in [lo, hi] ((lo, hi] when lo_open) */
    TESS_OPT_COUNT,  /* *(uint64_t *)out, a whole number in [lo, hi] */
    TESS_OPT_COUNT32 /* *(uint32_t *)out, likewise */
} tess_cli_kind;

typedef struct tess_cli_option {
    const char *name; /* "--json", "-o"; a two-character name also takes "-j4" */
    tess_cli_kind kind;
    void *out;
    int value;                /* FLAG */
    const char *const *names; /* CHOICE: NULL-terminated */
    double lo, hi;            /* NUMBER, COUNT */
    int lo_open;              /* NUMBER */
} tess_cli_option;

enum { TESS_CLI_HELP = -100 }; /* tess_cli_parse: --help was given and the usage printed */

/* Parses argv[1..argc): `--help` (prints usage to stdout: TESS_CLI_HELP), the table's
 * options, `--set name=value`, and `positional` positional arguments (1 to 3) into
 * a->path, path2, path3; a missing or extra one, an unknown option or a bad value is a
 * usage error: the message (and for a missing argument the usage) on stderr and
 * TESS_EXIT_USAGE. TESS_EXIT_OK otherwise. a must be initialised. */
int tess_cli_parse(tess_cli_args *a, int argc, char **argv, const tess_cli_option *opts,
                   const char *usage, int positional);

/* Loads a->path with its overrides; prints the diagnostics. Returns an exit status.
 * Overrides whose skip flag is set (consumed elsewhere) are not passed on. */
int tess_cli_load_platform(const char *command, const tess_cli_args *a, tess_platform *out);
int tess_cli_load_platform_skipping(const char *command, const tess_cli_args *a, const int *skip,
                                    tess_platform *out);

/* The overrides as "name=value" strings (the form tess_job_open takes), n_overrides of
 * them; NULL when memory runs out. Free with tess_cli_override_strings_free. */
char **tess_cli_override_strings(const tess_cli_args *a);
void tess_cli_override_strings_free(char **v, size_t n);

/* Prints a diagnostics list and the closing line for a failed load; returns the exit
 * status for status rc. */
int tess_cli_report(const char *command, const char *path, int rc, tess_diag *diag);

/* Whether progress lines are shown by default (`--progress` / `--quiet` override): 1 (once
 * a run has taken about two seconds) when stderr is a terminal, else 0. */
int tess_cli_progress_default(void);

/* The folder a command writes its outputs into, made (with its parents) and found writable
 * before any work: `given`, or without one a fresh runs/COMMAND-NAME-YYYYmmdd-HHMMSS
 * (-2, -3, ... appended when taken) under the current folder, never a shipped one.
 * TESS_EXIT_OK with the folder in dir, or TESS_EXIT_FAILED with the reason printed. */
int tess_cli_output_dir(const char *command, const char *given, const char *name, char *dir,
                        size_t len);

/* The index of val in the NULL-terminated names, or -1 (message printed). */
int tess_cli_choice(const char *flag, const char *val, const char *const *names);

/* A number in [lo, hi] (or (lo, hi] when lo_open). */
int tess_cli_double(const char *flag, const char *val, double lo, double hi, int lo_open,
                    double *out);
int tess_cli_u64(const char *flag, const char *val, uint64_t lo, uint64_t hi, uint64_t *out);

#endif
