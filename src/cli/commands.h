/* The command-line program's commands: each is `int run(argc, argv)` with argv[0]
 * the command's name; it returns the process exit status. */
#ifndef TESS_COMMANDS_H
#define TESS_COMMANDS_H

/* Exit statuses shared by every command. */
enum {
    TESS_EXIT_OK = 0,
    TESS_EXIT_INVALID = 1, /* the input is wrong: errors were printed */
    TESS_EXIT_USAGE = 2,   /* the command line is wrong */
    TESS_EXIT_FAILED = 3,  /* the input was fine but the run failed (I/O, crash, deadlock) */
    TESS_EXIT_LIMIT = 4    /* a limit was hit: a resource limit (a simulation child's time
                              or memory cap, memory running out), or in tessera check a
                              limit of the limits file (or the evaluation failed) */
};

/* The exit status for a library status (TESS_OK, TESS_E*): 1 for input the run refused
 * (TESS_EINVAL, TESS_EUNROUTABLE, TESS_ENOFIT), 4 for a resource limit (TESS_ETIMEOUT,
 * TESS_ENOMEM), 3 for the rest (I/O, a crashed or broken child, an internal error). */
int tess_cli_exit_of(int status);

int tess_cmd_validate(int argc, char **argv);
int tess_cmd_noc(int argc, char **argv);
int tess_cmd_mem(int argc, char **argv);
int tess_cmd_schedule(int argc, char **argv);
int tess_cmd_run(int argc, char **argv);
int tess_cmd_estimate(int argc, char **argv);
int tess_cmd_calibrate(int argc, char **argv);
int tess_cmd_explore(int argc, char **argv);
int tess_cmd_plot(int argc, char **argv);
int tess_cmd_sweep(int argc, char **argv);
int tess_cmd_check(int argc, char **argv);
int tess_cmd_cost(int argc, char **argv);
int tess_cmd_collective(int argc, char **argv);

#endif
