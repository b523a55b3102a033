#pragma once
// Runs a host program with captured stdout/stderr, an environment and a timeout.

#include <string>
#include <vector>

namespace machina::test {

/// What a finished process produced.
struct ProcessResult {
    std::string out;        ///< stdout
    std::string err;        ///< stderr
    int status = 0;         ///< raw wait status
    bool timed_out = false; ///< killed after the timeout
};

/// Runs argv[0] with `argv`, the current environment plus `extra_env` ("VAR=value"), for at
/// most `timeout_seconds`.
ProcessResult run_process(const std::vector<std::string>& argv,
                          const std::vector<std::string>& extra_env = {},
                          int timeout_seconds = 120);

/// "exit N" or "signal N" for a wait status (for comparisons and messages).
std::string describe_status(int status);

} // namespace machina::test
