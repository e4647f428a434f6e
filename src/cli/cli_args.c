/* Shared command-line pieces: see cli_args.h. */
#include "cli/cli_args.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli/commands.h"
#include "tessera/tessera.h"

int tess_cli_args_init(tess_cli_args *a, int argc)
{
    a->path = NULL;
    a->path2 = NULL;
    a->path3 = NULL;
    a->want_two = 0;
    a->want_three = 0;
    a->n_overrides = 0;
    a->overrides = calloc((size_t)(argc > 0 ? argc : 1), sizeof *a->overrides);
    return a->overrides ? 0 : -1;
}

void tess_cli_args_free(tess_cli_args *a)
{
    free(a->overrides);
    a->overrides = NULL;
}

/* Takes arg as a positional argument or `--set name=value` (val is the next argument;
 * *used = 1 when it was consumed). Anything else is a usage error (message printed). */
static int take_argument(tess_cli_args *a, const char *arg, char *val, int *used)
{
    *used = 0;
    if (strcmp(arg, "--set") == 0) {
        if (!val || tess_override_split(val, &a->overrides[a->n_overrides]) != 0) {
            fprintf(stderr, "tessera: --set needs name=value, got '%s'\n", val ? val : "");
            return -1;
        }
        a->n_overrides++;
        *used = 1;
        return 0;
    }
    if (arg[0] == '-' || (a->path && (!a->want_two || a->path2) && (!a->want_three || a->path3))) {
        fprintf(stderr, "tessera: unexpected argument '%s' (see --help)\n", arg);
        return -1;
    }
    if (!a->path)
        a->path = arg;
    else if (!a->path2)
        a->path2 = arg;
    else
        a->path3 = arg;
    return 0;
}

/* A range bound as a whole number (2^64 and beyond: UINT64_MAX). */
static uint64_t bound(double x)
{
    return x >= 18446744073709551615.0 ? UINT64_MAX : (uint64_t)x;
}

/* One option's value into its output; 0 or -1 (message printed). */
static int take_value(const tess_cli_option *o, const char *val)
{
    int k;
    uint64_t n;
    switch (o->kind) {
    case TESS_OPT_TEXT:
        *(const char **)o->out = val;
        return 0;
    case TESS_OPT_CHOICE:
        if ((k = tess_cli_choice(o->name, val, o->names)) < 0) return -1;
        *(int *)o->out = k;
        return 0;
    case TESS_OPT_NUMBER:
        return tess_cli_double(o->name, val, o->lo, o->hi, o->lo_open, (double *)o->out);
    case TESS_OPT_COUNT:
        return tess_cli_u64(o->name, val, bound(o->lo), bound(o->hi), (uint64_t *)o->out);
    case TESS_OPT_COUNT32:
        if (tess_cli_u64(o->name, val, bound(o->lo), bound(o->hi), &n) != 0) return -1;
        *(uint32_t *)o->out = (uint32_t)n;
        return 0;
    default:
        return -1;
    }
}

/* --help: the command's usage, then every option it takes (from the table it parses
 * with, so that none is left out) and the exit statuses every command shares. */
static void print_help(const char *usage, const tess_cli_option *opts)
{
    printf("%s  options:", usage);
    for (const tess_cli_option *o = opts; o && o->name; o++) {
        printf(" %s", o->name);
        if (o->kind == TESS_OPT_CHOICE) {
            for (int k = 0; o->names[k]; k++)
                printf("%s%s", k ? "|" : " ", o->names[k]);
        } else if (o->kind != TESS_OPT_FLAG) {
            printf(" %s", o->kind == TESS_OPT_TEXT     ? "VALUE"
                          : o->kind == TESS_OPT_NUMBER ? "X"
                                                       : "N");
        }
        printf(";");
    }
    printf(" --set name=value (an override, repeatable); --help\n"
           "  exit status: 0 ok; 1 invalid input (errors name file and line); 2 usage error;\n"
           "  3 the run failed (I/O, a crash, a deadlock); 4 a limit was hit (a simulation\n"
           "  child's time or memory cap, memory running out; in check, a limit of the file)\n");
}

