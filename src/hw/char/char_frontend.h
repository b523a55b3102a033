#pragma once
// CharFrontend: the guest-facing end of a character device, as a host backend (StdioBackend:
// terminal, pty, socket, file) sees it: a byte sink with a little buffer. The 16550 UART and the
// virtio console port both implement it, so either can sit behind any backend.

#include <cstddef>
#include <cstdint>

namespace machina::hw {

/// Where a character backend delivers host input.
class CharFrontend {
  public:
    virtual ~CharFrontend() = default;
    /// Queues one byte from the host; false when there was no room (the byte is dropped).
    virtual bool receive(uint8_t byte) = 0;
    /// Bytes receive() can take now; backends stop reading their input at 0.
    virtual size_t rx_space() const = 0;
};

} // namespace machina::hw
