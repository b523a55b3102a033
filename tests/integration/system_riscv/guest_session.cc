#include "guest_session.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>

namespace machina::test {

namespace {
using Clock = std::chrono::steady_clock;

Clock::time_point deadline_after(double seconds) {
    return Clock::now() + std::chrono::milliseconds(int64_t(seconds * 1000));
}
int ms_left(Clock::time_point deadline) {
    auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    return left < 0 ? 0 : int(left);
}
} // namespace

GuestSession::GuestSession(const std::vector<std::string>& argv) {
    int in[2], out[2], err[2];
    if (pipe2(in, O_CLOEXEC) || pipe2(out, O_CLOEXEC) || pipe2(err, O_CLOEXEC)) return;
    pid_t pid = fork();
    if (pid < 0) return;
    if (pid == 0) {
        dup2(in[0], 0);
        dup2(out[1], 1);
        dup2(err[1], 2);
        std::vector<char*> args;
        for (const auto& a : argv)
            args.push_back(const_cast<char*>(a.c_str()));
        args.push_back(nullptr);
        execv(args[0], args.data());
        _exit(127);
    }
    close(in[0]);
    close(out[1]);
    close(err[1]);
    m_pid = pid;
    m_in = in[1];
    m_stdout = out[0];
    m_stderr = err[0];
}

GuestSession::~GuestSession() {
    if (m_pid > 0 && !m_exited) {
        kill(m_pid, SIGKILL);
        waitpid(m_pid, nullptr, 0);
    }
    for (int fd : {m_in, m_stdout, m_stderr})
        if (fd >= 0) close(fd);
}

bool GuestSession::pump(int timeout_ms) {
    if (m_stdout < 0 && m_stderr < 0) return false;
    pollfd fds[2] = {{m_stdout, POLLIN, 0}, {m_stderr, POLLIN, 0}};
    if (poll(fds, 2, timeout_ms) <= 0) return true;
    char buf[4096];
    for (int i = 0; i < 2; i++) {
        if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
        ssize_t n = read(fds[i].fd, buf, sizeof buf);
        if (n <= 0) {
            close(fds[i].fd);
            (i == 0 ? m_stdout : m_stderr) = -1;
        } else {
            (i == 0 ? m_out : m_err).append(buf, size_t(n));
        }
    }
    return true;
}

bool GuestSession::wait_for(const std::string& text, double timeout_s, size_t from, size_t* end) {
    auto deadline = deadline_after(timeout_s);
    for (;;) {
        size_t pos = from < m_out.size() ? m_out.find(text, from) : std::string::npos;
        if (pos != std::string::npos) {
            if (end) *end = pos + text.size();
            return true;
        }
        int left = ms_left(deadline);
        if (left == 0 || !pump(std::min(left, 100))) return false;
    }
}

void GuestSession::send(const std::string& text) {
    size_t done = 0;
    while (m_in >= 0 && done < text.size()) {
        ssize_t n = write(m_in, text.data() + done, text.size() - done);
        if (n <= 0) return;
        done += size_t(n);
    }
}

void GuestSession::close_input() {
    if (m_in >= 0) close(m_in);
    m_in = -1;
}

int GuestSession::wait_exit(double timeout_s) {
    if (m_pid <= 0) return -1;
    auto deadline = deadline_after(timeout_s);
    while (!m_exited) {
        int status = 0;
        pid_t r = waitpid(m_pid, &status, WNOHANG);
        if (r == m_pid) {
            m_exited = true;
            m_status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
            break;
        }
        if (ms_left(deadline) == 0) {
            kill(m_pid, SIGKILL);
            waitpid(m_pid, nullptr, 0);
            m_exited = true;
            m_status = -1;
            break;
        }
        if (!pump(50)) usleep(10'000);
    }
    // Drain what the process left in the pipes (up to end of file, or one second).
    auto drain_deadline = deadline_after(1.0);
    while (pump(50) && ms_left(drain_deadline) > 0) {
    }
    return m_status;
}

} // namespace machina::test
