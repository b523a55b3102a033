#pragma once
// Monitor: the small human monitor behind Ctrl-A C on the -nographic console, with QEMU's
// spelling of the few commands it knows (help, info status, info mtree, info cpus,
// info registers, system_reset, quit). It edits one line at a time on a raw terminal and asks the
// board, through callbacks, for what it cannot know itself.

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace machina::boards::riscv_virt {

/// What the monitor's commands do; each callback may be empty ("not available").
struct MonitorCommands {
    std::function<std::string()> info_status;    ///< "running" / "paused"
    std::function<std::string()> info_mtree;     ///< memory map listing
    std::function<std::string()> info_cpus;      ///< one line per hart
    std::function<std::string()> info_registers; ///< pc, privilege, CSRs, x1..x31 of each hart
    std::function<void()> system_reset;
    std::function<void()> quit;
};

/// A line-editing command monitor. Output goes to `out` with terminal line ends (\r\n).
class Monitor {
  public:
    /// Writes text to the console.
    using Output = std::function<void(std::string_view)>;
    Monitor(MonitorCommands commands, Output out)
        : m_commands(std::move(commands)), m_out(std::move(out)) {}

    /// Ctrl-A C pressed: entering prints the banner and a prompt; leaving prints a newline.
    void toggle(bool active);
    /// One typed byte while the monitor is active (echo, backspace, Enter runs the line).
    void input(uint8_t byte);
    /// Runs one command line and returns its reply ('\n' line ends; empty for no reply).
    std::string execute(std::string_view line);

  private:
    void write(std::string_view text);

    MonitorCommands m_commands;
    Output m_out;
    std::string m_line;
};

} // namespace machina::boards::riscv_virt
