#pragma once
// UniqueFd: owns a file descriptor and closes it exactly once.

#include <unistd.h>

#include <utility>

namespace machina {

/// Move-only owner of a POSIX file descriptor; -1 means empty.
class UniqueFd {
  public:
    UniqueFd() = default;
    explicit UniqueFd(int fd) : m_fd(fd) {}
    UniqueFd(UniqueFd&& other) noexcept : m_fd(other.release()) {}
    UniqueFd& operator=(UniqueFd&& other) noexcept {
        if (this != &other) reset(other.release());
        return *this;
    }
    UniqueFd(const UniqueFd&) = delete;
    UniqueFd& operator=(const UniqueFd&) = delete;
    ~UniqueFd() { reset(); }

    /// The raw descriptor (still owned).
    int get() const { return m_fd; }
    /// True when a descriptor is held.
    bool valid() const { return m_fd >= 0; }
    explicit operator bool() const { return valid(); }
    /// Gives up ownership and returns the descriptor.
    int release() { return std::exchange(m_fd, -1); }
    /// Closes the held descriptor (if any) and takes `fd`.
    void reset(int fd = -1) {
        if (m_fd >= 0) ::close(m_fd);
        m_fd = fd;
    }

  private:
    int m_fd = -1;
};

} // namespace machina
