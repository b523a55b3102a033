#pragma once
// DebugExit: QEMU's isa-debug-exit. A guest write of `v` ends the emulator with exit status
// (v << 1) | 1, so test guests report pass/fail through the process status.

#include <cstdint>
#include <functional>

#include "core/address_space.h"

namespace machina::hw {

/// The debug-exit port (commonly 0xf4, 1 to 4 bytes wide).
class DebugExit : public core::MmioDevice {
  public:
    /// Receives the exit status the guest asked for.
    using ExitHandler = std::function<void(int status)>;
    explicit DebugExit(ExitHandler on_exit) : m_on_exit(std::move(on_exit)) {}

    uint64_t read(uint64_t, unsigned) override { return 0; }
    void write(uint64_t, unsigned, uint64_t value) override {
        if (m_on_exit) m_on_exit(int(((value << 1) | 1) & 0xff));
    }

  private:
    ExitHandler m_on_exit;
};

/// A port that swallows writes and reads as zero (port 0x80 POST codes, used for I/O delays).
class NullPort : public core::MmioDevice {
  public:
    uint64_t read(uint64_t, unsigned) override { return 0; }
    void write(uint64_t, unsigned, uint64_t) override {}
};

} // namespace machina::hw
