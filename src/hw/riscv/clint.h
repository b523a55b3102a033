#pragma once
// Clint: the RISC-V core-local interruptor (SiFive CLINT layout, as on QEMU's virt board):
// per-hart software interrupt (msip), per-hart timer compare (mtimecmp) and the shared mtime
// counter. It drives each hart's MSIP and MTIP lines.

#include <cstdint>
#include <functional>
#include <mutex>
#include <vector>

#include "core/address_space.h"
#include "core/irq_line.h"

namespace machina::hw::riscv {

/// Size of the CLINT register window.
constexpr uint64_t kClintSize = 0x10000;

/// CLINT for `hart_count` harts. mtime counts at the timebase frequency given by `now_ticks`.
class Clint final : public core::MmioDevice {
  public:
    /// Lines the CLINT drives for one hart.
    struct HartLines {
        core::IrqLine* msip = nullptr; ///< machine software interrupt
        core::IrqLine* mtip = nullptr; ///< machine timer interrupt
    };

    /// `now_ticks` returns the current mtime in timebase ticks (10 MHz on virt).
    Clint(std::vector<HartLines> harts, std::function<uint64_t()> now_ticks);

    uint64_t read(uint64_t offset, unsigned size) override;
    void write(uint64_t offset, unsigned size, uint64_t value) override;

    /// Re-evaluates every timer line against the current time; the CPU loop calls this when it
    /// checks for interrupts, and timers call it at deadlines.
    void update_timers();

    /// mtime now, plus the offset the guest wrote into it.
    uint64_t mtime() const;

    /// The earliest mtimecmp among harts whose timer is not yet pending (UINT64_MAX if none):
    /// how long a hart in wfi may sleep.
    uint64_t next_deadline() const;

    /// mtimecmp of `hart` (for tests and Sstc).
    uint64_t mtimecmp(unsigned hart) const;

  private:
    std::vector<HartLines> m_harts;
    std::function<uint64_t()> m_now;
    mutable std::mutex m_mutex;
    std::vector<uint64_t> m_mtimecmp;
    int64_t m_mtime_offset = 0; ///< guest writes to mtime shift it relative to the host clock
};

} // namespace machina::hw::riscv
