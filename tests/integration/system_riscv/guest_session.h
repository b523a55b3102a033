#pragma once
// GuestSession: drives machina-system-riscv64 like a person at its serial console: start it,
// wait for text on its output, type, and collect the exit status. Used by the tiny-guest tests
// and by the Linux boot tests that talk to a busybox shell.

#include <sys/types.h>

#include <string>
#include <vector>

namespace machina::test {

/// One running emulator with its stdin, stdout and stderr on pipes.
class GuestSession {
  public:
    /// Starts `argv` (argv[0] is the path). Check started() afterwards.
    explicit GuestSession(const std::vector<std::string>& argv);
    /// Kills the process if it is still running.
    ~GuestSession();
    GuestSession(const GuestSession&) = delete;
    GuestSession& operator=(const GuestSession&) = delete;

    /// True when the process was started.
    bool started() const { return m_pid > 0; }
    /// Waits until stdout, from `from` on, contains `text`; false on timeout or exit. Returns the
    /// position just after the match through `end` (to wait for the next occurrence).
    bool wait_for(const std::string& text, double timeout_s, size_t from = 0,
                  size_t* end = nullptr);
    /// Types `text` on stdin.
    void send(const std::string& text);
    /// Closes stdin (end of input).
    void close_input();
    /// Waits for the process to end (reading its output meanwhile); returns the exit status, or
    /// -1 when it was killed by a signal or, after `timeout_s`, by us.
    int wait_exit(double timeout_s);
    /// Everything written to stdout / stderr so far.
    const std::string& out() const { return m_out; }
    const std::string& err() const { return m_err; }

  private:
    /// Reads what is available within `timeout_ms`; false when both pipes are closed.
    bool pump(int timeout_ms);

    pid_t m_pid = -1;
    int m_in = -1, m_stdout = -1, m_stderr = -1;
    std::string m_out, m_err;
    int m_status = -1;
    bool m_exited = false;
};

} // namespace machina::test
