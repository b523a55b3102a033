#include "hw/char/stdio_backend.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstring>

namespace machina::hw {

namespace {
constexpr uint8_t kCtrlA = 0x01;
constexpr char kHelp[] = "\r\nC-a h    print this help\r\nC-a x    exit emulator\r\n"
                         "C-a c    switch between console and monitor\r\n"
                         "C-a C-a  send C-a\r\n";
} // namespace

StdioBackend::StdioBackend(int in_fd, int out_fd, bool escapes)
    : m_in(in_fd), m_out(out_fd), m_escapes(escapes) {}

StdioBackend::~StdioBackend() {
    stop();
}

void StdioBackend::adopt(UniqueFd fd) {
    m_owned.push_back(std::move(fd));
}

namespace {

// The terminal to restore if machina dies from a signal while the terminal is raw.
int g_raw_fd = -1;
termios g_raw_saved{};

void restore_on_signal(int sig) {
    if (g_raw_fd >= 0) ::tcsetattr(g_raw_fd, TCSANOW, &g_raw_saved);
    ::signal(sig, SIG_DFL);
    ::raise(sig);
}

void install_restore_handlers(int fd, const termios& saved) {
    g_raw_saved = saved;
    g_raw_fd = fd;
    for (int sig : {SIGTERM, SIGHUP, SIGQUIT, SIGABRT, SIGSEGV})
        ::signal(sig, restore_on_signal);
}

} // namespace

Result<void> StdioBackend::start(QuitHandler on_quit) {
    m_on_quit = std::move(on_quit);
    if (m_in < 0) return ok();
    if (::isatty(m_in) && ::tcgetattr(m_in, &m_saved) == 0) {
        termios raw = m_saved;
        cfmakeraw(&raw);
        if (::tcsetattr(m_in, TCSANOW, &raw) == 0) {
            m_raw = true;
            if (m_in == STDIN_FILENO) install_restore_handlers(m_in, m_saved);
        }
    }
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) < 0) return Error::from_errno("serial: cannot create a pipe");
    m_wake_read.reset(fds[0]);
    m_wake_write.reset(fds[1]);
    m_thread = std::thread([this] { input_loop(); });
    return ok();
}

void StdioBackend::stop() {
    if (m_thread.joinable()) {
        m_stopping = true;
        uint8_t b = 0;
        [[maybe_unused]] ssize_t n = ::write(m_wake_write.get(), &b, 1);
        m_thread.join();
    }
    if (m_raw) {
        ::tcsetattr(m_in, TCSANOW, &m_saved);
        if (g_raw_fd == m_in) g_raw_fd = -1;
        m_raw = false;
    }
}

void StdioBackend::attach(CharFrontend* frontend) {
    std::lock_guard lock(m_mutex);
    m_uart = frontend;
    flush_pending();
}

void StdioBackend::write(uint8_t byte) {
    if (m_out < 0) return;
    // A full non-blocking pty or socket drops the byte rather than stall the vCPU.
    while (::write(m_out, &byte, 1) < 0 && errno == EINTR) {
    }
}

void StdioBackend::write_text(std::string_view text) {
    if (m_out < 0) return;
    while (!text.empty()) {
        ssize_t n = ::write(m_out, text.data(), text.size());
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return;
        text.remove_prefix(size_t(n));
    }
}

void StdioBackend::set_monitor(MonitorHooks hooks) {
    m_monitor = std::move(hooks);
    m_monitor_active = false;
}

void StdioBackend::deliver(uint8_t byte) {
    if (m_monitor_active) {
        m_monitor.input(byte);
        return;
    }
    // Queue rather than drop typed input: it waits for FIFO space, and for a UART to attach
    // (start-up, reset).
    std::lock_guard lock(m_mutex);
    m_pending.push_back(byte);
    flush_pending();
}

void StdioBackend::flush_pending() {
    while (!m_pending.empty() && m_uart && m_uart->rx_space() > 0) {
        m_uart->receive(m_pending.front());
        m_pending.pop_front();
    }
}

bool StdioBackend::backlog(size_t* size) {
    std::lock_guard lock(m_mutex);
    flush_pending();
    *size = m_pending.size();
    return !m_pending.empty();
}

void StdioBackend::process_input(const uint8_t* data, size_t len) {
    for (size_t i = 0; i < len; ++i) {
        uint8_t c = data[i];
        if (!m_escapes) {
            deliver(c);
            continue;
        }
        if (m_escape) {
            m_escape = false;
            if (c == 'x' || c == 'X') {
                if (m_on_quit) m_on_quit();
                continue;
            }
            if (c == 'h' || c == 'H') {
                [[maybe_unused]] ssize_t n = ::write(m_out, kHelp, sizeof kHelp - 1);
                continue;
            }
            if ((c == 'c' || c == 'C') && m_monitor.toggle && m_monitor.input) {
                m_monitor_active = !m_monitor_active;
                m_monitor.toggle(m_monitor_active);
                continue;
            }
            if (c == kCtrlA) {
                deliver(c);
                continue;
            }
            continue; // unknown escape: swallowed
        }
        if (c == kCtrlA) {
            m_escape = true;
            continue;
        }
        deliver(c);
    }
}

void StdioBackend::input_loop() {
    uint8_t buf[256];
    // Queued input is retried every few milliseconds; past kMaxBacklog bytes the thread stops
    // reading its input until the guest catches up.
    constexpr size_t kMaxBacklog = 4096;
    bool input_open = true;
    while (!m_stopping) {
        size_t queued = 0;
        bool waiting = backlog(&queued);
        if (!input_open && !waiting) return; // end of input, all of it delivered
        pollfd fds[2] = {{input_open && queued < kMaxBacklog ? m_in : -1, POLLIN, 0},
                         {m_wake_read.get(), POLLIN, 0}};
        int rc = ::poll(fds, 2, waiting ? 5 : -1);
        if (rc < 0) {
            if (errno == EINTR) continue;
            return;
        }
        if (fds[1].revents) return;
        if (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) {
            ssize_t n = ::read(m_in, buf, sizeof buf);
            if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
            if (n < 0 && errno == EIO) {
                // A pty whose other side is not open yet (or was closed): wait for a client.
                std::this_thread::sleep_for(std::chrono::milliseconds(100));
                continue;
            }
            if (n <= 0) { // end of input: the guest gets what is queued, then no more
                input_open = false;
                continue;
            }
            process_input(buf, size_t(n));
        }
    }
}

} // namespace machina::hw
