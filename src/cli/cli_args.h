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
    const char *path2;  /* a second positional argument, for commands that take two */
    int want_two;       /* set by the command before parsing */
    tess_override *overrides;
    size_t n_overrides;
} tess_cli_args;

int tess_cli_args_init(tess_cli_args *a, int argc);
void tess_cli_args_free(tess_cli_args *a);

/* Takes arg as the platform path or `--set name=value` (val is the next argument;
 * *used = 1 when it was consumed). Anything else is a usage error. */
int tess_cli_args_take(tess_cli_args *a, const char *arg, char *val, int *used);

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

/* `--progress` (*shown = 2: from the start) or `--quiet` (*shown = 0): 1 when arg is one
 * of them, else 0. The default, tess_cli_progress_default, is 1 (once a run has taken
 * about two seconds) when stderr is a terminal, else 0. */
int tess_cli_progress_flag(const char *arg, int *shown);
int tess_cli_progress_default(void);

/* The index of val in the NULL-terminated names, or -1 (message printed). */
int tess_cli_choice(const char *flag, const char *val, const char *const *names);

/* A number in [lo, hi] (or (lo, hi] when lo_open). */
int tess_cli_double(const char *flag, const char *val, double lo, double hi, int lo_open,
                    double *out);
int tess_cli_u64(const char *flag, const char *val, uint64_t lo, uint64_t hi, uint64_t *out);

#endif
