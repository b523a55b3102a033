#pragma once
// Runs a program with arguments, optional stdin bytes, extra environment and a timeout, and
// collects its exit status and output (for tests that drive machina-system-x86_64).

#include <string>
#include <vector>

namespace machina::test {

/// What a finished (or killed) process left behind.
struct ProcessResult {
    int exit_code = -1;     ///< exit status, or -1 when killed by a signal
    bool timed_out = false; ///< killed after the timeout
    bool stopped = false;   ///< killed because stdout showed `stop_when`
    std::string out;
    std::string err;
};

/// Runs `argv` (argv[0] is the path), feeding `input` on stdin then closing it (unless
/// `keep_stdin_open`), with `env` entries ("K=V") added to the environment. When `stop_when` is
/// not empty the process is killed as soon as its stdout contains it.
ProcessResult run_process(const std::vector<std::string>& argv, const std::string& input = {},
                          const std::vector<std::string>& env = {}, double timeout_s = 30,
                          bool keep_stdin_open = false, const std::string& stop_when = {});

} // namespace machina::test
