#pragma once
// SifiveTest: the "sifive,test0" syscon that firmware and Linux use to power off or reboot the
// virt board (write 0x5555 = pass/poweroff, 0x7777 = reset, (code << 16) | 0x3333 = fail).

#include <functional>

#include "core/address_space.h"

namespace machina::hw::riscv {

/// What the guest asked the board to do.
enum class PowerRequest { Poweroff, Reset, Fail };

/// The syscon device; the board decides what a request means (exit, reboot).
class SifiveTest final : public core::MmioDevice {
  public:
    /// `on_request(kind, exit_code)`: exit_code is 0 for Poweroff/Reset, the guest's code for Fail.
    using Handler = std::function<void(PowerRequest, int exit_code)>;
    explicit SifiveTest(Handler handler) : m_handler(std::move(handler)) {}

    uint64_t read(uint64_t, unsigned) override { return 0; }
    void write(uint64_t offset, unsigned size, uint64_t value) override;

  private:
    Handler m_handler;
};

} // namespace machina::hw::riscv
