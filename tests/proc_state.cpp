// Processes' state from /proc: see proc_state.h.
#include "proc_state.h"

#include <cstdio>
#include <cstring>
#include <dirent.h>
#include <string>

namespace
{

// State and process group of a process from /proc/PID/stat: false when there is none.
bool read_stat(const std::string &pid, char *state, int *pgrp)
{
    FILE *f = std::fopen(("/proc/" + pid + "/stat").c_str(), "r");
    if (!f) return false;
    char buf[1024] = "";
    const size_t got = std::fread(buf, 1, sizeof buf - 1, f);
    std::fclose(f);
    buf[got] = '\0';
    const char *close = std::strrchr(buf, ')'); // the command name may hold spaces
    int ppid = 0;
    return close && std::sscanf(close + 2, "%c %d %d", state, &ppid, pgrp) == 3;
}

bool alive(char state)
{
    return state != 'Z' && state != 'X';
}

} // namespace

bool process_gone(pid_t pid)
{
    char state = '?';
    int pgrp = 0;
    return !read_stat(std::to_string(pid), &state, &pgrp) || !alive(state);
}

int live_in_group(pid_t g)
{
    int n = 0;
    DIR *d = opendir("/proc");
    for (struct dirent *e; d && (e = readdir(d)) != nullptr;) {
        if (e->d_name[0] < '1' || e->d_name[0] > '9') continue;
        char state = '?';
        int pgrp = 0;
        if (read_stat(e->d_name, &state, &pgrp) && pgrp == g && alive(state)) n++;
    }
    if (d) closedir(d);
    return n;
}