int tess_cli_parse(tess_cli_args *a, int argc, char **argv, const tess_cli_option *opts,
                   const char *usage, int positional)
{
    a->want_two = positional >= 2;
    a->want_three = positional >= 3;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        char *val = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(arg, "--help") == 0) {
            print_help(usage, opts);
            return TESS_CLI_HELP;
        }
        const tess_cli_option *o = opts;
        while (o && o->name && strcmp(o->name, arg) != 0 &&
               !(strlen(o->name) == 2 && o->kind != TESS_OPT_FLAG &&
                 strncmp(arg, o->name, 2) == 0 && arg[2]))
            o++;
        if (o && o->name) {
            if (o->kind == TESS_OPT_FLAG) {
                *(int *)o->out = o->value;
                continue;
            }
            const int attached = strcmp(o->name, arg) != 0; /* "-j4" */
            const char *v = attached ? arg + 2 : val;
            if (!v) {
                fprintf(stderr, "tessera: %s needs a value (see --help)\n", arg);
                return TESS_EXIT_USAGE;
            }
            if (take_value(o, v) != 0) return TESS_EXIT_USAGE;
            i += !attached;
            continue;
        }
        int used = 0;
        if (take_argument(a, arg, val, &used) != 0) return TESS_EXIT_USAGE;
        i += used;
    }
    const char *const have[] = {a->path, a->path2, a->path3};
    if (positional >= 1 && !have[positional - 1]) {
        fprintf(stderr, "tessera: missing argument%s\n%s", positional > 1 ? "s" : "", usage);
        return TESS_EXIT_USAGE;
    }
    return TESS_EXIT_OK;
}

char **tess_cli_override_strings(const tess_cli_args *a)
{
    char **v = calloc(a->n_overrides + 1, sizeof *v);
    for (size_t i = 0; v && i < a->n_overrides; i++) {
        size_t l = strlen(a->overrides[i].name) + strlen(a->overrides[i].value) + 2;
        if ((v[i] = malloc(l)) == NULL) {
            tess_cli_override_strings_free(v, i);
            return NULL;
        }
        snprintf(v[i], l, "%s=%s", a->overrides[i].name, a->overrides[i].value);
    }
    return v;
}

void tess_cli_override_strings_free(char **v, size_t n)
{
    for (size_t i = 0; v && i < n; i++)
        free(v[i]);
    free(v);
}

int tess_cli_progress_default(void)
{
    return isatty(2);
}

int tess_cli_report(const char *command, const char *path, int rc, tess_diag *diag)
{
    if (rc != TESS_OK) {
        char *messages = tess_diag_join(diag);
        fprintf(stderr, "%s", messages ? messages : "");
        fprintf(stderr, "tessera %s: %s is not valid (%s, %zu error%s)\n", command, path,
                tess_strerror(rc), tess_diag_errors(diag), tess_diag_errors(diag) == 1 ? "" : "s");
        free(messages);
    }
    return tess_cli_exit_of(rc);
}

int tess_cli_exit_of(int status)
{
    switch (status) {
    case TESS_OK:
        return TESS_EXIT_OK;
    case TESS_EINVAL:
    case TESS_EUNROUTABLE:
    case TESS_ENOFIT:
        return TESS_EXIT_INVALID;
    case TESS_ETIMEOUT:
    case TESS_ENOMEM:
        return TESS_EXIT_LIMIT;
    default: /* TESS_EIO, TESS_ECHILD, TESS_ECRASH, TESS_EINTERNAL */
        return TESS_EXIT_FAILED;
    }
}

