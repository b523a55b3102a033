#pragma once
// StdioBackend: connects a UART to host file descriptors: the terminal (-serial stdio /
// -nographic), or a pty, socket or file (see serial_backend.h). Puts a terminal into raw mode
// (restored on destruction and on fatal signals), forwards input to the UART and, for stdio,
// handles the Ctrl-A escape: Ctrl-A X quits, Ctrl-A Ctrl-A sends Ctrl-A, Ctrl-A H prints help,
// and Ctrl-A C switches input between the UART and a monitor when the board installed one.

#include <termios.h>

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string_view>
#include <thread>
#include <vector>

#include "base/result.h"
#include "base/unique_fd.h"
#include "hw/char/char_frontend.h"
#include "hw/char/uart16550.h"

namespace machina::hw {

/// Host standard input/output as a character backend.
class StdioBackend {
  public:
    /// Called when the user types Ctrl-A X.
    using QuitHandler = std::function<void()>;
    /// A monitor console: `toggle(true/false)` when Ctrl-A C enters or leaves it, and `input`
    /// with every byte typed while it is active (on the input thread).
    struct MonitorHooks {
        std::function<void(bool active)> toggle;
        std::function<void(uint8_t byte)> input;
    };

    /// Uses `in_fd` for input (may be -1: no input) and `out_fd` for output (may be -1: output
    /// dropped). `escapes` enables the Ctrl-A commands.
    StdioBackend(int in_fd, int out_fd, bool escapes = true);
    /// Makes the backend close `fd` when it is destroyed.
    void adopt(UniqueFd fd);
    ~StdioBackend();
    StdioBackend(const StdioBackend&) = delete;
    StdioBackend& operator=(const StdioBackend&) = delete;

    /// Enters raw mode when input is a terminal and starts the input thread.
    Result<void> start(QuitHandler on_quit);
    /// Stops the input thread and restores the terminal (also done by the destructor).
    void stop();
    /// Routes input to `frontend`, a UART or a virtio console port (nullptr: input is held until
    /// one attaches).
    void attach(CharFrontend* frontend);
    /// Writes one byte of guest output.
    void write(uint8_t byte);
    /// Writes text to the output as is (monitor replies).
    void write_text(std::string_view text);
    /// Installs the Ctrl-A C monitor (empty hooks: none; Ctrl-A C is then ignored).
    void set_monitor(MonitorHooks hooks);
    /// Feeds input bytes as if typed (the escape handling included); used by the input thread.
    void process_input(const uint8_t* data, size_t len);

  private:
    void input_loop();
    void deliver(uint8_t byte);
    /// Moves queued input into the frontend while it has room (m_mutex held).
    void flush_pending();
    /// Queued input bytes (a guest that reads slowly or not at all): size and whether any wait.
    bool backlog(size_t* size);

    int m_in;
    int m_out;
    bool m_escapes;
    std::vector<UniqueFd> m_owned;
    bool m_raw = false;
    termios m_saved{};
    UniqueFd m_wake_read;
    UniqueFd m_wake_write;
    std::thread m_thread;
    std::mutex m_mutex;
    CharFrontend* m_uart = nullptr; ///< the UART or virtio console port input goes to
    /// Typed bytes the frontend had no room for yet. Queued rather than waited for, so the
    /// Ctrl-A escapes typed after them still work while the guest does not read its input.
    std::deque<uint8_t> m_pending;
    QuitHandler m_on_quit;
    MonitorHooks m_monitor;
    bool m_monitor_active = false;
    bool m_escape = false;
    std::atomic<bool> m_stopping{false};
};

} // namespace machina::hw
