// Running the tessera program from a test, in the source folder (bundled paths resolve).
#ifndef TESS_TEST_CLI_RUN_H
#define TESS_TEST_CLI_RUN_H

#include <string>

struct CliRun {
    int status;         // exit status; -1 when it did not exit
    std::string output; // stdout, with stderr after it when asked for
};

// `tessera ARGS`; stderr joins the output unless stdout_only (sanitizers may write
// warnings to stderr that a byte comparison of stdout must not see).
CliRun tessera(const std::string &args, bool stdout_only = false);

// A shell command line as it is (stderr joins the output).
CliRun run_command(const std::string &shell);

// A whole file's text ("" when it cannot be read).
std::string read_text(const std::string &path);

// The number after `"key": ` at its first occurrence in JSON text (-1 when absent).
double json_number(const std::string &json, const std::string &key);

#endif
