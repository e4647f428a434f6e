/* The command-line program's commands: each is `int run(argc, argv)` with argv[0]
 * the command's name; it returns the process exit status. */
#ifndef TESS_COMMANDS_H
#define TESS_COMMANDS_H

/* Exit statuses shared by every command. */
enum {
    TESS_EXIT_OK = 0,
    TESS_EXIT_INVALID = 1,     /* the input is wrong: errors were printed */
    TESS_EXIT_USAGE = 2,       /* the command line is wrong */
    TESS_EXIT_FAILED = 3,      /* the input was fine but the run failed (I/O, crash, timeout) */
    TESS_EXIT_CHECK_FAILED = 4 /* tessera check: a limit (or the evaluation) failed */
};

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
