/* The commands whose work is Python glue around the library: they find the package
 * (python/tessera) and libtessera.so beside the program and hand the arguments on.
 *   tessera explore SPACE [--budget N] ...: the outer explorer (python/tessera/explore.py:
 *     Optuna's NSGA-II over the analytical model, then the simulator on the promising
 *     points, both through libtessera.so);
 *   tessera plot KIND ...: pictures of a sweep, an explore run, a run's time per die and a
 *     trace's counters (python/tessera/plot.py, matplotlib). */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/commands.h"

static int is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* Replaces the process with Debian's python3 -m MODULE ARGS (argv[1..]); returns only on
 * failure. */
static int exec_module(const char *command, const char *module, int argc, char **argv)
{
    char exe[PATH_MAX];
    const ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0) {
        fprintf(stderr, "tessera %s: cannot find the program's folder\n", command);
        return TESS_EXIT_FAILED;
    }
    exe[n] = '\0';
    char *slash = strrchr(exe, '/');
    if (slash) *slash = '\0'; /* exe: the program's folder */
    /* the package: $TESSERA_PYTHON, else beside a build folder (../python), else installed
     * (../share/tessera/python) */
    char py[PATH_MAX + 64] = "";
    const char *env = getenv("TESSERA_PYTHON");
    if (env && *env) snprintf(py, sizeof py, "%s", env);
    const char *const tries[] = {"%s/../python", "%s/../share/tessera/python"};
    for (size_t i = 0; !py[0] && i < 2; i++) {
        char cand[PATH_MAX + 64];
        snprintf(cand, sizeof cand, tries[i], exe);
        char pkg[PATH_MAX + 80];
        snprintf(pkg, sizeof pkg, "%s/tessera", cand);
        if (is_dir(pkg)) snprintf(py, sizeof py, "%s", cand);
    }
    if (!py[0]) {
        fprintf(stderr,
                "tessera %s: the Python package (python/tessera) is not beside %s; set "
                "TESSERA_PYTHON\n",
                command, exe);
        return TESS_EXIT_FAILED;
    }
    char lib[PATH_MAX + 32];
    snprintf(lib, sizeof lib, "%s/libtessera.so", exe);
    if (!getenv("TESSERA_LIB") && access(lib, R_OK) == 0) setenv("TESSERA_LIB", lib, 1);
    const char *old = getenv("PYTHONPATH");
    char path[2 * PATH_MAX + 200];
    snprintf(path, sizeof path, "%s%s%s", py, old && *old ? ":" : "", old && *old ? old : "");
    setenv("PYTHONPATH", path, 1);
    char **args = calloc((size_t)argc + 4, sizeof *args);
    if (!args) return TESS_EXIT_FAILED;
    /* Debian's interpreter, where python3-optuna and python3-matplotlib are installed,
     * before any other on PATH */
    const char *python = access("/usr/bin/python3", X_OK) == 0 ? "/usr/bin/python3" : "python3";
    args[0] = (char *)python;
    args[1] = "-m";
    args[2] = (char *)module;
    for (int i = 1; i < argc; i++)
        args[i + 2] = argv[i];
    execvp(python, args);
    fprintf(stderr, "tessera %s: cannot run %s: %s\n", command, python, strerror(errno));
    free(args);
    return TESS_EXIT_FAILED;
}

int tess_cmd_explore(int argc, char **argv)
{
    return exec_module("explore", "tessera.explore", argc, argv);
}

int tess_cmd_plot(int argc, char **argv)
{
    return exec_module("plot", "tessera.plot", argc, argv);
}
