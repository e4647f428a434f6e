#include "cli_run.h"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <sys/wait.h>

CliRun tessera(const std::string &args, bool stdout_only)
{
    const std::string cmd = std::string("cd '") + TESS_SOURCE_DIR + "' && '" + TESS_BINARY + "' " +
                            args + (stdout_only ? " 2>/dev/null" : " 2>&1");
    return run_command(cmd);
}

CliRun run_command(const std::string &shell)
{
    const std::string cmd = "{ " + shell + "; } 2>&1";
    CliRun r{-1, ""};
    FILE *p = popen(cmd.c_str(), "r");
    if (!p) return r;
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, p)) > 0)
        r.output.append(buf, n);
    int st = pclose(p);
    r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    return r;
}

std::string read_text(const std::string &path)
{
    std::ifstream f(path, std::ios::binary);
    std::stringstream s;
    s << f.rdbuf();
    return s.str();
}

double json_number(const std::string &json, const std::string &key)
{
    size_t at = json.find("\"" + key + "\": ");
    return at == std::string::npos ? -1 : std::atof(json.c_str() + at + key.size() + 4);
}