int tess_cli_load_platform_skipping(const char *command, const tess_cli_args *a, const int *skip,
                                    tess_platform *out)
{
    tess_override *kept = calloc(a->n_overrides + 1, sizeof *kept);
    size_t n = 0;
    if (!kept) return TESS_EXIT_FAILED;
    for (size_t i = 0; i < a->n_overrides; i++)
        if (!skip || !skip[i]) kept[n++] = a->overrides[i];
    tess_diag diag;
    tess_diag_init(&diag);
    int rc = tess_platform_load_file(a->path, kept, n, out, &diag);
    int exit_status = tess_cli_report(command, a->path, rc, &diag);
    tess_diag_free(&diag);
    free(kept);
    return exit_status;
}

int tess_cli_load_platform(const char *command, const tess_cli_args *a, tess_platform *out)
{
    return tess_cli_load_platform_skipping(command, a, NULL, out);
}

int tess_cli_choice(const char *flag, const char *val, const char *const *names)
{
    for (int i = 0; val && names[i]; i++)
        if (strcmp(val, names[i]) == 0) return i;
    fprintf(stderr, "tessera: %s '%s' is not one of:", flag, val ? val : "");
    for (int i = 0; names[i]; i++)
        fprintf(stderr, " %s", names[i]);
    fprintf(stderr, "\n");
    return -1;
}

int tess_cli_double(const char *flag, const char *val, double lo, double hi, int lo_open,
                    double *out)
{
    char *end = NULL;
    errno = 0;
    double v = val ? strtod(val, &end) : NAN;
    if (!val || end == val || *end || errno || !isfinite(v)) {
        fprintf(stderr, "tessera: %s needs a number, got '%s'\n", flag, val ? val : "");
        return -1;
    }
    if ((lo_open ? v <= lo : v < lo) || v > hi) {
        fprintf(stderr, "tessera: %s %s is outside %s%g, %g]\n", flag, val, lo_open ? "(" : "[", lo,
                hi);
        return -1;
    }
    *out = v;
    return 0;
}

int tess_cli_u64(const char *flag, const char *val, uint64_t lo, uint64_t hi, uint64_t *out)
{
    char *end = NULL;
    errno = 0;
    unsigned long long v = val && val[0] != '-' ? strtoull(val, &end, 10) : 0;
    if (!val || val[0] == '-' || end == val || *end || errno) {
        fprintf(stderr, "tessera: %s needs a whole number, got '%s'\n", flag, val ? val : "");
        return -1;
    }
    if (v < lo || v > hi) {
        fprintf(stderr, "tessera: %s %s is outside [%llu, %llu]\n", flag, val,
                (unsigned long long)lo, (unsigned long long)hi);
        return -1;
    }
    *out = v;
    return 0;
}

/* mkdir -p: 0, or -1 with errno. */
static int make_dirs(const char *path)
{
    char p[4096];
    if (snprintf(p, sizeof p, "%s", path) >= (int)sizeof p) {
        errno = ENAMETOOLONG;
        return -1;
    }
    for (char *c = p + 1; *c; c++) {
        if (*c != '/') continue;
        *c = '\0';
        if (mkdir(p, 0777) != 0 && errno != EEXIST) return -1;
        *c = '/';
    }
    return mkdir(p, 0777) != 0 && errno != EEXIST ? -1 : 0;
}

int tess_cli_output_dir(const char *command, const char *given, const char *name, char *dir,
                        size_t len)
{
    if (given) {
        snprintf(dir, len, "%s", given);
    } else {
        char stamp[32];
        const time_t now = time(NULL);
        struct tm tm;
        strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", localtime_r(&now, &tm));
        snprintf(dir, len, "runs/%s-%s-%s", command, name, stamp);
        struct stat st;
        const size_t base = strlen(dir);
        for (int k = 2; stat(dir, &st) == 0 && k < 1000; k++)
            snprintf(dir + base, len - base, "-%d", k);
    }
    struct stat st;
    if (make_dirs(dir) != 0 || stat(dir, &st) != 0 || !S_ISDIR(st.st_mode) ||
        access(dir, W_OK) != 0) {
        fprintf(stderr, "tessera %s: cannot write into %s: %s\n", command, dir,
                strerror(errno ? errno : ENOTDIR));
        return TESS_EXIT_FAILED;
    }
    return TESS_EXIT_OK;
}
