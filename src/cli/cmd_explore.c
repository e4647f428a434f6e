/* tessera explore SPACE [--budget N] ...: the outer explorer. The search itself is Python
 * glue (python/tessera/explore.py: Optuna's NSGA-II over the analytical model, then the
 * simulator on the promising points, both through libtessera.so); this command finds the
 * package and the library beside the program and hands the arguments on. */
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

int tess_cmd_explore(int argc, char **argv)
{
    char exe[PATH_MAX];
    const ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0) {
        fprintf(stderr, "tessera explore: cannot find the program's folder\n");
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
                "tessera explore: the Python package (python/tessera) is not beside %s; set "
                "TESSERA_PYTHON\n",
                exe);
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
    /* Debian's interpreter, where python3-optuna is installed, before any other on PATH */
    const char *python = access("/usr/bin/python3", X_OK) == 0 ? "/usr/bin/python3" : "python3";
    args[0] = (char *)python;
    args[1] = "-m";
    args[2] = "tessera.explore";
    for (int i = 1; i < argc; i++)
        args[i + 2] = argv[i];
    execvp(python, args);
    perror("tessera explore: cannot run python3");
    free(args);
    return TESS_EXIT_FAILED;
}
