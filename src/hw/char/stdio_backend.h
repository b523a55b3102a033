#pragma once
// StdioBackend: connects a UART to host file descriptors: the terminal (-serial stdio /
// -nographic), or a pty, socket or file (see serial_backend.h). Puts a terminal into raw mode
// (restored on destruction and on fatal signals), forwards input to the UART and, for stdio,
// handles the Ctrl-A escape: Ctrl-A X quits, Ctrl-A Ctrl-A sends Ctrl-A, Ctrl-A H prints help.

#include <termios.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "base/result.h"
#include "base/unique_fd.h"
#include "hw/char/uart16550.h"

namespace machina::hw {

/// Host standard input/output as a character backend.
class StdioBackend {
  public:
    /// Called when the user types Ctrl-A X.
    using QuitHandler = std::function<void()>;

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
    /// Routes input to `uart` (nullptr: input is held until a UART attaches).
    void attach(Uart16550* uart);
    /// Writes one byte of guest output.
    void write(uint8_t byte);
    /// Feeds input bytes as if typed (the escape handling included); used by the input thread.
    void process_input(const uint8_t* data, size_t len);

  private:
    void input_loop();
    void deliver(uint8_t byte);

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
    Uart16550* m_uart = nullptr;
    QuitHandler m_on_quit;
    bool m_escape = false;
    std::atomic<bool> m_stopping{false};
};

} // namespace machina::hw
