// Reading processes' state from /proc in tests: whether a process is gone, and how many of
// a process group's are alive. A zombie waiting to be reaped counts as gone (the PID 1 of
// a container may be slow to reap orphans).
#ifndef TESS_TEST_PROC_STATE_H
#define TESS_TEST_PROC_STATE_H

#include <sys/types.h>

// No such process, or a zombie.
bool process_gone(pid_t pid);

// Processes of process group g that are alive.
int live_in_group(pid_t g);

#endif
